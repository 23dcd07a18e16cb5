//! What one input may cost (`caps:`): the limits that keep a hostile or broken
//! file from taking the scan down, with their defaults and the bounds the rules
//! may set them within. They live here, with the rules that set them, so that
//! `read` and `scan` (which enforce them) import the rules and never the other
//! way round; docs/operations.md lists them all.

use serde::Deserialize;

/// Longest log line passed on by default (`caps.record_bytes`): far beyond any
/// message a screen shows, far below what would strain memory.
pub const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// The smallest record cap the rules may set.
pub const MIN_RECORD_BYTES: usize = 1024;
/// Largest catalog read whole to be parsed, by default (`caps.document_bytes`):
/// real catalogs are a few MiB; a larger file is skipped with a warning rather
/// than held in memory several times over while it is parsed.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;
/// Deepest nesting of a JSON or XML catalog, by default (`caps.nesting_depth`):
/// the limit serde_json and serde_yaml apply themselves (JSON lines, YAML).
pub const MAX_NESTING_DEPTH: usize = 128;
/// The deepest nesting the rules may allow: the XML scanners walk their trees
/// recursively, which this keeps well within a thread's stack.
pub const NESTING_DEPTH_CEILING: usize = 1024;
/// Decompressed output may exceed the compressed input this many times…
/// (real logs stay under 100: a log repeating one message with only its
/// timestamp changing is 40:1 in gzip, 85:1 in `zstd -19`; gzip cannot exceed
/// about 1030:1, so a cap at 1000 never stopped a gzip bomb)
pub const MAX_RATIO: u64 = 200;
/// …once it is past this many bytes (small files may compress far better).
pub const RATIO_FLOOR: u64 = 64 * 1024 * 1024;
/// Most bytes decompressed from one file, whatever its ratio.
pub const MAX_DECOMPRESSED_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// What one input may cost (`caps:`); an absent value is its default above.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Caps {
    /// Longest line (record) passed on, in bytes; a longer one keeps its head
    /// (default [`MAX_RECORD_BYTES`]).
    pub record_bytes: Option<u64>,
    /// Largest catalog read whole to be parsed (JSON, XML, properties, SQL…), in
    /// bytes; a larger one is skipped (default [`MAX_DOCUMENT_BYTES`]).
    pub document_bytes: Option<u64>,
    /// Most bytes decompressed from one file (default [`MAX_DECOMPRESSED_BYTES`]).
    pub decompressed_bytes: Option<u64>,
    /// Most decompressed bytes per compressed byte, once past
    /// [`RATIO_FLOOR`] (default [`MAX_RATIO`]).
    pub decompression_ratio: Option<u64>,
    /// Deepest nesting of a JSON or XML catalog (default
    /// [`MAX_NESTING_DEPTH`], at most [`NESTING_DEPTH_CEILING`]).
    pub nesting_depth: Option<u64>,
}

impl Caps {
    /// No value set: every cap at its default.
    pub const DEFAULT: Caps = Caps {
        record_bytes: None,
        document_bytes: None,
        decompressed_bytes: None,
        decompression_ratio: None,
        nesting_depth: None,
    };

    pub fn record_bytes(&self) -> usize {
        self.record_bytes.map_or(MAX_RECORD_BYTES, saturating_usize)
    }

    pub fn document_bytes(&self) -> usize {
        self.document_bytes
            .map_or(MAX_DOCUMENT_BYTES, saturating_usize)
    }

    pub fn nesting_depth(&self) -> usize {
        self.nesting_depth
            .map_or(MAX_NESTING_DEPTH, saturating_usize)
    }

    pub(super) fn merge_from(&mut self, other: Caps) {
        self.record_bytes = other.record_bytes.or(self.record_bytes);
        self.document_bytes = other.document_bytes.or(self.document_bytes);
        self.decompressed_bytes = other.decompressed_bytes.or(self.decompressed_bytes);
        self.decompression_ratio = other.decompression_ratio.or(self.decompression_ratio);
        self.nesting_depth = other.nesting_depth.or(self.nesting_depth);
    }
}

fn saturating_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}
