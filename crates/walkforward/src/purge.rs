//! Purging by label end time, embargo, and the leakage audit (AFML §7.4).

use std::ops::Range;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, invalid};
use crate::split::{Split, count, normalize, subtract};

/// When does a training label "overlap" a test window?
///
/// Each row `i` has a label span `[t0_i, t1_i]` (`t0` = the row's time, `t1` =
/// when its label becomes known). A contiguous test block spans
/// `[a, b] = [t0 of its first row, max t1 over its rows]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Boundary {
    /// AFML Snippet 7.3 (`<=`): touching is allowed. Row `i` leaks iff
    /// `t0_i < b && t1_i > a`; a label ending exactly at the test start is kept,
    /// a row starting exactly at `b` is kept.
    #[default]
    Afml,
    /// timeseriescv (`<`): touching counts as overlap. Row `i` leaks iff
    /// `t0_i <= b && t1_i >= a`.
    Strict,
}

impl Boundary {
    #[inline]
    fn overlaps(self, t0: i64, t1: i64, a: i64, b: i64) -> bool {
        match self {
            Boundary::Afml => t0 < b && t1 > a,
            Boundary::Strict => t0 <= b && t1 >= a,
        }
    }
}

/// Embargo applied after every contiguous test block (after the purge).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Embargo {
    /// No embargo.
    #[default]
    None,
    /// This many rows following the purged region.
    Rows(usize),
    /// `floor(fraction * n_samples)` rows (AFML Snippet 7.2 `int(T * pct)`).
    Fraction(f64),
    /// Rows whose `t0` is within this duration (in label-time units) after `b`,
    /// i.e. `t0 in (b, b + d]` (plus `t0 == b` under [`Boundary::Strict`]).
    Duration(i64),
}

/// Per-row label spans `[t0, t1]` in a common integer time unit (row index,
/// nanoseconds, ...). `t0` must be non-decreasing and `t1_i >= t0_i`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelTimes {
    t0: Vec<i64>,
    t1: Vec<i64>,
    prefix_max_t1: Vec<i64>,
    /// `t1` is non-decreasing: the max over a range is its last element.
    t1_monotone: bool,
    /// Max of `t1` over chunks of `CHUNK` rows (range-max queries in O(n/CHUNK + CHUNK)).
    chunk_max_t1: Vec<i64>,
}

const CHUNK: usize = 1024;

impl LabelTimes {
    /// Build from row times `t0` and label end times `t1`.
    ///
    /// # Errors
    /// [`Error::LengthMismatch`], or [`Error::Unordered`] if `t0` decreases or some `t1_i < t0_i`.
    pub fn new(t0: Vec<i64>, t1: Vec<i64>) -> Result<Self> {
        if t0.len() != t1.len() {
            return Err(Error::LengthMismatch {
                what: "label end times",
                got: t1.len(),
                expected: t0.len(),
            });
        }
        if let Some(i) = t0.windows(2).position(|w| w[0] > w[1]) {
            return Err(Error::Unordered {
                what: "row times t0 must be non-decreasing",
                index: i + 1,
            });
        }
        if let Some(i) = t0.iter().zip(&t1).position(|(a, b)| b < a) {
            return Err(Error::Unordered {
                what: "label end t1 must be >= row time t0",
                index: i,
            });
        }
        let mut m = i64::MIN;
        let prefix_max_t1 = t1
            .iter()
            .map(|&x| {
                m = m.max(x);
                m
            })
            .collect();
        let t1_monotone = t1.windows(2).all(|w| w[0] <= w[1]);
        let chunk_max_t1 = t1
            .chunks(CHUNK)
            .map(|c| c.iter().copied().max().unwrap_or(i64::MIN))
            .collect();
        Ok(Self {
            t0,
            t1,
            prefix_max_t1,
            t1_monotone,
            chunk_max_t1,
        })
    }

    /// Index-unit labels: row `i` has `t0 = i` and its label ends at row `end[i]`
    /// (e.g. `i + horizon`).
    ///
    /// # Errors
    /// As [`LabelTimes::new`].
    pub fn from_end_rows(end: &[usize]) -> Result<Self> {
        let t0 = (0..end.len()).map(to_i64).collect::<Result<Vec<_>>>()?;
        let t1 = end.iter().map(|&e| to_i64(e)).collect::<Result<Vec<_>>>()?;
        Self::new(t0, t1)
    }

