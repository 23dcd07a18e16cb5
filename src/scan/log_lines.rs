//! Plain line logs: one record per line; the extractor decides what is client text.

use std::io::BufRead;

use super::{Item, ScanContext, Scanner, for_each_line};
use crate::model::{Location, LogRecord, RecordBody, Role, Warning};

pub struct LogLines;

impl Scanner for LogLines {
    fn name(&self) -> &'static str {
        "log_lines"
    }

    fn role(&self) -> Role {
        Role::Observations
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["log", "txt", "out"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let result = for_each_line(input, ctx.first_line, |line_no, line| {
            if line.is_empty() {
                return;
            }
            emit(Item::Record(LogRecord {
                location: Location::new(ctx.path, line_no),
                time: None,
                body: RecordBody::Text(line.to_string()),
            }));
        });
        if let Err(e) = result {
            emit(Item::Warning(Warning::new(
                ctx.path,
                None,
                format!("read failed: {e}"),
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;

    #[test]
    fn one_record_per_non_empty_line_with_numbers() {
        let options = SourceOptions::default();
        let ctx = ScanContext::for_test("a.log", &options);
        let mut items = Vec::new();
        LogLines.scan(&mut "first\r\n\nthird".as_bytes(), &ctx, &mut |i| {
            items.push(i)
        });
        let lines: Vec<(u64, String)> = items
            .into_iter()
            .map(|i| match i {
                Item::Record(LogRecord {
                    location,
                    body: RecordBody::Text(t),
                    ..
                }) => (location.line, t),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(
            lines,
            vec![(1, "first".to_string()), (3, "third".to_string())]
        );
    }
}
