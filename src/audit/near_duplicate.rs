//! `near-duplicate`: definitions whose texts differ only slightly.

use serde_json::json;

use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::catalog::DefinitionView;
use crate::cluster::{NearDupInput, near_duplicates};
use crate::model::{KindId, Severity};

pub struct NearDuplicate;

pub static INFO: KindInfo = KindInfo {
    id: KindId::NearDuplicate,
    severity: Severity::Note,
    title: "Two texts that differ only slightly",
    advice: "Merge the two texts into one, or make the difference deliberate.",
    needs_observations: false,
    what: "Two definitions of the same locale (any systems) whose texts differ only slightly — a typo, punctuation, `е`/`ё`, a wording variant — as the clustering stage's near-duplicate finder measures them. Pairs of one key (its copies in several files or systems) are left to `inconsistent-text` and `duplicate-key`. One flag per pair, on the first definition in catalog order.",
    why: "Near-identical texts are usually one message written twice: they drift apart, get translated twice, and one of them often has the typo.",
    evidence: "Both keys with system, locale, text and `path:line`, and the similarity (0–1).",
    fix: "Keep one text (fix the typo) and use its key in both places, or make the difference deliberate.",
    suppress: "`suppress: [{kind: near-duplicate, system: web, key: err.funds, reason: …}]` (the key the flag is on).",
};

impl FlagKind for NearDuplicate {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        let defs: Vec<&DefinitionView> = input
            .live_definitions()
            .filter(|d| !d.row.text.trim().is_empty())
            .collect();
        let inputs: Vec<NearDupInput<'_>> = defs
            .iter()
            .map(|d| NearDupInput {
                group: d.row.locale.as_deref().unwrap_or(""),
                text: &d.row.text,
            })
            .collect();
        let side = |d: &DefinitionView| json!({"system": d.row.system, "key": d.row.key, "locale": d.row.locale, "text": d.row.text, "at": super::at(d)});
        near_duplicates(&inputs)
            .into_iter()
            .filter(|p| defs[p.a].row.key != defs[p.b].row.key)
            .map(|p| {
                let (a, b) = (defs[p.a], defs[p.b]);
                Flag::on_key(
                    INFO.id,
                    &a.row.system,
                    &a.row.key,
                    format!(
                        "`{}` and {}`{}` ({}) differ only slightly",
                        a.row.key,
                        if a.row.system == b.row.system { String::new() } else { format!("{}:", b.row.system) },
                        b.row.key,
                        a.row.locale.as_deref().unwrap_or("-")
                    ),
                    json!({"similarity": (p.similarity * 1000.0).round() / 1000.0, "a": side(a), "b": side(b)}),
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
    fn slightly_different_texts_of_different_keys_pair_up() {
        let defs = vec![
            def("web", "err.funds", "ru", "Недостаточно средств на счёте"),
            def("web", "err.funds2", "ru", "Недостаточно средств на счете"),
            def("web", "err.rights", "ru", "Недостаточно прав"),
            def("crm", "err.funds", "ru", "Недостаточно средств на счете."),
            def("web", "err.funds", "en", "Not enough funds"),
        ];
        let snap = snapshot(defs, vec![]);
        let rules = rules("{}");
        let flags = NearDuplicate.check(&input(&snap, &rules));
        let pairs: Vec<(String, String)> = flags
            .iter()
            .map(|f| {
                (
                    f.evidence["a"]["key"].as_str().unwrap().to_string(),
                    f.evidence["b"]["key"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("err.funds".to_string(), "err.funds2".to_string()),
                ("err.funds2".to_string(), "err.funds".to_string()),
            ],
            "copies of one key are not near-duplicates of each other"
        );
    }
}
