//! End to end over `fixtures/formats/`: the text catalog formats (properties,
//! json_i18n, po, yaml, csv, records) run through `errata scan` with rules that
//! declare formats, encodings and record options, and the JSON report shows the
//! definitions each fixture's quirks must produce.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const RULES: &str = r#"
systems:
  - name: formats
    roots: ["."]
    sources:
      - path: "properties/*.properties"
        format: properties
      - path: "json/*.json"
        format: json_i18n
      - path: "po/**/*.po"
        format: po
      - path: "yaml/*.yml"
        format: yaml
      - path: "csv/*.csv"
        format: csv
        encoding: windows-1251
        options:
          delimiter: ";"
          key_field: code
          text_field: text
          locale_field: lang
      - path: "records/ivr_prompts.yaml"
        format: records
        locale: ru
        options:
          records: ivr.prompts
          key_field: id
          text_field: text.ru
      - path: "records/messages.json"
        format: records
        options:
          records: messages
          locale_field: lang
      - path: "records/prompts.xml"
        format: records
        options:
          records: messages.message
          key_field: code
          text_field: text
          locale_field: lang
"#;

/// Scans the fixtures and returns the JSON report and the scan's output.
fn report() -> (Value, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("rules.yaml");
    std::fs::write(&rules, RULES).expect("rules written");
    let db = dir.path().join("errata.db");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats");
    let scan = Command::cargo_bin("errata")
        .expect("binary")
        .arg("scan")
        .arg(&fixtures)
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
    let out = Command::cargo_bin("errata")
        .expect("binary")
        .args(["report", "--format", "json", "--db"])
        .arg(&db)
        .assert()
        .success();
    let report = serde_json::from_slice(&out.get_output().stdout).expect("report is JSON");
    (report, summary)
}

/// The report's definitions from files under `dir`.
fn definitions_in<'a>(report: &'a Value, dir: &str) -> impl Iterator<Item = &'a Value> {
    let dir = format!("/{dir}/");
    report["definitions"]
        .as_array()
        .expect("definitions")
        .iter()
        .filter(move |d| {
            d["source"]["path"]
                .as_str()
                .is_some_and(|p| p.contains(&dir))
        })
}

/// (key, form, locale, state, text) of the definitions from files under `dir`.
fn definitions(report: &Value, dir: &str) -> Vec<(String, String, String, String, String)> {
    let field = |d: &Value, f: &str| d[f].as_str().unwrap_or("").to_string();
    let mut out: Vec<_> = definitions_in(report, dir)
        .map(|d| {
            (
                field(d, "key"),
                field(d, "form"),
                field(d, "locale"),
                field(d, "state"),
                field(d, "text"),
            )
        })
        .collect();
    out.sort();
    out
}

fn text_of<'a>(defs: &'a [(String, String, String, String, String)], key: &str) -> Vec<&'a str> {
    defs.iter()
        .filter(|d| d.0 == key)
        .map(|d| d.4.as_str())
        .collect()
}

