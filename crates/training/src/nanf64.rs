//! Serde helpers writing `f64` as its shortest round-trip decimal string (`{:?}`), so NaN and
//! ±inf survive JSON and reloaded values are bit-identical.

use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

pub(crate) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:?}"))
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let t = String::deserialize(d)?;
    t.parse::<f64>()
        .map_err(|e| D::Error::custom(format!("`{t}`: {e}")))
}
