//! `--format csv`: one entity per file (`--entity templates|definitions|flags`),
//! RFC 4180 (quoted as needed, CRLF line ends), UTF-8 with a byte order mark so
//! that Excel opens Cyrillic text correctly.

use std::io::Write;

use super::table::{self, Entity};
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
            writer.write_record(row.iter().map(|c| c.text()))?;
        }
        writer.flush()
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
}
