//! The credit block (MODEL v2 §14): who can default, how likely within the term, what the
//! guarantees and backstops carry of the credit-adjusted coverage. One reading of the
//! [`Outcome`] shared by the terminal, HTML and XLSX views; the figures are the engine's.

use std::fmt::Write as _;

use offtake_engine::{Outcome, PartyCredit};
use offtake_model::{Contract, Credit};

use crate::format::{month, none, pct, times, usd};
use crate::labels::Metric;
use crate::screen::{Screen, sanitize};
use crate::table::Table;

/// One party's line of the credit block.
#[derive(Debug, Clone, PartialEq)]
pub struct PartyLine<'a> {
    pub credit: &'a PartyCredit,
    /// `450 bp, recovery 40%`, `1.0%/year, recovery 40%`, or `no credit (never defaults)`.
    pub terms: String,
    /// `YYYY-MM` of the default on this run (a forced run), none otherwise.
    pub default_month: Option<String>,
    /// pv_support / Σ pv_support: the share of the credit-adjusted coverage's numerator this
    /// party carries (none when the numerator is 0).
    pub share: Option<f64>,
}

/// The credit block of a run, when the deal has credit terms or the run forced a default.
#[derive(Debug, Clone, PartialEq)]
pub struct CreditView<'a> {
    pub parties: Vec<PartyLine<'a>>,
    /// True when some party's default was given (`--default`): realized figures.
    pub forced: bool,
}

/// How a credit reads: the spread or the annual probability, and the recovery.
pub fn credit_terms(credit: Option<&Credit>) -> String {
    match credit {
        None => "no credit (never defaults)".to_string(),
        Some(c) => {
            let law = match (c.annual_default_probability, c.spread_bps) {
                (Some(q), _) => format!("{}/year", pct(q)),
                (None, Some(s)) => format!("{} bp", crate::format::trimmed(s, 1)),
                (None, None) => "no default".to_string(),
            };
            format!("{law}, recovery {}", pct(c.recovery))
        }
    }
}

impl<'a> CreditView<'a> {
    /// The block, or none when the deal has no credit terms and no party defaulted.
    pub fn of(contract: &Contract, outcome: &'a Outcome) -> Option<CreditView<'a>> {
        let forced = outcome.credit.iter().any(|p| p.default_period.is_some());
        if !contract.has_credit_terms() && !forced {
            return None;
        }
        let parties_terms = contract.parties();
        let numerator: f64 = outcome.credit.iter().map(|p| p.pv_support).sum();
        let parties = outcome
            .credit
            .iter()
            .map(|p| {
                let credit = parties_terms
                    .iter()
                    .find(|(_, id, _)| *id == p.id)
                    .and_then(|(_, _, c)| *c);
                PartyLine {
                    credit: p,
                    terms: credit_terms(credit),
                    default_month: p
                        .default_period
                        .map(|d| month(contract.period_start(d as i64))),
                    share: (numerator > 0.0).then(|| p.pv_support / numerator),
                }
            })
            .collect();
        Some(CreditView { parties, forced })
    }

    /// The share of the credit-adjusted numerator carried by guarantees and backstops.
    pub fn third_party_share(&self) -> Option<f64> {
        let mut any = false;
        let mut total = 0.0;
        for p in &self.parties {
            if let Some(s) = p.share {
                any = true;
                if p.credit.role != "buyer" {
                    total += s;
                }
            }
        }
        any.then_some(total)
    }
}

/// The terminal block: coverage and credit-adjusted coverage side by side, the expected credit
/// loss, then one row per party (who carries which risk).
pub fn terminal(s: &mut String, contract: &Contract, o: &Outcome, screen: &Screen) {
    let Some(view) = CreditView::of(contract, o) else {
        return;
    };
    let m = &o.metrics;
    let _ = writeln!(
        s,
        "\nCredit ({})",
        if view.forced {
            "defaults given with --default: realized figures"
        } else {
            "parties default independently; expectation over their default months"
        }
    );
    let line = |s: &mut String, label: &str, value: String| {
        let _ = writeln!(s, "  {label:<29}{}", sanitize(&value));
    };
    line(
        s,
        Metric::Coverage.label(),
        m.coverage.map_or_else(
            || none("no capex or fixed opex"),
            |x| {
                if view.forced {
                    format!("{} realized with the given defaults", times(x))
                } else {
                    format!("{} if no party defaults", times(x))
                }
            },
        ),
    );
    line(
        s,
        Metric::CreditAdjustedCoverage.label(),
        m.credit_adjusted_coverage.map_or_else(
            || none("no capex or fixed opex"),
            |x| {
                format!(
                    "{} ({} {}; contracted rests on it)",
                    times(x),
                    Metric::CoverageThreshold.label(),
                    times(contract.thresholds.coverage)
                )
            },
        ),
    );
    line(
        s,
        Metric::ExpectedCreditLoss.label(),
        format!(
            "{} of PV(zero-usage revenue), after recovery and guarantees{}",
            usd(m.expected_credit_loss),
            if view.forced { " (realized)" } else { "" }
        ),
    );
    line(
        s,
        Metric::BuyerPdTerm.label(),
        format!(
            "{} {}",
            pct(m.buyer_pd_term),
            if view.forced {
                "by the buyer's credit (this run's defaults: the table below)"
            } else {
                "probability the buyer defaults within the term"
            }
        ),
    );
    if let Some(share) = view.third_party_share() {
        line(
            s,
            "Carried by third parties",
            format!(
                "{} of the credit-adjusted numerator (guarantees and backstops)",
                pct(share)
            ),
        );
    }
    let mut t = Table::new(
        &[
            "party",
            "role",
            "name",
            "credit",
            "PD in term",
            "defaults",
            "paid",
            "PV carried",
            "share",
        ],
        &[false, false, false, false, true, false, true, true, true],
    );
    for p in &view.parties {
        let c = p.credit;
        t.row(vec![
            c.id.clone(),
            c.role.clone(),
            c.name.clone().unwrap_or_default(),
            p.terms.clone(),
            pct(c.pd_term),
            p.default_month.clone().unwrap_or_else(|| "no".into()),
            usd(c.paid),
            usd(c.pv_support),
            p.share.map_or_else(|| "none".into(), pct),
        ]);
    }
    s.push_str(&t.render_on(2, screen));
}
