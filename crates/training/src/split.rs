//! Chronological train / validation / test split with purging and embargo.
//!
//! Rows are never shuffled. The usable rows are cut by the configured fractions into three
//! consecutive slices; then every row of an earlier slice whose label end time is at or after
//! the first timestamp of the next slice is **purged** (its label would see the later slice),
//! and the first `embargo` rows of the validation and test slices are dropped. Purging cuts at the
//! first row whose label crosses the boundary, so later rows of the slice go too even when their
//! own label (a triple barrier hit early) does not cross: slices stay contiguous. Every dropped row
//! is counted in [`SplitReport`].

use std::ops::Range;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Row ranges (into the dataset) of the three slices, and what was dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SplitReport {
    /// Training rows.
    pub train: Range<usize>,
    /// Validation rows.
    pub validation: Range<usize>,
    /// Test rows.
    pub test: Range<usize>,
    /// Training rows purged because their label ends in the validation slice or later.
    pub purged_train: usize,
    /// Validation rows purged because their label ends in the test slice or later.
    pub purged_validation: usize,
    /// Rows dropped by the embargo at the start of the validation slice.
    pub embargoed_validation: usize,
    /// Rows dropped by the embargo at the start of the test slice.
    pub embargoed_test: usize,
    /// Rows after the test slice left unused (fractions summing to < 1).
    pub unused_tail: usize,
}

/// Time range `[first, last]` of a slice's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SliceTimes {
    /// First row's timestamp.
    pub first: DateTime<Utc>,
    /// Last row's timestamp.
    pub last: DateTime<Utc>,
    /// Latest label end time of the slice's rows.
    pub last_label_end: DateTime<Utc>,
    /// Number of rows.
    pub rows: usize,
}

impl SliceTimes {
    /// The times of `range` in `timestamps` / `label_end`.
    #[must_use]
    pub fn of(
        range: &Range<usize>,
        timestamps: &[DateTime<Utc>],
        label_end: &[DateTime<Utc>],
    ) -> Option<Self> {
        let first = *timestamps.get(range.start)?;
        let last = *timestamps.get(range.end.checked_sub(1)?)?;
        let last_label_end = label_end.get(range.clone())?.iter().max().copied()?;
        Some(Self {
            first,
            last,
            last_label_end,
            rows: range.len(),
        })
    }
}

fn floor_frac(n: usize, f: f64) -> usize {
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "0 < f < 1 and n far below 2^52"
    )]
    let k = (n as f64 * f).floor() as usize;
    k.min(n)
}

/// Splits rows with timestamps `ts` and label end times `label_end` (both of one length, time
/// ordered) by the fractions, purging and embargoing as described in the module docs.
///
/// # Errors
/// [`Error::Data`] when a slice ends up empty, or the inputs differ in length.
pub fn purged_split(
    ts: &[DateTime<Utc>],
    label_end: &[DateTime<Utc>],
    fractions: (f64, f64, f64),
    embargo: usize,
) -> Result<SplitReport> {
    crate::error::check_len("purged_split", ts.len(), label_end.len())?;
    let n = ts.len();
    let n_train = floor_frac(n, fractions.0);
    let n_valid = floor_frac(n, fractions.1);
    let n_test = floor_frac(n, fractions.2);
    let v0 = n_train;
    let t0 = v0 + n_valid;
    let end = (t0 + n_test).min(n);
    // purge: keep rows whose label ends strictly before the next slice's first timestamp
    let purge = |range: Range<usize>, boundary: usize| -> (Range<usize>, usize) {
        let Some(&b) = ts.get(boundary) else {
            return (range, 0);
        };
        // the first row whose label reaches the boundary; it and every later row of the slice
        // are purged (labels end at most `horizon` bars ahead, so these are the slice's last rows)
        let keep_end = range
            .clone()
            .find(|&i| label_end.get(i).is_some_and(|e| *e >= b))
            .unwrap_or(range.end);
        let dropped = range.end - keep_end;
        (range.start..keep_end, dropped)
    };
    let (train, purged_train) = purge(0..v0, v0);
    let (valid_full, purged_validation) = purge(v0..t0, t0);
    let emb_v = embargo.min(valid_full.len());
    let validation = valid_full.start + emb_v..valid_full.end;
    let emb_t = embargo.min(end.saturating_sub(t0));
    let test = t0 + emb_t..end;
    for (name, r) in [
        ("train", &train),
        ("validation", &validation),
        ("test", &test),
    ] {
        if r.is_empty() {
            return Err(Error::Data(format!(
                "the {name} slice is empty after purging and embargo ({n} usable rows; fractions {fractions:?}, embargo {embargo})"
            )));
        }
    }
    Ok(SplitReport {
        train,
        validation,
        test,
        purged_train,
        purged_validation,
        embargoed_validation: emb_v,
        embargoed_test: emb_t,
        unused_tail: n - end,
    })
}
