//! Rules: which systems exist, where their files are, how to read them, and what
//! to check. Loaded from YAML (`rules/*.yaml`, merged), validated while loading
//! so that every error names file, line and column; see `docs/rules.md`.
//!
//! Values that can be wrong are parsed into their types *during*
//! deserialisation, so serde_yaml attaches the position of the offending value to
//! the error: regexes and globs by newtypes here, encodings into
//! [`Charset`], format names, units and flag kinds into the shared vocabulary of
//! [`crate::model`] (with a did-you-mean). Rules import nothing of the stages after
//! them.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, de};

pub use crate::charset::Charset;
pub use crate::model::did_you_mean;
use crate::model::{FormatId, KindId, Role, Unit};

mod calls;
mod caps;
mod load;
mod zero_config;

pub use calls::{CallArg, CallSpec};
pub use caps::{
    Caps, MAX_DECOMPRESSED_BYTES, MAX_DOCUMENT_BYTES, MAX_NESTING_DEPTH, MAX_RATIO,
    MAX_RECORD_BYTES, MIN_RECORD_BYTES, NESTING_DEPTH_CEILING, RATIO_FLOOR,
};
pub use load::{RulesError, load, load_str, load_text};
pub use zero_config::zero_config;

/// Default `stale_after` in days when neither the system nor the file sets one.
pub const DEFAULT_STALE_AFTER_DAYS: u32 = 30;

/// The merged rules of one run.
#[derive(Debug, Default)]
pub struct Rules {
    pub systems: Vec<System>,
    pub stale_after: Option<u32>,
    pub outdated_terms: Vec<OutdatedTerm>,
    pub masks: Vec<MaskRule>,
    pub suppress: Vec<Suppression>,
    /// Human curation of templates, from every file's `clustering:` section.
    pub clustering: Clustering,
    /// What one input may cost, from every file's `caps:` section.
    pub caps: Caps,
    /// The files the rules came from (empty in zero-config mode).
    pub files: Vec<String>,
}

impl Rules {
    /// Days after which a text counts as stale for `system`.
    pub fn stale_after(&self, system: &System) -> u32 {
        system
            .stale_after
            .or(self.stale_after)
            .unwrap_or(DEFAULT_STALE_AFTER_DAYS)
    }

    pub fn system(&self, name: &str) -> Option<&System> {
        self.systems.iter().find(|s| s.name == name)
    }
}

/// One rules file as written. Several files merge into one [`Rules`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    #[serde(default)]
    pub systems: Vec<System>,
    pub stale_after: Option<u32>,
    #[serde(default)]
    pub outdated_terms: Vec<OutdatedTerm>,
    #[serde(default)]
    pub masks: Vec<MaskRule>,
    #[serde(default)]
    pub suppress: Vec<Suppression>,
    #[serde(default)]
    pub clustering: Clustering,
    #[serde(default)]
    pub caps: Caps,
}

/// Human curation of templates, applied on every scan (`clustering:`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clustering {
    /// Most templates kept per system and key (default: `cluster::DEFAULT_MAX_TEMPLATES`).
    pub max_templates: Option<usize>,
    /// Tokens that are never turned into variables (`SOCKS5`, `HTTP/1.1`).
    #[serde(default)]
    pub literals: Vec<String>,
    /// Template ids that never generalise.
    #[serde(default)]
    pub pin: Vec<String>,
    #[serde(default)]
    pub merge: Vec<TemplateMerge>,
}

impl Clustering {
    fn merge_from(&mut self, other: Clustering) {
        self.max_templates = other.max_templates.or(self.max_templates);
        self.literals.extend(other.literals);
        self.pin.extend(other.pin);
        self.merge.extend(other.merge);
    }
}

/// Templates to treat as one: listed ids (all become the first), or every
/// template whose text matches a regex; optionally for one system only.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateMerge {
    pub system: Option<String>,
    #[serde(default)]
    pub ids: Vec<String>,
    pub pattern: Option<RegexField>,
}

