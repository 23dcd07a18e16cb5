//! `errata scan`: runs the pipeline stages over the discovered files and stores
//! the results in the catalog.
//!
//! Files are read, decoded, scanned, extracted and masked in parallel (rayon);
//! templating and catalog writes are sequential, so ids and counts do not depend
//! on thread timing. Each file's results are committed together with its new
//! position, so an unchanged file is never counted twice.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Read};
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};
use rayon::prelude::*;

use crate::audit::{self, AuditInput};
use crate::catalog::{
    Catalog, CatalogError, DefinitionRow, FileBatch, FileRecord, FileState, LimitRow, RunStats,
    TemplateDelta,
};
use crate::cluster::{Assignment, DefinitionIndex, IndexedDefinition, MinerConfig, TemplateMiner};
use crate::discover::{self, SourceFile};
use crate::extract::Extractor;
use crate::mask::{Masker, PiiKind, normalise_placeholders};
use crate::model::{Definition, FieldLimit, LimitUnit, MaskedObservation, Role, Warning};
use crate::read;
use crate::rules::Rules;
use crate::scan::{Item, ScanContext};

/// What `errata scan` was asked to do.
pub struct ScanOptions {
    /// Trees to scan; system roots are resolved against each.
    pub paths: Vec<PathBuf>,
    /// "Today" for staleness and for timestamps without a year.
    pub as_of: NaiveDate,
}

/// What a scan did, for the summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ScanOutcome {
    pub run: i64,
    pub as_of: NaiveDate,
    pub stats: RunStats,
    /// Number of flags by kind (suppressed ones included).
    pub flags: BTreeMap<String, usize>,
    pub warnings: Vec<Warning>,
}

/// Files committed per transaction.
const FILES_PER_COMMIT: usize = 64;

/// Bytes hashed to recognise a file again.
const HEAD_HASH_LEN: usize = 4096;

/// Runs a scan: discovery, per-file harvest, templates, matching, flags.
pub fn scan(
    rules: &Rules,
    catalog: &mut Catalog,
    options: &ScanOptions,
) -> Result<ScanOutcome, CatalogError> {
    let discovery = discover::discover(rules, &options.paths);
    let run = catalog.begin_run(&options.as_of.to_string())?;
    let mut stats = RunStats {
        files_skipped: discovery.skipped.len() as u64,
        ..RunStats::default()
    };
    let mut warnings = discovery.skipped.clone();
    catalog.add_warnings(run, &discovery.skipped)?;

    let known: HashMap<String, FileState> = discovery
        .files
        .iter()
        .filter_map(|f| {
            catalog
                .file_state(&f.display)
                .transpose()
                .map(|s| s.map(|s| (f.display.clone(), s)))
        })
        .collect::<Result<_, _>>()?;

    let masker = Masker::new(rules);
    let harvested: Vec<Harvested> = discovery
        .files
        .par_iter()
        .map(|file| harvest_file(file, known.get(&file.display), &masker, options.as_of))
        .collect();

    // Templates are mined per system over all files of the run at once, so that a
    // variable is recognised across files; the miners start from the stored templates.
    let (miners, assigned) = mine(catalog, rules, &harvested)?;
    let mut batches = Vec::new();
    for h in harvested {
        match h {
            Harvested::Unchanged => stats.files_unchanged += 1,
            Harvested::Failed(w) => {
                stats.files_skipped += 1;
                stats.warnings += 1;
                warnings.push(w.clone());
                catalog.add_warnings(run, &[w])?;
            }
            Harvested::Read(file) => {
                stats.files_scanned += 1;
                stats.records += file.records;
                stats.observations += file.observations.iter().map(|o| o.count).sum::<u64>();
                stats.definitions += file.definitions.as_ref().map_or(0, |d| d.len() as u64);
                stats.warnings += file.warnings.len() as u64;
                warnings.extend(file.warnings.iter().cloned());
                let templates = assigned.get(file.record.system.as_str());
                batches.push(into_batch(*file, templates.unwrap_or(&HashMap::new())));
                if batches.len() == FILES_PER_COMMIT {
                    catalog.commit(run, &batches)?;
                    batches.clear();
                }
            }
        }
    }
    catalog.commit(run, &batches)?;
    let capped: Vec<Warning> = miners
        .iter()
        .filter(|(_, m)| m.overflow() > 0)
        .map(|(system, m)| {
            Warning::new(
                format!("system {system}"),
                None,
                format!(
                    "template cap of {} reached: {} observation(s) kept as exact templates, not clustered (raise `clustering: max_templates`)",
                    m.len(),
                    m.overflow()
                ),
            )
        })
        .collect();
    stats.warnings += capped.len() as u64;
    catalog.add_warnings(run, &capped)?;
    warnings.extend(capped);

    rematch(catalog)?;
    let snapshot = catalog.snapshot()?;
    stats.templates = snapshot.templates.len() as u64;
    let flags = audit::run(&AuditInput {
        snapshot: &snapshot,
        rules,
        as_of: options.as_of,
    });
    let mut by_kind = BTreeMap::new();
    for f in &flags {
        *by_kind.entry(f.kind.to_string()).or_insert(0) += 1;
    }
    catalog.finish_run(run, &stats, &flags)?;
    Ok(ScanOutcome {
        run,
        as_of: options.as_of,
        stats,
        flags: by_kind,
        warnings,
    })
}

