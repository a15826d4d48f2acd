//! Shared test setup: a mock Pipedrive, a private HOME and config dir, and the real binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use pipedrive_mock::{Config, Faults, MockPipedrive, Seed};

use pipedrive_cli::auth::token::Token;
use pipedrive_cli::secret::Secret;
use pipedrive_cli::store::file::FileStore;

pub const BIN: &str = env!("CARGO_BIN_EXE_pipedrive");

/// One test's world: its own mock, HOME and config directory.
pub struct TestEnv {
    pub dir: tempfile::TempDir,
    pub mock: MockPipedrive,
    pub client_id: String,
    pub client_secret: String,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv::with(Config::default())
    }

    pub fn with(config: Config) -> TestEnv {
        let client_id = config.client_id.clone();
        let client_secret = config.client_secret.clone();
        TestEnv {
            dir: tempfile::tempdir().expect("temp dir"),
            mock: MockPipedrive::start(config),
            client_id,
            client_secret,
        }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary with a clean environment pointing at this test's mock and directories.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg"))
            .env("PIPEDRIVE_CONFIG_DIR", self.config_dir())
            .env("PIPEDRIVE_STORE", "file")
            .env("PIPEDRIVE_CLIENT_ID", &self.client_id)
            .env("PIPEDRIVE_CLIENT_SECRET", &self.client_secret)
            .env("PIPEDRIVE_OAUTH_URL", self.mock.url())
            .env("PIPEDRIVE_MAX_WAIT", "10")
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs to completion (killed after 120 s so a hang fails instead of blocking the suite).
    pub fn run(&self, args: &[&str]) -> Output {
        run_with_timeout(self.cmd(args), Duration::from_secs(120))
    }

    /// Stores a valid token for (account, owner) in the file store, as `login` would.
    pub fn login_as(&self, account: &str, owner: &str) {
        let grant = self.mock.issue_token();
        let token = Token {
            access_token: Secret::new(grant.access_token),
            refresh_token: Secret::new(grant.refresh_token),
            expires_in: grant.expires_in as i64,
            generated_at: chrono::Utc::now().timestamp(),
            token_type: grant.token_type,
            scope: grant.scope,
            api_domain: grant.api_domain,
            extra: Default::default(),
        };
        FileStore::new(&self.config_dir())
            .save_login(account, owner, &token)
            .expect("seed the file store");
    }

    pub fn login(&self) {
        self.login_as("default", "default");
    }

    pub fn stored_refresh_token(&self, account: &str, owner: &str) -> Option<String> {
        FileStore::new(&self.config_dir())
            .load(account, owner)
            .unwrap()
            .map(|r| r.token.refresh_token.expose().to_string())
    }

    pub fn is_invalidated(&self, account: &str, owner: &str) -> bool {
        FileStore::new(&self.config_dir())
            .load(account, owner)
            .unwrap()
            .is_some_and(|r| r.token_invalidated)
    }

    /// API requests (not OAuth) the mock has seen.
    pub fn api_requests(&self) -> Vec<pipedrive_mock::RecordedRequest> {
        self.mock
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/api/") || r.path.starts_with("/v1/"))
            .collect()
    }
}

pub fn run_with_timeout(mut cmd: Command, limit: Duration) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("spawn pipedrive");
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(limit) {
        Ok(out) => out.expect("wait for pipedrive"),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(id.to_string()).status();
            panic!("pipedrive did not finish within {limit:?}");
        }
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the exit code, showing stderr when it differs.
pub fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "expected exit {code}; stderr:\n{}",
        stderr(out)
    );
}

/// The `id` of every JSON line.
pub fn jsonl_ids(text: &str) -> Vec<u64> {
    text.lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}"));
            v["id"].as_u64().unwrap_or_else(|| panic!("no id in {l}"))
        })
        .collect()
}

/// The `id` column of a CSV document.
pub fn csv_ids(text: &str) -> Vec<u64> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    let col = headers
        .iter()
        .position(|h| h == "id")
        .expect("an id column");
    rdr.records()
        .map(|r| r.unwrap()[col].parse::<u64>().unwrap())
        .collect()
}

/// Asserts `ids` is exactly 1..=n, each once.
pub fn assert_each_once(ids: &[u64], n: u64) {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    let dupes = sorted.windows(2).filter(|w| w[0] == w[1]).count();
    assert_eq!(dupes, 0, "duplicate ids");
    assert_eq!(sorted.len() as u64, n, "record count");
    assert_eq!(sorted, (1..=n).collect::<Vec<_>>(), "ids 1..={n}");
}

/// Polls `f` until it is true or `limit` passes.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

pub fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
