//! Logins that must not be lost: a signal or a failing store after the OAuth server rotated the
//! refresh token, and an export that outlives its access token.

use std::process::{Child, Stdio};
use std::time::Duration;

use crate::support::*;

fn slow_refresh_env() -> TestEnv {
    let env = TestEnv::with(Config {
        faults: Faults {
            refresh_answer_delay: Duration::from_millis(700),
            ..Faults::default()
        },
        ..Config::default()
    });
    env.login();
    env
}

fn spawn(env: &TestEnv, args: &[&str]) -> Child {
    let mut cmd = env.cmd(args);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd.spawn().expect("spawn pipedrive")
}

/// Waits until the mock has rotated the refresh token (its answer is still on the way).
fn wait_for_rotation(env: &TestEnv, n: usize) {
    assert!(
        wait_for(Duration::from_secs(30), || env.mock.refresh_count() >= n),
        "no refresh reached the mock"
    );
}

fn finish(child: Child) -> std::process::Output {
    let id = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(out) => out.expect("wait for pipedrive"),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-9", &id.to_string()])
                .status();
            panic!("pipedrive did not finish");
        }
    }
}

/// The stored refresh token is the one the server holds valid now, and the next run works.
fn assert_token_kept(env: &TestEnv) {
    let stored = env.stored_refresh_token("default", "default").unwrap();
    assert_eq!(Some(stored.clone()), env.mock.current_refresh_token());
    assert!(env.mock.is_refresh_token_valid(&stored));
    assert!(!env.is_invalidated("default", "default"));
    let out = env.run(&["export", "users"]);
    assert_code(&out, 0);
}

#[test]
fn a_signal_during_a_refresh_does_not_lose_the_rotated_token() {
    for (signal, code) in [("-TERM", 143), ("-INT", 130)] {
        let env = slow_refresh_env();
        let child = spawn(&env, &["export", "users"]);
        wait_for_rotation(&env, 1);
        let sent = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = finish(child);
        assert_code(&out, code);
        assert_token_kept(&env);
    }
}

