//! MODEL.md v2 §15 (the lender's view): invariants of the sculpted loan, the balance, the reserve
//! and the sponsor flow on generated sheets (built as TOML text and parsed, so every generated
//! contract is one a user could write), the Risk extent against the Full one, and a cross-check
//! of the sculpt and LLCR against a published worked example.

use std::fmt::Write as _;

use offtake_engine::{Extent, Outcome, Scenario, Simulator, underwrite};
use offtake_model::Contract;
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Sheet {
    term: u32,
    /// (mw, online offset, build months, chip capex per MW).
    tranches: Vec<(f64, i64, u32, f64)>,
    /// (exercise offset before online, online) of one option tranche, if any.
    option: Option<(i64, i64)>,
    facility_capex: f64,
    capacity_charge: f64,
    utilization: f64,
    power_price: f64,
    fixed_opex: f64,
    tax_rate: f64,
    interest: f64,
    tenor_years: f64,
    /// (target_dscr, max_gearing) for a sculpted loan, else a share loan of this debt_share.
    sculpted: Option<(f64, f64)>,
    debt_share: f64,
    dsra_months: u32,
    chip_resale: bool,
    life_years: f64,
}

impl Sheet {
    fn toml(&self) -> String {
        let m = |o: i64| {
            let total = 2027 * 12 + o;
            format!("{}-{:02}", total.div_euclid(12), total.rem_euclid(12) + 1)
        };
        let mut s = String::new();
        let _ = writeln!(
            s,
            "[deal]\nid = \"lender\"\nstart = \"2027-01\"\nterm_months = {}\n",
            self.term
        );
        let _ = writeln!(
            s,
            "[[generation]]\nname = \"a\"\navailable = \"2026-01\"\npflops_per_mw = 10\nchip_capex_per_mw = {}\nlife_years = {}\n",
            self.tranches[0].3, self.life_years
        );
        let _ = writeln!(
            s,
            "[[generation]]\nname = \"b\"\navailable = \"2028-01\"\npflops_per_mw = 20\nchip_capex_per_mw = {}\nlife_years = {}\n",
            self.tranches[0].3 * 1.5,
            self.life_years
        );
        for (k, &(mw, online, build, _)) in self.tranches.iter().enumerate() {
            let _ = writeln!(
                s,
                "[[tranche]]\nid = \"t{k}\"\nmw = {mw}\nonline = \"{}\"\nbuild_months = {build}\n",
                m(online)
            );
        }
        if let Some((before, online)) = self.option {
            let _ = writeln!(
                s,
                "[[tranche]]\nid = \"opt\"\nmw = 5\nonline = \"{}\"\nkind = \"option\"\nexercise = \"{}\"\nexercise_utilization = 0.2\n",
                m(online),
                m(online - before)
            );
        }
        let _ = writeln!(
            s,
            "[demand]\nutilization = [[\"2027-01\", {}]]\n",
            self.utilization
        );
        let _ = writeln!(
            s,
            "[pricing]\nlist_price = 2.0\ncapacity_charge = {}\n",
            self.capacity_charge
        );
        let _ = writeln!(
            s,
            "[provider]\nfacility_capex_per_mw = {}\nfacility_life_years = 15\npower_price = {}\npue = 1.2\nfixed_opex_per_mw_year = {}\ntax_rate = {}\ndiscount_rate = 0.1\nresidual_fraction = 0.2\n",
            self.facility_capex, self.power_price, self.fixed_opex, self.tax_rate
        );
        let _ = writeln!(
            s,
            "[financing]\ninterest_rate = {}\ntenor_years = {}\ndsra_months = {}",
            self.interest, self.tenor_years, self.dsra_months
        );
        match self.sculpted {
            Some((target, gearing)) => {
                let _ = writeln!(
                    s,
                    "sizing = \"sculpted\"\ntarget_dscr = {target}\nmax_gearing = {gearing}\n"
                );
            }
            None => {
                let _ = writeln!(s, "debt_share = {}\n", self.debt_share);
            }
        }
        if self.chip_resale {
            s.push_str("[market]\nchip_resale = [[0, 0.9], [1, 0.5], [3, 0.15]]\n");
        }
        s
    }
}

