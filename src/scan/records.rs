//! Structured config records: YAML, JSON or XML files that hold a list of
//! message objects (`prompts: [{id: …, text: …}]`), the way legacy systems keep
//! messages far more often than in i18n trees.
//!
//! The rules say where the records are and which fields matter (`SourceOptions`):
//! - `records`: dotted path to the list (`prompts`, `config.messages`); absent
//!   means the document itself is the list. In XML the path names elements below
//!   the root (`prompts.prompt`, the root's own name may lead) and its last
//!   segment names the record elements.
//! - `key_field`, `text_field`, `locale_field`: dotted paths inside a record
//!   (`text.ru`); defaults as for CSV (the catalog names of [`DEFAULT_KEY_FIELDS`],
//!   [`DEFAULT_TEXT_FIELDS`]). In XML a field is a child element's text or,
//!   failing that, an attribute of that name (`@name` asks for the attribute only).
//!
//! The document kind is told by content: `<` is XML, `{`/`[` JSON, anything
//! else YAML (through the YAML guards). Keys may be numbers (`code: 1001`);
//! texts must be strings. A record without key or text is skipped with a warning.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};

use super::tree::{LineIndex, Node, NodeValue, parse_json};
use super::{
    DEFAULT_KEY_FIELDS, DEFAULT_TEXT_FIELDS, Item, ScanContext, Scanner, default_fields,
    locale_from_path, normalise_locale, read_document,
};
use crate::model::{Definition, FormatId, Location, Role, Warning};

pub struct Records;

impl Scanner for Records {
    fn id(&self) -> FormatId {
        FormatId::Records
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    /// Never chosen by extension: a config file holds messages only when the rules say so.
    fn extensions(&self) -> &'static [&'static str] {
        &[]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let Some(text) = read_document(input, ctx, emit) else {
            return;
        };
        let fields = Fields::from_options(ctx);
        match text.trim_start().chars().next() {
            Some('<') => scan_xml(&text, ctx, &fields, emit),
            Some('{' | '[') => {
                if let Some(root) = parse_json(&text, ctx, emit) {
                    scan_tree(&root, ctx, &fields, emit);
                }
            }
            Some(_) => {
                if let Some(root) = super::yaml::load(&text, ctx, emit) {
                    scan_tree(&root, ctx, &fields, emit);
                }
            }
            None => {}
        }
    }
}

/// The record fields the rules ask for.
struct Fields {
    records: Option<String>,
    key: Vec<String>,
    text: Vec<String>,
    locale: Option<String>,
    /// Locale of records that carry none.
    file_locale: Option<String>,
}

impl Fields {
    fn from_options(ctx: &ScanContext<'_>) -> Fields {
        let o = ctx.options;
        let or_defaults = |field: &Option<String>, defaults| match field {
            Some(f) => vec![f.clone()],
            None => default_fields(defaults, Role::Definitions)
                .into_iter()
                .map(str::to_string)
                .collect(),
        };
        Fields {
            records: o.records.clone().filter(|r| !r.is_empty()),
            key: or_defaults(&o.key_field, DEFAULT_KEY_FIELDS),
            text: or_defaults(&o.text_field, DEFAULT_TEXT_FIELDS),
            locale: o.locale_field.clone(),
            file_locale: locale_from_path(ctx.path).or_else(|| ctx.locale.map(str::to_string)),
        }
    }

