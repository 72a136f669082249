//! The one text table of every terminal view: right-aligned numbers, left-aligned text, two
//! spaces between columns, cells sanitized, verdict cells coloured, and a width limit met by
//! wrapping the text columns (numbers never wrap).

use crate::screen::{Screen, Tone, sanitize};

/// A cell: its text and how it is painted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

impl Cell {
    pub fn new(text: impl Into<String>, tone: Tone) -> Cell {
        Cell {
            text: text.into(),
            tone,
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell {
            text,
            tone: Tone::Plain,
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

/// A text table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    /// Per column: right-align (numbers) or not (text, which may wrap).
    pub right: Vec<bool>,
    pub rows: Vec<Vec<Cell>>,
    /// No header line (a list whose title says what the columns are).
    pub headless: bool,
    /// Text columns that wrap only when wrapping the others is not enough (ids), by index.
    pub keep: Vec<usize>,
}

/// The narrowest a text column is wrapped to.
const MIN_TEXT: usize = 12;

impl Table {
    pub fn new(header: &[&str], right: &[bool]) -> Table {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            right: right.to_vec(),
            rows: Vec::new(),
            headless: false,
            keep: Vec::new(),
        }
    }

    /// Column `i` wraps only as a last resort (an id that should stay whole).
    pub fn keep(mut self, i: usize) -> Table {
        self.keep.push(i);
        self
    }

    /// A table without a header line; `right` says which columns are numbers.
    pub fn headless(right: &[bool]) -> Table {
        Table {
            header: vec![String::new(); right.len()],
            right: right.to_vec(),
            rows: Vec::new(),
            headless: true,
            keep: Vec::new(),
        }
    }

    pub fn row<C: Into<Cell>>(&mut self, cells: Vec<C>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table without colour or width limit, each line indented by `indent` spaces.
    pub fn render(&self, indent: usize) -> String {
        self.render_on(
            indent,
            &Screen {
                colour: false,
                width: None,
            },
        )
    }

    /// The table on `screen`: text columns wrapped so every line fits its width, verdicts
    /// coloured when it allows; trailing spaces trimmed.
    pub fn render_on(&self, indent: usize, screen: &Screen) -> String {
        let n = self.header.len();
        let header: Vec<Cell> = self.header.iter().map(|h| Cell::from(h.as_str())).collect();
        let rows: Vec<Vec<Cell>> = std::iter::once(&header)
            .chain(&self.rows)
            .map(|row| {
                (0..n)
                    .map(|i| {
                        row.get(i).map_or_else(Cell::default, |c| {
                            Cell::new(sanitize(&c.text).into_owned(), c.tone)
                        })
                    })
                    .collect()
            })
            .collect();
        let mut width = vec![0; n];
        for row in &rows {
            for (w, cell) in width.iter_mut().zip(row) {
                *w = (*w).max(cell.text.chars().count());
            }
        }
        if let Some(limit) = screen.width {
            self.fit(&mut width, &rows, limit.saturating_sub(indent));
        }
        let mut out = String::new();
        for row in rows.iter().skip(usize::from(self.headless)) {
            let lines: Vec<Vec<String>> = row
                .iter()
                .enumerate()
                .map(|(i, c)| wrap(&c.text, width[i]))
                .collect();
            let height = lines.iter().map(Vec::len).max().unwrap_or(1);
            for k in 0..height {
                let mut line = " ".repeat(indent);
                for (i, cell) in row.iter().enumerate() {
                    let text = lines[i].get(k).map_or("", String::as_str);
                    let pad = " ".repeat(width[i].saturating_sub(text.chars().count()));
                    if i > 0 {
                        line.push_str("  ");
                    }
                    let painted = screen.paint(cell.tone, text);
                    if self.right.get(i).copied().unwrap_or(false) {
                        line.push_str(&pad);
                        line.push_str(&painted);
                    } else {
                        line.push_str(&painted);
                        line.push_str(&pad);
                    }
                }
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        out
    }

    /// Narrows the widest text columns, one column at a time, until the table fits `limit`
    /// or every text column is at its minimum.
    fn fit(&self, width: &mut [usize], rows: &[Vec<Cell>], limit: usize) {
        let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * w.len().saturating_sub(1);
        // A text column never gets narrower than its longest word or header word, up to MIN_TEXT.
        let floor: Vec<usize> = (0..width.len())
            .map(|i| {
                rows.iter()
                    .filter_map(|r| r.get(i))
                    .flat_map(|c| c.text.split(' '))
                    .map(|w| w.chars().count())
                    .max()
                    .unwrap_or(0)
                    .clamp(1, MIN_TEXT)
            })
            .collect();
        // Text columns wrap first; kept columns (ids) only when that is not enough.
        let text = |i: usize| !self.right.get(i).copied().unwrap_or(false);
        for last_resort in [false, true] {
            let wraps = |i: usize| text(i) && (last_resort || !self.keep.contains(&i));
            while total(width) > limit {
                let widest = (0..width.len())
                    .filter(|&i| wraps(i) && width[i] > floor[i])
                    // On a tie the rightmost column (notes, sources) wraps first.
                    .max_by_key(|&i| (width[i], i));
                let Some(i) = widest else { break };
                let over = total(width) - limit;
                // Take what is over, but never below the floor, and no narrower than the next
                // widest text column in one step (so the widest columns shrink together).
                let next = (0..width.len())
                    .filter(|&j| j != i && wraps(j))
                    .map(|j| width[j])
                    .max()
                    .unwrap_or(0);
                let step = over
                    .min(width[i] - floor[i])
                    .min(width[i].saturating_sub(next).max(1));
                width[i] -= step;
            }
        }
    }
}

/// `items` joined by `sep` into lines of at most `width` characters (an item longer than that
/// stands alone), each indented by `indent` spaces; items are sanitized.
pub fn flow(items: &[String], sep: &str, indent: usize, width: usize) -> String {
    let mut out = String::new();
    let mut current = String::new();
    let pad = " ".repeat(indent);
    for item in items {
        let item = sanitize(item);
        let added = if current.is_empty() {
            item.chars().count()
        } else {
            current.chars().count() + sep.chars().count() + item.chars().count()
        };
        if !current.is_empty() && indent + added > width {
            out.push_str(&pad);
            out.push_str(&current);
            out.push('\n');
            current.clear();
        }
        if !current.is_empty() {
            current.push_str(sep);
        }
        current.push_str(&item);
    }
    if !current.is_empty() {
        out.push_str(&pad);
        out.push_str(&current);
        out.push('\n');
    }
    out
}

/// `text` broken into lines of at most `width` characters, at spaces where it can be, inside a
/// word where it must.
fn wrap(text: &str, width: usize) -> Vec<String> {
    if text.chars().count() <= width || width == 0 {
        return vec![text.to_string()];
    }
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let used = current.chars().count();
            let sep = usize::from(used > 0);
            if used + sep + word.len() <= width {
                if sep == 1 {
                    current.push(' ');
                }
                current.extend(word.iter());
                break;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut current));
                continue;
            }
            // A word longer than the column: split it after its last `-`, `–`, `_`, `.` or `/` that
            // fits, else at the width.
            let at = word[..width]
                .iter()
                .rposition(|c| matches!(c, '-' | '–' | '_' | '.' | '/'))
                .map_or(width, |k| k + 1);
            let rest = word.split_off(at);
            lines.push(word.into_iter().collect());
            word = rest;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_numbers_right_and_labels_left() {
        let mut t = Table::new(&["name", "value"], &[false, true]);
        t.row(vec!["a", "$1.00B"]);
        t.row(vec!["longer", "$2"]);
        assert_eq!(
            t.render(1),
            " name     value\n a       $1.00B\n longer      $2\n"
        );
    }

    #[test]
    fn text_columns_wrap_to_fit_the_screen_and_numbers_do_not() {
        let mut t = Table::new(&["id", "note", "value"], &[false, false, true]);
        t.row(vec![
            "phase-1".to_string(),
            "a long explanation that will not fit on one line of a narrow screen".to_string(),
            "$123.45B".to_string(),
        ]);
        let screen = Screen {
            colour: false,
            width: Some(40),
        };
        let text = t.render_on(2, &screen);
        assert!(text.lines().all(|l| l.chars().count() <= 40), "{text}");
        assert!(text.contains("$123.45B"));
        let words: Vec<&str> = text.split_whitespace().collect();
        for w in "a long explanation that will not fit on one line of a narrow screen".split(' ') {
            assert!(words.contains(&w), "{w} lost in {text}");
        }
    }

    #[test]
    fn cells_are_sanitized_and_verdicts_coloured_without_changing_widths() {
        let mut t = Table::new(&["deal", "contracted"], &[false, false]);
        t.row(vec![Cell::from("evil\x1b[2J"), Cell::new("NO", Tone::Fail)]);
        t.row(vec![Cell::from("ok"), Cell::new("yes", Tone::Pass)]);
        let plain = t.render_on(0, &Screen::PLAIN);
        assert!(plain.contains("evil\\u{1b}[2J"));
        assert!(!plain.contains('\x1b'));
        let coloured = t.render_on(
            0,
            &Screen {
                colour: true,
                width: Some(120),
            },
        );
        assert!(coloured.contains("\x1b[1;31mNO\x1b[0m"));
        let strip = |s: &str| {
            s.lines()
                .map(crate::screen::visible_width)
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&coloured), strip(&plain));
    }

    #[test]
    fn flowing_keeps_lines_under_the_width() {
        let items: Vec<String> = (0..20).map(|i| format!("item-{i}")).collect();
        let s = flow(&items, " · ", 2, 30);
        assert!(s.lines().count() > 1);
        assert!(s.lines().all(|l| l.chars().count() <= 30), "{s}");
        assert_eq!(s.matches("item-").count(), 20);
    }

    #[test]
    fn a_headless_table_has_no_header_line() {
        let mut t = Table::headless(&[false, true]);
        t.row(vec!["a", "1"]);
        assert_eq!(t.render(0), "a  1\n");
    }

    #[test]
    fn kept_columns_wrap_last() {
        let mut t = Table::new(&["id", "note"], &[false, false]).keep(0);
        t.row(vec![
            "a-rather-long-identifier",
            "words that can wrap when needed here",
        ]);
        let fits = |w: usize| Screen {
            colour: false,
            width: Some(w),
        };
        let text = t.render_on(0, &fits(50));
        assert!(text.contains("a-rather-long-identifier"), "{text}");
        let text = t.render_on(0, &fits(30));
        assert!(text.lines().all(|l| l.chars().count() <= 30), "{text}");
    }

    #[test]
    fn long_words_are_split() {
        assert_eq!(wrap("abcdefgh", 3), vec!["abc", "def", "gh"]);
        assert_eq!(
            wrap("amazon-anthropic-2026", 12),
            vec!["amazon-", "anthropic-", "2026"]
        );
        assert_eq!(wrap("ab cd ef", 5), vec!["ab cd", "ef"]);
    }
}
