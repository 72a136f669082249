//! Variance-based sensitivity: first-order and total Sobol indices of every risk factor
//! (`offtake risk --sensitivity sobol`, `docs/risk.md`).
//!
//! **Design** (Saltelli 2002; Saltelli et al. 2010, §3). Two N × d matrices A and B of
//! uniforms, A the first d and B the next d coordinates of one Owen-scrambled Sobol sequence
//! (`sobol_burley`: Burley 2020, Joe–Kuo direction numbers), and for each factor (group of
//! inputs) i the matrix A_B^(i): A with the columns of i taken from B. The model runs on every
//! row of A, B and each A_B^(i): N·(k + 2) runs for k factors. Design point
//! p = j·(k + 2) + c is row j of A (c = 0), of B (c = 1) or of A_B^(c−2).
//!
//! **Estimators**, with f_A, f_B, f_ABi the outputs on row j and V the variance of the 2N values
//! of f_A and f_B (divisor 2N):
//! - first order (Saltelli et al. 2010, Table 2, (b)): S_i = (1/N)·Σ_j f_B·(f_ABi − f_A) / V;
//! - total (Jansen 1999; Saltelli et al. 2010, Table 2, (f)):
//!   S_Ti = (1/2N)·Σ_j (f_A − f_ABi)² / V.
//!
//! Outputs are centred on the mean of the values used first (which leaves both estimators'
//! expectations unchanged and keeps NPVs of ~10¹¹ precise). A row j where a needed value is
//! missing (a path without an IRR, say) is left out of that output's estimates.
//!
//! **Confidence intervals**: bootstrap over the N base rows (each resample draws N rows with
//! replacement, from a generator seeded by (seed, resample) alone), the 95 % percentile interval
//! of the resampled estimates (numpy's linear quantile at 2.5 % and 97.5 %).
//!
//! Everything is stored by index (points, resamples) and summed in index order: results are
//! identical for any number of threads.
//!
//! References: A. Saltelli, P. Annoni, I. Azzini, F. Campolongo, M. Ratto, S. Tarantola,
//! "Variance based sensitivity analysis of model output. Design and estimator for the total
//! sensitivity index", Computer Physics Communications 181 (2010) 259–270; M. J. W. Jansen,
//! "Analysis of variance designs for model output", Computer Physics Communications 117 (1999)
//! 35–43; B. Burley, "Practical Hash-based Owen Scrambling", JCGT 9(4) 2020.

use std::sync::atomic::{AtomicUsize, Ordering};

use offtake_engine::Scenario;
use offtake_model::Contract;
use rand::Rng as _;
use serde::Serialize;

use crate::rng::RunKey;
use crate::sampler::{FactorSampler, InputGroup};
use crate::stats::quantile_sorted;
use crate::table::{PathMetric, PathTable, Verdict};
use crate::{Error, Result};

/// Base paths N when not given: 2^14.
pub const DEFAULT_BASE_PATHS: u64 = 1 << 14;
/// The Sobol sequence used has at most 2^16 points.
pub const MAX_BASE_PATHS: u64 = 1 << 16;
/// Fewer base paths than this give no meaningful variance decomposition.
pub const MIN_BASE_PATHS: u64 = 64;
/// Bootstrap resamples of the N base rows.
pub const BOOTSTRAP_RESAMPLES: usize = 200;
/// The confidence level of the bootstrap intervals.
pub const CONFIDENCE: f64 = 0.95;

/// What a run with a Sobol design asks for (`--sensitivity sobol --base-paths N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SobolSpec {
    /// N, the rows of A and B.
    pub base_paths: u64,
}

/// An A/B/A_B^(i) design over `dims` uniform inputs partitioned into `groups` (the factors).
#[derive(Debug, Clone)]
pub struct Design {
    n: usize,
    dims: usize,
    /// Per group, its inputs (columns).
    groups: Vec<Vec<usize>>,
    /// Per input, its group.
    group_of: Vec<usize>,
    scramble: u32,
}

/// Which matrix a design point comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Block {
    A,
    B,
    /// A with group g's columns from B.
    Ab(usize),
}

impl Design {
    /// `n` base rows (MIN_BASE_PATHS ..= MAX_BASE_PATHS), `groups` a partition of the inputs
    /// 0..dims (every input in exactly one group), the scramble derived from `seed`.
    pub fn new(n: u64, dims: usize, groups: Vec<Vec<usize>>, seed: u64) -> Result<Self> {
        if !(MIN_BASE_PATHS..=MAX_BASE_PATHS).contains(&n) {
            return Err(Error::BasePaths {
                n,
                min: MIN_BASE_PATHS,
                max: MAX_BASE_PATHS,
            });
        }
        if groups.is_empty() {
            return Err(Error::NothingToDecompose);
        }
        let mut group_of = vec![usize::MAX; dims];
        for (g, cols) in groups.iter().enumerate() {
            for c in cols {
                if let Some(slot) = group_of.get_mut(*c) {
                    *slot = g;
                }
            }
        }
        debug_assert!(group_of.iter().all(|g| *g != usize::MAX));
        // The run's seed, hashed to the 32-bit scramble seed of the sequence.
        let mut state = seed ^ 0x5eed_5eed_50b0_1000;
        let scramble = (crate::rng::splitmix64(&mut state) >> 32) as u32;
        Ok(Design {
            n: n as usize,
            dims,
            groups,
            group_of,
            scramble,
        })
    }

