//! `errata report`: render the catalog.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use errata::model::Vocabulary;

use errata::catalog::{Catalog, Target};
use errata::report::{self, Entity, Report, ReportFormat};

/// Render the catalog as a report (stdout unless --output is given).
#[derive(Args)]
pub struct ReportArgs {
    /// Catalog written by `errata scan`: a SQLite file or a PostgreSQL URL
    #[arg(long, default_value = "errata.db")]
    db: Target,
    /// Output format
    #[arg(long, value_enum, default_value_t = ReportFormat::Json)]
    format: ReportFormat,
    /// Which entity to write, for formats with one entity per file (csv) [default: templates]
    #[arg(long, value_enum)]
    entity: Option<Entity>,
    /// Write to this file instead of stdout
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    if args.entity.is_some() && !args.format.takes_entity() {
        let takes: Vec<&str> = ReportFormat::ALL
            .iter()
            .filter(|f| f.takes_entity())
            .map(|f| f.as_str())
            .collect();
        bail!(
            "--entity applies to formats with one entity per file ({}), not to --format {}",
            takes.join(", "),
            args.format
        );
    }
    let mut catalog = Catalog::open_read_only(&args.db)?;
    let mut report = Report::from_snapshot(&catalog.snapshot()?);
    if let Some(changes) = catalog.changes()? {
        report = report.with_changes(&changes);
    }
    let mut out = super::output(args.output.as_ref())?;
    report::render(args.format, args.entity, &report, &mut out)?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
