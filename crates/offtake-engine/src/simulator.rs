//! The Monte Carlo kernel: one path of MODEL.md §3–9 over buffers allocated once per contract.
//!
//! [`Simulator::new`] turns the contract into per-period tables that no scenario changes (hours,
//! price, escalation, the demand curve, discount factors) and sizes every buffer; [`Simulator::run`]
//! then fills the buffers in place, in the order of MODEL.md: generations and tranches (§2–3),
//! options, capacity and usage (§3–4), billing (§5), capex, depreciation and debt (§6),
//! opex and tax (§6), equity (§7), the buyer (§8) and the verdicts (§9).

use offtake_finance::{LevelLoan, MonthlyDiscount, irr_monthly_end, payback_months};
use offtake_model::{Clause, Contract, Demand, EquityTrigger, Metric, Settlement, TrancheKind};

use crate::{Metrics, Outcome, PathSummary, Scenario, Verdicts};

/// Relative tolerance of the option test, equity conditions and verdict thresholds (MODEL.md
/// preamble).
const TOLERANCE: f64 = 1e-9;

/// `a ≥ b` with MODEL.md's relative tolerance: a ≥ b − 1e-9·max(1, |b|).
pub(crate) fn at_least(a: f64, b: f64) -> bool {
    a >= b - TOLERANCE * b.abs().max(1.0)
}

/// What a tranche is, in periods.
#[derive(Debug, Clone)]
pub(crate) struct TrancheTerms {
    pub(crate) mw: f64,
    /// Period of `online` before delay.
    pub(crate) online: i64,
    pub(crate) ramp: i64,
    pub(crate) build: i64,
    pub(crate) deadline: Option<i64>,
    pub(crate) promised: Option<usize>,
    /// (decision period = max(0, exercise period), exercise_utilization) for an option.
    pub(crate) option: Option<(i64, f64)>,
}

#[derive(Debug, Clone)]
pub(crate) struct GenerationTerms {
    pub(crate) available: i64,
    pub(crate) pflops_per_mw: f64,
    pub(crate) chip_capex_per_mw: f64,
    pub(crate) life: i64,
}

#[derive(Debug, Clone)]
pub(crate) enum EquityRule {
    /// Paid in this period (None: at or after T, never).
    At(Option<usize>),
    /// Paid in the first period ≤ `last` where every clause holds.
    When { clauses: Vec<Clause>, last: usize },
}

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
    /// Every field of [`Metrics`]: what [`crate::underwrite`] reports.
    #[default]
    Full,
    /// What the Monte Carlo reports (offtake-risk's path metrics, verdicts, options and equity
    /// flags, the tornado): everything but the deal view's IRR, which is left `None` with
    /// `provider_deal_irr_multiple_roots` false. [`Simulator::outcome`] still reports it (it
    /// re-runs the path in full).
    Risk,
    /// Only `provider_npv` and what it needs (the break-even search of the legibility figures):
    /// no IRR, payback or deal IRR.
    ProviderNpv,
}

/// A fit of chips: tranche, period, generation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fit {
    pub(crate) tranche: usize,
    pub(crate) period: usize,
    pub(crate) generation: usize,
}

/// `count` equal capex amounts in consecutive periods from `first`, depreciated over `life`
/// months each; all belong to one tranche (whose o_k governs the debt).
#[derive(Debug, Clone, Copy)]
struct SpendRun {
    first: usize,
    count: usize,
    each: f64,
    life: usize,
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
    min_total_spend: f64,
    /// (debt_share, monthly rate ln(1+i), loan of 1 USD over 12n months).
    debt: Option<(f64, f64, LevelLoan)>,
    provider_discount: Option<MonthlyDiscount>,
    buyer_discount: Option<MonthlyDiscount>,

    // Per-period tables fixed by the contract.
    pub(crate) hours: Vec<f64>,
    pub(crate) price: Vec<f64>,
    /// power_price·(1+power_escalation)^⌊t/12⌋.
    power_price: Vec<f64>,
    /// d(t) or u(t) before demand_factor.
    demand_curve: Vec<f64>,
    demand_is_pflops: bool,

    // The scenario of the last run (missing delays and slips read as 0).
    pub(crate) demand_factor: f64,
    pub(crate) power_factor: f64,
    pub(crate) capex_factor: f64,
    pub(crate) delay: Vec<i64>,
    pub(crate) slip: Vec<i64>,
    pub(crate) mode: DemandMode,
    extent: Extent,