    /// N, the base rows.
    pub fn base_rows(&self) -> usize {
        self.n
    }

    pub fn dims(&self) -> usize {
        self.dims
    }

    /// k, the factors (groups of inputs).
    pub fn groups(&self) -> usize {
        self.groups.len()
    }

    /// Points per base row: A, B and one A_B^(i) per group.
    pub fn blocks(&self) -> usize {
        self.groups.len() + 2
    }

    /// N·(k + 2).
    pub fn points(&self) -> u64 {
        (self.n * self.blocks()) as u64
    }

    /// The base row and matrix of point `p`.
    pub fn locate(&self, p: u64) -> (usize, Block) {
        let b = self.blocks() as u64;
        let (j, c) = ((p / b) as usize, (p % b) as usize);
        let block = match c {
            0 => Block::A,
            1 => Block::B,
            g => Block::Ab(g - 2),
        };
        (j, block)
    }

    /// Coordinate `dim` (0 ..= 2·dims) of the sequence's point `j`, in (0, 1): the sequence's
    /// values are multiples of 2⁻²⁴ in [0, 1), moved to the middle of their cell. Dimensions past
    /// the sequence's 256 come from independent scrambles (another seed per 256).
    fn coordinate(&self, j: usize, dim: usize) -> f64 {
        let set = (dim / 256) as u32;
        let seed = self.scramble ^ set.wrapping_mul(0x9e37_79b9);
        let x = sobol_burley::sample(j as u32, (dim % 256) as u32, seed);
        f64::from(x) + 0.5 / f64::from(1u32 << 24)
    }

    /// Row `j` of A (input `col`).
    pub fn a(&self, j: usize, col: usize) -> f64 {
        self.coordinate(j, col)
    }

    /// Row `j` of B (input `col`).
    pub fn b(&self, j: usize, col: usize) -> f64 {
        self.coordinate(j, self.dims + col)
    }

    /// The inputs of point `p` into `u` (length dims).
    pub fn point(&self, p: u64, u: &mut [f64]) {
        let (j, block) = self.locate(p);
        for (col, x) in u.iter_mut().enumerate().take(self.dims) {
            let from_b = match block {
                Block::A => false,
                Block::B => true,
                Block::Ab(g) => self.group_of[col] == g,
            };
            *x = if from_b {
                self.b(j, col)
            } else {
                self.a(j, col)
            };
        }
    }
}

/// One factor's indices for one output; none when the output does not vary.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Indices {
    /// First order S_i (Saltelli et al. 2010).
    pub s1: Option<f64>,
    /// Its bootstrap 95 % interval [low, high].
    pub s1_ci: Option<[f64; 2]>,
    /// Total S_Ti (Jansen 1999).
    pub st: Option<f64>,
    pub st_ci: Option<[f64; 2]>,
}

/// The decomposition of one output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decomposition {
    /// Mean of the output over the rows of A and B used.
    pub mean: Option<f64>,
    /// V, its variance over those 2·rows values (divisor 2·rows).
    pub variance: Option<f64>,
    /// Base rows with every value this output needs (the others are left out).
    pub rows_used: u64,
    /// Per factor, in the design's group order.
    pub indices: Vec<Indices>,
}

/// Mean, variance, rows used and per group (S_i, S_Ti), from one set of row weights.
type Estimates = (
    Option<f64>,
    Option<f64>,
    f64,
    Vec<(Option<f64>, Option<f64>)>,
);

/// The per-row terms of one output, centred, zero on rows left out.
struct Terms {
    groups: usize,
    centre: f64,
    used: Vec<f64>,
    /// f_A + f_B.
    sum: Vec<f64>,
    /// f_A² + f_B².
    squares: Vec<f64>,
    /// Per group: f_B·(f_ABi − f_A), then (f_A − f_ABi)².
    first: Vec<Vec<f64>>,
    total: Vec<Vec<f64>>,
}

