//! gettext catalogs (`.po`, `.pot`), read as GNU `msgfmt` and polib read them.
//!
//! Mapping to definitions (see `docs/formats.md`):
//! - key: the `msgid`; with a context, `msgctxt + "\u{4}" + msgid`, the separator
//!   gettext itself uses in compiled catalogs (and polib's oracle keys);
//! - plurals: one definition per `msgstr[n]`, key = msgid, form `[n]`;
//! - state: `#~` entries are [`DefinitionState::Obsolete`] (even when also
//!   fuzzy: they are history, not live texts); `#, fuzzy` gives `Fuzzy`; an empty
//!   `msgstr` gives `Untranslated`, and its text is what gettext shows at run
//!   time instead: the msgid (`msgid_plural` for forms after the first). In a
//!   `.pot` template every msgstr is empty by design: its entries are live
//!   definitions of the source texts (the msgids);
//! - note: the `#:` source references, space-separated, as provenance;
//! - locale: the header's `Language:`, else the path (`ru/LC_MESSAGES/`,
//!   `ru.po`), else the rules.
//!
//! Strings are concatenated across lines and decoded with C escapes as msgfmt
//! does (`\n \t \r \a \b \f \v \\ \" \' \?`, octal, `\x` hex). The header's
//! `charset=` cannot re-decode a file read/ has already decoded: declare the
//! charset in the rules (`encoding:`); a header that disagrees with the decoding
//! used gets a warning. A malformed entry (unterminated string, unknown keyword)
//! is skipped with a warning naming its line; the rest of the file is harvested.

use std::io::BufRead;

use super::{Item, ScanContext, Scanner, locale_from_path, normalise_locale, scan_lines};
use crate::charset::Charset;
use crate::model::{Definition, DefinitionState, FormatId, Location, Role, Warning};

pub struct Po;

impl Scanner for Po {
    fn id(&self) -> FormatId {
        FormatId::Po
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["po", "pot"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let mut parser = Parser {
            ctx,
            entry: Entry::default(),
            definitions: Vec::new(),
            header_locale: None,
            template: ctx.path.to_ascii_lowercase().ends_with(".pot"),
        };
        scan_lines(input, ctx, emit, |line_no, line, emit| {
            parser.line(line_no, line, emit);
        });
        parser.finish_entry(emit);
        let locale = parser
            .header_locale
            .or_else(|| locale_from_path(ctx.path))
            .or_else(|| ctx.locale.map(str::to_string));
        for mut d in parser.definitions {
            d.locale = locale.clone();
            emit(Item::Definition(d));
        }
    }
}

/// Which string a continuation line (`"…"`) extends.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
enum Field {
    #[default]
    None,
    Context,
    Id,
    IdPlural,
    Str,
    StrPlural(usize),
    /// `#| msgid "…"`: the previous msgid of a fuzzy entry, not kept.
    Previous,
}

#[derive(Debug, Default)]
struct Entry {
    obsolete: bool,
    fuzzy: bool,
    references: Vec<String>,
    context: Option<String>,
    id: Option<String>,
    id_line: u64,
    id_plural: Option<String>,
    msgstr: Option<String>,
    msgstr_plural: Vec<(usize, String)>,
    field: Field,
    /// A malformed line was seen: the entry is dropped (its warning is out).
    broken: bool,
    /// Any line at all belongs to it.
    started: bool,
}

impl Entry {
    fn has_msgstr(&self) -> bool {
        self.msgstr.is_some() || !self.msgstr_plural.is_empty()
    }

    fn target(&mut self) -> Option<&mut String> {
        match self.field {
            Field::Context => self.context.as_mut(),
            Field::Id => self.id.as_mut(),
            Field::IdPlural => self.id_plural.as_mut(),
            Field::Str => self.msgstr.as_mut(),
            Field::StrPlural(n) => self
                .msgstr_plural
                .iter_mut()
                .find(|(i, _)| *i == n)
                .map(|(_, s)| s),
            Field::None | Field::Previous => None,
        }
    }
}

struct Parser<'c, 'a> {
    ctx: &'c ScanContext<'a>,
    entry: Entry,
    definitions: Vec<Definition>,
    header_locale: Option<String>,
    /// A `.pot` template: its empty msgstrs are the norm, its msgids the source texts.
    template: bool,
}

impl Parser<'_, '_> {
    fn warn(&self, emit: &mut dyn FnMut(Item), line: u64, message: impl Into<String>) {
        emit(Item::Warning(Warning::new(
            self.ctx.path,
            Some(line),
            message.into(),
        )));
    }

