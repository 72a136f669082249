//! Every chart finishes on any values (issue 14, defect 1): `report --format html` once hung
//! forever in plotters' tick search on a sheet with a chip capex of 1e308, whose cash flows are
//! infinite. The charts are drawn on outcomes of a small term sheet whose figures are replaced by
//! extreme values (±∞, NaN, ±1e308, subnormals, 0), each chart under a time bound.

use std::sync::mpsc;
use std::time::Duration;

use offtake_engine::{Outcome, Scenario, underwrite};
use offtake_model::Contract;
use offtake_report::charts::{self, Canvas, Mark, TornadoBar, ValueAxis};

/// Two tranches (one refitted), debt, a take-or-pay floor and a true-up: every chart has
/// something to draw.
const SHEET: &str = r#"
[deal]
id = "extremes"
start = "2027-01"
term_months = 36

[[generation]]
name = "G1"
available = "2026-01"
pflops_per_mw = 2
chip_capex_per_mw = 10000000
life_years = 1

[[generation]]
name = "G2"
available = "2027-06"
pflops_per_mw = 4
chip_capex_per_mw = 12000000
life_years = 3

[[tranche]]
id = "a"
mw = 50
online = "2027-01"
ramp_months = 3

[[tranche]]
id = "b"
mw = 30
online = "2027-09"
build_months = 4

[demand]
pflops = [["2027-01", 40.0], ["2028-06", 300.0], ["2029-12", 0.0]]

[pricing]
list_price = 6000.0

[take_or_pay]
floor = 0.6

[commitment]
min_total_spend = 3000000000

[provider]
facility_capex_per_mw = 9000000
facility_life_years = 20
power_price = 80
pue = 1.2
fixed_opex_per_mw_year = 200000
tax_rate = 0.21
discount_rate = 0.1

[financing]
debt_share = 0.6
interest_rate = 0.08
tenor_years = 2
"#;

const EXTREMES: [f64; 9] = [
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    1e308,
    -1e308,
    f64::MAX,
    5e-324,
    -2.2e-308,
    0.0,
];

/// Runs `draw` on another thread; fails when it takes longer than the bound (a hang).
fn within_bound<T: Send + 'static>(what: &str, draw: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(draw());
    });
    rx.recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("{what}: the chart did not finish ({e})"))
}

/// Every chart of the underwriting report, both sizes; each must give an SVG.
fn draw_all(what: &str, contract: &Contract, outcome: &Outcome) {
    let (c, o) = (contract.clone(), outcome.clone());
    let svgs = within_bound(what, move || {
        let mut svgs = Vec::new();
        for canvas in [Canvas::WIDE, Canvas::NARROW] {
            svgs.push(charts::capacity_vs_demand(&c, &o, canvas));
            svgs.push(charts::payments_by_year(&c, &o, canvas));
            svgs.push(charts::cash_flow_by_year(&c, &o, canvas));
            svgs.push(charts::dscr_by_year(&c, &o, canvas).map(Option::unwrap_or_default));
            svgs.push(charts::debt_by_year(&c, &o, canvas).map(Option::unwrap_or_default));
            svgs.push(charts::ltv_by_year(&c, &o, canvas).map(Option::unwrap_or_default));
            svgs.push(charts::survival_curves(&c, &o, canvas).map(Option::unwrap_or_default));
        }
        svgs
    });
    for svg in svgs {
        let svg = svg.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(svg.is_empty() || svg.starts_with("<svg"), "{what}");
    }
}

