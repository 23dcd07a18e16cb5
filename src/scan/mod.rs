//! Format scanners: one file per format, all behind [`Scanner`].
//!
//! A scanner turns decoded text into [`Item`]s with their location. It knows its
//! format's syntax and nothing else: what is client-visible is `extract`'s job,
//! masking is `mask`'s. Scanners never fail a file: a malformed entry becomes a
//! [`Item::Warning`] naming the line and the scan of the rest goes on.
//!
//! To add a format: name it in [`FormatId`], write `scan/<format>.rs` with a unit
//! struct implementing [`Scanner`] and its tests beside it, and map the id to it
//! in [`scanner`] (the match is exhaustive: a format cannot be named without one).

use std::io::{BufRead, Read};

use crate::charset::Charset;
use crate::model::{Definition, FieldLimit, FormatId, LogRecord, Role, Vocabulary, Warning};
use crate::rules::{Caps, SourceOptions};

mod android;
pub mod bms;
pub mod cobol;
mod csv;
mod fixed_width;
mod json_i18n;
mod json_lines;
mod jvm;
mod kv;
mod locale;
mod log4j;
mod log_lines;
mod po;
mod properties;
mod recognise;
mod records;
mod syslog;
#[cfg(test)]
pub(crate) mod testing;
mod tree;
mod w3c;
mod yaml;

pub use locale::{is_locale_code, locale_from_path, normalise_locale};
pub use recognise::{SourceFile, recognise};
mod resx;
mod sql;
mod xliff;
mod xml_tree;
mod xsd;

/// Everything a scanner can yield.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Definition(Definition),
    Limit(FieldLimit),
    Record(LogRecord),
    Warning(Warning),
}

/// What a scanner knows about the file it reads.
#[derive(Debug, Clone, Copy)]
pub struct ScanContext<'a> {
    /// The file's display path, used in every location and warning.
    pub path: &'a str,
    /// 1-based number of the first line in the input (greater than 1 when an
    /// incremental scan resumes in the middle of a file).
    pub first_line: u64,
    /// Locale given by the rules, if any (otherwise scanners guess from the file).
    pub locale: Option<&'a str>,
    /// Format options from the rules (column maps, field specs…).
    pub options: &'a SourceOptions,
    /// The run's "today": timestamps without a year (syslog) are placed at or before it.
    pub as_of: chrono::NaiveDate,
    /// The file's modification time, for formats whose timestamps lack parts.
    pub file_time: chrono::NaiveDateTime,
    /// Name of the charset the input was decoded from, when known (gettext checks
    /// its header's `charset=` against it).
    pub charset: Option<&'a str>,
    /// Lines without a match of this multi-line regex show clients nothing: line
    /// scanners may skip them without yielding a record (the extractor's own
    /// pattern, so whole buffers can be searched at once).
    pub prefilter: Option<&'a regex::bytes::Regex>,
    /// What one input may cost (record and document size, nesting depth).
    pub caps: &'a Caps,
    /// What the file holds for the rules: a format that can hold either
    /// (fixed-width records) yields definitions or records accordingly.
    pub role: Role,
    /// The copybooks and screen maps of the file's system, for COBOL programs
    /// (`COPY` members, screen fields); `None` when the system has none.
    pub library: Option<&'a cobol::library::Library>,
}

impl<'a> ScanContext<'a> {
    /// A context for reading a whole file: line 1, no locale, charset or prefilter,
    /// the file time at the start of `as_of`, a file of observations.
    pub fn new(path: &'a str, options: &'a SourceOptions, as_of: chrono::NaiveDate) -> Self {
        ScanContext {
            path,
            first_line: 1,
            locale: None,
            options,
            as_of,
            file_time: as_of.and_hms_opt(0, 0, 0).expect("midnight exists"),
            charset: None,
            prefilter: None,
            caps: &Caps::DEFAULT,
            role: Role::Observations,
            library: None,
        }
    }

