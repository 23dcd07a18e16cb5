//! Walking the scanned trees and matching files to the rules' sources.
//!
//! Discovery knows paths and globs, not formats: what a matched file is (its
//! scanner, role and charset) is told by the `recognise` function the caller
//! passes ([`crate::scan::recognise`] in a scan), so that this stage imports
//! nothing of `read` or `scan`, which come after it.
//!
//! Only regular files are ever opened: FIFOs, sockets and devices would block or
//! never end, so they are skipped with a reason. Symlinks are followed (log
//! folders are often links) but walkdir detects loops, and a loop or a dangling
//! link is a warning, not an error.
//!
//! Nothing is left out silently: files of no format errata recognises, files
//! under a system's roots that no source matches, and binary files are
//! counted in [`PassedOver`] for the scan's summary, and a system without
//! sources is a warning at its place in the rules.
//!
//! A file name need not be UTF-8 (Linux allows any bytes but `/` and NUL). Such a
//! file is scanned like any other: its name is matched with U+FFFD for the bad
//! bytes, and shown (and stored) with them escaped as `\xNN`, so that the path
//! stays distinct and can be typed back (`ls $'caf\xe9.log'`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::model::Warning;
use crate::rules::{Caps, Rules, Source, System};

/// A regular file a source of the rules matched, before anything is read of it.
pub struct Matched<'r> {
    pub path: PathBuf,
    /// The path as shown to users and stored in the catalog.
    pub display: String,
    /// The path relative to its system's root (`/`-separated): the same file
    /// deployed on several hosts has the same one, so its definitions are one.
    pub rel: String,
    pub system: &'r System,
    pub source: &'r Source,
    /// What reading and scanning it may cost (the rules' `caps:`).
    pub caps: &'r Caps,
}

/// What a matched file turned out to be, as the caller's `recognise` tells.
pub enum Recognised<F> {
    File(F),
    /// Of no format errata recognises (zero-config meets many such files): its
    /// display path.
    UnknownFormat(String),
    Binary(Warning),
    Unreadable(Warning),
}

/// The result of walking: files to scan, what was skipped (with reasons) and
/// passed over, and problems of the rules that leave files unread.
pub struct Discovery<F> {
    /// The recognised files, in display-path order.
    pub files: Vec<F>,
    pub skipped: Vec<Warning>,
    pub passed_over: PassedOver,
    /// Rules problems that leave files unread (a system without sources), at
    /// their place in the rules.
    pub warnings: Vec<Warning>,
}

impl<F> Default for Discovery<F> {
    fn default() -> Self {
        Discovery {
            files: Vec::new(),
            skipped: Vec::new(),
            passed_over: PassedOver::default(),
            warnings: Vec::new(),
        }
    }
}

/// Regular files found under the systems' roots and not read, by why: what a
/// summary shows so that nothing is left out silently.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct PassedOver {
    /// No format recognises the file by its name (zero-config, or a source
    /// without `format:`).
    pub unknown_format: FileTally,
    /// Under a system's roots, but no source's glob matches it.
    pub no_source: FileTally,
    /// Binary content (a NUL byte in its head that is not UTF-16); each also
    /// has a warning with the byte's offset.
    pub binary: FileTally,
}

impl PassedOver {
    /// Files passed over, for every reason.
    pub fn count(&self) -> u64 {
        self.unknown_format.count + self.no_source.count + self.binary.count
    }
}

/// Files passed over for one reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileTally {
    pub count: u64,
    /// Files by extension: lowercase, without the dot, `""` for none.
    pub by_extension: BTreeMap<String, u64>,
    /// The first [`EXAMPLES_KEPT`] paths, in the order found (those no source
    /// matches: in path order).
    pub examples: Vec<String>,
}

/// How many paths a [`FileTally`] keeps as examples.
pub const EXAMPLES_KEPT: usize = 5;

impl FileTally {
    fn add(&mut self, display: &str) {
        self.count += 1;
        let extension = Path::new(display)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        *self.by_extension.entry(extension).or_default() += 1;
        if self.examples.len() < EXAMPLES_KEPT {
            self.examples.push(display.to_string());
        }
    }
}

/// What a walk has seen across systems: a file belongs to the first system
/// with a source for it; one no system has a source for is passed over.
#[derive(Default)]
struct Claims {
    claimed: HashSet<PathBuf>,
    /// Files no source matched yet, by canonical path, with their display path.
    unmatched: HashMap<PathBuf, String>,
}

