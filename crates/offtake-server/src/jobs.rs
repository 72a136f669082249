//! Risk as asynchronous jobs: `POST /api/v1/risk` starts a Monte Carlo run on its own thread and
//! answers 202 with the job; `GET /api/v1/jobs/{id}` says how far it is; `…/events` streams the
//! progress as server-sent events; `…/result` is exactly `offtake risk --json`; `…/paths` the
//! per-path Parquet file (when asked for with `paths_file=true`); `DELETE` cancels.
//!
//! Rule for disconnects: a client that opens `…/events?cancel_on_disconnect=true` (or starts the
//! job with `POST /api/v1/risk?stream=true`, which answers with that stream at once) owns the job:
//! when its connection closes before the job ends, the job is cancelled. Other watchers only
//! watch. A job nobody watches runs to its end and is kept until `limits.kept_jobs` newer jobs
//! have finished, or until the finished jobs' answers hold more than `limits.kept_job_bytes`
//! (the oldest go first).

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use offtake_model::Contract;
use offtake_risk::{
    Control, PathMetric, RunConfig, RunOptions, Simulation, drivers, report, simulate, write_paths,
};
use serde::Serialize;
use tokio::sync::watch;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::query::Query;
use crate::sheet::{parse_body, toml_body};
use crate::{AppState, blocking};

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    Done,
    Cancelled,
    Failed,
}

/// `GET /api/v1/jobs/{id}` (and every event of the stream).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobStatus {
    pub id: u64,
    pub state: JobState,
    /// Paths finished so far.
    pub done_paths: u64,
    /// Paths the job runs.
    pub total_paths: u64,
    pub seed: u64,
    /// Seconds since the job started (until it ended, once it has).
    pub elapsed_seconds: f64,
    /// Why it failed (`failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether `GET …/paths` has a Parquet file (`paths_file=true` and done).
    pub paths_file: bool,
}

enum Outcome {
    Running,
    /// The risk document and, with `paths_file=true`, the per-path Parquet file, each encoded
    /// once when the job ended and shared by every request (the per-path table itself is
    /// dropped then).
    Done {
        json: Bytes,
        paths: Option<SharedFile>,
    },
    Cancelled,
    Failed(String),
}

pub struct Job {
    id: u64,
    total: u64,
    seed: u64,
    keep_paths: bool,
    /// `offtake risk --drivers`: the report says each verdict's drivers.
    with_drivers: bool,
    contract: Contract,
    started: Instant,
    done_paths: AtomicU64,
    cancel: AtomicBool,
    outcome: Mutex<(Outcome, Option<f64>)>,
    /// Bumped on every progress tick and at the end; SSE streams wait on it.
    changed: watch::Sender<u64>,
    /// The provider NPV histogram of a finished run (`GET …/histogram`).
    histogram: OnceLock<Histogram>,
}

/// `GET /api/v1/jobs/{id}/histogram`: the paths' provider NPV in equal-width bins.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Histogram {
    /// `provider_npv`.
    pub metric: &'static str,
    /// Paths with a value.
    pub n: u64,
    /// Paths without one.
    pub missing: u64,
    /// Lower edge of the first bin and upper edge of the last (the smallest and largest value).
    pub min: f64,
    pub max: f64,
    /// Paths per bin; bin i spans min + i·(max − min)/bins (the last includes max).
    pub counts: Vec<u64>,
}

/// Bins of a histogram.
const BINS: usize = 40;

fn histogram_of(sim: &Simulation) -> Histogram {
    let values: Vec<f64> = sim
        .table
        .metric_column(PathMetric::ProviderNpv)
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    let missing = sim.table.len() as u64 - values.len() as u64;
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut counts = vec![0u64; if values.is_empty() { 0 } else { BINS }];
    let width = (max - min) / BINS as f64;
    for v in &values {
        let i = if width > 0.0 {
            (((v - min) / width) as usize).min(BINS - 1)
        } else {
            0
        };
        counts[i] += 1;
    }
    Histogram {
        metric: "provider_npv",
        n: values.len() as u64,
        missing,
        min: if values.is_empty() { 0.0 } else { min },
        max: if values.is_empty() { 0.0 } else { max },
        counts,
    }
}

