//! Reference-table tests: published NPV/IRR/XNPV/XIRR/PMT examples, each with its source and tolerance.

use chrono::NaiveDate;
use offtake_finance::{
    Error, Irr, LevelLoan, MonthlyDiscount, irr_monthly_end, irr_periodic, npv_monthly_end,
    npv_periodic, payback_months, pmt, xirr, xnpv,
};

/// One published example: what was computed, the expected value, the tolerance and the source.
struct Case {
    what: &'static str,
    got: f64,
    expected: f64,
    tol: f64,
    source: &'static str,
}

fn check(cases: &[Case]) {
    let failures: Vec<String> = cases
        .iter()
        .filter(|c| {
            // NaN stands for "no answer" and must fail too.
            let err = (c.got - c.expected).abs();
            err.is_nan() || err > c.tol
        })
        .map(|c| {
            format!(
                "{}: got {:.12}, expected {} ± {} ({})",
                c.what, c.got, c.expected, c.tol, c.source
            )
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn irr_rate(irr: Option<Irr>) -> f64 {
    irr.map_or(f64::NAN, |i| i.rate)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

const NPF_NPV: &str = "numpy-financial docs, numpy_financial.npv example";
const NP_NPV: &str = "numpy 1.16 docs, numpy.npv example";
const NP_IRR: &str = "numpy 1.13–1.17 docs, numpy.irr examples (rounded to 5 places)";
const NP_IRR_FULL: &str = "numpy 1.3 docs, numpy.irr example";
const NP_PMT: &str = "numpy lib/tests/test_financial.py test_pmt (now numpy-financial's tests)";
const NPF_PMT: &str = "numpy-financial docs, numpy_financial.pmt example";
const XL_PMT: &str = "Microsoft Excel docs, PMT function, example 1";
const XL_XNPV: &str = "Microsoft Excel docs, XNPV function example";
const XL_XIRR: &str = "Microsoft Excel docs, XIRR function example";

/// The cash flows of Excel's XNPV and XIRR documentation examples.
fn excel_dated_example() -> [(NaiveDate, f64); 5] {
    [
        (date(2008, 1, 1), -10_000.0),
        (date(2008, 3, 1), 2_750.0),
        (date(2008, 10, 30), 4_250.0),
        (date(2009, 2, 15), 3_250.0),
        (date(2009, 4, 1), 2_750.0),
    ]
}

#[test]
fn published_npv_examples() {
    check(&[
        Case {
            what: "npv(0.08, [-40000, 5000, 8000, 12000, 30000])",
            got: npv_periodic(0.08, &[-40_000.0, 5_000.0, 8_000.0, 12_000.0, 30_000.0]).unwrap(),
            expected: 3065.22267,
            tol: 5e-6,
            source: NPF_NPV,
        },
        Case {
            what: "npv(0.281, [-100, 39, 59, 55, 20])",
            got: npv_periodic(0.281, &[-100.0, 39.0, 59.0, 55.0, 20.0]).unwrap(),
            expected: -0.008_478_591_638_454_88,
            tol: 1e-12,
            source: NP_NPV,
        },
        Case {
            what: "xnpv(0.09, Excel example)",
            got: xnpv(0.09, &excel_dated_example()).unwrap(),
            expected: 2086.6476,
            tol: 5e-5,
            source: XL_XNPV,
        },
    ]);
}

#[test]
fn published_irr_examples() {
    check(&[
        Case {
            what: "irr([-100, 39, 59, 55, 20])",
            got: irr_rate(irr_periodic(&[-100.0, 39.0, 59.0, 55.0, 20.0])),
            expected: 0.280_948_421_159_961_1,
            tol: 1e-10,
            source: NP_IRR_FULL,
        },
        Case {
            what: "irr([-100, 0, 0, 74])",
            got: irr_rate(irr_periodic(&[-100.0, 0.0, 0.0, 74.0])),
            expected: -0.0955,
            tol: 5e-5,
            source: NP_IRR,
        },
        Case {
            what: "irr([-100, 100, 0, -7]) (two roots; numpy and MODEL.md agree here)",
            got: irr_rate(irr_periodic(&[-100.0, 100.0, 0.0, -7.0])),
            expected: -0.0833,
            tol: 5e-5,
            source: NP_IRR,
        },
        Case {
            what: "irr([-100, 100, 0, 7])",
            got: irr_rate(irr_periodic(&[-100.0, 100.0, 0.0, 7.0])),
            expected: 0.06206,
            tol: 5e-6,
            source: NP_IRR,
        },
        Case {
            what: "xirr(Excel example)",
            got: irr_rate(xirr(&excel_dated_example()).unwrap()),
            expected: 0.373_362_535,
            // Excel stops Newton "accurate within 0.000001 percent"; the exact root is
            // 0.37336253352, 1.5e-9 below Excel's figure.
            tol: 1e-8,
            source: XL_XIRR,
        },
    ]);
}

#[test]
fn published_pmt_examples() {
    check(&[
        Case {
            what: "pmt(0.08/12, 60, 15000)",
            got: pmt(0.08 / 12.0, 60, 15_000.0).unwrap(),
            expected: -304.145_914,
            tol: 5e-7,
            source: NP_PMT,
        },
        Case {
            what: "pmt(0, 60, 15000)",
            got: pmt(0.0, 60, 15_000.0).unwrap(),
            expected: -250.0,
            tol: 1e-12,
            source: NP_PMT,
        },
        Case {
            what: "pmt(0.075/12, 180, 200000)",
            got: pmt(0.075 / 12.0, 180, 200_000.0).unwrap(),
            expected: -1_854.024_720_005_461_9,
            tol: 1e-8,
            source: NPF_PMT,
        },
        Case {
            what: "PMT(8%/12, 10, 10000)",
            got: pmt(0.08 / 12.0, 10, 10_000.0).unwrap(),
            expected: -1037.03,
            tol: 5e-3,
            source: XL_PMT,
        },
    ]);
}

#[test]
fn irr_of_two_flows_one_year_apart_is_their_growth() {
    // Closed form: −100 at the end of month 0, +110 at the end of month 12 → exactly 10%.
    let mut flows = vec![0.0; 13];
    flows[0] = -100.0;
    flows[12] = 110.0;
    let irr = irr_monthly_end(&flows).unwrap();
    assert!((irr.rate - 0.10).abs() < 1e-10, "{irr:?}");
    assert!(!irr.multiple_roots);
    // Leading and trailing zero months change nothing: only the gap between flows counts.
    let mut shifted = vec![0.0; 5];
    shifted.extend_from_slice(&flows);
    shifted.extend([0.0; 7]);
    assert!((irr_monthly_end(&shifted).unwrap().rate - 0.10).abs() < 1e-10);
}

#[test]
fn monthly_irr_of_a_level_loan_is_its_effective_annual_rate() {
    // Lending 15000 and receiving the PMT for 60 months earns 8%/12 a month, i.e. an annual
    // effective (1 + 0.08/12)^12 − 1. The loan starts one month before its first payment.
    let payment = -pmt(0.08 / 12.0, 60, 15_000.0).unwrap();
    let mut flows = vec![-15_000.0];
    flows.extend(std::iter::repeat_n(payment, 60));
    let irr = irr_monthly_end(&flows).unwrap();
    let expected = (1.0 + 0.08 / 12.0f64).powi(12) - 1.0;
    assert!((irr.rate - expected).abs() < 1e-10, "{irr:?} vs {expected}");
    // And the loan's own schedule: the payment equals the PMT and repays it exactly.
    let loan = LevelLoan::new(15_000.0, 0.08 / 12.0, 60).unwrap();
    assert!((loan.payment() - payment).abs() < 1e-9);
    assert_eq!(loan.balance_after(60), 0.0);
}

#[test]
fn two_roots_report_the_one_where_npv_falls() {
    // −100 + 230v − 132v² = −(1 − 1.1v)(100 − 120v): roots r = 0.1 (NPV rises through zero)
    // and r = 0.2 (NPV falls). MODEL.md §1 reports 0.2; numpy would pick 0.1, closest to zero.
    let flows = [-100.0, 230.0, -132.0];
    let irr = irr_periodic(&flows).unwrap();
    assert!((irr.rate - 0.2).abs() < 1e-10, "{irr:?}");
    assert!(irr.multiple_roots);
    assert!(npv_periodic(0.15, &flows).unwrap() > 0.0);
    // Negated flows: NPV falls through 0.1 and rises through 0.2; 0.1 is the falling root.
    let irr = irr_periodic(&flows.map(|c| -c)).unwrap();
    assert!((irr.rate - 0.1).abs() < 1e-10, "{irr:?}");
    assert!(irr.multiple_roots);
}

#[test]
fn three_roots_report_the_largest_falling_not_numpys_closest_to_zero() {
    // numpy documents irr([-5, 10.5, 1, -8, 1]) = 0.0886, its root closest to zero. NPV also
    // falls through zero near −0.875 and near 0.70; MODEL.md §1 reports the largest falling root.
    let flows = [-5.0, 10.5, 1.0, -8.0, 1.0];
    let irr = irr_periodic(&flows).unwrap();
    assert!(irr.multiple_roots);
    assert!(irr.rate > 0.70 && irr.rate < 0.71, "{irr:?}");
    assert!(npv_periodic(irr.rate, &flows).unwrap().abs() < 1e-9);
    assert!(npv_periodic(irr.rate - 1e-3, &flows).unwrap() > 0.0);
    assert!(npv_periodic(irr.rate + 1e-3, &flows).unwrap() < 0.0);
    // numpy's root is a root too (to its 4 printed digits).
    assert!(npv_periodic(0.0886, &flows).unwrap().abs() < 1e-3);
}

#[test]
fn a_single_rising_root_is_reported() {
    // No root falls, so the rule falls back to the largest root.
    let flows = [100.0, -110.0];
    let irr = irr_periodic(&flows).unwrap();
    // NPV = 100 − 110/(1+r) rises through r = 0.1: no falling root, the largest root is kept.
    assert!((irr.rate - 0.1).abs() < 1e-10);
    assert!(!irr.multiple_roots);
    assert!(npv_periodic(0.05, &flows).unwrap() < 0.0);
}

#[test]
fn no_sign_change_or_no_root_in_range_is_none() {
    assert_eq!(irr_monthly_end(&[]), None);
    assert_eq!(irr_monthly_end(&[0.0; 12]), None);
    assert_eq!(irr_monthly_end(&[100.0, 50.0, 0.0, 10.0]), None);
    assert_eq!(irr_monthly_end(&[-100.0, -50.0, 0.0]), None);
    assert_eq!(irr_periodic(&[-1.0]), None);
    // The root exists but lies outside (−0.99, 10]: 10 000% a period.
    assert_eq!(irr_periodic(&[-1.0, 101.0]), None);
    // And below −0.99: −99.5% a period.
    assert_eq!(irr_periodic(&[-1.0, 0.005]), None);
    // Root exactly at the top end is inside the interval.
    let top = irr_periodic(&[-1.0, 11.0]).unwrap();
    assert!((top.rate - 10.0).abs() < 1e-10);
}

#[test]
fn non_finite_flows_give_none_not_nan() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(irr_monthly_end(&[-100.0, bad, 120.0]), None);
        assert_eq!(irr_periodic(&[-100.0, 50.0, bad]), None);
    }
    assert_eq!(irr_monthly_end(&[-f64::MAX, f64::MAX, f64::MAX]), None);
}

#[test]
fn monthly_npv_equals_the_powf_form() {
    let flows: Vec<f64> = (0..120)
        .map(|t| {
            if t < 6 {
                -1.0e6
            } else {
                9.0e4 * (1.0 + (t as f64).sin())
            }
        })
        .collect();
    for rate in [-0.5, -0.01, 0.0, 1e-9, 0.08, 0.35, 3.0] {
        let powf: f64 = flows
            .iter()
            .enumerate()
            .map(|(t, c)| c * (1.0f64 + rate).powf(-((t + 1) as f64) / 12.0))
            .sum();
        let scale: f64 = flows
            .iter()
            .enumerate()
            .map(|(t, c)| (c * (1.0f64 + rate).powf(-((t + 1) as f64) / 12.0)).abs())
            .sum();
        let fast = npv_monthly_end(rate, &flows).unwrap();
        assert!(
            (fast - powf).abs() <= 1e-12 * scale,
            "rate {rate}: {fast} vs {powf}"
        );
    }
    assert!(matches!(
        npv_monthly_end(-1.0, &flows),
        Err(Error::RateOutOfDomain { .. })
    ));
}

#[test]
fn monthly_npv_at_irr_is_zero_for_a_provider_shaped_series() {
    // Build 6 months, ramp, a chip refresh at month 60, then a residual: flows change sign
    // several times, so the shortcut bounds decide which halves need the grid.
    let flows: Vec<f64> = (0..120)
        .map(|t| match t {
            0..=5 => -2.0e7,
            60 => -4.0e7,
            119 => 3.0e7,
            _ => 2.2e6 + 1.0e4 * t as f64,
        })
        .collect();
    let irr = irr_monthly_end(&flows).unwrap();
    let discount = MonthlyDiscount::new(irr.rate).unwrap();
    let abs_sum: f64 = flows.iter().map(|c| c.abs()).sum();
    assert!(discount.npv(&flows).abs() < 1e-9 * abs_sum, "{irr:?}");
    assert!(irr.rate > 0.0 && !irr.multiple_roots);
}

#[test]
fn payback_of_a_build_then_earn_series() {
    // Running sums: −30, −60, −40, −20, 0 → recovered (≥ 0) at the end of month index 4.
    assert_eq!(
        payback_months(&[-30.0, -30.0, 20.0, 20.0, 20.0, 20.0]),
        Some(5)
    );
}
