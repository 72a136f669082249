//! `offtake deals import CSV` and `offtake deals conflicts`: the public deal list in the
//! portfolio database (one transaction per import; a bad row imports nothing).

use std::fmt::Write as _;
use std::path::PathBuf;

use offtake_data::ConflictGroup;
use offtake_report::format::usd;
use offtake_store::PortfolioStore;

use crate::cmd::db::{Access, DbArgs, WithDb};
use crate::cmd::portfolio::{
    Failure, csv_text, gw_range, num, opt, print_out, usd_range, with_store,
};

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
}

pub fn run(args: &Args) -> u8 {
    match &args.command {
        Command::Import(a) => import(&args.db, a),
        Command::Conflicts(a) => with_store(&args.db, Access::Read, |s| conflicts(s, a)),
    }
}

fn import(db: &DbArgs, args: &ImportArgs) -> u8 {
    let path = args.file.display().to_string();
    // Read and parse before opening the database: a bad file creates nothing.
    let text = match std::fs::read(&args.file) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {path}: not UTF-8 text ({e}); nothing was imported");
                return 2;
            }
        },
        Err(e) => {
            eprintln!("error: {path}: {e}");
            return 1;
        }
    };
    let rows = match offtake_data::parse_deals_csv(&text) {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("error: {path}: {e}; nothing was imported");
            return 2;
        }
    };
    with_store(db, Access::Write, |store| {
        let report = store
            .import_deals(&rows)
            .map_err(|e| Failure::nothing_imported(&path, e))?;
        let mut out = format!(
            "{path}: {} inserted, {} updated, {} unchanged",
            report.inserted, report.updated, report.unchanged
        );
        if report.derived_changed > 0 {
            let _ = write!(
                out,
                " ({} deal-group assignments changed)",
                report.derived_changed
            );
        }
        out.push('\n');
        print_out(&out)
    })
}

fn conflicts(store: &mut dyn PortfolioStore, args: &ConflictsArgs) -> Result<(), Failure> {
    let mut groups = store.conflicts()?;
    if args.disagreeing {
        groups.retain(|g| g.claims_disagree);
    }
    if args.json {
        let mut text = serde_json::to_string_pretty(&groups)
            .map_err(|e| Failure::new(1, format!("JSON: {e}")))?;
        text.push('\n');
        return print_out(&text);
    }
    if groups.is_empty() {
        return print_out(
            "no deal group has several claims (import a deal list with `offtake deals import CSV`)\n",
        );
    }
    print_out(&conflicts_text(&groups))
}

fn conflicts_text(groups: &[ConflictGroup]) -> String {
    let mut out = String::new();
    let n_disagree = groups.iter().filter(|g| g.claims_disagree).count();
    let _ = writeln!(
        out,
        "{} deal groups with several claims, {n_disagree} of them disagreeing. A group counts as \
         the range low–high of its counted claims, never their sum.",
        groups.len()
    );
    for g in groups {
        let mut ranges = Vec::new();
        if let Some(r) = g.committed_usd {
            ranges.push(format!("committed {}", usd_range(r.low, r.high)));
        }
        if let Some(r) = g.equity_usd {
            ranges.push(format!("equity {}", usd_range(r.low, r.high)));
        }
        if let Some(r) = g.capacity_gw {
            ranges.push(format!("capacity {}", gw_range(r.low, r.high)));
        }
        if ranges.is_empty() {
            ranges.push("no counted figure".into());
        }
        let _ = writeln!(
            out,
            "\n{}{}: {}",
            g.group_id,
            if g.claims_disagree {
                " (claims disagree)"
            } else {
                ""
            },
            ranges.join(", ")
        );
        for c in &g.claims {
            let value = match c.committed_value_usd {
                Some(v) => format!("{} ({})", usd(v), c.value_qualifier.as_str()),
                None => c.value_qualifier.as_str().to_string(),
            };
            let counted = match (&c.exclusion, c.counted_value_usd) {
                (Some(why), _) => format!("left out: {why}"),
                (None, Some(v)) if Some(v) != c.committed_value_usd => {
                    format!("counted as {}", usd(v))
                }
                _ => String::new(),
            };
            let gw = c
                .capacity_gw
                .map(|g| format!(", {}", gw_range(g, g)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:<28} {}  {} → {}  {}{gw}  [{}]{}",
                c.deal_id,
                c.announced_date,
                c.buyer,
                c.provider,
                value,
                c.evidence.as_str(),
                if counted.is_empty() {
                    String::new()
                } else {
                    format!("  {counted}")
                }
            );
            let _ = writeln!(
                out,
                "  {:<28} source: {} <{}>",
                "", c.source_title, c.source_url
            );
        }
    }
    out
}

/// One line per claim of every group with several claims.
pub fn conflicts_csv(groups: &[ConflictGroup]) -> Result<String, Failure> {
    let range = |r: Option<offtake_data::summary::Range>| match r {
        Some(r) => (num(r.low), num(r.high)),
        None => (String::new(), String::new()),
    };
    csv_text(
        &[
            "group_id",
            "claims_disagree",
            "group_committed_low_usd",
            "group_committed_high_usd",
            "group_equity_low_usd",
            "group_equity_high_usd",
            "group_capacity_low_gw",
            "group_capacity_high_gw",
            "deal_id",
            "announced_date",
            "buyer",
            "provider",
            "deal_type",
            "committed_value_usd",
            "value_qualifier",
            "counted_value_usd",
            "capacity_gw",
            "evidence",
            "left_out",
            "source_title",
            "source_url",
        ],
        groups.iter().flat_map(|g| {
            let (cl, ch) = range(g.committed_usd);
            let (el, eh) = range(g.equity_usd);
            let (gl, gh) = range(g.capacity_gw);
            g.claims.iter().map(move |c| {
                vec![
                    g.group_id.clone(),
                    g.claims_disagree.to_string(),
                    cl.clone(),
                    ch.clone(),
                    el.clone(),
                    eh.clone(),
                    gl.clone(),
                    gh.clone(),
                    c.deal_id.clone(),
                    c.announced_date.to_string(),
                    c.buyer.clone(),
                    c.provider.clone(),
                    c.deal_type.as_str().to_string(),
                    opt(c.committed_value_usd),
                    c.value_qualifier.as_str().to_string(),
                    opt(c.counted_value_usd),
                    opt(c.capacity_gw),
                    c.evidence.as_str().to_string(),
                    c.exclusion
                        .as_ref()
                        .map(|e| e.to_string())
                        .unwrap_or_default(),
                    c.source_title.clone(),
                    c.source_url.clone(),
                ]
            })
        }),
    )
}
