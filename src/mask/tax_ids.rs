//! Russian tax and pension ids: INN and SNILS, by their check digits.
//!
//! - INN of a person: 12 digits, two check digits (one in a hundred random
//!   12-digit numbers passes), masked wherever it stands.
//! - INN of an organisation: 10 digits, one check digit. One in ten random
//!   10-digit numbers passes (epoch seconds, phone numbers without a prefix,
//!   order ids), so a 10-digit INN is recognised only when a label (`ИНН`,
//!   `INN`, `TIN`) precedes it closely. Without one it is still masked, as `<NUM>`.
//! - SNILS: 11 digits, bare or `123-456-789 01`, with its check number; numbers
//!   up to 001-001-998 have no check number and are not recognised.
//!
//! INNs are never written in groups; the region prefix `00` does not exist.

use super::candidate::Candidate;

/// How far before a 10-digit number its label may stand, in bytes.
const LABEL_WINDOW: usize = 40;

/// Whether the candidate reads as an INN (10 digits with a label, or 12).
pub(super) fn is_inn(c: &Candidate<'_>) -> bool {
    if !c.is_plain() || c.lens.len() != 1 || c.digits.starts_with(b"00") {
        return false;
    }
    match c.digits.len() {
        10 => inn10_valid(c.digits) && labelled(c.text, c.start),
        12 => inn12_valid(c.digits),
        _ => false,
    }
}

/// Whether the candidate reads as a SNILS.
pub(super) fn is_snils(c: &Candidate<'_>) -> bool {
    c.digits.len() == 11
        && c.is_plain()
        && (c.lens.len() == 1
            || (c.lens == [3, 3, 3, 2]
                && c.seps[..2].iter().all(|s| *s == "-" || *s == " ")
                && matches!(c.seps[2], " " | "-" | "\u{a0}")))
        && snils_valid(c.digits)
}

fn digit(d: u8) -> u32 {
    u32::from(d - b'0')
}

fn weighted(digits: &[u8], weights: &[u32]) -> u32 {
    digits.iter().zip(weights).map(|(d, w)| digit(*d) * w).sum()
}

fn inn10_valid(d: &[u8]) -> bool {
    let check = weighted(&d[..9], &[2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10;
    check == digit(d[9])
}

fn inn12_valid(d: &[u8]) -> bool {
    let first = weighted(&d[..10], &[7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10;
    let second = weighted(&d[..11], &[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8]) % 11 % 10;
    first == digit(d[10]) && second == digit(d[11])
}

fn snils_valid(d: &[u8]) -> bool {
    let number = d[..9].iter().fold(0u32, |acc, x| acc * 10 + digit(*x));
    if number <= 1_001_998 {
        return false;
    }
    let sum = weighted(&d[..9], &[9, 8, 7, 6, 5, 4, 3, 2, 1]);
    let check = match sum {
        0..=99 => sum,
        100 | 101 => 0,
        _ => sum % 101 % 100,
    };
    check == digit(d[9]) * 10 + digit(d[10])
}

/// Whether the word `ИНН`, `INN` or `TIN` stands shortly before `start` (a
/// word of its own: `длинный` does not count).
fn labelled(text: &str, start: usize) -> bool {
    let mut from = start.saturating_sub(LABEL_WINDOW);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = text[from..start].to_lowercase();
    before
        .split(|c: char| !c.is_alphabetic())
        .any(|word| matches!(word, "инн" | "inn" | "tin"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::PiiKind;
    use crate::mask::testing::{complete, mask};

    /// Completes 9 digits to a valid 10-digit INN.
    fn inn10(prefix: &str) -> String {
        complete(prefix, 1, inn10_valid)
    }

    /// Completes 10 digits to a valid 12-digit INN.
    fn inn12(prefix: &str) -> String {
        complete(prefix, 2, inn12_valid)
    }

    /// Completes 9 digits to a valid SNILS, formatted `123-456-789 01`.
    fn snils(prefix: &str) -> String {
        let n = complete(prefix, 2, snils_valid);
        format!("{}-{}-{} {}", &n[..3], &n[3..6], &n[6..9], &n[9..])
    }

    #[test]
    fn known_ids_pass() {
        assert!(inn10_valid(b"7707083893"), "Sberbank");
        assert!(inn12_valid(b"500100732259"));
        assert!(snils_valid(b"11223344595"));
        assert!(!inn10_valid(b"7707083894"));
        assert!(!inn12_valid(b"500100732258"));
        assert!(!snils_valid(b"11223344596"));
    }

    #[test]
    fn inn_is_masked_with_checks() {
        let person = inn12("7712345678");
        let masked = mask(&format!("Неверный ИНН {person}"));
        assert_eq!(masked.text, "Неверный ИНН <INN>");
        assert_eq!(masked.count(PiiKind::Inn), 1);
        let unlabelled = mask(&format!("Клиент {person} не найден"));
        assert_eq!(unlabelled.text, "Клиент <INN> не найден");

        let company = inn10("770708389");
        let masked = mask(&format!("ИНН получателя: {company}"));
        assert_eq!(masked.text, "ИНН получателя: <INN>");
        let masked = mask(&format!("Получатель INN={company}"));
        assert_eq!(masked.text, "Получатель INN=<INN>");
        let masked = mask(&format!("ИНН/КПП {company}/770701001"));
        assert_eq!(masked.text, "ИНН/КПП <INN>/<NUM>");
        // `инн` inside another word is no label.
        let masked = mask(&format!("Слишком длинный номер {company}"));
        assert_eq!(masked.text, "Слишком длинный номер <NUM>");
    }

    #[test]
    fn inn_look_alikes_are_numbers() {
        for (text, expected) in [
            // Fails the check digit although labelled.
            ("ИНН 7707083894".to_string(), "ИНН <NUM>"),
            ("ИНН 500100732258".to_string(), "ИНН <NUM>"),
            // Passes the check but nothing says it is an INN (epoch seconds).
            (format!("Сессия {}", inn10("171970560")), "Сессия <NUM>"),
            // Region 00 does not exist.
            (format!("ИНН {}", inn10("001234567")), "ИНН <NUM>"),
        ] {
            let masked = mask(&text);
            assert_eq!(masked.text, expected, "{text}");
            assert_eq!(masked.count(PiiKind::Inn), 0, "{text}");
        }
    }

    #[test]
    fn snils_formatted_and_bare() {
        let formatted = snils("112233445");
        assert_eq!(formatted, "112-233-445 95");
        for text in [
            formatted.clone(),
            formatted.replace(['-', ' '], ""),
            "112-233-445-95".into(),
        ] {
            let masked = mask(&format!("СНИЛС {text} не подтверждён"));
            assert_eq!(masked.text, "СНИЛС <SNILS> не подтверждён", "{text}");
            assert_eq!(masked.count(PiiKind::Snils), 1);
        }
        let failing = mask("СНИЛС 112-233-445 96");
        assert_eq!(failing.text, "СНИЛС <NUM>-<NUM>-<NUM> <NUM>");
        assert_eq!(failing.count(PiiKind::Snils), 0);
        let small = mask("СНИЛС 001-001-998 00");
        assert_eq!(small.count(PiiKind::Snils), 0);
    }
}
