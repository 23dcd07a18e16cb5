//! The nightly job's promise: every complete log line is counted exactly once,
//! whatever happened to the files between scans (rotation, compression,
//! copytruncate, rewrites) and even when a scan is killed.

use std::io::Write;
use std::path::{Path, PathBuf};

use errata::catalog::Catalog;
use errata::harvest::{self, ScanOptions};
use proptest::prelude::*;

const RULES: &str = r#"
systems:
  - name: app
    roots: [app]
    sources:
      - path: "*.log*"
        format: log_lines
        extractor:
          regex: 'msg=(?P<text>.*)$'
"#;

/// A tree with one system `app`, its rules and a catalog path.
struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    fn new() -> Tree {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("app")).unwrap();
        std::fs::write(dir.path().join("rules.yaml"), RULES).unwrap();
        Tree { dir }
    }

    fn log(&self, name: &str) -> PathBuf {
        self.dir.path().join("app").join(name)
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("errata.db")
    }

    fn append(&self, name: &str, text: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log(name))
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    }

    /// Scans through the library (as `errata scan` does) and returns the total count.
    fn scan(&self) -> u64 {
        self.scan_with(false)
    }

    /// A scan, from scratch with `full` (`errata scan --full`).
    fn scan_with(&self, full: bool) -> u64 {
        let rules = errata::rules::load(&self.dir.path().join("rules.yaml")).unwrap();
        let mut catalog = Catalog::open(&errata::catalog::Target::sqlite(self.db())).unwrap();
        let options = ScanOptions {
            paths: vec![self.dir.path().to_path_buf()],
            as_of: chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
            full,
            host: "test-host".to_string(),
            progress: None,
        };
        harvest::scan(&rules, &mut catalog, &options).unwrap();
        total(&self.db())
    }
}

fn total(db: &Path) -> u64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT COALESCE(SUM(count), 0) FROM template_totals",
        [],
        |r| r.get::<_, i64>(0),
    )
    .unwrap() as u64
}

fn lines(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("2024-06-01 INFO msg=Ошибка номер {i}\n"))
        .collect()
}

fn gzip(path: &Path) {
    let data = std::fs::read(path).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&data).unwrap();
    let out = PathBuf::from(format!("{}.gz", path.display()));
    std::fs::write(out, gz.finish().unwrap()).unwrap();
    std::fs::remove_file(path).unwrap();
}

#[test]
fn growth_touch_and_partial_lines() {
    let t = Tree::new();
    t.append("app.log", &lines(0, 3));
    assert_eq!(t.scan(), 3);
    // touch without change: nothing re-read
    let f = std::fs::File::options()
        .append(true)
        .open(t.log("app.log"))
        .unwrap();
    f.set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(60))
        .unwrap();
    assert_eq!(t.scan(), 3);
    // a line still being written is not consumed …
    t.append("app.log", "2024-06-01 INFO msg=Ошибка поз");
    assert_eq!(t.scan(), 3);
    // … until it is terminated
    t.append("app.log", "же\n");
    assert_eq!(t.scan(), 4);
    let conn = rusqlite::Connection::open(t.db()).unwrap();
    let whole: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM template_totals WHERE template = 'Ошибка позже'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(whole, 1, "the completed line is one observation");
}

#[test]
fn rename_rotation_then_compression_reads_only_unread_bytes() {
    let t = Tree::new();
    t.append("app.log", &lines(0, 5));
    assert_eq!(t.scan(), 5);
    t.append("app.log", &lines(5, 2));
    std::fs::rename(t.log("app.log"), t.log("app.log.1")).unwrap();
    t.append("app.log", &lines(7, 1));
    assert_eq!(t.scan(), 8);
    std::fs::rename(t.log("app.log.1"), t.log("app.log.2")).unwrap();
    gzip(&t.log("app.log.2"));
    std::fs::rename(t.log("app.log"), t.log("app.log.1")).unwrap();
    assert_eq!(t.scan(), 8);
}

