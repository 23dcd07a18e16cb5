//! The nightly job and the people who read its catalog (issue #14): `--full`
//! gives a fresh scan's catalog, readers who may not write still report,
//! warnings are shown while the scan runs, and a report is written whole or not
//! at all.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use assert_cmd::Command;
use errata::catalog::Catalog;
use errata::harvest::{self, Progress, ScanOptions};
use errata::model::Warning;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn errata(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("errata")
        .unwrap()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap()
}

fn scan_bank(db: &Path, extra: &[&str]) {
    let db = db.to_str().unwrap();
    let mut args = vec![
        "scan",
        "fixtures/bank",
        "--rules",
        "rules",
        "--as-of",
        "2024-06-30",
        "--quiet",
        "--db",
        db,
    ];
    args.extend(extra);
    let out = errata(&args);
    assert!(out.status.success(), "{out:?}");
}

fn json_report(db: &Path) -> serde_json::Value {
    let out = errata(&["report", "--format", "json", "--db", db.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let mut report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The run (ids, times) and what it changed since the one before are all that
    // may differ between two catalogs of one tree.
    report["scan"] = serde_json::Value::Null;
    report["changes"] = serde_json::Value::Null;
    report
}

/// `--full` used to keep the length histograms: each `--full` doubled them and
/// invented `truncated` flags. After `--full` the catalog equals a fresh scan's.
#[test]
fn a_full_rescan_equals_a_fresh_scan() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.db");
    scan_bank(&fresh, &[]);
    let twice = dir.path().join("twice.db");
    scan_bank(&twice, &[]);
    scan_bank(&twice, &["--full"]);
    scan_bank(&twice, &["--full"]);
    assert_eq!(json_report(&twice), json_report(&fresh));
    let lengths = |db: &Path| -> i64 {
        rusqlite::Connection::open(db)
            .unwrap()
            .query_row("SELECT SUM(count) FROM template_lengths", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(lengths(&twice), lengths(&fresh));
}

/// `report`, `check --db` and `explain` on a catalog the user may read but not
/// write (nor its folder): product owners often have read-only access. As root,
/// the commands run as `nobody` (util-linux `setpriv`); otherwise the file and
/// folder are made read-only.
#[test]
fn readers_without_write_access_still_report() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("catalogs");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("errata.db");
    scan_bank(&db, &[]);
    use std::os::unix::fs::PermissionsExt;
    let as_root = nix_is_root();
    let bin = assert_cmd::cargo::cargo_bin("errata");
    if as_root {
        // Readable by all, writable by root alone; nobody must also reach the tree.
        for p in [dir.path(), folder.as_path()] {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    } else {
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
        std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let db_s = db.to_str().unwrap();
    // The reader reads its own copy of the tree: a checkout in a private folder
    // (`mktemp -d` makes one) is no place `nobody` may read.
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    for part in ["fixtures", "rules"] {
        let copied = std::process::Command::new("cp")
            .arg("-r")
            .arg(root().join(part))
            .arg(&tree)
            .status()
            .unwrap();
        assert!(copied.success(), "cp -r {part}");
    }
    let readable = std::process::Command::new("chmod")
        .args(["-R", "a+rX"])
        .arg(&tree)
        .status()
        .unwrap();
    assert!(readable.success());
    let bank = tree.join("fixtures/bank");
    let rules = tree.join("rules");
    let commands: [Vec<&str>; 3] = [
        vec!["report", "--format", "md", "--db", db_s],
        vec![
            "check",
            bank.to_str().unwrap(),
            "--rules",
            rules.to_str().unwrap(),
            "--as-of",
            "2024-06-30",
            "--db",
            db_s,
        ],
        vec![
            "explain",
            "--rules",
            rules.to_str().unwrap(),
            "--system",
            "abs",
            "--db",
            db_s,
            "Операция отклонена",
        ],
    ];
    for args in commands {
        let mut cmd = if as_root {
            let mut cmd = std::process::Command::new("setpriv");
            cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&bin);
            cmd
        } else {
            std::process::Command::new(&bin)
        };
        let out = cmd.args(&args).current_dir(dir.path()).output().unwrap();
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "errata {args:?} as a reader: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing was written");
    let left: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter()
            .all(|n| !n.ends_with("-wal") && !n.ends_with("-shm")),
        "{left:?}"
    );
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn nix_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// Warnings used to print only at the end, so an abort lost them all: each is
/// told while the run is still open (the catalog has not finished it yet).
#[test]
fn warnings_are_told_while_the_scan_runs() {
    struct Watcher {
        db: PathBuf,
        /// Each warning with whether the run was still unfinished when it came.
        seen: Mutex<Vec<(String, bool)>>,
    }
    impl Progress for Watcher {
        fn start(&self, _: u64, _: u64) {}
        fn file_done(&self, _: u64) {}
        fn warning(&self, warning: &Warning) {
            let open: i64 = rusqlite::Connection::open(&self.db)
                .unwrap()
                .query_row(
                    "SELECT COUNT(*) FROM scan_runs WHERE finished_at IS NULL",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            self.seen
                .lock()
                .unwrap()
                .push((warning.to_string(), open == 1));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("errata.db");
    let rules = errata::rules::load(&root().join("rules")).unwrap();
    let mut catalog = Catalog::open(&errata::catalog::Target::sqlite(&db)).unwrap();
    let watcher = Watcher {
        db: db.clone(),
        seen: Mutex::new(Vec::new()),
    };
    let outcome = harvest::scan(
        &rules,
        &mut catalog,
        &ScanOptions {
            paths: vec![root().join("fixtures/bank")],
            as_of: chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap(),
            full: false,
            host: "test-host".to_string(),
            progress: Some(&watcher),
        },
    )
    .unwrap();
    let seen = watcher.seen.into_inner().unwrap();
    assert!(!seen.is_empty());
    assert!(seen.iter().all(|(_, open)| *open), "{seen:?}");
    let told: Vec<&String> = seen.iter().map(|(w, _)| w).collect();
    let kept: Vec<String> = outcome.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(told, kept.iter().collect::<Vec<_>>(), "each told once");
    let messages: Vec<&str> = outcome
        .warnings
        .iter()
        .map(|w| w.message.as_str())
        .collect();
    // The CLI prints each one once, as it comes, not again at the end.
    let out = errata(&[
        "scan",
        "fixtures/bank",
        "--rules",
        "rules",
        "--as-of",
        "2024-06-30",
        "--db",
        dir.path().join("cli.db").to_str().unwrap(),
    ]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    for m in messages {
        assert_eq!(stderr.matches(m).count(), 1, "{stderr}");
    }
}

/// A report written to a full disk used to leave a truncated file behind without
/// naming it: now the error names the file, and an existing report stays whole.
#[test]
fn a_report_is_written_whole_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("errata.db");
    scan_bank(&db, &[]);
    let db_s = db.to_str().unwrap();
    let full = errata(&[
        "report",
        "--format",
        "json",
        "--db",
        db_s,
        "-o",
        "/dev/full",
    ]);
    assert_eq!(full.status.code(), Some(2));
    let stderr = String::from_utf8(full.stderr).unwrap();
    assert!(
        stderr.contains("/dev/full") && stderr.contains("No space left"),
        "{stderr}"
    );
    let target = dir.path().join("report.md");
    std::fs::write(&target, "last night's report\n").unwrap();
    let missing = dir.path().join("missing.db");
    let failed = errata(&[
        "report",
        "--format",
        "md",
        "--db",
        missing.to_str().unwrap(),
        "-o",
        target.to_str().unwrap(),
    ]);
    assert_eq!(failed.status.code(), Some(2));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "last night's report\n"
    );
    let ok = errata(&[
        "report",
        "--format",
        "md",
        "--db",
        db_s,
        "-o",
        target.to_str().unwrap(),
    ]);
    assert!(ok.status.success());
    assert!(
        std::fs::read_to_string(&target)
            .unwrap()
            .starts_with("# errata report")
    );
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
}

/// `errata scan | head -1` used to panic on the closed pipe (exit 101). A
/// reader that goes away ends the command quietly, and the catalog is still
/// written whole: both ends of the pipe closed before the first word.
#[test]
fn a_closed_pipe_ends_the_command_quietly_with_the_catalog_written() {
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.db");
    scan_bank(&fresh, &[]);
    let piped = dir.path().join("piped.db");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("errata"))
        .current_dir(root())
        .args([
            "scan",
            "fixtures/bank",
            "--rules",
            "rules",
            "--as-of",
            "2024-06-30",
        ])
        .arg("--db")
        .arg(&piped)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert_eq!(json_report(&piped), json_report(&fresh));
    for format in ["md", "json", "csv", "html"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("errata"))
            .args(["report", "--format", format, "--db"])
            .arg(&piped)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let status = child.wait().unwrap();
        assert!(status.success(), "{format}: {status:?}");
    }
}
