//! The pre-release check: scan a release candidate's tree, audit it, and report
//! only violations, failing on new ones.
//!
//! The tree is scanned with the rules into a catalog in memory (nothing is
//! written to disk). With `--db`, that catalog starts as a copy of an existing
//! one whose definitions are dropped, so the release's catalogs are audited
//! against the observations the logs already showed; without it, kinds that
//! only mean something with observations (see [`crate::audit::KindInfo`]) are
//! left out unless the tree itself holds logs. Findings are compared with a baseline
//! by [`fingerprint`]: only new ones fail, at or above `--fail-on`.
//! Each output format is one file behind [`crate::report::Reporter`], named in
//! [`CheckFormat`]: [`text`], [`json`], [`sarif`], [`junit`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use crate::audit;
use crate::catalog::{Catalog, CatalogError, Snapshot, Target};
use crate::harvest::{self, ScanOptions};
pub use crate::model::Severity;
use crate::model::{Flag, KindId, Warning, vocabulary};
use crate::report::Reporter;
use crate::rules::Rules;

pub mod baseline;
pub mod fingerprint;
mod json;
mod junit;
mod sarif;
mod text;

pub use baseline::{Baseline, BaselineEntry};

/// Why a check could not run: exit code 2.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("{path}: {message}")]
    Baseline { path: String, message: String },
}

/// What `errata check` was asked to do.
pub struct CheckOptions {
    /// Trees of the release candidate.
    pub paths: Vec<PathBuf>,
    pub as_of: NaiveDate,
    /// An existing catalog whose observations the release is checked against.
    pub db: Option<Target>,
    /// The host scanning (`--host`): a release tree's own logs are its files.
    pub host: String,
    pub baseline: Option<Baseline>,
    pub fail_on: Severity,
}

/// Where a finding points: a file and line.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub path: String,
    pub line: u64,
}

/// Whether a finding is new, accepted by the baseline, or suppressed by the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    New,
    Baseline,
    Suppressed,
}

/// One flag raised on the release candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The flag, its fields serialised beside the check's own.
    #[serde(flatten)]
    pub flag: Flag,
    pub fingerprint: String,
    pub severity: Severity,
    /// Where it is defined (a definition) or first seen (a template).
    pub location: Option<Location>,
    pub status: Status,
    /// Whether this finding fails the check (new, at or above `--fail-on`).
    pub failing: bool,
}

/// The result of a check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    pub as_of: NaiveDate,
    pub fail_on: Severity,
    /// Every finding, sorted by status (new first), severity, location.
    pub findings: Vec<Finding>,
    /// Baseline entries no longer found.
    pub fixed: Vec<BaselineEntry>,
    /// Kinds left out because nothing was observed (no logs, no `--db`).
    pub skipped_kinds: Vec<KindId>,
    /// Per-file problems of the scan.
    pub warnings: Vec<Warning>,
}

impl CheckOutcome {
    /// Whether the check fails (exit code 1).
    pub fn failed(&self) -> bool {
        self.findings.iter().any(|f| f.failing)
    }

    /// Number of findings with `status`.
    pub fn count(&self, status: Status) -> usize {
        self.findings.iter().filter(|f| f.status == status).count()
    }

    /// The current findings as a baseline (suppressed ones are the rules' business).
    pub fn to_baseline(&self) -> Baseline {
        let mut findings: Vec<BaselineEntry> = self
            .findings
            .iter()
            .filter(|f| f.status != Status::Suppressed)
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                kind: f.flag.kind,
                system: f.flag.system.clone(),
                key: f.flag.key.clone(),
                template: f.flag.template.clone(),
                message: f.flag.message.clone(),
            })
            .collect();
        findings.sort();
        Baseline {
            version: baseline::VERSION,
            findings,
        }
    }
}

vocabulary! {
    /// `errata check --format`, in documentation order.
    CheckFormat ("check format") {
        Text = "text",
        Json = "json",
        Sarif = "sarif",
        Junit = "junit",
    }
}

