//! Errors of the term-sheet language: every problem in a file, each located by byte span and field.

use std::ops::Range;

/// What is wrong with one place in a term sheet. Display gives the one-line message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("TOML syntax error: {message}")]
    Syntax { message: String },
    #[error("unknown key `{key}` in {table}")]
    UnknownKey {
        key: String,
        table: String,
        suggestion: Option<String>,
    },
    #[error("missing required key `{key}` in {table}")]
    MissingKey { key: String, table: String },
    #[error("missing required table {table}")]
    MissingTable { table: String },
    #[error("wrong type: expected {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    #[error("not a finite number: {value}")]
    NotFinite { value: String },
    #[error("integer {value} does not fit in 64 bits")]
    IntegerTooLarge { value: String },
    #[error("malformed date `{value}`: expected \"YYYY-MM\" or \"YYYY-MM-DD\"")]
    MalformedDate { value: String },
    #[error("term of {months} months: a term must be more than 0 and at most 50 years")]
    TermOutOfRange { months: i64 },
    #[error("give the term once: `term_years` or `term_months`, not both")]
    TermTwice,
    #[error("`mw` must be greater than 0, found {}", fmt_num(*value))]
    NonPositiveMw { value: f64 },
    #[error("{what} must be {bound}, found {}", fmt_num(*value))]
    OutOfRange {
        what: String,
        bound: &'static str,
        value: f64,
    },
    #[error("{what} is a fraction and must be within 0..1, found {}", fmt_num(*value))]
    FractionOutOfRange { what: String, value: f64 },
    #[error(
        "{what} = {} is outside its plausible range {} to {} {unit}",
        fmt_num(*value),
        fmt_bound(*min),
        fmt_bound(*max)
    )]
    Implausible {
        what: String,
        value: f64,
        min: f64,
        max: f64,
        unit: &'static str,
    },
    #[error("`pue` must be at least 1, found {}", fmt_num(*value))]
    PueBelowOne { value: f64 },
    #[error("unknown generation `{name}`")]
    UnknownGeneration { name: String, known: Vec<String> },
    #[error("unknown tranche `{id}`")]
    UnknownTranche { id: String, known: Vec<String> },
    #[error("unknown source `{id}`")]
    UnknownSource { id: String, known: Vec<String> },
    #[error("unknown metric `{name}` in condition")]
    UnknownMetric { name: String },
    #[error("unknown risk factor `{name}`")]
    UnknownFactor { name: String },
    #[error("duplicate {kind} id `{id}`")]
    DuplicateId { kind: &'static str, id: String },
    #[error("generation `{name}` is available before `{previous}`, listed above it")]
    GenerationsOutOfOrder { name: String, previous: String },
    #[error("deadline {deadline} is before the online date {online} of tranche `{tranche}`")]
    DeadlineBeforeOnline {
        tranche: String,
        deadline: String,
        online: String,
    },
    #[error("option tranche `{tranche}` has no `exercise` date")]
    OptionWithoutExercise { tranche: String },
    #[error("`{key}` applies only to option tranches (kind = \"option\")")]
    OptionKeyOnFirm { key: &'static str },
    #[error(
        "option tranche `{tranche}` is exercised {exercise}, after online − build_months = {latest}"
    )]
    ExerciseTooLate {
        tranche: String,
        exercise: String,
        latest: String,
    },
    #[error("unknown tranche kind `{value}`")]
    UnknownKind { value: String },
    #[error("tranches sum to {} MW, over max_mw = {}", fmt_num(*total), fmt_num(*max))]
    OverMaxMw { total: f64, max: f64 },
    #[error("[demand] needs exactly one of `pflops` or `utilization`, found {found}")]
    DemandShape { found: &'static str },
    #[error("demand curve months must strictly increase: {month} does not come after {previous}")]
    CurveNotIncreasing { month: String, previous: String },
    #[error("a curve point is [\"YYYY-MM\", number]")]
    BadCurvePoint,
    #[error("a curve needs at least one point")]
    EmptyCurve,
    #[error("take-or-pay `from` {from} is after `until` {until}")]
    FromAfterUntil { from: String, until: String },
    #[error("unknown settlement `{value}`: expected \"monthly\" or \"annual\"")]
    UnknownSettlement { value: String },
    #[error("equity tranche `{id}` needs exactly one of `at` or `when`, found {found}")]
    EquityTrigger { id: String, found: &'static str },
    #[error("`deadline` applies only to a `when` equity tranche, not to one paid `at` a date")]
    DeadlineOnAt,
    #[error("condition does not parse: {message}")]
    BadCondition { message: String },
    #[error("unknown evidence grade `{value}`")]
    UnknownEvidence { value: String },
    #[error("unknown distribution `{name}`")]
    UnknownDistribution { name: String },
    #[error("bad {dist} distribution: {message}")]
    BadDistribution { dist: &'static str, message: String },
    #[error("correlation: {message}")]
    BadCorrelation { message: String },
    #[error("a yearly minimum is [contract_year, USD], e.g. [1, 5e9]")]
    BadAnnualMinimum,
    #[error(
        "contract year {year} of `min_annual_spend` is outside the term: years are 1 … {years}"
    )]
    AnnualMinimumYear { year: i64, years: usize },
    #[error("contract year {year} is listed twice in `min_annual_spend`")]
    AnnualMinimumTwice { year: i64 },
    #[error("the correlation matrix is not positive semi-definite (determinant {determinant:.4})")]
    NotPositiveSemiDefinite { determinant: f64 },
    #[error(
        "a credit needs exactly one of `annual_default_probability` or `spread_bps`, found {found}"
    )]
    CreditShape { found: &'static str },
    #[error("{kind} id `{id}` is reserved: `buyer` names the buyer")]
    ReservedId { kind: &'static str, id: String },
    #[error("the shares of the {kind}s sum to {total}, over 1")]
    SharesOverOne { kind: &'static str, total: f64 },
    #[error("unknown sizing `{value}`: expected \"share\" or \"sculpted\"")]
    UnknownSizing { value: String },
    #[error("`{key}` does not apply to sizing = \"{sizing}\"")]
    KeyNotForSizing {
        key: &'static str,
        sizing: &'static str,
    },
    #[error("a resale point is [age_years, fraction], e.g. [3, 0.4]")]
    BadResalePoint,
    #[error(
        "chip_resale ages must strictly increase: {} does not come after {}",
        fmt_num(*age),
        fmt_num(*previous)
    )]
    ResaleNotIncreasing { age: f64, previous: f64 },
    #[error("backstop `{id}`: `from` {from} is after `until` {until}")]
    BackstopFromAfterUntil {
        id: String,
        from: String,
        until: String,
    },
    #[error(
        "the correlation matrix is not positive semi-definite (smallest eigenvalue {eigenvalue:.4})"
    )]
    NotPositiveSemiDefiniteEigen { eigenvalue: f64 },
}