    /// A context for unit tests: as of 2024-06-30, file time at noon.
    #[cfg(test)]
    pub fn for_test(path: &'a str, options: &'a SourceOptions) -> Self {
        let as_of = chrono::NaiveDate::from_ymd_opt(2024, 6, 30).expect("valid date");
        ScanContext {
            file_time: as_of.and_hms_opt(12, 0, 0).expect("valid time"),
            ..ScanContext::new(path, options, as_of)
        }
    }
}

/// A format reader. Implementations are stateless unit structs mapped from their id by [`scanner`].
pub trait Scanner: Sync {
    /// The format it reads (`format: properties` in the rules).
    fn id(&self) -> FormatId;
    /// What files of this format usually hold.
    fn role(&self) -> Role;
    /// File name endings (lowercase, no dot) that select this format in zero-config mode.
    fn extensions(&self) -> &'static [&'static str];
    /// Whether decoded content (the first few KiB) looks like this format; used to
    /// tell formats sharing an extension apart (`.json` catalogs vs JSON lines).
    fn sniff(&self, head: &str) -> bool {
        let _ = head;
        true
    }
    /// The format's own legacy charset, for files the rules declare no encoding
    /// for: such a file is read as UTF-8 when all of it is valid UTF-8, else in
    /// this charset, with a warning (Java `.properties`: ISO-8859-1, as Java 9+
    /// `PropertyResourceBundle` reads them). `None`: the charset is detected.
    fn default_encoding(&self) -> Option<Charset> {
        None
    }
    /// Whether a scan resuming in a grown file must still read it from its first
    /// line, because header lines give the later ones their meaning (W3C
    /// `#Fields:`); the caller then drops what it yields up to the resume point.
    fn reads_from_start(&self) -> bool {
        false
    }
    /// Reads decoded UTF-8 text and emits items in file order.
    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item));
}

/// The scanner of a format.
pub fn scanner(id: FormatId) -> &'static dyn Scanner {
    match id {
        FormatId::Properties => &properties::Properties,
        FormatId::JsonLines => &json_lines::JsonLines,
        FormatId::JsonI18n => &json_i18n::JsonI18n,
        FormatId::Log4j => &log4j::Log4j,
        FormatId::Syslog => &syslog::Syslog,
        FormatId::W3c => &w3c::W3c,
        FormatId::Kv => &kv::Kv,
        FormatId::FixedWidth => &fixed_width::FixedWidth,
        FormatId::Resx => &resx::Resx,
        FormatId::Xliff => &xliff::Xliff,
        FormatId::Android => &android::Android,
        FormatId::Sql => &sql::Sql,
        FormatId::Cobol => &cobol::Cobol,
        FormatId::CobolProgram => &cobol::program::CobolProgram,
        FormatId::Bms => &bms::Bms,
        FormatId::Xsd => &xsd::Xsd,
        FormatId::LogLines => &log_lines::LogLines,
        FormatId::Po => &po::Po,
        FormatId::Yaml => &yaml::Yaml,
        FormatId::Csv => &csv::Csv,
        FormatId::Records => &records::Records,
        FormatId::Java => &jvm::Java,
        FormatId::Kotlin => &jvm::Kotlin,
    }
}

/// Every scanner, in [`FormatId`] (documentation) order: zero-config detection
/// tries them in this order.
pub fn scanners() -> impl Iterator<Item = &'static dyn Scanner> {
    FormatId::ALL.iter().map(|&id| scanner(id))
}

/// Whether any format recognises this file name by its extension.
pub fn claims(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    scanners().any(|s| s.extensions().iter().any(|e| has_extension(&lower, e)))
}

/// Picks a scanner for a file from its name and the start of its decoded content.
/// Extensions decide first; among scanners sharing an extension, content decides.
pub fn detect(file_name: &str, head: &str) -> Option<&'static dyn Scanner> {
    let lower = file_name.to_ascii_lowercase();
    let by_ext: Vec<&'static dyn Scanner> = scanners()
        .filter(|s| s.extensions().iter().any(|e| has_extension(&lower, e)))
        .collect();
    by_ext
        .iter()
        .copied()
        .find(|s| s.sniff(head))
        .or_else(|| by_ext.first().copied())
}

