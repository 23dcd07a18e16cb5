//! The catalog: one SQLite file holding everything errata harvested.
//!
//! Writes go through [`Catalog::commit`], which applies the results of a batch of
//! files and their new read positions in one transaction: a file's content is
//! counted exactly when its position moves. The schema is in [`schema`] and in
//! `docs/catalog.md`.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use crate::model::Warning;

mod query;
pub mod schema;

pub use query::{DefinitionView, LimitRow, RunView, Snapshot, StoredFlag, TemplateView};

/// A catalog that cannot be opened or written: exit code 2, nothing written.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{path}: cannot open catalog: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("{path}: {message}")]
    Schema { path: String, message: String },
    #[error("catalog: {0}")]
    Sql(#[from] rusqlite::Error),
}

/// What the catalog remembers of a scanned file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileState {
    pub size: u64,
    pub mtime: i64,
    pub head_hash: String,
    /// Lines already consumed (complete lines of an observations file).
    pub lines: u64,
}

/// A scanned file as stored.
#[derive(Debug, Clone)]
pub struct FileRecord {
    pub path: String,
    pub system: String,
    pub role: String,
    pub format: String,
    pub encoding: String,
    pub state: FileState,
}

/// A definition as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionRow {
    pub id: String,
    pub system: String,
    pub key: String,
    pub locale: Option<String>,
    pub form: Option<String>,
    pub text: String,
    pub template: String,
    pub state: String,
    pub note: Option<String>,
    pub path: String,
    pub line: u64,
}

/// New observations of one template from one batch, to be added to the stored counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TemplateDelta {
    pub id: String,
    pub system: String,
    pub template: String,
    pub key: Option<String>,
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub max_raw_chars: u64,
    /// `(YYYY-MM-DD, count)`.
    pub days: Vec<(String, u64)>,
    /// Distinct masked instances (at most three are kept).
    pub samples: Vec<String>,
    /// `(path, count, first line)` where it was seen.
    pub sources: Vec<(String, u64, u64)>,
    pub pii: Vec<(crate::mask::PiiKind, u32)>,
    /// Histogram of raw instance lengths: `(lengths, count)`.
    pub lengths: Vec<(crate::model::RawLength, u64)>,
}

/// Everything one file contributed, committed together with its new position.
#[derive(Debug, Clone)]
pub struct FileBatch {
    pub file: FileRecord,
    /// For a definitions file: its complete current definitions (replacing the old ones).
    pub definitions: Option<Vec<DefinitionRow>>,
    /// For a schema file: its complete current field limits.
    pub limits: Option<Vec<LimitRow>>,
    pub templates: Vec<TemplateDelta>,
    pub warnings: Vec<Warning>,
}

/// Counters of one scan run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunStats {
    pub files_scanned: u64,
    pub files_unchanged: u64,
    pub files_skipped: u64,
    pub records: u64,
    pub definitions: u64,
    pub observations: u64,
    pub templates: u64,
    pub warnings: u64,
}

/// Most samples kept per template.
pub const MAX_SAMPLES: usize = 3;

pub struct Catalog {
    conn: Connection,
}

