//! `offtake solve` on real term sheets: the boundary sits where the engine says it does.

use std::sync::atomic::{AtomicBool, Ordering};

use offtake_engine::{Scenario, underwrite};
use offtake_model::{Override, TermSheet};
use offtake_solve::{
    Cmp, CrossingKind, CurvePlan, DEFAULT_GRID, Goal, Plan, RangeSource, Solution, SolveError,
    Status, TOLERANCE, curve, curve_cancellable, find_term, metric_value, range, risk_plan, solve,
    solve_cancellable,
};

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");
/// MODEL.md §5 and §9's golden case: one 1-MW tranche, 1 PFLOP/s per MW, price 1, floor 0.5
/// over t2..t9, facility capex 1000, no other costs, discount rate 0.
const SETTLE_MONTHLY: &str = include_str!("../../offtake-engine/tests/cases/settle_monthly.toml");

fn plan(sheet: &TermSheet<'_>, term: &str, goal: &str, given: Option<(f64, f64)>) -> Plan {
    let t = find_term(sheet, &[], term).unwrap();
    let r = range(sheet, &[], &[], &t, given).unwrap();
    Plan {
        term: t,
        range: r,
        goal: Goal::parse(goal, false).unwrap(),
        risk: None,
        grid: DEFAULT_GRID,
        variants: vec![],
    }
}

fn run(src: &str, term: &str, goal: &str) -> Solution {
    let sheet = TermSheet::read(src).unwrap();
    solve(&sheet, &plan(&sheet, term, goal, None)).unwrap()
}

/// The engine's own outcome (full `underwrite`) with `term` = `x`.
fn underwrite_at(src: &str, term: &str, x: f64) -> offtake_engine::Outcome {
    let sheet = TermSheet::read(src).unwrap();
    let c = sheet
        .contract_with(
            &[],
            &[Override {
                term: term.into(),
                value: x,
            }],
        )
        .unwrap();
    underwrite(&c, &Scenario::base(&c))
}

/// Hand-worked: with no usage the buyer owes the floor f times the hours of the window t2..t9,
/// 5880 hours at 1 PFLOP/s and price 1 (Mar 744 + Apr 720 + May 744 + Jun 720 + Jul 744 +
/// Aug 744 + Sep 720 + Oct 744), against costs of 1000 (facility capex, discount rate 0): so
/// coverage = 5880·f / 1000 = 5.88·f (2.94 at the file's 0.5), and coverage ≥ 1 exactly from
/// f = 1/5.88 = 0.170068027….
#[test]
fn golden_the_floor_where_coverage_is_one() {
    let exact = 1.0 / 5.88;
    let s = run(SETTLE_MONTHLY, "take_or_pay.floor", "coverage>=1");
    assert_eq!(s.status, Status::Found);
    assert_eq!(s.range.source, RangeSource::ValidRange);
    assert_eq!((s.range.lo, s.range.hi), (0.0, 1.0));
    let value = s.value.unwrap();
    assert!(
        (value - exact).abs() <= TOLERANCE * exact,
        "{value} vs {exact}"
    );
    let c = &s.crossings[0];
    assert_eq!(c.kind, CrossingKind::Root);
    assert!(c.holds_above);
    assert!(!c.below.holds && c.above.holds);
    assert!(c.above.x - c.below.x <= TOLERANCE * exact);
    assert!((c.above.figure.unwrap() - 1.0).abs() < 1e-5);
    // The verdict changes at the same floor (contracted = coverage ≥ 1), found by bisection.
    let v = run(SETTLE_MONTHLY, "take_or_pay.floor", "contracted");
    assert_eq!(v.status, Status::Found);
    assert_eq!(v.crossings[0].kind, CrossingKind::Step);
    assert!((v.value.unwrap() - exact).abs() <= 2.0 * TOLERANCE * exact);
    assert!(
        s.engine_runs <= 40 && v.engine_runs <= 40,
        "{} {}",
        s.engine_runs,
        v.engine_runs
    );
}

