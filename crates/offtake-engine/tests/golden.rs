//! Hand-computed golden cases: `tests/cases/<name>.toml` term sheets whose expected figures are
//! worked out by hand in their comments and listed as `# expect: <path> = <value>` lines.
//!
//! `<path>` walks the JSON form of the [`Outcome`](offtake_engine::Outcome) (`metrics.provider_npv`,
//! `schedule.capex[3]`, `fits[0].fits[1][1]`); `<value>` is a number, `true`/`false`, `none`
//! (absent) or a "string". Numbers compare within 1e-9·max(1, |expected|) unless the line ends
//! with `~ <relative tolerance>`. A `# scenario: <factor> = <value>` line changes the base
//! scenario (`demand_factor`, `power_factor`, `capex_factor`, `delay_months = [..]`,
//! `slip_months = [..]`); a `# defaults: <party>=<YYYY-MM>, …` line gives the parties' default
//! months (MODEL.md §14: a path with given defaults, as `underwrite --default`).

#![allow(
    clippy::disallowed_methods,
    reason = "the golden cases are files this test reads"
)]

use offtake_engine::{Scenario, Simulator, underwrite};
use serde_json::Value;

fn check(name: &str) {
    let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let contract = offtake_model::parse(&text).unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let mut scenario = Scenario::base(&contract);
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix("# scenario:") {
            let (key, value) = rest.split_once('=').unwrap();
            let value = value.trim();
            let months = || -> Vec<i64> {
                let v: Value = serde_json::from_str(value).unwrap();
                v.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_i64().unwrap())
                    .collect()
            };
            match key.trim() {
                "demand_factor" => scenario.demand_factor = value.parse().unwrap(),
                "power_factor" => scenario.power_factor = value.parse().unwrap(),
                "capex_factor" => scenario.capex_factor = value.parse().unwrap(),
                "delay_months" => scenario.delay_months = months(),
                "slip_months" => scenario.slip_months = months(),
                other => panic!("{name}: unknown scenario factor {other}"),
            }
        }
    }
    // `# defaults: buyer=2027-07, g=2027-04`: a path with given defaults (MODEL.md §14), each
    // party by id and the month it defaults in; parties not named do not default.
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix("# defaults:") {
            let parties = contract.parties();
            let mut defaults = vec![None; parties.len()];
            for item in rest.split(',') {
                let (id, month) = item.trim().split_once('=').unwrap();
                let p = parties
                    .iter()
                    .position(|(_, pid, _)| *pid == id.trim())
                    .unwrap_or_else(|| panic!("{name}: unknown party {id}"));
                let (y, m) = month.trim().split_once('-').unwrap();
                let date =
                    chrono::NaiveDate::from_ymd_opt(y.parse().unwrap(), m.parse().unwrap(), 1)
                        .unwrap();
                defaults[p] = Some(contract.period_of(date));
            }
            scenario.defaults = Some(defaults);
        }
    }
    let outcome = underwrite(&contract, &scenario);
    // The kernel and the full outcome must agree.
    let mut sim = Simulator::new(&contract);
    let summary = sim.run(&scenario).clone();
    assert_eq!(summary.metrics, outcome.metrics, "{name}: kernel metrics");
    assert_eq!(
        summary.verdicts, outcome.verdicts,
        "{name}: kernel verdicts"
    );

    let json = serde_json::to_value(&outcome).unwrap();
    let mut n_checked = 0;
    let mut failures = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("# expect:") else {
            continue;
        };
        let (key, expected) = rest.split_once('=').unwrap();
        let (key, expected) = (key.trim(), expected.trim());
        let (expected, tolerance) = match expected.split_once('~') {
            Some((v, tol)) => (v.trim(), tol.trim().parse::<f64>().unwrap()),
            None => (expected, 1e-9),
        };
        // A path that leads nowhere (an index past the end) reads as absent: `none`.
        let actual = lookup(&json, key).unwrap_or(&Value::Null);
        if let Some(problem) = compare(actual, expected, tolerance) {
            failures.push(format!("{key}: {problem}"));
        }
        n_checked += 1;
    }
    assert!(n_checked > 0, "{name}: no expectations");
    assert!(failures.is_empty(), "{name}:\n  {}", failures.join("\n  "));
}

