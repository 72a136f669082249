//! Every error the API returns: `{ "error": { "code", "message", "diagnostics" } }` with a stable
//! `code`. Messages say what is wrong with the request; a failure of the server itself (the
//! database, a bug) is logged and answered with a generic message, never SQL or a backtrace.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// One located problem of a term sheet, as `offtake check` prints it: 1-based line and column
/// (columns in characters) of the start and the end of the span, the field, the problem, help.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DiagnosticJson {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// Byte offsets in the body: `[start, end)`.
    pub start: usize,
    pub end: usize,
    /// The field, named as variants name terms (`tranche.phase-2.deadline`); empty for the file.
    pub field: String,
    pub problem: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl DiagnosticJson {
    pub fn new(src: &str, d: &offtake_model::Diagnostic) -> Self {
        let (line, column) = offtake_model::line_col(src, d.span.start);
        let (end_line, end_column) = offtake_model::line_col(src, d.span.end);
        DiagnosticJson {
            line,
            column,
            end_line,
            end_column,
            start: d.span.start,
            end: d.span.end,
            field: d.field.clone(),
            problem: d.problem.to_string(),
            help: d.help.clone(),
        }
    }

    /// Every diagnostic of `err` (an invalid term sheet), one at the first byte that is not
    /// UTF-8, or one for the whole body (empty, too large).
    pub fn all(src: &str, err: &offtake_model::Error) -> Vec<DiagnosticJson> {
        match err {
            offtake_model::Error::Invalid { diagnostics, .. } => {
                diagnostics.iter().map(|d| Self::new(src, d)).collect()
            }
            // The first byte that is not UTF-8, where an editor shows it.
            &offtake_model::Error::NotUtf8 {
                offset,
                line,
                column,
            } => vec![DiagnosticJson {
                line,
                column,
                end_line: line,
                end_column: column + 1,
                start: offset,
                end: offset + 1,
                field: String::new(),
                problem: err.to_string(),
                help: Some("save the file as UTF-8 (or replace the character there)".into()),
            }],
            other => vec![DiagnosticJson {
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 1,
                start: 0,
                end: 0,
                field: String::new(),
                problem: other.to_string(),
                help: None,
            }],
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `invalid_term_sheet`, `not_found`, `unauthorized`, … (docs/server.md).
    pub code: String,
    pub message: String,
    /// The term sheet's problems (`invalid_term_sheet`); empty otherwise.
    pub diagnostics: Vec<DiagnosticJson>,
    /// Problems not listed (a term sheet with more than the parser's maximum).
    #[serde(skip_serializing_if = "is_zero")]
    pub omitted: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub diagnostics: Vec<DiagnosticJson>,
    pub omitted: usize,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            diagnostics: Vec::new(),
            omitted: 0,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 422 `invalid_data`: an import's data (deal CSV, SEC JSON) that cannot be read.
    pub fn invalid_data(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_data", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A term sheet that does not validate: 422 with every located problem.
    pub fn invalid_sheet(name: &str, src: &str, err: &offtake_model::Error) -> Self {
        let omitted = match err {
            offtake_model::Error::Invalid { omitted, .. } => *omitted,
            _ => 0,
        };
        let code = match err {
            offtake_model::Error::TooLarge { .. } => "term_sheet_too_large",
            _ => "invalid_term_sheet",
        };
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code,
            message: format!("{name}: {err}"),
            diagnostics: DiagnosticJson::all(src, err),
            omitted,
        }
    }

    /// A failure of the server: logged in full, answered without details.
    pub fn internal(what: &str, detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "{what}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("{what} failed on the server; the details are in its log"),
        )
    }

    /// A store error: the caller's fault (unknown id, duplicate deal, bad data) is said; the
    /// database's own failures are not (their messages may carry SQL or connection details).
    pub fn store(e: offtake_store::Error) -> Self {
        use offtake_store::Error as E;
        match e {
            E::NotFound { .. } | E::NotStored { .. } => Self::not_found(e.to_string()),
            E::DuplicateDeal { .. } | E::DuplicateRow { .. } => {
                Self::new(StatusCode::CONFLICT, "conflict", e.to_string())
            }
            E::Data(_) | E::InvalidSchemaName { .. } => Self::invalid_data(e.to_string()),
            E::Busy { .. } => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "the database is busy; nothing was written, try again",
            ),
            other => Self::internal("the database operation", other),
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                diagnostics: self.diagnostics.clone(),
                omitted: self.omitted,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let unauthorized = status == StatusCode::UNAUTHORIZED;
        let mut response = (status, axum::Json(self.body())).into_response();
        if unauthorized {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"offtake\""),
            );
        }
        response
    }
}

/// The code of an error the framework produced (a body over the limit, a method a route does
/// not have) by its status.
pub fn code_of_status(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}