fn sheet() -> impl Strategy<Value = Sheet> {
    (
        (
            24u32..121,
            prop::collection::vec((1.0f64..50.0, -3i64..18, 0u32..7, 1e5f64..3e6), 1..4),
            prop::option::of((0i64..4, 6i64..30)),
            0.0f64..2e6,
            0.0f64..1e5,
            0.0f64..1.0,
        ),
        (
            0.0f64..100.0,
            0.0f64..5e4,
            0.0f64..0.35,
            0.0f64..0.15,
            prop::sample::select(vec![1.0, 2.0, 3.5, 5.0]),
            prop::option::of((
                1.05f64..2.5,
                prop::sample::select(vec![0.0, 0.3, 0.6, 0.8, 1.0]),
            )),
            0.0f64..1.0,
            0u32..7,
            any::<bool>(),
            prop::sample::select(vec![1.5, 3.0, 5.0]),
        ),
    )
        .prop_map(
            |(
                (term, tranches, option, facility_capex, capacity_charge, utilization),
                (
                    power_price,
                    fixed_opex,
                    tax_rate,
                    interest,
                    tenor_years,
                    sculpted,
                    debt_share,
                    dsra_months,
                    chip_resale,
                    life_years,
                ),
            )| Sheet {
                term,
                tranches,
                option,
                facility_capex,
                capacity_charge,
                utilization,
                power_price,
                fixed_opex,
                tax_rate,
                interest,
                tenor_years,
                sculpted,
                debt_share,
                dsra_months,
                chip_resale,
                life_years,
            },
        )
}

fn sculpted_sheet() -> impl Strategy<Value = Sheet> {
    (sheet(), 1.05f64..2.5, 0.05f64..1.0).prop_map(|(mut s, target, gearing)| {
        if s.sculpted.is_none() {
            s.sculpted = Some((target, gearing));
        }
        s
    })
}

