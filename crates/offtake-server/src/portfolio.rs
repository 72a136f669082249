//! The portfolio store over HTTP: term sheets (list, get, add, replace, delete, TOML, report),
//! the public deal list and SEC capex (reads; imports are writes and need the token).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use offtake_engine::{Outcome, Scenario, StoredResult, underwrite};
use offtake_report::portfolio::{ListEntry, SummaryJson};
use offtake_store::{NewTermSheet, OnDuplicate, PortfolioStore};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::query::Query;
use crate::sheet::{Parsed, ReportFormat, parse_body, render_report, toml_body};
use crate::{AppState, blocking};

/// What an add or replace did.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddedJson {
    pub id: i64,
    pub deal_id: String,
    /// An existing term sheet with this deal id was overwritten (it keeps its id).
    pub replaced: bool,
}

fn store_json(value: &impl Serialize) -> ApiResult<Response> {
    let mut text =
        serde_json::to_string_pretty(value).map_err(|e| ApiError::internal("encoding JSON", e))?;
    text.push('\n');
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

/// Every stored term sheet with its stored metrics and verdicts: `offtake portfolio list --json`.
#[utoipa::path(get, path = "/api/v1/portfolio", tag = "portfolio",
    responses((status = 200, body = serde_json::Value), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Response> {
    state
        .with_store(|store| {
            let entries: Vec<_> = store
                .list_results()
                .map_err(ApiError::store)?
                .into_iter()
                .map(|(s, r)| {
                    let result = StoredResult::outcome_of(s.id, r.as_ref());
                    ListEntry::new(s, result)
                })
                .collect();
            store_json(&entries)
        })
        .await
}

/// A stored term sheet in full (TOML text, validated contract, result): `portfolio show --json`.
#[utoipa::path(get, path = "/api/v1/portfolio/{id}", tag = "portfolio",
    params(("id" = String, Path, description = "Portfolio id or deal id.")),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    state
        .with_store(move |store| {
            let id = store.find(&id).map_err(ApiError::store)?;
            store_json(&store.show(id).map_err(ApiError::store)?)
        })
        .await
}

/// The stored TOML, byte for byte: `offtake portfolio export`.
#[utoipa::path(get, path = "/api/v1/portfolio/{id}/toml", tag = "portfolio",
    params(("id" = String, Path, description = "Portfolio id or deal id.")),
    responses((status = 200, content_type = "application/toml", body = String), (status = 404, body = ErrorBody)))]
pub async fn export(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    state
        .with_store(move |store| {
            let id = store.find(&id).map_err(ApiError::store)?;
            let text = store.export(id).map_err(ApiError::store)?;
            Ok(([(header::CONTENT_TYPE, "application/toml")], text).into_response())
        })
        .await
}

/// The report of a stored term sheet (HTML, XLSX, CSV or JSON), underwritten now.
#[utoipa::path(get, path = "/api/v1/portfolio/{id}/report", tag = "portfolio",
    params(
        ("id" = String, Path, description = "Portfolio id or deal id."),
        ("format" = Option<String>, Query, description = "html (default), xlsx, csv or json."),
        ("file" = Option<String>, Query, description = "With format=csv: annual (default) or monthly."),
    ),
    responses(
        (status = 200, description = "The document, by `format`: HTML (inline), XLSX, CSV or JSON (attachments named after the deal).", content(
            ("text/html"),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("text/csv"),
            (serde_json::Value = "application/json"),
        )),
        (status = 400, description = "Bad format or file, or query.", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "The stored term sheet no longer validates.", body = ErrorBody),
    ))]
pub async fn report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref(), &["format", "file"])?;
    let format = ReportFormat::from_query(&q)?;
    let (deal_id, text) = state
        .with_store(move |store| {
            let id = store.find(&id).map_err(ApiError::store)?;
            let sheet = store.show(id).map_err(ApiError::store)?;
            Ok((sheet.summary.deal_id, sheet.toml_text))
        })
        .await?;
    blocking(move || {
        let name = format!("{deal_id}.toml");
        let parsed = parse_body(&name, text.as_bytes(), &[])?;
        render_report(
            &parsed.contract,
            &Scenario::base(&parsed.contract),
            &[],
            None,
            &name,
            format,
        )
    })
    .await
}

/// What the store keeps of a validated term sheet.
struct Prepared {
    parsed: Parsed,
    validated: serde_json::Value,
    result: serde_json::Value,
}

fn prepare(name: &str, body: &[u8]) -> ApiResult<Prepared> {
    let parsed = parse_body(name, body, &[])?;
    let outcome: Outcome = underwrite(&parsed.contract, &Scenario::base(&parsed.contract));
    let result = StoredResult::new(outcome)
        .to_value()
        .map_err(|e| ApiError::internal("encoding the result", e))?;
    let validated = serde_json::to_value(&parsed.contract)
        .map_err(|e| ApiError::internal("encoding the contract", e))?;
    Ok(Prepared {
        parsed,
        validated,
        result,
    })
}

