//! "Every figure is finite or absent": the one pass every figure leaving the engine goes
//! through (issue 14; docs/model.md, "Figures that cannot be computed").
//!
//! Inputs far outside any real deal (a capex of 1e308 per MW, an interest rate of 1e10) make
//! f64 arithmetic overflow: a sum becomes ±∞, a difference of two infinities NaN. No such value
//! leaves the engine. An optional figure that is not a finite number becomes absent (`None`); a
//! figure that always exists (a sum, an NPV, a monthly value) becomes 0. Either way the run
//! notes the first such figure and how many there were: the path's figures cannot be computed,
//! so contracted and financeable fail (`Simulator`'s verdicts) and the outcome says why
//! ([`crate::Outcome::not_computed`] and the verdict notes).
//!
//! The structs are destructured field by field (no `..`), so a figure added to them later does
//! not compile until it is listed here.

use crate::{AnnualRow, Legibility, LenderView, Metrics, Schedule};

/// The figures of one run that were not finite numbers: the first one's name and how many
/// (a series counts once however many of its values were replaced).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct NotFinite {
    pub(crate) first: Option<&'static str>,
    pub(crate) count: usize,
    last: Option<&'static str>,
}

impl NotFinite {
    /// Nothing was replaced: every figure was a finite number.
    pub(crate) fn is_clear(&self) -> bool {
        self.count == 0
    }

    fn note(&mut self, name: &'static str) {
        self.first.get_or_insert(name);
        if self.last != Some(name) {
            self.count += 1;
            self.last = Some(name);
        }
    }

    /// A figure that always exists: 0 when it is not a finite number.
    #[inline]
    pub(crate) fn value(&mut self, name: &'static str, x: &mut f64) {
        if !x.is_finite() {
            *x = 0.0;
            self.note(name);
        }
    }

    /// An optional figure: absent when it is not a finite number.
    #[inline]
    pub(crate) fn option(&mut self, name: &'static str, x: &mut Option<f64>) {
        if x.is_some_and(|v| !v.is_finite()) {
            *x = None;
            self.note(name);
        }
    }

    /// A monthly series: each value that is not a finite number becomes 0.
    pub(crate) fn series(&mut self, name: &'static str, xs: &mut [f64]) {
        // Every value is finite on any ordinary run: one pass without a branch per value (the
        // compiler vectorizes it) says so before the value-by-value one.
        if xs.iter().fold(true, |all, x| all & x.is_finite()) {
            return;
        }
        for x in xs {
            self.value(name, x);
        }
    }

    /// Why the run's figures cannot all be computed, in words; none when they can.
    pub(crate) fn reason(&self) -> Option<String> {
        let first = self.first?;
        let others = match self.count {
            0 | 1 => String::new(),
            2 => " and 1 other figure".to_string(),
            n => format!(" and {} other figures", n - 1),
        };
        Some(format!(
            "{first}{others} cannot be computed (not a finite number: an input far outside any \
             real deal overflows the arithmetic)"
        ))
    }

    /// Every metric of the kernel's summary.
    pub(crate) fn metrics(&mut self, m: &mut Metrics) {
        let Metrics {
            provider_npv,
            provider_irr,
            irr_multiple_roots: _,
            payback_months: _,
            min_dscr,
            avg_dscr,
            debt_outstanding_at_end,
            debt_drawn,
            provider_deal_npv,
            provider_deal_irr,
            provider_deal_irr_multiple_roots: _,
            buyer_npv,
            effective_price,
            effective_discount,
            idle_payments,
            total_payments,
            total_usage_charges,
            total_shortfall,
            total_true_up,
            total_capex,
            total_power_cost,
            total_fixed_opex,
            total_tax,
            residual_value,
            total_available_pflop_hours,
            total_used_pflop_hours,
            average_utilization,
            peak_capacity_mw,
            capacity_mw_at_end,
            coverage,
            circularity,
            equity_paid_total,
            delivery_ratio,
            total_capacity_charges,
            total_true_up_annual,
            equity_handback,
            buyer_pd_term,
            credit_adjusted_coverage,
            expected_credit_loss,
            llcr,
            gearing,
            max_ltv,
            sponsor_npv,
            sponsor_irr,
            payment_default: _,
        } = m;
        for (name, x) in [
            ("provider NPV", provider_npv),
            ("debt outstanding at end", debt_outstanding_at_end),
            ("debt drawn", debt_drawn),
            ("provider deal NPV", provider_deal_npv),
            ("buyer NPV", buyer_npv),
            ("idle payments", idle_payments),
            ("total payments", total_payments),
            ("total usage charges", total_usage_charges),
            ("total shortfall", total_shortfall),
            ("total true-up", total_true_up),
            ("total capex", total_capex),
            ("total power cost", total_power_cost),
            ("total fixed opex", total_fixed_opex),
            ("total tax", total_tax),
            ("residual value", residual_value),
            ("total available PFLOP-hours", total_available_pflop_hours),
            ("total used PFLOP-hours", total_used_pflop_hours),
            ("peak capacity", peak_capacity_mw),
            ("capacity at end", capacity_mw_at_end),
            ("equity paid", equity_paid_total),
            ("delivery ratio", delivery_ratio),
            ("total capacity charges", total_capacity_charges),
            ("total yearly true-ups", total_true_up_annual),
            ("equity handed back", equity_handback),
            ("buyer probability of default", buyer_pd_term),
            ("expected credit loss", expected_credit_loss),
            ("sponsor NPV", sponsor_npv),
        ] {
            self.value(name, x);
        }
        for (name, x) in [
            ("provider IRR", provider_irr),
            ("minimum DSCR", min_dscr),
            ("average DSCR", avg_dscr),
            ("provider deal IRR", provider_deal_irr),
            ("effective price", effective_price),
            ("effective discount", effective_discount),
            ("average utilization", average_utilization),
            ("coverage", coverage),
            ("circularity", circularity),
            ("credit-adjusted coverage", credit_adjusted_coverage),
            ("LLCR", llcr),
            ("gearing", gearing),
            ("maximum LTV", max_ltv),
            ("sponsor IRR", sponsor_irr),
        ] {
            self.option(name, x);
        }
    }

