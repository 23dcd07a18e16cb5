//! Personal data planted in a log never reaches the catalog, the reports or
//! errata's own output; the templates carry typed placeholders instead.

use std::path::Path;

use assert_cmd::Command;

/// Completes `prefix` with a Luhn check digit.
fn with_luhn(prefix: &str) -> String {
    (0..10)
        .map(|d| format!("{prefix}{d}"))
        .find(|n| {
            let sum: u32 = n
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, b)| {
                    let d = u32::from(b - b'0');
                    if i % 2 == 1 {
                        (d * 2) % 9 + u32::from(d == 9) * 9
                    } else {
                        d
                    }
                })
                .sum();
            sum.is_multiple_of(10)
        })
        .expect("a check digit fits")
}

/// Completes ten digits to a 12-digit INN.
fn inn12(prefix: &str) -> String {
    let check = |d: &[u32], w: &[u32]| d.iter().zip(w).map(|(a, b)| a * b).sum::<u32>() % 11 % 10;
    let mut d: Vec<u32> = prefix.bytes().map(|b| u32::from(b - b'0')).collect();
    d.push(check(&d, &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]));
    d.push(check(&d, &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]));
    d.iter()
        .map(|x| char::from_digit(*x, 10).unwrap())
        .collect()
}

fn groups_of_four(digits: &str, sep: &str) -> String {
    digits
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join(sep)
}

/// Each planted value as written in the log, with the placeholder it must become.
fn planted() -> Vec<(String, &'static str)> {
    let mir16 = with_luhn("220012345678901");
    let mir19 = with_luhn("220412345678901234");
    let mc2 = with_luhn("222100001234567");
    vec![
        ("4111 1111 1111 1111".into(), "<CARD>"),
        ("5555-5555-5555-4444".into(), "<CARD>"),
        (groups_of_four(&mir16, " "), "<CARD>"),
        (mir19, "<CARD>"),
        (mc2, "<CARD>"),
        ("378282246310005".into(), "<CARD>"),
        ("4222222222222".into(), "<CARD>"),
        ("40817810099910004312".into(), "<ACCOUNT>"),
        ("42301 810 5 0000 0012345".into(), "<ACCOUNT>"),
        ("ivan.petrov@mail.ru".into(), "<EMAIL>"),
        ("+7 (912) 345-67-89".into(), "<PHONE>"),
        ("89161234567".into(), "<PHONE>"),
        ("8-903-765-43-21".into(), "<PHONE>"),
        (inn12("7712345678"), "<INN>"),
        ("7707083893".into(), "<INN>"),
        ("112-233-445 95".into(), "<SNILS>"),
    ]
}

/// The forms a value may leak in: as written, digits only, and (for
/// e-mails) the local part.
fn leak_forms(value: &str) -> Vec<String> {
    let digits: String = value.chars().filter(char::is_ascii_digit).collect();
    let mut forms = vec![value.to_string()];
    if digits.len() >= 10 {
        forms.push(digits);
    }
    if let Some((local, _)) = value.split_once('@') {
        forms.push(local.to_string());
    }
    forms
}

fn write_fixture(root: &Path) {
    let system = root.join("mobile");
    std::fs::create_dir_all(&system).unwrap();
    let mut log = String::new();
    for (i, (value, _)) in planted().iter().enumerate() {
        let label = if value.len() == 10 { "ИНН " } else { "" };
        let line = serde_json::json!({
            "timestamp": format!("2024-06-25T10:{:02}:00Z", i),
            "level": "ERROR",
            "userMessage": format!("Операция отклонена: {label}{value} не прошёл проверку"),
        });
        log.push_str(&line.to_string());
        log.push('\n');
    }
    std::fs::write(system.join("api.jsonl"), log).unwrap();
}

fn run(args: &[&str]) -> (String, String) {
    let out = Command::cargo_bin("errata")
        .unwrap()
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

    let scan = run(&["scan", tree_s, "--db", db_s, "--as-of", "2024-06-30"]);
    let json = run(&["report", "--db", db_s, "--format", "json"]);
    let md = run(&["report", "--db", db_s, "--format", "md"]);

    let mut outputs = vec![
        ("scan stdout", scan.0),
        ("scan stderr", scan.1),
        ("json report", json.0.clone()),
        ("json stderr", json.1),
        ("md report", md.0.clone()),
        ("md stderr", md.1),
    ];
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
        for form in leak_forms(&value) {
            for (name, text) in &outputs {
                assert!(!text.contains(&form), "{name} contains planted {form:?}");
            }
        }
    }

    let report: serde_json::Value = serde_json::from_str(&json.0).unwrap();
    let templates: Vec<&str> = report["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["template"].as_str().unwrap())
        .collect();
    for (value, placeholder) in planted() {
        let label = if value.len() == 10 { "ИНН " } else { "" };
        let expected = format!("Операция отклонена: {label}{placeholder} не прошёл проверку");
        assert!(
            templates.contains(&expected.as_str()),
            "{value} → {expected} not in {templates:?}"
        );
    }
    assert!(md.0.contains("<CARD>") && md.0.contains("<SNILS>"));
}
