//! Running paths in parallel: K worker threads (the caller's thread and K − 1 scoped ones) take
//! chunks of paths from a shared queue and write each into its own rows, so the table (and every
//! statistic computed from it) is the same for any K and any order of work. Each worker builds
//! its engine simulator once. Cancellation and progress are checked once per chunk.

use std::str::FromStr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use offtake_engine::{Extent, Simulator};
use offtake_model::{Contract, RiskSpec};

use crate::sampler::{FactorSampler, spec_defaults};
use crate::sobol::{ContractDesign, SobolSpec};
use crate::table::{BLOCK_ROWS, Layout, PathTable, write_row};
use crate::{Error, Result};

/// Paths per unit of work: ~1–10 ms, so cancellation is prompt and load balances. One chunk
/// fills one block of the table.
pub const CHUNK_PATHS: usize = BLOCK_ROWS;

/// Which paths a process runs: those with index i ≡ `index` (mod `count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Every path (shard 0 of 1).
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    pub fn new(index: u64, count: u64) -> Result<Self> {
        if count == 0 || index >= count {
            return Err(Error::BadShard { index, count });
        }
        Ok(Shard { index, count })
    }

    /// How many of `n_paths` paths fall in this shard.
    pub fn n_paths(&self, n_paths: u64) -> u64 {
        if self.index >= n_paths {
            0
        } else {
            (n_paths - self.index).div_ceil(self.count)
        }
    }

    /// The global index of the shard's `j`-th path.
    pub fn path_idx(&self, j: u64) -> u64 {
        self.index + j * self.count
    }
}

impl FromStr for Shard {
    type Err = Error;

    /// `I/N`.
    fn from_str(text: &str) -> Result<Self> {
        let bad = || Error::BadShardSyntax {
            text: text.to_string(),
        };
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index = i.trim().parse().map_err(|_| bad())?;
        let count = n.trim().parse().map_err(|_| bad())?;
        Shard::new(index, count)
    }
}

/// The environment variables a batch scheduler sets to the index of an array task, in the order
/// to read them: Kubernetes Indexed Job, then Slurm array (`docs/risk.md`). This crate reads no
/// environment; the caller looks them up and gives the index to [`Shard::new`].
pub const SHARD_INDEX_ENV: [&str; 2] = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"];

impl Shard {
    /// Shard I of `count`, I read from the first of [`SHARD_INDEX_ENV`] that `lookup` finds
    /// (the caller reads the environment: a batch scheduler's array task index).
    pub fn from_scheduler(count: u64, lookup: impl Fn(&str) -> Option<String>) -> Result<Shard> {
        let (var, value) = SHARD_INDEX_ENV
            .iter()
            .find_map(|v| lookup(v).map(|x| (*v, x)))
            .ok_or(Error::NoShardIndex { count })?;
        let index: u64 = value.trim().parse().map_err(|_| Error::BadShardIndex {
            var,
            value: value.clone(),
        })?;
        Shard::new(index, count).map_err(|e| Error::ShardIndexOutOfRange {
            var,
            source: Box::new(e),
        })
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The caller's choices for a run, each overriding `[risk]` (or the defaults) when given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Default: `[risk]` seed, else 0.
    pub seed: Option<u64>,
    /// Default: `[risk]` paths, else [`crate::DEFAULT_PATHS`].
    pub n_paths: Option<u64>,
    /// Default: as many as the machine offers.
    pub threads: Option<usize>,
    /// Default: every path ([`Shard::ALL`]).
    pub shard: Option<Shard>,
    /// Keep the factors drawn in each row (for a paths file).
    pub keep_factors: bool,
    /// Also run a Sobol design of this many base paths (`--sensitivity sobol`): its points
    /// are the rows after the Monte Carlo paths ([`crate::sobol`]).
    pub sobol: Option<u64>,
}

/// What to run: `[risk]` with the caller's [`RunOptions`], checked once by [`RunConfig::new`],
/// so a `RunConfig` that exists can run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfig {
    seed: u64,
    n_paths: u64,
    threads: usize,
    shard: Shard,
    keep_factors: bool,
    /// The Sobol design run after the paths, and its number of points.
    design: Option<(SobolSpec, u64)>,
}

