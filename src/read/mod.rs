//! Reading files: decompression, charset detection and decoding to UTF-8.
//!
//! Everything downstream sees valid UTF-8. Bytes that do not decode are replaced
//! (U+FFFD) and counted, never fatal. Memory stays bounded: files are streamed,
//! only a small head is buffered for detection.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

mod charset;
mod window;

pub use charset::Charset;
pub use window::{Window, WindowEnd, open_window, probe};

/// Why a file could not be read at all (the scan records it and goes on).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("binary file (NUL byte at offset {offset}), skipped")]
    Binary { offset: u64 },
}

/// How the content was decoded, for the scan summary and warnings.
#[derive(Debug, Default)]
pub struct DecodeStats {
    /// Invalid byte sequences replaced by U+FFFD.
    pub replaced: AtomicU64,
}

impl DecodeStats {
    pub fn replaced(&self) -> u64 {
        self.replaced.load(Ordering::Relaxed)
    }
}

/// An open, decoded file.
pub struct Opened {
    /// UTF-8 text of the file (after decompression and decoding).
    pub reader: Box<dyn BufRead + Send>,
    /// The charset used to decode.
    pub charset: Charset,
    /// True when the charset was guessed from content rather than declared or certain.
    pub guessed: bool,
    pub stats: Arc<DecodeStats>,
}

/// The bytes sniffed at the start of a file: enough to detect compression, BOMs,
/// UTF-16 and binary content, and to let scanners recognise their format.
pub const HEAD_LEN: usize = 8 * 1024;

/// Opens `path`, decompressing and decoding it. `declared` is the charset the rules
/// give; `None` means detect (BOM, then valid UTF-8, then a guess).
pub fn open(path: &Path, declared: Option<Charset>) -> Result<Opened, ReadError> {
    charset::open(path, declared)
}

/// The decoded start of a file, for format detection.
pub fn head(path: &Path, declared: Option<Charset>) -> Result<String, ReadError> {
    let mut opened = open(path, declared)?;
    let mut out = String::new();
    let mut line = String::new();
    while out.len() < HEAD_LEN {
        line.clear();
        if opened.reader.read_line(&mut line)? == 0 {
            break;
        }
        out.push_str(&line);
    }
    Ok(out)
}

/// The file's content, decompressed (placeholder: plain files only).
fn decompressed(path: &Path) -> Result<(Box<dyn std::io::Read + Send>, Option<()>), ReadError> {
    Ok((Box::new(std::fs::File::open(path)?), None))
}

/// The charset of a file as detection finds it, and whether it is a guess.
fn detect_charset(path: &Path) -> Result<(Charset, bool), ReadError> {
    let o = open(path, None)?;
    Ok((o.charset, o.guessed))
}

/// Decodes a stream in `charset`.
fn decode_stream(
    mut reader: Box<dyn std::io::Read + Send>,
    charset: Charset,
    _strip_bom: bool,
) -> Result<Opened, ReadError> {
    let mut raw = Vec::new();
    reader.read_to_end(&mut raw)?;
    let Charset::Web(e) = charset;
    let (text, _, _) = e.decode(&raw);
    Ok(Opened {
        reader: Box::new(std::io::Cursor::new(text.into_owned().into_bytes())),
        charset,
        guessed: false,
        stats: Arc::new(DecodeStats::default()),
    })
}
