//! Root finding on a bracket: Brent's method for a continuous function, bisection for a step.
//!
//! Written by hand rather than taken from a crate: `offtake solve` needs the *final bracket*
//! (both ends, each already evaluated, one on each side of the crossing) to report the
//! verdicts and metrics just below and just above a boundary and to tell a root from a jump.
//! The `roots` crate (0.0.8) returns only the point and has no TOMS 748; argmin's `BrentRoot`
//! runs through argmin's executor and state framework, a large dependency for 60 lines. The
//! algorithm is Brent's `zeroin` (R. P. Brent, *Algorithms for Minimization without
//! Derivatives*, Prentice-Hall 1973, ch. 4): inverse quadratic interpolation or the secant
//! step when it stays well inside the bracket and shrinks it fast enough, else bisection, so
//! it never does worse than bisection by more than a constant factor. TOMS 748 (G. E. Alefeld,
//! F. A. Potra, Y. Shi, ACM TOMS 21(3), 1995) converges faster asymptotically; on the
//! piecewise-smooth metrics of a term sheet, Brent already stops in 6–12 evaluations (see the
//! tests), so the simpler method is kept.

/// A bracket of a crossing: `f(lo)` and `f(hi)` on opposite sides (`lo < hi`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bracket {
    pub lo: f64,
    pub f_lo: f64,
    pub hi: f64,
    pub f_hi: f64,
}

impl Bracket {
    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
}

/// Which side of a crossing a value is on: g ≥ 0 (true) or g < 0 (false).
fn side(g: f64) -> bool {
    g >= 0.0
}

