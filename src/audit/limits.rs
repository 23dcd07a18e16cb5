//! Field limits as the audit applies them: the rules' `limits` of a system,
//! each either declared with its own `max` and `unit`, or naming a field a
//! schema file declares (a row of the catalog's `limits` table), resolved here
//! to a [`Measure`] with provenance.
//!
//! Shared by `field-too-long`, `truncated` and `unencodable-char`.

use serde_json::json;

use super::AuditInput;
use super::measure::Measure;
use crate::catalog::{DefinitionView, LimitRow, TemplateView};
use crate::charset::Charset;
use crate::mask::{PLACEHOLDER_RE, normalise_placeholders, placeholder_names};
use crate::model::{ByteEncoding, LimitUnit, MatchKind, Unit, Warning};
use crate::rules::{LimitRule, System};

/// The "Field limits" section of `docs/flags.md`.
pub const DOCS: &str = r#"## Field limits

`field-too-long`, `truncated` and `unencodable-char` hold texts to the fields
they pass through. The rules list them per system under `limits:`; a text passing
through several fields is held to each, so the smallest decides.

```yaml
systems:
  - name: abs
    encoding: windows-1251        # its files; PIC X(n) counts bytes in it too
    # field_encoding: cp037       # …unless the fields' charset is another one
    database_charset: utf-8       # VARCHAR2(n BYTE) counts bytes in this one
    limits:
      - field: ERRMSG.ERR-TEXT    # no max: declared by a schema file (copybook, DDL, XSD)
      - field: SMS                # declared here
        max: 1
        unit: sms_segments        # chars | bytes | utf16 | sms_segments
        keys: '^sms\.'            # only texts whose key matches (default: all)
        observations: false       # observed texts are held to it too unless false
        placeholder_widths: {amount: 12, "{0}": 16}
```

A limit without `max` names a field a schema file declares: equal to the stored
field name (case-insensitive), or its last dotted part (`ERR-TEXT` names
`ERRMSG.ERR-TEXT`). Every declaration found applies. A limit naming a field no
scanned schema file declares holds no text: `errata scan` reports it as a
warning naming the rules entry.
Schema scanners store each declaration in the catalog's `limits` table as
`unit` and `encoding`:

| declaration | `unit` | `encoding` |
|---|---|---|
| COBOL `PIC X(n)` | `bytes` | `system`: the system's `field_encoding`, else its `encoding` |
| COBOL `PIC N(n)` (national) | `utf16` | — |
| SQL `VARCHAR2(n BYTE)`, `VARCHAR2(n)`, `VARCHAR(n)`, `CHAR(n)` | `bytes` | `database`: the system's `database_charset` |
| SQL `VARCHAR2(n CHAR)`, `NVARCHAR2(n)` | `chars` | — |
| SQL Server `NVARCHAR(n)`, `NCHAR(n)` | `utf16` | — |
| XSD `maxLength` | `chars` | — |

`encoding` may also be an encoding label (`windows-1251`, `utf-8`, `cp037`); a
`system` or `database` encoding the rules leave unset is UTF-8. A rules limit
with `unit: bytes` uses its own `encoding:`, else the system's field encoding,
else UTF-8.

A system's field encoding is its `field_encoding:`, else its `encoding:` (the
charset its files are decoded from), else UTF-8. The two differ when the fields
live on another host than the logs: a mainframe's `PIC X(60)` counts EBCDIC
bytes while its gateway writes ASCII JSON logs. `field_encoding: cp037` holds
texts to the EBCDIC size and leaves the logs' charset to detection;
`encoding: cp037` would decode the logs as EBCDIC too.

Units: `chars` are Unicode characters; `bytes` are bytes once encoded;
`utf16` are UTF-16 code units (an emoji takes two); `sms_segments` are SMS parts:
GSM-7 when every character has a GSM-7 code (160 septets in one segment, 153 per
part beyond; `^{}\[~]|€` take two), else UCS-2 (70 in one, 67 per part; any
Cyrillic letter makes the whole SMS UCS-2).

