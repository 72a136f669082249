//! Benchmarks of the Monte Carlo engine on the bundled example (figures in BENCHMARKS.md).
//!
//! `cargo bench -p offtake-risk` — ids: `risk/100k_paths` (2 threads), `risk/100k_paths_1_thread`,
//! `kernel/one_path` (the engine's per-path kernel alone), `sampler/draw` (one path's factors),
//! `stats/report_100k_paths` (statistics and tornado over a finished table; `_1_thread` on one).

use offtake_engine::{Scenario, Simulator};
use offtake_model::{Contract, parse};
use offtake_risk::{Control, FactorSampler, RunConfig, RunOptions, report, simulate};

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

fn main() {
    divan::main();
}

fn example() -> Contract {
    parse(EXAMPLE).expect("the bundled example is valid")
}

fn config(c: &Contract, n_paths: u64, threads: usize) -> RunConfig {
    let options = RunOptions {
        n_paths: Some(n_paths),
        threads: Some(threads),
        ..RunOptions::default()
    };
    RunConfig::new(c, options).expect("a valid configuration")
}

mod risk {
    use super::*;

    #[divan::bench(name = "100k_paths", sample_count = 5, sample_size = 1)]
    fn paths_100k_2_threads(b: divan::Bencher) {
        let c = example();
        let cfg = config(&c, 100_000, 2);
        b.bench(|| simulate(&c, &cfg, Control::default()).expect("runs"));
    }

    #[divan::bench(name = "100k_paths_1_thread", sample_count = 3, sample_size = 1)]
    fn paths_100k_1_thread(b: divan::Bencher) {
        let c = example();
        let cfg = config(&c, 100_000, 1);
        b.bench(|| simulate(&c, &cfg, Control::default()).expect("runs"));
    }
}

mod kernel {
    use super::*;

    /// The engine's `Simulator::run` on pre-drawn scenarios (1,024 paths, cycled).
    #[divan::bench(name = "one_path")]
    fn one_path(b: divan::Bencher) {
        let c = example();
        let sampler = FactorSampler::new(&c).expect("samples");
        let mut s = Scenario::base(&c);
        let scenarios: Vec<Scenario> = (0..1024)
            .map(|i| {
                sampler.draw(i, &mut s);
                s.clone()
            })
            .collect();
        let mut sim = Simulator::new(&c);
        let mut i = 0;
        b.bench_local(|| {
            i = (i + 1) % scenarios.len();
            sim.run(&scenarios[i]).metrics.provider_npv
        });
    }
}

mod sampler {
    use super::*;

    #[divan::bench(name = "draw")]
    fn draw(b: divan::Bencher) {
        let c = example();
        let sampler = FactorSampler::new(&c).expect("samples");
        let mut s = Scenario::base(&c);
        let mut i = 0u64;
        b.bench_local(|| {
            i += 1;
            sampler.draw(i, &mut s);
            s.demand_factor
        });
    }
}

mod stats {
    use super::*;

    #[divan::bench(name = "report_100k_paths", sample_count = 5, sample_size = 1)]
    fn report_100k(b: divan::Bencher) {
        let c = example();
        let threads = RunConfig::default_threads();
        let sim = simulate(&c, &config(&c, 100_000, threads), Control::default()).expect("runs");
        b.bench(|| report(&c, &sim).expect("reports"));
    }

    #[divan::bench(name = "report_100k_paths_1_thread", sample_count = 5, sample_size = 1)]
    fn report_100k_1_thread(b: divan::Bencher) {
        let c = example();
        // The statistics use the run's threads: one.
        let sim = simulate(&c, &config(&c, 100_000, 1), Control::default()).expect("runs");
        b.bench(|| report(&c, &sim).expect("reports"));
    }
}
