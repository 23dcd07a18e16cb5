//! `duplicate-key`: one key defined twice in one catalog file.

use std::collections::BTreeMap;

use serde_json::json;

use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::catalog::DefinitionView;
use crate::model::{KindId, Severity};

pub struct DuplicateKey;

pub static INFO: KindInfo = KindInfo {
    id: KindId::DuplicateKey,
    severity: Severity::Error,
    title: "Key defined twice with different texts",
    advice: "Keep one definition of the key and delete the other.",
    needs_observations: false,
    what: "One key (same locale and plural form) defined more than once in one catalog file with different texts. Repeats with the same text are harmless and not flagged.",
    why: "Which text wins depends on the reader (first or last occurrence): the text a reviewer approved may not be the one shown.",
    evidence: "The file, locale and every occurrence's line and text.",
    fix: "Delete the occurrences that are not meant, keep one.",
    suppress: "`suppress: [{kind: duplicate-key, system: web, key: err.funds, reason: …}]`.",
};

impl FlagKind for DuplicateKey {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        type Occurrence<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<&'a str>);
        let mut groups: BTreeMap<Occurrence<'_>, Vec<&DefinitionView>> = BTreeMap::new();
        for d in input.live_definitions() {
            groups
                .entry((
                    &d.row.system,
                    &d.row.path,
                    &d.row.key,
                    d.row.locale.as_deref(),
                    d.row.form.as_deref(),
                ))
                .or_default()
                .push(d);
        }
        groups
            .into_iter()
            .filter(|(_, defs)| defs.iter().any(|d| d.row.text != defs[0].row.text))
            .map(|((system, path, key, locale, _), mut defs)| {
                defs.sort_by_key(|d| d.row.line);
                let lines: Vec<String> = defs.iter().map(|d| d.row.line.to_string()).collect();
                Flag::on_key(
                    INFO.id,
                    system,
                    key,
                    format!("`{key}` is defined {} times in {path} (lines {})", defs.len(), lines.join(", ")),
                    json!({
                        "path": path,
                        "locale": locale,
                        "occurrences": defs.iter().map(|d| json!({"line": d.row.line, "text": d.row.text})).collect::<Vec<_>>(),
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
    fn repeats_with_different_texts_in_one_file_are_flagged() {
        let mut first = def("web", "err.funds", "ru", "Недостаточно средств");
        let mut second = def("web", "err.funds", "ru", "Не хватает средств");
        second.row.line = 9;
        second.row.id.push('2');
        let mut same_a = def("web", "err.same", "ru", "Одно и то же");
        let mut same_b = same_a.clone();
        same_b.row.line = 12;
        same_b.row.id.push('2');
        let mut other_file = def("web", "err.funds", "ru", "Средств нет");
        other_file.row.path = "web/extra_ru.properties".to_string();
        first.row.line = 3;
        same_a.row.line = 4;
        let snap = snapshot(vec![second, first, same_a, same_b, other_file], vec![]);
        let rules = rules("{}");
        let flags = DuplicateKey.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![("web".to_string(), "err.funds".to_string())]
        );
        assert_eq!(flags[0].evidence["occurrences"][0]["line"], 3);
        assert!(flags[0].message.contains("lines 3, 9"));
    }
}
