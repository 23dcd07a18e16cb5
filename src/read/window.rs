//! Reading the part of a log that is new: from a stored position to the end of
//! its last complete line.
//!
//! Positions count bytes of the decompressed content, so a log found again as
//! `app.log.2.gz` resumes where `app.log.1` was left. A line still being written
//! (no newline yet) is left for the next scan unless the file is closed (rotated
//! or compressed); bytes appended while a file is read are left too: reading
//! stops at the size seen when the file was opened.
//!
//! Lines of a log are records, and a record has a cap
//! ([`ReadLimits::record_bytes`], `caps.record_bytes`): a longer line keeps its
//! head (cut at a character boundary), the rest of it is skipped, and the file
//! gets one warning naming the first such line. The position moves past what
//! was skipped, so a huge line without a newline is never read again; a scan
//! resuming inside such a line (its head already taken) skips to its end.
//! Memory stays within the cap and the read buffer, whatever the line.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::decompress;
use super::{Charset, DecodeStats, HEAD_LEN, Opened, ReadError, ReadLimits, charset, lock};

/// Bytes before a position kept by [`WindowEnd::tail`] (what tells a grown file
/// from one rewritten with the same first bytes).
pub const TAIL_LEN: usize = 1024;
/// Bytes read from the file at a time.
const CHUNK_LEN: usize = 64 * 1024;

/// Which bytes of a file to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Decompressed bytes already consumed by earlier scans.
    pub offset: u64,
    /// Lines before `offset` (for line numbering).
    pub lines: u64,
    /// Read an unterminated last line too (the file will not grow any more).
    pub take_tail: bool,
}

/// Where a window read ended, known once its reader is exhausted.
#[derive(Debug, Default)]
pub struct WindowEnd {
    end: AtomicU64,
    lines: AtomicU64,
    short: AtomicBool,
    tail: Mutex<Vec<u8>>,
}

impl WindowEnd {
    /// Decompressed offset after the last byte consumed (handed to the decoder,
    /// or skipped as the rest of an over-long line).
    pub fn offset(&self) -> u64 {
        self.end.load(Ordering::Relaxed)
    }

    /// Lines (terminated, plus a taken tail) up to [`WindowEnd::offset`].
    pub fn lines(&self) -> u64 {
        self.lines.load(Ordering::Relaxed)
    }

    /// The content ended before the window's offset: it is not the file the
    /// position was stored for (rewritten), so it must be read from the start.
    pub fn short(&self) -> bool {
        self.short.load(Ordering::Relaxed)
    }

    /// The last (at most [`TAIL_LEN`]) decompressed bytes before [`WindowEnd::offset`].
    pub fn tail(&self) -> Vec<u8> {
        lock(&self.tail).clone()
    }

    /// An end that starts at `window`'s position: nothing consumed yet.
    pub(super) fn starting_at(window: &Window) -> Arc<WindowEnd> {
        let end = Arc::new(WindowEnd::default());
        end.end.store(window.offset, Ordering::Relaxed);
        end.lines.store(window.lines, Ordering::Relaxed);
        end
    }

    /// The content ended before the window's offset.
    pub(super) fn set_short(&self) {
        self.short.store(true, Ordering::Relaxed);
    }

    /// The bytes before the window's offset (what [`skip_keeping_tail`] kept).
    pub(super) fn set_tail(&self, tail: Vec<u8>) {
        *lock(&self.tail) = tail;
    }

    pub(super) fn consumed(&self, bytes: &[u8], lines: u64) {
        self.end.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        self.lines.fetch_add(lines, Ordering::Relaxed);
        let mut tail = lock(&self.tail);
        if bytes.len() >= TAIL_LEN {
            tail.clear();
            tail.extend_from_slice(&bytes[bytes.len() - TAIL_LEN..]);
        } else {
            let excess = (tail.len() + bytes.len()).saturating_sub(TAIL_LEN);
            tail.drain(..excess);
            tail.extend_from_slice(bytes);
        }
    }
}

/// The first decompressed bytes of a file (at most `len`) and whether it is compressed.
pub fn probe(path: &Path, len: usize) -> Result<(Vec<u8>, bool), ReadError> {
    let stats = Arc::new(DecodeStats::default());
    let (mut content, compression) =
        decompress::open(File::open(path)?, &ReadLimits::DEFAULT, &stats)?;
    Ok((
        decompress::read_head(&mut content, len)?,
        compression.is_some(),
    ))
}

