//! Backend-neutral import planning (what to insert, update, leave) and row ↔ column conversion.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use offtake_data::{
    AnnualCapex, CapacityQualifier, CompanyFacts, DealRow, DealType, Evidence, Fact, Revision,
    ValueQualifier, annual_capex, group_deals,
};

use crate::{Error, ImportReport, NewTermSheet, Result, StoredDealRow};

/// Column list of `public_deal`, in the order every backend selects and inserts them.
pub(crate) const DEAL_COLUMNS: &str = "deal_id, announced_date, announced_year, buyer, provider, \
    deal_type, committed_value_usd, value_qualifier, term_years, capacity_gw, capacity_qualifier, \
    chip_silicon, equity_amount_usd, milestone_tied_amount_usd, equity_terms, evidence, \
    source_title, source_url, verified_via, note, group_id";

/// Column list of `sec_fact` (after `cik`).
pub(crate) const FACT_COLUMNS: &str =
    "taxonomy, tag, unit, period_start, period_end, accn, val, fy, fp, form, filed, frame";

/// Column list of `annual_capex` (after `cik`).
pub(crate) const CAPEX_COLUMNS: &str = "fiscal_year, entity_name, period_start, period_end, \
    value_usd, tag, accn, form, filed, first_reported_usd, revisions_json";

/// What `import_deals` will write.
pub(crate) struct DealPlan<'a> {
    pub inserts: Vec<(&'a DealRow, String)>,
    /// Rows whose content or group changed.
    pub updates: Vec<(&'a DealRow, String)>,
    /// Stored rows not in this import whose group id changed: `(deal_id, group_id)`.
    pub regroups: Vec<(String, String)>,
    pub report: ImportReport,
}

pub(crate) fn plan_deals<'a>(
    existing: &[StoredDealRow],
    incoming: &'a [DealRow],
) -> Result<DealPlan<'a>> {
    let mut incoming_by_id: BTreeMap<&str, &DealRow> = BTreeMap::new();
    for row in incoming {
        if incoming_by_id.insert(&row.deal_id, row).is_some() {
            return Err(Error::DuplicateRow {
                deal_id: row.deal_id.clone(),
            });
        }
    }
    let stored: HashMap<&str, &StoredDealRow> = existing
        .iter()
        .map(|s| (s.row.deal_id.as_str(), s))
        .collect();
    // Groups are computed over everything the table will hold, in id order (deterministic).
    let mut merged: BTreeMap<&str, &DealRow> = existing
        .iter()
        .map(|s| (s.row.deal_id.as_str(), &s.row))
        .collect();
    merged.extend(incoming_by_id.iter().map(|(k, v)| (*k, *v)));
    let merged_rows: Vec<DealRow> = merged.values().map(|r| (*r).clone()).collect();
    let groups = group_deals(&merged_rows);
    let group_of = |id: &str| groups.group_of(id).unwrap_or(id).to_string();

    let mut plan = DealPlan {
        inserts: Vec::new(),
        updates: Vec::new(),
        regroups: Vec::new(),
        report: ImportReport::default(),
    };
    for (id, row) in &incoming_by_id {
        let group = group_of(id);
        match stored.get(id) {
            None => {
                plan.inserts.push((row, group));
                plan.report.inserted += 1;
            }
            Some(old) => {
                let content_changed = old.row != **row;
                let group_changed = old.group_id != group;
                if content_changed {
                    plan.report.updated += 1;
                } else {
                    plan.report.unchanged += 1;
                }
                if group_changed {
                    plan.report.derived_changed += 1;
                }
                if content_changed || group_changed {
                    plan.updates.push((row, group));
                }
            }
        }
    }
    for old in existing {
        if incoming_by_id.contains_key(old.row.deal_id.as_str()) {
            continue;
        }
        let group = group_of(&old.row.deal_id);
        if group != old.group_id {
            plan.regroups.push((old.row.deal_id.clone(), group));
            plan.report.derived_changed += 1;
        }
    }
    Ok(plan)
}

