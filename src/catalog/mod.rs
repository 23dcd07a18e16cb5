//! The catalog: everything errata harvested, in SQLite (one file, the embedded
//! default) or PostgreSQL (one central catalog that many hosts feed).
//!
//! [`Catalog`] is the one interface; which database is behind it is the business
//! of [`db`] and [`schema`] alone, and the SQL is written once for both. The
//! catalog keeps what was *harvested*: files and their read positions per host,
//! definitions with each host's file as provenance, field limits, and
//! observations as masked-text groups with per-host counts (which add up, so
//! hosts' catalogs merge in any order, see [`push`]). What is *derived* from
//! them — templates mined from the groups, which definition each template
//! matches, flags — is recomputed when a run settles.
//!
//! Writes of a scan go through [`Catalog::commit`], which applies the results of
//! a batch of files and their new read positions in one transaction: a file's
//! content is counted exactly when its position moves. The tables are described
//! in `docs/catalog.md`.

use std::path::Path;
use std::time::Duration;

use crate::model::{
    DefinitionState, Flag, FormatId, MatchKind, Role, Sightings, Warning, format_time,
};

mod changes;
pub mod db;
mod lock;
pub mod push;
mod query;
pub mod schema;
mod target;
mod write;

pub use changes::{Changes, ItemRef};
pub use lock::{LockError, ScanLock, lock_path};
pub use push::PushOutcome;
pub use query::{DefinitionView, LimitRow, RunView, Snapshot, TemplateView};
pub use target::{Target, TargetError};

use db::{Db, DbError, Mode, Postgres};

/// A catalog that cannot be opened or written: exit code 2, nothing written.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{target}: cannot open catalog: {error}")]
    Open { target: String, error: DbError },
    #[error("{target}: {message}")]
    Schema { target: String, message: String },
    #[error("{target}: {error}")]
    Db { target: String, error: DbError },
    #[error(transparent)]
    Lock(LockError),
}

/// Why a catalog could not be opened for a host's scan.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Another scan of the host holds the lock: exit code 3.
    #[error(transparent)]
    Busy(LockError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
}

impl From<LockError> for OpenError {
    fn from(e: LockError) -> OpenError {
        match e {
            LockError::Busy { .. } => OpenError::Busy(e),
            other => OpenError::Catalog(CatalogError::Lock(other)),
        }
    }
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

/// A definition as stored. `path` and `line` say where it is written: in a
/// batch, the file being committed; in a snapshot, the first live copy (by host,
/// then path) when several hosts deploy the same file.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionRow {
    pub id: String,
    pub system: String,
    pub key: String,
    pub locale: Option<String>,
    pub form: Option<String>,
    pub text: String,
    /// The text as written, when a formatter's quoting was undone (MessageFormat).
    pub raw: Option<String>,
    pub template: String,
    pub state: DefinitionState,
    pub note: Option<String>,
    pub path: String,
    pub line: u64,
    /// The fields a program text passes through ([`crate::model::Definition::flow`]).
    pub flow: Vec<crate::model::FieldHop>,
}

/// A stored template as a miner starts from it: `(key, id, template)`.
pub type StoredTemplate = (Option<String>, String, String);

/// The observations of one masked text (with the key it carried) from one batch,
/// added to what the catalog holds for it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDelta {
    /// [`group_id`] of system, key and text.
    pub id: String,
    pub system: String,
    pub key: Option<String>,
    /// The masked text.
    pub text: String,
    pub seen: Sightings,
}

/// The id of a masked text's group: stable, the same on every host.
pub fn group_id(system: &str, key: Option<&str>, text: &str) -> String {
    let mut bytes = Vec::with_capacity(system.len() + text.len() + 8);
    bytes.extend_from_slice(system.as_bytes());
    bytes.push(0);
    if let Some(key) = key {
        bytes.extend_from_slice(key.as_bytes());
    }
    bytes.push(0);
    bytes.extend_from_slice(text.as_bytes());
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes))
}

