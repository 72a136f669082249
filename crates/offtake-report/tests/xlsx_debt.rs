//! The XLSX Debt sheet (MODEL v2 §15) read back with calamine: its sculpted service, draws,
//! balance, K, D*, g, LLCR, LTV and DSCR by year are formulas, and evaluating those formulas
//! here — recursively, from the Monthly sheet's CFADS and capex values, never from a cached
//! result — gives the engine's figures.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx, open_workbook_from_rs};
use offtake_engine::Outcome;
use offtake_model::Contract;
use offtake_report::document::Report;
use offtake_report::xlsx::{self, debt_layout as L};

mod common;

use common::{EXAMPLE, run};

const DSCR_BINDS: &str =
    include_str!("../../offtake-engine/tests/cases/lender_sculpt_dscr_binds.toml");
const GEARING_BINDS: &str =
    include_str!("../../offtake-engine/tests/cases/lender_sculpt_gearing_binds.toml");
const RESERVE: &str =
    include_str!("../../offtake-engine/tests/cases/lender_reserve_exhausted.toml");
const LTV_CROSSING: &str =
    include_str!("../../offtake-engine/tests/cases/lender_ltv_crossing.toml");

/// The example with a sculpted loan, a reserve and a resale curve.
fn sculpted_example() -> String {
    EXAMPLE.replace(
        "[financing]\ndebt_share = 0.5\ninterest_rate = 0.06\ntenor_years = 7\n",
        "[financing]\nsizing = \"sculpted\"\ntarget_dscr = 1.4\nmax_gearing = 0.6\ninterest_rate = 0.06\ntenor_years = 7\ndsra_months = 6\n\n[market]\nchip_resale = [[0, 1.0], [2, 0.5], [5, 0.1]]\n",
    )
}

type Workbook = Xlsx<Cursor<Vec<u8>>>;

fn workbook(contract: &Contract, outcome: &Outcome) -> Workbook {
    let report = Report {
        contract,
        outcome,
        variants: &[],
        demand_factor: None,
        file_name: "deal.toml",
        risk: None,
    };
    open_workbook_from_rs(Cursor::new(xlsx::render(&report).unwrap())).unwrap()
}

#[derive(Debug, Clone, PartialEq)]
enum V {
    Num(f64),
    Text(String),
    Empty,
    Cells(Vec<V>),
}

impl V {
    fn num(&self) -> f64 {
        match self {
            V::Num(x) => *x,
            V::Empty => 0.0,
            other => panic!("expected a number, got {other:?}"),
        }
    }
}

/// Evaluates the formulas of the Debt sheet: numbers, strings, cell references (with `$` and
/// a sheet), ranges of one column, + − × ÷ ^, unary minus, comparisons, and IF, MIN, MAX, SUM,
/// COUNT. A reference to a formula cell evaluates that formula (memoized): every figure is
/// recomputed from the Monthly sheet's values.
struct Eval<'a> {
    values: HashMap<&'a str, &'a Range<Data>>,
    formulas: &'a Range<String>,
    memo: RefCell<HashMap<(u32, u32), V>>,
}

fn col_index(letters: &str) -> u32 {
    letters
        .bytes()
        .fold(0, |acc, b| acc * 26 + u32::from(b - b'A' + 1))
        - 1
}

fn split_ref(token: &str) -> (Option<&str>, u32, u32) {
    let (sheet, cell) = match token.split_once('!') {
        Some((s, c)) => (Some(s), c),
        None => (None, token),
    };
    let cell = cell.replace('$', "");
    let digits = cell.find(|c: char| c.is_ascii_digit()).unwrap();
    let col = col_index(&cell[..digits]);
    let row: u32 = cell[digits..].parse().unwrap();
    (sheet, row - 1, col)
}

