//! COBOL copybooks in fixed reference format: the field layout as limits and the
//! text `VALUE`s as definitions. Programs (`.cbl`) are read by [`program`],
//! which shares this lexer and data-entry parser.
//!
//! Columns 1–6 are a sequence area, column 7 the indicator (`*` or `/` comment,
//! `D` debugging line, also skipped; `-` continuation) and 8–72 the code; 73 on is
//! ignored. A literal left open at column 72 runs through column 72 and goes on
//! after the opening quote of the next `-` line, as the compiler reads it.
//!
//! Each named data item (not `FILLER`, not level 66/88) becomes a [`FieldLimit`]
//! named by its path from the level-01 record (`ABEND-DATA.ABEND-MSG`), of its size
//! for one occurrence: `PIC X(n)`/`A(n)` and numeric `DISPLAY` items count bytes in
//! the system's encoding ([`LimitUnit::SYSTEM_ENCODING`]); `PIC N(n)` counts n UTF-16 code
//! units (USAGE NATIONAL); groups count the bytes of their members, `OCCURS` times
//! each and `REDEFINES` sharing storage. Binary sizes follow IBM Enterprise COBOL
//! (`COMP` 2/4/8 bytes for 1–4/5–9/10–18 digits, `COMP-3` digits/2+1, `COMP-1` 4,
//! `COMP-2` 8, `POINTER`/`INDEX` 4).
//!
//! An alphanumeric or national item with a `VALUE` literal is a definition keyed by
//! its data name, whose text is the literal as written without its trailing
//! blanks: never padded to the item's length, never cut to it (a literal longer
//! than its PICTURE is a `field-too-long` flag). The spaces a fixed
//! field pads with are the field's, not the message's: a client shown `Done` from
//! `PIC X(60)` read 4 characters, and lengths, matching and reports must measure
//! those (the field's size is its limit). Figurative values (`SPACES`, `ZEROS`,
//! `ALL '-'`, …) are not texts.
//! A copybook of procedure code (paragraphs that programs `COPY` into their
//! procedure division) is not a layout: its entries are skipped without a
//! warning per line. In a system whose programs are read too
//! ([`library::Library::has_programs`]), the programs decide which `VALUE`s
//! reach a client; the copybook then yields its layout only.

use std::io::BufRead;

use super::{Item, ScanContext, Scanner, quoted_literal, scan_lines};
use crate::model::{
    Definition, FieldHop, FieldLimit, FormatId, LimitUnit, Location, Role, Warning,
};

pub mod library;
pub mod program;

pub struct Cobol;

