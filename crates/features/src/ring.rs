//! A fixed-capacity ring buffer of the most recent values (serde-able streaming state).

use serde::{Deserialize, Serialize};

/// The last `cap` values pushed, newest first through [`Ring::back`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Ring {
    #[serde(with = "aaiti_core::serde_f64::vec")]
    buf: Vec<f64>,
    /// Index of the next write.
    head: usize,
    /// Number of values pushed so far, saturating at `buf.len()`.
    len: usize,
}

impl Ring {
    /// A ring holding up to `cap` values (`cap >= 1`).
    #[inline]
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            buf: vec![0.0; cap.max(1)],
            head: 0,
            len: 0,
        }
    }

    /// A ring owning no memory (capacity 0: a placeholder, not for pushing).
    #[inline]
    pub(crate) fn empty() -> Self {
        Self {
            buf: Vec::new(),
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

    /// Whether the ring holds `cap` values (every later push evicts one).
    #[inline(always)]
    pub(crate) fn is_full(&self) -> bool {
        self.len == self.buf.len()
    }

    /// [`push`](Self::push) for a full ring (the streaming hot path; [`is_full`](Self::is_full)
    /// must hold): overwrites the oldest value with `x` and returns the oldest value held
    /// afterwards, `back(cap - 1)`. One index step, no length bookkeeping.
    #[inline(always)]
    pub(crate) fn push_full(&mut self, x: f64) -> f64 {
        let h = self.head;
        let next = if h + 1 >= self.buf.len() { 0 } else { h + 1 };
        if let Some(slot) = self.buf.get_mut(h) {
            *slot = x;
        }
        self.head = next;
        self.buf.get(next).copied().unwrap_or(0.0)
    }

    /// [`push`](Self::push) for a ring full at exactly `p` values (`len == cap == p`, the
    /// streaming hot path of a window of `p`): overwrites the oldest value with `x` and
    /// returns it (`back(p - 1)` before the push); `None`, changing nothing, otherwise.
    #[inline(always)]
    pub(crate) fn swap_oldest(&mut self, x: f64, p: usize) -> Option<f64> {
        let cap = self.buf.len();
        if self.len != p || cap != p {
            return None;
        }
        let h = self.head;
        let slot = self.buf.get_mut(h)?;
        let old = std::mem::replace(slot, x);
        // `h < cap` (the slot exists), so one step wraps at most once.
        self.head = if h + 1 == cap { 0 } else { h + 1 };
        Some(old)
    }

    /// [`back`](Self::back) for a full ring: the value pushed `k` pushes ago (`k < cap`).
    #[inline(always)]
    pub(crate) fn back_full(&self, k: usize) -> f64 {
        // `head < cap` and `k < cap`, so one wrap suffices.
        let cap = self.buf.len();
        let idx = self.head + (cap - 1 - k);
        let idx = if idx >= cap { idx - cap } else { idx };
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
    #[inline]
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

    #[test]
    fn swap_oldest_matches_push_on_a_ring_full_at_p() {
        for cap in 1..=6 {
            let (mut a, mut b) = (Ring::new(cap), Ring::new(cap));
            let mut x = 0.5;
            for k in 0..4 * cap + 3 {
                let full = k >= cap;
                // Refused (and nothing changed) unless full at exactly `cap` values.
                let before = b.clone();
                assert_eq!(b.swap_oldest(x, cap + 1), None);
                assert_eq!(b, before);
                let want = (a.len() == cap).then(|| a.back(cap - 1));
                a.push(x);
                match b.swap_oldest(x, cap) {
                    Some(old) => {
                        assert!(full);
                        assert_eq!(Some(old.to_bits()), want.map(f64::to_bits));
                    }
                    None => {
                        assert!(!full);
                        b.push(x);
                    }
                }
                assert_eq!(a, b);
                x = -x * 1.5 + 0.25;
            }
        }
        // A head out of range (a damaged state) is refused, not a panic.
        let mut r = Ring::new(2);
        r.push(1.0);
        r.push(2.0);
        r.head = 7;
        assert_eq!(r.swap_oldest(3.0, 2), None);
    }

    #[test]
    fn full_ring_fast_paths_match_push_and_back() {
        for cap in 1..=9 {
            let (mut a, mut b) = (Ring::new(cap), Ring::new(cap));
            let mut x = 0.5;
            for _ in 0..cap {
                a.push(x);
                b.push(x);
                x += 1.0;
            }
            for _ in 0..3 * cap + 2 {
                assert!(b.is_full());
                a.push(x);
                let oldest = b.push_full(x);
                assert_eq!(a, b);
                assert_eq!(oldest.to_bits(), a.back(cap - 1).to_bits());
                for k in 0..cap {
                    assert_eq!(b.back_full(k).to_bits(), a.back(k).to_bits());
                }
                x = -x * 1.5;
            }
        }
    }
}
