//! The backend-neutral store test suite: each function takes a fresh, empty store.

#![allow(dead_code)]

use offtake_data::{
    CompanyFacts, DealRow, Fact, group_deals, parse_companyfacts, parse_deals_csv, summarize,
};
use offtake_store::{Added, ApiToken, Error, NewTermSheet, OnDuplicate, PortfolioStore};
use serde_json::json;

pub const DEALS_CSV: &str = include_str!("../fixtures/public_deals.csv");
pub const MSFT: &str = include_str!("../fixtures/msft_companyfacts_trimmed.json");
pub const META: &str = include_str!("../fixtures/meta_companyfacts_trimmed.json");
pub const GOOGL: &str = include_str!("../fixtures/googl_companyfacts_trimmed.json");
pub const TERM_SHEET: &str = include_str!("../fixtures/amazon-anthropic-2026.toml");

/// Calls `$suite!` with the name of every backend-neutral test below, so each backend's test
/// file runs the same list. (Like the functions, unused in test files that run none of them.)
#[allow(unused_macros)]
macro_rules! each_suite_test {
    ($suite:ident) => {
        $suite!(
            term_sheets_round_trip,
            add_many_is_all_or_nothing,
            deal_import_is_idempotent,
            bad_csv_imports_nothing,
            failed_write_rolls_back,
            sec_import_keeps_revisions_and_is_idempotent,
            sec_without_capex_writes_nothing,
            summary_and_conflicts,
            api_token_is_kept_once_and_replaced,
        );
    };
}
#[allow(unused_imports)]
pub(crate) use each_suite_test;

/// The real deal list with one cell replaced (row numbers count the header as row 1).
pub fn csv_with_cell(row: usize, column: &str, value: &str) -> String {
    let mut reader = csv::Reader::from_reader(DEALS_CSV.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = header.iter().position(|h| h == column).unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for (i, record) in reader.records().enumerate() {
        let mut fields: Vec<String> = record.unwrap().iter().map(str::to_string).collect();
        if i + 2 == row {
            fields[col] = value.to_string();
        }
        writer.write_record(&fields).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

pub fn new_sheet<'a>(
    toml_text: &'a str,
    deal_id: &'a str,
    validated: &'a serde_json::Value,
    result: Option<&'a serde_json::Value>,
) -> NewTermSheet<'a> {
    NewTermSheet {
        toml_text,
        deal_id,
        name: "Amazon–Anthropic expanded strategic collaboration",
        buyer: "Anthropic",
        provider: "Amazon Web Services",
        validated,
        result,
        added_at: chrono::DateTime::UNIX_EPOCH,
    }
}

/// Everything a store holds that the suite can see, for before/after comparisons.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub term_sheets: Vec<offtake_store::TermSheet>,
    pub deals: Vec<offtake_store::StoredDealRow>,
    pub capex: Vec<offtake_data::AnnualCapex>,
    pub facts: Vec<Vec<Fact>>,
}

pub fn snapshot(store: &mut dyn PortfolioStore) -> Snapshot {
    let ids: Vec<i64> = store.list().unwrap().iter().map(|t| t.id).collect();
    Snapshot {
        term_sheets: ids.into_iter().map(|id| store.show(id).unwrap()).collect(),
        deals: store.public_deals().unwrap(),
        capex: store.annual_capex().unwrap(),
        facts: [789_019, 1_326_801, 1_652_044, 999_999]
            .into_iter()
            .map(|cik| store.sec_facts(cik).unwrap())
            .collect(),
    }
}

