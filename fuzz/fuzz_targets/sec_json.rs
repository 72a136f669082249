//! Fuzz target: arbitrary bytes as an SEC companyfacts/companyconcept document must never panic
//! or hang; accepted facts have their start on or before their end, and annual capex runs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use offtake_data::{annual_capex, parse_document};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok((_, facts)) = parse_document(text) else {
        return;
    };
    for f in &facts.facts {
        if let Some(start) = f.start {
            assert!(start <= f.end, "{} {}: start after end", f.tag, f.accn);
        }
    }
    if let Ok(capex) = annual_capex(&facts) {
        for c in capex {
            assert!(c.value_usd >= 0.0, "negative capex {c:?}");
        }
    }
});
