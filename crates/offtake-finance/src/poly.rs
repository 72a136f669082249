//! Polynomial evaluation kernels shared by NPV and IRR: Σ c_t·x^t and its reversal, without allocation.
//!
//! A monthly or periodic NPV is a polynomial in the discount factor v = (1+r)^(−k). These
//! kernels are the hot loop of every Monte Carlo path, so they evaluate several coefficients
//! per step (Horner in x⁸ over Estrin-evaluated chunks of 8 for the plain polynomial, in x⁴
//! over cubic chunks for the pair with a slope bound): the chunk polynomials are independent,
//! which lets the CPU overlap them instead of waiting on one long multiply-add chain. The
//! IRR refinement, which evaluates one series many times, uses the paired variants: even and
//! odd coefficients in the two lanes of one operand, half the arithmetic a coefficient. No
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

/// Σ_t c[t]·x^t as E(x²) + x·O(x²), the even- and odd-indexed coefficients evaluated side by
/// side: each adjacent pair c[2j], c[2j+1] is one two-lane operand (SSE2 packs the two lanes
/// into one instruction), so a coefficient costs about half the arithmetic of [`horner`]'s.
/// In y = x²: Horner in y⁸ over Estrin-evaluated chunks of 8 pairs, the partial top chunk
/// padded with zeros and evaluated the same way (no serial Horner at the chain's start). For a
/// root finder that evaluates one series again and again; its rounding differs from
/// [`horner`]'s, which is why NPV keeps [`horner`].
#[inline]
pub(crate) fn horner_paired(c: &[f64], x: f64) -> f64 {
    if c.len() < 16 {
        // Less than a chunk: padding would cost more than it saves.
        return horner(c, x);
    }
    let (body, padded) = chunks_with_padded_top(c);
    let powers = PairPowers::of(x);
    let mut acc = powers.chunk(&padded);
    for ch in body.iter().rev() {
        acc = add(mul(acc, powers.y8), powers.chunk(ch));
    }
    acc[0] + x * acc[1]
}

/// Σ_t c[t]·x^(n−t) with n = c.len() − 1, as [`horner_reversed`], evaluated as
/// [`horner_paired`] does (pairs taken from the end: c[n−1−2j] carries x^(2j+1) and c[n−2j]
/// carries x^(2j)).
#[inline]
pub(crate) fn horner_reversed_paired(c: &[f64], x: f64) -> f64 {
    if c.len() < 16 {
        return horner_reversed(c, x);
    }
    let (padded, body) = chunks_with_padded_top_reversed(c);
    let powers = PairPowers::of(x);
    let mut acc = powers.chunk_reversed(&padded);
    for ch in body {
        acc = add(mul(acc, powers.y8), powers.chunk_reversed(ch));
    }
    acc[1] + x * acc[0]
}

/// [`horner_paired`] at two points in one pass: the two evaluations are independent, so the
/// CPU overlaps them and the pair costs far less than two passes one after the other.
#[inline]
pub(crate) fn horner_paired_at_two(c: &[f64], x: f64, z: f64) -> (f64, f64) {
    if c.len() < 16 {
        return (horner(c, x), horner(c, z));
    }
    let (body, padded) = chunks_with_padded_top(c);
    let (px, pz) = (PairPowers::of(x), PairPowers::of(z));
    let (mut ax, mut az) = (px.chunk(&padded), pz.chunk(&padded));
    for ch in body.iter().rev() {
        ax = add(mul(ax, px.y8), px.chunk(ch));
        az = add(mul(az, pz.y8), pz.chunk(ch));
    }
    (ax[0] + x * ax[1], az[0] + z * az[1])
}

/// [`horner_reversed_paired`] at two points in one pass, as [`horner_paired_at_two`].
#[inline]
pub(crate) fn horner_reversed_paired_at_two(c: &[f64], x: f64, z: f64) -> (f64, f64) {
    if c.len() < 16 {
        return (horner_reversed(c, x), horner_reversed(c, z));
    }
    let (padded, body) = chunks_with_padded_top_reversed(c);
    let (px, pz) = (PairPowers::of(x), PairPowers::of(z));
    let (mut ax, mut az) = (px.chunk_reversed(&padded), pz.chunk_reversed(&padded));
    for ch in body {
        ax = add(mul(ax, px.y8), px.chunk_reversed(ch));
        az = add(mul(az, pz.y8), pz.chunk_reversed(ch));
    }
    (ax[1] + x * ax[0], az[1] + z * az[0])
}

