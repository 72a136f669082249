//! A serde serializer writing pretty JSON into [`Out`] exactly as
//! `serde_json::Serializer::with_formatter(_, PrettyFormatter)` writes it, with fewer steps:
//! a member's line, key and `: ` as three small copies, numbers into the buffer's room (f64
//! through the document's [`Cache`]), plain strings (the usual case) without serde_json's
//! byte-by-byte escaping scan. Rare shapes (128-bit and f32 numbers, strings that need
//! escapes) are handed to serde_json itself.
//!
//! serde_json's pretty formatter keeps one `has_value` flag that, at a container's end, says
//! whether that container had an element; here each container's [`Compound`] knows it.

use serde::ser::{self, Serialize};

use super::{Cache, NUMBER, Out, format_digits, format_finite};

type Error = serde_json::Error;

/// Writes one value whose first line is `depth` levels in.
pub(super) struct Ser<'a> {
    pub(super) out: &'a mut Out,
    pub(super) cache: &'a mut Cache,
    pub(super) depth: usize,
}

impl<'a> Ser<'a> {
    #[inline]
    fn integer(&mut self, magnitude: u64, negative: bool) {
        self.out
            .put_with(|dst: &mut [u8; NUMBER]| format_digits(dst, magnitude, negative));
    }

    /// `s` as a JSON string, then `after` (`: ` after a key).
    #[inline]
    fn string(&mut self, s: &str, after: &'static [u8]) -> Result<(), Error> {
        super::write_string(self.out, s, after)
    }

    /// A scalar as serde_json writes it (compact and pretty agree on scalars).
    fn by_serde_json<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut serde_json::Serializer::new(&mut *self.out))
    }

    /// Opens an object or array: `{`/`[`, and for a variant first `{`, its line and `"name": `.
    fn open<'s>(
        &'s mut self,
        bracket: &'static [u8],
        variant: Option<&'static str>,
        len: Option<usize>,
    ) -> Result<Compound<'s, 'a>, Error> {
        let depth = self.depth;
        let inner = match variant {
            Some(name) => {
                self.out.put(b"{");
                self.out.line(depth + 1, true);
                self.string(name, b": ")?;
                depth + 1
            }
            None => depth,
        };
        self.out.put(bracket);
        let state = if len == Some(0) {
            // serde_json closes a container said to be empty at once.
            self.out.put(closing(bracket));
            State::Empty
        } else {
            State::First
        };
        Ok(Compound {
            ser: self,
            depth: inner,
            state,
            variant: variant.is_some(),
            bracket,
        })
    }
}

fn closing(bracket: &[u8]) -> &'static [u8] {
    if bracket == b"[" { b"]" } else { b"}" }
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum State {
    /// Closed already (said to be empty).
    Empty,
    /// No element yet.
    First,
    /// At least one element.
    Rest,
}

/// An open array or object (inside a `{"variant": …}` when `variant`).
pub(super) struct Compound<'s, 'a> {
    ser: &'s mut Ser<'a>,
    /// The depth of the container's own first line (its elements are one deeper).
    depth: usize,
    state: State,
    variant: bool,
    bracket: &'static [u8],
}

impl Compound<'_, '_> {
    /// The next element's line.
    #[inline]
    fn next(&mut self) {
        self.ser
            .out
            .line(self.depth + 1, self.state == State::First);
        self.state = State::Rest;
    }

    /// The next element's value.
    #[inline]
    fn value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.ser.depth = self.depth + 1;
        value.serialize(&mut *self.ser)
    }

    /// A member: its line, `"key": ` and the value.
    #[inline]
    fn field<T: ?Sized + Serialize>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.next();
        self.ser.string(key, b": ")?;
        self.value(value)
    }

    fn close(self) -> Result<(), Error> {
        match self.state {
            State::Empty => {}
            State::First => self.ser.out.put(closing(self.bracket)),
            State::Rest => {
                self.ser.out.line(self.depth, true);
                self.ser.out.put(closing(self.bracket));
            }
        }
        if self.variant {
            self.ser.out.line(self.depth - 1, true);
            self.ser.out.put(b"}");
        }
        Ok(())
    }
}