/// What `import_sec` will write.
pub(crate) struct SecPlan<'a> {
    pub company_changed: bool,
    pub inserts: Vec<&'a Fact>,
    pub updates: Vec<&'a Fact>,
    /// Annual capex rows to upsert (new or changed).
    pub capex: Vec<AnnualCapex>,
    pub report: ImportReport,
}

type FactKey<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Option<NaiveDate>,
    NaiveDate,
    &'a str,
);

fn fact_key(f: &Fact) -> FactKey<'_> {
    (&f.taxonomy, &f.tag, &f.unit, f.start, f.end, &f.accn)
}

pub(crate) fn plan_sec<'a>(
    stored_name: Option<&str>,
    stored_facts: &[Fact],
    stored_capex: &[AnnualCapex],
    incoming: &'a CompanyFacts,
) -> Result<SecPlan<'a>> {
    let stored: HashMap<FactKey<'_>, &Fact> =
        stored_facts.iter().map(|f| (fact_key(f), f)).collect();
    // Within one document the last copy of a key wins (parse already drops exact repeats).
    let mut incoming_by_key: BTreeMap<FactKey<'_>, &Fact> = BTreeMap::new();
    for fact in &incoming.facts {
        incoming_by_key.insert(fact_key(fact), fact);
    }
    let mut plan = SecPlan {
        company_changed: stored_name != Some(incoming.entity_name.as_str()),
        inserts: Vec::new(),
        updates: Vec::new(),
        capex: Vec::new(),
        report: ImportReport::default(),
    };
    let mut merged: BTreeMap<FactKey<'_>, &Fact> = stored.clone().into_iter().collect();
    for (key, fact) in &incoming_by_key {
        match stored.get(key) {
            None => {
                plan.inserts.push(fact);
                plan.report.inserted += 1;
            }
            Some(old) if *old != *fact => {
                plan.updates.push(fact);
                plan.report.updated += 1;
            }
            Some(_) => plan.report.unchanged += 1,
        }
        merged.insert(*key, fact);
    }
    // Capex from every fact the company will have, so import order does not matter.
    let all = CompanyFacts {
        cik: incoming.cik,
        entity_name: incoming.entity_name.clone(),
        facts: merged.into_values().cloned().collect(),
    };
    let capex = annual_capex(&all)?;
    let stored_capex: HashMap<i32, &AnnualCapex> =
        stored_capex.iter().map(|c| (c.fiscal_year, c)).collect();
    for year in capex {
        if stored_capex.get(&year.fiscal_year) != Some(&&year) {
            plan.capex.push(year);
        }
    }
    plan.report.derived_changed = plan.capex.len();
    Ok(plan)
}

// ---- conversions ----

pub(crate) fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(crate) fn parse_date(table: &'static str, key: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| Error::Corrupt {
        table,
        key: key.to_string(),
        message: format!("bad date {text:?}: {e}"),
    })
}

/// `public_deal` columns as read back, in [`DEAL_COLUMNS`] order (less `announced_year`).
pub(crate) struct DealColumns {
    pub deal_id: String,
    pub announced_date: String,
    pub buyer: String,
    pub provider: String,
    pub deal_type: String,
    pub committed_value_usd: Option<f64>,
    pub value_qualifier: String,
    pub term_years: Option<f64>,
    pub capacity_gw: Option<f64>,
    pub capacity_qualifier: Option<String>,
    pub chip_silicon: String,
    pub equity_amount_usd: Option<f64>,
    pub milestone_tied_amount_usd: Option<f64>,
    pub equity_terms: String,
    pub evidence: String,
    pub source_title: String,
    pub source_url: String,
    pub verified_via: String,
    pub note: String,
    pub group_id: String,
}

