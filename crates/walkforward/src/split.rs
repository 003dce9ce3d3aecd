//! The split type shared by every splitter, and window sizes.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid};

/// One train/test split as lists of half-open `[start, end)` row ranges.
///
/// Ranges are sorted, non-empty and disjoint; `train` and `test` never share a row.
/// Nothing is materialised: a split over 10⁷ rows is a handful of ranges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Split {
    /// Position of the split in generation order (0-based); results are keyed by it.
    pub id: usize,
    /// Training rows.
    pub train: Vec<Range<usize>>,
    /// Test rows. For combinatorial CV one range per test fold (adjacent folds
    /// are kept separate so that `test[j]` lines up with the fold's path id).
    pub test: Vec<Range<usize>>,
    /// Rows removed from training by a gap or purge (before the test, or around
    /// test blocks), counted once.
    pub purged: usize,
    /// Rows removed from training by an embargo after a test block (and not
    /// already counted in `purged`).
    pub embargoed: usize,
}

impl Split {
    /// Number of training rows.
    #[must_use]
    pub fn n_train(&self) -> usize {
        self.train.iter().map(|r| r.end - r.start).sum()
    }

    /// Number of test rows.
    #[must_use]
    pub fn n_test(&self) -> usize {
        self.test.iter().map(|r| r.end - r.start).sum()
    }

    /// Iterate over the training row indices (lazily).
    pub fn train_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.train.iter().flat_map(Clone::clone)
    }

    /// Iterate over the test row indices (lazily).
    pub fn test_indices(&self) -> impl Iterator<Item = usize> + '_ {
        self.test.iter().flat_map(Clone::clone)
    }

    /// Smallest range covering all test rows (`None` when the test set is empty).
    #[must_use]
    pub fn test_span(&self) -> Option<Range<usize>> {
        Some(self.test.first()?.start..self.test.last()?.end)
    }

    /// Smallest range covering all training rows (`None` when empty).
    #[must_use]
    pub fn train_span(&self) -> Option<Range<usize>> {
        Some(self.train.first()?.start..self.train.last()?.end)
    }
}

/// A window size: a count of rows or a fraction of the sample count.
///
/// Fractions resolve to `floor(fraction * n_samples)` rows (the seed's
/// `initialTrainSize: 0.6, testSize: 0.1, stepSize: 0.05`) and must lie in `(0, 1]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Size {
    /// A number of rows.
    Count(usize),
    /// A fraction of the number of rows, in `(0, 1]`.
    Fraction(f64),
}

impl From<usize> for Size {
    fn from(n: usize) -> Self {
        Size::Count(n)
    }
}

impl Size {
    /// Resolve to a row count for `n_samples` rows.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] if a fraction is outside `(0, 1]` or not finite.
    pub fn resolve(self, n_samples: usize, name: &'static str) -> Result<usize> {
        match self {
            Size::Count(c) => Ok(c),
            Size::Fraction(f) => {
                if !(f.is_finite() && f > 0.0 && f <= 1.0) {
                    return Err(invalid(name, format!("fraction {f} is not in (0, 1]")));
                }
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    clippy::cast_precision_loss,
                    reason = "f in (0,1], product in [0, n]"
                )]
                Ok((f * n_samples as f64).floor() as usize)
            }
        }
    }
}

/// Sort and merge a list of ranges, dropping empty ones.
pub(crate) fn normalize(mut ranges: Vec<Range<usize>>) -> Vec<Range<usize>> {
    ranges.retain(|r| r.start < r.end);
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// `a \ b` for sorted disjoint range lists.
pub(crate) fn subtract(a: &[Range<usize>], b: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut j = 0;
    for r in a {
        let mut start = r.start;
        let end = r.end;
        while j < b.len() && b[j].end <= start {
            j += 1;
        }
        let mut k = j;
        while k < b.len() && b[k].start < end {
            if b[k].start > start {
                out.push(start..b[k].start);
            }
            start = start.max(b[k].end);
            k += 1;
        }
        if start < end {
            out.push(start..end);
        }
    }
    out
}

/// Number of rows in a range list.
pub(crate) fn count(r: &[Range<usize>]) -> usize {
    r.iter().map(|x| x.end - x.start).sum()
}
