//! MODEL v2 §14 (credit, guarantees, backstops) and §15 (sculpted debt, reserve, market value):
//! every key reads into the contract with its default, and every v2 rule of §12 rejects bad
//! input with a located diagnostic (the problem, the line, the field).
//!
//! As in `validation.rs`, each case is the bundled example with a single edit, and asserts that
//! exactly that one mistake is reported, on the line of the edit.

use offtake_model::{Evidence, Problem, Sizing, parse, parse_with};

mod common;
use common::{EXAMPLE, diagnostics, edit, help, one};

/// The example with `lines` added to `[buyer]`.
fn with_buyer(lines: &str) -> String {
    edit(
        "discount_rate = 0.12\n",
        &format!("discount_rate = 0.12\n{lines}\n"),
    )
}

/// The example with its `[financing]` table's keys replaced by `lines`.
fn with_financing(lines: &str) -> String {
    edit(
        "debt_share = 0.5\ninterest_rate = 0.06\ntenor_years = 7\n",
        &format!("{lines}\n"),
    )
}

/// The example with `tables` appended (after `[risk]`: `[[guarantee]]`, `[[backstop]]`,
/// `[market]`).
fn with_tables(tables: &str) -> String {
    format!("{EXAMPLE}\n{tables}\n")
}

const GUARANTEE: &str = "[[guarantee]]\nid = \"parent\"\n";
const BACKSTOP: &str = "[[backstop]]\nid = \"vendor\"\n";

// ---- reading ---------------------------------------------------------------------------------

#[test]
fn credit_keys_read_into_the_contract() {
    let src = with_buyer(
        "credit = { spread_bps = { value = 450, source = \"amazon-2026\", evidence = \"reported\" }, recovery = 0.3 }\nremarket = 0.6",
    ) + "\n[[guarantee]]\nid = \"parent\"\nparty = \"Parent Co\"\nshare = 0.8\ncap = 2e9\ncredit = { annual_default_probability = 0.01 }\n\n[[backstop]]\nid = \"vendor\"\nshare = 0.5\nprice = 0.9\ncap = 6.3e9\nfrom = \"2027-01\"\nuntil = { value = \"2030-12\", evidence = \"assumed\" }\ncredit = { spread_bps = 100 }\n";
    let c = parse(&src).unwrap_or_else(|e| panic!("{e:#?}"));
    let credit = c.buyer.credit.unwrap();
    assert_eq!(
        (credit.spread_bps, credit.annual_default_probability),
        (Some(450.0), None)
    );
    assert_eq!(credit.recovery, 0.3);
    assert!((credit.hazard() - 0.045 / 0.7).abs() < 1e-15);
    assert_eq!(c.buyer.remarket, 0.6);

    let g = &c.guarantees[0];
    assert_eq!(
        (g.id.as_str(), g.party.as_deref(), g.share, g.cap),
        ("parent", Some("Parent Co"), 0.8, Some(2e9))
    );
    let gc = g.credit.unwrap();
    assert_eq!(gc.annual_default_probability, Some(0.01));
    // The default recovery.
    assert_eq!(gc.recovery, 0.4);

    let b = &c.backstops[0];
    assert_eq!(
        (b.id.as_str(), b.share, b.price, b.cap),
        ("vendor", 0.5, 0.9, Some(6.3e9))
    );
    let month = |y, m| chrono::NaiveDate::from_ymd_opt(y, m, 1);
    assert_eq!((b.from, b.until), (month(2027, 1), month(2030, 12)));
    assert_eq!(b.credit.unwrap().spread_bps, Some(100.0));
    // Defaults: share 1, price 1, no cap, the whole term, no credit (alone: a second backstop of
    // share 1 would take the backstops' shares over 1).
    let alone = parse(&with_tables("[[backstop]]\nid = \"other\"")).unwrap();
    let d = &alone.backstops[0];
    assert_eq!(
        (d.share, d.price, d.cap, d.from, d.until, d.credit),
        (1.0, 1.0, None, None, None, None)
    );
    let ids: Vec<&str> = c.parties().iter().map(|(_, id, _)| *id).collect();
    assert_eq!(ids, ["buyer", "parent", "vendor"]);

    // Provenance as for every number and date: the inputs list them.
    let input = |path: &str| {
        c.inputs
            .iter()
            .find(|i| i.path == path)
            .unwrap_or_else(|| panic!("{path}"))
    };
    assert_eq!(
        input("buyer.credit.spread_bps").evidence,
        Some(Evidence::Reported)
    );
    for path in [
        "buyer.credit.recovery",
        "buyer.remarket",
        "guarantee.parent.share",
        "guarantee.parent.cap",
        "guarantee.parent.credit.annual_default_probability",
        "backstop.vendor.price",
        "backstop.vendor.cap",
        "backstop.vendor.until",
        "backstop.vendor.credit.spread_bps",
    ] {
        input(path);
    }
    // An alternative of a credit runs as a variant.
    let alt =
        with_buyer("credit = { spread_bps = { value = 450, alternatives = [{ value = 900 }] } }");
    let v = parse_with(&alt, &["buyer.credit.spread_bps=1".parse().unwrap()]).unwrap();
    assert_eq!(v.buyer.credit.unwrap().spread_bps, Some(900.0));

    // Without the keys: no credit terms, remarket 0.5.
    let e = parse(EXAMPLE).unwrap();
    assert!(!e.has_credit_terms());
    assert_eq!(e.buyer.remarket, 0.5);
}

