//! What `offtake check` says about a valid term sheet: the deal, its term, tranches,
//! generations, equity and how its inputs are graded, in the spellings of every other view.

use std::fmt::Write as _;

use offtake_model::{Contract, EquityTrigger, Evidence, TrancheKind};

use crate::document::firm_and_option_mw;
use crate::format::{GE, mw, pct, usd};
use crate::screen::{Screen, Tone, sanitize};
use crate::table::Table;

/// The short summary `check` prints for a valid term sheet.
pub fn summary(path: &str, c: &Contract, screen: &Screen) -> String {
    let mut s = String::new();
    let d = &c.deal;
    let _ = writeln!(s, "{}: {}", sanitize(path), screen.paint(Tone::Pass, "ok"));
    let deal = format!(
        "{}{}",
        d.id,
        d.name
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    );
    let _ = writeln!(s, "  deal        {}", sanitize(&deal));
    if d.buyer.is_some() || d.provider.is_some() {
        let parties = format!(
            "buyer {} · provider {}",
            d.buyer.as_deref().unwrap_or("?"),
            d.provider.as_deref().unwrap_or("?")
        );
        let _ = writeln!(s, "  parties     {}", sanitize(&parties));
    }
    let end = c.period_start(i64::from(d.term_months) - 1);
    let _ = writeln!(
        s,
        "  term        {} months, {} to {}",
        d.term_months,
        d.start.format("%Y-%m"),
        end.format("%Y-%m")
    );
    let (firm, option) = firm_and_option_mw(c);
    let _ = writeln!(
        s,
        "  tranches    {} ({} MW firm, {} MW option{})",
        c.tranches.len(),
        mw(firm),
        mw(option),
        d.max_mw
            .map(|m| format!(", max {} MW", mw(m)))
            .unwrap_or_default()
    );
    let mut table = Table::headless(&[false, true, false, false]);
    for t in &c.tranches {
        let kind = match t.kind {
            TrancheKind::Firm => "firm".to_string(),
            TrancheKind::Option {
                exercise,
                exercise_utilization,
            } => format!(
                "option, exercise {} at {GE} {} utilization",
                exercise.format("%Y-%m"),
                pct(exercise_utilization)
            ),
        };
        table.row(vec![
            t.id.clone(),
            format!("{} MW", mw(t.mw)),
            format!("online {}", t.online.format("%Y-%m")),
            format!(
                "{kind}{}",
                t.deadline
                    .map(|x| format!(", deadline {}", x.format("%Y-%m")))
                    .unwrap_or_default()
            ),
        ]);
    }
    s.push_str(&table.render_on(4, screen));
    let gens: Vec<String> = c
        .generations
        .iter()
        .map(|g| format!("{} ({})", g.name, g.available.format("%Y-%m")))
        .collect();
    let _ = writeln!(s, "  generations {}", sanitize(&gens.join(" → ")));
    if c.equity.is_empty() {
        let _ = writeln!(s, "  equity      none");
    } else {
        let _ = writeln!(s, "  equity      {} tranche(s)", c.equity.len());
        let mut table = Table::headless(&[false, true, false]);
        for e in &c.equity {
            let when = match &e.trigger {
                EquityTrigger::At { date } => format!("at {}", date.format("%Y-%m")),
                EquityTrigger::When { text, deadline, .. } => format!(
                    "when {text}{}",
                    deadline
                        .map(|x| format!(", by {}", x.format("%Y-%m")))
                        .unwrap_or_default()
                ),
            };
            table.row(vec![e.id.clone(), usd(e.amount), when]);
        }
        s.push_str(&table.render_on(4, screen));
    }
    let mut counts: Vec<String> = Evidence::ALL
        .iter()
        .map(|g| {
            let n = c.inputs.iter().filter(|i| i.evidence == Some(*g)).count();
            format!("{n} {}", g.name())
        })
        .collect();
    let ungraded = c.inputs.iter().filter(|i| i.evidence.is_none()).count();
    counts.push(format!("{ungraded} ungraded"));
    // Dates count as inputs only when written with provenance; a v1 sheet has none.
    let dates = c.inputs.iter().filter(|i| i.value.date().is_some()).count();
    let what = match dates {
        0 => format!("{} numbers", c.inputs.len()),
        n => format!(
            "{} numbers and {n} date{}",
            c.inputs.len() - n,
            if n == 1 { "" } else { "s" }
        ),
    };
    let _ = writeln!(s, "  inputs      {what}: {}", counts.join(", "));
    let alts = c
        .inputs
        .iter()
        .filter(|i| !i.alternatives.is_empty())
        .count();
    if alts > 0 {
        let _ = writeln!(
            s,
            "  variants    {alts} term(s) with alternatives (see `offtake compare`)"
        );
    }
    s
}
