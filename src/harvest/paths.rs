//! Paths as users see them: personal data in a file's name is masked.
//!
//! Logs are often named after what they hold (`ivan.petrov@mail.ru.log`,
//! `client-79123456789.log`); the path of every definition, sample, warning
//! and report would otherwise carry that name out of the host. Each part of a
//! shown path passes through the same [`Masker`] as texts; a part is replaced
//! only when masking found personal data in it, so dates and numbers in
//! ordinary names (`2024-06-25.log`) stay as written. A masked path ends in
//! `#` and a hash of the real one: two files whose names differ only in the
//! personal data stay two files in the catalog (their provenance and
//! tracking rows are keyed by the shown path), and the hash tells nothing of
//! the name.
//!
//! Discovery shows paths as found; the scan masks them here, before anything
//! is stored or printed, because masking is a later stage than discovery.

use crate::discover::{Discovery, FileTally};
use crate::mask::Masker;
use crate::scan::SourceFile;

/// Masks the personal data of every path a discovery will show or store.
pub(super) fn mask_discovery(masker: &Masker, discovery: &mut Discovery<SourceFile<'_>>) {
    for file in &mut discovery.files {
        file.display = shown(masker, &file.display);
    }
    for warning in &mut discovery.skipped {
        warning.path = shown(masker, &warning.path);
    }
    let passed = &mut discovery.passed_over;
    for tally in [
        &mut passed.unknown_format,
        &mut passed.no_source,
        &mut passed.binary,
    ] {
        mask_tally(masker, tally);
    }
}

fn mask_tally(masker: &Masker, tally: &mut FileTally) {
    for example in &mut tally.examples {
        *example = shown(masker, example);
    }
}

/// The path with each part that holds personal data masked (and the real
/// path's hash appended), or the path itself.
pub(super) fn shown(masker: &Masker, path: &str) -> String {
    let mut changed = false;
    let parts: Vec<String> = path
        .split('/')
        .map(|part| {
            let masked = masker.mask(part);
            if masked.pii.is_empty() {
                part.to_string()
            } else {
                changed = true;
                masked.text
            }
        })
        .collect();
    if !changed {
        return path.to_string();
    }
    let hash = xxhash_rust::xxh3::xxh3_64(path.as_bytes());
    format!("{}#{:08x}", parts.join("/"), hash >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masker() -> Masker {
        Masker::new(&crate::rules::Rules::default())
    }

    #[test]
    fn personal_data_in_a_name_is_masked_and_the_file_stays_distinct() {
        let m = masker();
        let a = shown(&m, "logs/ivan.petrov@mail.ru.log");
        let b = shown(&m, "logs/olga@mail.ru.log");
        // The domain pattern takes `.log` as one more label: the whole name goes.
        assert!(a.starts_with("logs/<EMAIL>#"), "{a}");
        assert!(!a.contains("ivan"), "{a}");
        assert_ne!(a, b);
        assert_eq!(a, shown(&m, "logs/ivan.petrov@mail.ru.log"), "stable");
        let phone = shown(&m, "/var/log/sms/client-+79123456789.log");
        assert!(!phone.contains("9123456789"), "{phone}");
    }

    #[test]
    fn ordinary_names_stay_as_written() {
        let m = masker();
        for path in [
            "fixtures/bank/ibank/logs/app-2024-06-25.log",
            "/var/log/ibank/node01/server.log.1.gz",
            "rules/abs.yaml",
        ] {
            assert_eq!(shown(&m, path), path);
        }
    }
}
