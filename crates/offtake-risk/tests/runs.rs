//! Runs through the engine: the base path is the deterministic engine, results do not depend on
//! threads or shards, interruption keeps finished paths, bad configurations are refused.

#![allow(
    clippy::disallowed_methods,
    reason = "the test reads the bundled term sheets from disk"
)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use offtake_engine::{Scenario, Simulator, underwrite};
use offtake_model::{Contract, parse};
use std::path::PathBuf;

use bytes::Bytes;
use offtake_risk::{
    Control, Error, FactorSampler, PathMetric, RunConfig, RunOptions, Shard, Simulation, Verdict,
    merge, report, simulate, write_paths,
};

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

fn example() -> Contract {
    parse(EXAMPLE).unwrap()
}

fn options(n_paths: u64, threads: usize) -> RunOptions {
    RunOptions {
        n_paths: Some(n_paths),
        threads: Some(threads),
        ..RunOptions::default()
    }
}

fn config(c: &Contract, n_paths: u64, threads: usize) -> RunConfig {
    RunConfig::new(c, options(n_paths, threads)).unwrap()
}

/// A paths file in memory.
fn paths_file(c: &Contract, sim: &Simulation) -> Bytes {
    let mut out = Vec::new();
    write_paths(&mut out, c, sim).unwrap();
    Bytes::from(out)
}

fn named(name: &str, file: &Bytes) -> (PathBuf, Bytes) {
    (PathBuf::from(name), file.clone())
}

fn metrics_of(m: &offtake_engine::Metrics) -> [Option<f64>; 16] {
    [
        Some(m.provider_npv),
        m.provider_irr,
        m.payback_months.map(f64::from),
        m.min_dscr,
        m.avg_dscr,
        m.coverage,
        Some(m.buyer_npv),
        m.effective_price,
        Some(m.total_payments),
        Some(m.idle_payments),
        m.credit_adjusted_coverage,
        Some(m.expected_credit_loss),
        m.llcr,
        m.max_ltv,
        m.gearing,
        m.sponsor_irr,
    ]
}

#[test]
fn a_path_with_every_factor_at_base_is_the_deterministic_engine() {
    let base_text = EXAMPLE.split("[risk]").next().unwrap();
    let fixed = format!(
        "{base_text}[risk]\nseed = 3\npaths = 50\n\
         demand_factor = {{ dist = \"fixed\", value = 1.0 }}\n\
         power_factor = {{ dist = \"fixed\", value = 1.0 }}\n\
         capex_factor = {{ dist = \"fixed\", value = 1.0 }}\n\
         delay_months = {{ dist = \"fixed\", value = 0 }}\n\
         slip_months.Trainium3 = {{ dist = \"fixed\", value = 0 }}\n"
    );
    for text in [fixed, base_text.to_string()] {
        let c = parse(&text).unwrap();
        let sim = simulate(&c, &config(&c, 50, 2), Control::default()).unwrap();
        let want = underwrite(&c, &Scenario::base(&c));
        let want_metrics = metrics_of(&want.metrics);
        for r in 0..sim.table.len() {
            for (m, w) in PathMetric::ALL.iter().zip(want_metrics) {
                // Exactly: bit for bit.
                assert_eq!(
                    sim.table.metric(r, *m).map(f64::to_bits),
                    w.map(f64::to_bits),
                    "path {r} {m:?}"
                );
            }
        }
    }
}

