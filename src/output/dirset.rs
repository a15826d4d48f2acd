//! A directory replaced as a set (`export all --output-dir`): at every instant its `manifest.json`
//! describes exactly the files beside it, even under SIGKILL or a full disk.
//!
//! A run writes everything into a stage, a sibling directory `.<NAME>.<pid>.<random>.partial`
//! beside the output directory, then swaps the two in one step with `renameat2(RENAME_EXCHANGE)`.
//! The output directory keeps its path and stays a real directory of real files (users read
//! `deals.jsonl` directly, copy it, rsync it); a symlink flipped between run directories would
//! have turned every file into a link. Before the swap the stage gets what the new set does not
//! replace: regular files as hard links (present in both directories at every instant),
//! symlinks recreated; directories and other nodes are moved across right after the swap.
//!
//! A killed run leaves its stage behind, holding an exclusive `flock` while it lives: the next
//! run takes the lock of every stage of the same directory it can, moves back any directory the
//! swap had not yet returned, and removes the rest. Runs into the same directory commit one at a
//! time (a lock on the directory itself), so none loses another's files.
//!
//! Where the swap is not available (not Linux, a filesystem without it, a mount point), the
//! stage's files are renamed over the old ones one by one, the manifest last, with a warning.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The stage of one run; dropped without [`DirSet::publish`], it is removed.
pub(crate) struct DirSet {
    dir: PathBuf,
    stage: PathBuf,
    /// Held for the stage's life: a stage whose lock can be taken belongs to a dead run.
    _alive: Option<File>,
    /// The swap cannot work here: publish file by file.
    by_files: Option<String>,
    published: bool,
}

impl DirSet {
    /// Creates `dir` if needed (symlinks followed, the link stays), clears the stages killed runs
    /// left beside it, and makes this run's stage.
    pub(crate) fn create(dir: &Path) -> Result<DirSet> {
        let fail = |why: String| Error::Other(format!("cannot write {}: {why}", dir.display()));
        let dir = crate::output::target::resolve_links(dir)?;
        if !dir.is_dir() {
            std::fs::create_dir_all(&dir).map_err(|e| fail(e.to_string()))?;
        }
        let dir = dir.canonicalize().map_err(|e| fail(e.to_string()))?;
        let (parent, name) = match (dir.parent(), dir.file_name()) {
            (Some(p), Some(n)) => (p.to_path_buf(), n.to_string_lossy().into_owned()),
            _ => {
                return Err(fail(
                    "the root directory cannot be an output directory".into(),
                ))
            }
        };
        let mut by_files = swap_unavailable(&dir, &parent);
        let stage_parent = if by_files.is_some() { &dir } else { &parent };
        remove_dead_stages(&dir, stage_parent, &name);
        let stage = match make_stage(stage_parent, &name) {
            Ok(stage) => stage,
            // A parent we may not write (a shared directory owned by someone else): stage inside.
            Err(_) if by_files.is_none() => {
                by_files = Some(format!("cannot write in {}", parent.display()));
                make_stage(&dir, &name).map_err(|e| fail(e.to_string()))?
            }
            Err(e) => return Err(fail(e.to_string())),
        };
        let alive = File::open(&stage).ok().filter(try_lock);
        // The new directory gets the old one's permissions (a private export stays private).
        if let Ok(meta) = std::fs::metadata(&dir) {
            let _ = std::fs::set_permissions(&stage, meta.permissions());
        }
        Ok(DirSet {
            dir,
            stage,
            _alive: alive,
            by_files,
            published: false,
        })
    }

    /// The output directory (symlinks resolved).
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where this run writes `name` before the swap.
    pub(crate) fn staged(&self, name: &str) -> PathBuf {
        self.stage.join(name)
    }

    /// Waits until no other run commits into the same directory; held until dropped.
    pub(crate) fn lock(&self) -> Result<DirLock> {
        DirLock::take(&self.dir)
    }

    /// Makes the stage current in one step (see the module comment). Everything of the old
    /// directory the stage does not replace is kept. Call with the [`DirSet::lock`] held.
    pub(crate) fn publish(mut self) -> Result<()> {
        let fail =
            |e: std::io::Error| Error::Other(format!("cannot write {}: {e}", self.dir.display()));
        if let Some(why) = self.by_files.clone() {
            return self.publish_by_files(&why);
        }
        let moved_later = carry_over(&self.dir, &self.stage).map_err(fail)?;
        File::open(&self.stage)
            .and_then(|d| d.sync_all())
            .map_err(fail)?;
        kill_point();
        match exchange(&self.stage, &self.dir) {
            Ok(()) => {}
            Err(e) if swap_refused(&e) => {
                return self.publish_by_files(&format!("the filesystem cannot swap ({e})"));
            }
            Err(e) => return Err(fail(e)),
        }
        self.published = true;
        kill_point();
        if let Some(parent) = self.dir.parent() {
            let _ = File::open(parent).and_then(|d| d.sync_all());
        }
        // The stage path now holds the old directory.
        for name in moved_later {
            kill_point();
            if std::fs::symlink_metadata(self.dir.join(&name)).is_err() {
                let _ = std::fs::rename(self.stage.join(&name), self.dir.join(&name));
            }
        }
        kill_point();
        // Best effort: whatever stays is removed by the next run.
        let _ = std::fs::remove_dir_all(&self.stage);
        Ok(())
    }

