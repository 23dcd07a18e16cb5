//! Typed reads of the whole catalog, for audit and reports.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use rusqlite::params;

use super::sql::{day, time};
use super::{Catalog, CatalogError, DefinitionRow, TemplateMatch};
use crate::model::{Flag, LimitUnit, MatchKind, RawLength, SeenIn, Sightings, Unit};

/// A definition with what the logs showed of it.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionView {
    pub row: DefinitionRow,
    /// Observations matched to it (sum over its templates).
    pub observed: u64,
    pub first_seen: Option<NaiveDateTime>,
    pub last_seen: Option<NaiveDateTime>,
}

/// A template with its counts and evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateView {
    pub id: String,
    pub system: String,
    pub template: String,
    pub key: Option<String>,
    /// The longest raw instance in characters (kept apart from `seen.lengths`:
    /// catalogs written before lengths were kept have only this).
    pub max_raw_chars: u64,
    pub definition_id: Option<String>,
    pub match_kind: Option<MatchKind>,
    pub seen: Sightings,
}

/// A field limit as stored (from a schema file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRow {
    pub system: String,
    pub field: String,
    pub max: u64,
    pub unit: LimitUnit,
    pub path: String,
    pub line: u64,
}

/// A scan run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub as_of: String,
    pub stats: super::RunStats,
    pub warnings: Vec<crate::model::Warning>,
}

/// The whole catalog in memory, sorted for deterministic output.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub systems: Vec<String>,
    pub definitions: Vec<DefinitionView>,
    pub templates: Vec<TemplateView>,
    pub limits: Vec<LimitRow>,
    /// The latest finished run, if any.
    pub last_run: Option<RunView>,
    /// Flags of the latest finished run.
    pub flags: Vec<Flag>,
}

impl Snapshot {
    /// Sets which definition each template matches, as [`Catalog::update_matches`]
    /// stores it, and recounts usage.
    pub fn apply_matches(&mut self, matches: &[TemplateMatch]) {
        let by_template: HashMap<&str, &TemplateMatch> =
            matches.iter().map(|m| (m.template.as_str(), m)).collect();
        for t in &mut self.templates {
            if let Some(m) = by_template.get(t.id.as_str()) {
                t.definition_id = m.definition.clone();
                t.match_kind = m.kind;
            }
        }
        self.count_usage();
    }

    /// Each definition's observations: the sum over the templates matched to it.
    fn count_usage(&mut self) {
        let mut usage: HashMap<&str, (u64, NaiveDateTime, NaiveDateTime)> = HashMap::new();
        for t in &self.templates {
            if let Some(def) = &t.definition_id {
                let e =
                    usage
                        .entry(def.as_str())
                        .or_insert((0, t.seen.first_seen, t.seen.last_seen));
                e.0 += t.seen.count;
                e.1 = e.1.min(t.seen.first_seen);
                e.2 = e.2.max(t.seen.last_seen);
            }
        }
        for d in &mut self.definitions {
            let (observed, first, last) = usage
                .get(d.row.id.as_str())
                .map(|&(c, f, l)| (c, Some(f), Some(l)))
                .unwrap_or((0, None, None));
            d.observed = observed;
            d.first_seen = first;
            d.last_seen = last;
        }
    }
}