impl Terms {
    /// `values[p]` is the output at design point p (NaN: none).
    fn new(values: &[f64], n: usize, groups: usize) -> Terms {
        let blocks = groups + 2;
        let row = |j: usize| &values[j * blocks..(j + 1) * blocks];
        let ok = |j: usize| row(j).iter().all(|x| !x.is_nan());
        let (mut centre, mut count) = (0.0, 0.0);
        for j in (0..n).filter(|j| ok(*j)) {
            centre += row(j)[0] + row(j)[1];
            count += 2.0;
        }
        let centre = if count > 0.0 { centre / count } else { 0.0 };
        let mut t = Terms {
            groups,
            centre,
            used: vec![0.0; n],
            sum: vec![0.0; n],
            squares: vec![0.0; n],
            first: vec![vec![0.0; n]; groups],
            total: vec![vec![0.0; n]; groups],
        };
        for j in (0..n).filter(|j| ok(*j)) {
            let r = row(j);
            let (fa, fb) = (r[0] - centre, r[1] - centre);
            t.used[j] = 1.0;
            t.sum[j] = fa + fb;
            t.squares[j] = fa * fa + fb * fb;
            for g in 0..groups {
                let fab = r[2 + g] - centre;
                t.first[g][j] = fb * (fab - fa);
                t.total[g][j] = (fa - fab) * (fa - fab);
            }
        }
        t
    }

    /// The estimates with row weights `w` (all 1: the point estimate; counts: a resample).
    fn estimate(&self, w: &[f64]) -> Estimates {
        let rows = dot(w, &self.used);
        let none = || (None, None, rows, vec![(None, None); self.groups]);
        if rows < 2.0 {
            return none();
        }
        let m = dot(w, &self.sum) / (2.0 * rows);
        let v = dot(w, &self.squares) / (2.0 * rows) - m * m;
        // A constant output (every value the same) has V = 0 exactly after centring; a
        // variance at rounding level of the mean's square is no variance either.
        if v.is_nan() || v <= 1e-24 * (m * m).max(f64::MIN_POSITIVE) || v <= 0.0 {
            return (
                Some(self.centre + m),
                Some(0.0f64.max(v)),
                rows,
                vec![(None, None); self.groups],
            );
        }
        let indices = (0..self.groups)
            .map(|g| {
                let s1 = dot(w, &self.first[g]) / rows / v;
                let st = dot(w, &self.total[g]) / (2.0 * rows) / v;
                (Some(s1), Some(st))
            })
            .collect();
        (Some(self.centre + m), Some(v), rows, indices)
    }
}

/// Σ aᵢ·bᵢ in four interleaved partial sums (so it vectorizes), the same order on every call.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            acc[l] += x[l] * y[l];
        }
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// Estimates the indices of each output from its values at every design point
/// (`columns[o][p]`, NaN where the output has no value), with bootstrap intervals over
/// `resamples` resamples of the N base rows drawn from (`seed`, resample) alone, on up to
/// `threads` threads (the result does not depend on them).
pub fn estimate(
    columns: &[&[f64]],
    design: &Design,
    resamples: usize,
    seed: u64,
    threads: usize,
) -> Vec<Decomposition> {
    let (n, groups) = (design.base_rows(), design.groups());
    let terms: Vec<Terms> = columns.iter().map(|c| Terms::new(c, n, groups)).collect();
    let ones = vec![1.0; n];
    let points: Vec<_> = terms.iter().map(|t| t.estimate(&ones)).collect();
    // Resample b: per output, per group, (S_i, S_Ti).
    type Resample = Vec<Vec<(Option<f64>, Option<f64>)>>;
    let key = RunKey::of(seed ^ 0xb007_5eed_b007_5eed);
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done: Vec<(usize, Resample)> = Vec::new();
        let mut w = vec![0.0f64; n];
        loop {
            let b = next.fetch_add(1, Ordering::Relaxed);
            if b >= resamples {
                return done;
            }
            let mut rng = key.path_rng(b as u64);
            w.iter_mut().for_each(|x| *x = 0.0);
            for _ in 0..n {
                // Lemire's multiply-shift: a row in 0..n.
                let j = ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize;
                w[j] += 1.0;
            }
            let r = terms.iter().map(|t| t.estimate(&w).3).collect();
            done.push((b, r));
        }
    };
    let helpers = threads.clamp(1, resamples.max(1)) - 1;
    let mut done = std::thread::scope(|scope| {
        let spawned: Vec<_> = (0..helpers)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        let mut done = work();
        for h in spawned {
            done.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        done
    });
    done.sort_by_key(|(b, _)| *b);
    let lo = (1.0 - CONFIDENCE) / 2.0;
    let hi = 1.0 - lo;
    let interval = |mut xs: Vec<f64>| -> Option<[f64; 2]> {
        if xs.is_empty() {
            return None;
        }
        xs.sort_by(f64::total_cmp);
        Some([quantile_sorted(&xs, lo), quantile_sorted(&xs, hi)])
    };
    points
        .into_iter()
        .enumerate()
        .map(|(o, (mean, variance, rows, idx))| Decomposition {
            mean,
            variance,
            rows_used: rows as u64,
            indices: idx
                .into_iter()
                .enumerate()
                .map(|(g, (s1, st))| {
                    let s1s = done.iter().filter_map(|(_, r)| r[o][g].0).collect();
                    let sts = done.iter().filter_map(|(_, r)| r[o][g].1).collect();
                    Indices {
                        s1,
                        s1_ci: s1.and(interval(s1s)),
                        st,
                        st_ci: st.and(interval(sts)),
                    }
                })
                .collect(),
        })
        .collect()
}

