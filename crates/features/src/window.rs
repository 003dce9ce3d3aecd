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

/// `a` when `c`, else `b`, as a conditional move: the compiler turns a plain `if` on a
/// float comparison (and even a select written with bit operations, when it is on a loop's
/// dependency chain) into a branch, which these unpredictable choices would mispredict.
#[inline(always)]
fn select(c: bool, a: u64, b: u64) -> u64 {
    std::hint::select_unpredictable(c, a, b)
}

/// A bar or an extreme of both sides as `[high side, −(low side)]`: negating the lows turns
/// their newest minimum into a newest maximum (`newer_min(a, b) = −newer_max(−a, −b)`, bit
/// for bit, NaN and `±0` included), so one operation serves both sides.
type Pair = [f64; 2];

/// The bars of a [`Pair`]'s two extremes.
type Bars = [u64; 2];

/// The sentinel of both sides of a [`Pair`] (`−inf`: the lows' `+inf`, negated).
const PAIR_SENTINEL: Pair = [f64::NEG_INFINITY; 2];

/// [`newer_max`] of both lanes.
#[inline(always)]
fn pair_max(old: Pair, new: Pair) -> Pair {
    let [o0, o1] = old;
    let [n0, n1] = new;
    [newer_max(o0, n0), newer_max(o1, n1)]
}

/// `select(takes_new(old, new), a, b)` of both lanes (the maximum's rule).
#[inline(always)]
fn pair_select(old: Pair, new: Pair, a: Bars, b: Bars) -> Bars {
    let ([o0, o1], [n0, n1], [a0, a1], [b0, b1]) = (old, new, a, b);
    [
        select(takes_new::<true>(o0, n0), a0, b0),
        select(takes_new::<true>(o1, n1), a1, b1),
    ]
}

/// One slot of a block of [`HiLoWindow`]: what the bar at this slot needs, in one place.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Slot {
    /// The bar written at this slot in this block, `[high, −low]`.
    x: Pair,
    /// The newest extremes of the previous block's slots after this one and their bars
    /// (the last slot: the sentinel).
    suf: Pair,
    at: Bars,
}

/// The parts of [`HiLoWindow`] that only its slow path uses, boxed so that the slow path
/// takes them without taking the address of the window (which then stays in registers in
/// the caller's loop).
#[derive(Debug, Clone, PartialEq)]
struct Cold {
    /// Per side (highs, lows): TA-Lib's rescanning scheme itself, run only while a NaN is
    /// in the window (seeded with the window's bars before the NaN).
    slow: [Option<Extreme>; 2],
    /// Per side: the window holds a NaN until (not including) bar `until`.
    until: [u64; 2],
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
///
/// Layout: both sides in one [`Pair`] per value (lows negated), and per slot of the
/// current block the bar written there and the previous block's suffix extremes read
/// there ([`Slot`]), so that a bar writes and reads one place; the two halves of one slot
/// vector swap roles every block. The serialized form is the one of the layout with one
/// struct per side ([`HiLoRepr`]), unchanged.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(into = "HiLoRepr", try_from = "HiLoRepr")]
pub(crate) struct HiLoWindow<const ARG: bool> {
    w: usize,
    /// Bars pushed so far.
    t: u64,
    /// Slot of the next bar in the current block (`w`: the block is full).
    k: usize,
    /// The slots of two blocks: the current block's from `base` (`x` written for slots
    /// `0..k`; `suf`, `at` of the previous block), the previous block's from `w − base` (its
    /// bars in `x`; `suf` and `at` stale, except the last slot's sentinel). The blocks swap
    /// roles by `base` (0 or `w`), so the vector itself never changes.
    slots: Vec<Slot>,
    base: usize,
    /// Newest extreme of the current block's written slots, per side (`pre_lo` negated),
    /// and their bars (sentinels at the start of a block).
    pre_hi: f64,
    pre_lo: f64,
    pre_at: Bars,
    /// The newest extremes of the whole previous block and their bars (kept for the
    /// serialized form only).
    suf0: Pair,
    suf0_at: Bars,
    /// The window holds a NaN until (not including) bar `until` (the later of the sides').
    until: u64,
    cold: Box<Cold>,
}

impl<const ARG: bool> PartialEq for HiLoWindow<ARG> {
    /// Equal serialized forms (the stale slot fields, which no result depends on, do not
    /// count).
    fn eq(&self, other: &Self) -> bool {
        HiLoRepr::from(self) == HiLoRepr::from(other)
    }
}

impl<const ARG: bool> HiLoWindow<ARG> {
    /// A window of `w >= 1` bars.
    pub(crate) fn new(w: usize) -> Self {
        let w = w.max(1);
        // Unwritten slots hold 0.0 on both sides (the lows negated).
        let slot = Slot {
            x: [0.0, -0.0],
            suf: PAIR_SENTINEL,
            at: [0; 2],
        };
        Self {
            w,
            t: 0,
            k: 0,
            slots: vec![slot; 2 * w],
            base: 0,
            pre_hi: f64::NEG_INFINITY,
            pre_lo: f64::NEG_INFINITY,
            pre_at: [0; 2],
            suf0: PAIR_SENTINEL,
            suf0_at: [0; 2],
            until: 0,
            cold: Box::new(Cold {
                slow: [None, None],
                until: [0; 2],
            }),
        }
    }

