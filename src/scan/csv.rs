//! CSV exports of message tables (one message per row), read with the `csv`
//! crate (RFC 4180 quoting, embedded line breaks, doubled quotes).
//!
//! Options (`SourceOptions`): `delimiter` (default `,`), `quote` (default `"`),
//! `header` (default true), `key_field` / `text_field` / `locale_field`: column
//! names from the header row (matched exactly, then ignoring case), or 1-based
//! column numbers when `header: false`. Without `key_field`/`text_field` the
//! first header among the catalog names of [`DEFAULT_KEY_FIELDS`] /
//! [`DEFAULT_TEXT_FIELDS`] is used.
//! The charset is the source's `encoding` (CSV exports from Windows systems are
//! often windows-1251); read/ decodes before this scanner runs.
//!
//! A row's line is the file line it starts on, counted here from the rows' byte
//! offsets ([`LineCounter`]): the csv crate's own count is off by one per CRLF.
//! Locale per row from `locale_field`, else the path, else the rules. Rows with
//! an empty key or too few columns are skipped with a warning; an empty text is
//! kept as an untranslated definition.

use std::io::BufRead;

use super::{
    DEFAULT_KEY_FIELDS, DEFAULT_TEXT_FIELDS, DefaultField, Item, ScanContext, Scanner,
    default_fields, locale_from_path, normalise_locale,
};
use crate::model::{Definition, DefinitionState, FormatId, Location, Role, Warning};

pub struct Csv;

impl Scanner for Csv {
    fn id(&self) -> FormatId {
        FormatId::Csv
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["csv", "tsv"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let warn = |emit: &mut dyn FnMut(Item), line: Option<u64>, message: String| {
            emit(Item::Warning(Warning::new(ctx.path, line, message)));
        };
        let options = ctx.options;
        let default_delimiter = if ctx.path.to_ascii_lowercase().ends_with(".tsv") {
            '\t'
        } else {
            ','
        };
        let (Some(delimiter), Some(quote)) = (
            single_byte(options.delimiter.unwrap_or(default_delimiter)),
            single_byte(options.quote.unwrap_or('"')),
        ) else {
            warn(
                emit,
                None,
                "CSV delimiter and quote must be ASCII characters, file skipped".to_string(),
            );
            return;
        };
        let has_header = options.header.unwrap_or(true);
        // Read whole, within the document cap: the csv crate would hold any
        // record whole, however long.
        let Some(text) = super::read_document(input, ctx, emit) else {
            return;
        };
        let mut reader = ::csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .quote(quote)
            .has_headers(false)
            .flexible(true)
            .from_reader(LineCounter::new(text.as_bytes(), ctx.first_line));
        let mut row = ::csv::StringRecord::new();
        let header: Vec<String> = if has_header {
            match reader.read_record(&mut row) {
                Ok(true) => row
                    .iter()
                    .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
                    .collect(),
                Ok(false) => return,
                Err(e) => {
                    let line = error_line(&e, reader.get_mut());
                    warn(emit, line, format!("unreadable CSV header: {e}"));
                    return;
                }
            }
        } else {
            Vec::new()
        };
        let column =
            |field: Option<&String>, defaults: &[DefaultField]| -> Result<Option<usize>, String> {
                match field {
                    Some(name) => find_column(&header, name, has_header)
                        .map(Some)
                        .ok_or_else(|| format!("no column `{name}`")),
                    None if has_header => Ok(default_fields(defaults, Role::Definitions)
                        .iter()
                        .find_map(|d| find_column(&header, d, true))),
                    None => Ok(None),
                }
            };
        let columns = (
            column(options.key_field.as_ref(), DEFAULT_KEY_FIELDS),
            column(options.text_field.as_ref(), DEFAULT_TEXT_FIELDS),
            column(options.locale_field.as_ref(), &[]),
        );
        let (key_col, text_col, locale_col) = match columns {
            (Ok(Some(k)), Ok(Some(t)), Ok(l)) => (k, t, l),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                warn(emit, Some(ctx.first_line), format!("{e}, file skipped"));
                return;
            }
            _ => {
                warn(
                    emit,
                    Some(ctx.first_line),
                    "no key or text column (set key_field and text_field), file skipped"
                        .to_string(),
                );
                return;
            }
        };
        let file_locale = locale_from_path(ctx.path).or_else(|| ctx.locale.map(str::to_string));
        loop {
            match reader.read_record(&mut row) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    let line = error_line(&e, reader.get_mut());
                    warn(emit, line, format!("malformed CSV row, skipped: {e}"));
                    // A read error ends the input; a malformed row does not.
                    if matches!(e.kind(), ::csv::ErrorKind::Io(_)) {
                        break;
                    }
                    continue;
                }
            }
            let line = row
                .position()
                .map_or(ctx.first_line, |p| reader.get_mut().line_at(p.byte()));
            if row.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let (Some(key), Some(text)) = (row.get(key_col), row.get(text_col)) else {
                warn(
                    emit,
                    Some(line),
                    "row has too few columns, skipped".to_string(),
                );
                continue;
            };
            if key.trim().is_empty() {
                warn(
                    emit,
                    Some(line),
                    "row has an empty key, skipped".to_string(),
                );
                continue;
            }
            let mut d = Definition::new(key.trim(), text, Location::new(ctx.path, line));
            if text.is_empty() {
                d.state = DefinitionState::Untranslated;
            }
            d.locale = locale_col
                .and_then(|c| row.get(c))
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|l| normalise_locale(l).unwrap_or_else(|| l.to_string()))
                .or_else(|| file_locale.clone());
            emit(Item::Definition(d));
        }
    }
}

