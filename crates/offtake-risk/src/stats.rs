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
    /// `n` values present and `missing` absent, no statistic filled in yet.
    fn counts_only(n: u64, missing: u64) -> Summary {
        let total = n + missing;
        Summary {
            n,
            missing,
            missing_share: (total > 0).then(|| missing as f64 / total as f64),
            mean: None,
            sd: None,
            p5: None,
            p10: None,
            p50: None,
            p90: None,
            p95: None,
            min: None,
            max: None,
        }
    }

    /// From values in path order (`None` = the path lacks the metric; so does a NaN).
    pub fn of(values: impl Iterator<Item = Option<f64>>) -> Summary {
        let column: Vec<f64> = values.map(|v| v.unwrap_or(f64::NAN)).collect();
        Summary::of_blocks(std::iter::once(column.as_slice()))
    }

    /// From a column given as slices in path order, NaN = the path lacks the metric (as a
    /// [`crate::PathTable`] stores it).
    pub fn of_blocks<'a, I>(blocks: I) -> Summary
    where
        I: Iterator<Item = &'a [f64]> + Clone,
    {
        let [s] = summaries(blocks.map(|b| [b]));
        s
    }
}

/// The [`Summary`] of each of `M` columns, given block by block (per block, each column's slice
/// in path order, all of one length; NaN = the path lacks the metric). No copy of a column is
/// made; two passes over the blocks serve every column:
/// 1. counts, the sums for the means, min and max, and a histogram of order-preserving integer
///    keys over buckets spread across the first block's range (values beyond it go to the end
///    buckets, so bucket order stays value order);
/// 2. the sums of squared deviations, and the keys of the few buckets that hold each quantile's
///    order statistics (the counts say which), among which selection finds them exactly.
///
/// A few columns at once (M = 2 is the sweet spot) let their strictly ordered sums overlap
/// instead of waiting on each other.
#[allow(
    clippy::needless_range_loop,
    reason = "row j of every column at once: the index is the point"
)]
pub fn summaries<'a, const M: usize, I>(blocks: I) -> [Summary; M]
where
    I: Iterator<Item = [&'a [f64]; M]> + Clone,
{
    // Bucket slots are numbered in a u8 (u8::MAX = none): at most 12 a column.
    const { assert!(12 * M < u8::MAX as usize) };
    // The first value of each column (the shift of its mean) and the key range of its first
    // block (the span of its histogram).
    let mut shift = [f64::NAN; M];
    let mut span = [(u64::MAX, 0u64); M];
    let mut found = 0;
    'blocks: for cols in blocks.clone() {
        for ((s, sp), col) in shift.iter_mut().zip(&mut span).zip(&cols) {
            if !s.is_nan() {
                continue;
            }
            for &x in col.iter().filter(|x| !x.is_nan()) {
                if s.is_nan() {
                    *s = x;
                }
                let k = order_key(x);
                *sp = (sp.0.min(k), sp.1.max(k));
            }
            if !s.is_nan() {
                found += 1;
                if found == M {
                    break 'blocks;
                }
            }
        }
    }
    let (mut base, mut bucket_shift) = ([0u64; M], [0u32; M]);
    for m in 0..M {
        let (lo, hi) = span[m];
        if lo <= hi {
            // A margin of 1/8 of the span each side: most later values fall inside.
            let margin = (hi - lo) / 8;
            base[m] = lo.saturating_sub(margin);
            let width = 64 - (hi.saturating_add(margin) - base[m]).leading_zeros();
            bucket_shift[m] = width.saturating_sub(BUCKET_BITS);
        }
    }
    let bucket = |m: usize, k: u64| {
        (m << BUCKET_BITS)
            + ((k.saturating_sub(base[m]) >> bucket_shift[m]) as usize).min(BUCKETS - 1)
    };
    let mut total = 0u64;
    let mut n = [0u64; M];
    // std's `Sum` starts at −0.0; adding +0.0 for a missing value leaves every later partial
    // sum unchanged (the first present term is x₀ − x₀ = +0.0, or NaN), so each sum is bit for
    // bit the in-order sum over the present values.
    let mut sum = [-0.0f64; M];
    let mut counts = vec![0u32; M * BUCKETS];
    for cols in blocks.clone() {
        let rows = cols[0].len();
        total += rows as u64;
        // Most blocks of most metrics have no missing value: a loop without the checks.
        let gaps = cols
            .iter()
            .any(|c| c.iter().fold(false, |a, x| a | x.is_nan()));
        if gaps {
            count_block::<M, true>(&cols, &shift, &bucket, &mut n, &mut sum, &mut counts);
        } else {
            count_block::<M, false>(&cols, &shift, &bucket, &mut n, &mut sum, &mut counts);
        }
    }
    let mut mean = [0.0f64; M];
    for m in 0..M {
        mean[m] = shift[m] + sum[m] / n[m] as f64;
    }
    // Each quantile's two order statistics (numpy's a and b), then the least and the greatest.
    let wanted: [[(usize, usize, f64); 6]; M] = std::array::from_fn(|m| {
        let n = usize::try_from(n[m]).unwrap_or(usize::MAX).max(1);
        let mut w = [(0, n - 1, 0.0); 6];
        for (slot, p) in w.iter_mut().zip(QUANTILES) {
            let (lo, t) = virtual_index(n, p);
            *slot = (lo, (lo + 1).min(n - 1), t);
        }
        w
    });
    let mut slot_of = vec![u8::MAX; M * BUCKETS];
    // The kept buckets' keys, bucket after bucket in one buffer: slot i is
    // kept[starts[i]..starts[i + 1]], filled through `fill[i]` (no growth in the hot loop).
    let mut starts: Vec<usize> = vec![0];
    // Per wanted order statistic: its bucket and its rank within the bucket.
    let mut located = [[[(0usize, 0usize); 2]; 6]; M];
    for m in 0..M {
        if n[m] == 0 {
            continue;
        }
        // Keys at or below each bucket: bucket b holds ranks ends[b] − counts[b] .. ends[b].
        let hist = &counts[m * BUCKETS..(m + 1) * BUCKETS];
        let ends: Vec<usize> = hist
            .iter()
            .scan(0usize, |acc, c| {
                *acc += *c as usize;
                Some(*acc)
            })
            .collect();
        for (w, at) in wanted[m].iter().zip(located[m].iter_mut()) {
            for (rank, spot) in [w.0, w.1].into_iter().zip(at.iter_mut()) {
                let b = ends.partition_point(|e| *e <= rank);
                let cell = m * BUCKETS + b;
                if slot_of[cell] == u8::MAX {
                    slot_of[cell] = (starts.len() - 1) as u8;
                    starts.push(starts[starts.len() - 1] + hist[b] as usize);
                }
                *spot = (cell, rank - (ends[b] - hist[b] as usize));
            }
        }
    }
    let mut kept = vec![0u64; starts[starts.len() - 1]];
    let mut fill: Vec<usize> = starts[..starts.len() - 1].to_vec();
    let mut ss = [-0.0f64; M];
    for cols in blocks {
        for j in 0..cols[0].len() {
            for m in 0..M {
                let x = cols[m][j];
                let here = !x.is_nan();
                let d = x - mean[m];
                ss[m] += if here { d * d } else { 0.0 };
                let k = order_key(x);
                let slot = slot_of[bucket(m, k)];
                if slot != u8::MAX && here {
                    let at = &mut fill[slot as usize];
                    kept[*at] = k;
                    *at += 1;
                }
            }
        }
    }
    std::array::from_fn(|m| {
        let missing = total - n[m];
        if n[m] == 0 {
            return Summary::counts_only(0, missing);
        }
        let mut value_at = |(cell, rank): (usize, usize)| {
            let slot = slot_of[cell] as usize;
            let keys = &mut kept[starts[slot]..starts[slot + 1]];
            // A bucket of one value (ties, as in whole months or a mass at 0) needs no
            // selection; its first key answers every rank.
            let first = keys[0];
            if keys.iter().all(|k| *k == first) {
                return from_order_key(first);
            }
            from_order_key(*keys.select_nth_unstable(rank).1)
        };
        let [least, greatest] = located[m][5];
        let (min, max) = (value_at(least), value_at(greatest));
        let q: [f64; 5] = std::array::from_fn(|i| {
            if n[m] == 1 {
                // numpy returns the one value itself (no interpolation, even for ±∞).
                return min;
            }
            let [a, b] = located[m][i];
            lerp_numpy(value_at(a), value_at(b), wanted[m][i].2)
        });
        Summary {
            mean: Some(mean[m]),
            sd: (n[m] > 1).then(|| (ss[m] / (n[m] - 1) as f64).sqrt()),
            p5: Some(q[0]),
            p10: Some(q[1]),
            p50: Some(q[2]),
            p90: Some(q[3]),
            p95: Some(q[4]),
            min: Some(min),
            max: Some(max),
            ..Summary::counts_only(n[m], missing)
        }
    })
}

