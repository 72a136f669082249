//! Fuzz target: the one-pass reader of plain TOML (`tree::parse_plain`) either gives up or gives
//! the `toml` parser's tree, value for value, span for span, keys in the same order; it never
//! accepts a file the parser refuses. And `parse` never panics on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(src) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Err(e) = offtake_model::__fuzz_tree_agrees(src) {
        panic!("{e}");
    }
    let _ = offtake_model::parse(src);
});
