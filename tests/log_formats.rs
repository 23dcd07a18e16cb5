//! End to end: the log fixtures scanned by the binary, zero-config and with rules.
//!
//! Pins what the log scanners promise together with extract and the catalog:
//! formats are recognised by content, stack traces and wrapped lines of log4j
//! records are never harvested, syslog years are placed before `--as-of`.

use std::path::Path;

use assert_cmd::Command;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/formats/logs")
        .join(name)
}

/// Copies fixtures into `dir/system/` under new names.
fn plant(dir: &Path, system: &str, files: &[(&str, &str)]) {
    let target = dir.join(system);
    std::fs::create_dir_all(&target).unwrap();
    for (from, to) in files {
        std::fs::copy(fixture(from), target.join(to)).unwrap();
    }
}

/// `(system, template, count, first_seen, last_seen)` of every template, sorted.
fn scan_and_report(dir: &Path, rules: Option<&str>) -> Vec<(String, String, u64, String, String)> {
    let mut scan = Command::cargo_bin("errata").unwrap();
    scan.current_dir(dir)
        .args(["scan", "tree", "--db", "c.db", "--as-of", "2025-01-02"]);
    if let Some(rules) = rules {
        std::fs::write(dir.join("rules.yaml"), rules).unwrap();
        scan.args(["--rules", "rules.yaml"]);
    }
    scan.assert().success();
    let out = Command::cargo_bin("errata")
        .unwrap()
        .current_dir(dir)
        .args(["report", "--db", "c.db"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut templates: Vec<_> = report["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let s = |k: &str| t[k].as_str().unwrap().to_string();
            (
                s("system"),
                s("template"),
                t["count"].as_u64().unwrap(),
                s("first_seen"),
                s("last_seen"),
            )
        })
        .collect();
    templates.sort();
    templates
}

/// Rules for the `gate` system: IIS fields and cp1251 fixed-width columns.
const GATE_RULES: &str = r#"
systems:
  - name: gate
    roots: [gate]
    sources:
      - path: "*.log"
        format: w3c
        extractor:
          json: {text: x-client-message, key: x-error-code}
      - path: "*.txt"
        format: fixed_width
        encoding: cp1251
        extractor:
          json: {text: text, key: code}
        options:
          columns: {date: [1, 9], time: [10, 16], code: [17, 23], text: [23, 63]}
"#;

#[test]
fn zero_config_recognises_log_formats_and_skips_stack_traces() {
    let dir = tempfile::tempdir().unwrap();
    plant(
        dir.path().join("tree").as_path(),
        "core",
        &[
            ("log4j.log", "app.log"),
            ("syslog-3164.log", "messages.log"),
            ("syslog-5424.log", "audit.log.1"),
            ("kv.log", "gate.log"),
        ],
    );
    let got = scan_and_report(dir.path(), None);
    let row = |t: &str, n: u64, first: &str, last: &str| {
        (
            "core".to_string(),
            t.to_string(),
            n,
            first.to_string(),
            last.to_string(),
        )
    };
    // A text logged under two codes (D05, INSUFFICIENT_FUNDS), or under a
    // code and none, is two templates: the key is part of a template (#11).
    let mut want = vec![
        row(
            "Недостаточно средств на счёте",
            1,
            "2024-03-01T10:00:00",
            "2024-03-01T10:00:00",
        ),
        row(
            "Недостаточно средств на счёте",
            1,
            "2024-03-01T10:00:01",
            "2024-03-01T10:00:01",
        ),
        row(
            "Карта заблокирована",
            1,
            "2024-03-01T10:00:03",
            "2024-03-01T10:00:03",
        ),
        row(
            "Сервис временно недоступен",
            3,
            "2024-03-01T10:00:04",
            "2025-01-01T00:00:01",
        ),
        row(
            "Внутренняя ошибка",
            1,
            "2024-03-01T10:00:05",
            "2024-03-01T10:00:05",
        ),
        row(
            "Операция отклонена",
            1,
            "2024-03-01T10:00:06",
            "2024-03-01T10:00:06",
        ),
        row(
            "Операция отклонена",
            1,
            "2025-01-01T00:00:05",
            "2025-01-01T00:00:05",
        ),
        row(
            "Платёж отклонён",
            1,
            "2024-12-31T23:59:58",
            "2024-12-31T23:59:58",
        ),
        row(
            "Платёж \"отклонён\" [сумма]",
            1,
            "2024-12-31T23:59:58",
            "2024-12-31T23:59:58",
        ),
        row(
            "Сервис 'Платежи' временно недоступен",
            1,
            "2024-03-01T10:00:01",
            "2024-03-01T10:00:01",
        ),
    ];
    want.sort();
    // Templates may mask variables; compare the texts the fixtures hold verbatim.
    let texts: Vec<_> = got.iter().map(|r| (r.1.clone(), r.2)).collect();
    assert!(
        got.iter().all(|r| !r.1.contains("Не показывать")),
        "continuation lines harvested: {texts:?}"
    );
    assert_eq!(got, want);
}

#[test]
fn rules_drive_w3c_fields_and_cp1251_fixed_width_columns() {
    let dir = tempfile::tempdir().unwrap();
    plant(
        dir.path().join("tree").as_path(),
        "gate",
        &[
            ("iis.log", "u_ex240301.log"),
            ("fixed-width.cp1251.txt", "legacy.txt"),
        ],
    );
    let got = scan_and_report(dir.path(), Some(GATE_RULES));
    let row = |t: &str, first: &str| {
        (
            "gate".to_string(),
            t.to_string(),
            1,
            first.to_string(),
            first.to_string(),
        )
    };
    let mut want = vec![
        row(
            "Карта заблокирована, обратитесь в \"Банк\"",
            "2024-03-01T11:00:02",
        ),
        row("Недостаточно средств на счёте", "2024-03-01T10:00:00"),
        row("Сервис «Платежи» недоступен", "2024-03-01T10:01:05"),
        row("Превышен лимит", "2024-03-02T09:30:00"),
    ];
    want.sort();
    assert_eq!(got, want);
}

/// Regression: a grown IIS log resumed after its `#Fields:` line lost every new
/// line ("data line before any #Fields: directive") until W3C read from the start.
#[test]
fn grown_w3c_log_is_resumed_with_its_fields_header() {
    let dir = tempfile::tempdir().unwrap();
    plant(
        dir.path().join("tree").as_path(),
        "gate",
        &[("iis.log", "u_ex240301.log")],
    );
    let first = scan_and_report(dir.path(), Some(GATE_RULES));
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].2, 1);

    let log = dir.path().join("tree/gate/u_ex240301.log");
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str(
        "11:00:09 POST /card/block 409 C7 \"Карта заблокирована, обратитесь в \"\"Банк\"\"\"\r\n",
    );
    std::fs::write(&log, text).unwrap();
    let out = Command::cargo_bin("errata")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "scan",
            "tree",
            "--db",
            "c.db",
            "--as-of",
            "2025-01-02",
            "--rules",
            "rules.yaml",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("before any #Fields"), "{stderr}");
    assert!(!stderr.contains(":7:"), "old warnings repeated: {stderr}");
    let second = scan_and_report(dir.path(), Some(GATE_RULES));
    assert_eq!(
        second,
        [(
            "gate".to_string(),
            "Карта заблокирована, обратитесь в \"Банк\"".to_string(),
            2,
            "2024-03-01T11:00:02".to_string(),
            "2024-03-01T11:00:09".to_string()
        )]
    );
}
