//! Builders for audit unit tests: snapshots, rules and inputs in a few words.

use chrono::NaiveDate;

use super::AuditInput;
use crate::catalog::{DefinitionRow, DefinitionView, LimitRow, Snapshot, TemplateView};
use crate::model::{
    DefinitionState, LimitUnit, MatchKind, RawLength, SeenIn, Sightings, parse_time,
};
use crate::rules::{Rules, load_text};

/// The as-of date of every test input.
pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).expect("valid date")
}

/// Rules from one YAML text, as `rules::load` would merge a single file.
pub fn rules(yaml: &str) -> Rules {
    load_text(std::path::Path::new("rules/test.yaml"), yaml).expect("valid rules")
}

/// A live definition at `<system>/messages_<locale>.properties:<line>`, never observed.
pub fn def(system: &str, key: &str, locale: &str, text: &str) -> DefinitionView {
    let path = format!("{system}/messages_{locale}.properties");
    DefinitionView {
        row: DefinitionRow {
            id: format!("{system}:{key}:{locale}:{text}"),
            system: system.to_string(),
            key: key.to_string(),
            locale: Some(locale.to_string()),
            form: None,
            text: text.to_string(),
            raw: None,
            template: text.to_string(),
            state: DefinitionState::Live,
            note: None,
            path,
            line: 1,
            flow: Vec::new(),
        },
        observed: 0,
        first_seen: None,
        last_seen: None,
    }
}

/// A stored time, `YYYY-MM-DDTHH:MM:SS`.
pub fn at(time: &str) -> chrono::NaiveDateTime {
    parse_time(time).expect("a valid stored time")
}

/// A template seen `count` times on 2024-06-29, matching no definition.
pub fn template(system: &str, text: &str, count: u64) -> TemplateView {
    let raw = super::measure::raw_length(text);
    let when = at("2024-06-29T10:00:00");
    let mut seen = Sightings::new(count, when, when);
    seen.days.insert(when.date(), count);
    seen.sources.insert(
        format!("{system}/app.log"),
        SeenIn {
            count,
            first_line: 1,
        },
    );
    seen.samples.push(text.to_string());
    seen.lengths.insert(raw, count);
    TemplateView {
        id: crate::cluster::template_id(system, text),
        system: system.to_string(),
        template: text.to_string(),
        key: None,
        definition_id: None,
        match_kind: None,
        seen,
    }
}

/// Ties `template` to `def` as the matcher would, and counts it on the definition.
pub fn observe(def: &mut DefinitionView, template: &mut TemplateView) {
    template.definition_id = Some(def.row.id.clone());
    template.match_kind = Some(MatchKind::Template);
    def.observed += template.seen.count;
    def.first_seen = Some(template.seen.first_seen);
    def.last_seen = Some(template.seen.last_seen);
}

/// A histogram of one raw length seen `count` times.
pub fn lengths_of(text: &str, count: u64) -> (RawLength, u64) {
    (super::measure::raw_length(text), count)
}

pub fn limit_row(system: &str, field: &str, max: u64, unit: LimitUnit) -> LimitRow {
    LimitRow {
        system: system.to_string(),
        field: field.to_string(),
        max,
        unit,
        path: format!("{system}/schema.sql"),
        line: 1,
    }
}

pub fn snapshot(definitions: Vec<DefinitionView>, templates: Vec<TemplateView>) -> Snapshot {
    let mut systems: Vec<String> = definitions
        .iter()
        .map(|d| d.row.system.clone())
        .chain(templates.iter().map(|t| t.system.clone()))
        .collect();
    systems.sort();
    systems.dedup();
    Snapshot {
        systems,
        definitions,
        templates,
        ..Snapshot::default()
    }
}

pub fn input<'a>(snapshot: &'a Snapshot, rules: &'a Rules) -> AuditInput<'a> {
    AuditInput::new(snapshot, rules, as_of())
}

/// `(system, key or template text)` of each flag, for compact assertions.
pub fn subjects(snapshot: &Snapshot, flags: &[super::Flag]) -> Vec<(String, String)> {
    flags
        .iter()
        .map(|f| {
            let subject = match (&f.key, &f.template) {
                (Some(k), _) => k.clone(),
                (None, Some(id)) => snapshot
                    .templates
                    .iter()
                    .find(|t| &t.id == id)
                    .map_or_else(|| id.clone(), |t| t.template.clone()),
                (None, None) => String::new(),
            };
            (f.system.clone(), subject)
        })
        .collect()
}
