//! `pipedrive login` end to end: the authorize URL on stderr, the mock's consent redirect, the
//! loopback callback server, and the token in the store.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::*;

/// A `pipedrive login --no-browser` child whose stderr is read line by line.
struct LoginChild {
    child: Child,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
}

impl LoginChild {
    fn spawn(mut cmd: Command) -> LoginChild {
        cmd.stdout(Stdio::null()).stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn pipedrive login");
        let err = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        let stderr = Arc::new(Mutex::new(String::new()));
        let all = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                all.lock().unwrap().push_str(&format!("{line}\n"));
                let _ = tx.send(line);
            }
        });
        LoginChild {
            child,
            lines,
            stderr,
        }
    }

    /// The authorization URL: the first stderr line that starts with `http`.
    fn authorize_url(&self) -> String {
        let end = Instant::now() + Duration::from_secs(60);
        while let Ok(line) = self
            .lines
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            if line.starts_with("http") {
                return line.trim().to_string();
            }
        }
        panic!(
            "no authorization URL on stderr; got:\n{}",
            self.stderr.lock().unwrap()
        );
    }

    fn wait(mut self, limit: Duration) -> (ExitStatus, String, Duration) {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Let the reader thread drain the last lines.
                std::thread::sleep(Duration::from_millis(50));
                let text = self.stderr.lock().unwrap().clone();
                return (status, text, started.elapsed());
            }
            if started.elapsed() > limit {
                let _ = self.child.kill();
                panic!(
                    "login did not finish within {limit:?}; stderr:\n{}",
                    self.stderr.lock().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

fn redirect_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}/callback")
}

fn login_cmd(env: &TestEnv, redirect: &str, extra: &[&str]) -> Command {
    let mut args = vec!["login", "--no-browser"];
    args.extend_from_slice(extra);
    let mut cmd = env.cmd(&args);
    cmd.env("PIPEDRIVE_REDIRECT_URL", redirect);
    cmd
}

/// Asks the mock for consent; returns the callback URL it redirects to.
fn consent(authorize_url: &str) -> String {
    let resp = http_get(authorize_url, &[]);
    assert_eq!(resp.status, 302, "authorize: {}", resp.body);
    resp.header("location")
        .expect("a Location header")
        .to_string()
}

/// The same URL with its `state` replaced (`Some`) or removed (`None`).
fn with_state(callback: &str, state: Option<&str>) -> String {
    let mut u = url::Url::parse(callback).unwrap();
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "state")
        .collect();
    {
        let mut q = u.query_pairs_mut();
        q.clear();
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
        if let Some(s) = state {
            q.append_pair("state", s);
        }
    }
    u.to_string()
}

fn assert_logged_in(env: &TestEnv, account: &str, owner: &str) {
    let rec = env
        .record(account, owner)
        .unwrap_or_else(|| panic!("no stored token for {account}/{owner}"));
    let now = chrono::Utc::now().timestamp();
    assert!(
        (now - rec.token.generated_at).abs() <= 60,
        "generated_at {} is not now ({now})",
        rec.token.generated_at
    );
    assert_eq!(rec.token.api_domain, env.mock.url());
    assert!(!rec.token_invalidated);
    assert!(env
        .mock
        .is_refresh_token_valid(rec.token.refresh_token.expose()));
}

/// `pipedrive login --no-browser` for (account, owner), driven to success like a browser would.
pub fn real_login(env: &TestEnv, account: &str, owner: &str) {
    let redirect = redirect_url(free_port());
    let cmd = login_cmd(env, &redirect, &["--account", account, "--owner", owner]);
    let login = LoginChild::spawn(cmd);
    let page = http_get(&consent(&login.authorize_url()), &[]);
    assert_eq!(page.status, 200, "{}", page.body);
    let (status, err, _) = login.wait(Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "stderr:\n{err}");
    assert_logged_in(env, account, owner);
}

#[test]
fn the_largest_timeout_waits_instead_of_panicking() {
    let env = TestEnv::new();
    let redirect = redirect_url(free_port());
    let cmd = login_cmd(&env, &redirect, &["--timeout", "18446744073709551615"]);
    let login = LoginChild::spawn(cmd);
    let page = http_get(&consent(&login.authorize_url()), &[]);
    assert_eq!(page.status, 200, "{}", page.body);
    let (status, err, _) = login.wait(Duration::from_secs(60));
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0), "stderr:\n{err}");
    assert_logged_in(&env, "default", "default");
}

