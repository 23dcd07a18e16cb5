//! Matching observed templates to the definitions of their system.
//!
//! A definition's template has wildcards where the catalog has placeholders; an
//! observation matches when its captured key equals the definition's key, or
//! else when its template fits the definition's template.

use std::collections::{BTreeMap, HashMap};

use aho_corasick::AhoCorasick;

use super::tokenize::WILDCARD;
pub use crate::model::MatchKind;

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

/// Shortest observed template (in chars) that may match as a truncated prefix.
pub const MIN_TRUNCATED_CHARS: usize = 16;

/// Definitions of all systems, indexed for matching.
///
/// Exact keys and templates are hash lookups. Definitions with wildcards are
/// found through their longest literal part: one Aho-Corasick automaton over
/// those parts yields the few candidates whose part occurs in a template, and
/// only these are verified. Truncated instances are found by the definition's
/// leading literal (a second automaton, and a sorted map for cuts inside it).
/// Nothing is O(templates × definitions).
pub struct DefinitionIndex {
    systems: Vec<String>,
    /// Each key's translations: positions and templates.
    by_key: HashMap<(String, String), Vec<(usize, String)>>,
    by_template: HashMap<(String, String), usize>,
    /// Definitions with wildcards, anchored ones first (in automaton order).
    patterns: Vec<Pattern>,
    /// Automaton over the distinct anchors (each pattern's longest literal
    /// part): thousands of patterns sharing one anchor would make building it
    /// quadratic (issue #10: 220,000 COBOL literals).
    anchors: Option<AhoCorasick>,
    /// For each distinct anchor, the positions in `patterns` it anchors.
    anchored_by: Vec<Vec<usize>>,
    /// Patterns with no literal at all, tried for every template.
    unanchored: Vec<usize>,
    /// Automaton over the distinct leading literals of definitions.
    heads: Option<AhoCorasick>,
    /// For each distinct leading literal, the positions in `parts` it leads.
    headed_by: Vec<Vec<usize>>,
    /// Leading literals, sorted, for templates cut inside one.
    by_head: BTreeMap<String, Vec<usize>>,
    /// Literal parts of every definition with a leading literal, for truncation checks.
    parts: Vec<Pattern>,
}

/// A definition's literal parts (split at `<*>`), its system (index into `systems`) and position.
struct Pattern {
    system: usize,
    parts: Vec<String>,
    definition: usize,
}

