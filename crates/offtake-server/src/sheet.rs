//! Stateless routes on a term sheet in the body: check, underwrite, compare, report.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use offtake_engine::{Scenario, underwrite};
use offtake_model::{Contract, MAX_COMBINATIONS, TermSheet, chosen_terms, combination_count};
use offtake_report::compare::{
    Combination, CombinationsJson, CompareJson, Run, too_many_combinations,
};
use serde::Serialize;
use utoipa::ToSchema;

use std::sync::atomic::Ordering;

use crate::error::{ApiError, ApiResult, DiagnosticJson, ErrorBody};
use crate::query::{Query, scenario};
use crate::{AppState, blocking, blocking_cancellable, cancelled, compute};

/// Refuses a term-sheet body whose Content-Type says it is not TOML (TOML, plain text or none pass).
pub fn toml_body(headers: &HeaderMap) -> ApiResult<()> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim();
        if !matches!(
            essence,
            "application/toml" | "text/toml" | "text/plain" | ""
        ) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "the body is a term sheet: send it as Content-Type: application/toml, not `{}`",
                    essence.escape_debug()
                ),
            ));
        }
    }
    Ok(())
}

/// A term sheet read from a request body and validated (with `variants`).
pub struct Parsed {
    pub text: String,
    pub contract: Contract,
}

/// Decodes (size, UTF-8) and validates the body as `offtake underwrite` reads a file: invalid →
/// 422 with the located problems; a variant that does not fit → 400 `invalid_variant`.
pub fn parse_body(
    name: &str,
    body: &[u8],
    variants: &[offtake_model::Variant],
) -> ApiResult<Parsed> {
    let text = offtake_model::decode(body).map_err(|e| ApiError::invalid_sheet(name, "", &e))?;
    match offtake_model::parse_with(text, variants) {
        Ok(contract) => Ok(Parsed {
            text: text.to_string(),
            contract,
        }),
        Err(e) if e.is_variant() => Err(ApiError::bad_request(
            "invalid_variant",
            format!("variant does not fit {name}: {e}"),
        )),
        Err(e) => Err(ApiError::invalid_sheet(name, text, &e)),
    }
}

/// `POST /api/v1/check`'s answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResponse {
    pub valid: bool,
    /// Every located problem (empty when valid).
    pub diagnostics: Vec<DiagnosticJson>,
    /// Problems beyond the parser's maximum, counted but not listed.
    pub omitted: usize,
    /// What `offtake check NAME` prints: the summary when valid, else the problems with their
    /// snippets (to stderr in the CLI), without colour.
    pub text: String,
}

/// Validates a term sheet: every problem with its line and column.
#[utoipa::path(post, path = "/api/v1/check", tag = "term sheets",
    params(("name" = Option<String>, Query, description = "The file name messages give the body (default request.toml).")),
    request_body(content = String, content_type = "application/toml", description = "The term sheet."),
    responses(
        (status = 200, description = "Checked (valid or not: see `valid`).", body = CheckResponse),
        (status = 400, description = "Bad query.", body = ErrorBody),
        (status = 413, description = "Body over the limit.", body = ErrorBody),
        (status = 415, description = "Not TOML.", body = ErrorBody),
    ))]
pub async fn check(
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref(), &["name"])?;
    toml_body(&headers)?;
    let name = q.name()?;
    compute(body.len(), move || {
        let checked = offtake_model::decode(&body)
            .and_then(|text| offtake_model::parse(text).map(|c| (text, c)));
        let response = match checked {
            Ok((_, contract)) => {
                let screen = offtake_report::Screen::default();
                CheckResponse {
                    valid: true,
                    diagnostics: Vec::new(),
                    omitted: 0,
                    text: offtake_report::check::summary(&name, &contract, &screen),
                }
            }
            Err(e) => {
                let src = std::str::from_utf8(&body).unwrap_or("");
                let src = if matches!(e, offtake_model::Error::Invalid { .. }) {
                    src
                } else {
                    ""
                };
                let mut text = Vec::new();
                offtake_report::diagnostics::render(&name, src, &e, false, false, &mut text);
                let omitted = match &e {
                    offtake_model::Error::Invalid { omitted, .. } => *omitted,
                    _ => 0,
                };
                CheckResponse {
                    valid: false,
                    diagnostics: DiagnosticJson::all(src, &e),
                    omitted,
                    text: String::from_utf8_lossy(&text).into_owned(),
                }
            }
        };
        Ok(axum::Json(response).into_response())
    })
    .await
}

