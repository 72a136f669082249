//! `offtake report FILE --format html|xlsx|csv|json -o OUT`: the documents a credit committee
//! reads — a self-contained HTML report with charts, an XLSX workbook whose annual totals are
//! formulas over the monthly sheet — plus the CSV and JSON of `offtake underwrite`.
//!
//! Everything is rendered in memory first: a bad term sheet (exit 2) or a failed run writes
//! nothing, and an output that cannot be written exits 1.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::ValueEnum as _;
use offtake_engine::underwrite;
use offtake_model::{Contract, RiskSpec, Variant};
use offtake_report::csv::FILE_NAMES;
use offtake_report::document::Report;
use offtake_report::files::Kind;
use offtake_report::risk_view::RiskView;
use offtake_risk::{Control, RunConfig, RunOptions, drivers, report, simulate};

use crate::error::{CliError, CliResult};
use crate::output::{check_extension, in_dir, refuse_inputs, write_dir, write_file};
use crate::termsheet::load;

/// The document to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One self-contained HTML file (inline SVG charts and CSS; prints on A4/Letter).
    Html,
    /// An XLSX workbook: Summary, Annual (formulas over Monthly), Monthly, Inputs, Risk.
    Xlsx,
    /// monthly.csv and annual.csv in the directory OUT (as `offtake underwrite --csv`).
    Csv,
    /// One JSON object (as `offtake underwrite --json`).
    Json,
}

impl Format {
    /// The format an output path's extension names, if any.
    fn from_path(path: &Path) -> Option<Format> {
        let kind = Kind::of(path)?;
        Format::value_variants()
            .iter()
            .copied()
            .find(|f| f.kind() == kind)
    }

    fn kind(self) -> Kind {
        match self {
            Format::Html => Kind::Html,
            Format::Xlsx => Kind::Xlsx,
            Format::Json => Kind::Json,
            Format::Csv => Kind::Csv,
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// The term sheet to report on.
    pub file: PathBuf,
    /// What to write (default: from OUT's extension).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Where to write it: a file, or a directory for --format csv.
    #[arg(short = 'o', long = "output", value_name = "OUT", required = true)]
    pub output: PathBuf,
    /// Add the Monte Carlo risk section (the term sheet's [risk]: NPV and IRR distributions,
    /// tornado, verdict probabilities). HTML and XLSX only.
    #[arg(long)]
    pub risk: bool,
    /// With --risk: the drivers of each verdict (the factor conditions under which its
    /// probability changes most), in words and a chart per verdict.
    #[arg(long, requires = "risk")]
    pub drivers: bool,
    /// Number of Monte Carlo paths (default: [risk] paths, else 10,000).
    #[arg(long, value_name = "N", requires = "risk",
          value_parser = clap::value_parser!(u64).range(1..=RiskSpec::MAX_PATHS))]
    pub paths: Option<u64>,
    /// Add Sobol indices to the risk section, beside the tornado (marking where its
    /// one-at-a-time swing misleads).
    #[arg(long, value_name = "METHOD", requires = "risk")]
    pub sensitivity: Option<crate::cmd::risk::Sensitivity>,
    /// Base paths N of the Sobol design (default 16,384).
    #[arg(long, value_name = "N", requires = "sensitivity",
          value_parser = clap::value_parser!(u64).range(offtake_risk::sobol::MIN_BASE_PATHS..=offtake_risk::sobol::MAX_BASE_PATHS))]
    pub base_paths: Option<u64>,
    /// Run an alternative of a sourced term: TERM=N (repeatable; `offtake compare` lists them).
    #[arg(long = "variant", value_name = "TERM=N")]
    pub variants: Vec<Variant>,
    /// Run the deal with PARTY defaulting in month YYYY-MM (MODEL §14; repeatable): PARTY is
    /// `buyer` or a guarantee or backstop id; parties not named do not default. The figures are
    /// then the realized ones (coverage with the recovery and the support received).
    #[arg(long = "default", value_name = "PARTY=YYYY-MM")]
    pub defaults: Vec<crate::defaults::ForcedDefault>,
    /// What-if: the base run with the sheet's demand curve multiplied by X (MODEL §4's
    /// demand_factor; 0.01 ≤ X ≤ 10), as `offtake underwrite --demand-factor`. The document says it
    /// is a what-if; a --risk section still draws demand from the sheet's [risk] as written.
    #[arg(long = "demand-factor", value_name = "X", value_parser = offtake_engine::parse_demand_factor)]
    pub demand_factor: Option<f64>,
    /// No progress lines on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Exit code: 0 ok, 2 invalid input (flags or term sheet; nothing written), 1 other failures
