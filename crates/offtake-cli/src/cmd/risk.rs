//! `offtake risk FILE`: Monte Carlo over `[risk]` (MODEL.md §10), with a progress bar, Ctrl-C
//! that keeps finished paths, `--paths-out` Parquet, `--shard I/N` scale-out and
//! `offtake risk merge` to combine shards into exactly the single-run result.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use offtake_model::{Contract, RiskSpec, Variant};
use offtake_report::risk_terminal;
use offtake_risk::{
    Control, RiskReport, RunConfig, RunOptions, Shard, drivers, merge, merge_with_factors, report,
    simulate, write_paths,
};

use offtake_report::files::Kind;

use crate::error::{CliError, CliResult, INTERRUPTED};
use crate::output::{check_extension, pretty, print_out, refuse_inputs, write_atomic};
use crate::termsheet::load;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Sub>,
    /// The term sheet ([risk] gives the factors, seed and paths).
    #[arg(required = true)]
    pub file: Option<PathBuf>,
    /// Number of paths (default: [risk] paths, else 10,000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=RiskSpec::MAX_PATHS))]
    pub paths: Option<u64>,
    /// Seed (default: [risk] seed, else 0). Path i's draws depend on (seed, i) only.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub threads: Option<u64>,
    /// Print the full result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// No progress bar and no timing line on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    /// Write one row per path (index, factors drawn, metrics, flags) to FILE as Parquet.
    #[arg(long, value_name = "FILE")]
    pub paths_out: Option<PathBuf>,
    /// Run only paths i ≡ I (mod N) and write them to --paths-out, for `offtake risk merge`.
    #[arg(long, value_name = "I/N", conflicts_with = "shards")]
    pub shard: Option<Shard>,
    /// Run shard I of N, I read from $JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or
    /// $SLURM_ARRAY_TASK_ID (Slurm array).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub shards: Option<u64>,
    /// Run an alternative of a sourced term: TERM=N (repeatable).
    #[arg(long = "variant", value_name = "TERM=N")]
    pub variants: Vec<Variant>,
    /// Show every statistic (P5, P95, min, max) and the tornado's settings in their own
    /// columns, wider than 120 columns.
    #[arg(long)]
    pub wide: bool,
    /// Say, per verdict, the conditions on the factors drawn under which its probability
    /// changes most (keeps each path's factors in memory). A shard run cannot: give it to
    /// `offtake risk merge`.
    #[arg(long, conflicts_with_all = ["shard", "shards"])]
    pub drivers: bool,
    /// Also decompose the variance: first-order and total Sobol indices of every factor
    /// (Saltelli 2010 / Jansen 1999 on a scrambled Sobol design), with bootstrap intervals.
    #[arg(long, value_name = "METHOD")]
    pub sensitivity: Option<Sensitivity>,
    /// Base paths N of the Sobol design (N·(factors + 2) engine runs; default 16,384).
    #[arg(long, value_name = "N", requires = "sensitivity",
          value_parser = clap::value_parser!(u64).range(offtake_risk::sobol::MIN_BASE_PATHS..=offtake_risk::sobol::MAX_BASE_PATHS))]
    pub base_paths: Option<u64>,
}

/// A variance-based sensitivity method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Sensitivity {
    /// First-order and total Sobol indices.
    Sobol,
}

#[derive(clap::Subcommand)]
pub enum Sub {
    /// Combine the --paths-out files of every shard into the result a single run gives.
    Merge(MergeArgs),
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// The term sheet the shards ran (checked against each file's fingerprint).
    pub file: PathBuf,
    /// The shards' paths files, in any order.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Print the full result as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// The variants the shards ran with: TERM=N (repeatable).
    #[arg(long = "variant", value_name = "TERM=N")]
    pub variants: Vec<Variant>,
    /// Accepted as `offtake risk -q` is (merge shows no progress: only errors reach stderr).
    #[arg(short, long)]
    pub quiet: bool,
    /// Every statistic and the tornado's settings in their own columns (wider than 120).
    #[arg(long)]
    pub wide: bool,
    /// The drivers of each verdict, from the merged paths (as `offtake risk --drivers`).
    #[arg(long)]
    pub drivers: bool,
}

/// Set by Ctrl-C; a second Ctrl-C exits at once.
static CANCEL: AtomicBool = AtomicBool::new(false);