    // Per-run state.
    pub(crate) available: Vec<i64>,
    pub(crate) online: Vec<i64>,
    pub(crate) exists: Vec<bool>,
    pub(crate) trailing: Vec<Option<f64>>,
    pub(crate) first_generation: Vec<Option<usize>>,
    pub(crate) fits: Vec<Fit>,
    /// mw_k·a_k(t), tranche-major (k·T + t), as if every option were exercised.
    pub(crate) tranche_mw: Vec<f64>,
    tranche_pflops: Vec<f64>,
    spend_runs: Vec<(usize, SpendRun)>,
    /// Loan balance whose level payments start in period s (index s, 0 ..= T).
    loan_start_balance: Vec<f64>,
    pub(crate) dscr: Vec<Option<f64>>,

    // Per-period results.
    pub(crate) capacity_mw: Vec<f64>,
    pub(crate) pflops: Vec<f64>,
    pub(crate) available_ph: Vec<f64>,
    pub(crate) used_ph: Vec<f64>,
    pub(crate) utilization: Vec<f64>,
    pub(crate) usage_charge: Vec<f64>,
    pub(crate) floor_charge: Vec<f64>,
    pub(crate) shortfall: Vec<f64>,
    pub(crate) true_up: Vec<f64>,
    pub(crate) payments: Vec<f64>,
    pub(crate) energy: Vec<f64>,
    pub(crate) power_cost: Vec<f64>,
    pub(crate) fixed_opex: Vec<f64>,
    pub(crate) ebitda: Vec<f64>,
    pub(crate) capex: Vec<f64>,
    pub(crate) depreciation: Vec<f64>,
    pub(crate) tax: Vec<f64>,
    pub(crate) residual: Vec<f64>,
    pub(crate) fcf: Vec<f64>,
    pub(crate) cfads: Vec<f64>,
    pub(crate) debt_draw: Vec<f64>,
    pub(crate) debt_service: Vec<f64>,
    pub(crate) equity_paid: Vec<f64>,
    pub(crate) deal_cf: Vec<f64>,
    pub(crate) buyer_cf: Vec<f64>,
    pub(crate) zero_usage_revenue: Vec<f64>,
    cumulative_payments: Vec<f64>,
    cumulative_used: Vec<f64>,
    utilization_12m: Vec<f64>,

    // Figures kept for the outcome.
    pub(crate) pv_zero_usage_revenue: f64,
    pub(crate) pv_capex: f64,
    pub(crate) pv_fixed_opex: f64,
    pub(crate) failing_tranches: usize,

    pub(crate) summary: PathSummary,
}

/// Linear interpolation in the period index of each point, flat outside (MODEL.md §4).
fn curve_value(points: &[(i64, f64)], t: i64) -> f64 {
    let Some(&(p0, v0)) = points.first() else {
        return 0.0;
    };
    if t <= p0 {
        return v0;
    }
    for w in points.windows(2) {
        let ((pa, va), (pb, vb)) = (w[0], w[1]);
        if t <= pb {
            return va + (vb - va) * (t - pa) as f64 / (pb - pa) as f64;
        }
    }
    points.last().map_or(0.0, |&(_, v)| v)
}

/// (1+r)^y for contract year y, by exponent (MODEL.md §5, §6: stepped by contract year).
fn yearly_factor(rate: f64, t: usize) -> f64 {
    (1.0 + rate).powi(i32::try_from(t / 12).unwrap_or(i32::MAX))
}

fn to_period(p: i64) -> usize {
    usize::try_from(p.max(0)).unwrap_or(0)
}