impl Catalog {
    /// Opens (creating if needed) and migrates the catalog at `path`.
    pub fn open(path: &Path) -> Result<Catalog, CatalogError> {
        let display = path.display().to_string();
        let open_err = |source| CatalogError::Open {
            path: display.clone(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        match schema::migrate(&mut conn).map_err(open_err)? {
            Ok(()) => Ok(Catalog { conn }),
            Err(message) => Err(CatalogError::Schema {
                path: display,
                message,
            }),
        }
    }

    /// Opens an existing catalog for reading; a missing file is an error, not a new catalog.
    pub fn open_existing(path: &Path) -> Result<Catalog, CatalogError> {
        if !path.is_file() {
            return Err(CatalogError::Schema {
                path: path.display().to_string(),
                message: "no catalog here (run `errata scan` first)".to_string(),
            });
        }
        Catalog::open(path)
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Starts a scan run and returns its id.
    pub fn begin_run(&mut self, as_of: &str) -> Result<i64, CatalogError> {
        self.conn.execute(
            "INSERT INTO scan_runs (started_at, as_of) VALUES (?1, ?2)",
            params![now(), as_of],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// What the catalog remembers of `path`, if it scanned it before.
    pub fn file_state(&self, path: &str) -> Result<Option<FileState>, CatalogError> {
        Ok(self
            .conn
            .query_row(
                "SELECT size, mtime, head_hash, lines FROM files WHERE path = ?1",
                [path],
                |r| {
                    Ok(FileState {
                        size: r.get::<_, i64>(0)? as u64,
                        mtime: r.get(1)?,
                        head_hash: r.get(2)?,
                        lines: r.get::<_, i64>(3)? as u64,
                    })
                },
            )
            .optional()?)
    }

    /// Applies the results of `batches` and their files' new positions in one transaction.
    pub fn commit(&mut self, run: i64, batches: &[FileBatch]) -> Result<(), CatalogError> {
        let tx = self.conn.transaction()?;
        for batch in batches {
            write_batch(&tx, run, batch)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Records warnings that belong to no file batch (skipped files, discovery problems).
    pub fn add_warnings(&mut self, run: i64, warnings: &[Warning]) -> Result<(), CatalogError> {
        let tx = self.conn.transaction()?;
        for w in warnings {
            insert_warning(&tx, run, w)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Re-derives which definition each template matches, with `find` deciding.
    pub fn update_matches(
        &mut self,
        matches: &[(String, Option<String>, Option<&'static str>)],
    ) -> Result<(), CatalogError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare(
                "UPDATE templates SET definition_id = ?2, match_kind = ?3 WHERE id = ?1",
            )?;
            for (template, definition, kind) in matches {
                stmt.execute(params![template, definition, kind])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores the flags of a run (replacing any stored for it) and closes the run.
    pub fn finish_run(
        &mut self,
        run: i64,
        stats: &RunStats,
        flags: &[crate::audit::Flag],
    ) -> Result<(), CatalogError> {
        let tx = self.conn.transaction()?;
        tx.execute("DELETE FROM flags WHERE run_id = ?1", [run])?;
        {
            let mut stmt = tx.prepare(
                "INSERT INTO flags (run_id, kind, system, key, template_id, message, evidence, suppressed)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            for f in flags {
                stmt.execute(params![
                    run,
                    f.kind,
                    f.system,
                    f.key,
                    f.template,
                    f.message,
                    f.evidence.to_string(),
                    f.suppressed
                ])?;
            }
        }
        tx.execute(
            "UPDATE scan_runs SET finished_at = ?2, files_scanned = ?3, files_unchanged = ?4,
                 files_skipped = ?5, records = ?6, definitions = ?7, observations = ?8,
                 templates = ?9, warnings = ?10 WHERE id = ?1",
            params![
                run,
                now(),
                stats.files_scanned as i64,
                stats.files_unchanged as i64,
                stats.files_skipped as i64,
                stats.records as i64,
                stats.definitions as i64,
                stats.observations as i64,
                stats.templates as i64,
                stats.warnings as i64
            ],
        )?;
        tx.commit()?;
        Ok(())
    }
}

fn write_batch(
    tx: &rusqlite::Transaction<'_>,
    run: i64,
    batch: &FileBatch,
) -> rusqlite::Result<()> {
    let f = &batch.file;
    tx.execute(
        "INSERT OR IGNORE INTO systems (name) VALUES (?1)",
        [&f.system],
    )?;
    tx.execute(
        "INSERT INTO files (path, system, role, format, encoding, size, mtime, head_hash, lines, last_run)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(path) DO UPDATE SET system = ?2, role = ?3, format = ?4, encoding = ?5,
             size = ?6, mtime = ?7, head_hash = ?8, lines = ?9, last_run = ?10",
        params![
            f.path,
            f.system,
            f.role,
            f.format,
            f.encoding,
            f.state.size as i64,
            f.state.mtime,
            f.state.head_hash,
            f.state.lines as i64,
            run
        ],
    )?;
    if let Some(defs) = &batch.definitions {
        replace_definitions(tx, run, &f.path, defs)?;
    }
    if let Some(limits) = &batch.limits {
        tx.execute("DELETE FROM limits WHERE path = ?1", [&f.path])?;
        let mut stmt = tx.prepare(
            "INSERT INTO limits (system, field, max, unit, encoding, path, line) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for l in limits {
            stmt.execute(params![
                l.system,
                l.field,
                l.max as i64,
                l.unit,
                l.encoding,
                l.path,
                l.line as i64
            ])?;
        }
    }
    for t in &batch.templates {
        add_template(tx, t)?;
    }
    for w in &batch.warnings {
        insert_warning(tx, run, w)?;
    }
    Ok(())
}

/// Replaces a file's definitions, keeping `first_run` of those that stay.
fn replace_definitions(
    tx: &rusqlite::Transaction<'_>,
    run: i64,
    path: &str,
    defs: &[DefinitionRow],
) -> rusqlite::Result<()> {
    let mut first_runs = std::collections::HashMap::new();
    {
        let mut stmt = tx.prepare("SELECT id, first_run FROM definitions WHERE path = ?1")?;
        let rows = stmt.query_map([path], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (id, first) = row?;
            first_runs.insert(id, first);
        }
    }
    tx.execute("DELETE FROM definitions WHERE path = ?1", [path])?;
    let mut stmt = tx.prepare(
        "INSERT OR REPLACE INTO definitions (id, system, key, locale, form, text, template, state, note, path, line, first_run, last_run)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for d in defs {
        stmt.execute(params![
            d.id,
            d.system,
            d.key,
            d.locale,
            d.form,
            d.text,
            d.template,
            d.state,
            d.note,
            d.path,
            d.line as i64,
            first_runs.get(&d.id).copied().unwrap_or(run),
            run
        ])?;
    }
    Ok(())
}

fn add_template(tx: &rusqlite::Transaction<'_>, t: &TemplateDelta) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO templates (id, system, template, key, count, first_seen, last_seen, max_raw_chars)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(id) DO UPDATE SET
             template = ?3,
             key = COALESCE(templates.key, ?4),
             count = templates.count + ?5,
             first_seen = MIN(templates.first_seen, ?6),
             last_seen = MAX(templates.last_seen, ?7),
             max_raw_chars = MAX(templates.max_raw_chars, ?8)",
        params![
            t.id,
            t.system,
            t.template,
            t.key,
            t.count as i64,
            t.first_seen,
            t.last_seen,
            t.max_raw_chars as i64
        ],
    )?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO template_days (template_id, day, count) VALUES (?1, ?2, ?3)
             ON CONFLICT(template_id, day) DO UPDATE SET count = count + ?3",
        )?;
        for (day, count) in &t.days {
            stmt.execute(params![t.id, day, *count as i64])?;
        }
    }
    {
        let have: i64 = tx.query_row(
            "SELECT COUNT(*) FROM template_samples WHERE template_id = ?1",
            [&t.id],
            |r| r.get(0),
        )?;
        let mut room = MAX_SAMPLES.saturating_sub(have as usize);
        let mut stmt = tx.prepare_cached(
            "INSERT OR IGNORE INTO template_samples (template_id, sample) VALUES (?1, ?2)",
        )?;
        for s in &t.samples {
            if room == 0 {
                break;
            }
            room -= stmt.execute(params![t.id, s])?;
        }
    }
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO template_sources (template_id, path, count, first_line) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(template_id, path) DO UPDATE SET count = count + ?3, first_line = MIN(first_line, ?4)",
        )?;
        for (path, count, line) in &t.sources {
            stmt.execute(params![t.id, path, *count as i64, *line as i64])?;
        }
    }
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO template_pii (template_id, kind, count) VALUES (?1, ?2, ?3)
             ON CONFLICT(template_id, kind) DO UPDATE SET count = count + ?3",
        )?;
        for (kind, count) in &t.pii {
            stmt.execute(params![t.id, kind.as_str(), *count as i64])?;
        }
    }
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO template_lengths (template_id, chars, utf8, utf16, sms_segments, count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(template_id, chars, utf8, utf16, sms_segments) DO UPDATE SET count = count + ?6",
        )?;
        for (l, count) in &t.lengths {
            stmt.execute(params![
                t.id,
                l.chars as i64,
                l.utf8 as i64,
                l.utf16 as i64,
                l.sms_segments as i64,
                *count as i64
            ])?;
        }
    }
    Ok(())
}

fn insert_warning(tx: &rusqlite::Transaction<'_>, run: i64, w: &Warning) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO warnings (run_id, path, line, message) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![run, w.path, w.line.map(|l| l as i64), w.message])?;
    Ok(())
}

fn now() -> String {
    chrono::Local::now().format("%Y-%m-%dT%H:%M:%S").to_string()
}
