//! Reports: the catalog as a document for people or machines.
//!
//! [`Report`] is the one model every format renders; its JSON form is the stable
//! contract documented in `docs/report-json.md` (later work only adds fields).
//! Each format is one file implementing [`Reporter`], listed in [`REPORTERS`].

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::catalog::{Changes, ItemRef, Snapshot, StoredFlag};

mod csv;
mod html;
mod json;
mod markdown;
pub mod table;
mod xlsx;

/// A report format.
pub trait Reporter: Sync {
    /// The `--format` name.
    fn name(&self) -> &'static str;
    fn render(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()>;
    /// The entities this format renders one per file (`--entity`); empty when it
    /// renders the whole report at once.
    fn entities(&self) -> &'static [&'static str] {
        &[]
    }
    /// Renders one of [`Reporter::entities`].
    fn render_entity(
        &self,
        report: &Report,
        _entity: &str,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        self.render(report, out)
    }
}

/// Every format, in documentation order.
pub static REPORTERS: &[&dyn Reporter] = &[
    &json::Json,
    &markdown::Markdown,
    &html::Html,
    &csv::Csv,
    &xlsx::Xlsx,
];

pub fn by_name(name: &str) -> Option<&'static dyn Reporter> {
    REPORTERS.iter().copied().find(|r| r.name() == name)
}

pub fn names() -> Vec<&'static str> {
    REPORTERS.iter().map(|r| r.name()).collect()
}

/// The catalog as reported.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The as-of date of the latest scan (`YYYY-MM-DD`), or null before any scan.
    pub as_of: Option<String>,
    pub systems: Vec<SystemSummary>,
    pub definitions: Vec<DefinitionEntry>,
    pub templates: Vec<TemplateEntry>,
    pub flags: Vec<FlagEntry>,
    /// The latest scan run.
    pub scan: Option<ScanEntry>,
    /// What changed since the previous scan; null when not computed.
    pub changes: Option<ChangesEntry>,
}

/// What changed between the latest scan and the one before it.
#[derive(Debug, Clone, Serialize)]
pub struct ChangesEntry {
    /// The as-of date of the scan compared with; null when there is none to compare.
    pub previous_as_of: Option<String>,
    pub new_definitions: Vec<ItemRef>,
    pub gone_definitions: Vec<ItemRef>,
    pub new_templates: Vec<ItemRef>,
    pub gone_templates: Vec<ItemRef>,
    pub new_flags: Vec<FlagEntry>,
    pub cleared_flags: Vec<FlagEntry>,
}

