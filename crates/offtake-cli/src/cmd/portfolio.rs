//! `offtake portfolio add|list|show|remove|export|summary`: term sheets kept in the portfolio
//! database with their underwriting results, and totals over the stored public deals.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use offtake_data::{Figure, PublicDealSummary};
use offtake_engine::{Metrics, Outcome, Scenario, Verdicts, underwrite};
use offtake_report::format::{pct, times, usd};
use offtake_report::terminal::Table;
use offtake_store::{NewTermSheet, OnDuplicate, PortfolioStore, TermSheetSummary};
use serde::Serialize;
use serde_json::Value;

use crate::cmd::db::{Access, DbArgs, WithDb, with_store};
use crate::error::{CliError, CliResult};
use crate::output::{Kind, check_extension, pretty, print_out, refuse_inputs};
use crate::present::{conflicts_csv, csv_text, gw_range, num, opt, usd_range};
use crate::stored::StoredResult;
use crate::termsheet::{Loaded, load};

pub type Args = WithDb<Command>;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Validate, underwrite (base case) and store term sheets: all of them or none.
    Add(AddArgs),
    /// List the stored term sheets with key metrics and verdicts.
    List(JsonArgs),
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
pub struct JsonArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
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
}

pub fn run(args: &Args) -> CliResult {
    match &args.command {
        Command::Add(a) => add(&args.db, a),
        Command::List(a) => with_store(&args.db, Access::Read, |s| list(s, a.json)),
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
        let mut out = String::new();
        for (a, p) in added.iter().zip(&prepared) {
            let verb = if a.replaced { "replaced" } else { "added" };
            let _ = writeln!(
                out,
                "{verb} {} as id {} from {}: {}",
                a.deal_id, a.id, p.loaded.path, p.headline
            );
        }
        print_out(&out)
    })
}

// ---- reading stored results ----

fn yes_no(v: bool) -> String {
    if v { "yes" } else { "no" }.to_string()
}

/// One line: provider NPV, IRR and the three verdicts.
fn headline(o: &Outcome) -> String {
    let (m, v) = (&o.metrics, &o.verdicts);
    format!(
        "provider NPV {}, IRR {}; contracted {}, financeable {}, deliverable {}",
        usd(m.provider_npv),
        m.provider_irr.map_or("none".into(), pct),
        yes_no(v.contracted),
        yes_no(v.financeable),
        yes_no(v.deliverable)
    )
}

/// The stored result of `id`, typed; `Err` says why it cannot be read and how to refresh it.
fn stored(id: i64, result: Option<&Value>) -> Result<Outcome, String> {
    let value = result.ok_or_else(|| format!("id {id} has no stored underwriting result"))?;
    StoredResult::read(id, value).map(|r| r.outcome)
}

// ---- list, show, remove, export ----

#[derive(Serialize)]
struct ListEntry {
    #[serde(flatten)]
    summary: TermSheetSummary,
    metrics: Option<Metrics>,
    verdicts: Option<Verdicts>,
    /// Why the stored result cannot be read (an older version), when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    result_note: Option<String>,
}

