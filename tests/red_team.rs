//! Red-team regressions (issue #14): inputs that took the nightly scan down or
//! made it count wrong. Each test runs the binary on a generated tree with a
//! normal file beside the hostile one and checks what the issue asks of every
//! case: exit 0, a warning naming the file (and line where there is one), and
//! the normal file scanned and stored. Sizes are scaled down, shapes kept;
//! memory and time are shown by `bench/hostile.sh`, never asserted here.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Rules naming each format by its extension, with an extractor for logs.
const RULES: &str = r#"
systems:
  - name: app
    roots: [app]
    sources:
      - path: "*.json"
        format: json_i18n
      - path: "*.yml"
        format: yaml
      - path: "*.resx"
        format: resx
      - path: "*.jsonl"
        format: json_lines
        extractor:
          json: { text: userMessage }
      - path: "*.w3c"
        format: w3c
      - path: "*.log*"
        format: log_lines
        extractor:
          regex: 'msg=(?P<text>.*)$'
"#;

/// The normal catalog and log every tree holds beside its hostile file.
const NORMAL_CATALOG: &str = "{\n  \"ok.key\": \"Операция выполнена\"\n}\n";
const NORMAL_LOG: &str = "2024-06-01 ERROR msg=Сервис временно недоступен\n";

struct Tree {
    dir: tempfile::TempDir,
}