#[test]
fn every_row_is_the_engine_on_that_paths_draw() {
    // The workers' simulators are warm (the spend-effect cache fills as paths come); every row
    // must still be what a fresh simulator at the Full extent gives on that path's draw, bit for
    // bit, flags included. Three chunks: both workers run.
    let c = example();
    let n = 2 * offtake_risk::CHUNK_PATHS as u64 + 100;
    let sim = simulate(&c, &config(&c, n, 2), Control::default()).unwrap();
    let sampler = FactorSampler::new(&c).unwrap();
    let mut s = sampler.scenario(&c);
    let (mut delayed, mut slipped, mut declined) = (0, 0, 0);
    for r in 0..n as usize {
        sampler.draw(sim.table.path_idx(r), &mut s);
        delayed += usize::from(s.delay_months.iter().any(|d| *d > 0));
        slipped += usize::from(s.slip_months.iter().any(|d| *d > 0));
        let want = Simulator::new(&c).run(&s).clone();
        for (m, w) in PathMetric::ALL.iter().zip(metrics_of(&want.metrics)) {
            assert_eq!(
                sim.table.metric(r, *m).map(f64::to_bits),
                w.map(f64::to_bits),
                "path {r} {m:?}"
            );
        }
        let v = &want.verdicts;
        assert_eq!(
            sim.table.verdict(r, Verdict::Contracted),
            v.contracted,
            "{r}"
        );
        assert_eq!(
            sim.table.verdict(r, Verdict::Financeable),
            v.financeable,
            "{r}"
        );
        assert_eq!(
            sim.table.verdict(r, Verdict::Deliverable),
            v.deliverable,
            "{r}"
        );
        for (j, k) in sim.table.layout().option_tranches.iter().enumerate() {
            assert_eq!(
                sim.table.option_exercised(r, j),
                want.options_exercised[*k],
                "{r}"
            );
            declined += usize::from(!want.options_exercised[*k]);
        }
        for (e, paid) in want.equity_paid_period.iter().enumerate() {
            assert_eq!(sim.table.equity_paid(r, e), paid.is_some(), "{r}");
        }
    }
    // The draws move what the cache is keyed by, and options are declined on some paths.
    assert!(delayed > n as usize / 2 && slipped > n as usize / 2 && declined > 0);
    // The row is also `underwrite`'s outcome on that draw (the public entry point).
    for r in [0usize, 7, 399] {
        sampler.draw(sim.table.path_idx(r), &mut s);
        let want = underwrite(&c, &s);
        for (m, w) in PathMetric::ALL.iter().zip(metrics_of(&want.metrics)) {
            assert_eq!(sim.table.metric(r, *m), w, "path {r} {m:?}");
        }
    }
}

#[test]
fn same_seed_same_report_for_any_thread_count() {
    let c = example();
    let one = simulate(&c, &config(&c, 3000, 1), Control::default()).unwrap();
    let two = simulate(&c, &config(&c, 3000, 2), Control::default()).unwrap();
    let three = simulate(&c, &config(&c, 3000, 3), Control::default()).unwrap();
    assert_eq!(one.table, two.table);
    assert_eq!(one.table, three.table);
    let r1 = serde_json::to_string(&report(&c, &one).unwrap()).unwrap();
    let r2 = serde_json::to_string(&report(&c, &two).unwrap()).unwrap();
    assert_eq!(r1, r2);
    // And a different seed changes it.
    let other = simulate(
        &c,
        &RunConfig::new(
            &c,
            RunOptions {
                seed: Some(43),
                ..options(3000, 2)
            },
        )
        .unwrap(),
        Control::default(),
    )
    .unwrap();
    assert_ne!(one.table, other.table);
}

#[test]
fn shards_merged_equal_the_single_run() {
    let c = example();
    let n = 2500;
    let single = simulate(&c, &config(&c, n, 2), Control::default()).unwrap();
    let want = serde_json::to_string(&report(&c, &single).unwrap()).unwrap();
    let mut files = Vec::new();
    // Shards written in a scrambled order, merged in another.
    for index in [2u64, 0, 1] {
        let cfg = RunConfig::new(
            &c,
            RunOptions {
                shard: Some(Shard::new(index, 3).unwrap()),
                keep_factors: true,
                ..options(n, 1)
            },
        )
        .unwrap();
        let sim = simulate(&c, &cfg, Control::default()).unwrap();
        assert_eq!(sim.table.len() as u64, cfg.shard_paths());
        files.push(named(&format!("shard-{index}"), &paths_file(&c, &sim)));
    }
    let merged = merge(&c, files.clone()).unwrap();
    let got = serde_json::to_string(&report(&c, &merged).unwrap()).unwrap();
    assert_eq!(got, want);

    // A shard missing, given twice, or of another run is refused.
    assert!(matches!(
        merge(&c, files[..2].to_vec()),
        Err(Error::MissingShards { .. })
    ));
    let dup = vec![files[0].clone(), files[0].clone(), files[1].clone()];
    assert!(matches!(merge(&c, dup), Err(Error::DuplicateShard { .. })));
    let other_seed = RunOptions {
        seed: Some(1),
        shard: Some(Shard::new(0, 3).unwrap()),
        ..options(n, 1)
    };
    let sim = simulate(
        &c,
        &RunConfig::new(&c, other_seed).unwrap(),
        Control::default(),
    )
    .unwrap();
    let odd = named("odd", &paths_file(&c, &sim));
    let mixed = vec![files[0].clone(), files[1].clone(), odd];
    assert!(matches!(
        merge(&c, mixed),
        Err(Error::ShardMismatch {
            what: "the seed",
            ..
        })
    ));
    let other_contract =
        parse(&EXAMPLE.replace("discount_rate = 0.09", "discount_rate = 0.10")).unwrap();
    assert!(matches!(
        merge(&other_contract, files),
        Err(Error::ContractMismatch { .. })
    ));
}

