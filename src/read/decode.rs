//! Streaming decoders to UTF-8 that count what they replace.
//!
//! [`Utf8Reader`] passes UTF-8 through with validation only (simdutf8) and serves
//! the caller straight from its input buffer. [`Transcoder`] converts any other
//! charset chunk by chunk (encoding_rs's streaming `Decoder`, or an EBCDIC table).
//! Both replace each invalid sequence by U+FFFD, as WHATWG defines a sequence, and
//! report it to [`DecodeStats`] with the line it is on.

use std::io::{self, BufRead, Read};
use std::sync::Arc;

use encoding_rs::DecoderResult;

use super::DecodeStats;
use crate::charset::Ebcdic;

/// Size of the input and output buffers: large enough that per-call overhead
/// vanishes, small enough to keep memory per open file bounded.
const BUF_LEN: usize = 64 * 1024;

/// U+FFFD in UTF-8.
const REPLACEMENT: &[u8] = "\u{FFFD}".as_bytes();

/// Counts replacements and finds the line of the first few.
///
/// Newlines are counted only in output about to be discarded or up to a
/// replacement, and only until enough line numbers are kept: one vectorised
/// `memchr` count per buffer, nothing per byte.
struct Replacements {
    stats: Arc<DecodeStats>,
    /// Newlines in the output before `counted_to`.
    lines: u64,
    /// Position in the current buffer up to which newlines are counted.
    counted_to: usize,
}

impl Replacements {
    fn new(stats: Arc<DecodeStats>) -> Self {
        Replacements {
            stats,
            lines: 0,
            counted_to: 0,
        }
    }

    /// Records a replacement at `at` in `buf` (output before `at` is final).
    fn replaced(&mut self, buf: &[u8], at: usize) {
        let line = self.wants_lines().then(|| {
            self.count_to(buf, at);
            self.lines + 1
        });
        self.stats.record_replacement(line);
    }

    /// Counts the newlines of `buf[..end]` before the buffer is reused.
    fn discard(&mut self, buf: &[u8], end: usize) {
        if self.wants_lines() {
            self.count_to(buf, end);
        }
        self.counted_to = 0;
    }

    fn count_to(&mut self, buf: &[u8], end: usize) {
        if end > self.counted_to {
            self.lines += memchr::memchr_iter(b'\n', &buf[self.counted_to..end]).count() as u64;
            self.counted_to = end;
        }
    }

    fn wants_lines(&self) -> bool {
        self.stats.wants_lines()
    }
}

/// Reads until `buf` has data or the input ends, retrying interrupted reads.
fn read_some(inner: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match inner.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// `Read` for a reader whose `BufRead` side does the work.
fn read_buffered(reader: &mut impl BufRead, out: &mut [u8]) -> io::Result<usize> {
    let available = reader.fill_buf()?;
    let n = available.len().min(out.len());
    out[..n].copy_from_slice(&available[..n]);
    reader.consume(n);
    Ok(n)
}

/// UTF-8 input: validated in place, invalid sequences replaced.
pub(super) struct Utf8Reader<R> {
    inner: R,
    buf: Box<[u8]>,
    /// Next byte to serve.
    pos: usize,
    /// End of the validated bytes after `pos`.
    valid_end: usize,
    /// End of the bytes read.
    filled: usize,
    /// Length of the invalid sequence at `valid_end`, skipped once `pos` gets there.
    invalid_len: usize,
    /// Position in [`REPLACEMENT`] while serving one.
    replacement_at: Option<usize>,
    eof: bool,
    replacements: Replacements,
}

impl<R: Read> Utf8Reader<R> {
    pub(super) fn new(inner: R, stats: Arc<DecodeStats>) -> Self {
        Utf8Reader {
            inner,
            buf: vec![0; BUF_LEN].into_boxed_slice(),
            pos: 0,
            valid_end: 0,
            filled: 0,
            invalid_len: 0,
            replacement_at: None,
            eof: false,
            replacements: Replacements::new(stats),
        }
    }

    /// Starts serving a replacement for the bytes from `pos` up to `end`.
    fn replace(&mut self, end: usize) {
        self.replacements.replaced(&self.buf, self.pos);
        self.pos = end;
        self.valid_end = end;
        self.replacement_at = Some(0);
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, out)
    }
}