fn json_text(text: String) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// Underwrites a term sheet: exactly the document `offtake underwrite --json` prints.
#[utoipa::path(post, path = "/api/v1/underwrite", tag = "term sheets",
    params(
        ("variant" = Option<Vec<String>>, Query, description = "TERM=N: an alternative of a sourced term (repeatable), as `--variant`."),
        ("default" = Option<Vec<String>>, Query, description = "PARTY=YYYY-MM: the party defaults that month (repeatable), as `--default`."),
        ("demand_factor" = Option<f64>, Query, description = "What-if: the sheet's demand multiplied by X (0.01 ≤ X ≤ 10; 1 is the sheet as written), as `--demand-factor`; the document then has `scenario.demand_factor`."),
        ("name" = Option<String>, Query, description = "The file name messages give the body."),
    ),
    request_body(content = String, content_type = "application/toml", description = "The term sheet."),
    responses(
        (status = 200, description = "The underwriting document (docs/output.md), byte for byte as the CLI prints it.", body = serde_json::Value),
        (status = 400, description = "Bad variant, default, demand factor or query.", body = ErrorBody),
        (status = 422, description = "The term sheet is not valid: the located problems.", body = ErrorBody),
        (status = 413, description = "Body over the limit.", body = ErrorBody),
    ))]
pub async fn underwrite_route(
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(
        raw.as_deref(),
        &["variant", "default", "demand_factor", "name"],
    )?;
    toml_body(&headers)?;
    let variants = q.variants()?;
    let defaults = q.defaults()?;
    let demand_factor = q.demand_factor()?;
    let name = q.name()?;
    compute(body.len(), move || {
        let parsed = parse_body(&name, &body, &variants)?;
        let contract = &parsed.contract;
        let scenario = scenario(contract, &defaults, demand_factor)?;
        let outcome = underwrite(contract, &scenario);
        let bytes = offtake_report::UnderwritingJson::new(contract, &outcome)
            .with_variants(contract, &variants)
            .with_demand_factor(demand_factor)
            .to_vec_pretty()
            .map_err(|e| ApiError::internal("rendering the document", e))?;
        Ok(([(header::CONTENT_TYPE, "application/json")], bytes).into_response())
    })
    .await
}

/// Compares the base case with every alternative: `offtake compare --json`.
#[utoipa::path(post, path = "/api/v1/compare", tag = "term sheets",
    params(
        ("all_combinations" = Option<bool>, Query, description = "Every combination of alternatives (at most 4,096 runs), as `--all-combinations`."),
        ("term" = Option<Vec<String>>, Query, description = "With all_combinations: combine only these terms (repeatable)."),
        ("name" = Option<String>, Query, description = "The file name messages give the body."),
    ),
    request_body(content = String, content_type = "application/toml", description = "The term sheet."),
    responses(
        (status = 200, description = "The comparison, byte for byte as `offtake compare --json` prints it.", body = serde_json::Value),
        (status = 400, description = "Bad query, or too many combinations.", body = ErrorBody),
        (status = 422, description = "The term sheet (or one alternative) is not valid.", body = ErrorBody),
    ))]
