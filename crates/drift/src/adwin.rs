//! ADWIN (Bifet & Gavaldà 2007), as river 0.26.1 `drift.ADWIN` (its Rust core).

use serde::{Deserialize, Serialize};

use crate::detector::{DriftDetector, DriftState, finite};
use crate::error::{Result, invalid};

/// ADWIN parameters (river's names and defaults).
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `delta` | 0.002 | confidence of the cut test | (0, 1) |
/// | `clock` | 32 | check for cuts every `clock` updates | ≥ 1 |
/// | `max_buckets` | 5 | entries per row of the exponential histogram | ≥ 2 |
/// | `min_window_length` | 5 | minimum size of each sub-window in the test | ≥ 1 |
/// | `grace_period` | 10 | no cut checks until the window is wider than this | ≥ 0 |
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AdwinParams {
    /// Confidence value δ.
    pub delta: f64,
    /// Check period.
    pub clock: u32,
    /// Entries per histogram row before merging.
    pub max_buckets: usize,
    /// Minimum sub-window length.
    pub min_window_length: u32,
    /// Grace period.
    pub grace_period: u32,
}

impl Default for AdwinParams {
    fn default() -> Self {
        Self {
            delta: 0.002,
            clock: 32,
            max_buckets: 5,
            min_window_length: 5,
            grace_period: 10,
        }
    }
}

/// One row of the exponential histogram: entries summarising `2^row` values each, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Row {
    totals: Vec<f64>,
    variances: Vec<f64>,
}

impl Row {
    fn with_capacity(cap: usize) -> Self {
        Self {
            totals: Vec::with_capacity(cap),
            variances: Vec::with_capacity(cap),
        }
    }
    #[inline]
    fn len(&self) -> usize {
        self.totals.len()
    }
}

/// ADWIN adaptive-window change detector.
///
/// Matches river 0.26.1's native implementation (which visits every histogram entry during the
/// cut scan, as MOA does; the older Cython loop skipped one entry per row, river#1539), including
/// the arithmetic order of the variance updates, so detection indices are identical. After a
/// detection the whole window is discarded on the next update (river), not kept shrunken (MOA).
/// Input: any real value (e.g. 1 = correct, 0 = error, or a loss).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adwin {
    params: AdwinParams,
    /// Rows of the histogram; row 0 holds the newest, single values.
    rows: Vec<Row>,
    total: f64,
    /// Sum of squared deviations of the window (not divided by the width).
    variance: f64,
    width: f64,
    tick: u64,
    n_detections: u64,
    drift: bool,
    seen: u64,
}

impl Default for Adwin {
    fn default() -> Self {
        Self::fresh(AdwinParams::default())
    }
}

impl Adwin {
    /// A detector with the given parameters.
    ///
    /// # Errors
    /// [`crate::Error::InvalidParameter`] for `delta` outside (0, 1), `clock` = 0,
    /// `max_buckets` < 2 or `min_window_length` = 0.
    pub fn new(params: AdwinParams) -> Result<Self> {
        if !(params.delta > 0.0 && params.delta < 1.0) {
            return Err(invalid("delta", params.delta, "must lie in (0, 1)"));
        }
        if params.clock == 0 {
            return Err(invalid("clock", params.clock, "must be >= 1"));
        }
        if params.max_buckets < 2 {
            return Err(invalid("max_buckets", params.max_buckets, "must be >= 2"));
        }
        if params.min_window_length == 0 {
            return Err(invalid(
                "min_window_length",
                params.min_window_length,
                "must be >= 1",
            ));
        }
        Ok(Self::fresh(params))
    }

    fn fresh(params: AdwinParams) -> Self {
        Self {
            params,
            rows: vec![Row::with_capacity(params.max_buckets + 1)],
            total: 0.0,
            variance: 0.0,
            width: 0.0,
            tick: 0,
            n_detections: 0,
            drift: false,
            seen: 0,
        }
    }

    /// The parameters.
    #[must_use]
    pub fn params(&self) -> &AdwinParams {
        &self.params
    }
    /// Current window width (number of values summarised).
    #[must_use]
    pub fn width(&self) -> u64 {
        self.width as u64
    }
    /// Sum of the values in the window.
    #[must_use]
    pub fn total(&self) -> f64 {
        self.total
    }
    /// Mean of the window (0 when empty), river's `estimation`.
    #[must_use]
    pub fn estimation(&self) -> f64 {
        if self.width == 0.0 {
            0.0
        } else {
            self.total / self.width
        }
    }
    /// Variance of the window (sum of squared deviations / width), river's `variance`.
    #[must_use]
    pub fn variance(&self) -> f64 {
        if self.width == 0.0 {
            0.0
        } else {
            self.variance / self.width
        }
    }
    /// Cuts detected since the last reset (at most one per update reported, several cuts may
    /// happen inside one update).
    #[must_use]
    pub fn n_detections(&self) -> u64 {
        self.n_detections
    }

