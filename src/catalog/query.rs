//! Typed reads of the whole catalog, for audit and reports.
//!
//! A template's counts are the sums over its groups and their hosts, read in
//! one consistent view: the same whichever host sent what, and in what order.
//! Everything is ordered here, by code point, never by the database: SQLite
//! and PostgreSQL (whose text order follows its collation, and which puts NULLs
//! last) would otherwise give two orders of the same catalog.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDateTime;

use super::db::{DbError, Mode, Tx};
use super::{Catalog, CatalogError, DefinitionRow, TemplateMatch};
use crate::model::{Flag, LimitUnit, MAX_SAMPLES, MatchKind, SeenIn, Sightings, Unit};

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
    pub definition_id: Option<String>,
    pub match_kind: Option<MatchKind>,
    /// Everything its groups were seen as, on every host.
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
    pub fn snapshot(&mut self) -> Result<Snapshot, CatalogError> {
        self.run(Mode::Read, |tx| {
            let mut systems = tx
                .query("SELECT name FROM systems", &[])?
                .iter()
                .map(|r| r.get(0))
                .collect::<Result<Vec<String>, _>>()?;
            systems.sort();
            let templates = templates(tx)?;
            let definitions = definitions(tx)?;
            let limits = limits(tx)?;
            let last_run = last_run(tx)?;
            let flags = match &last_run {
                Some(run) => run_flags(tx, run.id)?,
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
        })
    }

    /// The latest finished run with its warnings.
    pub fn last_run(&mut self) -> Result<Option<RunView>, CatalogError> {
        self.run(Mode::Read, last_run)
    }

    /// The flags stored with run `run`, sorted.
    pub fn run_flags(&mut self, run: i64) -> Result<Vec<Flag>, CatalogError> {
        self.run(Mode::Read, |tx| run_flags(tx, run))
    }
}

/// Every template with observations, with the sums of its groups, ordered by
/// system, most seen first.
fn templates(tx: &mut Tx<'_>) -> Result<Vec<TemplateView>, DbError> {
    let mut templates = tx
        .query(
            "SELECT id, system, template, key, definition_id, match_kind, count, first_seen, last_seen
             FROM template_totals",
            &[],
        )?
        .iter()
        .map(|r| {
            Ok(TemplateView {
                id: r.get(0)?,
                system: r.get(1)?,
                template: r.get(2)?,
                key: r.get(3)?,
                definition_id: r.get(4)?,
                match_kind: r.get(5)?,
                seen: Sightings::new(r.get(6)?, r.get(7)?, r.get(8)?),
            })
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    templates.sort_by(|a, b| {
        (
            &a.system,
            std::cmp::Reverse(a.seen.count),
            &a.template,
            &a.id,
        )
            .cmp(&(
                &b.system,
                std::cmp::Reverse(b.seen.count),
                &b.template,
                &b.id,
            ))
    });
    let position: HashMap<String, usize> = templates
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.clone(), i))
        .collect();
    // One pass per detail view (each sums its table over groups and hosts).
    let mut each = |sql: &str,
                    add: &mut dyn FnMut(&mut Sightings, &super::db::Row) -> Result<(), DbError>|
     -> Result<(), DbError> {
        for row in tx.query(sql, &[])? {
            let id: String = row.get(0)?;
            if let Some(&i) = position.get(&id) {
                add(&mut templates[i].seen, &row)?;
            }
        }
        Ok(())
    };
    each(
        "SELECT template_id, day, count FROM template_days",
        &mut |seen, r| {
            seen.days.insert(r.get(1)?, r.get(2)?);
            Ok(())
        },
    )?;
    each(
        "SELECT template_id, path, count, first_line FROM template_sources",
        &mut |seen, r| {
            let at = SeenIn {
                count: r.get(2)?,
                first_line: r.get(3)?,
            };
            seen.sources.insert(r.get(1)?, at);
            Ok(())
        },
    )?;
    each(
        "SELECT template_id, kind, count FROM template_pii",
        &mut |seen, r| {
            seen.pii.insert(r.get(1)?, r.get(2)?);
            Ok(())
        },
    )?;
    each(
        "SELECT template_id, chars, utf8, utf16, sms_segments, count FROM template_lengths",
        &mut |seen, r| {
            seen.lengths.insert(r.raw_length(1)?, r.get(5)?);
            Ok(())
        },
    )?;
    // Samples: the first masked texts of the template's groups, by text.
    each(
        "SELECT template_id, text FROM groups WHERE template_id IS NOT NULL",
        &mut |seen, r| {
            seen.samples.push(r.get(1)?);
            Ok(())
        },
    )?;
    for t in &mut templates {
        t.seen.samples.sort();
        t.seen.samples.truncate(MAX_SAMPLES);
    }
    Ok(templates)
}

