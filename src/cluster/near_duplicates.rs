//! Near-duplicate definitions: texts that differ only slightly (a typo,
//! punctuation, a wording variant), found with blocking, never over all pairs.

use std::collections::{HashMap, HashSet};

/// A definition text to compare, with the group it may be compared within
/// (same locale; callers decide whether systems mix).
pub struct NearDupInput<'a> {
    pub group: &'a str,
    pub text: &'a str,
}

/// A pair of inputs (by index, `a < b`) and their similarity in 0..=1.
#[derive(Debug, Clone, PartialEq)]
pub struct NearDuplicate {
    pub a: usize,
    pub b: usize,
    pub similarity: f64,
}

/// Similarity at or above which two different texts count as near-duplicates.
pub const NEAR_DUPLICATE_THRESHOLD: f64 = 0.9;

/// Blocks larger than this are not compared pairwise under that key (a word as
/// common as "error" says nothing); the pair's other keys still bring it together.
const MAX_BLOCK: usize = 256;

/// Pairs of inputs of one group whose normalised texts are near-duplicates.
///
/// Texts are normalised (lower case, punctuation dropped, spaces collapsed), so
/// punctuation variants compare equal. Candidates come from blocking, never all
/// pairs: two texts are compared only when they share a block key — their first
/// word, their last word, or their first and last three characters — so a typo
/// anywhere still leaves at least one key intact, and a wording variant shares its
/// first or last word. Similarity is normalised Levenshtein over the normalised texts.
pub fn near_duplicates(inputs: &[NearDupInput<'_>]) -> Vec<NearDuplicate> {
    let normalised: Vec<String> = inputs.iter().map(|i| normalise(i.text)).collect();
    let mut blocks: HashMap<(&str, u8, String), Vec<usize>> = HashMap::new();
    for (i, (input, text)) in inputs.iter().zip(&normalised).enumerate() {
        let words: Vec<&str> = text.split(' ').collect();
        let chars: Vec<char> = text.chars().collect();
        let edge = |from: usize, to: usize| {
            chars[from.min(chars.len())..to.min(chars.len())]
                .iter()
                .collect::<String>()
        };
        let keys = [
            (0, words.first().copied().unwrap_or("").to_string()),
            (1, words.last().copied().unwrap_or("").to_string()),
            (
                2,
                format!(
                    "{}|{}",
                    edge(0, 3),
                    edge(chars.len().saturating_sub(3), chars.len())
                ),
            ),
        ];
        for (kind, key) in keys {
            blocks.entry((input.group, kind, key)).or_default().push(i);
        }
    }
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut out = Vec::new();
    for members in blocks.values().filter(|m| m.len() <= MAX_BLOCK) {
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                if inputs[a].text == inputs[b].text || !seen.insert((a.min(b), a.max(b))) {
                    continue;
                }
                let similarity = strsim::normalized_levenshtein(&normalised[a], &normalised[b]);
                if similarity >= NEAR_DUPLICATE_THRESHOLD {
                    out.push(NearDuplicate {
                        a: a.min(b),
                        b: a.max(b),
                        similarity,
                    });
                }
            }
        }
    }
    out.sort_by_key(|p| (p.a, p.b));
    out
}

/// Lower case, punctuation dropped, whitespace collapsed.
fn normalise(text: &str) -> String {
    let lowered: String = text
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '<' || c == '>' || c == '*' {
                c
            } else {
                ' '
            }
        })
        .collect();
    lowered.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_pair_up_and_different_texts_do_not() {
        let inputs = [
            NearDupInput {
                group: "ru",
                text: "Недостаточно средств на счёте",
            },
            NearDupInput {
                group: "ru",
                text: "Недостаточно средств на счете",
            },
            NearDupInput {
                group: "ru",
                text: "Недостаточно прав",
            },
            NearDupInput {
                group: "en",
                text: "Недостаточно средств на счете.",
            },
        ];
        let pairs = near_duplicates(&inputs);
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].a, pairs[0].b), (0, 1));
    }

    #[test]
    fn punctuation_wording_and_late_typos_are_found() {
        let texts = [
            "Карта заблокирована, обратитесь в банк",
            "Карта заблокирована. Обратитесь в банк!",
            "Карта заблокирована, обратитесь в ваш банк",
            "Card is blocked, please contact the bank",
            "Kard is blocked, please contact the bank",
            "Операция выполнена успешно",
        ];
        let inputs: Vec<NearDupInput<'_>> = texts
            .iter()
            .map(|text| NearDupInput { group: "ru", text })
            .collect();
        let pairs: Vec<(usize, usize)> = near_duplicates(&inputs)
            .iter()
            .map(|p| (p.a, p.b))
            .collect();
        assert!(pairs.contains(&(0, 1)), "punctuation variant: {pairs:?}");
        assert!(pairs.contains(&(0, 2)), "wording variant: {pairs:?}");
        assert!(pairs.contains(&(3, 4)), "typo in the first word: {pairs:?}");
        assert!(!pairs.iter().any(|&(a, b)| a == 5 || b == 5));
    }
}
