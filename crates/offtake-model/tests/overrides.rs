//! `TermSheet::contract_with` and `numeric_terms`: numeric terms replaced by a value go through
//! the file's own validation (`offtake solve`).

use offtake_model::{Error, Override, TermSheet, parse};

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");
const COREWEAVE: &str = include_str!("../../../examples/coreweave-openai-2025.toml");
const FLOOR_LINE: &str = r#"floor = { value = 0.70, evidence = "assumed", note = "utilization floors through 2029 (reported); level assumed" }"#;

fn with_floor(text: &str) -> String {
    assert!(EXAMPLE.contains(FLOOR_LINE));
    EXAMPLE.replace(
        FLOOR_LINE,
        &format!(r#"floor = {{ value = {text}, evidence = "assumed", note = "utilization floors through 2029 (reported); level assumed" }}"#),
    )
}

fn set(term: &str, value: f64) -> Override {
    Override {
        term: term.to_string(),
        value,
    }
}

#[test]
fn an_override_is_the_contract_of_the_edited_file() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let overridden = sheet
        .contract_with(&[], &[set("take_or_pay.floor", 0.55)])
        .unwrap();
    let edited = parse(&with_floor("0.55")).unwrap();
    assert_eq!(overridden, edited);
    assert_eq!(overridden.take_or_pay.as_ref().unwrap().floor, 0.55);
    // No override: the file as written.
    assert_eq!(
        sheet.contract_with(&[], &[]).unwrap(),
        parse(EXAMPLE).unwrap()
    );
}

#[test]
fn an_overridden_value_is_rejected_as_if_written_in_the_file() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let err = sheet
        .contract_with(&[], &[set("take_or_pay.floor", 1.2)])
        .unwrap_err();
    let written = parse(&with_floor("1.2")).unwrap_err();
    let (Error::Invalid { diagnostics: a, .. }, Error::Invalid { diagnostics: b, .. }) =
        (&err, &written)
    else {
        panic!("{err:?} / {written:?}");
    };
    assert_eq!(a.len(), 1, "{a:?}");
    assert_eq!(a[0].problem, b[0].problem);
    assert_eq!(a[0].field, "take_or_pay.floor");
    assert!(
        a[0].problem.to_string().contains("within 0..1"),
        "{}",
        a[0].problem
    );
    // A rule joining terms sees the override too: tranches above max_mw.
    let err = sheet
        .contract_with(&[], &[set("tranche.phase-4.mw", 4000.0)])
        .unwrap_err();
    assert!(err.to_string().contains("problem"), "{err}");
}

#[test]
fn unknown_terms_are_named_with_the_closest() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let err = sheet
        .contract_with(&[], &[set("take_or_pay.flor", 0.5)])
        .unwrap_err();
    assert_eq!(
        err,
        Error::UnknownTerm {
            term: "take_or_pay.flor".into(),
            suggestion: Some("take_or_pay.floor".into())
        }
    );
    assert!(
        err.to_string().contains("did you mean `take_or_pay.floor`"),
        "{err}"
    );
    let err = sheet
        .contract_with(&[], &[set("nothing.like.it", 0.5)])
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnknownTerm {
                suggestion: None,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn a_date_term_is_not_numeric() {
    let sheet = TermSheet::read(COREWEAVE).unwrap();
    let err = sheet
        .contract_with(&[], &[set("tranche.blackwell.online", 1.0)])
        .unwrap_err();
    assert_eq!(
        err,
        Error::NotNumeric {
            term: "tranche.blackwell.online".into(),
            kind: "a date",
        }
    );
}

#[test]
fn one_term_twice_must_agree() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let twice = [set("pricing.discount", 0.1), set("pricing.discount", 0.2)];
    assert!(matches!(
        sheet.contract_with(&[], &twice),
        Err(Error::ConflictingOverrides { .. })
    ));
    let same = [set("pricing.discount", 0.1), set("pricing.discount", 0.1)];
    assert_eq!(
        sheet.contract_with(&[], &same).unwrap().pricing.discount,
        0.1
    );
}

#[test]
fn an_override_replaces_a_selected_alternative_too() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let alternative = [offtake_model::Variant {
        term: "commitment.min_total_spend".into(),
        n: 1,
    }];
    let selected = sheet.contract(&alternative).unwrap();
    assert_ne!(
        selected.commitment.as_ref().unwrap().min_total_spend,
        Some(5e10)
    );
    let c = sheet
        .contract_with(&alternative, &[set("commitment.min_total_spend", 5e10)])
        .unwrap();
    assert_eq!(c.commitment.as_ref().unwrap().min_total_spend, Some(5e10));
    let input = c
        .inputs
        .iter()
        .find(|i| i.path == "commitment.min_total_spend")
        .unwrap();
    assert_eq!(input.value.number(), Some(5e10));
}

#[test]
fn numeric_terms_list_every_number_with_its_limits() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    let terms = sheet.numeric_terms(&[]).unwrap();
    let contract = parse(EXAMPLE).unwrap();
    assert_eq!(terms.len(), contract.inputs.len());
    let floor = terms
        .iter()
        .find(|t| t.path == "take_or_pay.floor")
        .unwrap();
    assert_eq!(floor.value, 0.7);
    let l = floor.limits.unwrap();
    assert_eq!(
        (l.min, l.max, l.min_open, l.max_open),
        (0.0, 1.0, false, false)
    );
    let mw = terms
        .iter()
        .find(|t| t.path == "tranche.phase-1.mw")
        .unwrap();
    let l = mw.limits.unwrap();
    assert!(l.min >= 0.0 && l.max <= 1e5 + 1.0, "{l:?}");
    let rate = terms
        .iter()
        .find(|t| t.path == "provider.discount_rate")
        .unwrap();
    assert!(rate.limits.unwrap().min >= -1.0);
    // Every listed term can be overridden by its own value, giving the file's contract.
    for t in &terms {
        let c = sheet.contract_with(&[], &[set(&t.path, t.value)]).unwrap();
        assert_eq!(c, contract, "{}", t.path);
    }
}

#[test]
fn a_key_of_the_sheet_that_is_not_a_number_is_named_with_its_kind() {
    let sheet = TermSheet::read(EXAMPLE).unwrap();
    for (term, kind) in [
        ("tranche.phase-1.online", "a date"),
        ("deal.start", "a date"),
        ("generation.Trainium3.available", "a date"),
        ("deal.buyer", "a string"),
        (
            "tranche.phase-1.ramp_months",
            "a whole number the language reads as a count",
        ),
        ("tranche.phase-1", "a table"),
    ] {
        let err = sheet.contract_with(&[], &[set(term, 1.0)]).unwrap_err();
        assert_eq!(
            err,
            Error::NotNumeric {
                term: term.into(),
                kind
            },
            "{term}"
        );
    }
    // Not in the sheet at all: still unknown.
    assert!(matches!(
        sheet.contract_with(&[], &[set("tranche.phase-9.online", 1.0)]),
        Err(Error::UnknownTerm { .. })
    ));
}
