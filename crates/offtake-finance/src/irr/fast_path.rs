//! MODEL.md §1 without the grid walk: cells proven to hold one root each (Laguerre's rule at 0
//! and at a grid point beside the first root found), and the secant refinement inside a cell.

use super::{FlowShape, GRID_LEN, IRR_TOLERANCE, Irr, NpvSign, Polynomial, ZERO_IDX, grid_rate};
use crate::poly::{
    horner_paired, horner_paired_at_two, horner_reversed_paired, horner_reversed_paired_at_two,
};

/// A grid cell or union of cells holding exactly one root, with the sign function's values at
/// its ends (r = lo, r = hi), both non-zero and of opposite signs.
#[derive(Debug, Clone, Copy)]
struct Cell {
    /// Grid indices of the ends.
    lo: usize,
    hi: usize,
    f_lo: f64,
    f_hi: f64,
}

fn signs_differ(a: f64, b: f64) -> bool {
    (a > 0.0) != (b > 0.0)
}

/// MODEL.md §1 without the grid walk, for the common shapes: every root in (−0.99, 10] is
/// located in a cell that provably holds exactly one, so the grid would see exactly one sign
/// change per cell (the cells' ends are grid points). `None` when that cannot be proven
/// cheaply (several possible roots below 0, an exact zero at a checked point, a bound that does
/// not match the sign changes seen): [`solve`] then walks the grid.
///
/// - At most one root in a half (Laguerre's bound at r = 0 ≤ 1): its end points decide.
/// - Above 0 with a larger bound: one root is found between 0 and 10 ([`refine`]), and
///   Laguerre's rule is applied again at the grid point c just below (or above) it, on the
///   flows scaled to v_c = (1+c)^(−k): the running sums from the start bound the roots in
///   (c, ∞), those from the end the roots in (−1, c). When each bound equals the sign changes
///   seen between the checked points (−1⁺, −0.99, 0, c, 10, ∞), every root is accounted for.
///
/// `reach` is how many grid points on each side of the root [`certify`] tries: 1 tries the two
/// beside it ([`BESIDE_ROOT`]); more try the nearest ones outwards, alternating sides, before
/// giving up.
pub(super) fn fast_path(poly: &Polynomial<'_>, s: &FlowShape, reach: usize) -> Option<Option<Irr>> {
    let f0 = s.total;
    if f0 == 0.0 || s.shape.suffix_changes > 1 {
        return None;
    }
    // NPV at −0.99, or only its sign when that is already known. NPV has the sign `last_sign`
    // as r → −1⁺ and of f0 at 0, so its roots in (−1, 0), counted with multiplicity, are even
    // in number when those signs agree and odd when they differ. With at most one root there
    // (suffix_changes ≤ 1), agreeing signs (or suffix_changes = 0: no root) mean no root in
    // (−1, 0), so NPV keeps f0's sign on it and f0 stands for NPV(−0.99): every use below
    // (`cells[0]`, `certify`) reads only its sign.
    let f_min = if s.shape.suffix_changes == 1 && signs_differ(s.last_sign, f0) {
        poly.at_lowest_rate()
    } else {
        f0
    };
    if f_min == 0.0 {
        return None;
    }
    // Cells in increasing r, and the one whose root is already refined.
    let mut cells = [None; 3];
    let mut known: Option<(usize, f64)> = None;
    cells[0] = signs_differ(f_min, f0).then_some(Cell {
        lo: 0,
        hi: ZERO_IDX,
        f_lo: f_min,
        f_hi: f0,
    });
    if s.shape.prefix_changes <= 1 && f0 > 0.0 {
        // At most one root in (0, ∞), and by the same parity argument (NPV has the sign
        // `first_sign` as r → ∞) exactly one when f0 and `first_sign` differ, none otherwise.
        // None: NPV(10) has f0's sign (and is not 0), so the cell (0, 10] holds no root, as
        // the evaluation at 10 would have shown. One: NPV falls through it (f0 > 0), so when
        // it lies in (0, 10] it is the root reported, and it is refined straight away without
        // NPV(10): if the root is at most 10, NPV(10) has the sign `first_sign` (or is 0), and
        // that sign is all `secant_in_bracket` reads of its upper end. Its answer is final
        // when two evaluated points inside (0, 10) straddle the root (or one is an exact zero):
        // the one root in (0, ∞) is then below 10. Otherwise NPV(10) is evaluated after all
        // and decides, exactly as before: 0 → the grid walk; f0's sign → no root in (0, 10];
        // `first_sign` → the bracket was right and so is the answer.
        if signs_differ(f0, s.first_sign) {
            let cell = Cell {
                lo: ZERO_IDX,
                hi: GRID_LEN - 1,
                f_lo: f0,
                f_hi: s.first_sign,
            };
            let (root, certified) = refine_certified(poly, cell);
            let inside = certified || {
                let f_max = poly.eval_grid(GRID_LEN - 1);
                if f_max == 0.0 {
                    return None;
                }
                signs_differ(f0, f_max)
            };
            if inside {
                cells[1] = Some(cell);
                known = Some((1, root));
            }
        }
    } else {
        let f_max = poly.eval_grid(GRID_LEN - 1);
        if f_max == 0.0 {
            return None;
        }
        let positive = Cell {
            lo: ZERO_IDX,
            hi: GRID_LEN - 1,
            f_lo: f0,
            f_hi: f_max,
        };
        if s.shape.prefix_changes <= 1 {
            cells[1] = signs_differ(f0, f_max).then_some(positive);
        } else {
            if !signs_differ(f0, f_max) {
                return None;
            }
            let root = refine(poly, positive);
            let (split, index) = certify(poly, s, root, [f_min, f0, f_max], reach)?;
            cells[1] = split[0];
            cells[2] = split[1];
            known = Some((index, root));
        }
    }
    let n_roots = cells.iter().flatten().count();
    let chosen = (0..3)
        .rev()
        .find(|&i| cells[i].is_some_and(|c| c.f_lo > 0.0))
        .or_else(|| (0..3).rev().find(|&i| cells[i].is_some()));
    Some(chosen.and_then(|i| {
        let cell = cells[i]?;
        let rate = match known {
            Some((k, root)) if k == i => root,
            _ => refine(poly, cell),
        };
        Some(Irr {
            rate,
            multiple_roots: n_roots > 1,
        })
    }))
}

