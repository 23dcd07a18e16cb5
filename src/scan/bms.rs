//! CICS BMS map source (`.bms`): the screen fields a client reads and types in.
//!
//! A map source is assembler macros: `DFHMSD` opens a map set, `DFHMDI` a map,
//! `DFHMDF` declares one field. A statement's label starts in column 1, a `*` in
//! column 1 makes a comment, and a non-blank column 72 continues the statement
//! on the next line from column 16 (a quoted `INITIAL` text runs through column
//! 71 and goes on there). Columns 73 on are a sequence area.
//!
//! Every named field is a [`FieldLimit`] `MAPSET.MAP.FIELD` of `LENGTH=` bytes in
//! the system's field encoding: programs reach it as `FIELD`, `FIELDO` or
//! `FIELDI` of the symbolic map, and whatever they move there is cut to it. The
//! `INITIAL='…'` text of a protected field (`ATTRB=` with `PROT` or `ASKIP`, or
//! no `ATTRB=`, whose default is `ASKIP`) is a definition: a label the client
//! reads on the screen (rules of `-` or `=` without a word are decoration). Maps need no generated copybook to be read.

use std::io::BufRead;

use super::{Item, ScanContext, Scanner, scan_lines};
use crate::model::{Definition, FieldLimit, FormatId, LimitUnit, Location, Role, Warning};

pub struct Bms;

impl Scanner for Bms {
    fn id(&self) -> FormatId {
        FormatId::Bms
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["bms"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let mut reader = MapReader::default();
        scan_lines(input, ctx, emit, |n, line, _| reader.line(n, line));
        for field in reader.finish() {
            match field {
                ScreenItem::Field(f) => {
                    let location = Location::new(ctx.path, f.line);
                    if let Some(name) = &f.name {
                        emit(Item::Limit(FieldLimit {
                            field: f.qualified(name),
                            max: f.length,
                            unit: LimitUnit::system_bytes(),
                            location,
                        }));
                    }
                    if let (true, Some((text, line))) = (f.protected, &f.initial)
                        && super::has_word(text)
                    {
                        // Keyed by its text, as a gettext msgid: "Date :" on
                        // seventeen screens is one label, not seventeen codes;
                        // spaces around it are layout.
                        let text = text.trim();
                        emit(Item::Definition(Definition {
                            locale: ctx.locale.map(str::to_string),
                            note: Some(f.place()),
                            ..Definition::new(text, text, Location::new(ctx.path, *line))
                        }));
                    }
                }
                ScreenItem::Problem { line, message } => {
                    emit(Item::Warning(Warning::new(ctx.path, Some(line), message)));
                }
            }
        }
    }
}

/// One field a map declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenField {
    pub mapset: String,
    pub map: String,
    /// The label, if the field has one (labels are the fields programs can reach).
    pub name: Option<String>,
    pub length: u64,
    /// `POS=(line,column)`, or `POS=offset` as `(0, offset)`.
    pub pos: (u64, u64),
    pub protected: bool,
    /// The `INITIAL` text and the line its quote opens on.
    pub initial: Option<(String, u64)>,
    /// The `DFHMDF` statement's first line.
    pub line: u64,
}

impl ScreenField {
    /// `MAPSET.MAP.FIELD`.
    pub fn qualified(&self, name: &str) -> String {
        format!("{}.{}.{name}", self.mapset, self.map)
    }

    /// Where it is: the qualified name, or the map and position of an unnamed label.
    fn place(&self) -> String {
        match &self.name {
            Some(name) => self.qualified(name),
            None => format!(
                "{}.{}({},{})",
                self.mapset, self.map, self.pos.0, self.pos.1
            ),
        }
    }
}

/// What a statement gave.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ScreenItem {
    Field(ScreenField),
    Problem { line: u64, message: String },
}

