//! Term sheet → `Contract`: reads every table, checks MODEL.md §12, and collects every problem.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;

use chrono::NaiveDate;
use toml::de::{DeTable, DeValue};

use crate::condition::{ConditionError, parse_condition};
use crate::contract::*;
use crate::distribution::Distribution;
use crate::error::{Diagnostic, Error, Problem};
use crate::provenance::Source;
use crate::reader::{Bound, Reader, Table, Value, Variants, suggest, suggest_or_list, type_name};

const TOP_KEYS: &[&str] = &[
    "deal",
    "source",
    "generation",
    "tranche",
    "demand",
    "pricing",
    "take_or_pay",
    "commitment",
    "provider",
    "financing",
    "buyer",
    "equity",
    "thresholds",
    "risk",
];

// The keys each table allows (docs/term-sheet.md lists each; a unit test keeps them in step).
const DEAL_KEYS: &[&str] = &[
    "id",
    "name",
    "buyer",
    "provider",
    "start",
    "term_years",
    "term_months",
    "max_mw",
];
const SOURCE_KEYS: &[&str] = &["id", "title", "url", "date", "kind"];
const GENERATION_KEYS: &[&str] = &[
    "name",
    "available",
    "pflops_per_mw",
    "chip_capex_per_mw",
    "life_years",
];
const TRANCHE_KEYS: &[&str] = &[
    "id",
    "mw",
    "online",
    "ramp_months",
    "build_months",
    "deadline",
    "generation",
    "kind",
    "exercise",
    "exercise_utilization",
];
const DEMAND_KEYS: &[&str] = &["pflops", "utilization"];
const PRICING_KEYS: &[&str] = &["list_price", "discount", "escalation"];
const TAKE_OR_PAY_KEYS: &[&str] = &["floor", "from", "until", "settle"];
const COMMITMENT_KEYS: &[&str] = &["min_total_spend"];
const PROVIDER_KEYS: &[&str] = &[
    "facility_capex_per_mw",
    "facility_life_years",
    "power_price",
    "power_escalation",
    "pue",
    "idle_power",
    "fixed_opex_per_mw_year",
    "tax_rate",
    "discount_rate",
    "residual_fraction",
    "exit_multiple",
    "min_refresh_months",
];
const FINANCING_KEYS: &[&str] = &["debt_share", "interest_rate", "tenor_years"];
const BUYER_KEYS: &[&str] = &["discount_rate", "value_per_pflop_hour"];
const THRESHOLDS_KEYS: &[&str] = &["coverage", "dscr", "hurdle"];
const EQUITY_KEYS: &[&str] = &["id", "amount", "round_trip", "at", "when", "deadline"];
const RISK_KEYS: &[&str] = &[
    "seed",
    "paths",
    "demand_factor",
    "power_factor",
    "capex_factor",
    "delay_months",
    "slip_months",
    "correlation",
];

/// Relative tolerance of MODEL.md (a ≥ b holds when a ≥ b − 1e-9·max(1,|b|)).
fn ge_tol(a: f64, b: f64) -> bool {
    a >= b - 1e-9 * b.abs().max(1.0)
}

/// round(12·years), halves away from zero (MODEL.md preamble).
pub(crate) fn months_from_years(years: f64) -> i64 {
    (12.0 * years).round() as i64
}

struct Ctx<'v> {
    r: Reader<'v>,
    /// Where `[deal] max_mw`'s value is, for the check against the sum of tranches.
    max_mw_span: Range<usize>,
}

/// The span of a number's value: inside a provenance table, its `value`.
fn value_span(v: &Value<'_>) -> Range<usize> {
    v.get_ref()
        .as_table()
        .and_then(|m| m.iter().find(|(k, _)| k.get_ref().as_ref() == "value"))
        .map_or_else(|| v.span(), |(_, x)| x.span())
}

/// The ids an array of tables declares (`[[generation]] name`, `[[tranche]] id`), valid entries or
/// not, for checking references. Using every declared id means one bad generation is reported
/// once, not again at every reference to it. With no diagnostics every entry is valid and unique,
/// so an index here is the index into the `Contract`'s list.
struct Names {
    list: Vec<String>,
    index: HashMap<String, usize>,
}

impl Names {
    /// The string under `id_key` in each table of `[[key]]`, first occurrence kept.
    fn declared(top: &Table<'_, '_>, key: &str, id_key: &str) -> Names {
        let mut names = Names {
            list: Vec::new(),
            index: HashMap::new(),
        };
        let Some(DeValue::Array(items)) = top.get(key).map(|v| v.get_ref()) else {
            return names;
        };
        for item in items.iter() {
            let id = item
                .get_ref()
                .as_table()
                .and_then(|m| m.iter().find(|(k, _)| k.get_ref().as_ref() == id_key))
                .and_then(|(_, v)| v.get_ref().as_str());
            if let Some(id) = id
                && !names.index.contains_key(id)
            {
                names.index.insert(id.to_string(), names.list.len());
                names.list.push(id.to_string());
            }
        }
        names
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Up to [`KNOWN_LISTED`] names, for `Problem::Unknown*::known`.
    fn known(&self) -> Vec<String> {
        self.list.iter().take(KNOWN_LISTED).cloned().collect()
    }

    /// "did you mean `x`?" or the list of known names (`what`: "known generations").
    fn help(&self, name: &str, what: &str) -> String {
        let all: Vec<&str> = self.list.iter().map(String::as_str).collect();
        match suggest(name, &all) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("{what}: {}", listing(&self.list)),
        }
    }
}

/// How many known names a diagnostic carries: a file with thousands of ids and thousands of bad
/// references must not make every diagnostic copy every id.
const KNOWN_LISTED: usize = 50;

