//! A fixed-capacity ring buffer of the most recent values (serde-able streaming state).

use serde::{Deserialize, Serialize};

/// The last `cap` values pushed, newest first through [`Ring::back`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Ring {
    buf: Vec<f64>,
    /// Index of the next write.
    head: usize,
    /// Number of values pushed so far, saturating at `buf.len()`.
    len: usize,
}

impl Ring {
    /// A ring holding up to `cap` values (`cap >= 1`).
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            buf: vec![0.0; cap.max(1)],
            head: 0,
            len: 0,
        }
    }

    /// Appends `x`, evicting the oldest value when full.
    #[inline]
    pub(crate) fn push(&mut self, x: f64) {
        let cap = self.buf.len();
        if let Some(slot) = self.buf.get_mut(self.head) {
            *slot = x;
        }
        self.head += 1;
        if self.head == cap {
            self.head = 0;
        }
        if self.len < cap {
            self.len += 1;
        }
    }

    /// The value pushed `k` pushes ago (`k = 0` is the newest); 0.0 if not available.
    #[inline]
    pub(crate) fn back(&self, k: usize) -> f64 {
        if k >= self.len {
            return 0.0;
        }
        // head in 0..cap and k < len <= cap, so idx < 2*cap.
        let cap = self.buf.len();
        let mut idx = self.head + cap - 1 - k;
        if idx >= cap {
            idx -= cap;
        }
        self.buf.get(idx).copied().unwrap_or(0.0)
    }

    /// The values held, oldest first, as two slices (the second continues the first).
    #[inline]
    pub(crate) fn oldest_first(&self) -> (&[f64], &[f64]) {
        if self.len < self.buf.len() {
            (self.buf.get(..self.len).unwrap_or(&[]), &[])
        } else {
            let (a, b) = self.buf.split_at(self.head.min(self.buf.len()));
            (b, a)
        }
    }

    /// Number of values held.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Empties the ring.
    pub(crate) fn clear(&mut self) {
        self.head = 0;
        self.len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::Ring;

    #[test]
    fn ring_order() {
        let mut r = Ring::new(3);
        for x in [1.0, 2.0, 3.0, 4.0] {
            r.push(x);
        }
        assert_eq!(r.len(), 3);
        assert_eq!((r.back(0), r.back(1), r.back(2)), (4.0, 3.0, 2.0));
        r.clear();
        assert_eq!(r.len(), 0);
    }
}