fn single_byte(c: char) -> Option<u8> {
    u8::try_from(c).ok().filter(u8::is_ascii)
}

/// The column a field names: a header (exact, then ignoring case) or, without a
/// header row, a 1-based column number.
fn find_column(header: &[String], field: &str, has_header: bool) -> Option<usize> {
    if !has_header {
        return field
            .parse::<usize>()
            .ok()
            .filter(|&n| n >= 1)
            .map(|n| n - 1);
    }
    header
        .iter()
        .position(|h| h == field)
        .or_else(|| header.iter().position(|h| h.eq_ignore_ascii_case(field)))
}

fn error_line<R: BufRead>(e: &::csv::Error, lines: &mut LineCounter<R>) -> Option<u64> {
    e.position().map(|p| lines.line_at(p.byte()))
}

/// Passes the input to the CSV reader and notes where its lines end, so that
/// a row's byte offset gives its line. The csv crate's own line count is one
/// short for every `\r\n` before a row: a CRLF export would point one line
/// early per row. Offsets are asked for in increasing order, so only the line
/// ends read ahead of the last offset asked for are kept.
struct LineCounter<R> {
    inner: R,
    /// Bytes passed on so far.
    read: u64,
    /// Where the line being read started.
    line_start: u64,
    /// Whether the last byte passed on was a `\r`.
    after_cr: bool,
    /// The newlines passed on and not yet behind an asked offset: offset, and
    /// whether the line they end is blank (nothing, or only a `\r`).
    newlines: std::collections::VecDeque<(u64, bool)>,
    /// The line of the last offset asked for.
    line: u64,
}

impl<R: BufRead> LineCounter<R> {
    fn new(inner: R, first_line: u64) -> Self {
        LineCounter {
            inner,
            read: 0,
            line_start: 0,
            after_cr: false,
            newlines: std::collections::VecDeque::new(),
            line: first_line,
        }
    }

    /// The line (from the first line of the input) of a row the csv crate
    /// places at byte `offset`: it may place a row at the line ends before it
    /// (the `\n` of a CRLF, blank lines it skipped), so the newline at the
    /// offset and the blank lines after it are passed too.
    fn line_at(&mut self, offset: u64) -> u64 {
        while let Some(&(at, blank)) = self.newlines.front() {
            if at > offset && !blank {
                break;
            }
            self.newlines.pop_front();
            self.line += 1;
        }
        self.line
    }
}