impl<'s, 'a> ser::Serializer for &'s mut Ser<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'s, 'a>;
    type SerializeTuple = Compound<'s, 'a>;
    type SerializeTupleStruct = Compound<'s, 'a>;
    type SerializeTupleVariant = Compound<'s, 'a>;
    type SerializeMap = Compound<'s, 'a>;
    type SerializeStruct = Compound<'s, 'a>;
    type SerializeStructVariant = Compound<'s, 'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.put(if v { b"true" } else { b"false" });
        Ok(())
    }

    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }

    #[inline]
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.integer(v.unsigned_abs(), v < 0);
        Ok(())
    }

    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.by_serde_json(&v)
    }

    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }

    #[inline]
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.integer(v, false);
        Ok(())
    }

    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.by_serde_json(&v)
    }

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.by_serde_json(&v)
    }

    #[inline]
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        if v.is_finite() {
            let cache = &mut *self.cache;
            self.out
                .put_with(|dst: &mut [u8; NUMBER]| format_finite(dst, v, Some(cache)));
        } else {
            self.out.put(b"null");
        }
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]), b"")
    }

    #[inline]
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v, b"")
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        seq.end()
    }

    #[inline]
    fn serialize_none(self) -> Result<(), Error> {
        self.out.put(b"null");
        Ok(())
    }

    #[inline]
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.out.put(b"null");
        Ok(())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant, b"")
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut object = self.open(b"{", None, None)?;
        object.field(variant, value)?;
        object.close()
    }

    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'s, 'a>, Error> {
        self.open(b"[", None, len)
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'s, 'a>, Error> {
        self.open(b"[", None, Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        self.open(b"[", None, Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        self.open(b"[", Some(variant), Some(len))
    }

    #[inline]
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'s, 'a>, Error> {
        self.open(b"{", None, len)
    }

    #[inline]
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'s, 'a>, Error> {
        self.open(b"{", None, Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        self.open(b"{", Some(variant), Some(len))
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.next();
        self.value(value)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.next();
        self.value(value)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.next();
        self.value(value)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.next();
        self.value(value)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Error> {
        self.next();
        key.serialize(KeySer {
            ser: &mut *self.ser,
        })?;
        self.ser.out.put(b": ");
        Ok(())
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Error> {
        self.value(value)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// A map key: a string (a plain one written here), or anything else handed to serde_json's
/// own key rules (numbers and bools quoted, other kinds an error) through a one-member map.
struct KeySer<'s, 'a> {
    ser: &'s mut Ser<'a>,
}

impl KeySer<'_, '_> {
    /// The key as serde_json writes it: the text between `{` and `:` of `{key:null}`.
    fn by_serde_json<T: ?Sized + Serialize>(self, key: &T) -> Result<(), Error> {
        struct One<'k, K: ?Sized>(&'k K);
        impl<K: ?Sized + Serialize> Serialize for One<'_, K> {
            fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use ser::SerializeMap;
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry(self.0, &())?;
                map.end()
            }
        }
        let text = serde_json::to_vec(&One(key))?;
        // `{` + key + `:null}`
        let key_text = text
            .get(1..text.len().saturating_sub(6))
            .unwrap_or_default();
        self.ser.out.put(key_text);
        Ok(())
    }
}

macro_rules! key_by_serde_json {
    ($($method:ident: $ty:ty),*) => {
        $(
            fn $method(self, v: $ty) -> Result<(), Error> {
                self.by_serde_json(&v)
            }
        )*
    };
}

impl ser::Serializer for KeySer<'_, '_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = ser::Impossible<(), Error>;
    type SerializeTuple = ser::Impossible<(), Error>;
    type SerializeTupleStruct = ser::Impossible<(), Error>;
    type SerializeTupleVariant = ser::Impossible<(), Error>;
    type SerializeMap = ser::Impossible<(), Error>;
    type SerializeStruct = ser::Impossible<(), Error>;
    type SerializeStructVariant = ser::Impossible<(), Error>;

    key_by_serde_json!(
        serialize_bool: bool,
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128,
        serialize_f32: f32,
        serialize_f64: f64,
        serialize_char: char,
        serialize_bytes: &[u8]
    );

    #[inline]
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.ser.string(v, b"")
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.by_serde_json(&None::<()>)
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Error> {
        self.by_serde_json(&Some(value))
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.by_serde_json(&())
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.by_serde_json(&())
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.ser.string(variant, b"")
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Error> {
        Err(not_a_key())
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(not_a_key())
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Error> {
        Err(not_a_key())
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Error> {
        Err(not_a_key())
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(not_a_key())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(not_a_key())
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Error> {
        Err(not_a_key())
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(not_a_key())
    }
}

/// serde_json's error for a key that is not a string.
fn not_a_key() -> Error {
    <Error as ser::Error>::custom("key must be a string")
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;
    use serde_json::Value;

    use crate::pretty::Doc;

    /// `value` as a member `levels` objects deep, as serde_json's pretty writer nests it.
    #[derive(Serialize)]
    struct Wrap<'a, T: ?Sized> {
        v: &'a T,
    }

    fn reference<T: ?Sized + Serialize>(value: &T) -> Result<String, String> {
        serde_json::to_string_pretty(&Wrap { v: value })
            .map(|s| s + "\n")
            .map_err(|e| e.to_string())
    }

    fn ours<T: ?Sized + Serialize>(value: &T) -> Result<String, String> {
        let mut doc = Doc::new(0);
        let mut root = doc.root();
        root.member("v", value).map_err(|e| e.to_string())?;
        root.end();
        Ok(String::from_utf8(doc.finish()).unwrap())
    }

    fn same<T: ?Sized + Serialize>(value: &T) {
        assert_eq!(ours(value).ok(), reference(value).ok());
        let nested = Wrap {
            v: &[Wrap { v: value }],
        };
        assert_eq!(ours(&nested).ok(), reference(&nested).ok());
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        New(f64),
        Tuple(i32, String),
        EmptyTuple(),
        Struct { a: Vec<u8>, b: Option<char> },
        EmptyStruct {},
    }

    #[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
    struct Unit;

    #[derive(Serialize)]
    struct Newtype(Option<f32>);

    #[derive(Serialize)]
    struct Empty {}

    struct Bytes(&'static [u8]);

    impl Serialize for Bytes {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }

    /// A sequence and a map that do not say their length, and one that says 0.
    struct Unsized(usize);

    impl Serialize for Unsized {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = s.serialize_map(None)?;
            for k in 0..self.0 {
                map.serialize_entry(&k.to_string(), &vec![k; k])?;
            }
            map.end()
        }
    }

    #[test]
    fn every_serde_shape_matches_serde_json() {
        same(&Shape::Unit);
        same(&Shape::New(-0.0));
        same(&Shape::Tuple(-7, "t\"ab\t".into()));
        same(&Shape::EmptyTuple());
        same(&Shape::Struct {
            a: vec![0, 255],
            b: Some('\n'),
        });
        same(&Shape::Struct { a: vec![], b: None });
        same(&Shape::EmptyStruct {});
        same(&[Shape::Unit, Shape::New(f64::NAN)]);
        same(&Unit);
        same(&Newtype(Some(0.1)));
        same(&Newtype(Some(f32::INFINITY)));
        same(&Empty {});
        same(&Bytes(b"ab\0"));
        same(&Bytes(b""));
        same(&(
            1u8,
            -2i16,
            3u32,
            i64::MIN,
            u64::MAX,
            i128::MIN,
            u128::MAX,
            'é',
            (),
        ));
        same(&((), ((),)));
        same(&Unsized(0));
        same(&Unsized(3));
        same(&Vec::<Vec<f64>>::new());
        same(&vec![vec![], vec![1.5]]);
        same(&BTreeMap::from([(-3i32, 1.0), (4, 2.0)]));
        same(&BTreeMap::from([(true, ()), (false, ())]));
        same(&BTreeMap::from([('k', 1), ('"', 2)]));
        same(&BTreeMap::from([(u128::MAX, "big")]));
        same(&BTreeMap::from([(Unit, 1)]));
        same(&BTreeMap::from([(Some(1), 1)]));
        same(&BTreeMap::from([(vec![1], 1)]));
        same(&BTreeMap::<String, u8>::new());
        same(&Some(Some(3)));
        same(&"\u{0}\u{1f}\u{7f}\\/".to_string());
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(|x| Value::from(x.trunc())),
            "[a-z\"\\\\\n\t\u{1}é😀 ]{0,40}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
                prop::collection::btree_map("[a-z\"\\\\\n]{0,5}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn random_values_match_serde_json(v in value()) {
            prop_assert_eq!(ours(&v), reference(&v));
            let nested = Wrap { v: &[Wrap { v: &v }] };
            prop_assert_eq!(ours(&nested), reference(&nested));
        }
    }
}
