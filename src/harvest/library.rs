//! The COBOL library of each system: its copybooks and BMS maps, read once
//! before its files are scanned, so that every program of the system resolves
//! its `COPY` members and screen fields against the same texts.

use std::collections::HashMap;
use std::io::Read;

use crate::model::{FormatId, Warning};
use crate::read;
use crate::scan::SourceFile;
use rayon::prelude::*;

use crate::scan::cobol::library::Library;
use crate::scan::cobol::program::copied_values_on_screen;

/// The library of every system that has COBOL programs, by system name. A
/// copybook or map that cannot be read is left out (its own scan warns).
pub(super) fn libraries(files: &[SourceFile<'_>]) -> HashMap<String, Library> {
    let mut out: HashMap<String, Library> = HashMap::new();
    for file in files
        .iter()
        .filter(|f| f.scanner.id() == FormatId::CobolProgram)
    {
        out.entry(file.system.name.clone()).or_insert_with(|| {
            let mut library = Library::default();
            library.set_programs(true);
            library.set_message_fields(
                file.system
                    .message_fields
                    .iter()
                    .map(|f| case_insensitive(&f.0))
                    .collect(),
            );
            library
        });
    }
    let mut programs: Vec<&SourceFile<'_>> = Vec::new();
    let mut sorted: Vec<&SourceFile<'_>> = files
        .iter()
        .filter(|f| matches!(f.scanner.id(), FormatId::Cobol | FormatId::Bms))
        .filter(|f| out.contains_key(&f.system.name))
        .collect();
    sorted.sort_by(|a, b| a.display.cmp(&b.display));
    for file in sorted {
        let Ok(text) = read_text(file) else { continue };
        let Some(library) = out.get_mut(&file.system.name) else {
            continue;
        };
        match file.scanner.id() {
            FormatId::Bms => library.add_map(&file.display, &text),
            _ => library.add_member(&file.display, text),
        }
    }
    programs.extend(
        files
            .iter()
            .filter(|f| f.scanner.id() == FormatId::CobolProgram),
    );
    // Which copybook texts reach a screen is known only from the programs:
    // read them once here, so each copybook gives its texts once.
    let found: Vec<(String, Vec<(String, u64)>)> = programs
        .par_iter()
        .filter_map(|file| {
            let library = out.get(&file.system.name)?;
            let text = read_text(file).ok()?;
            Some((
                file.system.name.clone(),
                copied_values_on_screen(&text, library),
            ))
        })
        .collect();
    for (system, entries) in found {
        if let Some(library) = out.get_mut(&system) {
            for (path, line) in entries {
                library.add_value_on_screen(path, line);
            }
        }
    }
    out
}

/// A rules regex matching data names whatever their case (COBOL's are).
fn case_insensitive(re: &regex::Regex) -> regex::Regex {
    regex::RegexBuilder::new(re.as_str())
        .case_insensitive(true)
        .build()
        .unwrap_or_else(|_| re.clone())
}

fn read_text(file: &SourceFile<'_>) -> Result<String, Warning> {
    let fail = |e: String| Warning::new(&file.display, None, e);
    let mut opened = read::open(&file.path, file.charset).map_err(|e| fail(e.to_string()))?;
    let mut text = String::new();
    opened
        .reader
        .read_to_string(&mut text)
        .map_err(|e| fail(e.to_string()))?;
    Ok(text)
}
