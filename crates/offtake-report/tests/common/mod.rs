//! What the report integration tests share: the bundled example underwritten, the document
//! around a run of it, and a small Monte Carlo of it.

// Each test binary uses only its part.
#![allow(dead_code)]

use offtake_engine::{Outcome, Scenario, underwrite};
use offtake_model::{Contract, Variant};
use offtake_report::document::Report;
use offtake_report::risk_view::RiskView;

pub const EXAMPLE: &str = include_str!("../../../../examples/amazon-anthropic-2026.toml");
pub const IREN: &str = include_str!("../../../../examples/microsoft-iren-2025.toml");

/// The term sheet `src` with `variants` selected, underwritten on its base scenario.
pub fn run(src: &str, variants: &[Variant]) -> (Contract, Outcome) {
    let contract = offtake_model::parse_with(src, variants).unwrap();
    let outcome = underwrite(&contract, &Scenario::base(&contract));
    (contract, outcome)
}

/// The bundled example, base case.
pub fn example() -> (Contract, Outcome) {
    run(EXAMPLE, &[])
}

/// The credit-committee document of a base run of the example.
pub fn document<'a>(
    contract: &'a Contract,
    outcome: &'a Outcome,
    risk: Option<&'a RiskView>,
) -> Report<'a> {
    Report {
        contract,
        outcome,
        variants: &[],
        demand_factor: None,
        file_name: "amazon-anthropic-2026.toml",
        risk,
    }
}

/// A Monte Carlo of `contract` over `n_paths` paths with its `[risk]` seed: the report and the
/// view the documents draw.
pub fn monte_carlo(contract: &Contract, n_paths: u64) -> (offtake_risk::RiskReport, RiskView) {
    let options = offtake_risk::RunOptions {
        n_paths: Some(n_paths),
        ..offtake_risk::RunOptions::default()
    };
    let config = offtake_risk::RunConfig::new(contract, options).unwrap();
    let sim = offtake_risk::simulate(contract, &config, offtake_risk::Control::default()).unwrap();
    let report = offtake_risk::report(contract, &sim).unwrap();
    let view = RiskView::from_run(&report, &sim.table);
    (report, view)
}

