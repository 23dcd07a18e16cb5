//! Nested catalog documents (JSON, YAML) as one tree type with line numbers.
//!
//! serde_json and serde_yaml give values without positions, so each document
//! format builds a [`Node`] tree here with the 1-based line of every key and
//! item: JSON exactly (a small structural walker over text serde_json has
//! already validated, decoding every string token with serde_json itself so
//! values are exactly what a JSON parser yields), YAML on a best-effort basis
//! (keys are located in the text in document order). [`flatten`] then turns a
//! tree into catalog entries the same way for both formats.
//!
//! Nothing here recurses on the input's depth: the JSON walker keeps its open
//! containers on a stack and skips values nested deeper than the cap
//! (`caps.nesting_depth`) with a warning, and [`flatten`] walks with a stack
//! too. YAML values come from serde_yaml, which refuses more than 128 levels
//! itself (and `crate::yaml` refuses deep flow nesting before parsing).

use serde_yaml::Value;

use super::locale::{locale_from_path, normalise_locale};
use super::{Item, ScanContext};
use crate::model::{Definition, Location};

/// A value of a nested document and the line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub line: u64,
    pub value: NodeValue,
}

/// The shapes a catalog tree distinguishes.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeValue {
    /// Entries in document order; repeated keys are all kept.
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
    Str(String),
    /// A number or boolean, as written (`2`, `false`): never a text, but usable as a record key.
    Scalar(String),
    Null,
}

impl Node {
    /// The node at a dotted path (`a.b.0`): map keys, then list indexes. The first
    /// entry wins when a key repeats.
    pub fn at_path(&self, path: &str) -> Option<&Node> {
        if path.is_empty() {
            return Some(self);
        }
        path.split('.')
            .try_fold(self, |node, segment| match &node.value {
                NodeValue::Map(entries) => {
                    entries.iter().find(|(k, _)| k == segment).map(|(_, n)| n)
                }
                NodeValue::List(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            })
    }
}

/// CLDR plural categories: a map holding only these keys is one message's plural forms.
pub const PLURAL_CATEGORIES: &[&str] = &["zero", "one", "two", "few", "many", "other"];

/// One string leaf of a flattened catalog tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// Dotted key: map keys and list indexes joined with `.`.
    pub key: String,
    /// Plural category when the leaf is one form of a plural map.
    pub form: Option<String>,
    pub text: String,
    pub line: u64,
    /// Locale named by a locale root key (`ru:`), if the tree has them.
    pub locale: Option<String>,
}

/// Flattens a catalog tree to its string leaves, in document order.
///
/// - Nested maps become dotted keys, list items `key.0`, `key.1`, ….
/// - When every root key is a locale code and every root value a map (Rails
///   `ru:`, `{"en": {...}, "ru": {...}}`), each root key becomes the locale of
///   its subtree and is dropped from the keys.
/// - A map whose keys are all plural categories holds one message: its string
///   values become forms of the map's key.
/// - Nulls, numbers and booleans are not texts and are skipped.
pub fn flatten(root: &Node) -> Vec<Leaf> {
    let mut out = Vec::new();
    match &root.value {
        NodeValue::Map(entries) if is_locale_rooted(entries) => {
            for (key, child) in entries {
                walk(child, normalise_locale(key).as_deref(), &mut out);
            }
        }
        _ => walk(root, None, &mut out),
    }
    out
}

fn is_locale_rooted(entries: &[(String, Node)]) -> bool {
    !entries.is_empty()
        && entries
            .iter()
            .all(|(k, v)| normalise_locale(k).is_some() && matches!(v.value, NodeValue::Map(_)))
}

fn is_plural_map(entries: &[(String, Node)]) -> bool {
    !entries.is_empty()
        && entries.iter().all(|(k, v)| {
            PLURAL_CATEGORIES.contains(&k.as_str())
                && !matches!(v.value, NodeValue::Map(_) | NodeValue::List(_))
        })
        && entries
            .iter()
            .any(|(_, v)| matches!(v.value, NodeValue::Str(_)))
}

fn join(prefix: &str, segment: &str) -> String {
    if prefix.is_empty() {
        segment.to_string()
    } else {
        format!("{prefix}.{segment}")
    }
}

