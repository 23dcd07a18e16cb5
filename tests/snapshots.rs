//! The machine-readable outputs of the fixture bank, byte for byte: the JSON report,
//! the three CSV entities, and the check's SARIF and JSON. A refactoring must leave
//! them unchanged; a change of behaviour shows here as a reviewed snapshot diff
//! (`INSTA_UPDATE=always cargo test --test snapshots` rewrites them).

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn errata(args: &[&str], db: &Path) -> String {
    let out = Command::cargo_bin("errata")
        .unwrap()
        .current_dir(root())
        .args(args)
        .arg("--db")
        .arg(db)
        .output()
        .unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "errata {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Run times are the only thing that differs between two scans of the same tree.
fn without_run_times(json: &str) -> String {
    let times = regex::Regex::new(r#""(started_at|finished_at)": "[^"]*""#).unwrap();
    times.replace_all(json, r#""$1": "…""#).into_owned()
}

#[test]
fn bank_outputs_are_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("errata.db");
    let scan = [
        "scan",
        "fixtures/bank",
        "--rules",
        "rules",
        "--as-of",
        "2024-06-30",
        "--quiet",
    ];
    errata(&scan, &db);
    insta::assert_snapshot!(
        "report.json",
        without_run_times(&errata(&["report", "--format", "json"], &db))
    );
    for entity in ["templates", "definitions", "flags"] {
        insta::assert_snapshot!(
            format!("{entity}.csv"),
            errata(&["report", "--format", "csv", "--entity", entity], &db)
        );
    }
    let check = [
        "check",
        "fixtures/bank",
        "--rules",
        "rules",
        "--as-of",
        "2024-06-30",
    ];
    for format in ["sarif", "json"] {
        let args: Vec<&str> = check.iter().copied().chain(["--format", format]).collect();
        insta::assert_snapshot!(format!("check.{format}"), errata(&args, &db));
    }
}
