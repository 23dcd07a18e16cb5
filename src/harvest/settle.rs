//! Settling a catalog after a run wrote into it: mining the masked texts that
//! have no template yet, tying every template to the definition it matches, and
//! raising the flags. A scan settles when it has read its files, a push when it
//! has sent its host's data; either way under the catalog's settle lock, so that
//! runs settle one at a time.
//!
//! Mining takes each system's waiting groups in one canonical order (by masked
//! text, then key), starting from the stored templates so that their ids hold:
//! what a settle mines does not depend on which file, batch or host a text came
//! from first. The key or code a text carried is part of its template: each
//! key's texts are mined apart, with ids scoped to system and key
//! ([`template_scope`]), so `Session not active.` under two codes is two
//! templates, each keeping its own key. `errata explain` uses the same
//! [`stored_miner`] and [`definition_index`], so it groups as a scan would.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::audit::{self, AuditInput};
use crate::catalog::{
    Catalog, CatalogError, DefinitionRow, RunStats, Settled, Snapshot, TemplateMatch,
};
use crate::catalog::{StoredTemplate, Unsettled};
use crate::cluster::{
    DefinitionIndex, IndexedDefinition, MinerConfig, TemplateMiner, template_scope,
};
use crate::model::{Flag, Warning};
use crate::rules::Rules;

/// What settling a run found.
pub struct Settlement {
    pub flags: Vec<Flag>,
    /// Problems of the rules and of mining (a template cap reached).
    pub warnings: Vec<Warning>,
    /// The run's counters as stored: its templates and warnings included.
    pub stats: RunStats,
}

/// Mines, matches and audits the catalog, and closes run `run` with `stats`
/// (its `templates` and `warnings` counts are completed here). `warn` is told
/// each warning as soon as it is known.
pub fn settle(
    catalog: &mut Catalog,
    rules: &Rules,
    as_of: NaiveDate,
    run: i64,
    mut stats: RunStats,
    warn: &mut dyn FnMut(Warning),
) -> Result<Settlement, CatalogError> {
    catalog.settling(|catalog| {
        let mut warnings = Vec::new();
        for system in catalog.unsettled_systems()? {
            let config = MinerConfig::from_rules(&rules.clustering, &system);
            let stored = by_key(catalog.templates_of(&system)?);
            let groups = catalog.unsettled(&system)?;
            let mut by_key: BTreeMap<Option<&str>, Vec<&Unsettled>> = BTreeMap::new();
            for g in &groups {
                by_key.entry(g.key.as_deref()).or_default().push(g);
            }
            let mut overflow = 0;
            let mut settled: Vec<Settled> = Vec::with_capacity(groups.len());
            for (key, groups) in by_key {
                let loaded = stored.get(&key.map(str::to_string)).map_or(&[][..], Vec::as_slice);
                let mut miner = miner_of(&system, key, config.clone(), loaded);
                let texts: Vec<&str> = groups.iter().map(|g| g.text.as_str()).collect();
                settled.extend(groups.iter().zip(miner.assign_batch(&texts)).map(|(g, a)| {
                    Settled {
                        group: g.group.clone(),
                        system: system.clone(),
                        key: g.key.clone(),
                        template_id: a.id,
                        template: a.template,
                    }
                }));
                overflow += miner.overflow();
            }
            catalog.settle(&settled)?;
            if overflow > 0 {
                warnings.push(Warning::new(
                    format!("system {system}"),
                    None,
                    format!(
                        "template cap of {} reached: {overflow} observation(s) kept as exact templates, not clustered (raise `clustering: max_templates`)",
                        config.max_templates,
                    ),
                ));
            }
        }
        let mut snapshot = catalog.snapshot()?;
        rematch(catalog, &mut snapshot)?;
        let input = AuditInput::new(&snapshot, rules, as_of);
        let flags = audit::run(&input);
        warnings.extend(audit::rules_warnings(&input));
        catalog.add_warnings(run, &warnings)?;
        stats.templates = snapshot.templates.len() as u64;
        stats.warnings += warnings.len() as u64;
        catalog.finish_run(run, &stats, &flags)?;
        for w in &warnings {
            warn(w.clone());
        }
        Ok(Settlement {
            flags,
            warnings,
            stats,
        })
    })
}

/// The miner of a system's texts that carried `key` (or none), starting from
/// its stored templates so that their ids hold (a scan, and `errata explain`,
/// which must group as a scan would).
pub fn stored_miner(
    catalog: &mut Catalog,
    rules: &Rules,
    system: &str,
    key: Option<&str>,
) -> Result<TemplateMiner, CatalogError> {
    let config = MinerConfig::from_rules(&rules.clustering, system);
    let stored = by_key(catalog.templates_of(system)?);
    let loaded = stored
        .get(&key.map(str::to_string))
        .map_or(&[][..], Vec::as_slice);
    Ok(miner_of(system, key, config, loaded))
}

/// Stored templates as `(id, template)` by the key they carry, so that each
/// key's miner loads its own without a pass over all of them.
fn by_key(stored: Vec<StoredTemplate>) -> HashMap<Option<String>, Vec<(String, String)>> {
    let mut out: HashMap<Option<String>, Vec<(String, String)>> = HashMap::new();
    for (key, id, template) in stored {
        out.entry(key).or_default().push((id, template));
    }
    out
}

/// A miner scoped to `system` and `key`, loaded with that key's stored templates.
fn miner_of(
    system: &str,
    key: Option<&str>,
    config: MinerConfig,
    stored: &[(String, String)],
) -> TemplateMiner {
    let mut miner = TemplateMiner::with_config(&template_scope(system, key), config);
    for (id, template) in stored {
        miner.load(id, template);
    }
    miner
}

/// The live (not obsolete) definitions of a catalog, and the index that matches
/// observed templates to them (positions in the returned list).
pub fn definition_index(snapshot: &Snapshot) -> (Vec<&DefinitionRow>, DefinitionIndex) {
    let live: Vec<&DefinitionRow> = snapshot
        .definitions
        .iter()
        .map(|d| &d.row)
        .filter(|d| d.state.is_live())
        .collect();
    let index = DefinitionIndex::new(live.iter().map(|d| IndexedDefinition {
        system: &d.system,
        key: &d.key,
        template: &d.template,
    }));
    (live, index)
}

/// Re-derives the definition each template matches (definitions may have changed),
/// in the catalog and in `snapshot`.
fn rematch(catalog: &mut Catalog, snapshot: &mut Snapshot) -> Result<(), CatalogError> {
    let (live, index) = definition_index(snapshot);
    let matches: Vec<TemplateMatch> = snapshot
        .templates
        .iter()
        .map(|t| {
            let found = index.find(&t.system, t.key.as_deref(), &t.template);
            TemplateMatch {
                template: t.id.clone(),
                definition: found.as_ref().map(|m| live[m.definition].id.clone()),
                kind: found.map(|m| m.kind),
            }
        })
        .collect();
    catalog.update_matches(&matches)?;
    snapshot.apply_matches(&matches);
    Ok(())
}
