//! Rolling maximum / minimum over the last `n` values with monotonic deques (amortised O(1)).

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::momentum::util::Extreme;

/// Rolling max and min over the last `n` values, with the bar index of each extreme.
///
/// Ties resolve to the **most recent** index for both (TA-Lib's MAX/MIN scans keep the
/// newest on ties when re-scanning); callers that need another convention use the value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MinMaxWindow {
    n: usize,
    t: u64,
    #[serde(with = "aaiti_core::serde_f64::nested")]
    maxq: VecDeque<(u64, f64)>,
    #[serde(with = "aaiti_core::serde_f64::nested")]
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

/// Outputs per chunk of the batch rolling-extreme kernels. Small chunks keep the scratch
/// in L1 and let the hardware prefetcher stream the next inputs while a chunk is computed
/// (measured: 128–192 outputs beat 1024 by a third on 1M bars). Long windows use chunks of
/// `4 · window` outputs.
const CHUNK: usize = 192;

/// `new` when `new >= old`, else `old`: the maximum with ties (and `±0`) resolved to the
/// newer value, as TA-Lib's `>=` scans do. Inputs are never NaN here.
#[inline(always)]
pub(crate) fn newer_max(old: f64, new: f64) -> f64 {
    if old > new { old } else { new }
}

/// `new` when `new <= old`, else `old` (see [`newer_max`]).
#[inline(always)]
pub(crate) fn newer_min(old: f64, new: f64) -> f64 {
    if old < new { old } else { new }
}

/// The newer-wins extreme of two values: maximum when `MAX`, minimum otherwise.
#[inline(always)]
fn pick<const MAX: bool>(old: f64, new: f64) -> f64 {
    if MAX {
        newer_max(old, new)
    } else {
        newer_min(old, new)
    }
}

/// Whether the newer value wins (`new >= old` for the maximum, `new <= old` for the
/// minimum).
#[inline(always)]
fn takes_new<const MAX: bool>(old: f64, new: f64) -> bool {
    if MAX { new >= old } else { new <= old }
}

/// The largest power of two `<= w` (`w >= 1`).
#[inline(always)]
fn pow2_floor(w: usize) -> usize {
    1 << (usize::BITS - 1 - w.leading_zeros())
}

/// Whether `x` holds a NaN (no early exit: one vectorised pass).
#[inline(always)]
fn any_nan(x: &[f64]) -> bool {
    x.iter().fold(0u64, |acc, v| acc | u64::from(v.is_nan())) != 0
}

