//! JSON i18n catalogs (i18next, vue-i18n, FormatJS, zod-i18n…): nested objects
//! flattened to dotted keys.
//!
//! Values are exactly what a JSON parser yields (every string is decoded by
//! serde_json); lines are those of the keys (see `tree`). Arrays give keys
//! `key.0`, `key.1`, …; only string leaves are texts (numbers, booleans and
//! nulls are skipped); a map of plural categories (`one`/`few`/`other`) is one
//! message with forms. The locale comes from locale root keys (`{"ru": {…}}`,
//! dropped from the keys), else the file name or folder (`ru.json`,
//! `locales/ru/`), else the rules. A key repeated in one object is emitted once
//! per occurrence (JSON parsers keep the last); the audit flags it.

use std::io::BufRead;

use super::tree::{emit_leaves, parse_json};
use super::{Item, ScanContext, Scanner, read_document};
use crate::model::{FormatId, Role};

pub struct JsonI18n;

impl Scanner for JsonI18n {
    fn id(&self) -> FormatId {
        FormatId::JsonI18n
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["json"]
    }

    fn sniff(&self, head: &str) -> bool {
        head.trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let Some(text) = read_document(input, ctx, emit) else {
            return;
        };
        if let Some(root) = parse_json(&text, ctx, emit) {
            emit_leaves(&root, ctx, emit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;

    fn scan(path: &str, text: &str) -> Vec<Item> {
        crate::scan::testing::scan_text(&JsonI18n, path, &SourceOptions::default(), text)
    }

    #[test]
    fn nested_objects_and_arrays_flatten_with_lines_and_file_locale() {
        let text = "\u{feff}{\n  \"errors\": {\n    \"required\": \"Обязательное поле\",\n    \"max\": 5,\n    \"list\": [\"a\", null]\n  }\n}";
        let items = scan("locales/ru.json", text);
        let defs = crate::scan::testing::definitions(&items);
        let got: Vec<(&str, &str, u64)> = defs
            .iter()
            .map(|d| (d.key.as_str(), d.text.as_str(), d.location.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("errors.required", "Обязательное поле", 3),
                ("errors.list.0", "a", 5)
            ]
        );
        assert!(defs.iter().all(|d| d.locale.as_deref() == Some("ru")));
    }

    #[test]
    fn a_locale_root_key_becomes_the_locale() {
        let items = scan("app.json", "{\"pt-BR\": {\"hello\": \"Olá\"}}");
        let defs = crate::scan::testing::definitions(&items);
        assert_eq!(defs[0].key, "hello");
        assert_eq!(defs[0].locale.as_deref(), Some("pt_BR"));
    }

    #[test]
    fn repeated_keys_are_all_kept() {
        let items = scan("en.json", "{\"a\": \"1\", \"a\": \"2\"}");
        let texts: Vec<&str> = crate::scan::testing::definitions(&items)
            .iter()
            .map(|d| d.text.as_str())
            .collect();
        assert_eq!(texts, vec!["1", "2"]);
    }

    #[test]
    fn malformed_json_warns_with_its_line() {
        let items = scan("en.json", "{\n\"a\": \"1\",\n\"b\": }\n");
        assert!(matches!(&items[..], [Item::Warning(w)] if w.line == Some(3)));
    }

    #[test]
    fn a_lone_value_is_not_a_catalog() {
        let items = scan("en.json", "\"just a string\"");
        assert!(matches!(&items[..], [Item::Warning(w)] if w.message.contains("single value")));
    }

    #[test]
    fn sniff_tells_catalogs_from_json_lines() {
        assert!(JsonI18n.sniff("{\n  \"a\": \"b\"\n}"));
        assert!(!JsonI18n.sniff("[1, 2]"));
        let catalog = "{\n  \"errors\": {\"a\": \"b\"}\n}\n";
        assert_eq!(
            crate::scan::detect("ru.json", catalog).map(|s| s.id().as_str()),
            Some("json_i18n")
        );
        assert_eq!(
            crate::scan::detect("api.json", "{\"message\":\"a\"}\n{\"message\":\"b\"}\n")
                .map(|s| s.id().as_str()),
            Some("json_lines")
        );
    }
}
