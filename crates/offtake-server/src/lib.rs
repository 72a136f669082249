//! `offtake serve`: the HTTP API over the library crates and the portfolio store (axum on
//! tokio). The CLI parses flags, opens the store and calls [`Server::bind`] and [`Server::run`];
//! everything else is here. This crate does network IO and reads the clock (job timings,
//! `added_at`, the token's date); the engine, model, finance and risk crates still do neither.
//!
//! Routes, auth, limits and errors: `docs/server.md`; the OpenAPI 3.1 document is generated
//! from the handlers' annotations ([`openapi`]) and served at `/api/v1/openapi.json`.

#![warn(clippy::unwrap_used)]

mod conn;
mod doc;
mod error;
mod jobs;
mod page;
mod portfolio;
mod query;
mod sheet;
mod solve;
mod tls;
pub mod token;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use offtake_store::{ApiToken, PortfolioStore, Store};
use utoipa::OpenApi;

pub use error::{ApiError, DiagnosticJson, ErrorBody};
pub use jobs::{JobState, JobStatus};
pub use tls::{TlsConfig, TlsError};
pub use token::TokenStart;

/// The limits a server enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body of a term-sheet route: the parser's limit (`offtake_model::MAX_BYTES`);
    /// larger bodies get 413.
    pub max_term_sheet_body: usize,
    /// Largest body of an import (deal CSV, SEC JSON).
    pub max_import_body: usize,
    /// Most paths one risk job may run.
    pub max_paths: u64,
    /// Most risk jobs running at once (more get 429).
    pub max_jobs: usize,
    /// Finished jobs kept for their results (the oldest are dropped).
    pub kept_jobs: usize,
    /// Bytes the finished jobs may hold together (their risk documents and paths files: a
    /// 1,000,000-path file of the bundled example is about 139 MB); when a job ends over it,
    /// the oldest other finished jobs are forgotten until it holds. The job that just ended is
    /// always kept, even alone over it.
    pub kept_job_bytes: u64,
    /// Worker threads of one risk job (`None`: every core). Results do not depend on it.
    pub job_threads: Option<usize>,
    /// Longest time a request may take to answer (503 `timeout` after it; a job's event
    /// stream is not cut, only the wait for its first byte).
    pub request_timeout: Duration,
    /// Longest a TLS handshake may take (a server with [`Server::with_tls`]); the connection
    /// is dropped after it.
    pub tls_handshake_timeout: Duration,
    /// Most connections open at once (TLS handshakes under way included); a connection beyond
    /// it is closed at once, before anything is read from it.
    pub max_connections: usize,
    /// Most TLS handshakes under way at once; a connection beyond it is closed at once.
    pub max_tls_handshakes: usize,
    /// Longest wait for a request's complete head, from when the server starts waiting for it:
    /// on a new connection (after its TLS handshake) and after each answer on a kept-alive one,
    /// so an idle connection is closed after it too.
    pub header_read_timeout: Duration,
    /// A connection on which no byte moves either way for this long while no handler is
    /// working on one of its requests (a client that stops reading an answer or sending a
    /// body) is closed. A job's event stream sends a keep-alive comment well within it.
    pub idle_timeout: Duration,
    /// When the server is told to stop ([`Server::run_until`]): how long requests under way may
    /// take to finish before their connections are dropped.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_term_sheet_body: offtake_model::MAX_BYTES,
            max_import_body: 32 * 1024 * 1024,
            // The CLI allows 100 million (in shards); one server job holds its table in memory.
            max_paths: 1_000_000,
            max_jobs: 2,
            kept_jobs: 16,
            kept_job_bytes: 512 * 1024 * 1024,
            job_threads: None,
            request_timeout: Duration::from_secs(30),
            tls_handshake_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_tls_handshakes: 256,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Who may read: on a loopback address anyone who can connect; elsewhere only token holders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadAccess {
    Open,
    TokenRequired,
}

struct Shared {
    store: Mutex<Store>,
    token: ApiToken,
    limits: Limits,
    reads: ReadAccess,
    jobs: jobs::Jobs,
    /// Cancellable request work ([`blocking_cancellable`]) running now.
    working: AtomicUsize,
}

