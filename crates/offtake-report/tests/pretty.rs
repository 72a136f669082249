//! `offtake_report::pretty` writes exactly what `serde_json::to_string_pretty` writes (and a
//! final newline): on random number series at several depths, and on the documents of every
//! bundled example.

use offtake_report::pretty;
use proptest::prelude::*;
use serde_json::{Value, json};

fn reference<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap() + "\n"
}

/// Any f64, with the special and edge values drawn often.
fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(0.0),
        Just(-0.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(f64::MAX),
        (-1e16f64..1e16).prop_map(f64::trunc),
        (-2_000_000i64..2_000_000).prop_map(|n| n as f64),
        (-1e18f64..1e18),
        (-1e-3f64..1e-3),
        (0u64..(1 << 52)).prop_map(f64::from_bits),
        (-20i32..25, -999i64..999).prop_map(|(e, m)| m as f64 * 10f64.powi(e)),
    ]
}

/// A document of the underwriting document's shape: named series (some with gaps) nested
/// `depth` objects deep, with an empty series and strings beside them.
fn document(series: Vec<Vec<Option<f64>>>, depth: usize) -> Value {
    let mut v = json!({
        "months": ["2026-01", "2026-02"],
        "empty": [],
        "series": series,
        "flat": series.iter().flatten().map(|x| x.unwrap_or(0.5)).collect::<Vec<f64>>(),
    });
    for k in 0..depth {
        v = json!({ "level": k, "inner": v, "tail": [k, { "x": null }] });
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_series_match_serde_json(
        series in prop::collection::vec(prop::collection::vec(prop::option::weighted(0.9, number()), 0..40), 0..6),
        depth in 0usize..8,
    ) {
        let doc = document(series.clone(), depth);
        prop_assert_eq!(pretty::to_string_pretty(&doc, 0).unwrap(), reference(&doc));
        // The series themselves, straight from the slices (not through a Value).
        prop_assert_eq!(pretty::to_string_pretty(&series, 16).unwrap(), reference(&series));
    }

    #[test]
    fn every_number_matches_serde_json(x in number()) {
        prop_assert_eq!(pretty::to_string_pretty(&x, 0).unwrap(), reference(&x));
        prop_assert_eq!(pretty::to_string_pretty(&[x, -x], 0).unwrap(), reference(&[x, -x]));
    }
}

#[test]
fn every_example_document_matches_serde_json() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let contract = offtake_model::parse(&text).unwrap();
        let outcome =
            offtake_engine::underwrite(&contract, &offtake_engine::Scenario::base(&contract));
        let view = offtake_report::UnderwritingJson::new(&contract, &outcome);
        let ours = view.to_string_pretty().unwrap();
        assert_eq!(ours, reference(&view), "{}", path.display());
        assert_eq!(view.to_vec_pretty().unwrap(), ours.as_bytes());
        seen += 1;
    }
    assert!(seen >= 10, "examples found: {seen}");
}
