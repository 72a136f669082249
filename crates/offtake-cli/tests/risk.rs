//! `offtake risk` and `offtake risk merge` through the real binary: reproducibility across
//! threads and shards, Parquet output, flags refused before any work, and `--sensitivity sobol`
//! (the same JSON for any threads and merged shards, its terminal and HTML views).

use assert_cmd::Command;
use predicates::prelude::*;

mod common;

use common::EXAMPLE;

/// `offtake` without the shard index variables that `--shard` reads (Kubernetes, Slurm).
fn offtake() -> Command {
    let mut cmd = common::offtake();
    cmd.env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID");
    cmd
}

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
fn same_seed_gives_identical_json_for_one_and_two_threads() {
    let one = json_of(&[
        "risk",
        EXAMPLE,
        "--paths",
        "400",
        "--threads",
        "1",
        "--json",
        "--quiet",
    ]);
    let two = json_of(&[
        "risk",
        EXAMPLE,
        "--paths",
        "400",
        "--threads",
        "2",
        "--json",
        "--quiet",
    ]);
    assert_eq!(one, two);
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(v["n_paths"], 400);
    assert_eq!(v["seed"], 42);
    assert_eq!(v["partial"], false);
    assert_eq!(v["metrics"]["provider_npv"]["n"], 400);
    assert!(v["tornado"]["rows"].as_array().unwrap().len() >= 5);
    let other = json_of(&[
        "risk", EXAMPLE, "--paths", "400", "--seed", "7", "--json", "--quiet",
    ]);
    assert_ne!(one, other, "the seed matters");
}

#[test]
fn merged_shards_give_exactly_the_single_run() {
    let dir = tempfile::tempdir().unwrap();
    let single = json_of(&["risk", EXAMPLE, "--paths", "500", "--json", "--quiet"]);
    let mut files = Vec::new();
    for i in 0..3 {
        let out = dir.path().join(format!("shard-{i}.parquet"));
        let mut cmd = offtake();
        cmd.args(["risk", EXAMPLE, "--paths", "500", "--quiet", "--paths-out"])
            .arg(&out);
        if i == 1 {
            // The index from a Kubernetes Indexed Job's environment.
            cmd.args(["--shards", "3"]).env("JOB_COMPLETION_INDEX", "1");
        } else {
            cmd.args(["--shard", &format!("{i}/3")]);
        }
        cmd.assert()
            .code(0)
            .stdout(predicate::str::contains(format!("shard {i}/3")));
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(&bytes[..4], b"PAR1");
        assert_eq!(&bytes[bytes.len() - 4..], b"PAR1");
        files.push(out);
    }
    let mut args = vec!["risk".to_string(), "merge".into(), EXAMPLE.into()];
    // Any order.
    for f in [&files[2], &files[0], &files[1]] {
        args.push(f.display().to_string());
    }
    args.push("--json".into());
    let merged = json_of(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(merged, single);

    // Two shards of three are refused.
    offtake()
        .args(["risk", "merge", EXAMPLE])
        .args(&files[..2])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("shards missing: [2]"));
}

#[test]
fn a_slurm_array_index_selects_the_shard() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s.parquet");
    offtake()
        .args([
            "risk",
            EXAMPLE,
            "--paths",
            "50",
            "--shards",
            "4",
            "--quiet",
            "--paths-out",
        ])
        .arg(&out)
        .env("SLURM_ARRAY_TASK_ID", "3")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("shard 3/4: 12 of 50 paths"));
}