/// The template of each masked text, by system.
type Assigned = HashMap<String, HashMap<String, Assignment>>;

/// Mines the templates of the run's observations, per system, in file order.
fn mine(
    catalog: &Catalog,
    rules: &Rules,
    harvested: &[Harvested],
) -> Result<(BTreeMap<String, TemplateMiner>, Assigned), CatalogError> {
    let mut texts: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for h in harvested {
        if let Harvested::Read(file) = h {
            texts
                .entry(file.record.system.as_str())
                .or_default()
                .extend(file.observations.iter().map(|g| g.text.as_str()));
        }
    }
    let mut miners = BTreeMap::new();
    let mut assigned: Assigned = HashMap::new();
    for (system, texts) in texts {
        let mut miner = stored_miner(catalog, rules, system)?;
        let of_system = assigned.entry(system.to_string()).or_default();
        for (text, assignment) in texts.iter().zip(miner.assign_batch(&texts)) {
            of_system.insert(text.to_string(), assignment);
        }
        miners.insert(system.to_string(), miner);
    }
    Ok((miners, assigned))
}

/// A system's miner, starting from its stored templates so that their ids hold.
fn stored_miner(
    catalog: &Catalog,
    rules: &Rules,
    system: &str,
) -> Result<TemplateMiner, CatalogError> {
    let mut miner =
        TemplateMiner::with_config(system, MinerConfig::from_rules(&rules.clustering, system));
    for (id, template) in catalog.templates_of(system)? {
        miner.load(&id, &template);
    }
    Ok(miner)
}

/// Re-derives the definition each template matches (definitions may have changed).
fn rematch(catalog: &mut Catalog) -> Result<(), CatalogError> {
    let snapshot = catalog.snapshot()?;
    let live: Vec<&DefinitionRow> = snapshot
        .definitions
        .iter()
        .map(|d| &d.row)
        .filter(|d| d.state != "obsolete")
        .collect();
    let index = DefinitionIndex::new(live.iter().map(|d| IndexedDefinition {
        system: &d.system,
        key: &d.key,
        template: &d.template,
    }));
    let matches: Vec<_> = snapshot
        .templates
        .iter()
        .map(
            |t| match index.find(&t.system, t.key.as_deref(), &t.template) {
                Some(m) => (
                    t.id.clone(),
                    Some(live[m.definition].id.clone()),
                    Some(m.kind.as_str()),
                ),
                None => (t.id.clone(), None, None),
            },
        )
        .collect();
    catalog.update_matches(&matches)
}

enum Harvested {
    Unchanged,
    Failed(Warning),
    Read(Box<HarvestedFile>),
}

/// Observations of one masked text within one file.
struct MaskedGroup {
    text: String,
    key: Option<String>,
    count: u64,
    first: NaiveDateTime,
    last: NaiveDateTime,
    first_line: u64,
    max_raw_chars: u64,
    days: BTreeMap<NaiveDate, u64>,
    pii: BTreeMap<PiiKind, u32>,
}

struct HarvestedFile {
    record: FileRecord,
    records: u64,
    definitions: Option<Vec<DefinitionRow>>,
    limits: Option<Vec<LimitRow>>,
    observations: Vec<MaskedGroup>,
    warnings: Vec<Warning>,
}

