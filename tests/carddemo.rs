//! Issue #10 on CardDemo (`../shared/corpus/carddemo/`, a real COBOL/CICS
//! application): a zero-config `errata scan` finds exactly the screen texts
//! the independent oracle `tests/oracles/carddemo.py` lists (its committed
//! output is `tests/oracles/carddemo.expected.json`; the script names what it
//! leaves out and why), with no warning, and makes every named BMS field a limit.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod common;

/// `../shared/corpus/carddemo` beside the project (or `../../shared` from a
/// worktree). Fails loudly when absent: this test never skips.
fn carddemo() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        manifest.join("../shared/corpus/carddemo"),
        manifest.join("../../shared/corpus/carddemo"),
    ]
    .into_iter()
    .find(|d| d.is_dir())
    .expect("../shared/corpus/carddemo exists")
    .canonicalize()
    .expect("corpus path")
}

type Texts = BTreeSet<(String, u64, String)>;

fn expected(oracle: &Value, part: &str) -> Texts {
    oracle[part]
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| {
            (
                t[0].as_str().expect("path").to_string(),
                t[1].as_u64().expect("line"),
                t[2].as_str().expect("text").to_string(),
            )
        })
        .collect()
}

#[test]
fn zero_config_scan_of_carddemo_gives_exactly_the_oracle_texts() {
    let corpus = carddemo();
    let oracle: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/carddemo.expected.json"),
        )
        .expect("oracle output"),
    )
    .expect("oracle is JSON");
    let (_dir, db, summary) = common::zero_config_scan(&corpus);
    assert_eq!(summary["warnings"], serde_json::json!([]), "no warning");
    // Texts are keyed by themselves: the same literal in many programs is no
    // "same text, different keys" finding (issue #10: 332 before).
    assert!(
        summary["flags"]["inconsistent-text"].as_u64().unwrap_or(0) <= 2,
        "{}",
        summary["flags"]
    );

    let conn = rusqlite::Connection::open(&db).expect("catalog opens");
    let mut statement = conn
        .prepare(
            "SELECT s.path, s.line, d.text FROM definitions d
             JOIN definition_sources s ON s.definition_id = d.id",
        )
        .expect("query");
    let mut programs = Texts::new();
    let mut copybooks = Texts::new();
    let mut labels = Texts::new();
    let rows = statement
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .expect("rows");
    for row in rows {
        let (path, line, text) = row.expect("row");
        let relative = Path::new(&path)
            .strip_prefix(&corpus)
            .expect("under the corpus")
            .display()
            .to_string();
        let entry = (relative.clone(), u64::try_from(line).expect("line"), text);
        if relative.starts_with("app/cbl/") {
            programs.insert(entry);
        } else if relative.starts_with("app/cpy/") {
            copybooks.insert(entry);
        } else if relative.starts_with("app/bms/") {
            labels.insert(entry);
        } else {
            panic!("a definition from {relative}");
        }
    }
    assert_eq!(programs, expected(&oracle, "programs"), "program texts");
    assert_eq!(copybooks, expected(&oracle, "copybooks"), "copybook texts");
    assert_eq!(labels, expected(&oracle, "bms_labels"), "screen labels");
    assert!(programs.len() > 250, "the oracle lists CardDemo's messages");

    let bms_limits: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM limits WHERE path LIKE '%.bms'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(
        Some(bms_limits as u64),
        oracle["bms_fields"].as_u64(),
        "every named BMS field is a limit"
    );
}
