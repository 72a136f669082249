//! Reports: terminal tables, JSON, CSV, HTML with SVG charts, XLSX.
//!
//! The crate reads results and computes no model figures of its own: every number it prints
//! comes from an [`offtake_engine::Outcome`] or the [`offtake_model::Contract`]; sums in the
//! tables are of series the engine produced. Money is rounded only here, at presentation.

#![warn(clippy::unwrap_used)]

pub mod compare;
pub mod csv;
mod error;
pub mod format;
pub mod json;
pub mod series;
pub mod terminal;

pub use error::{Error, Result};
pub use json::{SCHEMA_VERSION, UnderwritingJson, underwriting_json};
