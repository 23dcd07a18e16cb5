//! YAML i18n catalogs (Rails, Symfony, Spring, Hugo…): nested maps flattened to
//! dotted keys.
//!
//! Every document goes through [`crate::yaml`] first: serde_yaml expands aliases
//! eagerly, so size and anchor/alias limits guard against alias bombs. Aliases
//! are then resolved and merge keys (`<<: *base`) applied, as PyYAML's
//! `safe_load` and Ruby's Psych do.
//!
//! Mapping (see `tree`): a Rails locale root (`ru:`) becomes the locale and is
//! dropped from the keys; a map of plural categories (`one`/`few`/`many`/`other`)
//! is one message whose texts are its forms; list items give `key.0`, `key.1`;
//! nulls, numbers and booleans are skipped — judged by YAML 1.1 as the reference
//! readers do, so a plain `yes`/`off`/`2024-01-31` is not a text while a quoted
//! one is. Lines are found by locating each key in the text in document order:
//! exact for block style, the opening line for flow collections, best effort
//! when a block scalar contains text that looks like a later key.

use std::io::BufRead;

use super::tree::{emit_leaves, from_yaml};
use super::{Item, ScanContext, Scanner, read_document};
use crate::model::{FormatId, Role, Warning};

pub struct Yaml;

impl Scanner for Yaml {
    fn id(&self) -> FormatId {
        FormatId::Yaml
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["yml", "yaml"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let Some(text) = read_document(input, ctx, emit) else {
            return;
        };
        if let Some(root) = load(&text, ctx, emit) {
            emit_leaves(&root, ctx, emit);
        }
    }
}

/// Parses a YAML document through the guards into a tree with lines; problems
/// become a warning and `None`. Shared with structured records.
pub(super) fn load(
    text: &str,
    ctx: &ScanContext<'_>,
    emit: &mut dyn FnMut(Item),
) -> Option<super::tree::Node> {
    // `libyaml` says whether the error's line is libyaml's count (parse errors)
    // rather than the guard's count of `\n`s.
    let warn = |emit: &mut dyn FnMut(Item), e: &dyn std::fmt::Display, libyaml: bool| {
        let message = e.to_string();
        // Guard and parse errors start with `line:column:`; keep the line for the warning.
        let line = message
            .split(':')
            .next()
            .and_then(|l| l.parse::<u64>().ok())
            .map(|l| {
                if libyaml {
                    crate::yaml::newline_count_line(text, l)
                } else {
                    l
                }
            })
            .map(|l| ctx.first_line + l.saturating_sub(1));
        emit(Item::Warning(Warning::new(
            ctx.path,
            line,
            format!("YAML not read, file skipped: {message}"),
        )));
    };
    let mut value: serde_yaml::Value = match crate::yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let libyaml = matches!(e, crate::yaml::YamlError::Parse(_));
            warn(emit, &e, libyaml);
            return None;
        }
    };
    if let Err(e) = value.apply_merge() {
        warn(emit, &e, true);
        return None;
    }
    Some(from_yaml(&value, text, ctx.first_line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DefinitionState;
    use crate::rules::SourceOptions;

    fn scan(path: &str, text: &str) -> Vec<Item> {
        crate::scan::testing::scan_text(&Yaml, path, &SourceOptions::default(), text)
    }

    #[test]
    fn fuzz_parse_error_line_counts_newlines_not_libyaml_breaks() {
        // Found by the `records` fuzz target: libyaml ends lines at NEL (U+0085),
        // so its error said line 4 of a two-line file.
        let items = scan(
            "ru.yml",
            "? IVR :\n   l -e\\ g>al agen\u{85}U\u{85}U\u{2028}0 ec",
        );
        let lines: Vec<Option<u64>> = items
            .iter()
            .filter_map(|i| match i {
                Item::Warning(w) => Some(w.line),
                _ => None,
            })
            .collect();
        assert_eq!(lines, vec![Some(2)]);
        assert_eq!(
            crate::yaml::newline_count_line("a\r\nb\rc\u{2029}d\ne", 4),
            2
        );
        assert_eq!(crate::yaml::newline_count_line("a\nb", 9), 2);
    }

    #[test]
    fn rails_locale_file() {
        let text = "---\nru:\n  errors:\n    messages:\n      blank: не может быть пустым\n      too_long:\n        one: слишком большой (не более %{count} символа)\n        other: слишком большой (не более %{count} символа)\n  number:\n    precision: 3\n    significant: false\n    unit: ~\n";
        let items = scan("config/locales/ru.yml", text);
        let defs = crate::scan::testing::definitions(&items);
        let got: Vec<(&str, Option<&str>, u64)> = defs
            .iter()
            .map(|d| (d.key.as_str(), d.form.as_deref(), d.location.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("errors.messages.blank", None, 5),
                ("errors.messages.too_long", Some("one"), 7),
                ("errors.messages.too_long", Some("other"), 8),
            ]
        );
        assert!(
            defs.iter()
                .all(|d| d.locale.as_deref() == Some("ru") && d.state == DefinitionState::Live)
        );
    }

    #[test]
    fn anchors_aliases_and_merge_keys_resolve() {
        let text = "base: &base\n  title: Ошибка\n  retry: Повторить\nlogin:\n  <<: *base\n  title: Вход\ncopy: *base\n";
        let items = scan("en.yml", text);
        let pairs: Vec<(&str, &str)> = crate::scan::testing::definitions(&items)
            .iter()
            .map(|d| (d.key.as_str(), d.text.as_str()))
            .collect();
        assert!(pairs.contains(&("login.title", "Вход")));
        assert!(pairs.contains(&("login.retry", "Повторить")));
        assert!(pairs.contains(&("copy.title", "Ошибка")));
    }

    #[test]
    fn alias_bombs_and_syntax_errors_warn() {
        let mut bomb = String::from("a: &a [x, x]\n");
        for i in 1..300 {
            bomb.push_str(&format!("b{i}: &b{i} [*a, *a]\n"));
        }
        let items = scan("en.yml", &bomb);
        assert!(matches!(&items[..], [Item::Warning(w)] if w.message.contains("alias")));
        let items = scan("en.yml", "a: b\n  c: : d\n");
        assert!(matches!(&items[..], [Item::Warning(w)] if w.line == Some(2)));
    }
}
