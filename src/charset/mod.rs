//! Charsets: every encoding errata reads, decodes and measures in, by label.
//!
//! Shared vocabulary of the whole pipeline, at the bottom of the imports: the rules
//! name encodings, `read` decodes with them, `audit` measures byte lengths in them.
//! encoding_rs has every WHATWG encoding; the EBCDIC code pages, which it lacks,
//! are tables in [`ebcdic`].

use encoding_rs::Encoding;

mod ebcdic;

pub use ebcdic::Ebcdic;

/// A charset errata decodes and encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Any WHATWG encoding encoding_rs knows (UTF-8, UTF-16, windows-1251, koi8-r…).
    Web(&'static Encoding),
    /// An EBCDIC code page (tables in `charset/ebcdic.rs`).
    Ebcdic(Ebcdic),
}

/// Labels suggested in error messages (every encoding_rs label and the aliases in
/// [`Charset::from_label`] are accepted too).
const KNOWN_LABELS: &[&str] = &[
    "utf-8",
    "utf-16le",
    "utf-16be",
    "windows-1250",
    "windows-1251",
    "windows-1252",
    "windows-1253",
    "windows-1254",
    "windows-1255",
    "windows-1256",
    "windows-1257",
    "windows-1258",
    "cp1251",
    "koi8-r",
    "koi8-u",
    "ibm866",
    "cp866",
    "iso-8859-1",
    "iso-8859-2",
    "iso-8859-5",
    "iso-8859-7",
    "iso-8859-15",
    "cp037",
    "cp1025",
];

impl Charset {
    pub const UTF_8: Charset = Charset::Web(encoding_rs::UTF_8);
    pub const UTF_16LE: Charset = Charset::Web(encoding_rs::UTF_16LE);
    pub const UTF_16BE: Charset = Charset::Web(encoding_rs::UTF_16BE);
    /// Also what the label `iso-8859-1` names (WHATWG): the same for every byte a
    /// text file has.
    pub const WINDOWS_1252: Charset = Charset::Web(encoding_rs::WINDOWS_1252);

    /// The charset for a label such as `cp1251`, `KOI8-R`, `win1251`, `utf16le`
    /// or `cp1025`: every encoding_rs (WHATWG) label, the same without separators,
    /// the Windows/DOS spellings users write, and the EBCDIC code pages.
    pub fn from_label(label: &str) -> Option<Charset> {
        let label = label.trim().to_ascii_lowercase();
        // encoding_rs follows WHATWG, which maps iso-8859-1 to windows-1252: the
        // same for every byte a text file has, so the alias is kept.
        if let Some(e) = Encoding::for_label(label.as_bytes()) {
            return Some(Charset::Web(e));
        }
        let compact: String = label.chars().filter(char::is_ascii_alphanumeric).collect();
        if let Some(page) = Ebcdic::from_compact_label(&compact) {
            return Some(Charset::Ebcdic(page));
        }
        let web = match compact.as_str() {
            "utf16" | "utf16le" => Some(encoding_rs::UTF_16LE),
            "utf16be" => Some(encoding_rs::UTF_16BE),
            "koi8r" | "cp20866" => Some(encoding_rs::KOI8_R),
            "koi8u" | "cp21866" => Some(encoding_rs::KOI8_U),
            "dos866" => Some(encoding_rs::IBM866),
            other => ["windows", "win", "ansi"]
                .iter()
                .find_map(|p| other.strip_prefix(p))
                .filter(|n| n.len() == 4 && n.starts_with("125"))
                .and_then(|n| Encoding::for_label(format!("windows-{n}").as_bytes()))
                .or_else(|| Encoding::for_label(other.as_bytes())),
        };
        web.map(Charset::Web)
    }

