//! What was agreed: a TOML term sheet → a validated [`Contract`], with the provenance of every input.
//!
//! The language is MODEL.md §1–12 (restated for users in `docs/term-sheet.md`). [`parse`] collects
//! every problem of a file at once, each located by byte span and field, so the CLI can point at
//! the line. The crate does no IO.

#![warn(clippy::unwrap_used)]

mod calendar;
mod combinations;
mod condition;
mod contract;
mod distribution;
mod error;
mod provenance;
mod ranges;
mod reader;
pub mod rules;
mod syntax;
mod template;
mod tree;
mod validate;

pub use combinations::{
    MAX_COMBINATIONS, NoAlternatives, chosen_terms, combination_count, combinations,
};
pub use condition::{ConditionError, parse_condition};
pub use contract::*;
pub use distribution::Distribution;
pub use error::{Diagnostic, Error, MAX_DIAGNOSTICS, Problem, Result, line_col};
pub use provenance::{Alternative, Evidence, Input, InputValue, Source};

pub use ranges::{PLAUSIBLE, Plausible, plausible};
pub use reader::Limits;
pub use template::{is_safe_id, template};
#[doc(hidden)]
pub use tree::fuzz_tree_agrees as __fuzz_tree_agrees;
pub use validate::{check_distribution, correlation_matrix};

use crate::tree::DeTable;
use syntax::parse_toml;

/// The largest term sheet accepted: term sheets are a few KB; this bounds the work on garbage.
pub const MAX_BYTES: usize = 4 * 1024 * 1024;

/// A chosen alternative of a sourced term (MODEL.md §11): `commitment.min_total_spend=1` runs
/// its first alternative; 0 is the base value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub term: String,
    pub n: usize,
}

impl std::str::FromStr for Variant {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self> {
        let bad = || Error::BadVariantSyntax {
            text: text.to_string(),
        };
        let (term, n) = text.split_once('=').ok_or_else(bad)?;
        let n = n.trim().parse().map_err(|_| bad())?;
        let term = term.trim();
        if term.is_empty() {
            return Err(bad());
        }
        Ok(Variant {
            term: term.to_string(),
            n,
        })
    }
}

/// Checks size and encoding before any parsing: non-UTF-8, empty and oversized files are refused.
pub fn decode(bytes: &[u8]) -> Result<&str> {
    if bytes.len() > MAX_BYTES {
        return Err(Error::TooLarge {
            bytes: bytes.len(),
            limit: MAX_BYTES,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        // The bytes before the first invalid one are valid UTF-8 by construction.
        let before = std::str::from_utf8(&bytes[..offset]).unwrap_or_default();
        let (line, column) = line_col(before, offset);
        Error::NotUtf8 {
            offset,
            line,
            column,
        }
    })?;
    if text.trim().is_empty() {
        return Err(Error::Empty);
    }
    Ok(text)
}

/// Parses and validates a term sheet (base case).
pub fn parse(src: &str) -> Result<Contract> {
    parse_with(src, &[])
}

/// Parses and validates a term sheet with the given alternatives selected.
///
/// The file's own problems come first (`Error::Invalid`, every one located, in file order).
/// Then each variant must name a term that has alternatives (`UnknownVariant`, for n = 0 too)
/// and an n no greater than their count (`VariantOutOfRange`); one term named twice must have
/// the same n (`ConflictingVariants`). Rules joining several terms are checked on the selected
/// values, so a variant can make a valid file invalid.
pub fn parse_with(src: &str, variants: &[Variant]) -> Result<Contract> {
    check_size(src)?;
    let selected = select(variants)?;
    let sheet = TermSheet::read(src)?;
    validate::validate(src, &sheet.root, &selected)
}

/// A term sheet's TOML, read once and validated as often as needed: `compare` runs every
/// alternative of a file without parsing its text again for each.
pub struct TermSheet<'s> {
    src: &'s str,
    root: DeTable<'s>,
}

impl<'s> TermSheet<'s> {
    /// Reads the TOML of a term sheet; its syntax errors are `Error::Invalid`, located.
    pub fn read(src: &'s str) -> Result<Self> {
        check_size(src)?;
        Ok(TermSheet {
            src,
            root: parse_toml(src)?,
        })
    }

