//! Every bad input a user can type: a one-line reason, the documented exit code, never a panic,
//! and no API call when the input alone is wrong.

use std::process::{Command, Output};
use std::time::Duration;

use crate::support::*;

/// The reason: the first line of stderr (clap adds usage hints below its own first line).
fn reason(out: &Output) -> String {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "a panic:\n{err}");
    let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    assert!(first.contains("error"), "no reason given:\n{err}");
    first.to_string()
}

/// A failure of our own making: exactly one line on stderr.
fn one_line(out: &Output) -> String {
    let line = reason(out);
    let lines = stderr(out).lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(lines, 1, "more than one line:\n{}", stderr(out));
    line
}

fn run(cmd: Command) -> Output {
    run_with_timeout(cmd, Duration::from_secs(60))
}

fn assert_no_requests(env: &TestEnv) {
    let seen = env.mock.requests();
    assert!(seen.is_empty(), "the mock was called: {:?}", seen.first());
}

#[test]
fn an_unknown_type_is_a_usage_error_listing_the_types() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&["export", "widgets"]);
    assert_code(&out, 2);
    let why = reason(&out);
    assert!(why.contains("widgets"), "{why}");
    let err = stderr(&out);
    for t in ["deals", "persons", "organizations", "notes", "users"] {
        assert!(err.contains(t), "the valid types are listed: {err}");
    }
    assert_no_requests(&env);
}

#[test]
fn non_numeric_zero_and_negative_ids_are_usage_errors() {
    let env = TestEnv::new();
    env.login();
    for args in [
        ["pipeline", "abc"],
        ["pipeline", "-5"],
        ["pipeline", "0"],
        ["stage", "1.5"],
        ["stage", "-1"],
        ["pipeline", "99999999999999999999999"],
    ] {
        let out = env.run(&args);
        assert_code(&out, 2);
        reason(&out);
    }
    assert_no_requests(&env);
}

#[test]
fn page_sizes_and_counts_out_of_range_are_usage_errors() {
    let env = TestEnv::new();
    env.login();
    for args in [
        ["--limit", "0"],
        ["--limit", "501"],
        ["--limit", "many"],
        ["--max", "0"],
        ["--concurrency", "0"],
        ["--format", "xml"],
    ] {
        let mut all = vec!["export", "deals"];
        all.extend(args);
        let out = env.run(&all);
        assert_code(&out, 2);
        let why = reason(&out);
        assert!(why.contains(args[1]), "{why}");
    }
    let out = env.run(&["export", "deals", "--no-such-flag"]);
    assert_code(&out, 2);
    assert_no_requests(&env);
}

#[test]
fn a_malformed_updated_since_is_a_usage_error() {
    let env = TestEnv::new();
    env.login();
    for bad in ["yesterday", "2025-13-01T00:00:00Z", "2025-01-31", ""] {
        let out = env.run(&["export", "deals", "--updated-since", bad]);
        assert_code(&out, 2);
        let why = one_line(&out);
        assert!(why.contains("RFC 3339"), "{why}");
    }
    assert_no_requests(&env);
}

#[test]
fn an_unwritable_output_path_fails_before_any_request() {
    let env = TestEnv::new();
    env.login();
    let missing = env.path("no/such/dir/deals.jsonl");
    let a_file = env.path("plain-file");
    std::fs::write(&a_file, "x").unwrap();
    let under_a_file = a_file.join("deals.jsonl");
    let a_dir = env.path("a-dir");
    std::fs::create_dir(&a_dir).unwrap();
    for target in [&missing, &under_a_file, &a_dir] {
        let out = env.run(&["export", "deals", "--output", target.to_str().unwrap()]);
        assert_code(&out, 1);
        let why = one_line(&out);
        assert!(
            why.contains(target.to_str().unwrap()),
            "names the path: {why}"
        );
    }
    assert_no_requests(&env);
}

#[cfg(unix)]
#[test]
fn a_read_only_output_directory_fails_before_any_request() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    env.login();
    let dir = env.path("read-only");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
    // root writes anywhere: the case cannot happen there, so there is nothing to test.
    if std::fs::write(dir.join("probe"), "x").is_ok() {
        eprintln!("skipped: running as root, a read-only directory is writable");
        return;
    }
    let target = dir.join("deals.csv");
    let out = env.run(&["export", "deals", "--output", target.to_str().unwrap()]);
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_code(&out, 1);
    let why = one_line(&out);
    assert!(why.contains("deals.csv"), "{why}");
    assert_no_requests(&env);
    assert!(files_in(&dir).is_empty());
}

#[test]
fn login_without_client_id_or_secret_is_a_usage_error() {
    let env = TestEnv::new();
    for var in ["PIPEDRIVE_CLIENT_ID", "PIPEDRIVE_CLIENT_SECRET"] {
        let mut cmd = env.cmd(&["login", "--no-browser", "--timeout", "5"]);
        cmd.env_remove(var);
        let out = run(cmd);
        assert_code(&out, 2);
        let why = one_line(&out);
        assert!(why.contains(var), "{why}");
    }
    assert_no_requests(&env);
}

#[test]
fn a_redirect_url_that_is_not_loopback_http_is_a_usage_error() {
    let env = TestEnv::new();
    for url in [
        "https://localhost:8910/callback",
        "http://example.com:8910/callback",
        "http://10.1.2.3:8910/callback",
        "not a url",
    ] {
        let mut cmd = env.cmd(&["login", "--no-browser", "--timeout", "5"]);
        cmd.env("PIPEDRIVE_REDIRECT_URL", url);
        let out = run(cmd);
        assert_code(&out, 2);
        let why = one_line(&out);
        assert!(why.contains("PIPEDRIVE_REDIRECT_URL"), "{why}");
    }
    assert_no_requests(&env);
}

#[test]
fn a_callback_port_in_use_is_a_clear_error() {
    let env = TestEnv::new();
    // Held by someone else for the whole run; the port is whatever the OS gave us.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let mut cmd = env.cmd(&["login", "--no-browser", "--timeout", "5"]);
    cmd.env(
        "PIPEDRIVE_REDIRECT_URL",
        format!("http://127.0.0.1:{port}/callback"),
    );
    let out = run(cmd);
    assert_code(&out, 1);
    let why = one_line(&out);
    assert!(why.contains(&port.to_string()), "names the port: {why}");
    drop(busy);
    assert_no_requests(&env);
}

#[test]
fn an_unreachable_mongo_store_exits_7() {
    let env = TestEnv::new();
    // A port nobody listens on: bind one, note it, let it go.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut cmd = env.cmd(&["export", "deals", "--store", "mongo"]);
    cmd.env(
        "PIPEDRIVE_MONGO_URI",
        format!("mongodb://127.0.0.1:{port}/pipedrive"),
    );
    let out = run_with_timeout(cmd, Duration::from_secs(120));
    assert_code(&out, 7);
    reason(&out);
    assert_no_requests(&env);
}

#[test]
fn a_corrupt_token_file_exits_7() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let file = env.config_dir().join("tokens.json");
    std::fs::write(&file, "{ this is not a token file").unwrap();
    for args in [&["export", "deals"][..], &["status"][..]] {
        let out = env.run(args);
        assert_code(&out, 7);
        let why = one_line(&out);
        assert!(why.contains("tokens.json"), "names the file: {why}");
    }
    assert_no_requests(&env);
}
