//! Polynomial evaluation kernels shared by NPV and IRR: Σ c_t·x^t and its reversal, without allocation.
//!
//! A monthly or periodic NPV is a polynomial in the discount factor v = (1+r)^(−k). These
//! kernels are the hot loop of every Monte Carlo path, so they evaluate several coefficients
//! per step (Horner in x⁸ over Estrin-evaluated chunks of 8 for the plain polynomial, in x⁴
//! over cubic chunks for the pair with a slope bound): the chunk polynomials are independent,
//! which lets the CPU overlap them instead of waiting on one long multiply-add chain. No
//! `mul_add`: without the FMA target feature it compiles to a slow libm call.

/// Σ_t c[t]·x^t.
#[inline]
pub(crate) fn horner(c: &[f64], x: f64) -> f64 {
    let full = c.len() / 8 * 8;
    let (body, top) = c.split_at(full);
    // The partial chunk holds the highest powers; it starts the Horner recursion in x⁸.
    let mut acc = 0.0;
    for &ct in top.iter().rev() {
        acc = acc * x + ct;
    }
    let x2 = x * x;
    let x4 = x2 * x2;
    let x8 = x4 * x4;
    for ch in body.chunks_exact(8).rev() {
        // Estrin's scheme inside the chunk: short chains the CPU overlaps.
        let low = (ch[0] + ch[1] * x) + (ch[2] + ch[3] * x) * x2;
        let high = (ch[4] + ch[5] * x) + (ch[6] + ch[7] * x) * x2;
        acc = acc * x8 + (low + high * x4);
    }
    acc
}

/// Σ_t c[t]·x^(n−t) with n = c.len() − 1: the polynomial with reversed coefficients.
///
/// For a discount factor v > 1 (negative rates) P(v) = v^n·R(1/v); evaluating R at w = 1/v < 1
/// keeps every intermediate within Σ|c| instead of overflowing for long series.
#[inline]
pub(crate) fn horner_reversed(c: &[f64], x: f64) -> f64 {
    let rem = c.len() % 8;
    let (top, body) = c.split_at(rem);
    // Reversed, the lowest-index flows carry the highest powers of x.
    let mut acc = 0.0;
    for &ct in top {
        acc = acc * x + ct;
    }
    let x2 = x * x;
    let x4 = x2 * x2;
    let x8 = x4 * x4;
    for ch in body.chunks_exact(8) {
        let low = (ch[7] + ch[6] * x) + (ch[5] + ch[4] * x) * x2;
        let high = (ch[3] + ch[2] * x) + (ch[1] + ch[0] * x) * x2;
        acc = acc * x8 + (low + high * x4);
    }
    acc
}

/// (Σ_t c[t]·x^t, Σ_t t·|c[t]|·x^t) in one pass: the polynomial and a bound used to prove it
/// keeps its sign (x·|P'(x)| ≤ the second value for x ≥ 0).
#[inline]
pub(crate) fn horner_with_slope_bound(c: &[f64], x: f64) -> (f64, f64) {
    horner_weighted(c, x, f64::abs)
}

/// (Σ_t c[t]·x^t, Σ_t t·weight(c[t])·x^t): the two Horner recursions side by side, four
/// coefficients per step as in [`horner`].
#[inline(always)]
fn horner_weighted(c: &[f64], x: f64, weight: impl Fn(f64) -> f64) -> (f64, f64) {
    let full = c.len() / 4 * 4;
    let (body, top) = c.split_at(full);
    let (mut acc, mut slope) = (0.0, 0.0);
    for (j, &ct) in top.iter().enumerate().rev() {
        acc = acc * x + ct;
        slope = slope * x + (full + j) as f64 * weight(ct);
    }
    let x2 = x * x;
    let x3 = x2 * x;
    let x4 = x2 * x2;
    for (k, ch) in body.chunks_exact(4).enumerate().rev() {
        let t = (4 * k) as f64;
        acc = acc * x4 + (ch[0] + ch[1] * x + ch[2] * x2 + ch[3] * x3);
        slope = slope * x4
            + (t * weight(ch[0])
                + (t + 1.0) * weight(ch[1]) * x
                + (t + 2.0) * weight(ch[2]) * x2
                + (t + 3.0) * weight(ch[3]) * x3);
    }
    (acc, slope)
}

/// (Σ_t c[t]·x^(n−t), Σ_t (n−t)·|c[t]|·x^(n−t)) with n = c.len() − 1: [`horner_reversed`]
/// and its sign-keeping bound, as [`horner_with_slope_bound`] is to [`horner`].
#[inline]
pub(crate) fn horner_reversed_with_slope_bound(c: &[f64], x: f64) -> (f64, f64) {
    horner_reversed_weighted(c, x, f64::abs)
}

#[inline(always)]
fn horner_reversed_weighted(c: &[f64], x: f64, weight: impl Fn(f64) -> f64) -> (f64, f64) {
    let rem = c.len() % 4;
    let (top, body) = c.split_at(rem);
    let full = body.len() / 4;
    let (mut acc, mut slope) = (0.0, 0.0);
    for (t, &ct) in top.iter().enumerate() {
        acc = acc * x + ct;
        // c[t] carries the power n − t = 4·full + rem − 1 − t.
        slope = slope * x + (4 * full + rem - 1 - t) as f64 * weight(ct);
    }
    let x2 = x * x;
    let x3 = x2 * x;
    let x4 = x2 * x2;
    for (m, ch) in body.chunks_exact(4).enumerate() {
        // ch[3] carries the chunk's lowest power, 4·(full − 1 − m).
        let d = (4 * (full - 1 - m)) as f64;
        acc = acc * x4 + (ch[3] + ch[2] * x + ch[1] * x2 + ch[0] * x3);
        slope = slope * x4
            + (d * weight(ch[3])
                + (d + 1.0) * weight(ch[2]) * x
                + (d + 2.0) * weight(ch[1]) * x2
                + (d + 3.0) * weight(ch[0]) * x3);
    }
    (acc, slope)
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
        for len in 0..=27 {
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
