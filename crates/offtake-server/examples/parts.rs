//! Where one `POST /api/v1/underwrite` of the bundled example spends its CPU, without HTTP:
//!
//!     cargo run --release -p offtake-server --example parts -- [ROUNDS]
//!
//! Times, per round (default 2,000), the parts the handler runs one after the other: decode and
//! parse the TOML (with validation), underwrite the base case, build the JSON view, write the
//! pretty JSON; prints the median of each in microseconds. With mimalloc, the allocator of the
//! `offtake` binary that serves the route.

#![allow(
    clippy::disallowed_methods,
    reason = "the timing example reads its arguments"
)]

use std::time::Instant;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000);
    let mut parts: [Vec<f64>; 4] = Default::default();
    let mut bytes = 0;
    for _ in 0..rounds {
        let t0 = Instant::now();
        let text = offtake_model::decode(EXAMPLE.as_bytes()).expect("utf-8");
        let contract = offtake_model::parse_with(text, &[]).expect("example");
        let t1 = Instant::now();
        let scenario = offtake_engine::Scenario::base(&contract);
        let outcome = offtake_engine::underwrite(&contract, &scenario);
        let t2 = Instant::now();
        let view = offtake_report::UnderwritingJson::new(&contract, &outcome)
            .with_variants(&contract, &[]);
        let t3 = Instant::now();
        let json = view.to_vec_pretty().expect("json");
        let t4 = Instant::now();
        bytes = json.len();
        drop(json);
        for (k, (a, b)) in [(t0, t1), (t1, t2), (t2, t3), (t3, t4)]
            .into_iter()
            .enumerate()
        {
            parts[k].push((b - a).as_secs_f64() * 1e6);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let names = ["parse+validate", "underwrite", "json view", "json text"];
    let mut total = 0.0;
    for (name, v) in names.iter().zip(parts.iter_mut()) {
        let m = median(v);
        total += m;
        println!("{name:>15}: {m:8.1} µs");
    }
    println!(
        "{:>15}: {total:8.1} µs ({bytes} bytes of JSON)",
        "sum of medians"
    );
}