/// Live definitions, each with its first live source (by host, then path).
fn definitions(tx: &mut Tx<'_>) -> Result<Vec<DefinitionView>, DbError> {
    // The first live source of each definition, by host then path.
    let mut sources: HashMap<String, (String, String, u64)> = HashMap::new();
    for r in tx.query(
        "SELECT definition_id, host, path, line FROM definition_sources WHERE removed_run IS NULL",
        &[],
    )? {
        let source: (String, String, u64) = (r.get(1)?, r.get(2)?, r.get(3)?);
        sources
            .entry(r.get(0)?)
            .and_modify(|first| {
                if (&source.0, &source.1) < (&first.0, &first.1) {
                    *first = source.clone();
                }
            })
            .or_insert(source);
    }
    let mut rows = tx
        .query(
            &format!("SELECT {DEFINITION_COLUMNS} FROM definitions WHERE removed_run IS NULL"),
            &[],
        )?
        .iter()
        .map(|r| {
            let id: String = r.get(0)?;
            let (_, path, line) = sources.remove(&id).unwrap_or_default();
            definition_row(r, path, line)
        })
        .collect::<Result<Vec<_>, DbError>>()?;
    rows.sort_by(|a, b| {
        (&a.system, &a.key, &a.locale, &a.form, &a.path, a.line)
            .cmp(&(&b.system, &b.key, &b.locale, &b.form, &b.path, b.line))
    });
    Ok(rows
        .into_iter()
        .map(|row| DefinitionView {
            row,
            observed: 0,
            first_seen: None,
            last_seen: None,
        })
        .collect())
}

/// Live limits; a schema file deployed on several hosts declares each field once.
fn limits(tx: &mut Tx<'_>) -> Result<Vec<LimitRow>, DbError> {
    let mut seen: BTreeMap<(String, String, u64, String, Option<String>), LimitRow> =
        BTreeMap::new();
    let mut rows = tx.query(
        "SELECT system, field, max, unit, encoding, path, line, host FROM limits
         WHERE removed_run IS NULL",
        &[],
    )?;
    // The first declaration (by path, line, host) stands for a field's copies.
    let order = |r: &super::db::Row| -> Result<(String, String, String, u64, String), DbError> {
        Ok((r.get(0)?, r.get(1)?, r.get(5)?, r.get(6)?, r.get(7)?))
    };
    let mut keyed = rows
        .drain(..)
        .map(|r| Ok((order(&r)?, r)))
        .collect::<Result<Vec<_>, DbError>>()?;
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, r) in keyed {
        let unit: Unit = r.get(3)?;
        let encoding: Option<String> = r.get(4)?;
        let limit_unit = LimitUnit::from_parts(unit, encoding.as_deref()).ok_or_else(|| {
            DbError::Value(format!(
                "unknown byte encoding `{}`",
                encoding.clone().unwrap_or_default()
            ))
        })?;
        let row = LimitRow {
            system: r.get(0)?,
            field: r.get(1)?,
            max: r.get(2)?,
            unit: limit_unit,
            path: r.get(5)?,
            line: r.get(6)?,
        };
        let identity = (
            row.system.clone(),
            row.field.clone(),
            row.max,
            unit.as_str().to_string(),
            encoding,
        );
        seen.entry(identity).or_insert(row);
    }
    let mut limits: Vec<LimitRow> = seen.into_values().collect();
    limits.sort_by(|a, b| {
        (&a.system, &a.field, &a.path, a.line).cmp(&(&b.system, &b.field, &b.path, b.line))
    });
    Ok(limits)
}

pub(super) fn run_flags(tx: &mut Tx<'_>, run: i64) -> Result<Vec<Flag>, DbError> {
    let mut flags = tx
        .query(
            "SELECT kind, system, key, template_id, message, evidence, suppressed FROM flags
             WHERE run_id = $1",
            &[&run],
        )?
        .iter()
        .map(|r| {
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
        })
        .collect::<Result<Vec<Flag>, DbError>>()?;
    flags.sort_by(|a, b| {
        (a.kind.as_str(), &a.system, &a.key, &a.template, &a.message).cmp(&(
            b.kind.as_str(),
            &b.system,
            &b.key,
            &b.template,
            &b.message,
        ))
    });
    Ok(flags)
}

/// The id of the latest finished run.
pub(super) fn last_run_id(tx: &mut Tx<'_>) -> Result<Option<i64>, DbError> {
    tx.query(
        "SELECT id FROM scan_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
        &[],
    )?
    .first()
    .map(|r| r.get(0))
    .transpose()
}