impl From<&StoredFlag> for FlagEntry {
    fn from(f: &StoredFlag) -> FlagEntry {
        FlagEntry {
            kind: f.kind.clone(),
            system: f.system.clone(),
            key: f.key.clone(),
            template: f.template.clone(),
            message: f.message.clone(),
            evidence: f.evidence.clone(),
            suppressed: f.suppressed.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemSummary {
    pub name: String,
    pub definitions: usize,
    pub templates: usize,
    pub observations: u64,
    /// Templates that match no definition of the system.
    pub unmatched_templates: usize,
    pub flags: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceRef {
    pub path: String,
    pub line: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DefinitionEntry {
    pub id: String,
    pub system: String,
    pub key: String,
    pub locale: Option<String>,
    /// Plural form or variant, if the catalog has several for the key.
    pub form: Option<String>,
    /// `live`, `fuzzy`, `untranslated` or `obsolete`.
    pub state: String,
    pub text: String,
    pub template: String,
    pub source: SourceRef,
    /// Observations matched to this definition.
    pub observed: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Kinds of the flags raised on it.
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TemplateEntry {
    pub id: String,
    pub system: String,
    pub template: String,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    /// Key of the matched definition, or null when no definition matches.
    pub definition: Option<String>,
    pub definition_id: Option<String>,
    /// How it matched: `key` or `template`.
    #[serde(rename = "match")]
    pub match_kind: Option<String>,
    /// Up to three masked instances.
    pub samples: Vec<String>,
    /// Where it was seen: path, first line, count.
    pub seen_in: Vec<SeenIn>,
    /// Observations per day.
    pub daily: BTreeMap<String, u64>,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeenIn {
    pub path: String,
    pub line: u64,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlagEntry {
    pub kind: String,
    pub system: String,
    pub key: Option<String>,
    pub template: Option<String>,
    pub message: String,
    pub evidence: serde_json::Value,
    /// The suppression reason, when the rules suppress it.
    pub suppressed: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScanEntry {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    #[serde(flatten)]
    pub stats: crate::catalog::RunStats,
    pub warning_list: Vec<String>,
}

impl Report {
    /// Builds the report from a catalog snapshot.
    pub fn from_snapshot(snapshot: &Snapshot) -> Report {
        // Flag kinds per definition key and per template, built once: a report of a
        // large catalog must not scan every flag for every row.
        let mut by_key: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        let mut by_template: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
        for f in &snapshot.flags {
            let list = match (&f.template, &f.key) {
                (Some(t), _) => by_template.entry((&f.system, t)).or_default(),
                (None, Some(k)) => by_key.entry((&f.system, k)).or_default(),
                (None, None) => continue,
            };
            if !list.contains(&f.kind) {
                list.push(f.kind.clone());
                list.sort();
            }
        }
        let kinds_of = |map: &BTreeMap<(&str, &str), Vec<String>>, system: &str, id: &str| {
            map.get(&(system, id)).cloned().unwrap_or_default()
        };
        let key_of: BTreeMap<&str, &str> = snapshot
            .definitions
            .iter()
            .map(|d| (d.row.id.as_str(), d.row.key.as_str()))
            .collect();
        let definitions: Vec<DefinitionEntry> = snapshot
            .definitions
            .iter()
            .map(|d| DefinitionEntry {
                id: d.row.id.clone(),
                system: d.row.system.clone(),
                key: d.row.key.clone(),
                locale: d.row.locale.clone(),
                form: d.row.form.clone(),
                state: d.row.state.clone(),
                text: d.row.text.clone(),
                template: d.row.template.clone(),
                source: SourceRef {
                    path: d.row.path.clone(),
                    line: d.row.line,
                },
                observed: d.observed,
                first_seen: d.first_seen.clone(),
                last_seen: d.last_seen.clone(),
                flags: kinds_of(&by_key, &d.row.system, &d.row.key),
            })
            .collect();
        let templates: Vec<TemplateEntry> = snapshot
            .templates
            .iter()
            .map(|t| TemplateEntry {
                id: t.id.clone(),
                system: t.system.clone(),
                template: t.template.clone(),
                count: t.count,
                first_seen: t.first_seen.clone(),
                last_seen: t.last_seen.clone(),
                definition: t
                    .definition_id
                    .as_deref()
                    .and_then(|id| key_of.get(id))
                    .map(|k| k.to_string()),
                definition_id: t.definition_id.clone(),
                match_kind: t.match_kind.clone(),
                samples: t.samples.clone(),
                seen_in: t
                    .sources
                    .iter()
                    .map(|(path, count, line)| SeenIn {
                        path: path.clone(),
                        line: *line,
                        count: *count,
                    })
                    .collect(),
                daily: t.days.iter().cloned().collect(),
                flags: kinds_of(&by_template, &t.system, &t.id),
            })
            .collect();
        let systems = snapshot
            .systems
            .iter()
            .map(|name| SystemSummary {
                name: name.clone(),
                definitions: definitions.iter().filter(|d| &d.system == name).count(),
                templates: templates.iter().filter(|t| &t.system == name).count(),
                observations: templates
                    .iter()
                    .filter(|t| &t.system == name)
                    .map(|t| t.count)
                    .sum(),
                unmatched_templates: templates
                    .iter()
                    .filter(|t| &t.system == name && t.definition_id.is_none())
                    .count(),
                flags: snapshot.flags.iter().filter(|f| &f.system == name).count(),
            })
            .collect();
        Report {
            as_of: snapshot.last_run.as_ref().map(|r| r.as_of.clone()),
            systems,
            definitions,
            templates,
            flags: snapshot.flags.iter().map(FlagEntry::from).collect(),
            scan: snapshot.last_run.as_ref().map(|r| ScanEntry {
                id: r.id,
                started_at: r.started_at.clone(),
                finished_at: r.finished_at.clone(),
                stats: r.stats.clone(),
                warning_list: r.warnings.iter().map(|w| w.to_string()).collect(),
            }),
            changes: None,
        }
    }

    /// Adds what changed since the previous scan.
    pub fn with_changes(mut self, changes: &Changes) -> Report {
        let flags = |list: &[StoredFlag]| list.iter().map(FlagEntry::from).collect();
        self.changes = Some(ChangesEntry {
            previous_as_of: changes.previous_as_of.clone(),
            new_definitions: changes.new_definitions.clone(),
            gone_definitions: changes.gone_definitions.clone(),
            new_templates: changes.new_templates.clone(),
            gone_templates: changes.gone_templates.clone(),
            new_flags: flags(&changes.new_flags),
            cleared_flags: flags(&changes.cleared_flags),
        });
        self
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small report with the cases renderers get wrong: Cyrillic, commas and
    /// quotes in samples, a flag kind no table knows, a suppressed flag.
    pub(crate) fn sample_report() -> Report {
        let flag = |kind: &str,
                    key: Option<&str>,
                    template: Option<&str>,
                    suppressed: Option<&str>| FlagEntry {
            kind: kind.to_string(),
            system: "abs".to_string(),
            key: key.map(str::to_string),
            template: template.map(str::to_string),
            message: format!("{kind} finding"),
            evidence: serde_json::json!({"limit": 40, "unit": "bytes"}),
            suppressed: suppressed.map(str::to_string),
        };
        let template = |id: &str, text: &str, count: u64, definition: Option<&str>| TemplateEntry {
            id: id.to_string(),
            system: "abs".to_string(),
            template: text.to_string(),
            count,
            first_seen: "2026-11-01T08:00:00".to_string(),
            last_seen: "2026-11-20T17:30:00".to_string(),
            definition: definition.map(str::to_string),
            definition_id: definition.map(|_| "d1".to_string()),
            match_kind: definition.map(|_| "template".to_string()),
            samples: vec![text.to_string()],
            seen_in: vec![SeenIn {
                path: "logs/abs.log".to_string(),
                line: 3,
                count,
            }],
            daily: [
                ("2026-11-01".to_string(), count / 2),
                ("2026-11-20".to_string(), count - count / 2),
            ]
            .into_iter()
            .collect(),
            flags: Vec::new(),
        };
        Report {
            as_of: Some("2026-11-25".to_string()),
            systems: vec![SystemSummary {
                name: "abs".to_string(),
                definitions: 1,
                templates: 2,
                observations: 15,
                unmatched_templates: 1,
                flags: 3,
            }],
            definitions: vec![DefinitionEntry {
                id: "d1".to_string(),
                system: "abs".to_string(),
                key: "ERR_FUNDS".to_string(),
                locale: Some("ru".to_string()),
                form: None,
                state: "live".to_string(),
                text: "Недостаточно средств: {0}".to_string(),
                template: "Недостаточно средств: <*>".to_string(),
                source: SourceRef {
                    path: "abs/messages_ru.properties".to_string(),
                    line: 7,
                },
                observed: 12,
                first_seen: Some("2026-11-01T08:00:00".to_string()),
                last_seen: Some("2026-11-20T17:30:00".to_string()),
                flags: vec!["field-too-long".to_string()],
            }],
            templates: vec![
                template(
                    "t1",
                    "Недостаточно средств: <AMOUNT>",
                    12,
                    Some("ERR_FUNDS"),
                ),
                template("t2", "Card <CARD>, \"blocked\"", 3, None),
            ],
            flags: vec![
                flag("field-too-long", Some("ERR_FUNDS"), None, None),
                flag("some-future-kind", None, Some("t2"), None),
                flag(
                    "undefined",
                    None,
                    Some("t2"),
                    Some("legacy screen, owned by ops"),
                ),
            ],
            scan: None,
            changes: None,
        }
    }
}
