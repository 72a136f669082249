//! The JSON view of one underwriting run: one object, members in a stable, documented order
//! (docs/output.md). `offtake underwrite --json` and `offtake report --format json` both write it.
//!
//! serde_json's `preserve_order` is off, so a `serde_json::Value` sorts object keys. The order
//! here comes from serializing [`UnderwritingJson`] directly: struct members in declared order,
//! and keyed maps (options, fits, equity, monthly series) through [`Ordered`] in file order.

use std::io::Write;

use offtake_engine::{
    AnnualRow, Legibility, LenderView, Metrics, Outcome, TrancheDeliverability, VerdictDetails,
    Verdicts,
};
use offtake_model::{Alternative, Contract, InputValue, Source, TrancheKind, Variant};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::format::{InputUnit, month};
use crate::pretty::{Doc, Object};
use crate::series::{Values, monthly_series};

/// Bumped when a member is renamed, removed or changes meaning; adding members does not bump it.
pub const SCHEMA_VERSION: u32 = 1;

/// A JSON object whose members keep the order of the pairs (file order), unlike
/// `serde_json::Map`, which sorts them.
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered<K, V>(pub Vec<(K, V)>);

impl<K: Serialize, V: Serialize> Serialize for Ordered<K, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The whole result of one run, ready to serialize (members in the order documented in
/// docs/output.md).
#[derive(Debug, Clone, Serialize)]
pub struct UnderwritingJson<'a> {
    pub schema_version: u32,
    pub deal: DealJson<'a>,
    /// A what-if on the scenario that is not a term of the sheet (`--demand-factor`); absent
    /// (not null) on a run of the sheet as written, so such documents are unchanged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<ScenarioJson>,
    pub metrics: &'a Metrics,
    pub verdicts: &'a Verdicts,
    pub verdict_details: &'a VerdictDetails,
    pub legibility: &'a Legibility,
    /// Party id → probability of default within the term (MODEL.md §14), in
    /// `Contract::parties` order; the buyer always first.
    pub credit: Ordered<&'a str, f64>,
    /// How the loan was sized and tested (MODEL.md §15); null without `[financing]`.
    pub lender: Option<&'a LenderView>,
    pub monthly: MonthlyJson<'a>,
    pub annual: Vec<AnnualJson<'a>>,
    /// Option tranche id → exercised, in file order (firm tranches are not listed).
    pub options: Ordered<&'a str, bool>,
    pub option_decisions: Vec<OptionJson<'a>>,
    /// Tranche id → [[period, generation], …], in file order.
    pub fits: Ordered<&'a str, &'a [(usize, String)]>,
    pub tranches: Vec<TrancheJson<'a>>,
    /// Equity tranche id → period paid (null: never paid), in file order.
    pub equity: Ordered<&'a str, Option<usize>>,
    pub equity_payments: Vec<EquityJson<'a>>,
    pub deliverability: &'a [TrancheDeliverability],
    pub inputs: Vec<InputJson<'a>>,
    pub sources: &'a [Source],
}

/// Which deal and which reading of it.
#[derive(Debug, Clone, Serialize)]
pub struct DealJson<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub buyer: Option<&'a str>,
    pub provider: Option<&'a str>,
    /// `YYYY-MM`, period 0.
    pub start: String,
    /// `YYYY-MM`, period T−1.
    pub end: String,
    pub term_months: u32,
    pub max_mw: Option<f64>,
    /// `[deal] binding` (MODEL.md §13): false for a letter of intent, never contracted.
    pub binding: bool,
    /// Alternatives selected with `--variant` (empty: the base case).
    pub variants: Vec<VariantJson>,
}

impl<'a> DealJson<'a> {
    /// The deal's identity and term, with no variants recorded.
    pub fn new(contract: &'a Contract) -> Self {
        let deal = &contract.deal;
        DealJson {
            id: &deal.id,
            name: deal.name.as_deref(),
            buyer: deal.buyer.as_deref(),
            provider: deal.provider.as_deref(),
            start: month(deal.start),
            end: month(contract.period_start(i64::from(deal.term_months) - 1)),
            term_months: deal.term_months,
            max_mw: deal.max_mw,
            binding: deal.binding,
            variants: Vec::new(),
        }
    }
}

