//! The drivers of the verdicts (`offtake risk --drivers`) on a term sheet with a known cliff in
//! slip − delay, which the one-at-a-time tornado cannot show; the same drivers from any number
//! of threads and from merged shards.

use std::path::PathBuf;

use bytes::Bytes;
use offtake_model::{Contract, parse};
use offtake_risk::drivers::{DriverFactor, DriverStatus, Side, Threshold};
use offtake_risk::{
    Control, Error, RunConfig, RunOptions, Shard, drivers, merge, merge_with_factors, simulate,
    write_paths,
};

/// Start 2027-01, T = 60. Generation A is available before the start, B from 2027-07 (period 6)
/// plus its slip s. Tranche t (1 MW, online 2027-11 = period 10, deadline 2029-12 = period 35,
/// promised generation B) comes online at o = 10 + d, d its delay; tranche u (online 2028-06 =
/// period 17, no deadline, no generation) is never tested. d, d_u and s are uniform on the whole
/// months 0..12, independently.
///
/// Deliverable (MODEL.md §9): t is never late (10 + 12 = 22 ≤ 35), and the delivery ratio is at
/// least (60 − 10 − 12)/(60 − 10) = 0.76 ≥ the 0.5 asked; so deliverable is exactly "t is
/// fitted with B at o", i.e. 6 + s ≤ 10 + d, i.e. s − d ≤ 4. It fails exactly when
/// slip(B) − delay(t) ≥ 5: probability #{(s, d): s − d ≥ 5}/13² = (8 + 7 + … + 1)/169 =
/// 36/169 = 21.3 %, deliverable 0 % there and 100 % elsewhere.
///
/// The tornado moves one factor at a time with the others at base (s = 0 or d = 0), and shows
/// provider NPV, IRR and DSCR only: nothing in it says that deliverable hinges on s − d.
///
/// No debt: financeable holds on every path. No costs: coverage is none and the deal is never
/// contracted.
const CLIFF: &str = r#"
[deal]
id = "cliff"
start = "2027-01"
term_months = 60

[[generation]]
name = "A"
available = "2026-01"
pflops_per_mw = 1
chip_capex_per_mw = 0
life_years = 10

[[generation]]
name = "B"
available = "2027-07"
pflops_per_mw = 2
chip_capex_per_mw = 0
life_years = 10

[[tranche]]
id = "t"
mw = 1
online = "2027-11"
deadline = "2029-12"
generation = "B"

[[tranche]]
id = "u"
mw = 1
online = "2028-06"

[demand]
utilization = [["2027-01", 0.8]]

[pricing]
list_price = 1.0

[provider]
facility_capex_per_mw = 0
facility_life_years = 20
power_price = 0
pue = 1
fixed_opex_per_mw_year = 0
tax_rate = 0
discount_rate = 0

[thresholds]
delivery = 0.5

[risk]
seed = 7
paths = 20000
delay_months = { dist = "discrete", values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], weights = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }
slip_months.B = { dist = "discrete", values = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], weights = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1] }
"#;

fn run(
    c: &Contract,
    n_paths: u64,
    threads: usize,
    shard: Option<Shard>,
) -> offtake_risk::Simulation {
    let options = RunOptions {
        n_paths: Some(n_paths),
        threads: Some(threads),
        shard,
        keep_factors: true,
        ..RunOptions::default()
    };
    let config = RunConfig::new(c, options).unwrap();
    simulate(c, &config, Control::default()).unwrap()
}

