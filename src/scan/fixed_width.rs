//! Fixed-width records: each line cut into columns the rules name.
//!
//! Legacy systems write records in fixed positions (often in windows-1251 or
//! EBCDIC; `read` decodes them into lines first). `options.columns` maps each
//! column name to `[start, end)` character positions, 1-based: `text: [23, 63]`
//! is characters 23 to 62. Positions count characters after decoding, so a
//! Cyrillic letter is one position whatever its bytes.
//!
//! The body is [`RecordBody::Fields`] in column order, values trimmed; a line
//! shorter than a column gives it an empty value. The record time comes from
//! the `date` and `time` columns if the spec has them, else from the first
//! timestamp anywhere in the line. Blank lines are no records. Without a
//! column spec the file cannot be read: one warning, no records. The format is
//! never recognised without rules.
//!
//! A source of `role: definitions` (a message file) yields definitions instead:
//! the key from the `key_field` column (default: the first column named like a
//! key, [`DEFAULT_KEY_FIELDS`]: `code`, `key`, `id`…), the text from the
//! `text_field` column (default [`DEFAULT_TEXT_FIELDS`]: `text`, `message`…),
//! the locale from `locale_field`, else the file's path or the rules.
//! Mainframe message files have no line ends: with `record_length` the reader
//! (`read/records.rs`) has already turned each record into a line whose
//! character positions are the record's byte positions, so the same columns apply.

use std::io::BufRead;

use super::{
    DEFAULT_KEY_FIELDS, DEFAULT_TEXT_FIELDS, Item, ScanContext, Scanner, default_fields,
    locale_from_path, normalise_locale, scan_lines,
};
use crate::model::{Definition, FormatId, Location, LogRecord, RecordBody, Role, Warning};
use crate::timestamp;

pub struct FixedWidth;

impl Scanner for FixedWidth {
    fn id(&self) -> FormatId {
        FormatId::FixedWidth
    }

    fn role(&self) -> Role {
        Role::Observations
    }

    fn extensions(&self) -> &'static [&'static str] {
        &[]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let columns = columns(ctx, emit);
        if columns.is_empty() {
            emit(Item::Warning(Warning::new(
                ctx.path,
                None,
                "fixed_width needs `options.columns` (name: [start, end)) in the rules; file skipped",
            )));
            return;
        }
        let has = |name: &str| columns.iter().any(|c| c.name == name);
        let date_time_columns = has("date") || has("time");
        let messages = match ctx.role {
            Role::Definitions => match MessageColumns::of(ctx, &columns) {
                Ok(messages) => Some(messages),
                Err(warning) => return emit(Item::Warning(warning)),
            },
            Role::Observations => None,
        };
        scan_lines(input, ctx, emit, |line_no, line, emit| {
            if line.trim().is_empty() {
                return;
            }
            let chars: Vec<char> = line.chars().collect();
            let fields: Vec<(String, String)> = columns
                .iter()
                .map(|c| {
                    let cut = &chars[c.start.min(chars.len())..c.end.min(chars.len())];
                    let value: String = cut.iter().collect();
                    (c.name.to_string(), value.trim().to_string())
                })
                .collect();
            if let Some(messages) = &messages {
                return emit(messages.definition(ctx, line_no, &fields));
            }
            let time = if date_time_columns {
                timestamp::from_date_and_time(&fields, None)
            } else {
                timestamp::find(line)
            };
            emit(Item::Record(LogRecord {
                location: Location::new(ctx.path, line_no),
                time,
                body: RecordBody::Fields(fields),
            }));
        });
    }
}

/// Which columns give a definition's key, text and locale.
struct MessageColumns {
    key: String,
    text: String,
    locale: Option<String>,
    /// Locale of records that carry none.
    file_locale: Option<String>,
}

