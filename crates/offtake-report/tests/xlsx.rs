//! The XLSX workbook read back with calamine: values equal the engine's, the Annual sheet's
//! formulas reference the right Monthly rows, and their cached results equal those formulas
//! evaluated here over the Monthly sheet's values.

use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
use offtake_engine::Outcome;
use offtake_model::Contract;
use offtake_report::risk_view::RiskView;
use offtake_report::series::{Aggregation, CREDIT_SUPPORT, annual_columns, monthly_series};
use offtake_report::xlsx;

mod common;

use common::{document, example, monte_carlo};

fn workbook_bytes(contract: &Contract, outcome: &Outcome, risk: Option<&RiskView>) -> Vec<u8> {
    xlsx::render(&document(contract, outcome, risk)).unwrap()
}

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes)).unwrap()
}

/// |a − b| ≤ 1e-9 · max(1, |b|).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

fn number(range: &Range<Data>, row: u32, col: u32) -> f64 {
    match range.get_value((row, col)) {
        Some(Data::Float(x)) => *x,
        Some(Data::Int(x)) => *x as f64,
        other => panic!("expected a number at ({row}, {col}), found {other:?}"),
    }
}

fn text(range: &Range<Data>, row: u32, col: u32) -> String {
    match range.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        other => panic!("expected text at ({row}, {col}), found {other:?}"),
    }
}

/// Column index of a 1-based column name ("A" → 0, "AB" → 27).
fn column_index(letters: &str) -> u32 {
    letters
        .bytes()
        .fold(0u32, |acc, b| acc * 26 + u32::from(b - b'A' + 1))
        - 1
}

/// The column name of a 0-based index (0 → "A", 27 → "AB").
fn column_name(mut index: u32) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap()
}

/// A cell reference `Sheet!C12` or `C12` → (sheet, row index, column index), 0-based.
fn cell_ref(reference: &str, default_sheet: &str) -> (String, u32, u32) {
    let (sheet, cell) = reference
        .split_once('!')
        .unwrap_or((default_sheet, reference));
    let split = cell.find(|c: char| c.is_ascii_digit()).unwrap();
    let (letters, digits) = cell.split_at(split);
    let row: u32 = digits.parse().unwrap();
    (sheet.to_string(), row - 1, column_index(letters))
}

/// A value of the tiny formula language the workbook uses.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Number(f64),
    Text(String),
    Cells(Vec<Option<f64>>),
}

/// Evaluates the workbook's formulas: SUM, MIN, COUNT, IF, `=`, `/`, cell references and ranges
/// (one column) on the Monthly and Annual sheets, numbers and strings. Written from the formula
/// text alone, so a wrong reference gives a wrong number.
struct Evaluator<'a> {
    sheets: &'a [(&'a str, &'a Range<Data>)],
    sheet: &'a str,
}

impl Evaluator<'_> {
    fn cell(&self, sheet: &str, row: u32, col: u32) -> Option<f64> {
        let range = self
            .sheets
            .iter()
            .find(|(name, _)| *name == sheet)
            .unwrap_or_else(|| panic!("no sheet {sheet}"))
            .1;
        match range.get_value((row, col)) {
            Some(Data::Float(x)) => Some(*x),
            Some(Data::Int(x)) => Some(*x as f64),
            _ => None,
        }
    }

    fn eval(&self, formula: &str) -> Value {
        let formula = formula.trim_start_matches('=');
        let (value, rest) = self.expr(formula);
        assert!(rest.is_empty(), "unparsed tail {rest:?} in {formula}");
        value
    }

    fn expr<'s>(&self, s: &'s str) -> (Value, &'s str) {
        let (left, rest) = self.term(s);
        if let Some(rest) = rest.strip_prefix('/') {
            let (right, rest) = self.term(rest);
            return (Value::Number(num(&left) / num(&right)), rest);
        }
        if let Some(rest) = rest.strip_prefix('=') {
            let (right, rest) = self.term(rest);
            let equal = match (&left, &right) {
                (Value::Text(a), Value::Text(b)) => a == b,
                _ => num(&left) == num(&right),
            };
            return (Value::Number(if equal { 1.0 } else { 0.0 }), rest);
        }
        (left, rest)
    }

    fn term<'s>(&self, s: &'s str) -> (Value, &'s str) {
        if let Some(rest) = s.strip_prefix('"') {
            let end = rest.find('"').unwrap();
            return (Value::Text(rest[..end].to_string()), &rest[end + 1..]);
        }
        let end = s.find(['(', ')', ',', '/', '=']).unwrap_or(s.len());
        let token = &s[..end];
        let rest = &s[end..];
        if let Some(args) = rest.strip_prefix('(') {
            let mut values = Vec::new();
            let mut rest = args;
            loop {
                let (v, r) = self.expr(rest);
                values.push(v);
                if let Some(r) = r.strip_prefix(',') {
                    rest = r;
                } else {
                    rest = r.strip_prefix(')').unwrap();
                    break;
                }
            }
            return (self.call(token, values), rest);
        }
        if let Ok(x) = token.parse::<f64>() {
            return (Value::Number(x), rest);
        }
        if let Some((from, to)) = token.split_once(':') {
            let (sheet, r0, c0) = cell_ref(from, self.sheet);
            let (_, r1, c1) = cell_ref(
                &format!("{sheet}!{}", to.rsplit('!').next().unwrap()),
                self.sheet,
            );
            assert_eq!(c0, c1, "ranges are one column: {token}");
            let cells = (r0..=r1).map(|r| self.cell(&sheet, r, c0)).collect();
            return (Value::Cells(cells), rest);
        }
        let (sheet, r, c) = cell_ref(token, self.sheet);
        let v = self
            .cell(&sheet, r, c)
            .unwrap_or_else(|| panic!("{token} is empty"));
        (Value::Number(v), rest)
    }

    fn call(&self, name: &str, args: Vec<Value>) -> Value {
        let cells = |v: &Value| match v {
            Value::Cells(c) => c.iter().flatten().copied().collect::<Vec<f64>>(),
            other => vec![num(other)],
        };
        match name {
            // Summed in row order, as a spreadsheet does.
            "SUM" => Value::Number(args.iter().flat_map(&cells).sum()),
            "MIN" => Value::Number(
                cells(&args[0])
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min),
            ),
            "MAX" => Value::Number(
                cells(&args[0])
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max),
            ),
            "COUNT" => Value::Number(cells(&args[0]).len() as f64),
            "IF" => {
                if num(&args[0]) != 0.0 {
                    args[1].clone()
                } else {
                    args[2].clone()
                }
            }
            other => panic!("unexpected function {other}"),
        }
    }
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Number(x) => *x,
        other => panic!("expected a number, got {other:?}"),
    }
}