#[test]
fn text_catalog_fixtures_end_to_end() {
    let (report, summary) = report();
    // Bad entries are warnings naming file and line; the rest of each file is harvested.
    for warning in [
        // CRLF line ends, a quoted line break on lines 4-5: the keyless row is on line 7.
        "csv/errors_cp1251.csv:7: row has an empty key",
        "po/ru/LC_MESSAGES/payments.po:46: unterminated string",
        "records/ivr_prompts.yaml:13: record without text field `text.ru`",
        // ISO-8859-1, as the fixture says: not UTF-8 from `Café` on.
        "properties/messages_ru.properties:16: not valid UTF-8: read as windows-1252, the properties default",
    ] {
        assert!(
            summary.contains(warning),
            "{warning} missing from {summary}"
        );
    }
    assert!(summary.contains("4 warnings"), "{summary}");

    let props = definitions(&report, "properties");
    assert_eq!(
        text_of(&props, "card.blocked"),
        vec!["Карта {0} заблокирована"]
    );
    assert_eq!(
        text_of(&props, "card.pin=code"),
        vec!["PIN\tcode\nwrong\rtwice\u{c}page"]
    );
    assert_eq!(
        text_of(&props, "key with spaces"),
        vec!["value with key spaces"]
    );
    assert_eq!(
        text_of(&props, "card.long"),
        vec!["Operation declined. Call the bank   via the support line."]
    );
    assert_eq!(text_of(&props, "card.backslash"), vec!["C:\\bank\\"]);
    assert_eq!(
        text_of(&props, "card.odd"),
        vec!["ends in one backslash \\continued"]
    );
    assert_eq!(text_of(&props, "card.hash"), vec!["#not a comment"]);
    assert_eq!(text_of(&props, "card.café"), vec!["Café fermé"]);
    assert_eq!(text_of(&props, "card.emoji"), vec!["💳 card"]);
    assert_eq!(text_of(&props, "card.empty"), vec![""]);
    assert_eq!(text_of(&props, "card.crlf"), vec!["windows line end"]);
    assert_eq!(
        text_of(&props, "card.final"),
        vec!["no newline at the end "]
    );
    // Both occurrences of a repeated key are kept.
    assert_eq!(text_of(&props, "card.limit").len(), 2);
    assert!(
        text_of(&props, "card.old").is_empty(),
        "commented-out entry"
    );
    assert!(props.iter().all(|d| d.2 == "ru"));

    let json = definitions(&report, "json");
    assert_eq!(
        text_of(&json, "errors.card.limit"),
        vec!["Превышен лимит: \"{{amount}}\""]
    );
    let attempts: Vec<&str> = json
        .iter()
        .filter(|d| d.0 == "errors.card.attempts")
        .map(|d| d.1.as_str())
        .collect();
    assert_eq!(attempts, vec!["few", "many", "one"]);
    assert_eq!(text_of(&json, "errors.codes.1"), vec!["Код устарел"]);
    assert_eq!(
        text_of(&json, "errors.tab\tescape"),
        vec!["Табуляция\tи «кавычки»"]
    );
    assert!(text_of(&json, "errors.retry_after").is_empty());
    assert_eq!(json.len(), 8);

    let po = definitions(&report, "po");
    assert_eq!(
        text_of(&po, "Transfer declined. Please contact\tsupport."),
        vec!["Перевод отклонён. Обратитесь\tв поддержку: \"8 800\"."]
    );
    assert_eq!(text_of(&po, "button\u{4}Confirm"), vec!["Подтвердить"]);
    assert_eq!(text_of(&po, "status\u{4}Confirm"), vec!["Подтверждено"]);
    let plural: Vec<&str> = po
        .iter()
        .filter(|d| d.0 == "%(n)d attempt left")
        .map(|d| d.1.as_str())
        .collect();
    assert_eq!(plural, vec!["[0]", "[1]", "[2]"]);
    let state = |key: &str| po.iter().find(|d| d.0 == key).map(|d| d.3.as_str());
    assert_eq!(state("Card expired"), Some("fuzzy"));
    assert_eq!(state("Session timed out"), Some("untranslated"));
    assert_eq!(text_of(&po, "Session timed out"), vec!["Session timed out"]);
    assert_eq!(state("Old limit message"), Some("obsolete"));
    assert_eq!(
        state("Broken entry"),
        None,
        "unterminated string skips its entry"
    );
    assert_eq!(state("After the broken entry"), Some("live"));
    assert!(po.iter().all(|d| d.2 == "ru"));

    let yaml = definitions(&report, "yaml");
    assert_eq!(
        text_of(&yaml, "errors.card.retry"),
        vec!["Повторите попытку позже"]
    );
    assert_eq!(
        text_of(&yaml, "errors.card.limit"),
        vec!["Превышен дневной лимит"]
    );
    assert_eq!(text_of(&yaml, "errors.messages.too_long").len(), 4);
    assert_eq!(text_of(&yaml, "errors.messages.quoted_yes"), vec!["yes"]);
    assert!(
        text_of(&yaml, "errors.messages.plain_yes").is_empty(),
        "YAML 1.1 boolean"
    );
    assert_eq!(text_of(&yaml, "date.day_names.2"), vec!["вторник"]);
    assert_eq!(text_of(&yaml, "date.month_names.2"), vec![":february"]);
    assert!(text_of(&yaml, "date.month_names.0").is_empty());
    assert!(text_of(&yaml, "number.unit").is_empty());
    assert!(yaml.iter().all(|d| d.2 == "ru"));

    let csv = definitions(&report, "csv");
    assert_eq!(
        text_of(&csv, "E002"),
        vec!["Карта заблокирована; обратитесь в банк"]
    );
    assert_eq!(
        text_of(&csv, "E003"),
        vec!["Сумма превышает \"лимит\"\r\nна перевод"]
    );
    assert_eq!(
        csv.iter().find(|d| d.0 == "E004").map(|d| d.2.as_str()),
        Some("en")
    );
    assert_eq!(
        csv.iter().find(|d| d.0 == "E005").map(|d| d.3.as_str()),
        Some("untranslated")
    );
    assert_eq!(csv.len(), 5);
    // Each row points at its own line of the CRLF export (E003 spans lines 4-5).
    let mut csv_lines: Vec<(&str, u64)> = definitions_in(&report, "csv")
        .map(|d| {
            (
                d["key"].as_str().unwrap_or(""),
                d["source"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    csv_lines.sort();
    assert_eq!(
        csv_lines,
        [
            ("E001", 2),
            ("E002", 3),
            ("E003", 4),
            ("E004", 6),
            ("E005", 8)
        ]
    );

    let records = definitions(&report, "records");
    let keys: Vec<(&str, &str, &str)> = records
        .iter()
        .map(|d| (d.0.as_str(), d.2.as_str(), d.4.as_str()))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("1001", "ru", "Введите ПИН-код"),
            ("1002", "ru", "Неверный ПИН-код. Осталось попыток - {0}"),
            ("T-100", "ru", "Перевод отклонён"),
            ("T-101", "en", "Transfer declined"),
            ("T-102", "ru", "Получатель не найден"),
            ("TT01", "ru", "Операция «не» выполнена"),
            ("TT02", "ru", "Терминал занят & недоступен"),
            ("TT03", "ru", "Сумма <= 0 недопустима"),
        ]
    );
}
