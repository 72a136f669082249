//! Draws the risk factors of path i from `[risk]` (MODEL.md §10) into an engine `Scenario`.
//!
//! Order of draws from path i's generator (fixed, so a path can be regenerated alone):
//! 1. with a copula, one standard normal per correlated factor (`RiskFactor` order: scalars,
//!    then default factors in `Contract::parties` order);
//! 2. each other scalar factor with a distribution (demand, power, capex, resale);
//! 3. each tranche's delay (file order), for tranches with a distribution;
//! 4. each generation's slip (roadmap order), for generations with a distribution;
//! 5. each party with a `credit` that is not in the copula (parties order): u = `open01`.
//!
//! Multipliers are clamped at 0 (a negative demand, power, capex or resale multiplier has no
//! meaning; only unbounded normals can reach it). Months are rounded half away from zero and
//! floored at 0. A term sheet without resale or credit draws exactly what v1 drew.
//!
//! Default factors (MODEL.md §14): u ~ U(0, 1), or Φ(z) of the copula's normal z; the party's
//! default time is −ln(1 − u)/λ years and its default period the first t with τ(t) = (t + 1)/12
//! ≥ that time (none at or beyond the term). A low u is an early default. 1 − u is computed as
//! such (Φ(−z) for a copula normal), so late tails keep their digits.

use offtake_engine::Scenario;
use offtake_model::{Contract, DelaySpec, Distribution, RiskFactor, RiskSpec, ScalarFactor};
use rand_distr::{Distribution as _, StandardNormal};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::Result;
use crate::copula::Copula;
use crate::marginal::{Marginal, round_months};
use crate::rng::{RunKey, open01};

/// The default time of a party with a credit (MODEL.md §14).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DefaultLaw {
    /// λ per year.
    pub hazard: f64,
    /// T, the term in months.
    pub term_months: usize,
}

impl DefaultLaw {
    /// The default time in years when 1 − u = `survival` (in (0, 1]): −ln(survival)/λ
    /// (infinite with λ = 0).
    pub fn time(&self, survival: f64) -> f64 {
        let t = -survival.ln() / self.hazard;
        if t.is_nan() {
            f64::INFINITY
        } else {
            t.max(0.0)
        }
    }

    /// The default period of a default time: the first t with (t + 1)/12 ≥ `years`; none at or
    /// beyond the term.
    pub fn period(&self, years: f64) -> Option<i64> {
        let d = ((12.0 * years).ceil() - 1.0).max(0.0);
        (d < self.term_months as f64).then_some(d as i64)
    }

    /// The default time at the marginal probability `p` of u (P10: an early default).
    pub fn time_at(&self, p: f64) -> f64 {
        self.time(1.0 - p)
    }

    /// 1 − exp(−λ·T/12): the probability of a default within the term.
    pub fn pd_term(&self) -> f64 {
        -(-self.hazard * self.term_months as f64 / 12.0).exp_m1()
    }
}

/// `[risk]` prepared for drawing paths.
#[derive(Debug, Clone)]
pub struct FactorSampler {
    seed: u64,
    key: RunKey,
    /// Per `ScalarFactor`, `None` = stays at 1.
    scalars: [Option<Marginal>; 4],
    copula: Option<Copula>,
    /// Per party (`Contract::parties` order): its default law when it has a credit.
    defaults: Vec<Option<DefaultLaw>>,
    /// Per party: its default factor is in the copula.
    defaults_correlated: Vec<bool>,
    /// Per copula factor: the party's position in `defaults` (none for a scalar).
    copula_slots: Vec<Option<usize>>,
    /// Per tranche (file order), `None` = no delay.
    delays: Vec<Option<Marginal>>,
    /// Per generation (roadmap order), `None` = no slip.
    slips: Vec<Option<Marginal>>,
    std_normal: Normal,
}

