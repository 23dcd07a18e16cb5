//! Contacts: e-mail addresses and phone numbers.
//!
//! E-mails are found by the combined pattern ([`EMAIL`]) and checked for shape
//! here. Phones come in as digit runs and are phones when their prefix says so:
//!
//! - `+7` and ten digits whose first is 3, 4, 8 or 9 (Russian area and mobile
//!   codes), in any grouping: `+7 (912) 345-67-89`, `+79123456789`;
//! - `8` or `7` and the same ten digits, bare (`89123456789`) or with the
//!   trunk prefix standing alone (`8 912 345-67-89`, `8(912)3456789`);
//! - ten digits with the area code in parentheses (`(912) 345-67-89`) or mobile
//!   numbers grouped `912 345-67-89` / `912 345 6789`;
//! - `+` and a foreign country code, 10 to 15 digits in all (E.164).
//!
//! Toll-free `8 800 …` numbers are the bank's own hotlines, not personal data:
//! they become `<PHONE>` (for one template per message) but are not counted.

use super::candidate::Candidate;
use super::variables::letters;

/// An e-mail address as the combined pattern finds it: local part and domain
/// may be internationalised (`иван@почта.рф`, RFC 6531) or punycode
/// (`xn--80a1acny.xn--p1ai`); [`valid_email`] checks the rest.
pub(super) const EMAIL: &str = concat!(
    "[",
    letters!(),
    r"0-9_.%+\-]+@[",
    letters!(),
    r"0-9\-]+(?:\.[",
    letters!(),
    r"0-9\-]+)+"
);

/// Whether a match of [`EMAIL`] is shaped like a real address.
pub(super) fn valid_email(candidate: &str) -> bool {
    let Some((local, domain)) = candidate.split_once('@') else {
        return false;
    };
    let labels_ok = domain
        .split('.')
        .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-'));
    let tld = domain.rsplit('.').next().unwrap_or("");
    let tld_ok =
        (tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic)) || is_punycode(tld);
    local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && labels_ok
        && tld_ok
}

/// An ASCII-encoded internationalised label (`xn--p1ai` is `рф`).
fn is_punycode(label: &str) -> bool {
    // Bytes, not `str` slices: a label may start with a multi-byte letter.
    let bytes = label.as_bytes();
    bytes.len() > 4
        && bytes[..4].eq_ignore_ascii_case(b"xn--")
        && bytes[4..]
            .iter()
            .copied()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// What a phone-looking run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phone {
    /// A phone number that may be a person's.
    Personal,
    /// A toll-free service number (`8 800 …`).
    TollFree,
}

/// Whether the candidate reads as a phone number, and which kind.
pub(super) fn phone(c: &Candidate<'_>) -> Option<Phone> {
    let d = c.digits;
    let national: &[u8] = if c.plus {
        match d.first() {
            Some(b'7') if d.len() == 11 => &d[1..],
            Some(b'7') => return None,
            Some(b'1'..=b'9') if (10..=15).contains(&d.len()) => return Some(Phone::Personal),
            _ => return None,
        }
    } else if d.len() == 11 && matches!(d[0], b'7' | b'8') && (c.lens.len() == 1 || c.lens[0] == 1)
    {
        &d[1..]
    } else if d.len() == 10
        && ((c.parens[0] && c.lens[0] == 3)
            || (d[0] == b'9' && matches!(c.lens, [3, 3, 2, 2] | [3, 3, 4])))
    {
        d
    } else {
        return None;
    };
    if !matches!(national[0], b'3' | b'4' | b'8' | b'9') {
        return None;
    }
    Some(if national.starts_with(b"800") {
        Phone::TollFree
    } else {
        Phone::Personal
    })
}

#[cfg(test)]
mod tests {
    use crate::mask::PiiKind;
    use crate::mask::testing::mask;

    #[test]
    fn emails_are_masked() {
        for address in [
            "ivan.petrov@mail.ru",
            "i.petrov+bank@example.com",
            "client_42@sub.bank-online.ru",
            "pochta@банк.рф",
            // Internationalised local parts and punycode domains (issue #14).
            "иван@почта.рф",
            "Иван.Петров-2@почта.рф",
            "ivan@xn--80a1acny.xn--p1ai",
            "иван@xn--80a1acny.xn--p1ai",
            "client@bank.xn--p1ai",
        ] {
            let masked = mask(&format!("Письмо отправлено на {address}."));
            assert_eq!(masked.text, "Письмо отправлено на <EMAIL>.", "{address}");
            assert_eq!(masked.count(PiiKind::Email), 1);
        }
    }

    #[test]
    fn email_look_alikes_are_not_emails() {
        for text in ["user@localhost", "a..b@mail.ru", "x@mail.r1", "@mail.ru"] {
            let masked = mask(text);
            assert_eq!(masked.count(PiiKind::Email), 0, "{text}");
        }
    }

    /// Cyrillic local parts must not turn ordinary Russian text with `@` into e-mails.
    #[test]
    fn russian_text_with_at_signs_is_not_an_email() {
        for text in [
            "Курс @ 95,5 руб.",
            "Пишите в чат @bank_help",
            "Ошибка@сервер недоступен",
            "Итого: 3 шт.@10 руб.",
            "Версия@2.0 не поддерживается",
            "почта@.рф",
            "логин@домен не найден",
            "адрес иван@почта.р не полон",
            "x@mail.xn--",
        ] {
            let masked = mask(text);
            assert_eq!(masked.count(PiiKind::Email), 0, "{text}");
            assert!(!masked.text.contains("<EMAIL>"), "{text}: {}", masked.text);
        }
    }

    #[test]
    fn russian_phones_in_every_layout() {
        for number in [
            "+7 (912) 345-67-89",
            "+7 912 345 67 89",
            "+79123456789",
            "+7-912-345-67-89",
            "8 (912) 345-67-89",
            "8(912)3456789",
            "89123456789",
            "8-912-345-67-89",
            "79123456789",
            "(495) 123-45-67",
            "912 345-67-89",
            "+44 20 7946 0958",
        ] {
            let masked = mask(&format!("Код отправлен на номер {number}, проверьте SMS"));
            assert_eq!(
                masked.text, "Код отправлен на номер <PHONE>, проверьте SMS",
                "{number}"
            );
            assert_eq!(masked.count(PiiKind::Phone), 1, "{number}");
        }
    }

    #[test]
    fn toll_free_is_a_phone_but_not_personal() {
        let masked = mask("Позвоните по номеру 8 800 555-35-35");
        assert_eq!(masked.text, "Позвоните по номеру <PHONE>");
        assert_eq!(masked.count(PiiKind::Phone), 0);
    }

    #[test]
    fn phone_look_alikes() {
        for text in [
            "Заказ 81234567890",
            "Заказ 9123456789",
            "Заказ +7 123 456 78 90",
            "Заказ 8912 345 67 89",
        ] {
            let masked = mask(text);
            assert_eq!(masked.count(PiiKind::Phone), 0, "{text}");
            assert!(!masked.text.contains("67"), "{text}: {}", masked.text);
        }
    }
}
