//! Leak-proof feature scalers: min-max, z-score and robust (median / IQR).
//!
//! A [`Scaler`] is fitted on a training slice only ([`Scaler::fit`] takes nothing else, and
//! [`Scaler::fit_rows`] takes an explicit row range), is persisted with serde together with
//! the feature names it was fitted on, and refuses to transform a matrix whose columns
//! differ ([`Error::Shape`] naming the first mismatch). The arithmetic matches
//! scikit-learn's `MinMaxScaler`, `StandardScaler` and `RobustScaler` (tested against
//! values produced by scikit-learn 1.9): NaN values are ignored when fitting and kept as
//! NaN when transforming, and a constant column gets scale 1.
//!
//! ```
//! use aaiti_features::scaler::{Scaler, ScalerKind};
//! use ndarray::array;
//! let names = vec!["a".to_string(), "b".to_string()];
//! let train = array![[1.0, 0.0], [2.0, 2.0], [3.0, 4.0]];
//! let s = Scaler::fit(ScalerKind::MinMax { min: 0.0, max: 1.0 }, &names, train.view())?;
//! let test = array![[4.0, 1.0]];
//! let y = s.transform(&names, test.view())?;
//! assert_eq!(y, array![[1.5, 0.25]]);
//! // Columns must match the fitted ones:
//! assert!(s.transform(&["b".to_string(), "a".to_string()], test.view()).is_err());
//! // Persisted with its feature names:
//! let back = Scaler::from_json(&s.to_json()?)?;
//! assert_eq!(back, s);
//! # Ok::<(), aaiti_features::Error>(())
//! ```

use std::ops::Range;

use aaiti_core::Dataset;
use ndarray::{Array2, ArrayView1, ArrayView2, Axis};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which scaling, with scikit-learn's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScalerKind {
    /// `MinMaxScaler(feature_range=(min, max))`: `x · scale + offset` mapping the training
    /// range onto `[min, max]`.
    MinMax {
        /// Lower end of the target range.
        min: f64,
        /// Upper end of the target range.
        max: f64,
    },
    /// `StandardScaler()`: `(x − mean) / std` with the population standard deviation.
    ZScore,
    /// `RobustScaler(quantile_range=(q_low, q_high))`: `(x − median) / (Q_high − Q_low)`
    /// with numpy's linear-interpolation percentiles (in percent, e.g. 25 and 75).
    Robust {
        /// Lower percentile (0..100).
        q_low: f64,
        /// Upper percentile (0..100).
        q_high: f64,
    },
}

impl ScalerKind {
    /// `MinMax` onto `[0, 1]` (scikit-learn's default).
    #[must_use]
    pub fn min_max() -> Self {
        Self::MinMax { min: 0.0, max: 1.0 }
    }
    /// `Robust` with the interquartile range (scikit-learn's default).
    #[must_use]
    pub fn robust() -> Self {
        Self::Robust {
            q_low: 25.0,
            q_high: 75.0,
        }
    }
}

/// A fitted scaler: per column, `y = (x − center) / scale` (z-score, robust) or
/// `y = x · scale + offset` (min-max, scikit-learn's form), plus the feature names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    kind: ScalerKind,
    feature_names: Vec<String>,
    /// Min-max: `min_`; z-score: `mean_`; robust: `center_`.
    #[serde(with = "exact_f64")]
    center: Vec<f64>,
    /// Min-max: `scale_`; others: `scale_`.
    #[serde(with = "exact_f64")]
    scale: Vec<f64>,
    /// Number of training rows.
    n_samples: usize,
}

/// Floats persisted as their shortest round-trip decimal strings (`{:?}`), parsed back by
/// Rust's correctly rounded parser, so a reloaded scaler is bit-identical (JSON number
/// parsing in `serde_json` is not guaranteed to round-trip the last bit).
mod exact_f64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _, ser::SerializeSeq};

    pub(super) fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for x in v {
            seq.serialize_element(&format!("{x:?}"))?;
        }
        seq.end()
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        let raw: Vec<String> = Vec::deserialize(d)?;
        raw.iter()
            .map(|t| {
                t.parse::<f64>()
                    .map_err(|e| D::Error::custom(format!("`{t}`: {e}")))
            })
            .collect()
    }
}

fn invalid(name: &str, value: String, expected: &str) -> Error {
    Error::InvalidParameter {
        function: "Scaler".into(),
        name: name.into(),
        value,
        expected: expected.into(),
    }
}

/// scikit-learn's `_handle_zeros_in_scale`: scales below `10 · EPSILON` become 1.
fn handle_zero(s: f64) -> f64 {
    if s < 10.0 * f64::EPSILON { 1.0 } else { s }
}

