//! `offtake serve [--db …] [--addr 127.0.0.1:8080] [--tls-cert FILE --tls-key FILE]`: the HTTP
//! API (`offtake-server`) on the portfolio store. This module only reads flags, loads the TLS
//! files, opens the store and starts the server.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use offtake_server::{AppState, Limits, ReadAccess, Server, TlsConfig, TokenStart};

use crate::cmd::db::{Access, DbArgs, open};
use crate::error::{CliError, CliResult};

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub db: DbArgs,
    /// Address to listen on (port 0: any free port). Loopback by default; another address needs
    /// --tls-cert and --tls-key, or --insecure.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
    pub addr: SocketAddr,
    /// Serve HTTPS with this PEM certificate chain (the server's certificate first); needs
    /// --tls-key. On a non-loopback address every request then needs the token.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The PEM private key (PKCS#8, PKCS#1 or SEC1) of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Listen on a non-loopback address without TLS (e.g. behind a TLS proxy): every request
    /// then needs the token, and it travels in clear text. Not with --tls-cert/--tls-key.
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
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
    /// On SIGTERM or SIGINT the server stops accepting connections, cancels its risk jobs and
    /// lets requests under way finish for up to this many seconds before it drops them and
    /// exits 0. Under Kubernetes, keep terminationGracePeriodSeconds above it.
    #[arg(long, default_value_t = 10, value_name = "S", value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub shutdown_grace: u64,
}

/// Exit code: 2 for flags that cannot run (non-loopback without TLS or --insecure; TLS files
/// that cannot be read or used), checked before the store is opened or the port bound; 1 when
/// the store cannot be opened or the address bound; 0 when it stopped on SIGTERM or SIGINT
/// (after its grace period at the latest).
pub fn run(args: &Args) -> CliResult {
    let loopback = args.addr.ip().is_loopback();
    // clap refuses one of the two TLS flags alone, and either with --insecure.
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(load_tls(cert, key)?),
        _ => None,
    };
    if !loopback && tls.is_none() && !args.insecure {
        return Err(CliError::invalid(format!(
            "--addr {} is not a loopback address: without TLS the token would travel in clear \
             text; give --tls-cert FILE --tls-key FILE, or put the server behind a TLS proxy and \
             pass --insecure, or listen on 127.0.0.1",
            args.addr
        )));
    }
    if !loopback && tls.is_none() {
        eprintln!(
            "warning: serving on {} without TLS (--insecure): every request needs the token, which travels in clear text",
            args.addr
        );
    }
    let store = open(&args.db, Access::Write)?;
    let mut limits = Limits {
        max_jobs: usize::try_from(args.max_jobs).unwrap_or(2),
        request_timeout: Duration::from_secs(args.timeout),
        shutdown_grace: Duration::from_secs(args.shutdown_grace),
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
    let mut server = Server::bind(args.addr, state)
        .map_err(|e| CliError::failure(format!("listening on {}: {e}", args.addr)))?;
    if let Some(tls) = tls {
        server = server.with_tls(tls);
    }
    let (addr, url) = server
        .local_addr()
        .and_then(|addr| Ok((addr, server.url()?)))
        .map_err(|e| CliError::failure(format!("listening on {}: {e}", args.addr)))?;
    let db = offtake_store::Location::parse(&args.db.db).display();
    let mut text = format!(
        "offtake serve: {url} (database {db})\nAPI: {url}/api/v1 · OpenAPI: {url}/api/v1/openapi.json\n"
    );
    match token {
        TokenStart::New(t) => text.push_str(&format!(
            "write token (shown once; only its salted hash is stored): {t}\n"
        )),
        TokenStart::Existing => text.push_str(
            "write token: the one printed when this database was first served (--new-token makes another)\n",
        ),
    }
    // Listening for the signals starts before the server is announced, so none is missed.
    let signals = {
        let _runtime = server.handle().enter();
        stop_signals().map_err(|e| CliError::failure(format!("listening for signals: {e}")))?
    };
    crate::output::print_out(&text)?;
    let caught = std::sync::Arc::new(std::sync::OnceLock::new());
    let caught_by_server = std::sync::Arc::clone(&caught);
    let stopped = server
        .run_until(async move {
            let _ = caught_by_server.set(signals.await);
        })
        .map_err(|e| CliError::failure(format!("serving on {addr}: {e}")))?;
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    eprintln!(
        "offtake serve: stopped ({}): {} answered while stopping, {} cut at the {} s grace, {} cancelled",
        caught.get().copied().unwrap_or("signal"),
        plural(stopped.requests_answered, "request"),
        plural(stopped.connections_dropped, "connection"),
        args.shutdown_grace,
        plural(stopped.jobs_cancelled, "risk job"),
    );
    Ok(())
}

/// Ends with the name of the first SIGTERM or SIGINT (Ctrl-C) caught; must be called on the
/// server's runtime.
#[cfg(unix)]
fn stop_signals() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    use tokio::signal::unix::{SignalKind, signal};
    let (mut term, mut int) = (
        signal(SignalKind::terminate())?,
        signal(SignalKind::interrupt())?,
    );
    Ok(async move {
        tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = int.recv() => "SIGINT",
        }
    })
}

/// Ends on the first Ctrl-C.
#[cfg(not(unix))]
fn stop_signals() -> std::io::Result<impl std::future::Future<Output = &'static str>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    })
}

/// Largest TLS file read: a chain of a few certificates is a few KiB.
const MAX_TLS_FILE: u64 = 1024 * 1024;

/// The certificate chain and key of `--tls-cert` and `--tls-key`; any problem is exit 2 and
/// names its file.
fn load_tls(cert: &Path, key: &Path) -> Result<TlsConfig, CliError> {
    let read = |path: &Path, what: &str| {
        use std::io::Read;
        let fail = |e: &dyn std::fmt::Display| {
            CliError::invalid(format!("{}: cannot read the {what}: {e}", path.display()))
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_TLS_FILE + 1).read_to_end(&mut bytes))
            .map_err(|e| fail(&e))?;
        if bytes.len() as u64 > MAX_TLS_FILE {
            return Err(fail(&"larger than 1 MiB"));
        }
        Ok(bytes)
    };
    let (cert_pem, key_pem) = (
        read(cert, "TLS certificate")?,
        read(key, "TLS private key")?,
    );
    TlsConfig::from_pem(
        &cert_pem,
        &key_pem,
        &cert.display().to_string(),
        &key.display().to_string(),
    )
    .map_err(CliError::invalid)
}