impl CheckFormat {
    /// The format's renderer.
    pub fn reporter(self) -> &'static dyn Reporter<CheckOutcome> {
        match self {
            CheckFormat::Text => &text::Text,
            CheckFormat::Json => &json::Json,
            CheckFormat::Sarif => &sarif::Sarif,
            CheckFormat::Junit => &junit::Junit,
        }
    }
}

/// Scans the release candidate and evaluates its flags.
pub fn check(rules: &Rules, options: &CheckOptions) -> Result<CheckOutcome, CheckError> {
    let mut catalog = match &options.db {
        Some(db) => {
            let mut catalog = Catalog::copy_in_memory(db)?;
            catalog.forget_definitions()?;
            catalog
        }
        None => Catalog::open_in_memory()?,
    };
    let scanned = harvest::scan(
        rules,
        &mut catalog,
        &ScanOptions {
            paths: options.paths.clone(),
            as_of: options.as_of,
            full: false,
            host: options.host.clone(),
            progress: None,
        },
    )?;
    let snapshot = catalog.snapshot()?;
    let observed = snapshot.templates.iter().any(|t| t.seen.count > 0);
    let mut outcome = evaluate(
        &snapshot,
        observed,
        options.baseline.as_ref(),
        options.fail_on,
    );
    outcome.as_of = options.as_of;
    outcome.warnings = scanned.warnings;
    Ok(outcome)
}

