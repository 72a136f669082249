//! `offtake compare`: the base case and each alternative of each sourced term, side by side,
//! with the verdicts that flip against the base marked. Terminal table and JSON.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use offtake_engine::{Metrics, Outcome, Scenario, Verdicts, underwrite};
use offtake_model::{Contract, TermSheet, Variant, combinations};
use serde::Serialize;

use crate::diagnostics::first_problem;
use crate::format::{months, mw, none, number, pct, times, usd};
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
        crate::pretty::to_string_pretty(self, 64 * 1024)
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

// ---- every combination of alternatives -----------------------------------------------------------

/// One run of `compare --all-combinations`: the base case or a combination of alternatives of
/// several terms at once.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Combination {
    /// `base`, then `c1`, `c2`, … in the order of `offtake_model::combinations`.
    pub id: String,
    /// `base` or `pricing.discount=1 (0.12) + tranche.phase-2.online=1 (2027-12)`.
    pub label: String,
    /// The alternatives of the run, in term order (empty for the base case).
    pub variants: Vec<VariantJson>,
    /// None when the combination is invalid.
    pub metrics: Option<Metrics>,
    pub verdicts: Option<Verdicts>,
    /// Why the combination was not run: the alternatives together break a rule joining terms
    /// (a deadline before its online date, MW over max_mw), each valid alone.
    pub invalid: Option<String>,
}

impl Combination {
    /// The run of `variants` (none: the base case); `contract` is the contract it used,
    /// `index` its place among the combinations (0 for the base).
    pub fn new(
        contract: &Contract,
        outcome: &Outcome,
        variants: &[Variant],
        index: usize,
    ) -> Combination {
        let variants: Vec<VariantJson> = variants
            .iter()
            .filter(|v| v.n > 0)
            .map(|v| VariantJson::new(contract, v))
            .collect();
        let mut run = Combination::named(variants, index);
        run.metrics = Some(outcome.metrics);
        run.verdicts = Some(outcome.verdicts);
        run
    }

    /// A combination that could not run: `problem` says why. `base` is the base contract (the
    /// alternatives' values, sources and grades are taken from its inputs).
    pub fn invalid(
        base: &Contract,
        variants: &[Variant],
        index: usize,
        problem: String,
    ) -> Combination {
        let variants = variants
            .iter()
            .filter(|v| v.n > 0)
            .map(|v| VariantJson::of_alternative(base, v))
            .collect();
        let mut run = Combination::named(variants, index);
        run.invalid = Some(problem);
        run
    }

    /// Underwrites every combination of `terms`' alternatives (the base case first, in the order
    /// of `offtake_model::combinations`) from one parsed sheet: each combination is a validation
    /// of the same tree. A combination can break a rule joining terms that each alternative keeps
    /// (a deadline before an online date): it is listed as not run with its first problem, and
    /// the others still run. `offtake compare --all-combinations` and the server's compare both
    /// use it; the caller bounds the count (`offtake_model::MAX_COMBINATIONS`).
    pub fn run_all(
        sheet: &TermSheet,
        base: &Contract,
        terms: &[(String, usize)],
    ) -> Vec<Combination> {
        combinations(terms)
            .enumerate()
            .map(|(index, variants)| Combination::run_one(sheet, base, &variants, index))
            .collect()
    }

    /// [`Combination::run_all`] that reads `cancel` before each combination and stops with
    /// [`Cancelled`] (and no runs) once it is set: the server sets it when the client is gone.
    /// Not cancelled, the runs are `run_all`'s.
    pub fn run_all_cancellable(
        sheet: &TermSheet,
        base: &Contract,
        terms: &[(String, usize)],
        cancel: &AtomicBool,
    ) -> Result<Vec<Combination>, Cancelled> {
        combinations(terms)
            .enumerate()
            .map(|(index, variants)| {
                if cancel.load(Ordering::Relaxed) {
                    return Err(Cancelled);
                }
                Ok(Combination::run_one(sheet, base, &variants, index))
            })
            .collect()
    }

    fn run_one(
        sheet: &TermSheet,
        base: &Contract,
        variants: &[Variant],
        index: usize,
    ) -> Combination {
        match sheet.contract(variants) {
            Ok(contract) => {
                let outcome = underwrite(&contract, &Scenario::base(&contract));
                Combination::new(&contract, &outcome, variants, index)
            }
            Err(e) => Combination::invalid(base, variants, index, first_problem(&e)),
        }
    }

    fn named(variants: Vec<VariantJson>, index: usize) -> Combination {
        let (id, label) = if variants.is_empty() {
            ("base".to_string(), "base".to_string())
        } else {
            (
                format!("c{index}"),
                variants
                    .iter()
                    .map(VariantJson::label)
                    .collect::<Vec<_>>()
                    .join(" + "),
            )
        };
        Combination {
            id,
            label,
            variants,
            metrics: None,
            verdicts: None,
            invalid: None,
        }
    }
}

