//! Deciding, for every discovered file, whether and from where to read it:
//! what the catalog needs to recognise it (metadata, fingerprint of its head,
//! content hash of a catalog file) against what the catalog stored.

use std::io::Read;

use crate::catalog::FileRecord;
use crate::model::{Role, Warning};
use crate::read;
use crate::scan::SourceFile;
use crate::tracking::{self, CurrentFile, Plan};

/// A discovered file with what is known about it and what to read of it.
pub(super) struct PlannedFile<'r> {
    pub file: &'r SourceFile<'r>,
    /// The file as found (its record is what will be stored, position not yet advanced).
    pub found: CurrentFile,
    pub plan: Plan,
}

/// Decides for every discovered file whether and from where to read it.
/// Files whose metadata or head cannot be read become warnings right away.
pub(super) fn plan_files<'r>(
    files: &'r [SourceFile<'r>],
    stored: &[FileRecord],
) -> (Vec<PlannedFile<'r>>, Vec<Warning>) {
    let mut failures = Vec::new();
    let mut planned = Vec::new();
    for file in files {
        match probe_file(file) {
            Ok(p) => planned.push(p),
            Err(e) => failures.push(Warning::new(&file.display, None, e)),
        }
    }
    // Logs are known by fingerprint, wherever they moved; catalogs by path.
    let (logs, catalogs): (Vec<&mut PlannedFile<'r>>, Vec<&mut PlannedFile<'r>>) = planned
        .iter_mut()
        .partition(|p| p.file.role == Role::Observations);
    let stored_logs: Vec<&FileRecord> = stored
        .iter()
        .filter(|s| s.role == Role::Observations)
        .collect();
    let found: Vec<&CurrentFile> = logs.iter().map(|p| &p.found).collect();
    let paths: Vec<&std::path::Path> = logs.iter().map(|p| p.file.path.as_path()).collect();
    let before = |i: usize, at| {
        read::bytes_before(paths[i], at, read::TAIL_LEN)
            .ok()
            .flatten()
    };
    let plans = tracking::plan(&found, &stored_logs, &before);
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

/// Stored definitions files that no longer exist: their definitions are removed.
/// (A file found by this scan is there, even when its shown path is not its
/// real one: a name that is not UTF-8.)
pub(super) fn vanished_catalog_files(stored: &[FileRecord], found: &[SourceFile]) -> Vec<String> {
    let found: std::collections::HashSet<&str> = found.iter().map(|f| f.display.as_str()).collect();
    stored
        .iter()
        .filter(|f| f.role == Role::Definitions && !std::path::Path::new(&f.path).exists())
        .filter(|f| !found.contains(f.path.as_str()))
        .map(|f| f.path.clone())
        .collect()
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
                role: file.role,
                format: file.scanner.id(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover;

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
        let found = discover::discover(&rules, &[dir.path().to_path_buf()], crate::scan::recognise);
        assert_eq!(found.files.len(), 1);
        std::fs::remove_file(dir.path().join("app/gone.log")).unwrap();
        let (planned, failures) = plan_files(&found.files, &[]);
        assert!(planned.is_empty());
        match &failures[..] {
            [w] => {
                assert!(
                    w.path.ends_with("app/gone.log") && w.message.starts_with("cannot read"),
                    "{w}"
                )
            }
            _ => panic!("expected one failure"),
        }
    }
}
