//! COBOL programs (`.cbl`, `.cob`, `.pco`, `.sqb`): the texts a program can put
//! on a client's screen, each with the fields it passes through.
//!
//! Read with the copybook lexer (fixed reference format, or free format after
//! `>>SOURCE FORMAT FREE`); `COPY member [REPLACING ==X== BY ==Y==]` splices in
//! the member from the system's copybooks ([`Library`]), so fields declared in
//! copybooks (the symbolic map `ERRMSGO`, `WS-MESSAGE`) are known. `EXEC CICS`
//! and `EXEC SQL` blocks are code, skipped up to `END-EXEC`.
//!
//! Texts harvested: `MOVE 'literal' TO field…`, `STRING literal-or-field …
//! DELIMITED BY … INTO field` (a template: fields become `<*>`), the `VALUE` of
//! an elementary item, and the `VALUE` of each level-88 condition under a field
//! (`SET condition TO TRUE` gives the field that text). Each is a definition only
//! when its field is client-visible: an output field of a screen (a field of a
//! BMS map of the system, named `FIELD`, `FIELDO` or `FIELDI`, or an `…O` field
//! of a symbolic map record, `01 xxxO REDEFINES xxxI`), or a field that reaches
//! one through `MOVE field TO field` (or `STRING … INTO`) in the same program.
//! With no screen known at all, a field whose name looks like a message (`MSG`,
//! `MESSAGE`, `TEXT`) counts as one. Program names, flags and codes moved to
//! other fields are not client texts; neither is a literal without a word of
//! two letters (`'*'`, `'0'`, `'Y'`).
//!
//! A definition's key is its text (as gettext's msgid: the same literal in
//! twenty programs is one text, not twenty codes); its note names the program
//! field it lands in; its [`Definition::flow`] lists every field on the way,
//! with sizes, for the length checks. Definitions are harvested only from the
//! program's own lines: a copybook's `VALUE`s are its own scanner's, which
//! gives those that reach a screen in any program of the system
//! ([`copied_values_on_screen`]).
//!
//! Problems (a `COPY` of a member the system lacks, a literal left open) make
//! one warning per file, naming the first.

use std::collections::{HashMap, VecDeque};
use std::io::BufRead;

use super::library::Library;
use super::{DataItem, Kind, Lexer, Token, Usage, parse_entry};
use crate::model::{Definition, FieldHop, FormatId, LimitUnit, Location, Role, Warning};
use crate::scan::{Item, ScanContext, Scanner, scan_lines};

pub struct CobolProgram;

