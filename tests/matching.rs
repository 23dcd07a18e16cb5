//! End-to-end: matching a user can trust (#11), on `fixtures/keycloak` (three
//! Keycloak themes as three systems, and the login theme's log).

use assert_cmd::Command;
use serde_json::Value;

fn errata() -> Command {
    Command::cargo_bin("errata").expect("binary built")
}

/// Scans the Keycloak fixture into a fresh catalog and returns its JSON report.
fn keycloak() -> (tempfile::TempDir, Value) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("errata.db");
    errata()
        .args([
            "scan",
            "--rules",
            "fixtures/keycloak/rules.yaml",
            "--as-of",
            "2026-11-03",
        ])
        .arg("--db")
        .arg(&db)
        .arg("fixtures/keycloak")
        .assert()
        .success();
    let out = errata()
        .args(["report", "--format", "json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout).expect("report is JSON");
    (dir, report)
}

fn array<'a>(report: &'a Value, field: &str) -> &'a Vec<Value> {
    report[field].as_array().expect(field)
}

/// `(template, key of the definition matched, match kind)` of every template, sorted.
fn matches(report: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = array(report, "templates")
        .iter()
        .map(|t| {
            (
                t["template"].as_str().unwrap().to_string(),
                t["definition"].as_str().unwrap_or("-").to_string(),
                t["match"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// Keys flagged with `kind` in `system`, sorted.
fn flagged(report: &Value, kind: &str, system: &str) -> Vec<String> {
    let mut keys: Vec<String> = array(report, "flags")
        .iter()
        .filter(|f| f["kind"] == kind && f["system"] == system)
        .map(|f| f["key"].as_str().unwrap_or("-").to_string())
        .collect();
    keys.sort();
    keys
}

/// Regression (#11): the client saw `don't`, the bundle says `don''t`; the log
/// text was undefined and the definition never-seen. A catch-all (`{0}`,
/// `{0} {1}`) matched every text, so the unknown error was not undefined.
#[test]
fn message_format_texts_match_and_catch_alls_do_not() {
    let (_dir, report) = keycloak();
    let t = |template: &str, key: &str, kind: &str| {
        (template.to_string(), key.to_string(), kind.to_string())
    };
    assert_eq!(
        matches(&report),
        vec![
            t(
                "Haven't received a verification code in your email?",
                "emailVerifyInstruction2",
                "template"
            ),
            t("Invalid username or password.", "invalidUserMessage", "key"),
            t(
                "Login timeout. Please sign in again.",
                "expiredCodeMessage",
                "key"
            ),
            t("Session not active.", "sessionNotActiveMessage", "key"),
            t(
                "Unexpected error when authenticating with identity provider",
                "-",
                "-"
            ),
            t(
                "You don't have access to the requested resource.",
                "noAccessMessage",
                "template"
            ),
        ]
    );
    let raw: Vec<(&str, &str, &str)> = array(&report, "definitions")
        .iter()
        .filter(|d| d["raw"].is_string())
        .map(|d| {
            (
                d["key"].as_str().unwrap(),
                d["text"].as_str().unwrap(),
                d["raw"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        raw,
        vec![
            (
                "emailVerifyInstruction2",
                "Haven't received a verification code in your email?",
                "Haven''t received a verification code in your email?"
            ),
            (
                "noAccessMessage",
                "You don't have access to the requested resource.",
                "You don''t have access to the requested resource."
            ),
        ]
    );
    // One undefined text: the unknown error, on its template (no key).
    assert_eq!(flagged(&report, "undefined", "kc-login"), vec!["-"]);
    let never_seen = flagged(&report, "never-seen", "kc-login");
    assert!(
        !never_seen.contains(&"noAccessMessage".to_string())
            && !never_seen.contains(&"emailVerifyInstruction2".to_string()),
        "{never_seen:?}"
    );
}

/// `errata explain` says on what evidence a text matched, or why not.
#[test]
fn explain_gives_the_evidence() {
    let (dir, _) = keycloak();
    let explain = |args: &[&str]| {
        let out = errata()
            .args([
                "explain",
                "--rules",
                "fixtures/keycloak/rules.yaml",
                "--system",
                "kc-login",
            ])
            .arg("--db")
            .arg(dir.path().join("errata.db"))
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        text.lines()
            .filter(|l| l.starts_with("definition:") || l.starts_with("refused:"))
            .map(|l| l.split("  (fixtures").next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        explain(&["Unexpected error when authenticating with identity provider"]),
        vec![
            "definition: none matches (an undefined text)",
            "refused:   loginTitleHtml [en] <*>  [catch-all: only placeholders, matches by key only]",
            "refused:   pageTitle [en] <*> <*>  [catch-all: only placeholders, matches by key only]",
        ]
    );
    assert_eq!(
        explain(&["Invalid password: minimum length 8."]),
        vec![
            "definition: invalidPasswordMinLengthMessage [en] Invalid password: minimum length <*>.  [evidence: template match, literal share 97%]"
        ]
    );
    assert_eq!(
        explain(&["--key", "loginTitleHtml", "Keycloak"]),
        vec!["definition: loginTitleHtml [en] <*>  [evidence: same key]"]
    );
}
