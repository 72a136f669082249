//! Level-payment loans: Excel/numpy PMT, capitalized interest and a closed-form amortization (MODEL.md §6 debt).

use crate::npv::check_rate;
use crate::{Error, Result};

fn check_finite(what: &'static str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::NonFinite { what, value })
    }
}

/// Payment per period that repays `pv` over `n_periods` end-of-period payments, with the
/// Excel/numpy sign convention (money received positive, paid negative, fv = 0, type 0):
/// pmt = −pv·r·(1+r)^n / ((1+r)^n − 1), and −pv/n when r = 0 (numpy_financial.pmt).
///
/// # Errors
/// [`Error::ZeroPeriods`] for `n_periods` = 0; [`Error::RateOutOfDomain`] for a rate that is not
/// finite or is ≤ −1; [`Error::NonFinite`] for a non-finite `pv`.
pub fn pmt(rate_per_period: f64, n_periods: u32, pv: f64) -> Result<f64> {
    Ok(-LevelLoan::new(pv, rate_per_period, n_periods)?.payment())
}

/// `amount` grown by `n_periods` of interest at `rate_per_period`, compounded each period:
/// amount·(1+r)^n. MODEL.md §6: a draw made before its tranche comes online accrues interest,
/// capitalized monthly (r = interest_rate/12), until it does.
///
/// # Errors
/// [`Error::RateOutOfDomain`] for a rate that is not finite or is ≤ −1; [`Error::NonFinite`]
/// for a non-finite `amount`.
pub fn capitalize(amount: f64, rate_per_period: f64, n_periods: u32) -> Result<f64> {
    check_rate(rate_per_period)?;
    check_finite("amount", amount)?;
    Ok(amount * (f64::from(n_periods) * rate_per_period.ln_1p()).exp())
}

/// A loan repaid in `n_payments` level payments at the end of each period, with amounts as
/// positive numbers (the borrower's view is up to the caller). The balance after k payments
/// has a closed form, so a schedule needs no table:
/// B_k = P·((1+r)^n − (1+r)^k)/((1+r)^n − 1), and P·(n − k)/n when r = 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelLoan {
    principal: f64,
    rate_per_period: f64,
    n_payments: u32,
    /// ln(1+r), kept so powers of (1+r) are one `exp` each.
    ln_growth: f64,
    /// (1+r)^n − 1 by `exp_m1`, accurate for small rates.
    growth_minus_one: f64,
    payment: f64,
}

/// One payment split into the interest it pays and the principal it repays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoanPayment {
    pub interest: f64,
    pub principal: f64,
}

impl LoanPayment {
    /// Interest plus principal: the level payment (up to rounding).
    pub fn total(&self) -> f64 {
        self.interest + self.principal
    }
}

impl LevelLoan {
    /// # Errors
    /// [`Error::ZeroPeriods`] for `n_payments` = 0; [`Error::RateOutOfDomain`] for a rate that is
    /// not finite or is ≤ −1; [`Error::NonFinite`] for a non-finite principal.
    pub fn new(principal: f64, rate_per_period: f64, n_payments: u32) -> Result<Self> {
        if n_payments == 0 {
            return Err(Error::ZeroPeriods);
        }
        check_rate(rate_per_period)?;
        check_finite("principal", principal)?;
        let ln_growth = rate_per_period.ln_1p();
        let growth_minus_one = (f64::from(n_payments) * ln_growth).exp_m1();
        let payment = if rate_per_period == 0.0 {
            principal / f64::from(n_payments)
        } else {
            // Annuity: P·r·(1+r)^n/((1+r)^n − 1).
            principal * rate_per_period * (growth_minus_one + 1.0) / growth_minus_one
        };
        Ok(Self {
            principal,
            rate_per_period,
            n_payments,
            ln_growth,
            growth_minus_one,
            payment,
        })
    }

    pub fn principal(&self) -> f64 {
        self.principal
    }

    pub fn rate_per_period(&self) -> f64 {
        self.rate_per_period
    }

    pub fn n_payments(&self) -> u32 {
        self.n_payments
    }

    /// The level payment, positive for a positive principal.
    pub fn payment(&self) -> f64 {
        self.payment
    }

    /// Principal still owed after `k` payments: the principal for k = 0, 0 for k ≥ n.
    pub fn balance_after(&self, k: u32) -> f64 {
        self.balance_with(k, || self.growth(k))
    }

    /// (1+r)^k as [`Self::balance_after`] computes it: exp(k·ln(1+r)).
    pub fn growth(&self, k: u32) -> f64 {
        (f64::from(k) * self.ln_growth).exp()
    }

    /// [`Self::balance_after`] for a caller that already has `grown` = [`Self::growth`]`(k)`
    /// (a table of powers of 1+r): the same bits, one `exp` fewer.
    pub fn balance_after_grown(&self, k: u32, grown: f64) -> f64 {
        self.balance_with(k, || grown)
    }

