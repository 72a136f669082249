//! Benchmarks of the engine on the bundled example: the Monte Carlo kernel (`Simulator::run`,
//! which must not allocate: divan's allocation profiler reports it) and the full `underwrite`.

use divan::{AllocProfiler, Bencher, black_box};
use offtake_engine::{Extent, Scenario, Simulator, underwrite};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

fn main() {
    divan::main();
}

fn example() -> offtake_model::Contract {
    offtake_model::parse(EXAMPLE).unwrap_or_else(|e| panic!("bundled example: {e:?}"))
}

/// The example with its loan sculpted (MODEL v2 §15: target DSCR 1.3, gearing cap 0.5, the
/// example's rate and tenor) instead of 50 % of each capex amount; `term_years` replaced when
/// given.
fn example_sculpted(term_years: Option<u32>) -> offtake_model::Contract {
    let mut text = EXAMPLE.replace(
        "debt_share = 0.5\n",
        "sizing = \"sculpted\"\ntarget_dscr = 1.3\nmax_gearing = 0.5\n",
    );
    if let Some(years) = term_years {
        text = text.replace("term_years = 10\n", &format!("term_years = {years}\n"));
    }
    offtake_model::parse(&text).unwrap_or_else(|e| panic!("sculpted example: {e:?}"))
}

/// The example with `term_years` replaced (its level, share loan kept).
fn example_term(years: u32) -> offtake_model::Contract {
    let text = EXAMPLE.replace("term_years = 10\n", &format!("term_years = {years}\n"));
    offtake_model::parse(&text).unwrap_or_else(|e| panic!("example: {e:?}"))
}

/// One base-case path (120 months, 4 tranches), buffers reused.
#[divan::bench(name = "simulate/amazon-anthropic/120m")]
fn simulate(bencher: Bencher) {
    let contract = example();
    let scenario = Scenario::base(&contract);
    let mut sim = Simulator::new(&contract);
    bencher.bench_local(|| black_box(sim.run(black_box(&scenario)).metrics.provider_npv));
}

/// The same path at the Monte Carlo's extent (no deal-view IRR), as offtake-risk runs it.
#[divan::bench(name = "simulate/amazon-anthropic/120m-risk")]
fn simulate_risk(bencher: Bencher) {
    let contract = example();
    let scenario = Scenario::base(&contract);
    let mut sim = Simulator::new(&contract).with_extent(Extent::Risk);
    bencher.bench_local(|| black_box(sim.run(black_box(&scenario)).metrics.provider_npv));
}

/// A stressed path: delays, slips and weak demand change fits, options and the IRR's shape.
#[divan::bench(name = "simulate/amazon-anthropic/120m-stressed")]
fn simulate_stressed(bencher: Bencher) {
    let contract = example();
    let scenario = Scenario {
        demand_factor: 0.7,
        power_factor: 1.3,
        capex_factor: 1.2,
        delay_months: vec![3, 6, 9, 12],
        resale_factor: 1.0,
        defaults: None,
        slip_months: vec![0, 6, 12],
    };
    let mut sim = Simulator::new(&contract);
    bencher.bench_local(|| black_box(sim.run(black_box(&scenario)).metrics.provider_npv));
}

/// The full outcome: schedule, annual rows, decisions and the legibility break-even search.
#[divan::bench(name = "underwrite/amazon-anthropic/120m")]
fn underwrite_full(bencher: Bencher) {
    let contract = example();
    let scenario = Scenario::base(&contract);
    bencher.bench_local(|| black_box(underwrite(black_box(&contract), black_box(&scenario))));
}

/// The parts of `underwrite`: the simulator's set-up (tables and buffers of the contract) ...
#[divan::bench(name = "underwrite/amazon-anthropic/120m-parts/new")]
fn underwrite_new(bencher: Bencher) {
    let contract = example();
    bencher.bench_local(|| black_box(Simulator::new(black_box(&contract))));
}

/// ... and the outcome of a run simulator: schedule, annual rows, notes and the break-even
/// search of the legibility figures.
#[divan::bench(name = "underwrite/amazon-anthropic/120m-parts/outcome")]
fn underwrite_outcome(bencher: Bencher) {
    let contract = example();
    let mut sim = Simulator::new(&contract);
    sim.run(&Scenario::base(&contract));
    bencher.bench_local(|| black_box(black_box(&sim).outcome()));
}

/// Set-up of a 600-month term with a sculpted loan (MODEL v2 §15): the tables, the base case run
/// once and the sculpt sized from it (target: ≤ 1 ms), beside the same set-up with the level loan.
#[divan::bench(name = "sculpt/amazon-anthropic/600m-setup", args = ["sculpted", "level"])]
fn sculpt_setup(bencher: Bencher, loan: &str) {
    let contract = if loan == "sculpted" {
        example_sculpted(Some(50))
    } else {
        example_term(50)
    };
    bencher.bench_local(|| black_box(Simulator::new(black_box(&contract))));
}

/// 256 varied paths at the Monte Carlo's extent, cycled: delays 0–12 months per tranche, slips
/// 0–12 and 0–18, demand ×0.75–1.3, power ×0.8–1.5, capex ×0.9–1.4 (roughly the example's
/// `[risk]` ranges, drawn by a fixed xorshift so the set is the same on every run).
#[divan::bench(name = "simulate/amazon-anthropic/120m-risk-varied")]
fn simulate_risk_varied(bencher: Bencher) {
    risk_varied(bencher, &example());
}

/// The same 256 paths with the loan sculpted on the base case (MODEL v2 §15; target: ≤ 1.2× the
/// level loan's time above, side by side).
#[divan::bench(name = "simulate/amazon-anthropic/120m-risk-varied-sculpted")]
fn simulate_risk_varied_sculpted(bencher: Bencher) {
    risk_varied(bencher, &example_sculpted(None));
}

fn risk_varied(bencher: Bencher, contract: &offtake_model::Contract) {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move |lo: f64, hi: f64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        lo + (hi - lo) * (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let scenarios: Vec<Scenario> = (0..256)
        .map(|_| Scenario {
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
        })
        .collect();
    let mut sim = Simulator::new(contract).with_extent(Extent::Risk);
    let mut i = 0;
    bencher.bench_local(|| {
        i = (i + 1) % scenarios.len();
        black_box(sim.run(black_box(&scenarios[i])).metrics.provider_npv)
    });
}
