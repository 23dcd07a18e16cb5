//! Android `res/values*/strings.xml`: `<string>`, `<plurals>/<item quantity>`
//! (form = the quantity) and `<string-array>/<item>` (form = `[index]`).
//!
//! The text is the runtime string as `aapt2 compile` builds it (ResourceParser's
//! `FlattenXmlSubtree` and `StringBuilder`): leading and trailing whitespace trimmed
//! unless the string has markup spans, runs of whitespace outside double quotes
//! collapsed to one space, double quotes removed (they only protect whitespace and
//! apostrophes), escapes `\n \t \' \" \@ \? \# \\ \uHHHH` decoded, inline markup
//! (`<b>`, `<xliff:g>`) flattened to its text. A string aapt2 rejects (unescaped
//! apostrophe, bad `\u`) is skipped with a warning. A whole-value reference
//! `@string/name` is resolved to that string's text when it is in the same file,
//! otherwise skipped with a warning. `translatable="false"` entries are kept, with
//! the note `translatable=false`. The locale comes from the folder (`values-ru`,
//! `values-pt-rBR`, `values-b+sr+Latn`) unless the rules set one.

use std::collections::HashMap;
use std::io::BufRead;

use super::xml_tree::{self, Element, Node};
use super::{Item, ScanContext, Scanner};
use crate::model::{Definition, FormatId, Location, Role, Warning};

pub struct Android;

impl Scanner for Android {
    fn id(&self) -> FormatId {
        FormatId::Android
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["xml"]
    }

    fn sniff(&self, head: &str) -> bool {
        head.contains("<resources")
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let Some(root) =
            xml_tree::parse_root(input, ctx, emit, "resources", "an Android resource file")
        else {
            return;
        };
        let locale = ctx
            .locale
            .map(str::to_string)
            .or_else(|| locale_from_path(ctx.path));
        let mut entries = Vec::new();
        for element in root
            .elements()
            .filter(|e| e.closed && e.namespace.is_none())
        {
            let Some(name) = element.attr("name") else {
                continue;
            };
            let items: Vec<(Option<String>, &Element)> = match element.name.as_str() {
                "string" => vec![(None, element)],
                "plurals" => element
                    .elements_named("item")
                    .map(|i| (Some(i.attr("quantity").unwrap_or("").to_string()), i))
                    .collect(),
                "string-array" => element
                    .elements_named("item")
                    .enumerate()
                    .map(|(n, i)| (Some(format!("[{n}]")), i))
                    .collect(),
                _ => continue,
            };
            for (form, item) in items {
                let value = match compile(item) {
                    Ok(v) => v,
                    Err(message) => {
                        emit(Item::Warning(Warning::new(
                            ctx.path,
                            Some(item.line),
                            format!("`{name}` skipped: {message}"),
                        )));
                        continue;
                    }
                };
                let mut d =
                    Definition::new(name, String::new(), Location::new(ctx.path, item.line));
                d.form = form;
                d.locale.clone_from(&locale);
                if element.attr("translatable") == Some("false") {
                    d.note = Some("translatable=false".to_string());
                }
                entries.push((d, value));
            }
        }
        let strings: HashMap<&str, &Value> = entries
            .iter()
            .filter(|(d, _)| d.form.is_none())
            .map(|(d, v)| (d.key.as_str(), v))
            .collect();
        for (d, value) in &entries {
            emit(match resolve(value, &strings, 0) {
                Ok(text) => Item::Definition(Definition { text, ..d.clone() }),
                Err(reference) => Item::Warning(Warning::new(
                    ctx.path,
                    Some(d.location.line),
                    format!(
                        "`{}` skipped: reference {reference} is not a string of this file",
                        d.key
                    ),
                )),
            });
        }
    }
}

/// A compiled resource value: a text, or a reference to another string.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Text(String),
    Reference(String),
}

/// Follows `@string/` references (at most a few hops, so cycles end) to a text.
fn resolve(value: &Value, strings: &HashMap<&str, &Value>, depth: u8) -> Result<String, String> {
    match value {
        Value::Text(t) => Ok(t.clone()),
        Value::Reference(r) => {
            let target = r
                .strip_prefix("@string/")
                .and_then(|name| strings.get(name))
                .filter(|_| depth < 8);
            match target {
                Some(v) => resolve(v, strings, depth + 1),
                None => Err(r.clone()),
            }
        }
    }
}

/// What aapt2 makes of one `<string>` or `<item>`.
fn compile(element: &Element) -> Result<Value, String> {
    let mut segments = Vec::new();
    let mut has_span = false;
    collect_segments(element, &mut segments, &mut has_span);
    if !has_span {
        let raw: String = segments.concat();
        let trimmed = raw.trim_matches(is_space);
        if is_reference(trimmed) {
            return Ok(Value::Reference(trimmed.to_string()));
        }
        if let Some(first) = segments.first_mut() {
            *first = first.trim_start_matches(is_space).to_string();
        }
        if let Some(last) = segments.last_mut() {
            *last = last.trim_end_matches(is_space).to_string();
        }
    }
    let mut builder = StringBuilder::default();
    for segment in &segments {
        builder.append(segment)?;
    }
    Ok(Value::Text(builder.text))
}

