//! `export all` keeps its directory a set under SIGKILL and on a full disk: at every instant
//! `manifest.json` describes exactly the files beside it, a failure changes nothing, and the next
//! run leaves no partial behind.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::services;
use crate::support::*;

fn seed() -> Seed {
    Seed {
        deals: 120,
        persons: 30,
        organizations: 20,
        notes: 40,
        activities: 30,
        products: 12,
        archived_deals: 5,
        deleted_deals: 2,
        leads: 30,
        archived_leads: 4,
        files: 20,
        call_logs: 10,
        tasks: 10,
        projects: 5,
        ..Seed::default()
    }
}

fn env() -> TestEnv {
    // Refresh tokens are not rotated: a kill in the middle of a refresh is another subject
    // (token_safety), and here only the directory matters.
    let env = TestEnv::with(Config {
        seed: seed(),
        rotate_refresh_tokens: false,
        ..Config::default()
    });
    env.login();
    env
}

/// The manifest describes exactly the data files of `dir`, with their line counts; returns them.
/// No partial (hidden) file is there.
fn assert_is_a_set(dir: &Path) -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(dir.join("manifest.json")).expect("a manifest");
    let m: serde_json::Value = serde_json::from_str(&text).expect("a whole manifest");
    let mut described = BTreeMap::new();
    for entry in m["files"].as_array().unwrap() {
        let file = entry["file"].as_str().unwrap().to_string();
        let data = std::fs::read_to_string(dir.join(&file))
            .unwrap_or_else(|e| panic!("{file} is described but unreadable: {e}"));
        let n = data.lines().count() as u64;
        assert_eq!(entry["records"], n, "{file}: the manifest's count");
        described.insert(file, n);
    }
    let on_disk: Vec<String> = files_in(dir)
        .into_iter()
        .filter(|f| f.ends_with(".jsonl") || f.ends_with(".csv") || f.starts_with('.'))
        .collect();
    assert_eq!(
        on_disk,
        described.keys().cloned().collect::<Vec<_>>(),
        "the manifest describes exactly the files beside it, and no partial is there"
    );
    described
}

/// Hidden entries (stages, partials) beside the output directory.
fn stages_beside(env: &TestEnv) -> Vec<String> {
    files_in(env.dir.path())
        .into_iter()
        .filter(|f| f.starts_with(".out"))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

const ALL: &[&str] = &["export", "all", "--quiet", "--output-dir", "out"];
const TWO: &[&str] = &[
    "export",
    "all",
    "--quiet",
    "--output-dir",
    "out",
    "--types",
    "deals,users",
];

#[test]
fn export_all_killed_at_every_step_of_its_commit_leaves_a_set() {
    let env = env();
    let out = env.path("out");
    assert_code(&env.run(ALL), 0);
    // Things of the user's beside the export: kept through every commit.
    std::fs::write(out.join("README.txt"), "mine\n").unwrap();
    std::fs::create_dir(out.join("mine")).unwrap();
    std::fs::write(out.join("mine/x"), "x").unwrap();
    let old = assert_is_a_set(&out);
    let saved = env.path("saved");
    copy_dir(&out, &saved);
    env.mock.add_records("deals", 7);
    let new_deals = old["deals.jsonl"] + 7;

    let (mut saw_old, mut saw_new) = (false, false);
    let mut step = 1;
    loop {
        copy_dir(&saved, &out);
        let mut cmd = env.cmd(TWO);
        cmd.env("PIPEDRIVE_TEST_KILL_AT", step.to_string());
        let run = run_with_timeout(cmd, Duration::from_secs(120));
        if run.status.success() {
            break;
        }
        assert_eq!(
            run.status.signal(),
            Some(9),
            "step {step}: {}",
            stderr(&run)
        );
        let files = assert_is_a_set(&out);
        assert_eq!(files.len(), old.len(), "step {step}: {files:?}");
        match files["deals.jsonl"] {
            n if n == old["deals.jsonl"] => saw_old = true,
            n if n == new_deals => saw_new = true,
            n => panic!("step {step}: {n} deals"),
        }
        assert_eq!(
            std::fs::read_to_string(out.join("README.txt")).unwrap(),
            "mine\n"
        );
        // The next run finishes the job and clears what the killed one left.
        assert_code(&env.run(TWO), 0);
        assert_eq!(assert_is_a_set(&out)["deals.jsonl"], new_deals);
        assert_eq!(stages_beside(&env), Vec::<String>::new(), "step {step}");
        assert_eq!(std::fs::read_to_string(out.join("mine/x")).unwrap(), "x");
        step += 1;
        assert!(step < 200, "the commit never finished");
    }
    assert!(saw_old && saw_new, "kills before and after the swap");
    assert!(step > 5, "only {} steps", step - 1);
    assert_eq!(assert_is_a_set(&out)["deals.jsonl"], new_deals);
    assert_eq!(stages_beside(&env), Vec::<String>::new());
}

/// A small generator (no test-only dependency for randomness); the seed is printed on failure.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn a_hundred_random_kills_of_export_all_always_leave_a_set() {
    let env = env();
    let out = env.path("out");
    let started = Instant::now();
    assert_code(&env.run(ALL), 0);
    let whole = started.elapsed();
    let first = assert_is_a_set(&out);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = seed;
    let mut counts = std::collections::BTreeSet::new();
    for i in 0..100 {
        env.mock.add_records("deals", 1);
        // Anywhere in a run, its commit included (a run takes about as long as the first).
        let at = whole.mul_f64((next(&mut rng) % 1300) as f64 / 1000.0);
        let mut child = env
            .cmd(ALL)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        let _ = child.kill();
        let status = child.wait().unwrap();
        let files = assert_is_a_set(&out);
        assert_eq!(
            files.len(),
            first.len(),
            "kill {i} after {at:?} (seed {seed}), {status:?}"
        );
        counts.insert(files["deals.jsonl"]);
    }
    assert_code(&env.run(ALL), 0);
    let last = assert_is_a_set(&out);
    assert_eq!(last["deals.jsonl"], first["deals.jsonl"] + 100);
    assert_eq!(
        stages_beside(&env),
        Vec::<String>::new(),
        "the next run removes what killed runs left"
    );
    eprintln!(
        "100 kills (seed {seed}, a run {whole:?}): {} distinct deal counts committed",
        counts.len()
    );
}

