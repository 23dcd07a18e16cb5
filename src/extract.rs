//! Picking the client-visible text out of a log record.
//!
//! A log line is mostly noise for errata: thread names, class names, stack
//! traces. Only the part a client was shown counts. The rules' extractor says
//! where it is (a regex `text` group, or JSON field paths); records it does not
//! match are not client-visible and are dropped here.
//!
//! Without one, the default extractor looks for the default field names
//! ([`DEFAULT_TEXT_FIELDS`], [`DEFAULT_KEY_FIELDS`], the ones meant for logs),
//! as fields at any depth of a JSON record, as fields of a field record, and as
//! `name="…"` pairs inside a text line or any value. When a record has several
//! candidates, the best-ranked name wins wherever it is; among equal names a
//! field beats a pair inside a value, the shallower beats the deeper, the first
//! beats the later. RFC 9457's `detail` and `title` count only inside a problem
//! details object (one with a `type` string or a numeric `status`). Fields only
//! developers see ([`DEVELOPER_FIELDS`]: `developerMessage`, stack traces,
//! exceptions) are never searched. The key is the best key field of the object
//! holding the text, else of the nearest object around it, else a `code=…` pair
//! in the text's own value, else one anywhere; a key is one token (OAuth
//! `invalid_grant`, not `Bad Request`), and a problem details `type` is the key
//! when no key field is there. JSON records are walked with an explicit stack,
//! never by recursion, so any depth is safe.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::NaiveDateTime;
use regex::Regex;
use serde_json::Value;

use crate::model::{LogRecord, Observation, RecordBody, Role};
use crate::rules::ExtractorSpec;
use crate::scan::{DEFAULT_KEY_FIELDS, DEFAULT_TEXT_FIELDS, default_fields, unescape_quoted};
use crate::timestamp;

const DEFAULT_TS_FIELDS: &[&str] = &["timestamp", "ts", "time", "@timestamp", "date"];

/// RFC 9457 problem details members that hold a client text only inside a
/// problem details object.
const PROBLEM_TEXT_FIELDS: &[&str] = &["detail", "title"];

/// Fields only developers see: neither they nor anything under them is a client text.
pub const DEVELOPER_FIELDS: &[&str] = &[
    "developerMessage",
    "developer_message",
    "stackTrace",
    "stack_trace",
    "stacktrace",
    "stack",
    "exception",
    "throwable",
    "cause",
];

/// The text field names of log records, best first.
static TEXT_NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| default_fields(DEFAULT_TEXT_FIELDS, Role::Observations));
/// The key field names of log records, best first.
static KEY_NAMES: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| default_fields(DEFAULT_KEY_FIELDS, Role::Observations));

/// `name="…"` / `name='…'` pairs with a default text field name (not a problem
/// details member: a line is no problem details object).
static DEFAULT_PAIR_RE: LazyLock<Regex> = LazyLock::new(|| {
    let names: Vec<&str> = TEXT_NAMES
        .iter()
        .copied()
        .filter(|n| !PROBLEM_TEXT_FIELDS.contains(n))
        .collect();
    Regex::new(&format!(
        r#"(?:^|[\s,;{{(])(?P<name>{})\s*[=:]\s*(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)')"#,
        names.join("|")
    ))
    .expect("valid default extractor regex")
});
/// `name=…` pairs with a default key field name, quoted or bare.
static DEFAULT_CODE_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r#"(?:^|[\s,;{{(])(?P<name>{})\s*[=:]\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[\w.\-]+))"#,
        KEY_NAMES.join("|")
    ))
    .expect("valid default code regex")
});

/// A compiled extractor.
#[derive(Debug, Clone)]
pub enum Extractor {
    /// Named groups `text` (required), `key` or `code`, `ts`; matched against the
    /// line of text records and each value of field and JSON records, first match wins.
    Regex {
        regex: Regex,
        ts_format: Option<String>,
    },
    /// Dotted paths into JSON records, or names of field records (W3C
    /// `cs-uri-query`, syslog `msg`, a fixed-width column, a `key=value` key):
    /// exact, else the last part of a qualified name (syslog `<SD-ID>.<name>`).
    Fields {
        text: Vec<String>,
        key: Vec<String>,
        ts: Vec<String>,
        ts_format: Option<String>,
    },
    /// Zero-config: the usual client-message field names, as JSON keys or fields,
    /// else as `key="…"` pairs inside the line or any value.
    Default,
}

