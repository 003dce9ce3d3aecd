//! Serde for `f64` fields that may hold NaN or ±∞ (streaming-state checkpoints).
//!
//! JSON has no NaN or infinity: `serde_json` writes them as `null`, which a plain `f64` field
//! refuses to read back (and which cannot tell NaN from +∞ or −∞). A state that has seen a NaN
//! bar, or that holds an infinite sentinel (a running maximum starting at −∞), then cannot be
//! restored from its own checkpoint. Fields marked `#[serde(with = "aaiti_core::serde_f64")]`
//! (or one of the submodules, for containers) are written, in human-readable formats, as a
//! number when finite and as the strings `"NaN"`, `"inf"` and `"-inf"` otherwise; binary
//! formats get the plain `f64`. Finite values are written exactly as a plain `f64` field
//! writes them, so a checkpoint of finite values is unchanged and still loads.
//!
//! Reading accepts a number, one of those strings (also `"nan"`, `"+inf"`, `"Infinity"`,
//! `"+Infinity"` and `"-Infinity"`) and, for the two kinds of field:
//!
//! * **strict** (this module and its direct submodules): `null` is an error, as it was for a
//!   plain `f64` field. A `null` written by an older build stood for NaN, +∞ or −∞ and cannot
//!   be read back faithfully, so the state is refused rather than silently altered.
//! * **lenient** ([`lenient`]): `null` reads as a value chosen by the field (NaN by default,
//!   [`lenient::null_inf`] / [`lenient::null_neg_inf`] for fields whose only non-finite start
//!   value is ±∞), for crates whose older checkpoints were written with `null` and must keep
//!   loading.
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct State {
//!     #[serde(with = "aaiti_core::serde_f64")]
//!     max: f64,
//!     #[serde(with = "aaiti_core::serde_f64::vec")]
//!     window: Vec<f64>,
//!     #[serde(with = "aaiti_core::serde_f64::array")]
//!     weights: [f64; 2],
//! }
//!
//! let s = State { max: f64::NEG_INFINITY, window: vec![1.5, f64::NAN], weights: [0.5, f64::INFINITY] };
//! let json = serde_json::to_string(&s)?;
//! assert_eq!(json, r#"{"max":"-inf","window":[1.5,"NaN"],"weights":[0.5,"inf"]}"#);
//! let back: State = serde_json::from_str(&json)?;
//! assert!(back.max == f64::NEG_INFINITY && back.window[1].is_nan());
//! // a `null` (what a plain `f64` field wrote for NaN or ±∞) is refused, with the reason
//! let err = serde_json::from_str::<State>(&json.replace("\"-inf\"", "null")).err();
//! assert!(err.is_some_and(|e| e.to_string().contains("NaN or ±inf")));
//! # Ok::<(), serde_json::Error>(())
//! ```

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeSeq, SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::fmt;
use std::marker::PhantomData;

/// Writes `x`: a number when finite, else `"NaN"`, `"inf"` or `"-inf"` (human-readable
/// formats only; binary formats get the plain `f64`).
///
/// # Errors
/// Those of the serializer.
pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
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

/// Reads a value written by [`serialize`]; `null` is an error.
///
/// # Errors
/// `null`, a string other than the spellings of NaN and ±∞, or anything not a number.
pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    read::<Strict, D>(d)
}

/// What `null` reads as.
trait Null {
    /// The value, or the error.
    fn null<E: de::Error>() -> Result<f64, E>;
    /// Says what is expected (for error messages).
    const EXPECTING: &'static str;
}

/// `null` is an error.
struct Strict;
/// `null` reads as NaN.
struct NullNan;
/// `null` reads as `+∞`.
struct NullInf;
/// `null` reads as `−∞`.
struct NullNegInf;

impl Null for Strict {
    fn null<E: de::Error>() -> Result<f64, E> {
        Err(E::custom(
            "invalid value: null for an f64 that may be NaN or ±inf (a checkpoint written \
             before non-finite values were stored as \"NaN\", \"inf\" or \"-inf\": null cannot \
             tell NaN from ±inf, so the state cannot be restored; rebuild it from the bars)",
        ))
    }
    const EXPECTING: &'static str = "a number, \"NaN\", \"inf\" or \"-inf\"";
}

