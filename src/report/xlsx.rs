//! `--format xlsx`: a workbook with sheets Summary, Definitions, Templates and
//! Flags; each table has its header frozen, an autofilter and column widths
//! fitted to the content (capped, long texts wrap).

use std::io::Write;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::table::{self, Cell, Table};
use super::{Report, Reporter};
use crate::audit;
use crate::model::KindId;

pub struct Xlsx;

/// Widest column, in characters; longer texts wrap.
const MAX_WIDTH: usize = 60;

impl Reporter for Xlsx {
    fn render(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        let bytes = workbook(report).map_err(std::io::Error::other)?;
        out.write_all(&bytes)
    }
}

fn workbook(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let header = Format::new().set_bold().set_background_color("#DDE4EE");
    let summary = book.add_worksheet().set_name("Summary")?;
    write_table(summary, &summary_table(report), &header)?;
    for (name, table) in [
        ("Definitions", table::definitions(report)),
        ("Templates", table::templates(report)),
        ("Flags", table::flags(report)),
    ] {
        let sheet = book.add_worksheet().set_name(name)?;
        write_table(sheet, &table, &header)?;
    }
    book.save_to_buffer()
}

/// Per system and flag kind: what the product owner looks at first.
fn summary_table(report: &Report) -> Table {
    let mut rows: Vec<Vec<Cell>> = report
        .systems
        .iter()
        .map(|s| {
            vec![
                Cell::Text(s.name.clone()),
                Cell::Text(String::new()),
                Cell::Number(s.definitions as u64),
                Cell::Number(s.templates as u64),
                Cell::Number(s.observations),
                Cell::Number(s.unmatched_templates as u64),
                Cell::Number(s.flags as u64),
            ]
        })
        .collect();
    // By system, then kind: errors first, then warnings, then notes.
    let mut by_kind: std::collections::BTreeMap<(&str, super::SeverityOrder, KindId), u64> =
        Default::default();
    for f in &report.flags {
        *by_kind
            .entry((&f.system, super::severity_order(f.kind), f.kind))
            .or_default() += 1;
    }
    rows.extend(by_kind.into_iter().map(|((system, _, kind), n)| {
        vec![
            Cell::Text(system.to_string()),
            Cell::Text(format!("{kind} ({})", audit::info(kind).severity)),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Text(String::new()),
            Cell::Number(n),
        ]
    }));
    Table {
        headers: &[
            "system",
            "flag kind",
            "definitions",
            "templates",
            "observations",
            "unmatched templates",
            "flags",
        ],
        rows,
    }
}

fn write_table(sheet: &mut Worksheet, table: &Table, header: &Format) -> Result<(), XlsxError> {
    let wrap = Format::new().set_text_wrap();
    let mut widths: Vec<usize> = table.headers.iter().map(|h| h.chars().count()).collect();
    for (col, name) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, *name, header)?;
    }
    for (i, row) in table.rows.iter().enumerate() {
        let r = i as u32 + 1;
        for (col, cell) in row.iter().enumerate() {
            let c = col as u16;
            match cell {
                Cell::Number(n) => {
                    sheet.write_number(r, c, *n as f64)?;
                }
                Cell::Text(s) if s.chars().count() > MAX_WIDTH || s.contains('\n') => {
                    sheet.write_string_with_format(r, c, s, &wrap)?;
                }
                Cell::Text(s) => {
                    sheet.write_string(r, c, s)?;
                }
            }
            let longest_line = cell.text().lines().map(|l| l.chars().count()).max();
            widths[col] = widths[col].max(longest_line.unwrap_or(0));
        }
    }
    for (col, width) in widths.iter().enumerate() {
        sheet.set_column_width(col as u16, (*width).clamp(6, MAX_WIDTH) as f64 + 2.0)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let last_row = table.rows.len() as u32;
    sheet.autofilter(0, 0, last_row, table.headers.len() as u16 - 1)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;
    use calamine::{Data, Reader, Xlsx as XlsxReader};

    fn read_back() -> XlsxReader<std::io::Cursor<Vec<u8>>> {
        let mut out = Vec::new();
        Xlsx.render(&sample_report(), &mut out).unwrap();
        XlsxReader::new(std::io::Cursor::new(out)).unwrap()
    }

    #[test]
    fn has_the_four_sheets_in_order() {
        let book = read_back();
        assert_eq!(
            book.sheet_names(),
            vec!["Summary", "Definitions", "Templates", "Flags"]
        );
    }

    #[test]
    fn sheets_hold_typed_rows_that_read_back() {
        let mut book = read_back();
        let defs = book.worksheet_range("Definitions").unwrap();
        assert_eq!(defs.get((0, 1)), Some(&Data::String("key".to_string())));
        assert_eq!(
            defs.get((1, 1)),
            Some(&Data::String("ERR_FUNDS".to_string()))
        );
        assert_eq!(
            defs.get((1, 5)),
            Some(&Data::String("Недостаточно средств: {0}".to_string()))
        );
        assert_eq!(defs.get((1, 6)), Some(&Data::Float(12.0)));
        let templates = book.worksheet_range("Templates").unwrap();
        assert_eq!(templates.height(), 3);
        let flags = book.worksheet_range("Flags").unwrap();
        assert_eq!(flags.height(), 4);
        assert_eq!(
            flags.get((2, 0)),
            Some(&Data::String("pii-exposed".to_string()))
        );
        let summary = book.worksheet_range("Summary").unwrap();
        assert_eq!(summary.get((1, 0)), Some(&Data::String("abs".to_string())));
        assert_eq!(summary.get((1, 6)), Some(&Data::Float(3.0)));
    }

    #[test]
    fn headers_are_frozen_and_filtered() {
        let mut out = Vec::new();
        Xlsx.render(&sample_report(), &mut out).unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(out)).unwrap();
        let mut sheet = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("xl/worksheets/sheet2.xml").unwrap(),
            &mut sheet,
        )
        .unwrap();
        assert!(sheet.contains(r#"state="frozen""#), "{sheet}");
        assert!(sheet.contains("<autoFilter ref=\"A1:M2\""), "{sheet}");
        assert!(sheet.contains("<col "), "{sheet}");
    }
}