/// A range's bound as messages show it: round powers of ten in exponent form (`1e10`, not
/// `10000000000`), others as [`fmt_num`].
fn fmt_bound(x: f64) -> String {
    if x.abs() >= 1e4 {
        format!("{x:e}")
    } else {
        fmt_num(x)
    }
}

/// A number as messages show it: plain when it reads well (`0.9`, `5500`), else in exponent form
/// (`1e300`, `2.5e-7`), never a 300-digit expansion.
pub(crate) fn fmt_num(x: f64) -> String {
    if x == 0.0 || !x.is_finite() || (1e-4..1e15).contains(&x.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// One located problem.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub problem: Problem,
    /// Byte range in the source.
    pub span: Range<usize>,
    /// The field, named as `--variant` names terms: `tranche.phase-2.deadline`.
    pub field: String,
    pub help: Option<String>,
}

impl Diagnostic {
    /// 1-based (line, column) of the start of the span, columns counted in characters.
    pub fn line_col(&self, src: &str) -> (usize, usize) {
        line_col(src, self.span.start)
    }

    /// The text the diagnostic points at; for an empty span (a missing table), its whole line.
    pub fn snippet<'s>(&self, src: &'s str) -> &'s str {
        let floor = |mut i: usize| {
            i = i.min(src.len());
            while !src.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        let (start, end) = (floor(self.span.start), floor(self.span.end));
        if start < end {
            return &src[start..end];
        }
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        &src[line_start..line_end]
    }
}

/// 1-based (line, column) of a byte offset. An offset inside a character counts as that
/// character; one past the end as the end.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Errors of offtake-model.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// The first byte that is not UTF-8: its offset, and its 1-based line and column as an
    /// editor counts them (the characters of the valid text before it on its line, plus one).
    #[error(
        "the file is not UTF-8 text (invalid byte at line {line}, column {column}, offset {offset})"
    )]
    NotUtf8 {
        offset: usize,
        line: usize,
        column: usize,
    },
    #[error("the file is {bytes} bytes; a term sheet may be at most {limit} bytes")]
    TooLarge { bytes: usize, limit: usize },
    #[error("the file is empty")]
    Empty,
    /// The problems of the file in file order: the first [`MAX_DIAGNOSTICS`], and how many more
    /// there were.
    #[error("{} problem{} in the term sheet", diagnostics.len() + omitted, if diagnostics.len() + omitted == 1 { "" } else { "s" })]
    Invalid {
        diagnostics: Vec<Diagnostic>,
        omitted: usize,
    },
    #[error("no term `{term}` has alternatives; terms with alternatives: {}", if available.is_empty() { "none".to_string() } else { available.join(", ") })]
    UnknownVariant {
        term: String,
        available: Vec<String>,
    },
    #[error(
        "`{term}` has {count} alternative(s); variant {n} does not exist (0 is the base value)"
    )]
    VariantOutOfRange {
        term: String,
        n: usize,
        count: usize,
    },
    #[error("`{term}` is given as variant {first} and as variant {second}; choose one")]
    ConflictingVariants {
        term: String,
        first: usize,
        second: usize,
    },
    #[error("a variant is TERM=N, e.g. commitment.min_total_spend=1; found `{text}`")]
    BadVariantSyntax { text: String },
    /// An override names no numeric term of the sheet ([`crate::TermSheet::contract_with`]).
    #[error("no numeric term `{term}` in the term sheet{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    UnknownTerm {
        term: String,
        suggestion: Option<String>,
    },
    /// An override names a term of the sheet that is not a number: `kind` is what it is ("a
    /// date", "a string", "a boolean", "a whole number the language reads as a count", "a
    /// table", "a list").
    #[error("`{term}` is not a numeric term (it is {kind}); only numbers can be varied")]
    NotNumeric { term: String, kind: &'static str },
    /// One term overridden twice with different values.
    #[error("`{term}` is given two values, {first} and {second}; choose one")]
    ConflictingOverrides {
        term: String,
        first: f64,
        second: f64,
    },
}

