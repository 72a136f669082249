//! Randomized robustness on the stable toolchain (the cargo-fuzz target in `fuzz/` needs
//! nightly): mutated term sheets never panic, and every diagnostic is in file order, inside the
//! file, with a line and a snippet. Also replays the inputs the fuzzer found.

#![allow(
    clippy::disallowed_methods,
    reason = "the regression inputs are files this test reads"
)]

use offtake_model::{
    Contract, Error, Result, Variant, alternative_terms, decode, parse, parse_with,
};
use proptest::prelude::*;

const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");
const SEED_2: &str = include_str!("../../../fuzz/seeds/utilization-options.toml");

/// Words of the language, swapped in for keys and values to reach deeper checks than bit flips.
const WORDS: &[&str] = &[
    "mw",
    "online",
    "deadline",
    "exercise",
    "kind",
    "\"option\"",
    "generation",
    "value",
    "alternatives",
    "source",
    "evidence",
    "dist",
    "min",
    "mode",
    "max",
    "sd",
    "weights",
    "at",
    "when",
    "0",
    "-1",
    "1e300",
    "nan",
    "\"2026-07\"",
    "\"2099-01\"",
    "[[tranche]]",
    "[risk]",
    "[[equity]]",
    "{ value = 1 }",
    "[]",
    "\"\"",
    "utilization_12m >= 2",
    "pflops",
    "utilization",
];

/// Asserts the invariants of a parse result on `src`.
fn check(src: &str, result: &Result<Contract>) {
    if let Err(Error::Invalid { diagnostics, .. }) = result {
        assert!(!diagnostics.is_empty());
        for d in diagnostics {
            assert!(
                d.span.start <= d.span.end && d.span.end <= src.len(),
                "{d:?} outside {} bytes",
                src.len()
            );
            let (line, col) = d.line_col(src);
            assert!(line >= 1 && col >= 1);
            let _ = d.snippet(src);
            assert!(!d.problem.to_string().is_empty());
        }
        assert!(
            diagnostics
                .windows(2)
                .all(|w| w[0].span.start <= w[1].span.start),
            "diagnostics out of file order"
        );
    }
}

/// What the CLI and `compare` do with a file: parse, list alternatives, run the last of the first.
fn exercise(bytes: &[u8]) {
    let Ok(src) = decode(bytes) else { return };
    let base = parse(src);
    check(src, &base);
    if let Ok(terms) = alternative_terms(src)
        && let Some((term, n)) = terms.first()
    {
        let v = Variant {
            term: term.clone(),
            n: *n,
        };
        let chosen = parse_with(src, &[v]);
        check(src, &chosen);
        if base.is_ok() {
            assert!(
                matches!(chosen, Ok(_) | Err(Error::Invalid { .. })),
                "{chosen:?}"
            );
        }
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit(usize, u8),
    Truncate(usize),
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapWord(usize, usize),
    InsertWord(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::FlipBit(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        any::<usize>().prop_map(Mutation::DeleteLine),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(i, w)| Mutation::SwapWord(i, w)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, w)| Mutation::InsertWord(i, w)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    let at = |i: usize, len: usize| i % len.max(1);
    match *m {
        Mutation::FlipBit(i, b) => {
            let i = at(i, bytes.len());
            bytes[i] ^= 1 << b;
        }
        Mutation::Truncate(i) => bytes.truncate(at(i, bytes.len())),
        Mutation::DeleteLine(i) | Mutation::DuplicateLine(i) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let mut lines: Vec<&str> = text.split('\n').collect();
            let i = at(i, lines.len());
            if matches!(m, Mutation::DeleteLine(_)) {
                lines.remove(i);
            } else {
                lines.insert(i, lines[i]);
            }
            *bytes = lines.join("\n").into_bytes();
        }
        Mutation::SwapWord(i, w) | Mutation::InsertWord(i, w) => {
            let word = WORDS[at(w, WORDS.len())].as_bytes();
            let start = at(i, bytes.len());
            let end = if matches!(m, Mutation::SwapWord(..)) {
                // Replace up to the next space, `=` or newline: a key, a value or a table name.
                bytes[start..]
                    .iter()
                    .position(|b| matches!(b, b' ' | b'=' | b'\n' | b','))
                    .map_or(bytes.len(), |n| start + n)
            } else {
                start
            };
            bytes.splice(start..end, word.iter().copied());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn mutated_term_sheets_never_panic(
        second in any::<bool>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let mut bytes = if second { SEED_2 } else { EXAMPLE }.as_bytes().to_vec();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        exercise(&bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        exercise(&bytes);
    }
}

#[test]
fn seeds_are_valid() {
    for seed in [EXAMPLE, SEED_2] {
        parse(seed).unwrap_or_else(|e| panic!("{e:?}"));
    }
}

/// Inputs found by `cargo fuzz run term_sheet`, kept as regression tests.
#[test]
fn fuzzer_findings_replay() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        exercise(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n >= 1, "no regression inputs in {}", dir.display());
}
