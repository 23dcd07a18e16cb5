//! End to end: a first run on trees as a new user has them
//! (`fixtures/zero-config/`), mostly with no rules: bundles in UTF-8, loose
//! files in the scanned folder, JSON logs with nested API errors, files no
//! format reads; and the first rules' traps: a system without sources, an
//! EBCDIC field size beside ASCII logs.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/zero-config")
        .join(relative)
}

/// The binary, run in `cwd` (an empty folder: no `./rules/` applies there).
fn errata(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("errata").expect("binary");
    cmd.current_dir(cwd);
    cmd
}

/// `errata scan` in `cwd` into `cwd/errata.db` with `args`, as of 2024-06-30;
/// its stdout.
fn scan_in(cwd: &Path, args: &[&std::ffi::OsStr]) -> String {
    let out = errata(cwd)
        .arg("scan")
        .args(args)
        .args(["--as-of", "2024-06-30", "--db", "errata.db"])
        .output()
        .expect("scan runs");
    assert!(
        out.status.success(),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The JSON report of `cwd/errata.db`.
fn report_in(cwd: &Path) -> Value {
    let out = errata(cwd)
        .args(["report", "--format", "json", "--db", "errata.db"])
        .output()
        .expect("report runs");
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("report is JSON")
}

/// What one scan gave: its JSON summary and the JSON report of the catalog.
struct Scanned {
    summary: Value,
    report: Value,
}

/// Runs `errata scan PATH --format json` with no rules from an empty folder,
/// then `errata report`.
fn scan(path: &Path) -> Scanned {
    let dir = tempfile::tempdir().expect("temp dir");
    let summary = scan_in(dir.path(), &[path.as_os_str(), "--format=json".as_ref()]);
    Scanned {
        summary: serde_json::from_str(&summary).expect("summary is JSON"),
        report: report_in(dir.path()),
    }
}

/// (system, key, locale, text) of every definition from a file whose path ends in `file`.
fn definitions(report: &Value, file: &str) -> Vec<(String, String, String, String)> {
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();
    let mut out: Vec<_> = report["definitions"]
        .as_array()
        .expect("definitions")
        .iter()
        .filter(|d| {
            d["source"]["path"]
                .as_str()
                .is_some_and(|p| p.ends_with(file))
        })
        .map(|d| {
            (
                s(&d["system"]),
                s(&d["key"]),
                s(&d["locale"]),
                s(&d["text"]),
            )
        })
        .collect();
    out.sort();
    out
}

/// Keycloak ships its login themes' Russian bundles as raw UTF-8: read with no
/// rules, they are exact Cyrillic (not ISO-8859-1 mojibake) and cost no warning.
#[test]
fn utf8_properties_bundles_read_as_utf8() {
    let scanned = scan(&fixture("landscape"));
    let ru = definitions(&scanned.report, "messages/messages_ru.properties");
    let row = |key: &str, text: &str| {
        (
            "keycloak".to_string(),
            key.to_string(),
            "ru".to_string(),
            text.to_string(),
        )
    };
    assert_eq!(
        ru,
        vec![
            row(
                "accountDisabledMessage",
                "Учётная запись отключена, обратитесь к администратору."
            ),
            row(
                "accountTemporarilyDisabledMessage",
                "Учётная запись временно заблокирована, попробуйте позже."
            ),
            row(
                "expiredCodeMessage",
                "Время ожидания входа истекло. Войдите снова."
            ),
            row(
                "invalidPasswordMinLengthMessage",
                "Неверный пароль: минимальная длина {0}."
            ),
            row(
                "invalidUserMessage",
                "Неверное имя пользователя или пароль."
            ),
            row("loginAccountTitle", "Вход в учётную запись"),
        ]
    );
    assert!(
        scanned.summary["warnings"]
            .as_array()
            .expect("warnings")
            .iter()
            .all(|w| !w["path"].as_str().unwrap_or("").contains("messages_")),
        "{}",
        scanned.summary["warnings"]
    );
}

/// (system, template, count) of every observed template, sorted.
fn templates(report: &Value) -> Vec<(String, String, u64)> {
    let mut out: Vec<_> = report["templates"]
        .as_array()
        .expect("templates")
        .iter()
        .map(|t| {
            (
                t["system"].as_str().unwrap_or("").to_string(),
                t["template"].as_str().unwrap_or("").to_string(),
                t["count"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    out.sort();
    out
}

fn system_names(report: &Value) -> Vec<&str> {
    report["systems"]
        .as_array()
        .expect("systems")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect()
}

/// `errata scan /var/log/app` on a folder holding only logs used to report
/// "scanned 0 files": the folder's own files are its system now.
#[test]
fn a_flat_folder_of_logs_is_scanned_as_one_system() {
    let scanned = scan(&fixture("payments"));
    let stats = &scanned.summary["stats"];
    assert_eq!(
        (
            stats["files_scanned"].as_u64(),
            stats["observations"].as_u64()
        ),
        (Some(2), Some(5))
    );
    assert_eq!(system_names(&scanned.report), ["payments"]);
    let t = |text: &str, count| ("payments".to_string(), text.to_string(), count);
    assert_eq!(
        templates(&scanned.report),
        vec![
            t("Недостаточно средств на счёте", 2),
            t("Превышен дневной лимит переводов", 2),
            t("Сервис временно недоступен, повторите попытку позже", 1),
        ]
    );
}

/// The mixed case: a folder with files and subfolders. Each subfolder is a
/// system; the files lying in the folder itself are the folder's own system.
#[test]
fn loose_files_beside_subfolders_are_the_folders_system() {
    let scanned = scan(&fixture("landscape"));
    assert_eq!(
        system_names(&scanned.report),
        ["fineract", "keycloak", "landscape"]
    );
    assert!(
        templates(&scanned.report).contains(&(
            "landscape".to_string(),
            "Сессия истекла, войдите снова".to_string(),
            1
        )),
        "{:?}",
        templates(&scanned.report)
    );
    assert_eq!(
        definitions(&scanned.report, "messages_en.properties").len(),
        6,
        "the subfolder's bundles stay in its system"
    );
}

/// JSON logs whose client texts sit in nested API error bodies (Fineract,
/// RFC 9457 problem details, OAuth, a nested `error` object): the default
/// extractor finds each; a record with only developer fields shows nothing.
#[test]
fn nested_api_errors_in_json_logs() {
    let scanned = scan(&fixture("landscape"));
    let t = |text: &str| ("fineract".to_string(), text.to_string(), 1);
    let fineract: Vec<_> = templates(&scanned.report)
        .into_iter()
        .filter(|t| t.0 == "fineract")
        .collect();
    assert_eq!(
        fineract,
        vec![
            t("Invalid user credentials"),
            t("Loan with identifier <NUM> does not exist"),
            t("Validation errors exist."),
            t("Карта заблокирована, обратитесь в банк"),
            t("На счёте <AMOUNT>, для перевода нужно <AMOUNT>"),
        ]
    );
    let stats = &scanned.summary["stats"];
    assert_eq!(
        (stats["records"].as_u64(), stats["observations"].as_u64()),
        (Some(7), Some(6)),
        "6 JSON records, 5 with a client text, and the gateway log's one line"
    );
}

/// Nothing is left out silently: the summary counts what was passed over, by
/// extension, with the first paths and how to have them read.
#[test]
fn what_was_passed_over_is_in_the_summary() {
    let landscape = fixture("landscape");
    let path = |p: &str| landscape.join(p).display().to_string();
    let scanned = scan(&landscape);
    assert_eq!(
        scanned.summary["passed_over"],
        serde_json::json!({
            "unknown_format": {
                "count": 3,
                "by_extension": {"ftl": 1, "md": 1, "png": 1},
                "examples": [
                    path("keycloak/themes/login/resources/img/logo.png"),
                    path("keycloak/themes/login/theme.ftl"),
                    path("README.md"),
                ]
            },
            "no_source": {"count": 0, "by_extension": {}, "examples": []},
            "binary": {
                "count": 1,
                "by_extension": {"log": 1},
                "examples": [path("fineract/logs/metrics.log")]
            }
        })
    );
    // The same in the text summary, with the way to include them.
    let dir = tempfile::tempdir().expect("temp dir");
    let stdout = scan_in(dir.path(), &[landscape.as_os_str(), "--quiet".as_ref()]);
    for line in [
        format!(
            "passed over 3 file(s) of no format errata recognises by name (*.ftl: 1, *.md: 1, *.png: 1), e.g. {}, {}, {}",
            path("keycloak/themes/login/resources/img/logo.png"),
            path("keycloak/themes/login/theme.ftl"),
            path("README.md")
        ),
        "  if one of errata's formats reads them, add a source for them with that `format:` to the rules (docs/formats.md)".to_string(),
        format!(
            "passed over 1 binary file(s) (*.log: 1), e.g. {}",
            path("fineract/logs/metrics.log")
        ),
    ] {
        assert!(stdout.lines().any(|l| l == line), "{line}\nmissing from\n{stdout}");
    }
}

/// A folder with nothing errata reads says so instead of a bare "scanned 0 files".
#[test]
fn a_scan_that_reads_nothing_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let notes = dir.path().join("notes");
    std::fs::create_dir(&notes).expect("folder");
    std::fs::write(notes.join("todo.md"), "- rotate keys\n").expect("file");
    let scan_notes = || scan_in(dir.path(), &["notes".as_ref()]);
    let stdout = scan_notes();
    assert!(
        stdout.starts_with("scanned 0 files (0 unchanged, 0 skipped)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("passed over 1 file(s) of no format errata recognises by name (*.md: 1), e.g. notes/todo.md\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("nothing was read: every file found was passed over\n"),
        "{stdout}"
    );
    std::fs::remove_file(notes.join("todo.md")).expect("removed");
    assert!(scan_notes().contains(
        "nothing was read: no file was found under the systems' roots in the scanned paths"
    ));
}

const RULES_WITHOUT_SOURCES: &str = "\
systems:
  - name: keycloak
    roots: [keycloak]
    sources:
      - path: 'themes/*/messages/*_ru.properties'
  - name: fineract
    roots: [fineract]
    encoding: utf-8
";

/// With rules: a system without sources is a warning at its place in the
/// rules, and the files no source matches are passed over, not silently.
#[test]
fn rules_without_sources_and_unmatched_files_are_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("rules.yaml");
    std::fs::write(&rules, RULES_WITHOUT_SOURCES).expect("rules");
    let landscape = fixture("landscape");
    let path = |p: &str| landscape.join(p).display().to_string();
    let warning = format!(
        "{}:6: system `fineract` has no `sources`: none of its files is read (add a source: a `path` glob, and a `format` unless the extension tells it)",
        rules.display()
    );

    let out = errata(dir.path())
        .args(["rules", "check", "--rules"])
        .arg(&rules)
        .arg(&landscape)
        .output()
        .expect("rules check runs");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.lines().any(|l| l == format!("warning: {warning}")),
        "{stdout}"
    );
    // The system without sources is not walked: its warning says it.
    let no_source = format!(
        "passed over 3 file(s) that no source of the rules matches (*.ftl: 1, *.png: 1, *.properties: 1), e.g. {}, {}, {}",
        path("keycloak/themes/login/messages/messages_en.properties"),
        path("keycloak/themes/login/resources/img/logo.png"),
        path("keycloak/themes/login/theme.ftl"),
    );
    assert!(
        stdout.lines().any(|l| l == no_source),
        "{no_source}\nmissing from\n{stdout}"
    );

    let summary = scan_in(
        dir.path(),
        &[
            "--format=json".as_ref(),
            "--rules".as_ref(),
            rules.as_os_str(),
            landscape.as_os_str(),
        ],
    );
    let summary: Value = serde_json::from_str(&summary).expect("summary is JSON");
    let warnings: Vec<String> = summary["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| {
            format!(
                "{}:{}: {}",
                w["path"].as_str().unwrap(),
                w["line"],
                w["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(warnings, [warning]);
    assert_eq!(summary["passed_over"]["no_source"]["count"], 3);
    assert_eq!(summary["stats"]["definitions"], 6);
}

/// `field_encoding` is the charset field byte limits count in, apart from the
/// files' `encoding`: a host's EBCDIC screen field no longer makes errata
/// decode the gateway's ASCII JSON log as EBCDIC.
#[test]
fn field_encoding_counts_bytes_without_decoding_the_logs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        "systems:\n  - name: cards\n    roots: [mainframe]\n    field_encoding: cp037\n    sources:\n      - path: 'copybooks/*.cpy'\n      - path: 'logs/*.jsonl'\n    limits:\n      - field: CM-TEXT\n",
    )
    .expect("rules");
    let fixtures = fixture("");
    scan_in(
        dir.path(),
        &["--rules".as_ref(), rules.as_os_str(), fixtures.as_os_str()],
    );
    let report = report_in(dir.path());
    let texts: Vec<String> = templates(&report).into_iter().map(|t| t.1).collect();
    assert_eq!(
        texts,
        [
            "Card blocked",
            "Card blocked after three wrong PIN entries, call us"
        ]
    );
    let too_long: Vec<&Value> = report["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .filter(|f| f["kind"] == "field-too-long")
        .collect();
    assert_eq!(too_long.len(), 1);
    let exceeds = &too_long[0]["evidence"]["exceeds"][0];
    assert_eq!(
        (
            exceeds["length"].as_u64(),
            exceeds["limit"]["max"].as_u64(),
            exceeds["limit"]["unit"].as_str(),
            exceeds["limit"]["encoding"].as_str()
        ),
        (Some(51), Some(40), Some("bytes"), Some("IBM037"))
    );
}
