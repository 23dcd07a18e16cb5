//! key=value logs (logfmt and the like): `key=value` pairs anywhere in a line.
//!
//! Values are bare (up to the next whitespace) or quoted with `"…"` or `'…'`,
//! where a backslash escapes the quote, itself, `\n` and `\t`. The body is
//! [`RecordBody::Fields`] in line order (a repeated key is kept twice; field
//! lookups take the first); text outside pairs (a log4j-style prefix) is not a
//! field. The record time is the first timestamp anywhere in the raw line, so a
//! prefix `2024-03-01 10:00:00,123 WARN …` and a `ts="…"` pair both give it.
//! Lines without any pair are no record; a quote left open is a warning and the
//! value is kept as written.

use std::io::BufRead;
use std::sync::LazyLock;

use regex::Regex;

use super::{Item, ScanContext, Scanner, scan_lines, unescape_quoted};
use crate::model::{Location, LogRecord, RecordBody, Role, Warning};
use crate::timestamp;

/// One pair; the key must start the line or follow a separator.
static PAIR_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?:^|[\s,;\[(])(?P<key>[A-Za-z_@][\w.\-@]*)=(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)'|(?P<bare>\S*))"#,
    )
    .expect("valid key=value regex")
});

pub struct Kv;

impl Scanner for Kv {
    fn name(&self) -> &'static str {
        "kv"
    }

    fn role(&self) -> Role {
        Role::Observations
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["log"]
    }

    /// logfmt lines start with a pair and hold several.
    fn sniff(&self, head: &str) -> bool {
        let first = head.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        PAIR_RE.find(first).is_some_and(|m| m.start() == 0) && PAIR_RE.find_iter(first).count() >= 3
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        scan_lines(input, ctx, emit, |line_no, line, emit| {
            let mut fields = Vec::new();
            for caps in PAIR_RE.captures_iter(line) {
                let key = caps["key"].to_string();
                let value = match (
                    caps.name("dq").or_else(|| caps.name("sq")),
                    caps.name("bare"),
                ) {
                    (Some(quoted), _) => unescape_quoted(quoted.as_str()),
                    (None, Some(bare)) => {
                        if bare.as_str().starts_with(['"', '\'']) {
                            emit(Item::Warning(Warning::new(
                                ctx.path,
                                Some(line_no),
                                format!("unterminated quoted value of `{key}`, kept as written"),
                            )));
                        }
                        bare.as_str().to_string()
                    }
                    (None, None) => String::new(),
                };
                fields.push((key, value));
            }
            if fields.is_empty() {
                return;
            }
            emit(Item::Record(LogRecord {
                location: Location::new(ctx.path, line_no),
                time: timestamp::find(line),
                body: RecordBody::Fields(fields),
            }));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;
    use crate::scan::testing::{fixture, render, scan_str};

    #[test]
    fn pairs_with_quoted_values_and_line_times() {
        let options = SourceOptions::default();
        let ctx = ScanContext::for_test("kv.log", &options);
        let items = scan_str(&Kv, &fixture("logs/kv.log"), &ctx);
        assert_eq!(
            render(&items),
            [
                "1 2024-03-01 10:00:00.123 time=2024-03-01T10:00:00.123+03:00|level=error|msg=transfer declined|code=D05|userMessage=Недостаточно средств на счёте",
                "2 2024-03-01 10:00:01.500 request_id=42|client_message=Сервис 'Платежи' временно недоступен|code=GATE1",
                "3 2024-03-01 10:00:02 ts=01.03.2024 10:00:02|level=info|msg=user said \"hello\"\tthen left|path=/pay?a=1|empty=|dash=-",
                "5 warning: unterminated quoted value of `msg`, kept as written",
                "5 - level=error|msg=\"unterminated",
            ]
        );
    }

    #[test]
    fn sniff_wants_a_line_of_pairs() {
        assert!(Kv.sniff(&fixture("logs/kv.log")));
        assert!(!Kv.sniff("2024-03-01 10:00:01 WARN a=1 b=2 c=3\n"));
        assert!(!Kv.sniff("level=error only=two\n"));
        let detected = crate::scan::detect("gate.log", &fixture("logs/kv.log"));
        assert_eq!(detected.map(|s| s.name()), Some("kv"));
    }

    proptest::proptest! {
        /// Bad input is a warning or nothing, never a panic.
        #[test]
        fn arbitrary_input_never_panics(input in crate::scan::testing::LOGGISH) {
            crate::scan::testing::scan_any(&Kv, &input);
        }
    }
}
