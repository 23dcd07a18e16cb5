//! `inconsistent-text`: one code, several texts; one text, several codes; one
//! flag per group of definitions so related.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::{AuditInput, Flag, FlagKind, KindInfo, capped, connected};
use crate::catalog::DefinitionView;
use crate::model::{KindId, Severity};

pub struct InconsistentText;

pub static INFO: KindInfo = KindInfo {
    id: KindId::InconsistentText,
    severity: Severity::Warning,
    title: "Same code, different texts across systems",
    advice: "Agree on one text per code across systems.",
    needs_observations: false,
    what: "Either the same key (error code) defined by several systems in the same locale with different texts, or the same text (same locale) defined under different keys (keys that are their own text, as program literals and screen labels are, are no codes and are left out of this second check). Texts are compared as templates, so placeholder syntax (`{0}` vs `%s`) does not count as a difference. Definitions so related are one group (the texts and keys they connect, transitively): one flag per group, on its first definition in catalog order, never one per pair or per system (Keycloak's themes, a key copied into every theme, gave thousands).",
    why: "A client who meets error E42 in the app and at the branch should read the same thing; and one text under two codes means support cannot tell which case happened.",
    evidence: "The locale, the group's size (`definitions`, `keys`, `systems`) and its distinct texts, each with the definitions that have it (system, key, `path:line`); lists are cut at 20 items, `more_texts` and `more` count the rest.",
    fix: "Agree on one text per code (usually in the system that owns the code) and copy it; give distinct cases distinct texts, or merge their codes.",
    suppress: "`suppress: [{kind: inconsistent-text, system: crm, key: E42, reason: …}]` (the group's first definition, which the flag names).",
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
        let mut by_key: BTreeMap<(&str, Option<&str>), Vec<usize>> = BTreeMap::new();
        let mut by_text: BTreeMap<(&str, Option<&str>), Vec<usize>> = BTreeMap::new();
        for (i, d) in live.iter().enumerate() {
            let locale = d.row.locale.as_deref();
            by_key.entry((&d.row.key, locale)).or_default().push(i);
            // A key that is its own text (program literals, screen labels) is
            // no code: "Error 1 in PGM1" and "Error 2 in PGM2" are one template
            // under two such keys, not one text under two codes (issue #10).
            if d.row.key == d.row.text.trim() {
                continue;
            }
            by_text
                .entry((&d.row.template, locale))
                .or_default()
                .push(i);
        }
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        let linked =
            |members: &[usize]| members.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>();
        for members in by_key.values() {
            let systems: BTreeSet<&str> = members
                .iter()
                .map(|&i| live[i].row.system.as_str())
                .collect();
            let texts: BTreeSet<&str> = members
                .iter()
                .map(|&i| live[i].row.template.as_str())
                .collect();
            if systems.len() >= 2 && texts.len() >= 2 {
                pairs.extend(linked(members));
            }
        }
        for members in by_text.values() {
            let keys: BTreeSet<&str> = members.iter().map(|&i| live[i].row.key.as_str()).collect();
            if keys.len() >= 2 {
                pairs.extend(linked(members));
            }
        }
        connected(live.len(), pairs)
            .into_iter()
            .map(|group| flag(&group.iter().map(|&i| live[i]).collect::<Vec<_>>()))
            .collect()
    }
}

/// Texts quoted in a flag's message; the evidence has the rest.
const QUOTED_TEXTS: usize = 3;

