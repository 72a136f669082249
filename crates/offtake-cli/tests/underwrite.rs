//! `offtake underwrite` and `offtake compare` as a user runs them: real files, real exit codes.

use predicates::prelude::*;
use serde_json::Value;

mod common;

use common::{EXAMPLE, offtake};

fn json_of(args: &[&str]) -> Value {
    let out = offtake().args(args).assert().code(0).get_output().clone();
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The example with demand so low that the minimum-spend true-up binds.
fn low_demand_sheet(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(EXAMPLE).unwrap();
    let start = text.find("pflops = [[").unwrap();
    let end = start + text[start..].find('\n').unwrap();
    let text = format!(
        "{}pflops = [[\"2026-07\", 1e3]]{}",
        &text[..start],
        &text[end..]
    );
    let path = dir.join("low-demand.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn underwrite_prints_headline_and_verdicts() {
    offtake()
        .args(["underwrite", EXAMPLE])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("amazon-anthropic-2026"))
        .stdout(predicate::str::contains("Verdicts"))
        .stdout(predicate::str::is_match(r"Contracted +(yes|NO) +Coverage").unwrap())
        .stdout(predicate::str::is_match(r"Financeable +(yes|NO) +Minimum DSCR").unwrap())
        .stdout(predicate::str::is_match(r"Deliverable +(yes|NO)").unwrap())
        .stdout(predicate::str::contains("By contract year"))
        .stdout(predicate::str::contains("not disclosed"));
}

#[test]
fn json_parses_with_metrics_verdicts_and_monthly_series() {
    let v = json_of(&["underwrite", EXAMPLE, "--json"]);
    assert_eq!(v["schema_version"], 1);
    assert!(v["metrics"]["total_payments"].as_f64().unwrap() > 0.0);
    for verdict in ["contracted", "financeable", "deliverable"] {
        assert!(v["verdicts"][verdict].is_boolean(), "{verdict}");
    }
    assert_eq!(v["monthly"]["payments"].as_array().unwrap().len(), 120);
    assert_eq!(v["monthly"]["months"][0], "2026-07");
}

#[test]
fn output_file_gets_the_report_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.json");
    offtake()
        .args(["underwrite", EXAMPLE, "--json", "-o"])
        .arg(&path)
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("wrote"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(v["deal"]["id"], "amazon-anthropic-2026");
    // Without --json the file holds the terminal report.
    let text_path = dir.path().join("run.txt");
    offtake()
        .args(["underwrite", EXAMPLE, "--output"])
        .arg(&text_path)
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(&text_path)
            .unwrap()
            .contains("Verdicts")
    );
}

#[test]
fn csv_dir_gets_monthly_and_annual() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("csv");
    offtake()
        .args(["underwrite", EXAMPLE, "--csv"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Verdicts"));
    let monthly = std::fs::read_to_string(out.join("monthly.csv")).unwrap();
    let annual = std::fs::read_to_string(out.join("annual.csv")).unwrap();
    assert!(monthly.starts_with("month,period,"));
    assert_eq!(monthly.lines().count(), 121);
    assert!(annual.starts_with("year,first_month,"));
    assert_eq!(annual.lines().count(), 11);
}

#[test]
fn commitment_variant_changes_the_true_up_and_payments() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = low_demand_sheet(dir.path());
    let sheet = sheet.to_str().unwrap();
    let base = json_of(&["underwrite", sheet, "--json"]);
    let alt = json_of(&[
        "underwrite",
        sheet,
        "--json",
        "--variant",
        "commitment.min_total_spend=1",
    ]);
    let metric = |v: &Value, k: &str| v["metrics"][k].as_f64().unwrap();
    assert!(metric(&base, "total_true_up") > 0.0);
    assert!(metric(&alt, "total_true_up") < metric(&base, "total_true_up"));
    assert!(metric(&alt, "total_payments") < metric(&base, "total_payments"));
    // $100B is the floor on total payments in the base case.
    assert!((metric(&base, "total_payments") - 100e9).abs() < 1.0);
    assert_eq!(alt["deal"]["variants"][0]["value"], 33e9);
    // N = 0 is the base value.
    let zero = json_of(&[
        "underwrite",
        sheet,
        "--json",
        "--variant",
        "commitment.min_total_spend=0",
    ]);
    assert_eq!(zero["metrics"], base["metrics"]);
}

#[test]
fn unknown_variant_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let csv = dir.path().join("csv");
    offtake()
        .args([
            "underwrite",
            EXAMPLE,
            "--json",
            "--variant",
            "pricing.list_price=1",
            "-o",
        ])
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "no term `pricing.list_price` has alternatives",
        ))
        .stderr(predicate::str::contains("pricing.discount"));
    assert!(!json.exists());
    assert!(!csv.exists());
    offtake()
        .args(["underwrite", EXAMPLE, "--variant", "pricing.discount=3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("variant 3 does not exist"))
        // The variant is wrong, not the term sheet.
        .stderr(predicate::str::contains("--variant does not fit"))
        .stderr(predicate::str::contains("not valid").not());
    offtake()
        .args(["underwrite", EXAMPLE, "--variant", "pricing.discount"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("a variant is TERM=N"));
}

#[test]
fn invalid_term_sheet_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(EXAMPLE)
        .unwrap()
        .replace("pue = 1.15", "pue = 0.9");
    std::fs::write(&bad, text).unwrap();
    let out = dir.path().join("out.json");
    offtake()
        .arg("underwrite")
        .arg(&bad)
        .args(["--json", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("[provider.pue]"));
    assert!(!out.exists());
}

#[test]
fn unwritable_output_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no-such-dir").join("out.json");
    offtake()
        .args(["underwrite", EXAMPLE, "--json", "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("out.json"));
}

#[test]
fn compare_lists_every_alternative_side_by_side() {
    offtake()
        .args(["compare", EXAMPLE])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("base"))
        .stdout(predicate::str::contains("pricing.discount=1 (0.12)"))
        .stdout(predicate::str::contains("pricing.discount=2 (0.18)"))
        .stdout(predicate::str::contains(
            "commitment.min_total_spend=1 ($33.00B)",
        ))
        .stdout(predicate::str::is_match(r"(?m)^  Contracted +").unwrap())
        .stdout(predicate::str::contains("Provider NPV"));
}

#[test]
fn compare_json_has_a_run_per_alternative_and_flips() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = low_demand_sheet(dir.path());
    let v = json_of(&["compare", sheet.to_str().unwrap(), "--json"]);
    let runs = v["runs"].as_array().unwrap();
    let labels: Vec<&str> = runs.iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(
        labels,
        [
            "base",
            "pricing.discount=1 (0.12)",
            "pricing.discount=2 (0.18)",
            "commitment.min_total_spend=1 ($33.00B)"
        ]
    );
    assert!(runs[0]["variant"].is_null());
    assert_eq!(runs[3]["variant"]["term"], "commitment.min_total_spend");
    for r in runs {
        for verdict in ["contracted", "financeable", "deliverable"] {
            let flipped = r["verdicts"][verdict] != runs[0]["verdicts"][verdict];
            assert_eq!(r["flips"][verdict], Value::Bool(flipped));
        }
    }
    // The commitment claims differ by $67B of committed spend: payments move with them here.
    let paid = |i: usize| runs[i]["metrics"]["total_payments"].as_f64().unwrap();
    assert!(paid(3) < paid(0));
}
