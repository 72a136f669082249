//! The portfolio store: the only crate with SQL (SQLite, optional PostgreSQL).
//!
//! Architecture invariant: every write is one transaction. An import either writes all of its
//! rows or none; a process killed mid-import leaves the database as it was. Re-importing the same
//! data changes nothing (upserts on natural keys, and rows equal to the stored ones are not
//! rewritten). Imports never delete.
//!
//! One trait, [`PortfolioStore`], two backends:
//! - [`SqliteStore`]: a file opened in WAL mode with a busy timeout (default 5 s). Writers take the
//!   write lock at `BEGIN IMMEDIATE`, so concurrent processes queue instead of deadlocking; one
//!   that waits longer than the timeout gets [`Error::Busy`] and nothing of its write is applied.
//! - `PgStore` (cargo feature `postgres`): the same schema in a PostgreSQL schema.
//!
//! The store is generic over the engine: a term sheet is kept as its TOML text, byte for byte,
//! next to the validated contract and the underwriting result as JSON values.
//!
//! Natural keys: term sheets by `deal_id` (unique; the integer `id` is what the CLI shows);
//! public deal rows by `deal_id`; SEC facts by `(cik, taxonomy, tag, unit, start, end, accn)`, so
//! every filing's copy and every restatement is kept; annual capex by `(cik, fiscal_year)`,
//! recomputed from all stored facts of the company at each import.
//!
//! Schema versions: [`SCHEMA_VERSION`]; SQLite records it in `PRAGMA user_version`, PostgreSQL
//! in table `offtake_schema_version`. Each migration runs in its own transaction.

mod location;
mod plan;
#[cfg(feature = "postgres")]
mod postgres_store;
mod sqlite;

use offtake_data::{AnnualCapex, CompanyFacts, ConflictGroup, DealGroups, DealRow, Fact};
use serde::Serialize;

pub use location::{Location, Store, mask_password};
#[cfg(feature = "postgres")]
pub use postgres_store::PgStore;
pub use sqlite::{DEFAULT_BUSY_TIMEOUT, SqliteStore};

/// The schema version this build writes (number of migrations).
pub const SCHEMA_VERSION: u32 = 3;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Another process held the database lock for longer than the busy timeout. Nothing of the
    /// failed operation was written; it can be retried.
    #[error(
        "database is busy: another process held the lock past the busy timeout; nothing was written, try again ({message})"
    )]
    Busy { message: String },
    /// No term sheet with this id.
    #[error("no term sheet with id {id} in the portfolio")]
    NotFound { id: i64 },
    /// No stored term sheet has this portfolio id (a number) or deal id ([`PortfolioStore::find`]).
    #[error("{}", not_stored(text))]
    NotStored { text: String },
    /// A term sheet with this deal id is already stored.
    #[error("deal `{deal_id}` is already in the portfolio as id {id}; remove it first")]
    DuplicateDeal { deal_id: String, id: i64 },
    /// The same deal id appears twice in one import (deal rows or a batch of term sheets).
    #[error("deal id `{deal_id}` appears twice in the rows to import")]
    DuplicateRow { deal_id: String },
    /// A migration failed; the database stays at the version before it.
    #[error("migration to schema version {version} failed: {message}")]
    Migration { version: u32, message: String },
    /// The database was written by a newer build.
    #[error("database schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew { found: i64, supported: u32 },
    /// A stored value cannot be read back.
    #[error("corrupt {table} row {key}: {message}")]
    Corrupt {
        table: &'static str,
        key: String,
        message: String,
    },
    /// A schema name for PostgreSQL that is not a plain identifier.
    #[error("invalid schema name {name:?}: use lowercase letters, digits and underscores")]
    InvalidSchemaName { name: String },
    #[error("SQLite: {0}")]
    Sqlite(rusqlite::Error),
    /// Said with the server's own words (`FATAL: database "x" does not exist`), or the cause
    /// of a failed connection (`connection refused`), not the client's bare "db error".
    #[cfg(feature = "postgres")]
    #[error("PostgreSQL: {}", postgres_message(.0))]
    Postgres(postgres::Error),
    /// A PostgreSQL URL given to a build without the `postgres` feature.
    #[cfg(not(feature = "postgres"))]
    #[error("this build has no PostgreSQL backend (cargo feature `postgres`)")]
    NoPostgres,
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Input data that does not parse (CSV row, SEC JSON) or has no capex.
    #[error(transparent)]
    Data(#[from] offtake_data::Error),
}

