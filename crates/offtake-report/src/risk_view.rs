//! The risk section of the HTML and XLSX reports, as plain data: distributions of the headline
//! metrics over Monte Carlo paths, the tornado and the probabilities (MODEL.md §10).
//!
//! The documents draw from this view, not from the simulator's types, so their layout does not
//! follow the simulator's internals; [`RiskView::from_run`] is the one place that reads
//! offtake-risk. Every figure is the simulator's own (statistics, probabilities, tornado); the
//! histograms bin the per-path values it recorded.

use offtake_model::Contract;
use offtake_risk::drivers::{Condition, DriverFactor, DriverStatus, Drivers, Side, Threshold};
use offtake_risk::report::FactorReport;
use offtake_risk::{PathMetric, PathTable, RiskReport, Setting, Summary};

use crate::charts::{Mark, TornadoBar, ValueAxis};
use crate::format::pct;
use crate::labels::{Metric, VERDICTS};
use crate::style;

/// One metric's distribution over paths, drawn as a histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskHistogram {
    pub title: String,
    pub x_desc: String,
    /// The metric on every path where it exists (USD or a fraction).
    pub values: Vec<f64>,
    pub axis: ValueAxis,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    /// Share of paths where the metric does not exist (no IRR).
    pub share_missing: f64,
    /// Draw the hurdle rate as well (IRR histograms).
    pub show_hurdle: bool,
    /// The base case's value (every term as written), marked on the histogram (NPV).
    pub base: Option<f64>,
}

impl RiskHistogram {
    /// The rules drawn on the histogram: P10/P50/P90 and, for IRR, the hurdle.
    pub fn marks(&self, contract: &Contract) -> Vec<Mark> {
        let mut marks = vec![
            Mark {
                label: format!("P10 {}", self.show(self.p10)),
                value: self.p10,
                colour: style::AMBER,
            },
            Mark {
                label: format!("P50 {}", self.show(self.p50)),
                value: self.p50,
                colour: style::INK,
            },
            Mark {
                label: format!("P90 {}", self.show(self.p90)),
                value: self.p90,
                colour: style::TEAL,
            },
        ];
        if let Some(base) = self.base.filter(|b| b.is_finite()) {
            marks.push(Mark {
                label: format!("base {}", self.show(base)),
                value: base,
                colour: style::NAVY,
            });
        }
        if self.show_hurdle {
            marks.push(Mark {
                label: format!("hurdle {}", self.show(contract.thresholds.hurdle)),
                value: contract.thresholds.hurdle,
                colour: style::RED,
            });
        }
        marks
    }

    /// A value of this metric for people.
    pub fn show(&self, v: f64) -> String {
        self.axis.show(v)
    }
}

/// Summary statistics of one metric over paths (the simulator's [`Summary`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricStats {
    pub name: String,
    pub axis: ValueAxis,
    pub mean: Option<f64>,
    /// Sample standard deviation (n − 1).
    pub sd: Option<f64>,
    pub p5: Option<f64>,
    pub p10: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
    pub share_missing: f64,
}

impl MetricStats {
    /// A statistic for people; "none" when no path has the metric.
    pub fn show(&self, v: Option<f64>) -> String {
        v.map_or_else(|| "none".to_string(), |x| self.axis.show(x))
    }

    /// A spread (standard deviation) in the metric's unit: a difference of two values, so a
    /// percentage is in points (`2.1 pp`) and months are months.
    pub fn show_spread(&self, v: Option<f64>) -> String {
        match (v, self.axis) {
            (None, _) => "none".to_string(),
            (Some(x), ValueAxis::Percent) => format!("{:.1} pp", x * 100.0),
            (Some(x), _) => self.axis.show(x),
        }
    }
}

