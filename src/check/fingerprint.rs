//! Fingerprints: how a finding is recognised again in a later check.
//!
//! A fingerprint hashes the flag's kind, its system, and the definition key or
//! the template id it is about (a template id is itself a hash of the system and
//! the template text). Never the file, line or message: editing elsewhere in a
//! file, moving a key, or rewording a message keeps the fingerprint.

use crate::model::KindId;

/// Version prefix, so a future change of the recipe cannot match old baselines.
const VERSION: &str = "v1";

/// The fingerprint of a flag of `kind` on `key` or `template` in `system`.
pub fn fingerprint(
    kind: KindId,
    system: &str,
    key: Option<&str>,
    template: Option<&str>,
) -> String {
    let subject = match (key, template) {
        (_, Some(t)) => format!("template\0{t}"),
        (Some(k), None) => format!("key\0{k}"),
        (None, None) => String::new(),
    };
    let hash = xxhash_rust::xxh3::xxh3_128(format!("{kind}\0{system}\0{subject}").as_bytes());
    format!("{VERSION}:{hash:032x}")
}

/// Makes repeated fingerprints distinct (`…#2`, `…#3`), in the given order: one
/// key may carry two flags of one kind (e.g. too long for two fields).
pub fn disambiguate(fingerprints: &mut [String]) {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for fp in fingerprints.iter_mut() {
        let n = seen.entry(fp.clone()).or_default();
        *n += 1;
        if *n > 1 {
            fp.push_str(&format!("#{n}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depends_on_kind_system_and_subject_only() {
        let a = fingerprint(KindId::Stale, "abs", Some("ERR_1"), None);
        assert_eq!(a, fingerprint(KindId::Stale, "abs", Some("ERR_1"), None));
        assert!(a.starts_with("v1:"));
        assert_ne!(a, fingerprint(KindId::Stale, "abs", Some("ERR_2"), None));
        assert_ne!(a, fingerprint(KindId::Stale, "cards", Some("ERR_1"), None));
        assert_ne!(
            a,
            fingerprint(KindId::NeverSeen, "abs", Some("ERR_1"), None)
        );
        // A key and a template id that happen to be equal are different subjects.
        assert_ne!(a, fingerprint(KindId::Stale, "abs", None, Some("ERR_1")));
    }

    #[test]
    fn repeats_get_numbered_in_order() {
        let fp = fingerprint(KindId::FieldTooLong, "abs", Some("K"), None);
        let mut list = vec![fp.clone(), fp.clone(), "other".to_string(), fp.clone()];
        disambiguate(&mut list);
        assert_eq!(
            list,
            vec![
                fp.clone(),
                format!("{fp}#2"),
                "other".to_string(),
                format!("{fp}#3")
            ]
        );
    }
}