macro_rules! lenient_null {
    ($t:ty, $v:expr) => {
        impl Null for $t {
            fn null<E: de::Error>() -> Result<f64, E> {
                Ok($v)
            }
            const EXPECTING: &'static str = "a number, \"NaN\", \"inf\", \"-inf\" or null";
        }
    };
}
lenient_null!(NullNan, f64::NAN);
lenient_null!(NullInf, f64::INFINITY);
lenient_null!(NullNegInf, f64::NEG_INFINITY);

fn read<'de, P: Null, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    if d.is_human_readable() {
        d.deserialize_any(F64Visitor::<P>(PhantomData))
    } else {
        f64::deserialize(d)
    }
}

struct F64Visitor<P>(PhantomData<P>);

impl<'de, P: Null> Visitor<'de> for F64Visitor<P> {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(P::EXPECTING)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    #[allow(
        clippy::cast_precision_loss,
        reason = "what a plain f64 field does with an integer"
    )]
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    #[allow(
        clippy::cast_precision_loss,
        reason = "what a plain f64 field does with an integer"
    )]
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
        P::null()
    }
    fn visit_none<E: de::Error>(self) -> Result<f64, E> {
        P::null()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<f64, D::Error> {
        read::<P, D>(d)
    }
}

/// An `f64` in this module's format, `null` handled by `P` (for containers).
struct F<P>(f64, PhantomData<P>);

impl<P> F<P> {
    fn new(x: f64) -> Self {
        Self(x, PhantomData)
    }
}

impl<P> Serialize for F<P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize(&self.0, s)
    }
}

impl<'de, P: Null> Deserialize<'de> for F<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read::<P, D>(d).map(F::new)
    }
}

fn ser_seq<'a, S: Serializer>(
    v: impl ExactSizeIterator<Item = &'a f64>,
    s: S,
) -> Result<S::Ok, S::Error> {
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for &x in v {
        seq.serialize_element(&F::<Strict>::new(x))?;
    }
    seq.end()
}

fn de_vec<'de, P: Null, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    Ok(Vec::<F<P>>::deserialize(d)?
        .into_iter()
        .map(|f| f.0)
        .collect())
}

fn ser_array<S: Serializer, const N: usize>(v: &[f64; N], s: S) -> Result<S::Ok, S::Error> {
    let mut t = s.serialize_tuple(N)?;
    for &x in v {
        t.serialize_element(&F::<Strict>::new(x))?;
    }
    t.end()
}

fn de_array<'de, P: Null, D: Deserializer<'de>, const N: usize>(
    d: D,
) -> Result<[f64; N], D::Error> {
    struct ArrayVisitor<P, const N: usize>(PhantomData<P>);
    impl<'de, P: Null, const N: usize> Visitor<'de> for ArrayVisitor<P, N> {
        type Value = [f64; N];
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "an array of {N} numbers")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<[f64; N], A::Error> {
            let mut out = [0.0; N];
            for (i, slot) in out.iter_mut().enumerate() {
                match seq.next_element::<F<P>>()? {
                    Some(x) => *slot = x.0,
                    None => return Err(de::Error::invalid_length(i, &self)),
                }
            }
            Ok(out)
        }
    }
    d.deserialize_tuple(N, ArrayVisitor::<P, N>(PhantomData))
}

fn ser_option_vec<S: Serializer>(v: &Option<Vec<f64>>, s: S) -> Result<S::Ok, S::Error> {
    v.as_ref()
        .map(|v| v.iter().copied().map(F::<Strict>::new).collect::<Vec<_>>())
        .serialize(s)
}

