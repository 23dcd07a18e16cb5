//! Fixed-length record files: records of `record_length` bytes with no line
//! ends, as mainframes keep message files (an LRECL of 80: an 8-byte code and a
//! 72-byte text, in EBCDIC or any other charset).
//!
//! Such a file cannot be decoded whole: binary fields (packed decimal, COMP-3)
//! sit between the text fields, and their bytes decode to control characters,
//! EBCDIC NL among them, which would break the file into false lines. So each
//! record is cut into the column spans the rules name and only those are
//! decoded, one span at a time; the bytes outside every span are never looked
//! at. A record becomes one line of UTF-8 in which every span occupies as many
//! characters as it has bytes (padded with spaces), so the `fixed_width` scanner
//! cuts the rules' 1-based positions out of it as it would out of a text line,
//! whatever the charset's bytes per character.
//!
//! Padding is trimmed from the end of each span: spaces, low-values (0x00) and,
//! in EBCDIC, high-values (0xFF). A byte of a text span that is no character (a
//! decoding error or a control character) becomes U+FFFD; the file gets one
//! warning naming the first records that had one. Positions are as for logs
//! ([`super::window`]): bytes of the decompressed content and records (lines)
//! before it, so an incremental scan takes every complete record exactly once;
//! a short last record waits for its remaining bytes unless the file is closed.

use std::io::{BufReader, Read};
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use super::window::{OpenedFile, TAIL_LEN, Window, WindowEnd, open_file, skip_keeping_tail};
use super::{Charset, DecodeStats, Opened, ReadError, ReadLimits};

/// Which bytes of a record are decoded: the byte spans of the rules' columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordLayout {
    /// Bytes per record (LRECL).
    pub length: usize,
    /// 0-based byte ranges within a record, sorted, overlapping columns merged,
    /// each within `length`.
    spans: Vec<Range<usize>>,
}

impl RecordLayout {
    /// The layout of records of `length` bytes whose fields are the 1-based
    /// `[start, end)` columns given (the rules' `columns`). Columns that are no
    /// range are left out (the scanner warns about them); overlapping ones are
    /// decoded as one span; parts past the record's end are cut off.
    pub fn new(length: usize, columns: impl IntoIterator<Item = [usize; 2]>) -> Self {
        let mut ranges: Vec<Range<usize>> = columns
            .into_iter()
            .filter(|&[start, end]| start >= 1 && end > start)
            .map(|[start, end]| (start - 1).min(length)..(end - 1).min(length))
            .filter(|r| !r.is_empty())
            .collect();
        ranges.sort_by_key(|r| (r.start, r.end));
        let mut spans: Vec<Range<usize>> = Vec::new();
        for r in ranges {
            match spans.last_mut() {
                Some(last) if r.start < last.end => last.end = last.end.max(r.end),
                _ => spans.push(r),
            }
        }
        RecordLayout { length, spans }
    }
}

/// Opens the window of a record file: its complete records from the window's
/// offset (and a short last one when the window takes the tail), each decoded
/// into one line as the module describes. The charset is detected on the
/// file's head when none is declared; a declared EBCDIC charset is trusted
/// even with NUL bytes (packed decimal), as for any file.
pub fn open_records(
    path: &Path,
    declared: Option<Charset>,
    window: &Window,
    layout: &RecordLayout,
    limits: &ReadLimits,
) -> Result<(Opened, Arc<WindowEnd>), ReadError> {
    let OpenedFile {
        content,
        compression,
        detected,
        stats,
    } = open_file(path, declared, limits)?;
    let end = WindowEnd::starting_at(window);
    let lines = RecordLines {
        inner: content,
        layout: layout.clone(),
        charset: detected.charset,
        window: *window,
        end: Arc::clone(&end),
        stats: Arc::clone(&stats),
        started: false,
        record: vec![0; layout.length.max(1)],
        out: Vec::new(),
        out_at: 0,
        done: false,
        bad_bytes: 0,
        bad_records: Vec::new(),
    };
    let opened = Opened {
        reader: Box::new(BufReader::new(lines)),
        charset: detected.charset,
        guessed: detected.guessed,
        compression,
        stats,
    };
    Ok((opened, end))
}

/// Records decoded at a time.
const RECORDS_PER_FILL: usize = 256;
/// Record numbers named in the warning about undecodable bytes.
const BAD_RECORDS_KEPT: usize = 5;

/// Reads whole records and hands them out as decoded lines.
struct RecordLines<R> {
    inner: R,
    layout: RecordLayout,
    charset: Charset,
    window: Window,
    end: Arc<WindowEnd>,
    stats: Arc<DecodeStats>,
    /// The window's offset was reached.
    started: bool,
    record: Vec<u8>,
    out: Vec<u8>,
    out_at: usize,
    done: bool,
    /// Bytes of text spans that were no character, and the first records with one.
    bad_bytes: u64,
    bad_records: Vec<u64>,
}