impl DealColumns {
    pub(crate) fn into_stored(self) -> Result<StoredDealRow> {
        let key = self.deal_id.clone();
        let corrupt = |column: &str, value: &str| Error::Corrupt {
            table: "public_deal",
            key: key.clone(),
            message: format!("unknown {column} {value:?}"),
        };
        let row = DealRow {
            announced_date: self
                .announced_date
                .parse()
                .map_err(|_| corrupt("announced_date", &self.announced_date))?,
            deal_type: DealType::parse(&self.deal_type)
                .ok_or_else(|| corrupt("deal_type", &self.deal_type))?,
            value_qualifier: ValueQualifier::parse(&self.value_qualifier)
                .ok_or_else(|| corrupt("value_qualifier", &self.value_qualifier))?,
            capacity_qualifier: match &self.capacity_qualifier {
                None => None,
                Some(q) => Some(
                    CapacityQualifier::parse(q).ok_or_else(|| corrupt("capacity_qualifier", q))?,
                ),
            },
            evidence: Evidence::parse(&self.evidence)
                .ok_or_else(|| corrupt("evidence", &self.evidence))?,
            deal_id: self.deal_id,
            buyer: self.buyer,
            provider: self.provider,
            committed_value_usd: self.committed_value_usd,
            term_years: self.term_years,
            capacity_gw: self.capacity_gw,
            chip_silicon: self.chip_silicon,
            equity_amount_usd: self.equity_amount_usd,
            milestone_tied_amount_usd: self.milestone_tied_amount_usd,
            equity_terms: self.equity_terms,
            source_title: self.source_title,
            source_url: self.source_url,
            verified_via: self.verified_via,
            note: self.note,
        };
        Ok(StoredDealRow {
            group_id: self.group_id,
            row,
        })
    }
}

/// [`DealColumns`] from a row of `SELECT {DEAL_COLUMNS}`, read with the backend's fallible getter
/// (`get` for rusqlite, `try_get` for postgres): the one place that says which column is which.
macro_rules! deal_columns {
    ($row:expr, $get:ident) => {
        $crate::plan::DealColumns {
            deal_id: $row.$get(0)?,
            announced_date: $row.$get(1)?,
            // column 2 is announced_year, derived from the date
            buyer: $row.$get(3)?,
            provider: $row.$get(4)?,
            deal_type: $row.$get(5)?,
            committed_value_usd: $row.$get(6)?,
            value_qualifier: $row.$get(7)?,
            term_years: $row.$get(8)?,
            capacity_gw: $row.$get(9)?,
            capacity_qualifier: $row.$get(10)?,
            chip_silicon: $row.$get(11)?,
            equity_amount_usd: $row.$get(12)?,
            milestone_tied_amount_usd: $row.$get(13)?,
            equity_terms: $row.$get(14)?,
            evidence: $row.$get(15)?,
            source_title: $row.$get(16)?,
            source_url: $row.$get(17)?,
            verified_via: $row.$get(18)?,
            note: $row.$get(19)?,
            group_id: $row.$get(20)?,
        }
    };
}
pub(crate) use deal_columns;

/// `sec_fact` columns as read back, in [`FACT_COLUMNS`] order. `period_start` is `""` for instants.
pub(crate) struct FactColumns {
    pub taxonomy: String,
    pub tag: String,
    pub unit: String,
    pub period_start: String,
    pub period_end: String,
    pub accn: String,
    pub val: f64,
    pub fy: Option<i64>,
    pub fp: Option<String>,
    pub form: String,
    pub filed: String,
    pub frame: Option<String>,
}

