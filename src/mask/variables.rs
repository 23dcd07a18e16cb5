//! Variables that are not personal data: numbers, amounts, dates and times,
//! ids, network addresses. Each becomes a typed placeholder so that instances
//! of one message share one template.
//!
//! The patterns here are fragments of the one combined pattern built in
//! `mask/mod.rs`; the checks here decide whether a match really is what its
//! pattern suggests (a date with month 13 is not a date).
//!
//! Words that mix letters and digits follow [`classify_word`]: error codes such
//! as `E1001`, `ORA-20001`, `SQL0803N` or `v2` are part of the message and stay;
//! hex ids become `<HEX>`, numbers with a unit (`30s`, `100MB`) `<NUM>` plus the
//! unit, and any other mix (`TX123456789`, `ORD-2024-000123`) `<ID>`.

/// A URL with a scheme; trailing punctuation is trimmed by [`url_end`].
pub(super) const URL: &str = r#"(?i:https?|ftps?|sftp|wss?|file)://[^\s<>"'«»]+"#;

pub(super) const UUID: &str =
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/// IPv4 with an optional port.
pub(super) const IPV4: &str = r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}(?::[0-9]{1,5})?";

/// IPv6 candidates (full, compressed, leading or trailing `::`); parsed to check.
pub(super) const IPV6: &str = concat!(
    r"(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}",
    r"|(?:[0-9A-Fa-f]{1,4}:){1,6}(?::[0-9A-Fa-f]{1,4}){1,6}",
    r"|::(?:[0-9A-Fa-f]{1,4}:){0,6}[0-9A-Fa-f]{1,4}",
    r"|(?:[0-9A-Fa-f]{1,4}:){1,7}:",
);

macro_rules! numeric_date {
    () => {
        concat!(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
            r"|[0-9]{4}[./][0-9]{2}[./][0-9]{2}",
            r"|[0-9]{1,2}[./][0-9]{1,2}[./][0-9]{4}",
            r"|[0-9]{2}\.[0-9]{2}\.[0-9]{2}"
        )
    };
}

macro_rules! time {
    () => {
        r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,9})?)?"
    };
}

/// A date and a time: ISO 8601 (`2024-06-25T14:30:00.123+03:00`) and the usual
/// log and Russian layouts (`2024-06-25 14:30:00,123`, `25.06.2024 14:30`).
pub(super) const DATETIME: &str = concat!(
    "(?:",
    numeric_date!(),
    r")(?:T|[ \u{a0}]|,[ \u{a0}]?)",
    time!(),
    r"(?:Z|[ \u{a0}]?[+-][0-9]{2}:?[0-9]{2})?"
);

macro_rules! months_en {
    () => {
        r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
    };
}

/// A date: numeric (`2024-06-25`, `25.06.2024`, `06/25/2024`, `25.06.24`), with a
/// month name (`25 июня 2024`, `5 мая`, `25 June 2024`, `June 25, 2024`), or
/// Oracle's `25-JUN-24`.
pub(super) const DATE: &str = concat!(
    numeric_date!(),
    r"|[0-9]{1,2}[ \u{a0}](?:(?i:января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря)|",
    months_en!(),
    r")(?:[ \u{a0}][0-9]{4})?|",
    months_en!(),
    r"[ \u{a0}][0-9]{1,2},?[ \u{a0}][0-9]{4}|[0-9]{1,2}-",
    months_en!(),
    r"-(?:[0-9]{4}|[0-9]{2})",
);

pub(super) const TIME: &str = time!();

macro_rules! amount_number {
    () => {
        concat!(
            r"(?:[0-9]{1,3}(?:[ \u{a0}\u{202f}][0-9]{3})+(?:[.,][0-9]{1,2})?",
            r"|[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?",
            r"|[0-9]+(?:[.,][0-9]{1,2})?)"
        )
    };
}

macro_rules! currency_before {
    () => {
        r"(?:[$€£¥₽]|(?i:rub|rur|usd|eur|cny|gbp|chf)[ \u{a0}]?)[ \u{a0}]?"
    };
}

macro_rules! currency_after {
    () => {
        concat!(
            r"[ \u{a0}]?(?:[$€£¥₽]|(?i:руб(?:лей|ля|ль|\.)?|р\.|коп(?:еек|ейки|ейка|\.)?",
            r"|rub|rur|usd|eur|cny|gbp|chf|долл(?:аров|ара|ар|\.)?|евро|юаней|юаня|юань))"
        )
    };
}

