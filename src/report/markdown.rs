//! `--format md`: a readable summary per system for product owners, flags first
//! (counts by kind, then each flag under its kind).

use std::collections::BTreeMap;
use std::io::Write;

use super::{LISTED_PER_KIND, Report, Reporter, SeverityOrder, severity_order};
use crate::audit;
use crate::model::{Flag, Severity};

pub struct Markdown;

impl Reporter for Markdown {
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
        if let Some(changes) = &report.changes {
            changes_section(changes, out)?;
        }
        for s in &report.systems {
            writeln!(out)?;
            writeln!(out, "## {}", s.name)?;
            flags_section(report, &s.name, out)?;
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
        // Flags about no listed system (e.g. a suppression naming no system).
        let mut others: Vec<&str> = report
            .flags
            .iter()
            .map(|f| f.system.as_str())
            .filter(|name| !report.systems.iter().any(|s| s.name == *name))
            .collect();
        others.sort();
        others.dedup();
        for name in others {
            writeln!(out)?;
            writeln!(out, "## {name}")?;
            flags_section(report, name, out)?;
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

/// A system's flags: counts by kind, then the flags under their kind, errors
/// first; of a warning or note kind the first [`LISTED_PER_KIND`], the rest counted.
fn flags_section(report: &Report, system: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let mut by_kind: BTreeMap<(SeverityOrder, &str), Vec<&Flag>> = BTreeMap::new();
    for f in report.flags.iter().filter(|f| f.system == system) {
        by_kind
            .entry((severity_order(f.kind), f.kind.as_str()))
            .or_default()
            .push(f);
    }
    if by_kind.is_empty() {
        return Ok(());
    }
    let total: usize = by_kind.values().map(Vec::len).sum();
    writeln!(out)?;
    writeln!(out, "### Flags ({total})")?;
    writeln!(out)?;
    writeln!(out, "| kind | severity | flags | suppressed |")?;
    writeln!(out, "|---|---|---:|---:|")?;
    for ((_, kind), flags) in &by_kind {
        let suppressed = flags.iter().filter(|f| f.suppressed.is_some()).count();
        let severity = audit::info(flags[0].kind).severity;
        writeln!(
            out,
            "| {kind} | {severity} | {} | {suppressed} |",
            flags.len()
        )?;
    }
    for ((_, kind), flags) in &by_kind {
        writeln!(out)?;
        writeln!(out, "#### {kind} ({})", flags.len())?;
        writeln!(out)?;
        let listed = if audit::info(flags[0].kind).severity == Severity::Error {
            flags.len()
        } else {
            LISTED_PER_KIND
        };
        for f in flags.iter().take(listed) {
            let suppressed = f
                .suppressed
                .as_deref()
                .map(|r| format!(" — *suppressed: {}*", cell(r)))
                .unwrap_or_default();
            writeln!(out, "- {}{suppressed}", cell(&f.message))?;
        }
        if flags.len() > listed {
            writeln!(
                out,
                "- … and {} more (every flag is in `--format json`, `csv` and `xlsx`)",
                flags.len() - listed
            )?;
        }
    }
    Ok(())
}

/// What the latest scan changed compared with the one before it.
fn changes_section(changes: &super::ChangesEntry, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out)?;
    match &changes.previous_as_of {
        Some(d) => writeln!(out, "## Changed since the previous scan (as of {d})")?,
        None => return Ok(()),
    }
    let items = [
        ("New texts", &changes.new_templates),
        ("Texts no longer seen", &changes.gone_templates),
        ("New definitions", &changes.new_definitions),
        ("Definitions gone", &changes.gone_definitions),
    ];
    for (title, list) in items {
        if list.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "### {title} ({})", list.len())?;
        writeln!(out)?;
        for item in list {
            writeln!(out, "- {}: {}", cell(&item.system), cell(&item.label))?;
        }
    }
    for (title, list) in [
        ("New flags", &changes.new_flags),
        ("Flags cleared", &changes.cleared_flags),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "### {title} ({})", list.len())?;
        writeln!(out)?;
        for f in list {
            writeln!(
                out,
                "- {} · {}: {}",
                f.kind,
                cell(&f.system),
                cell(&f.message)
            )?;
        }
    }
    Ok(())
}

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::KindId;
    use crate::report::SystemSummary;

    fn flag(kind: KindId, system: &str, message: &str, suppressed: Option<&str>) -> Flag {
        Flag {
            kind,
            system: system.to_string(),
            key: None,
            template: None,
            message: message.to_string(),
            evidence: serde_json::Value::Null,
            suppressed: suppressed.map(str::to_string),
        }
    }

    /// Regression (#11): thousands of warnings buried the errors; kinds were
    /// in name order.
    #[test]
    fn errors_come_first_and_warnings_are_summarised() {
        let mut flags: Vec<Flag> = (0..25)
            .map(|i| {
                flag(
                    KindId::InconsistentText,
                    "kc",
                    &format!("warning {i:02}"),
                    None,
                )
            })
            .collect();
        flags.push(flag(KindId::NearDuplicate, "kc", "a note", None));
        flags
            .extend((0..12).map(|i| flag(KindId::Truncated, "kc", &format!("error {i:02}"), None)));
        let report = Report {
            as_of: None,
            systems: vec![SystemSummary {
                name: "kc".to_string(),
                definitions: 0,
                templates: 0,
                observations: 0,
                unmatched_templates: 0,
                flags: 38,
            }],
            definitions: Vec::new(),
            templates: Vec::new(),
            flags,
            scan: None,
            changes: None,
        };
        let mut out = Vec::new();
        Markdown.render(&report, &mut out).unwrap();
        let md = String::from_utf8(out).unwrap();
        let headings: Vec<&str> = md.lines().filter(|l| l.starts_with("#### ")).collect();
        assert_eq!(
            headings,
            vec![
                "#### truncated (12)",
                "#### inconsistent-text (25)",
                "#### near-duplicate (1)"
            ]
        );
        let rows: Vec<&str> = md
            .lines()
            .filter(|l| l.starts_with("| ") && l.ends_with(" |") && !l.starts_with("| kind"))
            .collect();
        assert_eq!(
            rows[rows.len() - 3..],
            [
                "| truncated | error | 12 | 0 |",
                "| inconsistent-text | warning | 25 | 0 |",
                "| near-duplicate | note | 1 | 0 |"
            ]
        );
        let listed: Vec<&str> = md.lines().filter(|l| l.starts_with("- ")).collect();
        assert_eq!(listed.len(), 12 + LISTED_PER_KIND + 1 + 1, "{md}");
        assert!(listed.contains(&"- error 11"), "every error listed");
        assert!(listed.contains(&"- warning 09") && !listed.contains(&"- warning 10"));
        assert!(
            listed
                .contains(&"- … and 15 more (every flag is in `--format json`, `csv` and `xlsx`)")
        );
    }

    #[test]
    fn flags_are_grouped_by_system_and_kind_with_counts() {
        let report = Report {
            as_of: Some("2024-06-30".to_string()),
            systems: vec![SystemSummary {
                name: "abs".to_string(),
                definitions: 0,
                templates: 0,
                observations: 0,
                unmatched_templates: 0,
                flags: 3,
            }],
            definitions: Vec::new(),
            templates: Vec::new(),
            flags: vec![
                flag(KindId::Stale, "abs", "`A` was last shown", None),
                flag(KindId::Stale, "abs", "`B` was last shown", Some("seasonal")),
                flag(
                    KindId::Undefined,
                    "abs",
                    "\"x|y\" matches no definition",
                    None,
                ),
                flag(
                    KindId::UnusedSuppression,
                    "*",
                    "suppression matches no flag",
                    None,
                ),
            ],
            scan: None,
            changes: None,
        };
        let mut out = Vec::new();
        Markdown.render(&report, &mut out).unwrap();
        let md = String::from_utf8(out).unwrap();
        assert!(md.contains("### Flags (3)"), "{md}");
        assert!(
            !md.contains("Changed since"),
            "no previous scan, no changes section: {md}"
        );
        assert!(md.contains("| stale | note | 2 | 1 |"), "{md}");
        assert!(md.contains("#### undefined (1)"), "{md}");
        assert!(md.contains("- \"x\\|y\" matches no definition"), "{md}");
        assert!(
            md.contains("- `B` was last shown — *suppressed: seasonal*"),
            "{md}"
        );
        assert!(md.contains("## *\n\n### Flags (1)"), "{md}");
    }

    #[test]
    fn changes_since_the_previous_scan_are_listed() {
        let item = |label: &str| crate::catalog::ItemRef {
            system: "abs".to_string(),
            label: label.to_string(),
            id: "t9".to_string(),
            count: 3,
        };
        let mut report = crate::report::tests::sample_report();
        report.changes = Some(super::super::ChangesEntry {
            previous_as_of: Some("2024-06-29".to_string()),
            new_definitions: Vec::new(),
            gone_definitions: vec![item("E0099")],
            new_templates: vec![item("Ошибка <NUM>")],
            gone_templates: Vec::new(),
            new_flags: Vec::new(),
            cleared_flags: Vec::new(),
        });
        let mut out = Vec::new();
        Markdown.render(&report, &mut out).unwrap();
        let md = String::from_utf8(out).unwrap();
        assert!(
            md.contains("## Changed since the previous scan (as of 2024-06-29)"),
            "{md}"
        );
        assert!(
            md.contains("### New texts (1)\n\n- abs: Ошибка <NUM>"),
            "{md}"
        );
        assert!(
            md.contains("### Definitions gone (1)\n\n- abs: E0099"),
            "{md}"
        );
        assert!(!md.contains("### New flags"), "{md}");
    }
}
