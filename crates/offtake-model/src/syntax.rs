//! The TOML layer: parse with every syntax error collected, located where a reader looks for it.

use std::ops::Range;

use crate::error::{Diagnostic, Error, Problem, Result};
use crate::tree::{self, DeTable};

pub(crate) fn parse_toml(src: &str) -> Result<DeTable<'_>> {
    // Most term sheets are plain TOML, read in one pass; the parser reads the rest.
    if let Some(root) = tree::parse_plain(src) {
        return Ok(root);
    }
    let (root, errors) = toml::de::DeTable::parse_recoverable(src);
    if errors.is_empty() {
        return Ok(tree::from_toml(root.into_inner()));
    }
    // The parser reports a key too deeply dotted without a place; such keys are found here.
    let mut deep_keys = deep_dotted_keys(src).into_iter();
    let diagnostics: Vec<Diagnostic> = errors
        .into_iter()
        .map(|e| {
            let message = e.message().trim().to_string();
            let span = match e.span() {
                Some(span) => span,
                None if message == "recursion limit" => deep_keys.next().unwrap_or(0..0),
                None => 0..0,
            };
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
    // before it); `Error::invalid` puts them in file order.
    Err(Error::invalid(diagnostics))
}

/// How many dots a key may have before the TOML parser refuses it ("recursion limit", reported
/// without a place): its limit is 80 table levels, so a key of 81 parts or more.
const KEY_DOTS_REFUSED: usize = 80;

/// The spans of the dotted keys (table headers or keys) with at least [`KEY_DOTS_REFUSED`] dots,
/// in file order: a run of bare or quoted key parts joined by dots, whitespace allowed around
/// them; a comment or any other character ends a run.
fn deep_dotted_keys(src: &str) -> Vec<Range<usize>> {
    let bytes = src.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    // The current run: where it starts, where its last part ends, its dots, and whether the
    // last thing read was a dot (so a part may follow).
    let mut run: Option<(usize, usize, usize, bool)> = None;
    let close = |run: &mut Option<(usize, usize, usize, bool)>, found: &mut Vec<Range<usize>>| {
        if let Some((start, end, dots, _)) = run.take()
            && dots >= KEY_DOTS_REFUSED
        {
            found.push(start..end);
        }
    };
    while i < bytes.len() {
        let c = bytes[i];
        let part_end = if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' {
            let mut j = i;
            while j < bytes.len()
                && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_' || bytes[j] == b'-')
            {
                j += 1;
            }
            Some(j)
        } else if c == b'"' || c == b'\'' {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != c && bytes[j] != b'\n' {
                j += if c == b'"' && bytes[j] == b'\\' { 2 } else { 1 };
            }
            Some((j + 1).min(bytes.len()))
        } else {
            None
        };
        match (part_end, c) {
            (Some(j), _) => {
                match &mut run {
                    Some((_, end, _, after_dot @ true)) => {
                        *end = j;
                        *after_dot = false;
                    }
                    _ => {
                        close(&mut run, &mut found);
                        run = Some((i, j, 0, false));
                    }
                }
                i = j;
            }
            (None, b'.') => {
                match &mut run {
                    Some((_, _, dots, after_dot @ false)) => {
                        *dots += 1;
                        *after_dot = true;
                    }
                    _ => close(&mut run, &mut found),
                }
                i += 1;
            }
            (None, b' ' | b'\t') => i += 1,
            _ => {
                close(&mut run, &mut found);
                if c == b'#' {
                    while i < bytes.len() && bytes[i] != b'\n' {
                        i += 1;
                    }
                }
                i += 1;
            }
        }
    }
    close(&mut run, &mut found);
    found
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
            Err(Error::Invalid { diagnostics, .. }) => {
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
    fn a_key_dotted_too_deeply_is_located() {
        let header: Vec<String> = (0..100).map(|i| format!("a{i}")).collect();
        let keys = ["[", "[[", ""];
        for open in keys {
            let close = match open {
                "[" => "]",
                "[[" => "]]",
                _ => " = 1",
            };
            let src = format!(
                "[deal]\nid = \"x\" # a.b.c\n\n{open}{}{close}\nx = 1\n",
                header.join(" . ")
            );
            let at = src.find("a0").unwrap();
            let (start, _) = located(&src);
            assert_eq!(start, at, "{open}");
        }
        // 80 dots (81 parts) are refused, 79 are not: the parser's limit.
        let key = |parts: usize| {
            (0..parts)
                .map(|i| format!("k{i}"))
                .collect::<Vec<_>>()
                .join(".")
        };
        assert!(parse_toml(&format!("{} = 1\n", key(80))).is_ok());
        assert_eq!(located(&format!("x = 1\n{} = 1\n", key(81))).0, 6);
        assert_eq!(
            deep_dotted_keys(&format!("x = 1.5\n{} = 1\n", key(81))),
            vec![8..8 + key(81).len()]
        );
    }

    #[test]
    fn other_syntax_errors_keep_their_place() {
        let (at, help) = located("a = \"x\"\nb = = 1\n");
        assert!(at >= 8, "{at}");
        assert_eq!(help, None);
    }
}
