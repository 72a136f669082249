//! `offtake deals import CSV` and `offtake deals conflicts`: the public deal list in the
//! portfolio database (one transaction per import; a bad row imports nothing).

use std::path::PathBuf;

use offtake_report::public_deals::imported_text;
use offtake_store::PortfolioStore;

use crate::cmd::db::{Access, DbArgs, WithDb, with_store};
use crate::error::{CliError, CliResult};
use crate::output::{pretty, print_out};

pub type Args = WithDb<Command>;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Import a deal-list CSV (the format of shared/data/deals/public_deals.csv): all rows or
    /// none; re-importing the same file changes nothing.
    Import(ImportArgs),
    /// Deal groups with several claims: each claim's value, evidence and source.
    Conflicts(ConflictsArgs),
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The CSV file.
    pub file: PathBuf,
}

#[derive(clap::Args)]
pub struct ConflictsArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Only groups whose claims give different numbers.
    #[arg(long)]
    pub disagreeing: bool,
    /// Let tables be wider than 120 columns instead of wrapping their text columns.
    #[arg(long)]
    pub wide: bool,
}

pub fn run(args: &Args) -> CliResult {
    match &args.command {
        Command::Import(a) => import(&args.db, a),
        Command::Conflicts(a) => with_store(&args.db, Access::Read, |s| conflicts(s, a)),
    }
}

fn import(db: &DbArgs, args: &ImportArgs) -> CliResult {
    let path = args.file.display().to_string();
    // Read and parse before opening the database: a bad file creates nothing.
    let bytes = std::fs::read(&args.file).map_err(|e| CliError::failure(format!("{path}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        CliError::invalid(format!(
            "{path}: not UTF-8 text ({e}); nothing was imported"
        ))
    })?;
    let rows = offtake_data::parse_deals_csv(&text)
        .map_err(|e| CliError::invalid(format!("{path}: {e}; nothing was imported")))?;
    with_store(db, Access::Write, |store| {
        let report = store
            .import_deals(&rows)
            .map_err(|e| CliError::from(e).nothing_imported(&path))?;
        let counts = (report.inserted, report.updated, report.unchanged);
        let out = imported_text(&path, counts, report.derived_changed);
        print_out(&out)
    })
}

fn conflicts(store: &mut dyn PortfolioStore, args: &ConflictsArgs) -> CliResult {
    let mut groups = store.conflicts()?;
    if args.disagreeing {
        groups.retain(|g| g.claims_disagree);
    }
    if args.json {
        return print_out(&pretty(&groups)?);
    }
    let screen = crate::present::screen(args.wide, false);
    print_out(&offtake_report::public_deals::conflicts_text(
        &groups, &screen,
    ))
}