/// The coefficients as chunks of 8 pairs for the paired kernels, lowest powers first, and the
/// top chunk: the remaining pairs, then the lone last coefficient (an even index), padded
/// with zeros.
#[inline(always)]
fn chunks_with_padded_top(c: &[f64]) -> (&[[[f64; 2]; 8]], [[f64; 2]; 8]) {
    let (pairs, odd) = c.as_chunks::<2>();
    let (body, top) = pairs.as_chunks::<8>();
    let padded = std::array::from_fn(|i| match top.get(i) {
        Some(&pair) => pair,
        None if i == top.len() => [odd.first().copied().unwrap_or(0.0), 0.0],
        None => [0.0; 2],
    });
    (body, padded)
}

/// [`chunks_with_padded_top`] for the reversed kernels, pairs taken from the end: the top
/// chunk ends with the remaining pairs, preceded by the lone first coefficient (an even power:
/// the second lane) and zeros.
#[inline(always)]
fn chunks_with_padded_top_reversed(c: &[f64]) -> ([[f64; 2]; 8], &[[[f64; 2]; 8]]) {
    let (odd, pairs) = c.as_rchunks::<2>();
    let (top, body) = pairs.as_rchunks::<8>();
    let skip = 8 - top.len();
    let padded = std::array::from_fn(|i| match i.checked_sub(skip) {
        Some(j) => top[j],
        None if i + 1 == skip => [0.0, odd.first().copied().unwrap_or(0.0)],
        None => [0.0; 2],
    });
    (padded, body)
}

fn add(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [a[0] + b[0], a[1] + b[1]]
}

fn mul(a: [f64; 2], y: f64) -> [f64; 2] {
    [a[0] * y, a[1] * y]
}

/// y = x², y², y⁴, y⁸ for chunks of 8 coefficient pairs.
struct PairPowers {
    y: f64,
    y2: f64,
    y4: f64,
    y8: f64,
}

impl PairPowers {
    #[inline(always)]
    fn of(x: f64) -> Self {
        let y = x * x;
        let y2 = y * y;
        let y4 = y2 * y2;
        Self {
            y,
            y2,
            y4,
            y8: y4 * y4,
        }
    }

    /// Σ_{i<8} ch[i]·y^i, lane by lane, by Estrin's scheme.
    #[inline(always)]
    fn chunk(&self, ch: &[[f64; 2]; 8]) -> [f64; 2] {
        let Self { y, y2, y4, .. } = *self;
        let q = |i: usize| {
            add(
                add(ch[i], mul(ch[i + 1], y)),
                mul(add(ch[i + 2], mul(ch[i + 3], y)), y2),
            )
        };
        add(q(0), mul(q(4), y4))
    }