impl RunConfig {
    /// `[risk]`'s seed and paths (seed 0, 10,000 paths without `[risk]`) with `options` applied;
    /// rejects what cannot run (no paths or too many, no threads, a shard that does not exist
    /// or has no paths) before any work starts.
    pub fn new(contract: &Contract, options: RunOptions) -> Result<Self> {
        let (seed, n_paths) = spec_defaults(contract);
        let design = options
            .sobol
            .map(|base_paths| Self::design_of(contract, base_paths))
            .transpose()?;
        Self::checked(
            options.seed.unwrap_or(seed),
            options.n_paths.unwrap_or(n_paths),
            options.threads.unwrap_or_else(Self::default_threads),
            options.shard.unwrap_or(Shard::ALL),
            options.keep_factors,
            design,
        )
    }

    /// A Sobol design of `base_paths` rows over the contract's factors, and its points.
    fn design_of(contract: &Contract, base_paths: u64) -> Result<(SobolSpec, u64)> {
        let sampler = FactorSampler::new(contract)?;
        let (inputs, groups) = sampler.inputs(contract);
        let design = crate::sobol::Design::new(
            base_paths,
            inputs.len(),
            groups.into_iter().map(|g| g.inputs).collect(),
            0,
        )?;
        Ok((SobolSpec { base_paths }, design.points()))
    }

    /// The whole run of `n_paths` paths with `seed` (what a merge of its shards rebuilds), and
    /// its Sobol design.
    pub(crate) fn whole(
        contract: &Contract,
        seed: u64,
        n_paths: u64,
        sobol: Option<SobolSpec>,
        keep_factors: bool,
    ) -> Result<Self> {
        let design = sobol
            .map(|s| Self::design_of(contract, s.base_paths))
            .transpose()?;
        Self::checked(
            seed,
            n_paths,
            Self::default_threads(),
            Shard::ALL,
            keep_factors,
            design,
        )
    }

    /// As many threads as the machine offers (1 if it cannot tell).
    pub fn default_threads() -> usize {
        std::thread::available_parallelism().map_or(1, usize::from)
    }

    fn checked(
        seed: u64,
        n_paths: u64,
        threads: usize,
        shard: Shard,
        keep_factors: bool,
        design: Option<(SobolSpec, u64)>,
    ) -> Result<Self> {
        if !(1..=RiskSpec::MAX_PATHS).contains(&n_paths) {
            return Err(Error::PathCount {
                paths: n_paths,
                max: RiskSpec::MAX_PATHS,
            });
        }
        let rows = n_paths + design.map_or(0, |d| d.1);
        if rows > RiskSpec::MAX_PATHS {
            return Err(Error::PathCount {
                paths: rows,
                max: RiskSpec::MAX_PATHS,
            });
        }
        if threads == 0 {
            return Err(Error::NoThreads);
        }
        let shard = Shard::new(shard.index, shard.count)?;
        if shard.n_paths(rows) == 0 {
            return Err(Error::EmptyShard {
                index: shard.index,
                count: shard.count,
                paths: rows,
            });
        }
        Ok(RunConfig {
            seed,
            n_paths,
            threads,
            shard,
            keep_factors,
            design,
        })
    }

    /// The Sobol design run after the paths, if any.
    pub fn sobol(&self) -> Option<SobolSpec> {
        self.design.map(|d| d.0)
    }

