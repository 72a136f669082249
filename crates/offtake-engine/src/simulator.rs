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

use offtake_finance::{LevelLoan, MonthlyDiscount, irr_monthly_end};
use offtake_model::{Contract, Demand, EquityTrigger, Metric, Settlement, TrancheKind};

use crate::{Metrics, Outcome, PathSummary, Scenario, Verdicts};

/// Relative tolerance of the option test, equity conditions and verdict thresholds (MODEL.md
/// preamble).
const TOLERANCE: f64 = 1e-9;

/// `a ≥ b` with MODEL.md's relative tolerance: a ≥ b − 1e-9·max(1, |b|).
pub(crate) fn at_least(a: f64, b: f64) -> bool {
    a >= lowest_passing(b)
}

/// The smallest value that passes `at_least(·, b)`.
fn lowest_passing(b: f64) -> f64 {
    b - TOLERANCE * b.abs().max(1.0)
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
    /// [`ramp_table`] of this tranche.
    ramp_mw: Vec<f64>,
}

impl TrancheTerms {
    /// mw·a_k(t) for a tranche online at `o`, t ≥ o: from integers, never accumulated (§3).
    #[inline]
    fn mw_at(&self, o: i64, t: i64) -> f64 {
        let since = t - o + 1;
        if self.ramp == 0 || since >= self.ramp {
            self.mw
        } else {
            self.ramp_mw[to_period(since - 1)]
        }
    }
}

/// mw·s/R for s = 1 … R−1: the ramp's capacity s periods after going online (§3), each from
/// its integers.
fn ramp_table(mw: f64, ramp: i64) -> Vec<f64> {
    (1..ramp)
        .map(|since| mw * since as f64 / ramp as f64)
        .collect()
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
    /// Paid in the first period ≤ `last` where every clause holds: (metric, the lowest value
    /// that passes, threshold − 1e-9·max(1, |threshold|)).
    When {
        clauses: Vec<(Metric, f64)>,
        last: usize,
    },
}

/// How demand is set for a run: as the contract says, or a constant utilization (for the
/// break-even search of the legibility figures, with option decisions held fixed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum DemandMode {
    Contract,
    ConstantUtilization(f64),
}

/// U(t) from C(t), resolved once per run from the demand mode and the contract's curve kind.
#[derive(Debug, Clone, Copy)]
enum Usage {
    /// min(C, d(t)·demand_factor·hours(t)).
    Pflops(f64),
    /// min(1, u(t)·demand_factor)·C.
    Utilization(f64),
    /// u·C.
    Constant(f64),
}

impl Usage {
    #[inline]
    fn used(self, available: f64, curve: f64, hours: f64) -> f64 {
        match self {
            Usage::Pflops(factor) => available.min(curve * factor * hours),
            Usage::Utilization(factor) => (curve * factor).min(1.0) * available,
            Usage::Constant(u) => u * available,
        }
    }
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

/// A fit of chips: tranche, period, generation, and the end (exclusive) of the periods the chips
/// run: the next fit's period, or T.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fit {
    pub(crate) tranche: usize,
    pub(crate) period: usize,
    pub(crate) generation: usize,
    pub(crate) end: usize,
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

impl SpendRun {
    /// Unit-months of depreciation in periods 0 … x−1: Σ_j clamp(x − p_j, 0, life) over the
    /// units' periods p_j = first + j, in closed form (integers, exact).
    fn unit_months_before(&self, x: usize) -> i64 {
        // Σ_{j<count} max(e − j, 0) = m·e − m(m−1)/2 with m = clamp(e, 0, count).
        let ramp = |e: i64| {
            let m = e.clamp(0, self.count as i64);
            m * e - m * (m - 1) / 2
        };
        let d = x as i64 - self.first as i64;
        // clamp(z, 0, L) = max(z, 0) − max(z − L, 0).
        ramp(d) - ramp(d - self.life as i64)
    }

    /// Σ_j max(0, life − (T − p_j)): unit-months still undepreciated after T−1 (§6 residual).
    fn unit_months_left(&self, n: usize) -> i64 {
        // Unit j keeps q + j months, q = first + life − T; only the positive terms count.
        let q = self.first as i64 + self.life as i64 - n as i64;
        let c = self.count as i64;
        let j0 = (1 - q).max(0);
        if j0 >= c {
            return 0;
        }
        let k = c - j0;
        k * q + (j0 + c - 1) * k / 2
    }
}

/// A spend run of a tranche with the key of its effect in the simulator's cache.
#[derive(Debug, Clone, Copy)]
struct KeyedRun {
    tranche: usize,
    key: usize,
    run: SpendRun,
}

/// What a spend run of 1 USD × its amounts contributes to §6's figures; its yearly
/// depreciation and debt service are kept beside it in `Simulator::effect_years`.
#[derive(Debug, Clone, Copy, Default)]
struct SpendEffect {
    total: f64,
    pv: f64,
    /// each·(unit-months not depreciated by T)/life: the net book value at the end.
    book_left: f64,
    drawn: f64,
    /// Debt still owed after T−1.
    outstanding: f64,
}

impl SpendEffect {
    fn add(&mut self, other: &SpendEffect) {
        self.total += other.total;
        self.pv += other.pv;
        self.book_left += other.book_left;
        self.drawn += other.drawn;
        self.outstanding += other.outstanding;
    }
}

/// An effect-cache slot not filled yet.
const NOT_COMPUTED: u32 = u32::MAX;

/// Where each spend run's effect sits in the cache: facility runs by (tranche, o_k, run),
/// o_k < `onlines`, then chip runs by (tranche, generation, period).
#[derive(Debug, Clone)]
struct EffectKeys {
    onlines: usize,
    index: Vec<u32>,
}

impl EffectKeys {
    fn new(n: usize, tranches: &[TrancheTerms], n_generations: usize) -> Self {
        let longest_build = tranches.iter().map(|tr| tr.build).max().unwrap_or(0);
        let onlines = n + to_period(longest_build);
        EffectKeys {
            onlines,
            index: vec![NOT_COMPUTED; tranches.len() * (2 * onlines + n_generations * n)],
        }
    }
}

/// Adds `amount` for every period of start … end−1 to the sums of the contract years.
fn add_per_period(years: &mut [f64], amount: f64, start: usize, end: usize) {
    if start >= end {
        return;
    }
    // The years between the first and the last carry twelve periods each.
    let (y0, y1) = (start / 12, (end - 1) / 12);
    if y0 == y1 {
        years[y0] += amount * (end - start) as f64;
    } else {
        years[y0] += amount * (12 * y0 + 12 - start) as f64;
        let whole = amount * 12.0;
        for y in &mut years[y0 + 1..y1] {
            *y += whole;
        }
        years[y1] += amount * (end - 12 * y1) as f64;
    }
}

/// The loans that repay a run's draws of `draw` each, for a tranche online at o < T, as
/// (first repayment period ≤ T, principal): draws before o grow to o and are repaid from o + 1
/// as one pooled loan (Σ_p (1+i)^(o−p) over them is a difference of running sums of the growth
/// table, exponents o−last … o−first); a draw at or after o is repaid from the next period.
fn for_each_loan(
    run: SpendRun,
    o: usize,
    draw: f64,
    debt_growth_sum: &[f64],
    mut loan: impl FnMut(usize, f64),
) {
    let last_unit = run.first + run.count - 1;
    if run.first < o {
        let last_before = last_unit.min(o - 1);
        let growth = debt_growth_sum[o - run.first + 1] - debt_growth_sum[o - last_before];
        loan(o + 1, draw * growth);
    }
    for p in run.first.max(o)..=last_unit {
        loan(p + 1, draw);
    }
}

/// The contract's tables a spend run's effect is computed from.
struct SpendTables<'a> {
    n: usize,
    provider_factor: &'a [f64],
    provider_factor_sum: &'a [f64],
    debt: Option<(f64, LevelLoan)>,
    debt_growth: &'a [f64],
    debt_growth_sum: &'a [f64],
    balance_left: &'a [f64],
}

