//! The terminal view: a snapshot of the bundled example and what must always be on screen.

use offtake_model::Variant;
use offtake_report::Screen;
use offtake_report::compare::{Flips, Run};
use offtake_report::risk_terminal::risk;
use offtake_report::terminal::{underwriting, underwriting_on};

mod common;

use common::{EXAMPLE, IREN, monte_carlo, monte_carlo_with_drivers, run, v2_example};

/// Every line of `text` fits `width` columns.
fn assert_fits(text: &str, width: usize, what: &str) {
    for line in text.lines() {
        assert!(
            line.chars().count() <= width,
            "{what}: a line of {} columns:\n{line}",
            line.chars().count()
        );
    }
}

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
        "Contracted",
        "Financeable",
        "Deliverable",
        "Coverage",
        "Minimum DSCR",
        "required",
        "Provider NPV",
        "Provider IRR",
        "Payback",
        "Effective price",
        "/PFLOP-hour",
        "Idle payments",
        "Total capex",
        "Circularity",
        "What the headline terms imply",
        "Break-even utilization",
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
    assert!(inputs.contains("capacity-lock-report; alternatives"));
    assert!(inputs.contains("0.12, 0.18"));
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
fn figures_that_cannot_be_computed_are_flagged_before_the_verdicts() {
    let (c, mut o) = run(EXAMPLE, &[]);
    assert!(!underwriting(&c, &o, &[]).contains("WARNING"));
    o.not_computed = Some("provider NPV cannot be computed".into());
    let text = underwriting(&c, &o, &[]);
    let warning = text
        .lines()
        .position(|l| l.starts_with("  WARNING: provider NPV cannot"));
    let verdicts = text.lines().position(|l| l == "Verdicts");
    assert!(warning.is_some() && warning < verdicts, "{text}");
}

#[test]
fn absent_values_say_none_and_why() {
    let start = EXAMPLE.find("[financing]").unwrap();
    let end = start + EXAMPLE[start..].find("\n\n").unwrap();
    let no_debt = format!("{}{}", &EXAMPLE[..start], &EXAMPLE[end..]);
    let (c, o) = run(&no_debt, &[]);
    let text = underwriting(&c, &o, &[]);
    assert!(
        text.lines().any(|l| l.starts_with("  Minimum DSCR ")
            && l.ends_with("none (no debt: the term sheet has no [financing])")),
        "{text}"
    );
    assert!(!text.contains("Debt drawn"));
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
    let contracted = text.lines().find(|l| l.contains("Contracted")).unwrap();
    assert_eq!(contracted.matches('*').count(), 1, "{contracted}");
    assert_eq!(
        Flips::between(&runs[0].verdicts, &runs[2].verdicts),
        Flips {
            contracted: true,
            ..Flips::default()
        }
    );
}

#[test]
fn every_table_fits_120_columns() {
    for (name, src) in [("example", EXAMPLE), ("iren", IREN)] {
        let (c, o) = run(src, &[]);
        assert_fits(&underwriting(&c, &o, &[]), 120, name);
        let (report, _) = monte_carlo(&c, 300);
        assert_fits(&risk(&report, &c, &Screen::PLAIN), 120, name);
        let runs = vec![Run::new(&c, &o, None, 0)];
        assert_fits(&offtake_report::compare::terminal(&c, &runs), 120, name);
    }
}

#[test]
fn wide_lifts_the_limit_and_shows_the_tails() {
    let (c, _) = run(EXAMPLE, &[]);
    let (report, _) = monte_carlo(&c, 300);
    let wide = Screen {
        colour: false,
        width: None,
    };
    let narrow = risk(&report, &c, &Screen::PLAIN);
    let text = risk(&report, &c, &wide);
    assert!(text.contains("P95") && !narrow.contains("P95"));
    assert!(text.lines().any(|l| l.chars().count() > 120));
}

#[test]
fn risk_terminal_snapshot() {
    let (c, _) = run(EXAMPLE, &[]);
    let (report, _) = monte_carlo(&c, 300);
    insta::assert_snapshot!("example_risk", risk(&report, &c, &Screen::PLAIN));
}

#[test]
fn risk_drivers_terminal_snapshot() {
    // The drivers section in words, and nothing else changed by it: the text without
    // --drivers is the text before the section.
    let (c, _) = run(EXAMPLE, &[]);
    let (report, _) = monte_carlo_with_drivers(&c, 2000);
    let text = risk(&report, &c, &Screen::PLAIN);
    assert_fits(&text, 120, "risk --drivers");
    let start = text.find("\nDrivers of the verdicts").unwrap();
    let plain = risk(
        &offtake_risk::RiskReport {
            drivers: None,
            ..report.clone()
        },
        &c,
        &Screen::PLAIN,
    );
    assert!(plain.starts_with(&text[..start]) && !plain.contains("Drivers of"));
    let section = &text[start + 1..];
    assert!(
        section.contains(
            "Deliverable fails on every path where slip(Trainium3) − delay(phase-2) ≥ 7 months"
        ),
        "{section}"
    );
    insta::assert_snapshot!("example_risk_drivers", section);
}

