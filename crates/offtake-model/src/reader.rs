//! Typed, located reads from the spanned TOML tree, collecting every problem instead of stopping.
//!
//! serde stops at the first error; an analyst wants all of them at once, each pointing at its
//! line. So validation walks the spanned tree (`crate::tree`) by hand through this reader.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

use crate::tree::{DeTable, DeValue};
use chrono::NaiveDate;
use toml::Spanned;

use crate::error::{Diagnostic, Diagnostics, Problem};
use crate::provenance::{Alternative, Evidence, Input, InputValue};

pub(crate) type Value<'i> = Spanned<DeValue<'i>>;

/// A number as read: the value in force (a selected alternative or the base), the span of the
/// base value, the base value, and each alternative's value, span and field.
pub(crate) struct Num {
    pub value: f64,
    pub span: Range<usize>,
    pub base: f64,
    pub alternatives: Vec<(f64, Range<usize>, String)>,
}

/// A table being read, with its span and the field prefix used in messages.
#[derive(Clone, Copy)]
pub(crate) struct Table<'t, 'i> {
    pub map: &'t DeTable<'i>,
    pub span: (usize, usize),
    /// Name of the table in messages: `[deal]`, `[[tranche]] phase-1`.
    pub label: Label<'t>,
    /// Prefix of field paths: `deal`, `tranche.phase-1`.
    pub prefix: &'t str,
}

impl<'t, 'i> Table<'t, 'i> {
    pub fn get(&self, key: &str) -> Option<&'t Value<'i>> {
        self.map.get(key)
    }

    pub fn span(&self) -> Range<usize> {
        self.span.0..self.span.1
    }

    pub fn field(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            dotted(self.prefix, key)
        }
    }
}

/// The name of a table in messages, written out only when a message needs it (most tables have
/// no problem, and a provenance table's name would be formatted for every sourced number).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Label<'t> {
    /// As given: `[deal]`, `[[tranche]]`, `the term sheet`.
    Plain(&'t str),
    /// the provenance table of `{path}`
    Provenance(&'t str),
    /// alternative {n} of `{path}` (n from 1)
    Alternative(usize, &'t str),
    /// the distribution `{path}`
    Distribution(&'t str),
}

impl Label<'_> {
    /// The label as given when it is [`Label::Plain`]: the scope of plausible ranges (the
    /// other labels are no scope of any).
    pub fn plain(&self) -> Option<&str> {
        match self {
            Label::Plain(s) => Some(s),
            _ => None,
        }
    }
}

impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Label::Plain(s) => f.write_str(s),
            Label::Provenance(path) => write!(f, "the provenance table of `{path}`"),
            Label::Alternative(n, path) => write!(f, "alternative {n} of `{path}`"),
            Label::Distribution(path) => write!(f, "the distribution `{path}`"),
        }
    }
}

/// Selected alternatives: term path → 1-based alternative index.
pub(crate) type Variants = BTreeMap<String, usize>;

/// Numeric terms replaced by a value (`TermSheet::contract_with`): term path → value.
pub(crate) type Overrides = BTreeMap<String, f64>;

/// No overrides: what every reading of the file as written uses.
pub(crate) static NO_OVERRIDES: Overrides = BTreeMap::new();

/// The values a number's own rule and plausible range admit (for `offtake solve`'s default
/// range); an open end is excluded. Cross-term rules are not in it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub min: f64,
    pub min_open: bool,
    pub max: f64,
    pub max_open: bool,
}

impl Limits {
    const ANY: Limits = Limits {
        min: f64::NEG_INFINITY,
        min_open: false,
        max: f64::INFINITY,
        max_open: false,
    };

    /// The values both admit.
    fn and(self, other: Limits) -> Limits {
        let (min, min_open) = match self.min.total_cmp(&other.min) {
            std::cmp::Ordering::Less => (other.min, other.min_open),
            std::cmp::Ordering::Greater => (self.min, self.min_open),
            std::cmp::Ordering::Equal => (self.min, self.min_open || other.min_open),
        };
        let (max, max_open) = match self.max.total_cmp(&other.max) {
            std::cmp::Ordering::Greater => (other.max, other.max_open),
            std::cmp::Ordering::Less => (self.max, self.max_open),
            std::cmp::Ordering::Equal => (self.max, self.max_open || other.max_open),
        };
        Limits {
            min,
            min_open,
            max,
            max_open,
        }
    }
}

