//! `offtake solve FILE --vary TERM --target GOAL`: the value of a numeric term at which a goal
//! starts or stops holding (a verdict, a metric bound, or with `--risk` a probability over a
//! fixed set of paths); with two `--vary`, the boundary of the second over a grid of the first.
//! Flags → a checked plan (every term, range and goal validated before any run) → offtake-solve
//! → offtake-report → exit code.

use std::path::PathBuf;

use offtake_model::{TermSheet, Variant};
use offtake_report::files::Kind;
use offtake_solve::{
    CurvePlan, DEFAULT_CURVE_GRID, DEFAULT_GRID, Goal, Plan, SolveError, check_grid, curve,
    find_term, range, risk_plan, solve,
};

use crate::error::{CliError, CliResult};
use crate::output::{check_extension, refuse_inputs};
use crate::termsheet::load;

#[derive(clap::Args)]
pub struct Args {
    /// The term sheet.
    pub file: PathBuf,
    /// The numeric term to solve for, by its path (`take_or_pay.floor`, `pricing.discount`,
    /// `tranche.phase-1.mw`, …). Twice: the boundary of the second over a grid of the first.
    #[arg(long = "vary", value_name = "TERM", required = true)]
    pub vary: Vec<String>,
    /// What must hold: a verdict (contracted, financeable, deliverable, all), a metric bound
    /// (provider_irr>=0.12, min_dscr>=1.3, coverage>=1), or with --risk a probability
    /// (P(financeable)>=0.9, P(provider_irr>=0.1)>=0.8).
    #[arg(long, value_name = "GOAL")]
    pub target: String,
    /// The range of each varied term, in the order of --vary: A..B (default: the term's valid
    /// values when short, such as 0..1 for a fraction; else 0 to twice the file's value).
    #[arg(long = "range", value_name = "A..B", allow_hyphen_values = true)]
    pub ranges: Vec<String>,
    /// Points of the scan grid, 2 to 10,000: over the term's range in a one-term solve
    /// (default 17; more points see crossings closer together), over the first term's range in
    /// a two-term solve (default 25).
    #[arg(long, value_name = "N")]
    pub grid: Option<usize>,
    /// Run an alternative of a sourced term: TERM=N (repeatable), as in `underwrite`.
    #[arg(long = "variant", value_name = "TERM=N")]
    pub variants: Vec<Variant>,
    /// The goal is a probability over Monte Carlo paths ([risk]); the same paths at every value.
    #[arg(long)]
    pub risk: bool,
    /// Paths of --risk (default: [risk] paths, else 10,000).
    #[arg(long, value_name = "N", requires = "risk")]
    pub paths: Option<u64>,
    /// Seed of --risk (default: [risk] seed, else 0).
    #[arg(long, value_name = "S", requires = "risk")]
    pub seed: Option<u64>,
    /// Worker threads of --risk (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "N", requires = "risk")]
    pub threads: Option<usize>,
    /// Print one JSON object instead of the terminal report.
    #[arg(long)]
    pub json: bool,
    /// Write the result to FILE: JSON (.json), the boundary chart of a two-term solve (.html),
    /// else the terminal text.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// A range flag: `A..B`, two finite numbers around exactly two dots (`0...1` is refused, not
/// read as 0..0.1; an empty side or a word is refused).
fn parse_range(text: &str) -> CliResult<(f64, f64)> {
    let bad = || {
        CliError::invalid(format!(
            "--range `{text}`: write A..B with two numbers around two dots, e.g. 0.5..1"
        ))
    };
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let (a, b) = (a.trim(), b.trim());
    // A third dot next to the two (`0...1`, `0.5...1`) leaves `0.`/`.1` on one side.
    if a.ends_with('.') || b.starts_with('.') {
        return Err(bad());
    }
    let number = |side: &str| match side.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(x),
        _ => Err(bad()),
    };
    Ok((number(a)?, number(b)?))
}

/// A solve error as a CLI error: every one is the input's fault (exit 2) but a failed run.
fn cli(e: SolveError) -> CliError {
    match e {
        SolveError::Risk(offtake_risk::Error::OutOfMemory { .. }) => CliError::failure(e),
        e => CliError::invalid(e),
    }
}

/// What `-o` writes.
fn output_kind(args: &Args) -> CliResult<Kind> {
    let Some(out) = &args.output else {
        return Ok(if args.json { Kind::Json } else { Kind::Text });
    };
    let kind = match Kind::of(out) {
        Some(Kind::Html) if args.vary.len() == 2 => Kind::Html,
        Some(Kind::Html) => {
            return Err(CliError::invalid(
                "-o FILE.html draws the boundary curve of a two-term solve (--vary A --vary B); a one-term solve writes .json or text",
            ));
        }
        _ if args.json => Kind::Json,
        Some(Kind::Json) => Kind::Json,
        _ => Kind::Text,
    };
    check_extension("-o", out, kind)?;
    Ok(kind)
}

