//! `errata check`: the pre-release check for CI.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::Args;

use errata::catalog::Target;
use errata::check::{self, Baseline, CheckFormat, CheckOptions, Severity};

/// Check a release candidate's catalogs (and schemas, logs if any) and report only violations.
///
/// Exit codes: 0 no new findings (at or above --fail-on), 1 new findings, 2 usage or
/// configuration error. With --baseline, findings already in the baseline do not fail;
/// --update-baseline writes the current findings to it (and exits 0).
#[derive(Args)]
pub struct CheckArgs {
    /// Trees of the release candidate [default: .]
    paths: Vec<PathBuf>,
    /// Rules file or folder of *.yaml files [default: ./rules/ if it exists, else zero-config]
    #[arg(long)]
    rules: Option<PathBuf>,
    /// An existing catalog (SQLite file or PostgreSQL URL): check the release's definitions
    /// against the observations it holds; only read, never written
    #[arg(long)]
    db: Option<Target>,
    /// The host the release tree is on [default: this machine's name]
    #[arg(long)]
    host: Option<String>,
    /// Committed baseline of accepted findings (JSON): only findings not in it fail
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Write the current findings to --baseline instead of failing on them
    #[arg(long, requires = "baseline")]
    update_baseline: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
    /// Least severity of a new finding that fails the check
    #[arg(long, value_enum, default_value_t = Severity::Warning)]
    fail_on: Severity,
    /// Write the report to this file instead of stdout
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// The date to treat as today (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE")]
    as_of: Option<NaiveDate>,
}

pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let paths = super::tree_paths(args.paths)?;
    let rules = super::load_rules(args.rules.as_ref(), &paths)?;
    let baseline = match &args.baseline {
        Some(path) if !args.update_baseline => Some(Baseline::load(path)?),
        _ => None,
    };
    let options = CheckOptions {
        paths,
        as_of: args
            .as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
        db: args.db,
        host: super::host(args.host)?,
        baseline,
        fail_on: args.fail_on,
    };
    let outcome = check::check(&rules, &options).context("check failed")?;
    for w in &outcome.warnings {
        errln!("warning: {w}");
    }
    if args.update_baseline {
        let path = args.baseline.as_ref().expect("clap requires --baseline");
        let baseline = outcome.to_baseline();
        baseline.save(path)?;
        errln!(
            "{}: baseline written with {} finding(s)",
            path.display(),
            baseline.findings.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = super::output(args.output.as_ref())?;
    args.format.reporter().render(&outcome, &mut out)?;
    out.finish()?;
    Ok(if outcome.failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