/// `a, b, c` — at most ten names, then how many more.
fn listing(names: &[String]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    let shown: Vec<&str> = names.iter().take(10).map(String::as_str).collect();
    match names.len().saturating_sub(10) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

pub(crate) fn validate(
    src: &str,
    root: &DeTable<'_>,
    variants: &Variants,
) -> Result<Contract, Error> {
    let mut c = Ctx {
        r: Reader::new(src, variants),
        max_mw_span: 0..0,
    };
    let top = Table {
        map: root,
        span: (0, src.len().min(1)),
        label: "the term sheet",
        prefix: "",
    };
    c.r.check_keys(&top, TOP_KEYS);

    let deal = c.single(&top, "deal", true).and_then(|t| c.deal(&t));
    let sources = c.sources(&top);
    let generations = c.generations(&top);
    let gen_names = Names::declared(&top, "generation", "name");
    let tranches = c.tranches(&top, &gen_names);
    let demand = c.single(&top, "demand", true).and_then(|t| c.demand(&t));
    let pricing = c.single(&top, "pricing", true).and_then(|t| c.pricing(&t));
    let take_or_pay = c
        .single(&top, "take_or_pay", false)
        .and_then(|t| c.take_or_pay(&t));
    let commitment = c
        .single(&top, "commitment", false)
        .and_then(|t| c.commitment(&t));
    let provider = c
        .single(&top, "provider", true)
        .and_then(|t| c.provider(&t));
    let financing = c
        .single(&top, "financing", false)
        .and_then(|t| c.financing(&t));
    let buyer_raw = c.single(&top, "buyer", false).map(|t| c.buyer(&t));
    let equity = c.equity(&top);
    let thresholds_raw = c
        .single(&top, "thresholds", false)
        .map(|t| c.thresholds(&t));
    let tranche_ids = Names::declared(&top, "tranche", "id");
    let risk = c
        .single(&top, "risk", false)
        .and_then(|t| c.risk(&t, &gen_names, &tranche_ids));

    // Cross checks that need several tables.
    let known_sources: Vec<String> = sources.iter().map(|s| s.id.clone()).collect();
    let source_set: HashSet<&str> = known_sources.iter().map(String::as_str).collect();
    for (id, span, field) in std::mem::take(&mut c.r.source_refs) {
        if !source_set.contains(id.as_str()) {
            let help = match suggest(
                &id,
                &known_sources.iter().map(String::as_str).collect::<Vec<_>>(),
            ) {
                Some(s) => format!("did you mean `{s}`? Sources are listed in [[source]]"),
                None => "add it to [[source]] with an id, title, url, date and kind".to_string(),
            };
            c.r.error_help(
                Problem::UnknownSource {
                    id,
                    known: known_sources.iter().take(KNOWN_LISTED).cloned().collect(),
                },
                span,
                field,
                help,
            );
        }
    }
    if let Some(max) = deal.as_ref().and_then(|d| d.max_mw) {
        let total: f64 = tranches.iter().map(|(t, _)| t.mw).sum();
        if !ge_tol(max, total) {
            let span = c.max_mw_span.clone();
            c.r.error_help(
                Problem::OverMaxMw { total, max },
                span,
                "deal.max_mw",
                "options count too: max_mw bounds the sum of all tranches' MW",
            );
        }
    }
    if !c.r.diags.is_empty() {
        let mut diagnostics: Vec<Diagnostic> = c.r.diags;
        diagnostics.sort_by_key(|d| d.span.start);
        return Err(Error::Invalid { diagnostics });
    }
    // Variants are checked once the file is valid: a term whose provenance table is broken has
    // no alternatives to count, and the file's own problems come first.
    for (term, &n) in c.r.variants {
        match c.r.terms_with_alternatives.iter().find(|(t, _)| t == term) {
            None => {
                return Err(Error::UnknownVariant {
                    term: term.clone(),
                    available: c
                        .r
                        .terms_with_alternatives
                        .iter()
                        .map(|(t, _)| t.clone())
                        .collect(),
                });
            }
            Some(&(_, count)) if n > count => {
                return Err(Error::VariantOutOfRange {
                    term: term.clone(),
                    n,
                    count,
                });
            }
            Some(_) => {}
        }
    }
    // With no diagnostics every required part is present; the `?`s below cannot fail, but a
    // missing part still becomes an error rather than a panic.
    let incomplete = || Error::Invalid {
        diagnostics: vec![Diagnostic {
            problem: Problem::MissingTable {
                table: "a required table".into(),
            },
            span: 0..0,
            field: String::new(),
            help: None,
        }],
    };
    let provider = provider.ok_or_else(incomplete)?;
    let pricing = pricing.ok_or_else(incomplete)?;
    let buyer = {
        let (dr, v) = buyer_raw.unwrap_or((None, None));
        Buyer {
            discount_rate: dr.unwrap_or(provider.discount_rate),
            value_per_pflop_hour: v.unwrap_or(pricing.list_price),
        }
    };
    let thresholds = {
        let (cov, dscr, hurdle) = thresholds_raw.unwrap_or((None, None, None));
        Thresholds {
            coverage: cov.unwrap_or(1.0),
            dscr: dscr.unwrap_or(1.30),
            hurdle: hurdle.unwrap_or(provider.discount_rate),
        }
    };
    Ok(Contract {
        deal: deal.ok_or_else(incomplete)?,
        sources,
        generations: generations.into_iter().map(|(g, _)| g).collect(),
        tranches: tranches.into_iter().map(|(t, _)| t).collect(),
        demand: demand.ok_or_else(incomplete)?,
        pricing,
        take_or_pay,
        commitment,
        provider,
        financing,
        buyer,
        equity,
        thresholds,
        risk,
        inputs: c.r.inputs,
    })
}

/// Terms that carry alternatives, found without applying any variant.
pub(crate) fn alternative_terms(src: &str, root: &DeTable<'_>) -> Vec<(String, usize)> {
    let none = Variants::new();
    let mut c = Ctx {
        r: Reader::new(src, &none),
        max_mw_span: 0..0,
    };
    let top = Table {
        map: root,
        span: (0, 0),
        label: "the term sheet",
        prefix: "",
    };
    // Reading every table records every term with alternatives.
    if let Some(t) = c.single(&top, "deal", false) {
        c.deal(&t);
    }
    c.generations(&top);
    let gen_names = Names::declared(&top, "generation", "name");
    c.tranches(&top, &gen_names);
    let ids = Names::declared(&top, "tranche", "id");
    if let Some(t) = c.single(&top, "demand", false) {
        c.demand(&t);
    }
    if let Some(t) = c.single(&top, "pricing", false) {
        c.pricing(&t);
    }
    if let Some(t) = c.single(&top, "take_or_pay", false) {
        c.take_or_pay(&t);
    }
    if let Some(t) = c.single(&top, "commitment", false) {
        c.commitment(&t);
    }
    if let Some(t) = c.single(&top, "provider", false) {
        c.provider(&t);
    }
    if let Some(t) = c.single(&top, "financing", false) {
        c.financing(&t);
    }
    if let Some(t) = c.single(&top, "buyer", false) {
        c.buyer(&t);
    }
    c.equity(&top);
    if let Some(t) = c.single(&top, "thresholds", false) {
        c.thresholds(&t);
    }
    if let Some(t) = c.single(&top, "risk", false) {
        c.risk(&t, &gen_names, &ids);
    }
    c.r.terms_with_alternatives
}

impl<'v> Ctx<'v> {
    /// A `[table]` that must be a single table.
    fn single<'t, 'i>(
        &mut self,
        top: &Table<'t, 'i>,
        key: &'static str,
        required: bool,
    ) -> Option<Table<'t, 'i>> {
        let Some(v) = top.get(key) else {
            if required {
                self.r.error_help(
                    Problem::MissingTable {
                        table: format!("[{key}]"),
                    },
                    0..0,
                    key,
                    format!("add a [{key}] table; see docs/term-sheet.md"),
                );
            }
            return None;
        };
        match v.get_ref() {
            DeValue::Table(map) => Some(Table {
                map,
                span: (v.span().start, v.span().end),
                label: label_of(key),
                prefix: key,
            }),
            other => {
                self.r.error(
                    Problem::WrongType {
                        expected: "a table",
                        found: type_name(other),
                    },
                    v.span(),
                    key,
                );
                None
            }
        }
    }

    /// The entries of a `[[array]]` of tables.
    fn array<'t, 'i>(
        &mut self,
        top: &Table<'t, 'i>,
        key: &str,
    ) -> Vec<(&'t DeTable<'i>, Range<usize>)> {
        let Some(v) = top.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.r.error_help(
                Problem::WrongType {
                    expected: "an array of tables",
                    found: type_name(v.get_ref()),
                },
                v.span(),
                key.to_string(),
                format!("write each entry as [[{key}]]"),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(m) => out.push((m, item.span())),
                other => self.r.error(
                    Problem::WrongType {
                        expected: "a table",
                        found: type_name(other),
                    },
                    item.span(),
                    key.to_string(),
                ),
            }
        }
        out
    }

    /// MODEL.md §12 requires at least one generation and one tranche. An absent key is a
    /// missing table (at line 1); an empty array (`tranche = []`) is located at the array. A
    /// value of the wrong type was reported by [`Ctx::array`].
    fn at_least_one(&mut self, top: &Table<'_, '_>, key: &str, none: bool, help: &str) {
        if !none {
            return;
        }
        let span = match top.get(key) {
            None => 0..0,
            Some(v) if v.get_ref().as_array().is_some_and(|a| a.is_empty()) => v.span(),
            Some(_) => return,
        };
        self.r.error_help(
            Problem::MissingTable {
                table: format!("[[{key}]]"),
            },
            span,
            key.to_string(),
            help,
        );
    }

    fn deal(&mut self, t: &Table<'_, '_>) -> Option<Deal> {
        self.r.check_keys(t, DEAL_KEYS);
        let id = self.r.id(t, "id").map(|(s, _)| s);
        let name = self.r.string(t, "name", false);
        let buyer = self.r.string(t, "buyer", false);
        let provider = self.r.string(t, "provider", false);
        let start = self.r.date(t, "start", true);
        const TERM_HELP: &str = "the term runs from 1 month to 50 years";
        let term_ok = |months: i64| {
            (!(1..=600).contains(&months))
                .then_some((Problem::TermOutOfRange { months }, Some(TERM_HELP)))
        };
        let years = self
            .r
            .checked(t, "term_years", false, |y| term_ok(months_from_years(y)));
        let months = self.r.count(t, "term_months");
        let term_months = match (t.get("term_years"), t.get("term_months")) {
            (Some(_), Some(v)) => {
                self.r
                    .error(Problem::TermTwice, v.span(), t.field("term_months"));
                None
            }
            (Some(_), None) => years.map(|(y, _)| months_from_years(y)),
            (None, Some(v)) => match months.map(|m| i64::try_from(m).unwrap_or(i64::MAX)) {
                Some(m) => match term_ok(m) {
                    Some((problem, help)) => {
                        self.r.error_help(
                            problem,
                            v.span(),
                            t.field("term_months"),
                            help.unwrap_or_default(),
                        );
                        None
                    }
                    None => Some(m),
                },
                None => None,
            },
            (None, None) => {
                self.r.error_help(
                    Problem::MissingKey {
                        key: "term_years".into(),
                        table: "[deal]".into(),
                    },
                    t.span(),
                    t.field("term_years"),
                    "give `term_years` (e.g. 10) or `term_months` (e.g. 120)",
                );
                None
            }
        }
        // In range (1 ..= 600) by the checks above.
        .and_then(|m| u32::try_from(m).ok());
        let max_mw = self.r.bounded(t, "max_mw", false, Bound::Positive);
        self.max_mw_span = t.get("max_mw").map_or(0..0, value_span);
        Some(Deal {
            id: id?,
            name,
            buyer,
            provider,
            start: start?,
            term_months: term_months?,
            max_mw,
        })
    }

    fn sources(&mut self, top: &Table<'_, '_>) -> Vec<Source> {
        let mut out: Vec<Source> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (i, (map, span)) in self.array(top, "source").into_iter().enumerate() {
            let prefix = format!("source[{i}]");
            let t = Table {
                map,
                span: (span.start, span.end),
                label: "[[source]]",
                prefix: &prefix,
            };
            self.r.check_keys(&t, SOURCE_KEYS);
            let id = self.r.id(&t, "id");
            let title = self.r.string(&t, "title", false);
            let url = self.r.string(&t, "url", false);
            // A source's date is a date like any other (MODEL.md §1), kept as written.
            let date = t.get("date").and_then(|v| {
                self.r.date_value(v, t.field("date"))?;
                Some(match v.get_ref() {
                    DeValue::String(text) => text.to_string(),
                    other => other
                        .as_datetime()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                })
            });
            let kind = self.r.string(&t, "kind", false);
            if let Some((id, span)) = id {
                if !seen.insert(id.clone()) {
                    self.r.error(
                        Problem::DuplicateId { kind: "source", id },
                        span,
                        t.field("id"),
                    );
                    continue;
                }
                out.push(Source {
                    id,
                    title,
                    url,
                    date,
                    kind,
                });
            }
        }
        out
    }

    fn generations(&mut self, top: &Table<'_, '_>) -> Vec<(Generation, Range<usize>)> {
        let entries = self.array(top, "generation");
        self.at_least_one(
            top,
            "generation",
            entries.is_empty(),
            "list at least one chip generation as [[generation]]",
        );
        let mut out: Vec<(Generation, Range<usize>)> = Vec::new();
        let mut names: BTreeSet<String> = BTreeSet::new();
        // The latest `available` so far and the generation that set it.
        let mut latest: Option<(NaiveDate, String)> = None;
        for (i, (map, span)) in entries.into_iter().enumerate() {
            let name = map
                .iter()
                .find(|(k, _)| k.get_ref().as_ref() == "name")
                .and_then(|(_, v)| v.get_ref().as_str().map(str::to_string));
            let prefix = format!(
                "generation.{}",
                name.clone().unwrap_or_else(|| format!("[{i}]"))
            );
            let t = Table {
                map,
                span: (span.start, span.end),
                label: "[[generation]]",
                prefix: &prefix,
            };
            self.r.check_keys(&t, GENERATION_KEYS);
            let name = self.r.id(&t, "name");
            let available_span = t.get("available").map(|v| v.span()).unwrap_or(span.clone());
            let available = self.r.date(&t, "available", true);
            let pflops_per_mw = self.r.bounded(&t, "pflops_per_mw", true, Bound::Positive);
            let chip_capex_per_mw =
                self.r
                    .bounded(&t, "chip_capex_per_mw", true, Bound::NonNegative);
            // Bound::Years keeps round(12·life) within 1 ..= MAX_MONTHS, so it fits a u32.
            let life_months = self
                .r
                .bounded(&t, "life_years", true, Bound::Years)
                .and_then(|y| u32::try_from(months_from_years(y)).ok());
            let Some((name, name_span)) = name else {
                continue;
            };
            if !names.insert(name.clone()) {
                self.r.error(
                    Problem::DuplicateId {
                        kind: "generation",
                        id: name,
                    },
                    name_span,
                    t.field("name"),
                );
                continue;
            }
            // Roadmap order is checked whenever the date reads, whatever else is wrong.
            if let Some(available) = available {
                match &latest {
                    Some((date, prev)) if available < *date => self.r.error_help(
                        Problem::GenerationsOutOfOrder {
                            name: name.clone(),
                            previous: prev.clone(),
                        },
                        available_span.clone(),
                        t.field("available"),
                        "list generations in roadmap order: `available` dates must not decrease down the file",
                    ),
                    Some((date, _)) if available == *date => {}
                    _ => latest = Some((available, name.clone())),
                }
            }
            if let (
                Some(available),
                Some(pflops_per_mw),
                Some(chip_capex_per_mw),
                Some(life_months),
            ) = (available, pflops_per_mw, chip_capex_per_mw, life_months)
            {
                out.push((
                    Generation {
                        name,
                        available,
                        pflops_per_mw,
                        chip_capex_per_mw,
                        life_months,
                    },
                    span,
                ));
            }
        }
        out
    }

    fn tranches(&mut self, top: &Table<'_, '_>, gen_names: &Names) -> Vec<(Tranche, Range<usize>)> {
        let entries = self.array(top, "tranche");
        self.at_least_one(
            top,
            "tranche",
            entries.is_empty(),
            "list at least one capacity tranche as [[tranche]]",
        );
        let mut out: Vec<(Tranche, Range<usize>)> = Vec::new();
        let mut ids: BTreeSet<String> = BTreeSet::new();
        for (i, (map, span)) in entries.into_iter().enumerate() {
            let id = map
                .iter()
                .find(|(k, _)| k.get_ref().as_ref() == "id")
                .and_then(|(_, v)| v.get_ref().as_str().map(str::to_string));
            let prefix = format!("tranche.{}", id.unwrap_or_else(|| format!("[{i}]")));
            let t = Table {
                map,
                span: (span.start, span.end),
                label: "[[tranche]]",
                prefix: &prefix,
            };
            self.r.check_keys(&t, TRANCHE_KEYS);
            let id = self.r.id(&t, "id");
            let mw = self
                .r
                .checked(&t, "mw", true, |x| {
                    (x <= 0.0).then_some((
                        Problem::NonPositiveMw { value: x },
                        Some("a tranche is IT power in MW; it must be positive"),
                    ))
                })
                .map(|(x, _)| x);
            let online = self.r.date(&t, "online", true);
            // A bad ramp or build month count is reported; 0 stands in so the other checks run.
            let ramp = self.r.months(&t, "ramp_months").unwrap_or(0);
            let build = self.r.months(&t, "build_months").unwrap_or(0);
            let deadline = self.r.date(&t, "deadline", false);
            let generation = match self.r.string(&t, "generation", false) {
                Some(name) => match gen_names.position(&name) {
                    Some(i) => Some(Some(i)),
                    None => {
                        let help = gen_names.help(&name, "known generations");
                        self.r.error_help(
                            Problem::UnknownGeneration {
                                name,
                                known: gen_names.known(),
                            },
                            t.get("generation")
                                .map(|v| v.span())
                                .unwrap_or(span.clone()),
                            t.field("generation"),
                            help,
                        );
                        None
                    }
                },
                None => Some(None),
            };
            // A `kind` that is not a string is reported once; the firm-only key checks are skipped
            // for it since the intended kind is unknown.
            let kind_text = match t.get("kind") {
                None => Some("firm".to_string()),
                Some(_) => self.r.string(&t, "kind", false),
            };
            let exercise = self.r.date(&t, "exercise", false);
            let exercise_utilization =
                self.r
                    .bounded(&t, "exercise_utilization", false, Bound::Fraction);
            let kind = match kind_text.as_deref() {
                None => None,
                Some("firm") => {
                    for key in ["exercise", "exercise_utilization"] {
                        if let Some(v) = t.get(key) {
                            self.r.error_help(
                                Problem::OptionKeyOnFirm {
                                    key: if key == "exercise" {
                                        "exercise"
                                    } else {
                                        "exercise_utilization"
                                    },
                                },
                                v.span(),
                                t.field(key),
                                "set kind = \"option\" or remove the key",
                            );
                        }
                    }
                    Some(TrancheKind::Firm)
                }
                Some("option") => match exercise {
                    Some(ex) => Some(TrancheKind::Option {
                        exercise: ex,
                        exercise_utilization: exercise_utilization.unwrap_or(0.8),
                    }),
                    None => {
                        if t.get("exercise").is_none() {
                            self.r.error_help(
                                Problem::OptionWithoutExercise {
                                    tranche: t.prefix.trim_start_matches("tranche.").to_string(),
                                },
                                // A missing key is located at its table's header.
                                span.clone(),
                                t.field("exercise"),
                                "an option needs an `exercise` date no later than online − build_months",
                            );
                        }
                        None
                    }
                },
                Some(other) => {
                    self.r.error_help(
                        Problem::UnknownKind {
                            value: other.to_string(),
                        },
                        t.get("kind").map(|v| v.span()).unwrap_or(span.clone()),
                        t.field("kind"),
                        "kind is \"firm\" (default) or \"option\"",
                    );
                    None
                }
            };
            let Some((id, id_span)) = id else { continue };
            if !ids.insert(id.clone()) {
                self.r.error(
                    Problem::DuplicateId {
                        kind: "tranche",
                        id,
                    },
                    id_span,
                    t.field("id"),
                );
                continue;
            }
            if let (Some(online), Some(deadline)) = (online, deadline)
                && deadline < online
            {
                self.r.error_help(
                    Problem::DeadlineBeforeOnline {
                        tranche: id.clone(),
                        deadline: fmt_month(deadline),
                        online: fmt_month(online),
                    },
                    t.get("deadline").map(|v| v.span()).unwrap_or(span.clone()),
                    t.field("deadline"),
                    "the deadline is the latest month the tranche may come online",
                );
            }
            if let (Some(online), Some(TrancheKind::Option { exercise, .. })) = (online, kind) {
                let latest = add_months(online, -i64::from(build));
                if exercise > latest {
                    self.r.error_help(
                        Problem::ExerciseTooLate {
                            tranche: id.clone(),
                            exercise: fmt_month(exercise),
                            latest: fmt_month(latest),
                        },
                        t.get("exercise").map(|v| v.span()).unwrap_or(span.clone()),
                        t.field("exercise"),
                        "nothing may be spent on an option before it is exercised (MODEL.md §3)",
                    );
                }
            }
            if let (Some(mw), Some(online), Some(generation), Some(kind)) =
                (mw, online, generation, kind)
            {
                out.push((
                    Tranche {
                        id,
                        mw,
                        online,
                        ramp_months: ramp,
                        build_months: build,
                        deadline,
                        generation,
                        kind,
                    },
                    span,
                ));
            }
        }
        out
    }

    fn curve(&mut self, v: &Value<'_>, path: &str, fraction: bool) -> Option<Vec<CurvePoint>> {
        let DeValue::Array(items) = v.get_ref() else {
            self.r.error(
                Problem::WrongType {
                    expected: "an array of [\"YYYY-MM\", number] points",
                    found: type_name(v.get_ref()),
                },
                v.span(),
                path,
            );
            return None;
        };
        if items.is_empty() {
            self.r.error(Problem::EmptyCurve, v.span(), path);
            return None;
        }
        let mut points: Vec<CurvePoint> = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let field = format!("{path}[{i}]");
            let pair = match item.get_ref() {
                DeValue::Array(p) if p.len() == 2 => p,
                _ => {
                    self.r.error(Problem::BadCurvePoint, item.span(), field);
                    ok = false;
                    continue;
                }
            };
            let month = self.r.date_value(&pair[0], field.clone());
            let value = self.r.number_full(&pair[1], &field).and_then(|num| {
                self.r.check_num(num, &field, |value| {
                    if fraction && !(0.0..=1.0).contains(&value) {
                        Some((
                            Problem::FractionOutOfRange {
                                what: "utilization".into(),
                                value,
                            },
                            None,
                        ))
                    } else if !fraction && value < 0.0 {
                        Some((
                            Problem::OutOfRange {
                                what: "demand".into(),
                                bound: "at least 0",
                                value,
                            },
                            None,
                        ))
                    } else {
                        None
                    }
                })
            });
            if value.is_none() {
                ok = false;
            }
            match (month, value) {
                (Some(month), Some((value, _))) => {
                    if let Some(prev) = points.last()
                        && month <= prev.month
                    {
                        self.r.error_help(
                            Problem::CurveNotIncreasing {
                                month: fmt_month(month),
                                previous: fmt_month(prev.month),
                            },
                            pair[0].span(),
                            field,
                            "give each month once, in increasing order",
                        );
                        ok = false;
                        continue;
                    }
                    points.push(CurvePoint { month, value });
                }
                _ => ok = false,
            }
        }
        ok.then_some(points)
    }

    fn demand(&mut self, t: &Table<'_, '_>) -> Option<Demand> {
        self.r.check_keys(t, DEMAND_KEYS);
        match (t.get("pflops"), t.get("utilization")) {
            (Some(p), None) => self.curve(p, "demand.pflops", false).map(Demand::Pflops),
            (None, Some(u)) => self
                .curve(u, "demand.utilization", true)
                .map(Demand::Utilization),
            (Some(p), Some(u)) => {
                // The second of the two is the one too many.
                let (at, key) = if p.span().start > u.span().start {
                    (p.span(), "demand.pflops")
                } else {
                    (u.span(), "demand.utilization")
                };
                self.r.error_help(
                    Problem::DemandShape { found: "both" },
                    at,
                    key,
                    "absolute demand (pflops) or relative (utilization), not both",
                );
                None
            }
            (None, None) => {
                self.r.error_help(
                    Problem::DemandShape { found: "neither" },
                    t.span(),
                    "demand",
                    "e.g. pflops = [[\"2026-07\", 250e3], [\"2028-07\", 1.6e6]]",
                );
                None
            }
        }
    }

    fn pricing(&mut self, t: &Table<'_, '_>) -> Option<Pricing> {
        self.r.check_keys(t, PRICING_KEYS);
        let list_price = self.r.bounded(t, "list_price", true, Bound::NonNegative);
        let discount = opt_or(
            self.r.bounded(t, "discount", false, Bound::Fraction),
            t,
            "discount",
            0.0,
        );
        let escalation = opt_or(
            self.r.bounded(t, "escalation", false, Bound::AboveMinusOne),
            t,
            "escalation",
            0.0,
        );
        Some(Pricing {
            list_price: list_price?,
            discount: discount?,
            escalation: escalation?,
        })
    }

    fn take_or_pay(&mut self, t: &Table<'_, '_>) -> Option<TakeOrPay> {
        self.r.check_keys(t, TAKE_OR_PAY_KEYS);
        let floor = self.r.bounded(t, "floor", true, Bound::Fraction);
        let from = self.r.date(t, "from", false);
        let until = self.r.date(t, "until", false);
        let settle = match self.r.string(t, "settle", false).as_deref() {
            None | Some("monthly") => Some(Settlement::Monthly),
            Some("annual") => Some(Settlement::Annual),
            Some(other) => {
                self.r.error(
                    Problem::UnknownSettlement {
                        value: other.into(),
                    },
                    t.get("settle").map(|v| v.span()).unwrap_or(t.span()),
                    t.field("settle"),
                );
                None
            }
        };
        if let (Some(f), Some(u)) = (from, until)
            && f > u
        {
            self.r.error(
                Problem::FromAfterUntil {
                    from: fmt_month(f),
                    until: fmt_month(u),
                },
                t.get("from").map(|v| v.span()).unwrap_or(t.span()),
                t.field("from"),
            );
            return None;
        }
        Some(TakeOrPay {
            floor: floor?,
            from,
            until,
            settle: settle?,
        })
    }

    fn commitment(&mut self, t: &Table<'_, '_>) -> Option<Commitment> {
        self.r.check_keys(t, COMMITMENT_KEYS);
        Some(Commitment {
            min_total_spend: self
                .r
                .bounded(t, "min_total_spend", true, Bound::NonNegative)?,
        })
    }

    fn provider(&mut self, t: &Table<'_, '_>) -> Option<Provider> {
        self.r.check_keys(t, PROVIDER_KEYS);
        let facility_capex_per_mw =
            self.r
                .bounded(t, "facility_capex_per_mw", true, Bound::NonNegative);
        let facility_life_months = self
            .r
            .bounded(t, "facility_life_years", true, Bound::Years)
            .and_then(|y| u32::try_from(months_from_years(y)).ok());
        let power_price = self.r.bounded(t, "power_price", true, Bound::NonNegative);
        let power_escalation = opt_or(
            self.r
                .bounded(t, "power_escalation", false, Bound::AboveMinusOne),
            t,
            "power_escalation",
            0.0,
        );
        let pue = self
            .r
            .checked(t, "pue", true, |x| {
                (x < 1.0).then_some((
                    Problem::PueBelowOne { value: x },
                    Some("PUE is facility power over IT power; 1.0 means no overhead"),
                ))
            })
            .map(|(x, _)| x);
        let idle_power = opt_or(
            self.r.bounded(t, "idle_power", false, Bound::Fraction),
            t,
            "idle_power",
            0.3,
        );
        let fixed_opex = self
            .r
            .bounded(t, "fixed_opex_per_mw_year", true, Bound::NonNegative);
        let tax_rate = self.r.bounded(t, "tax_rate", true, Bound::Fraction);
        let discount_rate = self
            .r
            .bounded(t, "discount_rate", true, Bound::AboveMinusOne);
        let residual = opt_or(
            self.r
                .bounded(t, "residual_fraction", false, Bound::Fraction),
            t,
            "residual_fraction",
            0.0,
        );
        let exit = opt_or(
            self.r
                .bounded(t, "exit_multiple", false, Bound::NonNegative),
            t,
            "exit_multiple",
            1.0,
        );
        let refresh = if t.get("min_refresh_months").is_some() {
            self.r.months(t, "min_refresh_months")
        } else {
            Some(24)
        };
        Some(Provider {
            facility_capex_per_mw: facility_capex_per_mw?,
            facility_life_months: facility_life_months?,
            power_price: power_price?,
            power_escalation: power_escalation?,
            pue: pue?,
            idle_power: idle_power?,
            fixed_opex_per_mw_year: fixed_opex?,
            tax_rate: tax_rate?,
            discount_rate: discount_rate?,
            residual_fraction: residual?,
            exit_multiple: exit?,
            min_refresh_months: refresh?,
        })
    }

    fn financing(&mut self, t: &Table<'_, '_>) -> Option<Financing> {
        self.r.check_keys(t, FINANCING_KEYS);
        let debt_share = self.r.bounded(t, "debt_share", true, Bound::Fraction);
        let interest_rate = self.r.bounded(t, "interest_rate", true, Bound::NonNegative);
        let tenor_months = self
            .r
            .bounded(t, "tenor_years", true, Bound::Years)
            .and_then(|y| u32::try_from(months_from_years(y)).ok());
        Some(Financing {
            debt_share: debt_share?,
            interest_rate: interest_rate?,
            tenor_months: tenor_months?,
        })
    }

    fn buyer(&mut self, t: &Table<'_, '_>) -> (Option<f64>, Option<f64>) {
        self.r.check_keys(t, BUYER_KEYS);
        (
            self.r
                .bounded(t, "discount_rate", false, Bound::AboveMinusOne),
            self.r
                .bounded(t, "value_per_pflop_hour", false, Bound::NonNegative),
        )
    }

    fn thresholds(&mut self, t: &Table<'_, '_>) -> (Option<f64>, Option<f64>, Option<f64>) {
        self.r.check_keys(t, THRESHOLDS_KEYS);
        (
            self.r.bounded(t, "coverage", false, Bound::NonNegative),
            self.r.bounded(t, "dscr", false, Bound::NonNegative),
            self.r.bounded(t, "hurdle", false, Bound::AboveMinusOne),
        )
    }

    fn equity(&mut self, top: &Table<'_, '_>) -> Vec<EquityTranche> {
        let mut out: Vec<EquityTranche> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (i, (map, span)) in self.array(top, "equity").into_iter().enumerate() {
            let id = map
                .iter()
                .find(|(k, _)| k.get_ref().as_ref() == "id")
                .and_then(|(_, v)| v.get_ref().as_str().map(str::to_string));
            let prefix = format!("equity.{}", id.unwrap_or_else(|| format!("[{i}]")));
            let t = Table {
                map,
                span: (span.start, span.end),
                label: "[[equity]]",
                prefix: &prefix,
            };
            self.r.check_keys(&t, EQUITY_KEYS);
            let id = self.r.id(&t, "id");
            let amount = self.r.bounded(&t, "amount", true, Bound::NonNegative);
            let round_trip = opt_or(
                self.r.bounded(&t, "round_trip", false, Bound::Fraction),
                &t,
                "round_trip",
                0.0,
            );
            let at = self.r.date(&t, "at", false);
            let when = self.r.string(&t, "when", false);
            let deadline = self.r.date(&t, "deadline", false);
            let id_text = id.as_ref().map(|(s, _)| s.clone()).unwrap_or_default();
            let trigger = match (t.get("at"), t.get("when")) {
                (Some(a), Some(w)) => {
                    // The second of the two is the one too many.
                    let (at, key) = if a.span().start > w.span().start {
                        (a.span(), "at")
                    } else {
                        (w.span(), "when")
                    };
                    self.r.error_help(
                        Problem::EquityTrigger {
                            id: id_text.clone(),
                            found: "both",
                        },
                        at,
                        t.field(key),
                        "give `at = \"YYYY-MM\"` for a payment on a date, or `when = \"metric >= number\"` for a milestone",
                    );
                    None
                }
                (None, None) => {
                    self.r.error_help(
                        Problem::EquityTrigger {
                            id: id_text.clone(),
                            found: "neither",
                        },
                        span.clone(),
                        t.field("at"),
                        "give `at = \"YYYY-MM\"` for a payment on a date, or `when = \"metric >= number\"` for a milestone",
                    );
                    None
                }
                (Some(_), None) => {
                    if let Some(v) = t.get("deadline") {
                        self.r.error_help(
                            Problem::DeadlineOnAt,
                            v.span(),
                            t.field("deadline"),
                            "remove the deadline, or make the tranche conditional with `when`",
                        );
                    }
                    at.map(|date| EquityTrigger::At { date })
                }
                // A `when` that is not a string is already reported.
                (None, Some(_)) if when.is_none() => None,
                (None, Some(w)) => {
                    let text = when.unwrap_or_default();
                    match parse_condition(&text) {
                        Ok(clauses) => {
                            // utilization_12m is a fraction (MODEL.md §7): a threshold above 1
                            // can never hold and one below 0 always does.
                            let bad = clauses.iter().find(|c| {
                                c.metric == Metric::Utilization12m
                                    && !(0.0..=1.0).contains(&c.threshold)
                            });
                            match bad {
                                Some(c) => {
                                    self.r.error_help(
                                        Problem::FractionOutOfRange {
                                            what: "the `utilization_12m` threshold".into(),
                                            value: c.threshold,
                                        },
                                        condition_span(
                                            self.r.src,
                                            w.span(),
                                            &text,
                                            "utilization_12m",
                                        ),
                                        t.field("when"),
                                        "utilization_12m is used over available compute, 0..1",
                                    );
                                    None
                                }
                                None => Some(EquityTrigger::When {
                                    clauses,
                                    text,
                                    deadline,
                                }),
                            }
                        }
                        Err(e) => {
                            let metrics = Metric::ALL.map(Metric::name);
                            let at = match &e {
                                ConditionError::UnknownMetric(part)
                                | ConditionError::Malformed(part) => {
                                    condition_span(self.r.src, w.span(), &text, part)
                                }
                                ConditionError::Empty => w.span(),
                            };
                            let (problem, help) = match e {
                                ConditionError::UnknownMetric(name) => {
                                    let help = suggest_or_list(&name, &metrics, "metrics");
                                    (Problem::UnknownMetric { name }, help)
                                }
                                ConditionError::Malformed(part) => (
                                    Problem::BadCondition {
                                        message: format!("`{part}` is not `metric >= number`"),
                                    },
                                    "write clauses as `metric >= number` joined by `and`"
                                        .to_string(),
                                ),
                                ConditionError::Empty => (
                                    Problem::BadCondition {
                                        message: "the condition is empty".into(),
                                    },
                                    "write clauses as `metric >= number` joined by `and`"
                                        .to_string(),
                                ),
                            };
                            self.r.error_help(problem, at, t.field("when"), help);
                            None
                        }
                    }
                }
            };
            let Some((id, id_span)) = id else { continue };
            if !seen.insert(id.clone()) {
                self.r.error(
                    Problem::DuplicateId { kind: "equity", id },
                    id_span,
                    t.field("id"),
                );
                continue;
            }
            if let (Some(amount), Some(round_trip), Some(trigger)) = (amount, round_trip, trigger) {
                out.push(EquityTranche {
                    id,
                    amount,
                    round_trip,
                    trigger,
                });
            }
        }
        out
    }

    fn distribution(&mut self, v: &Value<'_>, path: &str) -> Option<Distribution> {
        let DeValue::Table(map) = v.get_ref() else {
            self.r.error_help(
                Problem::WrongType {
                    expected: "a distribution table",
                    found: type_name(v.get_ref()),
                },
                v.span(),
                path,
                "e.g. { dist = \"triangular\", min = 0, mode = 2, max = 12 }",
            );
            return None;
        };
        let label = format!("the distribution `{path}`");
        let t = Table {
            map,
            span: (v.span().start, v.span().end),
            label: &label,
            prefix: path,
        };
        let name = self.r.string(&t, "dist", true)?;
        let span = t.span();
        let keys: &[&str] = match name.as_str() {
            "fixed" => &["dist", "value"],
            "uniform" => &["dist", "min", "max"],
            "triangular" | "pert" => &["dist", "min", "mode", "max"],
            "normal" => &["dist", "mean", "sd", "min", "max"],
            "lognormal" => &["dist", "median", "sigma"],
            "discrete" => &["dist", "values", "weights"],
            _ => {
                let help = suggest_or_list(&name, &Distribution::NAMES, "distributions");
                self.r.error_help(
                    Problem::UnknownDistribution { name },
                    t.get("dist").map(|v| v.span()).unwrap_or(span),
                    t.field("dist"),
                    help,
                );
                return None;
            }
        };
        self.r.check_keys(&t, keys);
        let num = |r: &mut Reader<'_>, k: &str, req: bool| r.number(&t, k, req);
        let dist = match name.as_str() {
            "fixed" => Distribution::Fixed {
                value: num(&mut self.r, "value", true)?,
            },
            "uniform" => {
                let (min, max) = (num(&mut self.r, "min", true), num(&mut self.r, "max", true));
                Distribution::Uniform {
                    min: min?,
                    max: max?,
                }
            }
            "triangular" | "pert" => {
                let (min, mode, max) = (
                    num(&mut self.r, "min", true),
                    num(&mut self.r, "mode", true),
                    num(&mut self.r, "max", true),
                );
                let (min, mode, max) = (min?, mode?, max?);
                if name == "pert" {
                    Distribution::Pert { min, mode, max }
                } else {
                    Distribution::Triangular { min, mode, max }
                }
            }
            "normal" => {
                let (mean, sd) = (num(&mut self.r, "mean", true), num(&mut self.r, "sd", true));
                let (min, max) = (
                    num(&mut self.r, "min", false),
                    num(&mut self.r, "max", false),
                );
                Distribution::Normal {
                    mean: mean?,
                    sd: sd?,
                    min,
                    max,
                }
            }
            "lognormal" => {
                let (median, sigma) = (
                    num(&mut self.r, "median", true),
                    num(&mut self.r, "sigma", true),
                );
                Distribution::Lognormal {
                    median: median?,
                    sigma: sigma?,
                }
            }
            _ => {
                let values = self.number_list(&t, "values");
                let weights = self.number_list(&t, "weights");
                Distribution::Discrete {
                    values: values?,
                    weights: weights?,
                }
            }
        };
        if let Some((key, message)) = distribution_problem(&dist) {
            // Point at the offending parameter when it is there, else at the whole table.
            let at = t.get(key).map_or(span, |v| v.span());
            self.r.error(
                Problem::BadDistribution {
                    dist: dist.name(),
                    message,
                },
                at,
                t.field(key),
            );
            return None;
        }
        Some(dist)
    }

    fn number_list(&mut self, t: &Table<'_, '_>, key: &str) -> Option<Vec<f64>> {
        let Some(v) = t.get(key) else {
            self.r.missing(t, key);
            return None;
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.r.error(
                Problem::WrongType {
                    expected: "an array of numbers",
                    found: type_name(v.get_ref()),
                },
                v.span(),
                t.field(key),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(
                self.r
                    .number_value(item, &format!("{}[{i}]", t.field(key)))?
                    .0,
            );
        }
        Some(out)
    }

    fn risk(
        &mut self,
        t: &Table<'_, '_>,
        gen_names: &Names,
        tranche_ids: &Names,
    ) -> Option<RiskSpec> {
        let allowed = RISK_KEYS;
        for (k, _) in t.map.iter() {
            let key = k.get_ref().as_ref();
            if !allowed.contains(&key) {
                let help = suggest_or_list(key, allowed, "[risk] takes");
                self.r.error_help(
                    Problem::UnknownFactor {
                        name: key.to_string(),
                    },
                    k.span(),
                    t.field(key),
                    help,
                );
            }
        }
        let seed = self.r.count(t, "seed").unwrap_or(0);
        let paths = match t.get("paths") {
            Some(v) => match self.r.count(t, "paths") {
                Some(n) if (1..=RiskSpec::MAX_PATHS).contains(&n) => Some(n),
                Some(n) => {
                    self.r.error(
                        Problem::OutOfRange {
                            what: "`paths`".into(),
                            bound: "from 1 to 100,000,000",
                            value: n as f64,
                        },
                        v.span(),
                        t.field("paths"),
                    );
                    None
                }
                None => None,
            },
            None => Some(10_000),
        };
        let scalar =
            |c: &mut Self, key: &str| t.get(key).and_then(|v| c.distribution(v, &t.field(key)));
        let demand_factor = scalar(self, "demand_factor");
        let power_factor = scalar(self, "power_factor");
        let capex_factor = scalar(self, "capex_factor");
        let delay_months = t.get("delay_months").and_then(|v| {
            let is_single = v
                .get_ref()
                .as_table()
                .is_some_and(|m| m.iter().any(|(k, _)| k.get_ref().as_ref() == "dist"));
            if is_single || v.get_ref().as_table().is_none() {
                return self
                    .distribution(v, "risk.delay_months")
                    .map(|dist| DelaySpec::Each { dist });
            }
            let mut table = Vec::new();
            for (k, dv) in v.get_ref().as_table()?.iter() {
                let id = k.get_ref().as_ref();
                match tranche_ids.position(id) {
                    Some(i) => {
                        if let Some(d) = self.distribution(dv, &format!("risk.delay_months.{id}")) {
                            table.push((i, d));
                        }
                    }
                    None => {
                        let help = tranche_ids.help(id, "tranches");
                        self.r.error_help(
                            Problem::UnknownTranche {
                                id: id.to_string(),
                                known: tranche_ids.known(),
                            },
                            k.span(),
                            format!("risk.delay_months.{id}"),
                            help,
                        );
                    }
                }
            }
            table.sort_by_key(|(i, _)| *i);
            Some(DelaySpec::PerTranche { table })
        });
        let mut slip_months = Vec::new();
        if let Some(v) = t.get("slip_months") {
            match v.get_ref() {
                DeValue::Table(m) => {
                    for (k, dv) in m.iter() {
                        let name = k.get_ref().as_ref();
                        match gen_names.position(name) {
                            Some(i) => {
                                if let Some(d) =
                                    self.distribution(dv, &format!("risk.slip_months.{name}"))
                                {
                                    slip_months.push((i, d));
                                }
                            }
                            None => {
                                let help = gen_names.help(name, "known generations");
                                self.r.error_help(
                                    Problem::UnknownGeneration {
                                        name: name.to_string(),
                                        known: gen_names.known(),
                                    },
                                    k.span(),
                                    format!("risk.slip_months.{name}"),
                                    help,
                                );
                            }
                        }
                    }
                }
                other => self.r.error(
                    Problem::WrongType {
                        expected: "a table of generation = distribution",
                        found: type_name(other),
                    },
                    v.span(),
                    "risk.slip_months",
                ),
            }
        }
        slip_months.sort_by_key(|(i, _)| *i);
        // Whether each scalar factor is named in [risk], valid or not: a bad distribution is
        // reported once, not again at every correlation naming it.
        let named = ScalarFactor::ALL.map(|f| t.get(f.name()).is_some());
        let correlation = self.correlation(t, named);
        Some(RiskSpec {
            seed,
            paths: paths?,
            demand_factor,
            power_factor,
            capex_factor,
            delay_months,
            slip_months,
            correlation: correlation?,
        })
    }

    fn correlation(&mut self, t: &Table<'_, '_>, named: [bool; 3]) -> Option<Vec<Correlation>> {
        let Some(v) = t.get("correlation") else {
            return Some(Vec::new());
        };
        let DeValue::Array(items) = v.get_ref() else {
            self.r.error(
                Problem::WrongType {
                    expected: "an array of [factor, factor, rho]",
                    found: type_name(v.get_ref()),
                },
                v.span(),
                "risk.correlation",
            );
            return None;
        };
        let mut out: Vec<Correlation> = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let field = format!("risk.correlation[{i}]");
            // Points at the offending factor or rho when there is one, else at the entry.
            let bad = |c: &mut Self, message: String, at: Range<usize>| {
                c.r.error_help(
                    Problem::BadCorrelation { message },
                    at,
                    field.clone(),
                    "write [\"demand_factor\", \"power_factor\", 0.3]; factors: demand_factor, power_factor, capex_factor",
                );
            };
            let Some(triple) = item.get_ref().as_array().filter(|a| a.len() == 3) else {
                bad(
                    self,
                    "each entry is [factor, factor, rho]".into(),
                    item.span(),
                );
                ok = false;
                continue;
            };
            let mut factors = Vec::new();
            for fv in &triple[..2] {
                match fv.get_ref().as_str() {
                    Some(name) => match ScalarFactor::from_name(name) {
                        Some(f) => {
                            if !named[f as usize] {
                                bad(
                                    self,
                                    format!(
                                        "`{name}` has no distribution in [risk], so it cannot be correlated"
                                    ),
                                    fv.span(),
                                );
                                ok = false;
                            }
                            factors.push(f);
                        }
                        None if ["delay_months", "slip_months"].contains(&name)
                            || name.starts_with("slip_months.") =>
                        {
                            bad(
                                self,
                                format!(
                                    "`{name}` is not a scalar factor; only demand_factor, power_factor and capex_factor can be correlated"
                                ),
                                fv.span(),
                            );
                            ok = false;
                        }
                        None => {
                            bad(self, format!("unknown factor `{name}`"), fv.span());
                            ok = false;
                        }
                    },
                    None => {
                        bad(self, "factor names are strings".into(), fv.span());
                        ok = false;
                    }
                }
            }
            let rho = self.r.number_value(&triple[2], &field).map(|(x, _)| x);
            let (Some(rho), [a, b]) = (rho, factors.as_slice()) else {
                ok = false;
                continue;
            };
            if !(-1.0..=1.0).contains(&rho) {
                bad(
                    self,
                    format!(
                        "|rho| must be at most 1, found {}",
                        crate::error::fmt_num(rho)
                    ),
                    triple[2].span(),
                );
                ok = false;
                continue;
            }
            if a == b {
                bad(
                    self,
                    format!("`{}` is correlated with itself", a.name()),
                    item.span(),
                );
                ok = false;
                continue;
            }
            if out
                .iter()
                .any(|c| (c.a == *a && c.b == *b) || (c.a == *b && c.b == *a))
            {
                bad(
                    self,
                    format!("the pair {} / {} is given twice", a.name(), b.name()),
                    item.span(),
                );
                ok = false;
                continue;
            }
            out.push(Correlation { a: *a, b: *b, rho });
        }
        if !ok {
            return None;
        }
        let m = correlation_matrix(&out);
        let det = det3(&m);
        // All principal minors of a 3×3 correlation matrix with |ρ| ≤ 1 are ≥ 0 except possibly
        // the determinant, so PSD ⇔ det ≥ 0 (with a small tolerance for rounding).
        if det < -1e-12 {
            self.r.error_help(
                Problem::NotPositiveSemiDefinite { determinant: det },
                v.span(),
                "risk.correlation",
                "these correlations cannot hold at once; weaken one of them",
            );
            return None;
        }
        Some(out)
    }
}

