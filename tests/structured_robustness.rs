//! Bad input never panics: the structured-format scanners over their fixtures cut
//! at any point or with any character replaced, and over arbitrary text.

use errata::model::FormatId;
use std::path::Path;

use errata::rules::SourceOptions;
use errata::scan::{Item, ScanContext};
use proptest::prelude::*;

/// (format, fixture) pairs; the SQL one is read with message-table options.
const FIXTURES: &[(FormatId, &str)] = &[
    (FormatId::Resx, "resx/Errors.ru.resx"),
    (FormatId::Android, "android/res/values-ru/strings.xml"),
    (FormatId::Xliff, "xliff/Errors.ru.xlf"),
    (FormatId::Xliff, "xliff/errors-v2.ru.xliff"),
    (FormatId::Xsd, "xsd/payments.xsd"),
    (FormatId::Sql, "sql/messages.sql"),
    (FormatId::Cobol, "cobol/ERRMSG.cpy"),
];

fn fixture(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/formats")
        .join(relative);
    std::fs::read_to_string(path).expect("fixture")
}

/// Scans `text` and checks every warning names the file and a line within it.
fn scan_checked(format: FormatId, text: &str) {
    let scanner = errata::scan::scanner(format);
    let options = SourceOptions {
        table: Some("err_messages".into()),
        key_field: Some("code".into()),
        text_field: Some("text".into()),
        locale_field: Some("lang".into()),
        ..SourceOptions::default()
    };
    let as_of = chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
    let ctx = ScanContext::new("input", &options, as_of);
    let lines = text.lines().count().max(1) as u64 + 1;
    scanner.scan(&mut text.as_bytes(), &ctx, &mut |item| {
        if let Item::Warning(w) = item {
            assert_eq!(w.path, "input");
            if let Some(line) = w.line {
                assert!((1..=lines).contains(&line), "{w} beyond {lines} lines");
            }
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn truncated_fixtures_never_panic(which in 0..FIXTURES.len(), cut in 0.0f64..1.0) {
        let (format, file) = FIXTURES[which];
        let text = fixture(file);
        let mut at = (text.len() as f64 * cut) as usize;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        scan_checked(format, &text[..at]);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        at in 0.0f64..1.0,
        with in prop::sample::select(vec!['\'', '"', '<', '>', '&', '(', ')', ';', '.', '-', '\\', '\n', '*', '/', 'ё']),
    ) {
        let (format, file) = FIXTURES[which];
        let text = fixture(file);
        let mut chars: Vec<char> = text.chars().collect();
        let i = ((chars.len() as f64 * at) as usize).min(chars.len() - 1);
        chars[i] = with;
        scan_checked(format, &chars.into_iter().collect::<String>());
    }

    #[test]
    fn arbitrary_text_never_panics(which in 0..FIXTURES.len(), text in "\\PC{0,300}") {
        scan_checked(FIXTURES[which].0, &text);
    }
}