impl Extractor {
    pub fn from_spec(spec: Option<&ExtractorSpec>) -> Extractor {
        let Some(spec) = spec else {
            return Extractor::Default;
        };
        if let Some(re) = &spec.regex {
            return Extractor::Regex {
                regex: re.0.clone(),
                ts_format: spec.ts_format.clone(),
            };
        }
        match &spec.json {
            Some(paths) => Extractor::Fields {
                text: paths.text.to_vec(),
                key: paths.key.as_ref().map(|k| k.to_vec()).unwrap_or_default(),
                ts: paths.ts.as_ref().map(|k| k.to_vec()).unwrap_or_default(),
                ts_format: spec.ts_format.clone(),
            },
            None => Extractor::Default,
        }
    }

    /// A regex that every line with client-visible text matches, for scanners
    /// that can search whole buffers and skip the other lines (multi-line mode, so
    /// `^` and `$` keep meaning line start and end). Only the regex extractor has
    /// one: field extractors need each record parsed.
    pub fn line_prefilter(&self) -> Option<regex::bytes::Regex> {
        match self {
            Extractor::Regex { regex, .. } => {
                regex::bytes::Regex::new(&format!("(?mR:{})", regex.as_str())).ok()
            }
            _ => None,
        }
    }

    /// The client-visible text of `record`, or `None` when it shows clients nothing.
    /// `fallback_time` is used when neither the record nor its framing has a time.
    pub fn extract(&self, record: &LogRecord, fallback_time: NaiveDateTime) -> Option<Observation> {
        let (text, key, ts) = match (self, &record.body) {
            (Extractor::Regex { regex, ts_format }, body) => {
                let caps = text_values(body)
                    .into_iter()
                    .find_map(|v| regex.captures(v).filter(|c| c.name("text").is_some()))?;
                let text = caps.name("text")?.as_str().to_string();
                let key = caps
                    .name("key")
                    .or_else(|| caps.name("code"))
                    .map(|m| m.as_str().to_string());
                let ts = caps
                    .name("ts")
                    .and_then(|m| timestamp::parse(m.as_str(), ts_format.as_deref()));
                (text, key, ts)
            }
            (
                Extractor::Fields {
                    text,
                    key,
                    ts,
                    ts_format,
                },
                body,
            ) => {
                let text = first_field(body, text)?;
                let key = first_field(body, key);
                let ts =
                    first_field(body, ts).and_then(|t| timestamp::parse(&t, ts_format.as_deref()));
                (text, key, ts)
            }
            (Extractor::Default, body) => {
                let (text, key) = default_text(body)?;
                let ts = match body {
                    RecordBody::Text(line) => timestamp::find(line),
                    _ => first_field(body, DEFAULT_TS_FIELDS)
                        .and_then(|t| timestamp::parse(&t, None)),
                };
                (text, key, ts)
            }
        };
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        Some(Observation {
            text: text.to_string(),
            key: key.filter(|k| !k.is_empty()),
            time: ts.or(record.time).unwrap_or(fallback_time),
            location: record.location.clone(),
        })
    }
}

/// The first of `paths` that leads to a non-empty string (or number) value.
fn first_field(body: &RecordBody, paths: &[impl AsRef<str>]) -> Option<String> {
    paths.iter().find_map(|p| field(body, p.as_ref()))
}

