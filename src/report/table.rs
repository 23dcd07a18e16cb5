//! The report's entities as flat tables, shared by the spreadsheet formats
//! (`csv`, `xlsx`) so both have the same columns in the same order.

use super::Report;
use crate::audit;
use crate::model::{KindId, vocabulary};

vocabulary! {
    /// The entities a table format renders (`--entity`), in documentation order.
    Entity ("entity") {
        Templates = "templates",
        Definitions = "definitions",
        Flags = "flags",
    }
}

/// A cell: text, or a number spreadsheets can sort and sum.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(u64),
}

impl Cell {
    /// The cell as text, for formats without types.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) => n.to_string(),
        }
    }
}

/// One entity as a header and rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub headers: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt(s: &Option<String>) -> Cell {
    Cell::Text(s.clone().unwrap_or_default())
}

/// The table of `entity`.
pub fn table(report: &Report, entity: Entity) -> Table {
    match entity {
        Entity::Templates => templates(report),
        Entity::Definitions => definitions(report),
        Entity::Flags => flags(report),
    }
}

/// Kind names separated by spaces.
fn kinds(kinds: &[KindId]) -> Cell {
    text(
        kinds
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

pub fn templates(report: &Report) -> Table {
    Table {
        headers: &[
            "system",
            "template",
            "count",
            "first_seen",
            "last_seen",
            "definition",
            "match",
            "flags",
            "samples",
            "seen_in",
            "id",
        ],
        rows: report
            .templates
            .iter()
            .map(|t| {
                vec![
                    text(&t.system),
                    text(&t.template),
                    Cell::Number(t.count),
                    text(&t.first_seen),
                    text(&t.last_seen),
                    opt(&t.definition),
                    text(t.match_kind.map_or("", |k| k.as_str())),
                    kinds(&t.flags),
                    text(t.samples.join("\n")),
                    text(
                        t.seen_in
                            .iter()
                            .map(|s| format!("{}:{} ({})", s.path, s.line, s.count))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    ),
                    text(&t.id),
                ]
            })
            .collect(),
    }
}

pub fn definitions(report: &Report) -> Table {
    Table {
        headers: &[
            "system",
            "key",
            "locale",
            "form",
            "state",
            "text",
            "observed",
            "first_seen",
            "last_seen",
            "flags",
            "path",
            "line",
            "id",
        ],
        rows: report
            .definitions
            .iter()
            .map(|d| {
                vec![
                    text(&d.system),
                    text(&d.key),
                    opt(&d.locale),
                    opt(&d.form),
                    text(d.state.as_str()),
                    text(&d.text),
                    Cell::Number(d.observed),
                    opt(&d.first_seen),
                    opt(&d.last_seen),
                    kinds(&d.flags),
                    text(&d.source.path),
                    Cell::Number(d.source.line),
                    text(&d.id),
                ]
            })
            .collect(),
    }
}

pub fn flags(report: &Report) -> Table {
    Table {
        headers: &[
            "kind",
            "severity",
            "system",
            "key",
            "template",
            "message",
            "advice",
            "suppressed",
            "evidence",
        ],
        rows: report
            .flags
            .iter()
            .map(|f| {
                let info = audit::info(f.kind);
                vec![
                    text(f.kind.as_str()),
                    text(info.severity.as_str()),
                    text(&f.system),
                    opt(&f.key),
                    opt(&f.template),
                    text(&f.message),
                    text(info.advice),
                    opt(&f.suppressed),
                    text(f.evidence.to_string()),
                ]
            })
            .collect(),
    }
}