#[test]
fn the_terminal_report_has_every_section() {
    offtake()
        .args(["risk", EXAMPLE, "--paths", "200", "--quiet"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("200 of 200 paths, seed 42"))
        .stdout(predicate::str::contains("Provider IRR"))
        .stdout(predicate::str::contains("Effective price"))
        .stdout(predicate::str::contains("IRR below the 9.0% hurdle"))
        .stdout(predicate::str::contains("Option phase-3 exercised"))
        .stdout(predicate::str::contains("Equity milestone paid"))
        .stdout(predicate::str::contains("Tornado"))
        .stdout(predicate::str::contains("delay_months"))
        .stderr(predicate::str::is_empty());
}

#[test]
fn paths_out_writes_parquet_next_to_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("paths.parquet");
    offtake()
        .args(["risk", EXAMPLE, "--paths", "100", "--paths-out"])
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote"));
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..4], b"PAR1");
    // The run itself merges as a one-shard run into the same report.
    let single = json_of(&["risk", EXAMPLE, "--paths", "100", "--json", "--quiet"]);
    // (`-q` is accepted by merge as by the run.)
    let merged = json_of(&[
        "risk",
        "merge",
        EXAMPLE,
        out.to_str().unwrap(),
        "--json",
        "-q",
    ]);
    assert_eq!(single, merged);
}

#[test]
fn without_a_risk_table_every_factor_is_at_base_and_it_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let path = dir.path().join("norisk.toml");
    std::fs::write(&path, text.split("[risk]").next().unwrap()).unwrap();
    offtake()
        .args(["risk"])
        .arg(&path)
        .args(["--paths", "20"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("no [risk] table"))
        .stdout(predicate::str::contains("every path is the base case"));
}

#[test]
fn bad_flags_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never.parquet");
    let cases: &[(&[&str], &str)] = &[
        (&["--paths", "0"], "--paths"),
        (&["--paths", "100000001"], "--paths"),
        (&["--threads", "0"], "--threads"),
        (
            &["--shard", "3/2", "--paths-out"],
            "shard 3/2 does not exist",
        ),
        (&["--shard", "1-2", "--paths-out"], "is not a shard"),
        (&["--shards", "4", "--paths-out"], "JOB_COMPLETION_INDEX"),
    ];
    for (flags, says) in cases {
        let mut cmd = offtake();
        cmd.args(["risk", EXAMPLE]).args(*flags);
        if flags.last() == Some(&"--paths-out") {
            cmd.arg(&out);
        }
        cmd.assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(*says));
        assert!(!out.exists(), "{flags:?} wrote a file");
    }
    // A file in a directory that does not exist is refused before the run, not after.
    offtake()
        .args(["risk", EXAMPLE, "--paths-out"])
        .arg(dir.path().join("no/such/dir/p.parquet"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("directory does not exist"));
    // A shard without a file to write to is pointless.
    offtake()
        .args(["risk", EXAMPLE, "--shard", "0/2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--paths-out"));
    // An index from the environment must be a shard of N.
    offtake()
        .args(["risk", EXAMPLE, "--shards", "2", "--paths-out"])
        .arg(&out)
        .env("SLURM_ARRAY_TASK_ID", "2")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SLURM_ARRAY_TASK_ID"));
    assert!(!out.exists());
}

#[test]
fn merge_refuses_shards_of_another_term_sheet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p.parquet");
    offtake()
        .args(["risk", EXAMPLE, "--paths", "30", "--quiet", "--paths-out"])
        .arg(&out)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(EXAMPLE)
        .unwrap()
        .replace("pue = 1.15", "pue = 1.2");
    let other = dir.path().join("other.toml");
    std::fs::write(&other, text).unwrap();
    offtake()
        .args(["risk", "merge"])
        .arg(&other)
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("fingerprint"));
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_and_reports_the_finished_paths_as_partial() {
    use std::process::{Command as Std, Stdio};
    let bin = assert_cmd::cargo::cargo_bin("offtake");
    let child = Std::new(bin)
        .args([
            "risk",
            EXAMPLE,
            "--paths",
            "5000000",
            "--threads",
            "1",
            "--json",
            "--quiet",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let a few chunks finish, then interrupt as a terminal's Ctrl-C would.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let status = Std::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["partial"], true);
    let run = v["n_paths_run"].as_u64().unwrap();
    assert!(run > 0 && run < 5_000_000, "{run}");
    assert_eq!(v["metrics"]["provider_npv"]["n"].as_u64().unwrap(), run);
    assert!(v["notes"][0].as_str().unwrap().contains("interrupted"));
}

#[test]
fn a_bad_risk_table_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    for (from, to, says) in [
        ("paths = 10000", "paths = 0", "paths"),
        (
            "correlation = [[\"demand_factor\", \"power_factor\", 0.3]]",
            "correlation = [[\"demand_factor\", \"power_factor\", 0.9], [\"power_factor\", \"capex_factor\", 0.9], [\"demand_factor\", \"capex_factor\", -0.9]]",
            "semi-definite",
        ),
        ("sigma = 0.15", "sigma = 0", "sigma"),
    ] {
        assert!(text.contains(from));
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, text.replace(from, to)).unwrap();
        offtake()
            .args(["risk"])
            .arg(&path)
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(says));
    }
}

