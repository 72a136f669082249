//! The spanned TOML tree validation walks, and a fast reader for the plain TOML term sheets are
//! written in.
//!
//! The tree mirrors `toml::de::DeTable` (same names, same spans, keys in the same sorted order),
//! so validation reads it as it read the parser's. [`parse_plain`] reads a file written in a
//! plain subset of TOML (bare keys, `[table]` and `[[array]]` headers of one key, basic strings
//! without escapes, decimal numbers, booleans, arrays, one-line inline tables) in one pass, and
//! gives up (`None`) on anything else, valid or not: then the `toml` parser reads the file, with
//! its error messages, and [`from_toml`] converts its tree. For every file it accepts,
//! [`parse_plain`] gives the tree the `toml` parser gives, span for span (the tests compare them
//! on every bundled sheet and on random edits of them; the fuzz target `toml_tree` on
//! arbitrary text, through [`fuzz_tree_agrees`]).

use std::borrow::Cow;
use std::collections::HashMap;

use toml::Spanned;
use toml::value::Datetime;

pub(crate) type Key<'i> = Spanned<Cow<'i, str>>;
pub(crate) type Item<'i> = Spanned<DeValue<'i>>;

/// A TOML value, as `toml::de::DeValue`.
#[derive(Debug, Clone)]
pub(crate) enum DeValue<'i> {
    String(Cow<'i, str>),
    Integer(DeInteger<'i>),
    Float(DeFloat<'i>),
    Boolean(bool),
    Datetime(Datetime),
    Array(Vec<Item<'i>>),
    Table(DeTable<'i>),
}

impl<'i> DeValue<'i> {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            DeValue::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_datetime(&self) -> Option<&Datetime> {
        match self {
            DeValue::Datetime(d) => Some(d),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Item<'i>]> {
        match self {
            DeValue::Array(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_table(&self) -> Option<&DeTable<'i>> {
        match self {
            DeValue::Table(t) => Some(t),
            _ => None,
        }
    }
}

/// An integer as written (sign and digits, without a radix prefix), as `toml::de::DeInteger`.
#[derive(Debug, Clone)]
pub(crate) struct DeInteger<'i> {
    inner: Cow<'i, str>,
    radix: u32,
}

impl DeInteger<'_> {
    pub fn as_str(&self) -> &str {
        &self.inner
    }

    pub fn radix(&self) -> u32 {
        self.radix
    }
}

/// A float as written, as `toml::de::DeFloat`.
#[derive(Debug, Clone)]
pub(crate) struct DeFloat<'i> {
    inner: Cow<'i, str>,
}

impl DeFloat<'_> {
    pub fn as_str(&self) -> &str {
        &self.inner
    }
}

/// A table: its entries sorted by key (the order of `toml::de::DeTable`), each key once.
#[derive(Debug, Clone, Default)]
pub(crate) struct DeTable<'i> {
    entries: Vec<(Key<'i>, Item<'i>)>,
}

impl<'i> DeTable<'i> {
    fn with_capacity(n: usize) -> Self {
        DeTable {
            entries: Vec::with_capacity(n),
        }
    }

    /// Sorts the entries of this table and of every table in it by key.
    fn sort_all(&mut self) {
        self.entries
            .sort_unstable_by(|a, b| key_order(a.0.get_ref(), b.0.get_ref()));
        for (_, v) in &mut self.entries {
            sort_item(v);
        }
    }

    fn sorted(mut entries: Vec<(Key<'i>, Item<'i>)>) -> Self {
        entries.sort_unstable_by(|a, b| key_order(a.0.get_ref(), b.0.get_ref()));
        DeTable { entries }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Key<'i>, &Item<'i>)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn get(&self, key: &str) -> Option<&Item<'i>> {
        // A small table is scanned: most keys differ in length from the one sought, which
        // costs no comparison of their text, and those of the same length are compared inline
        // (a `memcmp` call costs more than the few bytes it compares).
        if self.entries.len() <= 16 {
            return self
                .entries
                .iter()
                .find(|(k, _)| crate::reader::same(k.get_ref(), key))
                .map(|(_, v)| v);
        }
        self.entries
            .binary_search_by(|(k, _)| k.get_ref().as_ref().cmp(key))
            .ok()
            .map(|i| &self.entries[i].1)
    }
}

/// `a.cmp(b)` (byte order, as `toml::de::DeTable` sorts), compared inline: keys are short and
/// mostly differ in their first bytes, where a `memcmp` call costs more than the loop.
#[inline]
fn key_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    match a.iter().zip(b).find(|(x, y)| x != y) {
        Some((x, y)) => x.cmp(y),
        None => a.len().cmp(&b.len()),
    }
}