impl Catalog {
    /// Reads the whole catalog.
    pub fn snapshot(&self) -> Result<Snapshot, CatalogError> {
        let conn = &self.conn;
        let systems = conn
            .prepare("SELECT name FROM systems ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;

        let mut templates = conn
            .prepare(
                "SELECT id, system, template, key, count, first_seen, last_seen, max_raw_chars, definition_id, match_kind
                 FROM templates ORDER BY system, count DESC, template, id",
            )?
            .query_map([], |r| {
                Ok(TemplateView {
                    id: r.get(0)?,
                    system: r.get(1)?,
                    template: r.get(2)?,
                    key: r.get(3)?,
                    max_raw_chars: r.get::<_, i64>(7)? as u64,
                    definition_id: r.get(8)?,
                    match_kind: r.get(9)?,
                    seen: Sightings::new(
                        r.get::<_, i64>(4)? as u64,
                        time(r.get(5)?)?,
                        time(r.get(6)?)?,
                    ),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let position: HashMap<String, usize> = templates
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id.clone(), i))
            .collect();
        for row in conn
            .prepare(
                "SELECT template_id, sample FROM template_samples ORDER BY template_id, sample",
            )?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        {
            let (id, sample) = row?;
            if let Some(&i) = position.get(&id) {
                templates[i].seen.samples.push(sample);
            }
        }
        for row in conn
            .prepare("SELECT template_id, day, count FROM template_days")?
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, day(r.get(1)?)?, r.get::<_, i64>(2)?))
            })?
        {
            let (id, day, count) = row?;
            if let Some(&i) = position.get(&id) {
                templates[i].seen.days.insert(day, count as u64);
            }
        }
        for row in conn
            .prepare("SELECT template_id, path, count, first_line FROM template_sources")?
            .query_map([], |r| {
                let seen_in = SeenIn {
                    count: r.get::<_, i64>(2)? as u64,
                    first_line: r.get::<_, i64>(3)? as u64,
                };
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, seen_in))
            })?
        {
            let (id, path, seen_in) = row?;
            if let Some(&i) = position.get(&id) {
                templates[i].seen.sources.insert(path, seen_in);
            }
        }
        for row in conn
            .prepare("SELECT template_id, kind, count FROM template_pii")?
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get(1)?, r.get::<_, i64>(2)?))
            })?
        {
            let (id, kind, count) = row?;
            if let Some(&i) = position.get(&id) {
                templates[i].seen.pii.insert(kind, count as u64);
            }
        }
        for row in conn
            .prepare(
                "SELECT template_id, chars, utf8, utf16, sms_segments, count FROM template_lengths",
            )?
            .query_map([], |r| {
                let length = RawLength {
                    chars: r.get::<_, i64>(1)? as u64,
                    utf8: r.get::<_, i64>(2)? as u64,
                    utf16: r.get::<_, i64>(3)? as u64,
                    sms_segments: r.get::<_, i64>(4)? as u64,
                };
                Ok((r.get::<_, String>(0)?, length, r.get::<_, i64>(5)? as u64))
            })?
        {
            let (id, length, count) = row?;
            if let Some(&i) = position.get(&id) {
                templates[i].seen.lengths.insert(length, count);
            }
        }

        let definitions = conn
            .prepare(
                "SELECT id, system, key, locale, form, text, template, state, note, path, line
                 FROM definitions WHERE removed_run IS NULL ORDER BY system, key, locale, form, path, line",
            )?
            .query_map([], |r| {
                Ok(DefinitionRow {
                    id: r.get(0)?,
                    system: r.get(1)?,
                    key: r.get(2)?,
                    locale: r.get(3)?,
                    form: r.get(4)?,
                    text: r.get(5)?,
                    template: r.get(6)?,
                    state: r.get(7)?,
                    note: r.get(8)?,
                    path: r.get(9)?,
                    line: r.get::<_, i64>(10)? as u64,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|row| DefinitionView {
                row,
                observed: 0,
                first_seen: None,
                last_seen: None,
            })
            .collect();

        let limits = conn
            .prepare(
                "SELECT system, field, max, unit, encoding, path, line FROM limits
                 ORDER BY system, field, path, line",
            )?
            .query_map([], |r| {
                let unit: Unit = r.get(3)?;
                let encoding: Option<String> = r.get(4)?;
                let unit = LimitUnit::from_parts(unit, encoding.as_deref()).ok_or_else(|| {
                    rusqlite::Error::FromSqlConversionFailure(
                        4,
                        rusqlite::types::Type::Text,
                        format!("unknown byte encoding `{}`", encoding.unwrap_or_default()).into(),
                    )
                })?;
                Ok(LimitRow {
                    system: r.get(0)?,
                    field: r.get(1)?,
                    max: r.get::<_, i64>(2)? as u64,
                    unit,
                    path: r.get(5)?,
                    line: r.get::<_, i64>(6)? as u64,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;

        let last_run = self.last_run()?;
        let flags = match &last_run {
            Some(run) => self.run_flags(run.id)?,
            None => Vec::new(),
        };

        let mut snapshot = Snapshot {
            systems,
            definitions,
            templates,
            limits,
            last_run,
            flags,
        };
        snapshot.count_usage();
        Ok(snapshot)
    }

    /// The flags stored with run `run`, sorted.
    pub fn run_flags(&self, run: i64) -> Result<Vec<Flag>, CatalogError> {
        Ok(self
            .conn
            .prepare(
                "SELECT kind, system, key, template_id, message, evidence, suppressed FROM flags
                 WHERE run_id = ?1 ORDER BY kind, system, key, template_id, message",
            )?
            .query_map([run], |r| {
                let evidence: String = r.get(5)?;
                Ok(Flag {
                    kind: r.get(0)?,
                    system: r.get(1)?,
                    key: r.get(2)?,
                    template: r.get(3)?,
                    message: r.get(4)?,
                    evidence: serde_json::from_str(&evidence).unwrap_or(serde_json::Value::Null),
                    suppressed: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// The stored templates of one system as `(id, template)`, oldest first, so a
    /// miner can start from them and keep their ids.
    pub fn templates_of(&self, system: &str) -> Result<Vec<(String, String)>, CatalogError> {
        Ok(self
            .conn
            .prepare(
                "SELECT id, template FROM templates WHERE system = ?1 ORDER BY first_seen, id",
            )?
            .query_map([system], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?)
    }

    /// The latest finished run with its warnings.
    pub fn last_run(&self) -> Result<Option<RunView>, CatalogError> {
        let run = self
            .conn
            .prepare(
                "SELECT id, started_at, finished_at, as_of, files_scanned, files_unchanged, files_skipped,
                        records, definitions, observations, templates, warnings
                 FROM scan_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
            )?
            .query_map([], |r| {
                Ok(RunView {
                    id: r.get(0)?,
                    started_at: r.get(1)?,
                    finished_at: r.get(2)?,
                    as_of: r.get(3)?,
                    stats: super::RunStats {
                        files_scanned: r.get::<_, i64>(4)? as u64,
                        files_unchanged: r.get::<_, i64>(5)? as u64,
                        files_skipped: r.get::<_, i64>(6)? as u64,
                        records: r.get::<_, i64>(7)? as u64,
                        definitions: r.get::<_, i64>(8)? as u64,
                        observations: r.get::<_, i64>(9)? as u64,
                        templates: r.get::<_, i64>(10)? as u64,
                        warnings: r.get::<_, i64>(11)? as u64,
                    },
                    warnings: Vec::new(),
                })
            })?
            .next()
            .transpose()?;
        let Some(mut run) = run else {
            return Ok(None);
        };
        run.warnings = self
            .conn
            .prepare("SELECT path, line, message FROM warnings WHERE run_id = ?1 ORDER BY path, line, message")?
            .query_map(params![run.id], |r| {
                Ok(crate::model::Warning {
                    path: r.get(0)?,
                    line: r.get::<_, Option<i64>>(1)?.map(|l| l as u64),
                    message: r.get(2)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(run))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::{FileBatch, FileRecord, TemplateDelta};
    use super::*;
    use crate::model::{FormatId, Role};

    fn batch(path: &str, lengths: Vec<(RawLength, u64)>) -> FileBatch {
        let at = crate::model::parse_time("2024-06-01T00:00:00").unwrap();
        let mut seen = Sightings::new(lengths.iter().map(|(_, n)| n).sum(), at, at);
        seen.lengths = lengths.into_iter().collect();
        FileBatch {
            file: FileRecord::unread(path, "abs", Role::Observations, FormatId::LogLines),
            definitions: None,
            limits: None,
            templates: vec![TemplateDelta {
                id: "t1".to_string(),
                system: "abs".to_string(),
                template: "Ошибка".to_string(),
                key: None,
                seen,
            }],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn raw_length_histograms_add_up_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&dir.path().join("c.db")).unwrap();
        let short = RawLength {
            chars: 6,
            utf8: 12,
            utf16: 6,
            sms_segments: 1,
        };
        let long = RawLength {
            chars: 60,
            utf8: 120,
            utf16: 60,
            sms_segments: 1,
        };
        catalog
            .commit(1, &[batch("a.log", vec![(short, 2), (long, 3)])])
            .unwrap();
        catalog
            .commit(1, &[batch("b.log", vec![(long, 1)])])
            .unwrap();
        let snap = catalog.snapshot().unwrap();
        assert_eq!(
            snap.templates[0].seen.lengths,
            BTreeMap::from([(short, 2), (long, 4)])
        );
        assert_eq!(snap.templates[0].seen.count, 6);
    }
}
