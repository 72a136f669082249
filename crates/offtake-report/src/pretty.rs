//! Pretty JSON, byte for byte what `serde_json::to_string_pretty` writes, in less time.
//!
//! The underwriting document is mostly arrays of numbers (each monthly series): serde_json's
//! `PrettyFormatter` writes each element's line break and each of its indent levels as separate
//! small copies, and grows its buffer from 128 bytes by doubling. Here [`Doc`] writes the
//! monthly series by hand (`,\n`, the indent and the number in one copy) and everything else
//! goes through this module's serde serializer (`ser`), which writes serde_json's pretty bytes
//! with fewer steps and hands rare shapes (strings that need escapes, 128-bit numbers) to
//! serde_json; [`to_vec_pretty`] uses the same serializer for any document.
//!
//! Numbers: serde_json writes a finite f64 with `zmij` (shortest round-trip digits, fixed
//! notation for decimal exponents −5…15, so every integer below 10^16 reads `N.0`). This
//! module calls `zmij` directly for every number that is not a whole number below 10^15 in
//! magnitude, and writes those whole numbers as their decimal digits and `.0` (`-0.0`
//! included). Tests
//! hold it equal to serde_json on random and edge-case values; a serde_json that changed its
//! float writer would fail them.

use std::io;

use serde::Serialize;
use serde_json::ser::Serializer;

mod ser;

/// Deepest indent written in one copy; deeper levels (none in offtake's documents) loop.
const MAX_ONE_COPY_DEPTH: usize = 24;

/// `,\n` followed by the spaces of [`MAX_ONE_COPY_DEPTH`] levels.
const BREAK: [u8; 2 + 2 * MAX_ONE_COPY_DEPTH] = {
    let mut b = [b' '; 2 + 2 * MAX_ONE_COPY_DEPTH];
    b[0] = b',';
    b[1] = b'\n';
    b
};

/// Whole numbers at most this far from 0 are written by their digits (well inside the range
/// where serde_json's zmij writes every integer in fixed notation and f64 holds it exactly).
const WHOLE_LIMIT: f64 = 1e15;

/// Writes a finite `value` exactly as serde_json does.
#[inline]
pub fn write_f64<W: ?Sized + io::Write>(w: &mut W, value: f64) -> io::Result<()> {
    let mut buf = [0u8; NUMBER];
    let len = format_finite(&mut buf, value, None);
    w.write_all(&buf[..len])
}

/// Room for one number as serde_json writes it: at most 24 bytes (zmij's longest,
/// `-2.2250738585072014e-308`), rounded up to a size copied in two moves.
const NUMBER: usize = 32;

/// Room for one element's line of an array of numbers: the break and indent, then the number.
const LINE: usize = 64;

/// `00`, `01`, … `99`: whole numbers are written two digits at a time.
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// `value` as serde_json writes an `f64` (`null` when not finite) at the front of `buf`;
/// returns its length.
#[inline(always)]
fn format_number(buf: &mut [u8; NUMBER], value: f64, cache: &mut Cache) -> usize {
    if value.is_finite() {
        format_finite(buf, value, Some(cache))
    } else {
        buf[..4].copy_from_slice(b"null");
        4
    }
}

/// A finite `value` as serde_json writes it, at the front of `buf`; returns its length. Whole
/// numbers below [`WHOLE_LIMIT`] are written here, the others by zmij (through `cache` when
/// given).
#[inline(always)]
fn format_finite(buf: &mut [u8; NUMBER], value: f64, cache: Option<&mut Cache>) -> usize {
    // A cast, not `fract()` (a libm call without SSE4.1): |value| < 10^15, so the cast is exact
    // for whole numbers and differs for the others.
    if value.abs() < WHOLE_LIMIT && (value as i64) as f64 == value {
        format_whole(buf, (value as i64).unsigned_abs(), value.is_sign_negative())
    } else if let Some(cache) = cache {
        cache.format(buf, value)
    } else {
        let mut zmij = zmij::Buffer::new();
        let text = zmij.format_finite(value);
        small_copy(buf, text.as_bytes());
        text.len()
    }
}

/// `[-]digits.0` of `n` < 10^15 at the front of `buf` (`negative` also for −0).
#[inline(always)]
fn format_whole(buf: &mut [u8; NUMBER], n: u64, negative: bool) -> usize {
    let end = format_digits(buf, n, negative).min(NUMBER - 2);
    buf[end] = b'.';
    buf[end + 1] = b'0';
    end + 2
}

