//! The catalog's writes, each inside a transaction its caller holds.
//!
//! Harvested data is only ever added to or marked: counts add up (`count =
//! count + …`), first and last seen take the least and greatest, definitions and
//! limits no longer in a file are marked removed, never deleted — so a host's
//! role may insert and update but not delete (`docs/operations.md`). Deletes
//! touch only what belongs to one host's bookkeeping (its file positions) or is
//! derived and rewritten by every run (flags, run inventories).

use super::db::{DbError, Tx};
use super::{DefinitionRow, FileBatch, FileRecord, GroupDelta, LimitRow, RunStats, Settled};
use crate::model::{Flag, Sightings, Warning};

/// Rows of a catalog written before hosts existed (host `''`) become `host`'s.
pub(super) fn adopt_unowned(tx: &mut Tx<'_>, host: &str) -> Result<(), DbError> {
    for table in [
        "files",
        "definition_sources",
        "limits",
        "group_hosts",
        "group_days",
        "group_sources",
        "group_pii",
        "group_lengths",
        "scan_runs",
    ] {
        tx.execute(
            &format!("UPDATE {table} SET host = $1 WHERE host = ''"),
            &[&host],
        )?;
    }
    Ok(())
}

pub(super) fn stored_files(tx: &mut Tx<'_>, host: &str) -> Result<Vec<FileRecord>, DbError> {
    tx.query(
        r#"SELECT id, path, system, role, format, encoding, dev, inode, size, mtime, fingerprint,
                  fingerprint_len, content_hash, "offset", lines
           FROM files WHERE host = $1 ORDER BY id"#,
        &[&host],
    )?
    .iter()
    .map(|r| {
        Ok(FileRecord {
            id: Some(r.get(0)?),
            path: r.get(1)?,
            system: r.get(2)?,
            role: r.get(3)?,
            format: r.get(4)?,
            encoding: r.get(5)?,
            dev: r.get(6)?,
            inode: r.get(7)?,
            size: r.get(8)?,
            mtime: r.get(9)?,
            fingerprint: r.get(10)?,
            fingerprint_len: r.get::<u64>(11)? as usize,
            content_hash: r.get(12)?,
            offset: r.get(13)?,
            lines: r.get(14)?,
        })
    })
    .collect()
}

/// `errata scan --full`: the host's observations and positions go; groups no
/// host saw any more, and templates no group holds, go with them.
pub(super) fn reset_observations(tx: &mut Tx<'_>, host: &str) -> Result<(), DbError> {
    for table in [
        "group_hosts",
        "group_days",
        "group_sources",
        "group_pii",
        "group_lengths",
    ] {
        tx.execute(&format!("DELETE FROM {table} WHERE host = $1"), &[&host])?;
    }
    tx.execute(
        "DELETE FROM groups WHERE NOT EXISTS
             (SELECT 1 FROM group_hosts h WHERE h.group_id = groups.id)",
        &[],
    )?;
    tx.execute(
        "DELETE FROM templates WHERE NOT EXISTS
             (SELECT 1 FROM groups g WHERE g.template_id = templates.id)",
        &[],
    )?;
    tx.execute(
        "DELETE FROM files WHERE host = $1 AND role = $2",
        &[&host, &crate::model::Role::Observations],
    )?;
    Ok(())
}

/// `errata check --db`: the release's own catalogs replace the stored ones.
pub(super) fn forget_definitions(tx: &mut Tx<'_>) -> Result<(), DbError> {
    tx.batch("DELETE FROM definitions; DELETE FROM definition_sources; DELETE FROM limits;")?;
    tx.execute(
        "DELETE FROM files WHERE role <> $1",
        &[&crate::model::Role::Observations],
    )?;
    Ok(())
}

pub(super) fn remove_file(
    tx: &mut Tx<'_>,
    run: i64,
    host: &str,
    path: &str,
) -> Result<(), DbError> {
    mark_removed(tx, run, host, path)?;
    tx.execute(
        "UPDATE limits SET removed_run = $3 WHERE host = $1 AND path = $2 AND removed_run IS NULL",
        &[&host, &path, &run],
    )?;
    tx.execute(
        "DELETE FROM files WHERE host = $1 AND path = $2",
        &[&host, &path],
    )?;
    Ok(())
}

