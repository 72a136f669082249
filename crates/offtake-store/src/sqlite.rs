//! SQLite backend: one file, WAL mode, busy timeout, `PRAGMA user_version` migrations.

use std::path::{Path, PathBuf};
use std::time::Duration;

use offtake_data::{AnnualCapex, CompanyFacts, DealRow, Fact};
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::plan::{
    CAPEX_COLUMNS, DEAL_COLUMNS, FACT_COLUMNS, TERM_SHEET_SUMMARY, capex_columns, capex_upsert_sql,
    cik_sql, date_text, deal_columns, deal_upsert_sql, encode_term_sheets, fact_columns,
    fact_upsert_sql, plan_deals, plan_sec, start_text, term_sheet_summary,
};
use crate::{
    Added, ApiToken, Error, ImportReport, NewTermSheet, OnDuplicate, PortfolioStore, Result,
    SCHEMA_VERSION, StoredDealRow, TermSheet, TermSheetSummary, check_batch,
};

/// How long a writer waits for another process's lock before [`Error::Busy`].
pub const DEFAULT_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Migration `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [
    // 1: term sheets, kept as exact TOML text plus engine JSON.
    "CREATE TABLE term_sheet (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        deal_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        buyer TEXT NOT NULL,
        provider TEXT NOT NULL,
        toml_text TEXT NOT NULL,
        validated_json TEXT NOT NULL,
        result_json TEXT,
        added_at TEXT NOT NULL
    );",
    // 2: public data: deal-list rows with evidence, source and group; SEC facts; annual capex.
    "CREATE TABLE public_deal (
        deal_id TEXT PRIMARY KEY,
        announced_date TEXT NOT NULL,
        announced_year INTEGER NOT NULL,
        buyer TEXT NOT NULL,
        provider TEXT NOT NULL,
        deal_type TEXT NOT NULL,
        committed_value_usd REAL CHECK (committed_value_usd IS NULL OR committed_value_usd >= 0),
        value_qualifier TEXT NOT NULL,
        term_years REAL CHECK (term_years IS NULL OR term_years > 0),
        capacity_gw REAL CHECK (capacity_gw IS NULL OR capacity_gw > 0),
        capacity_qualifier TEXT,
        chip_silicon TEXT NOT NULL,
        equity_amount_usd REAL CHECK (equity_amount_usd IS NULL OR equity_amount_usd >= 0),
        milestone_tied_amount_usd REAL
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
        cik INTEGER PRIMARY KEY,
        entity_name TEXT NOT NULL
    );
    CREATE TABLE sec_fact (
        cik INTEGER NOT NULL REFERENCES sec_company (cik),
        taxonomy TEXT NOT NULL,
        tag TEXT NOT NULL,
        unit TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        accn TEXT NOT NULL,
        val REAL NOT NULL,
        fy INTEGER,
        fp TEXT,
        form TEXT NOT NULL,
        filed TEXT NOT NULL,
        frame TEXT,
        PRIMARY KEY (cik, taxonomy, tag, unit, period_start, period_end, accn)
    );
    CREATE TABLE annual_capex (
        cik INTEGER NOT NULL REFERENCES sec_company (cik),
        fiscal_year INTEGER NOT NULL,
        entity_name TEXT NOT NULL,
        period_start TEXT NOT NULL,
        period_end TEXT NOT NULL,
        value_usd REAL NOT NULL,
        tag TEXT NOT NULL,
        accn TEXT NOT NULL,
        form TEXT NOT NULL,
        filed TEXT NOT NULL,
        first_reported_usd REAL NOT NULL,
        revisions_json TEXT NOT NULL,
        PRIMARY KEY (cik, fiscal_year)
    );",
    // 3: the `offtake serve` write token: one row, a salt and SHA-256(salt ‖ token), never the token.
    "CREATE TABLE api_token (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        salt_hex TEXT NOT NULL,
        sha256_hex TEXT NOT NULL,
        created_at TEXT NOT NULL
    );",
];

/// The portfolio in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database, with [`DEFAULT_BUSY_TIMEOUT`].
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::open_with_timeout(path, DEFAULT_BUSY_TIMEOUT)
    }

    /// Opens with a chosen busy timeout.
    pub fn open_with_timeout(path: impl AsRef<Path>, busy_timeout: Duration) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(busy_timeout)?;
        // WAL: readers never block the writer and a killed writer leaves only an uncommitted tail.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "foreign_keys", true)?;
        migrate(&mut conn)?;
        Ok(Self { conn, path })
    }

    /// The file this store writes.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `PRAGMA user_version`.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// `PRAGMA journal_mode` (`wal` for a file database).
    pub fn journal_mode(&self) -> Result<String> {
        Ok(self
            .conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check` (`ok` when sound).
    pub fn integrity_check(&self) -> Result<String> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?)
    }

    fn write_tx(&mut self) -> Result<Transaction<'_>> {
        // IMMEDIATE takes the write lock up front, so the busy timeout applies here and a reader
        // never has to upgrade to a writer mid-transaction (which SQLite cannot wait for).
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > i64::from(SCHEMA_VERSION) {
        return Err(Error::SchemaTooNew {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    // Up to date: open without taking the write lock, so opening never waits on a writer.
    let start = usize::try_from(found).unwrap_or(0);
    for (idx, sql) in MIGRATIONS.iter().enumerate().skip(start) {
        let version = idx as u32 + 1;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Re-read under the write lock: another process may have migrated meanwhile.
        let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current >= i64::from(version) {
            continue;
        }
        tx.execute_batch(sql).map_err(|e| match Error::from(e) {
            busy @ Error::Busy { .. } => busy,
            other => Error::Migration {
                version,
                message: other.to_string(),
            },
        })?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

fn q(i: usize) -> String {
    format!("?{i}")
}

fn load_deals(conn: &Connection) -> Result<Vec<StoredDealRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {DEAL_COLUMNS} FROM public_deal ORDER BY deal_id"
    ))?;
    let cols = stmt.query_map([], |r| Ok(deal_columns!(r, get)))?;
    cols.map(|c| c.map_err(Error::from)?.into_stored())
        .collect()
}

fn write_deal(tx: &Transaction<'_>, sql: &str, row: &DealRow, group_id: &str) -> Result<()> {
    tx.prepare_cached(sql)?.execute(params![
        row.deal_id,
        row.announced_date.to_string(),
        row.announced_date.year,
        row.buyer,
        row.provider,
        row.deal_type.as_str(),
        row.committed_value_usd,
        row.value_qualifier.as_str(),
        row.term_years,
        row.capacity_gw,
        row.capacity_qualifier.map(|q| q.as_str()),
        row.chip_silicon,
        row.equity_amount_usd,
        row.milestone_tied_amount_usd,
        row.equity_terms,
        row.evidence.as_str(),
        row.source_title,
        row.source_url,
        row.verified_via,
        row.note,
        group_id,
    ])?;
    Ok(())
}

fn load_facts(conn: &Connection, cik: u64) -> Result<Vec<Fact>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {FACT_COLUMNS} FROM sec_fact WHERE cik = ?1
         ORDER BY tag, unit, period_end, period_start, accn"
    ))?;
    let cols = stmt.query_map([cik_sql(cik)], |r| Ok(fact_columns!(r, get)))?;
    cols.map(|c| c.map_err(Error::from)?.into_fact()).collect()
}