#[test]
fn lender_keys_read_into_the_contract() {
    let src = with_financing(
        "sizing = \"sculpted\"\ntarget_dscr = 1.4\nmax_gearing = { value = 0.7, evidence = \"assumed\" }\ninterest_rate = 0.06\ntenor_years = 7\ndsra_months = 6\nequity_discount_rate = 0.15",
    )
    .replacen("hurdle = 0.09\n", "hurdle = 0.09\nllcr = 1.2\nltv = 0.75\n", 1)
        + "\n[market]\nchip_resale = [[0, 1.0], [3, { value = 0.35, evidence = \"estimated\" }], [6, 0.1]]\n";
    let c = parse(&src).unwrap_or_else(|e| panic!("{e:#?}"));
    let f = c.financing.as_ref().unwrap();
    assert_eq!(
        f.sizing,
        Sizing::Sculpted {
            target_dscr: 1.4,
            max_gearing: 0.7
        }
    );
    // No `debt_share` with the sculpted sizing: stored as 0.
    assert_eq!(f.debt_share, 0.0);
    assert_eq!((f.dsra_months, f.equity_discount_rate), (6, Some(0.15)));
    assert_eq!((c.thresholds.llcr, c.thresholds.ltv), (1.2, 0.75));
    assert_eq!(
        c.market.as_ref().unwrap().chip_resale,
        vec![(0.0, 1.0), (3.0, 0.35), (6.0, 0.1)]
    );
    let input = |path: &str| c.inputs.iter().find(|i| i.path == path).is_some();
    for path in [
        "financing.target_dscr",
        "financing.max_gearing",
        "financing.equity_discount_rate",
        "thresholds.llcr",
        "thresholds.ltv",
        "market.chip_resale[1]",
    ] {
        assert!(input(path), "{path}");
    }

    // Defaults: target_dscr is `[thresholds] dscr`, max_gearing 0.8; llcr is the DSCR
    // threshold, ltv 0.8; the share sizing has no reserve and the provider's rate.
    let src = with_financing("sizing = \"sculpted\"\ninterest_rate = 0.06\ntenor_years = 7")
        .replacen("dscr = 1.30\n", "dscr = 1.25\n", 1);
    let c = parse(&src).unwrap();
    assert_eq!(
        c.financing.unwrap().sizing,
        Sizing::Sculpted {
            target_dscr: 1.25,
            max_gearing: 0.8
        }
    );
    assert_eq!((c.thresholds.llcr, c.thresholds.ltv), (1.25, 0.8));
    assert!(c.market.is_none());
    let e = parse(EXAMPLE).unwrap();
    let f = e.financing.unwrap();
    assert_eq!(
        (
            f.sizing,
            f.debt_share,
            f.dsra_months,
            f.equity_discount_rate
        ),
        (Sizing::Share, 0.5, 0, None)
    );
    // `sizing = "share"` written out is the default.
    let s = parse(&with_financing(
        "sizing = \"share\"\ndebt_share = 0.5\ninterest_rate = 0.06\ntenor_years = 7",
    ))
    .unwrap();
    assert_eq!(s.financing, parse(EXAMPLE).unwrap().financing);
}

// ---- credit ----------------------------------------------------------------------------------

