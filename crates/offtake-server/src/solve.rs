//! `POST /api/v1/solve`: `offtake solve --json` over HTTP (the offtake-solve crate).

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use offtake_model::TermSheet;
use offtake_solve::{
    CurvePlan, DEFAULT_CURVE_GRID, DEFAULT_GRID, Goal, Plan, SolveError, curve_cancellable,
    find_term, range, risk_plan, solve_cancellable,
};

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::query::Query;
use crate::sheet::{parse_body, toml_body};
use crate::{AppState, blocking_cancellable, cancelled};

fn range_of(text: &str) -> ApiResult<(f64, f64)> {
    let bad = || {
        ApiError::bad_request(
            "bad_query",
            format!("range `{}`: write A..B, e.g. 0.5..1", text.escape_debug()),
        )
    };
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    ))
}

fn solve_error(name: &str, src: &str, e: SolveError) -> ApiError {
    match e {
        SolveError::OutsideValid { ref error, .. } => {
            let mut err = ApiError::invalid_sheet(name, src, error);
            err.code = "range_outside_valid";
            err.message = e.to_string();
            err
        }
        SolveError::Cancelled => cancelled(),
        SolveError::Risk(offtake_risk::Error::OutOfMemory { .. }) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "out_of_memory",
            e.to_string(),
        ),
        e => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_solve",
            e.to_string(),
        ),
    }
}

/// Solves for a term (one `vary`) or the boundary of a second over a grid of the first (two):
/// exactly what `offtake solve --json` prints.
#[utoipa::path(post, path = "/api/v1/solve", tag = "term sheets",
    params(
        ("vary" = Vec<String>, Query, description = "The numeric term to solve for (`take_or_pay.floor`); twice: the boundary of the second over the first."),
        ("target" = String, Query, description = "What must hold: a verdict, a metric bound (min_dscr>=1.3), or with risk=true a probability (P(financeable)>=0.9)."),
        ("range" = Option<Vec<String>>, Query, description = "A..B per vary, in order."),
        ("grid" = Option<u64>, Query, description = "Points of the scan: over the term's range in a one-term solve (default 17), over the first term's range in a two-term solve (default 25); 2 to 1000."),
        ("variant" = Option<Vec<String>>, Query, description = "TERM=N (repeatable)."),
        ("risk" = Option<bool>, Query, description = "The goal is a probability over Monte Carlo paths."),
        ("paths" = Option<u64>, Query, description = "Paths of risk=true (at most the server's per-job limit)."),
        ("seed" = Option<u64>, Query, description = "Seed of risk=true."),
        ("name" = Option<String>, Query, description = "The file name messages give the body."),
    ),
    request_body(content = String, content_type = "application/toml", description = "The term sheet."),
    responses(
        (status = 200, description = "The solution (or curve), as `offtake solve --json` prints it.", body = serde_json::Value),
        (status = 400, description = "Bad query.", body = ErrorBody),
        (status = 422, description = "The term sheet, a term, a range or the goal does not fit.", body = ErrorBody),
    ))]
