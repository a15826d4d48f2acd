//! Where `--output` and `--state` write: symlinks followed, FIFOs and devices written in place,
//! clashing or unwritable paths refused before any request, stale partials cleaned up, and the
//! CSV cells a spreadsheet or a dotted key would otherwise spoil.

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use crate::support::*;

fn small() -> TestEnv {
    TestEnv::with(Config {
        seed: Seed {
            deals: 30,
            ..Seed::default()
        },
        ..Config::default()
    })
}

fn partials(dir: &Path) -> Vec<String> {
    files_in(dir)
        .into_iter()
        .filter(|f| f.ends_with(".partial"))
        .collect()
}

/// The same environment as `env.cmd`, but run by bash (for `>(cmd)` and descriptors).
fn bash(env: &TestEnv, script: &str) -> Command {
    let inner = env.cmd(&[]);
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(script)
        .arg(BIN)
        .env_clear()
        .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(env.dir.path())
        .stdin(Stdio::null());
    cmd
}

#[test]
fn output_through_a_symlink_replaces_the_target_and_keeps_the_link() {
    let env = small();
    env.login();
    std::fs::create_dir(env.path("data")).unwrap();
    std::fs::write(env.path("data/deals.jsonl"), "old\n").unwrap();
    std::os::unix::fs::symlink("data/deals.jsonl", env.path("latest.jsonl")).unwrap();
    let out = env.run(&["export", "deals", "--quiet", "-o", "latest.jsonl"]);
    assert_code(&out, 0);
    let link = std::fs::symlink_metadata(env.path("latest.jsonl")).unwrap();
    assert!(link.file_type().is_symlink(), "the link is still a link");
    let text = std::fs::read_to_string(env.path("data/deals.jsonl")).unwrap();
    assert_each_once(&jsonl_ids(&text), 30);
    assert!(partials(&env.path("data")).is_empty());
    assert!(partials(env.dir.path()).is_empty());

    // A dangling link creates its target.
    std::os::unix::fs::symlink("data/new.csv", env.path("new.csv")).unwrap();
    let out = env.run(&[
        "export", "deals", "--quiet", "--format", "csv", "-o", "new.csv",
    ]);
    assert_code(&out, 0);
    assert!(std::fs::symlink_metadata(env.path("new.csv"))
        .unwrap()
        .file_type()
        .is_symlink());
    let csv = std::fs::read_to_string(env.path("data/new.csv")).unwrap();
    assert_each_once(&csv_ids(&csv), 30);
}

#[test]
fn output_onto_a_fifo_writes_into_it_and_leaves_the_fifo() {
    let env = small();
    env.login();
    let fifo = env.path("pipe");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let fifo = fifo.clone();
        std::thread::spawn(move || tx.send(std::fs::read_to_string(fifo).unwrap()));
    }
    let out = env.run(&["export", "deals", "--quiet", "-o", fifo.to_str().unwrap()]);
    assert_code(&out, 0);
    // A run that replaced the FIFO never opened it: the reader would wait forever.
    let text = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the records came through the FIFO");
    assert_each_once(&jsonl_ids(&text), 30);
    let meta = std::fs::symlink_metadata(&fifo).unwrap();
    assert!(meta.file_type().is_fifo(), "still a FIFO");
    assert!(partials(env.dir.path()).is_empty());
}

#[test]
fn a_signal_ends_an_export_waiting_for_a_fifo_reader() {
    let env = small();
    env.login();
    let fifo = env.path("pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for (signal, code) in [(libc::SIGTERM, 143), (libc::SIGINT, 130)] {
        let mut child = env
            .cmd(&["export", "deals", "--quiet", "-o", fifo.to_str().unwrap()])
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Nobody reads the FIFO: the export waits in its open, past the signal handlers' setup.
        std::thread::sleep(Duration::from_millis(700));
        // SAFETY: a signal to the child this test started.
        unsafe { libc::kill(child.id() as i32, signal) };
        let ended = wait_for(Duration::from_secs(10), || {
            child.try_wait().unwrap().is_some()
        });
        if !ended {
            let _ = child.kill();
        }
        assert!(ended, "signal {signal} did not end the export");
        assert_eq!(child.wait().unwrap().code(), Some(code));
    }
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(
        env.api_requests().is_empty(),
        "no request without an output"
    );
}

