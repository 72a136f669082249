//! Every rule of MODEL.md §12 (and the crate's additions) rejects bad input with a located
//! diagnostic: the problem, the line (via `Diagnostic::line_col`), the field and the help.
//!
//! Most cases are the bundled example with a single edit, so each asserts that exactly that one
//! mistake is reported, on the line of the edit.

#![allow(
    clippy::disallowed_methods,
    reason = "the linear-time test times the parser"
)]

use std::time::{Duration, Instant};

use offtake_model::{
    Diagnostic, Error, Evidence, InputValue, MAX_BYTES, Problem, Variant, alternative_terms,
    decode, parse, parse_with,
};

mod common;
use common::{EXAMPLE, diagnostics, edit, help, line_with, one};

/// The line of the `n`-th (0-based) `[[tranche]]` header.
fn tranche_header_line(src: &str, n: usize) -> usize {
    src.lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[tranche]]")
        .nth(n)
        .map(|(i, _)| i + 1)
        .unwrap()
}

// ---- keys and types ----------------------------------------------------------------------

#[test]
fn unknown_key_suggests_the_closest() {
    let src = edit("ramp_months = 6\n", "ramp_month = 6\n");
    let d = one(&src, "ramp_month = 6", "tranche.phase-1.ramp_month");
    assert_eq!(
        d.problem,
        Problem::UnknownKey {
            key: "ramp_month".into(),
            table: "[[tranche]]".into(),
            suggestion: Some("ramp_months".into()),
        }
    );
    assert_eq!(help(&d), "did you mean `ramp_months`?");
    assert_eq!(d.snippet(&src), "ramp_month");
    assert_eq!(d.line_col(&src).1, 1);
}

#[test]
fn unknown_key_without_a_close_match_lists_the_allowed_keys() {
    let src = edit("pue = 1.15", "pue = 1.15\ncolour = \"blue\"");
    let d = one(&src, "colour", "provider.colour");
    assert!(matches!(
        d.problem,
        Problem::UnknownKey {
            suggestion: None,
            ..
        }
    ));
    assert!(help(&d).contains("facility_capex_per_mw"), "{d:?}");
}

#[test]
fn unknown_key_inside_a_provenance_table() {
    let src = edit(
        "{ value = 5000, source = \"amazon-2026\", evidence",
        "{ value = 5000, source = \"amazon-2026\", evidense",
    );
    let d = one(&src, "evidense", "deal.max_mw.evidense");
    assert_eq!(help(&d), "did you mean `evidence`?");
}

#[test]
fn unknown_top_level_table() {
    let src = edit("[thresholds]", "[threshold]");
    let d = one(&src, "[threshold]", "threshold");
    assert_eq!(
        d.problem,
        Problem::UnknownKey {
            key: "threshold".into(),
            table: "the term sheet".into(),
            suggestion: Some("thresholds".into()),
        }
    );
}

#[test]
fn unknown_risk_factor() {
    let src = edit(
        "seed = 42",
        "seed = 42\ndemand_factr = { dist = \"fixed\", value = 1 }",
    );
    let d = one(&src, "demand_factr", "risk.demand_factr");
    assert_eq!(
        d.problem,
        Problem::UnknownFactor {
            name: "demand_factr".into()
        }
    );
    assert_eq!(help(&d), "did you mean `demand_factor`?");
}

#[test]
fn wrong_type_points_at_the_value() {
    let src = edit("mw = 500", "mw = \"500\"");
    let d = one(&src, "mw = \"500\"", "tranche.phase-1.mw");
    assert_eq!(
        d.problem,
        Problem::WrongType {
            expected: "a number",
            found: "a string"
        }
    );
    assert_eq!(d.snippet(&src), "\"500\"");
    assert_eq!(
        d.problem.to_string(),
        "wrong type: expected a number, found a string"
    );
}

#[test]
fn wrong_type_of_a_date_and_a_table() {
    let src = edit("start = \"2026-07\"", "start = 202607");
    let d = one(&src, "start = 202607", "deal.start");
    assert!(matches!(
        d.problem,
        Problem::WrongType {
            found: "an integer",
            ..
        }
    ));
    let src = format!(
        "commitment = 5\n{}",
        EXAMPLE.replace("[commitment]\nmin_total_spend", "[x]\ny")
    );
    let ds = diagnostics(&src);
    let d = ds.iter().find(|d| d.field == "commitment").unwrap();
    assert_eq!(d.line_col(&src).0, 1);
    assert!(matches!(
        d.problem,
        Problem::WrongType {
            expected: "a table",
            ..
        }
    ));
}

#[test]
fn missing_key_points_at_the_table_header() {
    let src = edit("id = \"amazon-anthropic-2026\"\n", "");
    let d = one(&src, "[deal]", "deal.id");
    assert_eq!(
        d.problem,
        Problem::MissingKey {
            key: "id".into(),
            table: "[deal]".into()
        }
    );
    let src = edit("pue = 1.15\n", "");
    let d = one(&src, "[provider]", "provider.pue");
    assert_eq!(d.snippet(&src), "[provider]");
}

#[test]
fn missing_required_table() {
    let start = EXAMPLE.find("[demand]").unwrap();
    let end = EXAMPLE.find("[pricing]").unwrap();
    let src = format!("{}{}", &EXAMPLE[..start], &EXAMPLE[end..]);
    let ds = diagnostics(&src);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(
        ds[0].problem,
        Problem::MissingTable {
            table: "[demand]".into()
        }
    );
    assert_eq!(ds[0].line_col(&src), (1, 1));
}

#[test]
fn an_empty_array_of_tranches_or_generations_is_missing() {
    // Without the tables, with `tranche = []`: zero tranches must not validate.
    let start = EXAMPLE.find("[[tranche]]").unwrap();
    let end = EXAMPLE.find("[demand]").unwrap();
    let src = format!("tranche = []\n{}{}", &EXAMPLE[..start], &EXAMPLE[end..]).replacen(
        "max_mw = { value = 5000",
        "# max_mw = { value = 5000",
        1,
    );
    let ds = diagnostics(&src);
    let d = ds.iter().find(|d| d.field == "tranche").unwrap();
    assert_eq!(
        d.problem,
        Problem::MissingTable {
            table: "[[tranche]]".into()
        }
    );
    assert_eq!(d.snippet(&src), "[]");
    assert_eq!(d.line_col(&src), (1, 11));
}

#[test]
fn non_finite_numbers_are_rejected() {
    for (text, shown) in [
        ("nan", "nan"),
        ("inf", "inf"),
        ("-inf", "-inf"),
        ("1e400", "1e400"),
    ] {
        let src = edit("pue = 1.15", &format!("pue = {text}"));
        let d = one(&src, &format!("pue = {text}"), "provider.pue");
        assert_eq!(
            d.problem,
            Problem::NotFinite {
                value: shown.into()
            }
        );
    }
    // Inside a provenance table and a distribution too.
    let src = edit("{ value = 70, evidence", "{ value = nan, evidence");
    one(&src, "value = nan", "provider.power_price");
    // A bad distribution is one problem, not also at the correlation naming its factor.
    let src = edit("median = 1.0, sigma = 0.15", "median = 1.0, sigma = inf");
    one(&src, "sigma = inf", "risk.demand_factor.sigma");
}

#[test]
fn integers_beyond_64_bits() {
    let src = edit("mw = 500", "mw = 99999999999999999999");
    let d = one(&src, "mw = 9999", "tranche.phase-1.mw");
    assert_eq!(
        d.problem.to_string(),
        "integer 99999999999999999999 does not fit in 64 bits"
    );
}

// ---- dates and the term ----------------------------------------------------------------

#[test]
fn malformed_dates() {
    for bad in ["2026-13", "2026-02-30", "July 2026", "2026-7", "26-07"] {
        let src = edit("online = \"2026-07\"", &format!("online = \"{bad}\""));
        let d = one(
            &src,
            &format!("online = \"{bad}\""),
            "tranche.phase-1.online",
        );
        assert_eq!(d.problem, Problem::MalformedDate { value: bad.into() });
        assert_eq!(d.snippet(&src), format!("\"{bad}\""));
    }
    // A TOML date is fine; a date-time is not.
    let src = edit("online = \"2026-07\"", "online = 2026-07-15");
    assert!(parse(&src).is_ok());
    let src = edit("online = \"2026-07\"", "online = 2026-07-15T10:00:00");
    let d = one(&src, "2026-07-15T10", "tranche.phase-1.online");
    assert!(matches!(d.problem, Problem::MalformedDate { .. }));
}

#[test]
fn malformed_source_date() {
    let src = edit(
        "date = \"2026-04\"\nkind = \"primary\"",
        "date = \"April 2026\"\nkind = \"primary\"",
    );
    let d = one(&src, "April 2026", "source[0].date");
    assert!(matches!(d.problem, Problem::MalformedDate { .. }));
}

#[test]
fn term_of_zero() {
    let src = edit("term_years = 10", "term_years = 0");
    let d = one(&src, "term_years = 0", "deal.term_years");
    assert_eq!(d.problem, Problem::TermOutOfRange { months: 0 });
    assert_eq!(help(&d), "the term runs from 1 month to 50 years");
    let src = edit("term_years = 10", "term_months = 0");
    let d = one(&src, "term_months = 0", "deal.term_months");
    assert_eq!(d.problem, Problem::TermOutOfRange { months: 0 });
}