impl SpendTables<'_> {
    /// The effect of `run` of a tranche online at `o` (§6). Its yearly depreciation and debt
    /// service are written to the two halves of `years` (zeros on entry).
    fn effect(&self, run: SpendRun, o: i64, years: &mut [f64]) -> SpendEffect {
        let n = self.n;
        let (year_depreciation, year_service) = years.split_at_mut(years.len() / 2);
        let last_unit = run.first + run.count - 1;
        // Σ of the units' discount factors: one factor, or a difference of running sums.
        let discount = if run.count == 1 {
            self.provider_factor[run.first]
        } else {
            self.provider_factor_sum[last_unit + 1] - self.provider_factor_sum[run.first]
        };
        // Straight line from the period of spend: unit j depreciates each/life in
        // p_j … p_j+life−1, cut at T−1. A year carries each/life per unit-month in it.
        let monthly = run.each / run.life as f64;
        let depreciation_end = (last_unit + run.life).min(n);
        if run.count == 1 {
            add_per_period(year_depreciation, monthly, run.first, depreciation_end);
        } else if depreciation_end > run.first {
            let y0 = run.first / 12;
            let mut before = run.unit_months_before(12 * y0);
            let years = &mut year_depreciation[y0..depreciation_end.div_ceil(12)];
            for (y, d) in (y0..).zip(years) {
                let upto = run.unit_months_before((12 * y + 12).min(n));
                *d += monthly * (upto - before) as f64;
                before = upto;
            }
        }
        // Residual: a unit spent in p keeps life − (T − p) of its life months (§6).
        let left = run.unit_months_left(n);
        let mut effect = SpendEffect {
            total: run.each * run.count as f64,
            pv: run.each * discount,
            book_left: if left > 0 {
                run.each * left as f64 / run.life as f64
            } else {
                0.0
            },
            ..SpendEffect::default()
        };
        let Some((share, loan)) = self.debt else {
            return effect;
        };
        let draw = share * run.each;
        effect.drawn = draw * run.count as f64;
        if o >= n as i64 {
            // Never online: capitalizes to T−1 and is owed at the end (§3).
            for p in run.first..=last_unit {
                effect.outstanding += draw * self.debt_growth[n - 1 - p];
            }
            return effect;
        }
        // A level loan repaid from `start` (≤ T): its payments in start … T−1 and what is owed
        // after.
        let tenor = loan.n_payments() as usize;
        for_each_loan(
            run,
            to_period(o),
            draw,
            self.debt_growth_sum,
            |start, principal| {
                let end = (start + tenor).min(n);
                add_per_period(year_service, principal * loan.payment(), start, end);
                effect.outstanding += principal * self.balance_left[end - start];
            },
        );
        effect
    }
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
    /// (debt_share, loan of 1 USD over 12n months).
    debt: Option<(f64, LevelLoan)>,
    /// (1+i)^m = exp(m·ln(1+i)) for m = 0 … T−1: a draw's growth to repayment start (§6).
    debt_growth: Vec<f64>,
    /// Σ_{j<m} (1+i)^j, m = 0 … T: sums of consecutive growth factors.
    debt_growth_sum: Vec<f64>,
    /// What is left of a loan of 1 USD after m payments, m = 0 … T.
    balance_left: Vec<f64>,

    // Per-period tables fixed by the contract.
    pub(crate) hours: Vec<f64>,
    pub(crate) price: Vec<f64>,
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

    // Per-period results. The Risk and ProviderNpv extents write only capacity_mw, pflops,
    // available_ph, used_ph, payments, capex and fcf; the others are the Full outcome's.
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

    // Figures kept for the outcome.
    pub(crate) pv_zero_usage_revenue: f64,
    pub(crate) pv_capex: f64,
    pub(crate) pv_fixed_opex: f64,
    /// Σ capacity_mw(t)·v^(t+1) at the provider's rate.
    pv_capacity: f64,
    pub(crate) failing_tranches: usize,

    pub(crate) summary: PathSummary,
}

/// The monthly series an equity trigger reads (§7).
struct TriggerSeries<'s> {
    payments: &'s [f64],
    used_ph: &'s [f64],
    available_ph: &'s [f64],
    capacity_mw: &'s [f64],
}

impl TriggerSeries<'_> {
    /// The first period t ≤ `last` at which every clause holds on the metrics at t: cumulative
    /// payments and used PFLOP-hours, capacity, and the 12-month trailing utilization, summed
    /// directly over its window and only when a clause asks for it.
    ///
    /// Clause by clause rather than period by period: the candidate t moves to the first period
    /// from t at which the clause holds, and the clauses are checked again from the new t until
    /// all hold at one t. Each clause's scan is a tight loop of its own (no dispatch on the
    /// metric per period), and the cumulative sums are advanced lazily, period by period in
    /// order, so every value compared is the one a plain running sum gives.
    fn first_period_holding(&self, clauses: &[(Metric, f64)], last: usize) -> Option<usize> {
        let mut pay = RunningSum::new(self.payments.get(..=last)?);
        let mut used = RunningSum::new(self.used_ph.get(..=last)?);
        let mut t = 0;
        'candidate: loop {
            for &(metric, lowest) in clauses {
                let from = match metric {
                    Metric::CumulativePayments => pay.first_reaching(t, lowest),
                    Metric::CumulativePflopHours => used.first_reaching(t, lowest),
                    Metric::CapacityMw => (t..=last).find(|&s| self.capacity_mw[s] >= lowest),
                    Metric::Utilization12m => {
                        (t..=last).find(|&s| self.utilization_12m(s) >= lowest)
                    }
                }?;
                if from > t {
                    t = from;
                    continue 'candidate;
                }
            }
            return Some(t);
        }
    }

    /// ΣU/ΣC over the 12 periods ending at t (fewer at the start), 0 without capacity.
    fn utilization_12m(&self, t: usize) -> f64 {
        let (mut u, mut c) = (0.0, 0.0);
        for s in t.saturating_sub(11)..=t {
            u += self.used_ph[s];
            c += self.available_ph[s];
        }
        if c > 0.0 { u / c } else { 0.0 }
    }
}

