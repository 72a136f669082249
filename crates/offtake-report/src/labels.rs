//! One label per figure: what the terminal, HTML and XLSX call each metric, verdict and
//! threshold, keyed by its JSON name. docs/output.md lists the same labels (a test checks it).
//!
//! JSON keeps its snake_case names; people read these.

use offtake_risk::PathMetric;

/// A figure a report shows, with its JSON key and its label for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Metric {
    ProviderNpv,
    ProviderIrr,
    Payback,
    MinDscr,
    AvgDscr,
    DebtOutstandingAtEnd,
    DebtDrawn,
    DealNpv,
    DealIrr,
    BuyerNpv,
    EffectivePrice,
    EffectiveDiscount,
    IdlePayments,
    TotalPayments,
    UsageCharges,
    Shortfall,
    TrueUp,
    TotalCapex,
    PowerCost,
    FixedOpex,
    Tax,
    ResidualValue,
    ComputeAvailable,
    ComputeUsed,
    AverageUtilization,
    PeakCapacity,
    CapacityAtEnd,
    Coverage,
    Circularity,
    EquityPaid,
    // MODEL v2 §13, §7–8.
    DeliveryRatio,
    CapacityCharges,
    TrueUpAnnual,
    EquityHandback,
    // MODEL v2 §14 (credit) and §15 (the lender's view).
    BuyerPdTerm,
    CreditAdjustedCoverage,
    ExpectedCreditLoss,
    Llcr,
    Gearing,
    MaxLtv,
    SponsorNpv,
    SponsorIrr,
    PaymentDefault,
    // What the headline terms imply (JSON `legibility`).
    CommittedSpend,
    MwYears,
    CommittedPerMwYear,
    PaymentsPerMwYear,
    BreakEvenUtilization,
    FloorCapexCoverage,
    // Thresholds (JSON `deal`'s term sheet `[thresholds]`).
    Hurdle,
    DscrThreshold,
    CoverageThreshold,
    LlcrThreshold,
    LtvThreshold,
}

impl Metric {
    /// Every metric, in the order of docs/output.md.
    pub const ALL: [Metric; 54] = [
        Metric::ProviderNpv,
        Metric::ProviderIrr,
        Metric::Payback,
        Metric::MinDscr,
        Metric::AvgDscr,
        Metric::DebtOutstandingAtEnd,
        Metric::DebtDrawn,
        Metric::DealNpv,
        Metric::DealIrr,
        Metric::BuyerNpv,
        Metric::EffectivePrice,
        Metric::EffectiveDiscount,
        Metric::IdlePayments,
        Metric::TotalPayments,
        Metric::UsageCharges,
        Metric::Shortfall,
        Metric::TrueUp,
        Metric::TotalCapex,
        Metric::PowerCost,
        Metric::FixedOpex,
        Metric::Tax,
        Metric::ResidualValue,
        Metric::ComputeAvailable,
        Metric::ComputeUsed,
        Metric::AverageUtilization,
        Metric::PeakCapacity,
        Metric::CapacityAtEnd,
        Metric::Coverage,
        Metric::Circularity,
        Metric::EquityPaid,
        Metric::DeliveryRatio,
        Metric::CapacityCharges,
        Metric::TrueUpAnnual,
        Metric::EquityHandback,
        Metric::BuyerPdTerm,
        Metric::CreditAdjustedCoverage,
        Metric::ExpectedCreditLoss,
        Metric::Llcr,
        Metric::Gearing,
        Metric::MaxLtv,
        Metric::SponsorNpv,
        Metric::SponsorIrr,
        Metric::PaymentDefault,
        Metric::CommittedSpend,
        Metric::MwYears,
        Metric::CommittedPerMwYear,
        Metric::PaymentsPerMwYear,
        Metric::BreakEvenUtilization,
        Metric::FloorCapexCoverage,
        Metric::Hurdle,
        Metric::DscrThreshold,
        Metric::CoverageThreshold,
        Metric::LlcrThreshold,
        Metric::LtvThreshold,
    ];

