//! What the credit-committee documents (HTML and XLSX) say, before either is laid out: the
//! headline figures with their units, and which results each term-sheet input feeds.
//!
//! Both documents read the same lists so a figure has one label, one unit and one order in both.

use offtake_engine::Outcome;
use offtake_model::{Contract, Input, Variant};

use crate::files::Kind;
use crate::labels::Metric;
use crate::risk_view::RiskView;
use crate::{Error, Result};

/// Everything a credit-committee document shows: one run of one contract, optionally with its
/// Monte Carlo risk.
#[derive(Debug, Clone, Copy)]
pub struct Report<'a> {
    pub contract: &'a Contract,
    /// The base run (or the selected variant's).
    pub outcome: &'a Outcome,
    /// Alternatives selected for this run (MODEL.md §11); empty for the base case.
    pub variants: &'a [Variant],
    /// The what-if demand factor of the run (`--demand-factor`), none for the sheet's own demand.
    pub demand_factor: Option<f64>,
    /// The term sheet's file name, shown on the cover.
    pub file_name: &'a str,
    pub risk: Option<&'a RiskView>,
}

/// The document `kind` (HTML, XLSX or JSON) as the bytes of one file. CSV is two files
/// ([`crate::csv::render_files`]); any other kind is not a document.
pub fn render(doc: &Report<'_>, kind: Kind) -> Result<Vec<u8>> {
    Ok(match kind {
        Kind::Html => crate::html::render(doc)?.into_bytes(),
        Kind::Xlsx => crate::xlsx::render(doc)?,
        Kind::Json => crate::UnderwritingJson::new(doc.contract, doc.outcome)
            .with_variants(doc.contract, doc.variants)
            .with_demand_factor(doc.demand_factor)
            .to_string_pretty()?
            .into_bytes(),
        other => return Err(Error::NotADocument(other)),
    })
}

/// What the cover of a document says of a what-if demand factor (none without one): the run
/// scales the sheet's demand and is not the sheet as written; with a Monte Carlo section, that it
/// draws demand from `[risk]` as written.
pub fn what_if(doc: &Report<'_>) -> Option<String> {
    doc.demand_factor.map(|x| {
        format!(
            "WHAT-IF: demand × {x} (demand_factor, MODEL §4), not a term of the sheet{}",
            if doc.risk.is_some() {
                "; the Monte Carlo draws demand from [risk] as written"
            } else {
                ""
            }
        )
    })
}

/// The short mark of a what-if run (none without one), for the HTML `<title>`, the XLSX title
/// property and the note on every sheet: `WHAT-IF: demand × X`.
pub fn what_if_mark(doc: &Report<'_>) -> Option<String> {
    doc.demand_factor.map(|x| format!("WHAT-IF: demand × {x}"))
}

/// The cover's Case (HTML cover and XLSX Summary): the base case or the selected variants, then
/// the what-if ([`what_if`]) when there is one.
pub fn case(doc: &Report<'_>) -> String {
    let case = if doc.variants.is_empty() {
        "base case (every term as written)".to_string()
    } else {
        let names: Vec<String> = doc
            .variants
            .iter()
            .map(|v| format!("{}={}", v.term, v.n))
            .collect();
        format!("variant {}", names.join(", "))
    };
    match what_if(doc) {
        Some(w) => format!("{case}; {w}"),
        None => case,
    }
}

/// The MW of the firm tranches and of the option tranches, as the term sheet states them
/// (`check` and the HTML cover show both).
pub fn firm_and_option_mw(contract: &Contract) -> (f64, f64) {
    let sum = |option: bool| {
        contract
            .tranches
            .iter()
            .filter(|t| t.is_option() == option)
            .map(|t| t.mw)
            .sum()
    };
    (sum(false), sum(true))
}

/// A headline figure with its kind, so HTML can spell it and XLSX can format it as a number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Figure {
    Usd(f64),
    /// A fraction or rate (0.09 = 9%).
    Fraction(f64),
    /// A multiple (coverage, DSCR).
    Times(f64),
    Months(u32),
    Mw(f64),
    /// MW-years of capacity.
    MwYears(f64),
    PflopHours(f64),
    UsdPerPflopHour(f64),
    UsdPerMwYear(f64),
    /// Does not exist (no IRR, no debt); the text says why.
    Absent(&'static str),
}

