//! `errata check` end to end: exit codes, the baseline workflow, and every output
//! format; SARIF validated against the official SARIF 2.1.0 schema.
//!
//! The flag kinds are written elsewhere, so these tests hold whatever flags the
//! audit raises on the fixture tree; the renderers are also fed a catalog
//! seeded with flags of known and unknown kinds through the library.

mod common;

use errata::model::KindId;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;
use common::{definitions, flag, observations, run};
use errata::catalog::Catalog;
use errata::check::{self, Severity};

/// Where `.ci/install-test-deps.sh` puts the official schema (override with SARIF_SCHEMA).
const SCHEMA: &str = "/opt/errata-ci/sarif-schema-2.1.0.json";

/// A release candidate: a message catalog with Cyrillic texts and a log.
fn tree(dir: &Path) -> PathBuf {
    let root = dir.join("rc");
    std::fs::create_dir_all(root.join("abs")).unwrap();
    std::fs::write(
        root.join("abs/messages_ru.properties"),
        "ERR_FUNDS=Недостаточно средств на счёте\nERR_LIMIT=Превышен лимит операций {0}\n",
    )
    .unwrap();
    root
}

fn errata_check(dir: &Path, args: &[&str]) -> std::process::Output {
    cargo_bin_cmd!("errata")
        .current_dir(dir)
        .arg("check")
        .args(["--as-of", "2026-11-25"])
        .args(args)
        .output()
        .unwrap()
}

fn validate_sarif(files: &[&Path]) -> std::process::Output {
    let schema = std::env::var("SARIF_SCHEMA").unwrap_or_else(|_| SCHEMA.to_string());
    assert!(
        Path::new(&schema).is_file(),
        "{schema} is missing: run .ci/install-test-deps.sh"
    );
    Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/validate_sarif.py"
        ))
        .arg(&schema)
        .args(files)
        .output()
        .unwrap()
}

