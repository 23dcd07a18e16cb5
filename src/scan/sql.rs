//! SQL scripts (Oracle, SQL*Plus, MySQL, SQL Server DDL): message rows, PL/SQL
//! error texts and column widths.
//!
//! - `INSERT INTO t (cols) VALUES (…), (…)` (and Oracle's `INSERT ALL INTO …`) into
//!   the table the rules name (`options.table`) become definitions: the
//!   `key_field` column is the key, `text_field` the text, `locale_field` (optional)
//!   the locale. Without a column list the columns of a `CREATE TABLE` earlier in
//!   the file are used.
//! - `RAISE_APPLICATION_ERROR(-20nnn, '…')` becomes a definition keyed by its code,
//!   `DBMS_OUTPUT.PUT_LINE('…')` one keyed `DBMS_OUTPUT.PUT_LINE`. A message built
//!   with `||` keeps its literal parts and writes every other operand as `{expr}`,
//!   as the sqlparse oracle does: `'Tablespace ''' || UPPER(x) || ''' missing'` →
//!   `Tablespace '{UPPER(x)}' missing`.
//! - `CREATE TABLE` character columns become field limits named `table.column`:
//!   `VARCHAR2(n CHAR)` counts characters; `VARCHAR2(n)`, `VARCHAR2(n BYTE)`,
//!   `VARCHAR(n)` and `CHAR(n)` count bytes in the database's charset, which the
//!   rules give as the system's `database_charset` ([`LimitUnit::DATABASE_ENCODING`]); `NVARCHAR(n)`,
//!   `NVARCHAR2(n)` and `NCHAR(n)` count UTF-16 code units.
//!
//! Everything is read from one token stream, so quotes and comments never confuse
//! the statement boundaries: `''` escapes, Oracle `q'[…]'` literals with any
//! delimiter, `--` and `/* */` comments, and SQL*Plus command lines (`REM`,
//! `PROMPT`, `SET`, …, `/`) between statements. A malformed INSERT gives a warning
//! naming its line and the scan resumes after its `;`.

use std::collections::HashMap;
use std::io::BufRead;

use super::{Item, ScanContext, Scanner, quoted_literal};
use crate::model::{Definition, FieldLimit, FormatId, LimitUnit, Location, Role, Warning};

pub struct Sql;

impl Scanner for Sql {
    fn id(&self) -> FormatId {
        FormatId::Sql
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["sql", "pks", "pkb", "pls", "plsql", "ddl"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let Some(src) = super::read_document(input, ctx, emit) else {
            return;
        };
        let lexed = lex(&src, ctx.first_line);
        for (line, message) in &lexed.problems {
            emit(Item::Warning(Warning::new(
                ctx.path,
                Some(*line),
                message.clone(),
            )));
        }
        Harvester {
            src: &src,
            tokens: &lexed.tokens,
            ctx,
            emit,
            tables: HashMap::new(),
        }
        .run();
    }
}

/// What a token is; literals hold their decoded value.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    /// Keyword or identifier, or a quoted identifier with its quotes removed.
    Word(String),
    /// A string literal's value.
    Str(String),
    Number(String),
    /// `;` or a SQL*Plus `/` line: the end of a statement.
    End,
    /// `||`
    Concat,
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
    line: u64,
}

impl Token {
    fn is_word(&self, word: &str) -> bool {
        matches!(&self.kind, Kind::Word(w) if w.eq_ignore_ascii_case(word))
    }

    fn is(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }
}

struct Lexed {
    tokens: Vec<Token>,
    /// Unterminated literals and comments, by line.
    problems: Vec<(u64, String)>,
}

/// SQL*Plus commands that may start a line between statements; the line is not SQL.
const SQLPLUS_COMMANDS: &[&str] = &[
    "REM", "REMARK", "PROMPT", "SET", "ACCEPT", "DEFINE", "UNDEFINE", "SPOOL", "WHENEVER",
    "CONNECT", "CONN", "COLUMN", "COL", "TTITLE", "BTITLE", "BREAK", "COMPUTE", "EXIT", "QUIT",
    "PAUSE", "SHOW", "HOST", "START", "CLEAR", "VARIABLE", "VAR", "PRINT", "TIMING", "DESCRIBE",
    "DESC", "GO",
];