/// Follows `a.b[2].c[0][1]` through a JSON value.
fn lookup<'v>(root: &'v Value, path: &str) -> Option<&'v Value> {
    let mut v = root;
    for segment in path.split('.') {
        let (field, mut indices) = match segment.find('[') {
            Some(i) => (&segment[..i], &segment[i..]),
            None => (segment, ""),
        };
        if !field.is_empty() {
            v = v.get(field)?;
        }
        while let Some(rest) = indices.strip_prefix('[') {
            let close = rest.find(']')?;
            v = v.get(rest[..close].parse::<usize>().ok()?)?;
            indices = &rest[close + 1..];
        }
    }
    Some(v)
}

fn compare(actual: &Value, expected: &str, tolerance: f64) -> Option<String> {
    let ok = match expected {
        "none" => actual.is_null(),
        "true" => actual == &Value::Bool(true),
        "false" => actual == &Value::Bool(false),
        s if s.starts_with('"') => actual.as_str() == Some(s.trim_matches('"')),
        s => {
            let e: f64 = s.replace('_', "").parse().unwrap();
            actual
                .as_f64()
                .is_some_and(|a| (a - e).abs() <= tolerance * e.abs().max(1.0))
        }
    };
    (!ok).then(|| format!("expected {expected}, got {actual}"))
}

#[test]
fn ramp() {
    check("ramp");
}

#[test]
fn build_spread() {
    check("build_spread");
}

#[test]
fn refresh() {
    check("refresh");
}

#[test]
fn refresh_last_window() {
    check("refresh_last_window");
}

#[test]
fn option_exercised() {
    check("option_exercised");
}

#[test]
fn option_not_exercised() {
    check("option_not_exercised");
}

#[test]
fn settle_monthly() {
    check("settle_monthly");
}

#[test]
fn settle_annual() {
    check("settle_annual");
}

#[test]
fn true_up() {
    check("true_up");
}

#[test]
fn tax_loss_carry_forward() {
    check("tax_loss_carry_forward");
}

#[test]
fn debt_dscr() {
    check("debt_dscr");
}

#[test]
fn milestone_equity() {
    check("milestone_equity");
}

#[test]
fn delay_and_slip() {
    check("delay_and_slip");
}

#[test]
fn curve_ends_at_zero() {
    check("curve_ends_at_zero");
}

// MODEL v2 §13 (with the hand arithmetic in each file; also checked against tools/reference by
// tools/reference/compare.py).

#[test]
fn delivery_late_tranche() {
    check("delivery_late_tranche");
}

#[test]
fn generation_prices_refresh() {
    check("generation_prices_refresh");
}

#[test]
fn capacity_charge() {
    check("capacity_charge");
}

#[test]
fn min_annual_excused() {
    check("min_annual_excused");
}

#[test]
fn min_annual_not_excused() {
    check("min_annual_not_excused");
}

#[test]
fn true_up_chain() {
    check("true_up_chain");
}

#[test]
fn non_binding() {
    check("non_binding");
}

#[test]
fn equity_consideration() {
    check("equity_consideration");
}

// MODEL v2 §15, the lender's view (hand arithmetic in each file; staged first as
// tools/reference/v2_cases/lender_*.toml and checked against tools/reference by compare.py).

#[test]
fn lender_sculpt_dscr_binds() {
    check("lender_sculpt_dscr_binds");
}

#[test]
fn lender_sculpt_gearing_binds() {
    check("lender_sculpt_gearing_binds");
}

#[test]
fn lender_reserve_exhausted() {
    check("lender_reserve_exhausted");
}

#[test]
fn lender_ltv_crossing() {
    check("lender_ltv_crossing");
}

#[test]
fn lender_sponsor_irr() {
    check("lender_sponsor_irr");
}

// MODEL v2 §14, credit and credit support (hand arithmetic in each file; staged first as
// tools/reference/v2_cases/credit_*.toml and checked against tools/reference by compare.py).

#[test]
fn credit_default_period0() {
    check("credit_default_period0");
}

#[test]
fn credit_default_midterm() {
    check("credit_default_midterm");
}

#[test]
fn credit_default_never() {
    check("credit_default_never");
}

#[test]
fn credit_guarantee_claim() {
    check("credit_guarantee_claim");
}

#[test]
fn credit_guarantee_cap() {
    check("credit_guarantee_cap");
}

#[test]
fn credit_backstop_runs_out() {
    check("credit_backstop_runs_out");
}

#[test]
fn credit_guarantor_defaults_first() {
    check("credit_guarantor_defaults_first");
}

#[test]
fn credit_remarket_exceeds_zr() {
    check("credit_remarket_exceeds_zr");
}

#[test]
fn credit_remarket_annual_lump() {
    check("credit_remarket_annual_lump");
}
