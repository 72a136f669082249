//! Helpers shared by the validation tests (`validation.rs`, `credit_lender.rs`): each case is
//! the bundled example with a single edit, and asserts which diagnostics it gets and where.

#![allow(dead_code, reason = "each test file uses a subset")]

use offtake_model::{Diagnostic, Error, parse};

pub const EXAMPLE: &str = include_str!("../../../../examples/amazon-anthropic-2026.toml");

/// The example with `from` (which must occur exactly once) replaced by `to`.
#[track_caller]
pub fn edit(from: &str, to: &str) -> String {
    assert_eq!(EXAMPLE.matches(from).count(), 1, "`{from}` must occur once");
    EXAMPLE.replacen(from, to, 1)
}

/// Every diagnostic of an invalid term sheet.
#[track_caller]
pub fn diagnostics(src: &str) -> Vec<Diagnostic> {
    match parse(src) {
        Err(Error::Invalid { diagnostics, .. }) => diagnostics,
        Err(other) => panic!("expected located diagnostics, got {other}"),
        Ok(_) => panic!("expected the term sheet to be rejected"),
    }
}

/// 1-based line of the only line containing `needle`.
#[track_caller]
pub fn line_with(src: &str, needle: &str) -> usize {
    let lines: Vec<usize> = src
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "`{needle}` must be on exactly one line");
    lines[0]
}

/// The single diagnostic of `src`, asserted to be on the line containing `line_text` and to name
/// `field`.
#[track_caller]
pub fn one(src: &str, line_text: &str, field: &str) -> Diagnostic {
    let ds = diagnostics(src);
    assert_eq!(ds.len(), 1, "expected one diagnostic, got {ds:#?}");
    let d = ds.into_iter().next().unwrap();
    assert_eq!(
        d.line_col(src).0,
        line_with(src, line_text),
        "wrong line for {d:?}"
    );
    assert_eq!(d.field, field, "{d:?}");
    d
}

pub fn help(d: &Diagnostic) -> &str {
    d.help.as_deref().unwrap_or_default()
}
