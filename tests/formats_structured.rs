//! End to end: `errata scan` over the structured-format fixtures
//! (`fixtures/formats/{resx,android,xliff,xsd,sql,cobol}`) stores the definitions and
//! field limits each format's quirks call for, and warns about the broken INSERT.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const RULES: &str = r#"
systems:
  - name: cards
    roots: ["."]
    sources:
      - path: "sql/**"
        format: sql
        options: {table: err_messages, key_field: code, text_field: text, locale_field: lang}
      - path: "{resx,android,xliff,xsd,cobol}/**"
"#;

struct Scanned {
    _dir: tempfile::TempDir,
    db: rusqlite::Connection,
}

fn scan_fixtures() -> Scanned {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(&rules, RULES).unwrap();
    let db = dir.path().join("errata.db");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats");
    Command::cargo_bin("errata")
        .unwrap()
        .arg("scan")
        .arg(&fixtures)
        .arg("--rules")
        .arg(&rules)
        .arg("--db")
        .arg(&db)
        .args(["--as-of", "2024-06-30"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "scanned 7 files (0 unchanged, 0 skipped): 0 records, 44 definitions",
        ))
        .stderr(predicate::str::contains(
            "sql/messages.sql:29: malformed INSERT: 2 values for 3 columns, row skipped",
        ));
    Scanned {
        db: rusqlite::Connection::open(&db).unwrap(),
        _dir: dir,
    }
}

/// (key, locale, form, state, text) of the definitions of one fixture, in line order.
type Row = (String, Option<String>, Option<String>, String, String);

