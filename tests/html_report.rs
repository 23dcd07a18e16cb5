//! The HTML report in a real browser: headless Chromium loads the file from a
//! `file://` URL, runs its script, and the test reads the resulting DOM.
//! Any console message fails the test (the page logs nothing by design, so a
//! message is an error: a script exception, a blocked resource…).
//!
//! Needs `/usr/bin/chromium` (Debian's `chromium`; `.ci/install-test-deps.sh`).

mod common;

use errata::model::KindId;
use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::cargo_bin_cmd;
use common::{definitions, flag, observations, run};
use errata::report::{self, Report};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Loads `file` (with `fragment` as the URL's hash) and returns the DOM after the
/// page's script ran. Panics on any console message.
fn browse(file: &Path, fragment: &str) -> String {
    let out = chromium(file, fragment, &["--dump-dom"]);
    let dom = String::from_utf8(out).unwrap();
    assert!(
        dom.contains("id=\"overview\""),
        "the script did not render:\n{dom}"
    );
    dom
}

/// Runs headless Chromium on `file#fragment` with `extra` arguments; returns stdout.
/// Panics on any console message.
fn chromium(file: &Path, fragment: &str, extra: &[&str]) -> Vec<u8> {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run .ci/install-test-deps.sh"
    );
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}#{fragment}", file.display());
    let out = Command::new("timeout")
        .arg("180")
        .arg(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(&url)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let console: Vec<&str> = stderr.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(
        console.is_empty(),
        "console messages on {url}:\n{}",
        console.join("\n")
    );
    assert!(out.status.success(), "chromium failed on {url}:\n{stderr}");
    out.stdout
}

/// The text content of the element with `id`, tags stripped.
fn text_of(dom: &str, id: &str) -> String {
    let start = dom
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id} in page"));
    let start = start + dom[start..].find('>').unwrap() + 1;
    let mut depth = 1;
    let mut text = String::new();
    let mut rest = &dom[start..];
    while depth > 0 && !rest.is_empty() {
        if let Some(tag) = rest.strip_prefix('<') {
            let end = tag.find('>').unwrap();
            let inner = &tag[..end];
            if inner.starts_with('/') {
                depth -= 1;
            } else if !inner.ends_with('/') && !is_void(inner) {
                depth += 1;
            }
            rest = &tag[end + 1..];
            text.push(' ');
        } else {
            let next = rest.find('<').unwrap_or(rest.len());
            text.push_str(&rest[..next]);
            rest = &rest[next..];
        }
    }
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

fn is_void(tag: &str) -> bool {
    let name = tag.split_whitespace().next().unwrap_or("");
    matches!(name, "input" | "br" | "img" | "meta" | "hr")
}

/// Two runs of a small catalog: the second adds a definition, a template and a flag.
fn seeded(dir: &Path) -> PathBuf {
    let db = dir.join("errata.db");
    let defs = [
        ("ERR_FUNDS", "Недостаточно средств на счёте", 7),
        ("ERR_LIMIT", "Превышен лимит операций", 9),
    ];
    let seen = [
        ("t-funds", "Недостаточно средств на счёте", 40, "2026-11-20"),
        ("t-card", "Карта <CARD> заблокирована", 5, "2026-11-21"),
    ];
    run(
        &db,
        "2026-11-22",
        &[
            definitions("abs/messages_ru.properties", &defs[..1]),
            observations("logs/abs.log", &seen[..1]),
        ],
        &[flag(
            KindId::Stale,
            Some("ERR_FUNDS"),
            None,
            "not seen for 40 days",
        )],
    );
    run(
        &db,
        "2026-11-25",
        &[
            definitions("abs/messages_ru.properties", &defs),
            observations("logs/abs.log", &seen[1..]),
        ],
        &[
            flag(
                KindId::FieldTooLong,
                Some("ERR_LIMIT"),
                None,
                "41 bytes in a 40-byte field",
            ),
            flag(
                KindId::Undefined,
                None,
                Some("t-card"),
                "no definition matches",
            ),
        ],
    );
    db
}