pub(crate) struct Reader<'v> {
    pub src: &'v str,
    pub diags: Diagnostics,
    pub inputs: Vec<Input>,
    /// (source id, span, field) of each `source = "…"` reference that may name no source,
    /// checked once sources are known: every one read before validation has read the
    /// `[[source]]` tables (wherever they are in the file), and after that those naming none
    /// of `known_sources` (a reference to a known source is not kept).
    pub source_refs: Vec<(String, Range<usize>, String)>,
    /// The ids of `[[source]]`, once read.
    pub known_sources: Option<HashSet<String>>,
    pub variants: &'v Variants,
    /// Numeric terms whose value is replaced (the base value; an alternative selected too).
    pub overrides: &'v Overrides,
    /// The limits of each number read by [`Reader::checked`], by term path, when
    /// `collect_limits` (only `TermSheet::numeric_terms` asks: parsing does not pay for them).
    pub limits: Vec<(String, Limits)>,
    pub collect_limits: bool,
    /// Terms that have alternatives, whether selected or not.
    pub terms_with_alternatives: Vec<(String, usize)>,
    /// Byte offset where each line starts, so an input's line costs a binary search, not a scan
    /// of the file (a long curve would otherwise make reading quadratic).
    line_starts: Vec<usize>,
    /// The index in `line_starts` of the line last found: inputs are read mostly in file
    /// order, so the next one is usually on that line or a few after it.
    line_hint: usize,
}

pub(crate) fn type_name(v: &DeValue<'_>) -> &'static str {
    match v {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a datetime",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn range(v: &Value<'_>) -> Range<usize> {
    v.span()
}

/// Byte offset where each line starts.
fn line_starts(src: &str) -> Vec<usize> {
    // Term sheets average some 30 to 40 bytes a line (the example 30.5): room for lines of 16
    // bytes on average spares the regrowth, and its copy, that room for 32 cost the example.
    let mut starts = Vec::with_capacity(src.len() / 16 + 2);
    starts.push(0);
    // 32 bytes at a time: a mask of the newlines (a loop LLVM turns into vector compares),
    // then one push per set bit. (`match_indices('\n')` calls `memcmp` for each candidate.)
    let bytes = src.as_bytes();
    let mut chunks = bytes.chunks_exact(32);
    let mut base = 0;
    for chunk in &mut chunks {
        let mut mask = 0u32;
        for (j, &b) in chunk.iter().enumerate() {
            mask |= u32::from(b == b'\n') << j;
        }
        while mask != 0 {
            starts.push(base + mask.trailing_zeros() as usize + 1);
            mask &= mask - 1;
        }
        base += 32;
    }
    for (j, &b) in chunks.remainder().iter().enumerate() {
        if b == b'\n' {
            starts.push(base + j + 1);
        }
    }
    starts
}

/// `a == b` for the short names of keys and scopes, compared inline: a `memcmp` call costs more
/// than the few bytes it compares. Always inlined: a call of its own would cost the same.
#[inline(always)]
pub(crate) fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n > 32 {
        return a == b;
    }
    if n < 4 {
        return a.iter().zip(b).all(|(x, y)| x == y);
    }
    // Longer names a word at a time: their first and last words (overlapping in a name shorter
    // than two words), and the ones between.
    if n < 8 {
        return word::<4>(a, 0) == word::<4>(b, 0) && word::<4>(a, n - 4) == word::<4>(b, n - 4);
    }
    let mut at = 0;
    while at + 8 < n {
        if word::<8>(a, at) != word::<8>(b, at) {
            return false;
        }
        at += 8;
    }
    word::<8>(a, n - 8) == word::<8>(b, n - 8)
}

/// The `N` bytes of `s` from `at` as one word to compare; all zeros when they run past the
/// end of `s` (callers ask only for words inside it).
#[inline(always)]
fn word<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
    let mut w = [0u8; N];
    if let Some(bytes) = s.get(at..at + N) {
        w.copy_from_slice(bytes);
    }
    w
}

/// `{a}.{b}`, in one allocation of the exact size (`format!` guesses a capacity and grows).
pub(crate) fn dotted(a: &str, b: &str) -> String {
    let mut field = String::with_capacity(a.len() + 1 + b.len());
    field.push_str(a);
    field.push('.');
    field.push_str(b);
    field
}

/// `{path}[{i}]`, the field of an array's item, in one allocation of the exact size (`format!`
/// guesses a capacity and grows, and writes the index through the formatting machinery).
pub(crate) fn indexed(path: &str, i: usize) -> String {
    indexed_parts(&[path], i)
}

/// [`indexed`] of the path written in `parts`, one after the other.
pub(crate) fn indexed_parts(parts: &[&str], i: usize) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = i;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let digits = &digits[at..];
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut field = String::with_capacity(len + digits.len() + 2);
    parts.iter().for_each(|p| field.push_str(p));
    field.push('[');
    // ASCII digits, one byte each.
    digits.iter().for_each(|&d| field.push(d as char));
    field.push(']');
    field
}

/// `{path}.alternatives[{i}]`, the field of a term's alternative, in one allocation of the exact
/// size.
fn indexed_alternative(path: &str, i: usize) -> String {
    indexed_parts(&[path, ".alternatives"], i)
}

