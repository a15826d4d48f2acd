//! What an output path names, decided before any request: a file to replace atomically (through
//! any symlinks, so the link survives), or a node to write directly (a FIFO, a device, a
//! `/dev/fd/N` from `>(cmd)`, `/dev/stdout`), which renaming a temporary file over would destroy.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// How a path is written.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// A regular file, or none yet: written beside this path (the symlinks resolved) and renamed.
    Replace(PathBuf),
    /// Anything else that exists: opened and written in place.
    Direct(PathBuf),
}

/// Decides how `path` is written; a directory, or a path that cannot be inspected, is an error.
pub(crate) fn classify(path: &Path) -> Result<Target> {
    let fail = |why: String| Error::Other(format!("cannot write {}: {why}", path.display()));
    // A process's own descriptors are never replaced: on Linux `/dev/stdout` redirected to a file
    // points at that file, and replacing it would cut the file away from the shell's redirection.
    if names_a_descriptor(path) {
        return Ok(Target::Direct(path.to_path_buf()));
    }
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err(fail("it is a directory".into())),
        Ok(meta) if !meta.is_file() => Ok(Target::Direct(path.to_path_buf())),
        Ok(_) => Ok(Target::Replace(resolve_links(path)?)),
        // A dangling symlink creates its target, as a shell redirection would.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(Target::Replace(resolve_links(path)?))
        }
        Err(e) => Err(fail(e.to_string())),
    }
}

/// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/<pid>/fd/N`.
fn names_a_descriptor(path: &Path) -> bool {
    let parts: Vec<Component> = path.components().collect();
    let names: Vec<&str> = parts
        .iter()
        .filter_map(|c| match c {
            Component::Normal(n) => n.to_str(),
            _ => None,
        })
        .collect();
    if !path.is_absolute() {
        return false;
    }
    matches!(
        names.as_slice(),
        ["dev", "stdout" | "stderr"] | ["dev", "fd", _] | ["proc", _, "fd", _]
    )
}

/// Follows symlinks one at a time (a relative link is relative to its own directory) down to the
/// path that is not a link, which may not exist yet.
pub(crate) fn resolve_links(path: &Path) -> Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let to = std::fs::read_link(&p).map_err(|e| {
                    Error::Other(format!("cannot read the link {}: {e}", p.display()))
                })?;
                p = match p.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(Error::Other(format!(
        "cannot write {}: too many levels of symbolic links",
        path.display()
    )))
}

/// Whether two paths name one file: the same inode when both exist, else the same place once
/// symlinks, `.` and `..` are resolved (`F`, `./F` and a link to `F` are all `F`).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return x.dev() == y.dev() && x.ino() == y.ino();
    }
    match (place(a), place(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// The absolute place a path would be written: links followed, the directory canonical.
fn place(path: &Path) -> Option<PathBuf> {
    let p = resolve_links(path).ok()?;
    let name = p.file_name()?.to_owned();
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Some(canonical_dir(&dir)?.join(name))
}

/// The directory canonical as far as it exists; the missing rest (`out/../out` before `out` is
/// created) is resolved lexically, which is right since a missing directory holds no symlinks.
fn canonical_dir(dir: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(dir).ok()?;
    let parts: Vec<Component> = abs.components().collect();
    for k in (1..=parts.len()).rev() {
        let Ok(mut base) = std::fs::canonicalize(parts[..k].iter().collect::<PathBuf>()) else {
            continue;
        };
        for part in &parts[k..] {
            match part {
                Component::ParentDir => {
                    base.pop();
                }
                Component::Normal(n) => base.push(n),
                _ => {}
            }
        }
        return Some(base);
    }
    None
}

/// Fails now, not after the export, when a file could not be written at `path` later: its
/// directory is missing or not writable, or it is a directory (checked by creating and removing
/// a temporary file beside it, which is what writing it atomically will need).
pub(crate) fn check_writable(path: &Path) -> Result<()> {
    match classify(path)? {
        Target::Direct(_) => Ok(()),
        Target::Replace(p) => crate::output::atomic::AtomicFile::create(&p).map(drop),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_written_directly() {
        for p in ["/dev/stdout", "/dev/fd/63", "/proc/self/fd/1"] {
            assert_eq!(
                classify(Path::new(p)).unwrap(),
                Target::Direct(p.into()),
                "{p}"
            );
        }
        assert!(!names_a_descriptor(Path::new("dev/stdout")));
        assert!(!names_a_descriptor(Path::new("/dev/shm/x.csv")));
    }

    #[cfg(unix)]
    #[test]
    fn links_resolve_to_their_target_and_name_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("sub")).unwrap();
        std::os::unix::fs::symlink("sub/real.csv", d.join("link")).unwrap();
        std::os::unix::fs::symlink("../link", d.join("sub/link2")).unwrap();
        // Dangling: the target does not exist yet.
        assert_eq!(
            classify(&d.join("sub/link2")).unwrap(),
            Target::Replace(d.join("sub/../link").parent().unwrap().join("sub/real.csv"))
        );
        assert!(same_file(&d.join("sub/link2"), &d.join("sub/./real.csv")));
        std::fs::write(d.join("sub/real.csv"), "x").unwrap();
        assert!(same_file(&d.join("link"), &d.join("sub/real.csv")));
        assert!(!same_file(&d.join("link"), &d.join("other.csv")));
        assert!(classify(d).is_err());
    }
}