#[test]
fn wide_shows_the_tails_and_the_default_fits_120_columns() {
    let narrow = offtake()
        .args(["risk", EXAMPLE, "--paths", "200", "--quiet"])
        .output()
        .unwrap();
    let narrow = String::from_utf8(narrow.stdout).unwrap();
    assert!(narrow.lines().all(|l| l.chars().count() <= 120), "{narrow}");
    assert!(!narrow.contains("P95") && !narrow.contains('\x1b'));
    offtake()
        .args(["risk", EXAMPLE, "--paths", "200", "--quiet", "--wide"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("P95"));
}

#[test]
fn drivers_from_merged_shards_equal_the_single_run_and_are_absent_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let base = ["risk", EXAMPLE, "--paths", "600", "--json", "--quiet"];
    let plain = json_of(&base);
    assert!(
        !plain.contains("\"drivers\""),
        "JSON without --drivers is as before"
    );
    let single = json_of(&[&base[..], &["--drivers"]].concat());
    let v: serde_json::Value = serde_json::from_str(&single).unwrap();
    let verdicts = v["drivers"]["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), 3);
    assert_eq!(verdicts[2]["verdict"], "deliverable");
    // Everything else is the run without drivers.
    let mut without = v.clone();
    without.as_object_mut().unwrap().remove("drivers");
    assert_eq!(
        without,
        serde_json::from_str::<serde_json::Value>(&plain).unwrap()
    );
    let mut args = vec!["risk".to_string(), "merge".into(), EXAMPLE.into()];
    for i in 0..2 {
        let out = dir.path().join(format!("shard-{i}.parquet"));
        offtake()
            .args(["risk", EXAMPLE, "--paths", "600", "--quiet", "--shard"])
            .arg(format!("{i}/2"))
            .arg("--paths-out")
            .arg(&out)
            .assert()
            .code(0);
        args.push(out.display().to_string());
    }
    args.extend(["--json".into(), "--drivers".into()]);
    let merged = json_of(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(merged, single);
    // A shard run has no drivers to give: merge gives them.
    offtake()
        .args([
            "risk",
            EXAMPLE,
            "--shard",
            "0/2",
            "--drivers",
            "--paths-out",
        ])
        .arg(dir.path().join("x.parquet"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--drivers"));
}

// `offtake risk --sensitivity sobol` through the real binary: the same JSON for any threads and
// for merged shards (the Slurm/Kubernetes path), the terminal and HTML views, and bad flags
// refused before any work.

/// A small Sobol run: 200 Monte Carlo paths and 64 base rows of the design.
const SOBOL_RUN: [&str; 6] = [
    "--paths",
    "200",
    "--sensitivity",
    "sobol",
    "--base-paths",
    "64",
];

#[test]
fn merged_shards_and_any_threads_give_exactly_the_single_run() {
    let mut single = vec!["risk", EXAMPLE, "--json", "-q", "--threads", "1"];
    single.extend(SOBOL_RUN);
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
            .args(SOBOL_RUN)
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