/// Generates the container submodules for one `null` policy.
macro_rules! containers {
    ($p:ty, $vis:vis, $null:literal) => {
        /// `Vec<f64>` with every element in this module's format.
        $vis mod vec {
            use serde::{Deserializer, Serializer};

            /// Writes the elements.
            ///
            /// # Errors
            /// Those of the serializer.
            pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
                $crate::serde_f64::ser_seq(v.iter(), s)
            }
            #[doc = concat!("Reads the elements (", $null, ").")]
            ///
            /// # Errors
            /// Anything but a sequence of values the element format accepts.
            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
                $crate::serde_f64::de_vec::<$p, D>(d)
            }
        }

        /// `VecDeque<f64>` with every element in this module's format (oldest first).
        $vis mod vec_deque {
            use serde::{Deserializer, Serializer};
            use std::collections::VecDeque;

            /// Writes the elements, front first.
            ///
            /// # Errors
            /// Those of the serializer.
            pub fn serialize<S: Serializer>(v: &VecDeque<f64>, s: S) -> Result<S::Ok, S::Error> {
                $crate::serde_f64::ser_seq(v.iter(), s)
            }
            #[doc = concat!("Reads the elements (", $null, ").")]
            ///
            /// # Errors
            /// Anything but a sequence of values the element format accepts.
            pub fn deserialize<'de, D: Deserializer<'de>>(
                d: D,
            ) -> Result<VecDeque<f64>, D::Error> {
                Ok($crate::serde_f64::de_vec::<$p, D>(d)?.into())
            }
        }

        /// `[f64; N]` (any `N`) with every element in this module's format.
        $vis mod array {
            use serde::{Deserializer, Serializer};

            /// Writes the elements (as a tuple, like a plain array field).
            ///
            /// # Errors
            /// Those of the serializer.
            pub fn serialize<S: Serializer, const N: usize>(
                v: &[f64; N],
                s: S,
            ) -> Result<S::Ok, S::Error> {
                $crate::serde_f64::ser_array(v, s)
            }
            #[doc = concat!("Reads exactly `N` elements (", $null, ").")]
            ///
            /// # Errors
            /// Anything but `N` values the element format accepts.
            pub fn deserialize<'de, D: Deserializer<'de>, const N: usize>(
                d: D,
            ) -> Result<[f64; N], D::Error> {
                $crate::serde_f64::de_array::<$p, D, N>(d)
            }
        }

        /// `Option<f64>`: `None` is `null`, `Some(x)` is `x` in this module's format (so
        /// `Some(NaN)` no longer reads back as `None`).
        $vis mod option {
            use serde::{Deserialize, Deserializer, Serialize, Serializer};

            /// Writes `null` or the value.
            ///
            /// # Errors
            /// Those of the serializer.
            pub fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
                v.map($crate::serde_f64::F::<$p>::new).serialize(s)
            }
            /// Reads `null` as `None`.
            ///
            /// # Errors
            /// Anything but `null` or a value the element format accepts.
            pub fn deserialize<'de, D: Deserializer<'de>>(
                d: D,
            ) -> Result<Option<f64>, D::Error> {
                Ok(Option::<$crate::serde_f64::F<$p>>::deserialize(d)?.map(|f| f.0))
            }
        }

        /// `Option<(f64, f64)>`: `None` is `null`, each element in this module's format.
        $vis mod option_pair {
            use serde::{Deserialize, Deserializer, Serialize, Serializer};

            /// Writes `null` or the pair.
            ///
            /// # Errors
            /// Those of the serializer.
            pub fn serialize<S: Serializer>(
                v: &Option<(f64, f64)>,
                s: S,
            ) -> Result<S::Ok, S::Error> {
                v.map(|(a, b)| {
                    (
                        $crate::serde_f64::F::<$p>::new(a),
                        $crate::serde_f64::F::<$p>::new(b),
                    )
                })
                .serialize(s)
            }
            #[doc = concat!("Reads `null` as `None` (elements: ", $null, ").")]
            ///
            /// # Errors
            /// Anything but `null` or two values the element format accepts.
            pub fn deserialize<'de, D: Deserializer<'de>>(
                d: D,
            ) -> Result<Option<(f64, f64)>, D::Error> {
                type P = $crate::serde_f64::F<$p>;
                Ok(Option::<(P, P)>::deserialize(d)?.map(|(a, b)| (a.0, b.0)))
            }
        }

        /// `Option<Vec<f64>>`: `None` is `null`, each element in this module's format.
        $vis mod option_vec {
            use serde::{Deserialize, Deserializer, Serializer};

            /// Writes `null` or the elements.
            ///
            /// # Errors
            /// Those of the serializer.
            pub fn serialize<S: Serializer>(
                v: &Option<Vec<f64>>,
                s: S,
            ) -> Result<S::Ok, S::Error> {
                $crate::serde_f64::ser_option_vec(v, s)
            }
            #[doc = concat!("Reads `null` as `None` (elements: ", $null, ").")]
            ///
            /// # Errors
            /// Anything but `null` or a sequence of values the element format accepts.
            pub fn deserialize<'de, D: Deserializer<'de>>(
                d: D,
            ) -> Result<Option<Vec<f64>>, D::Error> {
                Ok(
                    Option::<Vec<$crate::serde_f64::F<$p>>>::deserialize(d)?
                        .map(|v| v.into_iter().map(|f| f.0).collect()),
                )
            }
        }
    };
}

