//! `errata scan`: runs the pipeline stages over the discovered files and stores
//! the results in the catalog.
//!
//! Files are read, decoded, scanned, extracted and masked in parallel (rayon);
//! templating and catalog writes are sequential, so ids and counts do not depend
//! on thread timing. Each file's results are committed in one transaction with
//! its new position, so a run killed at any point and run again counts every
//! complete line exactly once ([`crate::tracking`] decides what is new).

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};
use rayon::prelude::*;

use crate::audit::{self, AuditInput, measure};
use crate::catalog::{
    Catalog, CatalogError, DefinitionRow, FileBatch, FileRecord, LimitRow, RunStats, Snapshot,
    TemplateDelta,
};
use crate::cluster::{Assignment, DefinitionIndex, IndexedDefinition, MinerConfig, TemplateMiner};
use crate::discover::{self, SourceFile};
use crate::extract::Extractor;
use crate::mask::{Masker, PiiKind, normalise_placeholders};
use crate::model::{
    Definition, FieldLimit, LimitUnit, MaskedObservation, RawLength, Role, Warning,
};
use crate::read::{self, Window};
use crate::rules::Rules;
use crate::scan::{Item, ScanContext};
use crate::tracking::{self, CurrentFile, Plan};

/// What `errata scan` was asked to do.
pub struct ScanOptions<'p> {
    /// Trees to scan; system roots are resolved against each.
    pub paths: Vec<PathBuf>,
    /// "Today" for staleness and for timestamps without a year.
    pub as_of: NaiveDate,
    /// Forget stored observations and positions and read everything again.
    pub full: bool,
    /// Told about the work as it goes (a progress bar in the CLI).
    pub progress: Option<&'p dyn Progress>,
}

/// Receives progress while files are read; called from several threads.
pub trait Progress: Sync {
    /// The files to read and their total size in bytes.
    fn start(&self, files: u64, bytes: u64);
    /// One file is done; `bytes` is its size.
    fn file_done(&self, bytes: u64);
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
    /// Files found and not read (no known format, no source, binary).
    pub passed_over: discover::PassedOver,
}

/// Files read in parallel and then committed in one transaction.
const FILES_PER_COMMIT: usize = 64;

/// Runs a scan: discovery, per-file harvest, templates, matching, flags.
pub fn scan(
    rules: &Rules,
    catalog: &mut Catalog,
    options: &ScanOptions<'_>,
) -> Result<ScanOutcome, CatalogError> {
    let discovery = discover::discover(rules, &options.paths);
    if options.full {
        catalog.reset_observations()?;
    }
    let run = catalog.begin_run(&options.as_of.to_string())?;
    let mut stats = RunStats {
        files_skipped: discovery.skipped.len() as u64,
        warnings: discovery.skipped.len() as u64,
        ..RunStats::default()
    };
    let mut warnings = discovery.skipped.clone();
    catalog.add_warnings(run, &discovery.skipped)?;
    stats.warnings += discovery.warnings.len() as u64;
    warnings.extend(discovery.warnings.iter().cloned());
    catalog.add_warnings(run, &discovery.warnings)?;

    let stored = catalog.stored_files()?;
    let (plans, probe_failures) = plan_files(&discovery.files, &stored);
    if let Some(progress) = options.progress {
        let bytes = plans.iter().map(|p| p.found.record.size).sum();
        progress.start(plans.len() as u64, bytes);
    }

    let masker = Masker::new(rules);
    let mut miners: BTreeMap<String, TemplateMiner> = BTreeMap::new();
    // Files are read in parallel a batch at a time; each batch commits with its
    // files' positions, so a killed scan loses at most the batch in flight.
    for failed in probe_failures {
        if let Some(Err(w)) = tally(failed, &mut stats, &mut warnings) {
            catalog.add_warnings(run, &[w])?;
        }
    }
    for chunk in plans.chunks(FILES_PER_COMMIT) {
        let harvested: Vec<Harvested> = chunk
            .par_iter()
            .map(|planned| {
                let h = harvest_file(planned, &masker, options.as_of);
                if let Some(progress) = options.progress {
                    progress.file_done(planned.found.record.size);
                }
                h
            })
            .collect();
        // Templates are mined per system over the batch's files at once, so that a
        // variable is recognised across files; the miners live for the whole run
        // and start from the stored templates.
        let assigned = mine(catalog, rules, &mut miners, &harvested)?;
        let mut batches = Vec::new();
        let mut failed = Vec::new();
        for h in harvested {
            match tally(h, &mut stats, &mut warnings) {
                Some(Ok(file)) => {
                    let templates = assigned.get(file.record.system.as_str());
                    batches.push(into_batch(*file, templates.unwrap_or(&HashMap::new())));
                }
                Some(Err(w)) => failed.push(w),
                None => {}
            }
        }
        catalog.commit(run, &batches)?;
        catalog.add_warnings(run, &failed)?;
    }
    catalog.remove_files(run, &vanished_catalog_files(&stored))?;
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

    let mut snapshot = catalog.snapshot()?;
    rematch(catalog, &mut snapshot)?;
    stats.templates = snapshot.templates.len() as u64;
    let input = AuditInput::new(&snapshot, rules, options.as_of);
    let flags = audit::run(&input);
    let rules_warnings = audit::rules_warnings(&input);
    stats.warnings += rules_warnings.len() as u64;
    catalog.add_warnings(run, &rules_warnings)?;
    warnings.extend(rules_warnings);
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
        passed_over: discovery.passed_over.clone(),
    })
}

