//! A scan killed at any point (SIGKILL mid-read, mid-batch, during a commit) and
//! run again yields exactly the catalog of an uninterrupted run.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const RULES: &str = r#"
systems:
  - name: app
    roots: [app]
    sources:
      - path: "**/*.log"
        format: log_lines
        extractor:
          regex: 'msg=(?P<text>.*)$'
"#;

/// Enough files for many commit batches, enough lines for reads to take time.
fn corpus(dir: &Path) {
    for f in 0..150 {
        let folder = dir.join("app").join(format!("node{}", f % 7));
        std::fs::create_dir_all(&folder).unwrap();
        let mut out = std::io::BufWriter::new(
            std::fs::File::create(folder.join(format!("f{f}.log"))).unwrap(),
        );
        for i in 0..1000 {
            writeln!(
                out,
                "2024-06-{:02} 10:00:00 WARN msg=Ошибка {} вида {}",
                1 + (i % 28),
                i % 13,
                (f * 7 + i) % 5
            )
            .unwrap();
        }
    }
}

fn scan(dir: &Path, db: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_errata"));
    cmd.current_dir(dir)
        .args([
            "scan",
            ".",
            "--rules",
            "rules.yaml",
            "--as-of",
            "2024-06-30",
            "--quiet",
            "--db",
        ])
        .arg(db)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// The observation side of a catalog, in a comparable form.
fn observations(db: &Path) -> Vec<(String, i64, String, String)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT t.template, t.count, t.first_seen, t.last_seen FROM template_totals t ORDER BY t.template",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn days(db: &Path) -> Vec<(String, String, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT t.template, d.day, d.count FROM template_days d JOIN template_totals t ON t.id = d.template_id
             ORDER BY 1, 2",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn killed_scans_resume_to_the_uninterrupted_catalog() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yaml"), RULES).unwrap();
    corpus(dir.path());

    let reference = dir.path().join("reference.db");
    let started = std::time::Instant::now();
    assert!(scan(dir.path(), &reference).status().unwrap().success());
    let full_run = started.elapsed();
    let expected = observations(&reference);
    assert_eq!(expected.iter().map(|o| o.1).sum::<i64>(), 150 * 1000);

    // Kill at pseudo-random points spread over a whole run's duration.
    let killed = dir.path().join("killed.db");
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut kills = 0;
    for _ in 0..12 {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let fraction = (seed >> 33) as f64 / (1u64 << 31) as f64;
        let mut child = scan(dir.path(), &killed).spawn().unwrap();
        std::thread::sleep(full_run.mul_f64(fraction * 0.9));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(
        kills > 0,
        "no scan was interrupted; the corpus is too small"
    );
    assert!(scan(dir.path(), &killed).status().unwrap().success());
    assert_eq!(observations(&killed), expected);
    assert_eq!(days(&killed), days(&reference));
}

#[test]
fn a_second_scan_on_the_same_catalog_exits_3_at_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rules.yaml"), RULES).unwrap();
    std::fs::create_dir_all(dir.path().join("app")).unwrap();
    let db = dir.path().join("errata.db");
    // Hold the lock as a running scan would.
    let lock = errata::catalog::ScanLock::acquire(&db).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_errata"))
        .current_dir(dir.path())
        .args(["scan", ".", "--rules", "rules.yaml", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("another errata scan is running"));
    drop(lock);
    let out = Command::new(env!("CARGO_BIN_EXE_errata"))
        .current_dir(dir.path())
        .args(["scan", ".", "--rules", "rules.yaml", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    assert!(out.status.success());
}