impl Job {
    pub fn status(&self) -> JobStatus {
        let guard = self.outcome.lock().unwrap_or_else(|p| p.into_inner());
        let (outcome, ended) = &*guard;
        let (state, error, paths_file) = match outcome {
            Outcome::Running => (JobState::Running, None, false),
            Outcome::Done { paths, .. } => (JobState::Done, None, paths.is_some()),
            Outcome::Cancelled => (JobState::Cancelled, None, false),
            Outcome::Failed(e) => (JobState::Failed, Some(e.clone()), false),
        };
        JobStatus {
            id: self.id,
            state,
            done_paths: self.done_paths.load(Ordering::Relaxed).min(self.total),
            total_paths: self.total,
            seed: self.seed,
            elapsed_seconds: ended.unwrap_or_else(|| self.started.elapsed().as_secs_f64()),
            error,
            paths_file,
        }
    }

    fn finished(&self) -> bool {
        let guard = self.outcome.lock().unwrap_or_else(|p| p.into_inner());
        !matches!(guard.0, Outcome::Running)
    }

    fn finish(&self, outcome: Outcome) {
        let mut guard = self.outcome.lock().unwrap_or_else(|p| p.into_inner());
        *guard = (outcome, Some(self.started.elapsed().as_secs_f64()));
        drop(guard);
        self.changed.send_modify(|n| *n += 1);
    }

    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::SeqCst);
    }

    /// Bytes a finished job holds for its answers: the risk document and the paths file.
    fn held_bytes(&self) -> u64 {
        let guard = self.outcome.lock().unwrap_or_else(|p| p.into_inner());
        match &guard.0 {
            Outcome::Done { json, paths } => {
                json.len() as u64 + paths.as_ref().map_or(0, |p| p.len)
            }
            _ => 0,
        }
    }
}

/// The jobs of a server: running and recently finished, by id.
#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    map: Mutex<BTreeMap<u64, Arc<Job>>>,
    /// The server is stopping: no job starts.
    stopping: AtomicBool,
}

impl Jobs {
    /// The server stops: cancels every running job and refuses new ones; says how many it
    /// cancelled.
    pub(crate) fn stop(&self) -> usize {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        self.stopping.store(true, Ordering::SeqCst);
        let running: Vec<&Arc<Job>> = map.values().filter(|j| !j.finished()).collect();
        for job in &running {
            tracing::info!(job = job.id, "the server is stopping: cancelling the job");
            job.cancel();
        }
        running.len()
    }

    fn get(&self, id: &str) -> ApiResult<Arc<Job>> {
        let unknown = || ApiError::not_found(format!("no job {}", id.escape_debug()));
        let id: u64 = id.parse().map_err(|_| unknown())?;
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&id).cloned().ok_or_else(unknown)
    }

    /// Registers a job unless `max_running` are running; drops the oldest finished beyond `kept`.
    fn admit(
        &self,
        job_of: impl FnOnce(u64) -> Job,
        max_running: usize,
        kept: usize,
    ) -> ApiResult<Arc<Job>> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if self.stopping.load(Ordering::SeqCst) {
            return Err(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "stopping",
                "the server is stopping: no new risk job starts",
            ));
        }
        let running = map.values().filter(|j| !j.finished()).count();
        if running >= max_running {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_jobs",
                format!(
                    "{running} risk jobs are running (the limit is {max_running}); wait for one to end or cancel one"
                ),
            ));
        }
        let finished: Vec<u64> = map
            .iter()
            .filter(|(_, j)| j.finished())
            .map(|(id, _)| *id)
            .collect();
        for id in finished
            .iter()
            .take(finished.len().saturating_sub(kept.saturating_sub(1)))
        {
            map.remove(id);
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let job = Arc::new(job_of(id));
        map.insert(id, Arc::clone(&job));
        Ok(job)
    }

    /// Ends `job` with `outcome`, then forgets the oldest other finished jobs while the finished
    /// ones hold more than `budget` bytes (results and paths files); `job` itself is kept, so a
    /// job's answers never vanish as it ends, even when they alone are over the budget. Under
    /// the map's lock, so no request sees the job ended and the others not yet forgotten.
    fn end(&self, job: &Job, outcome: Outcome, budget: u64) {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        job.finish(outcome);
        let ended = job.id;
        let finished: Vec<(u64, u64)> = map
            .iter()
            .filter(|(_, j)| j.finished())
            .map(|(id, j)| (*id, j.held_bytes()))
            .collect();
        let mut held: u64 = finished.iter().map(|(_, b)| b).sum();
        for (id, bytes) in finished {
            if held <= budget {
                break;
            }
            if id != ended {
                tracing::info!(
                    job = id,
                    bytes,
                    held,
                    budget,
                    "finished jobs hold more than their budget: forgetting the oldest"
                );
                map.remove(&id);
                held -= bytes;
            }
        }
    }

    /// Bytes the finished jobs hold now (their results and paths files).
    pub(crate) fn held_bytes(&self) -> u64 {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.values().map(|j| j.held_bytes()).sum()
    }
}

