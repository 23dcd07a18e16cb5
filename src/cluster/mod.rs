//! Templates: grouping masked observation texts, and matching them to definitions.
//!
//! A template is the shared shape of many observations of one message, with
//! variables as placeholders. Its id is stable across runs: the hash of the
//! system (and the key or code the observations carried, if any) and the
//! template's first form, kept as the template generalises.

mod matching;
mod miner;
mod near_duplicates;
pub mod tokenize;

pub use matching::{
    DefinitionIndex, IndexedDefinition, MIN_LITERAL_SHARE, Match, MatchKind, Refusal,
};
pub use miner::{
    Assignment, DEFAULT_MAX_TEMPLATES, MIN_VARIABLE_VALUES, MergeRule, MinerConfig,
    SHORT_MESSAGE_TOKENS, Scored, TemplateMiner, TextHasher, TextMap, similarity,
};
pub use near_duplicates::{NEAR_DUPLICATE_THRESHOLD, NearDupInput, NearDuplicate, near_duplicates};

/// What a miner's template ids are scoped to: the system, and the key or code
/// the texts carried. Texts under different keys never share a template (a
/// template keeps one key), so each key is mined on its own; keyless texts keep
/// the system alone, so their ids are those of catalogs before keys counted.
pub fn template_scope(system: &str, key: Option<&str>) -> String {
    match key {
        Some(key) => format!("{system}\0{key}"),
        None => system.to_string(),
    }
}

/// A stable template id: 16 hex digits of xxh3 over scope (see
/// [`template_scope`]) and template text.
pub fn template_id(system: &str, template: &str) -> String {
    let mut bytes = Vec::with_capacity(system.len() + template.len() + 1);
    bytes.extend_from_slice(system.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(template.as_bytes());
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_system_scoped() {
        assert_eq!(
            template_id("abs", "Ошибка <NUM>"),
            template_id("abs", "Ошибка <NUM>")
        );
        assert_ne!(
            template_id("abs", "Ошибка <NUM>"),
            template_id("web", "Ошибка <NUM>")
        );
        assert_eq!(template_id("abs", "x").len(), 16);
        assert_ne!(
            template_id(&template_scope("abs", Some("E1")), "Ошибка <NUM>"),
            template_id(&template_scope("abs", Some("E2")), "Ошибка <NUM>")
        );
        assert_eq!(
            template_id(&template_scope("abs", None), "Ошибка <NUM>"),
            template_id("abs", "Ошибка <NUM>")
        );
    }
}
