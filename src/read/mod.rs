//! Reading files: decompression, charset detection and decoding to UTF-8.
//!
//! Everything downstream sees valid UTF-8. Bytes that do not decode are replaced
//! (U+FFFD) and counted, never fatal. Memory stays bounded: files are streamed
//! through fixed buffers, only a small head is kept for detection.
//!
//! The layers, outermost last: the file; decompression by magic bytes
//! ([`decompress`]); the head, from which charset and binary content are judged
//! ([`charset`]); the decoder to UTF-8 ([`decode`]; EBCDIC tables in [`crate::charset`]).
//! Files of fixed-length records without line ends are decoded column by column
//! into one line per record instead ([`records`]).

use std::fs::File;
use std::io::{BufRead, Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

mod charset;
mod decode;
mod decompress;
mod records;
mod window;

use crate::charset::Charset;
use crate::model::Role;
use crate::rules::{Caps, MAX_DECOMPRESSED_BYTES, MAX_RATIO, RATIO_FLOOR};
pub use decompress::Compression;
pub use records::{RecordLayout, open_records};
pub use window::{
    TAIL_LEN, Window, WindowEnd, bytes_before, char_boundary, open_window, probe,
    record_cap_warning,
};

use decode::{Decoding, Transcoder, Utf8Reader};

/// What reading one file may cost (the rules' `caps:`, see `rules::Caps`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Most bytes decompressed from one compressed file.
    pub decompressed_bytes: u64,
    /// Most decompressed bytes per compressed byte, once past `ratio_floor`.
    pub decompression_ratio: u64,
    /// Decompressed bytes below which the ratio is not judged.
    pub ratio_floor: u64,
    /// Longest line passed on, in bytes of the file, when its lines are records
    /// (logs): a longer line keeps its head and the rest is skipped. `None`
    /// passes lines whole (catalogs, whose scanners read whole documents).
    pub record_bytes: Option<usize>,
}

impl ReadLimits {
    pub const DEFAULT: ReadLimits = ReadLimits {
        decompressed_bytes: MAX_DECOMPRESSED_BYTES,
        decompression_ratio: MAX_RATIO,
        ratio_floor: RATIO_FLOOR,
        record_bytes: None,
    };

    /// The caps reading a file of `role` obeys: log lines are records (a line
    /// past the cap keeps its head); catalogs are read whole by their scanner.
    pub fn of(caps: &Caps, role: Role) -> ReadLimits {
        let default = ReadLimits::DEFAULT;
        ReadLimits {
            decompressed_bytes: caps
                .decompressed_bytes
                .unwrap_or(default.decompressed_bytes),
            decompression_ratio: caps
                .decompression_ratio
                .unwrap_or(default.decompression_ratio),
            record_bytes: (role == Role::Observations).then(|| caps.record_bytes()),
            ..default
        }
    }
}

/// A problem with a file's content, at a line where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadWarning {
    pub line: Option<u64>,
    pub message: String,
}

/// Why a file could not be read at all (the scan records it and goes on).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("binary file (NUL byte at offset {offset}), skipped")]
    Binary { offset: u64 },
}

/// How many replacement line numbers are kept for the warning.
pub const REPLACED_LINES_KEPT: usize = 5;

/// What happened while the content was read: replacements and warnings. Filled
/// as the reader is consumed, so read it once the scanner is done.
#[derive(Debug, Default)]
pub struct DecodeStats {
    /// Invalid byte sequences replaced by U+FFFD.
    pub replaced: AtomicU64,
    /// Lines (1-based, in the decoded text) of the first replacements.
    replaced_lines: Mutex<Vec<u64>>,
    /// Problems that cut the content short (corrupt archive, a cap).
    warnings: Mutex<Vec<ReadWarning>>,
}

impl DecodeStats {
    pub fn replaced(&self) -> u64 {
        self.replaced.load(Ordering::Relaxed)
    }

    /// Distinct lines of the first [`REPLACED_LINES_KEPT`] replacements, ascending.
    pub fn replaced_lines(&self) -> Vec<u64> {
        lock(&self.replaced_lines).clone()
    }

    /// Warnings about the content, in the order they arose.
    pub fn warnings(&self) -> Vec<ReadWarning> {
        lock(&self.warnings).clone()
    }

    fn record_replacement(&self, line: Option<u64>) {
        self.replaced.fetch_add(1, Ordering::Relaxed);
        if let Some(line) = line {
            let mut lines = lock(&self.replaced_lines);
            if lines.last() != Some(&line) && lines.len() < REPLACED_LINES_KEPT {
                lines.push(line);
            }
        }
    }

