//! `errata push`: ship a host's catalog to a central one.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use errata::catalog::{Catalog, OpenError, RunStats, Target, push};
use errata::harvest;

/// Send what the central catalog has not seen of this host's catalog, then settle it.
///
/// Sends the groups (masked texts) whose counts changed since the last push, with
/// their daily counts, first and last seen, lengths and samples, and the
/// definitions and limits of the host's files; never raw text (masking happened
/// on the host). The host's counts replace its earlier ones at the destination,
/// so pushing twice changes nothing and a killed push can simply run again. The
/// destination then mines, matches and raises flags with the given rules, as a
/// scan would. Exit codes: 0 pushed, 2 error, 3 a scan of this host holds the
/// local catalog.
#[derive(Args)]
pub struct PushArgs {
    /// The host's catalog to send from (SQLite file or PostgreSQL URL)
    #[arg(long, default_value = "errata.db")]
    db: Target,
    /// The catalog to send to, usually the central PostgreSQL one
    /// (postgres://user@host:5432/db; password from the URL, PGPASSWORD or ~/.pgpass)
    #[arg(long)]
    to: Target,
    /// Rules the destination raises flags with [default: ./rules/ if it exists]
    #[arg(long)]
    rules: Option<PathBuf>,
    /// The date to treat as today (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    /// The host pushing, recorded with the destination's run [default: this machine's name]
    #[arg(long)]
    host: Option<String>,
    /// Summary format: text for people, json for schedulers
    #[arg(long, value_enum, default_value_t = Summary::Text)]
    format: Summary,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Summary {
    Text,
    Json,
}

pub fn run(args: PushArgs) -> Result<ExitCode> {
    let rules = super::load_rules(args.rules.as_ref(), &[])?;
    let host = super::host(args.host)?;
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    // The local catalog is held as a scan holds it: the nightly scan and the
    // push that follows it never overlap.
    let mut source = match Catalog::open_for_host(&args.db, &host) {
        Ok(catalog) => catalog,
        Err(OpenError::Busy(e)) => {
            errln!("errata: {e}");
            return Ok(ExitCode::from(super::scan::EXIT_BUSY));
        }
        Err(OpenError::Catalog(e)) => return Err(e.into()),
    };
    let mut destination = Catalog::open(&args.to)?;
    let run = destination.begin_run(&as_of.to_string(), &host)?;
    let pushed = push::push(&mut source, &mut destination, &args.to.to_string(), run)
        .with_context(|| format!("push from {} to {} failed", args.db, args.to))?;
    let settled = harvest::settle(
        &mut destination,
        &rules,
        as_of,
        run,
        RunStats::default(),
        &mut |w| errln!("warning: {w}"),
    )
    .with_context(|| format!("{}: settling the push failed", args.to))?;
    match args.format {
        Summary::Text => {
            outln!(
                "pushed {} group(s), {} definition(s), {} limit(s) of host(s) {} to {}",
                pushed.groups,
                pushed.definitions,
                pushed.limits,
                if pushed.hosts.is_empty() {
                    "(none)".to_string()
                } else {
                    pushed.hosts.join(", ")
                },
                args.to
            )?;
            outln!(
                "{}: {} templates, {} flags",
                args.to,
                settled.stats.templates,
                settled.flags.len()
            )?;
        }
        Summary::Json => outln!(
            "{}",
            serde_json::json!({
                "pushed": pushed,
                "destination": args.to.to_string(),
                "run": run,
                "templates": settled.stats.templates,
                "flags": settled.flags.len(),
                "warnings": settled.warnings,
            })
        )?,
    }
    Ok(ExitCode::SUCCESS)
}
