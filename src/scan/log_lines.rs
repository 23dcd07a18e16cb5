//! Plain line logs: one record per line; the extractor decides what is client text.
//!
//! The hot path of a nightly scan: gigabytes of lines of which a few percent show
//! a client anything. Lines are cut from the decoder's buffers without copying,
//! and when the extractor offers a prefilter (its regex in multi-line mode), the
//! whole buffer is searched at once and only lines holding a match become records
//! — the way ripgrep searches, instead of one regex call per line.
//!
//! A line longer than the record cap (`caps.record_bytes`) is judged and kept
//! by its head; the rest is never copied, and the file gets one warning.

use std::io::BufRead;

use super::{CappedLines, Item, ScanContext, Scanner};
use crate::model::{FormatId, Location, LogRecord, RecordBody, Role, Warning};
use crate::read::char_boundary;

pub struct LogLines;

impl Scanner for LogLines {
    fn id(&self) -> FormatId {
        FormatId::LogLines
    }

    fn role(&self) -> Role {
        Role::Observations
    }

    fn extensions(&self) -> &'static [&'static str] {
        &["log", "txt", "out"]
    }

    fn scan(&self, input: &mut dyn BufRead, ctx: &ScanContext<'_>, emit: &mut dyn FnMut(Item)) {
        let mut lines = Lines {
            ctx,
            emit,
            next_line: ctx.first_line,
            max: ctx.caps.record_bytes(),
            capped: CappedLines::default(),
        };
        let result = lines.run(input);
        if let Some(first) = lines.capped.first {
            (lines.emit)(Item::Warning(Warning::new(
                ctx.path,
                Some(first),
                crate::read::record_cap_warning(lines.capped.count, lines.max),
            )));
        }
        if let Err(e) = result {
            (lines.emit)(Item::Warning(Warning::new(
                ctx.path,
                None,
                format!("read failed: {e}"),
            )));
        }
    }
}

/// Cuts decoded input into numbered lines and emits the (candidate) ones.
struct Lines<'c, 'e> {
    ctx: &'c ScanContext<'c>,
    emit: &'e mut dyn FnMut(Item),
    /// Number of the next line to be cut.
    next_line: u64,
    /// The record cap, and the lines cut to it.
    max: usize,
    capped: CappedLines,
}

impl Lines<'_, '_> {
    fn run(&mut self, input: &mut dyn BufRead) -> std::io::Result<()> {
        // A line cut by the end of a buffer waits here for its rest.
        let mut carry: Vec<u8> = Vec::new();
        loop {
            let buf = input.fill_buf()?;
            if buf.is_empty() {
                if !carry.is_empty() {
                    let line = std::mem::take(&mut carry);
                    self.single(&line);
                }
                return Ok(());
            }
            let len = buf.len();
            // A carried line never holds more than one byte past the cap: enough
            // to know it is over.
            let max = self.max;
            let carry_on = |carry: &mut Vec<u8>, bytes: &[u8]| {
                let room = (max + 1).saturating_sub(carry.len());
                carry.extend_from_slice(&bytes[..bytes.len().min(room)]);
            };
            let Some(last) = memchr::memrchr(b'\n', buf) else {
                carry_on(&mut carry, buf);
                input.consume(len);
                continue;
            };
            let mut start = 0;
            if !carry.is_empty() {
                let first = memchr::memchr(b'\n', buf).expect("a newline was found");
                carry_on(&mut carry, &buf[..first]);
                let line = std::mem::take(&mut carry);
                self.single(&line);
                start = first + 1;
            }
            if start <= last {
                self.block(&buf[start..=last]);
            }
            carry_on(&mut carry, &buf[last + 1..]);
            input.consume(len);
        }
    }

    /// A run of complete lines (ending in `\n`).
    fn block(&mut self, block: &[u8]) {
        match self.ctx.prefilter {
            Some(prefilter) => {
                let mut pos = 0;
                let mut counted = 0;
                while let Some(m) = prefilter.find_at(block, pos) {
                    let start = memchr::memrchr(b'\n', &block[..m.start()]).map_or(0, |i| i + 1);
                    let end = memchr::memchr(b'\n', &block[m.start()..])
                        .map_or(block.len(), |i| m.start() + i);
                    self.next_line +=
                        memchr::memchr_iter(b'\n', &block[counted..start]).count() as u64;
                    if end - start > self.max {
                        // Judged by its head, as when the line is cut across buffers.
                        self.single(&block[start..end]);
                    } else {
                        self.line(&block[start..end]);
                    }
                    counted = (end + 1).min(block.len());
                    pos = counted;
                    if pos >= block.len() {
                        break;
                    }
                }
                self.next_line += memchr::memchr_iter(b'\n', &block[counted..]).count() as u64;
            }
            None => {
                for line in block[..block.len() - 1].split(|&b| b == b'\n') {
                    self.line(line);
                }
            }
        }
    }

    /// A line cut across buffers or over the cap: its head is checked against
    /// the prefilter on its own.
    fn single(&mut self, line: &[u8]) {
        let line = self.head(line);
        match self.ctx.prefilter {
            Some(prefilter) if !prefilter.is_match(line) => self.next_line += 1,
            _ => self.line(line),
        }
    }

