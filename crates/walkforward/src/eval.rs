//! Parallel, deterministic per-split evaluation.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::split::Split;

/// Binary classification metrics of one split (positive class = label `> 0`,
/// so `{0, 1}` and `{-1, 1}` labels both work). Precision/recall/F1 are 0 when
/// undefined (scikit-learn's `zero_division=0`).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    /// Fraction of correct sign predictions.
    pub accuracy: f64,
    /// TP / (TP + FP).
    pub precision: f64,
    /// TP / (TP + FN).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

impl ClassificationMetrics {
    /// Compute from true and predicted labels.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`], [`Error::InsufficientData`] when empty,
    /// [`Error::NonFinite`] for NaN labels.
    pub fn from_labels(y_true: &[f64], y_pred: &[f64]) -> Result<Self> {
        if y_true.len() != y_pred.len() {
            return Err(Error::LengthMismatch {
                what: "predictions",
                got: y_pred.len(),
                expected: y_true.len(),
            });
        }
        if y_true.is_empty() {
            return Err(Error::InsufficientData {
                what: "labels for classification metrics",
                got: 0,
                need: 1,
            });
        }
        if let Some(i) = y_true.iter().chain(y_pred).position(|x| x.is_nan()) {
            return Err(Error::NonFinite {
                what: "labels/predictions (concatenated position)",
                index: i,
            });
        }
        let (mut tp, mut fp, mut fneg, mut correct) = (0usize, 0usize, 0usize, 0usize);
        for (&t, &p) in y_true.iter().zip(y_pred) {
            let (t, p) = (t > 0.0, p > 0.0);
            correct += usize::from(t == p);
            tp += usize::from(t && p);
            fp += usize::from(!t && p);
            fneg += usize::from(t && !p);
        }
        #[allow(clippy::cast_precision_loss, reason = "counts")]
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fneg);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        Ok(Self {
            accuracy: ratio(correct, y_true.len()),
            precision,
            recall,
            f1,
        })
    }
}

/// What the user's closure returns for one split.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct FoldResult {
    /// Classification metrics on the test rows.
    pub classification: Option<ClassificationMetrics>,
    /// Trading metrics from the backtest (e.g. `"sharpe"`, `"max_drawdown"`), any names.
    pub trading: BTreeMap<String, f64>,
    /// Per-test-row strategy returns in test-row order (for the stitched equity
    /// curve and PSR); empty if not available.
    pub oos_returns: Vec<f64>,
}

/// One evaluated split: its layout plus the closure's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitResult {
    /// Split id.
    pub split: usize,
    /// Training row ranges.
    pub train: Vec<Range<usize>>,
    /// Test row ranges.
    pub test: Vec<Range<usize>>,
    /// Training rows.
    pub n_train: usize,
    /// Test rows.
    pub n_test: usize,
    /// Rows purged (gap + label purge).
    pub purged: usize,
    /// Rows embargoed.
    pub embargoed: usize,
    /// The closure's output.
    pub result: FoldResult,
}

/// Evaluate every split in parallel (rayon) and collect the results by split
/// id. The output is identical for any thread count provided `f` is a pure
/// function of its split. On failure, the error of the lowest failing split id
/// is returned (also thread-count independent).
///
/// # Errors
/// [`Error::Evaluation`] naming the split whose closure failed.
pub fn evaluate<F, E>(splits: &[Split], f: F) -> Result<Vec<SplitResult>>
where
    F: Fn(&Split) -> Result<FoldResult, E> + Sync,
    E: Display,
{
    evaluate_with_progress(splits, f, |_, _| {})
}

/// [`evaluate`] with a progress callback `progress(done, total)` called after
/// each split finishes (from worker threads, in completion order). Splits are
/// scheduled largest first (training + test rows), one per rayon task.
///
/// # Errors
/// As [`evaluate`].
pub fn evaluate_with_progress<F, E, P>(
    splits: &[Split],
    f: F,
    progress: P,
) -> Result<Vec<SplitResult>>
where
    F: Fn(&Split) -> Result<FoldResult, E> + Sync,
    E: Display,
    P: Fn(usize, usize) + Sync,
{
    let done = AtomicUsize::new(0);
    let total = splits.len();
    // Largest splits first, one split per rayon task: splits are few and heavy
    // (a model fit each), so the scheduling is "longest processing time first"
    // with work stealing at split granularity; an expanding window's last folds
    // no longer end up queued behind each other on one thread. The order only
    // affects scheduling: each result is stored in its split's own slot.
    let mut order: Vec<usize> = (0..total).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(splits[i].n_train() + splits[i].n_test()));
    let evaluated: Vec<(usize, Result<SplitResult>)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&i| {
            let s = &splits[i];
            let r = f(s).map_err(|e| Error::Evaluation {
                split: s.id,
                message: e.to_string(),
            });
            let d = done.fetch_add(1, Ordering::Relaxed) + 1;
            progress(d, total);
            let r = r.map(|result| SplitResult {
                split: s.id,
                train: s.train.clone(),
                test: s.test.clone(),
                n_train: s.n_train(),
                n_test: s.n_test(),
                purged: s.purged,
                embargoed: s.embargoed,
                result,
            });
            (i, r)
        })
        .collect();
    let mut slots: Vec<Option<Result<SplitResult>>> = (0..total).map(|_| None).collect();
    for (i, r) in evaluated {
        slots[i] = Some(r);
    }
    // in split order, so the reported error is the lowest failing split's
    slots
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::Output("split not evaluated".into()))))
        .collect()
}