pub async fn solve_route(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(
        raw.as_deref(),
        &[
            "vary", "target", "range", "grid", "variant", "risk", "paths", "seed", "name",
        ],
    )?;
    toml_body(&headers)?;
    let vary: Vec<String> = q.all("vary").map(str::to_string).collect();
    if vary.is_empty() || vary.len() > 2 {
        return Err(ApiError::bad_request(
            "bad_query",
            "give one `vary` (solve) or two (a boundary curve)",
        ));
    }
    let target = q
        .one("target")?
        .ok_or_else(|| ApiError::bad_request("bad_query", "give `target`, e.g. financeable"))?
        .to_string();
    let ranges = q
        .all("range")
        .map(range_of)
        .collect::<ApiResult<Vec<_>>>()?;
    if ranges.len() > vary.len() {
        return Err(ApiError::bad_request(
            "bad_query",
            "give at most one `range` per `vary`, in the same order",
        ));
    }
    // As `--grid`: the scan of a one-term solve (default 17), the first term's grid of a curve
    // (default 25); this server takes at most 1000.
    let grid = match q.u64("grid")? {
        None => None,
        Some(g) if g <= 1000 => Some(g as usize),
        Some(g) => {
            return Err(ApiError::bad_request(
                "bad_query",
                format!("grid {g}: at most 1000 points"),
            ));
        }
    };
    let variants = q.variants()?;
    let with_risk = q.flag("risk")?;
    let (paths, seed) = (q.u64("paths")?, q.u64("seed")?);
    if paths.is_some_and(|p| p > state.limits().max_paths) {
        return Err(ApiError::bad_request(
            "too_many_paths",
            format!(
                "this server runs at most {} paths per request",
                state.limits().max_paths
            ),
        ));
    }
    let threads = state.limits().job_threads;
    let max_paths = state.limits().max_paths;
    let name = q.name()?;
    // Up to 1,000 grid points (each a Monte Carlo run with risk=true): stopped when the request
    // is gone (time limit, closed connection).
    blocking_cancellable(&state, move |cancel| {
        let goal = Goal::parse(&target, with_risk).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_solve",
                format!("target: {e}"),
            )
        })?;
        let parsed = parse_body(&name, &body, &variants)?;
        let src = parsed.text.as_str();
        let fail = |e: SolveError| solve_error(&name, src, e);
        let sheet = TermSheet::read(src).map_err(|e| ApiError::invalid_sheet(&name, src, &e))?;
        let terms = vary
            .iter()
            .map(|t| {
                find_term(&sheet, &variants, t).map_err(|e| {
                    let mut err = fail(e);
                    err.message = format!("vary {t}: {}", err.message);
                    err
                })
            })
            .collect::<ApiResult<Vec<_>>>()?;
        let risk = if with_risk {
            let plan = risk_plan(&parsed.contract, paths, seed, threads).map_err(fail)?;
            // Without `paths`, the sheet's [risk] paths: held to the same limit.
            if plan.paths > max_paths {
                return Err(ApiError::bad_request(
                    "too_many_paths",
                    format!(
                        "{} paths a value (the term sheet's [risk] paths); this server runs at \
                         most {max_paths} paths per request",
                        plan.paths
                    ),
                ));
            }
            Some(plan)
        } else {
            None
        };
        let plan = |term, r, grid| Plan {
            term,
            range: r,
            goal: goal.clone(),
            risk,
            grid,
            variants: variants.clone(),
        };
        let json = if let [term] = terms.as_slice() {
            let r = range(&sheet, &variants, &[], term, ranges.first().copied()).map_err(fail)?;
            serde_json::to_string_pretty(
                &solve_cancellable(
                    &sheet,
                    &plan(term.clone(), r, grid.unwrap_or(DEFAULT_GRID)),
                    cancel,
                )
                .map_err(fail)?,
            )
        } else {
            let (a, b) = (&terms[0], &terms[1]);
            if a.path == b.path {
                return Err(fail(SolveError::SameTerm(vary[0].clone())));
            }
            let ra = range(&sheet, &variants, &[], a, ranges.first().copied()).map_err(fail)?;
            let rb = range(&sheet, &variants, &[], b, ranges.get(1).copied()).map_err(fail)?;
            let c = CurvePlan {
                a: a.clone(),
                a_range: ra,
                points: grid.unwrap_or(DEFAULT_CURVE_GRID),
                b: plan(b.clone(), rb, DEFAULT_GRID),
            };
            serde_json::to_string_pretty(&curve_cancellable(&sheet, &c, cancel).map_err(fail)?)
        };
        let mut json = json.map_err(|e| ApiError::internal("encoding the solution", e))?;
        json.push('\n');
        Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
    })
    .await
}
