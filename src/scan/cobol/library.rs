//! What a COBOL program needs from the rest of its system: the copybook
//! members its `COPY` statements name, and the screen fields of the system's
//! BMS maps (for maps whose symbolic copybook was never generated).
//!
//! Built once per system before its files are scanned (the harvest reads the
//! system's copybooks and maps into it) and shared read-only by every scan.

use std::collections::{HashMap, HashSet};

use crate::model::Location;

/// One copybook member: its display path and decoded text.
#[derive(Debug, Clone)]
pub struct Member {
    pub path: String,
    pub text: String,
}

/// A screen field of a BMS map: its length and where it is declared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreenField {
    /// `MAPSET.MAP.FIELD`.
    pub qualified: String,
    pub length: u64,
    pub location: Location,
}

/// The copybooks and screen fields of one system.
#[derive(Debug, Default)]
pub struct Library {
    members: HashMap<String, Member>,
    screen: HashMap<String, ScreenField>,
    mapsets: HashSet<String>,
    /// Copybook entries (path, line) whose `VALUE` reaches a screen in some program.
    values_on_screen: HashSet<(String, u64)>,
    programs: bool,
    /// The rules' `message_fields`: when given, the fields whose texts reach clients.
    message_fields: Vec<regex::Regex>,
}

/// A member name as `COPY` writes it, from a file name: the stem, uppercase
/// (`CSMSG01Y.cpy` and `COPY 'csmsg01y'` name the same member).
pub fn member_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = base.split('.').next().unwrap_or(base);
    stem.trim_matches(['\'', '"']).to_ascii_uppercase()
}

impl Library {
    /// Adds a copybook read from `path`; the first member of a name wins
    /// (files are added in path order, so the choice is stable).
    pub fn add_member(&mut self, path: &str, text: String) {
        self.members
            .entry(member_name(path))
            .or_insert_with(|| Member {
                path: path.to_string(),
                text,
            });
    }

    /// Adds the fields of a BMS map source read from `path`.
    pub fn add_map(&mut self, path: &str, text: &str) {
        for field in crate::scan::bms::screen_fields(text) {
            self.mapsets.insert(field.mapset.clone());
            let Some(name) = &field.name else { continue };
            self.screen
                .entry(name.clone())
                .or_insert_with(|| ScreenField {
                    qualified: field.qualified(name),
                    length: field.length,
                    location: Location::new(path, field.line),
                });
        }
    }

    /// Says that the system has programs: they, not the copybooks alone, tell
    /// which `VALUE` texts reach a client.
    pub fn set_programs(&mut self, programs: bool) {
        self.programs = programs;
    }

    /// Names the client-visible fields (the rules' `message_fields`), instead
    /// of screen fields and what reaches them.
    pub fn set_message_fields(&mut self, fields: Vec<regex::Regex>) {
        self.message_fields = fields;
    }

    /// Whether the rules name the client-visible fields; if so, whether `name` is one.
    pub fn message_field(&self, name: &str) -> Option<bool> {
        (!self.message_fields.is_empty()).then(|| {
            self.message_fields.iter().any(|re| {
                re.find(name)
                    .is_some_and(|m| m.start() == 0 && m.end() == name.len())
            })
        })
    }

    pub fn has_programs(&self) -> bool {
        self.programs
    }

    /// Notes that the `VALUE` of the copybook entry at `path:line` reaches a
    /// screen in some program of the system.
    pub fn add_value_on_screen(&mut self, path: String, line: u64) {
        self.values_on_screen.insert((path, line));
    }

    /// Whether the `VALUE` of the copybook entry at `path:line` reaches a screen.
    pub fn value_on_screen(&self, path: &str, line: u64) -> bool {
        self.values_on_screen.contains(&(path.to_string(), line))
    }

    /// Whether any map of the system is known.
    pub fn has_maps(&self) -> bool {
        !self.screen.is_empty()
    }

    /// Whether `name` is a map set of the system: `COPY mapset` brings in its
    /// symbolic map, generated at build time and often not kept in the tree.
    pub fn has_mapset(&self, name: &str) -> bool {
        self.mapsets.contains(&member_name(name))
    }

    /// The member `COPY name` brings in.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.get(&member_name(name))
    }

    /// The screen field a program names as `FIELD`, `FIELDO` or `FIELDI`.
    pub fn screen_field(&self, name: &str) -> Option<&ScreenField> {
        let upper = name.to_ascii_uppercase();
        self.screen.get(&upper).or_else(|| {
            upper
                .strip_suffix('O')
                .or_else(|| upper.strip_suffix('I'))
                .and_then(|base| self.screen.get(base))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_named_by_stem_and_screen_fields_by_their_suffixes() {
        let mut library = Library::default();
        library.add_member("app/cpy/CSMSG01Y.cpy", "01 A PIC X.".to_string());
        library.add_member("other/CSMSG01Y.CPY", "01 B PIC X.".to_string());
        assert_eq!(
            library.member("'csmsg01y'").map(|m| m.path.as_str()),
            Some("app/cpy/CSMSG01Y.cpy")
        );
        assert!(library.member("NOPE").is_none());
        assert!(!library.has_maps());
        library.add_map(
            "app/bms/COSGN00.bms",
            "COSGN00 DFHMSD TYPE=MAP\nCOSGN0A DFHMDI SIZE=(24,80)\nERRMSG  DFHMDF LENGTH=78\n",
        );
        assert!(library.has_maps());
        assert!(library.has_mapset("cosgn00"));
        for name in ["ERRMSG", "errmsgO", "ERRMSGI"] {
            let field = library.screen_field(name).expect("known");
            assert_eq!(field.qualified, "COSGN00.COSGN0A.ERRMSG");
            assert_eq!(field.length, 78);
            assert_eq!(field.location.line, 3);
        }
        assert!(library.screen_field("ERRMSGX").is_none());
    }
}