/// The state every handler sees.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// A server's state on `store`: makes the write token on first start (or a new one with
    /// `rotate_token`) and says whether it was made now ([`TokenStart::New`] carries the only
    /// copy of it) or the stored one is kept.
    pub fn new(
        mut store: Store,
        limits: Limits,
        reads: ReadAccess,
        rotate_token: bool,
    ) -> Result<(AppState, TokenStart), String> {
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let (start, token) = token::ensure(store.portfolio(), rotate_token, &now)?;
        let shared = Shared {
            store: Mutex::new(store),
            token,
            limits,
            reads,
            jobs: jobs::Jobs::default(),
            working: AtomicUsize::new(0),
        };
        Ok((AppState(Arc::new(shared)), start))
    }

    fn limits(&self) -> Limits {
        self.0.limits
    }

    fn jobs(&self) -> &jobs::Jobs {
        &self.0.jobs
    }

    /// How many requests' cancellable work (compare, solve) is running now on blocking threads,
    /// including the work of requests already answered (timed out) or abandoned (the client
    /// closed the connection) that has not yet noticed it is cancelled. Tests read it to see
    /// abandoned work stop.
    pub fn working(&self) -> usize {
        self.0.working.load(Ordering::SeqCst)
    }

    /// Bytes the finished risk jobs hold now (their documents and paths files), what
    /// [`Limits::kept_job_bytes`] bounds.
    pub fn held_job_bytes(&self) -> u64 {
        self.0.jobs.held_bytes()
    }

    /// Runs `f` on the store on a blocking thread (the store's calls block).
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn PortfolioStore) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        blocking(move || {
            let mut store = state.0.store.lock().unwrap_or_else(|p| p.into_inner());
            f(store.portfolio())
        })
        .await
    }
}

/// Runs CPU-bound or blocking work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(ApiError::internal("the request", e)),
    }
}

/// Bodies up to this size are worked on (checked, underwritten) on the async worker that reads
/// the request, without the hand-off to a blocking thread and back: the example's underwrite
/// takes a few hundred microseconds, less than the two thread wake-ups and the queueing of
/// many blocking threads on few cores cost under load. Larger bodies (up to the parser's
/// 4 MiB, which can take far longer) still go to a blocking thread, so a worker never stalls
/// long and the time limit can answer.
pub const INLINE_BODY: usize = 64 * 1024;

/// Runs short CPU-bound work on `body_len` bytes: in place when `body_len <= INLINE_BODY`, else
/// as [`blocking`]. A panic in `f` (a bug: no input should cause one) becomes a 500 either way,
/// as a blocking thread's would.
async fn compute<T: Send + 'static>(
    body_len: usize,
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    if body_len > INLINE_BODY {
        return blocking(f).await;
    }
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => Err(ApiError::internal("the request", "it panicked")),
    }
}

/// Set when the request whose work it is has gone: its handler's future was dropped, because the
/// time limit answered 503 or the client closed the connection. The work reads the flag
/// between engine runs and stops.
struct CancelOnDrop(Arc<AtomicBool>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Counts one piece of work in [`AppState::working`] while it lives.
struct Working<'a>(&'a AtomicUsize);

impl<'a> Working<'a> {
    fn start(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Working(count)
    }
}

impl Drop for Working<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// [`blocking`] for long work (compare, solve) that nobody may wait for: `f` gets a flag that is
/// set when the request is gone (time limit or closed connection: the handler's future is
/// dropped), reads it between its runs and gives up (an error nobody sees). Without it, a
/// blocking thread would run an abandoned 4,096-run comparison to its end.
async fn blocking_cancellable<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&AtomicBool) -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let cancel = Arc::new(AtomicBool::new(false));
    let _guard = CancelOnDrop(cancel.clone());
    let state = state.clone();
    blocking(move || {
        let _working = Working::start(&state.0.working);
        f(&cancel)
    })
    .await
}

/// The answer to work that stopped because its request was gone (seen only if the connection
/// is still there, e.g. when the flag was set just as the work ended): as the time limit's.
fn cancelled() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        "the request was abandoned (time limit or closed connection) and its work stopped",
    )
}

/// Whether a route changes the store (and so needs the token even on loopback).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// What a route's body is, for its size limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Body {
    None,
    TermSheet,
    Import,
}

/// One route: method, path (OpenAPI's `{param}` syntax, which axum shares), who may call it.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    /// Whether its handler reads query parameters (and refuses those it does not know); a route
    /// without any answers 400 `bad_query` to every parameter.
    pub query: bool,
    body: Body,
    handler: MethodRouter<AppState>,
}

