//! The real-catalog corpus shared by the oracle tests: where it is, and how its
//! oracles' entries map to errata's definitions and limits (docs/formats.md).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// `../shared/corpus/catalogs` beside the project (`../../shared` from a git
/// worktree under `wt/`), or `ERRATA_CORPUS_DIR`. Fails loudly when absent: the
/// oracle tests never skip.
pub fn dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ERRATA_CORPUS_DIR") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "ERRATA_CORPUS_DIR is no folder: {}",
            dir.display()
        );
        return dir;
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        manifest.join("../shared/corpus/catalogs"),
        manifest.join("../../shared/corpus/catalogs"),
    ];
    candidates
        .iter()
        .find(|dir| dir.is_dir())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "the oracle corpus is missing: expected {} (the shared catalogs beside the \
                 project, read-only; set ERRATA_CORPUS_DIR to its catalogs/ folder elsewhere)",
                candidates[0].display()
            )
        })
}

/// The oracle at `relative` (under the corpus).
pub fn oracle(relative: &str) -> Value {
    let path = dir().join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read oracle {}: {e}", path.display()));
    serde_json::from_str(&text).expect("oracle is JSON")
}

/// A YAML/JSON tree oracle's paths (`ru.date.day_names[0]`) turned into errata's
/// (key, form) → text for string leaves: the locale root dropped, list indexes
/// `.i`, and a parent all of whose leaves sit directly under it with CLDR plural
/// names one message with forms.
pub fn tree_expectation(
    oracle: &Value,
    locale_root: Option<&str>,
) -> BTreeMap<(String, Option<String>), String> {
    let all = oracle["all"].as_object().expect("all");
    let index = regex::Regex::new(r"\[(\d+)\]").expect("regex");
    let paths: Vec<(String, &Value)> = all
        .iter()
        .map(|(path, v)| {
            let path = match locale_root {
                Some(root) => path
                    .strip_prefix(&format!("{root}."))
                    .unwrap_or_else(|| panic!("{path} outside the locale root"))
                    .to_string(),
                None => path.clone(),
            };
            (index.replace_all(&path, ".$1").into_owned(), v)
        })
        .collect();
    let mut children: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (path, _) in &paths {
        let mut prefix_end = path.len();
        while let Some(dot) = path[..prefix_end].rfind('.') {
            children
                .entry(&path[..dot])
                .or_default()
                .push(&path[dot + 1..]);
            prefix_end = dot;
        }
    }
    let plural = |parent: &str| {
        children.get(parent).is_some_and(|c| {
            c.iter().all(|rest| {
                !rest.contains('.') && ["zero", "one", "two", "few", "many", "other"].contains(rest)
            })
        })
    };
    paths
        .iter()
        .filter_map(|(path, v)| {
            let text = v.as_str()?.to_string();
            let key = match path.rsplit_once('.') {
                Some((parent, form)) if plural(parent) => {
                    (parent.to_string(), Some(form.to_string()))
                }
                _ => (path.clone(), None),
            };
            Some((key, text))
        })
        .collect()
}

/// The runtime strings aapt2 compiled (`android_decoded`): plural items keyed
/// `name[quantity]`, array items `name[[i]]`.
pub fn android_expectation(oracle: &Value) -> BTreeMap<String, String> {
    let mut expected = BTreeMap::new();
    for (key, value) in oracle["android_decoded"]["all"]
        .as_object()
        .expect("android_decoded")
    {
        match value {
            Value::String(s) => {
                expected.insert(key.clone(), s.clone());
            }
            Value::Object(forms) => {
                for (quantity, s) in forms {
                    expected.insert(
                        format!("{key}[{quantity}]"),
                        s.as_str().expect("a string").into(),
                    );
                }
            }
            Value::Array(items) => {
                for (i, s) in items.iter().enumerate() {
                    expected.insert(
                        format!("{key}[[{i}]]"),
                        s.as_str().expect("a string").into(),
                    );
                }
            }
            other => panic!("unexpected oracle value {other}"),
        }
    }
    expected
}

/// A DDL oracle's character columns with a length (`table.column` → n); columns
/// without one (INT, TEXT) are no limits.
pub fn ddl_lengths(oracle: &Value) -> BTreeMap<String, u64> {
    let length_type = regex::Regex::new(r"^N?(VAR)?CHAR2?\((\d+)").expect("regex");
    oracle["all"]
        .as_object()
        .expect("all")
        .iter()
        .filter_map(|(column, ty)| {
            let caps = length_type.captures(ty.as_str()?)?;
            Some((column.clone(), caps[2].parse().expect("a length")))
        })
        .collect()
}