/// Walks the roots of every system under each of `bases`, matches each file to
/// the first source whose glob matches its path relative to the system root,
/// and has `recognise` tell what each matched file is, in the order walked.
pub fn discover<'r, F>(
    rules: &'r Rules,
    bases: &[PathBuf],
    recognise: impl Fn(Matched<'r>) -> Recognised<F>,
) -> Discovery<F> {
    let mut found = Walk {
        recognise,
        files: Vec::new(),
        discovery: Discovery::default(),
    };
    let mut claims = Claims::default();
    for system in rules.systems.iter().filter(|s| s.sources.is_empty()) {
        found.discovery.warnings.push(Warning::in_rules(
            system.origin.as_ref(),
            format!(
                "system `{}` has no `sources`: none of its files is read (add a source: a `path` glob, and a `format` unless the extension tells it)",
                system.name
            ),
        ));
    }
    for base in bases {
        for system in &rules.systems {
            // A system without sources reads nothing (it has its warning above).
            if system.sources.is_empty()
                || (!system.bases.is_empty() && !system.bases.contains(base))
            {
                continue;
            }
            for root in &system.roots {
                let root_path = base.join(root);
                if !root_path.exists() {
                    continue;
                }
                walk_root(&rules.caps, system, &root_path, &mut claims, &mut found);
            }
        }
    }
    let Walk {
        mut files,
        mut discovery,
        ..
    } = found;
    let mut unmatched: Vec<String> = claims.unmatched.into_values().collect();
    unmatched.sort();
    for display in unmatched {
        discovery.passed_over.no_source.add(&display);
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    discovery.files = files.into_iter().map(|(_, file)| file).collect();
    discovery
}

/// A walk under way: the recognised files with their display paths (the order
/// they are sorted in at the end), and everything else found so far.
struct Walk<R, F> {
    recognise: R,
    files: Vec<(String, F)>,
    discovery: Discovery<F>,
}

fn walk_root<'r, F>(
    caps: &'r Caps,
    system: &'r System,
    root: &Path,
    claims: &mut Claims,
    found: &mut Walk<impl Fn(Matched<'r>) -> Recognised<F>, F>,
) {
    let mut walker = WalkDir::new(root).follow_links(true).sort_by_file_name();
    if !reaches_subfolders(system) {
        walker = walker.max_depth(1);
    }
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().map(display).unwrap_or_else(|| display(root));
                let reason = if e.loop_ancestor().is_some() {
                    "symlink loop, not followed".to_string()
                } else {
                    format!(
                        "skipped: {}",
                        e.io_error()
                            .map(|io| io.to_string())
                            .unwrap_or_else(|| e.to_string())
                    )
                };
                found
                    .discovery
                    .skipped
                    .push(Warning::new(path, None, reason));
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        let path = entry.path();
        if !ft.is_file() {
            found.discovery.skipped.push(Warning::new(
                display(path),
                None,
                special_file_reason(&ft),
            ));
            continue;
        }
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if claims.claimed.contains(&canonical) {
            continue;
        }
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        let Some(source) = system
            .sources
            .iter()
            .find(|s| s.path.matcher.is_match(&rel))
        else {
            // Another system's source may still claim it.
            claims
                .unmatched
                .entry(canonical)
                .or_insert_with(|| path.display().to_string());
            continue;
        };
        claims.unmatched.remove(&canonical);
        claims.claimed.insert(canonical);
        let shown = display(path);
        let matched = Matched {
            path: path.to_path_buf(),
            display: shown.clone(),
            rel,
            system,
            source,
            caps,
        };
        let discovery = &mut found.discovery;
        match (found.recognise)(matched) {
            Recognised::File(file) => found.files.push((shown, file)),
            Recognised::UnknownFormat(display) => {
                discovery.passed_over.unknown_format.add(&display)
            }
            Recognised::Binary(w) => {
                discovery.passed_over.binary.add(&w.path);
                discovery.skipped.push(w);
            }
            Recognised::Unreadable(w) => discovery.skipped.push(w),
        }
    }
}

/// Whether a source's glob can match a file below the root's own folder: only
/// one with a `/` or a `**` can, as `*`, `?` and classes never match a `/`.
fn reaches_subfolders(system: &System) -> bool {
    system
        .sources
        .iter()
        .any(|s| s.path.text.contains('/') || s.path.text.contains("**"))
}

fn special_file_reason(ft: &std::fs::FileType) -> String {
    use std::os::unix::fs::FileTypeExt;
    let kind = if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() || ft.is_char_device() {
        "device"
    } else {
        "special file"
    };
    format!("{kind}, not a regular file: skipped")
}

