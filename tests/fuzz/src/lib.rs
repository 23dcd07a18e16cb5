//! The shared harness of errata's fuzz targets (`fuzz_targets/*.rs`, one per
//! scanner plus decoding and masking).
//!
//! Each target is a one-liner calling [`scan`], [`read`] or [`mask`], so that
//! what "bad input must not break errata" means is written once, here: no
//! panic, and what comes out still points into the input (locations on a line
//! that exists, warnings naming the file) or keeps the privacy promise (no card
//! number survives masking). A broken invariant panics, which libFuzzer reports
//! as a crash with the input saved under `artifacts/`.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::OnceLock;

use errata::model::FormatId;
use errata::read::ReadLimits;
use errata::rules::{Caps, Rules, SourceOptions};
use errata::scan::cobol::library::Library;
use errata::scan::{Item, ScanContext, Scanner};

/// The record cap the scan targets run under: small, so that the long-run
/// seeds (`hostile_seeds.py`) and mutations reach the code that cuts lines.
pub const FUZZ_RECORD_BYTES: u64 = 4096;

/// The caps the scan targets run under.
static FUZZ_CAPS: Caps = Caps {
    record_bytes: Some(FUZZ_RECORD_BYTES),
    ..Caps::DEFAULT
};

/// Runs the scanner of `format` over `data` decoded as errata's reader decodes
/// UTF-8 (invalid bytes become U+FFFD), and checks every item.
pub fn scan(format: FormatId, data: &[u8]) {
    let scanner = errata::scan::scanner(format);
    let text = String::from_utf8_lossy(data);
    let options = options_for(format);
    let path = path_for(scanner);
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date");
    // Line logs also take the buffer-search path an extractor's prefilter opens.
    let prefilter = regex::bytes::Regex::new(r"(?mR)text=|[0-9]{3}").expect("valid regex");
    let ctx = ScanContext {
        file_time: as_of.and_hms_opt(12, 0, 0).expect("valid time"),
        charset: Some("UTF-8"),
        prefilter: (format == FormatId::LogLines).then_some(&prefilter),
        caps: &FUZZ_CAPS,
        library: (format == FormatId::CobolProgram).then(library),
        ..ScanContext::new(&path, &options, as_of)
    };
    // A location may point just past the last line (a document that ends
    // mid-entry is reported where it ends), never further.
    let last_line = line_breaks(&text) + 2;
    scanner.scan(&mut text.as_bytes(), &ctx, &mut |item| {
        check_item(&item, &path, last_line)
    });
}

/// The copybooks and map a fuzzed program can `COPY`: a member that copies
/// itself (a cycle), one with pseudo-text to replace, a symbolic map, and a
/// BMS map whose copybook is missing.
fn library() -> &'static Library {
    static LIBRARY: OnceLock<Library> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        let mut library = Library::default();
        library.add_member("cpy/LOOP.cpy", "       COPY LOOP.\n".to_string());
        library.add_member(
            "cpy/SETATT.cpy",
            "           MOVE 'Field (V) bad' TO (S)O OF COSGN0AO\n".to_string(),
        );
        library.add_member(
            "cpy/COSGN00.cpy",
            "       01  COSGN0AI.\n           02  ERRMSGI PIC X(78).\n       01  COSGN0AO REDEFINES COSGN0AI.\n           02  ERRMSGO PIC X(78).\n".to_string(),
        );
        library.add_map(
            "bms/COBIL00.bms",
            "COBIL00 DFHMSD TYPE=MAP\nCOBIL0A DFHMDI SIZE=(24,80)\nMSG     DFHMDF LENGTH=40\n",
        );
        library.set_programs(true);
        library
    })
}

/// Line breaks in `text` as the most generous of errata's formats counts them:
/// `\n`, `\r\n` and a lone `\r` (Java properties, YAML and XML all end a line
/// at a lone carriage return).
fn line_breaks(text: &str) -> u64 {
    let crlf = text.matches("\r\n").count();
    (text.matches('\n').count() + text.matches('\r').count() - crlf) as u64
}

/// Panics unless `item` names the scanned file and its line lies in `1..=last_line`.
fn check_item(item: &Item, path: &str, last_line: u64) {
    let (item_path, line) = match item {
        Item::Definition(d) => (&d.location.path, Some(d.location.line)),
        Item::Limit(l) => (&l.location.path, Some(l.location.line)),
        Item::Record(r) => (&r.location.path, Some(r.location.line)),
        Item::Warning(w) => (&w.path, w.line),
    };
    assert_eq!(item_path, path, "item names another file: {item:?}");
    if let Some(line) = line {
        assert!(
            (1..=last_line).contains(&line),
            "line {line} outside 1..={last_line}: {item:?}"
        );
    }
}