/// The `len` decompressed bytes before `offset` (fewer when `offset` is smaller),
/// or `None` when the content is shorter than `offset`. No decompression cap
/// applies: nothing past `offset`, a position an earlier read reached, is read.
pub fn bytes_before(path: &Path, offset: u64, len: usize) -> Result<Option<Vec<u8>>, ReadError> {
    let stats = Arc::new(DecodeStats::default());
    let uncapped = ReadLimits {
        decompressed_bytes: u64::MAX,
        decompression_ratio: u64::MAX,
        ..ReadLimits::DEFAULT
    };
    let (mut content, _) = decompress::open(File::open(path)?, &uncapped, &stats)?;
    Ok(skip_keeping_tail(&mut content, offset, len)?)
}

/// Reads `offset` bytes, keeping the last `len` of them; `None` when the input
/// ends first.
pub(super) fn skip_keeping_tail(
    input: &mut impl Read,
    offset: u64,
    len: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let keep = offset.min(len as u64);
    let skip = offset - keep;
    if std::io::copy(&mut input.by_ref().take(skip), &mut std::io::sink())? < skip {
        return Ok(None);
    }
    let tail = decompress::read_head(input, keep as usize)?;
    Ok((tail.len() as u64 == keep).then_some(tail))
}

/// A file as every window reads it: decompressed, its head read back in front,
/// and the charset detected on that head (the file's, not the window's, so a
/// resumed read decodes like the first one).
pub(super) struct OpenedFile {
    pub content: std::io::Chain<Cursor<Vec<u8>>, Box<dyn Read + Send>>,
    pub compression: Option<decompress::Compression>,
    pub detected: charset::Detected,
    pub stats: Arc<DecodeStats>,
}

/// Opens `path` for a window (lines or records alike).
pub(super) fn open_file(
    path: &Path,
    declared: Option<Charset>,
    limits: &ReadLimits,
) -> Result<OpenedFile, ReadError> {
    let stats = Arc::new(DecodeStats::default());
    let file = File::open(path)?;
    // Bytes appended while the file is read are left for the next scan.
    let size_at_open = file.metadata()?.len();
    let (mut content, compression) = decompress::open(file.take(size_at_open), limits, &stats)?;
    let head = decompress::read_head(&mut content, HEAD_LEN)?;
    let detected = charset::detect(&head, head.len() < HEAD_LEN, declared)?;
    Ok(OpenedFile {
        content: Cursor::new(head).chain(content),
        compression,
        detected,
        stats,
    })
}

/// Opens the window of `path` and decodes it. The charset is detected on the
/// file's head (not the window's), so a resumed read decodes like the first one.
pub fn open_window(
    path: &Path,
    declared: Option<Charset>,
    window: &Window,
    limits: &ReadLimits,
) -> Result<(Opened, Arc<WindowEnd>), ReadError> {
    let OpenedFile {
        content,
        compression,
        detected,
        stats,
    } = open_file(path, declared, limits)?;
    // A byte order mark is part of the position but never of the text.
    let bom = detected.bom_len as u64;
    let resumed = window.offset > bom;
    let window = Window {
        offset: window.offset.max(bom),
        ..*window
    };
    let end = WindowEnd::starting_at(&window);
    let cap = limits.record_bytes.map(|cap| RecordCap {
        cap,
        budget: Cut::of(detected.charset).budget(cap),
        cut: Cut::of(detected.charset),
    });
    let lines = CompleteLines::new(
        content,
        detected.charset.newline(),
        window,
        resumed,
        cap,
        Arc::clone(&end),
        Arc::clone(&stats),
    );
    let opened = super::decoding(
        Box::new(lines),
        detected.charset,
        detected.guessed,
        compression,
        stats,
    );
    Ok((opened, end))
}

/// How a line may be cut without splitting a character of its charset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cut {
    Utf8,
    Utf16 {
        big_endian: bool,
    },
    /// Single-byte charsets (and legacy multi-byte ones, where a cut may split
    /// one character, which then decodes as U+FFFD).
    Bytes,
}