#[test]
fn a_rotated_file_gives_its_unterminated_last_line() {
    let t = Tree::new();
    t.append("app.log", &lines(0, 2));
    t.append("app.log", "2024-06-01 INFO msg=последняя");
    assert_eq!(t.scan(), 2);
    std::fs::rename(t.log("app.log"), t.log("app.log.1")).unwrap();
    assert_eq!(t.scan(), 3);
    assert_eq!(t.scan(), 3);
}

#[test]
fn copytruncate_and_truncate_rewrite() {
    let t = Tree::new();
    t.append("app.log", &lines(0, 4));
    assert_eq!(t.scan(), 4);
    t.append("app.log", &lines(4, 1));
    std::fs::copy(t.log("app.log"), t.log("app.log.1")).unwrap();
    std::fs::File::create(t.log("app.log")).unwrap();
    t.append("app.log", &lines(100, 2));
    assert_eq!(t.scan(), 7);
    // truncated and rewritten with fewer bytes than were read: a new file
    std::fs::write(t.log("app.log"), lines(200, 1)).unwrap();
    assert_eq!(t.scan(), 8);
}

/// A banner of more than a fingerprint's length, as many logs start with.
fn banner() -> String {
    (0..30)
        .map(|i| format!("# app 4.2.1 (build 2024-05-30), config /etc/app.conf, node {i:02}\n"))
        .collect()
}

/// Issue #14: copytruncate where the log starts with the same banner of at
/// least 1 KiB and regrows past the old position: day one was counted twice.
#[test]
fn copytruncate_behind_a_shared_banner_counts_each_day_once() {
    let t = Tree::new();
    assert!(banner().len() > 1024);
    t.append("app.log", &banner());
    t.append("app.log", &lines(0, 1000));
    assert_eq!(t.scan(), 1000);
    t.append("app.log", &lines(1000, 10));
    std::fs::copy(t.log("app.log"), t.log("app.log.1")).unwrap();
    std::fs::File::create(t.log("app.log")).unwrap();
    t.append("app.log", &banner());
    t.append("app.log", &lines(2000, 1500));
    assert_eq!(t.scan(), 2510);
    assert_eq!(t.scan(), 2510);
    // The next rotation compresses day one and copies day two away.
    gzip(&t.log("app.log.1"));
    std::fs::rename(t.log("app.log.1.gz"), t.log("app.log.2.gz")).unwrap();
    t.append("app.log", &lines(3500, 5));
    std::fs::copy(t.log("app.log"), t.log("app.log.1")).unwrap();
    std::fs::File::create(t.log("app.log")).unwrap();
    t.append("app.log", &banner());
    t.append("app.log", &lines(4000, 2000));
    assert_eq!(t.scan(), 4515);
}

#[test]
fn different_files_with_identical_first_bytes_are_both_counted() {
    let t = Tree::new();
    let header = format!("{}\n", "#".repeat(2000));
    t.append("a.log", &format!("{header}{}", lines(0, 2)));
    t.append("b.log", &format!("{header}{}", lines(0, 3)));
    assert_eq!(t.scan(), 5);
    assert_eq!(t.scan(), 5);
}

#[test]
fn a_full_rescan_starts_from_scratch_and_counts_once() {
    let t = Tree::new();
    t.append("app.log", &lines(0, 3));
    assert_eq!(t.scan(), 3);
    t.append("app.log", &lines(3, 2));
    assert_eq!(t.scan_with(true), 5);
    assert_eq!(t.scan(), 5);
}

#[test]
fn small_files_that_grow_past_the_fingerprint_length() {
    let t = Tree::new();
    t.append("app.log", &lines(0, 1));
    assert_eq!(t.scan(), 1);
    t.append("app.log", &lines(1, 100));
    assert_eq!(t.scan(), 101);
}

/// One step of the model: what happens to the log folder between scans.
#[derive(Debug, Clone)]
enum Op {
    Append(usize),
    AppendPartial,
    Rotate,
    Compress,
    CopyTruncate,
    Scan,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1usize..20).prop_map(Op::Append),
        1 => Just(Op::AppendPartial),
        2 => Just(Op::Rotate),
        1 => Just(Op::Compress),
        1 => Just(Op::CopyTruncate),
        3 => Just(Op::Scan),
    ]
}

