//! `near-duplicate`: definitions whose texts differ only slightly, one flag per group.

use serde_json::json;

use super::{AuditInput, Flag, FlagKind, KindInfo, capped, connected};
use crate::catalog::DefinitionView;
use crate::cluster::{NearDupInput, near_duplicates};
use crate::model::{KindId, Severity};

pub struct NearDuplicate;

pub static INFO: KindInfo = KindInfo {
    id: KindId::NearDuplicate,
    severity: Severity::Note,
    title: "Texts that differ only slightly",
    advice: "Merge the texts into one, or make the difference deliberate.",
    needs_observations: false,
    what: "Definitions of the same locale (any systems) whose texts differ only slightly — case, punctuation, whitespace, a typo, `е`/`ё`, word order, a wording variant — as the clustering stage's near-duplicate finder measures them. Texts one meaning-reversing word apart (`minimum`/`maximum`, `lower`/`upper`, `enabled`/`disabled`, `can`/`cannot`, `allowed`/`not allowed`, `success`/`failure`, `минимальная`/`максимальная`, …) are not near-duplicates. Pairs of one key (its copies in several files or systems) are left to `inconsistent-text` and `duplicate-key`. Pairs that share a text are one group (transitively): one flag per group, on its first definition in catalog order.",
    why: "Near-identical texts are usually one message written twice: they drift apart, get translated twice, and one of them often has the typo.",
    evidence: "The group's definitions (system, key, locale, text, `path:line`; cut at 20, `more` counts the rest), how many near-duplicate pairs joined them and the lowest similarity among those (0–1).",
    fix: "Keep one text (fix the typo) and use its key in every place, or make the difference deliberate.",
    suppress: "`suppress: [{kind: near-duplicate, system: web, key: err.funds, reason: …}]` (the group's first definition, which the flag names).",
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
        let pairs: Vec<_> = near_duplicates(&inputs)
            .into_iter()
            .filter(|p| defs[p.a].row.key != defs[p.b].row.key)
            .collect();
        let groups = connected(defs.len(), pairs.iter().map(|p| (p.a, p.b)));
        // Each pair's group, found once: looking the pairs up per group was
        // quadratic on 10,000 programs whose texts differ in a number.
        let mut group_of = vec![usize::MAX; defs.len()];
        for (g, group) in groups.iter().enumerate() {
            for &i in group {
                group_of[i] = g;
            }
        }
        let mut joined = vec![(0usize, 1.0f64); groups.len()];
        for p in &pairs {
            let (count, lowest) = &mut joined[group_of[p.a]];
            *count += 1;
            *lowest = lowest.min(p.similarity);
        }
        groups
            .into_iter()
            .zip(joined)
            .map(|(group, (joined, lowest))| {
                let first = defs[group[0]];
                let mut quoted: Vec<String> = group
                    .iter()
                    .take(QUOTED_TEXTS)
                    .map(|&i| format!("`{}` \"{}\"", defs[i].row.key, defs[i].row.text))
                    .collect();
                if group.len() > QUOTED_TEXTS {
                    quoted.push(format!("… ({} more)", group.len() - QUOTED_TEXTS));
                }
                let (listed, more) = capped(
                    group
                        .iter()
                        .map(|&i| {
                            let d = defs[i];
                            json!({"system": d.row.system, "key": d.row.key, "locale": d.row.locale, "text": d.row.text, "at": super::at(d)})
                        })
                        .collect(),
                );
                Flag::on_key(
                    INFO.id,
                    &first.row.system,
                    &first.row.key,
                    format!(
                        "{} texts ({}) differ only slightly: {}",
                        group.len(),
                        first.row.locale.as_deref().unwrap_or("-"),
                        quoted.join(", ")
                    ),
                    json!({
                        "definitions": listed,
                        "more": more,
                        "pairs": joined,
                        "lowest_similarity": (lowest * 1000.0).round() / 1000.0,
                    }),
                )
            })
            .collect()
    }
}

/// Texts quoted in a flag's message; the evidence has the rest.
const QUOTED_TEXTS: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;

    #[test]
    fn slightly_different_texts_of_different_keys_are_one_group() {
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
        let messages: Vec<&str> = flags.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "3 texts (ru) differ only slightly: `err.funds` \"Недостаточно средств на счёте\", `err.funds2` \"Недостаточно средств на счете\", `err.funds` \"Недостаточно средств на счете.\""
            ],
            "one flag for the group the two pairs join; copies of one key pair with nothing"
        );
        assert_eq!(flags[0].evidence["pairs"], 2);
        assert_eq!(flags[0].evidence["definitions"][2]["system"], "crm");
    }
}
