//! Classification metrics with scikit-learn's definitions (tested against scikit-learn).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, check_finite, check_len};

/// What a ratio with a zero denominator evaluates to (scikit-learn's `zero_division`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroDivision {
    /// 0.0 (scikit-learn's default `"warn"` behaves as 0).
    #[default]
    Zero,
    /// 1.0.
    One,
    /// NaN; averages then ignore it (`np.nanmean`-style).
    Nan,
}

impl ZeroDivision {
    fn value(self) -> f64 {
        match self {
            Self::Zero => 0.0,
            Self::One => 1.0,
            Self::Nan => f64::NAN,
        }
    }
}

/// A confusion matrix over the sorted union of the labels in `y_true` and `y_pred`
/// (scikit-learn's `confusion_matrix` with `labels=None`): `counts[i][j]` is the number of
/// samples of true class `labels[i]` predicted as `labels[j]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    labels: Vec<f64>,
    counts: Vec<Vec<u64>>,
}

/// The distinct values of `a` and `b`, ascending (`total_cmp` order, then `dedup`, so `-0.0`
/// and `0.0` count once). Class labels are few: they are collected into a small sorted set in
/// one pass (no sort of all samples, ~8x faster on 1M labels); past 64 distinct values it falls
/// back to sorting everything. Both paths give the same result.
fn sorted_union(a: &[f64], b: &[f64]) -> Vec<f64> {
    const SMALL: usize = 64;
    let mut l: Vec<f64> = Vec::new();
    for &v in a.iter().chain(b) {
        if let Err(i) = l.binary_search_by(|c| c.total_cmp(&v)) {
            if l.len() == SMALL {
                let mut all: Vec<f64> = a.iter().chain(b).copied().collect();
                all.sort_by(f64::total_cmp);
                all.dedup();
                return all;
            }
            l.insert(i, v);
        }
    }
    l.dedup();
    l
}

fn index_of(labels: &[f64], v: f64) -> Option<usize> {
    labels.binary_search_by(|c| c.total_cmp(&v)).ok()
}

impl ConfusionMatrix {
    /// Counts `(true, predicted)` pairs.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`], [`Error::Empty`] or [`Error::NonFinite`] labels.
    pub fn new(y_true: &[f64], y_pred: &[f64]) -> Result<Self> {
        check_len("confusion_matrix", y_true.len(), y_pred.len())?;
        if y_true.is_empty() {
            return Err(Error::Empty {
                what: "confusion_matrix",
            });
        }
        check_finite("confusion_matrix y_true", y_true)?;
        check_finite("confusion_matrix y_pred", y_pred)?;
        let labels = sorted_union(y_true, y_pred);
        Self::with_labels(y_true, y_pred, labels)
    }

    /// Counts over explicit `labels` (sorted ascending, distinct); a label of either input that is
    /// not listed is an error (nothing is silently dropped).
    ///
    /// # Errors
    /// As [`ConfusionMatrix::new`], plus [`Error::Undefined`] for an unlisted label or unsorted
    /// labels.
    pub fn with_labels(y_true: &[f64], y_pred: &[f64], labels: Vec<f64>) -> Result<Self> {
        check_len("confusion_matrix", y_true.len(), y_pred.len())?;
        if labels.windows(2).any(|w| w[0].total_cmp(&w[1]).is_ge()) {
            return Err(Error::Undefined {
                what: "confusion_matrix",
                reason: "labels must be sorted ascending and distinct".into(),
            });
        }
        let k = labels.len();
        let mut counts = vec![vec![0_u64; k]; k];
        for (i, (&t, &p)) in y_true.iter().zip(y_pred).enumerate() {
            let (Some(a), Some(b)) = (index_of(&labels, t), index_of(&labels, p)) else {
                return Err(Error::Undefined {
                    what: "confusion_matrix",
                    reason: format!("sample {i}: label ({t}, {p}) is not in {labels:?}"),
                });
            };
            if let Some(c) = counts.get_mut(a).and_then(|r| r.get_mut(b)) {
                *c += 1;
            }
        }
        Ok(Self { labels, counts })
    }

    /// The class labels (rows and columns), ascending.
    #[must_use]
    pub fn labels(&self) -> &[f64] {
        &self.labels
    }

    /// `counts()[true][pred]`.
    #[must_use]
    pub fn counts(&self) -> &[Vec<u64>] {
        &self.counts
    }