fn html_report(db: &Path, out: &Path) {
    cargo_bin_cmd!("errata")
        .args(["report", "--format", "html", "--db"])
        .arg(db)
        .arg("--output")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn overview_systems_changes_and_rows_render_in_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let page = dir.path().join("report.html");
    html_report(&db, &page);
    let dom = browse(&page, "");

    assert!(text_of(&dom, "as-of").starts_with("As of 2026-11-25"));
    assert_eq!(text_of(&dom, "card-systems"), "1 systems");
    // Two definitions and one template without definition.
    assert_eq!(text_of(&dom, "card-texts"), "3 client-facing texts");
    assert_eq!(text_of(&dom, "card-action"), "2 texts need action");
    let overview = text_of(&dom, "overview");
    assert!(overview.contains("field-too-long"), "{overview}");
    assert!(overview.contains("Shorten the text"), "{overview}");
    let system = text_of(&dom, "system-abs");
    assert!(
        system.contains("client-facing texts 3 need action 2 definitions 2"),
        "{system}"
    );

    let changes = text_of(&dom, "changes-new");
    assert!(changes.starts_with("New texts: 2"), "{changes}");
    assert!(changes.contains("definition · ERR_LIMIT"), "{changes}");
    assert!(changes.contains("Карта <CARD> заблокирована"), "{changes}");
    assert!(text_of(&dom, "changes-new-flags").starts_with("New flags: 2"));
    let cleared = text_of(&dom, "changes-cleared-flags");
    assert!(
        cleared.starts_with("Cleared flags: 1") && cleared.contains("stale"),
        "{cleared}"
    );

    assert_eq!(text_of(&dom, "table-status"), "Rows 1–4 of 4");
    let table = text_of(&dom, "texts");
    // Sorted by count, descending: the definition seen 40 times first.
    assert!(
        table.starts_with("Type System Text Key Seen First seen Last seen Daily trend Flags definition abs Недостаточно средств на счёте ERR_FUNDS [ru] 40"),
        "{table}"
    );
    assert_eq!(dom.matches("<svg class=\"spark\"").count(), 4);
}

#[test]
fn filters_and_the_detail_view_work_from_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let page = dir.path().join("report.html");
    html_report(&db, &page);

    let dom = browse(&page, "q=%D0%BB%D0%B8%D0%BC%D0%B8%D1%82&action=1");
    assert_eq!(
        text_of(&dom, "table-status"),
        "Rows 1–1 of 1 matching (4 in all)"
    );
    assert!(text_of(&dom, "texts").contains("ERR_LIMIT"));

    let dom = browse(&page, "detail=t:t-card");
    let detail = text_of(&dom, "detail");
    for expected in [
        "Observed template",
        "Карта <CARD> заблокирована",
        "Masked samples",
        "Seen in logs/abs.log:3 (5)",
        "No catalog defines this text.",
        "undefined no definition matches",
        "What to do: Move the hard-coded text",
        "\"encoding\": \"windows-1251\"",
    ] {
        assert!(detail.contains(expected), "{expected:?} not in {detail}");
    }
    let dom = browse(&page, "detail=d:def-ERR_FUNDS");
    let detail = text_of(&dom, "detail");
    assert!(
        detail.contains("Defined at abs/messages_ru.properties:7"),
        "{detail}"
    );
    assert!(detail.contains("Nothing to do."), "{detail}");
}

#[test]
fn fifty_thousand_rows_are_paged() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let mut catalog =
        errata::catalog::Catalog::open(&errata::catalog::Target::sqlite(&db)).unwrap();
    let mut report = Report::from_snapshot(&catalog.snapshot().unwrap());
    let template = report.templates[0].clone();
    report.templates = (0..50_000)
        .map(|i| {
            let mut t = template.clone();
            t.id = format!("t{i:05}");
            t.template = format!("Ошибка номер {i:05}");
            t.count = i as u64;
            t
        })
        .collect();
    let page = dir.path().join("big.html");
    let mut out = std::fs::File::create(&page).unwrap();
    report::ReportFormat::Html
        .reporter()
        .render(&report, &mut out)
        .unwrap();
    drop(out);

    let dom = browse(&page, "");
    assert_eq!(text_of(&dom, "table-status"), "Rows 1–100 of 50,002");
    assert_eq!(text_of(&dom, "page-info"), "Page 1 of 501");
    assert_eq!(dom.matches("<tr class=\"row\"").count(), 100);
    assert!(text_of(&dom, "texts").contains("Ошибка номер 49999"));

    let dom = browse(&page, "type=t&sort=count&dir=asc&page=500");
    assert_eq!(
        text_of(&dom, "table-status"),
        "Rows 49,901–50,000 of 50,000 matching (50,002 in all)"
    );
    assert!(text_of(&dom, "texts").contains("Ошибка номер 49999"));
}

/// The screenshot step for humans (docs/reports.md): set `ERRATA_SCREENSHOT` to
/// a PNG path to keep the picture of the seeded report.
#[test]
fn screenshot_for_humans() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let page = dir.path().join("report.html");
    html_report(&db, &page);
    let png = dir.path().join("report.png");
    let shot = format!("--screenshot={}", png.display());
    chromium(
        &page,
        "",
        &[&shot, "--window-size=1300,1600", "--hide-scrollbars"],
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "not a PNG");
    if let Some(keep) = std::env::var_os("ERRATA_SCREENSHOT") {
        std::fs::write(keep, bytes).unwrap();
    }
}