/// One file's results and its new position.
pub(super) fn batch(
    tx: &mut Tx<'_>,
    run: i64,
    host: &str,
    batch: &FileBatch,
) -> Result<(), DbError> {
    let f = &batch.file;
    tx.execute(
        "INSERT INTO systems (name) VALUES ($1) ON CONFLICT DO NOTHING",
        &[&f.system],
    )?;
    file(tx, run, host, f)?;
    if let Some(defs) = &batch.definitions {
        replace_definitions(tx, run, host, &f.path, defs)?;
    }
    if let Some(limits) = &batch.limits {
        replace_limits(tx, run, host, &f.path, limits)?;
    }
    for g in &batch.groups {
        add_group(tx, run, host, g)?;
    }
    for w in &batch.warnings {
        warning(tx, run, w)?;
    }
    Ok(())
}

pub(super) fn file(tx: &mut Tx<'_>, run: i64, host: &str, f: &FileRecord) -> Result<(), DbError> {
    let fingerprint_len = f.fingerprint_len as u64;
    let values: [&dyn super::db::ToValue; 15] = [
        &f.path,
        &f.system,
        &f.role,
        &f.format,
        &f.encoding,
        &f.dev,
        &f.inode,
        &f.size,
        &f.mtime,
        &f.fingerprint,
        &fingerprint_len,
        &f.content_hash,
        &f.offset,
        &f.lines,
        &run,
    ];
    match f.id {
        Some(id) => {
            let mut params: Vec<&dyn super::db::ToValue> = vec![&id];
            params.extend(values);
            tx.execute(
                r#"UPDATE files SET path = $2, system = $3, role = $4, format = $5, encoding = $6,
                       dev = $7, inode = $8, size = $9, mtime = $10, fingerprint = $11,
                       fingerprint_len = $12, content_hash = $13, "offset" = $14, lines = $15,
                       last_run = $16
                   WHERE id = $1"#,
                &params,
            )?;
        }
        None => {
            let mut params: Vec<&dyn super::db::ToValue> = vec![&host];
            params.extend(values);
            tx.execute(
                r#"INSERT INTO files (host, path, system, role, format, encoding, dev, inode, size,
                       mtime, fingerprint, fingerprint_len, content_hash, "offset", lines, last_run)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"#,
                &params,
            )?;
        }
    }
    Ok(())
}

/// Marks every definition source of one file of `host` removed, and every
/// definition left without a live source.
fn mark_removed(tx: &mut Tx<'_>, run: i64, host: &str, path: &str) -> Result<(), DbError> {
    tx.execute(
        "UPDATE definition_sources SET removed_run = $3
         WHERE host = $1 AND path = $2 AND removed_run IS NULL",
        &[&host, &path, &run],
    )?;
    tx.execute(
        "UPDATE definitions SET removed_run = $3
         WHERE removed_run IS NULL
           AND id IN (SELECT definition_id FROM definition_sources WHERE host = $1 AND path = $2)
           AND NOT EXISTS (SELECT 1 FROM definition_sources s
                           WHERE s.definition_id = definitions.id AND s.removed_run IS NULL)",
        &[&host, &path, &run],
    )?;
    Ok(())
}

/// Brings a file's definitions up to date: changed ones are updated in place,
/// new ones added, and those no longer in the file marked removed (not deleted:
/// their history stays queryable). A definition is the same on every host that
/// deploys the same file; each host's copy is a source of it.
pub(super) fn replace_definitions(
    tx: &mut Tx<'_>,
    run: i64,
    host: &str,
    path: &str,
    defs: &[DefinitionRow],
) -> Result<(), DbError> {
    mark_removed(tx, run, host, path)?;
    for d in defs {
        upsert_definition(tx, run, d)?;
        tx.execute(
            "INSERT INTO definition_sources (definition_id, host, path, line, removed_run)
             VALUES ($1, $2, $3, $4, NULL)
             ON CONFLICT (definition_id, host, path)
             DO UPDATE SET line = excluded.line, removed_run = NULL",
            &[&d.id, &host, &path, &d.line],
        )?;
    }
    Ok(())
}

