//! Audit flags: what needs action, with evidence.
//!
//! Each flag kind is one file under `audit/` implementing [`FlagKind`], with its
//! documentation ([`KindDocs`]) and tests beside it, listed in [`KINDS`]. Kind
//! names are stable identifiers used in every output. [`run`] checks every kind,
//! then applies the rules' suppressions (`suppress.rs`). `docs/flags.md` is
//! generated from the docs here by [`docs_markdown`]; a test fails when it is stale.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalog::{DefinitionView, Snapshot, TemplateView};
use crate::rules::Rules;

mod duplicate_key;
mod field_too_long;
mod inconsistent_text;
mod limits;
pub mod measure;
mod near_duplicate;
mod never_seen;
mod outdated_term;
mod pii_exposed;
mod placeholder_mismatch;
mod stale;
mod suppress;
#[cfg(test)]
mod testing;
mod truncated;
mod undefined;
mod unencodable_char;

/// One finding about a definition or a template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    /// Stable kind name, e.g. `stale`.
    pub kind: &'static str,
    pub system: String,
    /// The definition key, when the flag is about a definition.
    pub key: Option<String>,
    /// The template id, when the flag is about a template.
    pub template: Option<String>,
    pub message: String,
    /// Kind-specific facts behind the flag (never personal data).
    pub evidence: serde_json::Value,
    /// The suppression's reason, when the rules suppress this flag.
    pub suppressed: Option<String>,
}

impl Flag {
    /// A flag about the key of a definition.
    pub fn on_key(
        kind: &'static str,
        system: &str,
        key: &str,
        message: String,
        evidence: serde_json::Value,
    ) -> Flag {
        Flag {
            kind,
            system: system.to_string(),
            key: Some(key.to_string()),
            template: None,
            message,
            evidence,
            suppressed: None,
        }
    }

    /// A flag about an observed template.
    pub fn on_template(
        kind: &'static str,
        template: &TemplateView,
        message: String,
        evidence: serde_json::Value,
    ) -> Flag {
        Flag {
            kind,
            system: template.system.clone(),
            key: None,
            template: Some(template.id.clone()),
            message,
            evidence,
            suppressed: None,
        }
    }
}

/// What every flag kind may look at.
pub struct AuditInput<'a> {
    pub snapshot: &'a Snapshot,
    pub rules: &'a Rules,
    pub as_of: NaiveDate,
    /// Definitions by id, and live ones by (system, key): kinds look them up per
    /// template, which must not mean a scan of every definition each time.
    by_id: HashMap<&'a str, &'a DefinitionView>,
    by_key: HashMap<(&'a str, &'a str), Vec<&'a DefinitionView>>,
}

impl<'a> AuditInput<'a> {
    pub fn new(snapshot: &'a Snapshot, rules: &'a Rules, as_of: NaiveDate) -> AuditInput<'a> {
        let by_id = snapshot
            .definitions
            .iter()
            .map(|d| (d.row.id.as_str(), d))
            .collect();
        let mut by_key: HashMap<(&str, &str), Vec<&DefinitionView>> = HashMap::new();
        for d in snapshot
            .definitions
            .iter()
            .filter(|d| d.row.state != "obsolete")
        {
            by_key
                .entry((d.row.system.as_str(), d.row.key.as_str()))
                .or_default()
                .push(d);
        }
        AuditInput {
            snapshot,
            rules,
            as_of,
            by_id,
            by_key,
        }
    }

    /// Definitions that are live catalog entries (obsolete ones are history only).
    pub fn live_definitions(&self) -> impl Iterator<Item = &'a DefinitionView> + use<'a> {
        self.snapshot
            .definitions
            .iter()
            .filter(|d| d.row.state != "obsolete")
    }

    /// The key an observed template goes by: its definition's, else the one its
    /// log records captured.
    pub fn template_key(&self, t: &'a TemplateView) -> Option<&'a str> {
        t.definition_id
            .as_deref()
            .and_then(|id| self.definition(id))
            .map(|d| d.row.key.as_str())
            .or(t.key.as_deref())
    }

    /// The live definitions of a key in a system, every locale and form.
    pub fn key_definitions(
        &self,
        system: &'a str,
        key: Option<&'a str>,
    ) -> impl Iterator<Item = &'a DefinitionView> + use<'a> {
        key.and_then(|key| self.by_key.get(&(system, key)))
            .cloned()
            .unwrap_or_default()
            .into_iter()
    }

    /// The definition with id `id`.
    pub fn definition(&self, id: &str) -> Option<&'a DefinitionView> {
        self.by_id.get(id).copied()
    }
}

/// A flag kind's documentation, in the fixed sections of `docs/flags.md`.
pub struct KindDocs {
    /// The stable kind name.
    pub name: &'static str,
    /// What the flag means, precisely.
    pub what: &'static str,
    /// Why it matters to clients or owners.
    pub why: &'static str,
    /// What the flag's evidence holds.
    pub evidence: &'static str,
    /// How to fix what it points at.
    pub fix: &'static str,
    /// How to suppress it when the owners accept it.
    pub suppress: &'static str,
}