impl Scanner for Cobol {
    fn id(&self) -> FormatId {
        FormatId::Cobol
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["cpy", "copy"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let mut lexer = Lexer::default();
        scan_lines(input, ctx, emit, |n, line, _| lexer.line(n, line));
        let tokens = lexer.finish();
        for (line, message) in &tokens.problems {
            emit(Item::Warning(Warning::new(
                ctx.path,
                Some(*line),
                message.clone(),
            )));
        }
        let mut entries: Vec<DataItem> = Vec::new();
        let procedure = tokens
            .tokens
            .split_inclusive(|t| t.kind == Kind::Period)
            .any(|entry| entry.first().and_then(Token::word).is_some_and(is_verb));
        let mut not_entries = 0;
        for entry in tokens.tokens.split_inclusive(|t| t.kind == Kind::Period) {
            match parse_entry(entry) {
                Ok(Some(item)) => entries.push(item),
                Ok(None) => {}
                Err(EntryError::NotAnEntry(..)) if procedure => {}
                Err(EntryError::NotAnEntry(line, message)) => {
                    // One is a typo worth naming; the rest of such a file is not a layout.
                    not_entries += 1;
                    if not_entries == 1 {
                        emit(Item::Warning(Warning::new(ctx.path, Some(line), message)));
                    }
                }
                Err(EntryError::Bad(line, message)) => {
                    emit(Item::Warning(Warning::new(ctx.path, Some(line), message)));
                }
            }
        }
        let texts = ctx.library.is_none_or(|l| !l.has_programs());
        let mut records = build(&mut entries.into_iter().peekable(), 0);
        for record in &mut records {
            record.compute_size();
        }
        for record in &records {
            record.emit(&[], ctx, texts, emit);
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    Word(String),
    /// A literal's value; `prefix` is `X`, `N`, `NX`, … or empty.
    Literal {
        value: String,
        prefix: String,
    },
    /// The period that ends an entry.
    Period,
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub kind: Kind,
    pub line: u64,
    /// Which text it comes from: 0 the file scanned, else a copied member
    /// ([`program`] numbers them).
    pub origin: u32,
}

impl Token {
    pub fn is_word(&self, word: &str) -> bool {
        matches!(&self.kind, Kind::Word(w) if w.eq_ignore_ascii_case(word))
    }

    pub fn word(&self) -> Option<&str> {
        match &self.kind {
            Kind::Word(w) => Some(w),
            _ => None,
        }
    }
}

/// A literal not yet closed at the end of a line.
#[derive(Debug, Default)]
struct OpenLiteral {
    quote: char,
    value: String,
    prefix: String,
    line: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Lexer {
    tokens: Vec<Token>,
    problems: Vec<(u64, String)>,
    open: Option<OpenLiteral>,
    /// Free format (`>>SOURCE FORMAT FREE`): no sequence or indicator columns,
    /// `*>` starts a comment.
    free: bool,
    origin: u32,
}

pub(crate) struct Tokens {
    pub tokens: Vec<Token>,
    pub problems: Vec<(u64, String)>,
}

/// Width of the code area, columns 8–72.
const CODE_WIDTH: usize = 65;

/// A literal open at the end of a line runs through column 72: the columns a
/// short line lacks are spaces of the literal.
fn padding_to_column_72(code: &str) -> impl Iterator<Item = char> {
    std::iter::repeat_n(' ', CODE_WIDTH.saturating_sub(code.chars().count()))
}

impl Lexer {
    /// A lexer for a text numbered `origin` (0: the file scanned).
    pub fn new(origin: u32) -> Self {
        Lexer {
            origin,
            ..Lexer::default()
        }
    }

    /// Lexes a whole text.
    pub fn text(origin: u32, text: &str) -> Tokens {
        let mut lexer = Lexer::new(origin);
        for (i, line) in text.lines().enumerate() {
            lexer.line(i as u64 + 1, line);
        }
        lexer.finish()
    }

    pub fn line(&mut self, number: u64, line: &str) {
        let directive = line.trim_start();
        if directive.starts_with(">>") || directive.starts_with("$SET") {
            let upper = directive.to_ascii_uppercase();
            if upper.contains("FORMAT") {
                self.free = upper.contains("FREE");
            } else if upper.contains("SOURCEFORMAT") {
                self.free = upper.contains("\"FREE\"");
            }
            return;
        }
        let chars: Vec<char> = line.chars().collect();
        let indicator = if self.free {
            ' '
        } else {
            chars.get(6).copied().unwrap_or(' ')
        };
        if matches!(indicator, '*' | '/' | 'D' | 'd') || (self.free && directive.starts_with("*>"))
        {
            return;
        }
        let code: String = if self.free {
            chars.iter().collect()
        } else {
            chars.iter().skip(7).take(CODE_WIDTH).collect()
        };
        let code = match code.find("*>") {
            Some(at) if self.open.is_none() && !code[..at].contains(['\'', '"']) => {
                code[..at].to_string()
            }
            _ => code,
        };
        let mut rest = code.as_str();
        if indicator == '-' {
            let trimmed = rest.trim_start();
            match self.open.as_ref().map(|o| o.quote) {
                Some(quote) if trimmed.starts_with(quote) => rest = &trimmed[quote.len_utf8()..],
                Some(_) => {
                    self.problems.push((
                        number,
                        "continuation line does not start with a quote".to_string(),
                    ));
                    self.close_open();
                    rest = trimmed;
                }
                // A word split across lines: glue its rest to the last token.
                None => {
                    let word_len = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
                    if let Some(Token {
                        kind: Kind::Word(w),
                        ..
                    }) = self.tokens.last_mut()
                    {
                        w.push_str(&trimmed[..word_len]);
                        rest = &trimmed[word_len..];
                    }
                }
            }
        } else if let Some(open) = &self.open {
            // Recover as if the entry ended with the literal.
            let line = open.line;
            self.problems.push((line, "literal not closed".to_string()));
            self.close_open();
            self.tokens.push(Token {
                kind: Kind::Period,
                line,
                origin: self.origin,
            });
        }
        if let Some(open) = &mut self.open {
            match quoted_literal(rest, open.quote) {
                Ok((value, used)) => {
                    open.value.push_str(&value);
                    rest = &rest[used..];
                    self.close_open();
                }
                Err(value) => {
                    open.value.push_str(&value);
                    open.value.extend(padding_to_column_72(&code));
                    return;
                }
            }
        }
        self.words(number, rest, &code);
    }

    /// Tokenises code after any continued literal; `code` is the whole code area.
    fn words(&mut self, number: u64, mut rest: &str, code: &str) {
        loop {
            rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',' || c == ';');
            let Some(first) = rest.chars().next() else {
                return;
            };
            if first == '\'' || first == '"' {
                rest = self.literal(number, String::new(), first, &rest[1..], code);
                continue;
            }
            let len = rest
                .find(|c: char| c.is_whitespace() || c == '\'' || c == '"')
                .unwrap_or(rest.len());
            let mut word = &rest[..len];
            rest = &rest[len..];
            if let Some(quote) = rest.chars().next().filter(|&c| c == '\'' || c == '"')
                && matches!(
                    word.to_ascii_uppercase().as_str(),
                    "X" | "N" | "NX" | "Z" | "G" | "B" | "U"
                )
            {
                rest = self.literal(number, word.to_string(), quote, &rest[1..], code);
                continue;
            }
            let ends_entry =
                word.ends_with('.') && rest.chars().next().is_none_or(char::is_whitespace);
            if ends_entry {
                word = &word[..word.len() - 1];
            }
            if !word.is_empty() {
                self.tokens.push(Token {
                    kind: Kind::Word(word.to_string()),
                    line: number,
                    origin: self.origin,
                });
            }
            if ends_entry {
                self.tokens.push(Token {
                    kind: Kind::Period,
                    line: number,
                    origin: self.origin,
                });
            }
        }
    }

    /// A literal whose opening quote was just consumed; returns the rest of the line.
    fn literal<'r>(
        &mut self,
        number: u64,
        prefix: String,
        quote: char,
        rest: &'r str,
        code: &str,
    ) -> &'r str {
        match quoted_literal(rest, quote) {
            Ok((value, used)) => {
                self.tokens.push(Token {
                    kind: Kind::Literal { value, prefix },
                    line: number,
                    origin: self.origin,
                });
                &rest[used..]
            }
            Err(mut value) => {
                value.extend(padding_to_column_72(code));
                self.open = Some(OpenLiteral {
                    quote,
                    value,
                    prefix,
                    line: number,
                });
                ""
            }
        }
    }

    fn close_open(&mut self) {
        if let Some(open) = self.open.take() {
            self.tokens.push(Token {
                kind: Kind::Literal {
                    value: open.value,
                    prefix: open.prefix,
                },
                line: open.line,
                origin: self.origin,
            });
        }
    }

    pub fn finish(mut self) -> Tokens {
        if let Some(open) = &self.open {
            self.problems
                .push((open.line, "literal not closed".to_string()));
        }
        self.close_open();
        Tokens {
            tokens: self.tokens,
            problems: self.problems,
        }
    }
}

/// How an item's data is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Usage {
    Display,
    National,
    Binary,
    Packed,
    Float4,
    Float8,
    Pointer,
}

