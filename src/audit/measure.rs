//! Measuring a text in the unit of a field: characters, bytes in an encoding,
//! UTF-16 code units or SMS segments.
//!
//! Observed texts are measured once, while still raw, into a [`RawLength`] (the
//! catalog keeps only these lengths); a [`Measure`] then reads the length in its
//! own unit from it, or measures a catalog text directly.

use crate::charset::Charset;
use crate::model::{RawLength, Unit};

/// A unit a field counts in, with its encoding resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Chars,
    Bytes(Charset),
    Utf16,
    SmsSegments,
}

/// Septets of one SMS segment when a message fits in one; per part beyond.
const GSM7_SINGLE: u64 = 160;
const GSM7_PART: u64 = 153;
/// UCS-2 code units of one SMS segment; per part beyond.
const UCS2_SINGLE: u64 = 70;
const UCS2_PART: u64 = 67;

/// The GSM 03.38 basic character set (ESC excluded: it introduces the extension table).
const GSM7_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The GSM 03.38 extension table: two septets each (ESC + code).
const GSM7_EXTENSION: &str = "^{}\\[~]|€\u{c}";

impl Measure {
    /// The unit it counts in (the encoding aside).
    pub fn unit(&self) -> Unit {
        match self {
            Measure::Chars => Unit::Chars,
            Measure::Bytes(_) => Unit::Bytes,
            Measure::Utf16 => Unit::Utf16,
            Measure::SmsSegments => Unit::SmsSegments,
        }
    }

    /// The encoding of a byte unit.
    pub fn encoding(&self) -> Option<&'static str> {
        match self {
            Measure::Bytes(c) => Some(c.name()),
            _ => None,
        }
    }

    /// `60 bytes in windows-1251`, `70 chars`, `1 SMS segment(s)`.
    pub fn describe(&self, n: u64) -> String {
        match self {
            Measure::Chars => format!("{n} chars"),
            Measure::Bytes(c) => format!("{n} bytes in {}", c.name()),
            Measure::Utf16 => format!("{n} UTF-16 code units"),
            Measure::SmsSegments => format!("{n} SMS segment(s)"),
        }
    }

    /// The length of `text` in this unit.
    pub fn of(&self, text: &str) -> u64 {
        match self {
            Measure::Chars => text.chars().count() as u64,
            Measure::Bytes(c) => c.encoded_len(text) as u64,
            Measure::Utf16 => text.encode_utf16().count() as u64,
            Measure::SmsSegments => sms_segments(text),
        }
    }

    /// The length in this unit of a raw instance known only by its [`RawLength`];
    /// `None` for multi-byte legacy encodings, whose byte length the lengths kept
    /// do not determine.
    pub fn of_raw(&self, raw: &RawLength) -> Option<u64> {
        match self {
            Measure::Chars => Some(raw.chars),
            Measure::Utf16 => Some(raw.utf16),
            Measure::SmsSegments => Some(raw.sms_segments),
            Measure::Bytes(c) if *c == Charset::UTF_8 => Some(raw.utf8),
            Measure::Bytes(c) if *c == Charset::UTF_16LE || *c == Charset::UTF_16BE => {
                Some(raw.utf16 * 2)
            }
            Measure::Bytes(c) if is_multi_byte(c) => None,
            // Single-byte code pages (windows-125x, KOI8, EBCDIC): one byte per char.
            Measure::Bytes(_) => Some(raw.chars),
        }
    }
}

fn is_multi_byte(c: &Charset) -> bool {
    #[allow(irrefutable_let_patterns)] // other charset families are single-byte code pages
    if let Charset::Web(e) = c {
        !e.is_single_byte()
    } else {
        false
    }
}

/// The lengths of one raw text in every unit [`Measure::of_raw`] reads.
pub fn raw_length(text: &str) -> RawLength {
    RawLength {
        chars: text.chars().count() as u64,
        utf8: text.len() as u64,
        utf16: text.encode_utf16().count() as u64,
        sms_segments: sms_segments(text),
    }
}

/// SMS segments `text` needs: GSM-7 (160 septets, 153 per part of a longer
/// message; extension-table characters take two) when every character has a
/// GSM-7 code, else UCS-2 (70 code units, 67 per part).
pub fn sms_segments(text: &str) -> u64 {
    let mut septets = 0u64;
    let mut gsm = true;
    for c in text.chars() {
        if GSM7_BASIC.contains(c) {
            septets += 1;
        } else if GSM7_EXTENSION.contains(c) {
            septets += 2;
        } else {
            gsm = false;
            break;
        }
    }
    let (units, single, part) = if gsm {
        (septets, GSM7_SINGLE, GSM7_PART)
    } else {
        (text.encode_utf16().count() as u64, UCS2_SINGLE, UCS2_PART)
    };
    match units {
        0 => 0,
        n if n <= single => 1,
        n => n.div_ceil(part),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_segments_switch_between_gsm7_and_ucs2() {
        assert_eq!(sms_segments(""), 0);
        assert_eq!(sms_segments(&"a".repeat(160)), 1);
        assert_eq!(sms_segments(&"a".repeat(161)), 2);
        assert_eq!(sms_segments(&"a".repeat(306)), 2);
        assert_eq!(sms_segments(&"a".repeat(307)), 3);
        // Extension characters take two septets.
        assert_eq!(sms_segments(&"€".repeat(80)), 1);
        assert_eq!(sms_segments(&"€".repeat(81)), 2);
        // One Cyrillic letter makes the whole message UCS-2.
        assert_eq!(sms_segments(&"ж".repeat(70)), 1);
        assert_eq!(sms_segments(&"ж".repeat(71)), 2);
        assert_eq!(sms_segments(&format!("{}ж", "a".repeat(69))), 1);
        assert_eq!(sms_segments(&"ж".repeat(134)), 2);
        assert_eq!(sms_segments(&"ж".repeat(135)), 3);
    }

    #[test]
    fn cyrillic_lengths_differ_by_unit() {
        let text = "ж".repeat(60);
        let cp1251 = Charset::from_label("windows-1251").unwrap();
        assert_eq!(Measure::Chars.of(&text), 60);
        assert_eq!(Measure::Bytes(Charset::UTF_8).of(&text), 120);
        assert_eq!(Measure::Bytes(cp1251).of(&text), 60);
        assert_eq!(Measure::Utf16.of("😀"), 2);
        let raw = raw_length(&text);
        assert_eq!(Measure::Bytes(cp1251).of_raw(&raw), Some(60));
        assert_eq!(Measure::Bytes(Charset::UTF_8).of_raw(&raw), Some(120));
        let utf16 = Charset::from_label("utf-16le").unwrap();
        assert_eq!(Measure::Bytes(utf16).of_raw(&raw), Some(120));
        let sjis = Charset::from_label("shift_jis").unwrap();
        assert_eq!(Measure::Bytes(sjis).of_raw(&raw), None);
    }
}
