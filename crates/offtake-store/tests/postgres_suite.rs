//! The store suite against PostgreSQL (feature `postgres`), each test in a fresh schema.
//!
//! The tests that need a server are `#[ignore]`d, so a plain `cargo test` reports them as
//! ignored, never as passed. Run them with a server:
//! `OFFTAKE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p
//! offtake-store --features postgres --test postgres_suite -- --ignored` (`.ci/run` does, and
//! fails under CI when it cannot start a server). Run so without the variable, they fail.

mod common;

#[cfg(feature = "postgres")]
mod pg {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use offtake_store::{Error, PgStore, PortfolioStore, SCHEMA_VERSION};

    use super::common;

    const URL_VAR: &str = "OFFTAKE_TEST_POSTGRES_URL";
    static NEXT: AtomicUsize = AtomicUsize::new(0);

    /// Drops the test schema when the test ends.
    pub struct Schema {
        url: String,
        pub name: String,
    }

    impl Drop for Schema {
        fn drop(&mut self) {
            if let Ok(mut client) = postgres::Client::connect(&self.url, postgres::NoTls) {
                let _ =
                    client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
            }
        }
    }

    /// The server's URL: a test run with `--ignored` needs one.
    fn url() -> String {
        std::env::var(URL_VAR).unwrap_or_else(|_| {
            panic!(
                "{URL_VAR} is not set: these tests need a PostgreSQL server (see the module doc)"
            )
        })
    }

    pub fn fresh(_test: &str) -> Option<(Schema, PgStore)> {
        let url = url();
        let name = format!(
            "offtake_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let store = PgStore::connect_in_schema(&url, &name).unwrap();
        Some((Schema { url, name }, store))
    }

    macro_rules! suite {
        ($($name:ident),+ $(,)?) => {
            $(
                #[test]
                #[ignore = "needs PostgreSQL: set OFFTAKE_TEST_POSTGRES_URL and run with --ignored"]
                fn $name() {
                    let Some((_schema, mut store)) = fresh(stringify!($name)) else { return };
                    common::$name(&mut store);
                }
            )+
        };
    }

    common::each_suite_test!(suite);

    #[test]
    #[ignore = "needs PostgreSQL: set OFFTAKE_TEST_POSTGRES_URL and run with --ignored"]
    fn reconnecting_keeps_schema_and_data() {
        let Some((schema, mut store)) = fresh("reconnecting_keeps_schema_and_data") else {
            return;
        };
        assert_eq!(store.schema_version().unwrap(), i64::from(SCHEMA_VERSION));
        store.import_deals_csv(common::DEALS_CSV).unwrap();
        drop(store);
        let url = std::env::var(URL_VAR).unwrap();
        let mut again = PgStore::connect_in_schema(&url, &schema.name).unwrap();
        assert_eq!(again.public_deals().unwrap().len(), 79);
        assert!(matches!(
            PgStore::connect_in_schema(&url, "Robert'); DROP TABLE x;--"),
            Err(Error::InvalidSchemaName { .. })
        ));
    }

    #[test]
    #[ignore = "needs PostgreSQL: set OFFTAKE_TEST_POSTGRES_URL and run with --ignored"]
    fn concurrent_connections_lose_nothing() {
        let Some((schema, _store)) = fresh("concurrent_connections_lose_nothing") else {
            return;
        };
        let url = std::env::var(URL_VAR).unwrap();
        let handles: Vec<_> = ["a", "b", "c"]
            .into_iter()
            .map(|prefix| {
                let (url, name) = (url.clone(), schema.name.clone());
                std::thread::spawn(move || {
                    let mut store = PgStore::connect_in_schema(&url, &name).unwrap();
                    let validated = serde_json::json!({});
                    let mut added = 0;
                    for i in 0..20 {
                        let id = format!("{prefix}-{i}");
                        store
                            .add(&common::new_sheet(
                                common::TERM_SHEET,
                                &id,
                                &validated,
                                None,
                            ))
                            .unwrap();
                        added += 1;
                        if i % 5 == 0 {
                            store.import_deals_csv(common::DEALS_CSV).unwrap();
                        }
                    }
                    added
                })
            })
            .collect();
        let added: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        let mut store = PgStore::connect_in_schema(&url, &schema.name).unwrap();
        assert_eq!(store.list().unwrap().len(), added);
        assert_eq!(store.public_deals().unwrap().len(), 79);
    }

    /// The server's reason, not the client's bare "db error" (issue 13).
    #[test]
    #[ignore = "needs PostgreSQL: set OFFTAKE_TEST_POSTGRES_URL and run with --ignored"]
    fn a_failed_connection_says_the_servers_reason() {
        let url = url();
        let (base, _db) = url.rsplit_once('/').expect("a URL with a database");
        let message = |u: &str| match PgStore::connect(u) {
            Ok(_) => panic!("connected to {u}"),
            Err(e) => e.to_string(),
        };
        let no_db = message(&format!("{base}/offtake_no_such_database"));
        assert!(
            no_db.contains("database \"offtake_no_such_database\" does not exist"),
            "{no_db}"
        );
        assert!(!no_db.ends_with("db error"), "{no_db}");
        let host = base.rsplit_once('@').map_or(base, |(_, h)| h);
        let no_role = message(&format!("postgres://offtake_no_such_role@{host}/postgres"));
        assert!(
            no_role.contains("role \"offtake_no_such_role\" does not exist"),
            "{no_role}"
        );
    }
}

/// Without a server at all: the cause is said (connection refused), not just "error connecting".
#[cfg(feature = "postgres")]
#[test]
fn a_refused_connection_says_why() {
    // Port 9 (discard) on the loopback: nothing listens there on a test machine.
    let e = match offtake_store::PgStore::connect("postgres://postgres@127.0.0.1:9/postgres") {
        Ok(_) => panic!("connected to port 9"),
        Err(e) => e.to_string(),
    };
    assert!(
        e.starts_with("PostgreSQL: error connecting to server: "),
        "{e}"
    );
    assert!(e.to_lowercase().contains("refused"), "{e}");
}
