//! The things errata harvests, as plain data shared by every stage.
//!
//! Two kinds of harvested things stay distinct types end to end:
//! [`Definition`]s are what message catalogs *say* (key, locale, text, provenance);
//! observations are what clients were *shown* (a log record, then the client-visible
//! text pulled out of it, then its masked form). [`FieldLimit`]s come from schema
//! files (copybooks, DDL, XSD) and bound how long a text may be.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::charset::Charset;

mod flag;
mod sightings;
mod vocabulary;

pub(crate) use vocabulary::vocabulary;

pub use flag::Flag;
pub use sightings::{MAX_SAMPLES, SeenIn, Sightings, format_time, parse_time};
pub use vocabulary::{
    DefinitionState, FormatId, KindId, MatchKind, PiiKind, Role, Severity, Unit, Vocabulary,
    did_you_mean,
};

/// Where a harvested thing came from: a file and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    pub line: u64,
}

impl Location {
    pub fn new(path: impl Into<String>, line: u64) -> Self {
        Location {
            path: path.into(),
            line,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// One entry of a message catalog: what a system *says* it shows clients.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Definition {
    /// The catalog key (dotted path for nested formats, msgid for gettext, code for SQL).
    pub key: String,
    /// Locale from the file (name, header or root key), if any.
    pub locale: Option<String>,
    /// The runtime text: what the format's own reader yields, with the quoting
    /// of a formatter the text passes through undone (MessageFormat's `''`).
    pub text: String,
    /// The text as written in the file, when undoing a formatter's quoting
    /// changed it (provenance; `None` when it equals `text`).
    pub raw: Option<String>,
    pub state: DefinitionState,
    /// Plural form or variant of the key (`one`, `few`, `[2]`, …), if any.
    pub form: Option<String>,
    /// Translator comment or provenance (`#:` references, `<comment>`), if any.
    pub note: Option<String>,
    pub location: Location,
    /// The fields the text passes through on its way to the client, in order
    /// (program sources: `WS-MESSAGE` then `ERRMSGO OF COSGN0AO`); empty for
    /// catalog formats, whose texts reach clients by key.
    pub flow: Vec<FieldHop>,
}

impl Definition {
    /// A live definition with only the required parts; scanners fill the rest.
    pub fn new(key: impl Into<String>, text: impl Into<String>, location: Location) -> Self {
        Definition {
            key: key.into(),
            locale: None,
            text: text.into(),
            raw: None,
            state: DefinitionState::Live,
            form: None,
            note: None,
            location,
            flow: Vec::new(),
        }
    }
}

/// The unit a field limit counts in, with the encoding of a byte unit. Stored in
/// the catalog's `limits` table as `unit` and `encoding`; see `docs/flags.md`
/// ("Field limits") for what audit expects there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitUnit {
    /// Unicode scalar values.
    Chars,
    /// Bytes once encoded in an encoding.
    Bytes(ByteEncoding),
    /// UTF-16 code units (.NET, Java, JavaScript string lengths).
    Utf16,
    /// SMS segments (GSM-7 or UCS-2, whichever the text needs).
    SmsSegments,
}

/// The encoding a byte limit counts in. Schema files declare byte lengths (a
/// database charset, a host code page) without naming the charset: audit resolves
/// those from the rules of the field's system.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteEncoding {
    /// The system's own field encoding, as the rules give it.
    System,
    /// The system's database charset (`database_charset:`, else UTF-8): SQL
    /// byte-semantics columns.
    Database,
    /// A named charset.
    Charset(Charset),
}

impl ByteEncoding {
    /// The stored label: `system`, `database` or the charset's name.
    pub fn label(self) -> &'static str {
        match self {
            ByteEncoding::System => "system",
            ByteEncoding::Database => "database",
            ByteEncoding::Charset(c) => c.name(),
        }
    }

    /// The encoding a stored label names.
    pub fn from_label(label: &str) -> Option<ByteEncoding> {
        match label {
            "system" => Some(ByteEncoding::System),
            "database" => Some(ByteEncoding::Database),
            other => Charset::from_label(other).map(ByteEncoding::Charset),
        }
    }
}

impl LimitUnit {
    /// Bytes in the system's encoding ([`ByteEncoding::System`]).
    pub fn system_bytes() -> LimitUnit {
        LimitUnit::Bytes(ByteEncoding::System)
    }

    /// Bytes in the database charset ([`ByteEncoding::Database`]).
    pub fn database_bytes() -> LimitUnit {
        LimitUnit::Bytes(ByteEncoding::Database)
    }

    /// The unit without its encoding.
    pub fn unit(self) -> Unit {
        match self {
            LimitUnit::Chars => Unit::Chars,
            LimitUnit::Bytes(_) => Unit::Bytes,
            LimitUnit::Utf16 => Unit::Utf16,
            LimitUnit::SmsSegments => Unit::SmsSegments,
        }
    }

