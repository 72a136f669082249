//! The Monte Carlo kernel: one path of MODEL.md §3–9 over buffers allocated once per contract.
//!
//! [`Simulator::new`] turns the contract into per-period tables that no scenario changes (hours,
//! price and power price with their escalation, the demand curve, discount factors and their
//! running sums, debt growth and loan balances, ramp fractions) and sizes every buffer;
//! [`Simulator::run`] then fills the buffers in place, in the order of MODEL.md: generations,
//! fits and options (§2–3), capacity (§3), capex, depreciation and debt (§6), then the periods
//! in three passes: usage and power cost (§4, §6; no running state, so vectorized), billing,
//! EBITDA, tax, FCF and payback by contract year (§5–6), sums and present values; then equity
//! (§7), the buyer (§8), IRR and the verdicts (§9).
//!
//! Cost is O(T·tranches): depreciation, net book value and debt service enter the yearly tax and
//! DSCR sums in closed form (whole unit-months, counted in integers), so no capex run is walked
//! period by period unless the full [`Outcome`] needs its monthly schedule. Sums are taken in a
//! fixed order that does not depend on the [`Extent`], so every figure two extents both compute
//! is bit for bit the same.

mod arith;
mod capex;
mod credit;
mod delivery;
mod equity;
mod kernel;
mod lender;
mod periods;
mod placement;
mod summary;
mod terms;

use offtake_finance::LevelLoan;
use offtake_model::rules::{curve_value, lowest_passing};
use offtake_model::{Contract, Demand, EquityTrigger, Settlement, TrancheKind};

use crate::finite::NotFinite;
use crate::{PathSummary, Scenario, Schedule};
use arith::{discount_factors, hours_in_month, running_sums, to_period, yearly_factor};
use capex::{EffectKeys, KeyedRun, SpendEffect};
pub(crate) use placement::Fit;
use terms::ramp_table;
pub(crate) use terms::{EquityRule, GenerationTerms, TrancheTerms};

/// The largest delay or slip the simulator reads, in months (a billion: far beyond any term, so
/// a larger one has the same effect, and sums of periods stay far from i64's range).
const SHIFT_LIMIT: i64 = 1_000_000_000;

/// How demand is set for a run: as the contract says, or a constant utilization (for the
/// break-even search of the legibility figures, with option decisions held fixed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum DemandMode {
    Contract,
    ConstantUtilization(f64),
}

/// Which metrics [`Simulator::run`] computes. Every figure a level computes is computed by the
/// same arithmetic at every level, so it is bit for bit the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Extent {
    /// Every field of [`Metrics`] and every monthly series of the [`Outcome`]: what
    /// [`crate::underwrite`] reports.
    #[default]
    Full,
    /// What the Monte Carlo reports (offtake-risk's path metrics, verdicts, options and equity
    /// flags, the tornado), nothing else: the deal view's IRR is not computed
    /// (`provider_deal_irr` None, `provider_deal_irr_multiple_roots` false), nor the sums no
    /// risk output uses (`total_usage_charges`, `total_power_cost`, `total_fixed_opex`,
    /// `total_available_pflop_hours`, `average_utilization`, `peak_capacity_mw`: left at 0 or
    /// None), nor the monthly series beyond those the metrics need. Every other field is the
    /// same as at [`Extent::Full`], bit for bit. [`Simulator::outcome`] still reports
    /// everything (it re-runs the path in full).
    Risk,
    /// Only `provider_npv` and what it needs (the break-even search of the legibility figures):
    /// no IRR either.
    ProviderNpv,
}

