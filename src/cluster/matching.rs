//! Matching observed templates to the definitions of their system.
//!
//! A definition's template has wildcards where the catalog has placeholders; an
//! observation matches when its captured key equals the definition's key, or
//! else when its template fits the definition's template *and* the fit rests on
//! evidence: the definition's literal text is a real share of the observed text
//! ([`MIN_LITERAL_SHARE`]). A wildcard fits anything, so without that share a
//! definition such as `Ошибка: {0}` would claim every text starting `Ошибка:`,
//! and one made only of placeholders (`{0}`, `{0} {1}`, `%s`) every text of
//! its system: such a *catch-all* matches by key only.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::tokenize::WILDCARD;
pub use crate::model::MatchKind;

#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub definition: usize,
    pub kind: MatchKind,
    /// The share of the observed text's characters that are the definition's
    /// literal text (see [`literal_share`]); `None` for a match by key.
    pub share: Option<f64>,
}

/// Why a definition that fits a template's shape was not taken (`errata explain`).
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The definition is only placeholders: it matches by key alone.
    CatchAll { definition: usize },
    /// The definition's literal text is too small a share of the observed text.
    LowShare { definition: usize, share: f64 },
}

/// Smallest share of an observed text's characters that must be the literal
/// text of the definition it matches by shape. A wildcard takes any text, so a
/// fit proves little when the definition's own words are a small part of what
/// the client saw: `Ошибка: <*>` fits `Ошибка: connection refused by upstream
/// host`, though the words shown are another message's. At 40% a one-argument
/// message whose argument is a name, amount or id (typically 10–30% of the
/// text) still matches, while a short prefix followed by a long foreign text
/// does not. Measured on the masked template without whitespace, each
/// placeholder (`<*>`, `<AMOUNT>`) counting as one character.
pub const MIN_LITERAL_SHARE: f64 = 0.4;

/// Mask placeholders (`<*>`, `<AMOUNT>`): variable text, never literal evidence.
static PLACEHOLDER: LazyLock<regex::Regex> =
    LazyLock::new(|| regex::Regex::new(r"<(?:\*|[A-Z][A-Z_]*)>").expect("valid"));

/// Characters of `text` that are neither whitespace nor inside a placeholder.
fn literal_chars(text: &str) -> usize {
    PLACEHOLDER
        .split(text)
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace())
        .count()
}

/// Whether a definition's template holds no letter or digit outside its
/// placeholders (`<*>`, `<*> <*>`, `<*>: <*>`): it fits any text.
fn is_catch_all(template: &str) -> bool {
    !PLACEHOLDER
        .split(template)
        .flat_map(str::chars)
        .any(char::is_alphanumeric)
}

/// The share of `observed`'s characters (no whitespace; a placeholder counts as
/// one) that are literal characters of `definition`.
fn literal_share(definition: &str, observed: &str) -> f64 {
    let placeholders = PLACEHOLDER.find_iter(observed).count();
    let total = literal_chars(observed) + placeholders;
    if total == 0 {
        return 0.0;
    }
    (literal_chars(definition) as f64 / total as f64).min(1.0)
}

/// A definition as the index needs it.
pub struct IndexedDefinition<'a> {
    pub system: &'a str,
    pub key: &'a str,
    pub template: &'a str,
}

/// Shortest observed template (in chars) that may match as a truncated prefix.
pub const MIN_TRUNCATED_CHARS: usize = 16;

/// Longest literal (in bytes) an automaton holds of a definition: its first
/// bytes find the candidates, which are then verified whole. Building the
/// automaton's DFA follows failure links, quadratic in a pattern's length for
/// a run of one character (a 64K-char run of `a` took minutes, paid again on
/// every rescan); a bounded prefix keeps the build linear in the catalog.
pub const MAX_AUTOMATON_LITERAL: usize = 128;

