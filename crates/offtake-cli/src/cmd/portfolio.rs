//! `offtake portfolio add|list|show|remove|export|summary`: term sheets kept in the portfolio
//! database with their underwriting results, and totals over the stored public deals.

use std::collections::BTreeMap;
use std::path::PathBuf;

use offtake_engine::{Outcome, Scenario, StoredResult, underwrite};
use offtake_report::portfolio::{ListEntry, StoredDeal, StoredFigures, SummaryJson};
use offtake_report::portfolio::{added_line, result_notes};
use offtake_store::{NewTermSheet, OnDuplicate, PortfolioStore, TermSheetSummary};
use serde_json::Value;

use crate::cmd::db::{Access, DbArgs, WithDb, with_store};
use offtake_report::files::Kind;

use crate::error::{CliError, CliResult};
use crate::output::{check_extension, pretty, print_out, refuse_inputs};
use crate::termsheet::{Loaded, load};

pub type Args = WithDb<Command>;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Validate, underwrite (base case) and store term sheets: all of them or none.
    Add(AddArgs),
    /// List the stored term sheets with key metrics and verdicts.
    List(ListArgs),
    /// Show one stored term sheet and its stored metrics.
    Show(ShowArgs),
    /// Remove a stored term sheet.
    Remove(IdArgs),
    /// Write a stored term sheet back, byte for byte.
    Export(ExportArgs),
    /// Totals over the stored public deals: by provider, buyer and year; GW; concentration;
    /// commitments against capex; evidence shares; conflicting claims as ranges.
    Summary(SummaryArgs),
}

#[derive(clap::Args)]
pub struct AddArgs {
    /// Term sheets to add.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Overwrite a stored term sheet with the same deal id (it keeps its id).
    #[arg(long)]
    pub replace: bool,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Every column (buyer and provider apart, buyer NPV, effective price), wider than 120.
    #[arg(long)]
    pub wide: bool,
}

#[derive(clap::Args)]
pub struct IdArgs {
    /// Portfolio id (the first column of `offtake portfolio list`) or deal id.
    pub id: String,
}

#[derive(clap::Args)]
pub struct ShowArgs {
    /// Portfolio id (the first column of `offtake portfolio list`) or deal id.
    pub id: String,
    /// Print the stored record (TOML text, validated contract, result) as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Portfolio id (the first column of `offtake portfolio list`) or deal id.
    pub id: String,
    /// Write to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct SummaryArgs {
    /// Print one JSON object instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Also write the tables as CSV files into DIR (created if missing).
    #[arg(long, value_name = "DIR")]
    pub csv: Option<PathBuf>,
    /// Let tables be wider than 120 columns instead of wrapping their text columns.
    #[arg(long)]
    pub wide: bool,
}

pub fn run(args: &Args) -> CliResult {
    match &args.command {
        Command::Add(a) => add(&args.db, a),
        Command::List(a) => with_store(&args.db, Access::Read, |s| list(s, a)),
        Command::Show(a) => with_store(&args.db, Access::Read, |s| show(s, a)),
        Command::Remove(a) => with_store(&args.db, Access::Read, |s| remove(s, &a.id)),
        Command::Export(a) => {
            if let Some(out) = &a.output {
                refuse_inputs(&[("-o", out)], args.db.sqlite_file().as_slice())?;
                check_extension("-o", out, Kind::Toml)?;
            }
            with_store(&args.db, Access::Read, |s| export(s, a))
        }
        Command::Summary(a) => with_store(&args.db, Access::Read, |s| summary(s, a, &args.db)),
    }
}

// ---- add ----

/// A validated term sheet with everything the store keeps.
struct Prepared {
    loaded: Loaded,
    validated: Value,
    result: Value,
    headline: String,
}

