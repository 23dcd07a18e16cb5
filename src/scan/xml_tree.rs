//! A small XML element tree over quick-xml, shared by the XML scanners (resx,
//! Android, XLIFF, XSD).
//!
//! Catalog files are small and their meaning lies in structure (a `<data>`'s
//! `<value>`, an Android string's inline markup, a type used by an element), so
//! the scanners read a tree, as Python's ElementTree — the oracle they are tested
//! against — does, rather than raw events. Comments, processing instructions and
//! the DTD are dropped, so commented-out entries never count; entity and character
//! references are resolved; namespaces are resolved to URIs; each element keeps the
//! line it starts on. Broken XML yields a warning naming the line and the tree
//! read so far, its unfinished elements marked so scanners skip them.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::{Item, ScanContext};
use crate::model::Warning;

/// One XML element with its resolved namespace and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Element {
    /// The name as written, prefix included (`xliff:g`).
    pub name: String,
    /// The namespace URI the prefix (or the default namespace) resolves to.
    pub namespace: Option<String>,
    /// Attributes as written (qualified names), values with entities resolved.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
    /// 1-based line of the start tag.
    pub line: u64,
    /// False when the file ended or broke before the end tag.
    pub closed: bool,
}

/// A child of an element: an element or character data (CDATA included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    /// The name without its prefix.
    pub fn local_name(&self) -> &str {
        self.name.rsplit(':').next().unwrap_or(&self.name)
    }

    /// The value of the attribute with this qualified name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements, in document order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Child elements with this local name.
    pub fn elements_named<'a>(&'a self, local: &'a str) -> impl Iterator<Item = &'a Element> {
        self.elements().filter(move |e| e.local_name() == local)
    }

    /// The first child element with this local name.
    pub fn child(&self, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.local_name() == local)
    }

    /// All character data below this element, in document order (ElementTree's `itertext`).
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out
    }

    fn collect_text(&self, out: &mut String) {
        for child in &self.children {
            match child {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }

    /// Calls `f` on this element and every element below it, in document order.
    pub fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a Element)) {
        f(self);
        for e in self.elements() {
            e.visit(f);
        }
    }
}

/// Reads the whole input as XML and returns its root element, if any was read.
/// Problems become warnings through `emit`; a broken file still yields what came
/// before the break.
pub(crate) fn parse(
    input: &mut dyn BufRead,
    ctx: &ScanContext<'_>,
    emit: &mut dyn FnMut(Item),
) -> Option<Element> {
    let text = super::read_document(input, ctx, emit)?;
    parse_str(&text, ctx, emit)
}

/// [`parse`], then checks that the root element's local name is `root_name`; a
/// file of another kind gives a warning naming `kind` and no root.
pub(crate) fn parse_root(
    input: &mut dyn BufRead,
    ctx: &ScanContext<'_>,
    emit: &mut dyn FnMut(Item),
    root_name: &str,
    kind: &str,
) -> Option<Element> {
    let root = parse(input, ctx, emit)?;
    if root.local_name() == root_name {
        return Some(root);
    }
    emit(Item::Warning(Warning::new(
        ctx.path,
        Some(root.line),
        format!("not {kind}: root element is <{}>", root.name),
    )));
    None
}

/// [`parse`] over text already in memory.
pub(crate) fn parse_str(
    text: &str,
    ctx: &ScanContext<'_>,
    emit: &mut dyn FnMut(Item),
) -> Option<Element> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = LineIndex::new(text, ctx.first_line);
    let mut warn = |offset: u64, message: String| {
        emit(Item::Warning(Warning::new(
            ctx.path,
            Some(lines.line_of(offset)),
            message,
        )));
    };
    // Deeper nesting is no catalog; the limit keeps the scanners' recursive
    // walks of the tree within the stack (the caps allow at most
    // `NESTING_DEPTH_CEILING`).
    let max_depth = ctx.caps.nesting_depth();
    let mut reader = Reader::from_str(text);
    reader.config_mut().expand_empty_elements = true;
    // Open elements with the namespace bindings each one declared.
    let mut stack: Vec<(Element, Vec<(String, String)>)> = Vec::new();
    let mut root: Option<Element> = None;
    let mut broken = false;
    loop {
        let start = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(_)) if stack.len() >= max_depth => {
                warn(
                    start,
                    format!(
                        "XML nested deeper than {max_depth} elements (caps.nesting_depth): \
                         the rest of the file is skipped"
                    ),
                );
                broken = true;
                break;
            }
            Ok(Event::Start(tag)) => {
                let (element, bindings) = open_element(&tag, lines.line_of(start), &stack);
                stack.push((element, bindings));
            }
            Ok(Event::End(_)) => {
                if let Some((mut element, _)) = stack.pop() {
                    element.closed = true;
                    attach(&mut stack, &mut root, element);
                }
            }
            Ok(Event::Text(t)) => push_text(&mut stack, &t.xml10_content()),
            Ok(Event::CData(t)) => push_text(&mut stack, &t.xml10_content()),
            Ok(Event::GeneralRef(r)) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => predefined_entity(&r).map(str::to_string),
                    Err(_) => None,
                };
                match resolved {
                    Some(s) => push_text(&mut stack, &s),
                    None => {
                        warn(start, format!("unknown entity `&{};` kept as written", &*r));
                        push_text(&mut stack, &format!("&{};", &*r));
                    }
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                warn(reader.error_position(), format!("malformed XML: {e}"));
                broken = true;
                break;
            }
        }
    }
    if !broken && !stack.is_empty() {
        warn(text.len() as u64, "unexpected end of XML".to_string());
    }
    while let Some((element, _)) = stack.pop() {
        attach(&mut stack, &mut root, element);
    }
    root
}