#[test]
fn the_workbook_has_the_documented_sheets_in_order() {
    let (contract, outcome) = example();
    let wb = open(workbook_bytes(&contract, &outcome, None));
    assert_eq!(
        wb.sheet_names(),
        vec!["Summary", "Annual", "Monthly", "Inputs", "Charts"]
    );
}

#[test]
fn monthly_values_are_the_engines_numbers_with_real_dates() {
    let (contract, outcome) = example();
    let mut wb = open(workbook_bytes(&contract, &outcome, None));
    let monthly = wb.worksheet_range("Monthly").unwrap();
    let s = &outcome.schedule;
    assert_eq!(
        monthly.height(),
        s.months.len() + 1,
        "header + one row per month"
    );
    let series = monthly_series(s);
    for (i, x) in series.iter().enumerate() {
        let col = 3 + i as u32;
        assert_eq!(text(&monthly, 0, col), xlsx::column_header(x.name, x.unit));
        for t in 0..s.months.len() {
            let Some(want) = x.values.get(t) else {
                // Absent (no market value): a blank cell.
                assert!(
                    monthly
                        .get_value((t as u32 + 1, col))
                        .is_none_or(|d| *d == Data::Empty),
                    "{} month {t} should be blank",
                    x.name
                );
                continue;
            };
            let got = number(&monthly, t as u32 + 1, col);
            assert!(close(got, want), "{} month {t}: {got} vs {want}", x.name);
        }
    }
    for (k, id) in s.tranche_ids.iter().enumerate() {
        let col = 3 + (series.len() + k) as u32;
        assert_eq!(
            text(&monthly, 0, col),
            xlsx::column_header(&format!("capacity_mw.{id}"), "MW")
        );
        for t in 0..s.months.len() {
            assert!(close(
                number(&monthly, t as u32 + 1, col),
                s.tranche_capacity_mw[k][t]
            ));
        }
    }
    for (t, month) in s.months.iter().enumerate() {
        // A real Excel date (calamine sees the date format), on the first of the month.
        match monthly.get_value((t as u32 + 1, 0)) {
            Some(Data::DateTime(d)) => {
                use chrono::Datelike;
                let (y, m, day, ..) = d.to_ymd_hms_milli();
                assert_eq!(
                    (i32::from(y), u32::from(m), day),
                    (month.year(), month.month(), 1)
                );
            }
            other => panic!("month {t} is not a date: {other:?}"),
        }
        assert_eq!(number(&monthly, t as u32 + 1, 1), (t / 12 + 1) as f64);
        assert_eq!(number(&monthly, t as u32 + 1, 2), t as f64);
    }
}

