//! What one run of a contract produces: headline metrics, verdicts and the detail behind them.
//!
//! [`Metrics`] and [`Verdicts`] are `Copy` so the Monte Carlo kernel can hand them out without
//! allocating; [`Outcome`] is the full, serializable detail of one path for reports. Every field
//! is defined in `docs/model.md`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The headline figures of one path (MODEL.md §5–9). `None` means "does not exist" (no IRR, no
/// debt service, nothing used), never NaN.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Metrics {
    /// NPV of the unlevered project cash flow (FCF) at the provider's discount rate (§6).
    pub provider_npv: f64,
    /// IRR of FCF (§1 root rule).
    pub provider_irr: Option<f64>,
    /// FCF's NPV changes sign more than once in (−0.99, 10].
    pub irr_multiple_roots: bool,
    /// Months until cumulative FCF recovers (§6).
    pub payback_months: Option<u32>,
    /// Smallest yearly DSCR over contract years with debt service (§6).
    pub min_dscr: Option<f64>,
    /// Mean of the yearly DSCRs (§10).
    pub avg_dscr: Option<f64>,
    /// Principal still owed after T−1 (§6).
    pub debt_outstanding_at_end: f64,
    /// Total drawn over the term (debt_share × capex).
    pub debt_drawn: f64,
    /// NPV of the provider's deal view (FCF − equity paid + exit value, §6) at its discount rate.
    pub provider_deal_npv: f64,
    /// IRR of the deal view.
    pub provider_deal_irr: Option<f64>,
    pub provider_deal_irr_multiple_roots: bool,
    /// NPV of the buyer's cash flow at the buyer's discount rate (§8).
    pub buyer_npv: f64,
    /// Σ P / Σ U (§8); none when nothing is used.
    pub effective_price: Option<f64>,
    /// 1 − effective price / list price (§8).
    pub effective_discount: Option<f64>,
    /// Σ (shortfall + true-up): paid for compute not used (§8).
    pub idle_payments: f64,
    /// Σ P.
    pub total_payments: f64,
    /// Σ B.
    pub total_usage_charges: f64,
    /// Σ S.
    pub total_shortfall: f64,
    /// X (paid in T−1).
    pub total_true_up: f64,
    /// Σ capex (facility and chips).
    pub total_capex: f64,
    /// Σ power cost.
    pub total_power_cost: f64,
    /// Σ fixed opex.
    pub total_fixed_opex: f64,
    /// Σ tax.
    pub total_tax: f64,
    /// residual_fraction × net book value added in T−1.
    pub residual_value: f64,
    /// Σ C, PFLOP-hours.
    pub total_available_pflop_hours: f64,
    /// Σ U, PFLOP-hours.
    pub total_used_pflop_hours: f64,
    /// Σ U / Σ C; none with no capacity.
    pub average_utilization: Option<f64>,
    /// Largest capacity_mw(t).
    pub peak_capacity_mw: f64,
    /// capacity_mw(T−1).
    pub capacity_mw_at_end: f64,
    /// PV(zero-usage revenue) / PV(capex + fixed opex) at the provider's rate (§9).
    pub coverage: Option<f64>,
    /// Σ round_trip · equity paid / Σ P (§7).
    pub circularity: Option<f64>,
    /// Σ equity paid.
    pub equity_paid_total: f64,
    /// δ: delivered over promised MW-months over the term (MODEL.md §13); 1 when nothing is
    /// promised.
    pub delivery_ratio: f64,
    /// Σ K, the capacity charges (§13).
    pub total_capacity_charges: f64,
    /// Σ X_y, the yearly true-ups (§13).
    pub total_true_up_annual: f64,
    /// exit_multiple × Σ consideration · equity paid: the value the buyer hands back in shares,
    /// in T−1 (§7, §8).
    pub equity_handback: f64,
    /// The buyer's probability of default within the term, 1 − Q_b(T−1) (MODEL.md §14; 0
    /// without credit).
    pub buyer_pd_term: f64,
    /// E[PV of what the provider is owed at zero usage] / PV(capex + fixed opex) over the
    /// parties' default periods (§14); on a path with given defaults, the realized figure.
    /// Equals `coverage` with no credit, guarantee or backstop; none when coverage is none.
    pub credit_adjusted_coverage: Option<f64>,
    /// PV(ZR) minus what credit leaves of it (§14; ≥ 0): expected in the base case, realized
    /// on a path with given defaults.
    pub expected_credit_loss: f64,
    /// Loan life coverage ratio (MODEL.md §15): sculpted loans only, none without debt.
    pub llcr: Option<f64>,
    /// Σ draws / Σ capex over the term (§15; 0 without financing, none when Σ capex = 0).
    pub gearing: Option<f64>,
    /// Largest debt balance / market value over periods with debt (§15; none without debt or
    /// `chip_resale`).
    pub max_ltv: Option<f64>,
    /// NPV of the sponsor's levered cash flow at `equity_discount_rate` (§15).
    pub sponsor_npv: f64,
    /// IRR of the sponsor's levered cash flow (§1 root rule).
    pub sponsor_irr: Option<f64>,
    /// Some CFADS plus the reserve left fell short of debt service (§15); none when not tested
    /// (no debt, or a share loan without a reserve).
    pub payment_default: Option<bool>,
}

