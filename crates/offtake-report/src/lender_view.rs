//! The lender's page (MODEL v2 §15): how the loan was sized and which constraint bound,
//! gearing, DSCR and LLCR, the reserve, payment default, the balance against the chips' market
//! value, and the sponsor's levered returns beside the unlevered ones. Shown only for a term
//! sheet with a §15 key, so a v1 sheet prints as before. The figures are the engine's.

use std::fmt::Write as _;

use offtake_engine::{AnnualRow, LenderView, Outcome};
use offtake_model::{Contract, Financing, Sizing};

use crate::format::{month, none, pct, times, usd};
use crate::labels::Metric;
use crate::screen::{Screen, sanitize};
use crate::table::Table;

/// True when the term sheet has a key of the lender's view: a sculpted loan, a reserve, the
/// sponsor's discount rate, or `[market]`.
pub fn relevant(contract: &Contract) -> bool {
    contract.market.is_some()
        || contract.financing.as_ref().is_some_and(|f| {
            !f.sizing.is_share() || f.dsra_months > 0 || f.equity_discount_rate.is_some()
        })
}

/// How the loan is sized, in words: `sculpted to 1.30× DSCR over 10 years at 7.0%, gearing at
/// most 80.0%` or `70.0% of each capex amount over 10 years at 7.0%`.
pub fn sizing_text(f: &Financing) -> String {
    let years = f64::from(f.tenor_months) / 12.0;
    let tenor = format!(
        "over {} years at {}",
        crate::format::trimmed(years, 2),
        pct(f.interest_rate)
    );
    match f.sizing {
        Sizing::Share => format!("{} of each capex amount {tenor}", pct(f.debt_share)),
        Sizing::Sculpted {
            target_dscr,
            max_gearing,
        } => format!(
            "sculpted to {} DSCR {tenor}, gearing at most {}",
            times(target_dscr),
            pct(max_gearing)
        ),
    }
}

/// Which constraint bound a sculpted loan, in words.
pub fn bound_text(l: &LenderView) -> Option<String> {
    let bound = l.bound.as_deref()?;
    let detail = match (l.debt_capacity, l.capex_grown, l.gearing_target) {
        (Some(d), Some(k), Some(g)) => format!(
            ": capacity D* {}, capex to repayment K {}, gearing g {}",
            usd(d),
            usd(k),
            pct(g)
        ),
        _ => String::new(),
    };
    Some(match bound {
        "dscr" => format!("the DSCR sculpt bound{detail}"),
        "gearing" => format!("the gearing cap bound{detail}"),
        other => format!("bound by {other}{detail}"),
    })
}

/// The market value at the end of a year (none without `chip_resale`).
pub fn year_market_value(o: &Outcome, r: &AnnualRow) -> Option<f64> {
    o.schedule
        .market_value
        .as_ref()
        .and_then(|mv| mv.get(r.last_period).copied())
}

