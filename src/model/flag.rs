//! A flag: one finding about a definition key or an observed template. Audit
//! raises flags, the catalog stores them with their run, reports and the check
//! render them: one shape for all.

use serde::Serialize;

use super::KindId;

/// One finding about a definition key or an observed template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flag {
    pub kind: KindId,
    pub system: String,
    /// The definition key, when the flag is about a definition.
    pub key: Option<String>,
    /// The template id, when the flag is about a template.
    pub template: Option<String>,
    pub message: String,
    /// Kind-specific facts behind the flag (never personal data).
    pub evidence: serde_json::Value,
    /// The suppression's reason, when the rules suppress this flag.
    pub suppressed: Option<String>,
}

impl Flag {
    /// A flag about the key of a definition.
    pub fn on_key(
        kind: KindId,
        system: &str,
        key: &str,
        message: String,
        evidence: serde_json::Value,
    ) -> Flag {
        Flag {
            kind,
            system: system.to_string(),
            key: Some(key.to_string()),
            template: None,
            message,
            evidence,
            suppressed: None,
        }
    }

    /// A flag about the observed template `template` (its id) of `system`.
    pub fn on_template(
        kind: KindId,
        system: &str,
        template: &str,
        message: String,
        evidence: serde_json::Value,
    ) -> Flag {
        Flag {
            kind,
            system: system.to_string(),
            key: None,
            template: Some(template.to_string()),
            message,
            evidence,
            suppressed: None,
        }
    }
}