/// The fields of a map source, for readers of other formats (a COBOL program
/// moving a text into `ERRMSGO` of a map whose copybook was never generated).
pub fn screen_fields(text: &str) -> Vec<ScreenField> {
    let mut reader = MapReader::default();
    for (i, line) in text.lines().enumerate() {
        reader.line(i as u64 + 1, line);
    }
    reader
        .finish()
        .into_iter()
        .filter_map(|item| match item {
            ScreenItem::Field(f) => Some(f),
            ScreenItem::Problem { .. } => None,
        })
        .collect()
}

/// A statement being joined from its lines: its text and, for each piece, the
/// offset it starts at and its line.
#[derive(Debug, Default)]
struct Statement {
    text: String,
    pieces: Vec<(usize, u64)>,
    in_quote: bool,
}

impl Statement {
    fn line_at(&self, offset: usize) -> u64 {
        self.pieces
            .iter()
            .take_while(|(start, _)| *start <= offset)
            .last()
            .map_or(0, |(_, line)| *line)
    }
}

#[derive(Debug, Default)]
struct MapReader {
    statement: Option<Statement>,
    mapset: String,
    map: String,
    items: Vec<ScreenItem>,
}

/// Column 72, where a non-blank character continues the statement.
const CONTINUATION_COLUMN: usize = 71;
/// Column 16, where a continuation line's text starts.
const CONTINUED_FROM: usize = 15;

impl MapReader {
    fn line(&mut self, number: u64, line: &str) {
        let chars: Vec<char> = line.chars().collect();
        let continuing = self.statement.is_some();
        if !continuing && (chars.first() == Some(&'*') || line.trim().is_empty()) {
            return;
        }
        let start = if continuing {
            CONTINUED_FROM.min(chars.len())
        } else {
            0
        };
        let end = CONTINUATION_COLUMN.min(chars.len()).max(start);
        let continues = chars
            .get(CONTINUATION_COLUMN)
            .is_some_and(|c| !c.is_whitespace());
        let statement = self.statement.get_or_insert_with(Statement::default);
        let mut piece: String = chars[start..end].iter().collect();
        if !continuing {
            // Only the first line may be indented: its label sits in column 1.
        } else if !statement.in_quote {
            piece = piece.trim_start().to_string();
        }
        statement.in_quote ^= piece.matches('\'').count() % 2 == 1;
        if !statement.in_quote {
            piece.truncate(piece.trim_end().len());
        }
        statement.pieces.push((statement.text.len(), number));
        statement.text.push_str(&piece);
        if !continues {
            self.end_statement();
        }
    }

    fn end_statement(&mut self) {
        let Some(statement) = self.statement.take() else {
            return;
        };
        let text = statement.text.as_str();
        let first_line = statement.line_at(0);
        let label_len = text.find(char::is_whitespace).unwrap_or(text.len());
        let label = text[..label_len].to_ascii_uppercase();
        let rest = text[label_len..].trim_start();
        let macro_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let macro_name = rest[..macro_len].to_ascii_uppercase();
        let operands_at = text.len() - rest[macro_len..].trim_start().len();
        let operands = match parse_operands(&text[operands_at..]) {
            Ok(operands) => operands,
            Err(message) => {
                self.items.push(ScreenItem::Problem {
                    line: first_line,
                    message,
                });
                return;
            }
        };
        let value = |key: &str| {
            operands
                .iter()
                .find(|(k, _, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v, at)| (v.as_str(), *at))
        };
        match macro_name.as_str() {
            "DFHMSD" if !label.is_empty() => self.mapset = label,
            "DFHMDI" => self.map = label,
            "DFHMDF" => {
                let length = match value("LENGTH").map(|(v, _)| v.parse::<u64>()) {
                    Some(Ok(n)) => n,
                    Some(Err(_)) => {
                        self.items.push(ScreenItem::Problem {
                            line: first_line,
                            message: "bad LENGTH= of a DFHMDF field".to_string(),
                        });
                        return;
                    }
                    None => value("INITIAL").map_or(0, |(v, _)| unquote(v).chars().count() as u64),
                };
                let attributes = value("ATTRB").map(|(v, _)| v.to_ascii_uppercase());
                let protected = attributes.as_deref().is_none_or(|a| {
                    a.trim_matches(|c| c == '(' || c == ')')
                        .split(',')
                        .any(|a| matches!(a.trim(), "PROT" | "ASKIP"))
                });
                let pos = value("POS").map_or((0, 0), |(v, _)| position(v));
                let initial = value("INITIAL")
                    .filter(|(v, _)| v.starts_with('\''))
                    .map(|(v, at)| (unquote(v), statement.line_at(operands_at + at)));
                self.items.push(ScreenItem::Field(ScreenField {
                    mapset: self.mapset.clone(),
                    map: self.map.clone(),
                    name: (!label.is_empty()).then_some(label),
                    length,
                    pos,
                    protected,
                    initial,
                    line: first_line,
                }));
            }
            _ => {}
        }
    }

