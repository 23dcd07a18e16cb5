//! `errata check --format sarif`: SARIF 2.1.0 for code-scanning dashboards.
//!
//! One rule per flag kind, with its severity
//! as the default level and its advice as help. Each result carries the
//! line-independent fingerprint in `partialFingerprints`, its `baselineState`
//! (`new`, `unchanged`, or `absent` for baseline findings that are fixed), and
//! suppressed findings carry a suppression with the rules' reason.
//! Relative paths are relative to where `errata check` ran (`%SRCROOT%`).

use std::io::Write;

use serde_json::{Value, json};

use super::{CheckOutcome, Finding, Location, Severity, Status};
use crate::audit;
use crate::model::{KindId, Vocabulary};
use crate::report::Reporter;

/// The `partialFingerprints` key: ours, versioned.
pub const FINGERPRINT_KEY: &str = "errata/v1";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn location(l: &Location) -> Value {
    let path = l.path.strip_prefix("./").unwrap_or(&l.path);
    let artifact = if path.starts_with('/') {
        json!({"uri": format!("file://{}", path.replace(' ', "%20"))})
    } else {
        json!({"uri": path.replace(' ', "%20"), "uriBaseId": "%SRCROOT%"})
    };
    let mut region = json!({});
    if l.line > 0 {
        region["startLine"] = json!(l.line);
    }
    json!({"physicalLocation": {"artifactLocation": artifact, "region": region}})
}

pub struct Sarif;

impl Reporter<CheckOutcome> for Sarif {
    fn render(&self, outcome: &CheckOutcome, out: &mut dyn Write) -> std::io::Result<()> {
        render(outcome, out)
    }
}

fn render(outcome: &CheckOutcome, out: &mut dyn Write) -> std::io::Result<()> {
    let rules: Vec<Value> = KindId::ALL
        .iter()
        .map(|&kind| {
            let info = audit::info(kind);
            json!({
                "id": kind,
                "name": kind,
                "shortDescription": {"text": info.title},
                "help": {"text": info.advice},
                "defaultConfiguration": {"level": level(info.severity)},
                "properties": {"severity": info.severity.as_str()},
            })
        })
        .collect();
    let rule_index = |kind: KindId| KindId::ALL.iter().position(|k| *k == kind);
    let mut results: Vec<Value> = outcome
        .findings
        .iter()
        .map(|f: &Finding| {
            let mut result = json!({
                "ruleId": f.flag.kind,
                "ruleIndex": rule_index(f.flag.kind),
                "level": level(f.severity),
                "message": {"text": f.flag.message},
                "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
                "baselineState": if f.status == Status::Baseline { "unchanged" } else { "new" },
                "properties": {
                    "system": f.flag.system,
                    "key": f.flag.key,
                    "template": f.flag.template,
                    "evidence": f.flag.evidence,
                    "failing": f.failing,
                },
            });
            if let Some(l) = &f.location {
                result["locations"] = json!([location(l)]);
            }
            if let Some(reason) = &f.flag.suppressed {
                result["suppressions"] = json!([{"kind": "external", "justification": reason}]);
            }
            result
        })
        .collect();
    results.extend(outcome.fixed.iter().map(|e| {
        json!({
            "ruleId": e.kind,
            "ruleIndex": rule_index(e.kind),
            "level": level(audit::info(e.kind).severity),
            "message": {"text": format!("fixed since the baseline: {}", e.message)},
            "partialFingerprints": {FINGERPRINT_KEY: e.fingerprint},
            "baselineState": "absent",
            "properties": {"system": e.system, "key": e.key, "template": e.template},
        })
    }));
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "errata",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "the directory errata check ran in"}}},
            "results": results,
            "invocations": [{"executionSuccessful": true, "exitCode": i32::from(outcome.failed())}],
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use crate::check::tests::snapshot;
    use crate::check::{BaselineEntry, CheckFormat, Severity, evaluate};
    use crate::model::{KindId, Vocabulary};

    #[test]
    fn results_carry_rules_fingerprints_and_baseline_states() {
        let mut baseline = evaluate(&snapshot(), true, None, Severity::Warning).to_baseline();
        baseline.findings.retain(|f| f.kind == KindId::FieldTooLong);
        baseline.findings.push(BaselineEntry {
            fingerprint: "v1:gone".to_string(),
            kind: KindId::Stale,
            system: "abs".to_string(),
            key: Some("OLD".to_string()),
            template: None,
            message: "old".to_string(),
        });
        let outcome = evaluate(&snapshot(), true, Some(&baseline), Severity::Warning);
        let mut out = Vec::new();
        CheckFormat::Sarif
            .reporter()
            .render(&outcome, &mut out)
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let run = &v["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
        let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, KindId::names(), "one rule per kind, most severe first");
        let results = run["results"].as_array().unwrap();
        let states: Vec<(&str, &str)> = results
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap(),
                    r["baselineState"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            states,
            vec![
                ("outdated-term", "new"),
                ("never-seen", "new"),
                ("field-too-long", "unchanged"),
                ("undefined", "new"),
                ("stale", "absent"),
            ]
        );
        for r in results {
            let index = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], r["ruleId"]);
            assert!(r["partialFingerprints"]["errata/v1"].is_string());
        }
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "logs/abs.log"
        );
        assert_eq!(
            results[3]["suppressions"][0]["justification"],
            "owned by the ops team"
        );
    }
}