/// [`certify`] tries the grid point at or below the root and the one above: [`irr_monthly_end`].
///
/// [`irr_monthly_end`]: super::irr_monthly_end
pub(super) const BESIDE_ROOT: usize = 1;

/// Laguerre's rule at a grid point c near a root found in (0, 10] (see [`fast_path`]), on the
/// first of the points tried where the bounds match the signs seen: the grid point at or below
/// the root, the one above, then (`reach` > 1) the next ones outwards, below before above, up
/// to `reach` points on each side. Any grid point c in (0, 10) will do: the cells (0, c) and
/// (c, 10] are unions of grid cells, and a bound that matches proves each holds at most the
/// one sign change seen across it. Points next to the root are where the scaled running sums
/// are nearest a cancellation (their total, NPV at c, is small), so the bound there can exceed
/// the roots; a point a few cells away often does not. `ends` holds the sign function at −0.99,
/// 0 and 10. Returns the cells (0, c) and (c, 10], each present when it holds a root, and which
/// of them holds `root`.
fn certify(
    poly: &Polynomial<'_>,
    s: &FlowShape,
    root: f64,
    ends: [f64; 3],
    reach: usize,
) -> Option<([Option<Cell>; 2], usize)> {
    let [f_min, f0, f_max] = ends;
    // The grid point at or below the root, then the one above, then outwards.
    let below = ((root * 100.0).floor() as i64 + ZERO_IDX as i64).max(0) as usize;
    let outwards = (1..reach).flat_map(|d| [below.checked_sub(d), Some(below + 1 + d)]);
    for i in [Some(below), Some(below + 1)]
        .into_iter()
        .chain(outwards)
        .flatten()
    {
        if i <= ZERO_IDX || i >= GRID_LEN - 1 {
            continue;
        }
        let c = grid_rate(i);
        if c == root {
            continue;
        }
        let f_c = poly.eval_grid(i);
        if f_c == 0.0 {
            continue;
        }
        let Some((above_bound, below_bound)) = poly.laguerre_bounds(i) else {
            continue;
        };
        let seen_above =
            usize::from(signs_differ(f_c, f_max)) + usize::from(signs_differ(f_max, s.first_sign));
        let seen_below = usize::from(signs_differ(s.last_sign, f_min))
            + usize::from(signs_differ(f_min, f0))
            + usize::from(signs_differ(f0, f_c));
        if above_bound == seen_above && below_bound == seen_below {
            let low = signs_differ(f0, f_c).then_some(Cell {
                lo: ZERO_IDX,
                hi: i,
                f_lo: f0,
                f_hi: f_c,
            });
            let high = signs_differ(f_c, f_max).then_some(Cell {
                lo: i,
                hi: GRID_LEN - 1,
                f_lo: f_c,
                f_hi: f_max,
            });
            return Some(([low, high], if root < c { 1 } else { 2 }));
        }
    }
    None
}

