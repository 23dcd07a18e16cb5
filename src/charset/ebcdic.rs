//! EBCDIC code pages errata reads: IBM037 (US/Canada Latin) and IBM1025 (Cyrillic).
//!
//! encoding_rs follows WHATWG and has no EBCDIC, so the tables live here. They map
//! every byte (both code pages are full 256-entry tables) and were cross-checked
//! against glibc iconv (`IBM037`, `IBM1025`) and Python's `cp037` codec.
//!
//! One deliberate departure: byte 0x15 (EBCDIC NL, U+0085 in the IBM tables) decodes
//! to `\n`, because mainframe text and record files end their lines with NL, and
//! every scanner splits lines on `\n`. Encoding maps both `\n` and U+0085 to 0x15.

use std::sync::LazyLock;

/// An EBCDIC code page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ebcdic {
    /// IBM037: EBCDIC US/Canada, Latin-1 repertoire.
    Cp037,
    /// IBM1025: EBCDIC Cyrillic multilingual (Russian, Bulgarian, Serbian, Macedonian).
    Cp1025,
}

/// The byte EBCDIC ends lines with (NL).
const NL: u8 = 0x15;

/// UTF-8 bytes of one decoded byte: length, then up to three bytes.
type Utf8Table = [(u8, [u8; 3]); 256];

impl Ebcdic {
    /// Name shown in summaries and `rules check`, in the style of encoding_rs (`IBM866`).
    pub fn name(self) -> &'static str {
        match self {
            Ebcdic::Cp037 => "IBM037",
            Ebcdic::Cp1025 => "IBM1025",
        }
    }

    /// The code page for a compact label (lowercase, no separators): `cp037`, `ibm1025`…
    pub(super) fn from_compact_label(compact: &str) -> Option<Ebcdic> {
        match compact {
            "cp037" | "cp37" | "ibm037" | "ibm37" | "ebcdiccpus" | "ebcdiccpca" | "csibm037" => {
                Some(Ebcdic::Cp037)
            }
            "cp1025" | "ibm1025" | "csibm1025" | "ebcdiccyrillic" => Some(Ebcdic::Cp1025),
            _ => None,
        }
    }

    /// The character a byte decodes to.
    pub fn decode_byte(self, byte: u8) -> char {
        if byte == NL {
            return '\n';
        }
        let unit = self.table()[usize::from(byte)];
        // Every table entry is a BMP scalar value (checked by a test).
        char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)
    }

    /// Decodes as much of `src` as fits into `dst`, returning (bytes read, bytes
    /// written). Every byte has a character, so decoding never fails.
    pub fn decode_to_utf8(self, src: &[u8], dst: &mut [u8]) -> (usize, usize) {
        let table = match self {
            Ebcdic::Cp037 => &CP037_UTF8,
            Ebcdic::Cp1025 => &CP1025_UTF8,
        };
        // While the output has room for three bytes per input byte, copy all three
        // and advance by the real length: no branch per byte.
        let fast = src.len().min(dst.len() / 3);
        let mut written = 0;
        for &byte in &src[..fast] {
            let (len, bytes) = &table[usize::from(byte)];
            dst[written..written + 3].copy_from_slice(bytes);
            written += usize::from(*len);
        }
        for (read, &byte) in src.iter().enumerate().skip(fast) {
            let (len, bytes) = &table[usize::from(byte)];
            let len = usize::from(*len);
            let Some(out) = dst.get_mut(written..written + len) else {
                return (read, written);
            };
            out.copy_from_slice(&bytes[..len]);
            written += len;
        }
        (src.len(), written)
    }

    /// The byte for a character, or `None` when the code page has none.
    pub fn encode_char(self, c: char) -> Option<u8> {
        let map = match self {
            Ebcdic::Cp037 => &*CP037_ENCODE,
            Ebcdic::Cp1025 => &*CP1025_ENCODE,
        };
        map.binary_search_by_key(&c, |&(c, _)| c)
            .ok()
            .map(|i| map[i].1)
    }

    fn table(self) -> &'static [u16; 256] {
        match self {
            Ebcdic::Cp037 => &CP037,
            Ebcdic::Cp1025 => &CP1025,
        }
    }
}

static CP037_UTF8: Utf8Table = utf8_table(&CP037);
static CP1025_UTF8: Utf8Table = utf8_table(&CP1025);
static CP037_ENCODE: LazyLock<Vec<(char, u8)>> = LazyLock::new(|| encode_map(Ebcdic::Cp037));
static CP1025_ENCODE: LazyLock<Vec<(char, u8)>> = LazyLock::new(|| encode_map(Ebcdic::Cp1025));

