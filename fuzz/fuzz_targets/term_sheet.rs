//! Fuzz target: arbitrary bytes through the term-sheet front door must never panic or hang.
//!
//! Runs what the CLI runs (`decode`, then `parse`), lists the alternatives and runs the first
//! one as a variant, and checks that every diagnostic points inside the file, that at most
//! `MAX_DIAGNOSTICS` come back, and that every number of a valid sheet is inside the plausible
//! ranges.
#![no_main]

use libfuzzer_sys::fuzz_target;
use offtake_model::{Error, Variant, alternative_terms, decode, parse, parse_with};

fn check_located(src: &str, result: &Result<offtake_model::Contract, Error>) {
    if let Ok(contract) = result {
        // Every number of a valid sheet lies inside the plausible ranges, the widest of which
        // ends at 1e18: nothing near overflow reaches the engine.
        for input in &contract.inputs {
            let values =
                std::iter::once(input.value).chain(input.alternatives.iter().map(|a| a.value));
            for x in values.filter_map(|v| v.number()) {
                assert!(x.is_finite() && x.abs() <= 1e18, "{} = {x}", input.path);
            }
        }
    }
    if let Err(Error::Invalid { diagnostics, .. }) = result {
        assert!(!diagnostics.is_empty(), "Invalid with no diagnostics");
        assert!(diagnostics.len() <= offtake_model::MAX_DIAGNOSTICS);
        for d in diagnostics {
            assert!(
                d.span.start <= d.span.end && d.span.end <= src.len(),
                "span {:?} outside a {}-byte file: {d:?}",
                d.span,
                src.len()
            );
            let _ = d.line_col(src);
            let _ = d.snippet(src);
            let _ = d.problem.to_string();
        }
        assert!(
            diagnostics
                .windows(2)
                .all(|w| w[0].span.start <= w[1].span.start),
            "diagnostics out of order"
        );
    }
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(src) = decode(bytes) else { return };
    let base = parse(src);
    check_located(src, &base);
    let Ok(terms) = alternative_terms(src) else {
        return;
    };
    if let Some((term, count)) = terms.first() {
        let variant = Variant {
            term: term.clone(),
            n: *count,
        };
        let chosen = parse_with(src, &[variant]);
        check_located(src, &chosen);
        if base.is_ok() {
            // A valid file stays valid under any of its alternatives except for cross-field
            // rules (max_mw, distributions, correlation) that the chosen value can break.
            if let Err(e) = &chosen {
                assert!(matches!(e, Error::Invalid { .. }), "{e}");
            }
        }
    }
});