/// `name` ends in `.ext`, possibly followed by rotation suffixes (`app.log.1`,
/// `app.log.2.gz`, `app.log.2024-01-01`).
fn has_extension(name: &str, ext: &str) -> bool {
    let mut rest = name;
    loop {
        if rest.ends_with(&format!(".{ext}")) {
            return true;
        }
        match rest.rfind('.') {
            Some(dot) if is_rotation_suffix(&rest[dot + 1..]) => rest = &rest[..dot],
            _ => return false,
        }
    }
}

fn is_rotation_suffix(s: &str) -> bool {
    matches!(s, "gz" | "zst" | "old" | "bak")
        || (!s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_digit() || c == '-' || c == '_'))
}

/// Lines [`for_each_line`] cut to the record cap.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CappedLines {
    pub count: u64,
    /// The number of the first.
    pub first: Option<u64>,
}

/// Reads lines of decoded input with their 1-based numbers, without the line ending.
/// Shared by line-oriented scanners so that numbering and `\r\n` handling agree.
/// A line longer than `max` bytes keeps its head (cut at a character boundary)
/// and the rest is skipped, so memory stays within `max` whatever the input.
pub fn for_each_line(
    input: &mut dyn BufRead,
    first_line: u64,
    max: usize,
    mut f: impl FnMut(u64, &str),
) -> std::io::Result<CappedLines> {
    let mut line: Vec<u8> = Vec::new();
    let mut cut = false;
    let mut capped = CappedLines::default();
    let mut line_no = first_line;
    loop {
        let buf = input.fill_buf()?;
        let (piece, used, ends_line) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..i], i + 1, true),
            None if buf.is_empty() => (buf, 0, cut || !line.is_empty()),
            None => (buf, buf.len(), false),
        };
        let at_eof = buf.is_empty();
        if !cut {
            let room = max - line.len();
            if piece.len() > room {
                cut = true;
                // One byte past the cap shows whether the cap splits a character.
                line.extend_from_slice(&piece[..=room]);
                line.truncate(crate::read::char_boundary(&line, max));
            } else {
                line.extend_from_slice(piece);
            }
        }
        input.consume(used);
        if ends_line {
            if cut {
                capped.count += 1;
                capped.first.get_or_insert(line_no);
            }
            let text = String::from_utf8_lossy(&line);
            f(line_no, text.strip_suffix('\r').unwrap_or(&text));
            line_no += 1;
            line.clear();
            cut = false;
        }
        if at_eof {
            return Ok(capped);
        }
    }
}

/// [`for_each_line`] for a scanner: `f` gets each line with the emitter; lines
/// over the record cap give one warning, and a read error ends the file with
/// a warning naming it.
pub fn scan_lines(
    input: &mut dyn BufRead,
    ctx: &ScanContext<'_>,
    emit: &mut dyn FnMut(Item),
    mut f: impl FnMut(u64, &str, &mut dyn FnMut(Item)),
) {
    let max = ctx.caps.record_bytes();
    let result = for_each_line(input, ctx.first_line, max, |line_no, line| {
        f(line_no, line, emit)
    });
    match result {
        Ok(CappedLines {
            count,
            first: Some(line),
        }) => emit(Item::Warning(Warning::new(
            ctx.path,
            Some(line),
            crate::read::record_cap_warning(count, max),
        ))),
        Ok(_) => {}
        Err(e) => emit(Item::Warning(Warning::new(
            ctx.path,
            None,
            format!("read failed: {e}"),
        ))),
    }
}

/// Reads the whole decoded input of a document format (JSON, YAML, properties…),
/// without a leading byte-order mark. A read failure, or a document over the
/// document cap, becomes a warning and `None`; at most the cap is read.
pub fn read_document(
    input: &mut dyn BufRead,
    ctx: &ScanContext<'_>,
    emit: &mut dyn FnMut(Item),
) -> Option<String> {
    let max = ctx.caps.document_bytes();
    let mut bytes = Vec::new();
    let problem = match input.take(max as u64 + 1).read_to_end(&mut bytes) {
        Ok(n) if n > max => format!(
            "document larger than the cap of {max} bytes for catalogs read whole \
             (caps.document_bytes), file skipped"
        ),
        Ok(_) => {
            let mut text = String::from_utf8(bytes)
                .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            return Some(text);
        }
        Err(e) => format!("read failed: {e}"),
    };
    emit(Item::Warning(Warning::new(ctx.path, None, problem)));
    None
}

