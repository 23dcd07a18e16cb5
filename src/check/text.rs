//! `errata check --format text`: every new offender on its own line with
//! file:line, severity, kind and message; then suppressed findings with their
//! reasons, baseline findings fixed since, and a one-line summary.

use std::io::Write;

use super::{CheckOutcome, Finding, Status};
use crate::report::Reporter;

fn subject(f: &Finding) -> String {
    match (&f.flag.key, &f.flag.template) {
        (Some(k), _) => format!("{} {k}", f.flag.system),
        (None, Some(t)) => format!("{} template {t}", f.flag.system),
        (None, None) => f.flag.system.clone(),
    }
}

fn line(f: &Finding) -> String {
    let place = f.location.as_ref().map_or_else(
        || f.flag.system.clone(),
        |l| format!("{}:{}", l.path, l.line),
    );
    format!(
        "{place}: {}[{}] {}: {}",
        f.severity.as_str(),
        f.flag.kind,
        subject(f),
        f.flag.message
    )
}

pub struct Text;

impl Reporter<CheckOutcome> for Text {
    fn render(&self, outcome: &CheckOutcome, out: &mut dyn Write) -> std::io::Result<()> {
        render(outcome, out)
    }
}

fn render(outcome: &CheckOutcome, out: &mut dyn Write) -> std::io::Result<()> {
    for f in outcome.findings.iter().filter(|f| f.status == Status::New) {
        let below = if f.failing { "" } else { " (below --fail-on)" };
        writeln!(out, "{}{below}", line(f))?;
    }
    let suppressed: Vec<&Finding> = outcome
        .findings
        .iter()
        .filter(|f| f.status == Status::Suppressed)
        .collect();
    if !suppressed.is_empty() {
        writeln!(out, "\nsuppressed by the rules:")?;
        for f in suppressed {
            writeln!(
                out,
                "  {} (reason: {})",
                line(f),
                f.flag.suppressed.as_deref().unwrap_or("")
            )?;
        }
    }
    if !outcome.fixed.is_empty() {
        writeln!(out, "\nfixed since the baseline:")?;
        for e in &outcome.fixed {
            let subject = e.key.as_deref().or(e.template.as_deref()).unwrap_or("");
            writeln!(
                out,
                "  fixed[{}] {} {subject}: {}",
                e.kind, e.system, e.message
            )?;
        }
    }
    if !outcome.skipped_kinds.is_empty() {
        writeln!(
            out,
            "\nnot checked (no observations: scan logs or pass --db): {}",
            outcome
                .skipped_kinds
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )?;
    }
    let new = outcome.count(Status::New);
    let failing = outcome.findings.iter().filter(|f| f.failing).count();
    writeln!(
        out,
        "\n{new} new finding(s), {failing} at or above {}; {} in baseline, {} suppressed, {} fixed: {}",
        outcome.fail_on.as_str(),
        outcome.count(Status::Baseline),
        outcome.count(Status::Suppressed),
        outcome.fixed.len(),
        if outcome.failed() { "FAILED" } else { "passed" }
    )
}

#[cfg(test)]
mod tests {
    use crate::check::tests::snapshot;
    use crate::check::{CheckFormat, Severity, evaluate};

    #[test]
    fn lists_every_new_offender_with_file_line_kind_and_message() {
        let outcome = evaluate(&snapshot(), true, None, Severity::Warning);
        let mut out = Vec::new();
        CheckFormat::Text
            .reporter()
            .render(&outcome, &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("abs/messages.properties:9: error[field-too-long] abs ERR_LIMIT: field-too-long on ERR_LIMIT\n"),
            "{text}"
        );
        assert!(
            text.contains("logs/abs.log:3: warning[outdated-term] abs template t1:"),
            "{text}"
        );
        assert!(
            text.contains(
                "note[never-seen] abs ERR_LIMIT: never-seen on ERR_LIMIT (below --fail-on)"
            ),
            "{text}"
        );
        assert!(text.contains("(reason: owned by the ops team)"), "{text}");
        assert!(text.ends_with("3 new finding(s), 2 at or above warning; 0 in baseline, 1 suppressed, 0 fixed: FAILED\n"), "{text}");
    }
}
