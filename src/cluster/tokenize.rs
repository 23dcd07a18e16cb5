//! Tokens of a masked text, with generic variable detection.
//!
//! Texts are split on Unicode whitespace (Cyrillic and Latin alike). Inside a
//! token, every run of word characters that holds a digit (`42`, `0x1f`,
//! `node-17`) becomes `<*>`: numbers, ids and addresses that no mask caught are
//! variables in every log we know, and rewriting only the run keeps the token's
//! shape (`uid=<*>,`). The value of a `key=value` token is a variable too
//! (`ws=null,` → `ws=<*>,`). Placeholders from `mask/` (`<NUM>`, `<CARD>`) and `<*>`
//! stay as they are and count as variables. Tokens the rules keep literal are
//! never rewritten.

use std::collections::HashSet;

/// The placeholder of a variable in templates.
pub const WILDCARD: &str = "<*>";

/// Characters that belong to a word run besides letters and digits.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+' | '/' | '#' | '@')
}

/// Punctuation that closes a value rather than belonging to it.
const TRAILING: [char; 8] = [',', ';', ')', ']', '}', '"', '\'', '.'];

/// Where the value of a `key=value` token starts (the key a word, the value not empty).
fn key_value(token: &str) -> Option<usize> {
    let eq = token.find('=')?;
    let key = &token[..eq];
    let value = token[eq + 1..].trim_end_matches(TRAILING);
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    (!key.is_empty() && key.chars().all(word) && !value.is_empty() && !value.contains('='))
        .then_some(eq + 1)
}

/// Appends `token` to `out`, with digit-holding word runs rewritten to `<*>`.
fn push_normalised(token: &str, literals: &HashSet<String>, out: &mut String) {
    let literal = !literals.is_empty() && literals.contains(token);
    if let Some(value_at) = key_value(token)
        && !literal
    {
        let value = &token[value_at..];
        let kept = value.trim_end_matches(TRAILING);
        out.push_str(&token[..value_at]);
        out.push_str(WILDCARD);
        out.push_str(&value[kept.len()..]);
        return;
    }
    if !token.bytes().any(|b| b.is_ascii_digit()) || literal {
        out.push_str(token);
        return;
    }
    let mut run_start: Option<usize> = None;
    let mut run_has_digit = false;
    let flush = |out: &mut String, run: &str, has_digit: bool| {
        if !has_digit {
            out.push_str(run);
        } else if run.contains(['.', '/', '@', '#'])
            || run
                .chars()
                .all(|c| c.is_ascii_hexdigit() || "_-+xX".contains(c))
        {
            // A number, hex id, date, version, address, host or path: one variable.
            out.push_str(WILDCARD);
        } else {
            // A word with a number in it (`node-17`, `SOCKS5`): the number varies.
            push_digits_replaced(run, out);
        }
    };
    for (i, c) in token.char_indices() {
        if is_word_char(c) {
            if run_start.is_none() {
                run_start = Some(i);
                run_has_digit = false;
            }
            run_has_digit |= c.is_ascii_digit();
        } else {
            if let Some(start) = run_start.take() {
                flush(out, &token[start..i], run_has_digit);
            }
            out.push(c);
        }
    }
    if let Some(start) = run_start {
        flush(out, &token[start..], run_has_digit);
    }
}

/// English month and weekday names: parts of timestamps when next to a number.
const DATE_WORDS: &[&str] = &[
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Mon",
    "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
];

