//! MODEL v2 §14 (credit and credit support) on the small deal of the staged golden cases
//! (tools/reference/v2_cases/credit_*.toml), with the §14 terms set on the parsed contract, and
//! the properties of the credit-adjusted coverage: it equals the coverage without credit, it is
//! the exact average of the realized coverage over every combination of default periods, it
//! never exceeds the coverage when guarantee shares sum to at most 1, and the loss is ≥ 0.
//!
//! The common deal: start 2027-01, T = 12, one 1 MW tranche online t0, 1 PFLOP/s per MW →
//! C(t) = hours(t) (2027: 744 672 744 720 744 720 744 744 720 744 720 744, Σ 8760); utilization
//! 0.5, list price 1 → B(t) = 0.5·hours(t) (Σ 4380); capacity charge 100 per MW-month → K = 100
//! every month = ZR(t), Σ 1200. P = B + K. Costs: fixed opex 100 per month, no capex, no power,
//! no tax, discount 0 → PV(costs) = 1200, coverage 1. DF ≡ 1.

use offtake_engine::{Outcome, Scenario, Simulator, underwrite};
use offtake_model::{Backstop, Contract, Credit, Guarantee};
use proptest::prelude::*;

const DEAL: &str = r#"
[deal]
id = "credit"
start = "2027-01"
term_months = 12

[[generation]]
name = "G"
available = "2026-01"
pflops_per_mw = 1
chip_capex_per_mw = 0
life_years = 5

[[tranche]]
id = "t"
mw = 1
online = "2027-01"

[demand]
utilization = [["2027-01", 0.5]]

[pricing]
list_price = 1.0
capacity_charge = 100

[provider]
facility_capex_per_mw = 0
facility_life_years = 20
power_price = 0
pue = 1
fixed_opex_per_mw_year = 1200
tax_rate = 0
discount_rate = 0
"#;

fn deal(extra: &str) -> Contract {
    offtake_model::parse(&format!("{DEAL}{extra}")).unwrap()
}

fn q(p: f64) -> Option<Credit> {
    Some(Credit {
        annual_default_probability: Some(p),
        spread_bps: None,
        recovery: 0.4,
    })
}

fn guarantee(id: &str, share: f64, cap: Option<f64>, credit: Option<Credit>) -> Guarantee {
    Guarantee {
        id: id.into(),
        party: None,
        share,
        cap,
        credit,
    }
}

fn backstop(
    id: &str,
    share: f64,
    price: f64,
    cap: Option<f64>,
    credit: Option<Credit>,
) -> Backstop {
    Backstop {
        id: id.into(),
        party: None,
        share,
        price,
        cap,
        from: None,
        until: None,
        credit,
    }
}

/// Runs with given defaults (party id → period) or the base case, checks the kernel against
/// the outcome, returns the outcome.
fn run(c: &Contract, defaults: Option<&[(&str, i64)]>) -> Outcome {
    let mut scenario = Scenario::base(c);
    scenario.defaults = defaults.map(|given| {
        c.parties()
            .iter()
            .map(|(_, id, _)| given.iter().find(|(g, _)| g == id).map(|&(_, d)| d))
            .collect()
    });
    let outcome = underwrite(c, &scenario);
    let mut sim = Simulator::new(c).with_extent(offtake_engine::Extent::Risk);
    let summary = sim.run(&scenario).clone();
    assert_eq!(summary.verdicts, outcome.verdicts);
    for (a, b) in [
        (summary.metrics.provider_npv, outcome.metrics.provider_npv),
        (summary.metrics.buyer_npv, outcome.metrics.buyer_npv),
        (
            summary.metrics.expected_credit_loss,
            outcome.metrics.expected_credit_loss,
        ),
        (
            summary.metrics.total_payments,
            outcome.metrics.total_payments,
        ),
    ] {
        assert_eq!(a.to_bits(), b.to_bits(), "Risk extent against Full");
    }
    assert_eq!(summary.metrics.coverage, outcome.metrics.coverage);
    assert_eq!(
        summary.metrics.credit_adjusted_coverage,
        outcome.metrics.credit_adjusted_coverage
    );
    outcome
}