/// A sum of money: a number with a currency sign, name or code before or after
/// it (`1 500,00 руб.`, `$12.50`, `1500.00 RUB`, `EUR 20`, `300 ₽`).
pub(super) const AMOUNT: &str = concat!(
    currency_before!(),
    amount_number!(),
    "|",
    amount_number!(),
    currency_after!()
);

/// A catalog placeholder with a currency (`<*> руб.`, `$<*>`): the amount of a
/// definition, so that its template reads `<AMOUNT>` like the observations'.
pub(super) const CATALOG_AMOUNT: &str =
    concat!(currency_before!(), r"<\*>|<\*>", currency_after!());

/// A decimal number, possibly with thousands groups: `12.5`, `1 500,00`.
pub(super) const DECIMAL: &str =
    r"[0-9]{1,3}(?:[ \u{a0}\u{202f}][0-9]{3})+[.,][0-9]+|[0-9]{1,12}[.,][0-9]{1,6}";

/// The letters of words, as a character-class body: Latin, Latin-1 and
/// Cyrillic. Narrower than `\p{L}` on purpose: the combined pattern stays small,
/// which is what resolving a match's alternative costs (see `docs/masking.md`).
macro_rules! letters {
    () => {
        "A-Za-zÀ-ÖØ-öø-ÿЀ-ӿ"
    };
}
pub(super) use letters;

/// A word with both letters and digits (joined by `-` or `.` between parts):
/// `E1001`, `ORA-20001`, `v2.1`, `5f3a9c2e`, `0x1F`, `30s`, `TX123456789`.
pub(super) const WORD: &str = concat!(
    "[",
    letters!(),
    "_](?:[",
    letters!(),
    "_]|[-.][",
    letters!(),
    "_])*[-.]?[0-9][",
    letters!(),
    "0-9_]*(?:[-.][",
    letters!(),
    "0-9_]+)*",
    "|[0-9][0-9_]*[",
    letters!(),
    "][",
    letters!(),
    "0-9_]*(?:[-.][",
    letters!(),
    "0-9_]+)*",
);

/// Where a URL match really ends: without trailing sentence punctuation.
pub(super) fn url_end(url: &str) -> usize {
    url.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '}', '»', '\'', '"'])
        .len()
}

/// The ASCII numbers in a span, in order (at most `N`).
fn numbers<const N: usize>(span: &str) -> ([u32; N], usize) {
    let mut out = [0; N];
    let mut n = 0;
    for run in span
        .split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .take(N)
    {
        out[n] = run
            .bytes()
            .take(9)
            .fold(0, |acc, d| acc * 10 + u32::from(d - b'0'));
        n += 1;
    }
    (out, n)
}

/// Day, month (numeric or named) and year make a calendar date.
pub(super) fn valid_date(span: &str) -> bool {
    let (nums, n) = numbers::<3>(span);
    let day_month = |d: u32, m: u32| (1..=31).contains(&d) && (1..=12).contains(&m);
    if span.chars().any(char::is_alphabetic) {
        // Month by name: the day is the first number of at most two digits.
        return n >= 1 && (1..=31).contains(&nums[0]);
    }
    if n != 3 {
        return false;
    }
    if span.as_bytes().get(4).is_some_and(|b| !b.is_ascii_digit()) {
        day_month(nums[2], nums[1])
    } else {
        day_month(nums[0], nums[1]) || day_month(nums[1], nums[0])
    }
}

/// Hours, minutes and seconds in range.
pub(super) fn valid_time(span: &str) -> bool {
    let (nums, n) = numbers::<3>(span);
    n >= 2 && nums[0] <= 23 && nums[1] <= 59 && (n < 3 || nums[2] <= 60)
}

/// A date and a time, each valid: the time starts after the last separator
/// before the first colon.
pub(super) fn valid_datetime(span: &str) -> bool {
    let Some(colon) = span.find(':') else {
        return false;
    };
    let Some(sep) = span[..colon].rfind([' ', 'T', ',', '\u{a0}']) else {
        return false;
    };
    let date = span[..sep].trim_end_matches([',', ' ', '\u{a0}']);
    valid_date(date) && valid_time(&span[sep..])
}

pub(super) fn valid_ipv4(span: &str) -> bool {
    let address = span.split(':').next().unwrap_or(span);
    address.parse::<std::net::Ipv4Addr>().is_ok()
}

/// A parseable IPv6 address with at least one digit (so that `add::cafe` in a
/// code path is not an address).
pub(super) fn valid_ipv6(span: &str) -> bool {
    span.bytes().any(|b| b.is_ascii_digit()) && span.parse::<std::net::Ipv6Addr>().is_ok()
}

