//! Timestamps as logs write them, parsed to naive local date-times.
//!
//! Logs of a bank's systems share no format; each observation still needs a
//! time (for first/last seen and daily counts). Times are kept naive: the
//! systems log in local time and errata compares days, not instants.
//!
//! This is the one place timestamps are parsed: the extractors, and the log
//! scanners for their record framing (log4j headers, syslog, W3C `date`/`time`).
//! Syslog (RFC 3164) writes no year; [`syslog_prefix`] infers it.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};
use regex::Regex;

/// Formats tried in order, by chrono syntax. `%.f` accepts `.123` and, after
/// the comma is normalised, log4j's `,123`.
const FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%d %b %Y %H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y%m%d %H%M%S",
    "%d.%m.%Y %H:%M:%S%.f",
    "%d/%m/%Y %H:%M:%S",
    "%Y/%m/%d %H:%M:%S%.f",
];

/// The timestamps [`find`] looks for, as a regex without anchors or groups, so
/// that scanners can embed it in their record patterns (`(?:{PATTERN})`):
/// ISO 8601 with `T` or a space (and an offset), log4j's `yyyy-MM-dd HH:mm:ss,SSS`,
/// `yyyy/MM/dd HH:mm:ss`, `dd.MM.yyyy HH:mm:ss`, `yyyyMMdd HHmmss` and log4j's
/// `%d{DATE}` (`dd MMM yyyy HH:mm:ss,SSS`).
pub const PATTERN: &str = concat!(
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?",
    r"|\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?",
    r"|\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?",
    r"|\d{8} \d{6}",
    r"|\d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?",
);

/// Something that looks like one of [`FORMATS`] anywhere in a line.
static FIND_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(PATTERN).expect("valid timestamp regex"));

/// A syslog header timestamp at the start of a line: RFC 3164's `Mmm dd hh:mm:ss`
/// (day space-padded; a fraction and a year before the time, as some daemons
/// write them, are accepted) or an RFC 3339 timestamp (rsyslog's file format).
static SYSLOG_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:(?P<month>[A-Za-z]{3}) +(?P<day>\d{1,2}) (?:(?P<year>\d{4}) )?",
        r"(?P<time>\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)",
        r"|(?P<iso>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})?))",
        r"(?:\s|$)",
    ))
    .expect("valid syslog timestamp regex")
});

/// Parses one timestamp. `format` (chrono syntax, from the rules) is tried first.
/// Offsets (`Z`, `+03:00`) are accepted and dropped: the wall-clock time is kept.
pub fn parse(s: &str, format: Option<&str>) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Some(f) = format
        && let Ok(t) = NaiveDateTime::parse_from_str(s, f)
    {
        return Some(t);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.naive_local());
    }
    let normalised = normalise(s);
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&normalised, f).ok())
        .or_else(|| {
            NaiveDate::parse_from_str(&normalised, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
        })
}

/// The time of a field record that keeps date and time apart (W3C `date` and
/// `time` fields, fixed-width columns): its `date` field, else `default_date`,
/// and its `time` field; a date alone is its midnight.
pub fn from_date_and_time(
    fields: &[(String, String)],
    default_date: Option<&str>,
) -> Option<NaiveDateTime> {
    let value = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty() && *v != "-")
    };
    let date = value("date").or(default_date)?;
    match value("time") {
        Some(time) => parse(&format!("{date} {time}"), None),
        None => parse(date, None),
    }
}

/// The first timestamp found anywhere in `line`.
pub fn find(line: &str) -> Option<NaiveDateTime> {
    FIND_RE
        .find_iter(line)
        .find_map(|m| parse(m.as_str(), None))
}

/// The syslog timestamp at the start of `line` and the length of its text (the
/// separating space excluded).
///
/// RFC 3164 writes no year: it is the latest year that does not put the time
/// after `latest` (the caller's "now"), so a file written across New Year gets
/// December of the year before and January of the year of `latest`, and no
/// time ends up in the future. February 29 goes back to the last leap year.
pub fn syslog_prefix(line: &str, latest: NaiveDateTime) -> Option<(NaiveDateTime, usize)> {
    let caps = SYSLOG_RE.captures(line)?;
    let len = caps.get(0)?.as_str().trim_end().len();
    if let Some(iso) = caps.name("iso") {
        return parse(iso.as_str(), None).map(|t| (t, len));
    }
    let month = month_number(caps.name("month")?.as_str())?;
    let day: u32 = caps.name("day")?.as_str().parse().ok()?;
    let time =
        chrono::NaiveTime::parse_from_str(caps.name("time")?.as_str(), "%H:%M:%S%.f").ok()?;
    let at = |year: i32| NaiveDate::from_ymd_opt(year, month, day).map(|d| d.and_time(time));
    let t = match caps.name("year") {
        Some(year) => at(year.as_str().parse().ok()?)?,
        None => (0..=8)
            .map(|back| latest.year() - back)
            .filter_map(at)
            .find(|t| *t <= latest)?,
    };
    Some((t, len))
}

/// The number (1–12) of an English month abbreviation in any case (`Jan`, `DEC`),
/// as syslog writes them.
pub fn month_number(abbrev: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(abbrev))
        .map(|i| i as u32 + 1)
}

