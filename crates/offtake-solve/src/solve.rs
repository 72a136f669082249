//! The solve: scan a grid over the range, bracket every change of the goal, refine each.

use std::sync::atomic::{AtomicBool, Ordering};

use offtake_engine::{Metrics, Scenario, Simulator, Verdicts};
use offtake_model::{Contract, NumericTerm, Override, TermSheet, Variant};
use offtake_risk::{Control, PathMetric, RunConfig, RunOptions, Verdict, simulate};
use serde::Serialize;

use crate::goal::{Cmp, Condition, Goal, VerdictGoal, metric_value};
use crate::roots::{Bracket, bisect, brent};

/// The relative tolerance of a boundary: the final bracket is at most 1e-6 · max(|x|, 1e-3 ·
/// the range's largest magnitude) wide.
pub const TOLERANCE: f64 = 1e-6;

/// Grid points of the scan over the range (16 intervals): with the refinement, a one-term solve
/// of a single crossing on the base scenario takes about 30 engine runs.
pub const DEFAULT_GRID: usize = 17;

/// Points of the first term's grid in a two-term curve.
pub const DEFAULT_CURVE_GRID: usize = 25;

/// The most points of a grid (`--grid`): each point is at least one engine run, and a two-term
/// curve solves the second term at every point of the first's grid.
pub const MAX_GRID: usize = 10_000;

/// `n` is a grid size: 2 ..= [`MAX_GRID`] points.
pub fn check_grid(n: usize) -> Result<(), SolveError> {
    if (2..=MAX_GRID).contains(&n) {
        Ok(())
    } else {
        Err(SolveError::BadGrid(n))
    }
}

/// Most evaluations one refinement may take (bisection from 1/16 of a range to 1e-6 of the
/// value's magnitude needs about 20; a value near zero up to about 30).
const MAX_REFINE: usize = 60;

/// Why a solve cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SolveError {
    /// The term sheet, a term or an override (model errors: unknown term, not numeric, …).
    #[error(transparent)]
    Model(#[from] offtake_model::Error),
    /// The range makes the sheet invalid at one end (a floor above 1).
    #[error(
        "`{term}` = {value} is outside the term's valid values: {}",
        problems(error)
    )]
    OutsideValid {
        term: String,
        value: f64,
        error: offtake_model::Error,
    },
    #[error("the range {lo}..{hi} of `{term}` is empty or not finite: write A..B with A < B")]
    BadRange { term: String, lo: f64, hi: f64 },
    #[error("the grid takes 2 to {MAX_GRID} points, found {0}")]
    BadGrid(usize),
    #[error("vary two different terms; `{0}` is given twice")]
    SameTerm(String),
    #[error(transparent)]
    Risk(#[from] offtake_risk::Error),
    /// The caller's cancel flag was set (its client is gone): the solve stopped between two
    /// engine runs (or between chunks of paths with `--risk`) and has no answer.
    #[error("the solve was cancelled")]
    Cancelled,
}

/// A flag nobody sets: the solve of [`solve`] and [`curve`] runs to its end.
static NEVER: AtomicBool = AtomicBool::new(false);

/// The problems of a model error in one line: each diagnostic's field and message.
pub fn problems(error: &offtake_model::Error) -> String {
    match error {
        offtake_model::Error::Invalid { diagnostics, .. } if !diagnostics.is_empty() => diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.field, d.problem))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// Where the range of a term came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeSource {
    /// `--range A..B`.
    Given,
    /// The term's own valid values (a fraction: 0 to 1).
    ValidRange,
    /// Zero to twice the base value (or twice it to zero when negative; 0 to 1 for a zero
    /// base), within the term's valid values.
    Bracket,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TermRange {
    pub lo: f64,
    pub hi: f64,
    pub source: RangeSource,
}

/// `--risk`: the goal is a probability over a fixed set of paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RiskPlan {
    pub paths: u64,
    pub seed: u64,
    #[serde(skip)]
    pub threads: usize,
}

