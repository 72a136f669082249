//! Invariants of MODEL.md §1–9 and §13 on generated small contracts (built as TOML text and parsed, so
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
    v2: V2Spec,
}

/// MODEL.md §13 keys (all absent by default: a v1 sheet).
#[derive(Debug, Clone, Default)]
struct V2Spec {
    /// Per generation (cycled), its own list price.
    generation_list: Vec<Option<f64>>,
    capacity_charge: Option<f64>,
    /// (contract year, USD): years beyond the term are dropped, repeats keep the first.
    min_annual: Vec<(u32, f64)>,
    excused: Option<bool>,
    binding: Option<bool>,
    /// Per equity tranche (cycled), its consideration.
    consideration: Vec<Option<f64>>,
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
            "[deal]\nid = \"gen\"\nstart = \"{}\"\nterm_months = {}",
            m(0),
            self.term
        );
        if let Some(b) = self.v2.binding {
            let _ = writeln!(s, "binding = {b}");
        }
        s.push('\n');
        // Availability offsets are made non-decreasing (roadmap order).
        let mut avail = i64::MIN;
        for (g, &(a, ppm, chip, life)) in self.generations.iter().enumerate() {
            avail = avail.max(a);
            let _ = writeln!(
                s,
                "[[generation]]\nname = \"g{g}\"\navailable = \"{}\"\npflops_per_mw = {ppm}\nchip_capex_per_mw = {chip}\nlife_years = {life}\n",
                m(avail)
            );
            let own = self.v2.generation_list.get(g).copied().flatten();
            if let Some(list) = own {
                let _ = writeln!(s, "list_price = {list}\n");
            }
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
            "[pricing]\nlist_price = {list}\ndiscount = {discount}\nescalation = {esc}"
        );
        if let Some(k) = self.v2.capacity_charge {
            let _ = writeln!(s, "capacity_charge = {k}");
        }
        s.push('\n');
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
        let years = self.term.div_ceil(12);
        let mut listed = Vec::new();
        let annual: Vec<String> = self
            .v2
            .min_annual
            .iter()
            .filter(|(y, _)| {
                *y <= years && !listed.contains(y) && {
                    listed.push(*y);
                    true
                }
            })
            .map(|(y, usd)| format!("[{y}, {usd}]"))
            .collect();
        if self.min_spend.is_some() || !annual.is_empty() {
            s.push_str("[commitment]\n");
            if let Some(spend) = self.min_spend {
                let _ = writeln!(s, "min_total_spend = {spend}");
            }
            if !annual.is_empty() {
                let _ = writeln!(s, "min_annual_spend = [{}]", annual.join(", "));
            }
            if let Some(e) = self.v2.excused {
                let _ = writeln!(s, "excused_by_non_delivery = {e}");
            }
            s.push('\n');
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
            if let Some(share) = self.v2.consideration.get(e).copied().flatten() {
                let _ = writeln!(s, "consideration = {share}");
            }
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
                    v2: V2Spec::default(),
                }
            },
        )
}

fn v2_spec() -> impl Strategy<Value = V2Spec> {
    (
        prop::collection::vec(prop::option::of(0.2f64..4.0), 0..4),
        prop::option::of(0.0f64..5e4),
        prop::collection::vec((1u32..4, 0.0f64..5e6), 0..4),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::collection::vec(prop::option::of(0.0f64..1.0), 0..3),
    )
        .prop_map(
            |(generation_list, capacity_charge, min_annual, excused, binding, consideration)| {
                V2Spec {
                    generation_list,
                    capacity_charge,
                    min_annual,
                    excused,
                    binding,
                    consideration,
                }
            },
        )
}