impl Scanner for CobolProgram {
    fn id(&self) -> FormatId {
        FormatId::CobolProgram
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["cbl", "cob", "pco", "sqb"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let mut lexer = Lexer::new(0);
        scan_lines(input, ctx, emit, |n, line, _| lexer.line(n, line));
        let lexed = lexer.finish();
        let mut problems = lexed.problems;
        let mut origins = vec![ctx.path.to_string()];
        let tokens = expand_copies(lexed.tokens, ctx.library, &mut origins, &mut problems);
        let program = Program::read(&tokens, ctx.library);
        for d in program.definitions(&origins, ctx) {
            emit(Item::Definition(d));
        }
        problems.sort_by_key(|(line, _)| *line);
        if let Some((line, message)) = problems.first() {
            let more = match problems.len() - 1 {
                0 => String::new(),
                n => format!(" (and {n} more problem(s) in this file)"),
            };
            emit(Item::Warning(Warning::new(
                ctx.path,
                Some(*line),
                format!("{message}{more}"),
            )));
        }
    }
}

/// The declarations in copied members whose `VALUE` text reaches a screen in
/// the program `text`, as (member path, line of the entry): the copybook
/// scanner gives those texts, once, however many programs show them.
pub fn copied_values_on_screen(text: &str, library: &Library) -> Vec<(String, u64)> {
    let lexed = Lexer::text(0, text);
    let mut origins = vec![String::new()];
    let tokens = expand_copies(lexed.tokens, Some(library), &mut origins, &mut Vec::new());
    let program = Program::read(&tokens, Some(library));
    program
        .fields
        .iter()
        .enumerate()
        .filter(|(i, f)| {
            f.origin != 0
                && f.value.as_ref().is_some_and(|(v, _)| is_text(v, ""))
                && program.way_to_screen(*i).is_some()
        })
        .filter_map(|(_, f)| Some((origins.get(f.origin as usize)?.clone(), f.line)))
        .collect()
}

/// Deepest nesting of `COPY` inside copied members; deeper is a cycle.
const MAX_COPY_DEPTH: usize = 16;
/// Most members one program may copy: a member copying itself twice per level
/// would otherwise grow exponentially.
const MAX_COPIES: usize = 4096;

/// CICS-supplied members (`DFHAID`, `DFHBMSCA`): not in any application's tree.
fn is_supplied(member: &str) -> bool {
    member.to_ascii_uppercase().starts_with("DFH")
}

/// The program's tokens with every `COPY` statement replaced by the member's
/// tokens (numbered in `origins`), iteratively (a stack, not recursion).
fn expand_copies(
    tokens: Vec<Token>,
    library: Option<&Library>,
    origins: &mut Vec<String>,
    problems: &mut Vec<(u64, String)>,
) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut stack: Vec<(Vec<Token>, usize)> = vec![(tokens, 0)];
    while let Some(depth) = stack.len().checked_sub(1) {
        let (toks, at) = &mut stack[depth];
        let Some(token) = toks.get(*at) else {
            stack.pop();
            continue;
        };
        if !token.is_word("COPY") {
            out.push(token.clone());
            *at += 1;
            continue;
        }
        let line = token.line;
        let from_program = depth == 0;
        let end = toks[*at..]
            .iter()
            .position(|t| t.kind == Kind::Period)
            .map_or(toks.len(), |p| *at + p);
        let statement = &toks[*at + 1..end];
        let name = statement.first().map(|t| match &t.kind {
            Kind::Word(w) => w.clone(),
            Kind::Literal { value, .. } => value.clone(),
            Kind::Period => String::new(),
        });
        let replacing = replacing_pairs(statement);
        *at = (end + 1).min(toks.len());
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            problems.push((line, "COPY without a member name".to_string()));
            continue;
        };
        if depth >= MAX_COPY_DEPTH || origins.len() > MAX_COPIES {
            problems.push((line, format!("COPY `{name}` nested too deep")));
            continue;
        }
        match library.and_then(|l| l.member(&name)) {
            Some(member) => {
                let origin = origins.len() as u32;
                origins.push(member.path.clone());
                let mut copied = Lexer::text(origin, &member.text).tokens;
                for token in &mut copied {
                    if let Kind::Word(w) = &mut token.kind {
                        for (from, to) in &replacing {
                            if w.contains(from.as_str()) {
                                *w = w.replace(from.as_str(), to);
                            }
                        }
                    }
                }
                stack.push((copied, 0));
            }
            None if is_supplied(&name)
                || !from_program
                || library.is_some_and(|l| l.has_mapset(&name)) => {}
            None => problems.push((
                line,
                format!("COPY `{name}`: no such member among the system's copybooks"),
            )),
        }
    }
    out
}

/// `REPLACING ==X== BY ==Y== …` (or `X BY Y` words) as (X, Y) pairs.
fn replacing_pairs(statement: &[Token]) -> Vec<(String, String)> {
    let Some(start) = statement.iter().position(|t| t.is_word("REPLACING")) else {
        return Vec::new();
    };
    let words: Vec<&str> = statement[start + 1..]
        .iter()
        .filter_map(Token::word)
        .collect();
    let joined = words.join(" ");
    let mut pairs = Vec::new();
    if joined.contains("==") {
        let texts: Vec<&str> = joined.split("==").skip(1).step_by(2).collect();
        for pair in texts.chunks(2) {
            if let [from, to] = pair {
                let from = from.trim();
                if !from.is_empty() {
                    pairs.push((from.to_string(), to.trim().to_string()));
                }
            }
        }
    } else {
        let mut i = 0;
        while i < words.len() {
            if words
                .get(i + 1)
                .is_some_and(|w| w.eq_ignore_ascii_case("BY"))
            {
                if let Some(to) = words.get(i + 2) {
                    pairs.push((words[i].to_string(), to.to_string()));
                }
                i += 3;
            } else {
                i += 1;
            }
        }
    }
    pairs
}

