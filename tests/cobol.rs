//! Issue #10, planted cases (`fixtures/cobol/app`: a program, a copybook and a
//! BMS map without its generated copybook): every flag the COBOL flow raises,
//! exactly, with the chain as evidence.

use assert_cmd::Command;

#[test]
fn planted_cobol_cases_raise_exactly_their_flags() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("errata.db");
    let root = env!("CARGO_MANIFEST_DIR");
    // From an empty folder, so that no ./rules/ applies: zero-config.
    let out = Command::cargo_bin("errata")
        .expect("binary")
        .current_dir(dir.path())
        .arg("scan")
        .arg(format!("{root}/fixtures/cobol"))
        .args(["--as-of", "2026-01-01", "--quiet", "--db"])
        .arg(&db)
        .output()
        .expect("scan runs");
    assert!(
        out.status.success() || out.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conn = rusqlite::Connection::open(&db).expect("catalog opens");
    let rows = |sql: &str| -> Vec<(String, String, String)> {
        let mut statement = conn.prepare(sql).expect("query");
        statement
            .query_map([], |r| {
                let message: String = r.get(2)?;
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    message.replace(&format!("{root}/"), ""),
                ))
            })
            .expect("rows")
            .map(|r| r.expect("row"))
            .collect()
    };
    let flags = rows(
        "SELECT kind, key, message FROM flags
         WHERE kind IN ('field-too-long', 'narrowing-move') ORDER BY kind, key",
    );
    let program = "fixtures/cobol/app/cbl/ACCTUPDC.cbl";
    let flag =
        |kind: &str, key: &str, message: String| (kind.to_string(), key.to_string(), message);
    assert_eq!(
        flags,
        vec![
            // A VALUE longer than its own PIC: the compiler cuts it.
            flag(
                "field-too-long",
                "Press Enter to continue",
                format!("`Press Enter to continue` (-) exceeds WS-HINT (10 bytes in UTF-8, {program}:10): 23 bytes in UTF-8")
            ),
            // Fits WS-MESSAGE (80), not the screen field (40): the tightest is named.
            flag(
                "field-too-long",
                "The account could not be updated: please try later",
                "`The account could not be updated: please try later` (-) exceeds MSGO (40 bytes in UTF-8, fixtures/cobol/app/bms/ACCT01.bms:9): 50 bytes in UTF-8".to_string()
            ),
            flag(
                "narrowing-move",
                "ACCTUPDC: WS-LONG-MSG → WS-SHORT-MSG",
                format!("`WS-LONG-MSG` (60 bytes in UTF-8) is moved into the narrower `WS-SHORT-MSG` (30 bytes in UTF-8) in {program}:22, carrying 1 message text(s)")
            ),
            flag(
                "narrowing-move",
                "ACCTUPDC: WS-MESSAGE → MSGO",
                format!("`WS-MESSAGE` (80 bytes in UTF-8) is moved into the narrower `MSGO` (40 bytes in UTF-8) in {program}:20, carrying 1 message text(s)")
            ),
        ]
    );
    let evidence: String = conn
        .query_row(
            "SELECT evidence FROM flags WHERE kind = 'field-too-long' AND key LIKE 'The%'",
            [],
            |r| r.get(0),
        )
        .expect("evidence");
    let evidence: serde_json::Value = serde_json::from_str(&evidence).expect("JSON");
    assert_eq!(
        evidence["chain"],
        "'The account could not be updated: please try later' (50 chars) → WS-MESSAGE (80 bytes in UTF-8) → MSGO (40 bytes in UTF-8)"
    );
    // Program names, flags and a copybook text no program shows are no texts;
    // the VALUE longer than its PIC keeps its whole literal.
    let texts = rows("SELECT key, text, COALESCE(note, '') FROM definitions ORDER BY key");
    let keys: Vec<&str> = texts.iter().map(|t| t.1.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "Account locked",
            "Account update :",
            "Account updated",
            "Press Enter to continue",
            "The account could not be updated: please try later",
        ]
    );
}