fn sort_item(v: &mut Item<'_>) {
    match v.get_mut() {
        DeValue::Table(t) => t.sort_all(),
        DeValue::Array(items) => items.iter_mut().for_each(sort_item),
        _ => {}
    }
}

/// The `toml` parser's tree as this module's.
pub(crate) fn from_toml(table: toml::de::DeTable<'_>) -> DeTable<'_> {
    DeTable::sorted(
        table
            .into_iter()
            .map(|(k, v)| {
                let span = v.span();
                (k, Spanned::new(span, from_toml_value(v.into_inner())))
            })
            .collect(),
    )
}

fn from_toml_value(v: toml::de::DeValue<'_>) -> DeValue<'_> {
    use toml::de::DeValue as T;
    match v {
        T::String(s) => DeValue::String(s),
        T::Integer(i) => DeValue::Integer(DeInteger {
            inner: Cow::Owned(i.as_str().to_string()),
            radix: i.radix(),
        }),
        T::Float(f) => DeValue::Float(DeFloat {
            inner: Cow::Owned(f.as_str().to_string()),
        }),
        T::Boolean(b) => DeValue::Boolean(b),
        T::Datetime(d) => DeValue::Datetime(d),
        T::Array(items) => DeValue::Array(
            items
                .into_iter()
                .map(|item| {
                    let span = item.span();
                    Spanned::new(span, from_toml_value(item.into_inner()))
                })
                .collect(),
        ),
        T::Table(t) => DeValue::Table(from_toml(t)),
    }
}

/// Arrays and inline tables nested deeper than this, and keys of more dotted parts than
/// [`MAX_DOTS`], are left to the `toml` parser, which refuses them past a limit of its own (80
/// levels in all).
const MAX_DEPTH: usize = 32;
const MAX_DOTS: usize = 8;

/// The tree of `src` when it is written in the plain subset of TOML this reads (see the module
/// documentation) and valid; `None` otherwise, valid TOML or not.
pub(crate) fn parse_plain(src: &str) -> Option<DeTable<'_>> {
    // A byte order mark is the parser's. Control characters (tab and newline aside, so `\r`
    // too) are too: outside comments and strings nothing here reads them, and those check.
    if src.starts_with('\u{feff}') {
        return None;
    }
    let mut p = Plain {
        src,
        bytes: src.as_bytes(),
        i: 0,
    };
    let mut root = DeTable::with_capacity(16);
    let mut root_index = Index::default();
    // The table key-values go to: None for the root, else the index of its entry in the root
    // (a table, or an array of tables whose last table it is).
    let mut current: Option<usize> = None;
    let mut current_index = Index::default();
    loop {
        p.spaces();
        let Some(c) = p.peek() else {
            break;
        };
        match c {
            b'\n' => {
                p.i += 1;
                continue;
            }
            b'#' => p.comment()?,
            b'[' => {
                current = Some(p.header(&mut root, &mut root_index)?);
                current_index = Index::default();
            }
            _ => {
                let (table, index) = match current {
                    None => (&mut root, &mut root_index),
                    Some(at) => (current_table(&mut root, at)?, &mut current_index),
                };
                p.key_value(table, index)?;
            }
        }
        p.end_of_line()?;
    }
    root.sort_all();
    Some(root)
}

/// The table of the root's entry `at`: a table, or the last of an array of tables.
fn current_table<'a, 'i>(root: &'a mut DeTable<'i>, at: usize) -> Option<&'a mut DeTable<'i>> {
    match root.entries.get_mut(at)?.1.get_mut() {
        DeValue::Table(t) => Some(t),
        DeValue::Array(items) => match items.last_mut()?.get_mut() {
            DeValue::Table(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

/// Where each key of a table under construction is, once it has many (a generated file's
/// thousands of tables or keys must not make reading quadratic); a small table is scanned.
#[derive(Default)]
struct Index<'i> {
    map: Option<HashMap<&'i str, usize>>,
}

/// Tables with more entries than this find a key through an [`Index`].
const INDEXED: usize = 16;

/// A table made by dotted keys below the current table has no index: past this many entries it
/// is left to the parser.
const MAX_SCANNED: usize = 256;

/// The position of `key` among `entries`.
fn position(
    entries: &[(Key<'_>, Item<'_>)],
    index: Option<&Index<'_>>,
    key: &str,
) -> Option<usize> {
    match index.and_then(|i| i.map.as_ref()) {
        Some(map) => map.get(key).copied(),
        None => entries
            .iter()
            .position(|(k, _)| crate::reader::same(k.get_ref(), key)),
    }
}

/// Adds an entry whose key (`name`, borrowed from the file) is not among `entries` yet; returns
/// its position.
fn push<'i>(
    entries: &mut Vec<(Key<'i>, Item<'i>)>,
    index: Option<&mut Index<'i>>,
    key: Key<'i>,
    name: &'i str,
    item: Item<'i>,
) -> usize {
    let at = entries.len();
    entries.push((key, item));
    if let Some(index) = index {
        if let Some(map) = &mut index.map {
            map.insert(name, at);
        } else if entries.len() > INDEXED {
            let mut map = HashMap::with_capacity(entries.len() * 2);
            for (i, (k, _)) in entries.iter().enumerate() {
                if let Cow::Borrowed(k) = k.get_ref() {
                    map.insert(*k, i);
                }
            }
            index.map = Some(map);
        }
    }
    at
}

struct Plain<'i> {
    src: &'i str,
    bytes: &'i [u8],
    i: usize,
}

impl<'i> Plain<'i> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    /// Spaces and tabs.
    fn spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }

    /// Spaces, tabs, newlines and comments (between the items of an array).
    fn blank(&mut self) {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n') => self.i += 1,
                Some(b'#') => {
                    if self.comment().is_none() {
                        return;
                    }
                }
                _ => return,
            }
        }
    }

    /// A comment, up to the end of its line; `None` (left where it is) if it holds a control
    /// character.
    fn comment(&mut self) -> Option<()> {
        let rest = &self.bytes[self.i..];
        let end = self.src[self.i..].find('\n').unwrap_or(rest.len());
        if !plain_text(&rest[..end]) {
            return None;
        }
        self.i += end;
        Some(())
    }

    /// Spaces, a comment, then a newline or the end of the file.
    fn end_of_line(&mut self) -> Option<()> {
        self.spaces();
        if self.peek() == Some(b'#') {
            self.comment()?;
        }
        match self.peek() {
            None => Some(()),
            Some(b'\n') => {
                self.i += 1;
                Some(())
            }
            Some(_) => None,
        }
    }

    /// A bare key, and its text.
    fn bare_key(&mut self) -> Option<(Key<'i>, &'i str)> {
        let start = self.i;
        let rest = self.bytes.get(start..).unwrap_or_default();
        self.i += rest
            .iter()
            .position(|&c| !BARE_KEY[usize::from(c)])
            .unwrap_or(rest.len());
        let name = &self.src[start..self.i];
        (self.i > start).then(|| (Spanned::new(start..self.i, Cow::Borrowed(name)), name))
    }

    /// `[key]` or `[[key]]` of one bare key, into `root`: a new table, or the next of an array
    /// of tables. Returns the index of its entry in `root`.
    fn header(&mut self, root: &mut DeTable<'i>, index: &mut Index<'i>) -> Option<usize> {
        let start = self.i;
        self.eat(b'[')?;
        let array = self.eat(b'[').is_some();
        let (key, name) = self.bare_key()?;
        self.eat(b']')?;
        if array {
            self.eat(b']')?;
        }
        let span = start..self.i;
        let table = || Spanned::new(span.clone(), DeValue::Table(DeTable::with_capacity(8)));
        match position(&root.entries, Some(index), name) {
            None => {
                let item = if array {
                    Spanned::new(span.clone(), DeValue::Array(vec![table()]))
                } else {
                    table()
                };
                Some(push(&mut root.entries, Some(index), key, name, item))
            }
            Some(at) => {
                let (k, item) = &mut root.entries[at];
                // An array of tables made by headers has the span of the first, around its
                // key; an array written as a value comes after its key.
                let by_headers = item.span().start < k.span().start;
                match item.get_mut() {
                    DeValue::Array(items) if array && by_headers => {
                        items.push(table());
                        Some(at)
                    }
                    _ => None,
                }
            }
        }
    }

    /// `a.b.c = value` into `table`: the dotted parts make (or extend) dotted tables.
    fn key_value(&mut self, table: &mut DeTable<'i>, index: &mut Index<'i>) -> Option<()> {
        let mut table = table;
        // The current table's index; the dotted tables below it are scanned.
        let mut index = Some(index);
        let (mut key, mut name) = self.bare_key()?;
        let mut dots = 0;
        while self.eat(b'.').is_some() {
            dots += 1;
            if dots > MAX_DOTS {
                return None;
            }
            let at = match position(&table.entries, index.as_deref(), name) {
                Some(at) => at,
                None => {
                    let span = key.span();
                    let dotted = Spanned::new(span, DeValue::Table(DeTable::with_capacity(4)));
                    push(&mut table.entries, index.take(), key, name, dotted)
                }
            };
            index = None;
            let (k, item) = &mut table.entries[at];
            // A table made by dotted keys has its key's span (an inline table starts at its
            // `{`, a header's at its `[`): only such a table takes more dotted keys.
            if item.span() != k.span() {
                return None;
            }
            table = match item.get_mut() {
                DeValue::Table(t) if t.entries.len() < MAX_SCANNED => t,
                _ => return None,
            };
            (key, name) = self.bare_key()?;
        }
        if position(&table.entries, index.as_deref(), name).is_some() {
            return None;
        }
        self.spaces();
        self.eat(b'=')?;
        self.spaces();
        let value = self.value(0)?;
        push(&mut table.entries, index, key, name, value);
        Some(())
    }

    fn value(&mut self, depth: usize) -> Option<Item<'i>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let start = self.i;
        // Each kind makes its item where it is returned: a value made first, then moved into
        // the item, was stored in parts and read back whole (a stalled reload per value).
        match self.peek()? {
            b'"' => {
                let value = self.string()?;
                self.item(start, value)
            }
            b'[' => {
                let value = self.array(depth)?;
                self.item(start, value)
            }
            b'{' => {
                let value = self.inline_table(depth)?;
                self.item(start, value)
            }
            b't' | b'f' => {
                let value = match self.word() {
                    "true" => true,
                    "false" => false,
                    _ => return None,
                };
                self.item(start, DeValue::Boolean(value))
            }
            b'0'..=b'9' | b'+' | b'-' => {
                let word = self.word();
                let value = number(word)?;
                self.item(start, value)
            }
            _ => None,
        }
    }

    /// `value` as the item from `start` to here, if a value may end here: at a space, a
    /// separator, a comment or the end of the line.
    #[inline(always)]
    fn item(&self, start: usize, value: DeValue<'i>) -> Option<Item<'i>> {
        if !matches!(
            self.peek(),
            None | Some(b' ' | b'\t' | b'\n' | b',' | b']' | b'}' | b'#')
        ) {
            return None;
        }
        Some(Spanned::new(start..self.i, value))
    }

    /// A run of the characters a number, a boolean or a date may hold.
    fn word(&mut self) -> &'i str {
        let start = self.i;
        while self.peek().is_some_and(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'+' | b'-' | b'.' | b':')
        }) {
            self.i += 1;
        }
        &self.src[start..self.i]
    }

    /// A basic string without escapes, on one line (not `"""`).
    fn string(&mut self) -> Option<DeValue<'i>> {
        self.eat(b'"')?;
        let start = self.i;
        // One pass up to the closing quote: no escape, no control character (a tab aside).
        // Eight bytes at a time while none of them is special, then byte by byte.
        let mut end = start;
        while let Some(chunk) = self.bytes.get(end..end + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            if special_in(u64::from_le_bytes(word)) {
                break;
            }
            end += 8;
        }
        loop {
            match *self.bytes.get(end)? {
                b'"' => break,
                b'\\' => return None,
                c if control(c) => return None,
                _ => end += 1,
            }
        }
        let text = self.src.get(start..end)?;
        self.i = end + 1;
        if text.is_empty() && self.peek() == Some(b'"') {
            return None;
        }
        Some(DeValue::String(Cow::Borrowed(text)))
    }

    fn array(&mut self, depth: usize) -> Option<DeValue<'i>> {
        self.eat(b'[')?;
        let mut items = Vec::new();
        loop {
            self.blank();
            if self.eat(b']').is_some() {
                break;
            }
            items.push(self.value(depth + 1)?);
            self.blank();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        Some(DeValue::Array(items))
    }

    /// `{ key = value, … }` of bare keys, on one line (its values aside), without a trailing
    /// comma.
    fn inline_table(&mut self, depth: usize) -> Option<DeValue<'i>> {
        self.eat(b'{')?;
        let mut entries: Vec<(Key<'i>, Item<'i>)> = Vec::new();
        self.spaces();
        if self.eat(b'}').is_some() {
            return Some(DeValue::Table(DeTable::default()));
        }
        loop {
            let (key, _) = self.bare_key()?;
            self.spaces();
            self.eat(b'=')?;
            self.spaces();
            let value = self.value(depth + 1)?;
            entries.push((key, value));
            self.spaces();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.spaces();
                }
                b'}' => {
                    self.i += 1;
                    break;
                }
                _ => return None,
            }
        }
        let table = DeTable::sorted(entries);
        // A key given twice: the parser's error.
        if table
            .entries
            .windows(2)
            .any(|w| w[0].0.get_ref() == w[1].0.get_ref())
        {
            return None;
        }
        Some(DeValue::Table(table))
    }
}