/// The outcome with every monthly series value, annual figure and DSCR set by `value` (t is the
/// period or year, k the series).
fn with_values(outcome: &Outcome, value: impl Fn(usize, usize) -> f64) -> Outcome {
    let mut o = outcome.clone();
    let s = &mut o.schedule;
    let mut series: Vec<&mut Vec<f64>> = vec![
        &mut s.capacity_mw,
        &mut s.pflops,
        &mut s.requested_pflops,
        &mut s.available_pflop_hours,
        &mut s.used_pflop_hours,
        &mut s.hours,
    ];
    series.extend(s.tranche_pflops.iter_mut());
    for (k, v) in series.into_iter().enumerate() {
        for (t, x) in v.iter_mut().enumerate() {
            *x = value(t, k);
        }
    }
    for (y, row) in o.annual.iter_mut().enumerate() {
        row.usage_charge = value(y, 0);
        row.shortfall = value(y, 1);
        row.true_up = value(y, 2);
        row.fcf = value(y, 3);
        row.dscr = Some(value(y, 4));
        // MODEL v2 §15: the debt and LTV charts.
        row.cfads = value(y, 5);
        row.debt_service = value(y, 6);
        row.debt_balance = value(y, 7);
        row.ltv = Some(value(y, 8));
    }
    let n = o.schedule.months.len();
    o.schedule.market_value = Some((0..n).map(|t| value(t, 9)).collect());
    // MODEL v2 §14: a survival curve.
    o.credit = vec![offtake_engine::PartyCredit {
        id: "buyer".into(),
        role: "buyer".into(),
        name: None,
        hazard: value(0, 10),
        pd_term: value(1, 10),
        survival: (0..n).map(|t| value(t, 10)).collect(),
        default_period: None,
        paid: 0.0,
        pv_support: value(2, 10),
    }];
    o.metrics.payback_months = Some(7);
    o
}

#[test]
fn every_chart_finishes_on_extreme_values() {
    let contract = offtake_model::parse(SHEET).unwrap();
    let outcome = underwrite(&contract, &Scenario::base(&contract));
    draw_all("the sheet as written", &contract, &outcome);
    for (i, &x) in EXTREMES.iter().enumerate() {
        // One extreme everywhere, then mixed with the others and with ordinary values.
        draw_all(
            &format!("all {x}"),
            &contract,
            &with_values(&outcome, |_, _| x),
        );
        let mixed = with_values(&outcome, |t, k| EXTREMES[(i + t + 3 * k) % EXTREMES.len()]);
        draw_all(&format!("mixed from {x}"), &contract, &mixed);
        let one = with_values(&outcome, |t, k| if t == 1 && k % 2 == 0 { x } else { 1e9 });
        draw_all(&format!("one {x} among ordinary values"), &contract, &one);
    }
    // The DSCR threshold is a term of the sheet: as extreme as the DSCRs.
    let mut huge = contract.clone();
    huge.thresholds.dscr = 1e308;
    huge.thresholds.ltv = 1e308;
    draw_all(
        "threshold 1e308",
        &huge,
        &with_values(&outcome, |_, _| 1e308),
    );
}

#[test]
fn a_sheet_with_a_chip_capex_of_1e308_reports_within_the_bound() {
    // The issue's sheet: `check` accepted it, and the HTML report never ended. Either the model
    // now refuses the value (a plausible range) or the charts draw whatever the engine gives.
    let sheet = SHEET.replace("chip_capex_per_mw = 10000000", "chip_capex_per_mw = 1e308");
    match offtake_model::parse(&sheet) {
        Ok(contract) => {
            let outcome = underwrite(&contract, &Scenario::base(&contract));
            draw_all("chip capex 1e308", &contract, &outcome);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

#[test]
fn risk_charts_finish_on_extreme_values() {
    for (i, &x) in EXTREMES.iter().enumerate() {
        let values: Vec<f64> = (0..200)
            .map(|j| EXTREMES[(i + j) % EXTREMES.len()] * if j % 3 == 0 { 1.0 } else { x })
            .chain([x, 1e9, -1e9])
            .collect();
        let bars = vec![
            TornadoBar {
                factor: "demand_factor".into(),
                at_p10: x,
                at_p90: 1e9,
            },
            TornadoBar {
                factor: "capex_factor".into(),
                at_p10: -x,
                at_p90: x,
            },
        ];
        let marks = vec![Mark {
            label: "P50".into(),
            value: x,
            colour: offtake_report::style::RED,
        }];
        let svgs = within_bound(&format!("risk {x}"), move || {
            let mut svgs = Vec::new();
            for axis in [ValueAxis::UsdBillions, ValueAxis::Percent, ValueAxis::Times] {
                svgs.push(charts::histogram(
                    "t",
                    "x",
                    &values,
                    axis,
                    &marks,
                    Canvas::WIDE,
                ));
            }
            svgs.push(charts::tornado(x, &bars, Canvas::WIDE));
            svgs.push(charts::probabilities(
                "p",
                &[("contracted".into(), x), ("financeable".into(), 0.5)],
                Canvas::NARROW,
            ));
            svgs
        });
        for svg in svgs {
            assert!(svg.unwrap().starts_with("<svg"), "risk {x}");
        }
    }
}
