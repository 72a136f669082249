//! What the engine's integration tests share: "every figure is finite or absent", checked on
//! the whole outcome.

// Each test binary uses only its part.
#![allow(dead_code)]

use offtake_engine::{AnnualRow, Legibility, Metrics, Outcome, PathSummary};
use serde_json::Value;

/// Every number of `value` is finite, and every key that holds a number in `template` (a field
/// that always exists: `f64`, not `Option`) holds one here too. serde_json writes NaN and ±∞
/// as null, so a null where the template has a number was a non-finite f64.
fn check_against(what: &str, template: &Value, value: &Value, problems: &mut Vec<String>) {
    let (Value::Object(t), Value::Object(v)) = (template, value) else {
        return;
    };
    for (key, x) in v {
        match (t.get(key), x) {
            (Some(Value::Number(_)), Value::Null) => problems.push(format!("{what}.{key} is null")),
            (_, Value::Number(n)) if !n.as_f64().is_some_and(f64::is_finite) => {
                problems.push(format!("{what}.{key} = {n}"))
            }
            _ => {}
        }
    }
}

/// Every value of a series (arrays of numbers, possibly nested) is a finite number.
fn check_series(what: &str, value: &Value, problems: &mut Vec<String>) {
    match value {
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                check_series(&format!("{what}[{i}]"), x, problems);
            }
        }
        Value::Number(n) if n.as_f64().is_some_and(f64::is_finite) => {}
        Value::String(_) => {}
        other => problems.push(format!("{what} = {other}")),
    }
}

/// The problems with the outcome's figures: none when every metric, monthly series value,
/// annual figure and legibility figure is a finite number or (where optional) absent.
pub fn non_finite_figures(o: &Outcome) -> Vec<String> {
    let mut problems = Vec::new();
    check_against(
        "metrics",
        &to(&Metrics::default()),
        &to(&o.metrics),
        &mut problems,
    );
    for row in &o.annual {
        check_against(
            &format!("annual[{}]", row.year),
            &to(&AnnualRow::default()),
            &to(row),
            &mut problems,
        );
        if row.dscr.is_some_and(|d| !d.is_finite()) {
            problems.push(format!("annual[{}].dscr", row.year));
        }
    }
    check_against(
        "legibility",
        &to(&Legibility::default()),
        &to(&o.legibility),
        &mut problems,
    );
    if let Value::Object(series) = to(&o.schedule) {
        for (name, values) in &series {
            // MODEL.md §15: market value and LTV are absent without `chip_resale` or debt, and
            // LTV where the market value is not positive.
            match (name.as_str(), values) {
                ("market_value" | "ltv", Value::Null) => {}
                ("ltv", Value::Array(a)) => {
                    for (i, x) in a.iter().enumerate().filter(|(_, x)| !x.is_null()) {
                        check_series(&format!("schedule.ltv[{i}]"), x, &mut problems);
                    }
                }
                _ => check_series(&format!("schedule.{name}"), values, &mut problems),
            }
        }
    }
    // MODEL.md §15's lender view and §14's party credit leave the engine too.
    if let Some(l) = &o.lender {
        for (name, x) in [
            ("balance_at_start", Some(l.balance_at_start)),
            ("reserve_funded", Some(l.reserve_funded)),
            ("reserve_used", Some(l.reserve_used)),
            ("reserve_released", Some(l.reserve_released)),
            ("capex_grown", l.capex_grown),
            ("debt_capacity", l.debt_capacity),
            ("gearing_target", l.gearing_target),
        ] {
            if x.is_some_and(|v| !v.is_finite()) {
                problems.push(format!("lender.{name}"));
            }
        }
    }
    for p in &o.credit {
        let values = [p.hazard, p.pd_term, p.paid, p.pv_support];
        if !values.iter().chain(&p.survival).all(|x| x.is_finite()) {
            problems.push(format!("credit[{}]", p.id));
        }
    }
    for d in [
        &o.verdict_details.contracted,
        &o.verdict_details.financeable,
        &o.verdict_details.deliverable,
    ] {
        if d.figure.is_some_and(|x| !x.is_finite()) || !d.threshold.is_finite() {
            problems.push(format!("verdict detail {d:?}"));
        }
    }
    problems
}

/// The same for the Monte Carlo kernel's summary.
pub fn non_finite_summary(s: &PathSummary) -> Vec<String> {
    let mut problems = Vec::new();
    check_against(
        "summary.metrics",
        &to(&Metrics::default()),
        &to(&s.metrics),
        &mut problems,
    );
    problems
}

fn to<T: serde::Serialize>(x: &T) -> Value {
    serde_json::to_value(x).unwrap()
}