fn lex(src: &str, first_line: u64) -> Lexed {
    let bytes = src.as_bytes();
    let mut tokens: Vec<Token> = Vec::new();
    let mut problems = Vec::new();
    let mut line = first_line;
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\n' {
            line += 1;
            i += 1;
            line_start = true;
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let between_statements = tokens.last().is_none_or(|t| t.kind == Kind::End);
        if line_start {
            line_start = false;
            let rest_of_line = &src[i..src[i..].find('\n').map_or(src.len(), |n| i + n)];
            if rest_of_line.trim_end() == "/" {
                tokens.push(Token {
                    kind: Kind::End,
                    start: i,
                    end: i + 1,
                    line,
                });
                i += rest_of_line.len();
                continue;
            }
            let first_word: String = rest_of_line
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .collect();
            let is_command = SQLPLUS_COMMANDS
                .iter()
                .any(|k| k.eq_ignore_ascii_case(&first_word))
                && rest_of_line[first_word.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c.is_whitespace() || c == ';');
            if between_statements && (is_command || rest_of_line.starts_with('@')) {
                i += rest_of_line.len();
                continue;
            }
        }
        let start = i;
        let start_line = line;
        let rest = &src[i..];
        if rest.starts_with("--") {
            i += rest.find('\n').unwrap_or(rest.len());
            continue;
        }
        if let Some(body) = rest.strip_prefix("/*") {
            match body.find("*/") {
                Some(n) => {
                    let end = i + 2 + n + 2;
                    line += count_lines(&src[i..end]);
                    i = end;
                }
                None => {
                    problems.push((start_line, "unterminated /* comment".to_string()));
                    i = src.len();
                }
            }
            continue;
        }
        let (kind, end) = if let Some((prefix, delim)) = q_quote(rest) {
            let body_start = i + prefix;
            let close = closing_delimiter(delim);
            let pattern = format!("{close}'");
            match src[body_start..].find(&pattern) {
                Some(n) => (
                    Kind::Str(src[body_start..body_start + n].to_string()),
                    body_start + n + pattern.len(),
                ),
                None => {
                    problems.push((start_line, "unterminated q'…' literal".to_string()));
                    (Kind::Str(src[body_start..].to_string()), src.len())
                }
            }
        } else if c == b'\'' || ((c == b'N' || c == b'n') && rest[1..].starts_with('\'')) {
            let open = if c == b'\'' { i } else { i + 1 };
            let (value, end, closed) = quoted(src, open, '\'');
            if !closed {
                problems.push((start_line, "unterminated string literal".to_string()));
            }
            (Kind::Str(value), end)
        } else if c == b'"' || c == b'`' {
            let (value, end, closed) = quoted(src, i, c as char);
            if !closed {
                problems.push((start_line, "unterminated quoted identifier".to_string()));
            }
            (Kind::Word(value), end)
        } else if c.is_ascii_digit() {
            let len = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '.'))
                .unwrap_or(rest.len());
            (Kind::Number(rest[..len].to_string()), i + len)
        } else if is_word_char(rest.chars().next().unwrap_or(' ')) {
            let len = rest
                .find(|ch: char| !(is_word_char(ch) || ch.is_ascii_digit()))
                .unwrap_or(rest.len());
            (Kind::Word(rest[..len].to_string()), i + len)
        } else if rest.starts_with("||") {
            (Kind::Concat, i + 2)
        } else {
            let ch = rest.chars().next().unwrap_or(' ');
            let kind = if ch == ';' {
                Kind::End
            } else {
                Kind::Punct(ch)
            };
            (kind, i + ch.len_utf8())
        };
        line += count_lines(&src[start..end]);
        tokens.push(Token {
            kind,
            start,
            end,
            line: start_line,
        });
        i = end;
    }
    Lexed { tokens, problems }
}

fn count_lines(s: &str) -> u64 {
    memchr::memchr_iter(b'\n', s.as_bytes()).count() as u64
}

fn is_word_char(c: char) -> bool {
    c.is_alphabetic() || matches!(c, '_' | '$' | '#' | '&' | ':')
}

/// `q'X` / `nq'X` at the start of `rest`: the prefix length and the delimiter X.
fn q_quote(rest: &str) -> Option<(usize, char)> {
    let lower = rest.get(..3)?.to_ascii_lowercase();
    let prefix = if lower.starts_with("q'") {
        2
    } else if lower == "nq'" {
        3
    } else {
        return None;
    };
    let delim = rest[prefix..].chars().next()?;
    (!delim.is_whitespace()).then_some((prefix + delim.len_utf8(), delim))
}