/// The span of `part` inside the condition string `text` written at `span`, when the string is
/// written plainly (no escapes), so the diagnostic points at the bad clause; else the whole string.
fn condition_span(src: &str, span: Range<usize>, text: &str, part: &str) -> Range<usize> {
    let literal = src.get(span.clone()).unwrap_or_default();
    let plain = literal.len() == text.len() + 2
        && (literal.starts_with('"') || literal.starts_with('\''))
        && literal.get(1..literal.len() - 1) == Some(text);
    match text.find(part) {
        Some(i) if plain && !part.is_empty() => {
            let start = span.start + 1 + i;
            start..start + part.len()
        }
        _ => span,
    }
}

/// The 3×3 correlation matrix of the scalar factors, in `ScalarFactor` order.
pub fn correlation_matrix(pairs: &[Correlation]) -> [[f64; 3]; 3] {
    let mut m = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
    for c in pairs {
        m[c.a as usize][c.b as usize] = c.rho;
        m[c.b as usize][c.a as usize] = c.rho;
    }
    m
}

fn det3(m: &[[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// Parameter checks of MODEL.md §12 for one distribution. Months (delays, slips) need no check
/// of their own: draws of months are rounded and floored at 0 by the sampler (MODEL.md §10), so
/// any support is meaningful.
pub fn check_distribution(d: &Distribution) -> Result<(), String> {
    match distribution_problem(d) {
        Some((_, message)) => Err(message),
        None => Ok(()),
    }
}

/// What is wrong with a distribution's parameters, and the parameter to point at.
///
/// Beyond MODEL.md §12, a range `max − min` or a weight total that overflows to infinity is
/// refused: the sampler (offtake-risk) divides by them.
fn distribution_problem(d: &Distribution) -> Option<(&'static str, String)> {
    let n = crate::error::fmt_num;
    let spread = |min: f64, max: f64| {
        (!(max - min).is_finite()).then(|| {
            (
                "max",
                format!("the range max − min = {} − {} overflows", n(max), n(min)),
            )
        })
    };
    match d {
        Distribution::Fixed { .. } => None,
        Distribution::Uniform { min, max } => {
            if min > max {
                Some(("min", format!("min {} > max {}", n(*min), n(*max))))
            } else {
                spread(*min, *max)
            }
        }
        Distribution::Triangular { min, mode, max } | Distribution::Pert { min, mode, max } => {
            if min > mode {
                Some(("min", format!("min {} > mode {}", n(*min), n(*mode))))
            } else if mode > max {
                Some(("mode", format!("mode {} > max {}", n(*mode), n(*max))))
            } else {
                spread(*min, *max)
            }
        }
        Distribution::Normal { sd, min, max, mean } => {
            if *sd <= 0.0 {
                return Some(("sd", format!("sd must be > 0, found {}", n(*sd))));
            }
            if let (Some(lo), Some(hi)) = (min, max)
                && lo >= hi
            {
                return Some((
                    "min",
                    format!("min {} must be below max {}", n(*lo), n(*hi)),
                ));
            }
            // Truncation far in a tail leaves no mass to sample from.
            let z_lo = min.map_or(f64::NEG_INFINITY, |lo| (lo - mean) / sd);
            let z_hi = max.map_or(f64::INFINITY, |hi| (hi - mean) / sd);
            if z_lo > 8.0 {
                return Some((
                    "min",
                    "the bounds leave no probability mass (min is more than 8 sd above the mean)"
                        .into(),
                ));
            }
            if z_hi < -8.0 {
                return Some((
                    "max",
                    "the bounds leave no probability mass (max is more than 8 sd below the mean)"
                        .into(),
                ));
            }
            None
        }
        Distribution::Lognormal { median, sigma } => {
            if *median <= 0.0 {
                Some((
                    "median",
                    format!("median must be > 0, found {}", n(*median)),
                ))
            } else if *sigma <= 0.0 {
                Some(("sigma", format!("sigma must be > 0, found {}", n(*sigma))))
            } else {
                None
            }
        }
        Distribution::Discrete { values, weights } => {
            let total: f64 = weights.iter().sum();
            if values.is_empty() {
                Some(("values", "values is empty".into()))
            } else if values.len() != weights.len() {
                Some((
                    "weights",
                    format!("{} values but {} weights", values.len(), weights.len()),
                ))
            } else if weights.iter().any(|w| *w < 0.0) {
                Some(("weights", "weights must not be negative".into()))
            } else if total <= 0.0 {
                Some(("weights", "weights must sum to a positive number".into()))
            } else if !total.is_finite() {
                Some(("weights", "the weights' sum overflows".into()))
            } else {
                None
            }
        }
    }
}

/// An optional number with a default: `None` when present but invalid (already reported).
fn opt_or(v: Option<f64>, t: &Table<'_, '_>, key: &str, default: f64) -> Option<f64> {
    match (v, t.get(key)) {
        (Some(x), _) => Some(x),
        (None, None) => Some(default),
        (None, Some(_)) => None,
    }
}

fn label_of(key: &str) -> &'static str {
    match key {
        "deal" => "[deal]",
        "demand" => "[demand]",
        "pricing" => "[pricing]",
        "take_or_pay" => "[take_or_pay]",
        "commitment" => "[commitment]",
        "provider" => "[provider]",
        "financing" => "[financing]",
        "buyer" => "[buyer]",
        "thresholds" => "[thresholds]",
        "risk" => "[risk]",
        _ => "a table",
    }
}

pub(crate) fn fmt_month(d: NaiveDate) -> String {
    d.format("%Y-%m").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = include_str!("../../../docs/term-sheet.md");

    /// The text of the section whose heading is `## {heading}`, up to the next `## `.
    fn section(heading: &str) -> &'static str {
        let start = DOC
            .find(&format!("\n## {heading}\n"))
            .unwrap_or_else(|| panic!("docs/term-sheet.md has no section `## {heading}`"));
        let body = &DOC[start + 1..];
        let end = body[3..].find("\n## ").map_or(body.len(), |i| i + 3);
        &body[..end]
    }

    /// The per-table examples of the reference, put together, are a valid term sheet (the
    /// provenance example repeats `[commitment]`, so it is left out).
    #[test]
    fn the_reference_examples_form_a_valid_term_sheet() {
        let blocks: Vec<&str> = DOC
            .split("```toml\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .filter(|b| !b.contains("alternatives"))
            .collect();
        assert!(blocks.len() >= 13, "{}", blocks.len());
        let src = blocks.concat();
        match crate::parse(&src) {
            Ok(c) => {
                assert_eq!(c.tranches.len(), 2);
                assert_eq!(c.equity.len(), 2);
                assert!(c.risk.is_some());
            }
            Err(e) => panic!("{e:#?}\n{src}"),
        }
    }

    #[test]
    fn the_reference_documents_every_key() {
        let tables: [(&str, &[&str]); 14] = [
            ("[deal]", DEAL_KEYS),
            ("[[source]]", SOURCE_KEYS),
            ("[[generation]]", GENERATION_KEYS),
            ("[[tranche]]", TRANCHE_KEYS),
            ("[demand]", DEMAND_KEYS),
            ("[pricing]", PRICING_KEYS),
            ("[take_or_pay]", TAKE_OR_PAY_KEYS),
            ("[commitment]", COMMITMENT_KEYS),
            ("[provider]", PROVIDER_KEYS),
            ("[financing]", FINANCING_KEYS),
            ("[buyer]", BUYER_KEYS),
            ("[[equity]]", EQUITY_KEYS),
            ("[thresholds]", THRESHOLDS_KEYS),
            ("[risk]", RISK_KEYS),
        ];
        for (heading, keys) in tables {
            let text = section(heading);
            for key in keys {
                assert!(
                    text.contains(&format!("`{key}`")),
                    "docs/term-sheet.md `## {heading}` does not document `{key}`"
                );
            }
        }
        let top: Vec<&str> = tables
            .iter()
            .map(|(h, _)| h.trim_matches(|c| c == '[' || c == ']'))
            .collect();
        assert_eq!(top.len(), TOP_KEYS.len());
        assert!(TOP_KEYS.iter().all(|k| top.contains(k)));

        let risk = section("[risk]");
        for name in Distribution::NAMES {
            assert!(risk.contains(&format!("`\"{name}\"`")), "dist {name}");
        }
        for param in [
            "value", "min", "mode", "max", "mean", "sd", "median", "sigma",
        ] {
            assert!(risk.contains(&format!("`{param}`")), "param {param}");
        }
        let equity = section("[[equity]]");
        for m in Metric::ALL {
            assert!(equity.contains(&format!("`{}`", m.name())), "metric {m:?}");
        }
        let provenance = section("Provenance and alternatives");
        for e in crate::provenance::Evidence::ALL {
            assert!(provenance.contains(&format!("`\"{}\"`", e.name())));
        }
        for key in ["value", "source", "evidence", "note", "alternatives"] {
            assert!(provenance.contains(&format!("`{key}`")), "{key}");
        }
    }
}
