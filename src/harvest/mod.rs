//! `errata scan`: runs the pipeline stages over the discovered files and stores
//! the results in the catalog.
//!
//! One job per file: [`plan`] decides what to read of each file, [`file`] reads
//! one through read → scan → extract → mask, [`group`] aggregates its masked
//! observations by text, [`settle`] mines the new texts into templates, matches
//! them to definitions and raises flags; this module runs them in order and
//! commits.
//!
//! Files are read, decoded, scanned, extracted and masked in parallel (rayon);
//! catalog writes are sequential and templates are mined once the files are read,
//! in a canonical order, so ids and counts do not depend on thread timing. Each file's results are committed in one transaction with
//! its new position, so a run killed at any point and run again counts every
//! complete line exactly once ([`crate::tracking`] decides what is new).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::catalog::{Catalog, CatalogError, FileBatch, RunStats};
use crate::discover;
use crate::mask::Masker;
use crate::model::Warning;
use crate::rules::Rules;

mod file;
mod group;
mod library;
mod paths;
mod plan;
mod settle;

use file::{Harvested, HarvestedFile, harvest_file};
use plan::{plan_files, vanished_catalog_files};
pub use settle::{Settlement, definition_index, settle, stored_miner};

/// What `errata scan` was asked to do.
pub struct ScanOptions<'p> {
    /// Trees to scan; system roots are resolved against each.
    pub paths: Vec<PathBuf>,
    /// "Today" for staleness and for timestamps without a year.
    pub as_of: NaiveDate,
    /// Forget stored observations and positions and read everything again.
    pub full: bool,
    /// The host whose files these are (`--host`): file positions are per host,
    /// and the host is the provenance of what is stored.
    pub host: String,
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
    /// Files found and not read (no known format, no source, binary).
    pub passed_over: discover::PassedOver,
}

/// Files read in parallel and then committed in one transaction.
const FILES_PER_COMMIT: usize = 64;

/// Runs a scan: discovery, per-file harvest, templates, matching, flags.
pub fn scan(
    rules: &Rules,
    catalog: &mut Catalog,
    options: &ScanOptions<'_>,
) -> Result<ScanOutcome, CatalogError> {
    let masker = Masker::new(rules);
    let mut discovery = discover::discover(rules, &options.paths, crate::scan::recognise);
    paths::mask_discovery(&masker, &mut discovery);
    let host = options.host.as_str();
    if options.full {
        catalog.reset_observations(host)?;
    }
    let run = catalog.begin_run(&options.as_of.to_string(), host)?;
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
    stats.warnings += discovery.warnings.len() as u64;
    warnings.extend(discovery.warnings.iter().cloned());
    catalog.add_warnings(run, &discovery.warnings)?;

    let stored = catalog.stored_files(host)?;
    let (plans, probe_failures) = plan_files(&discovery.files, &stored);
    if let Some(progress) = options.progress {
        let bytes = plans.iter().map(|p| p.found.record.size).sum();
        progress.start(plans.len() as u64, bytes);
    }

    let libraries = library::libraries(&discovery.files);
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
                let library = libraries.get(&planned.file.system.name);
                let h = harvest_file(planned, library, &masker, options.as_of);
                if let Some(progress) = options.progress {
                    progress.file_done(planned.found.record.size);
                }
                h
            })
            .collect();
        let mut batches = Vec::new();
        let mut failed = Vec::new();
        for h in harvested {
            match tally(h, &mut stats, &mut warnings) {
                Some(Ok(file)) => {
                    let file = *file;
                    batches.push(FileBatch {
                        groups: group::deltas(&file.record.system, file.observations),
                        file: file.record,
                        definitions: file.definitions,
                        limits: file.limits,
                        warnings: file.warnings,
                    });
                }
                Some(Err(w)) => failed.push(w),
                None => {}
            }
        }
        catalog.commit(run, host, &batches)?;
        catalog.add_warnings(run, &failed)?;
    }
    catalog.remove_files(
        run,
        host,
        &vanished_catalog_files(&stored, &discovery.files),
    )?;

    let settled = settle(
        catalog,
        rules,
        options.as_of,
        run,
        stats.clone(),
        &mut |w| warnings.extend([w]),
    )?;
    let mut by_kind = BTreeMap::new();
    for f in &settled.flags {
        *by_kind.entry(f.kind.to_string()).or_insert(0) += 1;
    }
    Ok(ScanOutcome {
        run,
        as_of: options.as_of,
        stats: settled.stats,
        flags: by_kind,
        warnings: warnings.all,
        passed_over: discovery.passed_over.clone(),
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