/// The texts of a record a regex may be found in: the line of a text record,
/// each value of a field record in order, each string of a JSON record (depth
/// first, in document order; walked with a stack, not by recursion).
fn text_values(body: &RecordBody) -> Vec<&str> {
    match body {
        RecordBody::Text(line) => vec![line.as_str()],
        RecordBody::Fields(fields) => fields.iter().map(|(_, v)| v.as_str()).collect(),
        RecordBody::Json(value) => {
            let mut out = Vec::new();
            let mut stack = vec![value];
            while let Some(value) = stack.pop() {
                match value {
                    Value::String(s) => out.push(s.as_str()),
                    Value::Array(items) => stack.extend(items.iter().rev()),
                    Value::Object(map) => stack.extend(map.values().rev()),
                    _ => {}
                }
            }
            out
        }
    }
}

/// A text the default extractor may take, with what ranks it.
struct Candidate<'a> {
    /// Position of its name among the text field names (lower is better).
    rank: usize,
    /// Found as a `name="…"` pair inside a value, not as a field.
    in_value: bool,
    /// Nesting depth of the object (or array) holding it; 0 for the record.
    depth: usize,
    text: Cow<'a, str>,
    /// A key pair in the same value, for a text found as a pair.
    pair_key: Option<String>,
    /// The JSON object holding it (an index into the walk's objects).
    object: Option<usize>,
}

/// The best of `candidates`: best-ranked name, then a field before a pair, then
/// shallower, then first found.
fn best<'a>(candidates: Vec<Candidate<'a>>) -> Option<Candidate<'a>> {
    candidates
        .into_iter()
        .min_by_key(|c| (c.rank, c.in_value, c.depth))
}

/// The default extractor's text and key of a record.
fn default_text(body: &RecordBody) -> Option<(String, Option<String>)> {
    match body {
        RecordBody::Text(line) => {
            let (_, text) = best_pair(line)?;
            Some((text, pair_key(line)))
        }
        RecordBody::Fields(fields) => fields_text(fields),
        RecordBody::Json(value) => json_text(value),
    }
}

/// The best-ranked `name="…"` pair with a text field name in `value`.
fn best_pair(value: &str) -> Option<(usize, String)> {
    DEFAULT_PAIR_RE
        .captures_iter(value)
        .filter_map(|caps| {
            let rank = TEXT_NAMES.iter().position(|n| *n == &caps["name"])?;
            let text = unescape_quoted(caps.name("dq").or_else(|| caps.name("sq"))?.as_str());
            (!text.trim().is_empty()).then_some((rank, text))
        })
        .min_by_key(|(rank, _)| *rank)
}

/// The best-ranked `code=…`-style key pair in `value`.
fn pair_key(value: &str) -> Option<String> {
    DEFAULT_CODE_RE
        .captures_iter(value)
        .filter_map(|caps| {
            let rank = KEY_NAMES.iter().position(|n| *n == &caps["name"])?;
            let m = caps
                .name("dq")
                .or_else(|| caps.name("sq"))
                .or_else(|| caps.name("bare"))?;
            is_token(m.as_str()).then(|| (rank, m.as_str().to_string()))
        })
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, key)| key)
}

/// A key is one token: `invalid_grant` or `E42`, not `Bad Request`.
fn is_token(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_whitespace)
}

/// The rank of a text field name; problem details members only in such an object.
fn text_rank(name: &str, problem: bool) -> Option<usize> {
    if !problem && PROBLEM_TEXT_FIELDS.contains(&name) {
        return None;
    }
    TEXT_NAMES.iter().position(|n| *n == name)
}

