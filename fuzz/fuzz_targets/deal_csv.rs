//! Fuzz target: arbitrary bytes as a public deal-list CSV must never panic or hang; accepted rows
//! hold only finite numbers inside the documented ranges, grouping is a partition, and the
//! summary and conflicts of the rows run.
#![no_main]

use libfuzzer_sys::fuzz_target;
use offtake_data::{conflicts, group_deals, parse_deals_csv, summarize};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(rows) = parse_deals_csv(text) else {
        return;
    };
    for r in &rows {
        for x in [r.committed_value_usd, r.equity_amount_usd, r.milestone_tied_amount_usd]
            .into_iter()
            .flatten()
        {
            assert!(x.is_finite() && (0.0..=1e13).contains(&x), "{}: {x}", r.deal_id);
        }
        for x in [r.term_years, r.capacity_gw].into_iter().flatten() {
            assert!(x.is_finite() && x > 0.0 && x <= 1000.0, "{}: {x}", r.deal_id);
        }
    }
    let groups = group_deals(&rows);
    let grouped: usize = groups.groups.iter().map(|g| g.deal_ids.len()).sum();
    assert_eq!(grouped, rows.len());
    for r in &rows {
        assert!(groups.group_of(&r.deal_id).is_some(), "{} has no group", r.deal_id);
    }
    let _ = summarize(&rows, &groups, &[]);
    let _ = conflicts(&rows, &groups);
});
