//! Invariants of MODEL.md §1–9 on generated small contracts (built as TOML text and parsed, so
//! every generated contract is one a user could write).

use std::fmt::Write as _;

use offtake_engine::{Outcome, Scenario, Simulator, underwrite};
use offtake_model::{Contract, Settlement};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct TrancheSpec {
    mw: f64,
    online: i64,
    ramp: u32,
    build: u32,
    deadline: Option<i64>,
    generation: Option<usize>,
    /// (months before online − build, exercise_utilization).
    option: Option<(i64, f64)>,
}

#[derive(Debug, Clone)]
struct Spec {
    start_month: u32,
    term: u32,
    generations: Vec<(i64, f64, f64, f64)>,
    tranches: Vec<TrancheSpec>,
    pflops_demand: bool,
    demand: Vec<(i64, f64)>,
    price: (f64, f64, f64),
    take_or_pay: Option<(f64, Option<i64>, Option<i64>, bool)>,
    min_spend: Option<f64>,
    provider: [f64; 8],
    min_refresh: u32,
    financing: Option<(f64, f64, f64)>,
    equity: Vec<(f64, f64, Option<i64>, f64)>,
}

fn month(start_month: u32, offset: i64) -> String {
    let total = 2027 * 12 + i64::from(start_month) - 1 + offset;
    format!("{}-{:02}", total.div_euclid(12), total.rem_euclid(12) + 1)
}

impl Spec {
    fn toml(&self) -> String {
        let m = |o: i64| month(self.start_month, o);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "[deal]\nid = \"gen\"\nstart = \"{}\"\nterm_months = {}\n",
            m(0),
            self.term
        );
        // Availability offsets are made non-decreasing (roadmap order).
        let mut avail = i64::MIN;
        for (g, &(a, ppm, chip, life)) in self.generations.iter().enumerate() {
            avail = avail.max(a);
            let _ = writeln!(
                s,
                "[[generation]]\nname = \"g{g}\"\navailable = \"{}\"\npflops_per_mw = {ppm}\nchip_capex_per_mw = {chip}\nlife_years = {life}\n",
                m(avail)
            );
        }
        for (k, t) in self.tranches.iter().enumerate() {
            let _ = writeln!(
                s,
                "[[tranche]]\nid = \"t{k}\"\nmw = {}\nonline = \"{}\"\nramp_months = {}\nbuild_months = {}",
                t.mw,
                m(t.online),
                t.ramp,
                t.build
            );
            if let Some(d) = t.deadline {
                let _ = writeln!(s, "deadline = \"{}\"", m(t.online + d));
            }
            if let Some(g) = t.generation {
                let _ = writeln!(s, "generation = \"g{}\"", g % self.generations.len());
            }
            if let Some((before, thr)) = t.option {
                let exercise = t.online - i64::from(t.build) - before;
                let _ = writeln!(
                    s,
                    "kind = \"option\"\nexercise = \"{}\"\nexercise_utilization = {thr}",
                    m(exercise)
                );
            }
            s.push('\n');
        }
        let key = if self.pflops_demand {
            "pflops"
        } else {
            "utilization"
        };
        let mut points = Vec::new();
        let mut at = i64::MIN;
        for &(o, v) in &self.demand {
            // Strictly increasing months.
            at = if at == i64::MIN { o } else { at + 1 + o.abs() };
            points.push(format!("[\"{}\", {v}]", m(at)));
        }
        let _ = writeln!(s, "[demand]\n{key} = [{}]\n", points.join(", "));
        let (list, discount, esc) = self.price;
        let _ = writeln!(
            s,
            "[pricing]\nlist_price = {list}\ndiscount = {discount}\nescalation = {esc}\n"
        );
        if let Some((floor, from, until, annual)) = self.take_or_pay {
            let _ = writeln!(s, "[take_or_pay]\nfloor = {floor}");
            let from_o = from.unwrap_or(0);
            if from.is_some() {
                let _ = writeln!(s, "from = \"{}\"", m(from_o));
            }
            if let Some(u) = until {
                let _ = writeln!(s, "until = \"{}\"", m(from_o + u));
            }
            let settle = if annual { "annual" } else { "monthly" };
            let _ = writeln!(s, "settle = \"{settle}\"\n");
        }
        if let Some(spend) = self.min_spend {
            let _ = writeln!(s, "[commitment]\nmin_total_spend = {spend}\n");
        }
        let [fac, fac_life, power, fixed, tax, rate, residual, idle] = self.provider;
        let _ = writeln!(
            s,
            "[provider]\nfacility_capex_per_mw = {fac}\nfacility_life_years = {fac_life}\npower_price = {power}\npue = 1.2\nidle_power = {idle}\nfixed_opex_per_mw_year = {fixed}\ntax_rate = {tax}\ndiscount_rate = {rate}\nresidual_fraction = {residual}\nmin_refresh_months = {}\n",
            self.min_refresh
        );
        if let Some((share, rate, tenor)) = self.financing {
            let _ = writeln!(
                s,
                "[financing]\ndebt_share = {share}\ninterest_rate = {rate}\ntenor_years = {tenor}\n"
            );
        }
        for (e, &(amount, rt, at, threshold)) in self.equity.iter().enumerate() {
            let _ = writeln!(
                s,
                "[[equity]]\nid = \"e{e}\"\namount = {amount}\nround_trip = {rt}"
            );
            match at {
                Some(o) => {
                    let _ = writeln!(s, "at = \"{}\"\n", m(o));
                }
                None => {
                    let _ = writeln!(s, "when = \"cumulative_payments >= {threshold}\"\n");
                }
            }
        }
        s
    }
}