#[test]
fn fractions_outside_zero_one() {
    let cases = [
        (
            with_buyer("credit = { spread_bps = 450, recovery = 1.5 }"),
            "credit",
            "buyer.credit.recovery",
        ),
        (with_buyer("remarket = -0.1"), "remarket", "buyer.remarket"),
        (
            with_buyer("credit = { annual_default_probability = -0.01 }"),
            "credit",
            "buyer.credit.annual_default_probability",
        ),
        (
            with_tables(&format!("{GUARANTEE}share = 1.2")),
            "share = 1.2",
            "guarantee.parent.share",
        ),
        (
            with_tables(&format!("{BACKSTOP}share = -1")),
            "share = -1",
            "backstop.vendor.share",
        ),
        (
            with_financing(
                "sizing = \"sculpted\"\nmax_gearing = 1.1\ninterest_rate = 0.06\ntenor_years = 7",
            ),
            "max_gearing",
            "financing.max_gearing",
        ),
    ];
    for (src, line, field) in cases {
        let d = one(&src, line, field);
        assert!(
            matches!(d.problem, Problem::FractionOutOfRange { .. }),
            "{d:?}"
        );
    }
    // An alternative is checked like its base value.
    let src = with_buyer("remarket = { value = 0.5, alternatives = [{ value = 2 }] }");
    let d = one(&src, "remarket", "buyer.remarket.alternatives[0]");
    assert!(matches!(d.problem, Problem::FractionOutOfRange { value, .. } if value == 2.0));
}

#[test]
fn a_default_probability_of_one_is_rejected() {
    let src = with_buyer("credit = { annual_default_probability = 1 }");
    let d = one(&src, "credit", "buyer.credit.annual_default_probability");
    assert_eq!(
        d.problem,
        Problem::OutOfRange {
            what: "`annual_default_probability`".into(),
            bound: "less than 1",
            value: 1.0,
        }
    );
    assert_eq!(d.snippet(&src), "1");
    assert!(help(&d).contains("certain default"), "{d:?}");
    // Just below 1 is a (very high) probability.
    parse(&with_buyer(
        "credit = { annual_default_probability = 0.999 }",
    ))
    .unwrap();
}

#[test]
fn a_spread_must_be_positive() {
    for s in ["0", "-50"] {
        let src = with_tables(&format!("{GUARANTEE}credit = {{ spread_bps = {s} }}"));
        let d = one(&src, "credit", "guarantee.parent.credit.spread_bps");
        assert!(
            matches!(
                d.problem,
                Problem::OutOfRange {
                    bound: "greater than 0",
                    ..
                }
            ),
            "{d:?}"
        );
        assert_eq!(d.snippet(&src), s);
    }
}

#[test]
fn a_credit_needs_exactly_one_of_probability_and_spread() {
    let src = with_buyer("credit = { annual_default_probability = 0.02, spread_bps = 300 }");
    let d = one(&src, "credit", "buyer.credit.spread_bps");
    assert_eq!(d.problem, Problem::CreditShape { found: "both" });
    // The second key is the one too many.
    assert_eq!(d.snippet(&src), "spread_bps");
    let src = with_buyer("credit = { recovery = 0.5 }");
    let d = one(&src, "credit", "buyer.credit");
    assert_eq!(d.problem, Problem::CreditShape { found: "neither" });
    assert_eq!(d.snippet(&src), "{ recovery = 0.5 }");
    assert!(help(&d).contains("spread_bps"));
}

#[test]
fn a_recovery_of_one_with_a_spread() {
    let src = with_buyer("credit = { spread_bps = 300, recovery = 1 }");
    let d = one(&src, "credit", "buyer.credit.recovery");
    assert!(
        matches!(
            d.problem,
            Problem::OutOfRange {
                bound: "less than 1 with `spread_bps`",
                ..
            }
        ),
        "{d:?}"
    );
    assert_eq!(d.snippet(&src), "1");
    // With a probability, a full recovery is allowed.
    let c = parse(&with_buyer(
        "credit = { annual_default_probability = 0.02, recovery = 1 }",
    ))
    .unwrap();
    assert_eq!(c.buyer.credit.unwrap().recovery, 1.0);
}

#[test]
fn a_credit_that_is_not_a_table_or_has_an_unknown_key() {
    let src = with_buyer("credit = 0.02");
    let d = one(&src, "credit", "buyer.credit");
    assert!(matches!(d.problem, Problem::WrongType { .. }), "{d:?}");
    let src = with_buyer("credit = { spread_bp = 300 }");
    let ds = diagnostics(&src);
    assert!(
        ds.iter().any(|d| d.field == "buyer.credit.spread_bp"
            && help(d) == "did you mean `spread_bps`?"),
        "{ds:#?}"
    );
}