/// A data item of the program (its own or a copied member's).
#[derive(Debug, Clone)]
struct Field {
    name: String,
    level: u8,
    parent: Option<usize>,
    /// Bytes (or UTF-16 units when national) of one occurrence.
    size: u64,
    national: bool,
    redefines: Option<String>,
    occurs: u64,
    line: u64,
    origin: u32,
    /// A group: its size is its members'.
    group: bool,
    /// Where a screen field known only from a BMS map is declared (programs
    /// whose map copybook was never generated).
    map: Option<Location>,
    /// An elementary `VALUE 'literal'` and its line.
    value: Option<(String, u64)>,
    /// Level-88 conditions: each literal and its line.
    conditions: Vec<(String, u64)>,
}

/// A statement that moved a text, as its line and origin.
type Via = Option<(u64, u32)>;
/// A chain of fields, each with the statement that moved the text into it.
type Way = Vec<(usize, Via)>;

/// A reference to a field in a statement: its name and `OF`/`IN` qualifier.
#[derive(Debug, Clone)]
struct FieldRef {
    name: String,
    qualifier: Option<String>,
}

/// A text put into fields by a statement.
#[derive(Debug)]
struct Literal {
    text: String,
    line: u64,
    origin: u32,
    targets: Vec<FieldRef>,
}

/// `MOVE a TO b` (or `STRING … a … INTO b`): `a`'s content flows into `b`.
#[derive(Debug)]
struct Edge {
    from: usize,
    to: usize,
    line: u64,
    origin: u32,
}

#[derive(Debug, Default)]
struct Program<'l> {
    fields: Vec<Field>,
    by_name: HashMap<String, Vec<usize>>,
    literals: Vec<Literal>,
    edges: Vec<Edge>,
    library: Option<&'l Library>,
    /// Whether any screen is known (a map of the system or a symbolic map record).
    screens: bool,
}

/// Figurative constants: not texts.
fn is_figurative(word: &str) -> bool {
    matches!(
        word.to_ascii_uppercase().as_str(),
        "SPACE"
            | "SPACES"
            | "ZERO"
            | "ZEROS"
            | "ZEROES"
            | "LOW-VALUE"
            | "LOW-VALUES"
            | "HIGH-VALUE"
            | "HIGH-VALUES"
            | "QUOTE"
            | "QUOTES"
            | "NULL"
            | "NULLS"
            | "ALL"
    )
}

/// A literal that can be client text: alphanumeric (or national) with a word
/// of at least two letters, and not a code (one word of capitals and digits:
/// a program name, a transaction id).
fn is_text(value: &str, prefix: &str) -> bool {
    let trimmed = value.trim();
    let code = !trimmed.contains(char::is_whitespace)
        && trimmed
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "-_#@$".contains(c));
    (prefix.is_empty() || prefix.eq_ignore_ascii_case("N")) && !code && crate::scan::has_word(value)
}

impl<'l> Program<'l> {
    fn read(tokens: &[Token], library: Option<&'l Library>) -> Self {
        let mut program = Program {
            library,
            ..Program::default()
        };
        let procedure = tokens
            .windows(2)
            .position(|w| w[0].is_word("PROCEDURE") && w[1].is_word("DIVISION"))
            .unwrap_or(tokens.len());
        program.data(&tokens[..procedure]);
        program.screens = library.is_some_and(Library::has_maps)
            || (0..program.fields.len()).any(|i| program.in_symbolic_output_map(i));
        program.procedure(&tokens[procedure..]);
        program
    }

    /// Reads data entries; level numbers nest them with a stack, not recursion.
    fn data(&mut self, tokens: &[Token]) {
        let mut stack: Vec<usize> = Vec::new();
        let mut last_item: Option<usize> = None;
        for entry in tokens.split_inclusive(|t| t.kind == Kind::Period) {
            let Some(first) = entry.first() else { continue };
            if first.is_word("88") {
                if let Some(item) = last_item {
                    let literals = entry
                        .iter()
                        .skip_while(|t| !(t.is_word("VALUE") || t.is_word("VALUES")));
                    for t in literals {
                        if let Kind::Literal { value, prefix } = &t.kind
                            && is_text(value, prefix)
                        {
                            self.fields[item].conditions.push((value.clone(), t.line));
                        }
                    }
                }
                continue;
            }
            let Ok(Some(item)) = parse_entry(entry) else {
                continue;
            };
            let value = value_literal(entry);
            while stack
                .last()
                .is_some_and(|&i| self.fields[i].level >= item.level)
            {
                stack.pop();
            }
            let index = self.fields.len();
            self.fields
                .push(field_of(&item, stack.last().copied(), first.origin, value));
            self.by_name
                .entry(item.name.clone())
                .or_default()
                .push(index);
            stack.push(index);
            last_item = Some(index);
        }
        // Members come after their group: adding sizes backwards sums each group
        // once its members are done.
        for i in (0..self.fields.len()).rev() {
            let Some(parent) = self.fields[i].parent else {
                continue;
            };
            let child = &self.fields[i];
            let size = child.size.saturating_mul(child.occurs);
            let shared = child.redefines.as_ref().and_then(|r| {
                self.by_name.get(r).and_then(|c| {
                    c.iter()
                        .find(|&&s| self.fields[s].parent == Some(parent))
                        .map(|&s| self.fields[s].size)
                })
            });
            let add = size.saturating_sub(shared.unwrap_or(0));
            if self.fields[parent].group {
                self.fields[parent].size = self.fields[parent].size.saturating_add(add);
            }
        }
    }