/// Parses `YYYY-MM` or `YYYY-MM-DD` into the first day of that month.
pub(crate) fn parse_month(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if !s.is_ascii() {
        return None;
    }
    let bytes = s.as_bytes();
    let (ym, day) = match bytes.len() {
        7 => (s, None),
        10 if bytes[7] == b'-' => (&s[..7], Some(&s[8..])),
        _ => return None,
    };
    if ym.as_bytes().get(4) != Some(&b'-') {
        return None;
    }
    let year: i32 = ym[..4].parse().ok()?;
    let month: u32 = ym[5..7].parse().ok()?;
    if !ym[..4].bytes().all(|b| b.is_ascii_digit()) || !ym[5..7].bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    match day {
        None => NaiveDate::from_ymd_opt(year, month, 1),
        Some(d) => {
            if !d.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let day: u32 = d.parse().ok()?;
            // The day must exist, though only the month counts.
            NaiveDate::from_ymd_opt(year, month, day)?;
            NaiveDate::from_ymd_opt(year, month, 1)
        }
    }
}

impl<'v> Reader<'v> {
    pub fn new(src: &'v str, variants: &'v Variants) -> Self {
        Reader {
            src,
            diags: Diagnostics::default(),
            // The example has 69 inputs; growing a vector of them copies them each time.
            inputs: Vec::with_capacity(96),
            source_refs: Vec::new(),
            known_sources: None,
            variants,
            overrides: &NO_OVERRIDES,
            limits: Vec::new(),
            collect_limits: false,
            terms_with_alternatives: Vec::new(),
            line_starts: line_starts(src),
            line_hint: 0,
        }
    }

    /// 1-based line of a byte offset.
    fn line_of(&mut self, offset: usize) -> usize {
        let starts = &self.line_starts;
        let hint = self.line_hint;
        if starts.get(hint).is_some_and(|&start| start <= offset) {
            // At most eight lines on from the last one, else a binary search.
            let end = (hint + 8).min(starts.len());
            let mut i = hint;
            while i + 1 < end && starts[i + 1] <= offset {
                i += 1;
            }
            if starts.get(i + 1).is_none_or(|&next| next > offset) {
                self.line_hint = i;
                return i + 1;
            }
        }
        let line = starts.partition_point(|&start| start <= offset);
        self.line_hint = line.saturating_sub(1);
        line
    }

    pub fn error(&mut self, problem: Problem, span: Range<usize>, field: impl Into<String>) {
        self.diags.push(Diagnostic {
            problem,
            span,
            field: field.into(),
            help: None,
        });
    }

