//! `errata scan`: harvest trees into the catalog and print a summary.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use clap::{Args, ValueEnum};

use errata::catalog::{Catalog, LockError, ScanLock};
use errata::discover::{FileTally, PassedOver};
use errata::harvest::{self, Progress, ScanOptions, ScanOutcome};

/// Exit code when another scan holds the catalog's lock.
pub const EXIT_BUSY: u8 = 3;

/// Harvest client-visible error texts from the given trees into the catalog.
///
/// Definitions come from message catalogs, observations from logs; both are
/// masked, grouped into templates and stored. Only what is new is read: files
/// are known by their content's first bytes, so rotated and compressed logs are
/// resumed, never counted twice. One scan at a time per catalog (exit code 3).
#[derive(Args)]
pub struct ScanArgs {
    /// Trees to scan; each system's roots are looked up under each [default: .]
    paths: Vec<PathBuf>,
    /// Rules file or folder of *.yaml files [default: ./rules/ if it exists, else
    /// zero-config: each top-level folder is a system, and so are the files lying
    /// directly in a PATH (named after it); formats by extension and content]
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Catalog database (created if missing)
    #[arg(long, default_value = "errata.db")]
    db: PathBuf,
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
    let _lock = match ScanLock::acquire(&args.db) {
        Ok(lock) => lock,
        Err(e @ LockError::Busy { .. }) => {
            eprintln!("errata: {e}");
            return Ok(ExitCode::from(EXIT_BUSY));
        }
        Err(e) => return Err(e.into()),
    };
    let mut catalog = Catalog::open(&args.db)?;
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let bar = (!args.quiet && std::io::stderr().is_terminal()).then(ProgressBar::new);
    let options = ScanOptions {
        paths,
        as_of,
        full: args.full,
        progress: bar.as_ref().map(|b| b as &dyn Progress),
    };
    let outcome = harvest::scan(&rules, &mut catalog, &options)
        .with_context(|| format!("{}: scan failed", args.db.display()))?;
    if let Some(bar) = bar {
        bar.bar.finish_and_clear();
    }
    if !args.quiet {
        for w in &outcome.warnings {
            eprintln!("warning: {w}");
        }
    }
    match args.format {
        SummaryFormat::Text => print_text(&outcome, &args.db),
        SummaryFormat::Json => println!("{}", serde_json::to_string(&outcome)?),
    }
    Ok(ExitCode::SUCCESS)
}

fn print_text(outcome: &ScanOutcome, db: &std::path::Path) {
    let s = &outcome.stats;
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
    print_passed_over(&outcome.passed_over);
    if s.files_scanned + s.files_unchanged == 0 {
        if outcome.passed_over.count() > 0 {
            println!("nothing was read: every file found was passed over");
        } else {
            println!(
                "nothing was read: no file was found under the systems' roots in the scanned paths"
            );
        }
    }
    if !outcome.flags.is_empty() {
        let by_kind: Vec<String> = outcome
            .flags
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        println!("flags: {}", by_kind.join(", "));
    }
    println!("catalog: {} (as of {})", db.display(), outcome.as_of);
}

/// What discovery passed over, by reason: counts by extension, the first paths,
/// and how to have them read.
pub(super) fn print_passed_over(passed: &PassedOver) {
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
        println!(
            "passed over {} {what} ({}), e.g. {}",
            tally.count,
            by_extension(tally),
            tally.examples.join(", ")
        );
        if let Some(hint) = hint {
            println!("  {hint}");
        }
    }
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

/// A terminal progress bar over bytes, with files counted in the message.
struct ProgressBar {
    bar: indicatif::ProgressBar,
    files: AtomicU64,
    done: AtomicU64,
}

impl ProgressBar {
    fn new() -> Self {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} {wide_bar} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta}",
            )
            .expect("valid progress template"),
        );
        ProgressBar {
            bar,
            files: AtomicU64::new(0),
            done: AtomicU64::new(0),
        }
    }
}

impl Progress for ProgressBar {
    fn start(&self, files: u64, bytes: u64) {
        self.files.store(files, Ordering::Relaxed);
        self.bar.set_length(bytes);
        self.bar.set_message(format!("0/{files} files"));
    }

    fn file_done(&self, bytes: u64) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        let files = self.files.load(Ordering::Relaxed);
        self.bar.inc(bytes);
        self.bar.set_message(format!("{done}/{files} files"));
    }
}