    /// A definition from a record's field lookup, or a warning naming what is missing.
    fn definition(
        &self,
        ctx: &ScanContext<'_>,
        record_line: u64,
        get: impl Fn(&str) -> Option<(String, u64)>,
    ) -> Item {
        let first = |names: &[String]| names.iter().find_map(|n| get(n));
        let (Some((key, _)), Some((text, text_line))) = (first(&self.key), first(&self.text))
        else {
            return Item::Warning(Warning::new(
                ctx.path,
                Some(record_line),
                format!(
                    "record without {} field `{}`, skipped",
                    if first(&self.key).is_none() {
                        "key"
                    } else {
                        "text"
                    },
                    if first(&self.key).is_none() {
                        &self.key
                    } else {
                        &self.text
                    }
                    .join("`/`")
                ),
            ));
        };
        let mut d = Definition::new(key.trim(), text, Location::new(ctx.path, text_line));
        d.locale = self
            .locale
            .as_deref()
            .and_then(&get)
            .map(|(l, _)| normalise_locale(l.trim()).unwrap_or(l))
            .or_else(|| self.file_locale.clone());
        Item::Definition(d)
    }
}

fn scan_tree(root: &Node, ctx: &ScanContext<'_>, fields: &Fields, emit: &mut dyn FnMut(Item)) {
    let path = fields.records.as_deref().unwrap_or("");
    let items = match root.at_path(path).map(|n| &n.value) {
        Some(NodeValue::List(items)) => items,
        _ => {
            emit(Item::Warning(Warning::new(
                ctx.path,
                None,
                format!(
                    "no list of records at `{}` (set options.records), file skipped",
                    if path.is_empty() { "<document>" } else { path }
                ),
            )));
            return;
        }
    };
    for record in items {
        emit(fields.definition(ctx, record.line, |field| {
            let node = record.at_path(field)?;
            let value = match (&node.value, field) {
                (NodeValue::Str(s), _) => s.clone(),
                // Numbers serve as keys and locales, never as texts.
                (NodeValue::Scalar(s), f) if !fields.text.iter().any(|t| t == f) => s.clone(),
                _ => return None,
            };
            Some((value, node.line))
        }));
    }
}

/// Fields of one XML record: `child.path` → text and `path.@attr` → value, with lines.
#[derive(Default)]
struct XmlRecord {
    line: u64,
    values: HashMap<String, (String, u64)>,
}

impl XmlRecord {
    fn get(&self, field: &str) -> Option<(String, u64)> {
        if let Some(v) = self.values.get(field) {
            return Some(v.clone());
        }
        if field.contains('@') {
            return None;
        }
        // An attribute of that name, on the record or on the named child.
        let attr = match field.rsplit_once('.') {
            Some((parent, name)) => format!("{parent}.@{name}"),
            None => format!("@{field}"),
        };
        self.values.get(&attr).cloned()
    }
}

fn scan_xml(text: &str, ctx: &ScanContext<'_>, fields: &Fields, emit: &mut dyn FnMut(Item)) {
    let Some(path) = fields.records.as_deref() else {
        emit(Item::Warning(Warning::new(
            ctx.path,
            None,
            "XML records need options.records (the record elements' path), file skipped",
        )));
        return;
    };
    let wanted: Vec<&str> = path.split('.').collect();
    let lines = LineIndex::new(text);
    let mut reader = quick_xml::Reader::from_str(text);
    let mut stack: Vec<String> = Vec::new();
    // Inside a record: the record, and the stack depth of its element.
    let mut current: Option<(XmlRecord, usize)> = None;
    let mut found = 0;
    loop {
        let position = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => {
                let at = reader.error_position() as usize;
                emit(Item::Warning(Warning::new(
                    ctx.path,
                    Some(lines.line(at, ctx.first_line)),
                    format!("malformed XML, rest of file skipped: {e}"),
                )));
                return;
            }
        };
        let line = lines.line(position, ctx.first_line);
        match event {
            // Each element inside a record joins the path of its ancestors:
            // the depth cap keeps that linear in the input.
            Event::Start(_) | Event::Empty(_) if stack.len() >= ctx.caps.nesting_depth() => {
                emit(Item::Warning(Warning::new(
                    ctx.path,
                    Some(line),
                    format!(
                        "XML nested deeper than {} elements (caps.nesting_depth): \
                         the rest of the file is skipped",
                        ctx.caps.nesting_depth()
                    ),
                )));
                return;
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let is_empty = matches!(event, Event::Empty(_));
                stack.push(e.local_name().as_ref().to_string());
                if current.is_none() && is_record_path(&stack, &wanted) {
                    current = Some((
                        XmlRecord {
                            line,
                            ..XmlRecord::default()
                        },
                        stack.len(),
                    ));
                }
                if let Some((record, depth)) = &mut current {
                    let relative = stack[*depth..].join(".");
                    add_attributes(record, &relative, e, line);
                    if !relative.is_empty() {
                        record
                            .values
                            .entry(relative)
                            .or_insert((String::new(), line));
                    }
                }
                if is_empty {
                    close(&mut stack, &mut current, ctx, fields, emit, &mut found);
                }
            }
            Event::End(_) => close(&mut stack, &mut current, ctx, fields, emit, &mut found),
            Event::Text(ref t) => push_text(&mut current, &stack, &t.xml10_content()),
            Event::CData(ref t) => push_text(&mut current, &stack, &t.xml10_content()),
            Event::GeneralRef(ref r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = r.xml10_content();
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .map_or_else(|| format!("&{name};"), str::to_string)
                    }
                };
                push_text(&mut current, &stack, &resolved);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if found == 0 {
        emit(Item::Warning(Warning::new(
            ctx.path,
            None,
            format!("no record elements at `{path}`"),
        )));
    }
}