/// The terms of MODEL.md §13 in periods.
#[derive(Debug, Clone)]
pub(crate) struct V2Terms {
    /// Some generation has its own list price: B and F by generation.
    pub(crate) by_generation: bool,
    /// Per generation, list_g.
    pub(crate) generation_list: Vec<f64>,
    /// (1 − discount)·(1 + escalation)^⌊t/12⌋ (empty with one list price).
    pub(crate) net_escalation: Vec<f64>,
    /// capacity_charge·(1 + escalation)^⌊t/12⌋ per MW (empty with no capacity charge).
    pub(crate) capacity_price: Vec<f64>,
    /// m_y per contract year (0-based), none where not listed; empty when there are none.
    pub(crate) min_annual: Vec<Option<f64>>,
    /// Minimums scaled by the delivery ratio.
    pub(crate) excused: bool,
    pub(crate) binding: bool,
}

/// Preallocated state for running one contract under many scenarios.
#[derive(Debug, Clone)]
pub struct Simulator<'c> {
    pub(crate) contract: &'c Contract,
    /// T.
    pub(crate) n: usize,
    pub(crate) tranches: Vec<TrancheTerms>,
    pub(crate) generations: Vec<GenerationTerms>,
    pub(crate) equity_rules: Vec<EquityRule>,
    /// Option tranche indices in decision order (exercise period, then file order).
    option_order: Vec<usize>,
    /// Take-or-pay window [lo, hi] in periods; None when empty or no take-or-pay.
    pub(crate) floor_window: Option<(usize, usize)>,
    floor: f64,
    settle_annual: bool,
    min_total_spend: Option<f64>,
    /// MODEL.md §13 terms (none of them costs a sheet that does not use them).
    pub(crate) v2: V2Terms,
    /// (debt_share, loan of 1 USD over 12n months).
    debt: Option<(f64, LevelLoan)>,
    /// (1+i)^m = exp(m·ln(1+i)) for m = 0 … T−1: a draw's growth to repayment start (§6).
    debt_growth: Vec<f64>,
    /// Σ_{j<m} (1+i)^j, m = 0 … T: sums of consecutive growth factors.
    debt_growth_sum: Vec<f64>,
    /// What is left of a loan of 1 USD after m payments, m = 0 … T.
    balance_left: Vec<f64>,

    // Per-period tables fixed by the contract (hours and price are in `series`).
    /// power_price·(1+power_escalation)^⌊t/12⌋.
    power_price: Vec<f64>,
    /// d(t) or u(t) before demand_factor.
    demand_curve: Vec<f64>,
    demand_is_pflops: bool,
    /// (1+r)^(−(t+1)/12) at the provider's and the buyer's discount rates (MODEL.md §1); NaN
    /// when a rate is invalid (a validated contract has none).
    provider_factor: Vec<f64>,
    buyer_factor: Vec<f64>,
    /// Σ_{s<t} provider_factor[s], t = 0 … T.
    provider_factor_sum: Vec<f64>,

    // The scenario of the last run (missing delays and slips read as 0).
    pub(crate) demand_factor: f64,
    pub(crate) power_factor: f64,
    pub(crate) capex_factor: f64,
    pub(crate) delay: Vec<i64>,
    pub(crate) slip: Vec<i64>,
    pub(crate) mode: DemandMode,
    extent: Extent,
    /// The stages before the periods ([`Self::setup`]) hold what they give for the loaded
    /// scenario: the last [`Self::simulate`] ran them at the Full extent in contract mode, and
    /// nothing has changed the scenario, the extent or the loan since. The break-even search
    /// then runs on them as they are rather than running them again.
    setup_is_current: bool,
    /// Run the AVX2/FMA build of the kernel where the CPU has it (a test switches it off to
    /// compare the two). Read only on x86-64.
    #[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
    wide: bool,

    // Per-run state.
    pub(crate) available: Vec<i64>,
    pub(crate) online: Vec<i64>,
    pub(crate) exists: Vec<bool>,
    pub(crate) trailing: Vec<Option<f64>>,
    pub(crate) first_generation: Vec<Option<usize>>,
    /// Fits in tranche order, each tranche's in period order.
    pub(crate) fits: Vec<Fit>,
    /// Per tranche: its fits, `fits[a..b]`.
    fit_range: Vec<(usize, usize)>,
    spend_runs: Vec<KeyedRun>,
    /// The effect cache of [`Simulator::capex_and_debt`]: keys, effects, and their yearly
    /// depreciation and debt service (2 × years per effect, in effect order).
    effect_keys: EffectKeys,
    effects: Vec<SpendEffect>,
    effect_years: Vec<f64>,
    /// Loan balance whose level payments start in period s (index s, 0 ..= T).
    loan_start_balance: Vec<f64>,
    /// The periods with a loan starting, in the order first drawn.
    loan_starts: Vec<usize>,
    pub(crate) dscr: Vec<Option<f64>>,
    /// Per contract year: Σ depreciation, Σ debt service, Σ CFADS.
    year_depreciation: Vec<f64>,
    year_service: Vec<f64>,
    year_cfads: Vec<f64>,

    /// The monthly series: the Outcome's [`Schedule`], filled in place (hours, price, months
    /// and tranche ids are fixed by the contract). The Risk and ProviderNpv extents write only
    /// capacity_mw, pflops, available_pflop_hours, used_pflop_hours, payments, capex and fcf;
    /// the others, and the per-tranche rows, are the Full outcome's.
    pub(crate) series: Schedule,

    // Figures kept for the outcome.
    pub(crate) pv_zero_usage_revenue: f64,
    pub(crate) pv_capex: f64,
    pub(crate) pv_fixed_opex: f64,
    /// Σ capacity_mw(t)·v^(t+1) at the provider's rate.
    pv_capacity: f64,
    pub(crate) failing_tranches: usize,
    /// The figures of the last run that were not finite numbers (replaced: `crate::finite`).
    pub(crate) not_finite: NotFinite,
    /// δ over the term and per contract year (MODEL.md §13; per year only when yearly minimums
    /// need it or at the Full extent).
    pub(crate) delivery_ratio: f64,
    pub(crate) delivery_year: Vec<f64>,
    /// Per contract year: Σ_k mw_k·â_k of the tranches that exist on the path.
    promised_by_year: Vec<f64>,
    /// Per contract year: Σ S0 and Σ K (the zero-usage chain of the yearly minimums).
    zero_year: Vec<f64>,
    charge_year: Vec<f64>,
    /// With prices by generation: per period Σ_k pflops_k·list_g / pflops (the list price of a
    /// PFLOP-hour used), and the billed price L(t)·(1−discount)·(1+escalation)^⌊t/12⌋.
    pub(crate) list_by_use: Vec<f64>,
    pub(crate) bill_price: Vec<f64>,
    /// With prices by generation: Σ_t U·L, the compute used at its list price (§13).
    used_at_list: f64,

    /// MODEL.md §14: the parties' credit and the last run's defaults and figures.
    pub(crate) credit: credit::CreditTerms,

    pub(crate) summary: PathSummary,
    /// MODEL.md §15: the lender's terms, the sculpt and the last run's lender figures.
    pub(crate) lender: lender::Lender,
}