/// A field name that usually holds a message's text or key, and the files it
/// is looked for in when the rules name no field: catalog rows and records
/// (CSV, `records`; no `key_field`/`text_field`), and log records (the default
/// extractor). One list serves both, so that a name means the same everywhere.
#[derive(Debug, Clone, Copy)]
pub struct DefaultField {
    pub name: &'static str,
    /// Looked for in catalog rows and records (definitions).
    pub definitions: bool,
    /// Looked for in log records (observations). A log's `id`, `name` or `msg`
    /// is rarely what a client saw.
    pub observations: bool,
}

const fn both(name: &'static str) -> DefaultField {
    DefaultField {
        name,
        definitions: true,
        observations: true,
    }
}

const fn catalogs(name: &'static str) -> DefaultField {
    DefaultField {
        name,
        definitions: true,
        observations: false,
    }
}

const fn logs(name: &'static str) -> DefaultField {
    DefaultField {
        name,
        definitions: false,
        observations: true,
    }
}

/// Field names that hold a message's text, best first: what is meant for the
/// client before what is generic. `detail` and `title` are RFC 9457 problem
/// details members (the extractor takes them only inside such an object);
/// `error_description` is OAuth 2.0's; `defaultUserMessage` Apache Fineract's.
pub const DEFAULT_TEXT_FIELDS: &[DefaultField] = &[
    both("userMessage"),
    both("user_message"),
    both("defaultUserMessage"),
    both("clientMessage"),
    both("client_message"),
    both("displayMessage"),
    both("display_message"),
    both("errorText"),
    both("error_text"),
    both("error_description"),
    logs("detail"),
    logs("title"),
    catalogs("text"),
    both("message"),
    catalogs("msg"),
    catalogs("value"),
    catalogs("msgstr"),
];

/// Field names that hold a message's key, best first. `userMessageGlobalisationCode`
/// is Fineract's message key; OAuth 2.0's `error` is a code (`invalid_grant`).
pub const DEFAULT_KEY_FIELDS: &[DefaultField] = &[
    both("userMessageGlobalisationCode"),
    both("errorCode"),
    both("error_code"),
    both("messageKey"),
    both("message_key"),
    both("key"),
    both("code"),
    catalogs("id"),
    catalogs("name"),
    catalogs("msgid"),
    logs("error"),
];

/// The names among `fields` looked for in files of `role`, best first.
pub fn default_fields(fields: &[DefaultField], role: Role) -> Vec<&'static str> {
    fields
        .iter()
        .filter(|f| match role {
            Role::Definitions => f.definitions,
            Role::Observations => f.observations,
        })
        .map(|f| f.name)
        .collect()
}