    /// Back to the state of [`new`](Self::new)`(w)`, inlined: the old state is moved out
    /// and dropped out of line, so that the caller's state is not handed to another
    /// function (and can stay in registers in its loop).
    #[inline]
    pub(crate) fn reset(&mut self, w: usize) {
        drop_outlined(std::mem::replace(self, Self::new(w)));
    }

    /// The current block's slots and the previous block's.
    #[inline(always)]
    fn blocks(&self) -> (&[Slot], &[Slot]) {
        blocks(&self.slots, self.w, self.base)
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
        let [sh, sl] = &mut win.cold.slow;
        if sh.is_some() {
            *sh = Some(hi.clone());
        }
        if sl.is_some() {
            *sl = Some(lo.clone());
        }
        Ok(win)
    }

    /// Pushes bar `t` (the number of bars pushed before) with high `h` and low `l`; returns
    /// `(t, highest high, its bar, lowest low, its bar)` over bars `t + 1 − w ..= t`.
    #[inline(always)]
    pub(crate) fn push(&mut self, h: f64, l: f64) -> (u64, f64, u64, f64, u64) {
        if self.k >= self.w {
            self.roll();
        }
        let (t, k) = (self.t, self.k);
        self.t = t + 1;
        self.k = k + 1;
        let x = [h, -l];
        let (old, old_at) = match self.slots.get_mut(self.base + k) {
            Some(s) => {
                s.x = x;
                (s.suf, s.at)
            }
            None => (PAIR_SENTINEL, [0; 2]),
        };
        let pre = [self.pre_hi, self.pre_lo];
        let [p0, p1] = pair_max(pre, x);
        (self.pre_hi, self.pre_lo) = (p0, p1);
        let [hh, ll] = pair_max(old, [p0, p1]);
        let [ha, la] = if ARG {
            // Selects, not conditional stores (which compile to branches).
            self.pre_at = pair_select(pre, x, [t; 2], self.pre_at);
            pair_select(old, [p0, p1], self.pre_at, old_at)
        } else {
            [0; 2]
        };
        // One test for both sides (`h + l` is also NaN for `±inf ∓ inf`, which the slow
        // path handles like any other bar).
        if (t < self.until) | (h + l).is_nan() {
            let (until, out) = push_slow(
                &mut self.cold,
                blocks(&self.slots, self.w, self.base),
                (t, k),
                [h, l],
                (hh, ha, -ll, la),
            );
            self.until = until;
            return out;
        }
        (t, hh, ha, -ll, la)
    }

