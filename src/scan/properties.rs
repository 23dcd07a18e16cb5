//! Java `.properties` bundles, read with `java.util.Properties` semantics.
//!
//! The reader follows `Properties.load` (JDK 17) step by step, because bundles
//! rely on its quirks: logical lines continue while a physical line ends in an
//! odd number of backslashes (the next line's leading blanks dropped); `#` and
//! `!` start comments only at the start of a logical line (and comments never
//! continue); the key ends at the first unescaped `=`, `:` or blank, and one
//! `=`/`:` plus surrounding blanks separate it from the value; `\t \n \r \f`
//! and `\uHHHH` are decoded (UTF-16 surrogate pairs joined), any other escaped
//! character stands for itself (`\:` → `:`, `\ ` → ` `).
//!
//! Charset, when the rules declare none: as Java 9+ `PropertyResourceBundle`
//! reads bundles, UTF-8, and ISO-8859-1 only when the file is not valid UTF-8
//! (a warning names its first invalid line, since ISO-8859-1 may be a wrong
//! guess for a legacy Cyrillic file). read/ decodes before this scanner runs.
//!
//! Differences from Java, on purpose: a repeated key is emitted once per
//! occurrence (Java keeps the last value) so the catalog keeps every text and
//! the audit can flag the duplicate; a malformed `\uHHHH` makes Java throw and
//! abort the whole file, errata warns and skips that one entry. The locale
//! comes from the bundle name (`messages_pt_BR.properties` → `pt_BR`).
//!
//! MessageFormat quoting: a value with `{n}` arguments reaches clients through
//! `java.text.MessageFormat` (Spring's `MessageSource`, Keycloak's themes,
//! `ResourceBundle` plus `MessageFormat.format`), which reads `''` as one `'`
//! and a quoted stretch (`'{'`, `'auth'`) as literal text without its quotes.
//! The client sees `don't` where the file says `don''t`, so the definition's
//! text is the pattern unquoted (what matching, measuring and reports use) and
//! the value as `Properties.load` gives it is kept as the definition's `raw`
//! text (provenance). The source option `message_format: true` unquotes every
//! value (bundles always formatted, even without arguments), `false` none.
//! Arguments (`{0,number,#}`) are kept as written, quotes inside them too.

use std::io::BufRead;

use super::{Item, ScanContext, Scanner, locale_from_path, read_document};
use crate::charset::Charset;
use crate::model::{Definition, FormatId, Location, Role, Warning};

pub struct Properties;

impl Scanner for Properties {
    fn id(&self) -> FormatId {
        FormatId::Properties
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["properties"]
    }

    fn default_encoding(&self) -> Option<Charset> {
        // ISO-8859-1, which WHATWG (and so encoding_rs) reads as windows-1252.
        Some(Charset::WINDOWS_1252)
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let Some(text) = read_document(input, ctx, emit) else {
            return;
        };
        let locale = locale_from_path(ctx.path).or_else(|| ctx.locale.map(str::to_string));
        for line in logical_lines(&text, ctx.first_line) {
            match parse_entry(&line.chars) {
                Ok((key, value)) => {
                    let formatted = ctx
                        .options
                        .message_format
                        .unwrap_or_else(|| has_arguments(&value));
                    let text = if formatted {
                        unquote_message_format(&value)
                    } else {
                        value.clone()
                    };
                    let raw = (text != value).then_some(value);
                    let mut d = Definition::new(key, text, Location::new(ctx.path, line.number));
                    d.raw = raw;
                    d.locale = locale.clone();
                    emit(Item::Definition(d));
                }
                Err(message) => emit(Item::Warning(Warning::new(
                    ctx.path,
                    Some(line.number),
                    format!("{message}, entry skipped"),
                ))),
            }
        }
    }
}

/// One logical line: continuation backslashes removed, still escaped.
struct LogicalLine {
    /// Physical line the logical line starts on.
    number: u64,
    chars: Vec<char>,
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// `Properties.LineReader.readLine`, over the whole text.
fn logical_lines(text: &str, first_line: u64) -> Vec<LogicalLine> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut line_no = first_line;
    let mut i = 0;
    let mut buf: Vec<char> = Vec::new();
    let mut start_line = line_no;
    let mut skip_blanks = true;
    let mut appended_line_begin = false;
    let mut preceding_backslash = false;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if skip_blanks {
            if is_blank(c) {
                continue;
            }
            if !appended_line_begin && (c == '\r' || c == '\n') {
                line_no += newline_len(c, &chars, &mut i);
                continue;
            }
            skip_blanks = false;
            appended_line_begin = false;
        }
        if buf.is_empty() {
            start_line = line_no;
            if c == '#' || c == '!' {
                // A comment runs to the end of the physical line and never continues.
                while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                    i += 1;
                }
                skip_blanks = true;
                continue;
            }
        }
        if c != '\n' && c != '\r' {
            buf.push(c);
            preceding_backslash = c == '\\' && !preceding_backslash;
            continue;
        }
        line_no += newline_len(c, &chars, &mut i);
        if buf.is_empty() {
            skip_blanks = true;
            continue;
        }
        if preceding_backslash && i < chars.len() {
            buf.pop();
            skip_blanks = true;
            appended_line_begin = true;
            preceding_backslash = false;
        } else {
            if preceding_backslash {
                buf.pop();
            }
            out.push(LogicalLine {
                number: start_line,
                chars: std::mem::take(&mut buf),
            });
            skip_blanks = true;
            preceding_backslash = false;
        }
    }
    if !buf.is_empty() {
        if preceding_backslash {
            buf.pop();
        }
        out.push(LogicalLine {
            number: start_line,
            chars: buf,
        });
    }
    out
}