/// Drops a trailing UTC offset and turns log4j's `,SSS` into `.SSS`.
fn normalise(s: &str) -> String {
    let mut s = s.trim_end_matches('Z').to_string();
    if let Some(pos) = s.rfind(['+', '-'])
        && pos > 10
        && s[pos + 1..].chars().all(|c| c.is_ascii_digit() || c == ':')
    {
        s.truncate(pos);
    }
    if let Some(pos) = s.rfind(',')
        && s[pos + 1..].chars().all(|c| c.is_ascii_digit())
    {
        s.replace_range(pos..pos + 1, ".");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognised_formats() {
        let cases = [
            ("2024-03-01T10:00:00Z", "2024-03-01 10:00:00"),
            ("2024-03-01T10:00:00.250+03:00", "2024-03-01 10:00:00.250"),
            ("2024-03-01 10:00:00,123", "2024-03-01 10:00:00.123"),
            ("20240301 100000", "2024-03-01 10:00:00"),
            ("01.03.2024 10:00:00", "2024-03-01 10:00:00"),
            ("2024-03-01", "2024-03-01 00:00:00"),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse(input, None).map(|t| t.to_string()).as_deref(),
                Some(want),
                "{input}"
            );
        }
        assert_eq!(parse("yesterday", None), None);
    }

    /// Every variant in the fixture parses alone and is found inside a line.
    #[test]
    fn fixture_variants_parse_and_are_found() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/formats/logs/timestamps.txt"
        );
        let text = std::fs::read_to_string(path).expect("fixture present");
        let mut checked = 0;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (input, want) = line.split_once('\t').expect("text<TAB>time");
            let parsed = parse(input, None).map(|t| t.to_string());
            assert_eq!(parsed.as_deref(), Some(want), "parse {input}");
            let found = find(&format!("[worker-1] {input} ERROR x=1")).map(|t| t.to_string());
            assert_eq!(found.as_deref(), Some(want), "find {input}");
            checked += 1;
        }
        assert_eq!(checked, 12);
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn syslog_year_is_never_in_the_future() {
        let latest = at("2025-01-01 00:10:00");
        let cases = [
            ("Dec 31 23:59:58 host app: x", "2024-12-31 23:59:58", 15),
            ("Jan  1 00:00:01 host app: x", "2025-01-01 00:00:01", 15),
            ("jan 1 00:00:01 host", "2025-01-01 00:00:01", 14),
            ("Jan  1 00:10:01 host", "2024-01-01 00:10:01", 15),
            ("Feb 29 08:00:00.25 host", "2024-02-29 08:00:00.250", 18),
            ("Mar  3 2021 08:00:00 host", "2021-03-03 08:00:00", 20),
            (
                "2024-03-01T10:00:00.5+03:00 host",
                "2024-03-01 10:00:00.500",
                27,
            ),
            ("Dec 31 23:59:58", "2024-12-31 23:59:58", 15),
        ];
        for (line, want, len) in cases {
            let (t, n) = syslog_prefix(line, latest).unwrap_or_else(|| panic!("{line}"));
            assert_eq!((t.to_string().as_str(), n), (want, len), "{line}");
        }
        // Feb 29 seen in 2027 belongs to 2024, the last leap year.
        let (t, _) = syslog_prefix("Feb 29 08:00:00 h", at("2027-06-01 00:00:00")).unwrap();
        assert_eq!(t.to_string(), "2024-02-29 08:00:00");
        for bad in [
            "Foo 12 10:00:00 h",
            "Jan 32 10:00:00 h",
            "Jan 1 25:00:00 h",
            "Jan 1 10:00:00x",
        ] {
            assert_eq!(syslog_prefix(bad, latest), None, "{bad}");
        }
    }

    #[test]
    fn date_and_time_apart() {
        let t = |pairs: &[(&str, &str)], default: Option<&str>| {
            let fields: Vec<(String, String)> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            from_date_and_time(&fields, default).map(|t| t.to_string())
        };
        let w3c = [("date", "2024-03-01"), ("time", "10:00:01.5")];
        assert_eq!(t(&w3c, None).as_deref(), Some("2024-03-01 10:00:01.500"));
        let columns = [("time", "100000"), ("date", "20240301")];
        assert_eq!(t(&columns, None).as_deref(), Some("2024-03-01 10:00:00"));
        let no_date = [("time", "10:00:00")];
        assert_eq!(
            t(&no_date, Some("2024-03-02")).as_deref(),
            Some("2024-03-02 10:00:00")
        );
        assert_eq!(t(&no_date, None), None);
        let date_only = [("date", "2024-03-01"), ("time", "-")];
        assert_eq!(t(&date_only, None).as_deref(), Some("2024-03-01 00:00:00"));
        assert_eq!(t(&[("date", "2024")], None), None);
    }

    #[test]
    fn month_numbers() {
        assert_eq!(month_number("Jan"), Some(1));
        assert_eq!(month_number("DEC"), Some(12));
        assert_eq!(month_number("Mai"), None);
    }

    #[test]
    fn rules_format_wins() {
        let t = parse("01/03/24 10-00", Some("%d/%m/%y %H-%M")).unwrap();
        assert_eq!(t.to_string(), "2024-03-01 10:00:00");
    }

    #[test]
    fn finds_a_timestamp_inside_a_line() {
        let t = find("[main] 2024-03-01 10:00:00,123 ERROR x").unwrap();
        assert_eq!(t.to_string(), "2024-03-01 10:00:00.123");
        assert_eq!(find("no time here"), None);
    }
}