/// Σ x[0..=t] for a t that only moves forward, summed in period order.
struct RunningSum<'a> {
    x: &'a [f64],
    /// Periods summed so far: `sum` = Σ x[..next].
    next: usize,
    sum: f64,
}

impl<'a> RunningSum<'a> {
    fn new(x: &'a [f64]) -> Self {
        RunningSum {
            x,
            next: 0,
            sum: 0.0,
        }
    }

    /// The first s ≥ t (t at or after every earlier call's answer) with Σ x[0..=s] ≥ `lowest`.
    #[inline]
    fn first_reaching(&mut self, t: usize, lowest: f64) -> Option<usize> {
        while self.next <= t {
            self.sum += *self.x.get(self.next)?;
            self.next += 1;
        }
        loop {
            // Not `while sum < lowest`: a NaN sum never reaches, as in `value >= lowest`.
            if self.sum >= lowest {
                return Some(self.next - 1);
            }
            self.sum += *self.x.get(self.next)?;
            self.next += 1;
        }
    }
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
        if t == pb {
            return vb;
        }
        if t < pb {
            // The convex form stays within [min(va, vb), max(va, vb)]: a curve falling to 0
            // never gives a value a few ulps below 0 (which would turn sign tests, MODEL.md
            // preamble, on rounding noise).
            let w = (t - pa) as f64 / (pb - pa) as f64;
            return va * (1.0 - w) + vb * w;
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

/// Σ x with four interleaved accumulators (a fixed order: the same for every run).
fn sum(x: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let chunks = x.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for (lane, v) in lanes.iter_mut().zip(c) {
            *lane += v;
        }
    }
    let tail: f64 = rest.iter().fold(0.0, |a, v| a + v);
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

/// Σ x·y with four interleaved accumulators.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut lanes = [0.0; 4];
    let (xs, ys) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: f64 = xs
        .remainder()
        .iter()
        .zip(ys.remainder())
        .fold(0.0, |a, (u, v)| a + u * v);
    for (cx, cy) in xs.zip(ys) {
        for ((lane, u), v) in lanes.iter_mut().zip(cx).zip(cy) {
            *lane += u * v;
        }
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + tail
}

/// Adds to the loan whose level payments start in period `start`, noting a new start.
fn add_loan(balances: &mut [f64], starts: &mut Vec<usize>, start: usize, principal: f64) {
    if balances[start] == 0.0 && !starts.contains(&start) {
        starts.push(start);
    }
    balances[start] += principal;
}

/// [0, x₀, x₀+x₁, …]: sums of the first m values, m = 0 … len.
fn running_sums(x: &[f64]) -> Vec<f64> {
    let mut sum = 0.0;
    std::iter::once(0.0)
        .chain(x.iter().map(|v| {
            sum += v;
            sum
        }))
        .collect()
}

/// End-of-month discount factors v^(t+1) for t = 0 … n−1, each by its own exponent.
fn discount_factors(rate: f64, n: usize) -> Vec<f64> {
    match MonthlyDiscount::new(rate) {
        Ok(d) => (0..n).map(|t| d.factor(t)).collect(),
        Err(_) => vec![f64::NAN; n],
    }
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
                ramp_mw: ramp_table(tr.mw, i64::from(tr.ramp_months)),
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
        let min_total_spend = contract.commitment.as_ref().map(|c| c.min_total_spend);
        // A validated contract has 0 ≤ interest, tenor ≥ 1 month, so the loan always exists.
        let (debt, debt_growth, balance_left) = match contract.financing.as_ref().and_then(|f| {
            let i = f.interest_rate / 12.0;
            LevelLoan::new(1.0, i, f.tenor_months)
                .ok()
                .map(|loan| (f.debt_share, i.ln_1p(), loan))
        }) {
            Some((share, ln_growth, loan)) => (
                Some((share, loan)),
                (0..n).map(|m| (m as f64 * ln_growth).exp()).collect(),
                (0..=n)
                    .map(|m| loan.balance_after(u32::try_from(m).unwrap_or(u32::MAX)))
                    .collect(),
            ),
            None => (None, Vec::new(), Vec::new()),
        };

        let provider_factor = discount_factors(provider.discount_rate, n);
        let n_tr = tranches.len();
        let n_gen = contract.generations.len();
        let n_years = n.div_ceil(12);
        let zeros = vec![0.0; n];
        let effect_keys = EffectKeys::new(n, &tranches, n_gen);
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
            debt_growth_sum: running_sums(&debt_growth),
            debt_growth,
            balance_left,
            hours,
            price,
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
            zero_usage_revenue: zeros,
            pv_zero_usage_revenue: 0.0,
            pv_capex: 0.0,
            pv_fixed_opex: 0.0,
            pv_capacity: 0.0,
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

    /// Runs one path; returns its summary. Allocates nothing except the first time the
    /// simulator meets a spend run's key (a tranche's online period, a fit), when the effect
    /// cache of `capex_and_debt` grows: a warm simulator allocates nothing.
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

    /// mw_k·a_k(t) for every period, 0 before o_k and for a tranche never fitted (the outcome's
    /// stacked capacity rows; allocates).
    pub(crate) fn tranche_capacity_row(&self, k: usize) -> Vec<f64> {
        let mut row = vec![0.0; self.n];
        if self.first_generation[k].is_some() {
            let o = self.online[k];
            for (t, slot) in row.iter_mut().enumerate().skip(to_period(o)) {
                *slot = self.tranches[k].mw_at(o, t as i64);
            }
        }
        row
    }

    /// One path, MODEL.md §2–9, from the loaded scenario: compiled for AVX2 and FMA as well,
    /// and run that way where the CPU has them. Rust never fuses or reorders floating-point
    /// operations on its own, so the wider vectors give the same bits (a unit test compares
    /// the two on varied paths).
    fn simulate(&mut self) {
        #[cfg(target_arch = "x86_64")]
        if self.wide && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            // SAFETY: `simulate_wide` needs AVX2 and FMA, and the CPU has both (checked above).
            #[allow(unsafe_code)]
            unsafe {
                self.simulate_wide();
            }
            return;
        }
        self.simulate_portable();
    }

    /// [`Self::simulate_portable`] compiled with AVX2 and FMA.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    fn simulate_wide(&mut self) {
        self.simulate_portable();
    }

    #[inline(always)]
    fn simulate_portable(&mut self) {
        self.place_tranches();
        self.capacity_and_options();
        self.capex_and_debt();
        let mut m = Metrics {
            debt_outstanding_at_end: self.summary.metrics.debt_outstanding_at_end,
            debt_drawn: self.summary.metrics.debt_drawn,
            total_capex: self.summary.metrics.total_capex,
            ..Metrics::default()
        };
        if self.extent == Extent::Full {
            self.periods::<true>(&mut m);
        } else {
            self.periods::<false>(&mut m);
        }
        self.equity(&mut m);
        self.summarize(m);
    }