/// The name a field of a field record has for the extractor: itself, or the
/// last part of a qualified name (syslog's `client@32473.userMessage`).
fn field_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Text and key of a field record: its fields by name, else pairs in its values.
fn fields_text(fields: &[(String, String)]) -> Option<(String, Option<String>)> {
    let usable = |v: &str| !v.trim().is_empty() && v != "-";
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(n, v)| (field_name(n), v.as_str()))
        .filter(|(n, _)| !DEVELOPER_FIELDS.contains(n))
        .collect();
    let problem = fields
        .iter()
        .any(|&(n, v)| (n == "type" && usable(v)) || (n == "status" && v.parse::<u16>().is_ok()));
    let mut candidates: Vec<Candidate> = fields
        .iter()
        .filter(|(_, v)| usable(v))
        .filter_map(|&(n, v)| {
            Some(Candidate {
                rank: text_rank(n, problem)?,
                in_value: false,
                depth: 0,
                text: Cow::Borrowed(v),
                pair_key: None,
                object: None,
            })
        })
        .collect();
    // Pairs inside values count only when one could outrank every field.
    if best_rank(&candidates) > 0 {
        candidates.extend(
            fields
                .iter()
                .filter_map(|&(_, v)| pair_candidate(v, 0, None)),
        );
    }
    let chosen = best(candidates)?;
    let record_key = || {
        fields
            .iter()
            .filter(|(_, v)| is_token(v) && *v != "-")
            .filter_map(|&(n, v)| Some((KEY_NAMES.iter().position(|k| *k == n)?, v)))
            .min_by_key(|(rank, _)| *rank)
            .map(|(_, v)| v.to_string())
            .or_else(|| problem_type_key(problem, fields.iter().find(|(n, _)| *n == "type")?.1))
    };
    let key = chosen
        .pair_key
        .or_else(record_key)
        .or_else(|| fields.iter().find_map(|&(_, v)| pair_key(v)));
    Some((chosen.text.into_owned(), key))
}

/// The best `name="…"` pair inside `value` as a candidate, with the key pair beside it.
fn pair_candidate(value: &str, depth: usize, object: Option<usize>) -> Option<Candidate<'static>> {
    let (rank, text) = best_pair(value)?;
    Some(Candidate {
        rank,
        in_value: true,
        depth,
        text: Cow::Owned(text),
        pair_key: pair_key(value),
        object,
    })
}

/// A problem details `type` as a key: a URI, not the default `about:blank`.
fn problem_type_key(problem: bool, type_uri: &str) -> Option<String> {
    (problem && is_token(type_uri) && type_uri != "about:blank").then(|| type_uri.to_string())
}

/// The lowest rank among `candidates` (`usize::MAX` for none).
fn best_rank(candidates: &[Candidate]) -> usize {
    candidates
        .iter()
        .map(|c| c.rank)
        .min()
        .unwrap_or(usize::MAX)
}

/// An object met while walking a JSON record.
struct WalkedObject {
    parent: Option<usize>,
    /// Its own best key field (or problem details `type`).
    key: Option<String>,
}

/// Text and key of a JSON record, from fields at any depth (walked with an
/// explicit stack: safe for any nesting), else from pairs inside its strings.
fn json_text(root: &Value) -> Option<(String, Option<String>)> {
    let mut objects: Vec<WalkedObject> = Vec::new();
    // Every string with its depth and enclosing object, for pairs.
    let mut strings: Vec<(&str, usize, Option<usize>)> = Vec::new();
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut stack: Vec<(&Value, usize, Option<usize>)> = vec![(root, 0, None)];
    while let Some((value, depth, parent)) = stack.pop() {
        match value {
            Value::Object(map) => {
                let problem = map.get("type").is_some_and(Value::is_string)
                    || map.get("status").is_some_and(Value::is_number);
                let here = objects.len();
                objects.push(WalkedObject {
                    parent,
                    key: object_key(map, problem),
                });
                let mut children = Vec::new();
                for (name, v) in map {
                    if DEVELOPER_FIELDS.contains(&name.as_str()) {
                        continue;
                    }
                    match v {
                        Value::String(s) => {
                            if let Some(rank) = text_rank(name, problem)
                                && !s.trim().is_empty()
                            {
                                candidates.push(Candidate {
                                    rank,
                                    in_value: false,
                                    depth,
                                    text: Cow::Borrowed(s),
                                    pair_key: None,
                                    object: Some(here),
                                });
                            }
                            strings.push((s, depth, Some(here)));
                        }
                        Value::Object(_) | Value::Array(_) => {
                            children.push((v, depth + 1, Some(here)))
                        }
                        _ => {}
                    }
                }
                stack.extend(children.into_iter().rev());
            }
            Value::Array(items) => {
                stack.extend(items.iter().rev().map(|item| (item, depth + 1, parent)))
            }
            Value::String(s) => strings.push((s, depth, parent)),
            _ => {}
        }
    }
    if best_rank(&candidates) > 0 {
        candidates.extend(
            strings
                .iter()
                .filter_map(|&(s, depth, object)| pair_candidate(s, depth, object)),
        );
    }
    let chosen = best(candidates)?;
    // The key: a pair beside the text, the holding object's, the nearest enclosing one's.
    let mut key = chosen.pair_key;
    let mut object = chosen.object;
    while key.is_none()
        && let Some(i) = object
    {
        key = objects[i].key.clone();
        object = objects[i].parent;
    }
    let key = key.or_else(|| strings.iter().find_map(|&(s, _, _)| pair_key(s)));
    Some((chosen.text.into_owned(), key))
}

