//! Shared test setup: a mock Pipedrive, a private HOME and config dir, and the real binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

pub use pipedrive_mock::{Config, Faults, MockPipedrive, RawAnswer, Seed};

use pipedrive_cli::secret::Secret;
use pipedrive_cli::store::file::FileStore;
use pipedrive_cli::token::Token;

pub const BIN: &str = env!("CARGO_BIN_EXE_pipedrive");

/// What the binary's waits are scaled by in tests (see `PIPEDRIVE_TEST_TIME_SCALE`).
pub const TIME_SCALE: &str = "0.01";

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
            // Retry and rate-limit sleeps last 1% of what they stand for: the fault tests check
            // what is retried and for how long it would wait, not the wall clock.
            .env("PIPEDRIVE_TEST_TIME_SCALE", TIME_SCALE)
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

pub fn run_with_timeout(cmd: Command, limit: Duration) -> Output {
    let started = Instant::now();
    let out = assert_cmd::Command::from_std(cmd)
        .timeout(limit)
        .output()
        .expect("run pipedrive");
    // assert_cmd kills the process at the limit: say so rather than report a missing exit code.
    if out.status.code().is_none() && started.elapsed() >= limit {
        panic!(
            "pipedrive did not finish within {limit:?}; stderr:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
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

impl TestEnv {
    /// The whole stored record for (account, owner), if any.
    pub fn record(&self, account: &str, owner: &str) -> Option<pipedrive_cli::token::TokenRecord> {
        FileStore::new(&self.config_dir())
            .load(account, owner)
            .unwrap()
    }

    /// Every stored record of an account.
    pub fn records_of(&self, account: &str) -> Vec<pipedrive_cli::token::TokenRecord> {
        FileStore::new(&self.config_dir())
            .load_account(account)
            .unwrap()
    }

    /// API list/single requests to exactly this path.
    pub fn requests_to(&self, path: &str) -> Vec<pipedrive_mock::RecordedRequest> {
        self.mock
            .requests()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    /// GETs an API path of the mock with a freshly issued token: the answer's `data`, as the
    /// mock has it (what the CLI's output is compared against).
    pub fn mock_data(&self, path_and_query: &str) -> serde_json::Value {
        let token = self.mock.issue_token().access_token;
        let resp = http_get(
            &format!("{}{path_and_query}", self.mock.url()),
            &[("Authorization", &format!("Bearer {token}"))],
        );
        assert_eq!(resp.status, 200, "GET {path_and_query}: {}", resp.body);
        let v: serde_json::Value = serde_json::from_str(&resp.body).unwrap();
        v["data"].clone()
    }
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTP answer read by [`http_get`].
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A GET with reqwest's blocking client: no redirect followed (the consent page's 302 is the
/// answer the login tests look at), a fresh connection each time.
pub fn http_get(url: &str, headers: &[(&str, &str)]) -> HttpResponse {
    // reqwest is built without a crypto provider of its own (see Cargo.toml).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("an HTTP client");
    let mut req = client.get(url);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = req.send().unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status().as_u16();
    let headers = resp
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = resp
        .text()
        .unwrap_or_else(|e| panic!("GET {url}: body: {e}"));
    HttpResponse {
        status,
        headers,
        body,
    }
}

/// Every JSON line parsed.
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

/// The flattened keys of a record as README.md defines CSV columns: nested objects joined
/// with `.`, everything else (arrays, scalars, null, `{}`) one column.
pub fn flat_keys(value: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                // A key holding a dot (or starting with a quote) is quoted (README, "CSV").
                let k = if k.contains('.') || k.starts_with('"') {
                    format!("\"{}\"", k.replace('"', "\"\""))
                } else {
                    k.clone()
                };
                let key = if prefix.is_empty() {
                    k
                } else {
                    format!("{prefix}.{k}")
                };
                flat_keys(v, &key, out);
            }
        }
        _ => out.push(prefix.to_string()),
    }
}

/// A CSV document parsed: header and rows.
pub fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows = rdr
        .records()
        .map(|r| {
            r.expect("an RFC 4180 row")
                .iter()
                .map(String::from)
                .collect()
        })
        .collect();
    (header, rows)
}

/// Whether `s` is a 40-character hex string (a custom field key).
pub fn is_hash(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}