#[test]
fn annual_cells_are_formulas_over_the_years_monthly_rows_and_cache_their_values() {
    let (contract, outcome) = example();
    let mut wb = open(workbook_bytes(&contract, &outcome, None));
    let annual = wb.worksheet_range("Annual").unwrap();
    let monthly = wb.worksheet_range("Monthly").unwrap();
    let formulas = wb.worksheet_formula("Annual").unwrap();
    let sheets = [("Monthly", &monthly), ("Annual", &annual)];
    let eval = Evaluator {
        sheets: &sheets,
        sheet: "Annual",
    };
    // Header names of Monthly, to check each reference points at the series of the same name.
    let monthly_header: Vec<String> = (0..monthly.width() as u32)
        .map(|c| text(&monthly, 0, c))
        .collect();
    let columns = annual_columns();
    let mut checked = 0;
    for (y, row) in outcome.annual.iter().enumerate() {
        let r = y as u32 + 1;
        assert_eq!(number(&annual, r, 0), (row.year + 1) as f64);
        let (first, last) = (row.first_period + 2, row.last_period + 2);
        for (i, col) in columns.iter().enumerate() {
            let c = 3 + i as u32;
            let formula = formulas
                .get_value((r, c))
                .unwrap_or_else(|| panic!("no formula for {} in year {y}", col.name));
            assert!(
                !formula.is_empty(),
                "{} year {y} is not a formula",
                col.name
            );
            // Every reference is to this year's rows of a Monthly column named for the series.
            let refs: Vec<&str> = formula
                .split(['(', ')', ',', '/', '='])
                .filter(|p| p.starts_with("Monthly!"))
                .collect();
            assert!(!refs.is_empty(), "{formula}");
            for reference in refs {
                let cells: Vec<&str> = reference.split(':').collect();
                let (_, r0, c0) = cell_ref(cells[0], "Annual");
                let (_, r1, _) = cell_ref(cells.last().unwrap(), "Monthly");
                let header = &monthly_header[c0 as usize];
                let allowed: Vec<&str> = match col.name {
                    "utilization" => vec!["used_pflop_hours", "available_pflop_hours"],
                    "dscr" => vec!["cfads", "debt_service"],
                    "delivery_ratio" => vec!["capacity_mw", "promised_capacity_mw"],
                    "credit_support" => CREDIT_SUPPORT.to_vec(),
                    name => vec![name],
                };
                assert!(
                    allowed
                        .iter()
                        .any(|a| header.starts_with(&format!("{} (", xlsx::series_label(a)))),
                    "{} refers to {header}",
                    col.name
                );
                match col.aggregation {
                    Aggregation::Last => assert_eq!(r0 as usize + 1, last, "{formula}"),
                    _ => {
                        assert_eq!(
                            (r0 as usize + 1, r1 as usize + 1),
                            (first, last),
                            "{formula}"
                        )
                    }
                }
            }
            // The cached result is the engine's figure...
            let engine = (col.get)(row);
            let evaluated = eval.eval(formula);
            match (annual.get_value((r, c)), engine) {
                (Some(Data::Float(cached)), Some(v)) => {
                    assert!(
                        close(*cached, v),
                        "{} year {y}: cached {cached}, engine {v}",
                        col.name
                    );
                    // ...and what the formula gives over the Monthly values.
                    assert!(
                        close(num(&evaluated), *cached),
                        "{} year {y}: {formula} = {evaluated:?}, cached {cached}",
                        col.name
                    );
                }
                (Some(Data::String(s)), None) => {
                    assert_eq!(s, "none");
                    assert_eq!(evaluated, Value::Text("none".into()));
                }
                (cell, engine) => panic!("{} year {y}: cell {cell:?}, engine {engine:?}", col.name),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, outcome.annual.len() * columns.len());
}

#[test]
fn the_total_row_ties_out_to_the_whole_monthly_sheet() {
    let (contract, outcome) = example();
    let mut wb = open(workbook_bytes(&contract, &outcome, None));
    let annual = wb.worksheet_range("Annual").unwrap();
    let monthly = wb.worksheet_range("Monthly").unwrap();
    let formulas = wb.worksheet_formula("Annual").unwrap();
    let sheets = [("Monthly", &monthly), ("Annual", &annual)];
    let eval = Evaluator {
        sheets: &sheets,
        sheet: "Annual",
    };
    let r = outcome.annual.len() as u32 + 1;
    assert_eq!(text(&annual, r, 0), "Total");
    let n = outcome.schedule.months.len() + 1;
    let m = &outcome.metrics;
    for (i, col) in annual_columns().iter().enumerate() {
        let c = 3 + i as u32;
        if matches!(col.aggregation, Aggregation::Last) || col.name == "dscr" {
            // No total: blank (the next test).
            continue;
        }
        let formula = formulas.get_value((r, c)).unwrap();
        if let Some(Data::String(none)) = annual.get_value((r, c)) {
            // No LTV without market value: the formula says so too.
            assert_eq!(none, "none", "{}", col.name);
            assert_eq!(eval.eval(formula), Value::Text("none".into()), "{formula}");
            continue;
        }
        let cached = number(&annual, r, c);
        assert!(
            close(num(&eval.eval(formula)), cached),
            "{}: {formula}",
            col.name
        );
        if col.aggregation == Aggregation::Sum {
            // The whole term of the Monthly column named for the series.
            let c = (0..monthly.width() as u32)
                .find(|c| {
                    text(&monthly, 0, *c)
                        .starts_with(&format!("{} (", xlsx::series_label(col.name)))
                })
                .unwrap();
            let letter = column_name(c);
            assert_eq!(formula, &format!("SUM(Monthly!{letter}2:{letter}{n})"));
        }
        let expected = match col.name {
            "payments" => Some(m.total_payments),
            "usage_charge" => Some(m.total_usage_charges),
            "shortfall" => Some(m.total_shortfall),
            "true_up" => Some(m.total_true_up),
            "capex" => Some(m.total_capex),
            "tax" => Some(m.total_tax),
            "power_cost" => Some(m.total_power_cost),
            "fixed_opex" => Some(m.total_fixed_opex),
            "used_pflop_hours" => Some(m.total_used_pflop_hours),
            "available_pflop_hours" => Some(m.total_available_pflop_hours),
            "utilization" => m.average_utilization,
            "delivery_ratio" => Some(m.delivery_ratio),
            "capacity_charge" => Some(m.total_capacity_charges),
            "true_up_annual" => Some(m.total_true_up_annual),
            _ => None,
        };
        if let Some(v) = expected {
            assert!(
                close(cached, v),
                "{}: total {cached} vs metrics {v}",
                col.name
            );
        }
    }
}

/// Audit item 4: a credit committee reads a Total row as sums. The Annual Total row holds sums
/// and ratios of the term's sums only: no MIN, and no end-of-year position (capacity, debt
/// balance, LTV) or DSCR, whose cells are blank; the minimum DSCR is a separate row labelled
/// "Minimum" below it, which the Summary's "Minimum DSCR" and financeable's figure reference.
#[test]
fn the_total_row_holds_only_totals_and_the_minimum_dscr_has_its_own_row() {
    for (contract, outcome) in [example(), common::v2_example(false)] {
        let mut wb = open(workbook_bytes(&contract, &outcome, None));
        let annual = wb.worksheet_range("Annual").unwrap();
        let monthly = wb.worksheet_range("Monthly").unwrap();
        let formulas = wb.worksheet_formula("Annual").unwrap();
        let formula =
            |r: u32, c: u32| -> String { formulas.get_value((r, c)).cloned().unwrap_or_default() };
        let years = outcome.annual.len() as u32;
        let (total, minimum) = (years + 1, years + 2);
        assert_eq!(text(&annual, total, 0), "Total");
        let columns = annual_columns();
        for (i, col) in columns.iter().enumerate() {
            let c = 3 + i as u32;
            let f = formula(total, c);
            assert!(!f.contains("MIN("), "{}: {f}", col.name);
            let blank = matches!(col.aggregation, Aggregation::Last) || col.name == "dscr";
            if blank {
                assert!(f.is_empty(), "{}: {f}", col.name);
                assert!(
                    matches!(annual.get_value((total, c)), None | Some(Data::Empty)),
                    "{}: {:?}",
                    col.name,
                    annual.get_value((total, c))
                );
            } else {
                assert!(
                    f.starts_with("SUM(") || f.starts_with("IF("),
                    "{}: {f}",
                    col.name
                );
            }
            if col.name != "dscr" {
                assert!(formula(minimum, c).is_empty(), "{}", col.name);
            }
        }
        assert_eq!(text(&annual, minimum, 0), "Minimum");
        let d = 3 + columns.iter().position(|c| c.name == "dscr").unwrap() as u32;
        let letter = column_name(d);
        let f = formula(minimum, d);
        assert_eq!(
            f,
            format!(
                "IF(COUNT({letter}2:{letter}{})=0,\"none\",MIN({letter}2:{letter}{}))",
                years + 1,
                years + 1
            )
        );
        let sheets = [("Monthly", &monthly), ("Annual", &annual)];
        let eval = Evaluator {
            sheets: &sheets,
            sheet: "Annual",
        };
        let min = outcome.metrics.min_dscr.unwrap();
        assert!(close(num(&eval.eval(&f)), min));
        assert!(close(number(&annual, minimum, d), min));

        // The Summary's minimum DSCR and financeable's figure point at the Minimum row.
        let summary = wb.worksheet_range("Summary").unwrap();
        let summary_formulas = wb.worksheet_formula("Summary").unwrap();
        let target = format!("Annual!{letter}{}", years + 3);
        for label in ["Minimum DSCR", "Financeable"] {
            let r = (0..summary.height() as u32)
                .find(|r| {
                    (0..2).any(|c| summary.get_value((*r, c)) == Some(&Data::String(label.into())))
                })
                .unwrap_or_else(|| panic!("no Summary row {label}"));
            assert_eq!(
                summary_formulas.get_value((r, 2)).map(String::as_str),
                Some(target.as_str()),
                "{label}"
            );
            assert!(close(number(&summary, r, 2), min), "{label}");
        }
    }
}

/// The headlines the Annual sheet also has, by label: (label, the engine's figure, where on
/// the Annual sheet: its Total row, or the last contract year's row).
fn linked_headlines(outcome: &Outcome) -> Vec<(&'static str, Option<f64>, &'static str)> {
    let m = &outcome.metrics;
    vec![
        (
            "Compute available",
            Some(m.total_available_pflop_hours),
            "available_pflop_hours",
        ),
        (
            "Compute used",
            Some(m.total_used_pflop_hours),
            "used_pflop_hours",
        ),
        ("Average utilization", m.average_utilization, "utilization"),
        ("Capacity at end", Some(m.capacity_mw_at_end), "capacity_mw"),
        ("Delivery ratio", Some(m.delivery_ratio), "delivery_ratio"),
    ]
}

/// Audit item 5: the Summary's compute available and used, average utilization, capacity at
/// end and delivery ratio are formulas over the Annual sheet (its Total row; the last year's
/// row for the capacity at the end), not typed numbers, so editing Monthly moves them; their
/// cached values are the figures the Summary wrote as numbers before, bit for bit, and the
/// formulas evaluated over the Annual sheet give them too. Every bundled example.
#[test]
fn the_summarys_compute_and_capacity_figures_are_formulas_over_annual() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (contract, outcome) = common::run(&std::fs::read_to_string(&path).unwrap(), &[]);
        let mut wb = open(workbook_bytes(&contract, &outcome, None));
        let summary = wb.worksheet_range("Summary").unwrap();
        let formulas = wb.worksheet_formula("Summary").unwrap();
        let annual = wb.worksheet_range("Annual").unwrap();
        let monthly = wb.worksheet_range("Monthly").unwrap();
        let sheets = [("Monthly", &monthly), ("Annual", &annual)];
        let eval = Evaluator {
            sheets: &sheets,
            sheet: "Summary",
        };
        let years = outcome.annual.len() as u32;
        for (label, figure, column) in linked_headlines(&outcome) {
            let r = (0..summary.height() as u32)
                .find(|r| summary.get_value((*r, 1)) == Some(&Data::String(label.into())))
                .unwrap_or_else(|| panic!("{name}: no Summary row {label}"));
            let Some(figure) = figure else {
                assert!(matches!(summary.get_value((r, 2)), Some(Data::String(_))));
                continue;
            };
            let i = annual_columns()
                .iter()
                .position(|c| c.name == column)
                .unwrap() as u32;
            let row = if column == "capacity_mw" {
                years + 1
            } else {
                years + 2
            };
            let formula = formulas.get_value((r, 2)).map(String::as_str).unwrap_or("");
            assert_eq!(
                formula,
                format!("Annual!{}{row}", column_name(3 + i)),
                "{name}: {label}"
            );
            let cached = number(&summary, r, 2);
            assert_eq!(cached.to_bits(), figure.to_bits(), "{name}: {label}");
            let evaluated = num(&eval.eval(formula));
            assert!(
                close(evaluated, figure),
                "{name}: {label}: Annual gives {evaluated}, the Summary {figure}"
            );
            checked += 1;
        }
        // The peak capacity: the largest month of the Monthly capacity.
        let r = (0..summary.height() as u32)
            .find(|r| summary.get_value((*r, 1)) == Some(&Data::String("Peak capacity".into())))
            .unwrap_or_else(|| panic!("{name}: no Summary row Peak capacity"));
        let formula = formulas.get_value((r, 2)).map(String::as_str).unwrap_or("");
        let column = xlsx::monthly_column(&outcome, "capacity_mw").unwrap();
        let last = xlsx::monthly_row(outcome.schedule.months.len() - 1);
        assert_eq!(
            formula,
            format!("MAX(Monthly!{column}2:{column}{last})"),
            "{name}"
        );
        let peak = outcome.metrics.peak_capacity_mw;
        assert_eq!(number(&summary, r, 2).to_bits(), peak.to_bits(), "{name}");
        assert_eq!(
            num(&eval.eval(formula)),
            peak,
            "{name}: Monthly gives the peak"
        );
        checked += 1;
    }
    assert!(checked >= 60, "{checked}");
}