impl Error {
    /// Whether the input is at fault (bad data, an unknown id, a deal already stored, a bad
    /// schema name) rather than the database or its IO (busy, migration, corruption, backend).
    pub fn is_input_fault(&self) -> bool {
        matches!(
            self,
            Error::Data(_)
                | Error::NotFound { .. }
                | Error::NotStored { .. }
                | Error::DuplicateDeal { .. }
                | Error::DuplicateRow { .. }
                | Error::InvalidSchemaName { .. }
        )
    }
}

impl From<rusqlite::Error> for Error {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
        match error.sqlite_error_code() {
            Some(DatabaseBusy | DatabaseLocked) => Error::Busy {
                message: error.to_string(),
            },
            _ => Error::Sqlite(error),
        }
    }
}

#[cfg(feature = "postgres")]
impl From<postgres::Error> for Error {
    fn from(error: postgres::Error) -> Self {
        use postgres::error::SqlState;
        // Lock timeouts, serialization failures and deadlocks are the PostgreSQL forms of "busy".
        let busy = [
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::T_R_DEADLOCK_DETECTED,
        ];
        match error.code() {
            Some(code) if busy.contains(code) => Error::Busy {
                message: error.to_string(),
            },
            _ => Error::Postgres(error),
        }
    }
}

/// What went wrong, in the server's words when it answered (severity, message, detail, hint),
/// else the client's error with its causes.
#[cfg(feature = "postgres")]
fn postgres_message(error: &postgres::Error) -> String {
    if let Some(db) = error.as_db_error() {
        let mut text = format!("{}: {}", db.severity(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        if let Some(hint) = db.hint() {
            text.push_str(&format!("; hint: {hint}"));
        }
        return text;
    }
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(error);
    while let Some(c) = cause {
        text.push_str(&format!(": {c}"));
        cause = c.source();
    }
    text
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A term sheet to add: its exact TOML text, a few fields for listing, and the engine's output.
#[derive(Debug, Clone, Copy)]
pub struct NewTermSheet<'a> {
    pub toml_text: &'a str,
    pub deal_id: &'a str,
    pub name: &'a str,
    pub buyer: &'a str,
    pub provider: &'a str,
    /// The validated contract, as the engine serialises it.
    pub validated: &'a serde_json::Value,
    /// The underwriting result, if it was run.
    pub result: Option<&'a serde_json::Value>,
    /// When it was added (the caller reads the clock; stored as RFC 3339).
    pub added_at: chrono::DateTime<chrono::Utc>,
}

/// What [`PortfolioStore::add_many`] does with a deal id that is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDuplicate {
    /// Fail with [`Error::DuplicateDeal`]; nothing of the batch is written.
    Refuse,
    /// Overwrite the stored term sheet in place: same id; new text, contract, result and time.
    Replace,
}

/// What [`PortfolioStore::add_many`] did with one term sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Added {
    pub id: i64,
    pub deal_id: String,
    /// An existing term sheet with this deal id was overwritten ([`OnDuplicate::Replace`]).
    pub replaced: bool,
}

/// Refuses a batch that names one deal id twice (before anything is written).
pub(crate) fn check_batch(term_sheets: &[NewTermSheet<'_>]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for t in term_sheets {
        if !seen.insert(t.deal_id) {
            return Err(Error::DuplicateRow {
                deal_id: t.deal_id.to_string(),
            });
        }
    }
    Ok(())
}

