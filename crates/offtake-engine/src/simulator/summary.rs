//! MODEL.md §6–9: IRRs, effective price, DSCR, coverage, deliverability and the verdicts.

use offtake_finance::irr_monthly_end;
use offtake_model::rules::at_least;

use crate::finite::NotFinite;
use crate::{Metrics, Verdicts};

use super::{Extent, Simulator};

impl Simulator<'_> {
    /// §6–9: IRR and payback, DSCR, coverage, deliverability and the verdicts.
    #[inline(always)]
    pub(super) fn summarize(&mut self, mut m: Metrics) {
        let n = self.n;
        let c = self.contract;
        if self.extent != Extent::ProviderNpv
            && let Some(irr) = irr_monthly_end(&self.series.fcf)
        {
            m.provider_irr = Some(irr.rate);
            m.irr_multiple_roots = irr.multiple_roots;
        }
        if self.extent != Extent::ProviderNpv {
            self.sponsor_irr(&mut m);
        }
        if self.extent == Extent::Full
            && let Some(irr) = irr_monthly_end(&self.series.provider_deal_cf)
        {
            m.provider_deal_irr = Some(irr.rate);
            m.provider_deal_irr_multiple_roots = irr.multiple_roots;
        }
        // The buyer's usage before its default (§14; all of it when it does not default).
        let buyer_used = if self.credit.buyer_default < n {
            self.credit.buyer_used
        } else {
            m.total_used_pflop_hours
        };
        if buyer_used > 0.0 {
            let price = m.total_payments / buyer_used;
            m.effective_price = Some(price);
            // None with a list price of 0 (a lease billed by capacity charge alone): nothing
            // is bought at a list price to discount from (docs/model.md).
            if !self.v2.by_generation && c.pricing.list_price != 0.0 {
                m.effective_discount = Some(1.0 - price / c.pricing.list_price);
            }
        }
        if self.v2.by_generation {
            // 1 − Σ P / Σ_t Σ_k U_k·list_g (§13); none when nothing is used at a list price.
            let at_list = self.used_at_list;
            m.effective_discount = (at_list != 0.0).then(|| 1.0 - m.total_payments / at_list);
        }

        // DSCR per contract year with debt service (§6).
        let (mut min_dscr, mut sum_dscr, mut n_dscr) = (f64::INFINITY, 0.0, 0usize);
        for y in 0..n.div_ceil(12) {
            let service = self.year_service[y];
            self.dscr[y] = (service > 0.0).then(|| self.year_cfads[y] / service);
            if let Some(d) = self.dscr[y] {
                min_dscr = min_dscr.min(d);
                sum_dscr += d;
                n_dscr += 1;
            }
        }
        if n_dscr > 0 {
            m.min_dscr = Some(min_dscr);
            m.avg_dscr = Some(sum_dscr / n_dscr as f64);
        }

        // Coverage (§9): PV of zero-usage revenue over PV of capex and fixed opex.
        let costs = self.pv_capex + self.pv_fixed_opex;
        m.coverage = (costs != 0.0).then(|| self.pv_zero_usage_revenue / costs);
        // §14: the credit-adjusted coverage (= coverage without credit terms), credit loss.
        self.credit_metrics(&mut m, costs);

        // Deliverable (§9, §12).
        let n_i = n as i64;
        self.failing_tranches = 0;
        for (k, tr) in self.tranches.iter().enumerate() {
            if !self.exists[k] {
                continue;
            }
            let Some(deadline) = tr.deadline else {
                continue;
            };
            let o = self.online[k];
            let ok = o < n_i
                && o <= deadline.max(0)
                && match (tr.promised, self.first_generation[k]) {
                    (Some(promised), Some(fitted)) => fitted >= promised,
                    (Some(_), None) => false,
                    (None, _) => true,
                };
            if !ok {
                self.failing_tranches += 1;
            }
        }

        // Every figure is finite or absent (crate::finite), the present values behind coverage
        // included; a path with a figure that is not a finite number passes no money verdict.
        m.delivery_ratio = self.delivery_ratio;
        let mut not_finite = NotFinite::default();
        not_finite.metrics(&mut m);
        not_finite.value("PV of zero-usage revenue", &mut self.pv_zero_usage_revenue);
        not_finite.value("PV of capex", &mut self.pv_capex);
        not_finite.value("PV of fixed opex", &mut self.pv_fixed_opex);
        let computed = not_finite.is_clear();
        self.not_finite = not_finite;

        let t = &c.thresholds;
        self.summary.verdicts = Verdicts {
            // A non-binding deal is never contracted (§9, §13); its coverage is 0.
            // v2: on the credit-adjusted coverage (§9, §14).
            contracted: computed
                && self.v2.binding
                && m.credit_adjusted_coverage
                    .is_some_and(|cov| at_least(cov, t.coverage)),
            // Without a DSCR (no debt service in the term) only when no debt is drawn either:
            // debt drawn and never serviced within the term is not financeable (docs/model.md).
            financeable: computed
                && match m.min_dscr {
                    Some(d) => at_least(d, t.dscr),
                    None => m.debt_drawn == 0.0,
                }
                // v2: LLCR, LTV and no payment default (§15).
                && self.lender_failures(&m).iter().all(Option::is_none),
            // v2: and the delivery ratio over the term reaches the threshold (§9).
            deliverable: self.failing_tranches == 0 && at_least(m.delivery_ratio, t.delivery),
        };
        self.summary.metrics = m;
    }
}
