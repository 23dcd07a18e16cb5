//! The one harness of the scanners' unit tests: run a scanner over text, read a
//! fixture, pick the items apart. A new scanner's tests use these, nothing else.

use super::{Item, ScanContext, Scanner};
use crate::model::{Definition, LogRecord, RecordBody};
use crate::rules::SourceOptions;

/// Every item `scanner` yields for `input` read in `ctx`, in order.
pub fn scan_str(scanner: &dyn Scanner, input: &str, ctx: &ScanContext<'_>) -> Vec<Item> {
    let mut items = Vec::new();
    scanner.scan(&mut input.as_bytes(), ctx, &mut |i| items.push(i));
    items
}

/// Every item `scanner` yields for `text` read as the file `path` with `options`,
/// in the test context ([`ScanContext::for_test`]).
pub fn scan_text(
    scanner: &dyn Scanner,
    path: &str,
    options: &SourceOptions,
    text: &str,
) -> Vec<Item> {
    scan_str(scanner, text, &ScanContext::for_test(path, options))
}

/// The definitions among scanned items, in order.
pub fn definitions(items: &[Item]) -> Vec<&Definition> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Definition(d) => Some(d),
            _ => None,
        })
        .collect()
}

/// (key, text, locale, line) of each definition, in order.
pub fn definition_tuples(items: &[Item]) -> Vec<(String, String, Option<String>, u64)> {
    definitions(items)
        .into_iter()
        .map(|d| {
            (
                d.key.clone(),
                d.text.clone(),
                d.locale.clone(),
                d.location.line,
            )
        })
        .collect()
}

/// (key, text, line) of each definition, in order.
pub fn key_text_line(items: &[Item]) -> Vec<(String, String, u64)> {
    definitions(items)
        .into_iter()
        .map(|d| (d.key.clone(), d.text.clone(), d.location.line))
        .collect()
}

/// The line of each warning, in order (0 for a warning without one).
pub fn warning_lines(items: &[Item]) -> Vec<u64> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Warning(w) => Some(w.line.unwrap_or(0)),
            _ => None,
        })
        .collect()
}

/// (field, max) of each field limit, in order.
pub fn field_max(items: &[Item]) -> Vec<(String, u64)> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Limit(l) => Some((l.field.clone(), l.max)),
            _ => None,
        })
        .collect()
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
    let options = SourceOptions {
        columns: Some([("a".to_string(), [1, 4]), ("date".to_string(), [3, 12])].into()),
        ..SourceOptions::default()
    };
    let ctx = ScanContext::for_test("fuzz.log", &options);
    scan_str(scanner, input, &ctx)
}
