//! Serde for `f64` fields that may hold NaN or ±∞ (detector checkpoints).
//!
//! JSON has no NaN or infinity: `serde_json` writes them as `null`, which a plain `f64` field
//! refuses to read back (and which cannot tell NaN from ∞). Fields marked
//! `#[serde(with = "crate::serde_f64")]` (or one of the submodules) are written, in
//! human-readable formats, as a number when finite and as the strings `"NaN"`, `"inf"` and
//! `"-inf"` otherwise; binary formats get the plain `f64`. Reading accepts a number, one of
//! those strings, or `null` (what earlier builds wrote for any non-finite value): `null` reads
//! as the value the field held when it was written by those builds (NaN by default; the
//! submodules [`null_inf`] and [`null_neg_inf`] for fields whose only non-finite start value is
//! ±∞), so every checkpoint written before this format existed loads as it did (or, where it
//! did not load at all, as the detector's initial value).

use serde::de::{self, Deserializer, Visitor};
use serde::ser::{SerializeSeq, SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;

/// Writes `x`: a number when finite, else `"NaN"`, `"inf"` or `"-inf"` (human-readable
/// formats only).
pub(crate) fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
    let x = *x;
    if x.is_finite() || !s.is_human_readable() {
        s.serialize_f64(x)
    } else if x.is_nan() {
        s.serialize_str("NaN")
    } else if x > 0.0 {
        s.serialize_str("inf")
    } else {
        s.serialize_str("-inf")
    }
}

/// Reads a value written by [`serialize`]; `null` reads as NaN.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    read(d, f64::NAN)
}

/// `null` reads as `+∞` (fields that start at `+∞`, e.g. a running minimum).
pub(crate) mod null_inf {
    pub(crate) use super::serialize;
    /// Reads a value written by [`serialize`]; `null` reads as `+∞`.
    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        super::read(d, f64::INFINITY)
    }
}

/// `null` reads as `−∞` (fields that start at `−∞`, e.g. a running maximum).
pub(crate) mod null_neg_inf {
    pub(crate) use super::serialize;
    /// Reads a value written by [`serialize`]; `null` reads as `−∞`.
    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        super::read(d, f64::NEG_INFINITY)
    }
}

fn read<'de, D: Deserializer<'de>>(d: D, null: f64) -> Result<f64, D::Error> {
    if d.is_human_readable() {
        d.deserialize_any(F64Visitor(null))
    } else {
        f64::deserialize(d)
    }
}

struct F64Visitor(f64);

impl<'de> Visitor<'de> for F64Visitor {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, \"NaN\", \"inf\", \"-inf\" or null")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v {
            "NaN" | "nan" => Ok(f64::NAN),
            "inf" | "+inf" | "Infinity" | "+Infinity" => Ok(f64::INFINITY),
            "-inf" | "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
    fn visit_unit<E: de::Error>(self) -> Result<f64, E> {
        Ok(self.0)
    }
    fn visit_none<E: de::Error>(self) -> Result<f64, E> {
        Ok(self.0)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<f64, D::Error> {
        read(d, self.0)
    }
}

/// An `f64` in this module's format (`null` reads as NaN), for containers.
#[derive(Clone, Copy)]
struct F(f64);

impl Serialize for F {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for F {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize(d).map(F)
    }
}

/// `Vec<f64>` with every element in this module's format.
pub(crate) mod vec {
    use super::{F, SerializeSeq};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the elements.
    pub(crate) fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for &x in v {
            seq.serialize_element(&F(x))?;
        }
        seq.end()
    }
    /// Reads the elements (`null` elements read as NaN).
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<F>::deserialize(d)?.into_iter().map(|f| f.0).collect())
    }
}

/// `VecDeque<f64>` with every element in this module's format.
pub(crate) mod vec_deque {
    use super::{F, SerializeSeq, VecDeque};
    use serde::{Deserializer, Serializer};

    /// Writes the elements, oldest first.
    pub(crate) fn serialize<S: Serializer>(v: &VecDeque<f64>, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for &x in v {
            seq.serialize_element(&F(x))?;
        }
        seq.end()
    }
    /// Reads the elements (`null` elements read as NaN).
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<VecDeque<f64>, D::Error> {
        Ok(super::vec::deserialize(d)?.into())
    }
}

/// `[f64; 3]` with every element in this module's format.
pub(crate) mod array3 {
    use super::{F, SerializeTuple};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes the elements.
    pub(crate) fn serialize<S: Serializer>(v: &[f64; 3], s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(3)?;
        for &x in v {
            t.serialize_element(&F(x))?;
        }
        t.end()
    }
    /// Reads the elements (`null` elements read as NaN).
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[f64; 3], D::Error> {
        let [a, b, c] = <[F; 3]>::deserialize(d)?;
        Ok([a.0, b.0, c.0])
    }
}

