//! Summary statistics over paths (MODEL.md §10): n, mean, sd (n − 1), numpy-default quantiles,
//! min, max, and the share of paths without the metric. Sums run in row (= path index) order,
//! so results are bit-identical however the paths were computed.

use serde::Serialize;

/// The quantiles reported for every metric.
pub const QUANTILES: [f64; 5] = [0.05, 0.10, 0.50, 0.90, 0.95];

/// Statistics of one metric over the paths where it exists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Paths where the metric exists.
    pub n: u64,
    /// Paths where it does not (e.g. no IRR).
    pub missing: u64,
    /// missing / all paths; none when there are no paths.
    pub missing_share: Option<f64>,
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1); none when n < 2.
    pub sd: Option<f64>,
    pub p5: Option<f64>,
    pub p10: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Summary {
    /// From values in path order (`None` = the path lacks the metric). Uses one scratch copy of
    /// the existing values for selecting quantiles.
    pub fn of(values: impl Iterator<Item = Option<f64>>) -> Summary {
        let mut xs = Vec::new();
        let mut missing = 0u64;
        for v in values {
            match v {
                Some(x) => xs.push(x),
                None => missing += 1,
            }
        }
        let n = xs.len() as u64;
        let total = n + missing;
        let missing_share = (total > 0).then(|| missing as f64 / total as f64);
        if xs.is_empty() {
            return Summary {
                n,
                missing,
                missing_share,
                mean: None,
                sd: None,
                p5: None,
                p10: None,
                p50: None,
                p90: None,
                p95: None,
                min: None,
                max: None,
            };
        }
        // Two passes in path order: the mean, shifted by the first value (exact for constant
        // data, and precise for NPVs ~1e10 with small spreads), then the sum of squared
        // deviations.
        let shift = xs[0];
        let mean = shift + xs.iter().map(|x| x - shift).sum::<f64>() / xs.len() as f64;
        let sd = (xs.len() > 1).then(|| {
            let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
            (ss / (xs.len() - 1) as f64).sqrt()
        });
        let min = xs.iter().copied().min_by(f64::total_cmp);
        let max = xs.iter().copied().max_by(f64::total_cmp);
        let [p5, p10, p50, p90, p95] =
            quantiles_by_selection(&mut xs, [0.05, 0.10, 0.50, 0.90, 0.95]);
        Summary {
            n,
            missing,
            missing_share,
            mean: Some(mean),
            sd,
            p5: Some(p5),
            p10: Some(p10),
            p50: Some(p50),
            p90: Some(p90),
            p95: Some(p95),
            min,
            max,
        }
    }
}

/// numpy-linear quantiles at ascending `ps` of non-empty `xs`, found by selection instead of a
/// full sort: each `select_nth_unstable` works on the part at or above the previous order
/// statistic, so five quantiles cost a few O(n) passes. The order statistics, and so the
/// results, are exactly those of [`quantile_sorted`] on the sorted values. `xs` is reordered.
pub fn quantiles_by_selection<const K: usize>(xs: &mut [f64], ps: [f64; K]) -> [f64; K] {
    let n = xs.len();
    let mut out = [0.0; K];
    if n == 0 {
        return out;
    }
    let mut start = 0;
    for (q, p) in out.iter_mut().zip(ps) {
        if n == 1 {
            *q = xs[0];
            continue;
        }
        let (lo, t) = virtual_index(n, p);
        // Quantiles come in ascending order, so lo ≥ start: xs[start..] holds exactly the
        // order statistics from `start` up, in some order.
        let lo = lo.max(start);
        xs[start..].select_nth_unstable_by(lo - start, f64::total_cmp);
        let a = xs[lo];
        let b = if lo + 1 < n {
            xs[lo + 1..]
                .iter()
                .copied()
                .min_by(f64::total_cmp)
                .unwrap_or(a)
        } else {
            a
        };
        *q = lerp_numpy(a, b, t);
        start = lo;
    }
    out
}

/// numpy `_QuantileMethods["linear"]["get_virtual_index"]`: h = (n − 1)·p as (⌊h⌋, h − ⌊h⌋).
fn virtual_index(n: usize, p: f64) -> (usize, f64) {
    let h = ((n - 1) as f64 * p).clamp(0.0, (n - 1) as f64);
    let lo = h.floor();
    (lo as usize, h - lo)
}