/// Two shards of one 3,000-path run of the example, named `shard-0.parquet`, `shard-1.parquet`.
fn two_shards(c: &Contract) -> Vec<(PathBuf, Bytes)> {
    (0..2)
        .map(|index| {
            let cfg = RunConfig::new(
                c,
                RunOptions {
                    shard: Some(Shard::new(index, 2).unwrap()),
                    keep_factors: true,
                    ..options(3000, 1)
                },
            )
            .unwrap();
            let sim = simulate(c, &cfg, Control::default()).unwrap();
            named(&format!("shard-{index}.parquet"), &paths_file(c, &sim))
        })
        .collect()
}

#[test]
fn a_shard_with_one_byte_changed_is_refused_and_named() {
    let c = example();
    let shards = two_shards(&c);
    assert!(merge(&c, shards.clone()).is_ok());
    let file = shards[1].1.to_vec();
    let len = file.len();
    // One byte inverted at 40 places through the middle half of the file (the row data): each
    // must be refused, naming the shard. Before checksums, most merged silently with wrong rows.
    let step = (len / 80).max(1);
    for pos in (len / 4..3 * len / 4).step_by(step) {
        let mut bytes = file.clone();
        bytes[pos] = !bytes[pos];
        let altered = vec![
            shards[0].clone(),
            named("shard-1.parquet", &Bytes::from(bytes)),
        ];
        match merge(&c, altered) {
            Ok(_) => panic!("byte {pos} of {len} inverted, and the shard was merged"),
            Err(e) => assert!(e.to_string().starts_with("shard-1.parquet: "), "{e}"),
        }
    }
    // The header (in the footer) is covered too: the seed 42 edited to 43.
    let needle = b"\"seed\":42";
    let at = file
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the header is stored as JSON")
        + needle.len()
        - 1;
    let mut bytes = file.clone();
    bytes[at] = b'3';
    let e = merge(
        &c,
        vec![
            shards[0].clone(),
            named("shard-1.parquet", &Bytes::from(bytes)),
        ],
    )
    .unwrap_err();
    assert!(matches!(e, Error::Altered { .. }), "{e}");
    assert!(e.to_string().contains("header"), "{e}");
}

#[test]
fn a_file_that_is_not_parquet_or_cut_short_says_so() {
    let c = example();
    let shards = two_shards(&c);
    let text = named(
        "deals.csv",
        &Bytes::from_static(b"deal_id,announced_date\nA,2025\n"),
    );
    let e = merge(&c, vec![shards[0].clone(), text]).unwrap_err();
    assert!(matches!(e, Error::NotParquet { .. }), "{e}");
    assert!(
        e.to_string().starts_with("deals.csv: not a Parquet file"),
        "{e}"
    );
    let empty = named("empty.parquet", &Bytes::new());
    assert!(matches!(
        merge(&c, vec![empty, shards[1].clone()]).unwrap_err(),
        Error::NotParquet { .. }
    ));
    let half = shards[1].1.slice(..shards[1].1.len() / 2);
    let e = merge(&c, vec![shards[0].clone(), named("shard-1.parquet", &half)]).unwrap_err();
    assert!(e.to_string().contains("cut short"), "{e}");
}

