//! Benchmarks of reading a term sheet: what `POST /api/v1/underwrite` pays before underwriting.
//!
//! Run with `cargo bench -p offtake-model`. `parse/example` is `decode` then `parse_with` (TOML
//! and validation) of the bundled example; `toml/example` is the TOML layer alone
//! ([`offtake_model::TermSheet::read`]) and `validate/example` the validation of a sheet read
//! once.

use divan::{AllocProfiler, Bencher, black_box};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

fn main() {
    divan::main();
}

#[divan::bench]
fn parse_example(bencher: Bencher) {
    bencher.bench(|| {
        let text = offtake_model::decode(black_box(EXAMPLE.as_bytes())).expect("utf-8");
        offtake_model::parse_with(text, &[]).expect("example")
    });
}

#[divan::bench]
fn toml_example(bencher: Bencher) {
    bencher.bench(|| offtake_model::TermSheet::read(black_box(EXAMPLE)).map(|_| ()));
}

#[divan::bench]
fn validate_example(bencher: Bencher) {
    let sheet = offtake_model::TermSheet::read(EXAMPLE).expect("example");
    bencher.bench(|| black_box(&sheet).contract(&[]).expect("example"));
}
