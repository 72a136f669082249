//! Which portfolio database a command uses, and `offtake db info`.
//!
//! `--db` (or env `OFFTAKE_DB`, default `./offtake.db`) is a SQLite file path, or a
//! `postgres://` / `postgresql://` URL for the PostgreSQL backend ([`Location`]). Both backends
//! implement [`PortfolioStore`], so every portfolio, deals and sec command works on either.

use std::path::{Path, PathBuf};

use offtake_store::{Location, PortfolioStore, SCHEMA_VERSION, Store};

use offtake_report::database::{Contents, info_text};

use crate::error::{CliError, CliResult};
use crate::output::print_out;

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
        Location::parse(&self.db)
            .sqlite_file()
            .map(Path::to_path_buf)
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

/// Whether a command may create the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Writes: a missing SQLite file is created (and migrated).
    Write,
    /// Reads only: a missing SQLite file is an error, not silently created empty.
    Read,
}

/// Opens (and migrates) the database `args` selects. A missing SQLite file is an error for
/// [`Access::Read`] (exit 1); a store error keeps its exit code.
pub fn open(args: &DbArgs, access: Access) -> CliResult<Store> {
    let location = Location::parse(&args.db);
    let wrap = |e: offtake_store::Error| {
        let message = format!("opening the portfolio database {}: {e}", location.display());
        CliError::from_store(&e, message)
    };
    if let Location::Sqlite(path) = &location
        && access == Access::Read
        && !path.exists()
    {
        return Err(CliError::failure(format!(
            "no portfolio database at {}: add a term sheet or import data first, or pick \
             another with --db PATH (env OFFTAKE_DB)",
            path.display()
        )));
    }
    location.open(&args.db_schema).map_err(wrap)
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
    let schema_version = (store.schema_version()?, SCHEMA_VERSION);
    let s = store.portfolio();
    let capex = s.annual_capex()?;
    let contents = Contents {
        schema_version,
        term_sheets: s.count_term_sheets()?,
        public_deal_rows: s.public_deals()?.len(),
        capex: &capex,
    };
    print_out(&info_text(&location.display(), &backend, &contents))
}