/// Leaves in `a` the newest maximum of every window of `q` values of `hi` (`a[j]` for
/// `hi[j .. j + q]`, `q` a power of two or 0 for single values) and in `b` the newest minimum
/// of `lo`'s (the `k` windows of both, `hi` and `lo` having `k + q − 1` values), and returns
/// whether `hi[1..]` or `lo[1..]` (all of them when `q < 2`) holds a NaN.
///
/// Windows of 2 and 4 values are read straight from the values (both sides in one loop,
/// the NaN test included), longer ones double them (`m2s[j] = pick(ms[j], ms[j + s])`); every
/// step keeps the newer value on ties. `sc` = `[a, b, spare, spare]`, resized (not cleared),
/// so that chunks of equal length write the scratch without refilling it first.
#[inline(always)]
fn half_levels(hi: &[f64], lo: &[f64], q: usize, sc: &mut [Vec<f64>; 4]) -> bool {
    let [ha, la, hb, lb] = sc;
    let m = hi.len().min(lo.len());
    let (hi, lo) = (hi.get(..m).unwrap_or(&[]), lo.get(..m).unwrap_or(&[]));
    if q < 2 {
        ha.clear();
        ha.extend_from_slice(hi);
        la.clear();
        la.extend_from_slice(lo);
        // All of them: with `w = 1` chunks do not overlap, so no other chunk saw `x[0]`.
        return any_nan(hi) | any_nan(lo);
    }
    let mut nan = 0u64;
    let mut s = if q < 4 {
        let k = m.saturating_sub(1);
        ha.resize(k, 0.0);
        la.resize(k, 0.0);
        let (h0, h1) = (hi.get(..k).unwrap_or(&[]), hi.get(1..).unwrap_or(&[]));
        let (l0, l1) = (lo.get(..k).unwrap_or(&[]), lo.get(1..).unwrap_or(&[]));
        let dst = ha.iter_mut().zip(la.iter_mut());
        for ((a, b), ((&h0, &h1), (&l0, &l1))) in dst.zip(h0.iter().zip(h1).zip(l0.iter().zip(l1)))
        {
            nan |= u64::from(h1.is_nan() | l1.is_nan());
            *a = newer_max(h0, h1);
            *b = newer_min(l0, l1);
        }
        2
    } else {
        let k = m.saturating_sub(3);
        ha.resize(k, 0.0);
        la.resize(k, 0.0);
        // `x[1]` and `x[2]`; the loop tests `x[3..]`.
        let head = |x: &[f64]| any_nan(x.get(1..3.min(x.len())).unwrap_or(&[]));
        nan |= u64::from(head(hi) | head(lo));
        let at = |x, o| span(x, o, o + k);
        let (h0, h1, h2, h3) = (at(hi, 0), at(hi, 1), at(hi, 2), at(hi, 3));
        let (l0, l1, l2, l3) = (at(lo, 0), at(lo, 1), at(lo, 2), at(lo, 3));
        let hs = h0.iter().zip(h1).zip(h2.iter().zip(h3));
        let ls = l0.iter().zip(l1).zip(l2.iter().zip(l3));
        let dst = ha.iter_mut().zip(la.iter_mut());
        for ((a, b), (((&h0, &h1), (&h2, &h3)), ((&l0, &l1), (&l2, &l3)))) in dst.zip(hs.zip(ls)) {
            nan |= u64::from(h3.is_nan() | l3.is_nan());
            *a = newer_max(newer_max(h0, h1), newer_max(h2, h3));
            *b = newer_min(newer_min(l0, l1), newer_min(l2, l3));
        }
        4
    };
    while s < q {
        let k = ha.len().min(la.len()).saturating_sub(s);
        hb.resize(k, 0.0);
        lb.resize(k, 0.0);
        let hs = ha.iter().zip(ha.get(s..).unwrap_or(&[]));
        let ls = la.iter().zip(la.get(s..).unwrap_or(&[]));
        let dst = hb.iter_mut().zip(lb.iter_mut());
        for ((a, b), ((&h0, &h1), (&l0, &l1))) in dst.zip(hs.zip(ls)) {
            *a = newer_max(h0, h1);
            *b = newer_min(l0, l1);
        }
        std::mem::swap(ha, hb);
        std::mem::swap(la, lb);
        s *= 2;
    }
    nan != 0
}

/// Like [`half_levels`] for one side and windows of `s` (the largest power of two
/// `<= w`), also leaving in `d` the offset (an exact small float) of each window's
/// newest extreme from the window's first value. `sc` = `[values, spare, offsets, spare]`.
#[inline(always)]
fn arg_levels<const MAX: bool>(x: &[f64], w: usize, sc: &mut [Vec<f64>; 4]) -> bool {
    let [va, vb, da, db] = sc;
    va.clear();
    da.clear();
    if w < 2 {
        va.extend_from_slice(x);
        da.resize(x.len(), 0.0);
        return x
            .iter()
            .skip(1)
            .fold(0u64, |acc, v| acc | u64::from(v.is_nan()))
            != 0;
    }
    let m = x.len().saturating_sub(1);
    va.resize(m, 0.0);
    da.resize(m, 0.0);
    let mut nan = 0u64;
    let pairs = x.iter().zip(x.iter().skip(1));
    for ((v, d), (&o, &n)) in va.iter_mut().zip(da.iter_mut()).zip(pairs) {
        nan |= u64::from(n.is_nan());
        let t = takes_new::<MAX>(o, n);
        *v = if t { n } else { o };
        *d = if t { 1.0 } else { 0.0 };
    }
    let mut s = 2;
    while 2 * s <= w {
        let sf = crate::overlap::ma::fp(s);
        let m = va.len().saturating_sub(s);
        vb.clear();
        db.clear();
        vb.resize(m, 0.0);
        db.resize(m, 0.0);
        let olds = va.iter().zip(da.iter());
        let news = va.iter().skip(s).zip(da.iter().skip(s));
        let dst = vb.iter_mut().zip(db.iter_mut());
        for ((v, d), ((&vo, &dold), (&vn, &dnew))) in dst.zip(olds.zip(news)) {
            let t = takes_new::<MAX>(vo, vn);
            *v = if t { vn } else { vo };
            *d = if t { dnew + sf } else { dold };
        }
        std::mem::swap(va, vb);
        std::mem::swap(da, db);
        s *= 2;
    }
    nan != 0
}

