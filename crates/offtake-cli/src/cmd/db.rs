//! Which portfolio database a command uses, and `offtake db info`.
//!
//! `--db` (or env `OFFTAKE_DB`, default `./offtake.db`) is a SQLite file path, or a
//! `postgres://` / `postgresql://` URL for the PostgreSQL backend. Both backends implement
//! [`PortfolioStore`], so every portfolio, deals and sec command works on either.

use std::path::PathBuf;

use offtake_store::{PgStore, PortfolioStore, SCHEMA_VERSION, SqliteStore};

use crate::error::{CliError, CliResult};

/// The database flags shared by `portfolio`, `deals`, `sec` and `db` (global: they may follow
/// any of their subcommands).
#[derive(clap::Args, Debug, Clone)]
pub struct DbArgs {
    /// Portfolio database: a SQLite file, or a postgres:// (postgresql://) URL.
    #[arg(
        long,
        global = true,
        env = "OFFTAKE_DB",
        hide_env_values = true,
        default_value = "offtake.db",
        value_name = "PATH|URL"
    )]
    pub db: String,
    /// PostgreSQL schema holding the tables (created if missing; ignored for SQLite).
    #[arg(
        long,
        global = true,
        env = "OFFTAKE_DB_SCHEMA",
        hide_env_values = true,
        default_value = "public",
        value_name = "NAME"
    )]
    pub db_schema: String,
}

impl DbArgs {
    /// The SQLite file, an input no output may replace (`None` for PostgreSQL).
    pub fn sqlite_file(&self) -> Option<PathBuf> {
        match Location::parse(&self.db) {
            Location::Sqlite(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }
}

/// The arguments of a database command group (`portfolio`, `deals`, `sec`, `db`): the shared
/// [`DbArgs`] and the group's subcommand `C`.
#[derive(clap::Args)]
pub struct WithDb<C: clap::Subcommand> {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: C,
}

/// The backend `--db` selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    pub fn parse(db: &str) -> Location {
        let lower = db.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Location::Postgres(db.to_string())
        } else {
            Location::Sqlite(PathBuf::from(db))
        }
    }

    /// For messages: the file path, or the URL with any password masked.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => mask_password(url),
        }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn mask_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let Some(at) = rest[..authority_end].rfind('@') else {
        return url.to_string();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

/// Whether a command may create the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Writes: a missing SQLite file is created (and migrated).
    Write,
    /// Reads only: a missing SQLite file is an error, not silently created empty.
    Read,
}

/// An open store of either backend.
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Store {
    pub fn portfolio(&mut self) -> &mut dyn PortfolioStore {
        match self {
            Store::Sqlite(s) => s,
            Store::Postgres(s) => s,
        }
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&mut self) -> offtake_store::Result<i64> {
        match self {
            Store::Sqlite(s) => s.schema_version(),
            Store::Postgres(s) => s.schema_version(),
        }
    }
}

/// Opens (and migrates) the database `args` selects. A missing SQLite file is an error for
/// [`Access::Read`] (exit 1); a store error keeps its exit code.
pub fn open(args: &DbArgs, access: Access) -> CliResult<Store> {
    let location = Location::parse(&args.db);
    let wrap = |e: offtake_store::Error| {
        let message = format!("opening the portfolio database {}: {e}", location.display());
        CliError::from_store(&e, message)
    };
    match &location {
        Location::Sqlite(path) => {
            if access == Access::Read && !path.exists() {
                return Err(CliError::failure(format!(
                    "no portfolio database at {}: add a term sheet or import data first, or pick \
                     another with --db PATH (env OFFTAKE_DB)",
                    path.display()
                )));
            }
            SqliteStore::open(path).map(Store::Sqlite).map_err(wrap)
        }
        Location::Postgres(url) => PgStore::connect_in_schema(url, &args.db_schema)
            .map(Store::Postgres)
            .map_err(wrap),
    }
}

/// Opens the database and runs `f` on it.
pub fn with_store(
    args: &DbArgs,
    access: Access,
    f: impl FnOnce(&mut dyn PortfolioStore) -> CliResult,
) -> CliResult {
    let mut store = open(args, access)?;
    f(store.portfolio())
}

pub type Args = WithDb<Command>;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Show which database is used, its schema version and what it holds.
    Info,
}

pub fn run(args: &Args) -> CliResult {
    match args.command {
        Command::Info => info(&args.db),
    }
}

fn info(args: &DbArgs) -> CliResult {
    let location = Location::parse(&args.db);
    let mut store = open(args, Access::Read)?;
    let backend = match &store {
        Store::Sqlite(_) => "SQLite".to_string(),
        Store::Postgres(_) => format!("PostgreSQL, schema {}", args.db_schema),
    };
    let version = store.schema_version()?;
    let s = store.portfolio();
    let (sheets, deals, capex) = (
        s.count_term_sheets()?,
        s.public_deals()?.len(),
        s.annual_capex()?,
    );
    let mut companies: Vec<u64> = capex.iter().map(|c| c.cik).collect();
    companies.dedup();
    println!("database        {} ({backend})", location.display());
    println!("schema version  {version} (this build writes {SCHEMA_VERSION})");
    println!("term sheets     {sheets}");
    println!("public deals    {deals} rows");
    println!(
        "annual capex    {} fiscal years of {} companies",
        capex.len(),
        companies.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_select_postgres_and_paths_sqlite() {
        for url in [
            "postgres://u@h/db",
            "postgresql://u@h:5432/db",
            "POSTGRES://u@h/db",
        ] {
            assert_eq!(Location::parse(url), Location::Postgres(url.to_string()));
        }
        for path in ["offtake.db", "./postgres/x.db", "/tmp/postgres:1.db"] {
            assert_eq!(Location::parse(path), Location::Sqlite(PathBuf::from(path)));
        }
    }

    #[test]
    fn passwords_are_masked() {
        assert_eq!(
            mask_password("postgres://me:s3cr@t@db.example:5432/x?sslmode=disable"),
            "postgres://me:***@db.example:5432/x?sslmode=disable"
        );
        assert_eq!(
            mask_password("postgres://me@localhost/x"),
            "postgres://me@localhost/x"
        );
        assert_eq!(mask_password("postgres://host/x"), "postgres://host/x");
    }
}
