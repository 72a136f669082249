//! Months: the model's time unit. Conversions shared by the reader (bounds on lives and tenors)
//! and validation (terms, messages), kept here so neither imports the other.

use chrono::NaiveDate;

/// round(12·years), halves away from zero (MODEL.md preamble).
pub(crate) fn months_from_years(years: f64) -> i64 {
    (12.0 * years).round() as i64
}

/// A month as written in term sheets and messages: `YYYY-MM`.
pub(crate) fn fmt_month(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}
