//! Digit runs: numbers written in groups (`4111 1111 1111 1111`,
//! `+7 (912) 345-67-89`, `123-456-789 01`, `1 500 000`), read as personal data
//! where a validator accepts them and as numbers otherwise.
//!
//! The combined pattern matches a run of digit groups joined by single spaces,
//! dashes or parentheses. Which groups form what is decided here, left to right:
//! at each group the longest stretch of groups (at most 20 digits) that a
//! validator accepts becomes its placeholder; a group no validator accepts
//! becomes `<NUM>` (thousands groups `1 500 000` merge into one). Separators and
//! the text around stay as they were.

use std::cell::OnceCell;
use std::ops::Range;

use super::candidate::Candidate;
use super::contact::{Phone, phone};
use super::{Pass, PiiKind, account, card, tax_ids};

/// The longest personal number (an account) in digits.
const MAX_DIGITS: usize = 20;

/// How far before a run's end a group may start something that runs past the
/// end (a date, an amount with its currency, an e-mail): far beyond any such
/// token that begins with digits. Looking at every group instead made a long
/// run of groups quadratic (13,000 groups took 45 s), as each look matches to
/// the run's end.
const YIELD_WINDOW: usize = 64;

/// One group of a run, as byte offsets into the text.
#[derive(Debug, Clone, Copy)]
struct Group {
    /// The group with its parentheses, if any.
    start: usize,
    end: usize,
    /// The digits alone.
    digits_start: usize,
    digits_end: usize,
    paren: bool,
}

impl Group {
    fn len(&self) -> usize {
        self.digits_end - self.digits_start
    }
}

/// What a stretch of groups is.
fn classify(c: &Candidate<'_>) -> Option<(PiiKind, bool)> {
    if card::is_card(c) {
        return Some((PiiKind::Card, true));
    }
    if account::is_account(c) {
        return Some((PiiKind::Account, true));
    }
    if let Some(kind) = phone(c) {
        return Some((PiiKind::Phone, kind == Phone::Personal));
    }
    if tax_ids::is_snils(c) {
        return Some((PiiKind::Snils, true));
    }
    if tax_ids::is_inn(c) {
        return Some((PiiKind::Inn, true));
    }
    None
}

/// Masks the run matched at `start..end`; returns where scanning resumes.
///
/// A later group that starts something longer than the run (the `25` of
/// `2024 25.06.2024`, the `5f3a` of `1 5f3a…`, the `500` of `… 500 руб.`) is
/// left out of the run, and scanning resumes there.
pub(super) fn mask_run(pass: &mut Pass<'_>, start: usize, end: usize) -> usize {
    let text = pass.text;
    let plus = text.as_bytes()[start] == b'+';
    let mut groups = parse_groups(text, start, end);
    let mut resume = end;
    let near_end = groups.partition_point(|g| g.start + YIELD_WINDOW < end);
    if let Some(k) = (near_end.max(1)..groups.len()).find(|&k| {
        super::PATTERNS
            .at(text, groups[k].start)
            .is_some_and(|(token, to)| token != super::Token::Run && to > end)
    }) {
        resume = groups[k].start;
        groups.truncate(k);
    }

    let mut i = 0;
    while i < groups.len() {
        match longest_pii(text, start, plus && i == 0, &groups[i..], &pass.biks) {
            Some((taken, kind, personal)) => {
                let from = if plus && i == 0 {
                    start
                } else {
                    groups[i].start
                };
                pass.replace(from, groups[i + taken - 1].end, kind.placeholder());
                if personal {
                    pass.count(kind);
                }
                i += taken;
            }
            None => {
                let mut j = i;
                if (1..=3).contains(&groups[i].len()) && !groups[i].paren {
                    while j + 1 < groups.len()
                        && groups[j + 1].len() == 3
                        && !groups[j + 1].paren
                        && matches!(
                            &text[groups[j].end..groups[j + 1].start],
                            " " | "\u{a0}" | "\u{202f}"
                        )
                    {
                        j += 1;
                    }
                }
                pass.replace(groups[i].digits_start, groups[j].digits_end, "<NUM>");
                i = j + 1;
            }
        }
    }
    resume
}