/// A whole value aapt2 parses as a reference (`@string/name`, `@android:string/ok`,
/// `@null`) rather than as text.
fn is_reference(raw: &str) -> bool {
    let Some(rest) = raw.strip_prefix('@') else {
        return false;
    };
    matches!(rest, "null" | "empty")
        || rest.split_once('/').is_some_and(|(kind, name)| {
            let word = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | ':' | '+' | '-'))
            };
            word(kind) && word(name)
        })
}

/// Text runs between tags, in order; any element without a namespace is a span.
fn collect_segments(element: &Element, segments: &mut Vec<String>, has_span: &mut bool) {
    let mut after_tag = true;
    for child in &element.children {
        match child {
            Node::Text(t) => {
                match segments.last_mut() {
                    Some(last) if !after_tag => last.push_str(t),
                    _ => segments.push(t.clone()),
                }
                after_tag = false;
            }
            Node::Element(e) => {
                *has_span |= e.namespace.is_none();
                collect_segments(e, segments, has_span);
                after_tag = true;
            }
        }
    }
}

/// ASCII whitespace as C's `isspace` sees it (non-breaking spaces are text).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{b}' | '\u{c}')
}

/// aapt2's `StringBuilder::AppendText`: whitespace collapsing, quotes and escapes,
/// with its state kept across the segments of one string.
#[derive(Default)]
struct StringBuilder {
    text: String,
    quoted: bool,
    last_was_space: bool,
    /// A `\uD83D`-style high surrogate waiting for its low half.
    high_surrogate: Option<u32>,
}

impl StringBuilder {
    fn append(&mut self, segment: &str) -> Result<(), String> {
        let mut chars = segment.chars();
        while let Some(c) = chars.next() {
            if !self.quoted && is_space(c) {
                if !self.last_was_space {
                    self.push(' ');
                    self.last_was_space = true;
                }
                continue;
            }
            self.last_was_space = false;
            match c {
                '\\' => match chars.next() {
                    Some('t') => self.push('\t'),
                    Some('n') => self.push('\n'),
                    Some('u') => {
                        let mut code = 0u32;
                        for _ in 0..4 {
                            let Some(h) = chars.next() else { break };
                            let digit = h.to_digit(16).ok_or_else(|| {
                                format!("invalid unicode escape sequence in {segment:?}")
                            })?;
                            code = (code << 4) | digit;
                        }
                        self.push_code(code);
                    }
                    Some(other) => self.push(other),
                    None => {}
                },
                '"' => self.quoted = !self.quoted,
                '\'' if !self.quoted => {
                    return Err(format!("unescaped apostrophe in {segment:?}"));
                }
                c => self.push(c),
            }
        }
        Ok(())
    }

    fn push(&mut self, c: char) {
        self.flush_surrogate();
        self.text.push(c);
    }

    fn push_code(&mut self, code: u32) {
        match code {
            0xD800..=0xDBFF => {
                self.flush_surrogate();
                self.high_surrogate = Some(code);
            }
            0xDC00..=0xDFFF => match self.high_surrogate.take() {
                Some(high) => {
                    let c = 0x10000 + ((high - 0xD800) << 10) + (code - 0xDC00);
                    self.text.push(char::from_u32(c).unwrap_or('\u{fffd}'));
                }
                None => self.text.push('\u{fffd}'),
            },
            _ => self.push(char::from_u32(code).unwrap_or('\u{fffd}')),
        }
    }

    fn flush_surrogate(&mut self) {
        if self.high_surrogate.take().is_some() {
            self.text.push('\u{fffd}');
        }
    }
}