/// A kind of flag: one file per kind under `audit/`.
pub trait FlagKind: Sync {
    /// The kind's documentation; `docs().name` is the stable kind name.
    fn docs(&self) -> &'static KindDocs;
    /// Finds every flag of this kind.
    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag>;
    /// The stable kind name used in every output.
    fn name(&self) -> &'static str {
        self.docs().name
    }
}

/// Every flag kind, in documentation order.
pub static KINDS: &[&dyn FlagKind] = &[
    &never_seen::NeverSeen,
    &stale::Stale,
    &outdated_term::OutdatedTerm,
    &undefined::Undefined,
    &field_too_long::FieldTooLong,
    &truncated::Truncated,
    &unencodable_char::UnencodableChar,
    &inconsistent_text::InconsistentText,
    &near_duplicate::NearDuplicate,
    &placeholder_mismatch::PlaceholderMismatch,
    &duplicate_key::DuplicateKey,
    &pii_exposed::PiiExposed,
];

/// The names of every kind a flag can have, suppression kinds included.
pub fn kind_names() -> Vec<&'static str> {
    KINDS
        .iter()
        .map(|k| k.name())
        .chain(suppress::DOCS.iter().map(|d| d.name))
        .collect()
}

/// Runs every flag kind, applies the suppressions, and sorts for deterministic output.
pub fn run(input: &AuditInput<'_>) -> Vec<Flag> {
    let mut flags: Vec<Flag> = KINDS.iter().flat_map(|k| k.check(input)).collect();
    let about_suppressions = suppress::apply(input, &mut flags);
    flags.extend(about_suppressions);
    flags.sort_by(|a, b| {
        (a.kind, &a.system, &a.key, &a.template, &a.message).cmp(&(
            b.kind,
            &b.system,
            &b.key,
            &b.template,
            &b.message,
        ))
    });
    flags
}

/// Where a definition is written, `path:line`, as every evidence shows it.
fn at(d: &DefinitionView) -> String {
    format!("{}:{}", d.row.path, d.row.line)
}

/// Problems of the rules that leave texts unchecked (see `limits::problems`),
/// for the scan's warnings.
pub fn rules_warnings(input: &AuditInput<'_>) -> Vec<crate::model::Warning> {
    limits::problems(input)
}

/// The date part of a stored `YYYY-MM-DDTHH:MM:SS` time.
fn date_of(time: &str) -> Option<NaiveDate> {
    time.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// `docs/flags.md`: the limits section and every kind's docs, in registry order.
pub fn docs_markdown() -> String {
    let mut out = String::from(
        "# Flags\n\n\
         <!-- Generated from src/audit/ by `ERRATA_UPDATE_DOCS=1 cargo test --lib audit::tests::flags_doc_is_fresh`; do not edit. -->\n\n\
         Every flag has a stable kind name, a system, the key (definitions) or the\n\
         template id (observed texts) it is about, a message and evidence. Evidence\n\
         never holds personal data. Flags appear in the JSON report's `flags` (and each\n\
         definition's and template's `flags`), in the Markdown report grouped by system\n\
         and kind, and `errata scan` prints their number by kind.\n\n\
         Kinds:\n\n",
    );
    let all: Vec<&KindDocs> = KINDS
        .iter()
        .map(|k| k.docs())
        .chain(suppress::DOCS.iter())
        .collect();
    for d in &all {
        out.push_str(&format!("- [`{}`](#{})\n", d.name, d.name));
    }
    out.push('\n');
    out.push_str(limits::DOCS);
    out.push('\n');
    out.push_str(suppress::SUPPRESSING);
    for d in all {
        out.push_str(&format!(
            "\n## {}\n\n**What.** {}\n\n**Why.** {}\n\n**Evidence.** {}\n\n**How to fix.** {}\n\n**How to suppress.** {}\n",
            d.name, d.what, d.why, d.evidence, d.fix, d.suppress
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_unique_kebab_case() {
        let names = kind_names();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        assert_eq!(names.len(), 14);
        for n in names {
            assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{n}");
        }
        for k in KINDS {
            assert_eq!(k.name(), k.docs().name);
        }
    }

    /// docs/flags.md is generated; regenerate with `ERRATA_UPDATE_DOCS=1`.
    #[test]
    fn flags_doc_is_fresh() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/flags.md");
        let expected = docs_markdown();
        if std::env::var_os("ERRATA_UPDATE_DOCS").is_some() {
            std::fs::write(path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/flags.md is stale: run `ERRATA_UPDATE_DOCS=1 cargo test --lib audit::tests::flags_doc_is_fresh`"
        );
    }
}