/// The three verdicts of MODEL.md §9.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Verdicts {
    pub contracted: bool,
    pub financeable: bool,
    pub deliverable: bool,
}

/// What the Monte Carlo kernel returns per path; the `Vec`s are reused between runs.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct PathSummary {
    pub metrics: Metrics,
    pub verdicts: Verdicts,
    /// Per tranche in file order; false for firm tranches.
    pub options_exercised: Vec<bool>,
    /// Per equity tranche in file order: the period it is paid in.
    pub equity_paid_period: Vec<Option<usize>>,
    /// Per party in `Contract::parties` order: the period it defaulted in on this path (none:
    /// no default within the term; always none in the base case).
    pub default_period: Vec<Option<usize>>,
}

/// One verdict with the figure it rests on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictDetail {
    pub passed: bool,
    /// The figure tested (coverage, min DSCR, number of failing tranches); none when it does not
    /// exist.
    pub figure: Option<f64>,
    /// What the figure is compared with (≥ for coverage and DSCR, ≤ for failing tranches).
    pub threshold: f64,
    /// Why, in words.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerdictDetails {
    pub contracted: VerdictDetail,
    pub financeable: VerdictDetail,
    pub deliverable: VerdictDetail,
}

/// Monthly series, one value per period t = 0 … T−1: the simulator's own buffers, filled in
/// place during a run and cloned into the [`Outcome`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Schedule {
    /// First day of each period's month.
    pub months: Vec<NaiveDate>,
    pub hours: Vec<f64>,
    pub capacity_mw: Vec<f64>,
    /// PFLOP/s installed and active.
    pub pflops: Vec<f64>,
    /// PFLOP/s the buyer asks for before capping at what is available (MODEL.md §4, with the
    /// run's demand_factor): d(t)·demand_factor, or min(1, u(t)·demand_factor)·pflops(t).
    /// Not in the JSON document (charts read it).
    pub requested_pflops: Vec<f64>,
    /// C(t).
    pub available_pflop_hours: Vec<f64>,
    /// U(t).
    pub used_pflop_hours: Vec<f64>,
    pub utilization: Vec<f64>,
    /// p(t), USD per PFLOP-hour.
    pub price: Vec<f64>,
    /// B(t).
    pub usage_charge: Vec<f64>,
    /// F(t) (0 outside the take-or-pay window).
    pub floor: Vec<f64>,
    /// S(t).
    pub shortfall: Vec<f64>,
    /// X(t), the total true-up against `min_total_spend` (non-zero only in T−1).
    pub true_up: Vec<f64>,
    /// P(t) = B + S + K + X_y + X.
    pub payments: Vec<f64>,
    pub energy_mwh: Vec<f64>,
    pub power_cost: Vec<f64>,
    pub fixed_opex: Vec<f64>,
    pub ebitda: Vec<f64>,
    pub capex: Vec<f64>,
    pub depreciation: Vec<f64>,
    pub tax: Vec<f64>,
    /// residual_fraction × net book value (T−1 only).
    pub residual: Vec<f64>,
    pub fcf: Vec<f64>,
    pub cfads: Vec<f64>,
    pub debt_draw: Vec<f64>,
    pub debt_service: Vec<f64>,
    pub equity_paid: Vec<f64>,
    pub provider_deal_cf: Vec<f64>,
    pub buyer_cf: Vec<f64>,
    /// ZR(t): revenue owed with zero usage (floors, capacity charges, then the yearly and total
    /// true-ups with B = 0), used by coverage; all 0 for a non-binding deal (MODEL.md §13).
    pub zero_usage_revenue: Vec<f64>,
    /// K(t): capacity charge on delivered MW (MODEL.md §13).
    pub capacity_charge: Vec<f64>,
    /// X_y: each yearly true-up in the last period of its contract year (MODEL.md §13).
    pub true_up_annual: Vec<f64>,
    /// Σ_k mw_k·â_k(t): the capacity promised by the contract dates (MODEL.md §13).
    pub promised_capacity_mw: Vec<f64>,
    /// Guarantee payments made, summed over guarantors (MODEL.md §14; provider revenue, not
    /// buyer payments).
    pub guarantee: Vec<f64>,
    /// Backstop payments made, summed over backstops (§14).
    pub backstop: Vec<f64>,
    /// R·claim_d in the buyer's default period d (§14).
    pub recovery: Vec<f64>,
    /// remarket × B(t) from the buyer's default on (§14).
    pub remarket: Vec<f64>,
    /// End-of-period loan balance after draws, interest and service (MODEL.md §15).
    pub debt_balance: Vec<f64>,
    /// The sponsor's levered cash flow E(t) (§15).
    pub sponsor_cf: Vec<f64>,
    /// Debt service reserve balance at the end of each period (§15).
    pub reserve: Vec<f64>,
    /// MV(t): chips at market value plus the facility's book value (§15); none without
    /// `[market] chip_resale`.
    pub market_value: Option<Vec<f64>>,
    /// balance / MV(t) (§15); none where MV ≤ 0, the whole series none without debt or
    /// `chip_resale`.
    pub ltv: Option<Vec<Option<f64>>>,
    /// Tranche ids, in file order, naming the rows of `tranche_capacity_mw`.
    pub tranche_ids: Vec<String>,
    /// mw_k · a_k(t) per tranche (file order), 0 for an unexercised option.
    pub tranche_capacity_mw: Vec<Vec<f64>>,
    /// PFLOP/s per tranche (file order): mw_k · a_k(t) × PFLOP/s per MW of the generation
    /// fitted at t; the rows add up to `pflops`. Not in the JSON document (charts read it).
    pub tranche_pflops: Vec<Vec<f64>>,
}