fn last_run(tx: &mut Tx<'_>) -> Result<Option<RunView>, DbError> {
    let Some(r) = tx
        .query(
            "SELECT id, started_at, finished_at, as_of, files_scanned, files_unchanged, files_skipped,
                    records, definitions, observations, templates, warnings
             FROM scan_runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1",
            &[],
        )?
        .into_iter()
        .next()
    else {
        return Ok(None);
    };
    let id: i64 = r.get(0)?;
    let mut warnings = tx
        .query(
            "SELECT path, line, message FROM warnings WHERE run_id = $1",
            &[&id],
        )?
        .iter()
        .map(|w| {
            Ok(crate::model::Warning {
                path: w.get(0)?,
                line: w.get(1)?,
                message: w.get(2)?,
            })
        })
        .collect::<Result<Vec<crate::model::Warning>, DbError>>()?;
    warnings.sort_by(|a, b| (&a.path, a.line, &a.message).cmp(&(&b.path, b.line, &b.message)));
    Ok(Some(RunView {
        id,
        started_at: r.get(1)?,
        finished_at: r.get(2)?,
        as_of: r.get(3)?,
        stats: super::RunStats {
            files_scanned: r.get(4)?,
            files_unchanged: r.get(5)?,
            files_skipped: r.get(6)?,
            records: r.get(7)?,
            definitions: r.get(8)?,
            observations: r.get(9)?,
            templates: r.get(10)?,
            warnings: r.get(11)?,
        },
        warnings,
    }))
}

/// The columns [`definition_row`] reads, in its order.
pub(super) const DEFINITION_COLUMNS: &str =
    "id, system, key, locale, form, text, template, state, note, raw, flow";

/// A definition read from [`DEFINITION_COLUMNS`], placed at `path:line`.
pub(super) fn definition_row(
    r: &super::db::Row,
    path: String,
    line: u64,
) -> Result<DefinitionRow, DbError> {
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
        raw: r.get(9)?,
        path,
        line,
        flow: super::write::flow_of(r.get(10)?),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{FileBatch, FileRecord, GroupDelta, group_id};
    use super::*;
    use crate::model::{FormatId, RawLength, Role};

    fn batch(path: &str, text: &str, lengths: Vec<(RawLength, u64)>) -> FileBatch {
        let at = crate::model::parse_time("2024-06-01T00:00:00").unwrap();
        let count = lengths.iter().map(|(_, n)| n).sum();
        let mut seen = Sightings::new(count, at, at);
        seen.lengths = lengths.into_iter().collect();
        seen.sources.insert(
            path.to_string(),
            SeenIn {
                count,
                first_line: 1,
            },
        );
        FileBatch {
            file: FileRecord::unread(path, "abs", Role::Observations, FormatId::LogLines),
            definitions: None,
            limits: None,
            groups: vec![GroupDelta {
                id: group_id("abs", None, text),
                system: "abs".to_string(),
                key: None,
                text: text.to_string(),
                seen,
            }],
            warnings: Vec::new(),
        }
    }

    /// Two hosts' groups of one template add up; so do two batches of one host.
    #[test]
    fn raw_length_histograms_add_up_across_batches_groups_and_hosts() {
        let dir = tempfile::tempdir().unwrap();
        let target = super::super::Target::sqlite(dir.path().join("c.db"));
        let mut catalog = Catalog::open(&target).unwrap();
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
        let run = catalog.begin_run("2024-06-30", "web-01").unwrap();
        catalog
            .commit(
                run,
                "web-01",
                &[batch("a.log", "Ошибка 1", vec![(short, 2), (long, 3)])],
            )
            .unwrap();
        catalog
            .commit(
                run,
                "web-01",
                &[batch("b.log", "Ошибка 1", vec![(long, 1)])],
            )
            .unwrap();
        catalog
            .commit(
                run,
                "web-02",
                &[batch("a.log", "Ошибка 2", vec![(long, 1)])],
            )
            .unwrap();
        let groups = [
            group_id("abs", None, "Ошибка 1"),
            group_id("abs", None, "Ошибка 2"),
        ];
        let settled: Vec<super::super::Settled> = groups
            .iter()
            .map(|g| super::super::Settled {
                group: g.clone(),
                system: "abs".to_string(),
                key: None,
                template_id: "t1".to_string(),
                template: "Ошибка <*>".to_string(),
            })
            .collect();
        catalog.settle(&settled).unwrap();
        let snap = catalog.snapshot().unwrap();
        let t = &snap.templates[0].seen;
        assert_eq!(t.lengths, BTreeMap::from([(short, 2), (long, 5)]));
        assert_eq!(t.count, 7);
        assert_eq!(t.samples, ["Ошибка 1", "Ошибка 2"]);
        assert_eq!(t.sources["a.log"].count, 6, "the same path on two hosts");
    }
}
