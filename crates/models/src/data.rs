//! Training data and input validation.

use ndarray::{Array1, ArrayView1, ArrayView2};

use crate::{Error, Result};

/// Time-ordered training rows: a feature matrix (`n_rows × n_features`) and one target per row.
///
/// Rows must be in time order (sequence models build windows from consecutive rows). Pass one
/// split at a time: nothing ever looks outside the rows given, so windows never cross a split
/// boundary. Construction checks shapes and that every value is finite.
#[derive(Debug, Clone, Copy)]
pub struct TrainData<'a> {
    x: ArrayView2<'a, f64>,
    y: ArrayView1<'a, f64>,
}

impl<'a> TrainData<'a> {
    /// Wraps a feature matrix and a target vector.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`], [`Error::NoFeatures`], [`Error::TooFewRows`] (zero rows),
    /// [`Error::NonFiniteFeature`] or [`Error::NonFiniteTarget`].
    pub fn new(x: ArrayView2<'a, f64>, y: ArrayView1<'a, f64>) -> Result<Self> {
        if x.nrows() != y.len() {
            return Err(Error::LengthMismatch {
                features: x.nrows(),
                targets: y.len(),
            });
        }
        if x.ncols() == 0 {
            return Err(Error::NoFeatures);
        }
        if x.nrows() == 0 {
            return Err(Error::TooFewRows { got: 0, need: 1 });
        }
        check_finite(x)?;
        if let Some((row, &value)) = y.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFiniteTarget { row, value });
        }
        Ok(Self { x, y })
    }

    /// Features and labels of an `aaiti_core::Dataset` (e.g. one split of it).
    ///
    /// # Errors
    /// As [`TrainData::new`]; rows before `Dataset::first_complete_row` usually hold NaN, so
    /// slice them off first.
    pub fn from_dataset(ds: &'a aaiti_core::Dataset) -> Result<Self> {
        Self::new(ds.features(), ds.labels())
    }

    /// The feature matrix.
    #[must_use]
    pub fn features(&self) -> ArrayView2<'a, f64> {
        self.x
    }

    /// The targets.
    #[must_use]
    pub fn targets(&self) -> ArrayView1<'a, f64> {
        self.y
    }

    /// Number of rows.
    #[must_use]
    pub fn n_rows(&self) -> usize {
        self.x.nrows()
    }

    /// Number of feature columns.
    #[must_use]
    pub fn n_features(&self) -> usize {
        self.x.ncols()
    }
}

/// Fails on the first non-finite value, naming its row and column.
pub(crate) fn check_finite(x: ArrayView2<'_, f64>) -> Result<()> {
    for (row, r) in x.outer_iter().enumerate() {
        if let Some((col, &value)) = r.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFiniteFeature { row, col, value });
        }
    }
    Ok(())
}

/// Checks prediction input: the width the model was fitted on and finite values.
pub(crate) fn check_input(x: ArrayView2<'_, f64>, n_features: usize) -> Result<()> {
    if x.ncols() != n_features {
        return Err(Error::WidthMismatch {
            expected: n_features,
            got: x.ncols(),
        });
    }
    check_finite(x)
}

/// Class labels: sorted distinct values, and each target's index into them.
#[derive(Debug, Clone)]
pub(crate) struct Encoded {
    pub(crate) classes: Vec<f64>,
    pub(crate) idx: Array1<usize>,
}

/// Encodes classifier targets, which must be non-negative integers below 2^32.
pub(crate) fn encode_labels(y: ArrayView1<'_, f64>, min_classes: usize) -> Result<Encoded> {
    const MAX_LABEL: f64 = 4_294_967_296.0;
    let mut classes: Vec<f64> = Vec::new();
    for (row, &value) in y.iter().enumerate() {
        if !(value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value < MAX_LABEL) {
            return Err(Error::InvalidLabel { row, value });
        }
        classes.push(value);
    }
    classes.sort_by(f64::total_cmp);
    classes.dedup();
    if classes.len() < min_classes {
        return Err(Error::TooFewClasses {
            got: classes.len(),
            need: min_classes,
        });
    }
    // classes are sorted and hold every target, so the search always finds it
    let idx = y.mapv(|v| classes.partition_point(|c| *c < v));
    Ok(Encoded { classes, idx })
}

/// Index of the largest value; ties go to the lowest index (as numpy's `argmax`).
pub(crate) fn argmax(row: ArrayView1<'_, f64>) -> usize {
    let mut best = 0;
    let mut best_v = f64::NEG_INFINITY;
    for (i, &v) in row.iter().enumerate() {
        if v > best_v {
            best = i;
            best_v = v;
        }
    }
    best
}
