//! The single walk-forward splitter model and its presets.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::{Result, infeasible, invalid};
use crate::split::{Size, Split, normalize};

/// Something that cuts `n_samples` rows into train/test splits.
///
/// Implementations guarantee `n_splits(n)? == split(n)?.len()`.
pub trait Splitter {
    /// Number of splits [`Splitter::split`] produces for `n_samples` rows.
    ///
    /// # Errors
    /// The same configuration errors as [`Splitter::split`].
    fn n_splits(&self, n_samples: usize) -> Result<usize>;

    /// Generate the splits.
    ///
    /// # Errors
    /// [`crate::Error::Infeasible`] (with the failing inequality) or
    /// [`crate::Error::InvalidParameter`] when the configuration cannot produce
    /// at least one valid split for `n_samples` rows.
    fn split(&self, n_samples: usize) -> Result<Vec<Split>>;
}

/// How the training window evolves from fold to fold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum TrainWindow {
    /// Anchored: every training window starts at row 0.
    Expanding,
    /// Rolling: at most this many rows, ending right before the gap (clamped at row 0).
    Rolling(Size),
}

/// The shape of each test window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TestWindow {
    /// A contiguous block of rows starting `gap` rows after the training end.
    Block(Size),
    /// sktime-style forecasting horizon: offsets `h >= 1` relative to the last
    /// training row (`h = 1` is the next row); need not be contiguous. `gap`
    /// is added to every offset.
    Horizon(Vec<usize>),
}

/// Where the sequence of folds is anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Placement {
    /// The first training window starts at row 0 and has `initial_train` rows;
    /// folds advance by `step` until the data runs out (skfolio, sktime, the seed).
    FromStart,
    /// Exactly `n_splits` folds whose last test window ends at the last row; any
    /// remainder lengthens the first training window (scikit-learn `TimeSeriesSplit`).
    FromEnd {
        /// Number of folds.
        n_splits: usize,
    },
}

/// What to do with a last test window that runs past the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartialFold {
    /// Drop that fold (skfolio default, sktime).
    Drop,
    /// Keep it with a shortened test window (skfolio `reduce_test=True`).
    Keep,
}

/// The walk-forward splitter model: train window × test window × step × gap ×
/// anchoring × partial-fold policy.
///
/// Fold `i` (with [`Placement::FromStart`]) has its training window end at
/// `train_end_i = initial_train + i * step` (exclusive), the test window
/// starting at `train_end_i + gap`, and the training window starting at 0
/// (expanding, and always for the first fold) or at
/// `max(0, train_end_i - window)` (rolling). With [`Placement::FromEnd`] the
/// test windows are laid out backwards from the last row and the training
/// window ends `gap` rows before each test start (scikit-learn).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WalkForward {
    /// Training window evolution.
    pub train: TrainWindow,
    /// Length of the first training window (defaults to the rolling window length).
    pub initial_train: Option<Size>,
    /// Test window.
    pub test: TestWindow,
    /// Distance between successive folds (defaults to the test block length, or 1 for a horizon).
    pub step: Option<Size>,
    /// Rows left out between the training end and the test start.
    pub gap: usize,
    /// Anchoring of the fold sequence.
    pub placement: Placement,
    /// Policy for a last, short test window.
    pub partial: PartialFold,
}

#[derive(Debug, Clone)]
struct Plan {
    n: usize,
    initial: usize,
    window: Option<usize>,
    test_len: usize,
    horizon: Option<Vec<usize>>,
    step: usize,
    gap: usize,
    from_end: Option<usize>,
    keep_partial: bool,
}

impl WalkForward {
    /// Expanding (anchored) walk-forward: first train `initial_train` rows, tests
    /// of `test` rows, stepping by the test size.
    #[must_use]
    pub fn expanding(initial_train: impl Into<Size>, test: impl Into<Size>) -> Self {
        Self {
            train: TrainWindow::Expanding,
            initial_train: Some(initial_train.into()),
            test: TestWindow::Block(test.into()),
            step: None,
            gap: 0,
            placement: Placement::FromStart,
            partial: PartialFold::Drop,
        }
    }