/// Starts a risk job: the term sheet's `[risk]` with `paths`, `seed` and variants as `offtake risk`.
#[utoipa::path(post, path = "/api/v1/risk", tag = "risk",
    params(
        ("paths" = Option<u64>, Query, description = "Number of paths (default: [risk] paths, else 10,000; at most the server's limit)."),
        ("seed" = Option<u64>, Query, description = "Seed (default: [risk] seed, else 0)."),
        ("variant" = Option<Vec<String>>, Query, description = "TERM=N (repeatable)."),
        ("drivers" = Option<bool>, Query, description = "Say each verdict's drivers, as `offtake risk --drivers`."),
        ("sensitivity" = Option<String>, Query, description = "sobol: also the Sobol indices, as `--sensitivity sobol`."),
        ("base_paths" = Option<u64>, Query, description = "Base paths of the Sobol design, as `--base-paths`."),
        ("paths_file" = Option<bool>, Query, description = "Keep the per-path rows with their factors for `GET /api/v1/jobs/{id}/paths` (Parquet)."),
        ("stream" = Option<bool>, Query, description = "Answer with the job's event stream at once; closing it cancels the job."),
        ("name" = Option<String>, Query, description = "The file name messages give the body."),
    ),
    request_body(content = String, content_type = "application/toml", description = "The term sheet."),
    responses(
        (status = 202, description = "Started: the job (Location: its URL).", body = JobStatus),
        (status = 200, description = "With stream=true: the job's event stream at once (as GET /api/v1/jobs/{id}/events?cancel_on_disconnect=true; the first event carries the id).", content_type = "text/event-stream"),
        (status = 400, description = "Bad query or path count.", body = ErrorBody),
        (status = 422, description = "The term sheet is not valid.", body = ErrorBody),
        (status = 429, description = "Too many jobs running.", body = ErrorBody),
    ))]
pub async fn start(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(
        raw.as_deref(),
        &[
            "paths",
            "seed",
            "variant",
            "paths_file",
            "drivers",
            "sensitivity",
            "base_paths",
            "stream",
            "name",
        ],
    )?;
    toml_body(&headers)?;
    let variants = q.variants()?;
    let (paths, seed) = (q.u64("paths")?, q.u64("seed")?);
    let keep_paths = q.flag("paths_file")?;
    let with_drivers = q.flag("drivers")?;
    let sobol = match (q.one("sensitivity")?, q.u64("base_paths")?) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(ApiError::bad_request(
                "bad_query",
                "base_paths needs sensitivity=sobol",
            ));
        }
        (Some("sobol"), n) => {
            let n = n.unwrap_or(offtake_risk::sobol::DEFAULT_BASE_PATHS);
            let ok = offtake_risk::sobol::MIN_BASE_PATHS..=offtake_risk::sobol::MAX_BASE_PATHS;
            if !ok.contains(&n) {
                return Err(ApiError::bad_request(
                    "bad_query",
                    format!("base_paths {n}: from {} to {}", ok.start(), ok.end()),
                ));
            }
            Some(n)
        }
        (Some(other), _) => {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("sensitivity is sobol, got `{}`", other.escape_debug()),
            ));
        }
    };
    let stream = q.flag("stream")?;
    let name = q.name()?;
    let limits = state.limits();
    let parsed = blocking(move || parse_body(&name, &body, &variants)).await?;
    let contract = parsed.contract;
    let options = RunOptions {
        seed,
        n_paths: paths,
        threads: limits.job_threads,
        shard: None,
        keep_factors: keep_paths || with_drivers,
        sobol,
    };
    let config = RunConfig::new(&contract, options)
        .map_err(|e| ApiError::bad_request("invalid_risk", e.to_string()))?;
    if config.total_rows() > limits.max_paths {
        return Err(too_many_paths(&config, limits.max_paths));
    }
    let job = state.jobs().admit(
        |id| Job {
            id,
            total: config.shard_paths(),
            seed: config.seed(),
            keep_paths,
            with_drivers,
            contract,
            started: Instant::now(),
            done_paths: AtomicU64::new(0),
            cancel: AtomicBool::new(false),
            outcome: Mutex::new((Outcome::Running, None)),
            changed: watch::Sender::new(0),
            histogram: OnceLock::new(),
        },
        limits.max_jobs,
        limits.kept_jobs,
    )?;
    let runner = Arc::clone(&job);
    let jobs = state.clone();
    std::thread::Builder::new()
        .name(format!("risk-job-{}", job.id))
        .spawn(move || {
            let outcome = run(&runner, &config);
            jobs.jobs().end(&runner, outcome, limits.kept_job_bytes);
        })
        .map_err(|e| ApiError::internal("starting the risk job", e))?;
    if stream {
        return Ok(events_of(job, true, state.limits().idle_timeout).into_response());
    }
    let location = format!("/api/v1/jobs/{}", job.id);
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        axum::Json(job.status()),
    )
        .into_response())
}

