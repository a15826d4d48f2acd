//! `login --no-browser` over SSH: the user opens the URL on another machine and pastes the URL
//! the browser ends on (it cannot reach this machine's loopback port) into the terminal.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use crate::support::*;

struct Login {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    seen: String,
}

impl Login {
    fn start(env: &TestEnv) -> Login {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = env.cmd(&["login", "--no-browser", "--timeout", "60"]);
        cmd.env(
            "PIPEDRIVE_REDIRECT_URL",
            format!("http://127.0.0.1:{port}/callback"),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn pipedrive login");
        let stdin = child.stdin.take();
        let err = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        Login {
            child,
            stdin,
            lines,
            seen: String::new(),
        }
    }

    /// The authorization URL: printed on a line of its own on stderr.
    fn authorize_url(&mut self) -> String {
        let end = Instant::now() + Duration::from_secs(60);
        while let Ok(line) = self
            .lines
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            self.seen.push_str(&line);
            self.seen.push('\n');
            if line.starts_with("http") && line.contains("/oauth/authorize") {
                return line.trim().to_string();
            }
        }
        panic!("no authorization URL on stderr; got:\n{}", self.seen);
    }

    fn paste(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin still open");
        stdin.write_all(format!("{text}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Exit code and the rest of stderr.
    fn finish(mut self) -> (Option<i32>, String) {
        let end = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > end {
                let _ = self.child.kill();
                panic!("login did not finish; stderr so far:\n{}", self.seen);
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        drop(self.stdin.take());
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push_str(&line);
            self.seen.push('\n');
        }
        (status.code(), self.seen)
    }
}

/// What the browser would do after consent: GET the authorize URL, read the 302's Location.
fn consent(authorize_url: &str) -> String {
    let u = url::Url::parse(authorize_url).unwrap();
    let mut s = std::net::TcpStream::connect((u.host_str().unwrap(), u.port().unwrap())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {}?{} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        u.path(),
        u.query().unwrap_or_default(),
        u.host_str().unwrap()
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 302"),
        "authorize answered {answer}"
    );
    answer
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("location")
                .then(|| v.trim().to_string())
        })
        .expect("a Location header")
}

#[test]
fn pasting_the_redirected_url_on_stdin_completes_the_login() {
    let env = TestEnv::new();
    let mut login = Login::start(&env);
    let callback = consent(&login.authorize_url());
    assert!(callback.contains("code=") && callback.contains("state="));
    login.paste(&callback);
    let (code, stderr) = login.finish();
    assert_eq!(code, Some(0), "stderr:\n{stderr}");
    assert!(stderr.contains("Logged in"), "stderr:\n{stderr}");
    let refresh = env
        .stored_refresh_token("default", "default")
        .expect("a stored token");
    assert!(env.mock.is_refresh_token_valid(&refresh));

    // The stored token works at once.
    let out = env.run(&["export", "users"]);
    assert_code(&out, 0);
}

#[test]
fn a_pasted_url_with_another_state_is_ignored_and_the_right_one_accepted() {
    let env = TestEnv::new();
    let mut login = Login::start(&env);
    let callback = consent(&login.authorize_url());
    let mut forged = url::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, "forged".into())
            } else {
                (k, v)
            }
        })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    login.paste(forged.as_str());
    login.paste("");
    login.paste(&callback);
    let (code, stderr) = login.finish();
    assert_eq!(code, Some(0), "stderr:\n{stderr}");
    assert!(stderr.contains("ignored"), "stderr:\n{stderr}");
    assert!(env.stored_refresh_token("default", "default").is_some());
}

#[test]
fn a_pasted_denial_ends_with_exit_4() {
    let env = TestEnv::with(Config {
        deny_consent: true,
        ..Config::default()
    });
    let mut login = Login::start(&env);
    let callback = consent(&login.authorize_url());
    assert!(callback.contains("error=access_denied"));
    login.paste(&callback);
    let (code, stderr) = login.finish();
    assert_eq!(code, Some(4), "stderr:\n{stderr}");
    assert!(stderr.contains("access_denied"), "stderr:\n{stderr}");
    assert!(env.stored_refresh_token("default", "default").is_none());
}
