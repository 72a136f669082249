//! SEC XBRL on the real files: capex per fiscal year against the table in shared/data/sec/README.md.

use offtake_data::{
    AnnualCapex, Error, annual_capex, parse_companyconcept, parse_companyfacts, period_values,
};

const MSFT: &str = include_str!("fixtures/msft_companyfacts_trimmed.json");
const GOOGL: &str = include_str!("fixtures/googl_companyfacts_trimmed.json");
const META: &str = include_str!("fixtures/meta_companyfacts_trimmed.json");
const AAPL: &str = include_str!("fixtures/aapl_companyfacts_subset.json");
const AAPL_SHARES: &str = include_str!("fixtures/aapl_dei_EntityCommonStockSharesOutstanding.json");

fn year(capex: &[AnnualCapex], fy: i32) -> &AnnualCapex {
    capex
        .iter()
        .find(|c| c.fiscal_year == fy)
        .unwrap_or_else(|| panic!("no FY{fy}"))
}

#[test]
fn msft_capex_by_fiscal_year() {
    let facts = parse_companyfacts(MSFT).unwrap();
    assert_eq!(facts.cik, 789_019);
    assert_eq!(facts.entity_name, "MICROSOFT CORPORATION");
    let capex = annual_capex(&facts).unwrap();
    let fy: Vec<(i32, f64)> = capex.iter().map(|c| (c.fiscal_year, c.value_usd)).collect();
    // README table: FY2023..FY2026.
    assert_eq!(
        fy,
        vec![
            (2023, 28_107_000_000.0),
            (2024, 44_477_000_000.0),
            (2025, 64_551_000_000.0),
            (2026, 115_948_000_000.0)
        ]
    );
    let fy2025 = year(&capex, 2025);
    assert_eq!(fy2025.period_start.to_string(), "2024-07-01");
    assert_eq!(fy2025.period_end.to_string(), "2025-06-30");
    assert_eq!(fy2025.tag, "PaymentsToAcquirePropertyPlantAndEquipment");
    // First reported in 10-K 0000950170-25-100235; the current copy is the latest filing.
    assert_eq!(fy2025.revisions.len(), 1);
    assert_eq!(fy2025.revisions[0].accn, "0000950170-25-100235");
    assert_eq!(fy2025.accn, "0001193125-26-323660");
}

#[test]
fn duplicates_across_filings_collapse_and_null_fy_parses() {
    let facts = parse_companyfacts(MSFT).unwrap();
    // The 8-K of 2024-12-03 carries fy/fp null.
    assert!(
        facts
            .facts
            .iter()
            .any(|f| f.form == "8-K" && f.fy.is_none() && f.fp.is_none())
    );
    let periods = period_values(
        &facts,
        "us-gaap",
        "PaymentsToAcquirePropertyPlantAndEquipment",
        "USD",
    );
    // README: the FY2024 period appears 4 times with the same value.
    let fy2024 = periods
        .iter()
        .find(|p| {
            p.start.map(|d| d.to_string()).as_deref() == Some("2023-07-01")
                && p.end.to_string() == "2024-06-30"
        })
        .unwrap();
    assert_eq!(fy2024.n_copies, 4);
    assert_eq!(fy2024.history.len(), 1);
    assert_eq!(fy2024.current.filed.to_string(), "2026-07-29");
    assert_eq!(fy2024.current.frame.as_deref(), Some("CY2024"));
}

#[test]
fn googl_and_meta_match_readme() {
    let googl = annual_capex(&parse_companyfacts(GOOGL).unwrap()).unwrap();
    assert_eq!(year(&googl, 2023).value_usd, 32_251_000_000.0);
    assert_eq!(year(&googl, 2024).value_usd, 52_535_000_000.0);
    assert_eq!(year(&googl, 2025).value_usd, 91_447_000_000.0);
    assert_eq!(year(&googl, 2025).filed.to_string(), "2026-02-05");
    // 2026 is only a 6-month year-to-date figure: not annual.
    assert!(googl.iter().all(|c| c.fiscal_year <= 2025));

    let meta = annual_capex(&parse_companyfacts(META).unwrap()).unwrap();
    assert_eq!(year(&meta, 2025).value_usd, 69_691_000_000.0);
    assert_eq!(year(&meta, 2024).value_usd, 37_256_000_000.0);
    // FY2023 restated: 27,266M in the 10-K of 2024-02-02, 27,045M from the 10-K of 2025-01-30.
    let fy2023 = year(&meta, 2023);
    assert_eq!(fy2023.value_usd, 27_045_000_000.0);
    assert_eq!(fy2023.first_reported_usd(), 27_266_000_000.0);
    let history: Vec<(f64, String)> = fy2023
        .revisions
        .iter()
        .map(|r| (r.val, r.filed.to_string()))
        .collect();
    assert_eq!(
        history,
        vec![
            (27_266_000_000.0, "2024-02-02".to_string()),
            (27_045_000_000.0, "2025-01-30".to_string())
        ]
    );
    assert_eq!(fy2023.filed.to_string(), "2026-01-29");
}

