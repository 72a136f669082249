//! Draws the risk factors of path i from `[risk]` (MODEL.md §10) into an engine `Scenario`.
//!
//! Order of draws from path i's generator (fixed, so a path can be regenerated alone):
//! 1. with a copula, one standard normal per correlated scalar factor (`ScalarFactor` order);
//! 2. each other scalar factor with a distribution (demand, power, capex);
//! 3. each tranche's delay (file order), for tranches with a distribution;
//! 4. each generation's slip (roadmap order), for generations with a distribution.
//!
//! Multipliers are clamped at 0 (a negative demand, power or capex multiplier has no meaning; only
//! unbounded normals can reach it). Months are rounded half away from zero and floored at 0.

use offtake_engine::Scenario;
use offtake_model::{Contract, DelaySpec, Distribution, RiskSpec, ScalarFactor};
use rand_distr::{Distribution as _, StandardNormal};
use statrs::distribution::Normal;

use crate::Result;
use crate::copula::Copula;
use crate::marginal::{Marginal, round_months};
use crate::rng::RunKey;

/// `[risk]` prepared for drawing paths.
#[derive(Debug, Clone)]
pub struct FactorSampler {
    seed: u64,
    key: RunKey,
    /// Per `ScalarFactor`, `None` = stays at 1.
    scalars: [Option<Marginal>; 3],
    copula: Option<Copula>,
    /// Per tranche (file order), `None` = no delay.
    delays: Vec<Option<Marginal>>,
    /// Per generation (roadmap order), `None` = no slip.
    slips: Vec<Option<Marginal>>,
    std_normal: Normal,
}

impl FactorSampler {
    /// From the contract's `[risk]`; without one every path is the base case (seed 0).
    pub fn new(contract: &Contract) -> Result<Self> {
        let n_tranches = contract.tranches.len();
        let n_generations = contract.generations.len();
        let Some(spec) = contract.risk.as_ref() else {
            return Ok(FactorSampler::base(0, n_tranches, n_generations));
        };
        let marginal = |d: Option<&Distribution>| d.map(Marginal::new).transpose();
        let scalars = [
            marginal(spec.scalar(ScalarFactor::DemandFactor))?,
            marginal(spec.scalar(ScalarFactor::PowerFactor))?,
            marginal(spec.scalar(ScalarFactor::CapexFactor))?,
        ];
        let mut delays = vec![None; n_tranches];
        match &spec.delay_months {
            None => {}
            Some(DelaySpec::Each { dist }) => {
                let m = Marginal::new(dist)?;
                delays.iter_mut().for_each(|d| *d = Some(m.clone()));
            }
            Some(DelaySpec::PerTranche { table }) => {
                for (k, dist) in table {
                    if let Some(slot) = delays.get_mut(*k) {
                        *slot = Some(Marginal::new(dist)?);
                    }
                }
            }
        }
        let mut slips = vec![None; n_generations];
        for (g, dist) in &spec.slip_months {
            if let Some(slot) = slips.get_mut(*g) {
                *slot = Some(Marginal::new(dist)?);
            }
        }
        Ok(FactorSampler {
            seed: spec.seed,
            key: RunKey::of(spec.seed),
            scalars,
            copula: Copula::new(&spec.correlation),
            delays,
            slips,
            std_normal: Normal::standard(),
        })
    }

    fn base(seed: u64, n_tranches: usize, n_generations: usize) -> Self {
        FactorSampler {
            seed,
            key: RunKey::of(seed),
            scalars: [None, None, None],
            copula: None,
            delays: vec![None; n_tranches],
            slips: vec![None; n_generations],
            std_normal: Normal::standard(),
        }
    }

    /// The same factors drawn under another seed (`--seed`).
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self.key = RunKey::of(seed);
        self
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// True when no factor has a distribution: every path is the base case.
    pub fn is_base_only(&self) -> bool {
        self.scalars.iter().all(Option::is_none)
            && self.delays.iter().all(Option::is_none)
            && self.slips.iter().all(Option::is_none)
    }

    pub fn scalar(&self, f: ScalarFactor) -> Option<&Marginal> {
        self.scalars[f as usize].as_ref()
    }

    /// Per tranche, in file order.
    pub fn delays(&self) -> &[Option<Marginal>] {
        &self.delays
    }

    /// Per generation, in roadmap order.
    pub fn slips(&self) -> &[Option<Marginal>] {
        &self.slips
    }

    pub fn copula(&self) -> Option<&Copula> {
        self.copula.as_ref()
    }

    /// Draws path `path_idx` into `scenario` (sized by `Scenario::base`), without allocating.
    pub fn draw(&self, path_idx: u64, scenario: &mut Scenario) {
        let mut rng = self.key.path_rng(path_idx);
        let mut values = [1.0f64; 3];
        let mut correlated = [false; 3];
        if let Some(copula) = &self.copula {
            let k = copula.factors.len();
            let mut eps = [0.0f64; 3];
            for e in eps.iter_mut().take(k) {
                *e = StandardNormal.sample(&mut rng);
            }
            let mut z = [0.0f64; 3];
            copula.correlate(&eps[..k], &mut z[..k]);
            for (f, zi) in copula.factors.iter().zip(z) {
                if let Some(m) = &self.scalars[*f as usize] {
                    values[*f as usize] = m.from_standard_normal(zi, &self.std_normal);
                    correlated[*f as usize] = true;
                }
            }
        }
        for (i, m) in self.scalars.iter().enumerate() {
            if let (Some(m), false) = (m, correlated[i]) {
                values[i] = m.sample(&mut rng);
            }
        }
        scenario.demand_factor = values[0].max(0.0);
        scenario.power_factor = values[1].max(0.0);
        scenario.capex_factor = values[2].max(0.0);
        for (slot, m) in scenario.delay_months.iter_mut().zip(&self.delays) {
            *slot = m.as_ref().map_or(0, |m| round_months(m.sample(&mut rng)));
        }
        for (slot, m) in scenario.slip_months.iter_mut().zip(&self.slips) {
            *slot = m.as_ref().map_or(0, |m| round_months(m.sample(&mut rng)));
        }
    }
}

/// `[risk]` of a contract, or the defaults of a contract without one (10,000 paths, seed 0).
pub fn spec_defaults(contract: &Contract) -> (u64, u64) {
    contract
        .risk
        .as_ref()
        .map_or((0, DEFAULT_PATHS), |r: &RiskSpec| (r.seed, r.paths))
}

/// Paths of a run when neither `[risk]` nor the caller says (offtake-model's default for `paths`).
pub const DEFAULT_PATHS: u64 = 10_000;
