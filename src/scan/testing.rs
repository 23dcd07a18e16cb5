//! Helpers shared by the scanners' unit tests: run a scanner, read a fixture.

use super::{Item, ScanContext, Scanner};
use crate::model::{LogRecord, RecordBody};

/// Every item `scanner` yields for `input`, in order.
pub fn scan_str(scanner: &dyn Scanner, input: &str, ctx: &ScanContext<'_>) -> Vec<Item> {
    let mut items = Vec::new();
    scanner.scan(&mut input.as_bytes(), ctx, &mut |i| items.push(i));
    items
}

/// The absolute path of a file under `fixtures/formats/`.
pub fn fixture_path(relative: &str) -> String {
    format!("{}/fixtures/formats/{relative}", env!("CARGO_MANIFEST_DIR"))
}

/// A UTF-8 fixture's text.
pub fn fixture(relative: &str) -> String {
    std::fs::read_to_string(fixture_path(relative)).expect("fixture present")
}

/// The records among `items`, panicking on anything else (warnings included).
pub fn records(items: Vec<Item>) -> Vec<LogRecord> {
    items
        .into_iter()
        .map(|i| match i {
            Item::Record(r) => r,
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// Each item on one line, for exact comparisons: `line time k=v|k=v` for field
/// records (`-` for no time), `line time text` for text records, `line warning: message`.
pub fn render(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .map(|i| match i {
            Item::Record(r) => {
                let time = r.time.map_or("-".to_string(), |t| t.to_string());
                let body = match &r.body {
                    RecordBody::Fields(fields) => fields
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join("|"),
                    RecordBody::Text(text) => text.clone(),
                    RecordBody::Json(value) => value.to_string(),
                };
                format!("{} {time} {body}", r.location.line)
            }
            Item::Warning(w) => format!("{} warning: {}", w.line.unwrap_or(0), w.message),
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// Log-like text for property tests: the characters log framing is made of,
/// so that headers, pairs, quotes and directives are often almost right.
pub const LOGGISH: &str = "[<>0-9A-Za-z \\t\\[\\]\"'=:#.,+\\\\\\-\\nЯё@\u{feff}]{0,300}";

/// Runs `scanner` over `input`, with and without a column spec: it must not panic.
pub fn scan_any(scanner: &dyn Scanner, input: &str) -> Vec<Item> {
    let options = crate::rules::SourceOptions {
        columns: Some([("a".to_string(), [1, 4]), ("date".to_string(), [3, 12])].into()),
        ..crate::rules::SourceOptions::default()
    };
    let ctx = ScanContext::for_test("fuzz.log", &options);
    scan_str(scanner, input, &ctx)
}
