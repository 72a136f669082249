//! Plausible ranges (issue 14): every number of the language outside its range is a located
//! error (the line, the value and the range), and every bundled sheet lies inside them.

use offtake_model::{Error, PLAUSIBLE, Plausible, Problem, parse};

/// A valid sheet with every key that has a range written plainly, one per line (distribution
/// parameters and condition thresholds inline). Each line that carries a key is tagged with its
/// scope, so the test finds the line of each range.
const FULL: &str = r#"
[deal]
id = "full"
start = "2027-01"
term_years = 10
max_mw = 500 # [deal]

[[generation]]
name = "G"
available = "2026-01"
pflops_per_mw = 800 # [[generation]]
chip_capex_per_mw = 15e6 # [[generation]]
life_years = 5

[[tranche]]
id = "t1"
mw = 100 # [[tranche]]
online = "2027-01"

[[tranche]]
id = "t2"
mw = 100
online = "2029-01"
kind = "option"
exercise = "2028-01"
exercise_utilization = 0.8 # [[tranche]]

[demand]
pflops = [["2027-01", 40e3], ["2030-01", 150e3]] # [demand]

[pricing]
list_price = 2.0 # [pricing]
discount = 0.1 # [pricing]
escalation = 0.02 # [pricing]

[take_or_pay]
floor = 0.7 # [take_or_pay]

[commitment]
min_total_spend = 2e9 # [commitment]

[provider]
facility_capex_per_mw = 11e6 # [provider]
facility_life_years = 20
power_price = 70 # [provider]
power_escalation = 0.02 # [provider]
pue = 1.2 # [provider]
idle_power = 0.3 # [provider]
fixed_opex_per_mw_year = 4e5 # [provider]
tax_rate = 0.21 # [provider]
discount_rate = 0.09 # [provider]
residual_fraction = 0.1 # [provider]
exit_multiple = 1.0 # [provider]

[financing]
debt_share = 0.5 # [financing]
interest_rate = 0.06 # [financing]
tenor_years = 7
dsra_months = 6
equity_discount_rate = 0.12 # [financing]

[market]
chip_resale = [[2, 0.5]] # age_years, fraction # [market] chip_resale

[buyer]
discount_rate = 0.12 # [buyer]
value_per_pflop_hour = 2.5 # [buyer]
remarket = 0.5 # [buyer]
credit = { spread_bps = 450, recovery = 0.4 } # a credit table

[[guarantee]]
id = "g"
share = 0.5 # [[guarantee]]
cap = 1e9 # [[guarantee]]
credit = { annual_default_probability = 0.01 } # a credit table

[[backstop]]
id = "b"
share = 0.5 # [[backstop]]
price = 0.8 # [[backstop]]
cap = 2e9 # [[backstop]]
from = "2027-01"
until = "2030-12"

[[equity]]
id = "e1"
amount = 1e8 # [[equity]]
round_trip = 0.5 # [[equity]]
when = "cumulative_payments >= 1e9 and cumulative_pflop_hours >= 1e6 and capacity_mw >= 50 and utilization_12m >= 0.5" # [[equity]] when

[thresholds]
coverage = 1.0 # [thresholds]
dscr = 1.3 # [thresholds]
hurdle = 0.1 # [thresholds]
llcr = 1.2 # [thresholds]
ltv = 0.8 # [thresholds]

[risk]
demand_factor = { dist = "normal", mean = 1.0, sd = 0.2 } # [risk] factor distribution
power_factor = { dist = "pert", min = 0.8, mode = 1.0, max = 1.5 } # [risk] factor distribution
capex_factor = { dist = "lognormal", median = 1.0, sigma = 0.1 } # [risk] factor distribution
delay_months = { t1 = { dist = "normal", mean = 2, sd = 3 }, t2 = { dist = "fixed", value = 1 } } # [risk] months distribution
slip_months.G = { dist = "lognormal", median = 2, sigma = 0.5 } # [risk] months distribution
"#;

/// Discrete distributions (values, weights), the `mode` of months and a utilization curve, which
/// `FULL` has no room for: one more sheet, the same but for these lines.
fn full_with_discrete() -> String {
    FULL.replace(
        "capex_factor = { dist = \"lognormal\", median = 1.0, sigma = 0.1 }",
        "capex_factor = { dist = \"discrete\", values = [1.0, 1.2], weights = [3, 1] }",
    )
    .replace(
        "slip_months.G = { dist = \"lognormal\", median = 2, sigma = 0.5 }",
        "slip_months.G = { dist = \"discrete\", values = [0, 6], weights = [3, 1] }",
    )
    .replace(
        "demand_factor = { dist = \"normal\", mean = 1.0, sd = 0.2 }",
        "demand_factor = { dist = \"fixed\", value = 1.1 }",
    )
    .replace(
        "pflops = [[\"2027-01\", 40e3], [\"2030-01\", 150e3]]",
        "utilization = [[\"2027-01\", 0.6], [\"2030-01\", 0.9]]",
    )
    .replace(
        "t2 = { dist = \"fixed\", value = 1 }",
        "t2 = { dist = \"triangular\", min = 0, mode = 1, max = 6 }",
    )
}

