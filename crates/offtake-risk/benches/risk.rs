//! Benchmarks of the Monte Carlo engine on the bundled example (figures in BENCHMARKS.md).
//!
//! `cargo bench -p offtake-risk` — ids: `risk/100k_paths` (2 threads), `risk/100k_paths_1_thread`,
//! `kernel/one_path` (the engine's per-path kernel alone), `sampler/draw` (one path's factors),
//! `stats/report_100k_paths` (statistics and tornado over a finished table; `_1_thread` on one),
//! `sobol/estimate_6_outputs_2_threads` (the Sobol estimators and bootstrap, `_1_thread` on one),
//! `sobol/example_2_pow_14_2_threads` (the example's Sobol run and report).

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

/// The Sobol estimator kernel (`offtake_risk::sobol::estimate`): point estimates and 200
/// bootstrap resamples of six outputs over N = 2^14 base rows and 8 factor groups (the
/// example's design), on values already computed; and the example's whole Sobol run
/// (163,840 design points after 10,000 paths, then the report).
mod sobol {
    use super::*;
    use offtake_risk::sobol::{BOOTSTRAP_RESAMPLES, Design, estimate};

    fn design() -> Design {
        let groups = (0..8).map(|i| vec![i]).collect();
        Design::new(1 << 14, 8, groups, 42).expect("a valid design")
    }

    fn columns(d: &Design) -> Vec<Vec<f64>> {
        let mut u = vec![0.0; d.dims()];
        (0..6)
            .map(|o| {
                (0..d.points())
                    .map(|p| {
                        d.point(p, &mut u);
                        u.iter()
                            .enumerate()
                            .map(|(i, x)| (x * (i + o + 1) as f64).sin())
                            .sum::<f64>()
                    })
                    .collect()
            })
            .collect()
    }

    #[divan::bench(
        name = "estimate_6_outputs_2_threads",
        sample_count = 5,
        sample_size = 1
    )]
    fn estimate_2_threads(b: divan::Bencher) {
        let d = design();
        let cols = columns(&d);
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        b.bench(|| estimate(&refs, &d, BOOTSTRAP_RESAMPLES, 42, 2));
    }

    #[divan::bench(
        name = "estimate_6_outputs_1_thread",
        sample_count = 3,
        sample_size = 1
    )]
    fn estimate_1_thread(b: divan::Bencher) {
        let d = design();
        let cols = columns(&d);
        let refs: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        b.bench(|| estimate(&refs, &d, BOOTSTRAP_RESAMPLES, 42, 1));
    }

    #[divan::bench(name = "example_2_pow_14_2_threads", sample_count = 3, sample_size = 1)]
    fn example_run(b: divan::Bencher) {
        let c = example();
        let options = RunOptions {
            threads: Some(2),
            sobol: Some(1 << 14),
            ..RunOptions::default()
        };
        let cfg = RunConfig::new(&c, options).expect("a valid configuration");
        b.bench(|| {
            let sim = simulate(&c, &cfg, Control::default()).expect("runs");
            report(&c, &sim).expect("reports")
        });
    }
}
