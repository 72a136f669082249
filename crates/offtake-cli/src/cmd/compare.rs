//! `offtake compare FILE`: the base case and every alternative of every sourced term, one at a
//! time, side by side, with the verdicts that flip marked. With `--all-combinations`: every
//! combination of the alternatives (at most `offtake_model::MAX_COMBINATIONS`), with the
//! verdicts that only a combination flips named.

use std::path::PathBuf;

use offtake_engine::{Scenario, underwrite};
use offtake_model::{MAX_COMBINATIONS, TermSheet, chosen_terms, combination_count};
use offtake_report::compare::too_many_combinations;
use offtake_report::compare::{Combination, CombinationsJson, CompareJson, Run};

use offtake_report::files::Kind;

use crate::error::{CliError, CliResult};
use crate::output::{check_extension, refuse_inputs};
use crate::termsheet::load;

#[derive(clap::Args)]
pub struct Args {
    /// The term sheet whose alternatives to compare.
    pub file: PathBuf,
    /// Write the comparison as one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Write the comparison to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Let tables be wider than 120 columns instead of wrapping their text columns.
    #[arg(long)]
    pub wide: bool,
    /// Run every combination of alternatives (each term at its base or one of its
    /// alternatives, all at once), not one term at a time; at most 4,096 runs.
    #[arg(long = "all-combinations")]
    pub all_combinations: bool,
    /// With --all-combinations: combine only TERM's alternatives (repeatable); every other
    /// term stays at its base value.
    #[arg(long = "term", value_name = "TERM", requires = "all_combinations")]
    pub terms: Vec<String>,
}

/// Exit code: 0 ok, 2 invalid term sheet, 1 other failures.
pub fn run(args: &Args) -> CliResult {
    if let Some(out) = &args.output {
        refuse_inputs(&[("-o", out)], &[&args.file])?;
        check_extension("-o", out, if args.json { Kind::Json } else { Kind::Text })?;
    }
    let loaded = load(&args.file, &[])?;
    let base = &loaded.contract;
    let invalid = |e: &offtake_model::Error| {
        crate::termsheet::print_diagnostics(&loaded.path, &loaded.text, e, true);
        CliError::Invalid(None)
    };
    // The text is parsed once; each alternative is a validation of the same tree.
    let sheet = TermSheet::read(&loaded.text).map_err(|e| invalid(&e))?;
    if args.all_combinations {
        let terms = chosen_terms(base, &args.terms)
            .map_err(|e| CliError::invalid(format!("--term {}: {e}", e.term)))?;
        let count = combination_count(&terms);
        if count > MAX_COMBINATIONS {
            let message = too_many_combinations(&terms, count, MAX_COMBINATIONS);
            return Err(CliError::invalid(message));
        }
        let runs = Combination::run_all(&sheet, base, &terms);
        let text = if args.json {
            CombinationsJson::new(base, &terms, &runs).to_string_pretty()?
        } else {
            let screen = crate::present::screen(args.wide, args.output.is_some());
            offtake_report::compare::combinations_terminal_on(base, &terms, &runs, &screen)
        };
        return crate::output::write_text(args.output.as_deref(), &text);
    }
    let mut runs = vec![Run::new(
        base,
        &underwrite(base, &Scenario::base(base)),
        None,
        0,
    )];
    for variant in base.variants() {
        let contract = sheet
            .contract(std::slice::from_ref(&variant))
            .map_err(|e| {
                // An alternative can break a rule the base keeps (a floor above 1).
                eprintln!("error: variant {}={}:", variant.term, variant.n);
                invalid(&e)
            })?;
        let outcome = underwrite(&contract, &Scenario::base(&contract));
        let index = runs.len();
        runs.push(Run::new(&contract, &outcome, Some(&variant), index));
    }
    let text = if args.json {
        CompareJson::new(base, &runs).to_string_pretty()?
    } else {
        let screen = crate::present::screen(args.wide, args.output.is_some());
        offtake_report::compare::terminal_on(base, &runs, &screen)
    };
    crate::output::write_text(args.output.as_deref(), &text)
}
