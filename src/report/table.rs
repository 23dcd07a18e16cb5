//! The report's entities as flat tables, shared by the spreadsheet formats
//! (`csv`, `xlsx`) so both have the same columns in the same order.

use super::Report;
use crate::check::severity::kind_info;

/// The entities a table format can render, in documentation order.
pub const ENTITIES: &[&str] = &["templates", "definitions", "flags"];

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

/// The table of `entity` (one of [`ENTITIES`]); `None` for an unknown name.
pub fn table(report: &Report, entity: &str) -> Option<Table> {
    Some(match entity {
        "templates" => templates(report),
        "definitions" => definitions(report),
        "flags" => flags(report),
        _ => return None,
    })
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
                    opt(&t.match_kind),
                    text(t.flags.join(" ")),
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
                    text(&d.state),
                    text(&d.text),
                    Cell::Number(d.observed),
                    opt(&d.first_seen),
                    opt(&d.last_seen),
                    text(d.flags.join(" ")),
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
                let info = kind_info(&f.kind);
                vec![
                    text(&f.kind),
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