#[test]
fn inputs_sheet_lists_every_input_with_its_evidence_and_source() {
    let (contract, outcome) = example();
    let mut wb = open(workbook_bytes(&contract, &outcome, None));
    let inputs = wb.worksheet_range("Inputs").unwrap();
    assert_eq!(inputs.height(), contract.inputs.len() + 1);
    assert_eq!(text(&inputs, 0, 3), "evidence");
    assert_eq!(text(&inputs, 0, 5), "source title");
    for (i, input) in contract.inputs.iter().enumerate() {
        let r = i as u32 + 1;
        assert_eq!(text(&inputs, r, 0), input.path);
        if let Some(x) = input.value.number() {
            assert!(close(number(&inputs, r, 1), x), "{}", input.path);
        }
        assert_eq!(text(&inputs, r, 3), input.grade_name());
        assert_eq!(number(&inputs, r, 10), input.line as f64);
        if let Some(id) = &input.source {
            assert_eq!(text(&inputs, r, 4), *id);
            let title = contract
                .sources
                .iter()
                .find(|s| &s.id == id)
                .and_then(|s| s.title.clone())
                .unwrap();
            assert_eq!(text(&inputs, r, 5), title);
        }
    }
    // The example's commitment is disclosed by Amazon's own announcement.
    let row = contract
        .inputs
        .iter()
        .position(|i| i.path == "commitment.min_total_spend")
        .unwrap() as u32
        + 1;
    assert_eq!(text(&inputs, row, 3), "disclosed");
    assert_eq!(
        text(&inputs, row, 5),
        "Amazon and Anthropic expand strategic collaboration"
    );
}

