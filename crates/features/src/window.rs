//! Rolling maximum / minimum over the last `n` values with monotonic deques (amortised O(1)).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// Rolling max and min over the last `n` values, with the bar index of each extreme.
///
/// Ties resolve to the **most recent** index for both (TA-Lib's MAX/MIN scans keep the
/// newest on ties when re-scanning); callers that need another convention use the value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MinMaxWindow {
    n: usize,
    t: u64,
    maxq: VecDeque<(u64, f64)>,
    minq: VecDeque<(u64, f64)>,
}

impl MinMaxWindow {
    pub(crate) fn new(n: usize) -> Self {
        Self {
            n: n.max(1),
            t: 0,
            maxq: VecDeque::new(),
            minq: VecDeque::new(),
        }
    }

    /// Pushes `hi` (for the max) and `lo` (for the min) as the newest value.
    #[inline]
    pub(crate) fn push(&mut self, hi: f64, lo: f64) {
        let t = self.t;
        self.t += 1;
        while self.maxq.back().is_some_and(|&(_, v)| v <= hi) {
            self.maxq.pop_back();
        }
        self.maxq.push_back((t, hi));
        while self.minq.back().is_some_and(|&(_, v)| v >= lo) {
            self.minq.pop_back();
        }
        self.minq.push_back((t, lo));
        let n = self.n as u64;
        while self.maxq.front().is_some_and(|&(i, _)| i + n <= t) {
            self.maxq.pop_front();
        }
        while self.minq.front().is_some_and(|&(i, _)| i + n <= t) {
            self.minq.pop_front();
        }
    }

    /// Number of values pushed so far.
    pub(crate) fn count(&self) -> u64 {
        self.t
    }

    /// Largest value in the window.
    #[inline]
    pub(crate) fn max(&self) -> f64 {
        self.maxq.front().map_or(f64::NAN, |&(_, v)| v)
    }

    /// Smallest value in the window.
    #[inline]
    pub(crate) fn min(&self) -> f64 {
        self.minq.front().map_or(f64::NAN, |&(_, v)| v)
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::new(self.n);
    }
}
