//! The CSV view: both files parse back (csv crate) to exactly the numbers of the run.

use offtake_report::series::{annual_columns, monthly_series};

mod common;

use common::example;

#[test]
fn monthly_csv_reads_back_to_the_same_numbers() {
    let (c, o) = example();
    let (monthly, _) = offtake_report::csv::render(&c, &o, None).unwrap();
    let mut reader = csv::Reader::from_reader(monthly.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header[0], "month");
    assert_eq!(header[1], "period");
    let series = monthly_series(&o.schedule);
    for (i, s) in series.iter().enumerate() {
        assert_eq!(header[2 + i], s.name);
    }
    assert_eq!(
        header.last().unwrap(),
        &format!("capacity_mw.{}", o.schedule.tranche_ids.last().unwrap())
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), c.term_months());
    for (t, row) in rows.iter().enumerate() {
        assert_eq!(row[0], o.schedule.months[t].format("%Y-%m").to_string());
        assert_eq!(row[1].parse::<usize>().unwrap(), t);
        for (i, s) in series.iter().enumerate() {
            // Exact: full precision round-trips; an absent value is an empty field.
            match s.values.get(t) {
                Some(x) => {
                    let read: f64 = row[2 + i].parse().unwrap();
                    assert_eq!(read.to_bits(), x.to_bits(), "{} at {t}", s.name);
                }
                None => assert_eq!(&row[2 + i], "", "{} at {t}", s.name),
            }
        }
        for (k, mw) in o.schedule.tranche_capacity_mw.iter().enumerate() {
            let read: f64 = row[2 + series.len() + k].parse().unwrap();
            assert_eq!(read, mw[t]);
        }
    }
}

#[test]
fn annual_csv_reads_back_to_the_same_numbers() {
    let (c, o) = example();
    let (_, annual) = offtake_report::csv::render(&c, &o, None).unwrap();
    let mut reader = csv::Reader::from_reader(annual.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let columns = annual_columns();
    assert_eq!(
        &header[..5],
        [
            "year",
            "first_month",
            "last_month",
            "first_period",
            "last_period"
        ]
    );
    assert_eq!(header.len(), 5 + columns.len());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), o.annual.len());
    assert_eq!(rows.len(), c.term_months().div_ceil(12));
    for (row, expected) in rows.iter().zip(&o.annual) {
        assert_eq!(row[0].parse::<usize>().unwrap(), expected.year);
        assert_eq!(row[3].parse::<usize>().unwrap(), expected.first_period);
        assert_eq!(row[4].parse::<usize>().unwrap(), expected.last_period);
        for (i, col) in columns.iter().enumerate() {
            let field = &row[5 + i];
            match (col.get)(expected) {
                Some(x) => assert_eq!(field.parse::<f64>().unwrap(), x, "{}", col.name),
                None => assert_eq!(field, "", "{} is absent", col.name),
            }
        }
    }
    assert_eq!(&rows[0][1], "2026-07");
    assert_eq!(&rows[rows.len() - 1][2], "2036-06");
}