/// Evaluates `model` at every point of `design` (on up to `threads` threads, results stored by
/// point) and estimates its indices: what `offtake risk --sensitivity sobol` does with the
/// engine as the model, here for any function of the uniforms (the tests' Ishigami function).
pub fn sobol_indices<F>(
    design: &Design,
    model: F,
    resamples: usize,
    seed: u64,
    threads: usize,
) -> Decomposition
where
    F: Fn(&[f64]) -> f64 + Sync,
{
    let points = design.points() as usize;
    let mut values = vec![f64::NAN; points];
    const CHUNK: usize = 4096;
    let queue = std::sync::Mutex::new(values.chunks_mut(CHUNK).enumerate());
    let work = || {
        let mut u = vec![0.0; design.dims()];
        loop {
            let Some((c, chunk)) = queue.lock().ok().and_then(|mut q| q.next()) else {
                return;
            };
            for (k, slot) in chunk.iter_mut().enumerate() {
                design.point((c * CHUNK + k) as u64, &mut u);
                *slot = model(&u);
            }
        }
    };
    std::thread::scope(|scope| {
        let spawned: Vec<_> = (1..threads.max(1))
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(scope, work).ok())
            .collect();
        work();
        for h in spawned {
            h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
    });
    estimate(&[&values], design, resamples, seed, threads)
        .pop()
        .unwrap_or(Decomposition {
            mean: None,
            variance: None,
            rows_used: 0,
            indices: Vec::new(),
        })
}

/// The Sobol design of a contract's risk factors: the inputs of [`FactorSampler::inputs`], the
/// factors drawn on every row of A and of B (computed once), and the points assembled from them.
#[derive(Debug, Clone)]
pub struct ContractDesign {
    design: Design,
    groups: Vec<InputGroup>,
    /// Per factor slot (demand, power, capex, resale, delays, slips, party defaults): its group.
    slot_group: Vec<Option<usize>>,
    n_tranches: usize,
    n_generations: usize,
    /// Row-major N × slots: the factors of each row of A, then of B (default periods: NaN = none).
    a: Vec<f64>,
    b: Vec<f64>,
}

impl ContractDesign {
    /// The design of `base_paths` rows over `contract`'s risk factors under `seed`.
    pub fn new(
        contract: &Contract,
        sampler: &FactorSampler,
        base_paths: u64,
        seed: u64,
        threads: usize,
    ) -> Result<Self> {
        let (inputs, groups) = sampler.inputs(contract);
        let design = Design::new(
            base_paths,
            inputs.len(),
            groups.iter().map(|g| g.inputs.clone()).collect(),
            seed,
        )?;
        let (t, gens) = (contract.tranches.len(), contract.generations.len());
        let parties = if sampler.has_defaults() {
            sampler.defaults().len()
        } else {
            0
        };
        let slots = 4 + t + gens + parties;
        let mut slot_group = vec![None; slots];
        for (g, group) in groups.iter().enumerate() {
            for s in &group.slots {
                if let Some(slot) = slot_group.get_mut(*s) {
                    *slot = Some(g);
                }
            }
        }
        let n = design.base_rows();
        let mut a = vec![0.0; n * slots];
        let mut b = vec![0.0; n * slots];
        let fill = |out: &mut [f64], first: usize, from_b: bool| {
            let mut scenario = sampler.scenario(contract);
            let mut u = vec![0.0; inputs.len()];
            for (r, row) in out.chunks_exact_mut(slots).enumerate() {
                let j = first + r;
                for (col, x) in u.iter_mut().enumerate() {
                    *x = if from_b {
                        design.b(j, col)
                    } else {
                        design.a(j, col)
                    };
                }
                sampler.draw_uniforms(&inputs, &u, &mut scenario);
                slots_of(&scenario, row);
            }
        };
        let per = n.div_ceil(threads.max(1));
        std::thread::scope(|scope| {
            for (from_b, m) in [(false, &mut a), (true, &mut b)] {
                for (c, chunk) in m.chunks_mut(per * slots).enumerate() {
                    let fill = &fill;
                    scope.spawn(move || fill(chunk, c * per, from_b));
                }
            }
        });
        Ok(ContractDesign {
            design,
            groups,
            slot_group,
            n_tranches: t,
            n_generations: gens,
            a,
            b,
        })
    }

