//! Catalog placeholders in every syntax, normalised to `<*>`.
//!
//! Message catalogs mark where a value goes in many ways: Java MessageFormat and
//! .NET `{0}`, ICU and Python `{name}` (with `{0,number}`, `{n, plural, …}`,
//! `{x:.2f}` options), Mustache/Angular `{{name}}`, printf `%s`, `%d`, `%1$s`,
//! `%.2f`, Python `%(name)s`, Ruby `%{name}`, shell/JS templates `${name}`, and
//! SLF4J `{}`. Stored templates use one form, `<*>`, which
//! `cluster/matching.rs` treats as a wildcard. `%%` is a literal percent sign
//! and becomes `%`, as clients see it.
//!
//! Not placeholders: braces around text that does not start like a name or a
//! number (`{"a": 1}`), a `%` before a space or a letter that is no printf
//! conversion (`5% скидка`, `100%`).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

/// A normalised placeholder as stored in templates: `<NAME>` or `<*>`.
pub static PLACEHOLDER_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<(?:\*|[A-Z][A-Z0-9_]*)>").expect("valid regex"));

/// printf conversions: optional `n$` position, flags, width, precision, length,
/// conversion (no space flag: `5% off` is not `% o`).
static PRINTF_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^%(?:([1-9][0-9]*)\$)?[-+#0]*(?:[0-9]+|\*)?(?:\.(?:[0-9]+|\*))?(?:hh|h|ll|l|L|q|j|z|t)?[diouxXeEfFgGaAcsSp@]",
    )
    .expect("valid printf regex")
});

/// Python `%(name)s`.
static PYTHON_NAMED_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^%\(([\p{L}0-9_.\-]+)\)[-+#0 ]*[0-9]*(?:\.[0-9]+)?[diouxXeEfFgGcrsa]")
        .expect("valid python regex")
});

/// What stands for the value: how translations of one message are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot<'a> {
    /// `%%`: not a placeholder.
    Percent,
    /// A named value: `{name}`, `%(name)s`, `%{name}`, `${name}`, `{{name}}`.
    Name(&'a str),
    /// A numbered value, 1-based: `{0}` is 1, `%1$s` is 1.
    Position(usize),
    /// The next value in order: `%s`, `{}`.
    Next,
}

/// The placeholders of a text with their byte ranges, in text order.
fn scan(text: &str) -> Vec<(Range<usize>, Slot<'_>)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(offset) = memchr::memchr3(b'{', b'%', b'$', &bytes[i..]) {
        let at = i + offset;
        let rest = &text[at..];
        let hit = match bytes[at] {
            b'%' => percent(rest),
            b'$' if rest.starts_with("${") => {
                // Template literals hold expressions (`${amount.toFixed(2)}`).
                closing(rest, 2, "}")
                    .filter(|(_, expr)| !expr.contains(['<', '>']))
                    .map(|(len, name)| (len, Slot::Name(name)))
            }
            b'{' if rest.starts_with("{{") => closing(rest, 2, "}}")
                .filter(|(_, name)| is_name(name))
                .map(|(len, name)| (len, Slot::Name(name))),
            b'{' => braces(rest),
            _ => None,
        };
        match hit {
            Some((len, slot)) => {
                found.push((at..at + len, slot));
                i = at + len;
            }
            None => i = at + 1,
        }
    }
    found
}

fn percent(rest: &str) -> Option<(usize, Slot<'_>)> {
    if rest.starts_with("%%") {
        return Some((2, Slot::Percent));
    }
    if rest.starts_with("%{") {
        return closing(rest, 2, "}")
            .filter(|(_, name)| is_name(name))
            .map(|(len, name)| (len, Slot::Name(name)));
    }
    if let Some(c) = PYTHON_NAMED_RE.captures(rest) {
        let name = c.get(1).map_or("", |m| m.as_str());
        return Some((c[0].len(), Slot::Name(name)));
    }
    let c = PRINTF_RE.captures(rest)?;
    let slot = match c.get(1).and_then(|m| m.as_str().parse().ok()) {
        Some(n) => Slot::Position(n),
        None => Slot::Next,
    };
    Some((c[0].len(), slot))
}

/// `{…}` with balanced inner braces (ICU plurals nest), whose content starts
/// with a name or a number, or is empty (`{}`).
fn braces(rest: &str) -> Option<(usize, Slot<'_>)> {
    const MAX_LEN: usize = 512;
    let mut depth = 0;
    let mut end = None;
    for (i, b) in rest.bytes().enumerate().take(MAX_LEN) {
        match b {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    end = Some(i + 1);
                    break;
                }
            }
            _ => {}
        }
    }
    let end = end?;
    let inner = rest[1..end - 1].trim();
    let head = inner.split([',', ':', '!']).next().unwrap_or("").trim();
    let slot = if head.is_empty() && inner.is_empty() {
        Slot::Next
    } else if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) {
        Slot::Position(head.parse::<usize>().ok()? + 1)
    } else if is_name(head) {
        Slot::Name(head)
    } else {
        return None;
    };
    Some((end, slot))
}

/// The content up to `close`, trimmed, after an opening of `open` bytes.
fn closing<'a>(rest: &'a str, open: usize, close: &str) -> Option<(usize, &'a str)> {
    let inner_len = rest[open..].find(close)?;
    let inner = rest[open..open + inner_len].trim();
    (!inner.is_empty() && !inner.contains(['{', '\n']))
        .then_some((open + inner_len + close.len(), inner))
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Rewrites `{0}`, `{name}`, `{{name}}`, `%s`, `%d`, `%1$s`, `%(name)s`, `%{name}`,
/// `${name}` to `<*>`, the one placeholder form of stored templates; `%%` to `%`.
pub fn normalise_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (range, slot) in scan(text) {
        out.push_str(&text[last..range.start]);
        out.push_str(if slot == Slot::Percent { "%" } else { "<*>" });
        last = range.end;
    }
    out.push_str(&text[last..]);
    out
}