/// One chunk of windows of [`max_min_chunks`]: the extremes of every window of `q` values
/// (half the largest power of two `s <= w`), which [`Extremes::iter`] combines.
#[derive(Debug)]
pub(crate) struct Extremes<'a> {
    hi: &'a [f64],
    lo: &'a [f64],
    /// `q = s / 2` (0 for `w = 1`).
    q: usize,
    /// `w − s`.
    shift: usize,
}

impl Extremes<'_> {
    /// `(highest high, lowest low)` of each window of the chunk, oldest first: the newest
    /// extreme of two overlapping windows of `s` values, each the newest extreme of two
    /// windows of `q` (the passes' last doubling, done here without storing it).
    #[inline(always)]
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (f64, f64)> + '_ {
        let (q, sh) = (self.q, self.shift);
        four(self.hi, q, sh).zip(four(self.lo, q, sh)).map(
            |(((&h0, &h1), (&h2, &h3)), ((&l0, &l1), (&l2, &l3)))| {
                (
                    newer_max(newer_max(h0, h1), newer_max(h2, h3)),
                    newer_min(newer_min(l0, l1), newer_min(l2, l3)),
                )
            },
        )
    }
}

/// `x[j]`, `x[j + q]`, `x[j + sh]`, `x[j + sh + q]` for every `j` they all exist.
#[inline(always)]
fn four(
    x: &[f64],
    q: usize,
    sh: usize,
) -> impl ExactSizeIterator<Item = ((&f64, &f64), (&f64, &f64))> {
    let at = |o: usize| x.get(o..).unwrap_or(&[]).iter();
    at(0).zip(at(q)).zip(at(sh).zip(at(sh + q)))
}

/// `x[a..b]`, or an empty slice when out of range.
#[inline(always)]
fn span(x: &[f64], a: usize, b: usize) -> &[f64] {
    x.get(a..b).unwrap_or(&[])
}

/// One chunk of windows of [`argmax_argmin_chunks`] (see [`Extremes`]).
#[derive(Debug)]
pub(crate) struct ArgExtremes<'a> {
    hv: &'a [f64],
    hd: &'a [f64],
    lv: &'a [f64],
    ld: &'a [f64],
    shift: usize,
}

impl ArgExtremes<'_> {
    /// Offsets from each window's first bar of its newest highest high and newest lowest
    /// low (exact small floats), oldest window first.
    #[inline(always)]
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (f64, f64)> + '_ {
        let sh = self.shift;
        let shf = crate::overlap::ma::fp(sh);
        let h = self.hv.iter().zip(self.hd);
        let h = h.clone().zip(h.skip(sh));
        let l = self.lv.iter().zip(self.ld);
        let l = l.clone().zip(l.skip(sh));
        h.zip(l).map(
            move |(((&hv0, &hd0), (&hv1, &hd1)), ((&lv0, &ld0), (&lv1, &ld1)))| {
                let up = if hv1 >= hv0 { hd1 + shf } else { hd0 };
                let down = if lv1 <= lv0 { ld1 + shf } else { ld0 };
                (up, down)
            },
        )
    }
}

/// The bars `first + 1 - w .. end` of `x` (empty when out of range).
#[inline(always)]
fn segment(x: &[f64], first: usize, w: usize, end: usize) -> &[f64] {
    x.get(first + 1 - w..end).unwrap_or(&[])
}