fn contract(sheet: &Sheet) -> Contract {
    let text = sheet.toml();
    offtake_model::parse(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// i = interest_rate / 12.
fn monthly_rate(c: &Contract) -> f64 {
    c.financing.as_ref().map_or(0.0, |f| f.interest_rate / 12.0)
}

/// Sponsor flow = FCF + draws − service − the reserve's net movement (funding in, everything
/// out), and in T−1 minus the debt still owed (MODEL.md §15 reading 13).
fn check_sponsor_flow(o: &Outcome) -> Result<(), TestCaseError> {
    let s = &o.schedule;
    let n = s.fcf.len();
    let scale = s
        .fcf
        .iter()
        .chain(&s.debt_draw)
        .fold(1.0_f64, |a, x| a.max(x.abs()));
    for t in 0..n {
        let before = if t == 0 { 0.0 } else { s.reserve[t - 1] };
        let mut e = s.fcf[t] + s.debt_draw[t] - s.debt_service[t] - (s.reserve[t] - before);
        if t == n - 1 {
            e -= o.metrics.debt_outstanding_at_end;
        }
        prop_assert!(
            (s.sponsor_cf[t] - e).abs() <= 1e-9 * scale,
            "t {t}: sponsor {} vs {e}",
            s.sponsor_cf[t]
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    /// On the base case: each DSCR year wholly inside W with CFADS ≥ 0 in every month equals
    /// target_dscr·D*/(g·K) (1e-9 relative); the PV of the service at the loan rate is the
    /// balance at the end of r0 − 1 (B0 = g·K); the balance is 0 at the end of W.
    #[test]
    fn the_sculpt_holds_its_identities_on_the_base_case(sheet in sculpted_sheet()) {
        let c = contract(&sheet);
        let o = underwrite(&c, &Scenario::base(&c));
        let l = o.lender.as_ref().expect("financing");
        let Some((target, _)) = sheet.sculpted else { unreachable!() };
        let (k, d_star, g) = (l.capex_grown.unwrap(), l.debt_capacity.unwrap(), l.gearing_target.unwrap());
        let s = &o.schedule;
        let r0 = l.repayment_start;
        let (w0, w1) = l.window.unwrap();
        prop_assert_eq!(w0, r0);
        if g == 0.0 {
            prop_assert!(s.debt_service.iter().all(|&x| x == 0.0));
            prop_assert_eq!(o.metrics.debt_drawn, 0.0);
            return Ok(());
        }
        prop_assert!(close(l.balance_at_start, g * k, 1e-9), "B0 {} vs g·K {}", l.balance_at_start, g * k);
        let i = monthly_rate(&c);
        let pv: f64 = (w0..=w1).map(|t| s.debt_service[t] * (1.0 + i).powi(-((t - r0 + 1) as i32))).sum();
        prop_assert!(close(pv, s.debt_balance[r0 - 1], 1e-9), "PV {pv} vs balance {}", s.debt_balance[r0 - 1]);
        prop_assert!(s.debt_balance[w1].abs() <= 1e-9 * l.balance_at_start.max(1.0), "end of W {}", s.debt_balance[w1]);
        let expected = target * d_star / (g * k);
        let mut checked = 0;
        for row in &o.annual {
            let inside = row.first_period >= w0 && row.last_period <= w1;
            let nonnegative = (row.first_period..=row.last_period).all(|t| s.cfads[t] >= 0.0);
            if inside && nonnegative && row.debt_service > 0.0 {
                let dscr = row.dscr.unwrap();
                prop_assert!(close(dscr, expected, 1e-9), "year {}: {dscr} vs {expected}", row.year);
                checked += 1;
            }
        }
        if l.bound.as_deref() == Some("dscr") {
            prop_assert!(close(expected, target, 1e-9));
            // The textbook identity of a sculpt at a constant DSCR (service = CFADS/DSCR, debt
            // = PV(CFADS/DSCR) at the loan rate, LLCR = PV(CFADS)/debt; see
            // `published_sculpting_identities`): with CFADS ≥ 0 in all of W, LLCR = DSCR.
            if (w0..=w1).all(|t| s.cfads[t] >= 0.0) {
                let llcr = o.metrics.llcr.unwrap();
                prop_assert!(close(llcr, target, 1e-9), "LLCR {llcr} vs target {target}");
            }
        }
        let _ = checked;
        check_sponsor_flow(&o)?;
    }

    /// Every sheet and path: the sponsor flow identity; a sculpted loan keeps its base sizing
    /// on a stressed path (draws g·capex before r0, service DS·B0_path/B0) and still ends W at
    /// 0; the Risk extent gives the §15 metrics of the Full one, bit for bit.
    #[test]
    fn paths_keep_the_sizing_and_the_extents_agree(
        sheet in sheet(),
        capex in 0.6f64..1.6,
        demand in 0.0f64..1.5,
        power in 0.5f64..2.0,
        delay in 0i64..10,
        resale in 0.3f64..1.5,
    ) {
        let c = contract(&sheet);
        let scenario = Scenario {
            demand_factor: demand,
            power_factor: power,
            capex_factor: capex,
            delay_months: vec![delay; c.tranches.len()],
            slip_months: vec![0; c.generations.len()],
            resale_factor: resale,
            defaults: None,
        };
        let o = underwrite(&c, &scenario);
        check_sponsor_flow(&o)?;
        let base = underwrite(&c, &Scenario::base(&c));
        let l = o.lender.as_ref().unwrap();
        let s = &o.schedule;
        prop_assert!(s.debt_balance.iter().all(|&b| b >= -1e-9 * l.balance_at_start.max(1.0)));
        if let (Some((w0, w1)), Some(g)) = (l.window, l.gearing_target) {
            let r0 = l.repayment_start;
            prop_assert_eq!(Some(g), base.lender.as_ref().unwrap().gearing_target);
            for t in 0..r0 {
                prop_assert_eq!(s.debt_draw[t], g * s.capex[t]);
            }
            prop_assert!(s.debt_draw[r0..].iter().all(|&d| d == 0.0));
            let b0 = base.lender.as_ref().unwrap().balance_at_start;
            if b0 > 0.0 {
                let scale = l.balance_at_start / b0;
                for t in w0..=w1 {
                    prop_assert!(close(s.debt_service[t], base.schedule.debt_service[t] * scale, 1e-12));
                }
                prop_assert!(s.debt_balance[w1].abs() <= 1e-9 * l.balance_at_start.max(1.0));
                prop_assert!(o.metrics.llcr.is_some() || l.balance_at_start == 0.0);
            }
        }
        let mut risk = Simulator::new(&c).with_extent(Extent::Risk);
        let m = risk.run(&scenario).metrics;
        let f = o.metrics;
        prop_assert_eq!(m.llcr.map(f64::to_bits), f.llcr.map(f64::to_bits));
        prop_assert_eq!(m.max_ltv.map(f64::to_bits), f.max_ltv.map(f64::to_bits));
        prop_assert_eq!(m.gearing.map(f64::to_bits), f.gearing.map(f64::to_bits));
        prop_assert_eq!(m.sponsor_irr.map(f64::to_bits), f.sponsor_irr.map(f64::to_bits));
        prop_assert_eq!(m.sponsor_npv.to_bits(), f.sponsor_npv.to_bits());
        prop_assert_eq!(m.payment_default, f.payment_default);
        prop_assert_eq!(m.debt_drawn.to_bits(), f.debt_drawn.to_bits());
        prop_assert_eq!(m.min_dscr.map(f64::to_bits), f.min_dscr.map(f64::to_bits));
        prop_assert_eq!(risk.run(&scenario).verdicts, o.verdicts);
    }
}

/// The sculpt and LLCR against the published definitions of a sculpted loan. E. Bodmer's debt
/// sculpting pages (edbodmer.com; text in https://huggingface.co/datasets/nvidia/Nemotron-CC-Math-v1,
/// "Debt Sculpting with Fixed Debt, Average Debt Life and Minimum DSCR") define the sculpt at a
/// constant DSCR as repayment = CFADS/DSCR, the debt as the PV of that service at the loan rate,
/// and LLCR = PV(CFADS)/debt; no published worked example with numbers and monthly periods was
/// found that fits MODEL §15's definitions (capitalized interest to r0, a gearing cap), so the
/// figures here are worked by hand from those definitions, on a CFADS that steps up each year.
///
/// T = 36 from 2027-01; one tranche 1 MW online t2, build 2 (facility 1000 in t0 and t1), chips
/// 2000 in t2; capacity charge 100/MW-month escalating 10 % a contract year, nothing else: CFADS
/// = 100, 110, 121 per month in years 0, 1, 2 from t2. Sculpted, i = 0.01, tenor 2 years, target
/// 1.25: r0 = 3, W = 3 … 26. K = 1000·1.01² + 1000·1.01 + 2000 = 4030.1. DS*(t) = CFADS/1.25 = 80,
/// 88, 96.8; D* = Σ_W DS*·1.01^−(t−2) = 1821.8902943429994; D*/K = 0.452070741257785 < 0.8: the
/// DSCR binds, g = D*/K, DS = DS*, B0 = D*. DSCR of year 1 (t12 … 23, wholly in W) = 1320/1056 =
/// 1.25; LLCR = PV(CFADS)/B0 = 1.25·D*/D* = 1.25. Year 2 keeps t27 … 35 outside W (CFADS, no
/// service): 12·121/(3·96.8) = 5.
#[test]
fn published_sculpting_identities() {
    let text = r#"
[deal]
id = "sculpt-steps"
start = "2027-01"
term_months = 36

[[generation]]
name = "G"
available = "2026-01"
pflops_per_mw = 1
chip_capex_per_mw = 2000
life_years = 5

[[tranche]]
id = "t"
mw = 1
online = "2027-03"
build_months = 2

[demand]
utilization = [["2027-01", 0.0]]

[pricing]
list_price = 1.0
capacity_charge = 100
escalation = 0.1

[provider]
facility_capex_per_mw = 2000
facility_life_years = 20
power_price = 0
pue = 1
fixed_opex_per_mw_year = 0
tax_rate = 0
discount_rate = 0

[financing]
sizing = "sculpted"
interest_rate = 0.12
tenor_years = 2

[thresholds]
dscr = 1.25
"#;
    let c = offtake_model::parse(text).unwrap();
    let o = underwrite(&c, &Scenario::base(&c));
    let l = o.lender.as_ref().unwrap();
    let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * b.abs().max(1.0);
    assert_eq!((l.repayment_start, l.window), (3, Some((3, 26))));
    assert!(near(l.capex_grown.unwrap(), 4030.1));
    assert!(near(l.debt_capacity.unwrap(), 1821.8902943429994));
    assert!(near(l.gearing_target.unwrap(), 0.452070741257785));
    assert_eq!(l.bound.as_deref(), Some("dscr"));
    let s = &o.schedule;
    for (t, ds) in [
        (3, 80.0),
        (11, 80.0),
        (12, 88.0),
        (23, 88.0),
        (24, 96.8),
        (26, 96.8),
    ] {
        assert!(near(s.debt_service[t], ds), "t {t}: {}", s.debt_service[t]);
    }
    assert_eq!(s.debt_service[27], 0.0);
    assert!(near(s.debt_balance[2], 1821.8902943429994));
    assert!(s.debt_balance[26].abs() < 1e-9);
    assert!(near(o.annual[1].dscr.unwrap(), 1.25));
    assert!(near(o.annual[2].dscr.unwrap(), 5.0));
    assert!(near(o.metrics.llcr.unwrap(), 1.25));
    assert!(near(o.metrics.min_dscr.unwrap(), 1.25));
    assert!(o.verdicts.financeable);
}

/// Financeable's note names the §15 test that failed (MODEL v2 §15 reading 17), and a v1 share
/// loan without a reserve or market value keeps v1's note.
#[test]
fn financeable_note_names_the_failed_test() {
    let case = |name: &str| {
        let path = format!("{}/tests/cases/{name}.toml", env!("CARGO_MANIFEST_DIR"));
        #[allow(clippy::disallowed_methods, reason = "a golden case this test reads")]
        let text = std::fs::read_to_string(&path).unwrap();
        let c = offtake_model::parse(&text).unwrap();
        underwrite(&c, &Scenario::base(&c))
            .verdict_details
            .financeable
    };
    let ltv = case("lender_ltv_crossing");
    assert!(!ltv.passed);
    assert!(
        ltv.note
            .contains("max LTV 0.9479 (needs <= 0.8); fails LTV"),
        "{}",
        ltv.note
    );
    let reserve = case("lender_reserve_exhausted");
    assert!(
        reserve
            .note
            .contains("payment default from 2027-09 (period 8)")
            && reserve.note.ends_with("fails payment default"),
        "{}",
        reserve.note
    );
    let sculpt = case("lender_sculpt_dscr_binds");
    assert!(sculpt.passed);
    assert!(
        sculpt
            .note
            .ends_with("LLCR 1.2500 (needs >= 1.25); no payment default"),
        "{}",
        sculpt.note
    );
    let v1 = case("debt_dscr");
    assert!(v1.note.starts_with("minimum yearly DSCR") && !v1.note.contains("LLCR"));
    assert!(!v1.note.contains("payment default"), "{}", v1.note);
}
