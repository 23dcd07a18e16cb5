//! Many hosts, one catalog (#12): hosts scan locally and push, or scan straight
//! into PostgreSQL, and the central catalog equals one SQLite scan of all their
//! files together.
//!
//! These tests need the PostgreSQL server of `.ci/postgres.sh` (or the one
//! `ERRATA_TEST_PG` names, a URL of a role that may create databases and roles).
//! They never skip: without a server they fail and say how to start one. Each
//! test works in a database of its own, created with a unique name and dropped
//! at the end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

const DEFAULT_PG: &str = "postgres://errata:errata-test@127.0.0.1:54329/errata";
const AS_OF: &str = "2024-06-30";
const AS_OF_NIGHT_2: &str = "2024-07-31";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The URL of the test server's administrative database (with its password).
fn admin_url() -> String {
    std::env::var("ERRATA_TEST_PG").unwrap_or_else(|_| DEFAULT_PG.to_string())
}

fn admin() -> postgres::Client {
    postgres::Client::connect(&admin_url(), postgres::NoTls).unwrap_or_else(|e| {
        panic!(
            "the PostgreSQL test server is not reachable ({e}): start it with \
             `bash .ci/postgres.sh start` or set ERRATA_TEST_PG to a URL"
        )
    })
}

/// `url` with another database name.
fn with_dbname(url: &str, name: &str) -> String {
    let (server, _) = url.rsplit_once('/').expect("a URL with a database name");
    format!("{server}/{name}")
}

/// `url` without its password, and the password.
fn without_password(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (credentials, server) = rest.split_once('@').expect("a URL with a user");
    let (user, password) = credentials.split_once(':').expect("a URL with a password");
    (format!("{scheme}://{user}@{server}"), password.to_string())
}

/// A database of one test's own: created empty, dropped when the test ends.
struct TestDb {
    name: String,
}

impl TestDb {
    fn new(tag: &str) -> TestDb {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let name = format!(
            "errata_{tag}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        admin()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        TestDb { name }
    }

    /// The database's URL, with the password.
    fn url(&self) -> String {
        with_dbname(&admin_url(), &self.name)
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = admin().batch_execute(&format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        ));
    }
}

fn errata() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_errata"));
    cmd.current_dir(root());
    cmd
}

/// Runs `cmd` and asserts it succeeded.
fn ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `errata scan TREE --db DB --host HOST` with the bank's rules.
fn scan(tree: &Path, db: &str, host: &str, as_of: &str) -> Command {
    let mut cmd = errata();
    cmd.arg("scan").arg(tree).args([
        "--rules", "rules", "--as-of", as_of, "--db", db, "--host", host,
    ]);
    cmd
}

/// `errata push --db LOCAL --to CENTRAL --host HOST` with the bank's rules.
fn push(local: &Path, central: &str, host: &str, as_of: &str) -> Command {
    let mut cmd = errata();
    cmd.arg("push").arg("--db").arg(local).args([
        "--to", central, "--rules", "rules", "--as-of", as_of, "--host", host,
    ]);
    cmd
}

