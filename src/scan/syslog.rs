//! syslog files: RFC 3164 (BSD) and RFC 5424 lines, one record each.
//!
//! A record's body is [`RecordBody::Fields`], so field-path and default
//! extractors work on it: `facility` and `severity` (names, from the PRI when
//! present), `host`, `app`, `procid`, `msgid` (5424), one field per
//! structured-data parameter named `<SD-ID>.<name>` (escapes undone), and `msg`.
//! Nil values (`-`) give no field. The message field is `msg`, not `message`:
//! the zero-config extractor should not take every daemon's message for client
//! text, only the usual client fields and `userMessage="…"` pairs inside `msg`.
//!
//! RFC 3164 lines: `[<PRI>]Mmm dd hh:mm:ss host tag[pid]: msg`, the PRI optional
//! as files written by syslogd omit it, the host optional when the tag follows
//! the time, and rsyslog's RFC 3339 time accepted in place of `Mmm dd …`. They
//! carry no year: it is the latest year that puts the time at or before the
//! earlier of the end of the as-of day and the file's modification time (plus a
//! day, since the file time is UTC and the log's clock local), so a file written
//! across New Year keeps December in the year before and nothing is in the future.
//!
//! RFC 5424 lines: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD [MSG]`, with a BOM
//! before MSG dropped. A line that is neither is a warning naming it.

use std::io::BufRead;
use std::sync::LazyLock;

use chrono::NaiveDateTime;
use regex::Regex;

use super::{Item, ScanContext, Scanner, scan_lines};
use crate::model::{Location, LogRecord, RecordBody, Role, Warning};
use crate::timestamp;

/// An RFC 3164 tag: `app:` or `app[pid]:`, then the message.
static TAG_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<app>[^\s\[\]:]+)(?:\[(?P<pid>[^\]]*)\])?:(?:\s|$)")
        .expect("valid syslog tag regex")
});

/// Facility names by code (RFC 5424, table 1, with the usual keywords).
const FACILITIES: [&str; 24] = [
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
    "ftp", "ntp", "security", "console", "clock", "local0", "local1", "local2", "local3", "local4",
    "local5", "local6", "local7",
];

/// Severity names by code (RFC 5424, table 2).
const SEVERITIES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

type Fields = Vec<(String, String)>;

pub struct Syslog;

impl Scanner for Syslog {
    fn name(&self) -> &'static str {
        "syslog"
    }

    fn role(&self) -> Role {
        Role::Observations
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["log", "syslog"]
    }

    /// The first line parses, and is plainly syslog: it has a PRI, a
    /// `Mmm dd` time, or a tag (an RFC 3339 time alone starts many logs).
    fn sniff(&self, head: &str) -> bool {
        let Some(first) = head.lines().find(|l| !l.trim().is_empty()) else {
            return false;
        };
        let latest = chrono::NaiveDateTime::MAX;
        parse_line(first, latest).is_ok_and(|(_, fields)| {
            first.starts_with('<')
                || first.starts_with(|c: char| c.is_ascii_alphabetic())
                || fields.iter().any(|(name, _)| name == "app")
        })
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let latest = latest_time(ctx);
        scan_lines(input, ctx, emit, |line_no, line, emit| {
            if line.trim().is_empty() {
                return;
            }
            match parse_line(line, latest) {
                Ok((time, fields)) => emit(Item::Record(LogRecord {
                    location: Location::new(ctx.path, line_no),
                    time,
                    body: RecordBody::Fields(fields),
                })),
                Err(why) => emit(Item::Warning(Warning::new(
                    ctx.path,
                    Some(line_no),
                    format!("{why}, line skipped"),
                ))),
            }
        });
    }
}

/// The latest time a year-less record may have: the end of the as-of day, or
/// the file's modification time plus a day of time-zone slack if earlier.
fn latest_time(ctx: &ScanContext<'_>) -> NaiveDateTime {
    let end_of_day = ctx
        .as_of
        .and_hms_opt(23, 59, 59)
        .expect("23:59:59 is a valid time");
    let slack = chrono::Duration::days(1);
    end_of_day.min(
        ctx.file_time
            .checked_add_signed(slack)
            .unwrap_or(ctx.file_time),
    )
}

/// The time and fields of one syslog line, or why it is none.
fn parse_line(
    line: &str,
    latest: NaiveDateTime,
) -> Result<(Option<NaiveDateTime>, Fields), String> {
    let (pri, rest) = split_pri(line)?;
    let mut fields = Fields::new();
    if let Some(pri) = pri {
        let facility = FACILITIES[usize::from(pri >> 3)];
        let severity = SEVERITIES[usize::from(pri & 7)];
        fields.push(("facility".into(), facility.into()));
        fields.push(("severity".into(), severity.into()));
    }
    match rest.strip_prefix("1 ") {
        Some(rest) if pri.is_some() => parse_5424(rest, fields),
        _ => parse_3164(rest, latest, fields),
    }
}