    pub fn design(&self) -> &Design {
        &self.design
    }

    /// The factors (groups of inputs), in design order.
    pub fn groups(&self) -> &[InputGroup] {
        &self.groups
    }

    /// Sets `scenario` (from [`FactorSampler::scenario`]) to design point `p`'s factors.
    pub fn draw(&self, p: u64, scenario: &mut Scenario) {
        let (j, block) = self.design.locate(p);
        let slots = self.slot_group.len();
        let (ra, rb) = (
            &self.a[j * slots..(j + 1) * slots],
            &self.b[j * slots..(j + 1) * slots],
        );
        let value = |s: usize| match block {
            Block::A => ra[s],
            Block::B => rb[s],
            Block::Ab(g) if self.slot_group[s] == Some(g) => rb[s],
            Block::Ab(_) => ra[s],
        };
        scenario.demand_factor = value(0);
        scenario.power_factor = value(1);
        scenario.capex_factor = value(2);
        scenario.resale_factor = value(3);
        for (k, d) in scenario.delay_months.iter_mut().enumerate() {
            *d = value(4 + k) as i64;
        }
        for (g, d) in scenario.slip_months.iter_mut().enumerate() {
            *d = value(4 + self.n_tranches + g) as i64;
        }
        if let Some(periods) = scenario.defaults.as_mut() {
            let first = 4 + self.n_tranches + self.n_generations;
            for (q, d) in periods.iter_mut().enumerate() {
                let x = value(first + q);
                *d = (!x.is_nan()).then_some(x as i64);
            }
        }
    }
}

/// A scenario's factors as slot values (default periods: NaN = none).
fn slots_of(s: &Scenario, row: &mut [f64]) {
    let mut k = 0;
    let mut put = |x: f64| {
        if let Some(slot) = row.get_mut(k) {
            *slot = x;
        }
        k += 1;
    };
    put(s.demand_factor);
    put(s.power_factor);
    put(s.capex_factor);
    put(s.resale_factor);
    s.delay_months.iter().for_each(|d| put(*d as f64));
    s.slip_months.iter().for_each(|d| put(*d as f64));
    if let Some(p) = &s.defaults {
        p.iter().for_each(|d| put(d.map_or(f64::NAN, |d| d as f64)));
    }
}

/// The outputs decomposed: three metrics and the three verdicts' indicators.
pub const OUTPUTS: [Output; 6] = [
    Output::Metric(PathMetric::ProviderNpv),
    Output::Metric(PathMetric::ProviderIrr),
    Output::Metric(PathMetric::MinDscr),
    Output::Verdict(Verdict::Contracted),
    Output::Verdict(Verdict::Financeable),
    Output::Verdict(Verdict::Deliverable),
];

/// An output of the decomposition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Metric(PathMetric),
    /// 1 when the verdict holds on the path, else 0.
    Verdict(Verdict),
}

impl Output {
    pub fn name(self) -> &'static str {
        match self {
            Output::Metric(m) => m.name(),
            Output::Verdict(v) => v.name(),
        }
    }

    /// Its value on each row of `table` (NaN: none).
    fn column(self, table: &PathTable) -> Vec<f64> {
        (0..table.len())
            .map(|r| match self {
                Output::Metric(m) => table.metric(r, m).unwrap_or(f64::NAN),
                Output::Verdict(v) => f64::from(u8::from(table.verdict(r, v))),
            })
            .collect()
    }
}