/// Everything one file contributed, committed together with its new position.
#[derive(Debug, Clone)]
pub struct FileBatch {
    pub file: FileRecord,
    /// For a definitions file: its complete current definitions (replacing the old ones).
    pub definitions: Option<Vec<DefinitionRow>>,
    /// For a schema file: its complete current field limits.
    pub limits: Option<Vec<LimitRow>>,
    pub groups: Vec<GroupDelta>,
    pub warnings: Vec<Warning>,
}

/// Which definition a template matches, and how (`None`s: it matches none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateMatch {
    pub template: String,
    pub definition: Option<String>,
    pub kind: Option<MatchKind>,
}

/// A masked text waiting for its template: mined when the run settles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsettled {
    pub group: String,
    pub key: Option<String>,
    pub text: String,
}

/// The template a group joined, as the miner gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub group: String,
    pub system: String,
    pub key: Option<String>,
    pub template_id: String,
    pub template: String,
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

/// A catalog opened for reading and writing.
pub struct Catalog {
    db: Db,
    target: String,
    /// The scan lock of a SQLite catalog, held while a host scans it.
    lock: Option<ScanLock>,
}

/// The session lock a host's scan holds on a PostgreSQL catalog (any constant
/// of errata's own, combined with the host's name).
const HOST_LOCK: &str = "errata scan of host ";
/// The session lock a settling run holds on a PostgreSQL catalog: mining and
/// matching happen one run at a time, whichever host started them.
const SETTLE_LOCK: i64 = 0x6572_7261_7461_0002;

