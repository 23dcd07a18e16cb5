//! Picking the client-visible text out of a log record.
//!
//! A log line is mostly noise for errata: thread names, class names, stack
//! traces. Only the part a client was shown counts. The rules' extractor says
//! where it is (a regex `text` group, or JSON field paths); records it does not
//! match are not client-visible and are dropped here.

use std::sync::LazyLock;

use chrono::NaiveDateTime;
use regex::Regex;

use crate::model::{LogRecord, Observation, RecordBody};
use crate::rules::ExtractorSpec;
use crate::scan::unescape_quoted;
use crate::timestamp;

/// Field names that usually hold the client-facing message, tried in order by
/// the zero-config extractor (JSON keys and `key="…"` pairs alike).
pub const DEFAULT_TEXT_FIELDS: &[&str] = &[
    "userMessage",
    "user_message",
    "client_message",
    "clientMessage",
    "displayMessage",
    "display_message",
    "errorText",
    "error_text",
    "message",
];
const DEFAULT_KEY_FIELDS: &[&str] = &["errorCode", "error_code", "code", "key", "messageKey"];
const DEFAULT_TS_FIELDS: &[&str] = &["timestamp", "ts", "time", "@timestamp", "date"];

/// `key="…"` / `key='…'` pairs with one of the default field names.
static DEFAULT_PAIR_RE: LazyLock<Regex> = LazyLock::new(|| {
    let names = DEFAULT_TEXT_FIELDS.join("|");
    Regex::new(&format!(
        r#"(?:^|[\s,;{{(])(?:{names})\s*[=:]\s*(?:"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)')"#
    ))
    .expect("valid default extractor regex")
});
static DEFAULT_CODE_RE: LazyLock<Regex> = LazyLock::new(|| {
    let names = DEFAULT_KEY_FIELDS.join("|");
    Regex::new(&format!(
        r#"(?:^|[\s,;{{(])(?:{names})\s*[=:]\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[\w.\-]+))"#
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
                // The usual field names first, then `name="…"` pairs inside any
                // value (a syslog message, a W3C query, a text line).
                let values = text_values(body);
                let text = first_field(body, DEFAULT_TEXT_FIELDS)
                    .or_else(|| values.iter().find_map(|v| pair_value(&DEFAULT_PAIR_RE, v)))?;
                let key = first_field(body, DEFAULT_KEY_FIELDS)
                    .or_else(|| values.iter().find_map(|v| pair_value(&DEFAULT_CODE_RE, v)));
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

fn pair_value(re: &Regex, line: &str) -> Option<String> {
    let caps = re.captures(line)?;
    let m = caps
        .name("dq")
        .or_else(|| caps.name("sq"))
        .or_else(|| caps.name("bare"))?;
    Some(unescape_quoted(m.as_str()))
}

/// The first of `paths` that leads to a non-empty string (or number) value.
fn first_field(body: &RecordBody, paths: &[impl AsRef<str>]) -> Option<String> {
    paths.iter().find_map(|p| field(body, p.as_ref()))
}

/// The texts of a record a regex or a `name="…"` pair may be found in: the line
/// of a text record, each value of a field record in order, each string of a
/// JSON record (depth first).
fn text_values(body: &RecordBody) -> Vec<&str> {
    fn strings<'a>(value: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::String(s) => out.push(s),
            serde_json::Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    match body {
        RecordBody::Text(line) => vec![line.as_str()],
        RecordBody::Fields(fields) => fields.iter().map(|(_, v)| v.as_str()).collect(),
        RecordBody::Json(value) => {
            let mut out = Vec::new();
            strings(value, &mut out);
            out
        }
    }
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
    fn records_without_client_text_are_dropped() {
        let json = serde_json::json!({"level": "INFO", "msg": "started"});
        assert!(
            Extractor::Default
                .extract(&record(RecordBody::Json(json)), epoch())
                .is_none()
        );
    }
}
