//! `errata check --format json`: the whole outcome (findings with status,
//! fingerprints and evidence; fixed baseline entries; warnings) for scripts.

use std::io::Write;

use super::CheckOutcome;
use crate::report::Reporter;

pub struct Json;

impl Reporter<CheckOutcome> for Json {
    fn render(&self, outcome: &CheckOutcome, out: &mut dyn Write) -> std::io::Result<()> {
        render(outcome, out)
    }
}

fn render(outcome: &CheckOutcome, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &serde_json::json!({
            "failed": outcome.failed(),
            "outcome": outcome,
        }),
    )?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use crate::check::tests::snapshot;
    use crate::check::{CheckFormat, Severity, evaluate};

    #[test]
    fn carries_status_fingerprint_and_failure() {
        let outcome = evaluate(&snapshot(), true, None, Severity::Error);
        let mut out = Vec::new();
        CheckFormat::Json
            .reporter()
            .render(&outcome, &mut out)
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["failed"], true);
        let first = &v["outcome"]["findings"][0];
        assert_eq!(first["kind"], "field-too-long");
        assert_eq!(first["status"], "new");
        assert_eq!(first["severity"], "error");
        assert!(first["fingerprint"].as_str().unwrap().starts_with("v1:"));
    }
}
