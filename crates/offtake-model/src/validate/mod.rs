//! Term sheet → `Contract`: reads every table, checks MODEL.md §12, and collects every problem.
//!
//! One file per table (or group of related tables); this file holds the walk over the whole
//! term sheet, the checks that join several tables, and the helpers the tables share.

mod commitments;
mod credit;
mod deal;
mod demand;
mod equity;
mod financing;
mod pricing;
mod risk;
mod roadmap;
mod tranches;

pub use risk::{check_distribution, correlation_matrix};

use std::collections::HashMap;
use std::ops::Range;

use crate::tree::{DeTable, DeValue};

use crate::contract::*;
use crate::error::{Diagnostic, Error, Problem};
use crate::reader::{
    Label, Limits, NO_OVERRIDES, Overrides, Reader, Table, Value, Variants, suggest, type_name,
};

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
    "guarantee",
    "backstop",
    "market",
];

// Each table's file holds the keys that table allows (`DEAL_KEYS` in deal.rs, …); docs/term-sheet.md
// lists each and a unit test below keeps them in step.

struct Ctx<'v> {
    r: Reader<'v>,
    /// Where `[deal] max_mw`'s value is, for the check against the sum of tranches.
    max_mw_span: Range<usize>,
    /// T of `[deal]` once read (none when it does not read): bounds `min_annual_spend` years.
    term_months: Option<u32>,
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
/// The names borrow the tree: no copy of each.
struct Names<'t> {
    list: Vec<&'t str>,
    /// Where each name is in `list`, once it holds more than [`SCANNED_NAMES`] (a generated file's
    /// thousands of ids must not make each reference a scan); a shorter list is scanned, with
    /// no hash table to build and no name to hash.
    index: Option<HashMap<&'t str, usize>>,
}

/// Lists of at most this many names are scanned, not indexed.
const SCANNED_NAMES: usize = 16;

impl<'t> Names<'t> {
    /// The string under `id_key` in each table of `[[key]]`, first occurrence kept.
    fn declared(top: &Table<'t, '_>, key: &str, id_key: &str) -> Names<'t> {
        let mut names = Names {
            list: Vec::new(),
            index: None,
        };
        let Some(DeValue::Array(items)) = top.get(key).map(|v| v.get_ref()) else {
            return names;
        };
        names.list.reserve(items.len());
        for item in items.iter() {
            let id = item.get_ref().as_table().and_then(|m| entry_id(m, id_key));
            if let Some(id) = id
                && names.position(id).is_none()
            {
                let at = names.list.len();
                names.list.push(id);
                match &mut names.index {
                    Some(index) => {
                        index.insert(id, at);
                    }
                    None if names.list.len() > SCANNED_NAMES => {
                        names.index = Some(
                            names
                                .list
                                .iter()
                                .enumerate()
                                .map(|(i, &name)| (name, i))
                                .collect(),
                        );
                    }
                    None => {}
                }
            }
        }
        names
    }

    fn position(&self, name: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(name).copied(),
            None => self.list.iter().position(|&n| crate::reader::same(n, name)),
        }
    }

    /// Up to [`KNOWN_LISTED`] names, for `Problem::Unknown*::known`.
    fn known(&self) -> Vec<String> {
        self.list
            .iter()
            .take(KNOWN_LISTED)
            .map(|s| s.to_string())
            .collect()
    }

    /// "did you mean `x`?" or the list of known names (`what`: "known generations").
    fn help(&self, name: &str, what: &str) -> String {
        match suggest(name, &self.list) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("{what}: {}", listing(&self.list)),
        }
    }
}

/// The string under `id_key` (`id`, or `name` for a generation) of an entry of an array of
/// tables, as written, valid or not; none when it is absent or not a string.
fn entry_id<'t>(map: &'t DeTable<'_>, id_key: &str) -> Option<&'t str> {
    map.get(id_key).and_then(|v| v.get_ref().as_str())
}

/// `{kind}.{id}` (or `{kind}.[{i}]` without a string `id_key`): the prefix of the fields of the
/// entry `i` of `[[kind]]`, its id as written, valid or not. Written in one allocation of the
/// exact size.
fn entry_prefix(kind: &str, map: &DeTable<'_>, id_key: &str, i: usize) -> String {
    match entry_id(map, id_key) {
        Some(id) => crate::reader::dotted(kind, id),
        None => crate::reader::indexed_parts(&[kind, "."], i),
    }
}

