//! Typed reads of the whole catalog, for audit and reports.

use std::collections::HashMap;

use rusqlite::params;

use super::{Catalog, CatalogError, DefinitionRow};

/// A definition with what the logs showed of it.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionView {
    pub row: DefinitionRow,
    /// Observations matched to it (sum over its templates).
    pub observed: u64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}

/// A template with its counts and evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateView {
    pub id: String,
    pub system: String,
    pub template: String,
    pub key: Option<String>,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub max_raw_chars: u64,
    pub definition_id: Option<String>,
    pub match_kind: Option<String>,
    pub samples: Vec<String>,
    /// `(day, count)`, by day.
    pub days: Vec<(String, u64)>,
    /// `(path, count, first line)`, by path.
    pub sources: Vec<(String, u64, u64)>,
    /// `(kind, count)` of personal data masked in its instances.
    pub pii: Vec<(String, u64)>,
    /// Histogram of raw instance lengths, `(lengths, count)`, shortest first.
    pub lengths: Vec<(crate::model::RawLength, u64)>,
}

/// A field limit as stored (from a schema file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitRow {
    pub system: String,
    pub field: String,
    pub max: u64,
    /// `chars`, `bytes`, `utf16` or `sms_segments`.
    pub unit: String,
    pub encoding: Option<String>,
    pub path: String,
    pub line: u64,
}

/// A flag as stored with a run.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFlag {
    pub kind: String,
    pub system: String,
    pub key: Option<String>,
    pub template: Option<String>,
    pub message: String,
    pub evidence: serde_json::Value,
    pub suppressed: Option<String>,
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
    pub flags: Vec<StoredFlag>,
}

impl Snapshot {
    /// Sets which definition each template matches (`(template id, definition id,
    /// match kind)`), as [`Catalog::update_matches`] stores it, and recounts usage.
    pub fn apply_matches(&mut self, matches: &[(String, Option<String>, Option<&'static str>)]) {
        let by_template: HashMap<&str, (&Option<String>, &Option<&str>)> = matches
            .iter()
            .map(|(t, d, k)| (t.as_str(), (d, k)))
            .collect();
        for t in &mut self.templates {
            if let Some((definition, kind)) = by_template.get(t.id.as_str()) {
                t.definition_id = (*definition).clone();
                t.match_kind = kind.map(str::to_string);
            }
        }
        self.count_usage();
    }

    /// Each definition's observations: the sum over the templates matched to it.
    fn count_usage(&mut self) {
        let mut usage: HashMap<&str, (u64, &str, &str)> = HashMap::new();
        for t in &self.templates {
            if let Some(def) = &t.definition_id {
                let e = usage
                    .entry(def.as_str())
                    .or_insert((0, &t.first_seen, &t.last_seen));
                e.0 += t.count;
                e.1 = e.1.min(&t.first_seen);
                e.2 = e.2.max(&t.last_seen);
            }
        }
        for d in &mut self.definitions {
            let (observed, first, last) = usage
                .get(d.row.id.as_str())
                .map(|(c, f, l)| (*c, Some(f.to_string()), Some(l.to_string())))
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

        let mut samples: HashMap<String, Vec<String>> = HashMap::new();
        for row in conn
            .prepare(
                "SELECT template_id, sample FROM template_samples ORDER BY template_id, sample",
            )?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        {
            let (id, s) = row?;
            samples.entry(id).or_default().push(s);
        }
        let mut days: HashMap<String, Vec<(String, u64)>> = HashMap::new();
        for row in conn
            .prepare("SELECT template_id, day, count FROM template_days ORDER BY template_id, day")?
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?
        {
            let (id, d, c) = row?;
            days.entry(id).or_default().push((d, c as u64));
        }
        let mut sources: HashMap<String, Vec<(String, u64, u64)>> = HashMap::new();
        for row in conn
            .prepare("SELECT template_id, path, count, first_line FROM template_sources ORDER BY template_id, path")?
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, i64>(3)?))
            })?
        {
            let (id, p, c, l) = row?;
            sources.entry(id).or_default().push((p, c as u64, l as u64));
        }
        let mut pii: HashMap<String, Vec<(String, u64)>> = HashMap::new();
        for row in conn
            .prepare(
                "SELECT template_id, kind, count FROM template_pii ORDER BY template_id, kind",
            )?
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?
        {
            let (id, k, c) = row?;
            pii.entry(id).or_default().push((k, c as u64));
        }