#[test]
fn term_over_fifty_years() {
    let src = edit("term_years = 10", "term_years = 50.1");
    let d = one(&src, "term_years = 50.1", "deal.term_years");
    assert_eq!(d.problem, Problem::TermOutOfRange { months: 601 });
    assert!(d.problem.to_string().contains("at most 50 years"));
    // Exactly 50 years is allowed.
    assert_eq!(
        parse(&edit("term_years = 10", "term_months = 600"))
            .unwrap()
            .deal
            .term_months,
        600
    );
}

#[test]
fn term_given_twice() {
    let src = edit("term_years = 10", "term_years = 10\nterm_months = 120");
    let d = one(&src, "term_months = 120", "deal.term_months");
    assert_eq!(d.problem, Problem::TermTwice);
}

#[test]
fn missing_term_points_at_deal() {
    let src = edit("term_years = 10\n", "");
    let d = one(&src, "[deal]", "deal.term_years");
    assert!(help(&d).contains("term_months"));
}

// ---- capacity --------------------------------------------------------------------------

#[test]
fn zero_and_negative_mw() {
    for mw in ["0", "-500", "-0.0"] {
        let src = edit("mw = 500", &format!("mw = {mw}"));
        let d = one(&src, &format!("mw = {mw}"), "tranche.phase-1.mw");
        assert!(matches!(d.problem, Problem::NonPositiveMw { .. }), "{d:?}");
        assert_eq!(d.snippet(&src), mw);
    }
}

#[test]
fn tranche_names_an_unknown_generation() {
    let src = edit("generation = \"Trainium3\"", "generation = \"Trainium5\"");
    let d = one(&src, "Trainium5", "tranche.phase-2.generation");
    assert!(matches!(
        &d.problem,
        Problem::UnknownGeneration { name, known } if name == "Trainium5" && known.len() == 3
    ));
    assert!(help(&d).starts_with("did you mean `Trainium"), "{d:?}");
}

#[test]
fn slip_months_names_an_unknown_generation() {
    let src = edit("slip_months.Trainium4", "slip_months.Trainium9");
    let d = one(&src, "Trainium9", "risk.slip_months.Trainium9");
    assert!(matches!(d.problem, Problem::UnknownGeneration { .. }));
    assert_eq!(d.snippet(&src), "Trainium9");
}

#[test]
fn delay_months_names_an_unknown_tranche() {
    let src = edit(
        "delay_months = { dist = \"triangular\", min = 0, mode = 2, max = 12 }",
        "delay_months.phase-9 = { dist = \"fixed\", value = 3 }",
    );
    let d = one(&src, "phase-9", "risk.delay_months.phase-9");
    assert!(matches!(&d.problem, Problem::UnknownTranche { id, .. } if id == "phase-9"));
}

#[test]
fn a_bad_generation_is_reported_once_not_at_every_reference() {
    let src = edit(
        "pflops_per_mw = { value = 1250, evidence = \"estimated\" }",
        "pflops_per_mw = { value = -1250, evidence = \"estimated\" }",
    );
    let d = one(&src, "-1250", "generation.Trainium3.pflops_per_mw");
    assert!(matches!(d.problem, Problem::OutOfRange { .. }));
}

#[test]
fn duplicate_ids() {
    let src = edit("id = \"phase-2\"", "id = \"phase-1\"");
    let ds = diagnostics(&src);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    let d = &ds[0];
    assert_eq!(
        d.problem,
        Problem::DuplicateId {
            kind: "tranche",
            id: "phase-1".into()
        }
    );
    // The second occurrence is the duplicate.
    assert_eq!(d.line_col(&src).0, tranche_header_line(&src, 1) + 1);

    let src = edit("name = \"Trainium4\"", "name = \"Trainium3\"");
    let ds = diagnostics(&src);
    assert!(
        ds.iter().any(|d| d.problem
            == Problem::DuplicateId {
                kind: "generation",
                id: "Trainium3".into()
            }),
        "{ds:#?}"
    );

    let src = edit("id = \"capacity-lock-report\"", "id = \"amazon-2026\"");
    let d = ds_first(&src, |p| {
        matches!(p, Problem::DuplicateId { kind: "source", .. })
    });
    assert_eq!(d.field, "source[1].id");

    let src = edit("id = \"milestone\"", "id = \"initial\"");
    let ds = diagnostics(&src);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert!(matches!(
        ds[0].problem,
        Problem::DuplicateId { kind: "equity", .. }
    ));
    assert_eq!(ds[0].field, "equity.initial.id");
    // The second `id = "initial"`, one line below the second [[equity]].
    let second_equity = src
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[equity]]")
        .nth(1)
        .map(|(i, _)| i + 1)
        .unwrap();
    assert_eq!(ds[0].line_col(&src).0, second_equity + 1);
}

#[track_caller]
fn ds_first(src: &str, pick: impl Fn(&Problem) -> bool) -> Diagnostic {
    diagnostics(src)
        .into_iter()
        .find(|d| pick(&d.problem))
        .expect("a matching diagnostic")
}

#[test]
fn deadline_before_online() {
    let src = edit("deadline = \"2027-06\"", "deadline = \"2026-06\"");
    let d = one(&src, "deadline = \"2026-06\"", "tranche.phase-1.deadline");
    assert_eq!(
        d.problem,
        Problem::DeadlineBeforeOnline {
            tranche: "phase-1".into(),
            deadline: "2026-06".into(),
            online: "2026-07".into()
        }
    );
    // The same month is allowed: only the month counts.
    assert!(parse(&edit("deadline = \"2027-06\"", "deadline = \"2026-07-31\"")).is_ok());
}

#[test]
fn option_without_exercise_points_at_its_header() {
    let src = edit("exercise = \"2027-03\"\n", "");
    let ds = diagnostics(&src);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    let d = &ds[0];
    assert_eq!(
        d.problem,
        Problem::OptionWithoutExercise {
            tranche: "phase-3".into()
        }
    );
    assert_eq!(d.line_col(&src).0, tranche_header_line(&src, 2));
    assert_eq!(d.field, "tranche.phase-3.exercise");
}

#[test]
fn option_exercised_after_online_minus_build() {
    // phase-3: online 2029-03, build_months 24 → exercise no later than 2027-03.
    let src = edit("exercise = \"2027-03\"", "exercise = \"2027-04\"");
    let d = one(&src, "exercise = \"2027-04\"", "tranche.phase-3.exercise");
    assert_eq!(
        d.problem,
        Problem::ExerciseTooLate {
            tranche: "phase-3".into(),
            exercise: "2027-04".into(),
            latest: "2027-03".into()
        }
    );
}

#[test]
fn exercise_keys_on_a_firm_tranche() {
    let src = edit(
        "deadline = \"2027-06\"",
        "deadline = \"2027-06\"\nexercise = \"2026-01\"",
    );
    let d = one(&src, "exercise = \"2026-01\"", "tranche.phase-1.exercise");
    assert_eq!(d.problem, Problem::OptionKeyOnFirm { key: "exercise" });
    let src = edit(
        "deadline = \"2027-06\"",
        "deadline = \"2027-06\"\nexercise_utilization = 0.5",
    );
    let d = one(
        &src,
        "exercise_utilization = 0.5",
        "tranche.phase-1.exercise_utilization",
    );
    assert_eq!(
        d.problem,
        Problem::OptionKeyOnFirm {
            key: "exercise_utilization"
        }
    );
}

#[test]
fn unknown_kind_and_a_kind_of_the_wrong_type() {
    let src = edit(
        "kind = \"option\"\nexercise = \"2027-03\"",
        "kind = \"opt\"\nexercise = \"2027-03\"",
    );
    let d = ds_first(&src, |p| matches!(p, Problem::UnknownKind { .. }));
    assert_eq!(d.field, "tranche.phase-3.kind");
    // A non-string kind is one mistake, not also "exercise applies only to options".
    let src = edit(
        "kind = \"option\"\nexercise = \"2027-03\"",
        "kind = 5\nexercise = \"2027-03\"",
    );
    let d = one(&src, "kind = 5", "tranche.phase-3.kind");
    assert!(matches!(d.problem, Problem::WrongType { .. }));
}

#[test]
fn generations_out_of_roadmap_order() {
    let src = edit("available = \"2026-12\"", "available = \"2024-12\"");
    let d = one(&src, "2024-12", "generation.Trainium3.available");
    assert_eq!(
        d.problem,
        Problem::GenerationsOutOfOrder {
            name: "Trainium3".into(),
            previous: "Trainium2".into()
        }
    );
}

#[test]
fn sum_of_mw_over_max_mw() {
    let src = edit("mw = 500", "mw = 1500");
    let d = one(&src, "max_mw", "deal.max_mw");
    assert_eq!(
        d.problem,
        Problem::OverMaxMw {
            total: 6000.0,
            max: 5000.0
        }
    );
    assert_eq!(d.snippet(&src), "5000");
    assert_eq!(
        d.problem.to_string(),
        "tranches sum to 6000 MW, over max_mw = 5000"
    );
}

