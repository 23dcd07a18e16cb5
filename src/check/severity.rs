//! How much each flag kind matters, and what to do about it.
//!
//! One table for every output: `errata check` fails on severities, reports show
//! the advice. Kind names are stable strings written by `audit/`; a kind this
//! table does not know is a warning with generic advice, so a new kind never
//! breaks a report or a pipeline.

use serde::Serialize;

/// How bad a finding is; ordered, so `--fail-on` compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `note`, `warning` or `error`.
    pub fn parse(s: &str) -> Option<Severity> {
        [Severity::Note, Severity::Warning, Severity::Error]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// What errata knows about a flag kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindInfo {
    pub kind: &'static str,
    pub severity: Severity,
    /// A short title for rule lists (SARIF `shortDescription`).
    pub title: &'static str,
    /// What to do, in one sentence a product owner can act on.
    pub advice: &'static str,
    /// Whether the kind is about what the logs showed, so that it means nothing
    /// when no observations were scanned (a release tree without logs).
    pub needs_observations: bool,
}

/// Every known kind with its severity, in documentation order (`docs/ci.md`).
pub static KINDS: &[KindInfo] = &[
    KindInfo {
        kind: "field-too-long",
        severity: Severity::Error,
        title: "Text longer than a field it passes through",
        advice: "Shorten the text (or widen the field) so it fits the limit in the field's own unit.",
        needs_observations: false,
    },
    KindInfo {
        kind: "truncated",
        severity: Severity::Error,
        title: "Clients see the text cut off",
        advice: "Shorten the definition to fit the legacy field, or widen the field.",
        needs_observations: true,
    },
    KindInfo {
        kind: "unencodable-char",
        severity: Severity::Error,
        title: "Character the field's encoding cannot show",
        advice: "Replace the character with one the target encoding has (e.g. \" for «», ... for …).",
        needs_observations: false,
    },
    KindInfo {
        kind: "pii-exposed",
        severity: Severity::Error,
        title: "Personal data shown to clients",
        advice: "Stop putting personal data into client-facing texts; mask it where the text is built.",
        needs_observations: true,
    },
    KindInfo {
        kind: "placeholder-mismatch",
        severity: Severity::Error,
        title: "Translations with different placeholders",
        advice: "Give every translation of the key the same placeholders.",
        needs_observations: false,
    },
    KindInfo {
        kind: "duplicate-key",
        severity: Severity::Error,
        title: "Key defined twice with different texts",
        advice: "Keep one definition of the key and delete the other.",
        needs_observations: false,
    },
    KindInfo {
        kind: "undefined",
        severity: Severity::Warning,
        title: "Text shown to clients that no catalog defines",
        advice: "Move the hard-coded text into the system's message catalog so someone owns it.",
        needs_observations: true,
    },
    KindInfo {
        kind: "outdated-term",
        severity: Severity::Warning,
        title: "Outdated term (old hotline, brand, browser)",
        advice: "Replace the outdated term with the current one.",
        needs_observations: false,
    },
    KindInfo {
        kind: "inconsistent-text",
        severity: Severity::Warning,
        title: "Same code, different texts across systems",
        advice: "Agree on one text per code across systems.",
        needs_observations: false,
    },
    KindInfo {
        kind: "near-duplicate",
        severity: Severity::Note,
        title: "Two texts that differ only slightly",
        advice: "Merge the two texts into one, or make the difference deliberate.",
        needs_observations: false,
    },
    KindInfo {
        kind: "stale",
        severity: Severity::Note,
        title: "Not seen in the logs for a long time",
        advice: "Check whether the text is still reachable; delete it if not.",
        needs_observations: true,
    },
    KindInfo {
        kind: "never-seen",
        severity: Severity::Note,
        title: "Defined but never shown to a client",
        advice: "Check whether the text is still reachable; delete it if not.",
        needs_observations: true,
    },
    KindInfo {
        kind: "expired-suppression",
        severity: Severity::Warning,
        title: "A suppression past its `until` date",
        advice: "Fix the text, or renew the suppression with a new date and reason.",
        needs_observations: false,
    },
    KindInfo {
        kind: "unused-suppression",
        severity: Severity::Note,
        title: "A suppression that matches no flag",
        advice: "Delete the suppression from the rules.",
        needs_observations: false,
    },
];

/// What errata knows about `kind`; unknown kinds are warnings with generic advice.
pub fn kind_info(kind: &str) -> KindInfo {
    KINDS
        .iter()
        .copied()
        .find(|k| k.kind == kind)
        .unwrap_or(KindInfo {
            kind: "",
            severity: Severity::Warning,
            title: "Finding",
            advice: "Read the message and evidence, fix the text or suppress the flag with a reason.",
            needs_observations: false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_are_ordered_for_fail_on() {
        assert!(Severity::Error > Severity::Warning);
        assert!(Severity::Warning > Severity::Note);
        assert_eq!(Severity::parse("error"), Some(Severity::Error));
        assert_eq!(Severity::parse("fatal"), None);
    }

    #[test]
    fn unknown_kinds_are_warnings_with_advice() {
        let info = kind_info("some-future-kind");
        assert_eq!(info.severity, Severity::Warning);
        assert!(!info.advice.is_empty());
        assert_eq!(kind_info("truncated").severity, Severity::Error);
    }

    #[test]
    fn docs_ci_lists_every_kind_with_its_severity() {
        let doc = include_str!("../../docs/ci.md");
        for k in KINDS {
            let row = format!(
                "| `{}` | {} | {} |",
                k.kind,
                k.severity.as_str(),
                if k.needs_observations { "yes" } else { "no" }
            );
            assert!(doc.contains(&row), "docs/ci.md lacks {row}");
        }
    }

    #[test]
    fn kinds_are_listed_once() {
        let mut names: Vec<_> = KINDS.iter().map(|k| k.kind).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KINDS.len());
    }
}