impl<R: Read> RecordLines<R> {
    fn fill(&mut self) -> std::io::Result<()> {
        self.out.clear();
        self.out_at = 0;
        if !self.started {
            self.started = true;
            if self.window.offset > 0 {
                match skip_keeping_tail(&mut self.inner, self.window.offset, TAIL_LEN)? {
                    Some(tail) => self.end.set_tail(tail),
                    None => {
                        self.end.set_short();
                        self.done = true;
                        return Ok(());
                    }
                }
            }
        }
        for _ in 0..RECORDS_PER_FILL {
            if self.done {
                break;
            }
            let filled = read_full(&mut self.inner, &mut self.record)?;
            if filled < self.record.len() {
                self.done = true;
                if filled == 0 || !self.window.take_tail {
                    break;
                }
                self.stats.warn(
                    Some(self.end.lines() + 1),
                    format!(
                        "last record has {filled} of {} bytes (options.record_length): read as it is",
                        self.layout.length
                    ),
                );
            }
            let number = self.end.lines() + 1;
            let bad = decode_record(
                &self.record[..filled],
                &self.layout,
                self.charset,
                &mut self.out,
            );
            if bad > 0 {
                self.bad_bytes += bad;
                if self.bad_records.len() < BAD_RECORDS_KEPT {
                    self.bad_records.push(number);
                }
            }
            self.end.consumed(&self.record[..filled], 1);
        }
        if self.done && self.bad_bytes > 0 {
            let listed: Vec<String> = self.bad_records.iter().map(u64::to_string).collect();
            self.stats.warn(
                self.bad_records.first().copied(),
                format!(
                    "{} byte(s) of text columns are no character in {} (binary or packed-decimal \
                     data in a text column?), replaced by U+FFFD; first in record(s) {}",
                    self.bad_bytes,
                    self.charset.name(),
                    listed.join(", ")
                ),
            );
            self.bad_bytes = 0;
        }
        Ok(())
    }
}

impl<R: Read> Read for RecordLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.out_at >= self.out.len() && !self.done {
            self.fill()?;
        }
        let available = &self.out[self.out_at..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.out_at += n;
        Ok(n)
    }
}

/// Reads until `buf` is full or the input ends; the bytes read.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Appends the line of one record (possibly short) to `out`: each span decoded
/// on its own, trimmed of padding and padded with spaces to its width in
/// bytes, the bytes between spans as spaces. Returns how many characters were
/// no character (replaced by U+FFFD).
fn decode_record(record: &[u8], layout: &RecordLayout, charset: Charset, out: &mut Vec<u8>) -> u64 {
    let mut bad = 0;
    let mut column = 0;
    let mut line = String::new();
    for span in &layout.spans {
        let bytes = &record[span.start.min(record.len())..span.end.min(record.len())];
        line.extend(std::iter::repeat_n(' ', span.start - column));
        let decoded = decode_span(bytes, charset);
        let mut width = 0;
        for c in decoded
            .trim_end_matches(|c: char| is_padding(c, charset))
            .chars()
        {
            if c == char::REPLACEMENT_CHARACTER || c.is_control() {
                bad += 1;
                line.push(char::REPLACEMENT_CHARACTER);
            } else {
                line.push(c);
            }
            width += 1;
        }
        // A character takes at least one byte: the span's width always suffices.
        line.extend(std::iter::repeat_n(' ', span.len().saturating_sub(width)));
        column = span.end;
    }
    out.extend_from_slice(line.trim_end_matches(' ').as_bytes());
    out.push(b'\n');
    bad
}

