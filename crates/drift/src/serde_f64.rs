//! Serde for `f64` fields that may hold NaN or ±∞ (detector checkpoints): the lenient
//! format of [`aaiti_core::serde_f64::lenient`], re-exported under the paths the detectors'
//! `#[serde(with = "crate::serde_f64...")]` attributes name.
//!
//! Non-finite values are written, in human-readable formats, as the strings `"NaN"`, `"inf"`
//! and `"-inf"` (finite values as numbers; binary formats get the plain `f64`). Reading also
//! accepts `null` (what earlier builds wrote for any non-finite value): it reads as the value
//! the field held when those builds wrote it (NaN by default; [`null_inf`] and
//! [`null_neg_inf`] for fields whose only non-finite start value is ±∞), so every checkpoint
//! written before this format existed loads as it did (or, where it did not load at all, as
//! the detector's initial value).

pub(crate) use aaiti_core::serde_f64::lenient::array as array3;
pub(crate) use aaiti_core::serde_f64::lenient::{
    deserialize, null_inf, null_neg_inf, option, option_pair, option_vec, serialize, vec, vec_deque,
};

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
