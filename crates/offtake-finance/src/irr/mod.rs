//! Internal rate of return for monthly end-of-period and periodic flows, with MODEL.md §1's root rule.
//!
//! # Search
//! The IRR is an annual effective r in (−0.99, 10] with NPV(r) = 0. Every sign change of NPV
//! is located on the grid r_i = −0.99 + 0.01·i (i = 0…1099, so r_1099 = 10), then only the root
//! that will be reported is refined to 1e-10.
//!
//! Two facts let most series skip the grid (each holds counting roots with multiplicity):
//! - Laguerre's rule: NPV has at most as many roots with r > 0 as the running sums flows[0],
//!   flows[0]+flows[1], … change sign. (With v = (1+r)^(−k) ∈ (0,1), P(v)/(1−v) is a power
//!   series whose coefficients are those running sums, and Descartes' rule holds for power
//!   series inside their radius of convergence: Pólya & Szegő, *Problems and Theorems in
//!   Analysis II*, Part V. For cash flows: Norstrøm, "A sufficient condition for a unique
//!   nonnegative internal rate of return", *J. Financial and Quantitative Analysis* 7 (1972).)
//! - The same rule on the reversed series: at most as many roots with −1 < r < 0 as the sums
//!   from the end change sign.
//!
//! Both hold at any point r_c, not only at 0: on the flows scaled by v_c^t (v_c = (1+r_c)^(−k)),
//! the running sums from the start bound the roots in (r_c, ∞) and those from the end the roots
//! in (−1, r_c).
//!
//! Fast path (`fast_path`), for polynomial flows: when a half (−0.99, 0) or (0, 10] can hold at
//! most one root and NPV(0) ≠ 0, its two end points decide whether it holds one, so that half
//! is one cell (a series whose flows change sign once always takes this path on both halves).
//! When the bound above 0 is larger, one root between 0 and 10 is found and the rule is applied
//! again at the grid point beside it; if the bounds at that point equal the sign changes seen
//! at −1⁺, −0.99, 0, r_c, 10 and ∞, every root is accounted for, each alone in its cell. The
//! cells' ends are grid points, so the grid would see exactly these sign changes
//! ([`irr_monthly_end_levered`], for flows whose running sums change sign often, also tries
//! the next grid points outwards, up to [`LEVERED_REACH`] on each side). A root
//! alone in its cell is refined by the secant method on the polynomial in v (or w = 1/v below
//! 0), inside the cell, with no `exp` or `ln` per step.
//!
//! Otherwise (`solve`, and always for dated flows) the grid is walked, skipping grid points
//! where a bound on |dNPV/dr| proves NPV keeps its sign (`Polynomial::scan_negative_rates` and
//! `scan_positive_rates`): the same sign changes are found, with far fewer evaluations away
//! from the roots; the reported root is refined by Brent's method. For polynomial flows
//! (`settled::solve_settled`) the walk stops where the points left can no longer change the
//! result (after a falling root, Descartes' rule on the second running sums proves no falling
//! root is left), with the same result bit for bit.
//!
//! # Which root
//! Several roots: the largest at which NPV falls through zero as r rises (the economic IRR of a
//! project whose late flows turn negative); if none falls, the largest root; `multiple_roots`
//! is set. A grid point where NPV is exactly 0 is a root; it falls when the nearest non-zero
//! points on its left and right are positive and negative (at r = 10, when its left is
//! positive). NPV(−0.99) = 0 is not a root: −0.99 is outside the interval. Two sign changes
//! closer than 0.01 can be missed, as MODEL.md §1 allows.

mod brent;
mod fast_path;
#[cfg(test)]
mod levered_sample;
mod settled;

use std::sync::OnceLock;

use brent::brent;
#[cfg(test)]
use fast_path::secant_in_bracket;
use fast_path::{BESIDE_ROOT, fast_path};
use settled::solve_settled;

use crate::poly::{
    horner, horner_reversed, horner_reversed_with_slope_bound, horner_with_slope_bound,
};

/// An IRR and whether it was chosen among several roots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Irr {
    /// Annual effective rate for [`irr_monthly_end`] and [`crate::xirr`]; rate per period for
    /// [`irr_periodic`].
    pub rate: f64,
    /// NPV has more than one root in (−0.99, 10]: `rate` was picked by the rule above.
    pub multiple_roots: bool,
}

/// Lowest rate searched, excluded: (1+r)^x near r = −1 is meaningless for a project.
pub const IRR_MIN_RATE: f64 = -0.99;
/// Highest rate searched, included.
pub const IRR_MAX_RATE: f64 = 10.0;
/// Spacing of the grid on which sign changes are found.
pub const IRR_GRID_STEP: f64 = 0.01;
/// The reported root is within this distance of the true root.
pub const IRR_TOLERANCE: f64 = 1e-10;

/// Grid points: r_i = (i − 99)/100 for i in 0..GRID_LEN, computed from integers so −0.99, 0
/// and 10 are hit exactly.
const GRID_LEN: usize = 1100;
const ZERO_IDX: usize = 99;

fn grid_rate(i: usize) -> f64 {
    (i as f64 - ZERO_IDX as f64) / 100.0
}

/// IRR of monthly flows paid at the end of each month (MODEL.md §1): the annual effective r in
/// (−0.99, 10] with Σ_t flows[t]·(1+r)^(−(t+1)/12) = 0, chosen as described in the module docs.
///
/// `None` when there is no root in the interval, including for empty, all-zero, one-signed or
/// non-finite flows (and flows whose absolute sum overflows f64). Never NaN, never panics.
pub fn irr_monthly_end(flows: &[f64]) -> Option<Irr> {
    solve_polynomial(flows, Periods::Monthly, BESIDE_ROOT)
}

/// [`irr_monthly_end`] for flows whose running sums change sign often (a levered equity flow:
/// FCF plus loan draws, less debt service): the same root rule (MODEL.md §1) and the same root
/// to within [`IRR_TOLERANCE`], found more often without the grid walk. When the running sums
/// change sign more than once from the start, the fast path proves the root alone in its cell
/// by Laguerre's rule at a grid point beside it; where [`irr_monthly_end`] tries the two grid
/// points beside the root and otherwise walks the grid, this also tries the next
/// [`LEVERED_REACH`] − 1 points on each side. Where both take the fast path the results are
/// bit for bit the same; where only this one does, its root is the secant's where
/// [`irr_monthly_end`]'s is Brent's: the two differ by less than [`IRR_TOLERANCE`].
pub fn irr_monthly_end_levered(flows: &[f64]) -> Option<Irr> {
    solve_polynomial(flows, Periods::Monthly, LEVERED_REACH)
}

/// Grid points on each side of the root that [`irr_monthly_end_levered`] tries before the grid
/// walk: on the bundled example's levered flows the two beside the root fail on about 2 % of
/// Monte Carlo paths (the bound above the root is 2 where no root lies), and a point two or
/// three cells away certifies all of those measured.
pub const LEVERED_REACH: usize = 4;