/// `[-]digits` of `n` at the front of `buf` (as itoa writes an integer); returns the length.
#[inline(always)]
fn format_digits(buf: &mut [u8; NUMBER], mut n: u64, negative: bool) -> usize {
    buf[0] = b'-';
    let digits = n.checked_ilog10().unwrap_or(0) as usize + 1;
    let end = usize::from(negative) + digits;
    let mut at = end;
    while n >= 100 {
        let pair = 2 * (n % 100) as usize;
        n /= 100;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    }
    if n >= 10 {
        let pair = 2 * n as usize;
        at -= 2;
        buf[at..at + 2].copy_from_slice(&PAIRS[pair..pair + 2]);
    } else {
        at -= 1;
        buf[at] = b'0' + n as u8;
    }
    debug_assert_eq!(at, usize::from(negative));
    end
}

/// Copies `src` (at most 32 bytes, `dst` at least as long) to the front of `dst` with copies
/// of constant length, which the compiler turns into a few moves instead of a call of memcpy.
#[inline(always)]
fn small_copy(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n >= 16 {
        dst[..16].copy_from_slice(&src[..16]);
        dst[n - 16..n].copy_from_slice(&src[n - 16..]);
    } else if n >= 8 {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..n].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..n].copy_from_slice(&src[n - 4..]);
    } else if n > 0 {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

/// Slots of [`Cache`] (a power of two).
const CACHE_SLOTS: usize = 512;

/// zmij's text of recently written numbers, by their bits: the monthly series repeat many
/// values (a level price, a straight-line depreciation), and a copy is cheaper than zmij.
struct Cache {
    /// Inline, 20 kB on the stack of the document's writer: no allocation per document.
    slots: [Slot; CACHE_SLOTS],
}

#[derive(Clone, Copy)]
struct Slot {
    /// The number's bits; a NaN's (never formatted by zmij here) marks an empty slot.
    bits: u64,
    len: usize,
    text: [u8; 24],
}

impl Cache {
    fn new() -> Cache {
        let empty = Slot {
            bits: u64::MAX,
            len: 0,
            text: [0; 24],
        };
        Cache {
            slots: [empty; CACHE_SLOTS],
        }
    }

    /// zmij's text of finite `value` at the front of `buf`; returns its length.
    #[inline]
    fn format(&mut self, buf: &mut [u8; NUMBER], value: f64) -> usize {
        let bits = value.to_bits();
        let i = (bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - CACHE_SLOTS.ilog2())) as usize
            % CACHE_SLOTS;
        let slot = &mut self.slots[i];
        if slot.bits == bits {
            buf[..24].copy_from_slice(&slot.text);
            slot.len
        } else {
            Cache::miss(slot, buf, value)
        }
    }

    /// Formats `value` into `buf` and `slot` (both from zmij's buffer: reading back a slot just
    /// written in pieces would wait for the pieces).
    #[inline(never)]
    fn miss(slot: &mut Slot, buf: &mut [u8; NUMBER], value: f64) -> usize {
        let mut zmij = zmij::Buffer::new();
        let text = zmij.format_finite(value).as_bytes();
        small_copy(buf, text);
        small_copy(&mut slot.text, text);
        slot.len = text.len();
        slot.bits = value.to_bits();
        text.len()
    }
}

/// The text being written: bytes `..len` of `buf` are written, the rest is zeroed room, so
/// that a number or a line break is copied with a constant length (a few moves) and the
/// length then advanced by its actual size.
pub(crate) struct Out {
    buf: Vec<u8>,
    len: usize,
}

/// The least room added at a time (zeroed just before it is written, while in cache).
const CHUNK: usize = 16 * 1024;

impl Out {
    pub(crate) fn with_capacity(capacity: usize) -> Out {
        Out {
            buf: Vec::with_capacity(capacity),
            len: 0,
        }
    }

    /// Makes at least `n` bytes of room after the text.
    #[inline]
    fn room(&mut self, n: usize) {
        if self.buf.len() - self.len < n {
            self.grow(n);
        }
    }

    #[cold]
    fn grow(&mut self, n: usize) {
        self.buf.resize(self.len + n.max(CHUNK), 0);
    }

    /// Appends what `write` writes into the front of the next `N` bytes, returning its length.
    #[inline]
    fn put_with<const N: usize>(&mut self, write: impl FnOnce(&mut [u8; N]) -> usize) {
        self.room(N);
        let at = self.len;
        if let Some(dst) = self.buf[at..].first_chunk_mut::<N>() {
            self.len += write(dst).min(N);
        }
    }

