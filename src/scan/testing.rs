//! Helpers shared by the scanners' unit tests: run a scanner, read a fixture.

use super::{Item, ScanContext, Scanner};
use crate::model::LogRecord;

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