#[test]
fn aapl_falls_back_to_productive_assets_in_early_years() {
    let facts = parse_companyfacts(AAPL).unwrap();
    assert_eq!(facts.cik, 320_193);
    let capex = annual_capex(&facts).unwrap();
    assert_eq!(capex.first().unwrap().fiscal_year, 2007);
    assert_eq!(year(&capex, 2007).value_usd, 735_000_000.0);
    assert_eq!(year(&capex, 2008).value_usd, 1_091_000_000.0);
    for fy in 2007..=2012 {
        assert_eq!(
            year(&capex, fy).tag,
            "PaymentsToAcquireProductiveAssets",
            "FY{fy}"
        );
    }
    // FY2013-14 have both tags: the PP&E tag is preferred.
    for fy in 2013..=2024 {
        assert_eq!(
            year(&capex, fy).tag,
            "PaymentsToAcquirePropertyPlantAndEquipment",
            "FY{fy}"
        );
    }
    assert_eq!(year(&capex, 2014).value_usd, 9_571_000_000.0);
    assert_eq!(year(&capex, 2024).value_usd, 9_447_000_000.0);
    assert_eq!(year(&capex, 2024).period_end.to_string(), "2024-09-28");
    assert_eq!(capex.len(), 18);
}

#[test]
fn companyconcept_parses_and_agrees_with_companyfacts() {
    let shares = parse_companyconcept(AAPL_SHARES).unwrap();
    assert_eq!(shares.cik, 320_193);
    assert_eq!(shares.entity_name, "Apple Inc.");
    assert!(
        shares
            .facts
            .iter()
            .all(|f| f.taxonomy == "dei" && f.unit == "shares" && f.start.is_none())
    );
    assert!(!shares.facts.is_empty());
    // A concept without capex: a clear error naming the company.
    let err = annual_capex(&shares).unwrap_err();
    assert!(
        matches!(err, Error::NoCapexTag { cik: 320_193, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Apple Inc."));

    // Build a companyconcept document for MSFT capex from the companyfacts file.
    let doc: serde_json::Value = serde_json::from_str(MSFT).unwrap();
    let tag = &doc["facts"]["us-gaap"]["PaymentsToAcquirePropertyPlantAndEquipment"];
    let concept = serde_json::json!({
        "cik": 789019, "taxonomy": "us-gaap", "tag": "PaymentsToAcquirePropertyPlantAndEquipment",
        "label": "Payments to Acquire Property, Plant, and Equipment", "description": "",
        "entityName": "MICROSOFT CORPORATION", "units": tag["units"],
    });
    let from_concept = annual_capex(&parse_companyconcept(&concept.to_string()).unwrap()).unwrap();
    let from_facts = annual_capex(&parse_companyfacts(MSFT).unwrap()).unwrap();
    assert_eq!(from_concept, from_facts);
}

#[test]
fn no_capex_tag_and_malformed_json_are_clear_errors() {
    let mut doc: serde_json::Value = serde_json::from_str(META).unwrap();
    doc["facts"]["us-gaap"]
        .as_object_mut()
        .unwrap()
        .remove("PaymentsToAcquirePropertyPlantAndEquipment");
    let facts = parse_companyfacts(&doc.to_string()).unwrap();
    let err = annual_capex(&facts).unwrap_err();
    assert!(
        matches!(err, Error::NoCapexTag { cik: 1_326_801, .. }),
        "{err}"
    );

    let truncated = &MSFT[..MSFT.len() / 2];
    let err = parse_companyfacts(truncated).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Json {
                document: "companyfacts",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().starts_with("companyfacts JSON: "), "{err}");
    let err = parse_companyfacts(r#"{"cik": 1, "entityName": "x"}"#).unwrap_err();
    assert!(err.to_string().contains("missing field `facts`"), "{err}");
    let bad_date = r#"{"cik":1,"entityName":"x","facts":{"us-gaap":{"T":{"units":{"USD":[
        {"end":"2025-13-01","val":1,"accn":"a","fy":null,"fp":null,"form":"10-K","filed":"2025-01-01"}]}}}}}"#;
    let err = parse_companyfacts(bad_date).unwrap_err();
    assert!(
        matches!(err, Error::FactDate { field: "end", .. }),
        "{err:?}"
    );
}

