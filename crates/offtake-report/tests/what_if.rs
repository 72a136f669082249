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

/// The example's base run and its run at half the demand.
fn half_and_base() -> (
    offtake_model::Contract,
    offtake_engine::Outcome,
    offtake_engine::Outcome,
) {
    let contract = offtake_model::parse(EXAMPLE).unwrap();
    let base = underwrite(&contract, &Scenario::base(&contract));
    let mut half = Scenario::base(&contract);
    half.demand_factor = 0.5;
    let what_if = underwrite(&contract, &half);
    (contract, base, what_if)
}

#[test]
fn a_what_if_csv_carries_its_demand_factor_on_every_row_as_a_last_column() {
    let (contract, base, what_if) = half_and_base();
    let plain = offtake_report::csv::render(&contract, &what_if, None).unwrap();
    let marked = offtake_report::csv::render(&contract, &what_if, Some(0.5)).unwrap();
    for (plain, marked) in [(&plain.0, &marked.0), (&plain.1, &marked.1)] {
        assert!(
            !plain.contains("demand_factor"),
            "the sheet as written: no column"
        );
        let mut p = csv::Reader::from_reader(plain.as_bytes());
        let mut m = csv::Reader::from_reader(marked.as_bytes());
        let (ph, mh) = (p.headers().unwrap().clone(), m.headers().unwrap().clone());
        assert_eq!(mh.len(), ph.len() + 1);
        assert_eq!(&mh[ph.len()], "demand_factor");
        assert!(ph.iter().zip(mh.iter()).all(|(a, b)| a == b));
        let (pr, mr): (Vec<_>, Vec<_>) = (
            p.records().map(Result::unwrap).collect(),
            m.records().map(Result::unwrap).collect(),
        );
        assert_eq!(pr.len(), mr.len());
        assert!(!mr.is_empty());
        for (a, b) in pr.iter().zip(&mr) {
            assert_eq!(&b[ph.len()], "0.5", "every row says it");
            assert!(
                a.iter().zip(b.iter()).all(|(x, y)| x == y),
                "the rest unchanged"
            );
        }
    }
    // The base run's files are those of a run without the argument.
    let files = offtake_report::csv::render_files(&contract, &base, None).unwrap();
    assert!(
        files
            .iter()
            .all(|(_, text)| !text.contains("demand_factor"))
    );
}

/// The HTML between `<h2>Verdicts</h2>` and the first verdict card.
fn verdicts_head(html: &str) -> &str {
    let at = html.find("<h2>Verdicts</h2>").expect("a Verdicts section");
    let end = at + html[at..].find("<div class=\"verdict ").unwrap();
    &html[at..end]
}

#[test]
fn a_what_if_html_says_so_in_its_title_and_over_the_verdicts() {
    let (contract, base, what_if) = half_and_base();
    let doc = Report {
        demand_factor: Some(0.5),
        ..document(&contract, &what_if, None)
    };
    let html =
        String::from_utf8(offtake_report::document::render(&doc, Kind::Html).unwrap()).unwrap();
    let title = &html[html.find("<title>").unwrap()..html.find("</title>").unwrap()];
    assert!(title.starts_with("<title>WHAT-IF: demand × 0.5"), "{title}");
    let head = verdicts_head(&html);
    assert!(head.contains("class=\"what-if\""), "{head}");
    assert!(head.contains("WHAT-IF: demand × 0.5"), "{head}");
    assert!(
        !head.contains("Monte Carlo"),
        "no Monte Carlo to speak of: {head}"
    );

    // With a Monte Carlo: its shares beside the verdicts are the sheet's as written.
    let (_, risk) = monte_carlo(&contract, 200);
    let doc = Report {
        risk: Some(&risk),
        ..doc
    };
    let html =
        String::from_utf8(offtake_report::document::render(&doc, Kind::Html).unwrap()).unwrap();
    let head = verdicts_head(&html);
    assert!(
        head.contains(
            "Monte Carlo shares beside the verdicts do not: they are of the sheet as written"
        ),
        "{head}"
    );

    // The sheet as written: neither.
    let html = String::from_utf8(
        offtake_report::document::render(&document(&contract, &base, Some(&risk)), Kind::Html)
            .unwrap(),
    )
    .unwrap();
    assert!(!html.contains("WHAT-IF") && !html.contains("what-if"));
}

/// Each sheet's name with the text of the notes on it, in sheet order (from the workbook's XML).
fn sheet_notes(bytes: &[u8]) -> Vec<(String, String)> {
    use std::io::Read as _;
    let names = {
        let wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
        wb.sheet_names()
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut read = |path: &str| -> Option<String> {
        let mut text = String::new();
        zip.by_name(path).ok()?.read_to_string(&mut text).ok()?;
        Some(text)
    };
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let rels = read(&format!("xl/worksheets/_rels/sheet{}.xml.rels", i + 1));
            let comments = rels.as_deref().and_then(|r| {
                let at = r.find("Target=\"../comments")? + "Target=\"../".len();
                let end = at + r[at..].find('"')?;
                Some(r[at..end].to_string())
            });
            let text = comments
                .and_then(|c| read(&format!("xl/{c}")))
                .unwrap_or_default();
            (name, text)
        })
        .collect()
}

#[test]
fn every_sheet_of_a_what_if_workbook_bears_a_note_and_a_plain_workbook_none() {
    let (contract, base, what_if) = half_and_base();
    let (_, risk) = monte_carlo(&contract, 200);
    let doc = Report {
        demand_factor: Some(0.5),
        ..document(&contract, &what_if, Some(&risk))
    };
    let bytes = offtake_report::document::render(&doc, Kind::Xlsx).unwrap();
    let notes = sheet_notes(&bytes);
    let names: Vec<&str> = notes.iter().map(|(n, _)| n.as_str()).collect();
    for sheet in ["Summary", "Annual", "Monthly", "Inputs", "Risk"] {
        assert!(names.contains(&sheet), "{sheet} in {names:?}");
    }
    for (name, text) in &notes {
        assert!(text.contains(SAYS), "{name}: {text:?}");
        assert!(text.contains("not a term of the sheet"), "{name}");
    }
    let of = |sheet: &str| &notes.iter().find(|(n, _)| n == sheet).unwrap().1;
    assert!(of("Risk").contains("This Monte Carlo is of the sheet as written"));
    assert!(of("Inputs").contains("the inputs here are the term sheet's as written"));
    assert!(of("Monthly").contains("every figure on this sheet assumes"));
    // The note is shown, not hidden behind the cell's red corner.
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    let vml: Vec<String> = zip
        .file_names()
        .map(|n| n.unwrap().to_string())
        .filter(|n| n.ends_with(".vml"))
        .collect();
    assert_eq!(vml.len(), notes.len());
    for name in vml {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut zip.by_name(&name).unwrap(), &mut text).unwrap();
        assert!(text.contains("visibility:visible"), "{name}");
    }

    let plain =
        offtake_report::document::render(&document(&contract, &base, Some(&risk)), Kind::Xlsx)
            .unwrap();
    assert!(sheet_notes(&plain).iter().all(|(_, text)| text.is_empty()));
}
