//! `offtake serve [--db …] [--addr 127.0.0.1:8080]`: the HTTP API (`offtake-server`) on the
//! portfolio store. This module only reads flags, opens the store and starts the server.

use std::net::SocketAddr;
use std::time::Duration;

use offtake_server::{AppState, Limits, ReadAccess, Server, TokenStart};

use crate::cmd::db::{Access, DbArgs, open};
use crate::error::{CliError, CliResult};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on (port 0: any free port). Loopback by default; another address needs
    /// --insecure (TLS is not built into this server: put a TLS proxy in front of it).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
    pub addr: SocketAddr,
    /// Listen on a non-loopback address without TLS: every request then needs the token, and
    /// it travels in clear text.
    #[arg(long)]
    pub insecure: bool,
    /// Make a new write token (the old one stops working) and print it.
    #[arg(long)]
    pub new_token: bool,
    /// Most risk jobs running at once.
    #[arg(long, default_value_t = 2, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=64))]
    pub max_jobs: u64,
    /// Most paths one risk job may run (default 1,000,000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=offtake_model::RiskSpec::MAX_PATHS))]
    pub max_paths: Option<u64>,
    /// Longest a request may take to answer, in seconds.
    #[arg(long, default_value_t = 30, value_name = "S", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

/// Exit code: 2 for flags that cannot run (non-loopback without --insecure), 1 when the store
/// cannot be opened or the address bound; otherwise the server runs until killed.
pub fn run(args: &Args) -> CliResult {
    let loopback = args.addr.ip().is_loopback();
    if !loopback && !args.insecure {
        return Err(CliError::invalid(format!(
            "--addr {} is not a loopback address: this server has no TLS built in, so it would \
             carry the token in clear text; put it behind a TLS proxy and pass --insecure, or \
             listen on 127.0.0.1",
            args.addr
        )));
    }
    if !loopback {
        eprintln!(
            "warning: serving on {} without TLS (--insecure): every request needs the token, which travels in clear text",
            args.addr
        );
    }
    let store = open(&args.db, Access::Write)?;
    let mut limits = Limits {
        max_jobs: usize::try_from(args.max_jobs).unwrap_or(2),
        request_timeout: Duration::from_secs(args.timeout),
        ..Limits::default()
    };
    if let Some(n) = args.max_paths {
        limits.max_paths = n;
    }
    let reads = if loopback {
        ReadAccess::Open
    } else {
        ReadAccess::TokenRequired
    };
    let (state, token) = AppState::new(store, limits, reads, args.new_token)
        .map_err(|e| CliError::failure(format!("starting the server: {e}")))?;
    let server = Server::bind(args.addr, state)
        .map_err(|e| CliError::failure(format!("listening on {}: {e}", args.addr)))?;
    let addr = server
        .local_addr()
        .map_err(|e| CliError::failure(format!("listening on {}: {e}", args.addr)))?;
    let db = offtake_store::Location::parse(&args.db.db).display();
    let mut text = format!(
        "offtake serve: {} (database {db})\nAPI: {}/api/v1 · OpenAPI: {}/api/v1/openapi.json\n",
        offtake_server::url(addr),
        offtake_server::url(addr),
        offtake_server::url(addr)
    );
    match token {
        TokenStart::New(t) => text.push_str(&format!(
            "write token (shown once; only its salted hash is stored): {t}\n"
        )),
        TokenStart::Existing => text.push_str(
            "write token: the one printed when this database was first served (--new-token makes another)\n",
        ),
    }
    crate::output::print_out(&text)?;
    server
        .run()
        .map_err(|e| CliError::failure(format!("serving on {addr}: {e}")))
}