/// The contract's `[risk]` paths and seed, overridden by the caller's (None: the sheet's).
pub fn risk_plan(
    contract: &Contract,
    paths: Option<u64>,
    seed: Option<u64>,
    threads: Option<usize>,
) -> Result<RiskPlan, SolveError> {
    let config = RunConfig::new(
        contract,
        RunOptions {
            seed,
            n_paths: paths,
            threads,
            ..RunOptions::default()
        },
    )?;
    Ok(RiskPlan {
        paths: config.n_paths(),
        seed: config.seed(),
        threads: config.threads(),
    })
}

/// One term's solve, checked: the term is numeric and both ends of the range are valid.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub term: NumericTerm,
    pub range: TermRange,
    pub goal: Goal,
    pub risk: Option<RiskPlan>,
    pub grid: usize,
    pub variants: Vec<Variant>,
}

/// The numeric term `path` of the sheet (unknown: `UnknownTerm` with the closest; a date:
/// `NotNumeric`).
pub fn find_term(
    sheet: &TermSheet<'_>,
    variants: &[Variant],
    path: &str,
) -> Result<NumericTerm, SolveError> {
    let terms = sheet.numeric_terms(variants)?;
    if let Some(t) = terms.into_iter().find(|t| t.path == path) {
        return Ok(t);
    }
    // contract_with names the problem: not numeric, or unknown with the closest term.
    let probe = Override {
        term: path.to_string(),
        value: 0.0,
    };
    sheet.contract_with(variants, &[probe])?;
    Err(SolveError::Model(offtake_model::Error::UnknownTerm {
        term: path.to_string(),
        suggestion: None,
    }))
}

/// Checks `term` = `value` (with `fixed`) validates, as if written in the file.
fn check_value(
    sheet: &TermSheet<'_>,
    variants: &[Variant],
    fixed: &[Override],
    term: &str,
    value: f64,
) -> Result<(), SolveError> {
    let mut overrides = fixed.to_vec();
    overrides.push(Override {
        term: term.to_string(),
        value,
    });
    match sheet.contract_with(variants, &overrides) {
        Ok(_) => Ok(()),
        Err(error) => Err(SolveError::OutsideValid {
            term: term.to_string(),
            value,
            error,
        }),
    }
}

/// The range to scan: `given`, checked (A < B, both finite, the sheet valid at both ends); else
/// the term's valid values when they are a short finite interval (a fraction: 0..1), else zero
/// to twice the base value, within the valid values. A default end that a rule joining terms
/// refuses (tranches above `max_mw`) is pulled back towards the base value, by bisection on
/// validity, to the last valid value found.
pub fn range(
    sheet: &TermSheet<'_>,
    variants: &[Variant],
    fixed: &[Override],
    term: &NumericTerm,
    given: Option<(f64, f64)>,
) -> Result<TermRange, SolveError> {
    if let Some((lo, hi)) = given {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(SolveError::BadRange {
                term: term.path.clone(),
                lo,
                hi,
            });
        }
        check_value(sheet, variants, fixed, &term.path, lo)?;
        check_value(sheet, variants, fixed, &term.path, hi)?;
        return Ok(TermRange {
            lo,
            hi,
            source: RangeSource::Given,
        });
    }
    let base = term.value;
    let scale = base.abs().max(1e-9);
    let (mut lo, mut hi, mut source) = if base > 0.0 {
        (0.0, 2.0 * base, RangeSource::Bracket)
    } else if base < 0.0 {
        (2.0 * base, 0.0, RangeSource::Bracket)
    } else {
        (0.0, 1.0, RangeSource::Bracket)
    };
    if let Some(l) = term.limits {
        let (min, max) = (
            if l.min_open {
                l.min + 1e-6 * scale
            } else {
                l.min
            },
            if l.max_open {
                l.max - 1e-6 * scale
            } else {
                l.max
            },
        );
        if min.is_finite() && max.is_finite() && max - min <= 4.0 * base.abs().max(1.0) {
            (lo, hi, source) = (min, max, RangeSource::ValidRange);
        } else {
            lo = lo.max(min);
            hi = hi.min(max);
        }
    }
    let valid = |x: f64| check_value(sheet, variants, fixed, &term.path, x).is_ok();
    let pull = |end: f64| -> f64 {
        if valid(end) {
            return end;
        }
        // Validity is an interval around the base (the rules are bounds): bisect its edge.
        let (mut good, mut bad) = (base, end);
        for _ in 0..40 {
            let mid = 0.5 * (good + bad);
            if valid(mid) {
                good = mid;
            } else {
                bad = mid;
            }
        }
        good
    };
    let (lo, hi) = (pull(lo), pull(hi));
    if lo >= hi {
        return Err(SolveError::BadRange {
            term: term.path.clone(),
            lo,
            hi,
        });
    }
    Ok(TermRange { lo, hi, source })
}