    /// Whether another replacement line would still be kept.
    fn wants_lines(&self) -> bool {
        lock(&self.replaced_lines).len() < REPLACED_LINES_KEPT
    }

    fn warn(&self, line: Option<u64>, message: String) {
        lock(&self.warnings).push(ReadWarning { line, message });
    }
}

/// A poisoned lock only means another reader panicked; the data is still whole.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An open, decoded file.
pub struct Opened {
    /// UTF-8 text of the file (after decompression and decoding).
    pub reader: Box<dyn BufRead + Send>,
    /// The charset used to decode.
    pub charset: Charset,
    /// True when the charset was guessed from content rather than declared or certain.
    pub guessed: bool,
    /// The compression the file's magic bytes showed, if any.
    pub compression: Option<Compression>,
    pub stats: Arc<DecodeStats>,
}

/// The bytes sniffed at the start of a file: enough to detect compression, BOMs,
/// UTF-16 and binary content, and to let scanners recognise their format.
pub const HEAD_LEN: usize = 8 * 1024;

/// Opens `path`, decompressing and decoding it. `declared` is the charset the rules
/// give; `None` means detect (BOM, UTF-16 by NUL pattern, valid UTF-8, a guess).
pub fn open(path: &Path, declared: Option<Charset>) -> Result<Opened, ReadError> {
    open_with(path, declared, &ReadLimits::DEFAULT)
}

fn open_with(
    path: &Path,
    declared: Option<Charset>,
    limits: &ReadLimits,
) -> Result<Opened, ReadError> {
    let stats = Arc::new(DecodeStats::default());
    let (mut content, compression) = decompress::open(File::open(path)?, limits, &stats)?;
    let head = decompress::read_head(&mut content, HEAD_LEN)?;
    let at_eof = head.len() < HEAD_LEN;
    let detected = charset::detect(&head, at_eof, declared)?;
    let mut head = Cursor::new(head);
    head.set_position(detected.bom_len as u64);
    let content = Box::new(head.chain(content));
    Ok(decoding(
        content,
        detected.charset,
        detected.guessed,
        compression,
        stats,
    ))
}

/// Wraps decompressed content in the decoder for `charset`.
fn decoding(
    content: Box<dyn Read + Send>,
    charset: Charset,
    guessed: bool,
    compression: Option<Compression>,
    stats: Arc<DecodeStats>,
) -> Opened {
    let reader: Box<dyn BufRead + Send> = match charset {
        Charset::Web(e) if e == encoding_rs::UTF_8 => {
            Box::new(Utf8Reader::new(content, Arc::clone(&stats)))
        }
        Charset::Web(e) => Box::new(Transcoder::new(
            content,
            Decoding::Web(e.new_decoder_without_bom_handling()),
            Arc::clone(&stats),
        )),
        Charset::Ebcdic(page) => Box::new(Transcoder::new(
            content,
            Decoding::Ebcdic(page),
            Arc::clone(&stats),
        )),
    };
    Opened {
        reader,
        charset,
        guessed,
        compression,
        stats,
    }
}

/// The charset chosen for a file by [`utf8_or`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Utf8OrDefault {
    pub charset: Charset,
    /// The line (1-based) of the first byte sequence that is not UTF-8, when
    /// that made the format's default the choice.
    pub invalid_line: Option<u64>,
}

/// The charset of a file whose format has a legacy default of its own, when the
/// rules declare none: UTF-8 when all of its (decompressed) content is valid
/// UTF-8, else `default`. This is how Java 9+ `PropertyResourceBundle` reads
/// `.properties` (UTF-8, ISO-8859-1 on a malformed sequence). A byte order mark
/// decides as it always does. Reads the whole file once.
pub fn utf8_or(path: &Path, default: Charset) -> Result<Utf8OrDefault, ReadError> {
    let mut opened = open(path, Some(Charset::UTF_8))?;
    std::io::copy(&mut opened.reader, &mut std::io::sink())?;
    Ok(if opened.stats.replaced() == 0 {
        Utf8OrDefault {
            charset: opened.charset,
            invalid_line: None,
        }
    } else {
        Utf8OrDefault {
            charset: default,
            invalid_line: opened.stats.replaced_lines().first().copied(),
        }
    })
}

