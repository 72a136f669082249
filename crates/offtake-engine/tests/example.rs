//! The bundled example term sheet end to end, and the kernel/outcome contract: repeatable runs,
//! `underwrite` = `Simulator` outcome, buffers reused, legibility's break-even really breaks even.

use offtake_engine::{Extent, Scenario, Simulator, underwrite};
use offtake_model::{CurvePoint, Demand};

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");
const BUILD_SPREAD: &str = include_str!("cases/build_spread.toml");

#[test]
fn example_runs_are_repeatable_and_underwrite_matches_the_simulator() {
    let c = offtake_model::parse(EXAMPLE).unwrap();
    let base = Scenario::base(&c);
    let mut sim = Simulator::new(&c);
    let first = sim.run(&base).clone();
    let ptr = sim.run(&base).options_exercised.as_ptr();
    let second = sim.run(&base).clone();
    assert_eq!(first, second);
    assert_eq!(
        sim.run(&base).options_exercised.as_ptr(),
        ptr,
        "summary buffers are reused"
    );
    let outcome = sim.outcome();
    assert_eq!(outcome, underwrite(&c, &base));
    assert_eq!(outcome.metrics, first.metrics);

    // Shapes: every series spans the term, every tranche has a capacity row.
    let n = c.term_months();
    assert_eq!(outcome.schedule.months.len(), n);
    assert_eq!(outcome.schedule.fcf.len(), n);
    assert_eq!(outcome.schedule.tranche_capacity_mw.len(), c.tranches.len());
    assert_eq!(outcome.annual.len(), n.div_ceil(12));
    assert_eq!(outcome.options.len(), 2);
    assert_eq!(first.options_exercised.len(), 4);
    assert_eq!(first.equity_paid_period.len(), 2);
    // Firm tranches are never reported as exercised options.
    assert!(!first.options_exercised[0] && !first.options_exercised[1]);
    // The stacked tranche rows add up to the total capacity.
    for t in 0..n {
        let stacked: f64 = outcome
            .schedule
            .tranche_capacity_mw
            .iter()
            .map(|r| r[t])
            .sum();
        assert!((stacked - outcome.schedule.capacity_mw[t]).abs() <= 1e-9 * stacked.max(1.0));
    }
    // The annual rows add up to the monthly series.
    let annual_fcf: f64 = outcome.annual.iter().map(|r| r.fcf).sum();
    let monthly_fcf: f64 = outcome.schedule.fcf.iter().sum();
    assert!((annual_fcf - monthly_fcf).abs() <= 1e-9 * monthly_fcf.abs());
    // The initial equity tranche is dated before start: paid in period 0.
    assert_eq!(outcome.equity[0].period, Some(0));
}

#[test]
fn risk_extent_skips_only_what_no_risk_output_uses() {
    let c = offtake_model::parse(EXAMPLE).unwrap();
    let stressed = Scenario {
        demand_factor: 0.8,
        power_factor: 1.2,
        capex_factor: 1.1,
        delay_months: vec![2, 5, 0, 7],
        resale_factor: 1.0,
        defaults: None,
        slip_months: vec![0, 4, 9],
    };
    for scenario in [Scenario::base(&c), stressed] {
        let mut full = Simulator::new(&c);
        let mut risk = Simulator::new(&c).with_extent(Extent::Risk);
        assert_eq!(risk.extent(), Extent::Risk);
        let want = full.run(&scenario).clone();
        let got = risk.run(&scenario).clone();
        assert!(want.metrics.provider_deal_irr.is_some());
        assert_eq!(got.metrics.provider_deal_irr, None);
        assert!(!got.metrics.provider_deal_irr_multiple_roots);
        // The sums no risk output uses are left at their defaults...
        let skipped = &got.metrics;
        assert_eq!(skipped.total_usage_charges, 0.0);
        assert_eq!(skipped.total_power_cost, 0.0);
        assert_eq!(skipped.total_fixed_opex, 0.0);
        assert_eq!(skipped.total_available_pflop_hours, 0.0);
        assert_eq!(skipped.average_utilization, None);
        assert_eq!(skipped.peak_capacity_mw, 0.0);
        assert!(want.metrics.total_power_cost > 0.0 && want.metrics.peak_capacity_mw > 0.0);
        // ...and everything else is the same, bit for bit.
        let mut expected = want.clone();
        let m = &mut expected.metrics;
        m.provider_deal_irr = None;
        m.provider_deal_irr_multiple_roots = false;
        m.total_usage_charges = 0.0;
        m.total_power_cost = 0.0;
        m.total_fixed_opex = 0.0;
        m.total_available_pflop_hours = 0.0;
        m.average_utilization = None;
        m.peak_capacity_mw = 0.0;
        assert_eq!(got, expected);
        // The outcome of a Risk simulator is still complete.
        assert_eq!(risk.outcome(), underwrite(&c, &scenario));
    }
}

#[test]
fn example_schedule_is_finite() {
    let c = offtake_model::parse(EXAMPLE).unwrap();
    let outcome = underwrite(&c, &Scenario::base(&c));
    let s = &outcome.schedule;
    for series in [
        &s.payments,
        &s.fcf,
        &s.cfads,
        &s.debt_service,
        &s.buyer_cf,
        &s.provider_deal_cf,
    ] {
        assert!(series.iter().all(|x| x.is_finite()));
    }
    let m = outcome.metrics;
    for x in [
        m.provider_npv,
        m.provider_deal_npv,
        m.buyer_npv,
        m.debt_outstanding_at_end,
    ] {
        assert!(x.is_finite());
    }
}

#[test]
fn break_even_utilization_gives_zero_provider_npv() {
    let c = offtake_model::parse(BUILD_SPREAD).unwrap();
    let outcome = underwrite(&c, &Scenario::base(&c));
    let u = outcome.legibility.break_even_utilization.unwrap();
    assert!(u > 0.0 && u < 1.0, "{u}");
    let mut at_break_even = c.clone();
    at_break_even.demand = Demand::Utilization(vec![CurvePoint {
        month: c.deal.start,
        value: u,
    }]);
    let npv = underwrite(&at_break_even, &Scenario::base(&at_break_even))
        .metrics
        .provider_npv;
    assert!(npv.abs() <= 1e-6 * outcome.metrics.total_capex, "{npv}");
}