/// The root in a cell holding exactly one, to within [`IRR_TOLERANCE`], by the secant method on
/// the polynomial in its own variable (v = (1+r)^(−k) above 0, w = (1+r)^k below: no `exp` or
/// `ln` per step), kept inside a shrinking bracket.
fn refine(poly: &Polynomial<'_>, cell: Cell) -> f64 {
    refine_certified(poly, cell).0
}

/// [`refine`], and whether two evaluated points inside the cell straddle the root (or one is
/// an exact zero): the answer then stands whatever the signs at the cell's ends.
fn refine_certified(poly: &Polynomial<'_>, cell: Cell) -> (f64, bool) {
    let k = poly.exponent();
    let (lo, hi) = (grid_rate(cell.lo), grid_rate(cell.hi));
    let (x_lo, x_hi) = (poly.grid_factor(cell.lo), poly.grid_factor(cell.hi));
    // Error allowed in the variable: the tolerance over the largest |dr/dx| in the cell, with
    // a margin of 4 for the stopping rule and rounding.
    let tol = IRR_TOLERANCE / 4.0;
    let (total, moment, curvature) = poly.at_zero;
    let (x, certified) = if cell.lo >= ZERO_IDX {
        // v falls as r rises: the bracket is [v(hi), v(lo)]. |dr/dv| = (1+r)^(1+k)/k =
        // (1+r)/(k·v) is largest at hi.
        let xtol = tol * k * x_hi / (1.0 + hi);
        let flows = poly.flows;
        if cell.lo == ZERO_IDX {
            // From r = 0, where P(1), P'(1) and P''(1) are already known, on
            // g(v) = P(v)·v^(−m): the same root, and with m = P''(1)/(2·P'(1)) far less curved
            // (g'' ≈ 0 near the root when P''/P' changes little), so fewer secant steps.
            // g = Σ_{t<m} c_t·w^(m−t) + Σ_{t≥m} c_t·v^(t−m) with w = 1/v: two short
            // polynomials (evaluated by `horner_paired`), every power ≤ w^m.
            let m0 = (curvature / (2.0 * moment)).round();
            let m = if m0.is_finite() && m0 >= 1.0 && m0 < flows.len().min(MAX_SHIFT) as f64 {
                m0 as usize
            } else {
                0
            };
            let mf = m as f64;
            let (head, tail) = flows.split_at(m);
            let g = |v: f64| {
                let w = 1.0 / v;
                horner_reversed_paired(head, w) * w + horner_paired(tail, v)
            };
            let start = (
                1.0,
                total,
                moment - mf * total,
                curvature - 2.0 * mf * moment + mf * (mf + 1.0) * total,
            );
            let g_at_two = |v: f64, u: f64| {
                let (w, z) = (1.0 / v, 1.0 / u);
                let (head_v, head_u) = horner_reversed_paired_at_two(head, w, z);
                let (tail_v, tail_u) = horner_paired_at_two(tail, v, u);
                (head_v * w + tail_v, head_u * z + tail_u)
            };
            secant_in_bracket(
                g,
                g_at_two,
                (x_hi, cell.f_hi),
                (x_lo, cell.f_lo),
                Some(start),
                xtol,
            )
        } else {
            secant_in_bracket(
                |v| horner_paired(flows, v),
                |v, u| horner_paired_at_two(flows, v, u),
                (x_hi, cell.f_hi),
                (x_lo, cell.f_lo),
                None,
                xtol,
            )
        }
    } else {
        // w = (1+r)^k rises with r; |dr/dw| = (1+r)^(1−k)/k = (1+r)/(k·w) ≤ its value at hi
        // (1/k ≥ 1).
        let xtol = tol * k * x_hi / (1.0 + hi);
        // At r = 0, with d = n−1: R(1) = Σ c_t, R'(1) = Σ (d−t)·c_t and
        // R''(1) = Σ (d−t)(d−t−1)·c_t = (d²−d)·Σc − (2d−2)·Σt·c + Σt(t−1)·c.
        let d = poly.flows.len().saturating_sub(1) as f64;
        let start = (cell.hi == ZERO_IDX).then_some((
            1.0,
            total,
            d * total - moment,
            (d * d - d) * total - (2.0 * d - 2.0) * moment + curvature,
        ));
        secant_in_bracket(
            |w| horner_reversed_paired(poly.flows, w),
            |w, z| horner_reversed_paired_at_two(poly.flows, w, z),
            (x_lo, cell.f_lo),
            (x_hi, cell.f_hi),
            start,
            xtol,
        )
    };
    let rate = poly.rate_of_factor(x, cell.lo >= ZERO_IDX);
    (rate.clamp(lo, hi), certified)
}