/// The first at most [`MAX_AUTOMATON_LITERAL`] bytes of `literal`, cut at a
/// char boundary.
fn automaton_literal(literal: &str) -> &str {
    let mut end = literal.len().min(MAX_AUTOMATON_LITERAL);
    while !literal.is_char_boundary(end) {
        end -= 1;
    }
    &literal[..end]
}

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
    /// Definitions with wildcards (in automaton order).
    patterns: Vec<Pattern>,
    /// Automaton over the distinct anchors (each pattern's longest literal
    /// part): thousands of programs repeat one literal, and an automaton over
    /// every copy took most of a 10,000-program scan.
    anchors: Option<AhoCorasick>,
    /// For each distinct anchor, the positions in `patterns` it anchors.
    anchored_by: Vec<Vec<usize>>,
    /// Catch-all definitions (see [`is_catch_all`]) as `(system, definition)`:
    /// matched by key only, listed so that `errata explain` can say so.
    catch_alls: Vec<(usize, usize)>,
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
    /// The definition's template, for its literal share of a text.
    template: String,
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
            catch_alls: Vec::new(),
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
            if is_catch_all(d.template) {
                index.catch_alls.push((system, i));
                continue;
            }
            index
                .by_template
                .entry((d.system.to_string(), d.template.to_string()))
                .or_insert(i);
            let parts = literal_parts(d.template);
            let pattern = |parts| Pattern {
                system,
                parts,
                definition: i,
                template: d.template.to_string(),
            };
            if !parts[0].is_empty() {
                index
                    .by_head
                    .entry(parts[0].clone())
                    .or_default()
                    .push(index.parts.len());
                index.parts.push(pattern(parts.clone()));
            }
            if parts.len() > 1 {
                // Not a catch-all, so some part holds a letter or digit.
                let anchor = parts
                    .iter()
                    .max_by_key(|p| p.len())
                    .cloned()
                    .unwrap_or_default();
                anchors.push(automaton_literal(&anchor).to_string());
                index.patterns.push(pattern(parts));
            }
        }
        let (unique_anchors, anchored_by) = distinct(anchors.iter().map(String::as_str));
        index.anchors = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(&unique_anchors)
            .ok();
        index.anchored_by = anchored_by;
        let (unique_heads, headed_by) =
            distinct(index.parts.iter().map(|p| automaton_literal(&p.parts[0])));
        index.heads = AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::Standard)
            .build(&unique_heads)
            .ok();
        index.headed_by = headed_by;
        index
    }

    /// The definition (by its position in the input) an observed template matches.
    /// A key names a message in every locale: the template belongs to the
    /// translation its text is closest to.
    pub fn find(&self, system: &str, key: Option<&str>, template: &str) -> Option<Match> {
        self.lookup(system, key, template, None)
    }

    /// [`find`](Self::find), and, when none matches, the definitions that fit
    /// the template's shape but were refused for want of evidence (for `errata explain`).
    pub fn explain(
        &self,
        system: &str,
        key: Option<&str>,
        template: &str,
    ) -> (Option<Match>, Vec<Refusal>) {
        let mut refused = Vec::new();
        let found = self.lookup(system, key, template, Some(&mut refused));
        (found, refused)
    }

    fn lookup(
        &self,
        system: &str,
        key: Option<&str>,
        template: &str,
        refused: Option<&mut Vec<Refusal>>,
    ) -> Option<Match> {
        if let Some(key) = key
            && let Some(translations) = self.by_key.get(&(system.to_string(), key.to_string()))
        {
            let score = |t: &str| strsim::normalized_levenshtein(t, template);
            let closest = translations
                .iter()
                .max_by(|a, b| score(&a.1).total_cmp(&score(&b.1)))
                .expect("a key has at least one translation");
            return Some(Match {
                definition: closest.0,
                kind: MatchKind::Key,
                share: None,
            });
        }
        let system_id = self.systems.iter().position(|s| s == system)?;
        if let Some(&i) = self
            .by_template
            .get(&(system.to_string(), template.to_string()))
        {
            return Some(Match {
                definition: i,
                kind: MatchKind::Template,
                share: Some(literal_share(template, template)),
            });
        }
        let mut fits: Vec<(usize, f64)> = self
            .anchors
            .iter()
            .flat_map(|ac| ac.find_overlapping_iter(template))
            .flat_map(|m| &self.anchored_by[m.pattern().as_usize()])
            .map(|&p| &self.patterns[p])
            .filter(|p| p.system == system_id && glob_matches(&p.parts, template))
            .map(|p| (p.definition, literal_share(&p.template, template)))
            .collect();
        fits.sort_by_key(|f| f.0);
        fits.dedup_by_key(|f| f.0);
        if let Some(&(definition, share)) = fits.iter().find(|f| f.1 >= MIN_LITERAL_SHARE) {
            return Some(Match {
                definition,
                kind: MatchKind::Template,
                share: Some(share),
            });
        }
        let truncated = self
            .find_truncated(system_id, template)
            .map(|(definition, share)| Match {
                definition,
                kind: MatchKind::Truncated,
                share: Some(share),
            });
        if let Some(out) = refused
            && truncated.is_none()
        {
            out.extend(
                self.catch_alls
                    .iter()
                    .filter(|(s, _)| *s == system_id)
                    .map(|&(_, definition)| Refusal::CatchAll { definition }),
            );
            out.extend(
                fits.iter()
                    .map(|&(definition, share)| Refusal::LowShare { definition, share }),
            );
        }
        truncated
    }

    /// A definition of `system` of which `template` is a cut-off prefix: found
    /// among those whose leading literal starts the template, or is cut by it.
    fn find_truncated(&self, system_id: usize, template: &str) -> Option<(usize, f64)> {
        if template.chars().count() < MIN_TRUNCATED_CHARS {
            return None;
        }
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
            // The text is the definition's own, cut: its literals are all evidence.
            .map(|d| (d, literal_share(template, template)))
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
                kind: MatchKind::Key,
                share: None
            })
        );
        assert_eq!(
            idx.find("web", None, "Недостаточно средств"),
            Some(Match {
                definition: 0,
                kind: MatchKind::Template,
                share: Some(1.0)
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

    /// Regression (#11): `title={0}` matched every text of its system, so
    /// nothing there was ever undefined.
    #[test]
    fn catch_all_definitions_match_by_key_only() {
        let idx = DefinitionIndex::new([
            IndexedDefinition {
                system: "kc",
                key: "title",
                template: "<*>",
            },
            IndexedDefinition {
                system: "kc",
                key: "banner",
                template: "<*> <*>",
            },
            IndexedDefinition {
                system: "kc",
                key: "pair",
                template: "<*>: <*>",
            },
            IndexedDefinition {
                system: "kc",
                key: "invalidUser",
                template: "Invalid username or password.",
            },
        ]);
        assert!(is_catch_all("<*>: <*>") && !is_catch_all("<*> of <*>"));
        for text in ["Session expired", "<*>", "a b", "x: y"] {
            assert_eq!(idx.find("kc", None, text), None, "{text}");
        }
        assert_eq!(
            idx.find("kc", Some("title"), "Sign in to Keycloak")
                .map(|m| (m.definition, m.kind)),
            Some((0, MatchKind::Key))
        );
        let (found, refused) = idx.explain("kc", None, "Session expired");
        assert_eq!(found, None);
        assert_eq!(
            refused,
            vec![
                Refusal::CatchAll { definition: 0 },
                Refusal::CatchAll { definition: 1 },
                Refusal::CatchAll { definition: 2 },
            ]
        );
    }

    #[test]
    fn a_shape_fit_needs_a_literal_share_of_the_text() {
        let idx = DefinitionIndex::new([IndexedDefinition {
            system: "web",
            key: "err.generic",
            template: "Ошибка: <*>",
        }]);
        // "Ошибка:" is 7 of 8 characters (the placeholder counts one): 87.5%.
        let m = idx.find("web", None, "Ошибка: <NUM>").unwrap();
        assert_eq!((m.kind, m.share), (MatchKind::Template, Some(0.875)));
        // 7 literal characters of 7 + 31 = 38 (blanks not counted): 18%, refused.
        let long = "Ошибка: connection refused by upstream host";
        let (found, refused) = idx.explain("web", None, long);
        assert_eq!(found, None);
        assert_eq!(
            refused,
            vec![Refusal::LowShare {
                definition: 0,
                share: 7.0 / 38.0
            }]
        );
        assert_eq!(literal_share("Ошибка: <*>", "Ошибка: <*> a"), 7.0 / 9.0);
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
                kind: MatchKind::Truncated,
                share: Some(1.0)
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

    /// Literals longer than the automaton keeps still match whole, and only
    /// whole: the prefix finds candidates, verification decides.
    #[test]
    fn long_literals_match_by_their_whole_text() {
        let run = "я".repeat(MAX_AUTOMATON_LITERAL * 4);
        let long = format!("{run} <*> конец");
        let index = DefinitionIndex::new([IndexedDefinition {
            system: "web",
            key: "err.long",
            template: &long,
        }]);
        let found = |t: &str| index.find("web", None, t).map(|m| m.kind);
        assert_eq!(found(&format!("{run} 42 конец")), Some(MatchKind::Template));
        // Same first bytes, different end: no match.
        assert_eq!(found(&format!("{run}я 42 конeц")), None);
        // Cut inside the run: truncated.
        let cut: String = run.chars().take(MAX_AUTOMATON_LITERAL).collect();
        assert_eq!(found(&cut), Some(MatchKind::Truncated));
    }
}