/// Turns a snapshot's flags into findings: locations, fingerprints, baseline
/// status, failing or not.
pub fn evaluate(
    snapshot: &Snapshot,
    observed: bool,
    baseline: Option<&Baseline>,
    fail_on: Severity,
) -> CheckOutcome {
    let mut skipped_kinds: Vec<KindId> = Vec::new();
    let flags: Vec<&Flag> = snapshot
        .flags
        .iter()
        .filter(|f| {
            let keep = observed || !audit::info(f.kind).needs_observations;
            if !keep && !skipped_kinds.contains(&f.kind) {
                skipped_kinds.push(f.kind);
            }
            keep
        })
        .collect();
    skipped_kinds.sort_by_key(|k| k.as_str());
    let mut fingerprints: Vec<String> = flags
        .iter()
        .map(|f| {
            fingerprint::fingerprint(f.kind, &f.system, f.key.as_deref(), f.template.as_deref())
        })
        .collect();
    fingerprint::disambiguate(&mut fingerprints);
    let locations = Locations::new(snapshot);
    let mut findings: Vec<Finding> = flags
        .into_iter()
        .zip(fingerprints)
        .map(|(f, fingerprint)| {
            let severity = audit::info(f.kind).severity;
            let status = if f.suppressed.is_some() {
                Status::Suppressed
            } else if baseline.is_some_and(|b| b.contains(&fingerprint)) {
                Status::Baseline
            } else {
                Status::New
            };
            Finding {
                location: locations.of(f),
                failing: status == Status::New && severity >= fail_on,
                fingerprint,
                severity,
                status,
                flag: f.clone(),
            }
        })
        .collect();
    let order = |s: Status| match s {
        Status::New => 0,
        Status::Baseline => 1,
        Status::Suppressed => 2,
    };
    findings.sort_by(|a, b| {
        (
            order(a.status),
            std::cmp::Reverse(a.severity),
            &a.location,
            a.flag.kind.as_str(),
            &a.fingerprint,
        )
            .cmp(&(
                order(b.status),
                std::cmp::Reverse(b.severity),
                &b.location,
                b.flag.kind.as_str(),
                &b.fingerprint,
            ))
    });
    let fixed = baseline
        .map(|b| {
            b.findings
                .iter()
                .filter(|e| !findings.iter().any(|f| f.fingerprint == e.fingerprint))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    CheckOutcome {
        as_of: snapshot
            .last_run
            .as_ref()
            .and_then(|r| NaiveDate::parse_from_str(&r.as_of, "%Y-%m-%d").ok())
            .unwrap_or_default(),
        fail_on,
        findings,
        fixed,
        skipped_kinds,
        warnings: Vec::new(),
    }
}

/// Where flags point: the definition the evidence names (`at`), else a key's
/// first definition, else a template's first sighting.
struct Locations<'a> {
    keys: BTreeMap<(&'a str, &'a str), Location>,
    templates: BTreeMap<&'a str, Location>,
}

impl<'a> Locations<'a> {
    fn new(snapshot: &'a Snapshot) -> Locations<'a> {
        let mut keys: BTreeMap<(&str, &str), Location> = BTreeMap::new();
        for d in &snapshot.definitions {
            let here = Location {
                path: d.row.path.clone(),
                line: d.row.line,
            };
            keys.entry((&d.row.system, &d.row.key))
                .and_modify(|l| *l = l.clone().min(here.clone()))
                .or_insert(here);
        }
        let templates = snapshot
            .templates
            .iter()
            .filter_map(|t| {
                t.seen.sources.first_key_value().map(|(path, s)| {
                    (
                        t.id.as_str(),
                        Location {
                            path: path.clone(),
                            line: s.first_line,
                        },
                    )
                })
            })
            .collect();
        Locations { keys, templates }
    }

    fn of(&self, flag: &Flag) -> Option<Location> {
        let evidence = &flag.evidence;
        let at = [&evidence["at"], &evidence["definition"]["at"]]
            .into_iter()
            .find_map(|v| v.as_str()?.rsplit_once(':'))
            .and_then(|(path, line)| {
                Some(Location {
                    path: path.to_string(),
                    line: line.parse().ok()?,
                })
            });
        if at.is_some() {
            return at;
        }
        let by_key = flag
            .key
            .as_deref()
            .and_then(|k| self.keys.get(&(flag.system.as_str(), k)));
        let by_template = flag.template.as_deref().and_then(|t| self.templates.get(t));
        by_key.or(by_template).cloned()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::catalog::{DefinitionRow, DefinitionView, TemplateView};
    use crate::model::{DefinitionState, SeenIn, Sightings, parse_time};

    fn flag(
        kind: KindId,
        key: Option<&str>,
        template: Option<&str>,
        suppressed: Option<&str>,
    ) -> Flag {
        Flag {
            kind,
            system: "abs".to_string(),
            key: key.map(str::to_string),
            template: template.map(str::to_string),
            message: format!("{kind} on {}", key.or(template).unwrap_or("-")),
            evidence: serde_json::json!({"limit": 40}),
            suppressed: suppressed.map(str::to_string),
        }
    }

    /// A snapshot with one definition (at abs/messages.properties:9), one
    /// template (seen at logs/abs.log:3) and flags of several kinds.
    pub(crate) fn snapshot() -> Snapshot {
        Snapshot {
            systems: vec!["abs".to_string()],
            definitions: vec![DefinitionView {
                row: DefinitionRow {
                    id: "d1".to_string(),
                    system: "abs".to_string(),
                    key: "ERR_LIMIT".to_string(),
                    locale: Some("ru".to_string()),
                    form: None,
                    text: "Превышен лимит".to_string(),
                    raw: None,
                    template: "Превышен лимит".to_string(),
                    state: DefinitionState::Live,
                    note: None,
                    path: "abs/messages.properties".to_string(),
                    line: 9,
                    flow: Vec::new(),
                },
                observed: 0,
                first_seen: None,
                last_seen: None,
            }],
            templates: vec![TemplateView {
                id: "t1".to_string(),
                system: "abs".to_string(),
                template: "Card <CARD> blocked".to_string(),
                key: None,
                definition_id: None,
                match_kind: None,
                seen: Sightings {
                    samples: vec!["Card <CARD> blocked".to_string()],
                    sources: [(
                        "logs/abs.log".to_string(),
                        SeenIn {
                            count: 4,
                            first_line: 3,
                        },
                    )]
                    .into(),
                    ..Sightings::new(
                        4,
                        parse_time("2026-11-01T00:00:00").unwrap(),
                        parse_time("2026-11-02T00:00:00").unwrap(),
                    )
                },
            }],
            limits: Vec::new(),
            last_run: None,
            flags: vec![
                flag(KindId::FieldTooLong, Some("ERR_LIMIT"), None, None),
                flag(KindId::NeverSeen, Some("ERR_LIMIT"), None, None),
                flag(KindId::OutdatedTerm, None, Some("t1"), None),
                flag(
                    KindId::Undefined,
                    None,
                    Some("t1"),
                    Some("owned by the ops team"),
                ),
            ],
        }
    }

    #[test]
    fn without_a_baseline_every_unsuppressed_finding_is_new() {
        let outcome = evaluate(&snapshot(), true, None, Severity::Warning);
        let statuses: Vec<_> = outcome
            .findings
            .iter()
            .map(|f| (f.flag.kind, f.status, f.failing))
            .collect();
        assert_eq!(
            statuses,
            vec![
                (KindId::FieldTooLong, Status::New, true),
                (KindId::OutdatedTerm, Status::New, true),
                (KindId::NeverSeen, Status::New, false),
                (KindId::Undefined, Status::Suppressed, false),
            ]
        );
        assert!(outcome.failed());
        let first = &outcome.findings[0];
        assert_eq!(
            first.location,
            Some(Location {
                path: "abs/messages.properties".to_string(),
                line: 9
            })
        );
        assert_eq!(
            outcome.findings[1].location,
            Some(Location {
                path: "logs/abs.log".to_string(),
                line: 3
            })
        );
        assert_eq!(
            outcome.findings[3].flag.suppressed.as_deref(),
            Some("owned by the ops team")
        );
    }

    #[test]
    fn the_baseline_accepts_known_findings_and_reports_fixed_ones() {
        let first = evaluate(&snapshot(), true, None, Severity::Note);
        let mut baseline = first.to_baseline();
        assert_eq!(
            baseline.findings.len(),
            3,
            "suppressed findings stay out of the baseline"
        );
        baseline.findings.push(BaselineEntry {
            fingerprint: "v1:gone".to_string(),
            kind: KindId::Stale,
            system: "abs".to_string(),
            key: Some("OLD".to_string()),
            template: None,
            message: "stale".to_string(),
        });
        let mut snap = snapshot();
        // Moving the definition to another line keeps its fingerprint.
        snap.definitions[0].row.line = 90;
        snap.flags
            .push(flag(KindId::OutdatedTerm, Some("ERR_LIMIT"), None, None));
        let outcome = evaluate(&snap, true, Some(&baseline), Severity::Note);
        let new: Vec<_> = outcome
            .findings
            .iter()
            .filter(|f| f.status == Status::New)
            .map(|f| f.flag.kind)
            .collect();
        assert_eq!(new, vec![KindId::OutdatedTerm]);
        assert_eq!(outcome.count(Status::Baseline), 3);
        assert_eq!(outcome.fixed.len(), 1);
        assert_eq!(outcome.fixed[0].key.as_deref(), Some("OLD"));
        assert!(outcome.failed());
    }

    /// A flag about one translation points at that translation, not at the
    /// key's first definition in another locale.
    #[test]
    fn the_evidence_location_wins_over_the_keys_first_definition() {
        let snapshot = snapshot();
        let locations = Locations::new(&snapshot);
        let mut f = flag(KindId::FieldTooLong, Some("ERR_LIMIT"), None, None);
        assert_eq!(
            locations.of(&f).map(|l| (l.path, l.line)),
            Some(("abs/messages.properties".to_string(), 9))
        );
        f.evidence = serde_json::json!({"at": "abs/messages_en.properties:4"});
        assert_eq!(
            locations.of(&f).map(|l| (l.path, l.line)),
            Some(("abs/messages_en.properties".to_string(), 4))
        );
    }

    #[test]
    fn fail_on_compares_severities() {
        let mut snap = snapshot();
        snap.flags.retain(|f| f.kind == KindId::NeverSeen);
        assert!(!evaluate(&snap, true, None, Severity::Warning).failed());
        assert!(evaluate(&snap, true, None, Severity::Note).failed());
    }

    #[test]
    fn observation_kinds_are_left_out_when_nothing_was_observed() {
        let outcome = evaluate(&snapshot(), false, None, Severity::Note);
        assert!(
            outcome
                .findings
                .iter()
                .all(|f| f.flag.kind != KindId::NeverSeen && f.flag.kind != KindId::Undefined)
        );
        assert_eq!(
            outcome.skipped_kinds,
            vec![KindId::NeverSeen, KindId::Undefined]
        );
    }
}
