//! The real services the tests use, found through the environment `scripts/test.sh` sets up.
//!
//! A missing service fails the test, saying to run the tests through `scripts/test.sh` (which
//! provides every service): a test never passes without having run.

use std::path::Path;
use std::process::{Command, Output};

use clap::Parser;
use pipedrive_cli::cli::Cli;
use pipedrive_cli::settings::Settings;

/// Set in a child process started by `run_child`.
const CHILD_ENV: &str = "PIPEDRIVE_IT_CHILD";

fn missing(why: &str) -> ! {
    let current = std::thread::current();
    let test = current.name().unwrap_or("?");
    panic!("{test}: {why}: run the tests through scripts/test.sh, which provides it");
}

/// A MongoDB server's URI, without a database: the next of PIPEDRIVE_TEST_MONGO_URI's (one or
/// more, separated by spaces), so tests spread over the servers `scripts/test.sh` starts. Without
/// one the test fails (the `Option` is always `Some` when this returns).
pub fn mongo_uri() -> Option<String> {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let all = std::env::var("PIPEDRIVE_TEST_MONGO_URI").unwrap_or_default();
    let uris: Vec<&str> = all.split_whitespace().collect();
    if uris.is_empty() {
        missing("PIPEDRIVE_TEST_MONGO_URI is not set (scripts/test.sh starts a server)");
    }
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Some(uris[n % uris.len()].to_string())
}

/// An unlocked Secret Service for the tests (PIPEDRIVE_TEST_KEYRING=1); without one the test
/// fails (true whenever this returns).
pub fn keyring_available() -> bool {
    let ok = std::env::var("PIPEDRIVE_TEST_KEYRING").as_deref() == Ok("1");
    if !ok {
        missing("PIPEDRIVE_TEST_KEYRING is not 1 (scripts/test.sh starts a Secret Service)");
    }
    ok
}

/// Settings as the CLI would resolve them from these flags (a subcommand is added).
pub fn settings(store: &str, config_dir: &Path) -> Settings {
    let dir = config_dir.to_str().expect("utf-8 temp dir");
    let cli = Cli::try_parse_from(["pipedrive", "--store", store, "--config-dir", dir, "status"])
        .expect("valid flags");
    Settings::resolve(&cli.global).expect("settings resolve")
}

/// A name no other test (or earlier run against the same server) uses.
pub fn unique(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{nanos}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// `child_*` tests are `#[ignore]`d (a plain run reports them as such) and do their work only in
/// a process `run_child` started; run any other way, they fail instead of passing idle.
pub fn assert_child() {
    assert!(
        std::env::var_os(CHILD_ENV).is_some(),
        "a child_* test runs only as the second process of the test that names it"
    );
}

/// Runs the test `name` of this test binary in a new process with `env` added; a real second
/// process, for what must hold across processes.
pub fn run_child(name: &str, env: &[(&str, &str)]) -> Output {
    child_command(name, env)
        .output()
        .expect("start the test binary again")
}

/// The command `run_child` runs, for starting several children at once.
pub fn child_command(name: &str, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(std::env::current_exe().expect("test binary path"));
    cmd.args([
        name,
        "--exact",
        "--include-ignored",
        "--nocapture",
        "--test-threads=1",
        "--quiet",
    ])
    .env(CHILD_ENV, "1")
    .envs(env.iter().copied());
    cmd
}

/// The value a child printed as `RESULT: <value>`.
pub fn child_result(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT: "))
        .unwrap_or_else(|| panic!("no RESULT line in the child's output:\n{stdout}"))
        .to_string()
}

/// True when a private Secret Service can be started for one command (gnome-keyring-daemon and
/// dbus-run-session on PATH, as `scripts/test.sh` installs them).
pub fn private_keyring_available() -> bool {
    let found = |name: &str| {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
    };
    let ok = found("gnome-keyring-daemon") && found("dbus-run-session") && found("dbus-send");
    if !ok {
        missing("gnome-keyring-daemon, dbus-run-session or dbus-send is not installed");
    }
    ok
}

/// `cmd` run inside its own D-Bus session with a fresh gnome-keyring (its files under
/// `dir`), unlocked, or unlocked and then locked again: reachable, but every write would wait
/// on a password prompt.
pub fn in_private_keyring(cmd: &Command, dir: &Path, locked: bool) -> Command {
    let lock = if locked {
        " && dbus-send --session --print-reply --dest=org.freedesktop.secrets \
         /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock \
         array:objpath:/org/freedesktop/secrets/collection/login >/dev/null"
    } else {
        ""
    };
    let script = format!(
        "echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null{lock} \
         && exec \"$0\" \"$@\""
    );
    let mut out = Command::new("dbus-run-session");
    out.args(["--", "sh", "-c", &script])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            out.env(k, v);
        }
    }
    let (data, runtime) = (dir.join("keyring-data"), dir.join("keyring-runtime"));
    for d in [&data, &runtime] {
        std::fs::create_dir_all(d).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
    }
    out.env("XDG_DATA_HOME", data)
        .env("XDG_RUNTIME_DIR", runtime)
        .env("PIPEDRIVE_STORE", "auto");
    if let Some(cwd) = cmd.get_current_dir() {
        out.current_dir(cwd);
    }
    out
}

