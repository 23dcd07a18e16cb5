//! `--format csv`: one entity per file (`--entity templates|definitions|flags`),
//! RFC 4180 (quoted as needed, CRLF line ends), UTF-8 with a byte order mark so
//! that Excel opens Cyrillic text correctly.
//!
//! Texts come from logs anyone able to reach a client screen can write, so a
//! text cell a spreadsheet would read as a formula (starting with `=`, `+`, `-`,
//! `@`, tab or carriage return: `=HYPERLINK(…)`, `@SUM(…)`) is neutralised as
//! OWASP recommends, with a leading `'`. Number cells stay numbers. (The XLSX
//! export writes every text as a string cell, which is never evaluated.)

use std::borrow::Cow;
use std::io::Write;

use super::table::{self, Cell, Entity};
use super::{Report, Reporter};

pub struct Csv;

impl Reporter for Csv {
    /// The first entity, templates.
    fn render(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        self.render_entity(report, Entity::Templates, out)
    }
}

impl Csv {
    /// One entity as a CSV file.
    pub fn render_entity(
        &self,
        report: &Report,
        entity: Entity,
        out: &mut dyn Write,
    ) -> std::io::Result<()> {
        let table = table::table(report, entity);
        out.write_all("\u{feff}".as_bytes())?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        writer.write_record(table.headers)?;
        for row in &table.rows {
            writer.write_record(row.iter().map(|c| match c {
                Cell::Text(text) => neutralise(text).into_owned(),
                Cell::Number(_) => c.text(),
            }))?;
        }
        writer.flush()
    }
}

/// First characters that make a spreadsheet read a cell as a formula (OWASP,
/// "CSV Injection").
const FORMULA_TRIGGERS: &[char] = &['=', '+', '-', '@', '\t', '\r'];

/// A text cell as written: with a leading `'` when it would read as a formula.
fn neutralise(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_TRIGGERS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample_report;

    fn render(entity: Entity) -> Vec<u8> {
        let mut out = Vec::new();
        Csv.render_entity(&sample_report(), entity, &mut out)
            .unwrap();
        out
    }

    #[test]
    fn starts_with_a_bom_and_keeps_cyrillic_intact() {
        let out = render(Entity::Definitions);
        assert!(out.starts_with(&[0xEF, 0xBB, 0xBF]));
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("Недостаточно средств"));
    }

    #[test]
    fn is_rfc4180_with_crlf_and_quoted_fields() {
        let text = String::from_utf8(render(Entity::Templates)).unwrap();
        let mut lines = text.trim_start_matches('\u{feff}').split("\r\n");
        assert_eq!(
            lines.next().unwrap(),
            "system,template,count,first_seen,last_seen,definition,match,flags,samples,seen_in,id"
        );
        // A sample with a comma and quotes is quoted, quotes doubled.
        assert!(text.contains("\"Card <CARD>, \"\"blocked\"\"\""));
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(&rows[0][2], "12");
    }

    #[test]
    fn flags_carry_severity_and_advice() {
        let text = String::from_utf8(render(Entity::Flags)).unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[0], "field-too-long");
        assert_eq!(&row[1], "error");
        assert!(!row[6].is_empty());
    }

    /// Issue #14: texts an attacker writes into a log reached `templates.csv` as
    /// live formulas.
    #[test]
    fn formula_texts_are_neutralised_and_numbers_stay_numbers() {
        let mut report = sample_report();
        let formulas = [
            "=cmd|' /C calc'!A0",
            "=HYPERLINK(\"http://evil\",\"Нажмите\")",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "+7 912",
            "-2+3",
            "\tTAB",
            "\rCR",
        ];
        for (t, formula) in report.templates.iter_mut().zip(formulas.iter().cycle()) {
            t.template = formula.to_string();
            t.samples = formulas.iter().map(|f| f.to_string()).collect();
        }
        let mut out = Vec::new();
        Csv.render_entity(&report, Entity::Templates, &mut out)
            .unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), report.templates.len());
        for (row, t) in rows.iter().zip(&report.templates) {
            assert_eq!(&row[1], format!("'{}", t.template));
            // A cell is judged by its first character: one `'` for the cell.
            assert_eq!(&row[8], format!("'{}", t.samples.join("\n")));
            // The count is a number cell: written as is.
            assert_eq!(&row[2], t.count.to_string());
        }
        for safe in ["Карта заблокирована", "E-1001", "5 - 3", "'quoted", ""] {
            assert_eq!(neutralise(safe), safe);
        }
    }
}