    /// The items of `v` when it is an array; else a [`Problem::WrongType`] naming `expected` at
    /// `field`, and `None`.
    pub(crate) fn array<'a, 'i>(
        &mut self,
        v: &'a Value<'i>,
        field: impl Into<String>,
        expected: &'static str,
    ) -> Option<&'a [Value<'i>]> {
        let DeValue::Array(items) = v.get_ref() else {
            self.wrong_type(v, expected, field);
            return None;
        };
        Some(items)
    }

    /// `item` when it is a two-element array (an entry of an array of pairs); else `bad` at
    /// `field`, and `None`.
    pub(crate) fn pair<'a, 'i>(
        &mut self,
        item: &'a Value<'i>,
        field: &str,
        bad: Problem,
    ) -> Option<&'a [Value<'i>]> {
        match item.get_ref() {
            DeValue::Array(p) if p.len() == 2 => Some(p),
            _ => {
                self.error(bad, item.span(), field);
                None
            }
        }
    }

    pub fn error_help(
        &mut self,
        problem: Problem,
        span: Range<usize>,
        field: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags.push(Diagnostic {
            problem,
            span,
            field: field.into(),
            help: Some(help.into()),
        });
    }

    /// Reports every key of `t` not in `allowed`, suggesting the closest allowed key.
    pub fn check_keys(&mut self, t: &Table<'_, '_>, allowed: &[&str]) {
        for (k, _) in t.map.iter() {
            let key = k.get_ref().as_ref();
            if allowed.iter().any(|a| same(a, key)) {
                continue;
            }
            // Past the diagnostics that are kept, a generated file's thousands of unknown keys
            // are only counted: no "did you mean" search for messages never shown.
            if !self.diags.keeps(k.span().start) {
                self.diags.skip();
                continue;
            }
            let suggestion = suggest(key, allowed);
            let help = match &suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("allowed keys in {}: {}", t.label, allowed.join(", ")),
            };
            self.error_help(
                Problem::UnknownKey {
                    key: key.to_string(),
                    table: t.label.to_string(),
                    suggestion,
                },
                k.span(),
                t.field(key),
                help,
            );
        }
    }

    pub fn missing(&mut self, t: &Table<'_, '_>, key: &str) {
        self.error(
            Problem::MissingKey {
                key: key.to_string(),
                table: t.label.to_string(),
            },
            t.span(),
            t.field(key),
        );
    }

    pub(crate) fn wrong_type(
        &mut self,
        v: &Value<'_>,
        expected: &'static str,
        field: impl Into<String>,
    ) {
        self.error(
            Problem::WrongType {
                expected,
                found: type_name(v.get_ref()),
            },
            range(v),
            field,
        );
    }

    pub fn string(&mut self, t: &Table<'_, '_>, key: &str, required: bool) -> Option<String> {
        self.str(t, key, required).map(str::to_string)
    }

    /// [`Reader::string`], borrowed from the file.
    pub fn str<'t>(&mut self, t: &Table<'t, '_>, key: &str, required: bool) -> Option<&'t str> {
        self.spanned_str(t, key, required).map(|(s, _)| s)
    }

    /// [`Reader::str`] and the span of its value: the key is looked up once.
    fn spanned_str<'t>(
        &mut self,
        t: &Table<'t, '_>,
        key: &str,
        required: bool,
    ) -> Option<(&'t str, Range<usize>)> {
        let Some(v) = t.get(key) else {
            if required {
                self.missing(t, key);
            }
            return None;
        };
        match v.get_ref() {
            DeValue::String(s) => Some((s, range(v))),
            _ => {
                self.wrong_type(v, "a string", t.field(key));
                None
            }
        }
    }

    /// A boolean under `key`, `default` when absent; `None` when present but not a boolean.
    pub fn boolean(&mut self, t: &Table<'_, '_>, key: &str, default: bool) -> Option<bool> {
        let Some(v) = t.get(key) else {
            return Some(default);
        };
        match v.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(v, "true or false", t.field(key));
                None
            }
        }
    }

    /// A string that is also an id: non-empty.
    pub fn id(&mut self, t: &Table<'_, '_>, key: &str) -> Option<(String, Range<usize>)> {
        let (s, span) = self.spanned_str(t, key, true)?;
        if s.trim().is_empty() {
            self.error(
                Problem::WrongType {
                    expected: "a non-empty string",
                    found: "an empty string",
                },
                span,
                t.field(key),
            );
            return None;
        }
        Some((s.to_string(), span))
    }

    /// A plain date (a string `YYYY-MM` or a TOML date); `field()` names it in a problem.
    pub fn date_value(
        &mut self,
        v: &Value<'_>,
        field: impl FnOnce() -> String,
    ) -> Option<NaiveDate> {
        match v.get_ref() {
            DeValue::String(s) => match parse_month(s) {
                Some(d) => Some(d),
                None => {
                    self.error(
                        Problem::MalformedDate {
                            value: s.to_string(),
                        },
                        range(v),
                        field(),
                    );
                    None
                }
            },
            DeValue::Datetime(dt) => match dt.date {
                Some(d) if dt.time.is_none() => {
                    NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), 1)
                }
                _ => {
                    self.error(
                        Problem::MalformedDate {
                            value: dt.to_string(),
                        },
                        range(v),
                        field(),
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(v, "a date string \"YYYY-MM\"", field());
                None
            }
        }
    }

    /// A date under `key` of `t`, plain or as a provenance table ([`Reader::date_input`]).
    pub fn date(&mut self, t: &Table<'_, '_>, key: &str, required: bool) -> Option<NaiveDate> {
        match t.get(key) {
            Some(v) if !matches!(v.get_ref(), DeValue::Table(_)) => {
                self.date_value(v, || t.field(key))
            }
            Some(v) => self.date_input(v, &t.field(key)),
            None => {
                if required {
                    self.missing(t, key);
                }
                None
            }
        }
    }

    /// A whole number of months from 0 to [`MAX_MONTHS`].
    pub fn months(&mut self, t: &Table<'_, '_>, key: &str) -> Option<u32> {
        let n = self.count(t, key)?;
        if n <= MAX_MONTHS {
            return u32::try_from(n).ok();
        }
        let span = t.get(key).map(range).unwrap_or_else(|| t.span());
        self.error(
            Problem::OutOfRange {
                what: format!("`{key}`"),
                bound: "at most 1200 months (100 years)",
                value: n as f64,
            },
            span,
            t.field(key),
        );
        None
    }

    /// A non-negative whole number (months, counts).
    pub fn count(&mut self, t: &Table<'_, '_>, key: &str) -> Option<u64> {
        let v = t.get(key)?;
        match v.get_ref() {
            DeValue::Integer(i) => match u64::from_str_radix(i.as_str(), i.radix()) {
                Ok(n) => Some(n),
                Err(_) => {
                    let problem = match i64::from_str_radix(i.as_str(), i.radix()) {
                        Ok(x) => Problem::OutOfRange {
                            what: format!("`{key}`"),
                            bound: "a whole number ≥ 0",
                            value: x as f64,
                        },
                        Err(_) => self.too_large(v),
                    };
                    self.error(problem, range(v), t.field(key));
                    None
                }
            },
            _ => {
                self.wrong_type(v, "a whole number", t.field(key));
                None
            }
        }
    }

    fn plain_number(&mut self, v: &Value<'_>, field: &str) -> Option<f64> {
        let parsed = match v.get_ref() {
            DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                Ok(x) => Some(x as f64),
                Err(_) => {
                    let problem = self.too_large(v);
                    self.error(problem, range(v), field);
                    return None;
                }
            },
            DeValue::Float(f) => match f.as_str() {
                s if s.contains('_') => s.replace('_', "").parse::<f64>().ok(),
                s => s.parse::<f64>().ok(),
            },
            _ => {
                self.wrong_type(v, "a number", field.to_string());
                return None;
            }
        };
        match parsed {
            Some(x) if x.is_finite() => Some(x),
            _ => {
                let text = self.src.get(range(v)).unwrap_or("?").to_string();
                self.error(Problem::NotFinite { value: text }, range(v), field);
                None
            }
        }
    }

    /// An integer literal outside i64 (TOML integers are 64-bit; the parser keeps the digits).
    fn too_large(&self, v: &Value<'_>) -> Problem {
        Problem::IntegerTooLarge {
            value: self.src.get(range(v)).unwrap_or("?").to_string(),
        }
    }

    fn evidence(&mut self, t: &Table<'_, '_>) -> Option<Evidence> {
        let s = self.str(t, "evidence", false)?;
        match Evidence::from_name(s) {
            Some(e) => Some(e),
            None => {
                let span = t.get("evidence").map(range).unwrap_or_else(|| t.span());
                self.error_help(
                    Problem::UnknownEvidence {
                        value: s.to_string(),
                    },
                    span,
                    t.field("evidence"),
                    "evidence is one of: disclosed, reported, estimated, assumed",
                );
                None
            }
        }
    }

    fn source_ref(&mut self, t: &Table<'_, '_>) -> Option<String> {
        let (s, span) = self.spanned_str(t, "source", false)?;
        if !self
            .known_sources
            .as_ref()
            .is_some_and(|known| known.contains(s))
        {
            self.source_refs
                .push((s.to_string(), span, t.field("source")));
        }
        Some(s.to_string())
    }

    /// A number, plain or as a provenance table (MODEL.md §11). Records it as an input under
    /// `path`, and applies a selected variant. Returns the value in force and its span.
    pub fn number_value(&mut self, v: &Value<'_>, path: &str) -> Option<(f64, Range<usize>)> {
        self.number_full(v, path).map(|n| (n.value, n.span))
    }

    /// [`Reader::number_value`] with the base value and every alternative, for range checks.
    pub fn number_full(&mut self, v: &Value<'_>, path: &str) -> Option<Num> {
        self.number_at(v, path.to_string())
    }

    /// [`Reader::number_full`] of the term `path`, which its input keeps.
    pub(crate) fn number_at(&mut self, v: &Value<'_>, path: String) -> Option<Num> {
        let over = self.overrides.get(&path).copied();
        let read = self.inputs.len();
        let mut num = self.number_read(v, path)?;
        if let Some(x) = over {
            // The override stands in for the base value (and any selected alternative): it is
            // checked at the base value's place, as if written there.
            num.value = x;
            num.base = x;
            // A number read is recorded as an input under its path.
            if self.inputs.len() > read
                && let Some(input) = self.inputs.last_mut()
            {
                input.value = InputValue::Number(x);
            }
        }
        Some(num)
    }

    fn number_read(&mut self, v: &Value<'_>, path: String) -> Option<Num> {
        let line = self.line_of(v.span().start);
        if !matches!(v.get_ref(), DeValue::Table(_)) {
            let x = self.plain_number(v, &path)?;
            self.inputs.push(Input {
                path,
                value: InputValue::Number(x),
                source: None,
                evidence: None,
                note: None,
                alternatives: Vec::new(),
                line,
            });
            return Some(Num {
                value: x,
                span: range(v),
                base: x,
                alternatives: Vec::new(),
            });
        }
        let read = |r: &mut Self, x: &Value<'_>, field: &str| {
            r.plain_number(x, field).map(InputValue::Number)
        };
        let (value, span, base, alternatives) = self.provenance(v, path, read)?;
        let number = |x: InputValue| x.number().unwrap_or(f64::NAN);
        Some(Num {
            value: number(value),
            span,
            base: number(base),
            alternatives: alternatives
                .into_iter()
                .map(|(x, span, field)| (number(x), span, field))
                .collect(),
        })
    }

    /// A date, plain or as a provenance table (`{ value = "2027-06", source, evidence, note,
    /// alternatives }`, like a number's, MODEL.md §11). A table is recorded as an input under
    /// `path` and a selected variant applies; a plain date is not an input. Every alternative
    /// must be a date. Returns the date in force.
    pub fn date_input(&mut self, v: &Value<'_>, path: &str) -> Option<NaiveDate> {
        if !matches!(v.get_ref(), DeValue::Table(_)) {
            return self.date_value(v, || path.to_string());
        }
        let read = |r: &mut Self, x: &Value<'_>, field: &str| {
            r.date_value(x, || field.to_string()).map(InputValue::Date)
        };
        let (value, ..) = self.provenance(v, path.to_string(), read)?;
        value.date()
    }

    /// Reads the provenance table `v` of the term `path` (its value read by `read`), records
    /// it as an input, and applies a selected variant. Returns the value in force, the base
    /// value's span, the base value, and each alternative's value, span and field.
    #[allow(clippy::type_complexity)]
    fn provenance(
        &mut self,
        v: &Value<'_>,
        path: String,
        read: impl Fn(&mut Self, &Value<'_>, &str) -> Option<InputValue>,
    ) -> Option<(
        InputValue,
        Range<usize>,
        InputValue,
        Vec<(InputValue, Range<usize>, String)>,
    )> {
        let line = self.line_of(v.span().start);
        let DeValue::Table(map) = v.get_ref() else {
            return None;
        };
        let path_ref = path.as_str();
        let t = Table {
            map,
            span: (v.span().start, v.span().end),
            label: Label::Provenance(path_ref),
            prefix: path_ref,
        };
        self.check_keys(&t, &["value", "source", "evidence", "note", "alternatives"]);
        let source = self.source_ref(&t);
        let evidence = self.evidence(&t);
        let note = self.string(&t, "note", false);
        let mut alternatives = Vec::new();
        let mut alternative_spans = Vec::new();
        if let Some(av) = t.get("alternatives") {
            match av.get_ref() {
                DeValue::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let field = indexed_alternative(&path, i);
                        let DeValue::Table(am) = item.get_ref() else {
                            self.wrong_type(item, "a table { value, source, evidence }", field);
                            continue;
                        };
                        let at = Table {
                            map: am,
                            span: (item.span().start, item.span().end),
                            label: Label::Alternative(i + 1, path_ref),
                            prefix: &field,
                        };
                        self.check_keys(&at, &["value", "source", "evidence", "note"]);
                        let src = self.source_ref(&at);
                        let ev = self.evidence(&at);
                        let _ = self.string(&at, "note", false);
                        match at.get("value") {
                            Some(x) => {
                                if let Some(value) = read(self, x, &at.field("value")) {
                                    alternative_spans.push((value, range(x), field.clone()));
                                    alternatives.push(Alternative {
                                        value,
                                        source: src,
                                        evidence: ev,
                                    });
                                }
                            }
                            None => self.missing(&at, "value"),
                        }
                    }
                }
                _ => self.wrong_type(av, "an array of alternatives", t.field("alternatives")),
            }
        }
        let Some(value_v) = t.get("value") else {
            self.missing(&t, "value");
            return None;
        };
        let base = read(self, value_v, &path)?;
        let value_span = range(value_v);
        if !alternatives.is_empty() {
            self.terms_with_alternatives
                .push((path.clone(), alternatives.len()));
        }
        let mut input = Input {
            path,
            value: base,
            source,
            evidence,
            note,
            alternatives,
            line,
        };
        if let Some(&n) = self.variants.get(&input.path)
            && n >= 1
            && let Some(alt) = input.alternatives.get(n - 1).cloned()
        {
            input.value = alt.value;
            input.source = alt.source;
            input.evidence = alt.evidence;
        }
        let value = input.value;
        self.inputs.push(input);
        Some((value, value_span, base, alternative_spans))
    }

    /// Checks the base value and every alternative of `num` with `check` (which names the
    /// problem of a bad value and may add help), so an alternative is as valid as the base
    /// whether it is selected or not. Returns the value in force when all pass.
    pub fn check_num(
        &mut self,
        num: Num,
        field: &str,
        check: impl Fn(f64) -> Option<(Problem, Option<&'static str>)>,
    ) -> Option<(f64, Range<usize>)> {
        self.check_num_at(num, || field.to_string(), check)
    }

    /// [`Reader::check_num`] with the base value's field written out by `field()`, only for a
    /// problem.
    pub(crate) fn check_num_at(
        &mut self,
        num: Num,
        field: impl FnOnce() -> String,
        check: impl Fn(f64) -> Option<(Problem, Option<&'static str>)>,
    ) -> Option<(f64, Range<usize>)> {
        let mut ok = true;
        if let Some((problem, help)) = check(num.base) {
            ok = false;
            self.diags.push(Diagnostic {
                problem,
                span: num.span.clone(),
                field: field(),
                help: help.map(str::to_string),
            });
        }
        for (x, span, field) in num.alternatives {
            if let Some((problem, help)) = check(x) {
                ok = false;
                self.diags.push(Diagnostic {
                    problem,
                    span,
                    field,
                    help: help.map(str::to_string),
                });
            }
        }
        ok.then_some((num.value, num.span))
    }

    /// A number under `key` of `t`, checked with [`Reader::check_num`].
    pub fn checked(
        &mut self,
        t: &Table<'_, '_>,
        key: &str,
        required: bool,
        check: impl Fn(f64) -> Option<(Problem, Option<&'static str>)>,
    ) -> Option<(f64, Range<usize>)> {
        // The term's field is its input's path; a problem writes it out again.
        let num = match t.get(key) {
            Some(v) => self.number_at(v, t.field(key))?,
            None => {
                if required {
                    self.missing(t, key);
                }
                return None;
            }
        };
        // MODEL.md's rule first, with its own message; then the plausible range of the key.
        let range = t
            .label
            .plain()
            .and_then(|scope| crate::ranges::plausible(scope, key));
        if let Some(p) = range.filter(|_| self.collect_limits) {
            self.limits.push((
                t.field(key),
                Limits {
                    min: p.min,
                    min_open: false,
                    max: p.max,
                    max_open: false,
                },
            ));
        }
        self.check_num_at(
            num,
            || t.field(key),
            |x| check(x).or_else(|| range.and_then(|p| p.problem(|| format!("`{key}`"), x))),
        )
    }

    /// A number that must lie in a range (it and each alternative); reports and drops it when
    /// it does not.
    pub fn bounded(
        &mut self,
        t: &Table<'_, '_>,
        key: &str,
        required: bool,
        bound: Bound,
    ) -> Option<f64> {
        let before = self.limits.len();
        let result = self.checked(t, key, required, |x| {
            if bound.holds(x) {
                return None;
            }
            let what = format!("`{key}`");
            let problem = match bound {
                Bound::Fraction => Problem::FractionOutOfRange { what, value: x },
                _ => Problem::OutOfRange {
                    what,
                    bound: bound.describe(),
                    value: x,
                },
            };
            Some((problem, None))
        });
        if self.collect_limits {
            match self.limits.get_mut(before) {
                Some((_, limits)) => *limits = limits.and(bound.limits()),
                None if t.get(key).is_some() => self.limits.push((t.field(key), bound.limits())),
                None => {}
            }
        }
        result.map(|(x, _)| x)
    }
}

/// The longest duration in months (100 years) a ramp, build, life, tenor or refresh window may
/// have. Longer ones are typos; bounding them keeps month arithmetic (and `u32` fields) exact.
pub(crate) const MAX_MONTHS: u64 = 1200;

/// Admissible ranges of numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    Positive,
    /// A life or tenor in years: round(12·years) must be 1 ..= [`MAX_MONTHS`].
    Years,
    NonNegative,
    Fraction,
    /// Rates and escalations: > −1 (a rate of −100% or less has no meaning).
    AboveMinusOne,
}

impl Bound {
    pub fn holds(self, x: f64) -> bool {
        match self {
            Bound::Positive => x > 0.0,
            Bound::Years => {
                (1..=MAX_MONTHS as i64).contains(&crate::calendar::months_from_years(x))
            }
            Bound::NonNegative => x >= 0.0,
            Bound::Fraction => (0.0..=1.0).contains(&x),
            Bound::AboveMinusOne => x > -1.0,
        }
    }

    /// The values the bound admits.
    pub fn limits(self) -> Limits {
        let (min, min_open, max) = match self {
            Bound::Positive => (0.0, true, f64::INFINITY),
            Bound::Years => (1.0 / 24.0, false, MAX_MONTHS as f64 / 12.0),
            Bound::NonNegative => (0.0, false, f64::INFINITY),
            Bound::Fraction => (0.0, false, 1.0),
            Bound::AboveMinusOne => (-1.0, true, f64::INFINITY),
        };
        Limits::ANY.and(Limits {
            min,
            min_open,
            max,
            max_open: false,
        })
    }

    pub fn describe(self) -> &'static str {
        match self {
            Bound::Positive => "greater than 0",
            Bound::Years => "from 1/24 year (half a month) to 100 years",
            Bound::NonNegative => "at least 0",
            Bound::Fraction => "within 0..1",
            Bound::AboveMinusOne => "greater than −1",
        }
    }
}

