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

use std::io::BufRead;

use super::{Item, ScanContext, Scanner, scan_lines};
use crate::model::{Location, LogRecord, RecordBody, Role, Warning};
use crate::timestamp;

pub struct FixedWidth;

impl Scanner for FixedWidth {
    fn name(&self) -> &'static str {
        "fixed_width"
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
    use crate::read::{self, Charset};
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

    proptest::proptest! {
        /// Bad input is a warning or nothing, never a panic.
        #[test]
        fn arbitrary_input_never_panics(input in crate::scan::testing::LOGGISH) {
            crate::scan::testing::scan_any(&FixedWidth, &input);
        }
    }
}
