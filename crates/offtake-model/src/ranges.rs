//! Plausible ranges: every number of the language has one (issue 14, "Inputs have plausible
//! ranges"), listed in docs/term-sheet.md.
//!
//! A range is wide enough for any real deal and narrow enough that no arithmetic of the engine
//! overflows: the largest products it forms stay far below 1e300. For example a month's revenue
//! is at most MW (≤ 1e5 per tranche, ≤ 1e7 for a deal) × PFLOP/s per MW (≤ 1e6) × 744 hours ×
//! price (≤ 1e5) × escalation compounded over 50 years (≤ 4^50 ≈ 1.3e30), about 1e51, and
//! 600 months of it about 1e54; capex is at most 1e7 MW × 1e10 USD per MW × a capex factor of 100,
//! 1e19; discounting at −90% over 50 years multiplies by at most 10^50; a lognormal factor with
//! sigma 5 drawn 8 sd out is e^40 ≈ 2e17.
//!
//! The rules of MODEL.md §12 (a fraction within 0..1, `pue` ≥ 1, …) are checked first, with
//! their own messages; a value they accept but outside its range here is reported as
//! [`Problem::Implausible`] with its line, the value and the range. Whole numbers (months,
//! `seed`, `paths`) and years (terms, lives, tenors) have their ranges in the reader (at most
//! 1200 months, a term of at most 600).

use crate::error::Problem;

/// The range of one key. `scope` names where the key is, as diagnostics name tables:
/// `[pricing]`, `[[tranche]]`, a `when` condition's metric, a distribution parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plausible {
    pub scope: &'static str,
    pub key: &'static str,
    pub min: f64,
    pub max: f64,
    pub unit: &'static str,
}

/// Where distribution parameters of the multiplier factors (`demand_factor`, `power_factor`,
/// `capex_factor`) are looked up.
pub const FACTOR: &str = "[risk] factor distribution";
/// Where distribution parameters of `delay_months` and `slip_months` are looked up.
pub const MONTHS: &str = "[risk] months distribution";
/// Where thresholds of `when` conditions are looked up (the key is the metric).
pub const WHEN: &str = "[[equity]] when";
/// Where the keys of a party's `credit = { … }` are looked up (MODEL.md §14), on `[buyer]`,
/// `[[guarantee]]` and `[[backstop]]` alike.
pub const CREDIT: &str = "a credit table";
/// Where the two numbers of a `[market] chip_resale` point are looked up (MODEL.md §15).
pub const RESALE: &str = "[market] chip_resale";

const fn r(
    scope: &'static str,
    key: &'static str,
    min: f64,
    max: f64,
    unit: &'static str,
) -> Plausible {
    Plausible {
        scope,
        key,
        min,
        max,
        unit,
    }
}

const FRACTION: &str = "(a fraction)";
const RATE: &str = "per year";

