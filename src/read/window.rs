//! Reading the part of a log that is new: from a stored position to the end of
//! its last complete line.
//!
//! Positions count bytes of the decompressed content, so a log found again as
//! `app.log.2.gz` resumes where `app.log.1` was left. A line still being written
//! (no newline yet) is left for the next scan unless the file is closed (rotated
//! or compressed); bytes appended while a file is read are left too: reading
//! stops at the size seen when the file was opened.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::decompress::{self, Limits};
use super::{Charset, HEAD_LEN, Opened, ReadError, charset};

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
}

impl WindowEnd {
    /// Decompressed offset after the last byte handed to the decoder.
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
}

/// The first decompressed bytes of a file (at most `len`) and whether it is compressed.
pub fn probe(path: &Path, len: usize) -> Result<(Vec<u8>, bool), ReadError> {
    let stats = Arc::new(super::DecodeStats::default());
    let (mut content, compression) = decompress::open(File::open(path)?, Limits::DEFAULT, &stats)?;
    Ok((
        decompress::read_head(&mut content, len)?,
        compression.is_some(),
    ))
}

/// Opens the window of `path` and decodes it. The charset is detected on the
/// file's head (not the window's), so a resumed read decodes like the first one.
pub fn open_window(
    path: &Path,
    declared: Option<Charset>,
    window: &Window,
) -> Result<(Opened, Arc<WindowEnd>), ReadError> {
    let stats = Arc::new(super::DecodeStats::default());
    let file = File::open(path)?;
    // Bytes appended while the file is read are left for the next scan.
    let size_at_open = file.metadata()?.len();
    let (mut content, compression) =
        decompress::open(file.take(size_at_open), Limits::DEFAULT, &stats)?;
    let head = decompress::read_head(&mut content, HEAD_LEN)?;
    let detected = charset::detect(&head, head.len() < HEAD_LEN, declared)?;
    let content = Cursor::new(head).chain(content);
    // A byte order mark is part of the position but never of the text.
    let window = Window {
        offset: window.offset.max(detected.bom_len as u64),
        ..*window
    };
    let end = Arc::new(WindowEnd::default());
    let lines = CompleteLines::new(
        content,
        detected.charset.newline(),
        window,
        Arc::clone(&end),
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

/// Passes bytes from `offset` through the last newline; holds back the tail
/// after it unless the window takes the tail. Records where it stopped.
struct CompleteLines<R> {
    inner: R,
    newline: &'static [u8],
    window: Window,
    end: Arc<WindowEnd>,
    /// Decompressed position of `inner`.
    position: u64,
    /// Bytes read but not yet released: they follow the last newline.
    pending: Vec<u8>,
    /// Bytes released and not yet handed out.
    ready: Vec<u8>,
    ready_at: usize,
    done: bool,
}

impl<R: Read> CompleteLines<R> {
    fn new(inner: R, newline: &'static [u8], window: Window, end: Arc<WindowEnd>) -> Self {
        end.end.store(window.offset, Ordering::Relaxed);
        end.lines.store(window.lines, Ordering::Relaxed);
        CompleteLines {
            inner,
            newline,
            window,
            end,
            position: 0,
            pending: Vec::new(),
            ready: Vec::new(),
            ready_at: 0,
            done: false,
        }
    }

    /// Skips to the window's offset; false when the content is shorter.
    fn skip_to_offset(&mut self) -> std::io::Result<bool> {
        let want = self.window.offset;
        let skipped = std::io::copy(&mut (&mut self.inner).take(want), &mut std::io::sink())?;
        self.position = skipped;
        Ok(skipped == want)
    }

    fn fill(&mut self) -> std::io::Result<()> {
        if self.position == 0 && self.window.offset > 0 && !self.skip_to_offset()? {
            self.end.short.store(true, Ordering::Relaxed);
            self.done = true;
            return Ok(());
        }
        let mut buf = vec![0u8; 64 * 1024];
        while self.ready_at >= self.ready.len() && !self.done {
            let n = self.inner.read(&mut buf)?;
            if n == 0 {
                self.done = true;
                if self.window.take_tail && !self.pending.is_empty() {
                    self.release(self.pending.len(), true);
                }
                break;
            }
            self.position += n as u64;
            self.pending.extend_from_slice(&buf[..n]);
            if let Some(cut) = last_newline_end(&self.pending, self.newline) {
                self.release(cut, false);
            }
        }
        Ok(())
    }

    /// Moves `len` pending bytes to ready and advances the recorded end.
    fn release(&mut self, len: usize, tail: bool) {
        let released: Vec<u8> = self.pending.drain(..len).collect();
        let mut lines = count_newlines(&released, self.newline) as u64;
        if tail {
            lines += 1;
        }
        self.end
            .end
            .fetch_add(released.len() as u64, Ordering::Relaxed);
        self.end.lines.fetch_add(lines, Ordering::Relaxed);
        self.ready = released;
        self.ready_at = 0;
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
        let (mut opened, end) = open_window(&path, Some(Charset::UTF_8), &window).unwrap();
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
        let (mut opened, end) = open_window(&path, Some(Charset::UTF_8), &window).unwrap();
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
}