/// One factor of the tornado (MODEL.md §10): provider NPV, IRR and minimum DSCR with the factor
/// at its marginal P10 and P90, the others at base.
#[derive(Debug, Clone, PartialEq)]
pub struct TornadoFactor {
    pub factor: String,
    /// The factor's value at its P10 and P90, as the simulator spells it (`0.824`, `2 mo`).
    pub p10_setting: String,
    pub p90_setting: String,
    /// The settings as numbers (a multiplier, months, years to default), when each is one
    /// number (per-tranche delays are a list), with the spreadsheet number format that shows
    /// the unit.
    pub p10_number: Option<f64>,
    pub p90_number: Option<f64>,
    pub setting_format: &'static str,
    pub npv_at_p10: f64,
    pub npv_at_p90: f64,
    pub irr_at_p10: Option<f64>,
    pub irr_at_p90: Option<f64>,
    pub min_dscr_at_p10: Option<f64>,
    pub min_dscr_at_p90: Option<f64>,
}

/// The risk section.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskView {
    /// Paths that finished (the statistics' denominator).
    pub n_paths: u64,
    pub seed: u64,
    /// What was varied and any caveats, in words.
    pub description: String,
    /// Provider NPV of the base case (the tornado's centre).
    pub base_npv: f64,
    pub histograms: Vec<RiskHistogram>,
    /// Ranked by NPV swing, largest first.
    pub tornado: Vec<TornadoFactor>,
    /// (what, probability 0..1): verdicts, IRR below hurdle, options, equity.
    pub probabilities: Vec<(String, f64)>,
    /// Share of paths on which contracted, financeable and deliverable hold ([`VERDICTS`] order).
    pub verdict_probabilities: [Option<f64>; 3],
    pub stats: Vec<MetricStats>,
    /// The drivers of each verdict (`--drivers`); empty when not asked for.
    pub drivers: Vec<VerdictDriversView>,
    /// Sobol indices, when the run had a Sobol design.
    pub sensitivity: Option<SensitivityView>,
}

/// Sobol indices beside the tornado (`offtake risk --sensitivity sobol`, `docs/risk.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityView {
    pub base_paths: u64,
    pub design_points: u64,
    /// Output labels (Provider NPV, …, Deliverable).
    pub outputs: Vec<&'static str>,
    /// Per factor group: its name and, per output, (S_1, S_T, S_T's interval).
    pub rows: Vec<(String, Vec<SobolCell>)>,
    /// Per tornado row (same order as [`RiskView::tornado`]): S_T of what it moves for provider
    /// NPV, IRR and min DSCR, and the disagreements found for it, in words.
    pub tornado: Vec<([Option<f64>; 3], Vec<String>)>,
    pub notes: Vec<String>,
}

/// One factor's indices for one output.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolCell {
    pub s1: Option<f64>,
    pub st: Option<f64>,
    pub st_ci: Option<[f64; 2]>,
}

impl SensitivityView {
    fn of(report: &RiskReport, s: &offtake_risk::sobol::Sensitivity) -> SensitivityView {
        let outputs = s
            .outputs
            .iter()
            .map(|o| crate::risk_terminal::output_label(o.output))
            .collect();
        let rows = s
            .factors
            .iter()
            .enumerate()
            .map(|(k, f)| {
                let cells = s
                    .outputs
                    .iter()
                    .map(|o| {
                        let ix = o.indices[k].indices;
                        SobolCell {
                            s1: ix.s1,
                            st: ix.st,
                            st_ci: ix.st_ci,
                        }
                    })
                    .collect();
                (f.factor.clone(), cells)
            })
            .collect();
        let tornado = report
            .tornado
            .rows
            .iter()
            .map(|r| {
                let st = ["provider_npv", "provider_irr", "min_dscr"]
                    .map(|o| s.tornado_st(&r.factor, o));
                let marks = s
                    .disagreements
                    .iter()
                    .filter(|d| d.factor.split(" + ").any(|f| f == r.factor))
                    .map(crate::risk_terminal::disagreement_text)
                    .collect();
                (st, marks)
            })
            .collect();
        SensitivityView {
            base_paths: s.base_paths,
            design_points: s.design_points,
            outputs,
            rows,
            tornado,
            notes: s.notes.clone(),
        }
    }
}