/// Counts a harvested file in the run's stats: a read file goes on to templating
/// and storage, a failed one becomes a warning, an unchanged one only a count.
fn tally(
    h: Harvested,
    stats: &mut RunStats,
    warnings: &mut Vec<Warning>,
) -> Option<Result<Box<HarvestedFile>, Warning>> {
    match h {
        Harvested::Unchanged => {
            stats.files_unchanged += 1;
            None
        }
        Harvested::Failed(w) => {
            stats.files_skipped += 1;
            stats.warnings += 1;
            warnings.push(w.clone());
            Some(Err(w))
        }
        Harvested::Read(file) => {
            stats.files_scanned += 1;
            stats.records += file.records;
            stats.observations += file.observations.iter().map(|o| o.count).sum::<u64>();
            stats.definitions += file.definitions.as_ref().map_or(0, |d| d.len() as u64);
            stats.warnings += file.warnings.len() as u64;
            warnings.extend(file.warnings.iter().cloned());
            Some(Ok(file))
        }
    }
}

/// Stored definitions files that no longer exist: their definitions are removed.
fn vanished_catalog_files(stored: &[FileRecord]) -> Vec<String> {
    stored
        .iter()
        .filter(|f| f.role == Role::Definitions.as_str() && !std::path::Path::new(&f.path).exists())
        .map(|f| f.path.clone())
        .collect()
}

/// A discovered file with what is known about it and what to read of it.
struct PlannedFile<'r> {
    file: &'r SourceFile<'r>,
    /// The file as found (its record is what will be stored, position not yet advanced).
    found: CurrentFile,
    plan: Plan,
}

/// Decides for every discovered file whether and from where to read it.
/// Files whose metadata or head cannot be read become warnings right away.
fn plan_files<'r>(
    files: &'r [SourceFile<'r>],
    stored: &[FileRecord],
) -> (Vec<PlannedFile<'r>>, Vec<Harvested>) {
    let mut failures = Vec::new();
    let mut planned = Vec::new();
    for file in files {
        match probe_file(file) {
            Ok(p) => planned.push(p),
            Err(e) => failures.push(Harvested::Failed(Warning::new(&file.display, None, e))),
        }
    }
    // Logs are known by fingerprint, wherever they moved; catalogs by path.
    let (logs, catalogs): (Vec<&mut PlannedFile<'r>>, Vec<&mut PlannedFile<'r>>) = planned
        .iter_mut()
        .partition(|p| p.file.role == Role::Observations);
    let stored_logs: Vec<&FileRecord> = stored
        .iter()
        .filter(|s| s.role == Role::Observations.as_str())
        .collect();
    let found: Vec<&CurrentFile> = logs.iter().map(|p| &p.found).collect();
    let plans = tracking::plan(&found, &stored_logs);
    for (p, plan) in logs.into_iter().zip(plans) {
        if let Plan::Unchanged { stored: id } | Plan::Resume { stored: id, .. } = plan {
            p.found.record.id = Some(id);
        }
        p.plan = plan;
    }
    for p in catalogs {
        let record = &mut p.found.record;
        if let Some(s) = stored
            .iter()
            .find(|s| s.path == record.path && s.role == record.role)
        {
            record.id = s.id;
            if s.content_hash == record.content_hash && s.format == record.format {
                p.plan = Plan::Unchanged {
                    stored: s.id.unwrap_or_default(),
                };
            }
        }
    }
    (planned, failures)
}