/// Counts the line break at `c` (consuming the `\n` of a `\r\n`): always one line.
fn newline_len(c: char, chars: &[char], i: &mut usize) -> u64 {
    if c == '\r' && chars.get(*i) == Some(&'\n') {
        *i += 1;
    }
    1
}

/// `Properties.load0`: splits a logical line into key and value, then unescapes both.
fn parse_entry(line: &[char]) -> Result<(String, String), String> {
    let mut key_len = 0;
    let mut value_start = line.len();
    let mut has_separator = false;
    let mut preceding_backslash = false;
    while key_len < line.len() {
        let c = line[key_len];
        if (c == '=' || c == ':') && !preceding_backslash {
            value_start = key_len + 1;
            has_separator = true;
            break;
        }
        if is_blank(c) && !preceding_backslash {
            value_start = key_len + 1;
            break;
        }
        preceding_backslash = c == '\\' && !preceding_backslash;
        key_len += 1;
    }
    while value_start < line.len() {
        let c = line[value_start];
        if !is_blank(c) {
            if !has_separator && (c == '=' || c == ':') {
                has_separator = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    Ok((unescape(&line[..key_len])?, unescape(&line[value_start..])?))
}

/// `Properties.loadConvert`: decodes escapes; `\uHHHH` are UTF-16 code units.
fn unescape(s: &[char]) -> Result<String, String> {
    let mut units: Vec<u16> = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let mut c = s[i];
        i += 1;
        if c == '\\' && i < s.len() {
            c = s[i];
            i += 1;
            if c == 'u' {
                let hex: String = s
                    .get(i..i + 4)
                    .map(|h| h.iter().collect())
                    .unwrap_or_default();
                let unit = (hex.len() == 4 && hex.chars().all(|h| h.is_ascii_hexdigit()))
                    .then(|| u16::from_str_radix(&hex, 16).ok())
                    .flatten()
                    .ok_or_else(|| "malformed \\uxxxx encoding".to_string())?;
                units.push(unit);
                i += 4;
                continue;
            }
            c = match c {
                't' => '\t',
                'r' => '\r',
                'n' => '\n',
                'f' => '\u{c}',
                other => other,
            };
        }
        let mut buf = [0u16; 2];
        units.extend_from_slice(c.encode_utf16(&mut buf));
    }
    // A lone surrogate escape has no Unicode scalar value; U+FFFD stands in, as in
    // any Java-to-UTF-8 conversion.
    Ok(String::from_utf16_lossy(&units))
}

/// Whether a value has a MessageFormat argument (`{0}`, `{1,number}`); named
/// ones (`{value}`, Hibernate Validator's) are not MessageFormat's.
fn has_arguments(value: &str) -> bool {
    value
        .split('{')
        .skip(1)
        .any(|rest| rest.trim_start().starts_with(|c: char| c.is_ascii_digit()))
}

/// The text `java.text.MessageFormat` shows for a pattern, arguments left as
/// written: `''` is one `'`, a quoted stretch is literal text without its quotes
/// (an unclosed quote runs to the end, as in Java).
fn unquote_message_format(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    let mut quoted = false;
    let mut depth = 0usize;
    while let Some(c) = chars.next() {
        if depth > 0 {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            out.push(c);
            continue;
        }
        match c {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push('\'');
            }
            '\'' => quoted = !quoted,
            '{' if !quoted => {
                depth = 1;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;

    fn scan(path: &str, text: &str) -> Vec<Item> {
        crate::scan::testing::scan_text(&Properties, path, &SourceOptions::default(), text)
    }

    fn pairs(got: &[(String, String, u64)]) -> Vec<(&str, &str)> {
        got.iter()
            .map(|(k, v, _)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn entries(text: &str) -> Vec<(String, String, u64)> {
        let items = scan("messages.properties", text);
        crate::scan::testing::definitions(&items)
            .into_iter()
            .map(|d| (d.key.clone(), d.text.clone(), d.location.line))
            .collect()
    }

    /// Regression (#11): the client saw `don't`, errata stored `don''t` and
    /// flagged the definition never-seen and the log text undefined.
    #[test]
    fn message_format_quoting_is_undone_and_the_raw_value_kept() {
        let text = "doNotHave=You don''t have {0} rights.\n\
                    brace=Use '{'name'}' or {0}\n\
                    noArgs=It''s fine\n\
                    named=must be ''{value}''\n\
                    digest=\\u0434\\u043b\\u044f 'auth' QOP; {0}\n";
        let items = scan("messages_en.properties", text);
        let got: Vec<(&str, &str, Option<&str>)> = crate::scan::testing::definitions(&items)
            .into_iter()
            .map(|d| (d.key.as_str(), d.text.as_str(), d.raw.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "doNotHave",
                    "You don't have {0} rights.",
                    Some("You don''t have {0} rights.")
                ),
                ("brace", "Use {name} or {0}", Some("Use '{'name'}' or {0}")),
                ("noArgs", "It''s fine", None),
                ("named", "must be ''{value}''", None),
                ("digest", "для auth QOP; {0}", Some("для 'auth' QOP; {0}")),
            ]
        );
        let always = SourceOptions {
            message_format: Some(true),
            ..SourceOptions::default()
        };
        let items =
            crate::scan::testing::scan_text(&Properties, "m.properties", &always, "a=It''s fine\n");
        assert_eq!(
            crate::scan::testing::definitions(&items)[0].text,
            "It's fine"
        );
        let never = SourceOptions {
            message_format: Some(false),
            ..SourceOptions::default()
        };
        let items =
            crate::scan::testing::scan_text(&Properties, "m.properties", &never, "a=don''t {0}\n");
        assert_eq!(
            crate::scan::testing::definitions(&items)[0].text,
            "don''t {0}"
        );
        assert_eq!(
            unquote_message_format("{0,choice,0#no '{'|1#one}"),
            "{0,choice,0#no '{'|1#one}"
        );
        assert_eq!(unquote_message_format("a 'b"), "a b");
    }

    #[test]
    fn separators_and_blanks() {
        let got = entries("a=1\nb : 2\nc 3\n  d\t=\t4 \ne\nf==5\ng:=6\nh = \n");
        assert_eq!(
            pairs(&got),
            vec![
                ("a", "1"),
                ("b", "2"),
                ("c", "3"),
                ("d", "4 "),
                ("e", ""),
                ("f", "=5"),
                ("g", "=6"),
                ("h", ""),
            ]
        );
    }

    #[test]
    fn escapes_as_java_decodes_them() {
        let got = entries(
            "key\\ with\\:colon\\=eq = a\\tb\\nc\\rd\\fe\\\\f\\qg\nu=\\u043F\\u0440\\u0438\\u0432\\u0435\\u0442 \\ud83d\\ude00\n",
        );
        assert_eq!(got[0].0, "key with:colon=eq");
        assert_eq!(got[0].1, "a\tb\nc\rd\u{c}e\\fqg");
        assert_eq!(got[1].1, "привет 😀");
    }

    #[test]
    fn continuation_lines_drop_leading_blanks_but_keep_escaped_ones() {
        let got = entries("multi = first \\\n    second \\\n    \\  third\nnext=x\n");
        assert_eq!(got[0], ("multi".into(), "first second   third".into(), 1));
        assert_eq!(got[1], ("next".into(), "x".into(), 4));
    }

    #[test]
    fn even_backslashes_do_not_continue() {
        let got = entries("a=x\\\\\nb=y\n");
        assert_eq!(
            got,
            vec![("a".into(), "x\\".into(), 1), ("b".into(), "y".into(), 2)]
        );
    }

    #[test]
    fn comments_only_at_line_start_and_never_continued() {
        let got = entries("# c \\\nx=1\n  ! bang\ny = #not a comment\nz=a\\\n#kept\n");
        assert_eq!(
            pairs(&got),
            vec![("x", "1"), ("y", "#not a comment"), ("z", "a#kept")]
        );
    }

    #[test]
    fn crlf_and_cr_line_ends_and_final_backslash() {
        let got = entries("a=1\r\nb=2\rc=3\\\r\n  4\r\nd=end\\");
        let pairs: Vec<(&str, &str, u64)> = got
            .iter()
            .map(|(k, v, l)| (k.as_str(), v.as_str(), *l))
            .collect();
        assert_eq!(
            pairs,
            vec![
                ("a", "1", 1),
                ("b", "2", 2),
                ("c", "34", 3),
                ("d", "end", 5)
            ]
        );
    }

    #[test]
    fn blank_continuation_line_ends_the_entry() {
        let got = entries("a=1\\\n   \nb=2\n");
        assert_eq!(
            got,
            vec![("a".into(), "1".into(), 1), ("b".into(), "2".into(), 3)]
        );
    }

    #[test]
    fn duplicates_are_all_emitted_and_malformed_unicode_warns() {
        let items = scan("app_ru.properties", "k=1\nbad=\\u12G4\nk=2\n");
        let defs = crate::scan::testing::definitions(&items);
        assert_eq!(defs.len(), 2);
        assert_eq!((defs[0].text.as_str(), defs[1].text.as_str()), ("1", "2"));
        assert!(defs.iter().all(|d| d.locale.as_deref() == Some("ru")));
        assert!(items.iter().any(
            |i| matches!(i, Item::Warning(w) if w.line == Some(2) && w.message.contains("uxxxx"))
        ));
    }
}