#[test]
fn negative_cap_and_price() {
    let src = with_tables(&format!("{GUARANTEE}cap = -1e9"));
    let d = one(&src, "cap = -1e9", "guarantee.parent.cap");
    assert!(matches!(d.problem, Problem::OutOfRange { value, .. } if value == -1e9));
    let src = with_tables(&format!("{BACKSTOP}cap = -5"));
    let d = one(&src, "cap = -5", "backstop.vendor.cap");
    assert!(matches!(d.problem, Problem::OutOfRange { .. }));
    let src = with_tables(&format!("{BACKSTOP}price = -0.5"));
    let d = one(&src, "price = -0.5", "backstop.vendor.price");
    assert!(matches!(d.problem, Problem::OutOfRange { .. }));
    // A cap and price of 0 are allowed.
    parse(&with_tables(&format!("{BACKSTOP}cap = 0\nprice = 0"))).unwrap();
}

#[test]
fn party_ids_are_unique_across_guarantees_and_backstops() {
    let src = with_tables(&format!(
        "{GUARANTEE}share = 0.5\n\n[[guarantee]]\nid = \"parent\" # twice\nshare = 0.5"
    ));
    let d = one(&src, "# twice", "guarantee.parent.id");
    assert_eq!(
        d.problem,
        Problem::DuplicateId {
            kind: "guarantee",
            id: "parent".into()
        }
    );
    // A backstop may not take a guarantee's id.
    let src = with_tables(&format!(
        "{GUARANTEE}\n[[backstop]]\nid = \"parent\" # twice"
    ));
    let d = one(&src, "# twice", "backstop.parent.id");
    assert_eq!(
        d.problem,
        Problem::DuplicateId {
            kind: "backstop",
            id: "parent".into()
        }
    );
    assert!(help(&d).contains("across both"));
}

#[test]
fn no_party_may_be_called_buyer() {
    for table in ["guarantee", "backstop"] {
        let src = with_tables(&format!("[[{table}]]\nid = \"buyer\""));
        let d = one(&src, "\"buyer\"", &format!("{table}.buyer.id"));
        assert!(
            matches!(&d.problem, Problem::ReservedId { id, .. } if id == "buyer"),
            "{d:?}"
        );
    }
}

#[test]
fn backstop_from_after_until() {
    let src = with_tables(&format!(
        "{BACKSTOP}from = \"2030-01\"\nuntil = \"2029-12\""
    ));
    let d = one(&src, "from =", "backstop.vendor.from");
    assert_eq!(
        d.problem,
        Problem::BackstopFromAfterUntil {
            id: "vendor".into(),
            from: "2030-01".into(),
            until: "2029-12".into()
        }
    );
    // One month is a window.
    parse(&with_tables(&format!(
        "{BACKSTOP}from = \"2030-01\"\nuntil = \"2030-01\""
    )))
    .unwrap();
}

// ---- financing and market ----------------------------------------------------------------

#[test]
fn target_dscr_must_be_positive() {
    for x in ["0", "-1.2"] {
        let src = with_financing(&format!(
            "sizing = \"sculpted\"\ntarget_dscr = {x}\ninterest_rate = 0.06\ntenor_years = 7"
        ));
        let d = one(&src, "target_dscr", "financing.target_dscr");
        assert!(
            matches!(
                d.problem,
                Problem::OutOfRange {
                    bound: "greater than 0",
                    ..
                }
            ),
            "{d:?}"
        );
    }
}

#[test]
fn sculpted_sizing_with_debt_share() {
    let src = with_financing(
        "sizing = \"sculpted\"\ndebt_share = 0.5\ninterest_rate = 0.06\ntenor_years = 7",
    );
    let d = one(&src, "debt_share", "financing.debt_share");
    assert_eq!(
        d.problem,
        Problem::KeyNotForSizing {
            key: "debt_share",
            sizing: "sculpted"
        }
    );
    assert_eq!(d.snippet(&src), "debt_share");
}

