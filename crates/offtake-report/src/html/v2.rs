//! The HTML report's MODEL v2 sections: the credit block next to the verdicts (§14: who carries
//! which risk, the survival curves) and the lender's page (§15: the debt chart, LTV against its
//! threshold, sizing, LLCR, reserve, sponsor returns). Each appears only when the term sheet has
//! the keys it reports on, so a v1 report is unchanged.

use std::fmt::Write as _;

use offtake_engine::Outcome;
use offtake_model::Contract;

use super::figure;
use crate::Result;
use crate::charts;
use crate::credit_view::CreditView;
use crate::format::{month, none, pct, times, usd};
use crate::labels::Metric;
use crate::lender_view;
use crate::style::escape;

/// One `<tr>` of a figures table.
fn row(h: &mut String, label: &str, value: &str) {
    let _ = writeln!(
        h,
        "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td></tr>",
        escape(label),
        escape(value)
    );
}

/// The credit block: coverage and credit-adjusted coverage, the expected loss, each party's
/// probability of default and share of what the provider is owed, the survival curves.
pub fn credit(h: &mut String, c: &Contract, o: &Outcome) -> Result<()> {
    let Some(view) = CreditView::of(c, o) else {
        return Ok(());
    };
    let m = &o.metrics;
    h.push_str("<section id=\"credit\">\n<h2>Credit: who carries which risk</h2>\n");
    if view.forced {
        h.push_str(
            "<p class=\"note\">Defaults given with <code>--default</code>: the figures are \
             realized on this run, not expected.</p>\n",
        );
    }
    h.push_str(
        "<div class=\"groups\"><div class=\"table-wrap\"><table class=\"figures\">\n\
         <caption>Coverage with and without credit</caption>\n<tbody>\n",
    );
    row(
        h,
        Metric::Coverage.label(),
        &m.coverage.map_or_else(
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
    row(
        h,
        Metric::CreditAdjustedCoverage.label(),
        &m.credit_adjusted_coverage.map_or_else(
            || none("no capex or fixed opex"),
            |x| {
                format!(
                    "{} (threshold {}; contracted rests on it)",
                    times(x),
                    times(c.thresholds.coverage)
                )
            },
        ),
    );
    row(
        h,
        Metric::ExpectedCreditLoss.label(),
        &usd(m.expected_credit_loss),
    );
    row(h, Metric::BuyerPdTerm.label(), &pct(m.buyer_pd_term));
    if let Some(share) = view.third_party_share() {
        row(h, "Carried by guarantees and backstops", &pct(share));
    }
    h.push_str("</tbody>\n</table></div></div>\n");
    h.push_str(
        "<div class=\"table-wrap\"><table class=\"compact\">\n<thead><tr><th>Party</th><th>Role</th>\
         <th>Credit</th><th class=\"num\">Default within the term</th><th>Defaults</th>\
         <th class=\"num\">Paid</th><th class=\"num\">PV carried</th><th class=\"num\">Share</th></tr></thead>\n<tbody>\n",
    );
    for p in &view.parties {
        let pc = p.credit;
        let name = pc.name.as_deref().map_or_else(String::new, |n| {
            format!(" <span class=\"line\">{}</span>", escape(n))
        });
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}{name}</th><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&pc.id),
            escape(&pc.role),
            escape(&p.terms),
            pct(pc.pd_term),
            escape(p.default_month.as_deref().unwrap_or("no")),
            usd(pc.paid),
            usd(pc.pv_support),
            p.share.map_or_else(|| "—".to_string(), pct),
        );
    }
    h.push_str(
        "</tbody>\n</table></div>\n<p class=\"note\">PV carried: each party's part of the \
         credit-adjusted coverage's numerator, the present value of what it is expected to pay \
         the provider at zero usage (the buyer's before its default and the recovery; \
         guarantees' and backstops' until their own default). Share: of that numerator.</p>\n",
    );
    if charts::survival_curves(c, o, charts::Canvas::WIDE)?.is_some() {
        figure(
            h,
            |canvas| Ok(charts::survival_curves(c, o, canvas)?.unwrap_or_default()),
            "Survival: the probability each party with a credit has not defaulted by the end of \
             each month, exp(−λ·years), with its probability of default within the term. Parties \
             without a credit never default and are not drawn.",
        )?;
    }
    h.push_str("</section>\n");
    Ok(())
}