fn open_element(
    tag: &BytesStart<'_>,
    line: u64,
    stack: &[(Element, Vec<(String, String)>)],
) -> (Element, Vec<(String, String)>) {
    let mut attrs = Vec::new();
    let mut bindings = Vec::new();
    for attr in tag.attributes().flatten() {
        let key = attr.key.as_ref().to_string();
        let value = attr
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map(|v| v.into_owned())
            .unwrap_or_else(|_| attr.value.to_string());
        if key == "xmlns" {
            bindings.push((String::new(), value.clone()));
        } else if let Some(prefix) = key.strip_prefix("xmlns:") {
            bindings.push((prefix.to_string(), value.clone()));
        }
        attrs.push((key, value));
    }
    let name = tag.name().as_ref().to_string();
    let prefix = match name.split_once(':') {
        Some((p, _)) => p,
        None => "",
    };
    let namespace = bindings
        .iter()
        .chain(stack.iter().rev().flat_map(|(_, b)| b.iter()))
        .find(|(p, _)| p == prefix)
        .map(|(_, uri)| uri.clone())
        .filter(|uri| !uri.is_empty());
    let element = Element {
        name,
        namespace,
        attrs,
        children: Vec::new(),
        line,
        closed: false,
    };
    (element, bindings)
}

fn attach(
    stack: &mut [(Element, Vec<(String, String)>)],
    root: &mut Option<Element>,
    element: Element,
) {
    match stack.last_mut() {
        Some((parent, _)) => parent.children.push(Node::Element(element)),
        None => {
            if root.is_none() {
                *root = Some(element);
            }
        }
    }
}

fn push_text(stack: &mut [(Element, Vec<(String, String)>)], text: &str) {
    let Some((parent, _)) = stack.last_mut() else {
        return;
    };
    match parent.children.last_mut() {
        Some(Node::Text(t)) => t.push_str(text),
        _ => parent.children.push(Node::Text(text.to_string())),
    }
}

fn predefined_entity(name: &str) -> Option<&'static str> {
    match name {
        "amp" => Some("&"),
        "lt" => Some("<"),
        "gt" => Some(">"),
        "quot" => Some("\""),
        "apos" => Some("'"),
        _ => None,
    }
}

/// Byte offset → line number, for elements and warnings.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    first_line: u64,
}

