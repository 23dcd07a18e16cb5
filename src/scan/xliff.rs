//! XLIFF 1.2 (`<trans-unit>`) and 2.0 (`<unit>`/`<segment>`) translation files.
//!
//! Each unit yields two definitions under its `id`: the source text in the source
//! language and the target text in the target language, whose state comes from the
//! file (`new` → untranslated, `needs-review-*` → fuzzy, …). Both are kept because
//! both are shown: the source to source-locale users, the target (even a `new`
//! one, still a copy of the source) to target-locale users. A unit without a
//! `<target>` yields only its source. `<note>`s become the note. Inline codes count
//! as their text, as ElementTree's `itertext` reads them; empty placeholders
//! (`<x/>`, `<ph/>`) stand for their `equiv-text`/`equiv` attribute when present.

use std::io::BufRead;

use super::xml_tree::{self, Element, Node};
use super::{Item, ScanContext, Scanner};
use crate::model::{Definition, DefinitionState, FormatId, Location, Role, Warning};

pub struct Xliff;

impl Scanner for Xliff {
    fn id(&self) -> FormatId {
        FormatId::Xliff
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["xlf", "xliff"]
    }

    fn sniff(&self, head: &str) -> bool {
        head.contains("<xliff")
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let Some(root) = xml_tree::parse_root(input, ctx, emit, "xliff", "an XLIFF file") else {
            return;
        };
        if root.attr("version").is_some_and(|v| v.starts_with('2')) {
            scan_v2(&root, ctx, emit);
        } else {
            scan_v1(&root, ctx, emit);
        }
    }
}

/// The source and target locales of a `<file>` (1.2) or the document (2.0).
struct Languages {
    source: Option<String>,
    target: Option<String>,
}

fn scan_v1(root: &Element, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
    for file in root.elements_named("file") {
        let languages = Languages {
            source: file.attr("source-language").map(str::to_string),
            target: ctx
                .locale
                .or(file.attr("target-language"))
                .map(str::to_string),
        };
        let mut units = Vec::new();
        file.visit(&mut |e| {
            if e.local_name() == "trans-unit" && e.closed {
                units.push(e);
            }
        });
        for unit in units {
            let source = unit.child("source").map(inline_text);
            let target = unit.child("target").map(|t| {
                let state = t.attr("state").map_or(DefinitionState::Live, state_v1);
                (inline_text(t), state)
            });
            emit_unit(unit, source, target, &languages, ctx, emit);
        }
    }
}

fn scan_v2(root: &Element, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
    let languages = Languages {
        source: root.attr("srcLang").map(str::to_string),
        target: ctx.locale.or(root.attr("trgLang")).map(str::to_string),
    };
    let mut units = Vec::new();
    root.visit(&mut |e| {
        if e.local_name() == "unit" && e.closed {
            units.push(e);
        }
    });
    for unit in units {
        // A unit's text is its segments and ignorables in order; its state the least advanced.
        let mut source = String::new();
        let mut target = String::new();
        let mut has_target = false;
        let mut state = DefinitionState::Live;
        for part in unit
            .elements()
            .filter(|e| matches!(e.local_name(), "segment" | "ignorable"))
        {
            if let Some(s) = part.child("source") {
                source.push_str(&inline_text(s));
            }
            match part.child("target") {
                Some(t) => {
                    has_target = true;
                    target.push_str(&inline_text(t));
                }
                // An ignorable without target stands for itself in the target.
                None if part.local_name() == "ignorable" => {
                    target.push_str(&part.child("source").map(inline_text).unwrap_or_default());
                }
                None => {}
            }
            if part.local_name() == "segment" {
                state = least(state, state_v2(part.attr("state").unwrap_or("initial")));
            }
        }
        let target = has_target.then_some((target, state));
        emit_unit(unit, Some(source), target, &languages, ctx, emit);
    }
}

fn emit_unit(
    unit: &Element,
    source: Option<String>,
    target: Option<(String, DefinitionState)>,
    languages: &Languages,
    ctx: &ScanContext<'_>,
    emit: &mut dyn FnMut(Item),
) {
    let Some(id) = unit.attr("id") else {
        emit(Item::Warning(Warning::new(
            ctx.path,
            Some(unit.line),
            format!("<{}> without an id, skipped", unit.local_name()),
        )));
        return;
    };
    let note = notes(unit);
    let location = Location::new(ctx.path, unit.line);
    if let Some(text) = source {
        emit(Item::Definition(Definition {
            locale: languages.source.clone(),
            note: note.clone(),
            ..Definition::new(id, text, location.clone())
        }));
    }
    if let Some((text, state)) = target {
        let state = if text.is_empty() {
            DefinitionState::Untranslated
        } else {
            state
        };
        emit(Item::Definition(Definition {
            locale: languages.target.clone(),
            note,
            state,
            ..Definition::new(id, text, location)
        }));
    }
}

/// The unit's non-empty `<note>`s (1.2 children, 2.0 `<notes>/<note>`), joined by newlines.
fn notes(unit: &Element) -> Option<String> {
    let direct = unit.elements_named("note");
    let grouped = unit
        .elements_named("notes")
        .flat_map(|n| n.elements_named("note"));
    let texts: Vec<String> = direct
        .chain(grouped)
        .map(Element::text)
        .filter(|t| !t.trim().is_empty())
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n"))
}

