//! What a terminal view may assume about the screen: its width (120 columns unless `--wide`)
//! and whether it may colour (a terminal, `NO_COLOR` unset); and [`sanitize`], which every
//! terminal view applies to user text so ids, names and sources cannot move the cursor, clear
//! the screen or reorder text.
//!
//! The caller decides (the CLI looks at stdout and the environment); this crate reads neither.

use std::borrow::Cow;
use std::ffi::OsStr;

/// The width every terminal table fits unless the user asks for `--wide`.
pub const WIDTH: usize = 120;

/// How a terminal view is laid out and painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    /// Colour verdicts with ANSI SGR codes.
    pub colour: bool,
    /// Columns a table may use; `None` for no limit (`--wide`).
    pub width: Option<usize>,
}

impl Default for Screen {
    fn default() -> Self {
        Screen::PLAIN
    }
}

impl Screen {
    /// No colour, 120 columns: what tests, pipes and files get.
    pub const PLAIN: Screen = Screen {
        colour: false,
        width: Some(WIDTH),
    };

    /// The screen for stdout: colour only on a terminal and only when `NO_COLOR` is unset or
    /// empty (<https://no-color.org>); every column when `wide`.
    pub fn detect(stdout_is_terminal: bool, no_color: Option<&OsStr>, wide: bool) -> Screen {
        Screen {
            colour: stdout_is_terminal && no_color.is_none_or(OsStr::is_empty),
            width: if wide { None } else { Some(WIDTH) },
        }
    }

    /// Whether extra columns fit (`--wide`).
    pub fn wide(&self) -> bool {
        self.width.is_none()
    }

    /// `text` in `tone` (unchanged without colour). `text` must already be sanitized.
    pub fn paint(&self, tone: Tone, text: &str) -> String {
        match tone.sgr() {
            Some(code) if self.colour && !text.is_empty() => format!("\x1b[{code}m{text}\x1b[0m"),
            _ => text.to_string(),
        }
    }

    /// A verdict word (`yes` / `NO`) in its colour.
    pub fn verdict(&self, passed: bool, text: &str) -> String {
        self.paint(if passed { Tone::Pass } else { Tone::Fail }, text)
    }
}

/// The meaning of a coloured piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Plain,
    /// A verdict that holds: green.
    Pass,
    /// A verdict that fails: bold red.
    Fail,
    /// A caveat (partial run, estimated): yellow.
    Warn,
}

impl Tone {
    fn sgr(self) -> Option<&'static str> {
        match self {
            Tone::Plain => None,
            Tone::Pass => Some("32"),
            Tone::Fail => Some("1;31"),
            Tone::Warn => Some("33"),
        }
    }

    /// The tone of a verdict.
    pub fn of(passed: bool) -> Tone {
        if passed { Tone::Pass } else { Tone::Fail }
    }
}

/// `text` safe to print on a terminal: control characters (C0, DEL, C1, so also ESC and every
/// ANSI sequence), line and paragraph separators and bidirectional overrides are written as
/// escapes (`\n`, `\t`, `\r`, `\u{1b}`). Printable text, including non-ASCII, is unchanged;
/// applying it twice changes nothing more.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`sanitize`] line by line: a multi-line message keeps its line breaks, every other control
/// character is escaped. For messages on stderr (`error: …`).
pub fn sanitize_lines(text: &str) -> String {
    text.split('\n')
        .map(|line| sanitize(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `path` as a shell word for advice such as "run `offtake check PATH`": as it is when plain,
/// else in single quotes (a quote inside written `'\''`).
pub fn shell_word(path: &str) -> String {
    if !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
    {
        path.to_string()
    } else {
        format!("'{}'", path.replace('\'', "'\\''"))
    }
}

/// A source text safe to echo under a diagnostic, each byte where it was: every character
/// [`sanitize`] would escape (except line breaks and tabs) becomes a visible one of the same
/// UTF-8 length (`?`, `¿` or `�`), so spans into the original still point at the same place.
pub fn sanitize_source(text: &str) -> Cow<'_, str> {
    let bad = |c: char| needs_escape(c) && c != '\n' && c != '\t';
    if !text.chars().any(bad) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c.len_utf8() {
                _ if !bad(c) => c,
                1 => '?',
                2 => '¿',
                _ => '\u{fffd}',
            })
            .collect(),
    )
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// The visible width of `text` in columns: its characters, not counting ANSI SGR sequences
/// this crate paints with.
pub fn visible_width(text: &str) -> usize {
    let mut n = 0;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_quoted_as_shell_words() {
        assert_eq!(shell_word("deals/my-deal.toml"), "deals/my-deal.toml");
        assert_eq!(shell_word("my deals/x.toml"), "'my deals/x.toml'");
        assert_eq!(shell_word("it's/x.toml"), "'it'\\''s/x.toml'");
    }

    #[test]
    fn sanitize_escapes_controls_and_keeps_text() {
        assert_eq!(sanitize("phase-1"), "phase-1");
        assert!(matches!(
            sanitize("Anthropic — Amazon ≥ 1×"),
            Cow::Borrowed(_)
        ));
        assert_eq!(sanitize("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(sanitize("x\ny\tz\r"), "x\\ny\\tz\\r");
        assert_eq!(
            sanitize("bell\x07 del\x7f c1\u{9b}"),
            "bell\\u{7} del\\u{7f} c1\\u{9b}"
        );
        assert_eq!(sanitize("rtl\u{202e}txt"), "rtl\\u{202e}txt");
        let once = sanitize("\x1b]0;title\x07");
        assert_eq!(sanitize(&once), once);
        assert!(!once.chars().any(char::is_control));
        assert_eq!(sanitize_lines("a\x1b[2J\nb\r"), "a\\u{1b}[2J\nb\\r");
        let src = "id = \"x\x1b[31m\u{9b}\u{202e}y\"\n\tz";
        let safe = sanitize_source(src);
        assert_eq!(safe.len(), src.len());
        assert_eq!(safe, "id = \"x?[31m¿\u{fffd}y\"\n\tz");
    }

    #[test]
    fn colour_only_on_a_terminal_without_no_color() {
        let on = Screen::detect(true, None, false);
        assert!(on.colour);
        assert_eq!(on.width, Some(WIDTH));
        assert!(!Screen::detect(false, None, false).colour);
        assert!(!Screen::detect(true, Some(OsStr::new("1")), false).colour);
        // An empty NO_COLOR does not count (no-color.org).
        assert!(Screen::detect(true, Some(OsStr::new("")), false).colour);
        assert_eq!(Screen::detect(true, None, true).width, None);
        assert_eq!(on.verdict(true, "yes"), "\x1b[32myes\x1b[0m");
        assert_eq!(on.verdict(false, "NO"), "\x1b[1;31mNO\x1b[0m");
        assert_eq!(Screen::PLAIN.verdict(false, "NO"), "NO");
        assert_eq!(visible_width(&on.verdict(false, "NO")), 2);
    }
}
