//! Grouping one file's masked observations by text, then a batch's groups by
//! template: the same [`Sightings`] aggregate all the way, merged as it goes.

use std::collections::HashMap;

use crate::catalog::TemplateDelta;
use crate::cluster::Assignment;
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

/// One file's masked observations, grouped by text.
#[derive(Default)]
pub(super) struct Groups(HashMap<String, MaskedGroup>);

impl Groups {
    pub fn add(&mut self, obs: MaskedObservation) {
        // Most observations repeat a text already seen in the file: look it up
        // without copying it, and copy it only for a new group.
        let seen = Sightings::of(&obs);
        match self.0.get_mut(&obs.text) {
            Some(g) => {
                g.seen.merge(&seen);
                if g.key.is_none() {
                    g.key = obs.key;
                }
            }
            None => {
                self.0.insert(
                    obs.text.clone(),
                    MaskedGroup {
                        text: obs.text,
                        key: obs.key,
                        seen,
                    },
                );
            }
        }
    }

    /// The groups in file order (first line, then text).
    pub fn into_sorted(self) -> Vec<MaskedGroup> {
        let mut groups: Vec<MaskedGroup> = self.0.into_values().collect();
        groups.sort_by(|a, b| {
            a.first_line()
                .cmp(&b.first_line())
                .then(a.text.cmp(&b.text))
        });
        groups
    }
}

/// Turns one file's masked groups into template deltas, in file order.
pub(super) fn template_deltas(
    system: &str,
    groups: Vec<MaskedGroup>,
    templates: &HashMap<String, Assignment>,
) -> Vec<TemplateDelta> {
    let mut deltas: Vec<TemplateDelta> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    for g in groups {
        // `mine` assigned every observed text of the run.
        let assigned = &templates[&g.text];
        let i = *position.entry(assigned.id.clone()).or_insert_with(|| {
            deltas.push(TemplateDelta {
                id: assigned.id.clone(),
                system: system.to_string(),
                template: assigned.template.clone(),
                key: None,
                seen: Sightings::new(0, g.seen.first_seen, g.seen.last_seen),
            });
            deltas.len() - 1
        });
        let d = &mut deltas[i];
        d.template.clone_from(&assigned.template);
        d.seen.merge(&g.seen);
        if d.key.is_none() {
            d.key = g.key;
        }
    }
    deltas
}
