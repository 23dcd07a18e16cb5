//! The catalog schema and its migrations, versioned by `PRAGMA user_version`.
//!
//! Each migration is one SQL batch applied in one transaction together with the
//! version bump, so a catalog is always at exactly one version. To change the
//! schema, append a migration; never edit a released one.

use rusqlite::Connection;

/// Migrations in order; the catalog's `user_version` is how many were applied.
pub const MIGRATIONS: &[&str] = &[
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
];

/// Applies the migrations the catalog lacks. A catalog newer than this binary is an error.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<Result<(), String>> {
    let version = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    if version > MIGRATIONS.len() {
        return Ok(Err(format!(
            "catalog schema version {version} is newer than this errata knows ({}); upgrade errata",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(Ok(()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_apply_once_and_set_the_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap().unwrap();
        migrate(&mut conn).unwrap().unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v as usize, MIGRATIONS.len());
    }

    #[test]
    fn newer_catalogs_are_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        assert!(migrate(&mut conn).unwrap().is_err());
    }
}