/// The example with MODEL v2 §14/§15 terms set on the parsed contract (a buyer credit, a
/// guarantee, a backstop, a sculpted loan with a reserve, a resale curve) and an outcome
/// filled by hand as the credit and lender stages would fill it: the views are tested on
/// known figures, independently of the engine. `forced`: the buyer defaulted in period 40.
pub fn v2_example(forced: bool) -> (Contract, Outcome) {
    use offtake_engine::{LenderView, PartyCredit};
    use offtake_model::{Backstop, Credit, Guarantee, Market, Sizing};
    let (mut c, mut o) = example();
    let credit = |q: Option<f64>, s: Option<f64>| Credit {
        annual_default_probability: q,
        spread_bps: s,
        recovery: 0.4,
    };
    c.buyer.credit = Some(credit(None, Some(450.0)));
    c.guarantees.push(Guarantee {
        id: "parent".into(),
        party: Some("Parent Co".into()),
        share: 0.5,
        cap: Some(5e9),
        credit: Some(credit(Some(0.01), None)),
    });
    c.backstops.push(Backstop {
        id: "vendor".into(),
        party: Some("Chip Vendor".into()),
        share: 0.3,
        price: 0.8,
        cap: Some(2e9),
        from: None,
        until: None,
        credit: None,
    });
    let f = c.financing.as_mut().unwrap();
    f.sizing = Sizing::Sculpted {
        target_dscr: 1.3,
        max_gearing: 0.8,
    };
    f.debt_share = 0.0;
    f.dsra_months = 6;
    f.equity_discount_rate = Some(0.12);
    c.market = Some(Market {
        chip_resale: vec![(0.0, 1.0), (5.0, 0.2)],
    });
    let t = o.schedule.months.len();
    let survival = |lambda: f64| -> Vec<f64> {
        (0..t)
            .map(|i| (-lambda * (i + 1) as f64 / 12.0).exp())
            .collect()
    };
    let party = |id: &str, role: &str, name: &str, lambda: f64, pv: f64, paid: f64| {
        let survival = survival(lambda);
        PartyCredit {
            id: id.into(),
            role: role.into(),
            name: Some(name.into()),
            hazard: lambda,
            pd_term: 1.0 - survival[t - 1],
            survival,
            default_period: None,
            paid,
            pv_support: pv,
        }
    };
    o.credit = vec![
        party("buyer", "buyer", "Anthropic", 0.075, 30e9, 60e9),
        party(
            "parent",
            "guarantee",
            "Parent Co",
            -(0.99f64.ln()),
            2e9,
            0.0,
        ),
        party("vendor", "backstop", "Chip Vendor", 0.0, 1e9, 0.5e9),
    ];
    if forced {
        o.credit[0].default_period = Some(40);
        o.credit[1].paid = 3e9;
    }
    let m = &mut o.metrics;
    m.buyer_pd_term = o.credit[0].pd_term;
    m.credit_adjusted_coverage = m.coverage.map(|x| x * 0.9);
    m.expected_credit_loss = 4.2e9;
    m.llcr = Some(1.42);
    m.gearing = Some(0.61);
    m.max_ltv = Some(0.83);
    m.sponsor_npv = 1.5e9;
    m.sponsor_irr = Some(0.16);
    m.payment_default = Some(false);
    o.lender = Some(LenderView {
        sizing: "sculpted".into(),
        repayment_start: 24,
        window: Some((24, 119)),
        capex_grown: Some(40e9),
        debt_capacity: Some(28e9),
        gearing_target: Some(0.7),
        bound: Some("dscr".into()),
        balance_at_start: 28e9,
        reserve_funded: 1.2e9,
        reserve_used: 0.1e9,
        reserve_released: 1.1e9,
        payment_default_period: None,
    });
    let s = &mut o.schedule;
    s.debt_balance = (0..t)
        .map(|i| {
            if i < 24 {
                28e9 * (i + 1) as f64 / 24.0
            } else {
                28e9 * (t - 1 - i) as f64 / (t - 24) as f64
            }
        })
        .collect();
    s.market_value = Some(
        (0..t)
            .map(|i| 40e9 * (1.0 - i as f64 / t as f64) + 1e9)
            .collect(),
    );
    s.ltv = Some(
        (0..t)
            .map(|i| Some(s.debt_balance[i] / s.market_value.as_ref().unwrap()[i]))
            .collect(),
    );
    s.reserve = (0..t)
        .map(|i| if (24..119).contains(&i) { 1.1e9 } else { 0.0 })
        .collect();
    s.sponsor_cf = s.fcf.clone();
    s.guarantee[50] = 1e8;
    for r in o.annual.iter_mut() {
        r.debt_balance = s.debt_balance[r.last_period];
        r.ltv = s.ltv.as_ref().unwrap()[r.last_period];
        r.credit_support = (r.first_period..=r.last_period)
            .map(|i| s.guarantee[i])
            .sum();
    }
    (c, o)
}

/// [`monte_carlo`] with the drivers of the verdicts (the run keeps its factors for them).
pub fn monte_carlo_with_drivers(
    contract: &Contract,
    n_paths: u64,
) -> (offtake_risk::RiskReport, RiskView) {
    let options = offtake_risk::RunOptions {
        n_paths: Some(n_paths),
        keep_factors: true,
        ..offtake_risk::RunOptions::default()
    };
    let config = offtake_risk::RunConfig::new(contract, options).unwrap();
    let sim = offtake_risk::simulate(contract, &config, offtake_risk::Control::default()).unwrap();
    let mut report = offtake_risk::report(contract, &sim).unwrap();
    report.drivers = Some(offtake_risk::drivers(contract, &sim.table).unwrap());
    let view = RiskView::from_run(&report, &sim.table);
    (report, view)
}