/// A tornado setting as one number in its unit, if it is one.
fn setting_number(s: &Setting) -> Option<f64> {
    match s {
        Setting::Multiplier(x) => Some(*x),
        Setting::Months(m) => Some(*m as f64),
        Setting::MonthsPerTranche(_) => None,
        Setting::Default { years, .. } => Some(*years),
    }
}

/// The spreadsheet number format that shows a setting's unit.
fn setting_format(s: &Setting) -> &'static str {
    match s {
        Setting::Multiplier(_) => "0.000\"×\"",
        Setting::Months(_) | Setting::MonthsPerTranche(_) => "0\" mo\"",
        Setting::Default { .. } => "0.00\" y to default\"",
    }
}

/// How each recorded metric is shown.
fn axis_of(m: PathMetric) -> ValueAxis {
    match m {
        PathMetric::ProviderIrr | PathMetric::SponsorIrr => ValueAxis::Percent,
        PathMetric::Gearing | PathMetric::MaxLtv => ValueAxis::Percent,
        PathMetric::PaybackMonths => ValueAxis::Months,
        PathMetric::MinDscr
        | PathMetric::AvgDscr
        | PathMetric::Coverage
        | PathMetric::CreditAdjustedCoverage
        | PathMetric::Llcr => ValueAxis::Times,
        PathMetric::EffectivePrice => ValueAxis::UsdPerPflopHour,
        PathMetric::ProviderNpv
        | PathMetric::BuyerNpv
        | PathMetric::TotalPayments
        | PathMetric::IdlePayments
        | PathMetric::CreditLoss => ValueAxis::UsdBillions,
    }
}

/// A recorded metric's label: [`Metric`]'s for the v1 metrics.
pub fn path_metric_label(m: PathMetric) -> &'static str {
    match Metric::of_path_metric(m) {
        Some(metric) => metric.label(),
        None => match m {
            PathMetric::CreditAdjustedCoverage => "Credit-adjusted coverage",
            PathMetric::CreditLoss => "Credit loss",
            PathMetric::Llcr => "LLCR",
            PathMetric::MaxLtv => "Maximum LTV",
            PathMetric::Gearing => "Gearing",
            PathMetric::SponsorIrr => "Sponsor IRR",
            _ => "",
        },
    }
}

fn label_of(m: PathMetric) -> &'static str {
    path_metric_label(m)
}

/// Whether the views list a metric of this run: the v1 metrics always; the credit metrics
/// (MODEL.md §14) when some party has a credit; the lender's (§15) when the run has an LLCR
/// (a sculpted loan), an LTV (a market value) or a tested payment default (a reserve) — so a
/// term sheet without the v2 keys reads as before. JSON has every metric.
pub fn shows_metric(report: &RiskReport, m: PathMetric) -> bool {
    let has = |m: PathMetric| report.metrics.get(m).is_some_and(|s| s.n > 0);
    if PathMetric::CREDIT.contains(&m) {
        !report.probabilities.defaults.is_empty()
    } else if PathMetric::LENDER.contains(&m) {
        has(PathMetric::Llcr)
            || has(PathMetric::MaxLtv)
            || report.probabilities.paths_payment_default_tested > 0
    } else {
        true
    }
}