containers!(super::Strict, pub, "a `null` element is an error");

/// Values whose `f64`s are written in this module's format, for fields of other shapes
/// (tuples, options and sequences of them), through [`nested`].
///
/// Implemented for `f64` (strict: `null` is an error), the integer types and `bool` (as
/// serde writes them), and tuples of two or three, `Option`, `Vec` and `VecDeque` of
/// implementing types.
pub trait NonFinite: Sized {
    /// Writes the value.
    ///
    /// # Errors
    /// Those of the serializer.
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error>;
    /// Reads the value.
    ///
    /// # Errors
    /// Those of the deserializer, or a value the format refuses.
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// Adapts a [`NonFinite`] to serde (for containers).
struct W<T>(T);
/// Adapts a borrowed [`NonFinite`] to serde.
struct R<'a, T>(&'a T);

impl<T: NonFinite> Serialize for R<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.write(s)
    }
}

impl<'de, T: NonFinite> Deserialize<'de> for W<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::read(d).map(W)
    }
}

impl NonFinite for f64 {
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serialize(self, s)
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        deserialize(d)
    }
}

macro_rules! plain {
    ($($t:ty),*) => {$(
        impl NonFinite for $t {
            fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                Serialize::serialize(self, s)
            }
            fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                <$t>::deserialize(d)
            }
        }
    )*};
}
plain!(bool, u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl<A: NonFinite, B: NonFinite> NonFinite for (A, B) {
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (R(&self.0), R(&self.1)).serialize(s)
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (a, b) = <(W<A>, W<B>)>::deserialize(d)?;
        Ok((a.0, b.0))
    }
}

impl<A: NonFinite, B: NonFinite, C: NonFinite> NonFinite for (A, B, C) {
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (R(&self.0), R(&self.1), R(&self.2)).serialize(s)
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (a, b, c) = <(W<A>, W<B>, W<C>)>::deserialize(d)?;
        Ok((a.0, b.0, c.0))
    }
}

impl<T: NonFinite> NonFinite for Option<T> {
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_ref().map(R).serialize(s)
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<W<T>>::deserialize(d)?.map(|w| w.0))
    }
}

impl<T: NonFinite> NonFinite for Vec<T> {
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(R))
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<W<T>>::deserialize(d)?
            .into_iter()
            .map(|w| w.0)
            .collect())
    }
}

impl<T: NonFinite> NonFinite for VecDeque<T> {
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter().map(R))
    }
    fn read<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<T>::read(d)?.into())
    }
}

/// ndarray's own serde form (`{"v":1,"dim":[..],"data":[..]}`, elements in logical order),
/// with the elements in this module's format: an `Array1<f64>`/`Array2<f64>` field holding NaN
/// (a feature inside its look-back, a missing label) round-trips through JSON instead of being
/// written as `null` that ndarray then refuses. Finite arrays are written byte for byte as
/// ndarray writes them, so existing files still load.
impl<D> NonFinite for ndarray::Array<f64, D>
where
    D: ndarray::Dimension + Serialize + for<'a> Deserialize<'a>,
{
    fn write<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        /// The elements in logical order.
        struct Elems<'a, D: ndarray::Dimension>(&'a ndarray::Array<f64, D>);
        impl<D: ndarray::Dimension> Serialize for Elems<'_, D> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().map(R))
            }
        }
        let mut st = s.serialize_struct("Array", 3)?;
        st.serialize_field("v", &1u8)?;
        st.serialize_field("dim", &self.raw_dim())?;
        st.serialize_field("data", &Elems(self))?;
        st.end()
    }
    fn read<'de, De: Deserializer<'de>>(d: De) -> Result<Self, De::Error> {
        /// ndarray's serde form with strict elements.
        #[derive(Deserialize)]
        #[serde(rename = "Array")]
        struct Repr<D> {
            v: u8,
            dim: D,
            data: Vec<W<f64>>,
        }
        let r = Repr::<D>::deserialize(d)?;
        if r.v != 1 {
            return Err(de::Error::custom(format_args!(
                "unknown array format version {} (expected 1)",
                r.v
            )));
        }
        let data: Vec<f64> = r.data.into_iter().map(|w| w.0).collect();
        let n = data.len();
        ndarray::Array::from_shape_vec(r.dim, data)
            .map_err(|e| de::Error::custom(format_args!("array data of {n} elements: {e}")))
    }
}