    fn line(&mut self, line_no: u64, line: &str, emit: &mut dyn FnMut(Item)) {
        let line = line.trim_start_matches('\u{feff}').trim();
        if line.is_empty() {
            return;
        }
        let (obsolete, body) = match line.strip_prefix("#~") {
            Some(rest) if rest.starts_with('|') => {
                self.entry.field = Field::Previous;
                return;
            }
            Some(rest) => (true, rest.trim()),
            None => (false, line),
        };
        if let Some(comment) = body.strip_prefix('#').filter(|_| !obsolete) {
            self.comment(comment, emit);
            return;
        }
        if body.starts_with('"') {
            if obsolete != self.entry.obsolete && self.entry.started {
                self.warn(
                    emit,
                    line_no,
                    "continuation string of another entry kind, ignored",
                );
                return;
            }
            match parse_string(body) {
                Ok(s) => {
                    if let Some(target) = self.entry.target() {
                        target.push_str(&s);
                    } else if self.entry.field != Field::Previous {
                        self.warn(emit, line_no, "string outside any keyword, ignored");
                    }
                }
                Err(e) => self.broken(emit, line_no, &e),
            }
            return;
        }
        let (keyword, rest) = body
            .split_once(|c: char| c.is_whitespace())
            .map_or((body, ""), |(k, r)| (k, r.trim_start()));
        let starts_entry = matches!(keyword, "msgctxt" | "msgid");
        if starts_entry
            && (self.entry.has_msgstr() || (keyword == "msgctxt" && self.entry.id.is_some()))
        {
            self.finish_entry(emit);
        }
        if keyword == "msgid" && self.entry.id.is_some() {
            self.warn(emit, self.entry.id_line, "entry without msgstr, skipped");
            self.entry = Entry::default();
        }
        if keyword == "msgctxt" || (keyword == "msgid" && self.entry.context.is_none()) {
            self.entry.obsolete = obsolete;
            self.entry.id_line = line_no;
        }
        self.entry.started = true;
        let value = match parse_string(rest) {
            Ok(v) => v,
            Err(e) => {
                self.broken(emit, line_no, &e);
                return;
            }
        };
        match keyword {
            "msgctxt" => {
                self.entry.context = Some(value);
                self.entry.field = Field::Context;
            }
            "msgid" => {
                self.entry.id = Some(value);
                self.entry.field = Field::Id;
            }
            "msgid_plural" => {
                self.entry.id_plural = Some(value);
                self.entry.field = Field::IdPlural;
            }
            "msgstr" => {
                self.entry.msgstr = Some(value);
                self.entry.field = Field::Str;
            }
            other => match other
                .strip_prefix("msgstr[")
                .and_then(|n| n.strip_suffix(']'))
                .and_then(|n| n.parse::<usize>().ok())
            {
                Some(n) => {
                    self.entry.msgstr_plural.push((n, value));
                    self.entry.field = Field::StrPlural(n);
                }
                None => {
                    let shown: String = other.chars().take(40).collect();
                    self.broken(emit, line_no, &format!("unknown keyword `{shown}`"));
                }
            },
        }
    }

    fn comment(&mut self, comment: &str, emit: &mut dyn FnMut(Item)) {
        // A comment after a complete entry opens the next one.
        if self.entry.has_msgstr() {
            self.finish_entry(emit);
        }
        self.entry.started = true;
        if let Some(flags) = comment.strip_prefix(',') {
            if flags.split(',').any(|f| f.trim() == "fuzzy") {
                self.entry.fuzzy = true;
            }
        } else if let Some(refs) = comment.strip_prefix(':') {
            self.entry
                .references
                .extend(refs.split_whitespace().map(str::to_string));
        } else if comment.starts_with('|') {
            self.entry.field = Field::Previous;
        }
    }

    fn broken(&mut self, emit: &mut dyn FnMut(Item), line_no: u64, message: &str) {
        if !self.entry.broken {
            self.warn(emit, line_no, format!("{message}, entry skipped"));
        }
        self.entry.broken = true;
        self.entry.started = true;
        self.entry.field = Field::None;
    }