/// Whether the open elements (root first) are the records path, with or without the root.
fn is_record_path(stack: &[String], wanted: &[&str]) -> bool {
    let matches =
        |s: &[String]| s.len() == wanted.len() && s.iter().zip(wanted).all(|(a, b)| a == b);
    matches(stack) || (stack.len() > 1 && matches(&stack[1..]))
}

fn add_attributes(record: &mut XmlRecord, relative: &str, e: &BytesStart<'_>, line: u64) {
    for attr in e.attributes().flatten() {
        let name = attr.key.local_name().as_ref().to_string();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_or_else(|_| attr.value.to_string(), |v| v.into_owned());
        let key = if relative.is_empty() {
            format!("@{name}")
        } else {
            format!("{relative}.@{name}")
        };
        record.values.entry(key).or_insert((value, line));
    }
}

fn push_text(current: &mut Option<(XmlRecord, usize)>, stack: &[String], text: &str) {
    if let Some((record, depth)) = current
        && stack.len() > *depth
    {
        let relative = stack[*depth..].join(".");
        if let Some((value, _)) = record.values.get_mut(&relative) {
            value.push_str(text);
        }
    }
}

fn close(
    stack: &mut Vec<String>,
    current: &mut Option<(XmlRecord, usize)>,
    ctx: &ScanContext<'_>,
    fields: &Fields,
    emit: &mut dyn FnMut(Item),
    found: &mut usize,
) {
    if current
        .as_ref()
        .is_some_and(|(_, depth)| *depth == stack.len())
        && let Some((record, _)) = current.take()
    {
        *found += 1;
        emit(fields.definition(ctx, record.line, |f| record.get(f)));
    }
    stack.pop();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;

    fn scan(path: &str, text: &str, options: &SourceOptions) -> Vec<Item> {
        crate::scan::testing::scan_text(&Records, path, options, text)
    }

    fn options(records: &str, key: &str, text: &str) -> SourceOptions {
        SourceOptions {
            records: Some(records.into()),
            key_field: Some(key.into()),
            text_field: Some(text.into()),
            ..SourceOptions::default()
        }
    }

    #[test]
    fn yaml_records_with_nested_fields_and_numeric_keys() {
        let text = "ivr:\n  prompts:\n    - id: 1001\n      text:\n        ru: Введите ПИН\n    - id: 1002\n      text:\n        ru: Неверный ПИН\n    - id: 1003\n";
        let items = scan(
            "ivr_ru.yaml",
            text,
            &options("ivr.prompts", "id", "text.ru"),
        );
        assert_eq!(
            crate::scan::testing::definition_tuples(&items),
            vec![
                ("1001".into(), "Введите ПИН".into(), Some("ru".into()), 5),
                ("1002".into(), "Неверный ПИН".into(), Some("ru".into()), 8),
            ]
        );
        assert!(items.iter().any(|i| matches!(i, Item::Warning(w)
            if w.line == Some(9) && w.message.contains("text field `text.ru`"))));
    }

    #[test]
    fn json_records_with_default_fields_and_locale_field() {
        let text = "{\"messages\": [\n  {\"code\": \"E1\", \"message\": \"Ошибка\", \"lang\": \"ru\"},\n  {\"code\": \"E2\", \"message\": \"Error\", \"lang\": \"en\"}\n]}";
        let o = SourceOptions {
            records: Some("messages".into()),
            locale_field: Some("lang".into()),
            ..SourceOptions::default()
        };
        let items = scan("messages.json", text, &o);
        assert_eq!(
            crate::scan::testing::definition_tuples(&items),
            vec![
                ("E1".into(), "Ошибка".into(), Some("ru".into()), 2),
                ("E2".into(), "Error".into(), Some("en".into()), 3),
            ]
        );
    }

    #[test]
    fn xml_records_from_children_and_attributes() {
        let text = "<?xml version=\"1.0\"?>\n<config>\n  <prompts>\n    <prompt id=\"P1\">\n      <text>Card &amp; PIN &#x2116;</text>\n    </prompt>\n    <prompt id=\"P2\" text=\"Attr text\"/>\n    <prompt><text>no id</text></prompt>\n  </prompts>\n</config>\n";
        let items = scan("ivr.xml", text, &options("prompts.prompt", "id", "text"));
        assert_eq!(
            crate::scan::testing::definition_tuples(&items),
            vec![
                ("P1".into(), "Card & PIN №".into(), None, 5),
                ("P2".into(), "Attr text".into(), None, 7),
            ]
        );
        assert!(
            items
                .iter()
                .any(|i| matches!(i, Item::Warning(w) if w.line == Some(8)))
        );
        let with_root = scan(
            "ivr.xml",
            text,
            &options("config.prompts.prompt", "@id", "text"),
        );
        assert_eq!(crate::scan::testing::definition_tuples(&with_root).len(), 2);
    }

    #[test]
    fn broken_xml_keeps_records_before_the_error() {
        let text = "<r><m id=\"a\"><t>A</t></m>\n<m id=\"b\"><t>B</x></m></r>";
        let items = scan("m.xml", text, &options("m", "id", "t"));
        assert_eq!(crate::scan::testing::definition_tuples(&items).len(), 1);
        assert!(items.iter().any(|i| matches!(i, Item::Warning(w)
            if w.line == Some(2) && w.message.contains("malformed XML"))));
    }

    /// A record path's elements are joined per event: nesting past the cap
    /// would make that quadratic. The records before it are kept.
    #[test]
    fn deep_xml_records_stop_at_the_nesting_cap() {
        let text = format!(
            "<r><m id=\"a\"><t>A</t></m>\n<m id=\"b\"><t>{}</t></m></r>",
            "<x>".repeat(100_000)
        );
        let items = scan("m.xml", &text, &options("m", "id", "t"));
        assert_eq!(crate::scan::testing::definition_tuples(&items).len(), 1);
        assert!(items.iter().any(|i| matches!(i, Item::Warning(w)
            if w.line == Some(2) && w.message.contains("nested deeper than 128 elements"))));
    }

    #[test]
    fn a_missing_list_warns() {
        let items = scan("c.yaml", "a: 1\n", &options("prompts", "id", "text"));
        assert!(matches!(&items[..], [Item::Warning(w)] if w.message.contains("`prompts`")));
    }
}
