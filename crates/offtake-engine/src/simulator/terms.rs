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
    /// Σ ramp_mw[..j], j = 0 … len: the ramp's MW-months in closed form.
    pub(super) ramp_prefix: Vec<f64>,
    /// n_k = max(0, online_k): the promised online period (MODEL.md §13).
    pub(crate) promised_online: i64,
    /// Σ mw·â_k(t) over the term and per contract year (the delivery ratio's denominators).
    pub(crate) promised_term: f64,
    pub(crate) promised_year: Vec<f64>,
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

impl TrancheTerms {
    /// Σ_{t=lo}^{hi} mw·a(t) for a tranche online at `o` (0 before o): whole ramp months from the
    /// prefix table, then mw × the months past the ramp. The same arithmetic for the delivered
    /// (o_k) and the promised (n_k) schedule, so equal periods give equal bits (MODEL.md §13).
    pub(crate) fn mw_months(&self, o: i64, lo: i64, hi: i64) -> f64 {
        let a = lo.max(o);
        if a > hi {
            return 0.0;
        }
        // Months since online, 1-based: s0 … s1; the ramp covers s = 1 … R−1.
        let (s0, s1) = (a - o + 1, hi - o + 1);
        let ramp_last = s1.min(self.ramp - 1);
        let ramp = if s0 <= ramp_last {
            self.ramp_prefix[to_period(ramp_last)] - self.ramp_prefix[to_period(s0 - 1)]
        } else {
            0.0
        };
        let full_from = s0.max(self.ramp.max(1));
        let full = if full_from <= s1 {
            self.mw * (s1 - full_from + 1) as f64
        } else {
            0.0
        };
        ramp + full
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
