//! `pipedrive status` (never a secret) and `pipedrive logout` (revoke, then forget).

use serde_json::Value;

use crate::support::*;

fn secrets(env: &TestEnv, account: &str, owner: &str) -> [String; 2] {
    let rec = env.record(account, owner).unwrap();
    [
        rec.token.access_token.expose().to_string(),
        rec.token.refresh_token.expose().to_string(),
    ]
}

fn assert_no_secret(out: &std::process::Output, secrets: &[String]) {
    let (o, e) = (stdout(out), stderr(out));
    for s in secrets {
        assert!(
            !o.contains(s.as_str()) && !e.contains(s.as_str()),
            "a token leaked"
        );
    }
}

#[test]
fn status_shows_who_is_logged_in_but_no_secret() {
    let env = TestEnv::new();
    env.login_as("acme", "alice");
    let secrets = secrets(&env, "acme", "alice");

    let out = env.run(&["status", "--account", "acme", "--owner", "alice"]);
    assert_code(&out, 0);
    assert_no_secret(&out, &secrets);
    let text = stdout(&out);
    for want in [
        "acme",
        "alice",
        "file",
        env.mock.url().as_str(),
        "deals:full",
    ] {
        assert!(text.contains(want), "{want} missing from:\n{text}");
    }

    let out = env.run(&["status", "--json", "--account", "acme", "--owner", "alice"]);
    assert_code(&out, 0);
    assert_no_secret(&out, &secrets);
    let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["logged_in"], true);
    assert_eq!(v["store"], "file");
    assert_eq!(v["account"], "acme");
    assert_eq!(v["owner"], "alice");
    assert_eq!(v["api_domain"], env.mock.url());
    assert_eq!(v["token_invalidated"], false);
    assert!(v["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s == "contacts:full"));
    assert!(v["token_age_secs"].as_i64().unwrap() < 120);
    assert!(env.mock.requests().is_empty(), "status calls no API");

    // Another owner is not logged in.
    let out = env.run(&["status", "--account", "acme", "--owner", "bob"]);
    assert_code(&out, 4);
    let out = env.run(&["status", "--json", "--account", "acme", "--owner", "bob"]);
    assert_code(&out, 4);
    let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["logged_in"], false);
}

#[test]
fn status_of_an_invalidated_token_says_so_and_exits_4() {
    let env = TestEnv::new();
    env.login();
    let secrets = secrets(&env, "default", "default");
    env.mock.revoke_all_tokens();
    assert_code(&env.run(&["export", "users"]), 4);
    let out = env.run(&["status", "--json"]);
    assert_code(&out, 4);
    assert_no_secret(&out, &secrets);
    let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["token_invalidated"], true);
    assert_eq!(v["logged_in"], false);
    let out = env.run(&["status"]);
    assert_code(&out, 4);
    assert!(stderr(&out).contains("pipedrive login"));
}

#[test]
fn logout_revokes_the_refresh_token_and_forgets_it() {
    let env = TestEnv::new();
    env.login();
    let [_, refresh] = secrets(&env, "default", "default");
    let out = env.run(&["logout"]);
    assert_code(&out, 0);
    assert_no_secret(&out, std::slice::from_ref(&refresh));
    let revokes = env.requests_to("/oauth/revoke");
    assert_eq!(revokes.len(), 1);
    let token = revokes[0].form.iter().find(|(k, _)| k == "token");
    assert_eq!(token.map(|(_, v)| v.as_str()), Some(refresh.as_str()));
    assert_eq!(
        revokes[0].auth,
        pipedrive_mock::AuthKind::Basic("test-client".into())
    );
    assert!(!env.mock.is_refresh_token_valid(&refresh));
    assert!(env.record("default", "default").is_none());
    assert_code(&env.run(&["status"]), 4);
    assert_code(&env.run(&["export", "deals"]), 4);
    // Logging out twice is not an error.
    assert_code(&env.run(&["logout"]), 0);
}

#[test]
fn logout_all_removes_every_owner_of_the_account_only() {
    let env = TestEnv::new();
    env.login_as("acme", "alice");
    env.login_as("acme", "bob");
    env.login_as("other", "carol");
    let out = env.run(&["logout", "--all", "--account", "acme"]);
    assert_code(&out, 0);
    assert!(env.records_of("acme").is_empty());
    assert!(env.record("other", "carol").is_some());
    assert_eq!(env.requests_to("/oauth/revoke").len(), 2);
    let out = env.run(&[
        "export",
        "pipelines",
        "--account",
        "other",
        "--owner",
        "carol",
    ]);
    assert_code(&out, 0);
}

#[test]
fn logout_forgets_the_token_even_when_revoking_fails() {
    let env = TestEnv::new();
    env.login();
    let mut cmd = env.cmd(&["logout"]);
    // Nothing listens there: the revoke cannot happen, the local token still goes.
    cmd.env(
        "PIPEDRIVE_OAUTH_URL",
        format!("http://127.0.0.1:{}", free_port()),
    );
    let out = run_with_timeout(cmd, std::time::Duration::from_secs(120));
    assert_code(&out, 0);
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
    assert!(env.record("default", "default").is_none());
}

/// The file store's lock wait runs off the async threads: Ctrl-C ends a `logout` that waits for
/// another process's lock at once (exit 130), instead of after the 30 s wait.
#[test]
fn ctrl_c_is_seen_while_the_file_store_waits_for_its_lock() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let env = TestEnv::new();
    env.login();
    // Another process holds the store's lock.
    let lock = std::fs::File::create(env.config_dir().join("tokens.lock")).unwrap();
    lock.lock().unwrap();
    let mut cmd = env.cmd(&["logout"]);
    cmd.stdout(Stdio::null()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // The revocation comes first; the delete then waits for the lock.
    assert!(
        wait_for(Duration::from_secs(30), || !env
            .requests_to("/oauth/revoke")
            .is_empty()),
        "logout never revoked"
    );
    std::thread::sleep(Duration::from_millis(300));
    let sent = Instant::now();
    assert!(std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if sent.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("logout did not end after Ctrl-C");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = sent.elapsed();
    assert_eq!(status.code(), Some(130), "took {took:?}");
    assert!(
        took < Duration::from_secs(10),
        "Ctrl-C seen only after {took:?}"
    );
    drop(lock);
    assert!(
        env.record("default", "default").is_some(),
        "nothing was deleted"
    );
}
