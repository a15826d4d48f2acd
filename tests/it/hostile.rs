//! Answers that must not crash it: absurd waits, huge bodies, bodies that are never JSON, and a
//! token endpoint that asks to wait. Each ends with its documented exit code and a clear line,
//! never a panic, never exit 0 with an empty file.

use std::process::Output;

use crate::support::*;

fn hostile(faults: Faults) -> TestEnv {
    let env = TestEnv::with(Config {
        faults,
        ..Config::default()
    });
    env.login();
    env
}

fn no_panic(out: &Output) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
}

/// `export <kind> --output F`: the output, and F's content if it exists.
fn export_to_file(env: &TestEnv, kind: &str) -> (Output, Option<String>) {
    let file = env.path(&format!("{kind}.jsonl"));
    let out = env.run(&[
        "export",
        kind,
        "--limit",
        "2",
        "--output",
        file.to_str().unwrap(),
    ]);
    no_panic(&out);
    (out, std::fs::read_to_string(&file).ok())
}

#[test]
fn an_absurd_retry_after_is_a_long_wait_not_a_crash() {
    for value in ["1e13", "99999999999999999999"] {
        let env = hostile(Faults {
            raw: Some(
                RawAnswer::new(429, r#"{"success":false,"error":"Request over limit"}"#)
                    .header("retry-after", value),
            ),
            ..Faults::default()
        });
        env.mock.expect("GET", "/api/v2/deals");
        env.mock.expect("GET", "/api/v1/users");
        for kind in ["deals", "users"] {
            let (out, file) = export_to_file(&env, kind);
            assert_code(&out, 75);
            let err = stderr(&out);
            // A wait no burst window asks for is the daily budget's, said as such.
            assert!(err.contains("daily token budget spent"), "{value}: {err}");
            assert!(err.contains("try again after"), "{value}: {err}");
            assert_eq!(file, None, "{kind}: an output file after a failure");
        }
        assert_eq!(env.api_requests().len(), 2, "the wait was never slept");
        env.mock.verify();
    }
}

#[test]
fn an_absurd_ratelimit_reset_with_nothing_remaining_is_a_long_wait() {
    let env = hostile(Faults {
        headers: vec![
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", "1e19".into()),
        ],
        ..Faults::default()
    });
    // Deals need a second page: the pause before it is far too long.
    let (out, file) = export_to_file(&env, "deals");
    assert_code(&out, 75);
    let err = stderr(&out);
    assert!(err.contains("try again after"), "{err}");
    assert_eq!(file, None);
    // Users come in one answer: complete, or not at all; never an empty file with exit 0.
    let (out, file) = export_to_file(&env, "users");
    assert_code(&out, 0);
    let users = jsonl_ids(&file.expect("the users file"));
    assert_eq!(users.len(), 7, "every user");
}

#[test]
fn a_body_over_the_cap_is_refused_with_a_clear_error() {
    let huge = vec![b' '; 80 << 20];
    let env = hostile(Faults {
        raw: Some(RawAnswer::new(200, huge)),
        ..Faults::default()
    });
    let (out, file) = export_to_file(&env, "deals");
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("larger than 64 MB"), "{err}");
    assert_eq!(file, None);
    assert_eq!(
        env.api_requests().len(),
        1,
        "a huge answer is not asked again"
    );
}

#[test]
fn a_body_that_is_never_json_ends_with_exit_1_quoting_it_sanitised() {
    let body = b"\x1b[2J<html>\xff\xfe upstream says hello</html>".to_vec();
    let env = hostile(Faults {
        raw: Some(RawAnswer::new(200, body)),
        ..Faults::default()
    });
    let out = env.run(&["export", "deals"]);
    no_panic(&out);
    assert_code(&out, 1);
    let err = stderr(&out);
    let last = err.lines().last().unwrap_or_default();
    assert!(last.contains("<html>"), "quotes the body: {err}");
    assert!(
        last.contains("\\u{1b}[2J"),
        "escapes control characters: {err}"
    );
    assert!(!err.contains('\x1b'), "no raw escape sequence: {err:?}");
    assert!(out.stdout.is_empty());
    assert_eq!(env.api_requests().len(), 7, "retried before giving up");
}

#[test]
fn the_token_endpoint_honours_retry_after_and_logs_under_verbose() {
    let env = hostile(Faults {
        oauth_answers: vec![RawAnswer::new(503, "<html>busy</html>").header("retry-after", "2")],
        ..Faults::default()
    });
    env.mock.expect("POST", "/oauth/token");
    let out = env.run(&["-v", "export", "users"]);
    no_panic(&out);
    assert_code(&out, 0);
    let err = stderr(&out);
    assert!(
        err.contains("retrying POST /oauth/token in 2.0s: server error 503"),
        "{err}"
    );
    assert_eq!(env.mock.refresh_count(), 1);
    env.mock.verify();
}

#[test]
fn a_token_endpoint_wait_beyond_max_wait_exits_75_and_keeps_the_token() {
    let env = hostile(Faults {
        oauth_answers: vec![
            RawAnswer::new(429, r#"{"error":"slow down"}"#).header("retry-after", "3600")
        ],
        ..Faults::default()
    });
    let before = env.stored_refresh_token("default", "default");
    let out = env.run(&["export", "users"]);
    no_panic(&out);
    assert_code(&out, 75);
    let err = stderr(&out);
    assert!(err.contains("more than --max-wait 10s"), "{err}");
    assert!(err.contains("try again after"), "{err}");
    let token_calls = env.requests_to("/oauth/token").len();
    assert_eq!(token_calls, 1, "the wait was never slept");
    assert_eq!(env.stored_refresh_token("default", "default"), before);
    assert!(!env.is_invalidated("default", "default"));
}
