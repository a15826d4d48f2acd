//! The first thing a user does: log in, look at status, export deals.

use crate::support::*;

#[test]
fn export_deals_after_login_writes_every_deal_once() {
    let env = TestEnv::new();
    env.login();
    // The calls a user's first export makes; `verify` fails the test if one never came.
    env.mock.expect("POST", "/oauth/token");
    env.mock.expect("GET", "/api/v2/deals");
    let out = env.run(&["export", "deals"]);
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), 1203);
    env.mock.verify();
}
