//! Reports: the catalog as a document for people or machines.
//!
//! [`Report`] is the one model every format renders; its JSON form is the stable
//! contract documented in `docs/report-json.md` (later work only adds fields).
//! Each format is one file implementing [`Reporter`], named in [`ReportFormat`].

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::catalog::{Changes, ItemRef, Snapshot};
use crate::model::{
    DefinitionState, Flag, KindId, MatchKind, Severity, Vocabulary, format_time, vocabulary,
};

pub use output::Output;
pub use table::Entity;

mod csv;
mod html;
mod json;
mod markdown;
mod output;
pub mod table;
mod xlsx;

/// An output format: renders one kind of document (by default the catalog's
/// [`Report`]; the pre-release check renders its outcome through the same trait).
pub trait Reporter<D = Report>: Sync {
    fn render(&self, doc: &D, out: &mut dyn Write) -> std::io::Result<()>;
}

vocabulary! {
    /// `errata report --format`, in documentation order.
    ReportFormat ("report format") {
        Json = "json",
        Md = "md",
        Html = "html",
        Csv = "csv",
        Xlsx = "xlsx",
    }
}

impl ReportFormat {
    /// The format's renderer.
    pub fn reporter(self) -> &'static dyn Reporter {
        match self {
            ReportFormat::Json => &json::Json,
            ReportFormat::Md => &markdown::Markdown,
            ReportFormat::Html => &html::Html,
            ReportFormat::Csv => &csv::Csv,
            ReportFormat::Xlsx => &xlsx::Xlsx,
        }
    }

    /// Whether the format writes one entity per file (`--entity`).
    pub fn takes_entity(self) -> bool {
        self == ReportFormat::Csv
    }
}

/// Renders `report` in `format`; `entity` picks the entity of a one-entity-per-file
/// format (its first entity when `None`).
pub fn render(
    format: ReportFormat,
    entity: Option<Entity>,
    report: &Report,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match (format, entity) {
        (ReportFormat::Csv, Some(entity)) => csv::Csv.render_entity(report, entity, out),
        (_, None) => format.reporter().render(report, out),
        (other, Some(_)) => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("--format {other} writes the whole report: it takes no --entity"),
        )),
    }
}

/// Flags of a warning or note kind a readable report lists, per system and
/// kind; the rest are counted (every flag stays in JSON, CSV and XLSX). Errors
/// are all listed: they are what must be fixed. Ten shows the pattern of a kind
/// without burying the errors under thousands of copies.
pub const LISTED_PER_KIND: usize = 10;

/// A kind's place in reports: severity rank (error 0), then position in [`KindId`].
pub type SeverityOrder = (u8, usize);

/// Where a kind sorts in reports: errors first, then warnings, then notes, each
/// in [`KindId`] (documentation) order.
pub fn severity_order(kind: KindId) -> SeverityOrder {
    let rank = match crate::audit::info(kind).severity {
        Severity::Error => 0,
        Severity::Warning => 1,
        Severity::Note => 2,
    };
    let position = KindId::ALL
        .iter()
        .position(|&k| k == kind)
        .unwrap_or(usize::MAX);
    (rank, position)
}

/// Flags in report order: by [`severity_order`], then system, key, template, message.
fn by_severity(mut flags: Vec<Flag>) -> Vec<Flag> {
    flags.sort_by(|a, b| {
        (
            severity_order(a.kind),
            &a.system,
            &a.key,
            &a.template,
            &a.message,
        )
            .cmp(&(
                severity_order(b.kind),
                &b.system,
                &b.key,
                &b.template,
                &b.message,
            ))
    });
    flags
}