/// A sculpted loan (MODEL.md §15) in place of `FULL`'s share loan, for `target_dscr` and
/// `max_gearing`.
fn full_sculpted() -> String {
    FULL.replace(
        "debt_share = 0.5 # [financing]",
        "sizing = \"sculpted\"\ntarget_dscr = 1.4 # [financing]\nmax_gearing = 0.7 # [financing]",
    )
}

/// The sheets, the line of `p` in one of them, and where its value starts in that line.
fn locate(p: &Plausible) -> (String, usize, usize) {
    let key = if p.scope == "[demand]" {
        "\"2027-01\", ".to_string()
    } else if p.scope == "[market] chip_resale" {
        // The only point is [age_years, fraction].
        if p.key == "age_years" { "[[" } else { "[[2, " }.to_string()
    } else if p.key == "values" || p.key == "weights" {
        format!("{} = [", p.key)
    } else if p.scope.ends_with(" when") {
        format!("{} >= ", p.key)
    } else {
        format!("{} = ", p.key)
    };
    for src in [FULL.to_string(), full_with_discrete(), full_sculpted()] {
        for (i, line) in src.lines().enumerate() {
            let tagged = line.ends_with(&format!("# {}", p.scope)) && line.contains(p.key);
            // `min = ` must not match inside `min_total_spend`: keys start a word.
            let at = line.match_indices(&key).map(|(j, _)| j).find(|&j| {
                j == 0
                    || !line.as_bytes()[j - 1].is_ascii_alphanumeric()
                        && line.as_bytes()[j - 1] != b'_'
            });
            if let (true, Some(j)) = (tagged, at) {
                return (src, i, j + key.len());
            }
        }
    }
    panic!("no line for {} {}", p.scope, p.key)
}

/// `src` with the number starting at byte `col` of line `line` replaced by `value`.
fn with_value(src: &str, line: usize, col: usize, value: &str) -> String {
    let mut lines: Vec<String> = src.lines().map(str::to_string).collect();
    let l = &lines[line];
    let end = l[col..]
        .find([',', ' ', '}', ']', '"'])
        .map_or(l.len(), |k| col + k);
    lines[line] = format!("{}{value}{}", &l[..col], &l[end..]);
    lines.join("\n")
}

#[test]
fn the_full_sheets_are_valid() {
    for src in [FULL.to_string(), full_with_discrete(), full_sculpted()] {
        if let Err(e) = parse(&src) {
            panic!("{e:#?}");
        }
    }
}

/// Above the top and below the bottom of every range: one diagnostic, on the edited line, at
/// the value, naming the value; for a value only the range refuses, the message gives the range.
#[test]
fn every_range_is_a_located_error() {
    for p in PLAUSIBLE {
        let (src, line, col) = locate(p);
        let above = if p.max >= 1.0 {
            p.max * 10.0
        } else {
            p.max + 1.0
        };
        let below = match p.min {
            m if m > 0.0 => m / 10.0,
            m if m < 0.0 => m * 1.05,
            m => m - 1.0,
        };
        let mut implausible = 0;
        for value in [above, below] {
            let text = format!("{value:e}");
            let bad = with_value(&src, line, col, &text);
            let Err(Error::Invalid { diagnostics, .. }) = parse(&bad) else {
                panic!("{} {} = {text} accepted", p.scope, p.key);
            };
            let mine: Vec<_> = diagnostics
                .iter()
                .filter(|d| d.line_col(&bad).0 == line + 1)
                .collect();
            assert_eq!(
                mine.len(),
                1,
                "{} {} = {text}: {diagnostics:#?}",
                p.scope,
                p.key
            );
            let d = mine[0];
            let message = d.problem.to_string();
            assert!(
                d.span.start >= bad.lines().take(line).map(|l| l.len() + 1).sum::<usize>(),
                "{message}"
            );
            if let Problem::Implausible {
                value: v, min, max, ..
            } = d.problem
            {
                assert_eq!((v, min, max), (value, p.min, p.max), "{message}");
                assert!(message.contains("plausible range"), "{message}");
                assert!(d.help.is_some());
            }
            implausible += usize::from(matches!(d.problem, Problem::Implausible { .. }));
        }
        // A fraction's range is MODEL.md's own rule (reported as such), and a `mode` lies
        // between `min` and `max`, which have the same range; every other range refuses
        // something MODEL.md alone would accept.
        assert!(
            implausible >= 1 || p.unit == "(a fraction)" || p.key == "mode",
            "{} {}: no value refused as implausible",
            p.scope,
            p.key
        );
    }
}

/// Every bundled sheet (examples, golden and reference cases, fuzz seeds) lies inside the ranges.
#[test]
#[allow(
    clippy::disallowed_methods,
    reason = "the test reads the bundled sheets; the crate itself does no IO"
)]
fn every_bundled_sheet_still_parses() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut n = 0;
    for dir in [
        "examples",
        "crates/offtake-engine/tests/cases",
        "tools/reference/cases",
        "tools/reference/risk_cases",
        "fuzz/seeds",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                if let Err(e) = parse(&text) {
                    panic!("{}: {e:#?}", path.display());
                }
                n += 1;
            }
        }
    }
    assert!(n >= 30, "{n} sheets");
}