Definitions are measured with placeholders empty (longer is a certain
violation) and, when every placeholder's width in characters is known from
`placeholder_widths` (keyed by the placeholder as written, `{0}`, or its bare
name, `amount`), in the worst case, each placeholder character counted as the
widest character of the text; without rules widths, the longest observed
instance of the definition is its worst case (instances matched by key count
only when the key has a single definition: a key does not tell the locale). Worst-case violations say "may
exceed". Observed templates are measured on their longest raw instance: the
catalog keeps a histogram of raw instance lengths (characters, UTF-8 bytes,
UTF-16 units, SMS segments, never the texts); byte lengths in single-byte code
pages are the character counts, and multi-byte legacy encodings (Shift_JIS,
GBK…) are not measured on observations.
"#;

/// A limit a system's texts are held to.
#[derive(Debug, Clone)]
pub struct Limit<'a> {
    pub field: String,
    pub max: u64,
    pub measure: Measure,
    /// `path:line` of the copybook/DDL/XSD declaration or the rules entry.
    pub provenance: String,
    pub rule: &'a LimitRule,
}

impl Limit<'_> {
    /// The limit as shown in every flag's evidence.
    pub fn evidence(&self) -> serde_json::Value {
        json!({
            "field": self.field,
            "max": self.max,
            "unit": self.measure.unit(),
            "encoding": self.measure.encoding(),
            "provenance": self.provenance,
        })
    }

    /// `ERR-TEXT (60 bytes in windows-1251, abs/ERRMSG.cpy:7)`.
    pub fn describe(&self) -> String {
        format!(
            "{} ({}, {})",
            self.field,
            self.measure.describe(self.max),
            self.provenance
        )
    }

    /// Whether texts under `key` pass through this field.
    pub fn applies_to(&self, key: Option<&str>) -> bool {
        match (&self.rule.keys, key) {
            (None, _) => true,
            (Some(re), Some(key)) => re.0.is_match(key),
            (Some(_), None) => false,
        }
    }

    /// Whether observed templates are held to it.
    pub fn applies_to_observations(&self) -> bool {
        self.rule.observations.unwrap_or(true)
    }

    /// The known maximum width in characters of a placeholder as written
    /// (`{amount}`), looked up as written or by its bare name (`amount`).
    fn placeholder_width(&self, placeholder: &str) -> Option<u64> {
        let widths = &self.rule.placeholder_widths;
        widths.get(placeholder).copied().or_else(|| {
            let bare = placeholder.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
            widths.get(bare).copied()
        })
    }
}

/// Every limit of `system`, in rules order. Rules naming a schema field yield one
/// limit per declaration found in the catalog (none when no schema declares it).
pub fn limits<'a>(input: &AuditInput<'a>, system: &str) -> Vec<Limit<'a>> {
    let Some(sys) = input.rules.system(system) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for rule in &sys.limits {
        match (rule.max, rule.unit) {
            (Some(max), Some(unit)) => {
                let measure = match unit {
                    Unit::Chars => Measure::Chars,
                    Unit::Utf16 => Measure::Utf16,
                    Unit::SmsSegments => Measure::SmsSegments,
                    Unit::Bytes => Measure::Bytes(
                        rule.encoding
                            .or(sys.bytes_encoding())
                            .unwrap_or(Charset::UTF_8),
                    ),
                };
                out.push(Limit {
                    field: rule.field.clone(),
                    max,
                    measure,
                    provenance: rule
                        .origin
                        .as_ref()
                        .map_or_else(|| "rules".to_string(), |o| o.to_string()),
                    rule,
                });
            }
            _ => out.extend(
                input
                    .snapshot
                    .limits
                    .iter()
                    .filter(|row| row.system == system && names_field(&rule.field, &row.field))
                    .map(|row| Limit {
                        field: row.field.clone(),
                        max: row.max,
                        measure: stored_measure(row, sys),
                        provenance: format!("{}:{}", row.path, row.line),
                        rule,
                    }),
            ),
        }
    }
    out
}