impl MessageColumns {
    /// The columns the rules name, or the first of the defaults among the
    /// columns; a warning when the key or text column is missing.
    fn of(ctx: &ScanContext<'_>, columns: &[Column<'_>]) -> Result<MessageColumns, Warning> {
        let o = ctx.options;
        let pick = |named: &Option<String>, defaults, what: &str| {
            let wanted: Vec<String> = match named {
                Some(n) => vec![n.clone()],
                None => default_fields(defaults, Role::Definitions)
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            };
            wanted
                .iter()
                .find(|w| columns.iter().any(|c| c.name == w.as_str()))
                .cloned()
                .ok_or_else(|| {
                    Warning::new(
                        ctx.path,
                        None,
                        format!(
                            "definitions need a {what} column (`{}`; set options.{what}_field); file skipped",
                            wanted.join("`/`")
                        ),
                    )
                })
        };
        Ok(MessageColumns {
            key: pick(&o.key_field, DEFAULT_KEY_FIELDS, "key")?,
            text: pick(&o.text_field, DEFAULT_TEXT_FIELDS, "text")?,
            locale: o.locale_field.clone(),
            file_locale: locale_from_path(ctx.path).or_else(|| ctx.locale.map(str::to_string)),
        })
    }

    /// The definition of one record, or a warning when its key or text is blank.
    fn definition(&self, ctx: &ScanContext<'_>, line: u64, fields: &[(String, String)]) -> Item {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        };
        let (Some(key), Some(text)) = (get(&self.key), get(&self.text)) else {
            let missing = if get(&self.key).is_none() {
                &self.key
            } else {
                &self.text
            };
            return Item::Warning(Warning::new(
                ctx.path,
                Some(line),
                format!("record with a blank `{missing}` column, skipped"),
            ));
        };
        let mut d = Definition::new(key, text, Location::new(ctx.path, line));
        d.locale = self
            .locale
            .as_deref()
            .and_then(get)
            .map(|l| normalise_locale(l).unwrap_or_else(|| l.to_string()))
            .or_else(|| self.file_locale.clone());
        Item::Definition(d)
    }
}

/// A column as 0-based character offsets `[start, end)`.
struct Column<'a> {
    name: &'a str,
    start: usize,
    end: usize,
}

