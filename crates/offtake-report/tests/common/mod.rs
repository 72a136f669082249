//! What the report integration tests share: the bundled example underwritten, the document
//! around a run of it, and a small Monte Carlo of it.

// Each test binary uses only its part.
#![allow(dead_code)]

use offtake_engine::{Outcome, Scenario, underwrite};
use offtake_model::{Contract, Variant};
use offtake_report::document::Report;
use offtake_report::risk_view::RiskView;

pub const EXAMPLE: &str = include_str!("../../../../examples/amazon-anthropic-2026.toml");
pub const IREN: &str = include_str!("../../../../examples/microsoft-iren-2025.toml");

/// The term sheet `src` with `variants` selected, underwritten on its base scenario.
pub fn run(src: &str, variants: &[Variant]) -> (Contract, Outcome) {
    let contract = offtake_model::parse_with(src, variants).unwrap();
    let outcome = underwrite(&contract, &Scenario::base(&contract));
    (contract, outcome)
}

/// The bundled example, base case.
pub fn example() -> (Contract, Outcome) {
    run(EXAMPLE, &[])
}

/// The credit-committee document of a base run of the example.
pub fn document<'a>(
    contract: &'a Contract,
    outcome: &'a Outcome,
    risk: Option<&'a RiskView>,
) -> Report<'a> {
    Report {
        contract,
        outcome,
        variants: &[],
        file_name: "amazon-anthropic-2026.toml",
        risk,
    }
}

/// A Monte Carlo of `contract` over `n_paths` paths with its `[risk]` seed: the report and the
/// view the documents draw.
pub fn monte_carlo(contract: &Contract, n_paths: u64) -> (offtake_risk::RiskReport, RiskView) {
    let options = offtake_risk::RunOptions {
        n_paths: Some(n_paths),
        ..offtake_risk::RunOptions::default()
    };
    let config = offtake_risk::RunConfig::new(contract, options).unwrap();
    let sim = offtake_risk::simulate(contract, &config, offtake_risk::Control::default()).unwrap();
    let report = offtake_risk::report(contract, &sim).unwrap();
    let view = RiskView::from_run(&report, &sim.table);
    (report, view)
}
