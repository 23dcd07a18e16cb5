//! .NET `.resx` resource files: each string `<data name>` child of `<root>` is a
//! definition, its `<value>` the text and its `<comment>` the note.
//!
//! Read as `ResXResourceReader` does: only `<data>` directly under `<root>` count,
//! so the example `<data>` inside the standard header comment and the inline
//! `xsd:schema` never do; `<resheader>`s are metadata. Typed and binary entries
//! (`type` or `mimetype` other than `System.String`) are not texts and are skipped.
//! The locale comes from the file name (`Resources.ru.resx`), unless the rules set one.

use std::io::BufRead;

use super::xml_tree::{self, Element};
use super::{Item, ScanContext, Scanner};
use crate::model::{Definition, DefinitionState, FormatId, Location, Role, Warning};

pub struct Resx;

impl Scanner for Resx {
    fn id(&self) -> FormatId {
        FormatId::Resx
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["resx", "resw"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let Some(root) = xml_tree::parse_root(input, ctx, emit, "root", "a resx file") else {
            return;
        };
        let locale = ctx
            .locale
            .map(str::to_string)
            .or_else(|| locale_from_name(ctx.path));
        for data in root.elements().filter(|e| e.name == "data" && e.closed) {
            if let Some(d) = definition(data, ctx, locale.as_deref(), emit) {
                emit(Item::Definition(d));
            }
        }
    }
}

fn definition(
    data: &Element,
    ctx: &ScanContext<'_>,
    locale: Option<&str>,
    emit: &mut dyn FnMut(Item),
) -> Option<Definition> {
    let Some(name) = data.attr("name") else {
        emit(Item::Warning(Warning::new(
            ctx.path,
            Some(data.line),
            "<data> without a name, skipped",
        )));
        return None;
    };
    let typed = data
        .attr("type")
        .is_some_and(|t| !t.starts_with("System.String"))
        || data.attr("mimetype").is_some();
    if typed {
        return None;
    }
    let location = Location::new(ctx.path, data.line);
    let mut d = match data.child("value") {
        Some(value) => Definition::new(name, value.text(), location),
        None => Definition {
            state: DefinitionState::Untranslated,
            ..Definition::new(name, "", location)
        },
    };
    d.locale = locale.map(str::to_string);
    d.note = data
        .child("comment")
        .map(Element::text)
        .filter(|c| !c.trim().is_empty());
    Some(d)
}

/// `Resources.ru.resx` → `ru`, `Strings.pt-BR.resx` → `pt-BR`; the neutral
/// `Resources.resx` has none.
fn locale_from_name(path: &str) -> Option<String> {
    let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let (_, culture) = stem.rsplit_once('.')?;
    is_culture_name(culture).then(|| culture.to_string())
}

/// A .NET culture name: a 2–3 letter language, then subtags (`sr-Latn-RS`).
fn is_culture_name(s: &str) -> bool {
    let mut parts = s.split('-');
    let language = parts.next().unwrap_or("");
    (2..=3).contains(&language.len())
        && language.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;
    use crate::scan::testing::{definitions, scan_text};

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<root>
  <!--
    <data name="Example">
      <value>not a real entry</value>
    </data>
  -->
  <xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" id="root">
    <xsd:element name="data" />
  </xsd:schema>
  <resheader name="resmimetype">
    <value>text/microsoft-resx</value>
  </resheader>
  <data name="FileNotFound" xml:space="preserve">
    <value>File '{0}' not found &amp; skipped.</value>
    <comment>{0} is a path</comment>
  </data>
  <data name="Icon" type="System.Drawing.Bitmap, System.Drawing" mimetype="application/x-microsoft.net.object.bytearray.base64">
    <value>AAAA</value>
  </data>
  <data name="Empty"><value /></data>
</root>"#;

    fn scan(path: &str, text: &str) -> Vec<Item> {
        scan_text(&Resx, path, &SourceOptions::default(), text)
    }

    #[test]
    fn data_entries_with_comments_and_lines() {
        let items = scan("Properties/Resources.ru.resx", SAMPLE);
        let defs = definitions(&items);
        assert_eq!(defs.len(), 2, "{items:?}");
        assert_eq!(defs[0].key, "FileNotFound");
        assert_eq!(defs[0].text, "File '{0}' not found & skipped.");
        assert_eq!(defs[0].note.as_deref(), Some("{0} is a path"));
        assert_eq!(defs[0].locale.as_deref(), Some("ru"));
        assert_eq!(defs[0].location.line, 14);
        assert_eq!(defs[1].key, "Empty");
        assert_eq!(defs[1].text, "");
    }

    #[test]
    fn locale_only_from_culture_names() {
        assert_eq!(
            locale_from_name("a/Resources.ru.resx").as_deref(),
            Some("ru")
        );
        assert_eq!(
            locale_from_name("Strings.pt-BR.resx").as_deref(),
            Some("pt-BR")
        );
        assert_eq!(locale_from_name("Resources.resx"), None);
        assert_eq!(locale_from_name("My.Project.Resources.resx"), None);
    }

    #[test]
    fn broken_file_warns_and_keeps_earlier_entries() {
        let items = scan(
            "R.resx",
            "<root>\n<data name=\"A\"><value>a</value></data>\n<data name=\"B\"><value>b</valu>\n</root>",
        );
        assert!(matches!(&items[0], Item::Warning(w) if w.line == Some(3)));
        assert!(
            matches!(&items[1], Item::Definition(d) if d.key == "A"),
            "{items:?}"
        );
        assert_eq!(items.len(), 2);
    }
}