fn add(db_args: &DbArgs, args: &AddArgs) -> CliResult {
    // 1. Validate every file before anything is written.
    let mut loaded = Vec::new();
    let mut worst: Option<CliError> = None;
    for path in &args.files {
        match load(path, &[]) {
            Ok(l) => loaded.push(l),
            Err(e) => {
                worst = Some(e.printed().worse(worst));
            }
        }
    }
    if let Some(worst) = worst {
        let bad = args.files.len() - loaded.len();
        eprintln!(
            "error: {bad} of {} term sheet(s) could not be added; nothing was written",
            args.files.len()
        );
        return Err(worst);
    }
    let mut first_file: BTreeMap<&str, &str> = BTreeMap::new();
    for l in &loaded {
        if let Some(other) = first_file.insert(&l.contract.deal.id, &l.path) {
            return Err(CliError::invalid(format!(
                "{} and {} both define deal `{}`; nothing was written",
                other, l.path, l.contract.deal.id
            )));
        }
    }
    // 2. Underwrite each (base case) and encode what is stored.
    let mut prepared = Vec::with_capacity(loaded.len());
    for l in loaded {
        let outcome = underwrite(&l.contract, &Scenario::base(&l.contract));
        let headline = headline(&outcome);
        let result = StoredResult::new(outcome).to_value().map_err(|e| {
            CliError::failure(format!("{}: encoding the result as JSON: {e}", l.path))
        })?;
        let validated = serde_json::to_value(&l.contract).map_err(|e| {
            CliError::failure(format!("{}: encoding the contract as JSON: {e}", l.path))
        })?;
        prepared.push(Prepared {
            loaded: l,
            validated,
            result,
            headline,
        });
    }
    // 3. One transaction for all of them.
    let on_duplicate = if args.replace {
        OnDuplicate::Replace
    } else {
        OnDuplicate::Refuse
    };
    // The one clock reading of the batch: every sheet is stamped with it.
    let added_at = chrono::Utc::now();
    with_store(db_args, Access::Write, |store| {
        let sheets: Vec<NewTermSheet<'_>> = prepared
            .iter()
            .map(|p| {
                let deal = &p.loaded.contract.deal;
                NewTermSheet {
                    toml_text: &p.loaded.text,
                    deal_id: &deal.id,
                    name: deal.name.as_deref().unwrap_or(""),
                    buyer: deal.buyer.as_deref().unwrap_or(""),
                    provider: deal.provider.as_deref().unwrap_or(""),
                    validated: &p.validated,
                    result: Some(&p.result),
                    added_at,
                }
            })
            .collect();
        let added = store.add_many(&sheets, on_duplicate).map_err(|e| match e {
            offtake_store::Error::DuplicateDeal { deal_id, id } => CliError::invalid(format!(
                "deal `{deal_id}` is already in the portfolio as id {id}; nothing was written \
                         (use --replace to overwrite it, or `offtake portfolio remove {id}`)"
            )),
            other => other.into(),
        })?;
        let out: String = added
            .iter()
            .zip(&prepared)
            .map(|(a, p)| added_line(a.replaced, &a.deal_id, a.id, &p.loaded.path, &p.headline))
            .collect();
        print_out(&out)
    })
}

// ---- reading stored results ----

/// One line: provider NPV, IRR and the three verdicts.
fn headline(o: &Outcome) -> String {
    let screen = crate::present::screen(false, false);
    offtake_report::portfolio::headline(Some(&StoredFigures::from(o)), &screen)
}

/// Every stored term sheet with its stored result (or why it cannot be read), in id order.
fn stored_deals(
    store: &mut dyn PortfolioStore,
) -> CliResult<Vec<(TermSheetSummary, Result<Outcome, String>)>> {
    let entries = store.list_results()?.into_iter().map(|(s, r)| {
        let result = StoredResult::outcome_of(s.id, r.as_ref());
        (s, result)
    });
    Ok(entries.collect())
}

/// The view of a stored term sheet for `offtake_report::portfolio`.
fn stored_deal(s: &TermSheetSummary, result: Option<&Outcome>) -> StoredDeal {
    StoredDeal {
        id: s.id,
        deal_id: s.deal_id.clone(),
        name: s.name.clone(),
        buyer: s.buyer.clone(),
        provider: s.provider.clone(),
        result: result.map(StoredFigures::from),
    }
}