fn store_one(
    store: &mut dyn PortfolioStore,
    p: &Prepared,
    on_duplicate: OnDuplicate,
) -> ApiResult<AddedJson> {
    let deal = &p.parsed.contract.deal;
    let sheet = NewTermSheet {
        toml_text: &p.parsed.text,
        deal_id: &deal.id,
        name: deal.name.as_deref().unwrap_or(""),
        buyer: deal.buyer.as_deref().unwrap_or(""),
        provider: deal.provider.as_deref().unwrap_or(""),
        validated: &p.validated,
        result: Some(&p.result),
        added_at: chrono::Utc::now(),
    };
    let added = store
        .add_many(&[sheet], on_duplicate)
        .map_err(ApiError::store)?;
    let a = added
        .into_iter()
        .next()
        .ok_or_else(|| ApiError::internal("adding the term sheet", "no row"))?;
    Ok(AddedJson {
        id: a.id,
        deal_id: a.deal_id,
        replaced: a.replaced,
    })
}

/// Validates, underwrites (base case) and stores a term sheet: `offtake portfolio add`. Needs the token.
#[utoipa::path(post, path = "/api/v1/portfolio", tag = "portfolio",
    params(
        ("replace" = Option<bool>, Query, description = "Overwrite a stored term sheet with the same deal id (it keeps its id)."),
        ("name" = Option<String>, Query, description = "The file name messages give the body."),
    ),
    request_body(content = String, content_type = "application/toml", description = "The term sheet."),
    security(("bearer" = [])),
    responses(
        (status = 201, body = AddedJson),
        (status = 401, body = ErrorBody),
        (status = 409, description = "The deal id is stored already.", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn add(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref(), &["replace", "name"])?;
    toml_body(&headers)?;
    let on_duplicate = if q.flag("replace")? {
        OnDuplicate::Replace
    } else {
        OnDuplicate::Refuse
    };
    let name = q.name()?;
    let prepared = blocking(move || prepare(&name, &body)).await?;
    let added = state
        .with_store(move |store| store_one(store, &prepared, on_duplicate))
        .await?;
    let location = format!("/api/v1/portfolio/{}", added.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        axum::Json(added),
    )
        .into_response())
}

/// Replaces the stored term sheet `id` with the body (same deal id; it keeps its id). Needs the token.
#[utoipa::path(put, path = "/api/v1/portfolio/{id}", tag = "portfolio",
    params(
        ("id" = String, Path, description = "Portfolio id or deal id."),
        ("name" = Option<String>, Query, description = "The file name messages give the body."),
    ),
    request_body(content = String, content_type = "application/toml", description = "The term sheet."),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AddedJson),
        (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The body's deal id is another deal's.", body = ErrorBody),
        (status = 422, body = ErrorBody),
    ))]
pub async fn put(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref(), &["name"])?;
    toml_body(&headers)?;
    let name = q.name()?;
    let prepared = blocking(move || prepare(&name, &body)).await?;
    let added = state
        .with_store(move |store| {
            let stored = store.find(&id).map_err(ApiError::store)?;
            let deal_id = store.show(stored).map_err(ApiError::store)?.summary.deal_id;
            if deal_id != prepared.parsed.contract.deal.id {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "deal_id_mismatch",
                    format!(
                        "id {stored} is deal `{deal_id}`; the body is deal `{}` (POST adds a new deal)",
                        prepared.parsed.contract.deal.id
                    ),
                ));
            }
            store_one(store, &prepared, OnDuplicate::Replace)
        })
        .await?;
    Ok(axum::Json(added).into_response())
}

/// Removes a stored term sheet. Needs the token.
#[utoipa::path(delete, path = "/api/v1/portfolio/{id}", tag = "portfolio",
    params(("id" = String, Path, description = "Portfolio id or deal id.")),
    security(("bearer" = [])),
    responses((status = 204, description = "Removed."), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    state
        .with_store(move |store| {
            let id = store.find(&id).map_err(ApiError::store)?;
            store.remove(id).map_err(ApiError::store)?;
            Ok(StatusCode::NO_CONTENT.into_response())
        })
        .await
}

/// Totals over the stored public deals with the disagreeing claims: `portfolio summary --json`.
#[utoipa::path(get, path = "/api/v1/portfolio/summary", tag = "portfolio",
    responses((status = 200, body = serde_json::Value)))]
