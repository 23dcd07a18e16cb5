//! `errata scan`: runs the pipeline stages over the discovered files and stores
//! the results in the catalog.
//!
//! One job per file: [`plan`] decides what to read of each file, [`file`] reads
//! one through read → scan → extract → mask, [`group`] aggregates its masked
//! observations, [`templates`] mines templates and matches them to definitions;
//! this module runs them in order and commits.
//!
//! Files are read, decoded, scanned, extracted and masked in parallel (rayon);
//! templating and catalog writes are sequential, so ids and counts do not depend
//! on thread timing. Each file's results are committed in one transaction with
//! its new position, so a run killed at any point and run again counts every
//! complete line exactly once ([`crate::tracking`] decides what is new).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::audit::{self, AuditInput};
use crate::catalog::{Catalog, CatalogError, FileBatch, RunStats};
use crate::cluster::TemplateMiner;
use crate::discover;
use crate::mask::Masker;
use crate::model::Warning;
use crate::rules::Rules;

mod file;
mod group;
mod plan;
mod templates;

use file::{Harvested, HarvestedFile, harvest_file};
use plan::{plan_files, vanished_catalog_files};
pub use templates::{definition_index, stored_miner};
use templates::{mine, rematch};

/// What `errata scan` was asked to do.
pub struct ScanOptions<'p> {
    /// Trees to scan; system roots are resolved against each.
    pub paths: Vec<PathBuf>,
    /// "Today" for staleness and for timestamps without a year.
    pub as_of: NaiveDate,
    /// Forget stored observations and positions and read everything again.
    pub full: bool,
    /// Told about the work and its warnings as they happen (the CLI's progress
    /// bar and stderr).
    pub progress: Option<&'p dyn Progress>,
}

/// Receives progress while files are read; called from several threads.
pub trait Progress: Sync {
    /// The files to read and their total size in bytes.
    fn start(&self, files: u64, bytes: u64);
    /// One file is done; `bytes` is its size.
    fn file_done(&self, bytes: u64);
    /// A warning of the run, as soon as it is known: a scan that dies later
    /// (killed, out of disk) has already shown it.
    fn warning(&self, warning: &Warning);
}

/// The run's warnings: kept for the summary, and told to the progress sink the
/// moment they are known.
struct Warnings<'p> {
    all: Vec<Warning>,
    progress: Option<&'p dyn Progress>,
}

impl Warnings<'_> {
    fn extend(&mut self, warnings: impl IntoIterator<Item = Warning>) {
        for w in warnings {
            if let Some(progress) = self.progress {
                progress.warning(&w);
            }
            self.all.push(w);
        }
    }
}

/// What a scan did, for the summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScanOutcome {
    pub run: i64,
    pub as_of: NaiveDate,
    pub stats: RunStats,
    /// Number of flags by kind (suppressed ones included).
    pub flags: BTreeMap<String, usize>,
    pub warnings: Vec<Warning>,
}

/// Files read in parallel and then committed in one transaction.
const FILES_PER_COMMIT: usize = 64;

