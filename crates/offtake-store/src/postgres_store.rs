//! PostgreSQL backend (feature `postgres`): the SQLite schema in one PostgreSQL schema.

use offtake_data::{AnnualCapex, CompanyFacts, DealRow, Fact};
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Transaction};

use crate::plan::{
    CAPEX_COLUMNS, DEAL_COLUMNS, FACT_COLUMNS, TERM_SHEET_SUMMARY, capex_columns, capex_upsert_sql,
    cik_sql, date_text, deal_columns, deal_upsert_sql, encode_term_sheets, fact_columns,
    fact_upsert_sql, plan_deals, plan_sec, start_text, term_sheet_summary,
};
use crate::{
    Added, ApiToken, Error, ImportReport, NewTermSheet, OnDuplicate, PortfolioStore, Result,
    SCHEMA_VERSION, StoredDealRow, TermSheet, TermSheetSummary, check_batch,
};

/// Serialises migrations of every process on the server (`pg_advisory_xact_lock` key).
const MIGRATION_LOCK: i64 = 0x6f66_6674_616b_6531; // "offtake1"

/// Same tables as the SQLite migrations; integers are BIGINT, reals DOUBLE PRECISION.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [
    "CREATE TABLE term_sheet (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        deal_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        buyer TEXT NOT NULL,
        provider TEXT NOT NULL,
        toml_text TEXT NOT NULL,
        validated_json TEXT NOT NULL,
        result_json TEXT,
        added_at TEXT NOT NULL
    );",
    "CREATE TABLE public_deal (
        deal_id TEXT PRIMARY KEY,
        announced_date TEXT NOT NULL,
        announced_year BIGINT NOT NULL,
        buyer TEXT NOT NULL,
        provider TEXT NOT NULL,
        deal_type TEXT NOT NULL,
        committed_value_usd DOUBLE PRECISION
            CHECK (committed_value_usd IS NULL OR committed_value_usd >= 0),
        value_qualifier TEXT NOT NULL,
        term_years DOUBLE PRECISION CHECK (term_years IS NULL OR term_years > 0),
        capacity_gw DOUBLE PRECISION CHECK (capacity_gw IS NULL OR capacity_gw > 0),
        capacity_qualifier TEXT,
        chip_silicon TEXT NOT NULL,
        equity_amount_usd DOUBLE PRECISION
            CHECK (equity_amount_usd IS NULL OR equity_amount_usd >= 0),
        milestone_tied_amount_usd DOUBLE PRECISION
            CHECK (milestone_tied_amount_usd IS NULL OR milestone_tied_amount_usd >= 0),
        equity_terms TEXT NOT NULL,
        evidence TEXT NOT NULL
            CHECK (evidence IN ('disclosed', 'reported', 'estimated', 'unverified')),
        source_title TEXT NOT NULL,
        source_url TEXT NOT NULL,
        verified_via TEXT NOT NULL,
        note TEXT NOT NULL,
        group_id TEXT NOT NULL
    );
    CREATE INDEX public_deal_group ON public_deal (group_id);
    CREATE TABLE sec_company (
        cik BIGINT PRIMARY KEY,
        entity_name TEXT NOT NULL
    );
    CREATE TABLE sec_fact (
        cik BIGINT NOT NULL REFERENCES sec_company (cik),
        taxonomy TEXT NOT NULL,
        tag TEXT NOT NULL,
        unit TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        accn TEXT NOT NULL,
        val DOUBLE PRECISION NOT NULL CHECK (val <> 'NaN'),
        fy BIGINT,
        fp TEXT,
        form TEXT NOT NULL,
        filed TEXT NOT NULL,
        frame TEXT,
        PRIMARY KEY (cik, taxonomy, tag, unit, period_start, period_end, accn)
    );
    CREATE TABLE annual_capex (
        cik BIGINT NOT NULL REFERENCES sec_company (cik),
        fiscal_year BIGINT NOT NULL,
        entity_name TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        value_usd DOUBLE PRECISION NOT NULL,
        tag TEXT NOT NULL,
        accn TEXT NOT NULL,
        form TEXT NOT NULL,
        filed TEXT NOT NULL,
        first_reported_usd DOUBLE PRECISION NOT NULL,
        revisions_json TEXT NOT NULL,
        PRIMARY KEY (cik, fiscal_year)
    );",
    // 3: the `offtake serve` write token: one row, a salt and SHA-256(salt ‖ token), never the token.
    "CREATE TABLE api_token (
        id BIGINT PRIMARY KEY CHECK (id = 1),
        salt_hex TEXT NOT NULL,
        sha256_hex TEXT NOT NULL,
        created_at TEXT NOT NULL
    );",
];