fn usage_of(word: &str) -> Option<Usage> {
    Some(match word.to_ascii_uppercase().as_str() {
        "DISPLAY" | "DISPLAY-1" => Usage::Display,
        "NATIONAL" => Usage::National,
        "COMP" | "COMP-4" | "COMP-5" | "COMPUTATIONAL" | "COMPUTATIONAL-4" | "COMPUTATIONAL-5"
        | "BINARY" => Usage::Binary,
        "COMP-3" | "COMPUTATIONAL-3" | "PACKED-DECIMAL" => Usage::Packed,
        "COMP-1" | "COMPUTATIONAL-1" => Usage::Float4,
        "COMP-2" | "COMPUTATIONAL-2" => Usage::Float8,
        "POINTER" | "INDEX" | "PROCEDURE-POINTER" | "FUNCTION-POINTER" => Usage::Pointer,
        _ => return None,
    })
}

/// What a PICTURE string says: character positions, digits, and its category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Picture {
    pub(crate) positions: u64,
    pub(crate) digits: u64,
    pub(crate) national: bool,
    pub(crate) alphanumeric: bool,
    pub(crate) signed: bool,
}

/// The most character positions an elementary item can have (Enterprise COBOL's
/// limit, 2^27 − 1). A longer PICTURE is garbage, not a field: padding a VALUE
/// to it would exhaust memory.
const MAX_POSITIONS: u64 = 134_217_727;