/// Text of a source or target: character data of all inline elements, and the
/// `equiv-text`/`equiv` of empty placeholders.
fn inline_text(element: &Element) -> String {
    let mut out = String::new();
    for child in &element.children {
        match child {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) if e.children.is_empty() => {
                if let Some(equiv) = e.attr("equiv-text").or(e.attr("equiv")) {
                    out.push_str(equiv);
                }
            }
            Node::Element(e) => out.push_str(&inline_text(e)),
        }
    }
    out
}

/// XLIFF 1.2 `state` of a `<target>`.
fn state_v1(state: &str) -> DefinitionState {
    match state {
        "new" | "needs-translation" => DefinitionState::Untranslated,
        s if s.starts_with("needs-") => DefinitionState::Fuzzy,
        _ => DefinitionState::Live,
    }
}

/// XLIFF 2.0 `state` of a `<segment>`.
fn state_v2(state: &str) -> DefinitionState {
    match state {
        "initial" => DefinitionState::Untranslated,
        _ => DefinitionState::Live,
    }
}

/// The less advanced of two states (untranslated < fuzzy < live).
fn least(a: DefinitionState, b: DefinitionState) -> DefinitionState {
    let rank = |s| match s {
        DefinitionState::Untranslated => 0,
        DefinitionState::Fuzzy => 1,
        _ => 2,
    };
    if rank(b) < rank(a) { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;
    use crate::scan::testing::{definitions, scan_text};

    fn scan(text: &str) -> Vec<Definition> {
        let items = scan_text(&Xliff, "Resources.ru.xlf", &SourceOptions::default(), text);
        definitions(&items).into_iter().cloned().collect()
    }

    #[test]
    fn xliff_1_2_source_target_state_and_notes() {
        let defs = scan(
            r#"<?xml version="1.0"?>
<xliff xmlns="urn:oasis:names:tc:xliff:document:1.2" version="1.2">
  <file source-language="en" target-language="ru" original="R.resx"><body>
    <group id="g">
      <trans-unit id="A">
        <source>File <x id="1" equiv-text="{0}"/> missing</source>
        <target state="translated">Файл <x id="1" equiv-text="{0}"/> не найден</target>
        <note>shown on open</note>
        <alt-trans><target>ignored</target></alt-trans>
      </trans-unit>
    </group>
    <trans-unit id="B"><source>Retry</source><target state="new">Retry</target><note /></trans-unit>
    <trans-unit id="C"><source>Cancel</source><target state="needs-review-translation">Отмена</target></trans-unit>
    <trans-unit id="D"><source>Only source</source></trans-unit>
  </body></file>
</xliff>"#,
        );
        let summary: Vec<(&str, Option<&str>, &str, DefinitionState)> = defs
            .iter()
            .map(|d| {
                (
                    d.key.as_str(),
                    d.locale.as_deref(),
                    d.text.as_str(),
                    d.state,
                )
            })
            .collect();
        use DefinitionState::*;
        assert_eq!(
            summary,
            vec![
                ("A", Some("en"), "File {0} missing", Live),
                ("A", Some("ru"), "Файл {0} не найден", Live),
                ("B", Some("en"), "Retry", Live),
                ("B", Some("ru"), "Retry", Untranslated),
                ("C", Some("en"), "Cancel", Live),
                ("C", Some("ru"), "Отмена", Fuzzy),
                ("D", Some("en"), "Only source", Live),
            ]
        );
        assert_eq!(defs[1].note.as_deref(), Some("shown on open"));
        assert_eq!(defs[1].location.line, 5);
        assert_eq!(defs[3].note, None);
    }

    #[test]
    fn xliff_2_0_segments_and_states() {
        let defs = scan(
            r#"<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.0" srcLang="en" trgLang="ru">
  <file id="f1">
    <unit id="err.locked">
      <notes><note>account screen</note></notes>
      <segment state="final"><source>Account locked.</source><target>Счёт заблокирован.</target></segment>
      <ignorable><source> </source></ignorable>
      <segment state="initial"><source>Call <ph id="1" equiv="{phone}"/>.</source><target>Call <ph id="1" equiv="{phone}"/>.</target></segment>
    </unit>
    <unit id="ok"><segment state="reviewed"><source>OK</source><target>ОК</target></segment></unit>
  </file>
</xliff>"#,
        );
        assert_eq!(defs.len(), 4);
        assert_eq!(defs[0].text, "Account locked. Call {phone}.");
        assert_eq!(defs[1].text, "Счёт заблокирован. Call {phone}.");
        assert_eq!(defs[1].locale.as_deref(), Some("ru"));
        assert_eq!(defs[1].state, DefinitionState::Untranslated);
        assert_eq!(defs[1].note.as_deref(), Some("account screen"));
        assert_eq!(
            (defs[3].text.as_str(), defs[3].state),
            ("ОК", DefinitionState::Live)
        );
    }
}
