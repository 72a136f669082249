//! The catalogue of reported series: each monthly and annual column with its name and unit, in
//! one place so the terminal, JSON and CSV views (and docs/output.md) agree on names and order.

use offtake_engine::{AnnualRow, Schedule};
use serde::{Serialize, Serializer};

/// One monthly series of the engine's [`Schedule`], named as in JSON and CSV.
#[derive(Debug, Clone, Copy)]
pub struct MonthlySeries<'a> {
    pub name: &'static str,
    pub unit: &'static str,
    pub values: Values<'a>,
}

/// The values of a monthly series: a number per period, a number or none per period, or no
/// series at all for this deal (market value without `chip_resale`). JSON writes an absent
/// element or series as `null`, CSV as empty fields, XLSX as blank cells.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Values<'a> {
    /// One number per period.
    Numbers(&'a [f64]),
    /// One number per period, or none where it does not exist (LTV where MV ≤ 0).
    Gaps(&'a [Option<f64>]),
    /// The series does not exist for this run.
    Absent,
}

impl<'a> Values<'a> {
    /// The value in period `t`; none when absent there or out of range.
    pub fn get(&self, t: usize) -> Option<f64> {
        match self {
            Values::Numbers(xs) => xs.get(t).copied(),
            Values::Gaps(xs) => xs.get(t).copied().flatten(),
            Values::Absent => None,
        }
    }

    /// The numbers, when the series has one in every period.
    pub fn numbers(&self) -> Option<&'a [f64]> {
        match self {
            Values::Numbers(xs) => Some(xs),
            _ => None,
        }
    }

    /// Periods held (0 when absent).
    pub fn len(&self) -> usize {
        match self {
            Values::Numbers(xs) => xs.len(),
            Values::Gaps(xs) => xs.len(),
            Values::Absent => 0,
        }
    }

    /// True when no period is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Σ over the periods that hold a number.
    pub fn sum(&self) -> f64 {
        (0..self.len()).filter_map(|t| self.get(t)).sum()
    }

    /// The last period's value.
    pub fn last(&self) -> Option<f64> {
        self.len().checked_sub(1).and_then(|t| self.get(t))
    }
}

impl Serialize for Values<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Values::Numbers(xs) => xs.serialize(serializer),
            Values::Gaps(xs) => xs.serialize(serializer),
            Values::Absent => serializer.serialize_none(),
        }
    }
}

/// Every monthly series, in report order (MODEL.md §3–8 order: capacity, usage, billing,
/// costs, cash, financing, the two parties' flows), then MODEL v2's: commitments (§13), credit
/// (§14) and the lender's view (§15). New series are appended, so columns keep their places.
pub fn monthly_series(s: &Schedule) -> Vec<MonthlySeries<'_>> {
    fn m<'a>(name: &'static str, unit: &'static str, values: &'a [f64]) -> MonthlySeries<'a> {
        MonthlySeries {
            name,
            unit,
            values: Values::Numbers(values),
        }
    }
    let market_value = s
        .market_value
        .as_deref()
        .map_or(Values::Absent, Values::Numbers);
    let ltv = s.ltv.as_deref().map_or(Values::Absent, Values::Gaps);
    vec![
        m("hours", "hours", &s.hours),
        m("capacity_mw", "MW", &s.capacity_mw),
        m("pflops", "PFLOP/s", &s.pflops),
        m(
            "available_pflop_hours",
            "PFLOP-hours",
            &s.available_pflop_hours,
        ),
        m("used_pflop_hours", "PFLOP-hours", &s.used_pflop_hours),
        m("utilization", "fraction", &s.utilization),
        m("price", "USD/PFLOP-hour", &s.price),
        m("usage_charge", "USD", &s.usage_charge),
        m("floor", "USD", &s.floor),
        m("shortfall", "USD", &s.shortfall),
        m("capacity_charge", "USD", &s.capacity_charge),
        m("true_up_annual", "USD", &s.true_up_annual),
        m("true_up", "USD", &s.true_up),
        m("payments", "USD", &s.payments),
        m("energy_mwh", "MWh", &s.energy_mwh),
        m("power_cost", "USD", &s.power_cost),
        m("fixed_opex", "USD", &s.fixed_opex),
        m("ebitda", "USD", &s.ebitda),
        m("capex", "USD", &s.capex),
        m("depreciation", "USD", &s.depreciation),
        m("tax", "USD", &s.tax),
        m("residual", "USD", &s.residual),
        m("fcf", "USD", &s.fcf),
        m("cfads", "USD", &s.cfads),
        m("debt_draw", "USD", &s.debt_draw),
        m("debt_service", "USD", &s.debt_service),
        m("equity_paid", "USD", &s.equity_paid),
        m("provider_deal_cf", "USD", &s.provider_deal_cf),
        m("buyer_cf", "USD", &s.buyer_cf),
        m("zero_usage_revenue", "USD", &s.zero_usage_revenue),
        m("promised_capacity_mw", "MW", &s.promised_capacity_mw),
        m("guarantee", "USD", &s.guarantee),
        m("backstop", "USD", &s.backstop),
        m("recovery", "USD", &s.recovery),
        m("remarket", "USD", &s.remarket),
        m("draws", "USD", &s.debt_draw),
        m("debt_balance", "USD", &s.debt_balance),
        m("sponsor_cf", "USD", &s.sponsor_cf),
        m("reserve", "USD", &s.reserve),
        MonthlySeries {
            name: "market_value",
            unit: "USD",
            values: market_value,
        },
        MonthlySeries {
            name: "ltv",
            unit: "multiple",
            values: ltv,
        },
    ]
}

