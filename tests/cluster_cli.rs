//! End-to-end: `errata cluster`, `errata explain`, and template ids across scans.

use assert_cmd::Command;

fn errata() -> Command {
    Command::cargo_bin("errata").unwrap()
}

#[test]
fn cluster_prints_quoted_csv_with_wildcards() {
    let input = "Invalid user admin from 10.0.0.1\nInvalid user guest from 10.0.0.2\nInvalid user root from 10.0.0.3\nInvalid user test from 10.0.0.4\nClosed, by peer\n";
    let out = errata()
        .args(["cluster", "-"])
        .write_stdin(input)
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "LineId,ClusterId,Template");
    assert!(lines[1].starts_with("1,") && lines[1].ends_with(",Invalid user <*> from <*>"));
    let cluster = |l: &str| l.split(',').nth(1).unwrap().to_string();
    assert!((2..=4).all(|i| cluster(lines[i]) == cluster(lines[1])));
    assert!(lines[5].ends_with(",\"Closed, by peer\""), "{}", lines[5]);
}

#[test]
fn explain_and_stable_ids_across_two_scans() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("web");
    std::fs::create_dir_all(&logs).unwrap();
    let db = dir.path().join("errata.db");
    std::fs::write(
        dir.path().join("rules.yaml"),
        "systems:\n  - name: web\n    roots: [web]\n    sources:\n      - path: \"*.log\"\n        format: log_lines\n        role: observations\n        extractor:\n          regex: 'ERROR (?P<text>.*)'\n",
    )
    .unwrap();
    let scan = |lines: &str, name: &str| {
        std::fs::write(logs.join(name), lines).unwrap();
        errata()
            .current_dir(dir.path())
            .args([
                "scan",
                "--rules",
                "rules.yaml",
                "--db",
                "errata.db",
                "--as-of",
                "2026-01-10",
                ".",
            ])
            .assert()
            .success();
    };
    let ids = || {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let mut stmt = conn
            .prepare("SELECT id, template FROM templates ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
    };
    scan(
        "2026-01-05 ERROR Payment 1 declined for client Ivanov\n",
        "a.log",
    );
    let first = ids();
    assert!(!first.is_empty(), "the first scan stored templates");
    scan(
        "2026-01-06 ERROR Payment 2 declined for client Petrov\n2026-01-06 ERROR Payment 3 declined for client Sidorov\n2026-01-06 ERROR Payment 4 declined for client Orlov\n",
        "b.log",
    );
    let second = ids();
    for (id, _) in &first {
        assert!(
            second.iter().any(|(i, _)| i == id),
            "id {id} kept: {second:?}"
        );
    }

    let out = errata()
        .current_dir(dir.path())
        .args([
            "explain",
            "--rules",
            "rules.yaml",
            "--db",
            "errata.db",
            "Payment declined for card 4111 1111 1111 1111",
        ])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("masked:"), "{text}");
    assert!(text.contains("nearest templates"), "{text}");
    assert!(text.contains("template:"), "{text}");
    assert!(text.contains("definition:"), "{text}");
    assert!(!text.contains("4111"), "personal data echoed: {text}");
}

#[test]
fn the_template_cap_warns_in_the_scan_summary() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("web")).unwrap();
    std::fs::write(
        dir.path().join("rules.yaml"),
        "clustering:\n  max_templates: 1\nsystems:\n  - name: web\n    roots: [web]\n    sources:\n      - path: \"*.log\"\n        format: log_lines\n        role: observations\n        extractor:\n          regex: 'ERROR (?P<text>.*)'\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("web/a.log"),
        "2026-01-05 ERROR Card blocked by the bank\n2026-01-05 ERROR Service unavailable, try later\n",
    )
    .unwrap();
    let out = errata()
        .current_dir(dir.path())
        .args([
            "scan",
            "--rules",
            "rules.yaml",
            "--db",
            "errata.db",
            "--as-of",
            "2026-01-10",
            ".",
        ])
        .assert()
        .success();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("template cap of 1 reached: 1 observation(s) kept as exact templates"),
        "{stderr}"
    );
    let conn = rusqlite::Connection::open(dir.path().join("errata.db")).unwrap();
    let stored: i64 = conn
        .query_row("SELECT COUNT(*) FROM templates", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 2, "the overflow is stored, never dropped");
}
