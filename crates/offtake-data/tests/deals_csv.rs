//! Deal-list CSV: the real file parses to the README's counts; bad input names row and column.

use offtake_data::{DealType, Error, Evidence, ValueQualifier, parse_deals_csv};

const REAL: &str = include_str!("fixtures/public_deals.csv");

/// Rewrites one cell of the real file (row numbers count the header as row 1).
fn with_cell(row: usize, column: &str, value: &str) -> String {
    let mut reader = csv::Reader::from_reader(REAL.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = header.iter().position(|h| h == column).unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for (i, record) in reader.records().enumerate() {
        let record = record.unwrap();
        let mut fields: Vec<String> = record.iter().map(str::to_string).collect();
        if i + 2 == row {
            fields[col] = value.to_string();
        }
        writer.write_record(&fields).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

#[test]
fn real_file_matches_readme_counts() {
    let rows = parse_deals_csv(REAL).unwrap();
    assert_eq!(rows.len(), 79);
    let count = |e: Evidence| rows.iter().filter(|r| r.evidence == e).count();
    // README "Counts" table.
    assert_eq!(count(Evidence::Disclosed), 47);
    assert_eq!(count(Evidence::Reported), 31);
    assert_eq!(count(Evidence::Estimated), 1);
    assert_eq!(count(Evidence::Unverified), 0);
    let by_type = |t: DealType| rows.iter().filter(|r| r.deal_type == t).count();
    assert_eq!(by_type(DealType::CloudCommitment), 36);
    assert_eq!(by_type(DealType::Mixed), 20);
    assert_eq!(by_type(DealType::EquityInvestment), 13);
    assert_eq!(by_type(DealType::ChipSupply), 8);
    assert_eq!(by_type(DealType::ComputeForEquity), 2);
    let by_year = |y: i32| rows.iter().filter(|r| r.announced_date.year == y).count();
    assert_eq!(
        [by_year(2023), by_year(2024), by_year(2025), by_year(2026)],
        [4, 3, 39, 33]
    );
}

#[test]
fn real_rows_are_typed() {
    let rows = parse_deals_csv(REAL).unwrap();
    let azure = rows
        .iter()
        .find(|r| r.deal_id == "MSFT-OAI-2025-10-AZURE")
        .unwrap();
    assert_eq!(azure.committed_value_usd, Some(250_000_000_000.0));
    assert_eq!(azure.value_qualifier, ValueQualifier::Exact);
    assert_eq!(azure.announced_date.to_string(), "2025-10-28");
    let hut8 = rows
        .iter()
        .find(|r| r.deal_id == "HUT8-FLUIDSTACK-ANTH-2025-12")
        .unwrap();
    assert_eq!(hut8.capacity_gw, Some(0.245));
    assert_eq!(hut8.term_years, Some(15.0));
    let month_only = rows
        .iter()
        .find(|r| r.deal_id == "GOOG-ANTH-2023-10-EQ")
        .unwrap();
    assert_eq!(month_only.announced_date.day, None);
    // Free text is kept verbatim, commas and quotes included.
    assert!(azure.note.contains("right of first refusal"));
}

#[test]
fn bad_value_names_row_57_and_column() {
    let text = with_cell(57, "committed_value_usd", "$10B");
    let err = parse_deals_csv(&text).unwrap_err();
    assert!(
        matches!(&err, Error::Csv { row: 57, column, .. } if column == "committed_value_usd"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("row 57, column committed_value_usd: "),
        "{err}"
    );
}

#[test]
fn unknown_words_and_contradictions_are_rejected() {
    let cases = [
        (2, "deal_type", "cloud"),
        (3, "evidence", "rumour"),
        (4, "announced_date", "2025-13-01"),
        (5, "value_qualifier", "undisclosed"), // row 5 has a value
        (3, "value_qualifier", "exact"),       // row 3 has no value → error on the value column
        (15, "capacity_qualifier", ""),        // row 15 (STARGATE-UAE) has 1 GW
        (2, "capacity_gw", "-1"),
        (2, "deal_id", ""),
    ];
    for (row, column, value) in cases {
        let err = parse_deals_csv(&with_cell(row, column, value)).unwrap_err();
        let Error::Csv { row: r, .. } = &err else {
            panic!("{column}={value:?}: {err:?}")
        };
        assert_eq!(*r, row, "{err}");
        assert!(
            err.to_string().starts_with(&format!("row {row}, column ")),
            "{err}"
        );
    }
    // Qualifier/value contradiction on row 3 (empty value) is reported on committed_value_usd.
    let err = parse_deals_csv(&with_cell(3, "value_qualifier", "exact")).unwrap_err();
    assert!(
        err.to_string().contains("column committed_value_usd"),
        "{err}"
    );
}

#[test]
fn duplicate_ids_name_both_rows() {
    let first = parse_deals_csv(REAL).unwrap()[0].deal_id.clone();
    let err = parse_deals_csv(&with_cell(10, "deal_id", &first)).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with("row 10, column deal_id: duplicate"),
        "{msg}"
    );
    assert!(msg.contains("row 2"), "{msg}");
}

#[test]
fn missing_column_is_named() {
    let mut reader = csv::Reader::from_reader(REAL.as_bytes());
    let header = reader.headers().unwrap().clone();
    let drop = header.iter().position(|h| h == "evidence").unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let keep = |r: &csv::StringRecord| -> Vec<String> {
        r.iter()
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, f)| f.to_string())
            .collect()
    };
    writer.write_record(keep(&header)).unwrap();
    for record in reader.records() {
        writer.write_record(keep(&record.unwrap())).unwrap();
    }
    let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
    let err = parse_deals_csv(&text).unwrap_err();
    assert!(
        matches!(
            err,
            Error::MissingColumn {
                column: "evidence",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("missing column `evidence`"));
    // An empty file has no header at all.
    assert!(matches!(
        parse_deals_csv("").unwrap_err(),
        Error::MissingColumn {
            column: "deal_id",
            ..
        }
    ));
}

#[test]
fn short_row_and_multiline_fields_keep_row_numbers() {
    let header = REAL.lines().next().unwrap();
    let good =
        "A-1,2025-01-01,B,P,mixed,,undisclosed,,,,,,,,disclosed,t,u,v,\"line one\nline two\"";
    let short = "A-2,2025-01-01,B,P";
    let err = parse_deals_csv(&format!("{header}\n{good}\n{short}\n")).unwrap_err();
    assert!(
        matches!(
            err,
            Error::RowLength {
                row: 3,
                expected: 19,
                found: 4
            }
        ),
        "{err:?}"
    );
    let bad = "A-3,2025-01-01,B,P,mixed,12x,exact,,,,,,,,disclosed,t,u,v,n";
    let err = parse_deals_csv(&format!("{header}\n{good}\n{bad}\n")).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("row 3, column committed_value_usd"),
        "{err}"
    );
    let rows = parse_deals_csv(&format!("{header}\n{good}\n")).unwrap();
    assert_eq!(rows[0].note, "line one\nline two");
}

#[test]
fn columns_may_come_in_any_order() {
    let mut reader = csv::Reader::from_reader(REAL.as_bytes());
    let header = reader.headers().unwrap().clone();
    let n = header.len();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let rev =
        |r: &csv::StringRecord| -> Vec<String> { (0..n).rev().map(|i| r[i].to_string()).collect() };
    writer.write_record(rev(&header)).unwrap();
    for record in reader.records() {
        writer.write_record(rev(&record.unwrap())).unwrap();
    }
    let text = String::from_utf8(writer.into_inner().unwrap()).unwrap();
    assert_eq!(
        parse_deals_csv(&text).unwrap(),
        parse_deals_csv(REAL).unwrap()
    );
}

#[test]
fn implausible_numbers_and_years_name_row_and_column() {
    // Row 57 has a committed value; row 2 is the first data row.
    let cases = [
        (57, "committed_value_usd", "1".repeat(400), "$10 trillion"),
        (
            57,
            "committed_value_usd",
            "10000000000001".into(),
            "$10 trillion",
        ),
        (57, "equity_amount_usd", "9".repeat(20), "$10 trillion"),
        (2, "term_years", "1e308".into(), "up to 100"),
        (2, "capacity_gw", "5000".into(), "up to 1000"),
        (
            2,
            "announced_date",
            "0000-01-01".into(),
            "outside 1950..=2100",
        ),
        (2, "announced_date", "2999-12".into(), "outside 1950..=2100"),
    ];
    for (row, column, value, says) in cases {
        let err = parse_deals_csv(&with_cell(row, column, &value)).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("row {row}, column {column}: ")),
            "{column}={value}: {text}"
        );
        assert!(text.contains(says), "{column}={value}: {text}");
    }
    // At the limits: accepted.
    assert!(parse_deals_csv(&with_cell(57, "committed_value_usd", "10000000000000")).is_ok());
    assert!(parse_deals_csv(&with_cell(2, "announced_date", "1950-01")).is_ok());
}