    /// Starts a new block (every `w` bars), inlined so that the caller's loop keeps the
    /// state in registers: the closed block's suffix extremes (and their bars when `ARG`)
    /// go to the slots before theirs in the other half of the slot vector, which becomes
    /// the current block's. Branch-free.
    #[inline(always)]
    fn roll(&mut self) {
        let w = self.w as u64;
        let start = self.t.wrapping_sub(w);
        let half = self.w.min(self.slots.len());
        let (a, b) = self.slots.split_at_mut(half);
        let (cur, prev) = if self.base == 0 { (a, b) } else { (b, a) };
        if let Some(last) = cur.last() {
            let mut m = last.x;
            let top = start.wrapping_add(w.wrapping_sub(1));
            let (mut at, mut bar) = ([top; 2], top);
            // Slot `j` of the block closed: the extremes of its slots `j..` go to slot
            // `j − 1` (the older value wins only when strictly better: TA-Lib keeps the
            // newest).
            let dst = prev.iter_mut().rev().skip(1);
            for (v, s) in cur.iter().rev().zip(dst) {
                if ARG {
                    at = pair_select(v.x, m, at, [bar; 2]);
                    s.at = at;
                    bar = bar.wrapping_sub(1);
                }
                m = pair_max(v.x, m);
                s.suf = m;
            }
            if let Some(first) = cur.first() {
                if ARG {
                    self.suf0_at = pair_select(first.x, m, at, [bar; 2]);
                }
                self.suf0 = pair_max(first.x, m);
            }
        }
        self.base = self.w - self.base;
        (self.pre_hi, self.pre_lo) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        self.k = 0;
    }
}

/// Drops `x` out of line (see [`HiLoWindow::reset`]).
#[inline(never)]
fn drop_outlined<T>(x: T) {
    drop(x);
}

/// The current block's slots (from `base`) and the previous block's in `slots`, two
/// blocks of `w`.
#[inline(always)]
fn blocks(slots: &[Slot], w: usize, base: usize) -> (&[Slot], &[Slot]) {
    let (a, b) = slots.split_at(w.min(slots.len()));
    if base == 0 { (a, b) } else { (b, a) }
}

/// The slow path of [`HiLoWindow::push`] for bar `t` (slot `k` of the current block, whose
/// slots are `blocks.0`, the previous block's `blocks.1`) with high and low `hl` and the
/// fast path's results `fast`: a side whose window holds a NaN reports TA-Lib's rescanning
/// state instead. Returns the window's new `until` and the results.
#[cold]
#[inline(never)]
fn push_slow(
    cold: &mut Cold,
    blocks: (&[Slot], &[Slot]),
    (t, k): (u64, usize),
    hl: [f64; 2],
    fast: (f64, u64, f64, u64),
) -> (u64, (u64, f64, u64, f64, u64)) {
    let (mut hh, mut ha, mut ll, mut la) = fast;
    let w = blocks.0.len() as u64;
    let start = t.wrapping_sub(k as u64);
    // Side 0: the highs; side 1: the lows (stored negated).
    let value = |side: usize, bar: u64| -> f64 {
        let slot = if bar >= start {
            blocks
                .0
                .get(usize::try_from(bar - start).unwrap_or(usize::MAX))
        } else {
            let j = bar.wrapping_add(w).wrapping_sub(start);
            blocks.1.get(usize::try_from(j).unwrap_or(usize::MAX))
        };
        match (slot, side) {
            (Some(s), 0) => s.x[0],
            (Some(s), _) => -s.x[1],
            (None, _) => f64::NAN,
        }
    };
    let Cold { slow, until } = cold;
    for (side, ((e, u), x)) in slow.iter_mut().zip(until.iter_mut()).zip(hl).enumerate() {
        if t < *u || x.is_nan() {
            if t > *u || e.is_none() {
                // The window of bar `t − 1` held no NaN: TA-Lib's state there is the same
                // after feeding a fresh scheme that window's bars (its extreme is their
                // newest extreme).
                let mut fresh = Extreme::new(usize::try_from(w).unwrap_or(usize::MAX), side == 0);
                for bar in t.saturating_sub(w)..t {
                    fresh.push(bar, value(side, bar));
                }
                *e = Some(fresh);
            }
            let (at, v) = match e {
                Some(e) => e.push(t, x),
                None => (t, x),
            };
            if x.is_nan() {
                *u = t + w;
            }
            if side == 0 {
                (hh, ha) = (v, at);
            } else {
                (ll, la) = (v, at);
            }
        }
    }
    (until[0].max(until[1]), (t, hh, ha, ll, la))
}

/// One side of [`HiLoWindow`] in its serialized form (the layout with one struct per
/// side: the maximum of the highs or the minimum of the lows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SideRepr {
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

/// [`HiLoWindow`] as serialized (the layout before the slots, unchanged).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct HiLoRepr {
    w: usize,
    t: u64,
    k: usize,
    hi: SideRepr,
    lo: SideRepr,
}