/// What each probability of a run is (verdicts, IRR below the hurdle, each option exercised,
/// each equity tranche paid, each party's default within the term, the loan's payment
/// default) and its share of paths, absent when no path could tell; the terminal and the
/// documents list the same lines.
pub fn probabilities(report: &RiskReport) -> Vec<(String, Option<f64>)> {
    let p = &report.probabilities;
    let mut out: Vec<(String, Option<f64>)> = VERDICTS
        .iter()
        .map(|(_, label)| label.to_string())
        .zip([p.contracted, p.financeable, p.deliverable])
        .collect();
    out.push((
        format!("IRR below the {} hurdle", crate::format::pct(p.hurdle)),
        p.irr_below_hurdle,
    ));
    out.extend(
        p.options
            .iter()
            .map(|o| (format!("Option {} exercised", o.tranche), o.exercised)),
    );
    out.extend(
        p.equity
            .iter()
            .map(|e| (format!("Equity {} paid", e.id), e.paid)),
    );
    out.extend(
        p.defaults
            .iter()
            .map(|d| (format!("{} defaults within the term", d.party), d.defaulted)),
    );
    if p.paths_payment_default_tested > 0 {
        out.push(("Payment default on the loan".to_string(), p.payment_default));
    }
    out
}

/// The detail shown beside a probability line of [`probabilities`] (same order): the
/// denominator or the law it is compared with.
pub fn probability_details(report: &RiskReport) -> Vec<String> {
    let p = &report.probabilities;
    let mut out = vec![String::new(); 3];
    out.push(format!(
        "of {} paths with an IRR",
        crate::format::count(p.paths_with_irr)
    ));
    out.extend(p.options.iter().map(|_| String::new()));
    out.extend(p.equity.iter().map(|_| String::new()));
    out.extend(p.defaults.iter().map(|d| {
        format!(
            "law {} (λ {:.4}/y{})",
            crate::format::pct(d.pd_term),
            d.hazard,
            if d.correlated { ", correlated" } else { "" }
        )
    }));
    if p.paths_payment_default_tested > 0 {
        out.push(format!(
            "of {} paths where it is tested",
            crate::format::count(p.paths_payment_default_tested)
        ));
    }
    out
}

