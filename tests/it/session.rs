//! The token session: a refresh on every invocation, rotation under concurrency, invalidation
//! after a revoke or a 401, scope checks before any call, and the personal API token mode.

use std::time::Duration;

use pipedrive_mock::AuthKind;

use crate::support::*;

#[test]
fn three_invocations_make_three_refreshes_with_rotation() {
    let env = TestEnv::new();
    env.login();
    let first = env.stored_refresh_token("default", "default").unwrap();
    for n in 1..=3 {
        let out = env.run(&["export", "pipelines"]);
        assert_code(&out, 0);
        assert_each_once(&jsonl_ids(&stdout(&out)), 3);
        assert_eq!(env.mock.refresh_count(), n);
        let stored = env.stored_refresh_token("default", "default").unwrap();
        assert_eq!(
            Some(stored),
            env.mock.current_refresh_token(),
            "after run {n}"
        );
    }
    assert!(!env.mock.is_refresh_token_valid(&first), "the mock rotated");
    let rec = env.record("default", "default").unwrap();
    let now = chrono::Utc::now().timestamp();
    assert!((now - rec.token.generated_at).abs() <= 60);
    // Every API call used the access token of its own refresh.
    assert!(env
        .api_requests()
        .iter()
        .all(|r| matches!(r.auth, AuthKind::Bearer(_))));
}

#[test]
fn six_parallel_exports_all_succeed_with_rotation() {
    let env = TestEnv::new();
    env.login();
    let children: Vec<_> = (0..6)
        .map(|_| {
            let mut cmd = env.cmd(&["export", "deals"]);
            cmd.stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    let (tx, rx) = std::sync::mpsc::channel();
    for child in children {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
    }
    drop(tx);
    let mut done = 0;
    while let Ok(out) = rx.recv_timeout(Duration::from_secs(180)) {
        let out = out.unwrap();
        assert_code(&out, 0);
        assert_each_once(&jsonl_ids(&stdout(&out)), Seed::default().deals);
        done += 1;
    }
    assert_eq!(done, 6, "every export finished");
    assert_eq!(env.mock.refresh_count(), 6);
    let stored = env.stored_refresh_token("default", "default").unwrap();
    assert!(env.mock.is_refresh_token_valid(&stored));
    assert_eq!(Some(stored), env.mock.current_refresh_token());
    assert!(!env.is_invalidated("default", "default"));
    // And the next one still works.
    let out = env.run(&["export", "stages"]);
    assert_code(&out, 0);
}

#[test]
fn a_revoked_grant_invalidates_the_account_and_later_commands_stop_at_once() {
    let env = TestEnv::new();
    env.login_as("acme", "alice");
    env.login_as("acme", "bob");
    env.login_as("other", "carol");
    env.mock.revoke_all_tokens();

    let out = env.run(&["export", "deals", "--account", "acme", "--owner", "alice"]);
    assert_code(&out, 4);
    assert!(stderr(&out).contains("pipedrive login"), "{}", stderr(&out));
    assert!(env.is_invalidated("acme", "alice"));
    assert!(env.is_invalidated("acme", "bob"));
    assert!(
        !env.is_invalidated("other", "carol"),
        "another account is left alone"
    );
    assert!(
        env.api_requests().is_empty(),
        "no API call with a dead token"
    );

    // While flagged: exit 4 at once, without a single request (OAuth included).
    let seen = env.mock.requests().len();
    for args in [
        &["export", "deals", "--account", "acme", "--owner", "alice"][..],
        &["pipeline", "1", "--account", "acme", "--owner", "bob"][..],
    ] {
        let out = env.run(args);
        assert_code(&out, 4);
        assert!(stderr(&out).contains("pipedrive login"), "{}", stderr(&out));
    }
    assert_eq!(env.mock.requests().len(), seen);

    // A fresh login clears the flag for that owner.
    crate::login::real_login(&env, "acme", "alice");
    assert!(!env.is_invalidated("acme", "alice"));
    let out = env.run(&[
        "export",
        "pipelines",
        "--account",
        "acme",
        "--owner",
        "alice",
    ]);
    assert_code(&out, 0);
}

#[test]
fn a_401_from_the_api_invalidates_the_account() {
    let env = TestEnv::with(Config {
        faults: Faults {
            revoked: true,
            ..Faults::default()
        },
        ..Config::default()
    });
    env.login_as("default", "default");
    env.login_as("default", "cron");
    let out = env.run(&["export", "deals"]);
    assert_code(&out, 4);
    // An access token may just have expired: one refresh and one more try before a 401 counts.
    assert_eq!(
        env.mock.refresh_count(),
        2,
        "the refresh at start, and one after the first 401"
    );
    assert!(env.is_invalidated("default", "default"));
    assert!(env.is_invalidated("default", "cron"));
    let statuses: Vec<u16> = env.api_requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [401, 401],
        "tried again once with the new token, no more"
    );

    let seen = env.mock.requests().len();
    let out = env.run(&["export", "deals"]);
    assert_code(&out, 4);
    assert_eq!(env.mock.requests().len(), seen);
}

#[test]
fn not_logged_in_exits_4_without_any_request() {
    let env = TestEnv::new();
    let out = env.run(&["export", "deals"]);
    assert_code(&out, 4);
    assert!(stderr(&out).contains("pipedrive login"), "{}", stderr(&out));
    assert!(env.mock.requests().is_empty());
}

#[test]
fn a_missing_scope_exits_5_before_calling_the_endpoint() {
    let env = TestEnv::with(Config {
        scopes: vec!["deals:read".into()],
        ..Config::default()
    });
    env.login();
    let out = env.run(&["export", "persons"]);
    assert_code(&out, 5);
    let err = stderr(&out);
    assert!(
        err.contains("contacts:read") && err.contains("contacts:full"),
        "{err}"
    );
    assert!(
        !env.api_requests().iter().any(|r| r.path.contains("person")),
        "no request for persons"
    );
    let out = env.run(&["export", "deals"]);
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), Seed::default().deals);
    let out = env.run(&["export", "deals", "--format", "csv"]);
    assert_code(&out, 0);
    assert_each_once(&csv_ids(&stdout(&out)), Seed::default().deals);
}