#[test]
fn output_onto_dev_null_leaves_the_device() {
    let env = small();
    env.login();
    let before = std::fs::metadata("/dev/null").unwrap();
    let out = env.run(&["export", "deals", "--quiet", "-o", "/dev/null"]);
    assert_code(&out, 0);
    let after = std::fs::metadata("/dev/null").unwrap();
    assert!(
        after.file_type().is_char_device(),
        "/dev/null is still a device"
    );
    assert_eq!((before.ino(), before.rdev()), (after.ino(), after.rdev()));
}

#[test]
fn output_to_dev_stdout_and_to_a_process_substitution_is_written_directly() {
    let env = small();
    env.login();
    let out = env.run(&["export", "deals", "--quiet", "-o", "/dev/stdout"]);
    assert_code(&out, 0);
    assert_each_once(&jsonl_ids(&stdout(&out)), 30);

    // `-o >(cmd)` hands over /dev/fd/N, a pipe to cmd.
    let out = run_with_timeout(
        bash(
            &env,
            "\"$0\" export deals --quiet --format csv -o >(cat > sub.csv) && wait $!",
        ),
        Duration::from_secs(120),
    );
    assert_code(&out, 0);
    let path = env.path("sub.csv");
    let done = wait_for(Duration::from_secs(10), || {
        std::fs::read_to_string(&path).is_ok_and(|t| t.lines().count() > 30)
    });
    assert!(done, "cat received the CSV");
    assert_each_once(&csv_ids(&std::fs::read_to_string(&path).unwrap()), 30);

    // A descriptor the shell opened on a file (`3>>`) is added to, never replaced or truncated.
    std::fs::write(env.path("log.jsonl"), "").unwrap();
    let out = run_with_timeout(
        bash(
            &env,
            "\"$0\" export deals --quiet --max 5 -o /dev/fd/3 3>>log.jsonl && \
             \"$0\" export deals --quiet --max 5 -o /dev/fd/3 3>>log.jsonl",
        ),
        Duration::from_secs(120),
    );
    assert_code(&out, 0);
    let text = std::fs::read_to_string(env.path("log.jsonl")).unwrap();
    assert_eq!(jsonl_ids(&text), [1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
}

#[test]
fn state_and_output_naming_the_same_file_is_a_usage_error_before_any_request() {
    let env = small();
    env.login();
    std::fs::write(env.path("f"), "keep").unwrap();
    std::os::unix::fs::symlink("f", env.path("link")).unwrap();
    for (state, output) in [
        ("f", "f"),
        ("./f", "f"),
        ("link", "f"),
        ("f", "link"),
        ("new", "./new"),
    ] {
        let out = env.run(&["export", "deals", "--state", state, "-o", output]);
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains("same file"),
            "{state} {output}: {}",
            stderr(&out)
        );
    }
    // `export all` writes manifest.json and <type>.<ext> into its directory.
    for state in [
        "out/manifest.json",
        "out/deals.jsonl",
        "./out/../out/users.jsonl",
    ] {
        let out = env.run(&["export", "all", "--output-dir", "out", "--state", state]);
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains("same file"),
            "{state}: {}",
            stderr(&out)
        );
    }
    assert!(env.api_requests().is_empty(), "no request was made");
    assert_eq!(std::fs::read_to_string(env.path("f")).unwrap(), "keep");
    assert!(!env.path("new").exists());
}

#[test]
fn a_state_file_that_cannot_be_saved_fails_before_the_output_is_committed() {
    let env = small();
    env.login();
    std::fs::write(env.path("out.jsonl"), "old\n").unwrap();
    let out = env.run(&[
        "export",
        "deals",
        "-o",
        "out.jsonl",
        "--state",
        "missing_dir/state.json",
    ]);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("missing_dir"), "{}", stderr(&out));
    assert!(env.api_requests().is_empty(), "no request was made");
    assert_eq!(
        std::fs::read_to_string(env.path("out.jsonl")).unwrap(),
        "old\n"
    );
    assert!(partials(env.dir.path()).is_empty());
}

