//! MODEL.md §4–6 and §8 over the periods: usage, power and fixed opex, billing (floors,
//! shortfall, true-up), EBITDA, yearly tax, FCF, CFADS, payback, sums and present values.

use offtake_finance::payback_months;

use crate::Metrics;

use super::arith::{dot, sum, weighted_sums};
use super::placement::Usage;
use super::{Extent, Simulator};

impl Simulator<'_> {
    /// §4–6 and §8 over the periods, in three passes: per-period quantities that need no
    /// running state ([`Self::usage_and_opex`]), then billing (floors, shortfall, true-up),
    /// EBITDA, yearly tax with losses carried forward, FCF, CFADS and payback in period order,
    /// then the sums and present values the metrics need. `DETAIL` also stores every monthly
    /// series of the outcome; either way the arithmetic is the same.
    #[inline(always)]
    pub(super) fn periods<const DETAIL: bool>(&mut self, m: &mut Metrics) {
        self.usage_of_run::<DETAIL>();
        if DETAIL {
            let usage = self.usage();
            let n = self.n;
            let (pflops, curve) = (&self.series.pflops[..n], &self.demand_curve[..n]);
            for ((requested, &p), &d) in self.series.requested_pflops[..n]
                .iter_mut()
                .zip(pflops)
                .zip(curve)
            {
                *requested = usage.requested(p, d);
            }
        }
        self.billing_and_tax::<DETAIL>(m);
        self.sums_and_present_values(m);
    }

    /// The provider NPV of the periods alone, for the break-even search (the
    /// [`Extent::ProviderNpv`] extent, after the stages before the periods): the arithmetic of
    /// [`Self::periods`] up to the FCF, then its present value, 0 when it is not a finite
    /// number (as the summary's [`crate::finite`] pass makes it). Only the FCF and what it
    /// needs are computed; the metrics of the run are not written.
    #[inline(always)]
    pub(super) fn periods_provider_npv(&mut self) -> f64 {
        debug_assert_eq!(self.extent, Extent::ProviderNpv);
        let mut m = Metrics::default();
        self.usage_of_run::<false>();
        self.billing_and_tax::<false>(&mut m);
        let npv = dot(&self.series.fcf, &self.provider_factor[..self.n]);
        if npv.is_finite() { npv } else { 0.0 }
    }

    /// [`Self::usage_and_opex`] with U(t) as the run sets it.
    #[inline(always)]
    fn usage_of_run<const DETAIL: bool>(&mut self) {
        match self.usage() {
            Usage::Pflops(factor) => {
                self.usage_and_opex::<DETAIL>(|avail, curve, hours| {
                    avail.min(curve * factor * hours)
                });
            }
            Usage::Utilization(factor) => {
                self.usage_and_opex::<DETAIL>(|avail, curve, _| (curve * factor).min(1.0) * avail);
            }
            Usage::Constant(u) => self.usage_and_opex::<DETAIL>(|avail, _, _| u * avail),
        }
    }

    /// §4–6, period by period with no running state (the compiler vectorizes it): C(t), U(t),
    /// the usage charge and the power cost, and each period as if outside the take-or-pay
    /// window: payments are the usage charges, EBITDA and FCF follow (the window's shortfalls,
    /// the true-up, the residual and tax are added by [`Self::billing_and_tax`]). The usage
    /// charge and the power cost are kept as series only at the Full extent.
    #[inline(always)]
    pub(super) fn usage_and_opex<const DETAIL: bool>(
        &mut self,
        used_of: impl Fn(f64, f64, f64) -> f64,
    ) {
        let n = self.n;
        let p = &self.contract.provider;
        let (idle, busy) = (p.idle_power, 1.0 - p.idle_power);
        let (pue, power_factor) = (p.pue, self.power_factor);
        let fixed_per_mw_month = p.fixed_opex_per_mw_year / 12.0;
        // Equal-length views let the compiler drop the bounds checks.
        let hours = &self.series.hours[..n];
        // With prices by generation the billed price of the run (§13); else p(t).
        let price = if self.v2.by_generation {
            &self.bill_price[..n]
        } else {
            &self.series.price[..n]
        };
        let power_price = &self.power_price[..n];
        let curve = &self.demand_curve[..n];
        let capacity = &self.series.capacity_mw[..n];
        let pflops = &self.series.pflops[..n];
        let capex = &self.series.capex[..n];
        let available_ph = &mut self.series.available_pflop_hours[..n];
        let used_ph = &mut self.series.used_pflop_hours[..n];
        let payments = &mut self.series.payments[..n];
        let ebitda = &mut self.series.ebitda[..n];
        let fcf = &mut self.series.fcf[..n];
        let usage_charge_out = &mut self.series.usage_charge[..n];
        let power_cost_out = &mut self.series.power_cost[..n];
        let fixed_opex_out = &mut self.series.fixed_opex[..n];
        let utilization_out = &mut self.series.utilization[..n];
        let energy_out = &mut self.series.energy_mwh[..n];
        for t in 0..n {
            let cap = capacity[t];
            let avail = pflops[t] * hours[t];
            let used = used_of(avail, curve[t], hours[t]);
            let utilization = if avail > 0.0 { used / avail } else { 0.0 };
            let energy = cap * hours[t] * pue * (idle + busy * utilization);
            let usage_charge = used * price[t];
            let power_cost = energy * power_price[t] * power_factor;
            let fixed_opex = fixed_per_mw_month * cap;
            let e = usage_charge - power_cost - fixed_opex;
            available_ph[t] = avail;
            used_ph[t] = used;
            payments[t] = usage_charge;
            ebitda[t] = e;
            fcf[t] = e - capex[t];
            if DETAIL {
                usage_charge_out[t] = usage_charge;
                power_cost_out[t] = power_cost;
                fixed_opex_out[t] = fixed_opex;
                utilization_out[t] = utilization;
                energy_out[t] = energy;
            }
        }
    }

    /// §5–6: payments (usage; in the take-or-pay window the shortfall, monthly or per year ∩
    /// window in its last period; the true-up in T−1), EBITDA, FCF (residual in T−1), then each
    /// contract year's tax on Σ (EBITDA − depreciation) with losses carried forward, CFADS per
    /// year, and payback (MODEL.md §6: `offtake_finance::payback_months` of the FCF).
    ///
    /// In passes over whole ranges rather than period by period, so the compiler vectorizes
    /// the elementwise ones: every period as if outside the window, then the window's
    /// shortfalls, the true-up, the years' tax, and the payback scan.
    #[inline(always)]
    pub(super) fn billing_and_tax<const DETAIL: bool>(&mut self, m: &mut Metrics) {
        let n = self.n;
        let p = &self.contract.provider;
        let floor_share = self.floor;
        let tax_rate = p.tax_rate;
        let residual_value = self.summary.metrics.residual_value;
        let available_ph = &self.series.available_pflop_hours[..n];
        let price = if self.v2.by_generation {
            &self.bill_price[..n]
        } else {
            &self.series.price[..n]
        };
        let factor = &self.provider_factor[..n];
        // §14: the buyer's default period (T when none): nothing it owes from d is paid
        // (reading 4), while the floors and ZR keep their contract values. The credit stage
        // needs ZR at every extent.
        let d = self.credit.buyer_default;
        let zr_series = DETAIL || self.credit.active;
        let payments = &mut self.series.payments[..n];
        let fcf = &mut self.series.fcf[..n];
        let ebitda = &mut self.series.ebitda[..n];
        for t in d..n {
            ebitda[t] -= payments[t];
            fcf[t] -= payments[t];
            payments[t] = 0.0;
            if DETAIL {
                self.series.usage_charge[t] = 0.0;
            }
        }

        // Every period is already billed as if outside the take-or-pay window
        // ([`Self::usage_and_opex`]): payments are the usage charges so far.
        if DETAIL {
            self.series.floor[..n].fill(0.0);
            self.series.shortfall[..n].fill(0.0);
            self.series.capacity_charge[..n].fill(0.0);
            self.series.true_up_annual[..n].fill(0.0);
        }
        if zr_series {
            self.series.zero_usage_revenue[..n].fill(0.0);
        }
        let yearly = !self.v2.min_annual.is_empty();
        if yearly {
            self.zero_year.fill(0.0);
            self.charge_year.fill(0.0);
        }

        // The window: F(t) = floor·C·p; monthly settlement pays S = max(0, F − B) in each
        // period, annual settlement max(0, Σ F − Σ B) in the last window period of each year.
        // Z is the zero-usage twin of the payments (§9's coverage).
        let (mut shortfall_total, mut pv_zero_usage, mut owed_idle) = (0.0, 0.0, 0.0);
        if let Some((lo, hi)) = self.floor_window {
            // Settlement groups: each window period alone (monthly), or the window's part of
            // each contract year (annual), settled in the group's last period.
            let mut first = lo;
            while first <= hi {
                let last = if self.settle_annual {
                    (12 * (first / 12) + 11).min(hi)
                } else {
                    first
                };
                let (mut floors, mut usage) = (0.0, 0.0);
                // Payments in the group are still the usage charges: the shortfall is added
                // after the loop, to the group's last period.
                for (t, charge) in (first..=last).zip(&payments[first..=last]) {
                    let floor = floor_share * available_ph[t] * price[t];
                    floors += floor;
                    usage += charge;
                    if DETAIL {
                        self.series.floor[t] = floor;
                    }
                }
                // Paid only before the buyer's default (§14).
                let shortfall = if last < d {
                    (floors - usage).max(0.0)
                } else {
                    0.0
                };
                let zero_usage = floors.max(0.0);
                shortfall_total += shortfall;
                pv_zero_usage += zero_usage * factor[last];
                owed_idle += zero_usage;
                payments[last] += shortfall;
                ebitda[last] += shortfall;
                fcf[last] += shortfall;
                if DETAIL {
                    self.series.shortfall[last] = shortfall;
                }
                if zr_series {
                    self.series.zero_usage_revenue[last] = zero_usage;
                }
                if yearly {
                    self.zero_year[last / 12] += zero_usage;
                }
                first = last + 1;
            }
        }

        // §13 capacity charge K = capacity_charge·(1+escalation)^⌊t/12⌋·capacity_mw, after the
        // floors (it does not reduce a shortfall); owed at zero usage too.
        let (mut charges_total, mut charges_owed) = (0.0, 0.0);
        if !self.v2.capacity_price.is_empty() {
            // Elementwise (vectorized) into the K series, then its sums: the total, the PV and,
            // for the yearly minimums, each contract year's.
            let capacity = &self.series.capacity_mw[..n];
            let charge_price = &self.v2.capacity_price[..n];
            let charge = &mut self.series.capacity_charge[..n];
            // The charges from the buyer's default on are owed (ZR) but not paid (§14).
            if d < n {
                for t in d..n {
                    charge[t] = charge_price[t] * capacity[t];
                }
            }
            let (paid_charge, paid_price, paid_capacity) =
                (&mut charge[..d], &charge_price[..d], &capacity[..d]);
            let (paid, paid_ebitda, paid_fcf) =
                (&mut payments[..d], &mut ebitda[..d], &mut fcf[..d]);
            for t in 0..d {
                let k = paid_price[t] * paid_capacity[t];
                paid_charge[t] = k;
                paid[t] += k;
                paid_ebitda[t] += k;
                paid_fcf[t] += k;
            }
            charges_total = sum(&charge[..d]);
            charges_owed = if d < n { sum(charge) } else { charges_total };
            pv_zero_usage += dot(charge, factor);
            if yearly {
                for (y, year_charge) in self.charge_year.iter_mut().enumerate() {
                    *year_charge = sum(&charge[12 * y..(12 * y + 12).min(n)]);
                }
            }
            if zr_series {
                for (z, &k) in self.series.zero_usage_revenue[..n].iter_mut().zip(&*charge) {
                    *z += k;
                }
            }
            if DETAIL {
                charge[d..].fill(0.0);
            }
        }
        owed_idle += charges_owed;

        // §13 yearly minimums: X_y = max(0, m_y·e_y − Σ_y (B + S + K)) in the year's last period
        // (e_y = δ_y when excused), and its zero-usage twin from Σ_y (S0 + K).
        let mut annual_total = 0.0;
        if yearly {
            for (y, minimum) in self.v2.min_annual.iter().enumerate() {
                let Some(minimum) = *minimum else { continue };
                let (lo, hi) = (12 * y, (12 * y + 11).min(n - 1));
                let owed = if self.v2.excused {
                    minimum * self.delivery_year[y]
                } else {
                    minimum
                };
                let true_up = if hi < d {
                    (owed - sum(&payments[lo..=hi])).max(0.0)
                } else {
                    0.0
                };
                let zero = (owed - (self.zero_year[y] + self.charge_year[y])).max(0.0);
                payments[hi] += true_up;
                ebitda[hi] += true_up;
                fcf[hi] += true_up;
                annual_total += true_up;
                owed_idle += zero;
                pv_zero_usage += zero * factor[hi];
                if DETAIL {
                    self.series.true_up_annual[hi] = true_up;
                }
                if zr_series {
                    self.series.zero_usage_revenue[hi] += zero;
                }
            }
        }

        // T−1: the total true-up X = max(0, M·e − Σ (B + S + K + X_y)) (e = δ when excused),
        // its zero-usage twin, the residual.
        let billed = sum(payments);
        let last = n - 1;
        let excuse = if self.v2.excused {
            self.delivery_ratio
        } else {
            1.0
        };
        let true_up = if last < d {
            self.min_total_spend
                .map_or(0.0, |m| (m * excuse - billed).max(0.0))
        } else {
            0.0
        };
        let owed = self
            .min_total_spend
            .map_or(0.0, |m| (m * excuse - owed_idle).max(0.0));
        pv_zero_usage += owed * factor[last];
        payments[last] += true_up;
        ebitda[last] += true_up;
        fcf[last] += true_up + residual_value;
        if zr_series {
            self.series.zero_usage_revenue[last] += owed;
        }
        if DETAIL {
            self.series.true_up[..n].fill(0.0);
            self.series.true_up[last] = true_up;
            self.series.tax[..n].fill(0.0);
        }
        // §13: a non-binding deal owes nothing at zero usage.
        if !self.v2.binding {
            pv_zero_usage = 0.0;
            if zr_series {
                self.series.zero_usage_revenue[..n].fill(0.0);
            }
        }
        self.pv_zero_usage_revenue = pv_zero_usage;

        // §14: backstops, and from the buyer's default the remarketing, the recovery and the
        // guarantees: provider revenue, so before tax.
        if self.credit.active {
            self.credit_support();
        } else {
            self.clear_credit_series();
        }
        let fcf = &mut self.series.fcf[..n];
        let ebitda = &mut self.series.ebitda[..n];

        // Tax per contract year on Σ (EBITDA − depreciation), losses carried forward, paid in
        // the year's last period.
        let (mut tax_total, mut losses) = (0.0, 0.0);
        for (year, months) in ebitda.chunks(12).enumerate() {
            let b = 12 * year + months.len() - 1;
            let year_ebitda = sum(months);
            let taxable = year_ebitda - self.year_depreciation[year];
            let mut tax = 0.0;
            if taxable < 0.0 {
                losses -= taxable;
            } else {
                let used_losses = losses.min(taxable);
                losses -= used_losses;
                tax = tax_rate * (taxable - used_losses);
            }
            tax_total += tax;
            self.lender.year_tax[year] = tax;
            fcf[b] -= tax;
            self.year_cfads[year] = year_ebitda - tax;
            if DETAIL {
                self.series.tax[b] = tax;
            }
        }
        if DETAIL {
            for (t, cfads) in self.series.cfads[..n].iter_mut().enumerate() {
                *cfads = ebitda[t] - self.series.tax[t];
            }
        }

        // Σ P = Σ (B + S + K + X_y) + X.
        m.total_true_up = true_up;
        m.total_payments = billed + true_up;
        m.total_shortfall = shortfall_total;
        m.total_capacity_charges = charges_total;
        m.total_true_up_annual = annual_total;
        m.idle_payments = shortfall_total + annual_total + true_up;
        m.total_tax = tax_total;
        m.residual_value = residual_value;
        // Payback (§6): the first recovery of cumulative FCF; 0 if never negative; none if
        // never recovered or NaN before a recovery.
        // Not for the break-even search, which reads the provider NPV alone.
        if self.extent != Extent::ProviderNpv {
            m.payback_months = payback_months(fcf).and_then(|t| u32::try_from(t).ok());
        }
    }

    /// The metrics' sums over the periods and present values (MODEL.md §1, §8, §9), each over
    /// interleaved accumulators (a fixed order: the same for every run and extent).
    #[inline(always)]
    pub(super) fn sums_and_present_values(&mut self, m: &mut Metrics) {
        let n = self.n;
        let c = self.contract;
        let factor = &self.provider_factor[..n];
        let buyer_factor = &self.buyer_factor[..n];
        let capacity = &self.series.capacity_mw[..n];
        let fixed_per_mw_month = c.provider.fixed_opex_per_mw_year / 12.0;
        m.total_used_pflop_hours = sum(&self.series.used_pflop_hours);
        m.provider_npv = dot(&self.series.fcf, factor);
        // Buyer cash flow U·value − P (equity is added in `equity`).
        // Valued at the list price of the generation used when no value is given (§13).
        // The buyer's own flow stops at its default d (§14: T when none).
        let d = self.credit.buyer_default;
        let (used, buyer_factor) = (&self.series.used_pflop_hours[..d], &buyer_factor[..d]);
        let used_value = if self.v2.by_generation {
            let (at_list, valued) = weighted_sums(used, &self.list_by_use[..d], buyer_factor);
            self.used_at_list = at_list;
            if c.buyer.value_given {
                c.buyer.value_per_pflop_hour * dot(used, buyer_factor)
            } else {
                valued
            }
        } else {
            c.buyer.value_per_pflop_hour * dot(used, buyer_factor)
        };
        self.credit.buyer_used = if d < n { sum(used) } else { 0.0 };
        m.buyer_npv = used_value - dot(&self.series.payments[..d], buyer_factor);
        self.pv_fixed_opex = fixed_per_mw_month * self.pv_capacity;
        m.capacity_mw_at_end = capacity[n - 1];
        if self.extent == Extent::Full {
            // Figures no Monte Carlo output uses.
            m.total_usage_charges = sum(&self.series.usage_charge);
            m.total_power_cost = sum(&self.series.power_cost);
            m.total_fixed_opex = fixed_per_mw_month * sum(capacity);
            m.total_available_pflop_hours = sum(&self.series.available_pflop_hours);
            m.peak_capacity_mw = capacity.iter().fold(0.0, |a, &b| b.max(a));
            m.average_utilization = (m.total_available_pflop_hours > 0.0)
                .then(|| m.total_used_pflop_hours / m.total_available_pflop_hours);
        }
    }
}