#[test]
fn a_full_disk_at_any_step_changes_nothing_and_leaves_no_partial() {
    let root = tempfile::tempdir().unwrap();
    let mount = services::tmpfs(root.path(), 4 << 20);
    let env = env();
    let dir = mount.path().join("out");
    let dir_s = dir.to_str().unwrap();
    let args = ["export", "all", "--quiet", "--output-dir", dir_s];
    assert_code(&env.run(&args), 0);
    let snapshot = |d: &Path| -> BTreeMap<String, Vec<u8>> {
        files_in(d)
            .into_iter()
            .map(|f| (f.clone(), std::fs::read(d.join(&f)).unwrap()))
            .collect()
    };
    let set_bytes: u64 = snapshot(&dir).values().map(|v| v.len() as u64).sum();
    env.mock.add_records("deals", 3);
    let filler = mount.path().join("filler");
    let mut at_manifest = false;
    // One run with `free` bytes left: it succeeds, or fails saying so and changes nothing.
    let mut attempt = |free: u64| -> bool {
        let before = snapshot(&dir);
        let _ = std::fs::remove_file(&filler);
        mount.fill(&filler, free);
        let run = env.run(&args);
        let ok = run.status.success();
        if ok {
            assert_is_a_set(&dir);
        } else {
            assert_code(&run, 1);
            let err = stderr(&run);
            assert!(err.contains("No space left"), "{err}");
            at_manifest |= err.contains("manifest.json");
            assert_eq!(
                snapshot(&dir),
                before,
                "{free} bytes free: nothing replaced"
            );
        }
        let left: Vec<String> = files_in(mount.path())
            .into_iter()
            .filter(|f| f != "out" && f != "filler")
            .collect();
        assert_eq!(
            left,
            Vec::<String>::new(),
            "{free} bytes free: no stage left"
        );
        ok
    };
    // Coarse steps up to the first success, then page by page below it, so one run runs out
    // at each step of the commit, the manifest's included.
    const COARSE: u64 = 64 << 10;
    let mut free = 0;
    while !attempt(free) {
        free += COARSE;
        assert!(free < set_bytes * 2 + (1 << 20), "never succeeded");
    }
    env.mock.add_records("deals", 3);
    for fine in (free.saturating_sub(COARSE)..=free).step_by(4096) {
        attempt(fine);
    }
    assert!(
        at_manifest,
        "one of the runs ran out of space at the manifest"
    );
}
