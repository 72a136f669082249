//! Mitigation after a buyer default (docs/model.md §14, "Re-marketing mitigates the buyer's
//! obligation"): the claim and the guarantees' cash payments rest on what the buyer still owes
//! once re-marketing has earned M(t) = remarket·B(t), with what a month's M earns beyond that
//! month's ZR carried forward (the Lindley recursion): b(d−1) = 0, L(t) = max(0, ZR − M − b(t−1)),
//! b(t) = max(0, b(t−1) + M − ZR); the coverage figures keep MODEL's zero-usage basis.
//!
//! The property, proved from the reading and tested here: on a path where the buyer defaults in
//! d, with recovery R ∈ [0, 1], guarantee shares in [0, 1] summing to at most 1 and any caps and
//! guarantor defaults,
//!   (a) each guarantee's payment is in [0, share·L(t)] and the recovery R·claim_d is ≥ 0 and paid
//!       in d only, so Σ_g G(t) ≤ L(t) for t ≥ d;
//!   (b) PV_d(remarketing + guarantees paid + recovery) ≤ Σ_{t≥d} max(ZR(t), M(t))·DF(t).
//! Proof of (b): claim_d·DF(d) = max(0, Σ_{t≥d} (L − ΣG_promised)·DF) ≤ Σ_{t≥d} L·DF −
//! Σ_{t≥d} ΣG_paid·DF when the claim is not floored (paid ≤ promised), and the guarantees alone
//! are ≤ Σ L·DF when it is; R ≤ 1; so recovery + guarantees ≤ Σ L·DF in PV, and M + L ≤
//! max(ZR, M) (b ≥ 0). As written (no netting) the bound fails: the provider could collect
//! re-marketing on top of the whole remaining ZR.
//!
//! Also: the coverage, the credit-adjusted coverage and the credit loss do not depend on
//! `remarket` (zero-usage basis), and on the Hut 8 example an early buyer default no longer pays
//! the provider more than performance (MODEL as written gave $1.80B against $840.5M).
//!
//! Performance bound (the carry), proved here and tested below with annual settlement, yearly
//! minimums and min_total_spend. Write cumulative sums from d: Z(t) = Σ_{d≤s≤t} ZR, Mc, Lc, P(t)
//! = Σ_{d≤s≤t} P_perf with P_perf the buyer's payments on the same path without the default.
//!   Lemma: Mc(t) + Lc(t) = max(Z(t), max_{d≤u≤t} [Z(u−1) + Mc(t) − Mc(u−1)]).
//!   From the recursion L(t) = ZR − M + b(t) − b(t−1), so Mc + Lc = Z + b(t); b is Lindley's
//!   waiting time, b(t) = max(0, max_u Σ_{u≤s≤t} (M − ZR)); add Z(t). ∎
//!   Claim: if M(t) ≤ P_perf(t) every month (remarket ≤ 1: the re-marketed usage is the
//!   buyer's own usage on the path, which it would have paid for) and Z(t) ≤ P(t) + E for every
//!   t ≥ d, then Mc(t) + Lc(t) ≤ P(t) + E. Each term of the lemma's max: Z(t) ≤ P(t) + E, and
//!   Z(u−1) + Mc(t) − Mc(u−1) ≤ P(u−1) + E + P(t) − P(u−1). ∎
//!   So with E = 0 the support's undiscounted cumulative never runs ahead of performance; with
//!   DF decreasing, Abel summation (Σ x·DF = Σ_t X(t)·(DF(t) − DF(t+1)) + X(T−1)·DF(T−1), all
//!   weights ≥ 0) gives PV_d(M + L) ≤ PV_d(P_perf), and the guarantees paid plus the recovery
//!   are ≤ PV_d(L) by (b)'s proof: a default never pays more than performance.
//! E = 0 holds when d starts a settlement window (any d for monthly settlement; a contract year's
//! first month for annual settlement or yearly minimums; d = 0 for min_total_spend). Inside a
//! window the lump's ZR is not netted for usage the buyer paid before d (MODEL: the claim uses
//! ZR as defined), so E is at most what the buyer paid before d: tested as E ≤ Σ_{t<d} P_perf.

use offtake_engine::{Outcome, Scenario, underwrite};
use offtake_model::{Contract, Credit, Guarantee};
use proptest::prelude::*;

const DEAL: &str = r#"
[deal]
id = "mitigation"
start = "2027-01"
term_months = TERM

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
utilization = [["2027-01", U0], ["2028-01", U1]]

[pricing]
list_price = 1.0
capacity_charge = K
escalation = ESC