/// The what-if a run was asked for beyond the term sheet.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScenarioJson {
    /// Multiplies the sheet's demand curve (MODEL.md §4; 1 is the sheet's own demand).
    pub demand_factor: f64,
}

/// A selected alternative of a sourced term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantJson {
    pub term: String,
    /// 1 is the first alternative.
    pub n: usize,
    /// The value the run used.
    pub value: Option<InputValue>,
    pub source: Option<String>,
    pub evidence: Option<&'static str>,
}

impl VariantJson {
    /// The variant as the run saw it: its value, source and grade from the contract's inputs.
    pub fn new(contract: &Contract, variant: &Variant) -> VariantJson {
        let input = contract.inputs.iter().find(|i| i.path == variant.term);
        VariantJson {
            term: variant.term.clone(),
            n: variant.n,
            value: input.map(|i| i.value),
            source: input.and_then(|i| i.source.clone()),
            evidence: input.and_then(|i| i.evidence.map(|e| e.name())),
        }
    }

    /// The variant as written in the base contract's inputs: the value, source and grade of its
    /// alternative, whether or not the run could use it (an invalid combination).
    pub fn of_alternative(base: &Contract, variant: &Variant) -> VariantJson {
        let alternative = base
            .inputs
            .iter()
            .find(|i| i.path == variant.term)
            .and_then(|i| variant.n.checked_sub(1).and_then(|k| i.alternatives.get(k)));
        VariantJson {
            term: variant.term.clone(),
            n: variant.n,
            value: alternative.map(|a| a.value),
            source: alternative.and_then(|a| a.source.clone()),
            evidence: alternative.and_then(|a| a.evidence.map(|e| e.name())),
        }
    }

    /// `pricing.discount=1 (0.12)`.
    pub fn label(&self) -> String {
        let value = self
            .value
            .map(|v| format!(" ({})", InputUnit::of_path(&self.term).label_value(v)))
            .unwrap_or_default();
        format!("{}={}{value}", self.term, self.n)
    }
}

/// Monthly series as arrays over periods 0 … T−1.
#[derive(Debug, Clone, Serialize)]
pub struct MonthlyJson<'a> {
    /// `YYYY-MM` of each period.
    pub months: Vec<String>,
    #[serde(flatten)]
    /// Each series of [`monthly_series`]: an array of numbers, `null` elements where a value
    /// does not exist (LTV), or `null` for a series the run does not have (market value).
    pub series: Ordered<&'static str, Values<'a>>,
    /// Tranche id → mw_k·a_k(t) (0 for an unexercised option), in file order.
    pub tranche_capacity_mw: Ordered<&'a str, &'a [f64]>,
}

impl MonthlyJson<'_> {
    /// The members into `o` (opened for them, ended here) as the derived `Serialize` writes
    /// them, the series by the array writer.
    fn write_pretty(&self, mut o: Object<'_>) -> crate::Result<()> {
        let MonthlyJson {
            months,
            series,
            tranche_capacity_mw,
        } = self;
        o.strings("months", months)?;
        for (name, values) in &series.0 {
            match values {
                Values::Numbers(xs) => o.numbers(name, xs.iter().copied())?,
                // serde_json writes None and NaN alike: null.
                Values::Gaps(xs) => o.numbers(name, xs.iter().map(|x| x.unwrap_or(f64::NAN)))?,
                Values::Absent => o.null(name)?,
            }
        }
        let mut t = o.object("tranche_capacity_mw")?;
        for (id, xs) in &tranche_capacity_mw.0 {
            t.numbers(id, xs.iter().copied())?;
        }
        t.end();
        o.end();
        Ok(())
    }
}

