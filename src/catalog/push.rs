//! Shipping a host's catalog to another one (`errata push`), and copying a
//! catalog whole (`errata check --db`).
//!
//! A push sends what the destination has not seen: every group whose counts a
//! run changed since the last push to it, the definitions and limits of the
//! host's files, as the source holds them now. Counts are sent as the host's
//! totals and *replace* the host's counts at the destination (other hosts' stay),
//! so pushing twice changes nothing, and a push killed at any point and run
//! again gives the same catalog: everything is written in one transaction, and
//! the source remembers what it pushed only after the destination committed.
//! Raw texts never travel: groups are masked texts, masked on the host.
//! Templates are not sent: the destination mines them from its groups when the
//! push settles (see `harvest::settle`), the same way whichever host came first.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::db::{DbError, Mode, Row, ToValue, Tx, Value};
use super::write::{self, Merge};
use super::{Catalog, CatalogError, DefinitionRow, LimitRow};
use crate::model::{LimitUnit, MatchKind, SeenIn, Sightings, Unit};

/// What a push sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PushOutcome {
    /// The hosts whose data was sent.
    pub hosts: Vec<String>,
    /// Groups (masked texts) with counts changed since the last push.
    pub groups: u64,
    pub definitions: u64,
    pub limits: u64,
}

/// One host's totals for one group.
struct HostSightings {
    group: String,
    host: String,
    seen: Sightings,
}

/// A group as stored, with its template when the derived data travels too.
struct GroupRow {
    id: String,
    system: String,
    key: Option<String>,
    text: String,
    template_id: Option<String>,
}

/// A definition and the hosts' files it is in.
struct DefinitionSources {
    row: DefinitionRow,
    /// `(host, path, line, removed)`.
    sources: Vec<(String, String, u64, bool)>,
}

/// A template as stored (only for whole copies).
struct TemplateRow {
    id: String,
    system: String,
    template: String,
    key: Option<String>,
    definition_id: Option<String>,
    match_kind: Option<MatchKind>,
}

/// What travels from one catalog to another.
#[derive(Default)]
struct Export {
    systems: Vec<String>,
    groups: Vec<GroupRow>,
    sightings: Vec<HostSightings>,
    definitions: Vec<DefinitionSources>,
    /// The live limits of each `(host, path)` sent (an empty list: none left).
    limits: BTreeMap<(String, String), Vec<LimitRow>>,
    templates: Vec<TemplateRow>,
    /// Files and positions, by host (only for whole copies: positions are a
    /// host's own business).
    files: Vec<(String, super::FileRecord)>,
    /// The source's latest run: what the destination has seen after this.
    upto: i64,
}

/// Sends `source`'s changes since its last push to `destination` (named
/// `destination_name` in the source's records) as part of the destination's
/// run `run`. The caller settles the destination afterwards.
pub fn push(
    source: &mut Catalog,
    destination: &mut Catalog,
    destination_name: &str,
    run: i64,
) -> Result<PushOutcome, CatalogError> {
    let since: i64 = source.run(Mode::Read, |tx| {
        tx.query(
            "SELECT last_run FROM pushes WHERE destination = $1",
            &[&destination_name],
        )?
        .first()
        .map(|r| r.get(0))
        .transpose()
        .map(|r| r.unwrap_or(0))
    })?;
    let export = source.run(Mode::Read, |tx| export(tx, since, false))?;
    let outcome = PushOutcome {
        hosts: export
            .sightings
            .iter()
            .map(|s| s.host.clone())
            .chain(export.limits.keys().map(|(h, _)| h.clone()))
            .chain(
                export
                    .definitions
                    .iter()
                    .flat_map(|d| d.sources.iter().map(|s| s.0.clone())),
            )
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        groups: export.groups.len() as u64,
        definitions: export.definitions.len() as u64,
        limits: export.limits.values().map(|l| l.len() as u64).sum(),
    };
    destination.run(Mode::Write, |tx| import(tx, run, &export))?;
    // Only once the destination has it all: a push killed before this line sends
    // the same again next time, which changes nothing there.
    source.run(Mode::Write, |tx| {
        tx.execute(
            "INSERT INTO pushes (destination, last_run) VALUES ($1, $2)
             ON CONFLICT (destination) DO UPDATE SET last_run = excluded.last_run",
            &[&destination_name, &export.upto],
        )
        .map(drop)
    })?;
    Ok(outcome)
}

/// Copies everything of `source`, derived data (templates, matches) included,
/// into the empty `destination`.
pub(super) fn copy_all(
    source: &mut Catalog,
    destination: &mut Catalog,
) -> Result<(), CatalogError> {
    let export = source.run(Mode::Read, |tx| export(tx, 0, true))?;
    let run = 0;
    destination.run(Mode::Write, |tx| import(tx, run, &export))
}

