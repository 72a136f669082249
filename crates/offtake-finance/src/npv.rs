//! Net present value: numpy-style periodic NPV and the model's monthly end-of-period NPV (MODEL.md §1).

use crate::poly::horner;
use crate::{Error, Result};

/// Checks that `rate` is a usable discount rate: finite and above −1, where (1+r)^x is defined.
pub(crate) fn check_rate(rate: f64) -> Result<()> {
    if rate.is_finite() && rate > -1.0 {
        Ok(())
    } else {
        Err(Error::RateOutOfDomain { rate })
    }
}

/// NPV of periodic flows with numpy-financial semantics: Σ_t flows[t]·(1+rate)^(−t).
///
/// The first flow is at t = 0 and is not discounted (numpy_financial.npv; unlike Excel's NPV,
/// which discounts the first value too). Flows containing NaN give NaN.
///
/// # Errors
/// [`Error::RateOutOfDomain`] when `rate` is not finite or is ≤ −1.
pub fn npv_periodic(rate: f64, flows: &[f64]) -> Result<f64> {
    check_rate(rate)?;
    Ok(horner(flows, 1.0 / (1.0 + rate)))
}

/// NPV of monthly flows paid at the end of each month (MODEL.md §1):
/// Σ_t flows[t]·(1+rate_annual)^(−(t+1)/12), with `rate_annual` annual effective.
///
/// Same as [`MonthlyDiscount::new`] followed by [`MonthlyDiscount::npv`]; when one rate
/// discounts several series, build the [`MonthlyDiscount`] once.
///
/// # Errors
/// [`Error::RateOutOfDomain`] when `rate_annual` is not finite or is ≤ −1.
pub fn npv_monthly_end(rate_annual: f64, flows: &[f64]) -> Result<f64> {
    Ok(MonthlyDiscount::new(rate_annual)?.npv(flows))
}

/// An annual effective discount rate turned into its monthly factor v = (1+r)^(−1/12), ready to
/// discount end-of-month flows (MODEL.md §1: a flow of period t is at τ(t) = (t+1)/12 years).
///
/// Building it costs one `exp`/`ln_1p`; [`npv`](Self::npv) is then multiply-adds only, with no
/// allocation, for the Monte Carlo hot loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthlyDiscount {
    rate_annual: f64,
    ln_growth: f64,
    monthly_factor: f64,
}

impl MonthlyDiscount {
    /// # Errors
    /// [`Error::RateOutOfDomain`] when `rate_annual` is not finite or is ≤ −1.
    pub fn new(rate_annual: f64) -> Result<Self> {
        check_rate(rate_annual)?;
        // ln_1p keeps full precision for small rates, where 1+r would round r away.
        let ln_growth = rate_annual.ln_1p();
        Ok(Self {
            rate_annual,
            ln_growth,
            monthly_factor: (-ln_growth / 12.0).exp(),
        })
    }

    /// The annual effective rate this discounts at.
    pub fn rate_annual(&self) -> f64 {
        self.rate_annual
    }

    /// v = (1+r)^(−1/12), the discount over one month.
    pub fn monthly_factor(&self) -> f64 {
        self.monthly_factor
    }

    /// Discount factor of a flow at the end of period `t`: (1+r)^(−(t+1)/12).
    pub fn factor(&self, t: usize) -> f64 {
        // Exact exponent rather than v^(t+1): one call, no accumulated rounding.
        (-((t + 1) as f64) / 12.0 * self.ln_growth).exp()
    }

    /// Σ_t flows[t]·v^(t+1), evaluated as v·P(v) by Horner's rule; equal to the `powf` form to
    /// about 1e-14 of Σ|flows[t]·v^(t+1)|. Flows containing NaN give NaN.
    pub fn npv(&self, flows: &[f64]) -> f64 {
        self.monthly_factor * horner(flows, self.monthly_factor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_at_or_below_minus_one_and_non_finite_are_rejected() {
        for rate in [-1.0, -1.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(matches!(
                npv_periodic(rate, &[1.0]),
                Err(Error::RateOutOfDomain { .. })
            ));
            assert!(MonthlyDiscount::new(rate).is_err());
        }
        assert!(MonthlyDiscount::new(-0.999).is_ok());
    }

    #[test]
    fn factor_is_the_end_of_month_power() {
        let d = MonthlyDiscount::new(0.1).unwrap();
        assert!((d.factor(0) - 1.1f64.powf(-1.0 / 12.0)).abs() < 1e-15);
        assert!((d.factor(11) - 1.0 / 1.1).abs() < 1e-15);
        assert!((d.factor(119) - 1.1f64.powi(-10)).abs() < 1e-15);
        assert!((d.monthly_factor() - d.factor(0)).abs() < 1e-16);
    }

    #[test]
    fn monthly_npv_of_a_single_flow_is_its_factor() {
        let d = MonthlyDiscount::new(0.08).unwrap();
        let mut flows = vec![0.0; 24];
        flows[23] = 1000.0;
        // Month 23 ends two years out.
        assert!((d.npv(&flows) - 1000.0 / 1.08f64.powi(2)).abs() < 1e-10);
        assert_eq!(d.npv(&[]), 0.0);
    }
}
