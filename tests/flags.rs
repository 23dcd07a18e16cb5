//! End-to-end audit flags: `errata scan fixtures/bank --rules rules` then the
//! JSON and Markdown reports, for the systems the audit fixtures add (abs, crm,
//! sms). Other systems of the landscape are left to their own tests.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// Systems whose flags these tests own.
const SYSTEMS: &[&str] = &["abs", "crm", "sms"];

fn errata() -> Command {
    Command::cargo_bin("errata").expect("the errata binary builds")
}

/// Scans the landscape as of 2024-06-30 and returns the JSON report and the scan's stdout.
fn scan_and_report(db: &Path) -> (Value, String) {
    let scan = errata()
        .args([
            "scan",
            "fixtures/bank",
            "--rules",
            "rules",
            "--as-of",
            "2024-06-30",
            "--db",
        ])
        .arg(db)
        .assert()
        .success();
    let stdout = String::from_utf8(scan.get_output().stdout.clone()).unwrap();
    let report = errata()
        .args(["report", "--format", "json", "--db"])
        .arg(db)
        .assert()
        .success();
    let json = serde_json::from_slice(&report.get_output().stdout).unwrap();
    (json, stdout)
}

/// `(kind, system, subject)` of every flag of [`SYSTEMS`], sorted: the key for flags on
/// definitions, `template:<definition key>` for flags on matched templates and
/// `template:<text>` for unmatched ones (masked texts of the fixtures hold no variables).
fn flag_list(report: &Value) -> Vec<(String, String, String)> {
    let templates = report["templates"].as_array().unwrap();
    let mut list = report["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| SYSTEMS.contains(&f["system"].as_str().unwrap()))
        .map(|f| {
            let subject = match (f["key"].as_str(), f["template"].as_str()) {
                (Some(key), _) => key.to_string(),
                (None, Some(id)) => {
                    let t = templates.iter().find(|t| t["id"] == id).unwrap();
                    let name = t["definition"].as_str().or(t["template"].as_str());
                    format!("template:{}", name.unwrap())
                }
                (None, None) => String::new(),
            };
            (
                f["kind"].as_str().unwrap().to_string(),
                f["system"].as_str().unwrap().to_string(),
                subject,
            )
        })
        .collect::<Vec<_>>();
    list.sort();
    list
}

/// The line of `needle` in a rules file, as the evidence names it.
fn rules_line(path: &str, needle: &str) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let line = text.lines().position(|l| l.contains(needle)).unwrap() + 1;
    format!("{path}:{line}")
}

#[test]
fn observed_sms_over_one_segment_and_suppressions_are_flagged_with_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let (report, stdout) = scan_and_report(&dir.path().join("errata.db"));
    assert!(stdout.contains("field-too-long: "), "{stdout}");
    assert!(stdout.contains("expired-suppression: 1"), "{stdout}");

    // The Cyrillic one-time-password SMS seen in the gateway log needs two UCS-2
    // segments; its English twin fits one GSM-7 segment.
    let flags = report["flags"].as_array().unwrap();
    let sms: Vec<&Value> = flags
        .iter()
        .filter(|f| {
            f["kind"] == "field-too-long" && f["system"] == "sms" && f["template"].is_string()
        })
        .collect();
    assert_eq!(sms.len(), 1, "{sms:?}");
    let exceeds = &sms[0]["evidence"]["exceeds"][0];
    assert_eq!(exceeds["length"], 2);
    assert_eq!(exceeds["measured"], "longest_instance");
    assert_eq!(
        exceeds["limit"],
        serde_json::json!({
            "field": "SMS",
            "max": 1,
            "unit": "sms_segments",
            "encoding": null,
            "provenance": rules_line("rules/sms.yaml", "field: SMS"),
        })
    );
    let id = sms[0]["template"].as_str().unwrap();
    let template = report["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap();
    assert!(
        template["flags"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("field-too-long")),
        "{template}"
    );

    let list = flag_list(&report);
    for expected in [
        ("expired-suppression", "abs", "ABS.LIMIT"),
        ("unused-suppression", "abs", "ABS.GONE"),
    ] {
        let expected = (expected.0.into(), expected.1.into(), expected.2.into());
        assert!(
            list.contains(&expected),
            "{expected:?} missing from {list:#?}"
        );
    }

    let md = errata()
        .args(["report", "--format", "md", "--db"])
        .arg(dir.path().join("errata.db"))
        .assert()
        .success();
    let md = String::from_utf8(md.get_output().stdout.clone()).unwrap();
    let sms_section = md.split("\n## sms\n").nth(1).unwrap();
    assert!(sms_section.contains("### Flags ("), "{sms_section}");
    assert!(sms_section.contains("| field-too-long | "), "{sms_section}");
}