impl Figure {
    /// The figure for people, spelled as in the terminal view.
    pub fn text(&self) -> String {
        use crate::format::{months, mw, mw_years, none, pct, quantity, times, usd};
        match *self {
            Figure::Usd(x) => usd(x),
            Figure::Fraction(x) => pct(x),
            Figure::Times(x) => times(x),
            Figure::Months(m) => format!(
                "{} ({} years)",
                months(f64::from(m)),
                crate::format::trimmed(f64::from(m) / 12.0, 1)
            ),
            Figure::Mw(x) => format!("{} MW", mw(x)),
            Figure::MwYears(x) => mw_years(x),
            Figure::PflopHours(x) => format!("{} PFLOP-hours", quantity(x)),
            Figure::UsdPerPflopHour(x) => format!("{}/PFLOP-hour", usd(x)),
            Figure::UsdPerMwYear(x) => format!("{}/MW-year", usd(x)),
            Figure::Absent(why) => none(why),
        }
    }

    /// The number behind the figure, if it exists.
    pub fn value(&self) -> Option<f64> {
        match *self {
            Figure::Usd(x)
            | Figure::Fraction(x)
            | Figure::Times(x)
            | Figure::Mw(x)
            | Figure::MwYears(x)
            | Figure::PflopHours(x)
            | Figure::UsdPerPflopHour(x)
            | Figure::UsdPerMwYear(x) => Some(x),
            Figure::Months(m) => Some(f64::from(m)),
            Figure::Absent(_) => None,
        }
    }

    /// The unit's name, as in JSON and CSV.
    pub fn unit(&self) -> &'static str {
        match self {
            Figure::Usd(_) => "USD",
            Figure::Fraction(_) => "fraction",
            Figure::Times(_) => "multiple",
            Figure::Months(_) => "months",
            Figure::Mw(_) => "MW",
            Figure::MwYears(_) => "MW-years",
            Figure::PflopHours(_) => "PFLOP-hours",
            Figure::UsdPerPflopHour(_) => "USD/PFLOP-hour",
            Figure::UsdPerMwYear(_) => "USD/MW-year",
            Figure::Absent(_) => "",
        }
    }
}

/// One line of the headline table.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// The block it belongs to: "Provider", "Financing", "Buyer", "Payments", "Capacity",
    /// "Terms in plain units".
    pub group: &'static str,
    pub label: &'static str,
    pub figure: Figure,
}

fn or_absent(x: Option<f64>, make: fn(f64) -> Figure, why: &'static str) -> Figure {
    x.map_or(Figure::Absent(why), make)
}