#[test]
fn the_solved_floor_sits_at_the_boundary_by_the_engine() {
    let s = run(EXAMPLE, "take_or_pay.floor", "coverage>=0.4");
    assert_eq!(s.status, Status::Found);
    let (below, above) = (s.below.clone().unwrap(), s.above.clone().unwrap());
    assert!(below.x < above.x && above.x - below.x <= TOLERANCE * above.x);
    let under = underwrite_at(EXAMPLE, "take_or_pay.floor", below.x);
    let over = underwrite_at(EXAMPLE, "take_or_pay.floor", above.x);
    // ≥ with MODEL.md's 1e-9 relative tolerance (goal.rs `slack`).
    assert!(
        !Cmp::Ge.holds(under.metrics.coverage.unwrap(), 0.4),
        "{:?}",
        under.metrics.coverage
    );
    assert!(
        Cmp::Ge.holds(over.metrics.coverage.unwrap(), 0.4),
        "{:?}",
        over.metrics.coverage
    );
    // What solve reports is the engine's own figure.
    assert_eq!(below.metrics.unwrap().coverage, under.metrics.coverage);
    assert_eq!(above.verdicts.unwrap(), over.verdicts);
    assert!(s.engine_runs <= 40, "{}", s.engine_runs);
}

#[test]
fn a_discount_for_a_target_irr_is_a_root_of_a_decreasing_irr() {
    let s = run(EXAMPLE, "pricing.discount", "provider_irr>=0.3");
    assert_eq!(s.status, Status::Found);
    let c = &s.crossings[0];
    assert_eq!(c.kind, CrossingKind::Root);
    assert!(!c.holds_above, "a larger discount lowers the IRR");
    assert_eq!(s.value, Some(c.below.x));
    let at = underwrite_at(EXAMPLE, "pricing.discount", c.below.x);
    let past = underwrite_at(EXAMPLE, "pricing.discount", c.above.x);
    assert!(Cmp::Ge.holds(at.metrics.provider_irr.unwrap(), 0.3));
    assert!(!Cmp::Ge.holds(past.metrics.provider_irr.unwrap(), 0.3));
    assert!((at.metrics.provider_irr.unwrap() - 0.3).abs() < 1e-5);
}

#[test]
fn infeasible_holds_everywhere_and_several_crossings_are_said() {
    // Coverage never reaches 1 on the example at any floor (0.27 to 0.45).
    let s = run(EXAMPLE, "take_or_pay.floor", "coverage>=1");
    assert_eq!(s.status, Status::Infeasible);
    assert_eq!(s.value, None);
    assert!(s.crossings.is_empty() && s.grid.iter().all(|g| !g.holds));
    let s = run(EXAMPLE, "take_or_pay.floor", "deliverable");
    assert_eq!(s.status, Status::HoldsEverywhere);
    assert_eq!(s.value, None);
    // No debt, no DSCR at debt share 0; then DSCR falls below 2 at about 82%.
    let s = run(EXAMPLE, "financing.debt_share", "min_dscr>=2");
    assert_eq!(s.status, Status::SeveralCrossings);
    assert_eq!(s.value, None);
    assert_eq!(s.crossings.len(), 2);
    assert_eq!(s.crossings[0].kind, CrossingKind::Step);
    assert!(s.crossings[0].holds_above && !s.crossings[1].holds_above);
    assert_eq!(s.crossings[1].kind, CrossingKind::Root);
    let x = s.crossings[1].value;
    let dscr = underwrite_at(EXAMPLE, "financing.debt_share", x)
        .metrics
        .min_dscr
        .unwrap();
    assert!((dscr - 2.0).abs() < 1e-5, "{dscr}");
}

#[test]
fn a_range_outside_the_valid_values_is_refused_before_any_run() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let t = find_term(&sheet, &[], "take_or_pay.floor").unwrap();
    let e = range(&sheet, &[], &[], &t, Some((0.5, 1.2))).unwrap_err();
    assert!(e.to_string().contains("within 0..1"), "{e}");
    assert!(range(&sheet, &[], &[], &t, Some((0.8, 0.2))).is_err());
    // A default end that a rule joining terms refuses is pulled back: the example's tranches
    // fill max_mw, so phase-1 cannot grow.
    let mw = find_term(&sheet, &[], "tranche.phase-1.mw").unwrap();
    let r = range(&sheet, &[], &[], &mw, None).unwrap();
    assert_eq!(r.source, RangeSource::Bracket);
    assert!(r.hi >= 500.0 && r.hi < 500.001, "{r:?}");
    // A date is not numeric; an unknown term is named with the closest.
    assert!(
        find_term(&sheet, &[], "take_or_pay.flor")
            .unwrap_err()
            .to_string()
            .contains("did you mean `take_or_pay.floor`")
    );
}

