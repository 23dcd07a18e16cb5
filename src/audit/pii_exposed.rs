//! `pii-exposed`: personal data shown to clients.

use serde_json::json;

use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::model::{KindId, Severity};

pub struct PiiExposed;

pub static INFO: KindInfo = KindInfo {
    id: KindId::PiiExposed,
    severity: Severity::Error,
    title: "Personal data shown to clients",
    advice: "Stop putting personal data into client-facing texts; mask it where the text is built.",
    needs_observations: true,
    what: "An observed client-visible text that contained personal data before masking: a full card number, an account, an e-mail, a phone, an INN or SNILS shown to a client (masking found it and replaced it with a placeholder such as `<CARD>`).",
    why: "Showing a full card number or someone's personal data on screen, in an SMS or in a push notification breaks PCI DSS and personal-data law, and the text is also logged.",
    evidence: "The kinds of personal data and how many were found, over all instances; never a value.",
    fix: "Mask the value where the text is built (`**** 1234`), or leave it out.",
    suppress: "`suppress: [{kind: pii-exposed, system: crm, template: <template id>, reason: the client's own e-mail on their profile page}]`.",
};

impl FlagKind for PiiExposed {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        input
            .snapshot
            .templates
            .iter()
            .filter(|t| t.seen.pii.values().any(|n| *n > 0))
            .map(|t| {
                // By name, as reports list them.
                let mut pii: Vec<_> = t.seen.pii.iter().collect();
                pii.sort_by_key(|(k, _)| k.as_str());
                let kinds: Vec<String> = pii.iter().map(|(k, n)| format!("{k} ×{n}")).collect();
                Flag::on_template(
                    INFO.id,
                    &t.system,
                    &t.id,
                    format!("\"{}\" showed clients personal data: {}", t.template, kinds.join(", ")),
                    json!({
                        "pii": pii.iter().map(|(k, n)| json!({"kind": k, "count": n})).collect::<Vec<_>>(),
                        "instances": t.seen.count,
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
    fn templates_that_held_personal_data_are_flagged_without_values() {
        let mut card = template("crm", "Карта <CARD> заблокирована", 4);
        card.seen.pii = [(crate::model::PiiKind::Card, 4)].into();
        let clean = template("crm", "Сервис недоступен", 9);
        let snap = snapshot(vec![], vec![card, clean]);
        let rules = rules("{}");
        let flags = PiiExposed.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![("crm".to_string(), "Карта <CARD> заблокирована".to_string())]
        );
        assert_eq!(
            flags[0].evidence["pii"][0],
            json!({"kind": "card", "count": 4})
        );
    }
}
