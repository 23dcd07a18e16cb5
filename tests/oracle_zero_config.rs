//! The oracle test, zero-config: `errata scan` on the whole corpus folder
//! (`../shared/corpus/catalogs/`, 16 real catalogs beside their oracles), with
//! no rules and no declared encoding, as a new user would run it. Every
//! definition the JSON report gives for each catalog must be exactly the
//! oracle's texts (per file, as a multiset of key → text through the mappings
//! `tests/oracle.rs` and `tests/oracle_structured.rs` document), and the field
//! limits in the catalog exactly the oracle's column and data item sizes. The
//! scan reads the oracles' own `.oracle.json` files too (they are JSON): their
//! definitions are not compared.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

mod common;
mod corpus;

/// A catalog of the corpus: its path under the corpus, its format folder, its oracle.
struct Catalog {
    relative: String,
    folder: String,
    oracle: Value,
}

fn catalogs(corpus: &Path) -> Vec<Catalog> {
    let mut out = Vec::new();
    for folder in std::fs::read_dir(corpus).expect("corpus lists") {
        let folder = folder.expect("entry").path();
        if !folder.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&folder).expect("folder lists") {
            let path = file.expect("entry").path();
            if path.to_string_lossy().ends_with(".oracle.json") {
                continue;
            }
            let oracle_path = path.with_extension("oracle.json");
            let oracle = std::fs::read_to_string(&oracle_path)
                .unwrap_or_else(|e| panic!("{}: {e}", oracle_path.display()));
            out.push(Catalog {
                relative: path
                    .strip_prefix(corpus)
                    .expect("under the corpus")
                    .display()
                    .to_string(),
                folder: folder
                    .file_name()
                    .expect("named")
                    .to_string_lossy()
                    .into_owned(),
                oracle: serde_json::from_str(&oracle).expect("oracle is JSON"),
            });
        }
    }
    out.sort_by(|a, b| a.relative.cmp(&b.relative));
    out
}

fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_string()
}

fn map_of(value: &Value) -> Vec<(String, String)> {
    value
        .as_object()
        .expect("an oracle map")
        .iter()
        .map(|(k, v)| (k.clone(), text(v)))
        .collect()
}

/// gettext entries: untranslated ones show their msgid; plural forms are `key[[i]]`.
fn po_entries(entries: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (key, value) in entries.as_object().expect("po entries") {
        let msgid = key.rsplit('\u{4}').next().unwrap_or(key);
        match value {
            Value::String(s) if s.is_empty() => out.push((key.clone(), msgid.to_string())),
            Value::String(s) => out.push((key.clone(), s.clone())),
            Value::Array(forms) => {
                for (i, form) in forms.iter().enumerate() {
                    let form = text(form);
                    assert!(
                        !form.is_empty(),
                        "{key}: an untranslated plural form (the corpus has none)"
                    );
                    out.push((format!("{key}[[{i}]]"), form));
                }
            }
            other => panic!("{key}: unexpected po oracle value {other}"),
        }
    }
    out
}

/// YAML/JSON string leaves as `key` or `key[form]` → text.
fn tree_entries(oracle: &Value, locale_root: Option<&str>) -> Vec<(String, String)> {
    corpus::tree_expectation(oracle, locale_root)
        .into_iter()
        .map(|((key, form), text)| match form {
            Some(form) => (format!("{key}[{form}]"), text),
            None => (key, text),
        })
        .collect()
}

/// The COBOL oracle holds GnuCOBOL's runtime values, padded to the PIC size:
/// compared right-trimmed. Blank values (`VALUE SPACES`) are no texts.
fn cobol_text(value: &str) -> String {
    value.trim_end().to_string()
}

/// Every text the oracle has for a catalog, as (key, text), sorted.
fn expected_texts(catalog: &Catalog) -> Vec<(String, String)> {
    let oracle = &catalog.oracle;
    let mut out = match catalog.folder.as_str() {
        "properties" | "resx" => map_of(&oracle["all"]),
        "po" => {
            let mut all = po_entries(&oracle["all"]);
            all.extend(po_entries(&oracle["obsolete"]));
            all
        }
        "yaml" => tree_entries(oracle, Some("ru")),
        "json" => tree_entries(oracle, None),
        "xliff" => {
            let mut all: Vec<(String, String)> = map_of(&oracle["all"])
                .into_iter()
                .map(|(k, v)| (format!("{k}@ru"), v))
                .collect();
            all.extend(
                map_of(&oracle["sources"])
                    .into_iter()
                    .map(|(k, v)| (format!("{k}@en"), v)),
            );
            all
        }
        "android" => corpus::android_expectation(oracle).into_iter().collect(),
        "sql" if oracle["mode"] == "ddl" => Vec::new(),
        "sql" => {
            let calls = |field: &str, key: Option<&str>| -> Vec<(String, String)> {
                oracle[field]
                    .as_array()
                    .expect("sql calls")
                    .iter()
                    .map(|call| {
                        let key = key.map_or_else(|| text(&call["code"]), str::to_string);
                        (key, text(&call["text"]))
                    })
                    .collect()
            };
            let mut all = calls("raise_application_error", None);
            all.extend(calls("dbms_output_put_line", Some("DBMS_OUTPUT.PUT_LINE")));
            all
        }
        "cobol" => oracle["all"]
            .as_object()
            .expect("all")
            .iter()
            .filter_map(|(name, field)| {
                let value = field["value"].as_str()?;
                (!value.trim().is_empty()).then(|| (name.clone(), cobol_text(value)))
            })
            .collect(),
        other => panic!("no oracle mapping for the corpus folder `{other}`"),
    };
    out.sort();
    out
}

