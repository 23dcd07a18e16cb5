//! `inconsistent-text`: one code, several texts; one text, several codes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::catalog::DefinitionView;
use crate::model::{KindId, Severity};

pub struct InconsistentText;

pub static INFO: KindInfo = KindInfo {
    id: KindId::InconsistentText,
    severity: Severity::Warning,
    title: "Same code, different texts across systems",
    advice: "Agree on one text per code across systems.",
    needs_observations: false,
    what: "Either the same key (error code) defined by several systems in the same locale with different texts, or the same text (same locale) defined under different keys (keys that are their own text, as program literals and screen labels are, are no codes and are left out). Texts are compared as templates, so placeholder syntax (`{0}` vs `%s`) does not count as a difference. One flag per system and key involved.",
    why: "A client who meets error E42 in the app and at the branch should read the same thing; and one text under two codes means support cannot tell which case happened.",
    evidence: "`same_key`: the locale and every system's text with `path:line`; or `same_text`: the locale, the text and the other keys with their systems and `path:line`.",
    fix: "Agree on one text per code (usually in the system that owns the code) and copy it; give distinct cases distinct texts, or merge their codes.",
    suppress: "`suppress: [{kind: inconsistent-text, system: crm, key: E42, reason: …}]`.",
};

impl FlagKind for InconsistentText {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        let live: Vec<&DefinitionView> = input
            .live_definitions()
            .filter(|d| !d.row.text.trim().is_empty())
            .collect();
        let mut flags = Vec::new();

        let mut by_key: BTreeMap<(&str, Option<&str>), Vec<&DefinitionView>> = BTreeMap::new();
        for d in &live {
            by_key
                .entry((&d.row.key, d.row.locale.as_deref()))
                .or_default()
                .push(d);
        }
        for ((key, locale), defs) in &by_key {
            let systems: BTreeSet<&str> = defs.iter().map(|d| d.row.system.as_str()).collect();
            let texts: BTreeSet<&str> = defs.iter().map(|d| d.row.template.as_str()).collect();
            if systems.len() < 2 || texts.len() < 2 {
                continue;
            }
            let variants: Vec<_> = defs
                .iter()
                .map(|d| json!({"system": d.row.system, "text": d.row.text, "at": super::at(d)}))
                .collect();
            for system in &systems {
                flags.push(Flag::on_key(
                    INFO.id,
                    system,
                    key,
                    format!(
                        "`{key}` ({}) has {} different texts in {}",
                        locale.unwrap_or("-"),
                        texts.len(),
                        systems.iter().copied().collect::<Vec<_>>().join(", ")
                    ),
                    json!({"same_key": {"locale": locale, "texts": variants}}),
                ));
            }
        }

        let mut by_text: BTreeMap<(&str, Option<&str>), Vec<&DefinitionView>> = BTreeMap::new();
        // A key that is its own text (program literals, screen labels) is no
        // code: "Error 1 in PGM1" and "Error 2 in PGM2" are one template under
        // two such keys, not one text under two codes (issue #10: 10,000 COBOL
        // programs made this quadratic).
        for d in live.iter().filter(|d| d.row.key != d.row.text.trim()) {
            by_text
                .entry((&d.row.template, d.row.locale.as_deref()))
                .or_default()
                .push(d);
        }
        for ((_, locale), defs) in &by_text {
            let keys: BTreeSet<(&str, &str)> = defs
                .iter()
                .map(|d| (d.row.system.as_str(), d.row.key.as_str()))
                .collect();
            let distinct_keys: BTreeSet<&str> = keys.iter().map(|(_, k)| *k).collect();
            if distinct_keys.len() < 2 {
                continue;
            }
            for (system, key) in &keys {
                let others: Vec<_> = defs
                    .iter()
                    .filter(|d| d.row.key != *key)
                    .map(|d| json!({"system": d.row.system, "key": d.row.key, "at": super::at(d)}))
                    .collect();
                flags.push(Flag::on_key(
                    INFO.id,
                    system,
                    key,
                    format!(
                        "`{key}` ({}) has the same text as {} other key(s)",
                        locale.unwrap_or("-"),
                        distinct_keys.len() - 1
                    ),
                    json!({"same_text": {"locale": locale, "text": defs[0].row.text, "other_keys": others}}),
                ));
            }
        }
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;

    #[test]
    fn same_code_different_texts_and_same_text_different_codes() {
        let defs = vec![
            def("abs", "E42", "ru", "Недостаточно средств"),
            def("crm", "E42", "ru", "На счёте недостаточно средств"),
            def("crm", "E42", "en", "Insufficient funds"),
            def("web", "E42", "en", "Insufficient funds"),
            def("web", "card.blocked", "ru", "Карта заблокирована"),
            def("web", "card.locked", "ru", "Карта заблокирована"),
            def("web", "card.blocked", "en", "Card blocked"),
            def("mobile", "card.blocked", "en", "Card blocked"),
        ];
        let snap = snapshot(defs, vec![]);
        let rules = rules("{}");
        let flags = InconsistentText.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![
                ("abs".to_string(), "E42".to_string()),
                ("crm".to_string(), "E42".to_string()),
                ("web".to_string(), "card.blocked".to_string()),
                ("web".to_string(), "card.locked".to_string()),
            ],
            "equal texts under one code across systems are consistent"
        );
        assert_eq!(
            flags[2].evidence["same_text"]["other_keys"][0]["key"],
            "card.locked"
        );
    }

    /// Issue #10: program literals are keyed by their text; the same template
    /// under two such keys is no "one text, two codes".
    #[test]
    fn keys_that_are_their_own_text_are_no_codes() {
        let rules = rules("systems:\n  - name: app\n    roots: [app]\n");
        let mut a = def("app", "Error 1 in P1", "en", "Error 1 in P1");
        let mut b = def("app", "Error 2 in P2", "en", "Error 2 in P2");
        let mut coded = def("app", "E1", "en", "Error 3 in P3");
        for d in [&mut a, &mut b, &mut coded] {
            d.row.template = "Error <NUM> in P<NUM>".to_string();
        }
        let snap = snapshot(vec![a, b], vec![]);
        assert!(InconsistentText.check(&input(&snap, &rules)).is_empty());
        let mut c = def("app", "E2", "en", "Error 4 in P4");
        c.row.template = "Error <NUM> in P<NUM>".to_string();
        let snap = snapshot(vec![coded, c], vec![]);
        assert_eq!(InconsistentText.check(&input(&snap, &rules)).len(), 2);
    }
}