        let mut lengths: HashMap<String, Vec<(crate::model::RawLength, u64)>> = HashMap::new();
        for row in conn
            .prepare(
                "SELECT template_id, chars, utf8, utf16, sms_segments, count FROM template_lengths
                 ORDER BY template_id, chars, utf8, utf16, sms_segments",
            )?
            .query_map([], |r| {
                let length = crate::model::RawLength {
                    chars: r.get::<_, i64>(1)? as u64,
                    utf8: r.get::<_, i64>(2)? as u64,
                    utf16: r.get::<_, i64>(3)? as u64,
                    sms_segments: r.get::<_, i64>(4)? as u64,
                };
                Ok((r.get::<_, String>(0)?, length, r.get::<_, i64>(5)? as u64))
            })?
        {
            let (id, l, c) = row?;
            lengths.entry(id).or_default().push((l, c));
        }

        let templates = conn
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
                    count: r.get::<_, i64>(4)? as u64,
                    first_seen: r.get(5)?,
                    last_seen: r.get(6)?,
                    max_raw_chars: r.get::<_, i64>(7)? as u64,
                    definition_id: r.get(8)?,
                    match_kind: r.get(9)?,
                    samples: Vec::new(),
                    days: Vec::new(),
                    sources: Vec::new(),
                    pii: Vec::new(),
                    lengths: Vec::new(),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|mut t| {
                t.samples = samples.remove(&t.id).unwrap_or_default();
                t.days = days.remove(&t.id).unwrap_or_default();
                t.sources = sources.remove(&t.id).unwrap_or_default();
                t.pii = pii.remove(&t.id).unwrap_or_default();
                t.lengths = lengths.remove(&t.id).unwrap_or_default();
                t
            })
            .collect::<Vec<_>>();

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
                Ok(LimitRow {
                    system: r.get(0)?,
                    field: r.get(1)?,
                    max: r.get::<_, i64>(2)? as u64,
                    unit: r.get(3)?,
                    encoding: r.get(4)?,
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
    pub fn run_flags(&self, run: i64) -> Result<Vec<StoredFlag>, CatalogError> {
        Ok(self
            .conn
            .prepare(
                "SELECT kind, system, key, template_id, message, evidence, suppressed FROM flags
                 WHERE run_id = ?1 ORDER BY kind, system, key, template_id, message",
            )?
            .query_map([run], |r| {
                let evidence: String = r.get(5)?;
                Ok(StoredFlag {
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
    use super::super::{FileBatch, FileRecord, TemplateDelta};
    use super::*;
    use crate::model::RawLength;

    fn batch(path: &str, lengths: Vec<(RawLength, u64)>) -> FileBatch {
        FileBatch {
            file: FileRecord::unread(path, "abs", "observations", "log_lines"),
            definitions: None,
            limits: None,
            templates: vec![TemplateDelta {
                id: "t1".to_string(),
                system: "abs".to_string(),
                template: "Ошибка".to_string(),
                count: lengths.iter().map(|(_, n)| n).sum(),
                first_seen: "2024-06-01T00:00:00".to_string(),
                last_seen: "2024-06-01T00:00:00".to_string(),
                lengths,
                ..TemplateDelta::default()
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
        assert_eq!(snap.templates[0].lengths, vec![(short, 2), (long, 4)]);
        assert_eq!(snap.templates[0].count, 6);
    }
}
