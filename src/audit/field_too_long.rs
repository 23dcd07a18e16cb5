//! `field-too-long`: texts longer than a field they must pass through.

use serde_json::json;

use super::limits::{
    Limit, definition_length, for_definition, for_template, longest_instance, unit_measure,
    without_placeholders,
};
use super::measure::Measure;
use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::catalog::DefinitionView;
use crate::model::{FieldHop, KindId, Severity};

pub struct FieldTooLong;

pub static INFO: KindInfo = KindInfo {
    id: KindId::FieldTooLong,
    severity: Severity::Error,
    title: "Text longer than a field it passes through",
    advice: "Shorten the text (or widen the field) so it fits the limit in the field's own unit.",
    needs_observations: false,
    what: "A text longer than a field it passes through (see \"Field limits\"), in that field's own unit; for a program text (COBOL), every field of its flow, from its own `PIC` (a `VALUE` longer than its item) to the screen field, measured without placeholders and trailing spaces. A definition longer with placeholders empty certainly exceeds; one that fits empty but not in the worst case (placeholder widths from the rules, else its longest observed instance) may exceed. An observed template exceeds when its longest raw instance does. A text held to several fields gets one flag, naming the tightest field exceeded (the largest overshoot relative to its max) and listing every field exceeded.",
    why: "The field cuts, rejects or garbles the text: the client sees half a sentence, or an error instead of the message.",
    evidence: "For a program text, `chain`: the text and every field on its way with its size (`'…' (52 chars) → WS-MESSAGE (80 bytes in UTF-8) → ERRMSGO OF COSGN0AO (78 bytes in UTF-8)`). For each field exceeded: the limit (field, max, unit, encoding, provenance as `path:line` of the copybook, DDL, XSD or rules entry), the measured length, how it was measured (`placeholders_empty`, `placeholder_widths`, `longest_observed`, `longest_instance`) and whether it is certain.",
    fix: "Shorten the text (every locale), or widen the field and every field on the way.",
    suppress: "`suppress: [{kind: field-too-long, system: sms, key: sms.otp, reason: …}]`.",
};

/// One limit a text exceeds, with how it was measured.
struct Excess {
    /// The limit as one phrase (`ERR-TEXT (60 bytes in windows-1251, abs/ERRMSG.cpy:7)`).
    describe: String,
    /// The limit as evidence.
    limit: serde_json::Value,
    max: u64,
    length: u64,
    /// The length in the limit's unit, as a phrase.
    length_text: String,
    measured: &'static str,
    certain: bool,
}

impl Excess {
    fn of(limit: &Limit<'_>, length: u64, measured: &'static str, certain: bool) -> Self {
        Excess {
            describe: limit.describe(),
            limit: limit.evidence(),
            max: limit.max,
            length,
            length_text: limit.measure.describe(length),
            measured,
            certain,
        }
    }

    /// A field of a program text's flow the text is longer than.
    fn of_hop(hop: &FieldHop, measure: Measure, length: u64) -> Self {
        let provenance = hop.declared.to_string();
        Excess {
            describe: format!(
                "{} ({}, {provenance})",
                hop.field,
                measure.describe(hop.max)
            ),
            limit: json!({
                "field": hop.field,
                "max": hop.max,
                "unit": measure.unit(),
                "encoding": measure.encoding(),
                "provenance": provenance,
                "via": hop.via.as_ref().map(ToString::to_string),
            }),
            max: hop.max,
            length,
            length_text: measure.describe(length),
            measured: "placeholders_empty",
            certain: true,
        }
    }

    fn evidence(&self) -> serde_json::Value {
        json!({
            "limit": self.limit,
            "length": self.length,
            "measured": self.measured,
            "certain": self.certain,
        })
    }

    /// Certain excesses first, then the largest overshoot relative to the max.
    fn tightness(&self) -> (bool, u64) {
        (self.certain, self.length * 1000 / self.max.max(1))
    }
}

/// The fields of a program text's flow it is longer than, measured without
/// placeholders and trailing padding, and the whole chain as one line:
/// `'…' (52 chars) → WS-MESSAGE (80 bytes in UTF-8) → ERRMSGO (78 bytes in UTF-8)`.
fn flow_excesses(input: &AuditInput<'_>, d: &DefinitionView) -> (Vec<Excess>, Option<String>) {
    if d.row.flow.is_empty() {
        return (Vec::new(), None);
    }
    let system = input.rules.system(&d.row.system);
    let literal = without_placeholders(&d.row.text);
    let literal = literal.trim_end();
    let mut chain = format!("'{}' ({} chars)", d.row.text, literal.chars().count());
    let mut excesses = Vec::new();
    for hop in &d.row.flow {
        let measure = unit_measure(hop.unit, system);
        chain.push_str(&format!(" → {} ({})", hop.field, measure.describe(hop.max)));
        let length = measure.of(literal);
        if length > hop.max {
            excesses.push(Excess::of_hop(hop, measure, length));
        }
    }
    (excesses, Some(chain))
}