fn list(store: &mut dyn PortfolioStore, json: bool) -> CliResult {
    let mut entries = Vec::new();
    for summary in store.list()? {
        let result = stored(summary.id, store.show(summary.id)?.result.as_ref());
        entries.push((summary, result));
    }
    if json {
        let entries: Vec<ListEntry> = entries
            .into_iter()
            .map(|(summary, result)| ListEntry {
                summary,
                metrics: result.as_ref().ok().map(|o| o.metrics),
                verdicts: result.as_ref().ok().map(|o| o.verdicts),
                result_note: result.err(),
            })
            .collect();
        return print_out(&pretty(&entries)?);
    }
    if entries.is_empty() {
        return print_out(
            "no term sheets in the portfolio (add one with `offtake portfolio add FILE`)\n",
        );
    }
    let mut table = Table::new(
        &[
            "id",
            "deal id",
            "name",
            "buyer",
            "provider",
            "provider NPV",
            "IRR",
            "buyer NPV",
            "eff. $/PFLOP-h",
            "contracted",
            "financeable",
            "deliverable",
        ],
        &[
            true, false, false, false, false, true, true, true, true, false, false, false,
        ],
    );
    let mut notes = String::new();
    for (s, result) in &entries {
        let mut row = vec![
            s.id.to_string(),
            s.deal_id.clone(),
            clip(&s.name, 40),
            s.buyer.clone(),
            s.provider.clone(),
        ];
        match result {
            Ok(o) => {
                let (m, v) = (&o.metrics, &o.verdicts);
                row.extend([
                    usd(m.provider_npv),
                    m.provider_irr.map_or("none".into(), pct),
                    usd(m.buyer_npv),
                    m.effective_price
                        .map_or("none".into(), |x| format!("{x:.2}")),
                    yes_no(v.contracted),
                    yes_no(v.financeable),
                    yes_no(v.deliverable),
                ]);
            }
            Err(why) => {
                row.extend(std::iter::repeat_n("-".to_string(), 7));
                let _ = writeln!(notes, "note: {why}");
            }
        }
        table.row(row);
    }
    print_out(&(table.render(0) + &notes))
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

fn show(store: &mut dyn PortfolioStore, args: &ShowArgs) -> CliResult {
    let id = resolve(store, &args.id)?;
    let sheet = store.show(id)?;
    if args.json {
        return print_out(&pretty(&sheet)?);
    }
    let s = &sheet.summary;
    let result = sheet.result.as_ref();
    let mut out = String::new();
    let _ = writeln!(out, "id {}  {}  {}", s.id, s.deal_id, s.name);
    let _ = writeln!(out, "  buyer       {}", s.buyer);
    let _ = writeln!(out, "  provider    {}", s.provider);
    let _ = writeln!(out, "  added       {}", s.added_at);
    let _ = writeln!(
        out,
        "  term sheet  {} bytes (`offtake portfolio export {}` writes it back)",
        sheet.toml_text.len(),
        s.id
    );
    let outcome = stored(s.id, result).map_err(CliError::failure)?;
    // The stored text is the term sheet that was underwritten; the view is `underwrite`'s.
    let contract = offtake_model::parse(&sheet.toml_text).map_err(|e| {
        CliError::failure(format!(
            "id {}: the stored term sheet does not validate with this build ({e}); \
             `offtake portfolio export {}` writes it back",
            s.id, s.id
        ))
    })?;
    let _ = writeln!(out, "\nUnderwriting result as stored (base case):\n");
    out.push_str(&offtake_report::terminal::underwriting(
        &contract,
        &outcome,
        &[],
    ));
    print_out(&out)
}

/// The portfolio id `text` names: a number is a portfolio id (the first column of `portfolio
/// list`) when one is stored, otherwise `text` is a deal id.
fn resolve(store: &mut dyn PortfolioStore, text: &str) -> CliResult<i64> {
    let number = text.trim().parse::<i64>().ok();
    let stored = store.list()?;
    if let Some(n) = number.filter(|n| stored.iter().any(|s| s.id == *n)) {
        return Ok(n);
    }
    match stored.iter().find(|s| s.deal_id == text) {
        Some(s) => Ok(s.id),
        None if number.is_some() => Err(CliError::invalid(format!(
            "no term sheet with id {text} in the portfolio"
        ))),
        None => Err(CliError::invalid(format!(
            "no term sheet with deal id {text:?} in the portfolio (`offtake portfolio list` shows them)"
        ))),
    }
}

fn remove(store: &mut dyn PortfolioStore, text: &str) -> CliResult {
    let id = resolve(store, text)?;
    let deal_id = store.show(id)?.summary.deal_id;
    store.remove(id)?;
    print_out(&format!("removed id {id} ({deal_id})\n"))
}

fn export(store: &mut dyn PortfolioStore, args: &ExportArgs) -> CliResult {
    let id = resolve(store, &args.id)?;
    let text = store.export(id)?;
    crate::output::write_text(args.output.as_deref(), &text)
}

// ---- summary ----

#[derive(Serialize)]
struct SummaryJson<'a> {
    n_term_sheets: usize,
    public_deals: &'a PublicDealSummary,
    /// Groups whose claims give different numbers, each as a range with its claims.
    conflicts: Vec<&'a offtake_data::ConflictGroup>,
}

