//! Everything that can go wrong in a Monte Carlo run, a paths file or a merge of shards.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// `paths` outside 1 ..= `RiskSpec::MAX_PATHS`.
    #[error("the number of paths must be from 1 to {max}, found {paths}")]
    PathCount { paths: u64, max: u64 },
    /// The per-path table could not be allocated.
    #[error(
        "not enough memory: the per-path table of {} paths needs {} ({bytes_per_row} bytes a path) and the system would not give it; run fewer paths, or split the run into shards on separate processes or machines (`--shard I/N --paths-out FILE`, each holding about 1/N of the table) and combine them with `offtake risk merge` (which needs the whole table without factors)",
        thousands(*rows),
        human_bytes(*bytes)
    )]
    OutOfMemory {
        rows: u64,
        bytes: u64,
        bytes_per_row: u64,
    },
    /// `--base-paths` outside the Sobol design's range.
    #[error("the Sobol design's base paths must be from {min} to {max}, found {n}")]
    BasePaths { n: u64, min: u64, max: u64 },
    /// A Sobol design of a term sheet where no factor varies.
    #[error(
        "no risk factor varies (no distribution in [risk] and no party with a credit): there is no variance to decompose"
    )]
    NothingToDecompose,
    #[error("the number of threads must be at least 1")]
    NoThreads,
    /// The drivers need the factors drawn on each path, and the table did not keep them.
    #[error(
        "the drivers need the factors drawn on each path, and this run did not keep them (run with keep_factors, or merge with factors)"
    )]
    NoFactors,
    /// A shard's paths file without the factor columns, merged for the drivers.
    #[error(
        "{path}: the file has no factor columns, which the drivers need: write the shard with `offtake risk --paths-out`"
    )]
    ShardWithoutFactors { path: PathBuf },
    /// `--shard I/N` with N = 0 or I ≥ N.
    #[error("shard {index}/{count} does not exist: shards are numbered 0 to N−1 of N ≥ 1")]
    BadShard { index: u64, count: u64 },
    #[error("`{text}` is not a shard: write I/N, e.g. 0/4")]
    BadShardSyntax { text: String },
    /// `--shards N` and no scheduler variable ([`crate::SHARD_INDEX_ENV`]) set.
    #[error(
        "--shards {count} takes the shard index from ${} or ${}, and neither is set; use --shard I/{count}",
        crate::SHARD_INDEX_ENV[0],
        crate::SHARD_INDEX_ENV[1]
    )]
    NoShardIndex { count: u64 },
    /// A scheduler variable that is not a number.
    #[error("${var} = `{value}` is not a shard index")]
    BadShardIndex { var: &'static str, value: String },
    /// A scheduler index that is not a shard of N ([`Error::BadShard`]).
    #[error("{source} (index from ${var})")]
    ShardIndexOutOfRange {
        var: &'static str,
        source: Box<Error>,
    },
    #[error("the shard {index}/{count} has no paths: there are only {paths} paths")]
    EmptyShard { index: u64, count: u64, paths: u64 },
    /// A validated distribution that the sampling crates still refuse (a bug: offtake-model
    /// should have rejected it).
    #[error("cannot sample {dist} distribution: {message}")]
    Sampler { dist: &'static str, message: String },
    /// Writing a paths file failed (the caller knows its name).
    #[error("writing the paths file: {source}")]
    WritePaths {
        source: parquet::errors::ParquetError,
    },
    /// Not Parquet at all (no `PAR1` marks).
    #[error(
        "{path}: not a Parquet file: give the files `offtake risk --paths-out` wrote (they start and end with `PAR1`)"
    )]
    NotParquet { path: PathBuf },
    /// The checksums written with the file do not match it.
    #[error(
        "{path}: {what}: the file was altered or damaged after it was written; run its shard again"
    )]
    Altered { path: PathBuf, what: &'static str },
    #[error("{path}: damaged Parquet file ({source}); run its shard again")]
    Parquet {
        path: PathBuf,
        source: parquet::errors::ParquetError,
    },
    #[error("{path}: not an offtake paths file ({reason})")]
    NotAPathsFile { path: PathBuf, reason: String },
    #[error(
        "{path}: written by paths-file format {found}; this offtake reads format {expected}: run its shard again with this offtake"
    )]
    FormatVersion {
        path: PathBuf,
        found: u32,
        expected: u32,
    },
    #[error("{path}: column `{column}` {problem}")]
    BadColumn {
        path: PathBuf,
        column: String,
        problem: String,
    },
    /// Shards of different runs: a different term sheet, seed, path count or shard count.
    #[error(
        "{path}: {what} is {found}, but {expected} in {reference}; shards of different runs cannot be merged"
    )]
    ShardMismatch {
        path: PathBuf,
        reference: PathBuf,
        what: &'static str,
        expected: String,
        found: String,
    },
    #[error(
        "{path}: written for term sheet {found}, but the term sheet given has fingerprint {expected}"
    )]
    ContractMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },
    #[error("{path}: the run was interrupted, so the file holds only part of its shard")]
    PartialShard { path: PathBuf },
    #[error("shard {index}/{count} is given twice ({first} and {second})")]
    DuplicateShard {
        index: u64,
        count: u64,
        first: PathBuf,
        second: PathBuf,
    },
    #[error("shards missing: {missing:?} of {count}; merge needs every shard")]
    MissingShards { missing: Vec<u64>, count: u64 },
    #[error("{path}: path {path_idx} {problem}")]
    BadPathIndex {
        path: PathBuf,
        path_idx: u64,
        problem: &'static str,
    },
    #[error("nothing to merge: give at least one paths file")]
    NothingToMerge,
}

/// `12.3 GB` (decimal units, as `df -H` and memory limits in GB read).
fn human_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.1} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else {
        format!("{b:.0} bytes")
    }
}

/// `100,000,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
