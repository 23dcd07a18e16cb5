//! `errata explain`: show every grouping decision for a text, so a user can see
//! why it joined its template and which definition it matched.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;

use errata::catalog::{Catalog, Target};
use errata::cluster::tokenize::normalise;
use errata::cluster::{MIN_LITERAL_SHARE, MatchKind, MinerConfig, Refusal};
use errata::harvest;
use errata::mask::Masker;

/// Templates shown with their scores.
const NEAREST: usize = 5;

/// Explain how texts are masked, grouped into a template and matched to a definition.
///
/// Each TEXT is masked like a scan masks it; only the masked form is printed,
/// never the text itself.
#[derive(Args)]
pub struct ExplainArgs {
    /// Texts to explain (as a client saw them)
    #[arg(required = true)]
    texts: Vec<String>,
    /// Catalog written by `errata scan`: a SQLite file or a PostgreSQL URL
    #[arg(long, default_value = "errata.db")]
    db: Target,
    /// Rules file or folder [default: ./rules/ if it exists, else zero-config]
    #[arg(long)]
    rules: Option<PathBuf>,
    /// System whose templates and definitions to use [default: the catalog's only system]
    #[arg(long)]
    system: Option<String>,
    /// The error key or code the log line carried with the text, if any
    #[arg(long)]
    key: Option<String>,
}

pub fn run(args: ExplainArgs) -> Result<ExitCode> {
    let rules = super::load_rules(args.rules.as_ref(), &[])?;
    let mut catalog = Catalog::open_read_only(&args.db)?;
    let snapshot = catalog.snapshot()?;
    let system = match args.system {
        Some(s) => s,
        None => match snapshot.systems.as_slice() {
            [only] => only.clone(),
            [] => bail!("{}: the catalog has no systems yet", args.db),
            many => bail!(
                "--system is needed: the catalog has {} systems ({})",
                many.len(),
                many.join(", ")
            ),
        },
    };
    let literals = MinerConfig::from_rules(&rules.clustering, &system).literals;
    let mut miner = harvest::stored_miner(&mut catalog, &rules, &system, args.key.as_deref())?;
    let (live, index) = harvest::definition_index(&snapshot);
    let masker = Masker::new(&rules);
    let known = miner.len();
    for (n, text) in args.texts.iter().enumerate() {
        if n > 0 {
            outln!()?;
        }
        let masked = masker.mask(text);
        // The form the miner sees: digit runs are variables too, so no number
        // (card, account, phone) is ever echoed, whatever the masks caught.
        outln!("masked:    {}", normalise(&masked.text, &literals))?;
        for (kind, count) in &masked.pii {
            outln!("pii:       {count} {} masked", kind.as_str())?;
        }
        outln!("nearest templates of system {system} ({known} known):")?;
        for s in miner.nearest(&masked.text, NEAREST) {
            outln!("  {:.3}  {}  {}", s.score, s.id, s.template)?;
        }
        let before = miner.len();
        let chosen = miner.assign(&masked.text);
        let status = if miner.len() > before {
            "new template (fits none of the known ones)"
        } else {
            "joins a known template"
        };
        outln!("template:  {}  {}  ({status})", chosen.id, chosen.template)?;
        let (found, refused) = index.explain(&system, args.key.as_deref(), &chosen.template);
        let at = |i: usize| {
            let d = live[i];
            (
                format!(
                    "{} [{}] {}",
                    d.key,
                    d.locale.as_deref().unwrap_or("-"),
                    d.template
                ),
                format!("{}:{}", d.path, d.line),
            )
        };
        match &found {
            Some(m) => {
                let evidence = match (m.kind, m.share) {
                    (MatchKind::Key, _) | (_, None) => "evidence: same key".to_string(),
                    (kind, Some(share)) => format!(
                        "evidence: {} match, literal share {:.0}%",
                        kind.as_str(),
                        share * 100.0
                    ),
                };
                let (d, path) = at(m.definition);
                outln!("definition: {d}  [{evidence}]  ({path})")?;
            }
            None => outln!("definition: none matches (an undefined text)")?,
        }
        for r in &refused {
            match *r {
                Refusal::CatchAll { definition } => outln!(
                    "refused:   {}  [catch-all: only placeholders, matches by key only]  ({})",
                    at(definition).0,
                    at(definition).1
                )?,
                Refusal::LowShare { definition, share } => outln!(
                    "refused:   {}  [literal share {:.0}% < {:.0}%]  ({})",
                    at(definition).0,
                    share * 100.0,
                    MIN_LITERAL_SHARE * 100.0,
                    at(definition).1
                )?,
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