/// A comparison stopped because its caller's cancel flag was set: there are no runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the comparison was cancelled")]
pub struct Cancelled;

/// A term that varies in the combinations, with its number of alternatives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CombinedTerm {
    pub term: String,
    pub alternatives: usize,
}

/// The JSON of `compare --all-combinations` (docs/output.md).
#[derive(Debug, Clone, Serialize)]
pub struct CombinationsJson<'a> {
    pub schema_version: u32,
    pub deal: DealJson<'a>,
    /// The terms combined, each at its base or one of its alternatives.
    pub terms: Vec<CombinedTerm>,
    /// The number of runs: Π (alternatives + 1), the base included.
    pub count: usize,
    pub runs: Vec<CombinationJson<'a>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CombinationJson<'a> {
    #[serde(flatten)]
    pub run: &'a Combination,
    /// Verdicts that differ from the base case.
    pub flips: Flips,
    /// Verdicts that differ from the base case although none of the run's alternatives alone
    /// (the run of that one variant with every other term at base) makes them differ: what only
    /// the combination does. All false for the base and for single variants.
    pub joint_flips: Flips,
}

/// The flips of each run against `runs[0]` (the base) and its joint flips: flips that no single
/// variant of the run makes alone. A single variant's run is found among `runs` (the
/// combinations include every one); one that is missing counts as flipping nothing.
pub fn combination_flips(runs: &[Combination]) -> Vec<(Flips, Flips)> {
    let base = runs.first().and_then(|r| r.verdicts);
    // An invalid run (or an invalid base) flips nothing.
    let flips_of = |r: &Combination| match (&base, &r.verdicts) {
        (Some(b), Some(v)) => Flips::between(b, v),
        _ => Flips::default(),
    };
    let single: std::collections::BTreeMap<(&str, usize), Flips> = runs
        .iter()
        .filter(|r| r.variants.len() == 1)
        .map(|r| {
            let v = &r.variants[0];
            ((v.term.as_str(), v.n), flips_of(r))
        })
        .collect();
    runs.iter()
        .map(|r| {
            let flips = flips_of(r);
            if r.variants.len() < 2 {
                return (flips, Flips::default());
            }
            let alone = r.variants.iter().fold(Flips::default(), |acc, v| {
                let f = single
                    .get(&(v.term.as_str(), v.n))
                    .copied()
                    .unwrap_or_default();
                Flips {
                    contracted: acc.contracted || f.contracted,
                    financeable: acc.financeable || f.financeable,
                    deliverable: acc.deliverable || f.deliverable,
                }
            });
            let joint = Flips {
                contracted: flips.contracted && !alone.contracted,
                financeable: flips.financeable && !alone.financeable,
                deliverable: flips.deliverable && !alone.deliverable,
            };
            (flips, joint)
        })
        .collect()
}

impl<'a> CombinationsJson<'a> {
    /// `runs[0]` is the base case; `terms` the terms combined.
    pub fn new(base: &'a Contract, terms: &[(String, usize)], runs: &'a [Combination]) -> Self {
        let flips = combination_flips(runs);
        CombinationsJson {
            schema_version: SCHEMA_VERSION,
            deal: DealJson::new(base),
            terms: terms
                .iter()
                .map(|(term, alternatives)| CombinedTerm {
                    term: term.clone(),
                    alternatives: *alternatives,
                })
                .collect(),
            count: runs.len(),
            runs: runs
                .iter()
                .zip(flips)
                .map(|(run, (flips, joint_flips))| CombinationJson {
                    run,
                    flips,
                    joint_flips,
                })
                .collect(),
        }
    }

    /// Pretty JSON, members in declared order, with a final newline.
    pub fn to_string_pretty(&self) -> crate::Result<String> {
        crate::pretty::to_string_pretty(self, 64 * 1024)
    }
}

/// The names of the verdicts set in `f`, in the order of [`VERDICTS`].
fn flipped_names(f: &Flips) -> Vec<&'static str> {
    [f.contracted, f.financeable, f.deliverable]
        .into_iter()
        .zip(VERDICTS)
        .filter(|(on, _)| *on)
        .map(|(_, (name, _))| name)
        .collect()
}