/// One contract year (periods 12y … 12y+11, the last may be shorter).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AnnualRow {
    pub year: usize,
    pub first_period: usize,
    pub last_period: usize,
    /// capacity_mw at the last period of the year.
    pub capacity_mw: f64,
    pub available_pflop_hours: f64,
    pub used_pflop_hours: f64,
    /// Σ U / Σ C over the year, 0 with no capacity.
    pub utilization: f64,
    pub usage_charge: f64,
    pub shortfall: f64,
    pub capacity_charge: f64,
    pub true_up_annual: f64,
    pub true_up: f64,
    pub payments: f64,
    pub power_cost: f64,
    pub fixed_opex: f64,
    pub ebitda: f64,
    pub capex: f64,
    pub depreciation: f64,
    pub tax: f64,
    pub fcf: f64,
    pub cfads: f64,
    pub debt_service: f64,
    /// Σ CFADS / Σ debt service; none without debt service that year.
    pub dscr: Option<f64>,
    /// δ_y: delivered over promised MW-months in the year (MODEL.md §13); 1 when nothing is
    /// promised in it.
    pub delivery_ratio: f64,
    /// Σ guarantee, backstop, recovery and remarketing revenue (MODEL.md §14).
    pub credit_support: f64,
    /// Debt balance at the end of the year (MODEL.md §15).
    pub debt_balance: f64,
    /// LTV at the end of the year (§15); none without debt or market value.
    pub ltv: Option<f64>,
}

/// How an option was decided (MODEL.md §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionDecision {
    pub tranche: String,
    /// The period the decision is made in (an exercise date before start decides in period 0);
    /// at or after T the option is never exercised.
    pub exercise_period: i64,
    /// ΣU/ΣC over the 12 periods before `exercise_period`; none when ΣC = 0 or never decided.
    pub trailing_utilization: Option<f64>,
    pub threshold: f64,
    pub exercised: bool,
}

/// The chips a tranche runs on (MODEL.md §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrancheFits {
    pub tranche: String,
    /// o_k (may be ≥ T: never online).
    pub online_period: i64,
    /// (fit period, generation name): at o_k and each refresh.
    pub fits: Vec<(usize, String)>,
}

/// When an equity tranche was paid (MODEL.md §7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EquityPayment {
    pub id: String,
    pub amount: f64,
    pub period: Option<usize>,
}

