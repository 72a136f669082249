//! What the contract says, in periods: tranches, generations, equity rules, the demand curve.

use offtake_model::Metric;

use super::arith::to_period;

/// What a tranche is, in periods.
#[derive(Debug, Clone)]
pub(crate) struct TrancheTerms {
    pub(crate) mw: f64,
    /// Period of `online` before delay.
    pub(crate) online: i64,
    pub(crate) ramp: i64,
    pub(crate) build: i64,
    pub(crate) deadline: Option<i64>,
    pub(crate) promised: Option<usize>,
    /// (decision period = max(0, exercise period), exercise_utilization) for an option.
    pub(crate) option: Option<(i64, f64)>,
    /// [`ramp_table`] of this tranche.
    pub(super) ramp_mw: Vec<f64>,
}

impl TrancheTerms {
    /// mw·a_k(t) for a tranche online at `o`, t ≥ o: from integers, never accumulated (§3).
    #[inline]
    pub(super) fn mw_at(&self, o: i64, t: i64) -> f64 {
        let since = t - o + 1;
        if self.ramp == 0 || since >= self.ramp {
            self.mw
        } else {
            self.ramp_mw[to_period(since - 1)]
        }
    }
}

/// mw·s/R for s = 1 … R−1: the ramp's capacity s periods after going online (§3), each from
/// its integers.
pub(super) fn ramp_table(mw: f64, ramp: i64) -> Vec<f64> {
    (1..ramp)
        .map(|since| mw * since as f64 / ramp as f64)
        .collect()
}

#[derive(Debug, Clone)]
pub(crate) struct GenerationTerms {
    pub(crate) available: i64,
    pub(crate) pflops_per_mw: f64,
    pub(crate) chip_capex_per_mw: f64,
    pub(crate) life: i64,
}

#[derive(Debug, Clone)]
pub(crate) enum EquityRule {
    /// Paid in this period (None: at or after T, never).
    At(Option<usize>),
    /// Paid in the first period ≤ `last` where every clause holds: (metric, the lowest value
    /// that passes, threshold − 1e-9·max(1, |threshold|)).
    When {
        clauses: Vec<(Metric, f64)>,
        last: usize,
    },
}