    /// Σ_{i<8} ch[7 − i]·y^i, lane by lane, by Estrin's scheme.
    #[inline(always)]
    fn chunk_reversed(&self, ch: &[[f64; 2]; 8]) -> [f64; 2] {
        let Self { y, y2, y4, .. } = *self;
        let q = |i: usize| {
            add(
                add(ch[i + 3], mul(ch[i + 2], y)),
                mul(add(ch[i + 1], mul(ch[i], y)), y2),
            )
        };
        add(q(4), mul(q(0), y4))
    }
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

/// The flows with their slope weights side by side, [c_t, t·|c_t|], for
/// [`horner_with_slope_bound_pairs`]; up to [`WEIGHTED_CAPACITY`] flows.
pub(crate) struct WeightedFlows {
    pairs: [[f64; 2]; WEIGHTED_CAPACITY],
    len: usize,
}

/// Most flows [`WeightedFlows`] holds (21 years monthly): longer series keep
/// [`horner_with_slope_bound`].
pub(crate) const WEIGHTED_CAPACITY: usize = 256;

impl WeightedFlows {
    /// `None` for more than [`WEIGHTED_CAPACITY`] flows.
    pub(crate) fn new(c: &[f64]) -> Option<Self> {
        if c.len() > WEIGHTED_CAPACITY {
            return None;
        }
        let mut pairs = [[0.0; 2]; WEIGHTED_CAPACITY];
        for (t, (pair, &ct)) in pairs.iter_mut().zip(c).enumerate() {
            // The product `horner_with_slope_bound` forms: (t as f64)·|c_t|, t exact.
            *pair = [ct, t as f64 * ct.abs()];
        }
        Some(Self {
            pairs,
            len: c.len(),
        })
    }
}

/// [`horner_with_slope_bound`] on [`WeightedFlows`]: the value and the slope bound as the two
/// lanes of one operand, each lane exactly that function's arithmetic (the same bits; its
/// weights t·|c_t| formed once, not at every point). Both recursions have the same shape, so
/// one two-lane pass does the work of two scalar ones.
#[inline]
pub(crate) fn horner_with_slope_bound_pairs(flows: &WeightedFlows, x: f64) -> (f64, f64) {
    let c = &flows.pairs[..flows.len];
    let full = c.len() / 4 * 4;
    let (body, top) = c.split_at(full);
    let mut acc = [0.0; 2];
    for &pair in top.iter().rev() {
        acc = add(mul(acc, x), pair);
    }
    let x2 = x * x;
    let x3 = x2 * x;
    let x4 = x2 * x2;
    for ch in body.chunks_exact(4).rev() {
        let chunk = add(
            add(add(ch[0], mul(ch[1], x)), mul(ch[2], x2)),
            mul(ch[3], x3),
        );
        acc = add(mul(acc, x4), chunk);
    }
    (acc[0], acc[1])
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
    fn slope_bound_pairs_repeat_the_scalar_pass_bit_for_bit() {
        let mut state = 13u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for n in [0, 1, 3, 4, 5, 8, 61, 120, 133, 256] {
            let c: Vec<f64> = (0..n).map(|_| (next() - 0.45) * 1e4).collect();
            let weighted = WeightedFlows::new(&c).unwrap();
            for _ in 0..20 {
                let x = next();
                let (a, b) = horner_with_slope_bound_pairs(&weighted, x);
                let (want_a, want_b) = horner_with_slope_bound(&c, x);
                assert_eq!(
                    (a.to_bits(), b.to_bits()),
                    (want_a.to_bits(), want_b.to_bits())
                );
            }
        }
        assert!(WeightedFlows::new(&[1.0; 257]).is_none());
    }

    #[test]
    fn chunked_horner_matches_naive_sum_for_every_remainder() {
        for len in 0..=50 {
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
                let (a, b) = (horner_paired(&c, x), naive(&c, x));
                assert!(
                    (a - b).abs() <= 1e-13 * scale,
                    "short len {len} x {x}: {a} vs {b}"
                );
                let (a, b) = (horner_reversed_paired(&c, x), naive_reversed(&c, x));
                assert!(
                    (a - b).abs() <= 1e-13 * scale,
                    "short rev len {len} x {x}: {a} vs {b}"
                );
                let y = x * 0.75 + 0.1;
                let (a, b) = (
                    horner_paired_at_two(&c, x, y),
                    horner_paired_at_two(&c, y, x),
                );
                assert_eq!(
                    a,
                    (horner_paired(&c, x), horner_paired(&c, y)),
                    "two len {len}"
                );
                assert_eq!(b, (a.1, a.0), "two len {len}");
                let (a, b) = (
                    horner_reversed_paired_at_two(&c, x, y),
                    horner_reversed_paired_at_two(&c, y, x),
                );
                let want = (horner_reversed_paired(&c, x), horner_reversed_paired(&c, y));
                assert_eq!(a, want, "two rev len {len}");
                assert_eq!(b, (a.1, a.0), "two rev len {len}");
                let (a, b) = (horner_reversed(&c, x), naive_reversed(&c, x));
                assert!(
                    (a - b).abs() <= 1e-13 * scale,
                    "rev len {len} x {x}: {a} vs {b}"
                );
            }
        }
    }
}