/// The probabilities over the paths at one value (`--risk`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Probabilities {
    pub contracted: f64,
    pub financeable: f64,
    pub deliverable: f64,
    pub all: f64,
    /// Of the goal's condition (a verdict's or a metric bound's).
    pub goal: f64,
}

/// The run at one value of the term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub x: f64,
    /// Whether the goal holds there.
    pub holds: bool,
    /// The figure the goal tests (the metric, or the probability with `--risk`); none for a
    /// verdict goal on the base scenario, or when the metric does not exist.
    pub figure: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdicts: Option<Verdicts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probabilities: Option<Probabilities>,
}

/// How a crossing was refined and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrossingKind {
    /// A continuous metric equals its bound (Brent).
    Root,
    /// The metric jumps across its bound: no value meets it exactly (Brent's bracket closed on a
    /// jump).
    Jump,
    /// A verdict, a probability or a metric that ceases to exist changes there (bisection).
    Step,
}

/// A change of the goal between two grid points, refined.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crossing {
    /// The end of the final bracket where the goal holds.
    pub value: f64,
    pub kind: CrossingKind,
    /// Whether the goal starts to hold (true) or stops (false) as the term rises.
    pub holds_above: bool,
    /// The run at the bracket's lower end, and at its upper end (one of them is `value`).
    pub below: Side,
    pub above: Side,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// One crossing: `value` is the boundary.
    Found,
    /// The goal fails at every grid point.
    Infeasible,
    /// The goal holds at every grid point.
    HoldsEverywhere,
    /// The goal changes more than once: see `crossings`.
    SeveralCrossings,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Found => "found",
            Status::Infeasible => "infeasible",
            Status::HoldsEverywhere => "holds_everywhere",
            Status::SeveralCrossings => "several_crossings",
        }
    }
}

/// One grid point of the scan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GridPoint {
    pub x: f64,
    pub holds: bool,
    pub figure: Option<f64>,
}

/// The answer of a one-term solve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solution {
    pub term: String,
    pub goal: String,
    /// The boundary when `status` is `found`: the end of the final bracket where the goal holds.
    pub value: Option<f64>,
    pub status: Status,
    /// The term's value in the file.
    pub base_value: f64,
    pub range: TermRange,
    /// Relative tolerance of every boundary ([`TOLERANCE`]).
    pub tolerance: f64,
    pub crossings: Vec<Crossing>,
    /// The run just below `value` and just above it (status `found`).
    pub below: Option<Side>,
    pub above: Option<Side>,
    pub grid: Vec<GridPoint>,
    /// Engine runs (one per value on the base scenario; paths × values with `--risk`).
    pub engine_runs: u64,
    /// Values evaluated (grid and refinement).
    pub evaluations: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskPlan>,
}

/// Evaluates the goal at values of one term, keeping every run.
struct Evaluator<'a, 's> {
    sheet: &'a TermSheet<'s>,
    variants: &'a [Variant],
    overrides: Vec<Override>,
    goal: &'a Goal,
    risk: Option<RiskPlan>,
    runs: u64,
    cache: Vec<Side>,
    /// Read before every engine run (and by the risk workers between chunks).
    cancel: &'a AtomicBool,
}

/// A refinement stops: an error, or a metric that does not exist at a point (bisect instead).
enum Halt {
    Error(SolveError),
    Undefined,
}

