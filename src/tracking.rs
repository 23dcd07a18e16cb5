//! Which part of each log file is new since the last scan.
//!
//! Files are remembered by identity, not by path: a fingerprint of their first
//! bytes (of the decompressed content) plus the position read up to. That is what
//! survives log rotation: `app.log` renamed to `app.log.1`, then compressed to
//! `app.log.2.gz`, is still the same content, and only its unread tail is read.
//! A file whose first bytes changed (truncated and rewritten, inode reused) is a
//! new file, and so is a known fingerprint whose stored position lies beyond the
//! file's end.
//!
//! Logs often start with the same banner, so the first bytes alone cannot tell
//! "the same file grew" from "truncated and rewritten with the same head"
//! (copytruncate, then more than the old position written). The stored identity
//! therefore also holds a fingerprint of the bytes just before the stored
//! position ([`identity`]); a file continues a stored one only if those bytes
//! are unchanged. Checking needs the file's bytes at the position, which the
//! caller reads ([`plan`]'s `bytes_before`), only for files that changed since.

use crate::catalog::FileRecord;

/// Bytes of decompressed content that make a file's fingerprint.
pub const FINGERPRINT_LEN: usize = 1024;

/// The fingerprint of a file's first bytes (`head` holds at most [`FINGERPRINT_LEN`]).
pub fn fingerprint(head: &[u8]) -> String {
    let head = &head[..head.len().min(FINGERPRINT_LEN)];
    hash(head)
}

/// The identity stored for a file read up to some position: the fingerprint of
/// its head, `:`, and that of `tail`, the (at most [`crate::read::TAIL_LEN`]) bytes before
/// the position. (A catalog written before tails were kept has the head's
/// fingerprint alone; such a file is matched by its head only.)
pub fn identity(head_fingerprint: &str, tail: &[u8]) -> String {
    format!("{}:{}", head_part(head_fingerprint), hash(tail))
}

fn hash(bytes: &[u8]) -> String {
    format!("{:016x}", xxhash_rust::xxh3::xxh3_64(bytes))
}

/// The head's fingerprint in a stored identity.
fn head_part(identity: &str) -> &str {
    identity.split_once(':').map_or(identity, |(head, _)| head)
}

/// The fingerprint of the bytes before the stored position, if kept.
fn tail_part(identity: &str) -> Option<&str> {
    identity.split_once(':').map(|(_, tail)| tail)
}

/// A log file found by this scan: what would be stored of it, and its first bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentFile {
    /// Its path, inode, size, mtime and fingerprint as found now (no position yet).
    pub record: FileRecord,
    /// Whether the file is compressed (its decompressed size is unknown until read).
    pub compressed: bool,
    /// Its first decompressed bytes, at most [`FINGERPRINT_LEN`].
    pub head: Vec<u8>,
}

/// What to do with a current file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing new: do not read.
    Unchanged { stored: i64 },
    /// Known content: read from `offset` (decompressed bytes), numbering lines after `lines`.
    /// If the file turns out shorter than `offset`, it is new after all.
    Resume {
        stored: i64,
        offset: u64,
        lines: u64,
    },
    /// Unknown content: read from the start.
    New,
}