/// How many known names a diagnostic carries: a file with thousands of ids and thousands of bad
/// references must not make every diagnostic copy every id.
const KNOWN_LISTED: usize = 50;

/// `a, b, c` — at most ten names, then how many more.
fn listing(names: &[&str]) -> String {
    if names.is_empty() {
        return "none".to_string();
    }
    let shown: Vec<&str> = names.iter().take(10).copied().collect();
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
    validate_with(src, root, variants, &NO_OVERRIDES, false).0
}

/// [`validate`] with numeric terms replaced by `overrides` (each checked as if written in the
/// file), and, when `limits`, the [`Limits`] of every number read.
pub(crate) fn validate_with(
    src: &str,
    root: &DeTable<'_>,
    variants: &Variants,
    overrides: &Overrides,
    limits: bool,
) -> (Result<Contract, Error>, Vec<(String, Limits)>) {
    let mut r = Reader::new(src, variants);
    r.overrides = overrides;
    r.collect_limits = limits;
    let mut c = Ctx {
        r,
        max_mw_span: 0..0,
        term_months: None,
    };
    let result = read_all(&mut c, src, root);
    (result, std::mem::take(&mut c.r.limits))
}

fn read_all(c: &mut Ctx<'_>, src: &str, root: &DeTable<'_>) -> Result<Contract, Error> {
    let top = Table {
        map: root,
        span: (0, src.len().min(1)),
        label: Label::Plain("the term sheet"),
        prefix: "",
    };
    c.r.check_keys(&top, TOP_KEYS);

    let deal = c.single(&top, "deal", true).and_then(|t| c.deal(&t));
    let sources = c.sources(&top);
    // References read from here on to a known source need no check (nor a copy of their id).
    c.r.known_sources = Some(sources.iter().map(|s| s.id.clone()).collect());
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
    let market = c.single(&top, "market", false).map(|t| c.market(&t));
    let buyer_raw = c.single(&top, "buyer", false).map(|t| c.buyer(&t));
    let (guarantees, backstops) = c.credit_support(&top);
    let equity = c.equity(&top);
    let thresholds_raw = c
        .single(&top, "thresholds", false)
        .map(|t| c.thresholds(&t));
    let tranche_ids = Names::declared(&top, "tranche", "id");
    let parties = risk::declared_parties(&top);
    let risk = c
        .single(&top, "risk", false)
        .and_then(|t| c.risk(&t, &gen_names, &tranche_ids, &parties));

    // Cross checks that need several tables.
    let source_set = c.r.known_sources.take().unwrap_or_default();
    // The ids in file order, copied once only for a file with an unknown source.
    let mut known_sources: Option<Vec<String>> = None;
    for (id, span, field) in std::mem::take(&mut c.r.source_refs) {
        if !source_set.contains(id.as_str()) {
            let known_sources =
                known_sources.get_or_insert_with(|| sources.iter().map(|s| s.id.clone()).collect());
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
        if !crate::rules::at_least(max, total) {
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
        return Err(std::mem::take(&mut c.r.diags).into_error());
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
    let incomplete = || {
        Error::invalid(vec![Diagnostic {
            problem: Problem::MissingTable {
                table: "a required table".into(),
            },
            span: 0..0,
            field: String::new(),
            help: None,
        }])
    };
    let provider = provider.ok_or_else(incomplete)?;
    let pricing = pricing.ok_or_else(incomplete)?;
    let buyer = {
        let b = buyer_raw.flatten().unwrap_or_default();
        Buyer {
            discount_rate: b.discount_rate.unwrap_or(provider.discount_rate),
            value_per_pflop_hour: b.value_per_pflop_hour.unwrap_or(pricing.list_price),
            value_given: b.value_per_pflop_hour.is_some(),
            credit: b.credit,
            remarket: b.remarket.unwrap_or(0.5),
        }
    };
    let thresholds = {
        let t = thresholds_raw.unwrap_or_default();
        let dscr = t.dscr.unwrap_or(1.30);
        Thresholds {
            coverage: t.coverage.unwrap_or(1.0),
            dscr,
            hurdle: t.hurdle.unwrap_or(provider.discount_rate),
            delivery: t.delivery.unwrap_or(0.95),
            llcr: t.llcr.unwrap_or(dscr),
            ltv: t.ltv.unwrap_or(0.8),
        }
    };
    // A sculpted loan without `target_dscr` aims at `[thresholds] dscr` (MODEL.md §15).
    let financing = financing.map(|f| {
        let mut financing = f.financing;
        if let Sizing::Sculpted { target_dscr, .. } = &mut financing.sizing {
            *target_dscr = f.target_dscr.unwrap_or(thresholds.dscr);
        }
        financing
    });
    // A generation without its own list price bills at `[pricing] list_price` (MODEL.md §13).
    let generations = generations
        .into_iter()
        .map(|(mut g, _, own)| {
            g.list_price = own.unwrap_or(pricing.list_price);
            g
        })
        .collect();
    Ok(Contract {
        deal: deal.ok_or_else(incomplete)?,
        sources,
        generations,
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
        guarantees,
        backstops,
        market: market.flatten(),
        inputs: std::mem::take(&mut c.r.inputs),
    })
}

/// Terms that carry alternatives, found without applying any variant.
pub(crate) fn alternative_terms(src: &str, root: &DeTable<'_>) -> Vec<(String, usize)> {
    let none = Variants::new();
    let mut c = Ctx {
        r: Reader::new(src, &none),
        max_mw_span: 0..0,
        term_months: None,
    };
    let top = Table {
        map: root,
        span: (0, 0),
        label: Label::Plain("the term sheet"),
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
    c.credit_support(&top);
    if let Some(t) = c.single(&top, "market", false) {
        c.market(&t);
    }
    c.equity(&top);
    if let Some(t) = c.single(&top, "thresholds", false) {
        c.thresholds(&t);
    }
    if let Some(t) = c.single(&top, "risk", false) {
        c.risk(&t, &gen_names, &ids, &risk::declared_parties(&top));
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
                label: Label::Plain(label_of(key)),
                prefix: key,
            }),
            _ => {
                self.r.wrong_type(v, "a table", key);
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
        let mut out = Vec::with_capacity(items.len());
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(m) => out.push((m, item.span())),
                _ => self.r.wrong_type(item, "a table", key),
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
        "market" => "[market]",
        _ => "a table",
    }
}

#[cfg(test)]
mod tests {
    use super::commitments::COMMITMENT_KEYS;
    use super::credit::{BACKSTOP_KEYS, CREDIT_KEYS, GUARANTEE_KEYS};
    use super::deal::{DEAL_KEYS, SOURCE_KEYS};
    use super::demand::DEMAND_KEYS;
    use super::equity::EQUITY_KEYS;
    use super::financing::{
        BUYER_KEYS, FINANCING_KEYS, MARKET_KEYS, PROVIDER_KEYS, THRESHOLDS_KEYS,
    };
    use super::pricing::{PRICING_KEYS, TAKE_OR_PAY_KEYS};
    use super::risk::RISK_KEYS;
    use super::roadmap::GENERATION_KEYS;
    use super::tranches::TRANCHE_KEYS;
    use super::*;
    use crate::distribution::Distribution;

    const DOC: &str = include_str!("../../../../docs/term-sheet.md");

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
                assert_eq!((c.guarantees.len(), c.backstops.len()), (1, 1));
                assert!(c.buyer.credit.is_some() && c.market.is_some());
            }
            Err(e) => panic!("{e:#?}\n{src}"),
        }
    }

    #[test]
    fn entry_prefixes_name_an_entry_by_its_id_or_its_index() {
        let root = crate::syntax::parse_toml("a = { id = \"x-1\" }\nb = { id = 3 }\nc = {}\n")
            .expect("toml");
        for (key, i, want) in [
            ("a", 7, "tranche.x-1"),
            ("b", 7, "tranche.[7]"),
            ("c", 12, "tranche.[12]"),
        ] {
            let map = root
                .get(key)
                .and_then(|v| v.get_ref().as_table())
                .expect("table");
            assert_eq!(entry_prefix("tranche", map, "id", i), want);
        }
    }

    #[test]
    fn the_reference_documents_every_key() {
        let tables: [(&str, &[&str]); 17] = [
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
            ("[[guarantee]]", GUARANTEE_KEYS),
            ("[[backstop]]", BACKSTOP_KEYS),
            ("[market]", MARKET_KEYS),
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

        // A credit table is documented once, under [buyer].
        let buyer = section("[buyer]");
        for key in CREDIT_KEYS {
            assert!(buyer.contains(&format!("`{key}`")), "credit {key}");
        }
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
