//! docs/architecture.md is true: the stages it lists, in its order, are every
//! module of `src/`; no stage imports a later one, no two stages import each
//! other round a loop, and the imports its table lists are the ones the code has.
//!
//! An import is a `crate::<stage>` path in `src/` (`errata::<stage>` in the
//! binary's `src/main.rs` and `src/cli/`), in `use` or inline, test modules
//! included; comments and string literals are not code and are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Stage → the stages it imports.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// Where the doc's stage table starts and ends.
const TABLE_BEGIN: &str = "<!-- stages: begin -->";
const TABLE_END: &str = "<!-- stages: end -->";

#[test]
fn docs_architecture_is_true() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/architecture.md")).expect("doc present");
    let table = stage_table(&doc).expect("docs/architecture.md has its stage table");
    let order: Vec<String> = table.iter().map(|(stage, _)| stage.clone()).collect();
    let graph = import_graph(&root.join("src"));
    let problems = problems(&order, &graph, &table);
    assert!(
        problems.is_empty(),
        "docs/architecture.md and src/ disagree:\n{}",
        problems.join("\n")
    );
}

/// Everything wrong with `graph` against the stage `order` and the doc's
/// `table` of declared imports, one line each.
fn problems(order: &[String], graph: &Graph, table: &[(String, BTreeSet<String>)]) -> Vec<String> {
    let rank: BTreeMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut out = Vec::new();
    for stage in graph.keys() {
        if !rank.contains_key(stage.as_str()) {
            out.push(format!(
                "`{stage}` is a module of src/ but not a stage of the doc's table: place it"
            ));
        }
    }
    for stage in order {
        if !graph.contains_key(stage) {
            out.push(format!(
                "`{stage}` is a stage of the doc's table but no module of src/"
            ));
        }
    }
    for (from, targets) in graph {
        for to in targets {
            if let (Some(f), Some(t)) = (rank.get(from.as_str()), rank.get(to.as_str()))
                && t > f
            {
                out.push(format!(
                    "`{from}` imports `{to}`, a later stage: an arrow back up the pipeline"
                ));
            }
        }
    }
    for cycle in cycles(graph) {
        out.push(format!("import loop: {}", cycle.join(" → ")));
    }
    for (stage, declared) in table {
        let actual = graph.get(stage).cloned().unwrap_or_default();
        if &actual != declared {
            out.push(format!(
                "the doc says `{stage}` imports {}, the code: {}",
                listed(declared),
                listed(&actual)
            ));
        }
    }
    out
}

fn listed(stages: &BTreeSet<String>) -> String {
    if stages.is_empty() {
        return "—".to_string();
    }
    stages
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Each loop of the graph once, as the stages round it (first one repeated at
/// the end), found by a depth-first search from every stage.
fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    fn visit(
        stage: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
        found: &mut BTreeSet<Vec<String>>,
    ) {
        if let Some(at) = path.iter().position(|s| s == stage) {
            let mut cycle: Vec<String> = path[at..].to_vec();
            // The same loop found from another stage: start it at its least stage.
            let least = (0..cycle.len())
                .min_by_key(|&i| &cycle[i])
                .expect("a loop has a stage");
            cycle.rotate_left(least);
            cycle.push(cycle[0].clone());
            found.insert(cycle);
            return;
        }
        if done.contains(stage) {
            return;
        }
        path.push(stage.to_string());
        for next in graph.get(stage).into_iter().flatten() {
            visit(next, graph, path, done, found);
        }
        path.pop();
        done.insert(stage.to_string());
    }
    let mut found = BTreeSet::new();
    let mut done = BTreeSet::new();
    for stage in graph.keys() {
        visit(stage, graph, &mut Vec::new(), &mut done, &mut found);
    }
    found.into_iter().collect()
}

/// The doc's stage table, in order: each stage with the stages it imports.
/// A row is `| n | `stage` | what it does | `a`, `b` |` (`—` for none).
fn stage_table(doc: &str) -> Option<Vec<(String, BTreeSet<String>)>> {
    let start = doc.find(TABLE_BEGIN)? + TABLE_BEGIN.len();
    let end = start + doc[start..].find(TABLE_END)?;
    let rows = doc[start..end]
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.trim().strip_prefix('|')?.split('|').collect();
            let stage = cells.get(1)?.trim().strip_prefix('`')?.strip_suffix('`')?;
            let imports = cells
                .get(3)?
                .split(',')
                .filter_map(|s| s.trim().strip_prefix('`')?.strip_suffix('`'))
                .map(str::to_string)
                .collect();
            Some((stage.to_string(), imports))
        })
        .collect();
    Some(rows)
}