fn expect(outcome: &Outcome, lines: &[(&str, f64)]) {
    let json = serde_json::to_value(outcome).unwrap();
    let mut failures = Vec::new();
    for &(path, expected) in lines {
        let mut v = &json;
        for seg in path.split('.') {
            let (field, index) = match seg.split_once('[') {
                Some((f, i)) => (f, i.trim_end_matches(']').parse::<usize>().ok()),
                None => (seg, None),
            };
            v = &v[field];
            if let Some(i) = index {
                v = &v[i];
            }
        }
        let ok = if expected.is_nan() {
            v.is_null()
        } else {
            v.as_f64()
                .is_some_and(|a| (a - expected).abs() <= 1e-9 * expected.abs().max(1.0))
        };
        if !ok {
            failures.push(format!("{path}: expected {expected}, got {v}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const NONE: f64 = f64::NAN;

const EXAMPLES: [(&str, &str); 10] = [
    (
        "hut8-fluidstack-anthropic",
        include_str!("../../../examples/hut8-fluidstack-anthropic-2025.toml"),
    ),
    (
        "amazon-anthropic",
        include_str!("../../../examples/amazon-anthropic-2026.toml"),
    ),
    (
        "coreweave-openai",
        include_str!("../../../examples/coreweave-openai-2025.toml"),
    ),
    (
        "microsoft-iren",
        include_str!("../../../examples/microsoft-iren-2025.toml"),
    ),
    (
        "microsoft-nebius",
        include_str!("../../../examples/microsoft-nebius-2025.toml"),
    ),
    (
        "nvidia-coreweave",
        include_str!("../../../examples/nvidia-coreweave-2025.toml"),
    ),
    (
        "nvidia-openai-loi",
        include_str!("../../../examples/nvidia-openai-loi-2025.toml"),
    ),
    (
        "openai-amd",
        include_str!("../../../examples/openai-amd-2025.toml"),
    ),
    (
        "openai-aws",
        include_str!("../../../examples/openai-aws-2025.toml"),
    ),
    (
        "openai-oracle",
        include_str!("../../../examples/openai-oracle-2025.toml"),
    ),
];

/// credit_default_period0: d = 0, P ≡ 0; remarketing M = 0.5·B ≥ 168 > ZR = 100 every month, so
/// nothing is owed after mitigation (L ≡ 0): recovery 0. Coverage on the zero-usage basis: claim
/// 1200 → 480, realized coverage 480/1200 = 0.4; loss 720; EBITDA[0] = 0 + 186 − 100 = 86;
/// provider NPV 0 + 2190 − 1200 = 990; no usage before d: effective price none; buyer NPV 0.
#[test]
fn default_in_period_0() {
    let mut c = deal("[[equity]]\nid = \"e\"\namount = 1000\nat = \"2027-06\"\n");
    c.buyer.credit = q(0.5);
    let o = run(&c, Some(&[("buyer", 0)]));
    expect(
        &o,
        &[
            ("schedule.payments[0]", 0.0),
            ("schedule.payments[11]", 0.0),
            ("schedule.recovery[0]", 0.0),
            ("schedule.recovery[1]", 0.0),
            ("schedule.remarket[0]", 186.0),
            ("schedule.remarket[1]", 168.0),
            ("schedule.zero_usage_revenue[0]", 100.0),
            ("schedule.ebitda[0]", 86.0),
            ("metrics.total_payments", 0.0),
            ("metrics.total_used_pflop_hours", 4380.0),
            ("metrics.coverage", 0.4),
            ("metrics.credit_adjusted_coverage", 0.4),
            ("metrics.expected_credit_loss", 720.0),
            ("metrics.buyer_pd_term", 0.5),
            ("metrics.equity_paid_total", 0.0),
            ("metrics.effective_price", NONE),
            ("metrics.buyer_npv", 0.0),
            ("metrics.provider_npv", 990.0),
        ],
    );
    assert!(!o.verdicts.contracted);
    assert_eq!(o.credit[0].default_period, Some(0));
}

/// credit_default_midterm: d = 6. Σ_{t<6} hours = 4344 → Σ B 2172, Σ K 600, total 2772;
/// payments[5] = 360 + 100; remarketing from t6 (186, Σ 1104) exceeds ZR every month: L ≡ 0,
/// recovery 0; coverage on the zero-usage basis (600 + 0.4·600)/1200 = 0.7; loss 360; effective
/// price 2772/2172; e1 (t2) paid, e2 (t8) not; no hand-back; buyer NPV 2172 − 2772 + 1000 = 400;
/// provider NPV 2772 + 0 + 1104 − 1200 = 2676; deal view 1676.
#[test]
fn default_mid_term() {
    let mut c = deal(
        "[[equity]]\nid = \"e1\"\namount = 1000\nat = \"2027-03\"\n\n\
         [[equity]]\nid = \"e2\"\namount = 500\nat = \"2027-09\"\n",
    );
    c.buyer.credit = q(0.5);
    let o = run(&c, Some(&[("buyer", 6)]));
    expect(
        &o,
        &[
            ("schedule.payments[5]", 460.0),
            ("schedule.payments[6]", 0.0),
            ("schedule.recovery[6]", 0.0),
            ("schedule.recovery[5]", 0.0),
            ("schedule.remarket[5]", 0.0),
            ("schedule.remarket[6]", 186.0),
            ("schedule.buyer_cf[6]", 0.0),
            ("schedule.capacity_charge[6]", 0.0),
            ("metrics.total_payments", 2772.0),
            ("metrics.total_capacity_charges", 600.0),
            ("metrics.coverage", 0.7),
            ("metrics.credit_adjusted_coverage", 0.7),
            ("metrics.expected_credit_loss", 360.0),
            ("metrics.effective_price", 2772.0 / 2172.0),
            ("metrics.equity_paid_total", 1000.0),
            ("metrics.equity_handback", 0.0),
            ("metrics.buyer_npv", 400.0),
            ("metrics.provider_npv", 2676.0),
            ("metrics.provider_deal_npv", 1676.0),
            ("annual[0].credit_support", 1104.0),
        ],
    );
    assert!(!o.verdicts.contracted);
}

/// credit_default_never: the base case. ΣQ = Σ_{j=1..12} 2^(−j/12) = 8.408576872552889;
/// credit-adjusted = 0.4 + 0.05·ΣQ = 0.8204288436276445 (not contracted, coverage 1);
/// loss = 720 − 60·ΣQ = 215.48538764682667; nothing defaults, everything is paid.
#[test]
fn no_default_base_case() {
    let mut c = deal("");
    c.buyer.credit = q(0.5);
    let o = run(&c, None);
    expect(
        &o,
        &[
            ("metrics.coverage", 1.0),
            ("metrics.credit_adjusted_coverage", 0.8204288436276445),
            ("metrics.expected_credit_loss", 215.48538764682667),
            ("metrics.buyer_pd_term", 0.5),
            ("credit[0].pd_term", 0.5),
            ("metrics.total_payments", 5580.0),
            ("schedule.recovery[0]", 0.0),
            ("schedule.remarket[11]", 0.0),
        ],
    );
    assert!(!o.verdicts.contracted);
    assert_eq!(o.credit[0].default_period, None);
}

/// credit_guarantee_claim: remarket 0.125 → M = 46.5 (744 h) or 45 (720 h) from t6, Σ 276; L =
/// 100 − M, Σ 324; share 0.5, no cap, a spread credit: G_6 = 0.5·L (26.75 or 27.5, Σ 162); claim
/// 324 − 162 = 162 → recovery 64.8. Coverage on the zero-usage basis: G⁰ = 50 a month, claim⁰
/// 300 → 120, (600 + 120 + 300)/1200 = 0.85; loss 180; provider NPV 2772 + 64.8 + 162 + 276 −
/// 1200 = 2074.8; guarantor PD 1 − e^(−1/30).
#[test]
fn recovery_claim_with_a_guarantee() {
    let mut c = deal("");
    c.buyer.credit = q(0.5);
    c.buyer.remarket = 0.125;
    c.guarantees.push(guarantee(
        "g",
        0.5,
        None,
        Some(Credit {
            annual_default_probability: None,
            spread_bps: Some(200.0),
            recovery: 0.4,
        }),
    ));
    let o = run(&c, Some(&[("buyer", 6)]));
    expect(
        &o,
        &[
            ("schedule.guarantee[5]", 0.0),
            ("schedule.guarantee[6]", 26.75),
            ("schedule.guarantee[8]", 27.5),
            ("schedule.guarantee[11]", 26.75),
            ("schedule.recovery[6]", 64.8),
            ("metrics.total_payments", 2772.0),
            ("metrics.coverage", 0.85),
            ("metrics.credit_adjusted_coverage", 0.85),
            ("metrics.expected_credit_loss", 180.0),
            ("metrics.provider_npv", 2074.8),
            ("credit[1].pd_term", 0.0327838995179941),
            ("credit[1].paid", 162.0),
        ],
    );
}

/// credit_guarantee_cap: remarket 0.125 (L as above); share 1, cap 250 on L: G_6 = 53.5, 53.5,
/// 55, 53.5, 34.5 (cut), 0; claim 324 − 250 = 74 → recovery 29.6. Coverage on the zero-usage
/// basis, where the cap binds elsewhere: G⁰ = 100, 100, 50, claim⁰ 350 → 140, (600 + 140 +
/// 250)/1200 = 0.825; loss 210.
#[test]
fn guarantee_hits_its_cap() {
    let mut c = deal("");
    c.buyer.credit = q(0.5);
    c.buyer.remarket = 0.125;
    c.guarantees.push(guarantee("g", 1.0, Some(250.0), None));
    let o = run(&c, Some(&[("buyer", 6)]));
    expect(
        &o,
        &[
            ("schedule.guarantee[6]", 53.5),
            ("schedule.guarantee[7]", 53.5),
            ("schedule.guarantee[8]", 55.0),
            ("schedule.guarantee[9]", 53.5),
            ("schedule.guarantee[10]", 34.5),
            ("schedule.guarantee[11]", 0.0),
            ("schedule.recovery[6]", 29.6),
            ("credit[1].paid", 250.0),
            ("metrics.provider_npv", 2127.6),
            ("metrics.coverage", 0.825),
            ("metrics.expected_credit_loss", 210.0),
        ],
    );
}

/// credit_backstop_runs_out: share 1, price 0.5, cap 500: Bk = 186, 168, 146 (cut), 0…;
/// provider NPV 5580 + 500 − 1200 = 4880; buyer NPV −1200; Bk0 = 372, 128 (cut) → coverage
/// 1700/1200; credit-adjusted (1200 + 372·0.8^(1/12) + 128·0.8^(2/12))/1200.
#[test]
fn backstop_runs_out() {
    let mut c = deal("");
    c.backstops
        .push(backstop("v", 1.0, 0.5, Some(500.0), q(0.2)));
    let o = run(&c, None);
    expect(
        &o,
        &[
            ("schedule.backstop[0]", 186.0),
            ("schedule.backstop[1]", 168.0),
            ("schedule.backstop[2]", 146.0),
            ("schedule.backstop[3]", 0.0),
            ("metrics.total_payments", 5580.0),
            ("metrics.provider_npv", 4880.0),
            ("metrics.buyer_npv", -1200.0),
            ("metrics.coverage", 1.4166666666666667),
            ("metrics.credit_adjusted_coverage", 1.4070612558874227),
            ("metrics.buyer_pd_term", 0.0),
            ("metrics.expected_credit_loss", 0.0),
            ("credit[1].pd_term", 0.2),
            ("credit[1].paid", 500.0),
        ],
    );
    assert!(o.verdicts.contracted);
}

/// credit_guarantor_defaults_first: remarket 0.125 (L as above); g defaults in t3, the buyer in
/// t6: no guarantee paid, the claim still nets the promised 0.5·L: 324 − 162 = 162 → recovery
/// 64.8; coverage on the zero-usage basis (600 + 0.4·300)/1200 = 0.6.
#[test]
fn guarantor_defaults_before_the_buyer() {
    let mut c = deal("");
    c.buyer.credit = q(0.5);
    c.buyer.remarket = 0.125;
    c.guarantees.push(guarantee("g", 0.5, None, q(0.1)));
    let o = run(&c, Some(&[("buyer", 6), ("g", 3)]));
    expect(
        &o,
        &[
            ("schedule.guarantee[6]", 0.0),
            ("schedule.guarantee[11]", 0.0),
            ("schedule.recovery[6]", 64.8),
            ("metrics.provider_npv", 1912.8),
            ("metrics.coverage", 0.6),
            ("metrics.credit_adjusted_coverage", 0.6),
            ("metrics.expected_credit_loss", 480.0),
        ],
    );
    assert_eq!(o.credit[1].default_period, Some(3));
}

/// A spread-based hazard reproduces the spread, s = λ(1 − R), and Q(T−1) = exp(−λ·T/12).
#[test]
fn hazard_from_a_spread_and_the_survival_curve() {
    let mut c = deal("");
    c.buyer.credit = Some(Credit {
        annual_default_probability: None,
        spread_bps: Some(450.0),
        recovery: 0.4,
    });
    let o = run(&c, None);
    let b = &o.credit[0];
    assert!((b.hazard * (1.0 - 0.4) * 1e4 - 450.0).abs() < 1e-9);
    let n = b.survival.len();
    assert_eq!(n, 12);
    assert!((b.survival[n - 1] - (-b.hazard * 12.0 / 12.0).exp()).abs() < 1e-15);
    assert!((b.pd_term - (1.0 - (-b.hazard).exp())).abs() < 1e-15);
}

/// Without credit, guarantee or backstop the credit-adjusted coverage is the coverage, bit
/// for bit, on every bundled example that has none; on those that have some (a guarantee and a
/// backstop with shares ≤ 1), it is at most the coverage.
#[test]
fn credit_adjusted_is_coverage_without_credit_terms() {
    let mut without = 0;
    for (name, text) in EXAMPLES {
        let c = offtake_model::parse(text).unwrap();
        let o = underwrite(&c, &Scenario::base(&c));
        if c.has_credit_terms() {
            let (adjusted, coverage) = (o.metrics.credit_adjusted_coverage, o.metrics.coverage);
            assert!(adjusted.unwrap() <= coverage.unwrap(), "{name}");
            continue;
        }
        without += 1;
        assert_eq!(
            o.metrics.credit_adjusted_coverage.map(f64::to_bits),
            o.metrics.coverage.map(f64::to_bits),
            "{name}"
        );
        assert_eq!(o.metrics.expected_credit_loss, 0.0, "{name}");
        assert_eq!(o.metrics.buyer_pd_term, 0.0, "{name}");
    }
    assert!(without >= 8, "only {without} examples without credit terms");
}

/// The base case's credit-adjusted coverage is E[realized coverage] over the parties'
/// independent default periods: the exact average of the realized coverage of every
/// combination of default periods (each party in 0 … T−1 or none), weighted by its
/// probability — an independent check of the O(T) expectation (caps, own credits, a backstop).
fn enumerated_expectation(c: &Contract) -> (f64, f64) {
    let n = c.term_months();
    let parties = c.parties();
    // Per party: P(default in d) for d = 0 … T−1, and P(none) last.
    let laws: Vec<Vec<f64>> = parties
        .iter()
        .map(|(_, _, credit)| {
            let lambda = credit.map_or(0.0, |cr| cr.hazard());
            let q = |t: i64| (-lambda * (t + 1) as f64 / 12.0).exp();
            let mut law: Vec<f64> = (0..n as i64)
                .map(|d| if d == 0 { 1.0 } else { q(d - 1) } - q(d))
                .collect();
            law.push(q(n as i64 - 1));
            law
        })
        .collect();
    let mut sim = Simulator::new(c).with_extent(offtake_engine::Extent::Risk);
    let mut index = vec![0usize; parties.len()];
    let (mut mean, mut loss) = (0.0, 0.0);
    loop {
        let p: f64 = index.iter().zip(&laws).map(|(&i, law)| law[i]).product();
        if p > 0.0 {
            let scenario = Scenario {
                defaults: Some(index.iter().map(|&i| (i < n).then_some(i as i64)).collect()),
                ..Scenario::base(c)
            };
            let m = sim.run(&scenario).metrics;
            mean += p * m.credit_adjusted_coverage.unwrap();
            loss += p * m.expected_credit_loss;
        }
        // Next combination.
        let mut j = 0;
        loop {
            if j == index.len() {
                return (mean, loss);
            }
            index[j] += 1;
            if index[j] <= n {
                break;
            }
            index[j] = 0;
            j += 1;
        }
    }
}

#[test]
fn credit_adjusted_coverage_is_the_average_over_every_default_combination() {
    // Discounting on, a floor that settles yearly (ZR not flat), two guarantees (one capped,
    // both with credit), a capped backstop in a window with its own credit.
    let text = DEAL
        .replace("discount_rate = 0", "discount_rate = 0.12")
        .replace("term_months = 12", "term_months = 14");
    let mut c = offtake_model::parse(&format!(
        "{text}\n[take_or_pay]\nfloor = 0.7\nsettle = \"annual\"\n"
    ))
    .unwrap();
    c.buyer.credit = q(0.3);
    c.guarantees.push(guarantee("g1", 0.3, Some(260.0), q(0.2)));
    c.guarantees.push(guarantee("g2", 0.5, None, q(0.1)));
    let mut b = backstop("v", 0.6, 0.8, Some(700.0), q(0.25));
    b.from = Some(chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap());
    b.until = Some(chrono::NaiveDate::from_ymd_opt(2027, 12, 1).unwrap());
    c.backstops.push(b);
    let base = underwrite(&c, &Scenario::base(&c));
    let adjusted = base.metrics.credit_adjusted_coverage.unwrap();
    let (mean, _) = enumerated_expectation(&c);
    assert!(
        (adjusted - mean).abs() <= 1e-12 * mean.abs(),
        "O(T) expectation {adjusted} vs enumerated {mean}"
    );
    assert!(adjusted < base.metrics.coverage.unwrap());
}

#[test]
fn expected_credit_loss_is_the_average_realized_loss() {
    // The loss enumerated over the buyer and one guarantee (backstops are not in the loss).
    let mut c = deal("");
    c.buyer.credit = q(0.4);
    c.guarantees.push(guarantee("g", 0.6, Some(300.0), q(0.3)));
    let base = underwrite(&c, &Scenario::base(&c));
    let (_, loss) = enumerated_expectation(&c);
    assert!(
        (base.metrics.expected_credit_loss - loss).abs() <= 1e-9 * loss,
        "{} vs {loss}",
        base.metrics.expected_credit_loss
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// With guarantee shares summing to at most 1, credit can only lower the coverage, and the
    /// expected credit loss is ≥ 0.
    #[test]
    fn credit_adjusted_at_most_coverage(
        qb in 0.0..0.9f64,
        recovery in 0.0..1.0f64,
        shares in proptest::collection::vec((0.0..1.0f64, proptest::option::of(0.0..2000.0f64), 0.0..0.9f64), 0..3),
        backstops in proptest::collection::vec((0.0..1.0f64, 0.0..1.5f64, proptest::option::of(0.0..3000.0f64), 0.0..0.9f64), 0..3),
        floor in 0.0..1.0f64,
        rate in 0.0..0.3f64,
        term in 1u32..40,
    ) {
        let text = DEAL
            .replace("discount_rate = 0", &format!("discount_rate = {rate}"))
            .replace("term_months = 12", &format!("term_months = {term}"));
        let mut c = offtake_model::parse(&format!("{text}\n[take_or_pay]\nfloor = {floor}\n")).unwrap();
        c.buyer.credit = Some(Credit { annual_default_probability: Some(qb), spread_bps: None, recovery });
        let total: f64 = shares.iter().map(|s| s.0).sum();
        let scale = if total > 1.0 { 1.0 / total } else { 1.0 };
        for (i, (share, cap, pg)) in shares.iter().enumerate() {
            c.guarantees.push(guarantee(&format!("g{i}"), share * scale, *cap, q(*pg)));
        }
        for (i, (share, price, cap, pk)) in backstops.iter().enumerate() {
            c.backstops.push(backstop(&format!("v{i}"), *share, *price, *cap, q(*pk)));
        }
        let o = underwrite(&c, &Scenario::base(&c));
        let cov = o.metrics.coverage.unwrap();
        let adj = o.metrics.credit_adjusted_coverage.unwrap();
        prop_assert!(adj <= cov + 1e-12 * cov.abs().max(1.0), "{adj} > {cov}");
        prop_assert!(o.metrics.expected_credit_loss >= 0.0);
    }
}