    /// The validated contract with the given alternatives selected: what [`parse_with`] returns
    /// for the same text and variants.
    pub fn contract(&self, variants: &[Variant]) -> Result<Contract> {
        let selected = select(variants)?;
        validate::validate(self.src, &self.root, &selected)
    }

    /// The validated contract with the given alternatives selected and numeric terms replaced
    /// (`offtake solve`). An override stands in for the term's value as if written in the file
    /// (for a sourced term, in place of its base value and of any selected alternative), so it
    /// passes the same checks: a `take_or_pay.floor` of 1.2 is `Error::Invalid` with the
    /// file's message, located at the term's value. Once the result is valid, every override
    /// must name a numeric term ([`TermSheet::numeric_terms`]): else `UnknownTerm` (with the
    /// closest term) or `NotNumeric` (a key of the sheet that is a date, a string, a boolean, a
    /// count or a table, named with its kind); one term given twice with different values is
    /// `ConflictingOverrides`.
    pub fn contract_with(&self, variants: &[Variant], overrides: &[Override]) -> Result<Contract> {
        let selected = select(variants)?;
        let mut map = std::collections::BTreeMap::new();
        for o in overrides {
            if let Some(&first) = map.get(&o.term)
                && first != o.value
            {
                return Err(Error::ConflictingOverrides {
                    term: o.term.clone(),
                    first,
                    second: o.value,
                });
            }
            map.insert(o.term.clone(), o.value);
        }
        let (contract, _) = validate::validate_with(self.src, &self.root, &selected, &map, false);
        let contract = contract?;
        for term in map.keys() {
            check_term(&contract.inputs, term).map_err(|e| match e {
                Error::UnknownTerm { term, .. } if let Some(kind) = kind_of(&self.root, &term) => {
                    Error::NotNumeric { term, kind }
                }
                e => e,
            })?;
        }
        Ok(contract)
    }

    /// Every numeric term of the sheet (with `variants` selected), in reading order, with its
    /// value and the [`Limits`] its own rule and plausible range put on it (none for numbers
    /// without a range of their own, such as curve points). The sheet must be valid.
    pub fn numeric_terms(&self, variants: &[Variant]) -> Result<Vec<NumericTerm>> {
        let selected = select(variants)?;
        let none = std::collections::BTreeMap::new();
        let (contract, limits) =
            validate::validate_with(self.src, &self.root, &selected, &none, true);
        Ok(numeric_inputs(&contract?.inputs)
            .map(|(path, value)| NumericTerm {
                limits: limits.iter().find(|(p, _)| p == path).map(|(_, l)| *l),
                path: path.to_string(),
                value,
            })
            .collect())
    }
}

/// A numeric term replaced by a value ([`TermSheet::contract_with`]): `take_or_pay.floor`,
/// `guarantee.parent.share`, `tranche.phase-1.mw`, … (the paths of [`Contract::inputs`], as
/// `--variant` names them).
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub term: String,
    pub value: f64,
}

/// A numeric term of a sheet ([`TermSheet::numeric_terms`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NumericTerm {
    pub path: String,
    /// The value in force.
    pub value: f64,
    /// What the term's own rule and plausible range admit; cross-term rules are not in it.
    pub limits: Option<Limits>,
}

/// The numeric inputs (path, value in force), each path once.
fn numeric_inputs(inputs: &[Input]) -> impl Iterator<Item = (&str, f64)> {
    inputs
        .iter()
        .filter_map(|i| i.value.number().map(|x| (i.path.as_str(), x)))
}

/// `term` is a numeric input: else `NotNumeric` (a date input) or `UnknownTerm`.
fn check_term(inputs: &[Input], term: &str) -> Result<()> {
    match inputs.iter().find(|i| i.path == term) {
        Some(i) if i.value.number().is_some() => Ok(()),
        Some(_) => Err(Error::NotNumeric {
            term: term.to_string(),
            kind: "a date",
        }),
        None => {
            let paths: Vec<&str> = numeric_inputs(inputs).map(|(p, _)| p).collect();
            Err(Error::UnknownTerm {
                term: term.to_string(),
                suggestion: suggest_term(term, &paths),
            })
        }
    }
}

