//! Walking the scanned trees and matching files to the rules' sources.
//!
//! Only regular files are ever opened: FIFOs, sockets and devices would block or
//! never end, so they are skipped with a reason. Symlinks are followed (log
//! folders are often links) but walkdir detects loops, and a loop or a dangling
//! link is a warning, not an error.

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::model::{Role, Warning};
use crate::read::{self, Charset};
use crate::rules::{Rules, Source, System};
use crate::scan::{self, Scanner};

/// A file to scan, with everything the rules say about it.
pub struct SourceFile<'r> {
    pub path: PathBuf,
    /// The path as shown to users and stored in the catalog.
    pub display: String,
    pub system: &'r System,
    pub source: &'r Source,
    pub scanner: &'static dyn Scanner,
    pub role: Role,
    /// Declared charset (source, then system); `None` means detect from content,
    /// or see `default_charset`.
    pub charset: Option<Charset>,
    /// With no declared charset, the format's own (Java `.properties`: ISO-8859-1)
    /// for a file that is not all valid UTF-8 ([`read::utf8_or`]).
    pub default_charset: Option<Charset>,
}

/// The result of walking: files to scan and what was skipped, with reasons.
#[derive(Default)]
pub struct Discovery<'r> {
    pub files: Vec<SourceFile<'r>>,
    pub skipped: Vec<Warning>,
}

/// Walks the roots of every system under each of `bases` and matches each file to
/// the first source whose glob matches its path relative to the system root.
pub fn discover<'r>(rules: &'r Rules, bases: &[PathBuf]) -> Discovery<'r> {
    let mut found = Discovery::default();
    let mut seen = std::collections::HashSet::new();
    for base in bases {
        for system in &rules.systems {
            if !system.bases.is_empty() && !system.bases.contains(base) {
                continue;
            }
            for root in &system.roots {
                let root_path = base.join(root);
                if !root_path.exists() {
                    continue;
                }
                walk_root(system, &root_path, &mut seen, &mut found);
            }
        }
    }
    found.files.sort_by(|a, b| a.display.cmp(&b.display));
    found
}

fn walk_root<'r>(
    system: &'r System,
    root: &Path,
    seen: &mut std::collections::HashSet<PathBuf>,
    found: &mut Discovery<'r>,
) {
    let mut walker = WalkDir::new(root).follow_links(true).sort_by_file_name();
    if !reaches_subfolders(system) {
        walker = walker.max_depth(1);
    }
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e
                    .path()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| root.display().to_string());
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
                found.skipped.push(Warning::new(path, None, reason));
                continue;
            }
        };
        let ft = entry.file_type();
        if ft.is_dir() {
            continue;
        }
        let path = entry.path();
        if !ft.is_file() {
            found.skipped.push(Warning::new(
                path.display().to_string(),
                None,
                special_file_reason(&ft),
            ));
            continue;
        }
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if !seen.insert(canonical) {
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
            continue;
        };
        match resolve(system, source, path) {
            Ok(Some(file)) => found.files.push(file),
            Ok(None) => {}
            Err(w) => found.skipped.push(w),
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

/// Decides format, role and charset of a matched file. `Ok(None)` means the file
/// is of no format errata reads (zero-config mode meets many such files).
fn resolve<'r>(
    system: &'r System,
    source: &'r Source,
    path: &Path,
) -> Result<Option<SourceFile<'r>>, Warning> {
    let display = path.display().to_string();
    let declared = source
        .encoding
        .as_ref()
        .or(system.encoding.as_ref())
        .and_then(|e| Charset::from_label(&e.0));
    let scanner = match &source.format {
        Some(name) => scan::by_name(&name.0).expect("format names are validated when loading"),
        None => {
            let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // Only files some format claims by name are opened at all.
            if !scan::claims(file_name) {
                return Ok(None);
            }
            let head = match read::head(path, declared) {
                Ok(h) => h,
                Err(e) => return Err(Warning::new(display, None, e.to_string())),
            };
            match scan::detect(file_name, &head) {
                Some(s) => s,
                None => return Ok(None),
            }
        }
    };
    let default_charset = match declared {
        Some(_) => None,
        None => scanner.default_encoding().and_then(Charset::from_label),
    };
    Ok(Some(SourceFile {
        path: path.to_path_buf(),
        display,
        system,
        source,
        role: source.role.unwrap_or(scanner.role()),
        scanner,
        charset: declared,
        default_charset,
    }))
}
