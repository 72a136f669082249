//! MODEL.md §6: facility and chip capex, straight-line depreciation, the residual, debt draws
//! and level repayment, each spend run's effect cached per simulator.

use offtake_finance::LevelLoan;

use super::arith::to_period;
use super::terms::TrancheTerms;
use super::{Extent, Simulator};

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
pub(super) struct KeyedRun {
    tranche: usize,
    key: usize,
    run: SpendRun,
}

/// What a spend run of 1 USD × its amounts contributes to §6's figures; its yearly
/// depreciation and debt service are kept beside it in `Simulator::effect_years`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct SpendEffect {
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
pub(super) struct EffectKeys {
    onlines: usize,
    index: Vec<u32>,
}

impl EffectKeys {
    pub(super) fn new(n: usize, tranches: &[TrancheTerms], n_generations: usize) -> Self {
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

/// Adds to the loan whose level payments start in period `start`, noting a new start.
fn add_loan(balances: &mut [f64], starts: &mut Vec<usize>, start: usize, principal: f64) {
    if balances[start] == 0.0 && !starts.contains(&start) {
        starts.push(start);
    }
    balances[start] += principal;
}

impl Simulator<'_> {
    /// §6: facility and chip capex, straight-line depreciation (yearly sums, and the monthly
    /// schedule at the Full extent), the residual, debt draws and level repayment.
    ///
    /// Every figure here is linear in the amounts spent, so each spend run's effect is computed
    /// once per simulator at `capex_factor` 1, the first time its key is met (a tranche's
    /// facility at its o_k, a fit's chips at its period), and the path adds the effects of its
    /// runs and scales the sums by its `capex_factor`.
    #[inline(always)]
    pub(super) fn capex_and_debt(&mut self) {
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
        self.series.capex.fill(0.0);
        self.year_depreciation.fill(0.0);
        self.year_service.fill(0.0);
        let mut sum = SpendEffect::default();
        for keyed in &self.spend_runs {
            let run = keyed.run;
            let each = run.each * capex_factor;
            for c in &mut self.series.capex[run.first..=run.first + run.count - 1] {
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
            self.series.residual.fill(0.0);
            self.series.residual[n - 1] = residual;
        }
        self.summary.metrics.residual_value = residual;
        self.summary.metrics.debt_outstanding_at_end = capex_factor * sum.outstanding;
        self.summary.metrics.debt_drawn = capex_factor * sum.drawn;
        self.summary.metrics.total_capex = capex_factor * sum.total;
        self.pv_capex = capex_factor * sum.pv;
    }

    /// The Full outcome's monthly depreciation, debt draws and debt service of the path's
    /// spend runs (the yearly sums and totals come from [`Self::capex_and_debt`]).
    pub(super) fn monthly_capex_schedule(&mut self) {
        let n = self.n;
        let capex_factor = self.capex_factor;
        self.series.depreciation.fill(0.0);
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
                    self.series.depreciation[t] += monthly * (hi - lo + 1) as f64;
                }
            }
        }
        self.monthly_debt();
    }

    /// The v1 share loan's monthly draws and level debt service (§6; at the Full extent, and
    /// for the §15 stage at the others).
    pub(super) fn monthly_debt(&mut self) {
        let n = self.n;
        let n_i = n as i64;
        let capex_factor = self.capex_factor;
        self.series.debt_draw.fill(0.0);
        self.series.debt_service.fill(0.0);
        for &start in &self.loan_starts {
            self.loan_start_balance[start] = 0.0;
        }
        self.loan_starts.clear();
        let Some((share, loan)) = self.debt else {
            return;
        };
        for keyed in &self.spend_runs {
            let run = keyed.run;
            let each = run.each * capex_factor;
            let last_unit = run.first + run.count - 1;
            let draw = share * each;
            for d in &mut self.series.debt_draw[run.first..=last_unit] {
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
        let tenor = loan.n_payments() as usize;
        for &start in &self.loan_starts {
            let payment = self.loan_start_balance[start] * loan.payment();
            let end = (start + tenor).min(n);
            for s in &mut self.series.debt_service[start.min(n)..end] {
                *s += payment;
            }
        }
    }

    /// The facility's net book value at the end of each period (MODEL.md §15 reading 14):
    /// Σ over facility spends s ≤ t of amount·max(0, L − (t − s + 1))/L, from the closed-form
    /// unit-months of each run.
    pub(super) fn facility_book_value(&self, out: &mut [f64]) {
        let n = self.n;
        out.fill(0.0);
        let chip_keys = 2 * self.tranches.len() * self.effect_keys.onlines;
        for keyed in &self.spend_runs {
            let run = keyed.run;
            if keyed.key >= chip_keys || run.life == 0 {
                continue;
            }
            let each = run.each * self.capex_factor;
            let life = run.life as i64;
            let last_unit = run.first + run.count - 1;
            for (t, v) in out.iter_mut().enumerate().take(n).skip(run.first) {
                let spent = ((t - run.first + 1) as i64).min(run.count as i64);
                let left = spent * life - run.unit_months_before(t + 1);
                if left <= 0 && t >= last_unit {
                    break;
                }
                *v += each * left as f64 / run.life as f64;
            }
        }
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
