//! Hostile trees: special files, broken and looping links, binary and unreadable
//! files. Nothing blocks, nothing loops; every skip is a warning with its reason,
//! stored with the run and counted in the summary.

use std::os::unix::fs::symlink;
use std::process::Command;
use std::time::Duration;

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[test]
fn special_files_links_and_binaries_are_skipped_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(app.join("sub")).unwrap();
    std::fs::write(
        app.join("ok.jsonl"),
        "{\"userMessage\":\"Карта заблокирована\"}\n",
    )
    .unwrap();
    // A FIFO nobody writes to would block a reader forever.
    assert!(
        Command::new("mkfifo")
            .arg(app.join("pipe.log"))
            .status()
            .unwrap()
            .success()
    );
    // A socket.
    let _socket = std::os::unix::net::UnixListener::bind(app.join("sock.log")).unwrap();
    // A device behind a link.
    symlink("/dev/zero", app.join("zero.log")).unwrap();
    // A dangling link and a loop.
    symlink(app.join("missing.log"), app.join("dangling.log")).unwrap();
    symlink(&app, app.join("sub").join("loop")).unwrap();
    // A binary file with a log name.
    std::fs::write(app.join("core.log"), b"\x7fELF\x00\x00\x01binary\x00junk").unwrap();
    let unreadable = app.join("secret.log");
    std::fs::write(&unreadable, "{\"userMessage\":\"x\"}\n").unwrap();
    std::fs::set_permissions(
        &unreadable,
        std::os::unix::fs::PermissionsExt::from_mode(0o000),
    )
    .unwrap();

    let db = dir.path().join("errata.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_errata"))
        .current_dir(dir.path())
        .args(["scan", ".", "--as-of", "2024-06-30", "--db"])
        .arg(&db)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Never block: the scan must end on its own, quickly.
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("scan blocked on a hostile tree");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    for (file, reason) in [
        ("pipe.log", "FIFO, not a regular file: skipped"),
        ("sock.log", "socket, not a regular file: skipped"),
        ("zero.log", "device, not a regular file: skipped"),
        ("dangling.log", "skipped: "),
        ("loop", "symlink loop, not followed"),
        ("core.log", "binary file"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(file) && l.contains(reason)),
            "no warning for {file} ({reason}) in:\n{stderr}"
        );
    }
    if !is_root() {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains("secret.log") && l.contains("cannot read")),
            "{stderr}"
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("skipped"), "{stdout}");

    // The good file was harvested; the skips are stored with the run.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let count: i64 = conn
        .query_row("SELECT SUM(count) FROM template_totals", [], |r| r.get(0))
        .unwrap();
    assert!(count >= 1);
    let stored: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM warnings WHERE run_id = (SELECT MAX(id) FROM scan_runs)
             AND (message LIKE '%FIFO%' OR message LIKE '%socket%' OR message LIKE '%device%' OR message LIKE '%loop%')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, 4);
    let skipped: i64 = conn
        .query_row(
            "SELECT files_skipped FROM scan_runs ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(skipped >= 5, "files_skipped = {skipped}");
}