/// The exact flags of abs, crm and sms: every kind with its positive cases, and
/// negative ones by absence (a key that fits, a translation with all its
/// placeholders, a text windows-1251 can carry, a fresh text…).
#[test]
fn the_landscape_has_exactly_the_expected_flags() {
    let dir = tempfile::tempdir().unwrap();
    let (report, _) = scan_and_report(&dir.path().join("errata.db"));
    let mut expected: Vec<(String, String, String)> = [
        // abs: cp1251 core, ERR-TEXT PIC X(60) from copybooks/ERRMSG.cpy.
        ("never-seen", "abs", "ABS.UNUSED"),
        ("stale", "abs", "ABS.OLD"),
        ("stale", "abs", "ABS.SEASON"), // suppressed
        ("outdated-term", "abs", "ABS.CALL"),
        (
            "undefined",
            "abs",
            "template:Сервис временно недоступен, повторите позже",
        ),
        ("field-too-long", "abs", "ABS.LIMIT"), // its suppression expired
        ("truncated", "abs", "template:ABS.LIMIT"),
        ("unencodable-char", "abs", "ABS.CHECK"),
        ("duplicate-key", "abs", "ABS.DUP"),
        // crm says it differently: one flag for the group, on its first definition.
        ("inconsistent-text", "abs", "E-LIMIT"),
        ("expired-suppression", "abs", "ABS.LIMIT"),
        ("unused-suppression", "abs", "ABS.GONE"),
        // crm: Oracle, TEXT VARCHAR2(100 BYTE) from db/crm_schema.sql, AL32UTF8.
        ("field-too-long", "crm", "CRM-101"),
        ("field-too-long", "crm", "template:CRM-101"),
        ("placeholder-mismatch", "crm", "CRM-102"),
        // CRM-104 and CRM-105 share a text: one group, one flag.
        ("inconsistent-text", "crm", "CRM-104"),
        ("never-seen", "crm", "CRM-105"),
        ("near-duplicate", "crm", "CRM-106"),
        // Across systems: the CRM text names the card, the mobile app's does not.
        ("near-duplicate", "crm", "CRM-108"),
        ("pii-exposed", "crm", "template:CRM-108"),
        // sms: one segment per SMS.
        ("field-too-long", "sms", "sms.otp"),
        ("field-too-long", "sms", "template:sms.otp"),
        ("field-too-long", "sms", "sms.debit"), // may exceed, by placeholder widths
        ("outdated-term", "sms", "sms.help"),
    ]
    .into_iter()
    .map(|(k, s, x)| (k.to_string(), s.to_string(), x.to_string()))
    .collect();
    expected.sort();
    assert_eq!(
        flag_list(&report),
        expected,
        "one flag each, no more, no fewer"
    );

    let flags = report["flags"].as_array().unwrap();
    let find = |kind: &str, key: &str| {
        flags
            .iter()
            .find(|f| f["kind"] == kind && f["key"] == key)
            .unwrap_or_else(|| panic!("{kind} {key}"))
    };
    assert_eq!(
        find("stale", "ABS.SEASON")["suppressed"],
        "shown only at the year-end closing"
    );
    assert!(find("field-too-long", "ABS.LIMIT")["suppressed"].is_null());
    let crm = &find("field-too-long", "CRM-101")["evidence"]["exceeds"][0];
    assert_eq!(crm["limit"]["unit"], "bytes");
    assert_eq!(crm["limit"]["encoding"], "UTF-8");
    assert!(
        crm["limit"]["provenance"]
            .as_str()
            .unwrap()
            .contains("crm_schema.sql:")
    );
    let debit = &find("field-too-long", "sms.debit")["evidence"]["exceeds"][0];
    assert_eq!(debit["certain"], false);
    assert_eq!(debit["measured"], "placeholder_widths");
    let report_text = report.to_string();
    assert!(
        !report_text.contains("4111 1111 1111 1111"),
        "a card number leaked"
    );
}