/// Decides, for each current file, whether it is known and where to resume.
/// Each stored identity is claimed by at most one current file; the closest
/// match wins (same inode and path, then same inode, then same path, then the
/// fingerprint alone — a rotated or compressed file). `bytes_before(i, offset)`
/// gives current file `i`'s [`crate::read::TAIL_LEN`] bytes before `offset` (fewer when
/// `offset` is smaller; `None` when the file is shorter or unreadable); it is
/// asked only about a file whose head matches and which changed since.
pub fn plan(
    current: &[&CurrentFile],
    stored: &[&FileRecord],
    bytes_before: &dyn Fn(usize, u64) -> Option<Vec<u8>>,
) -> Vec<Plan> {
    // Each file's bytes at a stored position are read (and hashed) once.
    let tails = std::cell::RefCell::new(std::collections::HashMap::new());
    let tail_matches = |ci: usize, s: &FileRecord, want: &str| {
        tails
            .borrow_mut()
            .entry((ci, s.offset))
            .or_insert_with(|| bytes_before(ci, s.offset).map(|b| hash(&b)))
            .as_deref()
            == Some(want)
    };
    let mut plans = vec![Plan::New; current.len()];
    let mut claimed = vec![false; stored.len()];
    let mut decided = vec![false; current.len()];
    let passes: [fn(&FileRecord, &FileRecord) -> bool; 4] = [
        |c, s| c.dev == s.dev && c.inode == s.inode && c.path == s.path,
        |c, s| c.dev == s.dev && c.inode == s.inode,
        |c, s| c.path == s.path,
        |_, _| true,
    ];
    for same in passes {
        for (ci, c) in current.iter().enumerate() {
            if decided[ci] {
                continue;
            }
            let found = stored.iter().enumerate().find(|(si, s)| {
                !claimed[*si]
                    && same(&c.record, s)
                    && continues(c, s)
                    && (untouched(c, s)
                        || tail_part(&s.fingerprint).is_none_or(|t| tail_matches(ci, s, t)))
            });
            if let Some((si, s)) = found {
                claimed[si] = true;
                decided[ci] = true;
                plans[ci] = resume_plan(c, s);
            }
        }
    }
    plans
}

/// Whether `c` starts with the bytes `s` was fingerprinted on, and is not shorter
/// than what was read of `s` (when that can be known without decompressing).
fn continues(c: &CurrentFile, s: &FileRecord) -> bool {
    s.fingerprint_len > 0
        && c.head.len() >= s.fingerprint_len
        && fingerprint(&c.head[..s.fingerprint_len]) == head_part(&s.fingerprint)
        && (c.compressed || c.record.size >= s.offset)
}

/// Whether `c` is the very file `s` was stored from, unchanged since.
fn untouched(c: &CurrentFile, s: &FileRecord) -> bool {
    let now = &c.record;
    now.dev == s.dev
        && now.inode == s.inode
        && now.path == s.path
        && now.size == s.size
        && now.mtime == s.mtime
}

fn resume_plan(c: &CurrentFile, s: &FileRecord) -> Plan {
    let id = s.id.expect("a stored file has an id");
    // A renamed file may be a rotated one whose unterminated last line is now final.
    let fully_read = !c.compressed && c.record.size == s.offset;
    if untouched(c, s) || fully_read {
        Plan::Unchanged { stored: id }
    } else {
        Plan::Resume {
            stored: id,
            offset: s.offset,
            lines: s.lines,
        }
    }
}

