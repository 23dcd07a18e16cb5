//! Decompression recognised by magic bytes, never by file name.
//!
//! gzip (every member of a multi-member file) and zstd (every frame). A truncated
//! or corrupt stream ends the content where decoding failed, with a warning.
//! One policy caps every codec alike, so a decompression bomb ends the same way:
//! at most [`ReadLimits::decompressed_bytes`] per file, and at most
//! [`ReadLimits::decompression_ratio`] decompressed bytes per compressed byte
//! once past [`RATIO_FLOOR`]. Either way the scan keeps what was read, with a
//! warning naming the cap (`caps:` in the rules changes them).

use std::io::{self, Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

use super::{DecodeStats, ReadLimits};

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
    limits: &ReadLimits,
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
        limits: *limits,
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

/// Turns decompression errors and runaway sizes or ratios into a warning and an early end.
struct Guarded {
    inner: Box<dyn Read + Send>,
    compression: Compression,
    compressed: Arc<AtomicU64>,
    produced: u64,
    limits: ReadLimits,
    stats: Arc<DecodeStats>,
    done: bool,
}

impl Guarded {
    /// Ends the content with a warning saying which cap stopped it.
    fn stop(&mut self, why: String) -> io::Result<usize> {
        self.done = true;
        self.stats.warn(
            None,
            format!(
                "{} decompression stopped after {} bytes: {why} (decompression bomb?); \
                 the rest of the file is skipped",
                self.compression.name(),
                self.produced
            ),
        );
        Ok(0)
    }
}

impl Read for Guarded {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.done {
            return Ok(0);
        }
        let name = self.compression.name();
        // Never past the size cap: once there, one more byte means the file is over it.
        let room = self.limits.decompressed_bytes.saturating_sub(self.produced);
        let want = buf
            .len()
            .min(usize::try_from(room).unwrap_or(usize::MAX).max(1));
        match self.inner.read(&mut buf[..want]) {
            Ok(n) if n > 0 && room == 0 => self.stop(format!(
                "more than {} bytes (caps.decompressed_bytes)",
                self.limits.decompressed_bytes
            )),
            Ok(n) => {
                let compressed = self.compressed.load(Ordering::Relaxed);
                let produced = self.produced + n as u64;
                if produced > self.limits.ratio_floor
                    && produced > compressed.saturating_mul(self.limits.decompression_ratio)
                {
                    return self.stop(format!(
                        "more than {} times the {compressed} compressed bytes read \
                         (caps.decompression_ratio)",
                        self.limits.decompression_ratio
                    ));
                }
                self.produced = produced;
                Ok(n)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(e),
            Err(e) => {
                self.done = true;
                self.stats.warn(
                    None,
                    format!(
                        "{name} data truncated or corrupt after {} decompressed bytes ({e}); \
                     kept what was readable",
                        self.produced
                    ),
                );
                Ok(0)
            }
        }
    }
}
