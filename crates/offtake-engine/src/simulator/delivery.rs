//! MODEL.md §13: the delivery ratio (promised against delivered MW-months) and prices by
//! generation.

use super::Simulator;

impl Simulator<'_> {
    /// δ over the term, and δ_y per contract year when `per_year` (yearly minimums, the Full
    /// outcome): Σ_k mw_k·a_k over Σ_k mw_k·â_k of the tranches that exist, 1 when nothing is
    /// promised. Closed form per tranche ([`super::TrancheTerms::mw_months`]), so a tranche
    /// online when promised adds the same bits above and below the line.
    #[inline(always)]
    pub(super) fn delivery(&mut self, per_year: bool) {
        let n_i = self.n as i64;
        let (mut delivered, mut promised) = (0.0, 0.0);
        for (k, tr) in self.tranches.iter().enumerate() {
            if self.exists[k] {
                delivered += tr.mw_months(self.online[k], 0, n_i - 1);
                promised += tr.promised_term;
            }
        }
        self.delivery_ratio = ratio(delivered, promised);
        if per_year {
            for (y, out) in self.delivery_year.iter_mut().enumerate() {
                let (lo, hi) = (12 * y as i64, (12 * y as i64 + 11).min(n_i - 1));
                let (mut delivered, mut promised) = (0.0, 0.0);
                for (k, tr) in self.tranches.iter().enumerate() {
                    if self.exists[k] {
                        delivered += tr.mw_months(self.online[k], lo, hi);
                        promised += tr.promised_year[y];
                    }
                }
                *out = ratio(delivered, promised);
            }
        }
    }

    /// With prices by generation (§13): per period the list price of a PFLOP-hour used,
    /// L(t) = Σ_k pflops_k(t)·list_{g_k(t)} / pflops(t) (U_k = U·C_k/C, so Σ_k U_k·p_g = U·L·net),
    /// and the billed price L(t)·(1 − discount)·(1 + escalation)^⌊t/12⌋; 0 with no capacity.
    pub(super) fn prices_by_generation(&mut self) {
        let n = self.n;
        let acc = &mut self.list_by_use[..n];
        acc.fill(0.0);
        for (k, tr) in self.tranches.iter().enumerate() {
            if !self.exists[k] {
                continue;
            }
            let o = self.online[k];
            let (a, b) = self.fit_range[k];
            for f in &self.fits[a..b] {
                let per_mw = self.generations[f.generation].pflops_per_mw
                    * self.v2.generation_list[f.generation];
                for (t, x) in acc.iter_mut().enumerate().take(f.end).skip(f.period) {
                    *x += tr.mw_at(o, t as i64) * per_mw;
                }
            }
        }
        let pflops = &self.series.pflops[..n];
        let net = &self.v2.net_escalation[..n];
        for t in 0..n {
            let list = if pflops[t] > 0.0 {
                acc[t] / pflops[t]
            } else {
                0.0
            };
            acc[t] = list;
            self.bill_price[t] = list * net[t];
        }
    }

    /// The Full outcome's promised capacity Σ_k mw_k·â_k(t) over the tranches that exist.
    pub(super) fn promised_series(&mut self) {
        let out = &mut self.series.promised_capacity_mw[..self.n];
        out.fill(0.0);
        for (k, tr) in self.tranches.iter().enumerate() {
            if !self.exists[k] {
                continue;
            }
            let from = super::arith::to_period(tr.promised_online);
            for (t, x) in out.iter_mut().enumerate().skip(from) {
                *x += tr.mw_at(tr.promised_online, t as i64);
            }
        }
    }
}

/// delivered / promised, 1 when nothing is promised (§13).
fn ratio(delivered: f64, promised: f64) -> f64 {
    if promised != 0.0 {
        delivered / promised
    } else {
        1.0
    }
}
