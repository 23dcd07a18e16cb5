//! Java and Kotlin sources: client texts hard-coded where no resource bundle
//! was ever used.
//!
//! What becomes a definition (zero-config):
//! - the text argument of an exception constructor: a call of a class whose
//!   name ends in `Exception` or `Error` (`throw new LoanNotFoundException("…")`,
//!   Kotlin `throw IllegalStateException("…")`, `orElseThrow(() -> new …("…"))`,
//!   and `super("…")` in the body of such a class).
//!   The first argument that is a string expression is the text; when it looks
//!   like a message code (`error.msg.loan.not.found`: no spaces, a `.` or `_`)
//!   and a second string argument follows, the first is the key and the second
//!   the text (Apache Fineract's `PlatformDataIntegrityException(code, text, …)`).
//! - with the rules' `calls` (`["addError(text)", "ApiError(code, text)"]`),
//!   the arguments of those calls: `code` is the key, `text` the text.
//!
//! A text argument is a string literal, a concatenation (`"Limit " + max + "
//! exceeded"` → `Limit <*> exceeded`: every operand that is no literal becomes a
//! `<*>` placeholder), a `String.format`/`MessageFormat.format`/`.formatted`/
//! Kotlin `.format` call (its pattern, whose `%s` and `{0}` the masker knows), or
//! a Kotlin string template (`"Limit $max"`, `"${a.b}"` → `<*>`). Anything else
//! (a variable, `e.getMessage()`, a ternary) is no text. A definition's key is
//! the code, else the text itself (as gettext keys by msgid); its note names the
//! call. Texts inside log statements (`log.info(…)`, `LOGGER.error(…)`,
//! `System.out.println(…)`) are never client texts, not even an exception built
//! there.
//!
//! A real lexer reads the source: `//` and `/* */` comments, string and char
//! literals with their escapes (octal, `\s`), Java text blocks (`"""`, with
//! incidental indentation removed and `\<newline>` joins), Java's `\u` escapes (four hex digits)
//! translated everywhere before lexing (as javac does: `\u0022` is a quote),
//! Kotlin's raw strings and nested templates. Nesting (parentheses, templates
//! inside templates) is followed with explicit stacks, never by recursion, so no
//! input can overflow the stack. An unterminated literal or comment is a warning
//! naming its line; the rest of the file is still read.

use std::io::BufRead;

use super::{Item, ScanContext, Scanner, read_document};
use crate::model::{Definition, FormatId, Location, Role, Warning};
use crate::rules::{CallArg, CallSpec};

/// `.java` sources.
pub struct Java;
/// `.kt` and `.kts` sources.
pub struct Kotlin;

impl Scanner for Java {
    fn id(&self) -> FormatId {
        FormatId::Java
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["java"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        scan(Lang::Java, input, ctx, emit);
    }
}

impl Scanner for Kotlin {
    fn id(&self) -> FormatId {
        FormatId::Kotlin
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["kt", "kts"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        scan(Lang::Kotlin, input, ctx, emit);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Java,
    Kotlin,
}

fn scan(lang: Lang, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
    let Some(src) = read_document(input, ctx, emit) else {
        return;
    };
    let chars = match lang {
        Lang::Java => unicode_escapes(&src, ctx.first_line),
        Lang::Kotlin => numbered(&src, ctx.first_line),
    };
    let lexed = Lexer::new(lang, &chars).run();
    for (line, message) in lexed.problems {
        emit(Item::Warning(Warning::new(ctx.path, Some(line), message)));
    }
    let calls = ctx.options.calls.as_deref().unwrap_or_default();
    harvest(&lexed.tokens, calls, &mut |found| {
        let mut d = Definition::new(
            found.key.unwrap_or_else(|| found.text.clone()),
            found.text,
            Location::new(ctx.path, found.line),
        );
        d.locale = ctx.locale.map(str::to_string);
        d.note = Some(format!("{}(…)", found.callee));
        emit(Item::Definition(d));
    });
}

/// A character of the source and the line it starts on.
type Numbered = Vec<(char, u64)>;

fn numbered(src: &str, first_line: u64) -> Numbered {
    let mut line = first_line;
    src.chars()
        .map(|c| {
            let at = (c, line);
            if c == '\n' {
                line += 1;
            }
            at
        })
        .collect()
}

/// The source with Java's Unicode escapes translated (JLS 3.3): `\` followed by
/// one or more `u` and four hex digits, unless the backslash is itself escaped
/// (preceded by an odd number of backslashes). Surrogate pairs join; a lone
/// surrogate becomes U+FFFD and a malformed escape stays as written (javac
/// rejects both; errata reads on).
fn unicode_escapes(src: &str, first_line: u64) -> Numbered {
    let raw = numbered(src, first_line);
    let mut out: Numbered = Vec::with_capacity(raw.len());
    let mut i = 0;
    let mut backslashes = 0usize;
    let mut pending_high: Option<(u16, u64, usize)> = None;
    while i < raw.len() {
        let (c, line) = raw[i];
        if c == '\\' && backslashes.is_multiple_of(2) {
            let mut j = i + 1;
            while j < raw.len() && raw[j].0 == 'u' {
                j += 1;
            }
            let hex: String = raw
                .get(j..j + 4)
                .map_or(String::new(), |h| h.iter().map(|&(c, _)| c).collect());
            if j > i + 1
                && hex.len() == 4
                && let Ok(unit) = u16::from_str_radix(&hex, 16)
                && hex.chars().all(|c| c.is_ascii_hexdigit())
            {
                i = j + 4;
                backslashes = 0;
                if let Some((high, high_line, at)) = pending_high.take()
                    && (0xDC00..0xE000).contains(&unit)
                {
                    let c =
                        0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00);
                    out[at] = (
                        char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER),
                        high_line,
                    );
                    continue;
                }
                if (0xD800..0xDC00).contains(&unit) {
                    pending_high = Some((unit, line, out.len()));
                    out.push((char::REPLACEMENT_CHARACTER, line));
                } else {
                    out.push((
                        char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER),
                        line,
                    ));
                }
                continue;
            }
        }
        pending_high = None;
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        out.push((c, line));
        i += 1;
    }
    out
}