impl<R: Read> BufRead for Utf8Reader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        loop {
            if let Some(at) = self.replacement_at {
                if at < REPLACEMENT.len() {
                    return Ok(&REPLACEMENT[at..]);
                }
                self.replacement_at = None;
            }
            if self.pos < self.valid_end {
                return Ok(&self.buf[self.pos..self.valid_end]);
            }
            if self.invalid_len > 0 {
                let end = self.pos + std::mem::take(&mut self.invalid_len);
                self.replace(end);
                continue;
            }
            if self.pos < self.filled {
                match simdutf8::compat::from_utf8(&self.buf[self.pos..self.filled]) {
                    Ok(_) => {
                        self.valid_end = self.filled;
                        continue;
                    }
                    Err(e) => {
                        self.valid_end = self.pos + e.valid_up_to();
                        if let Some(len) = e.error_len() {
                            self.invalid_len = len;
                            continue;
                        }
                        if self.valid_end > self.pos {
                            continue;
                        }
                        // A sequence cut by the end of the buffer: read on.
                    }
                }
            }
            if self.eof {
                if self.pos < self.filled {
                    // The input ends inside a sequence: one replacement.
                    self.replace(self.filled);
                    continue;
                }
                return Ok(&[]);
            }
            self.replacements.discard(&self.buf, self.pos);
            self.buf.copy_within(self.pos..self.filled, 0);
            self.filled -= self.pos;
            self.pos = 0;
            self.valid_end = 0;
            match read_some(&mut self.inner, &mut self.buf[self.filled..])? {
                0 => self.eof = true,
                n => self.filled += n,
            }
        }
    }

    fn consume(&mut self, amt: usize) {
        match &mut self.replacement_at {
            Some(at) => *at += amt,
            None => self.pos += amt,
        }
    }
}

/// How a [`Transcoder`] turns bytes into UTF-8.
pub(super) enum Decoding {
    Web(encoding_rs::Decoder),
    Ebcdic(Ebcdic),
}

/// Any charset other than UTF-8, decoded chunk by chunk into an output buffer.
pub(super) struct Transcoder<R> {
    inner: R,
    decoding: Decoding,
    input: Box<[u8]>,
    input_pos: usize,
    input_filled: usize,
    eof: bool,
    /// The decoder has seen the end of the input and flushed.
    finished: bool,
    output: Box<[u8]>,
    output_pos: usize,
    output_filled: usize,
    replacements: Replacements,
}

impl<R: Read> Transcoder<R> {
    pub(super) fn new(inner: R, decoding: Decoding, stats: Arc<DecodeStats>) -> Self {
        Transcoder {
            inner,
            decoding,
            input: vec![0; BUF_LEN].into_boxed_slice(),
            input_pos: 0,
            input_filled: 0,
            eof: false,
            finished: false,
            // Single-byte Cyrillic takes two UTF-8 bytes a character.
            output: vec![0; 2 * BUF_LEN].into_boxed_slice(),
            output_pos: 0,
            output_filled: 0,
            replacements: Replacements::new(stats),
        }
    }

