//! Charset detection from the first bytes of a file.
//!
//! Detection order when the rules declare no encoding (see `docs/formats.md`):
//! BOM; NUL bytes (UTF-16 by their pattern, else binary); valid UTF-8; a chardetng
//! guess. A BOM also overrides a declared non-EBCDIC charset: it is unambiguous.

use encoding_rs::Encoding;

use super::ReadError;
use crate::charset::Charset;

/// The charset a file is decoded with, and how it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Detected {
    pub charset: Charset,
    /// Chosen by chardetng rather than declared or certain.
    pub guessed: bool,
    /// Length of the byte order mark to skip.
    pub bom_len: usize,
}

/// Decides the charset from the decompressed `head` of a file (at most
/// [`super::HEAD_LEN`] bytes; shorter only when the file is). `at_eof` says the head
/// is the whole file, which lets chardetng judge a final partial sequence.
pub(super) fn detect(
    head: &[u8],
    at_eof: bool,
    declared: Option<Charset>,
) -> Result<Detected, ReadError> {
    let certain = |charset, bom_len| Detected {
        charset,
        guessed: false,
        bom_len,
    };
    if !matches!(declared, Some(Charset::Ebcdic(_)))
        && let Some((enc, bom_len)) = Encoding::for_bom(head)
    {
        return Ok(certain(Charset::Web(enc), bom_len));
    }
    if let Some(declared) = declared {
        // EBCDIC record files may hold packed-decimal fields with NUL bytes; a
        // declaration of UTF-16 or EBCDIC is trusted as it stands.
        if !declared.is_utf16() && !matches!(declared, Charset::Ebcdic(_)) {
            reject_binary(head)?;
        }
        return Ok(certain(declared, 0));
    }
    if memchr::memchr(0, head).is_some() {
        return match utf16_by_nul_pattern(head) {
            Some(enc) => Ok(certain(Charset::Web(enc), 0)),
            None => Err(binary(head)),
        };
    }
    if is_utf8_head(head, at_eof) {
        return Ok(certain(Charset::UTF_8, 0));
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(head, at_eof);
    let guess = detector.guess(None, chardetng::Utf8Detection::Deny);
    Ok(Detected {
        charset: Charset::Web(guess),
        guessed: true,
        bom_len: 0,
    })
}

fn reject_binary(head: &[u8]) -> Result<(), ReadError> {
    match memchr::memchr(0, head) {
        Some(_) => Err(binary(head)),
        None => Ok(()),
    }
}

fn binary(head: &[u8]) -> ReadError {
    ReadError::Binary {
        offset: memchr::memchr(0, head).unwrap_or(0) as u64,
    }
}

/// Whether `head` is UTF-8: valid (a sequence cut by the end of the head is
/// fine), or mostly valid, with at least [`MULTIBYTE_PER_INVALID`] valid
/// multi-byte characters per invalid sequence, as when a few lines of a UTF-8 log
/// are cut or carry a stray legacy fragment. Legacy single-byte text almost never
/// forms valid multi-byte sequences, so it fails this test.
fn is_utf8_head(head: &[u8], at_eof: bool) -> bool {
    let (mut multibyte, mut invalid) = (0usize, 0usize);
    let mut rest = head;
    loop {
        let (valid, next) = match simdutf8::compat::from_utf8(rest) {
            Ok(_) => (rest, None),
            Err(e) => {
                let valid = &rest[..e.valid_up_to()];
                match e.error_len() {
                    Some(len) => (valid, Some(&rest[e.valid_up_to() + len..])),
                    None if !at_eof => (valid, None),
                    None => (valid, Some(&rest[rest.len()..])),
                }
            }
        };
        // Lead bytes of multi-byte sequences are 0xC0 and up.
        multibyte += valid.iter().filter(|&&b| b >= 0xC0).count();
        match next {
            Some(next) => {
                invalid += 1;
                rest = next;
            }
            None => break,
        }
    }
    invalid == 0 || multibyte >= MULTIBYTE_PER_INVALID * invalid
}

/// How many valid multi-byte characters excuse one invalid sequence in a UTF-8 head.
const MULTIBYTE_PER_INVALID: usize = 4;

/// UTF-16 without a BOM, told from binary by where the NUL bytes fall: text in
/// UTF-16 has a zero high byte for every ASCII character (digits, spaces, Latin
/// letters, punctuation: most of any log line), and almost no control characters.
/// Binary data has zero bytes at both parities and decodes to NULs and controls.
fn utf16_by_nul_pattern(head: &[u8]) -> Option<&'static Encoding> {
    let units = head.len() / 2;
    if units == 0 {
        return None;
    }
    [encoding_rs::UTF_16LE, encoding_rs::UTF_16BE]
        .into_iter()
        .find(|&enc| {
            let (mut ascii, mut bad) = (0usize, 0usize);
            for pair in head.chunks_exact(2) {
                let unit = if enc == encoding_rs::UTF_16LE {
                    u16::from_le_bytes([pair[0], pair[1]])
                } else {
                    u16::from_be_bytes([pair[0], pair[1]])
                };
                match unit {
                    0x09 | 0x0A | 0x0C | 0x0D | 0x20..0x7F => ascii += 1,
                    0x00..0x20 | 0x7F => bad += 1,
                    _ => {}
                }
            }
            // At least a tenth ASCII (Cyrillic text still has spaces, digits and
            // punctuation), at most one control character in a hundred.
            ascii * 10 >= units && bad * 100 <= units
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(head: &[u8]) -> Result<(&'static str, bool, usize), ReadError> {
        detect(head, true, None).map(|d| (d.charset.name(), d.guessed, d.bom_len))
    }

    #[test]
    fn detection_order() {
        assert_eq!(detected(b"\xEF\xBB\xBFok").unwrap(), ("UTF-8", false, 3));
        assert_eq!(detected(b"\xFF\xFEo\0k\0").unwrap(), ("UTF-16LE", false, 2));
        assert_eq!(detected(b"\xFE\xFF\0o\0k").unwrap(), ("UTF-16BE", false, 2));
        assert_eq!(detected(b"plain ascii\n").unwrap(), ("UTF-8", false, 0));
        assert_eq!(
            detected("Ошибка\n".as_bytes()).unwrap(),
            ("UTF-8", false, 0)
        );
        assert_eq!(
            detected(b"o\0k\0 \x001\0\n\0").unwrap(),
            ("UTF-16LE", false, 0)
        );
        assert_eq!(
            detected(b"\0o\0k\0 \x001\0\n").unwrap(),
            ("UTF-16BE", false, 0)
        );
        let cp1251 = encoding_rs::WINDOWS_1251
            .encode("Операция отклонена: недостаточно средств на счёте")
            .0;
        assert_eq!(detected(&cp1251).unwrap(), ("windows-1251", true, 0));
        assert!(matches!(
            detected(b"\x7FELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x03\0>\0"),
            Err(ReadError::Binary { offset: 7 })
        ));
    }

    #[test]
    fn mostly_valid_utf8_is_utf8_but_legacy_text_is_not() {
        let mut head = "Платёж отклонён банком\n".repeat(3).into_bytes();
        head.extend(b"bad \x80\n");
        assert_eq!(detected(&head).unwrap(), ("UTF-8", false, 0));
        let cp1251 = encoding_rs::WINDOWS_1251.encode("Платёж отклонён банком").0;
        head.extend(cp1251.iter());
        assert!(
            detected(&head).unwrap().1,
            "too many invalid sequences: a guess"
        );
    }

    #[test]
    fn head_cut_inside_a_sequence_is_still_utf8() {
        let cut = &"Ош".as_bytes()[..3];
        assert_eq!(detect(cut, false, None).unwrap().charset, Charset::UTF_8);
        // At the end of the file the cut sequence is invalid, too many for one letter.
        assert!(detect(cut, true, None).unwrap().guessed);
    }

    #[test]
    fn declared_charsets() {
        let cp1251 = Charset::from_label("cp1251");
        let d = detect("Ошибка".as_bytes(), true, cp1251).unwrap();
        assert_eq!(
            (d.charset, d.guessed, d.bom_len),
            (cp1251.unwrap(), false, 0)
        );
        // A BOM is unambiguous and wins over a declaration...
        let d = detect(b"\xEF\xBB\xBFok", true, cp1251).unwrap();
        assert_eq!((d.charset, d.bom_len), (Charset::UTF_8, 3));
        // ...but not over EBCDIC, whose bytes mean something else.
        let cp037 = Charset::from_label("cp037");
        assert_eq!(
            detect(b"\xEF\xBB\xBF", true, cp037).unwrap().charset,
            cp037.unwrap()
        );
        // NUL bytes are binary for a declared single-byte charset, not for UTF-16 or EBCDIC.
        assert!(matches!(
            detect(b"a\0b", true, cp1251),
            Err(ReadError::Binary { offset: 1 })
        ));
        let utf16 = Charset::from_label("utf-16le");
        assert_eq!(
            detect(b"a\0b\0", true, utf16).unwrap().charset,
            utf16.unwrap()
        );
        assert_eq!(
            detect(b"\xC1\0\0\x0C", true, cp037).unwrap().charset,
            cp037.unwrap()
        );
    }

    #[test]
    fn utf16_pattern_needs_text_not_just_nuls() {
        // Cyrillic UTF-16 with the spaces and digits of a log line.
        let mut utf16: Vec<u8> = Vec::new();
        for unit in "2024 Операция отклонена".encode_utf16() {
            utf16.extend(unit.to_le_bytes());
        }
        assert_eq!(utf16_by_nul_pattern(&utf16), Some(encoding_rs::UTF_16LE));
        // 16-bit binary counters: zero high bytes but control characters.
        let counters: Vec<u8> = (0u16..64).flat_map(|n| n.to_le_bytes()).collect();
        assert_eq!(utf16_by_nul_pattern(&counters), None);
        assert_eq!(utf16_by_nul_pattern(&[0; 64]), None);
        assert_eq!(utf16_by_nul_pattern(b"a"), None);
    }
}
