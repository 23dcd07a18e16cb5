//! The real-catalog oracle test for the text catalog formats.
//!
//! `../shared/corpus/catalogs/` (beside the project; `ERRATA_CORPUS_DIR`
//! overrides it) holds real public catalogs, each with `<name>.oracle.json`, the
//! result of the format's reference parser (java.util.Properties, polib/msgfmt,
//! PyYAML, Python json). Every properties, po, yaml and json catalog there is
//! read the way the binary reads it (`read::open` with the source's charset,
//! then the format's scanner), and its entry counts and every key → value must
//! match the oracle exactly, through the documented mapping (docs/formats.md):
//! repeated keys keep the last value as the reference parsers do, gettext
//! contexts are `msgctxt\u{4}msgid`, plural forms `[n]`, untranslated entries
//! carry the msgid gettext shows instead, YAML/JSON locale roots are dropped,
//! list indexes are `.i` and CLDR plural maps are forms of one key.

use errata::model::FormatId;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use errata::charset::Charset;
use errata::model::{Definition, DefinitionState, Warning};
use errata::read;
use errata::rules::SourceOptions;
use errata::scan::{self, Item, ScanContext};
use serde_json::Value;

mod corpus;

/// The catalogs of one format folder, with their oracles.
fn catalogs(format_dir: &str, extension: &str) -> Vec<(PathBuf, Value)> {
    let dir = corpus::dir().join(format_dir);
    let mut out: Vec<(PathBuf, Value)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .filter(|p| !p.to_string_lossy().ends_with(".oracle.json"))
        .map(|p| {
            let oracle_path = p.with_extension("oracle.json");
            let oracle = std::fs::read_to_string(&oracle_path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", oracle_path.display()));
            let oracle = serde_json::from_str(&oracle).expect("oracle is JSON");
            (p, oracle)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        !out.is_empty(),
        "no .{extension} catalogs in {}",
        dir.display()
    );
    out
}

/// Scans a file as `errata scan` does: decode, then the named scanner.
fn scan_file(
    path: &Path,
    format: FormatId,
    charset: Option<&str>,
) -> (Vec<Definition>, Vec<Warning>) {
    let declared = charset.map(|c| Charset::from_label(c).expect("known charset"));
    let mut opened = read::open(path, declared).expect("corpus file opens");
    let scanner = scan::scanner(format);
    let options = SourceOptions::default();
    let display = path.display().to_string();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("date");
    let ctx = ScanContext {
        charset: Some(opened.charset.name()),
        ..ScanContext::new(&display, &options, as_of)
    };
    let mut definitions = Vec::new();
    let mut warnings = Vec::new();
    scanner.scan(&mut opened.reader, &ctx, &mut |item| match item {
        Item::Definition(d) => definitions.push(d),
        Item::Warning(w) => warnings.push(w),
        other => panic!("{format} scanner yielded {other:?}"),
    });
    (definitions, warnings)
}

fn oracle_str<'a>(oracle: &'a Value, field: &str) -> &'a str {
    oracle[field]
        .as_str()
        .unwrap_or_else(|| panic!("oracle has no `{field}`"))
}

fn oracle_count(oracle: &Value, pointer: &str) -> usize {
    oracle
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("oracle has no `{pointer}`")) as usize
}

#[test]
fn properties_match_java_util_properties() {
    for (path, oracle) in catalogs("properties", "properties") {
        let name = path.display();
        let (defs, warnings) = scan_file(
            &path,
            FormatId::Properties,
            Some(oracle_str(&oracle, "encoding")),
        );
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        // Java keeps the last value of a repeated key; errata emits each occurrence.
        // `Properties.load`'s value is the raw text when MessageFormat quoting
        // was undone (tests/oracle_zero_config.rs asserts which).
        let got: BTreeMap<String, String> = defs
            .iter()
            .map(|d| {
                (
                    d.key.clone(),
                    d.raw.clone().unwrap_or_else(|| d.text.clone()),
                )
            })
            .collect();
        let expected: BTreeMap<String, String> = oracle["all"]
            .as_object()
            .expect("all")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_string()))
            .collect();
        assert_eq!(
            got.len(),
            oracle_count(&oracle, "/entries"),
            "{name}: entry count"
        );
        assert_eq!(got, expected, "{name}: key → value");
        assert!(
            defs.iter().all(|d| d.locale.as_deref() == Some("ru")),
            "{name}: locale from the bundle name"
        );
    }
}

/// An oracle's `all`/`obsolete` value compared with errata's forms of one key.
fn check_po_value(name: &str, key: &str, expected: &Value, forms: &[&Definition]) {
    let msgid = key.rsplit('\u{4}').next().unwrap_or(key);
    let check = |want: &str, d: &Definition, first_form: bool| {
        if want.is_empty() {
            // Untranslated: gettext shows the msgid (msgid_plural for later forms).
            assert!(
                matches!(
                    d.state,
                    DefinitionState::Untranslated | DefinitionState::Obsolete
                ),
                "{name}: {key:?} should be untranslated, is {:?}",
                d.state
            );
            if first_form {
                assert_eq!(d.text, msgid, "{name}: {key:?} falls back to its msgid");
            } else {
                assert!(
                    !d.text.is_empty(),
                    "{name}: {key:?} falls back to msgid_plural"
                );
            }
        } else {
            assert_eq!(d.text, want, "{name}: {key:?}");
        }
    };
    match expected {
        Value::String(want) => {
            assert_eq!(forms.len(), 1, "{name}: {key:?} is singular");
            assert_eq!(forms[0].form, None, "{name}: {key:?} has no form");
            check(want, forms[0], true);
        }
        Value::Array(wants) => {
            assert_eq!(
                forms.len(),
                wants.len(),
                "{name}: {key:?} plural form count"
            );
            for (i, (want, d)) in wants.iter().zip(forms).enumerate() {
                assert_eq!(
                    d.form.as_deref(),
                    Some(format!("[{i}]").as_str()),
                    "{name}: {key:?}"
                );
                check(want.as_str().expect("string form"), d, i == 0);
            }
        }
        other => panic!("{name}: unexpected oracle value {other}"),
    }
}