    /// The balance after `k` payments, (1+r)^k from `grown` where the rate is not 0.
    #[inline(always)]
    fn balance_with(&self, k: u32, grown: impl FnOnce() -> f64) -> f64 {
        if k >= self.n_payments {
            return 0.0;
        }
        let remaining = f64::from(self.n_payments - k);
        if self.rate_per_period == 0.0 {
            return self.principal * remaining / f64::from(self.n_payments);
        }
        // (1+r)^n − (1+r)^k = (1+r)^k·((1+r)^(n−k) − 1), both factors without cancellation.
        self.principal * grown() * (remaining * self.ln_growth).exp_m1() / self.growth_minus_one
    }

    /// Payment number `k` (1-based) split into interest r·B_(k−1) and principal B_(k−1) − B_k;
    /// `None` for k = 0 or k > n (no such payment).
    pub fn split(&self, k: u32) -> Option<LoanPayment> {
        if k == 0 || k > self.n_payments {
            return None;
        }
        let before = self.balance_after(k - 1);
        Some(LoanPayment {
            interest: self.rate_per_period * before,
            principal: before - self.balance_after(k),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_arguments_are_errors() {
        assert_eq!(pmt(0.01, 0, 100.0), Err(Error::ZeroPeriods));
        assert!(matches!(
            pmt(-1.0, 12, 100.0),
            Err(Error::RateOutOfDomain { .. })
        ));
        assert!(matches!(
            pmt(0.01, 12, f64::NAN),
            Err(Error::NonFinite { .. })
        ));
        assert!(capitalize(f64::INFINITY, 0.01, 3).is_err());
        assert!(capitalize(1.0, f64::NAN, 3).is_err());
    }

    #[test]
    fn zero_rate_repays_in_equal_parts() {
        assert_eq!(pmt(0.0, 4, 1000.0).unwrap(), -250.0);
        let loan = LevelLoan::new(1200.0, 0.0, 12).unwrap();
        assert_eq!(loan.balance_after(3), 900.0);
        let p = loan.split(5).unwrap();
        assert_eq!(p.interest, 0.0);
        assert!((p.principal - 100.0).abs() < 1e-12);
    }

    #[test]
    fn balance_closed_form_matches_rolling_the_loan_forward() {
        let loan = LevelLoan::new(1_000_000.0, 0.06 / 12.0, 84).unwrap();
        let mut balance = loan.principal();
        for k in 1..=84 {
            balance = balance * (1.0 + loan.rate_per_period()) - loan.payment();
            assert!(
                (balance - loan.balance_after(k)).abs() < 1e-6,
                "k {k}: {balance} vs {}",
                loan.balance_after(k)
            );
            let split = loan.split(k).unwrap();
            assert!((split.total() - loan.payment()).abs() < 1e-6);
        }
        assert_eq!(loan.balance_after(84), 0.0);
        assert_eq!(loan.balance_after(0), 1_000_000.0);
        assert!(loan.split(0).is_none() && loan.split(85).is_none());
    }

    #[test]
    fn principal_parts_sum_to_the_principal_and_grow() {
        let loan = LevelLoan::new(500.0, 0.01, 36).unwrap();
        let parts: Vec<LoanPayment> = (1..=36).map(|k| loan.split(k).unwrap()).collect();
        let repaid: f64 = parts.iter().map(|p| p.principal).sum();
        assert!((repaid - 500.0).abs() < 1e-9);
        assert!(parts.windows(2).all(|w| w[1].principal > w[0].principal));
    }

    #[test]
    fn capitalized_interest_compounds_each_period() {
        let grown = capitalize(1000.0, 0.005, 24).unwrap();
        assert!((grown - 1000.0 * 1.005f64.powi(24)).abs() < 1e-9);
        assert_eq!(capitalize(1000.0, 0.005, 0).unwrap(), 1000.0);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]

        /// A balance from a table of powers is the balance computed alone, bit for bit: at
        /// every k (0, inside the term, at and past n) and at zero, tiny and large rates.
        #[test]
        fn a_balance_from_the_loans_own_power_is_the_balance(
            principal in proptest::prop_oneof![
                proptest::prelude::Just(1.0),
                -1e12..1e12f64,
            ],
            rate in proptest::prop_oneof![
                proptest::prelude::Just(0.0),
                proptest::prelude::Just(1e-12),
                0.0..0.05f64,
                -0.5..2.0f64,
            ],
            n in 1u32..1200,
            k in 0u32..1300,
        ) {
            let loan = LevelLoan::new(principal, rate, n).unwrap();
            let grown = loan.growth(k);
            proptest::prop_assert_eq!(
                loan.balance_after_grown(k, grown).to_bits(),
                loan.balance_after(k).to_bits()
            );
            proptest::prop_assert_eq!(
                grown.to_bits(),
                (f64::from(k) * rate.ln_1p()).exp().to_bits()
            );
        }
    }
}