fn harvest_file(
    file: &SourceFile<'_>,
    known: Option<&FileState>,
    masker: &Masker,
    as_of: NaiveDate,
) -> Harvested {
    let fail = |message: String| Harvested::Failed(Warning::new(&file.display, None, message));
    let meta = match std::fs::metadata(&file.path) {
        Ok(m) => m,
        Err(e) => return fail(format!("cannot read: {e}")),
    };
    let size = meta.len();
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs() as i64);
    let head_hash = match head_hash(&file.path) {
        Ok(h) => h,
        Err(e) => return fail(format!("cannot read: {e}")),
    };
    let state = FileState {
        size,
        mtime,
        head_hash,
        lines: 0,
    };
    // Observations are counted once: a log that only grew is read from where the
    // last scan stopped. Definitions are re-read whole whenever their file changed.
    let resume_at = match known {
        Some(k) if k.size == size && k.mtime == mtime && k.head_hash == state.head_hash => {
            return Harvested::Unchanged;
        }
        Some(k)
            if file.role == Role::Observations
                && size >= k.size
                && same_head(&file.path, k, &state) =>
        {
            k.lines
        }
        _ => 0,
    };
    let mut opened = match read::open(&file.path, file.charset) {
        Ok(o) => o,
        Err(e) => return fail(e.to_string()),
    };
    let mut warnings = Vec::new();
    if opened.guessed {
        warnings.push(Warning::new(
            &file.display,
            None,
            format!("encoding not declared, guessed {}", opened.charset.name()),
        ));
    }
    let mut skipped = 0;
    let mut discard = String::new();
    while skipped < resume_at {
        discard.clear();
        match opened.reader.read_line(&mut discard) {
            Ok(0) | Err(_) => break,
            Ok(_) => skipped += 1,
        }
    }

    let fallback_time = chrono::DateTime::from_timestamp(mtime, 0)
        .map(|t| t.naive_utc())
        .unwrap_or_default();
    let extractor = Extractor::from_spec(file.source.extractor.as_ref());
    let locale = file
        .source
        .locale
        .as_deref()
        .or(file.system.locale.as_deref());
    let ctx = ScanContext {
        path: &file.display,
        first_line: resume_at + 1,
        locale,
        options: &file.source.options,
        as_of,
        file_time: fallback_time,
    };
    let mut definitions = Vec::new();
    let mut limits = Vec::new();
    let mut groups: HashMap<String, MaskedGroup> = HashMap::new();
    let mut records = 0;
    let mut counting = CountingReader {
        inner: &mut opened.reader,
        lines: 0,
    };
    let mut reader = std::io::BufReader::new(&mut counting);
    file.scanner
        .scan(&mut reader, &ctx, &mut |item| match item {
            Item::Definition(d) => definitions.push(d),
            Item::Limit(l) => limits.push(l),
            Item::Warning(w) => warnings.push(w),
            Item::Record(r) => {
                records += 1;
                if file.role != Role::Observations {
                    return;
                }
                let Some(obs) = extractor.extract(&r, fallback_time) else {
                    return;
                };
                let masked = masker.mask(&obs.text);
                add_observation(
                    &mut groups,
                    MaskedObservation {
                        raw_chars: obs.text.chars().count(),
                        text: masked.text,
                        key: obs.key,
                        time: obs.time,
                        location: obs.location,
                        pii: masked.pii,
                    },
                );
            }
        });
    drop(reader);
    let lines_read = counting.lines;
    let replaced = opened.stats.replaced();
    if replaced > 0 {
        warnings.push(Warning::new(
            &file.display,
            None,
            format!(
                "{replaced} invalid byte sequence(s) in {} replaced by U+FFFD",
                opened.charset.name()
            ),
        ));
    }
    let system = &file.system.name;
    let mut observations: Vec<MaskedGroup> = groups.into_values().collect();
    observations.sort_by(|a, b| a.first_line.cmp(&b.first_line).then(a.text.cmp(&b.text)));
    let is_definitions = file.role == Role::Definitions;
    Harvested::Read(Box::new(HarvestedFile {
        record: FileRecord {
            path: file.display.clone(),
            system: system.clone(),
            role: file.role.as_str().to_string(),
            format: file.scanner.name().to_string(),
            encoding: opened.charset.name().to_string(),
            state: FileState {
                lines: resume_at + lines_read,
                ..state
            },
        },
        records,
        definitions: is_definitions
            .then(|| definition_rows(system, &file.display, definitions, masker)),
        limits: (is_definitions || !limits.is_empty()).then(|| limit_rows(system, limits)),
        observations,
        warnings,
    }))
}

/// Counts the lines a scanner consumed, so a later scan can resume after them.
struct CountingReader<'a> {
    inner: &'a mut Box<dyn BufRead + Send>,
    lines: u64,
}

impl Read for CountingReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.lines += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
        Ok(n)
    }
}

fn add_observation(groups: &mut HashMap<String, MaskedGroup>, obs: MaskedObservation) {
    let day = obs.time.date();
    let raw = obs.raw_chars as u64;
    let g = groups
        .entry(obs.text.clone())
        .or_insert_with(|| MaskedGroup {
            text: obs.text.clone(),
            key: obs.key.clone(),
            count: 0,
            first: obs.time,
            last: obs.time,
            first_line: obs.location.line,
            max_raw_chars: 0,
            days: BTreeMap::new(),
            pii: BTreeMap::new(),
        });
    g.count += 1;
    g.first = g.first.min(obs.time);
    g.last = g.last.max(obs.time);
    g.max_raw_chars = g.max_raw_chars.max(raw);
    if g.key.is_none() {
        g.key = obs.key;
    }
    *g.days.entry(day).or_default() += 1;
    for (kind, n) in obs.pii {
        *g.pii.entry(kind).or_default() += n;
    }
}

