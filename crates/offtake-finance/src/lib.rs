//! Finance functions: NPV, IRR, XNPV, XIRR, PMT, payback. Knows nothing of contracts.
//!
//! Pure functions over slices of USD amounts: no IO, no clock, no allocation in the functions
//! a Monte Carlo path calls ([`npv_monthly_end`], [`MonthlyDiscount::npv`], [`irr_monthly_end`],
//! [`irr_periodic`], [`payback_months`], [`LevelLoan`]).
//!
//! # Time conventions
//! - Monthly (the model, MODEL.md §1): flow t is paid at the end of month t, τ = (t+1)/12 years;
//!   NPV(r) = Σ CF(t)·(1+r)^(−τ) with r annual effective.
//! - Periodic (numpy-financial): flow t at period t, the first undiscounted.
//! - Dated (Excel XNPV/XIRR): Actual/365 years from the first entry's date.
//!
//! # Which IRR is reported
//! [`irr_monthly_end`], [`irr_periodic`] and [`xirr`] return the rate r in (−0.99, 10] (annual
//! effective, or per period for `irr_periodic`) with NPV(r) = 0, as MODEL.md §1 defines:
//! - every sign change of NPV on a grid of step 0.01 is a root (a grid point where NPV is
//!   exactly 0 is one too); cells that Laguerre's rule of signs proves hold exactly one root
//!   skip the grid (always the case when the flows change sign once);
//! - with several roots, the **largest root at which NPV falls through zero as r rises** is
//!   reported (the economic IRR of a project whose late flows turn negative); if no root falls,
//!   the largest root; [`Irr::multiple_roots`] is then set;
//! - the reported root is refined to within 1e-10 (secant steps inside its cell, or Brent's
//!   method after a grid walk);
//! - no root gives `None`, never NaN: empty, all-zero, one-signed or non-finite flows included.
//!
//! numpy_financial.irr reports the root closest to zero and Excel's IRR/XIRR whatever Newton's
//! method reaches from 0.1; all three agree when there is a single root in the interval.
//!
//! # Errors
//! Functions that can be handed an argument with no meaning (a rate ≤ −1, zero periods, a date
//! before the first) return [`Result`]; "no answer" (no IRR, no payback) is an `Option`.

mod dated;
mod irr;
mod loan;
mod npv;
mod payback;
mod poly;

use chrono::NaiveDate;

pub use dated::{xirr, xnpv};
pub use irr::{
    IRR_GRID_STEP, IRR_MAX_RATE, IRR_MIN_RATE, IRR_TOLERANCE, Irr, LEVERED_REACH, irr_monthly_end,
    irr_monthly_end_levered, irr_periodic,
};
pub use loan::{LevelLoan, LoanPayment, capitalize, pmt};
pub use npv::{MonthlyDiscount, npv_monthly_end, npv_periodic};
pub use payback::payback_months;

/// An argument no finance function can give a meaning to.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// Discounting or compounding needs 1 + rate > 0 and a finite rate.
    #[error("rate {rate} is outside the domain: it must be finite and greater than -1")]
    RateOutOfDomain { rate: f64 },
    /// A loan or annuity over zero periods has no payment.
    #[error("a loan or annuity needs at least one period")]
    ZeroPeriods,
    /// An amount that must be a number is infinite or NaN.
    #[error("{what} must be finite, got {value}")]
    NonFinite { what: &'static str, value: f64 },
    /// Excel's XNPV/XIRR count time from the first entry and reject earlier dates (#NUM!).
    #[error("cash flow {index} is dated {date}, before the first entry's date {first}")]
    DateBeforeFirst {
        index: usize,
        date: NaiveDate,
        first: NaiveDate,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
