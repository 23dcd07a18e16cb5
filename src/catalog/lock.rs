//! One scan at a time per catalog.
//!
//! The nightly job may still run when the next one starts. Two scans writing one
//! catalog would not corrupt it (SQLite serialises writers) but would each read
//! the same new log lines before either stored its position. So a scan holds an
//! exclusive lock on `<catalog>.lock` for its whole run; a second scan fails at
//! once instead of waiting. The OS releases the lock when the process dies, so a
//! killed scan never leaves a stale lock behind.
//!
//! The lock belongs to the catalog's real file, not to the path it was named
//! by: a symlink to the catalog, or another spelling of its path
//! (`./x/../errata.db`), takes the same lock. The path is resolved before
//! locking, also when the catalog does not exist yet.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path}: another errata scan is running on this catalog")]
    Busy { path: String },
    #[error("{path}: cannot create lock file: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

/// Held for the duration of a scan; released on drop (or process exit).
#[derive(Debug)]
pub struct ScanLock {
    _file: File,
}

/// The lock file beside a catalog.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// Most symlinks followed to the catalog, as the kernel allows (`ELOOP`).
const MAX_LINKS: usize = 40;

/// The catalog's real path: symlinks resolved and `.`/`..` gone. A catalog that
/// does not exist yet is resolved through its folder (and through a dangling
/// symlink, to where SQLite will create it).
fn canonical(db: &Path) -> std::io::Result<PathBuf> {
    let mut path = db.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::canonicalize(&path) {
            Ok(real) => return Ok(real),
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            Err(_) => {}
        }
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if let Ok(target) = std::fs::read_link(&path) {
            path = folder.join(target);
            continue;
        }
        let name = path.file_name().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name")
        })?;
        return Ok(std::fs::canonicalize(folder)?.join(name));
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        "too many levels of symbolic links",
    ))
}

impl ScanLock {
    /// Takes the scan lock of the catalog `db` names (symlinks and `..`
    /// resolved) without waiting.
    pub fn acquire(db: &Path) -> Result<ScanLock, LockError> {
        let real = canonical(db).map_err(|source| LockError::Io {
            path: lock_path(db).display().to_string(),
            source,
        })?;
        let path = lock_path(&real);
        let display = path.display().to_string();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| LockError::Io {
                path: display.clone(),
                source,
            })?;
        match file.try_lock() {
            Ok(()) => Ok(ScanLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::Busy { path: display }),
            Err(TryLockError::Error(source)) => Err(LockError::Io {
                path: display,
                source,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_catalog_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("errata.db");
        let first = ScanLock::acquire(&db).unwrap();
        assert!(matches!(
            ScanLock::acquire(&db),
            Err(LockError::Busy { .. })
        ));
        drop(first);
        ScanLock::acquire(&db).unwrap();
    }

    /// Issue #14: two scans through a symlink, another spelling of the path, or a
    /// dangling symlink to a catalog not created yet all ran at once and counted
    /// every line twice. Each spelling must meet the one lock of the real file.
    #[test]
    fn every_spelling_of_a_catalog_path_meets_the_same_lock() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("data");
        std::fs::create_dir_all(real_dir.join("x")).unwrap();
        let db = real_dir.join("errata.db");
        let link = dir.path().join("link.db");
        std::os::unix::fs::symlink(&db, &link).unwrap();
        let folder_link = dir.path().join("folder");
        std::os::unix::fs::symlink(&real_dir, &folder_link).unwrap();
        let relative_link = real_dir.join("x/rel.db");
        std::os::unix::fs::symlink("../errata.db", &relative_link).unwrap();
        let spellings = [
            link.clone(),
            real_dir.join("x/../errata.db"),
            real_dir.join("./errata.db"),
            folder_link.join("errata.db"),
            relative_link,
        ];
        // The catalog does not exist yet (the link dangles), then it does.
        for exists in [false, true] {
            if exists {
                std::fs::write(&db, b"").unwrap();
            }
            let first = ScanLock::acquire(&db).unwrap();
            for other in &spellings {
                assert!(
                    matches!(ScanLock::acquire(other), Err(LockError::Busy { .. })),
                    "{} (catalog exists: {exists})",
                    other.display()
                );
            }
            drop(first);
            let through_link = ScanLock::acquire(&link).unwrap();
            assert!(matches!(
                ScanLock::acquire(&db),
                Err(LockError::Busy { .. })
            ));
            drop(through_link);
        }
        assert!(lock_path(&db).exists());
        assert!(
            !lock_path(&link).exists(),
            "the lock lies beside the real file"
        );
    }
}