[take_or_pay]
floor = FLOOR
settle = "SETTLE"

[provider]
facility_capex_per_mw = 0
facility_life_years = 20
power_price = 0
pue = 1
fixed_opex_per_mw_year = 1200
tax_rate = 0
discount_rate = RATE
"#;

fn credit(q: f64, recovery: f64) -> Option<Credit> {
    Some(Credit {
        annual_default_probability: Some(q),
        spread_bps: None,
        recovery,
    })
}

/// Runs `c` with the given defaults (party id → period).
fn forced(c: &Contract, given: &[(&str, i64)]) -> Outcome {
    let mut scenario = Scenario::base(c);
    scenario.defaults = Some(
        c.parties()
            .iter()
            .map(|(_, id, _)| given.iter().find(|(g, _)| g == id).map(|&(_, d)| d))
            .collect(),
    );
    underwrite(c, &scenario)
}

const HUT8: &str = include_str!("../../../examples/hut8-fluidstack-anthropic-2025.toml");

/// Regression: MODEL §14 as written let an early buyer default on the Hut 8 example pay the
/// provider more than the base case (tornado, default in month 15: provider NPV $1.80B against
/// $840.5M): recovery on the whole remaining rent, Google's guarantee to its cap and the halls
/// re-let at 0.7 of the usage charge on top. Netted, the provider is at most made whole.
#[test]
fn hut8_early_buyer_default_pays_no_more_than_performance() {
    let c = offtake_model::parse(HUT8).unwrap();
    let base = underwrite(&c, &Scenario::base(&c)).metrics.provider_npv;
    for d in [0, 6, 14, 24, 60, 120] {
        let npv = forced(&c, &[("buyer", d)]).metrics.provider_npv;
        assert!(
            npv <= base + 1e-9 * base.abs(),
            "buyer default in period {d}: provider NPV {npv} above the base case's {base}"
        );
    }
}

/// A sheet of credit_guarantee_claim's deal with re-marketing at the full usage charge and a full
/// guarantee, and `terms` in place of its capacity charge.
fn lump_sheet(terms: &str) -> Contract {
    let text = DEAL
        .replace("term_months = TERM", "term_months = 12")
        .replace(
            "[[\"2027-01\", U0], [\"2028-01\", U1]]",
            "[[\"2027-01\", 0.5]]",
        )
        .replace("capacity_charge = K\nescalation = ESC\n", "")
        .replace("[take_or_pay]\nfloor = FLOOR\nsettle = \"SETTLE\"\n", terms)
        .replace("RATE", "0");
    let mut c = offtake_model::parse(&text).unwrap();
    c.buyer.credit = credit(0.5, 0.4);
    c.buyer.remarket = 1.0;
    c.guarantees.push(Guarantee {
        id: "g".into(),
        party: None,
        share: 1.0,
        cap: None,
        credit: None,
    });
    c
}

/// Regression (reviewer V): netted month by month, an annual settlement's lump was never netted
/// against the re-marketing of the year's other months, so a default in the first month paid
/// the provider 9816 against 5808 (re-marketing 4380 + the guarantee on the whole lump 6636 >
/// the 7008 the buyer pays). Carried forward: 4380 + 2628 = 7008, NPV 5808.
#[test]
fn annual_settlement_default_pays_no_more_than_performance() {
    let c = lump_sheet("[take_or_pay]\nfloor = 0.8\nsettle = \"annual\"\n");
    let base = underwrite(&c, &Scenario::base(&c)).metrics.provider_npv;
    let npv = forced(&c, &[("buyer", 0)]).metrics.provider_npv;
    assert!((base - 5808.0).abs() < 1e-6, "{base}");
    assert!(
        npv <= base + 1e-9,
        "default: {npv} above performance {base}"
    );
}

