//! Bad input never panics a catalog scanner: arbitrary text made of each format's
//! syntax characters goes through every text catalog scanner (and through
//! `records` in its YAML, JSON and XML forms), which must return normally.

use errata::model::FormatId;
use errata::rules::SourceOptions;
use errata::scan::{self, ScanContext};
use proptest::prelude::*;

const FORMATS: &[FormatId] = &[
    FormatId::Properties,
    FormatId::JsonI18n,
    FormatId::Po,
    FormatId::Yaml,
    FormatId::Csv,
    FormatId::Records,
];

fn scan_all(text: &str, options: &SourceOptions) {
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    for format in FORMATS {
        let ctx = ScanContext {
            charset: Some("UTF-8"),
            ..ScanContext::new("fuzz/ru/LC_MESSAGES/x_ru.txt", options, as_of)
        };
        let scanner = scan::scanner(*format);
        let mut items = 0usize;
        scanner.scan(&mut text.as_bytes(), &ctx, &mut |_| items += 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn syntax_soup_never_panics(text in "[\\\\\"'#!:=\\[\\]{}<>/&;,.~*|@ \\t\\r\\n\\-a-zа-я0-9u]{0,300}") {
        scan_all(&text, &SourceOptions::default());
        let options = SourceOptions {
            records: Some("a.b".into()),
            key_field: Some("k".into()),
            text_field: Some("t".into()),
            locale_field: Some("l".into()),
            delimiter: Some(';'),
            ..SourceOptions::default()
        };
        scan_all(&text, &options);
        scan_all(&format!("<a><b k=\"1\">{text}</b></a>"), &options);
        scan_all(&format!("msgid \"{text}\"\nmsgstr \"{text}\"\n"), &options);
    }

    #[test]
    fn near_valid_documents_never_panic(
        key in "[a-z\\\\:=\\- ]{0,12}",
        value in "[^\\x00]{0,40}",
    ) {
        let options = SourceOptions::default();
        scan_all(&format!("{{\"{key}\": {{\"x\": \"{value}\"}}}}"), &options);
        scan_all(&format!("ru:\n  {key}:\n    one: {value}\n"), &options);
        scan_all(&format!("{key}={value}\\\n  {value}\n"), &options);
        scan_all(&format!("msgctxt \"{key}\"\nmsgid \"{value}\"\nmsgid_plural \"p\"\nmsgstr[0] \"{value}\"\n"), &options);
    }
}