pub async fn compare(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(raw.as_deref(), &["all_combinations", "term", "name"])?;
    toml_body(&headers)?;
    let all = q.flag("all_combinations")?;
    let terms: Vec<String> = q.all("term").map(str::to_string).collect();
    if !all && !terms.is_empty() {
        return Err(ApiError::bad_request(
            "bad_query",
            "`term` needs all_combinations=true",
        ));
    }
    let name = q.name()?;
    // Up to 4,096 runs: stopped when the request is gone (time limit, closed connection).
    blocking_cancellable(&state, move |cancel| {
        let parsed = parse_body(&name, &body, &[])?;
        let base = &parsed.contract;
        let sheet = TermSheet::read(&parsed.text)
            .map_err(|e| ApiError::invalid_sheet(&name, &parsed.text, &e))?;
        let render = |r: offtake_report::Result<String>| {
            r.map(json_text)
                .map_err(|e| ApiError::internal("rendering the comparison", e))
        };
        if all {
            let terms = chosen_terms(base, &terms)
                .map_err(|e| ApiError::bad_request("bad_query", format!("term {}: {e}", e.term)))?;
            let count = combination_count(&terms);
            if count > MAX_COMBINATIONS {
                return Err(ApiError::bad_request(
                    "too_many_combinations",
                    too_many_combinations(&terms, count, MAX_COMBINATIONS),
                ));
            }
            let runs = Combination::run_all_cancellable(&sheet, base, &terms, cancel)
                .map_err(|_| cancelled())?;
            return render(CombinationsJson::new(base, &terms, &runs).to_string_pretty());
        }
        let mut runs = vec![Run::new(
            base,
            &underwrite(base, &Scenario::base(base)),
            None,
            0,
        )];
        for variant in base.variants() {
            if cancel.load(Ordering::Relaxed) {
                return Err(cancelled());
            }
            let contract = sheet
                .contract(std::slice::from_ref(&variant))
                .map_err(|e| {
                    let mut err = ApiError::invalid_sheet(&name, &parsed.text, &e);
                    err.message =
                        format!("variant {}={}: {}", variant.term, variant.n, err.message);
                    err
                })?;
            let outcome = underwrite(&contract, &Scenario::base(&contract));
            let index = runs.len();
            runs.push(Run::new(&contract, &outcome, Some(&variant), index));
        }
        render(CompareJson::new(base, &runs).to_string_pretty())
    })
    .await
}

/// Which document a report route renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Html,
    Xlsx,
    /// `monthly.csv` or `annual.csv`.
    Csv(CsvFile),
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvFile {
    Monthly,
    Annual,
}

impl ReportFormat {
    pub fn from_query(q: &Query) -> ApiResult<ReportFormat> {
        let file = q.one("file")?;
        let format = q.one("format")?.unwrap_or("html");
        let f = match format {
            "html" => ReportFormat::Html,
            "xlsx" => ReportFormat::Xlsx,
            "json" => ReportFormat::Json,
            "csv" => ReportFormat::Csv(match file.unwrap_or("annual") {
                "annual" => CsvFile::Annual,
                "monthly" => CsvFile::Monthly,
                other => {
                    return Err(ApiError::bad_request(
                        "bad_query",
                        format!(
                            "`file` is annual or monthly, got `{}`",
                            other.escape_debug()
                        ),
                    ));
                }
            }),
            other => {
                return Err(ApiError::bad_request(
                    "bad_query",
                    format!(
                        "`format` is html, xlsx, csv or json, got `{}`",
                        other.escape_debug()
                    ),
                ));
            }
        };
        if file.is_some() && !matches!(f, ReportFormat::Csv(_)) {
            return Err(ApiError::bad_request(
                "bad_query",
                "`file` goes with format=csv",
            ));
        }
        Ok(f)
    }
}

