//! JSON i18n catalogs: nested objects flattened to dotted keys.

use std::io::BufRead;

use super::{Item, ScanContext, Scanner};
use crate::model::Role;

pub struct JsonI18n;

impl Scanner for JsonI18n {
    fn name(&self) -> &'static str {
        "json_i18n"
    }

    fn role(&self) -> Role {
        Role::Definitions
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["json"]
    }

    fn sniff(&self, head: &str) -> bool {
        head.trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('{')
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let _ = (input, ctx, emit);
    }
}
