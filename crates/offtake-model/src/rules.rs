//! MODEL.md's shared rules, each in one place for every crate that applies them: the relative
//! tolerance of threshold tests (MODEL.md preamble) and the demand curve's interpolation (§4).
//! Payback (§6) is `offtake_finance::payback_months`.

/// Relative tolerance of MODEL.md's threshold tests (option exercise, equity conditions,
/// verdicts, the risk hurdle, validation's "at most" checks): a ≥ b holds when
/// a ≥ b − 1e-9·max(1, |b|).
pub const TOLERANCE: f64 = 1e-9;

/// `a ≥ b` with MODEL.md's relative tolerance: a ≥ b − 1e-9·max(1, |b|). False when either is
/// NaN.
#[inline]
pub fn at_least(a: f64, b: f64) -> bool {
    a >= lowest_passing(b)
}

/// The smallest value that passes [`at_least`]`(·, b)`: b − 1e-9·max(1, |b|).
#[inline]
pub fn lowest_passing(b: f64) -> f64 {
    b - TOLERANCE * b.abs().max(1.0)
}

/// A demand curve's value at period `t` (MODEL.md §4) from its points as (period, value) in
/// period order: the point's value in its own period, linear in the integer period index between
/// points, flat before the first and after the last; 0 with no points.
///
/// Between points it is the convex combination (1 − w)·a + w·b, which stays within
/// [min(a, b), max(a, b)]: a curve falling to 0 never gives a value a few ulps below 0 (which
/// would turn MODEL.md's sign tests on rounding noise), as a + (b − a)·w can.
pub fn curve_value(points: &[(i64, f64)], t: i64) -> f64 {
    let Some(&(p0, v0)) = points.first() else {
        return 0.0;
    };
    if t <= p0 {
        return v0;
    }
    for w in points.windows(2) {
        let ((pa, va), (pb, vb)) = (w[0], w[1]);
        if t == pb {
            return vb;
        }
        if t < pb {
            let w = (t - pa) as f64 / (pb - pa) as f64;
            return va * (1.0 - w) + vb * w;
        }
    }
    points.last().map_or(0.0, |&(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_is_relative_above_one_and_absolute_below() {
        assert!(at_least(1.0 - 0.9e-9, 1.0));
        assert!(!at_least(1.0 - 1.1e-9, 1.0));
        assert!(at_least(1000.0 - 0.9e-6, 1000.0));
        assert!(!at_least(1000.0 - 1.1e-6, 1000.0));
        assert!(at_least(-0.9e-9, 0.0));
        assert!(!at_least(f64::NAN, 0.0) && !at_least(0.0, f64::NAN));
        assert_eq!(lowest_passing(-2.0), -2.0 - 2e-9);
    }

    #[test]
    fn the_curve_interpolates_in_period_index_and_is_flat_outside() {
        let points = [(2, 10.0), (6, 30.0), (8, 0.0)];
        assert_eq!(curve_value(&points, -5), 10.0);
        assert_eq!(curve_value(&points, 2), 10.0);
        assert_eq!(curve_value(&points, 4), 20.0);
        assert_eq!(curve_value(&points, 6), 30.0);
        assert_eq!(curve_value(&points, 7), 15.0);
        assert_eq!(curve_value(&points, 8), 0.0);
        assert_eq!(curve_value(&points, 100), 0.0);
        assert_eq!(curve_value(&[], 3), 0.0);
    }

    #[test]
    fn a_curve_falling_to_zero_never_dips_below_zero() {
        // The form a + (b − a)·w gives −3.6e-15 here; the convex form stays ≥ 0.
        for (a, b, span) in [(0.3, 0.0, 7), (1e5 / 3.0, 0.0, 11), (0.1, 0.0, 3)] {
            for t in 0..=span {
                assert!(curve_value(&[(0, a), (span, b)], t) >= 0.0, "{a} {t}");
            }
        }
    }
}
