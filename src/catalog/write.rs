//! The catalog's writes, each inside a transaction its caller holds.
//!
//! Harvested data is only ever added to or marked: counts add up (`count =
//! count + …`), first and last seen take the least and greatest, definitions and
//! limits no longer in a file are marked removed, never deleted — so a host's
//! role may insert and update but not delete (`docs/operations.md`). Deletes
//! touch only what belongs to one host's bookkeeping (its file positions) or is
//! derived and rewritten by every run (flags, run inventories).

use super::db::{DbError, ToValue, Tx, Value};
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
             first_run, last_run, removed_run, raw, flow)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, NULL, $11, $12)
         ON CONFLICT (id) DO UPDATE SET system = excluded.system, key = excluded.key,
             locale = excluded.locale, form = excluded.form, text = excluded.text,
             template = excluded.template, state = excluded.state, note = excluded.note,
             last_run = excluded.last_run, removed_run = NULL, raw = excluded.raw, flow = excluded.flow",
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
            &d.raw,
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
    let item = HostGroup {
        host,
        group: &g.id,
        seen: &g.seen,
    };
    write_sightings(tx, run, &[item], Merge::Add)
}

/// How a host's sightings meet the stored ones: a scan adds what it read, a
/// push replaces the host's counts by its catalog's (so pushing twice, or
/// again after a killed push, changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Merge {
    Add,
    Replace,
}

/// One host's sightings of one group, as [`write_sightings`] takes them.
pub(super) struct HostGroup<'a> {
    pub host: &'a str,
    pub group: &'a str,
    pub seen: &'a Sightings,
}

/// Writes the sightings of `items`, each (group, host) at most once (PostgreSQL
/// updates a row once per statement), in statements of many rows: a push of a
/// million groups is a few thousand round trips to the server, not millions.
pub(super) fn write_sightings(
    tx: &mut Tx<'_>,
    run: i64,
    items: &[HostGroup<'_>],
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
    let (mut hosts, mut days, mut sources, mut pii, mut lengths) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for HostGroup { host, group, seen } in items {
        let (group, host) = (group.to_value(), host.to_value());
        hosts.push(vec![
            group.clone(),
            host.clone(),
            seen.count.to_value(),
            seen.first_seen.to_value(),
            seen.last_seen.to_value(),
            run.to_value(),
        ]);
        for (day, n) in &seen.days {
            days.push(vec![
                group.clone(),
                host.clone(),
                day.to_value(),
                n.to_value(),
            ]);
        }
        for (path, at) in &seen.sources {
            sources.push(vec![
                group.clone(),
                host.clone(),
                path.to_value(),
                at.count.to_value(),
                at.first_line.to_value(),
            ]);
        }
        for (kind, n) in &seen.pii {
            pii.push(vec![
                group.clone(),
                host.clone(),
                kind.to_value(),
                n.to_value(),
            ]);
        }
        for (l, n) in &seen.lengths {
            lengths.push(vec![
                group.clone(),
                host.clone(),
                l.chars.to_value(),
                l.utf8.to_value(),
                l.utf16.to_value(),
                l.sms_segments.to_value(),
                n.to_value(),
            ]);
        }
    }
    insert_many(
        tx,
        "group_hosts (group_id, host, count, first_seen, last_seen, changed_run)",
        &format!(
            "ON CONFLICT (group_id, host) DO UPDATE SET {}, {}, {}, changed_run = excluded.changed_run",
            count("group_hosts"),
            set("group_hosts", "first_seen", "LEAST"),
            set("group_hosts", "last_seen", "GREATEST"),
        ),
        &hosts,
    )?;
    insert_many(
        tx,
        "group_days (group_id, host, day, count)",
        &format!(
            "ON CONFLICT (group_id, host, day) DO UPDATE SET {}",
            count("group_days")
        ),
        &days,
    )?;
    insert_many(
        tx,
        "group_sources (group_id, host, path, count, first_line)",
        &format!(
            "ON CONFLICT (group_id, host, path) DO UPDATE SET {}, {}",
            count("group_sources"),
            set("group_sources", "first_line", "LEAST"),
        ),
        &sources,
    )?;
    insert_many(
        tx,
        "group_pii (group_id, host, kind, count)",
        &format!(
            "ON CONFLICT (group_id, host, kind) DO UPDATE SET {}",
            count("group_pii")
        ),
        &pii,
    )?;
    insert_many(
        tx,
        "group_lengths (group_id, host, chars, utf8, utf16, sms_segments, count)",
        &format!(
            "ON CONFLICT (group_id, host, chars, utf8, utf16, sms_segments) DO UPDATE SET {}",
            count("group_lengths")
        ),
        &lengths,
    )
}

/// Rows per statement of [`insert_many`]: well under both databases' limits on
/// parameters (SQLite 32,766, PostgreSQL 65,535) at seven columns.
const ROWS_PER_STATEMENT: usize = 500;

/// `INSERT INTO {into} VALUES (…), (…) … {conflict}` for `rows`, many rows a statement.
pub(super) fn insert_many(
    tx: &mut Tx<'_>,
    into: &str,
    conflict: &str,
    rows: &[Vec<Value>],
) -> Result<(), DbError> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut sql = format!("INSERT INTO {into} VALUES ");
        let mut n = 0;
        for (i, row) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { "(" } else { ", (" });
            for c in 0..row.len() {
                n += 1;
                sql.push_str(&if c == 0 {
                    format!("${n}")
                } else {
                    format!(", ${n}")
                });
            }
            sql.push(')');
        }
        sql.push(' ');
        sql.push_str(conflict);
        let params: Vec<&dyn ToValue> = chunk.iter().flatten().map(|v| v as &dyn ToValue).collect();
        tx.execute(&sql, &params)?;
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