impl<const ARG: bool> From<&HiLoWindow<ARG>> for HiLoRepr {
    fn from(win: &HiLoWindow<ARG>) -> Self {
        let (cur, prev) = win.blocks();
        let side = |i: usize| {
            // Lane `i` of a pair, the lows negated back.
            let lane = move |p: Pair| if i == 0 { p[0] } else { -p[1] };
            let pre = [win.pre_hi, win.pre_lo];
            let suf_at = |s: &Slot| s.at.get(i).copied().unwrap_or(0);
            SideRepr {
                cur: cur.iter().map(|s| lane(s.x)).collect(),
                prev: prev.iter().map(|s| lane(s.x)).collect(),
                suf: std::iter::once(lane(win.suf0))
                    .chain(cur.iter().map(|s| lane(s.suf)))
                    .collect(),
                suf_at: std::iter::once(win.suf0_at.get(i).copied().unwrap_or(0))
                    .chain(cur.iter().map(suf_at))
                    .collect(),
                pre: lane(pre),
                pre_at: win.pre_at.get(i).copied().unwrap_or(0),
                slow: win.cold.slow.get(i).cloned().flatten(),
                until: win.cold.until.get(i).copied().unwrap_or(0),
            }
        };
        Self {
            w: win.w,
            t: win.t,
            k: win.k,
            hi: side(0),
            lo: side(1),
        }
    }
}

impl<const ARG: bool> From<HiLoWindow<ARG>> for HiLoRepr {
    fn from(win: HiLoWindow<ARG>) -> Self {
        Self::from(&win)
    }
}

