//! `--format md`: a readable summary per system for product owners.

use std::io::Write;

use super::{Report, Reporter};

pub struct Markdown;

impl Reporter for Markdown {
    fn name(&self) -> &'static str {
        "md"
    }

    fn render(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        writeln!(out, "# errata report")?;
        writeln!(out)?;
        match &report.as_of {
            Some(d) => writeln!(out, "As of {d}.")?,
            None => writeln!(out, "The catalog is empty: no scan has finished yet.")?,
        }
        writeln!(out)?;
        writeln!(
            out,
            "| system | definitions | observed templates | observations | unmatched templates | flags |"
        )?;
        writeln!(out, "|---|---:|---:|---:|---:|---:|")?;
        for s in &report.systems {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&s.name),
                s.definitions,
                s.templates,
                s.observations,
                s.unmatched_templates,
                s.flags
            )?;
        }
        for s in &report.systems {
            writeln!(out)?;
            writeln!(out, "## {}", s.name)?;
            let defs: Vec<_> = report
                .definitions
                .iter()
                .filter(|d| d.system == s.name)
                .collect();
            if !defs.is_empty() {
                writeln!(out)?;
                writeln!(out, "### Definitions ({})", defs.len())?;
                writeln!(out)?;
                writeln!(
                    out,
                    "| key | locale | text | seen | last seen | defined at |"
                )?;
                writeln!(out, "|---|---|---|---:|---|---|")?;
                for d in defs {
                    writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {}:{} |",
                        cell(&d.key),
                        d.locale.as_deref().unwrap_or(""),
                        cell(&d.text),
                        d.observed,
                        d.last_seen.as_deref().unwrap_or("never"),
                        cell(&d.source.path),
                        d.source.line
                    )?;
                }
            }
            let templates: Vec<_> = report
                .templates
                .iter()
                .filter(|t| t.system == s.name)
                .collect();
            if !templates.is_empty() {
                writeln!(out)?;
                writeln!(out, "### Observed texts ({})", templates.len())?;
                writeln!(out)?;
                writeln!(
                    out,
                    "| template | count | first seen | last seen | definition |"
                )?;
                writeln!(out, "|---|---:|---|---|---|")?;
                for t in &templates {
                    writeln!(
                        out,
                        "| {} | {} | {} | {} | {} |",
                        cell(&t.template),
                        t.count,
                        t.first_seen,
                        t.last_seen,
                        t.definition
                            .as_deref()
                            .map(cell)
                            .unwrap_or_else(|| "**none**".to_string())
                    )?;
                }
                let unmatched: Vec<_> = templates
                    .iter()
                    .filter(|t| t.definition_id.is_none())
                    .collect();
                if !unmatched.is_empty() {
                    writeln!(out)?;
                    writeln!(
                        out,
                        "### Observed texts no catalog defines ({})",
                        unmatched.len()
                    )?;
                    writeln!(out)?;
                    for t in unmatched {
                        let seen = t
                            .seen_in
                            .first()
                            .map(|s| format!(" — seen in {}:{}", s.path, s.line))
                            .unwrap_or_default();
                        writeln!(out, "- {} ({}×){}", cell(&t.template), t.count, seen)?;
                    }
                }
            }
        }
        if let Some(scan) = &report.scan
            && !scan.warning_list.is_empty()
        {
            writeln!(out)?;
            writeln!(
                out,
                "## Warnings of the latest scan ({})",
                scan.warning_list.len()
            )?;
            writeln!(out)?;
            for w in &scan.warning_list {
                writeln!(out, "- {}", cell(w))?;
            }
        }
        Ok(())
    }
}

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}
