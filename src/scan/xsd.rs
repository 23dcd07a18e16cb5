//! XML Schema (`.xsd`): `xs:maxLength` (or `xs:length`) facets as field limits in
//! characters, which is what XSD string lengths count.
//!
//! A named `simpleType` with a length yields a limit named after the type; a type
//! restricting another inherits its length unless it sets its own. Every element or
//! attribute whose type (named, or anonymous inside it) has a length yields a limit
//! named by its path from the nearest named schema component: a top-level element,
//! `complexType`, `group` or `attributeGroup`, then nested element names joined by
//! `.`, an attribute as `@name` (`PaymentError.Reason`, `PaymentError.Reason@lang`,
//! `ErrorType.Text`). References (`ref=`) and imported schemas are not followed.

use std::collections::HashMap;
use std::io::BufRead;

use super::xml_tree::{self, Element};
use super::{Item, ScanContext, Scanner};
use crate::model::{FieldLimit, FormatId, LimitUnit, Location, Role};

pub struct Xsd;

impl Scanner for Xsd {
    fn id(&self) -> FormatId {
        FormatId::Xsd
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["xsd"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let Some(root) = xml_tree::parse_root(input, ctx, emit, "schema", "an XML schema") else {
            return;
        };
        let types: HashMap<&str, &Element> = root
            .elements_named("simpleType")
            .filter_map(|t| Some((t.attr("name")?, t)))
            .collect();
        let schema = Schema { types };
        let mut limit = |field: String, max: u64, line: u64| {
            emit(Item::Limit(FieldLimit {
                field,
                max,
                unit: LimitUnit::Chars,
                location: Location::new(ctx.path, line),
            }));
        };
        for component in root.elements() {
            let Some(name) = component.attr("name") else {
                continue;
            };
            match component.local_name() {
                "simpleType" => {
                    if let Some(max) = schema.simple_type_max(component, 0) {
                        limit(name.to_string(), max, component.line);
                    }
                }
                "element" | "attribute" => schema.declaration(component, "", &mut limit),
                "complexType" | "group" | "attributeGroup" => {
                    schema.members(component, name, &mut limit);
                }
                _ => {}
            }
        }
    }
}

struct Schema<'a> {
    /// Top-level named simple types.
    types: HashMap<&'a str, &'a Element>,
}

/// Restriction chains longer than this are taken as cycles.
const MAX_TYPE_DEPTH: u8 = 16;

impl Schema<'_> {
    /// The length of a `simpleType`: its own facet, else its base type's.
    fn simple_type_max(&self, simple_type: &Element, depth: u8) -> Option<u64> {
        let restriction = simple_type.child("restriction")?;
        let facet = restriction
            .elements()
            .filter(|f| matches!(f.local_name(), "maxLength" | "length"))
            .find_map(|f| f.attr("value")?.trim().parse().ok());
        facet.or_else(|| {
            let base = restriction.attr("base")?;
            self.named_type_max(base, depth + 1)
        })
    }

    fn named_type_max(&self, qualified: &str, depth: u8) -> Option<u64> {
        if depth > MAX_TYPE_DEPTH {
            return None;
        }
        let local = qualified.rsplit(':').next().unwrap_or(qualified);
        self.simple_type_max(self.types.get(local)?, depth)
    }

    /// An element or attribute declaration at `parent`, and what its anonymous type holds.
    fn declaration(
        &self,
        declaration: &Element,
        parent: &str,
        limit: &mut dyn FnMut(String, u64, u64),
    ) {
        let Some(name) = declaration.attr("name") else {
            return;
        };
        let path = match (declaration.local_name(), parent) {
            ("attribute", _) => format!("{parent}@{name}"),
            (_, "") => name.to_string(),
            _ => format!("{parent}.{name}"),
        };
        let max = match declaration.attr("type") {
            Some(named) => self.named_type_max(named, 0),
            None => declaration
                .child("simpleType")
                .and_then(|t| self.simple_type_max(t, 0)),
        };
        if let Some(max) = max {
            limit(path.clone(), max, declaration.line);
        }
        if let Some(complex) = declaration.child("complexType") {
            self.members(complex, &path, limit);
        }
    }

    /// The element and attribute declarations below a content model, at `path`.
    fn members(&self, model: &Element, path: &str, limit: &mut dyn FnMut(String, u64, u64)) {
        for child in model.elements() {
            match child.local_name() {
                "element" | "attribute" => self.declaration(child, path, limit),
                // Anonymous types and annotations hold no member declarations of this path.
                "simpleType" | "annotation" => {}
                _ => self.members(child, path, limit),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;
    use crate::scan::testing::scan_text;

    #[test]
    fn lengths_of_types_elements_and_attributes() {
        let xsd = r#"<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:tns="urn:bank" targetNamespace="urn:bank">
  <!-- <xs:simpleType name="Old"><xs:restriction base="xs:string"><xs:maxLength value="9"/></xs:restriction></xs:simpleType> -->
  <xs:simpleType name="MessageText">
    <xs:restriction base="xs:string"><xs:maxLength value="140"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="ShortText">
    <xs:restriction base="tns:MessageText"><xs:pattern value=".*"/></xs:restriction>
  </xs:simpleType>
  <xs:simpleType name="Loop"><xs:restriction base="tns:Loop"/></xs:simpleType>
  <xs:element name="PaymentError">
    <xs:complexType>
      <xs:sequence>
        <xs:element name="Code" type="xs:string"/>
        <xs:element name="Reason" type="tns:MessageText"/>
        <xs:element name="Hint">
          <xs:simpleType>
            <xs:restriction base="xs:string"><xs:length value="20"/></xs:restriction>
          </xs:simpleType>
        </xs:element>
        <xs:choice><xs:element name="Short" type="tns:ShortText"/></xs:choice>
      </xs:sequence>
      <xs:attribute name="lang" type="tns:ShortText"/>
    </xs:complexType>
  </xs:element>
  <xs:complexType name="ErrorType">
    <xs:sequence><xs:element name="Text" type="MessageText"/></xs:sequence>
  </xs:complexType>
</xs:schema>"#;
        let items = scan_text(&Xsd, "bank.xsd", &SourceOptions::default(), xsd);
        let limits: Vec<(String, u64, u64)> = items
            .into_iter()
            .map(|i| match i {
                Item::Limit(l) => (l.field, l.max, l.location.line),
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        let expected = [
            ("MessageText", 140, 4),
            ("ShortText", 140, 7),
            ("PaymentError.Reason", 140, 15),
            ("PaymentError.Hint", 20, 16),
            ("PaymentError.Short", 140, 21),
            ("PaymentError@lang", 140, 23),
            ("ErrorType.Text", 140, 27),
        ];
        let expected: Vec<(String, u64, u64)> = expected
            .iter()
            .map(|(f, m, l)| (f.to_string(), *m, *l))
            .collect();
        assert_eq!(limits, expected);
    }
}
