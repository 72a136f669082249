//! Small arithmetic shared by the phases: fixed-order sums, escalation, discount factors.

use chrono::{Datelike, NaiveDate};
use offtake_finance::MonthlyDiscount;

/// `offtake_model::hours_in_month` from the month lengths of the (proleptic Gregorian)
/// calendar, without building dates; far from the ends of chrono's range of years, where the
/// model's own arithmetic is kept.
pub(super) fn hours_in_month(date: NaiveDate) -> f64 {
    let (year, month) = (date.year(), date.month());
    if !(-200_000..=200_000).contains(&year) {
        return offtake_model::hours_in_month(date);
    }
    let days = match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    };
    f64::from(days * 24)
}

/// (1+r)^y for contract year y, by exponent (MODEL.md §5, §6: stepped by contract year).
pub(super) fn yearly_factor(rate: f64, t: usize) -> f64 {
    (1.0 + rate).powi(i32::try_from(t / 12).unwrap_or(i32::MAX))
}

pub(super) fn to_period(p: i64) -> usize {
    usize::try_from(p.max(0)).unwrap_or(0)
}

/// Σ x with four interleaved accumulators (a fixed order: the same for every run).
pub(super) fn sum(x: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let chunks = x.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for (lane, v) in lanes.iter_mut().zip(c) {
            *lane += v;
        }
    }
    let tail: f64 = rest.iter().fold(0.0, |a, v| a + v);
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

/// Σ x·y with four interleaved accumulators.
pub(super) fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let (xs, ys) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: f64 = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .fold(0.0, |a, (u, v)| a + u * v);
    for (cx, cy) in xs.zip(ys) {
        for ((lane, u), v) in lanes.iter_mut().zip(cx).zip(cy) {
            *lane += u * v;
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

/// (Σ u·l, Σ u·l·f) with four interleaved accumulators each: compute used valued at its list
/// price, undiscounted and discounted (MODEL.md §13). Inlined into the kernel's AVX2 build.
#[inline(always)]
pub(super) fn weighted_sums(u: &[f64], l: &[f64], f: &[f64]) -> (f64, f64) {
    let (mut plain, mut discounted) = ([0.0; 4], [0.0; 4]);
    let n = u.len().min(l.len()).min(f.len());
    let whole = n - n % 4;
    for i in (0..whole).step_by(4) {
        for j in 0..4 {
            let x = u[i + j] * l[i + j];
            plain[j] += x;
            discounted[j] += x * f[i + j];
        }
    }
    let (mut tail, mut tail_discounted) = (0.0, 0.0);
    for i in whole..n {
        let x = u[i] * l[i];
        tail += x;
        tail_discounted += x * f[i];
    }
    (
        (plain[0] + plain[1]) + (plain[2] + plain[3]) + tail,
        (discounted[0] + discounted[1]) + (discounted[2] + discounted[3]) + tail_discounted,
    )
}

/// [0, x₀, x₀+x₁, …]: sums of the first m values, m = 0 … len.
pub(super) fn running_sums(x: &[f64]) -> Vec<f64> {
    let mut sum = 0.0;
    std::iter::once(0.0)
        .chain(x.iter().map(|v| {
            sum += v;
            sum
        }))
        .collect()
}

/// End-of-month discount factors v^(t+1) for t = 0 … n−1, each by its own exponent.
pub(super) fn discount_factors(rate: f64, n: usize) -> Vec<f64> {
    match MonthlyDiscount::new(rate) {
        Ok(d) => (0..n).map(|t| d.factor(t)).collect(),
        Err(_) => vec![f64::NAN; n],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

        /// Month lengths give the model's hours on any date chrono has: common and leap
        /// years (the century rules), negative years, the ends of the range.
        #[test]
        fn hours_in_month_is_the_models(
            days in prop_oneof![
                4 => 690_000i32..780_000,
                2 => -800_000i32..800_000,
                1 => prop::sample::select(vec![
                    NaiveDate::MIN.num_days_from_ce(),
                    NaiveDate::MAX.num_days_from_ce(),
                    NaiveDate::MAX.num_days_from_ce() - 31,
                ]),
                1 => any::<i32>(),
            ]
        ) {
            if let Some(date) = NaiveDate::from_num_days_from_ce_opt(days) {
                prop_assert_eq!(
                    hours_in_month(date).to_bits(),
                    offtake_model::hours_in_month(date).to_bits(),
                    "{}", date
                );
            }
        }
    }

    #[test]
    fn hours_in_month_knows_the_century_leap_rules() {
        let hours = |y, m| hours_in_month(NaiveDate::from_ymd_opt(y, m, 1).unwrap());
        assert_eq!(hours(2024, 2), 29.0 * 24.0);
        assert_eq!(hours(2100, 2), 28.0 * 24.0);
        assert_eq!(hours(2000, 2), 29.0 * 24.0);
        assert_eq!(hours(2026, 2), 28.0 * 24.0);
        assert_eq!(hours(-4, 2), 29.0 * 24.0);
        assert_eq!(hours(2026, 12), 31.0 * 24.0);
        assert_eq!(hours(2026, 11), 30.0 * 24.0);
    }
}