/// Splits `<PRI>` (0–191) off a line; no PRI is fine, a malformed one is not.
fn split_pri(line: &str) -> Result<(Option<u8>, &str), String> {
    let Some(rest) = line.strip_prefix('<') else {
        return Ok((None, line));
    };
    let end = rest
        .find('>')
        .filter(|&end| (1..=3).contains(&end))
        .ok_or("malformed syslog priority")?;
    let digits = &rest[..end];
    let pri = digits
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| digits.parse::<u8>().ok())
        .flatten()
        .filter(|&p| p <= 191)
        .ok_or_else(|| format!("invalid syslog priority <{digits}>"))?;
    Ok((Some(pri), &rest[end + 1..]))
}

fn parse_3164(
    line: &str,
    latest: NaiveDateTime,
    mut fields: Fields,
) -> Result<(Option<NaiveDateTime>, Fields), String> {
    let (time, len) =
        timestamp::syslog_prefix(line, latest).ok_or("not a syslog line (no timestamp)")?;
    let rest = line[len..].trim_start_matches(' ');
    // The host is absent when the tag directly follows the time.
    let rest = if TAG_RE.is_match(rest) {
        rest
    } else {
        let (host, after) = rest.split_once(' ').unwrap_or((rest, ""));
        push(&mut fields, "host", host);
        after
    };
    let msg = match TAG_RE.captures(rest) {
        Some(caps) => {
            push(&mut fields, "app", &caps["app"]);
            if let Some(pid) = caps.name("pid") {
                push(&mut fields, "procid", pid.as_str());
            }
            &rest[caps.get(0).map_or(0, |m| m.end())..]
        }
        None => rest,
    };
    fields.push(("msg".into(), msg.to_string()));
    Ok((Some(time), fields))
}

fn parse_5424(line: &str, mut fields: Fields) -> Result<(Option<NaiveDateTime>, Fields), String> {
    let mut parts = line.splitn(6, ' ');
    let mut header = [""; 5];
    for slot in &mut header {
        *slot = parts
            .next()
            .filter(|p| !p.is_empty())
            .ok_or("truncated RFC 5424 header")?;
    }
    let [ts, host, app, procid, msgid] = header;
    let time = match ts {
        "-" => None,
        ts => Some(
            timestamp::parse(ts, None)
                .ok_or_else(|| format!("invalid RFC 5424 timestamp `{ts}`"))?,
        ),
    };
    push(&mut fields, "host", host);
    push(&mut fields, "app", app);
    push(&mut fields, "procid", procid);
    push(&mut fields, "msgid", msgid);
    let rest = parts
        .next()
        .ok_or("RFC 5424 line without structured data")?;
    let rest = match rest.strip_prefix('-') {
        Some(after) => after,
        None => structured_data(rest, &mut fields)?,
    };
    if !rest.is_empty() {
        let msg = rest
            .strip_prefix(' ')
            .ok_or("no space between structured data and message")?;
        fields.push(("msg".into(), msg.trim_start_matches('\u{feff}').to_string()));
    }
    Ok((time, fields))
}

/// Parses `[id name="value" …]…` into `id.name` fields; returns what follows.
fn structured_data<'a>(mut rest: &'a str, fields: &mut Fields) -> Result<&'a str, String> {
    if !rest.starts_with('[') {
        return Err("malformed structured data".into());
    }
    while let Some(element) = rest.strip_prefix('[') {
        let id_end = element
            .find([' ', ']'])
            .ok_or("unterminated structured data")?;
        let id = &element[..id_end];
        if id.is_empty() {
            return Err("structured data element without an id".into());
        }
        let mut params = &element[id_end..];
        loop {
            if let Some(after) = params.strip_prefix(']') {
                rest = after;
                break;
            }
            let param = params
                .strip_prefix(' ')
                .ok_or("malformed structured data")?;
            let (name, value) = param
                .split_once("=\"")
                .filter(|(name, _)| !name.is_empty() && !name.contains([' ', ']', '"']))
                .ok_or("malformed structured data parameter")?;
            let (value, after) = param_value(value).ok_or("unterminated parameter value")?;
            fields.push((format!("{id}.{name}"), value));
            params = after;
        }
    }
    Ok(rest)
}

/// A parameter value up to its closing quote, with `\"`, `\\` and `\]` undone
/// (a backslash before anything else is kept, as RFC 5424 says).
fn param_value(s: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &s[i + 1..])),
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\' | ']'))) => value.push(e),
                Some((_, other)) => {
                    value.push('\\');
                    value.push(other);
                }
                None => return None,
            },
            c => value.push(c),
        }
    }
    None
}

