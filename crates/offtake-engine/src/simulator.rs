//! The Monte Carlo kernel: one path of MODEL.md §3–9 over preallocated monthly buffers.

use offtake_model::Contract;

use crate::{Outcome, PathSummary, Scenario};

/// Preallocated state for running one contract under many scenarios.
#[derive(Debug, Clone)]
pub struct Simulator<'c> {
    contract: &'c Contract,
    summary: PathSummary,
}

impl<'c> Simulator<'c> {
    /// Precomputes everything that does not depend on the scenario and allocates every buffer.
    pub fn new(contract: &'c Contract) -> Self {
        let summary = PathSummary {
            options_exercised: vec![false; contract.tranches.len()],
            equity_paid_period: vec![None; contract.equity.len()],
            ..PathSummary::default()
        };
        Simulator { contract, summary }
    }

    /// Runs one path without allocating; returns its summary.
    pub fn run(&mut self, _scenario: &Scenario) -> &PathSummary {
        todo!("engine kernel lands in the next commit")
    }

    /// The full detail of the last run (allocates).
    pub fn outcome(&self) -> Outcome {
        todo!("engine kernel lands in the next commit")
    }
}