impl DefinitionIndex {
    pub fn new<'a>(defs: impl IntoIterator<Item = IndexedDefinition<'a>>) -> DefinitionIndex {
        let mut index = DefinitionIndex {
            systems: Vec::new(),
            by_key: HashMap::new(),
            by_template: HashMap::new(),
            patterns: Vec::new(),
            anchors: None,
            anchored_by: Vec::new(),
            unanchored: Vec::new(),
            heads: None,
            headed_by: Vec::new(),
            by_head: BTreeMap::new(),
            parts: Vec::new(),
        };
        let mut system_ids: HashMap<String, usize> = HashMap::new();
        let mut anchors: Vec<String> = Vec::new();
        for (i, d) in defs.into_iter().enumerate() {
            let system = *system_ids.entry(d.system.to_string()).or_insert_with(|| {
                index.systems.push(d.system.to_string());
                index.systems.len() - 1
            });
            index
                .by_key
                .entry((d.system.to_string(), d.key.to_string()))
                .or_default()
                .push((i, d.template.to_string()));
            index
                .by_template
                .entry((d.system.to_string(), d.template.to_string()))
                .or_insert(i);
            let parts = literal_parts(d.template);
            if !parts[0].is_empty() {
                index
                    .by_head
                    .entry(parts[0].clone())
                    .or_default()
                    .push(index.parts.len());
                index.parts.push(Pattern {
                    system,
                    parts: parts.clone(),
                    definition: i,
                });
            }
            if parts.len() > 1 {
                let anchor = parts
                    .iter()
                    .max_by_key(|p| p.len())
                    .cloned()
                    .unwrap_or_default();
                if anchor.is_empty() {
                    index.unanchored.push(index.patterns.len());
                } else {
                    anchors.push(anchor);
                }
                index.patterns.push(Pattern {
                    system,
                    parts,
                    definition: i,
                });
            }
        }
        // Pattern ids of the automaton are positions in `anchored`.
        let unanchored: std::collections::HashSet<usize> =
            index.unanchored.iter().copied().collect();
        let anchored: Vec<usize> = (0..index.patterns.len())
            .filter(|p| !unanchored.contains(p))
            .collect();
        // Anchored patterns come first after reordering, in `anchors` order.
        let (unique_anchors, anchored_by) = distinct(anchors.iter().map(String::as_str));
        index.anchored_by = anchored_by;
        index.anchors = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(&unique_anchors)
            .ok();
        let (unique_heads, headed_by) = distinct(index.parts.iter().map(|p| p.parts[0].as_str()));
        index.headed_by = headed_by;
        index.heads = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(&unique_heads)
            .ok();
        index.patterns = reorder(index.patterns, &anchored, &index.unanchored);
        let anchored_count = anchored.len();
        index.unanchored = (anchored_count..index.patterns.len()).collect();
        index
    }

    /// The definition (by its position in the input) an observed template matches.
    /// A key names a message in every locale: the template belongs to the
    /// translation its text is closest to.
    pub fn find(&self, system: &str, key: Option<&str>, template: &str) -> Option<Match> {
        let found = |definition, kind| Some(Match { definition, kind });
        if let Some(key) = key
            && let Some(translations) = self.by_key.get(&(system.to_string(), key.to_string()))
        {
            let score = |t: &str| strsim::normalized_levenshtein(t, template);
            let closest = translations
                .iter()
                .max_by(|a, b| score(&a.1).total_cmp(&score(&b.1)))
                .expect("a key has at least one translation");
            return found(closest.0, MatchKind::Key);
        }
        if let Some(&i) = self
            .by_template
            .get(&(system.to_string(), template.to_string()))
        {
            return found(i, MatchKind::Template);
        }
        let system_id = self.systems.iter().position(|s| s == system)?;
        let mut candidates: Vec<usize> = self.unanchored.clone();
        if let Some(ac) = &self.anchors {
            candidates.extend(
                ac.find_overlapping_iter(template)
                    .flat_map(|m| self.anchored_by[m.pattern().as_usize()].iter().copied()),
            );
        }
        let best = candidates
            .into_iter()
            .map(|p| &self.patterns[p])
            .filter(|p| p.system == system_id && glob_matches(&p.parts, template))
            .map(|p| p.definition)
            .min();
        if let Some(i) = best {
            return found(i, MatchKind::Template);
        }
        self.find_truncated(system, template)
            .and_then(|i| found(i, MatchKind::Truncated))
    }

    /// A definition of `system` of which `template` is a cut-off prefix: found
    /// among those whose leading literal starts the template, or is cut by it.
    fn find_truncated(&self, system: &str, template: &str) -> Option<usize> {
        if template.chars().count() < MIN_TRUNCATED_CHARS {
            return None;
        }
        let system_id = self.systems.iter().position(|s| s == system)?;
        let complete_heads = self.heads.iter().flat_map(|ac| {
            ac.find_overlapping_iter(template)
                .filter(|m| m.start() == 0)
                .flat_map(|m| self.headed_by[m.pattern().as_usize()].iter().copied())
        });
        let cut_heads = self
            .by_head
            .range(template.to_string()..)
            .take_while(|(head, _)| head.starts_with(template))
            .flat_map(|(_, defs)| defs.iter().copied());
        complete_heads
            .chain(cut_heads)
            .map(|c| &self.parts[c])
            .filter(|p| p.system == system_id && prefix_matches(&p.parts, template))
            .map(|p| p.definition)
            .min()
    }
}

