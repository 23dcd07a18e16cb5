//! Reading one file through the stages: read (decompress, decode) → scan →
//! extract → mask, into definition and limit rows or masked groups. Runs on many
//! files at once; nothing here touches the catalog.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::group::{Groups, MaskedGroup};
use super::plan::PlannedFile;
use crate::audit::measure;
use crate::catalog::{DefinitionRow, FileRecord, LimitRow};
use crate::charset::Charset;
use crate::extract::Extractor;
use crate::mask::{Masker, normalise_placeholders};
use crate::model::{Definition, FieldLimit, MaskedObservation, Role, Warning};
use crate::read::{self, Window};
use crate::scan::SourceFile;
use crate::scan::cobol::library::Library;
use crate::scan::{Item, ScanContext};
use crate::tracking::{self, Plan};

/// What reading one file gave.
pub(super) enum Harvested {
    Unchanged,
    Failed(Warning),
    Read(Box<HarvestedFile>),
}

/// Everything one file yielded, before templates are assigned.
pub(super) struct HarvestedFile {
    pub record: FileRecord,
    pub records: u64,
    pub definitions: Option<Vec<DefinitionRow>>,
    pub limits: Option<Vec<LimitRow>>,
    pub observations: Vec<MaskedGroup>,
    pub warnings: Vec<Warning>,
}

pub(super) fn harvest_file(
    planned: &PlannedFile<'_>,
    library: Option<&Library>,
    masker: &Masker,
    as_of: NaiveDate,
) -> Harvested {
    let file = planned.file;
    let closed = planned.found.compressed || is_closed(&file.path);
    let window = match planned.plan {
        Plan::Unchanged { .. } => return Harvested::Unchanged,
        Plan::Resume { offset, lines, .. } => Window {
            offset,
            lines,
            take_tail: closed,
        },
        Plan::New => Window {
            offset: 0,
            lines: 0,
            take_tail: closed || file.role == Role::Definitions,
        },
    };
    let read = match harvest_window(planned, &window, library, masker, as_of) {
        // The content is shorter than the stored position: rewritten, so it is a
        // new file, read whole.
        Ok(None) => {
            let restart = Window {
                offset: 0,
                lines: 0,
                ..window
            };
            harvest_window(planned, &restart, library, masker, as_of).map(|h| {
                h.map(|mut h| {
                    h.record.id = None;
                    h
                })
            })
        }
        other => other,
    };
    match read {
        Ok(Some(h)) => Harvested::Read(Box::new(h)),
        Ok(None) => Harvested::Unchanged,
        Err(message) => Harvested::Failed(Warning::new(&file.display, None, message)),
    }
}

/// A log whose name says it was rotated gets no more lines: its last line is final.
fn is_closed(path: &std::path::Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(tracking::is_rotated_name)
}