/// The template of each masked text, by system.
type Assigned = HashMap<String, HashMap<String, Assignment>>;

/// Mines the templates of a batch's observations, per system, in file order.
fn mine(
    catalog: &Catalog,
    rules: &Rules,
    miners: &mut BTreeMap<String, TemplateMiner>,
    harvested: &[Harvested],
) -> Result<Assigned, CatalogError> {
    let mut texts: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for h in harvested {
        if let Harvested::Read(file) = h {
            texts
                .entry(file.record.system.as_str())
                .or_default()
                .extend(file.observations.iter().map(|g| g.text.as_str()));
        }
    }
    let mut assigned: Assigned = HashMap::new();
    for (system, texts) in texts {
        if !miners.contains_key(system) {
            miners.insert(system.to_string(), stored_miner(catalog, rules, system)?);
        }
        let miner = miners.get_mut(system).expect("inserted above");
        let of_system = assigned.entry(system.to_string()).or_default();
        for (text, assignment) in texts.iter().zip(miner.assign_batch(&texts)) {
            of_system.insert(text.to_string(), assignment);
        }
    }
    Ok(assigned)
}

/// A system's miner, starting from its stored templates so that their ids hold
/// (a scan, and `errata explain`, which must group as a scan would).
pub fn stored_miner(
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

/// The live (not obsolete) definitions of a catalog, and the index that matches
/// observed templates to them (positions in the returned list).
pub fn definition_index(snapshot: &Snapshot) -> (Vec<&DefinitionRow>, DefinitionIndex) {
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
    (live, index)
}

/// Re-derives the definition each template matches (definitions may have changed),
/// in the catalog and in `snapshot`.
fn rematch(catalog: &mut Catalog, snapshot: &mut Snapshot) -> Result<(), CatalogError> {
    let (live, index) = definition_index(snapshot);
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
    catalog.update_matches(&matches)?;
    snapshot.apply_matches(&matches);
    Ok(())
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
    lengths: BTreeMap<RawLength, u64>,
}

struct HarvestedFile {
    record: FileRecord,
    records: u64,
    definitions: Option<Vec<DefinitionRow>>,
    limits: Option<Vec<LimitRow>>,
    observations: Vec<MaskedGroup>,
    warnings: Vec<Warning>,
}
/// Reads what the catalog needs to recognise a file: metadata and its first bytes.
fn probe_file<'r>(file: &'r SourceFile<'r>) -> Result<PlannedFile<'r>, String> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(&file.path).map_err(|e| format!("cannot read: {e}"))?;
    let (head, compressed) =
        read::probe(&file.path, tracking::FINGERPRINT_LEN).map_err(|e| e.to_string())?;
    let content_hash = match file.role {
        Role::Definitions => {
            Some(content_hash(&file.path).map_err(|e| format!("cannot read: {e}"))?)
        }
        Role::Observations => None,
    };
    Ok(PlannedFile {
        file,
        found: CurrentFile {
            record: FileRecord {
                id: None,
                path: file.display.clone(),
                system: file.system.name.clone(),
                role: file.role.as_str().to_string(),
                format: file.scanner.name().to_string(),
                encoding: String::new(),
                dev: meta.dev(),
                inode: meta.ino(),
                size: meta.len(),
                mtime: meta.mtime(),
                fingerprint: tracking::fingerprint(&head),
                fingerprint_len: head.len(),
                content_hash,
                offset: 0,
                lines: 0,
            },
            compressed,
            head,
        },
        plan: Plan::New,
    })
}

/// Hash of a whole (catalog) file: catalogs are re-read when it changes.
fn content_hash(path: &std::path::Path) -> std::io::Result<String> {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(format!("{:016x}", hasher.digest()));
        }
        hasher.update(&buf[..n]);
    }
}

