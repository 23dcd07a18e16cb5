//! Java and Kotlin sources (issue #10): client texts hard-coded in exception
//! constructors and in the calls the rules name, over a planted Fineract-like
//! tree (`fixtures/formats/java/`): exact definitions, keys and lines, zero-config
//! and with `calls:`. No real Java source is in the shared corpus to hold an
//! oracle against, so the fixtures carry every case the scanner must get right:
//! `super(code, text)` in an exception class, concatenations, `String.format`,
//! `MessageFormat.format` with a `\u2014` escape, text blocks, Kotlin templates
//! and raw strings, and texts that are no client's (comments, log statements,
//! an exception built only to be logged, a constant).

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats/java")
}

/// Scans the fixtures (with `rules`, or zero-config) from an empty folder and
/// returns (file name, line, key, text) of every definition, sorted, and the
/// scan's output.
fn scan(rules: Option<&str>) -> (Vec<(String, i64, String, String)>, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("errata.db");
    let mut cmd = Command::cargo_bin("errata").unwrap();
    cmd.current_dir(dir.path())
        .arg("scan")
        .arg(fixtures())
        .arg("--db")
        .arg(&db)
        .args(["--as-of", "2026-01-01"]);
    if let Some(rules) = rules {
        let path = dir.path().join("rules.yaml");
        std::fs::write(&path, rules).unwrap();
        cmd.arg("--rules").arg(path);
    }
    let output = cmd.assert().success().get_output().clone();
    let summary = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT s.path, s.line, d.key, d.text \
             FROM definitions d JOIN definition_sources s ON s.definition_id = d.id",
        )
        .unwrap();
    let mut rows: Vec<(String, i64, String, String)> = stmt
        .query_map([], |r| {
            let path: String = r.get(0)?;
            let name = path.rsplit('/').next().unwrap_or_default().to_string();
            Ok((name, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows.sort();
    (rows, summary)
}

fn row(file: &str, line: i64, key: &str, text: &str) -> (String, i64, String, String) {
    (file.into(), line, key.into(), text.into())
}

const KT: &str = "TransferService.kt";
const NOT_FOUND: &str = "LoanNotFoundException.java";
const SERVICE: &str = "LoanWritePlatformService.java";

/// What zero-config finds: exception constructors only, sorted.
fn exception_texts() -> Vec<(String, i64, String, String)> {
    let same = |file, line, text| row(file, line, text, text);
    let mut rows = vec![
        same(KT, 12, "Amount must be positive"),
        same(KT, 14, "Daily limit of <*> exceeded: <*> requested"),
        same(KT, 17, "Account <*> is blocked, call <*> now"),
        same(KT, 21, "Transfer to \"<*>\" failed"),
        row(
            NOT_FOUND,
            16,
            "error.msg.loan.id.invalid",
            "Loan with identifier <*> does not exist",
        ),
        row(
            NOT_FOUND,
            20,
            "error.msg.loan.external.id.invalid",
            "Loan with external identifier <*> does not exist",
        ),
        same(SERVICE, 15, "Disbursement amount is required"),
        row(
            SERVICE,
            19,
            "error.msg.loan.disbursal.amount.exceeds.max",
            "Disbursal amount <*> exceeds the approved amount of <*>",
        ),
        row(
            SERVICE,
            29,
            "error.msg.loan.is.closed",
            "Loan %s is closed since %s",
        ),
        same(SERVICE, 38, "Loan {0} has no currency — contact support"),
        row(
            SERVICE,
            45,
            "error.msg.loan.text.block",
            "The submitted date must be\n  on or before today.\n",
        ),
    ];
    rows.sort();
    rows
}

#[test]
fn zero_config_finds_exception_texts_only() {
    let (rows, summary) = scan(None);
    assert_eq!(rows, exception_texts());
    assert!(summary.contains("0 warnings"), "{summary}");
}

#[test]
fn rules_calls_add_named_calls() {
    let rules = r#"
systems:
  - name: core
    roots: ["."]
    sources:
      - path: "**/*.java"
        options:
          calls: ["failWithCode(code, text)"]
      - path: "**/*.kt"
        format: kotlin
        options:
          calls: ["addError(text)"]
"#;
    let (rows, _) = scan(Some(rules));
    let mut expected = exception_texts();
    expected.push(row(
        SERVICE,
        41,
        "not.greater.than.zero",
        "The parameter `amount` must be greater than 0.",
    ));
    expected.push(row(
        KT,
        20,
        "Recipient $name is unknown",
        "Recipient $name is unknown",
    ));
    expected.sort();
    assert_eq!(rows, expected);
}

#[test]
fn a_malformed_call_spec_is_a_rules_error_at_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "systems:\n  - name: core\n    roots: [\".\"]\n    sources:\n      - path: \"**/*.java\"\n        options:\n          calls: [\"addError(message)\"]\n",
    )
    .unwrap();
    let out = Command::cargo_bin("errata")
        .unwrap()
        .current_dir(dir.path())
        .args(["rules", "check", "--rules"])
        .arg(&rules)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rules.yaml:7:")
            && stderr.contains("invalid call `addError(message)`: unknown argument `message`"),
        "{stderr}"
    );
}
