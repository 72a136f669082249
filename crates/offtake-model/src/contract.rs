//! The validated `Contract`: what was agreed, with every invariant of MODEL.md §12 already checked.
//!
//! Nothing here can be built from raw input except through [`crate::parse`], so the engine never
//! meets an invalid contract and has no "invalid input" error of its own. Dates are kept as the
//! first day of their month (only the month counts, MODEL.md §1); [`Contract::period_of`] turns them
//! into period indices.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::distribution::Distribution;
use crate::provenance::{Input, Source};

/// A validated term sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contract {
    pub deal: Deal,
    pub sources: Vec<Source>,
    /// In roadmap order (base `available` non-decreasing).
    pub generations: Vec<Generation>,
    /// In file order.
    pub tranches: Vec<Tranche>,
    pub demand: Demand,
    pub pricing: Pricing,
    pub take_or_pay: Option<TakeOrPay>,
    pub commitment: Option<Commitment>,
    pub provider: Provider,
    pub financing: Option<Financing>,
    pub buyer: Buyer,
    pub equity: Vec<EquityTranche>,
    pub thresholds: Thresholds,
    pub risk: Option<RiskSpec>,
    /// `[[guarantee]]` in file order (MODEL.md §14).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub guarantees: Vec<Guarantee>,
    /// `[[backstop]]` in file order (MODEL.md §14).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backstops: Vec<Backstop>,
    /// `[market]` (MODEL.md §15); none: no market value, no LTV.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub market: Option<Market>,
    /// Every numeric input with its provenance (MODEL.md §11), in file order.
    pub inputs: Vec<Input>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Deal {
    pub id: String,
    pub name: Option<String>,
    pub buyer: Option<String>,
    pub provider: Option<String>,
    /// First day of the start month.
    pub start: NaiveDate,
    /// T, the number of monthly periods (1 ..= 600).
    pub term_months: u32,
    pub max_mw: Option<f64>,
    /// `[deal] binding` (default true): a non-binding deal (a letter of intent) has no
    /// zero-usage revenue and is never contracted (MODEL.md §9, §13).
    pub binding: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Generation {
    pub name: String,
    pub available: NaiveDate,
    /// PFLOP/s (dense BF16) per MW of IT power.
    pub pflops_per_mw: f64,
    /// USD per MW.
    pub chip_capex_per_mw: f64,
    /// round(12 · life_years), at least 1.
    pub life_months: u32,
    /// USD per PFLOP-hour before discount and escalation (MODEL.md §13); `[pricing] list_price`
    /// when the generation gives none.
    pub list_price: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrancheKind {
    Firm,
    Option {
        exercise: NaiveDate,
        exercise_utilization: f64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tranche {
    pub id: String,
    pub mw: f64,
    pub online: NaiveDate,
    pub ramp_months: u32,
    pub build_months: u32,
    pub deadline: Option<NaiveDate>,
    /// Index into [`Contract::generations`] of the generation promised.
    pub generation: Option<usize>,
    pub kind: TrancheKind,
}

impl Tranche {
    pub fn is_option(&self) -> bool {
        matches!(self.kind, TrancheKind::Option { .. })
    }
}

/// A demand curve point: (month, value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    pub month: NaiveDate,
    pub value: f64,
}

/// MODEL.md §4: exactly one of absolute PFLOP/s or relative utilization.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "points", rename_all = "snake_case")]
pub enum Demand {
    /// PFLOP/s the buyer wants, points in strictly increasing months.
    Pflops(Vec<CurvePoint>),
    /// Fraction of available compute the buyer uses.
    Utilization(Vec<CurvePoint>),
}

impl Demand {
    pub fn points(&self) -> &[CurvePoint] {
        match self {
            Demand::Pflops(p) | Demand::Utilization(p) => p,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pricing {
    /// USD per PFLOP-hour.
    pub list_price: f64,
    pub discount: f64,
    /// Annual, stepped by contract year; may be negative (> −1).
    pub escalation: f64,
    /// USD per MW-month of delivered capacity, escalated like the price, not discounted
    /// (MODEL.md §13); 0 when not given.
    pub capacity_charge: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Settlement {
    Monthly,
    Annual,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TakeOrPay {
    /// Fraction of available compute.
    pub floor: f64,
    /// Both months included; `None` = the whole term on that side.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub settle: Settlement,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Commitment {
    /// M; none: no total true-up (not a minimum of 0).
    pub min_total_spend: Option<f64>,
    /// Yearly minimums m_y (MODEL.md §13), in file order; years not listed have none.
    pub min_annual_spend: Vec<AnnualMinimum>,
    /// Minimums scaled by the delivery ratio (default true); false: owed in full (v1).
    pub excused_by_non_delivery: bool,
}

/// A yearly minimum spend: contract year (1-based, within the term) and USD.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AnnualMinimum {
    pub year: u32,
    pub amount: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provider {
    pub facility_capex_per_mw: f64,
    pub facility_life_months: u32,
    /// USD per MWh.
    pub power_price: f64,
    pub power_escalation: f64,
    pub pue: f64,
    pub idle_power: f64,
    pub fixed_opex_per_mw_year: f64,
    pub tax_rate: f64,
    pub discount_rate: f64,
    pub residual_fraction: f64,
    pub exit_multiple: f64,
    pub min_refresh_months: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Financing {
    /// Share of each capex amount borrowed (MODEL.md §6); 0 with the sculpted sizing.
    pub debt_share: f64,
    /// Nominal annual; monthly rate = interest_rate / 12.
    pub interest_rate: f64,
    /// 12 · tenor_years, rounded, at least 1.
    pub tenor_months: u32,
    /// How the loan is sized (MODEL.md §15; default the v1 share sizing).
    #[serde(skip_serializing_if = "Sizing::is_share")]
    pub sizing: Sizing,
    /// Months of debt service the reserve holds (MODEL.md §15; default 0: no reserve).
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub dsra_months: u32,
    /// The sponsor's discount rate (MODEL.md §15); none: the provider's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equity_discount_rate: Option<f64>,
}

fn is_zero_u32(x: &u32) -> bool {
    *x == 0
}

/// How the loan is sized (MODEL.md §6, §15).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Sizing {
    /// v1: `debt_share` of each capex amount, level payments per draw.
    Share,
    /// Sized once on the base case: service sculpted to `target_dscr` over the tenor, capped at
    /// `max_gearing` of the capex spent before repayment starts.
    Sculpted { target_dscr: f64, max_gearing: f64 },
}

impl Sizing {
    pub fn is_share(&self) -> bool {
        matches!(self, Sizing::Share)
    }
}

/// `[market]` (MODEL.md §15).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Market {
    /// (age in years, fraction of capex): ages increasing, fractions ≥ 0; linear between
    /// points, flat outside.
    pub chip_resale: Vec<(f64, f64)>,
}

/// A party's credit (MODEL.md §14): `annual_default_probability` q or `spread_bps` s, and
/// `recovery` R.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Credit {
    /// Exactly one of `annual_default_probability` and `spread_bps` is given.
    pub annual_default_probability: Option<f64>,
    pub spread_bps: Option<f64>,
    /// Default 0.4.
    pub recovery: f64,
}

impl Credit {
    /// λ per year: −ln(1 − q), or s/10⁴/(1 − R).
    pub fn hazard(&self) -> f64 {
        match (self.annual_default_probability, self.spread_bps) {
            (Some(q), _) => -(-q).ln_1p(),
            (None, Some(s)) => s / 1e4 / (1.0 - self.recovery),
            (None, None) => 0.0,
        }
    }
}

/// `[[guarantee]]` (MODEL.md §14): pays share·ZR after the buyer's default, up to a cap, until
/// its own default.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Guarantee {
    /// A party id: unique across guarantees and backstops, never `buyer`.
    pub id: String,
    /// Display name.
    pub party: Option<String>,
    pub share: f64,
    pub cap: Option<f64>,
    pub credit: Option<Credit>,
}

/// `[[backstop]]` (MODEL.md §14): buys a share of unused capacity at `price` × the contract
/// price in its window, up to a cap, until its own default.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Backstop {
    pub id: String,
    pub party: Option<String>,
    pub share: f64,
    /// Fraction of the contract price (default 1).
    pub price: f64,
    pub cap: Option<f64>,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub credit: Option<Credit>,
}

/// A party that can default (MODEL.md §14), in the order `Contract::parties` lists them:
/// the buyer, then guarantees, then backstops, each in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", content = "index", rename_all = "snake_case")]
pub enum Party {
    Buyer,
    Guarantee(usize),
    Backstop(usize),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Buyer {
    /// Defaults to the provider's discount rate.
    pub discount_rate: f64,
    /// USD per PFLOP-hour; defaults to the list price.
    pub value_per_pflop_hour: f64,
    /// `value_per_pflop_hour` was given: it values every generation. When not given, compute
    /// is valued at the list price of the generation used (MODEL.md §8, §13).
    pub value_given: bool,
    /// MODEL.md §14; none: the buyer never defaults.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit: Option<Credit>,
    /// What re-marketed capacity earns after the buyer's default, as a fraction of the contract
    /// price (MODEL.md §14; default 0.5).
    pub remarket: f64,
}

/// A metric an equity condition can test (MODEL.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    CumulativePayments,
    CumulativePflopHours,
    CapacityMw,
    Utilization12m,
}

impl Metric {
    pub const ALL: [Metric; 4] = [
        Metric::CumulativePayments,
        Metric::CumulativePflopHours,
        Metric::CapacityMw,
        Metric::Utilization12m,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Metric::CumulativePayments => "cumulative_payments",
            Metric::CumulativePflopHours => "cumulative_pflop_hours",
            Metric::CapacityMw => "capacity_mw",
            Metric::Utilization12m => "utilization_12m",
        }
    }

    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// `metric >= threshold`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Clause {
    pub metric: Metric,
    pub threshold: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EquityTrigger {
    /// Paid at a date (a date before start is paid in period 0).
    At { date: NaiveDate },
    /// Paid in the first period all clauses hold, not after the deadline.
    When {
        clauses: Vec<Clause>,
        /// The source text of the condition, for reports.
        text: String,
        deadline: Option<NaiveDate>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EquityTranche {
    pub id: String,
    pub amount: f64,
    pub round_trip: f64,
    /// Share of the amount the buyer pays for in shares of equal value (MODEL.md §7; default 1).
    pub consideration: f64,
    pub trigger: EquityTrigger,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Thresholds {
    pub coverage: f64,
    pub dscr: f64,
    pub hurdle: f64,
    /// The delivery ratio deliverable needs (MODEL.md §9; default 0.95).
    pub delivery: f64,
    /// The LLCR a sculpted loan needs (MODEL.md §15; default `dscr`).
    pub llcr: f64,
    /// The highest LTV financeable allows (MODEL.md §15; default 0.8).
    pub ltv: f64,
}

/// A scalar risk factor (a multiplier, MODEL.md §10; `resale_factor` multiplies the chips'
/// resale curve, §15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalarFactor {
    DemandFactor,
    PowerFactor,
    CapexFactor,
    ResaleFactor,
}

impl ScalarFactor {
    pub const ALL: [ScalarFactor; 4] = [
        ScalarFactor::DemandFactor,
        ScalarFactor::PowerFactor,
        ScalarFactor::CapexFactor,
        ScalarFactor::ResaleFactor,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ScalarFactor::DemandFactor => "demand_factor",
            ScalarFactor::PowerFactor => "power_factor",
            ScalarFactor::CapexFactor => "capex_factor",
            ScalarFactor::ResaleFactor => "resale_factor",
        }
    }

    pub fn from_name(name: &str) -> Option<ScalarFactor> {
        ScalarFactor::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A factor a correlation can name (MODEL.md §10, §14): a scalar multiplier, or the default
/// time of a party with a credit (`default.buyer`, `default.<guarantee or backstop id>`).
/// Ordered as the copula takes them: scalars in [`ScalarFactor`] order, then parties in
/// [`Contract::parties`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RiskFactor {
    Scalar(ScalarFactor),
    Default(Party),
}

impl RiskFactor {
    /// The name as written in `[risk] correlation` (`default.<id>` needs the contract's ids).
    pub fn name(self, contract: &Contract) -> String {
        match self {
            RiskFactor::Scalar(f) => f.name().to_string(),
            RiskFactor::Default(p) => {
                let id = contract
                    .parties()
                    .into_iter()
                    .find(|(q, _, _)| *q == p)
                    .map_or("?", |(_, id, _)| id);
                format!("default.{id}")
            }
        }
    }
}

/// A scalar serializes as its name (as v1 wrote it); a default factor as
/// `default.buyer`, `default.guarantee.<index>` or `default.backstop.<index>`.
impl Serialize for RiskFactor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            RiskFactor::Scalar(f) => f.serialize(s),
            RiskFactor::Default(Party::Buyer) => s.serialize_str("default.buyer"),
            RiskFactor::Default(Party::Guarantee(i)) => {
                s.collect_str(&format_args!("default.guarantee.{i}"))
            }
            RiskFactor::Default(Party::Backstop(i)) => {
                s.collect_str(&format_args!("default.backstop.{i}"))
            }
        }
    }
}

/// How tranche delays are drawn.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DelaySpec {
    /// One distribution, drawn independently for each tranche.
    Each { dist: Distribution },
    /// A distribution per tranche (index into `Contract::tranches`); unnamed tranches stay at 0.
    PerTranche { table: Vec<(usize, Distribution)> },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Correlation {
    pub a: RiskFactor,
    pub b: RiskFactor,
    pub rho: f64,
}

/// `[risk]` (MODEL.md §10). Unnamed factors stay at base.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskSpec {
    pub seed: u64,
    pub paths: u64,
    pub demand_factor: Option<Distribution>,
    pub power_factor: Option<Distribution>,
    pub capex_factor: Option<Distribution>,
    /// Multiplies the chips' resale curve (MODEL.md §15).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resale_factor: Option<Distribution>,
    pub delay_months: Option<DelaySpec>,
    /// (generation index, distribution), in roadmap order.
    pub slip_months: Vec<(usize, Distribution)>,
    pub correlation: Vec<Correlation>,
}

impl RiskSpec {
    /// The most paths a run may ask for (memory of per-path metrics stays bounded).
    pub const MAX_PATHS: u64 = 100_000_000;

    pub fn scalar(&self, f: ScalarFactor) -> Option<&Distribution> {
        match f {
            ScalarFactor::DemandFactor => self.demand_factor.as_ref(),
            ScalarFactor::PowerFactor => self.power_factor.as_ref(),
            ScalarFactor::CapexFactor => self.capex_factor.as_ref(),
            ScalarFactor::ResaleFactor => self.resale_factor.as_ref(),
        }
    }
}

/// Months from `start`'s month to `date`'s month (may be negative).
pub fn months_between(start: NaiveDate, date: NaiveDate) -> i64 {
    (i64::from(date.year()) - i64::from(start.year())) * 12 + i64::from(date.month0())
        - i64::from(start.month0())
}

impl Contract {
    /// The period index of a date (MODEL.md §1): may be negative or ≥ T.
    pub fn period_of(&self, date: NaiveDate) -> i64 {
        months_between(self.deal.start, date)
    }

    /// Every term that carries alternatives, with how many, in reading order: what `compare`
    /// runs, taken from the inputs (the same list as [`crate::alternative_terms`] of the text).
    pub fn alternative_terms(&self) -> Vec<(String, usize)> {
        self.inputs
            .iter()
            .filter(|i| !i.alternatives.is_empty())
            .map(|i| (i.path.clone(), i.alternatives.len()))
            .collect()
    }

    /// Every alternative of every sourced term, one at a time, in reading order (`TERM=1`,
    /// `TERM=2`, …): the runs `compare` makes beside the base.
    pub fn variants(&self) -> Vec<crate::Variant> {
        let terms = self.alternative_terms().into_iter();
        terms
            .flat_map(|(term, count)| {
                (1..=count).map(move |n| crate::Variant {
                    term: term.clone(),
                    n,
                })
            })
            .collect()
    }

    pub fn term_months(&self) -> usize {
        self.deal.term_months as usize
    }

    pub fn generation_index(&self, name: &str) -> Option<usize> {
        self.generations.iter().position(|g| g.name == name)
    }

    /// Every generation is billed at `[pricing] list_price` (no generation gives its own):
    /// prices and floors are v1's U·p and floor·C·p.
    pub fn one_list_price(&self) -> bool {
        self.generations
            .iter()
            .all(|g| g.list_price == self.pricing.list_price)
    }

    /// The number of contract years, ⌈T/12⌉.
    pub fn contract_years(&self) -> usize {
        self.term_months().div_ceil(12)
    }

    /// Every party that can default (MODEL.md §14): the buyer, then guarantees, then
    /// backstops, each in file order, with its id and credit (none: it never defaults unless
    /// forced).
    pub fn parties(&self) -> Vec<(Party, &str, Option<&Credit>)> {
        let mut out = vec![(Party::Buyer, "buyer", self.buyer.credit.as_ref())];
        out.extend(
            self.guarantees
                .iter()
                .enumerate()
                .map(|(i, g)| (Party::Guarantee(i), g.id.as_str(), g.credit.as_ref())),
        );
        out.extend(
            self.backstops
                .iter()
                .enumerate()
                .map(|(i, b)| (Party::Backstop(i), b.id.as_str(), b.credit.as_ref())),
        );
        out
    }

    /// The party with this id (`buyer`, or a guarantee or backstop id).
    pub fn party(&self, id: &str) -> Option<Party> {
        self.parties()
            .into_iter()
            .find(|(_, pid, _)| *pid == id)
            .map(|(p, _, _)| p)
    }

    /// Any MODEL.md §14 key: a credit, a guarantee or a backstop.
    pub fn has_credit_terms(&self) -> bool {
        self.buyer.credit.is_some() || !self.guarantees.is_empty() || !self.backstops.is_empty()
    }

    pub fn tranche_index(&self, id: &str) -> Option<usize> {
        self.tranches.iter().position(|t| t.id == id)
    }

    /// The first day of period `t`'s month.
    pub fn period_start(&self, t: i64) -> NaiveDate {
        add_months(self.deal.start, t)
    }
}

/// The first day of the month `n` months after `date`'s month.
pub fn add_months(date: NaiveDate, n: i64) -> NaiveDate {
    let total = i64::from(date.year()) * 12 + i64::from(date.month0()) + n;
    let year = total.div_euclid(12);
    let month0 = total.rem_euclid(12);
    i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month0 as u32 + 1, 1))
        .unwrap_or(date)
}

/// Days in period `t` of a contract starting at `start` × 24 (MODEL.md §1).
pub fn hours_in_month(date: NaiveDate) -> f64 {
    let first = NaiveDate::from_ymd_opt(date.year(), date.month(), 1).unwrap_or(date);
    let next = add_months(first, 1);
    (next - first).num_days() as f64 * 24.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, 1).unwrap()
    }

    #[test]
    fn months_between_counts_calendar_months() {
        assert_eq!(months_between(d(2026, 7), d(2026, 7)), 0);
        assert_eq!(months_between(d(2026, 7), d(2027, 6)), 11);
        assert_eq!(months_between(d(2026, 7), d(2026, 4)), -3);
    }

    #[test]
    fn add_months_wraps_years_both_ways() {
        assert_eq!(add_months(d(2026, 11), 3), d(2027, 2));
        assert_eq!(add_months(d(2026, 1), -1), d(2025, 12));
    }

    #[test]
    fn hours_follow_calendar_and_leap_years() {
        assert_eq!(hours_in_month(d(2026, 7)), 31.0 * 24.0);
        assert_eq!(hours_in_month(d(2027, 2)), 28.0 * 24.0);
        assert_eq!(hours_in_month(d(2028, 2)), 29.0 * 24.0);
    }
}