    /// Appends `bytes`.
    #[inline(always)]
    pub(crate) fn put(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        if n <= 32 {
            self.room(32);
            small_copy(&mut self.buf[self.len..], bytes);
        } else {
            self.room(n);
            self.buf[self.len..self.len + n].copy_from_slice(bytes);
        }
        self.len += n;
    }

    /// A line break (after a comma unless `first`) and `depth` levels of indent.
    #[inline]
    fn line(&mut self, depth: usize, first: bool) {
        let from = usize::from(first);
        if depth <= MAX_ONE_COPY_DEPTH {
            self.put(&BREAK[from..2 + 2 * depth]);
        } else {
            self.put(&BREAK[from..2]);
            for _ in 0..depth {
                self.put(b"  ");
            }
        }
    }

    /// Appends `"`, `text`, `"` and `tail` (`: ` after a key).
    #[inline(always)]
    fn put_quoted(&mut self, text: &[u8], tail: &[u8]) {
        let n = text.len();
        if n <= 32 && tail.len() <= 8 {
            self.room(48);
            let at = self.len;
            let dst = &mut self.buf[at..at + 48];
            dst[0] = b'"';
            small_copy(&mut dst[1..], text);
            dst[1 + n] = b'"';
            small_copy(&mut dst[2 + n..], tail);
            self.len += 2 + n + tail.len();
        } else {
            self.put(b"\"");
            self.put(text);
            self.put(b"\"");
            self.put(tail);
        }
    }

    /// The text.
    pub(crate) fn into_vec(mut self) -> Vec<u8> {
        self.buf.truncate(self.len);
        self.buf
    }
}

impl io::Write for Out {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.put(buf);
        Ok(buf.len())
    }

    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.put(buf);
        Ok(())
    }

    #[inline]
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// True when serde_json writes `s` between quotes as it is (no control character, `"` or `\`).
#[inline]
fn plain(s: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Eight bytes at a time: a byte of `x` below `n` (≤ 0x80) borrows into its high bit in
    // `x − n·ONES`, unless it was ≥ 0x80 already (hence `!x`); a byte equal to `c` is a zero byte
    // of `x ^ c·ONES`. Exact as to whether any byte qualifies.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH != 0;
    let mut chunks = s.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        if below(x, 0x20)
            || below(x ^ (ONES * u64::from(b'"')), 1)
            || below(x ^ (ONES * u64::from(b'\\')), 1)
        {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// `s` as a JSON string (escaped as serde_json escapes it), then `after`.
#[inline]
fn write_string(out: &mut Out, s: &str, after: &[u8]) -> serde_json::Result<()> {
    if plain(s) {
        out.put_quoted(s.as_bytes(), after);
    } else {
        s.serialize(&mut Serializer::new(&mut *out))?;
        out.put(after);
    }
    Ok(())
}

/// A pretty JSON document written partly by hand — objects member by member, arrays of numbers
/// element by element — and partly by this module's serializer (`ser`), byte for byte
/// what `serde_json::to_vec_pretty` writes for the same structure.
pub(crate) struct Doc {
    out: Out,
    cache: Cache,
}

impl Doc {
    /// An empty document with room for `capacity` bytes.
    pub(crate) fn new(capacity: usize) -> Doc {
        Doc {
            out: Out::with_capacity(capacity),
            cache: Cache::new(),
        }
    }

    /// Opens the top-level object.
    pub(crate) fn root(&mut self) -> Object<'_> {
        self.out.put(b"{");
        Object {
            doc: self,
            depth: 1,
            first: true,
        }
    }

    /// The text and a final newline.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.put(b"\n");
        self.out.into_vec()
    }

    /// `s` as a JSON string, then `after` (`: ` after a key).
    #[inline]
    fn string(&mut self, s: &str, after: &[u8]) -> crate::Result<()> {
        write_string(&mut self.out, s, after)?;
        Ok(())
    }
}

/// An object being written: its members are `depth` levels in.
pub(crate) struct Object<'d> {
    doc: &'d mut Doc,
    depth: usize,
    first: bool,
}