/// Renders the report of `contract` (base case or `scenario`) as `format`, with the download
/// headers (`file_stem` names the attachment). `demand_factor`, the what-if the documents
/// record (`demand_factor=X`), is already in `scenario`.
pub fn render_report(
    contract: &Contract,
    scenario: &Scenario,
    variants: &[offtake_model::Variant],
    demand_factor: Option<f64>,
    file_name: &str,
    format: ReportFormat,
) -> ApiResult<Response> {
    use offtake_report::files::Kind;
    let outcome = underwrite(contract, scenario);
    let fail = |e: offtake_report::Error| ApiError::internal("rendering the report", e);
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(s, _)| s)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect::<String>();
    let stem = if stem.is_empty() {
        "report".to_string()
    } else {
        stem
    };
    // A what-if's download says so in its name (`deal-what-if-demand-0.5.xlsx`): a saved file
    // is not mistaken for the sheet's own run.
    let stem = match demand_factor {
        Some(x) => format!("{stem}-what-if-demand-{x}"),
        None => stem,
    };
    let (bytes, content_type, ext): (Vec<u8>, &str, String) = match format {
        ReportFormat::Csv(which) => {
            let (monthly, annual) =
                offtake_report::csv::render(contract, &outcome, demand_factor).map_err(fail)?;
            match which {
                CsvFile::Monthly => (
                    monthly.into_bytes(),
                    "text/csv; charset=utf-8",
                    "monthly.csv".into(),
                ),
                CsvFile::Annual => (
                    annual.into_bytes(),
                    "text/csv; charset=utf-8",
                    "annual.csv".into(),
                ),
            }
        }
        ReportFormat::Json => {
            let bytes = offtake_report::UnderwritingJson::new(contract, &outcome)
                .with_variants(contract, variants)
                .with_demand_factor(demand_factor)
                .to_vec_pretty()
                .map_err(fail)?;
            (bytes, "application/json", "json".into())
        }
        ReportFormat::Html | ReportFormat::Xlsx => {
            let (kind, ct, ext) = if format == ReportFormat::Html {
                (Kind::Html, "text/html; charset=utf-8", "html")
            } else {
                (
                    Kind::Xlsx,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "xlsx",
                )
            };
            let doc = offtake_report::document::Report {
                contract,
                outcome: &outcome,
                variants,
                demand_factor,
                file_name,
                risk: None,
            };
            (
                offtake_report::document::render(&doc, kind).map_err(fail)?,
                ct,
                ext.into(),
            )
        }
    };
    let disposition = if format == ReportFormat::Html {
        "inline".to_string()
    } else {
        format!("attachment; filename=\"{stem}.{ext}\"")
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

/// The credit-committee report of a term sheet: HTML, XLSX, CSV (annual or monthly) or JSON.
#[utoipa::path(post, path = "/api/v1/report", tag = "term sheets",
    params(
        ("format" = Option<String>, Query, description = "html (default), xlsx, csv or json."),
        ("file" = Option<String>, Query, description = "With format=csv: annual (default) or monthly."),
        ("variant" = Option<Vec<String>>, Query, description = "TERM=N (repeatable)."),
        ("default" = Option<Vec<String>>, Query, description = "PARTY=YYYY-MM (repeatable)."),
        ("demand_factor" = Option<f64>, Query, description = "What-if: the sheet's demand multiplied by X (0.01 ≤ X ≤ 10), as `--demand-factor`; the document says so (CSV: a last column `demand_factor`; a download's file name ends `-what-if-demand-X`)."),
        ("name" = Option<String>, Query, description = "The file name the report and messages give the body."),
    ),
    request_body(content = String, content_type = "application/toml", description = "The term sheet."),
    responses(
        (status = 200, description = "The document, by `format`: HTML (inline), XLSX, CSV or JSON (attachments named after the body).", content(
            ("text/html"),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("text/csv"),
            (serde_json::Value = "application/json"),
        )),
        (status = 400, description = "Bad format or file, variant, default, demand factor or query.", body = ErrorBody),
        (status = 422, description = "The term sheet is not valid.", body = ErrorBody),
    ))]
pub async fn report(
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Query::parse(
        raw.as_deref(),
        &[
            "format",
            "file",
            "variant",
            "default",
            "demand_factor",
            "name",
        ],
    )?;
    toml_body(&headers)?;
    let format = ReportFormat::from_query(&q)?;
    let variants = q.variants()?;
    let defaults = q.defaults()?;
    let demand_factor = q.demand_factor()?;
    let name = q.name()?;
    blocking(move || {
        let parsed = parse_body(&name, &body, &variants)?;
        let scenario = scenario(&parsed.contract, &defaults, demand_factor)?;
        render_report(
            &parsed.contract,
            &scenario,
            &variants,
            demand_factor,
            &name,
            format,
        )
    })
    .await
}
