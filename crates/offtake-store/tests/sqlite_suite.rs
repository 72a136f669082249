//! The store suite against SQLite files, plus SQLite specifics: WAL, busy timeout, migrations.

mod common;

use offtake_store::{Error, PortfolioStore, SCHEMA_VERSION, SqliteStore};

fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("portfolio.db")).unwrap();
    (dir, store)
}

macro_rules! suite {
    ($($name:ident),+ $(,)?) => {
        $(
            #[test]
            fn $name() {
                let (_dir, mut store) = fresh();
                common::$name(&mut store);
            }
        )+
    };
}

common::each_suite_test!(suite);

#[test]
fn opens_in_wal_mode_at_the_current_schema() {
    let (dir, store) = fresh();
    assert_eq!(store.journal_mode().unwrap(), "wal");
    assert_eq!(store.schema_version().unwrap(), i64::from(SCHEMA_VERSION));
    drop(store);
    // Reopening does not migrate again and keeps the data.
    let mut store = SqliteStore::open(dir.path().join("portfolio.db")).unwrap();
    store.import_deals_csv(common::DEALS_CSV).unwrap();
    drop(store);
    let mut store = SqliteStore::open(dir.path().join("portfolio.db")).unwrap();
    assert_eq!(store.public_deals().unwrap().len(), 79);
}

#[test]
fn a_version_1_database_is_migrated_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // What a build with only migration 1 left behind.
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE term_sheet (
                id INTEGER PRIMARY KEY AUTOINCREMENT, deal_id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL, buyer TEXT NOT NULL, provider TEXT NOT NULL,
                toml_text TEXT NOT NULL, validated_json TEXT NOT NULL, result_json TEXT,
                added_at TEXT NOT NULL);
             INSERT INTO term_sheet (deal_id, name, buyer, provider, toml_text, validated_json, added_at)
                VALUES ('d', 'n', 'b', 'p', 'x = 1', '{}', '2026-01-01T00:00:00Z');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), i64::from(SCHEMA_VERSION));
    assert_eq!(store.api_token().unwrap(), None);
    assert_eq!(store.export(1).unwrap(), "x = 1");
    store.import_deals_csv(common::DEALS_CSV).unwrap();
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("PRAGMA user_version = 99;")
        .unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(err, Error::SchemaTooNew { found: 99, .. }),
        "{err}"
    );
}

#[test]
fn a_held_write_lock_gives_a_clear_busy_error_and_writes_nothing() {
    let (dir, mut store) = fresh();
    let path = dir.path().join("portfolio.db");
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE;").unwrap();
    let mut waiting =
        SqliteStore::open_with_timeout(&path, std::time::Duration::from_millis(200)).unwrap();
    let started = std::time::Instant::now();
    let err = waiting.import_deals_csv(common::DEALS_CSV).unwrap_err();
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    assert!(err.to_string().starts_with("database is busy"), "{err}");
    blocker.execute_batch("ROLLBACK;").unwrap();
    assert!(store.public_deals().unwrap().is_empty());
    // Once the lock is gone the same import goes through.
    waiting.import_deals_csv(common::DEALS_CSV).unwrap();
    assert_eq!(store.public_deals().unwrap().len(), 79);
}