/// Pass 1 of [`summaries`] over one block: counts, sums for the means, histograms. `GAPS`: the
/// block may hold missing values (NaN), which are skipped.
#[allow(
    clippy::needless_range_loop,
    reason = "row j of every column at once: the index is the point"
)]
fn count_block<const M: usize, const GAPS: bool>(
    cols: &[&[f64]; M],
    shift: &[f64; M],
    bucket: &impl Fn(usize, u64) -> usize,
    n: &mut [u64; M],
    sum: &mut [f64; M],
    counts: &mut [u32],
) {
    // Accumulators in locals, so they stay in registers through the loop.
    let (mut n_here, mut acc) = (*n, *sum);
    for j in 0..cols[0].len() {
        for m in 0..M {
            let x = cols[m][j];
            let here = !GAPS || !x.is_nan();
            n_here[m] += u64::from(here);
            acc[m] += if here { x - shift[m] } else { 0.0 };
            counts[bucket(m, order_key(x))] += u32::from(here);
        }
    }
    (*n, *sum) = (n_here, acc);
}

/// A key whose unsigned order is `f64::total_cmp`'s order, and equal only for equal bits: the
/// sign bit flipped for positives, every bit flipped for negatives.
fn order_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 0 {
        bits | 1 << 63
    } else {
        !bits
    }
}

