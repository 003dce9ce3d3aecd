//! Two-sample Kolmogorov–Smirnov test, equal to scipy 1.17 `ks_2samp(..., alternative="two-sided")`.

use serde::{Deserialize, Serialize};

use super::kolmogorov::kstwo_sf;
use crate::error::{Result, check_sample};

/// How the KS p-value is computed (scipy's `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum KsMethod {
    /// `exact` when `max(n1, n2) <= 10_000`, otherwise `asymp` (scipy's rule).
    #[default]
    Auto,
    /// Exact null distribution (falls back to `asymp` where scipy does: lcm too large or the
    /// computation leaves [0, 1]).
    Exact,
    /// `kstwo.sf(D, round(n1·n2/(n1+n2)))`.
    Asymp,
}

/// Result of [`ks_2samp`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KsResult {
    /// `D = sup |F1 − F2|` (with the exact method, rounded to a multiple of `1/lcm(n1, n2)` as
    /// scipy does).
    pub statistic: f64,
    /// Two-sided p-value. NaN only in scipy's degenerate case `n1 = n2 = 1` with the
    /// asymptotic method (`kstwo` with `n = round(0.5) = 0`).
    pub pvalue: f64,
    /// The data value where `D` is attained (scipy's `statistic_location`).
    pub location: f64,
    /// `+1` if `F1 − F2` is maximal there, `−1` if `F2 − F1` is (scipy's `statistic_sign`).
    pub sign: i8,
    /// The method actually used.
    pub method: KsMethod,
}

/// Sorts both samples (in parallel for large inputs).
fn sort_pair(a: &[f64], b: &[f64]) -> (Vec<f64>, Vec<f64>) {
    if a.len() + b.len() > 20_000 {
        rayon::join(|| crate::util::sorted(a), || crate::util::sorted(b))
    } else {
        (crate::util::sorted(a), crate::util::sorted(b))
    }
}

/// KS statistic parts from sorted samples: `(min diff, its location, max diff, its location)`,
/// where the diff is `F1 − F2` evaluated at every pooled value and ties in the arg-extrema are
/// resolved as numpy's `argmin`/`argmax` over `concatenate([a, b])` do.
///
/// One merged pass (a point that occurs in both samples counts for both, as in the reference).
/// The running difference is tracked exactly as the integer
/// `K = i·n2 − j·n1` (so `F1 − F2 = K/(n1·n2)`), which orders the pooled points exactly as the
/// floating-point `i/n1 − j/n2` that scipy computes does, as long as distinct values of `K` stay
/// further apart than the rounding error (`1/(n1·n2) > 6.7e-16`, checked; otherwise
/// [`ks_extrema_sorted_float`] runs). Where `K` ties the running extremum, the floating-point
/// values decide, as in scipy. Branches taken per element are limited to the (rare) new extrema.
pub(crate) fn ks_extrema_sorted(a: &[f64], b: &[f64]) -> (f64, f64, f64, f64) {
    let (n1, n2) = (a.len(), b.len());
    if (n1 as f64) * (n2 as f64) > (1u64 << 48) as f64 {
        return ks_extrema_sorted_float(a, b);
    }
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let (n1k, n2k) = (n1 as i64, n2 as i64);
    let fdiff = |i: usize, j: usize| i as f64 / n1f - j as f64 / n2f;
    // (K, float diff, location) of the best point that occurs in a / only in b
    let (mut max_a, mut max_a_d, mut max_a_loc) = (i64::MIN, f64::NEG_INFINITY, f64::NAN);
    let (mut min_a, mut min_a_d, mut min_a_loc) = (i64::MAX, f64::INFINITY, f64::NAN);
    let (mut max_b, mut max_b_d, mut max_b_loc) = (i64::MIN, f64::NEG_INFINITY, f64::NAN);
    let (mut min_b, mut min_b_d, mut min_b_loc) = (i64::MAX, f64::INFINITY, f64::NAN);
    let at = |xs: &[f64], i: usize| if i < xs.len() { xs[i] } else { f64::INFINITY };
    let (mut i, mut j, mut k) = (0usize, 0usize, 0i64);
    let (mut grp_a, mut grp_b) = (false, false);
    for _ in 0..n1 + n2 {
        let (x, y) = (at(a, i), at(b, j));
        // arithmetic instead of branches: which sample is next is a coin flip
        let ta = usize::from(x <= y);
        let v = x.min(y);
        i += ta;
        j += 1 - ta;
        k += (ta as i64) * (n1k + n2k) - n1k;
        grp_a |= ta == 1;
        grp_b |= ta == 0;
        let next = at(a, i).min(at(b, j));
        if next == v {
            continue; // a tie continues: F1 − F2 is evaluated after the last equal value
        }
        if grp_a && k >= max_a {
            let d = fdiff(i, j);
            if k > max_a || d > max_a_d {
                (max_a, max_a_d, max_a_loc) = (k, d, v);
            }
        }
        if grp_a && k <= min_a {
            let d = fdiff(i, j);
            if k < min_a || d < min_a_d {
                (min_a, min_a_d, min_a_loc) = (k, d, v);
            }
        }
        if grp_b && k >= max_b {
            let d = fdiff(i, j);
            if k > max_b || d > max_b_d {
                (max_b, max_b_d, max_b_loc) = (k, d, v);
            }
        }
        if grp_b && k <= min_b {
            let d = fdiff(i, j);
            if k < min_b || d < min_b_d {
                (min_b, min_b_d, min_b_loc) = (k, d, v);
            }
        }
        grp_a = false;
        grp_b = false;
    }
    combine(
        (max_a_d, max_a_loc),
        (min_a_d, min_a_loc),
        (max_b_d, max_b_loc),
        (min_b_d, min_b_loc),
    )
}

