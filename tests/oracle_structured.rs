//! The real-catalog oracle test for the structured formats: every resx, XLIFF,
//! Android, SQL and COBOL file of `../shared/corpus/catalogs/` is read and scanned
//! as the binary does (`read::open`, then the format's scanner) and compared with
//! the `.oracle.json` its reference parser wrote (ElementTree, aapt2, sqlparse,
//! sqlglot, GnuCOBOL): entry counts and every key → value, limits and sizes.
//! Mapping differences are documented in `docs/formats.md`.

use errata::model::FormatId;
use std::collections::BTreeMap;

use errata::model::{Definition, FieldLimit, LimitUnit};
use errata::rules::SourceOptions;
use errata::scan::{Item, ScanContext};
use serde_json::Value;

mod corpus;
use corpus::oracle;

/// Scans `relative` (under the corpus) with the scanner `format`, as `errata scan` does.
fn scan(relative: &str, format: FormatId) -> Vec<Item> {
    let path = corpus::dir().join(relative);
    let scanner = errata::scan::scanner(format);
    let mut opened = errata::read::open(&path, None).expect("readable corpus file");
    let options = SourceOptions::default();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let ctx = ScanContext::new(relative, &options, as_of);
    let mut items = Vec::new();
    scanner.scan(&mut opened.reader, &ctx, &mut |i| items.push(i));
    items
}

fn definitions(items: &[Item]) -> Vec<&Definition> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Definition(d) => Some(d),
            _ => None,
        })
        .collect()
}

fn limits(items: &[Item]) -> Vec<&FieldLimit> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Limit(l) => Some(l),
            _ => None,
        })
        .collect()
}

fn warnings(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Warning(w) => Some(w.to_string()),
            _ => None,
        })
        .collect()
}

/// Key → text of definitions, failing on a key defined twice (the oracles are maps).
fn key_map<'a>(defs: impl IntoIterator<Item = &'a Definition>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for d in defs {
        let key = match &d.form {
            Some(form) => format!("{}[{form}]", d.key),
            None => d.key.clone(),
        };
        assert!(
            out.insert(key.clone(), d.text.clone()).is_none(),
            "key {key} defined twice"
        );
    }
    out
}

fn string_map(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .expect("oracle map")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_string()))
        .collect()
}

#[test]
fn resx_matches_element_tree() {
    let file = "resx/system-commandline-Resources.resx";
    let items = scan(file, FormatId::Resx);
    let oracle = oracle("resx/system-commandline-Resources.oracle.json");
    assert_eq!(warnings(&items), Vec::<String>::new());
    let defs = definitions(&items);
    assert_eq!(defs.len() as u64, oracle["entries"].as_u64().unwrap());
    assert_eq!(key_map(defs.iter().copied()), string_map(&oracle["all"]));
    let notes: BTreeMap<String, String> = defs
        .iter()
        .filter_map(|d| d.note.clone().map(|n| (d.key.clone(), n)))
        .collect();
    assert_eq!(notes, string_map(&oracle["comments"]));
}

#[test]
fn xliff_matches_element_tree() {
    let file = "xliff/system-commandline-Resources.ru.xlf";
    let items = scan(file, FormatId::Xliff);
    let oracle = oracle("xliff/system-commandline-Resources.ru.oracle.json");
    assert_eq!(warnings(&items), Vec::<String>::new());
    let defs = definitions(&items);
    let (targets, sources): (Vec<&Definition>, Vec<&Definition>) =
        defs.iter().partition(|d| d.locale.as_deref() == Some("ru"));
    assert!(sources.iter().all(|d| d.locale.as_deref() == Some("en")));
    let entries = oracle["entries"].as_u64().unwrap();
    assert_eq!(targets.len() as u64, entries);
    assert_eq!(sources.len() as u64, entries);
    assert_eq!(key_map(targets.iter().copied()), string_map(&oracle["all"]));
    assert_eq!(
        key_map(sources.iter().copied()),
        string_map(&oracle["sources"])
    );
    // The oracle counts targets by state: new → untranslated, translated → live.
    let by_kind = &oracle["entries_by_kind"];
    let count = |state| targets.iter().filter(|d| d.state == state).count() as u64;
    assert_eq!(
        count(errata::model::DefinitionState::Untranslated),
        by_kind["state=new"].as_u64().unwrap()
    );
    assert_eq!(
        count(errata::model::DefinitionState::Live),
        by_kind["state=translated"].as_u64().unwrap()
    );
}

/// Android: every `<string>`, plural item and array item against the runtime
/// strings aapt2 compiled (`android_decoded`); plural items are keyed
/// `name[quantity]`, array items `name[[i]]`.
fn android_matches_aapt2(file: &str, oracle_file: &str) {
    let items = scan(file, FormatId::Android);
    let oracle = oracle(oracle_file);
    assert_eq!(warnings(&items), Vec::<String>::new());
    let defs = definitions(&items);
    let decoded = &oracle["android_decoded"];
    assert_eq!(defs.len() as u64, oracle["entries"].as_u64().unwrap());
    assert_eq!(defs.len() as u64, decoded["entries"].as_u64().unwrap());
    let expected = corpus::android_expectation(&oracle);
    let actual = key_map(defs.iter().copied());
    for (key, text) in &expected {
        assert_eq!(actual.get(key), Some(text), "{file}: {key}");
    }
    assert_eq!(actual, expected);
}

#[test]
fn android_firebaseui_matches_aapt2() {
    android_matches_aapt2(
        "android/firebaseui-auth-values-ru-strings.xml",
        "android/firebaseui-auth-values-ru-strings.oracle.json",
    );
}

