//! W3C extended log files (IIS and others), driven by their `#Fields:` directive.
//!
//! Lines starting with `#` are directives: `#Fields:` names the columns of the
//! data lines after it and may change mid-file (IIS starts a new header block
//! when its logging settings change or the site restarts); `#Date:` gives the
//! date for files whose fields have a `time` but no `date`; the others
//! (`#Software:`, `#Version:`, `#Remark:`…) are read past. Data lines split at
//! whitespace; a value in double quotes may hold spaces (`""` is a quote).
//!
//! The body is [`RecordBody::Fields`] named as `#Fields:` names them. `-` is an
//! empty value. IIS writes the spaces of `cs-uri-query`, `cs(User-Agent)`,
//! `cs(Referer)` and `cs(Cookie)` as `+`; they are turned back into spaces
//! (percent escapes are left as written). The record time is `date` + `time`.

use std::io::BufRead;

use super::{Item, ScanContext, Scanner, scan_lines};
use crate::model::{Location, LogRecord, RecordBody, Role, Warning};
use crate::timestamp;

/// Fields in which IIS writes spaces as `+`.
const PLUS_AS_SPACE: &[&str] = &[
    "cs-uri-query",
    "cs(User-Agent)",
    "cs(Referer)",
    "cs(Cookie)",
];

pub struct W3c;

impl Scanner for W3c {
    fn name(&self) -> &'static str {
        "w3c"
    }

    fn role(&self) -> Role {
        Role::Observations
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["log"]
    }

    /// W3C files open with their directives.
    fn sniff(&self, head: &str) -> bool {
        let first = head.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let first = first.trim_start_matches('\u{feff}');
        ["#Software:", "#Version:", "#Fields:", "#Date:"]
            .iter()
            .any(|d| first.starts_with(d))
    }

    /// Data lines mean nothing without the `#Fields:` above them.
    fn reads_from_start(&self) -> bool {
        true
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let mut names: Option<Vec<String>> = None;
        let mut directive_date: Option<String> = None;
        let warn = |line_no, message: String| {
            Item::Warning(Warning::new(ctx.path, Some(line_no), message))
        };
        scan_lines(input, ctx, emit, |line_no, line, emit| {
            let line = line.trim_start_matches('\u{feff}');
            if let Some(directive) = line.strip_prefix('#') {
                if let Some(fields) = directive.strip_prefix("Fields:") {
                    names = Some(fields.split_whitespace().map(str::to_string).collect());
                } else if let Some(date) = directive.strip_prefix("Date:") {
                    directive_date = timestamp::parse(date, None).map(|t| t.date().to_string());
                }
                return;
            }
            if line.trim().is_empty() {
                return;
            }
            let Some(names) = &names else {
                emit(warn(
                    line_no,
                    "data line before any #Fields: directive, skipped".into(),
                ));
                return;
            };
            let values = match split_values(line) {
                Ok(values) => values,
                Err(why) => {
                    emit(warn(line_no, format!("{why}, line skipped")));
                    return;
                }
            };
            if values.len() != names.len() {
                emit(warn(
                    line_no,
                    format!(
                        "{} values for {} #Fields: names, line skipped",
                        values.len(),
                        names.len()
                    ),
                ));
                return;
            }
            let fields: Vec<(String, String)> = names
                .iter()
                .zip(values)
                .map(|(name, value)| (name.clone(), field_value(name, value)))
                .collect();
            let time = timestamp::from_date_and_time(&fields, directive_date.as_deref());
            emit(Item::Record(LogRecord {
                location: Location::new(ctx.path, line_no),
                time,
                body: RecordBody::Fields(fields),
            }));
        });
    }
}

/// A raw value as the field's text: `-` is empty, quotes are undone, IIS's `+`
/// is a space where IIS writes it so.
fn field_value(name: &str, value: Value<'_>) -> String {
    match value {
        Value::Quoted(text) => text,
        Value::Bare("-") => String::new(),
        Value::Bare(text) if PLUS_AS_SPACE.contains(&name) => text.replace('+', " "),
        Value::Bare(text) => text.to_string(),
    }
}