/// Every headline figure of a run, grouped and in reading order (definitions: MODEL.md §5–9).
pub fn headlines(contract: &Contract, outcome: &Outcome) -> Vec<Headline> {
    let m = &outcome.metrics;
    let l = &outcome.legibility;
    let debt = contract.financing.is_some() && m.debt_drawn > 0.0;
    let h = |group, metric: Metric, figure| Headline {
        group,
        label: metric.label(),
        figure,
    };
    vec![
        h("Provider", Metric::ProviderNpv, Figure::Usd(m.provider_npv)),
        h(
            "Provider",
            Metric::ProviderIrr,
            or_absent(m.provider_irr, Figure::Fraction, "FCF never changes sign"),
        ),
        h(
            "Provider",
            Metric::Hurdle,
            Figure::Fraction(contract.thresholds.hurdle),
        ),
        h(
            "Provider",
            Metric::Payback,
            m.payback_months.map_or(
                Figure::Absent("cumulative FCF never recovers"),
                Figure::Months,
            ),
        ),
        h(
            "Provider",
            Metric::DealNpv,
            Figure::Usd(m.provider_deal_npv),
        ),
        h(
            "Provider",
            Metric::DealIrr,
            or_absent(m.provider_deal_irr, Figure::Fraction, "no sign change"),
        ),
        h("Provider", Metric::TotalCapex, Figure::Usd(m.total_capex)),
        h(
            "Provider",
            Metric::PowerCost,
            Figure::Usd(m.total_power_cost),
        ),
        h(
            "Provider",
            Metric::FixedOpex,
            Figure::Usd(m.total_fixed_opex),
        ),
        h("Provider", Metric::Tax, Figure::Usd(m.total_tax)),
        h(
            "Provider",
            Metric::ResidualValue,
            Figure::Usd(m.residual_value),
        ),
        h(
            "Financing",
            Metric::MinDscr,
            or_absent(m.min_dscr, Figure::Times, "no debt"),
        ),
        h(
            "Financing",
            Metric::AvgDscr,
            or_absent(m.avg_dscr, Figure::Times, "no debt"),
        ),
        h(
            "Financing",
            Metric::DscrThreshold,
            Figure::Times(contract.thresholds.dscr),
        ),
        h("Financing", Metric::DebtDrawn, Figure::Usd(m.debt_drawn)),
        h(
            "Financing",
            Metric::DebtOutstandingAtEnd,
            if debt {
                Figure::Usd(m.debt_outstanding_at_end)
            } else {
                Figure::Absent("no debt")
            },
        ),
        h(
            "Financing",
            Metric::Coverage,
            or_absent(m.coverage, Figure::Times, "no costs"),
        ),
        h(
            "Financing",
            Metric::CoverageThreshold,
            Figure::Times(contract.thresholds.coverage),
        ),
        h(
            "Payments",
            Metric::TotalPayments,
            Figure::Usd(m.total_payments),
        ),
        h(
            "Payments",
            Metric::UsageCharges,
            Figure::Usd(m.total_usage_charges),
        ),
        h(
            "Payments",
            Metric::Shortfall,
            Figure::Usd(m.total_shortfall),
        ),
        h(
            "Payments",
            Metric::CapacityCharges,
            Figure::Usd(m.total_capacity_charges),
        ),
        h(
            "Payments",
            Metric::TrueUpAnnual,
            Figure::Usd(m.total_true_up_annual),
        ),
        h("Payments", Metric::TrueUp, Figure::Usd(m.total_true_up)),
        h(
            "Payments",
            Metric::IdlePayments,
            Figure::Usd(m.idle_payments),
        ),
        h("Buyer", Metric::BuyerNpv, Figure::Usd(m.buyer_npv)),
        h(
            "Buyer",
            Metric::EffectivePrice,
            or_absent(m.effective_price, Figure::UsdPerPflopHour, "nothing used"),
        ),
        h(
            "Buyer",
            Metric::EffectiveDiscount,
            or_absent(m.effective_discount, Figure::Fraction, "nothing used"),
        ),
        h(
            "Buyer",
            Metric::EquityPaid,
            Figure::Usd(m.equity_paid_total),
        ),
        h(
            "Buyer",
            Metric::EquityHandback,
            Figure::Usd(m.equity_handback),
        ),
        h(
            "Buyer",
            Metric::Circularity,
            or_absent(m.circularity, Figure::Fraction, "no payments"),
        ),
        h(
            "Capacity",
            Metric::PeakCapacity,
            Figure::Mw(m.peak_capacity_mw),
        ),
        h(
            "Capacity",
            Metric::CapacityAtEnd,
            Figure::Mw(m.capacity_mw_at_end),
        ),
        h(
            "Capacity",
            Metric::DeliveryRatio,
            Figure::Fraction(m.delivery_ratio),
        ),
        h(
            "Capacity",
            Metric::ComputeAvailable,
            Figure::PflopHours(m.total_available_pflop_hours),
        ),
        h(
            "Capacity",
            Metric::ComputeUsed,
            Figure::PflopHours(m.total_used_pflop_hours),
        ),
        h(
            "Capacity",
            Metric::AverageUtilization,
            or_absent(m.average_utilization, Figure::Fraction, "no capacity"),
        ),
        h(
            "Terms in plain units",
            Metric::CommittedSpend,
            Figure::Usd(l.committed_spend),
        ),
        h(
            "Terms in plain units",
            Metric::MwYears,
            Figure::MwYears(l.mw_years),
        ),
        h(
            "Terms in plain units",
            Metric::CommittedPerMwYear,
            or_absent(
                l.committed_spend_per_mw_year,
                Figure::UsdPerMwYear,
                "no capacity",
            ),
        ),
        h(
            "Terms in plain units",
            Metric::PaymentsPerMwYear,
            or_absent(l.payments_per_mw_year, Figure::UsdPerMwYear, "no capacity"),
        ),
        h(
            "Terms in plain units",
            Metric::BreakEvenUtilization,
            or_absent(l.break_even_utilization, Figure::Fraction, "none in 0–100%"),
        ),
        h(
            "Terms in plain units",
            Metric::FloorCapexCoverage,
            or_absent(l.floor_capex_coverage, Figure::Fraction, "no capex"),
        ),
    ]
}

/// A result the committee reads, for the "rests on" column of the inputs table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Conclusion {
    ProviderReturns,
    Coverage,
    Dscr,
    Deliverability,
    BuyerValue,
}

impl Conclusion {
    pub const ALL: [Conclusion; 5] = [
        Conclusion::ProviderReturns,
        Conclusion::Coverage,
        Conclusion::Dscr,
        Conclusion::Deliverability,
        Conclusion::BuyerValue,
    ];

    /// In full, for the "rests on" summary.
    pub fn describe(self) -> &'static str {
        match self {
            Conclusion::ProviderReturns => "provider NPV and IRR",
            Conclusion::Coverage => "coverage (contracted)",
            Conclusion::Dscr => "DSCR (financeable)",
            Conclusion::Deliverability => "delivery (deliverable)",
            Conclusion::BuyerValue => "buyer NPV",
        }
    }

    /// Short, for the inputs table.
    pub fn name(self) -> &'static str {
        match self {
            Conclusion::ProviderReturns => "NPV/IRR",
            Conclusion::Coverage => "coverage",
            Conclusion::Dscr => "DSCR",
            Conclusion::Deliverability => "delivery",
            Conclusion::BuyerValue => "buyer NPV",
        }
    }
}