/// The terminal page.
pub fn terminal(s: &mut String, c: &Contract, o: &Outcome, screen: &Screen) {
    if !relevant(c) {
        return;
    }
    let m = &o.metrics;
    let line = |s: &mut String, label: &str, value: String| {
        let _ = writeln!(s, "  {label:<29}{}", sanitize(&value));
    };
    let heading = c
        .financing
        .as_ref()
        .map_or_else(|| "no [financing]: no debt".to_string(), sizing_text);
    let _ = writeln!(s, "\nLender ({heading})");
    let period = |t: usize| month(c.period_start(t as i64));
    if let Some(l) = &o.lender {
        let size = format!(
            "{} drawn; balance {} at the start of repayment",
            usd(m.debt_drawn),
            usd(l.balance_at_start)
        );
        line(s, "Debt size", size);
        if let Some(b) = bound_text(l) {
            line(s, "Sizing", b);
        }
        if l.sizing == "sculpted" {
            let window = l.window.map_or_else(
                || none("no repayment period within the term"),
                |(a, b)| format!("{} to {}", period(a), period(b)),
            );
            line(s, "Repayment", window);
        }
    }
    line(
        s,
        Metric::Gearing.label(),
        m.gearing.map_or_else(
            || none("no capex"),
            |g| format!("{} of capex borrowed (draws / capex over the term)", pct(g)),
        ),
    );
    match (m.min_dscr, m.avg_dscr) {
        (Some(min), Some(avg)) => line(
            s,
            Metric::MinDscr.label(),
            format!(
                "{} ({} {}), average {}",
                times(min),
                Metric::DscrThreshold.label(),
                times(c.thresholds.dscr),
                times(avg)
            ),
        ),
        _ => line(s, Metric::MinDscr.label(), none("no debt service")),
    }
    line(
        s,
        Metric::Llcr.label(),
        m.llcr.map_or_else(
            || none("no sculpted debt"),
            |x| {
                format!(
                    "{} ({} {})",
                    times(x),
                    Metric::LlcrThreshold.label(),
                    times(c.thresholds.llcr)
                )
            },
        ),
    );
    if let Some(l) = &o.lender {
        let months = c.financing.as_ref().map_or(0, |f| f.dsra_months);
        let reserve = if months == 0 && l.reserve_funded == 0.0 {
            none("no dsra_months")
        } else {
            format!(
                "{} funded (the service of up to {months} months), {} used, {} released",
                usd(l.reserve_funded),
                usd(l.reserve_used),
                usd(l.reserve_released)
            )
        };
        line(s, "Reserve", reserve);
    }
    let default = match (m.payment_default, o.lender.as_ref()) {
        (None, _) => none("not tested: no debt, or a share loan without a reserve"),
        (Some(false), _) => "no (CFADS plus the reserve always met debt service)".to_string(),
        (Some(true), l) => format!(
            "YES{}: CFADS plus the reserve fell short of debt service",
            l.and_then(|l| l.payment_default_period)
                .map_or_else(String::new, |t| format!(" from {}", period(t)))
        ),
    };
    line(s, Metric::PaymentDefault.label(), default);
    line(
        s,
        Metric::MaxLtv.label(),
        m.max_ltv.map_or_else(
            || {
                if c.market.is_none() {
                    none("no [market] chip_resale")
                } else if debt_without_market_value(o) {
                    none("the market value is 0 while debt is owed: LTV fails")
                } else {
                    none("no debt")
                }
            },
            |x| {
                format!(
                    "{} ({} {})",
                    pct(x),
                    Metric::LtvThreshold.label(),
                    pct(c.thresholds.ltv)
                )
            },
        ),
    );
    let rate = c
        .financing
        .as_ref()
        .and_then(|f| f.equity_discount_rate)
        .unwrap_or(c.provider.discount_rate);
    line(
        s,
        Metric::SponsorNpv.label(),
        format!(
            "{} at {} ({} {} unlevered)",
            usd(m.sponsor_npv),
            pct(rate),
            Metric::ProviderNpv.label(),
            usd(m.provider_npv)
        ),
    );
    let irr = |x: Option<f64>| x.map_or_else(|| "none".to_string(), pct);
    line(
        s,
        Metric::SponsorIrr.label(),
        format!(
            "{} ({} {} unlevered)",
            irr(m.sponsor_irr),
            Metric::ProviderIrr.label(),
            irr(m.provider_irr)
        ),
    );
    if o.annual.is_empty() {
        return;
    }
    let _ = writeln!(s, "\nBy contract year: debt");
    let mut t = Table::new(
        &[
            "year",
            "from",
            "CFADS",
            "debt service",
            "DSCR",
            "balance",
            "market value",
            "LTV",
        ],
        &[true, false, true, true, true, true, true, true],
    );
    for r in &o.annual {
        t.row(vec![
            (r.year + 1).to_string(),
            period(r.first_period),
            usd(r.cfads),
            usd(r.debt_service),
            r.dscr.map_or_else(|| "none".into(), times),
            usd(r.debt_balance),
            year_market_value(o, r).map_or_else(|| "none".into(), usd),
            r.ltv.map_or_else(|| "none".into(), pct),
        ]);
    }
    s.push_str(&t.render_on(2, screen));
}

/// Debt is owed in a period where the chips and facility are worth nothing (MODEL v2 §15: MV ≤ 0
/// with debt fails the LTV test, and there is no LTV to show). A balance within 1e-10 of the
/// largest is repaid, as the engine reads it.
fn debt_without_market_value(o: &Outcome) -> bool {
    let balance = &o.schedule.debt_balance;
    let largest = balance.iter().fold(0.0_f64, |a, &b| a.max(b));
    o.schedule.market_value.as_ref().is_some_and(|mv| {
        mv.iter()
            .zip(balance)
            .any(|(&v, &b)| v <= 0.0 && b > 1e-10 * largest)
    })
}