impl Tree {
    /// A tree with system `app` (the normal files in it) and rules with `caps`.
    fn new(caps: &str) -> Tree {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("app")).unwrap();
        std::fs::write(dir.path().join("rules.yaml"), format!("{caps}{RULES}")).unwrap();
        let tree = Tree { dir };
        tree.write("ok_ru.json", NORMAL_CATALOG.as_bytes());
        tree.write("ok.log", NORMAL_LOG.as_bytes());
        tree
    }

    fn path(&self, name: impl AsRef<Path>) -> PathBuf {
        self.dir.path().join("app").join(name)
    }

    fn write(&self, name: impl AsRef<Path>, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).unwrap();
    }

    fn append(&self, name: &str, bytes: &[u8]) {
        std::fs::OpenOptions::new()
            .append(true)
            .open(self.path(name))
            .unwrap()
            .write_all(bytes)
            .unwrap();
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("errata.db")
    }

    fn errata(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_errata"))
            .current_dir(self.dir.path())
            .args(args)
            .output()
            .unwrap()
    }

    /// `errata scan` with the rules; must exit 0. Returns its warnings.
    fn scan(&self) -> Vec<String> {
        let out = self.errata(&[
            "scan",
            ".",
            "--rules",
            "rules.yaml",
            "--as-of",
            "2024-06-30",
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        warnings(&stderr)
    }

    /// Rows of one column (as text) a query over the catalog returns.
    fn query(&self, sql: &str) -> Vec<String> {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        let mut stmt = conn.prepare(sql).unwrap();
        stmt.query_map([], |r| {
            Ok(match r.get_ref(0)? {
                rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                other => format!("{other:?}"),
            })
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }

    /// The count of observations of a text (0 when never seen).
    fn count(&self, template: &str) -> u64 {
        self.query(&format!(
            "SELECT COALESCE(SUM(count), 0) FROM template_totals WHERE template = '{template}'"
        ))[0]
            .parse()
            .unwrap()
    }

    /// The normal catalog and log beside the hostile file were scanned and stored.
    fn assert_normal_files_stored(&self) {
        assert_eq!(
            self.query("SELECT text FROM definitions WHERE key = 'ok.key'"),
            ["Операция выполнена"]
        );
        assert!(self.count("Сервис временно недоступен") >= 1);
    }
}

/// The `warning: …` lines of a run's stderr.
fn warnings(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix("warning: "))
        .map(str::to_string)
        .collect()
}

/// Asserts that exactly one warning starts with `prefix` (file:line: message start).
fn assert_one_warning(warnings: &[String], prefix: &str) {
    let matching: Vec<&String> = warnings.iter().filter(|w| w.starts_with(prefix)).collect();
    assert_eq!(matching.len(), 1, "`{prefix}` in {warnings:#?}");
}

/// A JSON catalog nested 10,000 levels deep (7,000 aborted `scan` and `check`
/// with a stack overflow): its other entries are kept, the deep value is a
/// warning naming its line, and both commands end normally.
#[test]
fn a_deeply_nested_json_catalog_is_a_warning_not_an_abort() {
    let t = Tree::new("");
    let depth = 10_000;
    t.write(
        "deep_ru.json",
        format!(
            "{{\n\"shallow\": \"Карта заблокирована\",\n\"deep\": {}\"x\"{}\n}}\n",
            "{\"a\": ".repeat(depth),
            "}".repeat(depth)
        )
        .as_bytes(),
    );
    let warnings = t.scan();
    assert_one_warning(
        &warnings,
        "./app/deep_ru.json:3: JSON nested deeper than 128 levels (caps.nesting_depth)",
    );
    assert_eq!(
        t.query("SELECT text FROM definitions WHERE key = 'shallow'"),
        ["Карта заблокирована"]
    );
    t.assert_normal_files_stored();
    let check = t.errata(&[
        "check",
        ".",
        "--rules",
        "rules.yaml",
        "--as-of",
        "2024-06-30",
    ]);
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(matches!(check.status.code(), Some(0 | 1)), "{stderr}");
    assert!(
        stderr.contains("./app/deep_ru.json:3: JSON nested deeper than 128 levels"),
        "{stderr}"
    );
}

#[test]
fn a_deeply_nested_xml_catalog_is_a_warning_not_an_abort() {
    let t = Tree::new("");
    t.write(
        "deep.ru.resx",
        format!(
            "<root>\n<data name=\"kept\"><value>Повторите позже</value></data>\n<data name=\"deep\"><value>{}</value></data></root>",
            "<b>".repeat(100_000)
        )
        .as_bytes(),
    );
    let warnings = t.scan();
    assert_one_warning(
        &warnings,
        "./app/deep.ru.resx:3: XML nested deeper than 128 elements (caps.nesting_depth)",
    );
    assert_eq!(
        t.query("SELECT text FROM definitions WHERE key = 'kept'"),
        ["Повторите позже"]
    );
    t.assert_normal_files_stored();
}

/// A JSON log line nested past serde_json's limit is one skipped line.
#[test]
fn a_deeply_nested_json_log_line_is_one_skipped_line() {
    let t = Tree::new("");
    let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
    t.write(
        "api.jsonl",
        format!(
            "{{\"userMessage\": \"Первая\"}}\n{{\"x\": {deep}}}\n{{\"userMessage\": \"Третья\"}}\n"
        )
        .as_bytes(),
    );
    let warnings = t.scan();
    assert_one_warning(
        &warnings,
        "./app/api.jsonl:2: malformed JSON line, skipped: recursion limit exceeded",
    );
    assert_eq!((t.count("Первая"), t.count("Третья")), (1, 1));
    t.assert_normal_files_stored();
}

/// 100,000 nested `[` (0.3 MB) spent a minute in the YAML parser: a catalog
/// is refused before parsing with the position, a rules file too.
#[test]
fn deep_yaml_flow_nesting_is_refused_before_parsing() {
    let t = Tree::new("");
    t.write(
        "deep_ru.yml",
        format!("ok: да\nbad: {}\n", "[".repeat(100_000)).as_bytes(),
    );
    let warnings = t.scan();
    assert_one_warning(
        &warnings,
        "./app/deep_ru.yml:2: YAML not read, file skipped: 2:134: flow collections nested deeper than 128 levels",
    );
    t.assert_normal_files_stored();
    std::fs::write(
        t.dir.path().join("deep-rules.yaml"),
        format!("stale_after: 3\nmasks: {}\n", "[".repeat(100_000)),
    )
    .unwrap();
    let out = t.errata(&["scan", ".", "--rules", "deep-rules.yaml"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("deep-rules.yaml:2:136: flow collections nested deeper than 128 levels"),
        "{stderr}"
    );
}

/// A bomb's shape, scaled: 16 MiB of one repeated line, compressed to a few
/// KiB, read under a 1 MiB decompression cap. gzip and zstd obey one policy.
#[test]
fn compression_bombs_stop_at_the_cap_with_a_warning() {
    let t = Tree::new("caps:\n  decompressed_bytes: 1048576\n");
    let line = "2024-06-01 ERROR msg=Платёж отклонён\n".repeat(1024);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let mut zst = zstd::stream::write::Encoder::new(Vec::new(), 19).unwrap();
    let total = 16 * 1024 * 1024;
    for _ in 0..total / line.len() {
        gz.write_all(line.as_bytes()).unwrap();
        zst.write_all(line.as_bytes()).unwrap();
    }
    let (gz, zst) = (gz.finish().unwrap(), zst.finish().unwrap());
    assert!(gz.len() * 300 < total && zst.len() * 300 < total);
    t.write("bomb.log.1.gz", &gz);
    t.write("bomb.log.2.zst", &zst);
    let warnings = t.scan();
    for (file, codec) in [("bomb.log.1.gz", "gzip"), ("bomb.log.2.zst", "zstd")] {
        assert_one_warning(
            &warnings,
            &format!(
                "./app/{file}: {codec} decompression stopped after 1048576 bytes: \
                 more than 1048576 bytes (caps.decompressed_bytes) (decompression bomb?); \
                 the rest of the file is skipped"
            ),
        );
    }
    // What came before the cap was read: about a mebibyte of lines from each.
    let lines_per_mib = 1024 * 1024 / "2024-06-01 ERROR msg=Платёж отклонён\n".len() as u64;
    let counted = t.count("Платёж отклонён");
    assert!(
        (2 * lines_per_mib - 2..=2 * lines_per_mib + 2).contains(&counted),
        "{counted}"
    );
    t.assert_normal_files_stored();
}

/// A 200 MB line took 2 GB and, without a newline, was read again every time
/// the file grew. Scaled: 2 MiB lines under a 4 KiB record cap.
#[test]
fn a_huge_line_keeps_its_head_and_is_never_read_again() {
    let t = Tree::new("caps:\n  record_bytes: 4096\n");
    let huge = format!("2024-06-01 ERROR msg={}", "Ж".repeat(1 << 20));
    t.write(
        "terminated.log",
        format!("2024-06-01 ERROR msg=до\n{huge}\n2024-06-01 ERROR msg=после\n").as_bytes(),
    );
    t.write(
        "growing.log",
        format!("2024-06-01 ERROR msg=начало\n{huge}").as_bytes(),
    );
    let warnings = t.scan();
    let cap_warning = "line longer than the record cap of 4096 bytes (caps.record_bytes): \
                       its head is kept, the rest skipped";
    assert_one_warning(&warnings, &format!("./app/terminated.log:2: {cap_warning}"));
    assert_one_warning(&warnings, &format!("./app/growing.log:2: {cap_warning}"));
    assert_eq!(
        (t.count("до"), t.count("после"), t.count("начало")),
        (1, 1, 1)
    );
    // The head is all that is stored: within the cap, whole characters.
    let longest = t.query("SELECT MAX(LENGTH(CAST(template AS BLOB))) FROM templates");
    assert!(longest[0].parse::<usize>().unwrap() <= 4096, "{longest:?}");
    let heads = t.query("SELECT SUM(count) FROM template_totals WHERE template LIKE 'ЖЖЖ%'");
    assert_eq!(heads, ["2"]);
    // The growing file gets its newline and more: the line is not read again.
    t.append(
        "growing.log",
        "ЖЖЖ\n2024-06-01 ERROR msg=дальше\n".as_bytes(),
    );
    let warnings = t.scan();
    assert!(
        warnings.iter().all(|w| !w.contains("record cap")),
        "{warnings:#?}"
    );
    assert_eq!(t.count("дальше"), 1);
    let heads = t.query("SELECT SUM(count) FROM template_totals WHERE template LIKE 'ЖЖЖ%'");
    assert_eq!(heads, ["2"]);
    t.assert_normal_files_stored();
}

/// A format read from its first line on every scan (W3C: `#Fields:` gives the
/// later lines their meaning) warns about an over-long line once, not again
/// on every scan that re-reads it.
#[test]
fn an_over_long_line_read_again_from_the_start_warns_once() {
    let t = Tree::new("caps:\n  record_bytes: 1024\n");
    let head = "#Software: Microsoft Internet Information Services 10.0\n\
                #Fields: date time cs-uri-stem sc-status\n";
    let long = format!("2024-06-01 10:00:01 /{} 500\n", "x".repeat(5000));
    t.write(
        "iis.w3c",
        format!("{head}2024-06-01 10:00:00 /pay 500\n{long}").as_bytes(),
    );
    let warnings = t.scan();
    assert_one_warning(
        &warnings,
        "./app/iis.w3c:4: line longer than the record cap of 1024 bytes",
    );
    t.append("iis.w3c", b"2024-06-01 10:00:02 /pay 500\n");
    let warnings = t.scan();
    assert!(
        warnings.iter().all(|w| !w.contains("iis.w3c")),
        "{warnings:#?}"
    );
    t.assert_normal_files_stored();
}

/// E-mails with a Cyrillic local part or a punycode domain left the mask.
#[test]
fn cyrillic_and_punycode_emails_are_masked_before_storage() {
    let t = Tree::new("");
    t.write(
        "mail.log",
        "2024-06-01 ERROR msg=Письмо не доставлено на иван@почта.рф\n\
         2024-06-01 ERROR msg=Письмо не доставлено на ivan@xn--80a1acny.xn--p1ai\n\
         2024-06-01 ERROR msg=Курс @ 95,5 руб. недоступен\n"
            .as_bytes(),
    );
    assert!(t.scan().is_empty());
    assert_eq!(t.count("Письмо не доставлено на <EMAIL>"), 2);
    // An `@` without a dotted domain after it is no e-mail.
    assert_eq!(t.count("Курс @ <AMOUNT> недоступен"), 1);
    let report = t.errata(&["report", "--format", "json"]);
    let report = String::from_utf8(report.stdout).unwrap();
    for secret in ["иван", "почта", "xn--80a1acny"] {
        assert!(!report.contains(secret), "{secret} in the report");
        assert!(
            t.query(&format!(
                "SELECT text FROM groups WHERE text LIKE '%{secret}%' \
                 UNION ALL SELECT template FROM templates WHERE template LIKE '%{secret}%'"
            ))
            .is_empty()
        );
    }
    t.assert_normal_files_stored();
}

/// Two scans through a symlink, or another spelling of the path, to one
/// catalog both ran and counted everything twice: the second must exit 3.
#[test]
fn every_spelling_of_the_catalog_path_meets_one_lock() {
    let t = Tree::new("");
    std::fs::create_dir(t.dir.path().join("x")).unwrap();
    std::os::unix::fs::symlink(t.db(), t.dir.path().join("link.db")).unwrap();
    let running = errata::catalog::ScanLock::acquire(&t.db()).unwrap();
    for spelling in ["link.db", "./x/../errata.db", "errata.db"] {
        let out = t.errata(&["scan", ".", "--rules", "rules.yaml", "--db", spelling]);
        assert_eq!(out.status.code(), Some(3), "{spelling}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("another errata scan is running"),
            "{spelling}"
        );
    }
    drop(running);
    assert!(t.scan().is_empty());
    t.assert_normal_files_stored();
}

/// A file whose name is not UTF-8 was skipped silently (zero-config); a catalog
/// so named must also keep its definitions on the next scan.
#[test]
fn files_whose_names_are_not_utf8_are_scanned_and_kept() {
    let t = Tree::new("");
    let log = std::ffi::OsStr::from_bytes(b"caf\xe9.log");
    let catalog = std::ffi::OsStr::from_bytes(b"caf\xe9_ru.json");
    t.write(log, b"2024-06-01 ERROR msg=Oplata ne proshla\n");
    t.write(
        catalog,
        "{\n  \"cafe.key\": \"Кафе закрыто\"\n}\n".as_bytes(),
    );
    for scan in 1..=2 {
        assert!(t.scan().is_empty(), "scan {scan}");
        assert_eq!(t.count("Oplata ne proshla"), 1, "scan {scan}");
        assert_eq!(
            t.query(
                "SELECT s.path FROM definitions d \
                 JOIN definition_sources s ON s.definition_id = d.id \
                 WHERE d.key = 'cafe.key' AND s.removed_run IS NULL"
            ),
            ["./app/caf\\xe9_ru.json"],
            "scan {scan}"
        );
        t.assert_normal_files_stored();
    }
    // Without rules, formats are recognised by name: these names too.
    std::fs::remove_file(t.dir.path().join("rules.yaml")).unwrap();
    let out = t.errata(&["scan", ".", "--db", "zero.db", "--as-of", "2024-06-30"]);
    assert_eq!(out.status.code(), Some(0));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.starts_with("scanned 4 files (0 unchanged, 0 skipped)"),
        "{summary}"
    );
}

/// Texts from logs reached `templates.csv` as live formulas.
#[test]
fn report_cells_never_become_formulas() {
    let t = Tree::new("");
    t.write(
        "attack.log",
        "2024-06-01 ERROR msg==cmd|' /C calc'!A0\n\
         2024-06-01 ERROR msg=@SUM(A1:A9)\n\
         2024-06-01 ERROR msg=-Сумма отрицательна\n"
            .as_bytes(),
    );
    assert!(t.scan().is_empty());
    let csv = t.errata(&["report", "--format", "csv", "--entity", "templates"]);
    assert_eq!(csv.status.code(), Some(0));
    let text = String::from_utf8(csv.stdout).unwrap();
    let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let templates: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[1].to_string())
        .collect();
    // (As masked: `A0` is a variable.)
    for formula in [
        "=cmd|' /C calc'!<*>",
        "@SUM(<*>:<*>)",
        "-Сумма отрицательна",
    ] {
        assert!(
            templates.contains(&format!("'{formula}")),
            "{formula} in {templates:?}"
        );
    }
    assert!(templates.contains(&"Сервис временно недоступен".to_string()));
    // The xlsx export writes string cells, never formulas.
    let out = t.errata(&["report", "--format", "xlsx", "-o", "r.xlsx"]);
    assert_eq!(out.status.code(), Some(0));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(t.dir.path().join("r.xlsx")).unwrap();
    use calamine::Reader;
    let cells = book.worksheet_range("Templates").unwrap();
    assert!(
        cells
            .rows()
            .any(|r| r[1] == calamine::Data::String("=cmd|' /C calc'!<*>".to_string()))
    );
    let formulas = book.worksheet_formula("Templates").unwrap();
    assert!(
        formulas.used_cells().all(|(_, _, f)| f.is_empty()),
        "a formula cell"
    );
}

/// Personal data in a file's name (a log named after a client's e-mail or
/// phone) reached every path of the catalog and the reports. The name is
/// masked in what is stored and shown; the files are still two files, read
/// once each, and a rescan reads nothing again.
#[test]
fn personal_data_in_file_names_never_reaches_the_catalog() {
    let t = Tree::new("");
    t.write(
        "ivan.petrov@mail.ru.log",
        b"2024-06-01 ERROR msg=Limit exceeded\n",
    );
    t.write(
        "client-+79123456789.log",
        b"2024-06-01 ERROR msg=Limit exceeded\n\
          2024-06-01 ERROR msg=\xd0\xa1\xd0\xb5\xd1\x80\xd0\xb2\xd0\xb8\xd1\x81 \xd0\xb7\xd0\xb0\xd0\xba\xd1\x80\xd1\x8b\xd1\x82 {\n",
    );
    t.write("bad-olga@mail.ru_ru.json", b"{\"k\": [");
    let warnings = t.scan();
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].starts_with("./app/<EMAIL>_ru.json#"),
        "{warnings:#?}"
    );
    for scan in 1..=2 {
        if scan == 2 {
            // Nothing changed: nothing is read again (the broken catalog too).
            assert!(t.scan().is_empty());
        }
        assert_eq!(t.count("Limit exceeded"), 2, "scan {scan}");
        t.assert_normal_files_stored();
    }
    let mut shown = String::new();
    for format in ["json", "md", "csv", "html"] {
        let out = t.errata(&["report", "--format", format]);
        assert!(out.status.success(), "{format}");
        shown.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    // Every byte the catalog holds, in its file and its write-ahead log.
    let mut stored = std::fs::read(t.db()).unwrap();
    stored.extend(std::fs::read(t.db().with_extension("db-wal")).unwrap_or_default());
    let stored = String::from_utf8_lossy(&stored);
    for secret in ["ivan.petrov", "olga@", "9123456789"] {
        assert!(!shown.contains(secret), "{secret} in a report");
        assert!(!stored.contains(secret), "{secret} in the catalog file");
    }
}

