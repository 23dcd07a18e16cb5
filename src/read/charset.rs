//! Charsets by label, BOM and content detection, and the decoding reader.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use encoding_rs::Encoding;

use super::{DecodeStats, HEAD_LEN, Opened, ReadError};

/// A charset errata decodes and encodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Any WHATWG encoding encoding_rs knows (UTF-8, UTF-16, windows-1251, koi8-r…).
    Web(&'static Encoding),
}

const KNOWN_LABELS: &[&str] = &[
    "utf-8",
    "utf-16le",
    "utf-16be",
    "windows-1251",
    "cp1251",
    "koi8-r",
    "koi8-u",
    "ibm866",
    "cp866",
    "iso-8859-1",
    "iso-8859-5",
    "iso-8859-15",
    "windows-1252",
];

impl Charset {
    pub const UTF_8: Charset = Charset::Web(encoding_rs::UTF_8);

    /// The charset for a label such as `cp1251` or `KOI8-R`.
    pub fn from_label(label: &str) -> Option<Charset> {
        let label = label.trim().to_ascii_lowercase();
        // encoding_rs follows WHATWG, which maps iso-8859-1 to windows-1252: the
        // same for every byte a text file has, so the alias is kept.
        let label = match label.as_str() {
            "cp1251" => "windows-1251",
            "cp866" => "ibm866",
            other => other,
        };
        Encoding::for_label(label.as_bytes()).map(Charset::Web)
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
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Charset::Web(e) => e.name(),
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
        }
    }
}

pub(super) fn open(path: &Path, declared: Option<Charset>) -> Result<Opened, ReadError> {
    let mut file = BufReader::new(File::open(path)?);
    let head = file.fill_buf()?.to_vec();
    let (charset, guessed) = match declared {
        Some(c) => (c, false),
        None => detect(&head)?,
    };
    let stats = Arc::new(DecodeStats::default());
    let mut raw = Vec::new();
    file.read_to_end(&mut raw)?;
    let Charset::Web(encoding) = charset;
    let (text, _, had_errors) = encoding.decode(&raw);
    if had_errors {
        let replaced = text.matches('\u{FFFD}').count() as u64;
        stats.replaced.fetch_add(replaced, Ordering::Relaxed);
    }
    let text = text.into_owned();
    Ok(Opened {
        reader: Box::new(std::io::Cursor::new(text.into_bytes())),
        charset,
        guessed,
        stats,
    })
}

fn detect(head: &[u8]) -> Result<(Charset, bool), ReadError> {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return Ok((Charset::Web(enc), false));
    }
    if let Some(offset) = memchr::memchr(0, &head[..head.len().min(HEAD_LEN)]) {
        return Err(ReadError::Binary {
            offset: offset as u64,
        });
    }
    Ok((Charset::UTF_8, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_unencodable_characters() {
        let cp1251 = Charset::from_label("cp1251").unwrap();
        let utf8 = Charset::UTF_8;
        let text = "Ошибка «№5» — ok";
        assert_eq!(cp1251.encoded_len(text), text.chars().count());
        assert_eq!(utf8.encoded_len("Ошибка"), 12);
        // windows-1251 has «», № and — but no emoji or ellipsis-free check here.
        assert!(cp1251.unencodable_chars(text).is_empty());
        assert_eq!(cp1251.unencodable_chars("Готово 👍"), vec!['👍']);
        let latin1 = Charset::from_label("iso-8859-1").unwrap();
        assert_eq!(
            latin1.unencodable_chars("Ошибка"),
            vec!['О', 'ш', 'и', 'б', 'к', 'а']
        );
    }
}