/// [`ks_extrema_sorted`] on the output of [`crate::util::radix_sorted_joint_in`]: the pooled
/// sample sorted once, with a tag per element saying which sample it came from. The keys need
/// only be sorted by `key >> low` (`low < 64`; `0` for fully sorted keys): the walk sorts each
/// run of equal prefixes on the full key when it reaches it. Same results as
/// [`ks_extrema_sorted`] (the same integer tracking and floating-point tie-breaks); the walk is
/// sequential.
pub(crate) fn ks_extrema_joint(
    keys: &mut [u64],
    tags: &mut [bool],
    low: u32,
    n1: usize,
    n2: usize,
) -> (f64, f64, f64, f64) {
    use crate::util::unkey;
    if (n1 as f64) * (n2 as f64) > (1u64 << 48) as f64 {
        crate::util::sort_prefix_runs(keys, tags, low);
        let (mut a, mut b) = (Vec::with_capacity(n1), Vec::with_capacity(n2));
        for (&k, &t) in keys.iter().zip(tags.iter()) {
            if t { &mut b } else { &mut a }.push(unkey(k));
        }
        return ks_extrema_sorted_float(&a, &b);
    }
    // keys of -0.0 and +0.0: adjacent, different keys of equal values
    const NEG_ZERO: u64 = !(1 << 63);
    const POS_ZERO: u64 = 1 << 63;
    // K steps by +n2 for a value of a, by −n1 for a value of b
    let (step_a, step_b) = (n2 as i64, -(n1 as i64));
    let mut best = JointBest::new(n1, n2);
    // running K = i·n2 − j·n1 after t + 1 values (i from a, j from b)
    let mut k = 0i64;
    // the current group of equal values: its first key and whether a / b occur in it
    let (mut in_group, mut vk, mut g_a, mut g_b) = (false, 0u64, false, false);
    let len = keys.len().min(tags.len());
    let mut sorted_to = 0; // keys[..sorted_to] are in their final order
    for t in 0..len {
        let mut kt = keys[t];
        let mut next = if t + 1 < len { keys[t + 1] } else { !kt };
        if (kt ^ next) >> low == 0 || kt == NEG_ZERO {
            // rare for continuous data: a run of equal prefixes, or a tie
            if (kt ^ next) >> low == 0 && t >= sorted_to {
                sorted_to = crate::util::sort_run_at(keys, tags, low, t);
                (kt, next) = (keys[t], keys[t + 1]);
            } else if kt == NEG_ZERO && t + 1 < len && t + 1 >= sorted_to {
                // +0.0 (equal to -0.0) heads its run once that is sorted: sort it now
                sorted_to = crate::util::sort_run_at(keys, tags, low, t + 1);
                next = keys[t + 1];
            }
            if t + 1 < len && (next == kt || (kt == NEG_ZERO && next == POS_ZERO)) {
                // a tie continues: F1 − F2 is evaluated after the last equal value
                let ta = !tags[t];
                k += std::hint::select_unpredictable(ta, step_a, step_b);
                if !in_group {
                    (in_group, vk) = (true, kt);
                }
                g_a |= ta;
                g_b |= !ta;
                continue;
            }
        }
        let ta = !tags[t];
        // which sample a value comes from is a coin flip: no branches on it
        k += std::hint::select_unpredictable(ta, step_a, step_b);
        let ga = g_a | ta;
        let gb = g_b | !ta;
        let hit = (ga & ((k >= best.max_a) | (k <= best.min_a)))
            | (gb & ((k >= best.max_b) | (k <= best.min_b)));
        if hit {
            let loc_key = if in_group { vk } else { kt };
            best.record(ga, gb, k, t + 1, loc_key);
        }
        (in_group, g_a, g_b) = (false, false, false);
    }
    combine(
        (best.max_a_d, best.max_a_loc),
        (best.min_a_d, best.min_a_loc),
        (best.max_b_d, best.max_b_loc),
        (best.min_b_d, best.min_b_loc),
    )
}

/// Running extrema of [`ks_extrema_joint`]: `K`, the floating-point difference and the
/// location of the best point that occurs in a / only in b.
struct JointBest {
    n1: usize,
    n2: usize,
    max_a: i64,
    min_a: i64,
    max_b: i64,
    min_b: i64,
    max_a_d: f64,
    min_a_d: f64,
    max_b_d: f64,
    min_b_d: f64,
    max_a_loc: f64,
    min_a_loc: f64,
    max_b_loc: f64,
    min_b_loc: f64,
}

impl JointBest {
    fn new(n1: usize, n2: usize) -> Self {
        Self {
            n1,
            n2,
            max_a: i64::MIN,
            min_a: i64::MAX,
            max_b: i64::MIN,
            min_b: i64::MAX,
            max_a_d: f64::NEG_INFINITY,
            min_a_d: f64::INFINITY,
            max_b_d: f64::NEG_INFINITY,
            min_b_d: f64::INFINITY,
            max_a_loc: f64::NAN,
            min_a_loc: f64::NAN,
            max_b_loc: f64::NAN,
            min_b_loc: f64::NAN,
        }
    }