impl<R: BufRead> std::io::Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let chunk = &buf[..n];
        for i in memchr::memchr_iter(b'\n', chunk) {
            let at = self.read + i as u64;
            let cr_before = if i > 0 {
                chunk[i - 1] == b'\r'
            } else {
                self.after_cr
            };
            let length = at - self.line_start;
            self.newlines
                .push_back((at, length == 0 || (length == 1 && cr_before)));
            self.line_start = at + 1;
        }
        if let Some(&last) = chunk.last() {
            self.after_cr = last == b'\r';
        }
        self.read += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;

    fn scan(path: &str, text: &str, options: &SourceOptions) -> Vec<Item> {
        crate::scan::testing::scan_text(&Csv, path, options, text)
    }

    #[test]
    fn header_columns_quotes_and_embedded_newlines() {
        let options = SourceOptions {
            delimiter: Some(';'),
            key_field: Some("CODE".into()),
            text_field: Some("Text".into()),
            locale_field: Some("lang".into()),
            ..SourceOptions::default()
        };
        let text = "code;text;lang\nE1;\"Карта заблокирована; звоните\";ru\nE2;\"two\nlines \"\"quoted\"\"\";en-us\n;orphan;ru\n";
        let items = scan("export.csv", text, &options);
        assert_eq!(
            crate::scan::testing::definition_tuples(&items),
            vec![
                (
                    "E1".into(),
                    "Карта заблокирована; звоните".into(),
                    Some("ru".into()),
                    2
                ),
                (
                    "E2".into(),
                    "two\nlines \"quoted\"".into(),
                    Some("en_US".into()),
                    3
                ),
            ]
        );
        assert!(
            items
                .iter()
                .any(|i| matches!(i, Item::Warning(w) if w.line == Some(5)))
        );
    }

    /// Windows exports end lines in CRLF; the csv crate counted such rows one
    /// line early (per CRLF before them). Quoted line breaks and blank lines
    /// count as the file has them.
    #[test]
    fn crlf_rows_point_at_their_own_line() {
        let options = SourceOptions::default();
        let text = "key,text\r\nE1,one\r\nE2,\"two\r\nlines\"\r\n\r\nE3,three\r\n,no key\r\nE4,\"a\r\n\r\nb\"\r\nE5,five";
        let items = scan("export.csv", text, &options);
        let lines = |items: &[Item]| -> Vec<(String, u64)> {
            crate::scan::testing::definition_tuples(items)
                .into_iter()
                .map(|(key, _, _, line)| (key, line))
                .collect()
        };
        assert_eq!(
            lines(&items),
            [
                ("E1".to_string(), 2),
                ("E2".to_string(), 3),
                ("E3".to_string(), 6),
                ("E4".to_string(), 8),
                ("E5".to_string(), 11),
            ]
        );
        assert!(
            items
                .iter()
                .any(|i| matches!(i, Item::Warning(w) if w.line == Some(7) && w.message.contains("empty key"))),
            "{items:?}"
        );
        // The same rows with LF line ends are on the same lines.
        let lf = scan("export.csv", &text.replace("\r\n", "\n"), &options);
        assert_eq!(lines(&lf), lines(&items));
        // And so when every CR and LF comes in a read of its own.
        struct OneByte<'a>(&'a [u8]);
        impl std::io::Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let Some((&first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = first;
                self.0 = rest;
                Ok(1)
            }
        }
        let ctx = ScanContext::for_test("export.csv", &options);
        let mut bytewise = Vec::new();
        Csv.scan(
            &mut std::io::BufReader::new(OneByte(text.as_bytes())),
            &ctx,
            &mut |i| bytewise.push(i),
        );
        assert_eq!(lines(&bytewise), lines(&items));
    }

    #[test]
    fn default_columns_and_headerless_numbers() {
        let items = scan(
            "errors_ru.csv",
            "id,message\n1001,Нет средств\n",
            &SourceOptions::default(),
        );
        assert_eq!(
            crate::scan::testing::definition_tuples(&items),
            vec![("1001".into(), "Нет средств".into(), Some("ru".into()), 2)]
        );
        let options = SourceOptions {
            header: Some(false),
            key_field: Some("2".into()),
            text_field: Some("1".into()),
            ..SourceOptions::default()
        };
        let items = scan("e.csv", "Hello,K1\n", &options);
        assert_eq!(
            crate::scan::testing::definition_tuples(&items),
            vec![("K1".into(), "Hello".into(), None, 1)]
        );
    }

    #[test]
    fn missing_columns_warn_and_skip_the_file() {
        let options = SourceOptions {
            text_field: Some("txt".into()),
            ..SourceOptions::default()
        };
        let items = scan("e.csv", "key,text\na,b\n", &options);
        assert!(matches!(&items[..], [Item::Warning(w)] if w.message.contains("no column `txt`")));
    }
}
