//! `offtake check FILE...`: validate term sheets and summarise what each one agrees.

use std::fmt::Write as _;
use std::path::PathBuf;

use offtake_model::{Contract, EquityTrigger, Evidence, TrancheKind};
use offtake_report::document::firm_and_option_mw;
use offtake_report::format::{mw, usd};

use crate::error::{CliError, CliResult};
use crate::termsheet::load_to_check;

#[derive(clap::Args)]
pub struct Args {
    /// Term sheets to validate.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Every file is checked. Exit code: 0 when every file is valid, 2 when any is not (1 when one
/// cannot be read).
pub fn run(args: &Args) -> CliResult {
    let mut worst: Option<CliError> = None;
    for path in &args.files {
        match load_to_check(path) {
            Ok(loaded) => print!("{}", summary(&loaded.path, &loaded.contract)),
            Err(e) => {
                worst = Some(e.printed().worse(worst));
            }
        }
    }
    worst.map_or(Ok(()), Err)
}

/// The short summary `check` prints for a valid term sheet.
pub fn summary(path: &str, c: &Contract) -> String {
    let mut s = String::new();
    let d = &c.deal;
    let _ = writeln!(s, "{path}: ok");
    let _ = writeln!(
        s,
        "  deal        {}{}",
        d.id,
        d.name
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default()
    );
    if d.buyer.is_some() || d.provider.is_some() {
        let _ = writeln!(
            s,
            "  parties     buyer {} · provider {}",
            d.buyer.as_deref().unwrap_or("?"),
            d.provider.as_deref().unwrap_or("?")
        );
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
    for t in &c.tranches {
        let kind = match t.kind {
            TrancheKind::Firm => "firm".to_string(),
            TrancheKind::Option {
                exercise,
                exercise_utilization,
            } => format!(
                "option, exercise {} at ≥{:.0}% utilization",
                exercise.format("%Y-%m"),
                exercise_utilization * 100.0
            ),
        };
        let _ = writeln!(
            s,
            "    {:<12} {:>8} MW  online {}  {}{}",
            t.id,
            mw(t.mw),
            t.online.format("%Y-%m"),
            kind,
            t.deadline
                .map(|x| format!(", deadline {}", x.format("%Y-%m")))
                .unwrap_or_default()
        );
    }
    let gens: Vec<String> = c
        .generations
        .iter()
        .map(|g| format!("{} ({})", g.name, g.available.format("%Y-%m")))
        .collect();
    let _ = writeln!(s, "  generations {}", gens.join(" → "));
    if c.equity.is_empty() {
        let _ = writeln!(s, "  equity      none");
    } else {
        let _ = writeln!(s, "  equity      {} tranche(s)", c.equity.len());
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
            let _ = writeln!(s, "    {:<12} {:>10}  {when}", e.id, usd(e.amount));
        }
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
    let _ = writeln!(
        s,
        "  inputs      {} numbers: {}",
        c.inputs.len(),
        counts.join(", ")
    );
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
