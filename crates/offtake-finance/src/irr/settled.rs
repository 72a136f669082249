//! The grid walk of [`solve`] for polynomial flows, stopped where the rest of the walk can no
//! longer change the answer: the same result, bit for bit, with fewer evaluations.
//!
//! [`solve`] walks the positive half (0, 10] point by point (`scan_positive_rates`), then the
//! negative half, and refines the root MODEL.md §1 reports by Brent's method on the bracket the
//! walk found. Only three things of the walk reach its result: the chosen root's bracket (its
//! two end points and the values there, Brent's input), whether there is more than one root,
//! and which root is chosen. Once the walk of the positive half has found a falling root, the
//! chosen root is that one unless a later falling root follows, and `multiple_roots` is settled
//! as soon as a second root is seen. So [`solve_settled`]:
//! - walks the positive half first, exactly as [`solve`] does (the same points, the same
//!   values), and stops as soon as the grid points left provably hold no root, or (after a
//!   falling root) no falling root and a known number of rising ones
//!   ([`Polynomial::roots_above`]);
//! - then the negative half only as far as it still matters: not at all when the positive half
//!   holds a falling root and a second root, one end check when the signs at −0.99 and 0
//!   differ (a root below 0 exists), one bound when they agree; otherwise the same walk as
//!   [`solve`].
//!
//! The bound is Descartes' rule on P(v)/(1 − v/v_c)² (the second running sums of the flows
//! scaled to v_c = (1+c)^(−k), and their linear tail), never above Laguerre's (first running
//! sums) and often exact where that one counts a cancellation twice. It speaks of NPV's exact
//! roots; the walk of [`solve`] sees the signs of the values it computes. The two agree
//! whenever those values have NPV's sign, which the walk itself assumes (each skip is proven
//! from a value whose sign is proven); a value evaluated within its rounding error of zero
//! (NPV touching zero at a grid point without crossing it, to 1e-13 of Σ|c|) could make the
//! walk count a sign change that is not there: there alone the two could differ.

use super::{
    FlowShape, GRID_LEN, IRR_MAX_RATE, IRR_MIN_RATE, Irr, NpvSign, Polynomial, Scan, SignChanges,
    ZERO_IDX, solve,
};
use crate::poly::{WeightedFlows, horner_with_slope_bound, horner_with_slope_bound_pairs};

/// [`solve`] for a polynomial series, with the walk stopped where it can no longer change the
/// result (module docs): the same [`Irr`], bit for bit.
pub(super) fn solve_settled(poly: &Polynomial<'_>, s: &FlowShape) -> Option<Irr> {
    let f_zero = poly.eval_grid(ZERO_IDX);
    if f_zero == 0.0 {
        return solve(poly, s.shape);
    }
    // The positive half, from the state the single walk of `solve` is in after pushing
    // NPV(0) ≠ 0 (no zeros pending, its sign on the left): roots and brackets are the same.
    let mut positive = Scan::new(0.0, f_zero);
    if s.shape.prefix_changes <= 1 {
        positive.push(IRR_MAX_RATE, poly.eval_grid(GRID_LEN - 1));
    } else {
        poly.scan_positive_rates_settled(&mut positive, s.first_sign);
    }
    positive.finish();
    let f_min = poly.eval_grid(0);
    let mut negative = Scan::new(IRR_MIN_RATE, f_min);
    if s.shape.suffix_changes <= 1 {
        negative.push(0.0, f_zero);
    } else if positive.last_falling.is_some() && positive.n_roots >= 2 {
        // The chosen root and `multiple_roots` are settled: nothing below 0 changes them.
    } else if positive.last_falling.is_some() && f_min != 0.0 && (f_min > 0.0) != (f_zero > 0.0) {
        // The walk from −0.99 to 0 starts and ends with these values: it sees at least one
        // sign change, so more than one root.
        negative.n_roots = 1;
    } else if positive.last_falling.is_some() && poly.no_root_below_zero(f_min, s.last_sign) {
    } else {
        poly.scan_negative_rates(&mut negative);
        negative.push(0.0, f_zero);
    }
    let n_roots = positive.n_roots + negative.n_roots;
    let root = positive
        .last_falling
        .or(negative.last_falling)
        .or(positive.last)
        .or(negative.last)?;
    Some(Irr {
        rate: super::refine_root(poly, root),
        multiple_roots: n_roots > 1,
    })
}

