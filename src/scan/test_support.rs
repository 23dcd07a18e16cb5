//! Helpers for scanner unit tests: run a scanner over text, pick items apart.

use super::{Item, Scanner};
use crate::rules::SourceOptions;

/// Everything `scanner` emits for `text` read as the file `path`.
pub fn scan_text(
    scanner: &dyn Scanner,
    path: &str,
    options: &SourceOptions,
    text: &str,
) -> Vec<Item> {
    super::scan_str(scanner, path, text, options)
}

pub use super::definitions_of as definitions;

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