#[test]
fn the_paths_file_round_trips_every_column() {
    let c = example();
    let cfg = RunConfig::new(
        &c,
        RunOptions {
            keep_factors: true,
            ..options(300, 2)
        },
    )
    .unwrap();
    let sim = simulate(&c, &cfg, Control::default()).unwrap();
    let file = paths_file(&c, &sim);
    let (header, table) = offtake_risk::read_paths("paths.parquet".as_ref(), file).unwrap();
    assert_eq!(table, sim.table);
    assert_eq!((header.seed, header.n_paths, header.rows), (42, 300, 300));
    // Delays are whole months ≥ 0 and some path has no IRR or some has: nulls survive.
    assert!((0..table.len()).all(|r| table.delay_months(r, 0).unwrap() >= 0));
}

#[test]
fn cancelling_keeps_the_finished_paths_and_says_partial() {
    let c = example();
    let cancel = AtomicBool::new(false);
    let seen = AtomicU64::new(0);
    let progress = |n: u64| {
        // Stop after the first chunk finishes.
        seen.fetch_add(n, Ordering::Relaxed);
        cancel.store(true, Ordering::Relaxed);
    };
    let control = Control {
        cancel: Some(&cancel),
        progress: Some(&progress),
    };
    let sim = simulate(&c, &config(&c, 20 * 1024, 1), control).unwrap();
    assert!(sim.partial);
    assert_eq!(sim.table.len() as u64, seen.load(Ordering::Relaxed));
    assert!(sim.table.len() < 20 * 1024 && !sim.table.is_empty());
    // The finished rows are the same paths a full run computes.
    let full = simulate(&c, &config(&c, 1024, 1), Control::default()).unwrap();
    assert_eq!(
        sim.table.path_indices()[..1024],
        full.table.path_indices()[..]
    );
    let r = report(&c, &sim).unwrap();
    assert!(r.partial && r.notes.iter().any(|n| n.contains("interrupted")));
    assert_eq!(r.n_paths_run, sim.table.len() as u64);
}

#[test]
fn bad_configurations_are_refused_before_any_work() {
    let c = example();
    let bad = |o: RunOptions| RunConfig::new(&c, o).unwrap_err();
    assert!(matches!(bad(options(0, 1)), Error::PathCount { .. }));
    assert!(matches!(
        bad(options(offtake_model::RiskSpec::MAX_PATHS + 1, 1)),
        Error::PathCount { .. }
    ));
    assert!(matches!(bad(options(10, 0)), Error::NoThreads));
    assert!(matches!(
        bad(RunOptions {
            shard: Some(Shard { index: 3, count: 2 }),
            ..options(10, 1)
        }),
        Error::BadShard { .. }
    ));
    assert!(matches!(
        bad(RunOptions {
            shard: Some(Shard { index: 5, count: 8 }),
            ..options(3, 1)
        }),
        Error::EmptyShard { .. }
    ));
    // Without overrides, `[risk]`'s seed and paths.
    let default = RunConfig::new(&c, RunOptions::default()).unwrap();
    assert_eq!((default.seed(), default.n_paths()), (42, 10_000));
}

#[test]
fn without_a_risk_table_every_path_is_the_base_case_and_the_report_says_so() {
    let c = parse(EXAMPLE.split("[risk]").next().unwrap()).unwrap();
    let sim = simulate(&c, &config(&c, 20, 1), Control::default()).unwrap();
    let r = report(&c, &sim).unwrap();
    assert!(r.base_only && r.notes[0].contains("no [risk]"));
    let npv = r.metrics.get(PathMetric::ProviderNpv).unwrap();
    assert_eq!(npv.sd, Some(0.0));
    assert_eq!(npv.p5, npv.p95);
    assert!(r.tornado.rows.is_empty());
}