fn tranche() -> impl Strategy<Value = TrancheSpec> {
    (
        (1u32..200).prop_map(|x| f64::from(x) / 2.0),
        -6i64..30,
        0u32..7,
        0u32..7,
        prop::option::of(0i64..12),
        prop::option::of(0usize..3),
        prop::option::of((0i64..6, 0.3f64..0.95)),
    )
        .prop_map(
            |(mw, online, ramp, build, deadline, generation, option)| TrancheSpec {
                mw,
                online,
                ramp,
                build,
                deadline,
                generation,
                option,
            },
        )
}

fn spec() -> impl Strategy<Value = Spec> {
    let generation = (
        -12i64..20,
        1.0f64..100.0,
        0.0f64..1e6,
        prop::sample::select(vec![0.5, 1.0, 1.5, 2.0, 3.0]),
    );
    (
        (
            1u32..13,
            12u32..37,
            prop::collection::vec(generation, 1..4),
            prop::collection::vec(tranche(), 1..5),
            any::<bool>(),
            prop::collection::vec((0i64..10, 0.0f64..1.2), 1..4),
            (0.5f64..3.0, 0.0f64..0.4, -0.1f64..0.1),
        ),
        (
            prop::option::of((
                0.0f64..1.0,
                prop::option::of(-3i64..10),
                prop::option::of(0i64..30),
                any::<bool>(),
            )),
            prop::option::of(0.0f64..1e6),
            (
                0.0f64..2e6,
                prop::sample::select(vec![1.0, 2.0, 5.0, 20.0]),
                0.0f64..100.0,
                0.0f64..2000.0,
                0.0f64..0.4,
                0.0f64..0.2,
                0.0f64..1.0,
                0.0f64..1.0,
            ),
            0u32..30,
            prop::option::of((
                0.0f64..1.0,
                0.0f64..0.15,
                prop::sample::select(vec![0.5, 1.0, 3.0]),
            )),
            prop::collection::vec(
                (
                    0.0f64..1e4,
                    0.0f64..1.0,
                    prop::option::of(-3i64..40),
                    0.0f64..1e5,
                ),
                0..3,
            ),
        ),
    )
        .prop_map(
            |(
                (start_month, term, generations, tranches, pflops_demand, demand, price),
                (take_or_pay, min_spend, p, min_refresh, financing, equity),
            )| {
                let demand = demand
                    .into_iter()
                    .map(|(o, v)| {
                        (
                            o,
                            if pflops_demand {
                                v * 2000.0
                            } else {
                                v.min(1.0)
                            },
                        )
                    })
                    .collect();
                Spec {
                    start_month,
                    term,
                    generations,
                    tranches,
                    pflops_demand,
                    demand,
                    price,
                    take_or_pay,
                    min_spend,
                    provider: [p.0, p.1, p.2, p.3, p.4, p.5, p.6, p.7],
                    min_refresh,
                    financing,
                    equity,
                }
            },
        )
}

