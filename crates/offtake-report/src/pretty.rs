//! Pretty JSON, byte for byte what `serde_json::to_string_pretty` writes, in less time.
//!
//! The underwriting document is mostly arrays of numbers (each monthly series): serde_json's
//! `PrettyFormatter` writes each element's line break and each of its indent levels as separate
//! small copies, and grows its buffer from 128 bytes by doubling. [`Pretty`] writes the same
//! bytes — `,\n` and the indent in one copy, whole numbers with `.0` in one — into a buffer
//! sized up front. Everything else (structure, keys, string escaping, `null` for NaN and
//! ±∞, which serde_json decides before it asks the formatter) is serde_json's own serializer.
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
use serde_json::ser::{Formatter, Serializer};

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

/// serde_json's `PrettyFormatter` with two-space indent, same output, fewer copies.
#[derive(Debug, Default, Clone)]
pub struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    /// A line break (after a comma unless `first`) and the current indent.
    #[inline]
    fn line<W: ?Sized + io::Write>(&self, w: &mut W, first: bool) -> io::Result<()> {
        // The depths of the monthly series (3) and of the annual rows' members (3) as
        // fixed-length copies, which the compiler inlines.
        match (first, self.depth) {
            (false, 3) => return w.write_all(b",\n      "),
            (false, 2) => return w.write_all(b",\n    "),
            (true, 3) => return w.write_all(b"\n      "),
            _ => {}
        }
        let from = usize::from(first);
        if self.depth <= MAX_ONE_COPY_DEPTH {
            w.write_all(&BREAK[from..2 + 2 * self.depth])
        } else {
            w.write_all(&BREAK[from..2])?;
            for _ in 0..self.depth {
                w.write_all(b"  ")?;
            }
            Ok(())
        }
    }

    /// The closing line of an array or object: a break and the outer indent when it had members.
    #[inline]
    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(w, true)?;
        }
        w.write_all(bracket)
    }
}

/// Writes a finite `value` exactly as serde_json does.
#[inline]
pub fn write_f64<W: ?Sized + io::Write>(w: &mut W, value: f64) -> io::Result<()> {
    // A cast, not `fract()` (a libm call without SSE4.1): |value| < 10^15, so the cast is exact
    // for whole numbers and differs for the others.
    if value.abs() < WHOLE_LIMIT && (value as i64) as f64 == value {
        write_whole(w, value as i64, value.is_sign_negative())
    } else {
        w.write_all(zmij::Buffer::new().format_finite(value).as_bytes())
    }
}

/// `[-]digits.0` in one write (`negative` also for −0).
#[inline]
fn write_whole<W: ?Sized + io::Write>(w: &mut W, n: i64, negative: bool) -> io::Result<()> {
    const LEN: usize = 24;
    let mut buf = [0u8; LEN];
    buf[LEN - 2] = b'.';
    buf[LEN - 1] = b'0';
    let mut at = LEN - 2;
    let mut m = n.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if negative {
        at -= 1;
        buf[at] = b'-';
    }
    w.write_all(&buf[at..])
}

impl Formatter for Pretty {
    #[inline]
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"[")
    }

    #[inline]
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    #[inline]
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(w, first)
    }

    #[inline]
    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    #[inline]
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    #[inline]
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    #[inline]
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.line(w, first)
    }

    #[inline]
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    #[inline]
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    #[inline]
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, value: f64) -> io::Result<()> {
        write_f64(w, value)
    }
}

/// `serde_json::to_vec_pretty(value)` and a final newline, into a buffer of `capacity` bytes
/// to start with (a good guess saves the copies of growing it).
pub fn to_vec_pretty<T: ?Sized + Serialize>(value: &T, capacity: usize) -> crate::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(capacity);
    value.serialize(&mut Serializer::with_formatter(&mut out, Pretty::default()))?;
    out.push(b'\n');
    Ok(out)
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
}
