//! Benchmarks of `offtake solve` on the bundled example (figures in BENCHMARKS.md).
//!
//! `cargo bench -p offtake-solve` — ids: `solve/discount_for_irr` (one term, a continuous
//! metric: Brent), `solve/floor_for_coverage` (one term, Brent), `solve/debt_share_financeable`
//! (one term, a verdict: bisection), `curve/list_price_by_discount_25` (the boundary of the
//! discount for IRR ≥ 30% over 25 list prices), `validate/contract_with` (one override
//! validated: the fixed cost of every value tried). Each solve prints its engine runs once.

use offtake_model::{Override, TermSheet};
use offtake_solve::{CurvePlan, DEFAULT_GRID, Goal, Plan, curve, find_term, range, solve};

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

fn main() {
    divan::main();
}

fn plan(sheet: &TermSheet<'_>, term: &str, goal: &str, given: Option<(f64, f64)>) -> Plan {
    let t = find_term(sheet, &[], term).expect("a numeric term");
    Plan {
        range: range(sheet, &[], &[], &t, given).expect("a valid range"),
        term: t,
        goal: Goal::parse(goal, false).expect("a goal"),
        risk: None,
        grid: DEFAULT_GRID,
        variants: vec![],
    }
}

fn one_term(b: divan::Bencher, term: &str, goal: &str) {
    let sheet = TermSheet::read(EXAMPLE).expect("the example reads");
    let p = plan(&sheet, term, goal, None);
    let s = solve(&sheet, &p).expect("solves");
    eprintln!(
        "{term} for {goal}: {} ({:?}), {} engine runs",
        s.status.name(),
        s.value,
        s.engine_runs
    );
    b.bench(|| solve(&sheet, &p).expect("solves"));
}

mod solve {
    use super::*;

    #[divan::bench(sample_count = 20)]
    fn discount_for_irr(b: divan::Bencher) {
        one_term(b, "pricing.discount", "provider_irr>=0.3");
    }

    #[divan::bench(sample_count = 20)]
    fn floor_for_coverage(b: divan::Bencher) {
        one_term(b, "take_or_pay.floor", "coverage>=0.4");
    }

    #[divan::bench(sample_count = 20)]
    fn debt_share_financeable(b: divan::Bencher) {
        one_term(b, "financing.debt_share", "min_dscr>=2");
    }
}

mod curve {
    use super::*;

    #[divan::bench(name = "list_price_by_discount_25", sample_count = 5, sample_size = 1)]
    fn list_price_by_discount(b: divan::Bencher) {
        let sheet = TermSheet::read(EXAMPLE).expect("the example reads");
        let a = find_term(&sheet, &[], "pricing.list_price").expect("a numeric term");
        let a_range = range(&sheet, &[], &[], &a, Some((1.5, 2.5))).expect("a valid range");
        let p = CurvePlan {
            a,
            a_range,
            points: 25,
            b: plan(&sheet, "pricing.discount", "provider_irr>=0.3", None),
        };
        let c = curve(&sheet, &p).expect("solves");
        eprintln!("curve of 25 points: {} engine runs", c.engine_runs);
        b.bench(|| curve(&sheet, &p).expect("solves"));
    }
}

mod validate {
    use super::*;

    #[divan::bench]
    fn contract_with(b: divan::Bencher) {
        let sheet = TermSheet::read(EXAMPLE).expect("the example reads");
        let o = [Override {
            term: "pricing.discount".into(),
            value: 0.2,
        }];
        b.bench(|| sheet.contract_with(&[], &o).expect("valid"));
    }
}