/// The inverse of [`order_key`].
fn from_order_key(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// log2 of the buckets of [`summaries`]' histogram per column (4,096 counts: 16 KB).
const BUCKET_BITS: u32 = 12;
const BUCKETS: usize = 1 << BUCKET_BITS;

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

    /// The straightforward definition: collect, sum in order, sort, interpolate.
    fn reference(column: &[f64]) -> Summary {
        let mut xs: Vec<f64> = column.iter().copied().filter(|x| !x.is_nan()).collect();
        let total = column.len() as u64;
        let n = xs.len() as u64;
        let mut s = Summary::counts_only(n, total - n);
        if xs.is_empty() {
            return s;
        }
        let shift = xs[0];
        let mean = shift + xs.iter().map(|x| x - shift).sum::<f64>() / xs.len() as f64;
        s.mean = Some(mean);
        s.sd = (xs.len() > 1).then(|| {
            let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
            (ss / (xs.len() - 1) as f64).sqrt()
        });
        xs.sort_unstable_by(f64::total_cmp);
        let q = QUANTILES.map(|p| quantile_sorted(&xs, p));
        [s.p5, s.p10, s.p50, s.p90, s.p95] = q.map(Some);
        s.min = xs.first().copied();
        s.max = xs.last().copied();
        s
    }

    fn bits(s: &Summary) -> Vec<Option<u64>> {
        [s.mean, s.sd, s.p5, s.p10, s.p50, s.p90, s.p95, s.min, s.max]
            .iter()
            .map(|x| x.map(f64::to_bits))
            .chain([Some(s.n), Some(s.missing)])
            .collect()
    }

    #[test]
    fn column_summaries_equal_the_sorted_definition_bit_for_bit() {
        let scramble = |i: u64, salt: u64| (i ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
        let n = 5_000u64;
        // Ties, negatives, signed zeros, a huge spread, sparse and dense missing values,
        // a constant column, infinities, a single value, nothing at all.
        let columns: Vec<Vec<f64>> = vec![
            (0..n)
                .map(|i| {
                    let h = scramble(i, 1);
                    (h % 997) as f64 * if h % 3 == 0 { -1.5 } else { 1.0 } + (h % 7) as f64 * 1e9
                })
                .collect(),
            (0..n)
                .map(|i| match scramble(i, 2) % 5 {
                    0 => f64::NAN,
                    1 => 0.0,
                    2 => -0.0,
                    _ => (scramble(i, 3) % 40) as f64,
                })
                .collect(),
            (0..n)
                .map(|i| 1.5e11 + scramble(i, 4) as f64 * 1e-3)
                .collect(),
            vec![12_345_678_901.234_567; n as usize],
            (0..n)
                .map(|i| match scramble(i, 5) % 50 {
                    0 => f64::INFINITY,
                    1 => f64::NEG_INFINITY,
                    k => k as f64 * 1e-300,
                })
                .collect(),
            (0..n)
                .map(|i| if i == 77 { 3.25 } else { f64::NAN })
                .collect(),
            vec![f64::NAN; n as usize],
            // A trend: most values lie beyond the first block's range.
            (0..n).map(|i| i as f64 * 1.5 - 100.0).collect(),
        ];
        // Blocks of uneven length, as a table with a short last block gives.
        let cut = |c: &Vec<f64>| -> Vec<Vec<f64>> { c.chunks(1024).map(<[f64]>::to_vec).collect() };
        let blocks: Vec<Vec<Vec<f64>>> = columns.iter().map(cut).collect();
        let sets = (0..blocks[0].len()).map(|b| {
            let set: [&[f64]; 8] = std::array::from_fn(|m| blocks[m][b].as_slice());
            set
        });
        let got = summaries(sets);
        for (m, c) in columns.iter().enumerate() {
            assert_eq!(bits(&got[m]), bits(&reference(c)), "column {m}");
            assert_eq!(got[m].missing_share, reference(c).missing_share);
            let one = Summary::of_blocks(c.chunks(700));
            assert_eq!(bits(&one), bits(&reference(c)), "column {m} alone");
        }
        assert_eq!(
            bits(&Summary::of(std::iter::empty())),
            bits(&reference(&[]))
        );
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
}