    /// The member's name in JSON (`metrics`, `legibility` or the term sheet's `[thresholds]`).
    pub fn key(self) -> &'static str {
        self.entry().0
    }

    /// The label every view shows.
    pub fn label(self) -> &'static str {
        self.entry().1
    }

    fn entry(self) -> (&'static str, &'static str) {
        match self {
            Metric::ProviderNpv => ("provider_npv", "Provider NPV"),
            Metric::ProviderIrr => ("provider_irr", "Provider IRR"),
            Metric::Payback => ("payback_months", "Payback"),
            Metric::MinDscr => ("min_dscr", "Minimum DSCR"),
            Metric::AvgDscr => ("avg_dscr", "Average DSCR"),
            Metric::DebtOutstandingAtEnd => ("debt_outstanding_at_end", "Debt outstanding at end"),
            Metric::DebtDrawn => ("debt_drawn", "Debt drawn"),
            Metric::DealNpv => ("provider_deal_npv", "Deal NPV (with equity)"),
            Metric::DealIrr => ("provider_deal_irr", "Deal IRR (with equity)"),
            Metric::BuyerNpv => ("buyer_npv", "Buyer NPV"),
            Metric::EffectivePrice => ("effective_price", "Effective price"),
            Metric::EffectiveDiscount => ("effective_discount", "Effective discount"),
            Metric::IdlePayments => ("idle_payments", "Idle payments"),
            Metric::TotalPayments => ("total_payments", "Total payments"),
            Metric::UsageCharges => ("total_usage_charges", "Usage charges"),
            Metric::Shortfall => ("total_shortfall", "Shortfall"),
            Metric::TrueUp => ("total_true_up", "True-up"),
            Metric::TotalCapex => ("total_capex", "Total capex"),
            Metric::PowerCost => ("total_power_cost", "Power cost"),
            Metric::FixedOpex => ("total_fixed_opex", "Fixed opex"),
            Metric::Tax => ("total_tax", "Tax"),
            Metric::ResidualValue => ("residual_value", "Residual value"),
            Metric::ComputeAvailable => ("total_available_pflop_hours", "Compute available"),
            Metric::ComputeUsed => ("total_used_pflop_hours", "Compute used"),
            Metric::AverageUtilization => ("average_utilization", "Average utilization"),
            Metric::PeakCapacity => ("peak_capacity_mw", "Peak capacity"),
            Metric::CapacityAtEnd => ("capacity_mw_at_end", "Capacity at end"),
            Metric::Coverage => ("coverage", "Coverage"),
            Metric::Circularity => ("circularity", "Circularity"),
            Metric::EquityPaid => ("equity_paid_total", "Equity paid"),
            Metric::DeliveryRatio => ("delivery_ratio", "Delivery ratio"),
            Metric::CapacityCharges => ("total_capacity_charges", "Capacity charges"),
            Metric::TrueUpAnnual => ("total_true_up_annual", "Yearly true-ups"),
            Metric::EquityHandback => ("equity_handback", "Handed back in shares"),
            Metric::BuyerPdTerm => ("buyer_pd_term", "Buyer default in term"),
            Metric::CreditAdjustedCoverage => {
                ("credit_adjusted_coverage", "Credit-adjusted coverage")
            }
            Metric::ExpectedCreditLoss => ("expected_credit_loss", "Expected credit loss"),
            Metric::Llcr => ("llcr", "LLCR"),
            Metric::Gearing => ("gearing", "Gearing"),
            Metric::MaxLtv => ("max_ltv", "Maximum LTV"),
            Metric::SponsorNpv => ("sponsor_npv", "Sponsor NPV"),
            Metric::SponsorIrr => ("sponsor_irr", "Sponsor IRR"),
            Metric::PaymentDefault => ("payment_default", "Payment default"),
            Metric::CommittedSpend => ("committed_spend", "Committed spend"),
            Metric::MwYears => ("mw_years", "Capacity over the term"),
            Metric::CommittedPerMwYear => {
                ("committed_spend_per_mw_year", "Committed spend per MW-year")
            }
            Metric::PaymentsPerMwYear => ("payments_per_mw_year", "Payments per MW-year"),
            Metric::BreakEvenUtilization => ("break_even_utilization", "Break-even utilization"),
            Metric::FloorCapexCoverage => ("floor_capex_coverage", "Floors cover capex"),
            Metric::Hurdle => ("hurdle", "Hurdle rate"),
            Metric::DscrThreshold => ("dscr", "DSCR threshold"),
            Metric::CoverageThreshold => ("coverage", "Coverage threshold"),
            Metric::LlcrThreshold => ("llcr", "LLCR threshold"),
            Metric::LtvThreshold => ("ltv", "LTV threshold"),
        }
    }

    /// The metric a Monte Carlo path records, for the v1 metrics (the MODEL v2 ones are
    /// labelled by `risk_view::path_metric_label`).
    pub fn of_path_metric(m: PathMetric) -> Option<Metric> {
        Some(match m {
            PathMetric::ProviderNpv => Metric::ProviderNpv,
            PathMetric::ProviderIrr => Metric::ProviderIrr,
            PathMetric::PaybackMonths => Metric::Payback,
            PathMetric::MinDscr => Metric::MinDscr,
            PathMetric::AvgDscr => Metric::AvgDscr,
            PathMetric::Coverage => Metric::Coverage,
            PathMetric::BuyerNpv => Metric::BuyerNpv,
            PathMetric::EffectivePrice => Metric::EffectivePrice,
            PathMetric::TotalPayments => Metric::TotalPayments,
            PathMetric::IdlePayments => Metric::IdlePayments,
            PathMetric::CreditAdjustedCoverage
            | PathMetric::CreditLoss
            | PathMetric::Llcr
            | PathMetric::MaxLtv
            | PathMetric::Gearing
            | PathMetric::SponsorIrr => return None,
        })
    }
}

/// The three verdicts' labels, in the order every view lists them (JSON keys in lower case).
pub const VERDICTS: [(&str, &str); 3] = [
    ("contracted", "Contracted"),
    ("financeable", "Financeable"),
    ("deliverable", "Deliverable"),
];

/// "yes" or "NO": how a verdict reads in every view (upper case so a failure stands out
/// without colour).
pub fn yes_no(passed: bool) -> &'static str {
    if passed { "yes" } else { "NO" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_unique_and_named_in_the_docs() {
        let docs = include_str!("../../../docs/output.md");
        let mut seen = std::collections::BTreeSet::new();
        for m in Metric::ALL {
            assert!(seen.insert(m.label()), "label {:?} twice", m.label());
            let row = format!("| `{}` | {} |", m.key(), m.label());
            assert!(docs.contains(&row), "docs/output.md lacks the row {row}");
        }
        for (key, label) in VERDICTS {
            assert!(
                docs.contains(&format!("| `{key}` | {label} |")),
                "docs/output.md lacks verdict {label}"
            );
        }
    }

    #[test]
    fn every_path_metric_has_its_label() {
        assert_eq!(
            Metric::of_path_metric(PathMetric::MinDscr).unwrap().label(),
            "Minimum DSCR"
        );
        assert_eq!(
            Metric::of_path_metric(PathMetric::PaybackMonths)
                .unwrap()
                .key(),
            "payback_months"
        );
    }
}
