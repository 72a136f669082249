//! `offtake solve` as a user runs it: the boundary, its JSON, the curve's HTML, and every bad
//! input refused with exit 2 before anything runs or is written.

use predicates::prelude::*;
use serde_json::Value;

mod common;

use common::{EXAMPLE, offtake};

/// MODEL.md §5/§9's golden case (coverage = 5.88 × floor; see offtake-solve's golden test).
const SETTLE_MONTHLY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../offtake-engine/tests/cases/settle_monthly.toml"
);

fn json_of(args: &[&str]) -> Value {
    let out = offtake().args(args).assert().code(0).get_output().clone();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn terminal_report_of_a_solve() {
    let out = offtake()
        .args([
            "solve",
            SETTLE_MONTHLY,
            "--vary",
            "take_or_pay.floor",
            "--target",
            "coverage>=1",
        ])
        .assert()
        .code(0)
        .get_output()
        .clone();
    insta::assert_snapshot!(String::from_utf8(out.stdout).unwrap());
}

#[test]
fn json_has_the_boundary_and_both_sides() {
    let v = json_of(&[
        "solve",
        SETTLE_MONTHLY,
        "--vary",
        "take_or_pay.floor",
        "--target",
        "coverage >= 1",
        "--json",
    ]);
    assert_eq!(v["term"], "take_or_pay.floor");
    assert_eq!(v["goal"], "coverage>=1");
    assert_eq!(v["status"], "found");
    let value = v["value"].as_f64().unwrap();
    assert!((value - 1.0 / 5.88).abs() < 1e-6 * value);
    assert_eq!(v["crossings"].as_array().unwrap().len(), 1);
    assert_eq!(v["crossings"][0]["kind"], "root");
    assert_eq!(v["below"]["holds"], false);
    assert_eq!(v["above"]["holds"], true);
    assert_eq!(v["below"]["verdicts"]["contracted"], false);
    assert_eq!(v["above"]["verdicts"]["contracted"], true);
    // ≥ allows the verdicts' tolerance (MODEL.md: 1e-9 relative), so the goal and
    // `contracted` agree on both sides.
    assert!(v["above"]["metrics"]["coverage"].as_f64().unwrap() >= 1.0 - 1e-9);
    assert!(v["below"]["metrics"]["coverage"].as_f64().unwrap() < 1.0 - 1e-9);
    assert_eq!(v["range"]["source"], "valid_range");
    assert!(v["engine_runs"].as_u64().unwrap() <= 40);
}

#[test]
fn infeasible_is_an_answer_with_a_null_value() {
    let v = json_of(&[
        "solve",
        EXAMPLE,
        "--vary",
        "take_or_pay.floor",
        "--target",
        "contracted",
        "--json",
    ]);
    assert_eq!(v["status"], "infeasible");
    assert_eq!(v["value"], Value::Null);
    assert_eq!(v["crossings"], Value::Array(vec![]));
}

#[test]
fn a_risk_goal_runs_on_fixed_paths() {
    let args = [
        "solve",
        EXAMPLE,
        "--vary",
        "financing.debt_share",
        "--target",
        "P(financeable)>=0.9",
        "--risk",
        "--paths",
        "100",
        "--seed",
        "3",
        "--json",
    ];
    let v = json_of(&args);
    assert_eq!(v["risk"]["paths"], 100);
    assert_eq!(v["risk"]["seed"], 3);
    assert!(
        v["below"]["probabilities"]["financeable"]
            .as_f64()
            .is_some()
    );
    let mut one_thread = args.to_vec();
    one_thread.extend(["--threads", "1"]);
    assert_eq!(json_of(&one_thread), v);
}

#[test]
fn two_terms_draw_a_curve() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("curve.html");
    let args = [
        "solve",
        EXAMPLE,
        "--vary",
        "pricing.list_price",
        "--vary",
        "pricing.discount",
        "--target",
        "provider_irr>=0.3",
        "--range",
        "1.5..2.5",
        "--grid",
        "3",
    ];
    let out = offtake().args(args).assert().code(0).get_output().clone();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Boundary of pricing.discount"), "{text}");
    let mut json = args.to_vec();
    json.push("--json");
    let v = json_of(&json);
    assert_eq!(v["points"].as_array().unwrap().len(), 3);
    assert_eq!(v["points"][1]["a"], 2.0);
    let mut with_html = args.to_vec();
    with_html.extend(["-o", html.to_str().unwrap()]);
    offtake().args(with_html).assert().code(0);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("<svg"),
        "{page}"
    );
}