/// The same with the min_total_spend true-up in T−1 (7560 → 11568 before the carry).
#[test]
fn min_total_spend_default_pays_no_more_than_performance() {
    let c = lump_sheet("[commitment]\nmin_total_spend = 8760\n");
    let base = underwrite(&c, &Scenario::base(&c)).metrics.provider_npv;
    let npv = forced(&c, &[("buyer", 0)]).metrics.provider_npv;
    assert!((base - 7560.0).abs() < 1e-6, "{base}");
    assert!(
        npv <= base + 1e-9,
        "default: {npv} above performance {base}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// (a) and (b) of the module comment, and the coverage figures independent of `remarket`.
    #[test]
    fn post_default_support_is_bounded_by_what_is_owed_or_re_let(
        term in 1u32..40,
        u in (0.0..1.0f64, 0.0..1.0f64),
        k in 0.0..400.0f64,
        escalation in -0.2..0.3f64,
        floor in 0.0..1.0f64,
        min_total in proptest::option::of(0.0..9000.0f64),
        rate in 0.0..0.3f64,
        remarket in 0.0..=1.0f64,
        recovery in 0.0..=1.0f64,
        guarantees in proptest::collection::vec(
            (0.0..=1.0f64, proptest::option::of(0.0..2000.0f64), proptest::option::of(-2i64..42)),
            0..3,
        ),
        d in 0i64..40,
    ) {
        let text = DEAL
            .replace("TERM", &term.to_string())
            .replace("U0", &u.0.to_string())
            .replace("U1", &u.1.to_string())
            .replace("= K", &format!("= {k}"))
            .replace("ESC", &escalation.to_string())
            .replace("FLOOR", &floor.to_string())
            .replace("SETTLE", "monthly")
            .replace("RATE", &rate.to_string());
        let commitment = min_total.map_or(String::new(), |m| format!("\n[commitment]\nmin_total_spend = {m}\n"));
        let mut c = offtake_model::parse(&format!("{text}{commitment}")).unwrap();
        c.buyer.credit = credit(0.3, recovery);
        c.buyer.remarket = remarket;
        let total: f64 = guarantees.iter().map(|g| g.0).sum();
        let scale = if total > 1.0 { 1.0 / total } else { 1.0 };
        let ids: Vec<String> = (0..guarantees.len()).map(|i| format!("g{i}")).collect();
        for (i, (share, cap, _)) in guarantees.iter().enumerate() {
            c.guarantees.push(Guarantee {
                id: ids[i].clone(),
                party: None,
                share: share * scale,
                cap: *cap,
                credit: credit(0.1, 0.4),
            });
        }
        let n = term as usize;
        let d = d % term as i64;
        let mut given = vec![("buyer", d)];
        for (i, (_, _, dg)) in guarantees.iter().enumerate() {
            if let Some(dg) = dg {
                given.push((ids[i].as_str(), *dg));
            }
        }
        let o = forced(&c, &given);
        let s = &o.schedule;
        let du = d as usize;
        let df = |t: usize| (1.0 + rate).powf(-((t + 1) as f64) / 12.0);
        let (mut support, mut bound, mut scale_pv) = (0.0, 0.0, 0.0);
        for t in 0..n {
            let (zr, m, g, rec) = (s.zero_usage_revenue[t], s.remarket[t], s.guarantee[t], s.recovery[t]);
            prop_assert!(g >= 0.0 && rec >= 0.0, "t{t}: guarantee {g}, recovery {rec}");
            if t < du {
                prop_assert!(g == 0.0 && m == 0.0 && rec == 0.0, "t{t} before d");
                continue;
            }
            if t != du {
                prop_assert!(rec == 0.0, "recovery in t{t} ≠ d");
            }
            let owed = (zr - m).max(0.0);
            prop_assert!(g <= owed + 1e-9 * zr.max(1.0), "t{t}: guarantees {g} above L = {owed}");
            support += (m + g + rec) * df(t);
            bound += zr.max(m) * df(t);
            scale_pv += (zr + m) * df(t);
        }
        prop_assert!(
            support <= bound + 1e-9 * scale_pv.max(1.0),
            "post-default support {support} above Σ max(ZR, M)·DF = {bound}"
        );

        // The coverage figures stay on the zero-usage basis: `remarket` does not move them.
        let mut c0 = c.clone();
        c0.buyer.remarket = 0.0;
        let o0 = forced(&c0, &given);
        prop_assert_eq!(o.metrics.coverage, o0.metrics.coverage);
        prop_assert_eq!(o.metrics.credit_adjusted_coverage, o0.metrics.credit_adjusted_coverage);
        prop_assert_eq!(o.metrics.expected_credit_loss.to_bits(), o0.metrics.expected_credit_loss.to_bits());
        let b = underwrite(&c, &Scenario::base(&c));
        let b0 = underwrite(&c0, &Scenario::base(&c0));
        prop_assert_eq!(b.metrics.credit_adjusted_coverage, b0.metrics.credit_adjusted_coverage);
        prop_assert_eq!(b.metrics.expected_credit_loss.to_bits(), b0.metrics.expected_credit_loss.to_bits());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The performance bound of the module comment: cumulatively from d, M + L never runs ahead
    /// of the buyer's payments without the default by more than E = max_t (Z − P)⁺, E = 0 when
    /// d starts a settlement window and E ≤ Σ_{t<d} P_perf otherwise; and in PV from d the
    /// support (M + guarantees + recovery) is ≤ PV_d(P_perf) + E.
    #[test]
    #[allow(clippy::needless_range_loop)] // t indexes several schedules at once
    fn a_default_pays_no_more_than_performance(
        term in 1u32..40,
        u in (0.0..1.0f64, 0.0..1.0f64),
        k in 0.0..400.0f64,
        escalation in -0.2..0.3f64,
        floor in 0.0..1.0f64,
        annual in any::<bool>(),
        yearly in proptest::option::of((0.0..9000.0f64, 1u32..4)),
        min_total in proptest::option::of(0.0..20000.0f64),
        rate in 0.0..0.3f64,
        remarket in 0.0..=1.0f64,
        recovery in 0.0..=1.0f64,
        share in 0.0..=1.0f64,
        cap in proptest::option::of(0.0..4000.0f64),
        d in 0i64..40,
        window_start in any::<bool>(),
    ) {
        let text = DEAL
            .replace("TERM", &term.to_string())
            .replace("U0", &u.0.to_string())
            .replace("U1", &u.1.to_string())
            .replace("= K", &format!("= {k}"))
            .replace("ESC", &escalation.to_string())
            .replace("FLOOR", &floor.to_string())
            .replace("SETTLE", if annual { "annual" } else { "monthly" })
            .replace("RATE", &rate.to_string());
        let mut commitment = String::new();
        if let Some((m, y)) = yearly {
            let y = y.min(term.div_ceil(12));
            commitment += &format!("min_annual_spend = [[{y}, {m}]]\n");
        }
        if let Some(m) = min_total {
            commitment += &format!("min_total_spend = {m}\n");
        }
        let sheet = if commitment.is_empty() { text } else { format!("{text}\n[commitment]\n{commitment}") };
        let mut c = offtake_model::parse(&sheet).unwrap();
        c.buyer.credit = credit(0.3, recovery);
        c.buyer.remarket = remarket;
        c.guarantees.push(Guarantee { id: "g".into(), party: None, share, cap, credit: credit(0.1, 0.4) });
        let n = term as usize;
        let mut d = (d % term as i64) as usize;
        if window_start {
            d = if min_total.is_some() { 0 } else if annual || yearly.is_some() { d / 12 * 12 } else { d };
        }
        let o = forced(&c, &[("buyer", d as i64)]);
        let perf = underwrite(&c, &Scenario::base(&c));
        let (s, p) = (&o.schedule, &perf.schedule.payments);
        let df = |t: usize| (1.0 + rate).powf(-((t + 1) as f64) / 12.0);
        let scale: f64 = (0..n).map(|t| s.zero_usage_revenue[t] + p[t] + s.remarket[t]).sum::<f64>().max(1.0);
        let tol = 1e-9 * scale;
        // M ≤ P_perf every month (remarket ≤ 1).
        for t in d..n {
            prop_assert!(s.remarket[t] <= p[t] + tol, "t{t}: M {} above P_perf {}", s.remarket[t], p[t]);
        }
        // L from the schedules: L = G/share where a guarantee pays uncapped; recompute it from
        // the recursion and check the cumulative bound on it.
        let (mut z, mut pc, mut ml, mut e, mut b) = (0.0, 0.0, 0.0, 0.0f64, 0.0f64);
        let mut excess = 0.0f64;
        for t in d..n {
            let (zr, m) = (s.zero_usage_revenue[t], s.remarket[t]);
            let l = (zr - m - b).max(0.0);
            b = (b + m - zr).max(0.0);
            z += zr;
            pc += p[t];
            ml += m + l;
            e = e.max(z - pc);
            excess = excess.max(ml - pc - e);
            prop_assert!(s.guarantee[t] <= share * l + tol, "t{t}: guarantee {} above share·L = {}", s.guarantee[t], share * l);
        }
        prop_assert!(excess <= tol, "M + L ahead of P_perf + E by {excess}");
        let paid_before: f64 = p[..d].iter().sum();
        prop_assert!(e <= paid_before + tol, "E = {e} above what was paid before d, {paid_before}");
        if window_start {
            prop_assert!(e <= tol, "d = {d} starts a window but E = {e}");
        }
        let support: f64 = (d..n).map(|t| (s.remarket[t] + s.guarantee[t] + s.recovery[t]) * df(t)).sum();
        let performance: f64 = (d..n).map(|t| p[t] * df(t)).sum();
        prop_assert!(support <= performance + e * df(d) + tol, "PV_d support {support} above performance {performance} + E {e}");
    }
}
