//! `offtake check FILE...`: validate term sheets and summarise what each one agrees.

use std::fmt::Write as _;
use std::path::PathBuf;

use offtake_model::{Contract, EquityTrigger, Evidence, TrancheKind};

use crate::termsheet::load;

#[derive(clap::Args)]
pub struct Args {
    /// Term sheets to validate.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Exit code: 0 when every file is valid, 2 when any is not (1 when one cannot be read).
pub fn run(args: &Args) -> u8 {
    let mut code = 0;
    for path in &args.files {
        match load(path, &[]) {
            Ok(loaded) => print!("{}", summary(&loaded.path, &loaded.contract)),
            Err(e) => {
                eprintln!("error: {e}");
                code = code.max(e.exit_code());
            }
        }
    }
    code
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
    let firm: f64 = c
        .tranches
        .iter()
        .filter(|t| !t.is_option())
        .map(|t| t.mw)
        .sum();
    let option: f64 = c
        .tranches
        .iter()
        .filter(|t| t.is_option())
        .map(|t| t.mw)
        .sum();
    let _ = writeln!(
        s,
        "  tranches    {} ({} MW firm, {} MW option{})",
        c.tranches.len(),
        fmt_mw(firm),
        fmt_mw(option),
        d.max_mw
            .map(|m| format!(", max {} MW", fmt_mw(m)))
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
            fmt_mw(t.mw),
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
            let _ = writeln!(s, "    {:<12} {:>10}  {when}", e.id, fmt_usd(e.amount));
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

pub fn fmt_mw(x: f64) -> String {
    // An empty f64 sum is −0.0; show it as 0.
    let x = x + 0.0;
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

/// USD in the largest sensible unit: $1.25B, $400.0M, $12.5k.
pub fn fmt_usd(x: f64) -> String {
    let a = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    if a >= 1e9 {
        format!("{sign}${:.2}B", a / 1e9)
    } else if a >= 1e6 {
        format!("{sign}${:.1}M", a / 1e6)
    } else if a >= 1e3 {
        format!("{sign}${:.1}k", a / 1e3)
    } else {
        format!("{sign}${a:.2}")
    }
}