#[test]
fn lives_and_month_counts_are_bounded() {
    let src = edit("facility_life_years = 20", "facility_life_years = 1e300");
    let d = one(&src, "1e300", "provider.facility_life_years");
    assert_eq!(
        d.problem.to_string(),
        "`facility_life_years` must be from 1/24 year (half a month) to 100 years, found 1e300"
    );
    let src = edit("tenor_years = 7", "tenor_years = 0.01");
    one(&src, "tenor_years", "financing.tenor_years");
    let src = edit("build_months = 18", "build_months = 9999999999");
    let d = one(
        &src,
        "build_months = 9999999999",
        "tranche.phase-2.build_months",
    );
    assert!(matches!(d.problem, Problem::OutOfRange { .. }));
    let src = edit("ramp_months = 6", "ramp_months = -6");
    one(&src, "ramp_months = -6", "tranche.phase-1.ramp_months");
}

// ---- fractions and bounds ------------------------------------------------------------

#[test]
fn fractions_outside_zero_one() {
    let cases = [
        (
            "{ value = 0.15, source",
            "{ value = -0.15, source",
            "discount = ",
            "pricing.discount",
        ),
        (
            "floor = { value = 0.70",
            "floor = { value = 1.70",
            "1.70",
            "take_or_pay.floor",
        ),
        (
            "idle_power = 0.3",
            "idle_power = -0.3",
            "idle_power",
            "provider.idle_power",
        ),
        (
            "tax_rate = 0.21",
            "tax_rate = 21",
            "tax_rate",
            "provider.tax_rate",
        ),
        (
            "debt_share = 0.5",
            "debt_share = 1.5",
            "debt_share",
            "financing.debt_share",
        ),
        (
            "round_trip = 0.5",
            "round_trip = 2",
            "round_trip",
            "equity.milestone.round_trip",
        ),
        (
            "exercise_utilization = 0.8\n\n[[tranche]]\nid = \"phase-4\"",
            "exercise_utilization = 1.8\n\n[[tranche]]\nid = \"phase-4\"",
            "1.8",
            "tranche.phase-3.exercise_utilization",
        ),
    ];
    for (from, to, line, field) in cases {
        let src = edit(from, to);
        let d = one(&src, line, field);
        assert!(
            matches!(d.problem, Problem::FractionOutOfRange { .. }),
            "{d:?}"
        );
        assert!(d.problem.to_string().contains("within 0..1"));
    }
}

