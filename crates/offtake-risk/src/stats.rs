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
    /// the existing values for sorting.
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
        xs.sort_unstable_by(f64::total_cmp);
        let q = |p| Some(quantile_sorted(&xs, p));
        Summary {
            n,
            missing,
            missing_share,
            mean: Some(mean),
            sd,
            p5: q(0.05),
            p10: q(0.10),
            p50: q(0.50),
            p90: q(0.90),
            p95: q(0.95),
            min: xs.first().copied(),
            max: xs.last().copied(),
        }
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
    // numpy `_QuantileMethods["linear"]["get_virtual_index"]`: (n - 1) * quantiles.
    let h = ((n - 1) as f64 * p).clamp(0.0, (n - 1) as f64);
    let lo = h.floor();
    let t = h - lo;
    let lo = lo as usize;
    let hi = (lo + 1).min(n - 1);
    let (a, b) = (xs[lo], xs[hi]);
    let diff = b - a;
    // numpy `_lerp`: a + diff·t, but b − diff·(1 − t) when t ≥ 0.5.
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
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