/// Pre-encodes a table to UTF-8 at compile time, so decoding is one lookup per byte.
const fn utf8_table(table: &[u16; 256]) -> Utf8Table {
    let mut out = [(0u8, [0u8; 3]); 256];
    let mut i = 0;
    while i < 256 {
        let unit = if i == NL as usize {
            b'\n' as u16
        } else {
            table[i]
        };
        out[i] = if unit < 0x80 {
            (1, [unit as u8, 0, 0])
        } else if unit < 0x800 {
            (2, [0xC0 | (unit >> 6) as u8, 0x80 | (unit & 0x3F) as u8, 0])
        } else {
            (
                3,
                [
                    0xE0 | (unit >> 12) as u8,
                    0x80 | ((unit >> 6) & 0x3F) as u8,
                    0x80 | (unit & 0x3F) as u8,
                ],
            )
        };
        i += 1;
    }
    out
}

/// Character → byte, sorted by character. Where two bytes decode to one character
/// (0x15 and 0x25 both give `\n`), the lower byte (NL) wins; U+0085 maps to NL too.
fn encode_map(page: Ebcdic) -> Vec<(char, u8)> {
    let mut map: Vec<(char, u8)> = (0..=255u8).map(|b| (page.decode_byte(b), b)).collect();
    map.push(('\u{85}', NL));
    map.sort_unstable();
    map.dedup_by_key(|&mut (c, _)| c);
    map
}

// Byte → UTF-16 code unit, row by row (0x00–0x0F, 0x10–0x1F, …).
#[rustfmt::skip]
const CP037: [u16; 256] = [
    0x0000, 0x0001, 0x0002, 0x0003, 0x009C, 0x0009, 0x0086, 0x007F, 0x0097, 0x008D, 0x008E, 0x000B, 0x000C, 0x000D, 0x000E, 0x000F,
    0x0010, 0x0011, 0x0012, 0x0013, 0x009D, 0x0085, 0x0008, 0x0087, 0x0018, 0x0019, 0x0092, 0x008F, 0x001C, 0x001D, 0x001E, 0x001F,
    0x0080, 0x0081, 0x0082, 0x0083, 0x0084, 0x000A, 0x0017, 0x001B, 0x0088, 0x0089, 0x008A, 0x008B, 0x008C, 0x0005, 0x0006, 0x0007,
    0x0090, 0x0091, 0x0016, 0x0093, 0x0094, 0x0095, 0x0096, 0x0004, 0x0098, 0x0099, 0x009A, 0x009B, 0x0014, 0x0015, 0x009E, 0x001A,
    0x0020, 0x00A0, 0x00E2, 0x00E4, 0x00E0, 0x00E1, 0x00E3, 0x00E5, 0x00E7, 0x00F1, 0x00A2, 0x002E, 0x003C, 0x0028, 0x002B, 0x007C,
    0x0026, 0x00E9, 0x00EA, 0x00EB, 0x00E8, 0x00ED, 0x00EE, 0x00EF, 0x00EC, 0x00DF, 0x0021, 0x0024, 0x002A, 0x0029, 0x003B, 0x00AC,
    0x002D, 0x002F, 0x00C2, 0x00C4, 0x00C0, 0x00C1, 0x00C3, 0x00C5, 0x00C7, 0x00D1, 0x00A6, 0x002C, 0x0025, 0x005F, 0x003E, 0x003F,
    0x00F8, 0x00C9, 0x00CA, 0x00CB, 0x00C8, 0x00CD, 0x00CE, 0x00CF, 0x00CC, 0x0060, 0x003A, 0x0023, 0x0040, 0x0027, 0x003D, 0x0022,
    0x00D8, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x00AB, 0x00BB, 0x00F0, 0x00FD, 0x00FE, 0x00B1,
    0x00B0, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F, 0x0070, 0x0071, 0x0072, 0x00AA, 0x00BA, 0x00E6, 0x00B8, 0x00C6, 0x00A4,
    0x00B5, 0x007E, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, 0x0078, 0x0079, 0x007A, 0x00A1, 0x00BF, 0x00D0, 0x00DD, 0x00DE, 0x00AE,
    0x005E, 0x00A3, 0x00A5, 0x00B7, 0x00A9, 0x00A7, 0x00B6, 0x00BC, 0x00BD, 0x00BE, 0x005B, 0x005D, 0x00AF, 0x00A8, 0x00B4, 0x00D7,
    0x007B, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, 0x0048, 0x0049, 0x00AD, 0x00F4, 0x00F6, 0x00F2, 0x00F3, 0x00F5,
    0x007D, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F, 0x0050, 0x0051, 0x0052, 0x00B9, 0x00FB, 0x00FC, 0x00F9, 0x00FA, 0x00FF,
    0x005C, 0x00F7, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, 0x0058, 0x0059, 0x005A, 0x00B2, 0x00D4, 0x00D6, 0x00D2, 0x00D3, 0x00D5,
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x00B3, 0x00DB, 0x00DC, 0x00D9, 0x00DA, 0x009F,
];

