//! `placeholder-mismatch`: translations of one key with different placeholders.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::mask::placeholder_names;
use crate::model::{KindId, Severity};

pub struct PlaceholderMismatch;

pub static INFO: KindInfo = KindInfo {
    id: KindId::PlaceholderMismatch,
    severity: Severity::Error,
    title: "Translations with different placeholders",
    advice: "Give every translation of the key the same placeholders.",
    needs_observations: false,
    what: "A key whose translations (locales of one system) use different sets of placeholders, as written (`{0}`, `{amount}`, `%s`, `%1$s`, `${name}`…). The placeholders of all plural forms of a locale count together, since a form may rightly omit the number.",
    why: "A translation missing `{amount}` hides the amount from the client; an extra one prints a raw `{1}` or crashes the formatter.",
    evidence: "Each locale's placeholders, with `path:line` of its definitions.",
    fix: "Make every translation use the placeholders of the source text.",
    suppress: "`suppress: [{kind: placeholder-mismatch, system: web, key: err.limit, reason: …}]`.",
};

impl FlagKind for PlaceholderMismatch {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        check_with(input, placeholder_names)
    }
}

/// The check, with the placeholder recogniser given (the mask stage's in production).
fn check_with(input: &AuditInput<'_>, names: impl Fn(&str) -> Vec<String>) -> Vec<Flag> {
    type Locales<'a> = BTreeMap<&'a str, (BTreeSet<String>, Vec<String>)>;
    let mut keys: BTreeMap<(&str, &str), Locales<'_>> = BTreeMap::new();
    for d in input
        .live_definitions()
        .filter(|d| !d.row.text.trim().is_empty())
    {
        let entry = keys
            .entry((&d.row.system, &d.row.key))
            .or_default()
            .entry(d.row.locale.as_deref().unwrap_or("-"))
            .or_default();
        entry.0.extend(names(&d.row.text));
        entry.1.push(super::at(d));
    }
    keys.into_iter()
        .filter(|(_, locales)| {
            let sets: BTreeSet<&BTreeSet<String>> = locales.values().map(|(s, _)| s).collect();
            sets.len() > 1
        })
        .map(|((system, key), locales)| {
            let summary: Vec<String> = locales
                .iter()
                .map(|(locale, (set, _))| {
                    let set: Vec<&str> = set.iter().map(String::as_str).collect();
                    format!(
                        "{locale}: {}",
                        if set.is_empty() {
                            "none".to_string()
                        } else {
                            set.join(" ")
                        }
                    )
                })
                .collect();
            let evidence: BTreeMap<&str, serde_json::Value> = locales
                .iter()
                .map(|(locale, (set, at))| (*locale, json!({"placeholders": set, "at": at})))
                .collect();
            Flag::on_key(
                INFO.id,
                system,
                key,
                format!(
                    "`{key}` translations differ in placeholders ({})",
                    summary.join("; ")
                ),
                json!({"locales": evidence}),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;

    /// `{name}` placeholders only: enough to test the grouping.
    fn braces(text: &str) -> Vec<String> {
        regex::Regex::new(r"\{\w+\}")
            .unwrap()
            .find_iter(text)
            .map(|m| m.as_str().to_string())
            .collect()
    }

    #[test]
    fn a_translation_missing_a_placeholder_is_flagged() {
        let defs = vec![
            def(
                "web",
                "err.limit",
                "ru",
                "Сумма {amount} превышает лимит {limit}",
            ),
            def("web", "err.limit", "en", "Amount exceeds the limit {limit}"),
            def("web", "err.ok", "ru", "Перевод {amount} выполнен"),
            def("web", "err.ok", "en", "Transfer of {amount} done"),
            def(
                "crm",
                "err.limit",
                "ru",
                "Сумма {amount} превышает лимит {limit}",
            ),
        ];
        let snap = snapshot(defs, vec![]);
        let rules = rules("{}");
        let flags = check_with(&input(&snap, &rules), braces);
        assert_eq!(
            subjects(&snap, &flags),
            vec![("web".to_string(), "err.limit".to_string())]
        );
        assert_eq!(
            flags[0].evidence["locales"]["en"]["placeholders"],
            json!(["{limit}"])
        );
        assert!(
            flags[0].message.contains("ru: {amount} {limit}"),
            "{}",
            flags[0].message
        );
    }
}