#[test]
fn utilization_curve_values_are_fractions() {
    let src = edit(
        "pflops = [[\"2026-07\", 250e3]",
        "utilization = [[\"2026-07\", 1.3]",
    );
    let src = src.replacen(", [\"2027-07\", 800e3]", "", 1);
    let src = src
        .lines()
        .map(|l| {
            if l.starts_with("utilization = ") {
                "utilization = [[\"2026-07\", 1.3], [\"2027-07\", 0.9]]"
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let d = one(&src, "utilization = [[", "demand.utilization[0]");
    assert!(matches!(d.problem, Problem::FractionOutOfRange { .. }));
    assert_eq!(d.snippet(&src), "1.3");
}

#[test]
fn pue_below_one() {
    let src = edit("pue = 1.15", "pue = 0.9");
    let d = one(&src, "pue = 0.9", "provider.pue");
    assert_eq!(d.problem, Problem::PueBelowOne { value: 0.9 });
    assert_eq!(d.problem.to_string(), "`pue` must be at least 1, found 0.9");
    assert!(help(&d).contains("1.0 means no overhead"));
}

#[test]
fn alternatives_are_checked_like_their_base_value() {
    let src = edit("{ value = 0.18, source", "{ value = 1.18, source");
    let d = one(&src, "discount = ", "pricing.discount.alternatives[1]");
    assert!(matches!(d.problem, Problem::FractionOutOfRange { value, .. } if value == 1.18));
    assert_eq!(d.snippet(&src), "1.18");
}

// ---- demand ----------------------------------------------------------------------------

#[test]
fn demand_curve_with_a_repeated_month() {
    let src = edit("[\"2027-07\", 800e3]", "[\"2026-07\", 800e3]");
    let d = one(&src, "pflops = ", "demand.pflops[1]");
    assert_eq!(
        d.problem,
        Problem::CurveNotIncreasing {
            month: "2026-07".into(),
            previous: "2026-07".into()
        }
    );
    // The span is the second point's month, not the whole curve.
    let col = src
        .lines()
        .nth(d.line_col(&src).0 - 1)
        .unwrap()
        .find("[\"2026-07\", 800e3]")
        .unwrap();
    assert_eq!(d.line_col(&src).1, col + 2);
}

#[test]
fn demand_curve_with_a_decreasing_month() {
    let src = edit("[\"2029-07\", 3.5e6]", "[\"2027-01\", 3.5e6]");
    let d = one(&src, "pflops = ", "demand.pflops[3]");
    assert!(matches!(
        &d.problem,
        Problem::CurveNotIncreasing { month, previous } if month == "2027-01" && previous == "2028-07"
    ));
}

#[test]
fn demand_with_both_or_neither_curve() {
    let src = edit(
        "[demand]\n",
        "[demand]\nutilization = [[\"2026-07\", 0.5]]\n",
    );
    let d = one(&src, "pflops = ", "demand.pflops");
    assert_eq!(d.problem, Problem::DemandShape { found: "both" });
    let start = EXAMPLE.find("pflops = [[").unwrap();
    let end = start + EXAMPLE[start..].find('\n').unwrap();
    let src = format!("{}{}", &EXAMPLE[..start], &EXAMPLE[end..]);
    let d = one(&src, "[demand]", "demand");
    assert_eq!(d.problem, Problem::DemandShape { found: "neither" });
}

// ---- take-or-pay and equity -------------------------------------------------------------

#[test]
fn take_or_pay_from_after_until() {
    let src = edit(
        "until = \"2029-12\"",
        "from = \"2030-01\"\nuntil = \"2029-12\"",
    );
    let d = one(&src, "from = \"2030-01\"", "take_or_pay.from");
    assert_eq!(
        d.problem,
        Problem::FromAfterUntil {
            from: "2030-01".into(),
            until: "2029-12".into()
        }
    );
}

#[test]
fn equity_with_both_at_and_when() {
    let src = edit(
        "at = \"2026-04\"",
        "at = \"2026-04\"\nwhen = \"capacity_mw >= 1\"",
    );
    let d = one(&src, "capacity_mw >= 1\"", "equity.initial.when");
    assert_eq!(
        d.problem,
        Problem::EquityTrigger {
            id: "initial".into(),
            found: "both"
        }
    );
}

#[test]
fn equity_with_neither_at_nor_when() {
    let src = edit("at = \"2026-04\"\n", "");
    let ds = diagnostics(&src);
    assert_eq!(ds.len(), 1, "{ds:#?}");
    assert_eq!(
        ds[0].problem,
        Problem::EquityTrigger {
            id: "initial".into(),
            found: "neither"
        }
    );
    assert_eq!(ds[0].snippet(&src), "[[equity]]");
    assert_eq!(
        ds[0].line_col(&src).0,
        line_with(&src, "id = \"initial\"") - 1
    );
}

#[test]
fn deadline_on_an_at_equity_tranche() {
    let src = edit(
        "at = \"2026-04\"",
        "at = \"2026-04\"\ndeadline = \"2027-01\"",
    );
    let d = one(&src, "deadline = \"2027-01\"", "equity.initial.deadline");
    assert_eq!(d.problem, Problem::DeadlineOnAt);
}

#[test]
fn condition_that_does_not_parse() {
    let src = edit("capacity_mw >= 1500\"", "capacity_mw > 1500\"");
    let d = one(&src, "capacity_mw > 1500", "equity.milestone.when");
    assert!(
        matches!(&d.problem, Problem::BadCondition { message } if message.contains("capacity_mw > 1500"))
    );
    assert_eq!(d.snippet(&src), "capacity_mw > 1500");
    let src = edit("capacity_mw >= 1500\"", "capacity_mw >= lots\"");
    one(&src, "lots", "equity.milestone.when");
    let src = edit(
        "when = \"cumulative_payments >= 25e9 and capacity_mw >= 1500\"",
        "when = \"\"",
    );
    let d = one(&src, "when = \"\"", "equity.milestone.when");
    assert!(d.problem.to_string().contains("empty"));
}

#[test]
fn condition_names_an_unknown_metric() {
    let src = edit("capacity_mw >= 1500\"", "capacity >= 1500\"");
    let d = one(&src, "capacity >= 1500", "equity.milestone.when");
    assert_eq!(
        d.problem,
        Problem::UnknownMetric {
            name: "capacity".into()
        }
    );
    assert_eq!(d.snippet(&src), "capacity");
    assert_eq!(help(&d), "did you mean `capacity_mw`?");
}

#[test]
fn utilization_threshold_is_a_fraction() {
    let src = edit("capacity_mw >= 1500\"", "utilization_12m >= 80\"");
    let d = one(&src, "utilization_12m >= 80", "equity.milestone.when");
    assert!(matches!(d.problem, Problem::FractionOutOfRange { value, .. } if value == 80.0));
}

/// Every fault of a condition is reported, each at its clause: before, only the first was.
#[test]
fn a_condition_with_several_faults_reports_each() {
    let src = edit(
        "when = \"cumulative_payments >= 25e9 and capacity_mw >= 1500\"",
        "when = \"revenue >= 1 and capacity_mw > 5 and utilization_12m >= 2 and utilization_12m >= 3\"",
    );
    let ds = diagnostics(&src);
    let snippets: Vec<&str> = ds.iter().map(|d| d.snippet(&src)).collect();
    assert_eq!(
        snippets,
        [
            "revenue",
            "capacity_mw > 5",
            "utilization_12m",
            "utilization_12m"
        ],
        "{ds:#?}"
    );
    assert!(matches!(ds[0].problem, Problem::UnknownMetric { .. }));
    assert!(matches!(ds[1].problem, Problem::BadCondition { .. }));
    assert!(matches!(ds[2].problem, Problem::FractionOutOfRange { value, .. } if value == 2.0));
    assert!(matches!(ds[3].problem, Problem::FractionOutOfRange { value, .. } if value == 3.0));
    assert!(ds[2].span.start < ds[3].span.start);
    assert!(ds.iter().all(|d| d.field == "equity.milestone.when"));
}

#[test]
fn when_of_the_wrong_type_is_one_problem() {
    let src = edit(
        "when = \"cumulative_payments >= 25e9 and capacity_mw >= 1500\"",
        "when = 5",
    );
    let d = one(&src, "when = 5", "equity.milestone.when");
    assert!(matches!(d.problem, Problem::WrongType { .. }));
}

// ---- provenance --------------------------------------------------------------------------

#[test]
fn source_not_in_the_source_list() {
    let src = edit(
        "source = \"amazon-2026\", evidence = \"disclosed\", note = \"up to 5 GW\"",
        "source = \"amazon-2025\", evidence = \"disclosed\", note = \"up to 5 GW\"",
    );
    let d = one(&src, "amazon-2025", "deal.max_mw.source");
    assert!(matches!(
        &d.problem,
        Problem::UnknownSource { id, known } if id == "amazon-2025" && known.len() == 2
    ));
    assert!(help(&d).starts_with("did you mean `amazon-2026`?"));
    assert_eq!(d.snippet(&src), "\"amazon-2025\"");
}

#[test]
fn unknown_evidence_grade() {
    let src = edit(
        "evidence = \"disclosed\", note = \"up to 5 GW\"",
        "evidence = \"confirmed\", note = \"up to 5 GW\"",
    );
    let d = one(&src, "confirmed", "deal.max_mw.evidence");
    assert_eq!(
        d.problem,
        Problem::UnknownEvidence {
            value: "confirmed".into()
        }
    );
    assert!(help(&d).contains("disclosed, reported, estimated, assumed"));
    // In an alternative too.
    let src = edit(
        "{ value = 33e9, source = \"capacity-lock-report\", evidence = \"reported\" }",
        "{ value = 33e9, source = \"capacity-lock-report\", evidence = \"rumoured\" }",
    );
    one(
        &src,
        "rumoured",
        "commitment.min_total_spend.alternatives[0].evidence",
    );
}

// ---- risk --------------------------------------------------------------------------------

const CAPEX: &str = "capex_factor = { dist = \"pert\", min = 0.9, mode = 1.0, max = 1.4 }";

fn capex(dist: &str) -> String {
    edit(CAPEX, &format!("capex_factor = {dist}"))
}

#[test]
fn distribution_min_above_mode() {
    let src = capex("{ dist = \"pert\", min = 1.9, mode = 1.0, max = 1.4 }");
    let d = one(&src, "capex_factor", "risk.capex_factor.min");
    assert_eq!(
        d.problem,
        Problem::BadDistribution {
            dist: "pert",
            message: "min 1.9 > mode 1".into()
        }
    );
    assert_eq!(d.snippet(&src), "1.9");
}

#[test]
fn distribution_mode_above_max() {
    let src = capex("{ dist = \"triangular\", min = 0.9, mode = 1.5, max = 1.4 }");
    let d = one(&src, "capex_factor", "risk.capex_factor.mode");
    assert!(matches!(
        d.problem,
        Problem::BadDistribution {
            dist: "triangular",
            ..
        }
    ));
}

#[test]
fn distribution_sd_sigma_median_not_positive() {
    for (dist, field) in [
        (
            "{ dist = \"normal\", mean = 1, sd = 0 }",
            "risk.capex_factor.sd",
        ),
        (
            "{ dist = \"normal\", mean = 1, sd = -0.1 }",
            "risk.capex_factor.sd",
        ),
        (
            "{ dist = \"lognormal\", median = 1, sigma = 0 }",
            "risk.capex_factor.sigma",
        ),
        (
            "{ dist = \"lognormal\", median = 0, sigma = 0.1 }",
            "risk.capex_factor.median",
        ),
        (
            "{ dist = \"normal\", mean = 1, sd = 0.1, min = 2, max = 1 }",
            "risk.capex_factor.min",
        ),
        (
            "{ dist = \"uniform\", min = 2, max = 1 }",
            "risk.capex_factor.min",
        ),
    ] {
        let src = capex(dist);
        let d = one(&src, "capex_factor", field);
        assert!(
            matches!(d.problem, Problem::BadDistribution { .. }),
            "{d:?}"
        );
    }
}

#[test]
fn distribution_weights() {
    for dist in [
        "{ dist = \"discrete\", values = [1, 2], weights = [0, 0] }",
        "{ dist = \"discrete\", values = [1, 2], weights = [1, -1] }",
        "{ dist = \"discrete\", values = [1, 2], weights = [1] }",
        "{ dist = \"discrete\", values = [1, 2], weights = [1e308, 1e308] }",
    ] {
        let src = capex(dist);
        let d = one(&src, "capex_factor", "risk.capex_factor.weights");
        assert!(
            matches!(
                d.problem,
                Problem::BadDistribution {
                    dist: "discrete",
                    ..
                }
            ),
            "{d:?}"
        );
    }
    // Weights need not sum to 1: they are normalised.
    assert!(
        parse(&capex(
            "{ dist = \"discrete\", values = [1, 2], weights = [3, 1] }"
        ))
        .is_ok()
    );
}

#[test]
fn unknown_distribution() {
    let src = capex("{ dist = \"triangle\", min = 0.9, mode = 1.0, max = 1.4 }");
    let d = one(&src, "capex_factor", "risk.capex_factor.dist");
    assert_eq!(
        d.problem,
        Problem::UnknownDistribution {
            name: "triangle".into()
        }
    );
    assert_eq!(help(&d), "did you mean `triangular`?");
    assert_eq!(d.snippet(&src), "\"triangle\"");
}

#[test]
fn distribution_with_a_parameter_of_another_kind() {
    let src = capex("{ dist = \"uniform\", min = 0.9, mode = 1.0, max = 1.4 }");
    let d = one(&src, "capex_factor", "risk.capex_factor.mode");
    assert!(matches!(d.problem, Problem::UnknownKey { .. }));
}

const CORRELATION: &str = "correlation = [[\"demand_factor\", \"power_factor\", 0.3]]";

fn correlation(entries: &str) -> String {
    edit(CORRELATION, &format!("correlation = {entries}"))
}

#[test]
fn correlation_not_positive_semi_definite() {
    let src = correlation(
        "[[\"demand_factor\", \"power_factor\", -0.9], [\"demand_factor\", \"capex_factor\", -0.9], [\"power_factor\", \"capex_factor\", -0.9]]",
    );
    let d = one(&src, "correlation", "risk.correlation");
    // det = 1 − 3·0.81 + 2·(−0.9)³ = −2.888
    assert!(matches!(
        d.problem,
        Problem::NotPositiveSemiDefinite { determinant } if (determinant + 2.888).abs() < 1e-9
    ));
    // Pairwise +0.9 is fine.
    let ok = correlation(
        "[[\"demand_factor\", \"power_factor\", 0.9], [\"demand_factor\", \"capex_factor\", 0.9], [\"power_factor\", \"capex_factor\", 0.9]]",
    );
    assert_eq!(parse(&ok).unwrap().risk.unwrap().correlation.len(), 3);
}

#[test]
fn correlation_names_an_unknown_factor() {
    let src = correlation("[[\"demand_factor\", \"pwer_factor\", 0.3]]");
    let d = one(&src, "correlation", "risk.correlation[0]");
    assert_eq!(
        d.problem,
        Problem::BadCorrelation {
            message: "unknown factor `pwer_factor`".into()
        }
    );
    assert_eq!(d.snippet(&src), "\"pwer_factor\"");
}

#[test]
fn correlation_names_a_non_scalar_factor() {
    for name in ["delay_months", "slip_months.Trainium3"] {
        let src = correlation(&format!("[[\"demand_factor\", \"{name}\", 0.3]]"));
        let d = one(&src, "correlation", "risk.correlation[0]");
        assert!(
            matches!(&d.problem, Problem::BadCorrelation { message } if message.contains("not a scalar factor"))
        );
    }
}

#[test]
fn correlation_names_a_factor_with_no_distribution() {
    let src = edit(
        "power_factor = { dist = \"triangular\", min = 0.8, mode = 1.0, max = 1.5 }\n",
        "",
    );
    let d = one(&src, "correlation", "risk.correlation[0]");
    assert!(
        matches!(&d.problem, Problem::BadCorrelation { message } if message.contains("no distribution"))
    );
    assert_eq!(d.snippet(&src), "\"power_factor\"");
}

#[test]
fn correlation_rho_out_of_range_self_and_repeated() {
    let src = correlation("[[\"demand_factor\", \"power_factor\", 1.3]]");
    let d = one(&src, "correlation", "risk.correlation[0]");
    assert_eq!(d.snippet(&src), "1.3");
    let src = correlation("[[\"demand_factor\", \"demand_factor\", 0.3]]");
    one(&src, "correlation", "risk.correlation[0]");
    let src = correlation(
        "[[\"demand_factor\", \"power_factor\", 0.3], [\"power_factor\", \"demand_factor\", 0.2]]",
    );
    one(&src, "correlation", "risk.correlation[1]");
}

#[test]
fn resale_factor_is_a_scalar_factor_that_can_be_correlated() {
    let src = edit(
        CORRELATION,
        "resale_factor = { dist = \"uniform\", min = 0.5, max = 1.2 }\ncorrelation = [[\"demand_factor\", \"resale_factor\", 0.4]]",
    );
    let risk = parse(&src).unwrap().risk.unwrap();
    assert!(risk.resale_factor.is_some());
    assert_eq!(risk.correlation.len(), 1);
    // Named without a distribution, it cannot be correlated.
    let src = correlation("[[\"demand_factor\", \"resale_factor\", 0.3]]");
    let d = one(&src, "correlation", "risk.correlation[0]");
    assert!(
        matches!(&d.problem, Problem::BadCorrelation { message } if message.contains("no distribution"))
    );
    assert_eq!(d.snippet(&src), "\"resale_factor\"");
}

#[test]
fn a_default_factor_for_a_party_without_credit_is_refused() {
    // The example's buyer has no `credit`: it never defaults.
    let src = correlation("[[\"demand_factor\", \"default.buyer\", 0.3]]");
    let d = one(&src, "correlation", "risk.correlation[0]");
    assert!(
        matches!(&d.problem, Problem::BadCorrelation { message } if message.contains("party `buyer` has no `credit`")),
        "{d:?}"
    );
    assert_eq!(d.snippet(&src), "\"default.buyer\"");
    // A party that does not exist.
    let src = correlation("[[\"default.buyr\", \"demand_factor\", 0.3]]");
    let d = one(&src, "correlation", "risk.correlation[0]");
    assert!(
        matches!(&d.problem, Problem::BadCorrelation { message } if message.contains("names no party") && message.contains("default.buyer")),
        "{d:?}"
    );
    assert_eq!(d.snippet(&src), "\"default.buyr\"");
}

#[test]
fn a_default_factor_of_a_party_with_credit_can_be_correlated() {
    let with_parties = |entries: &str| {
        correlation(entries)
            .replacen(
                "[buyer]\n",
                "[buyer]\ncredit = { spread_bps = 450, recovery = 0.4 }\n",
                1,
            )
            .replacen(
                "[[equity]]",
                "[[guarantee]]\nid = \"parent\"\nshare = 0.5\ncredit = { annual_default_probability = 0.01 }\n\n[[backstop]]\nid = \"vendor\"\nshare = 0.3\n\n[[equity]]",
                1,
            )
    };
    let src = with_parties(
        "[[\"demand_factor\", \"default.buyer\", 0.5], [\"default.buyer\", \"default.parent\", 0.3]]",
    );
    let c = parse(&src).unwrap();
    let pairs = &c.risk.as_ref().unwrap().correlation;
    assert_eq!(pairs.len(), 2);
    assert_eq!(pairs[1].b.name(&c), "default.parent");
    // The backstop has no credit: it never defaults.
    let src = with_parties("[[\"demand_factor\", \"default.vendor\", 0.5]]");
    let d = one(&src, "correlation", "risk.correlation[0]");
    assert!(
        matches!(&d.problem, Problem::BadCorrelation { message } if message.contains("party `vendor` has no `credit`")),
        "{d:?}"
    );
    // Three defaults pairwise −0.6 with demand: no such Gaussian law.
    let src = with_parties(
        "[[\"demand_factor\", \"default.buyer\", -0.6], [\"demand_factor\", \"default.parent\", -0.6], [\"default.buyer\", \"default.parent\", -0.6]]",
    );
    let d = one(&src, "correlation", "risk.correlation");
    assert!(
        matches!(d.problem, Problem::NotPositiveSemiDefiniteEigen { .. }),
        "{d:?}"
    );
}

#[test]
fn the_semi_definite_check_covers_the_larger_matrix() {
    // Four factors pairwise at −0.4: every 3×3 principal minor is a valid correlation matrix
    // (det = 1 − 3·0.16 − 2·0.064 = 0.392), but the 4×4 has the eigenvalue 1 − 3·0.4 = −0.2.
    let pairs: Vec<String> = [
        ("demand_factor", "power_factor"),
        ("demand_factor", "capex_factor"),
        ("demand_factor", "resale_factor"),
        ("power_factor", "capex_factor"),
        ("power_factor", "resale_factor"),
        ("capex_factor", "resale_factor"),
    ]
    .iter()
    .map(|(a, b)| format!("[\"{a}\", \"{b}\", -0.4]"))
    .collect();
    let with = |pairs: &[String]| {
        edit(
            CORRELATION,
            &format!(
                "resale_factor = {{ dist = \"uniform\", min = 0.5, max = 1.2 }}\ncorrelation = [{}]",
                pairs.join(", ")
            ),
        )
    };
    let src = with(&pairs);
    let d = one(&src, "correlation", "risk.correlation");
    assert!(
        matches!(d.problem, Problem::NotPositiveSemiDefiniteEigen { eigenvalue } if (eigenvalue + 0.2).abs() < 1e-9),
        "{d:?}"
    );
    // The triple without resale_factor passes.
    let ok = with(&[pairs[0].clone(), pairs[1].clone(), pairs[3].clone()]);
    assert!(parse(&ok).is_ok());
}

#[test]
fn zero_paths() {
    let src = edit("paths = 10000", "paths = 0");
    let d = one(&src, "paths = 0", "risk.paths");
    assert!(matches!(d.problem, Problem::OutOfRange { .. }));
    assert_eq!(d.snippet(&src), "0");
}

// ---- many problems at once ------------------------------------------------------------------

#[test]
fn three_independent_mistakes_give_three_diagnostics_in_line_order() {
    // Edited bottom-up in the file, to show the order is the file's, not the edits'.
    let src = EXAMPLE
        .replacen("paths = 10000", "paths = 0", 1)
        .replacen("pue = 1.15", "pue = 0.9", 1)
        .replacen("mw = 500", "mw = \"500\"", 1);
    let ds = diagnostics(&src);
    let got: Vec<(usize, &str)> = ds
        .iter()
        .map(|d| (d.line_col(&src).0, d.field.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (line_with(&src, "mw = \"500\""), "tranche.phase-1.mw"),
            (line_with(&src, "pue = 0.9"), "provider.pue"),
            (line_with(&src, "paths = 0"), "risk.paths"),
        ]
    );
}

#[test]
fn multi_error_file_snapshot() {
    let src = r#"
[deal]
id = "snap"
start = "2026-13"
term_years = 0
colour = "red"

[[generation]]
name = "G"
available = "2026-01"
pflops_per_mw = 100
chip_capex_per_mw = 1e6
life_years = 5

[[tranche]]
id = "a"
mw = -1
online = "2026-07"
generation = "H"

[demand]

[pricing]
list_price = 2
discount = 1.5

[provider]
facility_capex_per_mw = 1e6
facility_life_years = 20
power_price = 50
pue = 0.5
fixed_opex_per_mw_year = 1
tax_rate = 0.2
discount_rate = 0.1
"#;
    let rendered: Vec<String> = diagnostics(src)
        .iter()
        .map(|d| {
            let (line, col) = d.line_col(src);
            format!(
                "{line}:{col} [{}] {} | {:?} | help: {}",
                d.field,
                d.problem,
                d.snippet(src),
                d.help.as_deref().unwrap_or("-")
            )
        })
        .collect();
    insta::assert_snapshot!(rendered.join("\n"));
}

// ---- TOML syntax and decoding ---------------------------------------------------------------

#[test]
fn toml_syntax_errors_are_located() {
    let src = edit("mw = 500", "mw = = 500");
    let ds = diagnostics(&src);
    assert!(!ds.is_empty());
    for d in &ds {
        assert!(matches!(d.problem, Problem::Syntax { .. }), "{d:?}");
        assert_eq!(d.line_col(&src).0, line_with(&src, "mw = = 500"));
    }
    let src = edit("[pricing]", "[pricing");
    let d = &diagnostics(&src)[0];
    assert_eq!(d.line_col(&src).0, line_with(&src, "[pricing"));
    // A duplicate key is a syntax error at the second key.
    let src = edit("mw = 500", "mw = 500\nmw = 600");
    let d = &diagnostics(&src)[0];
    assert_eq!(d.line_col(&src).0, line_with(&src, "mw = 600"));
    assert!(d.problem.to_string().contains("duplicate key"));
}

#[test]
fn syntax_errors_come_in_file_order() {
    // Found by the fuzzer: the parser reports the missing comma after the unquoted value
    // that precedes it.
    let src = include_str!("regressions/syntax-errors-out-of-order.toml");
    let ds = diagnostics(src);
    assert!(ds.len() >= 2);
    assert!(ds.windows(2).all(|w| w[0].span.start <= w[1].span.start));
}

#[test]
fn decode_refuses_non_utf8() {
    assert_eq!(
        decode(&[0xff, 0xfe, b'a']),
        Err(Error::NotUtf8 {
            offset: 0,
            line: 1,
            column: 1
        })
    );
    let mut bytes = EXAMPLE.as_bytes().to_vec();
    bytes[100] = 0xc3; // a lone lead byte
    bytes[101] = b'(';
    assert_eq!(
        decode(&bytes),
        Err(Error::NotUtf8 {
            offset: 100,
            line: 2,
            column: 11
        })
    );
    // Line and column as an editor counts them: characters (`–` is 3 bytes), not bytes.
    assert_eq!(
        decode(
            "a = 1\nb = \"–\"\nc = \""
                .bytes()
                .chain([0xff])
                .collect::<Vec<_>>()
                .as_slice()
        ),
        Err(Error::NotUtf8 {
            offset: 21,
            line: 3,
            column: 6
        })
    );
    assert!(decode(EXAMPLE.as_bytes()).is_ok());
}

#[test]
fn decode_refuses_empty_files() {
    assert_eq!(decode(b""), Err(Error::Empty));
    assert_eq!(decode(b"  \n\t\r\n"), Err(Error::Empty));
}

#[test]
fn oversized_and_garbage_input_fails_fast() {
    let start = Instant::now();
    let big = vec![b'a'; MAX_BYTES + 1];
    assert_eq!(
        decode(&big),
        Err(Error::TooLarge {
            bytes: MAX_BYTES + 1,
            limit: MAX_BYTES
        })
    );
    let text = std::str::from_utf8(&big).unwrap();
    assert!(matches!(parse(text), Err(Error::TooLarge { .. })));
    assert!(matches!(
        alternative_terms(text),
        Err(Error::TooLarge { .. })
    ));
    // Garbage at the limit: syntax errors, not a hang.
    let garbage: String = "=[{\"\n".chars().cycle().take(MAX_BYTES).collect();
    assert!(matches!(parse(&garbage), Err(Error::Invalid { .. })));
    // Deep nesting at the limit is refused by the TOML parser, not by a stack overflow.
    let deep = format!("x = {}", "[".repeat(MAX_BYTES - 4));
    assert!(matches!(parse(&deep), Err(Error::Invalid { .. })));
    // Well-formed but huge: a 40k-point demand curve and 10k equity tranches.
    let mut points = String::new();
    for i in 0..40_000 {
        points.push_str(&format!(
            "[\"{:04}-{:02}\", {i}], ",
            2026 + i / 12,
            i % 12 + 1
        ));
    }
    let mut huge = edit(
        "pflops = [[\"2026-07\", 250e3], ",
        &format!("pflops = [{points}"),
    );
    huge = huge.replacen("[\"2027-07\", 800e3], [\"2028-07\", 1.6e6], [\"2029-07\", 3.5e6], [\"2030-07\", 6e6], [\"2032-01\", 9e6], [\"2036-06\", 11e6]", "[\"9999-01\", 1]", 1);
    for i in 0..10_000 {
        huge.push_str(&format!(
            "\n[[equity]]\nid = \"e{i}\"\namount = 1\nat = \"2027-01\"\n"
        ));
    }
    assert!(huge.len() < MAX_BYTES);
    let c = parse(&huge).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.demand.points().len(), 40_001);
    assert_eq!(c.equity.len(), 10_002);
    let elapsed = start.elapsed();
    assert!(
        elapsed < Duration::from_secs(60),
        "took {elapsed:?} (debug build); validation must stay linear"
    );
}

/// A generated file with 100,000 unknown tables (1.4 MB, under the size limit): the first
/// `MAX_DIAGNOSTICS` problems in file order come back, each with its help, and the rest are
/// counted, in time linear in the file (it took 22 s for 20,000 tables through `check` when every
/// problem was kept and shown).
#[test]
fn a_hundred_thousand_problems_are_counted_and_the_first_kept() {
    let src: String = (0..100_000).map(|i| format!("[unknown{i}]\n")).collect();
    assert!(src.len() > 1_000_000 && src.len() < MAX_BYTES);
    let start = Instant::now();
    let Err(Error::Invalid {
        diagnostics,
        omitted,
    }) = parse(&src)
    else {
        panic!("expected the file to be rejected")
    };
    let elapsed = start.elapsed();
    assert_eq!(diagnostics.len(), offtake_model::MAX_DIAGNOSTICS);
    // Six required tables are missing (located at 0), then every table is unknown.
    assert_eq!(omitted, 100_006 - offtake_model::MAX_DIAGNOSTICS);
    assert!(
        diagnostics[..6]
            .iter()
            .all(|d| matches!(d.problem, Problem::MissingTable { .. }))
    );
    for (i, d) in diagnostics[6..].iter().enumerate() {
        assert_eq!(d.field, format!("unknown{i}"));
        assert!(d.help.is_some());
    }
    let err = parse(&src).unwrap_err();
    assert_eq!(err.to_string(), "100006 problems in the term sheet");
    assert!(
        elapsed < Duration::from_secs(20),
        "took {elapsed:?} (debug build; well under a second in release)"
    );
    // A problem found after all the others but placed before them is among those kept.
    let early = format!("[deal]\nstart = \"2026-13\"\n{src}");
    let Err(Error::Invalid { diagnostics, .. }) = parse(&early) else {
        panic!("expected the file to be rejected")
    };
    assert!(
        diagnostics
            .iter()
            .any(|d| matches!(d.problem, Problem::MalformedDate { .. })),
        "{:?}",
        &diagnostics[..8]
    );
}

// ---- variants ----------------------------------------------------------------------------------

#[test]
fn variant_one_runs_the_first_alternative_with_its_evidence() {
    let c = parse_with(
        EXAMPLE,
        &[Variant {
            term: "commitment.min_total_spend".into(),
            n: 1,
        }],
    )
    .unwrap();
    assert_eq!(c.commitment.as_ref().unwrap().min_total_spend, Some(33e9));
    let input = c
        .inputs
        .iter()
        .find(|i| i.path == "commitment.min_total_spend")
        .unwrap();
    assert_eq!(input.value, InputValue::Number(33e9));
    assert_eq!(input.evidence, Some(Evidence::Reported));
    assert_eq!(input.source.as_deref(), Some("capacity-lock-report"));
    assert!(input.is_undisclosed());
    // The base stays 100e9, disclosed.
    let base = parse(EXAMPLE).unwrap();
    assert_eq!(base.commitment.unwrap().min_total_spend, Some(100e9));
    let zero = parse_with(
        EXAMPLE,
        &["commitment.min_total_spend=0".parse::<Variant>().unwrap()],
    )
    .unwrap();
    assert_eq!(zero.commitment.unwrap().min_total_spend, Some(100e9));
}

#[test]
fn variant_two_of_the_discount() {
    let c = parse_with(EXAMPLE, &["pricing.discount=2".parse::<Variant>().unwrap()]).unwrap();
    assert_eq!(c.pricing.discount, 0.18);
}

#[test]
fn unknown_variant_term_is_an_error() {
    for n in [0, 1] {
        let err = parse_with(
            EXAMPLE,
            &[Variant {
                term: "pricing.list_price".into(),
                n,
            }],
        )
        .unwrap_err();
        assert_eq!(
            err,
            Error::UnknownVariant {
                term: "pricing.list_price".into(),
                available: vec![
                    "pricing.discount".into(),
                    "commitment.min_total_spend".into()
                ],
            }
        );
    }
}

#[test]
fn out_of_range_variant_is_an_error() {
    let err = parse_with(
        EXAMPLE,
        &[Variant {
            term: "commitment.min_total_spend".into(),
            n: 2,
        }],
    )
    .unwrap_err();
    assert_eq!(
        err,
        Error::VariantOutOfRange {
            term: "commitment.min_total_spend".into(),
            n: 2,
            count: 1
        }
    );
    assert!(err.to_string().contains("0 is the base value"));
}

#[test]
fn conflicting_variants_are_an_error() {
    let v = |n| Variant {
        term: "pricing.discount".into(),
        n,
    };
    assert_eq!(
        parse_with(EXAMPLE, &[v(1), v(2)]).unwrap_err(),
        Error::ConflictingVariants {
            term: "pricing.discount".into(),
            first: 1,
            second: 2
        }
    );
    assert_eq!(
        parse_with(EXAMPLE, &[v(2), v(2)]).unwrap().pricing.discount,
        0.18
    );
}

#[test]
fn file_problems_come_before_variant_problems() {
    let src = edit("pue = 1.15", "pue = 0.9");
    let err = parse_with(
        &src,
        &[Variant {
            term: "no.such.term".into(),
            n: 1,
        }],
    )
    .unwrap_err();
    assert!(matches!(err, Error::Invalid { .. }), "{err}");
}

#[test]
fn variant_syntax() {
    assert_eq!(
        "pricing.discount = 2".parse::<Variant>().unwrap(),
        Variant {
            term: "pricing.discount".into(),
            n: 2
        }
    );
    for bad in [
        "pricing.discount",
        "=1",
        "pricing.discount=-1",
        "pricing.discount=x",
    ] {
        assert!(
            matches!(bad.parse::<Variant>(), Err(Error::BadVariantSyntax { .. })),
            "{bad}"
        );
    }
}

#[test]
fn alternative_terms_of_the_example() {
    assert_eq!(
        alternative_terms(EXAMPLE).unwrap(),
        vec![
            ("pricing.discount".to_string(), 2),
            ("commitment.min_total_spend".to_string(), 1)
        ]
    );
    assert!(matches!(
        alternative_terms("x = = 1"),
        Err(Error::Invalid { .. })
    ));
}

/// `compare` reads the text once and validates the tree per alternative: the terms it takes from
/// the base contract's inputs and the contracts `TermSheet` gives are those of
/// `alternative_terms` and `parse_with`, errors included.
#[test]
fn one_reading_gives_every_alternative() {
    // A third term with alternatives, the second of which breaks `max_mw` (a rule joining terms).
    let src = edit(
        "max_mw = ",
        "max_mw = { value = 5000, alternatives = [{ value = 6000 }, { value = 1 }] }\nx_max_mw = ",
    )
    .replace("x_max_mw = ", "# was: ");
    let sheet = offtake_model::TermSheet::read(&src).unwrap();
    let base = sheet.contract(&[]).unwrap();
    assert_eq!(base, parse(&src).unwrap());
    let terms = base.alternative_terms();
    assert_eq!(terms, alternative_terms(&src).unwrap());
    assert_eq!(terms.len(), 3, "{terms:?}");
    for (term, count) in terms {
        for n in 0..=count + 1 {
            let v = [Variant {
                term: term.clone(),
                n,
            }];
            assert_eq!(sheet.contract(&v), parse_with(&src, &v), "{term}={n}");
        }
    }
    let broken = [Variant {
        term: "deal.max_mw".into(),
        n: 2,
    }];
    assert!(matches!(
        sheet.contract(&broken),
        Err(Error::Invalid { .. })
    ));
}

#[test]
fn variant_errors_are_told_apart_from_term_sheet_errors() {
    let unknown = parse_with(EXAMPLE, &["nosuch.term=1".parse::<Variant>().unwrap()]).unwrap_err();
    assert!(unknown.is_variant(), "{unknown}");
    let beyond =
        parse_with(EXAMPLE, &["pricing.discount=9".parse::<Variant>().unwrap()]).unwrap_err();
    assert!(beyond.is_variant(), "{beyond}");
    assert!("x".parse::<Variant>().unwrap_err().is_variant());
    assert!(!parse("x = = 1").unwrap_err().is_variant());
}

// ---- dates with provenance ---------------------------------------------------------------------

fn month(y: i32, m: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, 1).unwrap()
}

/// The example with phase-2's online date written as a provenance table.
fn dated(table: &str) -> String {
    edit("online = \"2027-06\"", &format!("online = {table}"))
}

#[test]
fn a_date_with_provenance_is_an_input_and_its_alternatives_run_as_variants() {
    let src = dated(
        r#"{ value = "2027-06", source = "amazon-2026", evidence = "reported", note = "phase 2", alternatives = [{ value = "2027-12", evidence = "assumed" }, { value = 2028-03-15, source = "capacity-lock-report", evidence = "estimated" }] }"#,
    );
    let base = parse(&src).unwrap_or_else(|e| panic!("{e}"));
    // The base case is the plain sheet's, plus one input.
    let plain = parse(EXAMPLE).unwrap();
    assert_eq!(base.tranches, plain.tranches);
    assert_eq!(base.inputs.len(), plain.inputs.len() + 1);
    let input = base
        .inputs
        .iter()
        .find(|i| i.path == "tranche.phase-2.online")
        .unwrap();
    assert_eq!(input.value, InputValue::Date(month(2027, 6)));
    assert_eq!(input.evidence, Some(Evidence::Reported));
    assert_eq!(input.note.as_deref(), Some("phase 2"));
    assert_eq!(input.line, line_with(&src, "value = \"2027-06\""));
    assert_eq!(
        input
            .alternatives
            .iter()
            .map(|a| a.value)
            .collect::<Vec<_>>(),
        [
            InputValue::Date(month(2027, 12)),
            InputValue::Date(month(2028, 3))
        ]
    );
    assert!(
        base.alternative_terms()
            .contains(&("tranche.phase-2.online".to_string(), 2))
    );
    assert_eq!(base.alternative_terms(), alternative_terms(&src).unwrap());
    let v2 = parse_with(&src, &["tranche.phase-2.online=2".parse().unwrap()]).unwrap();
    assert_eq!(v2.tranches[1].online, month(2028, 3));
    let input = v2
        .inputs
        .iter()
        .find(|i| i.path == "tranche.phase-2.online")
        .unwrap();
    assert_eq!(input.value, InputValue::Date(month(2028, 3)));
    assert_eq!(input.source.as_deref(), Some("capacity-lock-report"));
    // In JSON a date input is `YYYY-MM`.
    let json = serde_json::to_value(input).unwrap();
    assert_eq!(json["value"], "2028-03");
    assert_eq!(json["alternatives"][0]["value"], "2027-12");
    // A plain date is not an input.
    assert!(!plain.inputs.iter().any(|i| i.value.date().is_some()));
}

#[test]
fn every_date_key_takes_provenance() {
    for (from, path) in [
        ("start = \"2026-07\"", "deal.start"),
        ("available = \"2026-12\"", "generation.Trainium3.available"),
        ("deadline = \"2027-06\"", "tranche.phase-1.deadline"),
        ("exercise = \"2027-03\"", "tranche.phase-3.exercise"),
        ("until = \"2029-12\"", "take_or_pay.until"),
        ("at = \"2026-04\"", "equity.initial.at"),
        ("deadline = \"2031-12\"", "equity.milestone.deadline"),
    ] {
        let value = from.split('"').nth(1).unwrap();
        let key = from.split(' ').next().unwrap();
        let src = edit(
            from,
            &format!(
                "{key} = {{ value = \"{value}\", evidence = \"assumed\", alternatives = [{{ value = \"{value}\" }}] }}"
            ),
        );
        let c = parse(&src).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            c.alternative_terms().contains(&(path.to_string(), 1)),
            "{path}"
        );
        assert!(
            c.inputs
                .iter()
                .any(|i| i.path == path && i.value.date().is_some()),
            "{path}"
        );
        // Its only alternative is the base date: the variant runs the same contract.
        let v = parse_with(&src, &[format!("{path}=1").parse().unwrap()])
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            (&v.deal, &v.tranches, &v.equity, &v.take_or_pay),
            (&c.deal, &c.tranches, &c.equity, &c.take_or_pay),
            "{path}"
        );
    }
}

