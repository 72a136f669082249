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
                // On time: the delivered MW-months are the promised ones, bit for bit.
                delivered += if self.online[k] == tr.promised_online {
                    tr.promised_term
                } else {
                    tr.mw_months(self.online[k], 0, n_i - 1)
                };
                promised += tr.promised_term;
            }
        }
        self.delivery_ratio = ratio(delivered, promised);
        if per_year {
            // Tranche by tranche (each year's sums still add tranches in file order): years
            // before o_k add 0, years past the ramp mw × months (what `mw_months` gives there,
            // bit for bit), only the years the ramp crosses need the closed form.
            let delivered = &mut self.delivery_year;
            let promised = &mut self.promised_by_year;
            delivered.fill(0.0);
            promised.fill(0.0);
            for (k, tr) in self.tranches.iter().enumerate() {
                if !self.exists[k] {
                    continue;
                }
                let o = self.online[k];
                let on_time = o == tr.promised_online;
                let full_from = o + tr.ramp.max(1) - 1;
                for (y, (d, p)) in delivered.iter_mut().zip(promised.iter_mut()).enumerate() {
                    let (lo, hi) = (12 * y as i64, (12 * y as i64 + 11).min(n_i - 1));
                    *d += if on_time {
                        tr.promised_year[y]
                    } else if hi < o {
                        0.0
                    } else if lo >= full_from {
                        tr.mw * (hi - lo + 1) as f64
                    } else {
                        tr.mw_months(o, lo, hi)
                    };
                    *p += tr.promised_year[y];
                }
            }
            for (d, &p) in delivered.iter_mut().zip(promised.iter()) {
                *d = ratio(*d, p);
            }
        }
    }

    /// With prices by generation (§13): per period the list price of a PFLOP-hour used,
    /// L(t) = Σ_k pflops_k(t)·list_{g_k(t)} / pflops(t) (U_k = U·C_k/C, so Σ_k U_k·p_g = U·L·net),
    /// from the sums `add_tranche` left in `list_by_use`, and the billed price
    /// L(t)·(1 − discount)·(1 + escalation)^⌊t/12⌋; 0 with no capacity.
    #[inline(always)]
    pub(super) fn prices_by_generation(&mut self) {
        let n = self.n;
        let pflops = &self.series.pflops[..n];
        let net = &self.v2.net_escalation[..n];
        let bill = &mut self.bill_price[..n];
        for (((list, &p), &net), bill) in self.list_by_use[..n]
            .iter_mut()
            .zip(pflops)
            .zip(net)
            .zip(bill)
        {
            // Branch-free so the loop vectorizes: 0 where there is no capacity.
            let l = if p > 0.0 { *list / p } else { 0.0 };
            *list = l;
            *bill = l * net;
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
