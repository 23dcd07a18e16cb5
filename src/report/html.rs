//! `--format html`: one self-contained page for product owners.
//!
//! Everything is inline (CSS, JS, the data as JSON, charts as SVG drawn by the
//! script), so the file works from a `file://` URL with no network. The page
//! shows an overview, one section per system, what changed since the previous
//! scan, and a sortable, filterable, paged table of every template and
//! definition with a detail view per text. Paging keeps 50,000 rows usable;
//! whatever the page leaves out (rows beyond [`MAX_ROWS`], days outside the
//! sparkline window, long change lists) it says so.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use serde_json::json;

use super::{Report, Reporter};
use crate::audit;
use crate::model::{KindId, MAX_SAMPLES, Vocabulary};

pub struct Html;

/// Most rows embedded; beyond this the page says how many were left out.
pub const MAX_ROWS: usize = 200_000;
/// Days shown in each sparkline, ending at the as-of date.
pub const SPARK_DAYS: i64 = 60;
/// Most entries per list in "changed since the previous scan".
pub const MAX_CHANGES: usize = 500;

const CSS: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

impl Reporter for Html {
    fn render(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let data = serde_json::to_string(&payload(report)).map_err(std::io::Error::other)?;
        let title = match &report.as_of {
            Some(d) => format!("errata report, as of {d}"),
            None => "errata report".to_string(),
        };
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n\
             <noscript>This report needs JavaScript to show its tables.</noscript>\n\
             <main id=\"app\"></main>\n\
             <script type=\"application/json\" id=\"errata-data\">{}</script>\n\
             <script>\n{SCRIPT}</script>\n</body>\n</html>\n",
            escape_html(&title),
            // `<` only occurs inside JSON strings, where `\u003c` means the same;
            // this keeps `</script>` in a text from ending the script element.
            data.replace('<', "\\u003c"),
        )
    }
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One row of the big table: a template or a definition.
#[derive(Serialize)]
struct Row<'a> {
    /// `t` template, `d` definition.
    t: &'static str,
    id: &'a str,
    system: &'a str,
    text: &'a str,
    key: Option<&'a str>,
    locale: Option<&'a str>,
    state: Option<&'a str>,
    count: u64,
    first: Option<&'a str>,
    last: Option<&'a str>,
    /// Indexes into the payload's `flags`.
    flags: Vec<usize>,
    /// Observations per day within the sparkline window, `(day index, count)`.
    days: Vec<(i64, u64)>,
    samples: &'a [String],
    /// Where defined: `path:line`.
    defined: Vec<String>,
    /// Where seen: `path:line (count)`.
    seen: Vec<String>,
    /// For a template: the key of the definition it matches.
    matches: Option<&'a str>,
}

