//! Rules for `errata scan DIR` with no rules file: useful without any set-up.

use std::path::{Path, PathBuf};

use super::{GlobPattern, Rules, Source, SourceOptions, System};

/// Each top-level folder of each path is a system; every file in it is a source
/// whose format is recognised by extension and content, and logs use the default
/// extractor (the usual client-message fields).
///
/// Files lying directly in a scanned folder belong to the folder's own system,
/// named after it (`errata scan /var/log/app` on a folder of logs: system `app`),
/// beside the systems of its subfolders. When a subfolder has that name too, the
/// loose files' system is `NAME (files)`. Scanned folders of one name share one
/// system, as their subfolders of one name do. Hidden entries are left out.
pub fn zero_config(paths: &[impl AsRef<Path>]) -> Rules {
    let mut systems: Vec<System> = Vec::new();
    let mut loose: Vec<(String, PathBuf)> = Vec::new();
    for base in paths {
        let base = base.as_ref();
        let Ok(entries) = std::fs::read_dir(base) else {
            continue;
        };
        let mut names: Vec<String> = Vec::new();
        let mut has_files = false;
        for entry in entries.filter_map(|e| e.ok()) {
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            // Symlinks count as what they point to, as the walk follows them.
            let path = entry.path();
            if path.is_dir() {
                names.push(name);
            } else if path.is_file() {
                has_files = true;
            }
        }
        names.sort();
        for name in names {
            if systems.iter().any(|s| s.name == name) {
                continue;
            }
            systems.push(system(name.clone(), name, Vec::new(), "**"));
        }
        if has_files {
            loose.push((folder_name(base), base.to_path_buf()));
        }
    }
    for (name, base) in loose {
        let name = if systems.iter().any(|s| s.name == name && s.bases.is_empty()) {
            format!("{name} (files)")
        } else {
            name
        };
        match systems.iter_mut().find(|s| s.name == name) {
            Some(s) => s.bases.push(base),
            None => systems.push(system(name, String::new(), vec![base], "*")),
        }
    }
    Rules {
        systems,
        ..Rules::default()
    }
}

/// A zero-config system: one root, one source of every file its glob matches.
fn system(name: String, root: String, bases: Vec<PathBuf>, glob: &str) -> System {
    System {
        roots: vec![root],
        name,
        bases,
        encoding: None,
        field_encoding: None,
        locale: None,
        stale_after: None,
        database_charset: None,
        sources: vec![Source {
            path: GlobPattern::new(glob).expect("valid glob"),
            format: None,
            role: None,
            encoding: None,
            locale: None,
            extractor: None,
            options: SourceOptions::default(),
        }],
        limits: Vec::new(),
        message_fields: Vec::new(),
        origin: None,
    }
}

/// The name of a scanned folder: its last component, resolved for `.` and
/// `..`; the whole path for `/`.
fn folder_name(path: &Path) -> String {
    let named = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(str::to_string);
    named(path)
        .filter(|n| n != "." && n != "..")
        .or_else(|| path.canonicalize().ok().as_deref().and_then(named))
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Name, roots, bases and source globs of a system.
    type Shape = (String, Vec<String>, Vec<PathBuf>, Vec<String>);

    fn shape(rules: &Rules) -> Vec<Shape> {
        rules
            .systems
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    s.roots.clone(),
                    s.bases.clone(),
                    s.sources.iter().map(|src| src.path.text.clone()).collect(),
                )
            })
            .collect()
    }

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "x\n").unwrap();
        }
        dir
    }

    #[test]
    fn a_flat_folder_of_logs_is_one_system_named_after_it() {
        let dir = tree(&["app/app.log", "app/app.log.1", "app/.hidden"]);
        let base = dir.path().join("app");
        assert_eq!(
            shape(&zero_config(&[&base])),
            vec![("app".into(), vec!["".into()], vec![base], vec!["*".into()])]
        );
    }

    /// The mixed case: subfolders stay systems, loose files are the folder's own.
    #[test]
    fn files_beside_subfolders_are_the_folders_own_system() {
        let dir = tree(&[
            "bank/gateway.log",
            "bank/abs/logs/abs.log",
            "bank/crm/messages.properties",
            "bank/.git/config",
        ]);
        let base = dir.path().join("bank");
        assert_eq!(
            shape(&zero_config(&[&base])),
            vec![
                ("abs".into(), vec!["abs".into()], vec![], vec!["**".into()]),
                ("crm".into(), vec!["crm".into()], vec![], vec!["**".into()]),
                ("bank".into(), vec!["".into()], vec![base], vec!["*".into()]),
            ]
        );
    }

    #[test]
    fn a_subfolder_of_the_same_name_keeps_its_name() {
        let dir = tree(&["app/app/x.log", "app/y.log"]);
        let base = dir.path().join("app");
        let names: Vec<String> = shape(&zero_config(&[&base]))
            .into_iter()
            .map(|s| s.0)
            .collect();
        assert_eq!(names, ["app", "app (files)"]);
    }

    #[test]
    fn folders_of_one_name_share_a_system_and_dot_is_named() {
        let dir = tree(&["a/logs/x.log", "b/logs/y.log", "c/only-subfolders/z.log"]);
        let (a, b) = (dir.path().join("a/logs"), dir.path().join("b/logs"));
        let c = dir.path().join("c");
        assert_eq!(
            shape(&zero_config(&[&a, &b, &c])),
            vec![
                (
                    "only-subfolders".into(),
                    vec!["only-subfolders".into()],
                    vec![],
                    vec!["**".into()]
                ),
                (
                    "logs".into(),
                    vec!["".into()],
                    vec![a.clone(), b],
                    vec!["*".into()]
                ),
            ]
        );
        assert_eq!(folder_name(&a.join(".")), "logs");
        assert_eq!(folder_name(&a.join("../logs/..")), "a");
        assert_eq!(folder_name(Path::new("/")), "/");
    }
}