impl Cut {
    fn of(charset: Charset) -> Cut {
        match charset {
            Charset::Web(e) if e == encoding_rs::UTF_8 => Cut::Utf8,
            Charset::Web(e) if e == encoding_rs::UTF_16LE => Cut::Utf16 { big_endian: false },
            Charset::Web(e) if e == encoding_rs::UTF_16BE => Cut::Utf16 { big_endian: true },
            _ => Cut::Bytes,
        }
    }

    /// Bytes of the file kept of an over-long line: `cap` in UTF-8; elsewhere a
    /// third of it, as one byte or UTF-16 unit decodes to at most three bytes of
    /// UTF-8, so the decoded head stays within `cap` too.
    fn budget(self, cap: usize) -> usize {
        match self {
            Cut::Utf8 => cap,
            Cut::Utf16 { .. } => cap / 3 / 2 * 2,
            Cut::Bytes => cap / 3,
        }
    }

    /// The largest cut at most `at` that ends `line` on a character boundary
    /// (`line` is longer than `at`).
    fn boundary(self, line: &[u8], at: usize) -> usize {
        match self {
            Cut::Utf8 => char_boundary(line, at),
            Cut::Utf16 { big_endian } => {
                let cut = at / 2 * 2;
                let last = (cut >= 2).then(|| {
                    let unit = [line[cut - 2], line[cut - 1]];
                    if big_endian {
                        u16::from_be_bytes(unit)
                    } else {
                        u16::from_le_bytes(unit)
                    }
                });
                // Never keep the first half of a surrogate pair.
                if last.is_some_and(|u| (0xD800..0xDC00).contains(&u)) {
                    cut - 2
                } else {
                    cut
                }
            }
            Cut::Bytes => at,
        }
    }
}

/// The largest index at most `at` that is a character boundary of UTF-8
/// `bytes` (which are longer than `at`): where a line may be cut.
pub fn char_boundary(bytes: &[u8], at: usize) -> usize {
    let mut cut = at;
    while cut > 0 && bytes[cut] & 0xC0 == 0x80 {
        cut -= 1;
    }
    cut
}

/// The record cap of a window: `cap` bytes of text, `budget` bytes of the file.
#[derive(Debug, Clone, Copy)]
struct RecordCap {
    cap: usize,
    budget: usize,
    cut: Cut,
}

/// The warning for `count` lines of a file over the record cap of `cap` bytes.
pub fn record_cap_warning(count: u64, cap: usize) -> String {
    if count == 1 {
        format!(
            "line longer than the record cap of {cap} bytes (caps.record_bytes): \
             its head is kept, the rest skipped"
        )
    } else {
        format!(
            "{count} lines longer than the record cap of {cap} bytes (caps.record_bytes), \
             the first here: the head of each is kept, the rest skipped"
        )
    }
}

/// Passes bytes from `offset` through the last newline; holds back the tail
/// after it unless the window takes the tail; cuts over-long lines. Records
/// where it stopped.
struct CompleteLines<R> {
    inner: R,
    newline: &'static [u8],
    window: Window,
    /// The window starts after earlier content: it may start inside a line.
    resumed: bool,
    cap: Option<RecordCap>,
    end: Arc<WindowEnd>,
    stats: Arc<DecodeStats>,
    /// Decompressed position of `inner`.
    position: u64,
    /// Bytes read but not yet released: they follow the last newline (when the
    /// tail is held back) or are a part of a code unit.
    pending: Vec<u8>,
    /// Inside a line whose head is already released (over the cap, or begun
    /// before the window): its bytes are skipped through its newline.
    skipping: bool,
    /// Released bytes end inside a line.
    open_line: bool,
    /// Lines over the cap, and the number of the first.
    capped: u64,
    first_capped: Option<u64>,
    /// Bytes released and not yet handed out.
    ready: Vec<u8>,
    ready_at: usize,
    buf: Vec<u8>,
    done: bool,
}

impl<R: Read> CompleteLines<R> {
    fn new(
        inner: R,
        newline: &'static [u8],
        window: Window,
        resumed: bool,
        cap: Option<RecordCap>,
        end: Arc<WindowEnd>,
        stats: Arc<DecodeStats>,
    ) -> Self {
        // Lines within one chunk are never longer than the chunk.
        let chunk = cap.map_or(CHUNK_LEN, |c| c.budget.clamp(newline.len(), CHUNK_LEN));
        CompleteLines {
            inner,
            newline,
            window,
            resumed,
            cap,
            end,
            stats,
            position: 0,
            pending: Vec::new(),
            skipping: false,
            open_line: false,
            capped: 0,
            first_capped: None,
            ready: Vec::new(),
            ready_at: 0,
            buf: vec![0; chunk],
            done: false,
        }
    }