/// Runs a scan: discovery, per-file harvest, templates, matching, flags.
pub fn scan(
    rules: &Rules,
    catalog: &mut Catalog,
    options: &ScanOptions<'_>,
) -> Result<ScanOutcome, CatalogError> {
    let discovery = discover::discover(rules, &options.paths);
    if options.full {
        catalog.reset_observations()?;
    }
    let run = catalog.begin_run(&options.as_of.to_string())?;
    let mut stats = RunStats {
        files_skipped: discovery.skipped.len() as u64,
        warnings: discovery.skipped.len() as u64,
        ..RunStats::default()
    };
    let mut warnings = Warnings {
        all: Vec::new(),
        progress: options.progress,
    };
    warnings.extend(discovery.skipped.iter().cloned());
    catalog.add_warnings(run, &discovery.skipped)?;

    let stored = catalog.stored_files()?;
    let (plans, probe_failures) = plan_files(&discovery.files, &stored);
    if let Some(progress) = options.progress {
        let bytes = plans.iter().map(|p| p.found.record.size).sum();
        progress.start(plans.len() as u64, bytes);
    }

    let masker = Masker::new(rules);
    let mut miners: BTreeMap<String, TemplateMiner> = BTreeMap::new();
    // Files are read in parallel a batch at a time; each batch commits with its
    // files' positions, so a killed scan loses at most the batch in flight.
    for failed in probe_failures {
        if let Some(Err(w)) = tally(Harvested::Failed(failed), &mut stats, &mut warnings) {
            catalog.add_warnings(run, &[w])?;
        }
    }
    for chunk in plans.chunks(FILES_PER_COMMIT) {
        let harvested: Vec<Harvested> = chunk
            .par_iter()
            .map(|planned| {
                let h = harvest_file(planned, &masker, options.as_of);
                if let Some(progress) = options.progress {
                    progress.file_done(planned.found.record.size);
                }
                h
            })
            .collect();
        // Templates are mined per system over the batch's files at once, so that a
        // variable is recognised across files; the miners live for the whole run
        // and start from the stored templates.
        let assigned = mine(catalog, rules, &mut miners, &harvested)?;
        let mut batches = Vec::new();
        let mut failed = Vec::new();
        for h in harvested {
            match tally(h, &mut stats, &mut warnings) {
                Some(Ok(file)) => {
                    let file = *file;
                    let templates = assigned.get(file.record.system.as_str());
                    let templates = group::template_deltas(
                        &file.record.system,
                        file.observations,
                        templates.unwrap_or(&HashMap::new()),
                    );
                    batches.push(FileBatch {
                        file: file.record,
                        definitions: file.definitions,
                        limits: file.limits,
                        templates,
                        warnings: file.warnings,
                    });
                }
                Some(Err(w)) => failed.push(w),
                None => {}
            }
        }
        catalog.commit(run, &batches)?;
        catalog.add_warnings(run, &failed)?;
    }
    catalog.remove_files(run, &vanished_catalog_files(&stored))?;
    let capped: Vec<Warning> = miners
        .iter()
        .filter(|(_, m)| m.overflow() > 0)
        .map(|(system, m)| {
            Warning::new(
                format!("system {system}"),
                None,
                format!(
                    "template cap of {} reached: {} observation(s) kept as exact templates, not clustered (raise `clustering: max_templates`)",
                    m.len(),
                    m.overflow()
                ),
            )
        })
        .collect();
    stats.warnings += capped.len() as u64;
    catalog.add_warnings(run, &capped)?;
    warnings.extend(capped);

    let mut snapshot = catalog.snapshot()?;
    rematch(catalog, &mut snapshot)?;
    stats.templates = snapshot.templates.len() as u64;
    let input = AuditInput::new(&snapshot, rules, options.as_of);
    let flags = audit::run(&input);
    let rules_warnings = audit::rules_warnings(&input);
    stats.warnings += rules_warnings.len() as u64;
    catalog.add_warnings(run, &rules_warnings)?;
    warnings.extend(rules_warnings);
    let mut by_kind = BTreeMap::new();
    for f in &flags {
        *by_kind.entry(f.kind.to_string()).or_insert(0) += 1;
    }
    catalog.finish_run(run, &stats, &flags)?;
    Ok(ScanOutcome {
        run,
        as_of: options.as_of,
        stats,
        flags: by_kind,
        warnings: warnings.all,
    })
}

/// Counts a harvested file in the run's stats: a read file goes on to templating
/// and storage, a failed one becomes a warning, an unchanged one only a count.
fn tally(
    h: Harvested,
    stats: &mut RunStats,
    warnings: &mut Warnings<'_>,
) -> Option<Result<Box<HarvestedFile>, Warning>> {
    match h {
        Harvested::Unchanged => {
            stats.files_unchanged += 1;
            None
        }
        Harvested::Failed(w) => {
            stats.files_skipped += 1;
            stats.warnings += 1;
            warnings.extend([w.clone()]);
            Some(Err(w))
        }
        Harvested::Read(file) => {
            stats.files_scanned += 1;
            stats.records += file.records;
            stats.observations += file.observations.iter().map(|o| o.seen.count).sum::<u64>();
            stats.definitions += file.definitions.as_ref().map_or(0, |d| d.len() as u64);
            stats.warnings += file.warnings.len() as u64;
            warnings.extend(file.warnings.iter().cloned());
            Some(Ok(file))
        }
    }
}
