//! Personal data planted in a log never reaches the catalog, the reports or
//! errata's own output; the templates carry typed placeholders instead. Each
//! value is planted twice: in the client text, and as the record's error code
//! (issue #14: a card number captured as the key was stored unmasked).

use std::path::Path;

use assert_cmd::Command;

/// Each planted value as written in the log, with the placeholder it must become.
/// The numbers pass their checks (Luhn, INN check digits, SNILS check number):
/// the test asserts that each became its placeholder.
fn planted() -> [(&'static str, &'static str); 16] {
    [
        ("4111 1111 1111 1111", "<CARD>"),
        ("5555-5555-5555-4444", "<CARD>"),
        // Mir with 16 and 19 digits, Mastercard 2-series, Amex, 13-digit Visa.
        ("2200 1234 5678 9019", "<CARD>"),
        ("2204123456789012343", "<CARD>"),
        ("2221000012345673", "<CARD>"),
        ("378282246310005", "<CARD>"),
        ("4222222222222", "<CARD>"),
        ("40817810099910004312", "<ACCOUNT>"),
        ("42301 810 5 0000 0012345", "<ACCOUNT>"),
        ("ivan.petrov@mail.ru", "<EMAIL>"),
        ("+7 (912) 345-67-89", "<PHONE>"),
        ("89161234567", "<PHONE>"),
        ("8-903-765-43-21", "<PHONE>"),
        ("771234567859", "<INN>"),
        ("7707083893", "<INN>"),
        ("112-233-445 95", "<SNILS>"),
    ]
}

/// The forms a value may leak in: as written, digits only, in groups of four
/// (spaces or dashes), and (for e-mails) the local part.
fn leak_forms(value: &str) -> Vec<String> {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let mut forms = vec![value.to_string()];
    if digits.len() >= 10 {
        let groups: Vec<&str> = digits
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        forms.push(groups.join(" "));
        forms.push(groups.join("-"));
        forms.push(digits);
    }
    if let Some((local, _)) = value.split_once('@') {
        forms.push(local.to_string());
    }
    forms
}

/// The client message a value is planted in (a 10-digit INN needs its label).
fn message(value: &str) -> String {
    let label = if value.len() == 10 { "ИНН " } else { "" };
    format!("Операция отклонена: {label}{value} не прошёл проверку")
}

fn write_fixture(root: &Path) {
    let system = root.join("mobile");
    std::fs::create_dir_all(&system).unwrap();
    let mut log = String::new();
    for (i, (value, _)) in planted().iter().enumerate() {
        let line = serde_json::json!({
            "timestamp": format!("2024-06-25T10:{:02}:00Z", i),
            "level": "ERROR",
            "userMessage": message(value),
            "errorCode": value,
        });
        log.push_str(&line.to_string());
        log.push('\n');
    }
    std::fs::write(system.join("api.jsonl"), log).unwrap();
}

/// Runs errata in `cwd` (a folder without `./rules/`, so zero-config applies).
fn run(cwd: &std::path::Path, args: &[&str]) -> (String, String) {
    let out = Command::cargo_bin("errata")
        .unwrap()
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "errata {args:?} failed: {:?}", out);
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn planted_personal_data_never_leaves_masking() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write_fixture(&tree);
    let db = dir.path().join("catalog.db");
    let (db_s, tree_s) = (db.to_str().unwrap(), tree.to_str().unwrap());

    let scan = run(
        dir.path(),
        &["scan", tree_s, "--db", db_s, "--as-of", "2024-06-30"],
    );
    let json = run(dir.path(), &["report", "--db", db_s, "--format", "json"]);
    let md = run(dir.path(), &["report", "--db", db_s, "--format", "md"]);
    let html = run(dir.path(), &["report", "--db", db_s, "--format", "html"]);
    let csv: Vec<(String, String)> = ["templates", "definitions", "flags"]
        .iter()
        .map(|entity| {
            let args = [
                "report", "--db", db_s, "--format", "csv", "--entity", entity,
            ];
            run(dir.path(), &args)
        })
        .collect();
    let sarif = Command::cargo_bin("errata")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "check",
            tree_s,
            "--db",
            db_s,
            "--as-of",
            "2024-06-30",
            "--format",
            "sarif",
        ])
        .output()
        .unwrap();

    let mut outputs = vec![
        ("scan stdout", scan.0),
        ("scan stderr", scan.1),
        ("json report", json.0.clone()),
        ("json stderr", json.1),
        ("md report", md.0.clone()),
        ("md stderr", md.1),
        ("html report", html.0),
        ("sarif", String::from_utf8(sarif.stdout).unwrap()),
        ("check stderr", String::from_utf8(sarif.stderr).unwrap()),
    ];
    for (table, _) in &csv {
        outputs.push(("csv report", table.clone()));
    }
    for suffix in ["", "-wal"] {
        let path = format!("{db_s}{suffix}");
        if let Ok(bytes) = std::fs::read(&path) {
            outputs.push((
                if suffix.is_empty() {
                    "database"
                } else {
                    "database wal"
                },
                String::from_utf8_lossy(&bytes).into_owned(),
            ));
        }
    }
    assert!(outputs.iter().any(|(name, _)| *name == "database"));

    for (value, _) in planted() {
        for form in leak_forms(value) {
            for (name, text) in &outputs {
                assert!(!text.contains(&form), "{name} contains planted {form:?}");
            }
        }
    }

    // Every planted value was masked and counted by kind: clustering may merge the
    // messages into one template, but the personal data behind it is still told.
    let report: serde_json::Value = serde_json::from_str(&json.0).unwrap();
    let mut shown: std::collections::BTreeMap<String, u64> = Default::default();
    for flag in report["flags"].as_array().unwrap() {
        if flag["kind"] == "pii-exposed" {
            for p in flag["evidence"]["pii"].as_array().unwrap() {
                *shown
                    .entry(p["kind"].as_str().unwrap().to_string())
                    .or_default() += p["count"].as_u64().unwrap();
            }
        }
    }
    let mut planted_kinds: std::collections::BTreeMap<String, u64> = Default::default();
    for (_, placeholder) in planted() {
        let kind = placeholder.trim_matches(['<', '>']).to_lowercase();
        *planted_kinds.entry(kind).or_default() += 1;
    }
    assert_eq!(shown, planted_kinds);
    let templates = serde_json::to_string(&report["templates"]).unwrap();
    assert!(
        templates.contains("<CARD>") && templates.contains("<ACCOUNT>"),
        "masked samples: {templates}"
    );
    assert!(md.0.contains("pii-exposed"), "{}", md.0);
    // The codes were kept, masked: every stored key of a group is a placeholder.
    let keys: Vec<String> = rusqlite::Connection::open(&db)
        .unwrap()
        .prepare("SELECT DISTINCT key FROM groups WHERE key IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        !keys.is_empty() && keys.iter().all(|k| k.starts_with('<') && k.ends_with('>')),
        "codes are masked, not dropped: {keys:?}"
    );
}