/// Reads one window of a file; `Ok(None)` when the file is shorter than the window's offset.
fn harvest_window(
    planned: &PlannedFile<'_>,
    window: &Window,
    library: Option<&Library>,
    masker: &Masker,
    as_of: NaiveDate,
) -> Result<Option<HarvestedFile>, String> {
    let file = planned.file;
    // A format whose header gives later lines their meaning (W3C `#Fields:`) is
    // read from the start again; what it yields up to the resume line is dropped.
    let from_start = file.scanner.reads_from_start() && window.offset > 0;
    let resume_at = window.lines;
    let read_from = if from_start {
        Window {
            offset: 0,
            lines: 0,
            ..*window
        }
    } else {
        *window
    };
    let mut warnings = Vec::new();
    let charset = declared_charset(file, &mut warnings)?;
    let limits = crate::read::ReadLimits::of(file.caps, file.role);
    let options = &file.source.options;
    let (mut opened, end) = match options.record_length {
        Some(length) => {
            let columns = options.columns.iter().flat_map(|c| c.values().copied());
            let layout = read::RecordLayout::new(length, columns);
            read::open_records(&file.path, charset, &read_from, &layout, &limits)
        }
        None => read::open_window(&file.path, charset, &read_from, &limits),
    }
    .map_err(|e| e.to_string())?;
    if opened.guessed {
        warnings.push(Warning::new(
            &file.display,
            None,
            format!("encoding not declared, guessed {}", opened.charset.name()),
        ));
    }
    let fallback_time = chrono::DateTime::from_timestamp(planned.found.record.mtime, 0)
        .map(|t| t.naive_utc())
        .unwrap_or_default();
    let extractor = Extractor::from_spec(file.source.extractor.as_ref());
    let prefilter = match file.role {
        Role::Observations => extractor.line_prefilter(),
        Role::Definitions => None,
    };
    let locale = file
        .source
        .locale
        .as_deref()
        .or(file.system.locale.as_deref());
    let ctx = ScanContext {
        prefilter: prefilter.as_ref(),
        path: &file.display,
        first_line: read_from.lines + 1,
        locale,
        options: &file.source.options,
        as_of,
        file_time: fallback_time,
        charset: Some(opened.charset.name()),
        caps: file.caps,
        role: file.role,
        library,
    };
    let mut definitions = Vec::new();
    let mut limits = Vec::new();
    let mut groups = Groups::default();
    let mut records = 0;
    file.scanner
        .scan(&mut opened.reader, &ctx, &mut |item| match item {
            Item::Definition(d) => definitions.push(d),
            Item::Limit(l) => limits.push(l),
            Item::Warning(w) if from_start && w.line.is_some_and(|l| l <= resume_at) => {}
            Item::Record(r) if from_start && r.location.line <= resume_at => {}
            Item::Warning(w) => warnings.push(w),
            Item::Record(r) => {
                records += 1;
                if file.role != Role::Observations {
                    return;
                }
                let Some(obs) = extractor.extract(&r, fallback_time) else {
                    return;
                };
                // Lengths are taken before the raw text is dropped: lengths only, never values.
                let raw_length = measure::raw_length(&obs.text);
                let masked = masker.mask(&obs.text);
                groups.add(MaskedObservation {
                    raw_length,
                    text: masked.text,
                    key: obs.key.map(|k| masker.mask_key(&k)),
                    time: obs.time,
                    location: obs.location,
                    pii: masked.pii,
                });
            }
        });
    if end.short() {
        return Ok(None);
    }
    let replaced = opened.stats.replaced();
    if replaced > 0 {
        // The decoder numbers lines within the window; the file's numbers follow earlier scans.
        let lines: Vec<u64> = opened
            .stats
            .replaced_lines()
            .iter()
            .map(|l| l + window.lines)
            .collect();
        let listed: Vec<String> = lines.iter().map(u64::to_string).collect();
        warnings.push(Warning::new(
            &file.display,
            lines.first().copied(),
            format!(
                "{replaced} invalid byte sequence(s) in {} replaced by U+FFFD (first on line(s) {})",
                opened.charset.name(),
                listed.join(", "),
            ),
        ));
    }
    for w in opened.stats.warnings() {
        if !(from_start && w.line.is_some_and(|l| l <= resume_at)) {
            warnings.push(Warning::new(&file.display, w.line, w.message));
        }
    }
    let system = &file.system.name;
    let is_definitions = file.role == Role::Definitions;
    Ok(Some(HarvestedFile {
        record: FileRecord {
            encoding: opened.charset.name().to_string(),
            offset: end.offset(),
            lines: end.lines(),
            fingerprint: tracking::identity(&planned.found.record.fingerprint, &end.tail()),
            ..planned.found.record.clone()
        },
        records,
        definitions: is_definitions
            .then(|| definition_rows(system, &file.rel, definitions, masker)),
        limits: (is_definitions || !limits.is_empty()).then(|| limit_rows(system, limits)),
        observations: groups.into_sorted(),
        warnings,
    }))
}

/// The charset to decode `file` with: the declared one, else for a format with
/// a legacy charset of its own UTF-8 when the whole file is valid UTF-8, else
/// that charset, with a warning naming the first line that is not UTF-8.
fn declared_charset(
    file: &SourceFile<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Option<Charset>, String> {
    let (None, Some(default)) = (file.charset, file.default_charset) else {
        return Ok(file.charset);
    };
    let chosen = read::utf8_or(&file.path, default).map_err(|e| e.to_string())?;
    if let Some(line) = chosen.invalid_line {
        warnings.push(Warning::new(
            &file.display,
            Some(line),
            format!(
                "not valid UTF-8: read as {}, the {} default (declare `encoding:` in the rules if it is another charset)",
                chosen.charset.name(),
                file.scanner.id()
            ),
        ));
    }
    Ok(Some(chosen.charset))
}

/// Stored rows for a file's definitions; ids are stable across runs, the same on
/// every host that deploys the file (they hash its path under the system's root,
/// not where a host keeps it), and distinct for a key repeated in one file (the
/// repeat is evidence of a duplicate key).
fn definition_rows(
    system: &str,
    rel: &str,
    defs: Vec<Definition>,
    masker: &Masker,
) -> Vec<DefinitionRow> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    defs.into_iter()
        .map(|d| {
            let identity = format!(
                "{rel}\0{}\0{}\0{}",
                d.key,
                d.locale.as_deref().unwrap_or(""),
                d.form.as_deref().unwrap_or("")
            );
            let nth = seen.entry(identity.clone()).or_default();
            *nth += 1;
            let id = crate::cluster::template_id(system, &format!("{identity}\0{nth}"));
            DefinitionRow {
                id,
                system: system.to_string(),
                template: masker.mask(&normalise_placeholders(&d.text)).text,
                key: d.key,
                locale: d.locale,
                form: d.form,
                text: d.text,
                raw: d.raw,
                state: d.state,
                note: d.note,
                path: d.location.path,
                line: d.location.line,
                flow: d.flow,
            }
        })
        .collect()
}

fn limit_rows(system: &str, limits: Vec<FieldLimit>) -> Vec<LimitRow> {
    limits
        .into_iter()
        .map(|l| LimitRow {
            system: system.to_string(),
            field: l.field,
            max: l.max,
            unit: l.unit,
            path: l.location.path,
            line: l.location.line,
        })
        .collect()
}