/// The templates groups joined (a template's text follows its latest
/// generalisation) and each group tied to its template, many a statement.
pub(super) fn settle(tx: &mut Tx<'_>, settled: &[Settled]) -> Result<(), DbError> {
    // Groups join a template in order, its text generalising: the last wins.
    let mut latest: Vec<&Settled> = Vec::new();
    let mut at: std::collections::HashMap<&str, usize> = Default::default();
    for s in settled {
        match at.get(s.template_id.as_str()) {
            Some(&i) => latest[i] = s,
            None => {
                at.insert(&s.template_id, latest.len());
                latest.push(s);
            }
        }
    }
    let templates: Vec<Vec<Value>> = latest
        .iter()
        .map(|s| {
            vec![
                s.template_id.to_value(),
                s.system.to_value(),
                s.template.to_value(),
                s.key.to_value(),
            ]
        })
        .collect();
    insert_many(
        tx,
        "templates (id, system, template, key)",
        "ON CONFLICT (id) DO UPDATE SET template = excluded.template",
        &templates,
    )?;
    // `CASE id WHEN $1 THEN $2 …`: one statement ties many groups, in the SQL
    // both databases run (no `UPDATE … FROM (VALUES …) AS v(…)` in SQLite).
    for chunk in settled.chunks(ROWS_PER_STATEMENT) {
        let mut cases = String::new();
        let mut ids = Vec::with_capacity(chunk.len());
        let mut params: Vec<&dyn ToValue> = Vec::with_capacity(2 * chunk.len());
        for (i, s) in chunk.iter().enumerate() {
            cases.push_str(&format!(" WHEN ${} THEN ${}", 2 * i + 1, 2 * i + 2));
            ids.push(format!("${}", 2 * i + 1));
            params.push(&s.group);
            params.push(&s.template_id);
        }
        tx.execute(
            &format!(
                "UPDATE groups SET template_id = CASE id{cases} END WHERE id IN ({})",
                ids.join(", ")
            ),
            &params,
        )?;
    }
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