fn route(
    method: Method,
    path: &'static str,
    access: Access,
    body: Body,
    handler: MethodRouter<AppState>,
) -> Route {
    Route {
        method,
        path,
        access,
        query: false,
        body,
        handler,
    }
}

/// `r`, whose handler reads its query parameters.
fn with_query(r: Route) -> Route {
    Route { query: true, ..r }
}

/// Every route of the API. The router is built from this list, and a test holds it equal to
/// the OpenAPI document's paths.
pub fn routes() -> Vec<Route> {
    use Access::{Read, Write};
    use axum::routing::{delete, put};
    let (g, p) = (Method::GET, Method::POST);
    vec![
        route(g.clone(), "/api/v1/health", Read, Body::None, get(health)),
        route(
            g.clone(),
            "/api/v1/openapi.json",
            Read,
            Body::None,
            get(openapi_json),
        ),
        with_query(route(
            p.clone(),
            "/api/v1/check",
            Read,
            Body::TermSheet,
            post(sheet::check),
        )),
        with_query(route(
            p.clone(),
            "/api/v1/underwrite",
            Read,
            Body::TermSheet,
            post(sheet::underwrite_route),
        )),
        with_query(route(
            p.clone(),
            "/api/v1/compare",
            Read,
            Body::TermSheet,
            post(sheet::compare),
        )),
        with_query(route(
            p.clone(),
            "/api/v1/report",
            Read,
            Body::TermSheet,
            post(sheet::report),
        )),
        with_query(route(
            p.clone(),
            "/api/v1/solve",
            Read,
            Body::TermSheet,
            post(solve::solve_route),
        )),
        with_query(route(
            p.clone(),
            "/api/v1/risk",
            Read,
            Body::TermSheet,
            post(jobs::start),
        )),
        route(
            g.clone(),
            "/api/v1/jobs/{id}",
            Read,
            Body::None,
            get(jobs::status),
        ),
        route(
            Method::DELETE,
            "/api/v1/jobs/{id}",
            Read,
            Body::None,
            delete(jobs::cancel),
        ),
        with_query(route(
            g.clone(),
            "/api/v1/jobs/{id}/events",
            Read,
            Body::None,
            get(jobs::events),
        )),
        route(
            g.clone(),
            "/api/v1/jobs/{id}/result",
            Read,
            Body::None,
            get(jobs::result),
        ),
        route(
            g.clone(),
            "/api/v1/jobs/{id}/histogram",
            Read,
            Body::None,
            get(jobs::histogram),
        ),
        route(
            g.clone(),
            "/api/v1/jobs/{id}/paths",
            Read,
            Body::None,
            get(jobs::paths),
        ),
        route(
            g.clone(),
            "/api/v1/portfolio",
            Read,
            Body::None,
            get(portfolio::list),
        ),
        with_query(route(
            p.clone(),
            "/api/v1/portfolio",
            Write,
            Body::TermSheet,
            post(portfolio::add),
        )),
        route(
            g.clone(),
            "/api/v1/portfolio/summary",
            Read,
            Body::None,
            get(portfolio::summary),
        ),
        route(
            g.clone(),
            "/api/v1/portfolio/{id}",
            Read,
            Body::None,
            get(portfolio::show),
        ),
        with_query(route(
            Method::PUT,
            "/api/v1/portfolio/{id}",
            Write,
            Body::TermSheet,
            put(portfolio::put),
        )),
        route(
            Method::DELETE,
            "/api/v1/portfolio/{id}",
            Write,
            Body::None,
            delete(portfolio::remove),
        ),
        route(
            g.clone(),
            "/api/v1/portfolio/{id}/toml",
            Read,
            Body::None,
            get(portfolio::export),
        ),
        with_query(route(
            g.clone(),
            "/api/v1/portfolio/{id}/report",
            Read,
            Body::None,
            get(portfolio::report),
        )),
        route(
            g.clone(),
            "/api/v1/deals",
            Read,
            Body::None,
            get(portfolio::deals),
        ),
        route(
            p.clone(),
            "/api/v1/deals",
            Write,
            Body::Import,
            post(portfolio::import_deals),
        ),
        with_query(route(
            g.clone(),
            "/api/v1/deals/conflicts",
            Read,
            Body::None,
            get(portfolio::conflicts),
        )),
        route(
            g.clone(),
            "/api/v1/sec/capex",
            Read,
            Body::None,
            get(portfolio::capex),
        ),
        route(
            p,
            "/api/v1/sec",
            Write,
            Body::Import,
            post(portfolio::import_sec),
        ),
        route(
            g.clone(),
            "/api/v1/sec/{cik}/capex",
            Read,
            Body::None,
            get(portfolio::capex_of),
        ),
        route(
            g,
            "/api/v1/sec/{cik}/facts",
            Read,
            Body::None,
            get(portfolio::facts),
        ),
    ]
}

