//! `--format json`: the report model as one JSON object (see `docs/report-json.md`).

use std::io::Write;

use super::{Report, Reporter};

pub struct Json;

impl Reporter for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report)?;
        writeln!(out)
    }
}