/// IRR per period of periodic flows with numpy-financial semantics (Σ_t flows[t]·(1+r)^(−t) = 0,
/// first flow undiscounted), searched in (−0.99, 10] and chosen as described in the module docs.
///
/// numpy_financial.irr instead returns the real root closest to zero; the two agree whenever
/// there is one root in the interval. `None` as for [`irr_monthly_end`].
pub fn irr_periodic(flows: &[f64]) -> Option<Irr> {
    solve_polynomial(flows, Periods::PerPeriod, BESIDE_ROOT)
}

/// The polynomial IRR: the fast path when Laguerre's rule settles every root cheaply, else the
/// grid scan of [`solve`].
fn solve_polynomial(flows: &[f64], periods: Periods, reach: usize) -> Option<Irr> {
    let shape = FlowShape::of(flows)?;
    let poly = Polynomial {
        flows,
        periods,
        abs_sum: shape.abs_sum,
        at_zero: (shape.total, shape.moment, shape.curvature),
    };
    match fast_path(&poly, &shape, reach) {
        Some(found) => found,
        None => solve_settled(&poly, &shape),
    }
}

/// A continuous function of r on (−1, ∞) with the sign of NPV(r): the IRR search needs only
/// signs and a bracketed root, so each series may drop positive factors that would overflow.
pub(crate) trait NpvSign {
    fn eval(&self, rate: f64) -> f64;

    /// `eval` at grid point i; implementations may use cached discount factors.
    fn eval_grid(&self, i: usize) -> f64 {
        self.eval(grid_rate(i))
    }

    /// Feeds `scan` the grid points strictly between r = −0.99 and r = 0, in increasing order,
    /// or any subset of them that provably yields the same sign changes.
    fn scan_negative_rates(&self, scan: &mut Scan) {
        for i in 1..ZERO_IDX {
            scan.push(grid_rate(i), self.eval_grid(i));
        }
    }

    /// Feeds `scan` the grid points after r = 0 up to r = 10, or any subset of them that
    /// provably yields the same sign changes.
    fn scan_positive_rates(&self, scan: &mut Scan) {
        for i in ZERO_IDX + 1..GRID_LEN {
            scan.push(grid_rate(i), self.eval_grid(i));
        }
    }
}

/// How a series is discounted: v = (1+r)^(−1/12) per month, or (1+r)^(−1) per period.
#[derive(Debug, Clone, Copy)]
enum Periods {
    Monthly,
    PerPeriod,
}

/// NPV as the polynomial P(v) = Σ_t c_t·v^t. The monthly NPV is v·P(v) (end of month), which
/// has the sign of P(v); for v > 1 (r < 0), P(v) = v^n·R(1/v), evaluated as R to avoid overflow.
struct Polynomial<'a> {
    flows: &'a [f64],
    periods: Periods,
    /// Σ|c_t|: bounds rounding in P(v) for v ≤ 1.
    abs_sum: f64,
    /// (P(1), P'(1), P''(1)) = (Σ c_t, Σ t·c_t, Σ t·(t−1)·c_t): NPV's sign function and its
    /// first two derivatives at r = 0.
    at_zero: (f64, f64, f64),
}

impl<'a> Polynomial<'a> {
    /// `None` when no IRR can exist: no sign change among the flows, or non-finite values.
    #[cfg(test)]
    fn new(flows: &'a [f64], periods: Periods) -> Option<Self> {
        let shape = FlowShape::of(flows)?;
        Some(Self {
            flows,
            periods,
            abs_sum: shape.abs_sum,
            at_zero: (shape.total, shape.moment, shape.curvature),
        })
    }

    /// k in v = (1+r)^(−k).
    fn exponent(&self) -> f64 {
        match self.periods {
            Periods::Monthly => 1.0 / 12.0,
            Periods::PerPeriod => 1.0,
        }
    }

    fn eval_factor(&self, rate: f64, x: f64) -> f64 {
        if rate >= 0.0 {
            horner(self.flows, x)
        } else {
            horner_reversed(self.flows, x)
        }
    }

    /// The variable the kernels take: v = (1+r)^(−k) for r ≥ 0, w = (1+r)^k for r < 0 (both ≤ 1).
    fn factor(&self, rate: f64) -> f64 {
        match self.periods {
            Periods::PerPeriod if rate >= 0.0 => 1.0 / (1.0 + rate),
            Periods::PerPeriod => 1.0 + rate,
            Periods::Monthly => {
                let l = rate.ln_1p() / 12.0;
                if rate >= 0.0 { (-l).exp() } else { l.exp() }
            }
        }
    }
}

impl Polynomial<'_> {
    /// The rate at which the kernels' variable is x: v = (1+r)^(−k) when `above_zero`, else
    /// w = (1+r)^k. Monthly (k = 1/12) by squaring, 1+r = (1/v)^12 or w^12: one division and
    /// four products; the division's rounding is raised to the 12th power, the squares' to
    /// the 6th and 3rd, so the relative error is at most (12 + 6 + 3 + 2)·ε and |error| ≤
    /// 23ε·(1+r) < 6e-14 for r ≤ 10, far inside the margin [`refine`] leaves (its tolerance in
    /// x is a quarter of [`IRR_TOLERANCE`]); no `ln`/`exp` call.
    fn rate_of_factor(&self, x: f64, above_zero: bool) -> f64 {
        let growth = if above_zero { 1.0 / x } else { x };
        match self.periods {
            Periods::Monthly => {
                let g2 = growth * growth;
                let g4 = g2 * g2;
                g4 * g4 * g4 - 1.0
            }
            Periods::PerPeriod => growth - 1.0,
        }
    }

    /// A value with the sign of NPV at r = −0.99 (`eval_grid(0)`), usually from the last
    /// [`LOWEST_RATE_TAIL`] flows only. Here NPV has the sign of R(w) = Σ c_t·w^(n−1−t) with
    /// w = w_0 < 1 (0.68 monthly), and R(w) = S + w^K·Σ_{t<n−K} c_t·w^(n−K−1−t) where S sums
    /// the last K flows, so |R(w) − S| ≤ w^K·Σ|c|. S as computed is within 4K·ε·Σ|c| of the
    /// exact S (as in the scans' rounding bound), and the full evaluation within 4n·ε·Σ|c| of
    /// R(w). So when |S| exceeds the sum of the three bounds, R(w), its full evaluation and S
    /// have the same sign. Otherwise (R(w) small, or short series) the full evaluation.
    fn at_lowest_rate(&self) -> f64 {
        let n = self.flows.len();
        if n > 2 * LOWEST_RATE_TAIL {
            let w = self.grid_factor(0);
            let partial = horner_reversed(&self.flows[n - LOWEST_RATE_TAIL..], w);
            let w2 = w * w;
            let w8 = w2 * w2 * (w2 * w2);
            // w^24: LOWEST_RATE_TAIL = 24.
            let w_tail = w8 * w8 * w8;
            let rounding = 4.0 * (n + LOWEST_RATE_TAIL) as f64 * f64::EPSILON;
            // The margin covers the rounding of w^K and of Σ|c|.
            let bound = (w_tail + rounding) * self.abs_sum * (1.0 + 1e-9);
            if partial.abs() > bound {
                return partial;
            }
        }
        self.eval_grid(0)
    }

    /// The variable at grid point i: v for r ≥ 0, w for r < 0 (monthly: from the table).
    fn grid_factor(&self, i: usize) -> f64 {
        match self.periods {
            Periods::Monthly => monthly_grid()[i],
            Periods::PerPeriod => self.factor(grid_rate(i)),
        }
    }

    /// Laguerre's bounds at grid point i > 0 (r_i > 0, x = v_i < 1): (sign changes of the running
    /// sums of c_t·x^t from the start, from the end): at most that many roots in (r_i, ∞) and in
    /// (−1, r_i). `None` when a power of x leaves the normal range of f64.
    fn laguerre_bounds(&self, i: usize) -> Option<(usize, usize)> {
        let x = self.grid_factor(i);
        // From the end the flows are scaled by x^(t−n+1) = (1/x)^(n−1−t): the same signs.
        let inverse = 1.0 / x;
        let (mut power, mut grown) = (1.0, 1.0);
        let (mut from_start, mut from_end) = (0.0, 0.0);
        let (mut above, mut below) = (SignChanges::default(), SignChanges::default());
        // Both ends in one loop: independent chains the CPU overlaps.
        for (&c, &d) in self.flows.iter().zip(self.flows.iter().rev()) {
            from_start += c * power;
            above.push(from_start);
            power *= x;
            from_end += d * grown;
            below.push(from_end);
            grown *= inverse;
        }
        (power >= f64::MIN_POSITIVE && grown.is_finite()).then_some((above.changes, below.changes))
    }
}