    /// Rolling walk-forward: trains of `window` rows, tests of `test` rows.
    #[must_use]
    pub fn rolling(window: impl Into<Size>, test: impl Into<Size>) -> Self {
        Self {
            train: TrainWindow::Rolling(window.into()),
            initial_train: None,
            test: TestWindow::Block(test.into()),
            step: None,
            gap: 0,
            placement: Placement::FromStart,
            partial: PartialFold::Drop,
        }
    }

    /// The seed validator's defaults: `initialTrainSize 0.6`, `testSize 0.1`,
    /// `stepSize 0.05` (fractions of the sample count), expanding when
    /// `anchored`, else rolling with a window of `0.6 n`. Note that a step
    /// smaller than the test size makes consecutive test windows overlap.
    #[must_use]
    pub fn seed(anchored: bool) -> Self {
        let initial = Size::Fraction(0.6);
        Self {
            train: if anchored {
                TrainWindow::Expanding
            } else {
                TrainWindow::Rolling(initial)
            },
            initial_train: Some(initial),
            test: TestWindow::Block(Size::Fraction(0.1)),
            step: Some(Size::Fraction(0.05)),
            gap: 0,
            placement: Placement::FromStart,
            partial: PartialFold::Drop,
        }
    }

    /// scikit-learn `TimeSeriesSplit(n_splits, max_train_size, test_size, gap)`, exactly.
    #[must_use]
    pub fn sklearn(
        n_splits: usize,
        max_train_size: Option<usize>,
        test_size: Option<usize>,
        gap: usize,
    ) -> Self {
        Self {
            // sklearn treats `max_train_size=0` as "no cap" (falsy)
            train: match max_train_size {
                None | Some(0) => TrainWindow::Expanding,
                Some(m) => TrainWindow::Rolling(Size::Count(m)),
            },
            initial_train: None,
            // Count(0) means "n // (n_splits + 1)"; an explicit 0 is rejected
            // (sklearn fails with a zero range step) via an invalid fraction.
            test: TestWindow::Block(match test_size {
                None => Size::Count(0),
                Some(0) => Size::Fraction(0.0),
                Some(t) => Size::Count(t),
            }),
            step: None,
            gap,
            placement: Placement::FromEnd { n_splits },
            partial: PartialFold::Drop,
        }
    }

    /// skfolio `WalkForward(test_size, train_size, purged_size, expand_train,
    /// reduce_test)` in observation mode (`freq=None`), exactly.
    #[must_use]
    pub fn skfolio(
        train_size: usize,
        test_size: usize,
        purged_size: usize,
        expand_train: bool,
        reduce_test: bool,
    ) -> Self {
        Self {
            train: if expand_train {
                TrainWindow::Expanding
            } else {
                TrainWindow::Rolling(Size::Count(train_size))
            },
            initial_train: Some(Size::Count(train_size)),
            test: TestWindow::Block(Size::Count(test_size)),
            step: Some(Size::Count(test_size)),
            gap: purged_size,
            placement: Placement::FromStart,
            partial: if reduce_test {
                PartialFold::Keep
            } else {
                PartialFold::Drop
            },
        }
    }

    /// sktime `SlidingWindowSplitter(fh, window_length, step_length,
    /// initial_window, start_with_window)` on an integer index, exactly.
    ///
    /// # Errors
    /// As sktime: [`crate::Error::InvalidParameter`] if `initial_window` is given
    /// with `start_with_window = false`, [`crate::Error::Infeasible`] unless
    /// `initial_window > window_length`.
    pub fn sktime_sliding(
        fh: &[usize],
        window_length: usize,
        step_length: usize,
        initial_window: Option<usize>,
        start_with_window: bool,
    ) -> Result<Self> {
        if let Some(iw) = initial_window {
            if !start_with_window {
                return Err(invalid(
                    "initial_window",
                    "start_with_window must be true if initial_window is given",
                ));
            }
            if iw <= window_length {
                return Err(infeasible(
                    "initial_window > window_length",
                    format!("initial_window={iw}, window_length={window_length}"),
                ));
            }
        }
        let initial = match (initial_window, start_with_window) {
            (Some(iw), _) => iw,
            (None, true) => window_length,
            (None, false) => 0,
        };
        Ok(Self {
            train: TrainWindow::Rolling(Size::Count(window_length)),
            initial_train: Some(Size::Count(initial)),
            test: TestWindow::Horizon(fh.to_vec()),
            step: Some(Size::Count(step_length)),
            gap: 0,
            placement: Placement::FromStart,
            partial: PartialFold::Drop,
        })
    }

