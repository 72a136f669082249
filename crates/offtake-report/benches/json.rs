//! Benchmarks of the underwriting document's pretty JSON text on the bundled example
//! (`UnderwritingJson::to_vec_pretty`, about 130 kB), beside serde_json's own pretty writer of
//! the same view for scale. divan's allocation profiler reports the buffer's growth.

use divan::{AllocProfiler, Bencher, black_box};
use offtake_engine::{Outcome, Scenario, underwrite};
use offtake_model::Contract;
use offtake_report::UnderwritingJson;

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

fn main() {
    divan::main();
}

fn example() -> (Contract, Outcome) {
    let contract =
        offtake_model::parse(EXAMPLE).unwrap_or_else(|e| panic!("bundled example: {e:?}"));
    let outcome = underwrite(&contract, &Scenario::base(&contract));
    (contract, outcome)
}

/// The document's text, as `POST /api/v1/underwrite` writes it.
#[divan::bench]
fn document_text(bencher: Bencher) {
    let (contract, outcome) = example();
    let view = UnderwritingJson::new(&contract, &outcome);
    bencher.bench_local(|| black_box(&view).to_vec_pretty().map(|v| v.len()));
}

/// The same text through `serde_json::to_vec_pretty` (no final newline), for scale.
#[divan::bench]
fn document_text_serde_json(bencher: Bencher) {
    let (contract, outcome) = example();
    let view = UnderwritingJson::new(&contract, &outcome);
    bencher.bench_local(|| serde_json::to_vec_pretty(black_box(&view)).map(|v| v.len()));
}