impl RiskView {
    /// The view of a finished run: `report` and the `table` it was computed from.
    pub fn from_run(report: &RiskReport, table: &PathTable) -> RiskView {
        let summary = |m: PathMetric| report.metrics.get(m);
        let histogram = |m: PathMetric, x_desc: &str, show_hurdle: bool, base: Option<f64>| {
            let s = summary(m);
            let pick = |f: fn(&Summary) -> Option<f64>| s.and_then(f).unwrap_or(f64::NAN);
            RiskHistogram {
                title: format!("{} over Monte Carlo paths", label_of(m)),
                x_desc: x_desc.to_string(),
                // A run with a Sobol design: its design points (path index ≥ n_paths) are not
                // Monte Carlo paths.
                values: table
                    .metric_column(m)
                    .zip(table.path_indices())
                    .filter(|(_, i)| **i < report.n_paths)
                    .filter_map(|(v, _)| v)
                    .collect(),
                axis: axis_of(m),
                p10: pick(|s| s.p10),
                p50: pick(|s| s.p50),
                p90: pick(|s| s.p90),
                share_missing: s.and_then(|s| s.missing_share).unwrap_or(0.0),
                show_hurdle,
                base,
            }
        };
        let mut histograms = vec![
            histogram(
                PathMetric::ProviderNpv,
                "Provider NPV (unlevered), USD billions",
                false,
                Some(report.tornado.base.provider_npv),
            ),
            histogram(PathMetric::ProviderIrr, "Provider IRR, %", true, None),
        ];
        // MODEL.md §14: what the parties' defaults cost the provider, path by path.
        if shows_metric(report, PathMetric::CreditLoss) {
            histograms.extend([
                histogram(
                    PathMetric::CreditAdjustedCoverage,
                    "Realized credit-adjusted coverage, ×",
                    false,
                    None,
                ),
                histogram(
                    PathMetric::CreditLoss,
                    "Credit loss, USD billions",
                    false,
                    None,
                ),
            ]);
        }
        let probabilities = probabilities(report);
        let stats = report
            .metrics
            .0
            .iter()
            .filter(|(m, _)| shows_metric(report, *m))
            .map(|(m, s)| MetricStats {
                name: label_of(*m).to_string(),
                axis: axis_of(*m),
                mean: s.mean,
                sd: s.sd,
                p5: s.p5,
                p10: s.p10,
                p50: s.p50,
                p90: s.p90,
                p95: s.p95,
                share_missing: s.missing_share.unwrap_or(0.0),
            })
            .collect();
        let tornado = report
            .tornado
            .rows
            .iter()
            .map(|r| TornadoFactor {
                factor: r.factor.clone(),
                p10_setting: r.low.to_string(),
                p90_setting: r.high.to_string(),
                p10_number: setting_number(&r.low),
                p90_number: setting_number(&r.high),
                setting_format: setting_format(&r.low),
                npv_at_p10: r.at_low.provider_npv,
                npv_at_p90: r.at_high.provider_npv,
                irr_at_p10: r.at_low.provider_irr,
                irr_at_p90: r.at_high.provider_irr,
                min_dscr_at_p10: r.at_low.min_dscr,
                min_dscr_at_p90: r.at_high.min_dscr,
            })
            .collect();
        let defaults: Vec<String> = report
            .probabilities
            .defaults
            .iter()
            .map(|d| format!("default.{}", d.party))
            .collect();
        let factors: Vec<&str> = report
            .factors
            .iter()
            .map(|f| f.factor.as_str())
            .chain(defaults.iter().map(String::as_str))
            .collect();
        let mut description = if factors.is_empty() {
            "No factor varies.".to_string()
        } else {
            format!("Factors varied: {}.", factors.join(", "))
        };
        if !report.correlation.is_empty() {
            let pairs: Vec<String> = report
                .correlation
                .iter()
                .map(|c| format!("{}–{} ρ = {:.2}", c.a, c.b, c.rho))
                .collect();
            description.push_str(&format!(" Correlated: {}.", pairs.join(", ")));
        }
        let p = &report.probabilities;
        if p.paths_payment_default_tested > 0 {
            description.push_str(&format!(
                " The loan's payment default is tested on {} of {} paths.",
                crate::format::count(p.paths_payment_default_tested),
                crate::format::count(report.n_paths_run)
            ));
        }
        description.push_str(&format!(" Seed {}.", report.seed));
        for note in &report.notes {
            description.push_str(&format!(" Note: {note}."));
        }
        RiskView {
            n_paths: report.n_paths_run,
            seed: report.seed,
            description,
            base_npv: report.tornado.base.provider_npv,
            histograms,
            tornado,
            probabilities: probabilities
                .into_iter()
                .filter_map(|(what, p)| p.map(|p| (what, p)))
                .collect(),
            verdict_probabilities: [p.contracted, p.financeable, p.deliverable],
            stats,
            drivers: report
                .drivers
                .as_ref()
                .map(|d| drivers_view(d, &report.factors))
                .unwrap_or_default(),
            sensitivity: report
                .sensitivity
                .as_ref()
                .map(|s| SensitivityView::of(report, s)),
        }
    }

    /// The tornado as chart bars (provider NPV).
    pub fn tornado_bars(&self) -> Vec<TornadoBar> {
        self.tornado
            .iter()
            .map(|t| TornadoBar {
                factor: t.factor.clone(),
                at_p10: t.npv_at_p10,
                at_p90: t.npv_at_p90,
            })
            .collect()
    }
}

/// One condition of the drivers, in words and figures.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverLine {
    /// The condition alone: `slip(Trainium3) − delay(phase-2) ≥ 7 months`.
    pub condition: String,
    /// The sentence: `Deliverable falls to 0.0% when … (5.1% of paths); 40.8% otherwise.`
    pub sentence: String,
    pub p_inside: f64,
    pub p_outside: f64,
    pub share_inside: f64,
    /// The verdict is the same on every path inside (a cliff).
    pub decisive: bool,
}