    /// A group (containing a value of a iff `ga`, of b iff `gb`) ends after `seen` pooled
    /// values with running `K = k`, at the value with key `loc_key`. Where `K` ties the running
    /// extremum, the floating-point `i/n1 − j/n2` decides, as in scipy.
    #[cold]
    #[inline(never)]
    fn record(&mut self, ga: bool, gb: bool, k: i64, seen: usize, loc_key: u64) {
        let (n1, n2) = (self.n1 as i64, self.n2 as i64);
        // K = i·n2 − j·n1 with j = seen − i  =>  i = (K + seen·n1) / (n1 + n2), exactly
        let i = (k + seen as i64 * n1) / (n1 + n2);
        let j = seen as i64 - i;
        let d = i as f64 / n1 as f64 - j as f64 / n2 as f64;
        let loc = crate::util::unkey(loc_key);
        if ga && k >= self.max_a && (k > self.max_a || d > self.max_a_d) {
            (self.max_a, self.max_a_d, self.max_a_loc) = (k, d, loc);
        }
        if ga && k <= self.min_a && (k < self.min_a || d < self.min_a_d) {
            (self.min_a, self.min_a_d, self.min_a_loc) = (k, d, loc);
        }
        if gb && k >= self.max_b && (k > self.max_b || d > self.max_b_d) {
            (self.max_b, self.max_b_d, self.max_b_loc) = (k, d, loc);
        }
        if gb && k <= self.min_b && (k < self.min_b || d < self.min_b_d) {
            (self.min_b, self.min_b_d, self.min_b_loc) = (k, d, loc);
        }
    }
}

/// numpy takes the first occurrence in `concatenate([a, b])`: a's points win ties.
fn combine(
    max_a: (f64, f64),
    min_a: (f64, f64),
    max_b: (f64, f64),
    min_b: (f64, f64),
) -> (f64, f64, f64, f64) {
    let (max, max_loc) = if max_a.0 >= max_b.0 { max_a } else { max_b };
    let (min, min_loc) = if min_a.0 <= min_b.0 { min_a } else { min_b };
    (min, min_loc, max, max_loc)
}

/// [`ks_extrema_sorted`] in floating point throughout (the reference implementation; used for huge
/// samples, and in tests as the oracle).
/// where the diff is `F1 − F2` evaluated at every pooled value and ties in the arg-extrema are
/// resolved as numpy's `argmin`/`argmax` over `concatenate([a, b])` do.
pub(crate) fn ks_extrema_sorted_float(a: &[f64], b: &[f64]) -> (f64, f64, f64, f64) {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    // best over points that occur in a, and over points that occur only in b
    let (mut max_a, mut max_a_loc) = (f64::NEG_INFINITY, f64::NAN);
    let (mut min_a, mut min_a_loc) = (f64::INFINITY, f64::NAN);
    let (mut max_b, mut max_b_loc) = (f64::NEG_INFINITY, f64::NAN);
    let (mut min_b, mut min_b_loc) = (f64::INFINITY, f64::NAN);
    while i < a.len() || j < b.len() {
        let v = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => break,
        };
        let i0 = i;
        let j0 = j;
        while i < a.len() && a[i] <= v {
            i += 1;
        }
        while j < b.len() && b[j] <= v {
            j += 1;
        }
        let d = i as f64 / n1 - j as f64 / n2;
        if i > i0 {
            if d > max_a {
                max_a = d;
                max_a_loc = v;
            }
            if d < min_a {
                min_a = d;
                min_a_loc = v;
            }
        }
        if j > j0 {
            if d > max_b {
                max_b = d;
                max_b_loc = v;
            }
            if d < min_b {
                min_b = d;
                min_b_loc = v;
            }
        }
    }
    // numpy takes the first occurrence in concatenate([a, b]): a's points win ties
    let (max, max_loc) = if max_a >= max_b {
        (max_a, max_a_loc)
    } else {
        (max_b, max_b_loc)
    };
    let (min, min_loc) = if min_a <= min_b {
        (min_a, min_a_loc)
    } else {
        (min_b, min_b_loc)
    };
    (min, min_loc, max, max_loc)
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Proportion of lattice paths leaving the band `|x − y| < h` for `n1 = n2 = n` (scipy's
/// `_compute_prob_outside_square`).
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    let (nf, hf) = (n as f64, h as f64);
    while k >= 0 {
        let kf = k as f64;
        let mut p1 = 1.0;
        for j in 0..h {
            let jf = j as f64;
            p1 = (nf - kf * hf - jf) * p1 / (nf + kf * hf + jf + 1.0);
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// 1 − proportion of lattice paths staying strictly inside the band (scipy's
/// `_compute_outer_prob_inside_method`, Viehmann's stable recursion).
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = (m / g, n / g);
    let (hf, mgf, ngf) = (h as f64, mg as f64, ng as f64);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((hf / mgf).ceil() as i64).min(n as i64 + 1);
    let mut curlen = maxj - minj;
    let len_a = ((2 * maxj + 2) as usize).min(n as usize + 1);
    let mut a = vec![1.0_f64; len_a];
    for v in a.iter_mut().take(maxj.max(0) as usize) {
        *v = 0.0;
    }
    for i in 1..=m {
        let fi = i as f64;
        let (lastminj, lastlen) = (minj, curlen);
        minj = (((ngf * fi - hf) / mgf).floor() as i64 + 1).max(0);
        minj = minj.min(n as i64);
        maxj = (((ngf * fi + hf) / mgf).ceil() as i64).min(n as i64 + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = (jj + minj) as f64;
            let idx = (jj + minj - lastminj) as usize;
            let prev = a.get(idx).copied().unwrap_or(1.0);
            val = (prev * fi + val * j) / (fi + j);
            if let Some(slot) = a.get_mut(jj as usize) {
                *slot = val;
            }
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            let start = (maxj - minj) as usize;
            let end = (start + (lastlen - curlen) as usize).min(a.len());
            for v in a.iter_mut().take(end).skip(start) {
                *v = 1.0;
            }
        }
    }
    a.get((maxj - minj - 1) as usize)
        .copied()
        .unwrap_or(f64::NAN)
}

/// Two-sided two-sample Kolmogorov–Smirnov test, numerically equal to scipy 1.17
/// `ks_2samp(a, b, method=...)`: the same statistic (incl. its location and sign and the
/// rounding to `h/lcm` under the exact method), the same exact/asymptotic choice
/// (`auto` → exact iff `max(n1, n2) <= 10_000`) and the same p-values. Ties are handled as scipy
/// does: the ECDFs are evaluated with `side='right'` and the exact p-value still uses the
/// continuous-null distribution (conservative with ties).
///
/// # Errors
/// [`crate::Error::Empty`] for an empty sample, [`crate::Error::NonFinite`] for NaN/inf.
pub fn ks_2samp(a: &[f64], b: &[f64], method: KsMethod) -> Result<KsResult> {
    check_sample("first sample", a)?;
    check_sample("second sample", b)?;
    if a.len() + b.len() > 20_000 {
        // bucket counts bound the running difference; only the few buckets that can hold an
        // extremum are sorted and walked (see `ks_extrema_bucketed`)
        let ext = BUCKET_BUFFERS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut bufs) => ks_extrema_bucketed(a, b, &mut bufs),
            Err(_) => ks_extrema_bucketed(a, b, &mut BucketBuffers::default()),
        });
        if let Some(ext) = ext {
            return Ok(ks_from_extrema(a.len(), b.len(), ext, method));
        }
        // skewed data (or huge samples): one joint radix sort and a sequential walk
        let ext = crate::util::JOINT_BUFFERS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut bufs) => joint_extrema(a, b, &mut bufs),
            // re-entered on this thread (not expected): use fresh buffers
            Err(_) => joint_extrema(a, b, &mut crate::util::JointBuffers::default()),
        });
        return Ok(ks_from_extrema(a.len(), b.len(), ext, method));
    }
    let (sa, sb) = sort_pair(a, b);
    Ok(ks_2samp_sorted(&sa, &sb, method))
}