/// A piece of a string literal: text, or a Kotlin template's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Hole,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(Vec<Part>),
    Char(char),
    Num(String),
    Punct(char),
}

#[derive(Debug)]
struct Token {
    tok: Tok,
    line: u64,
}

struct Lexed {
    tokens: Vec<Token>,
    problems: Vec<(u64, String)>,
}

struct Lexer<'a> {
    lang: Lang,
    src: &'a [(char, u64)],
    at: usize,
    tokens: Vec<Token>,
    problems: Vec<(u64, String)>,
}

impl<'a> Lexer<'a> {
    fn new(lang: Lang, src: &'a [(char, u64)]) -> Self {
        Lexer {
            lang,
            src,
            at: 0,
            tokens: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn peek(&self, ahead: usize) -> Option<char> {
        self.src.get(self.at + ahead).map(|&(c, _)| c)
    }

    fn line(&self) -> u64 {
        self.src
            .get(self.at)
            .or(self.src.last())
            .map_or(1, |&(_, l)| l)
    }

    fn starts_with(&self, s: &str) -> bool {
        s.chars().enumerate().all(|(k, c)| self.peek(k) == Some(c))
    }

    fn push(&mut self, tok: Tok, line: u64) {
        self.tokens.push(Token { tok, line });
    }

    fn run(mut self) -> Lexed {
        while let Some(c) = self.peek(0) {
            let line = self.line();
            if c.is_whitespace() {
                self.at += 1;
            } else if self.starts_with("//") {
                while self.peek(0).is_some_and(|c| c != '\n') {
                    self.at += 1;
                }
            } else if self.starts_with("/*") {
                self.block_comment(line);
            } else if self.starts_with("\"\"\"") {
                self.at += 3;
                let parts = match self.lang {
                    Lang::Java => self.text_block(line),
                    Lang::Kotlin => self.kotlin_string(line, true),
                };
                self.push(Tok::Str(parts), line);
            } else if c == '"' {
                self.at += 1;
                let parts = match self.lang {
                    Lang::Java => vec![Part::Text(self.java_string(line))],
                    Lang::Kotlin => self.kotlin_string(line, false),
                };
                self.push(Tok::Str(parts), line);
            } else if c == '\'' {
                self.char_literal(line);
            } else if c.is_ascii_digit() {
                let start = self.at;
                while self
                    .peek(0)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                {
                    self.at += 1;
                }
                let text = self.src[start..self.at].iter().map(|&(c, _)| c).collect();
                self.push(Tok::Num(text), line);
            } else if c.is_alphabetic() || c == '_' || c == '$' {
                let start = self.at;
                while self
                    .peek(0)
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
                {
                    self.at += 1;
                }
                let text = self.src[start..self.at].iter().map(|&(c, _)| c).collect();
                self.push(Tok::Ident(text), line);
            } else if c == '`' && self.lang == Lang::Kotlin {
                // A Kotlin identifier in backticks (`fun `is valid`()`).
                self.at += 1;
                let start = self.at;
                while self.peek(0).is_some_and(|c| c != '`' && c != '\n') {
                    self.at += 1;
                }
                let text = self.src[start..self.at].iter().map(|&(c, _)| c).collect();
                self.at += 1;
                self.push(Tok::Ident(text), line);
            } else {
                self.at += 1;
                self.push(Tok::Punct(c), line);
            }
        }
        Lexed {
            tokens: self.tokens,
            problems: self.problems,
        }
    }

    fn problem(&mut self, line: u64, message: &str) {
        self.problems.push((line, message.to_string()));
    }

    fn block_comment(&mut self, line: u64) {
        self.at += 2;
        // Kotlin block comments nest; Java's do not.
        let mut depth = 1usize;
        while depth > 0 {
            if self.peek(0).is_none() {
                return self.problem(
                    line,
                    "unterminated block comment: the rest of the file is a comment",
                );
            }
            if self.starts_with("*/") {
                depth -= 1;
                self.at += 2;
            } else if self.lang == Lang::Kotlin && self.starts_with("/*") {
                depth += 1;
                self.at += 2;
            } else {
                self.at += 1;
            }
        }
    }

    /// A backslash escape after the backslash, in Java or Kotlin; `None` when
    /// it is a line continuation of a text block (nothing to add).
    fn escape(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.at += 1;
        Some(match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' => '\u{8}',
            'f' if self.lang == Lang::Java => '\u{c}',
            's' if self.lang == Lang::Java => ' ',
            '\n' if self.lang == Lang::Java => return None,
            '0'..='7' if self.lang == Lang::Java => {
                // Octal: up to three digits, at most \377.
                let mut value = c.to_digit(8).unwrap_or(0);
                let max_digits = if c <= '3' { 3 } else { 2 };
                for _ in 1..max_digits {
                    match self.peek(0).and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            self.at += 1;
                        }
                        None => break,
                    }
                }
                char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            'u' if self.lang == Lang::Kotlin => {
                let hex: String = (0..4).filter_map(|k| self.peek(k)).collect();
                match u32::from_str_radix(&hex, 16)
                    .ok()
                    .filter(|_| hex.len() == 4)
                {
                    Some(v) => {
                        self.at += 4;
                        char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER)
                    }
                    None => 'u',
                }
            }
            other => other,
        })
    }

    /// A Java string literal after its opening quote; ends at the line's end
    /// with a warning when unterminated.
    fn java_string(&mut self, line: u64) -> String {
        let mut out = String::new();
        loop {
            match self.peek(0) {
                Some('"') => {
                    self.at += 1;
                    return out;
                }
                Some('\\') => {
                    self.at += 1;
                    out.extend(self.escape());
                }
                Some('\n') | None => {
                    self.problem(line, "unterminated string literal");
                    return out;
                }
                Some(c) => {
                    self.at += 1;
                    out.push(c);
                }
            }
        }
    }

    /// A Java text block after its opening `"""` (JLS 3.10.6): the content
    /// starts on the next line; incidental indentation (the least of the
    /// non-blank lines and the closing line) and trailing spaces are removed,
    /// then escapes are interpreted.
    fn text_block(&mut self, line: u64) -> Vec<Part> {
        while self.peek(0).is_some_and(|c| c != '\n' && c.is_whitespace()) {
            self.at += 1;
        }
        if self.peek(0) == Some('\n') {
            self.at += 1;
        }
        let start = self.at;
        let mut escaped = false;
        let end = loop {
            match self.peek(0) {
                None => {
                    self.problem(line, "unterminated text block");
                    break self.at;
                }
                Some('"') if !escaped && self.starts_with("\"\"\"") => {
                    let end = self.at;
                    self.at += 3;
                    break end;
                }
                Some(c) => {
                    escaped = c == '\\' && !escaped;
                    self.at += 1;
                }
            }
        };
        let raw: String = self.src[start..end].iter().map(|&(c, _)| c).collect();
        let lines: Vec<&str> = raw.split('\n').collect();
        let closing_alone = lines.last().is_some_and(|l| l.trim().is_empty());
        let indent = lines
            .iter()
            .enumerate()
            .filter(|&(k, l)| !l.trim().is_empty() || (closing_alone && k == lines.len() - 1))
            .map(|(_, l)| l.chars().take_while(|c| c.is_whitespace()).count())
            .min()
            .unwrap_or(0);
        let stripped: Vec<String> = lines
            .iter()
            .map(|l| {
                let body: String = l.chars().skip(indent).collect();
                body.trim_end().to_string()
            })
            .collect();
        let joined = stripped.join("\n");
        // Escapes come after the stripping: re-lex the joined text.
        let chars = numbered(&joined, line);
        let mut sub = Lexer::new(Lang::Java, &chars);
        let mut out = String::new();
        while let Some(c) = sub.peek(0) {
            sub.at += 1;
            if c == '\\' {
                out.extend(sub.escape());
            } else {
                out.push(c);
            }
        }
        vec![Part::Text(out)]
    }

    /// A Kotlin string after its opening quote(s): escapes (not in raw
    /// strings), `$name` and `${…}` templates as holes. The expressions of
    /// templates may hold strings with templates of their own: an explicit
    /// stack follows them, and their text is no part of the outer string.
    fn kotlin_string(&mut self, line: u64, raw: bool) -> Vec<Part> {
        /// Where the scan is: in a string (raw or not), or in a template
        /// expression with its open braces.
        enum Mode {
            Str { raw: bool },
            Expr { braces: usize },
        }
        let mut stack = vec![Mode::Str { raw }];
        let mut parts: Vec<Part> = Vec::new();
        let mut text = String::new();
        loop {
            let outer = stack.len() == 1;
            let Some(mode) = stack.last_mut() else {
                break;
            };
            let Some(c) = self.peek(0) else {
                self.problem(line, "unterminated string literal");
                break;
            };
            match mode {
                Mode::Str { raw } => {
                    let raw = *raw;
                    if raw && self.starts_with("\"\"\"") {
                        // A raw string ends at the last of a run of quotes.
                        let mut run = 3;
                        while self.peek(run) == Some('"') {
                            run += 1;
                        }
                        if outer {
                            text.extend(std::iter::repeat_n('"', run - 3));
                        }
                        self.at += run;
                        stack.pop();
                    } else if !raw && c == '"' {
                        self.at += 1;
                        stack.pop();
                    } else if !raw && c == '\n' {
                        self.problem(line, "unterminated string literal");
                        stack.pop();
                    } else if !raw && c == '\\' {
                        self.at += 1;
                        let e = self.escape();
                        if outer {
                            text.extend(e);
                        }
                    } else if c == '$' && self.peek(1) == Some('{') {
                        self.at += 2;
                        if outer {
                            parts.push(Part::Text(std::mem::take(&mut text)));
                            parts.push(Part::Hole);
                        }
                        stack.push(Mode::Expr { braces: 1 });
                    } else if c == '$'
                        && self
                            .peek(1)
                            .is_some_and(|n| n.is_alphabetic() || n == '_' || n == '`')
                    {
                        self.at += 1;
                        while self
                            .peek(0)
                            .is_some_and(|c| c.is_alphanumeric() || c == '_')
                        {
                            self.at += 1;
                        }
                        if outer {
                            parts.push(Part::Text(std::mem::take(&mut text)));
                            parts.push(Part::Hole);
                        }
                    } else {
                        self.at += 1;
                        if outer {
                            text.push(c);
                        }
                    }
                }
                Mode::Expr { braces } => {
                    if self.starts_with("\"\"\"") {
                        self.at += 3;
                        stack.push(Mode::Str { raw: true });
                    } else if c == '"' {
                        self.at += 1;
                        stack.push(Mode::Str { raw: false });
                    } else if c == '{' {
                        *braces += 1;
                        self.at += 1;
                    } else if c == '}' {
                        *braces -= 1;
                        self.at += 1;
                        if *braces == 0 {
                            stack.pop();
                        }
                    } else {
                        self.at += 1;
                    }
                }
            }
        }
        parts.push(Part::Text(text));
        parts.retain(|p| *p != Part::Text(String::new()));
        parts
    }

    fn char_literal(&mut self, line: u64) {
        self.at += 1;
        let c = match self.peek(0) {
            Some('\\') => {
                self.at += 1;
                self.escape().unwrap_or('\n')
            }
            Some(c) if c != '\n' => {
                self.at += 1;
                c
            }
            _ => {
                self.problem(line, "unterminated char literal");
                return;
            }
        };
        if self.peek(0) == Some('\'') {
            self.at += 1;
            self.push(Tok::Char(c), line);
        } else {
            // Not a char literal after all (a stray quote): read on from here.
            self.problem(line, "unterminated char literal");
        }
    }
}

