//! `unencodable-char`: characters a field's encoding cannot carry.

use std::collections::BTreeMap;

use serde_json::json;

use super::limits::{Limit, for_definition, for_template};
use super::measure::Measure;
use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::charset::Charset;
use crate::model::{KindId, Severity};

pub struct UnencodableChar;

pub static INFO: KindInfo = KindInfo {
    id: KindId::UnencodableChar,
    severity: Severity::Error,
    title: "Character the field's encoding cannot show",
    advice: "Replace the character with one the target encoding has (e.g. \" for «», ... for …).",
    needs_observations: false,
    what: "A text containing characters the encoding of a byte-counted field it passes through cannot represent: emoji, `✓`, `é` in windows-1251; `«»`, `…`, `№`, `—`, NBSP in EBCDIC code pages; Cyrillic in Latin ones. Definitions are checked as written; observed templates as masked (placeholders are ASCII). One flag per text and encoding.",
    why: "The legacy system replaces the character with `?` or garbage, or rejects the whole message.",
    evidence: "The encoding, the characters with their code points (`U+2026`), and the fields (limits with provenance) using that encoding.",
    fix: "Replace the characters with ones the encoding has (`...` for `…`, `\"` for `«»`, a plain space for NBSP), or change the field's encoding.",
    suppress: "`suppress: [{kind: unencodable-char, system: abs, key: ERR.QUOTE, reason: …}]`.",
};

impl FlagKind for UnencodableChar {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        let mut flags = Vec::new();
        for d in input.live_definitions() {
            let fields = for_definition(input, d);
            for (charset, chars, limits) in unencodable(fields, &d.row.text) {
                flags.push(Flag::on_key(
                    INFO.id,
                    &d.row.system,
                    &d.row.key,
                    format!(
                        "`{}` ({}) has {} not in {}",
                        d.row.key,
                        d.row.locale.as_deref().unwrap_or("-"),
                        list(&chars),
                        charset.name()
                    ),
                    evidence(
                        charset,
                        &chars,
                        &limits,
                        Some(json!({"locale": d.row.locale, "at": super::at(d)})),
                    ),
                ));
            }
        }
        for t in &input.snapshot.templates {
            let fields = for_template(input, t, input.template_key(t));
            for (charset, chars, limits) in unencodable(fields, &t.template) {
                flags.push(Flag::on_template(
                    INFO.id,
                    &t.system,
                    &t.id,
                    format!(
                        "\"{}\" has {} not in {}",
                        t.template,
                        list(&chars),
                        charset.name()
                    ),
                    evidence(charset, &chars, &limits, None),
                ));
            }
        }
        flags
    }
}

/// Per legacy encoding among `fields`: the characters of `text` it lacks, and the fields.
fn unencodable<'a>(
    fields: Vec<Limit<'a>>,
    text: &str,
) -> Vec<(Charset, Vec<char>, Vec<Limit<'a>>)> {
    let mut by_charset: BTreeMap<&'static str, (Charset, Vec<Limit<'a>>)> = BTreeMap::new();
    for limit in fields {
        if let Measure::Bytes(charset) = limit.measure {
            by_charset
                .entry(charset.name())
                .or_insert_with(|| (charset, Vec::new()))
                .1
                .push(limit);
        }
    }
    by_charset
        .into_values()
        .filter_map(|(charset, limits)| {
            let chars = charset.unencodable_chars(text);
            (!chars.is_empty()).then_some((charset, chars, limits))
        })
        .collect()
}

fn list(chars: &[char]) -> String {
    chars
        .iter()
        .map(|c| format!("\"{c}\" (U+{:04X})", *c as u32))
        .collect::<Vec<_>>()
        .join(", ")
}

fn evidence(
    charset: Charset,
    chars: &[char],
    limits: &[Limit<'_>],
    definition: Option<serde_json::Value>,
) -> serde_json::Value {
    json!({
        "encoding": charset.name(),
        "chars": chars.iter().map(|c| json!({"char": c.to_string(), "code": format!("U+{:04X}", *c as u32)})).collect::<Vec<_>>(),
        "fields": limits.iter().map(Limit::evidence).collect::<Vec<_>>(),
        "definition": definition,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;

    #[test]
    fn characters_missing_from_the_field_encoding_are_flagged() {
        let rules = rules(
            "systems:\n  - name: abs\n    roots: [abs]\n    encoding: windows-1251\n    limits:\n      - field: ERR-TEXT\n        max: 200\n        unit: bytes\n  - name: web\n    roots: [web]\n    limits:\n      - field: UI\n        max: 200\n        unit: bytes\n",
        );
        let emoji = def("abs", "E1", "ru", "Готово 👍 — «ок»");
        let fine = def("abs", "E2", "ru", "Готово\u{a0}— «ок» №5…");
        let utf8 = def("web", "E1", "ru", "Готово 👍");
        let observed = template("abs", "Ждите ответа ✓", 1);
        let snap = snapshot(vec![emoji, fine, utf8], vec![observed]);
        let flags = UnencodableChar.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![
                ("abs".to_string(), "E1".to_string()),
                ("abs".to_string(), "Ждите ответа ✓".to_string())
            ],
            "windows-1251 has «», —, №, NBSP and … but no emoji or ✓; UTF-8 has everything"
        );
        assert_eq!(flags[0].evidence["chars"][0]["code"], "U+1F44D");
        assert_eq!(flags[0].evidence["fields"][0]["field"], "ERR-TEXT");
    }
}