impl<'c> Simulator<'c> {
    /// Precomputes everything that does not depend on the scenario and allocates every buffer.
    pub fn new(contract: &'c Contract) -> Self {
        let n = contract.term_months();
        let n_i = n as i64;
        let months: Vec<_> = (0..n).map(|t| contract.period_start(t as i64)).collect();
        let hours: Vec<f64> = months.iter().map(|&m| hours_in_month(m)).collect();
        let pricing = &contract.pricing;
        let net_list = pricing.list_price * (1.0 - pricing.discount);
        let price: Vec<f64> = (0..n)
            .map(|t| net_list * yearly_factor(pricing.escalation, t))
            .collect();
        let provider = &contract.provider;
        let power_price = (0..n)
            .map(|t| provider.power_price * yearly_factor(provider.power_escalation, t))
            .collect();
        let points: Vec<(i64, f64)> = contract
            .demand
            .points()
            .iter()
            .map(|p| (contract.period_of(p.month), p.value))
            .collect();
        let demand_curve = (0..n_i).map(|t| curve_value(&points, t)).collect();
        let demand_is_pflops = matches!(contract.demand, Demand::Pflops(_));

        let mut tranches: Vec<TrancheTerms> = contract
            .tranches
            .iter()
            .map(|tr| {
                let ramp_mw = ramp_table(tr.mw, i64::from(tr.ramp_months));
                TrancheTerms {
                    ramp_prefix: running_sums(&ramp_mw),
                    ramp_mw,
                    promised_online: contract.period_of(tr.online).max(0),
                    promised_term: 0.0,
                    promised_year: Vec::new(),
                    mw: tr.mw,
                    online: contract.period_of(tr.online),
                    ramp: i64::from(tr.ramp_months),
                    build: i64::from(tr.build_months),
                    deadline: tr.deadline.map(|d| contract.period_of(d)),
                    promised: tr.generation,
                    option: match tr.kind {
                        TrancheKind::Firm => None,
                        TrancheKind::Option {
                            exercise,
                            exercise_utilization,
                        } => Some((contract.period_of(exercise).max(0), exercise_utilization)),
                    },
                }
            })
            .collect();
        let n_years = n.div_ceil(12);
        for tr in &mut tranches {
            let promised = tr.promised_online;
            tr.promised_term = tr.mw_months(promised, 0, n_i - 1);
            tr.promised_year = (0..n_years as i64)
                .map(|y| tr.mw_months(promised, 12 * y, (12 * y + 11).min(n_i - 1)))
                .collect();
        }
        let mut option_order: Vec<usize> = (0..tranches.len())
            .filter(|&k| tranches[k].option.is_some())
            .collect();
        // Stable sort: ties keep file order (MODEL.md §3).
        option_order.sort_by_key(|&k| tranches[k].option.map_or(0, |(e, _)| e));

        let generations = contract
            .generations
            .iter()
            .map(|g| GenerationTerms {
                available: contract.period_of(g.available),
                pflops_per_mw: g.pflops_per_mw,
                chip_capex_per_mw: g.chip_capex_per_mw,
                life: i64::from(g.life_months),
            })
            .collect();

        let equity_rules = contract
            .equity
            .iter()
            .map(|e| match &e.trigger {
                EquityTrigger::At { date } => {
                    let p = contract.period_of(*date).max(0);
                    EquityRule::At((p < n_i).then(|| to_period(p)))
                }
                EquityTrigger::When {
                    clauses, deadline, ..
                } => {
                    let last = deadline.map_or(n_i - 1, |d| contract.period_of(d).max(0));
                    EquityRule::When {
                        clauses: clauses
                            .iter()
                            .map(|c| (c.metric, lowest_passing(c.threshold)))
                            .collect(),
                        last: to_period(last.min(n_i - 1)),
                    }
                }
            })
            .collect();

        let (floor_window, floor, settle_annual) = match &contract.take_or_pay {
            None => (None, 0.0, false),
            Some(tp) => {
                let lo = tp.from.map_or(0, |d| contract.period_of(d)).max(0);
                let hi = tp
                    .until
                    .map_or(n_i - 1, |d| contract.period_of(d))
                    .min(n_i - 1);
                let window = (lo <= hi).then(|| (to_period(lo), to_period(hi)));
                (window, tp.floor, tp.settle == Settlement::Annual)
            }
        };
        // No `[commitment]` means no true-up at all (MODEL.md §12), not a minimum of 0.
        let min_total_spend = contract.commitment.as_ref().and_then(|c| c.min_total_spend);
        let v2 = {
            let by_generation = !contract.one_list_price();
            let escalated = |x: f64| -> Vec<f64> {
                (0..n)
                    .map(|t| x * yearly_factor(pricing.escalation, t))
                    .collect()
            };
            let mut min_annual = Vec::new();
            if let Some(c) = &contract.commitment
                && !c.min_annual_spend.is_empty()
            {
                min_annual = vec![None; n.div_ceil(12)];
                for m in &c.min_annual_spend {
                    if let Some(slot) = min_annual.get_mut(m.year as usize - 1) {
                        *slot = Some(m.amount);
                    }
                }
            }
            V2Terms {
                by_generation,
                generation_list: contract.generations.iter().map(|g| g.list_price).collect(),
                net_escalation: if by_generation {
                    escalated(1.0 - pricing.discount)
                } else {
                    Vec::new()
                },
                capacity_price: if pricing.capacity_charge > 0.0 {
                    escalated(pricing.capacity_charge)
                } else {
                    Vec::new()
                },
                min_annual,
                excused: contract
                    .commitment
                    .as_ref()
                    .is_none_or(|c| c.excused_by_non_delivery),
                binding: contract.deal.binding,
            }
        };
        // A validated contract has 0 ≤ interest, tenor ≥ 1 month, so the loan always exists.
        // The v1 share loan only: a sculpted loan is §15's (simulator/lender.rs).
        let share_loan = contract.financing.as_ref().filter(|f| f.sizing.is_share());
        let (debt, debt_growth, balance_left) = match share_loan.and_then(|f| {
            let i = f.interest_rate / 12.0;
            LevelLoan::new(1.0, i, f.tenor_months)
                .ok()
                .map(|loan| (f.debt_share, loan))
        }) {
            Some((share, loan)) => {
                let period = |m: usize| u32::try_from(m).unwrap_or(u32::MAX);
                // (1+i)^m = exp(m·ln(1+i)): the loan's own powers (LevelLoan::growth), so each
                // balance reuses its period's power rather than computing it again.
                let growth: Vec<f64> = (0..n).map(|m| loan.growth(period(m))).collect();
                let balance_left = growth
                    .iter()
                    .enumerate()
                    .map(|(m, &grown)| loan.balance_after_grown(period(m), grown))
                    .chain(std::iter::once(loan.balance_after(period(n))))
                    .collect();
                (Some((share, loan)), growth, balance_left)
            }
            None => (None, Vec::new(), Vec::new()),
        };

        let provider_factor = discount_factors(provider.discount_rate, n);
        let n_tr = tranches.len();
        let n_gen = contract.generations.len();
        let zeros = vec![0.0; n];
        let lender = lender::Lender::new(contract);
        let series = Schedule {
            months,
            hours,
            price,
            tranche_ids: contract.tranches.iter().map(|t| t.id.clone()).collect(),
            tranche_capacity_mw: vec![zeros.clone(); n_tr],
            tranche_pflops: vec![zeros.clone(); n_tr],
            capacity_mw: zeros.clone(),
            pflops: zeros.clone(),
            requested_pflops: zeros.clone(),
            available_pflop_hours: zeros.clone(),
            used_pflop_hours: zeros.clone(),
            utilization: zeros.clone(),
            usage_charge: zeros.clone(),
            floor: zeros.clone(),
            shortfall: zeros.clone(),
            true_up: zeros.clone(),
            payments: zeros.clone(),
            energy_mwh: zeros.clone(),
            power_cost: zeros.clone(),
            fixed_opex: zeros.clone(),
            ebitda: zeros.clone(),
            capex: zeros.clone(),
            depreciation: zeros.clone(),
            tax: zeros.clone(),
            residual: zeros.clone(),
            fcf: zeros.clone(),
            cfads: zeros.clone(),
            debt_draw: zeros.clone(),
            debt_service: zeros.clone(),
            equity_paid: zeros.clone(),
            provider_deal_cf: zeros.clone(),
            buyer_cf: zeros.clone(),
            zero_usage_revenue: zeros.clone(),
            capacity_charge: zeros.clone(),
            true_up_annual: zeros.clone(),
            promised_capacity_mw: zeros.clone(),
            guarantee: zeros.clone(),
            backstop: zeros.clone(),
            recovery: zeros.clone(),
            remarket: zeros.clone(),
            debt_balance: zeros.clone(),
            sponsor_cf: zeros.clone(),
            reserve: zeros,
            market_value: lender.has_market().then(|| vec![0.0; n]),
            ltv: lender.has_market().then(|| vec![None; n]),
        };
        let effect_keys = EffectKeys::new(n, &tranches, n_gen);
        let mut sim = Simulator {
            contract,
            n,
            tranches,
            generations,
            equity_rules,
            option_order,
            floor_window,
            floor,
            settle_annual,
            min_total_spend,
            list_by_use: if v2.by_generation {
                vec![0.0; n]
            } else {
                Vec::new()
            },
            bill_price: if v2.by_generation {
                vec![0.0; n]
            } else {
                Vec::new()
            },
            v2,
            debt,
            debt_growth_sum: running_sums(&debt_growth),
            debt_growth,
            balance_left,
            power_price,
            demand_curve,
            demand_is_pflops,
            provider_factor_sum: running_sums(&provider_factor),
            provider_factor,
            buyer_factor: discount_factors(contract.buyer.discount_rate, n),
            demand_factor: 1.0,
            power_factor: 1.0,
            capex_factor: 1.0,
            delay: vec![0; n_tr],
            slip: vec![0; n_gen],
            mode: DemandMode::Contract,
            extent: Extent::Full,
            setup_is_current: false,
            wide: true,
            available: vec![0; n_gen],
            online: vec![0; n_tr],
            exists: vec![false; n_tr],
            trailing: vec![None; n_tr],
            first_generation: vec![None; n_tr],
            // A tranche is fitted at most once per period.
            fits: Vec::with_capacity(n_tr * n + 1),
            fit_range: vec![(0, 0); n_tr],
            // Per tranche: two facility runs (landed in period 0, the rest) and one per fit.
            spend_runs: Vec::with_capacity(n_tr * (n + 2) + 1),
            effect_keys,
            effects: Vec::new(),
            effect_years: Vec::new(),
            loan_start_balance: vec![0.0; n + 1],
            loan_starts: Vec::with_capacity(n + 1),
            dscr: vec![None; n_years],
            year_depreciation: vec![0.0; n_years],
            year_service: vec![0.0; n_years],
            year_cfads: vec![0.0; n_years],
            series,
            pv_zero_usage_revenue: 0.0,
            pv_capex: 0.0,
            pv_fixed_opex: 0.0,
            pv_capacity: 0.0,
            failing_tranches: 0,
            not_finite: NotFinite::default(),
            used_at_list: 0.0,
            delivery_ratio: 1.0,
            delivery_year: vec![1.0; n_years],
            promised_by_year: vec![0.0; n_years],
            zero_year: vec![0.0; n_years],
            charge_year: vec![0.0; n_years],
            credit: credit::CreditTerms::new(contract, n),
            summary: PathSummary {
                options_exercised: vec![false; n_tr],
                equity_paid_period: vec![None; contract.equity.len()],
                default_period: vec![
                    None;
                    1 + contract.guarantees.len() + contract.backstops.len()
                ],
                ..PathSummary::default()
            },
            lender,
        };
        sim.size_sculpted_loan();
        sim
    }