/// Batch rolling maximum of `hi` and minimum of `lo` over windows of `w >= 1` values,
/// newest value on ties (the value a TA-Lib `>=` / `<=` scan keeps, `±0` included).
///
/// Calls `f(first, chunk)` for consecutive chunks of windows; `chunk.iter()` yields the
/// extremes of the windows ending at bars `first, first + 1, ...`; the first window ends at
/// bar `w - 1`. Returns `false`, stopping before the chunk concerned, when `hi` or `lo`
/// holds a NaN (whose comparisons these kernels do not reproduce): the caller then falls
/// back to the fold.
#[inline(always)]
pub(crate) fn max_min_chunks(
    hi: &[f64],
    lo: &[f64],
    w: usize,
    mut f: impl FnMut(usize, &Extremes<'_>),
) -> bool {
    let n = hi.len().min(lo.len());
    if w == 0 || n < w {
        return true;
    }
    if hi.first().is_some_and(|v| v.is_nan()) || lo.first().is_some_and(|v| v.is_nan()) {
        return false;
    }
    let chunk = CHUNK.max(4 * w);
    let s = pow2_floor(w);
    let (q, shift) = (s / 2, w - s);
    let mut sc: [Vec<f64>; 4] = Default::default();
    let mut first = w - 1;
    while first < n {
        let end = (first + chunk).min(n);
        let (h, l) = (segment(hi, first, w, end), segment(lo, first, w, end));
        if half_levels(h, l, q, &mut sc) {
            return false;
        }
        let [ha, la, ..] = &sc;
        f(
            first,
            &Extremes {
                hi: ha,
                lo: la,
                q,
                shift,
            },
        );
        first = end;
    }
    true
}

/// Like [`max_min_chunks`], for the positions of the extremes ([`ArgExtremes`]).
#[inline(always)]
pub(crate) fn argmax_argmin_chunks(
    hi: &[f64],
    lo: &[f64],
    w: usize,
    mut f: impl FnMut(usize, &ArgExtremes<'_>),
) -> bool {
    let n = hi.len().min(lo.len());
    if w == 0 || n < w {
        return true;
    }
    if hi.first().is_some_and(|v| v.is_nan()) || lo.first().is_some_and(|v| v.is_nan()) {
        return false;
    }
    let chunk = CHUNK.max(4 * w);
    let shift = w - pow2_floor(w);
    let mut sh: [Vec<f64>; 4] = Default::default();
    let mut sl: [Vec<f64>; 4] = Default::default();
    let mut first = w - 1;
    while first < n {
        let end = (first + chunk).min(n);
        let nan_h = arg_levels::<true>(segment(hi, first, w, end), w, &mut sh);
        let nan_l = arg_levels::<false>(segment(lo, first, w, end), w, &mut sl);
        if nan_h || nan_l {
            return false;
        }
        let ([hv, _, hd, _], [lv, _, ld, _]) = (&sh, &sl);
        f(
            first,
            &ArgExtremes {
                hv,
                hd,
                lv,
                ld,
                shift,
            },
        );
        first = end;
    }
    true
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

/// Floats serialized as their IEEE bits, so that the sentinels (`±inf`) and NaNs of a
/// [`HiLoWindow`] survive a JSON round trip exactly.
mod bits {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    /// A float or a vector of floats, as bits.
    pub(super) trait Bits: Sized {
        type Raw: Serialize + for<'de> Deserialize<'de>;
        fn to_raw(&self) -> Self::Raw;
        fn from_raw(r: Self::Raw) -> Self;
    }

    impl Bits for f64 {
        type Raw = u64;
        fn to_raw(&self) -> u64 {
            self.to_bits()
        }
        fn from_raw(r: u64) -> Self {
            f64::from_bits(r)
        }
    }

    impl Bits for Vec<f64> {
        type Raw = Vec<u64>;
        fn to_raw(&self) -> Vec<u64> {
            self.iter().map(|x| x.to_bits()).collect()
        }
        fn from_raw(r: Vec<u64>) -> Self {
            r.into_iter().map(f64::from_bits).collect()
        }
    }

    pub(super) fn serialize<T: Bits, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        v.to_raw().serialize(s)
    }

    pub(super) fn deserialize<'de, T: Bits, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
        T::Raw::deserialize(d).map(T::from_raw)
    }
}

/// `a` when `c`, else `b`, with bit operations: the compiler turns a plain `if` on a
/// float comparison into a branch, which these unpredictable choices would mispredict.
#[inline(always)]
fn select(c: bool, a: u64, b: u64) -> u64 {
    let mask = u64::from(c).wrapping_neg();
    b ^ ((a ^ b) & mask)
}

/// The rolling-extreme state of one side (maximum of the highs or minimum of the lows) of
/// [`HiLoWindow`].
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
pub(crate) struct HiLoWindow<const ARG: bool> {
    w: usize,
    /// Bars pushed so far.
    t: u64,
    /// Slot of the next bar in the current block (`w`: the block is full).
    k: usize,
    hi: Side,
    lo: Side,
}

impl<const ARG: bool> HiLoWindow<ARG> {
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

    /// The window of a state saved in the layout before `HiLoWindow` (`t` bars pushed,
    /// TA-Lib's rescanning extremes `hi` and `lo` over `w` bars, as the streaming states of
    /// WILLR, STOCH's %K and AROON held them up to b472e61), continuing exactly as they would
    /// have.
    ///
    /// The window's bars (the values the extremes retain) are pushed again, at their own
    /// bar numbers, into a window whose block starts at the oldest of them: the fast path's
    /// extremes are a function of the window's bars alone. While the window holds a NaN
    /// the slow path runs TA-Lib's scheme, whose state depends on the history: that is the
    /// saved extreme itself, which replaces the one seeded by the replay.
    ///
    /// # Errors
    /// A message when the saved extremes do not describe `t` bars over a window of `w`.
    pub(crate) fn from_extremes(
        w: usize,
        t: u64,
        hi: &Extreme,
        lo: &Extreme,
    ) -> std::result::Result<Self, String> {
        let (Some((hw, true, hs, hv)), Some((lw, false, ls, lv))) = (hi.retained(), lo.retained())
        else {
            return Err("invalid saved extremes (hi: a maximum, lo: a minimum)".into());
        };
        if hw != w || lw != w || hs != t || ls != t || hv.len() != lv.len() {
            return Err(format!(
                "saved extremes over {hw}/{lw} bars after {hs}/{ls} pushes, expected {w} and {t}"
            ));
        }
        let mut win = Self::new(w);
        win.t = t - hv.len() as u64;
        for (&h, &l) in hv.iter().zip(&lv) {
            win.push(h, l);
        }
        if win.hi.slow.is_some() {
            win.hi.slow = Some(hi.clone());
        }
        if win.lo.slow.is_some() {
            win.lo.slow = Some(lo.clone());
        }
        Ok(win)
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

#[cfg(test)]
mod tests {
    use super::HiLoWindow;
    use crate::momentum::util::Extreme;

    /// xorshift64*: deterministic test inputs.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Adversarial values: ties, signed zeros, infinities, NaN bursts, a random walk.
    fn series(rng: &mut Rng, n: usize, nan_rate: u64) -> Vec<f64> {
        const PICKS: [f64; 8] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            2.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.5,
        ];
        let mut x = 0.0;
        let mut out = Vec::with_capacity(n);
        let mut nan_left = 0;
        for _ in 0..n {
            if nan_left == 0 && nan_rate > 0 && rng.below(nan_rate) == 0 {
                nan_left = 1 + rng.below(4);
            }
            let v = if nan_left > 0 {
                nan_left -= 1;
                f64::NAN
            } else {
                match rng.below(4) {
                    0 => PICKS[usize::try_from(rng.below(8)).unwrap_or(0)],
                    1 => x,
                    _ => {
                        x += f64::from(u32::try_from(rng.below(7)).unwrap_or(0)) - 3.0;
                        x
                    }
                }
            };
            out.push(v);
        }
        out
    }

    fn check<const ARG: bool>(hi: &[f64], lo: &[f64], w: usize) {
        let mut win = HiLoWindow::<ARG>::new(w);
        let (mut eh, mut el) = (Extreme::new(w, true), Extreme::new(w, false));
        for (t, (&h, &l)) in (0u64..).zip(hi.iter().zip(lo)) {
            let (tt, hh, ha, ll, la) = win.push(h, l);
            let (rha, rhh) = eh.push(t, h);
            let (rla, rll) = el.push(t, l);
            assert_eq!(tt, t);
            assert_eq!(hh.to_bits(), rhh.to_bits(), "max w={w} t={t}");
            assert_eq!(ll.to_bits(), rll.to_bits(), "min w={w} t={t}");
            if ARG {
                assert_eq!(ha, rha, "argmax w={w} t={t}");
                assert_eq!(la, rla, "argmin w={w} t={t}");
            }
        }
    }

    /// The batch extremes refuse (for the fold to take over) a NaN anywhere in either
    /// column, the first values of the first chunk (read outside the passes' loops)
    /// and the chunk borders included; without one they run every chunk.
    #[test]
    fn max_min_chunks_refuse_every_nan() {
        for w in [1, 2, 3, 4, 5, 7, 8, 9, 14, 16, 17, 40] {
            for n in [w, w + 1, w + 3, 250, 420] {
                let (hi, lo) = (vec![1.0; n], vec![0.0; n]);
                let mut rows = 0;
                assert!(super::max_min_chunks(&hi, &lo, w, |_, c| rows += c.iter().len()));
                assert_eq!(rows, n + 1 - w, "w={w} n={n}");
                for at in 0..n {
                    for side in 0..2 {
                        let (mut h, mut l) = (hi.clone(), lo.clone());
                        let col = if side == 0 { &mut h } else { &mut l };
                        if let Some(v) = col.get_mut(at) {
                            *v = f64::NAN;
                        }
                        assert!(
                            !super::max_min_chunks(&h, &l, w, |_, _| {}),
                            "w={w} n={n} NaN at {at} (side {side})"
                        );
                    }
                }
            }
        }
    }

    /// A window rebuilt from the rescanning extremes of the layout before `HiLoWindow`
    /// (any cut: warm-up, NaN or infinities in the window, ties) continues exactly as they
    /// do, bars of the extremes included.
    #[test]
    fn hilo_window_from_old_extremes_continues_them() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for case in 0..300 {
            let n = 1 + usize::try_from(rng.below(120)).unwrap_or(0);
            let nan_rate = [0, 3, 6, 15, 40][case % 5];
            let hi = series(&mut rng, n, nan_rate);
            let lo = series(&mut rng, n, nan_rate);
            let w = 1 + usize::try_from(rng.below(if case % 3 == 0 { 30 } else { 9 })).unwrap_or(0);
            for cut in 0..=n {
                let (mut eh, mut el) = (Extreme::new(w, true), Extreme::new(w, false));
                for (t, (&h, &l)) in (0u64..).zip(hi.iter().zip(&lo)).take(cut) {
                    eh.push(t, h);
                    el.push(t, l);
                }
                let Ok(mut win) = HiLoWindow::<true>::from_extremes(w, cut as u64, &eh, &el) else {
                    panic!("from_extremes w={w} cut={cut}");
                };
                for (t, (&h, &l)) in (0u64..).zip(hi.iter().zip(&lo)).skip(cut) {
                    let (tt, hh, ha, ll, la) = win.push(h, l);
                    let (rha, rhh) = eh.push(t, h);
                    let (rla, rll) = el.push(t, l);
                    assert_eq!(tt, t);
                    assert_eq!(hh.to_bits(), rhh.to_bits(), "max w={w} cut={cut} t={t}");
                    assert_eq!(ll.to_bits(), rll.to_bits(), "min w={w} cut={cut} t={t}");
                    assert_eq!((ha, la), (rha, rla), "args w={w} cut={cut} t={t}");
                }
            }
        }
        // Inconsistent saved states are refused, not trusted.
        let (eh, el) = (Extreme::new(4, true), Extreme::new(4, false));
        assert!(HiLoWindow::<false>::from_extremes(5, 0, &eh, &el).is_err());
        assert!(HiLoWindow::<false>::from_extremes(4, 1, &eh, &el).is_err());
        assert!(HiLoWindow::<false>::from_extremes(4, 0, &el, &eh).is_err());
        assert!(HiLoWindow::<false>::from_extremes(4, 0, &eh, &el).is_ok());
    }

    #[test]
    fn hilo_window_matches_talib_rescans() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for case in 0..400 {
            let n = 1 + usize::try_from(rng.below(300)).unwrap_or(0);
            let nan_rate = [0, 0, 5, 20, 60][case % 5];
            let hi = series(&mut rng, n, nan_rate);
            let lo = series(&mut rng, n, nan_rate);
            let w =
                1 + usize::try_from(rng.below(if case % 3 == 0 { 40 } else { 12 })).unwrap_or(0);
            check::<true>(&hi, &lo, w);
            check::<false>(&hi, &lo, w);
            // Serialized mid-stream state continues identically.
            let mut a = HiLoWindow::<true>::new(w);
            let cut = n / 2;
            for (&h, &l) in hi.iter().zip(&lo).take(cut) {
                a.push(h, l);
            }
            let json = serde_json::to_string(&a).unwrap_or_default();
            let mut b: HiLoWindow<true> = serde_json::from_str(&json).unwrap_or_else(|_| a.clone());
            for (&h, &l) in hi.iter().zip(&lo).skip(cut) {
                let (x, y) = (a.push(h, l), b.push(h, l));
                assert_eq!(format!("{x:?}"), format!("{y:?}"));
            }
        }
    }
}