impl Object<'_> {
    /// The next member's line and `"key": `.
    fn key(&mut self, key: &str) -> crate::Result<()> {
        self.doc.out.line(self.depth, self.first);
        self.first = false;
        self.doc.string(key, b": ")?;
        Ok(())
    }

    /// A member written by serde_json.
    pub(crate) fn member<T: ?Sized + Serialize>(
        &mut self,
        key: &str,
        value: &T,
    ) -> crate::Result<()> {
        self.key(key)?;
        let Doc { out, cache } = &mut *self.doc;
        value.serialize(&mut ser::Ser {
            out,
            cache,
            depth: self.depth,
        })?;
        Ok(())
    }

    /// A member whose value is `null`.
    pub(crate) fn null(&mut self, key: &str) -> crate::Result<()> {
        self.key(key)?;
        self.doc.out.put(b"null");
        Ok(())
    }

    /// A member that is an array of strings.
    pub(crate) fn strings(&mut self, key: &str, values: &[String]) -> crate::Result<()> {
        self.key(key)?;
        self.doc.out.put(b"[");
        for (k, s) in values.iter().enumerate() {
            self.doc.out.line(self.depth + 1, k == 0);
            self.doc.string(s, b"")?;
        }
        self.close(b"]", !values.is_empty(), self.depth);
        Ok(())
    }

    /// A member that is an array of numbers, `null` for NaN and ±∞ (as serde_json writes an
    /// `f64`, and an `Option<f64>` when the absent ones are given as NaN).
    pub(crate) fn numbers(
        &mut self,
        key: &str,
        values: impl IntoIterator<Item = f64>,
    ) -> crate::Result<()> {
        self.key(key)?;
        let Doc { out, cache } = &mut *self.doc;
        out.put(b"[");
        // Each element's line: `,\n` (not before the first), the indent, the number.
        let indent = 2 * (self.depth + 1);
        let mut first = true;
        for x in values {
            let from = usize::from(first);
            first = false;
            if 2 + indent <= LINE - NUMBER {
                // The break and indent as one copy of constant length, the number after it.
                out.put_with(|dst: &mut [u8; LINE]| {
                    dst[..LINE - NUMBER].copy_from_slice(&BREAK[from..from + LINE - NUMBER]);
                    let at = 2 + indent - from;
                    match dst[at..].first_chunk_mut() {
                        Some(dst) => at + format_number(dst, x, cache),
                        None => 0,
                    }
                });
            } else {
                out.line(self.depth + 1, from == 1);
                out.put_with(|dst| format_number(dst, x, cache));
            }
        }
        self.close(b"]", !first, self.depth);
        Ok(())
    }

    /// A member that is an object; write its members, then [`Object::end`] it.
    pub(crate) fn object(&mut self, key: &str) -> crate::Result<Object<'_>> {
        self.key(key)?;
        self.doc.out.put(b"{");
        Ok(Object {
            doc: &mut *self.doc,
            depth: self.depth + 1,
            first: true,
        })
    }

    /// Closes the object.
    pub(crate) fn end(mut self) {
        let had_members = !self.first;
        let depth = self.depth - 1;
        self.close(b"}", had_members, depth);
    }

    /// The closing line of an array or object whose opening line is `depth` levels in: a
    /// break and that indent when it had members, then the bracket.
    fn close(&mut self, bracket: &[u8], had_members: bool, depth: usize) {
        if had_members {
            self.doc.out.line(depth, true);
        }
        self.doc.out.put(bracket);
    }
}

/// `serde_json::to_vec_pretty(value)` and a final newline, into a buffer of `capacity` bytes
/// to start with (a good guess saves the copies of growing it).
pub fn to_vec_pretty<T: ?Sized + Serialize>(value: &T, capacity: usize) -> crate::Result<Vec<u8>> {
    let mut doc = Doc::new(capacity);
    let Doc { out, cache } = &mut doc;
    value.serialize(&mut ser::Ser {
        out,
        cache,
        depth: 0,
    })?;
    Ok(doc.finish())
}