impl Catalog {
    /// Opens (creating if needed) and migrates the catalog at `target`.
    pub fn open(target: &Target) -> Result<Catalog, CatalogError> {
        let shown = target.to_string();
        let open_err = |error: DbError| CatalogError::Open {
            target: shown.clone(),
            error,
        };
        let db = match target {
            Target::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).map_err(|e| open_err(e.into()))?;
                conn.busy_timeout(Duration::from_secs(30))
                    .map_err(|e| open_err(e.into()))?;
                conn.pragma_update(None, "journal_mode", "WAL")
                    .map_err(|e| open_err(e.into()))?;
                conn.pragma_update(None, "synchronous", "NORMAL")
                    .map_err(|e| open_err(e.into()))?;
                Db::Sqlite(conn)
            }
            Target::Postgres(pg) => Db::Postgres(Box::new(Postgres::new(
                pg.config
                    .connect(postgres::NoTls)
                    .map_err(|e| open_err(e.into()))?,
            ))),
        };
        Catalog::migrated(db, shown)
    }

    /// A new, empty catalog in memory: `errata check` scans into one and leaves nothing behind.
    pub fn open_in_memory() -> Result<Catalog, CatalogError> {
        let conn = rusqlite::Connection::open_in_memory().map_err(|e| CatalogError::Open {
            target: ":memory:".to_string(),
            error: e.into(),
        })?;
        Catalog::migrated(Db::Sqlite(conn), ":memory:".to_string())
    }

    fn migrated(mut db: Db, target: String) -> Result<Catalog, CatalogError> {
        match schema::migrate(&mut db) {
            Ok(Ok(())) => Ok(Catalog {
                db,
                target,
                lock: None,
            }),
            Ok(Err(message)) => Err(CatalogError::Schema { target, message }),
            Err(error) => Err(CatalogError::Open { target, error }),
        }
    }

    /// A copy in memory of the existing catalog at `target`, which is only read
    /// (never migrated or written), so a check can add to it without touching it.
    pub fn copy_in_memory(target: &Target) -> Result<Catalog, CatalogError> {
        let mut source = Catalog::open_read_only(target)?;
        let mut copy = Catalog::open_in_memory()?;
        push::copy_all(&mut source, &mut copy)?;
        Ok(copy)
    }

    /// Opens an existing catalog for reading only: a missing file is an error,
    /// not a new catalog, and nothing is ever written (no migration, no journal
    /// mode), so product owners with read access alone can report on it.
    pub fn open_read_only(target: &Target) -> Result<Catalog, CatalogError> {
        let shown = target.to_string();
        let mut db = match target {
            Target::Sqlite(path) => Db::Sqlite(read_only_connection(path)?),
            Target::Postgres(pg) => {
                let client =
                    pg.config
                        .connect(postgres::NoTls)
                        .map_err(|e| CatalogError::Open {
                            target: shown.clone(),
                            error: e.into(),
                        })?;
                Db::Postgres(Box::new(Postgres::new(client)))
            }
        };
        let version = db
            .transaction(Mode::Read, schema::version)
            .map_err(|error| CatalogError::Open {
                target: shown.clone(),
                error,
            })?;
        let known = schema::current(&db);
        let message = if version == 0 {
            "no catalog here (run `errata scan` first)".to_string()
        } else if version > known {
            schema::newer(version, known)
        } else if version < known {
            format!(
                "catalog schema version {version} is older than this errata's ({known}): run `errata scan` once (as a user who may write it) to upgrade it"
            )
        } else {
            return Ok(Catalog {
                db,
                target: shown,
                lock: None,
            });
        };
        Err(CatalogError::Schema {
            target: shown,
            message,
        })
    }

    /// The catalog as shown in messages (a path, or a URL without password).
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Whether the catalog is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        self.db.is_postgres()
    }

    /// Opens the catalog at `target` for a scan (or push) of `host`, holding the
    /// host's scan lock until the catalog is dropped: one scan at a time per host
    /// (a SQLite catalog is one host's: one scan at a time), while other hosts
    /// scan into a PostgreSQL catalog freely. Taken without waiting (a busy lock
    /// is [`OpenError::Busy`]); released by the OS or the server if the scan dies.
    pub fn open_for_host(target: &Target, host: &str) -> Result<Catalog, OpenError> {
        match target {
            Target::Sqlite(path) => {
                // Locked before the catalog is even opened: a second scan exits
                // without touching it.
                let lock = ScanLock::acquire(path)?;
                let mut catalog = Catalog::open(target)?;
                catalog.lock = Some(lock);
                Ok(catalog)
            }
            Target::Postgres(_) => {
                let mut catalog = Catalog::open(target)?;
                let key = format!("{HOST_LOCK}{host}");
                let taken: i64 = catalog.run(Mode::Write, |tx| {
                    tx.query_one(
                        "SELECT pg_try_advisory_lock(hashtextextended($1, 0))",
                        &[&key],
                    )?
                    .get(0)
                })?;
                if taken == 1 {
                    Ok(catalog)
                } else {
                    Err(OpenError::Busy(LockError::Busy {
                        path: format!("{} (host {host})", catalog.target),
                    }))
                }
            }
        }
    }

    /// Runs `f` while no other run settles this catalog (PostgreSQL: a session
    /// advisory lock; SQLite has one writer anyway).
    pub fn settling<T>(
        &mut self,
        f: impl FnOnce(&mut Catalog) -> Result<T, CatalogError>,
    ) -> Result<T, CatalogError> {
        if !self.db.is_postgres() {
            return f(self);
        }
        self.run(Mode::Write, |tx| {
            tx.query("SELECT pg_advisory_lock($1)", &[&SETTLE_LOCK])
                .map(drop)
        })?;
        let out = f(self);
        let unlocked = self.run(Mode::Write, |tx| {
            tx.query("SELECT pg_advisory_unlock($1)", &[&SETTLE_LOCK])
                .map(drop)
        });
        let out = out?;
        unlocked?;
        Ok(out)
    }

    /// Runs one transaction; a database error names the catalog.
    fn run<T>(
        &mut self,
        mode: Mode,
        f: impl FnOnce(&mut db::Tx<'_>) -> Result<T, DbError>,
    ) -> Result<T, CatalogError> {
        let target = &self.target;
        self.db
            .transaction(mode, f)
            .map_err(|error| CatalogError::Db {
                target: target.clone(),
                error,
            })
    }

    /// Starts a run of `host` and returns its id. Rows of a catalog written before
    /// hosts existed (host `''`) become this host's.
    pub fn begin_run(&mut self, as_of: &str, host: &str) -> Result<i64, CatalogError> {
        self.run(Mode::Write, |tx| write::adopt_unowned(tx, host))?;
        self.run(Mode::Write, |tx| {
            tx.query_one(
                "INSERT INTO scan_runs (host, started_at, as_of) VALUES ($1, $2, $3) RETURNING id",
                &[&host, &now(), &as_of],
            )?
            .get(0)
        })
    }

    /// Every file `host` scanned into the catalog.
    pub fn stored_files(&mut self, host: &str) -> Result<Vec<FileRecord>, CatalogError> {
        self.run(Mode::Read, |tx| write::stored_files(tx, host))
    }

    /// Forgets every observation and file position of `host` (`errata scan
    /// --full`), in one transaction: the next scan reads everything once, and the
    /// catalog then equals a fresh scan's.
    pub fn reset_observations(&mut self, host: &str) -> Result<(), CatalogError> {
        self.run(Mode::Write, |tx| write::reset_observations(tx, host))
    }

    /// Drops every definition and schema limit (and the files they came from), so
    /// that a scan of another tree supplies them anew while observations stay.
    pub fn forget_definitions(&mut self) -> Result<(), CatalogError> {
        self.run(Mode::Write, write::forget_definitions)
    }

    /// Marks the definitions and limits of `host`'s vanished catalog files as removed.
    pub fn remove_files(
        &mut self,
        run: i64,
        host: &str,
        paths: &[String],
    ) -> Result<(), CatalogError> {
        if paths.is_empty() {
            return Ok(());
        }
        self.run(Mode::Write, |tx| {
            for path in paths {
                write::remove_file(tx, run, host, path)?;
            }
            Ok(())
        })
    }

    /// Applies the results of `batches` of `host` and their files' new positions
    /// in one transaction.
    pub fn commit(
        &mut self,
        run: i64,
        host: &str,
        batches: &[FileBatch],
    ) -> Result<(), CatalogError> {
        if batches.is_empty() {
            return Ok(());
        }
        self.run(Mode::Write, |tx| {
            for batch in batches {
                write::batch(tx, run, host, batch)?;
            }
            Ok(())
        })
    }

    /// Records warnings that belong to no file batch (skipped files, discovery problems).
    pub fn add_warnings(&mut self, run: i64, warnings: &[Warning]) -> Result<(), CatalogError> {
        if warnings.is_empty() {
            return Ok(());
        }
        self.run(Mode::Write, |tx| {
            for w in warnings {
                write::warning(tx, run, w)?;
            }
            Ok(())
        })
    }

    /// Systems with groups waiting for a template, by name.
    pub fn unsettled_systems(&mut self) -> Result<Vec<String>, CatalogError> {
        let mut systems = self.run(Mode::Read, |tx| {
            tx.query(
                "SELECT DISTINCT system FROM groups WHERE template_id IS NULL",
                &[],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect::<Result<Vec<String>, _>>()
        })?;
        systems.sort();
        Ok(systems)
    }

    /// A system's groups waiting for a template, in the canonical order mining
    /// uses (text, then key, by code point): the same whichever host sent them
    /// first, and whatever collation the database sorts text in.
    pub fn unsettled(&mut self, system: &str) -> Result<Vec<Unsettled>, CatalogError> {
        let mut groups = self.run(Mode::Read, |tx| {
            tx.query(
                "SELECT id, key, text FROM groups WHERE system = $1 AND template_id IS NULL",
                &[&system],
            )?
            .iter()
            .map(|r| {
                Ok(Unsettled {
                    group: r.get(0)?,
                    key: r.get(1)?,
                    text: r.get(2)?,
                })
            })
            .collect::<Result<Vec<_>, DbError>>()
        })?;
        groups.sort_by(|a, b| (&a.text, &a.key, &a.group).cmp(&(&b.text, &b.key, &b.group)));
        Ok(groups)
    }

    /// The stored templates of one system as `(key, id, template)`, by key and
    /// id, so a miner of each key can start from them and keep their ids.
    pub fn templates_of(&mut self, system: &str) -> Result<Vec<StoredTemplate>, CatalogError> {
        let mut templates = self.run(Mode::Read, |tx| {
            tx.query(
                "SELECT key, id, template FROM templates WHERE system = $1",
                &[&system],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .collect::<Result<Vec<StoredTemplate>, DbError>>()
        })?;
        templates.sort();
        Ok(templates)
    }

    /// Stores the templates groups joined (a template's text follows its latest
    /// generalisation) and ties each group to its template.
    pub fn settle(&mut self, settled: &[Settled]) -> Result<(), CatalogError> {
        if settled.is_empty() {
            return Ok(());
        }
        self.run(Mode::Write, |tx| write::settle(tx, settled))
    }

    /// Stores which definition each template matches.
    pub fn update_matches(&mut self, matches: &[TemplateMatch]) -> Result<(), CatalogError> {
        if matches.is_empty() {
            return Ok(());
        }
        self.run(Mode::Write, |tx| {
            for m in matches {
                tx.execute(
                    "UPDATE templates SET definition_id = $2, match_kind = $3 WHERE id = $1",
                    &[&m.template, &m.definition, &m.kind],
                )?;
            }
            Ok(())
        })
    }

    /// Stores the flags of a run (replacing any stored for it), what the catalog
    /// holds after it (for "changed since the previous scan"), and closes the run.
    pub fn finish_run(
        &mut self,
        run: i64,
        stats: &RunStats,
        flags: &[Flag],
    ) -> Result<(), CatalogError> {
        self.run(Mode::Write, |tx| write::finish_run(tx, run, stats, flags))?;
        // Fold the run's write-ahead log into the database now, while the scan is
        // the one waiting: readers and the next scan then start from a small log.
        // A run that read nothing has nothing worth the fsyncs.
        if let Db::Sqlite(conn) = &self.db
            && stats.files_scanned > 0
        {
            conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .map_err(|e| CatalogError::Db {
                    target: self.target.clone(),
                    error: e.into(),
                })?;
        }
        Ok(())
    }
}

/// A connection that only reads the existing SQLite catalog at `path`.
///
/// A WAL-mode database needs its `-shm` file to be read; SQLite creates it when
/// the folder is writable, and deletes it when the last writer closes. When the
/// folder is not writable and no scan is running (no `-wal` file), the catalog is
/// opened as immutable: nobody is changing it, so no lock is needed.
fn read_only_connection(path: &Path) -> Result<rusqlite::Connection, CatalogError> {
    let shown = path.display().to_string();
    if !path.is_file() {
        return Err(CatalogError::Schema {
            target: shown,
            message: "no catalog here (run `errata scan` first)".to_string(),
        });
    }
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
        | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX
        | rusqlite::OpenFlags::SQLITE_OPEN_URI;
    let open = |uri: &str| -> rusqlite::Result<rusqlite::Connection> {
        let conn = rusqlite::Connection::open_with_flags(uri, flags)?;
        conn.busy_timeout(Duration::from_secs(30))?;
        // The first read is where a missing `-shm` shows.
        conn.query_row("PRAGMA user_version", [], |_| Ok(()))?;
        Ok(conn)
    };
    let uri = format!("file:{}", uri_path(path));
    match open(&uri) {
        Err(e) if !wal_path(path).exists() && is_cant_open(&e) => {
            open(&format!("{uri}?immutable=1"))
        }
        other => other,
    }
    .map_err(|error| CatalogError::Open {
        target: shown,
        error: error.into(),
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
