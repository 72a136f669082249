//! Term-sheet problems for people (rendered with ariadne): file, line, column, the offending
//! snippet and help. The caller says whether to colour (the CLI knows the terminal).

use std::io::Write;

use ariadne::{Config, IndexType, Label, Report, ReportKind, Source};
use offtake_model::{Diagnostic, Error};

/// Writes every problem of `err` for the term sheet `path` (source `src`) to `out`; the count at
/// the end adds "nothing was written" for a command that would have written something (`writes`).
/// `color`: ANSI colours in the snippets.
pub fn render(path: &str, src: &str, err: &Error, writes: bool, color: bool, out: &mut dyn Write) {
    // The file and its name are the user's: no control character of theirs reaches the
    // terminal (the source keeps its byte offsets, so spans still point into it).
    let src = &*crate::screen::sanitize_source(src);
    let path = &*crate::sanitize(path);
    match err {
        Error::Invalid {
            diagnostics,
            omitted,
        } => {
            // One line index of the file for every diagnostic (building one per diagnostic made
            // a file with many problems quadratic).
            let mut cache = (path, Source::from(src));
            for d in diagnostics {
                render_one(path, src, d, color, &mut cache, out);
            }
            if *omitted > 0 {
                let _ = writeln!(
                    out,
                    "{path}: {omitted} more problem{} not shown",
                    if *omitted == 1 { "" } else { "s" }
                );
            }
            let n = diagnostics.len() + omitted;
            let _ = writeln!(
                out,
                "{path}: {n} problem{} found{}",
                if n == 1 { "" } else { "s" },
                if writes { "; nothing was written" } else { "" }
            );
        }
        other => {
            let other = crate::sanitize_lines(&other.to_string());
            let _ = writeln!(out, "error: {path}: {other}");
        }
    }
}

/// The first problem of an invalid term sheet in one line, `deadline 2026-12 is before …
/// [tranche.x.deadline]`, and how many more (a combination `compare` could not run).
pub fn first_problem(e: &Error) -> String {
    let Error::Invalid {
        diagnostics,
        omitted,
    } = e
    else {
        return e.to_string();
    };
    let more = diagnostics.len() + omitted - 1;
    diagnostics.first().map_or_else(
        || e.to_string(),
        |d| {
            let tail = if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            };
            format!("{} [{}]{tail}", d.problem, d.field)
        },
    )
}

fn render_one<'p>(
    path: &'p str,
    src: &str,
    d: &Diagnostic,
    color: bool,
    cache: &mut (&'p str, Source<&str>),
    out: &mut dyn Write,
) {
    let (line, col) = d.line_col(src);
    let span = clamp(src, d.span.clone());
    let field = if d.field.is_empty() {
        String::new()
    } else {
        format!(" [{}]", d.field)
    };
    let mut report = Report::build(ReportKind::Error, (path, span.clone()))
        .with_config(
            Config::default()
                .with_color(color)
                .with_index_type(IndexType::Byte),
        )
        .with_message(crate::sanitize_lines(&format!(
            "{path}:{line}:{col}{field}: {}",
            d.problem
        )))
        .with_label(
            Label::new((path, span)).with_message(crate::sanitize_lines(&d.problem.to_string())),
        );
    if let Some(help) = &d.help {
        report = report.with_help(crate::sanitize_lines(help));
    }
    let mut buf = Vec::new();
    if report.finish().write(cache, &mut buf).is_err() {
        let _ = writeln!(out, "error: {path}:{line}:{col}{field}: {}", d.problem);
        return;
    }
    let _ = out.write_all(&buf);
}

/// A span inside the source on char boundaries (ariadne needs one that exists).
fn clamp(src: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let mut start = span.start.min(src.len());
    while start > 0 && !src.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, src.len());
    while end < src.len() && !src.is_char_boundary(end) {
        end += 1;
    }
    start..end
}