/// The string leaves under `root`, in document order (a stack of the nodes
/// still to visit, with their keys, stands in for recursion).
fn walk(root: &Node, locale: Option<&str>, out: &mut Vec<Leaf>) {
    let leaf = |key: String, form: Option<String>, text: &str, line: u64| Leaf {
        key,
        form,
        text: text.to_string(),
        line,
        locale: locale.map(str::to_string),
    };
    let mut stack: Vec<(&Node, String)> = vec![(root, String::new())];
    while let Some((node, prefix)) = stack.pop() {
        match &node.value {
            NodeValue::Map(entries) if !prefix.is_empty() && is_plural_map(entries) => {
                for (category, child) in entries {
                    if let NodeValue::Str(text) = &child.value {
                        out.push(leaf(
                            prefix.clone(),
                            Some(category.clone()),
                            text,
                            child.line,
                        ));
                    }
                }
            }
            NodeValue::Map(entries) => {
                for (key, child) in entries.iter().rev() {
                    stack.push((child, join(&prefix, key)));
                }
            }
            NodeValue::List(items) => {
                for (i, child) in items.iter().enumerate().rev() {
                    stack.push((child, join(&prefix, &i.to_string())));
                }
            }
            NodeValue::Str(text) => out.push(leaf(prefix, None, text, node.line)),
            NodeValue::Scalar(_) | NodeValue::Null => {}
        }
    }
}

/// Emits the string leaves of a catalog tree as definitions (JSON and YAML i18n).
/// Locales: root keys first, then the file's path, then the rules.
pub fn emit_leaves(root: &Node, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
    if !matches!(root.value, NodeValue::Map(_) | NodeValue::List(_)) {
        emit(Item::Warning(crate::model::Warning::new(
            ctx.path,
            Some(root.line),
            "document is a single value, not a catalog: nothing harvested",
        )));
        return;
    }
    let fallback = locale_from_path(ctx.path).or_else(|| ctx.locale.map(str::to_string));
    for leaf in flatten(root) {
        let mut d = Definition::new(leaf.key, leaf.text, Location::new(ctx.path, leaf.line));
        d.locale = leaf.locale.or_else(|| fallback.clone());
        d.form = leaf.form;
        emit(Item::Definition(d));
    }
}

/// 1-based line numbers of byte offsets in a text.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        LineIndex { starts }
    }

    /// The line (counting from `first_line`) holding byte `offset`.
    pub fn line(&self, offset: usize, first_line: u64) -> u64 {
        let index = self.starts.partition_point(|&s| s <= offset);
        first_line + index.saturating_sub(1) as u64
    }
}

/// Parses a JSON document into a tree with lines. A malformed document is a
/// warning with serde_json's line and `None`; values nested deeper than the cap
/// are left out of the tree, with one warning naming the line of the first.
pub fn parse_json(text: &str, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) -> Option<Node> {
    let max_depth = ctx.caps.nesting_depth();
    let walked = parse_json_tree(text, ctx.first_line, max_depth);
    match walked {
        Ok((root, too_deep)) => {
            if let Some(line) = too_deep {
                emit(Item::Warning(crate::model::Warning::new(
                    ctx.path,
                    Some(line),
                    format!(
                        "JSON nested deeper than {max_depth} levels (caps.nesting_depth): \
                         the deeper values are skipped"
                    ),
                )));
            }
            Some(root)
        }
        Err(e) => {
            emit(Item::Warning(crate::model::Warning::new(
                ctx.path,
                Some(ctx.first_line + (e.line() as u64).saturating_sub(1)),
                format!("malformed JSON, file skipped: {e}"),
            )));
            None
        }
    }
}

/// The tree of a JSON document and the line of the first value nested deeper
/// than `max_depth`, if any.
fn parse_json_tree(
    text: &str,
    first_line: u64,
    max_depth: usize,
) -> Result<(Node, Option<u64>), serde_json::Error> {
    // Validation first (serde_json ignores a value without recursing): the
    // walker below relies on well-formed input.
    serde_json::from_str::<serde::de::IgnoredAny>(text)?;
    let mut walker = JsonWalker {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        lines: LineIndex::new(text),
        first_line,
        max_depth,
        too_deep: None,
    };
    let root = walker.document()?;
    Ok((root, walker.too_deep))
}

struct JsonWalker<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    lines: LineIndex,
    first_line: u64,
    max_depth: usize,
    /// Line of the first value skipped for its depth.
    too_deep: Option<u64>,
}

/// A container the walker is inside of.
enum Open {
    /// A map, with the key whose value is being read.
    Map {
        line: u64,
        entries: Vec<(String, Node)>,
        key: Option<(String, u64)>,
    },
    List {
        line: u64,
        items: Vec<Node>,
    },
}