/// Each bad input: exit 2, a message naming the problem, and nothing written.
#[test]
fn bad_input_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    let o = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--vary", "take_or_pay.flor", "--target", "contracted"],
            "did you mean `take_or_pay.floor`",
        ),
        (
            &["--vary", "pricing.nothing", "--target", "contracted"],
            "no numeric term `pricing.nothing`",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--target",
                "contracted",
                "--range",
                "0.5..1.2",
            ],
            "within 0..1",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--target",
                "contracted",
                "--range",
                "0.8..0.2",
            ],
            "A < B",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--target",
                "contracted",
                "--range",
                "half",
            ],
            "write A..B",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--target",
                "provider_irr>>0.1",
            ],
            "not a finite number in the goal",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--target",
                "provider_ir>=0.1",
            ],
            "did you mean `provider_irr`",
        ),
        (
            &["--vary", "take_or_pay.floor", "--target", "financable"],
            "cannot read the goal",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--target",
                "P(financeable)>=0.9",
            ],
            "--risk",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--vary",
                "take_or_pay.floor",
                "--target",
                "all",
            ],
            "given twice",
        ),
        (
            &[
                "--vary",
                "pricing.discount",
                "--vary",
                "take_or_pay.floor",
                "--target",
                "contracted",
                "--grid",
                "18446744073709551615",
            ],
            "the grid takes 2 to 10000 points",
        ),
        (
            &[
                "--vary",
                "pricing.discount",
                "--vary",
                "take_or_pay.floor",
                "--target",
                "contracted",
                "--grid",
                "1000000000000",
            ],
            "the grid takes 2 to 10000 points",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--target",
                "contracted",
                "--grid",
                "0",
            ],
            "the grid takes 2 to 10000 points",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--target",
                "contracted",
                "--grid",
                "10001",
            ],
            "the grid takes 2 to 10000 points",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--target",
                "contracted",
                "--range",
                "0...1",
            ],
            "write A..B",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--target",
                "contracted",
                "--range",
                "..1",
            ],
            "write A..B",
        ),
        (
            &[
                "--vary",
                "take_or_pay.floor",
                "--target",
                "contracted",
                "--range",
                "0..1..2",
            ],
            "write A..B",
        ),
        (
            &["--vary", "tranche.phase-1.online", "--target", "contracted"],
            "`tranche.phase-1.online` is not a numeric term (it is a date)",
        ),
        (
            &["--vary", "deal.start", "--target", "contracted"],
            "`deal.start` is not a numeric term (it is a date)",
        ),
        (
            &["--vary", "deal.buyer", "--target", "contracted"],
            "`deal.buyer` is not a numeric term (it is a string)",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["solve", EXAMPLE];
        all.extend_from_slice(args);
        all.extend(["-o", o]);
        offtake()
            .args(&all)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(*message));
        assert!(!out.exists(), "{args:?} wrote {o}");
    }
}

#[test]
fn a_range_outside_the_valid_values_points_at_the_term_in_the_file() {
    let line = std::fs::read_to_string(EXAMPLE)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("floor = "))
        .unwrap()
        + 1;
    offtake()
        .args([
            "solve",
            EXAMPLE,
            "--vary",
            "take_or_pay.floor",
            "--target",
            "contracted",
            "--range",
            "0.5..1.2",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "amazon-anthropic-2026.toml:{line}:"
        )))
        .stderr(predicate::str::contains("within 0..1, found 1.2"));
}

#[test]
fn a_date_term_is_not_numeric() {
    let coreweave = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/coreweave-openai-2025.toml"
    );
    offtake()
        .args([
            "solve",
            coreweave,
            "--vary",
            "tranche.blackwell.online",
            "--target",
            "contracted",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a numeric term"));
}

#[test]
fn grid_sets_the_scan_of_a_one_term_solve() {
    for (grid, points) in [(None, 17), (Some("5"), 5), (Some("40"), 40)] {
        let mut args = vec![
            "solve",
            SETTLE_MONTHLY,
            "--vary",
            "take_or_pay.floor",
            "--target",
            "coverage>=1",
            "--json",
        ];
        if let Some(g) = grid {
            args.extend(["--grid", g]);
        }
        let v = json_of(&args);
        assert_eq!(v["grid"].as_array().unwrap().len(), points, "{grid:?}");
        let value = v["value"].as_f64().unwrap();
        assert!((value - 1.0 / 5.88).abs() < 1e-6 * value, "{grid:?}");
    }
}