impl LineIndex {
    pub fn new(text: &str, first_line: u64) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts, first_line }
    }

    pub fn line_of(&self, offset: u64) -> u64 {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let index = self.starts.partition_point(|&s| s <= offset);
        self.first_line + index.saturating_sub(1) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FormatId;
    use crate::rules::SourceOptions;

    fn tree(xml: &str) -> (Option<Element>, Vec<Item>) {
        let options = SourceOptions::default();
        let ctx = ScanContext::for_test("t.xml", &options);
        let mut items = Vec::new();
        let root = parse_str(xml, &ctx, &mut |i| items.push(i));
        (root, items)
    }

    #[test]
    fn comments_are_dropped_and_entities_resolved() {
        let (root, warnings) = tree(
            "\u{feff}<?xml version=\"1.0\"?>\n<root>\n<!-- <data name=\"x\"/> -->\n<a k=\"1 &amp; 2\">x &lt;&#65;&#x42;</a>\n</root>",
        );
        let root = root.unwrap();
        assert!(warnings.is_empty());
        assert_eq!(root.elements().count(), 1);
        let a = root.child("a").unwrap();
        assert_eq!(a.line, 4);
        assert_eq!(a.attr("k"), Some("1 & 2"));
        assert_eq!(a.text(), "x <AB");
        assert!(a.closed);
    }

    #[test]
    fn namespaces_resolve_through_ancestors() {
        let (root, _) = tree(r#"<r xmlns="urn:d" xmlns:x="urn:x"><x:g>1</x:g><b><c/></b></r>"#);
        let root = root.unwrap();
        assert_eq!(root.namespace.as_deref(), Some("urn:d"));
        let g = root.child("g").unwrap();
        assert_eq!(
            (g.name.as_str(), g.namespace.as_deref()),
            ("x:g", Some("urn:x"))
        );
        let c = root.child("b").unwrap().child("c").unwrap();
        assert_eq!(c.namespace.as_deref(), Some("urn:d"));
    }

    #[test]
    fn deep_nesting_stops_with_a_warning() {
        let xml = format!("<r>{}", "<a>".repeat(100_000));
        let (root, items) = tree(&xml);
        assert!(root.is_some());
        assert_eq!(items.len(), 1, "{items:?}");
    }

    #[test]
    fn broken_xml_warns_with_line_and_keeps_what_was_read() {
        let (root, items) = tree("<r>\n<a>ok</a>\n<b>broken</c>\n</r>");
        let root = root.unwrap();
        assert!(root.child("a").unwrap().closed);
        assert!(!root.closed);
        let Some(Item::Warning(w)) = items.first() else {
            panic!("expected a warning, got {items:?}")
        };
        assert_eq!(w.line, Some(3));
    }

    /// The scanners walk XML trees recursively: at the deepest nesting the
    /// rules may allow, each must still fit the 2 MiB stack of a scan's worker
    /// thread (rayon's default), in a debug build whose frames are largest.
    #[test]
    fn the_nesting_ceiling_fits_a_worker_threads_stack() {
        let ceiling = crate::rules::NESTING_DEPTH_CEILING;
        // Elements `open` nests (`per` levels each) inside `outer_depth` levels, up to the ceiling.
        let nest = |open: &str, close: &str, inner: &str, outer_depth: usize, per: usize| {
            let n = (ceiling - outer_depth) / per;
            format!("{}{inner}{}", open.repeat(n), close.repeat(n))
        };
        let xs = "xmlns:xs=\"http://www.w3.org/2001/XMLSchema\"";
        let documents = [
            (
                FormatId::Resx,
                format!(
                    "<root><data name=\"k\"><value>{}</value></data></root>",
                    nest("<b>", "</b>", "текст", 3, 1)
                ),
            ),
            (
                FormatId::Android,
                format!(
                    "<resources><string name=\"k\">{}</string></resources>",
                    nest("<b>", "</b>", "текст", 2, 1)
                ),
            ),
            (
                FormatId::Xliff,
                format!(
                    "<xliff version=\"1.2\"><file><body><trans-unit id=\"k\"><source>{}</source></trans-unit></body></file></xliff>",
                    nest("<g id=\"1\">", "</g>", "текст", 5, 1)
                ),
            ),
            (
                FormatId::Xsd,
                format!(
                    "<xs:schema {xs}>{}</xs:schema>",
                    nest(
                        "<xs:element name=\"e\"><xs:complexType><xs:sequence>",
                        "</xs:sequence></xs:complexType></xs:element>",
                        "<xs:element name=\"t\"><xs:simpleType><xs:restriction base=\"xs:string\">\
                         <xs:maxLength value=\"40\"/></xs:restriction></xs:simpleType></xs:element>",
                        5,
                        3
                    )
                ),
            ),
        ];
        let caps = crate::rules::Caps {
            nesting_depth: Some(ceiling as u64),
            ..crate::rules::Caps::DEFAULT
        };
        for (format, xml) in documents {
            let worker = std::thread::Builder::new().stack_size(2 * 1024 * 1024);
            let items = worker
                .spawn(move || {
                    let options = SourceOptions::default();
                    let ctx = ScanContext {
                        caps: &caps,
                        ..ScanContext::for_test("deep_ru.xml", &options)
                    };
                    let mut items = Vec::new();
                    let scanner = crate::scan::scanner(format);
                    scanner.scan(&mut xml.as_bytes(), &ctx, &mut |i| items.push(i));
                    items
                })
                .unwrap()
                .join()
                .unwrap();
            assert!(!items.is_empty(), "{format}");
            assert!(
                items
                    .iter()
                    .all(|i| !matches!(i, Item::Warning(w) if w.message.contains("nested deeper"))),
                "{format}: {items:?}"
            );
        }
    }
}