    /// Timestamps (nanoseconds since the epoch).
    ///
    /// # Errors
    /// As [`LabelTimes::new`], or [`Error::InvalidParameter`] for dates outside
    /// the nanosecond range (years 1677–2262).
    pub fn from_datetimes(t0: &[DateTime<Utc>], t1: &[DateTime<Utc>]) -> Result<Self> {
        let ns = |t: &DateTime<Utc>| {
            t.timestamp_nanos_opt()
                .ok_or_else(|| invalid("label times", format!("{t} outside the nanosecond range")))
        };
        Self::new(
            t0.iter().map(ns).collect::<Result<_>>()?,
            t1.iter().map(ns).collect::<Result<_>>()?,
        )
    }

    /// Number of rows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.t0.len()
    }

    /// Whether there are no rows.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.t0.is_empty()
    }

    /// Row times.
    #[must_use]
    pub fn t0(&self) -> &[i64] {
        &self.t0
    }

    /// Label end times.
    #[must_use]
    pub fn t1(&self) -> &[i64] {
        &self.t1
    }

    /// `max(t1[r])` for a non-empty range.
    fn range_max_t1(&self, r: &Range<usize>) -> i64 {
        if self.t1_monotone {
            return self.t1[r.end - 1];
        }
        let (cs, ce) = (r.start.div_ceil(CHUNK), r.end / CHUNK);
        if cs >= ce {
            return self.t1[r.clone()].iter().copied().max().unwrap_or(i64::MIN);
        }
        let head = self.t1[r.start..cs * CHUNK]
            .iter()
            .copied()
            .max()
            .unwrap_or(i64::MIN);
        let mid = self.chunk_max_t1[cs..ce]
            .iter()
            .copied()
            .max()
            .unwrap_or(i64::MIN);
        let tail = self.t1[ce * CHUNK..r.end]
            .iter()
            .copied()
            .max()
            .unwrap_or(i64::MIN);
        head.max(mid).max(tail)
    }

    fn block_span(&self, b: &Range<usize>) -> (i64, i64) {
        (self.t0[b.start], self.range_max_t1(b))
    }
}

fn to_i64(x: usize) -> Result<i64> {
    i64::try_from(x).map_err(|_| invalid("label times", format!("{x} does not fit in i64")))
}

/// Purge + embargo configuration, applicable to the splits of any splitter.
#[derive(Debug, Clone)]
pub struct Purger<'a> {
    labels: &'a LabelTimes,
    boundary: Boundary,
    embargo: Embargo,
}

impl<'a> Purger<'a> {
    /// Purge with `boundary`; no embargo.
    #[must_use]
    pub fn new(labels: &'a LabelTimes, boundary: Boundary) -> Self {
        Self {
            labels,
            boundary,
            embargo: Embargo::None,
        }
    }

    /// Add an embargo after each test block.
    #[must_use]
    pub fn with_embargo(mut self, embargo: Embargo) -> Self {
        self.embargo = embargo;
        self
    }

