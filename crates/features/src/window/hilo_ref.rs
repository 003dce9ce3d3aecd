//! The streaming rolling extremes as they were up to the contiguous-slot layout (block
//! prefix / suffix extremes, one struct per side): the reference that the tests compare
//! [`super::HiLoWindow`] with, outputs and serialized form (whose layout this one defines).

use serde::{Deserialize, Serialize};

use super::{bits, newer_max, newer_min, select, takes_new};
use crate::momentum::util::Extreme;

/// The newer-wins extreme of two values: maximum when `MAX`, minimum otherwise.
#[inline(always)]
fn pick<const MAX: bool>(old: f64, new: f64) -> f64 {
    if MAX {
        newer_max(old, new)
    } else {
        newer_min(old, new)
    }
}

/// Sentinel of a side's "no value" (`-inf` for the maximum, `+inf` for the minimum): every
/// value, `±inf` included, wins a newer-wins comparison against it.
#[inline(always)]
const fn sentinel<const MAX: bool>() -> f64 {
    if MAX {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    }
}

/// The rolling-extreme state of one side (maximum of the highs or minimum of the lows) of
/// [`HiLoRef`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Side {
    /// Values of the current block (slots `0..k` written) and of the previous block.
    #[serde(with = "bits")]
    cur: Vec<f64>,
    #[serde(with = "bits")]
    prev: Vec<f64>,
    /// `suf[j]`: newest extreme of the previous block's slots `j..w`, `suf_at[j]` its bar;
    /// `suf[w]` is the sentinel.
    #[serde(with = "bits")]
    suf: Vec<f64>,
    suf_at: Vec<u64>,
    /// Newest extreme of the current block's written slots and its bar (sentinel at the
    /// start of a block).
    #[serde(with = "bits")]
    pre: f64,
    pre_at: u64,
    /// TA-Lib's rescanning scheme itself, run only while a NaN is in the window (seeded
    /// with the window's bars before the NaN).
    slow: Option<Extreme>,
    /// The window holds a NaN until (not including) bar `until`.
    until: u64,
}

impl Side {
    fn new<const MAX: bool>(w: usize) -> Self {
        Self {
            cur: vec![0.0; w],
            prev: vec![0.0; w],
            suf: vec![sentinel::<MAX>(); w + 1],
            suf_at: vec![0; w + 1],
            pre: sentinel::<MAX>(),
            pre_at: 0,
            slow: None,
            until: 0,
        }
    }

    /// Closes the current block, which started at bar `start`: its suffix extremes become
    /// `suf` (and their bars `suf_at` when `ARG`), its values `prev`. Branch-free.
    #[inline(always)]
    fn roll<const MAX: bool, const ARG: bool>(&mut self, start: u64) {
        let w = self.cur.len();
        let (Some(&last), Some(s), Some(a)) = (
            self.cur.last(),
            self.suf.get_mut(..w),
            self.suf_at.get_mut(..w),
        ) else {
            return;
        };
        let mut m = last;
        let mut at = start + (w as u64 - 1);
        let mut bar = at;
        for ((s, a), &v) in s.iter_mut().zip(a.iter_mut()).zip(&self.cur).rev() {
            // The older value `v` wins only when strictly better (TA-Lib keeps the newest).
            if ARG {
                at = select(takes_new::<MAX>(v, m), at, bar);
                *a = at;
                bar = bar.wrapping_sub(1);
            }
            m = pick::<MAX>(v, m);
            *s = m;
        }
        std::mem::swap(&mut self.cur, &mut self.prev);
        self.pre = sentinel::<MAX>();
    }

    /// Writes `x` (bar `t`, slot `k` of the current block) and returns the newest extreme
    /// of the window and its bar, valid when the window holds no NaN.
    #[inline(always)]
    fn push<const MAX: bool, const ARG: bool>(&mut self, k: usize, t: u64, x: f64) -> (f64, u64) {
        if let Some(s) = self.cur.get_mut(k) {
            *s = x;
        }
        let pre = self.pre;
        self.pre = pick::<MAX>(pre, x);
        if ARG {
            // A select, not a conditional store (which compiles to a branch).
            self.pre_at = select(takes_new::<MAX>(pre, x), t, self.pre_at);
        }
        let old = self.suf.get(k + 1).copied().unwrap_or(sentinel::<MAX>());
        let v = pick::<MAX>(old, self.pre);
        let at = if ARG {
            let old_at = self.suf_at.get(k + 1).copied().unwrap_or(0);
            select(takes_new::<MAX>(old, self.pre), self.pre_at, old_at)
        } else {
            0
        };
        (v, at)
    }

    /// The value of bar `bar`, in the current block (starting at bar `start`) or the
    /// previous one.
    #[inline]
    fn value(&self, start: u64, bar: u64) -> f64 {
        let w = self.cur.len() as u64;
        let v = if bar >= start {
            self.cur
                .get(usize::try_from(bar - start).unwrap_or(usize::MAX))
        } else {
            self.prev
                .get(usize::try_from(bar + w - start).unwrap_or(usize::MAX))
        };
        v.copied().unwrap_or(f64::NAN)
    }