/// Stage → the other stages its files import, for every file under `src`.
fn import_graph(src: &Path) -> Graph {
    let mut graph = Graph::new();
    for file in rust_files(src) {
        let rel = file.strip_prefix(src).expect("under src");
        let Some(stage) = stage_of(rel) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("source readable");
        let root = if stage == "cli" { "errata" } else { "crate" };
        let imports = graph.entry(stage.clone()).or_default();
        for target in imported_stages(&code_only(&text), root) {
            if target != stage {
                imports.insert(target);
            }
        }
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("src readable") {
        let path = entry.expect("entry readable").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// The stage a file under `src/` belongs to: its first path component (`scan`
/// for `scan/po.rs`, `discover` for `discover.rs`); `main.rs` is the CLI's,
/// `lib.rs` (which only declares the stages) none.
fn stage_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?;
    match first {
        "lib.rs" => None,
        "main.rs" => Some("cli".to_string()),
        name => Some(name.strip_suffix(".rs").unwrap_or(name).to_string()),
    }
}

/// The first segment after each `root::` path in `code`, including each of a
/// group's (`root::{a::X, b}` names `a` and `b`).
fn imported_stages(code: &str, root: &str) -> BTreeSet<String> {
    let prefix = format!("{root}::");
    let mut out = BTreeSet::new();
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(at) = code[from..].find(&prefix) {
        let start = from + at;
        from = start + prefix.len();
        // `root` must be a whole word: `my_crate::x` is not `crate::x`.
        if start > 0 && is_ident_byte(bytes[start - 1]) {
            continue;
        }
        let rest = &code[from..];
        if let Some(group) = rest.strip_prefix('{') {
            out.extend(group_heads(group));
        } else {
            let word: String = rest.chars().take_while(|&c| is_ident_char(c)).collect();
            if !word.is_empty() {
                out.insert(word);
            }
        }
    }
    out
}

/// The first word of each top-level item of a `{…}` group (the text after `{`).
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut word = String::new();
    let mut want = true;
    for c in group.chars() {
        if want && is_ident_char(c) {
            word.push(c);
            continue;
        }
        if want && !word.is_empty() {
            heads.push(std::mem::take(&mut word));
            want = false;
        }
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => want = true,
            _ => {}
        }
    }
    heads.retain(|h| h != "self");
    heads
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `text` with comments and the insides of string and char literals blanked
/// out (newlines kept), so that only code is searched.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && (i == 0 || !is_ident_char(chars[i - 1]))
        {
            // A raw string: r"…", r#"…"#, as many hashes as it opens with.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.push('"');
            j += 1;
            while j < chars.len() {
                if chars[j] == '"' && (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                out.push(blank(chars[j]));
                j += 1;
            }
            out.push('"');
            i = j;
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < chars.len() {
                    out.push(blank(chars[i]));
                    i += 1;
                }
            }
            out.push('"');
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}'), not a lifetime ('a).
            let end = if next == Some('\\') {
                chars[i + 2..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map(|p| i + 2 + p)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(end) => {
                    out.push_str("' '");
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod checker {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn graph(edges: &[(&str, &[&str])]) -> Graph {
        edges
            .iter()
            .map(|(from, to)| (from.to_string(), set(to)))
            .collect()
    }

    fn order(stages: &[&str]) -> Vec<String> {
        stages.iter().map(|s| s.to_string()).collect()
    }

    fn table(g: &Graph) -> Vec<(String, BTreeSet<String>)> {
        g.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    #[test]
    fn paths_in_code_are_imports_and_comments_and_strings_are_not() {
        let code = r##"
            use crate::model::{Role, Warning};
            use crate::{read::{self, ReadError}, scan, rules::Caps};
            // use crate::audit::Flag;
            /* crate::report::x */
            let s = "crate::catalog::open";
            let r = r#"crate::cluster"#;
            let c = '"'; let l: &'static str = x; crate::mask::run(c);
            let q = my_crate::tracking::x;
        "##;
        assert_eq!(
            imported_stages(&code_only(code), "crate"),
            set(&["mask", "model", "read", "rules", "scan"])
        );
    }

    #[test]
    fn a_later_import_and_a_loop_are_caught() {
        let g = graph(&[("rules", &["scan"]), ("scan", &["rules"]), ("model", &[])]);
        let found = problems(&order(&["model", "rules", "scan"]), &g, &table(&g));
        assert_eq!(
            found,
            [
                "`rules` imports `scan`, a later stage: an arrow back up the pipeline",
                "import loop: rules → scan → rules",
            ]
        );
    }

    #[test]
    fn a_stage_missing_from_the_doc_or_a_wrong_row_is_caught() {
        let g = graph(&[("model", &[]), ("scan", &["model"]), ("extra", &[])]);
        let doc_table = vec![
            ("model".to_string(), set(&[])),
            ("scan".to_string(), set(&[])),
            ("gone".to_string(), set(&[])),
        ];
        let found = problems(&order(&["model", "scan", "gone"]), &g, &doc_table);
        assert_eq!(
            found,
            [
                "`extra` is a module of src/ but not a stage of the doc's table: place it",
                "`gone` is a stage of the doc's table but no module of src/",
                "the doc says `scan` imports —, the code: `model`",
            ]
        );
    }

    #[test]
    fn a_true_order_passes() {
        let g = graph(&[
            ("model", &[]),
            ("rules", &["model"]),
            ("scan", &["model", "rules"]),
        ]);
        assert!(problems(&order(&["model", "rules", "scan"]), &g, &table(&g)).is_empty());
    }

    #[test]
    fn the_table_is_read_in_order_with_its_imports() {
        let doc = "intro\n<!-- stages: begin -->\n| # | stage | does | imports |\n|---|---|---|---|\n| 1 | `model` | words | — |\n| 2 | `scan` | formats | `model`, `rules` |\n<!-- stages: end -->\n| 3 | `late` | x | — |\n";
        assert_eq!(
            stage_table(doc).unwrap(),
            vec![
                ("model".to_string(), set(&[])),
                ("scan".to_string(), set(&["model", "rules"])),
            ]
        );
    }

    #[test]
    fn files_belong_to_their_top_module() {
        assert_eq!(stage_of(Path::new("scan/po.rs")).as_deref(), Some("scan"));
        assert_eq!(
            stage_of(Path::new("discover.rs")).as_deref(),
            Some("discover")
        );
        assert_eq!(stage_of(Path::new("main.rs")).as_deref(), Some("cli"));
        assert_eq!(stage_of(Path::new("lib.rs")), None);
    }
}
