//! The catalog: one SQLite file holding everything errata harvested.
//!
//! Writes go through [`Catalog::commit`], which applies the results of a batch of
//! files and their new read positions in one transaction: a file's content is
//! counted exactly when its position moves. The schema is in [`schema`] and in
//! `docs/catalog.md`.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, params};

use crate::model::{
    DefinitionState, Flag, FormatId, MatchKind, Role, Sightings, Warning, format_time,
};

mod changes;
mod lock;
mod query;
pub mod schema;
mod sql;

pub use changes::{Changes, ItemRef};
pub use lock::{LockError, ScanLock, lock_path};
pub use query::{DefinitionView, LimitRow, RunView, Snapshot, TemplateView};

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

/// A scanned file as stored: its identity (fingerprint, inode) and how far it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// The stored row this file continues, or `None` for a file seen for the first time.
    pub id: Option<i64>,
    pub path: String,
    pub system: String,
    pub role: Role,
    pub format: FormatId,
    pub encoding: String,
    pub dev: u64,
    pub inode: u64,
    pub size: u64,
    pub mtime: i64,
    pub fingerprint: String,
    pub fingerprint_len: usize,
    /// Hash of the whole content (definitions files, which are re-read whole when it changes).
    pub content_hash: Option<String>,
    /// Decompressed bytes consumed (end of the last complete line read).
    pub offset: u64,
    pub lines: u64,
}

impl FileRecord {
    /// A file not read yet: no identity, no position (for building batches by hand).
    pub fn unread(path: &str, system: &str, role: Role, format: FormatId) -> FileRecord {
        FileRecord {
            id: None,
            path: path.to_string(),
            system: system.to_string(),
            role,
            format,
            encoding: "UTF-8".to_string(),
            dev: 0,
            inode: 0,
            size: 0,
            mtime: 0,
            fingerprint: String::new(),
            fingerprint_len: 0,
            content_hash: None,
            offset: 0,
            lines: 0,
        }
    }
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
    pub state: DefinitionState,
    pub note: Option<String>,
    pub path: String,
    pub line: u64,
}

/// New observations of one template from one batch, to be added to the stored counts.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateDelta {
    pub id: String,
    pub system: String,
    pub template: String,
    pub key: Option<String>,
    pub seen: Sightings,
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