/// The rotated files, newest first (`app.log.1`, `app.log.2.gz`, …).
fn rotated(t: &Tree) -> Vec<(usize, bool)> {
    let mut out: Vec<(usize, bool)> = std::fs::read_dir(t.dir.path().join("app"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            let rest = name.strip_prefix("app.log.")?;
            let (n, gz) = match rest.strip_suffix(".gz") {
                Some(n) => (n, true),
                None => (rest, false),
            };
            Some((n.parse().ok()?, gz))
        })
        .collect();
    out.sort();
    out
}

fn name(n: usize, gz: bool) -> String {
    format!("app.log.{n}{}", if gz { ".gz" } else { "" })
}

/// Shifts rotated files up by one so that `app.log.1` is free.
fn shift(t: &Tree) {
    for (n, gz) in rotated(t).into_iter().rev() {
        std::fs::rename(t.log(&name(n, gz)), t.log(&name(n + 1, gz))).unwrap();
    }
}

/// Runs the model's steps: every complete line written is counted exactly once,
/// and so is the last line of a closed (rotated) file. With `banner`, every
/// new live log starts with the same banner of more than a fingerprint's length.
fn run_model(ops: Vec<Op>, banner_text: Option<&str>) -> Result<(), TestCaseError> {
    let t = Tree::new();
    let mut next = 0;
    let mut partial = false;
    // Lines the oracle expects once everything is closed.
    let mut written = 0u64;
    let start_live = |t: &Tree| {
        if let Some(b) = banner_text
            && std::fs::metadata(t.log("app.log")).map_or(true, |m| m.len() == 0)
        {
            t.append("app.log", b);
        }
    };
    for op in ops {
        match op {
            Op::Append(n) => {
                if partial {
                    t.append("app.log", "\n");
                    partial = false;
                }
                start_live(&t);
                t.append("app.log", &lines(next, n));
                next += n;
                written += n as u64;
            }
            Op::AppendPartial => {
                if !partial {
                    start_live(&t);
                    t.append(
                        "app.log",
                        &format!("2024-06-01 INFO msg=Ошибка номер {next}"),
                    );
                    next += 1;
                    written += 1;
                    partial = true;
                }
            }
            Op::Rotate => {
                if t.log("app.log").exists() {
                    shift(&t);
                    std::fs::rename(t.log("app.log"), t.log("app.log.1")).unwrap();
                    partial = false;
                }
            }
            Op::Compress => {
                if let Some((n, _)) = rotated(&t).into_iter().rev().find(|(_, gz)| !gz) {
                    gzip(&t.log(&name(n, false)));
                }
            }
            Op::CopyTruncate => {
                if t.log("app.log").exists() {
                    shift(&t);
                    std::fs::copy(t.log("app.log"), t.log("app.log.1")).unwrap();
                    std::fs::File::create(t.log("app.log")).unwrap();
                    partial = false;
                }
            }
            Op::Scan => {
                let counted = t.scan();
                // Never more than written; the live file's partial line may wait.
                prop_assert!(counted <= written, "counted {counted} > written {written}");
                prop_assert!(
                    counted + u64::from(partial) >= written,
                    "lost lines: {counted} of {written}"
                );
            }
        }
    }
    if partial {
        t.append("app.log", "\n");
    }
    prop_assert_eq!(t.scan(), written);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Against a simple oracle (see [`run_model`]).
    #[test]
    fn every_complete_line_is_counted_exactly_once(ops in prop::collection::vec(op(), 1..25)) {
        run_model(ops, None)?;
    }

    /// The same, with every live log starting with one banner (issue #14):
    /// first bytes alone cannot tell the files apart.
    #[test]
    fn every_complete_line_is_counted_exactly_once_behind_a_shared_banner(
        ops in prop::collection::vec(op(), 1..25)
    ) {
        run_model(ops, Some(&banner()))?;
    }
}