// ---- list, show, remove, export ----

fn list(store: &mut dyn PortfolioStore, args: &ListArgs) -> CliResult {
    let entries = stored_deals(store)?;
    if args.json {
        let entries: Vec<_> = entries
            .into_iter()
            .map(|(summary, result)| ListEntry::new(summary, result))
            .collect();
        return print_out(&pretty(&entries)?);
    }
    let deals: Vec<StoredDeal> = entries
        .iter()
        .map(|(s, r)| stored_deal(s, r.as_ref().ok()))
        .collect();
    let screen = crate::present::screen(args.wide, false);
    let mut text = offtake_report::portfolio::list_text(&deals, &screen);
    let notes = entries.iter().filter_map(|(_, r)| r.as_ref().err());
    text.push_str(&result_notes(notes.map(String::as_str)));
    print_out(&text)
}

fn show(store: &mut dyn PortfolioStore, args: &ShowArgs) -> CliResult {
    let id = store.find(&args.id)?;
    let sheet = store.show(id)?;
    if args.json {
        return print_out(&pretty(&sheet)?);
    }
    let s = &sheet.summary;
    let outcome =
        StoredResult::outcome_of(s.id, sheet.result.as_ref()).map_err(CliError::failure)?;
    // The stored text is the term sheet that was underwritten; the view is `underwrite`'s.
    let contract = offtake_model::parse(&sheet.toml_text).map_err(|e| {
        CliError::failure(format!(
            "id {}: the stored term sheet does not validate with this build ({e}); \
             `offtake portfolio export {}` writes it back",
            s.id, s.id
        ))
    })?;
    let screen = crate::present::screen(false, false);
    let deal = stored_deal(s, Some(&outcome));
    let text = offtake_report::portfolio::show_text(
        &deal,
        &s.added_at,
        sheet.toml_text.len(),
        &contract,
        &outcome,
        &screen,
    );
    print_out(&text)
}

fn remove(store: &mut dyn PortfolioStore, text: &str) -> CliResult {
    let id = store.find(text)?;
    let deal_id = store.show(id)?.summary.deal_id;
    store.remove(id)?;
    print_out(&format!("removed id {id} ({deal_id})\n"))
}

fn export(store: &mut dyn PortfolioStore, args: &ExportArgs) -> CliResult {
    let id = store.find(&args.id)?;
    let text = store.export(id)?;
    crate::output::write_text(args.output.as_deref(), &text)
}

// ---- summary ----

fn summary(store: &mut dyn PortfolioStore, args: &SummaryArgs, db: &DbArgs) -> CliResult {
    let summary = store.summary()?;
    let conflicts = store.conflicts()?;
    let disagreeing: Vec<&offtake_data::ConflictGroup> =
        conflicts.iter().filter(|c| c.claims_disagree).collect();
    // Render everything before writing anything.
    let csv_files = (args.csv.as_ref())
        .map(|_| offtake_report::public_deals::summary_csv(&summary.public_deals, &conflicts))
        .transpose()?;
    let text = if args.json {
        pretty(&SummaryJson {
            n_term_sheets: summary.n_term_sheets,
            public_deals: &summary.public_deals,
            conflicts: disagreeing,
        })?
    } else {
        let deals: Vec<StoredDeal> = stored_deals(store)?
            .iter()
            .map(|(s, r)| stored_deal(s, r.as_ref().ok()))
            .collect();
        let screen = crate::present::screen(args.wide, false);
        offtake_report::portfolio::summary_text(
            &deals,
            &summary.public_deals,
            &disagreeing,
            &screen,
        )
    };
    if let (Some(dir), Some(files)) = (&args.csv, csv_files) {
        let outputs: Vec<_> = files
            .iter()
            .map(|(name, _)| ("--csv", dir.join(name)))
            .collect();
        refuse_inputs(&outputs, db.sqlite_file().as_slice())?;
        crate::output::write_dir(dir, &files, false)?;
    }
    print_out(&text)
}
