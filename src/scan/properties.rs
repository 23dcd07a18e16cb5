//! Java `.properties` bundles, read with `java.util.Properties` semantics.

use std::io::BufRead;

use super::{Item, ScanContext, Scanner};
use crate::model::Role;

pub struct Properties;

impl Scanner for Properties {
    fn name(&self) -> &'static str {
        "properties"
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["properties"]
    }

    fn default_encoding(&self) -> Option<&'static str> {
        Some("iso-8859-1")
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let _ = (input, ctx, emit);
    }
}
