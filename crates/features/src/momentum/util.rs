//! Small shared pieces of the momentum and cycle functions: TA-Lib's zero test,
//! parameter checks and rolling-extreme deques.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// TA-Lib's `TA_EPSILON` (C library 0.8.1): `TA_IS_ZERO(v)` is `-EPS < v < EPS`.
pub(crate) const TA_EPSILON: f64 = 0.000_000_000_000_01;

/// TA-Lib's `TA_IS_ZERO`: `|v| < EPS`. NaN counts as zero, as in TA-Lib 0.8.1 (after a NaN
/// input its guarded divisions take the "zero" branch: RSI gives 0, ADX keeps its value).
#[inline]
pub(crate) fn is_zero(v: f64) -> bool {
    v.is_nan() || v.abs() < TA_EPSILON
}

/// The literal `TA_IS_ZERO` macro, `-EPS < v && v < EPS`: NaN is *not* zero (the guarded
/// division then yields NaN). TA-Lib 0.8.1 behaves this way in CCI and PPO.
#[inline]
pub(crate) fn is_zero_strict(v: f64) -> bool {
    -TA_EPSILON < v && v < TA_EPSILON
}

/// Below this a price-unit sum counts as zero (see [`not_positive`]). TA-Lib 0.8.1 tests
/// `> 0`; the floor sits 280 orders of magnitude below the smallest scale tested (prices
/// of 1e-18) and keeps the ADX lane kernel vectorised: `> 0` (and `|t| < MIN_POSITIVE`)
/// measured 2x slower there, `|t| < 1e-300` as fast as the old fixed band.
pub(crate) const SUM_FLOOR: f64 = 1e-300;

/// TA-Lib 0.8.1's test of a sum of non-negative terms in a price unit (a true-range sum,
/// the Wilder average gain plus loss): it counts as zero unless it is positive. No fixed
/// band (TA-Lib issue #253: a constant compared with a price-unit sum zeroed the index of
/// any instrument quoted small enough), so the outputs do not depend on the price scale.
/// NaN counts as zero, and so does a sum below [`SUM_FLOOR`] (a running sum kept by adding
/// and subtracting can end a flat window on a negative residue: zero as well).
#[inline]
pub(crate) fn not_positive(v: f64) -> bool {
    v.is_nan() || v < SUM_FLOOR
}

/// The literal `TA_IS_ZERO_SCALED` macro (NaN is not zero), as used by CCI.
#[inline]
pub(crate) fn is_zero_scaled_strict(v: f64, scale: f64) -> bool {
    v.abs() <= TA_EPSILON * scale
}

/// `Error::InvalidParameter` for an integer parameter outside `min..=max`.
pub(crate) fn check_period(
    function: &str,
    name: &str,
    value: usize,
    min: usize,
    max: usize,
) -> Result<usize> {
    if value < min || value > max {
        return Err(Error::InvalidParameter {
            function: function.to_owned(),
            name: name.to_owned(),
            value: value.to_string(),
            expected: format!("an integer in {min}..={max}"),
        });
    }
    Ok(value)
}

/// TA-Lib's upper bound for periods.
pub(crate) const MAX_PERIOD: usize = 100_000;

/// Rolling extreme over the last `window` values (amortised O(1) on real data).
///
/// TA-Lib's scheme: keep the current extreme and its index; a new value that ties or beats
/// it takes over, and only when the extreme leaves the window is the window re-scanned
/// (oldest to newest). Ties keep the most recent index (TA-Lib's `>=` / `<=`), which
/// AROON's "bars since the extreme" depends on. On random-walk data a re-scan happens
/// about once per `window` bars, so this is cheaper than a monotonic deque's per-bar
/// bookkeeping; the worst case (a strictly monotone series) is O(window) per bar, as in
/// TA-Lib.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Extreme {
    window: usize,
    max: bool,
    /// The last `window` values; slot `pos` holds the newest.
    #[serde(with = "aaiti_core::serde_f64::vec")]
    buf: Vec<f64>,
    pos: usize,
    /// Index and value of the current extreme (valid once `seen > 0`).
    best_idx: u64,
    #[serde(with = "aaiti_core::serde_f64")]
    best: f64,
    seen: u64,
}

impl Extreme {
    /// A rolling maximum (`max = true`) or minimum over `window >= 1` values.
    pub(crate) fn new(window: usize, max: bool) -> Self {
        let window = window.max(1);
        Self {
            window,
            max,
            buf: vec![0.0; window],
            pos: window - 1,
            best_idx: 0,
            best: f64::NAN,
            seen: 0,
        }
    }

    /// `(window, max, pushes so far, the last min(pushes, window) values oldest first)`;
    /// `None` for an inconsistent (deserialized) state. Rebuilds the state of the layout
    /// before `crate::window::HiLoWindow` in that window.
    pub(crate) fn retained(&self) -> Option<(usize, bool, u64, Vec<f64>)> {
        let w = self.window;
        if w == 0 || self.buf.len() != w || self.pos >= w {
            return None;
        }
        let n = usize::try_from(self.seen.min(w as u64)).ok()?;
        // Slot `pos` holds the newest value, the older ones precede it circularly.
        let values = (0..n)
            .rev()
            .map(|back| self.buf.get((self.pos + w - back) % w).copied())
            .collect::<Option<Vec<f64>>>()?;
        Some((w, self.max, self.seen, values))
    }

