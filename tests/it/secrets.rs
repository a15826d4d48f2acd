//! Secrets stay where they belong: tokens go only to https (or loopback) hosts, only in headers,
//! and never into a log line, an error message or the output.

use pipedrive_mock::AuthKind;

use crate::support::*;

/// `0.0.0.0` is not a loopback address, yet on Linux a connection to it reaches this machine:
/// if the client sent a token there, the mock would see it.
fn sneaky_http(env: &TestEnv) -> String {
    format!("http://0.0.0.0:{}", env.mock.addr().port())
}

fn refused(out: &std::process::Output, what: &str) {
    assert!(!out.status.success(), "it went ahead");
    let err = stderr(out);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        err.contains("refusing") && err.contains(what) && err.contains("https"),
        "a clear reason: {err}"
    );
}

#[test]
fn an_api_domain_that_is_not_https_gets_no_token() {
    // Would receive the token if the client sent it to `http://0.0.0.0:<its port>`.
    let target = MockPipedrive::start(Config::default());
    let sneaky = format!("http://0.0.0.0:{}", target.addr().port());
    for domain in ["http://example.com", sneaky.as_str()] {
        // The token answers (login's and every refresh's) name the http domain.
        let env = TestEnv::with(Config {
            api_domain: Some(domain.to_string()),
            ..Config::default()
        });
        env.login();
        let out = env.run(&["export", "deals"]);
        refused(&out, domain);
        assert!(out.stdout.is_empty());
        assert!(env.api_requests().is_empty(), "a token went to {domain}");
    }
    assert!(target.requests().is_empty(), "a token went to {sneaky}");
}

#[test]
fn an_api_token_domain_that_is_not_https_gets_no_token() {
    let env = TestEnv::with(Config {
        api_token: Some("personal-api-token-123".into()),
        ..Config::default()
    });
    let domain = sneaky_http(&env);
    let mut cmd = env.cmd(&["export", "deals"]);
    cmd.env("PIPEDRIVE_API_TOKEN", "personal-api-token-123")
        .env("PIPEDRIVE_API_DOMAIN", &domain);
    let out = run_with_timeout(cmd, std::time::Duration::from_secs(60));
    refused(&out, &domain);
    assert_code(&out, 2);
    assert!(env.mock.requests().is_empty());
}

#[test]
fn an_oauth_url_that_is_not_https_gets_no_refresh_token() {
    let env = TestEnv::new();
    env.login();
    let sneaky = sneaky_http(&env);
    for url in ["http://example.com", sneaky.as_str()] {
        for args in [
            &["export", "deals"][..],
            &["login", "--no-browser", "--timeout", "5"][..],
        ] {
            let mut cmd = env.cmd(args);
            cmd.env("PIPEDRIVE_OAUTH_URL", url)
                .env("PIPEDRIVE_REDIRECT_URL", "http://127.0.0.1:0/callback");
            let out = run_with_timeout(cmd, std::time::Duration::from_secs(60));
            refused(&out, url);
            assert_code(&out, 2);
        }
    }
    assert!(env.mock.requests().is_empty(), "something went to the mock");
    assert!(env.stored_refresh_token("default", "default").is_some());
}

#[test]
fn verbose_logs_requests_but_never_tokens() {
    let env = TestEnv::new();
    env.login();
    let before = env.record("default", "default").unwrap().token;
    let out = env.run(&["-v", "export", "deals", "--limit", "200", "--format", "csv"]);
    assert_code(&out, 0);
    let after = env.record("default", "default").unwrap().token;
    let (text, err) = (stdout(&out), stderr(&out));
    for secret in [
        before.access_token.expose(),
        before.refresh_token.expose(),
        after.access_token.expose(),
        after.refresh_token.expose(),
    ] {
        assert!(secret.len() > 8, "a real token: {secret:?}");
        assert!(!text.contains(secret), "a token in stdout");
        assert!(!err.contains(secret), "a token in stderr:\n{err}");
    }
    // The request log is there: one line per page, with method, path and status.
    let logged = err
        .lines()
        .filter(|l| l.contains("GET ") && l.contains("/api/v2/deals") && l.contains("200"))
        .count();
    assert!(
        logged >= 7,
        "1203 deals at 200 a page: {logged} log lines\n{err}"
    );

    // Tokens travelled in the Authorization header only, never in a URL.
    let seen = env.mock.requests();
    assert!(!seen.is_empty());
    for r in &seen {
        let query = r.query.clone().unwrap_or_default();
        for secret in [after.access_token.expose(), before.refresh_token.expose()] {
            assert!(!query.contains(secret), "a token in {} ?{query}", r.path);
            assert!(!r.path.contains(secret));
        }
    }
    for r in seen.iter().filter(|r| r.path.starts_with("/api/")) {
        assert_eq!(
            r.auth,
            AuthKind::Bearer(after.access_token.expose().to_string())
        );
    }
}

#[test]
fn a_rejected_token_is_not_repeated_in_the_error() {
    let env = TestEnv::with(Config {
        faults: Faults {
            revoked: true,
            ..Faults::default()
        },
        ..Config::default()
    });
    env.login();
    let out = env.run(&["-v", "export", "deals"]);
    assert_code(&out, 4);
    let token = env.record("default", "default").unwrap().token;
    let err = stderr(&out);
    assert!(!err.contains(token.access_token.expose()), "{err}");
    assert!(!err.contains(token.refresh_token.expose()), "{err}");
}

#[test]
fn an_api_token_travels_in_its_header_only() {
    let secret = "personal-api-token-456";
    let env = TestEnv::with(Config {
        api_token: Some(secret.into()),
        ..Config::default()
    });
    let mut cmd = env.cmd(&["-v", "export", "pipelines"]);
    cmd.env("PIPEDRIVE_API_TOKEN", secret)
        .env("PIPEDRIVE_API_DOMAIN", env.mock.url());
    let out = run_with_timeout(cmd, std::time::Duration::from_secs(60));
    assert_code(&out, 0);
    assert!(!stderr(&out).contains(secret) && !stdout(&out).contains(secret));
    let seen = env.api_requests();
    assert!(!seen.is_empty());
    for r in seen {
        assert!(!r.query.unwrap_or_default().contains(secret));
        assert_eq!(r.auth, AuthKind::ApiToken(secret.into()));
    }
}
