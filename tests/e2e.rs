//! End to end: the binary on the fixture bank, asserting catalog contents through the JSON report.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn errata(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("errata").expect("binary builds");
    cmd.current_dir(cwd);
    cmd
}

/// Scans the fixture bank with the shipped rules into the catalog `db`.
fn scan_bank_into(db: &Path) -> std::process::Output {
    errata(&root())
        .args([
            "scan",
            "fixtures/bank",
            "--rules",
            "rules",
            "--as-of",
            "2024-06-30",
            "--db",
        ])
        .arg(db)
        .output()
        .unwrap()
}

/// Scans the fixture bank with the shipped rules into a fresh catalog; returns (dir, stdout).
fn scan_bank() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = scan_bank_into(&dir.path().join("errata.db"));
    assert!(
        out.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (dir, String::from_utf8(out.stdout).unwrap())
}

fn report(db: &Path, format: &str) -> String {
    let out = errata(&root())
        .args(["report", "--format", format, "--db"])
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "report failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json_report(db: &Path) -> Value {
    serde_json::from_str(&report(db, "json")).expect("report is JSON")
}

fn definition<'a>(report: &'a Value, system: &str, key: &str, locale: &str) -> &'a Value {
    report["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["system"] == system && d["key"] == key && d["locale"] == locale)
        .unwrap_or_else(|| panic!("no definition {system}/{key}/{locale}"))
}

fn template<'a>(report: &'a Value, system: &str, text: &str) -> &'a Value {
    report["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["system"] == system && t["template"] == text)
        .unwrap_or_else(|| panic!("no template {system}/{text:?} in {:#}", report["templates"]))
}

#[test]
fn bank_definitions_are_harvested_in_every_encoding() {
    let (dir, stdout) = scan_bank();
    assert!(stdout.contains(" 0 skipped): "), "{stdout}");
    let r = json_report(&dir.path().join("errata.db"));
    assert_eq!(r["as_of"], "2024-06-30");
    let systems: Vec<&str> = r["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        systems,
        ["abs", "crm", "legacy", "mobile", "sms", "webbank"]
    );

    // .properties, ISO-8859-1 with \u escapes and a continuation line.
    let d = definition(&r, "webbank", "error.payment.limit_exceeded", "ru");
    assert_eq!(d["text"], "Сумма {0} превышает дневной лимит {1}");
    assert_eq!(d["template"], "Сумма <*> превышает дневной лимит <*>");
    assert_eq!(
        d["source"]["path"],
        "fixtures/bank/webbank/i18n/messages_ru.properties"
    );
    assert_eq!(d["source"]["line"], 5);
    let hotline = definition(&r, "webbank", "error.contact.hotline", "ru");
    assert_eq!(
        hotline["text"],
        "Если ошибка повторяется, позвоните нам по номеру 8-800-100-00-00"
    );
    assert_eq!(
        definition(&r, "webbank", "error.card.blocked", "en")["text"],
        "Card blocked. Please contact the bank"
    );

    // JSON locale files, flattened to dotted keys.
    let d = definition(&r, "mobile", "errors.transfer.limit", "ru");
    assert_eq!(d["text"], "Превышен лимит переводов: {{limit}} в сутки");
    assert_eq!(d["template"], "Превышен лимит переводов: <*> в сутки");

    // windows-1251 properties of the legacy core.
    let d = definition(&r, "legacy", "E0042", "ru");
    assert_eq!(d["text"], "Операция отклонена: карта заблокирована");

    let count = |system: &str| {
        r["definitions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["system"] == system)
            .count()
    };
    assert_eq!(
        (count("webbank"), count("mobile"), count("legacy")),
        (16, 10, 3)
    );
}

#[test]
fn bank_observations_are_masked_grouped_and_matched() {
    let (dir, _) = scan_bank();
    let r = json_report(&dir.path().join("errata.db"));

    // Matched by the key the log carries.
    let t = template(&r, "webbank", "Недостаточно средств на счёте");
    assert_eq!(t["count"], 2);
    assert_eq!(t["definition"], "error.payment.insufficient_funds");
    assert_eq!(t["match"], "key");
    assert_eq!(t["first_seen"], "2024-06-10T09:20:11");
    assert_eq!(t["last_seen"], "2024-06-14T12:00:00");
    assert_eq!(t["daily"]["2024-06-14"], 1);
    assert_eq!(
        t["seen_in"][0]["path"],
        "fixtures/bank/webbank/logs/webbank.log"
    );
    assert_eq!(t["seen_in"][0]["line"], 8);

    // Two amounts, one template, matched through the definition's placeholders.
    let t = template(
        &r,
        "webbank",
        "Сумма <AMOUNT> превышает дневной лимит <AMOUNT>",
    );
    assert_eq!(t["count"], 2);
    assert_eq!(t["definition"], "error.payment.limit_exceeded");
    assert_eq!(t["match"], "template");

    // Hard-coded somewhere: no catalog defines it.
    let t = template(
        &r,
        "webbank",
        "Сервис временно недоступен, попробуйте позже",
    );
    assert_eq!(t["count"], 2);
    assert_eq!(t["definition"], Value::Null);

    // Stack traces and debug lines are not client-visible.
    let all = serde_json::to_string(&r["templates"]).unwrap();
    assert!(
        !all.contains("IllegalStateException") && !all.contains("ivanov"),
        "{all}"
    );

    // JSON lines: key match, and card numbers never stored.
    assert_eq!(
        template(&r, "mobile", "Карта заблокирована")["definition"],
        "errors.card.blocked"
    );
    let t = template(&r, "mobile", "Операция по карте <CARD> отклонена");
    assert_eq!(t["count"], 2);
    assert_eq!(t["definition"], Value::Null);
    let t = template(&r, "mobile", "Превышен лимит переводов: <NUM> в сутки");
    assert_eq!(t["definition"], "errors.transfer.limit");

    // windows-1251 log, matched by error code.
    let t = template(&r, "legacy", "Недостаточно средств. Доступно: <NUM>");
    assert_eq!(t["count"], 2);
    assert_eq!(t["definition"], "E0051");
    assert_eq!(
        template(&r, "legacy", "Неверный формат реквизитов")["definition"],
        Value::Null
    );

    let summary = |name: &str| {
        r["systems"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(summary("webbank")["observations"], 10);
    assert_eq!(summary("mobile")["observations"], 5);
    assert_eq!(summary("legacy")["observations"], 4);
}

#[test]
fn rescanning_unchanged_files_counts_nothing_twice() {
    let (dir, _) = scan_bank();
    let db = dir.path().join("errata.db");
    let before = json_report(&db);
    let out = scan_bank_into(&db);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("scanned 0 files (")
            && stdout.contains(" unchanged, 0 skipped): 0 records"),
        "{stdout}"
    );
    let after = json_report(&db);
    assert_eq!(before["templates"], after["templates"]);
    assert_eq!(before["definitions"], after["definitions"]);
}

#[test]
fn malformed_lines_are_warnings_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("errata.db");
    let out = scan_bank_into(&db);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: fixtures/bank/mobile/logs/api.jsonl:5: malformed JSON line"),
        "{stderr}"
    );
    let r = json_report(&db);
    let warnings = serde_json::to_string(&r["scan"]["warning_list"]).unwrap();
    assert!(warnings.contains("api.jsonl:5"), "{warnings}");
}