/// Appends `run` with each (signed) sequence of digits replaced by `<*>`.
fn push_digits_replaced(run: &str, out: &mut String) {
    let mut in_digits = false;
    let mut chars = run.chars().peekable();
    while let Some(c) = chars.next() {
        // A sign belongs to its number: `blk_-42` and `blk_42` have one shape.
        let signed = matches!(c, '-' | '+') && chars.peek().is_some_and(char::is_ascii_digit);
        if c.is_ascii_digit() || signed {
            if !in_digits {
                out.push_str(WILDCARD);
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
    }
}

/// The normalised form of a masked text: its tokens, rewritten, joined by one space.
/// Two texts with the same normalised form always share a template.
pub fn normalise(text: &str, literals: &HashSet<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut tokens = text.split_whitespace().peekable();
    let mut after_number = false;
    while let Some(token) = tokens.next() {
        if !out.is_empty() {
            out.push(' ');
        }
        // Masking may already have turned the day or time into a placeholder.
        let number =
            |t: &str| t.bytes().next().is_some_and(|b| b.is_ascii_digit()) || is_wildcard(t);
        let next_number = tokens.peek().is_some_and(|t| number(t));
        if (after_number || next_number) && DATE_WORDS.contains(&token) && !literals.contains(token)
        {
            out.push_str(WILDCARD);
        } else {
            push_normalised(token, literals, &mut out);
        }
        after_number = number(token);
    }
    out
}

/// Whether a normalised token holds a variable (`<*>` or a typed placeholder).
pub fn is_variable(token: &str) -> bool {
    let bytes = token.as_bytes();
    let mut i = 0;
    while let Some(open) = memchr::memchr(b'<', &bytes[i..]) {
        let start = i + open + 1;
        let mut end = start;
        while end < bytes.len()
            && (bytes[end].is_ascii_uppercase()
                || bytes[end] == b'*'
                || (end > start && (bytes[end].is_ascii_digit() || bytes[end] == b'_')))
        {
            end += 1;
        }
        if end > start && end < bytes.len() && bytes[end] == b'>' {
            let name = &token[start..end];
            if name == "*" || !name.contains('*') {
                return true;
            }
        }
        i = start;
    }
    false
}

/// Whether a normalised token is a variable and nothing else (`<*>`, `<CARD>`).
pub fn is_wildcard(token: &str) -> bool {
    token == WILDCARD
        || (token.len() > 2
            && token.starts_with('<')
            && token.ends_with('>')
            && token[1..token.len() - 1].bytes().enumerate().all(|(i, b)| {
                b.is_ascii_uppercase() || (i > 0 && (b.is_ascii_digit() || b == b'_'))
            }))
}

/// What is left of a token without its variables: `(<*>)` → `()`. Two tokens
/// with the same residue differ only in their variables.
pub fn residue(token: &str) -> std::borrow::Cow<'_, str> {
    crate::mask::PLACEHOLDER_RE.replace_all(token, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(text: &str) -> String {
        normalise(text, &HashSet::new())
    }

    #[test]
    fn digit_runs_become_wildcards_and_keep_the_token_shape() {
        assert_eq!(norm("uid=1000, pid=17"), "uid=<*>, pid=<*>");
        assert_eq!(norm("node-17 at 10.0.0.1:80"), "node<*> at <*>:<*>");
        assert_eq!(norm("blk_-42 blk_42"), "blk_<*> blk_<*>");
        assert_eq!(
            norm("tag=\"View\", ws=null, a=b=c"),
            "tag=<*>\", ws=<*>, a=b=c"
        );
        assert_eq!(norm("via SOCKS5 0x1f"), "via SOCKS<*> <*>");
        assert_eq!(norm("Connection   closed"), "Connection closed");
        assert_eq!(
            norm("at Fri Jul  1 07:57:30 2005"),
            "at Fri <*> <*> <*>:<*>:<*> <*>"
        );
        // The same timestamp after masking: the month still varies.
        assert_eq!(
            norm("at Jul <NUM> <TIME> <NUM>"),
            "at <*> <NUM> <TIME> <NUM>"
        );
        assert_eq!(norm("May I help"), "May I help");
        assert_eq!(
            norm("Ошибка 500: сервер недоступен"),
            "Ошибка <*>: сервер недоступен"
        );
    }

    #[test]
    fn placeholders_and_literals_are_kept() {
        assert_eq!(
            norm("Сумма <AMOUNT> на карте <CARD>"),
            "Сумма <AMOUNT> на карте <CARD>"
        );
        let literals: HashSet<String> = ["HTTP/1.1".to_string()].into();
        assert_eq!(normalise("GET HTTP/1.1 404", &literals), "GET HTTP/1.1 <*>");
    }

    #[test]
    fn variables_are_recognised() {
        assert!(is_variable("<*>"));
        assert!(is_variable("uid=<NUM>,"));
        assert!(is_variable("<CARD>"));
        assert!(!is_variable("<html>"));
        assert!(!is_variable("a<b"));
        assert!(!is_variable("Ошибка"));
        assert!(is_wildcard("<CARD>") && is_wildcard("<*>"));
        assert_eq!(residue("(uid=<*>)"), "(uid=)");
        assert!(!is_wildcard("uid=<*>") && !is_wildcard("<html>") && !is_wildcard("<>"));
    }
}
