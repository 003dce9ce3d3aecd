//! Regression metrics with scikit-learn's definitions (tested against scikit-learn).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, check_finite, check_len};

fn check(what: &'static str, y: &[f64], p: &[f64]) -> Result<f64> {
    check_len(what, y.len(), p.len())?;
    if y.is_empty() {
        return Err(Error::Empty { what });
    }
    check_finite(what, y)?;
    check_finite(what, p)?;
    #[allow(clippy::cast_precision_loss, reason = "sample counts far below 2^52")]
    Ok(y.len() as f64)
}

/// `mean_absolute_error`.
///
/// # Errors
/// Length mismatch, empty or non-finite input.
pub fn mae(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    let n = check("mae", y_true, y_pred)?;
    Ok(y_true
        .iter()
        .zip(y_pred)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / n)
}

/// `root_mean_squared_error`.
///
/// # Errors
/// Length mismatch, empty or non-finite input.
pub fn rmse(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    let n = check("rmse", y_true, y_pred)?;
    Ok((y_true
        .iter()
        .zip(y_pred)
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        / n)
        .sqrt())
}

/// `r2_score` (with `force_finite=True`: a constant `y_true` gives 1 for a perfect fit, else 0).
///
/// # Errors
/// Length mismatch, empty or non-finite input.
pub fn r2(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    let n = check("r2", y_true, y_pred)?;
    let mean = y_true.iter().sum::<f64>() / n;
    let num: f64 = y_true
        .iter()
        .zip(y_pred)
        .map(|(a, b)| (a - b) * (a - b))
        .sum();
    let den: f64 = y_true.iter().map(|a| (a - mean) * (a - mean)).sum();
    Ok(if den == 0.0 {
        if num == 0.0 { 1.0 } else { 0.0 }
    } else {
        1.0 - num / den
    })
}

/// Fraction of samples whose predicted sign equals the true sign (`np.sign`, so 0 is its own
/// sign): `accuracy_score(np.sign(y_true), np.sign(y_pred))`.
///
/// # Errors
/// Length mismatch, empty or non-finite input.
pub fn directional_accuracy(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    let n = check("directional_accuracy", y_true, y_pred)?;
    let sign = |x: f64| {
        if x > 0.0 {
            1
        } else if x < 0.0 {
            -1
        } else {
            0
        }
    };
    #[allow(clippy::cast_precision_loss, reason = "sample counts far below 2^52")]
    let hits = y_true
        .iter()
        .zip(y_pred)
        .filter(|(a, b)| sign(**a) == sign(**b))
        .count() as f64;
    Ok(hits / n)
}

/// The regression metrics of one evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionReport {
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Coefficient of determination.
    pub r2: f64,
    /// Sign agreement.
    pub directional_accuracy: f64,
}

impl RegressionReport {
    /// Computes every metric.
    ///
    /// # Errors
    /// Length mismatch, empty or non-finite input.
    pub fn new(y_true: &[f64], y_pred: &[f64]) -> Result<Self> {
        Ok(Self {
            mae: mae(y_true, y_pred)?,
            rmse: rmse(y_true, y_pred)?,
            r2: r2(y_true, y_pred)?,
            directional_accuracy: directional_accuracy(y_true, y_pred)?,
        })
    }
}