/// What changed since run `since` (everything for 0); templates too when `derived`.
fn export(tx: &mut Tx<'_>, since: i64, derived: bool) -> Result<Export, DbError> {
    let mut out = Export {
        upto: tx
            .query_one("SELECT COALESCE(MAX(id), 0) FROM scan_runs", &[])?
            .get(0)?,
        systems: tx
            .query("SELECT name FROM systems ORDER BY name", &[])?
            .iter()
            .map(|r| r.get(0))
            .collect::<Result<_, _>>()?,
        ..Export::default()
    };
    // Groups and the hosts' totals, for every (group, host) a run changed.
    let changed = "FROM group_hosts h WHERE h.changed_run > $1";
    let mut totals: HashMap<(String, String), Sightings> = HashMap::new();
    for r in tx.query(
        &format!("SELECT h.group_id, h.host, h.count, h.first_seen, h.last_seen {changed}"),
        &[&since],
    )? {
        totals.insert(
            (r.get(0)?, r.get(1)?),
            Sightings::new(r.get(2)?, r.get(3)?, r.get(4)?),
        );
    }
    let mut detail = |sql: &str,
                      add: &mut dyn FnMut(&mut Sightings, &Row) -> Result<(), DbError>|
     -> Result<(), DbError> {
        for r in tx.query(sql, &[&since])? {
            if let Some(seen) = totals.get_mut(&(r.get(0)?, r.get(1)?)) {
                add(seen, &r)?;
            }
        }
        Ok(())
    };
    let joined = |table: &str, columns: &str| {
        format!(
            "SELECT d.group_id, d.host, {columns} FROM {table} d
             JOIN group_hosts h ON h.group_id = d.group_id AND h.host = d.host
             WHERE h.changed_run > $1"
        )
    };
    detail(&joined("group_days", "d.day, d.count"), &mut |s, r| {
        s.days.insert(r.get(2)?, r.get(3)?);
        Ok(())
    })?;
    detail(
        &joined("group_sources", "d.path, d.count, d.first_line"),
        &mut |s, r| {
            let at = SeenIn {
                count: r.get(3)?,
                first_line: r.get(4)?,
            };
            s.sources.insert(r.get(2)?, at);
            Ok(())
        },
    )?;
    detail(&joined("group_pii", "d.kind, d.count"), &mut |s, r| {
        s.pii.insert(r.get(2)?, r.get(3)?);
        Ok(())
    })?;
    detail(
        &joined(
            "group_lengths",
            "d.chars, d.utf8, d.utf16, d.sms_segments, d.count",
        ),
        &mut |s, r| {
            s.lengths.insert(r.raw_length(2)?, r.get(6)?);
            Ok(())
        },
    )?;
    let wanted: BTreeSet<&String> = totals.keys().map(|(g, _)| g).collect();
    for r in tx.query(
        "SELECT id, system, key, text, template_id FROM groups ORDER BY id",
        &[],
    )? {
        let id: String = r.get(0)?;
        if wanted.contains(&id) {
            out.groups.push(GroupRow {
                id,
                system: r.get(1)?,
                key: r.get(2)?,
                text: r.get(3)?,
                template_id: if derived { r.get(4)? } else { None },
            });
        }
    }
    let mut sightings: Vec<HostSightings> = totals
        .into_iter()
        .map(|((group, host), seen)| HostSightings { group, host, seen })
        .collect();
    sightings.sort_by(|a, b| (&a.group, &a.host).cmp(&(&b.group, &b.host)));
    out.sightings = sightings;

    // Definitions a run added, changed or removed since, with all their sources.
    let mut definitions: BTreeMap<String, DefinitionSources> = BTreeMap::new();
    for r in tx.query(
        &format!(
            "SELECT {} FROM definitions
             WHERE last_run > $1 OR removed_run > $1 OR $1 = 0",
            super::query::DEFINITION_COLUMNS
        ),
        &[&since],
    )? {
        let row = super::query::definition_row(&r, String::new(), 0)?;
        definitions.insert(
            row.id.clone(),
            DefinitionSources {
                row,
                sources: Vec::new(),
            },
        );
    }
    for r in tx.query(
        "SELECT definition_id, host, path, line, removed_run FROM definition_sources
         ORDER BY definition_id, host, path",
        &[],
    )? {
        let id: String = r.get(0)?;
        if let Some(d) = definitions.get_mut(&id) {
            let removed: Option<i64> = r.get(4)?;
            d.sources
                .push((r.get(1)?, r.get(2)?, r.get(3)?, removed.is_some()));
        }
    }
    out.definitions = definitions.into_values().collect();

    // The limits of every schema file, as they are now (few, sent whole).
    for r in tx.query(
        "SELECT host, path, system, field, max, unit, encoding, line, removed_run FROM limits
         ORDER BY host, path, field, line",
        &[],
    )? {
        let files = out.limits.entry((r.get(0)?, r.get(1)?)).or_default();
        let removed: Option<i64> = r.get(8)?;
        if removed.is_none() {
            let unit: Unit = r.get(5)?;
            let encoding: Option<String> = r.get(6)?;
            files.push(LimitRow {
                system: r.get(2)?,
                field: r.get(3)?,
                max: r.get(4)?,
                unit: LimitUnit::from_parts(unit, encoding.as_deref())
                    .ok_or_else(|| DbError::Value(format!("unknown byte encoding {encoding:?}")))?,
                path: r.get(1)?,
                line: r.get(7)?,
            });
        }
    }

    if derived {
        let hosts: Vec<String> = tx
            .query("SELECT DISTINCT host FROM files ORDER BY host", &[])?
            .iter()
            .map(|r| r.get(0))
            .collect::<Result<_, _>>()?;
        for host in hosts {
            for mut file in write::stored_files(tx, &host)? {
                file.id = None;
                out.files.push((host.clone(), file));
            }
        }
        for r in tx.query(
            "SELECT id, system, template, key, definition_id, match_kind FROM templates ORDER BY id",
            &[],
        )? {
            out.templates.push(TemplateRow {
                id: r.get(0)?,
                system: r.get(1)?,
                template: r.get(2)?,
                key: r.get(3)?,
                definition_id: r.get(4)?,
                match_kind: r.get(5)?,
            });
        }
    }
    Ok(out)
}