/// Reusable buffers of [`ks_extrema_bucketed`] (a call allocates nothing large once they
/// have grown).
#[derive(Debug, Default)]
pub(crate) struct BucketBuffers {
    /// Per bucket: values of `a` (later: candidate slot + 1, or 0).
    count_a: Vec<u32>,
    /// Per bucket: values of `b`.
    count_b: Vec<u32>,
    /// Per candidate bucket: values of `a` and of `b` in all buckets before it.
    starts: Vec<(i64, i64)>,
    /// Candidate values: (order-preserving key, `slot << 1 | tag`), tag 1 = from `b`.
    cands: Vec<(u64, u32)>,
}

thread_local! {
    /// Per-thread [`BucketBuffers`] for the KS test.
    static BUCKET_BUFFERS: std::cell::RefCell<BucketBuffers> =
        std::cell::RefCell::new(BucketBuffers::default());
}

/// Smallest and largest value of `xs` (non-empty, finite).
fn min_max(xs: &[f64]) -> (f64, f64) {
    let mut lo = [f64::INFINITY; 4];
    let mut hi = [f64::NEG_INFINITY; 4];
    let mut chunks = xs.chunks_exact(4);
    for c in &mut chunks {
        for l in 0..4 {
            lo[l] = if c[l] < lo[l] { c[l] } else { lo[l] };
            hi[l] = if c[l] > hi[l] { c[l] } else { hi[l] };
        }
    }
    for &x in chunks.remainder() {
        lo[0] = if x < lo[0] { x } else { lo[0] };
        hi[0] = if x > hi[0] { x } else { hi[0] };
    }
    (
        lo[0].min(lo[1]).min(lo[2].min(lo[3])),
        hi[0].max(hi[1]).max(hi[2].max(hi[3])),
    )
}

/// [`ks_extrema_sorted`] without sorting the samples, for large unsorted samples (finite,
/// non-empty); `None` when the data are too concentrated for it to pay off (or
/// `n1·n2 > 2^48`), then the caller sorts.
///
/// The values are counted in `B ≈ (n1 + n2)/4` buckets by `⌊(x − min)·(B − 1)/(max − min)⌋`,
/// a non-decreasing function of `x` in floating point (so equal values share a bucket and
/// every value of a bucket is below every value of a later one); if that leaves too many
/// candidates (skewed data), by equal ranges of the order-preserving integer keys instead
/// (about equal shares of each binade). From the counts, the exact
/// integer `K = i·n2 − j·n1` is known at every bucket boundary, and inside a bucket with `ca`
/// values of `a` and `cb` of `b` that starts at `K0`, `K` stays within
/// `[K0 − cb·n1, K0 + ca·n2]`. The value after a bucket's last value is a group end, so the
/// largest (smallest) `K` at a bucket end is attained; a bucket whose upper (lower) limit
/// does not reach it cannot hold a point with the extreme `K`. Only the values of the
/// remaining buckets (for continuous data a few hundred) are sorted and walked, from their
/// buckets' exact starting counts, with the tie rules of [`ks_extrema_sorted`]; the result
/// depends only on the points with the extreme `K` (a point with a smaller `K` has a smaller
/// floating-point difference, see there), so it is the same, bit for bit.
pub(crate) fn ks_extrema_bucketed(
    a: &[f64],
    b: &[f64],
    bufs: &mut BucketBuffers,
) -> Option<(f64, f64, f64, f64)> {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 || (n1 as f64) * (n2 as f64) > (1u64 << 48) as f64 {
        return None;
    }
    let ((lo_a, hi_a), (lo_b, hi_b)) = (min_max(a), min_max(b));
    let (lo, hi) = (lo_a.min(lo_b), hi_a.max(hi_b));
    let range = hi - lo;
    if range.is_nan() || range <= 0.0 {
        return None; // all values equal
    }
    let n = n1 + n2;
    let nb = (n / 4).clamp(1024, 1 << 20);
    let last = nb - 1;
    let scale = (nb - 1) as f64 / range;
    if range.is_finite() && scale > 0.0 && scale.is_finite() {
        // buckets of equal width: non-decreasing in x (subtraction, multiplication by a
        // positive constant and the saturating conversion are all monotone)
        // (`(x − lo)·scale ≥ 0`, so the cheaper signed conversion gives the same index)
        let bucket = |x: f64| (((x - lo) * scale) as i64 as usize).min(last);
        if let Some(ext) = bucketed_with(a, b, bufs, nb, bucket) {
            return Some(ext);
        }
    }
    // skewed data (most values in a few equal-width buckets): buckets of equal width in the
    // order-preserving keys, i.e. about equal shares of every binade; `x + 0.0` maps -0.0 to
    // +0.0 so that equal values share a bucket
    let (klo, khi) = (crate::util::key(lo + 0.0), crate::util::key(hi + 0.0));
    let shift = 64 - ((khi - klo) / nb as u64).leading_zeros();
    let bucket = |x: f64| (((crate::util::key(x + 0.0) - klo) >> shift) as usize).min(last);
    bucketed_with(a, b, bufs, nb, bucket)
}