/// The JSON report of a catalog, with each of `trees` (where its files were
/// scanned) cut from the paths, and without what belongs to the last run alone
/// (`scan`, `changes`: a push and a scan are different runs).
fn report(db: &str, trees: &[&Path]) -> Value {
    let out = ok(errata().args(["report", "--format", "json", "--db", db]));
    let mut text = String::from_utf8(out.stdout).unwrap();
    for tree in trees {
        text = text.replace(&format!("{}/", tree.display()), "");
    }
    let mut report: Value = serde_json::from_str(&text).unwrap();
    let object = report.as_object_mut().unwrap();
    object.remove("scan");
    object.remove("changes");
    report
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The bank on three hosts: web-a and web-b both run webbank (its catalogs on
/// each, its logs split between them) and one more system each; core-c runs the
/// legacy systems. `union` holds all of it, as one machine would.
struct Bank {
    _dir: tempfile::TempDir,
    union: PathBuf,
    a: PathBuf,
    b: PathBuf,
    c: PathBuf,
}

impl Bank {
    fn new() -> Bank {
        let dir = tempfile::tempdir().unwrap();
        let bank = root().join("fixtures/bank");
        let [union, a, b, c] = ["union", "a", "b", "c"].map(|n| dir.path().join(n));
        copy_tree(&bank, &union);
        for (tree, systems) in [
            (&a, &["webbank", "mobile"][..]),
            (&b, &["webbank", "crm", "sms"]),
            (&c, &["abs", "legacy"]),
        ] {
            for system in systems {
                copy_tree(&bank.join(system), &tree.join(system));
            }
        }
        std::fs::remove_file(a.join("webbank/logs/webbank.log.1")).unwrap();
        std::fs::remove_file(b.join("webbank/logs/webbank.log")).unwrap();
        Bank {
            _dir: dir,
            union,
            a,
            b,
            c,
        }
    }

    fn hosts(&self) -> [&Path; 3] {
        [&self.a, &self.b, &self.c]
    }

    /// A second night of logs, on every host and in the union alike: each log
    /// again a month later, and a text never seen before on web-a.
    fn second_night(&self) {
        for tree in self.hosts().into_iter().chain([self.union.as_path()]) {
            for entry in walkdir::WalkDir::new(tree) {
                let entry = entry.unwrap();
                let path = entry.path();
                if !entry.file_type().is_file() || !path.to_string_lossy().contains("/logs/") {
                    continue;
                }
                let night = shift_month(&std::fs::read(path).unwrap());
                let mut content = std::fs::read(path).unwrap();
                content.extend_from_slice(&night);
                std::fs::write(path, content).unwrap();
            }
        }
        for tree in [&self.a, &self.union] {
            let log = tree.join("webbank/logs/webbank.log");
            let mut content = std::fs::read(&log).unwrap();
            content.extend_from_slice(
                "2024-07-02 09:00:00,000 WARN  [http-nio-8443-exec-2] c.b.web.ClientMessages - shown key=error.card.blocked text=\"Карта заблокирована до 03.07.2024\"\n"
                    .as_bytes(),
            );
            std::fs::write(&log, content).unwrap();
        }
    }
}

/// A log's lines a month later (June 2024 → July 2024, both date spellings);
/// bytes, so that logs in single-byte encodings stay as they are.
fn shift_month(log: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(log.len());
    let mut i = 0;
    while i < log.len() {
        if log[i..].starts_with(b"2024-06") {
            out.extend_from_slice(b"2024-07");
            i += 7;
        } else if log[i..].starts_with(b"202406") {
            out.extend_from_slice(b"202407");
            i += 6;
        } else {
            out.push(log[i]);
            i += 1;
        }
    }
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}

/// Runs a push that stalls halfway through its transaction, and SIGKILLs it there.
fn push_killed_midway(local: &Path, central: &str, host: &str, as_of: &str) {
    let marker = tempfile::tempdir().unwrap();
    let stalled = marker.path().join("stalled");
    let mut child = push(local, central, host, as_of)
        .env(errata::catalog::push::STALL_ENV, &stalled)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !stalled.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the push ended ({status}) before it stalled");
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the push never stalled"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// Hosts scan locally and push (one push killed midway and run again, one host
/// pushed twice), one scans straight in; the central catalog equals one SQLite
/// scan of the union, after the first night and after the second.
#[test]
fn hosts_pushing_and_scanning_in_give_the_catalog_of_one_scan_of_all_their_files() {
    let db = TestDb::new("central");
    let central = db.url();
    let bank = Bank::new();
    let dir = tempfile::tempdir().unwrap();
    let union_db = dir.path().join("union.db");
    let [a_db, b_db] = ["a.db", "b.db"].map(|n| dir.path().join(n));
    let union_db_str = union_db.to_str().unwrap();
    let trees = [bank.union.as_path(), &bank.a, &bank.b, &bank.c];

    for (night, as_of) in [(1, AS_OF), (2, AS_OF_NIGHT_2)] {
        if night == 2 {
            bank.second_night();
        }
        ok(&mut scan(&bank.union, union_db_str, "all", as_of));
        ok(&mut scan(&bank.a, a_db.to_str().unwrap(), "web-a", as_of));
        ok(&mut scan(&bank.b, b_db.to_str().unwrap(), "web-b", as_of));

        let before = (night == 2).then(|| report(&central, &trees));
        push_killed_midway(&a_db, &central, "web-a", as_of);
        if let Some(before) = before {
            assert_eq!(
                report(&central, &trees),
                before,
                "a killed push leaves nothing behind"
            );
        }
        ok(&mut push(&a_db, &central, "web-a", as_of));
        ok(&mut push(&b_db, &central, "web-b", as_of));
        let once = report(&central, &trees);
        ok(&mut push(&b_db, &central, "web-b", as_of));
        assert_eq!(
            report(&central, &trees),
            once,
            "pushing twice changes nothing"
        );
        ok(&mut scan(&bank.c, &central, "core-c", as_of));

        let expected = report(union_db_str, &trees);
        let got = report(&central, &trees);
        assert!(
            !expected["templates"].as_array().unwrap().is_empty(),
            "the bank has templates"
        );
        for part in ["as_of", "systems", "definitions", "templates", "flags"] {
            assert_eq!(
                got[part], expected[part],
                "night {night}: `{part}` of the central catalog differs from one scan of the union"
            );
        }
        assert_eq!(got, expected, "night {night}");
    }
}

/// Sum of the counts of a report's templates.
fn total(report: &Value) -> u64 {
    report["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["count"].as_u64().unwrap())
        .sum()
}

/// Per-host file tracking: while one host's scan holds the central catalog,
/// two other hosts (with the same webbank bundle) scan in at once without
/// waiting for it, and the same host again exits 3.
#[test]
fn other_hosts_scan_in_while_one_holds_the_catalog_and_the_same_host_twice_exits_3() {
    let db = TestDb::new("hostlock");
    let central = db.url();
    let bank = Bank::new();
    let target: errata::catalog::Target = central.parse().unwrap();
    let held = errata::catalog::Catalog::open_for_host(&target, "core-c")
        .unwrap_or_else(|e| panic!("open for core-c: {e}"));

    let same = scan(&bank.c, &central, "core-c", AS_OF).output().unwrap();
    let stderr = String::from_utf8_lossy(&same.stderr);
    assert_eq!(same.status.code(), Some(3), "the same host twice: {stderr}");
    assert!(stderr.contains("core-c"), "{stderr}");

    // Two other hosts at once, while core-c's scan still holds its lock.
    let children: Vec<_> = [(&bank.a, "web-a"), (&bank.b, "web-b")]
        .into_iter()
        .map(|(tree, host)| {
            scan(tree, &central, host, AS_OF)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    drop(held);
    ok(&mut scan(&bank.c, &central, "core-c", AS_OF));

    // What the three hosts saw, together, is what one scan of them all sees.
    let dir = tempfile::tempdir().unwrap();
    let union_db = dir.path().join("union.db");
    ok(&mut scan(
        &bank.union,
        union_db.to_str().unwrap(),
        "all",
        AS_OF,
    ));
    let trees = [bank.union.as_path(), &bank.a, &bank.b, &bank.c];
    assert_eq!(
        report(&central, &trees),
        report(union_db.to_str().unwrap(), &trees)
    );
}

/// 20 hosts push at once into one catalog: every push succeeds, and each
/// template's count is the sum of the hosts' counts, nothing lost or twice.
#[test]
fn twenty_hosts_pushing_at_once_lose_nothing_and_count_nothing_twice() {
    const HOSTS: usize = 20;
    let db = TestDb::new("twenty");
    let central = db.url();
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    copy_tree(&root().join("fixtures/bank/webbank"), &tree.join("webbank"));
    // Each host its own night: host i has its logs i+1 times.
    let mut hosts = Vec::new();
    for i in 0..HOSTS {
        let host = format!("web-{i:02}");
        let local = dir.path().join(format!("{host}.db"));
        ok(&mut scan(&tree, local.to_str().unwrap(), &host, AS_OF));
        let own = report(local.to_str().unwrap(), &[&tree]);
        hosts.push((host, local, own));
        for log in ["webbank.log", "webbank.log.1"] {
            let path = tree.join("webbank/logs").join(log);
            let mut content = std::fs::read(&path).unwrap();
            content.extend_from_slice(
                &std::fs::read(root().join("fixtures/bank/webbank/logs").join(log)).unwrap(),
            );
            std::fs::write(&path, content).unwrap();
        }
    }
    let children: Vec<_> = hosts
        .iter()
        .map(|(host, local, _)| {
            push(local, &central, host, AS_OF)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "a push failed: {stderr}");
        assert!(!stderr.contains("error"), "{stderr}");
    }

    let got = report(&central, &[&tree]);
    let expected_total: u64 = hosts.iter().map(|(_, _, own)| total(own)).sum();
    assert!(expected_total > 0);
    assert_eq!(total(&got), expected_total);
    // Template by template: the sum of the hosts' counts, daily counts too.
    let templates = got["templates"].as_array().unwrap();
    let first = &hosts[0].2;
    assert_eq!(
        templates.len(),
        first["templates"].as_array().unwrap().len()
    );
    for t in templates {
        let mut count = 0;
        let mut daily: std::collections::BTreeMap<String, u64> = Default::default();
        for (_, _, own) in &hosts {
            let mine = own["templates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["id"] == t["id"])
                .unwrap_or_else(|| panic!("template {} on every host", t["id"]));
            count += mine["count"].as_u64().unwrap();
            for (day, n) in mine["daily"].as_object().unwrap() {
                *daily.entry(day.clone()).or_default() += n.as_u64().unwrap();
            }
        }
        assert_eq!(t["count"].as_u64().unwrap(), count, "{}", t["template"]);
        let got_daily: std::collections::BTreeMap<String, u64> = t["daily"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(d, n)| (d.clone(), n.as_u64().unwrap()))
            .collect();
        assert_eq!(got_daily, daily, "{}", t["template"]);
    }
    // The same bundle on every host is one definition.
    assert_eq!(got["definitions"], {
        let mut defs = first["definitions"].clone();
        for d in defs.as_array_mut().unwrap() {
            let id = d["id"].clone();
            d["observed"] = got["definitions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["id"] == id)
                .unwrap()["observed"]
                .clone();
        }
        defs
    });
}

/// The password comes from the URL, PGPASSWORD or ~/.pgpass, and is never
/// shown: not in a wrong password's error, not in a scan's output, not in a
/// report; URLs are shown without it.
#[test]
fn passwords_come_from_the_url_pgpassword_or_pgpass_and_are_never_shown() {
    let db = TestDb::new("secrets");
    let (bare, password) = without_password(&db.url());
    let bank = Bank::new();
    let home = tempfile::tempdir().unwrap();
    let quiet = |cmd: &mut Command| {
        cmd.env("HOME", home.path())
            .env_remove("PGPASSWORD")
            .env_remove("PGPASSFILE");
    };
    let shown = |out: &Output| {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(&password), "the password is shown: {all}");
        all
    };

    // A wrong password in the URL: an error naming the catalog without it.
    let wrong = "Wr0ng-s3cret-pw";
    let wrong_url = bare.replacen('@', &format!(":{wrong}@"), 1);
    let mut cmd = scan(&bank.c, &wrong_url, "core-c", AS_OF);
    quiet(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(wrong), "{stderr}");
    assert!(stderr.contains(&bare), "the URL, redacted: {stderr}");
    assert!(stderr.contains("password"), "says why: {stderr}");

    // From the URL.
    let mut cmd = scan(&bank.c, &db.url(), "core-c", AS_OF);
    quiet(&mut cmd);
    let all = shown(&ok(&mut cmd));
    assert!(all.contains(&bare), "the URL, redacted: {all}");

    // From PGPASSWORD.
    let mut cmd = scan(&bank.b, &bare, "web-b", AS_OF);
    quiet(&mut cmd);
    cmd.env("PGPASSWORD", &password);
    shown(&ok(&mut cmd));

    // From ~/.pgpass (only its owner may read it, as libpq wants).
    let pgpass = home.path().join(".pgpass");
    std::fs::write(&pgpass, format!("*:*:*:*:{password}\n")).unwrap();
    std::fs::set_permissions(&pgpass, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let mut cmd = scan(&bank.a, &bare, "web-a", AS_OF);
    quiet(&mut cmd);
    shown(&ok(&mut cmd));

    // Neither in a report.
    let mut cmd = errata();
    cmd.args(["report", "--format", "json", "--db", &bare]);
    quiet(&mut cmd);
    let all = shown(&ok(&mut cmd));
    assert!(all.contains("\"templates\""));
}

/// The SQL block of docs/operations.md that creates a host's role.
fn host_grants(role: &str, database: &str, password: &str) -> String {
    let docs = std::fs::read_to_string(root().join("docs/operations.md")).unwrap();
    let block = docs
        .split("```sql")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .find(|b| b.contains("CREATE ROLE errata_host"))
        .expect("docs/operations.md gives the host role's SQL");
    block
        .replace("errata_host", role)
        .replace("DATABASE errata ", &format!("DATABASE {database} "))
        .replace("change-me", password)
}

/// A role given what docs/operations.md grants a host, dropped at the end.
struct Role(String);

impl Drop for Role {
    fn drop(&mut self) {
        let _ = admin().batch_execute(&format!("DROP ROLE IF EXISTS {}", self.0));
    }
}

/// A host role with only the documented grants can scan into and push to the
/// central catalog, and cannot delete what was harvested.
#[test]
fn a_host_role_with_the_documented_grants_scans_and_pushes_but_cannot_delete() {
    let role = Role(format!("errata_host_{}", std::process::id()));
    let db = TestDb::new("grants");
    let bank = Bank::new();
    // The owner's first run creates the schema.
    ok(&mut scan(&bank.c, &db.url(), "core-c", AS_OF));
    let password = "host-pw-42";
    let mut owner = db.client();
    owner
        .batch_execute(&host_grants(&role.0, &db.name, password))
        .unwrap();
    let (bare, _) = without_password(&db.url());
    let as_host = bare.replacen("errata@", &format!("{}:{password}@", role.0), 1);

    let dir = tempfile::tempdir().unwrap();
    let a_db = dir.path().join("a.db");
    ok(&mut scan(&bank.a, a_db.to_str().unwrap(), "web-a", AS_OF));
    ok(&mut push(&a_db, &as_host, "web-a", AS_OF));
    ok(&mut scan(&bank.b, &as_host, "web-b", AS_OF));

    let mut host = postgres::Client::connect(&as_host, postgres::NoTls).unwrap();
    let refused = host.batch_execute("DELETE FROM group_hosts").unwrap_err();
    assert!(
        refused.to_string().contains("permission denied")
            || format!("{:?}", refused.as_db_error()).contains("permission denied"),
        "{refused:?}"
    );
    drop(host);

    let union_db = dir.path().join("union.db");
    ok(&mut scan(
        &bank.union,
        union_db.to_str().unwrap(),
        "all",
        AS_OF,
    ));
    let trees = [bank.union.as_path(), &bank.a, &bank.b, &bank.c];
    assert_eq!(
        report(&db.url(), &trees),
        report(union_db.to_str().unwrap(), &trees)
    );
}