/// Which definition a template matches, and how (`None`s: it matches none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateMatch {
    pub template: String,
    pub definition: Option<String>,
    pub kind: Option<MatchKind>,
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

    /// A new, empty catalog in memory: `errata check` scans into one and leaves nothing behind.
    pub fn open_in_memory() -> Result<Catalog, CatalogError> {
        let open_err = |source| CatalogError::Open {
            path: ":memory:".to_string(),
            source,
        };
        let mut conn = Connection::open_in_memory().map_err(open_err)?;
        match schema::migrate(&mut conn).map_err(open_err)? {
            Ok(()) => Ok(Catalog { conn }),
            Err(message) => Err(CatalogError::Schema {
                path: ":memory:".to_string(),
                message,
            }),
        }
    }

    /// A copy in memory of the existing catalog at `path`, which is only read (never
    /// migrated or written), so a check can add to it without touching the original.
    pub fn copy_in_memory(path: &Path) -> Result<Catalog, CatalogError> {
        let display = path.display().to_string();
        let open_err = |source| CatalogError::Open {
            path: display.clone(),
            source,
        };
        let (source, _) = read_only_connection(path)?;
        let mut conn = Connection::open_in_memory().map_err(open_err)?;
        rusqlite::backup::Backup::new(&source, &mut conn)
            .and_then(|b| b.run_to_completion(256, Duration::ZERO, None))
            .map_err(open_err)?;
        match schema::migrate(&mut conn).map_err(open_err)? {
            Ok(()) => Ok(Catalog { conn }),
            Err(message) => Err(CatalogError::Schema {
                path: display,
                message,
            }),
        }
    }

    /// Opens an existing catalog for reading only: a missing file is an error, not
    /// a new catalog, and nothing is ever written (no migration, no journal mode),
    /// so product owners with read access alone can report on it.
    pub fn open_read_only(path: &Path) -> Result<Catalog, CatalogError> {
        let (conn, version) = read_only_connection(path)?;
        let known = schema::MIGRATIONS.len() as i64;
        let message = if version > known {
            format!(
                "catalog schema version {version} is newer than this errata knows ({known}); upgrade errata"
            )
        } else if version < known {
            format!(
                "catalog schema version {version} is older than this errata's ({known}): run `errata scan` once (as a user who may write it) to upgrade it"
            )
        } else {
            return Ok(Catalog { conn });
        };
        Err(CatalogError::Schema {
            path: path.display().to_string(),
            message,
        })
    }

    /// Drops every definition and schema limit (and the files they came from), so that
    /// a scan of another tree supplies them anew while observations stay.
    pub fn forget_definitions(&mut self) -> Result<(), CatalogError> {
        let tx = self.write()?;
        tx.execute_batch("DELETE FROM definitions; DELETE FROM limits;")?;
        tx.execute("DELETE FROM files WHERE role <> ?1", [Role::Observations])?;
        tx.commit()?;
        Ok(())
    }

    /// A write transaction that takes the write lock at once (`BEGIN IMMEDIATE`):
    /// a deferred one that upgrades later could fail with "database is busy"
    /// instead of waiting out the busy timeout behind a reader.
    fn write(&mut self) -> rusqlite::Result<rusqlite::Transaction<'_>> {
        self.conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
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

    /// Every file the catalog remembers.
    pub fn stored_files(&self) -> Result<Vec<FileRecord>, CatalogError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, path, system, role, format, encoding, dev, inode, size, mtime, fingerprint,
                    fingerprint_len, content_hash, offset, lines FROM files ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(FileRecord {
                id: Some(r.get(0)?),
                path: r.get(1)?,
                system: r.get(2)?,
                role: r.get(3)?,
                format: r.get(4)?,
                encoding: r.get(5)?,
                dev: r.get::<_, i64>(6)? as u64,
                inode: r.get::<_, i64>(7)? as u64,
                size: r.get::<_, i64>(8)? as u64,
                mtime: r.get(9)?,
                fingerprint: r.get(10)?,
                fingerprint_len: r.get::<_, i64>(11)? as usize,
                content_hash: r.get(12)?,
                offset: r.get::<_, i64>(13)? as u64,
                lines: r.get::<_, i64>(14)? as u64,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Forgets every observation and file position (`errata scan --full`), in one
    /// transaction: the next scan reads everything once.
    pub fn reset_observations(&mut self) -> Result<(), CatalogError> {
        let tx = self.write()?;
        tx.execute_batch(
            "DELETE FROM templates; DELETE FROM template_days; DELETE FROM template_samples;
             DELETE FROM template_sources; DELETE FROM template_pii; DELETE FROM template_lengths;
             DELETE FROM files;",
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Marks the definitions of vanished catalog files as removed in `run`.
    pub fn remove_files(&mut self, run: i64, paths: &[String]) -> Result<(), CatalogError> {
        self.write_each(paths, |tx, path| {
            tx.execute(
                "UPDATE definitions SET removed_run = ?2 WHERE path = ?1 AND removed_run IS NULL",
                params![path, run],
            )?;
            tx.execute("DELETE FROM limits WHERE path = ?1", [path])?;
            tx.execute("DELETE FROM files WHERE path = ?1", [path])?;
            Ok(())
        })
    }

    /// Applies the results of `batches` and their files' new positions in one transaction.
    pub fn commit(&mut self, run: i64, batches: &[FileBatch]) -> Result<(), CatalogError> {
        self.write_each(batches, |tx, batch| write_batch(tx, run, batch))
    }

    /// Records warnings that belong to no file batch (skipped files, discovery problems).
    pub fn add_warnings(&mut self, run: i64, warnings: &[Warning]) -> Result<(), CatalogError> {
        self.write_each(warnings, |tx, w| insert_warning(tx, run, w))
    }

    /// Writes each of `items` with `write`, all in one transaction; nothing at all
    /// (not even an empty transaction) when there are none.
    fn write_each<T>(
        &mut self,
        items: &[T],
        mut write: impl FnMut(&rusqlite::Transaction<'_>, &T) -> rusqlite::Result<()>,
    ) -> Result<(), CatalogError> {
        if items.is_empty() {
            return Ok(());
        }
        let tx = self.write()?;
        for item in items {
            write(&tx, item)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Stores which definition each template matches.
    pub fn update_matches(&mut self, matches: &[TemplateMatch]) -> Result<(), CatalogError> {
        self.write_each(matches, |tx, m| {
            tx.prepare_cached(
                "UPDATE templates SET definition_id = ?2, match_kind = ?3 WHERE id = ?1",
            )?
            .execute(params![m.template, m.definition, m.kind])?;
            Ok(())
        })
    }

    /// Stores the flags of a run (replacing any stored for it) and closes the run.
    pub fn finish_run(
        &mut self,
        run: i64,
        stats: &RunStats,
        flags: &[Flag],
    ) -> Result<(), CatalogError> {
        let tx = self.write()?;
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
        changes::record_inventory(&tx, run)?;
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
        // Fold the run's write-ahead log into the database now, while the scan is
        // the one waiting: readers and the next scan then start from a small log.
        // A run that read nothing has nothing worth the fsyncs.
        if stats.files_scanned > 0 {
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        }
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
        "INSERT INTO files (id, path, system, role, format, encoding, dev, inode, size, mtime, fingerprint,
             fingerprint_len, content_hash, offset, lines, last_run)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
         ON CONFLICT(id) DO UPDATE SET path = ?2, system = ?3, role = ?4, format = ?5, encoding = ?6,
             dev = ?7, inode = ?8, size = ?9, mtime = ?10, fingerprint = ?11, fingerprint_len = ?12,
             content_hash = ?13, offset = ?14, lines = ?15, last_run = ?16",
        params![
            f.id,
            f.path,
            f.system,
            f.role,
            f.format,
            f.encoding,
            f.dev as i64,
            f.inode as i64,
            f.size as i64,
            f.mtime,
            f.fingerprint,
            f.fingerprint_len as i64,
            f.content_hash,
            f.offset as i64,
            f.lines as i64,
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
                l.unit.unit(),
                l.unit.encoding().map(|e| e.label()),
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

/// Brings a file's definitions up to date: changed ones are updated in place,
/// new ones added, and those no longer in the file marked removed (not deleted:
/// their history stays queryable).
fn replace_definitions(
    tx: &rusqlite::Transaction<'_>,
    run: i64,
    path: &str,
    defs: &[DefinitionRow],
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE definitions SET removed_run = ?2 WHERE path = ?1 AND removed_run IS NULL",
        params![path, run],
    )?;
    let mut stmt = tx.prepare(
        "INSERT INTO definitions (id, system, key, locale, form, text, template, state, note, path, line, first_run, last_run)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)
         ON CONFLICT(id) DO UPDATE SET system = ?2, key = ?3, locale = ?4, form = ?5, text = ?6,
             template = ?7, state = ?8, note = ?9, path = ?10, line = ?11, last_run = ?12,
             removed_run = NULL",
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
            run
        ])?;
    }
    Ok(())
}

fn add_template(tx: &rusqlite::Transaction<'_>, t: &TemplateDelta) -> rusqlite::Result<()> {
    let seen = &t.seen;
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
            seen.count as i64,
            format_time(seen.first_seen),
            format_time(seen.last_seen),
            seen.max_raw_chars() as i64
        ],
    )?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO template_days (template_id, day, count) VALUES (?1, ?2, ?3)
             ON CONFLICT(template_id, day) DO UPDATE SET count = count + ?3",
        )?;
        for (day, count) in &seen.days {
            stmt.execute(params![t.id, day.to_string(), *count as i64])?;
        }
    }
    {
        let have: i64 = tx.query_row(
            "SELECT COUNT(*) FROM template_samples WHERE template_id = ?1",
            [&t.id],
            |r| r.get(0),
        )?;
        let mut room = crate::model::MAX_SAMPLES.saturating_sub(have as usize);
        let mut stmt = tx.prepare_cached(
            "INSERT OR IGNORE INTO template_samples (template_id, sample) VALUES (?1, ?2)",
        )?;
        for s in &seen.samples {
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
        for (path, s) in &seen.sources {
            stmt.execute(params![t.id, path, s.count as i64, s.first_line as i64])?;
        }
    }
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO template_pii (template_id, kind, count) VALUES (?1, ?2, ?3)
             ON CONFLICT(template_id, kind) DO UPDATE SET count = count + ?3",
        )?;
        for (kind, count) in &seen.pii {
            stmt.execute(params![t.id, kind, *count as i64])?;
        }
    }
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO template_lengths (template_id, chars, utf8, utf16, sms_segments, count)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(template_id, chars, utf8, utf16, sms_segments) DO UPDATE SET count = count + ?6",
        )?;
        for (l, count) in &seen.lengths {
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

/// A connection that only reads the existing catalog at `path`, with its schema
/// version.
///
/// A WAL-mode database needs its `-shm` file to be read; SQLite creates it when
/// the folder is writable, and deletes it when the last writer closes. When the
/// folder is not writable and no scan is running (no `-wal` file), the catalog is
/// opened as immutable: nobody is changing it, so no lock is needed.
fn read_only_connection(path: &Path) -> Result<(Connection, i64), CatalogError> {
    let display = path.display().to_string();
    if !path.is_file() {
        return Err(CatalogError::Schema {
            path: display,
            message: "no catalog here (run `errata scan` first)".to_string(),
        });
    }
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
        | rusqlite::OpenFlags::SQLITE_OPEN_URI;
    let open = |uri: &str| -> rusqlite::Result<(Connection, i64)> {
        let conn = Connection::open_with_flags(uri, flags)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        let version = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        Ok((conn, version))
    };
    let uri = format!("file:{}", uri_path(path));
    match open(&uri) {
        Err(e) if !wal_path(path).exists() && is_cant_open(&e) => {
            open(&format!("{uri}?immutable=1"))
        }
        other => other,
    }
    .map_err(|source| CatalogError::Open {
        path: display,
        source,
    })
}

/// The write-ahead log beside a catalog.
fn wal_path(db: &Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push("-wal");
    std::path::PathBuf::from(name)
}

/// SQLite could not open a file it needs (a `-shm` it may not create).
fn is_cant_open(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly)
    )
}