    /// Rows of the whole run: the Monte Carlo paths, then the Sobol design's points.
    pub fn total_rows(&self) -> u64 {
        self.n_paths + self.design.map_or(0, |d| d.1)
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Paths of the whole run (every shard).
    pub fn n_paths(&self) -> u64 {
        self.n_paths
    }

    /// Worker threads (≥ 1); results do not depend on it.
    pub fn threads(&self) -> usize {
        self.threads
    }

    pub fn shard(&self) -> Shard {
        self.shard
    }

    /// Rows keep the factors drawn (for a paths file).
    pub fn keep_factors(&self) -> bool {
        self.keep_factors
    }

    /// Paths (and design points) this process runs (its shard's share of the run).
    pub fn shard_paths(&self) -> u64 {
        self.shard.n_paths(self.total_rows())
    }
}

/// Hooks into a running simulation. Both are polled once per chunk of [`CHUNK_PATHS`] paths.
#[derive(Default, Clone, Copy)]
pub struct Control<'a> {
    /// Set to stop early: chunks not yet started are skipped, finished ones are kept.
    pub cancel: Option<&'a AtomicBool>,
    /// Called with the number of paths each finished chunk ran (from worker threads).
    pub progress: Option<&'a (dyn Fn(u64) + Sync)>,
}

/// The per-path results of a run; `partial` when it was cancelled (rows are then the finished
/// paths, in index order).
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    pub config: RunConfig,
    pub table: PathTable,
    pub partial: bool,
}

impl Simulation {
    /// The Monte Carlo paths' rows: the whole table, or without a Sobol design's points (which
    /// follow the paths) when the run has one.
    pub fn paths_table(&self) -> Result<std::borrow::Cow<'_, PathTable>> {
        if self.config.sobol().is_none() {
            return Ok(std::borrow::Cow::Borrowed(&self.table));
        }
        let (paths, _) = self.table.split_at_path(self.config.n_paths())?;
        Ok(std::borrow::Cow::Owned(paths))
    }
}

/// Runs the shard's paths of `config` on `contract`.
pub fn simulate(
    contract: &Contract,
    config: &RunConfig,
    control: Control<'_>,
) -> Result<Simulation> {
    let sampler = FactorSampler::new(contract)?.with_seed(config.seed);
    let design = config
        .sobol()
        .map(|s| {
            ContractDesign::new(
                contract,
                &sampler,
                s.base_paths,
                config.seed,
                config.threads,
            )
        })
        .transpose()?;
    let layout = Layout::new(contract, config.keep_factors);
    let rows = usize::try_from(config.shard_paths()).map_err(|_| Error::PathCount {
        paths: config.total_rows(),
        max: RiskSpec::MAX_PATHS,
    })?;
    let mut table = PathTable::zeroed(layout, rows)?;
    let n_chunks = rows.div_ceil(CHUNK_PATHS);
    let (layout, path_idx, values, flags) = table.parts_mut();
    let (vw, fw) = (layout.value_width(), layout.flag_width());
    // Chunk c is rows c·CHUNK_PATHS.., i.e. block c of the table's values.
    let queue = Mutex::new(
        path_idx
            .chunks_mut(CHUNK_PATHS)
            .zip(values.chunks_mut(CHUNK_PATHS * vw))
            .zip(flags.chunks_mut(CHUNK_PATHS * fw))
            .enumerate(),
    );
    let job = Job {
        contract,
        sampler: &sampler,
        design: design.as_ref(),
        n_paths: config.n_paths,
        layout,
        shard: config.shard,
        control,
    };
    let mut done = vec![false; n_chunks];
    let threads = config.threads.min(n_chunks).max(1);
    std::thread::scope(|scope| {
        // A worker that cannot start only means fewer threads (as for the statistics): the
        // others and the caller's thread take its chunks, and the results do not change.
        let workers: Vec<_> = (1..threads)
            .filter_map(|k| {
                let (job, queue) = (&job, &queue);
                std::thread::Builder::new()
                    .name(format!("offtake-risk-{k}"))
                    .spawn_scoped(scope, move || job.work(queue))
                    .ok()
            })
            .collect();
        let mut finished = job.work(&queue);
        for w in workers {
            // A panicking worker is a bug (the kernel does not panic on a valid contract):
            // re-raise it rather than report a table with holes.
            finished.extend(w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        for c in finished {
            done[c] = true;
        }
    });
    let partial = done.iter().any(|d| !d);
    if partial {
        table.retain_blocks(&done);
    }
    Ok(Simulation {
        config: config.clone(),
        table,
        partial,
    })
}

/// What every worker of a run shares.
struct Job<'a, 'c> {
    contract: &'c Contract,
    sampler: &'a FactorSampler,
    /// Rows from `n_paths` on are the points of this design.
    design: Option<&'a ContractDesign>,
    n_paths: u64,
    layout: &'a Layout,
    shard: Shard,
    control: Control<'a>,
}

/// A chunk of rows: its index, and its path indices, value block and flag rows.
type Chunk<'t> = (usize, ((&'t mut [u64], &'t mut [f64]), &'t mut [u8]));

