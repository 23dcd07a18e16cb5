//! What changed between the two latest finished scans: texts that appeared or
//! went away, flags that were raised or cleared.
//!
//! Templates only ever grow and definitions are replaced in place, so the
//! catalog itself cannot say what a past run held. Each run therefore records
//! its inventory (`run_items`) when it finishes; only the two latest are kept.

use std::collections::{BTreeMap, BTreeSet};

use super::db::{DbError, Mode, Tx};
use super::{Catalog, CatalogError};
use crate::model::{Flag, KindId};

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
    pub new_flags: Vec<Flag>,
    /// Flags of the previous run that the latest run no longer raises.
    pub cleared_flags: Vec<Flag>,
}

/// What makes a flag the same flag in another run: kind, system, and the key or
/// template it is about (never its message, which may quote line numbers).
fn identity(flag: &Flag) -> (KindId, &str, Option<&str>, Option<&str>) {
    (
        flag.kind,
        &flag.system,
        flag.key.as_deref(),
        flag.template.as_deref(),
    )
}

/// Records what run `run` ends with and forgets inventories older than the previous run.
pub(super) fn record_inventory(tx: &mut Tx<'_>, run: i64) -> Result<(), DbError> {
    tx.execute(
        "DELETE FROM run_items WHERE run_id <> $1 AND run_id <> COALESCE(
             (SELECT MAX(id) FROM scan_runs WHERE id < $1 AND inventory = 1), -1)",
        &[&run],
    )?;
    tx.execute("DELETE FROM run_items WHERE run_id = $1", &[&run])?;
    tx.execute("UPDATE scan_runs SET inventory = 1 WHERE id = $1", &[&run])?;
    tx.execute(
        "INSERT INTO run_items (run_id, kind, id, system, label, count)
         SELECT $1, 'definition', id, system, key, 0 FROM definitions WHERE removed_run IS NULL
         ON CONFLICT DO NOTHING",
        &[&run],
    )?;
    tx.execute(
        "INSERT INTO run_items (run_id, kind, id, system, label, count)
         SELECT $1, 'template', id, system, template, count FROM template_totals WHERE true
         ON CONFLICT DO NOTHING",
        &[&run],
    )?;
    Ok(())
}

impl Catalog {
    /// Compares the latest finished run with the previous one; `None` before any run.
    pub fn changes(&mut self) -> Result<Option<Changes>, CatalogError> {
        self.run(Mode::Read, |tx| {
            let Some(latest) = super::query::last_run_id(tx)? else {
                return Ok(None);
            };
            let previous: Option<(i64, String)> = tx
                .query(
                    "SELECT r.id, r.as_of FROM scan_runs r
                     WHERE r.id < $1 AND r.finished_at IS NOT NULL AND r.inventory = 1
                     ORDER BY r.id DESC LIMIT 1",
                    &[&latest],
                )?
                .first()
                .map(|r| Ok::<_, DbError>((r.get(0)?, r.get(1)?)))
                .transpose()?;
            let mut changes = Changes {
                latest_run: latest,
                ..Changes::default()
            };
            let Some((previous, previous_as_of)) = previous else {
                return Ok(Some(changes));
            };
            changes.previous_run = Some(previous);
            changes.previous_as_of = Some(previous_as_of);
            for (kind, new_list, gone_list) in [
                (
                    "definition",
                    &mut changes.new_definitions,
                    &mut changes.gone_definitions,
                ),
                (
                    "template",
                    &mut changes.new_templates,
                    &mut changes.gone_templates,
                ),
            ] {
                let now = inventory(tx, latest, kind)?;
                let before = inventory(tx, previous, kind)?;
                let new = now
                    .iter()
                    .filter(|(id, _)| !before.contains_key(*id))
                    .map(|(_, item)| item.clone());
                let gone = before
                    .iter()
                    .filter(|(id, _)| !now.contains_key(*id))
                    .map(|(_, item)| item.clone());
                new_list.extend(new);
                gone_list.extend(gone);
                new_list.sort();
                gone_list.sort();
            }
            let now = super::query::run_flags(tx, latest)?;
            let before = super::query::run_flags(tx, previous)?;
            let now_ids: BTreeSet<_> = now.iter().map(identity).collect();
            let before_ids: BTreeSet<_> = before.iter().map(identity).collect();
            let new_flags = now
                .iter()
                .filter(|f| !before_ids.contains(&identity(f)))
                .cloned()
                .collect();
            let cleared_flags = before
                .iter()
                .filter(|f| !now_ids.contains(&identity(f)))
                .cloned()
                .collect();
            changes.new_flags = new_flags;
            changes.cleared_flags = cleared_flags;
            Ok(Some(changes))
        })
    }
}