/// The drivers of one verdict (`offtake risk --drivers`), in words.
#[derive(Debug, Clone, PartialEq)]
pub struct VerdictDriversView {
    /// `Deliverable`.
    pub verdict: String,
    pub probability: Option<f64>,
    /// `Deliverable holds on 38.7% of paths.`, or on every path, or on none.
    pub headline: String,
    /// The conditions of largest effect, then the decisive ones.
    pub lines: Vec<DriverLine>,
    /// A second split within one side of the first condition, in words.
    pub refinement: Option<String>,
}

/// How a factor of the drivers reads: `slip(Trainium3)`, `delay(phase-2)`, `demand_factor`.
fn driver_factor(f: &DriverFactor) -> String {
    match f {
        DriverFactor::Multiplier { name } => name.clone(),
        DriverFactor::Delay { tranche } => format!("delay({tranche})"),
        DriverFactor::Slip { generation } => format!("slip({generation})"),
        DriverFactor::SlipMinusDelay {
            generation,
            tranche,
        } => format!("slip({generation}) − delay({tranche})"),
        DriverFactor::DefaultMonth { party } => party.clone(),
    }
}

/// A comparison as the words state it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    AtLeast,
    AtMost,
    Above,
    Below,
}

fn month_count(m: i64) -> String {
    let sign = if m < 0 { "−" } else { "" };
    let unit = if m.abs() == 1 { "month" } else { "months" };
    format!("{sign}{} {unit}", m.unsigned_abs())
}

/// The fewest whole months a delay or a slip can be drawn as (round of its law's lowest
/// value, MODEL.md: a delay is round(draw)); None for other factors, or when unbounded below.
fn month_floor(f: &DriverFactor, factors: &[FactorReport]) -> Option<i64> {
    let law = |name: &str| factors.iter().find(|r| r.factor == name).map(|r| &r.dist);
    let dist = match f {
        DriverFactor::Delay { tranche } => {
            law(&format!("delay_months.{tranche}")).or_else(|| law("delay_months"))
        }
        DriverFactor::Slip { generation } => law(&format!("slip_months.{generation}")),
        _ => None,
    }?;
    let lowest = dist.lowest().round();
    // A whole number of months in i64 (a finite law's lowest value is far inside it).
    lowest.is_finite().then_some(lowest as i64)
}

/// `factor cmp threshold` in words; `term` is T (a default month of T + 1 is no default);
/// `floor` is the fewest months the factor can take ([`month_floor`]).
fn condition_words(
    f: &DriverFactor,
    cmp: Cmp,
    t: Threshold,
    term: i64,
    floor: Option<i64>,
) -> String {
    let name = driver_factor(f);
    match (f, t) {
        (DriverFactor::DefaultMonth { .. }, Threshold::Months(m)) => {
            // Whole months: > m is ≥ m + 1 and < m is ≤ m − 1.
            let (at_least, m) = match cmp {
                Cmp::AtLeast => (true, m),
                Cmp::Above => (true, m + 1),
                Cmp::AtMost => (false, m),
                Cmp::Below => (false, m - 1),
            };
            match (at_least, m) {
                (true, m) if m > term => format!("{name} does not default within the term"),
                (true, m) => format!("{name} does not default before month {m}"),
                (false, m) if m >= term => format!("{name} defaults within the term"),
                (false, m) => format!("{name} defaults by month {m}"),
            }
        }
        (_, Threshold::Months(m)) => {
            let (sign, m) = match cmp {
                Cmp::AtLeast => ("≥", m),
                Cmp::Above => ("≥", m + 1),
                Cmp::AtMost => ("≤", m),
                Cmp::Below => ("≤", m - 1),
            };
            // "≤ m" is "= m" when m is the fewest months the factor can be drawn as (a delay
            // law with min = 0); a law that draws negative months keeps "≤".
            if sign == "≤" && floor == Some(m) {
                format!("{name} = {}", month_count(m))
            } else {
                format!("{name} {sign} {}", month_count(m))
            }
        }
        (_, t) => {
            let sign = match cmp {
                Cmp::AtLeast => "≥",
                Cmp::AtMost => "≤",
                Cmp::Above => ">",
                Cmp::Below => "<",
            };
            format!("{name} {sign} {:.3}", t.value())
        }
    }
}

