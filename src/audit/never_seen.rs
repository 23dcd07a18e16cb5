//! `never-seen`: catalog keys no client was ever shown.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::catalog::DefinitionView;
use crate::model::{KindId, Severity};

pub struct NeverSeen;

pub static INFO: KindInfo = KindInfo {
    id: KindId::NeverSeen,
    severity: Severity::Note,
    title: "Defined but never shown to a client",
    advice: "Check whether the text is still reachable; delete it if not.",
    needs_observations: true,
    what: "A definition key none of whose locales' texts any observation of its system has matched, over the catalog's whole history (every scan so far). Only systems with at least one observed text are checked: a system whose logs were never scanned proves nothing.",
    why: "Dead texts cost translation and review and hide the live ones; a key never seen may also mean the logs show a different, hard-coded text instead.",
    evidence: "The key's locales and where each is defined (`path:line`).",
    fix: "Remove the key if the code no longer uses it; if it is used, check that the logs errata scans record the text clients see.",
    suppress: "`suppress: [{kind: never-seen, system: web, key: err.legacy, reason: …}]` — e.g. for texts of rare events.",
};

impl FlagKind for NeverSeen {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        let mut keys: BTreeMap<(&str, &str), Vec<&DefinitionView>> = BTreeMap::new();
        for d in input.live_definitions() {
            keys.entry((&d.row.system, &d.row.key)).or_default().push(d);
        }
        // Only a system whose logs were scanned can prove a text unseen.
        let observed: BTreeSet<&str> = input
            .snapshot
            .templates
            .iter()
            .map(|t| t.system.as_str())
            .collect();
        keys.into_iter()
            .filter(|((system, _), defs)| {
                defs.iter().all(|d| d.observed == 0) && observed.contains(system)
            })
            .map(|((system, key), defs)| {
                let defined: Vec<_> = defs
                    .iter()
                    .map(|d| json!({"locale": d.row.locale, "at": super::at(d)}))
                    .collect();
                Flag::on_key(
                    INFO.id,
                    system,
                    key,
                    format!(
                        "`{key}` was never shown to a client ({} locale(s))",
                        defs.len()
                    ),
                    json!({"defined": defined}),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;

    #[test]
    fn keys_seen_in_any_locale_are_not_flagged() {
        let mut seen_ru = def("web", "err.funds", "ru", "Недостаточно средств");
        let seen_en = def("web", "err.funds", "en", "Insufficient funds");
        let dead = def("web", "err.old", "ru", "Старый текст");
        let quiet = def("mobile", "err.x", "ru", "Без логов");
        let mut t = template("web", "Недостаточно средств", 2);
        observe(&mut seen_ru, &mut t);
        let snap = snapshot(vec![seen_ru, seen_en, dead, quiet], vec![t]);
        let rules = rules("{}");
        let flags = NeverSeen.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![("web".to_string(), "err.old".to_string())],
            "the system without observations proves nothing"
        );
        assert_eq!(
            flags[0].evidence["defined"][0]["at"],
            "web/messages_ru.properties:1"
        );
    }
}