/// The deliverability test of one tranche (MODEL.md §9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrancheDeliverability {
    pub tranche: String,
    /// Firm, or an exercised option.
    pub exists: bool,
    pub online_period: i64,
    pub deadline_period: Option<i64>,
    /// None when not tested (no deadline or does not exist).
    pub on_time: Option<bool>,
    pub promised_generation: Option<String>,
    /// The generation fitted at o_k; none if it never comes online.
    pub fitted_generation: Option<String>,
    /// None when not tested.
    pub generation_ok: Option<bool>,
    /// True when not tested.
    pub passed: bool,
}

/// What the headline terms imply, in plain units (definitions in docs/model.md).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Legibility {
    /// Undiscounted revenue the buyer owes with zero usage (floors + true-up with B = 0).
    pub committed_spend: f64,
    /// Σ capacity_mw(t) / 12 over the term.
    pub mw_years: f64,
    /// committed_spend / mw_years; none with no capacity.
    pub committed_spend_per_mw_year: Option<f64>,
    /// Σ P / mw_years: what the buyer actually pays per MW-year on this path.
    pub payments_per_mw_year: Option<f64>,
    /// The constant utilization u in [0, 1] at which provider NPV = 0, capacity as in the run.
    pub break_even_utilization: Option<f64>,
    /// PV(zero-usage revenue) / PV(capex) at the provider's discount rate.
    pub floor_capex_coverage: Option<f64>,
}

/// One party's credit in a run (MODEL.md §14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartyCredit {
    /// `buyer`, or the guarantee or backstop id.
    pub id: String,
    /// `buyer`, `guarantee` or `backstop`.
    pub role: String,
    /// Display name (`party`; the deal's buyer name for the buyer).
    pub name: Option<String>,
    /// λ per year (0 without credit).
    pub hazard: f64,
    /// 1 − Q(T−1): probability of default within the term.
    pub pd_term: f64,
    /// Q(t) per period: the survival curve.
    pub survival: Vec<f64>,
    /// The period it defaulted in on this run (always none in the base case).
    pub default_period: Option<usize>,
    /// What it paid the provider on this run (guarantee or backstop payments; for the buyer,
    /// Σ P).
    pub paid: f64,
    /// Guarantees and backstops: PV of their expected (base) or realized payments at zero usage
    /// (the part of the credit-adjusted coverage's numerator they carry).
    pub pv_support: f64,
}

/// How the loan was sized and tested (MODEL.md §15).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LenderView {
    /// `share` or `sculpted`.
    pub sizing: String,
    /// r0: the first repayment period.
    pub repayment_start: usize,
    /// W: first and last period of the repayment window (none when empty).
    pub window: Option<(usize, usize)>,
    /// Sculpted: K, the capex before r0 grown to r0−1 at the loan rate.
    pub capex_grown: Option<f64>,
    /// Sculpted: D*, the debt CFADS/target_dscr can carry.
    pub debt_capacity: Option<f64>,
    /// Sculpted: g = min(max_gearing, D*/K).
    pub gearing_target: Option<f64>,
    /// Sculpted: `dscr` (the sculpt bound) or `gearing` (the cap bound).
    pub bound: Option<String>,
    /// B0: the balance at the end of r0−1.
    pub balance_at_start: f64,
    /// Reserve funded at r0, used, and released.
    pub reserve_funded: f64,
    pub reserve_used: f64,
    pub reserve_released: f64,
    /// The first period of a payment default, if any.
    pub payment_default_period: Option<usize>,
}

/// Everything one run produces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub metrics: Metrics,
    pub verdicts: Verdicts,
    pub verdict_details: VerdictDetails,
    pub schedule: Schedule,
    pub annual: Vec<AnnualRow>,
    pub options: Vec<OptionDecision>,
    pub fits: Vec<TrancheFits>,
    pub equity: Vec<EquityPayment>,
    pub deliverability: Vec<TrancheDeliverability>,
    pub legibility: Legibility,
    /// Each party's credit (MODEL.md §14), in `Contract::parties` order; the buyer always first.
    #[serde(default)]
    pub credit: Vec<PartyCredit>,
    /// The lender's view (MODEL.md §15); none without `[financing]`.
    #[serde(default)]
    pub lender: Option<LenderView>,
    /// Why some figures could not be computed: an input far outside any real deal made the
    /// arithmetic overflow, and those figures are reported as 0 (absent when optional);
    /// contracted and financeable then fail (docs/model.md). None on every ordinary run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_computed: Option<String>,
}