impl<'a, 's> Evaluator<'a, 's> {
    fn new(
        sheet: &'a TermSheet<'s>,
        variants: &'a [Variant],
        fixed: &[Override],
        term: &str,
        goal: &'a Goal,
        risk: Option<RiskPlan>,
        cancel: &'a AtomicBool,
    ) -> Self {
        let mut overrides = fixed.to_vec();
        overrides.push(Override {
            term: term.to_string(),
            value: f64::NAN,
        });
        Evaluator {
            sheet,
            variants,
            overrides,
            goal,
            risk,
            runs: 0,
            cache: Vec::new(),
            cancel,
        }
    }

    fn eval(&mut self, x: f64) -> Result<Side, SolveError> {
        if let Some(s) = self.cache.iter().find(|s| s.x.to_bits() == x.to_bits()) {
            return Ok(s.clone());
        }
        if self.cancel.load(Ordering::Relaxed) {
            return Err(SolveError::Cancelled);
        }
        if let Some(last) = self.overrides.last_mut() {
            last.value = x;
        }
        let contract = self
            .sheet
            .contract_with(self.variants, &self.overrides)
            .map_err(|error| SolveError::OutsideValid {
                term: self
                    .overrides
                    .last()
                    .map(|o| o.term.clone())
                    .unwrap_or_default(),
                value: x,
                error,
            })?;
        let side = match (self.goal, self.risk) {
            (Goal::Base { condition }, _) => {
                let mut simulator = Simulator::new(&contract);
                let summary = simulator.run(&Scenario::base(&contract));
                self.runs += 1;
                let (holds, figure) = match condition {
                    Condition::Verdict { verdict } => (verdict.holds(&summary.verdicts), None),
                    Condition::Metric { metric, cmp, bound } => {
                        let v = metric_value(&summary.metrics, metric);
                        (v.is_some_and(|v| cmp.holds(v, *bound)), v)
                    }
                };
                Side {
                    x,
                    holds,
                    figure,
                    verdicts: Some(summary.verdicts),
                    metrics: Some(summary.metrics),
                    probabilities: None,
                }
            }
            (
                Goal::Probability {
                    condition,
                    cmp,
                    bound,
                },
                Some(plan),
            ) => {
                let p = probabilities(&contract, condition, plan, self.cancel)?;
                self.runs += plan.paths;
                Side {
                    x,
                    holds: cmp.holds(p.goal, *bound),
                    figure: Some(p.goal),
                    verdicts: None,
                    metrics: None,
                    probabilities: Some(p),
                }
            }
            (Goal::Probability { .. }, None) => {
                return Err(SolveError::Risk(offtake_risk::Error::PathCount {
                    paths: 0,
                    max: offtake_model::RiskSpec::MAX_PATHS,
                }));
            }
        };
        self.cache.push(side.clone());
        Ok(side)
    }

    /// g at x for Brent: the goal's margin (≥ 0 where it holds).
    fn margin(&mut self, x: f64) -> Result<f64, Halt> {
        let (cmp, bound) = match self.goal.condition() {
            Condition::Metric { cmp, bound, .. } => (*cmp, *bound),
            Condition::Verdict { .. } => return Err(Halt::Undefined),
        };
        let side = self.eval(x).map_err(Halt::Error)?;
        side.figure
            .map(|v| cmp.margin(v, bound))
            .ok_or(Halt::Undefined)
    }

    fn holds(&mut self, x: f64) -> Result<bool, SolveError> {
        Ok(self.eval(x)?.holds)
    }

    fn cached(&self, x: f64) -> Option<Side> {
        self.cache
            .iter()
            .find(|s| s.x.to_bits() == x.to_bits())
            .cloned()
    }
}

