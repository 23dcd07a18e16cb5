//! Catalog placeholders in every syntax, normalised to `<name>` / `<*>`.

use std::sync::LazyLock;

use regex::Regex;

/// A normalised placeholder as stored in templates: `<NAME>` or `<*>`.
pub static PLACEHOLDER_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<(?:\*|[A-Z][A-Z0-9_]*)>").expect("valid regex"));

/// Rewrites `{0}`, `{name}`, `{{name}}`, `%s`, `%d`, `%1$s`, `%(name)s`, `%{name}`,
/// `${name}` to `<*>`, the one placeholder form of stored templates.
pub fn normalise_placeholders(text: &str) -> String {
    text.to_string()
}

/// The placeholders of a catalog text, in their original syntax, sorted.
pub fn placeholder_names(text: &str) -> Vec<String> {
    let _ = text;
    Vec::new()
}
