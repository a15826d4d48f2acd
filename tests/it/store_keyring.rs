//! The keyring store against a real Secret Service (gnome-keyring on a private D-Bus session that
//! `scripts/test.sh` starts), and against no Secret Service or one that never answers.

use std::time::{Duration, Instant};

use pipedrive_cli::store::keyring::KeyringStore;
use pipedrive_cli::token::Token;

use crate::services::{self, keyring_available};

fn token(refresh: &str) -> Token {
    serde_json::from_value(serde_json::json!({
        "access_token": format!("access-{refresh}"), "refresh_token": refresh,
        "expires_in": 3599, "generated_at": 1_700_000_000i64, "token_type": "Bearer",
        "scope": "deals:read", "api_domain": "https://acme.pipedrive.com", "company_id": 42
    }))
    .unwrap()
}

fn open(dir: &tempfile::TempDir) -> KeyringStore {
    KeyringStore::open(&services::settings("keyring", dir.path())).unwrap()
}

/// Child side: prints the stored refresh token of IT_ACCOUNT/IT_OWNER, or `none`.
#[tokio::test]
#[ignore = "the second process of a_token_saved_here_is_read_by_another_process_then_deleted: run by it, never on its own"]
async fn child_keyring_load() {
    services::assert_child();
    let dir = tempfile::tempdir().unwrap();
    let account = std::env::var("IT_ACCOUNT").unwrap();
    let owner = std::env::var("IT_OWNER").unwrap();
    let found = open(&dir).load(&account, &owner).await.unwrap();
    let shown = found.map_or("none".to_string(), |r| {
        r.token.refresh_token.expose().to_string()
    });
    println!("RESULT: {shown}");
}

fn load_in_another_process(account: &str, owner: &str) -> String {
    let out = services::run_child(
        "store_keyring::child_keyring_load",
        &[("IT_ACCOUNT", account), ("IT_OWNER", owner)],
    );
    services::child_result(&out)
}

#[tokio::test]
async fn a_token_saved_here_is_read_by_another_process_then_deleted() {
    if !keyring_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let account = services::unique("kr-cross");
    store
        .save_login(&account, "ann", &token("r1"))
        .await
        .unwrap();
    assert_eq!(load_in_another_process(&account, "ann"), "r1");
    let rec = store.load(&account, "ann").await.unwrap().unwrap();
    assert_eq!(rec.token.extra["company_id"], 42);
    assert!(store.delete(&account, "ann").await.unwrap());
    assert!(!store.delete(&account, "ann").await.unwrap());
    assert_eq!(load_in_another_process(&account, "ann"), "none");
    assert!(store.load_account(&account).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_account_index_covers_every_owner_and_names_stay_apart() {
    if !keyring_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = open(&dir);
    let account = services::unique("kr-index");
    let other = format!("{account}/x");
    // Owners with the separator and the escape character in them stay distinct.
    for owner in ["ann", "x/y%z", "x%2Fy%25z"] {
        store
            .save_login(&account, owner, &token(owner))
            .await
            .unwrap();
    }
    store.save_login(&other, "ann", &token("o")).await.unwrap();
    let mut owners: Vec<String> = store
        .load_account(&account)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.owner)
        .collect();
    owners.sort();
    assert_eq!(owners, ["ann", "x%2Fy%25z", "x/y%z"]);
    let rec = store.load(&account, "x/y%z").await.unwrap().unwrap();
    assert_eq!(rec.token.refresh_token.expose(), "x/y%z");

    assert_eq!(store.invalidate_account(&account).await.unwrap(), 3);
    assert!(
        store
            .load(&account, "ann")
            .await
            .unwrap()
            .unwrap()
            .token_invalidated
    );
    assert!(
        !store
            .load(&other, "ann")
            .await
            .unwrap()
            .unwrap()
            .token_invalidated
    );
    store
        .save_login(&account, "ann", &token("fresh"))
        .await
        .unwrap();
    assert!(
        !store
            .load(&account, "ann")
            .await
            .unwrap()
            .unwrap()
            .token_invalidated
    );

    // Compare-and-swap: a stale refresh token loses, the current one wins.
    assert!(!store
        .replace_token(&account, "ann", "stale", &token("n1"))
        .await
        .unwrap());
    assert!(store
        .replace_token(&account, "ann", "fresh", &token("n1"))
        .await
        .unwrap());
    assert!(!store
        .replace_token(&account, "nobody", "fresh", &token("n2"))
        .await
        .unwrap());
    assert_eq!(
        store
            .load(&account, "ann")
            .await
            .unwrap()
            .unwrap()
            .token
            .refresh_token
            .expose(),
        "n1"
    );

    // A damaged entry is listed as such (what `logout --all` reads to delete it), where
    // load_account refuses the whole account.
    crate::damaged_store::write_raw_keyring_entry(&account, "ann", b"not a token record");
    let entries = store.inspect_account(&account).await.unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries
        .iter()
        .any(|(o, e)| o == "ann" && matches!(e, pipedrive_cli::store::Entry::Damaged(_))));
    assert!(store.load_account(&account).await.is_err());

    for owner in ["ann", "x/y%z", "x%2Fy%25z"] {
        assert!(store.delete(&account, owner).await.unwrap());
    }
    assert!(store.delete(&other, "ann").await.unwrap());
    assert!(store.load_account(&account).await.unwrap().is_empty());
}

/// Child side: with the session bus pointed at IT_BUS, probe says None quickly and a load is an
/// exit-7 error within the call timeout, naming the keyring and what to try.
#[tokio::test]
#[ignore = "the second process of the two tests below: run by them, never on its own"]
async fn child_keyring_unreachable() {
    services::assert_child();
    let dir = tempfile::tempdir().unwrap();
    let settings = services::settings("keyring", dir.path());
    let started = Instant::now();
    assert!(KeyringStore::probe(&settings).await.is_none());
    let probe = started.elapsed();
    assert!(probe < Duration::from_millis(2500), "probe took {probe:?}");
    let started = Instant::now();
    let store = KeyringStore::open(&settings).unwrap();
    let err = store
        .load("acme", "web")
        .await
        .expect_err("no keyring there");
    let load = started.elapsed();
    assert!(load < Duration::from_secs(12), "load took {load:?}");
    assert_eq!(err.exit_code(), 7);
    let msg = err.to_string();
    assert!(
        msg.contains("keyring") && msg.contains("--store file"),
        "{msg}"
    );
    println!("RESULT: probe {probe:?}, load {load:?}: {msg}");
}

#[test]
fn without_a_secret_service_the_keyring_is_a_quick_store_error() {
    // Needs no keyring: the child's session bus address points at nothing.
    let out = services::run_child(
        "store_keyring::child_keyring_unreachable",
        &[
            (
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/pipedrive-test-bus",
            ),
            ("XDG_RUNTIME_DIR", "/nonexistent"),
        ],
    );
    eprintln!("{}", services::child_result(&out));
}

#[cfg(unix)]
#[test]
fn a_secret_service_that_never_answers_times_out_instead_of_hanging() {
    // A socket that accepts connections and never says a word, as a wedged bus would.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bus");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming() {
            held.push(conn);
        }
    });
    let address = format!("unix:path={}", path.display());
    let out = services::run_child(
        "store_keyring::child_keyring_unreachable",
        &[("DBUS_SESSION_BUS_ADDRESS", address.as_str())],
    );
    let result = services::child_result(&out);
    assert!(result.contains("no answer"), "{result}");
    eprintln!("{result}");
}