/// [`ks_extrema_bucketed`] with `nb` buckets given by `bucket`, a non-decreasing map of the
/// values into `0..nb` under which equal values share a bucket.
#[inline(always)]
fn bucketed_with(
    a: &[f64],
    b: &[f64],
    bufs: &mut BucketBuffers,
    nb: usize,
    bucket: impl Fn(f64) -> usize,
) -> Option<(f64, f64, f64, f64)> {
    let (n1, n2) = (a.len(), b.len());
    let n = n1 + n2;
    let BucketBuffers {
        count_a,
        count_b,
        starts,
        cands,
    } = bufs;
    count_a.clear();
    count_a.resize(nb, 0);
    count_b.clear();
    count_b.resize(nb, 0);
    // slices of known length `nb`: no reloads of the vectors' fields, no bounds checks
    let (ca, cb) = (&mut count_a[..nb], &mut count_b[..nb]);
    for &x in a {
        ca[bucket(x)] += 1;
    }
    for &x in b {
        cb[bucket(x)] += 1;
    }
    let (n1k, n2k) = (n1 as i64, n2 as i64);
    // extreme K at bucket ends (attained: the last value of a bucket ends its group)
    let (mut kmax, mut kmin) = (i64::MIN, i64::MAX);
    let mut k = 0i64;
    for (&na, &nb_) in ca.iter().zip(cb.iter()) {
        k += i64::from(na) * n2k - i64::from(nb_) * n1k;
        kmax = kmax.max(k);
        kmin = kmin.min(k);
    }
    // candidate buckets: those whose range of K reaches an extreme; count_a becomes the
    // candidate slot + 1 (0: not a candidate)
    starts.clear();
    let (mut i, mut j) = (0i64, 0i64);
    let mut n_cands = 0usize;
    let limit = n / 16;
    for (slot, &nb_) in ca.iter_mut().zip(cb.iter()) {
        let (cai, cbi) = (i64::from(*slot), i64::from(nb_));
        let k0 = i * n2k - j * n1k;
        let cand = (cai + cbi > 0) & ((k0 + cai * n2k >= kmax) | (k0 - cbi * n1k <= kmin));
        if cand {
            starts.push((i, j));
            n_cands += (cai + cbi) as usize;
            if n_cands > limit {
                return None;
            }
            *slot = u32::try_from(starts.len()).ok()?;
        } else {
            *slot = 0;
        }
        i += cai;
        j += cbi;
    }
    cands.clear();
    for (xs, tag) in [(a, 0u32), (b, 1u32)] {
        for &x in xs {
            let c = ca[bucket(x)];
            if c != 0 {
                cands.push((crate::util::key(x), ((c - 1) << 1) | tag));
            }
        }
    }
    cands.sort_unstable_by_key(|c| c.0);
    let (n1f, n2f) = (n1 as f64, n2 as f64);
    let (mut max_a, mut max_a_d, mut max_a_loc) = (i64::MIN, f64::NEG_INFINITY, f64::NAN);
    let (mut min_a, mut min_a_d, mut min_a_loc) = (i64::MAX, f64::INFINITY, f64::NAN);
    let (mut max_b, mut max_b_d, mut max_b_loc) = (i64::MIN, f64::NEG_INFINITY, f64::NAN);
    let (mut min_b, mut min_b_d, mut min_b_loc) = (i64::MAX, f64::INFINITY, f64::NAN);
    let mut slot = u32::MAX;
    let (mut i, mut j) = (0i64, 0i64);
    let mut t = 0;
    while t < cands.len() {
        let (kv, st) = cands[t];
        if st >> 1 != slot {
            slot = st >> 1;
            (i, j) = *starts.get(slot as usize)?;
        }
        // one group of equal values (equal values share a bucket and are adjacent here;
        // -0.0 and +0.0 are equal, and the group's first key gives its location)
        let v = crate::util::unkey(kv);
        let (mut ga, mut gb) = (false, false);
        while t < cands.len() && crate::util::unkey(cands[t].0) == v {
            let from_b = cands[t].1 & 1 == 1;
            i += i64::from(!from_b);
            j += i64::from(from_b);
            ga |= !from_b;
            gb |= from_b;
            t += 1;
        }
        let k = i * n2k - j * n1k;
        let d = i as f64 / n1f - j as f64 / n2f;
        if ga && k >= max_a && (k > max_a || d > max_a_d) {
            (max_a, max_a_d, max_a_loc) = (k, d, v);
        }
        if ga && k <= min_a && (k < min_a || d < min_a_d) {
            (min_a, min_a_d, min_a_loc) = (k, d, v);
        }
        if gb && k >= max_b && (k > max_b || d > max_b_d) {
            (max_b, max_b_d, max_b_loc) = (k, d, v);
        }
        if gb && k <= min_b && (k < min_b || d < min_b_d) {
            (min_b, min_b_d, min_b_loc) = (k, d, v);
        }
    }
    Some(combine(
        (max_a_d, max_a_loc),
        (min_a_d, min_a_loc),
        (max_b_d, max_b_loc),
        (min_b_d, min_b_loc),
    ))
}