/// The portfolio in a PostgreSQL schema.
pub struct PgStore {
    client: Client,
    schema: String,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("schema", &self.schema)
            .finish()
    }
}

impl PgStore {
    /// Connects (`postgres://user:pass@host/db`), uses schema `public`, and migrates.
    pub fn connect(url: &str) -> Result<Self> {
        Self::connect_in_schema(url, "public")
    }

    /// Connects and keeps every table in `schema` (created if missing), then migrates.
    /// Lock waits longer than 5 s fail with [`Error::Busy`], like the SQLite busy timeout.
    pub fn connect_in_schema(url: &str, schema: &str) -> Result<Self> {
        let valid = !schema.is_empty()
            && schema.len() <= 63
            && schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !schema.as_bytes()[0].is_ascii_digit();
        if !valid {
            return Err(Error::InvalidSchemaName {
                name: schema.to_string(),
            });
        }
        let mut client = Client::connect(url, NoTls)?;
        {
            let mut tx = client.transaction()?;
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
            tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))?;
            tx.commit()?;
        }
        client.batch_execute(&format!(
            "SET search_path TO {schema}; SET lock_timeout = '5s';"
        ))?;
        migrate(&mut client)?;
        Ok(Self {
            client,
            schema: schema.to_string(),
        })
    }

    /// The schema holding the tables.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The schema version recorded in `offtake_schema_version`.
    pub fn schema_version(&mut self) -> Result<i64> {
        Ok(self
            .client
            .query_one("SELECT version FROM offtake_schema_version", &[])?
            .get(0))
    }
}