#[test]
fn full_login_through_the_loopback_server_stores_the_token() {
    let env = TestEnv::new();
    let redirect = redirect_url(free_port());
    let login = LoginChild::spawn(login_cmd(&env, &redirect, &[]));
    let url = login.authorize_url();
    let parsed = url::Url::parse(&url).unwrap();
    assert!(url.starts_with(&format!("{}/oauth/authorize?", env.mock.url())));
    let q = |k: &str| {
        parsed
            .query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(q("client_id").as_deref(), Some("test-client"));
    assert_eq!(q("redirect_uri").as_deref(), Some(redirect.as_str()));
    assert!(q("state").is_some_and(|s| s.len() >= 16), "a random state");

    let callback = consent(&url);
    assert!(callback.starts_with(&redirect), "{callback}");
    let page = http_get(&callback, &[]);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("close this tab"), "{}", page.body);

    let (status, err, _) = login.wait(Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "stderr:\n{err}");
    assert_logged_in(&env, "default", "default");
    // The code was exchanged with client Basic auth.
    let exchange = env.requests_to("/oauth/token");
    assert_eq!(exchange.len(), 1);
    assert_eq!(
        exchange[0].auth,
        pipedrive_mock::AuthKind::Basic("test-client".into())
    );

    // And the token works, as a new user would go on.
    let out = env.run(&[
        "export",
        "deals",
        "--format",
        "csv",
        "--output",
        "deals.csv",
    ]);
    assert_code(&out, 0);
    let csv = std::fs::read_to_string(env.path("deals.csv")).unwrap();
    assert_each_once(&csv_ids(&csv), Seed::default().deals);
}

fn refused_then_accepted(state: Option<&str>) {
    let env = TestEnv::new();
    let redirect = redirect_url(free_port());
    let login = LoginChild::spawn(login_cmd(&env, &redirect, &[]));
    let callback = consent(&login.authorize_url());

    let forged = http_get(&with_state(&callback, state), &[]);
    assert_eq!(forged.status, 400, "{}", forged.body);
    assert!(
        forged.body.contains("<html"),
        "an error page: {}",
        forged.body
    );
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        env.record("default", "default").is_none(),
        "nothing stored after a bad callback"
    );

    // Still waiting: the real callback is accepted.
    let page = http_get(&callback, &[]);
    assert_eq!(
        page.status,
        200,
        "{}; stderr:\n{}",
        page.body,
        login.stderr()
    );
    let (status, err, _) = login.wait(Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "stderr:\n{err}");
    assert_logged_in(&env, "default", "default");
}

#[test]
fn a_wrong_state_callback_is_refused_and_the_login_goes_on() {
    refused_then_accepted(Some("forged-state"));
}

#[test]
fn a_callback_without_state_is_refused_and_the_login_goes_on() {
    refused_then_accepted(None);
}

#[test]
fn denied_consent_exits_4_with_the_reason() {
    let env = TestEnv::with(Config {
        deny_consent: true,
        ..Config::default()
    });
    let redirect = redirect_url(free_port());
    let login = LoginChild::spawn(login_cmd(&env, &redirect, &[]));
    let callback = consent(&login.authorize_url());
    assert!(callback.contains("error=access_denied"), "{callback}");
    let page = http_get(&callback, &[]);
    assert!(page.body.contains("access_denied"), "{}", page.body);
    let (status, err, _) = login.wait(Duration::from_secs(60));
    assert_eq!(status.code(), Some(4), "stderr:\n{err}");
    assert!(err.contains("access_denied"), "{err}");
    assert!(env.record("default", "default").is_none());
}