/// [`ks_extrema_joint`] of the joint radix sort of `a` and `b` in `bufs`.
fn joint_extrema(
    a: &[f64],
    b: &[f64],
    bufs: &mut crate::util::JointBuffers,
) -> (f64, f64, f64, f64) {
    let low = crate::util::radix_sorted_joint_in(a, b, bufs);
    ks_extrema_joint(&mut bufs.keys, &mut bufs.tags, low, a.len(), b.len())
}

/// [`ks_2samp`] on samples the caller has already sorted ascending (e.g. a reference sample
/// that is compared against many current samples: sort it once). Same results as
/// [`ks_2samp`] on the unsorted data.
///
/// # Errors
/// [`crate::Error::Empty`] for an empty sample, [`crate::Error::NonFinite`] for NaN/inf,
/// [`crate::Error::InvalidParameter`] if a sample is not sorted ascending.
pub fn ks_2samp_presorted(a: &[f64], b: &[f64], method: KsMethod) -> Result<KsResult> {
    check_sample("first sample", a)?;
    check_sample("second sample", b)?;
    for (what, xs) in [("first sample", a), ("second sample", b)] {
        if let Some(i) = xs.windows(2).position(|w| w[0] > w[1]) {
            return Err(crate::error::invalid(
                "sorted sample",
                format!("{what}[{i}] = {} > [{}] = {}", xs[i], i + 1, xs[i + 1]),
                "ks_2samp_presorted needs samples sorted ascending",
            ));
        }
    }
    Ok(ks_2samp_sorted(a, b, method))
}

/// [`ks_2samp`] on samples already sorted ascending, non-empty and finite (not checked).
pub(crate) fn ks_2samp_sorted(a: &[f64], b: &[f64], method: KsMethod) -> KsResult {
    ks_from_extrema(a.len(), b.len(), ks_extrema_sorted(a, b), method)
}

