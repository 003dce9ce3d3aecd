//! Time-indexed supervised-learning data: features, labels and label end times.

use std::ops::Range;

use chrono::{DateTime, Utc};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, s};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A feature matrix with named columns, one label per row, and the time span of each label.
///
/// Row `i` is a decision made at `timestamps[i]` (features may only use information known at
/// that time); its label is known only at `label_end[i]` (e.g. the close of the bar `h` bars
/// later for an `h`-bar forward return). Splitters use `label_end` to **purge** training rows
/// whose label overlaps a later test period.
///
/// Invariants (checked by [`Dataset::new`]): all columns have one value per row, feature names
/// are unique and non-empty, timestamps strictly increase, and `label_end[i] >= timestamps[i]`.
/// Features may be NaN (e.g. inside an indicator's warm-up); labels may not be NaN unless the
/// caller built them so, see [`Dataset::first_complete_row`].
///
/// ```
/// use aaiti_core::Dataset;
/// use chrono::{DateTime, TimeDelta, Utc};
/// use ndarray::array;
///
/// let t0: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
/// let ts: Vec<_> = (0..3).map(|i| t0 + TimeDelta::hours(i)).collect();
/// let ends: Vec<_> = ts.iter().map(|t| *t + TimeDelta::hours(1)).collect();
/// let ds = Dataset::new(ts, vec!["rsi_14".into()], array![[50.0], [55.0], [60.0]],
///                       array![0.0, 1.0, 1.0], ends)?;
/// assert_eq!(ds.slice(1..3).n_rows(), 2);
/// # Ok::<(), aaiti_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    timestamps: Vec<DateTime<Utc>>,
    feature_names: Vec<String>,
    #[serde(with = "crate::serde_f64::nested")]
    features: Array2<f64>,
    #[serde(with = "crate::serde_f64::nested")]
    labels: Array1<f64>,
    label_end: Vec<DateTime<Utc>>,
}

impl Dataset {
    /// Builds a dataset, checking its invariants.
    ///
    /// # Errors
    /// [`Error::Dataset`] naming the first broken invariant (and its row or column).
    pub fn new(
        timestamps: Vec<DateTime<Utc>>,
        feature_names: Vec<String>,
        features: Array2<f64>,
        labels: Array1<f64>,
        label_end: Vec<DateTime<Utc>>,
    ) -> Result<Self> {
        let n = timestamps.len();
        if features.nrows() != n {
            return Err(Error::Dataset(format!(
                "feature matrix has {} rows, expected {n}",
                features.nrows()
            )));
        }
        if features.ncols() != feature_names.len() {
            return Err(Error::Dataset(format!(
                "feature matrix has {} columns but {} names",
                features.ncols(),
                feature_names.len()
            )));
        }
        if labels.len() != n {
            return Err(Error::Dataset(format!(
                "{} labels for {n} rows",
                labels.len()
            )));
        }
        if label_end.len() != n {
            return Err(Error::Dataset(format!(
                "{} label end times for {n} rows",
                label_end.len()
            )));
        }
        let mut seen = std::collections::HashSet::new();
        for (j, name) in feature_names.iter().enumerate() {
            if name.is_empty() {
                return Err(Error::Dataset(format!(
                    "feature column {j} has an empty name"
                )));
            }
            if !seen.insert(name.as_str()) {
                return Err(Error::Dataset(format!(
                    "feature column {j}: duplicate name `{name}`"
                )));
            }
        }
        for i in 1..n {
            if timestamps[i] <= timestamps[i - 1] {
                return Err(Error::Dataset(format!(
                    "row {i}: timestamp {} does not come after {}",
                    timestamps[i].to_rfc3339(),
                    timestamps[i - 1].to_rfc3339()
                )));
            }
        }
        for i in 0..n {
            if label_end[i] < timestamps[i] {
                return Err(Error::Dataset(format!(
                    "row {i}: label end {} is before the row's time {}",
                    label_end[i].to_rfc3339(),
                    timestamps[i].to_rfc3339()
                )));
            }
        }
        Ok(Self {
            timestamps,
            feature_names,
            features,
            labels,
            label_end,
        })
    }

    /// Number of rows.
    #[must_use]
    pub fn n_rows(&self) -> usize {
        self.timestamps.len()
    }