    /// Decodes the pending input into the free end of the output buffer.
    fn decode_step(&mut self) {
        let src = &self.input[self.input_pos..self.input_filled];
        // Room for a replacement is kept back, so a malformed sequence always fits.
        let end = self.output.len() - REPLACEMENT.len();
        let dst = &mut self.output[self.output_filled..end];
        let last = self.eof;
        let (malformed, input_empty, read, written) = match &mut self.decoding {
            Decoding::Web(decoder) => {
                let (result, read, written) =
                    decoder.decode_to_utf8_without_replacement(src, dst, last);
                (
                    matches!(result, DecoderResult::Malformed(..)),
                    matches!(result, DecoderResult::InputEmpty),
                    read,
                    written,
                )
            }
            Decoding::Ebcdic(page) => {
                let (read, written) = page.decode_to_utf8(src, dst);
                (false, read == src.len(), read, written)
            }
        };
        self.input_pos += read;
        self.output_filled += written;
        if malformed {
            self.replacements.replaced(&self.output, self.output_filled);
            let at = self.output_filled;
            self.output[at..at + REPLACEMENT.len()].copy_from_slice(REPLACEMENT);
            self.output_filled += REPLACEMENT.len();
        } else if input_empty && last {
            self.finished = true;
        }
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, out)
    }
}