/// Every range, by table. docs/term-sheet.md lists the same (a unit test keeps them in step).
pub const PLAUSIBLE: &[Plausible] = &[
    r("[deal]", "max_mw", 0.001, 1e7, "MW"),
    r(
        "[[generation]]",
        "pflops_per_mw",
        0.001,
        1e6,
        "PFLOP/s per MW",
    ),
    r(
        "[[generation]]",
        "chip_capex_per_mw",
        0.0,
        1e10,
        "USD per MW",
    ),
    r("[[tranche]]", "mw", 0.001, 1e5, "MW"),
    r("[[tranche]]", "exercise_utilization", 0.0, 1.0, FRACTION),
    r("[demand]", "pflops", 0.0, 1e12, "PFLOP/s"),
    r("[demand]", "utilization", 0.0, 1.0, FRACTION),
    r("[pricing]", "list_price", 0.0, 1e5, "USD per PFLOP-hour"),
    r("[pricing]", "discount", 0.0, 1.0, FRACTION),
    r("[pricing]", "escalation", -0.9, 3.0, RATE),
    r("[take_or_pay]", "floor", 0.0, 1.0, FRACTION),
    r("[commitment]", "min_total_spend", 0.0, 1e13, "USD"),
    r(
        "[provider]",
        "facility_capex_per_mw",
        0.0,
        1e10,
        "USD per MW",
    ),
    r("[provider]", "power_price", 0.0, 1e5, "USD per MWh"),
    r("[provider]", "power_escalation", -0.9, 3.0, RATE),
    r(
        "[provider]",
        "pue",
        1.0,
        10.0,
        "(facility power over IT power)",
    ),
    r("[provider]", "idle_power", 0.0, 1.0, FRACTION),
    r(
        "[provider]",
        "fixed_opex_per_mw_year",
        0.0,
        1e9,
        "USD per MW per year",
    ),
    r("[provider]", "tax_rate", 0.0, 1.0, FRACTION),
    r("[provider]", "discount_rate", -0.9, 3.0, RATE),
    r("[provider]", "residual_fraction", 0.0, 1.0, FRACTION),
    r(
        "[provider]",
        "exit_multiple",
        0.0,
        100.0,
        "(USD per USD of equity)",
    ),
    r("[financing]", "debt_share", 0.0, 1.0, FRACTION),
    r("[financing]", "interest_rate", 0.0, 3.0, RATE),
    r("[financing]", "target_dscr", 0.0, 100.0, "(a ratio)"),
    r("[financing]", "max_gearing", 0.0, 1.0, FRACTION),
    r("[financing]", "equity_discount_rate", -0.9, 3.0, RATE),
    r("[buyer]", "discount_rate", -0.9, 3.0, RATE),
    r(
        "[buyer]",
        "value_per_pflop_hour",
        0.0,
        1e5,
        "USD per PFLOP-hour",
    ),
    r("[buyer]", "remarket", 0.0, 1.0, FRACTION),
    r(CREDIT, "annual_default_probability", 0.0, 1.0, FRACTION),
    r(CREDIT, "spread_bps", 0.0, 1e5, "basis points per year"),
    r(CREDIT, "recovery", 0.0, 1.0, FRACTION),
    r("[[guarantee]]", "share", 0.0, 1.0, FRACTION),
    r("[[guarantee]]", "cap", 0.0, 1e13, "USD"),
    r("[[backstop]]", "share", 0.0, 1.0, FRACTION),
    r(
        "[[backstop]]",
        "price",
        0.0,
        100.0,
        "(a multiple of the contract price)",
    ),
    r("[[backstop]]", "cap", 0.0, 1e13, "USD"),
    r(RESALE, "age_years", 0.0, 100.0, "years"),
    r(RESALE, "fraction", 0.0, 100.0, "(of the lot's capex)"),
    r("[[equity]]", "amount", 0.0, 1e13, "USD"),
    r("[[equity]]", "round_trip", 0.0, 1.0, FRACTION),
    r("[thresholds]", "coverage", 0.0, 100.0, "(a ratio)"),
    r("[thresholds]", "dscr", 0.0, 100.0, "(a ratio)"),
    r("[thresholds]", "hurdle", -0.9, 3.0, RATE),
    r("[thresholds]", "llcr", 0.0, 100.0, "(a ratio)"),
    r("[thresholds]", "ltv", 0.0, 100.0, "(a ratio)"),
    r(WHEN, "cumulative_payments", 0.0, 1e15, "USD"),
    r(WHEN, "cumulative_pflop_hours", 0.0, 1e18, "PFLOP-hours"),
    r(WHEN, "capacity_mw", 0.0, 1e7, "MW"),
    r(WHEN, "utilization_12m", 0.0, 1.0, FRACTION),
    r(FACTOR, "value", -100.0, 100.0, "(a multiplier)"),
    r(FACTOR, "min", -100.0, 100.0, "(a multiplier)"),
    r(FACTOR, "mode", -100.0, 100.0, "(a multiplier)"),
    r(FACTOR, "max", -100.0, 100.0, "(a multiplier)"),
    r(FACTOR, "mean", -100.0, 100.0, "(a multiplier)"),
    r(FACTOR, "sd", 0.0, 100.0, "(a multiplier)"),
    r(FACTOR, "median", 0.0, 100.0, "(a multiplier)"),
    r(FACTOR, "sigma", 0.0, 5.0, "(log scale)"),
    r(FACTOR, "values", -100.0, 100.0, "(a multiplier)"),
    r(FACTOR, "weights", 0.0, 1e9, "(relative)"),
    r(MONTHS, "value", -1200.0, 1200.0, "months"),
    r(MONTHS, "min", -1200.0, 1200.0, "months"),
    r(MONTHS, "mode", -1200.0, 1200.0, "months"),
    r(MONTHS, "max", -1200.0, 1200.0, "months"),
    r(MONTHS, "mean", -1200.0, 1200.0, "months"),
    r(MONTHS, "sd", 0.0, 1200.0, "months"),
    r(MONTHS, "median", 0.0, 1200.0, "months"),
    r(MONTHS, "sigma", 0.0, 5.0, "(log scale)"),
    r(MONTHS, "values", -1200.0, 1200.0, "months"),
    r(MONTHS, "weights", 0.0, 1e9, "(relative)"),
];

