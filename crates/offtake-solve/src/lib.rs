//! Solve for the terms that make a deal work (`offtake solve`, issue 18): the value of one
//! numeric term at which a goal (a verdict, a metric bound, or with `--risk` a probability
//! over a fixed set of paths) starts or stops holding, and the boundary of one term as a curve
//! over another. No IO.
//!
//! A term is replaced through [`offtake_model::TermSheet::contract_with`], so every value tried
//! passes the file's own validation. The scan and the refinement ([`roots`]: Brent's method on a
//! continuous metric, bisection on a verdict or a probability) are described with references in
//! `docs/solve.md`.

#![warn(clippy::unwrap_used)]

pub mod goal;
pub mod roots;
mod solve;

pub use goal::{
    Cmp, Condition, Goal, GoalError, VerdictGoal, base_metrics, metric_value, path_metrics,
};
pub use solve::*;
