//! The user's own stored term sheets as people read them: `offtake portfolio list` (one line per
//! deal with its figures and verdicts) and the first section of `offtake portfolio summary`
//! (counts by verdict, totals, the deals), followed by the public deals of
//! [`crate::public_deals`]; or, with nothing imported, what to import.

use std::fmt::Write as _;

use offtake_data::{ConflictGroup, PublicDealSummary};
use offtake_engine::{Metrics, Outcome, Verdicts};
use offtake_model::Contract;
use serde::Serialize;

use crate::format::{count, pct, usd};
use crate::labels::{Metric, VERDICTS, yes_no};
use crate::screen::{Screen, Tone, sanitize};
use crate::table::{Cell, Table};

/// A stored term sheet with the figures of its latest stored result (base case).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDeal {
    /// The portfolio id (`offtake portfolio show ID`).
    pub id: i64,
    pub deal_id: String,
    pub name: String,
    pub buyer: String,
    pub provider: String,
    /// None when the store holds no result for it.
    pub result: Option<StoredFigures>,
}

/// The figures of a stored result that the portfolio views show.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StoredFigures {
    /// Contracted, financeable, deliverable.
    pub verdicts: [bool; 3],
    pub provider_npv: f64,
    pub provider_irr: Option<f64>,
    pub buyer_npv: f64,
    pub effective_price: Option<f64>,
    pub total_capex: f64,
    /// Owed at zero usage (`legibility.committed_spend`).
    pub committed_spend: f64,
}

impl From<&Outcome> for StoredFigures {
    fn from(o: &Outcome) -> Self {
        let (m, v) = (&o.metrics, &o.verdicts);
        StoredFigures {
            verdicts: [v.contracted, v.financeable, v.deliverable],
            provider_npv: m.provider_npv,
            provider_irr: m.provider_irr,
            buyer_npv: m.buyer_npv,
            effective_price: m.effective_price,
            total_capex: m.total_capex,
            committed_spend: o.legibility.committed_spend,
        }
    }
}

/// `offtake portfolio show ID`: the stored record (`added_at`, the term sheet's size in bytes),
/// then the stored result with `underwrite`'s view of it.
pub fn show_text(
    deal: &StoredDeal,
    added_at: &str,
    toml_bytes: usize,
    contract: &Contract,
    outcome: &Outcome,
    screen: &Screen,
) -> String {
    let mut out = String::new();
    let safe = |t: &str| sanitize(t).into_owned();
    let d = deal;
    let _ = writeln!(out, "id {}  {}  {}", d.id, safe(&d.deal_id), safe(&d.name));
    let _ = writeln!(out, "  buyer       {}", safe(&d.buyer));
    let _ = writeln!(out, "  provider    {}", safe(&d.provider));
    let _ = writeln!(out, "  added       {added_at}");
    let _ = writeln!(
        out,
        "  term sheet  {toml_bytes} bytes (`offtake portfolio export {}` writes it back)",
        d.id
    );
    let _ = writeln!(out, "\nUnderwriting result as stored (base case):\n");
    out.push_str(&crate::terminal::underwriting_on(
        contract,
        outcome,
        &[],
        screen,
    ));
    out
}

/// One entry of `offtake portfolio list --json`: the store's summary of the term sheet (`S`,
/// flattened), with the stored result's metrics and verdicts, or why it cannot be read.
#[derive(Debug, Serialize)]
pub struct ListEntry<S> {
    #[serde(flatten)]
    pub summary: S,
    pub metrics: Option<Metrics>,
    pub verdicts: Option<Verdicts>,
    /// Why the stored result cannot be read (an older version), when it cannot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_note: Option<String>,
}

impl<S> ListEntry<S> {
    /// `result`: the stored result, or why it cannot be read.
    pub fn new(summary: S, result: Result<Outcome, String>) -> Self {
        ListEntry {
            summary,
            metrics: result.as_ref().ok().map(|o| o.metrics),
            verdicts: result.as_ref().ok().map(|o| o.verdicts),
            result_note: result.err(),
        }
    }
}

/// `offtake portfolio summary --json`.
#[derive(Debug, Serialize)]
pub struct SummaryJson<'a> {
    pub n_term_sheets: usize,
    pub public_deals: &'a PublicDealSummary,
    /// Groups whose claims give different numbers, each as a range with its claims.
    pub conflicts: Vec<&'a ConflictGroup>,
}

