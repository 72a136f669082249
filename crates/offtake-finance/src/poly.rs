//! Polynomial evaluation kernels shared by NPV and IRR: Σ c_t·x^t and its reversal, without allocation.
//!
//! A monthly or periodic NPV is a polynomial in the discount factor v = (1+r)^(−k). These
//! kernels are the hot loop of every Monte Carlo path, so they evaluate four coefficients per
//! step (Horner in x⁴ over cubic chunks): the four chunk polynomials are independent, which
//! lets the CPU overlap them instead of waiting on one long multiply-add chain. No `mul_add`:
//! without the FMA target feature it compiles to a slow libm call.

/// Σ_t c[t]·x^t.
#[inline]
pub(crate) fn horner(c: &[f64], x: f64) -> f64 {
    let full = c.len() / 4 * 4;
    let (body, top) = c.split_at(full);
    // The partial chunk holds the highest powers; it starts the Horner recursion in x⁴.
    let mut acc = 0.0;
    for &ct in top.iter().rev() {
        acc = acc * x + ct;
    }
    let x2 = x * x;
    let x3 = x2 * x;
    let x4 = x2 * x2;
    for ch in body.chunks_exact(4).rev() {
        acc = acc * x4 + (ch[0] + ch[1] * x + ch[2] * x2 + ch[3] * x3);
    }
    acc
}

/// Σ_t c[t]·x^(n−t) with n = c.len() − 1: the polynomial with reversed coefficients.
///
/// For a discount factor v > 1 (negative rates) P(v) = v^n·R(1/v); evaluating R at w = 1/v < 1
/// keeps every intermediate within Σ|c| instead of overflowing for long series.
#[inline]
pub(crate) fn horner_reversed(c: &[f64], x: f64) -> f64 {
    let rem = c.len() % 4;
    let (top, body) = c.split_at(rem);
    // Reversed, the lowest-index flows carry the highest powers of x.
    let mut acc = 0.0;
    for &ct in top {
        acc = acc * x + ct;
    }
    let x2 = x * x;
    let x3 = x2 * x;
    let x4 = x2 * x2;
    for ch in body.chunks_exact(4) {
        acc = acc * x4 + (ch[3] + ch[2] * x + ch[1] * x2 + ch[0] * x3);
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(c: &[f64], x: f64) -> f64 {
        c.iter()
            .enumerate()
            .map(|(t, ct)| ct * x.powi(i32::try_from(t).unwrap()))
            .sum()
    }

    fn naive_reversed(c: &[f64], x: f64) -> f64 {
        let n = c.len().saturating_sub(1);
        c.iter()
            .enumerate()
            .map(|(t, ct)| ct * x.powi(i32::try_from(n - t).unwrap()))
            .sum()
    }

    #[test]
    fn chunked_horner_matches_naive_sum_for_every_remainder() {
        for len in 0..=13 {
            let c: Vec<f64> = (0..len)
                .map(|t| (t as f64 * 1.7 - 3.0).sin() * 100.0)
                .collect();
            for &x in &[0.0f64, 0.5, 0.93, 1.0, 1.3] {
                let scale = c.iter().map(|v| v.abs()).sum::<f64>().max(1.0) * x.max(1.0).powi(len);
                let (a, b) = (horner(&c, x), naive(&c, x));
                assert!(
                    (a - b).abs() <= 1e-13 * scale,
                    "len {len} x {x}: {a} vs {b}"
                );
                let (a, b) = (horner_reversed(&c, x), naive_reversed(&c, x));
                assert!(
                    (a - b).abs() <= 1e-13 * scale,
                    "rev len {len} x {x}: {a} vs {b}"
                );
            }
        }
    }
}