/// One line of `portfolio list`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermSheetSummary {
    pub id: i64,
    pub deal_id: String,
    pub name: String,
    pub buyer: String,
    pub provider: String,
    /// RFC 3339 UTC time of `add`.
    pub added_at: String,
    pub has_result: bool,
}

/// A stored term sheet in full.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermSheet {
    #[serde(flatten)]
    pub summary: TermSheetSummary,
    /// Exactly the text given to `add`.
    pub toml_text: String,
    pub validated: serde_json::Value,
    pub result: Option<serde_json::Value>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// New rows (deal rows or SEC facts).
    pub inserted: usize,
    /// Rows whose stored content changed.
    pub updated: usize,
    /// Rows equal to what was stored; not rewritten.
    pub unchanged: usize,
    /// Derived rows rewritten: deal group ids, or annual capex years.
    pub derived_changed: usize,
}

impl ImportReport {
    /// True when the import wrote nothing.
    pub fn is_noop(&self) -> bool {
        self.inserted == 0 && self.updated == 0 && self.derived_changed == 0
    }
}

/// A public deal row as stored, with its group id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredDealRow {
    pub group_id: String,
    #[serde(flatten)]
    pub row: DealRow,
}

/// The `offtake serve` write token as stored: never the token itself, only a random salt and
/// SHA-256(salt ‖ token), both hex (the server makes and checks them; the store keeps them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub salt_hex: String,
    pub sha256_hex: String,
    /// RFC 3339 UTC time it was made (the caller reads the clock).
    pub created_at: String,
}

/// `portfolio summary`: the term sheets held and the public-deal figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PortfolioSummary {
    pub n_term_sheets: usize,
    pub public_deals: offtake_data::PublicDealSummary,
}

/// [`Error::NotStored`]'s message: a number is read as a portfolio id, anything else as a deal id.
fn not_stored(text: &str) -> String {
    if text.trim().parse::<i64>().is_ok() {
        format!("no term sheet with id {text} in the portfolio")
    } else {
        format!(
            "no term sheet with deal id {text:?} in the portfolio (`offtake portfolio list` shows them)"
        )
    }
}