impl NpvSign for Polynomial<'_> {
    fn eval(&self, rate: f64) -> f64 {
        self.eval_factor(rate, self.factor(rate))
    }

    fn eval_grid(&self, i: usize) -> f64 {
        let rate = grid_rate(i);
        let x = match self.periods {
            Periods::Monthly => monthly_grid()[i],
            Periods::PerPeriod => self.factor(rate),
        };
        self.eval_factor(rate, x)
    }

    /// Skips grid points where NPV provably keeps its sign, walking down from r = 0 (the bound
    /// holds downwards) and then feeding the points up. Here NPV has the sign of
    /// R(w) = Σ c_t·w^(n−t), w = (1+r)^k ≤ 1. For r ≤ r_i, |d/dr R(w(r))| ≤ k·B(w_i)/(1+r) with
    /// B(w) = Σ (n−t)·|c_t|·w^(n−t), non-decreasing in w; integrated, R moves by at most
    /// k·B(w_i)·ln((1+r_i)/(1+r)), so it keeps its sign for r > (1+r_i)·e^(−|R(w_i)|/(k·B(w_i))) − 1.
    fn scan_negative_rates(&self, scan: &mut Scan) {
        let k = self.exponent();
        let rounding = 4.0 * self.flows.len() as f64 * f64::EPSILON * self.abs_sum;
        // At most the 98 interior points; a fixed array keeps this allocation-free.
        let mut points = [(0.0, 0.0); ZERO_IDX];
        let mut n_points = 0;
        let mut i = ZERO_IDX;
        loop {
            let rate = grid_rate(i);
            let w = match self.periods {
                Periods::Monthly => monthly_grid()[i],
                Periods::PerPeriod => self.factor(rate),
            };
            let (value, slope) = horner_reversed_with_slope_bound(self.flows, w);
            if i < ZERO_IDX {
                points[n_points] = (rate, value);
                n_points += 1;
            }
            let safe = value.abs() - rounding - 4.0 * f64::EPSILON * slope;
            let next = if safe > 0.0 && slope > 0.0 {
                let lowest_same_sign =
                    (1.0 + rate) * (-safe / (k * slope * (1.0 + 1e-9))).exp() - 1.0;
                // The first grid point at or below the proven bound, with a margin for rounding.
                let below = (lowest_same_sign * 100.0 + ZERO_IDX as f64 + 1e-6).floor();
                if below < 1.0 {
                    0
                } else {
                    (below as usize).min(i - 1)
                }
            } else if safe > 0.0 {
                0
            } else {
                i - 1
            };
            if next < 1 {
                break;
            }
            i = next;
        }
        for &(rate, value) in points[..n_points].iter().rev() {
            scan.push(rate, value);
        }
    }

    /// Skips grid points where NPV provably keeps its sign. For r ≥ r_i,
    /// |d/dr P(v(r))| = |P'(v)|·k·v/(1+r) ≤ k·B(v_i)/(1+r_i) with B(v) = Σ t·|c_t|·v^t, since
    /// v ≤ v_i and B is non-decreasing in v. So P keeps the sign of P(v_i) on
    /// [r_i, r_i + |P(v_i)|/bound): the grid points there would report no sign change.
    fn scan_positive_rates(&self, scan: &mut Scan) {
        self.walk_positive_rates(
            scan,
            |v| horner_with_slope_bound(self.flows, v),
            |_, _, _, _| false,
        );
    }
}

impl Polynomial<'_> {
    /// [`NpvSign::scan_positive_rates`] for polynomials, with P(v) and its slope bound from
    /// `eval` (bit for bit [`horner_with_slope_bound`]), asking `stop` after each point pushed
    /// (with its grid index, value and the margin by which the value's sign is proven, > 0
    /// when it is) whether the walk may end there.
    #[inline(always)]
    fn walk_positive_rates(
        &self,
        scan: &mut Scan,
        eval: impl Fn(f64) -> (f64, f64),
        mut stop: impl FnMut(&mut Scan, usize, f64, f64) -> bool,
    ) {
        let k = self.exponent();
        // Horner's rounding error is below 2n·ε·Σ|c_t|v^t ≤ 2n·ε·Σ|c_t| for v ≤ 1.
        let rounding = 4.0 * self.flows.len() as f64 * f64::EPSILON * self.abs_sum;
        let mut i = ZERO_IDX + 1;
        while i < GRID_LEN {
            let rate = grid_rate(i);
            let v = match self.periods {
                Periods::Monthly => monthly_grid()[i],
                Periods::PerPeriod => self.factor(rate),
            };
            let (value, slope) = eval(v);
            scan.push(rate, value);
            let max_slope = k * slope / (1.0 + rate) * (1.0 + 1e-9);
            // The factor v_i itself is rounded: P moves by at most |P'|·|Δv| ≤ slope·ε.
            let safe = value.abs() - rounding - 4.0 * f64::EPSILON * slope;
            if stop(scan, i, value, safe) {
                return;
            }
            let skip = if safe <= 0.0 {
                0
            } else if max_slope > 0.0 {
                // Points i+1..=i+skip lie strictly within the proven span.
                let steps = safe / max_slope / IRR_GRID_STEP * (1.0 - 1e-9);
                if steps >= GRID_LEN as f64 {
                    GRID_LEN
                } else {
                    steps.floor() as usize
                }
            } else {
                GRID_LEN
            };
            i += 1 + skip;
        }
    }
}

