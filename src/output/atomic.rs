//! A file that appears complete or not at all: written as a temporary file beside the destination
//! and renamed over it at the end. Dropped without `commit` (an error, Ctrl-C), the temporary file
//! is removed and an earlier file of that name is left exactly as it was.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub struct AtomicFile {
    tmp: tempfile::NamedTempFile,
    dest: PathBuf,
}

impl AtomicFile {
    pub fn create(dest: &Path) -> Result<AtomicFile> {
        let fail = |why: String| Error::Other(format!("cannot write {}: {why}", dest.display()));
        if dest.is_dir() {
            return Err(fail("it is a directory".into()));
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
        let prefix = format!(".{name}.");
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

    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// A second handle on the temporary file, to write through.
    pub fn reopen(&self) -> std::io::Result<File> {
        self.tmp.reopen()
    }

    pub fn commit(self) -> Result<()> {
        let dest = self.dest.clone();
        let fail =
            |e: std::io::Error| Error::Other(format!("cannot write {}: {e}", dest.display()));
        self.tmp.as_file().sync_all().map_err(fail)?;
        // A file we replace keeps its mode (a private export stays private).
        if let Ok(meta) = std::fs::metadata(&self.dest) {
            let _ = self.tmp.as_file().set_permissions(meta.permissions());
        }
        self.tmp.persist(&self.dest).map_err(|e| fail(e.error))?;
        Ok(())
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
    fn a_missing_directory_is_a_clear_error() {
        let err = AtomicFile::create(Path::new("/nonexistent-dir/x.csv"))
            .err()
            .unwrap();
        assert!(err.to_string().contains("does not exist"), "{err}");
    }
}