#[test]
fn verdicts_are_coloured_only_when_the_screen_allows() {
    let (c, o) = run(EXAMPLE, &[]);
    let plain = underwriting(&c, &o, &[]);
    assert!(!plain.contains('\x1b'));
    let colour = Screen {
        colour: true,
        width: Some(120),
    };
    let text = underwriting_on(&c, &o, &[], &colour);
    // The example is not contracted (red) and is financeable (green).
    assert!(text.contains("\x1b[1;31mNO\x1b[0m"), "{text}");
    assert!(text.contains("\x1b[32myes\x1b[0m"));
    let strip = |s: &str| {
        s.replace("\x1b[1;31m", "")
            .replace("\x1b[32m", "")
            .replace("\x1b[0m", "")
    };
    assert_eq!(strip(&text), plain);
}

#[test]
fn control_characters_in_user_strings_are_escaped() {
    let evil = EXAMPLE
        .replace(
            "name = \"Amazon–Anthropic expanded strategic collaboration\"",
            "name = \"Evil\\u001b[2J\\u001b]0;pwned\\u0007 deal\"",
        )
        .replace("buyer = \"Anthropic\"", "buyer = \"An\\rthropic\\u009b\"")
        .replace(
            "evidence = \"estimated\", note = \"~0.67",
            "evidence = \"estimated\", source = \"capacity-lock-report\", note = \"~0.67",
        );
    let (c, o) = run(&evil, &[]);
    assert!(c.deal.name.as_deref().unwrap().contains('\x1b'));
    let text = underwriting(&c, &o, &[]);
    assert!(
        !text.chars().any(|ch| ch.is_control() && ch != '\n'),
        "{text}"
    );
    assert!(text.contains("Evil\\u{1b}[2J\\u{1b}]0;pwned\\u{7} deal"));
    assert!(text.contains("An\\rthropic\\u{9b} (buyer)"));
    let (report, _) = monte_carlo(&c, 50);
    let text = risk(&report, &c, &Screen::PLAIN);
    assert!(!text.chars().any(|ch| ch.is_control() && ch != '\n'));
}

/// Every bundled example, the v2 deals included: the MODEL v2 figures are on screen, the
/// per-tranche value handed back in shares adds up to the engine's total, and every line fits.
#[test]
fn v2_figures_in_the_terminal_view_of_every_example() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let mut seen = 0;
    let mut non_binding = 0;
    let mut charged = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let name = path.display().to_string();
        let (c, o) = run(&std::fs::read_to_string(&path).unwrap(), &[]);
        let text = underwriting(&c, &o, &[]);
        assert_fits(&text, 120, &name);
        let m = &o.metrics;
        let pct = offtake_report::format::pct;
        let usd = offtake_report::format::usd;
        assert!(
            text.contains(&format!(
                "Delivery ratio               {}",
                pct(m.delivery_ratio)
            )),
            "{name}"
        );
        assert!(
            text.contains("By contract year: delivery and commitments"),
            "{name}"
        );
        assert!(
            text.contains(&format!(
                "Capacity charges             {}",
                usd(m.total_capacity_charges)
            )),
            "{name}"
        );
        assert!(
            text.contains(&format!(
                "Yearly true-ups              {}",
                usd(m.total_true_up_annual)
            )),
            "{name}"
        );
        assert_eq!(
            text.lines().nth(2).unwrap().contains("NOT BINDING"),
            !c.deal.binding,
            "{name}"
        );
        // The per-tranche value handed back adds up to the engine's total.
        let parts: f64 = o
            .equity
            .iter()
            .filter(|e| e.period.is_some())
            .map(|e| {
                let spec = c.equity.iter().find(|x| x.id == e.id).unwrap();
                c.provider.exit_multiple * spec.consideration * e.amount
            })
            .sum();
        assert!(
            (parts - m.equity_handback).abs() <= 1e-6 * m.equity_handback.abs().max(1.0),
            "{name}: {parts} vs {}",
            m.equity_handback
        );
        if !o.equity.is_empty() {
            assert!(text.contains("handed back in shares"), "{name}");
        }
        // The zero-usage revenue by year adds up to the schedule's total.
        let zr: f64 = o.schedule.zero_usage_revenue.iter().sum();
        assert!(
            text.contains(&format!("({} undiscounted)", usd(zr))) || m.coverage.is_none(),
            "{name}"
        );
        seen += 1;
        non_binding += usize::from(!c.deal.binding);
        charged += usize::from(m.total_capacity_charges > 0.0);
    }
    assert!(seen >= 8, "{seen} examples");
    assert!(
        non_binding >= 1 && charged >= 1,
        "{non_binding} non-binding, {charged} with capacity charges"
    );
}