/// The catalog as reported.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The as-of date of the latest scan (`YYYY-MM-DD`), or null before any scan.
    pub as_of: Option<String>,
    pub systems: Vec<SystemSummary>,
    pub definitions: Vec<DefinitionEntry>,
    pub templates: Vec<TemplateEntry>,
    pub flags: Vec<Flag>,
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
    pub new_flags: Vec<Flag>,
    pub cleared_flags: Vec<Flag>,
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
    pub state: DefinitionState,
    pub text: String,
    /// The text as written, when a formatter's quoting was undone (MessageFormat).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<String>,
    pub template: String,
    pub source: SourceRef,
    /// Observations matched to this definition.
    pub observed: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    /// Kinds of the flags raised on it.
    pub flags: Vec<KindId>,
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
    pub match_kind: Option<MatchKind>,
    /// Up to three masked instances.
    pub samples: Vec<String>,
    /// Where it was seen: path, first line, count.
    pub seen_in: Vec<SeenIn>,
    /// Observations per day.
    pub daily: BTreeMap<String, u64>,
    pub flags: Vec<KindId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeenIn {
    pub path: String,
    pub line: u64,
    pub count: u64,
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
        let mut by_key: BTreeMap<(&str, &str), Vec<KindId>> = BTreeMap::new();
        let mut by_template: BTreeMap<(&str, &str), Vec<KindId>> = BTreeMap::new();
        for f in &snapshot.flags {
            let list = match (&f.template, &f.key) {
                (Some(t), _) => by_template.entry((&f.system, t)).or_default(),
                (None, Some(k)) => by_key.entry((&f.system, k)).or_default(),
                (None, None) => continue,
            };
            if !list.contains(&f.kind) {
                list.push(f.kind);
                list.sort_by_key(|k| k.as_str());
            }
        }
        let kinds_of = |map: &BTreeMap<(&str, &str), Vec<KindId>>, system: &str, id: &str| {
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
                state: d.row.state,
                text: d.row.text.clone(),
                raw: d.row.raw.clone(),
                template: d.row.template.clone(),
                source: SourceRef {
                    path: d.row.path.clone(),
                    line: d.row.line,
                },
                observed: d.observed,
                first_seen: d.first_seen.map(format_time),
                last_seen: d.last_seen.map(format_time),
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
                count: t.seen.count,
                first_seen: format_time(t.seen.first_seen),
                last_seen: format_time(t.seen.last_seen),
                definition: t
                    .definition_id
                    .as_deref()
                    .and_then(|id| key_of.get(id))
                    .map(|k| k.to_string()),
                definition_id: t.definition_id.clone(),
                match_kind: t.match_kind,
                samples: t.seen.samples.clone(),
                seen_in: t
                    .seen
                    .sources
                    .iter()
                    .map(|(path, s)| SeenIn {
                        path: path.clone(),
                        line: s.first_line,
                        count: s.count,
                    })
                    .collect(),
                daily: t
                    .seen
                    .days
                    .iter()
                    .map(|(day, n)| (day.to_string(), *n))
                    .collect(),
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
            flags: by_severity(snapshot.flags.clone()),
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
        self.changes = Some(ChangesEntry {
            previous_as_of: changes.previous_as_of.clone(),
            new_definitions: changes.new_definitions.clone(),
            gone_definitions: changes.gone_definitions.clone(),
            new_templates: changes.new_templates.clone(),
            gone_templates: changes.gone_templates.clone(),
            new_flags: changes.new_flags.clone(),
            cleared_flags: changes.cleared_flags.clone(),
        });
        self
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A small report with the cases renderers get wrong: Cyrillic, commas and
    /// quotes in samples, two flags on one template, a suppressed flag.
    pub(crate) fn sample_report() -> Report {
        let flag = |kind: KindId,
                    key: Option<&str>,
                    template: Option<&str>,
                    suppressed: Option<&str>| Flag {
            kind,
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
            match_kind: definition.map(|_| MatchKind::Template),
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
                state: DefinitionState::Live,
                text: "Недостаточно средств: {0}".to_string(),
                raw: None,
                template: "Недостаточно средств: <*>".to_string(),
                source: SourceRef {
                    path: "abs/messages_ru.properties".to_string(),
                    line: 7,
                },
                observed: 12,
                first_seen: Some("2026-11-01T08:00:00".to_string()),
                last_seen: Some("2026-11-20T17:30:00".to_string()),
                flags: vec![KindId::FieldTooLong],
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
                flag(KindId::FieldTooLong, Some("ERR_FUNDS"), None, None),
                flag(KindId::PiiExposed, None, Some("t2"), None),
                flag(
                    KindId::Undefined,
                    None,
                    Some("t2"),
                    Some("legacy screen, owned by ops"),
                ),
            ],
            scan: None,
            changes: None,
        }
    }

    #[test]
    fn flags_are_in_severity_order() {
        let flags = sample_report().flags;
        let mut shuffled = flags.clone();
        shuffled.reverse();
        let kinds: Vec<KindId> = by_severity(shuffled).iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            vec![KindId::FieldTooLong, KindId::PiiExposed, KindId::Undefined],
            "errors (in docs order), then warnings"
        );
        assert!(severity_order(KindId::Truncated) < severity_order(KindId::InconsistentText));
        assert!(severity_order(KindId::InconsistentText) < severity_order(KindId::NearDuplicate));
    }
}
