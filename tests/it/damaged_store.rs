//! Store entries that are not token records: never quoted in an error (they may hold a token),
//! replaced by `login`, deleted by `logout`.

use crate::services::{self, keyring_available};
use crate::support::*;

const SECRET: &str = "v1u:LEAKED-ACCESS-TOKEN-0123456789";

/// Entries of account `default`: `default` damaged in `shape`, `cron` a real token.
fn damaged_file_env(damaged: serde_json::Value) -> TestEnv {
    let env = TestEnv::new();
    env.login_as("default", "cron");
    let file = env.config_dir().join("tokens.json");
    let mut entries: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    entries.push(damaged);
    std::fs::write(&file, serde_json::to_vec(&entries).unwrap()).unwrap();
    env
}

fn assert_not_quoted(out: &std::process::Output) {
    let (o, e) = (stdout(out), stderr(out));
    assert!(!o.contains("LEAKED") && !e.contains("LEAKED"), "{o}\n{e}");
}

#[test]
fn a_damaged_file_entry_is_never_quoted_and_login_or_logout_replace_it() {
    let shapes = [
        serde_json::json!({"account_id": "default", "owner": "default", "token": SECRET}),
        serde_json::json!({"account_id": "default", "owner": "default",
                           "token": {"access_token": SECRET, "expires_in": "soon"}}),
        serde_json::json!({"account_id": "default", "owner": "default",
                           "token": {"access_token": SECRET, "refresh_token": 7}}),
    ];
    for shape in shapes {
        let env = damaged_file_env(shape.clone());
        for args in [&["export", "users"][..], &["status"][..]] {
            let out = env.run(args);
            assert_code(&out, 7);
            assert_not_quoted(&out);
            assert!(stderr(&out).contains("pipedrive login"), "{}", stderr(&out));
        }
        // logout deletes it; the other owner's token stays.
        let out = env.run(&["logout"]);
        assert_code(&out, 0);
        assert_not_quoted(&out);
        assert!(env.record("default", "default").is_none());
        assert!(env.record("default", "cron").is_some());
        let out = env.run(&["export", "users", "--owner", "cron"]);
        assert_code(&out, 0);

        // logout --all deletes it and revokes the readable one beside it.
        let env = damaged_file_env(shape.clone());
        let out = env.run(&["logout", "--all"]);
        assert_code(&out, 0);
        assert_not_quoted(&out);
        assert!(env.record("default", "default").is_none());
        assert!(env.record("default", "cron").is_none());

        // login overwrites it.
        let env = damaged_file_env(shape);
        crate::login::real_login(&env, "default", "default");
        let out = env.run(&["export", "users"]);
        assert_code(&out, 0);
        assert!(env.record("default", "cron").is_some());
    }
}

/// Writes `secret` as the raw keyring entry of (account, owner), as another tool might.
pub fn write_raw_keyring_entry(account: &str, owner: &str, secret: &[u8]) {
    let store: std::sync::Arc<keyring_core::CredentialStore> =
        zbus_secret_service_keyring_store::Store::new().expect("Secret Service");
    let entry = keyring_core::Entry::new_in_store(
        &store,
        pipedrive_cli::store::keyring::SERVICE,
        &format!("{account}/{owner}"),
    )
    .unwrap();
    entry.set_secret(secret).unwrap();
}

#[test]
fn a_damaged_keyring_entry_is_never_quoted_and_login_or_logout_replace_it() {
    if !keyring_available() {
        return;
    }
    let env = TestEnv::new();
    let keyring = |args: &[&str], account: &str| {
        let mut a = vec!["--store", "keyring", "--account", account];
        a.extend_from_slice(args);
        let mut cmd = env.cmd(&a);
        for var in ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"] {
            if let Some(v) = std::env::var_os(var) {
                cmd.env(var, v);
            }
        }
        run_with_timeout(cmd, std::time::Duration::from_secs(60))
    };
    for shape in [
        serde_json::json!(SECRET),
        serde_json::json!({"account_id": "x", "owner": "default", "token": SECRET}),
    ] {
        let account = services::unique("kr-damaged");
        let raw = serde_json::to_vec(&shape).unwrap();
        write_raw_keyring_entry(&account, "default", &raw);
        let out = keyring(&["status"], &account);
        assert_code(&out, 7);
        assert_not_quoted(&out);
        let out = keyring(&["logout"], &account);
        assert_code(&out, 0);
        assert_not_quoted(&out);
        let out = keyring(&["status"], &account);
        assert_code(&out, 4);
    }
}