pub fn term_sheets_round_trip(store: &mut dyn PortfolioStore) {
    let validated = json!({"deal": {"id": "amazon-anthropic-2026"}, "term_months": 120});
    let result = json!({"npv": -1.5e9, "verdict": "decline"});
    let id = store
        .add(&new_sheet(
            TERM_SHEET,
            "amazon-anthropic-2026",
            &validated,
            Some(&result),
        ))
        .unwrap();
    // Bytes that a re-serialisation would lose: CRLF, tabs, trailing spaces, no final newline,
    // non-ASCII, comments and odd key order.
    let odd = "# comment \t\r\n[deal]\r\nid = \"odd\"   \r\nname='Ünïcode – “quotes”'\n\n\n[pricing]\nlist_price=2.0 # trailing";
    let odd_id = store.add(&new_sheet(odd, "odd", &validated, None)).unwrap();
    assert_ne!(id, odd_id);

    assert_eq!(store.export(id).unwrap().as_bytes(), TERM_SHEET.as_bytes());
    assert_eq!(store.export(odd_id).unwrap().as_bytes(), odd.as_bytes());

    let list = store.list().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, id);
    assert_eq!(list[0].deal_id, "amazon-anthropic-2026");
    assert_eq!(list[0].provider, "Amazon Web Services");
    assert!(list[0].has_result);
    assert!(!list[1].has_result);
    // The caller's timestamp, stored as given (the store reads no clock).
    assert_eq!(list[0].added_at, "1970-01-01T00:00:00+00:00");

    let shown = store.show(id).unwrap();
    assert_eq!(shown.validated, validated);
    assert_eq!(shown.result, Some(result));
    assert_eq!(shown.toml_text, TERM_SHEET);

    let err = store
        .add(&new_sheet(
            TERM_SHEET,
            "amazon-anthropic-2026",
            &validated,
            None,
        ))
        .unwrap_err();
    assert!(
        matches!(err, Error::DuplicateDeal { id: dup, .. } if dup == id),
        "{err}"
    );

    let rerun = json!({"npv": 2.0e9});
    store.set_result(odd_id, &rerun).unwrap();
    assert_eq!(store.show(odd_id).unwrap().result, Some(rerun));

    store.remove(id).unwrap();
    assert!(matches!(store.show(id), Err(Error::NotFound { id: i }) if i == id));
    assert!(matches!(store.export(id), Err(Error::NotFound { .. })));
    assert!(matches!(store.remove(id), Err(Error::NotFound { .. })));
    assert!(matches!(
        store.set_result(id, &json!(1)),
        Err(Error::NotFound { .. })
    ));
    assert_eq!(store.count_term_sheets().unwrap(), 1);
    assert_eq!(
        Error::NotFound { id: 42 }.to_string(),
        "no term sheet with id 42 in the portfolio"
    );
}

pub fn add_many_is_all_or_nothing(store: &mut dyn PortfolioStore) {
    let validated = json!({"v": 1});
    let first = store
        .add(&new_sheet(TERM_SHEET, "a", &validated, None))
        .unwrap();
    let before = snapshot(store);

    // A stored deal id later in the batch: the new sheet before it is not written either.
    let err = store
        .add_many(
            &[
                new_sheet("b = 1", "b", &validated, None),
                new_sheet("a = 2", "a", &validated, None),
            ],
            OnDuplicate::Refuse,
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::DuplicateDeal { deal_id, id } if deal_id == "a" && *id == first),
        "{err}"
    );
    assert_eq!(snapshot(store), before);

    // The same deal id twice in one batch is refused even with Replace.
    let err = store
        .add_many(
            &[
                new_sheet("b = 1", "b", &validated, None),
                new_sheet("b = 2", "b", &validated, None),
            ],
            OnDuplicate::Replace,
        )
        .unwrap_err();
    assert!(matches!(err, Error::DuplicateRow { .. }), "{err}");
    assert_eq!(snapshot(store), before);

    // Replace overwrites in place (same id) and adds the new one, in the order given.
    let result = json!({"npv": 3.0});
    let added = store
        .add_many(
            &[
                new_sheet("b = 1\r\n", "b", &validated, None),
                new_sheet("a = 2", "a", &json!({"v": 2}), Some(&result)),
            ],
            OnDuplicate::Replace,
        )
        .unwrap();
    assert_eq!(added.len(), 2);
    assert_eq!((added[0].deal_id.as_str(), added[0].replaced), ("b", false));
    assert_ne!(added[0].id, first);
    assert_eq!(
        added[1],
        Added {
            id: first,
            deal_id: "a".into(),
            replaced: true
        }
    );
    assert_eq!(store.export(first).unwrap(), "a = 2");
    assert_eq!(store.export(added[0].id).unwrap(), "b = 1\r\n");
    let shown = store.show(first).unwrap();
    assert_eq!(shown.validated, json!({"v": 2}));
    assert_eq!(shown.result, Some(result));
    assert_eq!(store.count_term_sheets().unwrap(), 2);
    assert!(store.add_many(&[], OnDuplicate::Refuse).unwrap().is_empty());
}

pub fn deal_import_is_idempotent(store: &mut dyn PortfolioStore) {
    let report = store.import_deals_csv(DEALS_CSV).unwrap();
    assert_eq!(
        (report.inserted, report.updated, report.unchanged),
        (79, 0, 0)
    );
    let first = snapshot(store);
    assert_eq!(first.deals.len(), 79);
    // Stored groups are the data crate's grouping of the same rows.
    let rows = parse_deals_csv(DEALS_CSV).unwrap();
    let groups = group_deals(&rows);
    for stored in &first.deals {
        assert_eq!(
            Some(stored.group_id.as_str()),
            groups.group_of(&stored.row.deal_id)
        );
    }
    // Evidence and sources survive the round trip exactly.
    let by_id = |id: &str| first.deals.iter().find(|d| d.row.deal_id == id).unwrap();
    let original = rows
        .iter()
        .find(|r| r.deal_id == "AMD-META-2026-02-VAL60")
        .unwrap();
    assert_eq!(&by_id("AMD-META-2026-02-VAL60").row, original);

    let again = store.import_deals_csv(DEALS_CSV).unwrap();
    assert!(again.is_noop(), "{again:?}");
    assert_eq!(again.unchanged, 79);
    assert_eq!(snapshot(store), first);

    // Changing one row updates exactly that row; its group is unchanged.
    let changed = csv_with_cell(57, "source_title", "A corrected title");
    let report = store.import_deals_csv(&changed).unwrap();
    assert_eq!(
        (report.inserted, report.updated, report.unchanged),
        (0, 1, 78)
    );
    assert_eq!(report.derived_changed, 0);
}