/// Sobol indices of every factor of a run (`RiskReport::sensitivity`, `docs/output.md`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sensitivity {
    /// `sobol`.
    pub method: &'static str,
    /// The estimators: `saltelli2010` (first order), `jansen1999` (total).
    pub first_order: &'static str,
    pub total: &'static str,
    /// N.
    pub base_paths: u64,
    /// N·(k + 2): the engine runs of the design.
    pub design_points: u64,
    pub bootstrap_resamples: usize,
    pub confidence: f64,
    /// The factors, in design order: each uncorrelated factor alone, correlated factors as one
    /// group (`members`).
    pub factors: Vec<SensitivityFactor>,
    /// Per output (provider NPV, IRR, min DSCR, then the verdicts as 0/1 indicators).
    pub outputs: Vec<OutputSensitivity>,
    /// Where the tornado's one-at-a-time swing and the indices disagree.
    pub disagreements: Vec<Disagreement>,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityFactor {
    /// `demand_factor`, `delay_months.<tranche>`, `slip_months.<generation>`, `default.<party>`,
    /// or a correlated group's members joined by ` + `.
    pub factor: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputSensitivity {
    /// `provider_npv`, `provider_irr`, `min_dscr`, `contracted`, `financeable`, `deliverable`.
    pub output: &'static str,
    pub mean: Option<f64>,
    pub variance: Option<f64>,
    pub rows_used: u64,
    /// Per factor, in `factors` order.
    pub indices: Vec<FactorIndices>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactorIndices {
    pub factor: String,
    #[serde(flatten)]
    pub indices: Indices,
}

/// A tornado row whose one-at-a-time swing and total index disagree for an output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    /// The tornado row's factor (`delay_months`: every tranche's delay together); the rows of
    /// one correlated group, joined by ` + `, are compared as one (with their largest swing).
    pub factor: String,
    /// `provider_npv`, `provider_irr` or `min_dscr`.
    pub output: &'static str,
    /// `tornado_overstates`: the swing is among the largest (≥ 50 % of the largest swing) but
    /// S_T < 0.05; `tornado_understates`: S_T ≥ 0.10 but the swing is < 10 % of the largest
    /// (the output is not monotone in the factor, or the factor acts through interactions);
    /// `tornado_not_monotone`: the factor's P10 and P90 (on either side of its base multiplier
    /// of 1) both move the output the same way from base, so the swing |P90 − P10| understates it (`st` shows its share of the variance).
    pub kind: &'static str,
    /// The row's swing as a share of the largest swing of that output.
    pub swing_share: f64,
    /// The factor's total index (for `delay_months`, the sum over tranches, an upper bound of
    /// their joint total index).
    pub st: f64,
}

/// The indices of a run's design `points` (complete, in point order), and where they disagree
/// with `tornado`.
pub(crate) fn sensitivity(
    contract: &Contract,
    spec: SobolSpec,
    seed: u64,
    points: &PathTable,
    tornado: &crate::report::Tornado,
    threads: usize,
) -> Result<Sensitivity> {
    let sampler = FactorSampler::new(contract)?;
    let (inputs, groups) = sampler.inputs(contract);
    let design = Design::new(
        spec.base_paths,
        inputs.len(),
        groups.iter().map(|g| g.inputs.clone()).collect(),
        seed,
    )?;
    let columns: Vec<Vec<f64>> = OUTPUTS.iter().map(|o| o.column(points)).collect();
    let refs: Vec<&[f64]> = columns.iter().map(Vec::as_slice).collect();
    let decompositions = estimate(&refs, &design, BOOTSTRAP_RESAMPLES, seed, threads);
    let outputs: Vec<OutputSensitivity> = OUTPUTS
        .iter()
        .zip(decompositions)
        .map(|(o, d)| OutputSensitivity {
            output: o.name(),
            mean: d.mean,
            variance: d.variance,
            rows_used: d.rows_used,
            indices: groups
                .iter()
                .zip(d.indices)
                .map(|(g, indices)| FactorIndices {
                    factor: g.name.clone(),
                    indices,
                })
                .collect(),
        })
        .collect();
    let mut notes = Vec::new();
    if groups.iter().any(|g| g.members.len() > 1) {
        notes.push(
            "correlated factors are one group: Sobol indices need independent inputs, so a group's indices are those of the copula's independent normals that drive it together"
                .to_string(),
        );
    }
    for o in &outputs {
        if o.variance.is_some_and(|v| v == 0.0) {
            notes.push(format!(
                "{} does not vary over the design: no indices",
                o.output
            ));
        }
        if o.rows_used < spec.base_paths {
            notes.push(format!(
                "{}: {} of {} base rows have a value at every point they need; the others are left out",
                o.output, o.rows_used, spec.base_paths
            ));
        }
    }
    let disagreements = disagreements(&groups, &outputs, tornado);
    Ok(Sensitivity {
        method: "sobol",
        first_order: "saltelli2010",
        total: "jansen1999",
        base_paths: spec.base_paths,
        design_points: design.points(),
        bootstrap_resamples: BOOTSTRAP_RESAMPLES,
        confidence: CONFIDENCE,
        factors: groups
            .iter()
            .map(|g| SensitivityFactor {
                factor: g.name.clone(),
                members: g.members.clone(),
            })
            .collect(),
        outputs,
        disagreements,
        notes,
    })
}

/// Whether the tornado row of `factor` moves a factor group with these members: its own group,
/// a correlated group it is a member of, or (`delay_months`) every tranche's delay.
pub fn moves(factor: &str, members: &[String]) -> bool {
    members
        .iter()
        .any(|m| m == factor || (factor == "delay_months" && m.starts_with("delay_months.")))
}

impl Sensitivity {
    /// The total index of what the tornado row of `factor` moves, for `output`: its group's
    /// S_T, or for `delay_months` the sum over the tranches (an upper bound of their joint
    /// total index). None when the output does not vary or no group matches.
    pub fn tornado_st(&self, factor: &str, output: &str) -> Option<f64> {
        let o = self.outputs.iter().find(|o| o.output == output)?;
        let sts: Option<Vec<f64>> = self
            .factors
            .iter()
            .zip(&o.indices)
            .filter(|(f, _)| moves(factor, &f.members))
            .map(|(_, i)| i.indices.st)
            .collect();
        let sts = sts?;
        (!sts.is_empty()).then(|| sts.iter().sum())
    }
}

/// Swing shares at or above this are among the tornado's largest.
pub const LARGE_SWING: f64 = 0.5;
/// Total indices below this are small.
pub const SMALL_ST: f64 = 0.05;
/// Swing shares below this are small.
pub const SMALL_SWING: f64 = 0.10;
/// Total indices at or above this are large.
pub const LARGE_ST: f64 = 0.10;

fn disagreements(
    groups: &[InputGroup],
    outputs: &[OutputSensitivity],
    tornado: &crate::report::Tornado,
) -> Vec<Disagreement> {
    let mut out = Vec::new();
    type Pick = fn(&crate::report::TornadoPoint) -> Option<f64>;
    let pick: [(&'static str, Pick); 3] = [
        ("provider_npv", |p| Some(p.provider_npv)),
        ("provider_irr", |p| p.provider_irr),
        ("min_dscr", |p| p.min_dscr),
    ];
    for (name, get) in pick {
        let Some(o) = outputs.iter().find(|o| o.output == name) else {
            continue;
        };
        let swings: Vec<Option<f64>> = tornado
            .rows
            .iter()
            .map(|r| Some((get(&r.at_high)? - get(&r.at_low)?).abs()))
            .collect();
        let largest = swings.iter().flatten().copied().fold(0.0, f64::max);
        if largest <= 0.0 {
            continue;
        }
        // Units compared: the groups a tornado row moves (its factor's group, a correlated
        // group for each of its members, every tranche's delay for `delay_months`), with the
        // largest swing of the rows that move exactly those groups.
        let mut units: Vec<(Vec<usize>, Vec<String>, f64)> = Vec::new();
        for (row, swing) in tornado.rows.iter().zip(&swings) {
            let Some(swing) = swing else { continue };
            let moved: Vec<usize> = groups
                .iter()
                .enumerate()
                .filter(|(_, g)| moves(&row.factor, &g.members))
                .map(|(k, _)| k)
                .collect();
            if moved.is_empty() {
                continue;
            }
            match units.iter_mut().find(|u| u.0 == moved) {
                Some(u) => {
                    u.1.push(row.factor.clone());
                    u.2 = u.2.max(*swing);
                }
                None => units.push((moved, vec![row.factor.clone()], *swing)),
            }
        }
        // A row whose P10 and P90 both move the output the same way from base: its swing
        // |P90 − P10| understates what the factor does (the model is not monotone in it).
        let base = get(&tornado.base);
        for (row, swing) in tornado.rows.iter().zip(&swings) {
            let (Some(base), Some(lo), Some(hi), Some(swing)) =
                (base, get(&row.at_low), get(&row.at_high), swing)
            else {
                continue;
            };
            // Only where base lies between the two settings (a multiplier of 1 between its P10
            // and P90; a delay's base of 0 months is below both, so both ends below base is
            // monotone there).
            let between = matches!(
                (&row.low, &row.high),
                (crate::report::Setting::Multiplier(l), crate::report::Setting::Multiplier(h))
                    if (*l < 1.0 && *h > 1.0) || (*l > 1.0 && *h < 1.0)
            );
            if !between {
                continue;
            }
            let tol = 1e-9 * base.abs().max(1.0);
            let (dl, dh) = (lo - base, hi - base);
            if dl.abs() <= tol || dh.abs() <= tol || (dl > 0.0) != (dh > 0.0) {
                continue;
            }
            let Some((moved, _, _)) = units.iter().find(|u| u.1.contains(&row.factor)) else {
                continue;
            };
            let sts: Option<Vec<f64>> = moved.iter().map(|k| o.indices[*k].indices.st).collect();
            let Some(sts) = sts else { continue };
            out.push(Disagreement {
                factor: row.factor.clone(),
                output: name,
                kind: "tornado_not_monotone",
                swing_share: swing / largest,
                st: sts.iter().sum(),
            });
        }
        for (moved, factors, swing) in units {
            let sts: Vec<Option<f64>> = moved.iter().map(|k| o.indices[*k].indices.st).collect();
            if sts.iter().any(Option::is_none) {
                continue;
            }
            let st: f64 = sts.iter().flatten().sum();
            let share = swing / largest;
            let kind = if share >= LARGE_SWING && st < SMALL_ST {
                "tornado_overstates"
            } else if share < SMALL_SWING && st >= LARGE_ST {
                "tornado_understates"
            } else {
                continue;
            };
            out.push(Disagreement {
                factor: factors.join(" + "),
                output: name,
                kind,
                swing_share: share,
                st,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn singletons(d: usize) -> Vec<Vec<usize>> {
        (0..d).map(|i| vec![i]).collect()
    }

    /// Ishigami & Homma (1990), a = 7, b = 0.1, x ~ U(−π, π)³; analytic indices (Sobol' &
    /// Levitan 1999): S1 = 0.3139, S2 = 0.4424, S3 = 0, ST1 = 0.5576, ST2 = 0.4424,
    /// ST3 = 0.2437.
    #[test]
    fn ishigami_indices_are_within_a_hundredth_at_2_pow_14() {
        let design = Design::new(1 << 14, 3, singletons(3), 7).unwrap();
        let ishigami = |u: &[f64]| {
            let x: Vec<f64> = u.iter().map(|u| -PI + 2.0 * PI * u).collect();
            x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
        };
        let d = sobol_indices(&design, ishigami, BOOTSTRAP_RESAMPLES, 7, 2);
        let want_s1 = [0.3139, 0.4424, 0.0];
        let want_st = [0.5576, 0.4424, 0.2437];
        for (i, ix) in d.indices.iter().enumerate() {
            let (s1, st) = (ix.s1.unwrap(), ix.st.unwrap());
            assert!((s1 - want_s1[i]).abs() < 0.01, "S{} = {s1}", i + 1);
            assert!((st - want_st[i]).abs() < 0.01, "ST{} = {st}", i + 1);
            let [lo, hi] = ix.st_ci.unwrap();
            assert!(lo <= st && st <= hi && hi - lo < 0.05, "{lo} {st} {hi}");
        }
        assert_eq!(d.rows_used, 1 << 14);
    }

    /// Y = x₁ + 2x₂ + 3x₃ with independent uniforms: S_i = ST_i = c_i²/Σc_j² (1/14, 4/14, 9/14);
    /// and a group of two inputs has the sum of their indices.
    #[test]
    fn a_linear_model_has_its_known_indices() {
        let linear = |u: &[f64]| u[0] + 2.0 * u[1] + 3.0 * u[2];
        let design = Design::new(1 << 12, 3, singletons(3), 1).unwrap();
        let d = sobol_indices(&design, linear, 50, 1, 1);
        for (ix, c) in d.indices.iter().zip([1.0, 4.0, 9.0]) {
            assert!((ix.s1.unwrap() - c / 14.0).abs() < 0.01, "{ix:?}");
            assert!((ix.st.unwrap() - c / 14.0).abs() < 0.01, "{ix:?}");
        }
        let grouped = Design::new(1 << 12, 3, vec![vec![0, 2], vec![1]], 1).unwrap();
        let d = sobol_indices(&grouped, linear, 50, 1, 1);
        assert!((d.indices[0].s1.unwrap() - 10.0 / 14.0).abs() < 0.01);
        assert!((d.indices[1].st.unwrap() - 4.0 / 14.0).abs() < 0.01);
    }

    #[test]
    fn results_do_not_depend_on_threads_and_a_constant_has_no_indices() {
        let f = |u: &[f64]| (u[0] * 3.0).sin() * u[1] + u[2];
        let design = Design::new(256, 3, singletons(3), 3).unwrap();
        let one = sobol_indices(&design, f, 40, 3, 1);
        let three = sobol_indices(&design, f, 40, 3, 3);
        assert_eq!(one, three);
        let c = sobol_indices(&design, |_| 5.0, 40, 3, 2);
        assert!(
            c.indices
                .iter()
                .all(|i| i.s1.is_none() && i.st_ci.is_none())
        );
        assert_eq!(c.variance, Some(0.0));
    }

    #[test]
    fn rows_with_a_missing_value_are_left_out() {
        let f = |u: &[f64]| if u[0] < 0.1 { f64::NAN } else { u[1] };
        let design = Design::new(1024, 2, singletons(2), 0).unwrap();
        let d = sobol_indices(&design, f, 20, 0, 2);
        assert!(d.rows_used < 1024 && d.rows_used > 700, "{}", d.rows_used);
    }

    #[test]
    fn design_points_take_their_groups_columns_from_b() {
        let design = Design::new(64, 3, vec![vec![0, 2], vec![1]], 9).unwrap();
        assert_eq!(design.points(), 64 * 4);
        let mut u = [0.0; 3];
        design.point(5 * 4 + 2, &mut u);
        assert_eq!(u, [design.b(5, 0), design.a(5, 1), design.b(5, 2)]);
        design.point(5 * 4 + 1, &mut u);
        assert_eq!(u, [design.b(5, 0), design.b(5, 1), design.b(5, 2)]);
        assert!(u.iter().all(|x| *x > 0.0 && *x < 1.0));
        assert!(Design::new(10, 3, singletons(3), 0).is_err());
    }
}