fn closing_delimiter(open: char) -> char {
    match open {
        '[' => ']',
        '{' => '}',
        '(' => ')',
        '<' => '>',
        c => c,
    }
}

/// A literal opened by `quote` at `open`, with doubled quotes as escapes:
/// (value, end offset, whether it was closed).
fn quoted(src: &str, open: usize, quote: char) -> (String, usize, bool) {
    let rest = &src[open + quote.len_utf8()..];
    match quoted_literal(rest, quote) {
        Ok((value, used)) => (value, src.len() - rest.len() + used, true),
        Err(value) => (value, src.len(), false),
    }
}

/// A value in an INSERT tuple or a message argument.
struct Expr<'t> {
    tokens: &'t [Token],
}

impl Expr<'_> {
    /// The text of a message or value: literals decoded, other `||` operands as
    /// `{source}`; `None` for `NULL`.
    fn text(&self, src: &str) -> Option<String> {
        if let [t] = self.tokens
            && t.is_word("NULL")
        {
            return None;
        }
        let is_number = |t: &Token| matches!(t.kind, Kind::Number(_));
        match self.tokens {
            [n]
            | [
                Token {
                    kind: Kind::Punct('-'),
                    ..
                },
                n,
            ] if is_number(n) => {
                return Some(source(src, self.tokens).to_string());
            }
            _ => {}
        }
        let mut out = String::new();
        for operand in split_top_level(self.tokens, |t| t.kind == Kind::Concat) {
            match operand {
                [] => {}
                [
                    Token {
                        kind: Kind::Str(s), ..
                    },
                ] => out.push_str(s),
                _ => {
                    out.push('{');
                    out.push_str(source(src, operand));
                    out.push('}');
                }
            }
        }
        Some(out)
    }
}

fn source<'s>(src: &'s str, tokens: &[Token]) -> &'s str {
    match (tokens.first(), tokens.last()) {
        (Some(a), Some(b)) => &src[a.start..b.end],
        _ => "",
    }
}

/// Splits tokens at separators outside parentheses.
fn split_top_level(tokens: &[Token], is_separator: impl Fn(&Token) -> bool) -> Vec<&[Token]> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut from = 0;
    for (n, t) in tokens.iter().enumerate() {
        if t.is('(') {
            depth += 1;
        } else if t.is(')') {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && is_separator(t) {
            parts.push(&tokens[from..n]);
            from = n + 1;
        }
    }
    parts.push(&tokens[from..]);
    parts
}

/// The index of the `)` closing the `(` at `open`, if it closes before the statement ends.
fn matching_paren(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (n, t) in tokens.iter().enumerate().skip(open) {
        if t.is('(') {
            depth += 1;
        } else if t.is(')') {
            depth -= 1;
            if depth == 0 {
                return Some(n);
            }
        } else if t.kind == Kind::End {
            return None;
        }
    }
    None
}

struct Harvester<'a, 'e> {
    src: &'a str,
    tokens: &'a [Token],
    ctx: &'a ScanContext<'a>,
    emit: &'e mut dyn FnMut(Item),
    /// Column names of the tables created in this file, by lower-case table name.
    tables: HashMap<String, Vec<String>>,
}

/// Why an INSERT could not be read.
struct Malformed(String);

impl Harvester<'_, '_> {
    fn run(&mut self) {
        let mut i = 0;
        while i < self.tokens.len() {
            let t = &self.tokens[i];
            let next = if t.is_word("RAISE_APPLICATION_ERROR") {
                self.message(i, i + 1, true)
            } else if t.is_word("DBMS_OUTPUT")
                && self.tokens.get(i + 1).is_some_and(|t| t.is('.'))
                && self
                    .tokens
                    .get(i + 2)
                    .is_some_and(|t| t.is_word("PUT_LINE"))
            {
                self.message(i, i + 3, false)
            } else if t.is_word("INSERT")
                && self
                    .tokens
                    .get(i + 1)
                    .is_some_and(|n| n.is_word("INTO") || n.is_word("ALL") || n.is_word("FIRST"))
            {
                match self.insert(i) {
                    Ok(next) => next,
                    Err(Malformed(message)) => {
                        self.warn(t.line, format!("malformed INSERT: {message}"));
                        self.statement_end(i)
                    }
                }
            } else if t.is_word("CREATE") {
                self.create_table(i)
            } else {
                i + 1
            };
            i = next.max(i + 1);
        }
    }

