//! `[provider]`, `[financing]`, `[buyer]` and `[thresholds]`: costs, debt and hurdles.

use super::{Ctx, opt_or};
use crate::calendar::months_from_years;
use crate::contract::{Credit, Financing, Market, Provider, Sizing};
use crate::error::Problem;
use crate::reader::{Bound, Table, Value};

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
pub(super) const FINANCING_KEYS: &[&str] = &[
    "debt_share",
    "interest_rate",
    "tenor_years",
    "sizing",
    "target_dscr",
    "max_gearing",
    "dsra_months",
    "equity_discount_rate",
];
pub(super) const BUYER_KEYS: &[&str] = &[
    "discount_rate",
    "value_per_pflop_hour",
    "credit",
    "remarket",
];
pub(super) const THRESHOLDS_KEYS: &[&str] =
    &["coverage", "dscr", "hurdle", "delivery", "llcr", "ltv"];
pub(super) const MARKET_KEYS: &[&str] = &["chip_resale"];

/// `[financing]` as read: the loan, and `target_dscr` when given (a sculpted loan without it
/// takes `[thresholds] dscr`, known once `[thresholds]` is read).
pub(super) struct FinancingRead {
    pub financing: Financing,
    pub target_dscr: Option<f64>,
}

/// `[buyer]` as read: each key when given and valid.
#[derive(Default)]
pub(super) struct BuyerRead {
    pub discount_rate: Option<f64>,
    pub value_per_pflop_hour: Option<f64>,
    pub credit: Option<Credit>,
    pub remarket: Option<f64>,
}