fn payload(report: &Report) -> serde_json::Value {
    let end = report
        .as_of
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .or_else(|| {
            report
                .templates
                .iter()
                .filter_map(|t| t.daily.keys().next_back())
                .max()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        })
        .unwrap_or_default();
    let start = end - Duration::days(SPARK_DAYS - 1);
    let mut days_cut = 0u64;
    let mut window = |daily: &BTreeMap<String, u64>| -> Vec<(i64, u64)> {
        let mut out = Vec::new();
        for (day, n) in daily {
            match NaiveDate::parse_from_str(day, "%Y-%m-%d") {
                Ok(d) if d >= start && d <= end => out.push(((d - start).num_days(), *n)),
                _ => days_cut += 1,
            }
        }
        out
    };

    let mut by_key: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let mut by_template: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in report.flags.iter().enumerate() {
        match (&f.key, &f.template) {
            (_, Some(t)) => by_template.entry(t).or_default().push(i),
            (Some(k), None) => by_key.entry((&f.system, k)).or_default().push(i),
            (None, None) => {}
        }
    }
    // What the logs showed of each definition: the sum over its templates.
    let mut def_daily: HashMap<&str, BTreeMap<String, u64>> = HashMap::new();
    let mut def_seen: HashMap<&str, Vec<String>> = HashMap::new();
    let mut def_samples: HashMap<&str, Vec<String>> = HashMap::new();
    for t in &report.templates {
        if let Some(d) = &t.definition_id {
            let daily = def_daily.entry(d).or_default();
            for (day, n) in &t.daily {
                *daily.entry(day.clone()).or_default() += n;
            }
            def_seen.entry(d).or_default().extend(seen_in(t));
            let samples = def_samples.entry(d).or_default();
            for s in &t.samples {
                if samples.len() < MAX_SAMPLES && !samples.contains(s) {
                    samples.push(s.clone());
                }
            }
        }
    }
    let def_by_id: HashMap<&str, &super::DefinitionEntry> = report
        .definitions
        .iter()
        .map(|d| (d.id.as_str(), d))
        .collect();

    let mut rows: Vec<Row> = Vec::with_capacity(report.templates.len() + report.definitions.len());
    for d in &report.definitions {
        rows.push(Row {
            t: "d",
            id: &d.id,
            system: &d.system,
            text: &d.text,
            key: Some(&d.key),
            locale: d.locale.as_deref(),
            state: Some(d.state.as_str()),
            count: d.observed,
            first: d.first_seen.as_deref(),
            last: d.last_seen.as_deref(),
            flags: by_key
                .get(&(d.system.as_str(), d.key.as_str()))
                .cloned()
                .unwrap_or_default(),
            days: def_daily
                .get(d.id.as_str())
                .map(&mut window)
                .unwrap_or_default(),
            samples: def_samples.get(d.id.as_str()).map_or(&[], |s| s.as_slice()),
            defined: vec![format!("{}:{}", d.source.path, d.source.line)],
            seen: def_seen.remove(d.id.as_str()).unwrap_or_default(),
            matches: None,
        });
    }
    for t in &report.templates {
        let definition = t.definition_id.as_deref().and_then(|id| def_by_id.get(id));
        rows.push(Row {
            t: "t",
            id: &t.id,
            system: &t.system,
            text: &t.template,
            key: None,
            locale: None,
            state: None,
            count: t.count,
            first: Some(&t.first_seen),
            last: Some(&t.last_seen),
            flags: by_template.get(t.id.as_str()).cloned().unwrap_or_default(),
            days: window(&t.daily),
            samples: &t.samples,
            defined: definition
                .map(|d| vec![format!("{}:{}", d.source.path, d.source.line)])
                .unwrap_or_default(),
            seen: seen_in(t).collect(),
            matches: t.definition.as_deref(),
        });
    }
    let total_rows = rows.len();
    rows.truncate(MAX_ROWS);

    // Texts a client can see, each counted once: definitions, and observed
    // templates no definition covers.
    let texts = |system: Option<&str>| {
        let in_system = |s: &str| system.is_none_or(|x| x == s);
        report
            .definitions
            .iter()
            .filter(|d| in_system(&d.system))
            .count()
            + report
                .templates
                .iter()
                .filter(|t| in_system(&t.system) && t.definition_id.is_none())
                .count()
    };
    let needs_action = |system: Option<&str>| {
        let flagged = |f: &[usize]| f.iter().any(|i| report.flags[*i].suppressed.is_none());
        let in_system = |s: &str| system.is_none_or(|x| x == s);
        report
            .definitions
            .iter()
            .filter(|d| in_system(&d.system))
            .filter(|d| {
                by_key
                    .get(&(d.system.as_str(), d.key.as_str()))
                    .is_some_and(|f| flagged(f))
            })
            .count()
            + report
                .templates
                .iter()
                .filter(|t| in_system(&t.system) && t.definition_id.is_none())
                .filter(|t| by_template.get(t.id.as_str()).is_some_and(|f| flagged(f)))
                .count()
    };
    let by_kind = |system: Option<&str>| {
        // Errors first, then warnings, then notes.
        let mut counts: BTreeMap<(super::SeverityOrder, &str), (usize, usize)> = BTreeMap::new();
        for f in report
            .flags
            .iter()
            .filter(|f| system.is_none_or(|s| s == f.system))
        {
            let e = counts
                .entry((super::severity_order(f.kind), f.kind.as_str()))
                .or_default();
            if f.suppressed.is_some() {
                e.1 += 1;
            } else {
                e.0 += 1;
            }
        }
        counts
            .into_iter()
            .map(|((_, k), (open, suppressed))| json!({"kind": k, "open": open, "suppressed": suppressed}))
            .collect::<Vec<_>>()
    };
    let kinds: Vec<_> = KindId::ALL
        .iter()
        .map(|&k| {
            let info = audit::info(k);
            json!({"kind": k, "severity": info.severity, "title": info.title, "advice": info.advice})
        })
        .collect();
    let systems: Vec<_> = report
        .systems
        .iter()
        .map(|s| {
            json!({
                "name": s.name,
                "definitions": s.definitions,
                "templates": s.templates,
                "observations": s.observations,
                "unmatched": s.unmatched_templates,
                "texts": texts(Some(&s.name)),
                "needs_action": needs_action(Some(&s.name)),
                "by_kind": by_kind(Some(&s.name)),
            })
        })
        .collect();
    let cut_list = |list: &[crate::catalog::ItemRef]| json!({"total": list.len(), "items": &list[..list.len().min(MAX_CHANGES)]});
    let cut_flags = |list: &[crate::model::Flag]| json!({"total": list.len(), "items": &list[..list.len().min(MAX_CHANGES)]});
    let changes = report.changes.as_ref().map(|c| {
        json!({
            "previous_as_of": c.previous_as_of,
            "new_definitions": cut_list(&c.new_definitions),
            "gone_definitions": cut_list(&c.gone_definitions),
            "new_templates": cut_list(&c.new_templates),
            "gone_templates": cut_list(&c.gone_templates),
            "new_flags": cut_flags(&c.new_flags),
            "cleared_flags": cut_flags(&c.cleared_flags),
        })
    });
    json!({
        "as_of": report.as_of,
        "scan": report.scan,
        "spark": {"start": start.to_string(), "end": end.to_string(), "days": SPARK_DAYS, "cut": days_cut},
        "totals": {
            "systems": report.systems.len(),
            "texts": texts(None),
            "needs_action": needs_action(None),
            "flags": report.flags.len(),
            "by_kind": by_kind(None),
        },
        "kinds": kinds,
        "systems": systems,
        "flags": report.flags,
        "rows": rows,
        "total_rows": total_rows,
        "changes": changes,
    })
}