fn migrate(client: &mut Client) -> Result<()> {
    for (idx, sql) in MIGRATIONS.iter().enumerate() {
        let version = idx as i64 + 1;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS offtake_schema_version (version BIGINT NOT NULL)",
        )?;
        let found: Option<i64> = tx
            .query_opt("SELECT version FROM offtake_schema_version", &[])?
            .map(|r| r.get(0));
        let found = match found {
            Some(v) => v,
            None => {
                tx.execute(
                    "INSERT INTO offtake_schema_version (version) VALUES (0)",
                    &[],
                )?;
                0
            }
        };
        if found > i64::from(SCHEMA_VERSION) {
            return Err(Error::SchemaTooNew {
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found >= version {
            tx.commit()?;
            continue;
        }
        tx.batch_execute(sql).map_err(|e| Error::Migration {
            version: version as u32,
            message: e.to_string(),
        })?;
        tx.execute(
            "UPDATE offtake_schema_version SET version = $1",
            &[&version],
        )?;
        tx.commit()?;
    }
    Ok(())
}

fn dollar(i: usize) -> String {
    format!("${i}")
}

fn load_deals(client: &mut impl GenericClient) -> Result<Vec<StoredDealRow>> {
    let rows = client.query(
        &format!("SELECT {DEAL_COLUMNS} FROM public_deal ORDER BY deal_id"),
        &[],
    )?;
    rows.iter()
        .map(|r| deal_columns!(r, try_get).into_stored())
        .collect()
}

fn write_deal(
    tx: &mut Transaction<'_>,
    statement: &postgres::Statement,
    row: &DealRow,
    group_id: &str,
) -> Result<()> {
    let announced = row.announced_date.to_string();
    let year = i64::from(row.announced_date.year);
    let capacity_qualifier = row.capacity_qualifier.map(|q| q.as_str());
    let params: [&(dyn ToSql + Sync); 21] = [
        &row.deal_id,
        &announced,
        &year,
        &row.buyer,
        &row.provider,
        &row.deal_type.as_str(),
        &row.committed_value_usd,
        &row.value_qualifier.as_str(),
        &row.term_years,
        &row.capacity_gw,
        &capacity_qualifier,
        &row.chip_silicon,
        &row.equity_amount_usd,
        &row.milestone_tied_amount_usd,
        &row.equity_terms,
        &row.evidence.as_str(),
        &row.source_title,
        &row.source_url,
        &row.verified_via,
        &row.note,
        &group_id,
    ];
    tx.execute(statement, &params)?;
    Ok(())
}

fn load_facts(client: &mut impl GenericClient, cik: u64) -> Result<Vec<Fact>> {
    let rows = client.query(
        &format!(
            "SELECT {FACT_COLUMNS} FROM sec_fact WHERE cik = $1
             ORDER BY tag, unit, period_end, period_start, accn"
        ),
        &[&cik_sql(cik)],
    )?;
    rows.iter()
        .map(|r| fact_columns!(r, try_get).into_fact())
        .collect()
}

fn load_capex(client: &mut impl GenericClient, cik: Option<u64>) -> Result<Vec<AnnualCapex>> {
    let cik = cik.map(cik_sql);
    let rows = client.query(
        &format!(
            "SELECT cik, {CAPEX_COLUMNS} FROM annual_capex
             WHERE $1::BIGINT IS NULL OR cik = $1 ORDER BY cik, fiscal_year"
        ),
        &[&cik],
    )?;
    rows.iter()
        .map(|r| capex_columns!(r, try_get).into_capex())
        .collect()
}

fn summary_from_row(r: &postgres::Row) -> Result<TermSheetSummary> {
    Ok(term_sheet_summary!(r, try_get))
}

/// The id of the stored term sheet of `deal_id`, if there is one.
fn term_sheet_id(tx: &mut Transaction<'_>, deal_id: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_opt("SELECT id FROM term_sheet WHERE deal_id = $1", &[&deal_id])?
        .map(|row| row.try_get(0))
        .transpose()?)
}

/// Inserts a term sheet with its encoded JSON; the new id.
fn insert_term_sheet(
    tx: &mut Transaction<'_>,
    t: &NewTermSheet<'_>,
    validated: &str,
    result: Option<&str>,
    added_at: &str,
) -> Result<i64> {
    Ok(tx
        .query_one(
            "INSERT INTO term_sheet
                (deal_id, name, buyer, provider, toml_text, validated_json, result_json, added_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &t.deal_id,
                &t.name,
                &t.buyer,
                &t.provider,
                &t.toml_text,
                &validated,
                &result,
                &added_at,
            ],
        )?
        .try_get(0)?)
}

impl PortfolioStore for PgStore {
    fn api_token(&mut self) -> Result<Option<ApiToken>> {
        let row = self.client.query_opt(
            "SELECT salt_hex, sha256_hex, created_at FROM api_token WHERE id = 1",
            &[],
        )?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(ApiToken {
                salt_hex: r.try_get(0)?,
                sha256_hex: r.try_get(1)?,
                created_at: r.try_get(2)?,
            })),
        }
    }

    fn init_api_token(&mut self, token: &ApiToken) -> Result<bool> {
        let n = self.client.execute(
            "INSERT INTO api_token (id, salt_hex, sha256_hex, created_at) VALUES (1, $1, $2, $3)
             ON CONFLICT (id) DO NOTHING",
            &[&token.salt_hex, &token.sha256_hex, &token.created_at],
        )?;
        Ok(n == 1)
    }

    fn replace_api_token(&mut self, token: &ApiToken) -> Result<()> {
        self.client.execute(
            "INSERT INTO api_token (id, salt_hex, sha256_hex, created_at) VALUES (1, $1, $2, $3)
             ON CONFLICT (id) DO UPDATE SET salt_hex = EXCLUDED.salt_hex,
                 sha256_hex = EXCLUDED.sha256_hex, created_at = EXCLUDED.created_at",
            &[&token.salt_hex, &token.sha256_hex, &token.created_at],
        )?;
        Ok(())
    }

    fn add(&mut self, t: &NewTermSheet<'_>) -> Result<i64> {
        let validated = serde_json::to_string(t.validated)?;
        let result = t.result.map(serde_json::to_string).transpose()?;
        let mut tx = self.client.transaction()?;
        // Serialise adders so the duplicate check and the insert see the same table.
        tx.batch_execute("LOCK TABLE term_sheet IN SHARE ROW EXCLUSIVE MODE")?;
        if let Some(id) = term_sheet_id(&mut tx, t.deal_id)? {
            return Err(Error::DuplicateDeal {
                deal_id: t.deal_id.to_string(),
                id,
            });
        }
        let added_at = t.added_at.to_rfc3339();
        let id = insert_term_sheet(&mut tx, t, &validated, result.as_deref(), &added_at)?;
        tx.commit()?;
        Ok(id)
    }

    fn add_many(
        &mut self,
        term_sheets: &[NewTermSheet<'_>],
        on_duplicate: OnDuplicate,
    ) -> Result<Vec<Added>> {
        check_batch(term_sheets)?;
        let encoded = encode_term_sheets(term_sheets)?;
        let mut tx = self.client.transaction()?;
        // As in `add`: the duplicate checks and the writes see the same table.
        tx.batch_execute("LOCK TABLE term_sheet IN SHARE ROW EXCLUSIVE MODE")?;
        let mut added = Vec::with_capacity(term_sheets.len());
        for (t, (validated, result)) in term_sheets.iter().zip(&encoded) {
            let added_at = t.added_at.to_rfc3339();
            let (id, replaced) = match (term_sheet_id(&mut tx, t.deal_id)?, on_duplicate) {
                (Some(id), OnDuplicate::Refuse) => {
                    return Err(Error::DuplicateDeal {
                        deal_id: t.deal_id.to_string(),
                        id,
                    });
                }
                (Some(id), OnDuplicate::Replace) => {
                    tx.execute(
                        "UPDATE term_sheet SET name = $1, buyer = $2, provider = $3,
                            toml_text = $4, validated_json = $5, result_json = $6, added_at = $7
                         WHERE id = $8",
                        &[
                            &t.name,
                            &t.buyer,
                            &t.provider,
                            &t.toml_text,
                            validated,
                            result,
                            &added_at,
                            &id,
                        ],
                    )?;
                    (id, true)
                }
                (None, _) => (
                    insert_term_sheet(&mut tx, t, validated, result.as_deref(), &added_at)?,
                    false,
                ),
            };
            added.push(Added {
                id,
                deal_id: t.deal_id.to_string(),
                replaced,
            });
        }
        tx.commit()?;
        Ok(added)
    }

    fn list(&mut self) -> Result<Vec<TermSheetSummary>> {
        self.client
            .query(
                &format!("SELECT {TERM_SHEET_SUMMARY} FROM term_sheet ORDER BY id"),
                &[],
            )?
            .iter()
            .map(summary_from_row)
            .collect()
    }

    fn show(&mut self, id: i64) -> Result<TermSheet> {
        let row = self
            .client
            .query_opt(
                &format!(
                    "SELECT {TERM_SHEET_SUMMARY}, toml_text, validated_json, result_json
                     FROM term_sheet WHERE id = $1"
                ),
                &[&id],
            )?
            .ok_or(Error::NotFound { id })?;
        let validated: String = row.try_get(8)?;
        let result: Option<String> = row.try_get(9)?;
        Ok(TermSheet {
            summary: summary_from_row(&row)?,
            toml_text: row.try_get(7)?,
            validated: serde_json::from_str(&validated)?,
            result: result.as_deref().map(serde_json::from_str).transpose()?,
        })
    }

    fn set_result(&mut self, id: i64, result: &serde_json::Value) -> Result<()> {
        let json = serde_json::to_string(result)?;
        let n = self.client.execute(
            "UPDATE term_sheet SET result_json = $1 WHERE id = $2",
            &[&json, &id],
        )?;
        if n == 0 {
            return Err(Error::NotFound { id });
        }
        Ok(())
    }

    fn remove(&mut self, id: i64) -> Result<()> {
        let n = self
            .client
            .execute("DELETE FROM term_sheet WHERE id = $1", &[&id])?;
        if n == 0 {
            return Err(Error::NotFound { id });
        }
        Ok(())
    }

    fn export(&mut self, id: i64) -> Result<String> {
        let row = self
            .client
            .query_opt("SELECT toml_text FROM term_sheet WHERE id = $1", &[&id])?
            .ok_or(Error::NotFound { id })?;
        Ok(row.try_get(0)?)
    }

    fn count_term_sheets(&mut self) -> Result<usize> {
        let n: i64 = self
            .client
            .query_one("SELECT COUNT(*) FROM term_sheet", &[])?
            .try_get(0)?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn import_deals(&mut self, rows: &[DealRow]) -> Result<ImportReport> {
        let upsert = deal_upsert_sql(dollar);
        let mut tx = self.client.transaction()?;
        // One importer at a time (readers are not blocked), like SQLite's BEGIN IMMEDIATE.
        tx.batch_execute("LOCK TABLE public_deal IN SHARE ROW EXCLUSIVE MODE")?;
        let existing = load_deals(&mut tx)?;
        let plan = plan_deals(&existing, rows)?;
        let statement = tx.prepare(&upsert)?;
        for (row, group) in plan.inserts.iter().chain(&plan.updates) {
            write_deal(&mut tx, &statement, row, group)?;
        }
        for (deal_id, group) in &plan.regroups {
            tx.execute(
                "UPDATE public_deal SET group_id = $1 WHERE deal_id = $2",
                &[group, deal_id],
            )?;
        }
        tx.commit()?;
        Ok(plan.report)
    }

    fn import_sec(&mut self, facts: &CompanyFacts) -> Result<ImportReport> {
        let cik = cik_sql(facts.cik);
        let fact_sql = fact_upsert_sql(dollar);
        let capex_sql = capex_upsert_sql(dollar);
        let mut tx = self.client.transaction()?;
        tx.batch_execute(
            "LOCK TABLE sec_company, sec_fact, annual_capex IN SHARE ROW EXCLUSIVE MODE",
        )?;
        let stored_name: Option<String> = tx
            .query_opt(
                "SELECT entity_name FROM sec_company WHERE cik = $1",
                &[&cik],
            )?
            .map(|r| r.try_get(0))
            .transpose()?;
        let stored_facts = load_facts(&mut tx, facts.cik)?;
        let stored_capex = load_capex(&mut tx, Some(facts.cik))?;
        let plan = plan_sec(stored_name.as_deref(), &stored_facts, &stored_capex, facts)?;
        if plan.company_changed {
            tx.execute(
                "INSERT INTO sec_company (cik, entity_name) VALUES ($1, $2)
                 ON CONFLICT (cik) DO UPDATE SET entity_name = excluded.entity_name",
                &[&cik, &facts.entity_name],
            )?;
        }
        let statement = tx.prepare(&fact_sql)?;
        for f in plan.inserts.iter().chain(&plan.updates) {
            let start = start_text(f);
            let end = date_text(f.end);
            let filed = date_text(f.filed);
            let fy = f.fy.map(i64::from);
            tx.execute(
                &statement,
                &[
                    &cik,
                    &f.taxonomy,
                    &f.tag,
                    &f.unit,
                    &start,
                    &end,
                    &f.accn,
                    &f.val,
                    &fy,
                    &f.fp,
                    &f.form,
                    &filed,
                    &f.frame,
                ],
            )?;
        }
        for c in &plan.capex {
            let fiscal_year = i64::from(c.fiscal_year);
            let start = date_text(c.period_start);
            let end = date_text(c.period_end);
            let filed = date_text(c.filed);
            let first = c.first_reported_usd();
            let revisions = serde_json::to_string(&c.revisions)?;
            tx.execute(
                capex_sql.as_str(),
                &[
                    &cik,
                    &fiscal_year,
                    &c.entity_name,
                    &start,
                    &end,
                    &c.value_usd,
                    &c.tag,
                    &c.accn,
                    &c.form,
                    &filed,
                    &first,
                    &revisions,
                ],
            )?;
        }
        tx.commit()?;
        Ok(plan.report)
    }

    fn public_deals(&mut self) -> Result<Vec<StoredDealRow>> {
        load_deals(&mut self.client)
    }

    fn sec_facts(&mut self, cik: u64) -> Result<Vec<Fact>> {
        load_facts(&mut self.client, cik)
    }

    fn annual_capex(&mut self) -> Result<Vec<AnnualCapex>> {
        load_capex(&mut self.client, None)
    }
}