/// 400 `too_many_paths`: the paths `config` runs (its Monte Carlo paths and its Sobol design's
/// points) and how they add up, against the server's limit per job.
fn too_many_paths(config: &RunConfig, max: u64) -> ApiError {
    let (total, paths) = (config.total_rows(), config.n_paths());
    let how = match config.sobol() {
        Some(sobol) if total > paths => {
            let points = total - paths;
            let base = sobol.base_paths.max(1);
            let factors = (points / base).saturating_sub(2);
            format!(
                "{total} paths: {paths} Monte Carlo paths + the Sobol design's {points} \
                 (base_paths {base} × ({factors} factors + 2))"
            )
        }
        _ => format!("{total} paths asked"),
    };
    ApiError::bad_request(
        "too_many_paths",
        format!("{how}; this server runs at most {max} per job"),
    )
}

/// Runs the job; its outcome (the answers of a finished run, encoded once).
fn run(job: &Job, config: &RunConfig) -> Outcome {
    let tick = |n: u64| {
        job.done_paths.fetch_add(n, Ordering::Relaxed);
        job.changed.send_modify(|c| *c += 1);
    };
    let control = Control {
        cancel: Some(&job.cancel),
        progress: Some(&tick),
    };
    let outcome = match simulate(&job.contract, config, control) {
        Err(e) => Outcome::Failed(e.to_string()),
        Ok(sim) if sim.partial => Outcome::Cancelled,
        Ok(sim) => {
            // Set before the outcome, so a job seen done has its histogram (set once: a job
            // runs once).
            let _ = job.histogram.set(histogram_of(&sim));
            let answers = rendered(job, &sim).and_then(|json| {
                let paths = job.keep_paths.then(|| paths_file(job, &sim)).transpose()?;
                Ok((json, paths))
            });
            // The table (every path's metrics, and factors with `paths_file=true`: the largest
            // thing a job holds) is dropped here: nothing reads it once the document, the
            // histogram and the paths file are made.
            drop(sim);
            match answers {
                Ok((json, paths)) => Outcome::Done { json, paths },
                Err(e) => Outcome::Failed(e),
            }
        }
    };
    if let Outcome::Failed(e) = &outcome {
        tracing::warn!(job = job.id, error = %e, "risk job failed");
    }
    outcome
}

/// The risk document of a finished run, as `offtake risk --json [--drivers]` prints it.
fn rendered(job: &Job, sim: &Simulation) -> Result<Bytes, String> {
    let mut r = report(&job.contract, sim).map_err(|e| e.to_string())?;
    if job.with_drivers {
        r.drivers = Some(drivers(&job.contract, &sim.table).map_err(|e| e.to_string())?);
    }
    let mut json = serde_json::to_string_pretty(&r).map_err(|e| format!("JSON: {e}"))?;
    json.push('\n');
    Ok(Bytes::from(json))
}

/// The per-path Parquet file of a finished run, byte for byte what `offtake risk --paths-out`
/// writes: encoded once, on the job's thread, so a download only sends shared bytes.
fn paths_file(job: &Job, sim: &Simulation) -> Result<SharedFile, String> {
    let mut out = ChunkWriter::default();
    write_paths(&mut out, &job.contract, sim).map_err(|e| format!("the paths file: {e}"))?;
    Ok(out.finish())
}

