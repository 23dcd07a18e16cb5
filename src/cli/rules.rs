//! `errata rules check`: validate rules and show which files each source matches.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};

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
    /// with their format, role and encoding.
    Check {
        /// Rules file or folder [default: ./rules/ if it exists, else zero-config]
        #[arg(long)]
        rules: Option<PathBuf>,
        /// Trees to match against [default: .]
        paths: Vec<PathBuf>,
    },
}

pub fn run(args: RulesArgs) -> Result<ExitCode> {
    let RulesCommand::Check { rules, paths } = args.command;
    let paths = super::tree_paths(paths)?;
    let rules = super::load_rules(rules.as_ref(), &paths)?;
    let found = discover::discover(&rules, &paths);
    if rules.files.is_empty() {
        println!(
            "rules: none found, zero-config (each top-level folder is a system, and so are the files directly in a scanned folder)"
        );
    } else {
        println!("rules: {} ok", rules.files.join(", "));
    }
    for system in &rules.systems {
        println!();
        println!(
            "system {} (roots: {})",
            system.name,
            system
                .roots
                .iter()
                .map(|r| if r.is_empty() { "." } else { r.as_str() })
                .collect::<Vec<_>>()
                .join(", ")
        );
        for source in &system.sources {
            let files: Vec<_> = found
                .files
                .iter()
                .filter(|f| std::ptr::eq(f.source, source))
                .collect();
            println!("  source {} → {} file(s)", source.path.text, files.len());
            for f in files {
                let encoding = match (f.charset, f.default_charset) {
                    (Some(c), _) => c.name().to_string(),
                    (None, Some(d)) => format!("utf-8 (else {})", d.name()),
                    (None, None) => "detect".to_string(),
                };
                println!(
                    "    {}  {} {} {}",
                    f.display,
                    f.scanner.name(),
                    f.role.as_str(),
                    encoding
                );
            }
        }
    }
    for w in &found.warnings {
        println!("warning: {w}");
    }
    for w in &found.skipped {
        println!("skipped: {w}");
    }
    super::scan::print_passed_over(&found.passed_over);
    Ok(ExitCode::SUCCESS)
}