    /// Labels to suggest in error messages.
    pub fn known_labels() -> &'static [&'static str] {
        KNOWN_LABELS
    }

    /// The bytes of a line feed in this charset, for cutting content at line ends.
    pub fn newline(&self) -> &'static [u8] {
        match self {
            Charset::Web(e) if *e == encoding_rs::UTF_16LE => &[0x0A, 0x00],
            Charset::Web(e) if *e == encoding_rs::UTF_16BE => &[0x00, 0x0A],
            Charset::Web(_) => b"\n",
            Charset::Ebcdic(_) => &[0x15],
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Charset::Web(e) => e.name(),
            Charset::Ebcdic(page) => page.name(),
        }
    }

    /// Length of `text` in bytes once encoded in this charset (unencodable
    /// characters count as the one byte a substitute would take).
    pub fn encoded_len(&self, text: &str) -> usize {
        match self {
            Charset::Web(e) if *e == encoding_rs::UTF_8 => text.len(),
            Charset::Web(e) if *e == encoding_rs::UTF_16LE || *e == encoding_rs::UTF_16BE => {
                text.encode_utf16().count() * 2
            }
            // Single-byte: one byte per character, encodable or substituted.
            Charset::Ebcdic(_) => text.chars().count(),
            Charset::Web(_) => text
                .chars()
                .map(|c| self.encode_char(c).map_or(1, |b| b.len()))
                .sum(),
        }
    }

    /// The distinct characters of `text` this charset cannot represent, in order of appearance.
    pub fn unencodable_chars(&self, text: &str) -> Vec<char> {
        let mut out: Vec<char> = Vec::new();
        for c in text.chars() {
            if self.encode_char(c).is_none() && !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    /// The bytes of one character, or `None` when the charset has none for it.
    fn encode_char(&self, c: char) -> Option<Vec<u8>> {
        match self {
            Charset::Web(e) => {
                // UTF-16 labels encode as UTF-8 in encoding_rs (WHATWG); every char fits both.
                if *e == encoding_rs::UTF_8
                    || *e == encoding_rs::UTF_16LE
                    || *e == encoding_rs::UTF_16BE
                {
                    return Some(c.to_string().into_bytes());
                }
                let mut buf = [0u8; 4];
                let (bytes, _, unmappable) = e.encode(c.encode_utf8(&mut buf));
                (!unmappable).then(|| bytes.into_owned())
            }
            Charset::Ebcdic(page) => page.encode_char(c).map(|b| vec![b]),
        }
    }

    /// Whether this is UTF-16 (either byte order).
    pub fn is_utf16(&self) -> bool {
        matches!(self, Charset::Web(e) if *e == encoding_rs::UTF_16LE || *e == encoding_rs::UTF_16BE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(l: &str) -> &'static str {
        Charset::from_label(l).map_or("none", |c| c.name())
    }

    #[test]
    fn labels_and_aliases() {
        for (l, name) in [
            ("utf-8", "UTF-8"),
            ("UTF8", "UTF-8"),
            ("cp1251", "windows-1251"),
            ("win1251", "windows-1251"),
            ("Windows1251", "windows-1251"),
            ("ansi-1252", "windows-1252"),
            ("windows-1250", "windows-1250"),
            ("cp866", "IBM866"),
            ("dos-866", "IBM866"),
            ("KOI8-R", "KOI8-R"),
            ("koi8r", "KOI8-R"),
            ("cp20866", "KOI8-R"),
            ("koi8u", "KOI8-U"),
            ("iso-8859-5", "ISO-8859-5"),
            ("ISO_8859_5", "ISO-8859-5"),
            ("iso8859-2", "ISO-8859-2"),
            ("iso-8859-1", "windows-1252"),
            ("utf-16le", "UTF-16LE"),
            ("utf16le", "UTF-16LE"),
            ("UTF16BE", "UTF-16BE"),
            ("cp037", "IBM037"),
            ("IBM-037", "IBM037"),
            ("cp1025", "IBM1025"),
            ("ibm1025", "IBM1025"),
            ("shift_jis", "Shift_JIS"),
            ("cp1259", "none"),
            ("klingon", "none"),
        ] {
            assert_eq!(label(l), name, "{l}");
        }
        for l in Charset::known_labels() {
            assert!(Charset::from_label(l).is_some(), "{l}");
        }
    }

    #[test]
    fn lengths_and_unencodable_characters() {
        let cp1251 = Charset::from_label("cp1251").unwrap();
        let utf8 = Charset::UTF_8;
        let text = "Ошибка «№5» — ok";
        assert_eq!(cp1251.encoded_len(text), text.chars().count());
        assert_eq!(utf8.encoded_len("Ошибка"), 12);
        assert!(cp1251.unencodable_chars(text).is_empty());
        assert_eq!(cp1251.unencodable_chars("Готово 👍"), vec!['👍']);
        let latin1 = Charset::from_label("iso-8859-1").unwrap();
        assert_eq!(
            latin1.unencodable_chars("Ошибка"),
            vec!['О', 'ш', 'и', 'б', 'к', 'а']
        );
    }

    #[test]
    fn ebcdic_lengths_and_unencodable_characters() {
        let cp1025 = Charset::from_label("cp1025").unwrap();
        let cp037 = Charset::from_label("cp037").unwrap();
        assert_eq!(cp1025.encoded_len("Счёт №5"), 7);
        assert!(cp1025.unencodable_chars("Счёт №5 закрыт.").is_empty());
        assert_eq!(cp1025.unencodable_chars("café €"), vec!['é', '€']);
        assert_eq!(cp037.encoded_len("Ошибка"), 6);
        assert_eq!(
            cp037.unencodable_chars("Ошибка café"),
            vec!['О', 'ш', 'и', 'б', 'к', 'а']
        );
    }
}
