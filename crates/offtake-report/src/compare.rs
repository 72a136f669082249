//! `offtake compare`: the base case and each alternative of each sourced term, side by side,
//! with the verdicts that flip against the base marked. Terminal table and JSON.

use std::fmt::Write as _;

use offtake_engine::{Metrics, Outcome, Verdicts};
use offtake_model::{Contract, Variant};
use serde::Serialize;

use crate::format::{months, mw, none, pct, times, usd};
use crate::json::{DealJson, SCHEMA_VERSION, VariantJson};
use crate::labels::{Metric, VERDICTS, yes_no};
use crate::screen::{Screen, Tone};
use crate::table::{Cell, Table};
use crate::terminal::deal_title;

/// One run of the comparison: the base case or one alternative of one term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// `base`, then `v1`, `v2`, … in the order of `offtake_model::alternative_terms`.
    pub id: String,
    /// `base` or `pricing.discount=1 (0.12)`.
    pub label: String,
    /// None for the base case.
    pub variant: Option<VariantJson>,
    pub metrics: Metrics,
    pub verdicts: Verdicts,
}

impl Run {
    /// The base case (`variant` None) or the run of `variant`; `contract` is the contract the
    /// run used (with the variant applied), `index` its place among the alternatives (1-based).
    pub fn new(
        contract: &Contract,
        outcome: &Outcome,
        variant: Option<&Variant>,
        index: usize,
    ) -> Run {
        let variant = variant.map(|v| VariantJson::new(contract, v));
        Run {
            id: if variant.is_some() {
                format!("v{index}")
            } else {
                "base".to_string()
            },
            label: variant
                .as_ref()
                .map_or_else(|| "base".to_string(), VariantJson::label),
            variant,
            metrics: outcome.metrics,
            verdicts: outcome.verdicts,
        }
    }
}

/// Which verdicts of a run differ from the base case's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Flips {
    pub contracted: bool,
    pub financeable: bool,
    pub deliverable: bool,
}

impl Flips {
    pub fn between(base: &Verdicts, run: &Verdicts) -> Flips {
        Flips {
            contracted: base.contracted != run.contracted,
            financeable: base.financeable != run.financeable,
            deliverable: base.deliverable != run.deliverable,
        }
    }

    pub fn any(&self) -> bool {
        self.contracted || self.financeable || self.deliverable
    }
}

/// The JSON of a comparison (docs/output.md).
#[derive(Debug, Clone, Serialize)]
pub struct CompareJson<'a> {
    pub schema_version: u32,
    pub deal: DealJson<'a>,
    pub runs: Vec<RunJson<'a>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunJson<'a> {
    #[serde(flatten)]
    pub run: &'a Run,
    /// Verdicts that differ from the base case (all false for the base).
    pub flips: Flips,
}

impl<'a> CompareJson<'a> {
    /// `runs[0]` is the base case.
    pub fn new(base: &'a Contract, runs: &'a [Run]) -> Self {
        let base_verdicts = runs.first().map(|r| r.verdicts).unwrap_or_default();
        CompareJson {
            schema_version: SCHEMA_VERSION,
            deal: DealJson::new(base),
            runs: runs
                .iter()
                .map(|run| RunJson {
                    run,
                    flips: Flips::between(&base_verdicts, &run.verdicts),
                })
                .collect(),
        }
    }

    /// Pretty JSON, members in declared order, with a final newline.
    pub fn to_string_pretty(&self) -> crate::Result<String> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text)
    }
}

/// A row of the comparison table: the metric and how to show a run's figure.
type Row = (Metric, fn(&Metrics) -> String);