/// Bytes of a [`SharedFile`] chunk.
const CHUNK: usize = 1 << 20;

/// A file written once and sent to many: its bytes in chunks of [`CHUNK`] bytes (the last may
/// be shorter), shared by reference count. Written in chunks, it is never reallocated and
/// copied as it grows (one growing vector would hold up to twice the file for a moment, next
/// to the table it is encoded from); sent in them, a download streams the shared chunks.
#[derive(Clone)]
struct SharedFile {
    chunks: Arc<[Bytes]>,
    len: u64,
}

impl SharedFile {
    /// The body of a download: the chunks in order (with a `Content-Length` of [`Self::len`]).
    fn body(&self) -> axum::body::Body {
        let chunks = Arc::clone(&self.chunks);
        let stream = futures_util::stream::iter(
            (0..chunks.len()).map(move |i| Ok::<Bytes, Infallible>(chunks[i].clone())),
        );
        axum::body::Body::from_stream(stream)
    }
}

#[derive(Default)]
struct ChunkWriter {
    done: Vec<Bytes>,
    current: Vec<u8>,
}

impl ChunkWriter {
    fn finish(mut self) -> SharedFile {
        if !self.current.is_empty() {
            self.current.shrink_to_fit();
            self.done.push(Bytes::from(self.current));
        }
        let len = self.done.iter().map(|c| c.len() as u64).sum();
        SharedFile {
            chunks: self.done.into(),
            len,
        }
    }
}

impl std::io::Write for ChunkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.current.capacity() == 0 {
            self.current.reserve_exact(CHUNK);
        }
        let n = buf.len().min(CHUNK - self.current.len());
        self.current.extend_from_slice(&buf[..n]);
        if self.current.len() == CHUNK {
            self.done
                .push(Bytes::from(std::mem::take(&mut self.current)));
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Where a job is: state, paths done of total.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "risk",
    params(("id" = u64, Path, description = "The job id.")),
    responses((status = 200, body = JobStatus), (status = 404, body = ErrorBody)))]
pub async fn status(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    Ok(axum::Json(state.jobs().get(&id)?.status()).into_response())
}

/// Cancels a running job (finished paths are dropped); a finished job is forgotten.
#[utoipa::path(delete, path = "/api/v1/jobs/{id}", tag = "risk",
    params(("id" = u64, Path, description = "The job id.")),
    responses((status = 200, description = "Cancelled (or removed when it had ended).", body = JobStatus), (status = 404, body = ErrorBody)))]
pub async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let job = state.jobs().get(&id)?;
    job.cancel();
    if job.finished() {
        let mut map = state.jobs().map.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&job.id);
    }
    Ok(axum::Json(job.status()).into_response())
}

/// The result: exactly what `offtake risk --json` prints for the same term sheet and options.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/result", tag = "risk",
    params(("id" = u64, Path, description = "The job id.")),
    responses(
        (status = 200, description = "The risk document.", body = serde_json::Value),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not done (running, cancelled or failed).", body = ErrorBody),
    ))]
pub async fn result(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let job = state.jobs().get(&id)?;
    // The lock is released before `status` takes it again (std's Mutex is not reentrant).
    let done = {
        let guard = job.outcome.lock().unwrap_or_else(|p| p.into_inner());
        match &guard.0 {
            Outcome::Done { json, .. } => Some(json.clone()),
            _ => None,
        }
    };
    // `json` is shared bytes: the clone is a reference count, not a copy.
    match done {
        Some(json) => Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response()),
        None => Err(not_done(&job.status())),
    }
}

/// The provider NPV of every path of a finished job, in 40 equal-width bins (what the page draws).
#[utoipa::path(get, path = "/api/v1/jobs/{id}/histogram", tag = "risk",
    params(("id" = u64, Path, description = "The job id.")),
    responses(
        (status = 200, body = Histogram),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not done (running, cancelled or failed).", body = ErrorBody),
    ))]
pub async fn histogram(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let job = state.jobs().get(&id)?;
    let status = job.status();
    match job.histogram.get() {
        Some(h) if status.state == JobState::Done => Ok(axum::Json(h).into_response()),
        _ => Err(not_done(&status)),
    }
}