fn summary(store: &mut dyn PortfolioStore, args: &SummaryArgs, db: &DbArgs) -> CliResult {
    let summary = store.summary()?;
    let conflicts = store.conflicts()?;
    let disagreeing: Vec<&offtake_data::ConflictGroup> =
        conflicts.iter().filter(|c| c.claims_disagree).collect();
    // Render everything before writing anything.
    let csv_files = match &args.csv {
        Some(_) => Some(summary_csv(&summary.public_deals, &conflicts)?),
        None => None,
    };
    let text = if args.json {
        pretty(&SummaryJson {
            n_term_sheets: summary.n_term_sheets,
            public_deals: &summary.public_deals,
            conflicts: disagreeing,
        })?
    } else {
        summary_text(summary.n_term_sheets, &summary.public_deals, &disagreeing)
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

/// Share of the high end resting on each evidence grade.
fn shares(f: &Figure) -> [String; 4] {
    let s = &f.high_by_evidence;
    let total = s.disclosed + s.reported + s.estimated + s.unverified;
    let share = |x: f64| {
        if total > 0.0 {
            pct(x / total)
        } else {
            "-".into()
        }
    };
    [
        share(s.disclosed),
        share(s.reported),
        share(s.estimated),
        share(s.unverified),
    ]
}

/// A table row: label, the value as text, and the figure its evidence shares come from.
type FigureRow<'a> = (String, String, &'a Figure);

/// Rows of `(label, value text, figure)`; `gw` says whether the figures are GW (else USD).
fn figure_rows<'a>(
    figures: impl IntoIterator<Item = (String, &'a Figure)>,
    gw: bool,
) -> Vec<FigureRow<'a>> {
    figures
        .into_iter()
        .map(|(k, f)| {
            let range = if gw {
                gw_range(f.low, f.high)
            } else {
                usd_range(f.low, f.high)
            };
            (k, range, f)
        })
        .collect()
}

fn figure_table(key: &str, value: &str, rows: Vec<FigureRow<'_>>) -> String {
    let mut table = Table::new(
        &[
            key,
            value,
            "groups",
            "ranges",
            "disclosed",
            "reported",
            "estimated",
            "unverified",
        ],
        &[false, true, true, true, true, true, true, true],
    );
    for (k, range, f) in rows {
        let mut row = vec![k, range, f.n_groups.to_string(), f.n_ranges.to_string()];
        row.extend(shares(f));
        table.row(row);
    }
    table.render(2)
}