impl FactColumns {
    pub(crate) fn into_fact(self) -> Result<Fact> {
        let key = format!("{}/{} {}", self.tag, self.unit, self.accn);
        let start = if self.period_start.is_empty() {
            None
        } else {
            Some(parse_date("sec_fact", &key, &self.period_start)?)
        };
        let fy = match self.fy {
            None => None,
            Some(v) => Some(i32::try_from(v).map_err(|_| Error::Corrupt {
                table: "sec_fact",
                key: key.clone(),
                message: format!("fy {v} out of range"),
            })?),
        };
        Ok(Fact {
            start,
            end: parse_date("sec_fact", &key, &self.period_end)?,
            filed: parse_date("sec_fact", &key, &self.filed)?,
            taxonomy: self.taxonomy,
            tag: self.tag,
            unit: self.unit,
            val: self.val,
            accn: self.accn,
            fy,
            fp: self.fp,
            form: self.form,
            frame: self.frame,
        })
    }
}

/// [`FactColumns`] from a row of `SELECT {FACT_COLUMNS}` (as [`deal_columns!`]).
macro_rules! fact_columns {
    ($row:expr, $get:ident) => {
        $crate::plan::FactColumns {
            taxonomy: $row.$get(0)?,
            tag: $row.$get(1)?,
            unit: $row.$get(2)?,
            period_start: $row.$get(3)?,
            period_end: $row.$get(4)?,
            accn: $row.$get(5)?,
            val: $row.$get(6)?,
            fy: $row.$get(7)?,
            fp: $row.$get(8)?,
            form: $row.$get(9)?,
            filed: $row.$get(10)?,
            frame: $row.$get(11)?,
        }
    };
}
pub(crate) use fact_columns;

/// The start column value of a fact (`""` for instants, so it can be part of the primary key).
pub(crate) fn start_text(fact: &Fact) -> String {
    fact.start.map(date_text).unwrap_or_default()
}

/// `annual_capex` columns as read back (with `cik`).
pub(crate) struct CapexColumns {
    pub cik: i64,
    pub fiscal_year: i64,
    pub entity_name: String,
    pub period_start: String,
    pub period_end: String,
    pub value_usd: f64,
    pub tag: String,
    pub accn: String,
    pub form: String,
    pub filed: String,
    pub revisions_json: String,
}

impl CapexColumns {
    pub(crate) fn into_capex(self) -> Result<AnnualCapex> {
        let key = format!("{} FY{}", self.cik, self.fiscal_year);
        let corrupt = |message: String| Error::Corrupt {
            table: "annual_capex",
            key: key.clone(),
            message,
        };
        let revisions: Vec<Revision> = serde_json::from_str(&self.revisions_json)
            .map_err(|e| corrupt(format!("revisions_json: {e}")))?;
        Ok(AnnualCapex {
            cik: u64::try_from(self.cik).map_err(|_| corrupt("negative cik".into()))?,
            fiscal_year: i32::try_from(self.fiscal_year)
                .map_err(|_| corrupt("fiscal_year out of range".into()))?,
            period_start: parse_date("annual_capex", &key, &self.period_start)?,
            period_end: parse_date("annual_capex", &key, &self.period_end)?,
            filed: parse_date("annual_capex", &key, &self.filed)?,
            entity_name: self.entity_name,
            value_usd: self.value_usd,
            tag: self.tag,
            accn: self.accn,
            form: self.form,
            revisions,
        })
    }
}

/// [`CapexColumns`] from a row of `SELECT cik, {CAPEX_COLUMNS}` (as [`deal_columns!`]).
macro_rules! capex_columns {
    ($row:expr, $get:ident) => {
        $crate::plan::CapexColumns {
            cik: $row.$get(0)?,
            fiscal_year: $row.$get(1)?,
            entity_name: $row.$get(2)?,
            period_start: $row.$get(3)?,
            period_end: $row.$get(4)?,
            value_usd: $row.$get(5)?,
            tag: $row.$get(6)?,
            accn: $row.$get(7)?,
            form: $row.$get(8)?,
            filed: $row.$get(9)?,
            // column 10 is first_reported_usd, derived from the revisions
            revisions_json: $row.$get(11)?,
        }
    };
}
pub(crate) use capex_columns;

