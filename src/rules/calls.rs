//! Calls whose arguments are client texts (`calls:` of a Java or Kotlin
//! source): `"addError(text)"`, `"PlatformDataIntegrityException(code, text)"`.
//! Parsed while the rules load, so a malformed one is an error at its position.

use std::str::FromStr;

use serde::{Deserialize, Deserializer, de};

/// What one argument of a named call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallArg {
    /// The message code: the definition's key.
    Code,
    /// The message text (a literal, concatenation or format pattern).
    Text,
    /// Anything else (`_`).
    Other,
}

/// A call the rules name: its simple name (a method or class) and what its
/// leading arguments are; later arguments are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallSpec {
    pub name: String,
    pub args: Vec<CallArg>,
}

impl FromStr for CallSpec {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let problem = |why: &str| {
            format!(
                "invalid call `{s}`: {why} (write `name(text)` or `name(code, text)`; \
                 arguments are `code`, `text` or `_`)"
            )
        };
        let (name, rest) = s
            .trim()
            .split_once('(')
            .ok_or_else(|| problem("no argument list"))?;
        let args = rest
            .strip_suffix(')')
            .ok_or_else(|| problem("no closing parenthesis"))?;
        let name = name.trim();
        let is_ident = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
            && name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '$');
        if !is_ident {
            return Err(problem("the name must be one identifier"));
        }
        let args = args
            .split(',')
            .map(|a| match a.trim() {
                "code" => Ok(CallArg::Code),
                "text" => Ok(CallArg::Text),
                "_" => Ok(CallArg::Other),
                other => Err(problem(&format!("unknown argument `{other}`"))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let count = |a| args.iter().filter(|&&x| x == a).count();
        if count(CallArg::Text) != 1 || count(CallArg::Code) > 1 {
            return Err(problem("one `text` and at most one `code` argument"));
        }
        Ok(CallSpec {
            name: name.to_string(),
            args,
        })
    }
}

impl<'de> Deserialize<'de> for CallSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_and_bad_ones_say_why() {
        assert_eq!(
            "PlatformDataIntegrityException(code, text)".parse(),
            Ok(CallSpec {
                name: "PlatformDataIntegrityException".into(),
                args: vec![CallArg::Code, CallArg::Text],
            })
        );
        assert_eq!(
            " reject( _ , text ) ".parse::<CallSpec>().map(|c| c.args),
            Ok(vec![CallArg::Other, CallArg::Text])
        );
        for (bad, why) in [
            ("addError", "no argument list"),
            ("addError(text", "no closing parenthesis"),
            ("errors.add(text)", "the name must be one identifier"),
            ("add(message)", "unknown argument `message`"),
            ("add(code)", "one `text` and at most one `code`"),
            ("add(text, text)", "one `text` and at most one `code`"),
        ] {
            let e = bad.parse::<CallSpec>().unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}