/// A backend system: a name, the folders its files live in, and its sources.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct System {
    pub name: String,
    /// Folders, relative to each scanned PATH (or absolute).
    pub roots: Vec<String>,
    /// The scanned paths the roots are looked up under; empty: every one. Only
    /// zero-config sets it, for a scanned folder's own files.
    #[serde(skip)]
    pub bases: Vec<std::path::PathBuf>,
    /// Encoding for sources that declare none (default: detect).
    pub encoding: Option<Charset>,
    /// Charset that field byte limits count in (`PIC X(n)`, rules limits with
    /// `unit: bytes`), when it is not the files' own (an EBCDIC host behind
    /// ASCII logs). Default: `encoding`, else UTF-8; see [`System::bytes_encoding`].
    pub field_encoding: Option<Charset>,
    /// Locale for definitions whose file names none.
    pub locale: Option<String>,
    pub stale_after: Option<u32>,
    /// Charset of the system's database, for SQL columns with byte length
    /// semantics (default: UTF-8).
    pub database_charset: Option<Charset>,
    #[serde(default)]
    pub sources: Vec<Source>,
    #[serde(default)]
    pub limits: Vec<LimitRule>,
    /// COBOL fields whose texts reach clients, by name (case-insensitive,
    /// whole name): instead of screen output fields and what reaches them.
    #[serde(default)]
    pub message_fields: Vec<RegexField>,
    /// Where the rules declare it (`rules/abs.yaml:3`), filled while loading.
    #[serde(skip)]
    pub origin: Option<crate::model::Location>,
}

impl System {
    /// The charset field byte limits count in: `field_encoding`, else
    /// `encoding` (what the files are in); `None` means UTF-8.
    pub fn bytes_encoding(&self) -> Option<Charset> {
        self.field_encoding.or(self.encoding)
    }
}

/// A set of files of one system, matched by a glob relative to the system's roots.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub path: GlobPattern,
    /// Format; absent means recognised by extension and content.
    pub format: Option<FormatId>,
    /// Absent means the format's usual role.
    pub role: Option<Role>,
    pub encoding: Option<Charset>,
    pub locale: Option<String>,
    pub extractor: Option<ExtractorSpec>,
    #[serde(default)]
    pub options: SourceOptions,
}

/// Format-specific options of a source; each format documents the ones it reads.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceOptions {
    /// Field, column or JSON path holding the message key (structured records, CSV, SQL).
    pub key_field: Option<String>,
    /// Field, column or JSON path holding the message text.
    pub text_field: Option<String>,
    /// Field or column holding the locale, if the records carry one.
    pub locale_field: Option<String>,
    /// CSV delimiter (default `,`).
    pub delimiter: Option<char>,
    /// CSV quote character (default `"`).
    pub quote: Option<char>,
    /// Whether a CSV file starts with a header row naming its columns (default
    /// true); without one, fields are given as 1-based column numbers.
    pub header: Option<bool>,
    /// Path to the list of records inside a structured config file (e.g. `prompts`).
    pub records: Option<String>,
    /// `.properties`: whether values are `java.text.MessageFormat` patterns, whose
    /// quoting (`''`, `'{'`) is undone; absent means those with `{n}` arguments.
    pub message_format: Option<bool>,
    /// SQL table whose INSERTs hold messages.
    pub table: Option<String>,
    /// Fixed-width columns: name → [start, end) in characters (1-based start);
    /// in bytes of the record when `record_length` is set.
    pub columns: Option<BTreeMap<String, [usize; 2]>>,
    /// Fixed-width files of records of this many bytes with no line ends
    /// (mainframe LRECL): only the `columns` are decoded, record by record.
    pub record_length: Option<usize>,
    /// Java and Kotlin sources: calls whose arguments are client texts, beyond
    /// exception constructors (`addError(text)`, `ApiError(code, text)`).
    pub calls: Option<Vec<CallSpec>>,
    /// Multi-line logs (`log4j`): regex a record's first line matches (a `ts` group,
    /// if any, holds its time); the lines after it up to the next match continue it.
    pub record_start: Option<RegexField>,
}