#[test]
fn a_date_provenance_table_without_a_value() {
    let src = dated(r#"{ source = "amazon-2026", evidence = "reported" }"#);
    let d = one(
        &src,
        "source = \"amazon-2026\", evidence = \"reported\" }",
        "tranche.phase-2.online.value",
    );
    assert!(
        matches!(&d.problem, Problem::MissingKey { key, .. } if key == "value"),
        "{d:?}"
    );
}

#[test]
fn a_date_alternative_that_is_not_a_date() {
    let src = dated(r#"{ value = "2027-06", alternatives = [{ value = "2027-13" }] }"#);
    let d = one(
        &src,
        "2027-13",
        "tranche.phase-2.online.alternatives[0].value",
    );
    assert!(
        matches!(&d.problem, Problem::MalformedDate { value } if value == "2027-13"),
        "{d:?}"
    );
    let src = dated(r#"{ value = "2027-06", alternatives = [{ value = 0.5 }] }"#);
    let d = one(
        &src,
        "value = 0.5",
        "tranche.phase-2.online.alternatives[0].value",
    );
    assert!(matches!(d.problem, Problem::WrongType { .. }), "{d:?}");
    // The base value too.
    let src = dated(r#"{ value = 2027 }"#);
    let d = one(&src, "value = 2027", "tranche.phase-2.online");
    assert!(matches!(d.problem, Problem::WrongType { .. }), "{d:?}");
}

#[test]
fn a_date_with_an_unknown_grade_or_source() {
    let src = dated(r#"{ value = "2027-06", evidence = "rumoured" }"#);
    let d = one(&src, "rumoured", "tranche.phase-2.online.evidence");
    assert!(
        matches!(d.problem, Problem::UnknownEvidence { .. }),
        "{d:?}"
    );
    let src = dated(
        r#"{ value = "2027-06", alternatives = [{ value = "2027-09", source = "nosuch" }] }"#,
    );
    let d = one(
        &src,
        "nosuch",
        "tranche.phase-2.online.alternatives[0].source",
    );
    assert!(matches!(&d.problem, Problem::UnknownSource { .. }), "{d:?}");
    let src = dated(r#"{ value = "2027-06", colour = "red" }"#);
    one(&src, "colour", "tranche.phase-2.online.colour");
}

#[test]
fn every_date_problem_is_reported_at_once() {
    let src = dated(
        r#"{ evidence = "rumoured", alternatives = [{ value = "2027-13" }, { value = "2027-09", source = "nosuch" }] }"#,
    );
    let ds = diagnostics(&src);
    assert_eq!(ds.len(), 4, "{ds:#?}");
}

#[test]
fn a_date_variant_is_checked_against_the_rules_joining_terms() {
    // phase-2's deadline is 2028-06: an alternative online date after it breaks the rule only
    // when selected.
    let src = dated(r#"{ value = "2027-06", alternatives = [{ value = "2028-09" }] }"#);
    assert!(parse(&src).is_ok());
    let err = parse_with(&src, &["tranche.phase-2.online=1".parse().unwrap()]).unwrap_err();
    assert!(!err.is_variant(), "{err}");
    let Error::Invalid { diagnostics, .. } = err else {
        panic!()
    };
    assert!(
        diagnostics
            .iter()
            .any(|d| matches!(d.problem, Problem::DeadlineBeforeOnline { .. })),
        "{diagnostics:#?}"
    );
}

// ---- MODEL v2 (§12, §13) -----------------------------------------------------------------

/// The example's `[commitment]` line replaced by `lines`.
fn with_commitment(lines: &str) -> String {
    let line = EXAMPLE
        .lines()
        .find(|l| l.starts_with("min_total_spend"))
        .unwrap();
    edit(&format!("{line}\n"), &format!("{line}\n{lines}\n"))
}

#[test]
fn v2_keys_read_into_the_contract() {
    let src = with_commitment(
        "min_annual_spend = [[1, 5e9], [3, { value = 8e9, evidence = \"reported\" }]]\nexcused_by_non_delivery = false",
    )
    .replacen("life_years = 5\n", "life_years = 5\nlist_price = 2.5\n", 1)
    .replacen("term_years = 10\n", "term_years = 10\nbinding = false\n", 1)
    .replacen(
        "[take_or_pay]",
        "capacity_charge = { value = 1e5, evidence = \"estimated\" }\n\n[take_or_pay]",
        1,
    )
    .replacen("round_trip = 0.5\n", "round_trip = 0.5\nconsideration = 0.25\n", 1)
    .replacen("hurdle = 0.09\n", "hurdle = 0.09\ndelivery = 0.9\n", 1);
    let c = parse(&src).unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(!c.deal.binding);
    assert_eq!(c.generations[0].list_price, 2.5);
    // Others bill at `[pricing] list_price`.
    assert_eq!(c.generations[1].list_price, c.pricing.list_price);
    assert!(!c.one_list_price());
    assert_eq!(c.pricing.capacity_charge, 1e5);
    let m = c.commitment.as_ref().unwrap();
    assert_eq!(m.min_total_spend, Some(100e9));
    assert_eq!(
        m.min_annual_spend
            .iter()
            .map(|a| (a.year, a.amount))
            .collect::<Vec<_>>(),
        vec![(1, 5e9), (3, 8e9)]
    );
    assert!(!m.excused_by_non_delivery);
    assert_eq!(c.equity[1].consideration, 0.25);
    assert_eq!(c.equity[0].consideration, 1.0);
    assert_eq!(c.thresholds.delivery, 0.9);
    // Provenance as for every number.
    let input = |path: &str| c.inputs.iter().find(|i| i.path == path).unwrap();
    assert_eq!(
        input("commitment.min_annual_spend[1]").evidence,
        Some(Evidence::Reported)
    );
    assert_eq!(
        input("pricing.capacity_charge").evidence,
        Some(Evidence::Estimated)
    );
    assert!(
        c.inputs
            .iter()
            .any(|i| i.path == "generation.Trainium2.list_price")
    );

    // Defaults: binding, excused, delivery 0.95, one list price.
    let d = parse(EXAMPLE).unwrap();
    assert!(d.deal.binding);
    assert!(d.commitment.as_ref().unwrap().excused_by_non_delivery);
    assert_eq!(d.thresholds.delivery, 0.95);
    assert!(d.one_list_price());
    assert_eq!(d.pricing.capacity_charge, 0.0);
}

#[test]
fn min_annual_spend_year_outside_the_term() {
    for year in ["0", "11", "-1"] {
        let src = with_commitment(&format!("min_annual_spend = [[{year}, 5e9]]"));
        let d = one(&src, "min_annual_spend", "commitment.min_annual_spend[0]");
        assert!(
            matches!(d.problem, Problem::AnnualMinimumYear { years: 10, .. }),
            "{d:?}"
        );
        assert_eq!(d.snippet(&src), year);
    }
    // Year 10 of a 10-year term is inside.
    parse(&with_commitment("min_annual_spend = [[10, 5e9]]")).unwrap();
}

#[test]
fn min_annual_spend_year_listed_twice() {
    let src = with_commitment("min_annual_spend = [[2, 5e9], [2, 6e9]]");
    let d = one(&src, "min_annual_spend", "commitment.min_annual_spend[1]");
    assert_eq!(d.problem, Problem::AnnualMinimumTwice { year: 2 });
    assert_eq!(
        d.line_col(&src).1,
        "min_annual_spend = [[2, 5e9], [".len() + 1
    );
}

#[test]
fn min_annual_spend_year_not_whole_or_entry_not_a_pair() {
    let src = with_commitment("min_annual_spend = [[1.5, 5e9]]");
    let d = one(&src, "min_annual_spend", "commitment.min_annual_spend[0]");
    assert!(matches!(d.problem, Problem::WrongType { .. }), "{d:?}");
    let src = with_commitment("min_annual_spend = [[1, 5e9, 3]]");
    let d = one(&src, "min_annual_spend", "commitment.min_annual_spend[0]");
    assert_eq!(d.problem, Problem::BadAnnualMinimum);
}

#[test]
fn negative_minimum_charge_and_generation_price() {
    let src = with_commitment("min_annual_spend = [[1, -5e9]]");
    let d = one(&src, "min_annual_spend", "commitment.min_annual_spend[0]");
    assert!(matches!(d.problem, Problem::OutOfRange { value, .. } if value == -5e9));
    let src = edit("[take_or_pay]", "capacity_charge = -1\n\n[take_or_pay]");
    let d = one(&src, "capacity_charge", "pricing.capacity_charge");
    assert!(matches!(d.problem, Problem::OutOfRange { .. }));
    let src = EXAMPLE.replacen("life_years = 5\n", "life_years = 5\nlist_price = -2\n", 1);
    let d = one(&src, "list_price = -2", "generation.Trainium2.list_price");
    assert!(matches!(d.problem, Problem::OutOfRange { .. }));
}

#[test]
fn consideration_and_delivery_threshold_are_fractions() {
    let src = edit(
        "round_trip = 0.5\n",
        "round_trip = 0.5\nconsideration = 1.5\n",
    );
    let d = one(&src, "consideration", "equity.milestone.consideration");
    assert!(matches!(d.problem, Problem::FractionOutOfRange { value, .. } if value == 1.5));
    let src = edit("hurdle = 0.09\n", "hurdle = 0.09\ndelivery = -0.1\n");
    let d = one(&src, "delivery", "thresholds.delivery");
    assert!(matches!(d.problem, Problem::FractionOutOfRange { .. }));
}

#[test]
fn binding_and_excuse_are_booleans() {
    let src = edit("term_years = 10\n", "term_years = 10\nbinding = \"no\"\n");
    let d = one(&src, "binding", "deal.binding");
    assert!(matches!(d.problem, Problem::WrongType { .. }));
    let src = with_commitment("excused_by_non_delivery = 1");
    let d = one(
        &src,
        "excused_by_non_delivery",
        "commitment.excused_by_non_delivery",
    );
    assert!(matches!(d.problem, Problem::WrongType { .. }));
}

#[test]
fn a_commitment_needs_a_minimum() {
    let line = EXAMPLE
        .lines()
        .find(|l| l.starts_with("min_total_spend"))
        .unwrap();
    let src = edit(&format!("{line}\n"), "excused_by_non_delivery = true\n");
    let d = one(&src, "[commitment]", "commitment.min_total_spend");
    assert!(matches!(d.problem, Problem::MissingKey { .. }));
    // Yearly minimums alone are enough.
    let src = edit(&format!("{line}\n"), "min_annual_spend = [[1, 1e9]]\n");
    assert_eq!(
        parse(&src).unwrap().commitment.unwrap().min_total_spend,
        None
    );
}

#[test]
fn every_v2_problem_is_reported_at_once_with_its_line() {
    let src = with_commitment("min_annual_spend = [[0, 1e9], [2, -1], [2, 3e9]]")
        .replacen(
            "round_trip = 0.5\n",
            "round_trip = 0.5\nconsideration = 2\n",
            1,
        )
        .replacen("hurdle = 0.09\n", "hurdle = 0.09\ndelivery = 1.5\n", 1)
        .replacen("[take_or_pay]", "capacity_charge = -3\n\n[take_or_pay]", 1);
    let ds = diagnostics(&src);
    let fields: Vec<&str> = ds.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "pricing.capacity_charge",
            "commitment.min_annual_spend[0]",
            "commitment.min_annual_spend[1]",
            "commitment.min_annual_spend[2]",
            "equity.milestone.consideration",
            "thresholds.delivery",
        ],
        "{ds:#?}"
    );
    for d in &ds {
        let (line, col) = d.line_col(&src);
        assert!(line > 1 && col >= 1, "{d:?}");
    }
}