#[derive(OpenApi)]
#[openapi(
    info(title = "offtake", description = "Underwrite AI compute offtake contracts: check, underwrite, compare, risk jobs, the portfolio store. See docs/server.md."),
    paths(
        health, openapi_json,
        sheet::check, sheet::underwrite_route, sheet::compare, sheet::report, solve::solve_route,
        jobs::start, jobs::status, jobs::cancel, jobs::events, jobs::result, jobs::histogram,
        jobs::paths,
        portfolio::list, portfolio::add, portfolio::summary, portfolio::show, portfolio::put,
        portfolio::remove, portfolio::export, portfolio::report, portfolio::deals,
        portfolio::import_deals, portfolio::conflicts, portfolio::capex, portfolio::import_sec,
        portfolio::capex_of, portfolio::facts,
    ),
    modifiers(&Security),
)]
struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI 3.1 document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc::add_shared(&mut doc, &routes());
    if let Some(d) = doc.info.description.as_mut() {
        d.push_str(doc::NOTE);
    }
    doc
}

/// `{ "status": "ok", "version": … }`.
#[utoipa::path(get, path = "/api/v1/health", tag = "server",
    responses((status = 200, description = "The server answers.", body = serde_json::Value)))]
async fn health() -> Response {
    axum::Json(serde_json::json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
        .into_response()
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "server",
    responses((status = 200, description = "The OpenAPI 3.1 document.", body = serde_json::Value)))]
async fn openapi_json() -> Response {
    match openapi().to_pretty_json() {
        Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(e) => ApiError::internal("the OpenAPI document", e).into_response(),
    }
}

/// The router of the API on `state`.
pub fn router(state: AppState) -> Router {
    let limits = state.limits();
    let mut router: Router<AppState> = Router::new();
    for r in routes() {
        let limit = match r.body {
            Body::None => 64 * 1024,
            Body::TermSheet => limits.max_term_sheet_body,
            Body::Import => limits.max_import_body,
        };
        let gate = middleware::from_fn_with_state((state.clone(), r.access), authorize);
        let mut handler = r.handler.layer(DefaultBodyLimit::max(limit));
        if !r.query {
            handler = handler.layer(middleware::from_fn(no_query));
        }
        router = router.route(r.path, handler.layer(gate));
    }
    router
        .merge(page::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(
            limits.request_timeout,
            time_limit,
        ))
        .layer(middleware::map_response(json_errors))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route; the routes are listed at /api/v1/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take this method; see /api/v1/openapi.json",
    )
}

/// Writes need the bearer token; reads too unless the server is on loopback.
async fn authorize(
    State((state, access)): State<(AppState, Access)>,
    request: Request,
    next: Next,
) -> Response {
    let needed = access == Access::Write || state.0.reads == ReadAccess::TokenRequired;
    if needed {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(bearer);
        let ok = presented.is_some_and(|t| token::verify(&state.0.token, t));
        if !ok {
            let message = if presented.is_some() {
                "the bearer token is not this server's"
            } else if access == Access::Write {
                "writes need the server's token: Authorization: Bearer otk_… (printed when the server first started)"
            } else {
                "this server is not on loopback: every request needs Authorization: Bearer otk_…"
            };
            return ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
                .into_response();
        }
    }
    next.run(request).await
}

/// The token of an `Authorization: Bearer TOKEN` header value. The scheme is matched without
/// regard to case (RFC 9110 §11.1: `bearer`, `BEARER`), and one or more spaces may follow it.
fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// A route that takes no query parameter refuses any (400 `bad_query`, as a parameter another
/// route does not know), rather than ignoring it.
async fn no_query(request: Request, next: Next) -> Response {
    if let Err(e) = query::Query::parse(request.uri().query(), &[]) {
        return e.into_response();
    }
    next.run(request).await
}