fn not_done(s: &JobStatus) -> ApiError {
    let state = serde_json::to_value(s.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    ApiError::new(
        StatusCode::CONFLICT,
        "job_not_done",
        format!("job {} is {state}", s.id),
    )
}

/// The per-path Parquet file (`offtake risk --paths-out`) of a job started with `paths_file=true`.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/paths", tag = "risk",
    params(("id" = u64, Path, description = "The job id.")),
    responses(
        (status = 200, description = "Parquet, one row per path.", content_type = "application/vnd.apache.parquet"),
        (status = 404, body = ErrorBody),
        (status = 409, description = "Not done, or started without paths_file=true.", body = ErrorBody),
    ))]
pub async fn paths(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let job = state.jobs().get(&id)?;
    // The file was encoded when the job ended; every download shares it (a reference count),
    // so a download costs neither an encoding nor a copy, and one abandoned costs nothing more.
    let file = {
        let guard = job.outcome.lock().unwrap_or_else(|p| p.into_inner());
        match &guard.0 {
            Outcome::Done { paths, .. } => Some(paths.clone()),
            _ => None,
        }
    };
    let file = match file {
        None => return Err(not_done(&job.status())),
        Some(None) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "no_paths_file",
                format!("job {} was started without paths_file=true", job.id),
            ));
        }
        Some(Some(file)) => file,
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/vnd.apache.parquet".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"risk-job-{}.parquet\"", job.id),
            ),
            (header::CONTENT_LENGTH, file.len.to_string()),
        ],
        file.body(),
    )
        .into_response())
}

/// Progress as server-sent events: `progress` events with the job's status, then one `end`
/// event (state done, cancelled or failed) and the stream closes.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/events", tag = "risk",
    params(
        ("id" = u64, Path, description = "The job id."),
        ("cancel_on_disconnect" = Option<bool>, Query, description = "Cancel the job when this stream closes before it ends."),
    ),
    responses(
        (status = 200, description = "text/event-stream: `progress` events, then `end`; each data is a JobStatus.", content_type = "text/event-stream"),
        (status = 404, body = ErrorBody),
    ))]
pub async fn events(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref(), &["cancel_on_disconnect"])?;
    let owns = q.flag("cancel_on_disconnect")?;
    let job = state.jobs().get(&id)?;
    Ok(events_of(job, owns, state.limits().idle_timeout).into_response())
}

/// Cancels the job when dropped before it ended (the stream of its owner closed).
struct Owner(Arc<Job>);

impl Drop for Owner {
    fn drop(&mut self) {
        if !self.0.finished() {
            tracing::info!(
                job = self.0.id,
                "the client closed the job's stream: cancelling it"
            );
            self.0.cancel();
        }
    }
}

struct Watch {
    job: Arc<Job>,
    rx: watch::Receiver<u64>,
    _owner: Option<Owner>,
    first: bool,
    ended: bool,
}

/// The job's event stream; a keep-alive comment at least every 15 s and three times within the
/// connection idle limit (`idle`), so a quiet stretch of a job never looks like a stalled client.
fn events_of(job: Arc<Job>, owns: bool, idle: std::time::Duration) -> impl IntoResponse {
    let rx = job.changed.subscribe();
    let watch = Watch {
        _owner: owns.then(|| Owner(Arc::clone(&job))),
        job,
        rx,
        first: true,
        ended: false,
    };
    let stream = futures_util::stream::unfold(watch, |mut w| async move {
        if w.ended {
            return None;
        }
        // The first event says where the job is now; each later one follows a change (progress
        // or the end). The job holds the sender, so the channel stays open while we watch.
        if w.first {
            w.first = false;
        } else if w.rx.changed().await.is_err() {
            w.ended = true;
        }
        let status = w.job.status();
        let name = if status.state == JobState::Running {
            "progress"
        } else {
            w.ended = true;
            "end"
        };
        let data = serde_json::to_string(&status).unwrap_or_default();
        Some((
            Ok::<Event, Infallible>(Event::default().event(name).data(data)),
            w,
        ))
    });
    let every = (idle / 3).clamp(
        std::time::Duration::from_millis(10),
        std::time::Duration::from_secs(15),
    );
    Sse::new(stream).keep_alive(KeepAlive::new().interval(every))
}