    /// Skips to the window's offset; false when the content is shorter. A
    /// resumed window whose offset follows no newline starts inside a line.
    fn skip_to_offset(&mut self) -> std::io::Result<bool> {
        let offset = self.window.offset;
        let Some(tail) = skip_keeping_tail(&mut self.inner, offset, TAIL_LEN)? else {
            return Ok(false);
        };
        self.position = offset;
        self.skipping = self.resumed && !tail.ends_with(self.newline);
        self.end.set_tail(tail);
        Ok(true)
    }

    fn fill(&mut self) -> std::io::Result<()> {
        if self.position == 0 && self.window.offset > 0 && !self.skip_to_offset()? {
            self.end.set_short();
            self.done = true;
            return Ok(());
        }
        self.ready.clear();
        self.ready_at = 0;
        let mut buf = std::mem::take(&mut self.buf);
        while self.ready.is_empty() && !self.done {
            let n = self.inner.read(&mut buf)?;
            if n == 0 {
                self.finish();
                break;
            }
            self.position += n as u64;
            self.take(&buf[..n]);
        }
        self.buf = buf;
        Ok(())
    }

    /// Takes one chunk of the file: releases what is ready, cuts over-long lines.
    fn take(&mut self, chunk: &[u8]) {
        let unit = self.newline.len();
        // Whole units already pending hold no newline.
        let mut search_from = self.pending.len() / unit * unit;
        self.pending.extend_from_slice(chunk);
        loop {
            if self.skipping {
                let through = first_newline_end(&self.pending, self.newline, 0);
                let skipped = through.unwrap_or(self.pending.len() / unit * unit);
                self.consume(skipped, 0);
                if through.is_none() {
                    return;
                }
                self.skipping = false;
                search_from = 0;
            }
            let Some(cap) = self.cap else {
                // Lines are passed whole: everything goes when the tail is taken anyway.
                let cut = if self.window.take_tail {
                    Some(self.pending.len() / unit * unit)
                } else {
                    last_newline_end(&self.pending, self.newline)
                };
                if let Some(cut) = cut {
                    self.release(cut);
                }
                return;
            };
            match first_newline_end(&self.pending, self.newline, search_from) {
                Some(first) if first - unit > cap.budget => {
                    self.cut_line(cap, first);
                    search_from = 0;
                }
                Some(_) => {
                    let last =
                        last_newline_end(&self.pending, self.newline).expect("a newline was found");
                    self.release(last);
                    return;
                }
                None if self.pending.len() > cap.budget => {
                    let whole = self.pending.len() / unit * unit;
                    self.cut_line(cap, whole);
                    self.skipping = true;
                    return;
                }
                None => return,
            }
        }
    }

    /// Releases the head of the over-long line that starts `pending` as a line
    /// of its own, and consumes `consumed` bytes of it (through its newline, or
    /// all that is pending of it).
    fn cut_line(&mut self, cap: RecordCap, consumed: usize) {
        let head = cap.cut.boundary(&self.pending, cap.budget);
        self.ready.extend_from_slice(&self.pending[..head]);
        self.ready.extend_from_slice(self.newline);
        self.open_line = false;
        self.capped += 1;
        if self.first_capped.is_none() {
            self.first_capped = Some(self.end.lines() + 1);
        }
        self.consume(consumed, 1);
    }

    /// Moves `len` pending bytes to ready and advances the recorded end.
    fn release(&mut self, len: usize) {
        if len == 0 {
            return;
        }
        self.ready.extend_from_slice(&self.pending[..len]);
        let lines = count_newlines(&self.pending[..len], self.newline) as u64;
        self.open_line = !self.pending[..len].ends_with(self.newline);
        self.consume(len, lines);
    }

    /// Drops `len` pending bytes (released or skipped) from the content read,
    /// counting `lines` more lines.
    fn consume(&mut self, len: usize, lines: u64) {
        self.end.consumed(&self.pending[..len], lines);
        self.pending.drain(..len);
    }