#[test]
fn a_bad_cik_is_described_in_words_not_by_a_type_name() {
    for (cik, says) in [
        (
            "1.5",
            "a CIK (a whole number, or a string of 1 to 10 digits)",
        ),
        (
            "true",
            "a CIK (a whole number, or a string of 1 to 10 digits)",
        ),
        ("\"12x\"", "invalid CIK \"12x\""),
    ] {
        let doc = format!(r#"{{"cik": {cik}, "entityName": "X", "facts": {{}}}}"#);
        for e in [
            parse_companyfacts(&doc).unwrap_err(),
            offtake_data::parse_document(&doc).unwrap_err(),
        ] {
            let text = e.to_string();
            assert!(text.contains(says), "{text}");
            assert!(
                !text.contains("Raw") && !text.contains("untagged"),
                "{text}"
            );
        }
    }
}

#[test]
fn documents_over_the_size_limit_are_refused_before_parsing() {
    let max = offtake_data::MAX_DOCUMENT_BYTES as usize;
    // A document one byte over the limit (valid JSON: padding spaces).
    let mut doc = String::from(r#"{"cik": 1, "entityName": "X", "facts": {}}"#);
    doc.push_str(&" ".repeat(max + 1 - doc.len()));
    let e = offtake_data::parse_document(&doc).unwrap_err();
    assert!(matches!(e, Error::TooLarge { .. }), "{e}");
    doc.pop();
    assert!(offtake_data::parse_document(&doc).is_ok());
    // JSON that is not an object is no SEC document; broken JSON is not JSON.
    assert!(matches!(
        offtake_data::parse_document("[1, 2]"),
        Err(Error::UnknownDocument)
    ));
    assert!(matches!(
        offtake_data::parse_document("{\"facts\": "),
        Err(Error::NotJson { .. })
    ));
}

#[test]
fn facts_with_impossible_dates_or_negative_capex_are_refused_and_located() {
    let doc = |start: &str, end: &str, val: &str| {
        format!(
            r#"{{"cik": 1, "entityName": "X", "facts": {{"us-gaap": {{
            "PaymentsToAcquirePropertyPlantAndEquipment": {{"units": {{"USD": [
              {{"start": "{start}", "end": "{end}", "val": {val}, "accn": "0001-25-000001",
                "fy": 2025, "fp": "FY", "form": "10-K", "filed": "2025-08-01"}}]}}}}}}}}}}"#
        )
    };
    assert!(parse_companyfacts(&doc("2024-07-01", "2025-06-30", "5")).is_ok());
    for (start, end, val, field, says) in [
        (
            "2025-06-30",
            "2024-07-01",
            "5",
            "start",
            "after the fact's end",
        ),
        ("2024-07-01", "2025-06-30", "-5", "val", "negative"),
        (
            "0000-01-01",
            "2025-06-30",
            "5",
            "start",
            "outside the years",
        ),
        ("2024-07-01", "0000-06-30", "5", "end", "outside the years"),
    ] {
        let e = parse_companyfacts(&doc(start, end, val)).unwrap_err();
        let text = e.to_string();
        assert!(matches!(e, Error::FactField { .. }), "{text}");
        assert!(
            text.contains(&format!(
                "fact PaymentsToAcquirePropertyPlantAndEquipment (0001-25-000001): field `{field}`"
            )),
            "{text}"
        );
        assert!(text.contains(says), "{text}");
    }
}
