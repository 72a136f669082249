//! The catalogue of reported series: each monthly and annual column with its name and unit, in
//! one place so the terminal, JSON and CSV views (and docs/output.md) agree on names and order.

use offtake_engine::{AnnualRow, Schedule};

/// One monthly series of the engine's [`Schedule`], named as in JSON and CSV.
#[derive(Debug, Clone, Copy)]
pub struct MonthlySeries<'a> {
    pub name: &'static str,
    pub unit: &'static str,
    pub values: &'a [f64],
}

/// Every monthly series, in report order (MODEL.md §3–8 order: capacity, usage, billing,
/// costs, cash, financing, the two parties' flows).
pub fn monthly_series(s: &Schedule) -> Vec<MonthlySeries<'_>> {
    fn m<'a>(name: &'static str, unit: &'static str, values: &'a [f64]) -> MonthlySeries<'a> {
        MonthlySeries { name, unit, values }
    }
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
}

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
    ]
}
