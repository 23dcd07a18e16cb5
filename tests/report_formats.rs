//! `errata report` in the table formats: csv per entity, xlsx read back, and
//! `--entity` refused where it means nothing.

mod common;

use errata::model::KindId;
use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use calamine::{Data, Reader};
use common::{definitions, flag, observations, run};

fn seeded(dir: &Path) -> PathBuf {
    let db = dir.join("errata.db");
    run(
        &db,
        "2026-11-24",
        &[definitions(
            "abs/messages_ru.properties",
            &[("ERR_FUNDS", "Недостаточно средств", 7)],
        )],
        &[],
    );
    run(
        &db,
        "2026-11-25",
        &[
            definitions(
                "abs/messages_ru.properties",
                &[
                    ("ERR_FUNDS", "Недостаточно средств", 7),
                    ("ERR_LIMIT", "Превышен лимит", 9),
                ],
            ),
            observations(
                "logs/abs.log",
                &[("t-funds", "Недостаточно средств", 12, "2026-11-20")],
            ),
        ],
        &[flag(
            KindId::FieldTooLong,
            Some("ERR_LIMIT"),
            None,
            "41 bytes in a 40-byte field",
        )],
    );
    db
}

fn report(db: &Path, args: &[&str]) -> std::process::Output {
    cargo_bin_cmd!("errata")
        .arg("report")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn csv_writes_one_entity_with_a_bom() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let out = report(&db, &["--format", "csv", "--entity", "definitions"]);
    assert!(out.status.success());
    assert!(
        out.stdout
            .starts_with("\u{feff}system,key,locale".as_bytes())
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.matches("\r\n").count(), 3, "{text}");
    assert!(text.contains("abs,ERR_LIMIT,ru,,live,Превышен лимит,0,,,field-too-long,abs/messages_ru.properties,9,def-ERR_LIMIT\r\n"), "{text}");

    let flags =
        String::from_utf8(report(&db, &["--format", "csv", "--entity", "flags"]).stdout).unwrap();
    assert!(
        flags.contains("field-too-long,error,abs,ERR_LIMIT,,41 bytes in a 40-byte field"),
        "{flags}"
    );
}

#[test]
fn entity_with_a_whole_report_format_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let out = report(&db, &["--format", "json", "--entity", "flags"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--entity applies to formats with one entity per file (csv)")
    );
    assert_eq!(
        report(&db, &["--format", "csv", "--entity", "systems"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn xlsx_reads_back_with_every_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let path = dir.path().join("errata.xlsx");
    let out = report(&db, &["--format", "xlsx", "-o", path.to_str().unwrap()]);
    assert!(out.status.success());
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["Summary", "Definitions", "Templates", "Flags"]
    );
    let templates = book.worksheet_range("Templates").unwrap();
    assert_eq!(
        templates.get((1, 1)),
        Some(&Data::String("Недостаточно средств".to_string()))
    );
    assert_eq!(templates.get((1, 2)), Some(&Data::Float(12.0)));
}

#[test]
fn json_reports_what_changed_since_the_previous_scan() {
    let dir = tempfile::tempdir().unwrap();
    let db = seeded(dir.path());
    let out = report(&db, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let changes = &v["changes"];
    assert_eq!(changes["previous_as_of"], "2026-11-24");
    assert_eq!(changes["new_definitions"][0]["label"], "ERR_LIMIT");
    assert_eq!(changes["new_templates"][0]["id"], "t-funds");
    assert_eq!(changes["new_flags"][0]["kind"], "field-too-long");
    assert_eq!(changes["gone_definitions"], serde_json::json!([]));
}