#[test]
fn summary_shows_verdicts_and_headline_numbers_as_numbers() {
    let (contract, outcome) = example();
    let mut wb = open(workbook_bytes(&contract, &outcome, None));
    let summary = wb.worksheet_range("Summary").unwrap();
    let find = |label: &str| -> u32 {
        (0..summary.height() as u32)
            .find(|r| {
                matches!(summary.get_value((*r, 1)), Some(Data::String(s)) if s == label)
                    || matches!(summary.get_value((*r, 0)), Some(Data::String(s)) if s == label)
            })
            .unwrap_or_else(|| panic!("no row {label}"))
    };
    let npv = find("Provider NPV");
    assert!(close(
        number(&summary, npv, 2),
        outcome.metrics.provider_npv
    ));
    let contracted = find("Contracted");
    let passed = if outcome.verdicts.contracted {
        "yes"
    } else {
        "NO"
    };
    assert_eq!(text(&summary, contracted, 1), passed);
    assert!(close(
        number(&summary, contracted, 2),
        outcome.metrics.coverage.unwrap()
    ));
    assert!(close(
        number(&summary, contracted, 3),
        contract.thresholds.coverage
    ));
}

#[test]
fn the_risk_sheet_carries_the_simulators_figures() {
    let (contract, outcome) = example();
    let (report, view) = monte_carlo(&contract, 300);
    let mut wb = open(workbook_bytes(&contract, &outcome, Some(&view)));
    assert_eq!(
        wb.sheet_names().iter().rev().nth(1).map(String::as_str),
        Some("Risk")
    );
    let risk = wb.worksheet_range("Risk").unwrap();
    let npv = report
        .metrics
        .get(offtake_risk::PathMetric::ProviderNpv)
        .unwrap();
    assert_eq!(text(&risk, 1, 0), "Provider NPV");
    assert!(close(number(&risk, 1, 2), npv.p10.unwrap()));
    assert!(close(number(&risk, 1, 3), npv.p50.unwrap()));
    assert!(close(number(&risk, 1, 4), npv.p90.unwrap()));
    let row = (0..risk.height() as u32)
        .find(|r| matches!(risk.get_value((*r, 0)), Some(Data::String(s)) if s == "Contracted"))
        .unwrap();
    assert!(close(
        number(&risk, row, 1),
        report.probabilities.contracted.unwrap()
    ));
}