#[test]
fn a_personal_api_token_needs_no_login_and_no_refresh() {
    let env = TestEnv::with(Config {
        api_token: Some("personal-token-123".into()),
        ..Config::default()
    });
    let mut cmd = env.cmd(&["export", "deals"]);
    cmd.env("PIPEDRIVE_API_TOKEN", "personal-token-123")
        .env("PIPEDRIVE_API_DOMAIN", env.mock.url());
    let out = run_with_timeout(cmd, Duration::from_secs(120));
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), Seed::default().deals);
    assert_eq!(env.mock.refresh_count(), 0);
    let requests = env.mock.requests();
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r.path.starts_with("/api/")),
        "no OAuth call"
    );
    for r in &requests {
        assert_eq!(r.auth, AuthKind::ApiToken("personal-token-123".into()));
        assert!(r
            .query
            .as_deref()
            .is_none_or(|q| !q.contains("personal-token")));
    }
    assert!(!stderr(&out).contains("personal-token-123"));
    assert!(env.record("default", "default").is_none());
}

/// Every command that calls the API ends its session the same way: a 401 flags the account,
/// whichever command met it (one construct, `Session::run`, ends them all).
#[test]
fn every_api_command_applies_the_401_rule() {
    for args in [
        &["export", "deals"][..],
        &["export", "all", "--output-dir", "out", "--types", "deals"][..],
        &["pipeline", "1"][..],
        &["stage", "1"][..],
    ] {
        let env = TestEnv::with(Config {
            faults: Faults {
                revoked: true,
                ..Faults::default()
            },
            ..Config::default()
        });
        env.login();
        let out = env.run(args);
        assert_code(&out, 4);
        assert!(env.is_invalidated("default", "default"), "{args:?}");
    }
}