/// The condition as stated, and its complement.
fn condition_and_complement(
    c: &Condition,
    term: i64,
    factors: &[FactorReport],
) -> (String, String) {
    let floor = month_floor(&c.factor, factors);
    let (this, other) = match c.op {
        Side::AtLeast => (Cmp::AtLeast, Cmp::Below),
        Side::AtMost => (Cmp::AtMost, Cmp::Above),
    };
    (
        condition_words(&c.factor, this, c.threshold, term, floor),
        condition_words(&c.factor, other, c.threshold, term, floor),
    )
}

/// `{verdict} falls to {p_in} when {condition} ({share} of paths); {p_out} otherwise.`
fn driver_sentence(verdict: &str, c: &Condition, condition: &str, of: &str) -> String {
    let how = if c.p_inside == 0.0 {
        "fails on every path"
    } else if c.p_inside == 1.0 {
        "holds on every path"
    } else if c.p_inside < c.p_outside {
        "falls to"
    } else {
        "rises to"
    };
    let (p_in, p_out) = (pct(c.p_inside), pct(c.p_outside));
    let share = pct(c.share_inside);
    if c.p_inside == 0.0 || c.p_inside == 1.0 {
        format!("{verdict} {how} where {condition} ({share} of {of}); {p_out} otherwise.")
    } else {
        format!("{verdict} {how} {p_in} when {condition} ({share} of {of}); {p_out} otherwise.")
    }
}

/// Each verdict's drivers in words, in the order contracted, financeable, deliverable.
/// `factors`: the report's laws, for the fewest months a delay or slip can take.
pub fn drivers_view(d: &Drivers, factors: &[FactorReport]) -> Vec<VerdictDriversView> {
    let term = i64::try_from(d.term_months).unwrap_or(i64::MAX);
    d.verdicts
        .iter()
        .map(|v| {
            let verdict = VERDICTS
                .iter()
                .find(|(key, _)| *key == v.verdict)
                .map_or(v.verdict, |(_, label)| label)
                .to_string();
            let headline = match (v.status, v.probability) {
                (DriverStatus::HoldsOnEveryPath, _) => {
                    format!("{verdict} holds on every path: nothing drives it.")
                }
                (DriverStatus::FailsOnEveryPath, _) => {
                    format!("{verdict} fails on every path: nothing drives it.")
                }
                (DriverStatus::Varies, Some(p)) if v.conditions.is_empty() => format!(
                    "{verdict} holds on {} of paths; no condition on one factor changes it with at least {} of the paths on each side.",
                    pct(p),
                    pct(d.min_side_share)
                ),
                (DriverStatus::Varies, Some(p)) => {
                    format!("{verdict} holds on {} of paths.", pct(p))
                }
                _ => format!("{verdict}: no path ran."),
            };
            let line = |c: &Condition, decisive: bool| {
                let (condition, _) = condition_and_complement(c, term, factors);
                DriverLine {
                    sentence: driver_sentence(&verdict, c, &condition, "paths"),
                    condition,
                    p_inside: c.p_inside,
                    p_outside: c.p_outside,
                    share_inside: c.share_inside,
                    decisive,
                }
            };
            let lines = v
                .conditions
                .iter()
                .map(|c| line(c, c.p_inside == 0.0 || c.p_inside == 1.0))
                .chain(v.decisive.iter().map(|c| line(c, true)))
                .collect();
            let refinement = match (&v.refinement, v.conditions.first()) {
                (Some(r), Some(first)) => {
                    let (inside, outside) = condition_and_complement(first, term, factors);
                    let (second, _) = condition_and_complement(&r.condition, term, factors);
                    let within = if r.within == "inside" { inside } else { outside };
                    Some(format!(
                        "Where {within}: {}",
                        driver_sentence(&verdict, &r.condition, &second, "those paths")
                    ))
                }
                _ => None,
            };
            VerdictDriversView {
                verdict,
                probability: v.probability,
                headline,
                lines,
                refinement,
            }
        })
        .collect()
}