fn picture(pic: &str) -> Option<Picture> {
    let mut p = Picture {
        positions: 0,
        digits: 0,
        national: false,
        alphanumeric: false,
        signed: false,
    };
    let chars: Vec<char> = pic.to_ascii_uppercase().chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let symbol = chars[i];
        i += 1;
        let mut count = 1u64;
        if chars.get(i) == Some(&'(') {
            let close = chars[i..].iter().position(|&c| c == ')')? + i;
            count = chars[i + 1..close]
                .iter()
                .collect::<String>()
                .parse()
                .ok()?;
            i = close + 1;
        }
        if p.positions.checked_add(count)? > MAX_POSITIONS {
            return None;
        }
        match symbol {
            'X' | 'A' => {
                p.alphanumeric = true;
                p.positions += count;
            }
            'N' | 'G' => {
                p.national = true;
                p.positions += count;
            }
            '9' => {
                p.digits += count;
                p.positions += count;
            }
            'S' => p.signed = true,
            'V' | 'P' => {}
            'Z' | '*' | '+' | '-' | '.' | ',' | '/' | 'B' | '0' | '$' | 'E' | 'C' | 'R' | 'D' => {
                p.positions += count;
            }
            _ => return None,
        }
    }
    Some(p)
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Text(String),
    /// `SPACES`, `ZEROS`, `ALL '-'`, numbers: not a text.
    Other,
}

/// One data description entry and its members.
#[derive(Debug, Clone)]
pub(crate) struct DataItem {
    pub(crate) level: u8,
    pub(crate) name: String,
    pub(crate) line: u64,
    pub(crate) picture: Option<Picture>,
    pub(crate) usage: Option<Usage>,
    pub(crate) sign_separate: bool,
    pub(crate) occurs: u64,
    pub(crate) redefines: Option<String>,
    pub(crate) value: Option<Value>,
    pub(crate) children: Vec<DataItem>,
    /// Bytes of one occurrence, filled by `compute_size`.
    pub(crate) size: u64,
}

/// Why an entry gave no data item, with its line.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EntryError {
    /// It does not start with a level number (procedure code, a typo).
    NotAnEntry(u64, String),
    /// A data entry with a clause that cannot be read.
    Bad(u64, String),
}

/// Whether a word starts a procedure statement: a copybook whose entries
/// start so holds paragraphs, not a layout.
pub(crate) fn is_verb(word: &str) -> bool {
    matches!(
        word.to_ascii_uppercase().as_str(),
        "MOVE"
            | "IF"
            | "PERFORM"
            | "EVALUATE"
            | "SET"
            | "INITIALIZE"
            | "COMPUTE"
            | "ADD"
            | "SUBTRACT"
            | "DISPLAY"
            | "EXEC"
            | "CALL"
            | "GO"
            | "STRING"
            | "EXIT"
            | "INSPECT"
            | "UNSTRING"
            | "READ"
            | "WRITE"
            | "OPEN"
            | "CLOSE"
            | "GOBACK"
            | "CONTINUE"
    )
}