/// The allowed word closest to `word`, if any is close enough to be a likely typo.
///
/// Lists longer than [`SUGGEST_MAX`] get no suggestion: comparing every bad reference with
/// every id would make a large generated file quadratic.
pub(crate) fn suggest(word: &str, allowed: &[&str]) -> Option<String> {
    if allowed.len() > SUGGEST_MAX || word.len() > 256 {
        return None;
    }
    allowed
        .iter()
        .map(|a| (strsim::jaro_winkler(word, a), *a))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, a)| a.to_string())
}

/// The help line for an unknown name among a fixed list: "did you mean `x`?" when one is close,
/// else `what: a, b, c` (e.g. `what` = "metrics").
pub(crate) fn suggest_or_list(word: &str, allowed: &[&str], what: &str) -> String {
    match suggest(word, allowed) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("{what}: {}", allowed.join(", ")),
    }
}

/// The longest list of names "did you mean" searches.
const SUGGEST_MAX: usize = 256;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_reject() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        assert_eq!(parse_month("2026-07"), Some(d(2026, 7)));
        assert_eq!(parse_month("2026-07-31"), Some(d(2026, 7)));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("2026-02-30"), None);
        assert_eq!(parse_month("26-07"), None);
        assert_eq!(parse_month("2026/07"), None);
        assert_eq!(parse_month("2026-7"), None);
        assert_eq!(parse_month("+026-07"), None);
    }

    #[test]
    fn indexed_agrees_with_format() {
        for (path, i) in [
            ("", 0),
            ("a", 9),
            ("risk.x", 10),
            ("é.b", 12345),
            ("p", usize::MAX),
        ] {
            assert_eq!(indexed(path, i), format!("{path}[{i}]"));
            assert_eq!(
                indexed_parts(&[path, ".b", ""], i),
                format!("{path}.b[{i}]")
            );
            assert_eq!(
                indexed_alternative(path, i),
                format!("{path}.alternatives[{i}]")
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn indexed_agrees_with_format_on_any(path in "\\PC{0,12}", i in proptest::num::usize::ANY) {
            proptest::prop_assert_eq!(indexed(&path, i), format!("{path}[{i}]"));
        }

        #[test]
        fn field_agrees_with_format(prefix in "[a-z.\\[\\]0-9é-]{0,16}", key in "[a-z_]{0,12}") {
            let map = DeTable::default();
            let t = Table { map: &map, span: (0, 0), label: Label::Plain(""), prefix: &prefix };
            let want = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            proptest::prop_assert_eq!(t.field(&key), want);
        }

        #[test]
        fn line_of_in_any_order_agrees_with_a_binary_search(
            src in "[a\\n]{0,300}",
            offsets in proptest::collection::vec(0usize..310, 0..40),
        ) {
            let variants = Variants::new();
            let mut r = Reader::new(&src, &variants);
            let starts = line_starts(&src);
            for offset in offsets {
                let want = starts.partition_point(|&start| start <= offset);
                proptest::prop_assert_eq!(r.line_of(offset), want, "{}", offset);
            }
        }

        #[test]
        fn same_agrees_with_eq(a in "[ab\\n]{0,40}", b in "[ab\\n]{0,40}") {
            proptest::prop_assert_eq!(same(&a, &b), a == b);
            proptest::prop_assert!(same(&a, &a));
        }

        #[test]
        fn line_starts_agree_with_match_indices(src in "[a\\n\\ré]{0,200}") {
            let mut want = vec![0];
            want.extend(src.match_indices('\n').map(|(i, _)| i + 1));
            proptest::prop_assert_eq!(line_starts(&src), want);
        }
    }

    #[test]
    fn same_tells_apart_names_that_differ_in_any_one_byte() {
        for n in 0..=40 {
            let a: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            assert!(same(&a, &a.clone()), "{a}");
            for at in 0..n {
                let mut b = a.clone().into_bytes();
                b[at] = b'_';
                let b = String::from_utf8(b).unwrap();
                assert!(!same(&a, &b), "{a} {b}");
                assert!(!same(&b, &a), "{b} {a}");
            }
            assert!(!same(&a, &format!("{a}_")));
        }
    }

    #[test]
    fn line_of_agrees_with_line_col() {
        let src = "a = 1\n\nbé = 2\nc = 3";
        let variants = Variants::new();
        let mut r = Reader::new(src, &variants);
        for offset in 0..=src.len() {
            assert_eq!(
                r.line_of(offset),
                crate::error::line_col(src, offset).0,
                "{offset}"
            );
        }
    }

    #[test]
    fn suggestions_catch_typos_only() {
        let allowed = ["ramp_months", "build_months", "online"];
        assert_eq!(
            suggest("ramp_month", &allowed).as_deref(),
            Some("ramp_months")
        );
        assert_eq!(suggest("colour", &allowed), None);
    }
}