/// What to run when the portfolio holds nothing of a kind.
pub const ADD_TERM_SHEETS: &str = "add your term sheets with `offtake portfolio add FILE.toml...`";
pub const IMPORT_DEALS: &str =
    "import the public deal list with `offtake deals import data/public_deals.csv`";
pub const IMPORT_SEC: &str = "SEC capex with `offtake sec import FILE.json` or `offtake sec fetch`";

fn verdict_cells(r: Option<&StoredFigures>) -> Vec<Cell> {
    (0..3)
        .map(|k| match r {
            Some(r) => Cell::new(yes_no(r.verdicts[k]), Tone::of(r.verdicts[k])),
            None => Cell::from("-"),
        })
        .collect()
}

/// `offtake portfolio list`: one row per stored term sheet. Within 120 columns buyer and
/// provider share a column and the buyer's figures are left out; `--wide` shows every column.
pub fn list_text(deals: &[StoredDeal], screen: &Screen) -> String {
    if deals.is_empty() {
        return format!("no term sheets in the portfolio ({ADD_TERM_SHEETS})\n");
    }
    let wide = screen.wide();
    let mut header = vec!["id", "deal id", "name"];
    if wide {
        header.extend(["buyer", "provider"]);
    } else {
        header.push("buyer / provider");
    }
    header.extend([Metric::ProviderNpv.label(), Metric::ProviderIrr.label()]);
    if wide {
        header.extend([Metric::BuyerNpv.label(), Metric::EffectivePrice.label()]);
    }
    header.extend(VERDICTS.map(|(_, label)| label));
    let right: Vec<bool> = header
        .iter()
        .map(|h| {
            *h == "id"
                || [
                    Metric::ProviderNpv,
                    Metric::ProviderIrr,
                    Metric::BuyerNpv,
                    Metric::EffectivePrice,
                ]
                .iter()
                .any(|m| m.label() == *h)
        })
        .collect();
    let mut t = Table::new(&header, &right).keep(1);
    for d in deals {
        let r = d.result.as_ref();
        let mut row = vec![
            Cell::from(d.id.to_string()),
            Cell::from(d.deal_id.as_str()),
            Cell::from(d.name.as_str()),
        ];
        if wide {
            row.extend([
                Cell::from(d.buyer.as_str()),
                Cell::from(d.provider.as_str()),
            ]);
        } else {
            row.push(Cell::from(format!("{} / {}", d.buyer, d.provider)));
        }
        row.extend([
            Cell::from(r.map_or("-".into(), |r| usd(r.provider_npv))),
            Cell::from(r.map_or("-".into(), |r| r.provider_irr.map_or("none".into(), pct))),
        ]);
        if wide {
            row.extend([
                Cell::from(r.map_or("-".into(), |r| usd(r.buyer_npv))),
                Cell::from(r.map_or("-".into(), |r| {
                    r.effective_price
                        .map_or("none".into(), |p| format!("{}/PFLOP-h", usd(p)))
                })),
            ]);
        }
        row.extend(verdict_cells(r));
        t.row(row);
    }
    t.render_on(0, screen)
}