/// The monthly factors at the grid points, computed once per process (1100 `exp` saved per
/// full grid scan).
fn monthly_grid() -> &'static [f64; GRID_LEN] {
    static GRID: OnceLock<[f64; GRID_LEN]> = OnceLock::new();
    GRID.get_or_init(|| {
        let poly = Polynomial {
            flows: &[],
            periods: Periods::Monthly,
            abs_sum: 0.0,
            at_zero: (0.0, 0.0, 0.0),
        };
        std::array::from_fn(|i| poly.factor(grid_rate(i)))
    })
}

/// Sign changes (zeros skipped) of the running sums from the start and from the end: the
/// Laguerre bounds on roots with r > 0 and with r < 0.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    prefix_changes: usize,
    suffix_changes: usize,
}

fn sign_changes_of_running_sum(flows: impl Iterator<Item = f64>) -> usize {
    let mut sum = 0.0;
    let mut changes = SignChanges::default();
    for c in flows {
        sum += c;
        changes.push(sum);
    }
    changes.changes
}

/// Flows in time order (flows at equal times may come in any order: splitting one exponent's
/// coefficient can only add sign changes, so the bounds stay valid).
pub(crate) fn shape_of(flows: impl DoubleEndedIterator<Item = f64> + Clone) -> Shape {
    Shape {
        prefix_changes: sign_changes_of_running_sum(flows.clone()),
        suffix_changes: sign_changes_of_running_sum(flows.rev()),
    }
}

/// Where a root lies: exactly on a grid point, or inside a cell whose ends have opposite signs.
#[derive(Debug, Clone, Copy)]
enum Root {
    Exact(f64),
    Bracket {
        lo: f64,
        hi: f64,
        f_lo: f64,
        f_hi: f64,
    },
}

/// Walks points in increasing r, counting roots and keeping the largest and the largest falling.
pub(crate) struct Scan {
    n_roots: usize,
    last: Option<Root>,
    last_falling: Option<Root>,
    prev: (f64, f64),
    /// Sign of the last point with NPV ≠ 0 (0 before the first).
    left_sign: f64,
    /// A run of grid points with NPV exactly 0 awaiting its right neighbour: (largest r, count).
    pending_zeros: Option<(f64, usize)>,
}

impl Scan {
    /// Starts at the excluded lower end: a zero there is not a root.
    fn new(rate: f64, value: f64) -> Self {
        Self {
            n_roots: 0,
            last: None,
            last_falling: None,
            prev: (rate, value),
            left_sign: if value == 0.0 { 0.0 } else { value.signum() },
            pending_zeros: None,
        }
    }

    fn record(&mut self, root: Root, count: usize, falling: bool) {
        self.n_roots += count;
        self.last = Some(root);
        if falling {
            self.last_falling = Some(root);
        }
    }

    fn push(&mut self, rate: f64, value: f64) {
        if value == 0.0 {
            let count = self.pending_zeros.map_or(0, |(_, n)| n);
            self.pending_zeros = Some((rate, count + 1));
        } else {
            let sign = value.signum();
            if let Some((zero, count)) = self.pending_zeros.take() {
                let falling = self.left_sign > 0.0 && sign < 0.0;
                self.record(Root::Exact(zero), count, falling);
            } else {
                let (lo, f_lo) = self.prev;
                if f_lo != 0.0 && f_lo.signum() != sign {
                    let root = Root::Bracket {
                        lo,
                        hi: rate,
                        f_lo,
                        f_hi: value,
                    };
                    self.record(root, 1, f_lo > 0.0);
                }
            }
            self.left_sign = sign;
        }
        self.prev = (rate, value);
    }

    /// Closes a run of zeros that reaches the top of the interval.
    fn finish(&mut self) {
        if let Some((zero, count)) = self.pending_zeros.take() {
            let falling = self.left_sign > 0.0;
            self.record(Root::Exact(zero), count, falling);
        }
    }
}

/// Finds and refines the reported root of a series whose flows change sign.
pub(crate) fn solve<F: NpvSign>(npv: &F, shape: Shape) -> Option<Irr> {
    let f_zero = npv.eval_grid(ZERO_IDX);
    let mut scan = Scan::new(IRR_MIN_RATE, npv.eval_grid(0));
    // A half with at most one root and a non-zero NPV(0) is one cell: its end signs decide.
    if f_zero != 0.0 && shape.suffix_changes <= 1 {
        scan.push(0.0, f_zero);
    } else {
        npv.scan_negative_rates(&mut scan);
        scan.push(0.0, f_zero);
    }
    if f_zero != 0.0 && shape.prefix_changes <= 1 {
        scan.push(IRR_MAX_RATE, npv.eval_grid(GRID_LEN - 1));
    } else {
        npv.scan_positive_rates(&mut scan);
    }
    scan.finish();

    let root = scan.last_falling.or(scan.last)?;
    Some(Irr {
        rate: refine_root(npv, root),
        multiple_roots: scan.n_roots > 1,
    })
}

/// The reported root: a grid point where NPV is exactly 0, or a bracket refined by Brent's
/// method.
fn refine_root<F: NpvSign>(npv: &F, root: Root) -> f64 {
    match root {
        Root::Exact(rate) => rate,
        Root::Bracket { lo, hi, f_lo, f_hi } => {
            brent(|r| npv.eval(r), lo, hi, f_lo, f_hi, IRR_TOLERANCE / 2.0)
        }
    }
}

/// What one pass forward and one backward over the flows tell: enough to reject series with no
/// IRR, Laguerre's bounds at r = 0, NPV's sign at r = 0, and its signs at the ends of (−1, ∞).
struct FlowShape {
    abs_sum: f64,
    /// Σ c_t in time order: NPV(0), up to a positive factor.
    total: f64,
    /// Σ t·c_t: P'(1), the slope at r = 0, where the root search starts with a Newton step.
    moment: f64,
    /// Σ t·(t−1)·c_t: P''(1).
    curvature: f64,
    /// Sign of the first non-zero flow: NPV's sign as r → ∞ (v → 0).
    first_sign: f64,
    /// Sign of the last non-zero flow: NPV's sign as r → −1 (w → 0).
    last_sign: f64,
    /// Laguerre's bounds: the sign-bit flips between consecutive running sums, counted from
    /// the first non-zero flow's sign bit. Between two consecutive non-zero sums the bit goes
    /// from the first's to the second's, through any ±0 in between, so it flips at least once
    /// when their signs differ; before the first non-zero sum it starts and ends at the same
    /// bit; zeros after the last non-zero sum only add flips. So the flips are at least the
    /// sign changes (zeros skipped), and equal to them when no sum from the first non-zero
    /// flow on is ±0: a bound on the roots all the same. A larger bound only sends a series down a longer path
    /// (certifying, or walking the grid), never to a different answer. Zero flows at the
    /// start (or end) would be the common cause of zero sums: they are counted out exactly.
    shape: Shape,
}