#[cfg(test)]
mod driver_words {
    use super::*;

    fn months(f: DriverFactor, cmp: Cmp, m: i64) -> String {
        condition_words(&f, cmp, Threshold::Months(m), 120, Some(0))
    }

    #[test]
    fn conditions_read_in_whole_months_and_their_complements_are_exact() {
        let gap = || DriverFactor::SlipMinusDelay {
            generation: "Trainium3".into(),
            tranche: "phase-2".into(),
        };
        assert_eq!(
            months(gap(), Cmp::AtLeast, 7),
            "slip(Trainium3) − delay(phase-2) ≥ 7 months"
        );
        // Not (≥ 7) is ≤ 6 for whole months; a difference may be negative.
        assert_eq!(
            months(gap(), Cmp::Below, 7),
            "slip(Trainium3) − delay(phase-2) ≤ 6 months"
        );
        assert_eq!(
            months(gap(), Cmp::AtMost, -1),
            "slip(Trainium3) − delay(phase-2) ≤ −1 month"
        );
        let delay = || DriverFactor::Delay {
            tranche: "t".into(),
        };
        assert_eq!(months(delay(), Cmp::Below, 1), "delay(t) = 0 months");
        assert_eq!(months(delay(), Cmp::Above, 0), "delay(t) ≥ 1 month");
        let demand = DriverFactor::Multiplier {
            name: "demand_factor".into(),
        };
        assert_eq!(
            condition_words(&demand, Cmp::Below, Threshold::Value(0.87349), 120, None),
            "demand_factor < 0.873"
        );
    }

    #[test]
    fn equal_only_at_the_fewest_months_the_law_draws() {
        let delay = DriverFactor::Delay {
            tranche: "t".into(),
        };
        let law = |factor: &str, min: f64| FactorReport {
            factor: factor.into(),
            dist: offtake_model::Distribution::Triangular {
                min,
                mode: 0.0,
                max: 6.0,
            },
        };
        let words = |factors: &[FactorReport], m: i64| {
            let floor = month_floor(&delay, factors);
            condition_words(&delay, Cmp::AtMost, Threshold::Months(m), 120, floor)
        };
        // min = 0: no delay is drawn below 0, so ≤ 0 is = 0.
        assert_eq!(words(&[law("delay_months", 0.0)], 0), "delay(t) = 0 months");
        // min = −6 draws negative months: ≤ 0 stays ≤ 0, and = at −6.
        let negative = [law("delay_months", -6.0)];
        assert_eq!(words(&negative, 0), "delay(t) ≤ 0 months");
        assert_eq!(words(&negative, -6), "delay(t) = −6 months");
        // The tranche's own law wins over the one law of every tranche.
        let both = [law("delay_months", 0.0), law("delay_months.t", -6.0)];
        assert_eq!(words(&both, 0), "delay(t) ≤ 0 months");
        // No law known: no claim of equality.
        assert_eq!(words(&[], 0), "delay(t) ≤ 0 months");
    }

    #[test]
    fn default_months_read_as_defaults() {
        let buyer = || DriverFactor::DefaultMonth {
            party: "buyer".into(),
        };
        // T = 120: month 121 is no default within the term.
        assert_eq!(
            months(buyer(), Cmp::AtMost, 36),
            "buyer defaults by month 36"
        );
        assert_eq!(
            months(buyer(), Cmp::AtMost, 120),
            "buyer defaults within the term"
        );
        assert_eq!(
            months(buyer(), Cmp::AtLeast, 121),
            "buyer does not default within the term"
        );
        assert_eq!(
            months(buyer(), Cmp::Above, 36),
            "buyer does not default before month 37"
        );
        assert_eq!(
            months(buyer(), Cmp::Below, 121),
            "buyer defaults within the term"
        );
    }
}
