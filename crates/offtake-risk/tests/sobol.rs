//! `--sensitivity sobol` through the engine: the design's points run after the Monte Carlo
//! paths, the result does not depend on threads, shards merge into exactly the single run, the
//! Monte Carlo part is the plain run's, and the indices of the example are sane.

use std::path::PathBuf;

use bytes::Bytes;
use offtake_model::{Contract, parse};
use offtake_risk::{
    Control, Error, RiskReport, RunConfig, RunOptions, Shard, Simulation, merge, read_header,
    report, simulate, write_paths,
};

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

fn example() -> Contract {
    parse(EXAMPLE).unwrap()
}

fn options(threads: usize, base_paths: u64) -> RunOptions {
    RunOptions {
        n_paths: Some(300),
        threads: Some(threads),
        sobol: Some(base_paths),
        ..RunOptions::default()
    }
}

fn run(c: &Contract, options: RunOptions) -> (Simulation, RiskReport) {
    let config = RunConfig::new(c, options).unwrap();
    let sim = simulate(c, &config, Control::default()).unwrap();
    let r = report(c, &sim).unwrap();
    (sim, r)
}

fn paths_file(c: &Contract, sim: &Simulation) -> Bytes {
    let mut out = Vec::new();
    write_paths(&mut out, c, sim).unwrap();
    Bytes::from(out)
}

#[test]
fn shards_merge_into_the_single_run_byte_for_byte() {
    let c = example();
    let (single, r) = run(&c, options(2, 128));
    let want = serde_json::to_string_pretty(&r).unwrap();
    // 8 groups + 2 blocks per base row, after the 300 paths.
    assert_eq!(single.config.total_rows(), 300 + 128 * 10);
    assert_eq!(r.n_paths_run, 300);
    let mut files = Vec::new();
    for index in [3u64, 1, 0, 2] {
        let (sim, _) = run(
            &c,
            RunOptions {
                shard: Some(Shard::new(index, 4).unwrap()),
                keep_factors: true,
                ..options(1, 128)
            },
        );
        let file = paths_file(&c, &sim);
        let header = read_header(&PathBuf::from("s"), file.clone()).unwrap();
        assert_eq!(header.format, offtake_risk::paths_file::SOBOL_FORMAT);
        assert_eq!(header.n_paths, 300 + 1280);
        files.push((PathBuf::from(format!("shard-{index}")), file));
    }
    let merged = merge(&c, files.clone()).unwrap();
    let got = serde_json::to_string_pretty(&report(&c, &merged).unwrap()).unwrap();
    assert_eq!(got, want);

    // A shard of a design of another size is refused.
    let (other, _) = run(
        &c,
        RunOptions {
            shard: Some(Shard::new(0, 4).unwrap()),
            ..options(1, 64)
        },
    );
    let mut mixed = files[1..].to_vec();
    mixed.push((PathBuf::from("other"), paths_file(&c, &other)));
    assert!(matches!(
        merge(&c, mixed),
        Err(Error::ShardMismatch {
            what: "the Sobol design",
            ..
        })
    ));
}

#[test]
fn threads_change_nothing_and_the_monte_carlo_part_is_the_plain_run() {
    let c = example();
    let (_, one) = run(&c, options(1, 64));
    let (_, three) = run(&c, options(3, 64));
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        serde_json::to_string(&three).unwrap()
    );
    let (_, plain) = run(
        &c,
        RunOptions {
            sobol: None,
            ..options(2, 64)
        },
    );
    let mut without = one.clone();
    without.sensitivity = None;
    assert_eq!(
        serde_json::to_string(&without).unwrap(),
        serde_json::to_string(&plain).unwrap()
    );
}

#[test]
fn the_example_s_indices_are_sane() {
    let c = example();
    let (_, r) = run(&c, options(2, 1024));
    let s = r.sensitivity.unwrap();
    assert_eq!(s.design_points, 1024 * 10);
    let names: Vec<&str> = s.factors.iter().map(|f| f.factor.as_str()).collect();
    assert_eq!(
        names,
        [
            "demand_factor + power_factor",
            "capex_factor",
            "delay_months.phase-1",
            "delay_months.phase-2",
            "delay_months.phase-3",
            "delay_months.phase-4",
            "slip_months.Trainium3",
            "slip_months.Trainium4"
        ]
    );
    let npv = &s.outputs[0];
    assert_eq!(npv.output, "provider_npv");
    for ix in &npv.indices {
        let (s1, st) = (ix.indices.s1.unwrap(), ix.indices.st.unwrap());
        // Up to estimation noise: 0 ≤ S_i ≤ S_Ti ≤ 1.
        assert!(
            s1 > -0.05 && st >= -1e-12 && s1 <= st + 0.05 && st < 1.05,
            "{ix:?}"
        );
        let [lo, hi] = ix.indices.st_ci.unwrap();
        assert!(lo <= st && st <= hi, "{ix:?}");
    }
    // Demand (with power) drives most of the NPV's variance.
    assert!(npv.indices[0].indices.st.unwrap() > 0.5);
    // Every path is financeable: no variance, no indices.
    let fin = s
        .outputs
        .iter()
        .find(|o| o.output == "financeable")
        .unwrap();
    assert!(fin.indices.iter().all(|i| i.indices.s1.is_none()));
    // Demand raises the IRR at both its P10 and its P90: the tornado cannot show it.
    assert!(s.disagreements.iter().any(|d| d.factor == "demand_factor"
        && d.output == "provider_irr"
        && d.kind == "tornado_not_monotone"));
}

#[test]
fn bad_designs_are_refused_before_any_work() {
    let c = example();
    assert!(matches!(
        RunConfig::new(&c, options(1, 10)),
        Err(Error::BasePaths { n: 10, .. })
    ));
    let without_risk = &EXAMPLE[..EXAMPLE.find("[risk]").unwrap()];
    let base = parse(without_risk).unwrap();
    assert!(matches!(
        RunConfig::new(&base, options(1, 64)),
        Err(Error::NothingToDecompose)
    ));
}