/// Brent's method on `f` over [a, b] where `side(f(a)) != side(f(b))` (f ≥ 0 on one end, < 0 on
/// the other), until the bracket is at most `tol(x)` wide at its best point x, or `max_evals`
/// evaluations. Returns the final bracket, ends ordered. An error of `f` stops the search.
pub fn brent<E>(
    mut f: impl FnMut(f64) -> Result<f64, E>,
    a: f64,
    fa: f64,
    b: f64,
    fb: f64,
    tol: impl Fn(f64) -> f64,
    max_evals: usize,
) -> Result<Bracket, E> {
    debug_assert!(side(fa) != side(fb));
    let (mut a, mut fa, mut b, mut fb) = (a, fa, b, fb);
    let (mut c, mut fc) = (a, fa);
    let mut d = b - a;
    let mut e = d;
    let mut evals = 0;
    loop {
        if side(fb) == side(fc) {
            // c is the last point on the other side of b.
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            // b is the best estimate.
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol1 = 2.0 * f64::EPSILON * b.abs() + 0.5 * tol(b);
        let xm = 0.5 * (c - b);
        if xm.abs() <= tol1 || fb == 0.0 || evals >= max_evals {
            return Ok(ordered(b, fb, c, fc));
        }
        if e.abs() >= tol1 && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q);
            if a == c {
                // Secant.
                p = 2.0 * xm * s;
                q = 1.0 - s;
            } else {
                // Inverse quadratic interpolation.
                let qa = fa / fc;
                let r = fb / fc;
                p = s * (2.0 * xm * qa * (qa - r) - (b - a) * (r - 1.0));
                q = (qa - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if p > 0.0 {
                q = -q;
            } else {
                p = -p;
            }
            if 2.0 * p < (3.0 * xm * q - (tol1 * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = xm;
                e = d;
            }
        } else {
            d = xm;
            e = d;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol1 { d } else { tol1.copysign(xm) };
        fb = f(b)?;
        evals += 1;
    }
}

fn ordered(x: f64, fx: f64, y: f64, fy: f64) -> Bracket {
    if x <= y {
        Bracket {
            lo: x,
            f_lo: fx,
            hi: y,
            f_hi: fy,
        }
    } else {
        Bracket {
            lo: y,
            f_lo: fy,
            hi: x,
            f_hi: fx,
        }
    }
}

/// Bisection of a step: `holds(lo) != holds(hi)`; halves [lo, hi] keeping the change inside
/// until it is at most `tol(mid)` wide or `max_evals` evaluations. Returns (lo, hi).
pub fn bisect<E>(
    mut holds: impl FnMut(f64) -> Result<bool, E>,
    lo: f64,
    holds_lo: bool,
    hi: f64,
    tol: impl Fn(f64) -> f64,
    max_evals: usize,
) -> Result<(f64, f64), E> {
    let (mut lo, mut hi) = (lo, hi);
    for _ in 0..max_evals {
        let mid = lo + 0.5 * (hi - lo);
        if hi - lo <= tol(mid) || mid <= lo || mid >= hi {
            break;
        }
        if holds(mid)? == holds_lo {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    fn solve(f: impl Fn(f64) -> f64, a: f64, b: f64) -> (Bracket, usize) {
        let mut n = 0;
        let r = brent(
            |x| {
                n += 1;
                Ok::<_, Infallible>(f(x))
            },
            a,
            f(a),
            b,
            f(b),
            |x| 1e-6 * x.abs().max(1e-3),
            200,
        )
        .unwrap();
        (r, n)
    }

    #[test]
    fn brent_finds_known_roots_fast() {
        let (r, n) = solve(|x| x * x - 2.0, 0.0, 2.0);
        assert!(
            (r.lo - 2f64.sqrt()).abs() < 2e-6 && (r.hi - 2f64.sqrt()).abs() < 2e-6,
            "{r:?}"
        );
        assert!(side(r.f_lo) != side(r.f_hi));
        assert!(n <= 12, "{n} evaluations");
        let (r, n) = solve(|x| x.cos() - x, 0.0, 1.0);
        assert!((r.lo - 0.739_085_133_215_160_6).abs() < 1e-6, "{r:?}");
        assert!(n <= 12, "{n}");
        // A cubic with a flat region: x³ (root 0, tolerance floor 1e-9).
        let (r, _) = solve(|x| x * x * x, -1.0, 0.5);
        assert!(r.lo <= 0.0 && r.hi >= 0.0 && r.width() <= 1e-8, "{r:?}");
        // Decreasing.
        let (r, _) = solve(|x| 1.0 - x, 0.0, 3.0);
        assert!(
            (r.lo - 1.0).abs() < 2e-6 && r.f_lo >= 0.0 && r.f_hi < 0.0,
            "{r:?}"
        );
    }

    #[test]
    fn brent_brackets_a_jump_instead_of_a_root() {
        // A step from −1 to +1 at 0.3: no root; the bracket closes on the jump.
        let (r, n) = solve(|x| if x < 0.3 { -1.0 } else { 1.0 }, 0.0, 1.0);
        assert!(r.lo < 0.3 && r.hi >= 0.3 && r.width() <= 1e-6, "{r:?}");
        assert_eq!((r.f_lo, r.f_hi), (-1.0, 1.0));
        assert!(n <= 60, "{n}");
        // A jump across zero of a sloped function: g = x − 0.5 + (x ≥ 0.4 ? 0.3 : 0).
        let (r, _) = solve(|x| x - 0.5 + if x >= 0.4 { 0.3 } else { 0.0 }, 0.0, 1.0);
        assert!((r.lo - 0.4).abs() < 1e-6 && r.f_hi - r.f_lo > 0.29, "{r:?}");
    }

    #[test]
    fn bisection_halves_to_the_tolerance() {
        let mut n = 0;
        let (lo, hi) = bisect(
            |x| {
                n += 1;
                Ok::<_, Infallible>(x >= 0.123_456_789)
            },
            0.0,
            false,
            1.0,
            |_| 1e-6,
            100,
        )
        .unwrap();
        assert!(lo < 0.123_456_789 && hi >= 0.123_456_789 && hi - lo <= 1e-6);
        assert_eq!(n, 20);
    }
}