#[test]
fn target_dscr_or_max_gearing_with_the_share_sizing() {
    for (line, key) in [
        ("target_dscr = 1.3", "target_dscr"),
        ("max_gearing = 0.7", "max_gearing"),
    ] {
        // Implicit and explicit share sizing alike.
        for sizing in ["", "sizing = \"share\"\n"] {
            let src = with_financing(&format!(
                "{sizing}debt_share = 0.5\n{line}\ninterest_rate = 0.06\ntenor_years = 7"
            ));
            let d = one(&src, line, &format!("financing.{key}"));
            assert!(
                matches!(
                    d.problem,
                    Problem::KeyNotForSizing {
                        sizing: "share",
                        ..
                    }
                ),
                "{d:?}"
            );
        }
    }
    // The share sizing still requires `debt_share`.
    let src = with_financing("interest_rate = 0.06\ntenor_years = 7");
    let d = one(&src, "[financing]", "financing.debt_share");
    assert!(matches!(d.problem, Problem::MissingKey { .. }), "{d:?}");
}

#[test]
fn unknown_sizing() {
    let src = with_financing(
        "sizing = \"sculpt\"\ndebt_share = 0.5\ninterest_rate = 0.06\ntenor_years = 7",
    );
    let d = one(&src, "sizing", "financing.sizing");
    assert_eq!(
        d.problem,
        Problem::UnknownSizing {
            value: "sculpt".into()
        }
    );
    let src = with_financing("sizing = 1\ndebt_share = 0.5\ninterest_rate = 0.06\ntenor_years = 7");
    let d = one(&src, "sizing", "financing.sizing");
    assert!(matches!(d.problem, Problem::WrongType { .. }), "{d:?}");
}

#[test]
fn reserve_months_and_sponsor_rate() {
    let src = with_financing(
        "debt_share = 0.5\ninterest_rate = 0.06\ntenor_years = 7\ndsra_months = 1.5",
    );
    let d = one(&src, "dsra_months", "financing.dsra_months");
    assert!(matches!(d.problem, Problem::WrongType { .. }), "{d:?}");
    let src = with_financing(
        "debt_share = 0.5\ninterest_rate = 0.06\ntenor_years = 7\nequity_discount_rate = -1",
    );
    let d = one(
        &src,
        "equity_discount_rate",
        "financing.equity_discount_rate",
    );
    assert!(matches!(d.problem, Problem::OutOfRange { .. }), "{d:?}");
}

#[test]
fn llcr_and_ltv_thresholds_are_not_negative() {
    for key in ["llcr", "ltv"] {
        let src = edit("hurdle = 0.09\n", &format!("hurdle = 0.09\n{key} = -0.5\n"));
        let d = one(&src, &format!("{key} ="), &format!("thresholds.{key}"));
        assert!(matches!(d.problem, Problem::OutOfRange { .. }), "{d:?}");
    }
}

fn resale(curve: &str) -> String {
    with_tables(&format!("[market]\nchip_resale = {curve}"))
}

#[test]
fn chip_resale_ages_negative_repeated_or_decreasing() {
    let src = resale("[[-1, 1.0], [3, 0.4]]");
    let d = one(&src, "chip_resale", "market.chip_resale[0]");
    assert!(
        matches!(d.problem, Problem::OutOfRange { value, .. } if value == -1.0),
        "{d:?}"
    );
    assert_eq!(d.snippet(&src), "-1");
    for curve in [
        "[[0, 1.0], [3, 0.4], [3, 0.3]]",
        "[[0, 1.0], [3, 0.4], [2, 0.3]]",
    ] {
        let src = resale(curve);
        let d = one(&src, "chip_resale", "market.chip_resale[2]");
        assert!(
            matches!(d.problem, Problem::ResaleNotIncreasing { previous, .. } if previous == 3.0),
            "{d:?}"
        );
        assert_eq!(
            d.line_col(&src).1,
            "chip_resale = [[0, 1.0], [3, 0.4], [".len() + 1
        );
    }
}

#[test]
fn chip_resale_fractions_below_zero() {
    let src = resale("[[0, 1.0], [3, -0.1]]");
    let d = one(&src, "chip_resale", "market.chip_resale[1]");
    assert!(
        matches!(d.problem, Problem::OutOfRange { value, .. } if value == -0.1),
        "{d:?}"
    );
    assert_eq!(d.snippet(&src), "-0.1");
    // Above 1 is a market value above cost: allowed.
    parse(&resale("[[0, 1.2], [3, 0.4]]")).unwrap();
    // An alternative is checked like its base value.
    let src = resale("[[0, 1.0], [3, { value = 0.4, alternatives = [{ value = -1 }] }]]");
    let d = one(&src, "chip_resale", "market.chip_resale[1].alternatives[0]");
    assert!(matches!(d.problem, Problem::OutOfRange { .. }), "{d:?}");
}