/// One entry (tokens up to its period) as a data item; `None` for 66/88 entries
/// and stray periods.
pub(crate) fn parse_entry(tokens: &[Token]) -> Result<Option<DataItem>, EntryError> {
    let body = match tokens.last() {
        Some(t) if t.kind == Kind::Period => &tokens[..tokens.len() - 1],
        _ => tokens,
    };
    let Some(first) = body.first() else {
        return Ok(None);
    };
    let line = first.line;
    let level: u8 = first
        .word()
        .and_then(|w| w.parse().ok())
        .filter(|l| matches!(l, 1..=49 | 66 | 77 | 88))
        .ok_or_else(|| {
            let words: Vec<&str> = body.iter().take(3).filter_map(Token::word).collect();
            EntryError::NotAnEntry(
                line,
                format!("not a data description entry: `{}`", words.join(" ")),
            )
        })?;
    if matches!(level, 66 | 88) {
        return Ok(None);
    }
    // A level-77 item is a record of its own.
    let level = if level == 77 { 1 } else { level };
    let mut i = 1;
    let name = match body.get(i).and_then(Token::word) {
        Some(w) if !is_clause_keyword(w) => {
            i += 1;
            w.to_ascii_uppercase()
        }
        _ => "FILLER".to_string(),
    };
    let mut item = DataItem {
        level,
        name,
        line,
        picture: None,
        usage: None,
        sign_separate: false,
        occurs: 1,
        redefines: None,
        value: None,
        children: Vec::new(),
        size: 0,
    };
    while i < body.len() {
        let t = &body[i];
        i += 1;
        let Some(word) = t.word() else { continue };
        let upper = word.to_ascii_uppercase();
        let skip_is = |i: &mut usize, filler: &str| {
            if body.get(*i).is_some_and(|t| t.is_word(filler)) {
                *i += 1;
            }
        };
        match upper.as_str() {
            "PIC" | "PICTURE" => {
                skip_is(&mut i, "IS");
                let pic = body.get(i).and_then(Token::word).unwrap_or("");
                i += 1;
                item.picture = Some(
                    picture(pic)
                        .ok_or_else(|| EntryError::Bad(t.line, format!("bad PICTURE `{pic}`")))?,
                );
            }
            "USAGE" => {
                skip_is(&mut i, "IS");
            }
            "REDEFINES" => {
                item.redefines = body
                    .get(i)
                    .and_then(Token::word)
                    .map(str::to_ascii_uppercase);
                i += 1;
            }
            "OCCURS" => {
                let mut count = body
                    .get(i)
                    .and_then(Token::word)
                    .and_then(|w| w.parse().ok());
                i += 1;
                if body.get(i).is_some_and(|t| t.is_word("TO")) {
                    count = body
                        .get(i + 1)
                        .and_then(Token::word)
                        .and_then(|w| w.parse().ok());
                    i += 2;
                }
                item.occurs = count
                    .ok_or_else(|| EntryError::Bad(t.line, "OCCURS without a count".to_string()))?;
            }
            "SEPARATE" => item.sign_separate = true,
            "VALUE" | "VALUES" => {
                skip_is(&mut i, "IS");
                skip_is(&mut i, "ARE");
                item.value = body.get(i).map(|v| match &v.kind {
                    Kind::Literal { value, prefix }
                        if prefix.is_empty() || prefix.eq_ignore_ascii_case("N") =>
                    {
                        Value::Text(value.clone())
                    }
                    _ => Value::Other,
                });
                i += 1;
            }
            _ => {
                if let Some(usage) = usage_of(&upper) {
                    item.usage = Some(usage);
                }
            }
        }
    }
    Ok(Some(item))
}

fn is_clause_keyword(word: &str) -> bool {
    matches!(
        word.to_ascii_uppercase().as_str(),
        "PIC"
            | "PICTURE"
            | "USAGE"
            | "VALUE"
            | "VALUES"
            | "OCCURS"
            | "REDEFINES"
            | "SIGN"
            | "JUST"
            | "JUSTIFIED"
            | "BLANK"
            | "SYNC"
            | "SYNCHRONIZED"
            | "EXTERNAL"
            | "GLOBAL"
    ) || usage_of(word).is_some()
}