/// numpy's `percentile(..., method="linear")` of sorted values.
fn percentile_sorted(v: &[f64], q: f64) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    #[allow(clippy::cast_precision_loss, reason = "row counts are far below 2^52")]
    let pos = q / 100.0 * (n - 1) as f64;
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "0 <= pos <= n-1"
    )]
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    #[allow(clippy::cast_precision_loss, reason = "row counts are far below 2^52")]
    let frac = pos - lo as f64;
    let (a, b) = (
        v.get(lo).copied().unwrap_or(f64::NAN),
        v.get(hi).copied().unwrap_or(f64::NAN),
    );
    // numpy's _lerp: a + (b - a) * t, switching to b - (b - a) * (1 - t) for t >= 0.5
    let d = b - a;
    if frac >= 0.5 {
        b - d * (1.0 - frac)
    } else {
        a + d * frac
    }
}

/// numpy's median of sorted values (mean of the two middle values for even counts).
fn median_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let m = n / 2;
    if n % 2 == 1 {
        v.get(m).copied().unwrap_or(f64::NAN)
    } else {
        let (a, b) = (
            v.get(m - 1).copied().unwrap_or(f64::NAN),
            v.get(m).copied().unwrap_or(f64::NAN),
        );
        (a + b) / 2.0
    }
}

fn finite_values(col: ArrayView1<'_, f64>) -> Vec<f64> {
    col.iter().copied().filter(|x| !x.is_nan()).collect()
}

impl Scaler {
    /// Fits on `train` (rows × columns named `feature_names`) only.
    ///
    /// # Errors
    /// [`Error::Shape`] when the names do not match the columns or `train` has no rows;
    /// [`Error::InvalidParameter`] for a bad range or percentile pair, or a column that is
    /// entirely NaN or contains ±inf.
    pub fn fit(
        kind: ScalerKind,
        feature_names: &[String],
        train: ArrayView2<'_, f64>,
    ) -> Result<Self> {
        if feature_names.len() != train.ncols() {
            return Err(Error::Shape(format!(
                "{} feature names for a matrix with {} columns",
                feature_names.len(),
                train.ncols()
            )));
        }
        if train.nrows() == 0 {
            return Err(Error::Shape(
                "cannot fit a scaler on zero training rows".into(),
            ));
        }
        match kind {
            ScalerKind::MinMax { min, max }
                if !(min.is_finite() && max.is_finite() && min < max) =>
            {
                return Err(invalid(
                    "feature_range",
                    format!("({min}, {max})"),
                    "finite (min, max) with min < max",
                ));
            }
            ScalerKind::Robust { q_low, q_high }
                if !(0.0 <= q_low && q_low <= q_high && q_high <= 100.0) =>
            {
                return Err(invalid(
                    "quantile_range",
                    format!("({q_low}, {q_high})"),
                    "0 <= q_low <= q_high <= 100",
                ));
            }
            _ => {}
        }
        let mut center = Vec::with_capacity(train.ncols());
        let mut scale = Vec::with_capacity(train.ncols());
        for (j, col) in train.axis_iter(Axis(1)).enumerate() {
            let name = feature_names.get(j).map_or("?", String::as_str);
            let v = finite_values(col);
            if v.is_empty() {
                return Err(invalid(
                    name,
                    "all NaN".into(),
                    "a column with at least one non-NaN training value",
                ));
            }
            if v.iter().any(|x| x.is_infinite()) {
                return Err(invalid(
                    name,
                    "±inf".into(),
                    "finite training values (NaN is ignored)",
                ));
            }
            #[allow(clippy::cast_precision_loss, reason = "row counts are far below 2^52")]
            let nf = v.len() as f64;
            let (c, s) = match kind {
                ScalerKind::MinMax { min, max } => {
                    let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let s = (max - min) / handle_zero(hi - lo);
                    (min - lo * s, s)
                }
                ScalerKind::ZScore => {
                    let mean = v.iter().sum::<f64>() / nf;
                    let var = v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / nf;
                    // scikit-learn's `_is_constant_feature`
                    let eps = f64::EPSILON;
                    let constant = var <= nf * eps * var + (nf * mean * eps) * (nf * mean * eps);
                    (mean, if constant { 1.0 } else { var.sqrt() })
                }
                ScalerKind::Robust { q_low, q_high } => {
                    let mut sorted = v;
                    sorted.sort_by(f64::total_cmp);
                    let med = median_sorted(&sorted);
                    let iqr =
                        percentile_sorted(&sorted, q_high) - percentile_sorted(&sorted, q_low);
                    (med, handle_zero(iqr))
                }
            };
            center.push(c);
            scale.push(s);
        }
        Ok(Self {
            kind,
            feature_names: feature_names.to_vec(),
            center,
            scale,
            n_samples: train.nrows(),
        })
    }