/// A path as shown and stored: as is when it is UTF-8, else with each byte that
/// is not escaped as `\xNN`.
fn display(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    if let Some(text) = path.to_str() {
        return text.to_string();
    }
    let mut out = String::new();
    for chunk in path.as_os_str().as_bytes().utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStrExt;

    use super::*;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "k=v\n").unwrap();
        }
        dir
    }

    fn rules(text: &str) -> Rules {
        crate::rules::load_text(Path::new("rules/test.yaml"), text).unwrap()
    }

    /// Paths relative to `base`, for readable assertions.
    fn relative(base: &Path, paths: impl IntoIterator<Item = String>) -> Vec<String> {
        paths
            .into_iter()
            .map(|p| {
                Path::new(&p)
                    .strip_prefix(base)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect()
    }

    /// Roots may overlap: a file one system has no source for is still the
    /// next one's, and only a file no system takes is passed over.
    #[test]
    fn a_file_one_system_passes_over_is_the_next_ones() {
        let dir = tree(&["app/i18n/m_ru.properties", "app/logs/a.log", "app/x.bak"]);
        let rules = rules(
            "systems:\n  - name: i18n\n    roots: [app]\n    sources:\n      - path: 'i18n/*.properties'\n  - name: logs\n    roots: [app]\n    sources:\n      - path: 'logs/*.log'\n",
        );
        let found = discover(&rules, &[dir.path().to_path_buf()], Recognised::File);
        let files: Vec<(String, &str)> = found
            .files
            .iter()
            .map(|f| (f.display.clone(), f.system.name.as_str()))
            .collect();
        let base = dir.path();
        assert_eq!(
            relative(base, files.iter().map(|f| f.0.clone())),
            ["app/i18n/m_ru.properties", "app/logs/a.log"]
        );
        assert_eq!(
            files.iter().map(|f| f.1).collect::<Vec<_>>(),
            ["i18n", "logs"]
        );
        assert_eq!(found.passed_over.no_source.count, 1);
        assert_eq!(
            relative(base, found.passed_over.no_source.examples.clone()),
            ["app/x.bak"]
        );
        assert_eq!(
            found.passed_over.no_source.by_extension,
            BTreeMap::from([("bak".to_string(), 1)])
        );
    }

    #[test]
    fn only_globs_with_a_slash_or_double_star_reach_into_subfolders() {
        let reaches = |glob: &str| {
            let rules = rules(&format!(
                "systems:\n  - name: s\n    roots: [s]\n    sources:\n      - path: '{glob}'\n"
            ));
            reaches_subfolders(&rules.systems[0])
        };
        for glob in ["**", "logs/*.log", "**/*.log", "{a,b/c}.log"] {
            assert!(reaches(glob), "{glob}");
        }
        for glob in ["*", "*.log*", "app-?.log", "[ab].log"] {
            assert!(!reaches(glob), "{glob}");
        }
    }

    #[test]
    fn tallies_count_by_extension_and_keep_the_first_paths() {
        let mut tally = FileTally::default();
        for p in [
            "a/README", "a/b.PNG", "a/c.png", "a/d.md", "a/e.md", "a/f.md",
        ] {
            tally.add(p);
        }
        assert_eq!(tally.count, 6);
        assert_eq!(
            tally.by_extension,
            BTreeMap::from([
                (String::new(), 1),
                ("md".to_string(), 3),
                ("png".to_string(), 2)
            ])
        );
        assert_eq!(
            tally.examples,
            ["a/README", "a/b.PNG", "a/c.png", "a/d.md", "a/e.md"]
        );
    }

    /// Issue #14: a file whose name is not UTF-8 was skipped silently (zero-config
    /// matched no format on an empty name). It is found, and shown escaped.
    #[test]
    fn names_that_are_not_utf8_are_found_and_shown_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("app");
        std::fs::create_dir(&app).unwrap();
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9-\xd0.log");
        std::fs::write(app.join(name), "{\"userMessage\":\"x\"}\n").unwrap();
        std::fs::write(app.join("ok.log"), "{\"userMessage\":\"y\"}\n").unwrap();
        let rules = crate::rules::zero_config(&[dir.path()]);
        let found = discover(&rules, &[dir.path().to_path_buf()], Recognised::File);
        let shown: Vec<&str> = found
            .files
            .iter()
            .map(|f| f.display.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(shown, vec!["caf\\xe9-\\xd0.log", "ok.log"]);
        assert!(found.skipped.is_empty());
        assert_eq!(found.files[0].path, app.join(name));
        assert_eq!(display(Path::new("ж/ok.log")), "ж/ok.log");
    }
}
