//! `truncated`: texts a legacy field cuts before the client sees them.

use serde_json::json;

use super::limits::{definition_length, for_template};
use super::measure::Measure;
use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::catalog::{DefinitionView, TemplateView};
use crate::mask::placeholder_names;
use crate::model::{KindId, MatchKind, Severity};

pub struct Truncated;

/// Fewest instances cut at the same length that count as a cut, not a coincidence.
const MIN_CUT_INSTANCES: u64 = 3;

pub static INFO: KindInfo = KindInfo {
    id: KindId::Truncated,
    severity: Severity::Error,
    title: "Clients see the text cut off",
    advice: "Shorten the definition to fit the legacy field, or widen the field.",
    needs_observations: true,
    what: "An observed template at least 3 of whose raw instances stop exactly at a field's limit, in the field's unit (or at the definition cut at the limit and then right-trimmed, as log writers trim the blank a cut leaves: `…БАНКА. ` cut at 60 bytes is logged as 59), while its definition goes on (the definition is longer than the limit with placeholders empty, or in the worst case) or longer instances of the same template exist. The definition is the one matched (any match kind, `truncated` included; among the locales of the matched key, the one whose text starts with the template's) or, for a template matching none, a definition of the system that starts with the template's text. Limits in SMS segments are not checked: segments split a text, they do not cut it.",
    why: "The legacy field cuts the text the client sees: \"Обратитесь в отделение банка по адр\" tells nobody anything.",
    evidence: "The limit (field, max, unit, encoding, provenance), how many instances stop exactly at it (or at `trimmed_length`, the right-trimmed cut, when that is shorter) out of how many, the definition's key and length, and the longest instance.",
    fix: "Shorten the definition to fit the field (see the limit), or widen the field and every field on the way.",
    suppress: "`suppress: [{kind: truncated, system: abs, template: <template id>, reason: …}]`.",
};

impl FlagKind for Truncated {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        let mut flags = Vec::new();
        for t in &input.snapshot.templates {
            let matched = t
                .definition_id
                .as_deref()
                .and_then(|id| input.definition(id));
            // The matched definition may be another locale's: prefer the one cut.
            let definition = matched
                .and_then(|m| {
                    input
                        .key_definitions(&m.row.system, Some(&m.row.key))
                        .find(|d| starts_with(d, &t.template))
                })
                .or(matched)
                .or_else(|| cut_from(input, t));
            let key = definition.map(|d| d.row.key.as_str()).or(t.key.as_deref());
            for limit in for_template(input, t, key) {
                if limit.measure == Measure::SmsSegments {
                    continue;
                }
                // A writer that trims the blank its cut left logs a shorter text.
                let trimmed = definition
                    .filter(|d| {
                        starts_with(d, &t.template) && placeholder_names(&d.row.text).is_empty()
                    })
                    .and_then(|d| trimmed_cut(limit.measure, &d.row.text, limit.max));
                let mut at_limit = 0;
                let mut longest = 0;
                for (length, count) in &t.seen.lengths {
                    let Some(n) = limit.measure.of_raw(length) else {
                        continue;
                    };
                    if n == limit.max || Some(n) == trimmed {
                        at_limit += count;
                    }
                    longest = longest.max(n);
                }
                if at_limit < MIN_CUT_INSTANCES {
                    continue;
                }
                let definition_goes_on = definition.map(|d| {
                    let length = definition_length(&limit, d, input);
                    (
                        d,
                        length
                            .worst
                            .map_or(length.certain, |w| w.0.max(length.certain)),
                    )
                });
                let goes_on =
                    longest > limit.max || definition_goes_on.is_some_and(|(_, n)| n > limit.max);
                if !goes_on {
                    continue;
                }
                flags.push(Flag::on_template(
                    INFO.id,
                    &t.system,
                    &t.id,
                    format!(
                        "{at_limit} of {} instances of \"{}\" stop exactly at {}",
                        t.seen.count,
                        t.template,
                        limit.describe()
                    ),
                    json!({
                        "limit": limit.evidence(),
                        "instances_at_limit": at_limit,
                        "trimmed_length": trimmed,
                        "instances": t.seen.count,
                        "longest_instance": longest,
                        "definition": definition_goes_on.map(|(d, n)| json!({
                            "key": d.row.key,
                            "locale": d.row.locale,
                            "length": n,
                            "at": super::at(d),
                        })),
                    }),
                ));
            }
        }
        flags
    }
}

/// For a template matched as `truncated`, its definition; for one matching no
/// definition, a longer live definition of its system starting with its text.
pub fn cut_from<'a>(input: &AuditInput<'a>, t: &TemplateView) -> Option<&'a DefinitionView> {
    match (&t.definition_id, t.match_kind) {
        (Some(id), Some(MatchKind::Truncated)) => input.definition(id),
        (Some(_), _) => None,
        (None, _) => input
            .live_definitions()
            .find(|d| d.row.system == t.system && starts_with(d, &t.template)),
    }
}

/// The length of `text` cut at `max` (in `measure`) and then right-trimmed, when
/// the text is longer than `max` and its cut ends in blanks; else `None`.
fn trimmed_cut(measure: Measure, text: &str, max: u64) -> Option<u64> {
    let mut end = 0;
    for (i, c) in text.char_indices() {
        let next = i + c.len_utf8();
        if measure.of(&text[..next]) > max {
            break;
        }
        end = next;
    }
    if end == text.len() {
        return None;
    }
    let cut = &text[..end];
    let trimmed = cut.trim_end();
    (trimmed.len() < cut.len()).then(|| measure.of(trimmed))
}

