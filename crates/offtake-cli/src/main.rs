//! The `offtake` binary: thin glue over the library crates. Parses flags, loads term sheets,
//! calls the engine, risk, store and report crates, and maps errors to exit codes
//! (0 ok, 1 failure, 2 invalid input).

#![warn(clippy::unwrap_used)]

mod cmd;
mod defaults;
mod error;
mod output;
mod present;
mod termsheet;

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: the server's request path (parse, underwrite, a 130 KB
/// JSON answer) spent about a sixth of its CPU in glibc's malloc and free (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Parser, Subcommand};

/// Underwrite long-duration AI compute offtake contracts.
#[derive(Parser)]
#[command(name = "offtake", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate term sheets and summarise each.
    Check(cmd::check::Args),
    /// Write a commented template term sheet.
    Init(cmd::init::Args),
    /// Run a term sheet and present the result: headline, verdicts, tables (or --json, --csv).
    Underwrite(cmd::underwrite::Args),
    /// Run the base case and every alternative of every sourced term side by side.
    Compare(cmd::compare::Args),
    /// Term sheets in the portfolio database: add, list, show, remove, export, summary.
    Portfolio(cmd::portfolio::Args),
    /// The public deal list in the portfolio database: import a CSV, list conflicting claims.
    Deals(cmd::deals::Args),
    /// SEC XBRL company facts: import a file or fetch from data.sec.gov; annual capex.
    Sec(cmd::sec::Args),
    /// The portfolio database itself: which one, schema version, contents.
    Db(cmd::db::Args),
    /// Monte Carlo over [risk]: distributions, probabilities, tornado; shards and merge.
    Risk(cmd::risk::Args),
    /// Solve for a term: the value at which a verdict, metric bound or probability starts to
    /// hold (or the boundary of one term over another).
    Solve(cmd::solve::Args),
    /// Credit-committee documents: HTML with charts, XLSX with formulas (also CSV, JSON).
    Report(cmd::report::Args),
    /// The HTTP API on the portfolio store (loopback by default; docs/server.md).
    Serve(cmd::serve::Args),
}

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => cmd::check::run(&args),
        Command::Init(args) => cmd::init::run(&args),
        Command::Underwrite(args) => cmd::underwrite::run(&args),
        Command::Compare(args) => cmd::compare::run(&args),
        Command::Portfolio(args) => cmd::portfolio::run(&args),
        Command::Deals(args) => cmd::deals::run(&args),
        Command::Sec(args) => cmd::sec::run(&args),
        Command::Db(args) => cmd::db::run(&args),
        Command::Risk(args) => cmd::risk::run(&args),
        Command::Report(args) => cmd::report::run(&args),
        Command::Solve(args) => cmd::solve::run(&args),
        Command::Serve(args) => cmd::serve::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if let Some(message) = e.message() {
                // Messages quote ids, names and paths from files: no control character reaches
                // the terminal.
                eprintln!("error: {}", offtake_report::sanitize_lines(message));
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// Logs go to stderr, off unless asked for: `OFFTAKE_LOG=debug offtake …` (`RUST_LOG` syntax).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OFFTAKE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
