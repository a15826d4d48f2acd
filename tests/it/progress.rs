//! The progress display: drawn on a terminal (tested under a pseudo-terminal made by util-linux
//! `script`); a pipe gets the one summary line and `--quiet` nothing at all, as for cron.

use std::process::Command;
use std::time::Duration;

use crate::support::*;

/// Runs the binary with stdin, stdout and stderr on a pseudo-terminal; returns what the terminal
/// showed (stdout and stderr together) and the exit code.
fn on_terminal(env: &TestEnv, args: &[&str], extra_env: &[(&str, &str)]) -> (i32, String) {
    let mut line = vec![BIN.to_string()];
    line.extend(args.iter().map(|a| format!("'{a}'")));
    // The test environment of `env.cmd`, handed to `script` and through it to the binary.
    let cmd = env.cmd(&[]);
    // `script -e` exits with the child's code; -f flushes as it goes; -q drops its banner.
    let mut script = Command::new("script");
    script
        .args(["-qfec", &line.join(" "), "/dev/null"])
        .env_clear()
        .envs(
            cmd.get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .env("TERM", "xterm-256color")
        .envs(extra_env.iter().copied())
        .current_dir(env.dir.path());
    let out = run_with_timeout(script, Duration::from_secs(120));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn paged_mock() -> TestEnv {
    TestEnv::with(Config {
        latency: Duration::from_millis(150),
        ..Config::default()
    })
}

#[test]
fn a_terminal_shows_records_pages_rate_elapsed_and_a_summary() {
    let env = paged_mock();
    env.login();
    let file = env.path("deals.csv");
    let file_arg = file.to_str().unwrap();
    let (code, screen) = on_terminal(
        &env,
        &[
            "export", "deals", "--format", "csv", "--limit", "100", "--output", file_arg,
        ],
        &[],
    );
    assert_eq!(code, 0, "terminal showed:\n{screen}");
    for text in ["deals: ", " records, ", " pages, ", " records/s [", "s]"] {
        assert!(
            screen.contains(text),
            "no {text:?} in the progress display:\n{screen}"
        );
    }
    let summary = "exported 1203 deals in ";
    let last = screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(
        last.contains(summary) && last.contains(file_arg),
        "the last line should be the summary with the file, got {last:?}"
    );
    assert_each_once(&csv_ids(&std::fs::read_to_string(&file).unwrap()), 1203);
}

#[test]
fn a_rate_limit_wait_says_so_on_the_terminal() {
    let env = paged_mock();
    env.mock.set_faults(Faults {
        burst_429_every: Some(3),
        ..Faults::default()
    });
    env.login();
    let (code, screen) = on_terminal(
        &env,
        &[
            "export",
            "deals",
            "--limit",
            "200",
            "--output",
            env.path("deals.jsonl").to_str().unwrap(),
        ],
        // The wait must last long enough to be drawn.
        &[("PIPEDRIVE_TEST_TIME_SCALE", "1")],
    );
    assert_eq!(code, 0, "terminal showed:\n{screen}");
    assert!(
        screen.contains("waiting on the rate limit"),
        "no rate-limit message while waiting:\n{screen}"
    );
}

#[test]
fn quiet_no_color_and_dumb_terminals_draw_no_bar() {
    let env = TestEnv::new();
    env.login();
    let file = env.path("deals.jsonl");
    let out_arg = file.to_str().unwrap();
    let args = ["export", "deals", "--output", out_arg];
    for (extra, summary) in [
        (&[("NO_COLOR", "1")][..], true),
        (&[("TERM", "dumb")][..], true),
    ] {
        let (code, screen) = on_terminal(&env, &args, extra);
        assert_eq!(code, 0, "{screen}");
        assert!(
            !screen.contains("records/s"),
            "{extra:?} drew a bar:\n{screen}"
        );
        assert_eq!(screen.contains("exported 1203 deals"), summary, "{screen}");
    }
    let (code, screen) = on_terminal(
        &env,
        &["--quiet", "export", "deals", "--output", out_arg],
        &[],
    );
    assert_eq!(code, 0, "{screen}");
    assert_eq!(screen.trim(), "", "--quiet printed something on a terminal");
}

#[test]
fn a_pipe_gets_only_the_summary_line_and_quiet_nothing() {
    let env = paged_mock();
    env.login();
    for args in [
        vec!["export", "deals", "--limit", "300"],
        vec!["export", "deals", "--format", "csv", "--limit", "300"],
        vec![
            "export",
            "persons",
            "--output",
            env.path("p.csv").to_str().unwrap(),
            "--format",
            "csv",
        ],
    ] {
        let out = env.run(&args);
        assert_code(&out, 0);
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 1, "{args:?} wrote more than a summary:\n{err}");
        assert!(
            lines[0].starts_with("exported ") && lines[0].contains(" tokens)"),
            "{args:?}: {err}"
        );
        assert!(
            !err.contains('\x1b') && !err.contains('\r'),
            "no drawing on a pipe"
        );
        let mut quiet = vec!["--quiet"];
        quiet.extend_from_slice(&args);
        let out = env.run(&quiet);
        assert_code(&out, 0);
        assert!(out.stderr.is_empty(), "{args:?} --quiet:\n{}", stderr(&out));
    }
}

/// `-v` lines and the live bar share the terminal: every log line starts on a fresh line (the
/// bar is cleared first), never after the bar's text.
#[test]
fn verbose_lines_never_land_on_the_bar() {
    let env = paged_mock();
    env.login();
    let file = env.path("deals.jsonl");
    let (code, screen) = on_terminal(
        &env,
        &[
            "-v",
            "export",
            "deals",
            "--limit",
            "200",
            "--output",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "terminal showed:\n{screen}");
    let mut logged = 0;
    for (at, _) in screen.match_indices("pipedrive: GET ") {
        logged += 1;
        let before = &screen[..at];
        let fresh = before.is_empty()
            || before.ends_with('\n')
            || before.ends_with('\r')
            || before.ends_with("\x1b[2K");
        let tail: String = before
            .chars()
            .rev()
            .take(60)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        assert!(fresh, "a -v line was drawn after {tail:?}:\n{screen}");
    }
    assert!(logged >= 7, "{logged} request lines:\n{screen}");
    assert!(screen.contains(" records, "), "no bar:\n{screen}");
}