/// A text found in a call.
#[derive(Debug, PartialEq, Eq)]
struct Found {
    key: Option<String>,
    text: String,
    line: u64,
    callee: String,
}

/// An open bracket and the call it starts, if any.
struct Frame {
    open: usize,
    bracket: char,
    call: Option<Call>,
    /// Inside a log statement: no text here is a client's.
    muted: bool,
}

enum Call {
    Exception(String),
    Rule(String, usize),
}

/// Finds the calls whose arguments are client texts and hands out what they say.
fn harvest(tokens: &[Token], rules: &[CallSpec], found: &mut dyn FnMut(Found)) {
    // close_of[i]: the index of the bracket closing the one at i, once closed.
    let mut close_of: Vec<usize> = vec![usize::MAX; tokens.len()];
    let mut stack: Vec<Frame> = Vec::new();
    // Open brackets of each kind on the stack: a closer without an opener is
    // skipped at once, not after a search of the whole stack.
    let mut open = [0usize; 3];
    let kind = |c: char| match c {
        '(' | ')' => 0,
        '[' | ']' => 1,
        _ => 2,
    };
    // The class declared last whose body has not opened yet, and the classes
    // whose bodies are open (name, index of the body's frame).
    let mut pending_class: Option<&str> = None;
    let mut classes: Vec<(&str, usize)> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let p = match &token.tok {
            Tok::Punct(p) => *p,
            Tok::Ident(kw) if kw == "class" => {
                if let Some(Tok::Ident(name)) = tokens.get(i + 1).map(|t| &t.tok) {
                    pending_class = Some(name);
                }
                continue;
            }
            _ => continue,
        };
        match p {
            '(' | '[' | '{' => {
                let outer_muted = stack.last().is_some_and(|f| f.muted);
                let (call, log) = match p {
                    '(' => callee(tokens, i, rules, classes.last().map(|&(c, _)| c)),
                    '{' => {
                        if let Some(class) = pending_class.take() {
                            classes.push((class, stack.len()));
                        }
                        (None, false)
                    }
                    _ => (None, false),
                };
                open[kind(p)] += 1;
                stack.push(Frame {
                    open: i,
                    bracket: p,
                    call,
                    muted: outer_muted || log,
                });
            }
            ')' | ']' | '}' => {
                let opener = match p {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                // A closer without its opener is skipped; openers left open
                // inside a matched pair close with it.
                if open[kind(p)] == 0 {
                    continue;
                }
                let Some(at) = stack.iter().rposition(|f| f.bracket == opener) else {
                    continue;
                };
                while classes.last().is_some_and(|&(_, frame)| frame >= at) {
                    classes.pop();
                }
                for frame in stack.drain(at..).rev() {
                    open[kind(frame.bracket)] -= 1;
                    close_of[frame.open] = i;
                    if frame.bracket == opener
                        && !frame.muted
                        && let Some(call) = frame.call
                    {
                        let args = arguments(tokens, &close_of, frame.open, i);
                        if let Some(f) = evaluate(tokens, &close_of, &call, &args, rules) {
                            found(f);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// What the call opening at `open` is: an exception constructor, a call the
/// rules name, and whether it is a log statement. `super(…)` in the body of
/// `class` is that class's constructor (Fineract's exceptions pass their texts
/// up this way).
fn callee(
    tokens: &[Token],
    open: usize,
    rules: &[CallSpec],
    class: Option<&str>,
) -> (Option<Call>, bool) {
    let ident = |k: usize| match tokens.get(k).map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let Some(mut name) = open.checked_sub(1).and_then(ident) else {
        return (None, false);
    };
    if name == "super" {
        match class {
            Some(class) => name = class,
            None => return (None, false),
        }
    }
    let receiver = open
        .checked_sub(3)
        .filter(|&k| tokens[k + 1].tok == Tok::Punct('.'))
        .and_then(ident);
    if receiver.is_some_and(|r| is_logger(r, name)) {
        return (None, true);
    }
    if let Some(k) = rules.iter().position(|r| r.name == name) {
        return (Some(Call::Rule(name.to_string(), k)), false);
    }
    let exception = name.chars().next().is_some_and(char::is_uppercase)
        && (name.ends_with("Exception") || name.ends_with("Error"));
    (exception.then(|| Call::Exception(name.to_string())), false)
}

/// `log.info`, `LOGGER.error`, `System.out.println`: statements that write
/// logs or consoles, which clients never read.
fn is_logger(receiver: &str, method: &str) -> bool {
    let receiver = receiver.trim_start_matches('_').to_ascii_lowercase();
    let logger = receiver == "log"
        || receiver.ends_with("logger")
        || receiver.ends_with("log")
        || receiver == "timber";
    let level = matches!(
        method,
        "trace"
            | "debug"
            | "info"
            | "warn"
            | "warning"
            | "error"
            | "fatal"
            | "severe"
            | "fine"
            | "finer"
            | "finest"
            | "log"
            | "v"
            | "d"
            | "i"
            | "w"
            | "e"
            | "wtf"
    );
    (logger && level) || (matches!(receiver.as_str(), "out" | "err") && method.starts_with("print"))
}

/// The token ranges of the arguments of the call whose parentheses are at
/// `open` and `close`: split at the commas outside nested brackets.
fn arguments(
    tokens: &[Token],
    close_of: &[usize],
    open: usize,
    close: usize,
) -> Vec<(usize, usize)> {
    let mut args = Vec::new();
    let mut start = open + 1;
    let mut k = open + 1;
    while k < close {
        match tokens[k].tok {
            Tok::Punct('(' | '[' | '{') if close_of[k] < close => k = close_of[k] + 1,
            Tok::Punct(',') => {
                args.push((start, k));
                k += 1;
                start = k;
            }
            _ => k += 1,
        }
    }
    if start < close {
        args.push((start, close));
    }
    args
}

/// The definition a call gives, if its arguments hold a text.
fn evaluate(
    tokens: &[Token],
    close_of: &[usize],
    call: &Call,
    args: &[(usize, usize)],
    rules: &[CallSpec],
) -> Option<Found> {
    let text_of = |&(a, b): &(usize, usize)| template(tokens, close_of, a, b);
    match call {
        Call::Rule(name, k) => {
            let spec = &rules[*k];
            let mut key = None;
            let mut text = None;
            for (role, arg) in spec.args.iter().zip(args) {
                match role {
                    CallArg::Code => key = Some(code_of(tokens, arg)),
                    CallArg::Text => text = text_of(arg),
                    CallArg::Other => {}
                }
            }
            let (text, line) = text?;
            Some(Found {
                key,
                text,
                line,
                callee: name.clone(),
            })
        }
        Call::Exception(name) => {
            let mut texts = args.iter().filter_map(|a| text_of(a).map(|t| (a, t)));
            let (first_arg, (first, line)) = texts.next()?;
            let is_literal = first_arg.1 - first_arg.0 == 1;
            let (key, (text, line)) = match texts.next() {
                Some((_, second)) if is_literal && looks_like_code(&first) => (Some(first), second),
                _ => (None, (first, line)),
            };
            Some(Found {
                key,
                text,
                line,
                callee: name.clone(),
            })
        }
    }
}

/// A message code rather than a text: one word of letters, digits, `.`, `_`
/// or `-`, with a `.` or `_` in it (`error.msg.loan.not.found`, `E_LIMIT`).
fn looks_like_code(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && s.contains(['.', '_'])
}

/// Tokens of a code expression kept as its key.
const MAX_CODE_TOKENS: usize = 32;

/// The key an argument gives: a literal's value, else the name it starts with
/// (`ErrorCodes.LOAN_NOT_FOUND`).
fn code_of(tokens: &[Token], &(a, b): &(usize, usize)) -> String {
    if b - a == 1
        && let Tok::Str(parts) = &tokens[a].tok
    {
        return render(parts);
    }
    // A name such as `ErrorCodes.LOAN_NOT_FOUND`: up to the first bracket, and
    // short, so that nested calls are never rendered again and again.
    tokens[a..b]
        .iter()
        .take(MAX_CODE_TOKENS)
        .map_while(|t| match &t.tok {
            Tok::Ident(s) | Tok::Num(s) => Some(s.clone()),
            Tok::Punct('.') => Some(".".to_string()),
            _ => None,
        })
        .collect()
}

fn render(parts: &[Part]) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Text(t) => out.push_str(t),
            Part::Hole => push_hole(&mut out),
        }
    }
    out
}

const HOLE: &str = "<*>";

/// Appends a placeholder; two in a row are one (`a + b` is one value to a reader).
fn push_hole(out: &mut String) {
    if !out.ends_with(HOLE) {
        out.push_str(HOLE);
    }
}

/// The text of the expression `tokens[a..b]`, with its line: a literal, a
/// format call's pattern, or a concatenation with at least one literal.
fn template(tokens: &[Token], close_of: &[usize], a: usize, b: usize) -> Option<(String, u64)> {
    // The operands: split at `+` outside brackets.
    let mut operands = Vec::new();
    let mut start = a;
    let mut k = a;
    while k < b {
        match tokens[k].tok {
            Tok::Punct('(' | '[' | '{') if close_of[k] < b => k = close_of[k] + 1,
            Tok::Punct('+') => {
                operands.push((start, k));
                k += 1;
                start = k;
            }
            _ => k += 1,
        }
    }
    operands.push((start, b));
    let mut out = String::new();
    let mut line = None;
    for &(s, e) in &operands {
        if e == s {
            return None; // unary plus or a dangling `+`: not a concatenation
        }
        match (&tokens[s].tok, e - s) {
            (Tok::Str(parts), 1) => {
                line.get_or_insert(tokens[s].line);
                out.push_str(&render(parts));
            }
            (Tok::Char(c), 1) => out.push(*c),
            (Tok::Num(n), 1) => out.push_str(n),
            _ => match format_pattern(tokens, close_of, s, e) {
                Some((pattern, at)) => {
                    line.get_or_insert(at);
                    out.push_str(&pattern);
                }
                None => push_hole(&mut out),
            },
        }
    }
    line.map(|line| (out, line))
}

/// The pattern of a format call spanning `tokens[a..b]`: `String.format(…)`,
/// `MessageFormat.format(…)` (the first string literal among the arguments:
/// a `Locale` may come first) or `"…".formatted(…)`/`"…".format(…)`.
fn format_pattern(
    tokens: &[Token],
    close_of: &[usize],
    a: usize,
    b: usize,
) -> Option<(String, u64)> {
    let tok = |k: usize| tokens.get(k).filter(|_| k < b).map(|t| &t.tok);
    let ident = |k: usize| match tok(k) {
        Some(Tok::Ident(s)) => Some(s.as_str()),
        _ => None,
    };
    let whole_call = |open: usize| tok(open) == Some(&Tok::Punct('(')) && close_of[open] == b - 1;
    // "…".formatted(args) or Kotlin "…".format(args)
    if let Some(Tok::Str(parts)) = tok(a)
        && tok(a + 1) == Some(&Tok::Punct('.'))
        && matches!(ident(a + 2), Some("formatted" | "format"))
        && whole_call(a + 3)
    {
        return Some((render(parts), tokens[a].line));
    }
    // String.format(…), MessageFormat.format(…), java.lang.String.format(…)
    let open = (a..b).find(|&k| tok(k) == Some(&Tok::Punct('(')))?;
    let names: Vec<&str> = (a..open).step_by(2).map(ident).collect::<Option<_>>()?;
    let dotted = (a + 1..open)
        .step_by(2)
        .all(|k| tok(k) == Some(&Tok::Punct('.')));
    if !dotted || !whole_call(open) || names.len() < 2 {
        return None;
    }
    let [.., class, method] = names.as_slice() else {
        return None;
    };
    if !matches!(*class, "String" | "MessageFormat") || *method != "format" {
        return None;
    }
    let args = arguments(tokens, close_of, open, b - 1);
    args.iter().find_map(|&(s, e)| match &tokens[s].tok {
        Tok::Str(parts) if e - s == 1 => Some((render(parts), tokens[s].line)),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;

    fn found(lang: Lang, src: &str, calls: &[&str]) -> Vec<(Option<String>, String, u64)> {
        let chars = match lang {
            Lang::Java => unicode_escapes(src, 1),
            Lang::Kotlin => numbered(src, 1),
        };
        let lexed = Lexer::new(lang, &chars).run();
        let specs: Vec<CallSpec> = calls.iter().map(|c| c.parse().unwrap()).collect();
        let mut out = Vec::new();
        harvest(&lexed.tokens, &specs, &mut |f| {
            out.push((f.key, f.text, f.line))
        });
        out
    }

    fn texts(lang: Lang, src: &str) -> Vec<String> {
        found(lang, src, &[]).into_iter().map(|f| f.1).collect()
    }

    #[test]
    fn exception_literals_concatenations_and_codes() {
        let src = r#"
class LoanService {
    void check(Long id, int max) {
        if (id == null) throw new IllegalArgumentException("Loan id is required");
        throw new com.bank.LimitException("Limit " + max + " exceeded for loan " + id + "");
        throw new PlatformDataIntegrityException("error.msg.loan.not.found",
            "Loan with identifier " + id + " does not exist", id);
        throw new RuntimeException(e);
        throw new IllegalStateException(String.format("Balance %s below %d", a, b));
        throw new IllegalStateException(MessageFormat.format("Rate {0} too high", r));
        throw new BadRequestException("Amount " + String.format("%.2f", x) + " invalid");
        throw new ValidationError("Text " + (a + b) + 'x' + 5);
    }
}"#;
        assert_eq!(
            found(Lang::Java, src, &[]),
            vec![
                (None, "Loan id is required".into(), 4),
                (None, "Limit <*> exceeded for loan <*>".into(), 5),
                (
                    Some("error.msg.loan.not.found".into()),
                    "Loan with identifier <*> does not exist".into(),
                    7
                ),
                (None, "Balance %s below %d".into(), 9),
                (None, "Rate {0} too high".into(), 10),
                (None, "Amount %.2f invalid".into(), 11),
                (None, "Text <*>x5".into(), 12),
            ]
        );
    }

    #[test]
    fn comments_escapes_unicode_and_text_blocks() {
        let src = "// throw new FooException(\"in a comment\");\n\
                   /* throw new FooException(\"in a block\"); */\n\
                   throw new FooException(\"Tab\\there \\\"quoted\\\" \\101\\s\\u0041\");\n\
                   throw new FooException(\\u0022unicode quote\\u0022);\n\
                   throw new FooException(\"\\\\u0041 stays\");\n\
                   throw new FooException(\"\"\"\n        Dear client,\n          your card \\\n        is blocked.\n        \"\"\");\n\
                   char c = '\"'; throw new FooException(\"after char \" + c + '\\'');\n\
                   throw new FooException(\"emoji \\uD83D\\uDCB3\");\n";
        assert_eq!(
            found(Lang::Java, src, &[]),
            vec![
                (None, "Tab\there \"quoted\" A A".into(), 3),
                (None, "unicode quote".into(), 4),
                (None, "\\u0041 stays".into(), 5),
                (None, "Dear client,\n  your card is blocked.\n".into(), 6),
                (None, "after char <*>'".into(), 11),
                (None, "emoji 💳".into(), 12),
            ]
        );
    }

    #[test]
    fn super_calls_of_exception_classes_pass_their_texts() {
        let src = r#"
public class LoanNotFoundException extends AbstractPlatformException {
    public LoanNotFoundException(final Long id) {
        super("error.msg.loan.id.invalid", "Loan with identifier " + id + " does not exist", id);
    }
    class Inner { Inner() { super("not an exception class"); } }
    LoanNotFoundException() { super("after the inner class"); }
}
class Helper { Helper() { super("no"); } }
"#;
        assert_eq!(
            found(Lang::Java, src, &[]),
            vec![
                (
                    Some("error.msg.loan.id.invalid".into()),
                    "Loan with identifier <*> does not exist".into(),
                    4
                ),
                (None, "after the inner class".into(), 7),
            ]
        );
    }

    #[test]
    fn log_statements_are_no_client_texts() {
        let src = r#"
log.info("Loan " + id + " approved");
LOGGER.error("failed", new IllegalStateException("only logged"));
logger.warn(String.format("x %s", y));
System.out.println(new FooException("printed"));
throw new FooException("shown");
"#;
        assert_eq!(texts(Lang::Java, src), ["shown"]);
    }

    #[test]
    fn rules_calls_name_codes_and_texts() {
        let src = r#"
errors.addError("Amount must be positive");
errors.addError(msg);
result.reject(ErrorCodes.LIMIT, "Daily limit of " + limit + " reached");
throw new PlatformDataIntegrityException("error.msg.x", "X failed");
throw new FooException("default still applies");
"#;
        assert_eq!(
            found(
                Lang::Java,
                src,
                &[
                    "addError(text)",
                    "reject(code, text)",
                    "PlatformDataIntegrityException(code, text)"
                ]
            ),
            vec![
                (None, "Amount must be positive".into(), 2),
                (
                    Some("ErrorCodes.LIMIT".into()),
                    "Daily limit of <*> reached".into(),
                    4
                ),
                (Some("error.msg.x".into()), "X failed".into(), 5),
                (None, "default still applies".into(), 6),
            ]
        );
    }

    #[test]
    fn kotlin_templates_raw_strings_and_nesting() {
        let src = r#"
fun check(max: Int, user: User) {
    require(max > 0) { "ignored: a lambda" }
    throw IllegalStateException("Limit $max exceeded for ${user.name}")
    throw LimitException("Nested ${if (a) "x${b}y" else "z"} end")
    throw FooError("""Raw \n $max "quoted"""")
    throw FooError("Escaped \$ and \u0416 and \"q\"")
    /* outer /* nested */ throw FooError("commented") */
    log.error("Loan $id failed")
    throw FooException("Amount %s".format(x))
}"#;
        assert_eq!(
            found(Lang::Kotlin, src, &[]),
            vec![
                (None, "Limit <*> exceeded for <*>".into(), 4),
                (None, "Nested <*> end".into(), 5),
                (None, "Raw \\n <*> \"quoted\"".into(), 6),
                (None, "Escaped $ and Ж and \"q\"".into(), 7),
                (None, "Amount %s".into(), 10),
            ]
        );
    }

    #[test]
    fn broken_input_warns_and_reads_on() {
        let options = SourceOptions::default();
        let items = crate::scan::testing::scan_text(
            &Java,
            "Svc.java",
            &options,
            "throw new FooException(\"open\n);\nthrow new BarException(\"ok\");\n/* never closed",
        );
        let warnings: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                Item::Warning(w) => Some(format!("{:?} {}", w.line, w.message)),
                _ => None,
            })
            .collect();
        assert_eq!(
            warnings,
            [
                "Some(1) unterminated string literal",
                "Some(4) unterminated block comment: the rest of the file is a comment"
            ]
        );
        let defs = crate::scan::testing::definitions(&items);
        assert_eq!(defs.len(), 2);
        assert_eq!((defs[1].text.as_str(), defs[1].location.line), ("ok", 3));
        assert_eq!(defs[1].note.as_deref(), Some("BarException(…)"));
    }

    /// Parentheses and templates nested far deeper than any stack would
    /// allow a recursive reader: followed with explicit stacks.
    #[test]
    fn deep_nesting_is_no_recursion() {
        let depth = 200_000;
        let java = format!(
            "throw new FooException(\"deep\" + {}x{});",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        assert_eq!(texts(Lang::Java, &java), ["deep<*>"]);
        let kotlin = format!(
            "throw FooError(\"a{}x{}\")",
            "${\"".repeat(depth),
            "\"}".repeat(depth)
        );
        assert_eq!(texts(Lang::Kotlin, &kotlin), ["a<*>"]);
        let unbalanced = ")".repeat(depth) + &"(".repeat(depth) + "new FooException(\"x\")";
        // Stray closers are skipped, unclosed openers never evaluated.
        assert_eq!(texts(Lang::Java, &unbalanced), ["x"]);
    }

    proptest::proptest! {
        /// Bad input is a warning or nothing, never a panic.
        #[test]
        fn arbitrary_input_never_panics(input in "[(){}\\[\\]\"'$\\\\u+.,a-zA-Z0-9 \n/*`]{0,200}") {
            let options = SourceOptions::default();
            crate::scan::testing::scan_text(&Java, "A.java", &options, &input);
            crate::scan::testing::scan_text(&Kotlin, "A.kt", &options, &input);
        }
    }
}
