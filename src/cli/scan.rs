//! `errata scan`: harvest trees into the catalog and print a summary.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Args;

use errata::catalog::Catalog;
use errata::harvest::{self, ScanOptions};

/// Harvest client-visible error texts from the given trees into the catalog.
///
/// Definitions come from message catalogs, observations from logs; both are
/// masked, grouped into templates and stored. Files unchanged since the last
/// scan are not read again; logs that grew are read from where the last scan stopped.
#[derive(Args)]
pub struct ScanArgs {
    /// Trees to scan; each system's roots are looked up under each [default: .]
    paths: Vec<PathBuf>,
    /// Rules file or folder of *.yaml files [default: ./rules/ if it exists, else
    /// zero-config: each top-level folder is a system, formats by extension and content]
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Catalog database (created if missing)
    #[arg(long, default_value = "errata.db")]
    db: PathBuf,
    /// The date to treat as today (YYYY-MM-DD), for reproducible runs [default: today]
    #[arg(long, value_name = "DATE")]
    as_of: Option<NaiveDate>,
}

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    for p in &paths {
        if !p.exists() {
            anyhow::bail!("{}: no such file or folder", p.display());
        }
    }
    let rules = super::load_rules(args.rules.as_ref(), &paths)?;
    let mut catalog = Catalog::open(&args.db)?;
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let outcome = harvest::scan(&rules, &mut catalog, &ScanOptions { paths, as_of })
        .with_context(|| format!("{}: scan failed", args.db.display()))?;
    let s = &outcome.stats;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    println!(
        "scanned {} files ({} unchanged, {} skipped): {} records, {} definitions, {} observations, {} templates, {} warnings",
        s.files_scanned,
        s.files_unchanged,
        s.files_skipped,
        s.records,
        s.definitions,
        s.observations,
        s.templates,
        s.warnings
    );
    if !outcome.flags.is_empty() {
        let by_kind: Vec<String> = outcome
            .flags
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        println!("flags: {}", by_kind.join(", "));
    }
    println!("catalog: {} (as of {})", args.db.display(), outcome.as_of);
    Ok(ExitCode::SUCCESS)
}