/// The store interface; both backends implement it and pass the same test suite.
pub trait PortfolioStore {
    /// Adds a term sheet and returns its id. Errors with [`Error::DuplicateDeal`] if the deal id
    /// is already stored.
    fn add(&mut self, term_sheet: &NewTermSheet<'_>) -> Result<i64>;
    /// Adds several term sheets in one transaction: all of them or none. A deal id named twice
    /// in the batch is [`Error::DuplicateRow`]; one already stored is refused or replaced as
    /// `on_duplicate` says. Results are in the order given.
    fn add_many(
        &mut self,
        term_sheets: &[NewTermSheet<'_>],
        on_duplicate: OnDuplicate,
    ) -> Result<Vec<Added>>;
    /// All term sheets, by id.
    fn list(&mut self) -> Result<Vec<TermSheetSummary>>;
    /// One term sheet in full, or [`Error::NotFound`].
    fn show(&mut self, id: i64) -> Result<TermSheet>;
    /// Replaces the underwriting result of a stored term sheet.
    fn set_result(&mut self, id: i64, result: &serde_json::Value) -> Result<()>;
    /// Removes a term sheet, or [`Error::NotFound`].
    fn remove(&mut self, id: i64) -> Result<()>;
    /// The id `text` names: a number that is a stored id, otherwise the id of the stored term
    /// sheet whose deal id is `text` ([`Error::NotStored`]: neither).
    fn find(&mut self, text: &str) -> Result<i64> {
        let number = text.trim().parse::<i64>().ok();
        let stored = self.list()?;
        if let Some(n) = number.filter(|n| stored.iter().any(|s| s.id == *n)) {
            return Ok(n);
        }
        let found = stored.iter().find(|s| s.deal_id == text).map(|s| s.id);
        found.ok_or_else(|| Error::NotStored {
            text: text.to_string(),
        })
    }
    /// Every term sheet with its stored underwriting result (if any), by id.
    fn list_results(&mut self) -> Result<Vec<(TermSheetSummary, Option<serde_json::Value>)>> {
        let mut entries = Vec::new();
        for summary in self.list()? {
            let result = self.show(summary.id)?.result;
            entries.push((summary, result));
        }
        Ok(entries)
    }
    /// The TOML text exactly as added.
    fn export(&mut self, id: i64) -> Result<String> {
        Ok(self.show(id)?.toml_text)
    }

    /// The server's write token (salted hash), if one was ever set.
    fn api_token(&mut self) -> Result<Option<ApiToken>>;
    /// Stores `token` as the write token when none is stored yet and returns true; when one is
    /// stored it is kept and the result is false (two servers starting at once keep one token).
    fn init_api_token(&mut self, token: &ApiToken) -> Result<bool>;
    /// Replaces the write token (or sets the first one): the old token stops working.
    fn replace_api_token(&mut self, token: &ApiToken) -> Result<()>;

    /// Upserts public deal rows by `deal_id` and regroups all stored rows, in one transaction.
    fn import_deals(&mut self, rows: &[DealRow]) -> Result<ImportReport>;
    /// Parses a deal-list CSV and imports it; a bad row imports nothing.
    fn import_deals_csv(&mut self, csv_text: &str) -> Result<ImportReport> {
        let rows = offtake_data::parse_deals_csv(csv_text)?;
        self.import_deals(&rows)
    }
    /// Upserts a company's SEC facts and recomputes its annual capex, in one transaction.
    /// Errors with [`offtake_data::Error::NoCapexTag`] (and writes nothing) when neither the
    /// stored nor the new facts hold a capex tag.
    fn import_sec(&mut self, facts: &CompanyFacts) -> Result<ImportReport>;

    /// All public deal rows with their group ids, by deal id.
    fn public_deals(&mut self) -> Result<Vec<StoredDealRow>>;
    /// Stored SEC facts of one company (every filing's copy), by tag, unit, end, start, accn.
    fn sec_facts(&mut self, cik: u64) -> Result<Vec<Fact>>;
    /// Annual capex of every stored company, by CIK and fiscal year.
    fn annual_capex(&mut self) -> Result<Vec<AnnualCapex>>;
    /// Annual capex of one company, by fiscal year.
    fn annual_capex_of(&mut self, cik: u64) -> Result<Vec<AnnualCapex>> {
        let mut capex = self.annual_capex()?;
        capex.retain(|c| c.cik == cik);
        Ok(capex)
    }
    /// Number of stored term sheets.
    fn count_term_sheets(&mut self) -> Result<usize> {
        Ok(self.list()?.len())
    }

    /// Totals over the stored public deals, with capex comparisons and evidence shares.
    fn summary(&mut self) -> Result<PortfolioSummary> {
        let stored = self.public_deals()?;
        let capex = self.annual_capex()?;
        let (rows, groups) = split_groups(stored);
        Ok(PortfolioSummary {
            n_term_sheets: self.count_term_sheets()?,
            public_deals: offtake_data::summarize(&rows, &groups, &capex),
        })
    }

    /// Groups of stored rows with several claims, each claim with value, evidence and source.
    fn conflicts(&mut self) -> Result<Vec<ConflictGroup>> {
        let (rows, groups) = split_groups(self.public_deals()?);
        Ok(offtake_data::conflicts(&rows, &groups))
    }
}

fn split_groups(stored: Vec<StoredDealRow>) -> (Vec<DealRow>, DealGroups) {
    let groups = DealGroups::from_assignments(
        stored
            .iter()
            .map(|s| (s.row.deal_id.clone(), s.group_id.clone())),
    );
    (stored.into_iter().map(|s| s.row).collect(), groups)
}
