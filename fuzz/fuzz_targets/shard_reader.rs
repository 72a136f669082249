//! Fuzz target: arbitrary bytes as a risk paths file (a shard given to `risk merge`) must never
//! panic, hang or abort on allocation: reading either refuses the file with an error that names
//! it, or returns as many rows as its header says; merging it as the only shard answers too. Seeds: shards written by `offtake risk --paths-out`.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use offtake_model::Contract;

fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        offtake_model::parse(include_str!("../../examples/amazon-anthropic-2026.toml"))
            .expect("the bundled example is valid")
    })
}

fuzz_target!(|data: &[u8]| {
    let file = Bytes::copy_from_slice(data);
    let name = Path::new("fuzzed.parquet");
    match offtake_risk::read_paths(name, file.clone()) {
        Ok((header, table)) => assert_eq!(header.rows, table.len() as u64),
        Err(e) => {
            let text = e.to_string();
            assert!(
                text.starts_with("fuzzed.parquet") || text.starts_with("not enough memory"),
                "{text}"
            );
        }
    }
    // Merging it as the only shard: any answer but a panic or an abort.
    let _ = offtake_risk::merge(contract(), vec![(PathBuf::from("fuzzed.parquet"), file)]);
});
