//! Russian bank account numbers (20 digits).
//!
//! Twenty digits alone are not an account: a timestamp with microseconds or an
//! order id can be twenty digits too. The number is written bare or in its
//! structural groups (`40817 810 0 9999 1234567`, or groups of four) and
//! validated by what the chart of accounts fixes:
//!
//! - digits 1–3 are a first-order balance account in a section that holds
//!   client and interbank accounts (202–204, 301–329, 401–478, 501–526, 601–620);
//! - digits 6–8 are a currency code (`810` for roubles, or an ISO 4217 code);
//!
//! or, when a BIK (nine digits starting `04`) appears in the same text, the
//! control key (digit 9) checks against it, as banks check it (weights 7-1-3 over
//! the BIK's last three digits and the account, sum divisible by 10).

use super::candidate::Candidate;

/// Whether the candidate reads as a Russian account number.
pub(super) fn is_account(c: &Candidate<'_>) -> bool {
    c.digits.len() == 20
        && c.is_plain()
        && c.uniform_separator(&[" ", "-", "\u{a0}"])
        && matches!(c.lens, [20] | [5, 3, 1, 4, 7] | [4, 4, 4, 4, 4])
        && (plausible_structure(c.digits) || key_matches_a_bik(c))
}

/// Balance-account section and currency code in their places.
fn plausible_structure(digits: &[u8]) -> bool {
    let first_order = number(&digits[..3]);
    let currency = number(&digits[5..8]);
    matches!(first_order, 202..=204 | 301..=329 | 401..=478 | 501..=526 | 601..=620)
        && CURRENCIES.contains(&currency)
}

/// `810` (the pre-1998 rouble code banks still use in account numbers) and the
/// ISO 4217 codes of currencies Russian banks hold accounts in.
const CURRENCIES: &[u32] = &[
    810, 643, 840, 978, 156, 826, 756, 392, 398, 933, 980, 51, 944, 860, 417, 972, 498, 203, 985,
    348, 949, 784, 356, 410, 764, 344, 124, 36, 752, 578, 208, 702, 554, 959, 961, 962, 976,
];

fn number(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
}

/// Whether some BIK in the text validates the account's control key, for a
/// client account (BIK digits 7–9) or a correspondent account (`0` + digits 5–6).
fn key_matches_a_bik(c: &Candidate<'_>) -> bool {
    let account = c.digits;
    let biks = c.biks.get_or_init(|| biks(c.text).collect());
    biks.iter().any(|bik| {
        let bik = &c.text.as_bytes()[bik.clone()];
        let client = [bik[6], bik[7], bik[8]];
        let correspondent = [b'0', bik[4], bik[5]];
        key_valid(&client, account) || key_valid(&correspondent, account)
    })
}

fn key_valid(prefix: &[u8; 3], account: &[u8]) -> bool {
    const WEIGHTS: [u32; 3] = [7, 1, 3];
    let sum: u32 = prefix
        .iter()
        .chain(account)
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * WEIGHTS[i % 3])
        .sum();
    sum.is_multiple_of(10)
}

/// Where nine-digit numbers starting `04` (Russian BIKs) stand alone.
fn biks(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                i += 1;
                continue;
            }
            let run = &bytes[start..i];
            if run.len() == 9 && run.starts_with(b"04") {
                return Some(start..i);
            }
        }
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::PiiKind;
    use crate::mask::testing::mask;

    /// Sets the control key (digit 9) of a 20-digit account for a BIK.
    fn with_key(account: &str, bik: &str) -> String {
        let bik = bik.as_bytes();
        (0..10)
            .map(|k| format!("{}{k}{}", &account[..8], &account[9..]))
            .find(|a| key_valid(&[bik[6], bik[7], bik[8]], a.as_bytes()))
            .expect("one key fits")
    }

    #[test]
    fn known_account_passes_the_key_check() {
        // Sberbank's BIK and a client account keyed for it.
        let account = with_key("40817810000000000001", "044525225");
        assert!(key_valid(b"225", account.as_bytes()));
        // Sberbank's own correspondent account.
        assert!(key_valid(b"025", b"30101810400000000225"));
    }

    #[test]
    fn structured_accounts_are_masked() {
        for text in [
            "40817810099910004312",
            "40817 810 0 9991 0004312",
            "4081 7810 0999 1000 4312",
            "42301978500000012345",
            "30101810400000000225",
        ] {
            let masked = mask(&format!("Счёт {text} не найден"));
            assert_eq!(masked.text, "Счёт <ACCOUNT> не найден", "{text}");
            assert_eq!(masked.count(PiiKind::Account), 1);
        }
    }

    #[test]
    fn an_unusual_prefix_needs_a_bik_nearby() {
        let account = with_key("70601810000000000017", "044525225");
        let alone = mask(&format!("Счёт {account}"));
        assert_eq!(alone.text, "Счёт <NUM>");
        let with_bik = mask(&format!("Счёт {account}, БИК 044525225"));
        assert_eq!(with_bik.text, "Счёт <ACCOUNT>, БИК <NUM>");
        assert_eq!(with_bik.count(PiiKind::Account), 1);
    }

    #[test]
    fn look_alikes_stay_numbers() {
        for text in [
            // yyyyMMddHHmmss + microseconds.
            "20240625143000123456",
            // Client section but no currency code in digits 6–8.
            "40817123099910004312",
            // Wrong grouping.
            "408178 10099910004312",
        ] {
            let masked = mask(&format!("Заявка {text}"));
            assert_eq!(masked.count(PiiKind::Account), 0, "{text}");
            assert!(!masked.text.contains("4312") && !masked.text.contains("3456"));
        }
    }
}