fn contract(spec: &Spec) -> Contract {
    let text = spec.toml();
    offtake_model::parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

fn close_opt(a: Option<f64>, b: Option<f64>, rel: f64) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => close(a, b, rel),
        (None, None) => true,
        _ => false,
    }
}

/// Metrics compared with a relative tolerance: reordering tranches reorders sums.
fn same_metrics(a: &Outcome, b: &Outcome) -> Result<(), TestCaseError> {
    let (x, y) = (&a.metrics, &b.metrics);
    let scale = x.total_capex.abs() + x.total_payments.abs() + 1.0;
    let near = |p: f64, q: f64| (p - q).abs() <= 1e-9 * scale;
    prop_assert!(
        near(x.provider_npv, y.provider_npv),
        "npv {} {}",
        x.provider_npv,
        y.provider_npv
    );
    prop_assert!(near(x.total_payments, y.total_payments));
    prop_assert!(near(x.total_capex, y.total_capex));
    prop_assert!(near(x.total_tax, y.total_tax));
    prop_assert!(near(x.buyer_npv, y.buyer_npv));
    prop_assert!(near(x.provider_deal_npv, y.provider_deal_npv));
    prop_assert!(near(x.debt_outstanding_at_end, y.debt_outstanding_at_end));
    prop_assert!(
        close_opt(x.provider_irr, y.provider_irr, 1e-6),
        "irr {:?} {:?}",
        x.provider_irr,
        y.provider_irr
    );
    prop_assert!(close_opt(x.min_dscr, y.min_dscr, 1e-6));
    prop_assert!(close_opt(x.coverage, y.coverage, 1e-9));
    prop_assert_eq!(x.payback_months, y.payback_months);
    prop_assert_eq!(a.verdicts, b.verdicts);
    Ok(())
}

