//! `[provider]`, `[financing]`, `[buyer]` and `[thresholds]`: costs, debt and hurdles.

use super::{Ctx, opt_or};
use crate::calendar::months_from_years;
use crate::contract::{Financing, Provider};
use crate::error::Problem;
use crate::reader::{Bound, Table};

pub(super) const PROVIDER_KEYS: &[&str] = &[
    "facility_capex_per_mw",
    "facility_life_years",
    "power_price",
    "power_escalation",
    "pue",
    "idle_power",
    "fixed_opex_per_mw_year",
    "tax_rate",
    "discount_rate",
    "residual_fraction",
    "exit_multiple",
    "min_refresh_months",
];
pub(super) const FINANCING_KEYS: &[&str] = &["debt_share", "interest_rate", "tenor_years"];
pub(super) const BUYER_KEYS: &[&str] = &["discount_rate", "value_per_pflop_hour"];
pub(super) const THRESHOLDS_KEYS: &[&str] = &["coverage", "dscr", "hurdle", "delivery"];

impl Ctx<'_> {
    pub(super) fn provider(&mut self, t: &Table<'_, '_>) -> Option<Provider> {
        self.r.check_keys(t, PROVIDER_KEYS);
        let facility_capex_per_mw =
            self.r
                .bounded(t, "facility_capex_per_mw", true, Bound::NonNegative);
        let facility_life_months = self
            .r
            .bounded(t, "facility_life_years", true, Bound::Years)
            .and_then(|y| u32::try_from(months_from_years(y)).ok());
        let power_price = self.r.bounded(t, "power_price", true, Bound::NonNegative);
        let power_escalation = opt_or(
            self.r
                .bounded(t, "power_escalation", false, Bound::AboveMinusOne),
            t,
            "power_escalation",
            0.0,
        );
        let pue = self
            .r
            .checked(t, "pue", true, |x| {
                (x < 1.0).then_some((
                    Problem::PueBelowOne { value: x },
                    Some("PUE is facility power over IT power; 1.0 means no overhead"),
                ))
            })
            .map(|(x, _)| x);
        let idle_power = opt_or(
            self.r.bounded(t, "idle_power", false, Bound::Fraction),
            t,
            "idle_power",
            0.3,
        );
        let fixed_opex = self
            .r
            .bounded(t, "fixed_opex_per_mw_year", true, Bound::NonNegative);
        let tax_rate = self.r.bounded(t, "tax_rate", true, Bound::Fraction);
        let discount_rate = self
            .r
            .bounded(t, "discount_rate", true, Bound::AboveMinusOne);
        let residual = opt_or(
            self.r
                .bounded(t, "residual_fraction", false, Bound::Fraction),
            t,
            "residual_fraction",
            0.0,
        );
        let exit = opt_or(
            self.r
                .bounded(t, "exit_multiple", false, Bound::NonNegative),
            t,
            "exit_multiple",
            1.0,
        );
        let refresh = if t.get("min_refresh_months").is_some() {
            self.r.months(t, "min_refresh_months")
        } else {
            Some(24)
        };
        Some(Provider {
            facility_capex_per_mw: facility_capex_per_mw?,
            facility_life_months: facility_life_months?,
            power_price: power_price?,
            power_escalation: power_escalation?,
            pue: pue?,
            idle_power: idle_power?,
            fixed_opex_per_mw_year: fixed_opex?,
            tax_rate: tax_rate?,
            discount_rate: discount_rate?,
            residual_fraction: residual?,
            exit_multiple: exit?,
            min_refresh_months: refresh?,
        })
    }

    pub(super) fn financing(&mut self, t: &Table<'_, '_>) -> Option<Financing> {
        self.r.check_keys(t, FINANCING_KEYS);
        let debt_share = self.r.bounded(t, "debt_share", true, Bound::Fraction);
        let interest_rate = self.r.bounded(t, "interest_rate", true, Bound::NonNegative);
        let tenor_months = self
            .r
            .bounded(t, "tenor_years", true, Bound::Years)
            .and_then(|y| u32::try_from(months_from_years(y)).ok());
        Some(Financing {
            debt_share: debt_share?,
            interest_rate: interest_rate?,
            tenor_months: tenor_months?,
            sizing: crate::contract::Sizing::Share,
            dsra_months: 0,
            equity_discount_rate: None,
        })
    }

    pub(super) fn buyer(&mut self, t: &Table<'_, '_>) -> (Option<f64>, Option<f64>) {
        self.r.check_keys(t, BUYER_KEYS);
        (
            self.r
                .bounded(t, "discount_rate", false, Bound::AboveMinusOne),
            self.r
                .bounded(t, "value_per_pflop_hour", false, Bound::NonNegative),
        )
    }

    pub(super) fn thresholds(
        &mut self,
        t: &Table<'_, '_>,
    ) -> (Option<f64>, Option<f64>, Option<f64>, Option<f64>) {
        self.r.check_keys(t, THRESHOLDS_KEYS);
        (
            self.r.bounded(t, "coverage", false, Bound::NonNegative),
            self.r.bounded(t, "dscr", false, Bound::NonNegative),
            self.r.bounded(t, "hurdle", false, Bound::AboveMinusOne),
            self.r.bounded(t, "delivery", false, Bound::Fraction),
        )
    }
}
