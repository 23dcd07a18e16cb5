//! The words every stage shares: roles, states, units, match kinds, personal-data
//! kinds, format ids, flag kinds and severities.
//!
//! Each is an enum with one stable name per variant, written the same in rules,
//! catalog rows and every output. Stages compare the enums, never their names: a
//! typo is a compile error, not a silently different flag. Names are parsed in one
//! place ([`Vocabulary::parse`]); rules deserialise straight into the enums, with a
//! did-you-mean for an unknown name.

use serde::{Deserialize, Deserializer, de};

/// A closed set of named values, stored and written by name.
pub trait Vocabulary: Copy + Sized + 'static {
    /// What one value is called in messages (`format`, `flag kind`).
    const WHAT: &'static str;
    /// Every value, in declaration (documentation) order.
    const ALL: &'static [Self];
    /// The stable name.
    fn as_str(self) -> &'static str;

    /// The value named `name`, exactly.
    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == name)
    }

    /// Every name, in order.
    fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|v| v.as_str()).collect()
    }

    /// The value named `name`, or the message for an unknown one:
    /// ``unknown format `propertiess` (did you mean `properties`?)``.
    fn parse_or_suggest(name: &str) -> Result<Self, String> {
        Self::parse(name).ok_or_else(|| {
            format!(
                "unknown {} `{name}`{}",
                Self::WHAT,
                did_you_mean(name, &Self::names())
            )
        })
    }
}

/// ` (did you mean `x`?)` for the closest candidate, or nothing when none is close.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Declares a [`Vocabulary`] enum with its names, `Display`, serde by name and
/// clap's `ValueEnum` (so a CLI choice is the enum itself).
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $crate::model::Vocabulary for $name {
            const WHAT: &'static str = $what;
            const ALL: &'static [$name] = &[$($name::$variant,)*];
            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }

        impl $name {
            /// The stable name.
            pub fn as_str(self) -> &'static str {
                $crate::model::Vocabulary::as_str(self)
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = <String as ::serde::Deserialize>::deserialize(d)?;
                <$name as $crate::model::Vocabulary>::parse_or_suggest(&name)
                    .map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }

        impl ::clap::ValueEnum for $name {
            fn value_variants<'a>() -> &'a [Self] {
                <$name as $crate::model::Vocabulary>::ALL
            }

            fn to_possible_value(&self) -> Option<::clap::builder::PossibleValue> {
                Some(::clap::builder::PossibleValue::new(self.as_str()))
            }
        }
    };
}

/// Declares a closed set of names (output formats, report entities) the same way.
pub(crate) use vocabulary;

/// Encodings are named in rules by any label errata knows (`cp1251`, `KOI8-R`).
impl<'de> Deserialize<'de> for crate::charset::Charset {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let label = String::deserialize(d)?;
        crate::charset::Charset::from_label(&label).ok_or_else(|| {
            de::Error::custom(format!(
                "unknown encoding `{label}`{}",
                did_you_mean(&label, crate::charset::Charset::known_labels())
            ))
        })
    }
}

vocabulary! {
    /// What a source holds: message catalogs define texts, logs observe them.
    Role ("role") {
        Definitions = "definitions",
        Observations = "observations",
    }
}

vocabulary! {
    /// The life-cycle state of a catalog entry, as the catalog format records it.
    #[derive(Default)]
    DefinitionState ("definition state") {
        /// A normal, translated, live entry.
        #[default]
        Live = "live",
        /// Marked as needing review (gettext `#, fuzzy`, XLIFF `needs-review`).
        Fuzzy = "fuzzy",
        /// Present but with no text in this locale (empty `msgstr`, XLIFF `new`).
        Untranslated = "untranslated",
        /// Kept in the file only as history (gettext `#~`): not a live definition.
        Obsolete = "obsolete",
    }
}

impl DefinitionState {
    /// Whether the entry is a live catalog entry (obsolete ones are history only).
    pub fn is_live(self) -> bool {
        self != DefinitionState::Obsolete
    }
}

vocabulary! {
    /// The unit a field's maximum length counts in.
    Unit ("unit") {
        /// Unicode scalar values.
        Chars = "chars",
        /// Bytes once encoded in the field's encoding.
        Bytes = "bytes",
        /// UTF-16 code units (.NET, Java, JavaScript string lengths).
        Utf16 = "utf16",
        /// SMS segments (GSM-7 or UCS-2, whichever the text needs).
        SmsSegments = "sms_segments",
    }
}

