//! Sliding windows for sequence models, built inside one slice of time-ordered rows.

use ndarray::{Array1, Array3, ArrayView1, ArrayView2, s};

use crate::{Error, Result};

/// Windows of `lookback` consecutive rows: `[n_rows - lookback + 1, lookback, n_features]`,
/// window `i` holding rows `i ..= i + lookback - 1` (oldest first), and the target of its last
/// row. Only rows of `x` are used, so a window never crosses the boundary of the slice it was
/// given (pass one split at a time), and window `i` never reads a row after `i + lookback - 1`.
///
/// # Errors
/// [`Error::InvalidParam`] for `lookback == 0`, [`Error::TooFewRows`] when `x` has fewer than
/// `lookback` rows, [`Error::LengthMismatch`] when `y` is not one per row.
pub fn windows(
    x: ArrayView2<'_, f64>,
    y: ArrayView1<'_, f64>,
    lookback: usize,
) -> Result<(Array3<f64>, Array1<f64>)> {
    if lookback == 0 {
        return Err(Error::param("lookback", 0, "must be >= 1"));
    }
    if x.nrows() != y.len() {
        return Err(Error::LengthMismatch {
            features: x.nrows(),
            targets: y.len(),
        });
    }
    let w = feature_windows(x, lookback)?;
    let t = y.slice(s![lookback - 1..]).to_owned();
    Ok((w, t))
}

/// The feature part of [`windows`] (for prediction, where there are no targets).
///
/// # Errors
/// As [`windows`].
pub fn feature_windows(x: ArrayView2<'_, f64>, lookback: usize) -> Result<Array3<f64>> {
    if lookback == 0 {
        return Err(Error::param("lookback", 0, "must be >= 1"));
    }
    if x.nrows() < lookback {
        return Err(Error::TooFewRows {
            got: x.nrows(),
            need: lookback,
        });
    }
    let n = x.nrows() - lookback + 1;
    let mut out = Array3::zeros((n, lookback, x.ncols()));
    for (i, mut win) in out.outer_iter_mut().enumerate() {
        win.assign(&x.slice(s![i..i + lookback, ..]));
    }
    Ok(out)
}