impl<'c> Simulator<'c> {
    /// Precomputes everything that does not depend on the scenario and allocates every buffer.
    pub fn new(contract: &'c Contract) -> Self {
        let n = contract.term_months();
        let n_i = n as i64;
        let hours: Vec<f64> = (0..n)
            .map(|t| offtake_model::hours_in_month(contract.period_start(t as i64)))
            .collect();
        let pricing = &contract.pricing;
        let net_list = pricing.list_price * (1.0 - pricing.discount);
        let price = (0..n)
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

        let tranches: Vec<TrancheTerms> = contract
            .tranches
            .iter()
            .map(|tr| TrancheTerms {
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
            })
            .collect();
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
                        clauses: clauses.clone(),
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
        let min_total_spend = contract
            .commitment
            .as_ref()
            .map_or(0.0, |c| c.min_total_spend);
        // A validated contract has 0 ≤ interest, tenor ≥ 1 month, so the loan always exists.
        let debt = contract.financing.as_ref().and_then(|f| {
            let i = f.interest_rate / 12.0;
            LevelLoan::new(1.0, i, f.tenor_months)
                .ok()
                .map(|loan| (f.debt_share, i.ln_1p(), loan))
        });
        // Validated discount rates are > −1, so these always exist.
        let provider_discount = MonthlyDiscount::new(provider.discount_rate).ok();
        let buyer_discount = MonthlyDiscount::new(contract.buyer.discount_rate).ok();

        let n_tr = tranches.len();
        let n_gen = contract.generations.len();
        let n_years = n.div_ceil(12);
        let zeros = vec![0.0; n];
        Simulator {
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
            debt,
            provider_discount,
            buyer_discount,
            hours,
            price,
            power_price,
            demand_curve,
            demand_is_pflops,
            demand_factor: 1.0,
            power_factor: 1.0,
            capex_factor: 1.0,
            delay: vec![0; n_tr],
            slip: vec![0; n_gen],
            mode: DemandMode::Contract,
            extent: Extent::Full,
            available: vec![0; n_gen],
            online: vec![0; n_tr],
            exists: vec![false; n_tr],
            trailing: vec![None; n_tr],
            first_generation: vec![None; n_tr],
            // A tranche is fitted at most once per period.
            fits: Vec::with_capacity(n_tr * n + 1),
            tranche_mw: vec![0.0; n_tr * n],
            tranche_pflops: vec![0.0; n_tr * n],
            // Per tranche: two facility runs (landed in period 0, the rest) and one per fit.
            spend_runs: Vec::with_capacity(n_tr * (n + 2) + 1),
            loan_start_balance: vec![0.0; n + 1],
            dscr: vec![None; n_years],
            capacity_mw: zeros.clone(),
            pflops: zeros.clone(),
            available_ph: zeros.clone(),
            used_ph: zeros.clone(),
            utilization: zeros.clone(),
            usage_charge: zeros.clone(),
            floor_charge: zeros.clone(),
            shortfall: zeros.clone(),
            true_up: zeros.clone(),
            payments: zeros.clone(),
            energy: zeros.clone(),
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
            deal_cf: zeros.clone(),
            buyer_cf: zeros.clone(),
            zero_usage_revenue: zeros.clone(),
            cumulative_payments: zeros.clone(),
            cumulative_used: zeros.clone(),
            utilization_12m: zeros,
            pv_zero_usage_revenue: 0.0,
            pv_capex: 0.0,
            pv_fixed_opex: 0.0,
            failing_tranches: 0,
            summary: PathSummary {
                options_exercised: vec![false; n_tr],
                equity_paid_period: vec![None; contract.equity.len()],
                ..PathSummary::default()
            },
        }
    }

