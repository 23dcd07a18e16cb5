//! Guarded YAML reading.
//!
//! serde_yaml is archived upstream and expands aliases eagerly: a small document
//! with nested aliases ("billion laughs") can take gigabytes. Every YAML read in
//! errata goes through [`from_str`], which refuses documents over a size limit or
//! with more anchors/aliases than any real rules file or catalog needs. It also
//! refuses flow collections nested deeper than serde_yaml would accept anyway:
//! libyaml's scanner is quadratic in flow depth (100,000 `[` took a minute
//! before serde_yaml's own recursion limit said no), the pre-scan is linear.

/// Largest YAML document errata reads (rules files and YAML catalogs).
pub const MAX_YAML_BYTES: usize = 8 * 1024 * 1024;
/// Most anchors plus aliases allowed in one document.
pub const MAX_YAML_ALIASES: usize = 256;
/// Deepest flow nesting (`[`, `{`) allowed: serde_yaml's own recursion limit.
pub const MAX_YAML_DEPTH: usize = 128;

/// Why a YAML document was refused or did not parse.
#[derive(Debug, thiserror::Error)]
pub enum YamlError {
    #[error("document is {size} bytes, over the {MAX_YAML_BYTES}-byte limit for YAML")]
    TooLarge { size: usize },
    #[error("{line}:{column}: more than {MAX_YAML_ALIASES} anchors and aliases (alias bomb?)")]
    TooManyAliases { line: usize, column: usize },
    #[error("{line}:{column}: flow collections nested deeper than {MAX_YAML_DEPTH} levels")]
    TooDeep { line: usize, column: usize },
    #[error("{}", format_serde_error(.0))]
    Parse(#[from] serde_yaml::Error),
}

fn format_serde_error(e: &serde_yaml::Error) -> String {
    match e.location() {
        Some(loc) => format!(
            "{}:{}: {}",
            loc.line(),
            loc.column(),
            strip_position(&e.to_string())
        ),
        None => e.to_string(),
    }
}

/// serde_yaml appends " at line L column C" to messages; errata puts the position first.
fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(pos) => msg[..pos].to_string(),
        None => msg.to_string(),
    }
}

/// Parses `text` after checking the guards.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    check(text)?;
    Ok(serde_yaml::from_str(text)?)
}

/// Checks the size, alias and depth guards without parsing (one linear pass).
pub fn check(text: &str) -> Result<(), YamlError> {
    if text.len() > MAX_YAML_BYTES {
        return Err(YamlError::TooLarge { size: text.len() });
    }
    let mut count = 0;
    // Flow collections open across lines; brackets inside a plain scalar
    // (`Нажмите [OK]`) close again.
    let mut depth = 0usize;
    for (line_no, line) in text.lines().enumerate() {
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        for (col, c) in line.char_indices() {
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == '#' && (prev == ' ' || col == 0) => break,
                None if (c == '"' || c == '\'') && matches!(prev, ' ' | '[' | '{' | ',' | ':') => {
                    quote = Some(c)
                }
                None if (c == '[' || c == '{')
                    && (col == 0 || matches!(prev, ' ' | '\t' | '[' | '{' | ',' | ':' | '-')) =>
                {
                    depth += 1;
                    if depth > MAX_YAML_DEPTH {
                        return Err(YamlError::TooDeep {
                            line: line_no + 1,
                            column: col + 1,
                        });
                    }
                }
                None if c == ']' || c == '}' => depth = depth.saturating_sub(1),
                None if (c == '&' || c == '*')
                    && matches!(prev, ' ' | '[' | '{' | ',' | '-' | ':')
                    && line[col + 1..].starts_with(|n: char| n.is_alphanumeric() || n == '_') =>
                {
                    count += 1;
                    if count > MAX_YAML_ALIASES {
                        return Err(YamlError::TooManyAliases {
                            line: line_no + 1,
                            column: col + 1,
                        });
                    }
                }
                None => {}
            }
            prev = c;
        }
    }
    Ok(())
}

/// libyaml's 1-based `line` of `text` as errata numbers lines (by `\n`):
/// libyaml also ends a line at a lone `\r`, NEL, LS and PS.
pub fn newline_count_line(text: &str, line: u64) -> u64 {
    let mut libyaml_line = 1;
    let mut newlines = 0;
    let mut chars = text.chars().peekable();
    while libyaml_line < line {
        let Some(c) = chars.next() else { break };
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                newlines += 1;
                libyaml_line += 1;
            }
            '\r' | '\u{85}' | '\u{2028}' | '\u{2029}' => libyaml_line += 1,
            _ => {}
        }
    }
    newlines + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alias_bomb_is_refused_with_position() {
        let mut doc = String::from("a: &a [x, x]\n");
        for i in 1..300 {
            doc.push_str(&format!("b{i}: &b{i} [*a, *a]\n"));
        }
        match check(&doc) {
            Err(YamlError::TooManyAliases { line, .. }) => {
                assert!((80..100).contains(&line), "{line}")
            }
            other => panic!("expected alias refusal, got {other:?}"),
        }
    }

    #[test]
    fn ordinary_documents_pass_including_stars_in_text() {
        let doc = "text: 'Press * to repeat & more'\nlist: [a, b]\nx: &base {k: 1}\ny: *base\n";
        check(doc).unwrap();
        let v: serde_yaml::Value = from_str(doc).unwrap();
        assert_eq!(v["y"]["k"], serde_yaml::Value::from(1));
    }

    /// Issue #14: 100,000 nested `[` (0.3 MB) spent a minute in libyaml before
    /// serde_yaml's recursion limit refused them. The pre-scan refuses them at
    /// once, with the position, and lets real nesting through.
    #[test]
    fn deep_flow_nesting_is_refused_before_parsing() {
        let doc = format!("a: ok\nb: {}\n", "[".repeat(100_000));
        match check(&doc) {
            Err(
                e @ YamlError::TooDeep {
                    line: 2,
                    column: 132,
                },
            ) => assert_eq!(
                e.to_string(),
                "2:132: flow collections nested deeper than 128 levels"
            ),
            other => panic!("expected a depth refusal, got {other:?}"),
        }
        let braces = format!("x:\n{}", "- {a: ".repeat(200));
        assert!(matches!(check(&braces), Err(YamlError::TooDeep { .. })));
        // Deep but within serde_yaml's limit, and brackets in text and quotes.
        let fine = format!(
            "deep: {}x{}\ntext: Нажмите [OK] [[ и ]] ]]\nq: '[[[[['\nc: a # [[[[[\n",
            "[".repeat(100),
            "]".repeat(100)
        );
        let many = "t: [a] [b] [c]\n".repeat(500);
        check(&fine).unwrap();
        check(&many).unwrap();
        let _: serde_yaml::Value = from_str(&fine).unwrap();
    }

    #[test]
    fn oversized_documents_are_refused() {
        let doc = "x".repeat(MAX_YAML_BYTES + 1);
        assert!(matches!(check(&doc), Err(YamlError::TooLarge { .. })));
    }
}
