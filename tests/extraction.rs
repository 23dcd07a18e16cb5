//! Each log format's records through the extractors: what clients saw, with the
//! key and time the record carried. The scanners' own tests check the records;
//! these check that `extract` finds the client text in every format's shape
//! (text lines, key=value pairs, W3C and fixed-width fields, syslog structured data).

use errata::extract::Extractor;
use errata::model::FormatId;
use errata::rules::SourceOptions;
use errata::scan::{Item, ScanContext, scanner};

fn fixture(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/formats")
        .join(relative)
}

/// The items of a fixture read through `read` (declared charset, else detected)
/// as the scan reads it, as of `as_of` with the file time at `hour`.
fn scan(
    format: FormatId,
    relative: &str,
    charset: Option<&str>,
    options: &SourceOptions,
    as_of: (i32, u32, u32, u32),
) -> Vec<Item> {
    let path = fixture(relative);
    let declared = charset.and_then(errata::charset::Charset::from_label);
    let mut opened = errata::read::open(&path, declared).expect("readable fixture");
    let (y, m, d, hour) = as_of;
    let as_of = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let ctx = ScanContext {
        file_time: as_of.and_hms_opt(hour, 0, 0).unwrap(),
        ..ScanContext::new(relative, options, as_of)
    };
    let mut items = Vec::new();
    scanner(format).scan(&mut opened.reader, &ctx, &mut |i| items.push(i));
    items
}

/// What `extractor` harvests from the records among `items`, one
/// `line time key text` string each (the fallback time is the epoch).
fn extracted(extractor: &Extractor, items: &[Item]) -> Vec<String> {
    let epoch = chrono::DateTime::UNIX_EPOCH.naive_utc();
    items
        .iter()
        .filter_map(|i| match i {
            Item::Record(r) => extractor.extract(r, epoch),
            _ => None,
        })
        .map(|o| format!("{} {} {:?} {}", o.location.line, o.time, o.key, o.text))
        .collect()
}

/// A field-path extractor taking the text and the key from one field each.
fn fields(text: &str, key: &str) -> Extractor {
    Extractor::Fields {
        text: vec![text.to_string()],
        key: vec![key.to_string()],
        ts: Vec::new(),
        ts_format: None,
    }
}

const JUNE_30: (i32, u32, u32, u32) = (2024, 6, 30, 12);

#[test]
fn key_value_lines_default_extractor_takes_the_usual_keys() {
    let items = scan(
        FormatId::Kv,
        "logs/kv.log",
        None,
        &SourceOptions::default(),
        JUNE_30,
    );
    assert_eq!(
        extracted(&Extractor::Default, &items),
        [
            r#"1 2024-03-01 10:00:00.123 Some("D05") Недостаточно средств на счёте"#,
            r#"2 2024-03-01 10:00:01.500 Some("GATE1") Сервис 'Платежи' временно недоступен"#,
        ]
    );
}

#[test]
fn log4j_default_extractor_sees_header_lines_only() {
    let items = scan(
        FormatId::Log4j,
        "logs/log4j.log",
        None,
        &SourceOptions::default(),
        JUNE_30,
    );
    assert_eq!(
        extracted(&Extractor::Default, &items),
        [
            r#"4 2024-03-01 10:00:01.456 Some("INSUFFICIENT_FUNDS") Недостаточно средств на счёте"#,
            "14 2024-03-01 10:00:03.500 None Карта заблокирована",
            r#"15 2024-03-01 10:00:04 Some("GATE1") Сервис временно недоступен"#,
            r#"16 2024-03-01 10:00:05.250 Some("E500") Внутренняя ошибка"#,
            r#"17 2024-03-01 10:00:06 Some("J1") Операция отклонена"#,
        ]
    );
}

#[test]
fn fixed_width_field_extractor_reads_columns() {
    let options = SourceOptions {
        columns: Some(
            [
                ("date", [1, 9]),
                ("time", [10, 16]),
                ("code", [17, 23]),
                ("text", [23, 63]),
            ]
            .into_iter()
            .map(|(n, r)| (n.to_string(), r))
            .collect(),
        ),
        ..SourceOptions::default()
    };
    let items = scan(
        FormatId::FixedWidth,
        "logs/fixed-width.cp1251.txt",
        Some("cp1251"),
        &options,
        JUNE_30,
    );
    assert_eq!(
        extracted(&fields("text", "code"), &items),
        [
            r#"1 2024-03-01 10:00:00 Some("D05") Недостаточно средств на счёте"#,
            r#"2 2024-03-01 10:01:05 Some("GATE1") Сервис «Платежи» недоступен"#,
            r#"5 2024-03-02 09:30:00 Some("LIM1") Превышен лимит"#,
        ]
    );
}

#[test]
fn w3c_field_path_extractor_reads_custom_fields() {
    let items = scan(
        FormatId::W3c,
        "logs/iis.log",
        None,
        &SourceOptions::default(),
        JUNE_30,
    );
    assert_eq!(
        extracted(&fields("x-client-message", "x-error-code"), &items),
        [r#"13 2024-03-01 11:00:02.250 Some("C7") Карта заблокирована, обратитесь в "Банк""#]
    );
}

#[test]
fn syslog_default_extractor_finds_client_text_in_msg_and_structured_data() {
    let new_year = (2025, 1, 2, 6);
    let options = SourceOptions::default();
    let mut texts = extracted(
        &Extractor::Default,
        &scan(
            FormatId::Syslog,
            "logs/syslog-3164.log",
            None,
            &options,
            new_year,
        ),
    );
    texts.extend(extracted(
        &Extractor::Default,
        &scan(
            FormatId::Syslog,
            "logs/syslog-5424.log",
            None,
            &options,
            new_year,
        ),
    ));
    assert_eq!(
        texts,
        [
            r#"1 2024-12-31 23:59:58 Some("D05") Платёж отклонён"#,
            r#"3 2025-01-01 00:00:01 Some("GATE1") Сервис временно недоступен"#,
            "8 2025-01-01 00:00:05.123456 None Операция отклонена",
            r#"1 2024-12-31 23:59:58.003 Some("D05") Платёж "отклонён" [сумма]"#,
            r#"2 2025-01-01 00:00:01 Some("GATE1") Сервис временно недоступен"#,
        ]
    );
}