    fn publish_by_files(mut self, why: &str) -> Result<()> {
        crate::printer::warn(&format!(
            "{}: files replaced one by one, not as a set ({why})",
            self.dir.display()
        ));
        let mut names: Vec<String> = std::fs::read_dir(&self.stage)
            .map_err(|e| Error::Other(format!("cannot read the stage: {e}")))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != MANIFEST)
            .collect();
        names.sort();
        names.push(MANIFEST.into());
        for name in names {
            kill_point();
            std::fs::rename(self.stage.join(&name), self.dir.join(&name))
                .map_err(|e| Error::Other(format!("cannot write {name}: {e}")))?;
        }
        let _ = File::open(&self.dir).and_then(|d| d.sync_all());
        self.published = true;
        let _ = std::fs::remove_dir_all(&self.stage);
        Ok(())
    }
}

impl Drop for DirSet {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.stage);
        }
    }
}

/// The set's description, written last.
const MANIFEST: &str = "manifest.json";

/// An exclusive lock on the output directory itself (no lock file is left anywhere).
pub(crate) struct DirLock {
    _dir: File,
}

impl DirLock {
    fn take(dir: &Path) -> Result<DirLock> {
        let fail = |e: std::io::Error| Error::Other(format!("cannot lock {}: {e}", dir.display()));
        loop {
            let file = File::open(dir).map_err(fail)?;
            lock_blocking(&file).map_err(fail)?;
            // The run before us may have swapped another directory in while we waited.
            if same_inode(&file, dir) {
                return Ok(DirLock { _dir: file });
            }
        }
    }
}

/// Why the directory cannot be swapped, if it cannot.
fn swap_unavailable(dir: &Path, parent: &Path) -> Option<String> {
    if !cfg!(target_os = "linux") {
        return Some("no atomic directory swap on this system".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let dev = |p: &Path| std::fs::metadata(p).map(|m| m.dev()).ok();
        if dev(dir) != dev(parent) {
            return Some("it is a mount point".into());
        }
    }
    let _ = (dir, parent);
    None
}

fn make_stage(parent: &Path, name: &str) -> std::io::Result<PathBuf> {
    let dir = tempfile::Builder::new()
        .prefix(&format!(".{name}.{}.", std::process::id()))
        .suffix(".partial")
        .tempdir_in(parent)?;
    Ok(dir.keep())
}

/// Stages of this directory whose run is gone: directories the swap had moved out are returned,
/// the rest removed.
fn remove_dead_stages(dir: &Path, stage_parent: &Path, name: &str) {
    let prefix = format!(".{name}.");
    let Ok(entries) = std::fs::read_dir(stage_parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(middle) = file
            .to_str()
            .and_then(|f| f.strip_prefix(&prefix))
            .and_then(|f| f.strip_suffix(".partial"))
        else {
            continue;
        };
        let ours = middle
            .split_once('.')
            .is_some_and(|(pid, _)| pid.parse::<u32>().is_ok());
        let path = entry.path();
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        if !ours || !is_dir {
            continue;
        }
        let Ok(handle) = File::open(&path) else {
            continue;
        };
        if !try_lock(&handle) {
            continue; // a live run's stage
        }
        if let Ok(inner) = std::fs::read_dir(&path) {
            for e in inner.flatten() {
                let regular = e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink());
                let back = dir.join(e.file_name());
                if !regular && std::fs::symlink_metadata(&back).is_err() {
                    let _ = std::fs::rename(e.path(), back);
                }
            }
        }
        let _ = std::fs::remove_dir_all(&path);
    }
}

/// Gives the stage what the new set does not replace; returns the entries to move after the
/// swap. Partials of killed writers are left behind, so they go with the old directory.
fn carry_over(dir: &Path, stage: &Path) -> std::io::Result<Vec<std::ffi::OsString>> {
    let mut later = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let to = stage.join(&name);
        if std::fs::symlink_metadata(&to).is_ok() || dead_partial(&name) {
            continue;
        }
        let kind = entry.file_type()?;
        kill_point();
        if kind.is_file() {
            if std::fs::hard_link(entry.path(), &to).is_err() {
                std::fs::copy(entry.path(), &to)?;
            }
        } else if kind.is_symlink() {
            #[cfg(unix)]
            std::os::unix::fs::symlink(std::fs::read_link(entry.path())?, &to)?;
        } else {
            later.push(name);
        }
    }
    Ok(later)
}