impl FlowShape {
    /// `None` when no IRR can exist: no sign change among the flows (Descartes: no root in v),
    /// or non-finite values (NaN fails `is_finite`; |P(v)|, |R(w)| ≤ Σ|c| for v, w ≤ 1).
    fn of(flows: &[f64]) -> Option<Self> {
        let sign = |c: &f64| (*c != 0.0).then(|| c.signum());
        let first_sign = flows.iter().find_map(sign).unwrap_or(0.0);
        let last_sign = flows.iter().rev().find_map(sign).unwrap_or(0.0);
        let (mut abs_sum, mut total) = (0.0, 0.0);
        // From the end: the running sum T_u = Σ_{s≥u} c_s, its running sum U_u = Σ_{v≥u} T_v
        // and that one's, W_u = Σ_{v≥u} U_v (three additions a flow, no multiplication).
        let (mut suffix, mut suffix_of_suffix, mut third) = (0.0, 0.0, 0.0);
        // Sign changes are counted as flips of the sign bit between consecutive running sums
        // (an exclusive or: few operations a flow, where this loop spends its time): the count
        // with zeros skipped when no running sum is ±0, never below it otherwise. The first
        // non-zero running sum from the start is the first non-zero flow itself (0 + c = c
        // exactly), and the sums before it are +0 (0 + ±0 = +0). So without leading zero flows,
        // starting from the first non-zero flow's sign bit counts no flip before it; with them,
        // starting from +0's bit counts exactly one flip there when that flow is negative, which
        // is taken off below (and the same from the end).
        let leading_zero = flows.first() == Some(&0.0);
        let trailing_zero = flows.last() == Some(&0.0);
        let start_bit = |zero: bool, sign: f64| if zero { 0 } else { sign_bit(sign) };
        let (mut prefix_bit, mut suffix_bit) = (
            start_bit(leading_zero, first_sign),
            start_bit(trailing_zero, last_sign),
        );
        let (mut prefix_flips, mut suffix_flips) = (0, 0);
        // The running sums from both ends in one loop: independent chains of additions.
        let mut step = |c: f64, d: f64| {
            abs_sum += c.abs();
            total += c;
            suffix += d;
            suffix_of_suffix += suffix;
            third += suffix_of_suffix;
            let (p, q) = (sign_bit(total), sign_bit(suffix));
            prefix_flips += p ^ prefix_bit;
            suffix_flips += q ^ suffix_bit;
            (prefix_bit, suffix_bit) = (p, q);
        };
        // Two flows a turn from each end (fewer loop instructions a flow), in the same order.
        let (pairs, odd) = flows.split_at(flows.len() / 2 * 2);
        for (c, d) in pairs.chunks_exact(2).zip(flows.rchunks_exact(2)) {
            step(c[0], d[1]);
            step(c[1], d[0]);
        }
        if let (Some(&c), Some(&d)) = (odd.first(), flows.first()) {
            step(c, d);
        }
        // Σ_s s·c_s = Σ_{u≥1} T_u = U_0 − T_0, and since C(s,2) = #{u : 2 ≤ u ≤ s} counted
        // with weight s − u + 1 summed, Σ_s C(s,2)·c_s = Σ_{u≥2} U_u = W_0 − U_0 − U_1 with
        // U_1 = U_0 − T_0 (binomial moments as iterated suffix sums).
        let moment = suffix_of_suffix - suffix;
        let curvature = 2.0 * (third - 2.0 * suffix_of_suffix + suffix);
        // Both signs present: the first and the last non-zero flows differ, or some flow in
        // between differs from them.
        let mixed =
            first_sign != last_sign || flows.iter().any(|&c| c != 0.0 && c.signum() != first_sign);
        if !abs_sum.is_finite() || !mixed {
            return None;
        }
        Some(Self {
            abs_sum,
            total,
            moment,
            curvature,
            first_sign,
            last_sign,
            shape: Shape {
                prefix_changes: (prefix_flips - start_bit(!leading_zero, first_sign)) as usize,
                suffix_changes: (suffix_flips - start_bit(!trailing_zero, last_sign)) as usize,
            },
        })
    }
}

/// 1 when the sign bit of x is set (x < 0 or x = −0), else 0.
#[inline]
fn sign_bit(x: f64) -> u64 {
    x.to_bits() >> 63
}

/// `flips` is at least the sign changes of the running sums of `flows` (zeros skipped), and
/// equal to them when no running sum from the first non-zero flow on is ±0 ([`FlowShape`]'s
/// `shape`).
#[cfg(test)]
fn flips_bound_changes(flips: usize, flows: impl Iterator<Item = f64> + Clone) -> bool {
    let changes = sign_changes_of_running_sum(flows.clone());
    // Zero sums over leading zero flows are counted out exactly; others may add flips.
    let mut sum = 0.0;
    let zero_sum = flows.into_iter().skip_while(|&c| c == 0.0).any(|c| {
        sum += c;
        sum == 0.0
    });
    flips >= changes && (zero_sum || flips == changes)
}

/// Counts sign changes of a sequence, zeros skipped; branch-free, as it runs once per flow.
#[derive(Default)]
struct SignChanges {
    /// ±1: the sign of the last non-zero value; 0 before the first.
    last: f64,
    changes: usize,
}

impl SignChanges {
    #[inline]
    fn push(&mut self, x: f64) {
        // x·(±1) is exact: no underflow can hide a change.
        self.changes += usize::from(x * self.last < 0.0);
        self.last = if x != 0.0 {
            1.0f64.copysign(x)
        } else {
            self.last
        };
    }
}

/// Flows from the end that usually settle NPV's sign at r = −0.99 ([`Polynomial::at_lowest_rate`]):
/// w_0^24 ≈ 1e-4 monthly.
const LOWEST_RATE_TAIL: usize = 24;

#[cfg(test)]
mod tests {
    use super::levered_sample::levered_flows;
    use super::*;

    fn npv_periodic_naive(rate: f64, flows: &[f64]) -> f64 {
        flows
            .iter()
            .enumerate()
            .map(|(t, c)| c / (1.0 + rate).powf(t as f64))
            .sum()
    }

    /// A provider-like series: build, a ramp of earnings, an early chip refresh and a closing
    /// cost, so the running sums change sign three times while NPV has one root (r ≈ 1.02).
    fn refresh_series() -> Vec<f64> {
        (0..120)
            .map(|t| {
                let earned = if t <= 11 {
                    -2.0e9
                } else {
                    1.5e8 * f64::from(t - 11)
                };
                let refresh = if t == 35 { 4.0e10 } else { 0.0 };
                let closing = if t == 119 { 8.0e9 } else { 0.0 };
                earned - refresh - closing
            })
            .collect()
    }

