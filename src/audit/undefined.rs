//! `undefined`: observed texts no catalog of their system defines.

use serde_json::json;

use super::truncated::cut_from;
use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::model::{KindId, Severity, format_time};

pub struct Undefined;

pub static INFO: KindInfo = KindInfo {
    id: KindId::Undefined,
    severity: Severity::Warning,
    title: "Text shown to clients that no catalog defines",
    advice: "Move the hard-coded text into the system's message catalog so someone owns it.",
    needs_observations: true,
    what: "An observed template of a system that matches no definition of that system, by key or by text. A template that is a cut-off start of a definition (the `truncated` case, or a `truncated` match) is not undefined.",
    why: "The text is hard-coded somewhere: nobody owns it, nobody translates or reviews it.",
    evidence: "The captured key (if any), the count, first and last seen, where it was first seen (`path:line`).",
    fix: "Move the text into the system's catalog (or add the catalog to the rules if it exists but is not scanned).",
    suppress: "`suppress: [{kind: undefined, system: abs, template: <template id>, reason: …}]` — the template id is in the reports.",
};

impl FlagKind for Undefined {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        input
            .snapshot
            .templates
            .iter()
            .filter(|t| t.definition_id.is_none() && cut_from(input, t).is_none())
            .map(|t| {
                let seen_at = t
                    .seen
                    .sources
                    .first_key_value()
                    .map(|(path, s)| format!("{path}:{}", s.first_line));
                Flag::on_template(
                    INFO.id,
                    &t.system,
                    &t.id,
                    format!(
                        "\"{}\" ({}×) matches no definition of {}",
                        t.template, t.seen.count, t.system
                    ),
                    json!({
                        "key": t.key,
                        "count": t.seen.count,
                        "first_seen": format_time(t.seen.first_seen),
                        "last_seen": format_time(t.seen.last_seen),
                        "seen_at": seen_at,
                    }),
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
    fn unmatched_templates_are_undefined_unless_cut_from_a_definition() {
        let mut d = def("abs", "E1", "ru", "Операция отклонена банком-эмитентом");
        let mut matched = template("abs", "Операция отклонена банком-эмитентом", 2);
        observe(&mut d, &mut matched);
        let cut = template("abs", "Операция отклонена банк", 3);
        let hardcoded = template("abs", "Сервис недоступен", 1);
        let other_system = template("web", "Операция отклонена банк", 1);
        let snap = snapshot(vec![d], vec![matched, cut, hardcoded, other_system]);
        let rules = rules("{}");
        let flags = Undefined.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![
                ("abs".to_string(), "Сервис недоступен".to_string()),
                ("web".to_string(), "Операция отклонена банк".to_string()),
            ]
        );
        assert_eq!(flags[0].evidence["seen_at"], "abs/app.log:1");
    }
}