    /// At the end of the content: the tail, if taken, and the cap's warning.
    fn finish(&mut self) {
        self.done = true;
        if self.window.take_tail && !self.skipping {
            self.release(self.pending.len());
            if self.open_line {
                self.end.lines.fetch_add(1, Ordering::Relaxed);
            }
        }
        if let (Some(cap), Some(line)) = (self.cap, self.first_capped) {
            self.stats
                .warn(Some(line), record_cap_warning(self.capped, cap.cap));
        }
    }
}

impl<R: Read> Read for CompleteLines<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.ready_at >= self.ready.len() {
            self.fill()?;
        }
        let available = &self.ready[self.ready_at..];
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.ready_at += n;
        Ok(n)
    }
}

/// End (exclusive) of the first newline unit in `bytes` at or after `from`
/// (a multiple of the unit), aligned to the unit.
fn first_newline_end(bytes: &[u8], newline: &[u8], from: usize) -> Option<usize> {
    if newline.len() == 1 {
        return memchr::memchr(newline[0], &bytes[from..]).map(|i| from + i + 1);
    }
    let unit = newline.len();
    bytes[from..]
        .chunks_exact(unit)
        .position(|c| c == newline)
        .map(|i| from + (i + 1) * unit)
}

/// End (exclusive) of the last complete newline unit in `bytes`, aligned to the unit.
fn last_newline_end(bytes: &[u8], newline: &[u8]) -> Option<usize> {
    if newline.len() == 1 {
        return memchr::memrchr(newline[0], bytes).map(|i| i + 1);
    }
    let unit = newline.len();
    let whole = bytes.len() / unit * unit;
    (0..whole)
        .step_by(unit)
        .rev()
        .find(|&i| &bytes[i..i + unit] == newline)
        .map(|i| i + unit)
}