/// The table of every combination, one row per run: the combination, the headline figures and
/// the three verdicts, `*` where a verdict differs from the base case and `†` where no single
/// alternative of the combination makes it differ alone; then the combinations that flip a
/// verdict only together, named. `runs[0]` is the base case.
pub fn combinations_terminal_on(
    base: &Contract,
    terms: &[(String, usize)],
    runs: &[Combination],
    screen: &Screen,
) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", deal_title(base));
    if terms.is_empty() {
        let _ = writeln!(
            s,
            "  {}: only the base case runs",
            none("no term has alternatives")
        );
    } else {
        let _ = writeln!(
            s,
            "  {} combination{} of the alternatives of {} term{}, the base case included",
            crate::format::number(runs.len() as f64, 0),
            if runs.len() == 1 { "" } else { "s" },
            terms.len(),
            if terms.len() == 1 { "" } else { "s" },
        );
    }
    let flips = combination_flips(runs);
    let mut header = vec!["run", "alternatives"];
    let figures: [Row; 4] = [
        (Metric::ProviderNpv, |m| usd(m.provider_npv)),
        (Metric::ProviderIrr, |m| {
            m.provider_irr.map_or_else(|| "none".into(), pct)
        }),
        (Metric::MinDscr, |m| {
            m.min_dscr.map_or_else(|| "none".into(), times)
        }),
        (Metric::Coverage, |m| {
            m.coverage.map_or_else(|| "none".into(), times)
        }),
    ];
    header.extend(figures.iter().map(|(m, _)| m.label()));
    header.extend(VERDICTS.iter().map(|(_, label)| *label));
    let mut right = vec![false, false];
    right.extend([true; 7]);
    let mut t = Table::new(&header, &right);
    let verdict_of: [fn(&Verdicts) -> bool; 3] =
        [|v| v.contracted, |v| v.financeable, |v| v.deliverable];
    let flag_of: [fn(&Flips) -> bool; 3] = [|f| f.contracted, |f| f.financeable, |f| f.deliverable];
    for (r, (flip, joint)) in runs.iter().zip(&flips) {
        let mut row = vec![Cell::from(r.id.clone()), Cell::from(r.label.clone())];
        let (Some(metrics), Some(verdicts)) = (&r.metrics, &r.verdicts) else {
            row.push(Cell::new("invalid", Tone::of(false)));
            row.extend((1..7).map(|_| Cell::from("-")));
            t.row(row);
            continue;
        };
        row.extend(figures.iter().map(|(_, show)| Cell::from(show(metrics))));
        for (verdict, flag) in verdict_of.iter().zip(flag_of) {
            let value = verdict(verdicts);
            let marks = format!(
                "{}{}",
                if flag(flip) { "*" } else { "" },
                if flag(joint) { "†" } else { "" }
            );
            row.push(Cell::new(
                format!("{}{marks}", yes_no(value)),
                Tone::of(value),
            ));
        }
        t.row(row);
    }
    s.push('\n');
    s.push_str(&t.render_on(2, screen));
    let flipping = flips.iter().filter(|(f, _)| f.any()).count();
    let joint: Vec<(&Combination, &Flips)> = runs
        .iter()
        .zip(&flips)
        .filter(|(_, (_, j))| j.any())
        .map(|(r, (_, j))| (r, j))
        .collect();
    if runs.len() > 1 {
        let _ = writeln!(
            s,
            "  * verdict differs from the base case ({flipping} of {} run{})",
            runs.len() - 1,
            if runs.len() == 2 { "" } else { "s" }
        );
        let _ = writeln!(
            s,
            "  † and no single alternative of the combination makes it differ alone"
        );
    }
    let invalid: Vec<&Combination> = runs.iter().filter(|r| r.invalid.is_some()).collect();
    if !invalid.is_empty() {
        let _ = writeln!(
            s,
            "\n  Not run: alternatives that break a rule joining terms when taken together:"
        );
        for r in invalid {
            let _ = writeln!(
                s,
                "    {}  {}: {}",
                r.id,
                r.label,
                r.invalid.as_deref().unwrap_or_default()
            );
        }
    }
    if !joint.is_empty() {
        let _ = writeln!(s, "\n  Verdicts flipped only by a combination:");
        for (r, j) in joint {
            let _ = writeln!(
                s,
                "    {}  {}: {}",
                r.id,
                r.label,
                flipped_names(j).join(", ")
            );
        }
    } else if runs.len() > 1 {
        let _ = writeln!(
            s,
            "  no combination flips a verdict that its alternatives do not flip alone"
        );
    }
    s
}