/// The probability of `condition` and of each verdict over the plan's paths: path i is drawn
/// from (seed, i) alone by offtake-risk at every value of the term (common random numbers).
fn probabilities(
    contract: &Contract,
    condition: &Condition,
    plan: RiskPlan,
    cancel: &AtomicBool,
) -> Result<Probabilities, SolveError> {
    let config = RunConfig::new(
        contract,
        RunOptions {
            seed: Some(plan.seed),
            n_paths: Some(plan.paths),
            threads: Some(plan.threads),
            ..RunOptions::default()
        },
    )?;
    let control = Control {
        cancel: Some(cancel),
        progress: None,
    };
    let simulation = simulate(contract, &config, control)?;
    if simulation.partial {
        return Err(SolveError::Cancelled);
    }
    let table = simulation.table;
    let metric = match condition {
        Condition::Metric { metric, cmp, bound } => PathMetric::ALL
            .into_iter()
            .find(|m| m.name() == metric)
            .map(|m| (m, *cmp, *bound)),
        Condition::Verdict { .. } => None,
    };
    let mut counts = [0u64; 5];
    for row in 0..table.len() {
        let v = Verdicts {
            contracted: table.verdict(row, Verdict::Contracted),
            financeable: table.verdict(row, Verdict::Financeable),
            deliverable: table.verdict(row, Verdict::Deliverable),
        };
        for (k, goal) in VerdictGoal::ALL.into_iter().enumerate() {
            counts[k] += u64::from(goal.holds(&v));
        }
        let holds = match (condition, metric) {
            (Condition::Verdict { verdict }, _) => verdict.holds(&v),
            (_, Some((m, cmp, bound))) => table.metric(row, m).is_some_and(|x| cmp.holds(x, bound)),
            (_, None) => false,
        };
        counts[4] += u64::from(holds);
    }
    let n = table.len().max(1) as f64;
    let p = |k: usize| counts[k] as f64 / n;
    Ok(Probabilities {
        contracted: p(0),
        financeable: p(1),
        deliverable: p(2),
        all: p(3),
        goal: p(4),
    })
}

/// Solves `plan` (the term varies, `fixed` overrides held, e.g. the other term of a curve).
pub fn solve(sheet: &TermSheet<'_>, plan: &Plan) -> Result<Solution, SolveError> {
    solve_with(sheet, plan, &[], &NEVER)
}

/// [`solve`] that stops with [`SolveError::Cancelled`] soon after `cancel` is set (it is read
/// before every engine run, and between chunks of paths with `--risk`). Not cancelled, the
/// answer is [`solve`]'s.
pub fn solve_cancellable(
    sheet: &TermSheet<'_>,
    plan: &Plan,
    cancel: &AtomicBool,
) -> Result<Solution, SolveError> {
    solve_with(sheet, plan, &[], cancel)
}

fn solve_with(
    sheet: &TermSheet<'_>,
    plan: &Plan,
    fixed: &[Override],
    cancel: &AtomicBool,
) -> Result<Solution, SolveError> {
    check_grid(plan.grid)?;
    let (lo, hi) = (plan.range.lo, plan.range.hi);
    let scale = lo.abs().max(hi.abs());
    let tol = move |x: f64| TOLERANCE * x.abs().max(1e-3 * scale);
    let mut ev = Evaluator::new(
        sheet,
        &plan.variants,
        fixed,
        &plan.term.path,
        &plan.goal,
        plan.risk,
        cancel,
    );
    let n = plan.grid;
    let xs: Vec<f64> = (0..n)
        .map(|i| {
            if i + 1 == n {
                hi
            } else {
                lo + (hi - lo) * i as f64 / (n - 1) as f64
            }
        })
        .collect();
    let mut grid = Vec::new();
    for &x in &xs {
        let s = ev.eval(x)?;
        grid.push(GridPoint {
            x,
            holds: s.holds,
            figure: s.figure,
        });
    }
    let mut crossings = Vec::new();
    for w in grid.windows(2) {
        let (a, b) = (w[0], w[1]);
        if a.holds == b.holds {
            continue;
        }
        crossings.push(refine(&mut ev, a, b, &tol)?);
    }
    let status = match crossings.len() {
        0 if grid.iter().all(|g| g.holds) => Status::HoldsEverywhere,
        0 => Status::Infeasible,
        1 => Status::Found,
        _ => Status::SeveralCrossings,
    };
    let one = (status == Status::Found).then(|| crossings[0].clone());
    Ok(Solution {
        term: plan.term.path.clone(),
        goal: plan.goal.to_string(),
        value: one.as_ref().map(|c| c.value),
        status,
        base_value: plan.term.value,
        range: plan.range,
        tolerance: TOLERANCE,
        below: one.as_ref().map(|c| c.below.clone()),
        above: one.map(|c| c.above),
        crossings,
        grid,
        engine_runs: ev.runs,
        evaluations: ev.cache.len() as u64,
        risk: plan.risk,
    })
}

