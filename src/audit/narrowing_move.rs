//! `narrowing-move`: a program moves a wider field that carries message texts
//! into a narrower one, which cuts whatever does not fit.

use std::collections::BTreeMap;

use serde_json::json;

use super::limits::unit_measure;
use super::{AuditInput, Flag, FlagKind, KindInfo};
use crate::catalog::DefinitionView;
use crate::model::{FieldHop, KindId, Severity};

pub struct NarrowingMove;

pub static INFO: KindInfo = KindInfo {
    id: KindId::NarrowingMove,
    severity: Severity::Warning,
    title: "Message field moved into a narrower one",
    advice: "Widen the receiving field to the sending one, or make sure every text moved fits the narrower field.",
    needs_observations: false,
    what: "In a program's flow of a message text (COBOL `MOVE field TO field`, `STRING … INTO`), a field moved into one declared smaller in the same unit: `MOVE WS-FILE-ERROR-MESSAGE (80) TO WS-RETURN-MSG (75)`. One flag per program, sending and receiving field (its key: `PROGRAM: FROM → TO`), whatever the number of texts that go that way or of statements that move them.",
    why: "COBOL cuts a longer sending field without a word: today's texts may fit, but the next one written for the 80-byte field loses its end on the client's screen, and no test notices.",
    evidence: "The program, the sending and the receiving field (name, size, unit, declaration `path:line`), the statements that move one into the other, and the texts that take this way (key, `path:line`, length without trailing spaces) — `field-too-long` flags those that already do not fit.",
    fix: "Declare the receiving field as wide as the sending one (and every field after it up to the screen), or shorten the sending field to what the screen shows.",
    suppress: "`suppress: [{kind: narrowing-move, system: app, key: \"COACTUPC: WS-FILE-ERROR-MESSAGE → WS-RETURN-MSG\", reason: …}]`.",
};

/// The fields of one narrowing, and what goes through it.
struct Narrowing<'a> {
    from: &'a FieldHop,
    to: &'a FieldHop,
    moves: Vec<String>,
    texts: Vec<&'a DefinitionView>,
}

impl FlagKind for NarrowingMove {
    fn info(&self) -> &'static KindInfo {
        &INFO
    }

    fn check(&self, input: &AuditInput<'_>) -> Vec<Flag> {
        // By system, program, sending and receiving field: one flag each.
        let mut found: BTreeMap<(&str, &str, &str, &str), Narrowing<'_>> = BTreeMap::new();
        for d in input.live_definitions() {
            for pair in d.row.flow.windows(2) {
                let (from, to) = (&pair[0], &pair[1]);
                if from.unit != to.unit || to.max >= from.max {
                    continue;
                }
                let program = to.via.as_ref().map_or("", |v| v.path.as_str());
                let entry = found
                    .entry((&d.row.system, program, &from.field, &to.field))
                    .or_insert_with(|| Narrowing {
                        from,
                        to,
                        moves: Vec::new(),
                        texts: Vec::new(),
                    });
                if let Some(via) = &to.via {
                    let at = via.to_string();
                    if !entry.moves.contains(&at) {
                        entry.moves.push(at);
                    }
                }
                if !entry.texts.iter().any(|t| t.row.id == d.row.id) {
                    entry.texts.push(d);
                }
            }
        }
        found
            .into_iter()
            .map(|((system, program, from_name, to_name), n)| {
                let measure = unit_measure(n.from.unit, input.rules.system(system));
                let field = |hop: &FieldHop| {
                    json!({
                        "field": hop.field,
                        "max": hop.max,
                        "unit": measure.unit(),
                        "encoding": measure.encoding(),
                        "declared": hop.declared.to_string(),
                    })
                };
                let texts: Vec<_> = n
                    .texts
                    .iter()
                    .map(|d| {
                        json!({
                            "key": d.row.key,
                            "at": super::at(d),
                            "length": measure.of(super::limits::without_placeholders(&d.row.text).trim_end()),
                        })
                    })
                    .collect();
                let stem = std::path::Path::new(program)
                    .file_stem()
                    .map_or(String::new(), |s| s.to_string_lossy().into_owned());
                Flag::on_key(
                    INFO.id,
                    system,
                    &format!("{stem}: {from_name} → {to_name}"),
                    format!(
                        "`{from_name}` ({}) is moved into the narrower `{to_name}` ({}) in {}, carrying {} message text(s)",
                        measure.describe(n.from.max),
                        measure.describe(n.to.max),
                        n.moves.first().map_or(program, String::as_str),
                        n.texts.len()
                    ),
                    json!({
                        "program": program,
                        "from": field(n.from),
                        "to": field(n.to),
                        "moves": n.moves,
                        "texts": texts,
                    }),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;
    use crate::model::{LimitUnit, Location};

    fn hop(field: &str, max: u64, via: Option<u64>) -> FieldHop {
        FieldHop {
            field: field.to_string(),
            max,
            unit: LimitUnit::system_bytes(),
            declared: Location::new("app/COACTUPC.cbl", 1),
            via: via.map(|line| Location::new("app/COACTUPC.cbl", line)),
        }
    }

    #[test]
    fn one_flag_per_program_and_pair_of_fields() {
        let rules = rules("systems:\n  - name: app\n    roots: [app]\n");
        let mut a = def("app", "File Error: <*>", "en", "File Error: <*>");
        a.row.flow = vec![
            hop("WS-FILE-ERROR-MESSAGE", 80, None),
            hop("WS-RETURN-MSG", 75, Some(3693)),
            hop("ERRMSGO OF CACTUPAO", 78, Some(2981)),
        ];
        let mut b = def("app", "Other", "en", "Other");
        b.row.flow = vec![
            hop("WS-FILE-ERROR-MESSAGE", 80, None),
            hop("WS-RETURN-MSG", 75, Some(3743)),
            hop("ERRMSGO OF CACTUPAO", 78, Some(2981)),
        ];
        let mut wider = def("app", "Fine", "en", "Fine");
        wider.row.flow = vec![hop("WS-MESSAGE", 40, None), hop("ERRMSGO", 78, Some(9))];
        let snap = snapshot(vec![a, b, wider], vec![]);
        let flags = NarrowingMove.check(&input(&snap, &rules));
        assert_eq!(flags.len(), 1, "{flags:?}");
        assert_eq!(
            flags[0].key.as_deref(),
            Some("COACTUPC: WS-FILE-ERROR-MESSAGE → WS-RETURN-MSG")
        );
        assert_eq!(
            flags[0].message,
            "`WS-FILE-ERROR-MESSAGE` (80 bytes in UTF-8) is moved into the narrower `WS-RETURN-MSG` (75 bytes in UTF-8) in app/COACTUPC.cbl:3693, carrying 2 message text(s)"
        );
        assert_eq!(
            flags[0].evidence["moves"],
            json!(["app/COACTUPC.cbl:3693", "app/COACTUPC.cbl:3743"])
        );
        assert_eq!(
            flags[0].evidence["texts"][0]["length"], 11,
            "`File Error:` without its placeholder and trailing space"
        );
    }

    #[test]
    fn units_that_differ_are_not_compared() {
        let rules = rules("systems:\n  - name: app\n    roots: [app]\n");
        let mut d = def("app", "K", "en", "Text");
        let mut national = hop("WS-N", 10, Some(2));
        national.unit = LimitUnit::Utf16;
        d.row.flow = vec![hop("WS-X", 40, None), national];
        let snap = snapshot(vec![d], vec![]);
        assert!(NarrowingMove.check(&input(&snap, &rules)).is_empty());
    }
}
