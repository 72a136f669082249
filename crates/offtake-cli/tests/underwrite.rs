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

// ---- compare --all-combinations -----------------------------------------------------------------

const IREN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../examples/microsoft-iren-2025.toml"
);

/// The IREN example (coverage 0.93×, threshold 1.0: not contracted) with two alternatives that
/// each raise coverage short of 1.0 ($27M/MW chips: 0.98×; a $10.2B minimum: 0.97×) and together
/// pass it (1.02×), and two dates of phase 2 whose alternatives contradict each other together
/// (online 2027-03 after a deadline of 2026-12), each valid alone.
fn joint_sheet(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(IREN).unwrap();
    let edits = [
        (
            "chip_capex_per_mw = { value = 29e6,",
            "chip_capex_per_mw = { alternatives = [{ value = 27e6, evidence = \"estimated\" }], value = 29e6,",
        ),
        (
            "min_total_spend = { value = 9.7e9,",
            "min_total_spend = { alternatives = [{ value = 10.2e9, evidence = \"reported\" }], value = 9.7e9,",
        ),
        (
            "online = \"2026-09\"",
            "online = { value = \"2026-09\", evidence = \"estimated\", alternatives = [{ value = \"2027-03\", evidence = \"assumed\" }] }",
        ),
        (
            "deadline = \"2026-12\"",
            "deadline = { value = \"2027-06\", evidence = \"assumed\", alternatives = [{ value = \"2026-12\" }] }",
        ),
    ];
    let mut text = text;
    for (from, to) in edits {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        text = text.replacen(from, to, 1);
    }
    let path = dir.join("joint.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn all_combinations_finds_a_verdict_only_two_alternatives_flip_together() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = joint_sheet(dir.path());
    let v = json_of(&[
        "compare",
        sheet.to_str().unwrap(),
        "--all-combinations",
        "--json",
    ]);
    let terms: Vec<&str> = v["terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["term"].as_str().unwrap())
        .collect();
    assert_eq!(
        terms,
        [
            "generation.GB300.chip_capex_per_mw",
            "tranche.horizon-3-4.online",
            "tranche.horizon-3-4.deadline",
            "commitment.min_total_spend"
        ]
    );
    assert_eq!(v["count"], 16);
    let runs = v["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 16);
    assert_eq!(runs[0]["id"], "base");
    assert_eq!(runs[0]["verdicts"]["contracted"], false);
    let run = |label: &str| {
        runs.iter()
            .find(|r| r["label"] == label)
            .unwrap_or_else(|| panic!("no run {label}"))
    };
    let chips = "generation.GB300.chip_capex_per_mw=1 ($27.0M/MW)";
    let minimum = "commitment.min_total_spend=1 ($10.20B)";
    // Neither alone.
    for single in [chips, minimum] {
        assert_eq!(run(single)["flips"]["contracted"], false, "{single}");
    }
    // Together: contracted flips, and it is a joint flip.
    let both = run(&format!("{chips} + {minimum}"));
    assert_eq!(both["verdicts"]["contracted"], true);
    assert_eq!(both["flips"]["contracted"], true);
    assert_eq!(both["joint_flips"]["contracted"], true);
    assert_eq!(both["variants"].as_array().unwrap().len(), 2);
    // Every run with both of them, whatever the dates, flips it jointly; no other run does.
    for r in runs {
        let label = r["label"].as_str().unwrap();
        let has_both = label.contains(chips) && label.contains(minimum);
        if r["invalid"].is_null() {
            assert_eq!(r["joint_flips"]["contracted"], has_both, "{label}");
        }
        for verdict in ["financeable", "deliverable"] {
            assert_eq!(r["joint_flips"][verdict], false, "{label}");
        }
    }
    // The two dates together break a rule joining terms: listed as not run, the rest still run.
    let dates =
        run("tranche.horizon-3-4.online=1 (2027-03) + tranche.horizon-3-4.deadline=1 (2026-12)");
    assert!(dates["metrics"].is_null() && dates["verdicts"].is_null());
    assert!(
        dates["invalid"]
            .as_str()
            .unwrap()
            .contains("before the online date"),
        "{dates}"
    );
    assert_eq!(runs.iter().filter(|r| !r["invalid"].is_null()).count(), 4);
}

#[test]
fn all_combinations_table_marks_flips_and_names_joint_ones() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = joint_sheet(dir.path());
    let out = offtake()
        .args([
            "compare",
            sheet.to_str().unwrap(),
            "--all-combinations",
            "--wide",
        ])
        .args(["--term", "commitment.min_total_spend", "--term"])
        .arg("generation.GB300.chip_capex_per_mw")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("4 combinations of the alternatives of 2 terms"),
        "{text}"
    );
    assert!(text.contains("yes*†"), "{text}");
    assert!(
        text.contains("Verdicts flipped only by a combination:"),
        "{text}"
    );
    assert!(
        text.contains(
            "c3  generation.GB300.chip_capex_per_mw=1 ($27.0M/MW) + commitment.min_total_spend=1 ($10.20B): contracted"
        ),
        "{text}"
    );
    assert!(!text.contains("Not run"), "{text}");
}

#[test]
fn all_combinations_over_the_cap_says_how_many_and_how_to_narrow() {
    // The example's 3 × 2 and thirteen more terms of one alternative each: 6 · 2^13 = 49,152.
    let dir = tempfile::tempdir().unwrap();
    let mut text = std::fs::read_to_string(EXAMPLE).unwrap();
    for i in 0..13 {
        text.push_str(&format!(
            "\n[[equity]]\nid = \"x{i}\"\namount = {{ value = 1, alternatives = [{{ value = 2 }}] }}\nat = \"2027-01\"\n"
        ));
    }
    let path = dir.path().join("many.toml");
    std::fs::write(&path, text).unwrap();
    offtake()
        .args(["compare", path.to_str().unwrap(), "--all-combinations"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("make 49,152 combinations"))
        .stderr(predicate::str::contains("over the limit of 4,096"))
        .stderr(predicate::str::contains("--term TERM"));
    // Narrowed to two terms it runs.
    offtake()
        .args(["compare", path.to_str().unwrap(), "--all-combinations"])
        .args(["--term", "equity.x0.amount", "--term", "pricing.discount"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "6 combinations of the alternatives of 2 terms",
        ));
    offtake()
        .args(["compare", path.to_str().unwrap(), "--all-combinations"])
        .args(["--term", "pricing.nosuch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no such term with alternatives"));
}

/// The golden case of a guarantee claim (MODEL v2 §14), forced with `--default`.
const CREDIT_CASE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../offtake-engine/tests/cases/credit_guarantee_claim.toml"
);

#[test]
fn forced_default_runs_the_realized_path() {
    // The case's hand arithmetic: buyer defaults in 2027-07 (t6); re-marketing at 0.125 earns 46.5
    // in a 744-hour month, so the buyer still owes 53.5 and the guarantee (share 0.5) pays 26.75
    // in t6 (mitigation, docs/model.md §14); recovery 0.4·(324 − 162) = 64.8; the realized
    // coverage stays on the zero-usage basis, 0.85.
    let json = json_of(&[
        "underwrite",
        CREDIT_CASE,
        "--json",
        "--default",
        "buyer=2027-07",
    ]);
    assert_eq!(json["metrics"]["coverage"].as_f64(), Some(0.85));
    let recovery = json["monthly"]["recovery"][6].as_f64().unwrap();
    assert!((recovery - 64.8).abs() <= 1e-9, "{recovery}");
    assert_eq!(json["monthly"]["guarantee"][6].as_f64(), Some(26.75));
    assert_eq!(json["monthly"]["payments"][6].as_f64(), Some(0.0));
    // The guarantor defaulting first stops its payments; a month before start is period 0;
    // a month at or after the end is no default (the base case's payments).
    let json = json_of(&[
        "underwrite",
        CREDIT_CASE,
        "--json",
        "--default",
        "buyer=2027-07",
        "--default",
        "g=2020-01",
    ]);
    assert_eq!(json["monthly"]["guarantee"][6].as_f64(), Some(0.0));
    let base = json_of(&["underwrite", CREDIT_CASE, "--json"]);
    let late = json_of(&[
        "underwrite",
        CREDIT_CASE,
        "--json",
        "--default",
        "buyer=2031-01",
    ]);
    assert_eq!(
        late["metrics"]["total_payments"],
        base["metrics"]["total_payments"]
    );
    assert_eq!(late["monthly"]["recovery"], base["monthly"]["recovery"]);
    // Without --default the base case: the expectation, not a realized path.
    assert!(
        base["metrics"]["credit_adjusted_coverage"]
            .as_f64()
            .unwrap()
            < 1.0
    );
    assert_eq!(base["metrics"]["coverage"].as_f64(), Some(1.0));
}

#[test]
fn bad_default_flag_exits_2_naming_it() {
    offtake()
        .args(["underwrite", CREDIT_CASE, "--default", "lender=2027-07"])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("--default lender"))
        .stderr(predicate::str::contains("buyer, g"));
    offtake()
        .args(["underwrite", CREDIT_CASE, "--default", "buyer=2027-13"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--default"))
        .stderr(predicate::str::contains("not a month"));
    offtake()
        .args([
            "underwrite",
            CREDIT_CASE,
            "--default",
            "buyer=2027-07",
            "--default",
            "buyer=2027-08",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("named twice"));
}

#[test]
fn demand_factor_runs_a_what_if_that_every_output_states() {
    let base = json_of(&["underwrite", EXAMPLE, "--json"]);
    assert!(
        base.get("scenario").is_none(),
        "no scenario member without the flag"
    );
    let half = json_of(&["underwrite", EXAMPLE, "--json", "--demand-factor", "0.5"]);
    assert_eq!(half["scenario"]["demand_factor"].as_f64(), Some(0.5));
    let (b, h) = (&base["metrics"], &half["metrics"]);
    assert!(
        h["provider_npv"].as_f64().unwrap() < b["provider_npv"].as_f64().unwrap(),
        "half the demand, less NPV: {} vs {}",
        h["provider_npv"],
        b["provider_npv"]
    );
    assert!(h["average_utilization"].as_f64() < b["average_utilization"].as_f64());
    // Combined with a forced default and a variant, as both flags.
    let both = json_of(&[
        "underwrite",
        CREDIT_CASE,
        "--json",
        "--default",
        "buyer=2027-07",
        "--demand-factor",
        "2",
    ]);
    assert_eq!(both["scenario"]["demand_factor"].as_f64(), Some(2.0));
    offtake()
        .args(["underwrite", EXAMPLE, "--demand-factor", "0.5"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "WHAT-IF: demand × 0.5 (--demand-factor; not a term of the sheet)",
        ));
    offtake()
        .args(["underwrite", EXAMPLE])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("WHAT-IF").not());
}

/// The last field of every line of a CSV file (the files hold no quoted commas at the end).
fn last_fields(text: &str) -> Vec<&str> {
    text.lines()
        .map(|l| l.rsplit(',').next().unwrap())
        .collect()
}

#[test]
fn a_what_if_csv_says_so_on_every_row_from_underwrite_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let (plain, uw, rep) = (
        dir.path().join("plain"),
        dir.path().join("uw"),
        dir.path().join("rep"),
    );
    offtake()
        .args(["underwrite", EXAMPLE, "-o"])
        .arg(dir.path().join("u.txt"))
        .arg("--csv")
        .arg(&plain)
        .assert()
        .code(0);
    offtake()
        .args(["underwrite", EXAMPLE, "--demand-factor", "0.5", "-o"])
        .arg(dir.path().join("w.txt"))
        .arg("--csv")
        .arg(&uw)
        .assert()
        .code(0);
    offtake()
        .args([
            "report",
            EXAMPLE,
            "--format",
            "csv",
            "--demand-factor",
            "0.5",
            "-q",
            "-o",
        ])
        .arg(&rep)
        .assert()
        .code(0);
    for name in ["monthly.csv", "annual.csv"] {
        let read = |d: &std::path::Path| std::fs::read_to_string(d.join(name)).unwrap();
        let (p, u, r) = (read(&plain), read(&uw), read(&rep));
        assert_eq!(u, r, "{name}: report --format csv = underwrite --csv");
        assert!(!p.contains("demand_factor"), "{name}: the sheet as written");
        let last = last_fields(&u);
        assert_eq!(last[0], "demand_factor", "{name}");
        assert!(
            last.len() > 1 && last[1..].iter().all(|f| *f == "0.5"),
            "{name}"
        );
        assert_eq!(u.lines().count(), p.lines().count(), "{name}");
    }
}

#[test]
fn bad_demand_factor_exits_2_naming_the_flag_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [
        "0", "-0.5", "10.5", "NaN", "inf", "half", "", "1e-320", "0.009",
    ] {
        let out = dir.path().join("out.json");
        offtake()
            .args(["underwrite", EXAMPLE, "--json", "-o"])
            .arg(&out)
            .arg(format!("--demand-factor={bad}"))
            .assert()
            .code(2)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains("--demand-factor"))
            .stderr(predicate::str::contains("a number from 0.01 to 10"));
        assert!(!out.exists(), "{bad}: nothing written");
    }
    // The cap and the floor themselves are fine.
    json_of(&["underwrite", EXAMPLE, "--json", "--demand-factor", "10"]);
    json_of(&["underwrite", EXAMPLE, "--json", "--demand-factor", "0.01"]);
}

#[test]
fn report_takes_demand_factor_as_underwrite_does() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    offtake()
        .args(["report", EXAMPLE, "--demand-factor", "0.5", "-q", "-o"])
        .arg(&json)
        .assert()
        .code(0);
    let cli = offtake()
        .args(["underwrite", EXAMPLE, "--json", "--demand-factor", "0.5"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        std::fs::read(&json).unwrap(),
        cli,
        "report JSON = underwrite --json"
    );
    let html = dir.path().join("r.html");
    offtake()
        .args(["report", EXAMPLE, "--demand-factor", "0.5", "-q", "-o"])
        .arg(&html)
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(&html)
            .unwrap()
            .contains("WHAT-IF: demand × 0.5")
    );
    offtake()
        .args(["report", EXAMPLE, "--demand-factor", "11", "-o"])
        .arg(dir.path().join("x.html"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--demand-factor"));
    assert!(!dir.path().join("x.html").exists());
}
