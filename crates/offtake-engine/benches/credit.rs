//! MODEL v2 §14 benchmarks (issue 16's speed targets).
//!
//! - `base/credit-50y-two-guarantors`: the base case with the credit-adjusted coverage (the
//!   expectation over default periods) on the example stretched to a 50-year term, a buyer with
//!   credit and two capped guarantors with credit (target ≤ 1 ms), as the kernel at the Full
//!   extent and as `underwrite`.
//! - `risk/example-*`: the Monte Carlo kernel (`Simulator::run` at `Extent::Risk`) per path on
//!   the example, cycling 256 paths, without credit terms (`plain`) and with three credit
//!   parties (the buyer, a guarantee, a backstop) and given defaults drawn by §14's law
//!   (`credit`): target ≤ 1.3× per path. Run both in one sitting:
//!   `cargo bench -p offtake-engine --bench credit -- risk/`.

use divan::{AllocProfiler, Bencher, black_box};
use offtake_engine::{Extent, Scenario, Simulator, underwrite};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

/// The §14 keys added to the example: three parties with credit.
const CREDIT: &str = r#"
[[guarantee]]
id = "parent"
party = "Parent"
share = 0.5
cap = 20e9
credit = { spread_bps = 120, recovery = 0.4 }

[[backstop]]
id = "vendor"
party = "Chip vendor"
share = 0.3
price = 0.8
cap = 6.3e9
credit = { annual_default_probability = 0.02 }
"#;

/// Two guarantors (the 50-year base case).
const TWO_GUARANTORS: &str = r#"
[[guarantee]]
id = "parent"
party = "Parent"
share = 0.5
cap = 20e9
credit = { spread_bps = 120, recovery = 0.4 }

[[guarantee]]
id = "insurer"
party = "Insurer"
share = 0.3
cap = 8e9
credit = { annual_default_probability = 0.01 }
"#;

fn main() {
    divan::main();
}

/// The example with a buyer credit (450 bp) and the given extra tables.
fn with_credit(term: &str, extra: &str) -> offtake_model::Contract {
    let text = EXAMPLE.replace("term_years = 10", term).replace(
        "[buyer]\n",
        "[buyer]\ncredit = { spread_bps = 450, recovery = 0.4 }\n",
    );
    offtake_model::parse(&format!("{text}{extra}")).unwrap_or_else(|e| panic!("{e:?}"))
}

#[divan::bench(name = "base/credit-50y-two-guarantors/simulate")]
fn base_50y_simulate(bencher: Bencher) {
    let contract = with_credit("term_years = 50", TWO_GUARANTORS);
    let scenario = Scenario::base(&contract);
    let mut sim = Simulator::new(&contract);
    bencher.bench_local(|| {
        black_box(
            sim.run(black_box(&scenario))
                .metrics
                .credit_adjusted_coverage,
        )
    });
}

/// The same 50-year example without any §14 key, for comparison.
#[divan::bench(name = "base/plain-50y/simulate")]
fn base_50y_plain(bencher: Bencher) {
    let contract = offtake_model::parse(&EXAMPLE.replace("term_years = 10", "term_years = 50"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let scenario = Scenario::base(&contract);
    let mut sim = Simulator::new(&contract);
    bencher.bench_local(|| black_box(sim.run(black_box(&scenario)).metrics.coverage));
}

#[divan::bench(name = "base/plain-50y/underwrite")]
fn base_50y_plain_underwrite(bencher: Bencher) {
    let contract = offtake_model::parse(&EXAMPLE.replace("term_years = 10", "term_years = 50"))
        .unwrap_or_else(|e| panic!("{e:?}"));
    let scenario = Scenario::base(&contract);
    bencher.bench_local(|| black_box(underwrite(black_box(&contract), black_box(&scenario))));
}

#[divan::bench(name = "base/credit-50y-two-guarantors/underwrite")]
fn base_50y_underwrite(bencher: Bencher) {
    let contract = with_credit("term_years = 50", TWO_GUARANTORS);
    let scenario = Scenario::base(&contract);
    bencher.bench_local(|| black_box(underwrite(black_box(&contract), black_box(&scenario))));
}

/// 1,024 varied paths (as the engine bench's `120m-risk-varied` set) and, with credit, each path's
/// default periods drawn by §14's law from the same generator: u ~ U(0, 1), time −ln(1 − u)/λ,
/// period the first t with (t+1)/12 ≥ time (none beyond the term).
fn paths(contract: &offtake_model::Contract, credit: bool) -> Vec<Scenario> {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move |lo: f64, hi: f64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        lo + (hi - lo) * (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let n = contract.term_months() as f64;
    (0..1024)
        .map(|_| {
            let mut s = Scenario {
                demand_factor: next(0.75, 1.3),
                power_factor: next(0.8, 1.5),
                capex_factor: next(0.9, 1.4),
                delay_months: (0..4).map(|_| next(0.0, 12.99).floor() as i64).collect(),
                resale_factor: 1.0,
                defaults: None,
                slip_months: vec![
                    0,
                    next(0.0, 12.99).floor() as i64,
                    next(0.0, 18.99).floor() as i64,
                ],
            };
            if credit {
                s.defaults = Some(
                    contract
                        .parties()
                        .iter()
                        .map(|(_, _, c)| {
                            let lambda = c.map_or(0.0, |c| c.hazard());
                            let time = -(-next(0.0, 1.0)).ln_1p() / lambda;
                            let d = (12.0 * time - 1.0).ceil().max(0.0);
                            (d < n).then_some(d as i64)
                        })
                        .collect(),
                );
            }
            s
        })
        .collect()
}

fn risk_paths(bencher: Bencher, contract: &offtake_model::Contract, credit: bool) {
    let scenarios = paths(contract, credit);
    let mut sim = Simulator::new(contract).with_extent(Extent::Risk);
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % scenarios.len();
        black_box(sim.run(black_box(&scenarios[i])).metrics.provider_npv)
    });
}

#[divan::bench(name = "risk/example-plain")]
fn risk_plain(bencher: Bencher) {
    let contract = offtake_model::parse(EXAMPLE).unwrap();
    risk_paths(bencher, &contract, false);
}

#[divan::bench(name = "risk/example-credit-3-parties-defaults")]
fn risk_credit(bencher: Bencher) {
    let contract = with_credit("term_years = 10", CREDIT);
    risk_paths(bencher, &contract, true);
}

#[divan::bench(name = "risk/example-credit-3-parties-base")]
fn risk_credit_base(bencher: Bencher) {
    let contract = with_credit("term_years = 10", CREDIT);
    let scenarios: Vec<Scenario> = paths(&contract, false);
    let mut sim = Simulator::new(&contract).with_extent(Extent::Risk);
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % scenarios.len();
        black_box(sim.run(black_box(&scenarios[i])).metrics.provider_npv)
    });
}

/// The credit paths with nobody defaulting (given defaults all none): the credit stage's own
/// cost without the defaults' effect on the cash flows (and so on the IRR search).
#[divan::bench(name = "risk/example-credit-3-parties-no-default")]
fn risk_credit_none(bencher: Bencher) {
    let contract = with_credit("term_years = 10", CREDIT);
    let mut scenarios = paths(&contract, false);
    for s in &mut scenarios {
        s.defaults = Some(vec![None; 3]);
    }
    let mut sim = Simulator::new(&contract).with_extent(Extent::Risk);
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % scenarios.len();
        black_box(sim.run(black_box(&scenarios[i])).metrics.provider_npv)
    });
}