impl FlagKind for FieldTooLong {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        let mut flags = Vec::new();
        for d in input.live_definitions().filter(|d| !d.row.text.is_empty()) {
            let (mut excesses, chain) = flow_excesses(input, d);
            excesses.extend(for_definition(input, d).into_iter().filter_map(|limit| {
                let length = definition_length(&limit, d, input);
                if length.certain > limit.max {
                    Some(Excess::of(
                        &limit,
                        length.certain,
                        "placeholders_empty",
                        true,
                    ))
                } else {
                    let (worst, from) = length.worst?;
                    (worst > limit.max).then(|| Excess::of(&limit, worst, from, false))
                }
            }));
            if let Some((tightest, evidence)) = summarise(excesses) {
                let verb = if tightest.certain {
                    "exceeds"
                } else {
                    "may exceed"
                };
                flags.push(Flag::on_key(
                    INFO.id,
                    &d.row.system,
                    &d.row.key,
                    format!(
                        "`{}` ({}) {verb} {}: {}",
                        d.row.key,
                        d.row.locale.as_deref().unwrap_or("-"),
                        tightest.describe,
                        tightest.length_text
                    ),
                    with_chain(
                        json!({"locale": d.row.locale, "at": super::at(d), "exceeds": evidence}),
                        chain,
                    ),
                ));
            }
        }
        for t in &input.snapshot.templates {
            let excesses = for_template(input, t, input.template_key(t))
                .into_iter()
                .filter_map(|limit| {
                    let length = longest_instance(&limit, t)?;
                    (length > limit.max)
                        .then(|| Excess::of(&limit, length, "longest_instance", true))
                })
                .collect();
            if let Some((tightest, evidence)) = summarise(excesses) {
                flags.push(Flag::on_template(
                    INFO.id,
                    &t.system,
                    &t.id,
                    format!(
                        "\"{}\" exceeds {}: longest instance {}",
                        t.template, tightest.describe, tightest.length_text
                    ),
                    json!({"exceeds": evidence}),
                ));
            }
        }
        flags
    }
}

/// Evidence with a program text's `chain`, when it has one (catalog texts have none).
fn with_chain(mut evidence: serde_json::Value, chain: Option<String>) -> serde_json::Value {
    if let (Some(chain), Some(map)) = (chain, evidence.as_object_mut()) {
        map.insert("chain".to_string(), chain.into());
    }
    evidence
}

