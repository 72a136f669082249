//! Monte Carlo risk on the engine (MODEL.md §10): reproducible, parallel, shardable.
//!
//! A run draws each path's factors from `[risk]` with a generator seeded by (seed, path index)
//! alone ([`rng`]), runs the engine's allocation-free kernel on them, and stores the path's
//! metrics by index in a compact [`PathTable`]. Statistics, probabilities and the tornado
//! ([`report`]) come from the table in index order, so results are bit-identical for any thread
//! count, order of work or split into shards ([`paths_file::merge`]). The crate reads no clock
//! and does IO only in [`paths_file`]. User documentation: `docs/risk.md`.

#![warn(clippy::unwrap_used)]

pub mod copula;
pub mod drivers;
mod error;
pub mod marginal;
pub mod paths_file;
pub mod report;
pub mod rng;
pub mod run;
pub mod sampler;
pub mod sobol;
pub mod stats;
pub mod table;

pub use drivers::{Drivers, drivers};
pub use error::{Error, Result};
pub use marginal::{Marginal, round_months};
pub use paths_file::{
    PathsHeader, merge, merge_with_factors, read_header, read_paths, write_paths,
};
pub use report::{
    DefaultProbability, RiskReport, Setting, Tornado, TornadoRow, contract_fingerprint, report,
    tornado,
};
pub use run::{
    CHUNK_PATHS, Control, RunConfig, RunOptions, SHARD_INDEX_ENV, Shard, Simulation, simulate,
};
pub use sampler::{DEFAULT_PATHS, DefaultLaw, FactorSampler};
pub use stats::{Summary, quantile_sorted};
pub use table::{Layout, PathMetric, PathTable, Verdict};
