//! A serde serializer that feeds a value straight into a hasher: what a
//! page's fingerprint hashes is the data its view serializes, and writing
//! that as JSON first (escaping every string) cost a tenth of a build.
//!
//! Every string and byte string is length-prefixed and every compound is
//! tagged and closed, so two different values never feed the same bytes.

use std::hash::Hasher;

use serde::ser::{self, Serialize};

/// A hasher that gathers the bytes and hashes them at once with xxh3: a
/// view feeds many small pieces, and a streaming hasher pays for each.
#[derive(Default)]
pub(super) struct Gathered(Vec<u8>);

impl Hasher for Gathered {
    fn write(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    fn finish(&self) -> u64 {
        xxhash_rust::xxh3::xxh3_64(&self.0)
    }
}

/// Hashes `value` into `hasher`.
pub(super) fn hash_into<T: Serialize + ?Sized, H: Hasher>(value: &T, hasher: &mut H) {
    // Our views never fail to serialize; if one did, the page would only be
    // rendered again.
    let _ = value.serialize(&mut HashSerializer(hasher));
}

struct HashSerializer<'h, H>(&'h mut H);

/// Never produced: hashing cannot fail.
#[derive(Debug)]
struct Never;

impl std::fmt::Display for Never {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cannot fail")
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Never
    }
}

/// Tags that open values, so values of different shapes never collide.
mod tag {
    pub const NONE: u8 = 0;
    pub const SOME: u8 = 1;
    pub const UNIT: u8 = 2;
    pub const STR: u8 = 3;
    pub const BYTES: u8 = 4;
    pub const SEQ: u8 = 5;
    pub const MAP: u8 = 6;
    pub const STRUCT: u8 = 7;
    pub const VARIANT: u8 = 8;
    pub const END: u8 = 9;
    pub const NUMBER: u8 = 10;
}

impl<H: Hasher> HashSerializer<'_, H> {
    fn str(&mut self, s: &str) {
        self.0.write_u8(tag::STR);
        self.0.write_usize(s.len());
        self.0.write(s.as_bytes());
    }

    fn number(&mut self, bits: u64) {
        self.0.write_u8(tag::NUMBER);
        self.0.write_u64(bits);
    }
}

impl<'a, 'h, H: Hasher> ser::Serializer for &'a mut HashSerializer<'h, H> {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_bool(self, v: bool) -> Result<(), Never> {
        self.number(u64::from(v));
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Never> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<(), Never> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<(), Never> {
        self.serialize_i64(i64::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<(), Never> {
        self.number(v as u64);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Never> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<(), Never> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<(), Never> {
        self.serialize_u64(u64::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Never> {
        self.number(v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Never> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Never> {
        self.number(v.to_bits());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Never> {
        self.number(u64::from(v));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Never> {
        self.str(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Never> {
        self.0.write_u8(tag::BYTES);
        self.0.write_usize(v.len());
        self.0.write(v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Never> {
        self.0.write_u8(tag::NONE);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Never> {
        self.0.write_u8(tag::SOME);
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Never> {
        self.0.write_u8(tag::UNIT);
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Never> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, i: u32, _: &'static str) -> Result<(), Never> {
        self.0.write_u8(tag::VARIANT);
        self.0.write_u32(i);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        i: u32,
        _: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        self.0.write_u8(tag::VARIANT);
        self.0.write_u32(i);
        value.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Never> {
        self.0.write_u8(tag::SEQ);
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Never> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Never> {
        self.serialize_seq(None)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        i: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Never> {
        self.0.write_u8(tag::VARIANT);
        self.0.write_u32(i);
        self.serialize_seq(None)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Never> {
        self.0.write_u8(tag::MAP);
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Never> {
        self.0.write_u8(tag::STRUCT);
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        i: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Never> {
        self.0.write_u8(tag::VARIANT);
        self.0.write_u32(i);
        self.serialize_struct("", 0)
    }
}

impl<H: Hasher> HashSerializer<'_, H> {
    fn end(&mut self) -> Result<(), Never> {
        self.0.write_u8(tag::END);
        Ok(())
    }
}

/// Implements a compound serializer trait whose elements are plain values.
macro_rules! elements {
    ($($trait:ident :: $method:ident),*) => {$(
        impl<H: Hasher> ser::$trait for &mut HashSerializer<'_, H> {
            type Ok = ();
            type Error = Never;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Never> {
                HashSerializer::end(self)
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl<H: Hasher> ser::SerializeMap for &mut HashSerializer<'_, H> {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Never> {
        key.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), Never> {
        HashSerializer::end(self)
    }
}

/// Implements a struct serializer trait: each field is its name and value.
macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl<H: Hasher> ser::$trait for &mut HashSerializer<'_, H> {
            type Ok = ();
            type Error = Never;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Never> {
                self.str(key);
                value.serialize(&mut **self)
            }
            fn end(self) -> Result<(), Never> {
                HashSerializer::end(self)
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hasher;

    fn hash<T: Serialize>(value: &T) -> u64 {
        let mut h = Gathered::default();
        hash_into(value, &mut h);
        h.finish()
    }

    #[test]
    fn different_values_hash_differently_and_equal_ones_equally() {
        assert_eq!(hash(&vec!["a", "b"]), hash(&vec!["a", "b"]));
        // Boundaries between strings and between lists count.
        assert_ne!(hash(&vec!["ab", "c"]), hash(&vec!["a", "bc"]));
        assert_ne!(
            hash(&vec![vec!["a"], vec![]]),
            hash(&vec![vec![], vec!["a"]])
        );
        assert_ne!(hash(&Some("")), hash(&None::<&str>));
        assert_ne!(hash(&(1u32, "x")), hash(&(1u64, "y")));
    }
}