const TOL: f64 = 1e-9;

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn billing_identities(spec in spec()) {
        let c = contract(&spec);
        let o = underwrite(&c, &Scenario::base(&c));
        let s = &o.schedule;
        let n = s.payments.len();
        for t in 0..n {
            let sum = s.usage_charge[t] + s.shortfall[t] + s.true_up[t];
            prop_assert!(close(s.payments[t], sum, TOL), "t {t}: {} vs {sum}", s.payments[t]);
            prop_assert!(s.shortfall[t] >= 0.0 && s.true_up[t] >= 0.0);
            if t + 1 < n {
                prop_assert_eq!(s.true_up[t], 0.0);
            }
        }
        if let Some(tp) = &c.take_or_pay
            && tp.settle == Settlement::Monthly
        {
            for t in 0..n {
                prop_assert!(s.payments[t] >= s.floor[t] * (1.0 - TOL) - TOL, "t {t}");
            }
        }
        let total: f64 = s.payments.iter().sum();
        if let Some(commitment) = &c.commitment {
            prop_assert!(total >= commitment.min_total_spend * (1.0 - TOL) - TOL);
        }
        prop_assert!(close(o.metrics.total_payments, total, TOL));
    }

    #[test]
    fn npv_at_zero_is_the_sum_and_irr_zeroes_npv(spec in spec()) {
        let mut c = contract(&spec);
        c.provider.discount_rate = 0.0;
        let o = underwrite(&c, &Scenario::base(&c));
        let fcf = &o.schedule.fcf;
        let sum: f64 = fcf.iter().sum();
        let scale: f64 = fcf.iter().map(|x| x.abs()).sum::<f64>().max(1.0);
        prop_assert!((o.metrics.provider_npv - sum).abs() <= 1e-12 * scale);
        if let Some(irr) = o.metrics.provider_irr {
            let npv = offtake_finance::npv_monthly_end(irr, fcf).unwrap();
            // Near r = −0.99 the discount factors reach 100^(T/12): measure NPV against the
            // discounted flows, not the raw ones (the root itself is only known to 1e-10).
            let discounted: f64 = fcf
                .iter()
                .enumerate()
                .map(|(t, x)| x.abs() * (1.0 + irr).powf(-((t + 1) as f64) / 12.0))
                .sum();
            prop_assert!(npv.abs() <= 1e-6 * discounted.max(1.0), "irr {irr}: npv {npv} of {discounted}");
        }
    }

    #[test]
    fn zero_demand_means_zero_usage(spec in spec()) {
        let c = contract(&spec);
        let scenario = Scenario { demand_factor: 0.0, ..Scenario::base(&c) };
        let o = underwrite(&c, &scenario);
        prop_assert!(o.schedule.used_pflop_hours.iter().all(|&u| u == 0.0));
        prop_assert!(o.schedule.usage_charge.iter().all(|&b| b == 0.0));
        prop_assert_eq!(o.metrics.effective_price, None);
    }

    #[test]
    fn doubling_every_mw_doubles_capex(spec in spec()) {
        let c = contract(&spec);
        let mut doubled = c.clone();
        for t in &mut doubled.tranches {
            t.mw *= 2.0;
        }
        let a = underwrite(&c, &Scenario::base(&c));
        let b = underwrite(&doubled, &Scenario::base(&doubled));
        let decisions = |o: &Outcome| o.options.iter().map(|d| d.exercised).collect::<Vec<_>>();
        // Absolute demand saturates differently on twice the capacity, which can flip an option.
        prop_assume!(decisions(&a) == decisions(&b));
        for (x, y) in a.schedule.capex.iter().zip(&b.schedule.capex) {
            prop_assert!(close(2.0 * x, *y, 1e-12));
        }
        prop_assert!(close(2.0 * a.metrics.total_capex, b.metrics.total_capex, 1e-12));
    }

    #[test]
    fn tranche_order_does_not_matter(spec in spec(), rotate in 1usize..4) {
        // Options with the same exercise period are decided in file order, so reordering them
        // is allowed to change the result: keep their periods distinct.
        let c = contract(&spec);
        let mut periods: Vec<i64> = c.tranches.iter().filter_map(|t| match t.kind {
            offtake_model::TrancheKind::Option { exercise, .. } => Some(c.period_of(exercise).max(0)),
            offtake_model::TrancheKind::Firm => None,
        }).collect();
        let n_options = periods.len();
        periods.sort_unstable();
        periods.dedup();
        prop_assume!(periods.len() == n_options);
        let mut permuted = spec.clone();
        let len = permuted.tranches.len();
        permuted.tranches.rotate_left(rotate % len);
        permuted.tranches.reverse();
        let d = contract(&permuted);
        let a = underwrite(&c, &Scenario::base(&c));
        let b = underwrite(&d, &Scenario::base(&d));
        same_metrics(&a, &b)?;
    }

    #[test]
    fn runs_are_repeatable_and_do_not_leak_state(
        spec in spec(),
        demand in 0.0f64..2.0,
        capex in 0.5f64..1.5,
        delay in prop::collection::vec(0i64..8, 4),
        slip in prop::collection::vec(0i64..8, 3),
    ) {
        let c = contract(&spec);
        let base = Scenario::base(&c);
        let other = Scenario { demand_factor: demand, capex_factor: capex, power_factor: 1.3, delay_months: delay, slip_months: slip };
        let mut sim = Simulator::new(&c);
        let first = sim.run(&base).clone();
        let first_outcome = sim.outcome();
        let again = sim.run(&base).clone();
        prop_assert_eq!(&first, &again);
        sim.run(&other);
        let other_outcome = sim.outcome();
        let after = sim.run(&base).clone();
        prop_assert_eq!(&first, &after);
        prop_assert_eq!(&sim.outcome(), &first_outcome);
        prop_assert_eq!(&underwrite(&c, &base), &first_outcome);
        prop_assert_eq!(&underwrite(&c, &other), &other_outcome);
    }
}
