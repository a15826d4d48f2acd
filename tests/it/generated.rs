//! The committed `completions/` and `man/` match the clap definition, and the completions work.

use std::path::{Path, PathBuf};
use std::process::Command;

use pipedrive_cli::completion_scripts;

#[path = "../../examples/generate/man.rs"]
mod man;

use crate::support::*;

const REGENERATE: &str = "run `cargo run --example generate` and commit completions/ and man/";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn assert_fresh(files: Vec<(PathBuf, Vec<u8>)>, dir: &str) {
    let mut stale = Vec::new();
    for (path, want) in &files {
        match std::fs::read(root().join(path)) {
            Ok(have) if &have == want => {}
            Ok(_) => stale.push(format!("{} differs", path.display())),
            Err(e) => stale.push(format!("{} is missing ({e})", path.display())),
        }
    }
    // A page or script that the generator no longer makes is stale too.
    let made: Vec<String> = files
        .iter()
        .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for name in files_in(&root().join(dir)) {
        if !made.contains(&name) {
            stale.push(format!("{dir}/{name} is no longer generated (delete it)"));
        }
    }
    assert!(
        stale.is_empty(),
        "generated files are stale:\n  {}\n{REGENERATE}",
        stale.join("\n  ")
    );
}

#[test]
fn committed_completions_are_fresh() {
    assert_fresh(completion_scripts::completions(), "completions");
}

#[test]
fn one_man_page_per_subcommand() {
    let names: Vec<String> = man::man_pages()
        .iter()
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert!(names.contains(&"man/pipedrive.1".to_string()));
    assert!(names.contains(&"man/pipedrive-export.1".to_string()));
    let subcommands = <pipedrive_cli::cli::Cli as clap::CommandFactory>::command()
        .get_subcommands()
        .count();
    assert_eq!(names.len(), 1 + subcommands);
}

#[test]
fn committed_man_pages_are_fresh() {
    assert_fresh(man::man_pages(), "man");
}

#[test]
fn completions_offer_types_formats_and_stores() {
    let types = [
        "deals",
        "persons",
        "organizations",
        "notes",
        "pipelines",
        "stages",
        "activities",
        "products",
        "users",
        "all",
    ];
    let option_values = ["jsonl", "csv", "auto", "keyring", "file", "mongo"];
    for (path, script) in completion_scripts::completions() {
        let script = String::from_utf8(script).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // clap_complete's elvish and PowerShell scripts complete no option values at all.
        let option_values_too = !name.ends_with(".elv") && !name.ends_with(".ps1");
        let wanted = types
            .iter()
            .chain(option_values.iter().filter(|_| option_values_too));
        for v in wanted {
            assert!(script.contains(v), "{name} does not offer `{v}`");
        }
    }
}

#[test]
fn the_completions_command_prints_the_committed_script() {
    let env = TestEnv::new();
    for (shell, file) in [("bash", "pipedrive.bash"), ("zsh", "_pipedrive")] {
        let out = env.run(&["completions", shell]);
        assert_code(&out, 0);
        let committed = std::fs::read(root().join("completions").join(file)).unwrap();
        assert!(
            out.stdout == committed,
            "`completions {shell}` differs from completions/{file}"
        );
    }
}