fn inventory(tx: &mut Tx<'_>, run: i64, kind: &str) -> Result<BTreeMap<String, ItemRef>, DbError> {
    tx.query(
        "SELECT id, system, label, count FROM run_items WHERE run_id = $1 AND kind = $2",
        &[&run, &kind],
    )?
    .iter()
    .map(|r| {
        let item = ItemRef {
            id: r.get(0)?,
            system: r.get(1)?,
            label: r.get(2)?,
            count: r.get(3)?,
        };
        Ok((item.id.clone(), item))
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{DefinitionRow, FileBatch, FileRecord, RunStats};
    use crate::model::{DefinitionState, FormatId, Role};

    fn batch(keys: &[&str]) -> FileBatch {
        FileBatch {
            file: FileRecord::unread(
                "abs/m.properties",
                "abs",
                Role::Definitions,
                FormatId::Properties,
            ),
            definitions: Some(
                keys.iter()
                    .enumerate()
                    .map(|(i, k)| DefinitionRow {
                        id: format!("id-{k}"),
                        system: "abs".to_string(),
                        key: k.to_string(),
                        locale: None,
                        form: None,
                        text: format!("text {k}"),
                        raw: None,
                        template: format!("text {k}"),
                        state: DefinitionState::Live,
                        note: None,
                        path: "abs/m.properties".to_string(),
                        line: i as u64 + 1,
                        flow: Vec::new(),
                    })
                    .collect(),
            ),
            limits: None,
            groups: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn flag(kind: KindId, key: &str) -> Flag {
        Flag {
            kind,
            system: "abs".to_string(),
            key: Some(key.to_string()),
            template: None,
            message: format!("{kind} at line 3"),
            evidence: serde_json::Value::Null,
            suppressed: None,
        }
    }

    fn scan(catalog: &mut Catalog, keys: &[&str], flags: &[Flag]) {
        let run = catalog.begin_run("2026-11-25", "host").unwrap();
        catalog.commit(run, "host", &[batch(keys)]).unwrap();
        catalog
            .finish_run(run, &RunStats::default(), flags)
            .unwrap();
    }

    #[test]
    fn an_empty_run_is_still_compared_with() {
        let mut catalog = Catalog::open_in_memory().unwrap();
        scan(&mut catalog, &[], &[]);
        scan(&mut catalog, &["A"], &[]);
        let changes = catalog.changes().unwrap().unwrap();
        assert_eq!(changes.previous_run, Some(1));
        assert_eq!(changes.new_definitions.len(), 1);
    }

    #[test]
    fn the_first_run_has_nothing_to_compare() {
        let mut catalog = Catalog::open_in_memory().unwrap();
        assert_eq!(catalog.changes().unwrap(), None);
        scan(&mut catalog, &["A"], &[]);
        let changes = catalog.changes().unwrap().unwrap();
        assert_eq!(changes.previous_run, None);
        assert!(changes.new_definitions.is_empty());
    }

    #[test]
    fn compares_the_latest_run_with_the_one_before() {
        let mut catalog = Catalog::open_in_memory().unwrap();
        scan(&mut catalog, &["A", "B"], &[flag(KindId::Stale, "A")]);
        scan(&mut catalog, &["B", "C"], &[flag(KindId::Stale, "A")]);
        scan(&mut catalog, &["C", "D"], &[flag(KindId::Stale, "C")]);
        let changes = catalog.changes().unwrap().unwrap();
        assert_eq!(changes.previous_run, Some(2));
        let labels = |items: &[ItemRef]| items.iter().map(|i| i.label.clone()).collect::<Vec<_>>();
        assert_eq!(labels(&changes.new_definitions), vec!["D"]);
        assert_eq!(labels(&changes.gone_definitions), vec!["B"]);
        assert_eq!(changes.new_flags[0].key.as_deref(), Some("C"));
        assert_eq!(changes.cleared_flags[0].key.as_deref(), Some("A"));
        // Only the two latest inventories are kept.
        let runs: i64 = catalog
            .run(Mode::Read, |tx| {
                tx.query_one("SELECT COUNT(DISTINCT run_id) FROM run_items", &[])?
                    .get(0)
            })
            .unwrap();
        assert_eq!(runs, 2);
    }

    #[test]
    fn copies_in_memory_leave_the_original_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = crate::catalog::Target::sqlite(dir.path().join("c.db"));
        let mut catalog = Catalog::open(&path).unwrap();
        scan(&mut catalog, &["A"], &[]);
        drop(catalog);
        let mut copy = Catalog::copy_in_memory(&path).unwrap();
        assert_eq!(copy.snapshot().unwrap().definitions.len(), 1);
        copy.forget_definitions().unwrap();
        assert!(copy.snapshot().unwrap().definitions.is_empty());
        let mut original = Catalog::open(&path).unwrap();
        assert_eq!(original.snapshot().unwrap().definitions.len(), 1);
        let missing = crate::catalog::Target::sqlite(dir.path().join("missing.db"));
        assert!(Catalog::copy_in_memory(&missing).is_err());
    }
}