/// Whether any byte of the word `x` is a quote, a backslash, a control character (a tab too)
/// or DEL: a byte a plain string's reader must look at. (Exact: with the usual word-wise tests
/// for a zero byte and for a byte below a bound, which may misplace the byte but not miss it.)
fn special_in(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGHS;
    let zero_in = |x: u64| below(x, 1);
    (below(x, 0x20)
        | zero_in(x ^ (ONES * u64::from(b'"')))
        | zero_in(x ^ (ONES * u64::from(b'\\')))
        | zero_in(x ^ (ONES * 0x7f)))
        != 0
}

/// The bytes of a bare key (`A-Za-z0-9_-`), by value: one load a byte instead of a chain of
/// range tests.
const BARE_KEY: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        c += 1;
    }
    table
};

/// A control character other than a tab, or DEL: what neither a comment nor a basic string
/// may hold.
#[inline(always)]
fn control(c: u8) -> bool {
    (c < 0x20 && c != b'\t') || c == 0x7f
}

/// Text without [`control`] characters: what a comment may hold.
fn plain_text(bytes: &[u8]) -> bool {
    // Without an early exit, so the loop runs over many bytes at once.
    !bytes.iter().fold(false, |bad, &c| bad | control(c))
}

/// A decimal integer (`[+-]?(0|[1-9][0-9]*)`) or float (the same, then `.digits`, an exponent
/// or both); anything else (underscores, other radixes, `inf`, `nan`, dates) is `None`.
fn number(word: &str) -> Option<DeValue<'_>> {
    let b = word.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let int_start = i;
    let n = digits(&mut i);
    if n == 0 || (n > 1 && b[int_start] == b'0') {
        return None;
    }
    let mut float = false;
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return None;
        }
        float = true;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return None;
        }
        float = true;
    }
    if i != b.len() {
        return None;
    }
    Some(if float {
        DeValue::Float(DeFloat {
            inner: Cow::Borrowed(word),
        })
    } else {
        DeValue::Integer(DeInteger {
            inner: Cow::Borrowed(word),
            radix: 10,
        })
    })
}

