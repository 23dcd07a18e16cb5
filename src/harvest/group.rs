//! Grouping one file's masked observations by text (and the key they carried):
//! the catalog keeps each group's [`Sightings`], the same aggregate from the
//! first observation to a template's totals.

use std::collections::HashMap;

use crate::catalog::{GroupDelta, group_id};
use crate::model::{MaskedObservation, Sightings};

/// Observations of one masked text within one file.
pub(super) struct MaskedGroup {
    pub text: String,
    pub key: Option<String>,
    pub seen: Sightings,
}

impl MaskedGroup {
    /// The first line of the file it was seen on.
    pub fn first_line(&self) -> u64 {
        self.seen
            .sources
            .values()
            .map(|s| s.first_line)
            .min()
            .unwrap_or(0)
    }
}

/// One file's masked observations, grouped by text and the key they carried
/// (texts with different codes are different groups, whatever the template).
#[derive(Default)]
pub(super) struct Groups(HashMap<String, Vec<MaskedGroup>>);

impl Groups {
    pub fn add(&mut self, obs: MaskedObservation) {
        // Most observations repeat a text already seen in the file: look it up
        // without copying it, and copy it only for a new group.
        let seen = Sightings::of(&obs);
        if let Some(same_text) = self.0.get_mut(&obs.text) {
            match same_text.iter_mut().find(|g| g.key == obs.key) {
                Some(g) => g.seen.merge(&seen),
                None => same_text.push(MaskedGroup {
                    text: obs.text,
                    key: obs.key,
                    seen,
                }),
            }
            return;
        }
        self.0.insert(
            obs.text.clone(),
            vec![MaskedGroup {
                text: obs.text,
                key: obs.key,
                seen,
            }],
        );
    }

    /// The groups in file order (first line, then text, then key).
    pub fn into_sorted(self) -> Vec<MaskedGroup> {
        let mut groups: Vec<MaskedGroup> = self.0.into_values().flatten().collect();
        groups.sort_by(|a, b| {
            a.first_line()
                .cmp(&b.first_line())
                .then(a.text.cmp(&b.text))
                .then(a.key.cmp(&b.key))
        });
        groups
    }
}

/// One file's masked groups as the catalog stores them.
pub(super) fn deltas(system: &str, groups: Vec<MaskedGroup>) -> Vec<GroupDelta> {
    groups
        .into_iter()
        .map(|g| GroupDelta {
            id: group_id(system, g.key.as_deref(), &g.text),
            system: system.to_string(),
            key: g.key,
            text: g.text,
            seen: g.seen,
        })
        .collect()
}
