//! `errata cluster`: cluster raw lines outside any catalog, for exploration and benchmarks.

use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};

use errata::cluster::{TemplateMiner, TextMap};
use errata::mask::{Masker, PLACEHOLDER_RE};
use errata::rules::Rules;

/// Cluster raw lines into templates and print `LineId,ClusterId,Template`.
///
/// Lines are masked with the default masks first (no rules, no catalog), then
/// clustered as one system. Variables print as `<*>`.
#[derive(Args)]
pub struct ClusterArgs {
    /// File of lines, or `-` for stdin [default: -]
    input: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    format: Format,
    /// Write to this file instead of stdout
    #[arg(long, short)]
    output: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Json,
}

#[derive(serde::Serialize)]
struct ClusterJson<'a> {
    id: &'a str,
    template: &'a str,
    count: u64,
}

pub fn run(args: ClusterArgs) -> Result<ExitCode> {
    let input = read_input(args.input.as_ref())?;
    let lines: Vec<&str> = input.lines().collect();
    // Repeated lines are masked and clustered once.
    let mut distinct: TextMap<&str, usize> =
        TextMap::with_capacity_and_hasher(lines.len(), Default::default());
    let mut order: Vec<&str> = Vec::new();
    let line_slots: Vec<usize> = lines
        .iter()
        .map(|line| {
            *distinct.entry(line).or_insert_with(|| {
                order.push(line);
                order.len() - 1
            })
        })
        .collect();
    let masker = Masker::new(&Rules::default());
    let masked: Vec<String> = order.iter().map(|l| masker.mask(l).text).collect();
    let texts: Vec<&str> = masked.iter().map(String::as_str).collect();
    let (templates, of_distinct) = TemplateMiner::new("cluster").assign_grouped(&texts);
    // Typed placeholders print as `<*>`, as the benchmark format wants.
    let shown: Vec<String> = templates
        .iter()
        .map(|a| PLACEHOLDER_RE.replace_all(&a.template, "<*>").into_owned())
        .collect();
    let line_templates: Vec<usize> = line_slots.iter().map(|&d| of_distinct[d]).collect();

    let mut out = super::output(args.output.as_ref())?;
    match args.format {
        Format::Csv => {
            let quoted: Vec<String> = shown.iter().map(|t| csv_field(t)).collect();
            writeln!(out, "LineId,ClusterId,Template")?;
            for (n, &t) in line_templates.iter().enumerate() {
                writeln!(out, "{},{},{}", n + 1, templates[t].id, quoted[t])?;
            }
        }
        Format::Json => {
            let mut counts = vec![0u64; templates.len()];
            for &t in &line_templates {
                counts[t] += 1;
            }
            let mut clusters: Vec<ClusterJson<'_>> = templates
                .iter()
                .zip(&shown)
                .zip(counts)
                .map(|((a, template), count)| ClusterJson {
                    id: &a.id,
                    template,
                    count,
                })
                .collect();
            clusters.sort_by(|a, b| b.count.cmp(&a.count).then(a.id.cmp(b.id)));
            let line_ids: Vec<&str> = line_templates
                .iter()
                .map(|&t| templates[t].id.as_str())
                .collect();
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({ "clusters": clusters, "lines": line_ids }),
            )?;
            writeln!(out)?;
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

fn read_input(path: Option<&PathBuf>) -> Result<String> {
    let mut bytes = Vec::new();
    match path {
        Some(p) if p.as_os_str() != "-" => {
            bytes = std::fs::read(p).with_context(|| format!("{}: cannot read", p.display()))?;
        }
        _ => {
            let mut stdin = std::io::stdin().lock();
            loop {
                let chunk = stdin.fill_buf().context("stdin: cannot read")?;
                if chunk.is_empty() {
                    break;
                }
                bytes.extend_from_slice(chunk);
                let n = chunk.len();
                stdin.consume(n);
            }
        }
    }
    // Valid UTF-8 (the usual case) is taken as is, without a copy.
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// One CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = writer.write_record([text]);
    let bytes = writer.into_inner().unwrap_or_default();
    String::from_utf8_lossy(&bytes)
        .trim_end_matches('\n')
        .to_string()
}
