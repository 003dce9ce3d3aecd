//! Data-quality reports (legal but notable facts) and the explicit repair policy.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::bars::Bars;
use crate::timeframe::Timeframe;

/// Repairs a user may ask a loader to make. All are off by default; each one that is applied
/// is listed in the [`RepairReport`], so nothing is ever dropped or reordered silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct RepairPolicy {
    /// Drop a row whose timestamp and all five values equal those of the row before it.
    /// (A duplicate timestamp with different values is still an error.)
    pub drop_exact_duplicates: bool,
    /// Sort rows by timestamp (stable, by file line) instead of failing on out-of-order rows.
    pub sort_by_timestamp: bool,
}

/// One repair applied while loading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Repair {
    /// An exact duplicate row was dropped.
    DroppedExactDuplicate {
        /// 1-based line of the dropped row.
        line: u64,
        /// 1-based line of the row it duplicated.
        duplicate_of_line: u64,
        /// Its timestamp.
        timestamp: DateTime<Utc>,
    },
    /// Rows were sorted by timestamp.
    SortedByTimestamp {
        /// How many rows changed position.
        rows_moved: usize,
    },
}

/// The repairs a loader applied.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RepairReport {
    /// Every repair, in file order.
    pub repairs: Vec<Repair>,
}

impl RepairReport {
    /// Whether nothing was changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.repairs.is_empty()
    }
}

/// A run of missing bars between two consecutive bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gap {
    /// Open time of the bar before the gap.
    pub after: DateTime<Utc>,
    /// Open time of the bar after the gap.
    pub before: DateTime<Utc>,
    /// Number of whole bars missing in between.
    pub missing_bars: i64,
}

/// A run of consecutive bars with some property (e.g. flat with zero volume).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// Open time of the first bar.
    pub start: DateTime<Utc>,
    /// Open time of the last bar.
    pub end: DateTime<Utc>,
    /// Number of bars.
    pub bars: usize,
}

/// What is legal but notable about a series: gaps, zero-volume and flat bars, extreme moves.
///
/// Nothing here is an error: hard defects are rejected when [`Bars`] are built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataQualityReport {
    /// Number of bars.
    pub rows: usize,
    /// First open time.
    pub first: Option<DateTime<Utc>>,
    /// Last open time.
    pub last: Option<DateTime<Utc>>,
    /// The timeframe the gaps were measured against.
    pub timeframe: Option<Timeframe>,
    /// Number of gaps (places where one or more bars are missing).
    pub gap_count: usize,
    /// Total missing bars over all gaps.
    pub missing_bars: i64,
    /// The longest gap.
    pub longest_gap: Option<Gap>,
    /// Spacings that are not a whole number of bars (misaligned timestamps).
    pub irregular_spacings: usize,
    /// Bars with zero volume.
    pub zero_volume_bars: usize,
    /// Bars with `open == high == low == close`.
    pub flat_bars: usize,
    /// Bars that are both flat and zero-volume (typical filler bars from a data vendor).
    pub flat_zero_volume_bars: usize,
    /// The longest run of flat zero-volume bars.
    pub longest_flat_zero_volume_run: Option<Run>,
    /// Largest absolute close-to-close log return, and the open time of the bar it ends on.
    pub largest_abs_log_return: Option<(f64, DateTime<Utc>)>,
}

impl DataQualityReport {
    /// Builds the report for `bars`, measuring gaps against `bars.timeframe()`.
    #[must_use]
    pub fn new(bars: &Bars) -> Self {
        let ts = bars.timestamps();
        let timeframe = bars.timeframe();
        let (mut gap_count, mut missing_bars, mut longest_gap, mut irregular) =
            (0usize, 0i64, None::<Gap>, 0usize);
        if let Some(tf) = timeframe {
            for w in ts.windows(2) {
                let dt = (w[1] - w[0]).num_seconds();
                if dt % tf.as_secs() != 0 {
                    irregular += 1;
                }
                let missing = dt / tf.as_secs() - 1;
                if missing > 0 {
                    gap_count += 1;
                    missing_bars += missing;
                    if longest_gap.is_none_or(|g| missing > g.missing_bars) {
                        longest_gap = Some(Gap {
                            after: w[0],
                            before: w[1],
                            missing_bars: missing,
                        });
                    }
                }
            }
        }
        let (o, h, l, c, v) = (
            bars.open(),
            bars.high(),
            bars.low(),
            bars.close(),
            bars.volume(),
        );
        let mut zero_volume_bars = 0;
        let mut flat_bars = 0;
        let mut flat_zero = 0;
        let mut run: Option<Run> = None;
        let mut longest_run: Option<Run> = None;
        let mut largest: Option<(f64, DateTime<Utc>)> = None;
        for i in 0..bars.len() {
            let zero = v[i] == 0.0;
            let flat = o[i] == h[i] && h[i] == l[i] && l[i] == c[i];
            zero_volume_bars += usize::from(zero);
            flat_bars += usize::from(flat);
            if zero && flat {
                flat_zero += 1;
                let r = match run {
                    Some(r) => Run {
                        end: ts[i],
                        bars: r.bars + 1,
                        ..r
                    },
                    None => Run {
                        start: ts[i],
                        end: ts[i],
                        bars: 1,
                    },
                };
                run = Some(r);
                if longest_run.is_none_or(|lr| r.bars > lr.bars) {
                    longest_run = Some(r);
                }
            } else {
                run = None;
            }
            if i > 0 {
                let r = (c[i] / c[i - 1]).ln().abs();
                if largest.is_none_or(|(m, _)| r > m) {
                    largest = Some((r, ts[i]));
                }
            }
        }
        Self {
            rows: bars.len(),
            first: ts.first().copied(),
            last: ts.last().copied(),
            timeframe,
            gap_count,
            missing_bars,
            longest_gap,
            irregular_spacings: irregular,
            zero_volume_bars,
            flat_bars,
            flat_zero_volume_bars: flat_zero,
            longest_flat_zero_volume_run: longest_run,
            largest_abs_log_return: largest,
        }
    }
}

/// The most common positive spacing between consecutive timestamps (ties go to the shorter),
/// or `None` with fewer than two timestamps.
#[must_use]
pub fn infer_timeframe(ts: &[DateTime<Utc>]) -> Option<Timeframe> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for w in ts.windows(2) {
        let dt = (w[1] - w[0]).num_seconds();
        if dt > 0 {
            *counts.entry(dt).or_default() += 1;
        }
    }
    let (secs, _) = counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))?;
    Timeframe::from_secs(secs).ok()
}

impl Bars {
    /// The [`DataQualityReport`] of these bars.
    #[must_use]
    pub fn quality_report(&self) -> DataQualityReport {
        DataQualityReport::new(self)
    }
}
