//! `offtake risk --sensitivity sobol` through the real binary: the same JSON for any threads and
//! for merged shards (the Slurm/Kubernetes path), the terminal and HTML views, and bad flags
//! refused before any work.

use assert_cmd::Command;
use predicates::prelude::*;

mod common;

use common::EXAMPLE;

fn offtake() -> Command {
    let mut cmd = common::offtake();
    cmd.env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID");
    cmd
}

const RUN: [&str; 6] = [
    "--paths",
    "200",
    "--sensitivity",
    "sobol",
    "--base-paths",
    "64",
];

fn json_of(args: &[&str]) -> String {
    let out = offtake()
        .args(args)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn merged_shards_and_any_threads_give_exactly_the_single_run() {
    let mut single = vec!["risk", EXAMPLE, "--json", "-q", "--threads", "1"];
    single.extend(RUN);
    let one = json_of(&single);
    single[5] = "2";
    assert_eq!(json_of(&single), one);
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(v["sensitivity"]["design_points"], 640);
    assert_eq!(v["n_paths_run"], 200);
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for i in 0..3 {
        let out = dir.path().join(format!("shard-{i}.parquet"));
        let mut cmd = offtake();
        cmd.args(["risk", EXAMPLE, "-q"])
            .args(RUN)
            .arg("--paths-out")
            .arg(&out);
        if i == 2 {
            cmd.args(["--shards", "3"]).env("SLURM_ARRAY_TASK_ID", "2");
        } else {
            cmd.args(["--shard", &format!("{i}/3")]);
        }
        cmd.assert().code(0);
        files.push(out);
    }
    let merged = offtake()
        .args(["risk", "merge", EXAMPLE, "--json"])
        .args([&files[1], &files[2], &files[0]])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(String::from_utf8(merged).unwrap(), one);
    // Without the flag the JSON has no `sensitivity`.
    let plain = json_of(&["risk", EXAMPLE, "--json", "-q", "--paths", "200"]);
    assert!(!plain.contains("\"sensitivity\""));
}

#[test]
fn the_terminal_and_html_show_the_indices_and_where_the_tornado_misleads() {
    offtake()
        .args([
            "risk",
            EXAMPLE,
            "-q",
            "--sensitivity",
            "sobol",
            "--base-paths",
            "256",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Sobol indices: 256 base paths, 2,560 engine runs",
        ))
        .stdout(predicate::str::contains("demand_factor + power_factor"))
        .stdout(predicate::str::contains("Where the tornado misleads"))
        .stdout(predicate::str::contains("demand_factor, Provider IRR"));
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    offtake()
        .args([
            "report",
            EXAMPLE,
            "--risk",
            "--sensitivity",
            "sobol",
            "--base-paths",
            "256",
        ])
        .args(["--paths", "500", "-q", "-o"])
        .arg(&html)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(text.contains("⚠ tornado misleads"));
    assert!(text.contains("Sobol indices over 256 base paths"));
}

#[test]
fn bad_sensitivity_flags_are_refused_before_any_work() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--sensitivity", "sobol", "--base-paths", "10"],
            "--base-paths",
        ),
        (
            &["--sensitivity", "sobol", "--base-paths", "65537"],
            "--base-paths",
        ),
        (&["--base-paths", "64"], "--sensitivity"),
        (&["--sensitivity", "morris"], "sobol"),
    ];
    for (flags, says) in cases {
        offtake()
            .args(["risk", EXAMPLE])
            .args(*flags)
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(*says));
    }
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let path = dir.path().join("norisk.toml");
    std::fs::write(&path, text.split("[risk]").next().unwrap()).unwrap();
    offtake()
        .args(["risk"])
        .arg(&path)
        .args(["--sensitivity", "sobol", "-q"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no risk factor varies"));
}