/// Exit code: 0 ok (whatever the status: infeasible is an answer), 2 invalid input (a term, a
/// range, a goal, the term sheet), 1 a failed run. Nothing runs or is written until every flag,
/// term and range is checked.
pub fn run(args: &Args) -> CliResult {
    if args.vary.len() > 2 {
        return Err(CliError::invalid(
            "--vary takes one term (solve) or two (a boundary curve)",
        ));
    }
    if args.vary.len() == 2 && args.vary[0] == args.vary[1] {
        return Err(cli(SolveError::SameTerm(args.vary[0].clone())));
    }
    if args.ranges.len() > args.vary.len() {
        return Err(CliError::invalid(
            "give at most one --range per --vary, in the same order",
        ));
    }
    let grid = match (args.grid, args.vary.len()) {
        (Some(n), _) => n,
        (None, 1) => DEFAULT_GRID,
        (None, _) => DEFAULT_CURVE_GRID,
    };
    check_grid(grid).map_err(|e| CliError::invalid(format!("--grid: {e}")))?;
    let ranges = args
        .ranges
        .iter()
        .map(|r| parse_range(r))
        .collect::<CliResult<Vec<_>>>()?;
    let goal = Goal::parse(&args.target, args.risk)
        .map_err(|e| CliError::invalid(format!("--target: {e}")))?;
    if let Some(out) = &args.output {
        refuse_inputs(&[("-o", out)], &[&args.file])?;
    }
    let kind = output_kind(args)?;
    let loaded = load(&args.file, &args.variants)?;
    let sheet = TermSheet::read(&loaded.text).map_err(|e| CliError::invalid(e.to_string()))?;
    let terms = args
        .vary
        .iter()
        .map(|t| find_term(&sheet, &args.variants, t).map_err(|e| cli_term(t, e)))
        .collect::<CliResult<Vec<_>>>()?;
    let risk = if args.risk {
        Some(risk_plan(&loaded.contract, args.paths, args.seed, args.threads).map_err(cli)?)
    } else {
        None
    };
    // A range end the file's rules refuse is shown located, at the term's value in the file.
    let located = |e: SolveError| {
        if let SolveError::OutsideValid { error, .. } = &e {
            crate::termsheet::print_diagnostics(&loaded.path, &loaded.text, error, true);
        }
        cli(e)
    };
    let text = if let [term] = terms.as_slice() {
        let r =
            range(&sheet, &args.variants, &[], term, ranges.first().copied()).map_err(located)?;
        let plan = Plan {
            term: term.clone(),
            range: r,
            goal,
            risk,
            grid,
            variants: args.variants.clone(),
        };
        let solution = solve(&sheet, &plan).map_err(cli)?;
        match kind {
            Kind::Json => crate::output::pretty(&solution)?,
            _ => offtake_report::solve_view::solution(&solution),
        }
    } else {
        let (a, b) = (&terms[0], &terms[1]);
        let ra = range(&sheet, &args.variants, &[], a, ranges.first().copied()).map_err(located)?;
        let rb = range(&sheet, &args.variants, &[], b, ranges.get(1).copied()).map_err(located)?;
        let plan = CurvePlan {
            a: a.clone(),
            a_range: ra,
            points: grid,
            b: Plan {
                term: b.clone(),
                range: rb,
                goal,
                risk,
                grid: DEFAULT_GRID,
                variants: args.variants.clone(),
            },
        };
        let c = curve(&sheet, &plan).map_err(cli)?;
        match kind {
            Kind::Json => crate::output::pretty(&c)?,
            Kind::Html => offtake_report::html::solve_curve(&c, &loaded.path)
                .map_err(|e| CliError::failure(e.to_string()))?,
            _ => offtake_report::solve_view::curve(&c),
        }
    };
    crate::output::write_text(args.output.as_deref(), &text)
}

/// An unknown or non-numeric term, named with the flag.
fn cli_term(term: &str, e: SolveError) -> CliError {
    match e {
        SolveError::Model(m) => CliError::invalid(format!("--vary {term}: {m}")),
        e => cli(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_two_numbers_around_two_dots() {
        assert_eq!(parse_range("0.5..1").unwrap(), (0.5, 1.0));
        assert_eq!(parse_range(" -1 .. 0.5").unwrap(), (-1.0, 0.5));
        assert_eq!(parse_range(".5..1").unwrap(), (0.5, 1.0));
        for bad in [
            "0...1", "0.5...1", "0....1", "..1", "0..", "..", "0..1..2", "a..1", "0..nan",
            "-inf..1", "0-1",
        ] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }
}