/// Any [`NonFinite`] shape (e.g. `VecDeque<(u64, f64)>`, `Option<(f64, f64, bool)>`): the
/// `f64`s in this module's format (strict), everything else as serde writes it.
pub mod nested {
    use super::NonFinite;
    use serde::{Deserializer, Serializer};

    /// Writes the value.
    ///
    /// # Errors
    /// Those of the serializer.
    pub fn serialize<T: NonFinite, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.write(s)
    }
    /// Reads the value (a `null` where an `f64` is expected is an error).
    ///
    /// # Errors
    /// Those of the deserializer, or a value the format refuses.
    pub fn deserialize<'de, T: NonFinite, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::read(d)
    }
}

/// The same format, but `null` (what a plain `f64` field wrote for NaN and ±∞) reads as a
/// value chosen by the field instead of failing: for crates whose existing checkpoints were
/// written that way and must keep loading (`null` reads as NaN here and in the container
/// submodules, as ±∞ in [`null_inf`](lenient::null_inf) and
/// [`null_neg_inf`](lenient::null_neg_inf)).
pub mod lenient {
    use serde::Deserializer;

    pub use super::serialize;

    /// Reads a value written by [`serialize`]; `null` reads as NaN.
    ///
    /// # Errors
    /// A string other than the spellings of NaN and ±∞, or anything not a number or `null`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        super::read::<super::NullNan, D>(d)
    }

    /// `null` reads as `+∞` (fields that start at `+∞`, e.g. a running minimum).
    pub mod null_inf {
        pub use super::serialize;
        /// Reads a value written by [`serialize`]; `null` reads as `+∞`.
        ///
        /// # Errors
        /// A string other than the spellings of NaN and ±∞, or anything not a number or
        /// `null`.
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
            super::super::read::<super::super::NullInf, D>(d)
        }
    }

    /// `null` reads as `−∞` (fields that start at `−∞`, e.g. a running maximum).
    pub mod null_neg_inf {
        pub use super::serialize;
        /// Reads a value written by [`serialize`]; `null` reads as `−∞`.
        ///
        /// # Errors
        /// A string other than the spellings of NaN and ±∞, or anything not a number or
        /// `null`.
        pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
            super::super::read::<super::super::NullNegInf, D>(d)
        }
    }

    containers!(super::super::NullNan, pub, "`null` elements read as NaN");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::float_cmp, reason = "test code")]

    use serde::{Deserialize, Serialize};
    use std::collections::VecDeque;

    #[derive(Debug, Serialize, Deserialize)]
    struct Strict {
        #[serde(with = "super")]
        a: f64,
        #[serde(with = "super::vec")]
        v: Vec<f64>,
        #[serde(with = "super::vec_deque")]
        q: VecDeque<f64>,
        #[serde(with = "super::array")]
        r: [f64; 3],
        #[serde(with = "super::array")]
        r0: [f64; 0],
        #[serde(with = "super::array")]
        r40: [f64; 40],
        #[serde(with = "super::option")]
        o: Option<f64>,
        #[serde(with = "super::option")]
        o_none: Option<f64>,
        #[serde(with = "super::option_pair")]
        p: Option<(f64, f64)>,
        #[serde(with = "super::option_vec")]
        ov: Option<Vec<f64>>,
        #[serde(with = "super::nested")]
        dq: VecDeque<(u64, f64)>,
        #[serde(with = "super::nested")]
        t: Option<(f64, f64, bool)>,
        plain: f64,
    }

    fn bits(x: &Strict) -> Vec<u64> {
        let mut v = vec![x.a];
        v.extend(&x.v);
        v.extend(&x.q);
        v.extend(x.r);
        v.extend(x.r40);
        v.extend(x.o);
        v.push(x.o_none.map_or(7.0, |_| 8.0));
        v.extend(x.p.map(|(a, b)| [a, b]).into_iter().flatten());
        v.extend(x.ov.iter().flatten());
        v.extend(x.dq.iter().map(|&(_, f)| f));
        v.extend(
            x.t.map(|(a, b, c)| [a, b, f64::from(u8::from(c))])
                .into_iter()
                .flatten(),
        );
        v.push(x.plain);
        let mut b: Vec<u64> = v.into_iter().map(f64::to_bits).collect();
        b.extend(x.dq.iter().map(|&(i, _)| i));
        b
    }

    fn sample() -> Strict {
        let (nan, inf) = (f64::NAN, f64::INFINITY);
        let mut r40 = [0.25; 40];
        r40[39] = -inf;
        Strict {
            a: nan,
            v: vec![1.5, nan, -inf, -0.0, f64::MIN_POSITIVE / 4.0],
            q: VecDeque::from(vec![inf, 0.1]),
            r: [-inf, nan, 1e308],
            r0: [],
            r40,
            o: Some(nan),
            o_none: None,
            p: Some((inf, -2.0)),
            ov: Some(vec![nan, inf, 3.0]),
            dq: VecDeque::from(vec![(3, -inf), (u64::MAX, 0.5)]),
            t: Some((nan, inf, true)),
            plain: 0.1,
        }
    }

    #[test]
    fn strict_round_trips_non_finite_values_and_refuses_null() {
        let x = sample();
        let json = serde_json::to_string(&x).unwrap();
        assert!(
            json.matches("null").count() == 1 && json.contains("\"o_none\":null"),
            "{json}"
        );
        let y: Strict = serde_json::from_str(&json).unwrap();
        assert_eq!(bits(&x), bits(&y));
        assert_eq!(serde_json::to_string(&y).unwrap(), json);
        // every non-finite value (in any container) written as null, as a plain field did
        for (k, from) in ["\"NaN\"", "\"inf\"", "\"-inf\""].iter().enumerate() {
            let mut at = 0;
            while let Some(i) = json[at..].find(from) {
                let i = at + i;
                at = i + from.len();
                if json[..i].ends_with("\"o\":") {
                    continue; // `Some(NaN)` written as null is `None`: an Option cannot tell
                }
                let legacy = format!("{}null{}", &json[..i], &json[i + from.len()..]);
                let err = serde_json::from_str::<Strict>(&legacy).unwrap_err();
                assert!(err.to_string().contains("null for an f64"), "{k}: {err}");
            }
        }
        // finite values are written exactly as a plain f64 field writes them
        assert!(
            json.contains("\"plain\":0.1") && json.contains("[1.5,"),
            "{json}"
        );
        // integers and other spellings are accepted; junk and wrong lengths are refused
        let w: Strict = serde_json::from_str(
            &json
                .replace("\"a\":\"NaN\"", "\"a\":-3")
                .replace("\"q\":[\"inf\"", "\"q\":[\"Infinity\""),
        )
        .unwrap();
        assert!(w.a == -3.0 && w.q[0] == f64::INFINITY);
        assert!(
            serde_json::from_str::<Strict>(&json.replace("\"a\":\"NaN\"", "\"a\":\"x\"")).is_err()
        );
        assert!(
            serde_json::from_str::<Strict>(&json.replace("\"r\":[\"-inf\",", "\"r\":[")).is_err()
        );
    }

    #[derive(Debug, Serialize, Deserialize)]
    struct Lenient {
        #[serde(with = "super::lenient")]
        a: f64,
        #[serde(with = "super::lenient::null_inf")]
        b: f64,
        #[serde(with = "super::lenient::null_neg_inf")]
        c: f64,
        #[serde(with = "super::lenient::vec")]
        v: Vec<f64>,
        #[serde(with = "super::lenient::array")]
        r: [f64; 2],
        #[serde(with = "super::lenient::option")]
        o: Option<f64>,
    }

    #[test]
    fn lenient_reads_null_as_the_fields_value() {
        let (nan, inf) = (f64::NAN, f64::INFINITY);
        let x = Lenient {
            a: inf,
            b: -inf,
            c: nan,
            v: vec![nan, 1.0],
            r: [inf, 2.0],
            o: Some(-inf),
        };
        let json = serde_json::to_string(&x).unwrap();
        assert_eq!(
            json,
            r#"{"a":"inf","b":"-inf","c":"NaN","v":["NaN",1.0],"r":["inf",2.0],"o":"-inf"}"#
        );
        let y: Lenient = serde_json::from_str(&json).unwrap();
        assert!(y.a == inf && y.b == -inf && y.c.is_nan() && y.v[0].is_nan() && y.r[0] == inf);
        assert_eq!(y.o, Some(-inf));
        let legacy = r#"{"a":null,"b":null,"c":null,"v":[null,1.0],"r":[null,2.0],"o":null}"#;
        let z: Lenient = serde_json::from_str(legacy).unwrap();
        assert!(z.a.is_nan() && z.b == inf && z.c == -inf && z.v[0].is_nan() && z.r[0].is_nan());
        assert_eq!(z.o, None);
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Arrays {
        #[serde(with = "super::nested")]
        m: ndarray::Array2<f64>,
        #[serde(with = "super::nested")]
        v: ndarray::Array1<f64>,
    }

    #[test]
    fn ndarray_arrays_keep_non_finite_values_and_ndarray_s_form() {
        let inf = f64::INFINITY;
        let a = Arrays {
            m: ndarray::array![[1.5, f64::NAN, 3.0], [-inf, 5.0, inf]],
            v: ndarray::array![f64::NAN, 0.25],
        };
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(
            json,
            r#"{"m":{"v":1,"dim":[2,3],"data":[1.5,"NaN",3.0,"-inf",5.0,"inf"]},"v":{"v":1,"dim":[2],"data":["NaN",0.25]}}"#
        );
        let back: Arrays = serde_json::from_str(&json).unwrap();
        assert_eq!(back.m.dim(), (2, 3));
        for (x, y) in back.m.iter().zip(a.m.iter()) {
            assert!(x.to_bits() == y.to_bits(), "{x} vs {y}");
        }
        assert!(back.v[0].is_nan() && back.v[1] == 0.25);
        // Finite arrays: exactly ndarray's own serde output, so files written before still load.
        let finite = ndarray::array![[1.0, 2.5], [3.0, -4.0]];
        let ours = Arrays {
            m: finite.clone(),
            v: ndarray::array![1.0],
        };
        let plain = serde_json::to_string(&finite).unwrap();
        assert!(
            serde_json::to_string(&ours).unwrap().contains(&plain),
            "{plain}"
        );
        let old = format!(r#"{{"m":{plain},"v":{{"v":1,"dim":[1],"data":[1.0]}}}}"#);
        assert_eq!(serde_json::from_str::<Arrays>(&old).unwrap(), ours);
        // A non-C-contiguous array is written in logical order.
        let t = Arrays {
            m: finite.t().to_owned(),
            v: ndarray::array![],
        };
        let tj = serde_json::to_string(&t).unwrap();
        assert!(tj.contains(r#""data":[1.0,3.0,2.5,-4.0]"#), "{tj}");
        // Shape/data mismatch, a null element and an unknown version are errors that say so.
        let bad =
            r#"{"m":{"v":1,"dim":[2,2],"data":[1.0,2.0,3.0]},"v":{"v":1,"dim":[0],"data":[]}}"#;
        let e = serde_json::from_str::<Arrays>(bad).unwrap_err().to_string();
        assert!(e.contains("3 elements"), "{e}");
        let null = r#"{"m":{"v":1,"dim":[1,1],"data":[null]},"v":{"v":1,"dim":[0],"data":[]}}"#;
        assert!(serde_json::from_str::<Arrays>(null).is_err());
        let v2 = r#"{"m":{"v":2,"dim":[1,1],"data":[1.0]},"v":{"v":1,"dim":[0],"data":[]}}"#;
        let e = serde_json::from_str::<Arrays>(v2).unwrap_err().to_string();
        assert!(e.contains("version 2"), "{e}");
    }
}