vocabulary! {
    /// How an observed template was tied to its definition.
    MatchKind ("match kind") {
        /// The extractor captured the definition's key or code.
        Key = "key",
        /// The template fits the definition's template.
        Template = "template",
        /// The template is a prefix of the definition's, cut short (a legacy field
        /// too narrow for the text): evidence of the definition, marked as truncated.
        Truncated = "truncated",
    }
}

vocabulary! {
    /// A kind of personal data, as counted in evidence (never with the value).
    PiiKind ("personal data kind") {
        Card = "card",
        Account = "account",
        Email = "email",
        Phone = "phone",
        Inn = "inn",
        Snils = "snils",
    }
}

impl PiiKind {
    /// The placeholder that replaces a value of this kind.
    pub fn placeholder(self) -> &'static str {
        match self {
            PiiKind::Card => "<CARD>",
            PiiKind::Account => "<ACCOUNT>",
            PiiKind::Email => "<EMAIL>",
            PiiKind::Phone => "<PHONE>",
            PiiKind::Inn => "<INN>",
            PiiKind::Snils => "<SNILS>",
        }
    }
}

vocabulary! {
    /// A file format errata reads (`format:` in the rules); each has one scanner
    /// in `scan/`, listed in the same order.
    FormatId ("format") {
        Properties = "properties",
        JsonLines = "json_lines",
        JsonI18n = "json_i18n",
        Log4j = "log4j",
        Syslog = "syslog",
        W3c = "w3c",
        Kv = "kv",
        FixedWidth = "fixed_width",
        Resx = "resx",
        Xliff = "xliff",
        Android = "android",
        Sql = "sql",
        Cobol = "cobol",
        CobolProgram = "cobol_program",
        Bms = "bms",
        Xsd = "xsd",
        LogLines = "log_lines",
        Po = "po",
        Yaml = "yaml",
        Csv = "csv",
        Records = "records",
        Java = "java",
        Kotlin = "kotlin",
    }
}

vocabulary! {
    /// A kind of flag; each has one file in `audit/` with its docs, severity,
    /// advice and check. Declared most severe first (errors, warnings, notes;
    /// the suppression kinds last): the order of every list of kinds.
    KindId ("flag kind") {
        FieldTooLong = "field-too-long",
        Truncated = "truncated",
        UnencodableChar = "unencodable-char",
        PiiExposed = "pii-exposed",
        PlaceholderMismatch = "placeholder-mismatch",
        DuplicateKey = "duplicate-key",
        NarrowingMove = "narrowing-move",
        Undefined = "undefined",
        OutdatedTerm = "outdated-term",
        InconsistentText = "inconsistent-text",
        NearDuplicate = "near-duplicate",
        Stale = "stale",
        NeverSeen = "never-seen",
        ExpiredSuppression = "expired-suppression",
        UnusedSuppression = "unused-suppression",
    }
}

vocabulary! {
    /// How bad a finding is; ordered, so `--fail-on` compares.
    Severity ("severity") {
        Note = "note",
        Warning = "warning",
        Error = "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names_are_unique<V: Vocabulary>() {
        let mut names = V::names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), V::ALL.len(), "{}", V::WHAT);
        for v in V::ALL {
            assert_eq!(V::parse(v.as_str()).map(|p| p.as_str()), Some(v.as_str()));
        }
    }

    #[test]
    fn every_vocabulary_round_trips_by_name() {
        names_are_unique::<Role>();
        names_are_unique::<DefinitionState>();
        names_are_unique::<Unit>();
        names_are_unique::<MatchKind>();
        names_are_unique::<PiiKind>();
        names_are_unique::<FormatId>();
        names_are_unique::<KindId>();
        names_are_unique::<Severity>();
    }

    #[test]
    fn unknown_names_suggest_the_closest() {
        assert_eq!(
            FormatId::parse_or_suggest("propertiess").unwrap_err(),
            "unknown format `propertiess` (did you mean `properties`?)"
        );
        assert_eq!(
            KindId::parse_or_suggest("stail").unwrap_err(),
            "unknown flag kind `stail` (did you mean `stale`?)"
        );
        assert_eq!(Severity::parse("fatal"), None);
        let yaml: Result<Unit, _> = serde_yaml::from_str("bites");
        assert!(
            yaml.unwrap_err()
                .to_string()
                .contains("did you mean `bytes`")
        );
    }

    #[test]
    fn severities_are_ordered_for_fail_on() {
        assert!(Severity::Error > Severity::Warning);
        assert!(Severity::Warning > Severity::Note);
    }

    #[test]
    fn kind_names_are_kebab_case() {
        for k in KindId::ALL {
            assert!(
                k.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{k}"
            );
        }
    }
}
