//! `offtake db info` as people read it: which database, its schema version and what it holds.

use std::fmt::Write as _;

use offtake_data::AnnualCapex;

/// The database's contents, as the store counts them.
#[derive(Debug, Clone, Copy)]
pub struct Contents<'a> {
    /// The schema version recorded in the database, and the one this build writes.
    pub schema_version: (i64, u32),
    pub term_sheets: usize,
    pub public_deal_rows: usize,
    /// Every stored company's annual capex, by CIK.
    pub capex: &'a [AnnualCapex],
}

/// `location` (password masked), `backend` (`SQLite`, `PostgreSQL, schema x`) and `contents`.
pub fn info_text(location: &str, backend: &str, contents: &Contents<'_>) -> String {
    let (found, writes) = contents.schema_version;
    let mut companies: Vec<u64> = contents.capex.iter().map(|c| c.cik).collect();
    companies.dedup();
    let mut out = String::new();
    let _ = writeln!(out, "database        {location} ({backend})");
    let _ = writeln!(out, "schema version  {found} (this build writes {writes})");
    let _ = writeln!(out, "term sheets     {}", contents.term_sheets);
    let _ = writeln!(out, "public deals    {} rows", contents.public_deal_rows);
    let _ = writeln!(
        out,
        "annual capex    {} fiscal years of {} companies",
        contents.capex.len(),
        companies.len()
    );
    out
}