/// Undoes the backslash escapes of a quoted `key="…"` value.
pub(crate) fn unescape_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The value of a literal whose opening quote precedes `rest` (a doubled quote is
/// one quote, as in SQL and COBOL): `Ok` with the value and the bytes used up to
/// and including the closing quote, or `Err` with the value of all of `rest` when
/// the literal does not close in it.
pub(crate) fn quoted_literal(rest: &str, quote: char) -> Result<(String, usize), String> {
    let mut value = String::new();
    let mut chars = rest.char_indices().peekable();
    while let Some((n, c)) = chars.next() {
        if c == quote {
            if chars.peek().is_some_and(|&(_, next)| next == quote) {
                chars.next();
                value.push(quote);
                continue;
            }
            return Ok((value, n + c.len_utf8()));
        }
        value.push(c);
    }
    Err(value)
}

/// Whether a screen or program text has a word of two letters or more: a
/// literal without one (`'*'`, `'----'`, `'0'`) is decoration or a code.
pub(crate) fn has_word(text: &str) -> bool {
    text.split(|c: char| !c.is_alphabetic())
        .any(|w| w.chars().count() >= 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_of_two_letters_make_a_text() {
        assert!(has_word("mm/dd/yy"));
        assert!(has_word("Ошибка"));
        assert!(!has_word("+====+ - * 0 Y"));
    }

    #[test]
    fn rotated_names_keep_their_extension() {
        assert!(has_extension("app.log", "log"));
        assert!(has_extension("app.log.1", "log"));
        assert!(has_extension("app.log.2.gz", "log"));
        assert!(has_extension("app.log.2024-01-01", "log"));
        assert!(!has_extension("app.logs", "log"));
        assert!(!has_extension("catalog.json.txt", "json"));
    }

    /// Lines over the record cap keep their head (whole characters), whatever
    /// the buffer size; `\r\n` and an unterminated last line as before.
    #[test]
    fn for_each_line_caps_lines_at_every_buffer_size() {
        let input = "one\r\nЖЖЖЖЖЖ\r\n\nabcdefgh\nlast-long-line";
        for chunk in [1, 2, 3, 7, 64 * 1024] {
            let mut lines = Vec::new();
            let mut reader = std::io::BufReader::with_capacity(chunk, input.as_bytes());
            let capped =
                for_each_line(&mut reader, 10, 7, |n, l| lines.push((n, l.to_string()))).unwrap();
            assert_eq!(
                lines,
                vec![
                    (10, "one".to_string()),
                    (11, "ЖЖЖ".to_string()),
                    (12, String::new()),
                    (13, "abcdefg".to_string()),
                    (14, "last-lo".to_string()),
                ],
                "buffer of {chunk} bytes"
            );
            assert_eq!(
                capped,
                CappedLines {
                    count: 3,
                    first: Some(11)
                }
            );
        }
    }

    #[test]
    fn scan_lines_warns_once_and_read_document_refuses_oversized_documents() {
        let options = SourceOptions::default();
        let caps = Caps {
            record_bytes: Some(4),
            document_bytes: Some(10),
            ..Caps::DEFAULT
        };
        let ctx = ScanContext {
            caps: &caps,
            ..ScanContext::for_test("a.txt", &options)
        };
        let mut items = Vec::new();
        let mut seen = Vec::new();
        scan_lines(
            &mut "ab\nabcdef\nabcdefgh\n".as_bytes(),
            &ctx,
            &mut |i| items.push(i),
            |n, l, _| seen.push((n, l.to_string())),
        );
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[2], (3, "abcd".to_string()));
        match &items[..] {
            [Item::Warning(w)] => {
                assert_eq!(w.line, Some(2));
                assert_eq!(w.message, crate::read::record_cap_warning(2, 4));
            }
            other => panic!("{other:?}"),
        }
        let mut items = Vec::new();
        assert_eq!(
            read_document(&mut "\u{feff}0123456789".as_bytes(), &ctx, &mut |i| items
                .push(i)),
            None
        );
        // The byte order mark counts: 13 bytes are over the cap of 10.
        assert!(matches!(&items[..], [Item::Warning(w)] if w.line.is_none()
            && w.message.contains("caps.document_bytes")));
        let mut items = Vec::new();
        assert_eq!(
            read_document(&mut "0123456789".as_bytes(), &ctx, &mut |i| items.push(i)),
            Some("0123456789".to_string())
        );
        assert!(items.is_empty());
    }

    /// docs/formats.md lists every format in its table: a new scanner cannot
    /// ship undocumented.
    #[test]
    fn every_format_is_in_the_docs_table() {
        let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/formats.md"))
            .unwrap();
        for name in FormatId::names() {
            assert!(
                doc.contains(&format!("| `{name}` |")),
                "docs/formats.md lacks `{name}`"
            );
        }
    }

    #[test]
    fn every_format_has_its_own_scanner() {
        for &id in FormatId::ALL {
            assert_eq!(scanner(id).id(), id);
        }
    }
}