    /// Whether field `i` is an `…O` field of a symbolic map's output record
    /// (`01 COSGN0AO REDEFINES COSGN0AI`).
    fn in_symbolic_output_map(&self, i: usize) -> bool {
        if !self.fields[i].name.ends_with('O') {
            return false;
        }
        let mut at = i;
        let mut steps = 0;
        while let Some(parent) = self.fields[at].parent {
            at = parent;
            steps += 1;
            if steps > self.fields.len() {
                return false;
            }
        }
        let record = &self.fields[at];
        at != i
            && record.name.ends_with('O')
            && record.redefines.as_ref().is_some_and(|r| r.ends_with('I'))
    }

    /// Whether texts in field `i` are shown to the client as they are.
    fn is_screen(&self, i: usize) -> bool {
        if let Some(named) = self
            .library
            .and_then(|l| l.message_field(&self.fields[i].name))
        {
            return named;
        }
        if self.in_symbolic_output_map(i) {
            return true;
        }
        let name = &self.fields[i].name;
        if self.library.and_then(|l| l.screen_field(name)).is_some() {
            return true;
        }
        !self.screens
            && ["MSG", "MESSAGE", "TEXT", "TXT"]
                .iter()
                .any(|part| name.split('-').any(|p| p.contains(part)))
    }

    /// The declaration `r` names: among fields of its name, one under its qualifier.
    fn resolve(&self, r: &FieldRef) -> Option<usize> {
        let candidates = self.by_name.get(&r.name)?;
        let Some(qualifier) = &r.qualifier else {
            return candidates.first().copied();
        };
        candidates
            .iter()
            .copied()
            .find(|&c| {
                let mut at = c;
                let mut steps = 0;
                while let Some(parent) = self.fields[at].parent {
                    if &self.fields[parent].name == qualifier || steps > self.fields.len() {
                        return true;
                    }
                    at = parent;
                    steps += 1;
                }
                false
            })
            .or_else(|| candidates.first().copied())
    }

    fn procedure(&mut self, tokens: &[Token]) {
        let mut i = 0;
        while i < tokens.len() {
            let t = &tokens[i];
            if t.is_word("EXEC") {
                i += tokens[i..]
                    .iter()
                    .position(|t| t.is_word("END-EXEC"))
                    .unwrap_or(tokens.len() - i);
                i += 1;
            } else if t.is_word("MOVE") {
                i = self.move_statement(tokens, i + 1);
            } else if t.is_word("STRING") {
                i = self.string_statement(tokens, i + 1);
            } else {
                i += 1;
            }
        }
    }

    /// A field reference at `i` (`NAME [OF|IN GROUP]… [(subscripts)]`) and the index after it.
    fn field_ref(&self, tokens: &[Token], mut i: usize) -> Option<(FieldRef, usize)> {
        let word = tokens.get(i)?.word()?;
        let name = word.split('(').next().unwrap_or(word).to_ascii_uppercase();
        if name.is_empty() || super::is_verb(&name) || is_figurative(&name) {
            return None;
        }
        let mut depth = paren_balance(word);
        i += 1;
        let mut qualifier = None;
        loop {
            match tokens.get(i) {
                Some(t) if depth > 0 => {
                    depth += t.word().map_or(0, paren_balance);
                    i += 1;
                }
                Some(t) if t.word().is_some_and(|w| w.starts_with('(')) => {
                    depth += t.word().map_or(0, paren_balance);
                    i += 1;
                }
                Some(t) if t.is_word("OF") || t.is_word("IN") => {
                    let group = tokens.get(i + 1).and_then(Token::word)?;
                    qualifier.get_or_insert_with(|| {
                        group
                            .split('(')
                            .next()
                            .unwrap_or(group)
                            .to_ascii_uppercase()
                    });
                    depth += paren_balance(group);
                    i += 2;
                }
                _ => break,
            }
        }
        Some((FieldRef { name, qualifier }, i))
    }

