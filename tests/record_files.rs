//! Fixed-length record files (issue #10): mainframe message files of 80-byte
//! records without line ends, in EBCDIC, read through `record_length` and the
//! fixed-width `columns` into definitions or observations.
//!
//! The fixtures (`fixtures/formats/lrecl/`, made by its `generate.py`) hold
//! padding of every kind, a packed-decimal field whose bytes include EBCDIC NL
//! and NUL, and a stray control byte in one text.

use std::io::Write;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

const RULES: &str = r#"
systems:
  - name: mainframe
    roots: ["."]
    sources:
      - path: "messages.cp037.dat"
        format: fixed_width
        role: definitions
        encoding: cp037
        options:
          record_length: 80
          columns: {code: [1, 9], text: [9, 81]}
      - path: "messages.cp1025.dat"
        format: fixed_width
        role: definitions
        encoding: cp1025
        locale: ru
        options:
          record_length: 80
          # bytes 9-12 are a packed-decimal amount: never decoded
          columns: {code: [1, 9], text: [13, 81]}
"#;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/lrecl")
}

/// (file name, line, key, locale, text) of every definition, sorted.
fn definitions(db: &Path) -> Vec<(String, i64, String, String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT s.path, s.line, d.key, COALESCE(d.locale, ''), d.text \
             FROM definitions d JOIN definition_sources s ON s.definition_id = d.id \
             ORDER BY s.path, s.line",
        )
        .unwrap();
    stmt.query_map([], |r| {
        let path: String = r.get(0)?;
        let name = path.rsplit('/').next().unwrap_or_default().to_string();
        Ok((name, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

#[test]
fn ebcdic_message_files_become_definitions_at_their_record_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(&rules, RULES).unwrap();
    let db = dir.path().join("errata.db");
    let scan = Command::cargo_bin("errata")
        .unwrap()
        .arg("scan")
        .arg(fixtures())
        .arg("--rules")
        .arg(&rules)
        .arg("--db")
        .arg(&db)
        .args(["--as-of", "2026-01-01"])
        .assert()
        .success();
    let output = scan.get_output();
    let summary = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    // The stray control byte, and nothing about the packed-decimal field.
    assert!(
        summary.contains(
            "messages.cp1025.dat:4: 1 byte(s) of text columns are no character in IBM1025 \
             (binary or packed-decimal data in a text column?), replaced by U+FFFD; first in record(s) 4"
        ),
        "{summary}"
    );
    assert!(summary.contains("1 warning"), "{summary}");
    let row = |path: &str, line, key: &str, locale: &str, text: &str| {
        (
            path.to_string(),
            line,
            key.to_string(),
            locale.to_string(),
            text.to_string(),
        )
    };
    assert_eq!(
        definitions(&db),
        vec![
            row(
                "messages.cp037.dat",
                1,
                "ERR00001",
                "",
                "Insufficient funds on the account."
            ),
            row(
                "messages.cp037.dat",
                2,
                "ERR00002",
                "",
                "Card blocked: call the bank at the number on its back."
            ),
            // Record 3 is a blank filler.
            row(
                "messages.cp037.dat",
                4,
                "ERR00004",
                "",
                "Daily limit exceeded"
            ),
            row(
                "messages.cp037.dat",
                5,
                "ERR00005",
                "",
                "Service unavailable, try again later"
            ),
            row(
                "messages.cp1025.dat",
                1,
                "MSG00001",
                "ru",
                "Операция выполнена успешно"
            ),
            row(
                "messages.cp1025.dat",
                2,
                "MSG00002",
                "ru",
                "Недостаточно средств на счёте"
            ),
            row(
                "messages.cp1025.dat",
                3,
                "MSG00003",
                "ru",
                "Карта заблокирована, обратитесь в банк"
            ),
            row(
                "messages.cp1025.dat",
                4,
                "MSG00004",
                "ru",
                "Превышен\u{fffd}лимит"
            ),
        ]
    );
}

const LOG_RULES: &str = r#"
systems:
  - name: host
    roots: [host]
    sources:
      - path: "*.dat"
        format: fixed_width
        encoding: cp037
        options:
          record_length: 40
          columns: {code: [1, 5], message: [9, 41]}
"#;

/// An 40-byte cp037 record: a code, a 4-byte packed-decimal field, a message.
fn record(code: &str, message: &str) -> Vec<u8> {
    let ebcdic = |s: &str, width: usize| -> Vec<u8> {
        format!("{s:<width$}")
            .chars()
            .map(|c| match c {
                ' ' => 0x40,
                '0'..='9' => 0xF0 + (c as u8 - b'0'),
                'a'..='i' => 0x81 + (c as u8 - b'a'),
                'j'..='r' => 0x91 + (c as u8 - b'j'),
                's'..='z' => 0xA2 + (c as u8 - b's'),
                'A'..='I' => 0xC1 + (c as u8 - b'A'),
                'J'..='R' => 0xD1 + (c as u8 - b'J'),
                'S'..='Z' => 0xE2 + (c as u8 - b'S'),
                other => panic!("no cp037 byte for {other:?} here"),
            })
            .collect()
    };
    let mut r = ebcdic(code, 4);
    r.extend([0x00, 0x15, 0x25, 0x0C]);
    r.extend(ebcdic(message, 32));
    r
}

/// Scans the tree through the library and returns the number of observations.
fn scan_count(root: &Path) -> i64 {
    let rules = errata::rules::load(&root.join("rules.yaml")).unwrap();
    let db = root.join("errata.db");
    let mut catalog =
        errata::catalog::Catalog::open(&errata::catalog::Target::sqlite(db.clone())).unwrap();
    let options = errata::harvest::ScanOptions {
        paths: vec![root.to_path_buf()],
        as_of: chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
        full: false,
        host: "test-host".to_string(),
        progress: None,
    };
    errata::harvest::scan(&rules, &mut catalog, &options).unwrap();
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT COALESCE(SUM(count), 0) FROM template_totals",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// A record file that grows between scans: each complete record is counted
/// once, a record still being written waits for its last bytes.
#[test]
fn growing_record_files_are_read_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("host")).unwrap();
    std::fs::write(root.join("rules.yaml"), LOG_RULES).unwrap();
    let path = root.join("host/answers.dat");
    let append = |bytes: &[u8]| {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap();
        f.write_all(bytes).unwrap();
    };
    append(&record("E001", "Card blocked"));
    append(&record("E002", "Limit exceeded"));
    assert_eq!(scan_count(root), 2);
    assert_eq!(scan_count(root), 2, "nothing read twice");
    let third = record("E001", "Card blocked");
    append(&third[..25]);
    assert_eq!(scan_count(root), 2, "a partial record waits");
    append(&third[25..]);
    append(&record("E003", "Try again later"));
    assert_eq!(scan_count(root), 4);
    let conn = rusqlite::Connection::open(root.join("errata.db")).unwrap();
    let blocked: i64 = conn
        .query_row(
            "SELECT count FROM template_totals WHERE template = 'Card blocked'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(blocked, 2, "the completed record is one observation");
}