/// Whether a file name marks a rotated (closed) log: `app.log.1`, `app.log.2.gz`,
/// `app-20240101.log`, `app.log.2024-01-01`. Its unterminated last line will get
/// no more bytes, so it is read as a complete line.
pub fn is_rotated_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".gz")
        .or_else(|| lower.strip_suffix(".zst"))
        .unwrap_or(&lower);
    if stem.len() != lower.len() {
        return true;
    }
    stem.rsplit('.').next().is_some_and(|last| {
        !last.is_empty() && last.chars().all(|c| c.is_ascii_digit() || c == '-')
    }) && stem.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FormatId, Role};
    use crate::read::TAIL_LEN;

    /// A file of `content` on device 1 with mtime 100.
    fn record(path: &str, inode: u64, content: &[u8]) -> FileRecord {
        let len = content.len().min(FINGERPRINT_LEN);
        FileRecord {
            dev: 1,
            inode,
            size: content.len() as u64,
            mtime: 100,
            fingerprint: fingerprint(&content[..len]),
            fingerprint_len: len,
            ..FileRecord::unread(path, "app", Role::Observations, FormatId::LogLines)
        }
    }

    fn current(path: &str, inode: u64, content: &[u8]) -> CurrentFile {
        CurrentFile {
            record: record(path, inode, content),
            compressed: path.ends_with(".gz"),
            head: content[..content.len().min(FINGERPRINT_LEN)].to_vec(),
        }
    }

    /// A file stored as read up to `offset` of `content`.
    fn stored(id: i64, path: &str, inode: u64, content: &[u8], offset: u64) -> FileRecord {
        let base = record(path, inode, content);
        let start = (offset as usize).saturating_sub(TAIL_LEN);
        FileRecord {
            id: Some(id),
            offset,
            lines: 3,
            fingerprint: identity(&base.fingerprint, &content[start..offset as usize]),
            ..base
        }
    }

    /// [`plan`] over owned files whose content is `current`'s head (and `full`,
    /// when given, for the bytes before stored positions).
    fn plan(current: &[CurrentFile], stored: &[FileRecord]) -> Vec<Plan> {
        plan_full(current, &[], stored)
    }

    fn plan_full(current: &[CurrentFile], full: &[&[u8]], stored: &[FileRecord]) -> Vec<Plan> {
        let contents: Vec<&[u8]> = current
            .iter()
            .enumerate()
            .map(|(i, c)| full.get(i).copied().unwrap_or(&c.head))
            .collect();
        let bytes_before = |i: usize, offset: u64| {
            let content = contents[i];
            let end = usize::try_from(offset)
                .ok()
                .filter(|&e| e <= content.len())?;
            Some(content[end.saturating_sub(TAIL_LEN)..end].to_vec())
        };
        let current: Vec<&CurrentFile> = current.iter().collect();
        let stored: Vec<&FileRecord> = stored.iter().collect();
        super::plan(&current, &stored, &bytes_before)
    }

    #[test]
    fn growth_resumes_and_touch_without_change_does_not_reread() {
        let old = b"line 1\nline 2\n";
        let grown = b"line 1\nline 2\nline 3\n";
        let s = stored(7, "app.log", 10, old, old.len() as u64);
        assert_eq!(
            plan(&[current("app.log", 10, grown)], std::slice::from_ref(&s)),
            vec![Plan::Resume {
                stored: 7,
                offset: 14,
                lines: 3
            }]
        );
        let mut touched = current("app.log", 10, old);
        touched.record.mtime = 999;
        assert_eq!(plan(&[touched], &[s]), vec![Plan::Unchanged { stored: 7 }]);
    }

    #[test]
    fn rename_rotation_and_compression_keep_identity() {
        let old = b"2024-06-01 first\n2024-06-01 second\n";
        let s = stored(1, "app.log", 10, old, old.len() as u64 - 5);
        let new_live = current("app.log", 11, b"2024-06-02 fresh\n");
        let rotated = current("app.log.1", 10, old);
        assert_eq!(
            plan(&[new_live.clone(), rotated], std::slice::from_ref(&s)),
            vec![
                Plan::New,
                Plan::Resume {
                    stored: 1,
                    offset: old.len() as u64 - 5,
                    lines: 3
                }
            ]
        );
        let mut compressed = current("app.log.2.gz", 12, old);
        compressed.record.size = 20;
        assert_eq!(
            plan(&[new_live, compressed], &[s]),
            vec![
                Plan::New,
                Plan::Resume {
                    stored: 1,
                    offset: old.len() as u64 - 5,
                    lines: 3
                }
            ]
        );
    }

    #[test]
    fn truncate_rewrite_and_inode_reuse_are_new_files() {
        let old = b"aaaa\nbbbb\ncccc\n";
        let s = stored(1, "app.log", 10, old, old.len() as u64);
        // Rewritten with other content under the same inode.
        assert_eq!(
            plan(
                &[current("app.log", 10, b"zzzz\n")],
                std::slice::from_ref(&s)
            ),
            vec![Plan::New]
        );
        // Same first bytes, but shorter than what was read: rewritten, not grown.
        assert_eq!(
            plan(&[current("app.log", 10, b"aaaa\n")], &[s]),
            vec![Plan::New]
        );
    }

    #[test]
    fn different_files_with_identical_first_bytes_are_each_their_own() {
        let head = vec![b'#'; FINGERPRINT_LEN];
        let mut a = head.clone();
        a.extend_from_slice(b"a\n");
        let mut b = head;
        b.extend_from_slice(b"b\nmore\n");
        let s = stored(1, "a.log", 10, &a, a.len() as u64);
        let plans = plan(&[current("a.log", 10, &a), current("b.log", 11, &b)], &[s]);
        assert_eq!(plans, vec![Plan::Unchanged { stored: 1 }, Plan::New]);
    }

    /// Issue #14: copytruncate of a log that starts with the same banner of
    /// 1 KiB or more, rewritten past the old position: the first bytes match
    /// both the copy and the rewritten file, and day one was counted twice. The
    /// bytes before the stored position tell them apart.
    #[test]
    fn copytruncate_behind_a_shared_banner_follows_the_copy() {
        let banner = vec![b'#'; 2 * FINGERPRINT_LEN];
        let day = |d: u8, n: usize| -> Vec<u8> {
            let mut v = banner.clone();
            for i in 0..n {
                v.extend_from_slice(format!("2024-06-0{d} line {i}\n").as_bytes());
            }
            v
        };
        let day1 = day(1, 100);
        let s = stored(1, "app.log", 10, &day1, day1.len() as u64);
        let mut day1_grown = day1.clone();
        day1_grown.extend_from_slice(b"2024-06-01 late\n");
        let day2 = day(2, 200);
        assert!(day2.len() > day1.len());
        let live = current("app.log", 10, &day2);
        let copy = current("app.log.1", 11, &day1_grown);
        let plans = plan_full(
            &[live.clone(), copy],
            &[&day2, &day1_grown],
            std::slice::from_ref(&s),
        );
        assert_eq!(
            plans,
            vec![
                Plan::New,
                Plan::Resume {
                    stored: 1,
                    offset: day1.len() as u64,
                    lines: 3
                }
            ]
        );
        // Without the copy, the rewritten file is still a new one.
        assert_eq!(plan_full(&[live], &[&day2], &[s]), vec![Plan::New]);
    }

    /// A file unchanged since it was stored is never read to be checked.
    #[test]
    fn untouched_files_are_not_read_again() {
        let content = b"line 1\nline 2\n";
        let s = stored(1, "app.log", 10, content, content.len() as u64);
        let c = current("app.log", 10, content);
        let never = |_: usize, _: u64| -> Option<Vec<u8>> { panic!("read an untouched file") };
        assert_eq!(
            super::plan(&[&c], &[&s], &never),
            vec![Plan::Unchanged { stored: 1 }]
        );
        // A catalog written before tails were kept matches by the head alone.
        let old = FileRecord {
            fingerprint: fingerprint(content),
            ..s
        };
        let mut touched = c.clone();
        touched.record.mtime += 1;
        assert_eq!(
            super::plan(&[&touched], &[&old], &never),
            vec![Plan::Unchanged { stored: 1 }]
        );
    }

    #[test]
    fn small_files_that_grow_past_the_fingerprint_are_recognised() {
        let small = b"short\n";
        let s = stored(4, "x.log", 3, small, small.len() as u64);
        let mut grown = small.to_vec();
        grown.extend(std::iter::repeat_n(b'x', 2 * FINGERPRINT_LEN));
        grown.push(b'\n');
        assert_eq!(
            plan(&[current("x.log", 3, &grown)], &[s]),
            vec![Plan::Resume {
                stored: 4,
                offset: 6,
                lines: 3
            }]
        );
    }

    #[test]
    fn empty_files_are_never_matched() {
        let s = stored(1, "e.log", 1, b"", 0);
        assert_eq!(plan(&[current("e.log", 1, b"")], &[s]), vec![Plan::New]);
    }

    #[test]
    fn rotated_names() {
        for name in ["app.log.1", "app.log.2.gz", "app.log.2024-01-01", "x.zst"] {
            assert!(is_rotated_name(name), "{name}");
        }
        for name in ["app.log", "api.jsonl", "core"] {
            assert!(!is_rotated_name(name), "{name}");
        }
    }
}