/// The first section of `offtake portfolio summary`: the user's own term sheets.
pub fn own_deals_text(deals: &[StoredDeal], screen: &Screen) -> String {
    let mut out = String::new();
    if deals.is_empty() {
        let _ = writeln!(out, "Your term sheets: none yet ({ADD_TERM_SHEETS})");
        return out;
    }
    let with: Vec<&StoredFigures> = deals.iter().filter_map(|d| d.result.as_ref()).collect();
    let _ = writeln!(
        out,
        "Your term sheets: {} (`offtake portfolio list`; figures of each base case as stored{})",
        count(deals.len() as u64),
        if with.len() < deals.len() {
            format!(", {} without a stored result", deals.len() - with.len())
        } else {
            String::new()
        }
    );
    let passing: Vec<String> = VERDICTS
        .iter()
        .enumerate()
        .map(|(k, (_, label))| {
            let n = with.iter().filter(|r| r.verdicts[k]).count();
            format!(
                "{label} {} of {}",
                count(n as u64),
                count(with.len() as u64)
            )
        })
        .collect();
    let all = with
        .iter()
        .filter(|r| r.verdicts.iter().all(|v| *v))
        .count();
    let line = |out: &mut String, label: &str, value: String| {
        let _ = writeln!(out, "  {label:<20}{value}");
    };
    line(&mut out, "Verdicts", passing.join(", "));
    line(
        &mut out,
        "All three hold",
        format!("{} of {}", count(all as u64), count(with.len() as u64)),
    );
    let total = |f: fn(&StoredFigures) -> f64| usd(with.iter().map(|r| f(r)).sum());
    line(
        &mut out,
        Metric::CommittedSpend.label(),
        format!(
            "{} owed at zero usage, over every deal",
            total(|r| r.committed_spend)
        ),
    );
    line(
        &mut out,
        Metric::ProviderNpv.label(),
        total(|r| r.provider_npv),
    );
    line(&mut out, Metric::BuyerNpv.label(), total(|r| r.buyer_npv));
    line(
        &mut out,
        Metric::TotalCapex.label(),
        total(|r| r.total_capex),
    );

    // Names are in `portfolio list`; here the deal id says which deal it is.
    let mut header = vec!["id", "deal id"];
    header.extend([
        Metric::CommittedSpend.label(),
        Metric::ProviderNpv.label(),
        Metric::TotalCapex.label(),
    ]);
    header.extend(VERDICTS.map(|(_, label)| label));
    let mut right = vec![true, false, true, true, true];
    right.extend([false; 3]);
    let mut t = Table::new(&header, &right).keep(1);
    for d in deals {
        let r = d.result.as_ref();
        let money = |f: fn(&StoredFigures) -> f64| r.map_or("-".into(), |r| usd(f(r)));
        let mut row = vec![
            Cell::from(d.id.to_string()),
            Cell::from(d.deal_id.as_str()),
            Cell::from(money(|r| r.committed_spend)),
            Cell::from(money(|r| r.provider_npv)),
            Cell::from(money(|r| r.total_capex)),
        ];
        row.extend(verdict_cells(r));
        t.row(row);
    }
    out.push('\n');
    out.push_str(&t.render_on(2, screen));
    out
}

/// `offtake portfolio summary`: the user's term sheets first, then the public deals and SEC
/// capex; with nothing imported at all, what to import instead of empty tables.
pub fn summary_text(
    deals: &[StoredDeal],
    public: &PublicDealSummary,
    disagreeing: &[&ConflictGroup],
    screen: &Screen,
) -> String {
    if deals.is_empty() && public.n_rows == 0 {
        return format!(
            "The portfolio is empty. To fill it:\n  - {ADD_TERM_SHEETS};\n  - {IMPORT_DEALS};\n  - then {IMPORT_SEC}.\n"
        );
    }
    let mut out = own_deals_text(deals, screen);
    out.push('\n');
    if public.n_rows == 0 {
        let _ = writeln!(
            out,
            "Public deals: none imported ({IMPORT_DEALS}; then {IMPORT_SEC})"
        );
        return out;
    }
    out.push_str(&crate::public_deals::summary_text(
        public,
        disagreeing,
        screen,
    ));
    out
}

/// The one-line summary of a stored result: `Provider NPV $1.2B, Provider IRR 14.0%; Contracted
/// yes, …`, as `portfolio add` prints it.
pub fn headline(result: Option<&StoredFigures>, screen: &Screen) -> String {
    let Some(r) = result else {
        return "no stored result".to_string();
    };
    let verdicts: Vec<String> = VERDICTS
        .iter()
        .zip(r.verdicts)
        .map(|((_, label), v)| format!("{label} {}", screen.verdict(v, yes_no(v))))
        .collect();
    format!(
        "{} {}, {} {}; {}",
        Metric::ProviderNpv.label(),
        usd(r.provider_npv),
        Metric::ProviderIrr.label(),
        r.provider_irr.map_or("none".into(), pct),
        verdicts.join(", ")
    )
}

/// What `portfolio add` prints for one term sheet: `added DEAL as id N from PATH: HEADLINE`
/// (`replaced` when it overwrote the stored one), `headline` the [`headline`] of its result.
pub fn added_line(replaced: bool, deal_id: &str, id: i64, path: &str, headline: &str) -> String {
    let verb = if replaced { "replaced" } else { "added" };
    format!("{verb} {deal_id} as id {id} from {path}: {headline}\n")
}

/// The notes under `offtake portfolio list`: why each unreadable stored result cannot be read.
pub fn result_notes<'a>(why: impl IntoIterator<Item = &'a str>) -> String {
    why.into_iter()
        .map(|w| format!("note: {}\n", sanitize(w)))
        .collect()
}