fn count_newlines(bytes: &[u8], newline: &[u8]) -> usize {
    if newline.len() == 1 {
        return memchr::memchr_iter(newline[0], bytes).count();
    }
    bytes
        .chunks_exact(newline.len())
        .filter(|c| *c == newline)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_window(content: &[u8], window: Window) -> (String, u64, u64, bool) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        std::fs::write(&path, content).unwrap();
        let (mut opened, end) =
            open_window(&path, Some(Charset::UTF_8), &window, &ReadLimits::DEFAULT).unwrap();
        let mut text = String::new();
        opened.reader.read_to_string(&mut text).unwrap();
        (text, end.offset(), end.lines(), end.short())
    }

    #[test]
    fn an_unterminated_last_line_waits_for_its_newline() {
        let w = Window {
            offset: 0,
            lines: 0,
            take_tail: false,
        };
        assert_eq!(
            read_window(b"one\ntwo\nthr", w),
            ("one\ntwo\n".into(), 8, 2, false)
        );
        let w = Window {
            offset: 8,
            lines: 2,
            take_tail: false,
        };
        assert_eq!(
            read_window(b"one\ntwo\nthree\n", w),
            ("three\n".into(), 14, 3, false)
        );
    }

    #[test]
    fn a_closed_file_gives_its_tail() {
        let w = Window {
            offset: 4,
            lines: 1,
            take_tail: true,
        };
        assert_eq!(read_window(b"one\ntwo", w), ("two".into(), 7, 2, false));
    }

    #[test]
    fn a_file_shorter_than_the_offset_is_reported() {
        let w = Window {
            offset: 100,
            lines: 9,
            take_tail: false,
        };
        let (text, _, _, short) = read_window(b"one\n", w);
        assert!(short);
        assert_eq!(text, "");
    }

    #[test]
    fn utf16_newlines_are_whole_units() {
        let bytes: Vec<u8> = "а\nб\nв"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        assert_eq!(last_newline_end(&bytes, &[0x0A, 0x00]), Some(8));
        assert_eq!(count_newlines(&bytes, &[0x0A, 0x00]), 2);
        // A 0x0A high byte of a code unit is no newline.
        assert_eq!(last_newline_end(&[0x00, 0x0A], &[0x0A, 0x00]), None);
    }

    /// The nightly job reads logs that are still being written: what is appended
    /// after the file was opened is left for the next scan, never half-read.
    #[test]
    fn bytes_appended_while_reading_wait_for_the_next_scan() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        std::fs::write(&path, "one\ntwo\n").unwrap();
        let window = Window {
            offset: 0,
            lines: 0,
            take_tail: true,
        };
        let (mut opened, end) =
            open_window(&path, Some(Charset::UTF_8), &window, &ReadLimits::DEFAULT).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"three\n")
            .unwrap();
        let mut text = String::new();
        opened.reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "one\ntwo\n");
        assert_eq!((end.offset(), end.lines()), (8, 2));
    }

    /// A reader handing out at most `piece` bytes per call, so chunk and line
    /// boundaries fall everywhere.
    struct Pieces<'a> {
        data: &'a [u8],
        piece: usize,
    }

    impl Read for Pieces<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.data.len().min(self.piece).min(out.len());
            out[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    /// What a window read yields: text, end offset, lines, warnings.
    type Outcome = (Vec<u8>, u64, u64, Vec<super::super::ReadWarning>);

    /// UTF-8 content through [`CompleteLines`] from the start, capped at `cap`.
    fn capped(content: &[u8], cap: usize, take_tail: bool, piece: usize) -> Outcome {
        let window = Window {
            offset: 0,
            lines: 0,
            take_tail,
        };
        let end = Arc::new(WindowEnd::default());
        let stats = Arc::new(DecodeStats::default());
        let cap = RecordCap {
            cap,
            budget: cap,
            cut: Cut::Utf8,
        };
        let mut lines = CompleteLines::new(
            Pieces {
                data: content,
                piece,
            },
            b"\n",
            window,
            false,
            Some(cap),
            Arc::clone(&end),
            Arc::clone(&stats),
        );
        let mut out = Vec::new();
        lines.read_to_end(&mut out).unwrap();
        (out, end.offset(), end.lines(), stats.warnings())
    }

    /// The reference: lines cut to `cap` bytes (ASCII content), an unterminated
    /// last line held back unless taken or over the cap.
    fn model(content: &[u8], cap: usize, take_tail: bool) -> (Vec<u8>, u64, u64, Option<u64>, u64) {
        let (mut out, mut offset, mut lines, mut first, mut count) = (Vec::new(), 0, 0, None, 0);
        let mut rest = content;
        while !rest.is_empty() {
            let (line, used, complete) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], i + 1, true),
                None => (rest, rest.len(), false),
            };
            let over = line.len() > cap;
            if !complete && !over && !take_tail {
                break;
            }
            if over {
                count += 1;
                first.get_or_insert(lines + 1);
            }
            out.extend_from_slice(&line[..line.len().min(cap)]);
            if complete || over {
                out.push(b'\n');
            }
            offset += used as u64;
            lines += 1;
            rest = &rest[used..];
        }
        (out, offset, lines, first, count)
    }

    /// Issue #14: a 200 MB line was held whole (and, without a newline, read
    /// again on every scan). Lines over the cap keep their head, the position
    /// moves past them, and one warning names the first, at every buffer size.
    #[test]
    fn over_long_lines_keep_their_head_at_every_buffer_size() {
        let long = |c: u8, n: usize| vec![c; n];
        let cases: Vec<Vec<u8>> = vec![
            [b"ok\n".to_vec(), long(b'x', 5000), b"\nnext\n".to_vec()].concat(),
            [b"ok\n".to_vec(), long(b'x', 5000)].concat(),
            [
                long(b'a', 1024),
                b"\n".to_vec(),
                long(b'b', 1025),
                b"\n\nc".to_vec(),
            ]
            .concat(),
            [
                long(b'y', 3000),
                b"\n".to_vec(),
                long(b'z', 3000),
                b"\nend\n".to_vec(),
            ]
            .concat(),
            b"short\nlines\nonly".to_vec(),
        ];
        for content in &cases {
            for take_tail in [false, true] {
                let (text, offset, lines, first, count) = model(content, 1024, take_tail);
                for piece in [1, 2, 7, 100, 1023, 1024, 1025, 4096, 1 << 20] {
                    let (got, got_offset, got_lines, warnings) =
                        capped(content, 1024, take_tail, piece);
                    let what = format!("{} bytes, tail {take_tail}, piece {piece}", content.len());
                    assert_eq!(got, text, "{what}");
                    assert_eq!((got_offset, got_lines), (offset, lines), "{what}");
                    let expected: Vec<_> = first
                        .map(|line| super::super::ReadWarning {
                            line: Some(line),
                            message: record_cap_warning(count, 1024),
                        })
                        .into_iter()
                        .collect();
                    assert_eq!(warnings, expected, "{what}");
                }
            }
        }
    }

    /// A file whose last line is over the cap and still has no newline: its
    /// head is read once; when the file grows, the next scan starts inside that
    /// line and skips to its end instead of reading it again.
    #[test]
    fn a_grown_over_long_line_is_never_read_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let mut content = b"ok\n".to_vec();
        content.extend(std::iter::repeat_n(b'x', 300_000));
        std::fs::write(&path, &content).unwrap();
        let limits = ReadLimits {
            record_bytes: Some(crate::rules::MIN_RECORD_BYTES),
            ..ReadLimits::DEFAULT
        };
        let read = |window: Window| {
            let (mut opened, end) =
                open_window(&path, Some(Charset::UTF_8), &window, &limits).unwrap();
            let mut text = String::new();
            opened.reader.read_to_string(&mut text).unwrap();
            let warnings = opened.stats.warnings();
            (text, end.offset(), end.lines(), warnings)
        };
        let first = Window {
            offset: 0,
            lines: 0,
            take_tail: false,
        };
        let (text, offset, lines, warnings) = read(first);
        assert_eq!(
            text,
            format!("ok\n{}\n", "x".repeat(crate::rules::MIN_RECORD_BYTES))
        );
        assert_eq!((offset, lines), (content.len() as u64, 2));
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].line, Some(2));
        content.extend_from_slice(b"xxx\nafter\n");
        std::fs::write(&path, &content).unwrap();
        let (text, offset, lines, warnings) = read(Window {
            offset,
            lines,
            take_tail: false,
        });
        assert_eq!(text, "after\n");
        assert_eq!((offset, lines), (content.len() as u64, 3));
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        // UTF-8: a two-byte letter straddling the cap is left out whole.
        let line = "Ж".repeat(1000);
        let (text, ..) = capped(line.as_bytes(), 1025, true, 64);
        assert_eq!(
            String::from_utf8(text).unwrap(),
            format!("{}\n", "Ж".repeat(512))
        );
        // UTF-16: whole units, and never half a surrogate pair.
        let units: Vec<u8> = "😀"
            .repeat(10)
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let cut = Cut::Utf16 { big_endian: false };
        assert_eq!(cut.boundary(&units, 7), 4);
        assert_eq!(cut.boundary(&units, 6), 4);
        assert_eq!(
            Cut::Utf16 { big_endian: true }.boundary(&[0xD8, 0x3D, 0xDE, 0x00, 0], 3),
            0
        );
        assert_eq!(Cut::Bytes.budget(3000), 1000);
        assert_eq!(Cut::Utf16 { big_endian: false }.budget(3000), 1000);
    }

    #[test]
    fn the_tail_before_the_end_is_kept_and_bytes_before_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.log");
        let content: Vec<u8> = (0..3000)
            .map(|i| b'a' + (i % 26) as u8)
            .chain(*b"\nx")
            .collect();
        std::fs::write(&path, &content).unwrap();
        let window = Window {
            offset: 0,
            lines: 0,
            take_tail: false,
        };
        let (mut opened, end) = open_window(&path, None, &window, &ReadLimits::DEFAULT).unwrap();
        std::io::copy(&mut opened.reader, &mut std::io::sink()).unwrap();
        assert_eq!(end.offset(), 3001);
        assert_eq!(end.tail(), content[3001 - TAIL_LEN..3001]);
        assert_eq!(
            bytes_before(&path, 3001, TAIL_LEN).unwrap(),
            Some(end.tail())
        );
        assert_eq!(
            bytes_before(&path, 5, TAIL_LEN).unwrap(),
            Some(content[..5].to_vec())
        );
        assert_eq!(bytes_before(&path, 4000, TAIL_LEN).unwrap(), None);
    }

    /// A window starting right after a byte order mark starts a line.
    #[test]
    fn a_bom_is_no_line_to_skip() {
        let w = Window {
            offset: 3,
            lines: 0,
            take_tail: true,
        };
        assert_eq!(
            read_window("\u{feff}one\ntwo".as_bytes(), w),
            ("one\ntwo".into(), 10, 2, false)
        );
    }
}