    /// Fits on the rows `train` of a dataset's feature matrix (nothing outside the range is
    /// read).
    ///
    /// # Errors
    /// [`Error::Shape`] when the range is empty or outside the dataset; as [`Scaler::fit`].
    pub fn fit_rows(kind: ScalerKind, ds: &Dataset, train: Range<usize>) -> Result<Self> {
        if train.start >= train.end || train.end > ds.n_rows() {
            return Err(Error::Shape(format!(
                "training rows {}..{} are empty or outside the dataset's {} rows",
                train.start,
                train.end,
                ds.n_rows()
            )));
        }
        let x = ds.features();
        Self::fit(kind, ds.feature_names(), x.slice(ndarray::s![train, ..]))
    }

    /// The scaling kind.
    #[must_use]
    pub fn kind(&self) -> ScalerKind {
        self.kind
    }
    /// The feature names it was fitted on, in column order.
    #[must_use]
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }
    /// Per-column center (min-max: scikit-learn's `min_` offset; z-score: mean; robust:
    /// median).
    #[must_use]
    pub fn center(&self) -> &[f64] {
        &self.center
    }
    /// Per-column scale (scikit-learn's `scale_`).
    #[must_use]
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }
    /// Number of training rows.
    #[must_use]
    pub fn n_samples(&self) -> usize {
        self.n_samples
    }

    fn check_columns(&self, names: &[String], ncols: usize) -> Result<()> {
        if names.len() != ncols {
            return Err(Error::Shape(format!(
                "{} feature names for a matrix with {ncols} columns",
                names.len()
            )));
        }
        if names != self.feature_names.as_slice() {
            let first = (0..names.len().max(self.feature_names.len()))
                .find(|&j| names.get(j) != self.feature_names.get(j))
                .unwrap_or(0);
            return Err(Error::Shape(format!(
                "scaler was fitted on columns {:?}; got {:?} (first difference at column {first}: expected {:?}, got {:?})",
                self.feature_names,
                names,
                self.feature_names.get(first),
                names.get(first)
            )));
        }
        Ok(())
    }

    /// Scales `x`, whose columns must be exactly the fitted feature names in order.
    ///
    /// # Errors
    /// [`Error::Shape`] when the column names differ from the fitted ones.
    pub fn transform(&self, names: &[String], x: ArrayView2<'_, f64>) -> Result<Array2<f64>> {
        self.check_columns(names, x.ncols())?;
        let mut y = x.to_owned();
        for (mut col, (&c, &s)) in y
            .axis_iter_mut(Axis(1))
            .zip(self.center.iter().zip(&self.scale))
        {
            match self.kind {
                ScalerKind::MinMax { .. } => col.mapv_inplace(|v| v * s + c),
                _ => col.mapv_inplace(|v| (v - c) / s),
            }
        }
        Ok(y)
    }

    /// Undoes [`Scaler::transform`].
    ///
    /// # Errors
    /// [`Error::Shape`] when the column names differ from the fitted ones.
    pub fn inverse_transform(
        &self,
        names: &[String],
        y: ArrayView2<'_, f64>,
    ) -> Result<Array2<f64>> {
        self.check_columns(names, y.ncols())?;
        let mut x = y.to_owned();
        for (mut col, (&c, &s)) in x
            .axis_iter_mut(Axis(1))
            .zip(self.center.iter().zip(&self.scale))
        {
            match self.kind {
                ScalerKind::MinMax { .. } => col.mapv_inplace(|v| (v - c) / s),
                _ => col.mapv_inplace(|v| v * s + c),
            }
        }
        Ok(x)
    }

    /// A copy of `ds` with its feature matrix scaled (timestamps, labels and label end
    /// times unchanged).
    ///
    /// # Errors
    /// [`Error::Shape`] when the dataset's columns differ from the fitted ones.
    pub fn transform_dataset(&self, ds: &Dataset) -> Result<Dataset> {
        let y = self.transform(ds.feature_names(), ds.features())?;
        Ok(Dataset::new(
            ds.timestamps().to_vec(),
            ds.feature_names().to_vec(),
            y,
            ds.labels().to_owned(),
            ds.label_end().to_vec(),
        )?)
    }

    /// JSON form (kind, feature names, parameters).
    ///
    /// # Errors
    /// [`Error::Spec`] if serialisation fails.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Spec(format!("scaler to JSON: {e}")))
    }

    /// Reads the JSON form written by [`Scaler::to_json`].
    ///
    /// # Errors
    /// [`Error::Parse`] for malformed JSON; [`Error::Shape`] when the stored vectors do not
    /// match the feature names.
    pub fn from_json(s: &str) -> Result<Self> {
        let sc: Self = serde_json::from_str(s).map_err(|e| Error::Parse {
            input: "scaler JSON".into(),
            reason: e.to_string(),
        })?;
        let k = sc.feature_names.len();
        if sc.center.len() != k || sc.scale.len() != k {
            return Err(Error::Shape(format!(
                "scaler JSON has {k} feature names but {} centers and {} scales",
                sc.center.len(),
                sc.scale.len()
            )));
        }
        Ok(sc)
    }
}