    /// Number of samples.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    fn tp(&self) -> Vec<f64> {
        (0..self.labels.len()).map(|i| self.cell(i, i)).collect()
    }
    fn cell(&self, i: usize, j: usize) -> f64 {
        #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        self.counts
            .get(i)
            .and_then(|r| r.get(j))
            .map_or(0.0, |&c| c as f64)
    }
    /// Row sums (true support per class).
    fn true_sum(&self) -> Vec<f64> {
        (0..self.labels.len())
            .map(|i| (0..self.labels.len()).map(|j| self.cell(i, j)).sum())
            .collect()
    }
    /// Column sums (predictions per class).
    fn pred_sum(&self) -> Vec<f64> {
        (0..self.labels.len())
            .map(|j| (0..self.labels.len()).map(|i| self.cell(i, j)).sum())
            .collect()
    }

    /// Fraction of correct predictions (`accuracy_score`).
    #[must_use]
    pub fn accuracy(&self) -> f64 {
        #[allow(clippy::cast_precision_loss, reason = "counts far below 2^52")]
        let n = self.total() as f64;
        self.tp().iter().sum::<f64>() / n
    }

    /// Mean recall over the classes present in `y_true` (`balanced_accuracy_score`,
    /// `adjusted=False`).
    #[must_use]
    pub fn balanced_accuracy(&self) -> f64 {
        let tp = self.tp();
        let ts = self.true_sum();
        let per: Vec<f64> = tp
            .iter()
            .zip(&ts)
            .filter(|(_, s)| **s > 0.0)
            .map(|(t, s)| t / s)
            .collect();
        #[allow(clippy::cast_precision_loss, reason = "class counts are small")]
        let k = per.len() as f64;
        per.iter().sum::<f64>() / k
    }

    /// Per-class precision, recall, F1 and support (`precision_recall_fscore_support` with
    /// `average=None`), in [`ConfusionMatrix::labels`] order.
    #[must_use]
    pub fn per_class(&self, zero_division: ZeroDivision) -> PerClass {
        let tp = self.tp();
        let ts = self.true_sum();
        let ps = self.pred_sum();
        let zd = zero_division.value();
        let div = |n: f64, d: f64| if d == 0.0 { zd } else { n / d };
        let precision: Vec<f64> = tp.iter().zip(&ps).map(|(&t, &p)| div(t, p)).collect();
        let recall: Vec<f64> = tp.iter().zip(&ts).map(|(&t, &s)| div(t, s)).collect();
        let f1: Vec<f64> = tp
            .iter()
            .zip(ts.iter().zip(&ps))
            .map(|(&t, (&s, &p))| div(2.0 * t, s + p))
            .collect();
        PerClass {
            labels: self.labels.clone(),
            precision,
            recall,
            f1,
            support: ts,
        }
    }

    /// Matthews correlation coefficient, multiclass (`matthews_corrcoef`); 0 when undefined.
    #[must_use]
    pub fn mcc(&self) -> f64 {
        let t = self.true_sum();
        let p = self.pred_sum();
        let correct: f64 = self.tp().iter().sum();
        let n: f64 = p.iter().sum();
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let cov_tp = correct * n - dot(&t, &p);
        let cov_pp = n * n - dot(&p, &p);
        let cov_tt = n * n - dot(&t, &t);
        let d = cov_pp * cov_tt;
        if d == 0.0 { 0.0 } else { cov_tp / d.sqrt() }
    }
}

/// Per-class scores in label order, plus scikit-learn's macro and weighted averages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerClass {
    /// Class labels.
    pub labels: Vec<f64>,
    /// Precision per class.
    pub precision: Vec<f64>,
    /// Recall per class.
    pub recall: Vec<f64>,
    /// F1 per class.
    pub f1: Vec<f64>,
    /// Number of true samples per class.
    pub support: Vec<f64>,
}

/// Mean ignoring NaN, optionally weighted (scikit-learn's `_nanaverage`): NaN when nothing is
/// left; when the remaining weights sum to zero, the unweighted mean.
fn nan_average(v: &[f64], w: Option<&[f64]>) -> f64 {
    let kept: Vec<(f64, f64)> = v
        .iter()
        .enumerate()
        .filter(|(_, x)| !x.is_nan())
        .map(|(i, &x)| (x, w.and_then(|w| w.get(i).copied()).unwrap_or(1.0)))
        .collect();
    if kept.is_empty() {
        return f64::NAN;
    }
    let den: f64 = kept.iter().map(|p| p.1).sum();
    if den == 0.0 {
        #[allow(clippy::cast_precision_loss, reason = "class counts are small")]
        let k = kept.len() as f64;
        return kept.iter().map(|p| p.0).sum::<f64>() / k;
    }
    kept.iter().map(|p| p.0 * p.1).sum::<f64>() / den
}