/// A sheet with §13 keys (each present or not).
fn spec_v2() -> impl Strategy<Value = Spec> {
    (spec(), v2_spec()).prop_map(|(mut s, v2)| {
        s.v2 = v2;
        s
    })
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
    fn billing_identities(spec in spec_v2()) {
        // P = B + S + K + X_y + X per period (MODEL.md §13); X only in T−1.
        let c = contract(&spec);
        let o = underwrite(&c, &Scenario::base(&c));
        let s = &o.schedule;
        let n = s.payments.len();
        for t in 0..n {
            let sum = s.usage_charge[t]
                + s.shortfall[t]
                + s.capacity_charge[t]
                + s.true_up_annual[t]
                + s.true_up[t];
            prop_assert!(close(s.payments[t], sum, TOL), "t {t}: {} vs {sum}", s.payments[t]);
            prop_assert!(s.shortfall[t] >= 0.0 && s.true_up[t] >= 0.0);
            prop_assert!(s.capacity_charge[t] >= 0.0 && s.true_up_annual[t] >= 0.0);
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
        if let Some(m) = c.commitment.as_ref().and_then(|c| c.min_total_spend) {
            let e = if spec.v2.excused == Some(false) { 1.0 } else { o.metrics.delivery_ratio };
            prop_assert!(total >= m * e * (1.0 - TOL) - TOL);
        }
        prop_assert!(close(o.metrics.total_payments, total, TOL));
        let sum_k: f64 = s.capacity_charge.iter().sum();
        let sum_xy: f64 = s.true_up_annual.iter().sum();
        prop_assert!(close(o.metrics.total_capacity_charges, sum_k, TOL));
        prop_assert!(close(o.metrics.total_true_up_annual, sum_xy, TOL));
        prop_assert!((0.0..=1.0 + 1e-12).contains(&o.metrics.delivery_ratio));
        // A non-binding deal owes nothing at zero usage and is never contracted.
        if spec.v2.binding == Some(false) {
            prop_assert!(s.zero_usage_revenue.iter().all(|&z| z == 0.0));
            prop_assert!(!o.verdicts.contracted);
        }
    }

    #[test]
    fn delaying_a_tranche_never_raises_the_minimums_owed(
        spec in spec_v2(),
        which in 0usize..4,
        delay in 1i64..30,
    ) {
        let c = contract(&spec);
        let base = underwrite(&c, &Scenario::base(&c));
        let mut scenario = Scenario::base(&c);
        let k = which % c.tranches.len();
        scenario.delay_months[k] = delay;
        let late = underwrite(&c, &scenario);
        // Options are decided on usage, which a delay changes; an option no longer exercised
        // is no longer promised. Compare paths with the same decisions.
        let decisions = |o: &Outcome| o.options.iter().map(|d| d.exercised).collect::<Vec<_>>();
        prop_assume!(decisions(&base) == decisions(&late));
        let owed = |o: &Outcome| -> f64 {
            let excused = c.commitment.as_ref().is_none_or(|m| m.excused_by_non_delivery);
            let Some(m) = &c.commitment else { return 0.0 };
            let yearly: f64 = m
                .min_annual_spend
                .iter()
                .map(|a| {
                    let e = if excused { o.annual[a.year as usize - 1].delivery_ratio } else { 1.0 };
                    a.amount * e
                })
                .sum();
            let e = if excused { o.metrics.delivery_ratio } else { 1.0 };
            yearly + m.min_total_spend.unwrap_or(0.0) * e
        };
        prop_assert!(owed(&late) <= owed(&base) * (1.0 + 1e-12) + 1e-9, "{} > {}", owed(&late), owed(&base));
        prop_assert!(late.metrics.delivery_ratio <= base.metrics.delivery_ratio + 1e-12);
    }

    #[test]
    fn with_excuse_nothing_delivered_means_no_minimums(spec in spec_v2()) {
        prop_assume!(spec.v2.excused != Some(false));
        let c = contract(&spec);
        let mut scenario = Scenario::base(&c);
        // Every tranche later than the term: nothing is ever delivered.
        for d in &mut scenario.delay_months {
            *d = 10_000;
        }
        let o = underwrite(&c, &scenario);
        prop_assert!(o.schedule.capacity_mw.iter().all(|&x| x == 0.0));
        let promised_in = |lo: usize, hi: usize| -> f64 {
            o.schedule.promised_capacity_mw[lo..=hi].iter().sum()
        };
        for row in &o.annual {
            // δ(Y) = 1 when nothing is promised in Y: such a year's minimum is owed in full.
            if promised_in(row.first_period, row.last_period) > 0.0 {
                prop_assert_eq!(row.delivery_ratio, 0.0);
                prop_assert_eq!(row.true_up_annual, 0.0, "year {}", row.year);
            }
        }
        if promised_in(0, o.schedule.payments.len() - 1) > 0.0 {
            prop_assert_eq!(o.metrics.delivery_ratio, 0.0);
            prop_assert_eq!(o.metrics.total_true_up, 0.0);
        }
    }

    #[test]
    fn one_list_price_bills_u_times_p(spec in spec(), list in 0.2f64..4.0) {
        // Every generation at `[pricing] list_price`, written or not: B = U·p bit for bit (v1).
        let mut written = spec.clone();
        written.v2.generation_list = vec![Some(spec.price.0); spec.generations.len()];
        let (c, w) = (contract(&spec), contract(&written));
        let a = underwrite(&c, &Scenario::base(&c));
        let b = underwrite(&w, &Scenario::base(&w));
        for t in 0..a.schedule.payments.len() {
            prop_assert_eq!(a.schedule.usage_charge[t], a.schedule.used_pflop_hours[t] * a.schedule.price[t]);
        }
        prop_assert_eq!(&a, &b);
        // Every generation at another list price: the by-generation arithmetic gives U·p' with
        // p' that price net of discount and escalated.
        let mut other = spec.clone();
        other.v2.generation_list = vec![Some(list); spec.generations.len()];
        let d = contract(&other);
        let o = underwrite(&d, &Scenario::base(&d));
        let (_, discount, escalation) = spec.price;
        for t in 0..o.schedule.payments.len() {
            let p = list * (1.0 - discount) * (1.0 + escalation).powi((t / 12) as i32);
            let b = o.schedule.used_pflop_hours[t] * p;
            prop_assert!(close(o.schedule.usage_charge[t], b, 1e-12), "t {t}: {} vs {b}", o.schedule.usage_charge[t]);
        }
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
        let other = Scenario { demand_factor: demand, capex_factor: capex, power_factor: 1.3, delay_months: delay, slip_months: slip, resale_factor: 1.0, defaults: None };
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
