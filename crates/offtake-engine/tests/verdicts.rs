//! Verdicts never pass on figures that do not exist (issue 14, defect 2): every figure leaving
//! the engine is finite or absent, a path whose figures overflow passes neither contracted nor
//! financeable and says why, and debt drawn but never serviced within the term is not
//! financeable (docs/model.md §9).

mod common;

use offtake_engine::{Outcome, Scenario, Simulator, underwrite};

/// One tranche with a build period, debt on its capex, a take-or-pay floor.
const SHEET: &str = r#"
[deal]
id = "verdicts"
start = "2027-01"
term_months = 24

[[generation]]
name = "G"
available = "2026-01"
pflops_per_mw = 2
chip_capex_per_mw = 10000000
life_years = 4

[[tranche]]
id = "t"
mw = 40
online = "2027-07"
build_months = 6

[demand]
utilization = [["2027-01", 0.8]]

[pricing]
list_price = 6000.0

[take_or_pay]
floor = 0.9

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
tenor_years = 3
"#;

/// No NaN or infinity anywhere in the outcome: checked on the values themselves (serde_json
/// would print them as null).
fn assert_finite(o: &Outcome, what: &str) {
    let m = &o.metrics;
    let f64s = [
        m.provider_npv,
        m.buyer_npv,
        m.provider_deal_npv,
        m.total_capex,
        m.total_payments,
        m.debt_drawn,
        m.debt_outstanding_at_end,
        m.total_tax,
        m.total_power_cost,
    ];
    assert!(f64s.iter().all(|x| x.is_finite()), "{what}: {m:?}");
    let options = [
        m.coverage,
        m.min_dscr,
        m.avg_dscr,
        m.provider_irr,
        m.effective_price,
    ];
    assert!(
        options.iter().flatten().all(|x| x.is_finite()),
        "{what}: {m:?}"
    );
    let s = &o.schedule;
    for series in [
        &s.fcf,
        &s.capex,
        &s.debt_service,
        &s.payments,
        &s.power_cost,
        &s.tax,
    ] {
        assert!(series.iter().all(|x| x.is_finite()), "{what}: a series");
    }
    for row in &o.annual {
        assert!(
            row.fcf.is_finite() && row.dscr.is_none_or(f64::is_finite),
            "{what}: {row:?}"
        );
    }
    let problems = common::non_finite_figures(o);
    assert!(problems.is_empty(), "{what}: {problems:?}");
}

#[test]
fn an_overflowing_capex_factor_gives_finite_figures_and_no_money_verdict() {
    let c = offtake_model::parse(SHEET).unwrap();
    let base = underwrite(&c, &Scenario::base(&c));
    assert!(base.not_computed.is_none());
    assert!(base.verdicts.financeable && base.metrics.min_dscr.is_some());
    for capex_factor in [f64::INFINITY, 1e308, f64::MAX] {
        let scenario = Scenario {
            capex_factor,
            ..Scenario::base(&c)
        };
        let o = underwrite(&c, &scenario);
        let what = format!("capex factor {capex_factor}");
        assert_finite(&o, &what);
        assert!(!o.verdicts.contracted && !o.verdicts.financeable, "{what}");
        let reason = o.not_computed.as_deref().expect("a reason");
        assert!(reason.contains("cannot be computed"), "{reason}");
        assert!(
            o.verdict_details
                .financeable
                .note
                .contains("not financeable")
        );
        // The Monte Carlo kernel gives the same verdicts and finite metrics.
        let mut sim = Simulator::new(&c);
        let summary = sim.run(&scenario).clone();
        assert_eq!(summary.verdicts, o.verdicts, "{what}");
        assert_eq!(summary.metrics, o.metrics, "{what}");
        assert!(common::non_finite_summary(&summary).is_empty(), "{what}");
    }
}

#[test]
fn a_list_price_of_1e308_is_not_contracted_on_an_infinite_coverage() {
    // `check` accepted this sheet, and underwrite printed "coverage inf … contracted: yes".
    let sheet = SHEET.replace("list_price = 6000.0", "list_price = 1e308");
    let Ok(c) = offtake_model::parse(&sheet) else {
        // A plausible range in the model refuses the value: it never reaches the engine.
        return;
    };
    let o = underwrite(&c, &Scenario::base(&c));
    assert_finite(&o, "list price 1e308");
    assert!(!o.verdicts.contracted && !o.verdicts.financeable);
    assert!(o.metrics.coverage.is_none_or(f64::is_finite));
}

#[test]
fn debt_drawn_and_never_serviced_in_the_term_is_not_financeable() {
    // Online after the term: the build spend draws debt in the term, capitalized to the end.
    let sheet = SHEET.replace("online = \"2027-07\"", "online = \"2029-03\"");
    let c = offtake_model::parse(&sheet).unwrap();
    let o = underwrite(&c, &Scenario::base(&c));
    assert!(o.metrics.debt_drawn > 0.0, "{:?}", o.metrics);
    assert_eq!(o.metrics.min_dscr, None);
    assert!(o.metrics.debt_outstanding_at_end > o.metrics.debt_drawn);
    assert!(!o.verdicts.financeable);
    let note = &o.verdict_details.financeable.note;
    assert!(
        note.contains("drawn and no debt service in the term"),
        "{note}"
    );
    assert!(o.not_computed.is_none());

    // Without financing there is nothing to service: financeable with no DSCR.
    let unfinanced = sheet.replace(
        "[financing]\ndebt_share = 0.6",
        "[financing]\ndebt_share = 0",
    );
    let c = offtake_model::parse(&unfinanced).unwrap();
    let o = underwrite(&c, &Scenario::base(&c));
    assert_eq!((o.metrics.debt_drawn, o.metrics.min_dscr), (0.0, None));
    assert!(o.verdicts.financeable);
}
