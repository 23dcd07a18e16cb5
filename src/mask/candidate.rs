//! A stretch of digit groups offered to the validators of personal numbers
//! (cards, accounts, phones, tax ids): what `runs` finds and each validator judges.

use std::cell::OnceCell;
use std::ops::Range;

/// A stretch of groups offered to the validators.
pub(super) struct Candidate<'a> {
    /// The digits of all groups, ASCII.
    pub digits: &'a [u8],
    /// Digits per group.
    pub lens: &'a [usize],
    /// The separators between groups (one fewer than groups).
    pub seps: &'a [&'a str],
    /// Which groups are in parentheses.
    pub parens: &'a [bool],
    /// Whether a `+` precedes the first group.
    pub plus: bool,
    /// The whole text and the byte offset of the candidate, for labels and BIKs nearby.
    pub text: &'a str,
    pub start: usize,
    /// The text's BIKs, found once per text when an account needs them
    /// (searching the text per candidate made long runs quadratic).
    pub biks: &'a OnceCell<Vec<Range<usize>>>,
}

impl Candidate<'_> {
    /// No `+` and no parentheses: how cards, accounts and tax ids are written.
    pub fn is_plain(&self) -> bool {
        !self.plus && !self.parens.contains(&true)
    }

    /// All separators the same, and one of `allowed`.
    pub fn uniform_separator(&self, allowed: &[&str]) -> bool {
        self.seps
            .first()
            .is_none_or(|first| allowed.contains(first) && self.seps.iter().all(|s| s == first))
    }
}