/// Whether a definition's text (as written or as a template) goes on after `cut`.
fn starts_with(d: &DefinitionView, cut: &str) -> bool {
    [&d.row.text, &d.row.template]
        .iter()
        .any(|text| text.len() > cut.len() && text.starts_with(cut))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;
    use crate::model::LimitUnit;

    const FULL: &str = "Операция отклонена: превышен суточный лимит. Обратитесь в отделение банка";

    fn cut(n: usize) -> String {
        FULL.chars().take(n).collect()
    }

    #[test]
    fn instances_cut_at_the_copybook_limit_are_truncated() {
        let rules = rules(
            "systems:\n  - name: abs\n    roots: [abs]\n    encoding: windows-1251\n    limits:\n      - field: ERRMSG.ERR-TEXT\n",
        );
        let mut en = def("abs", "E1", "en", "Declined");
        let d = def("abs", "E1", "ru", FULL);
        let mut cut_three = template("abs", &cut(60), 3);
        observe(&mut en, &mut cut_three);
        let mut cut_twice = template("abs", &cut(59), 2);
        cut_twice.seen.lengths = [lengths_of(&cut(60), 2)].into();
        let short_whole = template("abs", "Операция выполнена", 5);
        let mut snap = snapshot(vec![en, d], vec![cut_three, cut_twice, short_whole]);
        snap.limits = vec![limit_row(
            "abs",
            "ERRMSG.ERR-TEXT",
            60,
            LimitUnit::system_bytes(),
        )];
        let flags = Truncated.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![("abs".to_string(), cut(60))],
            "two cut instances are not enough"
        );
        let e = &flags[0].evidence;
        assert_eq!(e["limit"]["encoding"], "windows-1251");
        assert_eq!(e["limit"]["provenance"], "abs/schema.sql:1");
        assert_eq!(e["instances_at_limit"], 3);
        assert_eq!(e["definition"]["key"], "E1");
        assert_eq!(
            e["definition"]["locale"], "ru",
            "the locale that was cut, not the one matched"
        );
    }

    /// Regression (#11): `…БАНКА. ` cut at 60 bytes is logged as 59 bytes, the
    /// blank trimmed; those instances were not seen as cut.
    #[test]
    fn a_cut_right_trimmed_by_the_log_writer_is_truncated_too() {
        const BANK: &str =
            "ОПЕРАЦИЯ НЕ ВЫПОЛНЕНА. ОБРАТИТЕСЬ В ОТДЕЛЕНИЕ ВАШЕГО БАНКА. ПОДРОБНЕЕ НА САЙТЕ";
        let rules = rules(
            "systems:\n  - name: abs\n    roots: [abs]\n    encoding: windows-1251\n    limits:\n      - field: ERRMSG.ERR-TEXT\n",
        );
        let cut: String = BANK.chars().take(59).collect();
        assert!(cut.ends_with("БАНКА."));
        let mut trimmed = template("abs", &cut, 3);
        trimmed.seen.lengths = [lengths_of(&cut, 3)].into();
        // A text that merely happens to be 59 bytes long is no cut.
        let mut other = template("abs", "Операция выполнена", 3);
        other.seen.lengths = [lengths_of(&"x".repeat(59), 3)].into();
        let mut snap = snapshot(
            vec![
                def("abs", "E7", "ru", BANK),
                def("abs", "E8", "ru", "Операция выполнена успешно, спасибо"),
            ],
            vec![trimmed, other],
        );
        snap.limits = vec![limit_row(
            "abs",
            "ERRMSG.ERR-TEXT",
            60,
            LimitUnit::system_bytes(),
        )];
        let flags = Truncated.check(&input(&snap, &rules));
        assert_eq!(subjects(&snap, &flags), vec![("abs".to_string(), cut)]);
        let e = &flags[0].evidence;
        assert_eq!(e["instances_at_limit"], 3);
        assert_eq!(e["trimmed_length"], 59);
        assert_eq!(e["longest_instance"], 59);
        assert_eq!(e["definition"]["key"], "E7");
        assert_eq!(
            trimmed_cut(Measure::Chars, "БАНКА. ПОД", 7),
            Some(6),
            "cut after the blank"
        );
        assert_eq!(
            trimmed_cut(Measure::Chars, "БАНКА. ПОД", 8),
            None,
            "no blank at the cut"
        );
        assert_eq!(trimmed_cut(Measure::Chars, "БАНКА.", 8), None, "fits");
    }

    #[test]
    fn longer_instances_prove_a_cut_without_a_definition() {
        let rules = rules(
            "systems:\n  - name: crm\n    roots: [crm]\n    limits:\n      - field: UI\n        max: 20\n        unit: chars\n",
        );
        let mut cut_and_whole = template("crm", "Карта <CARD> закрыта", 4);
        cut_and_whole.seen.lengths = [
            lengths_of(&"x".repeat(20), 3),
            lengths_of(&"x".repeat(31), 1),
        ]
        .into();
        let mut exactly_twenty = template("crm", "Ровно двадцать симв.", 4);
        exactly_twenty.seen.lengths = [lengths_of(&"x".repeat(20), 4)].into();
        let snap = snapshot(vec![], vec![cut_and_whole, exactly_twenty]);
        let flags = Truncated.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![("crm".to_string(), "Карта <CARD> закрыта".to_string())],
            "a text that is simply 20 long is not cut"
        );
    }
}