/// The error for more combinations than `offtake_model::MAX_COMBINATIONS` (`max`): how many,
/// from which terms (each with its number of alternatives), and how to narrow them.
pub fn too_many_combinations(terms: &[(String, usize)], count: u64, max: u64) -> String {
    let factors: Vec<String> = terms
        .iter()
        .map(|(t, n)| format!("{t} ({})", n + 1))
        .collect();
    let count = if count == u64::MAX {
        "over 10^19".to_string()
    } else {
        number(count as f64, 0)
    };
    format!(
        "--all-combinations: {} terms with alternatives make {count} combinations (the product of \
         each term's base and alternatives: {}), over the limit of {}. Narrow it with --term TERM \
         (repeatable) to combine only those terms' alternatives, the others staying at base",
        terms.len(),
        factors.join(" × "),
        number(max as f64, 0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(variants: &[(&str, usize)], contracted: bool, deliverable: bool) -> Combination {
        Combination {
            id: String::new(),
            label: String::new(),
            variants: variants
                .iter()
                .map(|&(term, n)| VariantJson {
                    term: term.to_string(),
                    n,
                    value: None,
                    source: None,
                    evidence: None,
                })
                .collect(),
            metrics: Some(Metrics::default()),
            verdicts: Some(Verdicts {
                contracted,
                financeable: true,
                deliverable,
            }),
            invalid: None,
        }
    }

    const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

    /// The example with one more alternative (1 % above the value) on each of the first
    /// `extra` provenance-table terms without any: 6 · 2^extra combinations.
    fn many_alternatives(extra: usize) -> String {
        let mut added = 0;
        let mut out = String::new();
        for line in EXAMPLE.lines() {
            let value = line
                .split_once("{ value = ")
                .and_then(|(_, rest)| rest.split_once(','))
                .and_then(|(v, _)| v.trim().parse::<f64>().ok());
            match (value, line.strip_suffix(" }")) {
                (Some(v), Some(head)) if added < extra && !line.contains("alternatives") => {
                    added += 1;
                    let alt = v * 1.01;
                    writeln!(
                        out,
                        "{head}, alternatives = [{{ value = {alt:?}, evidence = \"assumed\" }}] }}"
                    )
                    .unwrap();
                }
                _ => writeln!(out, "{line}").unwrap(),
            }
        }
        assert_eq!(added, extra, "the example has too few terms to vary");
        out
    }

    fn all_terms(base: &Contract) -> Vec<(String, usize)> {
        offtake_model::chosen_terms(base, &[]).unwrap()
    }

    #[test]
    fn an_unset_flag_changes_nothing_and_a_set_one_runs_nothing() {
        let src = many_alternatives(3);
        let sheet = TermSheet::read(&src).unwrap();
        let base = sheet.contract(&[]).unwrap();
        let terms = all_terms(&base);
        let never = AtomicBool::new(false);
        let runs = Combination::run_all_cancellable(&sheet, &base, &terms, &never).unwrap();
        assert_eq!(runs.len(), 6 * 8);
        assert_eq!(runs, Combination::run_all(&sheet, &base, &terms));
        let set = AtomicBool::new(true);
        assert_eq!(
            Combination::run_all_cancellable(&sheet, &base, &terms, &set).map(|r| r.len()),
            Err(Cancelled)
        );
    }

    /// 3,072 combinations (seconds of engine runs) stop soon after the flag is set.
    #[test]
    #[allow(
        clippy::disallowed_methods,
        reason = "the test times how soon a cancelled comparison stops"
    )]
    fn a_comparison_of_every_combination_stops_soon_after_it_is_cancelled() {
        let src = many_alternatives(9);
        let sheet = TermSheet::read(&src).unwrap();
        let base = sheet.contract(&[]).unwrap();
        let terms = all_terms(&base);
        assert_eq!(offtake_model::combination_count(&terms), 3072);
        let flag = AtomicBool::new(false);
        let (out, late) = std::thread::scope(|scope| {
            let running =
                scope.spawn(|| Combination::run_all_cancellable(&sheet, &base, &terms, &flag));
            std::thread::sleep(std::time::Duration::from_millis(50));
            flag.store(true, Ordering::Relaxed);
            let set = std::time::Instant::now();
            let out = running.join().unwrap();
            (out, set.elapsed())
        });
        assert_eq!(out.map(|r| r.len()), Err(Cancelled));
        assert!(late.as_secs_f64() < 5.0, "stopped {late:?} after the flag");
    }

    #[test]
    fn a_joint_flip_is_one_no_single_alternative_makes_alone() {
        let runs = [
            run(&[], false, true),
            run(&[("b", 1)], false, false),
            run(&[("a", 1)], false, true),
            // Contracted flips only together; deliverable flips with b alone too.
            run(&[("a", 1), ("b", 1)], true, false),
        ];
        let flips = combination_flips(&runs);
        assert_eq!(flips[0], (Flips::default(), Flips::default()));
        // A single variant's flip is never joint.
        assert!(flips[1].0.deliverable && !flips[1].1.any());
        let (both, joint) = flips[3];
        assert!(both.contracted && both.deliverable && !both.financeable);
        assert!(joint.contracted && !joint.deliverable && !joint.financeable);
        // An invalid run flips nothing.
        let mut invalid = runs.to_vec();
        invalid[3].metrics = None;
        invalid[3].verdicts = None;
        invalid[3].invalid = Some("x".into());
        assert!(!combination_flips(&invalid)[3].0.any());
    }
}