impl<const ARG: bool> TryFrom<HiLoRepr> for HiLoWindow<ARG> {
    type Error = String;
    fn try_from(r: HiLoRepr) -> std::result::Result<Self, String> {
        let w = r.w;
        let (hi, lo) = (&r.hi, &r.lo);
        let fits = |s: &SideRepr| {
            let w1 = w.checked_add(1);
            s.cur.len() == w
                && s.prev.len() == w
                && Some(s.suf.len()) == w1
                && Some(s.suf_at.len()) == w1
        };
        if w == 0 || r.k > w || !fits(hi) || !fits(lo) {
            return Err(format!(
                "rolling extremes over {w} bars: inconsistent saved state (slot {}, {}/{} values)",
                r.k,
                hi.cur.len(),
                lo.cur.len()
            ));
        }
        let pair = |a: f64, b: f64| [a, -b];
        let slots = |a: &[f64], b: &[f64]| -> Vec<Slot> {
            let (sh, sl) = (
                hi.suf.get(1..).unwrap_or(&[]),
                lo.suf.get(1..).unwrap_or(&[]),
            );
            let (ah, al) = (
                hi.suf_at.get(1..).unwrap_or(&[]),
                lo.suf_at.get(1..).unwrap_or(&[]),
            );
            a.iter()
                .zip(b)
                .zip(sh.iter().zip(sl))
                .zip(ah.iter().zip(al))
                .map(|(((&xh, &xl), (&s0, &s1)), (&a0, &a1))| Slot {
                    x: pair(xh, xl),
                    suf: pair(s0, s1),
                    at: [a0, a1],
                })
                .collect()
        };
        // The previous block's slots carry the same suffixes: stale but for the last
        // slot's sentinel, which both arrays must hold.
        let mut all = slots(&hi.cur, &lo.cur);
        all.extend(slots(&hi.prev, &lo.prev));
        let first = |v: &[f64]| v.first().copied().unwrap_or(f64::NAN);
        let first_at = |v: &[u64]| v.first().copied().unwrap_or(0);
        let until = [hi.until, lo.until];
        Ok(Self {
            w,
            t: r.t,
            k: r.k,
            slots: all,
            base: 0,
            pre_hi: hi.pre,
            pre_lo: -lo.pre,
            pre_at: [hi.pre_at, lo.pre_at],
            suf0: pair(first(&hi.suf), first(&lo.suf)),
            suf0_at: [first_at(&hi.suf_at), first_at(&lo.suf_at)],
            until: until[0].max(until[1]),
            cold: Box::new(Cold {
                slow: [r.hi.slow, r.lo.slow],
                until,
            }),
        })
    }
}