/// What a word with letters and digits is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WordClass {
    /// An error code or product name (`E1001`, `ORA-20001`, `v2`): kept.
    Code,
    /// `0x1F`, or eight or more hex digits with both digits and letters: `<HEX>`.
    Hex,
    /// A number glued to a unit (`30s`, `100MB`, `5шт`): `<NUM>` for the first
    /// so many bytes, the unit kept.
    NumberWithUnit(usize),
    /// Any other mix of letters and digits: `<ID>`.
    Id,
}

/// Most digits an error code may have (`ORA-20001` has five); the shortest
/// personal number (a 10-digit INN) is far longer, so a code never hides one.
const CODE_MAX_DIGITS: usize = 5;

/// Classifies a word with letters and digits.
pub(super) fn classify_word(word: &str) -> WordClass {
    let bytes = word.as_bytes();
    let is_hex = |b: &[u8]| b.iter().all(u8::is_ascii_hexdigit);
    if (word.starts_with("0x") || word.starts_with("0X")) && bytes.len() > 2 && is_hex(&bytes[2..])
    {
        return WordClass::Hex;
    }
    if bytes.len() >= 8 && is_hex(bytes) && bytes.iter().any(u8::is_ascii_alphabetic) {
        return WordClass::Hex;
    }
    let digits = bytes.iter().filter(|b| b.is_ascii_digit()).count();
    let digit_runs = word
        .split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .count();
    if !bytes[0].is_ascii_digit() {
        return if digits <= CODE_MAX_DIGITS && digit_runs <= 2 {
            WordClass::Code
        } else {
            WordClass::Id
        };
    }
    let number = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    let unit = &word[number..];
    if unit.chars().count() <= 6 && unit.chars().all(char::is_alphabetic) {
        WordClass::NumberWithUnit(number)
    } else {
        WordClass::Id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::testing::mask;

    fn masked(text: &str) -> String {
        mask(text).text
    }

    #[test]
    fn numbers_and_amounts() {
        let cases = [
            ("Повторите через 5 минут", "Повторите через <NUM> минут"),
            (
                "Осталось 3 попытки из 10",
                "Осталось <NUM> попытки из <NUM>",
            ),
            (
                "Сумма 1 500,00 руб. превышает лимит 1 000 000 руб.",
                "Сумма <AMOUNT> превышает лимит <AMOUNT>",
            ),
            (
                "Amount $12.50 exceeds $1,000.00",
                "Amount <AMOUNT> exceeds <AMOUNT>",
            ),
            ("Списано 1500.00 RUB", "Списано <AMOUNT>"),
            ("Комиссия 300 ₽ и 15 коп.", "Комиссия <AMOUNT> и <AMOUNT>"),
            ("Лимит EUR 20", "Лимит <AMOUNT>"),
            ("Ставка 12,5% годовых", "Ставка <NUM>% годовых"),
            ("Доступно 1 500,00", "Доступно <NUM>"),
            (
                "Переход к рубежу 5 рубежей",
                "Переход к рубежу <NUM> рубежей",
            ),
            ("Файл 1.5GB", "Файл <NUM>GB"),
            ("Заказ №123456 от клиента", "Заказ №<NUM> от клиента"),
        ];
        for (text, expected) in cases {
            assert_eq!(masked(text), expected, "{text}");
        }
    }

    #[test]
    fn catalog_amounts_read_like_observed_ones() {
        let definition =
            crate::mask::normalise_placeholders("Сумма {0} руб. превышает лимит USD {1}");
        assert_eq!(
            masked(&definition),
            "Сумма <AMOUNT> превышает лимит <AMOUNT>"
        );
        assert_eq!(
            masked("Сумма 1 500,00 руб. превышает лимит $20"),
            "Сумма <AMOUNT> превышает лимит <AMOUNT>"
        );
        assert_eq!(masked("Поле <*> обязательно"), "Поле <*> обязательно");
    }

    #[test]
    fn dates_and_times() {
        let cases = [
            (
                "Операция от 25.06.2024 отклонена",
                "Операция от <DATE> отклонена",
            ),
            ("Срок до 2024-06-30", "Срок до <DATE>"),
            ("Срок до 06/30/2024", "Срок до <DATE>"),
            ("Платёж 25 июня 2024 не прошёл", "Платёж <DATE> не прошёл"),
            ("Платёж 5 мая не прошёл", "Платёж <DATE> не прошёл"),
            ("Due June 25, 2024", "Due <DATE>"),
            ("ORA-01847 on 25-JUN-24", "ORA-01847 on <DATE>"),
            ("Повторите в 14:30", "Повторите в <TIME>"),
            ("Время 14:30:05,123", "Время <TIME>"),
            ("At 2024-06-25T14:30:00.123+03:00", "At <DATETIME>"),
            ("At 2024-06-25 14:30:00,123 MSK", "At <DATETIME> MSK"),
            ("Операция от 25.06.2024 14:30", "Операция от <DATETIME>"),
            ("Работаем 10:00-18:00", "Работаем <TIME>-<TIME>"),
            // Not calendar dates or clock times.
            ("Код 32.13.2024", "Код <NUM>.<NUM>.<NUM>"),
            ("Отношение 25:99", "Отношение <NUM>:<NUM>"),
            ("Отношение 1:100", "Отношение <NUM>:<NUM>"),
            ("Пять 5 майонеза", "Пять <NUM> майонеза"),
        ];
        for (text, expected) in cases {
            assert_eq!(masked(text), expected, "{text}");
        }
    }

    #[test]
    fn ids_and_addresses() {
        let cases = [
            (
                "Запрос 550e8400-e29b-41d4-a716-446655440000 не найден",
                "Запрос <UUID> не найден",
            ),
            ("Trace 5f3a9c2e8b7d", "Trace <HEX>"),
            ("Адрес 0x7FFE1A2B", "Адрес <HEX>"),
            ("Хост 10.0.12.7 недоступен", "Хост <IP> недоступен"),
            ("Хост 10.0.12.7:8443 недоступен", "Хост <IP> недоступен"),
            ("Хост 2001:db8::8a2e:370:7334", "Хост <IP>"),
            ("Хост fe80::1 и ::1", "Хост <IP> и <IP>"),
            ("Версия 300.1.1.1", "Версия <NUM>.<NUM>.<NUM>.<NUM>"),
            ("См. https://bank.ru/help?id=42&lang=ru.", "См. <URL>."),
            ("Путь std::io, строка 5", "Путь std::io, строка <NUM>"),
            ("Подробнее: https://bank.ru/help", "Подробнее: <URL>"),
        ];
        for (text, expected) in cases {
            assert_eq!(masked(text), expected, "{text}");
        }
    }

    #[test]
    fn error_codes_stay_and_identifiers_go() {
        let cases = [
            ("ORA-20001: лимит превышен", "ORA-20001: лимит превышен"),
            ("Ошибка E1001. Повторите", "Ошибка E1001. Повторите"),
            ("SQL0803N duplicate", "SQL0803N duplicate"),
            ("API v2 недоступно", "API v2 недоступно"),
            ("Ошибка 3DS", "Ошибка <NUM>DS"),
            ("Тайм-аут 30s", "Тайм-аут <NUM>s"),
            (
                "Транзакция TX123456789 отклонена",
                "Транзакция <ID> отклонена",
            ),
            ("Заказ ORD-2024-000123 отменён", "Заказ <ID> отменён"),
            ("Сессия k3j4h5g6 истекла", "Сессия <ID> истекла"),
        ];
        for (text, expected) in cases {
            assert_eq!(masked(text), expected, "{text}");
        }
    }

    #[test]
    fn classify_word_rules() {
        assert_eq!(classify_word("ORA-20001"), WordClass::Code);
        assert_eq!(classify_word("E1001"), WordClass::Code);
        assert_eq!(classify_word("deadbeef01"), WordClass::Hex);
        assert_eq!(classify_word("0x1f"), WordClass::Hex);
        assert_eq!(classify_word("100MB"), WordClass::NumberWithUnit(3));
        assert_eq!(classify_word("5шт"), WordClass::NumberWithUnit(1));
        assert_eq!(classify_word("ИНН7707083893"), WordClass::Id);
        assert_eq!(classify_word("12ab34"), WordClass::Id);
    }

    #[test]
    fn validators() {
        assert!(valid_date("2024-02-29"));
        assert!(!valid_date("2024-13-01"));
        assert!(valid_date("12/31/2024"));
        assert!(!valid_date("13/13/2024"));
        assert!(valid_time("23:59:60"));
        assert!(!valid_time("24:00"));
        assert!(valid_datetime("2024-06-25T14:30:00Z"));
        assert!(!valid_datetime("2024-06-25T25:30"));
        assert!(valid_ipv4("192.168.0.1:80"));
        assert!(!valid_ipv4("256.1.1.1"));
        assert!(valid_ipv6("::1"));
        assert!(!valid_ipv6("add::cafe"));
    }
}