/// A refresh whose save fails (a directory where the token file must go); returns the repaired
/// env (the store holds the old, spent token again) and the recovery file.
fn refresh_with_a_failing_store() -> (TestEnv, std::path::PathBuf) {
    let env = slow_refresh_env();
    let file = env.config_dir().join("tokens.json");
    let saved = std::fs::read(&file).unwrap();
    let child = spawn(&env, &["export", "users"]);
    wait_for_rotation(&env, 1);
    // The store breaks while the answer is on its way.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let out = finish(child);
    assert_code(&out, 7);
    let err = stderr(&out);
    let kept: Vec<String> = files_in(&env.config_dir())
        .into_iter()
        .filter(|n| n.starts_with("recovery-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}; stderr:\n{err}");
    assert!(err.contains(&kept[0]), "names the recovery file: {err}");
    let recovery = env.config_dir().join(&kept[0]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&recovery).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let secret = env.mock.current_refresh_token().unwrap();
    assert!(!err.contains(&secret), "no token on stderr");
    std::fs::remove_dir(&file).unwrap();
    std::fs::write(&file, saved).unwrap();
    (env, recovery)
}

#[test]
fn sigkill_while_the_store_write_is_retried_leaves_the_rotated_token_for_the_next_run() {
    let env = slow_refresh_env();
    let file = env.config_dir().join("tokens.json");
    let saved = std::fs::read(&file).unwrap();
    // Real backoffs (0.25 s, 0.5 s, 1 s at the least) keep the save retrying for seconds.
    let mut cmd = env.cmd(&["export", "users"]);
    cmd.env("PIPEDRIVE_TEST_TIME_SCALE", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn pipedrive");
    wait_for_rotation(&env, 1);
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let kept = || {
        files_in(&env.config_dir())
            .iter()
            .any(|n| n.starts_with("recovery-"))
    };
    assert!(wait_for(Duration::from_secs(30), kept), "no recovery file");
    // The token went to disk before the store write, not after it failed for good: the save
    // is still being retried.
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the recovery file appeared only when the save gave up"
    );
    child.kill().unwrap();
    let _ = child.wait();
    std::fs::remove_dir(&file).unwrap();
    std::fs::write(&file, saved).unwrap();
    let out = env.run(&["export", "users"]);
    assert_code(&out, 0);
    assert!(!kept(), "the recovery file is removed once stored");
    assert_token_kept(&env);
}

#[test]
fn a_successful_refresh_leaves_no_recovery_file() {
    let env = slow_refresh_env();
    let out = env.run(&["export", "users"]);
    assert_code(&out, 0);
    assert_eq!(env.mock.refresh_count(), 1);
    let left: Vec<String> = files_in(&env.config_dir())
        .into_iter()
        .filter(|n| n.contains("recovery"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_store_that_fails_after_the_refresh_leaves_a_recovery_file_the_next_run_stores() {
    let (env, recovery) = refresh_with_a_failing_store();
    let out = env.run(&["export", "users"]);
    assert_code(&out, 0);
    assert!(
        !recovery.exists(),
        "the recovery file is removed once stored"
    );
    assert_token_kept(&env);
}

#[test]
fn logout_revokes_the_token_kept_in_a_recovery_file() {
    let (env, recovery) = refresh_with_a_failing_store();
    let live = env.mock.current_refresh_token().unwrap();
    let out = env.run(&["logout"]);
    assert_code(&out, 0);
    assert!(
        !env.mock.is_refresh_token_valid(&live),
        "the live token is revoked"
    );
    assert!(!recovery.exists());
    assert!(env.record("default", "default").is_none());
}

#[test]
fn an_export_that_outlives_its_access_token_refreshes_once_on_a_401() {
    let env = TestEnv::with(Config {
        latency: Duration::from_millis(15),
        ..Config::default()
    });
    env.login();
    let child = spawn(&env, &["export", "persons", "--limit", "10"]);
    assert!(wait_for(Duration::from_secs(60), || env
        .api_requests()
        .len()
        >= 10));
    env.mock.expire_access_tokens();
    let out = finish(child);
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), Seed::default().persons);
    let refused = env
        .api_requests()
        .iter()
        .filter(|r| r.status == 401)
        .count();
    assert!(refused >= 1, "the access token did expire mid-export");
    assert_eq!(
        env.mock.refresh_count(),
        2,
        "one refresh at start, one after the 401"
    );
    assert!(!env.is_invalidated("default", "default"));
    assert_token_kept(&env);
}

#[test]
fn a_token_about_to_expire_is_refreshed_before_the_api_refuses_it() {
    let env = TestEnv::with(Config {
        latency: Duration::from_millis(40),
        faults: Faults {
            token_lifetime: Some(Duration::from_secs(3)),
            ..Faults::default()
        },
        ..Config::default()
    });
    env.login();
    // One request at a time: at least 53 x 40 ms, past the refresh point at half the 3 s life
    // (and 1.5 s of slack for a slow machine before the mock would refuse the token).
    let out = env.run(&["export", "persons", "--limit", "10", "--concurrency", "1"]);
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), Seed::default().persons);
    assert!(
        env.mock.refresh_count() >= 2,
        "refreshed before the token expired ({} refreshes)",
        env.mock.refresh_count()
    );
    let refused = env
        .api_requests()
        .iter()
        .filter(|r| r.status == 401)
        .count();
    assert_eq!(refused, 0, "no request went out with an expired token");
    assert!(!env.is_invalidated("default", "default"));
}

#[test]
fn a_recovery_file_cut_short_is_said_with_what_to_do_and_flags_nothing() {
    let (env, recovery) = refresh_with_a_failing_store();
    let whole = std::fs::read(&recovery).unwrap();
    std::fs::write(&recovery, &whole[..whole.len() / 2]).unwrap();
    let out = env.run(&["export", "users"]);
    assert_code(&out, 7);
    let err = stderr(&out);
    let name = recovery.file_name().unwrap().to_string_lossy().to_string();
    assert!(err.contains(&name), "names the file: {err}");
    assert!(err.contains("cut short"), "{err}");
    assert!(err.contains("pipedrive login"), "says what to do: {err}");
    assert!(!env.is_invalidated("default", "default"), "{err}");
    assert_eq!(
        env.mock.refresh_count(),
        1,
        "no refresh with the spent token"
    );
    // Moved away, as the message says: the spent stored token is refused as before.
    std::fs::rename(&recovery, env.path("kept.json")).unwrap();
    let out = env.run(&["export", "users"]);
    assert_code(&out, 4);
}

#[test]
fn a_new_login_revokes_the_token_an_earlier_run_kept_in_a_recovery_file() {
    let (env, recovery) = refresh_with_a_failing_store();
    let live = env.mock.current_refresh_token().unwrap();
    crate::login::real_login(&env, "default", "default");
    assert!(!recovery.exists(), "the outdated recovery file is removed");
    assert!(
        !env.mock.is_refresh_token_valid(&live),
        "its still valid token is revoked first"
    );
    let out = env.run(&["export", "users"]);
    assert_code(&out, 0);
}