/// Runs the bash completion function for `words` (the last one being completed).
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = root().join("completions/pipedrive.bash");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let line = words.join(" ");
    let program = format!(
        r#"source '{}'
COMP_WORDS=({})
COMP_CWORD={}
COMP_LINE='{line}'
COMP_POINT=${{#COMP_LINE}}
_pipedrive pipedrive '{}' '{}'
printf '%s\n' "${{COMPREPLY[@]}}""#,
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = Command::new("bash")
        .arg("--norc")
        .arg("-c")
        .arg(program)
        .output()
        .expect("run bash");
    assert!(out.status.success(), "bash failed: {}", stderr(&out));
    stdout(&out)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completes_export_types_and_flag_values() {
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(
        sorted(bash_complete(&["pipedrive", "export", "dea"])),
        [
            "deal-fields",
            "deal-flow",
            "deal-installments",
            "deal-products",
            "deals"
        ]
    );
    assert_eq!(
        sorted(bash_complete(&["pipedrive", "export", "p"])),
        [
            "permission-sets",
            "person-fields",
            "persons",
            "pipelines",
            "product-fields",
            "product-variations",
            "products",
            "project-fields",
            "projects"
        ]
    );
    assert_eq!(
        bash_complete(&["pipedrive", "export", "deals", "--types", "call"]),
        ["call-logs"]
    );
    assert_eq!(
        bash_complete(&["pipedrive", "export", "deals", "--format", "c"]),
        ["csv"]
    );
    assert_eq!(bash_complete(&["pipedrive", "--store", "m"]), ["mongo"]);
    assert_eq!(bash_complete(&["pipedrive", "exp"]), ["export"]);
}

/// Every variable the program reads (a `"PIPEDRIVE_..."` literal anywhere in src/) is documented.
#[test]
fn man_page_documents_every_environment_variable() {
    let (_, page) = man::man_pages()
        .into_iter()
        .find(|(p, _)| p.ends_with("pipedrive.1"))
        .unwrap();
    let page = String::from_utf8(page).unwrap().replace("\\-", "-");
    let mut missing = Vec::new();
    let mut dirs = vec![root().join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for (at, _) in text.match_indices("\"PIPE") {
                let name: String = text[at + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                    .collect();
                // `PIPEDRIVE_TEST_*` are the test harness's knobs, deliberately undocumented.
                let is_var = (name.starts_with("PIPEDRIVE_") || name.starts_with("PIPE_DRIVE_"))
                    && !name.starts_with("PIPEDRIVE_TEST_");
                if is_var && !page.contains(&name) && !missing.contains(&name) {
                    missing.push(name);
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "add {missing:?} to ENVIRONMENT in examples/generate/man.rs (and the README), then {REGENERATE}"
    );
    for section in ["ENVIRONMENT", "FILES", "EXIT STATUS", "tokens.json"] {
        assert!(page.contains(section), "pipedrive.1 lacks {section}");
    }
}

/// fish is optional on a developer machine; where it is installed, the added lines must work.
#[test]
fn fish_completes_types_and_global_option_values_where_fish_is_installed() {
    if Command::new("fish").arg("--version").output().is_err() {
        eprintln!("fish is not installed: skipping the fish completion check");
        return;
    }
    let complete = |line: &str| -> Vec<String> {
        let program = format!(
            "source '{}'; complete -C'{line}'",
            root().join("completions/pipedrive.fish").display()
        );
        let out = Command::new("fish")
            .args(["--no-config", "-c", &program])
            .output()
            .unwrap();
        assert!(out.status.success(), "fish failed: {}", stderr(&out));
        stdout(&out)
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(complete("pipedrive export d"), ["deals"]);
    assert_eq!(complete("pipedrive --store m"), ["mongo"]);
    assert_eq!(complete("pipedrive export deals --format c"), ["csv"]);
    assert_eq!(complete("pipedrive completions f"), ["fish"]);
}

#[test]
fn the_readme_types_table_names_every_type_with_its_endpoint_and_cost() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let rows: Vec<&str> = readme.lines().filter(|l| l.starts_with("| `")).collect();
    for r in pipedrive_cli::api::resources::RESOURCES {
        let row = rows
            .iter()
            .find(|l| l.starts_with(&format!("| `{}` |", r.name)))
            .unwrap_or_else(|| panic!("README: no row for {} in the export types table", r.name));
        let cells: Vec<&str> = row.split(" | ").collect();
        assert!(
            cells[1].contains(&format!("`{}", r.path)),
            "README: {} reads {}: {row}",
            r.name,
            r.path
        );
        assert!(
            cells
                .last()
                .unwrap()
                .trim_end_matches(" |")
                .starts_with(&r.cost().to_string()),
            "README: {} costs {} tokens a request: {row}",
            r.name,
            r.cost()
        );
        for scope in r.scopes {
            let family = scope.split(':').next().unwrap();
            assert!(
                cells[2].contains(family),
                "README: {} needs one of {:?}: {row}",
                r.name,
                r.scopes
            );
        }
    }
}

/// `--help`, `man pipedrive` and the README list every exit code of the one table in `error.rs`.
#[test]
fn every_exit_code_is_in_help_man_and_readme() {
    let help = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    // `--help` wraps long lines: compare words.
    let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let help_words = words(&help);
    let man = std::fs::read_to_string(root().join("man/pipedrive.1"))
        .unwrap()
        .replace("\\-", "-");
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for (code, meaning) in pipedrive_cli::error::EXIT_TABLE {
        assert!(
            help_words.contains(&words(&format!("{code} {meaning}"))),
            "--help lacks exit code {code}:\n{help}"
        );
        assert!(
            man.contains(&format!("\\fB{code}\\fR")),
            "man/pipedrive.1 lacks exit code {code}; {REGENERATE}"
        );
        assert!(
            readme.contains(&format!("| {code} | {meaning} |")),
            "README.md's exit-code table lacks `| {code} | {meaning} |`"
        );
    }
    for code in ["130", "143"] {
        assert!(help.contains(&format!("\n  {code} ")), "{help}");
    }
}