/// An object's own best key field: a one-token string or a number; in a
/// problem details object without one, its `type` (unless `about:blank`).
fn object_key(map: &serde_json::Map<String, Value>, problem: bool) -> Option<String> {
    let as_key = |v: &Value| match v {
        Value::String(s) if is_token(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    KEY_NAMES
        .iter()
        .find_map(|name| map.get(*name).and_then(as_key))
        .or_else(|| problem_type_key(problem, map.get("type")?.as_str()?))
}

fn field(body: &RecordBody, path: &str) -> Option<String> {
    match body {
        RecordBody::Json(value) => {
            let mut v = value;
            for part in path.split('.') {
                v = match v {
                    serde_json::Value::Object(map) => map.get(part)?,
                    serde_json::Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
                    _ => return None,
                };
            }
            match v {
                serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            }
        }
        // A name matches exactly, else as the last part of a qualified name
        // (`userMessage` finds syslog's `client@32473.userMessage`).
        RecordBody::Fields(fields) => fields
            .iter()
            .find(|(name, _)| name == path)
            .or_else(|| {
                fields.iter().find(|(name, _)| {
                    name.strip_suffix(path)
                        .is_some_and(|qualifier| qualifier.ends_with('.'))
                })
            })
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty() && v != "-"),
        RecordBody::Text(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;

    fn record(body: RecordBody) -> LogRecord {
        LogRecord {
            location: Location::new("app.log", 7),
            time: None,
            body,
        }
    }

    fn epoch() -> NaiveDateTime {
        chrono::DateTime::UNIX_EPOCH.naive_utc()
    }

    #[test]
    fn regex_extractor_takes_text_and_code_groups() {
        let ex = Extractor::Regex {
            regex: Regex::new(r"^(?P<ts>\S+ \S+) ERROR \[(?P<code>\w+)\] (?P<text>.*)$").unwrap(),
            ts_format: None,
        };
        let obs = ex
            .extract(
                &record(RecordBody::Text(
                    "2024-03-01 10:00:00,123 ERROR [E42] Недостаточно средств".into(),
                )),
                epoch(),
            )
            .unwrap();
        assert_eq!(obs.text, "Недостаточно средств");
        assert_eq!(obs.key.as_deref(), Some("E42"));
        assert_eq!(obs.time.to_string(), "2024-03-01 10:00:00.123");
        assert!(
            ex.extract(&record(RecordBody::Text("DEBUG nothing".into())), epoch())
                .is_none()
        );
    }

    #[test]
    fn default_extractor_reads_usual_json_fields_and_pairs() {
        let json = serde_json::json!({"level": "WARN", "userMessage": "Карта заблокирована", "code": "C7"});
        let obs = Extractor::Default
            .extract(&record(RecordBody::Json(json)), epoch())
            .unwrap();
        assert_eq!(obs.text, "Карта заблокирована");
        assert_eq!(obs.key.as_deref(), Some("C7"));

        let line = r#"2024-03-01T10:00:00 WARN code=LIM1 client_message="Превышен \"лимит\"""#;
        let obs = Extractor::Default
            .extract(&record(RecordBody::Text(line.into())), epoch())
            .unwrap();
        assert_eq!(obs.text, "Превышен \"лимит\"");
        assert_eq!(obs.key.as_deref(), Some("LIM1"));
        assert_eq!(obs.time.to_string(), "2024-03-01 10:00:00");
    }

    fn fields(pairs: &[(&str, &str)]) -> RecordBody {
        RecordBody::Fields(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn every_extractor_reads_field_records() {
        let body = fields(&[
            ("host", "core-1"),
            ("app", "pay"),
            ("msg", r#"declined code=D05 userMessage="Платёж отклонён""#),
        ]);
        let mut rec = record(body);
        rec.time = chrono::NaiveDate::from_ymd_opt(2024, 12, 31)
            .unwrap()
            .and_hms_opt(23, 59, 0);

        // Default: no usual field name, so the pair inside `msg` is found; the
        // scanner's time is kept.
        let obs = Extractor::Default.extract(&rec, epoch()).unwrap();
        assert_eq!(
            (obs.text.as_str(), obs.key.as_deref()),
            ("Платёж отклонён", Some("D05"))
        );
        assert_eq!(obs.time.to_string(), "2024-12-31 23:59:00");

        // Regex: tried on each value in order; `host` and `app` do not match.
        let ex = Extractor::Regex {
            regex: Regex::new(r"^declined code=(?P<code>\w+)").unwrap(),
            ts_format: None,
        };
        assert!(
            ex.extract(&rec, epoch()).is_none(),
            "no text group, no text"
        );
        let ex = Extractor::Regex {
            regex: Regex::new(r"^(?P<text>\w+) code=(?P<code>\w+)").unwrap(),
            ts_format: None,
        };
        let obs = ex.extract(&rec, epoch()).unwrap();
        assert_eq!(
            (obs.text.as_str(), obs.key.as_deref()),
            ("declined", Some("D05"))
        );

        // Field paths name fields exactly; `-` counts as empty.
        let rec = record(fields(&[
            ("date", "2024-03-01"),
            ("cs-uri-query", "-"),
            ("sc-status", "500"),
            ("x-client-message", "Сервис недоступен"),
        ]));
        let ex = Extractor::Fields {
            text: vec!["cs-uri-query".into(), "x-client-message".into()],
            key: vec!["sc-status".into()],
            ts: vec!["date".into()],
            ts_format: None,
        };
        let obs = ex.extract(&rec, epoch()).unwrap();
        assert_eq!(
            (obs.text.as_str(), obs.key.as_deref(), obs.time.to_string()),
            (
                "Сервис недоступен",
                Some("500"),
                "2024-03-01 00:00:00".to_string()
            )
        );
    }

    #[test]
    fn regex_and_pairs_reach_json_strings() {
        let json = serde_json::json!({"level": "ERROR", "ctx": {"detail": "gate code=G1 client_message='Шлюз недоступен'"}});
        let rec = record(RecordBody::Json(json));
        let obs = Extractor::Default.extract(&rec, epoch()).unwrap();
        assert_eq!(
            (obs.text.as_str(), obs.key.as_deref()),
            ("Шлюз недоступен", Some("G1"))
        );
        let ex = Extractor::Regex {
            regex: Regex::new(r"^gate code=(?P<code>\w+) (?P<text>.*)$").unwrap(),
            ts_format: None,
        };
        let obs = ex.extract(&rec, epoch()).unwrap();
        assert_eq!(obs.key.as_deref(), Some("G1"));
    }

    #[test]
    fn json_strings_are_visited_depth_first_in_order() {
        let json = serde_json::json!({"a": {"b": "1", "c": ["2", {"z": "3"}, 7]}, "d": "4"});
        assert_eq!(
            text_values(&RecordBody::Json(json)),
            vec!["1", "2", "3", "4"]
        );
    }

    #[test]
    fn records_without_client_text_are_dropped() {
        let json = serde_json::json!({"level": "INFO", "msg": "started"});
        assert!(
            Extractor::Default
                .extract(&record(RecordBody::Json(json)), epoch())
                .is_none()
        );
    }

    /// Text and key the default extractor takes from a JSON record.
    fn default_of(json: Value) -> Option<(String, Option<String>)> {
        Extractor::Default
            .extract(&record(RecordBody::Json(json)), epoch())
            .map(|o| (o.text, o.key))
    }

    fn found(text: &str, key: Option<&str>) -> Option<(String, Option<String>)> {
        Some((text.to_string(), key.map(str::to_string)))
    }

    #[test]
    fn nested_error_objects_are_searched_at_any_depth() {
        let json = serde_json::json!({"level": "ERROR", "error": {"code": "CARD_BLOCKED", "client_message": "Карта заблокирована"}});
        assert_eq!(
            default_of(json),
            found("Карта заблокирована", Some("CARD_BLOCKED"))
        );
        // The key of the nearest enclosing object when the text's own has none.
        let json = serde_json::json!({"code": "E1", "payload": {"data": [{"userMessage": "Лимит исчерпан"}]}});
        assert_eq!(default_of(json), found("Лимит исчерпан", Some("E1")));
    }

    /// Apache Fineract's error body: the summary is the record's text, with its
    /// globalisation code as the key; `developerMessage` is never a client text.
    #[test]
    fn fineract_errors_give_the_default_user_message_and_its_code() {
        let json = serde_json::json!({
            "developerMessage": "The request was invalid. This typically will happen due to validation errors which are provided.",
            "httpStatusCode": "400",
            "defaultUserMessage": "Validation errors exist.",
            "userMessageGlobalisationCode": "validation.msg.validation.errors.exist",
            "errors": [{
                "developerMessage": "The parameter `principal` must be greater than 0.",
                "defaultUserMessage": "The parameter `principal` must be greater than 0.",
                "userMessageGlobalisationCode": "validation.msg.loan.principal.not.greater.than.zero",
                "parameterName": "principal",
                "value": null,
                "args": [{"value": "0"}]
            }]
        });
        assert_eq!(
            default_of(json),
            found(
                "Validation errors exist.",
                Some("validation.msg.validation.errors.exist")
            )
        );
        // Logged inside a record of its own: `defaultUserMessage` outranks the
        // logger's `message` although it is deeper.
        let json = serde_json::json!({
            "@timestamp": "2024-06-28T10:15:00.123Z",
            "level": "WARN",
            "message": "Exception occurred",
            "response": {
                "developerMessage": "Loan with identifier 1234 does not exist",
                "httpStatusCode": "404",
                "defaultUserMessage": "Loan with identifier 1234 does not exist",
                "userMessageGlobalisationCode": "error.msg.loan.id.invalid"
            }
        });
        let obs = Extractor::Default
            .extract(&record(RecordBody::Json(json)), epoch())
            .unwrap();
        assert_eq!(
            (obs.text.as_str(), obs.key.as_deref(), obs.time.to_string()),
            (
                "Loan with identifier 1234 does not exist",
                Some("error.msg.loan.id.invalid"),
                "2024-06-28 10:15:00.123".to_string()
            )
        );
        // Only developers' fields: nothing a client saw.
        let json = serde_json::json!({
            "developerMessage": "NullPointerException in LoanReadPlatformServiceImpl",
            "exception": {"message": "java.lang.NullPointerException", "stackTrace": [{"message": "at x"}]}
        });
        assert_eq!(default_of(json), None);
    }

    /// RFC 9457: `detail` (this occurrence) before `title` (the problem type),
    /// the `type` URI as the key; outside a problem details object neither counts.
    #[test]
    fn problem_details_give_detail_title_and_type() {
        let json = serde_json::json!({
            "type": "https://bank.example/problems/insufficient-funds",
            "title": "Недостаточно средств",
            "status": 403,
            "detail": "На счёте 30.00 ₽, для перевода нужно 50.00 ₽",
            "instance": "/transfers/7f3a"
        });
        assert_eq!(
            default_of(json),
            found(
                "На счёте 30.00 ₽, для перевода нужно 50.00 ₽",
                Some("https://bank.example/problems/insufficient-funds")
            )
        );
        let json = serde_json::json!({"type": "about:blank", "title": "Not Found", "status": 404});
        assert_eq!(default_of(json), found("Not Found", None));
        let json = serde_json::json!({"title": "Monthly statement", "detail": "PDF, 2 pages"});
        assert_eq!(default_of(json), None);
    }

    /// OAuth 2.0 (RFC 6749 §5.2, as Keycloak's token endpoint answers): `error`
    /// is the code. Spring Boot's `error` is a reason phrase, not a key.
    #[test]
    fn oauth_errors_and_reason_phrases() {
        let json = serde_json::json!({"error": "invalid_grant", "error_description": "Invalid user credentials"});
        assert_eq!(
            default_of(json),
            found("Invalid user credentials", Some("invalid_grant"))
        );
        let json = serde_json::json!({
            "timestamp": "2024-06-28T10:15:00.000+00:00",
            "status": 400,
            "error": "Bad Request",
            "message": "Сумма перевода должна быть больше нуля",
            "path": "/api/transfers"
        });
        assert_eq!(
            default_of(json),
            found("Сумма перевода должна быть больше нуля", None)
        );
    }

    #[test]
    fn precedence_name_then_field_then_depth_then_order() {
        // A better name inside a value beats a generic field.
        let json =
            serde_json::json!({"message": "declined userMessage=\"Платёж отклонён\" code=D05"});
        assert_eq!(default_of(json), found("Платёж отклонён", Some("D05")));
        // The same name: a field (even a deeper one) before a pair, then the shallower.
        let json = serde_json::json!({
            "line": "client_message='Парой' code=P1",
            "b": {"client_message": "Полем"}
        });
        assert_eq!(default_of(json), found("Полем", Some("P1")));
        let json = serde_json::json!({"a": {"b": {"userMessage": "Глубже"}}, "c": {"userMessage": "Мельче"}});
        assert_eq!(default_of(json), found("Мельче", None));
        // Among pairs in a line the best name wins, not the leftmost.
        let line =
            r#"10:00 WARN message="technical" client_message="Для клиента" errorCode=E7 code=X"#;
        let obs = Extractor::Default
            .extract(&record(RecordBody::Text(line.into())), epoch())
            .unwrap();
        assert_eq!(
            (obs.text.as_str(), obs.key.as_deref()),
            ("Для клиента", Some("E7"))
        );
    }

    /// Drops a value of any depth without recursing (serde_json's drop recurses).
    fn drop_deep(value: Value) {
        let mut stack = vec![value];
        while let Some(v) = stack.pop() {
            match v {
                Value::Object(map) => stack.extend(map.into_iter().map(|(_, v)| v)),
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
    }

    /// Never recurse on input depth: a record nested 100,000 levels deep is
    /// searched to its bottom, by the default and the regex extractor.
    #[test]
    fn deep_records_are_walked_without_recursion() {
        let mut value = serde_json::json!({"code": "DEEP", "client_message": "Глубоко"});
        for i in 0..100_000 {
            let mut map = serde_json::Map::new();
            let name = if i % 2 == 0 { "error" } else { "details" };
            map.insert(name.to_string(), Value::Array(vec![value]));
            value = Value::Object(map);
        }
        let rec = record(RecordBody::Json(value));
        let obs = Extractor::Default.extract(&rec, epoch()).unwrap();
        assert_eq!(
            (obs.text.as_str(), obs.key.as_deref()),
            ("Глубоко", Some("DEEP"))
        );
        let ex = Extractor::Regex {
            regex: Regex::new(r"^(?P<text>Глуб.*)$").unwrap(),
            ts_format: None,
        };
        assert_eq!(ex.extract(&rec, epoch()).unwrap().text, "Глубоко");
        let RecordBody::Json(value) = rec.body else {
            unreachable!("built as JSON")
        };
        drop_deep(value);
    }
}