/// The test from the extrema of `F1 − F2` (see [`ks_extrema_sorted`]).
fn ks_from_extrema(
    n1: usize,
    n2: usize,
    (min, min_loc, max, max_loc): (f64, f64, f64, f64),
    method: KsMethod,
) -> KsResult {
    let (n1, n2) = (n1 as u64, n2 as u64);
    let min_s = (-min).clamp(0.0, 1.0);
    let max_s = max;
    let (mut d, location, sign) = if min_s > max_s {
        (min_s, min_loc, -1)
    } else {
        (max_s, max_loc, 1)
    };
    let g = gcd(n1, n2);
    let (n1g, n2g) = (n1 / g, n2 / g);
    let mut mode = match method {
        KsMethod::Auto => {
            if n1.max(n2) <= 10_000 {
                KsMethod::Exact
            } else {
                KsMethod::Asymp
            }
        }
        KsMethod::Exact => {
            if n1g as f64 >= f64::from(i32::MAX) / n2g as f64 {
                KsMethod::Asymp
            } else {
                KsMethod::Exact
            }
        }
        KsMethod::Asymp => KsMethod::Asymp,
    };
    let mut prob = f64::NEG_INFINITY;
    if mode == KsMethod::Exact {
        let lcm = (n1g * n2) as f64;
        let h = (d * lcm).round_ties_even();
        d = h / lcm;
        if h == 0.0 {
            prob = 1.0;
        } else {
            let hu = h as u64;
            let p = if n1 == n2 {
                prob_outside_square(n1, hu)
            } else {
                outer_prob_inside(n1, n2, g, hu)
            };
            if (0.0..=1.0).contains(&p) {
                prob = p;
            } else {
                mode = KsMethod::Asymp;
            }
        }
    }
    if mode == KsMethod::Asymp {
        let (m, n) = if n1 >= n2 {
            (n1 as f64, n2 as f64)
        } else {
            (n2 as f64, n1 as f64)
        };
        let en = m * n / (m + n);
        let nn = en.round_ties_even() as u64;
        // scipy: kstwo with n = 0 (only n1 = n2 = 1) is an invalid shape parameter -> NaN
        prob = if nn == 0 {
            f64::NAN
        } else if d <= 0.0 {
            1.0
        } else {
            kstwo_sf(nn, d)
        };
    }
    KsResult {
        statistic: d,
        pvalue: if prob.is_nan() {
            prob
        } else {
            prob.clamp(0.0, 1.0)
        },
        location,
        sign,
        method: mode,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]
    use super::*;
    use proptest::prelude::*;

    fn same(a: (f64, f64, f64, f64), b: (f64, f64, f64, f64)) -> bool {
        let bits =
            |t: (f64, f64, f64, f64)| [t.0.to_bits(), t.1.to_bits(), t.2.to_bits(), t.3.to_bits()];
        bits(a) == bits(b)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// The integer-tracked merge equals the floating-point one bit for bit, with ties.
        #[test]
        fn integer_merge_equals_float_merge(
            mut a in proptest::collection::vec(-20i32..20, 1..300),
            mut b in proptest::collection::vec(-20i32..20, 1..300),
            scale in prop_oneof![Just(1.0), Just(0.1), Just(1e-300), Just(3.7e10)],
        ) {
            a.sort_unstable();
            b.sort_unstable();
            let fa: Vec<f64> = a.iter().map(|&x| f64::from(x) * scale).collect();
            let fb: Vec<f64> = b.iter().map(|&x| f64::from(x) * scale).collect();
            prop_assert!(same(ks_extrema_sorted(&fa, &fb), ks_extrema_sorted_float(&fa, &fb)));
            let (mut keys, mut tags) = crate::util::radix_sorted_joint(&fa, &fb);
            prop_assert!(same(
                ks_extrema_joint(&mut keys, &mut tags, 0, fa.len(), fb.len()),
                ks_extrema_sorted_float(&fa, &fb)
            ));
            // keys sorted only by their radix-sorted prefix: the walk completes the sort
            let mut bufs = crate::util::JointBuffers::default();
            let low = crate::util::radix_sorted_joint_in(&fa, &fb, &mut bufs);
            prop_assert!(same(
                ks_extrema_joint(&mut bufs.keys, &mut bufs.tags, low, fa.len(), fb.len()),
                ks_extrema_sorted_float(&fa, &fb)
            ));
            // the unsorted entry point (joint path for > 20k values is covered below)
            let r = ks_2samp(&fa, &fb, KsMethod::Asymp).unwrap();
            let (mn, mn_loc, mx, mx_loc) = ks_extrema_sorted_float(&fa, &fb);
            let want = if -mn > mx { (mn_loc, -1) } else { (mx_loc, 1) };
            prop_assert_eq!((r.location.to_bits(), r.sign), (want.0.to_bits(), want.1));
            prop_assert!(same(ks_extrema_sorted(&fb, &fa), ks_extrema_sorted_float(&fb, &fa)));
        }
    }

    /// [`ks_extrema_bucketed`] against the float merge and the joint radix path, bit for bit
    /// (`None` is allowed only where the data are concentrated or constant).
    fn check_bucketed(a: &[f64], b: &[f64]) -> bool {
        let (mut sa, mut sb) = (a.to_vec(), b.to_vec());
        sa.sort_unstable_by(f64::total_cmp);
        sb.sort_unstable_by(f64::total_cmp);
        let want = ks_extrema_sorted_float(&sa, &sb);
        let mut jb = crate::util::JointBuffers::default();
        let low = crate::util::radix_sorted_joint_in(a, b, &mut jb);
        let joint = ks_extrema_joint(&mut jb.keys, &mut jb.tags, low, a.len(), b.len());
        // the float merge picks either zero as the location of a group holding -0.0 and +0.0
        // (`f64::min`); the joint and bucketed paths take the group's first key (-0.0), and
        // scipy's choice depends on how numpy's sort orders equal zeros
        let same_up_to_zero_sign = |x: (f64, f64, f64, f64), y: (f64, f64, f64, f64)| {
            x.0.to_bits() == y.0.to_bits()
                && x.2.to_bits() == y.2.to_bits()
                && (x.1.to_bits() == y.1.to_bits() || (x.1 == 0.0 && y.1 == 0.0))
                && (x.3.to_bits() == y.3.to_bits() || (x.3 == 0.0 && y.3 == 0.0))
        };
        assert!(
            same_up_to_zero_sign(joint, want),
            "joint {joint:?} vs float {want:?}, n = {} / {}",
            a.len(),
            b.len()
        );
        match ks_extrema_bucketed(a, b, &mut BucketBuffers::default()) {
            Some(got) => {
                assert!(same(got, joint), "bucketed {got:?} vs joint {joint:?}");
                true
            }
            None => false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// The bucketed extrema equal the float merge bit for bit, with many ties, signed
        /// zeros, tiny and huge scales, and outliers.
        #[test]
        fn bucketed_equals_float_merge(
            a in proptest::collection::vec(-40i32..40, 1..3000),
            b in proptest::collection::vec(-40i32..40, 1..3000),
            scale in prop_oneof![Just(1.0), Just(0.1), Just(1e-300), Just(3.7e10), Just(1e300)],
            fine in 0u32..4,
            outlier in prop_oneof![Just(0.0), Just(1e6), Just(-1e300)],
        ) {
            let f = |(i, &x): (usize, &i32)| {
                let v = f64::from(x) * scale;
                match fine {
                    // continuous-looking values: distinct, few per bucket
                    0 => v + (i as f64) * scale * 1e-7,
                    1 if x == 0 => if i % 2 == 0 { -0.0 } else { 0.0 },
                    2 if i == 0 => outlier,
                    _ => v,
                }
            };
            let fa: Vec<f64> = a.iter().enumerate().map(f).collect();
            let fb: Vec<f64> = b.iter().enumerate().map(|(i, x)| f((i + 7, x))).collect();
            check_bucketed(&fa, &fb);
            check_bucketed(&fb, &fa);
        }
    }

    /// The bucketed path is taken (returns `Some`) on continuous data of the benchmark's
    /// shape, and agrees with the other paths there and on awkward data around it.
    #[test]
    fn bucketed_path_on_continuous_and_awkward_data() {
        let mut s = 77u64;
        let mut next = || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut normal = || {
            let (u1, u2) = (next().max(1e-300), next());
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        };
        for (n1, n2, shift) in [
            (100_000, 100_000, 0.01),
            (60_001, 40_000, 0.0),
            (30_000, 70_000, 0.2),
            (4_096, 4_095, 0.05),
        ] {
            let a: Vec<f64> = (0..n1).map(|_| normal()).collect();
            let b: Vec<f64> = (0..n2).map(|_| normal() + shift).collect();
            assert!(
                check_bucketed(&a, &b),
                "continuous data must take the bucketed path"
            );
            assert!(check_bucketed(&b, &a));
            // rounded copies: heavy ties
            let ra: Vec<f64> = a.iter().map(|x| (x * 20.0).round() / 20.0).collect();
            let rb: Vec<f64> = b.iter().map(|x| (x * 20.0).round() / 20.0).collect();
            check_bucketed(&ra, &rb);
            // identical samples: D = 0 everywhere, ties across the samples
            check_bucketed(&a, &a);
            // heavily skewed (equal-width buckets fail): the key buckets take it
            let la: Vec<f64> = a.iter().map(|x| (3.0 * x).exp()).collect();
            let lb: Vec<f64> = b.iter().map(|x| (3.0 * x).exp()).collect();
            assert!(check_bucketed(&la, &lb), "skewed data: key buckets");
            // both signs, signed zeros and values spanning many binades
            let za: Vec<f64> = a
                .iter()
                .map(|x| if x.abs() < 0.05 { -0.0 } else { x.powi(9) })
                .collect();
            let zb: Vec<f64> = b
                .iter()
                .map(|x| if x.abs() < 0.05 { 0.0 } else { x.powi(9) })
                .collect();
            check_bucketed(&za, &zb);
        }
        // constant samples, one outlier, and huge ranges fall back or agree
        check_bucketed(&vec![1.5; 30_000], &vec![1.5; 20_000]);
        let mut c: Vec<f64> = (0..30_000).map(|_| next()).collect();
        c[5] = 1e12;
        let d: Vec<f64> = (0..25_000).map(|_| next() + 0.01).collect();
        check_bucketed(&c, &d);
        check_bucketed(&[-f64::MAX, 0.0, f64::MAX], &[1.0, -1.0]);
        check_bucketed(&[f64::MIN_POSITIVE, 5e-324, -5e-324], &[0.0, -0.0]);
    }

    #[test]
    fn integer_merge_equals_float_merge_on_large_equal_and_unequal_samples() {
        let mut s = 9u64;
        let mut next = || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        for (n1, n2, dup) in [
            (20_000, 20_000, 1.0),
            (20_000, 13_001, 1.0),
            (7_000, 7_000, 1e3),
        ] {
            let mut a: Vec<f64> = (0..n1).map(|_| (next() * dup).round()).collect();
            let mut b: Vec<f64> = (0..n2).map(|_| (next() * dup + 0.01).round()).collect();
            if dup == 1.0 {
                a = (0..n1).map(|_| next()).collect();
                b = (0..n2).map(|_| next() + 0.01).collect();
            }
            a.sort_unstable_by(f64::total_cmp);
            b.sort_unstable_by(f64::total_cmp);
            assert!(same(
                ks_extrema_sorted(&a, &b),
                ks_extrema_sorted_float(&a, &b)
            ));
            let (mut keys, mut tags) = crate::util::radix_sorted_joint(&a, &b);
            assert!(same(
                ks_extrema_joint(&mut keys, &mut tags, 0, a.len(), b.len()),
                ks_extrema_sorted_float(&a, &b)
            ));
            // joint path (> 20k values) vs presorted path: identical results
            let got = ks_2samp(&a, &b, KsMethod::Auto).unwrap();
            let want = ks_2samp_presorted(&a, &b, KsMethod::Auto).unwrap();
            assert_eq!(format!("{got:?}"), format!("{want:?}"));
        }
    }

    /// The joint path (> 20k values, unsorted input, keys sorted by a prefix and completed
    /// in the walk) equals the float merge on sorted copies, with ties, signed zeros, long runs
    /// of equal prefixes and constant radix digits.
    #[test]
    fn joint_path_equals_float_merge_on_awkward_data() {
        let mut s = 31u64;
        let mut next = || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            s >> 11
        };
        let mut cases: Vec<(Vec<f64>, Vec<f64>)> = Vec::new();
        // continuous, both signs
        let u = |v: u64| v as f64 / (1u64 << 53) as f64 - 0.5;
        cases.push((
            (0..30_000).map(|_| u(next()) * 7.0).collect(),
            (0..25_001).map(|_| u(next()) * 7.0 + 0.01).collect(),
        ));
        // one exponent, values sharing long prefixes, ties
        cases.push((
            (0..21_000)
                .map(|_| 1.0 + (next() % 5000) as f64 * f64::EPSILON)
                .collect(),
            (0..12_000)
                .map(|_| 1.0 + (next() % 7000) as f64 * f64::EPSILON)
                .collect(),
        ));
        // signed zeros, small integers and tiny values mixed
        let mixed = |v: u64| match v % 4 {
            0 => -0.0,
            1 => 0.0,
            2 => (v % 7) as f64 - 3.0,
            _ => (v % 1000) as f64 * 1e-310,
        };
        cases.push((
            (0..15_000).map(|_| mixed(next())).collect(),
            (0..15_000).map(|_| mixed(next() / 3)).collect(),
        ));
        // every radix digit constant
        cases.push((vec![4.0; 12_000], {
            let mut b = vec![4.0; 9_000];
            b[17] = 4.0 + 2.0 * f64::EPSILON;
            b
        }));
        for (a, b) in cases {
            let (mut sa, mut sb) = (a.clone(), b.clone());
            sa.sort_unstable_by(f64::total_cmp);
            sb.sort_unstable_by(f64::total_cmp);
            let mut bufs = crate::util::JointBuffers::default();
            let low = crate::util::radix_sorted_joint_in(&a, &b, &mut bufs);
            assert!(same(
                ks_extrema_joint(&mut bufs.keys, &mut bufs.tags, low, a.len(), b.len()),
                ks_extrema_sorted_float(&sa, &sb)
            ));
            for m in [KsMethod::Auto, KsMethod::Asymp] {
                let got = ks_2samp(&a, &b, m).unwrap();
                let want = ks_2samp_presorted(&sa, &sb, m).unwrap();
                assert_eq!(format!("{got:?}"), format!("{want:?}"));
                let got = ks_2samp(&b, &a, m).unwrap();
                let want = ks_2samp_presorted(&sb, &sa, m).unwrap();
                assert_eq!(format!("{got:?}"), format!("{want:?}"));
            }
        }
    }
}
