//! A file that appears complete or not at all: written as a temporary file beside the destination
//! and renamed over it at the end. Dropped without `commit` (an error, Ctrl-C), the temporary file
//! is removed and an earlier file of that name is left exactly as it was.
//!
//! Only SIGKILL (or a power cut) leaves a temporary file behind, so a later successful commit of
//! the same destination removes its stale ones: `.NAME.<pid>.<random>.partial`, named after the
//! process that writes it. A partial counts as stale when it has not been written for
//! [`STALE_AFTER`] and its writer is gone: on Linux `/proc/<pid>` tells, so a concurrent export of
//! the same file that waits out a long rate limit keeps its partial however old; where there is no
//! `/proc`, only partials untouched for a day go. Partials of other destinations are never touched.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::error::{Error, Result};

pub(crate) struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

impl AtomicFile {
    /// A temporary file beside `dest`, or beside the file it links to: the link stays a link.
    pub(crate) fn create(dest: &Path) -> Result<AtomicFile> {
        let fail = |why: String| Error::Other(format!("cannot write {}: {why}", dest.display()));
        let dest = &crate::output::target::resolve_links(dest)?;
        if dest.is_dir() {
            return Err(fail("it is a directory".into()));
        }
        // Renaming over a FIFO or a device would replace the node itself (see `target`).
        if std::fs::metadata(dest).is_ok_and(|m| !m.is_file()) {
            return Err(fail("it is not a regular file".into()));
        }
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(fail(format!("directory {} does not exist", dir.display())));
        }
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let prefix = format!(".{name}.{}.", std::process::id());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".partial");
        // An export is an ordinary file: 0666 minus the umask, not tempfile's private 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(&dir).map_err(|e| fail(e.to_string()))?;
        Ok(AtomicFile {
            tmp,
            dest: dest.to_path_buf(),
        })
    }

    /// A second handle on the temporary file, to write through.
    pub(crate) fn reopen(&self) -> std::io::Result<File> {
        self.tmp.reopen()
    }

    /// A writer to the temporary file that keeps the kernel writing it to disk as it grows.
    pub(crate) fn writer(&self) -> std::io::Result<WriteBehind> {
        Ok(WriteBehind {
            file: self.tmp.reopen()?,
            unsynced: 0,
        })
    }

    pub(crate) fn commit(self) -> Result<()> {
        let dest = self.dest.clone();
        let fail =
            |e: std::io::Error| Error::Other(format!("cannot write {}: {e}", dest.display()));
        self.tmp.as_file().sync_all().map_err(fail)?;
        // A file we replace keeps its mode (a private export stays private).
        if let Ok(meta) = std::fs::metadata(&self.dest) {
            let _ = self.tmp.as_file().set_permissions(meta.permissions());
        }
        self.tmp.persist(&self.dest).map_err(|e| fail(e.error))?;
        remove_stale_partials(&self.dest);
        Ok(())
    }
}

/// Writes to a file and, every [`WRITE_BEHIND`] bytes, asks the kernel to start writing what it
/// holds to disk without waiting for it: the `fsync` at `commit` then finds little left to do,
/// where a 200 MB export would otherwise wait for all of it at the very end.
pub(crate) struct WriteBehind {
    file: File,
    unsynced: u64,
}

/// How much is written between two requests for writeback.
const WRITE_BEHIND: u64 = 8 << 20;

impl std::io::Write for WriteBehind {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.unsynced += n as u64;
        if self.unsynced >= WRITE_BEHIND {
            self.unsynced = 0;
            start_writeback(&self.file);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Starts writeback of the file's dirty pages (Linux; a no-op elsewhere, where `commit`'s fsync
/// does all of it). Only a hint: an error is ignored, the fsync at `commit` reports any.
#[cfg(target_os = "linux")]
fn start_writeback(file: &File) {
    use std::os::fd::AsRawFd;
    // SAFETY: a system call on a descriptor this writer owns, with no memory passed; it only
    // queues the file's dirty pages for writing.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_: &File) {}

/// A partial nobody has written for this long may be stale (see the module comment).
const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// Best effort: a partial that cannot be removed stays, and the export has succeeded anyway.
fn remove_stale_partials(dest: &Path) {
    let (Some(name), dir) = (dest.file_name(), dest.parent()) else {
        return;
    };
    let dir = match dir {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let proc_fs = Path::new("/proc/self").exists();
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(middle) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|f| f.strip_suffix(".partial"))
        else {
            continue;
        };
        let Some(writer) = partial_writer(middle) else {
            continue;
        };
        let idle = entry
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| SystemTime::now().duration_since(t).ok());
        let stale = match (idle, writer) {
            (Some(idle), _) if idle < STALE_AFTER => false,
            (None, _) => false,
            (Some(_), Some(pid)) if proc_fs => !Path::new("/proc").join(pid.to_string()).exists(),
            // Written by an older version (no pid), or no way to ask whether the writer lives.
            (Some(idle), _) => idle >= Duration::from_secs(24 * 3600),
        };
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The middle of a partial's name: `<pid>.<random>` now, `<random>` before pids were added (six
/// characters, tempfile's default). `Some(None)` is an old partial; `None` is not a partial of
/// this destination at all (`.a.b.123.xyz.partial` belongs to `a.b`, not to `a`).
fn partial_writer(middle: &str) -> Option<Option<u32>> {
    let random = |r: &str| r.len() == 6 && r.bytes().all(|b| b.is_ascii_alphanumeric());
    match middle.split_once('.') {
        Some((pid, r)) if random(r) => pid.parse().ok().map(Some),
        None if random(middle) => Some(None),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn dropped_without_commit_leaves_the_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.csv");
        std::fs::write(&dest, "old").unwrap();
        {
            let f = AtomicFile::create(&dest).unwrap();
            f.reopen().unwrap().write_all(b"new partial").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn commit_replaces_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out.csv");
        let f = AtomicFile::create(&dest).unwrap();
        f.reopen().unwrap().write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn only_partials_of_this_destination_with_a_dead_writer_are_stale() {
        assert_eq!(partial_writer("123.aB3xYz"), Some(Some(123)));
        assert_eq!(partial_writer("aB3xYz"), Some(None));
        assert_eq!(partial_writer("csv.123.aB3xYz"), None);
        assert_eq!(partial_writer("csv.aB3xYz"), None);
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out");
        let old = SystemTime::now() - Duration::from_secs(3600);
        let make = |name: &str, when: SystemTime| {
            let f = File::create(dir.path().join(name)).unwrap();
            f.set_modified(when).unwrap();
        };
        let me = std::process::id();
        make(".out.4294967295.aaaaaa.partial", old); // dead writer, idle: goes
        make(".out.4294967295.bbbbbb.partial", SystemTime::now()); // written just now: stays
        make(&format!(".out.{me}.cccccc.partial"), old); // a live writer: stays
        make(".out.csv.4294967295.dddddd.partial", old); // another destination: stays
        let f = AtomicFile::create(&dest).unwrap();
        f.commit().unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        let mut want = vec![
            ".out.4294967295.bbbbbb.partial".to_string(),
            format!(".out.{me}.cccccc.partial"),
            ".out.csv.4294967295.dddddd.partial".into(),
            "out".into(),
        ];
        want.sort();
        assert_eq!(left, want);
    }

    #[test]
    fn a_missing_directory_is_a_clear_error() {
        let err = AtomicFile::create(Path::new("/nonexistent-dir/x.csv"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }
}