/// The tree with every span, for comparing two trees.
fn dump(root: &DeTable<'_>) -> String {
    use std::fmt::Write;
    fn value(out: &mut String, v: &Item<'_>, depth: usize) {
        let pad = "  ".repeat(depth);
        match v.get_ref() {
            DeValue::Table(t) => {
                let _ = writeln!(out, "{pad}table {:?}", v.span());
                table(out, t, depth + 1);
            }
            DeValue::Array(items) => {
                let _ = writeln!(out, "{pad}array {:?}", v.span());
                for item in items {
                    value(out, item, depth + 1);
                }
            }
            DeValue::Integer(i) => {
                let _ = writeln!(
                    out,
                    "{pad}integer {:?} {} {:?}",
                    i.as_str(),
                    i.radix(),
                    v.span()
                );
            }
            DeValue::Float(f) => {
                let _ = writeln!(out, "{pad}float {:?} {:?}", f.as_str(), v.span());
            }
            other => {
                let _ = writeln!(out, "{pad}{other:?} {:?}", v.span());
            }
        }
    }
    fn table(out: &mut String, t: &DeTable<'_>, depth: usize) {
        for (k, v) in t.iter() {
            let _ = writeln!(
                out,
                "{}key {:?} {:?}",
                "  ".repeat(depth),
                k.get_ref(),
                k.span()
            );
            value(out, v, depth + 1);
        }
    }
    let mut out = String::new();
    table(&mut out, root, 0);
    out
}

