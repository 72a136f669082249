//! `offtake underwrite FILE`: run one term sheet (base case or chosen alternatives) and present
//! it in the terminal, as JSON (`--json`, `-o FILE`) and as CSV (`--csv DIR`).

use std::path::PathBuf;

use offtake_engine::underwrite;
use offtake_model::Variant;
use offtake_report::UnderwritingJson;

use offtake_report::csv::FILE_NAMES;
use offtake_report::files::Kind;

use crate::error::CliResult;
use crate::output::{check_extension, in_dir, refuse_inputs, write_dir};
use crate::termsheet::load;

#[derive(clap::Args)]
pub struct Args {
    /// The term sheet to underwrite.
    pub file: PathBuf,
    /// Run an alternative of a sourced term: TERM=N, N=1 the first alternative, 0 the base
    /// value (repeatable; `offtake compare` lists them).
    #[arg(long = "variant", value_name = "TERM=N")]
    pub variants: Vec<Variant>,
    /// Run the deal with PARTY defaulting in month YYYY-MM (MODEL §14; repeatable): PARTY is
    /// `buyer` or a guarantee or backstop id; parties not named do not default. The figures are
    /// then the realized ones (coverage with the recovery and the support received).
    #[arg(long = "default", value_name = "PARTY=YYYY-MM")]
    pub defaults: Vec<crate::defaults::ForcedDefault>,
    /// What-if: run with the sheet's demand curve multiplied by X (MODEL §4's demand_factor; 1 is
    /// the sheet as written; 0.01 ≤ X ≤ 10). Not a term of the sheet: the reports say the run is a
    /// what-if (the JSON gains `scenario.demand_factor`).
    #[arg(long = "demand-factor", value_name = "X", value_parser = offtake_engine::parse_demand_factor)]
    pub demand_factor: Option<f64>,
    /// Write the full result as one JSON object instead of the terminal report.
    #[arg(long)]
    pub json: bool,
    /// Write the report (terminal text, or JSON with --json) to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write monthly.csv and annual.csv into DIR (created if missing).
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
    /// Let tables be wider than 120 columns instead of wrapping their text columns.
    #[arg(long)]
    pub wide: bool,
}

/// Exit code: 0 ok, 2 invalid term sheet (diagnostics already printed), 1 other failures.
/// Nothing is written unless the term sheet is valid and every output has been rendered.
pub fn run(args: &Args) -> CliResult {
    let mut outputs: Vec<(&str, PathBuf)> = Vec::new();
    if let Some(out) = &args.output {
        outputs.push(("-o", out.clone()));
    }
    if let Some(dir) = &args.csv {
        outputs.extend(in_dir(dir, &FILE_NAMES).into_iter().map(|p| ("--csv", p)));
    }
    refuse_inputs(&outputs, &[&args.file])?;
    if let Some(out) = &args.output {
        check_extension("-o", out, if args.json { Kind::Json } else { Kind::Text })?;
    }
    let loaded = load(&args.file, &args.variants)?;
    let contract = &loaded.contract;
    let scenario = crate::defaults::scenario(contract, &args.defaults, args.demand_factor)?;
    let outcome = underwrite(contract, &scenario);
    let report = if args.json {
        UnderwritingJson::new(contract, &outcome)
            .with_variants(contract, &args.variants)
            .with_demand_factor(args.demand_factor)
            .to_string_pretty()?
    } else {
        let screen = crate::present::screen(args.wide, args.output.is_some());
        offtake_report::terminal::underwriting_what_if(
            contract,
            &outcome,
            &args.variants,
            args.demand_factor,
            &screen,
        )
    };
    if let Some(dir) = &args.csv {
        write_dir(
            dir,
            &offtake_report::csv::render_files(contract, &outcome, args.demand_factor)?,
            false,
        )?;
    }
    crate::output::write_text(args.output.as_deref(), &report)
}