pub fn bad_csv_imports_nothing(store: &mut dyn PortfolioStore) {
    let bad = csv_with_cell(57, "committed_value_usd", "fifty billion");
    let err = store.import_deals_csv(&bad).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("row 57, column committed_value_usd: "),
        "{err}"
    );
    assert!(store.public_deals().unwrap().is_empty());

    store.import_deals_csv(DEALS_CSV).unwrap();
    let before = snapshot(store);
    // Good edits on early rows plus a bad row later: none of it lands.
    let mut text = csv_with_cell(3, "source_title", "edited");
    text = text.replacen("MSFT-OAI-2023-01,", "MSFT-OAI-2023-01-NEW,", 1);
    let bad_later = {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().unwrap().clone();
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&header).unwrap();
        for (i, r) in reader.records().enumerate() {
            let mut f: Vec<String> = r.unwrap().iter().map(str::to_string).collect();
            if i + 2 == 70 {
                f[14] = "rumour".into(); // evidence
            }
            writer.write_record(&f).unwrap();
        }
        String::from_utf8(writer.into_inner().unwrap()).unwrap()
    };
    let err = store.import_deals_csv(&bad_later).unwrap_err();
    assert!(
        err.to_string().starts_with("row 70, column evidence: "),
        "{err}"
    );
    assert_eq!(snapshot(store), before);
}

pub fn failed_write_rolls_back(store: &mut dyn PortfolioStore) {
    store.import_deals_csv(DEALS_CSV).unwrap();
    let before = snapshot(store);
    // Rows that pass the parser's types but break a database constraint at the very end, after
    // every other row was written inside the transaction.
    let mut rows: Vec<DealRow> = parse_deals_csv(DEALS_CSV).unwrap();
    for r in &mut rows {
        r.source_title.push_str(" (edited)");
    }
    let mut poison = rows[0].clone();
    poison.deal_id = "ZZZ-POISON".into();
    poison.committed_value_usd = Some(-1.0);
    rows.push(poison);
    let err = store.import_deals(&rows).unwrap_err();
    assert!(!matches!(err, Error::Busy { .. }), "{err}");
    assert_eq!(snapshot(store), before);

    // Duplicate ids in one import are refused before anything is written.
    let rows = parse_deals_csv(DEALS_CSV).unwrap();
    let mut doubled = rows.clone();
    doubled.push(rows[5].clone());
    assert!(matches!(
        store.import_deals(&doubled),
        Err(Error::DuplicateRow { .. })
    ));
    assert_eq!(snapshot(store), before);
}

pub fn sec_import_keeps_revisions_and_is_idempotent(store: &mut dyn PortfolioStore) {
    let meta = parse_companyfacts(META).unwrap();
    let report = store.import_sec(&meta).unwrap();
    assert_eq!(report.inserted, meta.facts.len());
    store
        .import_sec(&parse_companyfacts(MSFT).unwrap())
        .unwrap();
    store
        .import_sec(&parse_companyfacts(GOOGL).unwrap())
        .unwrap();

    let capex = store.annual_capex().unwrap();
    let get = |cik: u64, fy: i32| {
        capex
            .iter()
            .find(|c| c.cik == cik && c.fiscal_year == fy)
            .unwrap_or_else(|| panic!("{cik} FY{fy}"))
    };
    // shared/data/sec/README.md table.
    assert_eq!(get(789_019, 2025).value_usd, 64_551_000_000.0);
    assert_eq!(get(1_652_044, 2025).value_usd, 91_447_000_000.0);
    assert_eq!(get(1_326_801, 2025).value_usd, 69_691_000_000.0);
    let meta23 = get(1_326_801, 2023);
    assert_eq!(meta23.value_usd, 27_045_000_000.0);
    assert_eq!(meta23.first_reported_usd(), 27_266_000_000.0);
    assert_eq!(meta23.revisions.len(), 2);
    // Every filing's copy is stored: both FY2023 values are there.
    let facts = store.sec_facts(1_326_801).unwrap();
    let fy2023: Vec<f64> = facts
        .iter()
        .filter(|f| {
            f.tag == "PaymentsToAcquirePropertyPlantAndEquipment"
                && f.start.map(|d| d.to_string()).as_deref() == Some("2023-01-01")
                && f.end.to_string() == "2023-12-31"
        })
        .map(|f| f.val)
        .collect();
    assert_eq!(
        fy2023,
        vec![27_266_000_000.0, 27_045_000_000.0, 27_045_000_000.0]
    );
    assert_eq!(facts.len(), meta.facts.len());

    let before = snapshot(store);
    let again = store.import_sec(&meta).unwrap();
    assert!(again.is_noop(), "{again:?}");
    assert_eq!(snapshot(store), before);

    // An older snapshot of the same company (the 2026 10-K not yet filed) adds nothing and does
    // not undo the revision: capex is computed from every stored fact.
    let older = CompanyFacts {
        facts: meta
            .facts
            .iter()
            .filter(|f| f.filed.to_string().as_str() < "2026-01-01")
            .cloned()
            .collect(),
        ..meta.clone()
    };
    let report = store.import_sec(&older).unwrap();
    assert!(report.is_noop(), "{report:?}");
    assert_eq!(snapshot(store), before);
}

