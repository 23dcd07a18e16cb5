//! log4j / logback style logs: multi-line records that start with a header line.
//!
//! A record starts with a line matching the header pattern: by default a
//! timestamp (any of [`timestamp::PATTERN`], optionally in `[…]`), then optionally
//! a `[thread]`, then a level word, as log4j's `%d [%t] %-5p` and logback's
//! `%d %-5level [%thread]` write them. The rules may give their own pattern as
//! `options.record_start` (a `ts` group, if any, holds the time).
//!
//! Every other line (stack frames `\tat …`, `Caused by: …`, `... 12 more`,
//! wrapped message lines, blank lines) continues the record before it. Those
//! lines are never client text, so the record's body is its header line alone:
//! continuation lines are read past and given to no extractor. Lines before the
//! first header (the tail of a record from a rotated file, or of one already
//! scanned when a scan resumes) belong to no record and are skipped the same way.

use std::io::BufRead;
use std::sync::LazyLock;

use regex::Regex;

use super::{Item, ScanContext, Scanner, scan_lines};
use crate::model::{FormatId, Location, LogRecord, RecordBody, Role};
use crate::timestamp;

/// Level words of log4j, logback, java.util.logging and syslog-minded layouts.
const LEVELS: &str = "TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|SEVERE|CRITICAL|FATAL";

/// The default record header: `ts LEVEL`, `[ts] LEVEL`, `ts [thread] LEVEL`.
static DEFAULT_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^\[?(?P<ts>{})\]?\s+(?:\[[^\]]*\]\s+)?(?:{LEVELS})\b",
        timestamp::PATTERN
    ))
    .expect("valid log4j header regex")
});

pub struct Log4j;

impl Scanner for Log4j {
    fn id(&self) -> FormatId {
        FormatId::Log4j
    }

    fn role(&self) -> Role {
        Role::Observations
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["log", "out"]
    }

    /// The first line that does not look like a continuation is a default header.
    fn sniff(&self, head: &str) -> bool {
        head.lines()
            .find(|l| {
                !l.trim().is_empty()
                    && !l.starts_with(char::is_whitespace)
                    && !l.starts_with("Caused by:")
            })
            .is_some_and(|l| DEFAULT_HEADER.is_match(l))
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let header = ctx
            .options
            .record_start
            .as_ref()
            .map_or(&*DEFAULT_HEADER, |r| &r.0);
        scan_lines(input, ctx, emit, |line_no, line, emit| {
            let Some(caps) = header.captures(line) else {
                return;
            };
            let time = match caps.name("ts") {
                Some(ts) => timestamp::parse(ts.as_str(), None),
                None => timestamp::find(line),
            };
            emit(Item::Record(LogRecord {
                location: Location::new(ctx.path, line_no),
                time,
                body: RecordBody::Text(line.to_string()),
            }));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{RegexField, SourceOptions};
    use crate::scan::testing::{fixture, records, render, scan_str};

    #[test]
    fn records_start_at_headers_and_continuations_are_not_bodies() {
        let options = SourceOptions::default();
        let ctx = ScanContext::for_test("app.log", &options);
        let items = scan_str(&Log4j, &fixture("logs/log4j.log"), &ctx);
        let lines = fixture("logs/log4j.log");
        let line = |n: usize| lines.lines().nth(n - 1).unwrap().to_string();
        let want = [
            (3, "2024-03-01 10:00:00.123"),
            (4, "2024-03-01 10:00:01.456"),
            (11, "2024-03-01 10:00:02"),
            (14, "2024-03-01 10:00:03.500"),
            (15, "2024-03-01 10:00:04"),
            (16, "2024-03-01 10:00:05.250"),
            (17, "2024-03-01 10:00:06"),
        ]
        .map(|(n, t)| format!("{n} {t} {}", line(n)));
        assert_eq!(render(&items), want);
    }

    #[test]
    fn rules_header_pattern_replaces_the_default() {
        let options = SourceOptions {
            record_start: Some(RegexField(
                Regex::new(r"^(?P<ts>\d{2}:\d{2}:\d{2}\.\d{3}) \[[^\]]+\] [A-Z]+ ").unwrap(),
            )),
            ..SourceOptions::default()
        };
        let ctx = ScanContext::for_test("app.log", &options);
        let input =
            "10:00:00.000 [main] ERROR a.B - x\n\tat a.B.c(B.java:1)\nE 2024-03-01 10:00:00 no\n";
        let recs = records(scan_str(&Log4j, input, &ctx));
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].location.line, 1);
        // A time of day alone is no recognised timestamp: the extractor falls back.
        assert_eq!(recs[0].time, None);
    }

    #[test]
    fn sniff_skips_leading_continuations() {
        assert!(Log4j.sniff(&fixture("logs/log4j.log")));
        assert!(Log4j.sniff("[2024-03-01 10:00:00] INFO x\n"));
        assert!(!Log4j.sniff("plain text\n2024-03-01 10:00:00 INFO x\n"));
        assert!(!Log4j.sniff("Mar  1 10:00:00 host app: INFO x\n"));
        assert!(!Log4j.sniff("2024-03-01 10:00:00 10.0.0.1 GET /pay - 443\n"));
        let detected = |name, head: &str| crate::scan::detect(name, head).map(|s| s.id().as_str());
        assert_eq!(
            detected("app.log.1", &fixture("logs/log4j.log")),
            Some("log4j")
        );
        assert_eq!(
            detected("catalina.out", &fixture("logs/log4j.log")),
            Some("log4j")
        );
        // Plain lines stay with the plain line scanner.
        assert_eq!(detected("app.log", "started\nstopped\n"), Some("log_lines"));
    }

    proptest::proptest! {
        /// Bad input is a warning or nothing, never a panic.
        #[test]
        fn arbitrary_input_never_panics(input in crate::scan::testing::LOGGISH) {
            crate::scan::testing::scan_any(&Log4j, &input);
        }
    }
}