/// Answers 503 `timeout` when a handler takes longer than the limit.
async fn time_limit(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(r) => r,
        Err(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            format!("the request took longer than {} s", limit.as_secs_f64()),
        )
        .into_response(),
    }
}

/// Errors the framework answers itself (body over the limit, a bad path) become the API's JSON.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let message = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            "the body is larger than this route takes (docs/server.md: limits)".to_string()
        }
        s => s.canonical_reason().unwrap_or("error").to_string(),
    };
    let mut out = ApiError::new(status, error::code_of_status(status), message).into_response();
    if let Some(allow) = response.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// A bound, not yet running, server.
pub struct Server {
    listener: tokio::net::TcpListener,
    runtime: tokio::runtime::Runtime,
    state: AppState,
    tls: Option<TlsConfig>,
}

impl Server {
    /// Binds `addr` (port 0: any free port) on a new multi-threaded runtime. It serves plain
    /// HTTP unless given [`Server::with_tls`].
    pub fn bind(addr: SocketAddr, state: AppState) -> std::io::Result<Server> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let listener = runtime.block_on(tokio::net::TcpListener::bind(addr))?;
        Ok(Server {
            listener,
            runtime,
            state,
            tls: None,
        })
    }

    /// Serves HTTPS with `tls` instead of plain HTTP.
    pub fn with_tls(self, tls: TlsConfig) -> Server {
        Server {
            tls: Some(tls),
            ..self
        }
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Its base URL: `http://…`, or `https://…` with TLS.
    pub fn url(&self) -> std::io::Result<String> {
        let addr = self.local_addr()?;
        Ok(match self.tls {
            Some(_) => https_url(addr),
            None => url(addr),
        })
    }

    /// Its runtime's handle: what must be made on the runtime before [`Server::run_until`]
    /// (e.g. signal listeners, so a signal sent once the server is announced is not missed)
    /// is made within `handle().enter()`.
    pub fn handle(&self) -> tokio::runtime::Handle {
        self.runtime.handle().clone()
    }

    /// Serves until the process ends (or the listener fails).
    pub fn run(self) -> std::io::Result<()> {
        self.run_until(std::future::pending()).map(|_| ())
    }

    /// Serves until `shutdown` ends, then stops: the listener is closed at once (new connections
    /// are refused), running risk jobs are cancelled (their event streams end `cancelled`) and
    /// no new one starts, requests under way may finish within [`Limits::shutdown_grace`], and
    /// the connections still open after it are dropped. Returns within the grace (and a moment).
    pub fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<Stopped> {
        let Server {
            listener,
            runtime,
            state,
            tls,
        } = self;
        let limits = state.limits();
        let acceptor = tls.map(|tls| tls.acceptor());
        let jobs = state.clone();
        let served = runtime.block_on(conn::serve(
            listener,
            router(state),
            limits,
            acceptor,
            shutdown,
            move || jobs.jobs().stop(),
        ));
        // Work that has not noticed it is cancelled (a blocking thread between engine runs) is
        // not waited for.
        runtime.shutdown_background();
        served
    }
}

/// What [`Server::run_until`] did when it stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Requests answered after the stop began (those under way then).
    pub requests_answered: usize,
    /// Connections still open at the end of the grace period, dropped.
    pub connections_dropped: usize,
    /// Risk jobs that were running, cancelled.
    pub jobs_cancelled: usize,
}

/// TCP_NODELAY on an accepted connection: an answer is written whole at once, so Nagle's
/// algorithm could only hold its last segment back until the client acknowledges the ones before.
pub(crate) fn nodelay(tcp: &tokio::net::TcpStream) {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!("TCP_NODELAY not set on a connection: {e}");
    }
}

/// The base URL of a plain-HTTP server on `addr` (`http://127.0.0.1:8080`).
pub fn url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// The base URL of an HTTPS server on `addr` (`https://127.0.0.1:8443`).
pub fn https_url(addr: SocketAddr) -> String {
    format!("https://{addr}")
}

#[allow(dead_code)]
fn _assert_send() {
    fn is_send<T: Send>() {}
    is_send::<Store>();
    let _ = HeaderValue::from_static("");
}