    fn finish_entry(&mut self, emit: &mut dyn FnMut(Item)) {
        let entry = std::mem::take(&mut self.entry);
        if entry.broken {
            return;
        }
        let Some(id) = entry.id.clone() else {
            if entry.has_msgstr() {
                self.warn(emit, entry.id_line.max(1), "msgstr without msgid, skipped");
            }
            return;
        };
        if !entry.has_msgstr() {
            self.warn(emit, entry.id_line, "entry without msgstr, skipped");
            return;
        }
        if id.is_empty() && entry.context.is_none() && !entry.obsolete {
            self.header(&entry, emit);
            return;
        }
        let key = match &entry.context {
            Some(context) => format!("{context}\u{4}{id}"),
            None => id.clone(),
        };
        let note = (!entry.references.is_empty()).then(|| entry.references.join(" "));
        let mut forms: Vec<(Option<String>, String, String)> = Vec::new();
        match (&entry.id_plural, &entry.msgstr) {
            (Some(plural), _) if !entry.msgstr_plural.is_empty() => {
                let mut strs = entry.msgstr_plural.clone();
                strs.sort_by_key(|(n, _)| *n);
                for (n, s) in strs {
                    let fallback = if n == 0 { &id } else { plural };
                    forms.push((Some(format!("[{n}]")), s, fallback.clone()));
                }
            }
            (_, Some(s)) => forms.push((None, s.clone(), id.clone())),
            (_, None) => {
                self.warn(
                    emit,
                    entry.id_line,
                    "msgstr[n] without msgid_plural, skipped",
                );
                return;
            }
        }
        for (form, text, fallback) in forms {
            let state = if entry.obsolete {
                DefinitionState::Obsolete
            } else if entry.fuzzy {
                DefinitionState::Fuzzy
            } else if text.is_empty() && !self.template {
                DefinitionState::Untranslated
            } else {
                DefinitionState::Live
            };
            let text = if text.is_empty() { fallback } else { text };
            let mut d = Definition::new(
                key.clone(),
                text,
                Location::new(self.ctx.path, entry.id_line),
            );
            d.state = state;
            d.form = form;
            d.note = note.clone();
            self.definitions.push(d);
        }
    }

    /// The header entry: its `Language:` names the locale, its `charset=` is
    /// checked against the charset the file was decoded from.
    fn header(&mut self, entry: &Entry, emit: &mut dyn FnMut(Item)) {
        let header = entry.msgstr.as_deref().unwrap_or("");
        for field in header.lines() {
            let Some((name, value)) = field.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match name.trim().to_ascii_lowercase().as_str() {
                "language" if !value.is_empty() => {
                    self.header_locale =
                        Some(normalise_locale(value).unwrap_or_else(|| value.to_string()));
                }
                "content-type" => self.check_charset(value, entry.id_line, emit),
                _ => {}
            }
        }
    }

