//! The one error type of offtake-report: what can go wrong while writing a report.

/// Errors of offtake-report. Building a report cannot fail; writing one can.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Writing to a stream (stdout, a buffer).
    #[error("writing the report: {source}")]
    Io {
        #[from]
        source: std::io::Error,
    },
    #[error("writing CSV: {source}")]
    Csv {
        #[from]
        source: ::csv::Error,
    },
    #[error("serializing JSON: {source}")]
    Json {
        #[from]
        source: serde_json::Error,
    },
    /// Drawing a chart (plotters' SVG backend).
    #[error("drawing the {chart} chart: {message}")]
    Chart {
        chart: &'static str,
        message: String,
    },
    /// A kind of file that is not a one-file document ([`crate::document::render`]).
    #[error("{0:?} is not a document rendered as one file")]
    NotADocument(crate::files::Kind),
    /// Building the XLSX workbook.
    #[error("building the XLSX workbook: {source}")]
    Xlsx {
        #[from]
        source: rust_xlsxwriter::XlsxError,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