    /// Whether a reference names a field the program declares or a field of a
    /// map of the system (declared here on first use).
    fn known(&mut self, r: &FieldRef) -> bool {
        if self.by_name.contains_key(&r.name) {
            return true;
        }
        let Some(screen) = self.library.and_then(|l| l.screen_field(&r.name)) else {
            return false;
        };
        self.by_name.insert(r.name.clone(), vec![self.fields.len()]);
        self.fields.push(Field {
            name: r.name.clone(),
            level: 1,
            parent: None,
            size: screen.length,
            national: false,
            redefines: None,
            occurs: 1,
            line: screen.location.line,
            origin: 0,
            group: false,
            map: Some(screen.location.clone()),
            value: None,
            conditions: Vec::new(),
        });
        true
    }

    /// `MOVE source TO target…` from just after `MOVE`; returns where to go on.
    fn move_statement(&mut self, tokens: &[Token], i: usize) -> usize {
        let Some(source) = tokens.get(i) else {
            return i;
        };
        let (from, mut at) = match &source.kind {
            Kind::Literal { value, prefix } => (Err((value, prefix, source)), i + 1),
            Kind::Word(w)
                if w.eq_ignore_ascii_case("CORRESPONDING") || w.eq_ignore_ascii_case("CORR") =>
            {
                return i + 1;
            }
            Kind::Word(_) => match self.field_ref(tokens, i) {
                Some((r, next)) => (Ok(r), next),
                None => return i + 1,
            },
            Kind::Period => return i,
        };
        if !tokens.get(at).is_some_and(|t| t.is_word("TO")) {
            return at;
        }
        at += 1;
        let mut targets = Vec::new();
        while let Some((r, next)) = self.field_ref(tokens, at) {
            if !self.known(&r) {
                break;
            }
            targets.push(r);
            at = next;
        }
        match from {
            Err((value, prefix, token)) => {
                if is_text(value, prefix) && !targets.is_empty() {
                    self.literals.push(Literal {
                        text: value.clone(),
                        line: token.line,
                        origin: token.origin,
                        targets,
                    });
                }
            }
            Ok(source) => self.add_edges(&source, &targets, &tokens[i]),
        }
        at
    }

    fn add_edges(&mut self, source: &FieldRef, targets: &[FieldRef], at: &Token) {
        let Some(from) = self.resolve(source) else {
            return;
        };
        for target in targets {
            if let Some(to) = self.resolve(target) {
                self.edges.push(Edge {
                    from,
                    to,
                    line: at.line,
                    origin: at.origin,
                });
            }
        }
    }