/// The tightest excess and the evidence of all, tightest first.
fn summarise(mut excesses: Vec<Excess>) -> Option<(Excess, serde_json::Value)> {
    excesses.sort_by_key(|e| std::cmp::Reverse(e.tightness()));
    let evidence = serde_json::Value::Array(excesses.iter().map(Excess::evidence).collect());
    let tightest = excesses.into_iter().next()?;
    Some((tightest, evidence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;
    use crate::model::LimitUnit;

    /// 60 Cyrillic characters.
    const SIXTY: &str = "Ошибка обработки платежа, повторите попытку через пять минут";

    #[test]
    fn byte_and_char_semantics_and_the_tightest_field() {
        let rules = rules(
            "systems:\n  - name: crm\n    roots: [crm]\n    limits:\n      - field: MSG.TEXT_CHAR\n      - field: MSG.TEXT_BYTE\n  - name: abs\n    roots: [abs]\n    encoding: windows-1251\n    limits:\n      - field: ERRMSG.ERR-TEXT\n",
        );
        let mut snap = snapshot(
            vec![def("crm", "E1", "ru", SIXTY), def("abs", "E1", "ru", SIXTY)],
            vec![],
        );
        snap.limits = vec![
            limit_row("crm", "MSG.TEXT_CHAR", 100, LimitUnit::Chars),
            limit_row("crm", "MSG.TEXT_BYTE", 100, LimitUnit::database_bytes()),
            limit_row("abs", "ERRMSG.ERR-TEXT", 60, LimitUnit::system_bytes()),
        ];
        let flags = FieldTooLong.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![("crm".to_string(), "E1".to_string())],
            "fits VARCHAR2(100 CHAR) and PIC X(60) in windows-1251, not VARCHAR2(100 BYTE) in UTF-8"
        );
        let e = &flags[0].evidence["exceeds"][0];
        assert_eq!(e["length"], 112);
        assert_eq!(e["limit"]["field"], "MSG.TEXT_BYTE");
        assert_eq!(e["limit"]["encoding"], "UTF-8");
        assert_eq!(e["certain"], true);
        assert_eq!(flags[0].evidence["exceeds"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn sms_segments_and_observed_instances() {
        let rules = rules(
            "systems:\n  - name: sms\n    roots: [sms]\n    limits:\n      - field: SMS\n        max: 1\n        unit: sms_segments\n        keys: '^sms\\.'\n",
        );
        let one_latin = def("sms", "sms.en", "en", &"Your code is ready. ".repeat(8));
        let two_cyrillic = def("sms", "sms.ru", "ru", &"Код готов. ".repeat(7));
        let not_sms = def("sms", "web.ru", "ru", &"Код готов. ".repeat(7));
        let long_obs = template("sms", &"Ваш платёж принят. ".repeat(4), 1);
        let short_obs = template("sms", "Ваш платёж принят.", 1);
        let snap = snapshot(
            vec![one_latin, two_cyrillic, not_sms],
            vec![long_obs, short_obs],
        );
        let flags = FieldTooLong.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![("sms".to_string(), "sms.ru".to_string())],
            "160 GSM-7 characters fit one segment, 77 Cyrillic do not; observations carry no key here"
        );
        assert!(
            flags[0].message.contains("2 SMS segment(s)"),
            "{}",
            flags[0].message
        );
    }

    #[test]
    fn observed_instances_are_measured_at_their_longest() {
        let rules = rules(
            "systems:\n  - name: web\n    roots: [web]\n    limits:\n      - field: TOAST\n        max: 20\n        unit: utf16\n",
        );
        let mut t = template("web", "Ошибка <NUM>", 2);
        t.seen.lengths = [
            lengths_of(&"ж".repeat(15), 1),
            lengths_of(&"ж".repeat(25), 1),
        ]
        .into();
        let fits = template("web", "Ок", 1);
        let snap = snapshot(vec![], vec![t, fits]);
        let flags = FieldTooLong.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![("web".to_string(), "Ошибка <NUM>".to_string())]
        );
        assert_eq!(flags[0].evidence["exceeds"][0]["length"], 25);
    }

    #[test]
    fn definitions_are_measured_with_placeholders_empty() {
        let rules = rules(
            "systems:\n  - name: web\n    roots: [web]\n    limits:\n      - field: TOAST\n        max: 5\n        unit: chars\n",
        );
        let snap = snapshot(vec![def("web", "err.limit", "ru", "Лимит <*>")], vec![]);
        let input = input(&snap, &rules);
        let found = crate::audit::limits::limits(&input, "web");
        let length = definition_length(&found[0], &snap.definitions[0], &input);
        assert_eq!(length.certain, 6, "`Лимит ` with the placeholder empty");
        assert_eq!(FieldTooLong.check(&input).len(), 1);
    }

    #[test]
    fn program_texts_are_held_to_every_field_of_their_flow() {
        use crate::model::{FieldHop, Location};
        let hop = |field: &str, max: u64| FieldHop {
            field: field.to_string(),
            max,
            unit: LimitUnit::system_bytes(),
            declared: Location::new("app/P.cbl", 3),
            via: None,
        };
        let rules =
            rules("systems:\n  - name: app\n    roots: [app]\n    field_encoding: cp1025\n");
        // 20 Cyrillic letters: 20 bytes in cp1025, fits 80 and 20, not 19.
        let text = "Ошибка ввода <*> данных";
        let mut long = def("app", text, "ru", text);
        long.row.flow = vec![hop("WS-MESSAGE", 80), hop("ERRMSGO", 19), hop("SHORT", 20)];
        let mut fits = def("app", "Ок", "ru", "Ок");
        fits.row.flow = vec![hop("WS-MESSAGE", 80)];
        let snap = snapshot(vec![long, fits], vec![]);
        let flags = FieldTooLong.check(&input(&snap, &rules));
        assert_eq!(flags.len(), 1);
        assert_eq!(flags[0].evidence["exceeds"][0]["limit"]["field"], "ERRMSGO");
        assert_eq!(flags[0].evidence["exceeds"][0]["length"], 20);
        assert_eq!(
            flags[0].evidence["chain"],
            "'Ошибка ввода <*> данных' (20 chars) → WS-MESSAGE (80 bytes in IBM1025) → ERRMSGO (19 bytes in IBM1025) → SHORT (20 bytes in IBM1025)"
        );
    }
}
