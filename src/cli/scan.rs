//! `errata scan`: harvest trees into the catalog and print a summary.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use errata::catalog::{Catalog, OpenError, Target};
use errata::discover::{FileTally, PassedOver};
use errata::harvest::{self, Progress, ScanOptions, ScanOutcome};
use errata::model::Warning;

/// Exit code when another scan holds the catalog's lock.
pub const EXIT_BUSY: u8 = 3;

/// Harvest client-visible error texts from the given trees into the catalog.
///
/// Definitions come from message catalogs, observations from logs; both are
/// masked, grouped into templates and stored. Only what is new is read: files
/// are known by their content's first bytes, so rotated and compressed logs are
/// resumed, never counted twice. One scan at a time per host and catalog (exit
/// code 3); hosts scan into a PostgreSQL catalog side by side.
#[derive(Args)]
pub struct ScanArgs {
    /// Trees to scan; each system's roots are looked up under each [default: .]
    paths: Vec<PathBuf>,
    /// Rules file or folder of *.yaml files [default: ./rules/ if it exists, else
    /// zero-config: each top-level folder is a system, and so are the files lying
    /// directly in a PATH (named after it); formats by extension and content]
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Catalog: a SQLite file (created if missing) or a PostgreSQL URL
    /// (postgres://user@host:5432/db; password from the URL, PGPASSWORD or ~/.pgpass)
    #[arg(long, default_value = "errata.db")]
    db: Target,
    /// The host these files are on: file positions are kept per host [default: this machine's name]
    #[arg(long)]
    host: Option<String>,
    /// The date to treat as today (YYYY-MM-DD), for reproducible runs [default: today]
    #[arg(long, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    /// Forget stored observations and file positions and read everything again
    #[arg(long)]
    full: bool,
    /// Print only the final summary (no progress bar, no warnings on stderr)
    #[arg(long, short)]
    quiet: bool,
    /// Summary format: text for people, json for schedulers
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    format: SummaryFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum SummaryFormat {
    Text,
    Json,
}

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    let paths = super::tree_paths(args.paths)?;
    let rules = super::load_rules(args.rules.as_ref(), &paths)?;
    let host = super::host(args.host)?;
    let mut catalog = match Catalog::open_for_host(&args.db, &host) {
        Ok(catalog) => catalog,
        Err(OpenError::Busy(e)) => {
            errln!("errata: {e}");
            return Ok(ExitCode::from(EXIT_BUSY));
        }
        Err(OpenError::Catalog(e)) => return Err(e.into()),
    };
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let console = (!args.quiet).then(Console::new);
    let options = ScanOptions {
        paths,
        as_of,
        full: args.full,
        host,
        progress: console.as_ref().map(|c| c as &dyn Progress),
    };
    let outcome = harvest::scan(&rules, &mut catalog, &options)
        .with_context(|| format!("{}: scan failed", args.db))?;
    if let Some(bar) = console.and_then(|c| c.bar) {
        bar.finish_and_clear();
    }
    match args.format {
        SummaryFormat::Text => print_text(&outcome, &args.db)?,
        SummaryFormat::Json => outln!("{}", serde_json::to_string(&outcome)?)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(outcome: &ScanOutcome, db: &Target) -> std::io::Result<()> {
    let s = &outcome.stats;
    outln!(
        "scanned {} files ({} unchanged, {} skipped): {} records, {} definitions, {} observations, {} templates, {} warnings",
        s.files_scanned,
        s.files_unchanged,
        s.files_skipped,
        s.records,
        s.definitions,
        s.observations,
        s.templates,
        s.warnings
    )?;
    print_passed_over(&outcome.passed_over)?;
    if s.files_scanned + s.files_unchanged == 0 {
        if outcome.passed_over.count() > 0 {
            outln!("nothing was read: every file found was passed over")?;
        } else {
            outln!(
                "nothing was read: no file was found under the systems' roots in the scanned paths"
            )?;
        }
    }
    if !outcome.flags.is_empty() {
        let by_kind: Vec<String> = outcome
            .flags
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        outln!("flags: {}", by_kind.join(", "))?;
    }
    outln!("catalog: {db} (as of {})", outcome.as_of)
}

/// What discovery passed over, by reason: counts by extension, the first paths,
/// and how to have them read.
pub(super) fn print_passed_over(passed: &PassedOver) -> std::io::Result<()> {
    let reasons = [
        (
            &passed.unknown_format,
            "file(s) of no format errata recognises by name",
            Some(
                "if one of errata's formats reads them, add a source for them with that `format:` to the rules (docs/formats.md)",
            ),
        ),
        (
            &passed.no_source,
            "file(s) that no source of the rules matches",
            Some("to read them, add a source whose `path` glob matches them to their system"),
        ),
        (&passed.binary, "binary file(s)", None),
    ];
    for (tally, what, hint) in reasons {
        if tally.count == 0 {
            continue;
        }
        outln!(
            "passed over {} {what} ({}), e.g. {}",
            tally.count,
            by_extension(tally),
            tally.examples.join(", ")
        )?;
        if let Some(hint) = hint {
            outln!("  {hint}")?;
        }
    }
    Ok(())
}

/// `*.md: 2, (no extension): 1`.
fn by_extension(tally: &FileTally) -> String {
    tally
        .by_extension
        .iter()
        .map(|(ext, n)| match ext.as_str() {
            "" => format!("(no extension): {n}"),
            ext => format!("*.{ext}: {n}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a scan shows on stderr as it goes: each warning the moment it is known,
/// and, on a terminal, a progress bar over bytes with files counted in its message.
struct Console {
    bar: Option<indicatif::ProgressBar>,
    files: AtomicU64,
    done: AtomicU64,
}

impl Console {
    fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
                )
                .expect("valid progress template"),
            );
            bar
        });
        Console {
            bar,
            files: AtomicU64::new(0),
            done: AtomicU64::new(0),
        }
    }
}

impl Progress for Console {
    fn start(&self, files: u64, bytes: u64) {
        self.files.store(files, Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.set_length(bytes);
            bar.set_message(format!("0/{files} files"));
        }
    }

    fn file_done(&self, bytes: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let files = self.files.load(Ordering::Relaxed);
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
            bar.set_message(format!("{done}/{files} files"));
        }
    }

    fn warning(&self, warning: &Warning) {
        match &self.bar {
            // Above the bar, which redraws below it.
            Some(bar) => bar.suspend(|| errln!("warning: {warning}")),
            None => errln!("warning: {warning}"),
        }
    }
}
