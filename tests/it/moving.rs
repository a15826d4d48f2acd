//! Records that move while an export reads them: deals archived, restored or deleted between
//! two pages of a list. Every record is written exactly once.

use pipedrive_mock::Change;

use crate::support::*;

fn each_once(text: &str) -> Vec<u64> {
    let mut ids = jsonl_ids(text);
    ids.sort_unstable();
    let twice: Vec<u64> = ids
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    assert!(twice.is_empty(), "written twice: {twice:?}");
    ids
}

#[test]
fn deals_archived_or_restored_mid_run_are_written_once() {
    let env = TestEnv::new();
    env.login();
    // Deal 50 is archived once the first page of open deals is read (so it was read there
    // and sits on the archived list too); archived deal 1220 is restored once the first page
    // of archived deals is read (after the open deals were read: it is on neither list).
    env.mock
        .change_after("/api/v2/deals", 1, Change::Archive(vec![50]));
    env.mock
        .change_after("/api/v2/deals/archived", 1, Change::Unarchive(vec![1220]));
    let out = env.run(&[
        "export",
        "deals",
        "--include-archived",
        "--concurrency",
        "1",
        "--limit",
        "10",
    ]);
    assert_code(&out, 0);
    let seed = Seed::default();
    assert_eq!(
        each_once(&stdout(&out)),
        (1..=seed.deals + seed.archived_deals).collect::<Vec<_>>()
    );
    let restored = json_lines(&stdout(&out))
        .into_iter()
        .find(|d| d["id"] == 1220)
        .unwrap();
    assert_eq!(restored["is_archived"], false, "its newest version");
}

#[test]
fn a_deal_deleted_mid_run_with_state_is_written_once() {
    let env = TestEnv::new();
    env.login();
    env.mock
        .change_after("/api/v2/deals", 1, Change::DeleteDeals(vec![50]));
    let state = env.path("state.json");
    let out = env.run(&[
        "export",
        "deals",
        "--include-deleted",
        "--state",
        state.to_str().unwrap(),
        "--concurrency",
        "1",
        "--limit",
        "100",
    ]);
    assert_code(&out, 0);
    let seed = Seed::default();
    let all = seed.deals + seed.archived_deals + seed.deleted_deals;
    // Archived deals are not asked for; the seeded deleted ones follow them.
    let want: Vec<u64> = (1..=seed.deals)
        .chain(seed.deals + seed.archived_deals + 1..=all)
        .collect();
    assert_eq!(each_once(&stdout(&out)), want);
}

/// 3,000 notes in offset pages of 500; the 20 oldest are deleted once the second page is read,
/// so every later note moves up 20 places. At any concurrency each live note is written once.
#[test]
fn notes_deleted_ahead_of_offset_pages_shift_nothing_out_or_in() {
    for concurrency in ["1", "4", "16"] {
        let env = TestEnv::with(Config {
            seed: Seed {
                notes: 3_000,
                ..Seed::default()
            },
            ..Config::default()
        });
        env.login();
        env.mock
            .change_after("/api/v1/notes", 2, Change::DeleteNotes((1..=20).collect()));
        let out = env.run(&["export", "notes", "--concurrency", concurrency]);
        assert_code(&out, 0);
        let ids = each_once(&stdout(&out));
        let live: Vec<u64> = ids.iter().copied().filter(|&id| id > 20).collect();
        assert_eq!(
            live,
            (21..=3_000).collect::<Vec<_>>(),
            "--concurrency {concurrency}"
        );
    }
}
