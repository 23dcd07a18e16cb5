//! Timestamps as logs write them, parsed to naive local date-times.
//!
//! Logs of a bank's systems share no format; each observation still needs a
//! time (for first/last seen and daily counts). Times are kept naive: the
//! systems log in local time and errata compares days, not instants.

use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use regex::Regex;

/// Formats tried in order, by chrono syntax. `%.f` accepts `.123` and, after
/// the comma is normalised, log4j's `,123`.
const FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y%m%d %H%M%S",
    "%d.%m.%Y %H:%M:%S%.f",
    "%d/%m/%Y %H:%M:%S",
    "%Y/%m/%d %H:%M:%S%.f",
];

/// Something that looks like one of [`FORMATS`] anywhere in a line.
static FIND_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?|\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?|\d{8} \d{6}",
    )
    .expect("valid timestamp regex")
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

/// The first timestamp found anywhere in `line`.
pub fn find(line: &str) -> Option<NaiveDateTime> {
    FIND_RE
        .find_iter(line)
        .find_map(|m| parse(m.as_str(), None))
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
