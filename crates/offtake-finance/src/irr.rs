//! Internal rate of return for monthly end-of-period and periodic flows, with MODEL.md §1's root rule.
//!
//! # Search
//! The IRR is an annual effective r in (−0.99, 10] with NPV(r) = 0. Every sign change of NPV
//! is located on the grid r_i = −0.99 + 0.01·i (i = 0…1099, so r_1099 = 10), then only the root
//! that will be reported is refined, by Brent's method, to 1e-10.
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
//! When a half (−0.99, 0) or (0, 10] can hold at most one root and NPV(0) ≠ 0, its two end
//! points decide whether it holds one, so that half is treated as a single grid cell. A series
//! whose flows change sign once (Descartes' rule) always takes this path on both halves.
//!
//! Otherwise the grid is walked, skipping grid points where a bound on |dNPV/dr| proves NPV
//! keeps its sign (`Polynomial::scan_negative_rates` and `scan_positive_rates`): the same sign
//! changes are found, with far fewer evaluations away from the roots.
//!
//! # Which root
//! Several roots: the largest at which NPV falls through zero as r rises (the economic IRR of a
//! project whose late flows turn negative); if none falls, the largest root; `multiple_roots`
//! is set. A grid point where NPV is exactly 0 is a root; it falls when the nearest non-zero
//! points on its left and right are positive and negative (at r = 10, when its left is
//! positive). NPV(−0.99) = 0 is not a root: −0.99 is outside the interval. Two sign changes
//! closer than 0.01 can be missed, as MODEL.md §1 allows.

use std::sync::OnceLock;

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
    let poly = Polynomial::new(flows, Periods::Monthly)?;
    solve(&poly, shape_of(flows.iter().copied()))
}

/// IRR per period of periodic flows with numpy-financial semantics (Σ_t flows[t]·(1+r)^(−t) = 0,
/// first flow undiscounted), searched in (−0.99, 10] and chosen as described in the module docs.
///
/// numpy_financial.irr instead returns the real root closest to zero; the two agree whenever
/// there is one root in the interval. `None` as for [`irr_monthly_end`].
pub fn irr_periodic(flows: &[f64]) -> Option<Irr> {
    let poly = Polynomial::new(flows, Periods::PerPeriod)?;
    solve(&poly, shape_of(flows.iter().copied()))
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
}

impl<'a> Polynomial<'a> {
    /// `None` when no IRR can exist: no sign change among the flows, or non-finite values.
    fn new(flows: &'a [f64], periods: Periods) -> Option<Self> {
        let abs_sum: f64 = flows.iter().map(|c| c.abs()).sum();
        // NaN fails is_finite; |P(v)| and |R(w)| are bounded by Σ|c| for v, w ≤ 1.
        if !abs_sum.is_finite() || !changes_sign(flows.iter().copied()) {
            return None;
        }
        Some(Self {
            flows,
            periods,
            abs_sum,
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
            let (value, slope) = horner_with_slope_bound(self.flows, v);
            scan.push(rate, value);
            let max_slope = k * slope / (1.0 + rate) * (1.0 + 1e-9);
            // The factor v_i itself is rounded: P moves by at most |P'|·|Δv| ≤ slope·ε.
            let safe = value.abs() - rounding - 4.0 * f64::EPSILON * slope;
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
        };
        std::array::from_fn(|i| poly.factor(grid_rate(i)))
    })
}

/// Whether some flow is positive and some negative (Descartes: otherwise no positive root in v).
fn changes_sign(flows: impl Iterator<Item = f64>) -> bool {
    let (mut pos, mut neg) = (false, false);
    for c in flows {
        pos |= c > 0.0;
        neg |= c < 0.0;
    }
    pos && neg
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
    let mut last_sign = 0.0;
    let mut changes = 0;
    for c in flows {
        sum += c;
        if sum != 0.0 {
            let s = sum.signum();
            if last_sign != 0.0 && s != last_sign {
                changes += 1;
            }
            last_sign = s;
        }
    }
    changes
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
    let rate = match root {
        Root::Exact(rate) => rate,
        Root::Bracket { lo, hi, f_lo, f_hi } => {
            brent(|r| npv.eval(r), lo, hi, f_lo, f_hi, IRR_TOLERANCE / 2.0)
        }
    };
    Some(Irr {
        rate,
        multiple_roots: scan.n_roots > 1,
    })
}

/// Brent's root finder on a bracket with f(a)·f(b) < 0 (Brent, *Algorithms for Minimization
/// without Derivatives*, 1973, ch. 4; this layout follows SciPy's `brentq`). Returns x with
/// |x − root| < xtol + 4ε|x|; always stays inside the bracket.
fn brent(f: impl Fn(f64) -> f64, a: f64, b: f64, fa: f64, fb: f64, xtol: f64) -> f64 {
    const RTOL: f64 = 4.0 * f64::EPSILON;
    const MAX_ITER: usize = 200;
    let (mut xpre, mut xcur, mut fpre, mut fcur) = (a, b, fa, fb);
    let (mut xblk, mut fblk, mut spre, mut scur) = (0.0, 0.0, 0.0, 0.0);
    if fpre == 0.0 {
        return xpre;
    }
    if fcur == 0.0 {
        return xcur;
    }
    for _ in 0..MAX_ITER {
        if fpre != 0.0 && fcur != 0.0 && (fpre < 0.0) != (fcur < 0.0) {
            xblk = xpre;
            fblk = fpre;
            spre = xcur - xpre;
            scur = spre;
        }
        if fblk.abs() < fcur.abs() {
            xpre = xcur;
            xcur = xblk;
            xblk = xpre;
            fpre = fcur;
            fcur = fblk;
            fblk = fpre;
        }
        let delta = (xtol + RTOL * xcur.abs()) / 2.0;
        let sbis = (xblk - xcur) / 2.0;
        if fcur == 0.0 || sbis.abs() < delta {
            return xcur;
        }
        if spre.abs() > delta && fcur.abs() < fpre.abs() {
            let stry = if xpre == xblk {
                // Secant step.
                -fcur * (xcur - xpre) / (fcur - fpre)
            } else {
                // Inverse quadratic interpolation.
                let dpre = (fpre - fcur) / (xpre - xcur);
                let dblk = (fblk - fcur) / (xblk - xcur);
                -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            };
            if 2.0 * stry.abs() < spre.abs().min(3.0 * sbis.abs() - delta) {
                spre = scur;
                scur = stry;
            } else {
                spre = sbis;
                scur = sbis;
            }
        } else {
            spre = sbis;
            scur = sbis;
        }
        xpre = xcur;
        fpre = fcur;
        xcur += if scur.abs() > delta {
            scur
        } else if sbis > 0.0 {
            delta
        } else {
            -delta
        };
        fcur = f(xcur);
    }
    xcur
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npv_periodic_naive(rate: f64, flows: &[f64]) -> f64 {
        flows
            .iter()
            .enumerate()
            .map(|(t, c)| c / (1.0 + rate).powf(t as f64))
            .sum()
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
}