    /// §2–3: availability, o_k and the fits of every tranche, as if every option were exercised
    /// (the option test needs them).
    #[inline(always)]
    fn place_tranches(&mut self) {
        let n_i = self.n as i64;
        for (g, gen_terms) in self.generations.iter().enumerate() {
            self.available[g] = gen_terms.available + self.slip[g];
        }
        let first_available = self.available.iter().copied().min().unwrap_or(0);
        let min_refresh = i64::from(self.contract.provider.min_refresh_months);
        self.fits.clear();
        for k in 0..self.tranches.len() {
            let o = (self.tranches[k].online + self.delay[k])
                .max(first_available)
                .max(0);
            self.online[k] = o;
            self.first_generation[k] = None;
            let start = self.fits.len();
            self.fit_range[k] = (start, start);
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
                let life_end = fit + self.generations[g].life;
                // The last fit runs to the end when no refit comes within the term.
                let refit = if life_end >= n_i || n_i - life_end < min_refresh {
                    None
                } else {
                    latest(life_end)
                };
                let end = if refit.is_some() { life_end } else { n_i };
                self.fits.push(Fit {
                    tranche: k,
                    period: to_period(fit),
                    generation: g,
                    end: to_period(end),
                });
                match refit {
                    Some(next) => {
                        g = next;
                        fit = life_end;
                    }
                    None => break,
                }
            }
            self.fit_range[k] = (start, self.fits.len());
        }
    }

    /// §3: capacity_mw(t) and PFLOP/s(t) of the tranches that exist, and the options. Firm
    /// tranches are added first (file order); then each option, in decision order, is decided on
    /// the trailing 12-month ΣU/ΣC of what is in place by then (firm and earlier-exercised
    /// tranches: exactly the rows added so far) and added when exercised. A run at constant
    /// utilization (the break-even search) keeps the last decisions.
    #[inline(always)]
    fn capacity_and_options(&mut self) {
        let n = self.n;
        self.capacity_mw[..n].fill(0.0);
        self.pflops[..n].fill(0.0);
        self.pv_capacity = 0.0;
        let deciding = self.mode == DemandMode::Contract;
        for k in 0..self.tranches.len() {
            if self.tranches[k].option.is_none() {
                self.exists[k] = true;
                self.add_tranche(k);
            } else if deciding {
                self.exists[k] = false;
                self.trailing[k] = None;
            }
        }
        let usage = self.usage();
        for i in 0..self.option_order.len() {
            let k = self.option_order[i];
            let Some((decision, threshold)) = self.tranches[k].option else {
                continue;
            };
            if deciding && decision < n as i64 {
                let hi = to_period(decision);
                let lo = hi.saturating_sub(12);
                let (mut sum_c, mut sum_u) = (0.0, 0.0);
                for t in lo..hi {
                    let c = self.pflops[t] * self.hours[t];
                    sum_c += c;
                    sum_u += usage.used(c, self.demand_curve[t], self.hours[t]);
                }
                if sum_c > 0.0 {
                    let ratio = sum_u / sum_c;
                    self.trailing[k] = Some(ratio);
                    self.exists[k] = at_least(ratio, threshold);
                }
            }
            if self.exists[k] {
                self.add_tranche(k);
            }
        }
        for k in 0..self.tranches.len() {
            self.summary.options_exercised[k] = self.tranches[k].option.is_some() && self.exists[k];
        }
    }

    /// How U follows from C in this run.
    fn usage(&self) -> Usage {
        match self.mode {
            DemandMode::ConstantUtilization(u) => Usage::Constant(u),
            DemandMode::Contract if self.demand_is_pflops => Usage::Pflops(self.demand_factor),
            DemandMode::Contract => Usage::Utilization(self.demand_factor),
        }
    }

    /// Adds tranche k's mw_k·a_k(t) to capacity_mw and its PFLOP/s, fit by fit, and
    /// Σ capacity_mw(t)·v^(t+1) to `pv_capacity` (PV of fixed opex per USD/MW-month, §9).
    #[inline(always)]
    fn add_tranche(&mut self, k: usize) {
        let capacity = &mut self.capacity_mw[..self.n];
        let pflops = &mut self.pflops[..self.n];
        let (factor, factor_sum) = (&self.provider_factor, &self.provider_factor_sum);
        let tr = &self.tranches[k];
        let o = self.online[k];
        let mut pv_capacity = 0.0;
        // Periods from here on are past the ramp: a_k = 1.
        let ramp_end = to_period(o + tr.ramp.max(1) - 1);
        let (a, b) = self.fit_range[k];
        for f in &self.fits[a..b] {
            let ppm = self.generations[f.generation].pflops_per_mw;
            let split = ramp_end.clamp(f.period, f.end);
            if f.period < split {
                // Ramping: mw·(t−o+1)/R from the table.
                let ramp = &tr.ramp_mw[f.period - to_period(o)..split - to_period(o)];
                for ((c, p), &mw) in capacity[f.period..split]
                    .iter_mut()
                    .zip(&mut pflops[f.period..split])
                    .zip(ramp)
                {
                    *c += mw;
                    *p += mw * ppm;
                }
                for (&mw, v) in ramp.iter().zip(&factor[f.period..split]) {
                    pv_capacity += mw * v;
                }
            }
            let full = tr.mw * ppm;
            for (c, p) in capacity[split..f.end]
                .iter_mut()
                .zip(&mut pflops[split..f.end])
            {
                *c += tr.mw;
                *p += full;
            }
            pv_capacity += tr.mw * (factor_sum[f.end] - factor_sum[split]);
        }
        self.pv_capacity += pv_capacity;
    }

    /// §6: facility and chip capex, straight-line depreciation (yearly sums, and the monthly
    /// schedule at the Full extent), the residual, debt draws and level repayment.
    ///
    /// Every figure here is linear in the amounts spent, so each spend run's effect is computed
    /// once per simulator at `capex_factor` 1, the first time its key is met (a tranche's
    /// facility at its o_k, a fit's chips at its period), and the path adds the effects of its
    /// runs and scales the sums by its `capex_factor`.
    #[inline(always)]
    fn capex_and_debt(&mut self) {
        let n = self.n;
        let n_i = n as i64;
        let facility_per_mw = self.contract.provider.facility_capex_per_mw;
        let facility_life = to_period(i64::from(self.contract.provider.facility_life_months));
        let n_onlines = self.effect_keys.onlines;
        self.spend_runs.clear();
        for k in 0..self.tranches.len() {
            if !self.exists[k] {
                continue;
            }
            let tr = &self.tranches[k];
            let o = self.online[k];
            // The effect of a facility run depends on o_k: key (tranche, o_k, which run).
            let key = |run: usize| 2 * (k * n_onlines + to_period(o)) + run;
            let amount = tr.mw * facility_per_mw;
            if tr.build == 0 {
                if o < n_i {
                    self.spend_runs.push(KeyedRun {
                        tranche: k,
                        key: key(0),
                        run: SpendRun {
                            first: to_period(o),
                            count: 1,
                            each: amount,
                            life: facility_life,
                        },
                    });
                }
            } else {
                // Spread over o−B … o−1; spends before period 0 land in 0 (§6). A tranche online
                // at o ≥ T + B spends nothing in the term, so o < T + B in every key.
                let each = amount / tr.build as f64;
                let q0 = o - tr.build;
                let landed = (1 - q0).clamp(0, tr.build);
                if landed > 0 {
                    self.spend_runs.push(KeyedRun {
                        tranche: k,
                        key: key(0),
                        run: SpendRun {
                            first: 0,
                            count: 1,
                            each: each * landed as f64,
                            life: facility_life,
                        },
                    });
                }
                let first = q0 + landed;
                let last = (o - 1).min(n_i - 1);
                if first <= last {
                    self.spend_runs.push(KeyedRun {
                        tranche: k,
                        key: key(1),
                        run: SpendRun {
                            first: to_period(first),
                            count: to_period(last - first + 1),
                            each,
                            life: facility_life,
                        },
                    });
                }
            }
        }
        let chip_keys = 2 * self.tranches.len() * n_onlines;
        let n_generations = self.generations.len();
        for f in &self.fits {
            if !self.exists[f.tranche] {
                continue;
            }
            let g = &self.generations[f.generation];
            // Chips are fitted at or after o_k < T, so their debt is repaid from the next
            // period whatever o_k is: key (tranche, generation, period).
            self.spend_runs.push(KeyedRun {
                tranche: f.tranche,
                key: chip_keys + (f.tranche * n_generations + f.generation) * n + f.period,
                run: SpendRun {
                    first: f.period,
                    count: 1,
                    each: self.tranches[f.tranche].mw * g.chip_capex_per_mw,
                    life: to_period(g.life),
                },
            });
        }

        let capex_factor = self.capex_factor;
        let tables = SpendTables {
            n,
            provider_factor: &self.provider_factor,
            provider_factor_sum: &self.provider_factor_sum,
            debt: self.debt,
            debt_growth: &self.debt_growth,
            debt_growth_sum: &self.debt_growth_sum,
            balance_left: &self.balance_left,
        };
        let n_years = self.year_depreciation.len();
        self.capex.fill(0.0);
        self.year_depreciation.fill(0.0);
        self.year_service.fill(0.0);
        let mut sum = SpendEffect::default();
        for keyed in &self.spend_runs {
            let run = keyed.run;
            let each = run.each * capex_factor;
            for c in &mut self.capex[run.first..=run.first + run.count - 1] {
                *c += each;
            }
            let slot = &mut self.effect_keys.index[keyed.key];
            let index = match *slot {
                NOT_COMPUTED => {
                    let index = self.effects.len();
                    let years = self.effect_years.len();
                    self.effect_years.resize(years + 2 * n_years, 0.0);
                    let effect = tables.effect(
                        run,
                        self.online[keyed.tranche],
                        &mut self.effect_years[years..],
                    );
                    self.effects.push(effect);
                    *slot = u32::try_from(index).unwrap_or(NOT_COMPUTED);
                    index
                }
                index => index as usize,
            };
            sum.add(&self.effects[index]);
            let years = &self.effect_years[2 * n_years * index..2 * n_years * (index + 1)];
            let (depreciation, service) = years.split_at(n_years);
            for (d, e) in self.year_depreciation.iter_mut().zip(depreciation) {
                *d += e;
            }
            for (s, e) in self.year_service.iter_mut().zip(service) {
                *s += e;
            }
        }
        for d in &mut self.year_depreciation {
            *d *= capex_factor;
        }
        for s in &mut self.year_service {
            *s *= capex_factor;
        }
        let residual = self.contract.provider.residual_fraction * (capex_factor * sum.book_left);
        if self.extent == Extent::Full {
            self.monthly_capex_schedule();
            self.residual.fill(0.0);
            self.residual[n - 1] = residual;
        }
        self.summary.metrics.residual_value = residual;
        self.summary.metrics.debt_outstanding_at_end = capex_factor * sum.outstanding;
        self.summary.metrics.debt_drawn = capex_factor * sum.drawn;
        self.summary.metrics.total_capex = capex_factor * sum.total;
        self.pv_capex = capex_factor * sum.pv;
    }

    /// The Full outcome's monthly depreciation, debt draws and debt service of the path's
    /// spend runs (the yearly sums and totals come from [`Self::capex_and_debt`]).
    fn monthly_capex_schedule(&mut self) {
        let n = self.n;
        let n_i = n as i64;
        let capex_factor = self.capex_factor;
        self.depreciation.fill(0.0);
        self.debt_draw.fill(0.0);
        self.debt_service.fill(0.0);
        for &start in &self.loan_starts {
            self.loan_start_balance[start] = 0.0;
        }
        self.loan_starts.clear();
        for keyed in &self.spend_runs {
            let run = keyed.run;
            let each = run.each * capex_factor;
            let last_unit = run.first + run.count - 1;
            let monthly = each / run.life as f64;
            let depreciation_end = (last_unit + run.life).min(n);
            // Period t carries each/life times the number of units in (t−life, t].
            for t in run.first..depreciation_end {
                let lo = run.first.max((t + 1).saturating_sub(run.life));
                let hi = last_unit.min(t);
                if lo <= hi {
                    self.depreciation[t] += monthly * (hi - lo + 1) as f64;
                }
            }
            let Some((share, _)) = self.debt else {
                continue;
            };
            let draw = share * each;
            for d in &mut self.debt_draw[run.first..=last_unit] {
                *d += draw;
            }
            let o = self.online[keyed.tranche];
            if o >= n_i {
                continue;
            }
            let (balances, starts) = (&mut self.loan_start_balance, &mut self.loan_starts);
            for_each_loan(
                run,
                to_period(o),
                draw,
                &self.debt_growth_sum,
                |start, principal| {
                    add_loan(balances, starts, start, principal);
                },
            );
        }
        if let Some((_, loan)) = self.debt {
            let tenor = loan.n_payments() as usize;
            for &start in &self.loan_starts {
                let payment = self.loan_start_balance[start] * loan.payment();
                let end = (start + tenor).min(n);
                for s in &mut self.debt_service[start.min(n)..end] {
                    *s += payment;
                }
            }
        }
    }

    /// §4–6 and §8 over the periods, in three passes: per-period quantities that need no
    /// running state ([`Self::usage_and_opex`]), then billing (floors, shortfall, true-up),
    /// EBITDA, yearly tax with losses carried forward, FCF, CFADS and payback in period order,
    /// then the sums and present values the metrics need. `DETAIL` also stores every monthly
    /// series of the outcome; either way the arithmetic is the same.
    #[inline(always)]
    fn periods<const DETAIL: bool>(&mut self, m: &mut Metrics) {
        match self.usage() {
            Usage::Pflops(factor) => {
                self.usage_and_opex::<DETAIL>(|avail, curve, hours| {
                    avail.min(curve * factor * hours)
                });
            }
            Usage::Utilization(factor) => {
                self.usage_and_opex::<DETAIL>(|avail, curve, _| (curve * factor).min(1.0) * avail);
            }
            Usage::Constant(u) => self.usage_and_opex::<DETAIL>(|avail, _, _| u * avail),
        }
        self.billing_and_tax::<DETAIL>(m);
        self.sums_and_present_values(m);
    }

    /// §4–6, period by period with no running state (the compiler vectorizes it): C(t), U(t),
    /// the usage charge and the power cost, and each period as if outside the take-or-pay
    /// window: payments are the usage charges, EBITDA and FCF follow (the window's shortfalls,
    /// the true-up, the residual and tax are added by [`Self::billing_and_tax`]). The usage
    /// charge and the power cost are kept as series only at the Full extent.
    #[inline(always)]
    fn usage_and_opex<const DETAIL: bool>(&mut self, used_of: impl Fn(f64, f64, f64) -> f64) {
        let n = self.n;
        let p = &self.contract.provider;
        let (idle, busy) = (p.idle_power, 1.0 - p.idle_power);
        let (pue, power_factor) = (p.pue, self.power_factor);
        let fixed_per_mw_month = p.fixed_opex_per_mw_year / 12.0;
        // Equal-length views let the compiler drop the bounds checks.
        let hours = &self.hours[..n];
        let price = &self.price[..n];
        let power_price = &self.power_price[..n];
        let curve = &self.demand_curve[..n];
        let capacity = &self.capacity_mw[..n];
        let pflops = &self.pflops[..n];
        let capex = &self.capex[..n];
        let available_ph = &mut self.available_ph[..n];
        let used_ph = &mut self.used_ph[..n];
        let payments = &mut self.payments[..n];
        let ebitda = &mut self.ebitda[..n];
        let fcf = &mut self.fcf[..n];
        let usage_charge_out = &mut self.usage_charge[..n];
        let power_cost_out = &mut self.power_cost[..n];
        let fixed_opex_out = &mut self.fixed_opex[..n];
        let utilization_out = &mut self.utilization[..n];
        let energy_out = &mut self.energy[..n];
        for t in 0..n {
            let cap = capacity[t];
            let avail = pflops[t] * hours[t];
            let used = used_of(avail, curve[t], hours[t]);
            let utilization = if avail > 0.0 { used / avail } else { 0.0 };
            let energy = cap * hours[t] * pue * (idle + busy * utilization);
            let usage_charge = used * price[t];
            let power_cost = energy * power_price[t] * power_factor;
            let fixed_opex = fixed_per_mw_month * cap;
            let e = usage_charge - power_cost - fixed_opex;
            available_ph[t] = avail;
            used_ph[t] = used;
            payments[t] = usage_charge;
            ebitda[t] = e;
            fcf[t] = e - capex[t];
            if DETAIL {
                usage_charge_out[t] = usage_charge;
                power_cost_out[t] = power_cost;
                fixed_opex_out[t] = fixed_opex;
                utilization_out[t] = utilization;
                energy_out[t] = energy;
            }
        }
    }

    /// §5–6: payments (usage; in the take-or-pay window the shortfall, monthly or per year ∩
    /// window in its last period; the true-up in T−1), EBITDA, FCF (residual in T−1), then each
    /// contract year's tax on Σ (EBITDA − depreciation) with losses carried forward, CFADS per
    /// year, and payback (MODEL.md §6: the first recovery of cumulative FCF, as
    /// `offtake_finance::payback_months` counts it).
    ///
    /// In passes over whole ranges rather than period by period, so the compiler vectorizes
    /// the elementwise ones: every period as if outside the window, then the window's
    /// shortfalls, the true-up, the years' tax, and the payback scan.
    #[inline(always)]
    fn billing_and_tax<const DETAIL: bool>(&mut self, m: &mut Metrics) {
        let n = self.n;
        let p = &self.contract.provider;
        let floor_share = self.floor;
        let tax_rate = p.tax_rate;
        let residual_value = self.summary.metrics.residual_value;
        let available_ph = &self.available_ph[..n];
        let price = &self.price[..n];
        let factor = &self.provider_factor[..n];
        let payments = &mut self.payments[..n];
        let fcf = &mut self.fcf[..n];
        let ebitda = &mut self.ebitda[..n];

        // Every period is already billed as if outside the take-or-pay window
        // ([`Self::usage_and_opex`]): payments are the usage charges so far.
        if DETAIL {
            self.floor_charge[..n].fill(0.0);
            self.shortfall[..n].fill(0.0);
            self.zero_usage_revenue[..n].fill(0.0);
        }

        // The window: F(t) = floor·C·p; monthly settlement pays S = max(0, F − B) in each
        // period, annual settlement max(0, Σ F − Σ B) in the last window period of each year.
        // Z is the zero-usage twin of the payments (§9's coverage).
        let (mut shortfall_total, mut pv_zero_usage, mut owed_idle) = (0.0, 0.0, 0.0);
        if let Some((lo, hi)) = self.floor_window {
            // Settlement groups: each window period alone (monthly), or the window's part of
            // each contract year (annual), settled in the group's last period.
            let mut first = lo;
            while first <= hi {
                let last = if self.settle_annual {
                    (12 * (first / 12) + 11).min(hi)
                } else {
                    first
                };
                let (mut floors, mut usage) = (0.0, 0.0);
                // Payments in the group are still the usage charges: the shortfall is added
                // after the loop, to the group's last period.
                for (t, charge) in (first..=last).zip(&payments[first..=last]) {
                    let floor = floor_share * available_ph[t] * price[t];
                    floors += floor;
                    usage += charge;
                    if DETAIL {
                        self.floor_charge[t] = floor;
                    }
                }
                let shortfall = (floors - usage).max(0.0);
                let zero_usage = floors.max(0.0);
                shortfall_total += shortfall;
                pv_zero_usage += zero_usage * factor[last];
                owed_idle += zero_usage;
                payments[last] += shortfall;
                ebitda[last] += shortfall;
                fcf[last] += shortfall;
                if DETAIL {
                    self.shortfall[last] = shortfall;
                    self.zero_usage_revenue[last] = zero_usage;
                }
                first = last + 1;
            }
        }

        // T−1: the true-up X = max(0, M − Σ (B + S)), its zero-usage twin, the residual.
        let billed = sum(payments);
        let last = n - 1;
        let true_up = self.min_total_spend.map_or(0.0, |m| (m - billed).max(0.0));
        let owed = self
            .min_total_spend
            .map_or(0.0, |m| (m - owed_idle).max(0.0));
        pv_zero_usage += owed * factor[last];
        payments[last] += true_up;
        ebitda[last] += true_up;
        fcf[last] += true_up + residual_value;
        if DETAIL {
            self.zero_usage_revenue[last] += owed;
            self.true_up[..n].fill(0.0);
            self.true_up[last] = true_up;
            self.tax[..n].fill(0.0);
        }

        // Tax per contract year on Σ (EBITDA − depreciation), losses carried forward, paid in
        // the year's last period.
        let (mut tax_total, mut losses) = (0.0, 0.0);
        for (year, months) in ebitda.chunks(12).enumerate() {
            let b = 12 * year + months.len() - 1;
            let year_ebitda = sum(months);
            let taxable = year_ebitda - self.year_depreciation[year];
            let mut tax = 0.0;
            if taxable < 0.0 {
                losses -= taxable;
            } else {
                let used_losses = losses.min(taxable);
                losses -= used_losses;
                tax = tax_rate * (taxable - used_losses);
            }
            tax_total += tax;
            fcf[b] -= tax;
            self.year_cfads[year] = year_ebitda - tax;
            if DETAIL {
                self.tax[b] = tax;
            }
        }
        if DETAIL {
            for (t, cfads) in self.cfads[..n].iter_mut().enumerate() {
                *cfads = ebitda[t] - self.tax[t];
            }
        }

        // Payback: the first period with cumulative FCF ≥ 0 after it was negative.
        let (mut cumulative, mut was_negative, mut payback) = (0.0, false, None);
        for (t, flow) in fcf.iter().enumerate() {
            cumulative += flow;
            if was_negative && cumulative >= 0.0 {
                payback = Some(t + 1);
                break;
            }
            was_negative |= cumulative < 0.0;
        }

        // Σ P = Σ (B + S) + X.
        m.total_true_up = true_up;
        m.total_payments = billed + true_up;
        m.total_shortfall = shortfall_total;
        m.idle_payments = shortfall_total + true_up;
        m.total_tax = tax_total;
        m.residual_value = residual_value;
        // The first recovery; else never negative: 0; negative and never recovered, or NaN
        // before a recovery: none.
        m.payback_months = match payback {
            Some(t) => u32::try_from(t).ok(),
            None if was_negative || cumulative.is_nan() => None,
            None => Some(0),
        };
        self.pv_zero_usage_revenue = pv_zero_usage;
    }

    /// The metrics' sums over the periods and present values (MODEL.md §1, §8, §9), each over
    /// interleaved accumulators (a fixed order: the same for every run and extent).
    #[inline(always)]
    fn sums_and_present_values(&mut self, m: &mut Metrics) {
        let n = self.n;
        let c = self.contract;
        let factor = &self.provider_factor[..n];
        let buyer_factor = &self.buyer_factor[..n];
        let capacity = &self.capacity_mw[..n];
        let fixed_per_mw_month = c.provider.fixed_opex_per_mw_year / 12.0;
        m.total_used_pflop_hours = sum(&self.used_ph);
        m.provider_npv = dot(&self.fcf, factor);
        // Buyer cash flow U·value − P (equity is added in `equity`).
        let value = c.buyer.value_per_pflop_hour;
        m.buyer_npv = value * dot(&self.used_ph, buyer_factor) - dot(&self.payments, buyer_factor);
        self.pv_fixed_opex = fixed_per_mw_month * self.pv_capacity;
        m.capacity_mw_at_end = capacity[n - 1];
        if self.extent == Extent::Full {
            // Figures no Monte Carlo output uses.
            m.total_usage_charges = sum(&self.usage_charge);
            m.total_power_cost = sum(&self.power_cost);
            m.total_fixed_opex = fixed_per_mw_month * sum(capacity);
            m.total_available_pflop_hours = sum(&self.available_ph);
            m.peak_capacity_mw = capacity.iter().fold(0.0, |a, &b| b.max(a));
            m.average_utilization = (m.total_available_pflop_hours > 0.0)
                .then(|| m.total_used_pflop_hours / m.total_available_pflop_hours);
        }
    }

    /// §7: equity tranches, each paid once in the first period its trigger holds; their effect
    /// on the buyer's NPV and the deal view.
    #[inline(always)]
    fn equity(&mut self, m: &mut Metrics) {
        let n = self.n;
        let full = self.extent == Extent::Full;
        if full {
            self.equity_paid.fill(0.0);
        }
        let mut round_trip = 0.0;
        let mut deal_npv = m.provider_npv;
        for (e, rule) in self.equity_rules.iter().enumerate() {
            let period = match rule {
                EquityRule::At(p) => *p,
                EquityRule::When { clauses, last } => self.first_period_holding(clauses, *last),
            };
            self.summary.equity_paid_period[e] = period;
            if let Some(t) = period {
                let equity = &self.contract.equity[e];
                m.equity_paid_total += equity.amount;
                round_trip += equity.round_trip * equity.amount;
                m.buyer_npv += equity.amount * self.buyer_factor[t];
                deal_npv -= equity.amount * self.provider_factor[t];
                if full {
                    self.equity_paid[t] += equity.amount;
                }
            }
        }
        // Deal view = FCF − equity paid, plus exit_multiple × Σ equity paid in T−1 (§6).
        let exit = self.contract.provider.exit_multiple * m.equity_paid_total;
        m.provider_deal_npv = deal_npv + exit * self.provider_factor[n - 1];
        m.circularity = (m.total_payments > 0.0).then(|| round_trip / m.total_payments);
        if full {
            let value = self.contract.buyer.value_per_pflop_hour;
            for t in 0..n {
                self.buyer_cf[t] = self.used_ph[t] * value - self.payments[t] + self.equity_paid[t];
                self.deal_cf[t] = self.fcf[t] - self.equity_paid[t];
            }
            self.deal_cf[n - 1] += exit;
        }
    }

    /// The first period t ≤ `last` at which every clause holds (§7).
    fn first_period_holding(&self, clauses: &[(Metric, f64)], last: usize) -> Option<usize> {
        TriggerSeries {
            payments: &self.payments,
            used_ph: &self.used_ph,
            available_ph: &self.available_ph,
            capacity_mw: &self.capacity_mw,
        }
        .first_period_holding(clauses, last)
    }

    /// §6–9: IRR and payback, DSCR, coverage, deliverability and the verdicts.
    #[inline(always)]
    fn summarize(&mut self, mut m: Metrics) {
        let n = self.n;
        let c = self.contract;
        if self.extent != Extent::ProviderNpv
            && let Some(irr) = irr_monthly_end(&self.fcf)
        {
            m.provider_irr = Some(irr.rate);
            m.irr_multiple_roots = irr.multiple_roots;
        }
        if self.extent == Extent::Full
            && let Some(irr) = irr_monthly_end(&self.deal_cf)
        {
            m.provider_deal_irr = Some(irr.rate);
            m.provider_deal_irr_multiple_roots = irr.multiple_roots;
        }
        if m.total_used_pflop_hours > 0.0 {
            let price = m.total_payments / m.total_used_pflop_hours;
            m.effective_price = Some(price);
            m.effective_discount = Some(1.0 - price / c.pricing.list_price);
        }

        // DSCR per contract year with debt service (§6).
        let (mut min_dscr, mut sum_dscr, mut n_dscr) = (f64::INFINITY, 0.0, 0usize);
        for y in 0..n.div_ceil(12) {
            let service = self.year_service[y];
            self.dscr[y] = (service > 0.0).then(|| self.year_cfads[y] / service);
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Unit-months of a run by brute force: each unit's months p … p+life−1 before x.
    fn unit_months_naive(run: &SpendRun, x: usize) -> i64 {
        (0..run.count)
            .map(|j| {
                let p = run.first + j;
                (p..p + run.life).filter(|&t| t < x).count() as i64
            })
            .sum()
    }

    fn left_naive(run: &SpendRun, n: usize) -> i64 {
        (0..run.count)
            .map(|j| {
                let spent = n - (run.first + j);
                run.life.saturating_sub(spent) as i64
            })
            .sum()
    }

    /// The trigger scan as MODEL.md §7 states it: period by period, every clause at each.
    fn first_period_holding_naive(
        series: &TriggerSeries,
        clauses: &[(Metric, f64)],
        last: usize,
    ) -> Option<usize> {
        let (mut pay, mut used) = (0.0, 0.0);
        (0..=last).find(|&t| {
            pay += series.payments[t];
            used += series.used_ph[t];
            clauses.iter().all(|&(metric, lowest)| {
                let value = match metric {
                    Metric::CumulativePayments => pay,
                    Metric::CumulativePflopHours => used,
                    Metric::CapacityMw => series.capacity_mw[t],
                    Metric::Utilization12m => series.utilization_12m(t),
                };
                value >= lowest
            })
        })
    }

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

    #[test]
    fn clause_by_clause_trigger_scan_matches_the_period_by_period_one() {
        // Series with zeros, dips, negative payments and capacity that falls, and clause sets
        // of every metric in every order, with thresholds near the values reached.
        let mut next = uniforms(0x9E37_79B9_7F4A_7C15);
        let n = 48;
        let mut checked_some = 0;
        for case in 0..4000 {
            let mut series = |scale: f64, zero_share: f64, neg_share: f64| -> Vec<f64> {
                (0..n)
                    .map(|_| {
                        let u = next();
                        if u < zero_share {
                            0.0
                        } else if u < zero_share + neg_share {
                            -scale * next()
                        } else {
                            scale * next()
                        }
                    })
                    .collect()
            };
            let payments = series(10.0, 0.2, if case % 3 == 0 { 0.15 } else { 0.0 });
            let used_ph = series(5.0, 0.3, 0.0);
            let capacity_mw = series(100.0, 0.25, 0.0);
            let idle = series(3.0, 0.3, 0.0);
            let available_ph: Vec<f64> = used_ph.iter().zip(&idle).map(|(u, i)| u + i).collect();
            let series = TriggerSeries {
                payments: &payments,
                used_ph: &used_ph,
                available_ph: &available_ph,
                capacity_mw: &capacity_mw,
            };
            let n_clauses = 1 + (next() * 4.0) as usize;
            let clauses: Vec<(Metric, f64)> = (0..n_clauses)
                .map(|_| {
                    let metric = Metric::ALL[(next() * 4.0) as usize % 4];
                    let lowest = match metric {
                        Metric::CumulativePayments => 250.0 * next(),
                        Metric::CumulativePflopHours => 120.0 * next(),
                        Metric::CapacityMw => 100.0 * next(),
                        Metric::Utilization12m => next(),
                    };
                    (metric, lowest)
                })
                .collect();
            let last = (next() * n as f64) as usize % n;
            let expected = first_period_holding_naive(&series, &clauses, last);
            checked_some += usize::from(expected.is_some_and(|t| t > 0));
            assert_eq!(
                series.first_period_holding(&clauses, last),
                expected,
                "case {case}: clauses {clauses:?}, last {last}"
            );
        }
        // The cases are not all trivial: many triggers hold only after period 0.
        assert!(checked_some > 500, "{checked_some}");
    }

    #[test]
    fn closed_form_unit_months_match_counting() {
        for first in [0, 1, 5, 13, 40] {
            for count in [1, 2, 7, 24] {
                for life in [1, 3, 12, 60, 240] {
                    let run = SpendRun {
                        first,
                        count,
                        each: 1.0,
                        life,
                    };
                    for x in 0..=130 {
                        assert_eq!(
                            run.unit_months_before(x),
                            unit_months_naive(&run, x),
                            "{run:?} x {x}"
                        );
                    }
                    let n = first + count + 10;
                    for n in [first + count, n, n + 100] {
                        assert_eq!(
                            run.unit_months_left(n),
                            left_naive(&run, n),
                            "{run:?} n {n}"
                        );
                    }
                }
            }
        }
    }
}

/// The AVX2/FMA build of the kernel against the portable one: the same bits on every sheet
/// and varied scenarios (outcomes compared field by field, f64 by bits through `PartialEq` on
/// values that are never NaN here).
#[cfg(all(test, target_arch = "x86_64"))]
mod wide_tests {
    use super::*;

    const SHEETS: [&str; 6] = [
        include_str!("../../../examples/amazon-anthropic-2026.toml"),
        include_str!("../../../examples/microsoft-iren-2025.toml"),
        include_str!("../tests/cases/settle_monthly.toml"),
        include_str!("../tests/cases/debt_dscr.toml"),
        include_str!("../tests/cases/delay_and_slip.toml"),
        include_str!("../tests/cases/milestone_equity.toml"),
    ];

    #[test]
    fn wide_and_portable_kernels_give_the_same_bits() {
        if !(is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")) {
            eprintln!("no AVX2/FMA on this CPU: only the portable kernel runs");
            return;
        }
        let mut uniform = super::tests::uniforms(0x2545_F491_4F6C_DD1D);
        let mut next = move |lo: f64, hi: f64| lo + (hi - lo) * uniform();
        for sheet in SHEETS {
            let c = offtake_model::parse(sheet).unwrap();
            let mut wide = Simulator::new(&c);
            let mut portable = Simulator::new(&c);
            portable.wide = false;
            for i in 0..64 {
                let scenario = if i == 0 {
                    Scenario::base(&c)
                } else {
                    Scenario {
                        demand_factor: next(0.0, 2.0),
                        power_factor: next(0.5, 2.0),
                        capex_factor: next(0.5, 1.6),
                        delay_months: (0..c.tranches.len())
                            .map(|_| next(0.0, 24.99) as i64)
                            .collect(),
                        slip_months: (0..c.generations.len())
                            .map(|_| next(0.0, 24.99) as i64)
                            .collect(),
                    }
                };
                let a = wide.run(&scenario).clone();
                let b = portable.run(&scenario).clone();
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "path {i}");
                let bits = |x: f64| x.to_bits();
                assert_eq!(bits(a.metrics.provider_npv), bits(b.metrics.provider_npv));
                assert_eq!(wide.fcf, portable.fcf, "path {i}");
                assert_eq!(wide.outcome(), portable.outcome(), "path {i}");
            }
        }
    }
}