/// The range of `key` in `scope`, if it has one here.
pub fn plausible(scope: &str, key: &str) -> Option<&'static Plausible> {
    // Names of a few bytes, compared inline (a `memcmp` call per entry costs more). Each run of
    // one scope is skipped on one comparison of its scope; only the keys of `scope` are compared.
    use crate::reader::same;
    SCOPE_RUNS
        .iter()
        .filter(|(s, ..)| same(s, scope))
        .find_map(|&(_, start, end)| PLAUSIBLE.get(start..end)?.iter().find(|p| same(p.key, key)))
}

/// The runs of consecutive entries of [`PLAUSIBLE`] with one scope, in table order: the scope,
/// and where the run starts and ends. (A scope in two runs would be searched in both, in order.)
const SCOPE_RUNS: [(&str, usize, usize); scope_runs_len()] = scope_runs();

/// `a == b`, as a `const fn`.
const fn const_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Whether the entry `i` of [`PLAUSIBLE`] starts a run of its scope.
const fn starts_run(i: usize) -> bool {
    i == 0 || !const_eq(PLAUSIBLE[i].scope, PLAUSIBLE[i - 1].scope)
}

const fn scope_runs_len() -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < PLAUSIBLE.len() {
        if starts_run(i) {
            n += 1;
        }
        i += 1;
    }
    n
}

const fn scope_runs() -> [(&'static str, usize, usize); scope_runs_len()] {
    let mut runs = [("", 0, 0); scope_runs_len()];
    let mut n = 0;
    let mut i = 0;
    while i < PLAUSIBLE.len() {
        if starts_run(i) {
            runs[n] = (PLAUSIBLE[i].scope, i, i);
            n += 1;
        }
        runs[n - 1].2 = i + 1;
        i += 1;
    }
    runs
}

impl Plausible {
    pub fn holds(&self, x: f64) -> bool {
        (self.min..=self.max).contains(&x)
    }

    /// The problem of a value outside the range, named `what()` in the message (written out
    /// only then).
    pub(crate) fn problem(
        &self,
        what: impl FnOnce() -> String,
        x: f64,
    ) -> Option<(Problem, Option<&'static str>)> {
        (!self.holds(x)).then(|| {
            (
                Problem::Implausible {
                    what: what(),
                    value: x,
                    min: self.min,
                    max: self.max,
                    unit: self.unit,
                },
                Some(
                    "every number has a range wide enough for any real deal (docs/term-sheet.md, Plausible ranges); check the unit and the exponent",
                ),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_lists_every_range() {
        const DOC: &str = include_str!("../../../docs/term-sheet.md");
        let b = |x: f64| {
            if x.abs() >= 1e4 {
                format!("{x:e}")
            } else {
                format!("{x}")
            }
        };
        for p in PLAUSIBLE {
            let row = format!(
                "| {} | `{}` | {} to {} | {} |",
                p.scope,
                p.key,
                b(p.min),
                b(p.max),
                p.unit
            );
            assert!(DOC.contains(&row), "docs/term-sheet.md lacks the row {row}");
        }
    }

    #[test]
    fn plausible_agrees_with_a_plain_search() {
        let naive =
            |scope: &str, key: &str| PLAUSIBLE.iter().find(|p| p.key == key && p.scope == scope);
        let mut scopes: Vec<&str> = PLAUSIBLE.iter().map(|p| p.scope).collect();
        let mut keys: Vec<&str> = PLAUSIBLE.iter().map(|p| p.key).collect();
        scopes.extend(["", "[deal", "[[tranche]]x"]);
        keys.extend(["", "m", "valuex", "Value", "vale"]);
        for scope in &scopes {
            for key in &keys {
                assert_eq!(plausible(scope, key), naive(scope, key), "{scope} {key}");
            }
        }
        assert!(plausible("[[equity]]", "amount").is_some());
    }

    #[test]
    fn the_scope_runs_cover_the_table_in_order() {
        let mut next = 0;
        for (scope, start, end) in SCOPE_RUNS {
            assert_eq!(start, next);
            assert!(start < end);
            assert!(PLAUSIBLE[start..end].iter().all(|p| p.scope == scope));
            next = end;
        }
        assert_eq!(next, PLAUSIBLE.len());
    }

    #[test]
    fn each_key_has_one_range_and_ranges_are_ordered() {
        for (i, p) in PLAUSIBLE.iter().enumerate() {
            assert!(p.min < p.max, "{p:?}");
            assert!(p.max <= 1e18 && p.min >= -1200.0, "{p:?}");
            assert_eq!(
                plausible(p.scope, p.key),
                Some(p),
                "{} {} twice",
                p.scope,
                p.key
            );
            assert!(
                PLAUSIBLE[..i]
                    .iter()
                    .all(|q| (q.scope, q.key) != (p.scope, p.key))
            );
        }
    }
}