/// Nests entries by level number: each takes the following entries of higher
/// level as its members.
fn build(
    items: &mut std::iter::Peekable<std::vec::IntoIter<DataItem>>,
    parent_level: u8,
) -> Vec<DataItem> {
    let mut out = Vec::new();
    while let Some(mut item) = items.next_if(|i| i.level > parent_level) {
        item.children = build(items, item.level);
        out.push(item);
    }
    out
}

impl DataItem {
    /// Sizes of this item and its members, usage inherited from groups.
    fn compute_size(&mut self) {
        self.compute_size_with(None);
    }

    fn compute_size_with(&mut self, inherited: Option<Usage>) {
        let usage = self.usage.or(inherited);
        if self.children.is_empty() {
            self.size = self.elementary_size(usage.unwrap_or(Usage::Display));
            return;
        }
        let mut total = 0u64;
        let mut sizes: Vec<(String, u64)> = Vec::new();
        for child in &mut self.children {
            child.compute_size_with(usage);
            // Saturates: a bogus OCCURS count must not overflow the layout.
            let size = child.size.saturating_mul(child.occurs);
            match child
                .redefines
                .as_ref()
                .and_then(|r| sizes.iter().find(|(n, _)| n == r))
            {
                // Shares the storage of the item it redefines; only a longer one adds.
                Some((_, base)) => total = total.saturating_add(size.saturating_sub(*base)),
                None => total = total.saturating_add(size),
            }
            sizes.push((child.name.clone(), size));
        }
        self.size = total;
    }

    pub(crate) fn elementary_size(&self, usage: Usage) -> u64 {
        let Some(p) = self.picture else {
            return match usage {
                Usage::Float4 | Usage::Pointer => 4,
                Usage::Float8 => 8,
                _ => 0,
            };
        };
        match usage {
            Usage::Binary => match p.digits {
                0..=4 => 2,
                5..=9 => 4,
                _ => 8,
            },
            Usage::Packed => p.digits / 2 + 1,
            Usage::Float4 | Usage::Pointer => 4,
            Usage::Float8 => 8,
            Usage::Display | Usage::National if p.national => p.positions * 2,
            Usage::National => p.positions * 2,
            Usage::Display => p.positions + u64::from(p.signed && self.sign_separate),
        }
    }

    fn emit(
        &self,
        parents: &[&str],
        ctx: &ScanContext<'_>,
        texts: bool,
        emit: &mut dyn FnMut(Item),
    ) {
        let mut path: Vec<&str> = parents.to_vec();
        path.push(&self.name);
        let location = Location::new(ctx.path, self.line);
        let national = self.picture.is_some_and(|p| p.national);
        if self.name != "FILLER" {
            let (max, unit) = if national {
                (self.picture.map_or(0, |p| p.positions), LimitUnit::Utf16)
            } else {
                (self.size, LimitUnit::system_bytes())
            };
            emit(Item::Limit(FieldLimit {
                field: path.join("."),
                max,
                unit,
                location: location.clone(),
            }));
            let text_item = self.picture.is_some_and(|p| p.alphanumeric || p.national);
            let on_screen = ctx
                .library
                .is_some_and(|l| l.value_on_screen(ctx.path, self.line));
            if let (true, true, Some(Value::Text(literal))) = (on_screen, text_item, &self.value)
                && super::has_word(literal)
            {
                // As the programs give their texts: keyed by the text, the
                // item named in the note.
                let text = literal.trim_end();
                emit(Item::Definition(Definition {
                    locale: ctx.locale.map(str::to_string),
                    note: Some(self.name.clone()),
                    flow: vec![own_field(&self.name, max, unit, &location)],
                    ..Definition::new(text.trim_start(), text, location.clone())
                }));
            } else if let (true, true, Some(Value::Text(literal))) = (texts, text_item, &self.value)
            {
                // The literal as written, without the blanks it ends in: never
                // padded to the PICTURE (a legal `PIC X(134217727)` took 7 GB),
                // and never cut to it, so that a literal the compiler cuts is a
                // `field-too-long` flag showing what was meant.
                let text = literal.trim_end_matches(' ');
                if !text.is_empty() {
                    emit(Item::Definition(Definition {
                        locale: ctx.locale.map(str::to_string),
                        flow: vec![own_field(&self.name, max, unit, &location)],
                        ..Definition::new(&self.name, text, location)
                    }));
                }
            }
        }
        for child in &self.children {
            child.emit(&path, ctx, texts, emit);
        }
    }
}