/// Definitions grouped by key, in file order within each key.
fn by_key<'a>(defs: impl Iterator<Item = &'a Definition>) -> BTreeMap<String, Vec<&'a Definition>> {
    let mut out: BTreeMap<String, Vec<&Definition>> = BTreeMap::new();
    for d in defs {
        out.entry(d.key.clone()).or_default().push(d);
    }
    out
}

fn keys_of(oracle: &Value, field: &str) -> BTreeSet<String> {
    match &oracle[field] {
        Value::Array(keys) => keys
            .iter()
            .map(|k| k.as_str().expect("key").to_string())
            .collect(),
        Value::Object(map) => map.keys().cloned().collect(),
        other => panic!("oracle `{field}` is {other}"),
    }
}

#[test]
fn po_matches_polib_and_msgfmt() {
    for (path, oracle) in catalogs("po", "po") {
        let name = path.display();
        let (defs, warnings) = scan_file(&path, FormatId::Po, None);
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        let live = by_key(defs.iter().filter(|d| d.state != DefinitionState::Obsolete));
        let obsolete = by_key(defs.iter().filter(|d| d.state == DefinitionState::Obsolete));

        assert_eq!(
            live.len(),
            oracle_count(&oracle, "/entries"),
            "{name}: entries"
        );
        assert_eq!(
            obsolete.len(),
            oracle_count(&oracle, "/entries_by_kind/obsolete"),
            "{name}: obsolete entries"
        );
        let live_keys: BTreeSet<String> = live.keys().cloned().collect();
        assert_eq!(live_keys, keys_of(&oracle, "all"), "{name}: live keys");
        let obsolete_keys: BTreeSet<String> = obsolete.keys().cloned().collect();
        assert_eq!(
            obsolete_keys,
            keys_of(&oracle, "obsolete"),
            "{name}: obsolete keys"
        );
        for (key, forms) in &live {
            check_po_value(&name.to_string(), key, &oracle["all"][key], forms);
        }
        for (key, forms) in &obsolete {
            check_po_value(&name.to_string(), key, &oracle["obsolete"][key], forms);
        }

        let with_state = |state: DefinitionState| -> BTreeSet<String> {
            live.iter()
                .filter(|(_, forms)| forms.iter().any(|d| d.state == state))
                .map(|(k, _)| k.clone())
                .collect()
        };
        assert_eq!(
            with_state(DefinitionState::Fuzzy),
            keys_of(&oracle, "fuzzy_keys"),
            "{name}: fuzzy"
        );
        assert_eq!(
            with_state(DefinitionState::Untranslated),
            keys_of(&oracle, "untranslated_keys"),
            "{name}: untranslated"
        );
        assert_eq!(
            live.values().filter(|f| f[0].form.is_some()).count(),
            oracle_count(&oracle, "/entries_by_kind/with_plural"),
            "{name}: plural entries"
        );
        assert_eq!(
            live.keys().filter(|k| k.contains('\u{4}')).count(),
            oracle_count(&oracle, "/entries_by_kind/with_msgctxt"),
            "{name}: entries with msgctxt"
        );
        // msgfmt --statistics counts the same translated messages.
        let translated = live
            .values()
            .filter(|f| f.iter().all(|d| d.state == DefinitionState::Live))
            .count();
        assert_eq!(
            translated,
            oracle_count(&oracle, "/msgfmt_counts/translated"),
            "{name}: translated"
        );
        assert!(
            defs.iter().all(|d| d.locale.as_deref() == Some("ru")),
            "{name}: header Language"
        );
        assert!(
            defs.iter().filter(|d| d.note.is_some()).count() * 2 > defs.len(),
            "{name}: `#:` references kept as notes"
        );
    }
}

fn check_tree(format: FormatId, folder: &str, extension: &str, locale_root: Option<&str>) {
    for (path, oracle) in catalogs(folder, extension) {
        let name = path.display();
        let (defs, warnings) = scan_file(&path, format, None);
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
        assert_eq!(
            defs.len(),
            oracle_count(&oracle, "/entries"),
            "{name}: string leaves"
        );
        let got: BTreeMap<(String, Option<String>), String> = defs
            .iter()
            .map(|d| ((d.key.clone(), d.form.clone()), d.text.clone()))
            .collect();
        assert_eq!(got.len(), defs.len(), "{name}: no key repeats");
        assert_eq!(
            got,
            corpus::tree_expectation(&oracle, locale_root),
            "{name}: key → value"
        );
        assert!(
            defs.iter().all(|d| d.locale.as_deref() == locale_root),
            "{name}: locale from the root key"
        );
        assert!(
            defs.windows(2)
                .all(|w| w[0].location.line <= w[1].location.line)
                && defs.iter().all(|d| d.location.line > 1),
            "{name}: lines follow the document"
        );
    }
}

#[test]
fn yaml_matches_pyyaml() {
    check_tree(FormatId::Yaml, "yaml", "yml", Some("ru"));
}

#[test]
fn json_matches_python_json() {
    check_tree(FormatId::JsonI18n, "json", "json", None);
}
