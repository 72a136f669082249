//! The store suite against PostgreSQL (feature `postgres`), each test in a fresh schema.
//! Skipped, with a note on stderr, unless OFFTAKE_TEST_POSTGRES_URL is set
//! (e.g. `postgres://postgres@127.0.0.1:5432/postgres`).

mod common;

use std::io::Write;

/// Written straight to stderr so the note shows even when libtest captures test output.
fn note_skipped(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED postgres test {test}: {why}");
}

#[cfg(not(feature = "postgres"))]
#[test]
fn postgres_suite() {
    note_skipped(
        "suite",
        "offtake-store was built without `--features postgres`",
    );
}

#[cfg(feature = "postgres")]
mod pg {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use offtake_store::{Error, PgStore, PortfolioStore, SCHEMA_VERSION};

    use super::{common, note_skipped};

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

    pub fn fresh(test: &str) -> Option<(Schema, PgStore)> {
        let Ok(url) = std::env::var(URL_VAR) else {
            note_skipped(test, &format!("{URL_VAR} is not set"));
            return None;
        };
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
                fn $name() {
                    let Some((_schema, mut store)) = fresh(stringify!($name)) else { return };
                    common::$name(&mut store);
                }
            )+
        };
    }

    common::each_suite_test!(suite);

    #[test]
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
}
