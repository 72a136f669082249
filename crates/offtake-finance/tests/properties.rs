//! Property tests: IRR roots are roots, the shortcuts agree with a brute-force grid, NPV identities hold.

use offtake_finance::{
    Irr, MonthlyDiscount, irr_monthly_end, irr_monthly_end_levered, irr_periodic, npv_monthly_end,
};
use proptest::prelude::*;

/// NPV straight from the definition, with `powf`: monthly end (τ = (t+1)/12) or periodic (τ = t).
fn npv_naive(rate: f64, flows: &[f64], monthly: bool) -> f64 {
    flows
        .iter()
        .enumerate()
        .map(|(t, c)| {
            let tau = if monthly {
                (t + 1) as f64 / 12.0
            } else {
                t as f64
            };
            c * (1.0 + rate).powf(-tau)
        })
        .sum()
}

/// MODEL.md §1 implemented the slow, obvious way: NPV at all 1100 grid points, every sign
/// change (and exact zero) listed, the largest falling root else the largest, bisected.
fn irr_brute_force(flows: &[f64], monthly: bool) -> Option<Irr> {
    // NPV ≡ 0: every rate is a root, which is no answer.
    if flows.iter().all(|c| *c == 0.0) {
        return None;
    }
    let points: Vec<(f64, f64)> = (0..1100)
        .map(|i| {
            let r = (i as f64 - 99.0) / 100.0;
            (r, npv_naive(r, flows, monthly))
        })
        .collect();
    // (lo, hi, falling); lo == hi for an exact zero.
    let mut roots: Vec<(f64, f64, bool)> = Vec::new();
    for i in 1..points.len() {
        let (r, f) = points[i];
        let left = points[..i].iter().rev().find(|p| p.1 != 0.0).map(|p| p.1);
        if f == 0.0 {
            let right = points[i + 1..].iter().find(|p| p.1 != 0.0).map(|p| p.1);
            let falling = left.is_some_and(|l| l > 0.0) && right.is_none_or(|x| x < 0.0);
            roots.push((r, r, falling));
        } else if points[i - 1].1 != 0.0 && (points[i - 1].1 > 0.0) != (f > 0.0) {
            roots.push((points[i - 1].0, r, points[i - 1].1 > 0.0));
        }
    }
    let &(mut lo, mut hi, _) = roots.iter().rev().find(|r| r.2).or_else(|| roots.last())?;
    let f_lo = npv_naive(lo, flows, monthly);
    while hi - lo > 1e-13 {
        let mid = 0.5 * (lo + hi);
        let f_mid = npv_naive(mid, flows, monthly);
        if f_mid == 0.0 {
            (lo, hi) = (mid, mid);
        } else if (f_mid > 0.0) == (f_lo > 0.0) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(Irr {
        rate: 0.5 * (lo + hi),
        multiple_roots: roots.len() > 1,
    })
}

/// Flows of a build-then-earn project: outlays in the first months, then inflows totalling
/// 1–3× the outlay, so NPV(0) ≥ 0 > NPV(10) and exactly one IRR lies in [0, 10].
fn one_sign_change() -> impl Strategy<Value = Vec<f64>> {
    (
        prop::collection::vec(1.0e3..1.0e7f64, 1..4),
        prop::collection::vec(0.0..1.0f64, 21..120),
        1.0..3.0f64,
    )
        .prop_map(|(outlays, weights, multiple)| {
            let total_out: f64 = outlays.iter().sum();
            let total_w: f64 = weights.iter().sum::<f64>().max(1e-9);
            let mut flows: Vec<f64> = outlays.iter().map(|o| -o).collect();
            flows.extend(weights.iter().map(|w| w / total_w * total_out * multiple));
            flows
        })
}

/// A provider-shaped 120-month series: build, operate, a chip refresh and an end flow of
/// either sign (residual value or a closing cost), so running sums change sign several times.
fn provider_like() -> impl Strategy<Value = Vec<f64>> {
    (
        1usize..8,
        1.0e6..1.0e7f64,
        prop::collection::vec(-2.0e5..2.0e6f64, 120),
        30usize..100,
        0.0..6.0e7f64,
        -8.0e7..3.0e7f64,
    )
        .prop_map(|(build, outlay, operations, refresh_at, refresh, end)| {
            let mut flows = operations;
            flows[..build].fill(-outlay);
            flows[refresh_at] -= refresh;
            flows[119] += end;
            flows
        })
}

/// A levered equity flow over 120 months (a sponsor's: FCF plus loan draws less debt service):
/// build spend with capex lumps, a share of each drawn on a loan, a ramp of earnings, lumpy
/// taxes, a level debt service from the build's end with a reserve funded then, released at
/// the end, and the balance left repaid in the last month; optionally a late chip refresh. The
/// running sums change sign several times.
fn levered_like() -> impl Strategy<Value = Vec<f64>> {
    (
        (6usize..18, 100.0..400.0f64, 300.0..900.0f64, 6.0..36.0f64),
        (0.3..0.7f64, 0.004..0.01f64, 60usize..156, 0usize..7),
        (
            10usize..34,
            prop::option::of((40usize..100, 5000.0..17_000.0f64)),
        ),
        prop::collection::vec(0.9..1.1f64, 120),
        prop::collection::vec(0.5..3.0f64, 10),
    )
        .prop_map(
            |(
                (build, spend, level, ramp),
                (share, rate, term, reserve),
                (tranche, refresh),
                noise,
                taxes,
            )| {
                let mut capex = [0.0; 120];
                capex[0] = 8000.0;
                capex[build - 1] += 8000.0;
                capex[build + tranche] += 7000.0;
                if let Some((at, amount)) = refresh {
                    capex[at] += amount;
                }
                let mut flows: Vec<f64> = (0..120)
                    .map(|t| {
                        let mut c = if t < build {
                            -spend
                        } else {
                            level * (((t - build) as f64 + 1.0) / ramp).min(1.0) * noise[t]
                        };
                        c -= capex[t] * (1.0 - share);
                        if t % 12 == 11 && t > build {
                            c -= level * taxes[t / 12];
                        }
                        c
                    })
                    .collect();
                let (mut balance, mut payment) = (0.0, 0.0);
                for t in 0..120 {
                    balance = balance * (1.0 + rate) + capex[t] * share;
                    if t == build {
                        payment = balance * rate / (1.0 - (1.0 + rate).powf(-(term as f64)));
                        flows[t] -= payment * reserve as f64;
                    }
                    if t >= build {
                        let paid = payment.min(balance);
                        balance -= paid;
                        flows[t] -= paid;
                    }
                }
                flows[119] += payment * reserve as f64 - balance;
                flows
            },
        )
}

/// Any series: mixed signs, some zeros, up to 40 periods.
fn any_flows() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(prop_oneof![1 => Just(0.0), 4 => -1000.0..1000.0f64], 0..40)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn one_sign_change_has_a_single_irr_that_zeroes_npv(flows in one_sign_change()) {
        let irr = irr_monthly_end(&flows).expect("inflows ≥ outlay, within 10x a year");
        prop_assert!(!irr.multiple_roots);
        prop_assert!((0.0..=10.0).contains(&irr.rate), "{irr:?}");
        let abs_sum: f64 = flows.iter().map(|c| c.abs()).sum();
        let npv = MonthlyDiscount::new(irr.rate).unwrap().npv(&flows);
        prop_assert!(npv.abs() <= 1e-9 * abs_sum, "npv {npv} at {irr:?}");
        prop_assert!(npv_naive(irr.rate, &flows, true).abs() <= 1e-9 * abs_sum);
    }

    #[test]
    fn monthly_irr_matches_brute_force_grid(flows in any_flows()) {
        compare_with_brute_force(&flows, true)?;
    }

    #[test]
    fn monthly_irr_matches_brute_force_grid_on_provider_like_series(flows in provider_like()) {
        compare_with_brute_force(&flows, true)?;
    }

    #[test]
    fn levered_irr_matches_brute_force_grid_on_levered_series(flows in levered_like()) {
        let levered = irr_monthly_end_levered(&flows);
        compare_with(levered, irr_brute_force(&flows, true))?;
        // The same root as the plain search, to within the tolerance of both.
        compare_with(levered, irr_monthly_end(&flows))?;
    }

    #[test]
    fn periodic_irr_matches_brute_force_grid(flows in any_flows()) {
        compare_with_brute_force(&flows, false)?;
    }

    #[test]
    fn monthly_npv_at_zero_rate_is_the_sum(flows in prop::collection::vec(-1.0e7..1.0e7f64, 0..240)) {
        let sum: f64 = flows.iter().sum();
        let abs_sum: f64 = flows.iter().map(|c| c.abs()).sum();
        let npv = npv_monthly_end(0.0, &flows).unwrap();
        prop_assert!((npv - sum).abs() <= 1e-12 * abs_sum.max(1.0), "{npv} vs {sum}");
    }

    #[test]
    fn monthly_npv_matches_powf(
        flows in prop::collection::vec(-1.0e7..1.0e7f64, 0..240),
        rate in -0.9..5.0f64,
    ) {
        let scale: f64 = flows
            .iter()
            .enumerate()
            .map(|(t, c)| (c * (1.0 + rate).powf(-((t + 1) as f64) / 12.0)).abs())
            .sum();
        let fast = npv_monthly_end(rate, &flows).unwrap();
        let slow = npv_naive(rate, &flows, true);
        prop_assert!((fast - slow).abs() <= 1e-12 * scale.max(1e-300), "{fast} vs {slow}");
    }
}

fn compare_with_brute_force(flows: &[f64], monthly: bool) -> Result<(), TestCaseError> {
    let fast = if monthly {
        irr_monthly_end(flows)
    } else {
        irr_periodic(flows)
    };
    compare_with(fast, irr_brute_force(flows, monthly))
}

fn compare_with(fast: Option<Irr>, slow: Option<Irr>) -> Result<(), TestCaseError> {
    match (fast, slow) {
        (None, None) => {}
        (Some(f), Some(s)) => {
            prop_assert_eq!(f.multiple_roots, s.multiple_roots, "{:?} vs {:?}", f, s);
            prop_assert!((f.rate - s.rate).abs() < 1e-8, "{:?} vs {:?}", f, s);
        }
        (f, s) => prop_assert!(false, "fast {:?} vs brute force {:?}", f, s),
    }
    Ok(())
}
