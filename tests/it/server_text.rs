//! Text that came from a server reaches the terminal quoted (no escape sequence runs, no
//! megabyte line), and answers that no retry can fix end at once with the right exit code.

use crate::support::*;

const ESC: char = '\u{1b}';

fn env_with(config: Config) -> TestEnv {
    let env = TestEnv::with(Config {
        seed: Seed {
            deals: 5,
            ..Seed::default()
        },
        ..config
    });
    env.login();
    env
}

fn raw(status: u16, body: &str) -> Config {
    Config {
        faults: Faults {
            raw: Some(RawAnswer::new(status, body)),
            ..Faults::default()
        },
        ..Config::default()
    }
}

fn no_escape(text: &str, what: &str) {
    assert!(
        !text.contains(ESC),
        "{what}: a raw ESC reached the terminal: {text:?}"
    );
}

#[test]
fn an_api_domain_with_escapes_is_quoted_by_status_and_in_errors() {
    let env = env_with(Config {
        api_domain: Some(format!(
            "https://acme{ESC}]0;pwned\u{7}{ESC}[2J.example.com"
        )),
        ..Config::default()
    });
    let out = env.run(&["status"]);
    assert_code(&out, 0);
    no_escape(&stdout(&out), "status");
    assert!(stdout(&out).contains("\\u{1b}"), "{}", stdout(&out));
    let out = env.run(&["export", "deals"]);
    assert_code(&out, 1);
    no_escape(&stderr(&out), "export");
    assert!(env.api_requests().is_empty());
}

#[test]
fn a_granted_scope_with_escapes_is_quoted_by_status() {
    let env = env_with(Config {
        scopes: vec!["deals:read".into(), format!("users:read{ESC}[31m")],
        ..Config::default()
    });
    let out = env.run(&["status"]);
    assert_code(&out, 0);
    no_escape(&stdout(&out), "status");
    assert!(
        stdout(&out).contains("users:read\\u{1b}[31m"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_repeated_cursor_with_escapes_is_quoted() {
    let body = r#"{"success":true,"data":[{"id":1}],"additional_data":{"next_cursor":"c\u001b[2J\u001b]0;x\u0007"}}"#;
    let env = env_with(raw(200, body));
    let out = env.run(&["export", "deals", "--quiet"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(err.contains("a second time"), "{err}");
    no_escape(&err, "repeated cursor");
}

#[test]
fn an_absurdly_long_api_domain_is_refused_at_once_and_echoed_short() {
    for len in [5_000, 200_000] {
        let env = env_with(Config {
            api_domain: Some(format!("https://{}.example.com", "a".repeat(len))),
            ..Config::default()
        });
        let out = env.run(&["export", "deals", "--quiet", "-v"]);
        // Permanent: no attempt, no retry, not a temporary failure (75).
        assert_code(&out, 1);
        let err = stderr(&out);
        assert!(
            !err.contains("retry"),
            "{len}: {}",
            &err[..err.len().min(400)]
        );
        let longest = err.lines().map(str::len).max().unwrap_or(0);
        assert!(longest < 400, "{len}: a {longest}-byte line");
        assert!(
            err.contains("api_domain"),
            "{len}: {}",
            &err[..err.len().min(400)]
        );
    }
}

#[test]
fn an_unknown_company_domain_is_an_authentication_error_not_a_missing_id() {
    let env = env_with(raw(
        404,
        r#"{"success":false,"error":"Company domain not found","error_info":"Please check developers.pipedrive.com"}"#,
    ));
    for args in [
        &["export", "deals", "--quiet"][..],
        &["export", "all", "--quiet", "--output-dir", "out"][..],
        &["pipeline", "1"][..],
    ] {
        let out = env.run(args);
        assert_code(&out, 4);
        let err = stderr(&out);
        assert!(
            err.contains("Company domain not found") && err.contains("pipedrive login"),
            "{args:?}: {err}"
        );
    }
    // Nothing was written, and the token is not flagged: it is the domain that is wrong.
    assert!(!env.path("out").join("manifest.json").exists());
    assert!(!env.is_invalidated("default", "default"));
}

#[test]
fn a_list_that_answers_404_is_not_exit_6() {
    let env = env_with(raw(
        404,
        r#"{"success":false,"error":"Unknown method .","error_info":"Please check developers.pipedrive.com"}"#,
    ));
    let out = env.run(&["export", "deals", "--quiet"]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("no such list"), "{}", stderr(&out));
    // A pipeline id that does not exist keeps exit 6.
    assert_code(&env.run(&["pipeline", "1"]), 6);
}

#[test]
fn include_fields_all_beside_an_unknown_name_is_a_usage_error() {
    let env = env_with(Config::default());
    for value in ["all,bogus", "bogus,all", "bogus"] {
        let out = env.run(&["export", "deals", "--include-fields", value]);
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains("'bogus'"),
            "{value}: {}",
            stderr(&out)
        );
    }
    assert!(env.api_requests().is_empty());
    assert_code(
        &env.run(&["export", "deals", "--quiet", "--include-fields", "all"]),
        0,
    );
}