    fn warn(&mut self, line: u64, message: String) {
        (self.emit)(Item::Warning(Warning::new(
            self.ctx.path,
            Some(line),
            message,
        )));
    }

    fn statement_end(&self, from: usize) -> usize {
        self.tokens[from..]
            .iter()
            .position(|t| t.kind == Kind::End)
            .map_or(self.tokens.len(), |n| from + n + 1)
    }

    /// `RAISE_APPLICATION_ERROR(code, message)` or `DBMS_OUTPUT.PUT_LINE(message)`
    /// with its `(` at `open`.
    fn message(&mut self, at: usize, open: usize, with_code: bool) -> usize {
        if !self.tokens.get(open).is_some_and(|t| t.is('(')) {
            return at + 1;
        }
        let Some(close) = matching_paren(self.tokens, open) else {
            return at + 1;
        };
        let args = split_top_level(&self.tokens[open + 1..close], |t| t.is(','));
        let (key, message) = if with_code {
            (source(self.src, args[0]).to_string(), args.get(1).copied())
        } else {
            ("DBMS_OUTPUT.PUT_LINE".to_string(), args.first().copied())
        };
        let text = message
            .and_then(|tokens| Expr { tokens }.text(self.src))
            .unwrap_or_default();
        let line = self.tokens[at].line;
        (self.emit)(Item::Definition(Definition {
            locale: self.ctx.locale.map(str::to_string),
            ..Definition::new(key, text, Location::new(self.ctx.path, line))
        }));
        close + 1
    }

    /// `INSERT [ALL] INTO t [(cols)] VALUES (…)[, (…)]… [INTO …]`; returns where to go on.
    fn insert(&mut self, at: usize) -> Result<usize, Malformed> {
        let mut i = at + 1;
        if self
            .tokens
            .get(i)
            .is_some_and(|t| t.is_word("ALL") || t.is_word("FIRST"))
        {
            i += 1;
        }
        let mut any = false;
        while self.tokens.get(i).is_some_and(|t| t.is_word("INTO")) {
            i = self.insert_into(i + 1)?;
            any = true;
        }
        if !any {
            return Err(Malformed("expected INTO".to_string()));
        }
        Ok(i)
    }

