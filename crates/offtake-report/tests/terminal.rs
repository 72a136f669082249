//! The terminal view: a snapshot of the bundled example and what must always be on screen.

use offtake_model::Variant;
use offtake_report::compare::{Flips, Run};
use offtake_report::terminal::underwriting;

mod common;

use common::{EXAMPLE, run};

fn variant(term: &str, n: usize) -> Variant {
    Variant {
        term: term.into(),
        n,
    }
}

#[test]
fn example_terminal_snapshot() {
    let (c, o) = run(EXAMPLE, &[]);
    insta::assert_snapshot!("example_terminal", underwriting(&c, &o, &[]));
}

#[test]
fn headline_verdicts_and_sections_are_shown_with_units() {
    let (c, o) = run(EXAMPLE, &[]);
    let text = underwriting(&c, &o, &[]);
    for needle in [
        "Verdicts",
        "contracted",
        "financeable",
        "deliverable",
        "coverage",
        "min DSCR",
        "required",
        "NPV",
        "IRR",
        "payback",
        "effective price",
        "/PFLOP-hour",
        "idle payments",
        "total capex",
        "circularity",
        "What the headline terms imply",
        "break-even utilization",
        "/MW-year",
        "By contract year",
        "Options",
        "Chips by tranche",
        "Equity",
        "Delivery",
        "Inputs the results rest on that are not disclosed",
    ] {
        assert!(text.contains(needle), "missing {needle:?}");
    }
    // Every verdict line carries its figure and threshold.
    let d = &o.verdict_details;
    let coverage = format!("{:.2}×", d.contracted.figure.unwrap());
    assert!(text.contains(&coverage), "coverage figure {coverage}");
    assert!(text.contains(&format!("{:.2}×", d.contracted.threshold)));
    // Equity is shown with the month it was paid, not only its period index.
    for e in &o.equity {
        if let Some(p) = e.period {
            let month = c.period_start(p as i64).format("%Y-%m").to_string();
            assert!(
                text.contains(&format!("{month} (period {p})")),
                "{} paid {month}",
                e.id
            );
        }
    }
    // Money carries its unit: no bare raw totals such as 100000000000.
    assert!(!text.contains("100000000000"));
    assert!(text.contains(&offtake_report::format::usd(o.metrics.total_payments)));
}

#[test]
fn undisclosed_inputs_are_grouped_by_grade_with_their_source() {
    let (c, o) = run(EXAMPLE, &[]);
    let text = underwriting(&c, &o, &[]);
    let inputs = &text[text.find("Inputs the results rest on").unwrap()..];
    assert!(inputs.contains("reported   pricing.discount"));
    assert!(inputs.contains("capacity-lock-report; alternatives 0.12, 0.18"));
    assert!(inputs.contains("assumed    take_or_pay.floor"));
    // Disclosed inputs are not listed.
    assert!(!inputs.contains("commitment.min_total_spend"));
    assert!(!inputs.contains("equity.initial.amount"));
    let reported = inputs.find("reported").unwrap();
    let estimated = inputs.find("estimated").unwrap();
    let assumed = inputs.find("assumed").unwrap();
    assert!(reported < estimated && estimated < assumed);
}

#[test]
fn a_variant_is_named_in_the_header_and_changes_the_listing() {
    let v = [variant("commitment.min_total_spend", 1)];
    let (c, o) = run(EXAMPLE, &v);
    let text = underwriting(&c, &o, &v);
    assert!(text.contains(
        "variant commitment.min_total_spend=1 ($33.00B): reported, source capacity-lock-report"
    ));
    // The reported alternative is now an undisclosed input the results rest on.
    let inputs = &text[text.find("Inputs the results rest on").unwrap()..];
    assert!(inputs.contains("commitment.min_total_spend"));
}

#[test]
fn absent_values_say_none_and_why() {
    let start = EXAMPLE.find("[financing]").unwrap();
    let end = start + EXAMPLE[start..].find("\n\n").unwrap();
    let no_debt = format!("{}{}", &EXAMPLE[..start], &EXAMPLE[end..]);
    let (c, o) = run(&no_debt, &[]);
    let text = underwriting(&c, &o, &[]);
    assert!(
        text.contains(
            "DSCR min / avg            none (no debt: the term sheet has no [financing])"
        ),
        "{text}"
    );
    assert!(!text.contains("debt drawn"));
}

#[test]
fn compare_marks_verdicts_that_flip() {
    let (bc, bo) = run(EXAMPLE, &[]);
    let mut runs = vec![Run::new(&bc, &bo, None, 0)];
    let v = variant("pricing.discount", 1);
    let (vc, vo) = run(EXAMPLE, std::slice::from_ref(&v));
    runs.push(Run::new(&vc, &vo, Some(&v), 1));
    // A run whose verdicts we flip by hand stands in for an alternative that changes them.
    let mut flipped = runs[1].clone();
    flipped.id = "v2".into();
    flipped.verdicts.contracted = !flipped.verdicts.contracted;
    runs.push(flipped);
    let text = offtake_report::compare::terminal(&bc, &runs);
    assert!(text.contains("pricing.discount=1 (0.12)"));
    assert!(text.contains("* verdict differs from the base case"));
    let contracted = text.lines().find(|l| l.contains("contracted")).unwrap();
    assert_eq!(contracted.matches('*').count(), 1, "{contracted}");
    assert_eq!(
        Flips::between(&runs[0].verdicts, &runs[2].verdicts),
        Flips {
            contracted: true,
            ..Flips::default()
        }
    );
}