impl FactorSampler {
    /// From the contract's `[risk]` and its parties' credit; without `[risk]` only the default
    /// factors vary (seed 0), and without credit either every path is the base case.
    pub fn new(contract: &Contract) -> Result<Self> {
        let n_tranches = contract.tranches.len();
        let n_generations = contract.generations.len();
        let term_months = contract.term_months();
        let defaults: Vec<Option<DefaultLaw>> = contract
            .parties()
            .into_iter()
            .map(|(_, _, credit)| {
                credit.map(|c| DefaultLaw {
                    hazard: c.hazard(),
                    term_months,
                })
            })
            .collect();
        let Some(spec) = contract.risk.as_ref() else {
            let mut base = FactorSampler::base(0, n_tranches, n_generations);
            base.defaults_correlated = vec![false; defaults.len()];
            base.defaults = defaults;
            return Ok(base);
        };
        let marginal = |d: Option<&Distribution>| d.map(Marginal::new).transpose();
        let scalars = [
            marginal(spec.scalar(ScalarFactor::DemandFactor))?,
            marginal(spec.scalar(ScalarFactor::PowerFactor))?,
            marginal(spec.scalar(ScalarFactor::CapexFactor))?,
            marginal(spec.scalar(ScalarFactor::ResaleFactor))?,
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
        let copula = Copula::new(&spec.correlation);
        let parties: Vec<RiskFactor> = contract
            .parties()
            .into_iter()
            .map(|(p, _, _)| RiskFactor::Default(p))
            .collect();
        let in_copula = |f: &RiskFactor| copula.as_ref().is_some_and(|c| c.factors.contains(f));
        let defaults_correlated = parties.iter().map(in_copula).collect();
        let copula_slots = copula.as_ref().map_or_else(Vec::new, |c| {
            c.factors
                .iter()
                .map(|f| parties.iter().position(|p| p == f))
                .collect()
        });
        Ok(FactorSampler {
            seed: spec.seed,
            key: RunKey::of(spec.seed),
            scalars,
            copula,
            defaults,
            defaults_correlated,
            copula_slots,
            delays,
            slips,
            std_normal: Normal::standard(),
        })
    }

    fn base(seed: u64, n_tranches: usize, n_generations: usize) -> Self {
        FactorSampler {
            seed,
            key: RunKey::of(seed),
            scalars: [None, None, None, None],
            copula: None,
            defaults: Vec::new(),
            defaults_correlated: Vec::new(),
            copula_slots: Vec::new(),
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

    /// True when no factor has a distribution and no party has a credit: every path is the
    /// base case.
    pub fn is_base_only(&self) -> bool {
        self.scalars.iter().all(Option::is_none)
            && self.delays.iter().all(Option::is_none)
            && self.slips.iter().all(Option::is_none)
            && !self.has_defaults()
    }

    /// Some party has a credit: paths draw default times (MODEL.md §14).
    pub fn has_defaults(&self) -> bool {
        self.defaults.iter().any(Option::is_some)
    }

    /// Per party (`Contract::parties` order): its default law, when it has a credit.
    pub fn defaults(&self) -> &[Option<DefaultLaw>] {
        &self.defaults
    }

    /// Whether party `j`'s default factor is in the copula.
    pub fn default_correlated(&self, j: usize) -> bool {
        self.defaults_correlated.get(j).copied().unwrap_or(false)
    }

    /// The scenario every path of this sampler starts from: the base case, with room for the
    /// default periods when parties have a credit (so [`FactorSampler::draw`] does not
    /// allocate).
    pub fn scenario(&self, contract: &Contract) -> Scenario {
        let mut s = Scenario::base(contract);
        if self.has_defaults() {
            s.defaults = Some(vec![None; self.defaults.len()]);
        }
        s
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

    /// Draws path `path_idx` into `scenario` (made by [`FactorSampler::scenario`]), without
    /// allocating (but for a copula of more than [`SMALL_COPULA`] factors).
    pub fn draw(&self, path_idx: u64, scenario: &mut Scenario) {
        let mut rng = self.key.path_rng(path_idx);
        let mut values = [1.0f64; 4];
        let mut correlated = [false; 4];
        if let Some(copula) = &self.copula {
            let k = copula.factors.len();
            if k <= SMALL_COPULA {
                let mut eps = [0.0f64; SMALL_COPULA];
                for e in eps.iter_mut().take(k) {
                    *e = StandardNormal.sample(&mut rng);
                }
                let mut z = [0.0f64; SMALL_COPULA];
                copula.correlate(&eps[..k], &mut z[..k]);
                self.apply_copula(copula, &z[..k], &mut values, &mut correlated, scenario);
            } else {
                let eps: Vec<f64> = (0..k).map(|_| StandardNormal.sample(&mut rng)).collect();
                let mut z = vec![0.0f64; k];
                copula.correlate(&eps, &mut z);
                self.apply_copula(copula, &z, &mut values, &mut correlated, scenario);
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
        scenario.resale_factor = values[3].max(0.0);
        for (slot, m) in scenario.delay_months.iter_mut().zip(&self.delays) {
            *slot = m.as_ref().map_or(0, |m| round_months(m.sample(&mut rng)));
        }
        for (slot, m) in scenario.slip_months.iter_mut().zip(&self.slips) {
            *slot = m.as_ref().map_or(0, |m| round_months(m.sample(&mut rng)));
        }
        if let Some(periods) = scenario.defaults.as_mut() {
            let parties = periods
                .iter_mut()
                .zip(&self.defaults)
                .zip(&self.defaults_correlated);
            for ((slot, law), correlated) in parties {
                match law {
                    None => *slot = None,
                    // Set from the copula above.
                    Some(_) if *correlated => {}
                    Some(law) => *slot = law.period(law.time(1.0 - open01(&mut rng))),
                }
            }
        }
    }

    /// Turns the copula's normals into factor values: a scalar by its quantile, a default
    /// factor into its default period with 1 − u = Φ(−z).
    fn apply_copula(
        &self,
        copula: &Copula,
        z: &[f64],
        values: &mut [f64; 4],
        correlated: &mut [bool; 4],
        scenario: &mut Scenario,
    ) {
        for ((f, zi), slot) in copula.factors.iter().zip(z).zip(&self.copula_slots) {
            match f {
                RiskFactor::Scalar(f) => {
                    if let Some(m) = &self.scalars[*f as usize] {
                        values[*f as usize] = m.from_standard_normal(*zi, &self.std_normal);
                        correlated[*f as usize] = true;
                    }
                }
                RiskFactor::Default(_) => {
                    let (Some(j), Some(periods)) = (slot, scenario.defaults.as_mut()) else {
                        continue;
                    };
                    if let (Some(law), Some(out)) = (self.defaults[*j], periods.get_mut(*j)) {
                        *out = law.period(law.time(self.std_normal.cdf(-zi)));
                    }
                }
            }
        }
    }
}

/// One independent uniform input of a path, for a design that sets the uniforms itself (the
/// Sobol design of [`crate::sobol`]): [`FactorSampler::inputs`] lists them,
/// [`FactorSampler::draw_uniforms`] turns one value of each into a path's factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// The `e`-th independent standard normal ε of the copula (ε = Φ⁻¹(u), z = Lε).
    Copula(usize),
    /// An uncorrelated scalar factor: x = Q(u).
    Scalar(ScalarFactor),
    /// Tranche `k`'s delay (file order): round(Q(u)).
    Delay(usize),
    /// Generation `g`'s slip (roadmap order): round(Q(u)).
    Slip(usize),
    /// Party `j`'s default (`Contract::parties` order), uncorrelated: time −ln(1 − u)/λ.
    Default(usize),
}

/// A group of inputs that a variance decomposition treats as one factor, with its name: one
/// input for an uncorrelated factor; for correlated factors, every copula normal of one
/// connected block of the copula's factor L and the factors it drives.
#[derive(Debug, Clone, PartialEq)]
pub struct InputGroup {
    /// `demand_factor`, `delay_months.<tranche>`, `slip_months.<generation>`,
    /// `default.<party>`, or the members of a correlated group joined by ` + `.
    pub name: String,
    /// The factors of the group (one, but for a correlated group).
    pub members: Vec<String>,
    /// Positions in [`FactorSampler::inputs`].
    pub inputs: Vec<usize>,
    /// The factors it sets, as positions in a path's factor vector: demand, power, capex,
    /// resale, each tranche's delay, each generation's slip, each party's default (the order
    /// of a paths file's factor columns).
    pub slots: Vec<usize>,
}

impl FactorSampler {
    /// Every independent input of a path that varies, and how they group into factors: the
    /// copula's normals (grouped by the connected blocks of L), then each uncorrelated scalar
    /// with a distribution (demand, power, capex, resale), each tranche's delay (file order),
    /// each generation's slip (roadmap order), each uncorrelated party with a credit.
    pub fn inputs(&self, contract: &Contract) -> (Vec<Input>, Vec<InputGroup>) {
        let mut inputs = Vec::new();
        let mut groups = Vec::new();
        let (t, gens) = (self.delays.len(), self.slips.len());
        let party_slot = |j: usize| 4 + t + gens + j;
        if let Some(copula) = &self.copula {
            let k = copula.factors.len();
            inputs.extend((0..k).map(Input::Copula));
            for (factors, normals) in copula.blocks() {
                let members: Vec<String> = factors
                    .iter()
                    .map(|f| copula.factors[*f].name(contract))
                    .collect();
                let slots = factors
                    .iter()
                    .filter_map(|f| match copula.factors[*f] {
                        RiskFactor::Scalar(s) => Some(s as usize),
                        RiskFactor::Default(_) => self.copula_slots[*f].map(party_slot),
                    })
                    .collect();
                groups.push(InputGroup {
                    name: members.join(" + "),
                    members,
                    inputs: normals,
                    slots,
                });
            }
        }
        let mut single = |inputs: &mut Vec<Input>, input: Input, name: String| {
            let slot = match input {
                Input::Copula(_) => 0,
                Input::Scalar(f) => f as usize,
                Input::Delay(k) => 4 + k,
                Input::Slip(g) => 4 + t + g,
                Input::Default(j) => party_slot(j),
            };
            groups.push(InputGroup {
                name: name.clone(),
                members: vec![name],
                inputs: vec![inputs.len()],
                slots: vec![slot],
            });
            inputs.push(input);
        };
        for f in ScalarFactor::ALL {
            let in_copula = self
                .copula
                .as_ref()
                .is_some_and(|c| c.factors.contains(&RiskFactor::Scalar(f)));
            if self.scalars[f as usize].is_some() && !in_copula {
                single(&mut inputs, Input::Scalar(f), f.name().to_string());
            }
        }
        for (k, m) in self.delays.iter().enumerate() {
            if m.is_some() {
                let name = format!("delay_months.{}", contract.tranches[k].id);
                single(&mut inputs, Input::Delay(k), name);
            }
        }
        for (g, m) in self.slips.iter().enumerate() {
            if m.is_some() {
                let name = format!("slip_months.{}", contract.generations[g].name);
                single(&mut inputs, Input::Slip(g), name);
            }
        }
        let parties = contract.parties();
        for (j, law) in self.defaults.iter().enumerate() {
            if law.is_some() && !self.default_correlated(j) {
                let name = format!("default.{}", parties[j].1);
                single(&mut inputs, Input::Default(j), name);
            }
        }
        (inputs, groups)
    }

    /// Sets `scenario` (made by [`FactorSampler::scenario`]) from one uniform in (0, 1) per input
    /// of [`FactorSampler::inputs`] (`u[n]` for `inputs[n]`): the same laws as
    /// [`FactorSampler::draw`] (each factor by its quantile function; the copula's normals
    /// ε = Φ⁻¹(u) correlated by L), the same clamping and rounding. Factors without a
    /// distribution stay at base.
    pub fn draw_uniforms(&self, inputs: &[Input], u: &[f64], scenario: &mut Scenario) {
        let mut values = [1.0f64; 4];
        let mut correlated = [false; 4];
        for slot in scenario.delay_months.iter_mut() {
            *slot = 0;
        }
        for slot in scenario.slip_months.iter_mut() {
            *slot = 0;
        }
        if let Some(periods) = scenario.defaults.as_mut() {
            periods.iter_mut().for_each(|p| *p = None);
        }
        if let Some(copula) = &self.copula {
            let k = copula.factors.len();
            let mut eps = vec![0.0f64; k];
            for (input, x) in inputs.iter().zip(u) {
                if let Input::Copula(e) = input {
                    eps[*e] = self.std_normal.inverse_cdf(*x);
                }
            }
            let mut z = vec![0.0f64; k];
            copula.correlate(&eps, &mut z);
            self.apply_copula(copula, &z, &mut values, &mut correlated, scenario);
        }
        for (input, x) in inputs.iter().zip(u) {
            match *input {
                Input::Copula(_) => {}
                Input::Scalar(f) => {
                    if let Some(m) = &self.scalars[f as usize] {
                        values[f as usize] = m.quantile(*x);
                    }
                }
                Input::Delay(k) => {
                    if let (Some(Some(m)), Some(slot)) =
                        (self.delays.get(k), scenario.delay_months.get_mut(k))
                    {
                        *slot = round_months(m.quantile(*x));
                    }
                }
                Input::Slip(g) => {
                    if let (Some(Some(m)), Some(slot)) =
                        (self.slips.get(g), scenario.slip_months.get_mut(g))
                    {
                        *slot = round_months(m.quantile(*x));
                    }
                }
                Input::Default(j) => {
                    let law = self.defaults.get(j).copied().flatten();
                    let slot = scenario.defaults.as_mut().and_then(|p| p.get_mut(j));
                    if let (Some(law), Some(slot)) = (law, slot) {
                        *slot = law.period(law.time(1.0 - x));
                    }
                }
            }
        }
        scenario.demand_factor = values[0].max(0.0);
        scenario.power_factor = values[1].max(0.0);
        scenario.capex_factor = values[2].max(0.0);
        scenario.resale_factor = values[3].max(0.0);
    }
}

/// Copulas up to this many factors are drawn without allocating.
pub const SMALL_COPULA: usize = 16;

/// `[risk]` of a contract, or the defaults of a contract without one (10,000 paths, seed 0).
pub fn spec_defaults(contract: &Contract) -> (u64, u64) {
    contract
        .risk
        .as_ref()
        .map_or((0, DEFAULT_PATHS), |r: &RiskSpec| (r.seed, r.paths))
}

/// Paths of a run when neither `[risk]` nor the caller says (offtake-model's default for `paths`).
pub const DEFAULT_PATHS: u64 = 10_000;