#[test]
fn chip_resale_malformed() {
    for (curve, field) in [
        ("[[0, 1.0], [3]]", "market.chip_resale[1]"),
        ("[[0, 1.0, 2]]", "market.chip_resale[0]"),
    ] {
        let d = one(&resale(curve), "chip_resale", field);
        assert_eq!(d.problem, Problem::BadResalePoint, "{curve}");
    }
    // A flat list is two points that are not pairs.
    let ds = diagnostics(&resale("[0, 1.0]"));
    assert_eq!(ds.len(), 2, "{ds:#?}");
    assert!(ds.iter().all(|d| d.problem == Problem::BadResalePoint));
    let d = one(
        &resale("[[\"3y\", 0.4]]"),
        "chip_resale",
        "market.chip_resale[0]",
    );
    assert!(matches!(d.problem, Problem::WrongType { .. }), "{d:?}");
    let d = one(&resale("[]"), "chip_resale", "market.chip_resale");
    assert_eq!(d.problem, Problem::EmptyCurve);
    let d = one(&resale("0.4"), "chip_resale", "market.chip_resale");
    assert!(matches!(d.problem, Problem::WrongType { .. }), "{d:?}");
    // `[market]` without its curve.
    let src = with_tables("[market]");
    let d = one(&src, "[market]", "market.chip_resale");
    assert!(matches!(d.problem, Problem::MissingKey { .. }), "{d:?}");
}

// ---- all at once ---------------------------------------------------------------------------

#[test]
fn every_v2_credit_and_lender_problem_is_reported_at_once() {
    let src = with_financing(
        "sizing = \"sculpted\"\ndebt_share = 0.5\ntarget_dscr = 0\nmax_gearing = 2\ninterest_rate = 0.06\ntenor_years = 7",
    )
    .replacen(
        "discount_rate = 0.12\n",
        "discount_rate = 0.12\ncredit = { annual_default_probability = 1, spread_bps = -3 }\nremarket = 1.5\n",
        1,
    ) + "
[[guarantee]]
id = \"buyer\"
share = 2
cap = -1
credit = { recovery = 0.5 }

[[guarantee]]
id = \"g\"
credit = { spread_bps = 100, recovery = 1 }

[[backstop]]
id = \"g\"
price = -1
from = \"2030-01\"
until = \"2029-01\"

[market]
chip_resale = [[1, 0.5], [1, 0.4], [-2, -0.1], [3]]
";
    let ds = diagnostics(&src);
    let rendered: Vec<String> = ds
        .iter()
        .map(|d| {
            let (line, col) = d.line_col(&src);
            format!(
                "{line}:{col} [{}] {} | {:?} | help: {}",
                d.field,
                d.problem,
                d.snippet(&src),
                d.help.as_deref().unwrap_or("-")
            )
        })
        .collect();
    insta::assert_snapshot!(rendered.join("\n"));
}

#[test]
fn shares_of_a_kind_sum_to_at_most_one() {
    // Two guarantees of 0.5 split the obligation; a third share takes the sum over 1 and is
    // reported on its own `share` line (docs/model.md §14: MODEL is silent).
    let split = with_tables(
        "[[guarantee]]\nid = \"a\"\nshare = 0.5\n\n[[guarantee]]\nid = \"b\"\nshare = 0.5",
    );
    assert!(parse(&split).is_ok());
    let src = with_tables(
        "[[guarantee]]\nid = \"a\"\nshare = 0.6\n\n[[guarantee]]\nid = \"b\"\nshare = 0.45",
    );
    let d = one(&src, "share = 0.45", "guarantee.b.share");
    assert!(
        matches!(d.problem, Problem::SharesOverOne { kind: "guarantee", total } if (total - 1.05).abs() < 1e-12),
        "{d:?}"
    );
    // A share left out is 1: a second backstop over a full one is reported at its table.
    let src = with_tables("[[backstop]]\nid = \"a\"\n\n[[backstop]]\nid = \"b\"\nshare = 0.25");
    let d = one(&src, "share = 0.25", "backstop.b.share");
    assert!(
        matches!(
            d.problem,
            Problem::SharesOverOne {
                kind: "backstop",
                ..
            }
        ),
        "{d:?}"
    );
    // Guarantees and backstops are summed apart.
    assert!(
        parse(&with_tables(
            "[[guarantee]]\nid = \"a\"\n\n[[backstop]]\nid = \"b\""
        ))
        .is_ok()
    );
}
