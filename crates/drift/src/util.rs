//! Small numerical helpers shared by the modules.

use crate::error::{Error, Result};

/// Sample standard deviation (ddof = 1), two-pass.
pub(crate) fn sample_std(xs: &[f64], what: &str) -> Result<f64> {
    if xs.len() < 2 {
        return Err(Error::TooFew {
            what: what.to_string(),
            needed: 2,
            got: xs.len(),
        });
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    Ok((ss / (n - 1.0)).sqrt())
}

/// Mean of a non-empty slice.
pub(crate) fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sorts a copy of `xs` (all finite) ascending.
pub(crate) fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_unstable_by(f64::total_cmp);
    v
}