/// One contract year with its months.
#[derive(Debug, Clone, Serialize)]
pub struct AnnualJson<'a> {
    #[serde(flatten)]
    pub row: &'a AnnualRow,
    pub first_month: String,
    pub last_month: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionJson<'a> {
    pub tranche: &'a str,
    pub exercise_period: i64,
    /// `YYYY-MM` of the exercise date as written.
    pub exercise_month: String,
    pub trailing_utilization: Option<f64>,
    pub threshold: f64,
    pub exercised: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct FitJson<'a> {
    pub period: usize,
    pub month: String,
    pub generation: &'a str,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrancheJson<'a> {
    pub id: &'a str,
    /// `firm` or `option`.
    pub kind: &'static str,
    pub mw: f64,
    /// Firm, or an exercised option.
    pub exists: bool,
    /// o_k, may be ≥ T.
    pub online_period: i64,
    /// `YYYY-MM` of o_k; null when it never comes online within the term.
    pub online_month: Option<String>,
    pub fits: Vec<FitJson<'a>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EquityJson<'a> {
    pub id: &'a str,
    pub amount: f64,
    pub round_trip: f64,
    pub period: Option<usize>,
    pub month: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputJson<'a> {
    pub path: &'a str,
    pub value: InputValue,
    pub unit: &'static str,
    /// `disclosed`, `reported`, `estimated`, `assumed` or `ungraded`.
    pub evidence: &'static str,
    pub disclosed: bool,
    pub source: Option<&'a str>,
    pub note: Option<&'a str>,
    /// 1-based line in the term sheet.
    pub line: usize,
    pub alternatives: &'a [Alternative],
}

impl<'a> UnderwritingJson<'a> {
    /// The report of `outcome`, a run of `contract` (base case or with its variants applied).
    pub fn new(contract: &'a Contract, outcome: &'a Outcome) -> Self {
        let s = &outcome.schedule;
        let period_month = |t: i64| month(contract.period_start(t));
        let n = contract.term_months() as i64;
        UnderwritingJson {
            schema_version: SCHEMA_VERSION,
            deal: DealJson::new(contract),
            scenario: None,
            metrics: &outcome.metrics,
            verdicts: &outcome.verdicts,
            verdict_details: &outcome.verdict_details,
            legibility: &outcome.legibility,
            credit: credit(outcome),
            lender: outcome.lender.as_ref(),
            monthly: MonthlyJson {
                months: s.months.iter().map(|d| month(*d)).collect(),
                series: Ordered(
                    monthly_series(s)
                        .into_iter()
                        .map(|x| (x.name, x.values))
                        .collect(),
                ),
                tranche_capacity_mw: Ordered(
                    s.tranche_ids
                        .iter()
                        .zip(&s.tranche_capacity_mw)
                        .map(|(id, v)| (id.as_str(), v.as_slice()))
                        .collect(),
                ),
            },
            annual: outcome
                .annual
                .iter()
                .map(|row| AnnualJson {
                    row,
                    first_month: period_month(row.first_period as i64),
                    last_month: period_month(row.last_period as i64),
                })
                .collect(),
            options: Ordered(
                outcome
                    .options
                    .iter()
                    .map(|o| (o.tranche.as_str(), o.exercised))
                    .collect(),
            ),
            option_decisions: outcome
                .options
                .iter()
                .map(|o| OptionJson {
                    tranche: &o.tranche,
                    exercise_period: o.exercise_period,
                    exercise_month: exercise_month(contract, &o.tranche)
                        .unwrap_or_else(|| period_month(o.exercise_period)),
                    trailing_utilization: o.trailing_utilization,
                    threshold: o.threshold,
                    exercised: o.exercised,
                })
                .collect(),
            fits: Ordered(
                outcome
                    .fits
                    .iter()
                    .map(|f| (f.tranche.as_str(), f.fits.as_slice()))
                    .collect(),
            ),
            tranches: outcome
                .fits
                .iter()
                .map(|f| {
                    let tranche = contract
                        .tranche_index(&f.tranche)
                        .map(|k| &contract.tranches[k]);
                    let exists = tranche.is_some_and(|t| !t.is_option())
                        || outcome
                            .options
                            .iter()
                            .any(|o| o.tranche == f.tranche && o.exercised);
                    TrancheJson {
                        id: &f.tranche,
                        kind: if tranche.is_some_and(|t| t.is_option()) {
                            "option"
                        } else {
                            "firm"
                        },
                        mw: tranche.map_or(0.0, |t| t.mw),
                        exists,
                        online_period: f.online_period,
                        online_month: (f.online_period < n).then(|| period_month(f.online_period)),
                        fits: f
                            .fits
                            .iter()
                            .map(|(period, generation)| FitJson {
                                period: *period,
                                month: period_month(*period as i64),
                                generation,
                            })
                            .collect(),
                    }
                })
                .collect(),
            equity: Ordered(
                outcome
                    .equity
                    .iter()
                    .map(|e| (e.id.as_str(), e.period))
                    .collect(),
            ),
            equity_payments: outcome
                .equity
                .iter()
                .map(|e| EquityJson {
                    id: &e.id,
                    amount: e.amount,
                    round_trip: contract
                        .equity
                        .iter()
                        .find(|x| x.id == e.id)
                        .map_or(0.0, |x| x.round_trip),
                    period: e.period,
                    month: e.period.map(|t| period_month(t as i64)),
                })
                .collect(),
            deliverability: &outcome.deliverability,
            inputs: contract
                .inputs
                .iter()
                .map(|i| InputJson {
                    path: &i.path,
                    value: i.value,
                    unit: InputUnit::of_path(&i.path).name(),
                    evidence: i.grade_name(),
                    disclosed: !i.is_undisclosed(),
                    source: i.source.as_deref(),
                    note: i.note.as_deref(),
                    line: i.line,
                    alternatives: &i.alternatives,
                })
                .collect(),
            sources: &contract.sources,
        }
    }

    /// Records the alternatives the run used (`--variant`); base selections (n = 0) are dropped.
    pub fn with_variants(mut self, contract: &Contract, variants: &[Variant]) -> Self {
        self.deal.variants = variants
            .iter()
            .filter(|v| v.n > 0)
            .map(|v| VariantJson::new(contract, v))
            .collect();
        self
    }

    /// Records the what-if demand factor the run used (`--demand-factor`); none: the sheet's
    /// own demand, and no `scenario` member.
    pub fn with_demand_factor(mut self, demand_factor: Option<f64>) -> Self {
        self.scenario = demand_factor.map(|demand_factor| ScenarioJson { demand_factor });
        self
    }

    /// Pretty JSON, members in declared order, with a final newline: the bytes of
    /// `serde_json::to_string_pretty` and `\n`. The monthly series (most of the text) are
    /// written by [`crate::pretty`]'s array writer, the other members by its serializer
    /// (`pretty::ser`).
    pub fn to_vec_pretty(&self) -> crate::Result<Vec<u8>> {
        let mut doc = Doc::new(self.size_hint());
        self.write_pretty(&mut doc)?;
        Ok(doc.finish())
    }

    /// [`Self::to_vec_pretty`] as a `String`.
    pub fn to_string_pretty(&self) -> crate::Result<String> {
        let bytes = self.to_vec_pretty()?;
        // Only UTF-8 is written; the check cannot fail.
        String::from_utf8(bytes).map_err(|e| crate::Error::Io {
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })
    }

    /// The members as the derived `Serialize` writes them (same names, order and skipped
    /// `scenario`); destructured without `..`, so a new member does not compile until it is
    /// written here too.
    fn write_pretty(&self, doc: &mut Doc) -> crate::Result<()> {
        let UnderwritingJson {
            schema_version,
            deal,
            scenario,
            metrics,
            verdicts,
            verdict_details,
            legibility,
            credit,
            lender,
            monthly,
            annual,
            options,
            option_decisions,
            fits,
            tranches,
            equity,
            equity_payments,
            deliverability,
            inputs,
            sources,
        } = self;
        let mut o = doc.root();
        o.member("schema_version", schema_version)?;
        o.member("deal", deal)?;
        if let Some(scenario) = scenario {
            o.member("scenario", scenario)?;
        }
        o.member("metrics", metrics)?;
        o.member("verdicts", verdicts)?;
        o.member("verdict_details", verdict_details)?;
        o.member("legibility", legibility)?;
        o.member("credit", credit)?;
        o.member("lender", lender)?;
        monthly.write_pretty(o.object("monthly")?)?;
        o.member("annual", annual)?;
        o.member("options", options)?;
        o.member("option_decisions", option_decisions)?;
        o.member("fits", fits)?;
        o.member("tranches", tranches)?;
        o.member("equity", equity)?;
        o.member("equity_payments", equity_payments)?;
        o.member("deliverability", deliverability)?;
        o.member("inputs", inputs)?;
        o.member("sources", sources)?;
        o.end();
        Ok(())
    }

    /// Writes [`Self::to_vec_pretty`] to `out`.
    pub fn write(&self, out: &mut dyn Write) -> crate::Result<()> {
        out.write_all(&self.to_vec_pretty()?)?;
        Ok(())
    }

    /// A little more than the document's length: the monthly and annual numbers dominate it
    /// (about 20 bytes each with their indent), plus the rest.
    fn size_hint(&self) -> usize {
        let months = self.monthly.months.len();
        let monthly = self.monthly.series.0.len() + self.monthly.tranche_capacity_mw.0.len() + 1;
        let annual = self.annual.len() * 64;
        (months * monthly + annual) * 24 + 32 * 1024
    }
}

/// Each party's probability of default within the term, the buyer first even when the engine
/// reports no party (then from `metrics.buyer_pd_term`).
fn credit(outcome: &Outcome) -> Ordered<&str, f64> {
    let mut parties: Vec<(&str, f64)> = outcome
        .credit
        .iter()
        .map(|p| (p.id.as_str(), p.pd_term))
        .collect();
    if !parties.iter().any(|(id, _)| *id == "buyer") {
        parties.insert(0, ("buyer", outcome.metrics.buyer_pd_term));
    }
    Ordered(parties)
}

/// The month of an option's exercise date as written (it may lie before the start).
fn exercise_month(contract: &Contract, tranche: &str) -> Option<String> {
    let k = contract.tranche_index(tranche)?;
    match contract.tranches[k].kind {
        TrancheKind::Option { exercise, .. } => Some(month(exercise)),
        TrancheKind::Firm => None,
    }
}

/// The report as a `serde_json::Value`, for callers that inspect or merge it. Object keys in a
/// `Value` are sorted (serde_json without `preserve_order`); serialize [`UnderwritingJson`]
/// directly for the documented member order.
pub fn underwriting_json(contract: &Contract, outcome: &Outcome) -> serde_json::Value {
    // Every map key is a string, so conversion cannot fail; Null would only mark a bug.
    serde_json::to_value(UnderwritingJson::new(contract, outcome)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ordered_keeps_file_order() {
        let m = Ordered(vec![("zeta", 1), ("alpha", 2)]);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"zeta":1,"alpha":2}"#
        );
    }

    /// A value with the monthly series as its one member, as the document nests them.
    #[derive(Serialize)]
    struct Wrap<'a> {
        monthly: &'a MonthlyJson<'a>,
    }

    fn by_hand(monthly: &MonthlyJson<'_>) -> String {
        let mut doc = Doc::new(0);
        let mut root = doc.root();
        monthly
            .write_pretty(root.object("monthly").unwrap())
            .unwrap();
        root.end();
        String::from_utf8(doc.finish()).unwrap()
    }

    fn number() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<f64>(),
            Just(-0.0),
            Just(f64::NAN),
            Just(f64::NEG_INFINITY),
            Just(1e21),
            Just(1e-7),
            Just(5e-324),
            (-1e12f64..1e12).prop_map(f64::trunc),
            (-1e12f64..1e12),
        ]
    }

    const NAMES: [&str; 4] = ["hours", "ltv", "odd \"name\"\n", "é"];

    proptest! {
        #[test]
        fn the_monthly_writer_matches_serde_json(
            months in prop::collection::vec("[0-9a-z\"\\\\\n\u{1}é-]{0,8}", 0..6),
            series in prop::collection::vec(
                (0usize..4, 0u8..3, prop::collection::vec(prop::option::weighted(0.8, number()), 0..12)),
                0..6,
            ),
            tranches in prop::collection::vec(
                ("[a-z\"\\\\\t-]{0,6}", prop::collection::vec(number(), 0..8)),
                0..4,
            ),
        ) {
            let numbers: Vec<Vec<f64>> = series
                .iter()
                .map(|(_, _, xs)| xs.iter().map(|x| x.unwrap_or(f64::NAN)).collect())
                .collect();
            let monthly = MonthlyJson {
                months,
                series: Ordered(
                    series
                        .iter()
                        .zip(&numbers)
                        .map(|((name, kind, gaps), xs)| {
                            let values = match kind {
                                0 => Values::Numbers(xs),
                                1 => Values::Gaps(gaps),
                                _ => Values::Absent,
                            };
                            (NAMES[*name], values)
                        })
                        .collect(),
                ),
                tranche_capacity_mw: Ordered(
                    tranches.iter().map(|(id, xs)| (id.as_str(), xs.as_slice())).collect(),
                ),
            };
            let expected = serde_json::to_string_pretty(&Wrap { monthly: &monthly }).unwrap() + "\n";
            prop_assert_eq!(by_hand(&monthly), expected);
        }
    }
}