/// `Option<f64>`: `None` is `null`, `Some(x)` is `x` in this module's format (so `Some(NaN)`
/// no longer reads back as `None`).
pub(crate) mod option {
    use super::F;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes `null` or the value.
    pub(crate) fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
        v.map(F).serialize(s)
    }
    /// Reads `null` as `None`.
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
        Ok(Option::<F>::deserialize(d)?.map(|f| f.0))
    }
}

/// `Option<(f64, f64)>`: `None` is `null`, each element in this module's format.
pub(crate) mod option_pair {
    use super::F;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes `null` or the pair.
    pub(crate) fn serialize<S: Serializer>(
        v: &Option<(f64, f64)>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.map(|(a, b)| (F(a), F(b))).serialize(s)
    }
    /// Reads `null` as `None` (`null` elements read as NaN).
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<(f64, f64)>, D::Error> {
        Ok(Option::<(F, F)>::deserialize(d)?.map(|(a, b)| (a.0, b.0)))
    }
}

/// `Option<Vec<f64>>`: `None` is `null`, each element in this module's format.
pub(crate) mod option_vec {
    use super::F;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// Writes `null` or the elements.
    pub(crate) fn serialize<S: Serializer>(v: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
        v.as_ref()
            .map(|v| v.iter().copied().map(F).collect::<Vec<F>>())
            .serialize(s)
    }
    /// Reads `null` as `None` (`null` elements read as NaN).
    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<f64>>, D::Error> {
        Ok(Option::<Vec<F>>::deserialize(d)?.map(|v| v.into_iter().map(|f| f.0).collect()))
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};
    use std::collections::VecDeque;

    #[derive(Debug, Serialize, Deserialize)]
    struct All {
        #[serde(with = "super")]
        a: f64,
        #[serde(with = "super::null_inf")]
        b: f64,
        #[serde(with = "super::null_neg_inf")]
        c: f64,
        #[serde(with = "super::vec")]
        v: Vec<f64>,
        #[serde(with = "super::vec_deque")]
        q: VecDeque<f64>,
        #[serde(with = "super::array3")]
        r: [f64; 3],
        #[serde(with = "super::option")]
        o: Option<f64>,
        #[serde(with = "super::option")]
        o_none: Option<f64>,
        #[serde(with = "super::option_pair")]
        p: Option<(f64, f64)>,
        #[serde(with = "super::option_vec")]
        ov: Option<Vec<f64>>,
    }

    fn bits(x: &All) -> Vec<u64> {
        let mut v = vec![x.a, x.b, x.c];
        v.extend(&x.v);
        v.extend(&x.q);
        v.extend(x.r);
        v.extend(x.o);
        v.push(x.o_none.map_or(7.0, |_| 8.0));
        v.extend(x.p.map(|(a, b)| [a, b]).into_iter().flatten());
        v.extend(x.ov.iter().flatten());
        v.into_iter().map(f64::to_bits).collect()
    }

    #[test]
    fn every_helper_round_trips_non_finite_values_and_reads_legacy_null() {
        let (nan, inf) = (f64::NAN, f64::INFINITY);
        let x = All {
            a: nan,
            b: inf,
            c: -inf,
            v: vec![1.5, nan, -inf, -0.0, f64::MIN_POSITIVE / 4.0],
            q: VecDeque::from(vec![inf, 0.1]),
            r: [-inf, nan, 1e308],
            o: Some(nan),
            o_none: None,
            p: Some((inf, -2.0)),
            ov: Some(vec![nan, inf, 3.0]),
        };
        let json = serde_json::to_string(&x).expect("serialise");
        assert!(
            json.matches("null").count() == 1 && json.contains("\"o_none\":null"),
            "{json}"
        );
        let y: All = serde_json::from_str(&json).expect("load");
        assert_eq!(bits(&x), bits(&y));
        assert_eq!(serde_json::to_string(&y).expect("serialise"), json);
        // the format earlier builds wrote: every non-finite value as null
        let legacy = json
            .replace("\"NaN\"", "null")
            .replace("\"-inf\"", "null")
            .replace("\"inf\"", "null");
        let z: All = serde_json::from_str(&legacy).expect("legacy load");
        assert!(z.a.is_nan() && z.b == inf && z.c == -inf);
        assert!(z.v[1].is_nan() && z.v[2].is_nan() && z.r[0].is_nan());
        // `Some(NaN)` was written as null: it reads back as `None`, as it always did
        assert_eq!(z.o, None);
        // integers and other spellings are accepted; junk is rejected
        let w: All = serde_json::from_str(
            &json
                .replace("\"a\":\"NaN\"", "\"a\":3")
                .replace("\"b\":\"inf\"", "\"b\":\"Infinity\""),
        )
        .expect("load");
        assert!(w.a == 3.0 && w.b == inf);
        assert!(
            serde_json::from_str::<All>(&json.replace("\"a\":\"NaN\"", "\"a\":\"x\"")).is_err()
        );
    }
}