#[cfg(test)]
mod hilo_ref;

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

    /// Runs the contiguous-slot window and the reference layout (one struct per side) side
    /// by side over `hi`, `lo`: every result (values as bits, bars) and every serialized
    /// state is the same, and each one's state, serialized at `cut`, continues in the other
    /// identically.
    fn check_against_reference<const ARG: bool>(hi: &[f64], lo: &[f64], w: usize, cut: usize) {
        use super::hilo_ref::HiLoRef;
        let json = |s: &dyn erased::Json| s.json();
        let (mut a, mut r) = (HiLoWindow::<ARG>::new(w), HiLoRef::<ARG>::new(w));
        let bits = |o: (u64, f64, u64, f64, u64)| (o.0, o.1.to_bits(), o.2, o.3.to_bits(), o.4);
        let mut forks = None;
        for (i, (&h, &l)) in hi.iter().zip(lo).enumerate() {
            if i == cut {
                // Each one's checkpoint restores into the other.
                let (ja, jr) = (json(&a), json(&r));
                assert_eq!(ja, jr, "w={w} cut={cut}");
                let b: HiLoWindow<ARG> = serde_json::from_str(&jr).unwrap_or_else(|_| a.clone());
                let q: HiLoRef<ARG> = serde_json::from_str(&ja).unwrap_or_else(|_| r.clone());
                assert_eq!(json(&b), ja, "w={w} cut={cut}");
                forks = Some((b, q));
            }
            let (x, y) = (a.push(h, l), r.push(h, l));
            assert_eq!(bits(x), bits(y), "w={w} bar {i}");
            if let Some((b, q)) = &mut forks {
                assert_eq!(bits(b.push(h, l)), bits(x), "w={w} cut={cut} bar {i}");
                assert_eq!(bits(q.push(h, l)), bits(x), "w={w} cut={cut} bar {i}");
            }
            assert_eq!(json(&a), json(&r), "w={w} bar {i}");
        }
    }

    /// Serialization as a trait object, for the two layouts.
    mod erased {
        pub(super) trait Json {
            fn json(&self) -> String;
        }
        impl<T: serde::Serialize> Json for T {
            fn json(&self) -> String {
                serde_json::to_string(self).unwrap_or_default()
            }
        }
    }

    /// The contiguous-slot layout gives the reference layout's results and serialized
    /// states, bit for bit, on damaged series (NaN bursts, ±inf, signed zeros, ties, flat
    /// runs, huge values) for every window of 1 to 40 bars, with and without the bars of
    /// the extremes; checkpoints of either restore into the other.
    #[test]
    fn hilo_window_matches_reference_layout() {
        let mut rng = Rng(0x0bad_5eed_1234_5678);
        for w in 1..=40 {
            for case in 0..4 {
                let n = 3 * w + 20 + usize::try_from(rng.below(60)).unwrap_or(0);
                let nan_rate = [0, 4, 12, 40][case];
                let mut hi = series(&mut rng, n, nan_rate);
                let mut lo = series(&mut rng, n, nan_rate);
                if case == 1 {
                    // Flat runs and huge values.
                    for (j, (h, l)) in hi.iter_mut().zip(lo.iter_mut()).enumerate() {
                        if (j / 7) % 3 == 0 {
                            (*h, *l) = (1e308, -1e308);
                        } else if (j / 5) % 4 == 1 {
                            (*h, *l) = (f64::MAX * *h, f64::MIN_POSITIVE * *l);
                        }
                    }
                }
                let cut = usize::try_from(rng.below(n as u64 + 1)).unwrap_or(0);
                check_against_reference::<true>(&hi, &lo, w, cut);
                check_against_reference::<false>(&hi, &lo, w, cut);
            }
        }
    }

    /// `reset` gives the state of `new`, whatever the state before.
    #[test]
    fn hilo_window_reset_is_new() {
        let mut rng = Rng(0x05ee_d0f4_e5e7);
        for w in 1..=17 {
            let hi = series(&mut rng, 5 * w, 6);
            let lo = series(&mut rng, 5 * w, 6);
            for cut in [0, 1, w, 2 * w + 1, 5 * w] {
                let mut a = HiLoWindow::<true>::new(w);
                let mut b = HiLoWindow::<false>::new(w);
                for (&h, &l) in hi.iter().zip(&lo).take(cut) {
                    a.push(h, l);
                    b.push(h, l);
                }
                a.reset(w);
                b.reset(w + 1);
                let json = |x: &dyn erased::Json| x.json();
                assert_eq!(
                    json(&a),
                    json(&HiLoWindow::<true>::new(w)),
                    "w={w} cut={cut}"
                );
                assert_eq!(
                    json(&b),
                    json(&HiLoWindow::<false>::new(w + 1)),
                    "w={w} cut={cut}"
                );
            }
        }
    }

    /// A serialized window whose parts do not fit together is refused, not trusted.
    #[test]
    fn hilo_window_refuses_inconsistent_states() {
        let mut a = HiLoWindow::<true>::new(3);
        for x in [1.0, 2.0, 0.5, 4.0] {
            a.push(x, -x);
        }
        let json = serde_json::to_string(&a).unwrap_or_default();
        let Ok(good) = serde_json::from_str::<serde_json::Value>(&json) else {
            panic!("{json}");
        };
        assert!(serde_json::from_value::<HiLoWindow<true>>(good.clone()).is_ok());
        let bad = |f: &dyn Fn(&mut serde_json::Value)| {
            let mut v = good.clone();
            f(&mut v);
            serde_json::from_value::<HiLoWindow<true>>(v).is_err()
        };
        assert!(bad(&|v| v["w"] = 0.into()));
        assert!(bad(&|v| v["w"] = 4.into()));
        assert!(bad(&|v| v["k"] = 4.into()));
        assert!(bad(&|v| v["hi"]["cur"] = serde_json::json!([0, 0])));
        assert!(bad(&|v| v["lo"]["suf"] = serde_json::json!([0, 0, 0])));
        assert!(bad(
            &|v| v["lo"]["suf_at"] = serde_json::json!([0, 0, 0, 0, 0])
        ));
        assert!(bad(&|v| v["hi"]["prev"] = serde_json::json!([])));
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