/// Walk points after the first try before the next (then twice as many each time).
const FIRST_RETRY: usize = 16;

impl Polynomial<'_> {
    /// `scan_positive_rates`, stopped after a falling root where [`Self::roots_above`] proves
    /// the rest of the walk would add no falling root; the roots it would add are counted.
    fn scan_positive_rates_settled(&self, scan: &mut Scan, first_sign: f64) {
        // Tried at the first point with a proven sign after each falling root, then (also
        // without one: a walk with no root left ends as well) after 16, 32, … more points
        // since the last root: the bound tightens as r rises and the late flows weigh less.
        // On the example's defaulted paths this walks about half the points of `solve`'s
        // walk, with about two tries per series (each costs about two points).
        let (mut roots_seen, mut since, mut next_try) = (usize::MAX, 0usize, 0usize);
        let weighted = WeightedFlows::new(self.flows);
        let eval = |v| match &weighted {
            Some(weighted) => horner_with_slope_bound_pairs(weighted, v),
            None => horner_with_slope_bound(self.flows, v),
        };
        self.walk_positive_rates(scan, eval, |scan, i, value, safe| {
            if scan.n_roots == roots_seen {
                since += 1;
            } else {
                (roots_seen, since, next_try) = (scan.n_roots, 0, 0);
            }
            if safe <= 0.0 || since < next_try || (since == 0 && scan.last_falling.is_none()) {
                return false;
            }
            next_try = (2 * since).max(FIRST_RETRY);
            match self.roots_left(i, value, first_sign) {
                // No root left: nothing the walk would still see.
                Some(0) => true,
                // Rising roots left, counted: never chosen after a falling one.
                Some(left) if scan.last_falling.is_some() => {
                    scan.n_roots += left;
                    true
                }
                _ => false,
            }
        });
    }

    /// Roots the walk would still see in (r_i, 10] after grid point i, whose value `value` has
    /// NPV's sign, when none of them falls: `None` when that is not proven.
    pub(super) fn roots_left(&self, i: usize, value: f64, first_sign: f64) -> Option<usize> {
        let bound = self.roots_above(i)?;
        // NPV has `first_sign` as r → ∞: the parity of its roots in (r_i, ∞).
        let parity = usize::from((value > 0.0) != (first_sign > 0.0));
        // Its roots there, with multiplicity, are at most `bound` and have the parity of the
        // signs at r_i and ∞: a bound below parity + 2 leaves exactly `parity` roots.
        if bound > parity + 1 {
            return None;
        }
        if parity == 0 {
            return Some(0);
        }
        // One simple root in (r_i, ∞): inside (r_i, 10] when NPV(10) has the other sign.
        let (at_top, slope) = horner_with_slope_bound(self.flows, self.grid_factor(GRID_LEN - 1));
        if at_top.abs() <= self.rounding() + 4.0 * f64::EPSILON * slope {
            None
        } else if (at_top > 0.0) == (value > 0.0) {
            Some(0)
        } else if value < 0.0 {
            // A rising root: counted, never chosen after a falling one.
            Some(1)
        } else {
            None
        }
    }

    /// Horner's rounding bound on P(v) for v ≤ 1 (as in the scans).
    pub(super) fn rounding(&self) -> f64 {
        4.0 * self.flows.len() as f64 * f64::EPSILON * self.abs_sum
    }

    /// A bound on NPV's roots in (r_i, ∞), i > `ZERO_IDX`: Descartes' rule for the power series
    /// Q(x) = P(x·v_i)/(1 − x)², whose roots in 0 < x < 1 are P's with v < v_i. Q's
    /// coefficients are the second running sums T_t of a_t = c_t·v_i^t up to t = n − 1 and
    /// T_(n−1) + (t − n + 1)·S_(n−1) after (S the first running sums, S_(n−1) = P(v_i)): a
    /// linear tail, with one sign change when T_(n−1) and S_(n−1) differ in sign. `None` when
    /// a power of v_i leaves the normal range.
    fn roots_above(&self, i: usize) -> Option<usize> {
        let x = self.grid_factor(i);
        let (mut power, mut first, mut second) = (1.0, 0.0, 0.0);
        let mut changes = SignChanges::default();
        for &c in self.flows {
            first += c * power;
            second += first;
            changes.push(second);
            power *= x;
        }
        changes.push(first);
        (power >= f64::MIN_POSITIVE).then_some(changes.changes)
    }

    /// Whether the walk of the negative half would see no sign change: NPV(−0.99) (`f_min`)
    /// has its proven sign and Descartes' rule on R(w)/(1 − w)² (the second running sums of the
    /// flows from the end, R(w) = Σ c_t·w^(n−1−t), w = (1+r)^k) allows no root in (−1, 0)
    /// beyond the sign change between `last_sign` (NPV's sign as r → −1) and `f_min`.
    fn no_root_below_zero(&self, f_min: f64, last_sign: f64) -> bool {
        if f_min.abs() <= self.rounding() {
            return false;
        }
        let (mut first, mut second) = (0.0, 0.0);
        let mut changes = SignChanges::default();
        for &c in self.flows.iter().rev() {
            first += c;
            second += first;
            changes.push(second);
        }
        changes.push(first);
        changes.changes == usize::from((f_min > 0.0) != (last_sign > 0.0))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    use super::super::Periods;
    use super::super::levered_sample::{defaulted, levered_flows};
    use super::*;

    /// `solve_settled` and `solve` on the same flows: the same `Irr`, bit for bit.
    fn same_as_the_walk(flows: &[f64], periods: Periods) -> Result<(), TestCaseError> {
        let Some(shape) = FlowShape::of(flows) else {
            return Ok(());
        };
        let poly = Polynomial::new(flows, periods).unwrap();
        let walked = solve(&poly, shape.shape);
        let settled = solve_settled(&poly, &shape);
        let bits = |irr: Option<Irr>| irr.map(|i| (i.rate.to_bits(), i.multiple_roots));
        prop_assert_eq!(
            bits(settled),
            bits(walked),
            "{:?} vs {:?}: {:?}",
            settled,
            walked,
            flows
        );
        Ok(())
    }

    fn defaulted_flows() -> impl Strategy<Value = Vec<f64>> {
        (
            any::<u64>(),
            0usize..120,
            0.0..800.0f64,
            0.0..40_000.0f64,
            -20_000.0..20_000.0f64,
        )
            .prop_map(|(seed, default, cost, recovery, end)| {
                let flows = levered_flows(1, seed).pop().unwrap();
                defaulted(flows, default, cost, recovery, end)
            })
    }

    /// Flows of any shape: 2 to 150 values, some exactly 0, of both signs and wide range.
    fn any_flows() -> impl Strategy<Value = Vec<f64>> {
        prop::collection::vec(
            prop_oneof![
                1 => Just(0.0),
                6 => -1e4..1e4f64,
                1 => -1e7..1e7f64,
            ],
            2..150,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn settled_walk_matches_the_full_walk_on_defaulted_flows(flows in defaulted_flows()) {
            same_as_the_walk(&flows, Periods::Monthly)?;
        }

        #[test]
        fn settled_walk_matches_the_full_walk_on_any_flows(flows in any_flows()) {
            same_as_the_walk(&flows, Periods::Monthly)?;
            same_as_the_walk(&flows, Periods::PerPeriod)?;
        }
    }

    /// The proptests above must reach each shortcut, or they would compare the walk with
    /// itself: count, on 2,000 defaulted flows, how often each is taken.
    #[test]
    fn defaulted_flows_take_every_shortcut() {
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = defaulted_flows();
        let (mut stopped, mut counted, mut negative_skipped, mut negative_bound) = (0, 0, 0, 0);
        for _ in 0..2000 {
            let flows = strategy.new_tree(&mut runner).unwrap().current();
            let Some(shape) = FlowShape::of(&flows) else {
                continue;
            };
            let poly = Polynomial::new(&flows, Periods::Monthly).unwrap();
            if shape.shape.prefix_changes >= 2 {
                let f_zero = poly.eval_grid(ZERO_IDX);
                let mut walked = Scan::new(0.0, f_zero);
                poly.scan_positive_rates(&mut walked);
                let mut settled = Scan::new(0.0, f_zero);
                poly.scan_positive_rates_settled(&mut settled, shape.first_sign);
                if settled.prev.0 < walked.prev.0 {
                    stopped += 1;
                    counted += usize::from(settled.n_roots != walked.n_roots);
                }
            }
            if shape.shape.suffix_changes >= 2 {
                let f_min = poly.eval_grid(0);
                let f_zero = poly.eval_grid(ZERO_IDX);
                if (f_min > 0.0) != (f_zero > 0.0) {
                    negative_skipped += 1;
                } else if poly.no_root_below_zero(f_min, shape.last_sign) {
                    negative_bound += 1;
                }
            }
        }
        eprintln!("{stopped} {counted} {negative_skipped} {negative_bound}");
        assert!(stopped > 100 && negative_skipped > 10 && negative_bound > 10);
    }

    #[test]
    fn roots_above_counts_descartes_on_the_second_running_sums() {
        // Periodic roots at r = 0.1 and 0.5: P(v) = −1 + 2.6v − 1.65v², v = 1/(1+r).
        let flows = [-1.0, 2.6, -1.65];
        let poly = Polynomial::new(&flows, Periods::PerPeriod).unwrap();
        // Above r = 0.01 both roots; above 0.2 one; above 0.6 none.
        assert_eq!(poly.roots_above(ZERO_IDX + 1), Some(2));
        assert_eq!(poly.roots_above(ZERO_IDX + 20), Some(1));
        assert_eq!(poly.roots_above(ZERO_IDX + 60), Some(0));
        // Never above Laguerre's bound (first running sums), and below it on some defaulted
        // flows: the reason for the second sums.
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = defaulted_flows();
        let mut tighter = 0;
        for _ in 0..500 {
            let flows = strategy.new_tree(&mut runner).unwrap().current();
            let Some(poly) = Polynomial::new(&flows, Periods::Monthly) else {
                continue;
            };
            for i in [ZERO_IDX + 5, ZERO_IDX + 30, ZERO_IDX + 100] {
                let (Some(second), Some((first, _))) =
                    (poly.roots_above(i), poly.laguerre_bounds(i))
                else {
                    continue;
                };
                assert!(second <= first, "{second} {first}: {flows:?}");
                tighter += usize::from(second < first);
            }
        }
        assert!(tighter > 50, "{tighter}");
    }

    #[test]
    fn a_rising_root_after_the_falling_one_is_counted_without_the_walk() {
        // Periodic P(v) = (1 − 1.2v)(1 − 1.5v): NPV(0) > 0, falls through r = 0.2, rises
        // through 0.5 and stays positive (the first flow's sign) up to 10.
        let flows = [1.0, -2.7, 1.8];
        let shape = FlowShape::of(&flows).unwrap();
        assert_eq!(shape.shape.prefix_changes, 2);
        let poly = Polynomial::new(&flows, Periods::PerPeriod).unwrap();
        let f_zero = poly.eval_grid(ZERO_IDX);
        let mut walked = Scan::new(0.0, f_zero);
        poly.scan_positive_rates(&mut walked);
        let mut settled = Scan::new(0.0, f_zero);
        poly.scan_positive_rates_settled(&mut settled, shape.first_sign);
        // Stopped below 0.5, the second root counted all the same.
        assert!(settled.prev.0 < 0.5, "{:?}", settled.prev);
        assert_eq!((settled.n_roots, walked.n_roots), (2, 2));
        let irr = solve_settled(&poly, &shape).unwrap();
        assert_eq!(Some(irr), solve(&poly, shape.shape));
        assert!(
            (irr.rate - 0.2).abs() < 1e-10 && irr.multiple_roots,
            "{irr:?}"
        );
    }
}