    #[inline]
    fn better(&self, x: f64, than: f64) -> bool {
        if self.max { x >= than } else { x <= than }
    }

    /// Pushes value `x` at time `t` (0, 1, 2, ... one per push) and returns
    /// `(index, value)` of the extreme over the times `t - window + 1 ..= t`.
    #[inline]
    pub(crate) fn push(&mut self, t: u64, x: f64) -> (u64, f64) {
        self.pos += 1;
        if self.pos == self.window {
            self.pos = 0;
        }
        if let Some(slot) = self.buf.get_mut(self.pos) {
            *slot = x;
        }
        self.seen += 1;
        let first = (t + 1).saturating_sub(self.window as u64);
        if self.seen == 1 {
            self.best_idx = t;
            self.best = x;
        } else if self.best_idx < first {
            self.rescan(t, first);
        } else if self.better(x, self.best) {
            self.best_idx = t;
            self.best = x;
        }
        (self.best_idx, self.best)
    }

    /// Re-scans the full window (oldest to newest), newest index on ties.
    #[cold]
    fn rescan(&mut self, t: u64, first: u64) {
        // The window is full here (the extreme only leaves a full window): the oldest value
        // sits in the slot after `pos`.
        let start = if self.pos + 1 == self.window {
            0
        } else {
            self.pos + 1
        };
        let (newer, older) = self.buf.split_at(start);
        let mut best = older.first().copied().unwrap_or(f64::NAN);
        let mut bi = 0usize;
        let base = older.len();
        // Two tight loops per direction (oldest to newest), the comparison hoisted.
        if self.max {
            for (j, &v) in older.iter().enumerate().skip(1) {
                if v >= best {
                    best = v;
                    bi = j;
                }
            }
            for (j, &v) in newer.iter().enumerate() {
                if v >= best {
                    best = v;
                    bi = base + j;
                }
            }
        } else {
            for (j, &v) in older.iter().enumerate().skip(1) {
                if v <= best {
                    best = v;
                    bi = j;
                }
            }
            for (j, &v) in newer.iter().enumerate() {
                if v <= best {
                    best = v;
                    bi = base + j;
                }
            }
        }
        let best_idx = first + bi as u64;
        debug_assert_eq!(first + (self.window as u64) - 1, t);
        self.best_idx = best_idx;
        self.best = best;
    }
}

/// A circular buffer with TA-Lib's physical layout (`CIRCBUF` macros): slot `i` is written at
/// the i-th push modulo the capacity, and sums iterate over slots `0..cap` in order, exactly
/// as TA-Lib's loops do (so even the rounding of the sums matches).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CircBuf {
    #[serde(with = "aaiti_core::serde_f64::vec")]
    pub(crate) buf: Vec<f64>,
    pub(crate) idx: usize,
}

impl CircBuf {
    /// `cap >= 1` zeroed slots.
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            buf: vec![0.0; cap.max(1)],
            idx: 0,
        }
    }

    /// The value in the slot about to be overwritten (the oldest once full).
    #[inline]
    pub(crate) fn current(&self) -> f64 {
        self.buf.get(self.idx).copied().unwrap_or(0.0)
    }

    /// Writes `x` into the current slot without advancing.
    #[inline]
    pub(crate) fn set_current(&mut self, x: f64) {
        if let Some(s) = self.buf.get_mut(self.idx) {
            *s = x;
        }
    }

    /// Advances to the next slot.
    #[inline]
    pub(crate) fn advance(&mut self) {
        self.idx += 1;
        if self.idx >= self.buf.len() {
            self.idx = 0;
        }
    }

    /// Zeroes the buffer.
    pub(crate) fn clear(&mut self) {
        self.buf.iter_mut().for_each(|x| *x = 0.0);
        self.idx = 0;
    }
}

/// Appends `n` NaNs (the lookback rows of a batch kernel).
#[inline]
pub(crate) fn push_nan(out: &mut Vec<f64>, n: usize) {
    out.extend(std::iter::repeat_n(f64::NAN, n));
}

/// `x[a..b]`, or an empty slice when the range does not fit.
#[inline]
pub(crate) fn span(x: &[f64], a: usize, b: usize) -> &[f64] {
    x.get(a..b).unwrap_or(&[])
}

/// Appends `f(item)` for every item to `out`, through a small stack buffer.
///
/// `out.extend(items.map(f))` hands the closure (and so the kernel's loop-carried state)
/// to `Iterator::fold`, which the compiler may keep out of line with the state in memory;
/// this loop inlines into the kernel, so the state stays in registers.
#[inline(always)]
pub(crate) fn extend_with<T>(
    out: &mut Vec<f64>,
    mut items: impl Iterator<Item = T>,
    mut f: impl FnMut(T) -> f64,
) {
    let mut buf = [0.0f64; 256];
    loop {
        let mut k = 0;
        for (slot, item) in buf.iter_mut().zip(&mut items) {
            *slot = f(item);
            k += 1;
        }
        out.extend_from_slice(buf.get(..k).unwrap_or(&[]));
        if k < buf.len() {
            return;
        }
    }
}
