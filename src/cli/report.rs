//! `errata report`: render the catalog.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
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
    /// Which entity to write, for formats with one entity per file (csv) [default: templates]
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(report::table::ENTITIES))]
    entity: Option<String>,
    /// Write to this file instead of stdout
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let reporter = report::by_name(&args.format).expect("clap checks the format name");
    if args.entity.is_some() && reporter.entities().is_empty() {
        bail!(
            "--entity applies to formats with one entity per file ({}), not to --format {}",
            report::names()
                .into_iter()
                .filter(|n| report::by_name(n).is_some_and(|r| !r.entities().is_empty()))
                .collect::<Vec<_>>()
                .join(", "),
            args.format
        );
    }
    let catalog = Catalog::open_existing(&args.db)?;
    let mut report = Report::from_snapshot(&catalog.snapshot()?);
    if let Some(changes) = catalog.changes()? {
        report = report.with_changes(&changes);
    }
    let mut out = super::output(args.output.as_ref())?;
    match &args.entity {
        Some(entity) => reporter.render_entity(&report, entity, &mut out)?,
        None => reporter.render(&report, &mut out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