/// Writes an export into the destination, as part of its run `run`.
fn import(tx: &mut Tx<'_>, run: i64, export: &Export) -> Result<(), DbError> {
    for system in &export.systems {
        tx.execute(
            "INSERT INTO systems (name) VALUES ($1) ON CONFLICT DO NOTHING",
            &[system],
        )?;
    }
    for t in &export.templates {
        tx.execute(
            "INSERT INTO templates (id, system, template, key, definition_id, match_kind)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET template = excluded.template",
            &[
                &t.id,
                &t.system,
                &t.template,
                &t.key,
                &t.definition_id,
                &t.match_kind,
            ],
        )?;
    }
    let groups: Vec<Vec<Value>> = export
        .groups
        .iter()
        .map(|g| {
            vec![
                g.id.to_value(),
                g.system.to_value(),
                g.key.to_value(),
                g.text.to_value(),
                g.template_id.to_value(),
            ]
        })
        .collect();
    write::insert_many(
        tx,
        "groups (id, system, key, text, template_id)",
        "ON CONFLICT (id) DO NOTHING",
        &groups,
    )?;
    stall_for_tests();
    let sightings: Vec<write::HostGroup<'_>> = export
        .sightings
        .iter()
        .map(|s| write::HostGroup {
            host: &s.host,
            group: &s.group,
            seen: &s.seen,
        })
        .collect();
    write::write_sightings(tx, run, &sightings, Merge::Replace)?;
    for d in &export.definitions {
        write::upsert_definition(tx, run, &d.row)?;
        for (host, path, line, removed) in &d.sources {
            let removed_run = removed.then_some(run);
            tx.execute(
                "INSERT INTO definition_sources (definition_id, host, path, line, removed_run)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (definition_id, host, path)
                 DO UPDATE SET line = excluded.line, removed_run = excluded.removed_run",
                &[&d.row.id, host, path, line, &removed_run],
            )?;
        }
        // Removed where no host has it any more.
        tx.execute(
            "UPDATE definitions SET removed_run = CASE WHEN EXISTS
                 (SELECT 1 FROM definition_sources s
                  WHERE s.definition_id = definitions.id AND s.removed_run IS NULL)
                 THEN NULL ELSE CAST($2 AS BIGINT) END
             WHERE id = $1",
            &[&d.row.id, &run],
        )?;
    }
    for ((host, path), limits) in &export.limits {
        write::replace_limits(tx, run, host, path, limits)?;
    }
    for (host, file) in &export.files {
        write::file(tx, run, host, file)?;
    }
    Ok(())
}

/// The environment variable that makes a push stall halfway through its writes.
pub const STALL_ENV: &str = "ERRATA_TEST_PUSH_STALL";

/// A push is one transaction, so a kill from outside lands mid-push only by
/// luck. With [`STALL_ENV`] set to a path, the push creates that file once its
/// groups are written (uncommitted, their counts not yet) and then waits, so a
/// test can kill it exactly there and check that running it again gives the
/// same catalog.
fn stall_for_tests() {
    if let Some(path) = std::env::var_os(STALL_ENV)
        && std::fs::write(&path, b"stalled\n").is_ok()
    {
        std::thread::sleep(std::time::Duration::from_secs(600));
    }
}