#[test]
fn risk_probabilities_use_the_same_paths_at_every_value() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let contract = sheet.contract(&[]).unwrap();
    let mut p = plan(&sheet, "financing.debt_share", "financeable", None);
    p.goal = Goal::parse("P(financeable)>=0.9", true).unwrap();
    p.risk = Some(risk_plan(&contract, Some(200), Some(7), Some(1)).unwrap());
    let one = solve(&sheet, &p).unwrap();
    p.risk = Some(risk_plan(&contract, Some(200), Some(7), Some(2)).unwrap());
    let mut two = solve(&sheet, &p).unwrap();
    two.risk = one.risk;
    assert_eq!(one, two, "the thread count changes nothing");
    assert_eq!(one.engine_runs, 200 * one.evaluations);
    if let Some(c) = one.crossings.first() {
        assert_eq!(c.kind, CrossingKind::Step);
        let (b, a) = (c.below.figure.unwrap(), c.above.figure.unwrap());
        assert!((b >= 0.9) != (a >= 0.9), "{b} {a}");
    } else {
        panic!("expected a boundary: {:?}", one.grid);
    }
}

#[test]
fn a_curve_gives_the_boundary_of_one_term_over_another() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let a = find_term(&sheet, &[], "pricing.list_price").unwrap();
    let a_range = range(&sheet, &[], &[], &a, Some((1.5, 2.5))).unwrap();
    let plan = CurvePlan {
        a,
        a_range,
        points: 5,
        b: plan(&sheet, "pricing.discount", "provider_irr>=0.3", None),
    };
    let c = curve(&sheet, &plan).unwrap();
    assert_eq!(c.points.len(), 5);
    let values: Vec<f64> = c.points.iter().map(|p| p.value.unwrap()).collect();
    // A higher list price affords a larger discount for the same IRR.
    assert!(values.windows(2).all(|w| w[0] < w[1]), "{values:?}");
    // Each point is the one-term solve with the first term fixed there.
    let mid = &c.points[2];
    assert_eq!(mid.a, 2.0);
    let one = run(EXAMPLE, "pricing.discount", "provider_irr>=0.3");
    assert_eq!(mid.value, one.value);
}

#[test]
fn metric_names_read_the_engine_metrics() {
    let c = TermSheet::read(EXAMPLE).unwrap().contract(&[]).unwrap();
    let o = underwrite(&c, &Scenario::base(&c));
    assert_eq!(metric_value(&o.metrics, "coverage"), o.metrics.coverage);
    assert_eq!(
        metric_value(&o.metrics, "total_capex"),
        Some(o.metrics.total_capex)
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever bound is asked, each crossing is a bracket no wider than the tolerance with
        /// the goal on opposite sides, and either |g| is small at it (a root) or it is a jump.
        #[test]
        fn every_crossing_is_a_root_or_a_bracketed_jump(bound in 0.05f64..0.6, ge in any::<bool>()) {
            let goal = format!("provider_irr{}{bound}", if ge { ">=" } else { "<=" });
            let s = run(EXAMPLE, "pricing.discount", &goal);
            for c in &s.crossings {
                prop_assert!(c.below.holds != c.above.holds);
                prop_assert!(c.above.x - c.below.x <= TOLERANCE * c.value.abs().max(1e-3) * 1.0001);
                prop_assert!(c.value == c.below.x || c.value == c.above.x);
                match c.kind {
                    CrossingKind::Root => {
                        let g = c.below.figure.unwrap() - bound;
                        let h = c.above.figure.unwrap() - bound;
                        prop_assert!(g.abs().min(h.abs()) < 1e-4, "{g} {h}");
                    }
                    CrossingKind::Jump | CrossingKind::Step => {}
                }
            }
            if s.status == Status::Found {
                prop_assert_eq!(s.crossings.len(), 1);
            }
        }
    }
}

/// The term in years is rounded to whole months (T = round(12·years), MODEL.md §1), so provider
/// NPV is a step function of `deal.term_years` with jumps at every half month: a bound between
/// two steps is met by no value, and each crossing is reported as a jump bracketed at
/// (k + ½)/12 years, not as a root.
#[test]
fn a_jump_is_reported_as_a_discontinuity_not_a_root() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let s = solve(
        &sheet,
        &plan(
            &sheet,
            "deal.term_years",
            "provider_npv>=1.7e11",
            Some((8.0, 10.0)),
        ),
    )
    .unwrap();
    assert_eq!(s.status, Status::SeveralCrossings);
    assert!(!s.crossings.is_empty());
    for c in &s.crossings {
        assert_eq!(c.kind, CrossingKind::Jump, "{c:?}");
        let half_months = c.value * 24.0;
        assert!(
            (half_months - half_months.round()).abs() < 1e-4,
            "{}",
            c.value
        );
        assert_eq!(
            half_months.round() as i64 % 2,
            1,
            "at a half month: {}",
            c.value
        );
        let (b, a) = (c.below.figure.unwrap(), c.above.figure.unwrap());
        assert!(
            (b - 1.7e11).abs() > 1e8 && (a - 1.7e11).abs() > 1e8,
            "{b} {a}"
        );
    }
}

