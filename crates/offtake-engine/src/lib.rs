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

/// The largest demand factor a what-if run takes (`offtake underwrite --demand-factor X`, the
/// API's `demand_factor=X`): ten times the sheet's own demand is past any reading of a deal, and a
/// typo (`50` for `0.5`) is refused rather than run. The `[risk]` distributions are not bounded by it.
pub const MAX_DEMAND_FACTOR: f64 = 10.0;

/// The smallest demand factor a what-if run takes: a hundredth of the sheet's demand is already
/// no demand to speak of, and a floor refuses typos (`0.005` for `0.5`) and the subnormal numbers
/// (`1e-320`) that would print as hundreds of digits in every document of the run.
pub const MIN_DEMAND_FACTOR: f64 = 0.01;

/// Reads the demand factor of a what-if run (MODEL.md §4's `demand_factor` with the sheet's
/// demand curve as written: 1 is the base case): a finite number from [`MIN_DEMAND_FACTOR`] to
/// [`MAX_DEMAND_FACTOR`]. The error says what was expected; the caller names the flag or parameter.
pub fn parse_demand_factor(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let expected = || {
        format!(
            "expected a number from {MIN_DEMAND_FACTOR} to {MAX_DEMAND_FACTOR} (1 is the demand the sheet states), got '{}'",
            text.escape_debug()
        )
    };
    let x: f64 = text.parse().map_err(|_| expected())?;
    if x.is_finite() && (MIN_DEMAND_FACTOR..=MAX_DEMAND_FACTOR).contains(&x) {
        Ok(x)
    } else {
        Err(expected())
    }
}

/// Runs one scenario and returns everything it produces (allocates freely).
pub fn underwrite(contract: &Contract, scenario: &Scenario) -> Outcome {
    let mut simulator = Simulator::new(contract);
    simulator.run(scenario);
    simulator.into_outcome()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_what_if_demand_factor_is_finite_from_the_floor_to_the_cap() {
        for (text, want) in [
            ("0.5", 0.5),
            (" 1 ", 1.0),
            ("10", 10.0),
            ("0.01", 0.01),
            ("1e-2", 0.01),
        ] {
            assert_eq!(parse_demand_factor(text), Ok(want), "{text}");
        }
        for bad in [
            "0",
            "-0.5",
            "10.01",
            "10.0000001",
            "1e3",
            "1e999",
            "0x1",
            "1e-320",
            "0.009",
            "2e-3",
            "NaN",
            "inf",
            "-inf",
            "",
            "half",
            "0.5x",
        ] {
            let e = parse_demand_factor(bad).unwrap_err();
            assert!(e.contains("a number from 0.01 to 10"), "{bad}: {e}");
        }
    }
}
