//! Loading rules files: YAML guards, merging, and errors that name file:line:column.

use std::path::{Path, PathBuf};

use super::{Rules, RulesFile, did_you_mean};
use crate::model::FormatId;
use crate::yaml::{self, YamlError};

/// A rules problem, always with the file and, where known, line and column.
#[derive(Debug, thiserror::Error)]
#[error("{path}{}: {message}", position(*.line, *.column))]
pub struct RulesError {
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

fn position(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

impl RulesError {
    fn whole_file(path: &Path, message: impl Into<String>) -> Self {
        RulesError {
            path: path.display().to_string(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

/// Loads a rules file, or every `*.yaml`/`*.yml` file of a folder (sorted by name), merged.
pub fn load(path: &Path) -> Result<Rules, RulesError> {
    let files = rule_files(path)?;
    let mut rules = Rules::default();
    for file in files {
        let text = std::fs::read_to_string(&file)
            .map_err(|e| RulesError::whole_file(&file, format!("cannot read: {e}")))?;
        let parsed = load_str(&file, &text)?;
        merge(&mut rules, parsed, &file, &text)?;
    }
    Ok(rules)
}

/// The rules of one file's text, as [`load`] gives them for that file alone;
/// `path` only names it in errors and provenance.
pub fn load_text(path: &Path, text: &str) -> Result<Rules, RulesError> {
    let mut rules = Rules::default();
    merge(&mut rules, load_str(path, text)?, path, text)?;
    Ok(rules)
}

fn rule_files(path: &Path) -> Result<Vec<PathBuf>, RulesError> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries = std::fs::read_dir(path)
        .map_err(|e| RulesError::whole_file(path, format!("cannot read rules: {e}")))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(RulesError::whole_file(
            path,
            "no *.yaml rules files in this folder",
        ));
    }
    Ok(files)
}

/// Parses one rules file's text; `path` only names it in errors.
pub fn load_str(path: &Path, text: &str) -> Result<RulesFile, RulesError> {
    yaml::check(text).map_err(|e| yaml_error(path, text, e))?;
    let file: RulesFile =
        serde_yaml::from_str(text).map_err(|e| yaml_error(path, text, YamlError::Parse(e)))?;
    validate(path, text, &file)?;
    Ok(file)
}

fn yaml_error(path: &Path, text: &str, e: YamlError) -> RulesError {
    let (line, column, message) = match &e {
        YamlError::Parse(inner) => {
            let raw = inner.to_string();
            let raw = raw.split(" at line ").next().unwrap_or(&raw).to_string();
            let (line, column) = match inner.location() {
                Some(loc) => value_position(text, loc.index(), &raw).unwrap_or((
                    crate::yaml::newline_count_line(text, loc.line() as u64) as usize,
                    loc.column(),
                )),
                None => return RulesError::whole_file(path, with_suggestion(&raw)),
            };
            (Some(line), Some(column), with_suggestion(&raw))
        }
        YamlError::TooManyAliases { line, column } | YamlError::TooDeep { line, column } => {
            (Some(*line), Some(*column), e.to_string())
        }
        YamlError::TooLarge { .. } => (None, None, e.to_string()),
    };
    let message = match &e {
        YamlError::TooManyAliases { .. } | YamlError::TooDeep { .. } => message
            .split_once(": ")
            .map(|(_, m)| m.to_string())
            .unwrap_or(message),
        _ => message,
    };
    RulesError {
        path: path.display().to_string(),
        line,
        column,
        message,
    }
}

/// serde_yaml places errors raised while parsing a value (bad regex, unknown
/// encoding) at the start of the enclosing mapping; this moves them to the value
/// itself, the first occurrence of the backticked value after that position.
fn value_position(text: &str, from: usize, message: &str) -> Option<(usize, usize)> {
    if message.contains("unknown field") {
        return None;
    }
    let value = message.split('`').nth(1)?;
    let offset = from + text.get(from..)?.find(value)?;
    let (line, column) = find_position_at(text, offset);
    Some((line, column))
}

/// Adds a did-you-mean to serde's "unknown field `x`, expected one of `a`, `b`".
fn with_suggestion(message: &str) -> String {
    let Some(start) = message.find("unknown field `") else {
        return message.to_string();
    };
    let (context, rest) = message.split_at(start);
    let rest = &rest["unknown field `".len()..];
    let Some((word, tail)) = rest.split_once('`') else {
        return message.to_string();
    };
    let expected: Vec<&str> = tail.split('`').skip(1).step_by(2).collect();
    format!(
        "{context}unknown field `{word}`{}",
        did_you_mean(word, &expected)
    ) + &tail
        .split_once(", expected")
        .map(|(_, e)| format!("; expected{e}"))
        .unwrap_or_default()
}

/// Checks that need the whole file: a failed check points at the offending value.
fn validate(path: &Path, text: &str, file: &RulesFile) -> Result<(), RulesError> {
    let at = |needle: &str, message: String| {
        let (line, column) = find_position(text, needle);
        RulesError {
            path: path.display().to_string(),
            line,
            column,
            message,
        }
    };
    for system in &file.systems {
        if system.roots.is_empty() {
            return Err(at(
                &format!("name: {}", system.name),
                format!("system `{}` has no roots", system.name),
            ));
        }
        for source in &system.sources {
            if let Err((needle, message)) = check_record_length(source) {
                return Err(at(&needle, message));
            }
            if let Some(ex) = &source.extractor {
                match (&ex.regex, &ex.json) {
                    (Some(re), None) => {
                        if !re.0.capture_names().any(|n| n == Some("text")) {
                            return Err(at(
                                re.0.as_str(),
                                "extractor regex has no named group `text` (write `(?P<text>…)`)"
                                    .to_string(),
                            ));
                        }
                    }
                    (None, Some(_)) => {}
                    _ => {
                        return Err(at(
                            &source.path.text,
                            format!(
                                "source `{}`: an extractor needs exactly one of `regex` or `json`",
                                source.path.text
                            ),
                        ));
                    }
                }
            }
        }
        for limit in &system.limits {
            if limit.max.is_some() && limit.unit.is_none() {
                return Err(at(
                    &limit.field,
                    format!("limit `{}` has `max` but no `unit`", limit.field),
                ));
            }
        }
    }
    for merge in &file.clustering.merge {
        if merge.ids.is_empty() == merge.pattern.is_none() {
            return Err(at(
                "merge:",
                "a template merge needs exactly one of `ids` or `pattern`".to_string(),
            ));
        }
    }
    let caps = &file.caps;
    let ranges = [
        (
            "record_bytes",
            caps.record_bytes,
            super::MIN_RECORD_BYTES as u64,
            u64::MAX,
        ),
        ("document_bytes", caps.document_bytes, 1, u64::MAX),
        ("decompressed_bytes", caps.decompressed_bytes, 1, u64::MAX),
        ("decompression_ratio", caps.decompression_ratio, 1, u64::MAX),
        (
            "nesting_depth",
            caps.nesting_depth,
            1,
            super::NESTING_DEPTH_CEILING as u64,
        ),
    ];
    for (name, value, min, max) in ranges {
        if let Some(v) = value.filter(|v| !(min..=max).contains(v)) {
            let range = if max == u64::MAX {
                format!("at least {min}")
            } else {
                format!("from {min} to {max}")
            };
            return Err(at(
                &format!("{name}:"),
                format!("caps.{name} is {v}; it must be {range}"),
            ));
        }
    }
    for term in &file.outdated_terms {
        if term.term.is_some() == term.regex.is_some() {
            return Err(at(
                &term.reason,
                "an outdated term needs exactly one of `term` or `regex`".to_string(),
            ));
        }
    }
    Ok(())
}

/// A source of fixed-length records (`record_length`) is fixed width, has
/// columns, and each column lies within the record: a column past its end
/// would read bytes of the next record. Errors carry the text to point at.
fn check_record_length(source: &super::Source) -> Result<(), (String, String)> {
    let Some(length) = source.options.record_length else {
        return Ok(());
    };
    let name = &source.path.text;
    let max = super::MAX_RECORD_BYTES;
    if length == 0 || length > max {
        return Err((
            "record_length:".into(),
            format!("source `{name}`: record_length is {length}; it must be from 1 to {max}"),
        ));
    }
    if source.format != Some(FormatId::FixedWidth) {
        return Err((
            "record_length:".into(),
            format!("source `{name}`: record_length needs `format: fixed_width`"),
        ));
    }
    let Some(columns) = source.options.columns.as_ref().filter(|c| !c.is_empty()) else {
        return Err((
            "record_length:".into(),
            format!("source `{name}`: record_length needs `columns` (name: [start, end))"),
        ));
    };
    for (column, &[start, end]) in columns {
        if start == 0 || end <= start || end > length + 1 {
            return Err((
                format!("{column}:"),
                format!(
                    "source `{name}`: column `{column}` [{start}, {end}) is not within a record of \
                     {length} bytes (1-based [start, end), end at most {})",
                    length + 1
                ),
            ));
        }
    }
    Ok(())
}

/// 1-based line and column of the first occurrence of `needle` in `text`.
fn find_position(text: &str, needle: &str) -> (Option<usize>, Option<usize>) {
    let Some(offset) = text.find(needle) else {
        return (None, None);
    };
    let (line, column) = find_position_at(text, offset);
    (Some(line), Some(column))
}

/// 1-based line and column (in characters) of a byte offset.
fn find_position_at(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|p| p + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

/// Records where `system` and each of its limits are declared, for warnings and
/// the evidence of flags: the system's `name:` line, and the first
/// `field: NAME` after it.
fn locate(system: &mut super::System, path: &Path, text: &str) {
    let found = text.find(&format!("name: {}", system.name));
    system.origin = Some(crate::model::Location::new(
        path.display().to_string(),
        found.map_or(1, |offset| find_position_at(text, offset).0) as u64,
    ));
    let start = found.unwrap_or_default();
    for limit in &mut system.limits {
        let line = text[start..]
            .find(&limit.field)
            .map(|offset| find_position_at(text, start + offset).0)
            .unwrap_or(1);
        limit.origin = Some(crate::model::Location::new(
            path.display().to_string(),
            line as u64,
        ));
    }
}

fn merge(rules: &mut Rules, file: RulesFile, path: &Path, text: &str) -> Result<(), RulesError> {
    for system in file.systems {
        if rules.system(&system.name).is_some() {
            let (line, column) = find_position(text, &format!("name: {}", system.name));
            return Err(RulesError {
                path: path.display().to_string(),
                line,
                column,
                message: format!(
                    "system `{}` is defined in more than one rules file",
                    system.name
                ),
            });
        }
        let mut system = system;
        locate(&mut system, path, text);
        rules.systems.push(system);
    }
    if file.stale_after.is_some() {
        rules.stale_after = file.stale_after;
    }
    rules.outdated_terms.extend(file.outdated_terms);
    rules.masks.extend(file.masks);
    rules.suppress.extend(file.suppress);
    rules.clustering.merge_from(file.clustering);
    rules.caps.merge_from(file.caps);
    rules.files.push(path.display().to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        load_str(Path::new("rules/abs.yaml"), text)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn unknown_field_names_position_and_suggestion() {
        let text =
            "systems:\n  - name: abs\n    roots: [abs]\n    sources:\n      - patth: '*.log'\n";
        let e = err(text);
        assert!(
            e.starts_with("rules/abs.yaml:5:9: systems[0].sources[0]: unknown field `patth` (did you mean `path`?)"),
            "{e}"
        );
    }

    /// Issue #10: `message_fields` are regexes, checked where they are written.
    #[test]
    fn bad_message_field_regex_is_located() {
        let text = "systems:\n  - name: abs\n    roots: [abs]\n    message_fields: ['WS-MESSAGE', '(bad']\n";
        let e = err(text);
        assert!(e.starts_with("rules/abs.yaml:4:"), "{e}");
        assert!(e.contains("invalid regex `(bad`"), "{e}");
    }

    #[test]
    fn bad_regex_and_missing_text_group_are_located() {
        let text = "systems:\n  - name: abs\n    roots: [abs]\n    sources:\n      - path: '*.log'\n        extractor:\n          regex: '(unclosed'\n";
        let e = err(text);
        assert!(e.starts_with("rules/abs.yaml:7:19: "), "{e}");
        assert!(e.contains("invalid regex `(unclosed`"), "{e}");

        let text = "systems:\n  - name: abs\n    roots: [abs]\n    sources:\n      - path: '*.log'\n        extractor:\n          regex: 'ERROR (?P<msg>.*)'\n";
        let e = err(text);
        assert!(
            e.starts_with("rules/abs.yaml:7:19: extractor regex has no named group `text`"),
            "{e}"
        );
    }

    #[test]
    fn record_length_is_checked_against_format_and_columns() {
        let source = |rest: &str| {
            format!(
                "systems:\n  - name: mf\n    roots: [mf]\n    sources:\n      - path: '*.dat'\n{rest}"
            )
        };
        let fixed = "        format: fixed_width\n";
        let cases = [
            (
                format!("{fixed}        options:\n          record_length: 0\n          columns: {{text: [1, 2]}}\n"),
                "rules/abs.yaml:8:11: source `*.dat`: record_length is 0; it must be from 1 to 1048576",
            ),
            (
                "        options:\n          record_length: 80\n          columns: {text: [1, 2]}\n".to_string(),
                "rules/abs.yaml:7:11: source `*.dat`: record_length needs `format: fixed_width`",
            ),
            (
                format!("{fixed}        options:\n          record_length: 80\n"),
                "rules/abs.yaml:8:11: source `*.dat`: record_length needs `columns`",
            ),
            (
                format!("{fixed}        options:\n          record_length: 80\n          columns:\n            code: [1, 9]\n            text: [9, 82]\n"),
                "rules/abs.yaml:11:13: source `*.dat`: column `text` [9, 82) is not within a record of 80 bytes",
            ),
        ];
        for (rest, expected) in cases {
            let e = err(&source(&rest));
            assert!(e.starts_with(expected), "{e}");
        }
        let good = source(&format!(
            "{fixed}        role: definitions\n        options:\n          record_length: 80\n          columns: {{code: [1, 9], text: [9, 81]}}\n"
        ));
        assert!(load_str(Path::new("rules/abs.yaml"), &good).is_ok());
    }

    #[test]
    fn unknown_format_and_encoding_suggest_the_closest() {
        let text = "systems:\n  - name: abs\n    roots: [abs]\n    sources:\n      - path: '*.txt'\n        format: propertiess\n";
        assert!(err(text).contains("unknown format `propertiess` (did you mean `properties`?)"));
        let text = "systems:\n  - name: abs\n    roots: [abs]\n    encoding: windows-1215\n";
        let e = err(text);
        assert!(
            e.starts_with("rules/abs.yaml:4:15: systems[0]: unknown encoding"),
            "{e}"
        );
    }

    #[test]
    fn systems_and_limits_remember_where_they_are_declared() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abs.yaml");
        let text = "systems:\n  - name: abs\n    roots: [abs]\n    limits:\n      - field: ERRMSG.ERR-TEXT\n";
        std::fs::write(&path, text).unwrap();
        let rules = load(&path).unwrap();
        let origin = rules.systems[0].limits[0].origin.clone().unwrap();
        assert_eq!(origin.line, 5);
        assert!(origin.path.ends_with("abs.yaml"));
        assert_eq!(rules.systems[0].origin.as_ref().unwrap().line, 2);
    }

    #[test]
    fn suppressions_name_known_kinds() {
        let e = err("suppress:\n  - kind: stail\n    reason: x\n");
        assert_eq!(
            e,
            "rules/abs.yaml:2:11: suppress[0]: unknown flag kind `stail` (did you mean `stale`?)"
        );
        let e = err("suppress:\n  - kind: stale\n");
        assert!(e.contains("missing field `reason`"), "{e}");
    }

    #[test]
    fn clustering_curation_is_loaded_and_checked() {
        let text = "clustering:\n  max_templates: 100\n  literals: [SOCKS5]\n  pin: [0123456789abcdef]\n  merge:\n    - ids: [aaaa, bbbb]\n    - system: abs\n      pattern: '^Limit'\n";
        let rules = load_str(Path::new("rules/abs.yaml"), text).unwrap();
        assert_eq!(rules.clustering.max_templates, Some(100));
        assert_eq!(rules.clustering.literals, ["SOCKS5"]);
        assert_eq!(rules.clustering.merge.len(), 2);
        assert!(
            err("clustering:\n  merge:\n    - system: abs\n")
                .contains("exactly one of `ids` or `pattern`")
        );
        assert!(err("clustering:\n  pinned: [x]\n").contains("unknown field `pinned`"));
    }

    #[test]
    fn caps_are_loaded_merged_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("a.yaml"),
            "caps:\n  record_bytes: 4096\n  nesting_depth: 64\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("b.yaml"), "caps:\n  record_bytes: 8192\n").unwrap();
        let rules = load(dir.path()).unwrap();
        assert_eq!(rules.caps.record_bytes(), 8192);
        assert_eq!(rules.caps.nesting_depth(), 64);
        assert_eq!(
            rules.caps.document_bytes(),
            crate::rules::MAX_DOCUMENT_BYTES
        );
        assert_eq!(
            err("caps:\n  record_bytes: 10\n"),
            "rules/abs.yaml:2:3: caps.record_bytes is 10; it must be at least 1024"
        );
        assert_eq!(
            err("stale_after: 3\ncaps:\n  nesting_depth: 5000\n"),
            "rules/abs.yaml:3:3: caps.nesting_depth is 5000; it must be from 1 to 1024"
        );
        assert!(
            err("caps:\n  record_byte: 1\n")
                .contains("unknown field `record_byte` (did you mean `record_bytes`?)")
        );
    }

    /// Issue #14: deep flow nesting in a rules file is refused before parsing.
    #[test]
    fn deep_yaml_is_refused_with_its_position() {
        let e = err(&format!("stale_after: 3\nmasks: {}\n", "[".repeat(100_000)));
        assert_eq!(
            e,
            "rules/abs.yaml:2:136: flow collections nested deeper than 128 levels"
        );
    }

    #[test]
    fn broken_yaml_is_located() {
        let e = err("systems:\n  - name: [abs\n");
        assert!(e.starts_with("rules/abs.yaml:"), "{e}");
    }

    /// docs/rules.md promises a complete, working example: keep it loading.
    #[test]
    fn the_documented_example_loads() {
        let doc =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md")).unwrap();
        let start = doc
            .find("## A complete example")
            .expect("the example section");
        let yaml = doc[start..]
            .split("```yaml\n")
            .nth(1)
            .expect("a yaml block");
        let yaml = &yaml[..yaml.find("```").expect("the block ends")];
        let rules = load_text(Path::new("docs/rules.md"), yaml).unwrap();
        assert_eq!(rules.systems[0].name, "webbank");
        assert_eq!(rules.systems[0].sources.len(), 4);
        assert_eq!(rules.suppress.len(), 1);
        assert_eq!(rules.clustering.merge.len(), 2);
    }
}
