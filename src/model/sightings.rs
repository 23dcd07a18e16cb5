//! What was seen of one observed text: how often, when, where and how long.
//!
//! One aggregate from the first masked observation to the stored template: a file's
//! group of one masked text, a batch's template delta and the catalog's template all
//! carry [`Sightings`]. Counts add up and first/last seen take the min/max, so
//! [`Sightings::merge`] is associative and commutative: the order in which files,
//! batches (or hosts) are merged never changes the result.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

use super::{MaskedObservation, PiiKind, RawLength};

/// Most distinct masked instances kept as samples.
pub const MAX_SAMPLES: usize = 3;

/// How often a text was seen in one file, and on which line first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeenIn {
    pub count: u64,
    pub first_line: u64,
}

/// What was seen of one observed text or template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sightings {
    pub count: u64,
    pub first_seen: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    /// Observations per day.
    pub days: BTreeMap<NaiveDate, u64>,
    /// Where it was seen, by display path.
    pub sources: BTreeMap<String, SeenIn>,
    /// Distinct masked instances, first seen first, at most [`MAX_SAMPLES`].
    pub samples: Vec<String>,
    /// Personal data masked in its instances, by kind (counts, never values).
    pub pii: BTreeMap<PiiKind, u64>,
    /// Histogram of the raw instances' lengths.
    pub lengths: BTreeMap<RawLength, u64>,
}

impl Sightings {
    /// `count` sightings between `first_seen` and `last_seen`, with no detail yet.
    pub fn new(count: u64, first_seen: NaiveDateTime, last_seen: NaiveDateTime) -> Sightings {
        Sightings {
            count,
            first_seen,
            last_seen,
            days: BTreeMap::new(),
            sources: BTreeMap::new(),
            samples: Vec::new(),
            pii: BTreeMap::new(),
            lengths: BTreeMap::new(),
        }
    }

    /// One observation.
    pub fn of(obs: &MaskedObservation) -> Sightings {
        Sightings {
            count: 1,
            first_seen: obs.time,
            last_seen: obs.time,
            days: BTreeMap::from([(obs.time.date(), 1)]),
            sources: BTreeMap::from([(
                obs.location.path.clone(),
                SeenIn {
                    count: 1,
                    first_line: obs.location.line,
                },
            )]),
            samples: vec![obs.text.clone()],
            pii: obs.pii.iter().map(|&(k, n)| (k, u64::from(n))).collect(),
            lengths: BTreeMap::from([(obs.raw_length, 1)]),
        }
    }

    /// Adds `other` to these sightings.
    pub fn merge(&mut self, other: &Sightings) {
        self.count += other.count;
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
        for (day, n) in &other.days {
            *self.days.entry(*day).or_default() += n;
        }
        for (path, seen) in &other.sources {
            self.sources
                .entry(path.clone())
                .and_modify(|s| {
                    s.count += seen.count;
                    s.first_line = s.first_line.min(seen.first_line);
                })
                .or_insert(*seen);
        }
        for sample in &other.samples {
            if self.samples.len() < MAX_SAMPLES && !self.samples.contains(sample) {
                self.samples.push(sample.clone());
            }
        }
        for (kind, n) in &other.pii {
            *self.pii.entry(*kind).or_default() += n;
        }
        for (length, n) in &other.lengths {
            *self.lengths.entry(*length).or_default() += n;
        }
    }

    /// The longest raw instance, in characters.
    pub fn max_raw_chars(&self) -> u64 {
        self.lengths.keys().map(|l| l.chars).max().unwrap_or(0)
    }
}

/// A stored time: `YYYY-MM-DDTHH:MM:SS`, as the catalog and every report write it.
pub fn format_time(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// A stored time as [`format_time`] writes it.
pub fn parse_time(s: &str) -> Option<NaiveDateTime> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;

    fn seen(text: &str, path: &str, line: u64, day: u32) -> Sightings {
        let time = NaiveDate::from_ymd_opt(2024, 6, day)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        Sightings::of(&MaskedObservation {
            text: text.to_string(),
            key: None,
            time,
            location: Location::new(path, line),
            raw_length: RawLength {
                chars: text.chars().count() as u64,
                ..RawLength::default()
            },
            pii: vec![(PiiKind::Card, 1)],
        })
    }

    #[test]
    fn merging_is_associative_and_commutative() {
        let parts = [
            seen("a", "x.log", 3, 1),
            seen("b", "y.log", 1, 2),
            seen("a", "x.log", 9, 3),
            seen("c", "x.log", 2, 1),
        ];
        let mut left = parts[0].clone();
        for p in &parts[1..] {
            left.merge(p);
        }
        let mut right = parts[3].clone();
        let mut inner = parts[1].clone();
        inner.merge(&parts[2]);
        right.merge(&inner);
        right.merge(&parts[0]);
        // Everything but the order of samples is the same whatever the order.
        left.samples.sort();
        right.samples.sort();
        assert_eq!(left, right);
        assert_eq!(left.count, 4);
        assert_eq!(
            left.sources["x.log"],
            SeenIn {
                count: 3,
                first_line: 2
            }
        );
        assert_eq!(left.pii[&PiiKind::Card], 4);
        assert_eq!(left.days.len(), 3);
        assert_eq!(left.max_raw_chars(), 1);
    }

    #[test]
    fn samples_are_distinct_first_seen_and_capped() {
        let mut all = seen("a", "x.log", 1, 1);
        for t in ["a", "b", "c", "d"] {
            all.merge(&seen(t, "x.log", 2, 1));
        }
        assert_eq!(all.samples, ["a", "b", "c"]);
    }
}