impl<R: Read> BufRead for Transcoder<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.output_pos == self.output_filled && !self.finished {
            self.replacements.discard(&self.output, self.output_filled);
            self.output_pos = 0;
            self.output_filled = 0;
            if self.input_pos == self.input_filled && !self.eof {
                self.input_pos = 0;
                self.input_filled = read_some(&mut self.inner, &mut self.input)?;
                self.eof = self.input_filled == 0;
            }
            self.decode_step();
        }
        Ok(&self.output[self.output_pos..self.output_filled])
    }

    fn consume(&mut self, amt: usize) {
        self.output_pos += amt;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Hands out its bytes in chunks of the given sizes (cycled), like a slow pipe.
    struct Chunked {
        data: Vec<u8>,
        pos: usize,
        sizes: Vec<usize>,
        call: usize,
    }

    impl Read for Chunked {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let size = self.sizes[self.call % self.sizes.len()].max(1);
            self.call += 1;
            let n = size.min(buf.len()).min(self.data.len() - self.pos);
            buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
            self.pos += n;
            Ok(n)
        }
    }

    fn chunked(data: &[u8], sizes: &[usize]) -> Chunked {
        Chunked {
            data: data.to_vec(),
            pos: 0,
            sizes: sizes.to_vec(),
            call: 0,
        }
    }

    fn read_all(mut reader: impl BufRead) -> String {
        let mut out = String::new();
        reader.read_to_string(&mut out).unwrap();
        out
    }

    fn utf8(data: &[u8], sizes: &[usize]) -> (String, Arc<DecodeStats>) {
        let stats = Arc::new(DecodeStats::default());
        let text = read_all(Utf8Reader::new(chunked(data, sizes), Arc::clone(&stats)));
        (text, stats)
    }

    fn transcode(data: &[u8], sizes: &[usize], decoding: Decoding) -> (String, Arc<DecodeStats>) {
        let stats = Arc::new(DecodeStats::default());
        let reader = Transcoder::new(chunked(data, sizes), decoding, Arc::clone(&stats));
        (read_all(reader), stats)
    }

    #[test]
    fn utf8_replacements_are_counted_with_their_lines() {
        let data = b"ok\nbad \x80 and \xF0\x9F here\n\nend \xC3";
        let (text, stats) = utf8(data, &[3]);
        assert_eq!(text, "ok\nbad \u{FFFD} and \u{FFFD} here\n\nend \u{FFFD}");
        assert_eq!(stats.replaced(), 3);
        assert_eq!(stats.replaced_lines(), vec![2, 4]);
    }

    #[test]
    fn utf8_sequences_split_across_reads_pass_through() {
        let data = "Ошибка: 💳 отклонена\n".repeat(5000);
        let (text, stats) = utf8(data.as_bytes(), &[1, 7, 65536, 3]);
        assert_eq!(text, data);
        assert_eq!(stats.replaced(), 0);
    }

    #[test]
    fn only_the_first_lines_are_kept() {
        let data = b"\xFF\n".repeat(20);
        let (_, stats) = utf8(&data, &[5]);
        assert_eq!(stats.replaced(), 20);
        assert_eq!(stats.replaced_lines(), vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn transcoded_replacements_are_counted_with_their_lines() {
        // Shift_JIS: 0x82 starts a two-byte character, "0x82 \n" is malformed.
        let data = b"one\ntwo \x82\nthree\n\x82";
        let decoding = Decoding::Web(encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling());
        let (text, stats) = transcode(data, &[2], decoding);
        assert_eq!(text, "one\ntwo \u{FFFD}\nthree\n\u{FFFD}");
        assert_eq!(stats.replaced(), 2);
        assert_eq!(stats.replaced_lines(), vec![2, 4]);
    }

    #[test]
    fn odd_utf16_tail_is_one_replacement() {
        let decoding = Decoding::Web(encoding_rs::UTF_16LE.new_decoder_without_bom_handling());
        let (text, stats) = transcode(b"o\0k\0!", &[1], decoding);
        assert_eq!(text, "ok\u{FFFD}");
        assert_eq!(stats.replaced_lines(), vec![1]);
    }

    #[test]
    fn large_single_byte_input_fills_the_output_buffer_more_than_once() {
        let text = "Платёж отклонён банком-эмитентом\n".repeat(10_000);
        let bytes = encoding_rs::KOI8_R.encode(&text).0;
        let decoding = Decoding::Web(encoding_rs::KOI8_R.new_decoder_without_bom_handling());
        let (decoded, stats) = transcode(&bytes, &[BUF_LEN], decoding);
        assert_eq!(decoded, text);
        assert_eq!(stats.replaced(), 0);
        let ebcdic: Vec<u8> = text
            .chars()
            .map(|c| Ebcdic::Cp1025.encode_char(c).unwrap())
            .collect();
        let (decoded, _) = transcode(&ebcdic, &[BUF_LEN], Decoding::Ebcdic(Ebcdic::Cp1025));
        assert_eq!(decoded, text);
    }

    proptest! {
        #[test]
        fn utf8_matches_lossy_decoding(
            data in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(0xD0u8), Just(0x9Fu8), Just(0xF0u8), any::<u8>()],
                0..600,
            ),
            sizes in proptest::collection::vec(1usize..40, 1..5),
        ) {
            // A real U+FFFD in the input would not be a replacement.
            prop_assume!(!data.windows(3).any(|w| w == REPLACEMENT));
            let expected = String::from_utf8_lossy(&data);
            let (text, stats) = utf8(&data, &sizes);
            prop_assert_eq!(&text, &expected);
            prop_assert_eq!(stats.replaced() as usize, expected.matches('\u{FFFD}').count());
            let lines: Vec<u64> = expected
                .split('\n')
                .enumerate()
                .filter(|(_, l)| l.contains('\u{FFFD}'))
                .map(|(i, _)| i as u64 + 1)
                .take(5)
                .collect();
            prop_assert_eq!(stats.replaced_lines(), lines);
        }

        #[test]
        fn transcoding_matches_whole_buffer_decoding(
            data in proptest::collection::vec(any::<u8>(), 0..600),
            sizes in proptest::collection::vec(1usize..40, 1..5),
            which in 0usize..3,
        ) {
            prop_assume!(!data.windows(2).any(|w| w == [0xFF, 0xFD]));
            let encoding = [encoding_rs::UTF_16BE, encoding_rs::SHIFT_JIS, encoding_rs::WINDOWS_1251][which];
            let expected = encoding.decode_without_bom_handling(&data).0;
            let decoding = Decoding::Web(encoding.new_decoder_without_bom_handling());
            let (text, stats) = transcode(&data, &sizes, decoding);
            prop_assert_eq!(&text, &expected);
            prop_assert_eq!(stats.replaced() as usize, expected.matches('\u{FFFD}').count());
        }
    }
}
