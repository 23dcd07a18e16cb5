//! `outdated-term`: texts naming what no longer exists.

use regex::Regex;
use serde_json::json;

use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::model::{KindId, Severity};

pub struct OutdatedTerm;

pub static INFO: KindInfo = KindInfo {
    id: KindId::OutdatedTerm,
    severity: Severity::Warning,
    title: "Outdated term (old hotline, brand, browser)",
    advice: "Replace the outdated term with the current one.",
    needs_observations: false,
    what: "A definition or an observed text containing a term from the rules' `outdated_terms`: a literal `term` (case-insensitive) or a `regex` (also case-insensitive). An observed text is flagged only when no definition of its key (any locale) contains the term itself (that definition is flagged instead). Observed texts are checked after masking, so a term that masking replaces (a phone number becomes `<PHONE>`) is found in definitions only.",
    why: "Old hotline numbers, dead browsers, former brand names: the client is sent somewhere that no longer exists.",
    evidence: "The term or regex as written in the rules, the matched text and the rules' reason.",
    fix: "Replace the term in the catalog (or in the code, for observed texts no catalog defines).",
    suppress: "`suppress: [{kind: outdated-term, system: web, key: footer.ie, reason: legal text, until: 2025-01-01}]`.",
};

impl FlagKind for OutdatedTerm {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        let terms: Vec<(Regex, &str, &str)> = input
            .rules
            .outdated_terms
            .iter()
            .filter_map(|t| {
                let (pattern, written) = match (&t.term, &t.regex) {
                    (Some(term), _) => (regex::escape(term), term.as_str()),
                    (None, Some(re)) => (re.0.as_str().to_string(), re.0.as_str()),
                    (None, None) => return None,
                };
                let re = regex::RegexBuilder::new(&pattern)
                    .case_insensitive(true)
                    .build()
                    .ok()?;
                Some((re, written, t.reason.as_str()))
            })
            .collect();
        let mut flags = Vec::new();
        for d in input.live_definitions() {
            for (re, written, reason) in &terms {
                if let Some(m) = re.find(&d.row.text) {
                    flags.push(Flag::on_key(
                        INFO.id,
                        &d.row.system,
                        &d.row.key,
                        format!(
                            "`{}` ({}) contains outdated \"{}\": {reason}",
                            d.row.key,
                            d.row.locale.as_deref().unwrap_or("-"),
                            m.as_str()
                        ),
                        json!({"term": written, "matched": m.as_str(), "reason": reason, "locale": d.row.locale, "at": super::at(d)}),
                    ));
                }
            }
        }
        for t in &input.snapshot.templates {
            let key = input.template_key(t);
            for (re, written, reason) in &terms {
                let Some(m) = re.find(&t.template) else {
                    continue;
                };
                if input
                    .key_definitions(&t.system, key)
                    .any(|d| re.is_match(&d.row.text))
                {
                    continue;
                }
                flags.push(Flag::on_template(
                    INFO.id,
                    &t.system,
                    &t.id,
                    format!(
                        "\"{}\" contains outdated \"{}\": {reason}",
                        t.template,
                        m.as_str()
                    ),
                    json!({"term": written, "matched": m.as_str(), "reason": reason}),
                ));
            }
        }
        flags
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;

    #[test]
    fn literal_terms_and_regexes_match_case_insensitively() {
        let rules = rules(
            "outdated_terms:\n  - term: Internet Explorer\n    reason: unsupported since 2022\n  - regex: '8[- ]?800[- ]?100[- ]?00[- ]?00'\n    reason: hotline moved to 8-800-200-00-00\n",
        );
        let old = def(
            "web",
            "browser",
            "ru",
            "Откройте сайт в internet explorer 11",
        );
        let hotline = def("web", "call", "ru", "Звоните 8-800-100-00-00");
        let new = def("web", "call2", "ru", "Звоните 8-800-200-00-00");
        let mut matched = template("web", "Звоните 8-800-100-00-00", 3);
        let mut hotline_en = def("web", "call", "en", "Call 8-800-200-00-00");
        observe(&mut hotline_en, &mut matched);
        let hardcoded = template("web", "Позвоните 8 800 100 00 00", 1);
        let snap = snapshot(
            vec![old, hotline_en, hotline, new],
            vec![matched, hardcoded],
        );
        let flags = OutdatedTerm.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![
                ("web".to_string(), "browser".to_string()),
                ("web".to_string(), "call".to_string()),
                ("web".to_string(), "Позвоните 8 800 100 00 00".to_string()),
            ],
            "the observed text of a flagged key is not flagged twice, whichever locale it matched"
        );
        assert_eq!(flags[0].evidence["matched"], "internet explorer");
    }
}