    /// The encoding of a byte unit.
    pub fn encoding(self) -> Option<ByteEncoding> {
        match self {
            LimitUnit::Bytes(e) => Some(e),
            _ => None,
        }
    }

    /// The unit from its stored parts; `None` for a byte unit without a known encoding.
    pub fn from_parts(unit: Unit, encoding: Option<&str>) -> Option<LimitUnit> {
        Some(match unit {
            Unit::Chars => LimitUnit::Chars,
            Unit::Utf16 => LimitUnit::Utf16,
            Unit::SmsSegments => LimitUnit::SmsSegments,
            Unit::Bytes => LimitUnit::Bytes(ByteEncoding::from_label(encoding?)?),
        })
    }
}

impl Serialize for LimitUnit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("unit", self.unit().as_str())?;
        if let Some(e) = self.encoding() {
            map.serialize_entry("encoding", e.label())?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for LimitUnit {
    /// The form [`Serialize`] writes: `{"unit": "bytes", "encoding": "system"}`.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Parts {
            unit: Unit,
            encoding: Option<String>,
        }
        let parts = Parts::deserialize(d)?;
        LimitUnit::from_parts(parts.unit, parts.encoding.as_deref())
            .ok_or_else(|| serde::de::Error::custom("a byte unit without a known encoding"))
    }
}

/// One field a text passes through on its way to the client: a program's data
/// item or a screen field, with its declared size. Stored as JSON in the
/// catalog's `definitions.flow`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldHop {
    /// The field as the program names it, qualified where it is (`ERRMSGO OF COSGN0AO`).
    pub field: String,
    /// Its declared size (`PIC X(78)`, BMS `LENGTH=78`) in `unit`.
    pub max: u64,
    pub unit: LimitUnit,
    /// Where the field is declared (program, copybook or map, and line).
    pub declared: Location,
    /// The statement that puts the text into this field (`MOVE`, `STRING … INTO`);
    /// `None` when the field holds it from its declaration (`VALUE`).
    pub via: Option<Location>,
}

/// Lengths of one raw (unmasked) observed text in every unit audit measures.
/// Only lengths are kept: the text itself never leaves `mask`'s caller unmasked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RawLength {
    /// Unicode scalar values.
    pub chars: u64,
    /// Bytes in UTF-8.
    pub utf8: u64,
    /// UTF-16 code units.
    pub utf16: u64,
    /// SMS segments (GSM-7 when every character has a GSM-7 code, else UCS-2).
    pub sms_segments: u64,
}

/// A maximum length a text must fit, declared by a schema file or by the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldLimit {
    /// The field's qualified name, e.g. `ERRMSG.ERR-TEXT` or `MESSAGES.TEXT`.
    pub field: String,
    pub max: u64,
    pub unit: LimitUnit,
    pub location: Location,
}

/// The body of one log record, as its format structures it.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordBody {
    /// A text record (one line, or a line with its continuation lines).
    Text(String),
    /// A parsed JSON object (JSON lines).
    Json(serde_json::Value),
    /// Named fields (W3C `#Fields:`, fixed-width columns, key=value pairs).
    Fields(Vec<(String, String)>),
}

/// One record of a log as a scanner yields it; `extract` decides what clients saw.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRecord {
    pub location: Location,
    /// A time the scanner itself could parse from the record's framing (syslog header…).
    pub time: Option<NaiveDateTime>,
    pub body: RecordBody,
}

/// A client-visible text pulled out of a log record. Holds raw text: it never
/// leaves memory before `mask` has turned it into a [`MaskedObservation`].
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub text: String,
    /// An error key or code the extractor captured next to the text.
    pub key: Option<String>,
    pub time: NaiveDateTime,
    pub location: Location,
}

/// An observation after masking: safe to store, group and report.
#[derive(Debug, Clone, PartialEq)]
pub struct MaskedObservation {
    /// The text with variables and personal data replaced by typed placeholders.
    pub text: String,
    pub key: Option<String>,
    pub time: NaiveDateTime,
    pub location: Location,
    /// Lengths of the unmasked instance in every unit (for length and truncation
    /// checks); the text itself is gone.
    pub raw_length: RawLength,
    /// Kinds of personal data found before masking, with counts; never the values.
    pub pii: Vec<(PiiKind, u32)>,
}

/// A per-file problem: reported with the scan run, the scan goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub path: String,
    pub line: Option<u64>,
    pub message: String,
}

impl Warning {
    pub fn new(path: impl Into<String>, line: Option<u64>, message: impl Into<String>) -> Self {
        Warning {
            path: path.into(),
            line,
            message: message.into(),
        }
    }

    /// A warning at a place in the rules (`rules/abs.yaml:14`), or about the
    /// rules as a whole when the place is unknown.
    pub fn in_rules(origin: Option<&Location>, message: impl Into<String>) -> Self {
        match origin {
            Some(o) => Warning::new(o.path.clone(), Some(o.line), message),
            None => Warning::new("rules", None, message),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path, line, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}