    /// Every monthly series of the outcome.
    pub(crate) fn schedule(&mut self, s: &mut Schedule) {
        let Schedule {
            months: _,
            hours,
            capacity_mw,
            pflops,
            requested_pflops,
            available_pflop_hours,
            used_pflop_hours,
            utilization,
            price,
            usage_charge,
            floor,
            shortfall,
            true_up,
            payments,
            energy_mwh,
            power_cost,
            fixed_opex,
            ebitda,
            capex,
            depreciation,
            tax,
            residual,
            fcf,
            cfads,
            debt_draw,
            debt_service,
            equity_paid,
            provider_deal_cf,
            buyer_cf,
            zero_usage_revenue,
            capacity_charge,
            true_up_annual,
            promised_capacity_mw,
            guarantee,
            backstop,
            recovery,
            remarket,
            debt_balance,
            sponsor_cf,
            reserve,
            market_value,
            ltv,
            tranche_ids: _,
            tranche_capacity_mw,
            tranche_pflops,
        } = s;
        for (name, xs) in [
            ("hours", hours),
            ("capacity", capacity_mw),
            ("PFLOP/s", pflops),
            ("requested PFLOP/s", requested_pflops),
            ("available PFLOP-hours", available_pflop_hours),
            ("used PFLOP-hours", used_pflop_hours),
            ("utilization", utilization),
            ("price", price),
            ("usage charge", usage_charge),
            ("floor", floor),
            ("shortfall", shortfall),
            ("true-up", true_up),
            ("payments", payments),
            ("energy", energy_mwh),
            ("power cost", power_cost),
            ("fixed opex", fixed_opex),
            ("EBITDA", ebitda),
            ("capex", capex),
            ("depreciation", depreciation),
            ("tax", tax),
            ("residual", residual),
            ("FCF", fcf),
            ("CFADS", cfads),
            ("debt draw", debt_draw),
            ("debt service", debt_service),
            ("equity paid", equity_paid),
            ("provider deal cash flow", provider_deal_cf),
            ("buyer cash flow", buyer_cf),
            ("zero-usage revenue", zero_usage_revenue),
            ("capacity charge", capacity_charge),
            ("yearly true-up", true_up_annual),
            ("promised capacity", promised_capacity_mw),
            ("guarantee payments", guarantee),
            ("backstop payments", backstop),
            ("recovery", recovery),
            ("remarketing revenue", remarket),
            ("debt balance", debt_balance),
            ("sponsor cash flow", sponsor_cf),
            ("reserve", reserve),
        ] {
            self.series(name, xs);
        }
        if let Some(xs) = market_value {
            self.series("market value", xs);
        }
        if let Some(xs) = ltv {
            for x in xs {
                self.option("LTV", x);
            }
        }
        for row in tranche_capacity_mw {
            self.series("tranche capacity", row);
        }
        for row in tranche_pflops {
            self.series("tranche PFLOP/s", row);
        }
    }

    /// Every figure of a contract year.
    pub(crate) fn annual_row(&mut self, r: &mut AnnualRow) {
        let AnnualRow {
            year: _,
            first_period: _,
            last_period: _,
            capacity_mw,
            available_pflop_hours,
            used_pflop_hours,
            utilization,
            usage_charge,
            shortfall,
            capacity_charge,
            true_up_annual,
            true_up,
            payments,
            power_cost,
            fixed_opex,
            ebitda,
            capex,
            depreciation,
            tax,
            fcf,
            cfads,
            debt_service,
            dscr,
            delivery_ratio,
            credit_support,
            debt_balance,
            ltv,
        } = r;
        for (name, x) in [
            ("yearly capacity", capacity_mw),
            ("yearly available PFLOP-hours", available_pflop_hours),
            ("yearly used PFLOP-hours", used_pflop_hours),
            ("yearly utilization", utilization),
            ("yearly usage charge", usage_charge),
            ("yearly shortfall", shortfall),
            ("yearly capacity charge", capacity_charge),
            ("yearly true-ups (annual)", true_up_annual),
            ("yearly true-up", true_up),
            ("yearly payments", payments),
            ("yearly power cost", power_cost),
            ("yearly fixed opex", fixed_opex),
            ("yearly EBITDA", ebitda),
            ("yearly capex", capex),
            ("yearly depreciation", depreciation),
            ("yearly tax", tax),
            ("yearly FCF", fcf),
            ("yearly CFADS", cfads),
            ("yearly debt service", debt_service),
            ("yearly delivery ratio", delivery_ratio),
            ("yearly credit support", credit_support),
            ("yearly debt balance", debt_balance),
        ] {
            self.value(name, x);
        }
        self.option("yearly DSCR", dscr);
        self.option("yearly LTV", ltv);
    }