fn summary_text(
    n_term_sheets: usize,
    s: &PublicDealSummary,
    disagreeing: &[&offtake_data::ConflictGroup],
) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Portfolio: {n_term_sheets} term sheet(s) (`offtake portfolio list`); public deals: {} claims in {} deal groups, {} with several claims",
        s.n_rows, s.n_groups, s.n_groups_with_several_claims
    );
    let _ = writeln!(
        out,
        "Values are low–high ranges over conflicting claims (never summed within a group); \
         `ranges` counts groups whose claims disagree; evidence columns are shares of the high end.\n"
    );
    let _ = writeln!(out, "Totals");
    let mut totals = figure_rows(
        [
            ("committed compute (USD)".to_string(), &s.committed_usd),
            ("equity, kept apart (USD)".to_string(), &s.equity_usd),
        ],
        false,
    );
    totals.extend(figure_rows(
        [("capacity (GW)".to_string(), &s.capacity_gw)],
        true,
    ));
    out.push_str(&figure_table("measure", "value", totals));
    let sections: [(&str, &str, &str, Vec<FigureRow<'_>>); 4] = [
        (
            "Committed compute value by provider",
            "provider",
            "committed",
            figure_rows(by_high(&s.committed_by_provider_usd), false),
        ),
        (
            "Committed compute value by buyer",
            "buyer",
            "committed",
            figure_rows(by_high(&s.committed_by_buyer_usd), false),
        ),
        (
            "Committed compute value by year announced",
            "year",
            "committed",
            figure_rows(
                s.committed_by_year_usd
                    .iter()
                    .map(|(y, f)| (y.to_string(), f)),
                false,
            ),
        ),
        (
            "Capacity by year announced",
            "year",
            "capacity",
            figure_rows(
                s.capacity_by_year_gw
                    .iter()
                    .map(|(y, f)| (y.to_string(), f)),
                true,
            ),
        ),
    ];
    for (title, key, value, rows) in sections {
        let _ = writeln!(out, "\n{title}");
        out.push_str(&figure_table(key, value, rows));
    }

    let _ = writeln!(
        out,
        "\nCounterparty concentration per provider (buyers' shares of the high end; HHI 0–10,000)"
    );
    let mut table = Table::new(
        &[
            "provider",
            "committed",
            "buyers",
            "HHI",
            "top buyer",
            "top share",
        ],
        &[false, true, true, true, false, true],
    );
    let mut conc: Vec<_> = s.concentration_by_provider.iter().collect();
    conc.sort_by(|a, b| b.1.total_usd.total_cmp(&a.1.total_usd).then(a.0.cmp(b.0)));
    for (provider, c) in conc {
        table.row(vec![
            provider.clone(),
            usd(c.total_usd),
            c.n_buyers.to_string(),
            format!("{:.0}", c.hhi),
            c.top_buyer.clone(),
            pct(c.top_share),
        ]);
    }
    out.push_str(&table.render(2));

    let _ = writeln!(
        out,
        "\nCommitments against each provider's latest annual capex (SEC filings; `offtake sec import`)"
    );
    let mut table = Table::new(
        &[
            "company",
            "committed",
            "disclosed",
            "latest capex",
            "fiscal year",
            "committed / capex",
        ],
        &[false, true, true, true, false, true],
    );
    for c in &s.commitments_vs_capex {
        let (capex, year) = match &c.latest_capex {
            Some(l) => (
                usd(l.value_usd),
                format!("FY{} (to {})", l.fiscal_year, l.period_end),
            ),
            None => ("not imported".to_string(), "-".to_string()),
        };
        let ratio = match (c.low_to_capex, c.high_to_capex) {
            (Some(lo), Some(hi)) if lo == hi => times(hi),
            (Some(lo), Some(hi)) => format!("{}–{}", times(lo), times(hi)),
            _ => "-".to_string(),
        };
        table.row(vec![
            format!("{} ({})", c.company, c.ticker),
            usd_range(c.committed_usd.low, c.committed_usd.high),
            shares(&c.committed_usd)[0].clone(),
            capex,
            year,
            ratio,
        ]);
    }
    out.push_str(&table.render(2));

    let _ = writeln!(
        out,
        "\nConflicting claims, counted as ranges (`offtake deals conflicts` lists each claim and its source)"
    );
    if disagreeing.is_empty() {
        let _ = writeln!(out, "  none");
    } else {
        let mut table = Table::new(
            &["group", "committed", "equity", "capacity", "claims"],
            &[false, true, true, true, true],
        );
        for g in disagreeing {
            table.row(vec![
                g.group_id.clone(),
                g.committed_usd
                    .map_or("-".into(), |r| usd_range(r.low, r.high)),
                g.equity_usd
                    .map_or("-".into(), |r| usd_range(r.low, r.high)),
                g.capacity_gw
                    .map_or("-".into(), |r| gw_range(r.low, r.high)),
                g.claims.len().to_string(),
            ]);
        }
        out.push_str(&table.render(2));
    }
    if !s.excluded.is_empty() {
        let _ = writeln!(out, "\nLeft out of totals");
        let mut table = Table::new(&["claim", "value", "why"], &[false, true, false]);
        for e in &s.excluded {
            table.row(vec![
                e.deal_id.clone(),
                e.committed_value_usd.map_or("-".into(), usd),
                e.exclusion.to_string(),
            ]);
        }
        out.push_str(&table.render(2));
    }
    out
}

/// Largest high end first, then by name.
fn by_high(map: &BTreeMap<String, Figure>) -> impl Iterator<Item = (String, &Figure)> {
    let mut v: Vec<(&String, &Figure)> = map.iter().collect();
    v.sort_by(|a, b| b.1.high.total_cmp(&a.1.high).then(a.0.cmp(b.0)));
    v.into_iter().map(|(k, f)| (k.clone(), f))
}

// ---- summary as CSV ----

const FIGURE_COLUMNS: [&str; 14] = [
    "low",
    "high",
    "n_groups",
    "n_ranges",
    "low_disclosed",
    "low_reported",
    "low_estimated",
    "low_unverified",
    "high_disclosed",
    "high_reported",
    "high_estimated",
    "high_unverified",
    "disclosed_share_low",
    "disclosed_share_high",
];

fn figure_cells(f: &Figure) -> Vec<String> {
    let (l, h) = (&f.low_by_evidence, &f.high_by_evidence);
    vec![
        num(f.low),
        num(f.high),
        f.n_groups.to_string(),
        f.n_ranges.to_string(),
        num(l.disclosed),
        num(l.reported),
        num(l.estimated),
        num(l.unverified),
        num(h.disclosed),
        num(h.reported),
        num(h.estimated),
        num(h.unverified),
        num(f.disclosed_share_low),
        num(f.disclosed_share_high),
    ]
}

fn figure_csv<'a>(
    key: &str,
    figures: impl IntoIterator<Item = (String, &'a Figure)>,
) -> CliResult<String> {
    let mut header = vec![key];
    header.extend(FIGURE_COLUMNS);
    csv_text(
        &header,
        figures.into_iter().map(|(k, f)| {
            let mut row = vec![k];
            row.extend(figure_cells(f));
            row
        }),
    )
}