fn definitions(db: &rusqlite::Connection, file: &str) -> Vec<Row> {
    let mut stmt = db
        .prepare(
            "SELECT d.key, d.locale, d.form, d.state, d.text FROM definitions d
             JOIN definition_sources s ON s.definition_id = d.id
             WHERE s.path LIKE '%' || ?1 ORDER BY s.line, d.locale",
        )
        .unwrap();
    stmt.query_map([file], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

fn limits(db: &rusqlite::Connection, file: &str) -> Vec<(String, i64, String)> {
    let mut stmt = db
        .prepare(
            "SELECT field, max, unit || coalesce(':' || encoding, '') FROM limits
             WHERE path LIKE '%' || ?1 ORDER BY line",
        )
        .unwrap();
    stmt.query_map([file], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn row(key: &str, locale: Option<&str>, form: Option<&str>, state: &str, text: &str) -> Row {
    (
        key.into(),
        locale.map(Into::into),
        form.map(Into::into),
        state.into(),
        text.into(),
    )
}

fn limit(field: &str, max: i64, unit: &str) -> (String, i64, String) {
    (field.into(), max, unit.into())
}

#[test]
fn structured_fixtures_end_to_end() {
    let Scanned { db, .. } = &scan_fixtures();
    let ru = Some("ru");

    // resx: the commented-out and the typed <data> are not definitions.
    assert_eq!(
        definitions(db, "resx/Errors.ru.resx"),
        vec![
            row(
                "CardBlocked",
                ru,
                None,
                "live",
                "Карта заблокирована. Обратитесь в банк по номеру {0}."
            ),
            row(
                "LimitExceeded",
                ru,
                None,
                "live",
                "Превышен лимит операций: <{0}> в сутки."
            ),
            row(
                "SessionExpired",
                ru,
                None,
                "live",
                "Сеанс истёк. Войдите снова."
            ),
        ]
    );

    // Android: escapes, quotes, whitespace, markup, references, plurals, arrays.
    let network = "Нет связи с сервером. Проверьте подключение\u{a0}к Интернету.";
    let android = definitions(db, "values-ru/strings.xml");
    assert_eq!(android.len(), 15);
    for expected in [
        row(
            "error_quote",
            ru,
            None,
            "live",
            "Не удалось выполнить \"перевод\".\nПовторите позже.",
        ),
        row(
            "error_apostrophe",
            ru,
            None,
            "live",
            "Can't connect to @bank_support",
        ),
        row("error_spaces", ru, None, "live", "Слишком много пробелов"),
        row("error_kept", ru, None, "live", "  Пробелы   в кавычках  "),
        row("error_bold", ru, None, "live", "Операция отклонена банком"),
        row(
            "error_pin",
            ru,
            None,
            "live",
            "Неверный PIN-код. Осталось попыток: %1$d",
        ),
        row("error_alias", ru, None, "live", network),
        row(
            "error_attempts",
            ru,
            Some("few"),
            "live",
            "Осталось %d попытки",
        ),
        row("error_tips", ru, Some("[1]"), "live", network),
    ] {
        assert!(
            android.contains(&expected),
            "{expected:?} not in {android:#?}"
        );
    }

    // XLIFF: source and target per unit, states mapped.
    let xlf = definitions(db, "xliff/Errors.ru.xlf");
    assert_eq!(xlf.len(), 8);
    assert!(xlf.contains(&row(
        "LimitExceeded",
        ru,
        None,
        "untranslated",
        "Daily limit exceeded."
    )));
    assert!(xlf.contains(&row(
        "SessionExpired",
        ru,
        None,
        "fuzzy",
        "Сеанс истёк. Войдите снова."
    )));
    assert!(xlf.contains(&row(
        "TransferFailed",
        Some("en"),
        None,
        "live",
        "Transfer failed: {reason}"
    )));
    assert_eq!(
        definitions(db, "xliff/errors-v2.ru.xliff")[1],
        row(
            "err.card_blocked",
            ru,
            None,
            "live",
            "Карта заблокирована. Позвоните по номеру {phone}."
        )
    );

    // SQL: q-quotes of every delimiter, '' escapes, concatenation, the broken row skipped.
    let sql = definitions(db, "sql/messages.sql");
    let keys: Vec<&str> = sql.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        keys,
        [
            "CARD_BLOCKED",
            "PIN_WRONG",
            "QUOTED",
            "Q_BRACKET",
            "Q_BRACE",
            "Q_PAREN",
            "Q_ANGLE",
            "Q_BANG",
            "AFTER_BROKEN",
            "-20101",
            "-20102"
        ]
    );
    let texts: Vec<&str> = sql.iter().map(|r| r.4.as_str()).collect();
    assert_eq!(
        texts[..8],
        [
            "Карта заблокирована; обратитесь в банк",
            "Неверный PIN-код. Осталось попыток: {:attempts}",
            "Операция 'перевод' отклонена",
            "Don't retry; it's final",
            "Лимит {0} превышен",
            "Ошибка (код 5)",
            "Сумма > лимита",
            "Счёт 'закрыт'",
        ]
    );
    assert_eq!(texts[9], "Сумма {TO_CHAR(p_amount)} превышает лимит");
    assert_eq!(
        limits(db, "sql/messages.sql"),
        vec![
            limit("err_messages.code", 10, "bytes:database"),
            limit("err_messages.lang", 2, "bytes:database"),
            limit("err_messages.text", 200, "chars"),
            limit("err_messages.sms_text", 160, "bytes:database"),
            limit("err_messages.text_ucs", 70, "utf16"),
        ]
    );

    // COBOL: the continued literal joins at column 72; the PIC size's padding
    // is the field's, not the text's.
    let cobol = definitions(db, "cobol/ERRMSG.cpy");
    let joined = "Операция отклонена банком-эмитентом. Обратитесь в банк";
    assert_eq!(cobol[0].4, joined);
    assert_eq!(cobol[1].4, "Карта заблокирована");
    assert_eq!(cobol.len(), 3);
    let layout = limits(db, "cobol/ERRMSG.cpy");
    assert_eq!(layout[0], limit("ERRMSG-AREA", 267, "bytes:system"));
    assert!(layout.contains(&limit("ERRMSG-AREA.ERR-AMOUNT", 6, "bytes:system")));
    assert!(layout.contains(&limit("ERRMSG-AREA.ERR-LINES", 32, "bytes:system")));
    assert!(layout.contains(&limit("ERRMSG-AREA.ERR-NAT", 20, "utf16")));
    assert!(
        !layout
            .iter()
            .any(|l| l.0.contains("FILLER") || l.0.contains("ERR-ACTIVE"))
    );

    // XSD: types, elements and attributes using them.
    assert_eq!(
        limits(db, "xsd/payments.xsd"),
        vec![
            limit("MessageText", 140, "chars"),
            limit("SmsText", 70, "chars"),
            limit("PaymentError.Message", 140, "chars"),
            limit("PaymentError.Sms", 70, "chars"),
            limit("PaymentError.Hint", 60, "chars"),
            limit("PaymentError@lang", 70, "chars"),
        ]
    );
}