/// The three averaged scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Averaged {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
}

impl PerClass {
    /// Unweighted mean over classes (`average="macro"`).
    #[must_use]
    pub fn macro_avg(&self) -> Averaged {
        Averaged {
            precision: nan_average(&self.precision, None),
            recall: nan_average(&self.recall, None),
            f1: nan_average(&self.f1, None),
        }
    }
    /// Support-weighted mean (`average="weighted"`).
    #[must_use]
    pub fn weighted_avg(&self) -> Averaged {
        let w = Some(self.support.as_slice());
        Averaged {
            precision: nan_average(&self.precision, w),
            recall: nan_average(&self.recall, w),
            f1: nan_average(&self.f1, w),
        }
    }
    /// Scores of one class (`average="binary"`, `pos_label=label`); `None` if absent.
    #[must_use]
    pub fn of(&self, label: f64) -> Option<Averaged> {
        let i = index_of(&self.labels, label)?;
        Some(Averaged {
            precision: *self.precision.get(i)?,
            recall: *self.recall.get(i)?,
            f1: *self.f1.get(i)?,
        })
    }
}

/// `accuracy_score(y_true, y_pred)`.
///
/// # Errors
/// As [`ConfusionMatrix::new`].
pub fn accuracy(y_true: &[f64], y_pred: &[f64]) -> Result<f64> {
    Ok(ConfusionMatrix::new(y_true, y_pred)?.accuracy())
}

/// `log_loss(y_true, proba, labels=labels)`: `proba[i][j]` is the probability of `labels[j]`
/// (sorted ascending) for sample `i`. Probabilities are clipped to `[eps, 1 − eps]` with
/// `eps = f64::EPSILON`, as scikit-learn does (rows are not renormalised).
///
/// # Errors
/// Length mismatches, an empty input, a non-finite probability, a row whose width differs from
/// `labels`, or a true label not in `labels`.
pub fn log_loss(y_true: &[f64], proba: &[Vec<f64>], labels: &[f64]) -> Result<f64> {
    check_len("log_loss", y_true.len(), proba.len())?;
    if y_true.is_empty() {
        return Err(Error::Empty { what: "log_loss" });
    }
    let eps = f64::EPSILON;
    let mut total = 0.0;
    for (i, (&t, row)) in y_true.iter().zip(proba).enumerate() {
        check_len("log_loss row width", row.len(), labels.len())?;
        check_finite("log_loss proba", row)?;
        let j = labels
            .iter()
            .position(|l| l.total_cmp(&t).is_eq())
            .ok_or_else(|| Error::Undefined {
                what: "log_loss",
                reason: format!("sample {i}: label {t} is not in {labels:?}"),
            })?;
        let p = row.get(j).copied().unwrap_or(0.0).clamp(eps, 1.0 - eps);
        total -= p.ln();
    }
    #[allow(clippy::cast_precision_loss, reason = "sample counts far below 2^52")]
    let n = y_true.len() as f64;
    Ok(total / n)
}

/// `roc_auc_score(y_true, score)` for binary `y_true` (the larger label is positive):
/// the trapezoidal area under the ROC curve over distinct score thresholds, ties as
/// scikit-learn treats them.
///
/// # Errors
/// Length mismatch, empty or non-finite input, and [`Error::Undefined`] unless `y_true` holds
/// exactly two classes.
pub fn roc_auc(y_true: &[f64], score: &[f64]) -> Result<f64> {
    check_len("roc_auc", y_true.len(), score.len())?;
    if y_true.is_empty() {
        return Err(Error::Empty { what: "roc_auc" });
    }
    check_finite("roc_auc y_true", y_true)?;
    check_finite("roc_auc score", score)?;
    let classes = sorted_union(y_true, &[]);
    let [_, pos] = classes.as_slice() else {
        return Err(Error::Undefined {
            what: "roc_auc",
            reason: format!(
                "y_true must hold exactly 2 classes, found {}: ROC AUC is not defined",
                classes.len()
            ),
        });
    };
    let pos = *pos;
    let mut order: Vec<usize> = (0..score.len()).collect();
    // descending score, stable (as sklearn's mergesort)
    order.sort_by(|&a, &b| score[b].total_cmp(&score[a]));
    let (mut tps, mut fps) = (0.0_f64, 0.0_f64);
    let mut pts: Vec<(f64, f64)> = vec![(0.0, 0.0)];
    for (k, &i) in order.iter().enumerate() {
        if y_true[i].total_cmp(&pos).is_eq() {
            tps += 1.0;
        } else {
            fps += 1.0;
        }
        let last_of_tie = order
            .get(k + 1)
            .is_none_or(|&n| score[n].total_cmp(&score[i]).is_ne());
        if last_of_tie {
            pts.push((fps, tps));
        }
    }
    let (fmax, tmax) = (fps, tps);
    let mut area = 0.0;
    for w in pts.windows(2) {
        let (x0, y0) = (w[0].0 / fmax, w[0].1 / tmax);
        let (x1, y1) = (w[1].0 / fmax, w[1].1 / tmax);
        area += (x1 - x0) * (y0 + y1) / 2.0;
    }
    Ok(area)
}