#[test]
fn a_later_run_removes_the_partial_a_killed_run_left_but_no_other() {
    let env = small();
    env.login();
    // The first run hangs in its token refresh, its partial file already open: its OAuth server
    // accepts the connection and never answers (the real mock never sees that refresh).
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut child = env
        .cmd(&["export", "deals", "--quiet", "-o", "out.jsonl"])
        .env(
            "PIPEDRIVE_OAUTH_URL",
            format!("http://{}", silent.local_addr().unwrap()),
        )
        .env("PIPEDRIVE_TEST_TIME_SCALE", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let appeared = wait_for(Duration::from_secs(30), || {
        !partials(env.dir.path()).is_empty()
    });
    assert!(appeared, "the first run opened its partial file");
    child.kill().unwrap(); // SIGKILL: nothing can clean up
    child.wait().unwrap();
    let left = partials(env.dir.path());
    assert_eq!(left.len(), 1, "{left:?}");
    // Left long ago (a partial written within the last minutes could be a live run's).
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    let set_old = |name: &str| {
        std::fs::File::options()
            .write(true)
            .open(env.path(name))
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
    };
    set_old(&left[0]);
    // Another output's partial, and this output's partial of a live writer (this test), stay.
    let others = [
        ".out.jsonl.bak.4000000.aaaaaa.partial".to_string(),
        format!(".out.jsonl.{}.bbbbbb.partial", std::process::id()),
    ];
    for name in &others {
        std::fs::write(env.path(name), "").unwrap();
        set_old(name);
    }

    let out = env.run(&["export", "deals", "--quiet", "-o", "out.jsonl"]);
    assert_code(&out, 0);
    let text = std::fs::read_to_string(env.path("out.jsonl")).unwrap();
    assert_each_once(&jsonl_ids(&text), 30);
    let mut want = others.to_vec();
    want.sort();
    assert_eq!(partials(env.dir.path()), want);
}

#[test]
fn csv_gives_a_dotted_field_name_and_a_nested_key_their_own_columns() {
    let env = small();
    env.login();
    // The mock's deals have a monetary field "Contract value" ({value, currency}) and a text
    // field named "Contract value.currency".
    let out = env.run(&["export", "deals", "--quiet", "--field-names"]);
    assert_code(&out, 0);
    let records: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let out = env.run(&["export", "deals", "--quiet", "--format", "csv"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let mut seen = std::collections::HashSet::new();
    for h in &header {
        assert!(seen.insert(h), "column {h} twice");
    }
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    let (id, nested, dotted) = (
        col("id"),
        col("custom_fields.Contract value.currency"),
        col("custom_fields.\"Contract value.currency\""),
    );
    let mut both = 0;
    for row in rdr.records() {
        let row = row.unwrap();
        let rec = records
            .iter()
            .find(|r| r["id"].as_u64() == row[id].parse().ok())
            .unwrap();
        let cf = &rec["custom_fields"];
        let want_nested = cf["Contract value"]["currency"].as_str().unwrap_or("");
        let want_dotted = cf["Contract value.currency"].as_str().unwrap_or("");
        assert_eq!(&row[nested], want_nested);
        assert_eq!(&row[dotted], want_dotted);
        both += usize::from(!want_nested.is_empty() && !want_dotted.is_empty());
    }
    assert!(both > 0, "some deal has both values");
}

#[test]
fn excel_writes_a_bom_and_no_formula_and_needs_csv() {
    let env = small();
    env.login();
    // Users have phones (`+1 555 0101`) and time zone offsets (`+01:00`).
    let out = env.run(&["export", "users", "--quiet", "--format", "csv", "--excel"]);
    assert_code(&out, 0);
    let bytes = out.stdout.clone();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "a byte-order mark first"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut defused = 0;
    for row in rdr.records() {
        for cell in row.unwrap().iter() {
            let risky = cell.starts_with(['=', '+', '@', '\t', '\r'])
                || (cell.starts_with('-') && cell.parse::<f64>().is_err());
            assert!(!risky, "a spreadsheet would run {cell:?}");
            defused += usize::from(cell.starts_with("'+"));
        }
    }
    assert!(defused > 0, "the phone numbers were prefixed");
    // Without --excel the same cells stay as the API sent them.
    let out = env.run(&["export", "users", "--quiet", "--format", "csv"]);
    assert!(stdout(&out).starts_with("id,") && stdout(&out).contains(",+1 555 01"));

    let out = env.run(&["export", "users", "--excel"]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("--format csv"), "{}", stderr(&out));
}