    /// Whether there are no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.timestamps.is_empty()
    }

    /// Number of feature columns.
    #[must_use]
    pub fn n_features(&self) -> usize {
        self.feature_names.len()
    }

    /// Decision time of each row.
    #[must_use]
    pub fn timestamps(&self) -> &[DateTime<Utc>] {
        &self.timestamps
    }

    /// Time at which each row's label becomes known.
    #[must_use]
    pub fn label_end(&self) -> &[DateTime<Utc>] {
        &self.label_end
    }

    /// Feature column names.
    #[must_use]
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The feature matrix, rows × features.
    #[must_use]
    pub fn features(&self) -> ArrayView2<'_, f64> {
        self.features.view()
    }

    /// The labels.
    #[must_use]
    pub fn labels(&self) -> ArrayView1<'_, f64> {
        self.labels.view()
    }

    /// The column of the feature called `name`, if any.
    #[must_use]
    pub fn column(&self, name: &str) -> Option<ArrayView1<'_, f64>> {
        let j = self.feature_names.iter().position(|n| n == name)?;
        Some(self.features.column(j))
    }

    /// A copy of rows `range` (half-open; bounds are clamped).
    #[must_use]
    pub fn slice(&self, range: Range<usize>) -> Self {
        let end = range.end.min(self.n_rows());
        let start = range.start.min(end);
        Self {
            timestamps: self.timestamps[start..end].to_vec(),
            feature_names: self.feature_names.clone(),
            features: self.features.slice(s![start..end, ..]).to_owned(),
            labels: self.labels.slice(s![start..end]).to_owned(),
            label_end: self.label_end[start..end].to_vec(),
        }
    }

    /// A copy of the rows at `indices`, which must be strictly increasing (so time order holds).
    ///
    /// # Errors
    /// [`Error::Dataset`] if an index is out of bounds or the indices are not increasing.
    pub fn select(&self, indices: &[usize]) -> Result<Self> {
        for (k, &i) in indices.iter().enumerate() {
            if i >= self.n_rows() {
                return Err(Error::Dataset(format!(
                    "index {i} out of bounds for {} rows",
                    self.n_rows()
                )));
            }
            if k > 0 && i <= indices[k - 1] {
                return Err(Error::Dataset(format!(
                    "indices must increase; {i} follows {}",
                    indices[k - 1]
                )));
            }
        }
        Ok(Self {
            timestamps: indices.iter().map(|&i| self.timestamps[i]).collect(),
            feature_names: self.feature_names.clone(),
            features: self.features.select(Axis(0), indices),
            labels: self.labels.select(Axis(0), indices),
            label_end: indices.iter().map(|&i| self.label_end[i]).collect(),
        })
    }

    /// The index of the first row from which every later row has finite features and label,
    /// i.e. the end of indicator warm-up. `None` if no such row exists. Rows before it are
    /// what a caller would drop (explicitly) before fitting.
    #[must_use]
    pub fn first_complete_row(&self) -> Option<usize> {
        let complete = |i: usize| {
            self.labels[i].is_finite() && self.features.row(i).iter().all(|v| v.is_finite())
        };
        let mut first = None;
        for i in (0..self.n_rows()).rev() {
            if complete(i) {
                first = Some(i);
            } else {
                break;
            }
        }
        first
    }

    /// Splits into `(timestamps, feature_names, features, labels, label_end)`.
    #[must_use]
    #[allow(
        clippy::type_complexity,
        reason = "plain destructuring of the five parts"
    )]
    pub fn into_parts(
        self,
    ) -> (
        Vec<DateTime<Utc>>,
        Vec<String>,
        Array2<f64>,
        Array1<f64>,
        Vec<DateTime<Utc>>,
    ) {
        (
            self.timestamps,
            self.feature_names,
            self.features,
            self.labels,
            self.label_end,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;
    use ndarray::array;

    fn times(n: i64) -> Vec<DateTime<Utc>> {
        let t0: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
        (0..n).map(|i| t0 + TimeDelta::hours(i)).collect()
    }

    #[test]
    fn rejects_inconsistent_parts() {
        let ts = times(2);
        let ok = Dataset::new(
            ts.clone(),
            vec!["a".into()],
            array![[1.0], [2.0]],
            array![0.0, 1.0],
            ts.clone(),
        );
        assert!(ok.is_ok());
        let dup = Dataset::new(
            ts.clone(),
            vec!["a".into(), "a".into()],
            array![[1.0, 1.0], [2.0, 2.0]],
            array![0.0, 1.0],
            ts.clone(),
        );
        assert!(matches!(dup, Err(Error::Dataset(m)) if m.contains("duplicate")));
        let early = vec![ts[0] - TimeDelta::hours(1), ts[1]];
        let bad = Dataset::new(
            ts.clone(),
            vec!["a".into()],
            array![[1.0], [2.0]],
            array![0.0, 1.0],
            early,
        );
        assert!(matches!(bad, Err(Error::Dataset(m)) if m.starts_with("row 0")));
        let rev = vec![ts[1], ts[0]];
        let bad = Dataset::new(
            rev.clone(),
            vec!["a".into()],
            array![[1.0], [2.0]],
            array![0.0, 1.0],
            rev,
        );
        assert!(matches!(bad, Err(Error::Dataset(m)) if m.starts_with("row 1")));
    }

    #[test]
    fn warm_up_end_and_select() {
        let ts = times(4);
        let ds = Dataset::new(
            ts.clone(),
            vec!["a".into()],
            array![[f64::NAN], [1.0], [2.0], [3.0]],
            array![0.0, 1.0, 0.0, 1.0],
            ts,
        )
        .unwrap();
        assert_eq!(ds.first_complete_row(), Some(1));
        let sel = ds.select(&[1, 3]).unwrap();
        assert_eq!(sel.labels().to_vec(), vec![1.0, 1.0]);
        assert!(ds.select(&[3, 1]).is_err());
        assert!(ds.select(&[9]).is_err());
    }

    #[test]
    fn json_round_trip_keeps_nan_features_and_labels() {
        let ts = times(3);
        let ds = Dataset::new(
            ts.clone(),
            vec!["a".into(), "b".into()],
            array![[f64::NAN, 1.0], [2.0, f64::INFINITY], [3.0, 4.0]],
            array![0.5, 1.0, f64::NAN],
            ts,
        )
        .unwrap();
        let json = serde_json::to_string(&ds).unwrap();
        let back: Dataset = serde_json::from_str(&json).unwrap();
        assert!(back.features()[[0, 0]].is_nan());
        assert_eq!(back.features()[[1, 1]], f64::INFINITY);
        assert!(back.labels()[2].is_nan());
        assert_eq!(back.features()[[2, 1]], 4.0);
        assert_eq!(back.timestamps(), ds.timestamps());
    }
}