/// MODEL v2 §14/§15: the credit block next to the verdicts and the lender's page, on figures set
/// by hand (tests/common v2_example).
#[test]
fn credit_block_and_lenders_page_snapshot() {
    let (c, o) = v2_example(false);
    let text = underwriting(&c, &o, &[]);
    assert_fits(&text, 120, "v2 terminal");
    insta::assert_snapshot!("v2_terminal", text);
}

#[test]
fn credit_block_says_who_carries_which_risk() {
    let (c, o) = v2_example(false);
    let text = underwriting(&c, &o, &[]);
    let credit = text.find("\nCredit (").expect("a credit block");
    let provider = text.find("\nProvider (").unwrap();
    let verdicts = text.find("\nVerdicts").unwrap();
    assert!(
        verdicts < credit && credit < provider,
        "credit follows the verdicts"
    );
    // Contracted rests on the credit-adjusted coverage.
    let contracted = text.lines().find(|l| l.contains("Contracted")).unwrap();
    assert!(
        contracted.contains("Credit-adjusted coverage"),
        "{contracted}"
    );
    // Shares of the numerator: 30 / 33, 2 / 33, 1 / 33.
    for needle in [
        "90.9%",
        "6.1%",
        "3.0%",
        "450 bp, recovery 40.0%",
        "1.0%/year",
        "9.1% of the credit-adjusted numerator",
    ] {
        assert!(text.contains(needle), "missing {needle}");
    }
    assert!(!text.contains("defaults given with --default"));
    let (c, o) = v2_example(true);
    let text = underwriting(&c, &o, &[]);
    assert!(text.contains("defaults given with --default: realized figures"));
    // Period 40 of a deal starting 2026-07 is 2029-11.
    let buyer = text
        .lines()
        .find(|l| l.trim_start().starts_with("buyer "))
        .unwrap();
    assert!(buyer.contains("2029-11"), "{buyer}");
}

#[test]
fn lenders_page_shows_sizing_ratios_and_sponsor_returns() {
    let (c, o) = v2_example(false);
    let text = underwriting(&c, &o, &[]);
    let lender = &text[text.find("\nLender (").expect("a lender page")..];
    for needle in [
        "sculpted to 1.30× DSCR over 7 years at 6.0%, gearing at most 80.0%",
        "the DSCR sculpt bound",
        "Gearing",
        "61.0%",
        "LLCR",
        "1.42× (LLCR threshold",
        "$1.20B funded (the service of up to 6 months), $100.0M used, $1.10B released",
        "Payment default",
        "Maximum LTV",
        "83.0% (LTV threshold 80.0%)",
        "Sponsor NPV",
        "at 12.0%",
        "Sponsor IRR",
        "16.0%",
        "By contract year: debt",
        "market value",
    ] {
        assert!(lender.contains(needle), "missing {needle}");
    }
}

#[test]
fn a_sheet_without_v2_keys_has_no_credit_or_lender_section() {
    let (c, o) = run(EXAMPLE, &[]);
    let text = underwriting(&c, &o, &[]);
    assert!(!text.contains("\nCredit ("));
    assert!(!text.contains("\nLender ("));
}

/// The credit block and the lender's page on staged MODEL v2 cases run through the engine
/// (the engine's golden cases, hand arithmetic in each file): a guarantee that hits its cap, in
/// the base case and with the buyer's default forced in its sixth month; a sculpt where the DSCR
/// binds; a share loan whose LTV crosses its threshold.
#[test]
fn v2_cases_terminal_snapshot() {
    use offtake_engine::{Scenario, underwrite};
    let case = |name: &str| {
        std::fs::read_to_string(format!(
            "{}/../offtake-engine/tests/cases/{name}.toml",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    };
    let mut out = String::new();
    let (c, o) = run(&case("credit_guarantee_cap"), &[]);
    out.push_str(&underwriting(&c, &o, &[]));
    let forced = Scenario {
        defaults: Some(vec![Some(5)]),
        ..Scenario::base(&c)
    };
    let o = underwrite(&c, &forced);
    out.push_str("\n--- buyer defaults in period 5 ---\n");
    out.push_str(&underwriting(&c, &o, &[]));
    for name in ["lender_sculpt_dscr_binds", "lender_ltv_crossing"] {
        let (c, o) = run(&case(name), &[]);
        out.push_str(&format!("\n--- {name} ---\n"));
        out.push_str(&underwriting(&c, &o, &[]));
    }
    assert_fits(&out, 120, "v2 cases");
    insta::assert_snapshot!("v2_cases_terminal", out);
}
