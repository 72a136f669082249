//! Which database a location names, and opening it: a SQLite file path, or a `postgres://` /
//! `postgresql://` URL for the PostgreSQL backend. Both backends implement [`PortfolioStore`].

use std::path::{Path, PathBuf};

#[cfg(feature = "postgres")]
use crate::PgStore;
use crate::{PortfolioStore, Result, SqliteStore};

/// The backend a location string selects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Location {
    /// A `postgres://` or `postgresql://` URL (any case) is PostgreSQL; anything else is a
    /// SQLite file path.
    pub fn parse(db: &str) -> Location {
        let lower = db.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            Location::Postgres(db.to_string())
        } else {
            Location::Sqlite(PathBuf::from(db))
        }
    }

    /// The SQLite file (`None` for PostgreSQL).
    pub fn sqlite_file(&self) -> Option<&Path> {
        match self {
            Location::Sqlite(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }

    /// For messages: the file path, or the URL with any password masked.
    pub fn display(&self) -> String {
        match self {
            Location::Sqlite(path) => path.display().to_string(),
            Location::Postgres(url) => mask_password(url),
        }
    }

    /// Opens (and migrates) the database: a SQLite file (created if missing), or PostgreSQL with
    /// its tables in `pg_schema` (created if missing).
    pub fn open(&self, pg_schema: &str) -> Result<Store> {
        match self {
            Location::Sqlite(path) => SqliteStore::open(path).map(Store::Sqlite),
            #[cfg(feature = "postgres")]
            Location::Postgres(url) => {
                PgStore::connect_in_schema(url, pg_schema).map(Store::Postgres)
            }
            #[cfg(not(feature = "postgres"))]
            Location::Postgres(_) => {
                let _ = pg_schema;
                Err(crate::Error::NoPostgres)
            }
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

/// An open store of either backend.
pub enum Store {
    Sqlite(SqliteStore),
    #[cfg(feature = "postgres")]
    Postgres(PgStore),
}

impl Store {
    pub fn portfolio(&mut self) -> &mut dyn PortfolioStore {
        match self {
            Store::Sqlite(s) => s,
            #[cfg(feature = "postgres")]
            Store::Postgres(s) => s,
        }
    }

    /// The schema version recorded in the database.
    pub fn schema_version(&mut self) -> Result<i64> {
        match self {
            Store::Sqlite(s) => s.schema_version(),
            #[cfg(feature = "postgres")]
            Store::Postgres(s) => s.schema_version(),
        }
    }
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
        assert_eq!(
            Location::parse("postgresql://a:b@h/x").display(),
            "postgresql://a:***@h/x"
        );
    }
}
