//! `errata report`: render the catalog.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;

use errata::catalog::Catalog;
use errata::report::{self, Report};

/// Render the catalog as a report (stdout unless --output is given).
#[derive(Args)]
pub struct ReportArgs {
    /// Catalog database written by `errata scan`
    #[arg(long, default_value = "errata.db")]
    db: PathBuf,
    /// Output format
    #[arg(long, default_value = "json", value_parser = clap::builder::PossibleValuesParser::new(report::names()))]
    format: String,
    /// Write to this file instead of stdout
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let catalog = Catalog::open_existing(&args.db)?;
    let report = Report::from_snapshot(&catalog.snapshot()?);
    let reporter = report::by_name(&args.format).expect("clap checks the format name");
    let mut out = super::output(args.output.as_ref())?;
    reporter.render(&report, &mut out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