/// The distinct strings of `all`, in first-seen order, and for each the
/// positions in `all` that hold it.
fn distinct<'s>(all: impl Iterator<Item = &'s str>) -> (Vec<&'s str>, Vec<Vec<usize>>) {
    let mut unique: Vec<&str> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, s) in all.enumerate() {
        let id = *seen.entry(s).or_insert_with(|| {
            unique.push(s);
            members.push(Vec::new());
            unique.len() - 1
        });
        members[id].push(i);
    }
    (unique, members)
}

/// Patterns ordered as the automaton numbers them: anchored first, then the rest.
fn reorder(patterns: Vec<Pattern>, anchored: &[usize], unanchored: &[usize]) -> Vec<Pattern> {
    let mut slots: Vec<Option<Pattern>> = patterns.into_iter().map(Some).collect();
    anchored
        .iter()
        .chain(unanchored)
        .filter_map(|&i| slots[i].take())
        .collect()
}

/// The literal text between a definition's wildcards (`<*>`); typed placeholders
/// of observations (`<AMOUNT>`) are literal text to it, so `<*>` matches them.
fn literal_parts(template: &str) -> Vec<String> {
    template.split(WILDCARD).map(str::to_string).collect()
}

/// Whether `text` fits `parts` joined by wildcards, each wildcard taking one char or more.
fn glob_matches(parts: &[String], text: &str) -> bool {
    let (first, rest) = parts.split_first().expect("split yields one part at least");
    let Some(mut pos) = text.strip_prefix(first.as_str()).map(|_| first.len()) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return pos == text.len();
    };
    for part in middle {
        let from = next_char(text, pos);
        let Some(found) = text.get(from..).and_then(|t| t.find(part.as_str())) else {
            return false;
        };
        pos = from + found + part.len();
    }
    let from = next_char(text, pos);
    text.len() >= from + last.len() && text.ends_with(last.as_str())
}

/// Whether `text` is a strict prefix of some text fitting `parts`: it ends
/// inside a literal part or a wildcard before the last part is complete.
fn prefix_matches(parts: &[String], text: &str) -> bool {
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        let from = if i == 0 { 0 } else { next_char(text, pos) };
        if from >= text.len() {
            return i > 0;
        }
        let rest = &text[from..];
        if i == 0 {
            if let Some(stripped) = rest.strip_prefix(part.as_str()) {
                pos = text.len() - stripped.len();
                continue;
            }
            return part.starts_with(rest);
        }
        match rest.find(part.as_str()) {
            Some(found) if i + 1 < parts.len() => pos = from + found + part.len(),
            _ => {
                // The cut fell inside this part (or the wildcard before it).
                return rest
                    .char_indices()
                    .any(|(k, _)| part.starts_with(&rest[k..]) && !rest[k..].is_empty());
            }
        }
    }
    false
}