/// [`to_vec_pretty`] as a `String`.
pub fn to_string_pretty<T: ?Sized + Serialize>(
    value: &T,
    capacity: usize,
) -> crate::Result<String> {
    let bytes = to_vec_pretty(value, capacity)?;
    // serde_json writes UTF-8 only; the check cannot fail.
    String::from_utf8(bytes).map_err(|e| crate::Error::Io {
        source: io::Error::new(io::ErrorKind::InvalidData, e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reference<T: Serialize>(value: &T) -> String {
        serde_json::to_string_pretty(value).unwrap() + "\n"
    }

    fn ours<T: Serialize>(value: &T) -> String {
        to_string_pretty(value, 0).unwrap()
    }

    const EDGES: [f64; 34] = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        0.1,
        1e-5,
        1e-6,
        1.5e-5,
        123456.789,
        999_999_999_999_999.0,
        1e15,
        -1e15,
        1e15 + 1.0,
        9_007_199_254_740_992.0,
        1e16,
        1e17,
        -1e16,
        1e21,
        1e300,
        f64::MAX,
        f64::MIN,
        f64::MIN_POSITIVE,
        5e-324,
        -5e-324,
        2.225_073_858_507_201e-308,
        f64::EPSILON,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        166_666_666.666_666_7,
        744.0,
        -1e-300,
        4_503_599_627_370_497.0,
    ];

    #[test]
    fn edge_numbers_match_serde_json_at_every_depth() {
        for depth in 0..30 {
            let mut v = json!(EDGES.to_vec());
            for _ in 0..depth {
                v = json!({ "a": [v.clone(), 1], "b": {} , "c": [] });
            }
            assert_eq!(ours(&v), reference(&v), "depth {depth}");
        }
        for x in EDGES {
            assert_eq!(ours(&x), reference(&x), "{x:e}");
            assert_eq!(ours(&[x]), reference(&[x]), "{x:e}");
        }
    }

    #[test]
    fn empty_and_nested_containers_match() {
        let v = json!({"e": [], "o": {}, "n": null, "s": "a\"\\\n\u{1}é", "x": [[[]], [{}], {"k": [1.0, null]}]});
        assert_eq!(ours(&v), reference(&v));
        assert_eq!(ours(&Vec::<f64>::new()), reference(&Vec::<f64>::new()));
    }

    #[test]
    fn whole_numbers_near_the_limit_match() {
        for e in 0..=17 {
            let p = 10f64.powi(e);
            for x in [p - 1.0, p, p + 1.0, -p, -(p - 1.0), -(p + 1.0), p / 2.0] {
                assert_eq!(ours(&x), reference(&x), "{x:e}");
            }
        }
    }

    #[test]
    fn a_nonfinite_number_is_null() {
        assert_eq!(ours(&vec![f64::NAN, 1.0]), "[\n  null,\n  1.0\n]\n");
    }

    /// `{"n": {"n": … {key: xs}}}`, `levels` objects around the array, through serde.
    struct Nest<'a> {
        levels: usize,
        key: &'a str,
        xs: &'a [f64],
    }

    impl Serialize for Nest<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(1))?;
            if self.levels == 0 {
                m.serialize_entry(self.key, self.xs)?;
            } else {
                let inner = Nest {
                    levels: self.levels - 1,
                    ..*self
                };
                m.serialize_entry("n", &inner)?;
            }
            m.end()
        }
    }

    fn write_nested(o: &mut Object<'_>, levels: usize, key: &str, xs: &[f64]) {
        if levels == 0 {
            o.numbers(key, xs.iter().copied()).unwrap();
        } else {
            let mut inner = o.object("n").unwrap();
            write_nested(&mut inner, levels - 1, key, xs);
            inner.end();
        }
    }

    /// [`Nest`] by [`Doc`]'s array writer.
    fn doc_nested(levels: usize, key: &str, xs: &[f64]) -> String {
        let mut doc = Doc::new(0);
        let mut root = doc.root();
        write_nested(&mut root, levels, key, xs);
        root.end();
        String::from_utf8(doc.finish()).unwrap()
    }

    #[test]
    fn the_array_writer_matches_serde_json_at_every_depth() {
        // Depths on both sides of the one-copy line (indent ≤ 30) and of MAX_ONE_COPY_DEPTH.
        for levels in 0..30 {
            for xs in [&EDGES[..], &[], &[1.5], &[f64::NAN]] {
                let nest = Nest {
                    levels,
                    key: "xs",
                    xs,
                };
                assert_eq!(doc_nested(levels, "xs", xs), reference(&nest), "{levels}");
            }
        }
    }

    #[test]
    fn keys_and_strings_are_escaped_as_serde_json_does() {
        for key in [
            "",
            "plain",
            "q\"uote",
            "back\\slash",
            "nl\n",
            "\u{1}\u{1f}",
            "é€😀",
            "\u{7f}",
        ] {
            let xs = [1.0, 0.25];
            let nest = Nest {
                levels: 1,
                key,
                xs: &xs,
            };
            assert_eq!(doc_nested(1, key, &xs), reference(&nest), "{key:?}");
            let strings = vec![key.to_string(), "2026-01".into(), key.repeat(40)];
            let mut doc = Doc::new(0);
            let mut root = doc.root();
            root.strings(key, &strings).unwrap();
            root.strings("empty", &[]).unwrap();
            root.null("none").unwrap();
            root.member("x", &[Some(1.0), None]).unwrap();
            root.end();
            let ours = String::from_utf8(doc.finish()).unwrap();
            let mut map = serde_json::Map::new();
            map.insert(key.to_string(), json!(strings));
            let expected = format!(
                "{{\n  {}: {},\n  \"empty\": [],\n  \"none\": null,\n  \"x\": [\n    1.0,\n    null\n  ]\n}}\n",
                serde_json::to_string(key).unwrap(),
                serde_json::to_string_pretty(&json!(strings))
                    .unwrap()
                    .replace('\n', "\n  "),
            );
            assert_eq!(ours, expected, "{key:?}");
        }
    }

    #[test]
    fn whole_numbers_are_their_digits() {
        let check = |n: u64| {
            for negative in [false, true] {
                let mut buf = [0u8; NUMBER];
                let len = format_whole(&mut buf, n, negative);
                let sign = if negative { "-" } else { "" };
                assert_eq!(
                    std::str::from_utf8(&buf[..len]).unwrap(),
                    format!("{sign}{n}.0")
                );
            }
        };
        for n in 0..100_000 {
            check(n);
        }
        let mut p = 1u64;
        while p < 1_000_000_000_000_000 {
            for n in [p - 1, p, p + 1, 2 * p - 1, 9 * p, 10 * p - 1] {
                check(n);
            }
            p *= 10;
        }
    }

    #[test]
    fn integers_are_their_digits() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            12_345,
            u64::MAX / 10,
            u64::MAX - 1,
            u64::MAX,
        ] {
            for negative in [false, true] {
                let mut buf = [0u8; NUMBER];
                let len = format_digits(&mut buf, n, negative);
                let sign = if negative { "-" } else { "" };
                assert_eq!(
                    std::str::from_utf8(&buf[..len]).unwrap(),
                    format!("{sign}{n}")
                );
            }
        }
    }

    #[test]
    fn plain_is_exactly_no_byte_to_escape() {
        let simple = |s: &str| s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
        for len in 0..26 {
            for at in 0..len {
                for c in (0u8..0x80).map(char::from).chain(['é', '\u{80}', '😀']) {
                    let mut s: String = "abcdefghijklmnopqrstuvwxyz"[..len].into();
                    s.replace_range(at..at + 1, c.encode_utf8(&mut [0; 4]));
                    assert_eq!(plain(&s), simple(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn an_empty_document_and_object_match() {
        let mut doc = Doc::new(0);
        let mut root = doc.root();
        root.object("o").unwrap().end();
        root.end();
        assert_eq!(
            String::from_utf8(doc.finish()).unwrap(),
            "{\n  \"o\": {}\n}\n"
        );
        let mut doc = Doc::new(0);
        doc.root().end();
        assert_eq!(String::from_utf8(doc.finish()).unwrap(), "{}\n");
    }

    #[test]
    fn the_cache_returns_each_numbers_own_text() {
        // Many values through few slots: every collision must be told apart by its bits.
        let xs: Vec<f64> = (0..20 * CACHE_SLOTS)
            .map(|k| (k % (3 * CACHE_SLOTS)) as f64 / 7.0 + 0.5)
            .collect();
        let nest = Nest {
            levels: 0,
            key: "k",
            xs: &xs,
        };
        assert_eq!(doc_nested(0, "k", &xs), reference(&nest));
    }

    #[test]
    fn out_grows_past_its_first_capacity() {
        let mut out = Out::with_capacity(1);
        let mut expected = Vec::new();
        for k in 0..5000usize {
            let piece = vec![b'a' + (k % 26) as u8; k % 70];
            out.put(&piece);
            expected.extend_from_slice(&piece);
        }
        assert_eq!(out.into_vec(), expected);
    }

    proptest::proptest! {
        #[test]
        fn the_array_writer_matches_serde_json_on_random_numbers(
            xs in proptest::collection::vec(proptest::prelude::any::<f64>(), 0..50),
            bits in proptest::collection::vec(proptest::prelude::any::<u64>(), 0..50),
            levels in 0usize..20,
        ) {
            let mut xs = xs;
            xs.extend(bits.into_iter().map(f64::from_bits));
            xs.extend(xs.clone().iter().map(|x| x.trunc()));
            let nest = Nest { levels, key: "xs", xs: &xs };
            proptest::prop_assert_eq!(doc_nested(levels, "xs", &xs), reference(&nest));
        }
    }
}
