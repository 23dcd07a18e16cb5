//! End-to-end: matching a user can trust (#11), on `fixtures/keycloak` (three
//! Keycloak themes as three systems, and the login theme's log).

use assert_cmd::Command;

mod common;
use serde_json::Value;

fn errata() -> Command {
    Command::cargo_bin("errata").expect("binary built")
}

/// The catalog's `report --format json`.
fn json_report(db: &std::path::Path) -> Value {
    let out = errata()
        .args(["report", "--format", "json", "--db"])
        .arg(db)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).expect("report is JSON")
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
    let report = json_report(&db);
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
            t("Session not active.", "sessionNotActiveMessage", "template"),
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

/// Regression (#11): texts under different codes were merged into one template
/// that kept the first code. The key is part of a template: `Session not
/// active.` logged under `sessionNotActiveMessage` and under `userNotFound` is
/// two templates, each with its own key and count, and their ids do not
/// depend on which line came first.
#[test]
fn texts_under_different_keys_are_different_templates() {
    let (_dir, report) = keycloak();
    let mut session: Vec<(String, u64, String)> = array(&report, "templates")
        .iter()
        .filter(|t| t["template"] == "Session not active.")
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["count"].as_u64().unwrap(),
                t["match"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    session.sort_by(|a, b| a.2.cmp(&b.2));
    assert_eq!(session.len(), 2, "{session:?}");
    assert_eq!((session[0].1, session[0].2.as_str()), (1, "key"));
    assert_eq!((session[1].1, session[1].2.as_str()), (1, "template"));

    // The same lines in the other order give the same ids.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("keycloak");
    copy_tree(std::path::Path::new("fixtures/keycloak"), &root);
    let log = root.join("logs/keycloak.log");
    let mut lines: Vec<String> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.reverse();
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let db = dir.path().join("errata.db");
    errata()
        .current_dir(&root)
        .args([
            "scan",
            "--rules",
            "rules.yaml",
            "--as-of",
            "2026-11-03",
            "--db",
        ])
        .arg(&db)
        .arg(".")
        .assert()
        .success();
    let reversed = json_report(&db);
    let ids = |r: &Value| {
        let mut ids: Vec<String> = array(r, "templates")
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&reversed), ids(&report));
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Regression (#11): `'Done'` in `PIC X(60)` was a 60-character text (the
/// field's padding), so a logged `Done` matched nothing and lengths were the
/// field's. The padding is no part of the message.
#[test]
fn fixed_field_padding_is_not_measured() {
    let dir = tempfile::tempdir().unwrap();
    let mf = dir.path().join("mainframe");
    std::fs::create_dir_all(&mf).unwrap();
    std::fs::write(
        mf.join("MSGS.cpy"),
        "       01  WS-MESSAGES.\n           05  WS-DONE-MSG   PIC X(60) VALUE 'Done'.\n           05  WS-CUT-MSG    PIC X(10) VALUE 'Transaction complete'.\n",
    )
    .unwrap();
    std::fs::write(
        mf.join("app.jsonl"),
        "{\"ts\":\"2026-01-05T10:00:00\",\"level\":\"ERROR\",\"message\":\"Done\"}\n",
    )
    .unwrap();
    let db = dir.path().join("errata.db");
    errata()
        .current_dir(dir.path())
        .args(["scan", "--as-of", "2026-01-06", "--db"])
        .arg(&db)
        .arg("mainframe")
        .assert()
        .success();
    let report = json_report(&db);
    let texts: Vec<(&str, &str)> = array(&report, "definitions")
        .iter()
        .map(|d| (d["key"].as_str().unwrap(), d["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        texts,
        vec![
            ("WS-CUT-MSG", "Transaction complete"),
            ("WS-DONE-MSG", "Done")
        ]
    );
    // The literal its PICTURE cuts is kept whole, and flagged against its own
    // field (issue #10).
    let too_long: Vec<&str> = array(&report, "flags")
        .iter()
        .filter(|f| f["kind"] == "field-too-long")
        .map(|f| f["key"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(too_long, ["WS-CUT-MSG"]);
    assert_eq!(
        matches(&report),
        vec![(
            "Done".to_string(),
            "WS-DONE-MSG".to_string(),
            "template".to_string()
        )]
    );
}

/// Regression (#11): near-duplicate paired `minimum`/`maximum` length and
/// `lower`/`upper` case messages, and both kinds raised one flag per pair or
/// per system: 14 inconsistent-text and 4 near-duplicate flags on these themes.
#[test]
fn one_flag_per_group_and_no_opposites_as_near_duplicates() {
    let (_dir, report) = keycloak();
    let of_kind = |kind: &str| -> Vec<(String, String)> {
        array(&report, "flags")
            .iter()
            .filter(|f| f["kind"] == kind)
            .map(|f| {
                (
                    f["key"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let keys = |flags: &[(String, String)]| flags.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    let inconsistent = of_kind("inconsistent-text");
    let json = serde_json::to_vec(&report).unwrap();
    assert_eq!(inconsistent.len(), common::oracle_groups(&json));
    assert_eq!(
        keys(&inconsistent),
        vec![
            "accountDisabledMessage",
            "doLogIn",
            "expiredCodeMessage",
            "invalidEmailMessage",
            "invalidUserMessage"
        ]
    );
    assert_eq!(
        inconsistent[1].1,
        "`doLogIn` (en) has 3 different texts in kc-account, kc-admin, kc-login: \"Log in\", \"Sign In\", \"Sign in\""
    );
    assert_eq!(
        of_kind("near-duplicate"),
        vec![(
            "cookieMissingMessage".to_string(),
            "3 texts (en) differ only slightly: `cookieMissingMessage` \"Cookie not found. Please make sure cookies are enabled in your browser\", `cookieNotFound` \"Cookie not found, please make sure cookies are enabled in your browser.\", `cookieNotFoundMessage` \"Cookie not found. Please make sure cookies are enabled in your browser.\"".to_string()
        )]
    );
}