    #[inline]
    fn insert(&mut self, x: f64) {
        self.width += 1.0;
        let mut inc = 0.0;
        if self.width > 1.0 {
            let d = x - self.total / (self.width - 1.0);
            inc = (self.width - 1.0) * d * d / self.width;
        }
        self.variance += inc;
        self.total += x;
        let cap = self.params.max_buckets + 1;
        // row 0 always exists
        if let Some(r0) = self.rows.first_mut() {
            r0.totals.push(x);
            r0.variances.push(0.0);
            if r0.len() == cap {
                self.compress();
            }
        }
    }

    #[cold]
    fn compress(&mut self) {
        let cap = self.params.max_buckets + 1;
        let mut i = 0;
        while i < self.rows.len() && self.rows[i].len() == cap {
            let n = (1u64 << i) as f64;
            let row = &mut self.rows[i];
            let (t0, t1) = (row.totals[0], row.totals[1]);
            let (v0, v1) = (row.variances[0], row.variances[1]);
            let mu0 = t0 / n;
            let mu1 = t1 / n;
            let t = t0 + t1;
            let v = v0 + v1 + n * 0.5 * (mu0 - mu1) * (mu0 - mu1);
            row.totals.drain(..2);
            row.variances.drain(..2);
            if i + 1 == self.rows.len() {
                self.rows.push(Row::with_capacity(cap));
            }
            let next = &mut self.rows[i + 1];
            next.totals.push(t);
            next.variances.push(v);
            if next.len() <= self.params.max_buckets {
                break;
            }
            i += 1;
        }
    }

    /// Drops the oldest histogram entry.
    fn delete_oldest(&mut self) {
        let last = self.rows.len() - 1;
        let n = (1u64 << last) as f64;
        let row = &mut self.rows[last];
        let (u, v) = (row.totals[0], row.variances[0]);
        row.totals.remove(0);
        row.variances.remove(0);
        let empty = row.len() == 0;
        let mu = u / n;
        self.width -= n;
        self.total -= u;
        let mu_w = self.total / self.width;
        self.variance -= v + n * self.width * (mu - mu_w) * (mu - mu_w) / (n + self.width);
        if empty && last > 0 {
            self.rows.pop();
        }
    }

    /// One full cut scan; returns `true` if a cut was made (then the caller scans again).
    fn scan_once(&mut self) -> bool {
        let mwl = f64::from(self.params.min_window_length);
        let delta_prime = (2.0 * self.width.ln() / self.params.delta).ln();
        let var_w = self.variance / self.width;
        let (mut n0, mut n1, mut u0, mut u1) = (0.0_f64, self.width, 0.0_f64, self.total);
        for (i, row) in self.rows.iter().enumerate().rev() {
            let size = (1u64 << i) as f64;
            let len = row.len();
            for (k, &t) in row.totals.iter().enumerate() {
                n0 += size;
                n1 -= size;
                u0 += t;
                u1 -= t;
                if i == 0 && k + 1 == len {
                    return false;
                }
                if n1 >= mwl && n0 >= mwl {
                    let delta_mean = (u0 / n0) - (u1 / n1);
                    let m_recip = 1.0 / (n0 - mwl + 1.0) + 1.0 / (n1 - mwl + 1.0);
                    let eps = (2.0 * m_recip * var_w * delta_prime).sqrt()
                        + 2.0 / 3.0 * delta_prime * m_recip;
                    if delta_mean.abs() > eps {
                        return true;
                    }
                }
            }
        }
        false
    }

    #[inline]
    fn detect_change(&mut self) -> bool {
        self.tick += 1;
        if !self.tick.is_multiple_of(u64::from(self.params.clock))
            || self.width <= f64::from(self.params.grace_period)
        {
            return false;
        }
        self.detect_slow()
    }

    #[cold]
    fn detect_slow(&mut self) -> bool {
        let mut changed = false;
        while self.scan_once() {
            changed = true;
            if self.width > 0.0 {
                self.delete_oldest();
            } else {
                break;
            }
        }
        if changed {
            self.n_detections += 1;
        }
        changed
    }
}

impl DriftDetector for Adwin {
    #[inline]
    fn update(&mut self, value: f64) -> Result<DriftState> {
        finite(value, self.seen)?;
        if self.drift {
            self.reset();
        }
        self.seen += 1;
        self.insert(value);
        self.drift = self.detect_change();
        Ok(if self.drift {
            DriftState::Drift
        } else {
            DriftState::Stable
        })
    }
    fn reset(&mut self) {
        *self = Self::fresh(self.params);
    }
    fn name(&self) -> &'static str {
        "adwin"
    }
    fn n_seen(&self) -> u64 {
        self.seen
    }
}