/// The most diagnostics an [`Error::Invalid`] carries: a generated file with a hundred thousand
/// mistakes is reported by its first ones and a count, in time and space bounded by the file.
pub const MAX_DIAGNOSTICS: usize = 200;

impl Error {
    /// `Invalid` with `diagnostics` in file order (problems at one place keep the order they
    /// were found in), the first [`MAX_DIAGNOSTICS`] kept and the rest counted.
    pub(crate) fn invalid(diagnostics: Vec<Diagnostic>) -> Error {
        let mut collected = Diagnostics::default();
        for d in diagnostics {
            collected.push(d);
        }
        collected.into_error()
    }

    /// True for the errors of `--variant` choices (`UnknownVariant`, `VariantOutOfRange`,
    /// `ConflictingVariants`, `BadVariantSyntax`): the term sheet is fine, the variant is not.
    pub fn is_variant(&self) -> bool {
        matches!(
            self,
            Error::UnknownVariant { .. }
                | Error::VariantOutOfRange { .. }
                | Error::ConflictingVariants { .. }
                | Error::BadVariantSyntax { .. }
        )
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The diagnostics of one file as they are found: the first [`MAX_DIAGNOSTICS`] in file order
/// are kept, whatever order they are found in, and the others only counted. Any number of
/// problems costs time linear in their number and bounded memory.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    /// A max-heap on (start, order found): the last kept diagnostic in file order is on top.
    kept: std::collections::BinaryHeap<Ranked>,
    found: usize,
}

#[derive(Debug)]
struct Ranked {
    start: usize,
    seq: usize,
    diagnostic: Diagnostic,
}

impl Ranked {
    fn key(&self) -> (usize, usize) {
        (self.start, self.seq)
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl Diagnostics {
    /// Whether a diagnostic starting at `start`, found now, would be kept: a caller with an
    /// expensive message to build (a "did you mean" search) asks first, and calls
    /// [`Diagnostics::skip`] instead when not.
    pub fn keeps(&self, start: usize) -> bool {
        self.kept.len() < MAX_DIAGNOSTICS || self.kept.peek().is_some_and(|top| start < top.start)
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        let ranked = Ranked {
            start: diagnostic.span.start,
            seq: self.found,
            diagnostic,
        };
        self.found += 1;
        if self.kept.len() < MAX_DIAGNOSTICS {
            self.kept.push(ranked);
        } else if self.kept.peek().is_some_and(|top| ranked < *top) {
            self.kept.pop();
            self.kept.push(ranked);
        }
    }

    /// Counts a diagnostic that [`Diagnostics::keeps`] said would not be kept.
    pub fn skip(&mut self) {
        self.found += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.found == 0
    }

    pub fn into_error(self) -> Error {
        let omitted = self.found - self.kept.len();
        let diagnostics = self
            .kept
            .into_sorted_vec()
            .into_iter()
            .map(|r| r.diagnostic)
            .collect();
        Error::Invalid {
            diagnostics,
            omitted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_the_span_or_its_line() {
        let src = "[deal]\nid = \"x\"\n";
        let d = |span| Diagnostic {
            problem: Problem::TermTwice,
            span,
            field: String::new(),
            help: None,
        };
        assert_eq!(d(12..15).snippet(src), "\"x\"");
        assert_eq!(d(0..0).snippet(src), "[deal]");
        assert_eq!(d(9..9).snippet(src), "id = \"x\"");
        assert_eq!(d(500..900).snippet(src), "");
    }

    #[test]
    fn numbers_in_messages_stay_short() {
        assert_eq!(fmt_num(0.9), "0.9");
        assert_eq!(fmt_num(-6.0), "-6");
        assert_eq!(fmt_num(5500.0), "5500");
        assert_eq!(fmt_num(1e300), "1e300");
        assert_eq!(fmt_num(-2.5e-7), "-2.5e-7");
        assert_eq!(
            Problem::PueBelowOne { value: 1e-300 }.to_string(),
            "`pue` must be at least 1, found 1e-300"
        );
    }

    #[test]
    fn line_col_counts_lines_and_chars() {
        let src = "a = 1\nbé = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, 9), (2, 3));
        // Inside `é` (bytes 7..9): still line 2, the column of `é`.
        assert_eq!(line_col(src, 8), (2, 2));
        assert_eq!(line_col(src, 1000), (3, 1));
    }
}
