//! Audit flags: what needs action, with evidence.
//!
//! Each flag kind is one file under `audit/` implementing [`FlagKind`], with its
//! documentation and tests beside it, listed in [`KINDS`]. Kind names are stable
//! identifiers used in every output.

use chrono::NaiveDate;
use serde::Serialize;

use crate::catalog::Snapshot;
use crate::rules::Rules;

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

/// What every flag kind may look at.
pub struct AuditInput<'a> {
    pub snapshot: &'a Snapshot,
    pub rules: &'a Rules,
    pub as_of: NaiveDate,
}

/// A kind of flag: one file per kind under `audit/`.
pub trait FlagKind: Sync {
    /// The stable kind name used in every output.
    fn name(&self) -> &'static str;
    /// Finds every flag of this kind.
    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag>;
}

/// Every flag kind, in documentation order.
pub static KINDS: &[&dyn FlagKind] = &[];

/// Runs every flag kind, sorted for deterministic output.
pub fn run(input: &AuditInput<'_>) -> Vec<Flag> {
    let mut flags: Vec<Flag> = KINDS.iter().flat_map(|k| k.check(input)).collect();
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
