//! Dated cash flows with Excel semantics: XNPV and XIRR, time in Actual/365 years from the first entry.

use chrono::NaiveDate;

use crate::irr::{Irr, NpvSign, shape_of, solve};
use crate::npv::check_rate;
use crate::{Error, Result};

/// Years from the first entry's date, Actual/365 as in Excel's XNPV and XIRR:
/// (d_i − d_1)/365. Rejects an entry dated before the first (Excel returns #NUM! there).
fn years_from_first(flows: &[(NaiveDate, f64)]) -> Result<Vec<f64>> {
    let Some(&(first, _)) = flows.first() else {
        return Ok(Vec::new());
    };
    flows
        .iter()
        .enumerate()
        .map(|(index, &(date, _))| {
            let days = (date - first).num_days();
            if days < 0 {
                Err(Error::DateBeforeFirst { index, date, first })
            } else {
                Ok(days as f64 / 365.0)
            }
        })
        .collect()
}

/// Excel XNPV: Σ_i P_i / (1+rate)^((d_i − d_1)/365), times counted from the FIRST entry (not
/// the earliest); the first flow is not discounted. Later entries may come in any order.
/// Empty input gives 0. Flows containing NaN give NaN.
///
/// # Errors
/// [`Error::RateOutOfDomain`] for a rate that is not finite or is ≤ −1;
/// [`Error::DateBeforeFirst`] when an entry is dated before the first entry.
pub fn xnpv(rate: f64, flows: &[(NaiveDate, f64)]) -> Result<f64> {
    check_rate(rate)?;
    let years = years_from_first(flows)?;
    let ln_growth = rate.ln_1p();
    Ok(flows
        .iter()
        .zip(&years)
        .map(|(&(_, amount), &tau)| amount * (-tau * ln_growth).exp())
        .sum())
}

/// The rate r in (−0.99, 10] with XNPV(r) = 0, found and chosen exactly as for
/// [`crate::irr_monthly_end`] (grid of 0.01, Laguerre/Descartes shortcuts, largest falling root,
/// refined to 1e-10). Excel's XIRR instead runs Newton's method from a guess of 0.1; the two
/// agree when there is one root in the interval.
///
/// `Ok(None)` when there is no root, including for empty, all-zero, one-signed or non-finite
/// flows. Never NaN, never panics.
///
/// # Errors
/// [`Error::DateBeforeFirst`] when an entry is dated before the first entry (Excel: #NUM!).
pub fn xirr(flows: &[(NaiveDate, f64)]) -> Result<Option<Irr>> {
    let years = years_from_first(flows)?;
    let mut dated: Vec<(f64, f64)> = years
        .into_iter()
        .zip(flows.iter().map(|&(_, amount)| amount))
        .filter(|&(_, amount)| amount != 0.0)
        .collect();
    let abs_sum: f64 = dated.iter().map(|(_, amount)| amount.abs()).sum();
    let (has_pos, has_neg) = (
        dated.iter().any(|&(_, a)| a > 0.0),
        dated.iter().any(|&(_, a)| a < 0.0),
    );
    if !abs_sum.is_finite() || !has_pos || !has_neg {
        return Ok(None);
    }
    // Laguerre's bound counts running sums in time order. It holds for real exponents too:
    // with s = ln(1+r) > 0, Σ P_i·e^(−τ_i·s) = s·∫ φ(u)·e^(−u·s) du where φ steps through the
    // running sums, and the Laplace kernel does not add sign changes (Karlin, *Total
    // Positivity*, 1968); r < 0 is the same with time reversed.
    dated.sort_by(|a, b| a.0.total_cmp(&b.0));
    let last_year = dated.last().map_or(0.0, |&(tau, _)| tau);
    let shape = shape_of(dated.iter().map(|&(_, amount)| amount));
    Ok(solve(&DatedNpv { dated, last_year }, shape))
}

/// Σ P_i·(1+r)^(−τ_i) for r ≥ 0; for r < 0 the same times (1+r)^τ_max > 0, so every term is
/// at most |P_i| and nothing overflows.
struct DatedNpv {
    dated: Vec<(f64, f64)>,
    last_year: f64,
}

impl NpvSign for DatedNpv {
    fn eval(&self, rate: f64) -> f64 {
        let ln_growth = rate.ln_1p();
        let shift = if rate >= 0.0 { 0.0 } else { self.last_year };
        self.dated
            .iter()
            .map(|&(tau, amount)| amount * ((shift - tau) * ln_growth).exp())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn an_entry_before_the_first_is_rejected_by_both() {
        let flows = [(date(2024, 6, 1), -100.0), (date(2024, 1, 1), 110.0)];
        assert!(matches!(
            xnpv(0.1, &flows),
            Err(Error::DateBeforeFirst { index: 1, .. })
        ));
        assert!(matches!(
            xirr(&flows),
            Err(Error::DateBeforeFirst { index: 1, .. })
        ));
    }

    #[test]
    fn later_entries_may_come_in_any_order() {
        let ordered = [
            (date(2024, 1, 1), -100.0),
            (date(2024, 7, 1), 20.0),
            (date(2025, 1, 1), 100.0),
        ];
        let shuffled = [ordered[0], ordered[2], ordered[1]];
        let (a, b) = (xirr(&ordered).unwrap(), xirr(&shuffled).unwrap());
        assert_eq!(a, b);
        assert!(a.is_some());
        let (a, b) = (xnpv(0.1, &ordered).unwrap(), xnpv(0.1, &shuffled).unwrap());
        assert!((a - b).abs() < 1e-12);
    }

    #[test]
    fn one_year_doubling_is_one_hundred_percent() {
        // 2023 has 365 days, so τ = 1 exactly.
        let flows = [(date(2023, 1, 1), -100.0), (date(2024, 1, 1), 200.0)];
        let irr = xirr(&flows).unwrap().unwrap();
        assert!((irr.rate - 1.0).abs() < 1e-10);
        assert!(!irr.multiple_roots);
    }

    #[test]
    fn no_answer_cases_are_none() {
        assert_eq!(xirr(&[]).unwrap(), None);
        assert_eq!(xirr(&[(date(2024, 1, 1), -1.0)]).unwrap(), None);
        let nan = [(date(2024, 1, 1), -1.0), (date(2025, 1, 1), f64::NAN)];
        assert_eq!(xirr(&nan).unwrap(), None);
        assert_eq!(xnpv(0.05, &[]).unwrap(), 0.0);
    }
}
