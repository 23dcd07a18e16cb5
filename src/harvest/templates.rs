//! Templates and matching: mining a batch's masked texts into templates per
//! system (miners start from the stored templates, so ids hold), and tying every
//! template to the definition it matches. `errata explain` uses the same
//! [`stored_miner`] and [`definition_index`], so it groups as a scan would.

use std::collections::{BTreeMap, HashMap};

use super::file::Harvested;
use crate::catalog::{Catalog, CatalogError, DefinitionRow, Snapshot, TemplateMatch};
use crate::cluster::{Assignment, DefinitionIndex, IndexedDefinition, MinerConfig, TemplateMiner};
use crate::rules::Rules;

/// The template of each masked text, by system.
pub(super) type Assigned = HashMap<String, HashMap<String, Assignment>>;

/// Mines the templates of a batch's observations, per system, in file order.
pub(super) fn mine(
    catalog: &Catalog,
    rules: &Rules,
    miners: &mut BTreeMap<String, TemplateMiner>,
    harvested: &[Harvested],
) -> Result<Assigned, CatalogError> {
    let mut texts: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for h in harvested {
        if let Harvested::Read(file) = h {
            texts
                .entry(file.record.system.as_str())
                .or_default()
                .extend(file.observations.iter().map(|g| g.text.as_str()));
        }
    }
    let mut assigned: Assigned = HashMap::new();
    for (system, texts) in texts {
        if !miners.contains_key(system) {
            miners.insert(system.to_string(), stored_miner(catalog, rules, system)?);
        }
        let miner = miners.get_mut(system).expect("inserted above");
        let of_system = assigned.entry(system.to_string()).or_default();
        for (text, assignment) in texts.iter().zip(miner.assign_batch(&texts)) {
            of_system.insert(text.to_string(), assignment);
        }
    }
    Ok(assigned)
}

/// A system's miner, starting from its stored templates so that their ids hold
/// (a scan, and `errata explain`, which must group as a scan would).
pub fn stored_miner(
    catalog: &Catalog,
    rules: &Rules,
    system: &str,
) -> Result<TemplateMiner, CatalogError> {
    let mut miner =
        TemplateMiner::with_config(system, MinerConfig::from_rules(&rules.clustering, system));
    for (id, template) in catalog.templates_of(system)? {
        miner.load(&id, &template);
    }
    Ok(miner)
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
pub(super) fn rematch(catalog: &mut Catalog, snapshot: &mut Snapshot) -> Result<(), CatalogError> {
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