/// A verdict row: a label and which verdict it shows.
type VerdictRow = (&'static str, fn(&Verdicts) -> bool);

fn rows() -> Vec<Row> {
    vec![
        (Metric::ProviderNpv, |m| usd(m.provider_npv)),
        (Metric::ProviderIrr, |m| {
            m.provider_irr.map_or_else(|| "none".into(), pct)
        }),
        (Metric::Payback, |m| {
            m.payback_months
                .map_or_else(|| "none".into(), |p| months(f64::from(p)))
        }),
        (Metric::MinDscr, |m| {
            m.min_dscr.map_or_else(|| "none".into(), times)
        }),
        (Metric::AvgDscr, |m| {
            m.avg_dscr.map_or_else(|| "none".into(), times)
        }),
        (Metric::DebtOutstandingAtEnd, |m| {
            usd(m.debt_outstanding_at_end)
        }),
        (Metric::DealNpv, |m| usd(m.provider_deal_npv)),
        (Metric::BuyerNpv, |m| usd(m.buyer_npv)),
        (Metric::EffectivePrice, |m| {
            m.effective_price
                .map_or_else(|| "none".into(), |p| format!("{}/PFLOP-h", usd(p)))
        }),
        (Metric::EffectiveDiscount, |m| {
            m.effective_discount.map_or_else(|| "none".into(), pct)
        }),
        (Metric::TotalPayments, |m| usd(m.total_payments)),
        (Metric::UsageCharges, |m| usd(m.total_usage_charges)),
        (Metric::Shortfall, |m| usd(m.total_shortfall)),
        (Metric::TrueUp, |m| usd(m.total_true_up)),
        (Metric::IdlePayments, |m| usd(m.idle_payments)),
        (Metric::TotalCapex, |m| usd(m.total_capex)),
        (Metric::PeakCapacity, |m| {
            format!("{} MW", mw(m.peak_capacity_mw))
        }),
        (Metric::Coverage, |m| {
            m.coverage.map_or_else(|| "none".into(), times)
        }),
        (Metric::EquityPaid, |m| usd(m.equity_paid_total)),
        (Metric::Circularity, |m| {
            m.circularity.map_or_else(|| "none".into(), pct)
        }),
    ]
}

/// The comparison table; `runs[0]` is the base case. For a pipe: no colour, 120 columns.
pub fn terminal(base: &Contract, runs: &[Run]) -> String {
    terminal_on(base, runs, &Screen::PLAIN)
}

/// The comparison table on `screen`: verdicts coloured, the legend wrapped to its width.
pub fn terminal_on(base: &Contract, runs: &[Run], screen: &Screen) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", deal_title(base));
    let alternatives = runs.len().saturating_sub(1);
    if alternatives == 0 {
        let _ = writeln!(
            s,
            "  {}: only the base case runs",
            none("no term has alternatives")
        );
    } else {
        let _ = writeln!(
            s,
            "  base case and {alternatives} alternative{}, one term at a time",
            if alternatives == 1 { "" } else { "s" }
        );
    }
    let mut legend = Table::new(&["run", "variant", "evidence", "source"], &[false; 4]);
    for r in runs {
        let v = r.variant.as_ref();
        legend.row(vec![
            r.id.clone(),
            r.label.clone(),
            v.and_then(|v| v.evidence).unwrap_or("-").to_string(),
            v.and_then(|v| v.source.clone())
                .unwrap_or_else(|| "-".to_string()),
        ]);
    }
    s.push('\n');
    s.push_str(&legend.render_on(2, screen));

    let mut header: Vec<&str> = vec![""];
    header.extend(runs.iter().map(|r| r.id.as_str()));
    let mut right = vec![false];
    right.extend(runs.iter().map(|_| true));
    let mut t = Table::new(&header, &right);
    for (metric, show) in rows() {
        let mut row = vec![Cell::from(metric.label())];
        row.extend(runs.iter().map(|r| Cell::from(show(&r.metrics))));
        t.row(row);
    }
    let base_verdicts = runs.first().map(|r| r.verdicts).unwrap_or_default();
    let verdict_rows: [VerdictRow; 3] = [
        (VERDICTS[0].1, |v| v.contracted),
        (VERDICTS[1].1, |v| v.financeable),
        (VERDICTS[2].1, |v| v.deliverable),
    ];
    let mut flipped = false;
    for (label, get) in verdict_rows {
        let mut row = vec![Cell::from(label)];
        for r in runs {
            let value = get(&r.verdicts);
            let flip = value != get(&base_verdicts);
            flipped |= flip;
            row.push(Cell::new(
                format!("{}{}", yes_no(value), if flip { "*" } else { "" }),
                Tone::of(value),
            ));
        }
        t.row(row);
    }
    s.push('\n');
    s.push_str(&t.render_on(2, screen));
    if flipped {
        let _ = writeln!(s, "  * verdict differs from the base case");
    } else if alternatives > 0 {
        let _ = writeln!(s, "  no verdict differs from the base case");
    }
    s
}