    /// `STRING operand… DELIMITED [BY] delimiter … INTO target` from just after
    /// `STRING`: literals kept, fields and functions become `<*>`.
    fn string_statement(&mut self, tokens: &[Token], mut i: usize) -> usize {
        let mut template = String::new();
        let mut pending: Vec<(String, bool)> = Vec::new();
        let mut sources: Vec<FieldRef> = Vec::new();
        let mut first_literal: Option<&Token> = None;
        let start = i;
        while let Some(t) = tokens.get(i) {
            match &t.kind {
                Kind::Period => return i,
                Kind::Word(w) if w.eq_ignore_ascii_case("INTO") => break,
                Kind::Word(w) if w.eq_ignore_ascii_case("DELIMITED") => {
                    i += 1;
                    if tokens.get(i).is_some_and(|t| t.is_word("BY")) {
                        i += 1;
                    }
                    let delimiter = tokens.get(i).map(|t| match &t.kind {
                        Kind::Literal { value, .. } => Some(value.clone()),
                        Kind::Word(w) if w.to_ascii_uppercase().starts_with("SPACE") => {
                            Some(" ".to_string())
                        }
                        _ => None,
                    });
                    for (piece, literal) in pending.drain(..) {
                        match (literal, delimiter.clone().flatten()) {
                            (true, Some(d)) if !d.is_empty() => {
                                template.push_str(piece.split(d.as_str()).next().unwrap_or(""));
                            }
                            _ => template.push_str(&piece),
                        }
                    }
                    i += 1;
                }
                Kind::Literal { value, prefix } => {
                    if prefix.is_empty() || prefix.eq_ignore_ascii_case("N") {
                        first_literal.get_or_insert(t);
                        pending.push((value.clone(), true));
                    }
                    i += 1;
                }
                Kind::Word(w) if w.eq_ignore_ascii_case("FUNCTION") => {
                    pending.push(("<*>".to_string(), false));
                    i += 2;
                    let mut depth = tokens
                        .get(i - 1)
                        .and_then(Token::word)
                        .map_or(0, paren_balance);
                    while depth > 0 {
                        match tokens.get(i) {
                            Some(t) if t.kind != Kind::Period => {
                                depth += t.word().map_or(0, paren_balance);
                                i += 1;
                            }
                            _ => break,
                        }
                    }
                }
                Kind::Word(_) => match self.field_ref(tokens, i) {
                    Some((r, next)) => {
                        pending.push(("<*>".to_string(), false));
                        sources.push(r);
                        i = next;
                    }
                    None => i += 1,
                },
            }
        }
        for (piece, _) in pending.drain(..) {
            template.push_str(&piece);
        }
        if !tokens.get(i).is_some_and(|t| t.is_word("INTO")) {
            return i.max(start + 1);
        }
        let Some((target, next)) = self.field_ref(tokens, i + 1) else {
            return i + 1;
        };
        if let Some(token) = first_literal
            && is_text(&template.replace("<*>", " "), "")
        {
            self.literals.push(Literal {
                text: template,
                line: token.line,
                origin: token.origin,
                targets: vec![target],
            });
        } else {
            for source in &sources {
                self.add_edges(source, std::slice::from_ref(&target), &tokens[start - 1]);
            }
        }
        next
    }

    /// The shortest way from field `start` to a screen field, as hops (field,
    /// the statement that moved into it); `None` when the text never reaches one.
    fn way_to_screen(&self, start: usize) -> Option<Way> {
        let mut came_from: HashMap<usize, (usize, u64, u32)> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut seen = vec![false; self.fields.len()];
        seen[start] = true;
        while let Some(at) = queue.pop_front() {
            if self.is_screen(at) {
                let mut way = vec![(at, None)];
                let mut cursor = at;
                while let Some(&(prev, line, origin)) = came_from.get(&cursor) {
                    if let Some(last) = way.last_mut() {
                        last.1 = Some((line, origin));
                    }
                    way.push((prev, None));
                    cursor = prev;
                }
                way.reverse();
                return Some(way);
            }
            for edge in self.edges.iter().filter(|e| e.from == at) {
                if !seen[edge.to] {
                    seen[edge.to] = true;
                    came_from.insert(edge.to, (at, edge.line, edge.origin));
                    queue.push_back(edge.to);
                }
            }
        }
        None
    }

    fn hop(&self, field: usize, via: Via, origins: &[String]) -> FieldHop {
        let f = &self.fields[field];
        let path = |origin: u32| origins.get(origin as usize).cloned().unwrap_or_default();
        let declared = f
            .map
            .clone()
            .unwrap_or_else(|| Location::new(path(f.origin), f.line));
        let max = f.size;
        FieldHop {
            field: match f.parent.map(|p| &self.fields[p]) {
                Some(parent) if self.in_symbolic_output_map(field) => {
                    format!(
                        "{} OF {}",
                        f.name,
                        root_name(self, field).unwrap_or(&parent.name)
                    )
                }
                _ => f.name.clone(),
            },
            max,
            unit: if f.national {
                LimitUnit::Utf16
            } else {
                LimitUnit::system_bytes()
            },
            declared,
            via: via.map(|(line, origin)| Location::new(path(origin), line)),
        }
    }

