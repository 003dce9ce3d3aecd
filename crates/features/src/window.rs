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

/// Doubling passes: leaves in `a` the newest extreme of every window of `s` values of `x`
/// (`a[j]` for `x[j .. j + s]`), `s` the largest power of two `<= w`, and returns whether
/// `x[1..]` holds a NaN. Windows of `2s` values combine two windows of `s`
/// (`m2s[j] = pick(ms[j], ms[j + s])`); each pass keeps the newer value on ties.
#[inline(always)]
fn levels<const MAX: bool>(x: &[f64], w: usize, a: &mut Vec<f64>, b: &mut Vec<f64>) -> bool {
    a.clear();
    if w < 2 {
        a.extend_from_slice(x);
        return x
            .iter()
            .skip(1)
            .fold(0u64, |acc, v| acc | u64::from(v.is_nan()))
            != 0;
    }
    let mut nan = 0u64;
    a.extend(x.iter().zip(x.iter().skip(1)).map(|(&o, &n)| {
        nan |= u64::from(n.is_nan());
        pick::<MAX>(o, n)
    }));
    let mut s = 2;
    while 2 * s <= w {
        b.clear();
        b.extend(
            a.iter()
                .zip(a.iter().skip(s))
                .map(|(&o, &n)| pick::<MAX>(o, n)),
        );
        std::mem::swap(a, b);
        s *= 2;
    }
    nan != 0
}

/// Like [`levels`], also leaving in `d` the offset (an exact small float) of each window's
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

/// One chunk of windows of [`max_min_chunks`]: the extremes of every window of `s` values
/// (`s` the largest power of two `<= w`), which [`Extremes::iter`] combines in pairs.
#[derive(Debug)]
pub(crate) struct Extremes<'a> {
    hi: &'a [f64],
    lo: &'a [f64],
    shift: usize,
}

impl Extremes<'_> {
    /// `(highest high, lowest low)` of each window of the chunk, oldest first: the newest
    /// extreme of two overlapping power-of-two windows.
    #[inline(always)]
    pub(crate) fn iter(&self) -> impl ExactSizeIterator<Item = (f64, f64)> + '_ {
        let sh = self.shift;
        let hi = self.hi.iter().zip(self.hi.iter().skip(sh));
        let lo = self.lo.iter().zip(self.lo.iter().skip(sh));
        hi.zip(lo)
            .map(|((&h0, &h1), (&l0, &l1))| (newer_max(h0, h1), newer_min(l0, l1)))
    }
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
    let shift = w - pow2_floor(w);
    let mut sc: [Vec<f64>; 4] = Default::default();
    let mut first = w - 1;
    while first < n {
        let end = (first + chunk).min(n);
        let [ha, hb, la, lb] = &mut sc;
        let nan_h = levels::<true>(segment(hi, first, w, end), w, ha, hb);
        let nan_l = levels::<false>(segment(lo, first, w, end), w, la, lb);
        if nan_h || nan_l {
            return false;
        }
        f(
            first,
            &Extremes {
                hi: ha,
                lo: la,
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
