//! Command-line interface: clap definitions and one file per command.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// `println!` that returns the write error instead of panicking: a reader that
/// closes the pipe early (`errata scan | head -1`) ends the command quietly
/// (`main` takes a broken pipe for success) once the catalog is written.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// `eprintln!` that never panics: warnings to a closed stderr are dropped and
/// the scan goes on, since losing the nightly catalog to a closed terminal
/// would be worse than losing its warnings.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

mod check;
mod cluster;
mod explain;
mod push;
mod report;
mod rules;
mod scan;

/// Usage, configuration or catalog error: nothing was written.
pub const EXIT_ERROR: u8 = 2;

/// errata finds every error text a bank's customers can see and keeps them in one catalog.
#[derive(Parser)]
#[command(name = "errata", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Scan(scan::ScanArgs),
    Report(report::ReportArgs),
    Check(check::CheckArgs),
    Rules(rules::RulesArgs),
    Cluster(cluster::ClusterArgs),
    Explain(explain::ExplainArgs),
    Push(push::PushArgs),
}

/// Parses the command line and runs the command.
pub fn run() -> Result<ExitCode> {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { 0 };
            e.print()?;
            return Ok(ExitCode::from(code));
        }
    };
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Report(args) => report::run(args),
        Command::Check(args) => check::run(args),
        Command::Rules(args) => rules::run(args),
        Command::Cluster(args) => cluster::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Push(args) => push::run(args),
    }
}

/// The trees to work on: the given paths, or the current folder; each must exist.
pub fn tree_paths(paths: Vec<PathBuf>) -> Result<Vec<PathBuf>> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths
    };
    for p in &paths {
        if !p.exists() {
            anyhow::bail!("{}: no such file or folder", p.display());
        }
    }
    Ok(paths)
}

/// Loads rules from `--rules`, else `./rules/` if it exists, else zero-config for `paths`.
pub fn load_rules(rules: Option<&PathBuf>, paths: &[PathBuf]) -> Result<errata::rules::Rules> {
    let default = PathBuf::from("rules");
    let path = match rules {
        Some(p) => Some(p.clone()),
        None if default.is_dir() => Some(default),
        None => None,
    };
    match path {
        Some(p) => errata::rules::load(&p).map_err(anyhow::Error::new),
        None => Ok(errata::rules::zero_config(paths)),
    }
}

/// The host a command speaks for: `--host`, else this machine's name.
pub fn host(given: Option<String>) -> Result<String> {
    match given {
        Some(host) if !host.trim().is_empty() => Ok(host),
        Some(_) => anyhow::bail!("--host: empty host name"),
        None => whoami::hostname()
            .map_err(|e| anyhow::anyhow!("cannot tell this machine's name ({e}): pass --host")),
    }
}

/// Where `--output FILE` (or stdout) goes: the file is replaced only once the
/// document is complete (see [`errata::report::Output`]).
pub fn output(path: Option<&PathBuf>) -> Result<errata::report::Output> {
    Ok(errata::report::Output::to(path.map(PathBuf::as_path))?)
}