#[rustfmt::skip]
const CP1025: [u16; 256] = [
    0x0000, 0x0001, 0x0002, 0x0003, 0x009C, 0x0009, 0x0086, 0x007F, 0x0097, 0x008D, 0x008E, 0x000B, 0x000C, 0x000D, 0x000E, 0x000F,
    0x0010, 0x0011, 0x0012, 0x0013, 0x009D, 0x0085, 0x0008, 0x0087, 0x0018, 0x0019, 0x0092, 0x008F, 0x001C, 0x001D, 0x001E, 0x001F,
    0x0080, 0x0081, 0x0082, 0x0083, 0x0084, 0x000A, 0x0017, 0x001B, 0x0088, 0x0089, 0x008A, 0x008B, 0x008C, 0x0005, 0x0006, 0x0007,
    0x0090, 0x0091, 0x0016, 0x0093, 0x0094, 0x0095, 0x0096, 0x0004, 0x0098, 0x0099, 0x009A, 0x009B, 0x0014, 0x0015, 0x009E, 0x001A,
    0x0020, 0x00A0, 0x0452, 0x0453, 0x0451, 0x0454, 0x0455, 0x0456, 0x0457, 0x0458, 0x005B, 0x002E, 0x003C, 0x0028, 0x002B, 0x0021,
    0x0026, 0x0459, 0x045A, 0x045B, 0x045C, 0x045E, 0x045F, 0x042A, 0x2116, 0x0402, 0x005D, 0x0024, 0x002A, 0x0029, 0x003B, 0x005E,
    0x002D, 0x002F, 0x0403, 0x0401, 0x0404, 0x0405, 0x0406, 0x0407, 0x0408, 0x0409, 0x007C, 0x002C, 0x0025, 0x005F, 0x003E, 0x003F,
    0x040A, 0x040B, 0x040C, 0x00AD, 0x040E, 0x040F, 0x044E, 0x0430, 0x0431, 0x0060, 0x003A, 0x0023, 0x0040, 0x0027, 0x003D, 0x0022,
    0x0446, 0x0061, 0x0062, 0x0063, 0x0064, 0x0065, 0x0066, 0x0067, 0x0068, 0x0069, 0x0434, 0x0435, 0x0444, 0x0433, 0x0445, 0x0438,
    0x0439, 0x006A, 0x006B, 0x006C, 0x006D, 0x006E, 0x006F, 0x0070, 0x0071, 0x0072, 0x043A, 0x043B, 0x043C, 0x043D, 0x043E, 0x043F,
    0x044F, 0x007E, 0x0073, 0x0074, 0x0075, 0x0076, 0x0077, 0x0078, 0x0079, 0x007A, 0x0440, 0x0441, 0x0442, 0x0443, 0x0436, 0x0432,
    0x044C, 0x044B, 0x0437, 0x0448, 0x044D, 0x0449, 0x0447, 0x044A, 0x042E, 0x0410, 0x0411, 0x0426, 0x0414, 0x0415, 0x0424, 0x0413,
    0x007B, 0x0041, 0x0042, 0x0043, 0x0044, 0x0045, 0x0046, 0x0047, 0x0048, 0x0049, 0x0425, 0x0418, 0x0419, 0x041A, 0x041B, 0x041C,
    0x007D, 0x004A, 0x004B, 0x004C, 0x004D, 0x004E, 0x004F, 0x0050, 0x0051, 0x0052, 0x041D, 0x041E, 0x041F, 0x042F, 0x0420, 0x0421,
    0x005C, 0x00A7, 0x0053, 0x0054, 0x0055, 0x0056, 0x0057, 0x0058, 0x0059, 0x005A, 0x0422, 0x0423, 0x0416, 0x0412, 0x042C, 0x042B,
    0x0030, 0x0031, 0x0032, 0x0033, 0x0034, 0x0035, 0x0036, 0x0037, 0x0038, 0x0039, 0x0417, 0x0428, 0x042D, 0x0429, 0x0427, 0x009F,
];

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(page: Ebcdic, bytes: &[u8]) -> String {
        let mut out = vec![0; bytes.len() * 3];
        let (read, written) = page.decode_to_utf8(bytes, &mut out);
        assert_eq!(read, bytes.len());
        String::from_utf8(out[..written].to_vec()).unwrap()
    }

    fn encode(page: Ebcdic, text: &str) -> Vec<u8> {
        text.chars().map(|c| page.encode_char(c).unwrap()).collect()
    }

    #[test]
    fn cp037_known_bytes() {
        assert_eq!(
            decode(Ebcdic::Cp037, &[0xC8, 0xC5, 0xD3, 0xD3, 0xD6]),
            "HELLO"
        );
        assert_eq!(
            encode(Ebcdic::Cp037, "HELLO"),
            [0xC8, 0xC5, 0xD3, 0xD3, 0xD6]
        );
        assert_eq!(decode(Ebcdic::Cp037, &[0x81, 0x89, 0x91, 0xA9]), "aijz");
        assert_eq!(
            decode(Ebcdic::Cp037, &[0xF0, 0xF9, 0x40, 0x4B, 0x5B]),
            "09 .$"
        );
        // Latin-1 letters and the cp037 specials: ¢ ¬ ¦.
        assert_eq!(decode(Ebcdic::Cp037, &[0x51, 0x4A, 0x5F, 0x6A]), "é¢¬¦");
    }

    #[test]
    fn cp1025_latin_and_cyrillic() {
        assert_eq!(decode(Ebcdic::Cp1025, &[0xC1, 0xC2, 0xC3, 0xE9]), "ABCZ");
        assert_eq!(
            decode(Ebcdic::Cp1025, &[0xB9, 0xBA, 0xED, 0xBF, 0xBC, 0xBD, 0x63]),
            "АБВГДЕЁ"
        );
        assert_eq!(
            decode(Ebcdic::Cp1025, &[0x77, 0x78, 0xAF, 0x8D, 0x8A, 0x8B, 0x44]),
            "абвгдеё"
        );
        assert_eq!(decode(Ebcdic::Cp1025, &[0xDD, 0xFE, 0xFD, 0xB8]), "ЯЧЩЮ");
        assert_eq!(decode(Ebcdic::Cp1025, &[0x58]), "№");
        assert_eq!(
            encode(Ebcdic::Cp1025, "Счёт №5"),
            [0xDF, 0xB6, 0x44, 0xAC, 0x40, 0x58, 0xF5]
        );
    }

    #[test]
    fn nl_is_a_newline_both_ways() {
        for page in [Ebcdic::Cp037, Ebcdic::Cp1025] {
            assert_eq!(decode(page, &[0xC1, 0x15, 0xC2, 0x25]), "A\nB\n");
            assert_eq!(page.encode_char('\n'), Some(0x15));
            assert_eq!(page.encode_char('\u{85}'), Some(0x15));
        }
    }

    #[test]
    fn every_byte_round_trips_except_lf() {
        for page in [Ebcdic::Cp037, Ebcdic::Cp1025] {
            for byte in (0..=255u8).filter(|&b| b != 0x25) {
                let c = page.decode_byte(byte);
                assert_ne!(c, char::REPLACEMENT_CHARACTER, "{page:?} {byte:#04x}");
                assert_eq!(page.encode_char(c), Some(byte), "{page:?} {byte:#04x}");
                assert_eq!(decode(page, &[byte]), c.to_string());
            }
        }
    }

    #[test]
    fn unmapped_characters_have_no_byte() {
        assert_eq!(Ebcdic::Cp037.encode_char('Ж'), None);
        assert_eq!(Ebcdic::Cp1025.encode_char('é'), None);
        assert_eq!(Ebcdic::Cp1025.encode_char('€'), None);
    }

    #[test]
    fn decoding_stops_when_the_output_is_full() {
        // Two bytes of output per Cyrillic letter: four bytes hold two letters.
        let mut out = [0u8; 5];
        assert_eq!(
            Ebcdic::Cp1025.decode_to_utf8(&[0xB9, 0xBA, 0xBB], &mut out),
            (2, 4)
        );
    }
}
