//! Extreme values in every numeric key of the bundled example (issue 14): either the model
//! refuses the sheet, or the engine gives only finite (or absent) figures and verdicts that
//! follow from them. The values are those an attacker or a slip of the keyboard would write:
//! ±1e308, ±∞, NaN, subnormals, 0, huge and tiny exponents, an escalation of 1e300.

mod common;

use offtake_engine::{Outcome, Scenario, Simulator, underwrite};
use offtake_model::Contract;
use offtake_model::rules::at_least;
use proptest::prelude::*;
use toml::{Table, Value};

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

const EXTREMES: [f64; 16] = [
    1e308,
    -1e308,
    f64::MAX,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    5e-324,
    -5e-324,
    2.2e-308,
    0.0,
    -0.0,
    1e300,
    1e200,
    -1e200,
    1e-200,
    1e10,
];

const INTEGER_EXTREMES: [i64; 6] = [i64::MAX, i64::MIN, 0, -1, 1 << 40, 100_000];

/// One step of a path to a value in the TOML tree.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

/// The path of every number (integer or float) in the sheet.
fn numeric_paths(table: &Table) -> Vec<Vec<Step>> {
    fn walk(v: &Value, path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        match v {
            Value::Integer(_) | Value::Float(_) => out.push(path.clone()),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(Step::Index(i));
                    walk(x, path, out);
                    path.pop();
                }
            }
            Value::Table(t) => {
                for (k, x) in t {
                    path.push(Step::Key(k.clone()));
                    walk(x, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&Value::Table(table.clone()), &mut Vec::new(), &mut out);
    out
}

fn at<'v>(root: &'v mut Value, path: &[Step]) -> &'v mut Value {
    path.iter().fold(root, |v, step| match step {
        Step::Key(k) => &mut v.as_table_mut().unwrap()[k.as_str()],
        Step::Index(i) => &mut v.as_array_mut().unwrap()[*i],
    })
}

/// The example with the numbers at `paths` replaced: a float key by `x`, an integer key by
/// `x` (then the model sees a float where it wants an integer) or by an extreme integer.
fn substituted(table: &Table, changes: &[(usize, f64, Option<i64>)]) -> (String, String) {
    let paths = numeric_paths(table);
    let mut root = Value::Table(table.clone());
    let mut what = Vec::new();
    for &(p, x, int) in changes {
        let path = &paths[p % paths.len()];
        let slot = at(&mut root, path);
        *slot = match (&*slot, int) {
            (Value::Integer(_), Some(i)) => Value::Integer(i),
            _ => Value::Float(x),
        };
        what.push(format!("{path:?} = {slot}"));
    }
    let Value::Table(t) = root else {
        unreachable!()
    };
    (toml::to_string(&t).unwrap(), what.join("; "))
}

/// Every figure finite or absent, and each verdict that passes rests on a figure that exists
/// and passes its threshold.
fn check(c: &Contract, o: &Outcome, what: &str) {
    let problems = common::non_finite_figures(o);
    assert!(problems.is_empty(), "{what}: {problems:?}");
    let m = &o.metrics;
    let th = &c.thresholds;
    if o.verdicts.contracted {
        let cov = m
            .coverage
            .unwrap_or_else(|| panic!("{what}: contracted without coverage"));
        assert!(
            at_least(cov, th.coverage),
            "{what}: contracted at coverage {cov}"
        );
    }
    if o.verdicts.financeable {
        match m.min_dscr {
            Some(d) => assert!(at_least(d, th.dscr), "{what}: financeable at DSCR {d}"),
            None => assert_eq!(
                m.debt_drawn, 0.0,
                "{what}: financeable, debt drawn, no DSCR"
            ),
        }
    }
    assert_eq!(
        o.verdicts.deliverable,
        o.verdict_details.deliverable.figure == Some(0.0),
        "{what}"
    );
    // A metric that cannot be computed fails both money verdicts and says so (a series value
    // alone, e.g. the requested PFLOP/s under an enormous demand factor, is only named).
    let notes = &o.verdict_details;
    if notes.contracted.note.contains("cannot be computed") {
        assert!(
            notes.financeable.note.contains("cannot be computed"),
            "{what}"
        );
        assert!(!o.verdicts.contracted && !o.verdicts.financeable, "{what}");
        assert!(o.not_computed.is_some(), "{what}");
    }
}

/// The sheet through the model and, when accepted, the engine (outcome and kernel).
fn run(sheet: &str, what: &str) {
    let Ok(c) = offtake_model::parse(sheet) else {
        return;
    };
    let o = underwrite(&c, &Scenario::base(&c));
    check(&c, &o, what);
    let mut sim = Simulator::new(&c);
    let summary = sim.run(&Scenario::base(&c)).clone();
    assert_eq!(summary.verdicts, o.verdicts, "{what}");
    assert!(
        common::non_finite_summary(&summary).is_empty(),
        "{what}: kernel"
    );
}

fn example() -> Table {
    EXAMPLE.parse().unwrap()
}

#[test]
fn the_example_round_trips_through_the_toml_rewriter() {
    // The rewriting alone changes nothing the model reads.
    let (sheet, _) = substituted(&example(), &[]);
    let a = offtake_model::parse(EXAMPLE).unwrap();
    let b = offtake_model::parse(&sheet).unwrap();
    assert_eq!(
        underwrite(&a, &Scenario::base(&a)).metrics,
        underwrite(&b, &Scenario::base(&b)).metrics
    );
    assert!(numeric_paths(&example()).len() > 40);
}

#[test]
fn every_numeric_key_at_1e308_and_infinity() {
    // Each key alone at the two values the issue names (an escalation of 1e300 included).
    let table = example();
    for p in 0..numeric_paths(&table).len() {
        for x in [1e308, 1e300] {
            let (sheet, what) = substituted(&table, &[(p, x, None)]);
            run(&sheet, &what);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn extreme_values_in_any_keys_give_finite_figures_or_a_refusal(
        changes in prop::collection::vec(
            (
                0usize..1000,
                prop::sample::select(EXTREMES.to_vec()),
                prop::option::weighted(0.3, prop::sample::select(INTEGER_EXTREMES.to_vec())),
            ),
            1..4,
        )
    ) {
        let (sheet, what) = substituted(&example(), &changes);
        run(&sheet, &what);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The Monte Carlo's scenario factors are not validated by the model: a drawn factor at ±∞
    /// or a delay of i64::MAX must give finite figures too.
    #[test]
    fn extreme_scenario_factors_give_finite_figures(
        demand in prop::sample::select(EXTREMES.to_vec()),
        power in prop::sample::select(EXTREMES.to_vec()),
        capex in prop::sample::select(EXTREMES.to_vec()),
        delay in prop::sample::select(INTEGER_EXTREMES.to_vec()),
        slip in prop::sample::select(INTEGER_EXTREMES.to_vec()),
    ) {
        let c = offtake_model::parse(EXAMPLE).unwrap();
        let scenario = Scenario {
            demand_factor: demand,
            power_factor: power,
            capex_factor: capex,
            delay_months: vec![delay; c.tranches.len()],
            resale_factor: 1.0,
            defaults: None,
            slip_months: vec![slip; c.generations.len()],
        };
        let what = format!("{scenario:?}");
        let o = underwrite(&c, &scenario);
        check(&c, &o, &what);
        let mut sim = Simulator::new(&c);
        let summary = sim.run(&scenario).clone();
        prop_assert_eq!(summary.verdicts, o.verdicts);
        prop_assert!(common::non_finite_summary(&summary).is_empty(), "{}", what);
    }
}