fn seen_in(t: &super::TemplateEntry) -> impl Iterator<Item = String> + '_ {
    t.seen_in
        .iter()
        .map(|s| format!("{}:{} ({})", s.path, s.line, s.count))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        Html.render(report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn data(html: &str) -> serde_json::Value {
        let start = html.find("id=\"errata-data\">").unwrap() + "id=\"errata-data\">".len();
        let end = start + html[start..].find("</script>").unwrap();
        serde_json::from_str(&html[start..end]).unwrap()
    }

    #[test]
    fn is_self_contained() {
        // The SVG namespace is a name, not something fetched.
        let html = render(&sample_report()).replace("http://www.w3.org/2000/svg", "");
        for remote in ["http://", "https://", "src=\"", "<link"] {
            assert!(!html.contains(remote), "{remote} in page");
        }
    }

    #[test]
    fn texts_cannot_end_the_script_element() {
        let mut report = sample_report();
        report.templates[0].template = "</script><b>x</b>".to_string();
        let html = render(&report);
        assert_eq!(html.matches("</script>").count(), 2);
        assert_eq!(data(&html)["rows"][1]["text"], "</script><b>x</b>");
    }

    #[test]
    fn counts_each_text_once_and_only_open_flags_as_needing_action() {
        let d = data(&render(&sample_report()));
        // One definition + one template without definition.
        assert_eq!(d["totals"]["texts"], 2);
        // The definition's flag is open; the template's `undefined` is suppressed
        // but its unknown-kind flag is open.
        assert_eq!(d["totals"]["needs_action"], 2);
        assert_eq!(d["totals"]["by_kind"][2]["kind"], "undefined");
        assert_eq!(d["totals"]["by_kind"][2]["suppressed"], 1);
        assert_eq!(d["rows"].as_array().unwrap().len(), 3);
        assert_eq!(d["rows"][0]["defined"][0], "abs/messages_ru.properties:7");
        assert_eq!(d["rows"][0]["flags"], json!([0]));
    }

    #[test]
    fn sparkline_window_ends_at_as_of_and_counts_what_falls_outside() {
        let mut report = sample_report();
        report.templates[1]
            .daily
            .insert("2020-01-01".to_string(), 1);
        let d = data(&render(&report));
        assert_eq!(d["spark"]["end"], "2026-11-25");
        assert_eq!(d["spark"]["cut"], 1);
        // 2026-11-20 is 5 days before the end of a 60-day window.
        assert_eq!(d["rows"][1]["days"][1], json!([54, 6]));
    }

    #[test]
    fn rows_beyond_the_limit_are_cut_and_counted() {
        let mut report = sample_report();
        let t = report.templates[1].clone();
        report.templates = (0..MAX_ROWS + 5)
            .map(|i| {
                let mut t = t.clone();
                t.id = format!("t{i}");
                t
            })
            .collect();
        let d = data(&render(&report));
        assert_eq!(d["rows"].as_array().unwrap().len(), MAX_ROWS);
        assert_eq!(d["total_rows"], MAX_ROWS + 6);
    }
}