    #[test]
    fn fast_path_certifies_one_root_when_running_sums_change_sign_often() {
        let flows = refresh_series();
        let shape = FlowShape::of(&flows).unwrap();
        assert!(
            shape.shape.prefix_changes >= 2,
            "{}",
            shape.shape.prefix_changes
        );
        let poly = Polynomial::new(&flows, Periods::Monthly).unwrap();
        let fast = fast_path(&poly, &shape, BESIDE_ROOT)
            .expect("certified")
            .unwrap();
        // The grid walk finds the same single root.
        let walked = solve(&poly, shape.shape).unwrap();
        assert!(!fast.multiple_roots && !walked.multiple_roots);
        assert!(
            (fast.rate - walked.rate).abs() < 1e-10,
            "{fast:?} {walked:?}"
        );
        assert!((fast.rate - 1.02).abs() < 0.01, "{fast:?}");
    }

    /// Flows drawn from a fixed sequence, with exact zeros (leading, trailing, inside) and
    /// exact cancellations of the running sums, for checks of the one-pass shape.
    fn varied_flows() -> Vec<Vec<f64>> {
        let mut state = 7u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut all: Vec<Vec<f64>> = (0..300)
            .map(|i| {
                let n = 1 + (next() * 130.0) as usize;
                (0..n)
                    .map(|t| {
                        let u = next();
                        if u < 0.2 || (i % 3 == 0 && t < 4) {
                            0.0
                        } else {
                            ((next() - 0.45) * 1e4).round()
                        }
                    })
                    .collect()
            })
            .collect();
        // Running sums that return to exactly 0, from both ends.
        all.push(vec![0.0, -3.0, 1.0, 2.0, 0.0, 5.0, -5.0, 4.0, -4.0, 0.0]);
        all.push(vec![-0.0, 2.0, -2.0, -1.0, 1.0, 3.0, -0.0]);
        // A zero sum between sums of one sign (two sign-bit flips, no change), and sums that
        // end at 0 (one flip, no change).
        all.push(vec![-1.0, 1.0, -1.0, 5.0]);
        all.push(vec![-2.0, 2.0]);
        all.push(vec![3.0, -1.0, -2.0, 0.0]);
        all
    }

    #[test]
    fn one_pass_shape_matches_running_sums_and_direct_moments() {
        for flows in varied_flows() {
            let want = shape_of(flows.iter().copied());
            let Some(got) = FlowShape::of(&flows) else {
                // Rejected only when one-signed (all flows here are finite).
                assert!(
                    flows.iter().all(|&c| c >= 0.0) || flows.iter().all(|&c| c <= 0.0),
                    "{flows:?}"
                );
                continue;
            };
            assert!(
                flips_bound_changes(got.shape.prefix_changes, flows.iter().copied()),
                "prefix {} vs {}: {flows:?}",
                got.shape.prefix_changes,
                want.prefix_changes
            );
            assert!(
                flips_bound_changes(got.shape.suffix_changes, flows.iter().rev().copied()),
                "suffix {} vs {}: {flows:?}",
                got.shape.suffix_changes,
                want.suffix_changes
            );
            let (mut moment, mut curvature, mut scale) = (0.0, 0.0, 0.0);
            for (t, &c) in flows.iter().enumerate() {
                let t = t as f64;
                moment += t * c;
                curvature += t * (t - 1.0) * c;
                scale += t * t * c.abs();
            }
            // Integer flows: both ways are exact up to 2^53.
            assert_eq!(got.moment, moment, "{flows:?}");
            assert!(
                (got.curvature - curvature).abs() <= 1e-12 * scale,
                "{flows:?}"
            );
            let first = flows.iter().find(|&&c| c != 0.0).unwrap();
            let last = flows.iter().rev().find(|&&c| c != 0.0).unwrap();
            assert_eq!(
                (got.first_sign, got.last_sign),
                (first.signum(), last.signum())
            );
        }
    }

    #[test]
    fn sign_at_lowest_rate_falls_back_when_the_early_flows_decide_it() {
        // 60 months: R(w_0) = −100 + 1e12·w_0^59 ≈ +47 though the last 24 flows sum to −100.
        let mut flows = vec![0.0; 60];
        flows[0] = 1e12;
        flows[59] = -100.0;
        let poly = Polynomial::new(&flows, Periods::Monthly).unwrap();
        assert!(poly.eval_grid(0) > 0.0);
        assert!(poly.at_lowest_rate() > 0.0, "{}", poly.at_lowest_rate());
        // A provider-like series: the last flows settle the sign, and the short sum is used.
        let flows = refresh_series();
        let poly = Polynomial::new(&flows, Periods::Monthly).unwrap();
        let (short, full) = (poly.at_lowest_rate(), poly.eval_grid(0));
        assert_eq!(short.signum(), full.signum());
        assert_ne!(short, full, "the partial sum was not used");
    }

    /// Monthly flows −1 at the end of month 1 and (1+root)^(11/12) at the end of month 12:
    /// one sign change, NPV(0) > 0, NPV falls through `root` (the only root in (−1, ∞)).
    fn two_flows_with_root(root: f64) -> Vec<f64> {
        let mut flows = vec![0.0; 12];
        flows[0] = -1.0;
        flows[11] = (1.0 + root).powf(11.0 / 12.0);
        flows
    }

    #[test]
    fn root_near_the_top_is_kept_below_ten_and_dropped_above() {
        for root in [
            0.05,
            3.0,
            9.9999,
            9.999_999_9,
            10.000_000_1,
            10.0001,
            11.0,
            50.0,
        ] {
            let flows = two_flows_with_root(root);
            let got = irr_monthly_end(&flows);
            let shape = FlowShape::of(&flows).unwrap();
            let poly = Polynomial::new(&flows, Periods::Monthly).unwrap();
            let walked = solve(&poly, shape.shape);
            if root < IRR_MAX_RATE {
                let irr = got.unwrap_or_else(|| panic!("root {root}: none"));
                assert!((irr.rate - root).abs() < IRR_TOLERANCE, "{root}: {irr:?}");
                assert!(!irr.multiple_roots);
            } else {
                // Refining toward v(10) without NPV(10) would end at 10.
                assert!(got.is_none(), "root {root}: {got:?}");
            }
            assert_eq!(got.is_some(), walked.is_some(), "root {root}");
        }
        // A root exactly at 10 (periodic: −1 + 11·v = 0 at v = 1/11) is in the interval.
        let irr = irr_periodic(&[-1.0, 11.0]).unwrap();
        assert!((irr.rate - 10.0).abs() < IRR_TOLERANCE, "{irr:?}");
    }