pub(super) fn upsert_definition(
    tx: &mut Tx<'_>,
    run: i64,
    d: &DefinitionRow,
) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO definitions (id, system, key, locale, form, text, template, state, note,
             first_run, last_run, removed_run, flow)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, NULL, $11)
         ON CONFLICT (id) DO UPDATE SET system = excluded.system, key = excluded.key,
             locale = excluded.locale, form = excluded.form, text = excluded.text,
             template = excluded.template, state = excluded.state, note = excluded.note,
             last_run = excluded.last_run, removed_run = NULL, flow = excluded.flow",
        &[
            &d.id,
            &d.system,
            &d.key,
            &d.locale,
            &d.form,
            &d.text,
            &d.template,
            &d.state,
            &d.note,
            &run,
            &flow_json(&d.flow),
        ],
    )?;
    Ok(())
}

/// A definition's flow as stored: JSON, or NULL when it has none.
fn flow_json(flow: &[crate::model::FieldHop]) -> Option<String> {
    (!flow.is_empty()).then(|| serde_json::to_string(flow).unwrap_or_default())
}

/// A stored flow; an unreadable one (written by a newer errata) is none.
pub(super) fn flow_of(json: Option<String>) -> Vec<crate::model::FieldHop> {
    json.and_then(|j| serde_json::from_str(&j).ok())
        .unwrap_or_default()
}

/// A schema file's limits as they are now: the stored ones of the file are
/// marked removed and the current ones inserted.
pub(super) fn replace_limits(
    tx: &mut Tx<'_>,
    run: i64,
    host: &str,
    path: &str,
    limits: &[LimitRow],
) -> Result<(), DbError> {
    tx.execute(
        "UPDATE limits SET removed_run = $3 WHERE host = $1 AND path = $2 AND removed_run IS NULL",
        &[&host, &path, &run],
    )?;
    for l in limits {
        tx.execute(
            "INSERT INTO limits (system, field, max, unit, encoding, path, line, host, removed_run)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
            &[
                &l.system,
                &l.field,
                &l.max,
                &l.unit.unit(),
                &l.unit.encoding().map(|e| e.label()),
                &path,
                &l.line,
                &host,
            ],
        )?;
    }
    Ok(())
}

/// Adds one batch's sightings of a group on `host` to the stored ones.
fn add_group(tx: &mut Tx<'_>, run: i64, host: &str, g: &GroupDelta) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO groups (id, system, key, text, template_id) VALUES ($1, $2, $3, $4, NULL)
         ON CONFLICT (id) DO NOTHING",
        &[&g.id, &g.system, &g.key, &g.text],
    )?;
    write_sightings(tx, run, host, &g.id, &g.seen, Merge::Add)
}

/// How a host's sightings meet the stored ones: a scan adds what it read, a
/// push replaces the host's counts by its catalog's (so pushing twice, or
/// again after a killed push, changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Merge {
    Add,
    Replace,
}

