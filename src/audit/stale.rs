//! `stale`: texts clients stopped seeing.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::json;

use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::model::{KindId, Severity};

pub struct Stale;

pub static INFO: KindInfo = KindInfo {
    id: KindId::Stale,
    severity: Severity::Note,
    title: "Not seen in the logs for a long time",
    advice: "Check whether the text is still reachable; delete it if not.",
    needs_observations: true,
    what: "A definition key, or an observed text matching no definition, whose last observation is more than `stale_after` days (rules: per system, else top level, else 30) before the as-of date. A key's last observation is the latest over all its locales; keys never observed are `never-seen` instead.",
    why: "A text that stopped appearing was probably replaced or its feature retired; keeping it costs review and translation.",
    evidence: "The last observation's date, the as-of date, `stale_after` and the days since.",
    fix: "Remove the text if its feature is gone; otherwise check why its logs stopped (a moved log folder, a changed format).",
    suppress: "`suppress: [{kind: stale, system: abs, key: ERR.YEAR-END, reason: shown once a year, until: 2025-01-31}]`.",
};

impl FlagKind for Stale {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        let mut last_by_key: BTreeMap<(&str, &str), Option<NaiveDate>> = BTreeMap::new();
        for d in input.live_definitions() {
            let last = d.last_seen.map(|t| t.date());
            let e = last_by_key.entry((&d.row.system, &d.row.key)).or_default();
            *e = (*e).max(last);
        }
        let mut flags = Vec::new();
        for ((system, key), last) in last_by_key {
            if let Some((evidence, days)) = staleness(input, system, last) {
                flags.push(Flag::on_key(
                    INFO.id,
                    system,
                    key,
                    format!("`{key}` was last shown {days} days before {}", input.as_of),
                    evidence,
                ));
            }
        }
        for t in input
            .snapshot
            .templates
            .iter()
            .filter(|t| t.definition_id.is_none())
        {
            if let Some((evidence, days)) =
                staleness(input, &t.system, Some(t.seen.last_seen.date()))
            {
                flags.push(Flag::on_template(
                    INFO.id,
                    &t.system,
                    &t.id,
                    format!(
                        "\"{}\" was last shown {days} days before {}",
                        t.template, input.as_of
                    ),
                    evidence,
                ));
            }
        }
        flags
    }
}

/// Evidence and age when `last` is older than the system's `stale_after`.
fn staleness(
    input: &AuditInput<'_>,
    system: &str,
    last: Option<NaiveDate>,
) -> Option<(serde_json::Value, i64)> {
    let last = last?;
    let stale_after = input
        .rules
        .system(system)
        .map_or(input.rules.stale_after, |s| {
            Some(input.rules.stale_after(s))
        })
        .unwrap_or(crate::rules::DEFAULT_STALE_AFTER_DAYS);
    let days = (input.as_of - last).num_days();
    (days > i64::from(stale_after)).then(|| {
        (
            json!({
                "last_seen": last.to_string(),
                "as_of": input.as_of.to_string(),
                "stale_after": stale_after,
                "days": days,
            }),
            days,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;

    #[test]
    fn old_keys_and_unmatched_templates_are_stale_by_the_system_threshold() {
        let rules = rules(
            "stale_after: 10\nsystems:\n  - name: abs\n    roots: [abs]\n    stale_after: 100\n",
        );
        let mut fresh = def("web", "fresh", "ru", "Свежий");
        let mut old = def("web", "old", "ru", "Старый");
        let mut old_abs = def("abs", "old", "ru", "Старый");
        let mut t1 = template("web", "Свежий", 1);
        let mut t2 = template("web", "Старый", 1);
        let mut t3 = template("abs", "Старый", 1);
        let mut t4 = template("web", "Ничей", 1);
        for t in [&mut t2, &mut t3, &mut t4] {
            t.seen.last_seen = at("2024-06-01T00:00:00");
        }
        observe(&mut fresh, &mut t1);
        observe(&mut old, &mut t2);
        observe(&mut old_abs, &mut t3);
        let snap = snapshot(vec![fresh, old, old_abs], vec![t1, t2, t3, t4]);
        let flags = Stale.check(&input(&snap, &rules));
        assert_eq!(
            subjects(&snap, &flags),
            vec![
                ("web".to_string(), "old".to_string()),
                ("web".to_string(), "Ничей".to_string())
            ]
        );
        assert_eq!(flags[0].evidence["days"], 29);
        assert_eq!(flags[0].evidence["stale_after"], 10);
    }
}