/// The lender's page: sizing and ratios, the debt chart and LTV against its threshold.
pub fn lender(h: &mut String, c: &Contract, o: &Outcome) -> Result<()> {
    if !lender_view::relevant(c) {
        return Ok(());
    }
    let m = &o.metrics;
    h.push_str("<section id=\"lender\">\n<h2>The lender's view</h2>\n");
    if let Some(f) = &c.financing {
        let _ = writeln!(h, "<p>Debt: {}.</p>", escape(&lender_view::sizing_text(f)));
    }
    h.push_str(
        "<div class=\"groups\"><div class=\"table-wrap\"><table class=\"figures\">\n\
         <caption>Sizing and ratios</caption>\n<tbody>\n",
    );
    let period = |t: usize| month(c.period_start(t as i64));
    row(h, Metric::DebtDrawn.label(), &usd(m.debt_drawn));
    if let Some(l) = &o.lender {
        row(
            h,
            "Balance at the start of repayment",
            &usd(l.balance_at_start),
        );
        if let Some(b) = lender_view::bound_text(l) {
            row(h, "Sizing", &b);
        }
        if l.sizing == "sculpted" {
            row(
                h,
                "Repayment",
                &l.window.map_or_else(
                    || none("no repayment period within the term"),
                    |(a, b)| format!("{} to {}", period(a), period(b)),
                ),
            );
        }
    }
    row(
        h,
        Metric::Gearing.label(),
        &m.gearing.map_or_else(|| none("no capex"), pct),
    );
    row(
        h,
        Metric::MinDscr.label(),
        &m.min_dscr.map_or_else(
            || none("no debt service"),
            |x| format!("{} (threshold {})", times(x), times(c.thresholds.dscr)),
        ),
    );
    row(
        h,
        Metric::Llcr.label(),
        &m.llcr.map_or_else(
            || none("no sculpted debt"),
            |x| format!("{} (threshold {})", times(x), times(c.thresholds.llcr)),
        ),
    );
    row(
        h,
        Metric::MaxLtv.label(),
        &m.max_ltv.map_or_else(
            || none("no debt or no chip_resale"),
            |x| format!("{} (threshold {})", pct(x), pct(c.thresholds.ltv)),
        ),
    );
    h.push_str("</tbody>\n</table></div>\n<div class=\"table-wrap\"><table class=\"figures\">\n<caption>Reserve and returns</caption>\n<tbody>\n");
    if let Some(l) = &o.lender {
        row(h, "Reserve funded", &usd(l.reserve_funded));
        row(h, "Reserve used", &usd(l.reserve_used));
        row(h, "Reserve released", &usd(l.reserve_released));
    }
    row(
        h,
        Metric::PaymentDefault.label(),
        &match m.payment_default {
            None => none("not tested"),
            Some(false) => "no".to_string(),
            Some(true) => format!(
                "YES{}",
                o.lender
                    .as_ref()
                    .and_then(|l| l.payment_default_period)
                    .map_or_else(String::new, |t| format!(" from {}", period(t)))
            ),
        },
    );
    let irr = |x: Option<f64>| x.map_or_else(|| "none".to_string(), pct);
    row(
        h,
        Metric::SponsorNpv.label(),
        &format!("{} (unlevered {})", usd(m.sponsor_npv), usd(m.provider_npv)),
    );
    row(
        h,
        Metric::SponsorIrr.label(),
        &format!("{} (unlevered {})", irr(m.sponsor_irr), irr(m.provider_irr)),
    );
    h.push_str("</tbody>\n</table></div></div>\n");
    if charts::debt_by_year(c, o, charts::Canvas::WIDE)?.is_some() {
        figure(
            h,
            |canvas| Ok(charts::debt_by_year(c, o, canvas)?.unwrap_or_default()),
            "CFADS and debt service by contract year (bars), the debt balance at each year end \
             and, with a resale curve, the chips' market value plus the facility's book value \
             (lines), USD billions. DSCR against its threshold is the chart above.",
        )?;
    }
    if charts::ltv_by_year(c, o, charts::Canvas::WIDE)?.is_some() {
        figure(
            h,
            |canvas| Ok(charts::ltv_by_year(c, o, canvas)?.unwrap_or_default()),
            &format!(
                "Loan to value (debt balance ÷ market value) at each contract year end against \
                 the {} threshold. Maximum over the months with debt: {}.",
                pct(c.thresholds.ltv),
                m.max_ltv.map_or_else(|| "none".to_string(), pct)
            ),
        )?;
    }
    h.push_str("</section>\n");
    Ok(())
}