/// Exit code: 0 ok, 2 invalid input (flags or term sheet), 1 other failures, 130 interrupted.
pub fn run(args: &Args) -> CliResult {
    if let Some(Sub::Merge(m)) = &args.command {
        return run_merge(m);
    }
    let Some(file) = &args.file else {
        return Err(CliError::invalid("give a term sheet: offtake risk FILE"));
    };
    // Flags first: nothing is read or run when they are wrong.
    let shard = resolve_shard(args)?;
    if shard.is_some() && args.paths_out.is_none() {
        return Err(CliError::invalid(
            "a shard run needs --paths-out FILE (merge combines those files)",
        ));
    }
    // A long run must not end on a directory that does not exist, nor write over its input.
    if let Some(out) = &args.paths_out {
        refuse_inputs(&[("--paths-out", out)], &[file])?;
        check_extension("--paths-out", out, Kind::Parquet)?;
        let dir = out.parent().filter(|d| !d.as_os_str().is_empty());
        if dir.is_some_and(|d| !d.is_dir()) {
            return Err(CliError::invalid(format!(
                "--paths-out {}: the directory does not exist",
                out.display()
            )));
        }
    }
    let loaded = load(file, &args.variants)?;
    let contract = &loaded.contract;
    let options = RunOptions {
        seed: args.seed,
        n_paths: args.paths,
        threads: args.threads.map(|k| usize::try_from(k).unwrap_or(1)),
        shard,
        keep_factors: args.paths_out.is_some() || args.drivers,
        sobol: args.sensitivity.map(|Sensitivity::Sobol| {
            args.base_paths
                .unwrap_or(offtake_risk::sobol::DEFAULT_BASE_PATHS)
        }),
    };
    let config = RunConfig::new(contract, options).map_err(CliError::invalid)?;
    if contract.risk.is_none() && !args.quiet {
        if contract.parties().iter().any(|(_, _, c)| c.is_some()) {
            eprintln!(
                "note: {} has no [risk] table: only the default times of the parties with a credit vary",
                loaded.path
            );
        } else {
            eprintln!(
                "note: {} has no [risk] table: every factor stays at base, so every path is the base case",
                loaded.path
            );
        }
    }

    install_ctrlc();
    let shard_paths = config.shard_paths();
    let bar = progress_bar(shard_paths, args.quiet);
    let tick = |n: u64| {
        if let Some(b) = &bar {
            b.inc(n);
        }
    };
    let control = Control {
        cancel: Some(&CANCEL),
        progress: Some(&tick),
    };
    let started = Instant::now();
    let sim = simulate(contract, &config, control)?;
    let elapsed = started.elapsed().as_secs_f64();
    tracing::info!(
        paths = sim.table.len(),
        threads = config.threads(),
        seconds = elapsed,
        partial = sim.partial,
        "monte carlo run finished"
    );
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if !args.quiet {
        let (n, threads) = (sim.table.len(), config.threads());
        eprintln!(
            "{}",
            risk_terminal::timing(n, elapsed, threads, sim.partial)
        );
    }
    if let Some(path) = &args.paths_out {
        // Risk writes into the temporary file; write_atomic syncs and renames it.
        write_atomic(path, |tmp| {
            write_paths(tmp.as_file_mut(), contract, &sim)
                .map_err(|e| CliError::failure(format!("{}: {e}", path.display())))
        })?;
        if !args.quiet {
            eprintln!("wrote {}", path.display());
        }
    }
    let done = if sim.partial {
        Err(CliError::Interrupted)
    } else {
        Ok(())
    };
    if shard.is_some() {
        let (n, of) = (sim.table.len(), config.total_rows());
        print_out(&risk_terminal::shard_done(
            config.shard(),
            n,
            of,
            sim.partial,
            &loaded.path,
        ))?;
        return done;
    }
    let started = Instant::now();
    let mut r = report(contract, &sim)?;
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        "statistics and tornado computed"
    );
    if args.drivers {
        let started = Instant::now();
        r.drivers = Some(drivers(contract, &*sim.paths_table()?)?);
        tracing::debug!(
            seconds = started.elapsed().as_secs_f64(),
            "drivers computed"
        );
    }
    let started = Instant::now();
    print_report(&r, contract, args.json, args.wide)?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "report printed");
    done
}

fn run_merge(m: &MergeArgs) -> CliResult {
    let loaded = load(&m.file, &m.variants)?;
    let contract = &loaded.contract;
    let mut shards = Vec::with_capacity(m.shards.len());
    for path in &m.shards {
        let file = std::fs::File::open(path)
            .map_err(|e| CliError::failure(format!("{}: {e}", path.display())))?;
        shards.push((path.clone(), file));
    }
    let merged = if m.drivers {
        merge_with_factors(contract, shards)?
    } else {
        merge(contract, shards)?
    };
    let mut r = report(contract, &merged)?;
    if m.drivers {
        r.drivers = Some(drivers(contract, &*merged.paths_table()?)?);
    }
    print_report(&r, contract, m.json, m.wide)
}

/// `--shard I/N`, or `--shards N` with I from the scheduler's environment.
fn resolve_shard(args: &Args) -> CliResult<Option<Shard>> {
    if let Some(s) = args.shard {
        return Ok(Some(s));
    }
    let Some(count) = args.shards else {
        return Ok(None);
    };
    Shard::from_scheduler(count, |v| std::env::var(v).ok())
        .map(Some)
        .map_err(CliError::invalid)
}

fn install_ctrlc() {
    let result = ctrlc::set_handler(|| {
        if CANCEL.swap(true, Ordering::SeqCst) {
            // Second Ctrl-C: the user wants out now.
            std::process::exit(i32::from(INTERRUPTED));
        }
        eprintln!("\ninterrupted: finishing the paths under way (Ctrl-C again to quit at once)");
    });
    if let Err(e) = result {
        eprintln!("warning: Ctrl-C will not stop the run cleanly: {e}");
    }
}

fn progress_bar(len: u64, quiet: bool) -> Option<indicatif::ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(len);
    let rate = |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
        let _ = w.write_str(&risk_terminal::progress_rate(state.per_sec()));
    };
    let style = indicatif::ProgressStyle::with_template(&risk_terminal::progress_template(len))
        .map(|s| s.with_key("rate", rate).progress_chars("=> "));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    Some(bar)
}

fn print_report(r: &RiskReport, contract: &Contract, json: bool, wide: bool) -> CliResult {
    let text = if json {
        pretty(r)?
    } else {
        let screen = crate::present::screen(wide, false);
        risk_terminal::risk(r, contract, &screen)
    };
    print_out(&text)
}