    /// Sets which metrics each [`run`](Self::run) computes (default [`Extent::Full`]).
    pub fn with_extent(mut self, extent: Extent) -> Self {
        self.extent = extent;
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

    /// Runs one path without allocating; returns its summary.
    pub fn run(&mut self, scenario: &Scenario) -> &PathSummary {
        self.load_scenario(scenario);
        self.mode = DemandMode::Contract;
        self.simulate();
        &self.summary
    }

    /// Copies the scenario into the preallocated buffers (missing delays and slips are 0).
    fn load_scenario(&mut self, scenario: &Scenario) {
        self.demand_factor = scenario.demand_factor;
        self.power_factor = scenario.power_factor;
        self.capex_factor = scenario.capex_factor;
        for (k, d) in self.delay.iter_mut().enumerate() {
            *d = scenario.delay_months.get(k).copied().unwrap_or(0);
        }
        for (g, s) in self.slip.iter_mut().enumerate() {
            *s = scenario.slip_months.get(g).copied().unwrap_or(0);
        }
    }

    /// Re-runs the last scenario with a constant utilization and the same option decisions;
    /// returns the provider NPV (the legibility break-even search).
    pub(crate) fn provider_npv_at_utilization(&mut self, utilization: f64) -> f64 {
        self.mode = DemandMode::ConstantUtilization(utilization);
        self.extent = Extent::ProviderNpv;
        self.simulate();
        self.summary.metrics.provider_npv
    }

    /// The full detail of the last run (allocates). A simulator that runs less than
    /// [`Extent::Full`] re-runs the path in full first.
    pub fn outcome(&self) -> Outcome {
        if self.extent == Extent::Full {
            crate::report::outcome(self)
        } else {
            let mut full = self.clone();
            full.extent = Extent::Full;
            full.simulate();
            crate::report::outcome(&full)
        }
    }

    /// One path, MODEL.md §2–9, from the loaded scenario.
    fn simulate(&mut self) {
        self.place_tranches();
        if self.mode == DemandMode::Contract {
            self.decide_options();
        }
        self.capacity_and_usage();
        self.billing();
        self.capex_and_debt();
        self.operations_and_tax();
        self.equity();
        self.summarize();
    }

    /// §2–3: availability, o_k, fits and each tranche's MW and PFLOP/s by period, as if every
    /// option were exercised (the option test needs them).
    fn place_tranches(&mut self) {
        let n = self.n;
        let n_i = n as i64;
        for (g, gen_terms) in self.generations.iter().enumerate() {
            self.available[g] = gen_terms.available + self.slip[g];
        }
        let first_available = self.available.iter().copied().min().unwrap_or(0);
        let min_refresh = i64::from(self.contract.provider.min_refresh_months);
        self.fits.clear();
        for k in 0..self.tranches.len() {
            let tr = &self.tranches[k];
            let o = (tr.online + self.delay[k]).max(first_available).max(0);
            self.online[k] = o;
            let mw_row = &mut self.tranche_mw[k * n..(k + 1) * n];
            let pf_row = &mut self.tranche_pflops[k * n..(k + 1) * n];
            mw_row.fill(0.0);
            pf_row.fill(0.0);
            self.first_generation[k] = None;
            if o >= n_i {
                continue;
            }
            let latest = |s: i64| {
                (0..self.available.len())
                    .rev()
                    .find(|&g| self.available[g] <= s)
            };
            let Some(mut g) = latest(o) else { continue };
            self.first_generation[k] = Some(g);
            let mut fit = o;
            loop {
                self.fits.push(Fit {
                    tranche: k,
                    period: to_period(fit),
                    generation: g,
                });
                let life_end = fit + self.generations[g].life;
                // The last fit runs to the end when no refit comes within the term.
                let refit = if life_end >= n_i || n_i - life_end < min_refresh {
                    None
                } else {
                    latest(life_end)
                };
                let end = if refit.is_some() { life_end } else { n_i };
                let ppm = self.generations[g].pflops_per_mw;
                for t in fit..end {
                    // a_k(t) from integers (§3), never accumulated.
                    let since = t - o + 1;
                    let mw = if tr.ramp == 0 || since >= tr.ramp {
                        tr.mw
                    } else {
                        tr.mw * since as f64 / tr.ramp as f64
                    };
                    let i = to_period(t);
                    mw_row[i] = mw;
                    pf_row[i] = mw * ppm;
                }
                match refit {
                    Some(next) => {
                        g = next;
                        fit = life_end;
                    }
                    None => break,
                }
            }
        }
    }

    /// U(t) for available C(t) (§4).
    #[inline]
    fn used(&self, t: usize, available: f64) -> f64 {
        match self.mode {
            DemandMode::ConstantUtilization(u) => u * available,
            DemandMode::Contract if self.demand_is_pflops => {
                available.min(self.demand_curve[t] * self.demand_factor * self.hours[t])
            }
            DemandMode::Contract => {
                (self.demand_curve[t] * self.demand_factor).min(1.0) * available
            }
        }
    }

    /// §3: options in decision order on trailing ΣU/ΣC of firm and earlier-exercised tranches.
    fn decide_options(&mut self) {
        let n = self.n;
        for k in 0..self.tranches.len() {
            self.exists[k] = self.tranches[k].option.is_none();
            self.trailing[k] = None;
        }
        for i in 0..self.option_order.len() {
            let k = self.option_order[i];
            let Some((decision, threshold)) = self.tranches[k].option else {
                continue;
            };
            if decision >= n as i64 {
                continue;
            }
            let hi = to_period(decision);
            let lo = hi.saturating_sub(12);
            let (mut sum_c, mut sum_u) = (0.0, 0.0);
            for t in lo..hi {
                let mut pflops = 0.0;
                for j in 0..self.tranches.len() {
                    if self.exists[j] {
                        pflops += self.tranche_pflops[j * n + t];
                    }
                }
                let c = pflops * self.hours[t];
                sum_c += c;
                sum_u += self.used(t, c);
            }
            if sum_c > 0.0 {
                let ratio = sum_u / sum_c;
                self.trailing[k] = Some(ratio);
                self.exists[k] = at_least(ratio, threshold);
            }
        }
        for k in 0..self.tranches.len() {
            self.summary.options_exercised[k] = self.tranches[k].option.is_some() && self.exists[k];
        }
    }

    /// §3–4: capacity, C, U and utilization of the tranches that exist.
    fn capacity_and_usage(&mut self) {
        let n = self.n;
        for t in 0..n {
            let (mut mw, mut pflops) = (0.0, 0.0);
            for k in 0..self.tranches.len() {
                if self.exists[k] {
                    mw += self.tranche_mw[k * n + t];
                    pflops += self.tranche_pflops[k * n + t];
                }
            }
            let c = pflops * self.hours[t];
            let u = self.used(t, c);
            self.capacity_mw[t] = mw;
            self.pflops[t] = pflops;
            self.available_ph[t] = c;
            self.used_ph[t] = u;
            self.utilization[t] = if c > 0.0 { u / c } else { 0.0 };
        }
    }

    /// §5: usage charge, floors, shortfall, true-up and payments; and the revenue owed with zero
    /// usage (§9 coverage).
    fn billing(&mut self) {
        let n = self.n;
        for t in 0..n {
            self.usage_charge[t] = self.used_ph[t] * self.price[t];
            self.floor_charge[t] = match self.floor_window {
                Some((lo, hi)) if (lo..=hi).contains(&t) => {
                    self.floor * self.available_ph[t] * self.price[t]
                }
                _ => 0.0,
            };
            self.shortfall[t] = 0.0;
            self.zero_usage_revenue[t] = 0.0;
            self.true_up[t] = 0.0;
        }
        if let Some((lo, hi)) = self.floor_window {
            if self.settle_annual {
                for y in 0..n.div_ceil(12) {
                    let a = (12 * y).max(lo);
                    let b = (12 * y + 11).min(n - 1).min(hi);
                    if a > b {
                        continue;
                    }
                    let (mut floors, mut usage) = (0.0, 0.0);
                    for t in a..=b {
                        floors += self.floor_charge[t];
                        usage += self.usage_charge[t];
                    }
                    self.shortfall[b] = (floors - usage).max(0.0);
                    self.zero_usage_revenue[b] = floors.max(0.0);
                }
            } else {
                for t in lo..=hi {
                    self.shortfall[t] = (self.floor_charge[t] - self.usage_charge[t]).max(0.0);
                    self.zero_usage_revenue[t] = self.floor_charge[t].max(0.0);
                }
            }
        }
        let (mut billed, mut owed_idle) = (0.0, 0.0);
        for t in 0..n {
            billed += self.usage_charge[t] + self.shortfall[t];
            owed_idle += self.zero_usage_revenue[t];
        }
        self.true_up[n - 1] = (self.min_total_spend - billed).max(0.0);
        self.zero_usage_revenue[n - 1] += (self.min_total_spend - owed_idle).max(0.0);
        for t in 0..n {
            self.payments[t] = self.usage_charge[t] + self.shortfall[t] + self.true_up[t];
        }
    }

    /// §6: facility and chip capex, straight-line depreciation, debt draws and level repayment.
    fn capex_and_debt(&mut self) {
        let n = self.n;
        let n_i = n as i64;
        let facility_per_mw = self.contract.provider.facility_capex_per_mw;
        let facility_life = to_period(i64::from(self.contract.provider.facility_life_months));
        self.spend_runs.clear();
        for k in 0..self.tranches.len() {
            if !self.exists[k] {
                continue;
            }
            let tr = &self.tranches[k];
            let o = self.online[k];
            let amount = tr.mw * facility_per_mw * self.capex_factor;
            if tr.build == 0 {
                if o < n_i {
                    self.spend_runs.push((
                        k,
                        SpendRun {
                            first: to_period(o),
                            count: 1,
                            each: amount,
                            life: facility_life,
                        },
                    ));
                }
            } else {
                // Spread over o−B … o−1; spends before period 0 land in 0 (§6).
                let each = amount / tr.build as f64;
                let q0 = o - tr.build;
                let landed = (1 - q0).clamp(0, tr.build);
                if landed > 0 {
                    self.spend_runs.push((
                        k,
                        SpendRun {
                            first: 0,
                            count: 1,
                            each: each * landed as f64,
                            life: facility_life,
                        },
                    ));
                }
                let first = q0 + landed;
                let last = (o - 1).min(n_i - 1);
                if first <= last {
                    self.spend_runs.push((
                        k,
                        SpendRun {
                            first: to_period(first),
                            count: to_period(last - first + 1),
                            each,
                            life: facility_life,
                        },
                    ));
                }
            }
        }
        for f in &self.fits {
            if !self.exists[f.tranche] {
                continue;
            }
            let g = &self.generations[f.generation];
            self.spend_runs.push((
                f.tranche,
                SpendRun {
                    first: f.period,
                    count: 1,
                    each: self.tranches[f.tranche].mw * g.chip_capex_per_mw * self.capex_factor,
                    life: to_period(g.life),
                },
            ));
        }

        self.capex.fill(0.0);
        self.depreciation.fill(0.0);
        self.debt_draw.fill(0.0);
        self.debt_service.fill(0.0);
        self.loan_start_balance.fill(0.0);
        let mut net_book_value = 0.0;
        let mut outstanding = 0.0;
        for &(k, run) in &self.spend_runs {
            let last_unit = run.first + run.count - 1;
            for t in run.first..=last_unit {
                self.capex[t] += run.each;
            }
            // Straight line from the period of spend: unit j depreciates in p_j … p_j+life−1,
            // so period t carries each/life times the number of units in (t−life, t].
            let monthly = run.each / run.life as f64;
            let end = (last_unit + run.life).min(n);
            for t in run.first..end {
                let lo = run.first.max((t + 1).saturating_sub(run.life));
                let hi = last_unit.min(t);
                if lo <= hi {
                    self.depreciation[t] += monthly * (hi - lo + 1) as f64;
                }
            }
            for p in run.first..=last_unit {
                let spent = n - p;
                if spent < run.life {
                    net_book_value += run.each * (run.life - spent) as f64 / run.life as f64;
                }
            }
            if let Some((share, ln_growth, _)) = self.debt {
                let o = self.online[k];
                for p in run.first..=last_unit {
                    let draw = share * run.each;
                    self.debt_draw[p] += draw;
                    let p_i = p as i64;
                    if o >= n_i {
                        // Never online: capitalizes to T−1 and is owed at the end (§3).
                        outstanding += draw * ((n_i - 1 - p_i) as f64 * ln_growth).exp();
                    } else {
                        let months = (o - p_i).max(0);
                        let start = to_period(o.max(p_i) + 1);
                        self.loan_start_balance[start] += draw * (months as f64 * ln_growth).exp();
                    }
                }
            }
        }
        if let Some((_, _, loan)) = self.debt {
            let tenor = loan.n_payments() as usize;
            for start in 1..=n {
                let balance = self.loan_start_balance[start];
                if balance == 0.0 {
                    continue;
                }
                let payment = balance * loan.payment();
                let end = (start + tenor).min(n);
                for t in start..end {
                    self.debt_service[t] += payment;
                }
                let made = u32::try_from(end.saturating_sub(start)).unwrap_or(u32::MAX);
                outstanding += balance * loan.balance_after(made);
            }
        }
        self.residual.fill(0.0);
        self.residual[n - 1] = self.contract.provider.residual_fraction * net_book_value;
        self.summary.metrics.debt_outstanding_at_end = outstanding;
    }

    /// §6: energy, power cost, fixed opex, EBITDA, tax with loss carry-forward, FCF and CFADS.
    fn operations_and_tax(&mut self) {
        let n = self.n;
        let p = &self.contract.provider;
        for t in 0..n {
            let energy = self.capacity_mw[t]
                * self.hours[t]
                * p.pue
                * (p.idle_power + (1.0 - p.idle_power) * self.utilization[t]);
            self.energy[t] = energy;
            self.power_cost[t] = energy * self.power_price[t] * self.power_factor;
            self.fixed_opex[t] = p.fixed_opex_per_mw_year * self.capacity_mw[t] / 12.0;
            self.ebitda[t] = self.payments[t] - self.power_cost[t] - self.fixed_opex[t];
        }
        self.tax.fill(0.0);
        let mut losses = 0.0;
        for y in 0..n.div_ceil(12) {
            let last = (12 * y + 11).min(n - 1);
            let mut taxable = 0.0;
            for t in 12 * y..=last {
                taxable += self.ebitda[t] - self.depreciation[t];
            }
            if taxable < 0.0 {
                losses -= taxable;
            } else {
                let used = losses.min(taxable);
                losses -= used;
                self.tax[last] = p.tax_rate * (taxable - used);
            }
        }
        for t in 0..n {
            self.cfads[t] = self.ebitda[t] - self.tax[t];
            self.fcf[t] = self.ebitda[t] - self.capex[t] - self.tax[t] + self.residual[t];
        }
    }

    /// §7: equity tranches, each paid once in the first period its trigger holds.
    fn equity(&mut self) {
        let n = self.n;
        self.equity_paid.fill(0.0);
        let needs_metrics = self
            .equity_rules
            .iter()
            .any(|r| matches!(r, EquityRule::When { .. }));
        if needs_metrics {
            let (mut pay, mut used) = (0.0, 0.0);
            for t in 0..n {
                pay += self.payments[t];
                used += self.used_ph[t];
                self.cumulative_payments[t] = pay;
                self.cumulative_used[t] = used;
                // Summed directly over the window, not as a difference of running sums.
                let (mut u, mut c) = (0.0, 0.0);
                for s in t.saturating_sub(11)..=t {
                    u += self.used_ph[s];
                    c += self.available_ph[s];
                }
                self.utilization_12m[t] = if c > 0.0 { u / c } else { 0.0 };
            }
        }
        for (e, rule) in self.equity_rules.iter().enumerate() {
            let period = match rule {
                EquityRule::At(p) => *p,
                EquityRule::When { clauses, last } => (0..=*last).find(|&t| {
                    clauses.iter().all(|c| {
                        let value = match c.metric {
                            Metric::CumulativePayments => self.cumulative_payments[t],
                            Metric::CumulativePflopHours => self.cumulative_used[t],
                            Metric::CapacityMw => self.capacity_mw[t],
                            Metric::Utilization12m => self.utilization_12m[t],
                        };
                        at_least(value, c.threshold)
                    })
                }),
            };
            self.summary.equity_paid_period[e] = period;
            if let Some(t) = period {
                self.equity_paid[t] += self.contract.equity[e].amount;
            }
        }
    }

    /// §6–9: the provider's and buyer's views, DSCR, coverage, and the verdicts.
    fn summarize(&mut self) {
        let n = self.n;
        let c = self.contract;
        let mut m = Metrics {
            debt_outstanding_at_end: self.summary.metrics.debt_outstanding_at_end,
            ..Metrics::default()
        };
        let mut round_trip = 0.0;
        for (e, period) in self.summary.equity_paid_period.iter().enumerate() {
            if period.is_some() {
                let amount = c.equity[e].amount;
                m.equity_paid_total += amount;
                round_trip += c.equity[e].round_trip * amount;
            }
        }
        let value = c.buyer.value_per_pflop_hour;
        for t in 0..n {
            self.deal_cf[t] = self.fcf[t] - self.equity_paid[t];
            self.buyer_cf[t] = self.used_ph[t] * value - self.payments[t] + self.equity_paid[t];
            m.total_payments += self.payments[t];
            m.total_usage_charges += self.usage_charge[t];
            m.total_shortfall += self.shortfall[t];
            m.total_true_up += self.true_up[t];
            m.idle_payments += self.shortfall[t] + self.true_up[t];
            m.total_capex += self.capex[t];
            m.total_power_cost += self.power_cost[t];
            m.total_fixed_opex += self.fixed_opex[t];
            m.total_tax += self.tax[t];
            m.total_available_pflop_hours += self.available_ph[t];
            m.total_used_pflop_hours += self.used_ph[t];
            m.debt_drawn += self.debt_draw[t];
            m.peak_capacity_mw = m.peak_capacity_mw.max(self.capacity_mw[t]);
        }
        self.deal_cf[n - 1] += c.provider.exit_multiple * m.equity_paid_total;
        m.residual_value = self.residual[n - 1];
        m.capacity_mw_at_end = self.capacity_mw[n - 1];
        m.average_utilization = (m.total_available_pflop_hours > 0.0)
            .then(|| m.total_used_pflop_hours / m.total_available_pflop_hours);

        let npv = |d: &Option<MonthlyDiscount>, flows: &[f64]| d.map_or(f64::NAN, |d| d.npv(flows));
        m.provider_npv = npv(&self.provider_discount, &self.fcf);
        if self.extent != Extent::ProviderNpv {
            if let Some(irr) = irr_monthly_end(&self.fcf) {
                m.provider_irr = Some(irr.rate);
                m.irr_multiple_roots = irr.multiple_roots;
            }
            m.payback_months = payback_months(&self.fcf).and_then(|p| u32::try_from(p).ok());
        }
        m.provider_deal_npv = npv(&self.provider_discount, &self.deal_cf);
        if self.extent == Extent::Full
            && let Some(irr) = irr_monthly_end(&self.deal_cf)
        {
            m.provider_deal_irr = Some(irr.rate);
            m.provider_deal_irr_multiple_roots = irr.multiple_roots;
        }
        m.buyer_npv = npv(&self.buyer_discount, &self.buyer_cf);
        if m.total_used_pflop_hours > 0.0 {
            let price = m.total_payments / m.total_used_pflop_hours;
            m.effective_price = Some(price);
            m.effective_discount = Some(1.0 - price / c.pricing.list_price);
        }
        m.circularity = (m.total_payments > 0.0).then(|| round_trip / m.total_payments);

        // DSCR per contract year with debt service (§6).
        let (mut min_dscr, mut sum_dscr, mut n_dscr) = (f64::INFINITY, 0.0, 0usize);
        for y in 0..n.div_ceil(12) {
            let last = (12 * y + 11).min(n - 1);
            let (mut cfads, mut service) = (0.0, 0.0);
            for t in 12 * y..=last {
                cfads += self.cfads[t];
                service += self.debt_service[t];
            }
            self.dscr[y] = (service > 0.0).then(|| cfads / service);
            if let Some(d) = self.dscr[y] {
                min_dscr = min_dscr.min(d);
                sum_dscr += d;
                n_dscr += 1;
            }
        }
        if n_dscr > 0 {
            m.min_dscr = Some(min_dscr);
            m.avg_dscr = Some(sum_dscr / n_dscr as f64);
        }

        // Coverage (§9): PV of zero-usage revenue over PV of capex and fixed opex.
        self.pv_zero_usage_revenue = npv(&self.provider_discount, &self.zero_usage_revenue);
        self.pv_capex = npv(&self.provider_discount, &self.capex);
        self.pv_fixed_opex = npv(&self.provider_discount, &self.fixed_opex);
        let costs = self.pv_capex + self.pv_fixed_opex;
        m.coverage = (costs != 0.0).then(|| self.pv_zero_usage_revenue / costs);

        // Deliverable (§9, §12).
        let n_i = n as i64;
        self.failing_tranches = 0;
        for (k, tr) in self.tranches.iter().enumerate() {
            if !self.exists[k] {
                continue;
            }
            let Some(deadline) = tr.deadline else {
                continue;
            };
            let o = self.online[k];
            let ok = o < n_i
                && o <= deadline.max(0)
                && match (tr.promised, self.first_generation[k]) {
                    (Some(promised), Some(fitted)) => fitted >= promised,
                    (Some(_), None) => false,
                    (None, _) => true,
                };
            if !ok {
                self.failing_tranches += 1;
            }
        }

        let t = &c.thresholds;
        self.summary.verdicts = Verdicts {
            contracted: m.coverage.is_some_and(|cov| at_least(cov, t.coverage)),
            financeable: m.min_dscr.is_none_or(|d| at_least(d, t.dscr)),
            deliverable: self.failing_tranches == 0,
        };
        self.summary.metrics = m;
    }
}
