//! Matching observed templates to the definitions of their system.
//!
//! A definition's template has wildcards where the catalog has placeholders; an
//! observation matches when its captured key equals the definition's key, or
//! else when its template fits the definition's template.

use std::collections::HashMap;

use regex::Regex;

use crate::mask::PLACEHOLDER_RE;

/// How an observation was tied to its definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// The extractor captured the definition's key or code.
    Key,
    /// The template fits the definition's template.
    Template,
}

impl MatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Key => "key",
            MatchKind::Template => "template",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub definition: usize,
    pub kind: MatchKind,
}

/// A definition as the index needs it.
pub struct IndexedDefinition<'a> {
    pub system: &'a str,
    pub key: &'a str,
    pub template: &'a str,
}

/// Definitions of all systems, indexed for matching.
pub struct DefinitionIndex {
    by_key: HashMap<(String, String), usize>,
    by_template: HashMap<(String, String), usize>,
    patterns: Vec<(String, Regex, usize)>,
}

impl DefinitionIndex {
    pub fn new<'a>(defs: impl IntoIterator<Item = IndexedDefinition<'a>>) -> DefinitionIndex {
        let mut index = DefinitionIndex {
            by_key: HashMap::new(),
            by_template: HashMap::new(),
            patterns: Vec::new(),
        };
        for (i, d) in defs.into_iter().enumerate() {
            index
                .by_key
                .entry((d.system.to_string(), d.key.to_string()))
                .or_insert(i);
            index
                .by_template
                .entry((d.system.to_string(), d.template.to_string()))
                .or_insert(i);
            if d.template.contains("<*>")
                && let Some(re) = wildcard_regex(d.template)
            {
                index.patterns.push((d.system.to_string(), re, i));
            }
        }
        index
    }

    /// The definition (by its position in the input) an observed template matches.
    pub fn find(&self, system: &str, key: Option<&str>, template: &str) -> Option<Match> {
        if let Some(key) = key
            && let Some(&i) = self.by_key.get(&(system.to_string(), key.to_string()))
        {
            return Some(Match {
                definition: i,
                kind: MatchKind::Key,
            });
        }
        if let Some(&i) = self
            .by_template
            .get(&(system.to_string(), template.to_string()))
        {
            return Some(Match {
                definition: i,
                kind: MatchKind::Template,
            });
        }
        self.patterns
            .iter()
            .find(|(s, re, _)| s == system && re.is_match(template))
            .map(|(_, _, i)| Match {
                definition: *i,
                kind: MatchKind::Template,
            })
    }
}

/// `Сумма <*> превышает лимит` → `^Сумма .+? превышает лимит$`. Placeholders of the
/// observation (`<AMOUNT>`) are plain text to this regex, so `<*>` matches them.
fn wildcard_regex(template: &str) -> Option<Regex> {
    let mut pattern = String::from("^");
    let mut last = 0;
    for m in PLACEHOLDER_RE.find_iter(template) {
        pattern.push_str(&regex::escape(&template[last..m.start()]));
        if m.as_str() == "<*>" {
            pattern.push_str(".+?");
        } else {
            pattern.push_str(&regex::escape(m.as_str()));
        }
        last = m.end();
    }
    pattern.push_str(&regex::escape(&template[last..]));
    pattern.push('$');
    Regex::new(&pattern).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> DefinitionIndex {
        DefinitionIndex::new([
            IndexedDefinition {
                system: "web",
                key: "err.funds",
                template: "Недостаточно средств",
            },
            IndexedDefinition {
                system: "web",
                key: "err.limit",
                template: "Сумма <*> превышает лимит <*>",
            },
        ])
    }

    #[test]
    fn key_first_then_exact_then_wildcards() {
        let idx = index();
        assert_eq!(
            idx.find("web", Some("err.limit"), "whatever"),
            Some(Match {
                definition: 1,
                kind: MatchKind::Key
            })
        );
        assert_eq!(
            idx.find("web", None, "Недостаточно средств"),
            Some(Match {
                definition: 0,
                kind: MatchKind::Template
            })
        );
        assert_eq!(
            idx.find("web", None, "Сумма <AMOUNT> превышает порог <AMOUNT>"),
            None,
            "literal parts must match too"
        );
        assert_eq!(
            idx.find("web", None, "Сумма <AMOUNT> превышает лимит <AMOUNT>")
                .map(|m| m.definition),
            Some(1)
        );
        assert_eq!(
            idx.find("mobile", None, "Недостаточно средств"),
            None,
            "systems do not mix"
        );
    }
}
