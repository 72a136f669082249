//! `offtake compare FILE`: the base case and every alternative of every sourced term, one at a
//! time, side by side, with the verdicts that flip marked.

use std::path::PathBuf;

use offtake_engine::{Scenario, underwrite};
use offtake_model::Variant;
use offtake_report::compare::{CompareJson, Run};

use crate::error::{CliError, CliResult};
use crate::output::{Kind, check_extension, refuse_inputs};
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
        crate::diagnostics::render(&loaded.path, &loaded.text, e, true, &mut std::io::stderr());
        CliError::Invalid(None)
    };
    // The text is parsed once; each alternative is a validation of the same tree.
    let sheet = offtake_model::TermSheet::read(&loaded.text).map_err(|e| invalid(&e))?;
    let mut runs = vec![Run::new(
        base,
        &underwrite(base, &Scenario::base(base)),
        None,
        0,
    )];
    for (term, count) in base.alternative_terms() {
        for n in 1..=count {
            let variant = Variant {
                term: term.clone(),
                n,
            };
            let contract = sheet
                .contract(std::slice::from_ref(&variant))
                .map_err(|e| {
                    // An alternative can break a rule the base keeps (a floor above 1).
                    eprintln!("error: variant {term}={n}:");
                    invalid(&e)
                })?;
            let outcome = underwrite(&contract, &Scenario::base(&contract));
            let index = runs.len();
            runs.push(Run::new(&contract, &outcome, Some(&variant), index));
        }
    }
    let text = if args.json {
        CompareJson::new(base, &runs).to_string_pretty()?
    } else {
        let screen = crate::present::screen(args.wide, args.output.is_some());
        offtake_report::compare::terminal_on(base, &runs, &screen)
    };
    crate::output::write_text(args.output.as_deref(), &text)
}