/// Runs `work` on a thread, sets its flag after `after` and returns what it gave and how long
/// it took after the flag was set.
#[allow(
    clippy::disallowed_methods,
    reason = "the test times how soon a cancelled solve stops"
)]
fn cancel_after<T: Send>(
    after: std::time::Duration,
    work: impl FnOnce(&AtomicBool) -> T + Send,
) -> (T, std::time::Duration) {
    let flag = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let running = scope.spawn(|| work(&flag));
        std::thread::sleep(after);
        flag.store(true, Ordering::Relaxed);
        let set = std::time::Instant::now();
        let out = running.join().unwrap();
        (out, set.elapsed())
    })
}

/// Not cancelled, the cancellable solve and curve are the plain ones; a flag set before the
/// start stops them before any engine run.
#[test]
fn an_unset_flag_changes_nothing_and_a_set_one_runs_nothing() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let p = plan(&sheet, "pricing.discount", "provider_irr>=0.3", None);
    let never = AtomicBool::new(false);
    assert_eq!(
        solve_cancellable(&sheet, &p, &never).unwrap(),
        solve(&sheet, &p).unwrap()
    );
    let a = find_term(&sheet, &[], "pricing.list_price").unwrap();
    let c = CurvePlan {
        a_range: range(&sheet, &[], &[], &a, Some((1.5, 2.5))).unwrap(),
        a,
        points: 3,
        b: p.clone(),
    };
    assert_eq!(
        curve_cancellable(&sheet, &c, &never).unwrap(),
        curve(&sheet, &c).unwrap()
    );
    let set = AtomicBool::new(true);
    assert!(matches!(
        solve_cancellable(&sheet, &p, &set),
        Err(SolveError::Cancelled)
    ));
    assert!(matches!(
        curve_cancellable(&sheet, &c, &set),
        Err(SolveError::Cancelled)
    ));
}

/// A solve of 10,000 grid points (each an engine run) and a curve of 10,000 points stop soon
/// after the flag is set, with `Cancelled`, not a partial answer.
#[test]
fn a_long_solve_stops_soon_after_it_is_cancelled() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let mut p = plan(&sheet, "pricing.discount", "provider_irr>=0.3", None);
    p.grid = offtake_solve::MAX_GRID;
    let (out, late) = cancel_after(std::time::Duration::from_millis(50), |flag| {
        solve_cancellable(&sheet, &p, flag)
    });
    assert!(matches!(out, Err(SolveError::Cancelled)), "{out:?}");
    assert!(late.as_secs_f64() < 5.0, "stopped {late:?} after the flag");

    let a = find_term(&sheet, &[], "pricing.list_price").unwrap();
    p.grid = DEFAULT_GRID;
    let c = CurvePlan {
        a_range: range(&sheet, &[], &[], &a, Some((1.5, 2.5))).unwrap(),
        a,
        points: offtake_solve::MAX_GRID,
        b: p,
    };
    let (out, late) = cancel_after(std::time::Duration::from_millis(50), |flag| {
        curve_cancellable(&sheet, &c, flag)
    });
    assert!(matches!(out, Err(SolveError::Cancelled)), "{out:?}");
    assert!(late.as_secs_f64() < 5.0, "stopped {late:?} after the flag");
}

/// With `--risk` the flag also stops the paths of one value between chunks.
#[test]
fn a_risk_solve_stops_inside_a_value_s_paths() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let contract = sheet.contract(&[]).unwrap();
    let mut p = plan(&sheet, "financing.debt_share", "financeable", None);
    p.goal = Goal::parse("P(financeable)>=0.9", true).unwrap();
    // One value's paths alone take seconds in a debug build.
    p.risk = Some(risk_plan(&contract, Some(200_000), Some(7), Some(1)).unwrap());
    let (out, late) = cancel_after(std::time::Duration::from_millis(50), |flag| {
        solve_cancellable(&sheet, &p, flag)
    });
    assert!(matches!(out, Err(SolveError::Cancelled)), "{out:?}");
    assert!(late.as_secs_f64() < 5.0, "stopped {late:?} after the flag");
}
