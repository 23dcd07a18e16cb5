//! Near-duplicate definitions: texts that differ only slightly (a typo,
//! punctuation, a wording variant), found with blocking, never over all pairs.

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

/// Pairs of inputs of one group whose normalised texts are near-duplicates.
/// Candidates are blocked by group and first word, so comparisons stay
/// proportional to block sizes, not to the square of the catalog.
pub fn near_duplicates(inputs: &[NearDupInput<'_>]) -> Vec<NearDuplicate> {
    let mut blocks: std::collections::BTreeMap<(&str, String), Vec<usize>> = Default::default();
    for (i, input) in inputs.iter().enumerate() {
        let first = input
            .text
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_lowercase();
        blocks.entry((input.group, first)).or_default().push(i);
    }
    let mut out = Vec::new();
    for members in blocks.values() {
        for (x, &a) in members.iter().enumerate() {
            for &b in &members[x + 1..] {
                let (ta, tb) = (inputs[a].text, inputs[b].text);
                if ta == tb {
                    continue;
                }
                let similarity =
                    strsim::normalized_levenshtein(&ta.to_lowercase(), &tb.to_lowercase());
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
}