#[test]
fn no_callback_within_the_timeout_exits_4_quickly() {
    let env = TestEnv::new();
    let redirect = redirect_url(free_port());
    let login = LoginChild::spawn(login_cmd(&env, &redirect, &["--timeout", "1"]));
    let (status, err, took) = login.wait(Duration::from_secs(30));
    assert_eq!(status.code(), Some(4), "stderr:\n{err}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert!(env.record("default", "default").is_none());
}

#[test]
fn a_redirect_url_off_loopback_is_a_usage_error() {
    let env = TestEnv::new();
    let cmd = login_cmd(
        &env,
        "http://example.com:8910/callback",
        &["--timeout", "5"],
    );
    let out = run_with_timeout(cmd, Duration::from_secs(30));
    assert_code(&out, 2);
    assert!(stderr(&out).contains("loopback"), "{}", stderr(&out));
}

#[test]
fn a_busy_port_fails_fast_and_says_so() {
    let env = TestEnv::new();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let started = Instant::now();
    let out = run_with_timeout(
        login_cmd(&env, &redirect_url(port), &["--timeout", "60"]),
        Duration::from_secs(60),
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    let err = stderr(&out);
    assert!(err.contains(&port.to_string()), "names the port: {err}");
    drop(busy);
}

#[test]
fn a_missing_client_id_is_a_usage_error() {
    let env = TestEnv::new();
    let mut cmd = login_cmd(&env, &redirect_url(free_port()), &["--timeout", "5"]);
    cmd.env_remove("PIPEDRIVE_CLIENT_ID");
    let out = run_with_timeout(cmd, Duration::from_secs(30));
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("PIPEDRIVE_CLIENT_ID"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_seeds_pipe_drive_names_work_for_the_whole_login() {
    let env = TestEnv::new();
    let redirect = redirect_url(free_port());
    let mut cmd = env.cmd(&[
        "login",
        "--no-browser",
        "--account",
        "acme",
        "--owner",
        "cron",
    ]);
    cmd.env_remove("PIPEDRIVE_CLIENT_ID")
        .env_remove("PIPEDRIVE_CLIENT_SECRET")
        .env("PIPE_DRIVE_CLIENT_ID", &env.client_id)
        .env("PIPE_DRIVE_CLIENT_SECRET", &env.client_secret)
        .env("PIPE_DRIVE_REDIRECT_URL", &redirect);
    let login = LoginChild::spawn(cmd);
    let url = login.authorize_url();
    assert!(
        url.contains(&format!(
            "redirect_uri={}",
            url::form_urlencoded::byte_serialize(redirect.as_bytes()).collect::<String>()
        )),
        "{url}"
    );
    let page = http_get(&consent(&url), &[]);
    assert_eq!(page.status, 200, "{}", page.body);
    let (status, err, _) = login.wait(Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "stderr:\n{err}");
    assert_logged_in(&env, "acme", "cron");
}

/// The callback URL with extra query pairs appended.
fn with_params(callback: &str, extra: &[(&str, &str)]) -> String {
    let mut u = url::Url::parse(callback).unwrap();
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    u.to_string()
}

#[test]
fn an_error_callback_without_our_state_is_ignored_and_the_login_goes_on() {
    let env = TestEnv::new();
    let redirect = redirect_url(free_port());
    let login = LoginChild::spawn(login_cmd(&env, &redirect, &[]));
    let callback = consent(&login.authorize_url());
    // Any local process can reach the loopback port: without the login's state it ends nothing.
    for forged in [
        format!("{redirect}?error=access_denied"),
        format!("{redirect}?error=access_denied&state=forged"),
    ] {
        let page = http_get(&forged, &[]);
        assert_eq!(page.status, 400, "{forged}: {}", page.body);
        assert!(page.body.contains("<html"), "an error page: {}", page.body);
    }
    let page = http_get(&callback, &[]);
    assert_eq!(
        page.status,
        200,
        "{}; stderr:\n{}",
        page.body,
        login.stderr()
    );
    let (status, err, _) = login.wait(Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "stderr:\n{err}");
    assert_logged_in(&env, "default", "default");
}

#[test]
fn a_denial_reason_reaches_the_terminal_without_control_characters() {
    let env = TestEnv::with(Config {
        deny_consent: true,
        ..Config::default()
    });
    let redirect = redirect_url(free_port());
    let login = LoginChild::spawn(login_cmd(&env, &redirect, &[]));
    let callback = consent(&login.authorize_url());
    let hostile = with_params(
        &callback,
        &[(
            "error_description",
            "The user said no\x1b[2J\x1b]0;owned\x07\r\u{9b}31m",
        )],
    );
    let page = http_get(&hostile, &[]);
    assert_eq!(page.status, 200, "{}", page.body);
    let (status, err, _) = login.wait(Duration::from_secs(60));
    assert_eq!(status.code(), Some(4), "stderr:\n{err}");
    assert!(err.contains("access_denied"), "{err}");
    assert!(err.contains("The user said no"), "{err}");
    let controls: Vec<char> = err
        .chars()
        .filter(|c| c.is_control() && *c != '\n')
        .collect();
    assert!(
        controls.is_empty(),
        "control characters {controls:?} in:\n{err:?}"
    );
}

#[test]
fn store_auto_treats_a_locked_keyring_as_unreachable_and_logs_in_to_the_file() {
    if !crate::services::private_keyring_available() {
        return;
    }
    let env = TestEnv::new();
    let redirect = redirect_url(free_port());
    let cmd =
        crate::services::in_private_keyring(&login_cmd(&env, &redirect, &[]), env.dir.path(), true);
    let login = LoginChild::spawn(cmd);
    let page = http_get(&consent(&login.authorize_url()), &[]);
    assert_eq!(page.status, 200, "{}", page.body);
    let (status, err, _) = login.wait(Duration::from_secs(60));
    assert_eq!(status.code(), Some(0), "stderr:\n{err}");
    let file = env.config_dir().join("tokens.json");
    assert!(
        err.contains(&file.display().to_string()),
        "the warning names the file: {err}"
    );
    assert_logged_in(&env, "default", "default");
}

#[test]
fn a_locked_keyring_fails_login_before_the_browser_is_sent_anywhere() {
    if !crate::services::private_keyring_available() {
        return;
    }
    let env = TestEnv::new();
    let redirect = redirect_url(free_port());
    let login = login_cmd(&env, &redirect, &["--store", "keyring", "--timeout", "20"]);
    let cmd = crate::services::in_private_keyring(&login, env.dir.path(), true);
    let out = run_with_timeout(cmd, Duration::from_secs(60));
    assert_code(&out, 7);
    let err = stderr(&out);
    assert!(err.contains("locked"), "{err}");
    assert!(
        !err.lines().any(|l| l.starts_with("http")),
        "no authorization URL, so no code is spent: {err}"
    );
}
