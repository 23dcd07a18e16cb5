//! Payment card numbers (PAN): issuer range, length and the Luhn check.
//!
//! A 16-digit number is not a card by its length: order ids, timestamps and
//! Luhn-failing numbers stay `<NUM>`. A card is 13–19 digits, written bare or in
//! groups separated by one kind of separator (`4111 1111 1111 1111`,
//! `4111-1111-1111-1111`, Amex `3782 822463 10005`), starting with a known
//! issuer range, and passing Luhn.

use super::candidate::Candidate;

/// Whether the candidate reads as a payment card number.
pub(super) fn is_card(c: &Candidate<'_>) -> bool {
    (13..=19).contains(&c.digits.len())
        && c.is_plain()
        && c.uniform_separator(&[" ", "-", "\u{a0}"])
        && (c.lens.len() == 1
            || (c.lens[0] == 4 && c.lens[1..].iter().all(|n| (3..=6).contains(n))))
        && issuer_range(c.digits)
        && luhn(c.digits)
}

/// Whether the number starts in an issuer range: Visa 4, Mastercard 51–55 and
/// 2221–2720, Mir 2200–2204, Maestro 50/56–69, Amex 34/37, Diners 300–305/36/38/39,
/// JCB 3528–3589, Discover and UnionPay 6. Other 2- and 1-prefixes (timestamps
/// such as `20240625…`, epoch milliseconds `17…`) are not cards.
fn issuer_range(digits: &[u8]) -> bool {
    let prefix = |n: usize| -> u32 {
        digits[..n]
            .iter()
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    match digits[0] {
        b'4' | b'5' | b'6' => true,
        b'2' => matches!(prefix(4), 2200..=2204 | 2221..=2720),
        b'3' => {
            matches!(prefix(2), 34 | 36..=39)
                || matches!(prefix(3), 300..=305)
                || matches!(prefix(4), 3528..=3589)
        }
        _ => false,
    }
}

/// The Luhn (mod 10) check over ASCII digits.
pub(super) fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| {
            let d = u32::from(d - b'0');
            if i % 2 == 1 {
                let twice = d * 2;
                if twice > 9 { twice - 9 } else { twice }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::mask::PiiKind;
    use crate::mask::testing::{complete, mask};

    /// Completes `prefix` (digits) with a Luhn check digit.
    pub fn with_luhn(prefix: &str) -> String {
        complete(prefix, 1, luhn)
    }

    /// The same number with its last digit changed, so that Luhn fails.
    fn luhn_failing(valid: &str) -> String {
        let (head, last) = valid.split_at(valid.len() - 1);
        let last = (last.as_bytes()[0] - b'0' + 1) % 10;
        format!("{head}{last}")
    }

    fn grouped(digits: &str, sep: &str) -> String {
        digits
            .as_bytes()
            .chunks(4)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(sep)
    }

    #[test]
    fn luhn_known_numbers() {
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"5555555555554444"));
        assert!(luhn(b"378282246310005"));
        assert!(!luhn(b"4111111111111112"));
    }

    #[test]
    fn every_length_and_issuer_is_a_card() {
        let prefixes = [
            "4", "2200", "2204", "2221", "2720", "51", "55", "50", "6011", "62", "3528",
        ];
        for prefix in prefixes {
            for len in 13..=19 {
                let body = format!("{prefix}{}", "0123456789".repeat(2));
                let number = with_luhn(&body[..len - 1]);
                let masked = mask(&format!("Карта {number} заблокирована"));
                assert_eq!(masked.text, "Карта <CARD> заблокирована", "{number}");
                assert_eq!(masked.count(PiiKind::Card), 1);
            }
        }
    }

    #[test]
    fn grouped_with_spaces_dashes_and_amex_layout() {
        let mir = with_luhn("220000000000000");
        for text in [
            grouped("4111111111111111", " "),
            grouped("4111111111111111", "-"),
            grouped(&mir, " "),
            grouped(&with_luhn("220412345678901234"), " "),
            "3782 822463 10005".to_string(),
        ] {
            let masked = mask(&format!("Оплата картой {text} отклонена"));
            assert_eq!(masked.text, "Оплата картой <CARD> отклонена", "{text}");
        }
    }

    #[test]
    fn look_alikes_are_not_cards() {
        let failing = luhn_failing("4111111111111111");
        for (text, expected) in [
            (failing.clone(), "<NUM>"),
            (grouped(&failing, " "), "<NUM> <NUM> <NUM> <NUM>"),
            // A timestamp with Luhn-valid digits but no issuer range.
            (with_luhn("2024062514300012"), "<NUM>"),
            // Mastercard 2-series ends at 2720, Mir at 2204.
            (with_luhn("272100000000000"), "<NUM>"),
            (with_luhn("220500000000000"), "<NUM>"),
            // Epoch milliseconds.
            ("1719705600000".to_string(), "<NUM>"),
        ] {
            let masked = mask(&format!("Заказ {text}"));
            assert_eq!(masked.text, format!("Заказ {expected}"), "{text}");
            assert_eq!(masked.count(PiiKind::Card), 0, "{text}");
        }
    }

    #[test]
    fn mixed_separators_are_not_one_card() {
        let masked = mask("Номер 4111 1111-1111 1111");
        assert_eq!(masked.count(PiiKind::Card), 0);
        assert!(!masked.text.contains('1'));
    }
}