fn load_capex(conn: &Connection, cik: Option<u64>) -> Result<Vec<AnnualCapex>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT cik, {CAPEX_COLUMNS} FROM annual_capex
         WHERE ?1 IS NULL OR cik = ?1 ORDER BY cik, fiscal_year"
    ))?;
    let cols = stmt.query_map([cik.map(cik_sql)], |r| Ok(capex_columns!(r, get)))?;
    cols.map(|c| c.map_err(Error::from)?.into_capex()).collect()
}

fn summary_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TermSheetSummary> {
    Ok(term_sheet_summary!(r, get))
}

/// The id of the stored term sheet of `deal_id`, if there is one.
fn term_sheet_id(tx: &Transaction<'_>, deal_id: &str) -> Result<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT id FROM term_sheet WHERE deal_id = ?1",
            [deal_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Inserts a term sheet with its encoded JSON; the new id.
fn insert_term_sheet(
    tx: &Transaction<'_>,
    t: &NewTermSheet<'_>,
    validated: &str,
    result: Option<&str>,
    added_at: &str,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO term_sheet
            (deal_id, name, buyer, provider, toml_text, validated_json, result_json, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            t.deal_id,
            t.name,
            t.buyer,
            t.provider,
            t.toml_text,
            validated,
            result,
            added_at,
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

impl PortfolioStore for SqliteStore {
    fn api_token(&mut self) -> Result<Option<ApiToken>> {
        Ok(self
            .conn
            .query_row(
                "SELECT salt_hex, sha256_hex, created_at FROM api_token WHERE id = 1",
                [],
                |r| {
                    Ok(ApiToken {
                        salt_hex: r.get(0)?,
                        sha256_hex: r.get(1)?,
                        created_at: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn init_api_token(&mut self, token: &ApiToken) -> Result<bool> {
        let tx = self.write_tx()?;
        let n = tx.execute(
            "INSERT INTO api_token (id, salt_hex, sha256_hex, created_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO NOTHING",
            params![token.salt_hex, token.sha256_hex, token.created_at],
        )?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn replace_api_token(&mut self, token: &ApiToken) -> Result<()> {
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO api_token (id, salt_hex, sha256_hex, created_at) VALUES (1, ?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET salt_hex = excluded.salt_hex,
                 sha256_hex = excluded.sha256_hex, created_at = excluded.created_at",
            params![token.salt_hex, token.sha256_hex, token.created_at],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn add(&mut self, t: &NewTermSheet<'_>) -> Result<i64> {
        let validated = serde_json::to_string(t.validated)?;
        let result = t.result.map(serde_json::to_string).transpose()?;
        let tx = self.write_tx()?;
        if let Some(id) = term_sheet_id(&tx, t.deal_id)? {
            return Err(Error::DuplicateDeal {
                deal_id: t.deal_id.to_string(),
                id,
            });
        }
        let added_at = t.added_at.to_rfc3339();
        let id = insert_term_sheet(&tx, t, &validated, result.as_deref(), &added_at)?;
        tx.commit()?;
        Ok(id)
    }

    fn add_many(
        &mut self,
        term_sheets: &[NewTermSheet<'_>],
        on_duplicate: OnDuplicate,
    ) -> Result<Vec<Added>> {
        check_batch(term_sheets)?;
        // Serialise everything before taking the write lock, so the lock is held only for SQL.
        let encoded = encode_term_sheets(term_sheets)?;
        let tx = self.write_tx()?;
        let mut added = Vec::with_capacity(term_sheets.len());
        for (t, (validated, result)) in term_sheets.iter().zip(&encoded) {
            let added_at = t.added_at.to_rfc3339();
            let (id, replaced) = match (term_sheet_id(&tx, t.deal_id)?, on_duplicate) {
                (Some(id), OnDuplicate::Refuse) => {
                    return Err(Error::DuplicateDeal {
                        deal_id: t.deal_id.to_string(),
                        id,
                    });
                }
                (Some(id), OnDuplicate::Replace) => {
                    tx.execute(
                        "UPDATE term_sheet SET name = ?1, buyer = ?2, provider = ?3,
                            toml_text = ?4, validated_json = ?5, result_json = ?6, added_at = ?7
                         WHERE id = ?8",
                        params![
                            t.name,
                            t.buyer,
                            t.provider,
                            t.toml_text,
                            validated,
                            result,
                            added_at,
                            id
                        ],
                    )?;
                    (id, true)
                }
                (None, _) => (
                    insert_term_sheet(&tx, t, validated, result.as_deref(), &added_at)?,
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
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {TERM_SHEET_SUMMARY} FROM term_sheet ORDER BY id"
        ))?;
        let rows = stmt.query_map([], summary_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn show(&mut self, id: i64) -> Result<TermSheet> {
        let found = self
            .conn
            .query_row(
                &format!(
                    "SELECT {TERM_SHEET_SUMMARY}, toml_text, validated_json, result_json
                     FROM term_sheet WHERE id = ?1"
                ),
                [id],
                |r| {
                    Ok((
                        summary_from_row(r)?,
                        r.get::<_, String>(7)?,
                        r.get::<_, String>(8)?,
                        r.get::<_, Option<String>>(9)?,
                    ))
                },
            )
            .optional()?;
        let (summary, toml_text, validated, result) = found.ok_or(Error::NotFound { id })?;
        Ok(TermSheet {
            summary,
            toml_text,
            validated: serde_json::from_str(&validated)?,
            result: result.as_deref().map(serde_json::from_str).transpose()?,
        })
    }

    fn set_result(&mut self, id: i64, result: &serde_json::Value) -> Result<()> {
        let json = serde_json::to_string(result)?;
        let tx = self.write_tx()?;
        let n = tx.execute(
            "UPDATE term_sheet SET result_json = ?1 WHERE id = ?2",
            params![json, id],
        )?;
        if n == 0 {
            return Err(Error::NotFound { id });
        }
        tx.commit()?;
        Ok(())
    }

    fn remove(&mut self, id: i64) -> Result<()> {
        let tx = self.write_tx()?;
        let n = tx.execute("DELETE FROM term_sheet WHERE id = ?1", [id])?;
        if n == 0 {
            return Err(Error::NotFound { id });
        }
        tx.commit()?;
        Ok(())
    }

    fn export(&mut self, id: i64) -> Result<String> {
        self.conn
            .query_row(
                "SELECT toml_text FROM term_sheet WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(Error::NotFound { id })
    }

    fn count_term_sheets(&mut self) -> Result<usize> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM term_sheet", [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    fn import_deals(&mut self, rows: &[DealRow]) -> Result<ImportReport> {
        let upsert = deal_upsert_sql(q);
        let tx = self.write_tx()?;
        let existing = load_deals(&tx)?;
        let plan = plan_deals(&existing, rows)?;
        for (row, group) in plan.inserts.iter().chain(&plan.updates) {
            write_deal(&tx, &upsert, row, group)?;
        }
        for (deal_id, group) in &plan.regroups {
            tx.execute(
                "UPDATE public_deal SET group_id = ?1 WHERE deal_id = ?2",
                params![group, deal_id],
            )?;
        }
        tx.commit()?;
        Ok(plan.report)
    }

    fn import_sec(&mut self, facts: &CompanyFacts) -> Result<ImportReport> {
        let cik = cik_sql(facts.cik);
        let fact_sql = fact_upsert_sql(q);
        let capex_sql = capex_upsert_sql(q);
        let tx = self.write_tx()?;
        let stored_name: Option<String> = tx
            .query_row(
                "SELECT entity_name FROM sec_company WHERE cik = ?1",
                [cik],
                |r| r.get(0),
            )
            .optional()?;
        let stored_facts = load_facts(&tx, facts.cik)?;
        let stored_capex = load_capex(&tx, Some(facts.cik))?;
        let plan = plan_sec(stored_name.as_deref(), &stored_facts, &stored_capex, facts)?;
        if plan.company_changed {
            tx.execute(
                "INSERT INTO sec_company (cik, entity_name) VALUES (?1, ?2)
                 ON CONFLICT (cik) DO UPDATE SET entity_name = excluded.entity_name",
                params![cik, facts.entity_name],
            )?;
        }
        {
            let mut stmt = tx.prepare_cached(&fact_sql)?;
            for f in plan.inserts.iter().chain(&plan.updates) {
                stmt.execute(params![
                    cik,
                    f.taxonomy,
                    f.tag,
                    f.unit,
                    start_text(f),
                    date_text(f.end),
                    f.accn,
                    f.val,
                    f.fy,
                    f.fp,
                    f.form,
                    date_text(f.filed),
                    f.frame,
                ])?;
            }
        }
        for c in &plan.capex {
            tx.execute(
                &capex_sql,
                params![
                    cik,
                    c.fiscal_year,
                    c.entity_name,
                    date_text(c.period_start),
                    date_text(c.period_end),
                    c.value_usd,
                    c.tag,
                    c.accn,
                    c.form,
                    date_text(c.filed),
                    c.first_reported_usd(),
                    serde_json::to_string(&c.revisions)?,
                ],
            )?;
        }
        tx.commit()?;
        Ok(plan.report)
    }

    fn public_deals(&mut self) -> Result<Vec<StoredDealRow>> {
        load_deals(&self.conn)
    }

    fn sec_facts(&mut self, cik: u64) -> Result<Vec<Fact>> {
        load_facts(&self.conn, cik)
    }

    fn annual_capex(&mut self) -> Result<Vec<AnnualCapex>> {
        load_capex(&self.conn, None)
    }
}
