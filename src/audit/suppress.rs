//! Suppressions: flags the owners accepted stay in every output, marked with the
//! reason; expired and unused suppressions are flags of their own
//! (`expired-suppression`, `unused-suppression`), so the rules stay true.

use serde_json::json;

use super::{AuditInput, KindInfo};
use crate::model::{Flag, KindId, Severity};
use crate::rules::Suppression;

/// The "Suppressing flags" section of `docs/flags.md`.
pub const SUPPRESSING: &str = r#"## Suppressing flags

A flag the owners accept is suppressed in the rules, never deleted:

```yaml
suppress:
  - kind: field-too-long      # required: the kind name
    system: abs               # optional: only this system
    key: ERR.LIMIT            # optional: only this definition key
    # template: 3f2a9c0d1e4b5a67   # or only this template id (from the reports)
    reason: ABS-1234, the screen wraps the text since release 5.2   # required
    until: 2025-03-31         # optional: expires after this day
```

A `kind` errata does not know is an error when the rules load, with a
did-you-mean; `reason` is required. A suppressed flag stays in every output with `suppressed` set to the reason;
`errata scan` still counts it. A suppression matches flags of its kind whose
system, key and template equal the ones it gives. After its `until` day (as of
the scan's `--as-of`) it no longer suppresses and is reported as
`expired-suppression`; one that suppresses nothing is reported as
`unused-suppression`. Neither of these two can be suppressed: fix the rules.
"#;

/// `expired-suppression`.
pub static EXPIRED: KindInfo = KindInfo {
    id: KindId::ExpiredSuppression,
    severity: Severity::Warning,
    title: "A suppression past its `until` date",
    advice: "Fix the text, or renew the suppression with a new date and reason.",
    needs_observations: false,
    what: "A `suppress` entry of the rules whose `until` day is before the as-of date. It no longer suppresses anything: the flags it covered are shown again.",
    why: "Suppressions are promises with a deadline (\"fixed in the next release\"); an expired one means the promise was not kept or the entry was forgotten.",
    evidence: "The entry's kind, system, key or template, reason and `until` day.",
    fix: "Fix what the suppressed flags point at, or extend `until` with a new reason.",
    suppress: "Cannot be suppressed: edit or remove the entry.",
};

/// `unused-suppression`.
pub static UNUSED: KindInfo = KindInfo {
    id: KindId::UnusedSuppression,
    severity: Severity::Note,
    title: "A suppression that matches no flag",
    advice: "Delete the suppression from the rules.",
    needs_observations: false,
    what: "A `suppress` entry of the rules, not expired, that matched no flag of this scan.",
    why: "The problem it accepted is gone (or the entry is misspelt, e.g. a wrong kind or key): a stale entry would silently hide a future flag.",
    evidence: "The entry's kind, system, key or template and reason.",
    fix: "Remove the entry, or correct its kind, system, key or template.",
    suppress: "Cannot be suppressed: edit or remove the entry.",
};

/// Marks suppressed flags and returns the flags about the suppressions themselves.
pub fn apply(input: &AuditInput<'_>, flags: &mut [Flag]) -> Vec<Flag> {
    let mut out = Vec::new();
    for s in &input.rules.suppress {
        let expired = s.until.is_some_and(|until| until < input.as_of);
        let mut used = false;
        for f in flags.iter_mut().filter(|f| matches(s, f)) {
            used = true;
            if !expired && f.suppressed.is_none() {
                f.suppressed = Some(s.reason.clone());
            }
        }
        let evidence = json!({
            "kind": s.kind,
            "system": s.system,
            "key": s.key,
            "template": s.template,
            "reason": s.reason,
            "until": s.until.map(|d| d.to_string()),
        });
        let about = |kind: KindId, message: String| Flag {
            kind,
            system: s.system.clone().unwrap_or_else(|| "*".to_string()),
            key: s.key.clone(),
            template: s.template.clone(),
            message,
            evidence: evidence.clone(),
            suppressed: None,
        };
        if expired {
            out.push(about(
                EXPIRED.id,
                format!(
                    "suppression of `{}` expired on {} ({})",
                    s.kind,
                    s.until.map(|d| d.to_string()).unwrap_or_default(),
                    s.reason
                ),
            ));
        } else if !used {
            out.push(about(
                UNUSED.id,
                format!("suppression of `{}` matches no flag ({})", s.kind, s.reason),
            ));
        }
    }
    out
}

fn matches(s: &Suppression, f: &Flag) -> bool {
    let same = |wanted: &Option<String>, actual: Option<&str>| {
        wanted.as_deref().is_none_or(|w| Some(w) == actual)
    };
    s.kind == f.kind
        && same(&s.system, Some(&f.system))
        && same(&s.key, f.key.as_deref())
        && same(&s.template, f.template.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;

    fn flag(kind: KindId, key: &str) -> Flag {
        Flag::on_key(kind, "abs", key, String::new(), json!({}))
    }

    #[test]
    fn suppressions_mark_expire_and_report_unused() {
        let rules = rules(
            "suppress:\n  - kind: stale\n    system: abs\n    key: A\n    reason: seasonal\n  - kind: stale\n    key: B\n    reason: old promise\n    until: 2024-06-01\n  - kind: stale\n    key: C\n    reason: still valid\n    until: 2024-12-31\n  - kind: never-seen\n    system: web\n    reason: gone\n",
        );
        let snap = snapshot(vec![], vec![]);
        let input = input(&snap, &rules);
        let mut flags = vec![
            flag(KindId::Stale, "A"),
            flag(KindId::Stale, "B"),
            flag(KindId::Stale, "C"),
        ];
        let about = apply(&input, &mut flags);
        assert_eq!(flags[0].suppressed.as_deref(), Some("seasonal"));
        assert_eq!(
            flags[1].suppressed, None,
            "expired suppressions do not suppress"
        );
        assert_eq!(flags[2].suppressed.as_deref(), Some("still valid"));
        let kinds: Vec<(KindId, &str, Option<&str>)> = about
            .iter()
            .map(|f| (f.kind, f.system.as_str(), f.key.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                (KindId::ExpiredSuppression, "*", Some("B")),
                (KindId::UnusedSuppression, "web", None)
            ]
        );
    }
}