/// How an annual column relates to the monthly series of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    /// Σ of the monthly series over the year.
    Sum,
    /// The monthly value at the year's last period.
    Last,
    /// A ratio of two sums (utilization = Σ U / Σ C; DSCR = Σ CFADS / Σ debt service).
    Ratio,
    /// Σ over the year of the sum of these monthly series.
    SumOf(&'static [&'static str]),
}

/// The monthly series whose sum is an annual row's `credit_support` (MODEL.md §14).
pub const CREDIT_SUPPORT: &[&str] = &["guarantee", "backstop", "recovery", "remarket"];

/// One annual column of the engine's [`AnnualRow`].
#[derive(Debug, Clone, Copy)]
pub struct AnnualColumn {
    pub name: &'static str,
    pub unit: &'static str,
    pub aggregation: Aggregation,
    pub get: fn(&AnnualRow) -> Option<f64>,
}

/// Every numeric annual column after the year's identity (year, first/last period), in order.
pub fn annual_columns() -> Vec<AnnualColumn> {
    use Aggregation::{Last, Ratio, Sum};
    let c = |name, unit, aggregation, get| AnnualColumn {
        name,
        unit,
        aggregation,
        get,
    };
    vec![
        c("capacity_mw", "MW", Last, |r: &AnnualRow| {
            Some(r.capacity_mw)
        }),
        c(
            "available_pflop_hours",
            "PFLOP-hours",
            Sum,
            |r: &AnnualRow| Some(r.available_pflop_hours),
        ),
        c("used_pflop_hours", "PFLOP-hours", Sum, |r: &AnnualRow| {
            Some(r.used_pflop_hours)
        }),
        c("utilization", "fraction", Ratio, |r: &AnnualRow| {
            Some(r.utilization)
        }),
        c("usage_charge", "USD", Sum, |r: &AnnualRow| {
            Some(r.usage_charge)
        }),
        c("shortfall", "USD", Sum, |r: &AnnualRow| Some(r.shortfall)),
        c("capacity_charge", "USD", Sum, |r: &AnnualRow| {
            Some(r.capacity_charge)
        }),
        c("true_up_annual", "USD", Sum, |r: &AnnualRow| {
            Some(r.true_up_annual)
        }),
        c("true_up", "USD", Sum, |r: &AnnualRow| Some(r.true_up)),
        c("payments", "USD", Sum, |r: &AnnualRow| Some(r.payments)),
        c("power_cost", "USD", Sum, |r: &AnnualRow| Some(r.power_cost)),
        c("fixed_opex", "USD", Sum, |r: &AnnualRow| Some(r.fixed_opex)),
        c("ebitda", "USD", Sum, |r: &AnnualRow| Some(r.ebitda)),
        c("capex", "USD", Sum, |r: &AnnualRow| Some(r.capex)),
        c("depreciation", "USD", Sum, |r: &AnnualRow| {
            Some(r.depreciation)
        }),
        c("tax", "USD", Sum, |r: &AnnualRow| Some(r.tax)),
        c("fcf", "USD", Sum, |r: &AnnualRow| Some(r.fcf)),
        c("cfads", "USD", Sum, |r: &AnnualRow| Some(r.cfads)),
        c("debt_service", "USD", Sum, |r: &AnnualRow| {
            Some(r.debt_service)
        }),
        c("dscr", "multiple", Ratio, |r: &AnnualRow| r.dscr),
        c("delivery_ratio", "fraction", Ratio, |r: &AnnualRow| {
            Some(r.delivery_ratio)
        }),
        c(
            "credit_support",
            "USD",
            Aggregation::SumOf(CREDIT_SUPPORT),
            |r: &AnnualRow| Some(r.credit_support),
        ),
        c("debt_balance", "USD", Last, |r: &AnnualRow| {
            Some(r.debt_balance)
        }),
        c("ltv", "multiple", Last, |r: &AnnualRow| r.ltv),
    ]
}