/// Which results an input feeds, read off the model's structure (MODEL.md §3–9):
/// - capacity (term, tranche MW, ramps, PFLOP/s per MW) reaches every cash flow, and through
///   utilization the option decisions, so also deliverability;
/// - demand reaches usage, payments and option decisions, but not coverage's zero-usage revenue
///   except through which options exist;
/// - price, floors and minimum spend are revenue (coverage's numerator is floors and true-up);
/// - capex and fixed opex are coverage's denominator; power, tax and other costs reach only
///   provider returns and CFADS; financing reaches only DSCR;
/// - buyer terms and equity reach the buyer's NPV; thresholds decide verdicts directly;
/// - `[risk]` parameters change only the Monte Carlo section (no base result);
/// - `max_mw` is a validation bound.
pub fn feeds(input: &Input) -> Vec<Conclusion> {
    use Conclusion::{BuyerValue, Coverage, Deliverability, Dscr, ProviderReturns};
    let all = vec![ProviderReturns, Coverage, Dscr, Deliverability, BuyerValue];
    let path = input.path.as_str();
    let section = path.split('.').next().unwrap_or(path);
    let key = path.rsplit('.').next().unwrap_or(path);
    match (section, key) {
        ("deal", "max_mw") | ("risk", _) => vec![],
        ("deal", _) | ("tranche", _) => all,
        ("generation", "pflops_per_mw") => all,
        ("generation", "chip_capex_per_mw") => vec![ProviderReturns, Coverage, Dscr],
        // A generation's life times its refits: chip capex, and the chips' PFLOP/s after.
        ("generation", _) => vec![ProviderReturns, Coverage, Dscr, BuyerValue],
        ("demand", _) => all,
        ("pricing" | "take_or_pay" | "commitment", _) => {
            vec![ProviderReturns, Coverage, Dscr, BuyerValue]
        }
        ("provider", "discount_rate") => vec![ProviderReturns, Coverage],
        ("provider", "facility_capex_per_mw" | "fixed_opex_per_mw_year") => {
            vec![ProviderReturns, Coverage, Dscr]
        }
        ("provider", "min_refresh_months") => vec![ProviderReturns, Coverage, Dscr, BuyerValue],
        ("provider", "residual_fraction" | "exit_multiple") => vec![ProviderReturns],
        ("provider", _) => vec![ProviderReturns, Dscr],
        ("financing", _) => vec![Dscr],
        ("buyer" | "equity", _) => vec![BuyerValue],
        ("thresholds", "coverage") => vec![Coverage],
        ("thresholds", "dscr") => vec![Dscr],
        ("thresholds", _) => vec![ProviderReturns],
        _ => vec![],
    }
}

/// For each result, how many of the inputs it rests on are not disclosed (MODEL.md §11).
pub fn undisclosed_by_result(contract: &Contract) -> Vec<(Conclusion, usize, usize)> {
    Conclusion::ALL
        .iter()
        .map(|r| {
            let feeding: Vec<&Input> = contract
                .inputs
                .iter()
                .filter(|i| feeds(i).contains(r))
                .collect();
            let undisclosed = feeding.iter().filter(|i| i.is_undisclosed()).count();
            (*r, undisclosed, feeding.len())
        })
        .collect()
}

/// The deal's name for titles: its name, else its id.
pub fn deal_title(contract: &Contract) -> String {
    contract
        .deal
        .name
        .clone()
        .unwrap_or_else(|| contract.deal.id.clone())
}

/// Source title of an input, else its source id.
pub fn source_title(contract: &Contract, source: Option<&str>) -> Option<String> {
    let id = source?;
    Some(
        contract
            .sources
            .iter()
            .find(|s| s.id == id)
            .and_then(|s| s.title.clone())
            .unwrap_or_else(|| id.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(path: &str) -> Input {
        Input {
            path: path.to_string(),
            value: offtake_model::InputValue::Number(1.0),
            source: None,
            evidence: None,
            note: None,
            alternatives: Vec::new(),
            line: 1,
        }
    }

    #[test]
    fn feeds_follow_the_model() {
        use Conclusion::*;
        assert_eq!(feeds(&input("financing.debt_share")), vec![Dscr]);
        assert!(feeds(&input("tranche.phase-1.mw")).contains(&Deliverability));
        assert!(!feeds(&input("provider.power_price")).contains(&Coverage));
        assert!(feeds(&input("commitment.min_total_spend")).contains(&Coverage));
        assert!(!feeds(&input("generation.T3.chip_capex_per_mw")).contains(&BuyerValue));
        assert!(feeds(&input("risk.demand_factor.sigma")).is_empty());
        assert!(feeds(&input("deal.max_mw")).is_empty());
    }
}
