//! CSV views of one run: `monthly.csv` (one row per period) and `annual.csv` (one row per
//! contract year), written to writers or returned as text; the caller decides where they go
//! (this crate creates no file or directory). Numbers at full precision: Rust's `f64` Display is
//! the shortest decimal that parses back to the same value; an absent value (no DSCR) is an empty
//! field.
//!
//! A what-if run (`--demand-factor X`, the API's `demand_factor=X`) adds a last column
//! `demand_factor` holding X on every row, so each row says it is not the sheet as written; a run
//! of the sheet as written has no such column.

use std::io::Write;

use offtake_engine::Outcome;
use offtake_model::Contract;

use crate::Result;
use crate::format::month;
use crate::series::{annual_columns, monthly_series};

/// The last column of a what-if run's files: the demand factor, on every row.
pub const WHAT_IF_COLUMN: &str = "demand_factor";

/// Writes `monthly.csv`: `month`, `period`, every monthly series (docs/output.md), then
/// `capacity_mw.<tranche>` per tranche in file order, then on a what-if run [`WHAT_IF_COLUMN`].
pub fn write_monthly(out: impl Write, outcome: &Outcome, demand_factor: Option<f64>) -> Result<()> {
    let s = &outcome.schedule;
    let series = monthly_series(s);
    let mut w = ::csv::Writer::from_writer(out);
    let mut header = vec!["month".to_string(), "period".to_string()];
    header.extend(series.iter().map(|x| x.name.to_string()));
    header.extend(s.tranche_ids.iter().map(|id| format!("capacity_mw.{id}")));
    header.extend(demand_factor.map(|_| WHAT_IF_COLUMN.to_string()));
    w.write_record(&header)?;
    for (t, date) in s.months.iter().enumerate() {
        let mut record = vec![month(*date), t.to_string()];
        record.extend(series.iter().map(|x| number(x.values.get(t))));
        record.extend(
            s.tranche_capacity_mw
                .iter()
                .map(|v| number(v.get(t).copied())),
        );
        record.extend(demand_factor.map(|x| number(Some(x))));
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes `annual.csv`: `year` (0-based contract year), `first_month`, `last_month`,
/// `first_period`, `last_period`, then every annual column (docs/output.md), then on a what-if
/// run [`WHAT_IF_COLUMN`].
pub fn write_annual(
    out: impl Write,
    contract: &Contract,
    outcome: &Outcome,
    demand_factor: Option<f64>,
) -> Result<()> {
    let columns = annual_columns();
    let mut w = ::csv::Writer::from_writer(out);
    let mut header: Vec<&str> = vec![
        "year",
        "first_month",
        "last_month",
        "first_period",
        "last_period",
    ];
    header.extend(columns.iter().map(|c| c.name));
    header.extend(demand_factor.map(|_| WHAT_IF_COLUMN));
    w.write_record(&header)?;
    for row in &outcome.annual {
        let mut record = vec![
            row.year.to_string(),
            month(contract.period_start(row.first_period as i64)),
            month(contract.period_start(row.last_period as i64)),
            row.first_period.to_string(),
            row.last_period.to_string(),
        ];
        record.extend(columns.iter().map(|c| number((c.get)(row))));
        record.extend(demand_factor.map(|x| number(Some(x))));
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// The files `underwrite --csv DIR` and `report --format csv` write into DIR.
pub const FILE_NAMES: [&str; 2] = ["monthly.csv", "annual.csv"];

/// The two CSV files as text, each with its name ([`FILE_NAMES`]); `demand_factor`: the
/// what-if the run used (none: the sheet as written).
pub fn render_files(
    contract: &Contract,
    outcome: &Outcome,
    demand_factor: Option<f64>,
) -> Result<[(&'static str, String); 2]> {
    let (monthly, annual) = render(contract, outcome, demand_factor)?;
    Ok([(FILE_NAMES[0], monthly), (FILE_NAMES[1], annual)])
}

/// The two CSV files as text: (`monthly.csv`, `annual.csv`); `demand_factor`: the what-if the
/// run used (none: the sheet as written).
pub fn render(
    contract: &Contract,
    outcome: &Outcome,
    demand_factor: Option<f64>,
) -> Result<(String, String)> {
    let mut monthly = Vec::new();
    write_monthly(&mut monthly, outcome, demand_factor)?;
    let mut annual = Vec::new();
    write_annual(&mut annual, contract, outcome, demand_factor)?;
    // The writers only ever receive UTF-8 text.
    let text = |b: Vec<u8>| String::from_utf8(b).unwrap_or_default();
    Ok((text(monthly), text(annual)))
}

/// Full precision; empty when absent.
fn number(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_round_trip_and_absent_is_empty() {
        for x in [0.1 + 0.2, 1.0 / 3.0, 123_456_789.123_456_78, -2.5e-12, 1e21] {
            assert_eq!(number(Some(x)).parse::<f64>().unwrap(), x);
        }
        assert_eq!(number(None), "");
    }
}