/// What the key `path` of the sheet is, when it is there but not a number an override can
/// replace: "a date", "a string", … (None: no such key, or a number). The path is read as the
/// inputs name terms: tables by key, an array of tables by an entry's `id` or `name`, a list's
/// item by `[i]` (`tranche.phase-1.online`, `generation.Trainium3.available`, `deal.start`); a
/// provenance table (`{ value = …, source = … }`) by its value.
fn kind_of(root: &DeTable<'_>, path: &str) -> Option<&'static str> {
    use crate::tree::DeValue;
    fn key<'a, 's>(table: &'a DeTable<'s>, k: &str) -> Option<&'a DeValue<'s>> {
        table
            .iter()
            .find(|(name, _)| name.get_ref().as_ref() == k)
            .map(|(_, v)| v.get_ref())
    }
    fn child<'a, 's>(v: &'a DeValue<'s>, k: &str) -> Option<&'a DeValue<'s>> {
        match v {
            DeValue::Table(t) => key(t, k),
            DeValue::Array(items) => items.iter().find_map(|item| match item.get_ref() {
                DeValue::Table(t)
                    if ["id", "name"]
                        .iter()
                        .any(|n| key(t, n).and_then(DeValue::as_str) == Some(k)) =>
                {
                    Some(item.get_ref())
                }
                _ => None,
            }),
            _ => None,
        }
    }
    let mut here: Option<&DeValue<'_>> = None;
    for segment in path.split('.') {
        let (name, index) = match segment.strip_suffix(']').and_then(|s| s.split_once('[')) {
            Some((name, i)) => (name, Some(i.parse::<usize>().ok()?)),
            None => (segment, None),
        };
        let mut v = match here {
            None => key(root, name)?,
            Some(v) => child(v, name)?,
        };
        if let Some(i) = index {
            let DeValue::Array(items) = v else {
                return None;
            };
            v = items.get(i)?.get_ref();
        }
        here = Some(v);
    }
    let mut v = here?;
    if let DeValue::Table(t) = v
        && let Some(value) = key(t, "value")
    {
        v = value;
    }
    match v {
        DeValue::String(s) if reader::parse_month(s).is_some() => Some("a date"),
        DeValue::Datetime(_) => Some("a date"),
        DeValue::String(_) => Some("a string"),
        DeValue::Boolean(_) => Some("a boolean"),
        DeValue::Integer(_) => Some("a whole number the language reads as a count"),
        DeValue::Table(_) => Some("a table"),
        DeValue::Array(_) => Some("a list"),
        DeValue::Float(_) => None,
    }
}

/// The numeric term closest to `term` (Jaro–Winkler ≥ 0.8), for "did you mean".
pub fn suggest_term(term: &str, paths: &[&str]) -> Option<String> {
    reader::suggest(term, paths)
}

/// Every named term must exist, n = 0 (the base) included; one term may be named twice only
/// with the same n.
fn select(variants: &[Variant]) -> Result<std::collections::BTreeMap<String, usize>> {
    let mut selected = std::collections::BTreeMap::new();
    for v in variants {
        if let Some(&n) = selected.get(&v.term)
            && n != v.n
        {
            return Err(Error::ConflictingVariants {
                term: v.term.clone(),
                first: n,
                second: v.n,
            });
        }
        selected.insert(v.term.clone(), v.n);
    }
    Ok(selected)
}

fn check_size(src: &str) -> Result<()> {
    if src.len() > MAX_BYTES {
        return Err(Error::TooLarge {
            bytes: src.len(),
            limit: MAX_BYTES,
        });
    }
    Ok(())
}

/// Every term that carries alternatives, with how many: what `compare` runs. For a valid file
/// this is [`Contract::alternative_terms`]; this one also reads files with other problems.
pub fn alternative_terms(src: &str) -> Result<Vec<(String, usize)>> {
    check_size(src)?;
    let root = parse_toml(src)?;
    Ok(validate::alternative_terms(src, &root))
}