/// `.NAME.<pid>.<random>.partial` of a process that is gone (an `--output` file of a killed run).
fn dead_partial(name: &std::ffi::OsStr) -> bool {
    let Some(middle) = name
        .to_str()
        .and_then(|n| n.strip_prefix('.'))
        .and_then(|n| n.strip_suffix(".partial"))
    else {
        return false;
    };
    let mut parts = middle.rsplitn(3, '.');
    let (Some(random), Some(pid)) = (parts.next(), parts.next()) else {
        return false;
    };
    let random_ok = random.len() == 6 && random.bytes().all(|b| b.is_ascii_alphanumeric());
    match pid.parse::<u32>() {
        Ok(pid) if random_ok && Path::new("/proc/self").exists() => {
            !Path::new("/proc").join(pid.to_string()).exists()
        }
        _ => false,
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    const RENAME_EXCHANGE: libc::c_uint = 2;
    let a = CString::new(a.as_os_str().as_bytes())?;
    let b = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two NUL-terminated paths that outlive the call; renameat2 reads them only.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// The kernel or filesystem cannot swap (nothing was changed): publish file by file instead.
fn swap_refused(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    if let Some(code) = e.raw_os_error() {
        return matches!(
            code,
            libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP | libc::EXDEV | libc::EBUSY
        );
    }
    e.kind() == std::io::ErrorKind::Unsupported
}

#[cfg(unix)]
fn try_lock(f: &File) -> bool {
    use std::os::fd::AsRawFd;
    // SAFETY: a descriptor this function borrows; flock takes no memory.
    unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

#[cfg(unix)]
fn lock_blocking(f: &File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    loop {
        // SAFETY: as in `try_lock`.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
}

#[cfg(unix)]
fn same_inode(f: &File, p: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (f.metadata(), std::fs::metadata(p)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn try_lock(_: &File) -> bool {
    false
}

#[cfg(not(unix))]
fn lock_blocking(_: &File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(not(unix))]
fn same_inode(_: &File, _: &Path) -> bool {
    true
}

/// Tests kill the process at the Nth step of a commit (`PIPEDRIVE_TEST_KILL_AT=N`, hidden) to
/// prove the directory is a set at every one of them.
fn kill_point() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static STEP: AtomicUsize = AtomicUsize::new(0);
    let Some(at) = std::env::var("PIPEDRIVE_TEST_KILL_AT")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    else {
        return;
    };
    if STEP.fetch_add(1, Ordering::SeqCst) + 1 == at {
        #[cfg(unix)]
        // SAFETY: sends a signal to this process; no memory is involved.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn publish_swaps_in_the_new_set_and_keeps_what_it_does_not_replace() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("deals.jsonl"), "old\n").unwrap();
        std::fs::write(out.join("users.jsonl"), "kept\n").unwrap();
        std::fs::create_dir(out.join("sub")).unwrap();
        std::fs::write(out.join(".deals.jsonl.4294967295.abcdef.partial"), "x").unwrap();
        let set = DirSet::create(&out).unwrap();
        std::fs::write(set.staged("deals.jsonl"), "new\n").unwrap();
        std::fs::write(set.staged(MANIFEST), "{}").unwrap();
        let lock = set.lock().unwrap();
        set.publish().unwrap();
        drop(lock);
        assert_eq!(
            names(&out),
            ["deals.jsonl", "manifest.json", "sub", "users.jsonl"]
        );
        assert_eq!(
            std::fs::read_to_string(out.join("deals.jsonl")).unwrap(),
            "new\n"
        );
        assert_eq!(
            std::fs::read_to_string(out.join("users.jsonl")).unwrap(),
            "kept\n"
        );
        assert_eq!(names(root.path()), ["out"], "no stage left");
    }

    #[test]
    fn a_dropped_stage_leaves_the_directory_as_it_was() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("deals.jsonl"), "old\n").unwrap();
        {
            let set = DirSet::create(&out).unwrap();
            std::fs::write(set.staged("deals.jsonl"), "new\n").unwrap();
        }
        assert_eq!(names(&out), ["deals.jsonl"]);
        assert_eq!(
            std::fs::read_to_string(out.join("deals.jsonl")).unwrap(),
            "old\n"
        );
        assert_eq!(names(root.path()), ["out"]);
    }
}
