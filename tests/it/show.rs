//! `pipedrive pipeline <ID>` and `pipedrive stage <ID>`, and the usage errors of the command line.

use serde_json::Value;

use crate::support::*;

#[test]
fn pipeline_prints_the_apis_data_as_one_json_line() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&["pipeline", "1"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text}");
    let got: Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(got, env.mock_data("/api/v2/pipelines/1"));
    assert!(env
        .requests_to("/api/v2/pipelines/1")
        .iter()
        .all(|r| r.params.is_empty()));
}

#[test]
fn pipeline_with_stages_adds_exactly_its_stages() {
    let env = TestEnv::new();
    env.login();
    for id in 1..=Seed::default().pipelines {
        let out = env.run(&["pipeline", &id.to_string(), "--stages"]);
        assert_code(&out, 0);
        let text = stdout(&out);
        assert_eq!(text.lines().count(), 1);
        let mut got: Value = serde_json::from_str(text.trim()).unwrap();
        let stages = got
            .as_object_mut()
            .unwrap()
            .remove("stages")
            .expect("a stages array");
        assert_eq!(got, env.mock_data(&format!("/api/v2/pipelines/{id}")));
        let want = env.mock_data(&format!("/api/v2/stages?pipeline_id={id}&limit=500"));
        assert_eq!(stages, want);
        let stages = stages.as_array().unwrap();
        assert!(!stages.is_empty());
        assert!(stages.iter().all(|s| s["pipeline_id"] == id));
    }
    // Together the pipelines hold every stage once.
    let out = env.run(&["export", "stages"]);
    assert_code(&out, 0);
}

#[test]
fn stage_prints_one_stage() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&["stage", "4"]);
    assert_code(&out, 0);
    let got: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(got, env.mock_data("/api/v2/stages/4"));
}

#[test]
fn unknown_ids_exit_6() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&["stage", "999"]);
    assert_code(&out, 6);
    assert!(stderr(&out).contains("999"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let out = env.run(&["pipeline", "999"]);
    assert_code(&out, 6);
    assert!(out.stdout.is_empty());
}

#[test]
fn csv_gives_a_header_and_one_row() {
    let env = TestEnv::new();
    env.login();
    for (args, path) in [
        (["pipeline", "2"], "/api/v2/pipelines/2"),
        (["stage", "5"], "/api/v2/stages/5"),
    ] {
        let mut all = args.to_vec();
        all.extend(["--format", "csv"]);
        let out = env.run(&all);
        assert_code(&out, 0);
        let (header, rows) = parse_csv(&stdout(&out));
        assert_eq!(rows.len(), 1);
        let want = env.mock_data(path);
        let mut keys = Vec::new();
        flat_keys(&want, "", &mut keys);
        assert_eq!(header, keys);
        let col = |name: &str| &rows[0][header.iter().position(|h| h == name).unwrap()];
        assert_eq!(col("id"), &want["id"].to_string());
        assert_eq!(col("name"), want["name"].as_str().unwrap());
    }
}

#[test]
fn a_non_numeric_id_is_a_usage_error() {
    let env = TestEnv::new();
    env.login();
    for args in [["pipeline", "abc"], ["stage", "1x"], ["stage", "0"]] {
        let out = env.run(&args);
        assert_code(&out, 2);
        // Names the argument and what it accepts.
        let err = stderr(&out);
        assert!(err.contains("<ID>"), "{err}");
        assert!(err.contains("positive whole number"), "{err}");
    }
    assert!(env.mock.requests().is_empty());
}

#[test]
fn an_unknown_type_is_a_usage_error_listing_the_valid_ones() {
    let env = TestEnv::new();
    env.login();
    let out = env.run(&["export", "widgets"]);
    assert_code(&out, 2);
    let err = stderr(&out);
    for kind in [
        "deals",
        "persons",
        "organizations",
        "notes",
        "pipelines",
        "stages",
        "activities",
        "products",
        "users",
    ] {
        assert!(err.contains(kind), "{kind} not listed: {err}");
    }
    let out = env.run(&["export", "deals", "--no-such-flag"]);
    assert_code(&out, 2);
    let out = env.run(&["export", "deals", "--format", "xml"]);
    assert_code(&out, 2);
    assert!(stderr(&out).contains("jsonl") && stderr(&out).contains("csv"));
    assert!(env.mock.requests().is_empty());
}
