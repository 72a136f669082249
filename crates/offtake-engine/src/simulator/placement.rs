//! MODEL.md §2–3: generations' availability, each tranche's online period and fits, capacity
//! and PFLOP/s, and the option decisions.

use offtake_model::rules::at_least;

use super::arith::to_period;
use super::{DemandMode, Simulator};

/// U(t) from C(t), resolved once per run from the demand mode and the contract's curve kind.
#[derive(Debug, Clone, Copy)]
pub(super) enum Usage {
    /// min(C, d(t)·demand_factor·hours(t)).
    Pflops(f64),
    /// min(1, u(t)·demand_factor)·C.
    Utilization(f64),
    /// u·C.
    Constant(f64),
}

impl Usage {
    #[inline]
    pub(super) fn used(self, available: f64, curve: f64, hours: f64) -> f64 {
        match self {
            Usage::Pflops(factor) => available.min(curve * factor * hours),
            Usage::Utilization(factor) => (curve * factor).min(1.0) * available,
            Usage::Constant(u) => u * available,
        }
    }

    /// PFLOP/s asked for before capping at what is available (§4): d(t)·demand_factor, or
    /// min(1, u(t)·demand_factor)·PFLOP/s(t); at constant utilization u·PFLOP/s(t).
    #[inline]
    pub(super) fn requested(self, pflops: f64, curve: f64) -> f64 {
        match self {
            Usage::Pflops(factor) => curve * factor,
            Usage::Utilization(factor) => (curve * factor).min(1.0) * pflops,
            Usage::Constant(u) => u * pflops,
        }
    }
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

impl Simulator<'_> {
    /// §2–3: availability, o_k and the fits of every tranche, as if every option were exercised
    /// (the option test needs them).
    #[inline(always)]
    pub(super) fn place_tranches(&mut self) {
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
    pub(super) fn capacity_and_options(&mut self) {
        let n = self.n;
        self.series.capacity_mw[..n].fill(0.0);
        self.series.pflops[..n].fill(0.0);
        if self.v2.by_generation {
            self.list_by_use[..n].fill(0.0);
        }
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
                    let c = self.series.pflops[t] * self.series.hours[t];
                    sum_c += c;
                    sum_u += usage.used(c, self.demand_curve[t], self.series.hours[t]);
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
    pub(super) fn usage(&self) -> Usage {
        match self.mode {
            DemandMode::ConstantUtilization(u) => Usage::Constant(u),
            DemandMode::Contract if self.demand_is_pflops => Usage::Pflops(self.demand_factor),
            DemandMode::Contract => Usage::Utilization(self.demand_factor),
        }
    }

    /// Adds tranche k's mw_k·a_k(t) to capacity_mw and its PFLOP/s, fit by fit, and
    /// Σ capacity_mw(t)·v^(t+1) to `pv_capacity` (PV of fixed opex per USD/MW-month, §9).
    #[inline(always)]
    pub(super) fn add_tranche(&mut self, k: usize) {
        let capacity = &mut self.series.capacity_mw[..self.n];
        let pflops = &mut self.series.pflops[..self.n];
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
            if self.v2.by_generation {
                // §13: Σ_k pflops_k·list_g, turned into L(t) by `prices_by_generation`.
                let list = self.v2.generation_list[f.generation];
                let acc = &mut self.list_by_use[..self.n];
                if f.period < split {
                    let ramp = &tr.ramp_mw[f.period - to_period(o)..split - to_period(o)];
                    for (x, &mw) in acc[f.period..split].iter_mut().zip(ramp) {
                        *x += mw * ppm * list;
                    }
                }
                let full_list = full * list;
                for x in &mut acc[split..f.end] {
                    *x += full_list;
                }
            }
        }
        self.pv_capacity += pv_capacity;
    }

    /// The Full outcome's per-tranche rows: mw_k·a_k(t) and its PFLOP/s (× the PFLOP/s per MW
    /// of the generation fitted at t), 0 before o_k, for an unexercised option and for a
    /// tranche never fitted. The same products [`Self::add_tranche`] adds up.
    pub(super) fn tranche_series(&mut self) {
        for k in 0..self.tranches.len() {
            let capacity = &mut self.series.tranche_capacity_mw[k];
            let pflops = &mut self.series.tranche_pflops[k];
            capacity.fill(0.0);
            pflops.fill(0.0);
            if !self.exists[k] || self.first_generation[k].is_none() {
                continue;
            }
            let tr = &self.tranches[k];
            let o = self.online[k];
            let (a, b) = self.fit_range[k];
            for f in &self.fits[a..b] {
                let ppm = self.generations[f.generation].pflops_per_mw;
                for t in f.period..f.end {
                    let mw = tr.mw_at(o, t as i64);
                    capacity[t] = mw;
                    pflops[t] = mw * ppm;
                }
            }
        }
    }
}
