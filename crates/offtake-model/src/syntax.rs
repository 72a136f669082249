//! The TOML layer: parse with every syntax error collected, located where a reader looks for it.

use std::ops::Range;

use toml::de::DeTable;

use crate::error::{Diagnostic, Error, Problem, Result};

pub(crate) fn parse_toml(src: &str) -> Result<DeTable<'_>> {
    let (root, errors) = DeTable::parse_recoverable(src);
    if errors.is_empty() {
        return Ok(root.into_inner());
    }
    let mut diagnostics: Vec<Diagnostic> = errors
        .into_iter()
        .map(|e| {
            let message = e.message().trim().to_string();
            let span = e.span().unwrap_or(0..0);
            let (span, help) = match unterminated_string(src, &message, &span) {
                Some((open, quote)) => {
                    let place = if quote.len() == 1 {
                        " on the same line"
                    } else {
                        ""
                    };
                    let help = format!("this string is never closed: end it with {quote}{place}");
                    (open, Some(help))
                }
                None => (span, None),
            };
            Diagnostic {
                problem: Problem::Syntax { message },
                span,
                field: String::new(),
                help,
            }
        })
        .collect();
    // The parser does not report in file order (a missing comma is found after the bad value
    // before it); diagnostics are always in file order.
    diagnostics.sort_by_key(|d| d.span.start);
    Err(Error::Invalid { diagnostics })
}

/// For an error about a string that never closes, the span of its opening quote and the quote
/// that would close it. The parser reports such an error where the string stops (the end of
/// the line, or of the file for a multi-line string), far from where the mistake is.
fn unterminated_string(
    src: &str,
    message: &str,
    span: &Range<usize>,
) -> Option<(Range<usize>, &'static str)> {
    let kind = ["basic string", "literal string"]
        .into_iter()
        .find(|k| message.starts_with("invalid ") && message.contains(k))?;
    if !message.contains("expected `\"`") && !message.contains("expected `'`") {
        return None;
    }
    let (start, quote) = open_string_at(src, span.start)?;
    let expected = if kind == "basic string" { '"' } else { '\'' };
    (quote.starts_with(expected)).then(|| (start..start + quote.len(), quote))
}

/// The opening offset and quote of the string that `offset` lies inside (or ends, unclosed, at),
/// lexing from the start of the file: comments, basic and literal strings, single- and
/// multi-line. `None` when `offset` is outside every string.
fn open_string_at(src: &str, offset: usize) -> Option<(usize, &'static str)> {
    let bytes = src.as_bytes();
    let end = offset.min(bytes.len());
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'#' => {
                // A comment runs to the end of the line.
                while i < end && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            q @ (b'"' | b'\'') => {
                let multi = bytes.get(i..i + 3) == Some(&[q, q, q][..]);
                let quote: &'static str = match (q, multi) {
                    (b'"', false) => "\"",
                    (b'"', true) => "\"\"\"",
                    (_, false) => "'",
                    (_, true) => "'''",
                };
                let open = i;
                i += quote.len();
                loop {
                    if i >= end {
                        return Some((open, quote));
                    }
                    match bytes[i] {
                        b'\\' if q == b'"' => i += 2,
                        b'\n' if !multi => break,
                        c if c == q && (!multi || bytes.get(i..i + 3) == Some(&[q, q, q][..])) => {
                            i += quote.len();
                            break;
                        }
                        _ => i += 1,
                    }
                }
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn located(src: &str) -> (usize, Option<String>) {
        match parse_toml(src) {
            Err(Error::Invalid { diagnostics }) => {
                (diagnostics[0].span.start, diagnostics[0].help.clone())
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unterminated_string_is_located_at_its_opening_quote() {
        for src in [
            "[deal]\nid = \"x\"\nname = \"abc\nstart = \"2026-01\"\n",
            "[deal]\nid = \"x\"\nname = 'abc\nstart = \"2026-01\"\n",
            "[deal]\nid = \"x\"\nname = \"abc",
            "[deal]\nid = \"x\" # \"\nname = \"a\\\"bc\n",
            "[deal]\nid = \"x\"\nname = \"\"\"abc\nstart = \"2026-01\"\n",
            "[deal]\nname = ['''x\n",
        ] {
            let after = src.find("name = ").unwrap() + "name = ".len();
            let quote_at = after + usize::from(src[after..].starts_with('['));
            let (at, help) = located(src);
            assert_eq!(at, quote_at, "{src:?}");
            assert!(help.is_some_and(|h| h.contains("never closed")), "{src:?}");
        }
    }

    #[test]
    fn other_syntax_errors_keep_their_place() {
        let (at, help) = located("a = \"x\"\nb = = 1\n");
        assert!(at >= 8, "{at}");
        assert_eq!(help, None);
    }
}