    fn finish(mut self) -> Vec<ScreenItem> {
        if let Some(statement) = &self.statement {
            let line = statement.line_at(usize::MAX);
            self.end_statement();
            self.items.push(ScreenItem::Problem {
                line,
                message: "statement continued past the end of the file".to_string(),
            });
        }
        self.items
    }
}

/// `KEY=VALUE,…` up to the first blank outside quotes and parentheses, as
/// (key, raw value, offset of the value in `text`).
fn parse_operands(text: &str) -> Result<Vec<(String, String, usize)>, String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut start = 0;
    let mut end = text.len();
    let mut chars = text.char_indices().peekable();
    let mut bounds = Vec::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' if quoted && chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                chars.next();
            }
            '\'' => quoted = !quoted,
            _ if quoted => {}
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                bounds.push((start, i));
                start = i + 1;
            }
            c if c.is_whitespace() && depth == 0 => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    if quoted {
        return Err("quoted operand not closed".to_string());
    }
    bounds.push((start, end));
    for (from, to) in bounds {
        let operand = &text[from..to];
        if operand.is_empty() {
            continue;
        }
        match operand.split_once('=') {
            Some((key, value)) => {
                out.push((key.to_string(), value.to_string(), from + key.len() + 1))
            }
            None => out.push((operand.to_string(), String::new(), from)),
        }
    }
    Ok(out)
}

/// A quoted operand's text: doubled quotes and ampersands stand for one.
fn unquote(value: &str) -> String {
    let inner = value
        .strip_prefix('\'')
        .map(|v| v.strip_suffix('\'').unwrap_or(v))
        .unwrap_or(value);
    inner.replace("''", "'").replace("&&", "&")
}