    /// The line within the record cap, the cut counted.
    fn head<'l>(&mut self, line: &'l [u8]) -> &'l [u8] {
        if line.len() <= self.max {
            return line;
        }
        self.capped.count += 1;
        self.capped.first.get_or_insert(self.next_line);
        &line[..char_boundary(line, self.max)]
    }

    /// One line (without its `\n`); the line counter moves past it.
    fn line(&mut self, line: &[u8]) {
        let line = self.head(line);
        let line_no = self.next_line;
        self.next_line += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return;
        }
        // The decoder yields UTF-8 and lines end at ASCII newlines, so this is whole.
        let text = String::from_utf8_lossy(line).into_owned();
        (self.emit)(Item::Record(LogRecord {
            location: Location::new(self.ctx.path, line_no),
            time: None,
            body: RecordBody::Text(text),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::SourceOptions;

    fn lines_of(
        input: &[u8],
        prefilter: Option<&regex::bytes::Regex>,
        chunk: usize,
    ) -> Vec<(u64, String)> {
        let options = SourceOptions::default();
        let mut ctx = ScanContext::for_test("a.log", &options);
        ctx.prefilter = prefilter;
        let mut items = Vec::new();
        // Small buffers put line ends across buffer boundaries.
        let mut reader = std::io::BufReader::with_capacity(chunk, input);
        LogLines.scan(&mut reader, &ctx, &mut |i| items.push(i));
        items
            .into_iter()
            .map(|i| match i {
                Item::Record(LogRecord {
                    location,
                    body: RecordBody::Text(t),
                    ..
                }) => (location.line, t),
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn one_record_per_non_empty_line_with_numbers() {
        for chunk in [1, 3, 7, 64 * 1024] {
            assert_eq!(
                lines_of(b"first\r\n\nthird", None, chunk),
                vec![(1, "first".to_string()), (3, "third".to_string())],
                "buffer of {chunk} bytes"
            );
        }
    }

    #[test]
    fn a_prefilter_yields_only_lines_with_a_match_and_keeps_numbers() {
        let input = "INFO a\nWARN shown text=\"Ошибка 1\"\nDEBUG b\r\nWARN shown text=\"Ошибка 2\"\r\n\nWARN shown";
        let re = regex::bytes::Regex::new(r#"(?mR)shown text="(.*)"$"#).unwrap();
        for chunk in [1, 5, 16, 64 * 1024] {
            assert_eq!(
                lines_of(input.as_bytes(), Some(&re), chunk),
                vec![
                    (2, "WARN shown text=\"Ошибка 1\"".to_string()),
                    (4, "WARN shown text=\"Ошибка 2\"".to_string()),
                ],
                "buffer of {chunk} bytes"
            );
        }
    }

    /// A prefilter match that runs over a line end must not hide the next line.
    #[test]
    fn matches_spanning_lines_do_not_skip_lines() {
        let re = regex::bytes::Regex::new(r"(?m)a[^x]*b").unwrap();
        let got = lines_of(b"a\nab\n", Some(&re), 64 * 1024);
        assert_eq!(got, vec![(1, "a".to_string()), (2, "ab".to_string())]);
    }

    /// Records (line, text) and warnings (line, message) of a capped read.
    type Scanned = (Vec<(u64, String)>, Vec<(Option<u64>, String)>);

    /// Records and warnings of `input` read with a record cap of `max` bytes.
    fn capped_lines(
        input: &[u8],
        prefilter: Option<&regex::bytes::Regex>,
        chunk: usize,
        max: u64,
    ) -> Scanned {
        let options = SourceOptions::default();
        let caps = crate::rules::Caps {
            record_bytes: Some(max),
            ..crate::rules::Caps::DEFAULT
        };
        let mut ctx = ScanContext::for_test("a.log", &options);
        ctx.prefilter = prefilter;
        ctx.caps = &caps;
        let (mut records, mut warnings) = (Vec::new(), Vec::new());
        let mut reader = std::io::BufReader::with_capacity(chunk, input);
        LogLines.scan(&mut reader, &ctx, &mut |i| match i {
            Item::Record(LogRecord {
                location,
                body: RecordBody::Text(t),
                ..
            }) => records.push((location.line, t)),
            Item::Warning(w) => warnings.push((w.line, w.message)),
            other => panic!("unexpected {other:?}"),
        });
        (records, warnings)
    }

    /// Issue #14: a 200 MB line was copied whole, several times. A line over
    /// the cap yields its head only, is judged by its head, and the file gets
    /// one warning naming the first such line, whatever the buffer size.
    #[test]
    fn lines_over_the_cap_keep_their_head_at_every_buffer_size() {
        let input = "short\nshown Ошибка длинная строка\nshown\r\nlong tail shown\nno";
        let re = regex::bytes::Regex::new(r"(?m)shown").unwrap();
        let warning = |count| (Some(2), crate::read::record_cap_warning(count, 11));
        for chunk in [1, 2, 5, 13, 64 * 1024] {
            let (records, warnings) = capped_lines(input.as_bytes(), None, chunk, 11);
            assert_eq!(
                records,
                vec![
                    (1, "short".to_string()),
                    // 11 bytes would split the `и`: the head stops before it.
                    (2, "shown Ош".to_string()),
                    (3, "shown".to_string()),
                    (4, "long tail s".to_string()),
                    (5, "no".to_string()),
                ],
                "buffer of {chunk} bytes"
            );
            assert_eq!(warnings, vec![warning(2)], "buffer of {chunk} bytes");
            // With a prefilter, the line whose match lies past the cap shows nothing.
            let (records, warnings) = capped_lines(input.as_bytes(), Some(&re), chunk, 11);
            assert_eq!(
                records,
                vec![(2, "shown Ош".to_string()), (3, "shown".to_string())],
                "buffer of {chunk} bytes"
            );
            assert_eq!(warnings, vec![warning(2)], "buffer of {chunk} bytes");
        }
    }
}
