//! Helpers shared by the end-to-end tests: catalogs seeded through the library,
//! so that report and check tests do not depend on which scanners and flag
//! kinds exist yet.
#![allow(dead_code)]

use std::path::Path;

use errata::audit::Flag;
use errata::catalog::{Catalog, DefinitionRow, FileBatch, FileRecord, RunStats, TemplateDelta};

/// A definition: `(key, text, line)`.
pub type Def<'a> = (&'a str, &'a str, u64);
/// An observed template: `(template id, masked text, count, day)`.
pub type Seen<'a> = (&'a str, &'a str, u64, &'a str);

fn file(path: &str, role: &str) -> FileRecord {
    FileRecord::unread(path, "abs", role, "properties")
}

/// A catalog file's definitions for system `abs`.
pub fn definitions(path: &str, defs: &[Def]) -> FileBatch {
    FileBatch {
        file: file(path, "definitions"),
        definitions: Some(
            defs.iter()
                .map(|(key, text, line)| DefinitionRow {
                    id: format!("def-{key}"),
                    system: "abs".to_string(),
                    key: key.to_string(),
                    locale: Some("ru".to_string()),
                    form: None,
                    text: text.to_string(),
                    template: text.to_string(),
                    state: "live".to_string(),
                    note: None,
                    path: path.to_string(),
                    line: *line,
                })
                .collect(),
        ),
        limits: None,
        templates: Vec::new(),
        warnings: Vec::new(),
    }
}

/// A log file's observations for system `abs`.
pub fn observations(path: &str, seen: &[Seen]) -> FileBatch {
    FileBatch {
        file: file(path, "observations"),
        definitions: None,
        limits: None,
        templates: seen
            .iter()
            .map(|(id, text, count, day)| TemplateDelta {
                id: id.to_string(),
                system: "abs".to_string(),
                template: text.to_string(),
                key: None,
                count: *count,
                first_seen: format!("{day}T09:00:00"),
                last_seen: format!("{day}T18:00:00"),
                max_raw_chars: text.chars().count() as u64,
                days: vec![(day.to_string(), *count)],
                samples: vec![text.to_string()],
                sources: vec![(path.to_string(), *count, 3)],
                pii: Vec::new(),
                lengths: Vec::new(),
            })
            .collect(),
        warnings: Vec::new(),
    }
}

/// A flag of system `abs` about a key or a template.
pub fn flag(kind: &'static str, key: Option<&str>, template: Option<&str>, message: &str) -> Flag {
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

/// Runs one scan-like run: commits the batches, links templates to definitions
/// by text, stores the flags.
pub fn run(db: &Path, as_of: &str, batches: &[FileBatch], flags: &[Flag]) {
    let mut catalog = Catalog::open(db).unwrap();
    let run = catalog.begin_run(as_of).unwrap();
    catalog.commit(run, batches).unwrap();
    let snapshot = catalog.snapshot().unwrap();
    let matches: Vec<_> = snapshot
        .templates
        .iter()
        .map(|t| {
            let def = snapshot
                .definitions
                .iter()
                .find(|d| d.row.template == t.template);
            (
                t.id.clone(),
                def.map(|d| d.row.id.clone()),
                def.map(|_| "template"),
            )
        })
        .collect();
    catalog.update_matches(&matches).unwrap();
    catalog
        .finish_run(run, &RunStats::default(), flags)
        .unwrap();
}