    #[test]
    fn root_near_the_bottom_is_counted_above_minus_0_99_only() {
        // Build, earn, then a closing cost: NPV → −∞ as r → −1⁺ and NPV(0) > 0, so one root in
        // (−1, 0); the closing cost moves it across −0.99 (it decides `multiple_roots`).
        let mut seen = [false; 2];
        for closing in [1.0e2, 3.0e2, 6.0e2, 7.0e2, 1.0e3, 1.0e4, 1.0e6] {
            let mut flows: Vec<f64> = (0..120)
                .map(|t| if t < 6 { -2.0e3 } else { 3.0e2 })
                .collect();
            flows[119] = -closing;
            let shape = FlowShape::of(&flows).unwrap();
            let poly = Polynomial::new(&flows, Periods::Monthly).unwrap();
            let got = irr_monthly_end(&flows);
            let walked = solve(&poly, shape.shape);
            // NPV(0) > 0: a negative NPV(−0.99) puts the negative root above −0.99.
            let inside = poly.eval_grid(0) < 0.0;
            seen[usize::from(inside)] = true;
            match (got, walked) {
                (Some(a), Some(b)) => {
                    assert!(
                        (a.rate - b.rate).abs() < IRR_TOLERANCE,
                        "{closing}: {a:?} {b:?}"
                    );
                    // Two roots exactly when the negative one lies above −0.99.
                    assert_eq!(a.multiple_roots, inside, "{closing}: {a:?}");
                    assert_eq!(a.multiple_roots, b.multiple_roots, "{closing}");
                }
                (a, b) => assert_eq!(a.is_some(), b.is_some(), "{closing}: {a:?} {b:?}"),
            }
        }
        assert_eq!(seen, [true, true], "both sides of −0.99 tried");
    }

    #[test]
    fn fast_path_declines_what_it_cannot_prove() {
        // Periodic roots at r = 0.1 and 0.5, both above 0: NPV(0) and NPV(10) share a sign.
        let flows = [-1.0, 2.6, -1.65];
        let shape = FlowShape::of(&flows).unwrap();
        let poly = Polynomial::new(&flows, Periods::PerPeriod).unwrap();
        assert!(fast_path(&poly, &shape, BESIDE_ROOT).is_none());
        let irr = irr_periodic(&flows).unwrap();
        assert!(irr.multiple_roots);
        // NPV rises through 0.1 and falls through 0.5.
        assert!((irr.rate - 0.5).abs() < 1e-10, "{irr:?}");
        // An exact zero at r = 0 is left to the grid walk too.
        let flows = [-1.0, 2.5, -1.5];
        let shape = FlowShape::of(&flows).unwrap();
        let poly = Polynomial::new(&flows, Periods::PerPeriod).unwrap();
        assert!(fast_path(&poly, &shape, BESIDE_ROOT).is_none());
    }

    #[test]
    fn a_zero_running_sum_raises_the_bound_but_not_the_answer() {
        // Running sums −100, 0, −100, −70, …, 50: one sign change, three sign-bit flips.
        let flows = [-100.0, 100.0, -100.0, 30.0, 30.0, 30.0, 30.0, 30.0];
        for periods in [Periods::Monthly, Periods::PerPeriod] {
            let shape = FlowShape::of(&flows).unwrap();
            assert_eq!(shape.shape.prefix_changes, 3);
            let exact = shape_of(flows.iter().copied());
            assert_eq!(exact.prefix_changes, 1);
            let poly = Polynomial::new(&flows, periods).unwrap();
            let fast = fast_path(&poly, &shape, BESIDE_ROOT).unwrap().unwrap();
            // The grid walk with the exact counts finds the same root.
            let walked = solve(&poly, exact).unwrap();
            assert!(!fast.multiple_roots && !walked.multiple_roots);
            assert!(
                (fast.rate - walked.rate).abs() < 2e-10,
                "{fast:?} {walked:?}"
            );
            assert!(poly.eval(fast.rate - 1e-9) > 0.0 && poly.eval(fast.rate + 1e-9) < 0.0);
        }
    }

    #[test]
    fn zero_flows_at_either_end_keep_the_exact_bounds_and_the_fast_path() {
        // Running sums 0, 0, −100, −50, 10, 5, 5, 5 and from the end 0, 0, −5, 55, 105, 5, …:
        // one change each, three sign-bit flips each.
        let flows = [0.0, 0.0, -100.0, 50.0, 60.0, -5.0, 0.0, 0.0];
        let shape = FlowShape::of(&flows).unwrap();
        assert_eq!(
            (shape.shape.prefix_changes, shape.shape.suffix_changes),
            (1, 1)
        );
        let poly = Polynomial::new(&flows, Periods::Monthly).unwrap();
        let irr = fast_path(&poly, &shape, BESIDE_ROOT).unwrap().unwrap();
        assert_eq!(Some(irr), irr_monthly_end(&flows));
        assert!(poly.eval(irr.rate - 1e-9) > 0.0 && poly.eval(irr.rate + 1e-9) < 0.0);
    }

    #[test]
    fn laguerre_bounds_count_the_scaled_running_sums() {
        let flows = refresh_series();
        let poly = Polynomial::new(&flows, Periods::Monthly).unwrap();
        for i in [100, 130, 150, 400] {
            let v = monthly_grid()[i];
            let scaled: Vec<f64> = flows
                .iter()
                .enumerate()
                .map(|(t, c)| c * v.powi(i32::try_from(t).unwrap()))
                .collect();
            let want = shape_of(scaled.iter().copied());
            assert_eq!(
                poly.laguerre_bounds(i),
                Some((want.prefix_changes, want.suffix_changes)),
                "grid point {i}"
            );
        }
    }

    #[test]
    fn secant_refinement_stays_in_the_bracket_and_meets_the_tolerance() {
        // g(x) = x³ − 0.5 on (0.5, 1): root 0.5^(1/3), a curved function.
        let g = |x: f64| x * x * x - 0.5;
        let root = 0.5f64.cbrt();
        for start in [None, Some((1.0, 0.5, 3.0, 6.0))] {
            let (x, _) = secant_in_bracket(
                g,
                |x, z| (g(x), g(z)),
                (0.5, g(0.5)),
                (1.0, g(1.0)),
                start,
                1e-13,
            );
            assert!((x - root).abs() <= 1e-13, "{start:?}: {x} vs {root}");
        }
        // A flat function far from its root still ends (bisection takes over).
        let flat = |x: f64| if x < 0.9 { -1e-300 } else { 1.0 };
        let (x, _) = secant_in_bracket(
            flat,
            |x, z| (flat(x), flat(z)),
            (0.1, flat(0.1)),
            (1.0, 1.0),
            None,
            1e-12,
        );
        assert!((x - 0.9).abs() <= 1e-12, "{x}");
    }

    #[test]
    fn inverse_quadratic_steps_converge_in_few_evaluations() {
        // Superlinear steps (interpolation through three points) on a curved function: a
        // wrong interpolated step would be rejected or bisected, still converging but slowly.
        let evaluations = std::cell::Cell::new(0);
        let g = |x: f64| {
            evaluations.set(evaluations.get() + 1);
            x.exp() - 2.0
        };
        let (x, certified) = secant_in_bracket(
            g,
            |x, z| (g(x), g(z)),
            (0.0, -1.0),
            (1.0, 1.0f64.exp() - 2.0),
            None,
            1e-13,
        );
        assert!(certified);
        assert!((x - 2.0f64.ln()).abs() <= 1e-13, "{x}");
        assert!(evaluations.get() <= 6, "{} evaluations", evaluations.get());
    }