/// The locale of a `values-…` folder: language, `-r` region, or a BCP 47 `b+` tag.
fn locale_from_path(path: &str) -> Option<String> {
    let folder = path.rsplit(['/', '\\']).nth(1)?;
    let qualifiers = folder.strip_prefix("values-")?;
    if let Some(tag) = qualifiers.strip_prefix("b+") {
        let tag = tag.split('-').next().unwrap_or(tag);
        return Some(tag.replace('+', "-"));
    }
    let parts: Vec<&str> = qualifiers.split('-').collect();
    let index = parts
        .iter()
        .position(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase()))?;
    let language = parts[index];
    match parts.get(index + 1).and_then(|p| p.strip_prefix('r')) {
        Some(region) if region.len() == 2 && region.chars().all(|c| c.is_ascii_uppercase()) => {
            Some(format!("{language}-{region}"))
        }
        _ => Some(language.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;
    use crate::scan::testing::{definitions, scan_text, warning_lines};

    fn scan(path: &str, text: &str) -> Vec<Item> {
        scan_text(&Android, path, &SourceOptions::default(), text)
    }

    fn texts(items: &[Item]) -> Vec<(String, Option<String>, String)> {
        definitions(items)
            .into_iter()
            .map(|d| (d.key.clone(), d.form.clone(), d.text.clone()))
            .collect()
    }

    fn compiled(inner: &str) -> Result<Value, String> {
        let options = SourceOptions::default();
        let ctx = ScanContext::for_test("s.xml", &options);
        let xml = format!(
            "<string xmlns:xliff=\"urn:oasis:names:tc:xliff:document:1.2\">{inner}</string>"
        );
        let root = xml_tree::parse_str(&xml, &ctx, &mut |_| {}).unwrap();
        compile(&root)
    }

    fn text(inner: &str) -> String {
        match compiled(inner) {
            Ok(Value::Text(t)) => t,
            other => panic!("{inner}: {other:?}"),
        }
    }

    #[test]
    fn escapes_quotes_and_whitespace_as_aapt2() {
        assert_eq!(
            text(r"Don\'t \@ \? \# \\ \u00A0\u0434"),
            "Don't @ ? # \\ \u{a0}д"
        );
        assert_eq!(text("  a \n\t  b  "), "a b");
        assert_eq!(text(r#"" keep  spaces ""#), " keep  spaces ");
        assert_eq!(text(r#"Search, e.g. "US""#), "Search, e.g. US");
        assert_eq!(text(r#"say \"hi\"\nnext\tcol"#), "say \"hi\"\nnext\tcol");
        assert_eq!(text(r#""it's""#), "it's");
        assert_eq!(text(r"\uD83D\uDE00"), "😀");
    }

    #[test]
    fn markup_is_flattened_and_spans_stop_trimming() {
        assert_eq!(text(" Hi <b>you</b> there "), " Hi you there ");
        assert_eq!(
            text(r#" Sent to <xliff:g id="n">%1$s</xliff:g> "#),
            "Sent to %1$s"
        );
    }

    #[test]
    fn only_whole_reference_values_are_references() {
        assert_eq!(
            compiled(" @string/app ").unwrap(),
            Value::Reference("@string/app".into())
        );
        assert_eq!(text("@ home"), "@ home");
        assert_eq!(text(r"\@string/app"), "@string/app");
    }

    #[test]
    fn what_aapt2_rejects_is_an_error() {
        assert!(compiled("it's").is_err());
        assert!(compiled(r"\u00zz").is_err());
    }

    #[test]
    fn strings_plurals_arrays_and_references() {
        let items = scan(
            "app/res/values-ru/strings.xml",
            r#"<?xml version="1.0" encoding="utf-8"?>
<resources xmlns:tools="http://schemas.android.com/tools">
    <!-- <string name="commented">no</string> -->
    <string name="app" translatable="false">Bank</string>
    <string name="alias">@string/app</string>
    <string name="missing">@string/elsewhere</string>
    <string name="bad">it's</string>
    <plurals name="days"> <item quantity="one">%d день</item> <item quantity="few">%d дня</item> </plurals>
    <string-array name="tips"><item>Первый</item><item>@string/app</item></string-array>
</resources>"#,
        );
        let s = |k: &str, f: Option<&str>, t: &str| {
            (k.to_string(), f.map(str::to_string), t.to_string())
        };
        assert_eq!(
            texts(&items),
            vec![
                s("app", None, "Bank"),
                s("alias", None, "Bank"),
                s("days", Some("one"), "%d день"),
                s("days", Some("few"), "%d дня"),
                s("tips", Some("[0]"), "Первый"),
                s("tips", Some("[1]"), "Bank"),
            ]
        );
        assert_eq!(warning_lines(&items), vec![7, 6]);
        let app = definitions(&items)[0];
        assert_eq!(app.note.as_deref(), Some("translatable=false"));
        assert_eq!(app.locale.as_deref(), Some("ru"));
        assert_eq!(app.location.line, 4);
    }

    #[test]
    fn locales_from_resource_folders() {
        assert_eq!(
            locale_from_path("res/values-ru/strings.xml").as_deref(),
            Some("ru")
        );
        assert_eq!(
            locale_from_path("res/values-pt-rBR/strings.xml").as_deref(),
            Some("pt-BR")
        );
        assert_eq!(
            locale_from_path("res/values-b+sr+Latn/s.xml").as_deref(),
            Some("sr-Latn")
        );
        assert_eq!(locale_from_path("res/values-night/strings.xml"), None);
        assert_eq!(locale_from_path("res/values/strings.xml"), None);
    }
}