/// The longest stretch of groups from the first that a validator accepts:
/// (groups taken, kind, whether it counts as personal data).
fn longest_pii(
    text: &str,
    run_start: usize,
    plus: bool,
    groups: &[Group],
    biks: &OnceCell<Vec<Range<usize>>>,
) -> Option<(usize, PiiKind, bool)> {
    let mut digits = [0u8; MAX_DIGITS];
    // Every group has a digit: no more than MAX_DIGITS groups are ever taken.
    let most = groups.len().min(MAX_DIGITS);
    let mut lens = Vec::with_capacity(most);
    let mut seps = Vec::with_capacity(most);
    let mut parens = Vec::with_capacity(most);
    let mut n = 0;
    let mut stretches = Vec::new();
    for (k, g) in groups.iter().enumerate() {
        if n + g.len() > MAX_DIGITS {
            break;
        }
        digits[n..n + g.len()].copy_from_slice(&text.as_bytes()[g.digits_start..g.digits_end]);
        n += g.len();
        lens.push(g.len());
        parens.push(g.paren);
        if k > 0 {
            seps.push(&text[groups[k - 1].end..g.start]);
        }
        stretches.push(n);
    }
    let start = if plus { run_start } else { groups[0].start };
    (1..=stretches.len()).rev().find_map(|taken| {
        let candidate = Candidate {
            digits: &digits[..stretches[taken - 1]],
            lens: &lens[..taken],
            seps: &seps[..taken - 1],
            parens: &parens[..taken],
            plus,
            text,
            start,
            biks,
        };
        classify(&candidate).map(|(kind, personal)| (taken, kind, personal))
    })
}

/// The digit groups of a run, with their parentheses.
fn parse_groups(text: &str, start: usize, end: usize) -> Vec<Group> {
    let bytes = text.as_bytes();
    let mut groups = Vec::new();
    let mut i = start;
    while i < end {
        let paren = bytes[i] == b'(';
        let digits_start = if paren { i + 1 } else { i };
        if !bytes.get(digits_start).is_some_and(u8::is_ascii_digit) {
            i += 1;
            continue;
        }
        let mut digits_end = digits_start;
        while digits_end < end && bytes[digits_end].is_ascii_digit() {
            digits_end += 1;
        }
        let group_end = if paren { digits_end + 1 } else { digits_end };
        groups.push(Group {
            start: i,
            end: group_end,
            digits_start,
            digits_end,
            paren,
        });
        i = group_end;
    }
    groups
}

#[cfg(test)]
mod tests {
    use crate::mask::PiiKind;
    use crate::mask::card::tests::with_luhn;
    use crate::mask::testing::mask;

    #[test]
    fn several_numbers_in_one_run_are_read_apart() {
        let masked = mask("Телефон 89123456789 4111 1111 1111 1111 и 2");
        assert_eq!(masked.text, "Телефон <PHONE> <CARD> и <NUM>");
        assert_eq!(masked.count(PiiKind::Phone), 1);
        assert_eq!(masked.count(PiiKind::Card), 1);
    }

    #[test]
    fn thousands_merge_other_groups_do_not() {
        assert_eq!(mask("Лимит 1 500 000").text, "Лимит <NUM>");
        assert_eq!(mask("Лимит 1\u{202f}500\u{202f}000").text, "Лимит <NUM>");
        assert_eq!(mask("Коды 12 34").text, "Коды <NUM> <NUM>");
        assert_eq!(mask("Код (2024)").text, "Код (<NUM>)");
    }

    #[test]
    fn a_run_yields_to_what_follows_it() {
        let card = with_luhn("220000000000000");
        assert_eq!(
            mask(&format!("Карта {card} 1 500 руб.")).text,
            "Карта <CARD> <AMOUNT>"
        );
        assert_eq!(mask("Заказ 2024 25.06.2024").text, "Заказ <NUM> <DATE>");
        assert_eq!(mask("Код 1234 12:30").text, "Код <NUM> <TIME>");
        assert_eq!(mask("Ид 1 5f3a9c2e8b7d").text, "Ид <NUM> <HEX>");
        let long = format!("Счёт {}2024 25.06.2024", "1234 ".repeat(20));
        assert_eq!(
            mask(&long).text,
            format!("Счёт {}<NUM> <DATE>", "<NUM> ".repeat(20))
        );
    }

    /// Found by the `mask` fuzz target's long-run seed: each group of a run
    /// was matched to the run's end, so 13,000 groups took 45 s. The work per
    /// group is now bounded; this shape, 40,000 groups, stays fast, and its
    /// every group is still masked.
    #[test]
    fn fuzz_a_long_run_of_groups_is_masked_in_linear_time() {
        let masked = mask(&format!("Счёт {}", "1234 ".repeat(40_000)));
        assert_eq!(masked.text, format!("Счёт {}", "<NUM> ".repeat(40_000)));
    }
}