/// Refines the change of the goal between grid points `a` < `b`.
fn refine(
    ev: &mut Evaluator<'_, '_>,
    a: GridPoint,
    b: GridPoint,
    tol: &impl Fn(f64) -> f64,
) -> Result<Crossing, SolveError> {
    let continuous = matches!(
        ev.goal,
        Goal::Base {
            condition: Condition::Metric { .. }
        }
    );
    let mut found = None;
    if continuous && let (Some(_), Some(_)) = (a.figure, b.figure) {
        let (ga, gb) = match (ev.margin(a.x), ev.margin(b.x)) {
            (Ok(ga), Ok(gb)) => (ga, gb),
            (Err(Halt::Error(e)), _) | (_, Err(Halt::Error(e))) => return Err(e),
            _ => (f64::NAN, f64::NAN),
        };
        if (ga >= 0.0) != (gb >= 0.0) {
            let refined = brent(|x| ev.margin(x), a.x, ga, b.x, gb, tol, MAX_REFINE)
                .and_then(|bracket| narrow(ev, bracket, tol));
            match refined {
                Ok(bracket) => match jump_test(ev, bracket) {
                    Ok(r) => found = Some(r),
                    Err(Halt::Error(e)) => return Err(e),
                    Err(Halt::Undefined) => {}
                },
                Err(Halt::Error(e)) => return Err(e),
                Err(Halt::Undefined) => {}
            }
        }
    }
    let (lo, hi, kind) = match found {
        Some(r) => r,
        None => {
            let (lo, hi) = bisect(|x| ev.holds(x), a.x, a.holds, b.x, tol, MAX_REFINE)?;
            (lo, hi, CrossingKind::Step)
        }
    };
    let below = match ev.cached(lo) {
        Some(s) => s,
        None => ev.eval(lo)?,
    };
    let above = match ev.cached(hi) {
        Some(s) => s,
        None => ev.eval(hi)?,
    };
    let value = if above.holds || !below.holds { hi } else { lo };
    Ok(Crossing {
        value,
        kind,
        holds_above: above.holds,
        below,
        above,
    })
}

/// Brent stops as soon as it meets an exact zero, with the other end of its bracket possibly
/// far away: puts that end within the tolerance of the zero (or, failing that, bisects on the
/// sign of g), so the runs reported below and above are just below and just above.
fn narrow(
    ev: &mut Evaluator<'_, '_>,
    bracket: Bracket,
    tol: &impl Fn(f64) -> f64,
) -> Result<Bracket, Halt> {
    let mut br = bracket;
    for _ in 0..MAX_REFINE {
        let mid = br.lo + 0.5 * br.width();
        if br.width() <= tol(mid) || !(mid > br.lo && mid < br.hi) {
            break;
        }
        let probe = if br.f_lo == 0.0 {
            br.lo + tol(br.lo)
        } else if br.f_hi == 0.0 {
            br.hi - tol(br.hi)
        } else {
            mid
        };
        let probe = if probe > br.lo && probe < br.hi {
            probe
        } else {
            mid
        };
        let g = ev.margin(probe)?;
        if (g >= 0.0) == (br.f_lo >= 0.0) {
            br.lo = probe;
            br.f_lo = g;
        } else {
            br.hi = probe;
            br.f_hi = g;
        }
    }
    Ok(br)
}