/// The field a `VALUE` text is declared in, as the first (and here only) hop
/// of its flow: `field-too-long` then flags a literal its own PICTURE cuts.
fn own_field(name: &str, max: u64, unit: LimitUnit, declared: &Location) -> FieldHop {
    FieldHop {
        field: name.to_string(),
        max,
        unit,
        declared: declared.clone(),
        via: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;
    use crate::scan::testing::{
        field_max as limits, key_text_line as texts, scan_text, warning_lines,
    };

    fn scan(text: &str) -> Vec<Item> {
        scan_text(&Cobol, "ERRMSG.cpy", &SourceOptions::default(), text)
    }

    #[test]
    fn continuation_literal_runs_through_column_72() {
        // The first literal line stops at column 60; columns 61–72 are spaces of the literal.
        let items = scan(concat!(
            "000100 01  ERRMSG.\n",
            "000200     05  ERR-TEXT     PIC X(80) VALUE 'Операция отклонена:\n",
            "000300-        ' обратитесь в банк'.\n",
        ));
        let first = "Операция отклонена:";
        let head_width =
            "    05  ERR-TEXT     PIC X(80) VALUE '".chars().count() + first.chars().count();
        let expected_len = 65 - head_width;
        let text = format!("{first}{} обратитесь в банк", " ".repeat(expected_len));
        assert_eq!(texts(&items), vec![("ERR-TEXT".to_string(), text, 2)]);
    }

    #[test]
    fn fuzz_huge_picture_is_a_bad_picture_not_out_of_memory() {
        // Found by the `cobol` fuzz target: padding the VALUE to the PICTURE's
        // length tried to allocate 10^17 bytes.
        let items = scan(concat!(
            "       01  ERR-REC.\n",
            "           05  ERR-LIFE   PIC X(99999999999999930) VALUE ''.\n",
            "           05  ERR-MAX    PIC X(18446744073709551615)X.\n",
            "           05  ERR-TEXT   PIC X(5) VALUE 'Ошибка'.\n",
        ));
        assert_eq!(warning_lines(&items), vec![2, 3]);
        assert_eq!(
            texts(&items),
            vec![("ERR-TEXT".to_string(), "Ошибка".to_string(), 4)]
        );
    }

    #[test]
    fn fuzz_huge_occurs_saturates_the_group_size_instead_of_overflowing() {
        let items = scan(concat!(
            "       01  ERR-REC.\n",
            "           05  ERR-ROWS OCCURS 99999999999999999999 TIMES.\n",
            "               10  ERR-ROW  PIC X(134217727).\n",
            "           05  ERR-MORE OCCURS 18446744073709551615 TIMES.\n",
            "               10  ERR-ROW2 PIC X(2).\n",
        ));
        let max = limits(&items);
        assert_eq!(max.first(), Some(&("ERR-REC".to_string(), u64::MAX)));
    }

    #[test]
    fn layout_sizes_with_occurs_redefines_filler_and_usage() {
        let items = scan(concat!(
            "      * a comment line with 'quotes\n",
            "       01  ERR-REC.\n",
            "           05  ERR-CODE        PIC S9(4) COMP.\n",
            "           05  ERR-AMOUNT      PIC S9(7)V99 COMP-3.\n",
            "           05  FILLER          PIC X(2).\n",
            "           05  ERR-LINES OCCURS 3 TIMES.\n",
            "               10  ERR-LINE    PIC X(40).\n",
            "               10  ERR-LEN     PIC 9(3).\n",
            "           05  ERR-ALT REDEFINES ERR-LINES PIC X(129).\n",
            "           05  ERR-NAT         PIC N(10).\n",
            "           05  ERR-SIGN        PIC S9(3) SIGN LEADING SEPARATE.\n",
            "           05  ERR-FLAG        PIC X VALUE 'Y'.\n",
            "               88  ERR-YES     VALUE 'Y'.\n",
            "       77  WS-COUNT            PIC 9(9) BINARY.\n",
        ));
        assert_eq!(
            limits(&items),
            vec![
                ("ERR-REC".to_string(), 2 + 5 + 2 + 129 + 20 + 4 + 1),
                ("ERR-REC.ERR-CODE".to_string(), 2),
                ("ERR-REC.ERR-AMOUNT".to_string(), 5),
                ("ERR-REC.ERR-LINES".to_string(), 43),
                ("ERR-REC.ERR-LINES.ERR-LINE".to_string(), 40),
                ("ERR-REC.ERR-LINES.ERR-LEN".to_string(), 3),
                ("ERR-REC.ERR-ALT".to_string(), 129),
                ("ERR-REC.ERR-NAT".to_string(), 10),
                ("ERR-REC.ERR-SIGN".to_string(), 4),
                ("ERR-REC.ERR-FLAG".to_string(), 1),
                ("WS-COUNT".to_string(), 4),
            ]
        );
        let nat = items.iter().find_map(|i| match i {
            Item::Limit(l) if l.field.ends_with("ERR-NAT") => Some(l.unit),
            _ => None,
        });
        assert_eq!(nat, Some(LimitUnit::Utf16));
        assert_eq!(
            texts(&items),
            vec![("ERR-FLAG".to_string(), "Y".to_string(), 12)]
        );
    }

    #[test]
    /// Regression (#11): `'Hi'` in `PIC X(6)` was the 6-character text `Hi    `,
    /// so its lengths were the field's and it matched no logged `Hi`.
    fn values_are_kept_without_padding_and_figuratives_skipped() {
        let items = scan(concat!(
            "       01  MSGS.\n",
            "           05  M-SHORT   PIC X(6) VALUE 'Hi'.\n",
            "           05  M-LONG    PIC X(3) VALUE \"It\"\"s long\".\n",
            "           05  M-BLANK   PIC X(4) VALUE SPACES.\n",
            "           05  M-ALL     PIC X(4) VALUE ALL '-'.\n",
            "           05  M-HEX     PIC X(2) VALUE X'0D25'.\n",
        ));
        assert_eq!(
            texts(&items),
            vec![
                ("M-SHORT".to_string(), "Hi".to_string(), 2),
                ("M-LONG".to_string(), "It\"s long".to_string(), 3),
            ]
        );
    }

    /// Issue #10: CardDemo's CSUTLDPY.cpy (paragraphs for the procedure
    /// division) gave a warning per line.
    #[test]
    fn procedure_copybooks_are_skipped_without_warnings() {
        let items = scan(concat!(
            "       EDIT-DATE-CCYY.\n",
            "           MOVE 'Y' TO WS-FLAG\n",
            "           IF WS-X = 1 PERFORM Z END-IF.\n",
            "       EDIT-EXIT.\n",
            "           EXIT.\n",
        ));
        assert!(items.is_empty(), "{items:?}");
        let typos = scan("       01 A PIC X.\n       this is not.\n       nor this.\n");
        assert_eq!(warning_lines(&typos), vec![2]);
    }

    #[test]
    fn garbage_entries_warn_and_the_rest_is_read() {
        let items = scan(concat!(
            "       01  A.\n",
            "           05  B   PIC X(5).\n",
            "           this is not cobol.\n",
            "           05  C   PIC X(BAD).\n",
            "           05  D   PIC X(7) VALUE 'unclosed\n",
            "       01  E   PIC X(2).\n",
        ));
        assert_eq!(warning_lines(&items), vec![5, 3, 4]);
        let fields: Vec<String> = limits(&items).into_iter().map(|l| l.0).collect();
        assert!(fields.contains(&"A.B".to_string()));
        assert!(fields.contains(&"E".to_string()), "{fields:?}");
    }
}
