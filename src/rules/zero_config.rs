//! Rules for `errata scan DIR` with no rules file: useful without any set-up.

use std::path::Path;

use super::{GlobPattern, Rules, Source, SourceOptions, System};

/// Each top-level folder of each path is a system; every file in it is a source
/// whose format is recognised by extension and content, and logs use the default
/// extractor (the usual client-message fields).
pub fn zero_config(paths: &[impl AsRef<Path>]) -> Rules {
    let mut systems: Vec<System> = Vec::new();
    for base in paths {
        let Ok(entries) = std::fs::read_dir(base.as_ref()) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        for name in names {
            if systems.iter().any(|s| s.name == name) {
                continue;
            }
            systems.push(System {
                roots: vec![name.clone()],
                name,
                encoding: None,
                locale: None,
                stale_after: None,
                database_charset: None,
                sources: vec![Source {
                    path: GlobPattern::new("**").expect("valid glob"),
                    format: None,
                    role: None,
                    encoding: None,
                    locale: None,
                    extractor: None,
                    options: SourceOptions::default(),
                }],
                limits: Vec::new(),
            });
        }
    }
    Rules {
        systems,
        ..Rules::default()
    }
}