/// `POS=(line,column)` or `POS=offset`.
fn position(value: &str) -> (u64, u64) {
    let inner = value.trim_matches(|c| c == '(' || c == ')');
    match inner.split_once(',') {
        Some((l, c)) => (l.trim().parse().unwrap_or(0), c.trim().parse().unwrap_or(0)),
        None => (0, inner.trim().parse().unwrap_or(0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;
    use crate::scan::testing::{field_max, key_text_line, scan_text, warning_lines};

    fn scan(text: &str) -> Vec<Item> {
        scan_text(&Bms, "COSGN00.bms", &SourceOptions::default(), text)
    }

    /// Pads a line so that `mark` lands in column 72.
    fn cont(code: &str, mark: char) -> String {
        format!("{code:<71}{mark}\n")
    }

    #[test]
    fn fields_are_limits_and_protected_initials_are_labels() {
        let text = [
            "* a comment line 'with a quote\n".to_string(),
            cont("COSGN00 DFHMSD CTRL=(ALARM,FREEKB),", '-'),
            "               LANG=COBOL,TYPE=&&SYSPARM\n".to_string(),
            "COSGN0A DFHMDI SIZE=(24,80)\n".to_string(),
            cont("        DFHMDF ATTRB=(ASKIP,NORM),", '-'),
            cont("               LENGTH=6,POS=(1,1),", '-'),
            "               INITIAL='Tran :'\n".to_string(),
            cont("USERID  DFHMDF ATTRB=(FSET,NORM,UNPROT),", '-'),
            "               LENGTH=8,POS=(19,43),INITIAL='user'\n".to_string(),
            cont("ERRMSG  DFHMDF ATTRB=(ASKIP,BRT,FSET),LENGTH=78,", '-'),
            "               POS=(23,1)\n".to_string(),
            "NOATTR  DFHMDF POS=(3,1),LENGTH=10,INITIAL='It''s && me'\n".to_string(),
            "        DFHMDF POS=(4,1),LENGTH=10,INITIAL='----------'\n".to_string(),
            "        DFHMSD TYPE=FINAL\n".to_string(),
            "        END\n".to_string(),
        ]
        .concat();
        let items = scan(&text);
        assert_eq!(
            field_max(&items),
            vec![
                ("COSGN00.COSGN0A.USERID".to_string(), 8),
                ("COSGN00.COSGN0A.ERRMSG".to_string(), 78),
                ("COSGN00.COSGN0A.NOATTR".to_string(), 10),
            ]
        );
        assert_eq!(
            key_text_line(&items),
            vec![
                ("Tran :".to_string(), "Tran :".to_string(), 7),
                ("It's & me".to_string(), "It's & me".to_string(), 12),
            ]
        );
        assert!(warning_lines(&items).is_empty());
        let notes: Vec<Option<String>> = crate::scan::testing::definitions(&items)
            .iter()
            .map(|d| d.note.clone())
            .collect();
        assert_eq!(
            notes,
            vec![
                Some("COSGN00.COSGN0A(1,1)".to_string()),
                Some("COSGN00.COSGN0A.NOATTR".to_string())
            ]
        );
    }

    #[test]
    fn initial_continued_in_column_72_joins_at_column_16() {
        // As CardDemo's COBIL00.bms: the text runs through column 71, the
        // continuation mark in 72 is not part of it.
        let text = [
            "COBIL00 DFHMSD TYPE=MAP\n".to_string(),
            "COBIL0A DFHMDI SIZE=(24,80)\n".to_string(),
            cont("        DFHMDF LENGTH=53,", '-'),
            format!(
                "{:<71}-\n",
                "               INITIAL='Do you want to pay your balance now. Please con"
            ),
            "               firm: '\n".to_string(),
        ]
        .concat();
        let items = scan(&text);
        assert_eq!(
            key_text_line(&items),
            vec![(
                "Do you want to pay your balance now. Please confirm:".to_string(),
                "Do you want to pay your balance now. Please confirm:".to_string(),
                4
            )]
        );
    }

    #[test]
    fn garbage_warns_once_per_statement_and_the_rest_is_read() {
        let text = [
            "MS DFHMSD TYPE=MAP\n",
            "M1 DFHMDI SIZE=(24,80)\n",
            "F1 DFHMDF LENGTH=abc\n",
            "F2 DFHMDF LENGTH=5,INITIAL='open\n",
            "F3 DFHMDF LENGTH=7\n",
        ]
        .concat();
        let items = scan(&text);
        assert_eq!(warning_lines(&items), vec![3, 4]);
        assert_eq!(field_max(&items), vec![("MS.M1.F3".to_string(), 7)]);
        let continued = scan(&cont("F4 DFHMDF LENGTH=5,", '-'));
        assert_eq!(warning_lines(&continued), vec![1]);
    }

    #[test]
    fn screen_fields_are_read_without_a_scan() {
        let fields =
            screen_fields("MS DFHMSD TYPE=MAP\nM1 DFHMDI SIZE=(24,80)\nF1 DFHMDF LENGTH=40\n");
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].qualified("F1"), "MS.M1.F1");
        assert_eq!(fields[0].length, 40);
    }
}