pub async fn summary(State(state): State<AppState>) -> ApiResult<Response> {
    state
        .with_store(|store| {
            let summary = store.summary().map_err(ApiError::store)?;
            let conflicts = store.conflicts().map_err(ApiError::store)?;
            store_json(&SummaryJson {
                n_term_sheets: summary.n_term_sheets,
                public_deals: &summary.public_deals,
                conflicts: conflicts.iter().filter(|c| c.claims_disagree).collect(),
            })
        })
        .await
}

/// The public deal list as stored, with group ids.
#[utoipa::path(get, path = "/api/v1/deals", tag = "public data",
    responses((status = 200, body = serde_json::Value)))]
pub async fn deals(State(state): State<AppState>) -> ApiResult<Response> {
    state
        .with_store(|store| store_json(&store.public_deals().map_err(ApiError::store)?))
        .await
}

/// Groups of claims about one deal: `offtake deals conflicts --json`.
#[utoipa::path(get, path = "/api/v1/deals/conflicts", tag = "public data",
    params(("disagreeing" = Option<bool>, Query, description = "Only groups whose claims disagree.")),
    responses((status = 200, body = serde_json::Value)))]
pub async fn conflicts(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref(), &["disagreeing"])?;
    let disagreeing = q.flag("disagreeing")?;
    state
        .with_store(move |store| {
            let mut groups = store.conflicts().map_err(ApiError::store)?;
            if disagreeing {
                groups.retain(|g| g.claims_disagree);
            }
            store_json(&groups)
        })
        .await
}

/// Imports a public deal-list CSV (one transaction; re-imports change nothing). Needs the token.
#[utoipa::path(post, path = "/api/v1/deals", tag = "public data",
    request_body(content = String, content_type = "text/csv", description = "The deal list (docs/portfolio.md)."),
    security(("bearer" = [])),
    responses((status = 200, description = "What the import did.", body = serde_json::Value), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_deals(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let text = String::from_utf8(body.to_vec())
        .map_err(|e| ApiError::invalid_data(format!("the CSV is not UTF-8: {e}")))?;
    let rows = blocking(move || {
        offtake_data::parse_deals_csv(&text)
            .map_err(|e| ApiError::invalid_data(format!("{e}; nothing was imported")))
    })
    .await?;
    state
        .with_store(move |store| store_json(&store.import_deals(&rows).map_err(ApiError::store)?))
        .await
}

/// Annual capex of every stored company (from SEC facts).
#[utoipa::path(get, path = "/api/v1/sec/capex", tag = "public data",
    responses((status = 200, body = serde_json::Value)))]
pub async fn capex(State(state): State<AppState>) -> ApiResult<Response> {
    state
        .with_store(|store| store_json(&store.annual_capex().map_err(ApiError::store)?))
        .await
}

fn cik(text: &str) -> ApiResult<u64> {
    text.trim_start_matches("CIK")
        .parse()
        .map_err(|_| ApiError::not_found(format!("`{}` is not a CIK", text.escape_debug())))
}

/// Annual capex of one company.
#[utoipa::path(get, path = "/api/v1/sec/{cik}/capex", tag = "public data",
    params(("cik" = u64, Path, description = "The company's CIK.")),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn capex_of(
    State(state): State<AppState>,
    Path(text): Path<String>,
) -> ApiResult<Response> {
    let cik = cik(&text)?;
    state
        .with_store(move |store| store_json(&store.annual_capex_of(cik).map_err(ApiError::store)?))
        .await
}

/// Every stored SEC fact of one company (every filing's copy).
#[utoipa::path(get, path = "/api/v1/sec/{cik}/facts", tag = "public data",
    params(("cik" = u64, Path, description = "The company's CIK.")),
    responses((status = 200, body = serde_json::Value), (status = 404, body = ErrorBody)))]
pub async fn facts(State(state): State<AppState>, Path(text): Path<String>) -> ApiResult<Response> {
    let cik = cik(&text)?;
    state
        .with_store(move |store| store_json(&store.sec_facts(cik).map_err(ApiError::store)?))
        .await
}

/// Imports an SEC XBRL companyfacts or companyconcept document. Needs the token.
#[utoipa::path(post, path = "/api/v1/sec", tag = "public data",
    request_body(content = serde_json::Value, content_type = "application/json", description = "The SEC document."),
    security(("bearer" = [])),
    responses((status = 200, description = "What the import did.", body = serde_json::Value), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn import_sec(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let text = String::from_utf8(body.to_vec())
        .map_err(|e| ApiError::invalid_data(format!("not UTF-8: {e}")))?;
    let facts = blocking(move || {
        offtake_data::parse_document(&text)
            .map(|(_, facts)| facts)
            .map_err(|e| ApiError::invalid_data(format!("{e}; nothing was imported")))
    })
    .await?;
    state
        .with_store(move |store| store_json(&store.import_sec(&facts).map_err(ApiError::store)?))
        .await
}
