//! Account and owner names of any length and script: where a name becomes a file name (the
//! refresh lock), it is shortened safely and stays distinct.

use crate::support::*;

/// 29 Japanese characters (87 bytes of UTF-8), as a company might name its account.
const LONG_JP: &str = "株式会社パイプドライブ日本支社営業本部東日本第一営業部第二";

#[test]
fn a_long_japanese_account_that_can_log_in_can_export() {
    let env = TestEnv::new();
    assert_eq!(LONG_JP.chars().count(), 29);
    let owner = format!("{LONG_JP}／夜間バッチ");
    env.login_as(LONG_JP, &owner);
    let out = env.run(&["export", "users", "--account", LONG_JP, "--owner", &owner]);
    assert_code(&out, 0);
    assert_eq!(jsonl_ids(&stdout(&out)).len() as u64, Seed::default().users);
    // A near twin (same first characters) gets its own lock file, not the first one's.
    let twin = format!("{LONG_JP}2");
    env.login_as(&twin, &owner);
    let out = env.run(&["export", "users", "--account", &twin, "--owner", &owner]);
    assert_code(&out, 0);
    let locks: Vec<String> = files_in(&env.config_dir().join("locks"))
        .into_iter()
        .filter(|n| n.starts_with("refresh-"))
        .collect();
    assert_eq!(locks.len(), 2, "{locks:?}");
    assert!(locks.iter().all(|n| n.len() < 128), "{locks:?}");
}
