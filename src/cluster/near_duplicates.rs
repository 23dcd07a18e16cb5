//! Near-duplicate definitions: texts that differ only slightly (a typo,
//! punctuation, a wording variant, word order), found with blocking, never over
//! all pairs. Texts one meaning-reversing word apart (`minimum`/`maximum`,
//! `enabled`/`disabled`, `can`/`cannot`, `минимальная`/`максимальная`) are
//! never near-duplicates, however similar: they are two messages, and
//! "merge them" would be wrong advice.

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
/// word, their last word, their alphabetically first word, or their first and
/// last three characters — so a typo anywhere still leaves at least one key
/// intact, a wording variant shares its first or last word and a word-order
/// variant its words. Similarity is normalised Levenshtein over the normalised
/// texts, or over their words sorted if higher; a pair that
/// [reverses the meaning](reverses_meaning) is left out.
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
            // Word-order variants share their alphabetically first word.
            (3, words.iter().min().copied().unwrap_or("").to_string()),
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
                let similarity = strsim::normalized_levenshtein(&normalised[a], &normalised[b])
                    .max(strsim::normalized_levenshtein(
                        &sorted_words(&normalised[a]),
                        &sorted_words(&normalised[b]),
                    ));
                if similarity >= NEAR_DUPLICATE_THRESHOLD
                    && !reverses_meaning(&normalised[a], &normalised[b])
                {
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

/// Words that negate: one text having one the other lacks says the opposite
/// (`allowed`/`not allowed`; `can't` normalises to `can t`).
const NEGATIONS: &[&str] = &[
    "not",
    "no",
    "never",
    "cannot",
    "t",
    "не",
    "нет",
    "ни",
    "нельзя",
    "невозможно",
];

/// Stems of words of opposite meaning: a word one text has that starts with one
/// stem, against a word the other has that starts with its partner.
const OPPOSITES: &[(&str, &str)] = &[
    ("min", "max"),
    ("lower", "upper"),
    ("enable", "disable"),
    ("success", "fail"),
    ("valid", "invalid"),
    ("allow", "deny"),
    ("allow", "disallow"),
    ("allow", "forbid"),
    ("accept", "reject"),
    ("lock", "unlock"),
    ("more", "less"),
    ("above", "below"),
    ("before", "after"),
    ("increase", "decrease"),
    ("миним", "максим"),
    ("нижн", "верхн"),
    ("включ", "выключ"),
    ("включ", "отключ"),
    ("разреш", "запрещ"),
    ("успеш", "неуспеш"),
    ("успеш", "ошиб"),
    ("больш", "меньш"),
    ("можн", "нельз"),
    ("увелич", "уменьш"),
    ("блокир", "разблокир"),
    ("принят", "отклон"),
];

/// Whether two normalised texts differ by a word that reverses the meaning: a
/// negation only one has, or a pair of [`OPPOSITES`] between their own words.
fn reverses_meaning(a: &str, b: &str) -> bool {
    let words_a: HashSet<&str> = a.split(' ').collect();
    let words_b: HashSet<&str> = b.split(' ').collect();
    let only_a: Vec<&str> = words_a.difference(&words_b).copied().collect();
    let only_b: Vec<&str> = words_b.difference(&words_a).copied().collect();
    if only_a.iter().chain(&only_b).any(|w| NEGATIONS.contains(w)) {
        return true;
    }
    only_a.iter().any(|x| {
        only_b.iter().any(|y| {
            OPPOSITES.iter().any(|(p, q)| {
                (x.starts_with(p) && y.starts_with(q)) || (x.starts_with(q) && y.starts_with(p))
            })
        })
    })
}

/// The words of a normalised text in alphabetical order (word-order variants compare equal).
fn sorted_words(text: &str) -> String {
    let mut words: Vec<&str> = text.split(' ').collect();
    words.sort_unstable();
    words.join(" ")
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

    /// Regression (#11): Keycloak's `minimum length`/`maximum length` and
    /// `lower case`/`upper case` messages were flagged as one text written twice.
    #[test]
    fn meaning_reversing_words_are_no_near_duplicates() {
        let texts = [
            "Invalid password: minimum length {0}.",
            "Invalid password: maximum length {0}.",
            "Invalid password: must contain at least {0} lower case characters.",
            "Invalid password: must contain at least {0} upper case characters.",
            "Events are enabled.",
            "Events are disabled.",
            "You can change your password here",
            "You cannot change your password here",
            "Access to this resource is allowed",
            "Access to this resource is not allowed",
            "Password update was a success",
            "Password update was a failure",
            "Некорректный пароль: минимальная длина {0}.",
            "Некорректный пароль: максимальная длина {0}.",
            "Операция выполнена успешно",
            "Операция выполнена неуспешно",
            // Still near-duplicates: case, punctuation, whitespace, typo, word order.
            "Invalid username or password.",
            "invalid  username or password",
            "Cookie not found. Please make sure cookies are enabled in your browser.",
            "Cookie not found. Please make sure cookies are enabeld in your browser.",
            "Your password has been updated successfully",
            "Your password has successfully been updated",
        ];
        let inputs: Vec<NearDupInput<'_>> = texts
            .iter()
            .map(|text| NearDupInput { group: "en", text })
            .collect();
        let pairs: Vec<(usize, usize)> = near_duplicates(&inputs)
            .iter()
            .map(|p| (p.a, p.b))
            .collect();
        assert_eq!(pairs, vec![(16, 17), (18, 19), (20, 21)]);
    }
}