    /// One `t [(cols)] VALUES …` clause starting at the table name.
    fn insert_into(&mut self, mut i: usize) -> Result<usize, Malformed> {
        let table = self.qualified_name(&mut i)?;
        let columns = if self.tokens.get(i).is_some_and(|t| t.is('(')) {
            let close = matching_paren(self.tokens, i)
                .ok_or_else(|| Malformed("unclosed column list".to_string()))?;
            let names = split_top_level(&self.tokens[i + 1..close], |t| t.is(','))
                .into_iter()
                .map(|part| match part {
                    [
                        Token {
                            kind: Kind::Word(w),
                            ..
                        },
                    ] => Ok(w.clone()),
                    _ => Err(Malformed(format!(
                        "bad column name `{}`",
                        source(self.src, part)
                    ))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            i = close + 1;
            Some(names)
        } else {
            None
        };
        if !self.tokens.get(i).is_some_and(|t| t.is_word("VALUES")) {
            // INSERT … SELECT: no literal rows to read.
            return Ok(self.statement_end(i));
        }
        i += 1;
        let mut rows = Vec::new();
        loop {
            if !self.tokens.get(i).is_some_and(|t| t.is('(')) {
                return Err(Malformed("expected `(` after VALUES".to_string()));
            }
            let close = matching_paren(self.tokens, i)
                .ok_or_else(|| Malformed("unclosed VALUES tuple".to_string()))?;
            rows.push((i, close));
            i = close + 1;
            if self.tokens.get(i).is_some_and(|t| t.is(',')) {
                i += 1;
            } else {
                break;
            }
        }
        self.insert_rows(&table, columns, &rows);
        Ok(i)
    }

    /// `name` or `schema.name`, unquoted; advances `i` past it.
    fn qualified_name(&self, i: &mut usize) -> Result<String, Malformed> {
        let mut name = None;
        while let Some(Token {
            kind: Kind::Word(w),
            ..
        }) = self.tokens.get(*i)
        {
            name = Some(w.clone());
            *i += 1;
            if self.tokens.get(*i).is_some_and(|t| t.is('.')) {
                *i += 1;
            } else {
                break;
            }
        }
        name.ok_or_else(|| Malformed("expected a table name".to_string()))
    }

    fn insert_rows(&mut self, table: &str, columns: Option<Vec<String>>, rows: &[(usize, usize)]) {
        let options = self.ctx.options;
        let Some(wanted) = &options.table else {
            return;
        };
        if !wanted
            .rsplit('.')
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(table))
        {
            return;
        }
        let line = self.tokens[rows[0].0].line;
        let columns = match columns.or_else(|| self.tables.get(&table.to_lowercase()).cloned()) {
            Some(c) => c,
            None => {
                self.warn(
                    line,
                    format!("INSERT INTO {table} without a column list and no CREATE TABLE for it"),
                );
                return;
            }
        };
        let position = |field: &Option<String>| {
            field
                .as_ref()
                .and_then(|f| columns.iter().position(|c| c.eq_ignore_ascii_case(f)))
        };
        let (Some(key_at), Some(text_at)) =
            (position(&options.key_field), position(&options.text_field))
        else {
            self.warn(
                line,
                format!(
                    "INSERT INTO {table}: key_field and text_field must name columns of ({})",
                    columns.join(", ")
                ),
            );
            return;
        };
        let locale_at = position(&options.locale_field);
        for &(open, close) in rows {
            let values = split_top_level(&self.tokens[open + 1..close], |t| t.is(','));
            let line = self.tokens[open].line;
            if values.len() != columns.len() {
                self.warn(
                    line,
                    format!(
                        "malformed INSERT: {} values for {} columns, row skipped",
                        values.len(),
                        columns.len()
                    ),
                );
                continue;
            }
            let value = |n: usize| Expr { tokens: values[n] }.text(self.src);
            let (Some(key), Some(text)) = (value(key_at), value(text_at)) else {
                continue;
            };
            let locale = locale_at
                .and_then(value)
                .or_else(|| self.ctx.locale.map(str::to_string));
            (self.emit)(Item::Definition(Definition {
                locale,
                ..Definition::new(key, text, Location::new(self.ctx.path, line))
            }));
        }
    }

    /// `CREATE [OR REPLACE] [GLOBAL TEMPORARY] TABLE [IF NOT EXISTS] t (…)`.
    fn create_table(&mut self, at: usize) -> usize {
        let mut i = at + 1;
        while self.tokens.get(i).is_some_and(|t| {
            ["OR", "REPLACE", "GLOBAL", "TEMPORARY", "TEMP", "PRIVATE"]
                .iter()
                .any(|w| t.is_word(w))
        }) {
            i += 1;
        }
        if !self.tokens.get(i).is_some_and(|t| t.is_word("TABLE")) {
            return at + 1;
        }
        i += 1;
        if self.tokens.get(i).is_some_and(|t| t.is_word("IF")) {
            i += 3;
        }
        let Ok(table) = self.qualified_name(&mut i) else {
            return at + 1;
        };
        if !self.tokens.get(i).is_some_and(|t| t.is('(')) {
            return i;
        }
        let Some(close) = matching_paren(self.tokens, i) else {
            self.warn(
                self.tokens[at].line,
                format!("CREATE TABLE {table}: unclosed column list"),
            );
            return i + 1;
        };
        let mut columns = Vec::new();
        for def in split_top_level(&self.tokens[i + 1..close], |t| t.is(',')) {
            let Some(Token {
                kind: Kind::Word(column),
                line,
                ..
            }) = def.first()
            else {
                continue;
            };
            let constraint = [
                "CONSTRAINT",
                "PRIMARY",
                "UNIQUE",
                "FOREIGN",
                "CHECK",
                "KEY",
                "INDEX",
            ]
            .iter()
            .any(|w| def[0].is_word(w));
            if constraint {
                continue;
            }
            columns.push(column.clone());
            if let Some((max, unit)) = column_limit(&def[1..]) {
                (self.emit)(Item::Limit(FieldLimit {
                    field: format!("{table}.{column}"),
                    max,
                    unit,
                    location: Location::new(self.ctx.path, *line),
                }));
            }
        }
        self.tables.insert(table.to_lowercase(), columns);
        close + 1
    }
}

/// The length limit of a column type: `VARCHAR2(40 CHAR)` → (40, chars).
fn column_limit(def: &[Token]) -> Option<(u64, LimitUnit)> {
    let Some(Token {
        kind: Kind::Word(first),
        ..
    }) = def.first()
    else {
        return None;
    };
    let mut type_name = first.to_ascii_uppercase();
    let mut i = 1;
    // Multi-word spellings: CHARACTER VARYING, NATIONAL CHAR(ACTER) [VARYING], NCHAR VARYING.
    while let Some(Token {
        kind: Kind::Word(w),
        ..
    }) = def.get(i)
    {
        let w = w.to_ascii_uppercase();
        if !matches!(w.as_str(), "VARYING" | "CHAR" | "CHARACTER") {
            break;
        }
        type_name = format!("{type_name} {w}");
        i += 1;
    }
    let national = matches!(
        type_name.as_str(),
        "NVARCHAR"
            | "NVARCHAR2"
            | "NCHAR"
            | "NCHAR VARYING"
            | "NATIONAL CHAR"
            | "NATIONAL CHARACTER"
            | "NATIONAL CHAR VARYING"
            | "NATIONAL CHARACTER VARYING"
    );
    let character = matches!(
        type_name.as_str(),
        "VARCHAR" | "VARCHAR2" | "CHAR" | "CHARACTER" | "CHAR VARYING" | "CHARACTER VARYING"
    );
    if !(national || character) || !def.get(i).is_some_and(|t| t.is('(')) {
        return None;
    }
    let Some(Token {
        kind: Kind::Number(n),
        ..
    }) = def.get(i + 1)
    else {
        return None;
    };
    let max: u64 = n.parse().ok()?;
    let char_semantics = def.get(i + 2).is_some_and(|t| t.is_word("CHAR"));
    let unit = if national {
        LimitUnit::Utf16
    } else if char_semantics {
        LimitUnit::Chars
    } else {
        LimitUnit::database_bytes()
    };
    Some((max, unit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;
    use crate::scan::testing::{key_text_line as defs, scan_text, warning_lines};

    fn scan_with(options: &SourceOptions, sql: &str) -> Vec<Item> {
        scan_text(&Sql, "messages.sql", options, sql)
    }

    fn scan(sql: &str) -> Vec<Item> {
        scan_with(&SourceOptions::default(), sql)
    }

    #[test]
    fn lexer_handles_q_quotes_escapes_and_comments() {
        for (sql, value) in [
            ("q'[it's [x]]'", "it's [x]"),
            ("Q'{a}b}'", "a}b"),
            ("q'(x)'", "x"),
            ("q'<y>'", "y"),
            ("q'!z'!'", "z'"),
            ("nq'#ж#'", "ж"),
            ("N'ж'", "ж"),
            ("'it''s'", "it's"),
        ] {
            let lexed = lex(sql, 1);
            assert_eq!(lexed.tokens.len(), 1, "{sql}");
            assert_eq!(lexed.tokens[0].kind, Kind::Str(value.to_string()), "{sql}");
        }
        let lexed = lex("-- don't\n/* it's */ a;\nb", 1);
        let lines: Vec<u64> = lexed.tokens.iter().map(|t| t.line).collect();
        assert_eq!(lines, vec![2, 2, 3]);
        assert!(lexed.problems.is_empty());
    }
    fn message_options() -> SourceOptions {
        SourceOptions {
            table: Some("app.err_messages".to_string()),
            key_field: Some("code".to_string()),
            text_field: Some("text".to_string()),
            locale_field: Some("lang".to_string()),
            ..SourceOptions::default()
        }
    }

    #[test]
    fn multi_row_inserts_map_columns_by_rules() {
        let items = scan_with(
            &message_options(),
            "-- the client's messages\n\
             INSERT INTO err_messages (code, lang, text) VALUES\n\
               ('E1', 'ru', 'Счёт ''закрыт'''),\n\
               ('E2', 'ru', q'[Don't retry; call us]'),\n\
               (-3, NULL, 'Limit ' || :amt || ' exceeded');\n\
             INSERT INTO other (code, text) VALUES ('X', 'not ours');\n\
             INSERT INTO ERR_MESSAGES (code, lang, text) SELECT code, lang, text FROM staging;\n",
        );
        assert_eq!(
            defs(&items),
            vec![
                ("E1".to_string(), "Счёт 'закрыт'".to_string(), 3),
                ("E2".to_string(), "Don't retry; call us".to_string(), 4),
                ("-3".to_string(), "Limit {:amt} exceeded".to_string(), 5),
            ]
        );
        let Item::Definition(first) = &items[0] else {
            panic!("{items:?}")
        };
        assert_eq!(first.locale.as_deref(), Some("ru"));
    }

    #[test]
    fn broken_insert_warns_and_the_rest_is_harvested() {
        let items = scan_with(
            &message_options(),
            "INSERT INTO err_messages (code, lang, text) VALUES ('E1', 'ru', 'ok');\n\
             INSERT INTO err_messages (code, lang, text) VALUES ('E2', 'ru' 'missing comma');\n\
             INSERT INTO err_messages (code, lang, text) VALUES ('E3', 'ru', 'unclosed';\n\
             INSERT INTO err_messages VALUES ('E4', 'ru', 'no columns');\n\
             INSERT INTO err_messages (code, lang, text) VALUES ('E5', 'ru', 'after');\n",
        );
        let keys: Vec<String> = defs(&items).into_iter().map(|d| d.0).collect();
        assert_eq!(keys, vec!["E1", "E5"]);
        assert_eq!(warning_lines(&items), vec![2, 3, 4]);
    }

    #[test]
    fn insert_without_columns_uses_create_table() {
        let items = scan_with(
            &message_options(),
            "CREATE TABLE err_messages (code VARCHAR2(10), lang CHAR(2), text VARCHAR2(200 CHAR));\n\
             INSERT INTO err_messages VALUES ('E4', 'ru', 'Ошибка');\n",
        );
        assert_eq!(defs(&items), vec![("E4".into(), "Ошибка".into(), 2)]);
    }

    #[test]
    fn plsql_messages_follow_the_oracle() {
        let items = scan(
            "rem doesn't matter\n\
             PROMPT it's a prompt\n\
             BEGIN\n\
               -- doesn't\n\
               RAISE_APPLICATION_ERROR(-20998, 'Error: the tablespace ''' || UPPER('&tbs') || ''' does not exist!');\n\
               raise_application_error (-20205,\n\
                 'You may only make changes during normal office hours');\n\
               DBMS_OUTPUT.PUT_LINE('Old schema dropped.');\n\
             END;\n\
             /\n",
        );
        assert_eq!(
            defs(&items),
            vec![
                (
                    "-20998".to_string(),
                    "Error: the tablespace '{UPPER('&tbs')}' does not exist!".to_string(),
                    5
                ),
                (
                    "-20205".to_string(),
                    "You may only make changes during normal office hours".to_string(),
                    6
                ),
                (
                    "DBMS_OUTPUT.PUT_LINE".to_string(),
                    "Old schema dropped.".to_string(),
                    8
                ),
            ]
        );
    }

    #[test]
    fn ddl_column_limits_and_units() {
        let items = scan(
            "CREATE TABLE hr.messages (\n\
               id NUMBER(10) PRIMARY KEY,\n\
               code VARCHAR2(10),\n\
               text_b VARCHAR2(200 BYTE),\n\
               text_c VARCHAR2(100 CHAR) NOT NULL,\n\
               flag CHAR(1),\n\
               text_n NVARCHAR2(50),\n\
               `sms` varchar(160),\n\
               body CLOB,\n\
               CONSTRAINT pk PRIMARY KEY (id)\n\
             );\n",
        );
        let limits: Vec<(String, u64, LimitUnit, u64)> = items
            .iter()
            .filter_map(|i| match i {
                Item::Limit(l) => Some((l.field.clone(), l.max, l.unit, l.location.line)),
                _ => None,
            })
            .collect();
        let bytes = LimitUnit::database_bytes;
        assert_eq!(
            limits,
            vec![
                ("messages.code".to_string(), 10, bytes(), 3),
                ("messages.text_b".to_string(), 200, bytes(), 4),
                ("messages.text_c".to_string(), 100, LimitUnit::Chars, 5),
                ("messages.flag".to_string(), 1, bytes(), 6),
                ("messages.text_n".to_string(), 50, LimitUnit::Utf16, 7),
                ("messages.sms".to_string(), 160, bytes(), 8),
            ]
        );
    }

    #[test]
    fn insert_as_a_trigger_event_is_not_a_statement() {
        let items = scan_with(
            &message_options(),
            "CREATE OR REPLACE TRIGGER t BEFORE INSERT OR UPDATE ON err_messages\nBEGIN NULL; END;\n/\n",
        );
        assert!(items.is_empty(), "{items:?}");
    }
}