    /// sktime `ExpandingWindowSplitter(fh, initial_window, step_length)` on an
    /// integer index, exactly.
    #[must_use]
    pub fn sktime_expanding(fh: &[usize], initial_window: usize, step_length: usize) -> Self {
        Self {
            train: TrainWindow::Expanding,
            initial_train: Some(Size::Count(initial_window)),
            test: TestWindow::Horizon(fh.to_vec()),
            step: Some(Size::Count(step_length)),
            gap: 0,
            placement: Placement::FromStart,
            partial: PartialFold::Drop,
        }
    }

    /// Set the step between folds.
    #[must_use]
    pub fn with_step(mut self, step: impl Into<Size>) -> Self {
        self.step = Some(step.into());
        self
    }

    /// Set the gap (rows between training end and test start).
    #[must_use]
    pub fn with_gap(mut self, gap: usize) -> Self {
        self.gap = gap;
        self
    }

    /// Set the first training window length.
    #[must_use]
    pub fn with_initial_train(mut self, initial: impl Into<Size>) -> Self {
        self.initial_train = Some(initial.into());
        self
    }

    /// Set the partial-fold policy.
    #[must_use]
    pub fn with_partial(mut self, partial: PartialFold) -> Self {
        self.partial = partial;
        self
    }

    fn plan(&self, n: usize) -> Result<Plan> {
        if n == 0 {
            return Err(infeasible("n_samples >= 1", "n_samples=0".into()));
        }
        let window = match self.train {
            TrainWindow::Expanding => None,
            TrainWindow::Rolling(s) => {
                let w = s.resolve(n, "train window")?;
                if w == 0 {
                    return Err(invalid("train window", "rolling window must be >= 1 row"));
                }
                Some(w)
            }
        };
        let (test_len, horizon) = match &self.test {
            TestWindow::Block(s) => (s.resolve(n, "test")?, None),
            TestWindow::Horizon(h) => {
                if h.is_empty() {
                    return Err(invalid("horizon", "forecasting horizon is empty"));
                }
                let mut h = h.clone();
                h.sort_unstable();
                h.dedup();
                if h.first() == Some(&0) {
                    return Err(invalid(
                        "horizon",
                        "offsets must be >= 1 (1 = the row after the last training row)",
                    ));
                }
                (h.last().copied().unwrap_or(1), Some(h))
            }
        };
        if let Placement::FromEnd { n_splits } = self.placement {
            if horizon.is_some() {
                return Err(invalid(
                    "test",
                    "a horizon test window needs Placement::FromStart",
                ));
            }
            if n_splits < 2 {
                return Err(infeasible("n_splits >= 2", format!("n_splits={n_splits}")));
            }
            if n_splits + 1 > n {
                return Err(infeasible(
                    "n_splits + 1 <= n_samples",
                    format!("n_splits={n_splits}, n_samples={n}"),
                ));
            }
            let test_len = if test_len == 0 {
                n / (n_splits + 1)
            } else {
                test_len
            };
            let step = match self.step {
                Some(s) => s.resolve(n, "step")?,
                None => test_len,
            };
            if step == 0 {
                return Err(invalid("step", "must be >= 1 row"));
            }
            let need = test_len
                .checked_add(step.saturating_mul(n_splits - 1))
                .and_then(|x| x.checked_add(self.gap));
            if need.is_none_or(|need| need >= n) {
                return Err(infeasible(
                    "n_samples - gap - test_size - step * (n_splits - 1) > 0",
                    format!(
                        "n_samples={n}, gap={}, test_size={test_len}, step={step}, n_splits={n_splits}",
                        self.gap
                    ),
                ));
            }
            return Ok(Plan {
                n,
                initial: 0,
                window,
                test_len,
                horizon: None,
                step,
                gap: self.gap,
                from_end: Some(n_splits),
                keep_partial: false,
            });
        }
        let initial = match (self.initial_train, window) {
            (Some(s), _) => s.resolve(n, "initial_train")?,
            (None, Some(w)) => w,
            (None, None) => {
                return Err(invalid(
                    "initial_train",
                    "an expanding window needs an initial training size",
                ));
            }
        };
        if initial == 0 && window.is_none() {
            return Err(infeasible(
                "initial_train >= 1 (expanding window)",
                "initial_train=0".into(),
            ));
        }
        if horizon.is_none() && test_len == 0 {
            return Err(invalid("test", "test window must be >= 1 row"));
        }
        let step = match self.step {
            Some(s) => s.resolve(n, "step")?,
            None if horizon.is_some() => 1,
            None => test_len,
        };
        if step == 0 {
            return Err(invalid("step", "must be >= 1 row"));
        }
        let plan = Plan {
            n,
            initial,
            window,
            test_len,
            horizon,
            step,
            gap: self.gap,
            from_end: None,
            keep_partial: self.partial == PartialFold::Keep,
        };
        if plan.fold(0).is_none() {
            let first_test = initial.saturating_add(self.gap);
            return Err(if plan.keep_partial {
                infeasible(
                    "initial_train + gap < n_samples",
                    format!("initial_train={initial}, gap={}, n_samples={n}", self.gap),
                )
            } else {
                infeasible(
                    "initial_train + gap + test_size <= n_samples",
                    format!(
                        "initial_train={initial}, gap={}, test_size={test_len}, n_samples={n} (first test would start at {first_test})",
                        self.gap
                    ),
                )
            });
        }
        Ok(plan)
    }
}