/// Problems of the rules' limits that leave texts unchecked: a limit naming a
/// field no scanned schema file declares. Reported as scan warnings.
pub fn problems(input: &AuditInput<'_>) -> Vec<Warning> {
    let mut out = Vec::new();
    for sys in &input.rules.systems {
        for rule in sys.limits.iter().filter(|r| r.max.is_none()) {
            let declared = input
                .snapshot
                .limits
                .iter()
                .any(|row| row.system == sys.name && names_field(&rule.field, &row.field));
            if !declared {
                out.push(Warning::in_rules(
                    rule.origin.as_ref(),
                    format!(
                        "limit `{}` of system `{}` names no field a scanned schema file declares: no text is held to it",
                        rule.field, sys.name
                    ),
                ));
            }
        }
    }
    out
}

/// The limits a definition is held to.
pub fn for_definition<'a>(input: &AuditInput<'a>, d: &DefinitionView) -> Vec<Limit<'a>> {
    limits(input, &d.row.system)
        .into_iter()
        .filter(|l| l.applies_to(Some(&d.row.key)))
        .collect()
}

/// The limits an observed template is held to, when it goes by `key`.
pub fn for_template<'a>(
    input: &AuditInput<'a>,
    t: &TemplateView,
    key: Option<&str>,
) -> Vec<Limit<'a>> {
    limits(input, &t.system)
        .into_iter()
        .filter(|l| l.applies_to_observations() && l.applies_to(key))
        .collect()
}

/// A rule's field names a stored field when equal (case-insensitive), or when the
/// rule gives only the last part (`ERR-TEXT` for `ERRMSG.ERR-TEXT`).
fn names_field(rule_field: &str, stored: &str) -> bool {
    stored.eq_ignore_ascii_case(rule_field)
        || (!rule_field.contains('.')
            && stored
                .rsplit('.')
                .next()
                .is_some_and(|last| last.eq_ignore_ascii_case(rule_field)))
}

/// The unit of a stored schema limit, with `system`/`database` encodings resolved
/// from the rules (`system`: the system's `field_encoding`, else `encoding`;
/// UTF-8 when the rules give none).
fn stored_measure(row: &LimitRow, sys: &System) -> Measure {
    unit_measure(row.unit, Some(sys))
}

/// How a declared unit measures, with `system`/`database` encodings resolved
/// from the system's rules (UTF-8 when there are none: zero-config).
pub fn unit_measure(unit: LimitUnit, sys: Option<&System>) -> Measure {
    match unit {
        LimitUnit::Chars => Measure::Chars,
        LimitUnit::Utf16 => Measure::Utf16,
        LimitUnit::SmsSegments => Measure::SmsSegments,
        LimitUnit::Bytes(encoding) => Measure::Bytes(match encoding {
            ByteEncoding::System => sys
                .and_then(System::bytes_encoding)
                .unwrap_or(Charset::UTF_8),
            ByteEncoding::Database => sys
                .and_then(|s| s.database_charset)
                .unwrap_or(Charset::UTF_8),
            ByteEncoding::Charset(c) => c,
        }),
    }
}

/// A catalog text with its placeholders removed: the shortest it can be shown.
pub fn without_placeholders(text: &str) -> String {
    PLACEHOLDER_RE
        .replace_all(&normalise_placeholders(text), "")
        .into_owned()
}