fn find_on_path(names: &[&str]) -> Option<std::path::PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// Parses a CSV field LibreOffice wrote with "save as shown" off: a number, maybe with `%`.
fn csv_number(field: &str) -> Option<f64> {
    match field.strip_suffix('%') {
        Some(p) => p.parse::<f64>().ok().map(|x| x / 100.0),
        None => field.parse().ok(),
    }
}

/// LibreOffice, told to recalculate OOXML on load, computes the Annual sheet's formulas itself
/// and gets the engine's figures. A control workbook whose cached result is wrong on purpose
/// proves it really recalculated. `#[ignore]`d, so a plain `cargo test` reports it as ignored
/// (never as passed without LibreOffice); `.ci/run` installs LibreOffice and runs it with
/// `--ignored`, where a missing LibreOffice fails.
#[test]
#[ignore = "needs LibreOffice: install libreoffice-calc and run with --ignored"]
fn libreoffice_recalculates_the_annual_sheet_to_the_engines_figures() {
    let soffice = find_on_path(&["soffice", "libreoffice"])
        .expect("LibreOffice (soffice or libreoffice) is not on PATH: this test needs it");
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("profile");
    std::fs::create_dir_all(profile.join("user")).unwrap();
    // OOXMLRecalcMode 0 = always recalculate on load (the default never does).
    std::fs::write(
        profile.join("user/registrymodifications.xcu"),
        r#"<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"#,
    )
    .unwrap();
    let (contract, outcome) = example();
    let (_, view) = monte_carlo(&contract, 300);
    let bytes = workbook_bytes(&contract, &outcome, Some(&view));
    std::fs::write(dir.path().join("report.xlsx"), &bytes).unwrap();
    let mut control = rust_xlsxwriter::Workbook::new();
    control
        .add_worksheet()
        .write_formula(0, 0, rust_xlsxwriter::Formula::new("=1+1").set_result("5"))
        .unwrap();
    std::fs::write(
        dir.path().join("control.xlsx"),
        control.save_to_buffer().unwrap(),
    )
    .unwrap();

    let out = dir.path().join("out");
    let status = std::process::Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--convert-to",
            // Comma-separated, UTF-8, raw values (not as shown), every sheet to its own file.
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
            "--outdir",
        ])
        .arg(&out)
        .arg(dir.path().join("report.xlsx"))
        .arg(dir.path().join("control.xlsx"))
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let control = std::fs::read_to_string(out.join("control-Sheet1.csv")).unwrap();
    assert_eq!(control.trim(), "2", "LibreOffice did not recalculate");

    let annual = std::fs::read_to_string(out.join("report-Annual.csv")).unwrap();
    let rows: Vec<Vec<&str>> = annual.lines().map(|l| l.split(',').collect()).collect();
    let columns = annual_columns();
    for (y, row) in outcome.annual.iter().enumerate() {
        for (i, col) in columns.iter().enumerate() {
            let field = rows[y + 1][3 + i];
            match (col.get)(row) {
                Some(v) => {
                    let got = csv_number(field).unwrap_or_else(|| panic!("{field:?}"));
                    assert!(
                        close(got, v),
                        "{} year {y}: LibreOffice {got}, engine {v}",
                        col.name
                    );
                }
                None => assert_eq!(field, "none"),
            }
        }
    }
    let total = &rows[outcome.annual.len() + 1];
    let payments = columns.iter().position(|c| c.name == "payments").unwrap();
    assert!(close(
        csv_number(total[3 + payments]).unwrap(),
        outcome.metrics.total_payments
    ));

    // The Summary's NPV and IRR are formulas over the Monthly FCF; recalculated by LibreOffice
    // they are the engine's figures to 1e-6 (NPV relative to its size, IRR absolute).
    let summary = std::fs::read_to_string(out.join("report-Summary.csv")).unwrap();
    let summary_rows = csv_rows(&summary);
    let recalculated = |label: &str| -> f64 {
        let row = summary_rows
            .iter()
            .find(|r| r.get(1).map(String::as_str) == Some(label))
            .unwrap_or_else(|| panic!("no Summary row {label}"));
        csv_number(&row[2]).unwrap_or_else(|| panic!("{label}: {:?}", row[2]))
    };
    let m = &outcome.metrics;
    let npv = recalculated("Provider NPV");
    assert!(
        (npv - m.provider_npv).abs() <= 1e-6 * m.provider_npv.abs().max(1.0),
        "NPV: LibreOffice {npv}, engine {}",
        m.provider_npv
    );
    // The compute and capacity figures reference the Annual sheet.
    for (label, figure, _) in linked_headlines(&outcome) {
        let want = figure.unwrap();
        let got = recalculated(label);
        assert!(
            close(got, want),
            "{label}: LibreOffice {got}, engine {want}"
        );
    }
    // The Summary's minimum DSCR references the Annual sheet's Minimum row (its MIN).
    let min_dscr = recalculated("Minimum DSCR");
    assert!(
        close(min_dscr, m.min_dscr.unwrap()),
        "minimum DSCR: LibreOffice {min_dscr}, engine {:?}",
        m.min_dscr
    );
    let irr = recalculated("Provider IRR");
    let want = m.provider_irr.unwrap();
    assert!(
        (irr - want).abs() <= 1e-6,
        "IRR: LibreOffice {irr}, engine {want}"
    );
    let mut wb = open(bytes.clone());
    let formulas = wb.worksheet_formula("Summary").unwrap();
    let cached = wb.worksheet_range("Summary").unwrap();
    for label in ["Provider NPV", "Provider IRR", "Total payments"] {
        let r = (0..cached.height() as u32)
            .find(|r| cached.get_value((*r, 1)) == Some(&Data::String(label.into())))
            .unwrap();
        let f = formulas.get_value((r, 2)).map(String::as_str).unwrap_or("");
        assert!(!f.is_empty(), "{label} is not a formula");
    }

    // No number shows as ###: each numeric cell's text as LibreOffice shows it fits its
    // column's width (in characters, as the workbook sets it), with one character to spare;
    // for this workbook and for every bundled example's (the credit block of those with credit
    // terms, the Debt sheet of those with a §15 key).
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut workbooks = vec![("report".to_string(), bytes.clone())];
    for entry in std::fs::read_dir(&examples).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let src = std::fs::read_to_string(&path).unwrap();
        let (c, o) = common::run(&src, &[]);
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        workbooks.push((stem, workbook_bytes(&c, &o, None)));
    }
    assert!(workbooks.len() > 10);
    let mut convert =
        std::process::Command::new(find_on_path(&["soffice", "libreoffice"]).unwrap());
    convert
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--convert-to",
            // As above, but each cell as shown (formatted).
            "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
            "--outdir",
        ])
        .arg(dir.path().join("shown"));
    for (stem, bytes) in &workbooks {
        let file = dir.path().join(format!("{stem}.xlsx"));
        std::fs::write(&file, bytes).unwrap();
        convert.arg(file);
    }
    let status = convert.output().unwrap();
    assert!(status.status.success(), "{status:?}");
    for (stem, bytes) in &workbooks {
        let checked = shown_cells_fit(&dir.path().join("shown"), stem, bytes);
        assert!(checked > 1000, "{stem}: {checked} numeric cells checked");
    }

    // Tornado settings are numbers (a multiplier, months), not text.
    let risk = wb.worksheet_range("Risk").unwrap();
    let header = (0..risk.height() as u32)
        .find(|r| risk.get_value((*r, 0)) == Some(&Data::String("Tornado factor".into())))
        .unwrap();
    for (i, t) in view.tornado.iter().enumerate() {
        let r = header + 1 + i as u32;
        assert_eq!(text(&risk, r, 0), t.factor);
        for (c, want) in [(1, t.p10_number), (2, t.p90_number)] {
            let want = want.unwrap_or_else(|| panic!("{} has no number", t.factor));
            assert!(close(number(&risk, r, c), want), "{} column {c}", t.factor);
        }
    }
}

