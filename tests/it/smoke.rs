//! The first thing a user does: log in, look at status, export deals.

use crate::support::*;

#[test]
fn export_deals_after_login_writes_every_deal_once() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&["export", "deals"]);
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), 1203);
}