impl Open {
    fn close(self) -> Node {
        match self {
            Open::Map { line, entries, .. } => Node {
                line,
                value: NodeValue::Map(entries),
            },
            Open::List { line, items } => Node {
                line,
                value: NodeValue::List(items),
            },
        }
    }
}

/// What the walker found at the start of a value.
enum Started {
    Value(Node),
    Container(Open),
}

impl JsonWalker<'_> {
    fn skip_ws(&mut self) {
        while self
            .bytes
            .get(self.pos)
            .is_some_and(|b| b.is_ascii_whitespace())
        {
            self.pos += 1;
        }
    }

    /// The root value. Open containers wait on a stack instead of the call
    /// stack, so depth costs heap, never the thread's stack.
    fn document(&mut self) -> Result<Node, serde_json::Error> {
        let mut stack: Vec<Open> = Vec::new();
        loop {
            self.skip_ws();
            // Inside a container (and not between a key and its value): a
            // closer, a comma, or the next key or item.
            let closer = match stack.last() {
                Some(Open::Map { key: None, .. }) => Some(b'}'),
                Some(Open::List { .. }) => Some(b']'),
                _ => None,
            };
            let node = match (closer, self.bytes.get(self.pos)) {
                (Some(c), Some(&b)) if b == c => {
                    self.pos += 1;
                    stack.pop().expect("a container is open").close()
                }
                (Some(_), Some(b',')) => {
                    self.pos += 1;
                    continue;
                }
                (Some(b'}'), _) => {
                    let key = self.string()?;
                    self.skip_ws();
                    self.pos += 1; // the ':' validation guaranteed
                    if let Some(Open::Map { key: slot, .. }) = stack.last_mut() {
                        *slot = Some(key);
                    }
                    continue;
                }
                _ => match self.value(stack.len())? {
                    Started::Value(node) => node,
                    Started::Container(open) => {
                        stack.push(open);
                        continue;
                    }
                },
            };
            match stack.last_mut() {
                None => return Ok(node),
                Some(Open::Map { entries, key, .. }) => {
                    // An entry's line is where its key is, not where its value starts.
                    let (key, key_line) = key.take().expect("a value follows its key");
                    entries.push((
                        key,
                        Node {
                            line: key_line,
                            value: node.value,
                        },
                    ));
                }
                Some(Open::List { items, .. }) => items.push(node),
            }
        }
    }

    /// The value starting at the cursor, `depth` containers deep: a scalar, a
    /// container opened, or (past the depth cap) a null standing for a
    /// container skipped whole.
    fn value(&mut self, depth: usize) -> Result<Started, serde_json::Error> {
        let line = self.lines.line(self.pos, self.first_line);
        let value =
            match self.bytes.get(self.pos) {
                Some(b'{' | b'[') if depth >= self.max_depth => {
                    self.too_deep.get_or_insert(line);
                    self.skip_container();
                    NodeValue::Null
                }
                Some(b'{') => {
                    self.pos += 1;
                    return Ok(Started::Container(Open::Map {
                        line,
                        entries: Vec::new(),
                        key: None,
                    }));
                }
                Some(b'[') => {
                    self.pos += 1;
                    return Ok(Started::Container(Open::List {
                        line,
                        items: Vec::new(),
                    }));
                }
                Some(b'"') => NodeValue::Str(self.string()?.0),
                _ => {
                    let start = self.pos;
                    while self.bytes.get(self.pos).is_some_and(|b| {
                        !matches!(b, b',' | b'}' | b']') && !b.is_ascii_whitespace()
                    }) {
                        self.pos += 1;
                    }
                    match &self.text[start..self.pos] {
                        "null" => NodeValue::Null,
                        other => NodeValue::Scalar(other.to_string()),
                    }
                }
            };
        Ok(Started::Value(Node { line, value }))
    }

    /// Moves the cursor past the (valid) container it is on.
    fn skip_container(&mut self) {
        let mut depth = 0usize;
        while let Some(&b) = self.bytes.get(self.pos) {
            self.pos += 1;
            match b {
                b'"' => {
                    while let Some(&c) = self.bytes.get(self.pos) {
                        self.pos += if c == b'\\' { 2 } else { 1 };
                        if c == b'"' {
                            break;
                        }
                    }
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                _ => {}
            }
        }
    }

    /// A string token at the cursor, decoded by serde_json, with its line.
    fn string(&mut self) -> Result<(String, u64), serde_json::Error> {
        let start = self.pos;
        let line = self.lines.line(start, self.first_line);
        self.pos += 1;
        while let Some(&b) = self.bytes.get(self.pos) {
            self.pos += 1;
            match b {
                b'\\' => self.pos += 1,
                b'"' => break,
                _ => {}
            }
        }
        let decoded = serde_json::from_str::<String>(&self.text[start..self.pos])?;
        Ok((decoded, line))
    }
}

