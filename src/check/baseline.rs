//! The baseline: the findings a team has accepted for now, committed as JSON.
//!
//! Only findings whose fingerprint is not in the baseline fail a check; findings
//! of the baseline that are gone are reported as fixed. The file is written only
//! by `errata check --update-baseline`, never as a side effect, so it cannot grow
//! silently. Entries are sorted by fingerprint so diffs stay small.

use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::CheckError;
use crate::model::KindId;
use crate::report::Output;

/// The format version written and understood.
pub const VERSION: u32 = 1;

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<BaselineEntry>,
}

/// One accepted finding; everything but `fingerprint` is there for people reading diffs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub kind: KindId,
    pub system: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    pub message: String,
}

impl Baseline {
    /// Reads a baseline; a missing file is an error (a typo must not pass a pipeline).
    pub fn load(path: &Path) -> Result<Baseline, CheckError> {
        let err = |message: String| CheckError::Baseline {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            err(format!(
                "cannot read: {e} (create it with --update-baseline)"
            ))
        })?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            let at = format!(" at line {} column {}", e.line(), e.column());
            CheckError::Baseline {
                path: format!("{}:{}:{}", path.display(), e.line(), e.column()),
                message: e.to_string().trim_end_matches(&at).to_string(),
            }
        })?;
        if baseline.version != VERSION {
            return Err(err(format!(
                "baseline version {} is not {VERSION}; write it anew with --update-baseline",
                baseline.version
            )));
        }
        Ok(baseline)
    }

    /// Writes the baseline, sorted, with a final newline.
    pub fn save(&self, path: &Path) -> Result<(), CheckError> {
        let mut sorted = self.clone();
        sorted.findings.sort();
        let mut text = serde_json::to_string_pretty(&sorted).expect("a baseline serialises");
        text.push('\n');
        // Written whole or not at all: a half-written baseline would accept
        // findings it no longer lists.
        let mut out = Output::file(path).map_err(|e| cannot_write(path, e))?;
        out.write_all(text.as_bytes())
            .and_then(|()| out.finish())
            .map_err(|e| cannot_write(path, e))
    }

    pub fn contains(&self, fingerprint: &str) -> bool {
        self.findings.iter().any(|f| f.fingerprint == fingerprint)
    }
}

fn cannot_write(path: &Path, e: std::io::Error) -> CheckError {
    // The error text names the file already; keep the path field for the prefix.
    let message = e.to_string();
    let message = message
        .strip_prefix(&format!("{}: ", path.display()))
        .unwrap_or(&message);
    CheckError::Baseline {
        path: path.display().to_string(),
        message: format!("cannot write: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fp: &str) -> BaselineEntry {
        BaselineEntry {
            fingerprint: fp.to_string(),
            kind: KindId::Stale,
            system: "abs".to_string(),
            key: Some("ERR".to_string()),
            template: None,
            message: "old".to_string(),
        }
    }

    #[test]
    fn round_trips_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let baseline = Baseline {
            version: VERSION,
            findings: vec![entry("v1:b"), entry("v1:a")],
        };
        baseline.save(&path).unwrap();
        let back = Baseline::load(&path).unwrap();
        assert_eq!(back.findings[0].fingerprint, "v1:a");
        assert!(back.contains("v1:b"));
        assert!(!back.contains("v1:c"));
    }

    #[test]
    fn bad_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let missing = Baseline::load(&path).unwrap_err().to_string();
        assert!(
            missing.contains("baseline.json") && missing.contains("--update-baseline"),
            "{missing}"
        );
        std::fs::write(&path, "{\"version\": 1, \"findings\": [], \"extra\": 1}").unwrap();
        let bad = Baseline::load(&path).unwrap_err().to_string();
        assert!(bad.contains("baseline.json:1:"), "{bad}");
        std::fs::write(&path, "{\"version\": 9, \"findings\": []}").unwrap();
        assert!(
            Baseline::load(&path)
                .unwrap_err()
                .to_string()
                .contains("version 9")
        );
    }
}