    fn check_charset(&self, content_type: &str, line: u64, emit: &mut dyn FnMut(Item)) {
        let Some(label) = content_type
            .split(';')
            .find_map(|p| p.trim().strip_prefix("charset="))
            .map(str::trim)
        else {
            return;
        };
        // `CHARSET` is the placeholder of .pot templates; ASCII fits every decoding.
        if label.eq_ignore_ascii_case("charset")
            || label.eq_ignore_ascii_case("ascii")
            || label.eq_ignore_ascii_case("us-ascii")
        {
            return;
        }
        let Some(decoded) = self.ctx.charset else {
            return;
        };
        match Charset::from_label(label) {
            Some(declared) if declared.name().eq_ignore_ascii_case(decoded) => {}
            Some(declared) => self.warn(
                emit,
                line,
                format!(
                    "header declares charset={label} but the file was decoded as {decoded}; \
                     declare `encoding: {}` for this source in the rules",
                    declared.name().to_ascii_lowercase()
                ),
            ),
            None => self.warn(
                emit,
                line,
                format!("header declares unknown charset={label}"),
            ),
        }
    }
}

/// One quoted PO string (`"…"`, nothing after it but blanks), C escapes decoded.
fn parse_string(s: &str) -> Result<String, String> {
    let body = s
        .strip_prefix('"')
        .ok_or_else(|| "expected a quoted string".to_string())?;
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                return if body[i + 1..].trim().is_empty() {
                    Ok(out)
                } else {
                    Err("text after the closing quote".to_string())
                };
            }
            '\\' => {
                let Some((_, e)) = chars.next() else { break };
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\u{7}'),
                    'b' => out.push('\u{8}'),
                    'f' => out.push('\u{c}'),
                    'v' => out.push('\u{b}'),
                    '\\' | '"' | '\'' | '?' => out.push(e),
                    '0'..='7' => {
                        let mut n = e.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match chars.peek().and_then(|(_, d)| d.to_digit(8)) {
                                Some(d) => {
                                    n = n * 8 + d;
                                    chars.next();
                                }
                                None => break,
                            }
                        }
                        out.push(char::from_u32(n).unwrap_or('\u{fffd}'));
                    }
                    'x' => {
                        let mut n: u32 = 0;
                        let mut digits = 0;
                        while let Some(d) = chars.peek().and_then(|(_, d)| d.to_digit(16)) {
                            n = n.saturating_mul(16).saturating_add(d);
                            digits += 1;
                            chars.next();
                        }
                        if digits == 0 {
                            return Err("`\\x` without hex digits".to_string());
                        }
                        out.push(char::from_u32(n).unwrap_or('\u{fffd}'));
                    }
                    other => return Err(format!("invalid escape `\\{other}`")),
                }
            }
            _ => out.push(c),
        }
    }
    Err("unterminated string".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;

    fn scan_with(path: &str, text: &str, charset: Option<&str>) -> Vec<Item> {
        let options = SourceOptions::default();
        let mut ctx = ScanContext::for_test(path, &options);
        ctx.charset = charset;
        let mut items = Vec::new();
        Po.scan(&mut text.as_bytes(), &ctx, &mut |i| items.push(i));
        items
    }

    const HEADER: &str = "msgid \"\"\nmsgstr \"\"\n\"Language: pt_BR\\n\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\n";

    #[test]
    fn entries_with_context_plural_fuzzy_obsolete_and_references() {
        let text = format!(
            "{HEADER}#: src/a.py:1 src/b.py:2\nmsgid \"Hello\"\nmsgstr \"\"\n\"Olá\"\n\n\
             msgctxt \"menu\"\nmsgid \"Open\"\nmsgstr \"Abrir\"\n\n\
             msgid \"one file\"\nmsgid_plural \"\"\n\"%d files\"\nmsgstr[0] \"um arquivo\"\nmsgstr[1] \"\"\n\n\
             #, fuzzy, python-format\nmsgid \"Bye\"\nmsgstr \"Tchau\"\n\n\
             msgid \"Later\"\nmsgstr \"\"\n\n\
             #, fuzzy\n#~ msgid \"Old\"\n#~ msgstr \"Velho\"\n"
        );
        let items = scan_with("po/app.po", &text, Some("UTF-8"));
        let defs = crate::scan::testing::definitions(&items);
        let got: Vec<(&str, Option<&str>, &str, DefinitionState, u64)> = defs
            .iter()
            .map(|d| {
                (
                    d.key.as_str(),
                    d.form.as_deref(),
                    d.text.as_str(),
                    d.state,
                    d.location.line,
                )
            })
            .collect();
        use DefinitionState::*;
        assert_eq!(
            got,
            vec![
                ("Hello", None, "Olá", Live, 7),
                ("menu\u{4}Open", None, "Abrir", Live, 11),
                ("one file", Some("[0]"), "um arquivo", Live, 15),
                ("one file", Some("[1]"), "%d files", Untranslated, 15),
                ("Bye", None, "Tchau", Fuzzy, 22),
                ("Later", None, "Later", Untranslated, 25),
                ("Old", None, "Velho", Obsolete, 29),
            ]
        );
        assert_eq!(defs[0].note.as_deref(), Some("src/a.py:1 src/b.py:2"));
        assert!(defs.iter().all(|d| d.locale.as_deref() == Some("pt_BR")));
        assert!(!items.iter().any(|i| matches!(i, Item::Warning(_))));
    }

    #[test]
    fn c_escapes_decode_as_msgfmt_does() {
        assert_eq!(
            parse_string(r#""a\"b\\c\n\t\101\x42\?""#).unwrap(),
            "a\"b\\c\n\tAB?"
        );
        assert!(parse_string("\"open").unwrap_err().contains("unterminated"));
        assert!(parse_string("\"a\" b").is_err());
    }

    #[test]
    fn unterminated_string_skips_only_its_entry() {
        let text =
            "msgid \"a\"\nmsgstr \"A\"\n\nmsgid \"b\nmsgstr \"B\"\n\nmsgid \"c\"\nmsgstr \"C\"\n";
        let items = scan_with("ru.po", text, None);
        let keys: Vec<&str> = crate::scan::testing::definitions(&items)
            .iter()
            .map(|d| d.key.as_str())
            .collect();
        assert_eq!(keys, vec!["a", "c"]);
        assert!(items.iter().any(|i| matches!(i, Item::Warning(w)
            if w.line == Some(4) && w.message.contains("unterminated"))));
        assert!(
            crate::scan::testing::definitions(&items)
                .iter()
                .all(|d| d.locale.as_deref() == Some("ru"))
        );
    }

    #[test]
    fn templates_define_their_msgids() {
        let text = "#: app.py:3\nmsgid \"Card blocked\"\nmsgstr \"\"\n";
        let items = scan_with("app.pot", text, None);
        let defs = crate::scan::testing::definitions(&items);
        assert_eq!(defs.len(), 1);
        assert_eq!(defs[0].text, "Card blocked");
        assert_eq!(defs[0].state, DefinitionState::Live);
        assert_eq!(defs[0].locale, None);
    }

    #[test]
    fn header_charset_mismatch_warns() {
        let text = "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=CP1251\\n\"\n";
        let items = scan_with("ru.po", text, Some("UTF-8"));
        assert!(matches!(&items[..], [Item::Warning(w)]
            if w.line == Some(1) && w.message.contains("windows-1251")));
        assert!(scan_with("ru.po", text, Some("windows-1251")).is_empty());
    }
}