/// One value of a data line.
enum Value<'a> {
    Bare(&'a str),
    /// A `"…"` value with its `""` escapes undone.
    Quoted(String),
}

/// Splits a data line at whitespace, keeping `"…"` values whole.
fn split_values(line: &str) -> Result<Vec<Value<'_>>, &'static str> {
    let mut values = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut text = String::new();
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    Some((i, '"')) if quoted[i + 1..].starts_with('"') => {
                        text.push('"');
                        chars.next();
                    }
                    Some((i, '"')) => break i + 1,
                    Some((_, c)) => text.push(c),
                    None => return Err("unterminated quoted value"),
                }
            };
            let after = &quoted[end..];
            if !after.is_empty() && !after.starts_with(char::is_whitespace) {
                return Err("text right after a quoted value");
            }
            values.push(Value::Quoted(text));
            rest = after.trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            values.push(Value::Bare(&rest[..end]));
            rest = rest[end..].trim_start();
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;
    use crate::scan::testing::{fixture, render, scan_str};

    #[test]
    fn iis_log_with_a_fields_change() {
        let options = SourceOptions::default();
        let ctx = ScanContext::for_test("u_ex240301.log", &options);
        let items = scan_str(&W3c, &fixture("logs/iis.log"), &ctx);
        assert_eq!(
            render(&items),
            [
                "5 2024-03-01 10:00:01 date=2024-03-01|time=10:00:01|s-ip=10.0.0.5|cs-method=GET|cs-uri-stem=/pay/transfer|cs-uri-query=code=D05&lang=ru|s-port=443|cs-username=|c-ip=192.0.2.10|cs(User-Agent)=Mozilla/5.0 (Windows NT 10.0; Win64; x64)|cs(Referer)=https://bank.example/pay|sc-status=200|sc-substatus=0|sc-win32-status=0|time-taken=15",
                "6 2024-03-01 10:00:02 date=2024-03-01|time=10:00:02|s-ip=10.0.0.5|cs-method=POST|cs-uri-stem=/pay/confirm|cs-uri-query=|s-port=443|cs-username=|c-ip=192.0.2.11|cs(User-Agent)=|cs(Referer)=|sc-status=500|sc-substatus=0|sc-win32-status=64|time-taken=1203",
                "7 warning: 6 values for 15 #Fields: names, line skipped",
                r#"13 2024-03-01 11:00:02.250 time=11:00:02.250|cs-method=POST|cs-uri-stem=/card/block|sc-status=409|x-error-code=C7|x-client-message=Карта заблокирована, обратитесь в "Банк""#,
                "14 2024-03-01 11:00:03 time=11:00:03|cs-method=GET|cs-uri-stem=/card/limits|sc-status=200|x-error-code=|x-client-message=",
            ]
        );
    }

    #[test]
    fn malformed_lines_are_warnings() {
        let options = SourceOptions::default();
        let ctx = ScanContext::for_test("x.log", &options);
        let input = "10:00:00 GET\n#Fields: time x-msg\n10:00:01 \"open\n10:00:02 \"a\"b\n10:00:03 \"ok\"\n";
        assert_eq!(
            render(&scan_str(&W3c, input, &ctx)),
            [
                "1 warning: data line before any #Fields: directive, skipped",
                "3 warning: unterminated quoted value, line skipped",
                "4 warning: text right after a quoted value, line skipped",
                "5 - time=10:00:03|x-msg=ok",
            ]
        );
    }

    #[test]
    fn sniff_wants_directives_first() {
        assert!(W3c.sniff(&fixture("logs/iis.log")));
        assert!(W3c.sniff("\u{feff}#Fields: date time\n"));
        assert!(!W3c.sniff("2024-03-01 10:00:01 10.0.0.5 GET /\n"));
        let detected = crate::scan::detect("u_ex240301.log", &fixture("logs/iis.log"));
        assert_eq!(detected.map(|s| s.name()), Some("w3c"));
    }

    proptest::proptest! {
        /// Bad input is a warning or nothing, never a panic.
        #[test]
        fn arbitrary_input_never_panics(input in crate::scan::testing::LOGGISH) {
            crate::scan::testing::scan_any(&W3c, &input);
        }
    }
}