/// Converts a YAML value (aliases resolved, merge keys applied) into a tree,
/// locating each key and list item in `text` for its line (best effort: the
/// search walks forward in document order, so block-style documents get exact
/// lines and flow collections the line they start on).
pub fn from_yaml(value: &Value, text: &str, first_line: u64) -> Node {
    let lines: Vec<&str> = text.lines().collect();
    let mut locator = YamlLocator {
        lines: &lines,
        cursor: 0,
        first_line,
    };
    locator.node(value, 0, None)
}

/// Lines a key or item is searched for ahead of the cursor.
const YAML_SEARCH_WINDOW: usize = 4096;

struct YamlLocator<'a> {
    lines: &'a [&'a str],
    /// Index of the line the search continues from.
    cursor: usize,
    first_line: u64,
}

impl YamlLocator<'_> {
    fn node(&mut self, value: &Value, line: usize, raw: Option<&str>) -> Node {
        let node_value = match value {
            Value::Mapping(map) => {
                // A block mapping's keys start below the line that opens it.
                if raw.is_some_and(str::is_empty) {
                    self.cursor = self.cursor.max(line + 1);
                }
                let mut entries = Vec::new();
                for (k, v) in map {
                    let key = yaml_key(k);
                    let (child_line, raw_value) = match self.find_key(&key) {
                        Some((l, rest)) => {
                            self.cursor = l;
                            (l, Some(rest))
                        }
                        None => (self.cursor, None),
                    };
                    let child = self.node(v, child_line, raw_value.as_deref());
                    entries.push((key, child));
                }
                NodeValue::Map(entries)
            }
            Value::Sequence(items) => {
                let flow = raw.is_some_and(|r| r.starts_with('['));
                let mut nodes = Vec::new();
                for item in items {
                    let (item_line, item_raw) = if flow {
                        (line, None)
                    } else {
                        match self.find_item() {
                            Some((l, rest)) => {
                                self.cursor = l;
                                (l, Some(rest))
                            }
                            None => (self.cursor, None),
                        }
                    };
                    nodes.push(self.node(item, item_line, item_raw.as_deref()));
                }
                NodeValue::List(nodes)
            }
            Value::String(s) if raw.is_some_and(|r| is_yaml11_non_string(r, s)) => {
                NodeValue::Scalar(s.clone())
            }
            Value::String(s) => NodeValue::Str(s.clone()),
            Value::Number(n) => NodeValue::Scalar(n.to_string()),
            Value::Bool(b) => NodeValue::Scalar(b.to_string()),
            Value::Null => NodeValue::Null,
            Value::Tagged(tagged) => return self.node(&tagged.value, line, raw),
        };
        Node {
            line: self.first_line + line as u64,
            value: node_value,
        }
    }

    /// The next line (from the cursor) where `key` is a mapping key, and the raw
    /// text after its colon.
    fn find_key(&mut self, key: &str) -> Option<(usize, String)> {
        let candidates = [
            format!("{key}:"),
            format!("\"{key}\":"),
            format!("'{key}':"),
        ];
        (self.cursor..self.search_end(self.cursor)).find_map(|i| {
            let content = strip_item_markers(self.lines[i]);
            candidates.iter().find_map(|c| {
                let rest = content.strip_prefix(c.as_str()).or_else(|| {
                    // Flow mappings: `{a: 1, b: 2}`.
                    ["{", ", "].iter().find_map(|opener| {
                        let marker = format!("{opener}{c}");
                        content.find(&marker).map(|p| &content[p + marker.len()..])
                    })
                })?;
                (rest.is_empty() || rest.starts_with([' ', '\t']))
                    .then(|| (i, strip_comment(rest).trim().to_string()))
            })
        })
    }

    /// The next block sequence item after the cursor, and its raw text.
    fn find_item(&mut self) -> Option<(usize, String)> {
        let start = if self.cursor_is_item_start() {
            self.cursor + 1
        } else {
            self.cursor
        };
        (start..self.search_end(start)).find_map(|i| {
            let t = self.lines[i].trim_start();
            let rest = t.strip_prefix('-')?;
            (rest.is_empty() || rest.starts_with([' ', '\t']))
                .then(|| (i, strip_comment(rest).trim().to_string()))
        })
    }

    /// Where a search from `start` gives up: keys are near the cursor unless a
    /// long block scalar intervenes, and an unlocatable key (escaped, complex)
    /// must not make the whole document quadratic.
    fn search_end(&self, start: usize) -> usize {
        self.lines
            .len()
            .min(start.saturating_add(YAML_SEARCH_WINDOW))
    }

    fn cursor_is_item_start(&self) -> bool {
        self.lines.get(self.cursor).is_some_and(|l| {
            let t = l.trim_start();
            t.starts_with("- ") || t == "-"
        })
    }
}