/// (including an output that cannot be written).
pub fn run(args: &Args) -> CliResult {
    let Some(format) = args.format.or_else(|| Format::from_path(&args.output)) else {
        return Err(CliError::invalid(
            "say which document to write: --format html|xlsx|csv|json (or give OUT an extension such as .html)",
        ));
    };
    if args.risk && matches!(format, Format::Csv | Format::Json) {
        return Err(CliError::invalid(
            "--risk adds a section to the HTML and XLSX reports; for risk as JSON use `offtake risk --json`",
        ));
    }
    // An output that is an input, or whose extension names another format, is refused up front.
    let outputs = match format {
        Format::Csv => in_dir(&args.output, &FILE_NAMES),
        _ => vec![args.output.clone()],
    };
    let outputs: Vec<(&str, PathBuf)> = outputs.into_iter().map(|p| ("-o", p)).collect();
    refuse_inputs(&outputs, &[&args.file])?;
    check_extension("-o", &args.output, format.kind())?;
    let loaded = load(&args.file, &args.variants)?;
    let contract = &loaded.contract;
    let scenario = crate::defaults::scenario(contract, &args.defaults, args.demand_factor)?;
    let outcome = underwrite(contract, &scenario);
    let risk = if args.risk {
        let sobol = args
            .sensitivity
            .map(|crate::cmd::risk::Sensitivity::Sobol| {
                args.base_paths
                    .unwrap_or(offtake_risk::sobol::DEFAULT_BASE_PATHS)
            });
        Some(run_risk(
            contract,
            args.paths,
            args.drivers,
            sobol,
            args.quiet,
        )?)
    } else {
        None
    };
    let file_name = args
        .file
        .file_name()
        .map_or_else(|| loaded.path.clone(), |n| n.to_string_lossy().into_owned());
    let doc = Report {
        contract,
        outcome: &outcome,
        variants: &args.variants,
        demand_factor: args.demand_factor,
        file_name: &file_name,
        risk: risk.as_ref(),
    };
    if format == Format::Csv {
        let files = offtake_report::csv::render_files(contract, &outcome, args.demand_factor)?;
        return write_dir(&args.output, &files, args.quiet);
    }
    let bytes = offtake_report::document::render(&doc, format.kind())?;
    write_file(&args.output, &bytes, args.quiet)
}

/// Runs the Monte Carlo of the term sheet's [risk] (`paths` overrides its path count).
fn run_risk(
    contract: &Contract,
    paths: Option<u64>,
    with_drivers: bool,
    sobol: Option<u64>,
    quiet: bool,
) -> Result<RiskView, offtake_risk::Error> {
    let options = RunOptions {
        n_paths: paths,
        keep_factors: with_drivers,
        sobol,
        ..RunOptions::default()
    };
    let config = RunConfig::new(contract, options)?;
    if contract.risk.is_none() && !quiet {
        if contract.parties().iter().any(|(_, _, c)| c.is_some()) {
            eprintln!(
                "note: the term sheet has no [risk] table: only the parties' default times vary"
            );
        } else {
            eprintln!("note: the term sheet has no [risk] table: every path is the base case");
        }
    }
    let started = Instant::now();
    let sim = simulate(contract, &config, Control::default())?;
    let mut risk = report(contract, &sim)?;
    if with_drivers {
        risk.drivers = Some(drivers(contract, &*sim.paths_table()?)?);
    }
    if !quiet {
        eprintln!(
            "risk: {} paths in {:.2} s",
            sim.table.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(RiskView::from_run(&risk, &sim.table))
}