/// The byte position one char after `pos` (a wildcard takes one char at least).
fn next_char(text: &str, pos: usize) -> usize {
    text[pos..]
        .chars()
        .next()
        .map_or(pos + 1, |c| pos + c.len_utf8())
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

    #[test]
    fn a_key_match_picks_the_translation_the_text_is_in() {
        let idx = DefinitionIndex::new([
            IndexedDefinition {
                system: "web",
                key: "err.funds",
                template: "Insufficient funds",
            },
            IndexedDefinition {
                system: "web",
                key: "err.funds",
                template: "Недостаточно средств на счёте",
            },
        ]);
        let found = |text| {
            idx.find("web", Some("err.funds"), text)
                .map(|m| m.definition)
        };
        assert_eq!(found("Недостаточно средств на счёте"), Some(1));
        assert_eq!(found("Insufficient funds"), Some(0));
    }

    #[test]
    fn truncated_instances_match_their_definition() {
        let idx = DefinitionIndex::new([
            IndexedDefinition {
                system: "abs",
                key: "E1",
                template: "Операция отклонена: недостаточно средств на счёте <*>",
            },
            IndexedDefinition {
                system: "abs",
                key: "E2",
                template: "Операция отклонена банком-эмитентом, обратитесь в банк",
            },
        ]);
        let cut = idx.find("abs", None, "Операция отклонена банком-эми");
        assert_eq!(
            cut,
            Some(Match {
                definition: 1,
                kind: MatchKind::Truncated
            })
        );
        assert_eq!(MatchKind::Truncated.as_str(), "truncated");
        assert_eq!(
            idx.find(
                "abs",
                None,
                "Операция отклонена: недостаточно средств на сч"
            )
            .map(|m| m.kind),
            Some(MatchKind::Truncated)
        );
        assert_eq!(
            idx.find(
                "abs",
                None,
                "Операция отклонена: недостаточно средств на счёте <ACCOUNT>"
            )
            .map(|m| m.kind),
            Some(MatchKind::Template)
        );
        assert_eq!(
            idx.find("abs", None, "Операция"),
            None,
            "too short to count"
        );
        assert_eq!(idx.find("abs", None, "Операция отклонена: нет связи"), None);
    }

    #[test]
    fn fifty_thousand_definitions_against_a_hundred_thousand_templates() {
        let defs: Vec<String> = (0..50_000)
            .map(|i| format!("Платёж {i} отклонён: код{i} лимит <*> превышен на <*>"))
            .collect();
        let idx = DefinitionIndex::new(defs.iter().map(|t| IndexedDefinition {
            system: "abs",
            key: "k",
            template: t,
        }));
        let mut matched = 0;
        for j in 0..100_000usize {
            let i = j % 50_000;
            let template = if j % 2 == 0 {
                format!("Платёж {i} отклонён: код{i} лимит <AMOUNT> превышен на <NUM>")
            } else {
                format!("Платёж {i} принят: код{i} лимит <AMOUNT>")
            };
            let found = idx.find("abs", None, &template);
            if j % 2 == 0 {
                assert_eq!(
                    found.map(|m| (m.definition, m.kind)),
                    Some((i, MatchKind::Template))
                );
                matched += 1;
            } else {
                assert_eq!(found, None, "{template}");
            }
        }
        assert_eq!(matched, 50_000);
    }

    /// A definition's template (catalog placeholders normalised, then masked)
    /// matches the masked instances of its message.
    #[test]
    fn definitions_match_their_masked_instances() {
        use crate::mask::normalise_placeholders;
        use crate::mask::testing::mask;
        let texts = [
            ("err.limit", "Сумма {0} руб. превышает лимит на {1, date}"),
            (
                "err.card",
                "Карта %s заблокирована, звоните 8 800 555-35-35",
            ),
            ("err.retry", "Повторите через {minutes} мин. (код E1001)"),
        ];
        let templates: Vec<String> = texts
            .iter()
            .map(|(_, t)| mask(&normalise_placeholders(t)).text)
            .collect();
        let index = DefinitionIndex::new(texts.iter().zip(&templates).map(|((key, _), t)| {
            IndexedDefinition {
                system: "web",
                key,
                template: t,
            }
        }));
        for (observed, key) in [
            (
                "Сумма 1 500,00 руб. превышает лимит на 25.06.2024",
                "err.limit",
            ),
            (
                "Карта 4111 1111 1111 1111 заблокирована, звоните 8 800 555-35-35",
                "err.card",
            ),
            ("Повторите через 5 мин. (код E1001)", "err.retry"),
        ] {
            let masked = mask(observed).text;
            let found = index
                .find("web", None, &masked)
                .map(|m| texts[m.definition].0);
            assert_eq!(found, Some(key), "{observed} → {masked}");
        }
    }
}
