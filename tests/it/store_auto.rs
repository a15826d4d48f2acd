//! `--store auto` outside `login`: the store that already holds the token wins over the usual
//! order, and a locked keyring counts as unreachable.

use crate::services::{in_private_keyring, private_keyring_available};
use crate::support::*;

#[test]
fn a_token_in_the_file_stays_in_use_when_a_keyring_is_reachable() {
    if !private_keyring_available() {
        return;
    }
    let env = TestEnv::new();
    env.login();
    for locked in [false, true] {
        let cmd = in_private_keyring(&env.cmd(&["export", "users"]), env.dir.path(), locked);
        let out = run_with_timeout(cmd, std::time::Duration::from_secs(60));
        assert_code(&out, 0);
        assert_eq!(jsonl_ids(&stdout(&out)).len() as u64, Seed::default().users);
        let cmd = in_private_keyring(&env.cmd(&["status", "--json"]), env.dir.path(), locked);
        let out = run_with_timeout(cmd, std::time::Duration::from_secs(60));
        assert_code(&out, 0);
        let status: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
        assert_eq!(status["store"], "file", "{status}");
    }
}
