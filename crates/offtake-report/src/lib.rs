//! Reports: terminal tables, JSON, CSV, HTML with SVG charts, XLSX.
//!
//! The crate reads results and computes no model figures of its own: every number it prints
//! comes from an [`offtake_engine::Outcome`] or the [`offtake_model::Contract`]; sums in the
//! tables are of series the engine produced. Money is rounded only here, at presentation.

#![warn(clippy::unwrap_used)]

pub mod capex;
pub mod charts;
pub mod check;
pub mod compare;
pub mod credit_view;
pub mod csv;
pub mod database;
pub mod diagnostics;
pub mod document;
mod error;
pub mod files;
pub mod format;
pub mod html;
pub mod json;
pub mod labels;
pub mod lender_view;
pub mod portfolio;
pub mod pretty;
pub mod public_deals;
pub mod risk_terminal;
pub mod risk_view;
pub mod screen;
pub mod series;
pub mod solve_view;
pub mod style;
pub mod table;
pub mod terminal;
pub mod xlsx;

pub use error::{Error, Result};
pub use json::{SCHEMA_VERSION, UnderwritingJson, underwriting_json};
pub use screen::{Screen, Tone, sanitize, sanitize_lines};