    fn definitions(&self, origins: &[String], ctx: &ScanContext<'_>) -> Vec<Definition> {
        let mut out = Vec::new();
        let mut add = |text: &str, line: u64, way: Way, first_via: Via| {
            let text = text.trim_end();
            let mut flow: Vec<FieldHop> = way
                .iter()
                .map(|&(f, via)| self.hop(f, via, origins))
                .collect();
            if let Some(first) = flow.first_mut() {
                first.via = first_via.map(|(line, origin)| {
                    Location::new(
                        origins.get(origin as usize).cloned().unwrap_or_default(),
                        line,
                    )
                });
            }
            let note = flow
                .iter()
                .map(|h| h.field.as_str())
                .collect::<Vec<_>>()
                .join(" → ");
            out.push(Definition {
                locale: ctx.locale.map(str::to_string),
                note: Some(note),
                flow,
                ..Definition::new(text.trim_start(), text, Location::new(ctx.path, line))
            });
        };
        for literal in self.literals.iter().filter(|l| l.origin == 0) {
            let way = literal
                .targets
                .iter()
                .filter_map(|t| self.resolve(t))
                .find_map(|t| self.way_to_screen(t));
            if let Some(way) = way {
                add(&literal.text, literal.line, way, Some((literal.line, 0)));
            }
        }
        for (i, field) in self.fields.iter().enumerate() {
            if field.origin != 0 || field.map.is_some() {
                continue;
            }
            let template = self.group_template(i);
            let texts = field
                .value
                .iter()
                .filter(|(v, _)| is_text(v, ""))
                .chain(&field.conditions)
                .chain(&template)
                .collect::<Vec<_>>();
            if texts.is_empty() {
                continue;
            }
            let Some(way) = self.way_to_screen(i) else {
                continue;
            };
            for (text, line) in texts {
                add(text, *line, way.clone(), None);
            }
        }
        out.sort_by_key(|d| d.location.line);
        out
    }
}

impl Program<'_> {
    /// A group built of `FILLER VALUE 'text'` pieces and fields, read as a
    /// template at the group's line: `File Error: <*> on <*> …`.
    fn group_template(&self, group: usize) -> Option<(String, u64)> {
        let g = &self.fields[group];
        if !g.group {
            return None;
        }
        let mut template = String::new();
        let mut literal = false;
        for member in self.fields[group + 1..]
            .iter()
            .take_while(|m| m.level > g.level)
            .filter(|m| !m.group)
        {
            match (&member.value, member.name.as_str()) {
                (Some((text, _)), "FILLER") => {
                    literal = true;
                    template.push_str(text);
                }
                _ if template.ends_with("<*>") => {}
                _ => template.push_str("<*>"),
            }
        }
        let text = template.trim_end().to_string();
        (literal && is_text(&text.replace("<*>", " "), "")).then_some((text, g.line))
    }
}

/// The level-01 record a field belongs to.
fn root_name<'p>(program: &'p Program<'_>, field: usize) -> Option<&'p str> {
    let mut at = field;
    let mut steps = 0;
    while let Some(parent) = program.fields[at].parent {
        at = parent;
        steps += 1;
        if steps > program.fields.len() {
            return None;
        }
    }
    Some(&program.fields[at].name)
}

/// Opening minus closing parentheses in a word.
fn paren_balance(word: &str) -> i64 {
    word.chars().fold(0, |n, c| match c {
        '(' => n + 1,
        ')' => n - 1,
        _ => n,
    })
}

/// The `VALUE` literal of an entry, with its line.
fn value_literal(entry: &[Token]) -> Option<(String, u64)> {
    let at = entry
        .iter()
        .position(|t| t.is_word("VALUE") || t.is_word("VALUES"))?;
    entry[at + 1..]
        .iter()
        .find(|t| !(t.is_word("IS") || t.is_word("ARE")))
        .and_then(|t| match &t.kind {
            Kind::Literal { value, prefix }
                if prefix.is_empty() || prefix.eq_ignore_ascii_case("N") =>
            {
                Some((value.clone(), t.line))
            }
            _ => None,
        })
}

fn field_of(
    item: &DataItem,
    parent: Option<usize>,
    origin: u32,
    value: Option<(String, u64)>,
) -> Field {
    let national = item.picture.is_some_and(|p| p.national);
    let alphanumeric = item.picture.is_some_and(|p| p.alphanumeric || p.national);
    let size = if national {
        item.picture.map_or(0, |p| p.positions)
    } else {
        item.elementary_size(item.usage.unwrap_or(Usage::Display))
    };
    Field {
        name: item.name.clone(),
        level: item.level,
        parent,
        size,
        national,
        redefines: item.redefines.clone(),
        occurs: item.occurs,
        line: item.line,
        origin,
        group: item.picture.is_none() && item.usage.is_none(),
        map: None,
        value: value.filter(|_| alphanumeric),
        conditions: Vec::new(),
    }
}

#[cfg(test)]
mod tests;