pub fn sec_without_capex_writes_nothing(store: &mut dyn PortfolioStore) {
    let mut facts = parse_companyfacts(META).unwrap();
    facts.cik = 999_999;
    facts
        .facts
        .retain(|f| !f.tag.starts_with("PaymentsToAcquire"));
    let err = store.import_sec(&facts).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Data(offtake_data::Error::NoCapexTag { cik: 999_999, .. })
        ),
        "{err:?}"
    );
    assert!(store.sec_facts(999_999).unwrap().is_empty());
}

pub fn summary_and_conflicts(store: &mut dyn PortfolioStore) {
    store.import_deals_csv(DEALS_CSV).unwrap();
    for doc in [MSFT, META, GOOGL] {
        store.import_sec(&parse_companyfacts(doc).unwrap()).unwrap();
    }
    let validated = json!({});
    store
        .add(&new_sheet(
            TERM_SHEET,
            "amazon-anthropic-2026",
            &validated,
            None,
        ))
        .unwrap();
    let summary = store.summary().unwrap();
    assert_eq!(summary.n_term_sheets, 1);

    // Same figures as the data crate computes from the file directly.
    let rows = parse_deals_csv(DEALS_CSV).unwrap();
    let mut capex = Vec::new();
    for doc in [MSFT, META, GOOGL] {
        capex.extend(offtake_data::annual_capex(&parse_companyfacts(doc).unwrap()).unwrap());
    }
    let direct = summarize(&rows, &group_deals(&rows), &capex);
    assert_eq!(summary.public_deals.committed_usd, direct.committed_usd);
    assert_eq!(
        summary.public_deals.commitments_vs_capex,
        direct.commitments_vs_capex
    );
    assert_eq!(
        summary.public_deals.committed_by_year_usd,
        direct.committed_by_year_usd
    );

    let azure = &summary.public_deals.committed_by_provider_usd["Microsoft Azure"];
    assert_eq!((azure.low, azure.high), (280e9, 280e9));
    let msft = summary
        .public_deals
        .commitments_vs_capex
        .iter()
        .find(|c| c.ticker == "MSFT")
        .unwrap();
    assert_eq!(msft.latest_capex.as_ref().unwrap().fiscal_year, 2026);

    let conflicts = store.conflicts().unwrap();
    let amd = conflicts
        .iter()
        .find(|c| c.group_id == "AMD-META-2026-02")
        .unwrap();
    let r = amd.committed_usd.unwrap();
    assert_eq!((r.low, r.high), (60e9, 100e9));
    assert!(amd.claims.iter().all(|c| !c.source_title.is_empty()));
    // The summary serialises (the CLI prints it as JSON).
    let text = serde_json::to_string(&summary).unwrap();
    assert!(text.contains("\"disclosed_share_high\""));
}

/// The server's write token: none at first; the first `init` stores it, a second `init` keeps
/// the first (and says so); `replace` overwrites it.
pub fn api_token_is_kept_once_and_replaced(store: &mut dyn PortfolioStore) {
    assert_eq!(store.api_token().unwrap(), None);
    let first = ApiToken {
        salt_hex: "00ff".into(),
        sha256_hex: "ab".repeat(32),
        created_at: "2026-12-07T00:00:00Z".into(),
    };
    assert!(store.init_api_token(&first).unwrap());
    let second = ApiToken {
        salt_hex: "11ee".into(),
        sha256_hex: "cd".repeat(32),
        created_at: "2026-12-08T00:00:00Z".into(),
    };
    assert!(!store.init_api_token(&second).unwrap());
    assert_eq!(store.api_token().unwrap(), Some(first));
    store.replace_api_token(&second).unwrap();
    assert_eq!(store.api_token().unwrap(), Some(second));
}