/// numpy `_lerp`: a + (b − a)·t, but b − (b − a)·(1 − t) when t ≥ 0.5.
fn lerp_numpy(a: f64, b: f64, t: f64) -> f64 {
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

/// numpy's default quantile (`method="linear"`, Hyndman & Fan 1996 type 7) of sorted, non-empty
/// `xs`, with numpy's own arithmetic: virtual index h = (n − 1)·p, γ = h − ⌊h⌋, and `_lerp`'s
/// two-sided interpolation, so values equal `numpy.quantile` bit for bit (checked against numpy
/// 2.4 on the example's paths).
pub fn quantile_sorted(xs: &[f64], p: f64) -> f64 {
    let n = xs.len();
    if n == 1 {
        return xs[0];
    }
    let (lo, t) = virtual_index(n, p);
    let hi = (lo + 1).min(n - 1);
    lerp_numpy(xs[lo], xs[hi], t)
}

/// Share of `flags` that are true; none without paths.
pub fn share(flags: impl Iterator<Item = bool>) -> Option<f64> {
    let (mut yes, mut all) = (0u64, 0u64);
    for f in flags {
        all += 1;
        yes += u64::from(f);
    }
    (all > 0).then(|| yes as f64 / all as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        // numpy.quantile([1, 2, 3, 4], [0.05, 0.1, 0.5, 0.9, 0.95]) = [1.15, 1.3, 2.5, 3.7, 3.85]
        let xs = [1.0, 2.0, 3.0, 4.0];
        let want = [1.15, 1.3, 2.5, 3.7, 3.85];
        for (p, w) in QUANTILES.iter().zip(want) {
            assert!((quantile_sorted(&xs, *p) - w).abs() < 1e-12, "{p}");
        }
        // numpy.quantile([10, 0, 5], 0.9) = 9.0 (sorted 0, 5, 10; h = 1.8).
        assert!((quantile_sorted(&[0.0, 5.0, 10.0], 0.9) - 9.0).abs() < 1e-12);
        assert_eq!(quantile_sorted(&[7.0], 0.05), 7.0);
        assert_eq!(quantile_sorted(&[1.0, 2.0], 1.0), 2.0);
        assert_eq!(quantile_sorted(&[1.0, 2.0], 0.0), 1.0);
    }

    #[test]
    fn selection_equals_sorting_bit_for_bit() {
        // A deterministic scramble with ties, negatives and a long tail.
        let mut xs: Vec<f64> = (0..10_007u64)
            .map(|i| {
                let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
                (h % 997) as f64 * if h % 3 == 0 { -1.5 } else { 1.0 } + (h % 7) as f64 * 1e9
            })
            .collect();
        let ps = [0.0, 0.05, 0.10, 0.50, 0.90, 0.95, 1.0];
        let mut sorted = xs.clone();
        sorted.sort_unstable_by(f64::total_cmp);
        let want = ps.map(|p| quantile_sorted(&sorted, p));
        assert_eq!(quantiles_by_selection(&mut xs, ps), want);
        for n in 1..6 {
            let mut small: Vec<f64> = (0..n).map(|i| ((i * 7) % 5) as f64).collect();
            let mut s = small.clone();
            s.sort_unstable_by(f64::total_cmp);
            assert_eq!(
                quantiles_by_selection(&mut small, ps),
                ps.map(|p| quantile_sorted(&s, p))
            );
        }
    }

    #[test]
    fn summary_counts_missing_values_apart() {
        let s = Summary::of([Some(1.0), None, Some(3.0), Some(2.0), None].into_iter());
        assert_eq!((s.n, s.missing), (3, 2));
        assert_eq!(s.missing_share, Some(0.4));
        assert_eq!(s.mean, Some(2.0));
        assert_eq!(s.sd, Some(1.0));
        assert_eq!((s.min, s.p50, s.max), (Some(1.0), Some(2.0), Some(3.0)));
    }

    #[test]
    fn constant_values_have_exactly_their_mean_and_no_spread() {
        let x = 12_345_678_901.234_567;
        let s = Summary::of(std::iter::repeat_n(Some(x), 20));
        assert_eq!((s.mean, s.sd), (Some(x), Some(0.0)));
    }

    #[test]
    fn summary_of_nothing_and_of_one_value() {
        let none = Summary::of([None, None].into_iter());
        assert_eq!((none.n, none.mean, none.p50), (0, None, None));
        assert_eq!(none.missing_share, Some(1.0));
        let one = Summary::of([Some(5.0)].into_iter());
        assert_eq!((one.mean, one.sd, one.p95), (Some(5.0), None, Some(5.0)));
        assert_eq!(Summary::of(std::iter::empty()).missing_share, None);
    }

    #[test]
    fn share_counts_true_flags() {
        assert_eq!(share([true, false, true, true].into_iter()), Some(0.75));
        assert_eq!(share(std::iter::empty()), None);
    }
}