    /// Sets which metrics each [`run`](Self::run) computes (default [`Extent::Full`]).
    pub fn with_extent(mut self, extent: Extent) -> Self {
        self.extent = extent;
        self.setup_is_current = false;
        self
    }

    /// Which metrics each run computes.
    pub fn extent(&self) -> Extent {
        self.extent
    }

    /// The contract this simulator runs.
    pub fn contract(&self) -> &'c Contract {
        self.contract
    }

    /// Runs one path; returns its summary. Allocates nothing except the first time the
    /// simulator meets a spend run's key (a tranche's online period, a fit), when the effect
    /// cache of `capex_and_debt` grows: a warm simulator allocates nothing.
    pub fn run(&mut self, scenario: &Scenario) -> &PathSummary {
        self.load_scenario(scenario);
        self.mode = DemandMode::Contract;
        self.simulate();
        &self.summary
    }

    /// Copies the scenario into the preallocated buffers (missing delays and slips are 0; beyond
    /// ±[`SHIFT_LIMIT`] they read as that bound, so period arithmetic cannot overflow).
    fn load_scenario(&mut self, scenario: &Scenario) {
        self.setup_is_current = false;
        self.demand_factor = scenario.demand_factor;
        self.power_factor = scenario.power_factor;
        self.capex_factor = scenario.capex_factor;
        self.lender.resale_factor = scenario.resale_factor;
        let months = |m: Option<&i64>| m.copied().unwrap_or(0).clamp(-SHIFT_LIMIT, SHIFT_LIMIT);
        for (k, d) in self.delay.iter_mut().enumerate() {
            *d = months(scenario.delay_months.get(k));
        }
        for (g, s) in self.slip.iter_mut().enumerate() {
            *s = months(scenario.slip_months.get(g));
        }
        self.credit.load(
            scenario.defaults.as_deref(),
            self.n,
            &mut self.summary.default_period,
        );
    }

    /// This simulator with its last run at [`Extent::Full`]: itself, or a copy that re-runs the
    /// path in full (for the outcome's monthly series).
    pub(crate) fn at_full_extent(&self) -> std::borrow::Cow<'_, Self> {
        if self.extent == Extent::Full {
            std::borrow::Cow::Borrowed(self)
        } else {
            let mut full = self.clone();
            full.extent = Extent::Full;
            full.simulate();
            std::borrow::Cow::Owned(full)
        }
    }

    /// This simulator with its last run at [`Extent::Full`] (re-run in full when it ran less).
    pub(crate) fn into_full_extent(mut self) -> Self {
        if self.extent != Extent::Full {
            self.extent = Extent::Full;
            self.simulate();
        }
        self
    }

    /// The legibility break-even search on the last scenario: runs at a constant utilization
    /// with the same option decisions, provider NPV only. The stages before the periods do not
    /// depend on the utilization (fits, capacity and options held fixed, capex, debt): they run
    /// here, once (not at all when the last run was a Full one of this scenario: they give the
    /// same state), and each [`UtilizationProbe::provider_npv`] runs the periods alone.
    pub(crate) fn utilization_probe(&mut self) -> UtilizationProbe<'_, 'c> {
        let setup_is_current = self.setup_is_current;
        self.setup_is_current = false;
        self.mode = DemandMode::ConstantUtilization(0.0);
        self.extent = Extent::ProviderNpv;
        if !setup_is_current {
            self.setup();
        }
        UtilizationProbe { sim: self }
    }

    /// Re-runs the last scenario in full with a constant utilization and the same option
    /// decisions; returns the provider NPV: what [`UtilizationProbe::provider_npv`] gives.
    #[cfg(test)]
    pub(crate) fn provider_npv_at_utilization_in_full(&mut self, utilization: f64) -> f64 {
        self.mode = DemandMode::ConstantUtilization(utilization);
        self.extent = Extent::ProviderNpv;
        self.simulate();
        self.summary.metrics.provider_npv
    }
}

/// A simulator set up by [`Simulator::utilization_probe`].
pub(crate) struct UtilizationProbe<'s, 'c> {
    sim: &'s mut Simulator<'c>,
}

impl UtilizationProbe<'_, '_> {
    /// The provider NPV of the last scenario at a constant utilization, option decisions held
    /// fixed: bit for bit what re-running the whole path that way gives (0 when not a finite
    /// number).
    pub(crate) fn provider_npv(&mut self, utilization: f64) -> f64 {
        self.sim.mode = DemandMode::ConstantUtilization(utilization);
        self.sim.provider_npv_of_periods()
    }
}

#[cfg(test)]
mod test_support {
    /// Uniforms in [0, 1) from a fixed xorshift64* sequence: the same test inputs on every run.
    pub(super) fn uniforms(seed: u64) -> impl FnMut() -> f64 {
        let mut state = seed;
        move || {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
        }
    }
}