/// A root of g in (a, b), where g(a), g(b) have opposite signs, to within `xtol`: secant steps
/// (each needs one evaluation of g alone), kept inside the shrinking bracket. The first step is
/// Newton's from `start` = (x, g(x), g'(x)) when given, else the chord's zero. A step that
/// would leave the bracket, or that is not shorter than the one before, is replaced by
/// bisection; after [`SECANT_STEPS`] steps only bisection is used, so it always ends.
///
/// It stops when a step is below `xtol` and one more evaluation `xtol` beyond the new point
/// shows a sign change (the root then lies between the last point and the probe, within `xtol`
/// of the new point), when the points `xtol` either side of a secant point predicted that
/// close to the root (evaluated together by `g_at_two`) show one, or when the bracket is
/// narrower than `xtol`. The flag returned is true when the answer rests on evaluated points
/// alone (a sign change between the last point and the probe or between the two neighbours,
/// or an exact zero), false when it rests on the bracket's ends. With `start`, only
/// the sign of g(a) is read (g(b) not at all), so a caller may pass a sign it has inferred,
/// and must check it when the flag is false.
pub(super) fn secant_in_bracket(
    g: impl Fn(f64) -> f64,
    g_at_two: impl Fn(f64, f64) -> (f64, f64),
    (mut a, g_a): (f64, f64),
    (mut b, g_b): (f64, f64),
    start: Option<(f64, f64, f64, f64)>,
    xtol: f64,
) -> (f64, bool) {
    let a_negative = g_a < 0.0;
    // The last two points: `previous` and `current`, and the step to take from `current`.
    let (mut previous, mut current, mut step) = match start {
        Some((x, gx, slope, curvature)) => {
            // Halley's step (Newton's on g/√|g'|): exact for curvature the secant misses.
            let denominator = 2.0 * slope * slope - gx * curvature;
            let halley = 2.0 * gx * slope / denominator;
            let newton = gx / slope;
            let step = if denominator > 0.0 && halley.abs() <= 2.0 * newton.abs() {
                halley
            } else {
                newton
            };
            ((x, gx), (x, gx), step)
        }
        None => ((a, g_a), (b, g_b), g_b * (b - a) / (g_b - g_a)),
    };
    let mut older: Option<(f64, f64)> = None;
    // |step| of the last three iterations, latest first (0: none yet).
    let mut past_steps = [0.0f64; 3];
    for iteration in 0..SECANT_STEPS + BISECTION_STEPS {
        let (x, gx) = current;
        if iteration > 0 || start.is_none() {
            // Inverse quadratic interpolation through the last three points when it lands
            // inside the bracket: it follows the curvature the secant misses. Its Lagrange
            // weights sum to 1, so the step from x is Σ weight·(x_i − x): over one common
            // denominator, one division (on the path each evaluation waits for).
            let (x1, g1) = previous;
            let iqi_step = older.and_then(|(x0, g0)| {
                let (d01, d0x, d1x) = (g0 - g1, g0 - gx, g1 - gx);
                let to_iqi = gx * ((x0 - x) * g1 * d1x - (x1 - x) * g0 * d0x) / (d01 * d0x * d1x);
                let iqi = x + to_iqi;
                (iqi > a && iqi < b).then_some(-to_iqi)
            });
            step = iqi_step.unwrap_or_else(|| gx * (x - x1) / (gx - g1));
        }
        if step.abs() <= xtol {
            // Close the bracket just past x − step, in the direction of the step.
            let next = x - step;
            let probe = next - xtol.copysign(step);
            if !(probe > a && probe < b) {
                return (next.clamp(a, b), false);
            }
            let g_probe = g(probe);
            if g_probe == 0.0 {
                return (probe, true);
            }
            if signs_differ(g_probe, gx) {
                return (next, true);
            }
            // Not there yet: go on from the probe.
            if (g_probe < 0.0) == a_negative {
                a = probe;
            } else {
                b = probe;
            }
            (older, previous, current) = (Some(previous), current, (probe, g_probe));
            continue;
        }
        let secant = x - step;
        let in_bracket = iteration < SECANT_STEPS && secant > a && secant < b;
        // Interpolation through three points has error e_(k+1) ≈ K·e_k·e_(k−1)·e_(k−2), the
        // steps track the errors, and K from the last steps gives the next step after this
        // one as step²/|step three iterations back|. When that is well below `xtol`, the
        // secant point is very likely within `xtol` of the root: evaluate g at both points
        // `xtol` either side of it in one pass (two independent evaluations overlap) instead
        // of at the point and then at a probe. A sign change between them ends the search
        // (the root is within `xtol` of the point); otherwise the nearer one goes on as a
        // plain step's evaluation would.
        let predicted = step * step / past_steps[2];
        past_steps = [step.abs(), past_steps[0], past_steps[1]];
        if in_bracket && predicted <= 0.5 * xtol {
            let (below, above) = (secant - xtol, secant + xtol);
            if below > a && above < b {
                let (g_below, g_above) = g_at_two(below, above);
                if g_below == 0.0 {
                    return (below, true);
                }
                if g_above == 0.0 {
                    return (above, true);
                }
                if signs_differ(g_below, g_above) {
                    return (secant, true);
                }
                // Both on one side of the root: the one nearer to it is the new end there.
                let nearer = if (g_below < 0.0) == a_negative {
                    a = above;
                    (above, g_above)
                } else {
                    b = below;
                    (below, g_below)
                };
                if iteration > 0 || start.is_none() {
                    older = Some(previous);
                }
                (previous, current) = (current, nearer);
                if b - a <= xtol {
                    return (0.5 * (a + b), false);
                }
                continue;
            }
        }
        let next = if in_bracket { secant } else { 0.5 * (a + b) };
        let g_next = g(next);
        if g_next == 0.0 {
            return (next, true);
        }
        if (g_next < 0.0) == a_negative {
            a = next;
        } else {
            b = next;
        }
        if iteration > 0 || start.is_none() {
            older = Some(previous);
        }
        (previous, current) = (current, (next, g_next));
        if b - a <= xtol {
            return (0.5 * (a + b), false);
        }
    }
    (0.5 * (a + b), false)
}

/// Largest shift m in [`refine`]'s g(v) = P(v)·v^(−m): keeps w^m = (1+r)^(mk) finite.
const MAX_SHIFT: usize = 1000;

/// Secant steps before [`secant_in_bracket`] falls back to bisection alone.
const SECANT_STEPS: usize = 60;
/// Bisection steps after that: enough to bring any bracket in (0, 1] below the tolerance.
const BISECTION_STEPS: usize = 100;