    /// The lender's view (MODEL.md §15): its amounts 0, its optional figures absent, when they
    /// are not finite numbers.
    pub(crate) fn lender(&mut self, l: &mut LenderView) {
        self.value("lender's opening balance", &mut l.balance_at_start);
        self.value("reserve funded", &mut l.reserve_funded);
        self.value("reserve used", &mut l.reserve_used);
        self.value("reserve released", &mut l.reserve_released);
        self.option("capex grown to repayment start", &mut l.capex_grown);
        self.option("debt capacity", &mut l.debt_capacity);
        self.option("gearing target", &mut l.gearing_target);
    }

    /// The legibility figures.
    pub(crate) fn legibility(&mut self, l: &mut Legibility) {
        let Legibility {
            committed_spend,
            mw_years,
            committed_spend_per_mw_year,
            payments_per_mw_year,
            break_even_utilization,
            floor_capex_coverage,
        } = l;
        self.value("committed spend", committed_spend);
        self.value("MW-years", mw_years);
        for (name, x) in [
            ("committed spend per MW-year", committed_spend_per_mw_year),
            ("payments per MW-year", payments_per_mw_year),
            ("break-even utilization", break_even_utilization),
            ("floor capex coverage", floor_capex_coverage),
        ] {
            self.option(name, x);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_figures_become_zero_or_absent_and_are_counted() {
        let mut m = Metrics {
            provider_npv: f64::NEG_INFINITY,
            total_capex: f64::INFINITY,
            coverage: Some(f64::NAN),
            min_dscr: Some(1.5),
            buyer_npv: 3.0,
            ..Metrics::default()
        };
        let mut seen = NotFinite::default();
        seen.metrics(&mut m);
        assert_eq!(
            (m.provider_npv, m.total_capex, m.buyer_npv),
            (0.0, 0.0, 3.0)
        );
        assert_eq!((m.coverage, m.min_dscr), (None, Some(1.5)));
        assert_eq!(seen.count, 3);
        assert_eq!(seen.first, Some("provider NPV"));
        let reason = seen.reason().unwrap();
        assert!(reason.starts_with("provider NPV and 2 other figures cannot be computed"));

        let mut clean = NotFinite::default();
        clean.metrics(&mut Metrics::default());
        assert!(clean.is_clear() && clean.reason().is_none());
    }

    #[test]
    fn a_lender_view_that_is_not_finite_becomes_zero_or_absent() {
        let mut l = LenderView {
            sizing: "sculpted".to_string(),
            repayment_start: 3,
            window: Some((3, 10)),
            capex_grown: Some(f64::INFINITY),
            debt_capacity: Some(2.0),
            gearing_target: Some(f64::NAN),
            bound: None,
            balance_at_start: f64::NAN,
            reserve_funded: 1.0,
            reserve_used: f64::NEG_INFINITY,
            reserve_released: 0.5,
            payment_default_period: None,
        };
        let mut seen = NotFinite::default();
        seen.lender(&mut l);
        assert_eq!((l.balance_at_start, l.reserve_used), (0.0, 0.0));
        assert_eq!((l.reserve_funded, l.reserve_released), (1.0, 0.5));
        assert_eq!(
            (l.capex_grown, l.debt_capacity, l.gearing_target),
            (None, Some(2.0), None)
        );
        assert_eq!(
            (seen.first, seen.count),
            (Some("lender's opening balance"), 4)
        );
    }

    #[test]
    fn a_series_has_each_value_that_is_not_finite_replaced_wherever_it_is() {
        for len in [0, 1, 3, 4, 5, 8, 13, 120] {
            for at in 0..len {
                for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
                    let mut xs: Vec<f64> = (0..len).map(|i| i as f64 - 2.5).collect();
                    xs[at] = bad;
                    let mut seen = NotFinite::default();
                    seen.series("s", &mut xs);
                    assert_eq!(xs[at].to_bits(), 0.0f64.to_bits(), "len {len} at {at}");
                    assert!(xs.iter().all(|x| x.is_finite()));
                    assert_eq!((seen.first, seen.count), (Some("s"), 1));
                }
            }
            let mut xs: Vec<f64> = (0..len).map(|i| f64::MAX - i as f64).collect();
            let before = xs.clone();
            let mut seen = NotFinite::default();
            seen.series("s", &mut xs);
            assert!(seen.is_clear() && xs == before);
        }
    }
}