    #[test]
    fn last_step_and_its_check_share_one_pass_when_the_root_is_predicted_close() {
        // g(x) = x³ − 0.5: the steps shrink superlinearly, so the last secant point is
        // evaluated together with its neighbours `xtol` either side, which straddle the root.
        let (singles, pairs) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
        let g = |x: f64| {
            singles.set(singles.get() + 1);
            x * x * x - 0.5
        };
        let g_at_two = |x: f64, z: f64| {
            pairs.set(pairs.get() + 1);
            (x * x * x - 0.5, z * z * z - 0.5)
        };
        let root = 0.5f64.cbrt();
        let xtol = 1e-13;
        let (x, certified) = secant_in_bracket(g, g_at_two, (0.5, -0.375), (1.0, 0.5), None, xtol);
        assert!(certified);
        assert!((x - root).abs() <= xtol, "{x} vs {root}");
        assert_eq!(pairs.get(), 1, "{} single evaluations", singles.get());
    }

    #[test]
    fn grid_hits_its_end_points_and_zero_exactly() {
        assert_eq!(grid_rate(0), IRR_MIN_RATE);
        assert_eq!(grid_rate(ZERO_IDX), 0.0);
        assert_eq!(grid_rate(GRID_LEN - 1), IRR_MAX_RATE);
        assert!((grid_rate(1) - grid_rate(0) - IRR_GRID_STEP).abs() < 1e-12);
    }

    #[test]
    fn sign_function_has_the_sign_of_npv_on_both_sides_of_zero() {
        let flows = [-100.0, 30.0, 40.0, -5.0, 50.0];
        let poly = Polynomial::new(&flows, Periods::PerPeriod).unwrap();
        for i in 0..GRID_LEN {
            let r = grid_rate(i);
            let exact = npv_periodic_naive(r, &flows);
            assert_eq!(poly.eval(r).signum(), exact.signum(), "r = {r}");
            assert_eq!(poly.eval_grid(i).signum(), exact.signum(), "r = {r}");
        }
    }

    #[test]
    fn monthly_grid_table_matches_direct_factors() {
        let poly = Polynomial::new(&[-1.0, 2.0], Periods::Monthly).unwrap();
        for i in [0, 50, 98, 99, 100, 700, GRID_LEN - 1] {
            assert_eq!(monthly_grid()[i], poly.factor(grid_rate(i)));
        }
        assert!((monthly_grid()[GRID_LEN - 1] - 11f64.powf(-1.0 / 12.0)).abs() < 1e-15);
        assert!((monthly_grid()[0] - 0.01f64.powf(1.0 / 12.0)).abs() < 1e-15);
    }

    #[test]
    fn running_sum_sign_changes_skip_zeros() {
        let s = shape_of([-1.0, 1.0, 0.0, 2.0, -5.0].into_iter());
        // Running sums −1, 0, 0, 2, −3: two changes; from the end −5, −3, −3, −2, −3: none.
        assert_eq!(s.prefix_changes, 2);
        assert_eq!(s.suffix_changes, 0);
    }

    #[test]
    fn brent_refines_a_bracket_to_tolerance() {
        let root = brent(|x| x * x - 2.0, 0.0, 2.0, -2.0, 2.0, 1e-12);
        assert!((root - 2f64.sqrt()).abs() < 1e-12);
        let root = brent(|x| (x - 0.3).powi(3), 0.0, 1.0, -0.027, 0.343, 1e-12);
        assert!((root - 0.3).abs() < 1e-11);
    }

    #[test]
    fn exact_zero_on_a_grid_point_is_a_root_with_its_direction() {
        // Periodic [-1, 2.5, -1.5]: P(v) = −(1 − v)(1 − 1.5v), roots v = 1 (r = 0, hit exactly
        // on the grid) and v = 2/3 (r = 0.5); NPV rises through r = 0 and falls through 0.5.
        let irr = irr_periodic(&[-1.0, 2.5, -1.5]).unwrap();
        assert!((irr.rate - 0.5).abs() < 1e-10, "{irr:?}");
        assert!(irr.multiple_roots);
        // The same flows negated: NPV falls through 0 and rises through 0.5.
        let irr = irr_periodic(&[1.0, -2.5, 1.5]).unwrap();
        assert_eq!(irr.rate, 0.0);
        assert!(irr.multiple_roots);
    }

    #[test]
    fn scan_reports_a_zero_at_the_top_end_as_falling_when_coming_from_above() {
        let mut scan = Scan::new(-0.99, 1.0);
        scan.push(0.0, 2.0);
        scan.push(10.0, 0.0);
        scan.finish();
        assert_eq!(scan.n_roots, 1);
        assert!(matches!(scan.last_falling, Some(Root::Exact(r)) if r == 10.0));
    }

    #[test]
    fn scan_does_not_count_a_zero_at_the_excluded_lower_end() {
        let mut scan = Scan::new(-0.99, 0.0);
        scan.push(0.0, 2.0);
        scan.push(10.0, 1.0);
        scan.finish();
        assert_eq!(scan.n_roots, 0);
        assert!(scan.last.is_none());
    }

    /// The levered search against the grid walk and Brent's method (`solve`, which sees every
    /// sign change on the 0.01 grid) on 10⁴ levered flows: the same root within the tolerance
    /// and the same `multiple_roots`; bit for bit [`irr_monthly_end`]'s result wherever that
    /// takes the fast path. Some of these flows are certified only by the wider reach.
    #[test]
    fn levered_search_matches_the_grid_walk_on_levered_flows() {
        let (mut several, mut widened, mut walked) = (0, 0, 0);
        for flows in levered_flows(10_000, 0x5eed_1e7e_12ed_0001) {
            let shape = FlowShape::of(&flows).expect("mixed signs");
            let poly = Polynomial::new(&flows, Periods::Monthly).unwrap();
            let levered = irr_monthly_end_levered(&flows);
            let grid = solve(&poly, shape.shape);
            match (levered, grid) {
                (None, None) => {}
                (Some(l), Some(g)) => {
                    assert_eq!(l.multiple_roots, g.multiple_roots, "{l:?} {g:?}: {flows:?}");
                    assert!(
                        (l.rate - g.rate).abs() <= IRR_TOLERANCE,
                        "{l:?} {g:?}: {flows:?}"
                    );
                }
                (l, g) => panic!("levered {l:?} vs grid {g:?}: {flows:?}"),
            }
            several += usize::from(shape.shape.prefix_changes >= 2);
            let beside = fast_path(&poly, &shape, BESIDE_ROOT);
            match (beside, fast_path(&poly, &shape, LEVERED_REACH)) {
                (Some(b), _) => assert_eq!(b, levered, "{flows:?}"),
                (None, Some(_)) => widened += 1,
                (None, None) => walked += 1,
            }
        }
        eprintln!("several {several} widened {widened} walked {walked}");
        assert!(several > 1000 && widened > 10, "{several} {widened}");
    }
}
