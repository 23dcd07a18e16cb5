//! Reading files: decompression, charset detection and decoding to UTF-8.
//!
//! Everything downstream sees valid UTF-8. Bytes that do not decode are replaced
//! (U+FFFD) and counted, never fatal. Memory stays bounded: files are streamed
//! through fixed buffers, only a small head is kept for detection.
//!
//! The layers, outermost last: the file; decompression by magic bytes
//! ([`decompress`]); the head, from which charset and binary content are judged
//! ([`charset`]); the decoder to UTF-8 ([`decode`], with [`ebcdic`] tables).

use std::fs::File;
use std::io::{BufRead, Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

mod charset;
mod decode;
mod decompress;
mod ebcdic;

pub use charset::Charset;
pub use decompress::{Compression, MAX_RATIO, RATIO_FLOOR};
pub use ebcdic::Ebcdic;

use decode::{Decoding, Transcoder, Utf8Reader};
use decompress::Limits;

/// Why a file could not be read at all (the scan records it and goes on).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("binary file (NUL byte at offset {offset}), skipped")]
    Binary { offset: u64 },
}

/// How many replacement line numbers are kept for the warning.
pub const REPLACED_LINES_KEPT: usize = 5;

/// What happened while the content was read: replacements and warnings. Filled
/// as the reader is consumed, so read it once the scanner is done.
#[derive(Debug, Default)]
pub struct DecodeStats {
    /// Invalid byte sequences replaced by U+FFFD.
    pub replaced: AtomicU64,
    /// Lines (1-based, in the decoded text) of the first replacements.
    replaced_lines: Mutex<Vec<u64>>,
    /// Problems that cut the content short (corrupt archive, ratio cap).
    warnings: Mutex<Vec<String>>,
}

impl DecodeStats {
    pub fn replaced(&self) -> u64 {
        self.replaced.load(Ordering::Relaxed)
    }

    /// Distinct lines of the first [`REPLACED_LINES_KEPT`] replacements, ascending.
    pub fn replaced_lines(&self) -> Vec<u64> {
        lock(&self.replaced_lines).clone()
    }

    /// Warnings about the content, in the order they arose.
    pub fn warnings(&self) -> Vec<String> {
        lock(&self.warnings).clone()
    }

    fn record_replacement(&self, line: Option<u64>) {
        self.replaced.fetch_add(1, Ordering::Relaxed);
        if let Some(line) = line {
            let mut lines = lock(&self.replaced_lines);
            if lines.last() != Some(&line) && lines.len() < REPLACED_LINES_KEPT {
                lines.push(line);
            }
        }
    }

    /// Whether another replacement line would still be kept.
    fn wants_lines(&self) -> bool {
        lock(&self.replaced_lines).len() < REPLACED_LINES_KEPT
    }

    fn warn(&self, message: String) {
        lock(&self.warnings).push(message);
    }
}

/// A poisoned lock only means another reader panicked; the data is still whole.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An open, decoded file.
pub struct Opened {
    /// UTF-8 text of the file (after decompression and decoding).
    pub reader: Box<dyn BufRead + Send>,
    /// The charset used to decode.
    pub charset: Charset,
    /// True when the charset was guessed from content rather than declared or certain.
    pub guessed: bool,
    /// The compression the file's magic bytes showed, if any.
    pub compression: Option<Compression>,
    pub stats: Arc<DecodeStats>,
}

/// The bytes sniffed at the start of a file: enough to detect compression, BOMs,
/// UTF-16 and binary content, and to let scanners recognise their format.
pub const HEAD_LEN: usize = 8 * 1024;

/// Opens `path`, decompressing and decoding it. `declared` is the charset the rules
/// give; `None` means detect (BOM, UTF-16 by NUL pattern, valid UTF-8, a guess).
pub fn open(path: &Path, declared: Option<Charset>) -> Result<Opened, ReadError> {
    open_with(path, declared, Limits::DEFAULT)
}

fn open_with(path: &Path, declared: Option<Charset>, limits: Limits) -> Result<Opened, ReadError> {
    let stats = Arc::new(DecodeStats::default());
    let (mut content, compression) = decompress::open(File::open(path)?, limits, &stats)?;
    let head = decompress::read_head(&mut content, HEAD_LEN)?;
    let at_eof = head.len() < HEAD_LEN;
    let detected = charset::detect(&head, at_eof, declared)?;
    let mut head = Cursor::new(head);
    head.set_position(detected.bom_len as u64);
    let content = head.chain(content);
    let reader: Box<dyn BufRead + Send> = match detected.charset {
        Charset::Web(e) if e == encoding_rs::UTF_8 => {
            Box::new(Utf8Reader::new(content, Arc::clone(&stats)))
        }
        Charset::Web(e) => Box::new(Transcoder::new(
            content,
            Decoding::Web(e.new_decoder_without_bom_handling()),
            Arc::clone(&stats),
        )),
        Charset::Ebcdic(page) => Box::new(Transcoder::new(
            content,
            Decoding::Ebcdic(page),
            Arc::clone(&stats),
        )),
    };
    Ok(Opened {
        reader,
        charset: detected.charset,
        guessed: detected.guessed,
        compression,
        stats,
    })
}

/// The decoded start of a file, for format detection: about [`HEAD_LEN`] bytes,
/// cut at a character boundary (a long line does not make it longer).
pub fn head(path: &Path, declared: Option<Charset>) -> Result<String, ReadError> {
    let mut opened = open(path, declared)?;
    let mut bytes = decompress::read_head(&mut opened.reader, HEAD_LEN)?;
    // The decoder's output is UTF-8, so only a sequence cut by the limit can fail.
    let valid = match std::str::from_utf8(&bytes) {
        Ok(_) => bytes.len(),
        Err(e) => e.valid_up_to(),
    };
    bytes.truncate(valid);
    Ok(String::from_utf8(bytes).unwrap_or_default())
}
