//! The risk section of the HTML and XLSX reports, as plain data: distributions of the headline
//! metrics over Monte Carlo paths, the tornado and the probabilities (MODEL.md §10).
//!
//! The documents draw from this view, not from the simulator's own types, so the report does not
//! change when the simulator's internals do; [`RiskView::from_run`] is the one place that reads
//! offtake-risk.

use offtake_model::Contract;

use crate::charts::{Mark, TornadoBar, ValueAxis};
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
        show(self.axis, v)
    }
}

fn show(axis: ValueAxis, v: f64) -> String {
    match axis {
        ValueAxis::UsdBillions => crate::format::usd(v),
        ValueAxis::Percent => crate::format::pct(v),
    }
}

/// Summary statistics of one metric over paths.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricStats {
    pub name: String,
    pub axis: ValueAxis,
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
    pub share_missing: f64,
}

impl MetricStats {
    pub fn show(&self, v: f64) -> String {
        show(self.axis, v)
    }
}

/// The risk section.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskView {
    pub n_paths: u64,
    pub seed: u64,
    /// What was varied, in words.
    pub description: String,
    /// Provider NPV of the base case (the tornado's centre).
    pub base_npv: f64,
    pub histograms: Vec<RiskHistogram>,
    pub tornado: Vec<TornadoBar>,
    /// (what, probability 0..1): verdicts, IRR below hurdle, options, equity.
    pub probabilities: Vec<(String, f64)>,
    pub stats: Vec<MetricStats>,
}