impl Job<'_, '_> {
    /// Runs chunks from `queue` until it is empty or the run is cancelled; returns the chunks
    /// finished.
    fn work<'t, I: Iterator<Item = Chunk<'t>>>(&self, queue: &Mutex<I>) -> Vec<usize> {
        let mut simulator = Simulator::new(self.contract).with_extent(Extent::Risk);
        let mut scenario = self.sampler.scenario(self.contract);
        let fw = self.layout.flag_width();
        let mut finished = Vec::new();
        loop {
            if self
                .control
                .cancel
                .is_some_and(|c| c.load(Ordering::Relaxed))
            {
                break;
            }
            // A poisoned lock means another worker panicked; its join re-raises that.
            let Some((chunk, ((idx, block), flags))) = queue.lock().ok().and_then(|mut q| q.next())
            else {
                break;
            };
            let first = (chunk * CHUNK_PATHS) as u64;
            for (j, (slot, f)) in idx.iter_mut().zip(flags.chunks_exact_mut(fw)).enumerate() {
                let i = self.shard.path_idx(first + j as u64);
                *slot = i;
                match self.design {
                    Some(d) if i >= self.n_paths => d.draw(i - self.n_paths, &mut scenario),
                    _ => self.sampler.draw(i, &mut scenario),
                }
                let summary = simulator.run(&scenario);
                write_row(self.layout, block, j, f, summary, &scenario);
            }
            if let Some(progress) = self.control.progress {
                progress(idx.len() as u64);
            }
            finished.push(chunk);
        }
        finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_paths() {
        let n = 10;
        let mut seen = vec![0; n as usize];
        for i in 0..3 {
            let s = Shard::new(i, 3).unwrap();
            for j in 0..s.n_paths(n) {
                seen[s.path_idx(j) as usize] += 1;
            }
        }
        assert!(seen.iter().all(|c| *c == 1), "{seen:?}");
        assert_eq!(Shard::new(5, 8).unwrap().n_paths(3), 0);
    }

    #[test]
    fn a_scheduler_index_names_the_shard() {
        let env = |var: &'static str, value: &'static str| {
            move |v: &str| (v == var).then(|| value.to_string())
        };
        let s = Shard::from_scheduler(4, env("SLURM_ARRAY_TASK_ID", " 3 ")).unwrap();
        assert_eq!((s.index, s.count), (3, 4));
        let e = Shard::from_scheduler(4, |_: &str| None).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("--shards 4 takes the shard index from $JOB_COMPLETION_INDEX")
        );
        let e = Shard::from_scheduler(4, env("JOB_COMPLETION_INDEX", "x")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "$JOB_COMPLETION_INDEX = `x` is not a shard index"
        );
        let e = Shard::from_scheduler(4, env("JOB_COMPLETION_INDEX", "4")).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("(index from $JOB_COMPLETION_INDEX)"),
            "{e}"
        );
    }

    #[test]
    fn shard_syntax_and_range_are_checked() {
        assert_eq!(
            "1/4".parse::<Shard>().unwrap(),
            Shard { index: 1, count: 4 }
        );
        assert!(matches!(
            "3/2".parse::<Shard>(),
            Err(Error::BadShard { .. })
        ));
        assert!(matches!(
            "0/0".parse::<Shard>(),
            Err(Error::BadShard { .. })
        ));
        assert!(matches!(
            "1-4".parse::<Shard>(),
            Err(Error::BadShardSyntax { .. })
        ));
        assert!(matches!(
            "a/4".parse::<Shard>(),
            Err(Error::BadShardSyntax { .. })
        ));
    }
}
