//! Contract + Scenario → monthly Schedule, Metrics and Verdicts (MODEL.md §1–9). No IO, no clock.
//!
//! [`underwrite`] gives the full [`Outcome`] of one scenario; [`Simulator`] is the Monte Carlo
//! kernel: it preallocates every per-month buffer once and [`Simulator::run`] reuses them, so a
//! path costs no heap allocation once the simulator is warm (its spend-effect cache grows the
//! first time it meets a tranche's online period or a fit). How MODEL.md is read where it is silent: `docs/model.md`.

mod finite;
mod outcome;
mod report;
mod simulator;
mod stored;

pub use outcome::*;
pub use simulator::{Extent, Simulator};
pub use stored::{STORED_RESULT_VERSION, StoredResult, StoredResultError};

use offtake_model::Contract;
use serde::Serialize;

/// The risk factors of one path (MODEL.md §10); [`Scenario::base`] is the contract as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// Multiplies the demand curve (§4).
    pub demand_factor: f64,
    /// Multiplies the power cost (§6).
    pub power_factor: f64,
    /// Multiplies facility and chip capex (§6).
    pub capex_factor: f64,
    /// Months each tranche comes online late, per tranche in file order (missing entries are 0).
    pub delay_months: Vec<i64>,
    /// Months each generation is available late, per generation in roadmap order (missing = 0).
    pub slip_months: Vec<i64>,
    /// Multiplies the chips' resale curve (MODEL.md §15's `resale_factor`).
    #[serde(skip_serializing_if = "is_one")]
    pub resale_factor: f64,
    /// MODEL.md §14. None: the base case, no party defaults and the credit-adjusted coverage is
    /// the expectation over default periods. Some: a path whose defaults are given (forced with
    /// `--default`, or drawn by the Monte Carlo), one entry per party in
    /// `Contract::parties` order: the period it defaults in (below 0 reads as 0; none, or at or
    /// after T: it does not default within the term); missing entries do not default. Its
    /// coverage is the realized figure.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub defaults: Option<Vec<Option<i64>>>,
}

fn is_one(x: &f64) -> bool {
    *x == 1.0
}

impl Scenario {
    /// Every factor at base: multipliers 1, no delays, no slips.
    pub fn base(contract: &Contract) -> Self {
        Scenario {
            demand_factor: 1.0,
            power_factor: 1.0,
            capex_factor: 1.0,
            delay_months: vec![0; contract.tranches.len()],
            slip_months: vec![0; contract.generations.len()],
            resale_factor: 1.0,
            defaults: None,
        }
    }
}

/// Runs one scenario and returns everything it produces (allocates freely).
pub fn underwrite(contract: &Contract, scenario: &Scenario) -> Outcome {
    let mut simulator = Simulator::new(contract);
    simulator.run(scenario);
    simulator.outcome()
}
