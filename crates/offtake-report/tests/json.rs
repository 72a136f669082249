//! The JSON view of the bundled example: snapshot, documented members and types, tie-outs.

use offtake_engine::{LenderView, Outcome, PartyCredit};
use offtake_model::Variant;
use offtake_report::UnderwritingJson;
use offtake_report::series::{Aggregation, annual_columns, monthly_series};
use serde_json::Value;

mod common;

use common::{EXAMPLE, run};
const OUTPUT_DOC: &str = include_str!("../../../docs/output.md");

fn json_text(src: &str) -> String {
    let (c, o) = run(src, &[]);
    UnderwritingJson::new(&c, &o).to_string_pretty().unwrap()
}

/// Rounds every number outside strings to 9 significant digits, so the snapshot does not move
/// with last-bit noise of floating point.
fn normalise_numbers(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut chars = json.chars().peekable();
    let (mut in_string, mut escaped) = (false, false);
    while let Some(ch) = chars.next() {
        if in_string {
            out.push(ch);
            match (escaped, ch) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        if ch == '"' {
            in_string = true;
            out.push(ch);
        } else if ch == '-' || ch.is_ascii_digit() {
            let mut number = String::from(ch);
            while let Some(&c) = chars.peek() {
                if c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-') {
                    number.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            let x: f64 = number.parse().unwrap();
            let rounded: f64 = format!("{x:.8e}").parse().unwrap();
            // -0 and 0 are the same figure.
            let rounded = if rounded == 0.0 { 0.0 } else { rounded };
            out.push_str(&rounded.to_string());
        } else {
            out.push(ch);
        }
    }
    out
}

#[test]
fn normalising_rounds_numbers_but_not_strings() {
    let text =
        r#"{"a-1": 1234567890123.5, "b": [0.1000000000001, -2e-3, 7], "c": "x\"1.23456789012"}"#;
    assert_eq!(
        normalise_numbers(text),
        r#"{"a-1": 1234567890000, "b": [0.1, -0.002, 7], "c": "x\"1.23456789012"}"#
    );
}

#[test]
fn example_json_snapshot() {
    insta::assert_snapshot!("example_json", normalise_numbers(&json_text(EXAMPLE)));
}

fn top_level_keys(text: &str) -> Vec<String> {
    // Pretty output puts each top-level member on a line indented by two spaces.
    text.lines()
        .filter_map(|l| l.strip_prefix("  \""))
        .filter_map(|l| l.split_once("\":").map(|(k, _)| k.to_string()))
        .collect()
}

#[test]
fn members_come_in_the_documented_order() {
    let keys = top_level_keys(&json_text(EXAMPLE));
    assert_eq!(
        keys,
        [
            "schema_version",
            "deal",
            "metrics",
            "verdicts",
            "verdict_details",
            "legibility",
            "credit",
            "lender",
            "monthly",
            "annual",
            "options",
            "option_decisions",
            "fits",
            "tranches",
            "equity",
            "equity_payments",
            "deliverability",
            "inputs",
            "sources",
        ]
    );
    // Keyed maps keep file order, not alphabetical order.
    let text = json_text(EXAMPLE);
    let initial = text.find("\"initial\": ").unwrap();
    let milestone = text.find("\"milestone\": ").unwrap();
    assert!(initial < milestone);
}

#[derive(Clone, Copy, Debug)]
enum Ty {
    Number,
    NumberOrNull,
    Integer,
    IntegerOrNull,
    Bool,
    Str,
    StrOrNull,
    /// An array of numbers, one per period.
    Monthly,
    Array,
    Object,
}

fn has_type(v: &Value, ty: Ty, periods: usize) -> bool {
    match ty {
        Ty::Number => v.is_number(),
        Ty::NumberOrNull => v.is_number() || v.is_null(),
        Ty::Integer => v.is_u64() || v.is_i64(),
        Ty::IntegerOrNull => v.is_u64() || v.is_i64() || v.is_null(),
        Ty::Bool => v.is_boolean(),
        Ty::Str => v.is_string(),
        Ty::StrOrNull => v.is_string() || v.is_null(),
        Ty::Monthly => v
            .as_array()
            .is_some_and(|a| a.len() == periods && a.iter().all(Value::is_number)),
        Ty::Array => v.is_array(),
        Ty::Object => v.is_object(),
    }
}

#[test]
fn documented_members_exist_with_their_types() {
    use Ty::*;
    let (c, o) = run(EXAMPLE, &[]);
    let v = offtake_report::underwriting_json(&c, &o);
    let t = c.term_months();
    let expected: &[(&str, Ty)] = &[
        ("/schema_version", Integer),
        ("/deal", Object),
        ("/metrics", Object),
        ("/options", Object),
        ("/equity", Object),
        ("/deal/id", Str),
        ("/deal/name", StrOrNull),
        ("/deal/start", Str),
        ("/deal/end", Str),
        ("/deal/term_months", Integer),
        ("/deal/variants", Array),
        ("/metrics/provider_npv", Number),
        ("/metrics/provider_irr", NumberOrNull),
        ("/metrics/irr_multiple_roots", Bool),
        ("/metrics/payback_months", IntegerOrNull),
        ("/metrics/min_dscr", NumberOrNull),
        ("/metrics/avg_dscr", NumberOrNull),
        ("/metrics/debt_outstanding_at_end", Number),
        ("/metrics/provider_deal_npv", Number),
        ("/metrics/buyer_npv", Number),
        ("/metrics/effective_price", NumberOrNull),
        ("/metrics/effective_discount", NumberOrNull),
        ("/metrics/idle_payments", Number),
        ("/metrics/total_payments", Number),
        ("/metrics/total_capex", Number),
        ("/metrics/coverage", NumberOrNull),
        ("/metrics/circularity", NumberOrNull),
        ("/verdicts/contracted", Bool),
        ("/verdicts/financeable", Bool),
        ("/verdicts/deliverable", Bool),
        ("/verdict_details/contracted/passed", Bool),
        ("/verdict_details/contracted/figure", NumberOrNull),
        ("/verdict_details/contracted/threshold", Number),
        ("/verdict_details/contracted/note", Str),
        ("/verdict_details/financeable/figure", NumberOrNull),
        ("/verdict_details/deliverable/figure", NumberOrNull),
        ("/legibility/committed_spend", Number),
        ("/legibility/committed_spend_per_mw_year", NumberOrNull),
        ("/legibility/break_even_utilization", NumberOrNull),
        ("/legibility/floor_capex_coverage", NumberOrNull),
        ("/monthly/months", Array),
        ("/monthly/capacity_mw", Monthly),
        ("/monthly/pflops", Monthly),
        ("/monthly/available_pflop_hours", Monthly),
        ("/monthly/used_pflop_hours", Monthly),
        ("/monthly/utilization", Monthly),
        ("/monthly/price", Monthly),
        ("/monthly/usage_charge", Monthly),
        ("/monthly/shortfall", Monthly),
        ("/monthly/true_up", Monthly),
        ("/monthly/payments", Monthly),
        ("/monthly/power_cost", Monthly),
        ("/monthly/fixed_opex", Monthly),
        ("/monthly/ebitda", Monthly),
        ("/monthly/capex", Monthly),
        ("/monthly/depreciation", Monthly),
        ("/monthly/tax", Monthly),
        ("/monthly/fcf", Monthly),
        ("/monthly/cfads", Monthly),
        ("/monthly/debt_service", Monthly),
        ("/monthly/tranche_capacity_mw/phase-1", Monthly),
        ("/annual", Array),
        ("/annual/0/year", Integer),
        ("/annual/0/first_month", Str),
        ("/annual/0/payments", Number),
        ("/annual/0/dscr", NumberOrNull),
        ("/options/phase-3", Bool),
        ("/options/phase-4", Bool),
        ("/option_decisions/0/trailing_utilization", NumberOrNull),
        ("/fits/phase-1", Array),
        ("/fits/phase-1/0/0", Integer),
        ("/fits/phase-1/0/1", Str),
        ("/tranches/0/online_month", StrOrNull),
        ("/equity/initial", IntegerOrNull),
        ("/equity/milestone", IntegerOrNull),
        ("/equity_payments/0/month", StrOrNull),
        ("/deliverability/0/passed", Bool),
        ("/inputs/0/path", Str),
        ("/inputs/0/value", Number),
        ("/inputs/0/unit", Str),
        ("/inputs/0/evidence", Str),
        ("/inputs/0/disclosed", Bool),
        ("/inputs/0/line", Integer),
        ("/inputs/0/alternatives", Array),
        ("/sources", Array),
        ("/sources/0/id", Str),
    ];
    for (pointer, ty) in expected {
        let value = v
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} is missing"));
        assert!(
            has_type(value, *ty, t),
            "{pointer} should be {ty:?}, is {value}"
        );
    }
    let months = v["monthly"]["months"].as_array().unwrap();
    assert_eq!(months.len(), t);
    assert_eq!(months[0], "2026-07");
    assert_eq!(months[t - 1], "2036-06");
    // Firm tranches are not options.
    assert!(v.pointer("/options/phase-1").is_none());
}

/// Every member name the JSON can hold (except keys that are ids) is explained in docs/output.md.
#[test]
fn every_member_is_documented() {
    fn walk(v: &Value, path: &str, id_maps: &[&str], out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(map) => {
                let keyed_by_id = id_maps.contains(&path);
                for (k, child) in map {
                    let child_path = if keyed_by_id {
                        format!("{path}/*")
                    } else {
                        format!("{path}/{k}")
                    };
                    if !keyed_by_id {
                        out.push((child_path.clone(), k.clone()));
                    }
                    walk(child, &child_path, id_maps, out);
                }
            }
            Value::Array(items) => {
                for item in items {
                    walk(item, &format!("{path}/[]"), id_maps, out);
                }
            }
            _ => {}
        }
    }
    let (c, o) = run(EXAMPLE, &[]);
    let with_variant = {
        let v = [Variant {
            term: "pricing.discount".into(),
            n: 1,
        }];
        let (c, o) = run(EXAMPLE, &v);
        serde_json::to_value(UnderwritingJson::new(&c, &o).with_variants(&c, &v)).unwrap()
    };
    let id_maps = [
        "/credit",
        "/options",
        "/fits",
        "/equity",
        "/monthly/tranche_capacity_mw",
    ];
    let mut members = Vec::new();
    walk(
        &offtake_report::underwriting_json(&c, &o),
        "",
        &id_maps,
        &mut members,
    );
    walk(&with_variant, "", &id_maps, &mut members);
    // Credit parties and the lender's view, filled in by hand (the example may have neither).
    let supported = with_credit_and_lender(o.clone());
    walk(
        &offtake_report::underwriting_json(&c, &supported),
        "",
        &id_maps,
        &mut members,
    );
    let undocumented: Vec<String> = members
        .into_iter()
        .filter(|(_, name)| !OUTPUT_DOC.contains(&format!("`{name}`")))
        .map(|(path, _)| path)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert!(
        undocumented.is_empty(),
        "not in docs/output.md: {undocumented:?}"
    );
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Annual rows and headline totals tie out to the monthly series they summarise.
#[test]
fn annual_and_totals_tie_out_to_monthly() {
    for variants in [
        vec![],
        vec![Variant {
            term: "commitment.min_total_spend".into(),
            n: 1,
        }],
    ] {
        let (_, o) = run(EXAMPLE, &variants);
        let series = monthly_series(&o.schedule);
        let values = |name: &str| {
            series
                .iter()
                .find(|s| s.name == name)
                .unwrap_or_else(|| panic!("no monthly {name}"))
                .values
        };
        let monthly = |name: &str| {
            values(name)
                .numbers()
                .unwrap_or_else(|| panic!("monthly {name} has gaps"))
        };
        let mut covered = 0;
        for row in &o.annual {
            let span = row.first_period..=row.last_period;
            covered += row.last_period - row.first_period + 1;
            let sum = |name: &str| monthly(name)[span.clone()].iter().sum::<f64>();
            for col in annual_columns() {
                let annual = (col.get)(row);
                let expected = match (col.aggregation, col.name) {
                    (Aggregation::Sum, name) => Some(sum(name)),
                    (Aggregation::SumOf(names), _) => Some(names.iter().map(|n| sum(n)).sum()),
                    (Aggregation::Last, name) => values(name).get(row.last_period),
                    (Aggregation::Ratio, "utilization") => {
                        let c = sum("available_pflop_hours");
                        Some(if c > 0.0 {
                            sum("used_pflop_hours") / c
                        } else {
                            0.0
                        })
                    }
                    (Aggregation::Ratio, "dscr") => {
                        let service = sum("debt_service");
                        (service > 0.0).then(|| sum("cfads") / service)
                    }
                    (Aggregation::Ratio, "delivery_ratio") => {
                        let promised = sum("promised_capacity_mw");
                        Some(if promised != 0.0 {
                            sum("capacity_mw") / promised
                        } else {
                            1.0
                        })
                    }
                    (Aggregation::Ratio, other) => panic!("no tie-out rule for {other}"),
                };
                match (annual, expected) {
                    (Some(a), Some(e)) => assert!(
                        close(a, e),
                        "year {} {}: annual {a} vs monthly {e}",
                        row.year,
                        col.name
                    ),
                    (None, None) => {}
                    (a, e) => panic!("year {} {}: {a:?} vs {e:?}", row.year, col.name),
                }
            }
        }
        assert_eq!(covered, o.schedule.months.len(), "years cover every period");

        let m = &o.metrics;
        let total = |name: &str| monthly(name).iter().sum::<f64>();
        for (metric, value, series) in [
            ("total_payments", m.total_payments, "payments"),
            ("total_usage_charges", m.total_usage_charges, "usage_charge"),
            ("total_shortfall", m.total_shortfall, "shortfall"),
            ("total_true_up", m.total_true_up, "true_up"),
            ("total_capex", m.total_capex, "capex"),
            ("total_power_cost", m.total_power_cost, "power_cost"),
            ("total_fixed_opex", m.total_fixed_opex, "fixed_opex"),
            ("total_tax", m.total_tax, "tax"),
            ("equity_paid_total", m.equity_paid_total, "equity_paid"),
        ] {
            assert!(
                close(value, total(series)),
                "{metric} {value} vs Σ {series} {}",
                total(series)
            );
        }
        assert!(close(
            m.idle_payments,
            total("shortfall") + total("true_up")
        ));
        // Payments are usage + shortfall + true-up in every period.
        for t in 0..o.schedule.months.len() {
            let s = &o.schedule;
            assert!(close(
                s.payments[t],
                s.usage_charge[t] + s.shortfall[t] + s.true_up[t]
            ));
        }
    }
}

#[test]
fn absent_values_are_null() {
    // No [financing]: no debt service, so no DSCR.
    let start = EXAMPLE.find("[financing]").unwrap();
    let end = start + EXAMPLE[start..].find("\n\n").unwrap();
    let no_debt = format!("{}{}", &EXAMPLE[..start], &EXAMPLE[end..]);
    let (c, o) = run(&no_debt, &[]);
    let v = offtake_report::underwriting_json(&c, &o);
    assert!(v["metrics"]["min_dscr"].is_null());
    assert!(v["metrics"]["avg_dscr"].is_null());
    assert!(v["verdict_details"]["financeable"]["figure"].is_null());
    assert_eq!(v["verdicts"]["financeable"], Value::Bool(true));
    assert!(
        v["annual"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["dscr"].is_null())
    );
    assert_eq!(v["metrics"]["debt_outstanding_at_end"], 0.0);
}

#[test]
fn variants_are_recorded_with_their_value_and_source() {
    let v = [Variant {
        term: "commitment.min_total_spend".into(),
        n: 1,
    }];
    let (c, o) = run(EXAMPLE, &v);
    let json = serde_json::to_value(UnderwritingJson::new(&c, &o).with_variants(&c, &v)).unwrap();
    let recorded = &json["deal"]["variants"][0];
    assert_eq!(recorded["term"], "commitment.min_total_spend");
    assert_eq!(recorded["n"], 1);
    assert_eq!(recorded["value"], 33e9);
    assert_eq!(recorded["source"], "capacity-lock-report");
    assert_eq!(recorded["evidence"], "reported");
    let (bc, bo) = run(EXAMPLE, &[]);
    let base = offtake_report::underwriting_json(&bc, &bo);
    assert!(base["deal"]["variants"].as_array().unwrap().is_empty());
    assert!(
        json["legibility"]["committed_spend"].as_f64().unwrap()
            < base["legibility"]["committed_spend"].as_f64().unwrap()
    );
}

/// `outcome` with a buyer and a guarantor with credit, a sculpted loan and a market value, as the
/// credit and lender stages (MODEL.md §14, §15) would fill them.
fn with_credit_and_lender(mut o: Outcome) -> Outcome {
    let t = o.schedule.months.len();
    let party = |id: &str, role: &str, pd: f64| PartyCredit {
        id: id.into(),
        role: role.into(),
        name: Some(format!("{id} name")),
        hazard: 0.05,
        pd_term: pd,
        survival: vec![1.0 - pd; t],
        default_period: None,
        paid: 1.0e6,
        pv_support: 2.0e5,
    };
    o.credit = vec![
        party("buyer", "buyer", 0.25),
        party("parent", "guarantee", 0.1),
    ];
    o.metrics.buyer_pd_term = 0.25;
    o.lender = Some(LenderView {
        sizing: "sculpted".into(),
        repayment_start: 12,
        window: Some((12, 71)),
        capex_grown: Some(1.0e9),
        debt_capacity: Some(9.0e8),
        gearing_target: Some(0.8),
        bound: Some("gearing".into()),
        balance_at_start: 8.0e8,
        reserve_funded: 1.0e7,
        reserve_used: 0.0,
        reserve_released: 1.0e7,
        payment_default_period: None,
    });
    let s = &mut o.schedule;
    s.debt_balance = (0..t).map(|i| 1.0e6 * (t - i) as f64).collect();
    s.market_value = Some((0..t).map(|i| if i == 3 { 0.0 } else { 2.0e6 }).collect());
    s.ltv = Some(
        (0..t)
            .map(|i| (i != 3).then(|| s.debt_balance[i] / 2.0e6))
            .collect(),
    );
    s.guarantee[5] = 7.0;
    o
}

#[test]
fn credit_and_lender_members_come_from_the_outcome() {
    let (c, o) = run(EXAMPLE, &[]);
    // Without credit keys the buyer is still listed, never defaulting.
    let plain = offtake_report::underwriting_json(&c, &o);
    assert_eq!(plain["credit"], serde_json::json!({"buyer": 0.0}));
    assert!(plain["monthly"]["market_value"].is_null());
    assert!(plain["monthly"]["ltv"].is_null());
    assert_eq!(plain["monthly"]["draws"], plain["monthly"]["debt_draw"]);
    for name in [
        "guarantee",
        "backstop",
        "recovery",
        "remarket",
        "draws",
        "debt_balance",
        "sponsor_cf",
        "reserve",
    ] {
        assert!(
            has_type(&plain["monthly"][name], Ty::Monthly, c.term_months()),
            "{name}"
        );
    }

    let o = with_credit_and_lender(o);
    let text = UnderwritingJson::new(&c, &o).to_string_pretty().unwrap();
    // Parties in the engine's order, not sorted.
    let credit = &text[text.find("\"credit\": {").unwrap()..];
    let credit = &credit[..credit.find('}').unwrap()];
    assert!(credit.find("\"buyer\"").unwrap() < credit.find("\"parent\"").unwrap());
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["credit"]["buyer"], 0.25);
    assert_eq!(v["credit"]["parent"], 0.1);
    assert_eq!(v["lender"]["sizing"], "sculpted");
    assert_eq!(v["lender"]["bound"], "gearing");
    assert_eq!(v["lender"]["window"], serde_json::json!([12, 71]));
    assert!(v["lender"]["payment_default_period"].is_null());
    let ltv = v["monthly"]["ltv"].as_array().unwrap();
    assert_eq!(ltv.len(), c.term_months());
    assert!(ltv[3].is_null(), "LTV where MV is 0 is null");
    assert_eq!(
        ltv[0].as_f64().unwrap(),
        o.schedule.ltv.as_ref().unwrap()[0].unwrap()
    );
    assert_eq!(v["monthly"]["market_value"][3], 0.0);
    assert_eq!(v["monthly"]["guarantee"][5], 7.0);
}