fn decode_span(bytes: &[u8], charset: Charset) -> String {
    match charset {
        Charset::Ebcdic(page) => bytes.iter().map(|&b| page.decode_byte(b)).collect(),
        Charset::Web(encoding) => encoding.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

/// What pads a field: spaces, low-values (NUL) and EBCDIC high-values (0xFF).
fn is_padding(c: char, charset: Charset) -> bool {
    c == ' ' || c == '\0' || matches!(charset, Charset::Ebcdic(page) if c == page.decode_byte(0xFF))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cp037() -> Charset {
        Charset::from_label("cp037").unwrap()
    }

    /// EBCDIC bytes of `text` (the code page's own encoder, through `charset`).
    fn ebcdic(text: &str) -> Vec<u8> {
        let Charset::Ebcdic(page) = cp037() else {
            unreachable!()
        };
        text.chars().map(|c| page.encode_char(c).unwrap()).collect()
    }

    fn read(
        content: &[u8],
        layout: &RecordLayout,
        window: Window,
    ) -> (String, u64, u64, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("msgs.dat");
        std::fs::write(&path, content).unwrap();
        let (mut opened, end) =
            open_records(&path, Some(cp037()), &window, layout, &ReadLimits::DEFAULT).unwrap();
        let mut text = String::new();
        opened.reader.read_to_string(&mut text).unwrap();
        let warnings = opened
            .stats
            .warnings()
            .into_iter()
            .map(|w| format!("{:?}: {}", w.line, w.message))
            .collect();
        (text, end.offset(), end.lines(), warnings)
    }

    const NEW: Window = Window {
        offset: 0,
        lines: 0,
        take_tail: false,
    };

    #[test]
    fn overlapping_columns_are_one_span_and_wild_ones_are_cut() {
        let layout = RecordLayout::new(20, [[9, 21], [1, 9], [5, 7], [0, 3], [4, 4], [18, 40]]);
        assert_eq!(layout.spans, vec![0..8, 8..20]);
    }

    #[test]
    fn packed_decimal_between_text_columns_is_never_decoded() {
        // code (4) | packed decimal 0x12 0x34 0x5C with an EBCDIC NL (0x15) | text (8)
        let mut record = ebcdic("E001");
        record.extend([0x15, 0x34, 0x5C]);
        record.extend(ebcdic("Declined"));
        let mut content = record.clone();
        content.extend(ebcdic("E002"));
        content.extend([0x00, 0x00, 0x0C]);
        content.extend(ebcdic("No  "));
        content.extend([0x40, 0x00]); // padding: space, low-value
        let layout = RecordLayout::new(15, [[1, 5], [8, 16]]);
        // 15 + 13 bytes: the second record is short and waits.
        let (text, offset, lines, warnings) = read(&content, &layout, NEW);
        assert_eq!((text.as_str(), offset, lines), ("E001   Declined\n", 15, 1));
        assert!(warnings.is_empty(), "{warnings:?}");
        content.extend([0x00, 0xFF]); // the record is complete: low- and high-values pad it
        let (text, offset, lines, warnings) = read(
            &content,
            &layout,
            Window {
                offset,
                lines,
                take_tail: false,
            },
        );
        assert_eq!((text.as_str(), offset, lines), ("E002   No\n", 30, 2));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn a_control_byte_in_a_text_column_is_a_warning_naming_the_record() {
        let mut content = ebcdic("A1ok  ");
        content.extend(ebcdic("A2"));
        content.extend([0x15, 0x0C, 0xC1, 0x40]);
        content.extend(ebcdic("A3"));
        let layout = RecordLayout::new(6, [[1, 3], [3, 7]]);
        let window = Window {
            take_tail: true,
            ..NEW
        };
        let (text, offset, lines, warnings) = read(&content, &layout, window);
        assert_eq!(text, "A1ok\nA2\u{fffd}\u{fffd}A\nA3\n");
        assert_eq!((offset, lines), (14, 3));
        assert_eq!(
            warnings,
            [
                "Some(3): last record has 2 of 6 bytes (options.record_length): read as it is",
                "Some(2): 2 byte(s) of text columns are no character in IBM037 (binary or \
                 packed-decimal data in a text column?), replaced by U+FFFD; first in record(s) 2"
            ]
        );
    }

    #[test]
    fn multibyte_records_keep_byte_columns_as_character_columns() {
        // UTF-8: a 4-byte code, then 10 bytes of text (5 Cyrillic letters), then 3 Latin ones and padding.
        let content = "K001ПривеK002abc       ".as_bytes();
        let layout = RecordLayout::new(14, [[1, 5], [5, 15]]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.dat");
        std::fs::write(&path, content).unwrap();
        let (mut opened, _) = open_records(
            &path,
            Some(Charset::UTF_8),
            &NEW,
            &layout,
            &ReadLimits::DEFAULT,
        )
        .unwrap();
        let mut text = String::new();
        opened.reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "K001Приве\nK002abc\n");
    }

    #[test]
    fn a_file_shorter_than_the_offset_is_reported() {
        let layout = RecordLayout::new(4, [[1, 5]]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.dat");
        std::fs::write(&path, b"abcd").unwrap();
        let window = Window {
            offset: 8,
            lines: 2,
            take_tail: false,
        };
        let (mut opened, end) = open_records(
            &path,
            Some(Charset::UTF_8),
            &window,
            &layout,
            &ReadLimits::DEFAULT,
        )
        .unwrap();
        let mut text = String::new();
        opened.reader.read_to_string(&mut text).unwrap();
        assert!(end.short());
        assert_eq!(text, "");
    }
}