/// A tmpfs of `bytes` mounted on `dir` (needs root), unmounted when dropped.
pub fn tmpfs(dir: &Path, bytes: u64) -> Tmpfs {
    let out = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
        .arg(dir)
        .output();
    match out {
        Ok(o) if o.status.success() => Tmpfs(dir.to_path_buf()),
        Ok(o) => missing(&format!(
            "cannot mount a small tmpfs (needs root): {}",
            String::from_utf8_lossy(&o.stderr).trim()
        )),
        Err(e) => missing(&format!("cannot run mount: {e}")),
    }
}

pub struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `file` so that about `free` bytes of the filesystem stay free.
    pub fn fill(&self, file: &Path, free: u64) {
        use std::io::Write;
        let avail = {
            let c = std::ffi::CString::new(self.0.to_str().unwrap()).unwrap();
            let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
            // SAFETY: a valid path and a zeroed struct for statvfs to fill.
            assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut s) }, 0);
            s.f_bavail as u64 * s.f_frsize as u64
        };
        let mut left = avail.saturating_sub(free);
        let mut f = std::fs::File::create(file).unwrap();
        let chunk = vec![0u8; 64 << 10];
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            if f.write_all(&chunk[..n]).is_err() {
                break;
            }
            left -= n as u64;
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).output();
    }
}

/// A MongoDB-protocol server of one test's own (secantusdb, from the venv `scripts/test.sh`
/// creates), for tests that stop and restart it. Its data lives on disk in `dir`, so a restart
/// finds what was written before the stop. Killed when dropped.
pub struct PrivateMongo {
    pub port: u16,
    dir: std::path::PathBuf,
    child: Option<std::process::Child>,
}

impl PrivateMongo {
    /// Starts a server on a free port with its data under `dir`; returns once it accepts
    /// connections.
    pub fn start(dir: &Path) -> PrivateMongo {
        let mut server = PrivateMongo {
            port: crate::support::free_port(),
            dir: dir.to_path_buf(),
            child: None,
        };
        server.restart();
        server
    }

    /// `mongodb://127.0.0.1:PORT/` with `query` appended after `?` (when not empty).
    pub fn uri(&self, db: &str, query: &str) -> String {
        let sep = if query.is_empty() { "" } else { "?" };
        format!("mongodb://127.0.0.1:{}/{db}{sep}{query}", self.port)
    }

    /// Starts it again on the same port and data (after [`PrivateMongo::kill`]).
    pub fn restart(&mut self) {
        let bin = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/secantusd-py");
        if !bin.is_file() {
            missing(&format!("{} is missing", bin.display()));
        }
        let log = std::fs::File::create(self.dir.join("secantusdb.log")).expect("server log");
        let child = Command::new(bin)
            .args(["--host", "127.0.0.1", "--port", &self.port.to_string()])
            .arg("--storage-path")
            .arg(self.dir.join("data"))
            .args(["--log-level", "WARNING"])
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().expect("server log"))
            .stderr(log)
            .spawn()
            .expect("start secantusd-py");
        self.child = Some(child);
        let up = crate::support::wait_for(std::time::Duration::from_secs(30), || {
            std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok()
        });
        assert!(
            up,
            "secantusdb did not listen on {} within 30 s:\n{}",
            self.port,
            std::fs::read_to_string(self.dir.join("secantusdb.log")).unwrap_or_default()
        );
    }

    /// Stops it at once (SIGKILL), as a crash or a pulled cable would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateMongo {
    fn drop(&mut self) {
        self.kill();
    }
}