/// Checks each numeric cell of workbook `bytes` as LibreOffice showed it (the CSV files
/// `{stem}-{sheet}.csv` in `shown`) against its column's width; the number of cells checked.
fn shown_cells_fit(shown: &std::path::Path, stem: &str, bytes: &[u8]) -> usize {
    let widths = column_widths(bytes);
    let mut wb = open(bytes.to_vec());
    let mut checked = 0;
    for (index, sheet) in wb.sheet_names().iter().enumerate() {
        let range = wb.worksheet_range(sheet).unwrap();
        let text = std::fs::read_to_string(shown.join(format!("{stem}-{sheet}.csv")))
            .unwrap_or_else(|e| panic!("{stem} {sheet}: {e}"));
        let rows = csv_rows(&text);
        for (r, row) in range.rows().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if !matches!(cell, Data::Float(_) | Data::Int(_) | Data::DateTime(_)) {
                    continue;
                }
                let text = rows
                    .get(r)
                    .and_then(|row| row.get(c))
                    .map_or("", String::as_str);
                assert!(
                    !text.contains('#'),
                    "{stem} {sheet} ({r}, {c}) shows {text:?}"
                );
                let width = widths[index].get(&(c as u32)).copied().unwrap_or(8.43);
                assert!(
                    text.chars().count() as f64 + 1.0 <= width,
                    "{stem} {sheet} ({r}, {c}): {text:?} in a column {width} wide would show ###"
                );
                checked += 1;
            }
        }
    }
    checked
}

