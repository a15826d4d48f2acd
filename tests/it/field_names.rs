//! Field names in exports: definitions that cannot be read fail the export (a nightly CSV must
//! not change its columns), except for a missing scope, which stays a warning because it is
//! stable from run to run.

use crate::support::*;
use pipedrive_mock::FieldsFault;

fn env_with(fault: FieldsFault) -> TestEnv {
    let env = TestEnv::with(Config {
        faults: Faults {
            fields: Some(fault),
            ..Faults::default()
        },
        ..Config::default()
    });
    env.login();
    env
}

#[test]
fn a_malformed_field_definition_fails_the_csv_export_with_a_short_message() {
    let env = env_with(FieldsFault::Malformed);
    let out = env.run(&["export", "deals", "--format", "csv", "-o", "deals.csv"]);
    assert_code(&out, 1);
    let err = stderr(&out);
    assert!(err.len() < 2_000, "{} bytes on stderr", err.len());
    assert!(err.contains("dealFields"), "{err}");
    assert!(!err.contains('\x1b'), "{err:?}");
    assert!(!env.path("deals.csv").exists(), "no CSV with other columns");
}

#[test]
fn field_definitions_that_keep_failing_fail_the_csv_export_with_75() {
    let env = env_with(FieldsFault::Status(503));
    let mut cmd = env.cmd(&["export", "persons", "--format", "csv", "-o", "p.csv"]);
    cmd.env("PIPEDRIVE_MAX_WAIT", "0");
    let out = run_with_timeout(cmd, std::time::Duration::from_secs(120));
    assert_code(&out, 75);
    assert!(!env.path("p.csv").exists());
}

#[test]
fn a_missing_scope_for_field_definitions_stays_a_warning() {
    let env = env_with(FieldsFault::Status(403));
    let out = env.run(&["export", "deals", "--format", "csv", "-o", "deals.csv"]);
    assert_code(&out, 0);
    assert!(stderr(&out).contains("warning"), "{}", stderr(&out));
    let csv = std::fs::read_to_string(env.path("deals.csv")).unwrap();
    let (header, _) = parse_csv(&csv);
    assert!(
        header
            .iter()
            .any(|h| h.strip_prefix("custom_fields.").is_some_and(is_hash)),
        "raw keys: {header:?}"
    );
    // --quiet hides information, never a warning: the CSV's columns are not what was asked.
    let out = env.run(&[
        "export", "deals", "--quiet", "--format", "csv", "-o", "q.csv",
    ]);
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("warning: keeping raw custom field keys"),
        "{}",
        stderr(&out)
    );
}

/// Two person fields named "Region" and a third a user named exactly like the first one's
/// distinct name: each keeps a column of its own, in JSON lines and in CSV.
#[test]
fn a_field_named_like_a_distinct_name_keeps_every_value() {
    // Persons have three custom fields of their own; the extra ones follow as 3, 4 and 5.
    let first = pipedrive_mock::custom_field_key("persons", 3);
    let lookalike = format!("Region ({})", &first[..8]);
    let env = TestEnv::with(Config {
        extra_fields: vec![
            ("persons".into(), "Region".into()),
            ("persons".into(), "Region".into()),
            ("persons".into(), lookalike.clone()),
        ],
        ..Config::default()
    });
    env.login();
    let out = env.run(&["export", "persons", "--field-names", "--max", "50"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    for line in text.lines() {
        // A JSON object's key given twice is valid JSON that parsers quietly collapse: count
        // the keys as written.
        let mut keys: Vec<&str> = line
            .match_indices("\"Region")
            .map(|(at, _)| {
                let rest = &line[at + 1..];
                &rest[..rest.find('"').unwrap()]
            })
            .collect();
        let n = keys.len();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), n, "a key given twice: {line}");
        assert_eq!(n, 3, "{line}");
        assert!(keys.contains(&lookalike.as_str()), "{keys:?}");
    }
    let out = env.run(&["export", "persons", "--format", "csv", "--max", "50"]);
    assert_code(&out, 0);
    let (header, rows) = parse_csv(&stdout(&out));
    let regions: Vec<&String> = header
        .iter()
        .filter(|h| h.starts_with("custom_fields.Region"))
        .collect();
    assert_eq!(regions.len(), 3, "{header:?}");
    assert!(header.contains(&format!("custom_fields.{lookalike}")));
    // Every record has a text in each (the mock leaves a few values null).
    for col in regions {
        let i = header.iter().position(|h| h == col).unwrap();
        assert!(rows.iter().any(|r| !r[i].is_empty()), "{col} is empty");
    }
}
