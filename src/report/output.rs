//! Where a document goes: standard output, or a file that is written whole or not
//! at all.
//!
//! A report written straight into its file and cut short (a full disk, a killed
//! job) looks like a complete report to whoever opens it next. So a file is
//! written to a temporary file beside it and renamed into place only once every
//! byte is on disk; a failure removes the temporary file and leaves the previous
//! report untouched. A target that is not a regular file (`/dev/stdout`, a FIFO,
//! `/dev/full`) is written directly, as there is nothing to replace. Every error
//! names the target.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A document being written; [`Output::finish`] completes it.
pub struct Output {
    sink: Sink,
}

enum Sink {
    Stdout(BufWriter<io::Stdout>),
    File {
        target: PathBuf,
        /// The temporary file renamed onto `target` when finished; `None` when
        /// writing to `target` itself (not a regular file).
        temp: Option<PathBuf>,
        file: BufWriter<File>,
    },
}

impl Output {
    /// Standard output.
    pub fn stdout() -> Output {
        Output {
            sink: Sink::Stdout(BufWriter::new(io::stdout())),
        }
    }

    /// The file `target`, replaced only when the document is complete.
    pub fn file(target: &Path) -> io::Result<Output> {
        let special = std::fs::metadata(target).is_ok_and(|m| !m.is_file());
        let (temp, file) = if special {
            let file = std::fs::OpenOptions::new().write(true).open(target);
            (None, file)
        } else {
            let temp = temp_path(target);
            let file = File::create(&temp);
            (Some(temp), file)
        };
        let file = file.map_err(|e| named(target, e))?;
        Ok(Output {
            sink: Sink::File {
                target: target.to_path_buf(),
                temp,
                file: BufWriter::new(file),
            },
        })
    }

    /// Standard output for `None`, else [`Output::file`].
    pub fn to(target: Option<&Path>) -> io::Result<Output> {
        target.map_or_else(|| Ok(Output::stdout()), Output::file)
    }

    /// Flushes everything to disk and puts the file in place.
    pub fn finish(mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(out) => out.flush(),
            Sink::File { target, temp, file } => {
                file.flush().map_err(|e| named(target, e))?;
                file.get_ref().sync_all().map_err(|e| named(target, e))?;
                if let Some(from) = temp.take()
                    && let Err(e) = std::fs::rename(&from, &*target)
                {
                    // The temporary file must not stay behind either way.
                    let _ = std::fs::remove_file(&from);
                    return Err(named(target, e));
                }
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.sink {
            Sink::Stdout(out) => out.write(buf),
            Sink::File { target, file, .. } => file.write(buf).map_err(|e| named(target, e)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.sink {
            Sink::Stdout(out) => out.flush(),
            Sink::File { target, file, .. } => file.flush().map_err(|e| named(target, e)),
        }
    }
}

impl Drop for Output {
    /// An unfinished document leaves nothing behind.
    fn drop(&mut self) {
        if let Sink::File {
            temp: Some(temp), ..
        } = &self.sink
        {
            let _ = std::fs::remove_file(temp);
        }
    }
}

/// `.<name>.<pid>.tmp` beside `target`: same folder, so the rename is atomic.
fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "errata-output".to_string());
    target.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// The error with the target's path in front, keeping its kind (a closed pipe
/// stays a closed pipe).
fn named(target: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", target.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_appears_only_when_finished() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("report.md");
        std::fs::write(&target, "previous report\n").unwrap();
        let mut out = Output::file(&target).unwrap();
        out.write_all(b"new report, half written").unwrap();
        drop(out);
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "previous report\n",
            "an unfinished document replaces nothing"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp left"
        );
        let mut out = Output::file(&target).unwrap();
        out.write_all(b"new report\n").unwrap();
        out.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new report\n");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_full_disk_is_an_error_naming_the_target() {
        let mut out = Output::file(Path::new("/dev/full")).unwrap();
        let err = out
            .write_all(&vec![b'x'; 1 << 16])
            .and_then(|()| out.flush())
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull, "{err}");
        assert!(err.to_string().starts_with("/dev/full: "), "{err}");
    }
}