/// A display path the scanner recognises by extension, with a locale in it
/// (so that locale-from-path code runs too).
fn path_for(scanner: &dyn Scanner) -> String {
    let ext = scanner.extensions().first().copied().unwrap_or("txt");
    format!("fuzz/ru/LC_MESSAGES/input_ru.{ext}")
}

/// The rules' options for `format`, as the fixtures under `fixtures/formats/`
/// need them; formats without options get the defaults.
fn options_for(format: FormatId) -> SourceOptions {
    let fields = |key: &str, text: &str| SourceOptions {
        key_field: Some(key.into()),
        text_field: Some(text.into()),
        locale_field: Some("lang".into()),
        ..SourceOptions::default()
    };
    match format {
        FormatId::FixedWidth => SourceOptions {
            columns: Some(
                [
                    ("date", [1, 9]),
                    ("time", [10, 16]),
                    ("code", [17, 23]),
                    ("text", [23, 63]),
                ]
                .into_iter()
                .map(|(name, span)| (name.to_string(), span))
                .collect(),
            ),
            ..SourceOptions::default()
        },
        FormatId::Csv => SourceOptions {
            delimiter: Some(';'),
            ..fields("code", "text")
        },
        FormatId::Records => SourceOptions {
            records: Some("messages.message".into()),
            ..fields("code", "text")
        },
        FormatId::Sql => SourceOptions {
            table: Some("err_messages".into()),
            ..fields("code", "text")
        },
        _ => SourceOptions::default(),
    }
}

/// Decodes `data` as a file through `errata::read` (decompression, charset
/// detection or the charset its first byte picks, decoding) and checks that
/// the whole content reads as UTF-8 without an error.
pub fn read(data: &[u8]) {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let labels = errata::charset::Charset::known_labels();
    // One pick in four detects, the rest declare one of the known charsets.
    let declared = (!pick.is_multiple_of(4))
        .then(|| labels[usize::from(pick) % labels.len()])
        .and_then(errata::charset::Charset::from_label);
    let path = scratch_file();
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(content))
        .expect("the scratch file is writable");
    let Ok(mut opened) = errata::read::open(path, declared) else {
        return; // binary content: skipped by design
    };
    let mut text = String::new();
    opened
        .reader
        .read_to_string(&mut text)
        .expect("decoded content reads as UTF-8 to the end");
    let _ = errata::read::head(path, declared);
    read_windows(path, declared);
}

/// Reads `path` as a log (lines are records, capped), then again from where
/// that read ended: no line is longer than the cap allows once decoded (a
/// byte decodes to at most three), and nothing is read twice.
fn read_windows(path: &std::path::Path, declared: Option<errata::charset::Charset>) {
    use errata::read::{ReadLimits, Window};
    use errata::rules::MIN_RECORD_BYTES;
    let limits = ReadLimits {
        record_bytes: Some(MIN_RECORD_BYTES),
        ..ReadLimits::DEFAULT
    };
    let read = |window: Window| {
        let (mut opened, end) = errata::read::open_window(path, declared, &window, &limits)
            .expect("a file that opened whole opens as a window");
        let mut text = String::new();
        opened
            .reader
            .read_to_string(&mut text)
            .expect("a window reads as UTF-8 to the end");
        (text, end.offset(), end.lines())
    };
    for take_tail in [false, true] {
        let first = Window {
            offset: 0,
            lines: 0,
            take_tail,
        };
        let (text, offset, lines) = read(first);
        assert!(
            text.split('\n').all(|l| l.len() <= 3 * MIN_RECORD_BYTES),
            "a line past the record cap"
        );
        let (again, _, _) = read(Window {
            offset,
            lines,
            take_tail,
        });
        assert!(again.is_empty(), "{} bytes read twice", again.len());
    }
}