/// A catalog text of one letter repeated (64K chars took minutes to index for
/// matching, again on every rescan) and a legal copybook `PIC X(134217727)`
/// with a short VALUE (its padding took 7 GB): both are ordinary texts, stored
/// as written, and a rescan is as quick as any.
#[test]
fn long_runs_and_wide_pictures_are_ordinary_texts() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("abs");
    std::fs::create_dir(&app).unwrap();
    let run = "я".repeat(64_000);
    std::fs::write(
        app.join("run_ru.json"),
        format!("{{\"run\": \"{run}\", \"ok\": \"Операция выполнена\"}}"),
    )
    .unwrap();
    std::fs::write(
        app.join("ERRS.cpy"),
        "       01  ERR-REC.\n           05  ERR-TEXT  PIC X(134217727) VALUE 'Card blocked'.\n",
    )
    .unwrap();
    std::fs::write(app.join("app.log"), format!("2024-06-01 ERROR {run}\n")).unwrap();
    for scan in 1..=2 {
        let out = Command::new(env!("CARGO_BIN_EXE_errata"))
            .current_dir(dir.path())
            .args(["scan", ".", "--db", "errata.db", "--as-of", "2024-06-30"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "scan {scan}: {stderr}");
        assert!(warnings(&stderr).is_empty(), "scan {scan}: {stderr}");
    }
    let conn = rusqlite::Connection::open(dir.path().join("errata.db")).unwrap();
    let text = |key: &str| -> String {
        conn.query_row("SELECT text FROM definitions WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .unwrap()
    };
    assert_eq!(text("run"), run);
    assert_eq!(text("ERR-TEXT"), "Card blocked");
    let limit: i64 = conn
        .query_row(
            "SELECT max FROM limits WHERE field = 'ERR-REC.ERR-TEXT'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(limit, 134_217_727);
    // A group a bogus OCCURS makes larger than any integer both catalogs
    // store is stored at the largest one, never wrapped to a negative size.
    std::fs::write(
        app.join("HUGE.cpy"),
        "       01  ERR-BIG.\n           05  ERR-MORE OCCURS 18446744073709551615 TIMES.\n              10  ERR-X  PIC X(2).\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_errata"))
        .current_dir(dir.path())
        .args(["scan", ".", "--db", "errata.db", "--as-of", "2024-06-30"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let big: i64 = conn
        .query_row("SELECT max FROM limits WHERE field = 'ERR-BIG'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(big, i64::MAX);
}

/// A catalog of texts that differ only in a number (as generated catalogs
/// have): 2,000 keys took 3.5 GB and a 384 MB catalog, because every key's
/// `inconsistent-text` flag listed every other key. One group is one flag,
/// and its evidence lists the first texts with a count of the rest.
#[test]
fn texts_that_differ_only_in_a_number_are_one_flag_with_capped_evidence() {
    let t = Tree::new("");
    let n = 5_000;
    let entries: Vec<String> = (0..n)
        .map(|i| format!("\"pay.{i}\": \"Payment {i} was rejected, call the bank\""))
        .collect();
    t.write(
        "numbered_ru.json",
        format!("{{{}}}", entries.join(",\n")).as_bytes(),
    );
    assert!(t.scan().is_empty());
    t.assert_normal_files_stored();
    let out = t.errata(&["report", "--format", "json"]);
    assert!(out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let flags: Vec<&serde_json::Value> = report["flags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "inconsistent-text")
        .collect();
    assert_eq!(flags.len(), 1, "one group, one flag");
    let evidence = &flags[0]["evidence"];
    let listed = evidence["texts"].as_array().unwrap().len();
    assert_eq!(listed, errata::audit::MAX_EVIDENCE_ITEMS);
    assert_eq!(evidence["more_texts"], n - listed);
    assert_eq!(evidence["keys"], n);
    // The report grows with the catalog, not with its square: a few hundred
    // bytes per definition.
    assert!(out.stdout.len() < n * 1024, "{} bytes", out.stdout.len());
    let catalog = std::fs::metadata(t.db()).unwrap().len();
    assert!(catalog < (n as u64) * 4096, "catalog of {catalog} bytes");
}