/// Turns one file's masked groups into template deltas, in file order.
fn into_batch(file: HarvestedFile, templates: &HashMap<String, Assignment>) -> FileBatch {
    let mut deltas: Vec<TemplateDelta> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for g in file.observations {
        // `mine` assigned every observed text of the run.
        let assigned = templates[&g.text].clone();
        let i = *position.entry(assigned.id.clone()).or_insert_with(|| {
            deltas.push(TemplateDelta {
                id: assigned.id.clone(),
                system: file.record.system.clone(),
                template: assigned.template.clone(),
                first_seen: format_time(g.first),
                last_seen: format_time(g.last),
                ..TemplateDelta::default()
            });
            deltas.len() - 1
        });
        let d = &mut deltas[i];
        d.template = assigned.template;
        d.count += g.count;
        d.first_seen = d.first_seen.clone().min(format_time(g.first));
        d.last_seen = d.last_seen.clone().max(format_time(g.last));
        d.max_raw_chars = d.max_raw_chars.max(g.max_raw_chars);
        if d.key.is_none() {
            d.key = g.key;
        }
        for (day, n) in g.days {
            let day = day.to_string();
            match d.days.iter_mut().find(|(d, _)| *d == day) {
                Some(e) => e.1 += n,
                None => d.days.push((day, n)),
            }
        }
        if !d.samples.contains(&g.text) {
            d.samples.push(g.text);
        }
        match d.sources.first_mut() {
            Some(s) => {
                s.1 += g.count;
                s.2 = s.2.min(g.first_line);
            }
            None => d
                .sources
                .push((file.record.path.clone(), g.count, g.first_line)),
        }
        for (kind, n) in g.pii {
            match d.pii.iter_mut().find(|(k, _)| *k == kind) {
                Some(e) => e.1 += n,
                None => d.pii.push((kind, n)),
            }
        }
    }
    FileBatch {
        file: file.record,
        definitions: file.definitions,
        limits: file.limits,
        templates: deltas,
        warnings: file.warnings,
    }
}

fn format_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// Stored rows for a file's definitions; ids are stable across runs and distinct
/// for a key repeated in one file (the repeat is evidence of a duplicate key).
fn definition_rows(
    system: &str,
    path: &str,
    defs: Vec<Definition>,
    masker: &Masker,
) -> Vec<DefinitionRow> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    defs.into_iter()
        .map(|d| {
            let identity = format!(
                "{path}\0{}\0{}\0{}",
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
                state: d.state.as_str().to_string(),
                note: d.note,
                path: d.location.path,
                line: d.location.line,
            }
        })
        .collect()
}

fn limit_rows(system: &str, limits: Vec<FieldLimit>) -> Vec<LimitRow> {
    limits
        .into_iter()
        .map(|l| {
            let (unit, encoding) = match l.unit {
                LimitUnit::Chars => ("chars", None),
                LimitUnit::Bytes { encoding } => ("bytes", Some(encoding)),
                LimitUnit::Utf16 => ("utf16", None),
                LimitUnit::SmsSegments => ("sms_segments", None),
            };
            LimitRow {
                system: system.to_string(),
                field: l.field,
                max: l.max,
                unit: unit.to_string(),
                encoding,
                path: l.location.path,
                line: l.location.line,
            }
        })
        .collect()
}

/// Whether the file still starts as it did: a file shorter than the hashed head
/// when last seen is compared over the length it had then.
fn same_head(path: &std::path::Path, known: &FileState, now: &FileState) -> bool {
    if known.size >= HEAD_HASH_LEN as u64 {
        return known.head_hash == now.head_hash;
    }
    head_hash_of(path, known.size as usize).is_ok_and(|h| h == known.head_hash)
}

/// Hash of a file's first bytes: how a file is recognised when it grows.
fn head_hash(path: &std::path::Path) -> std::io::Result<String> {
    head_hash_of(path, HEAD_HASH_LEN)
}

fn head_hash_of(path: &std::path::Path, len: usize) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; len];
    let mut n = 0;
    while n < buf.len() {
        let read = f.read(&mut buf[n..])?;
        if read == 0 {
            break;
        }
        n += read;
    }
    Ok(format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&buf[..n])))
}