#[test]
fn exit_code_matches_the_outcome_whatever_flags_exist() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let out = errata_check(dir.path(), &["rc", "--format", "json", "--fail-on", "note"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let failed = v["failed"].as_bool().unwrap();
    assert_eq!(out.status.code(), Some(if failed { 1 } else { 0 }), "{v}");
    for f in v["outcome"]["findings"].as_array().unwrap() {
        assert!(f["fingerprint"].as_str().unwrap().starts_with("v1:"));
    }
}

#[test]
fn the_baseline_accepts_what_it_holds_and_is_written_only_on_request() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let baseline = dir.path().join("errata-baseline.json");
    // A missing baseline is a usage error, not an empty one.
    let out = errata_check(dir.path(), &["rc", "--baseline", "errata-baseline.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("errata-baseline.json"));
    assert!(!baseline.exists());

    let out = errata_check(
        dir.path(),
        &[
            "rc",
            "--baseline",
            "errata-baseline.json",
            "--update-baseline",
            "--fail-on",
            "note",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let written = std::fs::read_to_string(&baseline).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(parsed["version"], 1);

    let out = errata_check(
        dir.path(),
        &[
            "rc",
            "--baseline",
            "errata-baseline.json",
            "--fail-on",
            "note",
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("0 new finding(s), 0 at or above note"),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(&baseline).unwrap(),
        written,
        "the baseline changed"
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    for args in [
        &["rc", "--format", "xml"][..],
        &["rc", "--update-baseline"],
        &["rc", "--fail-on", "fatal"],
        &["no-such-tree"],
    ] {
        let out = errata_check(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn sarif_and_junit_from_the_binary_are_valid() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let out = errata_check(dir.path(), &["rc", "--format", "sarif", "-o", "out.sarif"]);
    assert!(matches!(out.status.code(), Some(0 | 1)));
    let sarif = dir.path().join("out.sarif");
    let valid = validate_sarif(&[&sarif]);
    assert!(
        valid.status.success(),
        "{}",
        String::from_utf8_lossy(&valid.stdout)
    );

    let out = errata_check(dir.path(), &["rc", "--format", "junit"]);
    let xml = String::from_utf8(out.stdout).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    while !matches!(reader.read_event().unwrap(), quick_xml::events::Event::Eof) {}
    assert!(xml.contains("<testsuites name=\"errata check\""), "{xml}");
}

/// The renderers on a catalog with flags: new, in baseline, fixed, suppressed,
/// and a kind no table knows.
#[test]
fn sarif_with_every_baseline_state_passes_the_official_schema() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("errata.db");
    let mut suppressed = flag(
        KindId::Undefined,
        None,
        Some("t-card"),
        "no definition matches",
    );
    suppressed.suppressed = Some("legacy screen, owned by ops".to_string());
    run(
        &db,
        "2026-11-25",
        &[
            definitions(
                "abs/messages_ru.properties",
                &[("ERR_LIMIT", "Превышен лимит", 9)],
            ),
            observations(
                "logs/abs.log",
                &[("t-card", "Карта <CARD> заблокирована", 5, "2026-11-21")],
            ),
        ],
        &[
            flag(
                KindId::FieldTooLong,
                Some("ERR_LIMIT"),
                None,
                "41 bytes in a 40-byte field",
            ),
            flag(KindId::PiiExposed, None, Some("t-card"), "something new"),
            suppressed,
        ],
    );
    let snapshot = Catalog::open(&errata::catalog::Target::sqlite(&db))
        .unwrap()
        .snapshot()
        .unwrap();
    let mut baseline = check::evaluate(&snapshot, true, None, Severity::Warning).to_baseline();
    baseline.findings.retain(|f| f.kind == KindId::FieldTooLong);
    let mut gone = baseline.findings[0].clone();
    gone.fingerprint = "v1:00000000000000000000000000000000".to_string();
    gone.key = Some("ERR_OLD".to_string());
    baseline.findings.push(gone);
    let outcome = check::evaluate(&snapshot, true, Some(&baseline), Severity::Warning);

    let path = dir.path().join("seeded.sarif");
    let mut out = Vec::new();
    check::CheckFormat::Sarif
        .reporter()
        .render(&outcome, &mut out)
        .unwrap();
    std::fs::write(&path, &out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let states: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["baselineState"].as_str().unwrap())
        .collect();
    assert_eq!(states, vec!["new", "unchanged", "new", "absent"]);

    // The validator is real: a log that breaks the schema is rejected.
    let broken = dir.path().join("broken.sarif");
    let mut bad = v.clone();
    bad["version"] = serde_json::json!("2.0.0");
    bad["runs"][0]["results"][0]["baselineState"] = serde_json::json!("sideways");
    std::fs::write(&broken, serde_json::to_vec(&bad).unwrap()).unwrap();
    let rejected = validate_sarif(&[&broken]);
    assert!(!rejected.status.success());
    let complaints = String::from_utf8_lossy(&rejected.stdout);
    assert!(complaints.contains("sideways"), "{complaints}");

    let valid = validate_sarif(&[&path]);
    assert!(
        valid.status.success(),
        "{}",
        String::from_utf8_lossy(&valid.stdout)
    );
}

#[test]
fn db_is_read_but_never_written() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let db = dir.path().join("errata.db");
    run(
        &db,
        "2026-11-20",
        &[observations(
            "logs/abs.log",
            &[("t-funds", "Недостаточно средств на счёте", 7, "2026-11-19")],
        )],
        &[],
    );
    let before = std::fs::read(&db).unwrap();
    let out = errata_check(dir.path(), &["rc", "--db", "errata.db", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(if v["failed"] == true { 1 } else { 0 })
    );
    // With observations from the catalog, no kind is left out for lack of them.
    assert_eq!(v["outcome"]["skipped_kinds"], serde_json::json!([]));
    assert_eq!(std::fs::read(&db).unwrap(), before, "the catalog changed");
    let out = errata_check(dir.path(), &["rc", "--db", "missing.db"]);
    assert_eq!(out.status.code(), Some(2));
}