/// For the fuzz target `toml_tree`: `Err` when [`parse_plain`] accepts `src` and the `toml`
/// parser refuses it, or gives another tree (value, span or key order). `Ok` when the plain
/// reader gives up, or agrees.
pub fn fuzz_tree_agrees(src: &str) -> Result<(), String> {
    let Some(plain) = parse_plain(src) else {
        return Ok(());
    };
    let (root, errors) = toml::de::DeTable::parse_recoverable(src);
    if !errors.is_empty() {
        return Err(format!(
            "plain reader accepts what the parser refuses ({}): {src:?}",
            errors[0].message().trim()
        ));
    }
    let (plain, parsed) = (dump(&plain), dump(&from_toml(root.into_inner())));
    if plain != parsed {
        return Err(format!(
            "trees differ for {src:?}\nplain:\n{plain}\nparser:\n{parsed}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The parser's tree, when it reports no error.
    fn by_toml(src: &str) -> Option<DeTable<'_>> {
        let (root, errors) = toml::de::DeTable::parse_recoverable(src);
        errors.is_empty().then(|| from_toml(root.into_inner()))
    }

    /// When the plain reader accepts `src`, the parser does too, with the same tree.
    fn agrees(src: &str) -> Result<bool, TestCaseError> {
        let Some(plain) = parse_plain(src) else {
            return Ok(false);
        };
        let Some(parsed) = by_toml(src) else {
            return Err(TestCaseError::fail(format!(
                "plain reader accepts what the parser refuses: {src:?}"
            )));
        };
        prop_assert_eq!(dump(&plain), dump(&parsed), "{:?}", src);
        Ok(true)
    }

    const EXAMPLE: &str = include_str!("../../../examples/amazon-anthropic-2026.toml");

    #[test]
    fn the_example_is_read_plainly_as_the_parser_reads_it() {
        assert!(agrees(EXAMPLE).unwrap());
    }

    #[test]
    #[allow(
        clippy::disallowed_methods,
        reason = "the test reads the bundled sheets from the repository"
    )]
    fn every_bundled_sheet_is_read_as_the_parser_reads_it() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let mut plain = 0;
        let mut seen = 0;
        for dir in [
            "examples",
            "fuzz/seeds",
            "crates/offtake-engine/tests/cases",
            "crates/offtake-engine/benches",
            "crates/offtake-risk/benches/sheets",
            "crates/offtake-model/tests/regressions",
            "crates/offtake-model/templates",
            "tools/reference/cases",
            "tools/reference/risk_cases",
        ] {
            let entries = std::fs::read_dir(format!("{root}/{dir}")).unwrap();
            for entry in entries {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "toml") {
                    let src = std::fs::read_to_string(&path).unwrap();
                    seen += 1;
                    plain += usize::from(agrees(&src).unwrap());
                }
            }
        }
        assert!(seen >= 60, "{seen}");
        // Most are plain: the fast reader is the one that runs.
        assert!(plain * 2 > seen, "{plain} of {seen}");
    }

    #[test]
    fn what_the_plain_reader_leaves_to_the_parser() {
        for src in [
            "a = 1\na = 2\n",
            "[a]\nx = 1\n[a]\ny = 1\n",
            "a.b = 1\n[a]\nc = 1\n",
            "a = []\n[[a]]\n",
            "a = [{ b = 1 }]\n[[a]]\n",
            "a.b = 1\n[[a]]\n",
            "a = { b = 1 }\na.c = 1\n",
            "a = 1_000\n",
            "a = 0x10\n",
            "a = 01\n",
            "a = 00e1\n",
            "a = 1.\n",
            "a = .5\n",
            "a = inf\n",
            "a = 2026-07-01\n",
            "a = \"x\\ty\"\n",
            "a = \"\"\"x\"\"\"\n",
            "a = 'x'\n",
            "\"a\" = 1\n",
            "a = 1\r\n",
            "a = { b = 1, }\n",
            "a = { b = 1,\n c = 2 }\n",
            "[ a ]\n",
            "[a.b]\n",
            "a = 1 b = 2\n",
            "a = [1 2]\n",
            "a = [1,,2]\n",
            "a = truex\n",
            "a = \"x\"y\n",
            "\u{feff}a = 1\n",
            "# a\u{1}b\na = 1\n",
            "a = 1 # \u{7f}\n",
            "a = [1, # \u{0}\n]\n",
            "# c\r\na = 1\n",
            "a = \"x\u{7f}y\"\n",
            "a = \"x\ny\"\n",
            "a = \"x\n",
            "a = 1\n\u{c}b = 2\n",
        ] {
            assert!(parse_plain(src).is_none(), "{src:?}");
        }
        for src in [
            "a = 1\n",
            "a = -0\nb = +1.5e-3\nc = 1E6\n",
            "[t]\n[[u]]\n[[u]]\nx = []\n",
            "a.b = 1\na.c = [1, [2, \"x\"], { y = true },\n# c\n]\n",
            "a = {}\n# end",
            "a = 99999999999999999999\nb = -9223372036854775809\nc = 1e400\nd = -1e-400\n",
            "a = 0.0\nb = -0e0\nc = 1e01\n",
        ] {
            assert!(agrees(src).unwrap(), "{src:?}");
        }
    }

    /// A long string is scanned a word at a time: a byte that ends or refuses it is found at
    /// every offset, in the first, a middle or the last word, and in the bytes after them.
    #[test]
    fn long_strings_are_told_at_every_offset() {
        let text = "abcdefghijklmnopqrstuvw";
        for at in 0..=text.len() {
            let (head, tail) = text.split_at(at);
            for refused in ['\\', '\u{1}', '\r', '\n', '\u{7f}', '\u{1f}'] {
                let src = format!("a = \"{head}{refused}{tail}\"\n");
                assert!(parse_plain(&src).is_none(), "{src:?}");
            }
            // A quote ends the string: what follows it is not a separator.
            let src = format!("a = \"{head}\"{tail}\"\n");
            assert!(parse_plain(&src).is_none(), "{src:?}");
            for kept in ['\t', 'é', '~', ' ', '\'', '😀'] {
                let src = format!("a = \"{head}{kept}{tail}\"\n");
                assert!(agrees(&src).unwrap(), "{src:?}");
            }
        }
    }

    #[test]
    fn many_keys_are_found_through_the_index() {
        let keys: String = (0..50).map(|i| format!("k{i} = {i}\n")).collect();
        let tables: String = (0..50).map(|i| format!("[t{i}]\nx = 1\n")).collect();
        let arrays: String = (0..50)
            .map(|i| format!("[[a]]\nx = {i}\n[[b{}]]\n", i % 20))
            .collect();
        let dotted: String = (0..50).map(|i| format!("d.k{i} = 1\n")).collect();
        for src in [&keys, &tables, &arrays, &dotted] {
            assert!(agrees(src).unwrap(), "{src}");
        }
        for late in ["k3 = 0\n", "k49 = 0\n", "k20.x = 0\n"] {
            assert!(parse_plain(&format!("{keys}{late}")).is_none(), "{late}");
        }
        for late in ["[t7]\n", "[t49]\n", "[[t20]]\n", "[b3]\n"] {
            assert!(
                parse_plain(&format!("{tables}{arrays}{late}")).is_none(),
                "{late}"
            );
        }
        assert!(parse_plain(&format!("{dotted}d.k30 = 2\n")).is_none());
        // A dotted table below the current one is scanned: a very large one is the parser's.
        let many: String = (0..MAX_SCANNED + 1)
            .map(|i| format!("d.k{i} = 1\n"))
            .collect();
        assert!(parse_plain(&many).is_none());
        assert!(by_toml(&many).is_some());
        let inline: String = (0..300).map(|i| format!("k{i} = {i}, ")).collect();
        assert!(agrees(&format!("t = {{ {inline}z = 0 }}\n")).unwrap());
        assert!(parse_plain(&format!("t = {{ {inline}k7 = 0 }}\n")).is_none());
        assert!(agrees(&format!("{dotted}d.k50 = 2\n")).unwrap());
    }

    /// Pieces of term sheets, valid and not, for random files.
    const PIECES: &[&str] = &[
        "[deal]",
        "[[tranche]]",
        "[risk]",
        "[[tranche]] ",
        "[ deal ]",
        "[deal.x]",
        "id = \"a\"",
        "id = \"b\"",
        "mw = 500",
        "mw = 5e2",
        "mw = -1.5",
        "mw = +0.5E+3",
        "mw = 01",
        "x.y = 1",
        "x.z = 2",
        "x = 3",
        "x.y.z = 4",
        "v = { value = 1, source = \"s\" }",
        "v = {}",
        "v = { value = 1, value = 2 }",
        "v = { a.b = 1 }",
        "p = [[\"2026-07\", 1], [\"2027-07\", 2.5]]",
        "p = [\n1,\n# note\n2,\n]",
        "p = [",
        "]",
        "b = true",
        "b = false",
        "b = tru",
        "s = \"\"",
        "s = \"é\"",
        "s = \"a # b\"",
        "# comment",
        "",
        "  ",
        "\t",
        "k = 1 # c",
        "k = 1,",
        "k = \"unclosed",
        "k = 2026-07-01",
        "k = 1979-05-27T07:32:00Z",
        "k = nan",
        "k = 1_000",
        "k=1",
        "k =1",
        "[[deal]]",
        "[x]",
        "-a = 1",
        "_b = 2",
        "3 = 3",
        "k = [1,]",
        "k = [,]",
        "k = { a = [1,\n2] }",
        "n = 99999999999999999999",
        "f = 1e400",
        "f = -0.0",
        "s = \"a\tb\"",
        "x.y = {}",
        "true = 1",
        "k = 1#c",
        "[deal]#c",
        "k = [ ]",
        "k = \"\"\"",
    ];

    #[test]
    fn bare_key_bytes_are_letters_digits_underscore_and_dash() {
        for c in 0..=255u8 {
            let want = c.is_ascii_alphanumeric() || c == b'_' || c == b'-';
            assert_eq!(BARE_KEY[usize::from(c)], want, "{c}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn random_files_are_read_as_the_parser_reads_them(
            lines in prop::collection::vec(prop::sample::select(PIECES), 0..24),
            crlf in prop::bool::weighted(0.05),
        ) {
            let src = lines.join(if crlf { "\r\n" } else { "\n" });
            agrees(&src)?;
        }

        #[test]
        fn edits_of_the_example_are_read_as_the_parser_reads_them(
            edits in prop::collection::vec(
                (0..EXAMPLE.len(), 0usize..3, prop::sample::select(&[
                    "\"", "[", "]", "{", "}", "=", ",", ".", "#", "\n", " ", "0", "e", "-", "+",
                    "_", "x", "'", "\\", "[[", "a.b", "1.5", "true",
                ][..])),
                1..4,
            ),
        ) {
            let mut src = EXAMPLE.to_string();
            for (at, kind, text) in edits {
                let mut at = at.min(src.len());
                while !src.is_char_boundary(at) {
                    at -= 1;
                }
                match kind {
                    0 => src.insert_str(at, text),
                    1 => {
                        let end = src[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                        src.replace_range(at..end, "");
                    }
                    _ => {
                        let end = src[at..].chars().next().map_or(at, |c| at + c.len_utf8());
                        src.replace_range(at..end, text);
                    }
                }
            }
            agrees(&src)?;
        }

        #[test]
        fn special_in_agrees_with_a_byte_test(
            bytes in prop::array::uniform8(prop::sample::select(&[
                0u8, 1, 9, 0x1f, 0x20, 0x21, b'"', b'\\', b'a', 0x7e, 0x7f, 0x80, 0xa0, 0xff,
            ][..])),
            any in prop::array::uniform8(0u8..=255),
        ) {
            for word in [bytes, any] {
                let want = word.iter().any(|&c| c < 0x20 || c == b'"' || c == b'\\' || c == 0x7f);
                prop_assert_eq!(special_in(u64::from_le_bytes(word)), want, "{:?}", word);
            }
        }

        #[test]
        fn key_order_agrees_with_str_cmp(a in "[ab_\\-é]{0,12}", b in "[ab_\\-é]{0,12}") {
            prop_assert_eq!(key_order(&a, &b), a.cmp(&b));
            prop_assert_eq!(key_order(&a, &a), std::cmp::Ordering::Equal);
        }
    }
}
