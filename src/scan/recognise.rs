//! Recognising a matched file: its scanner (declared, or told by its name and
//! head), its role and its charset. Discovery matches paths to sources; this is
//! where a file's format is known, beside the scanners that claim formats.

use std::path::PathBuf;

use super::Scanner;
use crate::charset::Charset;
use crate::discover::{Matched, Recognised};
use crate::model::{Role, Warning};
use crate::read::{self, ReadError};
use crate::rules::{Caps, Source, System};

/// A file to scan, with everything the rules say about it.
pub struct SourceFile<'r> {
    pub path: PathBuf,
    /// The path as shown to users and stored in the catalog.
    pub display: String,
    /// The path relative to its system's root (`/`-separated): the same file
    /// deployed on several hosts has the same one, so its definitions are one.
    pub rel: String,
    pub system: &'r System,
    pub source: &'r Source,
    pub scanner: &'static dyn Scanner,
    pub role: Role,
    /// Declared charset (source, then system); `None` means detect from content,
    /// or see `default_charset`.
    pub charset: Option<Charset>,
    /// With no declared charset, the format's own (Java `.properties`: ISO-8859-1)
    /// for a file that is not all valid UTF-8 ([`read::utf8_or`]).
    pub default_charset: Option<Charset>,
    /// What reading and scanning it may cost (the rules' `caps:`).
    pub caps: &'r Caps,
}

/// Decides format, role and charset of a matched file; passed to
/// [`crate::discover::discover`].
pub fn recognise(found: Matched<'_>) -> Recognised<SourceFile<'_>> {
    let Matched {
        path,
        display,
        rel,
        system,
        source,
        caps,
    } = found;
    let declared = source.encoding.or(system.encoding);
    let scanner = match source.format {
        Some(id) => super::scanner(id),
        None => {
            // A name that is not UTF-8 is matched (and shown) with U+FFFD for its bad bytes.
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            // Only files some format claims by name are opened at all.
            if !super::claims(&file_name) {
                return Recognised::UnknownFormat(display);
            }
            let head = match read::head(&path, declared) {
                Ok(h) => h,
                Err(e @ ReadError::Binary { .. }) => {
                    return Recognised::Binary(Warning::new(display, None, e.to_string()));
                }
                Err(e) => {
                    return Recognised::Unreadable(Warning::new(display, None, e.to_string()));
                }
            };
            match super::detect(&file_name, &head) {
                Some(s) => s,
                None => return Recognised::UnknownFormat(display),
            }
        }
    };
    let default_charset = match declared {
        Some(_) => None,
        None => scanner.default_encoding(),
    };
    Recognised::File(SourceFile {
        path,
        display,
        rel,
        system,
        source,
        role: source.role.unwrap_or(scanner.role()),
        scanner,
        charset: declared,
        default_charset,
        caps,
    })
}