/// The columns of `term_sheet` that make a [`TermSheetSummary`](crate::TermSheetSummary).
pub(crate) const TERM_SHEET_SUMMARY: &str =
    "id, deal_id, name, buyer, provider, added_at, result_json IS NOT NULL";

/// [`TermSheetSummary`](crate::TermSheetSummary) from the first columns of a row of
/// `SELECT {TERM_SHEET_SUMMARY}, …` (as [`deal_columns!`]).
macro_rules! term_sheet_summary {
    ($row:expr, $get:ident) => {
        $crate::TermSheetSummary {
            id: $row.$get(0)?,
            deal_id: $row.$get(1)?,
            name: $row.$get(2)?,
            buyer: $row.$get(3)?,
            provider: $row.$get(4)?,
            added_at: $row.$get(5)?,
            has_result: $row.$get(6)?,
        }
    };
}
pub(crate) use term_sheet_summary;

/// The JSON text each backend stores for a batch of term sheets: `(validated, result)`.
/// Serialised before any transaction starts, so locks are held only for SQL.
pub(crate) fn encode_term_sheets(
    term_sheets: &[NewTermSheet<'_>],
) -> Result<Vec<(String, Option<String>)>> {
    term_sheets
        .iter()
        .map(|t| {
            Ok((
                serde_json::to_string(t.validated)?,
                t.result.map(serde_json::to_string).transpose()?,
            ))
        })
        .collect()
}

/// Upsert of a `public_deal` row in [`DEAL_COLUMNS`] order, with the backend's placeholders.
pub(crate) fn deal_upsert_sql(placeholder: fn(usize) -> String) -> String {
    upsert_sql("public_deal", DEAL_COLUMNS, &["deal_id"], placeholder)
}

/// Upsert of a `sec_fact` row: `cik`, then [`FACT_COLUMNS`].
pub(crate) fn fact_upsert_sql(placeholder: fn(usize) -> String) -> String {
    upsert_sql(
        "sec_fact",
        &format!("cik, {FACT_COLUMNS}"),
        &[
            "cik",
            "taxonomy",
            "tag",
            "unit",
            "period_start",
            "period_end",
            "accn",
        ],
        placeholder,
    )
}

/// Upsert of an `annual_capex` row: `cik`, then [`CAPEX_COLUMNS`].
pub(crate) fn capex_upsert_sql(placeholder: fn(usize) -> String) -> String {
    upsert_sql(
        "annual_capex",
        &format!("cik, {CAPEX_COLUMNS}"),
        &["cik", "fiscal_year"],
        placeholder,
    )
}

/// CIKs are at most 10 digits, so they always fit an SQL BIGINT.
pub(crate) fn cik_sql(cik: u64) -> i64 {
    i64::try_from(cik).unwrap_or(i64::MAX)
}

/// `INSERT … ON CONFLICT (key) DO UPDATE SET every other column` (SQLite and PostgreSQL syntax).
/// `placeholder(i)` renders the 1-based parameter `i` (`?1` or `$1`).
pub(crate) fn upsert_sql(
    table: &str,
    columns: &str,
    key: &[&str],
    placeholder: fn(usize) -> String,
) -> String {
    let names: Vec<&str> = columns.split(',').map(str::trim).collect();
    let values: Vec<String> = (1..=names.len()).map(placeholder).collect();
    let set: Vec<String> = names
        .iter()
        .filter(|n| !key.contains(n))
        .map(|n| format!("{n} = excluded.{n}"))
        .collect();
    format!(
        "INSERT INTO {table} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}",
        names.join(", "),
        values.join(", "),
        key.join(", "),
        set.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_sql_updates_non_key_columns() {
        let sql = upsert_sql("t", "a, b, c", &["a"], |i| format!("?{i}"));
        assert_eq!(
            sql,
            "INSERT INTO t (a, b, c) VALUES (?1, ?2, ?3) ON CONFLICT (a) DO UPDATE SET b = excluded.b, c = excluded.c"
        );
    }
}