/// How client-visible text is pulled out of log records.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractorSpec {
    /// Regex with named groups: `text` required; `key` or `code`, `ts` optional.
    pub regex: Option<RegexField>,
    /// Field paths for JSON or field records.
    pub json: Option<FieldPaths>,
    /// chrono format of the `ts` capture, when it is none of the recognised formats.
    pub ts_format: Option<String>,
}

/// Dotted field paths; each may list alternatives tried in order.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldPaths {
    pub text: OneOrMany,
    pub key: Option<OneOrMany>,
    pub ts: Option<OneOrMany>,
}

/// A YAML scalar or list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// A term that marks a text as outdated: a literal (case-insensitive) or a regex.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutdatedTerm {
    pub term: Option<String>,
    pub regex: Option<RegexField>,
    /// Why it is outdated and what replaces it; shown in the flag.
    pub reason: String,
}

/// An extra mask: matches become `<placeholder>` before anything is stored.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaskRule {
    pub name: String,
    pub regex: RegexField,
    /// Placeholder name, upper case (default: the name, upper-cased).
    pub placeholder: Option<String>,
}

/// A field a system's texts pass through, with its maximum length.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitRule {
    /// The field's name; when `max` is absent it names a field a schema file
    /// declares (copybook, DDL, XSD), e.g. `ERRMSG.ERR-TEXT`.
    pub field: String,
    pub max: Option<u64>,
    pub unit: Option<Unit>,
    /// Encoding for `unit: bytes` (default: the system's encoding, else UTF-8).
    pub encoding: Option<Charset>,
    /// Regex over definition keys this limit applies to (default: every text).
    pub keys: Option<RegexField>,
    /// Whether observed templates are held to it too (default: true).
    pub observations: Option<bool>,
    /// Known maximum widths of placeholders, by placeholder name.
    #[serde(default)]
    pub placeholder_widths: BTreeMap<String, u64>,
    /// Where the rules declare it (`rules/abs.yaml:14`), filled while loading.
    #[serde(skip)]
    pub origin: Option<crate::model::Location>,
}

/// A flag the owners accepted: kept in reports, marked as suppressed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub kind: KindId,
    pub system: Option<String>,
    pub key: Option<String>,
    pub template: Option<String>,
    pub reason: String,
    pub until: Option<chrono::NaiveDate>,
}

/// A regex compiled while loading, so a bad pattern is an error at its position.
#[derive(Clone)]
pub struct RegexField(pub regex::Regex);

impl fmt::Debug for RegexField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for RegexField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        regex::Regex::new(&s).map(RegexField).map_err(|e| {
            let detail = e.to_string();
            let detail = detail
                .lines()
                .last()
                .unwrap_or("")
                .trim_start_matches("error: ")
                .to_string();
            de::Error::custom(format!("invalid regex `{s}`: {detail}"))
        })
    }
}

/// A glob compiled while loading (`**` crosses folders; `{a,b}` alternates).
#[derive(Clone)]
pub struct GlobPattern {
    pub text: String,
    pub matcher: globset::GlobMatcher,
}

impl fmt::Debug for GlobPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.text)
    }
}

impl GlobPattern {
    pub fn new(text: &str) -> Result<Self, globset::Error> {
        let glob = globset::GlobBuilder::new(text)
            .literal_separator(true)
            .build()?;
        Ok(GlobPattern {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
        })
    }
}

impl<'de> Deserialize<'de> for GlobPattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        GlobPattern::new(&s).map_err(|e| de::Error::custom(format!("invalid glob: {e}")))
    }
}