#[test]
fn a_login_elsewhere_makes_the_next_run_revoke_the_outdated_recovery_file() {
    let (env, recovery) = refresh_with_a_failing_store();
    let live = env.mock.current_refresh_token().unwrap();
    // Another machine sharing the store logs in: this one's recovery file is outdated.
    env.login();
    let out = env.run(&["export", "users"]);
    assert_code(&out, 0);
    assert!(!recovery.exists(), "{}", stderr(&out));
    assert!(
        !env.mock.is_refresh_token_valid(&live),
        "its still valid token is revoked first"
    );
}

/// One token document in the shared MongoDB store, in a database of its own; returns the URI.
async fn token_in_mongo(env: &TestEnv) -> String {
    let base = crate::services::mongo_uri().expect("PIPEDRIVE_TEST_MONGO_URI");
    let db = crate::services::unique("spent").replace('-', "_");
    let uri = format!("{}/{db}", base.trim_end_matches('/'));
    let g = env.mock.issue_token();
    let client = mongodb::Client::with_uri_str(&uri).await.unwrap();
    client
        .database(&db)
        .collection::<mongodb::bson::Document>(pipedrive_cli::store::mongo::COLLECTION)
        .insert_one(mongodb::bson::doc! {
            "account_id": "default", "owner": "default",
            "token": { "access_token": g.access_token, "refresh_token": g.refresh_token,
                       "expires_in": g.expires_in as i64,
                       "generated_at": chrono::Utc::now().timestamp(),
                       "token_type": g.token_type, "scope": g.scope, "api_domain": g.api_domain },
            "token_invalidated": false,
        })
        .await
        .unwrap();
    client.shutdown().await;
    uri
}

/// `args` as one machine sharing the MongoDB store at `uri` runs them (its own config dir, so
/// its own refresh lock and recovery files).
fn on_machine(env: &TestEnv, machine: &str, uri: &str, args: &[&str]) -> std::process::Command {
    let mut cmd = env.cmd(args);
    cmd.env("PIPEDRIVE_STORE", "mongo")
        .env("PIPEDRIVE_MONGO_URI", uri)
        .env("PIPEDRIVE_CONFIG_DIR", env.path(machine))
        .env("PIPEDRIVE_MAX_WAIT", "2");
    cmd
}

/// Machine A spends the refresh token and dies before it can store the new one (killed while
/// the answer is on its way). Machine B's refresh of the same token is then refused: the
/// store still holds it, but A's claim explains the refusal, so B waits, exits 75 and flags
/// nothing; a refusal nobody explains still flags the account.
#[tokio::test]
async fn a_token_spent_by_a_machine_that_died_before_saving_is_a_wait_not_an_invalidation() {
    let env = slow_refresh_env();
    let uri = token_in_mongo(&env).await;
    let mut a = on_machine(&env, "machine-a", &uri, &["export", "users"]);
    let a = a
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_rotation(&env, 1);
    let _ = std::process::Command::new("kill")
        .args(["-KILL", &a.id().to_string()])
        .status();
    let _ = finish(a);

    let started = std::time::Instant::now();
    let out = run_with_timeout(
        on_machine(&env, "machine-b", &uri, &["export", "users"]),
        Duration::from_secs(60),
    );
    assert_code(&out, 75);
    let err = stderr(&out);
    assert!(err.contains("not flagged"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "waited {:?}",
        started.elapsed()
    );
    let status = run_with_timeout(
        on_machine(&env, "machine-b", &uri, &["status", "--json"]),
        Duration::from_secs(30),
    );
    assert!(
        stdout(&status).contains("\"token_invalidated\": false")
            || stdout(&status).contains("\"token_invalidated\":false"),
        "{}",
        stdout(&status)
    );

    // A token revoked at Pipedrive, claimed by nobody: flagged at once.
    let env = TestEnv::new();
    let uri = token_in_mongo(&env).await;
    env.mock.revoke_all_tokens();
    let out = run_with_timeout(
        on_machine(&env, "machine-b", &uri, &["export", "users"]),
        Duration::from_secs(60),
    );
    assert_code(&out, 4);
    assert!(stderr(&out).contains("invalidated"), "{}", stderr(&out));
}