/// A YAML key as PyYAML's `str(key)` would give it for the scalars i18n files use.
fn yaml_key(k: &Value) -> String {
    match k {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(true) => "True".to_string(),
        Value::Bool(false) => "False".to_string(),
        Value::Null => "None".to_string(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// A line without leading blanks and block-sequence markers (`- - key:` → `key:`).
fn strip_item_markers(line: &str) -> &str {
    let mut t = line.trim_start();
    while let Some(rest) = t.strip_prefix("- ") {
        t = rest.trim_start();
    }
    t
}

/// Text before a ` #` comment (outside quotes).
fn strip_comment(s: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' && (prev == ' ' || prev == '\t' || i == 0) => return &s[..i],
            None if (c == '"' || c == '\'') && (i == 0 || prev == ' ') => quote = Some(c),
            None => {}
        }
        prev = c;
    }
    s
}

/// Whether a plain (unquoted) scalar written `raw` and loaded as the string `s`
/// is a boolean, integer, float or timestamp under YAML 1.1, which PyYAML and
/// Ruby's Psych (the reference readers of i18n YAML) follow and serde_yaml (YAML
/// 1.2) does not: `yes`, `off`, `0b101`, `1_000`, `1:30`, `2024-01-31`.
fn is_yaml11_non_string(raw: &str, s: &str) -> bool {
    use std::sync::LazyLock;
    static YAML11: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(concat!(
            r"^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF",
            r"|[-+]?0b[01_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)",
            r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?",
            r"|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+][0-9]+)?",
            r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?",
            r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?)$"
        ))
        .expect("valid YAML 1.1 scalar regex")
    });
    raw == s && YAML11.is_match(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A well-formed JSON document's tree, nested within the default cap.
    fn json(text: &str) -> Node {
        let (root, too_deep) = parse_json_tree(text, 1, crate::rules::MAX_NESTING_DEPTH).unwrap();
        assert_eq!(too_deep, None);
        root
    }

    /// Issue #14: a catalog nested 7,000 levels overflowed the stack (SIGABRT).
    /// The walk keeps its containers on the heap; past the cap a value is
    /// skipped with one warning, and the rest of the document is kept.
    #[test]
    fn deep_json_is_walked_without_recursion_and_capped() {
        let depth = 100_000;
        let text = format!(
            "{{\"ok\": \"Карта заблокирована\",\n\"deep\": {}\"x\"{},\n\"after\": [\"Повторите позже\"]}}",
            "{\"a\": [".repeat(depth),
            "]}".repeat(depth)
        );
        let options = crate::rules::SourceOptions::default();
        let ctx = ScanContext::for_test("deep.json", &options);
        let mut items = Vec::new();
        let root = parse_json(&text, &ctx, &mut |i| items.push(i)).unwrap();
        let got: Vec<(String, String)> = flatten(&root)
            .into_iter()
            .map(|l| (l.key, l.text))
            .collect();
        assert_eq!(
            got,
            vec![
                ("ok".to_string(), "Карта заблокирована".to_string()),
                ("after.0".to_string(), "Повторите позже".to_string()),
            ]
        );
        match &items[..] {
            [Item::Warning(w)] => {
                assert_eq!((w.path.as_str(), w.line), ("deep.json", Some(2)));
                assert!(
                    w.message.contains("nested deeper than 128 levels"),
                    "{}",
                    w.message
                );
            }
            other => panic!("{other:?}"),
        }
        // At the ceiling the rules allow, the tree is built, flattened and dropped whole.
        let ceiling = crate::rules::NESTING_DEPTH_CEILING;
        let text = format!("{}\"x\"{}", "[".repeat(ceiling), "]".repeat(ceiling));
        let (root, too_deep) = parse_json_tree(&text, 1, ceiling).unwrap();
        assert_eq!(too_deep, None);
        assert_eq!(flatten(&root).len(), 1);
    }

    #[test]
    fn skipped_containers_end_where_they_end() {
        let text = r#"{"a": {"b": {"s": "}]\"{[", "t": ["]"]}}, "c": "kept"}"#;
        let (root, too_deep) = parse_json_tree(text, 1, 2).unwrap();
        assert_eq!(too_deep, Some(1));
        let got: Vec<String> = flatten(&root).into_iter().map(|l| l.key).collect();
        assert_eq!(got, vec!["c"]);
    }

    fn leaves(root: &Node) -> Vec<(String, Option<String>, String, u64)> {
        flatten(root)
            .into_iter()
            .map(|l| (l.key, l.form, l.text, l.line))
            .collect()
    }

    #[test]
    fn json_keys_get_their_lines_and_exact_values() {
        let text = "{\n  \"a\": {\n    \"b\": \"x\\\"y\\u00e9\",\n    \"n\": 1,\n    \"l\": [\"p\",\n      \"q\"]\n  }\n}";
        let root = json(text);
        assert_eq!(
            leaves(&root),
            vec![
                ("a.b".into(), None, "x\"yé".into(), 3),
                ("a.l.0".into(), None, "p".into(), 5),
                ("a.l.1".into(), None, "q".into(), 6),
            ]
        );
    }

    #[test]
    fn malformed_json_is_an_error_with_position() {
        let err = parse_json_tree("{\n \"a\": \"b\",\n}", 1, 128).unwrap_err();
        assert_eq!(err.line(), 3);
    }

    #[test]
    fn locale_roots_and_plural_maps() {
        let text = "ru:\n  errors:\n    count:\n      one: '%{count} ошибка'\n      few: '%{count} ошибки'\n    flag: yes\n    quoted: 'yes'\n";
        let value: Value = crate::yaml::from_str(text).unwrap();
        let root = from_yaml(&value, text, 1);
        let leaves = flatten(&root);
        assert!(leaves.iter().all(|l| l.locale.as_deref() == Some("ru")));
        let got: Vec<_> = leaves
            .iter()
            .map(|l| (l.key.as_str(), l.form.as_deref(), l.text.as_str(), l.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("errors.count", Some("one"), "%{count} ошибка", 4),
                ("errors.count", Some("few"), "%{count} ошибки", 5),
                ("errors.quoted", None, "yes", 7),
            ]
        );
    }

    #[test]
    fn a_languages_list_is_not_locale_rooted() {
        let root = json("{\"en\": \"English\", \"ru\": \"Русский\"}");
        let keys: Vec<String> = flatten(&root).into_iter().map(|l| l.key).collect();
        assert_eq!(keys, vec!["en", "ru"]);
    }

    #[test]
    fn yaml_sequences_get_item_lines() {
        let text = "days:\n- \n- Mon # first\n- :day\nflow: [a, b]\n";
        let value: Value = crate::yaml::from_str(text).unwrap();
        let got = leaves(&from_yaml(&value, text, 1));
        assert_eq!(
            got,
            vec![
                ("days.1".into(), None, "Mon".into(), 3),
                ("days.2".into(), None, ":day".into(), 4),
                ("flow.0".into(), None, "a".into(), 5),
                ("flow.1".into(), None, "b".into(), 5),
            ]
        );
    }

    #[test]
    fn yaml11_scalars() {
        for s in [
            "yes",
            "Off",
            "0b101",
            "0777",
            "1_000",
            "1:30",
            "2024-01-31",
            ".5",
        ] {
            assert!(is_yaml11_non_string(s, s), "{s}");
        }
        for s in ["Yes, please", "y", "n", "1.2.3", "ok"] {
            assert!(!is_yaml11_non_string(s, s), "{s}");
        }
        assert!(!is_yaml11_non_string("'yes'", "yes"));
    }

    #[test]
    fn paths_reach_into_maps_and_lists() {
        let root = json("{\"a\": [{\"id\": 7, \"t\": \"x\"}]}");
        let value = |path: &str| root.at_path(path).map(|n| n.value.clone());
        assert_eq!(value("a.0.id"), Some(NodeValue::Scalar("7".into())));
        assert_eq!(value("a.0.t"), Some(NodeValue::Str("x".into())));
        assert!(root.at_path("a.1").is_none());
    }
}