/// The placeholders of a catalog text, in their original syntax, sorted (a
/// placeholder used twice is listed twice; `%%` is not a placeholder).
pub fn placeholder_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = scan(text)
        .into_iter()
        .filter(|(_, slot)| *slot != Slot::Percent)
        .map(|(range, _)| text[range].to_string())
        .collect();
    names.sort();
    names
}

/// The placeholders of a catalog text as syntax-free keys, sorted: what
/// translations of one message must agree on when their syntaxes differ.
///
/// Named placeholders give their name (`{amount}`, `%(amount)s`, `${amount}` →
/// `amount`); numbered ones `#n`, 1-based (`{0}` and `%1$s` → `#1`); unnumbered
/// ones `#n` by their order in the text (`%s … %d` → `#1`, `#2`). So `{0} {1}`
/// and `%s %s` and `%2$s %1$s` all give `#1`, `#2`.
pub fn placeholder_keys(text: &str) -> Vec<String> {
    let mut next = 0;
    let mut keys: Vec<String> = scan(text)
        .into_iter()
        .filter_map(|(_, slot)| match slot {
            Slot::Percent => None,
            Slot::Name(name) => Some(name.to_string()),
            Slot::Position(n) => Some(format!("#{n}")),
            Slot::Next => {
                next += 1;
                Some(format!("#{next}"))
            }
        })
        .collect();
    keys.sort();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_syntax_becomes_a_wildcard() {
        let cases = [
            (
                "Сумма {0} превышает лимит {1}",
                "Сумма <*> превышает лимит <*>",
            ),
            ("Здравствуйте, {name}!", "Здравствуйте, <*>!"),
            ("Здравствуйте, {{ name }}!", "Здравствуйте, <*>!"),
            ("Осталось %d попыток из %s", "Осталось <*> попыток из <*>"),
            ("Карта %1$s, сумма %2$.2f", "Карта <*>, сумма <*>"),
            ("Счёт %(account)s закрыт", "Счёт <*> закрыт"),
            ("Счёт %{account} закрыт", "Счёт <*> закрыт"),
            ("Счёт ${account} закрыт", "Счёт <*> закрыт"),
            ("Сумма ${amount.toFixed(2)} руб.", "Сумма <*> руб."),
            ("Ошибка {}: {}", "Ошибка <*>: <*>"),
            ("Итого {0,number,#.##} руб.", "Итого <*> руб."),
            ("Курс {rate:.2f}", "Курс <*>"),
            (
                "У вас {count, plural, one {# попытка} other {# попыток}}",
                "У вас <*>",
            ),
            ("Скидка 5%% на всё", "Скидка 5% на всё"),
            ("Скидка 5% на всё, 100%", "Скидка 5% на всё, 100%"),
            ("5% off", "5% off"),
            ("JSON {\"a\": 1}", "JSON {\"a\": 1}"),
            ("Без подстановок", "Без подстановок"),
            // Found by the property test: `${` with a brace inside is no placeholder.
            ("${{}}", "${<*>}"),
        ];
        for (text, expected) in cases {
            assert_eq!(normalise_placeholders(text), expected, "{text}");
        }
    }

    #[test]
    fn normalising_twice_changes_nothing_more() {
        for text in ["${{}}", "{{}}", "%{<*>}", "{<*>}"] {
            let once = normalise_placeholders(text);
            assert_eq!(normalise_placeholders(&once), once, "{text}");
        }
    }

    #[test]
    fn names_keep_the_original_syntax() {
        assert_eq!(
            placeholder_names("{1} и {0}, %s, ${x}, %% и {0}"),
            vec!["${x}", "%s", "{0}", "{0}", "{1}"]
        );
        assert!(placeholder_names("Скидка 5%%").is_empty());
    }

    #[test]
    fn keys_compare_across_syntaxes() {
        let java = placeholder_keys("Сумма {0} превышает {1}");
        assert_eq!(java, vec!["#1", "#2"]);
        assert_eq!(placeholder_keys("Amount %s exceeds %s"), java);
        assert_eq!(placeholder_keys("Betrag %2$s über %1$s"), java);
        assert_eq!(
            placeholder_keys("Hi {name}, %(name)s, ${name}"),
            vec!["name", "name", "name"]
        );
        assert_ne!(placeholder_keys("{0}"), placeholder_keys("{name}"));
    }

    proptest::proptest! {
        /// Placeholder-like text of any shape: no panic, and normalising twice
        /// changes nothing more than normalising once, except that `%%` → `%`
        /// may form a new `%s`.
        #[test]
        fn normalising_is_total(text in "[{}%$()a-zа-я0-9 ,:.!#\\-]{0,40}") {
            let once = normalise_placeholders(&text);
            if !text.contains("%%") {
                proptest::prop_assert_eq!(normalise_placeholders(&once), once.clone());
            }
            let names = placeholder_names(&text);
            proptest::prop_assert_eq!(names.len(), placeholder_keys(&text).len());
            proptest::prop_assert_eq!(names.len(), once.matches("<*>").count());
        }
    }

    #[test]
    fn the_stored_form_is_a_placeholder() {
        assert!(PLACEHOLDER_RE.is_match("<*>"));
        assert!(PLACEHOLDER_RE.is_match("<CARD>"));
        assert!(!PLACEHOLDER_RE.is_match("<b>"));
    }
}
