//! Distributions of risk factors (MODEL.md §10), as agreed in `[risk]`; sampling lives in offtake-risk.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "snake_case")]
pub enum Distribution {
    Fixed {
        value: f64,
    },
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Pert {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// Truncated (sampled by inverse CDF) when `min` or `max` is given.
    Normal {
        mean: f64,
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    },
    Lognormal {
        median: f64,
        sigma: f64,
    },
    /// Weights are positive; they need not sum to 1 (they are normalised).
    Discrete {
        values: Vec<f64>,
        weights: Vec<f64>,
    },
}

impl Distribution {
    pub const NAMES: [&'static str; 7] = [
        "fixed",
        "uniform",
        "triangular",
        "pert",
        "normal",
        "lognormal",
        "discrete",
    ];

    /// The `dist` name used in the term sheet.
    pub fn name(&self) -> &'static str {
        match self {
            Distribution::Fixed { .. } => "fixed",
            Distribution::Uniform { .. } => "uniform",
            Distribution::Triangular { .. } => "triangular",
            Distribution::Pert { .. } => "pert",
            Distribution::Normal { .. } => "normal",
            Distribution::Lognormal { .. } => "lognormal",
            Distribution::Discrete { .. } => "discrete",
        }
    }

    /// The smallest value a draw can take (−∞ for a normal without `min`; 0 for a lognormal,
    /// whose draws only approach it).
    pub fn lowest(&self) -> f64 {
        match self {
            Distribution::Fixed { value } => *value,
            Distribution::Uniform { min, .. }
            | Distribution::Triangular { min, .. }
            | Distribution::Pert { min, .. } => *min,
            Distribution::Normal { min, .. } => min.unwrap_or(f64::NEG_INFINITY),
            Distribution::Lognormal { .. } => 0.0,
            Distribution::Discrete { values, .. } => {
                values.iter().copied().fold(f64::INFINITY, f64::min)
            }
        }
    }
}