#[test]
fn the_tornado_moves_one_factor_at_a_time_and_ranks_by_npv_swing() {
    let c = example();
    let sim = simulate(&c, &config(&c, 10, 1), Control::default()).unwrap();
    let r = report(&c, &sim).unwrap();
    let names: Vec<&str> = r.tornado.rows.iter().map(|t| t.factor.as_str()).collect();
    for f in [
        "demand_factor",
        "power_factor",
        "capex_factor",
        "delay_months",
        "slip_months.Trainium3",
        "slip_months.Trainium4",
    ] {
        assert!(names.contains(&f), "{f} missing from {names:?}");
    }
    assert!(
        r.tornado
            .rows
            .windows(2)
            .all(|w| w[0].npv_swing >= w[1].npv_swing)
    );
    // Base equals the engine's base case.
    let base = underwrite(&c, &Scenario::base(&c));
    assert_eq!(r.tornado.base.provider_npv, base.metrics.provider_npv);
    // capex at its P90 (PERT(0.9, 1, 1.4)) costs the provider more than at P10.
    let capex = r
        .tornado
        .rows
        .iter()
        .find(|t| t.factor == "capex_factor")
        .unwrap();
    assert!(capex.at_high.provider_npv < capex.at_low.provider_npv);
    // delay_months: triangular(0, 2, 12) → P10 = round(0.1·… ) months, same for every tranche.
    let delay = r
        .tornado
        .rows
        .iter()
        .find(|t| t.factor == "delay_months")
        .unwrap();
    let p90 = 12.0 - ((1.0f64 - 0.9) * 12.0 * 10.0).sqrt();
    assert_eq!(
        serde_json::to_value(&delay.high).unwrap(),
        serde_json::json!(p90.round() as i64)
    );
}

#[test]
fn warm_simulators_match_fresh_ones_on_every_engine_case() {
    // The golden and reference corner cases (options, refits, debt, settlement, equity
    // triggers, ramps…), each given a `[risk]` table that moves every tranche and generation
    // and scales demand, power and capex: each row of a run (one chunk: one warm simulator
    // runs every path) equals a fresh Full simulator on that row's draw.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<_> = ["crates/offtake-engine/tests/cases", "tools/reference/cases"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(root.join(dir)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "{}", files.len());
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let base = parse(&text).unwrap();
        if base.risk.is_some() {
            continue;
        }
        let mut risk = String::from(
            "\n[risk]\nseed = 3\npaths = 150\n\
             demand_factor = { dist = \"lognormal\", median = 1.0, sigma = 0.3 }\n\
             power_factor = { dist = \"uniform\", min = 0.7, max = 1.4 }\n\
             capex_factor = { dist = \"pert\", min = 0.8, mode = 1.0, max = 1.5 }\n\
             delay_months = { dist = \"triangular\", min = 0, mode = 3, max = 15 }\n\
             correlation = [[\"demand_factor\", \"capex_factor\", -0.4]]\n",
        );
        for g in &base.generations {
            risk += &format!(
                "slip_months.\"{}\" = {{ dist = \"discrete\", values = [0, 4, 13], weights = [2, 1, 1] }}\n",
                g.name
            );
        }
        let c = parse(&(text + &risk)).unwrap_or_else(|e| panic!("{}: {e:?}", file.display()));
        let n = 150;
        let sim = simulate(&c, &config(&c, n, 2), Control::default()).unwrap();
        let sampler = FactorSampler::new(&c).unwrap();
        let mut s = sampler.scenario(&c);
        for r in 0..n as usize {
            sampler.draw(sim.table.path_idx(r), &mut s);
            let want = Simulator::new(&c).run(&s).clone();
            for (m, w) in PathMetric::ALL.iter().zip(metrics_of(&want.metrics)) {
                assert_eq!(
                    sim.table.metric(r, *m).map(f64::to_bits),
                    w.map(f64::to_bits),
                    "{}: path {r} {m:?}",
                    file.display()
                );
            }
            let v = &want.verdicts;
            assert_eq!(sim.table.verdict(r, Verdict::Contracted), v.contracted);
            assert_eq!(sim.table.verdict(r, Verdict::Financeable), v.financeable);
            assert_eq!(sim.table.verdict(r, Verdict::Deliverable), v.deliverable);
            for (j, k) in sim.table.layout().option_tranches.iter().enumerate() {
                assert_eq!(sim.table.option_exercised(r, j), want.options_exercised[*k]);
            }
            for (e, paid) in want.equity_paid_period.iter().enumerate() {
                assert_eq!(sim.table.equity_paid(r, e), paid.is_some());
            }
        }
        checked += 1;
    }
    assert!(checked >= 20, "{checked}");
}