impl Eval<'_> {
    fn cell(&self, sheet: Option<&str>, row: u32, col: u32) -> V {
        let formula = sheet
            .is_none_or(|s| s == "Debt")
            .then(|| self.formulas.get_value((row, col)))
            .flatten()
            .filter(|f| !f.is_empty());
        if let Some(f) = formula {
            if let Some(v) = self.memo.borrow().get(&(row, col)) {
                return v.clone();
            }
            let v = self.eval(f);
            self.memo.borrow_mut().insert((row, col), v.clone());
            return v;
        }
        let range = self.values[sheet.unwrap_or("Debt")];
        match range.get_value((row, col)) {
            Some(Data::Float(x)) => V::Num(*x),
            Some(Data::Int(x)) => V::Num(*x as f64),
            Some(Data::String(s)) => V::Text(s.clone()),
            _ => V::Empty,
        }
    }

    fn eval(&self, formula: &str) -> V {
        let text = formula.trim_start_matches('=');
        let (v, rest) = self.compare(text);
        assert!(rest.is_empty(), "unparsed {rest:?} in {formula}");
        v
    }

    fn compare<'s>(&self, s: &'s str) -> (V, &'s str) {
        let (a, rest) = self.sum(s);
        for op in ["<=", ">=", "<>", "<", ">", "="] {
            if let Some(r) = rest.strip_prefix(op) {
                let (b, r) = self.sum(r);
                let truth = match (&a, &b, op) {
                    (V::Text(x), V::Text(y), "=") => x == y,
                    (_, _, "<=") => a.num() <= b.num(),
                    (_, _, ">=") => a.num() >= b.num(),
                    (_, _, "<>") => a.num() != b.num(),
                    (_, _, "<") => a.num() < b.num(),
                    (_, _, ">") => a.num() > b.num(),
                    _ => a.num() == b.num(),
                };
                return (V::Num(if truth { 1.0 } else { 0.0 }), r);
            }
        }
        (a, rest)
    }

    fn sum<'s>(&self, s: &'s str) -> (V, &'s str) {
        let (mut a, mut rest) = self.product(s);
        loop {
            if let Some(r) = rest.strip_prefix('+') {
                let (b, r) = self.product(r);
                a = V::Num(a.num() + b.num());
                rest = r;
            } else if let Some(r) = rest.strip_prefix('-') {
                let (b, r) = self.product(r);
                a = V::Num(a.num() - b.num());
                rest = r;
            } else {
                return (a, rest);
            }
        }
    }

    fn product<'s>(&self, s: &'s str) -> (V, &'s str) {
        let (mut a, mut rest) = self.power(s);
        loop {
            if let Some(r) = rest.strip_prefix('*') {
                let (b, r) = self.power(r);
                a = V::Num(a.num() * b.num());
                rest = r;
            } else if let Some(r) = rest.strip_prefix('/') {
                let (b, r) = self.power(r);
                a = V::Num(a.num() / b.num());
                rest = r;
            } else {
                return (a, rest);
            }
        }
    }

    fn power<'s>(&self, s: &'s str) -> (V, &'s str) {
        let (a, rest) = self.unary(s);
        if let Some(r) = rest.strip_prefix('^') {
            let (b, r) = self.unary(r);
            return (V::Num(a.num().powf(b.num())), r);
        }
        (a, rest)
    }

    fn unary<'s>(&self, s: &'s str) -> (V, &'s str) {
        if let Some(r) = s.strip_prefix('-') {
            let (v, r) = self.unary(r);
            return (V::Num(-v.num()), r);
        }
        self.atom(s)
    }

    fn atom<'s>(&self, s: &'s str) -> (V, &'s str) {
        if let Some(r) = s.strip_prefix('(') {
            let (v, r) = self.compare(r);
            return (v, r.strip_prefix(')').expect("closing parenthesis"));
        }
        if let Some(r) = s.strip_prefix('"') {
            let end = r.find('"').unwrap();
            return (V::Text(r[..end].to_string()), &r[end + 1..]);
        }
        let end = s
            .find(|c: char| "()+-*/^,<>=".contains(c))
            .unwrap_or(s.len());
        let (token, rest) = (&s[..end], &s[end..]);
        if let Some(args) = rest.strip_prefix('(') {
            let mut values = Vec::new();
            let mut rest = args;
            loop {
                let (v, r) = self.compare(rest);
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
            return (V::Num(x), rest);
        }
        if let Some((from, to)) = token.split_once(':') {
            let (sheet, r0, c0) = split_ref(from);
            let (_, r1, c1) = split_ref(to);
            assert_eq!(c0, c1, "one-column ranges: {token}");
            return (
                V::Cells((r0..=r1).map(|r| self.cell(sheet, r, c0)).collect()),
                rest,
            );
        }
        let (sheet, r, c) = split_ref(token);
        (self.cell(sheet, r, c), rest)
    }

    fn call(&self, name: &str, args: Vec<V>) -> V {
        let numbers = |args: &[V]| -> Vec<f64> {
            args.iter()
                .flat_map(|a| match a {
                    V::Cells(c) => c.clone(),
                    other => vec![other.clone()],
                })
                .filter_map(|v| match v {
                    V::Num(x) => Some(x),
                    _ => None,
                })
                .collect()
        };
        match name {
            "IF" => {
                if args[0].num() != 0.0 {
                    args[1].clone()
                } else {
                    args[2].clone()
                }
            }
            "SUM" => V::Num(numbers(&args).iter().sum()),
            "MIN" => V::Num(numbers(&args).into_iter().fold(f64::INFINITY, f64::min)),
            "MAX" => V::Num(numbers(&args).into_iter().fold(f64::NEG_INFINITY, f64::max)),
            "COUNT" => V::Num(numbers(&args).len() as f64),
            other => panic!("unexpected function {other}"),
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-7 * a.abs().max(b.abs()).max(1.0)
}

/// Every audited cell of the Debt sheet, evaluated from its formula, equals the engine's figure.
/// Returns how many cells were checked.
fn audit(src: &str, what: &str) -> usize {
    let (c, o) = run(src, &[]);
    let sculpted = o.lender.as_ref().is_some_and(|l| l.sizing == "sculpted");
    audit_run(&c, &o, what, sculpted)
}

/// [`audit`] of a given run; `sculpt_formulas`: the service is the sculpt's formula (the base
/// case), else the engine's service from the Monthly sheet (a path keeping the base sizing).
fn audit_run(c: &Contract, o: &Outcome, what: &str, sculpt_formulas: bool) -> usize {
    let (c, o) = (c.clone(), o.clone());
    let mut wb = workbook(&c, &o);
    assert!(
        wb.sheet_names().contains(&"Debt".to_string()),
        "{what}: no Debt sheet"
    );
    let debt = wb.worksheet_range("Debt").unwrap();
    let monthly = wb.worksheet_range("Monthly").unwrap();
    let formulas = wb.worksheet_formula("Debt").unwrap();
    let eval = Eval {
        values: HashMap::from([("Debt", &debt), ("Monthly", &monthly)]),
        formulas: &formulas,
        memo: RefCell::new(HashMap::new()),
    };
    let formula = |row: u32, col: u16| -> String {
        formulas
            .get_value((row, u32::from(col)))
            .cloned()
            .filter(|f| !f.is_empty())
            .unwrap_or_else(|| panic!("{what}: no formula at row {row} col {col}"))
    };
    let mut checked = 0;
    // Money is compared relative to the largest balance: the engine sets a balance that is a
    // rounding residue of the loan to exactly 0.
    let peak = o
        .schedule
        .debt_balance
        .iter()
        .fold(1.0f64, |a, b| a.max(b.abs()));
    let mut check = |row: u32, col: u16, engine: Option<f64>, name: &str| {
        let f = formula(row, col);
        let got = eval.eval(&f);
        let money = !(name.starts_with("LTV")
            || name.starts_with("DSCR")
            || ["g", "LLCR", "gearing", "max LTV"].contains(&name));
        match (engine, &got) {
            (Some(e), V::Num(g)) => assert!(
                if money {
                    (g - e).abs() <= 1e-9 * peak
                } else {
                    close(*g, e)
                },
                "{what} {name}: {f} = {g}, engine {e}"
            ),
            (None, V::Text(t)) => assert_eq!(t, "none", "{what} {name}"),
            (e, g) => panic!("{what} {name}: {f} = {g:?}, engine {e:?}"),
        }
        checked += 1;
    };
    let s = &o.schedule;
    let lender = o.lender.as_ref().unwrap();
    let sculpted = sculpt_formulas;
    for t in 0..s.months.len() {
        let row = L::HEADER + 1 + t as u32;
        check(row, L::DRAW, Some(s.debt_draw[t]), &format!("draw {t}"));
        check(
            row,
            L::SERVICE,
            Some(s.debt_service[t]),
            &format!("service {t}"),
        );
        check(
            row,
            L::BALANCE,
            Some(s.debt_balance[t]),
            &format!("balance {t}"),
        );
        if let Some(ltv) = &s.ltv {
            check(row, L::LTV, ltv[t], &format!("LTV {t}"));
        }
        if !sculpted {
            assert!(
                formula(row, L::SERVICE)
                    .trim_start_matches('=')
                    .starts_with("Monthly!"),
                "{what}: service is the engine's"
            );
        }
        if sculpted {
            // The sculpted service reads the CFADS and capex cells of the Monthly sheet.
            let service = formula(row, L::SERVICE);
            assert!(service.contains("$B$"), "{what}: {service}");
            let ds = formula(row, L::DS_STAR);
            assert!(ds.contains(&format!("C{}", row + 1)), "{what}: {ds}");
            assert!(
                formula(row, L::CFADS)
                    .trim_start_matches('=')
                    .starts_with("Monthly!")
            );
            assert!(
                formula(row, L::CAPEX)
                    .trim_start_matches('=')
                    .starts_with("Monthly!")
            );
        }
    }
    if sculpted {
        check(L::K, 1, lender.capex_grown, "K");
        check(L::D_STAR, 1, lender.debt_capacity, "D*");
        check(L::G, 1, lender.gearing_target, "g");
        check(L::B0, 1, Some(lender.balance_at_start), "B0");
        check(L::LLCR, 1, o.metrics.llcr, "LLCR");
    }
    check(L::GEARING, 1, o.metrics.gearing, "gearing");
    if s.market_value.is_some() {
        check(L::MAX_LTV, 1, o.metrics.max_ltv, "max LTV");
    }
    for (y, r) in o.annual.iter().enumerate() {
        let row = L::HEADER + 1 + y as u32;
        check(row, L::YEAR + 3, r.dscr, &format!("DSCR year {y}"));
        check(
            row,
            L::YEAR + 4,
            Some(r.debt_balance),
            &format!("balance year {y}"),
        );
    }
    checked
}

#[test]
fn the_debt_sheets_formulas_give_the_engines_figures() {
    for (src, what) in [
        (DSCR_BINDS, "DSCR binds"),
        (GEARING_BINDS, "gearing binds"),
        (RESERVE, "reserve exhausted"),
        (LTV_CROSSING, "LTV crossing (share loan)"),
    ] {
        assert!(audit(src, what) > 50, "{what}");
    }
    let src = sculpted_example();
    assert!(
        src.contains("sculpted"),
        "the example's [financing] was replaced"
    );
    assert!(audit(&src, "sculpted example") > 500);
}

#[test]
fn a_sheet_without_v2_keys_has_no_debt_sheet() {
    let (c, o) = run(EXAMPLE, &[]);
    let wb = workbook(&c, &o);
    assert!(!wb.sheet_names().contains(&"Debt".to_string()));
}

#[test]
fn a_wrong_formula_would_be_caught() {
    // The evaluator recomputes from the Monthly values: a balance formula without interest
    // gives another number than the engine's on a loan with interest.
    let (c, o) = run(DSCR_BINDS, &[]);
    let mut wb = workbook(&c, &o);
    let debt = wb.worksheet_range("Debt").unwrap();
    let monthly = wb.worksheet_range("Monthly").unwrap();
    let formulas = wb.worksheet_formula("Debt").unwrap();
    let eval = Eval {
        values: HashMap::from([("Debt", &debt), ("Monthly", &monthly)]),
        formulas: &formulas,
        memo: RefCell::new(HashMap::new()),
    };
    let t = 5;
    let row = L::HEADER + 1 + t;
    let right = formulas
        .get_value((row, u32::from(L::BALANCE)))
        .unwrap()
        .clone();
    let wrong = right.replace("*(1+$B$3)", "");
    assert_ne!(right, wrong);
    let engine = o.schedule.debt_balance[t as usize];
    assert!(close(eval.eval(&right).num(), engine));
    assert!(!close(eval.eval(&wrong).num(), engine));
}

#[test]
fn a_forced_default_keeps_the_base_sizing_and_the_sheet_says_so() {
    use offtake_engine::{Scenario, underwrite};
    let src = sculpted_example().replace(
        "[buyer]\n",
        "[buyer]\ncredit = { spread_bps = 450, recovery = 0.4 }\n",
    );
    let c = offtake_model::parse(&src).unwrap();
    let forced = Scenario {
        defaults: Some(vec![Some(40)]),
        ..Scenario::base(&c)
    };
    let o = underwrite(&c, &forced);
    assert_eq!(o.credit[0].default_period, Some(40));
    // CFADS after the default is not what the loan was sized on: the service is the engine's,
    // the balance, ratios and LTV are still formulas that give the engine's figures.
    assert!(audit_run(&c, &o, "forced default", false) > 400);
}
