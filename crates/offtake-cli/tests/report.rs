//! `offtake report` as a user runs it: real files, real exit codes, nothing written on bad input.

use predicates::prelude::*;

mod common;

use common::{EXAMPLE, offtake};

#[test]
fn html_report_is_one_file_with_verdicts_charts_and_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.html");
    offtake()
        .args(["report", EXAMPLE, "--format", "html", "-o"])
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("wrote"));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("Verdicts") && html.contains("Inputs and evidence"));
    // Five charts (capacity, promised vs delivered, payments, cash flow, DSCR), wide and narrow.
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 10);
    assert!(!html.contains("<script"));
    assert!(
        !html.contains("id=\"risk\""),
        "no risk section without --risk"
    );
}

#[test]
fn the_format_follows_the_extension_and_risk_adds_its_section() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("with-risk.html");
    offtake()
        .args(["report", EXAMPLE, "--risk", "--paths", "200", "-q", "-o"])
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::is_empty());
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.contains("Risk: Monte Carlo over 200 paths"));
    assert_eq!(html.matches("<svg class=\"chart\"").count(), 18);
}

#[test]
fn xlsx_report_is_a_workbook_with_the_documented_sheets() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.xlsx");
    offtake()
        .args([
            "report", EXAMPLE, "--format", "xlsx", "--risk", "--paths", "100", "-o",
        ])
        .arg(&out)
        .assert()
        .code(0);
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..4], b"PK\x03\x04", "a zip container");
    // Zip headers name each part in clear: six worksheets (Summary, Annual, Monthly, Inputs, Risk,
    // Charts).
    let text = String::from_utf8_lossy(&bytes);
    for n in 1..=6 {
        assert!(
            text.contains(&format!("xl/worksheets/sheet{n}.xml")),
            "sheet {n}"
        );
    }
    assert!(!text.contains("xl/worksheets/sheet7.xml"));
}

#[test]
fn json_and_csv_are_those_of_underwrite() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    offtake()
        .args(["report", EXAMPLE, "--format", "json", "-o"])
        .arg(&json)
        .assert()
        .code(0);
    let underwrite = offtake()
        .args(["underwrite", EXAMPLE, "--json"])
        .output()
        .unwrap();
    assert!(underwrite.status.success());
    assert_eq!(std::fs::read(&json).unwrap(), underwrite.stdout);

    let csv = dir.path().join("csv");
    let csv_underwrite = dir.path().join("csv-underwrite");
    offtake()
        .args(["report", EXAMPLE, "--format", "csv", "-o"])
        .arg(&csv)
        .assert()
        .code(0);
    offtake()
        .args(["underwrite", EXAMPLE, "--csv"])
        .arg(&csv_underwrite)
        .assert()
        .code(0);
    for name in ["monthly.csv", "annual.csv"] {
        assert_eq!(
            std::fs::read(csv.join(name)).unwrap(),
            std::fs::read(csv_underwrite.join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn a_bad_term_sheet_is_located_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    let text = std::fs::read_to_string(EXAMPLE)
        .unwrap()
        .replace("pue = 1.15", "pue = 0.9");
    std::fs::write(&bad, text).unwrap();
    for format in ["html", "xlsx", "json", "csv"] {
        let out = dir.path().join(format!("out-{format}"));
        offtake()
            .args(["report"])
            .arg(&bad)
            .args(["--format", format, "-o"])
            .arg(&out)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("bad.toml:104:7 [provider.pue]"));
        assert!(!out.exists(), "{format}: something was written");
    }
}

#[test]
fn an_unwritable_output_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no-such-dir").join("report.html");
    offtake()
        .args(["report", EXAMPLE, "-o"])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error: writing"));
    // A file where the CSV directory should go.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    offtake()
        .args(["report", EXAMPLE, "--format", "csv", "-o"])
        .arg(&file)
        .assert()
        .code(1);
}

#[test]
fn flags_that_do_not_fit_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report");
    // No --format and no extension to go by.
    offtake()
        .args(["report", EXAMPLE, "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--format"));
    // Risk is a section of the documents, not of the JSON/CSV exports.
    offtake()
        .args(["report", EXAMPLE, "--format", "json", "--risk", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    // --paths only means something with --risk.
    offtake()
        .args(["report", EXAMPLE, "--format", "html", "--paths", "10", "-o"])
        .arg(&out)
        .assert()
        .code(2);
    assert!(!out.exists());
}