/// Reads `data` as a file of fixed-length records (`record_length`): its
/// first byte picks the charset (one of the known labels), its second the
/// record length (1 to 256) and where a second column starts. The whole
/// content reads as UTF-8, one line per record, no line longer (in characters)
/// than the record; a second read from where the first ended yields nothing,
/// and each read's record count is what its bytes hold.
pub fn read_records(data: &[u8]) {
    use errata::read::{RecordLayout, Window};
    let [pick, length, content @ ..] = data else {
        return;
    };
    let labels = errata::charset::Charset::known_labels();
    let declared = errata::charset::Charset::from_label(labels[usize::from(*pick) % labels.len()]);
    let length = usize::from(*length) + 1;
    let split = length / 2 + 1;
    let layout = RecordLayout::new(length, [[1, split], [split, length + 1], [2, 3]]);
    let path = scratch_file();
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(content))
        .expect("the scratch file is writable");
    let read = |window: Window| {
        let Ok((mut opened, end)) =
            errata::read::open_records(path, declared, &window, &layout, &ReadLimits::DEFAULT)
        else {
            return None; // binary content: skipped by design
        };
        let mut text = String::new();
        opened
            .reader
            .read_to_string(&mut text)
            .expect("records read as UTF-8 to the end");
        Some((text, end.offset(), end.lines()))
    };
    for take_tail in [false, true] {
        let Some((text, offset, lines)) = read(Window {
            offset: 0,
            lines: 0,
            take_tail,
        }) else {
            return;
        };
        let records = text.matches('\n').count() as u64;
        assert_eq!(records, lines, "one line per record");
        let expected = if take_tail {
            content.len().div_ceil(length)
        } else {
            content.len() / length
        };
        assert_eq!(lines, expected as u64, "records of {length} bytes");
        assert!(
            text.lines().all(|l| l.chars().count() <= length),
            "a line longer than its record"
        );
        let (again, _, _) = read(Window {
            offset,
            lines,
            take_tail,
        })
        .expect("a file that opened opens again");
        assert!(again.is_empty(), "{} bytes read twice", again.len());
    }
}

/// One file in a private temporary folder, rewritten for every input.
fn scratch_file() -> &'static PathBuf {
    static SCRATCH: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = SCRATCH.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("input");
        (dir, path)
    });
    path
}

/// Masks `data` (lossy UTF-8) with the default rules and panics if a
/// Luhn-valid run of 13 to 19 digits (a card number) survives.
pub fn mask(data: &[u8]) {
    static MASKER: OnceLock<errata::mask::Masker> = OnceLock::new();
    let masker = MASKER.get_or_init(|| errata::mask::Masker::new(&Rules::default()));
    let masked = masker.mask(&String::from_utf8_lossy(data));
    for run in masked.text.split(|c: char| !c.is_ascii_digit()) {
        // The message gives where, not what: even fuzz output stays unprinted.
        assert!(
            !((13..=19).contains(&run.len()) && luhn_valid(run)),
            "a card number of {} digits survived masking at byte {}",
            run.len(),
            run.as_ptr() as usize - masked.text.as_ptr() as usize
        );
    }
}

/// Whether a string of ASCII digits passes the Luhn check.
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                if d > 4 { d * 2 - 9 } else { d * 2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use errata::charset::Charset;
    use errata::model::Vocabulary;

    #[test]
    fn luhn_accepts_test_cards_and_rejects_their_typos() {
        assert!(luhn_valid("4111111111111111"));
        assert!(luhn_valid("5500000000000004"));
        assert!(!luhn_valid("4111111111111112"));
    }

    #[test]
    fn every_scanner_has_options_and_a_path() {
        for &format in FormatId::ALL {
            scan(format, b"key=value\n");
        }
    }

    #[test]
    fn record_files_read_whole_records_once() {
        // cp037 (a known label), records of 4 bytes: two whole, one short.
        let cp037 = Charset::known_labels()
            .iter()
            .position(|l| *l == "cp037")
            .unwrap() as u8;
        read_records(&[cp037, 3, 0xC1, 0x00, 0x15, 0xC2, 0xC3, 0x40, 0x40, 0x40, 0xC4]);
        read_records(&[0, 0]);
        read_records(&[]);
    }

    #[test]
    fn lone_carriage_returns_end_lines() {
        assert_eq!(line_breaks("a\r\nb\rc\nd"), 3);
        assert_eq!(line_breaks("one line"), 0);
    }

    #[test]
    #[should_panic(expected = "outside")]
    fn a_line_past_the_end_is_caught() {
        let warning = errata::model::Warning::new("f", Some(4), "x");
        check_item(&Item::Warning(warning), "f", 3);
    }
}