#[test]
fn the_cliff_in_slip_minus_delay_is_found_at_its_exact_threshold() {
    let c = parse(CLIFF).unwrap();
    let sim = run(&c, 20_000, 2, None);
    let d = drivers(&c, &sim.table).unwrap();
    assert_eq!(d.n_paths, 20_000);
    // Candidates: the delays, the slip, and slip(B) − delay of both tranches (B's window
    // [6, 18] overlaps t's [10, 22] and u's [17, 29]); A's slip is not drawn.
    assert_eq!(
        d.candidates,
        [
            "delay_months.t",
            "delay_months.u",
            "slip_months.B",
            "slip_months.B - delay_months.t",
            "slip_months.B - delay_months.u",
        ]
    );
    let [contracted, financeable, deliverable] = &d.verdicts[..] else {
        panic!("{:?}", d.verdicts);
    };
    assert_eq!(contracted.status, DriverStatus::FailsOnEveryPath);
    assert_eq!(financeable.status, DriverStatus::HoldsOnEveryPath);
    assert!(contracted.conditions.is_empty() && financeable.conditions.is_empty());
    assert_eq!(deliverable.status, DriverStatus::Varies);
    let top = &deliverable.conditions[0];
    assert_eq!(
        top.factor,
        DriverFactor::SlipMinusDelay {
            generation: "B".into(),
            tranche: "t".into()
        }
    );
    assert_eq!(
        (top.op, top.threshold),
        (Side::AtLeast, Threshold::Months(5))
    );
    assert_eq!((top.p_inside, top.p_outside), (0.0, 1.0));
    assert!((top.explained - 1.0).abs() < 1e-12);
    // 36/169 of the paths, within 5 standard errors (√(0.213·0.787/20000) = 0.0029).
    assert!((top.share_inside - 36.0 / 169.0).abs() < 0.015, "{top:?}");
    assert_eq!(
        deliverable.probability,
        Some(1.0 - top.share_inside),
        "deliverable fails exactly inside"
    );
    // The slip alone explains less, and comes after.
    assert_eq!(deliverable.conditions.len(), 3);
    assert!(deliverable.conditions[1].score < top.score);
    // The perfect condition is listed once, not again as decisive.
    assert!(!deliverable.decisive.contains(top));
    // Nothing is left to split on either side of a perfect condition.
    assert!(deliverable.refinement.is_none());
}

#[test]
fn drivers_do_not_depend_on_threads_and_merged_shards_give_the_same() {
    let c = parse(CLIFF).unwrap();
    let n = 3000;
    let single = run(&c, n, 1, None);
    let want = drivers(&c, &single.table).unwrap();
    assert_eq!(drivers(&c, &run(&c, n, 2, None).table).unwrap(), want);
    let mut files: Vec<(PathBuf, Bytes)> = Vec::new();
    for index in [1u64, 0] {
        let sim = run(&c, n, 1, Some(Shard::new(index, 2).unwrap()));
        let mut out = Vec::new();
        write_paths(&mut out, &c, &sim).unwrap();
        files.push((PathBuf::from(format!("shard-{index}")), Bytes::from(out)));
    }
    let merged = merge_with_factors(&c, files.clone()).unwrap();
    assert_eq!(merged.table, single.table);
    assert_eq!(drivers(&c, &merged.table).unwrap(), want);
    // A merge without factors cannot give drivers, and says so.
    let plain = merge(&c, files).unwrap();
    assert!(matches!(drivers(&c, &plain.table), Err(Error::NoFactors)));
}

#[test]
fn the_example_finds_its_generation_cliff() {
    // The example: Trainium3 available 2026-12 (period 5), phase-2 online 2027-06 (period 11)
    // promising Trainium3, deadline 2028-06 (period 23 ≥ 11 + 12): phase-2 is fitted with
    // Trainium3 exactly when 5 + slip ≤ 11 + delay, so deliverable is 0 % whenever
    // slip(Trainium3) − delay(phase-2) ≥ 7.
    let c = parse(include_str!("../../../examples/amazon-anthropic-2026.toml")).unwrap();
    let sim = run(&c, 4000, 2, None);
    let d = drivers(&c, &sim.table).unwrap();
    let deliverable = &d.verdicts[2];
    let cliff = deliverable
        .conditions
        .iter()
        .chain(&deliverable.decisive)
        .find(|k| {
            k.factor
                == DriverFactor::SlipMinusDelay {
                    generation: "Trainium3".into(),
                    tranche: "phase-2".into(),
                }
        })
        .unwrap_or_else(|| panic!("{deliverable:#?}"));
    assert_eq!(
        (cliff.op, cliff.threshold, cliff.p_inside),
        (Side::AtLeast, Threshold::Months(7), 0.0),
        "{cliff:?}"
    );
}