/// What the report gives for a catalog, keyed as [`expected_texts`] keys.
fn reported_texts(catalog: &Catalog, definitions: &[&Value]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = definitions
        .iter()
        .map(|d| {
            let mut key = text(&d["key"]);
            if let Some(form) = d["form"].as_str() {
                key = format!("{key}[{form}]");
            }
            if catalog.folder == "xliff" {
                key = format!("{key}@{}", d["locale"].as_str().unwrap_or("-"));
            }
            // The oracle reads files as `Properties.load` does: the value as
            // written, which the report keeps as `raw` when MessageFormat
            // quoting was undone for the runtime text.
            let mut t = text(if d["raw"].is_string() {
                &d["raw"]
            } else {
                &d["text"]
            });
            if catalog.folder == "cobol" {
                t = cobol_text(&t);
            }
            (key, t)
        })
        .collect();
    out.sort();
    out
}

/// Field limits the oracle declares: SQL DDL `VARCHAR(n)` columns by `table.column`,
/// COBOL data items by name (groups included), with their sizes.
fn expected_limits(catalog: &Catalog) -> Vec<(String, u64)> {
    let oracle = &catalog.oracle;
    let mut out: Vec<(String, u64)> = match catalog.folder.as_str() {
        "sql" if oracle["mode"] == "ddl" => corpus::ddl_lengths(oracle).into_iter().collect(),
        "cobol" => oracle["symbols"]
            .as_array()
            .expect("symbols")
            .iter()
            .map(|s| (text(&s["name"]), s["size"].as_u64().expect("size")))
            .collect(),
        _ => Vec::new(),
    };
    out.sort();
    out
}

/// The limits the catalog stored for a file: COBOL ones by their item's own name.
fn stored_limits(db: &Path, catalog: &Catalog, path: &str) -> Vec<(String, u64)> {
    let conn = rusqlite::Connection::open(db).expect("catalog opens");
    let mut statement = conn
        .prepare("SELECT field, max FROM limits WHERE path = ?1")
        .expect("query");
    let mut out: Vec<(String, u64)> = statement
        .query_map([path], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })
        .expect("rows")
        .map(|r| r.expect("row"))
        .map(|(field, max)| {
            let max = u64::try_from(max).expect("a size");
            match catalog.folder.as_str() {
                "cobol" => (field.rsplit('.').next().unwrap_or(&field).to_string(), max),
                _ => (field, max),
            }
        })
        .collect();
    out.sort();
    out
}

#[test]
fn zero_config_scan_of_the_corpus_gives_exactly_the_oracle_texts() {
    let corpus = corpus::dir().canonicalize().expect("corpus path");
    let catalogs = catalogs(&corpus);
    assert_eq!(catalogs.len(), 16, "the corpus has 16 catalogs");

    // From an empty folder, so that no ./rules/ applies: zero-config.
    let (_dir, db, summary) = common::zero_config_scan(&corpus);
    assert_eq!(summary["warnings"], serde_json::json!([]), "no warning");
    let readme = corpus.join("README.md").display().to_string();
    assert_eq!(
        summary["passed_over"]["unknown_format"]["examples"],
        serde_json::json!([readme]),
        "only the README is passed over"
    );
    let out = Command::cargo_bin("errata")
        .expect("binary")
        .args(["report", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .expect("report runs");
    let report: Value = serde_json::from_slice(&out.stdout).expect("report is JSON");
    let definitions = report["definitions"].as_array().expect("definitions");
    // One inconsistent-text flag per group of related definitions (#11), as
    // many as the independent oracle counts on the same definitions.
    let flags = report["flags"].as_array().expect("flags");
    let inconsistent = flags
        .iter()
        .filter(|f| f["kind"] == "inconsistent-text")
        .count();
    assert_eq!(inconsistent, common::oracle_groups(&out.stdout));
    assert!(inconsistent > 0);

    let mut compared = 0;
    for catalog in &catalogs {
        let path = corpus.join(&catalog.relative).display().to_string();
        let of_file: Vec<&Value> = definitions
            .iter()
            .filter(|d| d["source"]["path"] == path.as_str())
            .collect();
        // The system is the catalog's folder, as zero-config names it.
        assert!(
            of_file
                .iter()
                .all(|d| d["system"] == catalog.folder.as_str()),
            "{}: system",
            catalog.relative
        );
        assert_eq!(
            reported_texts(catalog, &of_file),
            expected_texts(catalog),
            "{}: key → text",
            catalog.relative
        );
        assert_eq!(
            stored_limits(&db, catalog, &path),
            expected_limits(catalog),
            "{}: field limits",
            catalog.relative
        );
        compared += of_file.len();
    }
    // Every other definition comes from an oracle's own JSON.
    let others: Vec<&str> = definitions
        .iter()
        .filter_map(|d| d["source"]["path"].as_str())
        .filter(|p| !p.ends_with(".oracle.json"))
        .collect();
    assert_eq!(others.len(), compared);
    // Where the runtime text differs from the file's value: Spring formats
    // `{0}` messages with MessageFormat, which drops the quotes of `'auth'`.
    let unquoted: Vec<(&str, &str)> = definitions
        .iter()
        .filter(|d| d["raw"].is_string())
        .map(|d| (d["key"].as_str().unwrap(), d["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        unquoted,
        vec![(
            "DigestAuthenticationFilter.missingAuth",
            "Отсутствует обязательное значение дайджеста для auth QOP; полученный заголовок {0}"
        )]
    );
}