/// `[thresholds]` as read: each key when given and valid.
#[derive(Default)]
pub(super) struct ThresholdsRead {
    pub coverage: Option<f64>,
    pub dscr: Option<f64>,
    pub hurdle: Option<f64>,
    pub delivery: Option<f64>,
    pub llcr: Option<f64>,
    pub ltv: Option<f64>,
}

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

    pub(super) fn financing(&mut self, t: &Table<'_, '_>) -> Option<FinancingRead> {
        self.r.check_keys(t, FINANCING_KEYS);
        let sculpted = match self.r.str(t, "sizing", false) {
            None | Some("share") => Some(false),
            Some("sculpted") => Some(true),
            Some(other) => {
                self.r.error_help(
                    Problem::UnknownSizing {
                        value: other.into(),
                    },
                    t.get("sizing").map(|v| v.span()).unwrap_or(t.span()),
                    t.field("sizing"),
                    "sizing is \"share\" (default: `debt_share` of each capex amount) or \"sculpted\" (service sculpted to `target_dscr`, capped at `max_gearing`)",
                );
                None
            }
        };
        // With an unknown sizing, each key is read without the checks that depend on it.
        let debt_share = match sculpted {
            Some(true) => {
                if let Some(v) = t.get("debt_share") {
                    self.r.error_help(
                        Problem::KeyNotForSizing {
                            key: "debt_share",
                            sizing: "sculpted",
                        },
                        key_span(t, "debt_share").unwrap_or_else(|| v.span()),
                        t.field("debt_share"),
                        "a sculpted loan is sized by `target_dscr` and `max_gearing`; remove `debt_share` or use sizing = \"share\"",
                    );
                }
                Some(0.0)
            }
            Some(false) => self.r.bounded(t, "debt_share", true, Bound::Fraction),
            None => self.r.bounded(t, "debt_share", false, Bound::Fraction),
        };
        if sculpted == Some(false) {
            for key in ["target_dscr", "max_gearing"] {
                if let Some(v) = t.get(key) {
                    self.r.error_help(
                        Problem::KeyNotForSizing {
                            key,
                            sizing: "share",
                        },
                        key_span(t, key).unwrap_or_else(|| v.span()),
                        t.field(key),
                        "add sizing = \"sculpted\" to size the loan by DSCR, or remove the key",
                    );
                }
            }
        }
        let target_dscr = if sculpted == Some(false) {
            None
        } else {
            self.r.bounded(t, "target_dscr", false, Bound::Positive)
        };
        let target_ok = target_dscr.is_some() || t.get("target_dscr").is_none();
        let max_gearing = if sculpted == Some(false) {
            Some(0.8)
        } else {
            opt_or(
                self.r.bounded(t, "max_gearing", false, Bound::Fraction),
                t,
                "max_gearing",
                0.8,
            )
        };
        let interest_rate = self.r.bounded(t, "interest_rate", true, Bound::NonNegative);
        let tenor_months = self
            .r
            .bounded(t, "tenor_years", true, Bound::Years)
            .and_then(|y| u32::try_from(months_from_years(y)).ok());
        let dsra_months = if t.get("dsra_months").is_some() {
            self.r.months(t, "dsra_months")
        } else {
            Some(0)
        };
        let equity_discount_rate =
            self.r
                .bounded(t, "equity_discount_rate", false, Bound::AboveMinusOne);
        let edr_ok = equity_discount_rate.is_some() || t.get("equity_discount_rate").is_none();
        let sizing = match sculpted? {
            false => Sizing::Share,
            // The target is filled in once `[thresholds]` is read.
            true => Sizing::Sculpted {
                target_dscr: target_dscr.unwrap_or(0.0),
                max_gearing: max_gearing?,
            },
        };
        if !target_ok || !edr_ok {
            return None;
        }
        Some(FinancingRead {
            financing: Financing {
                debt_share: debt_share?,
                interest_rate: interest_rate?,
                tenor_months: tenor_months?,
                sizing,
                dsra_months: dsra_months?,
                equity_discount_rate,
            },
            target_dscr,
        })
    }

    pub(super) fn buyer(&mut self, t: &Table<'_, '_>) -> Option<BuyerRead> {
        self.r.check_keys(t, BUYER_KEYS);
        let discount_rate = self
            .r
            .bounded(t, "discount_rate", false, Bound::AboveMinusOne);
        let value_per_pflop_hour =
            self.r
                .bounded(t, "value_per_pflop_hour", false, Bound::NonNegative);
        let credit = self.credit_of(t);
        let remarket = self.r.bounded(t, "remarket", false, Bound::Fraction);
        let ok = [
            ("discount_rate", discount_rate.is_some()),
            ("value_per_pflop_hour", value_per_pflop_hour.is_some()),
            ("remarket", remarket.is_some()),
        ]
        .iter()
        .all(|(k, read)| *read || t.get(k).is_none());
        if !ok || credit.is_none() {
            return None;
        }
        Some(BuyerRead {
            discount_rate,
            value_per_pflop_hour,
            credit: credit.flatten(),
            remarket,
        })
    }

    pub(super) fn thresholds(&mut self, t: &Table<'_, '_>) -> ThresholdsRead {
        self.r.check_keys(t, THRESHOLDS_KEYS);
        ThresholdsRead {
            coverage: self.r.bounded(t, "coverage", false, Bound::NonNegative),
            dscr: self.r.bounded(t, "dscr", false, Bound::NonNegative),
            hurdle: self.r.bounded(t, "hurdle", false, Bound::AboveMinusOne),
            delivery: self.r.bounded(t, "delivery", false, Bound::Fraction),
            llcr: self.r.bounded(t, "llcr", false, Bound::NonNegative),
            ltv: self.r.bounded(t, "ltv", false, Bound::NonNegative),
        }
    }

    /// `[market]` (MODEL.md §15): `chip_resale = [[age_years, fraction], …]`, ages ≥ 0 strictly
    /// increasing, fractions ≥ 0, at least one point. Each number is an input
    /// `market.chip_resale[i]` (a number or a provenance table).
    pub(super) fn market(&mut self, t: &Table<'_, '_>) -> Option<Market> {
        self.r.check_keys(t, MARKET_KEYS);
        let path = "market.chip_resale";
        let Some(v) = t.get("chip_resale") else {
            self.r.error_help(
                Problem::MissingKey {
                    key: "chip_resale".into(),
                    table: "[market]".into(),
                },
                t.span(),
                path,
                "e.g. chip_resale = [[0, 1.0], [3, 0.4], [6, 0.1]] (age in years, fraction of capex)",
            );
            return None;
        };
        let items = self
            .r
            .array(v, path, "an array of [age_years, fraction] points")?;
        if items.is_empty() {
            self.r.error(Problem::EmptyCurve, v.span(), path);
            return None;
        }
        let mut points: Vec<(f64, f64)> = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let field = crate::reader::indexed(path, i);
            let Some(pair) = self.r.pair(item, &field, Problem::BadResalePoint) else {
                ok = false;
                continue;
            };
            let age = self.resale_number(&pair[0], &field, "age", "age_years");
            let fraction = self.resale_number(&pair[1], &field, "fraction", "fraction");
            match (age, fraction) {
                (Some((age, span)), Some((fraction, _))) => {
                    if let Some(&(previous, _)) = points.last()
                        && age <= previous
                    {
                        self.r.error_help(
                            Problem::ResaleNotIncreasing { age, previous },
                            span,
                            field,
                            "give each age once, in increasing order",
                        );
                        ok = false;
                        continue;
                    }
                    points.push((age, fraction));
                }
                _ => ok = false,
            }
        }
        ok.then_some(Market {
            chip_resale: points,
        })
    }
}

impl Ctx<'_> {
    /// One number of a resale point: ≥ 0 (MODEL.md §12), then its plausible range.
    fn resale_number(
        &mut self,
        v: &Value<'_>,
        field: &str,
        what: &'static str,
        key: &str,
    ) -> Option<(f64, std::ops::Range<usize>)> {
        let num = self.r.number_full(v, field)?;
        // Written out only for a problem.
        let what = || format!("a resale {what}");
        self.r.check_num(num, field, |value| {
            if value < 0.0 {
                Some((
                    Problem::OutOfRange {
                        what: what(),
                        bound: Bound::NonNegative.describe(),
                        value,
                    },
                    None,
                ))
            } else {
                crate::ranges::plausible(crate::ranges::RESALE, key)
                    .and_then(|p| p.problem(what, value))
            }
        })
    }
}

/// The span of `key` itself (not its value) in `t`.
pub(super) fn key_span(t: &Table<'_, '_>, key: &str) -> Option<std::ops::Range<usize>> {
    t.map
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(k, _)| k.span())
}