/// The valid columns of the rules in position order; invalid ones are warnings.
fn columns<'a>(ctx: &ScanContext<'a>, emit: &mut dyn FnMut(Item)) -> Vec<Column<'a>> {
    let mut columns: Vec<Column<'a>> = Vec::new();
    for (name, &[start, end]) in ctx.options.columns.iter().flatten() {
        if start == 0 || end <= start {
            emit(Item::Warning(Warning::new(
                ctx.path,
                None,
                format!(
                    "column `{name}`: [{start}, {end}) is no range of 1-based positions, column ignored"
                ),
            )));
            continue;
        }
        columns.push(Column {
            name,
            start: start - 1,
            end: end - 1,
        });
    }
    columns.sort_by_key(|c| (c.start, c.end));
    columns
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::charset::Charset;
    use crate::read;
    use crate::rules::SourceOptions;
    use crate::scan::testing::{fixture_path, render, scan_str};

    fn options(columns: &[(&str, [usize; 2])]) -> SourceOptions {
        let columns: BTreeMap<String, [usize; 2]> =
            columns.iter().map(|(n, r)| (n.to_string(), *r)).collect();
        SourceOptions {
            columns: Some(columns),
            ..SourceOptions::default()
        }
    }

    /// The fixture's items, read through `read` as windows-1251, as the scan does.
    fn scan_fixture(options: &SourceOptions) -> Vec<Item> {
        let path = fixture_path("logs/fixed-width.cp1251.txt");
        let mut opened = read::open(path.as_ref(), Charset::from_label("cp1251")).unwrap();
        let ctx = ScanContext::for_test("fixed-width.cp1251.txt", options);
        let mut items = Vec::new();
        FixedWidth.scan(&mut opened.reader, &ctx, &mut |i| items.push(i));
        items
    }

    #[test]
    fn cp1251_records_cut_by_character_positions() {
        let options = options(&[
            ("text", [23, 63]),
            ("code", [17, 23]),
            ("time", [10, 16]),
            ("date", [1, 9]),
            ("empty", [0, 4]),
        ]);
        assert_eq!(
            render(&scan_fixture(&options)),
            [
                "0 warning: column `empty`: [0, 4) is no range of 1-based positions, column ignored",
                "1 2024-03-01 10:00:00 date=20240301|time=100000|code=D05|text=Недостаточно средств на счёте",
                "2 2024-03-01 10:01:05 date=20240301|time=100105|code=GATE1|text=Сервис «Платежи» недоступен",
                "3 2024-03-01 10:02:10 date=20240301|time=100210|code=|text=",
                "5 2024-03-02 09:30:00 date=20240302|time=093000|code=LIM1|text=Превышен лимит",
                "6 - date=2024|time=|code=|text=",
            ]
        );
    }

    #[test]
    fn no_columns_no_records_and_time_found_in_the_line() {
        let none = SourceOptions::default();
        let ctx = ScanContext::for_test("f.txt", &none);
        let items = scan_str(&FixedWidth, "x\n", &ctx);
        assert!(matches!(&items[..], [Item::Warning(w)] if w.message.contains("options.columns")));

        let options = options(&[("msg", [21, 40])]);
        let ctx = ScanContext::for_test("f.txt", &options);
        let items = scan_str(&FixedWidth, "01.03.2024 10:00:00 Отказ\n", &ctx);
        assert_eq!(render(&items), ["1 2024-03-01 10:00:00 msg=Отказ"]);
    }

    #[test]
    fn a_message_file_of_role_definitions_gives_definitions() {
        let mut options = options(&[("code", [1, 9]), ("text", [9, 60]), ("lang", [60, 62])]);
        let input = format!(
            "{:<59}ru\n{:<59}ru\n\nERR00003Card blocked\n",
            "ERR00001Insufficient funds", "ERR00002"
        );
        let input = input.as_str();
        let ctx = ScanContext {
            role: Role::Definitions,
            locale: Some("en"),
            ..ScanContext::for_test("msgs.dat", &options)
        };
        let items = scan_str(&FixedWidth, input, &ctx);
        assert_eq!(
            crate::scan::testing::definition_tuples(&items),
            [
                (
                    "ERR00001".into(),
                    "Insufficient funds".into(),
                    Some("en".into()),
                    1
                ),
                (
                    "ERR00003".into(),
                    "Card blocked".into(),
                    Some("en".into()),
                    4
                ),
            ]
        );
        assert_eq!(
            render(&items[1..2]),
            ["2 warning: record with a blank `text` column, skipped"]
        );
        options.locale_field = Some("lang".into());
        let ctx = ScanContext {
            role: Role::Definitions,
            ..ScanContext::for_test("msgs.dat", &options)
        };
        let items = scan_str(&FixedWidth, input, &ctx);
        assert_eq!(
            crate::scan::testing::definitions(&items)[0]
                .locale
                .as_deref(),
            Some("ru")
        );
        // Without a text column there is nothing to define.
        let options = self::options(&[("code", [1, 9]), ("body", [9, 60])]);
        let ctx = ScanContext {
            role: Role::Definitions,
            ..ScanContext::for_test("msgs.dat", &options)
        };
        assert_eq!(
            render(&scan_str(&FixedWidth, input, &ctx)),
            [
                "0 warning: definitions need a text column (`userMessage`/`user_message`/`defaultUserMessage`/`clientMessage`/`client_message`/`displayMessage`/`display_message`/`errorText`/`error_text`/`error_description`/`text`/`message`/`msg`/`value`/`msgstr`; set options.text_field); file skipped"
            ]
        );
    }

    proptest::proptest! {
        /// Bad input is a warning or nothing, never a panic.
        #[test]
        fn arbitrary_input_never_panics(input in crate::scan::testing::LOGGISH) {
            crate::scan::testing::scan_any(&FixedWidth, &input);
        }
    }
}