/// The flag of one group of related definitions (catalog order, two at least).
fn flag(group: &[&DefinitionView]) -> Flag {
    let first = group[0];
    let locale = first.row.locale.as_deref();
    let mut texts: BTreeMap<&str, Vec<&DefinitionView>> = BTreeMap::new();
    for d in group {
        texts.entry(&d.row.text).or_default().push(d);
    }
    let keys: BTreeSet<&str> = group.iter().map(|d| d.row.key.as_str()).collect();
    let systems: BTreeSet<&str> = group.iter().map(|d| d.row.system.as_str()).collect();
    let templates: BTreeSet<&str> = group.iter().map(|d| d.row.template.as_str()).collect();
    let mut quoted: Vec<String> = texts
        .keys()
        .take(QUOTED_TEXTS)
        .map(|t| format!("\"{t}\""))
        .collect();
    if texts.len() > QUOTED_TEXTS {
        quoted.push(format!("… ({} more)", texts.len() - QUOTED_TEXTS));
    }
    let key_list = |keys: &BTreeSet<&str>| {
        let mut shown: Vec<String> = keys
            .iter()
            .take(QUOTED_TEXTS)
            .map(|k| format!("`{k}`"))
            .collect();
        if keys.len() > QUOTED_TEXTS {
            shown.push(format!("… ({} more)", keys.len() - QUOTED_TEXTS));
        }
        shown.join(", ")
    };
    let systems_list = systems.iter().copied().collect::<Vec<_>>().join(", ");
    let locale_shown = locale.unwrap_or("-");
    let message = if keys.len() == 1 {
        format!(
            "{} ({locale_shown}) has {} different texts in {systems_list}: {}",
            key_list(&keys),
            templates.len(),
            quoted.join(", ")
        )
    } else if templates.len() == 1 {
        format!(
            "{} keys ({locale_shown}) have the same text in {systems_list}: {}: {}",
            keys.len(),
            quoted.join(", "),
            key_list(&keys)
        )
    } else {
        format!(
            "{} keys ({locale_shown}) share or differ in {} texts in {systems_list}: {}; {}",
            keys.len(),
            templates.len(),
            key_list(&keys),
            quoted.join(", ")
        )
    };
    let (listed, more_texts) = capped(
        texts
            .iter()
            .map(|(text, defs)| {
                let (defined, more) = capped(
                    defs.iter()
                        .map(|d| json!({"system": d.row.system, "key": d.row.key, "at": super::at(d)}))
                        .collect(),
                );
                json!({"text": text, "defined": defined, "more": more})
            })
            .collect(),
    );
    Flag::on_key(
        INFO.id,
        &first.row.system,
        &first.row.key,
        message,
        json!({
            "locale": locale,
            "definitions": group.len(),
            "keys": keys.len(),
            "systems": systems,
            "texts": listed,
            "more_texts": more_texts,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::MAX_EVIDENCE_ITEMS;
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
        let messages: Vec<&str> = flags.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "`E42` (ru) has 2 different texts in abs, crm: \"На счёте недостаточно средств\", \"Недостаточно средств\"",
                "2 keys (ru) have the same text in web: \"Карта заблокирована\": `card.blocked`, `card.locked`",
            ],
            "equal texts under one code across systems are consistent; one flag per group"
        );
        assert_eq!(
            subjects(&snap, &flags),
            vec![
                ("abs".to_string(), "E42".to_string()),
                ("web".to_string(), "card.blocked".to_string()),
            ]
        );
        assert_eq!(
            flags[1].evidence["texts"][0]["defined"][1]["key"],
            "card.locked"
        );
    }

    /// Regression (#11): a key copied into every Keycloak theme with a few
    /// wordings gave one flag per theme (3,338 on Keycloak's themes).
    #[test]
    fn a_key_copied_into_thirty_themes_is_one_flag_with_capped_evidence() {
        let defs: Vec<_> = (0..30)
            .map(|i| {
                def(
                    &format!("theme{i:02}"),
                    "doLogIn",
                    "en",
                    &format!("Sign in variant {}", i % 25),
                )
            })
            .chain([
                def("theme00", "loginAction", "en", "Sign in variant 0"),
                def(
                    "theme00",
                    "invalidUserMessage",
                    "en",
                    "Invalid username or password.",
                ),
                def(
                    "theme01",
                    "invalidUserMessage",
                    "en",
                    "Invalid username or password",
                ),
            ])
            .collect();
        let snap = snapshot(defs, vec![]);
        let rules = rules("{}");
        let flags = InconsistentText.check(&input(&snap, &rules));
        assert_eq!(flags.len(), 2);
        let e = &flags[0].evidence;
        assert_eq!(
            (
                e["definitions"].as_u64(),
                e["keys"].as_u64(),
                e["more_texts"].as_u64()
            ),
            (Some(31), Some(2), Some(5)),
            "30 copies of doLogIn and the key sharing one of its texts: 25 texts, 20 listed"
        );
        assert_eq!(e["texts"].as_array().unwrap().len(), MAX_EVIDENCE_ITEMS);
        assert!(
            flags[0]
                .message
                .starts_with("2 keys (en) share or differ in 25 texts in theme00, theme01,"),
            "{}",
            flags[0].message
        );
        assert_eq!(
            flags[1].message,
            "`invalidUserMessage` (en) has 2 different texts in theme00, theme01: \"Invalid username or password\", \"Invalid username or password.\""
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
        // Two codes, one text: one group, one flag.
        assert_eq!(InconsistentText.check(&input(&snap, &rules)).len(), 1);
    }
}
