//! `errata check --format junit`: JUnit XML for CI systems that show test
//! reports. One test suite per flag kind, one test case per finding: new
//! findings at or above `--fail-on` are failures, baseline and suppressed ones
//! are skipped (with the reason), new ones below `--fail-on` pass. A clean
//! check still has one passing case, so the report is never empty.

use std::collections::BTreeMap;
use std::io::Write;

use quick_xml::Writer;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};

use super::{CheckOutcome, Finding, Status};
use crate::report::Reporter;

fn xml_err(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

pub struct Junit;

impl Reporter<CheckOutcome> for Junit {
    fn render(&self, outcome: &CheckOutcome, out: &mut dyn Write) -> std::io::Result<()> {
        render(outcome, out)
    }
}

fn render(outcome: &CheckOutcome, out: &mut dyn Write) -> std::io::Result<()> {
    let mut by_kind: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &outcome.findings {
        by_kind.entry(f.flag.kind.as_str()).or_default().push(f);
    }
    let failures = outcome.findings.iter().filter(|f| f.failing).count();
    let tests = outcome.findings.len().max(1);
    let mut w = Writer::new_with_indent(&mut *out, b' ', 2);
    w.write_event(Event::Decl(quick_xml::events::BytesDecl::new(
        "1.0",
        Some("UTF-8"),
        None,
    )))
    .map_err(xml_err)?;
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", "errata check"));
    root.push_attribute(("tests", tests.to_string().as_str()));
    root.push_attribute(("failures", failures.to_string().as_str()));
    w.write_event(Event::Start(root)).map_err(xml_err)?;
    if outcome.findings.is_empty() {
        suite(&mut w, "errata check", &[])?;
    }
    for (kind, findings) in by_kind {
        suite(&mut w, kind, &findings)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))
        .map_err(xml_err)?;
    writeln!(out)
}

fn suite<W: Write>(w: &mut Writer<W>, name: &str, findings: &[&Finding]) -> std::io::Result<()> {
    let failures = findings.iter().filter(|f| f.failing).count();
    let skipped = findings.iter().filter(|f| f.status != Status::New).count();
    let mut start = BytesStart::new("testsuite");
    start.push_attribute(("name", name));
    start.push_attribute(("tests", findings.len().max(1).to_string().as_str()));
    start.push_attribute(("failures", failures.to_string().as_str()));
    start.push_attribute(("errors", "0"));
    start.push_attribute(("skipped", skipped.to_string().as_str()));
    w.write_event(Event::Start(start)).map_err(xml_err)?;
    if findings.is_empty() {
        let mut case = BytesStart::new("testcase");
        case.push_attribute(("classname", "errata"));
        case.push_attribute(("name", "no findings"));
        w.write_event(Event::Empty(case)).map_err(xml_err)?;
    }
    for f in findings {
        let subject = f
            .flag
            .key
            .as_deref()
            .or(f.flag.template.as_deref())
            .unwrap_or("");
        let mut case = BytesStart::new("testcase");
        case.push_attribute(("classname", f.flag.system.as_str()));
        case.push_attribute(("name", format!("{} {subject}", f.flag.kind).as_str()));
        if let Some(l) = &f.location {
            case.push_attribute(("file", l.path.as_str()));
            case.push_attribute(("line", l.line.to_string().as_str()));
        }
        w.write_event(Event::Start(case)).map_err(xml_err)?;
        let place = f
            .location
            .as_ref()
            .map_or_else(String::new, |l| format!("{}:{}: ", l.path, l.line));
        let (tag, message) = match f.status {
            Status::New if f.failing => ("failure", f.flag.message.clone()),
            Status::New => ("system-out", format!("below --fail-on: {}", f.flag.message)),
            Status::Baseline => ("skipped", format!("in baseline: {}", f.flag.message)),
            Status::Suppressed => (
                "skipped",
                format!("suppressed: {}", f.flag.suppressed.as_deref().unwrap_or("")),
            ),
        };
        let mut el = BytesStart::new(tag);
        if tag != "system-out" {
            el.push_attribute(("message", message.as_str()));
        }
        if tag == "failure" {
            el.push_attribute(("type", f.flag.kind.as_str()));
        }
        w.write_event(Event::Start(el)).map_err(xml_err)?;
        let body = format!(
            "{place}{}[{}] {}: {}\nevidence: {}",
            f.severity.as_str(),
            f.flag.kind,
            f.flag.system,
            message,
            f.flag.evidence
        );
        w.write_event(Event::Text(BytesText::new(&body)))
            .map_err(xml_err)?;
        w.write_event(Event::End(BytesEnd::new(tag)))
            .map_err(xml_err)?;
        w.write_event(Event::End(BytesEnd::new("testcase")))
            .map_err(xml_err)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))
        .map_err(xml_err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::check::tests::snapshot;
    use crate::check::{CheckFormat, Severity, evaluate};

    fn junit(outcome: &crate::check::CheckOutcome) -> String {
        let mut out = Vec::new();
        CheckFormat::Junit
            .reporter()
            .render(outcome, &mut out)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn failures_skips_and_counts_are_well_formed_xml() {
        let mut snap = snapshot();
        snap.flags[0].message = "41 bytes > 40 <field & \"ERR-TEXT\">".to_string();
        let xml = junit(&evaluate(&snap, true, None, Severity::Warning));
        // Parses back, so escaping is right.
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut failures = 0;
        let mut skipped = 0;
        loop {
            match reader.read_event().unwrap() {
                quick_xml::events::Event::Start(e) if e.name().as_ref() == "failure" => {
                    failures += 1
                }
                quick_xml::events::Event::Start(e) if e.name().as_ref() == "skipped" => {
                    skipped += 1
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!((failures, skipped), (2, 1));
        assert!(
            xml.contains(r#"<testsuites name="errata check" tests="4" failures="2">"#),
            "{xml}"
        );
        assert!(
            xml.contains(r#"file="abs/messages.properties" line="9""#),
            "{xml}"
        );
        assert!(xml.contains("41 bytes &gt; 40 &lt;field &amp;"), "{xml}");
        assert!(xml.contains("suppressed: owned by the ops team"), "{xml}");
    }

    #[test]
    fn a_clean_check_still_has_a_passing_case() {
        let mut snap = snapshot();
        snap.flags.clear();
        let xml = junit(&evaluate(&snap, true, None, Severity::Warning));
        assert!(
            xml.contains(r#"<testcase classname="errata" name="no findings"/>"#),
            "{xml}"
        );
    }
}