    /// `momentum::util::Extreme::push` for bar `t` (already written, in the block starting
    /// at `start`), for a window holding a NaN: `(extreme, its bar)`.
    #[cold]
    #[inline(never)]
    fn push_slow<const MAX: bool>(&mut self, w: u64, start: u64, t: u64, x: f64) -> (f64, u64) {
        if t > self.until || self.slow.is_none() {
            // The window of bar `t − 1` held no NaN: TA-Lib's state there is the same after
            // feeding a fresh scheme that window's bars (its extreme is their newest extreme).
            let mut e = Extreme::new(usize::try_from(w).unwrap_or(usize::MAX), MAX);
            for bar in t.saturating_sub(w)..t {
                e.push(bar, self.value(start, bar));
            }
            self.slow = Some(e);
        }
        let (at, v) = match &mut self.slow {
            Some(e) => e.push(t, x),
            None => (t, x),
        };
        if x.is_nan() {
            self.until = t + w;
        }
        (v, at)
    }
}

/// Rolling highest high and lowest low over the last `w` bars, with the bar of each (the
/// newest on ties), for the streaming `update` of WILLR, STOCH's %K and AROON: exactly the
/// values and bars of TA-Lib's rescanning scheme (`momentum::util::Extreme`), NaN included,
/// in O(1) per bar without data-dependent branches.
///
/// Bars are grouped in blocks of `w`: the window ending at slot `k` of the current block
/// is the previous block's slots `k + 1 ..` (their suffix extreme, computed once per block)
/// and the current block's slots `..= k` (a running prefix extreme), combined newest-wins.
/// Without NaN that is TA-Lib's extreme (the newest of the window's extreme values, `±0`
/// ties included, a function of the window alone). While the window holds a NaN, whose
/// effect in TA-Lib's scheme depends on the history, TA-Lib's scheme itself runs, seeded
/// with the window's extreme before the NaN; once the NaN has left, both agree again.
/// `ARG = false` skips tracking the bars (their values are then 0 on the fast path).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct HiLoRef<const ARG: bool> {
    w: usize,
    /// Bars pushed so far.
    t: u64,
    /// Slot of the next bar in the current block (`w`: the block is full).
    k: usize,
    hi: Side,
    lo: Side,
}

impl<const ARG: bool> HiLoRef<ARG> {
    /// A window of `w >= 1` bars.
    pub(crate) fn new(w: usize) -> Self {
        let w = w.max(1);
        Self {
            w,
            t: 0,
            k: 0,
            hi: Side::new::<true>(w),
            lo: Side::new::<false>(w),
        }
    }

    /// Pushes bar `t` (the number of bars pushed before) with high `h` and low `l`; returns
    /// `(t, highest high, its bar, lowest low, its bar)` over bars `t + 1 − w ..= t`.
    #[inline(always)]
    pub(crate) fn push(&mut self, h: f64, l: f64) -> (u64, f64, u64, f64, u64) {
        if self.k == self.w {
            self.roll();
        }
        let (t, k) = (self.t, self.k);
        self.t = t + 1;
        self.k = k + 1;
        let (hh, ha) = self.hi.push::<true, ARG>(k, t, h);
        let (ll, la) = self.lo.push::<false, ARG>(k, t, l);
        // One test for both sides (`h + l` is also NaN for `±inf ∓ inf`, which the slow
        // path handles like any other bar).
        if (t < self.hi.until.max(self.lo.until)) | (h + l).is_nan() {
            return self.push_slow(t, k, (hh, ha, ll, la));
        }
        (t, hh, ha, ll, la)
    }

    /// Starts a new block (every `w` bars), inlined so that the caller's loop keeps the
    /// state in registers.
    #[inline(always)]
    fn roll(&mut self) {
        let start = self.t - self.w as u64;
        self.hi.roll::<true, ARG>(start);
        self.lo.roll::<false, ARG>(start);
        self.k = 0;
    }

    /// The slow path of [`push`](Self::push): a side whose window holds a NaN reports
    /// TA-Lib's rescanning state instead.
    #[cold]
    #[inline(never)]
    fn push_slow(
        &mut self,
        t: u64,
        k: usize,
        (mut hh, mut ha, mut ll, mut la): (f64, u64, f64, u64),
    ) -> (u64, f64, u64, f64, u64) {
        let (w, start) = (self.w as u64, t - k as u64);
        let h = self.hi.value(start, t);
        if t < self.hi.until || h.is_nan() {
            (hh, ha) = self.hi.push_slow::<true>(w, start, t, h);
        }
        let l = self.lo.value(start, t);
        if t < self.lo.until || l.is_nan() {
            (ll, la) = self.lo.push_slow::<false>(w, start, t, l);
        }
        (t, hh, ha, ll, la)
    }
}