/// A path as the path part of an SQLite `file:` URI (`%`, `?`, `#` escaped).
fn uri_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = String::new();
    for c in absolute.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

fn now() -> String {
    format_time(chrono::Local::now().naive_local())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Another process writing the catalog (a report tool, a second catalog user)
    /// makes a scan wait out the busy timeout, never fail with "database is busy".
    #[test]
    fn writes_wait_for_another_writer_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("errata.db");
        let mut catalog = Catalog::open(&path).unwrap();
        let run = catalog.begin_run("2024-06-30").unwrap();
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch("BEGIN IMMEDIATE; INSERT INTO systems (name) VALUES ('other');")
            .unwrap();
        let holder = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            other.execute_batch("COMMIT").unwrap();
        });
        let batch = FileBatch {
            file: FileRecord::unread("abs/a.log", "abs", Role::Observations, FormatId::LogLines),
            definitions: None,
            limits: None,
            templates: Vec::new(),
            warnings: vec![Warning::new("abs/a.log", Some(1), "bad line")],
        };
        catalog.commit(run, &[batch]).unwrap();
        holder.join().unwrap();
        let systems: i64 = catalog
            .connection()
            .query_row("SELECT COUNT(*) FROM systems", [], |r| r.get(0))
            .unwrap();
        assert_eq!(systems, 2);
    }
}