impl Plan {
    /// Bounds of fold `i`, or `None` past the last fold.
    fn fold(&self, i: usize) -> Option<(Range<usize>, Vec<Range<usize>>, usize)> {
        let n = self.n;
        if let Some(k) = self.from_end {
            if i >= k {
                return None;
            }
            let ts = n - self.test_len - (k - 1 - i) * self.step;
            let train_end = ts - self.gap;
            let train_start = self.window.map_or(0, |w| train_end.saturating_sub(w));
            return Some((
                train_start..train_end,
                vec![ts..ts + self.test_len],
                self.gap,
            ));
        }
        let train_end = self.initial.checked_add(i.checked_mul(self.step)?)?;
        let train_start = match self.window {
            Some(w) if i > 0 => train_end.saturating_sub(w),
            _ => 0,
        };
        let test = match &self.horizon {
            None => {
                let ts = train_end.checked_add(self.gap)?;
                if ts >= n {
                    return None;
                }
                let te = ts.checked_add(self.test_len)?;
                if te > n && !self.keep_partial {
                    return None;
                }
                vec![ts..te.min(n)]
            }
            Some(h) => {
                // offsets relative to the last training row (train_end - 1)
                let base = train_end.checked_add(self.gap)?;
                let last = base.checked_add(self.test_len)? - 1;
                if last >= n && !self.keep_partial {
                    return None;
                }
                let rows: Vec<Range<usize>> = h
                    .iter()
                    .map(|&o| base + o - 1)
                    .filter(|&r| r < n)
                    .map(|r| r..r + 1)
                    .collect();
                if rows.is_empty() {
                    return None;
                }
                normalize(rows)
            }
        };
        let gap_rows = test
            .first()
            .map_or(0, |t| t.start.saturating_sub(train_end).min(self.gap));
        Some((train_start..train_end, test, gap_rows))
    }

    fn count(&self) -> usize {
        let mut i = 0;
        while self.fold(i).is_some() {
            i += 1;
        }
        i
    }
}

impl Splitter for WalkForward {
    fn n_splits(&self, n_samples: usize) -> Result<usize> {
        Ok(self.plan(n_samples)?.count())
    }

    fn split(&self, n_samples: usize) -> Result<Vec<Split>> {
        let plan = self.plan(n_samples)?;
        let mut out = Vec::new();
        let mut i = 0;
        while let Some((train, test, gap_rows)) = plan.fold(i) {
            out.push(Split {
                id: i,
                train: if train.is_empty() {
                    vec![]
                } else {
                    vec![train]
                },
                test,
                purged: gap_rows,
                embargoed: 0,
            });
            i += 1;
        }
        Ok(out)
    }
}
