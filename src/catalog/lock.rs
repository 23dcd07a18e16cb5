//! One scan at a time per catalog.
//!
//! The nightly job may still run when the next one starts. Two scans writing one
//! catalog would not corrupt it (SQLite serialises writers) but would each read
//! the same new log lines before either stored its position. So a scan holds an
//! exclusive lock on `<catalog>.lock` for its whole run; a second scan fails at
//! once instead of waiting. The OS releases the lock when the process dies, so a
//! killed scan never leaves a stale lock behind.

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

impl ScanLock {
    /// Takes the catalog's scan lock without waiting.
    pub fn acquire(db: &Path) -> Result<ScanLock, LockError> {
        let path = lock_path(db);
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
}