/// The decoded start of a file, for format detection: about [`HEAD_LEN`] bytes,
/// cut at a character boundary (a long line does not make it longer).
pub fn head(path: &Path, declared: Option<Charset>) -> Result<String, ReadError> {
    let mut opened = open(path, declared)?;
    let mut bytes = decompress::read_head(&mut opened.reader, HEAD_LEN)?;
    // The decoder's output is UTF-8, so only a sequence cut by the limit can fail.
    let valid = match std::str::from_utf8(&bytes) {
        Ok(_) => bytes.len(),
        Err(e) => e.valid_up_to(),
    };
    bytes.truncate(valid);
    Ok(String::from_utf8(bytes).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/formats/encodings")
            .join(name)
    }

    /// Log lines are records and obey the record cap; catalogs are read whole.
    #[test]
    fn limits_follow_the_caps_and_the_role() {
        let caps = Caps {
            record_bytes: Some(8192),
            decompression_ratio: Some(50),
            ..Caps::DEFAULT
        };
        let logs = ReadLimits::of(&caps, Role::Observations);
        assert_eq!(logs.record_bytes, Some(8192));
        assert_eq!(logs.decompression_ratio, 50);
        assert_eq!(logs.decompressed_bytes, MAX_DECOMPRESSED_BYTES);
        assert_eq!(ReadLimits::of(&caps, Role::Definitions).record_bytes, None);
    }

    /// Reads a fixture whole: text, charset name, guessed, compression, stats.
    fn read(name: &str, declared: Option<&str>) -> (String, Opened) {
        let declared = declared.map(|l| Charset::from_label(l).unwrap());
        let mut opened = open(&fixture(name), declared).unwrap();
        let mut text = String::new();
        opened.reader.read_to_string(&mut text).unwrap();
        (text, opened)
    }

    const RU_LOG: &str = "\
2024-03-01 10:15:02,118 ERROR [pay] Операция отклонена: недостаточно средств
2024-03-01 10:15:07,540 WARN  [pay] Превышен лимит по карте, попробуйте завтра
2024-03-01 10:16:11,003 ERROR [auth] Неверный код подтверждения. Осталось попыток: 2
2024-03-01 10:17:45,921 INFO  [auth] Вход выполнен
";

    fn long_log() -> String {
        (0..400)
            .map(|i| {
                format!(
                    "2024-03-03 12:{:02}:{:02} ERROR [core] Запрос {i} отклонён: сервис недоступен\n",
                    i / 60,
                    i % 60
                )
            })
            .collect()
    }

    fn assert_clean(opened: &Opened) {
        assert_eq!(opened.stats.replaced(), 0);
        assert!(
            opened.stats.warnings().is_empty(),
            "{:?}",
            opened.stats.warnings()
        );
    }

    #[test]
    fn koi8r_log_is_guessed() {
        let (text, opened) = read("koi8r.log", None);
        assert_eq!(text, RU_LOG);
        // chardetng names the KOI8 family KOI8-U, which decodes Russian as KOI8-R does.
        assert_eq!((opened.charset.name(), opened.guessed), ("KOI8-U", true));
        assert_clean(&opened);
    }

    #[test]
    fn utf16le_without_bom_is_recognised_not_binary() {
        let (text, opened) = read("utf16le-nobom.log", None);
        assert_eq!(text, RU_LOG);
        assert_eq!((opened.charset.name(), opened.guessed), ("UTF-16LE", false));
        assert_clean(&opened);
    }

    #[test]
    fn utf16be_bom_is_stripped() {
        let (text, opened) = read("utf16be-bom.txt", None);
        assert_eq!(text, RU_LOG);
        assert_eq!((opened.charset.name(), opened.guessed), ("UTF-16BE", false));
        assert_clean(&opened);
    }

    #[test]
    fn cp866_declared_and_guessed() {
        let expected = "\
ОШИБКА 101: Счёт заблокирован. Обратитесь в отделение банка.\r
ОШИБКА 102: Сумма перевода превышает остаток на счёте.\r
ОШИБКА 103: Сервис временно недоступен, повторите попытку позже.\r
";
        let (text, opened) = read("cp866.txt", Some("cp866"));
        assert_eq!(text, expected);
        assert_eq!((opened.charset.name(), opened.guessed), ("IBM866", false));
        let (text, opened) = read("cp866.txt", None);
        assert_eq!(text, expected);
        assert_eq!((opened.charset.name(), opened.guessed), ("IBM866", true));
    }

    #[test]
    fn ebcdic_cp1025_records() {
        let (text, opened) = read("cp1025-records.dat", Some("cp1025"));
        assert_eq!(
            text,
            "MSG0001 Операция выполнена успешно\n\
             MSG0002 Недостаточно средств на счёте\n\
             MSG0003 Карта заблокирована, обратитесь в банк\n"
        );
        assert_eq!(opened.charset.name(), "IBM1025");
        assert_clean(&opened);
    }

    #[test]
    fn multi_member_gzip_reads_every_member() {
        let (text, opened) = read("multi-member.log.gz", None);
        assert_eq!(
            text,
            "2024-03-02 09:00:00 ERROR first member: Платёж не прошёл\n\
             2024-03-02 09:00:05 ERROR second member: Try again later\n"
        );
        assert_eq!(opened.compression, Some(Compression::Gzip));
        assert_eq!(opened.charset, Charset::UTF_8);
        assert_clean(&opened);
    }

    #[test]
    fn truncated_gzip_keeps_what_was_readable() {
        let (text, opened) = read("truncated.log.gz", None);
        let full = long_log();
        assert!(text.len() > 1000, "kept {} bytes", text.len());
        assert!(full.starts_with(&text), "a prefix of the original");
        assert!(text.len() < full.len());
        let warnings: Vec<String> = opened
            .stats
            .warnings()
            .into_iter()
            .map(|w| w.message)
            .collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].starts_with(&format!(
                "gzip data truncated or corrupt after {} decompressed bytes (",
                text.len()
            )),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].ends_with("kept what was readable"));
    }

    #[test]
    fn zstd_is_recognised_by_magic() {
        let (text, opened) = read("compressed.log.zst", None);
        assert_eq!(text, long_log());
        assert_eq!(opened.compression, Some(Compression::Zstd));
        assert_clean(&opened);
    }

    #[test]
    fn truncated_zstd_keeps_what_was_readable() {
        let bytes = std::fs::read(fixture("compressed.log.zst")).unwrap();
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(&bytes[..bytes.len() - 50]).unwrap();
        let mut opened = open(file.path(), None).unwrap();
        let mut text = String::new();
        opened.reader.read_to_string(&mut text).unwrap();
        assert!(long_log().starts_with(&text));
        let warnings = opened.stats.warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0]
                .message
                .starts_with("zstd data truncated or corrupt after")
        );
    }

    #[test]
    fn binary_is_rejected_with_its_offset() {
        match open(&fixture("binary.bin"), None) {
            Err(e @ ReadError::Binary { offset: 8 }) => {
                assert_eq!(e.to_string(), "binary file (NUL byte at offset 8), skipped");
            }
            Err(e) => panic!("{e}"),
            Ok(o) => panic!("opened as {}", o.charset.name()),
        }
    }

    #[test]
    fn binary_inside_gzip_is_rejected() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let mut gz = flate2::write::GzEncoder::new(&mut file, flate2::Compression::fast());
        gz.write_all(&std::fs::read(fixture("binary.bin")).unwrap())
            .unwrap();
        gz.finish().unwrap();
        assert!(matches!(
            open(file.path(), None),
            Err(ReadError::Binary { offset: 8 })
        ));
    }

    #[test]
    fn invalid_utf8_is_replaced_and_located() {
        let (text, opened) = read("invalid-utf8.log", None);
        assert_eq!(
            text,
            "2024-03-04 08:00:01 ERROR Платёж отклонён банком-эмитентом\n\
             2024-03-04 08:00:02 ERROR bad byte \u{FFFD} here\n\
             2024-03-04 08:00:03 ERROR Карта заблокирована, обратитесь в банк\n\
             2024-03-04 08:00:04 ERROR Неверный код подтверждения\n\
             2024-03-04 08:00:05 ERROR Сервис недоступе\u{FFFD}\n\
             2024-03-04 08:00:06 ERROR Повторите попытку позже\n\
             2024-03-04 08:00:07 ERROR \u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\n"
        );
        // Mostly valid UTF-8 stays UTF-8: no guess, the broken bytes are counted.
        assert_eq!((opened.charset, opened.guessed), (Charset::UTF_8, false));
        assert_eq!(opened.stats.replaced(), 8);
        assert_eq!(opened.stats.replaced_lines(), vec![2, 5, 7]);
        assert!(opened.stats.warnings().is_empty());
    }

    /// Writes `lines` lines of 1 KiB of one letter, compressed by `codec`.
    fn bomb(codec: Compression, lines: usize) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        let line = "a".repeat(1023) + "\n";
        let mut encoder: Box<dyn Write> = match codec {
            Compression::Gzip => Box::new(flate2::write::GzEncoder::new(
                &mut file,
                flate2::Compression::default(),
            )),
            Compression::Zstd => Box::new(
                zstd::stream::write::Encoder::new(&mut file, 3)
                    .unwrap()
                    .auto_finish(),
            ),
        };
        for _ in 0..lines {
            encoder.write_all(line.as_bytes()).unwrap();
        }
        drop(encoder);
        file
    }

    fn read_limited(path: &Path, limits: &ReadLimits) -> (usize, Vec<ReadWarning>) {
        let mut opened = open_with(path, None, limits).unwrap();
        let mut text = String::new();
        opened.reader.read_to_string(&mut text).unwrap();
        (text.len(), opened.stats.warnings())
    }

    /// Issue #14: a gzip bomb at 997:1 passed the 1000:1 cap and was read for
    /// minutes; zstd stopped early. One policy now stops every codec alike.
    #[test]
    fn every_codec_obeys_the_ratio_cap() {
        for codec in [Compression::Gzip, Compression::Zstd] {
            let file = bomb(codec, 2048);
            let limits = ReadLimits {
                decompression_ratio: 100,
                ratio_floor: 512 * 1024,
                ..ReadLimits::DEFAULT
            };
            let (len, warnings) = read_limited(file.path(), &limits);
            // Stopped near the floor, before the bytes that broke the ratio.
            assert!((256 * 1024..1024 * 1024).contains(&len), "{codec:?}: {len}");
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            let w = &warnings[0];
            assert_eq!(w.line, None);
            assert!(
                w.message
                    .starts_with(&format!("{} decompression stopped after", codec.name()))
                    && w.message.contains("more than 100 times the ",)
                    && w.message
                        .contains("(caps.decompression_ratio) (decompression bomb?)"),
                "{}",
                w.message
            );
            // The default caps let the same 2 MiB file through whole.
            let (len, warnings) = read_limited(file.path(), &ReadLimits::DEFAULT);
            assert_eq!((len, warnings), (2048 * 1024, vec![]));
        }
    }

    #[test]
    fn every_codec_obeys_the_size_cap_exactly() {
        for codec in [Compression::Gzip, Compression::Zstd] {
            let file = bomb(codec, 64);
            let cap = 10_000;
            let limits = ReadLimits {
                decompressed_bytes: cap,
                ..ReadLimits::DEFAULT
            };
            let (len, warnings) = read_limited(file.path(), &limits);
            assert_eq!(len as u64, cap, "{codec:?}");
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert_eq!(
                warnings[0].message,
                format!(
                    "{} decompression stopped after 10000 bytes: more than 10000 bytes \
                     (caps.decompressed_bytes) (decompression bomb?); the rest of the file is skipped",
                    codec.name()
                )
            );
            // Content of exactly the cap is whole: no warning.
            let exact = ReadLimits {
                decompressed_bytes: 64 * 1024,
                ..ReadLimits::DEFAULT
            };
            assert_eq!(read_limited(file.path(), &exact), (64 * 1024, vec![]));
        }
    }

    #[test]
    fn head_is_bounded_and_whole_characters() {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all("Ж".repeat(HEAD_LEN).as_bytes()).unwrap();
        let head = head(file.path(), None).unwrap();
        assert_eq!(head, "Ж".repeat(HEAD_LEN / 2));
        assert_eq!(super::head(&fixture("koi8r.log"), None).unwrap(), RU_LOG);
    }

    /// Java 9+ reads `.properties` as UTF-8 and falls back to ISO-8859-1 only
    /// when the bytes are not UTF-8: a bad byte after the head decides too.
    #[test]
    fn utf8_or_default_decides_on_the_whole_file() {
        let latin1 = Charset::from_label("iso-8859-1").unwrap();
        let mut utf8 = tempfile::NamedTempFile::new().unwrap();
        utf8.write_all("a=Вход\n".as_bytes()).unwrap();
        assert_eq!(
            utf8_or(utf8.path(), latin1).unwrap(),
            Utf8OrDefault {
                charset: Charset::UTF_8,
                invalid_line: None
            }
        );
        let mut late = tempfile::NamedTempFile::new().unwrap();
        late.write_all("k=v\n".repeat(HEAD_LEN).as_bytes()).unwrap();
        late.write_all(b"card.cafe=Caf\xe9\n").unwrap();
        assert_eq!(
            utf8_or(late.path(), latin1).unwrap(),
            Utf8OrDefault {
                charset: latin1,
                invalid_line: Some(HEAD_LEN as u64 + 1)
            }
        );
        // A BOM decides: UTF-16 is not "invalid UTF-8".
        assert_eq!(
            utf8_or(&fixture("utf16be-bom.txt"), latin1).unwrap(),
            Utf8OrDefault {
                charset: Charset::Web(encoding_rs::UTF_16BE),
                invalid_line: None
            }
        );
        assert!(matches!(
            utf8_or(&fixture("binary.bin"), latin1),
            Err(ReadError::Binary { .. })
        ));
    }
}
