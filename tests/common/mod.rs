//! Helpers shared by the end-to-end tests: catalogs seeded through the library,
//! so that report and check tests do not depend on which scanners and flag
//! kinds exist yet.
#![allow(dead_code)]

use std::path::Path;

use errata::catalog::{
    Catalog, DefinitionRow, FileBatch, FileRecord, GroupDelta, RunStats, Settled, Target,
    TemplateMatch,
};
use errata::model::{
    DefinitionState, Flag, FormatId, KindId, MatchKind, RawLength, Role, SeenIn, Sightings,
    parse_time,
};

/// A definition: `(key, text, line)`.
pub type Def<'a> = (&'a str, &'a str, u64);
/// An observed template: `(template id, masked text, count, day)`.
pub type Seen<'a> = (&'a str, &'a str, u64, &'a str);

fn file(path: &str, role: Role) -> FileRecord {
    FileRecord::unread(path, "abs", role, FormatId::Properties)
}

/// A catalog file's definitions for system `abs`.
pub fn definitions(path: &str, defs: &[Def]) -> FileBatch {
    FileBatch {
        file: file(path, Role::Definitions),
        definitions: Some(
            defs.iter()
                .map(|(key, text, line)| DefinitionRow {
                    id: format!("def-{key}"),
                    system: "abs".to_string(),
                    key: key.to_string(),
                    locale: Some("ru".to_string()),
                    form: None,
                    text: text.to_string(),
                    raw: None,
                    template: text.to_string(),
                    state: DefinitionState::Live,
                    note: None,
                    path: path.to_string(),
                    line: *line,
                    flow: Vec::new(),
                })
                .collect(),
        ),
        limits: None,
        groups: Vec::new(),
        warnings: Vec::new(),
    }
}

/// A log file's observations for system `abs`: one group per template, whose
/// id is the template's ([`run`] settles each group into its own template).
pub fn observations(path: &str, seen: &[Seen]) -> FileBatch {
    FileBatch {
        file: file(path, Role::Observations),
        definitions: None,
        limits: None,
        groups: seen
            .iter()
            .map(|(id, text, count, day)| {
                let at = |time: &str| parse_time(&format!("{day}T{time}")).unwrap();
                let mut seen = Sightings::new(*count, at("09:00:00"), at("18:00:00"));
                seen.days.insert(at("09:00:00").date(), *count);
                seen.samples.push(text.to_string());
                seen.sources.insert(
                    path.to_string(),
                    SeenIn {
                        count: *count,
                        first_line: 3,
                    },
                );
                let chars = text.chars().count() as u64;
                let raw = RawLength {
                    chars,
                    utf8: text.len() as u64,
                    utf16: text.encode_utf16().count() as u64,
                    sms_segments: 1,
                };
                seen.lengths.insert(raw, *count);
                GroupDelta {
                    id: id.to_string(),
                    system: "abs".to_string(),
                    key: None,
                    text: text.to_string(),
                    seen,
                }
            })
            .collect(),
        warnings: Vec::new(),
    }
}

/// A flag of system `abs` about a key or a template.
pub fn flag(kind: KindId, key: Option<&str>, template: Option<&str>, message: &str) -> Flag {
    Flag {
        kind,
        system: "abs".to_string(),
        key: key.map(str::to_string),
        template: template.map(str::to_string),
        message: message.to_string(),
        evidence: serde_json::json!({"limit": 40, "unit": "bytes", "encoding": "windows-1251"}),
        suppressed: None,
    }
}

/// Runs one scan-like run: commits the batches, settles each new group into a
/// template of its own id and text, links templates to definitions by text,
/// stores the flags.
pub fn run(db: &Path, as_of: &str, batches: &[FileBatch], flags: &[Flag]) {
    let mut catalog = Catalog::open(&Target::sqlite(db)).unwrap();
    let run = catalog.begin_run(as_of, "test-host").unwrap();
    catalog.commit(run, "test-host", batches).unwrap();
    let mut settled = Vec::new();
    for system in catalog.unsettled_systems().unwrap() {
        for g in catalog.unsettled(&system).unwrap() {
            settled.push(Settled {
                template_id: g.group.clone(),
                template: g.text,
                group: g.group,
                system: system.clone(),
                key: g.key,
            });
        }
    }
    catalog.settle(&settled).unwrap();
    let snapshot = catalog.snapshot().unwrap();
    let matches: Vec<TemplateMatch> = snapshot
        .templates
        .iter()
        .map(|t| {
            let def = snapshot
                .definitions
                .iter()
                .find(|d| d.row.template == t.template);
            TemplateMatch {
                template: t.id.clone(),
                definition: def.map(|d| d.row.id.clone()),
                kind: def.map(|_| MatchKind::Template),
            }
        })
        .collect();
    catalog.update_matches(&matches).unwrap();
    catalog
        .finish_run(run, &RunStats::default(), flags)
        .unwrap();
}

/// The inconsistent-text groups `tests/oracles/inconsistent_groups.py` counts in a JSON report.
pub fn oracle_groups(report: &[u8]) -> usize {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/oracles/inconsistent_groups.py"
        ))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(report)
        .expect("report written");
    let out = child.wait_with_output().expect("oracle ends");
    assert!(out.status.success(), "oracle failed");
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .parse()
        .expect("a count")
}

/// A zero-config `errata scan TREE --format json` run from an empty folder (so
/// that no `./rules/` applies) into a fresh catalog: the scan must succeed.
/// Returns the folder (kept alive by the caller), the catalog and the summary.
pub fn zero_config_scan(tree: &Path) -> (tempfile::TempDir, std::path::PathBuf, serde_json::Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("errata.db");
    let out = assert_cmd::Command::cargo_bin("errata")
        .expect("binary")
        .current_dir(dir.path())
        .arg("scan")
        .arg(tree)
        .args([
            "--as-of",
            "2026-01-01",
            "--quiet",
            "--format",
            "json",
            "--db",
        ])
        .arg(&db)
        .output()
        .expect("scan runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = serde_json::from_slice(&out.stdout).expect("summary is JSON");
    (dir, db, summary)
}
