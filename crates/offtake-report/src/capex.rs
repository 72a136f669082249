//! SEC annual capex as people read it (`offtake sec import|fetch`): the company, and one row per
//! fiscal year with the filing it comes from and whether it was revised.

use std::fmt::Write as _;

use offtake_data::{AnnualCapex, CompanyFacts, Document, PROVIDER_COMPANIES};

use crate::format::number;
use crate::screen::{Screen, sanitize};
use crate::table::Table;

/// `MSFT (CIK 789019, MICROSOFT CORPORATION)`, or `CIK 1 (NAME)` for a company not in the list.
pub fn company_label(cik: u64, entity: &str) -> String {
    let entity = sanitize(entity);
    match PROVIDER_COMPANIES.iter().find(|c| c.cik == cik) {
        Some(c) => format!("{} (CIK {cik}, {entity})", c.ticker),
        None => format!("CIK {cik} ({entity})"),
    }
}

/// The ticker of a listed provider, else `CIK N`.
fn ticker(cik: u64) -> String {
    PROVIDER_COMPANIES
        .iter()
        .find(|c| c.cik == cik)
        .map_or_else(|| format!("CIK {cik}"), |c| c.ticker.to_string())
}

/// What `offtake sec import|fetch` did with one document (`label`, of kind `document`): the
/// company, the facts inserted, updated and unchanged (`counts`), then its stored capex.
pub fn imported_text(
    label: &str,
    document: Document,
    facts: &CompanyFacts,
    counts: (usize, usize, usize),
    capex: &[AnnualCapex],
    screen: &Screen,
) -> String {
    let (inserted, updated, unchanged) = counts;
    let mut out = format!(
        "{label}: {} for {}: {inserted} facts inserted, {updated} updated, {unchanged} unchanged\n",
        document.name(),
        company_label(facts.cik, &facts.entity_name),
    );
    out.push_str(&capex_text(facts.cik, capex, screen));
    out
}

/// The stored annual capex of one company (whole dollars, as filed), laid out for `screen`.
pub fn capex_text(cik: u64, capex: &[AnnualCapex], screen: &Screen) -> String {
    let mut out = String::new();
    let name = ticker(cik);
    let _ = writeln!(
        out,
        "annual capex of {name} (all stored facts; latest filing per fiscal year):"
    );
    let mut table = Table::new(
        &[
            "company",
            "fiscal year",
            "period",
            "capex (USD)",
            "tag",
            "filed",
            "form",
            "first reported",
        ],
        &[false, false, false, true, false, false, false, true],
    );
    for c in capex {
        let first = c.first_reported_usd();
        table.row(vec![
            name.clone(),
            format!("FY{}", c.fiscal_year),
            format!("{}..{}", c.period_start, c.period_end),
            number(c.value_usd, 0),
            c.tag.clone(),
            c.filed.to_string(),
            c.form.clone(),
            if first == c.value_usd {
                "same".into()
            } else {
                format!("{} (revised)", number(first, 0))
            },
        ]);
    }
    out.push_str(&table.render_on(2, screen));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn companies_are_named_by_ticker_and_names_are_sanitized() {
        assert_eq!(
            company_label(789019, "MICROSOFT CORPORATION"),
            "MSFT (CIK 789019, MICROSOFT CORPORATION)"
        );
        assert_eq!(company_label(1, "X\u{1b}[31m"), "CIK 1 (X\\u{1b}[31m)");
        assert_eq!(ticker(1), "CIK 1");
    }
}
