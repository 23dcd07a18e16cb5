//! Decompression recognised by magic bytes, never by file name.
//!
//! gzip (every member of a multi-member file) and zstd (every frame). A truncated
//! or corrupt stream ends the content where decoding failed, with a warning; a
//! ratio cap ends a decompression bomb the same way. Either way the scan keeps
//! what was read.

use std::io::{self, Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

use super::DecodeStats;

/// Decompressed output may exceed the compressed input this many times…
pub const MAX_RATIO: u64 = 1000;
/// …once it is past this many bytes (small files may compress far better).
pub const RATIO_FLOOR: u64 = 64 * 1024 * 1024;

/// The ratio cap (tests use small ones).
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub ratio: u64,
    pub floor: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        ratio: MAX_RATIO,
        floor: RATIO_FLOOR,
    };
}

/// A compressed format errata opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    fn from_magic(magic: &[u8]) -> Option<Compression> {
        if magic.starts_with(&[0x1F, 0x8B]) {
            Some(Compression::Gzip)
        } else if magic.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
            Some(Compression::Zstd)
        } else {
            None
        }
    }
}

/// Reads up to `len` bytes (fewer only at the end of the input).
pub(super) fn read_head(reader: &mut impl Read, len: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(len);
    reader.take(len as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// The content of `file`, decompressed when its first bytes say it is compressed.
pub(super) fn open(
    mut file: impl Read + Send + 'static,
    limits: Limits,
    stats: &Arc<DecodeStats>,
) -> io::Result<(Box<dyn Read + Send>, Option<Compression>)> {
    let magic = read_head(&mut file, 4)?;
    let compression = Compression::from_magic(&magic);
    let raw = Cursor::new(magic).chain(file);
    let Some(compression) = compression else {
        return Ok((Box::new(raw), None));
    };
    let compressed = Arc::new(AtomicU64::new(0));
    let counted = Counted {
        inner: raw,
        count: Arc::clone(&compressed),
    };
    let decoder: Box<dyn Read + Send> = match compression {
        Compression::Gzip => Box::new(MultiGzDecoder::new(counted)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(counted)?),
    };
    let guarded = Guarded {
        inner: decoder,
        compression,
        compressed,
        produced: 0,
        limits,
        stats: Arc::clone(stats),
        done: false,
    };
    Ok((Box::new(guarded), Some(compression)))
}

/// Counts the compressed bytes read, for the ratio cap.
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Turns decompression errors and runaway ratios into a warning and an early end.
struct Guarded {
    inner: Box<dyn Read + Send>,
    compression: Compression,
    compressed: Arc<AtomicU64>,
    produced: u64,
    limits: Limits,
    stats: Arc<DecodeStats>,
    done: bool,
}

impl Read for Guarded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done {
            return Ok(0);
        }
        let name = self.compression.name();
        match self.inner.read(buf) {
            Ok(n) => {
                self.produced += n as u64;
                let compressed = self.compressed.load(Ordering::Relaxed);
                if self.produced > self.limits.floor
                    && self.produced > compressed.saturating_mul(self.limits.ratio)
                {
                    self.done = true;
                    self.stats.warn(format!(
                        "{name} decompression stopped after {} bytes, more than {} times \
                         the {compressed} compressed bytes read (decompression bomb?); \
                         the rest of the file is skipped",
                        self.produced, self.limits.ratio
                    ));
                }
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.done = true;
                self.stats.warn(format!(
                    "{name} data truncated or corrupt after {} decompressed bytes ({e}); \
                     kept what was readable",
                    self.produced
                ));
                Ok(0)
            }
        }
    }
}