    /// Remove from `split.train` every row whose label span overlaps a test
    /// block's span, then the embargo after each block. Counts go to
    /// `purged` / `embargoed` (added to any the splitter already removed).
    ///
    /// # Errors
    /// [`Error::OutOfBounds`] if the split references rows past the labels,
    /// [`Error::InvalidParameter`] for a bad embargo fraction.
    pub fn apply(&self, split: &Split) -> Result<Split> {
        let n = self.labels.len();
        for r in split.train.iter().chain(&split.test) {
            if r.end > n {
                return Err(Error::OutOfBounds {
                    split: split.id,
                    row: r.end,
                    n_samples: n,
                });
            }
        }
        let emb_rows = match self.embargo {
            Embargo::Rows(h) => Some(h),
            Embargo::Fraction(f) => {
                if !(f.is_finite() && (0.0..1.0).contains(&f)) {
                    return Err(invalid("embargo", format!("fraction {f} is not in [0, 1)")));
                }
                #[allow(
                    clippy::cast_possible_truncation,
                    clippy::cast_sign_loss,
                    clippy::cast_precision_loss,
                    reason = "f in [0,1)"
                )]
                Some((f * n as f64).floor() as usize)
            }
            Embargo::None | Embargo::Duration(_) => None,
        };
        let (t0, t1, pm) = (&self.labels.t0, &self.labels.t1, &self.labels.prefix_max_t1);
        let bd = self.boundary;
        let blocks = normalize(split.test.clone());
        let mut purge: Vec<Range<usize>> = Vec::new();
        let mut emb: Vec<Range<usize>> = Vec::new();
        for blk in &blocks {
            let (a, b) = self.labels.block_span(blk);
            // before the block: only rows whose running max t1 reaches `a` can leak
            let f = pm[..blk.start].partition_point(|&m| match bd {
                Boundary::Afml => m <= a,
                Boundary::Strict => m < a,
            });
            let mut run: Option<usize> = None;
            for i in f..blk.start {
                let leak = bd.overlaps(t0[i], t1[i], a, b);
                match (leak, run) {
                    (true, None) => run = Some(i),
                    (false, Some(s)) => {
                        purge.push(s..i);
                        run = None;
                    }
                    _ => {}
                }
            }
            if let Some(s) = run {
                purge.push(s..blk.start);
            }
            // after the block: rows starting before `b` (t0 sorted => a prefix)
            let g = blk.end
                + t0[blk.end..].partition_point(|&x| match bd {
                    Boundary::Afml => x < b,
                    Boundary::Strict => x <= b,
                });
            let mut run: Option<usize> = None;
            for i in blk.end..g {
                let leak = bd.overlaps(t0[i], t1[i], a, b);
                match (leak, run) {
                    (true, None) => run = Some(i),
                    (false, Some(s)) => {
                        purge.push(s..i);
                        run = None;
                    }
                    _ => {}
                }
            }
            if let Some(s) = run {
                purge.push(s..g);
            }
            let emb_end = match (emb_rows, self.embargo) {
                (Some(h), _) => g.saturating_add(h).min(n),
                (None, Embargo::Duration(d)) => {
                    if d < 0 {
                        return Err(invalid("embargo", format!("duration {d} is negative")));
                    }
                    let lim = b.saturating_add(d);
                    g + t0[g..].partition_point(|&x| x <= lim)
                }
                _ => g,
            };
            if emb_end > g {
                emb.push(g..emb_end);
            }
        }
        let purge = normalize(purge);
        let emb = subtract(&normalize(emb), &purge);
        let train0 = normalize(split.train.clone());
        let after_purge = subtract(&train0, &purge);
        let train = subtract(&subtract(&after_purge, &emb), &blocks);
        let newly_purged = count(&train0) - count(&after_purge);
        let newly_emb = count(&after_purge) - count(&train);
        Ok(Split {
            id: split.id,
            train,
            test: split.test.clone(),
            purged: split.purged + newly_purged,
            embargoed: split.embargoed + newly_emb,
        })
    }

    /// [`Purger::apply`] on every split.
    ///
    /// # Errors
    /// As [`Purger::apply`].
    pub fn apply_all(&self, splits: &[Split]) -> Result<Vec<Split>> {
        splits.iter().map(|s| self.apply(s)).collect()
    }
}

/// One leaking (training row, test block) pair found by [`audit`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Leak {
    /// Split id.
    pub split: usize,
    /// The training row whose label overlaps.
    pub train_row: usize,
    /// The contiguous test block it overlaps.
    pub test_block: Range<usize>,
}

/// Independent leakage checker: lists every training row (of every split)
/// whose label span overlaps the span of a contiguous test block under
/// `boundary`, and every row that is both train and test.
///
/// It is deliberately naive (`O(n_train × n_blocks)` per split) so that it
/// shares no code with [`Purger`]. An empty result means no leakage.
///
/// # Errors
/// [`Error::OutOfBounds`] if a split references rows past the labels.
pub fn audit(splits: &[Split], labels: &LabelTimes, boundary: Boundary) -> Result<Vec<Leak>> {
    let n = labels.len();
    let mut leaks = Vec::new();
    for s in splits {
        for r in s.train.iter().chain(&s.test) {
            if r.end > n {
                return Err(Error::OutOfBounds {
                    split: s.id,
                    row: r.end,
                    n_samples: n,
                });
            }
        }
        let blocks = normalize(s.test.clone());
        for blk in &blocks {
            if blk.is_empty() {
                continue;
            }
            let (a, b) = labels.block_span(blk);
            for i in s.train_indices() {
                if blk.contains(&i) || boundary.overlaps(labels.t0[i], labels.t1[i], a, b) {
                    leaks.push(Leak {
                        split: s.id,
                        train_row: i,
                        test_block: blk.clone(),
                    });
                }
            }
        }
    }
    Ok(leaks)
}