#[test]
fn markdown_report_lists_usage_and_unmatched_texts() {
    let (dir, _) = scan_bank();
    let md = report(&dir.path().join("errata.db"), "md");
    assert!(md.contains("## webbank"), "{md}");
    assert!(
        md.contains(
            "| error.payment.insufficient_funds | ru | Недостаточно средств на счёте | 2 |"
        ),
        "{md}"
    );
    assert!(md.contains("### Observed texts no catalog defines"), "{md}");
    assert!(
        md.contains("- Сервис временно недоступен, попробуйте позже (2×)"),
        "{md}"
    );
}

#[test]
fn broken_rules_exit_2_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("bad.yaml");
    std::fs::write(
        &rules,
        "systems:\n  - name: x\n    roots: [x]\n    sourcez: []\n",
    )
    .unwrap();
    let db = dir.path().join("errata.db");
    let out = errata(&root())
        .args(["scan", "fixtures/bank", "--rules"])
        .arg(&rules)
        .arg("--db")
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("bad.yaml:4:5:") && stderr.contains("(did you mean `sources`?)"),
        "{stderr}"
    );
    assert!(!db.exists(), "nothing may be written");
}

#[test]
fn unusable_catalog_path_exits_2() {
    let out = errata(&root())
        .args([
            "scan",
            "fixtures/bank",
            "--rules",
            "rules",
            "--db",
            "/nonexistent/dir/errata.db",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/dir/errata.db"));
    let out = errata(&root())
        .args(["report", "--db", "/nonexistent/errata.db"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn zero_config_makes_each_folder_a_system() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("errata.db");
    // Run where no ./rules/ exists so zero-config applies.
    let out = errata(dir.path())
        .arg("scan")
        .arg(root().join("fixtures/bank"))
        .args(["--as-of", "2024-06-30", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = json_report(&db);
    let systems: Vec<&str> = r["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        systems,
        ["abs", "crm", "legacy", "mobile", "sms", "webbank"]
    );
    // The default extractor finds `userMessage` in the JSON lines.
    assert_eq!(template(&r, "mobile", "Карта заблокирована")["count"], 2);
    // Locale files are recognised as catalogs.
    assert_eq!(
        definition(&r, "mobile", "errors.card.blocked", "en")["text"],
        "Card blocked"
    );
}

#[test]
fn rules_check_lists_matched_files_with_format_and_encoding() {
    let out = errata(&root())
        .args(["rules", "check", "--rules", "rules", "fixtures/bank"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("system legacy (roots: legacy)"), "{stdout}");
    assert!(
        stdout.contains("fixtures/bank/legacy/logs/core.log  log_lines observations windows-1251"),
        "{stdout}"
    );
    assert!(
        stdout.contains("source i18n/*.properties → 2 file(s)"),
        "{stdout}"
    );
}