fn keyed(m: &BTreeMap<String, Figure>) -> Vec<(String, &Figure)> {
    m.iter().map(|(k, f)| (k.clone(), f)).collect()
}

fn by_year(m: &BTreeMap<i32, Figure>) -> Vec<(String, &Figure)> {
    m.iter().map(|(k, f)| (k.to_string(), f)).collect()
}

/// Every summary table as `(file name, CSV text)`.
fn summary_csv(
    s: &PublicDealSummary,
    conflicts: &[offtake_data::ConflictGroup],
) -> CliResult<Vec<(&'static str, String)>> {
    let mut files = vec![
        (
            "totals.csv",
            figure_csv(
                "measure",
                [
                    ("committed_usd".to_string(), &s.committed_usd),
                    ("equity_usd".to_string(), &s.equity_usd),
                    ("capacity_gw".to_string(), &s.capacity_gw),
                ],
            )?,
        ),
        (
            "committed_by_provider.csv",
            figure_csv("provider", keyed(&s.committed_by_provider_usd))?,
        ),
        (
            "committed_by_buyer.csv",
            figure_csv("buyer", keyed(&s.committed_by_buyer_usd))?,
        ),
        (
            "committed_by_year.csv",
            figure_csv("year", by_year(&s.committed_by_year_usd))?,
        ),
        (
            "capacity_by_year_gw.csv",
            figure_csv("year", by_year(&s.capacity_by_year_gw))?,
        ),
    ];
    files.push((
        "concentration.csv",
        csv_text(
            &[
                "provider",
                "total_usd",
                "n_buyers",
                "hhi",
                "top_buyer",
                "top_share",
            ],
            s.concentration_by_provider.iter().map(|(p, c)| {
                vec![
                    p.clone(),
                    num(c.total_usd),
                    c.n_buyers.to_string(),
                    num(c.hhi),
                    c.top_buyer.clone(),
                    num(c.top_share),
                ]
            }),
        )?,
    ));
    files.push((
        "commitments_vs_capex.csv",
        csv_text(
            &[
                "ticker",
                "cik",
                "company",
                "providers",
                "committed_low_usd",
                "committed_high_usd",
                "disclosed_share_low",
                "disclosed_share_high",
                "capex_fiscal_year",
                "capex_usd",
                "capex_period_end",
                "capex_tag",
                "capex_accn",
                "capex_filed",
                "low_to_capex",
                "high_to_capex",
            ],
            s.commitments_vs_capex.iter().map(|c| {
                let l = c.latest_capex.as_ref();
                vec![
                    c.ticker.clone(),
                    c.cik.to_string(),
                    c.company.clone(),
                    c.providers.join("; "),
                    num(c.committed_usd.low),
                    num(c.committed_usd.high),
                    num(c.committed_usd.disclosed_share_low),
                    num(c.committed_usd.disclosed_share_high),
                    l.map(|l| l.fiscal_year.to_string()).unwrap_or_default(),
                    opt(l.map(|l| l.value_usd)),
                    l.map(|l| l.period_end.to_string()).unwrap_or_default(),
                    l.map(|l| l.tag.clone()).unwrap_or_default(),
                    l.map(|l| l.accn.clone()).unwrap_or_default(),
                    l.map(|l| l.filed.to_string()).unwrap_or_default(),
                    opt(c.low_to_capex),
                    opt(c.high_to_capex),
                ]
            }),
        )?,
    ));
    files.push(("conflicts.csv", conflicts_csv(conflicts)?));
    files.push((
        "excluded.csv",
        csv_text(
            &["deal_id", "group_id", "committed_value_usd", "why"],
            s.excluded.iter().map(|e| {
                vec![
                    e.deal_id.clone(),
                    e.group_id.clone(),
                    opt(e.committed_value_usd),
                    e.exclusion.to_string(),
                ]
            }),
        )?,
    ));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_split_the_high_end() {
        let f = Figure {
            low: 1.0,
            high: 4.0,
            high_by_evidence: offtake_data::EvidenceSplit {
                disclosed: 1.0,
                reported: 3.0,
                estimated: 0.0,
                unverified: 0.0,
            },
            ..Figure::default()
        };
        assert_eq!(
            shares(&f),
            ["25.0%", "75.0%", "0.0%", "0.0%"].map(String::from)
        );
        assert_eq!(shares(&Figure::default())[0], "-");
    }
}