/// How long a definition can be shown, in a limit's unit.
pub struct DefinitionLength {
    /// With every placeholder empty: longer than the limit is a certain violation.
    pub certain: u64,
    /// The worst case and where the widths came from (`placeholder_widths` or
    /// `longest_observed`), when known.
    pub worst: Option<(u64, &'static str)>,
}

/// Measures a definition with placeholders empty, and in the worst case when every
/// placeholder's width is known from the rules (each character counted as the
/// widest character of the text), else from the longest observed instance of its
/// templates in the same locale.
pub fn definition_length(
    limit: &Limit<'_>,
    def: &DefinitionView,
    input: &AuditInput<'_>,
) -> DefinitionLength {
    let literal = without_placeholders(&def.row.text);
    let certain = limit.measure.of(&literal);
    let placeholders = placeholder_names(&def.row.text);
    if placeholders.is_empty() {
        return DefinitionLength {
            certain,
            worst: None,
        };
    }
    let widths: Option<u64> = placeholders
        .iter()
        .map(|p| limit.placeholder_width(p))
        .sum();
    let worst = match widths {
        Some(width) => Some((
            widened(limit.measure, &literal, width),
            "placeholder_widths",
        )),
        None => {
            // A key match does not tell the locale: another locale's instances
            // count only when the key has no other definition.
            let sole = input
                .key_definitions(&def.row.system, Some(&def.row.key))
                .nth(1)
                .is_none();
            input
                .snapshot
                .templates
                .iter()
                .filter(|t| {
                    t.definition_id.as_deref() == Some(def.row.id.as_str())
                        && (sole || t.match_kind != Some(MatchKind::Key))
                })
                .filter_map(|t| longest_instance(limit, t))
                .max()
                .map(|n| (n, "longest_observed"))
        }
    };
    DefinitionLength { certain, worst }
}

/// The length of `literal` with `width` more characters, each as wide as the
/// widest character of `literal` in the unit.
fn widened(measure: Measure, literal: &str, width: u64) -> u64 {
    let widest = literal
        .chars()
        .max_by_key(|c| measure.of(c.encode_utf8(&mut [0; 4])))
        .unwrap_or('0');
    let filler: String = std::iter::repeat_n(widest, width as usize).collect();
    measure.of(&format!("{literal}{filler}"))
}

/// The longest raw instance of a template in the limit's unit.
pub fn longest_instance(limit: &Limit<'_>, template: &TemplateView) -> Option<u64> {
    template
        .seen
        .lengths
        .keys()
        .filter_map(|l| limit.measure.of_raw(l))
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::testing::*;

    #[test]
    fn schema_limits_resolve_units_and_encodings_from_the_rules() {
        let rules = rules(
            "systems:\n  - name: crm\n    roots: [crm]\n    encoding: windows-1251\n    database_charset: utf-8\n    limits:\n      - field: MESSAGES.TEXT_BYTE\n      - field: TEXT_CHAR\n      - field: ERR-TEXT\n      - field: NOWHERE\n",
        );
        let mut snap = snapshot(vec![], vec![]);
        snap.limits = vec![
            limit_row(
                "crm",
                "MESSAGES.TEXT_BYTE",
                100,
                LimitUnit::database_bytes(),
            ),
            limit_row("crm", "MESSAGES.TEXT_CHAR", 100, LimitUnit::Chars),
            limit_row("crm", "ERRMSG.ERR-TEXT", 60, LimitUnit::system_bytes()),
            limit_row("other", "MESSAGES.TEXT_CHAR", 1, LimitUnit::Chars),
        ];
        let input = input(&snap, &rules);
        let found = limits(&input, "crm");
        let described: Vec<String> = found.iter().map(|l| l.describe()).collect();
        assert_eq!(
            described,
            vec![
                "MESSAGES.TEXT_BYTE (100 bytes in UTF-8, crm/schema.sql:1)",
                "MESSAGES.TEXT_CHAR (100 chars, crm/schema.sql:1)",
                "ERRMSG.ERR-TEXT (60 bytes in windows-1251, crm/schema.sql:1)",
            ]
        );
        // The users' classic: 60 Cyrillic characters fit VARCHAR2(100 CHAR) and
        // PIC X(60) in windows-1251, but not VARCHAR2(100 BYTE) in UTF-8.
        let text = "Ошибка обработки платежа, повторите попытку через пять минут";
        assert_eq!(text.chars().count(), 60);
        let lengths: Vec<(u64, u64)> = found.iter().map(|l| (l.measure.of(text), l.max)).collect();
        assert_eq!(lengths, vec![(112, 100), (60, 100), (60, 60)]);
    }

    /// `field_encoding` decides what bytes count in, over `encoding` (the
    /// files' charset), which still decides when it is the only one given.
    #[test]
    fn field_encoding_overrides_the_files_encoding_for_byte_limits() {
        let encodings = |system: &str| {
            let rules = rules(&format!(
                "systems:\n  - name: abs\n    roots: [abs]\n{system}    limits:\n      - field: ERR-TEXT\n      - field: SCREEN\n        max: 40\n        unit: bytes\n"
            ));
            let mut snap = snapshot(vec![], vec![]);
            snap.limits = vec![limit_row(
                "abs",
                "ERRMSG.ERR-TEXT",
                60,
                LimitUnit::system_bytes(),
            )];
            limits(&input(&snap, &rules), "abs")
                .iter()
                .map(|l| l.measure.encoding().map(str::to_string))
                .collect::<Vec<_>>()
        };
        let all = |name: &str| vec![Some(name.to_string()); 2];
        assert_eq!(encodings("    field_encoding: cp037\n"), all("IBM037"));
        assert_eq!(
            encodings("    encoding: utf-8\n    field_encoding: cp1025\n"),
            all("IBM1025")
        );
        assert_eq!(encodings("    encoding: cp1251\n"), all("windows-1251"));
        assert_eq!(encodings(""), all("UTF-8"));
    }

    #[test]
    fn worst_case_widens_with_the_widest_character_of_the_text() {
        assert_eq!(
            widened(Measure::Bytes(Charset::UTF_8), "Сумма: ", 10),
            12 + 20
        );
        assert_eq!(widened(Measure::Chars, "Сумма: ", 10), 17);
        assert_eq!(widened(Measure::SmsSegments, &"a".repeat(150), 11), 2);
        assert_eq!(
            widened(Measure::SmsSegments, "", 5),
            1,
            "an empty text widens with GSM-7 digits"
        );
    }

    #[test]
    fn dangling_schema_limits_are_reported() {
        let rules = rules(
            "systems:\n  - name: abs\n    roots: [abs]\n    limits:\n      - field: ERR-TEXT\n      - field: NOWHERE\n      - field: FIXED\n        max: 3\n        unit: chars\n",
        );
        let mut snap = snapshot(vec![], vec![]);
        snap.limits = vec![limit_row(
            "abs",
            "ERRMSG.ERR-TEXT",
            60,
            LimitUnit::system_bytes(),
        )];
        let warnings: Vec<String> = problems(&input(&snap, &rules))
            .iter()
            .map(|w| w.to_string())
            .collect();
        assert_eq!(
            warnings,
            vec![
                "rules/test.yaml:6: limit `NOWHERE` of system `abs` names no field a scanned schema file declares: no text is held to it",
            ]
        );
    }

    #[test]
    fn rules_limits_default_to_the_system_encoding_and_know_their_line() {
        let rules = rules(
            "systems:\n  - name: abs\n    roots: [abs]\n    encoding: cp1251\n    limits:\n      - field: SCREEN\n        max: 40\n        unit: bytes\n        keys: '^ERR'\n        observations: false\n",
        );
        let snap = snapshot(vec![], vec![]);
        let input = input(&snap, &rules);
        let found = limits(&input, "abs");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].measure.encoding(), Some("windows-1251"));
        assert!(found[0].applies_to(Some("ERR1")));
        assert!(!found[0].applies_to(Some("MSG1")));
        assert!(!found[0].applies_to(None));
        assert!(!found[0].applies_to_observations());
        assert!(limits(&input, "nosuch").is_empty());
    }
}