/// Rows of a CSV file LibreOffice wrote (quoted fields may hold commas).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Each worksheet's column widths (0-based column → width in characters) as the workbook sets
/// them, in sheet order, read from its XML.
fn column_widths(xlsx: &[u8]) -> Vec<std::collections::BTreeMap<u32, f64>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let mut out = Vec::new();
    for n in 1.. {
        let Ok(mut part) = zip.by_name(&format!("xl/worksheets/sheet{n}.xml")) else {
            break;
        };
        let mut xml = String::new();
        part.read_to_string(&mut xml).unwrap();
        let mut widths = std::collections::BTreeMap::new();
        for col in xml.split("<col ").skip(1) {
            let attr = |name: &str| -> f64 {
                let start = col.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                col[start..start + col[start..].find('"').unwrap()]
                    .parse()
                    .unwrap()
            };
            for c in attr("min") as u32..=attr("max") as u32 {
                widths.insert(c - 1, attr("width"));
            }
        }
        out.push(widths);
    }
    out
}

/// MODEL v2 §14: the Summary's credit block lists each party, and its share of the
/// credit-adjusted numerator is a formula over the PV column giving the same shares; §15: the
/// Debt sheet comes after Monthly.
#[test]
fn the_summary_has_the_credit_block_with_share_formulas() {
    let (contract, outcome) = common::v2_example(false);
    let mut wb = open(workbook_bytes(&contract, &outcome, None));
    assert_eq!(
        wb.sheet_names(),
        vec!["Summary", "Annual", "Monthly", "Debt", "Inputs", "Charts"]
    );
    let summary = wb.worksheet_range("Summary").unwrap();
    let formulas = wb.worksheet_formula("Summary").unwrap();
    let header = (0..summary.height() as u32)
        .find(|r| summary.get_value((*r, 0)) == Some(&Data::String("Party".into())))
        .expect("a party table");
    let pv: Vec<f64> = (1..=3).map(|i| number(&summary, header + i, 7)).collect();
    for (i, party) in ["buyer", "parent", "vendor"].iter().enumerate() {
        let r = header + 1 + i as u32;
        assert_eq!(text(&summary, r, 0), *party);
        assert!(close(pv[i], outcome.credit[i].pv_support));
        let formula = formulas.get_value((r, 8)).unwrap();
        let (first, last) = (header + 2, header + 4);
        assert_eq!(
            formula,
            &format!(
                "IF(SUM(H{first}:H{last})=0,\"none\",H{}/SUM(H{first}:H{last}))",
                r + 1
            )
        );
        let share = pv[i] / pv.iter().sum::<f64>();
        assert!(close(number(&summary, r, 8), share));
    }
    assert!((0..summary.height() as u32).any(
        |r| summary.get_value((r, 1)) == Some(&Data::String("Credit-adjusted coverage".into()))
    ));
}

/// Issue 19: the Charts sheet has two native charts over a table linked to the Annual sheet,
/// and the Annual sheet's DSCR column turns red below the threshold (a conditional format).
#[test]
fn the_workbook_has_charts_and_marks_a_dscr_below_the_threshold() {
    use std::io::Read;
    let (contract, outcome) = example();
    let bytes = workbook_bytes(&contract, &outcome, None);
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes.clone())).unwrap();
    let mut part = |name: &str| -> String {
        let mut xml = String::new();
        zip.by_name(name)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .read_to_string(&mut xml)
            .unwrap();
        xml
    };
    for chart in ["xl/charts/chart1.xml", "xl/charts/chart2.xml"] {
        assert!(
            part(chart).contains("Charts!$"),
            "{chart} draws the Charts sheet's table"
        );
    }
    // Sheet 2 is Annual.
    let annual = part("xl/worksheets/sheet2.xml");
    let cf = &annual[annual
        .find("<conditionalFormatting")
        .expect("a conditional format")..];
    assert!(cf.contains("operator=\"lessThan\""), "{cf}");
    assert!(
        cf.contains(&format!("<formula>{}</formula>", contract.thresholds.dscr)),
        "{cf}"
    );
    let mut wb = open(bytes);
    let charts = wb.worksheet_range("Charts").unwrap();
    let formulas = wb.worksheet_formula("Charts").unwrap();
    for (y, row) in outcome.annual.iter().enumerate() {
        let r = y as u32 + 1;
        assert!(close(number(&charts, r, 1), row.fcf));
        assert!(formulas.get_value((r, 1)).unwrap().starts_with("Annual!"));
        assert!(close(number(&charts, r, 3), contract.thresholds.dscr));
    }
}