pub(super) fn write_sightings(
    tx: &mut Tx<'_>,
    run: i64,
    host: &str,
    group: &str,
    seen: &Sightings,
    merge: Merge,
) -> Result<(), DbError> {
    // `{t}.col` is the stored row's value, `excluded.col` the new one.
    let set = |table: &str, column: &str, combine: &str| match merge {
        Merge::Add => format!("{column} = {combine}({table}.{column}, excluded.{column})"),
        Merge::Replace => format!("{column} = excluded.{column}"),
    };
    let count = |table: &str| match merge {
        Merge::Add => format!("count = {table}.count + excluded.count"),
        Merge::Replace => "count = excluded.count".to_string(),
    };
    tx.execute(
        &format!(
            "INSERT INTO group_hosts (group_id, host, count, first_seen, last_seen, changed_run)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (group_id, host) DO UPDATE SET {}, {}, {}, changed_run = excluded.changed_run",
            count("group_hosts"),
            set("group_hosts", "first_seen", "LEAST"),
            set("group_hosts", "last_seen", "GREATEST"),
        ),
        &[
            &group,
            &host,
            &seen.count,
            &seen.first_seen,
            &seen.last_seen,
            &run,
        ],
    )?;
    for (day, n) in &seen.days {
        tx.execute(
            &format!(
                "INSERT INTO group_days (group_id, host, day, count) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (group_id, host, day) DO UPDATE SET {}",
                count("group_days")
            ),
            &[&group, &host, day, n],
        )?;
    }
    for (path, s) in &seen.sources {
        tx.execute(
            &format!(
                "INSERT INTO group_sources (group_id, host, path, count, first_line)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (group_id, host, path) DO UPDATE SET {}, {}",
                count("group_sources"),
                set("group_sources", "first_line", "LEAST"),
            ),
            &[&group, &host, path, &s.count, &s.first_line],
        )?;
    }
    for (kind, n) in &seen.pii {
        tx.execute(
            &format!(
                "INSERT INTO group_pii (group_id, host, kind, count) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (group_id, host, kind) DO UPDATE SET {}",
                count("group_pii")
            ),
            &[&group, &host, kind, n],
        )?;
    }
    for (l, n) in &seen.lengths {
        tx.execute(
            &format!(
                "INSERT INTO group_lengths (group_id, host, chars, utf8, utf16, sms_segments, count)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (group_id, host, chars, utf8, utf16, sms_segments) DO UPDATE SET {}",
                count("group_lengths")
            ),
            &[
                &group,
                &host,
                &l.chars,
                &l.utf8,
                &l.utf16,
                &l.sms_segments,
                n,
            ],
        )?;
    }
    Ok(())
}

pub(super) fn warning(tx: &mut Tx<'_>, run: i64, w: &Warning) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO warnings (run_id, path, line, message) VALUES ($1, $2, $3, $4)",
        &[&run, &w.path, &w.line, &w.message],
    )?;
    Ok(())
}

/// A group's template: the template row (its text follows the latest
/// generalisation) and the group tied to it.
pub(super) fn settle(tx: &mut Tx<'_>, s: &Settled) -> Result<(), DbError> {
    tx.execute(
        "INSERT INTO templates (id, system, template, key) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET template = excluded.template",
        &[&s.template_id, &s.system, &s.template, &s.key],
    )?;
    tx.execute(
        "UPDATE groups SET template_id = $2 WHERE id = $1",
        &[&s.group, &s.template_id],
    )?;
    Ok(())
}

pub(super) fn finish_run(
    tx: &mut Tx<'_>,
    run: i64,
    stats: &RunStats,
    flags: &[Flag],
) -> Result<(), DbError> {
    tx.execute("DELETE FROM flags WHERE run_id = $1", &[&run])?;
    for f in flags {
        tx.execute(
            "INSERT INTO flags (run_id, kind, system, key, template_id, message, evidence, suppressed)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            &[
                &run,
                &f.kind,
                &f.system,
                &f.key,
                &f.template,
                &f.message,
                &f.evidence.to_string(),
                &f.suppressed,
            ],
        )?;
    }
    super::changes::record_inventory(tx, run)?;
    tx.execute(
        "UPDATE scan_runs SET finished_at = $2, files_scanned = $3, files_unchanged = $4,
             files_skipped = $5, records = $6, definitions = $7, observations = $8,
             templates = $9, warnings = $10 WHERE id = $1",
        &[
            &run,
            &super::now(),
            &stats.files_scanned,
            &stats.files_unchanged,
            &stats.files_skipped,
            &stats.records,
            &stats.definitions,
            &stats.observations,
            &stats.templates,
            &stats.warnings,
        ],
    )?;
    Ok(())
}
