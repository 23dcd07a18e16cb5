//! JSON-lines logs: one JSON object per line; the extractor picks fields by path.

use std::io::BufRead;

use super::{Item, ScanContext, Scanner, scan_lines};
use crate::model::{FormatId, Location, LogRecord, RecordBody, Role, Warning};

pub struct JsonLines;

impl Scanner for JsonLines {
    fn id(&self) -> FormatId {
        FormatId::JsonLines
    }

    fn role(&self) -> Role {
        Role::Observations
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["jsonl", "ndjson", "json", "log"]
    }

    /// JSON lines start with an object and hold a complete object on their first line.
    fn sniff(&self, head: &str) -> bool {
        let first = head.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        let first = first.trim_start_matches('\u{feff}').trim();
        first.starts_with('{')
            && first.ends_with('}')
            && serde_json::from_str::<serde_json::Value>(first).is_ok()
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        scan_lines(input, ctx, emit, |line_no, line, emit| {
            let trimmed = line.trim_start_matches('\u{feff}').trim();
            if trimmed.is_empty() {
                return;
            }
            match serde_json::from_str::<serde_json::Value>(trimmed) {
                Ok(value @ serde_json::Value::Object(_)) => emit(Item::Record(LogRecord {
                    location: Location::new(ctx.path, line_no),
                    time: None,
                    body: RecordBody::Json(value),
                })),
                Ok(_) => emit(Item::Warning(Warning::new(
                    ctx.path,
                    Some(line_no),
                    "JSON line is not an object, skipped",
                ))),
                Err(e) => emit(Item::Warning(Warning::new(
                    ctx.path,
                    Some(line_no),
                    format!("malformed JSON line, skipped: {e}"),
                ))),
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;

    #[test]
    fn objects_become_records_and_bad_lines_warnings() {
        let options = SourceOptions::default();
        let ctx = ScanContext::for_test("api.jsonl", &options);
        let mut items = Vec::new();
        let input = "{\"message\":\"a\"}\n{broken\n[1]\n";
        JsonLines.scan(&mut input.as_bytes(), &ctx, &mut |i| items.push(i));
        assert!(matches!(&items[0], Item::Record(r) if r.location.line == 1));
        assert!(
            matches!(&items[1], Item::Warning(w) if w.line == Some(2) && w.message.contains("malformed"))
        );
        assert!(matches!(&items[2], Item::Warning(w) if w.line == Some(3)));
    }

    #[test]
    fn sniff_tells_json_lines_from_a_json_catalog() {
        assert!(JsonLines.sniff("{\"a\":1}\n{\"a\":2}\n"));
        assert!(!JsonLines.sniff("{\n  \"errors\": {\"a\": \"b\"}\n}\n"));
    }
}