/// Tells a root from a jump on Brent's final bracket: halves it twice; a continuous g's change
/// across the bracket halves with it, a jump's stays. Returns the (narrower) bracket and kind.
fn jump_test(
    ev: &mut Evaluator<'_, '_>,
    bracket: Bracket,
) -> Result<(f64, f64, CrossingKind), Halt> {
    let mut br = bracket;
    let mut jump = true;
    for _ in 0..2 {
        let before = (br.f_hi - br.f_lo).abs();
        let mid = br.lo + 0.5 * br.width();
        if !(mid > br.lo && mid < br.hi) {
            break;
        }
        let g = ev.margin(mid)?;
        if (g >= 0.0) == (br.f_lo >= 0.0) {
            br.lo = mid;
            br.f_lo = g;
        } else {
            br.hi = mid;
            br.f_hi = g;
        }
        if (br.f_hi - br.f_lo).abs() <= 0.75 * before {
            jump = false;
            break;
        }
    }
    let kind = if jump {
        CrossingKind::Jump
    } else {
        CrossingKind::Root
    };
    Ok((br.lo, br.hi, kind))
}

/// A two-term solve: the boundary of `b` over a grid of `a`.
#[derive(Debug, Clone, PartialEq)]
pub struct CurvePlan {
    /// The first term, on a grid of `points` values over `a_range`.
    pub a: NumericTerm,
    pub a_range: TermRange,
    pub points: usize,
    /// The term solved for at each value of `a`.
    pub b: Plan,
}

/// One point of a curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurvePoint {
    pub a: f64,
    /// `found`, `infeasible`, … or none when the sheet is invalid at this `a` over `b`'s range.
    pub status: Option<Status>,
    pub value: Option<f64>,
    /// Every boundary found (several when the goal is not monotone in `b`).
    pub crossings: Vec<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The answer of a two-term solve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    pub term_a: String,
    pub term_b: String,
    pub goal: String,
    pub range_a: TermRange,
    pub range_b: TermRange,
    pub tolerance: f64,
    pub points: Vec<CurvePoint>,
    pub engine_runs: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<RiskPlan>,
}

/// Solves `plan.b` at each of `plan.points` values of `plan.a` over its range.
pub fn curve(sheet: &TermSheet<'_>, plan: &CurvePlan) -> Result<Curve, SolveError> {
    curve_cancellable(sheet, plan, &NEVER)
}

/// [`curve`] that stops with [`SolveError::Cancelled`] soon after `cancel` is set (read before
/// every engine run of every point). Not cancelled, the answer is [`curve`]'s.
pub fn curve_cancellable(
    sheet: &TermSheet<'_>,
    plan: &CurvePlan,
    cancel: &AtomicBool,
) -> Result<Curve, SolveError> {
    check_grid(plan.points)?;
    if plan.a.path == plan.b.term.path {
        return Err(SolveError::SameTerm(plan.a.path.clone()));
    }
    let (lo, hi) = (plan.a_range.lo, plan.a_range.hi);
    let n = plan.points;
    let mut points = Vec::new();
    let mut runs = 0;
    for i in 0..n {
        let a = if i + 1 == n {
            hi
        } else {
            lo + (hi - lo) * i as f64 / (n - 1) as f64
        };
        let fixed = [Override {
            term: plan.a.path.clone(),
            value: a,
        }];
        match solve_with(sheet, &plan.b, &fixed, cancel) {
            Ok(s) => {
                runs += s.engine_runs;
                points.push(CurvePoint {
                    a,
                    status: Some(s.status),
                    value: s.value,
                    crossings: s.crossings.iter().map(|c| c.value).collect(),
                    error: None,
                });
            }
            Err(e @ SolveError::OutsideValid { .. }) => points.push(CurvePoint {
                a,
                status: None,
                value: None,
                crossings: Vec::new(),
                error: Some(e.to_string()),
            }),
            Err(e) => return Err(e),
        }
    }
    Ok(Curve {
        term_a: plan.a.path.clone(),
        term_b: plan.b.term.path.clone(),
        goal: plan.b.goal.to_string(),
        range_a: plan.a_range,
        range_b: plan.b.range,
        tolerance: TOLERANCE,
        points,
        engine_runs: runs,
        risk: plan.b.risk,
    })
}

/// The comparison symbol of a goal's condition, for reports.
pub fn cmp_of(goal: &Goal) -> Option<Cmp> {
    match goal.condition() {
        Condition::Metric { cmp, .. } => Some(*cmp),
        Condition::Verdict { .. } => None,
    }
}
