//! A what-if demand factor (`--demand-factor`, the API's `demand_factor`) is stated by every
//! document of the run: JSON (`scenario.demand_factor`), terminal text, HTML and XLSX covers; and
//! a run of the sheet as written says nothing of it.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use offtake_engine::{Scenario, underwrite};
use offtake_report::UnderwritingJson;
use offtake_report::document::Report;
use offtake_report::files::Kind;

mod common;

use common::{EXAMPLE, document, monte_carlo};

const SAYS: &str = "WHAT-IF: demand × 0.5";

/// The Summary sheet's `Case` value.
fn xlsx_case(bytes: Vec<u8>) -> String {
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let summary = wb.worksheet_range("Summary").unwrap();
    (0..summary.height() as u32)
        .find(|r| matches!(summary.get_value((*r, 0)), Some(Data::String(s)) if s == "Case"))
        .and_then(|r| match summary.get_value((r, 1)) {
            Some(Data::String(s)) => Some(s.clone()),
            _ => None,
        })
        .expect("a Case row")
}

#[test]
fn every_document_of_a_what_if_run_says_so_and_a_base_run_says_nothing() {
    let contract = offtake_model::parse(EXAMPLE).unwrap();
    let base = underwrite(&contract, &Scenario::base(&contract));
    let mut half = Scenario::base(&contract);
    half.demand_factor = 0.5;
    let what_if = underwrite(&contract, &half);
    assert_ne!(
        what_if.metrics.provider_npv, base.metrics.provider_npv,
        "half the demand moves the NPV"
    );

    // JSON: the member only with the flag, right after `deal`.
    let plain = UnderwritingJson::new(&contract, &base)
        .with_demand_factor(None)
        .to_string_pretty()
        .unwrap();
    assert_eq!(
        plain,
        UnderwritingJson::new(&contract, &base)
            .to_string_pretty()
            .unwrap()
    );
    assert!(!plain.contains("\"scenario\""));
    let text = UnderwritingJson::new(&contract, &what_if)
        .with_demand_factor(Some(0.5))
        .to_string_pretty()
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["scenario"], serde_json::json!({"demand_factor": 0.5}));
    let at: Vec<usize> = ["\"deal\":", "\"scenario\":", "\"metrics\":"]
        .iter()
        .map(|k| text.find(k).unwrap())
        .collect();
    assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");

    // Terminal text.
    let t = offtake_report::terminal::underwriting_what_if(
        &contract,
        &what_if,
        &[],
        Some(0.5),
        &offtake_report::Screen::PLAIN,
    );
    assert!(t.contains(SAYS), "{t}");
    assert!(!offtake_report::terminal::underwriting(&contract, &base, &[]).contains("WHAT-IF"));

    // HTML and XLSX covers, and the JSON document of `report --format json`.
    let doc = Report {
        demand_factor: Some(0.5),
        ..document(&contract, &what_if, None)
    };
    let html =
        String::from_utf8(offtake_report::document::render(&doc, Kind::Html).unwrap()).unwrap();
    assert!(html.contains(SAYS), "the HTML cover says it");
    assert!(!html.contains("[risk] as written"));
    assert!(xlsx_case(offtake_report::document::render(&doc, Kind::Xlsx).unwrap()).contains(SAYS));
    let json = offtake_report::document::render(&doc, Kind::Json).unwrap();
    assert_eq!(String::from_utf8(json).unwrap(), text);
    let plain_doc = document(&contract, &base, None);
    let html = String::from_utf8(offtake_report::document::render(&plain_doc, Kind::Html).unwrap())
        .unwrap();
    assert!(!html.contains("WHAT-IF"));
    assert_eq!(
        xlsx_case(offtake_report::document::render(&plain_doc, Kind::Xlsx).unwrap()),
        "base case (every term as written)"
    );

    // With a Monte Carlo section: it says the paths draw demand from [risk] as written.
    let (_, risk) = monte_carlo(&contract, 200);
    let doc = Report {
        demand_factor: Some(0.5),
        ..document(&contract, &what_if, Some(&risk))
    };
    let html =
        String::from_utf8(offtake_report::document::render(&doc, Kind::Html).unwrap()).unwrap();
    assert!(html.contains("the Monte Carlo draws demand from [risk] as written"));
}