/// Every classification metric of one evaluation, as stored in a [`crate::TrainedModel`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationReport {
    /// Confusion matrix.
    pub confusion: ConfusionMatrix,
    /// Accuracy.
    pub accuracy: f64,
    /// Balanced accuracy.
    pub balanced_accuracy: f64,
    /// Per-class precision / recall / F1 / support (`zero_division=0`).
    pub per_class: PerClass,
    /// Macro averages.
    pub macro_avg: Averaged,
    /// Support-weighted averages.
    pub weighted_avg: Averaged,
    /// Matthews correlation coefficient.
    pub mcc: f64,
    /// Log loss (when probabilities were given).
    pub log_loss: Option<f64>,
    /// ROC AUC of the highest label against the rest (binary problems only).
    pub roc_auc: Option<f64>,
}

impl ClassificationReport {
    /// Computes every metric. `proba` (optional) holds one row per sample with columns in
    /// `proba_labels` order.
    ///
    /// # Errors
    /// As the individual metrics.
    pub fn new(
        y_true: &[f64],
        y_pred: &[f64],
        proba: Option<(&[Vec<f64>], &[f64])>,
    ) -> Result<Self> {
        let confusion = ConfusionMatrix::new(y_true, y_pred)?;
        let per_class = confusion.per_class(ZeroDivision::Zero);
        let (log_loss, roc_auc) = match proba {
            Some((p, labels)) => {
                let ll = log_loss(y_true, p, labels)?;
                let auc = match (sorted_union(y_true, &[]).len(), labels.len()) {
                    (2, 2) => {
                        let s: Vec<f64> =
                            p.iter().map(|r| r.get(1).copied().unwrap_or(0.0)).collect();
                        Some(roc_auc(y_true, &s)?)
                    }
                    _ => None,
                };
                (Some(ll), auc)
            }
            None => (None, None),
        };
        Ok(Self {
            accuracy: confusion.accuracy(),
            balanced_accuracy: confusion.balanced_accuracy(),
            macro_avg: per_class.macro_avg(),
            weighted_avg: per_class.weighted_avg(),
            mcc: confusion.mcc(),
            per_class,
            confusion,
            log_loss,
            roc_auc,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::sorted_union;

    fn reference(a: &[f64], b: &[f64]) -> Vec<f64> {
        let mut l: Vec<f64> = a.iter().chain(b).copied().collect();
        l.sort_by(f64::total_cmp);
        l.dedup();
        l
    }

    #[test]
    fn sorted_union_matches_sort_and_dedup_on_both_paths() {
        let few = [2.0, -1.0, 0.0, -0.0, 2.0, 1.0, -0.0, 0.0];
        let more: Vec<f64> = (0..500).map(|i| f64::from((i * 37) % 101) - 50.0).collect();
        for (a, b) in [
            (&few[..], &[3.0, -1.0][..]),
            (&[0.0, -0.0][..], &[][..]),
            (&more[..], &few[..]),
            (&few[..], &more[..]),
        ] {
            let got = sorted_union(a, b);
            let want = reference(a, b);
            assert_eq!(got.len(), want.len());
            assert!(
                got.iter()
                    .zip(&want)
                    .all(|(x, y)| x.to_bits() == y.to_bits())
            );
        }
        assert_eq!(sorted_union(&more, &[]).len(), 101);
    }
}
