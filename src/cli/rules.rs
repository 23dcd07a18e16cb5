//! `errata rules check`: validate rules and show which files each source matches.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

use errata::catalog::{Catalog, Target};
use errata::discover;

/// Work with rules files.
#[derive(Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    command: RulesCommand,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// Validate the rules and show, per system, the files each source matches
    /// with their format, role and encoding (and, with --db, whether the catalog
    /// already tracks each one for this host).
    Check {
        /// Rules file or folder [default: ./rules/ if it exists, else zero-config]
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Trees to match against [default: .]
        paths: Vec<PathBuf>,
        /// A catalog (SQLite file or PostgreSQL URL) to compare with: opened read-only
        #[arg(long)]
        db: Option<Target>,
        /// The host whose files the catalog tracks [default: this machine's name]
        #[arg(long)]
        host: Option<String>,
    },
}

pub fn run(args: RulesArgs) -> Result<ExitCode> {
    let RulesCommand::Check {
        rules,
        paths,
        db,
        host,
    } = args.command;
    let paths = super::tree_paths(paths)?;
    let rules = super::load_rules(rules.as_ref(), &paths)?;
    let found = discover::discover(&rules, &paths, errata::scan::recognise);
    // What the catalog already tracks of this host's files, by path.
    let tracked: Option<BTreeSet<String>> = match &db {
        Some(target) => {
            let host = super::host(host)?;
            let mut catalog = Catalog::open_read_only(target)?;
            let files = catalog.stored_files(&host)?;
            outln!(
                "catalog: {target} ok, {} file(s) of host {host} tracked",
                files.len()
            )?;
            Some(files.into_iter().map(|f| f.path).collect())
        }
        None => None,
    };
    if rules.files.is_empty() {
        outln!(
            "rules: none found, zero-config (each top-level folder is a system, and so are the files directly in a scanned folder)"
        )?;
    } else {
        outln!("rules: {} ok", rules.files.join(", "))?;
    }
    for system in &rules.systems {
        outln!()?;
        outln!(
            "system {} (roots: {})",
            system.name,
            system
                .roots
                .iter()
                .map(|r| if r.is_empty() { "." } else { r.as_str() })
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        for source in &system.sources {
            let files: Vec<_> = found
                .files
                .iter()
                .filter(|f| std::ptr::eq(f.source, source))
                .collect();
            outln!("  source {} → {} file(s)", source.path.text, files.len())?;
            for f in files {
                let encoding = match (f.charset, f.default_charset) {
                    (Some(c), _) => c.name().to_string(),
                    (None, Some(d)) => format!("utf-8 (else {})", d.name()),
                    (None, None) => "detect".to_string(),
                };
                let known = match &tracked {
                    Some(paths) if paths.contains(&f.display) => " (tracked)",
                    Some(_) => " (new)",
                    None => "",
                };
                outln!(
                    "    {}  {} {} {}{known}",
                    f.display,
                    f.scanner.id(),
                    f.role.as_str(),
                    encoding
                )?;
            }
        }
    }
    for w in &found.warnings {
        outln!("warning: {w}")?;
    }
    for w in &found.skipped {
        outln!("skipped: {w}")?;
    }
    super::scan::print_passed_over(&found.passed_over)?;
    Ok(ExitCode::SUCCESS)
}