/// Adds a header field unless it is the nil value `-`.
fn push(fields: &mut Fields, name: &str, value: &str) {
    if value != "-" && !value.is_empty() {
        fields.push((name.to_string(), value.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;
    use crate::scan::testing::{fixture, render, scan_str};

    /// A context as of 2025-01-02 for a file last written on New Year's morning.
    fn new_year<'a>(path: &'a str, options: &'a SourceOptions) -> ScanContext<'a> {
        let mut ctx = ScanContext::for_test(path, options);
        ctx.as_of = chrono::NaiveDate::from_ymd_opt(2025, 1, 2).unwrap();
        ctx.file_time = ctx.as_of.and_hms_opt(6, 0, 0).unwrap();
        ctx
    }

    #[test]
    fn rfc3164_across_new_year() {
        let options = SourceOptions::default();
        let ctx = new_year("syslog", &options);
        let items = scan_str(&Syslog, &fixture("logs/syslog-3164.log"), &ctx);
        assert_eq!(
            render(&items),
            [
                r#"1 2024-12-31 23:59:58 facility=auth|severity=crit|host=core-1|app=pay|procid=4242|msg=transfer declined code=D05 userMessage="Платёж отклонён""#,
                "2 2024-12-31 23:59:59 host=core-1|app=kernel|msg=eth0: link up",
                r#"3 2025-01-01 00:00:01 facility=user|severity=notice|host=core-1|app=gate|msg=code=GATE1 client_message="Сервис временно недоступен""#,
                "4 2025-01-01 00:00:02 facility=cron|severity=info|app=cron|procid=77|msg=(root) CMD (run-parts /etc/cron.hourly)",
                "5 2025-01-01 00:00:03 facility=user|severity=notice|host=core-2|msg=message without a tag",
                "6 warning: not a syslog line (no timestamp), line skipped",
                "7 warning: invalid syslog priority <999>, line skipped",
                r#"8 2025-01-01 00:00:05.123456 host=core-3|app=legacy|procid=9|msg=userMessage="Операция отклонена""#,
            ]
        );
    }

    #[test]
    fn year_is_bounded_by_file_time_as_well_as_as_of() {
        let options = SourceOptions::default();
        let mut ctx = new_year("syslog", &options);
        // Scanned in the summer, but the file was last written on 2024-12-31:
        // a January line belongs to the January before, not the one after.
        ctx.as_of = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        ctx.file_time = chrono::NaiveDate::from_ymd_opt(2024, 12, 31)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let items = scan_str(
            &Syslog,
            "Jan  5 10:00:00 h a: x\nDec 31 20:00:00 h a: y\n",
            &ctx,
        );
        assert_eq!(
            render(&items),
            [
                "1 2024-01-05 10:00:00 host=h|app=a|msg=x",
                "2 2024-12-31 20:00:00 host=h|app=a|msg=y",
            ]
        );
    }

    #[test]
    fn rfc5424_with_structured_data_and_bom() {
        let options = SourceOptions::default();
        let ctx = new_year("syslog", &options);
        let items = scan_str(&Syslog, &fixture("logs/syslog-5424.log"), &ctx);
        assert_eq!(
            render(&items),
            [
                r#"1 2024-12-31 23:59:58.003 facility=local4|severity=notice|host=core-1.bank.local|app=pay|procid=4242|msgid=ID47|exampleSDID@32473.iut=3|exampleSDID@32473.eventSource=Application|client@32473.userMessage=Платёж "отклонён" [сумма]|client@32473.code=D05|msg=declined by limits"#,
                r#"2 2025-01-01 00:00:01 facility=auth|severity=crit|host=core-2|app=gate|msg=code=GATE1 client_message="Сервис временно недоступен""#,
                "3 - facility=user|severity=notice",
                "4 warning: malformed structured data parameter, line skipped",
                "5 2025-01-01 00:00:03.500 facility=user|severity=info|host=core-2|app=gate|procid=17|meta.sequenceId=1",
            ]
        );
    }

    #[test]
    fn sniff_recognises_both_variants_only() {
        assert!(Syslog.sniff(&fixture("logs/syslog-3164.log")));
        assert!(Syslog.sniff(&fixture("logs/syslog-5424.log")));
        assert!(Syslog.sniff("2024-03-01T10:00:00+03:00 host app[1]: x\n"));
        assert!(!Syslog.sniff("2024-03-01T10:00:00Z payment failed\n"));
        assert!(!Syslog.sniff("#Software: Microsoft Internet Information Services 10.0\n"));
        assert!(!Syslog.sniff("level=error msg=\"x\"\n"));
        assert!(!Syslog.sniff("<+12>Jan  1 00:00:00 h a: x\n"));
        let detected = |name, head: &str| crate::scan::detect(name, head).map(|s| s.name());
        assert_eq!(
            detected("messages.log", &fixture("logs/syslog-3164.log")),
            Some("syslog")
        );
        assert_eq!(
            detected("app.log.2.gz", &fixture("logs/syslog-5424.log")),
            Some("syslog")
        );
    }

    proptest::proptest! {
        /// Bad input is a warning or nothing, never a panic.
        #[test]
        fn arbitrary_input_never_panics(input in crate::scan::testing::LOGGISH) {
            crate::scan::testing::scan_any(&Syslog, &input);
        }
    }
}
