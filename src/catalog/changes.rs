//! What changed between the two latest finished scans: texts that appeared or
//! went away, flags that were raised or cleared.
//!
//! Templates only ever grow and definitions are replaced in place, so the
//! catalog itself cannot say what a past run held. Each run therefore records
//! its inventory (`run_items`) when it finishes; only the two latest are kept.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{OptionalExtension, params};

use super::{Catalog, CatalogError, StoredFlag};

/// A definition or template as a run held it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct ItemRef {
    pub system: String,
    /// The definition key or the template text.
    pub label: String,
    pub id: String,
    /// Observations of a template (0 for definitions).
    pub count: u64,
}

/// The difference between the latest finished run and the one before it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub latest_run: i64,
    /// The run compared with, or `None` when the latest run is the first with an inventory.
    pub previous_run: Option<i64>,
    pub previous_as_of: Option<String>,
    pub new_definitions: Vec<ItemRef>,
    pub gone_definitions: Vec<ItemRef>,
    pub new_templates: Vec<ItemRef>,
    pub gone_templates: Vec<ItemRef>,
    pub new_flags: Vec<StoredFlag>,
    /// Flags of the previous run that the latest run no longer raises.
    pub cleared_flags: Vec<StoredFlag>,
}

impl StoredFlag {
    /// What makes a flag the same flag in another run: kind, system, and the key
    /// or template it is about (never its message, which may quote line numbers).
    pub fn identity(&self) -> (&str, &str, Option<&str>, Option<&str>) {
        (
            &self.kind,
            &self.system,
            self.key.as_deref(),
            self.template.as_deref(),
        )
    }
}

type Identity = (String, String, Option<String>, Option<String>);

fn owned_identity(flag: &StoredFlag) -> Identity {
    let (kind, system, key, template) = flag.identity();
    (
        kind.to_string(),
        system.to_string(),
        key.map(str::to_string),
        template.map(str::to_string),
    )
}

/// Records what run `run` ends with and forgets inventories older than the previous run.
pub(super) fn record_inventory(tx: &rusqlite::Transaction<'_>, run: i64) -> rusqlite::Result<()> {
    tx.execute(
        "DELETE FROM run_items WHERE run_id <> ?1 AND run_id <> COALESCE(
             (SELECT MAX(run_id) FROM run_items WHERE run_id < ?1), -1)",
        [run],
    )?;
    tx.execute("DELETE FROM run_items WHERE run_id = ?1", [run])?;
    tx.execute(
        "INSERT OR IGNORE INTO run_items (run_id, kind, id, system, label, count)
         SELECT ?1, 'definition', id, system, key, 0 FROM definitions",
        [run],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO run_items (run_id, kind, id, system, label, count)
         SELECT ?1, 'template', id, system, template, count FROM templates",
        [run],
    )?;
    Ok(())
}

impl Catalog {
    /// Compares the latest finished run with the previous one; `None` before any run.
    pub fn changes(&self) -> Result<Option<Changes>, CatalogError> {
        let Some(latest) = self.last_run()? else {
            return Ok(None);
        };
        let previous: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT r.id, r.as_of FROM scan_runs r
                 WHERE r.id < ?1 AND r.finished_at IS NOT NULL
                   AND EXISTS (SELECT 1 FROM run_items i WHERE i.run_id = r.id)
                 ORDER BY r.id DESC LIMIT 1",
                [latest.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let mut changes = Changes {
            latest_run: latest.id,
            ..Changes::default()
        };
        let Some((previous, previous_as_of)) = previous else {
            return Ok(Some(changes));
        };
        changes.previous_run = Some(previous);
        changes.previous_as_of = Some(previous_as_of);
        for kind in ["definition", "template"] {
            let now = self.inventory(latest.id, kind)?;
            let before = self.inventory(previous, kind)?;
            let new = now
                .iter()
                .filter(|(id, _)| !before.contains_key(*id))
                .map(|(_, item)| item.clone());
            let gone = before
                .iter()
                .filter(|(id, _)| !now.contains_key(*id))
                .map(|(_, item)| item.clone());
            let (new_list, gone_list) = if kind == "definition" {
                (&mut changes.new_definitions, &mut changes.gone_definitions)
            } else {
                (&mut changes.new_templates, &mut changes.gone_templates)
            };
            new_list.extend(new);
            gone_list.extend(gone);
            new_list.sort();
            gone_list.sort();
        }
        let now = self.run_flags(latest.id)?;
        let before = self.run_flags(previous)?;
        let now_ids: BTreeSet<_> = now.iter().map(owned_identity).collect();
        let before_ids: BTreeSet<_> = before.iter().map(owned_identity).collect();
        changes.new_flags = now
            .iter()
            .filter(|f| !before_ids.contains(&owned_identity(f)))
            .cloned()
            .collect();
        changes.cleared_flags = before
            .into_iter()
            .filter(|f| !now_ids.contains(&owned_identity(f)))
            .collect();
        Ok(Some(changes))
    }

    fn inventory(&self, run: i64, kind: &str) -> Result<BTreeMap<String, ItemRef>, CatalogError> {
        Ok(self
            .conn
            .prepare(
                "SELECT id, system, label, count FROM run_items WHERE run_id = ?1 AND kind = ?2",
            )?
            .query_map(params![run, kind], |r| {
                Ok(ItemRef {
                    id: r.get(0)?,
                    system: r.get(1)?,
                    label: r.get(2)?,
                    count: r.get::<_, i64>(3)? as u64,
                })
            })?
            .map(|item| item.map(|i| (i.id.clone(), i)))
            .collect::<Result<_, _>>()?)
    }
}