fn harvest_file(planned: &PlannedFile<'_>, masker: &Masker, as_of: NaiveDate) -> Harvested {
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
    let read = match harvest_window(planned, &window, masker, as_of) {
        // The content is shorter than the stored position: rewritten, so it is a
        // new file, read whole.
        Ok(None) => {
            let restart = Window {
                offset: 0,
                lines: 0,
                ..window
            };
            harvest_window(planned, &restart, masker, as_of).map(|h| {
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
    let (mut opened, end) =
        read::open_window(&file.path, charset, &read_from).map_err(|e| e.to_string())?;
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
    };
    let mut definitions = Vec::new();
    let mut limits = Vec::new();
    let mut groups: HashMap<String, MaskedGroup> = HashMap::new();
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
                add_observation(
                    &mut groups,
                    MaskedObservation {
                        raw_length,
                        text: masked.text,
                        key: obs.key,
                        time: obs.time,
                        location: obs.location,
                        pii: masked.pii,
                    },
                );
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
    for message in opened.stats.warnings() {
        warnings.push(Warning::new(&file.display, None, message));
    }
    let system = &file.system.name;
    let mut observations: Vec<MaskedGroup> = groups.into_values().collect();
    observations.sort_by(|a, b| a.first_line.cmp(&b.first_line).then(a.text.cmp(&b.text)));
    let is_definitions = file.role == Role::Definitions;
    Ok(Some(HarvestedFile {
        record: FileRecord {
            encoding: opened.charset.name().to_string(),
            offset: end.offset(),
            lines: end.lines(),
            ..planned.found.record.clone()
        },
        records,
        definitions: is_definitions
            .then(|| definition_rows(system, &file.display, definitions, masker)),
        limits: (is_definitions || !limits.is_empty()).then(|| limit_rows(system, limits)),
        observations,
        warnings,
    }))
}

/// The charset to decode `file` with: the declared one, else for a format with
/// a legacy charset of its own UTF-8 when the whole file is valid UTF-8, else
/// that charset, with a warning naming the first line that is not UTF-8.
fn declared_charset(
    file: &SourceFile<'_>,
    warnings: &mut Vec<Warning>,
) -> Result<Option<read::Charset>, String> {
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
                file.scanner.name()
            ),
        ));
    }
    Ok(Some(chosen.charset))
}

fn add_observation(groups: &mut HashMap<String, MaskedGroup>, obs: MaskedObservation) {
    let day = obs.time.date();
    // Most observations repeat a text already seen in the file: look it up
    // without copying it, and copy it only for a new group.
    if !groups.contains_key(&obs.text) {
        let group = MaskedGroup {
            text: obs.text.clone(),
            key: obs.key.clone(),
            count: 0,
            first: obs.time,
            last: obs.time,
            first_line: obs.location.line,
            max_raw_chars: 0,
            days: BTreeMap::new(),
            pii: BTreeMap::new(),
            lengths: BTreeMap::new(),
        };
        groups.insert(obs.text.clone(), group);
    }
    let g = groups.get_mut(&obs.text).expect("inserted above");
    g.count += 1;
    g.first = g.first.min(obs.time);
    g.last = g.last.max(obs.time);
    g.max_raw_chars = g.max_raw_chars.max(obs.raw_length.chars);
    if g.key.is_none() {
        g.key = obs.key;
    }
    *g.days.entry(day).or_default() += 1;
    *g.lengths.entry(obs.raw_length).or_default() += 1;
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
        for (length, n) in g.lengths {
            match d.lengths.iter_mut().find(|(l, _)| *l == length) {
                Some(e) => e.1 += n,
                None => d.lengths.push((length, n)),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A file listed by discovery may be gone when it is opened (rotation deletes
    /// old logs at any time): a warning naming it, never a failure of the run.
    #[test]
    fn a_file_vanishing_between_listing_and_open_is_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let rules_path = dir.path().join("rules.yaml");
        std::fs::write(
            &rules_path,
            "systems:\n  - name: app\n    roots: [app]\n    sources:\n      - path: '*.log'\n        format: log_lines\n",
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("app")).unwrap();
        std::fs::write(dir.path().join("app/gone.log"), "x\n").unwrap();
        let rules = crate::rules::load(&rules_path).unwrap();
        let found = discover::discover(&rules, &[dir.path().to_path_buf()]);
        assert_eq!(found.files.len(), 1);
        std::fs::remove_file(dir.path().join("app/gone.log")).unwrap();
        let (planned, failures) = plan_files(&found.files, &[]);
        assert!(planned.is_empty());
        match &failures[..] {
            [Harvested::Failed(w)] => {
                assert!(
                    w.path.ends_with("app/gone.log") && w.message.starts_with("cannot read"),
                    "{w}"
                )
            }
            _ => panic!("expected one failure"),
        }
    }
}
