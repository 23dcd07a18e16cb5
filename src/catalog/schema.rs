//! The catalog schema and its migrations, for both databases.
//!
//! Each migration is one SQL batch applied in one transaction together with the
//! version bump, so a catalog is always at exactly one version. SQLite keeps the
//! version in `PRAGMA user_version`, PostgreSQL in the one-row table
//! `errata_schema`, and a PostgreSQL migration holds an advisory lock so that
//! twenty hosts starting at once migrate once. To change the schema, append a
//! migration to both lists; never edit a released one. SQLite catalogs have a
//! history (versions 1–3 predate PostgreSQL); a PostgreSQL catalog starts at the
//! current design. `docs/catalog.md` describes the tables.

use super::Db;
use super::db::{DbError, Mode, Tx};

/// SQLite migrations in order; the catalog's `user_version` is how many were applied.
pub const SQLITE: &[&str] = &[
    // 1: the skeleton catalog.
    r#"
    CREATE TABLE systems (
        name TEXT PRIMARY KEY
    );
    CREATE TABLE files (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        system TEXT NOT NULL,
        role TEXT NOT NULL,
        format TEXT NOT NULL,
        encoding TEXT NOT NULL,
        dev INTEGER NOT NULL,
        inode INTEGER NOT NULL,
        size INTEGER NOT NULL,
        mtime INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        fingerprint_len INTEGER NOT NULL,
        content_hash TEXT,
        offset INTEGER NOT NULL,
        lines INTEGER NOT NULL,
        last_run INTEGER NOT NULL
    );
    CREATE INDEX files_by_path ON files(path);
    CREATE TABLE definitions (
        id TEXT PRIMARY KEY,
        system TEXT NOT NULL,
        key TEXT NOT NULL,
        locale TEXT,
        form TEXT,
        text TEXT NOT NULL,
        template TEXT NOT NULL,
        state TEXT NOT NULL,
        note TEXT,
        path TEXT NOT NULL,
        line INTEGER NOT NULL,
        first_run INTEGER NOT NULL,
        last_run INTEGER NOT NULL,
        removed_run INTEGER
    );
    CREATE INDEX definitions_by_file ON definitions(path);
    CREATE INDEX definitions_by_key ON definitions(system, key);
    CREATE TABLE templates (
        id TEXT PRIMARY KEY,
        system TEXT NOT NULL,
        template TEXT NOT NULL,
        key TEXT,
        count INTEGER NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        max_raw_chars INTEGER NOT NULL,
        definition_id TEXT,
        match_kind TEXT
    );
    CREATE TABLE template_days (
        template_id TEXT NOT NULL,
        day TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (template_id, day)
    );
    CREATE TABLE template_samples (
        template_id TEXT NOT NULL,
        sample TEXT NOT NULL,
        PRIMARY KEY (template_id, sample)
    );
    CREATE TABLE template_sources (
        template_id TEXT NOT NULL,
        path TEXT NOT NULL,
        count INTEGER NOT NULL,
        first_line INTEGER NOT NULL,
        PRIMARY KEY (template_id, path)
    );
    CREATE TABLE template_pii (
        template_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (template_id, kind)
    );
    CREATE TABLE limits (
        system TEXT NOT NULL,
        field TEXT NOT NULL,
        max INTEGER NOT NULL,
        unit TEXT NOT NULL,
        encoding TEXT,
        path TEXT NOT NULL,
        line INTEGER NOT NULL
    );
    CREATE INDEX limits_by_file ON limits(path);
    CREATE TABLE scan_runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        as_of TEXT NOT NULL,
        files_scanned INTEGER NOT NULL DEFAULT 0,
        files_unchanged INTEGER NOT NULL DEFAULT 0,
        files_skipped INTEGER NOT NULL DEFAULT 0,
        records INTEGER NOT NULL DEFAULT 0,
        definitions INTEGER NOT NULL DEFAULT 0,
        observations INTEGER NOT NULL DEFAULT 0,
        templates INTEGER NOT NULL DEFAULT 0,
        warnings INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE warnings (
        run_id INTEGER NOT NULL,
        path TEXT NOT NULL,
        line INTEGER,
        message TEXT NOT NULL
    );
    CREATE TABLE flags (
        run_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        system TEXT NOT NULL,
        key TEXT,
        template_id TEXT,
        message TEXT NOT NULL,
        evidence TEXT NOT NULL,
        suppressed TEXT
    );
    CREATE INDEX flags_by_run ON flags(run_id);
    "#,
    // 2: what each of the last two finished runs held, for "changed since the previous scan".
    r#"
    CREATE TABLE run_items (
        run_id INTEGER NOT NULL,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        system TEXT NOT NULL,
        label TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (run_id, kind, id)
    );
    -- 1 once the run's inventory is recorded (an empty catalog has no items).
    ALTER TABLE scan_runs ADD COLUMN inventory INTEGER NOT NULL DEFAULT 0;
    "#,
    // 3: lengths of raw observed instances, for field-limit and truncation flags.
    // A histogram by (chars, UTF-8 bytes, UTF-16 units, SMS segments): lengths only.
    r#"
    CREATE TABLE template_lengths (
        template_id TEXT NOT NULL,
        chars INTEGER NOT NULL,
        utf8 INTEGER NOT NULL,
        utf16 INTEGER NOT NULL,
        sms_segments INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (template_id, chars, utf8, utf16, sms_segments)
    );
    "#,
    // 4: many hosts, one catalog. Observations are kept per masked text (a group)
    // and per host, so that hosts' catalogs merge by adding up and templates are
    // mined from groups; definitions and limits keep each host's file as
    // provenance; files and runs belong to a host. Rows of catalogs written
    // before hosts existed get host '' and are adopted by the next scan's host.
    r#"
    ALTER TABLE files ADD COLUMN host TEXT NOT NULL DEFAULT '';
    DROP INDEX files_by_path;
    CREATE INDEX files_by_host_path ON files(host, path);
    ALTER TABLE scan_runs ADD COLUMN host TEXT NOT NULL DEFAULT '';

    CREATE TABLE definition_sources (
        definition_id TEXT NOT NULL,
        host TEXT NOT NULL,
        path TEXT NOT NULL,
        line INTEGER NOT NULL,
        removed_run INTEGER,
        PRIMARY KEY (definition_id, host, path)
    );
    INSERT INTO definition_sources (definition_id, host, path, line, removed_run)
        SELECT id, '', path, line, removed_run FROM definitions;
    CREATE INDEX definition_sources_by_file ON definition_sources(host, path);
    CREATE TABLE definitions_v4 (
        id TEXT PRIMARY KEY,
        system TEXT NOT NULL,
        key TEXT NOT NULL,
        locale TEXT,
        form TEXT,
        text TEXT NOT NULL,
        template TEXT NOT NULL,
        state TEXT NOT NULL,
        note TEXT,
        first_run INTEGER NOT NULL,
        last_run INTEGER NOT NULL,
        removed_run INTEGER
    );
    INSERT INTO definitions_v4
        SELECT id, system, key, locale, form, text, template, state, note, first_run, last_run, removed_run
        FROM definitions;
    DROP TABLE definitions;
    ALTER TABLE definitions_v4 RENAME TO definitions;
    CREATE INDEX definitions_by_key ON definitions(system, key);

    ALTER TABLE limits ADD COLUMN host TEXT NOT NULL DEFAULT '';
    ALTER TABLE limits ADD COLUMN removed_run INTEGER;
    DROP INDEX limits_by_file;
    CREATE INDEX limits_by_file ON limits(host, path);

    CREATE TABLE groups (
        id TEXT PRIMARY KEY,
        system TEXT NOT NULL,
        key TEXT,
        text TEXT NOT NULL,
        template_id TEXT
    );
    CREATE INDEX groups_unsettled ON groups(system) WHERE template_id IS NULL;
    CREATE INDEX groups_by_template ON groups(template_id);
    CREATE TABLE group_hosts (
        group_id TEXT NOT NULL,
        host TEXT NOT NULL,
        count INTEGER NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        changed_run INTEGER NOT NULL,
        PRIMARY KEY (group_id, host)
    );
    CREATE INDEX group_hosts_by_run ON group_hosts(host, changed_run);
    CREATE TABLE group_days (
        group_id TEXT NOT NULL,
        host TEXT NOT NULL,
        day TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (group_id, host, day)
    );
    CREATE TABLE group_sources (
        group_id TEXT NOT NULL,
        host TEXT NOT NULL,
        path TEXT NOT NULL,
        count INTEGER NOT NULL,
        first_line INTEGER NOT NULL,
        PRIMARY KEY (group_id, host, path)
    );
    CREATE TABLE group_pii (
        group_id TEXT NOT NULL,
        host TEXT NOT NULL,
        kind TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (group_id, host, kind)
    );
    CREATE TABLE group_lengths (
        group_id TEXT NOT NULL,
        host TEXT NOT NULL,
        chars INTEGER NOT NULL,
        utf8 INTEGER NOT NULL,
        utf16 INTEGER NOT NULL,
        sms_segments INTEGER NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (group_id, host, chars, utf8, utf16, sms_segments)
    );
    -- Each stored template becomes one group of itself, seen on host ''.
    INSERT INTO groups (id, system, key, text, template_id)
        SELECT id, system, key, template, id FROM templates;
    INSERT INTO group_hosts (group_id, host, count, first_seen, last_seen, changed_run)
        SELECT id, '', count, first_seen, last_seen, 0 FROM templates;
    INSERT INTO group_days SELECT template_id, '', day, count FROM template_days;
    INSERT INTO group_sources SELECT template_id, '', path, count, first_line FROM template_sources;
    INSERT INTO group_pii SELECT template_id, '', kind, count FROM template_pii;
    INSERT INTO group_lengths
        SELECT template_id, '', chars, utf8, utf16, sms_segments, count FROM template_lengths;
    DROP TABLE template_days;
    DROP TABLE template_samples;
    DROP TABLE template_sources;
    DROP TABLE template_pii;
    DROP TABLE template_lengths;
    CREATE TABLE templates_v4 (
        id TEXT PRIMARY KEY,
        system TEXT NOT NULL,
        template TEXT NOT NULL,
        key TEXT,
        definition_id TEXT,
        match_kind TEXT
    );
    INSERT INTO templates_v4
        SELECT id, system, template, key, definition_id, match_kind FROM templates;
    DROP TABLE templates;
    ALTER TABLE templates_v4 RENAME TO templates;
    CREATE INDEX templates_by_system ON templates(system);
    CREATE INDEX warnings_by_run ON warnings(run_id);

    -- What a template was seen as, summed over its groups and hosts (for
    -- `sqlite3`/`psql` users; errata's own reads sum the same way).
    CREATE VIEW template_totals AS
        SELECT t.id, t.system, t.template, t.key, t.definition_id, t.match_kind,
               CAST(SUM(h.count) AS BIGINT) AS count, MIN(h.first_seen) AS first_seen,
               MAX(h.last_seen) AS last_seen
        FROM templates t
        JOIN groups g ON g.template_id = t.id
        JOIN group_hosts h ON h.group_id = g.id
        GROUP BY t.id, t.system, t.template, t.key, t.definition_id, t.match_kind;
    CREATE VIEW template_days AS
        SELECT g.template_id, d.day, CAST(SUM(d.count) AS BIGINT) AS count
        FROM group_days d JOIN groups g ON g.id = d.group_id
        WHERE g.template_id IS NOT NULL GROUP BY g.template_id, d.day;
    CREATE VIEW template_sources AS
        SELECT g.template_id, s.path, CAST(SUM(s.count) AS BIGINT) AS count, MIN(s.first_line) AS first_line
        FROM group_sources s JOIN groups g ON g.id = s.group_id
        WHERE g.template_id IS NOT NULL GROUP BY g.template_id, s.path;
    CREATE VIEW template_pii AS
        SELECT g.template_id, p.kind, CAST(SUM(p.count) AS BIGINT) AS count
        FROM group_pii p JOIN groups g ON g.id = p.group_id
        WHERE g.template_id IS NOT NULL GROUP BY g.template_id, p.kind;
    CREATE VIEW template_lengths AS
        SELECT g.template_id, l.chars, l.utf8, l.utf16, l.sms_segments, CAST(SUM(l.count) AS BIGINT) AS count
        FROM group_lengths l JOIN groups g ON g.id = l.group_id
        WHERE g.template_id IS NOT NULL
        GROUP BY g.template_id, l.chars, l.utf8, l.utf16, l.sms_segments;

    -- What a catalog last pushed to each destination: groups changed after it are sent.
    CREATE TABLE pushes (
        destination TEXT PRIMARY KEY,
        last_run INTEGER NOT NULL
    );
    "#,
    // 5: the text of a definition as written, when a formatter's quoting was
    // undone (MessageFormat's `''`): provenance beside the runtime text.
    "ALTER TABLE definitions ADD COLUMN raw TEXT;",
    // 6: the fields a program text passes through (JSON list of `FieldHop`),
    // for the length checks along the chain (issue #10).
    "ALTER TABLE definitions ADD COLUMN flow TEXT;",
];

/// PostgreSQL migrations in order; `errata_schema.version` is how many were applied.
pub const POSTGRES: &[&str] = &[
    // 1: the catalog as SQLite's version 4 has it.
    r#"
    CREATE TABLE systems (name TEXT PRIMARY KEY);
    CREATE TABLE files (
        id BIGSERIAL PRIMARY KEY,
        host TEXT NOT NULL,
        path TEXT NOT NULL,
        system TEXT NOT NULL,
        role TEXT NOT NULL,
        format TEXT NOT NULL,
        encoding TEXT NOT NULL,
        dev BIGINT NOT NULL,
        inode BIGINT NOT NULL,
        size BIGINT NOT NULL,
        mtime BIGINT NOT NULL,
        fingerprint TEXT NOT NULL,
        fingerprint_len BIGINT NOT NULL,
        content_hash TEXT,
        "offset" BIGINT NOT NULL,
        lines BIGINT NOT NULL,
        last_run BIGINT NOT NULL
    );
    CREATE INDEX files_by_host_path ON files(host, path);
    CREATE TABLE definitions (
        id TEXT PRIMARY KEY,
        system TEXT NOT NULL,
        key TEXT NOT NULL,
        locale TEXT,
        form TEXT,
        text TEXT NOT NULL,
        template TEXT NOT NULL,
        state TEXT NOT NULL,
        note TEXT,
        first_run BIGINT NOT NULL,
        last_run BIGINT NOT NULL,
        removed_run BIGINT
    );
    CREATE INDEX definitions_by_key ON definitions(system, key);
    CREATE TABLE definition_sources (
        definition_id TEXT NOT NULL,
        host TEXT NOT NULL,
        path TEXT NOT NULL,
        line BIGINT NOT NULL,
        removed_run BIGINT,
        PRIMARY KEY (definition_id, host, path)
    );
    CREATE INDEX definition_sources_by_file ON definition_sources(host, path);
    CREATE TABLE limits (
        system TEXT NOT NULL,
        field TEXT NOT NULL,
        max BIGINT NOT NULL,
        unit TEXT NOT NULL,
        encoding TEXT,
        path TEXT NOT NULL,
        line BIGINT NOT NULL,
        host TEXT NOT NULL,
        removed_run BIGINT
    );
    CREATE INDEX limits_by_file ON limits(host, path);
    CREATE TABLE groups (
        id TEXT PRIMARY KEY,
        system TEXT NOT NULL,
        key TEXT,
        text TEXT NOT NULL,
        template_id TEXT
    );
    CREATE INDEX groups_unsettled ON groups(system) WHERE template_id IS NULL;
    CREATE INDEX groups_by_template ON groups(template_id);
    CREATE TABLE group_hosts (
        group_id TEXT NOT NULL,
        host TEXT NOT NULL,
        count BIGINT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        changed_run BIGINT NOT NULL,
        PRIMARY KEY (group_id, host)
    );
    CREATE INDEX group_hosts_by_run ON group_hosts(host, changed_run);
    CREATE TABLE group_days (
        group_id TEXT NOT NULL,
        host TEXT NOT NULL,
        day TEXT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (group_id, host, day)
    );
    CREATE TABLE group_sources (
        group_id TEXT NOT NULL,
        host TEXT NOT NULL,
        path TEXT NOT NULL,
        count BIGINT NOT NULL,
        first_line BIGINT NOT NULL,
        PRIMARY KEY (group_id, host, path)
    );
    CREATE TABLE group_pii (
        group_id TEXT NOT NULL,
        host TEXT NOT NULL,
        kind TEXT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (group_id, host, kind)
    );
    CREATE TABLE group_lengths (
        group_id TEXT NOT NULL,
        host TEXT NOT NULL,
        chars BIGINT NOT NULL,
        utf8 BIGINT NOT NULL,
        utf16 BIGINT NOT NULL,
        sms_segments BIGINT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (group_id, host, chars, utf8, utf16, sms_segments)
    );
    CREATE TABLE templates (
        id TEXT PRIMARY KEY,
        system TEXT NOT NULL,
        template TEXT NOT NULL,
        key TEXT,
        definition_id TEXT,
        match_kind TEXT
    );
    CREATE INDEX templates_by_system ON templates(system);
    -- What a template was seen as, summed over its groups and hosts (for
    -- `sqlite3`/`psql` users; errata's own reads sum the same way).
    CREATE VIEW template_totals AS
        SELECT t.id, t.system, t.template, t.key, t.definition_id, t.match_kind,
               CAST(SUM(h.count) AS BIGINT) AS count, MIN(h.first_seen) AS first_seen,
               MAX(h.last_seen) AS last_seen
        FROM templates t
        JOIN groups g ON g.template_id = t.id
        JOIN group_hosts h ON h.group_id = g.id
        GROUP BY t.id, t.system, t.template, t.key, t.definition_id, t.match_kind;
    CREATE VIEW template_days AS
        SELECT g.template_id, d.day, CAST(SUM(d.count) AS BIGINT) AS count
        FROM group_days d JOIN groups g ON g.id = d.group_id
        WHERE g.template_id IS NOT NULL GROUP BY g.template_id, d.day;
    CREATE VIEW template_sources AS
        SELECT g.template_id, s.path, CAST(SUM(s.count) AS BIGINT) AS count, MIN(s.first_line) AS first_line
        FROM group_sources s JOIN groups g ON g.id = s.group_id
        WHERE g.template_id IS NOT NULL GROUP BY g.template_id, s.path;
    CREATE VIEW template_pii AS
        SELECT g.template_id, p.kind, CAST(SUM(p.count) AS BIGINT) AS count
        FROM group_pii p JOIN groups g ON g.id = p.group_id
        WHERE g.template_id IS NOT NULL GROUP BY g.template_id, p.kind;
    CREATE VIEW template_lengths AS
        SELECT g.template_id, l.chars, l.utf8, l.utf16, l.sms_segments, CAST(SUM(l.count) AS BIGINT) AS count
        FROM group_lengths l JOIN groups g ON g.id = l.group_id
        WHERE g.template_id IS NOT NULL
        GROUP BY g.template_id, l.chars, l.utf8, l.utf16, l.sms_segments;
    CREATE TABLE scan_runs (
        id BIGSERIAL PRIMARY KEY,
        host TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        as_of TEXT NOT NULL,
        files_scanned BIGINT NOT NULL DEFAULT 0,
        files_unchanged BIGINT NOT NULL DEFAULT 0,
        files_skipped BIGINT NOT NULL DEFAULT 0,
        records BIGINT NOT NULL DEFAULT 0,
        definitions BIGINT NOT NULL DEFAULT 0,
        observations BIGINT NOT NULL DEFAULT 0,
        templates BIGINT NOT NULL DEFAULT 0,
        warnings BIGINT NOT NULL DEFAULT 0,
        inventory BIGINT NOT NULL DEFAULT 0
    );
    CREATE TABLE warnings (
        run_id BIGINT NOT NULL,
        path TEXT NOT NULL,
        line BIGINT,
        message TEXT NOT NULL
    );
    CREATE INDEX warnings_by_run ON warnings(run_id);
    CREATE TABLE flags (
        run_id BIGINT NOT NULL,
        kind TEXT NOT NULL,
        system TEXT NOT NULL,
        key TEXT,
        template_id TEXT,
        message TEXT NOT NULL,
        evidence TEXT NOT NULL,
        suppressed TEXT
    );
    CREATE INDEX flags_by_run ON flags(run_id);
    CREATE TABLE run_items (
        run_id BIGINT NOT NULL,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        system TEXT NOT NULL,
        label TEXT NOT NULL,
        count BIGINT NOT NULL,
        PRIMARY KEY (run_id, kind, id)
    );
    CREATE TABLE pushes (
        destination TEXT PRIMARY KEY,
        last_run BIGINT NOT NULL
    );
    "#,
    // 2: the text of a definition as written, when a formatter's quoting was
    // undone (MessageFormat's `''`): provenance beside the runtime text.
    "ALTER TABLE definitions ADD COLUMN raw TEXT;",
    // 3: as SQLite's 6.
    "ALTER TABLE definitions ADD COLUMN flow TEXT;",
];

/// The advisory lock a PostgreSQL migration holds (a constant of errata's own).
const MIGRATION_LOCK: i64 = 0x6572_7261_7461_0001;

/// Brings the catalog to this errata's schema; `Ok(Err(message))` for a catalog
/// newer than this binary knows.
pub fn migrate(db: &mut Db) -> Result<Result<(), String>, DbError> {
    let migrations = if db.is_postgres() { POSTGRES } else { SQLITE };
    if db.is_postgres() {
        // Created only where it is missing: a host's role, which may not create
        // tables, opens a migrated catalog without ever asking to.
        db.transaction(Mode::Write, |tx| {
            tx.query("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            let exists: Option<String> = tx
                .query_one("SELECT to_regclass('errata_schema')::text", &[])?
                .get(0)?;
            match exists {
                Some(_) => Ok(()),
                None => tx.batch("CREATE TABLE errata_schema (version BIGINT NOT NULL)"),
            }
        })?;
    }
    loop {
        let step = db.transaction(Mode::Write, |tx| {
            if tx.is_postgres() {
                tx.query("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            }
            let version = version(tx)?;
            if version > migrations.len() {
                return Ok(Some(Err(newer(version, migrations.len()))));
            }
            let Some(sql) = migrations.get(version) else {
                return Ok(Some(Ok(())));
            };
            tx.batch(sql)?;
            set_version(tx, version + 1)?;
            Ok(None)
        })?;
        if let Some(done) = step {
            return Ok(done);
        }
    }
}

/// The message for a catalog written by a newer errata.
pub fn newer(version: usize, known: usize) -> String {
    format!(
        "catalog schema version {version} is newer than this errata knows ({known}); upgrade errata"
    )
}

/// The schema version of the catalog (0 for an empty database).
pub fn version(tx: &mut Tx<'_>) -> Result<usize, DbError> {
    let version: i64 = if tx.is_postgres() {
        let exists: Option<String> = tx
            .query_one("SELECT to_regclass('errata_schema')::text", &[])?
            .get(0)?;
        match exists {
            Some(_) => tx
                .query("SELECT version FROM errata_schema", &[])?
                .first()
                .map(|r| r.get(0))
                .transpose()?
                .unwrap_or(0),
            None => 0,
        }
    } else {
        tx.query_one("PRAGMA user_version", &[])?.get(0)?
    };
    Ok(version.max(0) as usize)
}

/// The version of the current schema for this kind of database.
pub fn current(db: &Db) -> usize {
    if db.is_postgres() {
        POSTGRES.len()
    } else {
        SQLITE.len()
    }
}

fn set_version(tx: &mut Tx<'_>, version: usize) -> Result<(), DbError> {
    if tx.is_postgres() {
        tx.execute("DELETE FROM errata_schema", &[])?;
        tx.execute(
            "INSERT INTO errata_schema (version) VALUES ($1)",
            &[&version],
        )?;
    } else {
        // PRAGMA takes no parameters.
        tx.batch(&format!("PRAGMA user_version = {version}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite() -> Db {
        Db::Sqlite(rusqlite::Connection::open_in_memory().unwrap())
    }

    #[test]
    fn migrations_apply_once_and_set_the_version() {
        let mut db = sqlite();
        migrate(&mut db).unwrap().unwrap();
        migrate(&mut db).unwrap().unwrap();
        let v = db.transaction(Mode::Read, version).unwrap();
        assert_eq!(v, SQLITE.len());
    }

    #[test]
    fn newer_catalogs_are_refused() {
        let mut db = sqlite();
        db.transaction(Mode::Write, |tx| set_version(tx, 999))
            .unwrap();
        assert!(migrate(&mut db).unwrap().is_err());
    }

    /// A catalog of the last single-host version keeps its observations: each
    /// template becomes one group of itself, its details those of the group.
    #[test]
    fn version_three_catalogs_keep_their_observations() {
        let mut db = sqlite();
        db.transaction(Mode::Write, |tx| {
            for sql in &SQLITE[..3] {
                tx.batch(sql)?;
            }
            set_version(tx, 3)?;
            tx.batch(
                "INSERT INTO templates VALUES ('t1', 'abs', 'Ошибка <NUM>', NULL, 5,
                     '2024-06-01T00:00:00', '2024-06-02T00:00:00', 9, NULL, NULL);
                 INSERT INTO template_days VALUES ('t1', '2024-06-01', 2), ('t1', '2024-06-02', 3);
                 INSERT INTO definitions VALUES ('d1', 'abs', 'K', 'ru', NULL, 'Ошибка {0}',
                     'Ошибка <*>', 'live', NULL, 'abs/m.properties', 4, 1, 1, NULL);",
            )
        })
        .unwrap();
        migrate(&mut db).unwrap().unwrap();
        let (count, days, source): (i64, i64, String) = db
            .transaction(Mode::Read, |tx| {
                let count = tx
                    .query_one("SELECT SUM(count) FROM group_hosts", &[])?
                    .get(0)?;
                let days = tx
                    .query_one(
                        "SELECT SUM(count) FROM group_days WHERE group_id = 't1'",
                        &[],
                    )?
                    .get(0)?;
                let source = tx
                    .query_one(
                        "SELECT path FROM definition_sources WHERE definition_id = 'd1'",
                        &[],
                    )?
                    .get(0)?;
                Ok((count, days, source))
            })
            .unwrap();
        assert_eq!((count, days, source.as_str()), (5, 5, "abs/m.properties"));
    }
}