#[test]
fn android_markor_matches_aapt2() {
    android_matches_aapt2(
        "android/markor-values-ru-strings.xml",
        "android/markor-values-ru-strings.oracle.json",
    );
}

/// SQL messages: every RAISE_APPLICATION_ERROR (keyed by its code) and
/// DBMS_OUTPUT.PUT_LINE, with line and text as the sqlparse oracle reports them.
fn sql_messages_match_sqlparse(file: &str, oracle_file: &str) {
    let items = scan(file, FormatId::Sql);
    let oracle = oracle(oracle_file);
    assert_eq!(warnings(&items), Vec::<String>::new());
    let mut expected = Vec::new();
    for raise in oracle["raise_application_error"].as_array().unwrap() {
        expected.push((
            raise["code"].as_str().unwrap().to_string(),
            raise["line"].as_u64().unwrap(),
            raise["text"].as_str().unwrap().to_string(),
        ));
    }
    for put in oracle["dbms_output_put_line"].as_array().unwrap() {
        expected.push((
            "DBMS_OUTPUT.PUT_LINE".to_string(),
            put["line"].as_u64().unwrap(),
            put["text"].as_str().unwrap().to_string(),
        ));
    }
    expected.sort();
    let mut actual: Vec<(String, u64, String)> = definitions(&items)
        .iter()
        .map(|d| (d.key.clone(), d.location.line, d.text.clone()))
        .collect();
    actual.sort();
    assert_eq!(actual.len() as u64, oracle["entries"].as_u64().unwrap());
    assert_eq!(actual, expected);
}

#[test]
fn sql_hr_install_matches_sqlparse() {
    sql_messages_match_sqlparse(
        "sql/oracle-db-sample-schemas-hr_install.sql",
        "sql/oracle-db-sample-schemas-hr_install.oracle.json",
    );
}

#[test]
fn sql_hr_code_matches_sqlparse() {
    sql_messages_match_sqlparse(
        "sql/oracle-db-sample-schemas-hr_code.sql",
        "sql/oracle-db-sample-schemas-hr_code.oracle.json",
    );
}

/// SQL DDL: every character column with a length is a limit of that length, named
/// `table.column`; columns without one (INT, TEXT) are not limits.
#[test]
fn sql_ddl_matches_sqlglot() {
    let items = scan("sql/yii2-i18n-schema-mysql.sql", FormatId::Sql);
    let oracle = oracle("sql/yii2-i18n-schema-mysql.oracle.json");
    assert_eq!(warnings(&items), Vec::<String>::new());
    assert!(definitions(&items).is_empty());
    let expected = corpus::ddl_lengths(&oracle);
    assert_eq!(expected.len(), 2, "the oracle has two VARCHAR(n) columns");
    let actual: BTreeMap<String, u64> = limits(&items)
        .iter()
        .map(|l| (l.field.clone(), l.max))
        .collect();
    assert_eq!(actual, expected);
    assert!(
        limits(&items)
            .iter()
            .all(|l| l.unit == LimitUnit::database_bytes())
    );
}

/// COBOL: every data item's size (groups included) from GnuCOBOL's symbol table,
/// as the limit of the field whose path ends in its name; every elementary PIC X
/// item counted; every non-blank initial value as a definition keyed by the name
/// (blank ones — `VALUE SPACES` — are not texts, see docs/formats.md).
fn cobol_matches_gnucobol(file: &str, oracle_file: &str) {
    let items = scan(file, FormatId::Cobol);
    let oracle = oracle(oracle_file);
    assert_eq!(warnings(&items), Vec::<String>::new());
    let limits = limits(&items);
    let by_name: BTreeMap<&str, &FieldLimit> = limits
        .iter()
        .map(|l| (l.field.rsplit('.').next().unwrap(), *l))
        .collect();
    let symbols = oracle["symbols"].as_array().unwrap();
    assert_eq!(limits.len(), symbols.len());
    for symbol in symbols {
        let name = symbol["name"].as_str().unwrap();
        let limit = by_name
            .get(name)
            .unwrap_or_else(|| panic!("{file}: no limit for {name}"));
        assert_eq!(
            limit.max,
            symbol["size"].as_u64().unwrap(),
            "{file}: {name}"
        );
        assert_eq!(limit.unit, LimitUnit::system_bytes());
    }
    let all = oracle["all"].as_object().unwrap();
    let alphanumeric = symbols
        .iter()
        .filter(|s| s["type"] == "ALPHANUMERIC")
        .count();
    assert_eq!(alphanumeric as u64, oracle["entries"].as_u64().unwrap());
    assert_eq!(alphanumeric, all.len());
    let expected: BTreeMap<String, String> = all
        .iter()
        .filter_map(|(name, field)| {
            // GnuCOBOL's runtime value is padded to the PIC size; errata's
            // text is without the field's padding (its size is the limit above).
            let value = field["value"].as_str()?.trim_end_matches(' ');
            (!value.is_empty()).then(|| (name.clone(), value.to_string()))
        })
        .collect();
    assert_eq!(
        expected.len() as u64,
        oracle["entries_by_kind"]["pic_x_with_text_value"]
            .as_u64()
            .unwrap()
    );
    assert_eq!(key_map(definitions(&items)), expected);
}

#[test]
fn cobol_csmsg01y_matches_gnucobol() {
    cobol_matches_gnucobol(
        "cobol/carddemo-CSMSG01Y.cpy",
        "cobol/carddemo-CSMSG01Y.oracle.json",
    );
}

#[test]
fn cobol_csmsg02y_matches_gnucobol() {
    cobol_matches_gnucobol(
        "cobol/carddemo-CSMSG02Y.cpy",
        "cobol/carddemo-CSMSG02Y.oracle.json",
    );
}
