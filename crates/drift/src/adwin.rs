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
    #[serde(with = "crate::serde_f64")]
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

/// ADWIN adaptive-window change detector.
///
/// Matches river 0.26.1's native implementation (which visits every histogram entry during the
/// cut scan, as MOA does; the older Cython loop skipped one entry per row, river#1539), including
/// the arithmetic order of the variance updates, so detection indices are identical. After a
/// detection the whole window is discarded on the next update (river), not kept shrunken (MOA).
/// Input: any real value (e.g. 1 = correct, 0 = error, or a loss).
///
/// Layout (for speed; the arithmetic is river's, operation for operation): the exponential
/// histogram rows are fixed-size ring buffers in two flat arrays (no shifting or allocation
/// when buckets merge), the clock is a counter (no integer division per update), and the cut
/// scan first forms river's prefix sums `n0, u0` (recomputing only the rows that changed since
/// the last scan; `n1 = W − n0` exactly, and `u1` is taken as `total − u0` within a proven
/// bound of river's value), then proves "no cut" at each split point with multiplications only
/// and a rigorous floating-point error margin. Only if some split point is not cleared that way
/// does river's exact test run (in river's order).
/// A cut always drops the oldest entry, so only "is there any cut" matters, and the result is
/// bit-for-bit river's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "AdwinRepr")]
pub struct Adwin {
    params: AdwinParams,
    /// Entry sums. Row `r` is a ring buffer at `[r·cap, (r+1)·cap)` (`cap` = `max_buckets + 1`
    /// rounded up to a power of two); its `k`-th oldest entry is at
    /// `r·cap + ((heads[r] + k) & (cap − 1))`. Row 0 holds the newest, single values; row `r`
    /// entries summarise `2^r` values.
    #[serde(with = "crate::serde_f64::vec")]
    totals: Vec<f64>,
    /// Entry sums of squared deviations, same layout as `totals`.
    #[serde(with = "crate::serde_f64::vec")]
    variances: Vec<f64>,
    /// Ring-buffer start (oldest entry) per row.
    heads: Vec<usize>,
    /// Entries used per row.
    lens: Vec<usize>,
    #[serde(with = "crate::serde_f64")]
    total: f64,
    /// Sum of squared deviations of the window (not divided by the width).
    #[serde(with = "crate::serde_f64")]
    variance: f64,
    #[serde(with = "crate::serde_f64")]
    width: f64,
    tick: u64,
    /// `tick % clock`, kept incrementally (no integer division per update).
    phase: u32,
    n_detections: u64,
    drift: bool,
    seen: u64,
    /// Cached lower bound of `δ'` for the cut scan's fast pass (not stored).
    #[serde(skip)]
    dp: DeltaPrime,
    /// The cut scan's prefix sums (scratch space, not state).
    #[serde(skip)]
    scratch: Scratch,
}

/// Buffers of the cut scan's fast pass, per split point in river's order: `n0`, river's prefix
/// sum `u0`, and the prefix sum `a0` of the entries' magnitudes. Entries only change by merges
/// (which touch rows `≤ dirty`), appends to row 0 and deletions (which make everything
/// `stale`), so the values of the split points in rows above `dirty` are still those a full
/// pass would compute (same entries, same additions in the same order) and are kept. Compares
/// equal to any other (scratch space, not state).
#[derive(Debug, Clone)]
struct Scratch {
    n0: Vec<f64>,
    u0: Vec<f64>,
    a0: Vec<f64>,
    /// Highest row changed since the buffers were written.
    dirty: usize,
    /// Nothing in the buffers can be reused.
    stale: bool,
}

impl Default for Scratch {
    fn default() -> Self {
        Self {
            n0: Vec::new(),
            u0: Vec::new(),
            a0: Vec::new(),
            dirty: 0,
            stale: true,
        }
    }
}

impl PartialEq for Scratch {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// [`Adwin::delta_prime_lower`]'s cache: `lower ≤` river's `δ'` at every width `≥ width`.
/// Compares equal to any other (it is derived data, not state).
#[derive(Debug, Clone, Copy)]
struct DeltaPrime {
    width: f64,
    lower: f64,
}

impl Default for DeltaPrime {
    /// Invalid: the first scan computes it.
    fn default() -> Self {
        Self {
            width: f64::INFINITY,
            lower: f64::NAN,
        }
    }
}

impl PartialEq for DeltaPrime {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// A checkpoint as stored: [`Adwin`]'s fields, checked (and, for checkpoints written by
/// builds whose rows were `(max_buckets + 1).next_power_of_two()` wide, re-laid out) before
/// they become a detector, so a checkpoint is either restored exactly or rejected with an
/// error naming what is inconsistent, never misread.
#[derive(Deserialize)]
struct AdwinRepr {
    params: AdwinParams,
    #[serde(with = "crate::serde_f64::vec")]
    totals: Vec<f64>,
    #[serde(with = "crate::serde_f64::vec")]
    variances: Vec<f64>,
    heads: Vec<usize>,
    lens: Vec<usize>,
    #[serde(with = "crate::serde_f64")]
    total: f64,
    #[serde(with = "crate::serde_f64")]
    variance: f64,
    #[serde(with = "crate::serde_f64")]
    width: f64,
    tick: u64,
    phase: u32,
    n_detections: u64,
    drift: bool,
    seen: u64,
}

impl TryFrom<AdwinRepr> for Adwin {
    type Error = String;

    fn try_from(r: AdwinRepr) -> std::result::Result<Self, String> {
        let p = r.params;
        Self::new(p).map_err(|e| format!("ADWIN checkpoint: {e}"))?;
        let rows = r.heads.len();
        if rows == 0 || r.lens.len() != rows {
            return Err(format!(
                "ADWIN checkpoint: {rows} row heads but {} row lengths",
                r.lens.len()
            ));
        }
        if r.variances.len() != r.totals.len() {
            return Err(format!(
                "ADWIN checkpoint: {} totals but {} variances",
                r.totals.len(),
                r.variances.len()
            ));
        }
        let cap = Self::row_cap(p.max_buckets);
        let old_cap = (p.max_buckets + 1).next_power_of_two();
        let stored_cap = if r.totals.len() == rows * cap {
            cap
        } else if r.totals.len() == rows * old_cap {
            old_cap
        } else {
            return Err(format!(
                "ADWIN checkpoint: {} entries for {rows} rows (expected {} or, from older \
                 builds, {})",
                r.totals.len(),
                rows * cap,
                rows * old_cap
            ));
        };
        for (row, (&h, &l)) in r.heads.iter().zip(&r.lens).enumerate() {
            if h >= stored_cap || l > stored_cap {
                return Err(format!(
                    "ADWIN checkpoint: row {row} has head {h} and length {l}, beyond its \
                     {stored_cap} slots"
                ));
            }
        }
        if r.phase >= p.clock {
            return Err(format!(
                "ADWIN checkpoint: phase {} is not below clock {}",
                r.phase, p.clock
            ));
        }
        let (mut totals, mut variances, mut heads) = (r.totals, r.variances, r.heads);
        if stored_cap != cap {
            // Older layout: copy each row's entries, oldest first, to the start of a wider row.
            let (mut t, mut v) = (vec![0.0; rows * cap], vec![0.0; rows * cap]);
            for (row, (&h, &l)) in heads.iter().zip(&r.lens).enumerate() {
                for k in 0..l {
                    let from = row * stored_cap + ((h + k) & (stored_cap - 1));
                    t[row * cap + k] = totals[from];
                    v[row * cap + k] = variances[from];
                }
            }
            (totals, variances) = (t, v);
            heads.iter_mut().for_each(|h| *h = 0);
        }
        Ok(Self {
            params: p,
            totals,
            variances,
            heads,
            lens: r.lens,
            total: r.total,
            variance: r.variance,
            width: r.width,
            tick: r.tick,
            phase: r.phase,
            n_detections: r.n_detections,
            drift: r.drift,
            seen: r.seen,
            dp: DeltaPrime::default(),
            scratch: Scratch::default(),
        })
    }
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
        let cap = Self::row_cap(params.max_buckets);
        Self {
            params,
            totals: vec![0.0; cap],
            variances: vec![0.0; cap],
            heads: vec![0],
            lens: vec![0],
            total: 0.0,
            variance: 0.0,
            width: 0.0,
            tick: 0,
            phase: 0,
            n_detections: 0,
            drift: false,
            seen: 0,
            dp: DeltaPrime::default(),
            scratch: Scratch::default(),
        }
    }

    /// Clears the state in place, keeping the allocations.
    fn clear(&mut self) {
        let cap = self.cap();
        self.totals.truncate(cap);
        self.variances.truncate(cap);
        self.lens.truncate(1);
        self.lens[0] = 0;
        self.heads.truncate(1);
        self.heads[0] = 0;
        self.total = 0.0;
        self.variance = 0.0;
        self.width = 0.0;
        self.tick = 0;
        self.phase = 0;
        self.n_detections = 0;
        self.drift = false;
        self.seen = 0;
        self.dp = DeltaPrime::default();
        self.scratch.stale = true;
    }

    /// Entries per row before a merge.
    #[inline]
    fn stride(&self) -> usize {
        self.params.max_buckets + 1
    }
    /// Ring-buffer size per row: a power of two ≥ `2·stride` and ≥ 32. Merges are deferred
    /// (see [`Adwin::normalize`]), so row 0 fills up to `cap`, and a row can receive up to
    /// `cap/2` merged entries in one normalisation on top of its `≤ stride − 1`.
    #[inline]
    fn cap(&self) -> usize {
        Self::row_cap(self.params.max_buckets)
    }
    #[inline]
    fn row_cap(max_buckets: usize) -> usize {
        (2 * (max_buckets + 1)).max(32).next_power_of_two()
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
        // The new total is stored before the variance increment is computed (river's values,
        // river's order): stored together (the compiler pairs the two adds into one vector
        // store), the next update's `total` would wait for this update's two divisions.
        let total = self.total;
        self.total = total + x;
        let mut inc = 0.0;
        if self.width > 1.0 {
            let d = x - total / (self.width - 1.0);
            inc = (self.width - 1.0) * d * d / self.width;
        }
        self.variance += inc;
        let mask = self.cap() - 1;
        let l = self.lens[0];
        let pos = (self.heads[0] + l) & mask;
        self.totals[pos] = x;
        self.variances[pos] = 0.0;
        self.lens[0] = l + 1;
        if l + 1 == mask + 1 {
            self.normalize();
        }
    }

    /// Performs the bucket merges river makes on insert, deferred: river merges a row's two
    /// oldest entries into the next row whenever the row reaches `stride` entries; here values
    /// are appended to row 0 and the merges run in a batch, before every cut scan (the only
    /// reader of the buckets) and when row 0's buffer is full. The result is identical: each
    /// row is a FIFO whose merged pairs are always its two oldest entries, so the merged
    /// entries, their order and their arithmetic are river's; and merging while a row holds
    /// `≥ stride` entries leaves it with `stride − 2` or `stride − 1`, the same count (same
    /// parity, each merge removes two) as merging each time it reaches `stride`. The window's
    /// `total`, `variance` and `width` are kept by `insert`, not here.
    #[cold]
    #[inline(never)]
    fn normalize(&mut self) {
        let stride = self.stride();
        let cap = self.cap();
        let mask = cap - 1;
        let mut i = 0;
        while i < self.lens.len() && self.lens[i] >= stride {
            if i + 1 == self.lens.len() {
                self.lens.push(0);
                self.heads.push(0);
                self.totals.resize(self.totals.len() + cap, 0.0);
                self.variances.resize(self.variances.len() + cap, 0.0);
            }
            // rows i and i + 1 change
            self.scratch.dirty = self.scratch.dirty.max(i + 1);
            let n = (1u64 << i) as f64;
            // n is a power of two: x·(1/n) is exactly x/n (both are x·2^-i correctly rounded)
            let inv_n = f64::from_bits((1023 - i as u64) << 52); // 2^-i, exact (i < 64)
            let base = i * cap;
            let (mut h, mut len) = (self.heads[i], self.lens[i]);
            let mut next_end = self.heads[i + 1] + self.lens[i + 1];
            let mut moved = 0;
            // this row and the next as slices of exactly `cap` entries, so that the masked
            // indices need no bounds checks
            let (t_row, t_next) = self.totals[base..base + 2 * cap].split_at_mut(cap);
            let (v_row, v_next) = self.variances[base..base + 2 * cap].split_at_mut(cap);
            let (t_row, t_next) = (&t_row[..=mask], &mut t_next[..=mask]);
            let (v_row, v_next) = (&v_row[..=mask], &mut v_next[..=mask]);
            while len >= stride {
                let (k0, k1) = (h & mask, (h + 1) & mask);
                let (t0, t1) = (t_row[k0], t_row[k1]);
                let (v0, v1) = (v_row[k0], v_row[k1]);
                let mu0 = t0 * inv_n;
                let mu1 = t1 * inv_n;
                let t = t0 + t1;
                let v = v0 + v1 + n * 0.5 * (mu0 - mu1) * (mu0 - mu1);
                h = (h + 2) & mask;
                len -= 2;
                let next = next_end & mask;
                t_next[next] = t;
                v_next[next] = v;
                next_end += 1;
                moved += 1;
            }
            self.heads[i] = h;
            self.lens[i] = len;
            self.lens[i + 1] += moved;
            i += 1;
        }
    }

    /// Drops the oldest histogram entry.
    fn delete_oldest(&mut self) {
        // every prefix sum changes
        self.scratch.stale = true;
        let cap = self.cap();
        let last = self.lens.len() - 1;
        let n = (1u64 << last) as f64;
        let base = last * cap;
        let h = self.heads[last];
        let len = self.lens[last];
        let (u, v) = (self.totals[base + h], self.variances[base + h]);
        self.heads[last] = (h + 1) & (cap - 1);
        self.lens[last] = len - 1;
        let empty = len == 1;
        let mu = u / n;
        self.width -= n;
        self.total -= u;
        let mu_w = self.total / self.width;
        self.variance -= v + n * self.width * (mu - mu_w) * (mu - mu_w) / (n + self.width);
        if empty && last > 0 {
            self.lens.pop();
            self.heads.pop();
            self.totals.truncate(base);
            self.variances.truncate(base);
        }
    }

    /// One full cut scan; returns `true` if a cut was made (then the caller scans again).
    fn scan_once(&mut self) -> bool {
        let mwl = f64::from(self.params.min_window_length);
        let var_w = self.variance / self.width;
        let cap = self.cap();
        let mask = cap - 1;
        // the fast pass needs only a lower bound of river's δ' (a smaller δ' gives a smaller
        // ε, so "no cut" certified with it holds with river's); see `DeltaPrime`
        let delta_prime = self.delta_prime_lower();
        let c23 = 2.0 / 3.0 * delta_prime;
        let sane = delta_prime.is_finite()
            && delta_prime > 0.0
            && var_w.is_finite()
            && var_w >= 0.0
            && c23.is_finite();
        if sane {
            // Fast pass: river's prefix sums `u0` (one tight pass over the rows changed since the
            // last scan, into scratch buffers; see `Scratch`), then an independent, vectorisable
            // pass that clears each split point without division or square root (see
            // `no_cut_certain`). The newest entry is never a split point.
            let rows = self.lens.len();
            let splits = self.lens.iter().sum::<usize>().saturating_sub(1);
            let sc = &mut self.scratch;
            if sc.n0.len() < splits {
                sc.n0.resize(splits, 0.0);
                sc.u0.resize(splits, 0.0);
                sc.a0.resize(splits, 0.0);
            }
            // rows above `top` are unchanged since the buffers were written
            let top = if sc.stale {
                rows - 1
            } else {
                sc.dirty.min(rows - 1)
            };
            let kept = self.lens[top + 1..].iter().sum::<usize>().min(splits);
            let (b_n0, b_u0, b_a0) = (
                &mut sc.n0[..splits],
                &mut sc.u0[..splits],
                &mut sc.a0[..splits],
            );
            let (mut n0, mut u0, mut a0) = match kept.checked_sub(1) {
                Some(j) => (b_n0[j], b_u0[j], b_a0[j]),
                None => (0.0, 0.0, 0.0),
            };
            // entry size of row `top`, halved per row (powers of two: exact)
            let mut size = (1u64 << top) as f64;
            let mut idx = kept;
            let mut newest = 0.0_f64;
            for (i, (&len, &head)) in self.lens[..=top]
                .iter()
                .zip(&self.heads[..=top])
                .enumerate()
                .rev()
            {
                let row = &self.totals[i * cap..(i + 1) * cap];
                let len = if i == 0 {
                    if len > 0 {
                        newest = row[(head + len - 1) & mask];
                    }
                    len.saturating_sub(1)
                } else {
                    len
                };
                for k in 0..len {
                    let t = row[(head + k) & mask];
                    n0 += size;
                    u0 += t;
                    a0 += t.abs();
                    if idx < splits {
                        b_n0[idx] = n0;
                        b_u0[idx] = u0;
                        b_a0[idx] = a0;
                    }
                    idx += 1;
                }
                size *= 0.5;
            }
            sc.dirty = 0;
            sc.stale = false;
            // `A ≥ Σ|t|` over all entries (a sum of nonnegative values: its rounding is below
            // `(splits + 1)·u` relative)
            let a_all = (a0 + newest.abs()) * (1.0 + 2.0 * (splits as f64 + 2.0) * f64::EPSILON);
            let consts = BoundConsts::new(
                mwl,
                c23,
                2.0 * var_w * delta_prime,
                self.width,
                self.total,
                splits as f64,
                a_all,
            );
            let (b_n0, b_u0) = (&sc.n0[..splits], &sc.u0[..splits]);
            // river tests only where `n0 ≥ mwl` and `n1 = W − n0 ≥ mwl`: a contiguous range
            // (`n0` increases), found from both ends (a few steps at most in practice)
            let lo = b_n0.iter().take_while(|&&n0| n0 < mwl).count();
            let hi = splits
                - b_n0[lo..]
                    .iter()
                    .rev()
                    .take_while(|&&n0| n0 > self.width - mwl)
                    .count();
            let mut all_clear = consts.finite;
            for (&n0, &u0) in b_n0[lo..hi].iter().zip(&b_u0[lo..hi]) {
                all_clear &= no_cut_certain(n0, u0, &consts);
            }
            if all_clear {
                return false;
            }
        }
        // Exact pass (rare: only when some split point is within the error margin of the bound,
        // i.e. in practice when there is a cut): river's test, in river's order.
        let delta_prime = (2.0 * self.width.ln() / self.params.delta).ln();
        let c23 = 2.0 / 3.0 * delta_prime;
        let (mut n0, mut n1, mut u0, mut u1) = (0.0_f64, self.width, 0.0_f64, self.total);
        for (i, (&len, &head)) in self.lens.iter().zip(&self.heads).enumerate().rev() {
            let size = (1u64 << i) as f64;
            let row = &self.totals[i * cap..(i + 1) * cap];
            for k in 0..len {
                let t = row[(head + k) & mask];
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
                    let eps = (2.0 * m_recip * var_w * delta_prime).sqrt() + c23 * m_recip;
                    if delta_mean.abs() > eps {
                        return true;
                    }
                }
            }
        }
        false
    }

    /// A lower bound of river's `δ' = ln(2·ln(width)/δ)` for the current width, recomputed
    /// only when the width has left `[w_c, 1.0625·w_c]` (`w_c` the width it was computed at;
    /// two logarithms per scan were ≈ 5% of the time). Real `δ'` increases with the width, and
    /// river's floating-point value is within a few units in the last place of it, so
    /// `fl(δ'(w_c))·(1 − 1e-12)` is below river's value at every width `≥ w_c`.
    fn delta_prime_lower(&mut self) -> f64 {
        let w = self.width;
        if !(w >= self.dp.width && w <= self.dp.width * 1.0625) {
            let dp = (2.0 * w.ln() / self.params.delta).ln();
            self.dp = DeltaPrime {
                width: w,
                lower: dp * (1.0 - 1e-12),
            };
        }
        self.dp.lower
    }

    #[inline]
    fn detect_change(&mut self) -> bool {
        self.tick += 1;
        self.phase += 1;
        if self.phase < self.params.clock {
            return false;
        }
        self.phase = 0;
        if self.width <= f64::from(self.params.grace_period) {
            return false;
        }
        self.detect_slow()
    }

    #[cold]
    fn detect_slow(&mut self) -> bool {
        // rows above a row with fewer than `stride` entries are already merged
        if self.lens[0] >= self.stride() {
            self.normalize();
        }
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

/// `true` if river's test at this split point certainly finds no cut, decided with
/// multiplications only. Only for split points where river runs the test
/// (`n0 ≥ mwl` and `n1 = W − n0 ≥ mwl`; the caller restricts the range).
///
/// river cuts when `|fl(u0/n0) − fl(u1/n1)| > fl(sqrt(2·m·v·δ')) + (2/3)·δ'·m` with
/// `m = 1/n0' + 1/n1'`, `n' = n − mwl + 1`. Each side is bounded in real arithmetic, allowing
/// for every rounding river's formula and this one make:
/// * `|river's mean difference| · n0·n1 ≤ Up = |D|·(1 + 1e-12) + 1e-15·S`, where
///   `D = u0·n1 − u1·n0` and `S = |u0|·n1 + |u1|·n0` (the two quotients and the subtraction
///   err by at most `3u·S/(n0·n1)`, `u = 2^-53`; forming `D` errs by at most `2u·S`);
/// * `river's ε ≥ (1 − 1e-12)·(sqrt(2·v·δ'·P/(n0'·n1')) + c23·P/(n0'·n1'))`, `P = n0' + n1'`.
///
/// `S` is bounded once per scan: `|u0| ≤ A` and `|u1| ≤ |total| + A` (`A ≥ Σ|t|` over all
/// entries, its rounding included), so `S ≤ A·n1 + (|total| + A)·n0 ≤ (|total| + A)·W`, and
/// `1e-15·S` is part of the constant `BoundConsts::e_w`. Multiplying by `n0·n1·n0'·n1' > 0`, no
/// cut is certain when `L = Up·n0'·n1'·(1 + 1e-12) − c23·P·n0·n1·(1 − 1e-12)` is negative, or
/// `L² < (1 − 1e-12)²·(n0·n1)²·2·v·δ'·P·n0'·n1'`, i.e. when `L·|L| < RHS` (`RHS ≥ 0`). The two terms of `L` are computed with
/// their constants scaled by `1 + 1e-14` and `1 − 1e-14` (`BoundConsts`): each term is a
/// product and sum of nonnegative values with at most 7 roundings (< 8u ≈ 9e-16 relative),
/// so the computed first term is above the real one and the computed second below, and
/// `l = fl(first − second)` has `l < 0 ⇒ L < 0` and, when `L ≥ 0`, `l ≥ L`. The `1e-12`
/// margins cover the remaining roundings (< 20u) by orders of magnitude. The caller checks
/// that the right-hand side and the second term cannot overflow at any split point
/// (`BoundConsts::finite`); an overflowing first term or a NaN makes the comparison false,
/// i.e. "not certain", and the exact test runs.
#[inline(always)]
fn no_cut_certain(n0: f64, u0: f64, k: &BoundConsts) -> bool {
    // river's n1 (all counts are exact integers below 2^53)
    let n1 = k.w - n0;
    // river's u1, up to `E` (see `BoundConsts::e_w`)
    let u1 = k.total - u0;
    // n0' and n1' (exact)
    let a = n0 - k.mwl1;
    let b = n1 - k.mwl1;
    let d = (u0 * n1 - u1 * n0).abs();
    let ab = a * b;
    let nn = n0 * n1;
    // ≥ (|D|·(1 + 1e-12) + 1e-15·S)·n0'·n1'·(1 + 1e-12)
    let lhs = (d * k.up2 + k.e_w) * ab;
    // ≤ c23·P·n0·n1·(1 − 1e-12)
    let r1 = k.c23p * nn;
    let l = lhs - r1;
    // = (n0·n1)²·2·v·δ'·P·n0'·n1'·(1 − 1e-12)²
    let rhs = nn * nn * (k.tvdp * ab);
    // `l < 0 || l² < rhs`, as one comparison
    l * l.abs() < rhs
}

/// Per-scan constants of [`no_cut_certain`] (the margins folded in).
#[derive(Debug, Clone, Copy)]
struct BoundConsts {
    /// `W`, `mwl − 1` and river's `total`.
    w: f64,
    mwl1: f64,
    total: f64,
    /// `1.01·E·W`: the split point's `u1` is taken as `fl(total − u0)` instead of river's
    /// `fl(…fl(total − t_1)… − t_j)`. With `u0 = fl(…(t_1 + t_2)… + t_j)` (river's), the
    /// standard bounds for recursive summation give `|u0 − Σt| ≤ (j − 1)·u·Σ|t|`,
    /// `|river's u1 − (total − Σt)| ≤ j·u·(|total| + Σ|t|)` and one more rounding `u·|total − u0|`,
    /// so the two `u1` differ by at most `E = (2·B + 4)·u·(|total| + A)·1.01` (`B` split points,
    /// `A ≥ Σ|t|` over all entries). river's `D` then differs by at most `E·n0 ≤ E·W` and its `S`
    /// as much, so adding `1.01·E·W` to `Up` keeps it an upper bound. Plus the bound
    /// `1e-15·(1 + 1e-12)·(|total| + A)·W·1.01 ≥ 1e-15·S·(1 + 1e-12)` (see [`no_cut_certain`]);
    /// all scaled by `1 + 1e-14`.
    e_w: f64,
    /// `(1 + 1e-12)²·(1 + 1e-14)`.
    up2: f64,
    /// `c23·P·(1 − 1e-12)·(1 − 1e-14)` and `2·v·δ'·(1 − 1e-12)²·P`, `P = W − 2·(mwl − 1)`.
    c23p: f64,
    tvdp: f64,
    /// Whether no split point can overflow the right-hand side or the second term: with
    /// `n0·n1 ≤ (W/2)²` and `n0'·n1' ≤ (P/2)²`, and floating-point products monotone, the
    /// values at `(W/2)²`, `(P/2)²` bound them all.
    finite: bool,
}

impl BoundConsts {
    fn new(
        mwl: f64,
        c23: f64,
        two_v_dp: f64,
        width: f64,
        total: f64,
        splits: f64,
        a_all: f64,
    ) -> Self {
        const K_UP: f64 = 1.0 + 1e-12;
        const K_DN: f64 = 1.0 - 1e-12;
        const F_UP: f64 = 1.0 + 1e-14;
        const F_DN: f64 = 1.0 - 1e-14;
        let p = width - 2.0 * (mwl - 1.0);
        let c23p = c23 * K_DN * F_DN * p;
        let tvdp = two_v_dp * (K_DN * K_DN) * p;
        let nn_max = (width * 0.5) * (width * 0.5);
        let ab_max = (p * 0.5) * (p * 0.5);
        let e = (2.0 * splits + 4.0) * (f64::EPSILON / 2.0) * (total.abs() + a_all) * 1.01;
        let e_w = (1.01 * e * width + 1e-15 * K_UP * (total.abs() + a_all) * width * 1.01) * F_UP;
        let finite = (nn_max * nn_max * (tvdp * ab_max)).is_finite()
            && (c23p * nn_max).is_finite()
            && e_w.is_finite();
        Self {
            w: width,
            mwl1: mwl - 1.0,
            total,
            e_w,
            up2: K_UP * K_UP * F_UP,
            c23p,
            tvdp,
            finite,
        }
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
        self.clear();
    }
    fn name(&self) -> &'static str {
        "adwin"
    }
    fn n_seen(&self) -> u64 {
        self.seen
    }
}

/// The previous (row-of-`Vec`s, one-pass scan) implementation, kept as an oracle: the fast
/// layout must give the same state and the same detections on every stream.
#[cfg(test)]
#[allow(
    dead_code,
    unreachable_pub,
    clippy::all,
    reason = "test oracle, verbatim copy of the old code"
)]
mod oracle {
    use super::AdwinParams;
    use crate::error::{Result, invalid};

    /// One row of the exponential histogram: entries summarising `2^row` values each, oldest first.
    #[derive(Debug, Clone)]
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
    #[derive(Debug, Clone)]
    pub(super) struct OldAdwin {
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

    impl Default for OldAdwin {
        fn default() -> Self {
            Self::fresh(AdwinParams::default())
        }
    }

    impl OldAdwin {
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

    impl OldAdwin {
        pub(super) fn update(&mut self, value: f64) -> bool {
            if self.drift {
                *self = Self::fresh(self.params);
            }
            self.seen += 1;
            self.insert(value);
            self.drift = self.detect_change();
            self.drift
        }
        pub(super) fn snapshot(&self) -> (f64, f64, f64) {
            (self.total, self.variance, self.width)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]
    use super::*;
    use proptest::prelude::*;

    fn stream(seed: u64, n: usize, shift_at: usize, shift: f64, scale: f64) -> Vec<f64> {
        let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (0..n)
            .map(|i| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let u = (s >> 11) as f64 / (1u64 << 53) as f64;
                (u - 0.5) * scale + if i >= shift_at { shift } else { 0.0 }
            })
            .collect()
    }

    /// `a`'s checkpoint as builds before the deferred merges wrote it: rows
    /// `(max_buckets + 1).next_power_of_two()` wide, with rotated ring-buffer heads.
    fn old_layout(a: &Adwin) -> serde_json::Value {
        let old_cap = (a.params.max_buckets + 1).next_power_of_two();
        let cap = a.cap();
        let rows = a.heads.len();
        let (mut t, mut v) = (vec![0.0; rows * old_cap], vec![0.0; rows * old_cap]);
        let mut heads = Vec::new();
        for r in 0..rows {
            let len = a.lens[r];
            assert!(len <= old_cap, "row {r} has {len} entries");
            let h_old = (3 * r + 1) % old_cap;
            for k in 0..len {
                let from = r * cap + ((a.heads[r] + k) & (cap - 1));
                t[r * old_cap + ((h_old + k) & (old_cap - 1))] = a.totals[from];
                v[r * old_cap + ((h_old + k) & (old_cap - 1))] = a.variances[from];
            }
            heads.push(h_old);
        }
        let mut j = serde_json::to_value(a).unwrap();
        j["totals"] = serde_json::json!(t);
        j["variances"] = serde_json::json!(v);
        j["heads"] = serde_json::json!(heads);
        j
    }

    #[test]
    fn checkpoints_restore_exactly_and_older_layouts_migrate() {
        let p = AdwinParams::default();
        let xs = stream(11, 30_000, 15_000, 0.4, 1.0);
        for cut in [0usize, 1, 37, 4_999, 17_321] {
            let mut a = Adwin::new(p).unwrap();
            for &x in &xs[..cut] {
                a.update(x).unwrap();
            }
            let mut b: Adwin = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
            assert_eq!(a, b, "round trip at {cut}");
            let mut merged = a.clone();
            merged.normalize();
            let mut c: Adwin = serde_json::from_value(old_layout(&merged)).unwrap();
            let mut drifts = 0;
            for (i, &x) in xs.iter().enumerate().skip(cut) {
                let ra = a.update(x).unwrap();
                assert_eq!(
                    ra,
                    b.update(x).unwrap(),
                    "restored differs at {i} (cut {cut})"
                );
                assert_eq!(
                    ra,
                    c.update(x).unwrap(),
                    "migrated differs at {i} (cut {cut})"
                );
                drifts += usize::from(ra.is_drift());
            }
            if cut < 15_000 {
                assert!(drifts > 0, "the stream shifts at 15,000");
            }
            assert_eq!(
                (a.total.to_bits(), a.variance.to_bits(), a.width.to_bits()),
                (c.total.to_bits(), c.variance.to_bits(), c.width.to_bits())
            );
        }
    }

    #[test]
    fn inconsistent_checkpoints_are_rejected_with_the_reason() {
        let mut a = Adwin::default();
        for x in stream(3, 500, 1_000, 0.0, 1.0) {
            a.update(x).unwrap();
        }
        let good = serde_json::to_value(&a).unwrap();
        let mut short = good.clone();
        short["totals"].as_array_mut().unwrap().pop();
        let e = serde_json::from_value::<Adwin>(short)
            .unwrap_err()
            .to_string();
        assert!(e.contains("totals") && e.contains("variances"), "{e}");
        let mut rows = good.clone();
        rows["lens"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!(0));
        let e = serde_json::from_value::<Adwin>(rows)
            .unwrap_err()
            .to_string();
        assert!(e.contains("row lengths"), "{e}");
        let mut head = good.clone();
        head["heads"][0] = serde_json::json!(10_000);
        let e = serde_json::from_value::<Adwin>(head)
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 0 has head 10000"), "{e}");
        let mut width = good;
        let n = width["totals"].as_array().unwrap().len();
        width["totals"] = serde_json::json!(vec![0.0; n + 3]);
        width["variances"] = serde_json::json!(vec![0.0; n + 3]);
        let e = serde_json::from_value::<Adwin>(width)
            .unwrap_err()
            .to_string();
        assert!(e.contains("entries for"), "{e}");
    }

    fn compare(params: AdwinParams, xs: &[f64]) {
        let mut new = Adwin::new(params).unwrap();
        let mut old = oracle::OldAdwin::new(params).unwrap();
        for (i, &x) in xs.iter().enumerate() {
            let a = new.update(x).unwrap().is_drift();
            let b = old.update(x);
            assert_eq!(a, b, "detection differs at {i}");
            let (t, v, w) = old.snapshot();
            assert_eq!(
                (
                    new.total.to_bits(),
                    new.variance.to_bits(),
                    new.width.to_bits()
                ),
                (t.to_bits(), v.to_bits(), w.to_bits()),
                "state differs at {i}"
            );
        }
    }

    /// River's prefix sums `n0`, `u0` and the magnitude sums `a0`, per split point in river's
    /// order, computed from scratch.
    fn full_pass(a: &Adwin) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let cap = a.cap();
        let (mut n0, mut u0, mut a0) = (0.0_f64, 0.0_f64, 0.0_f64);
        let (mut vn, mut vu, mut va) = (Vec::new(), Vec::new(), Vec::new());
        for i in (0..a.lens.len()).rev() {
            for k in 0..a.lens[i] {
                let t = a.totals[i * cap + ((a.heads[i] + k) & (cap - 1))];
                n0 += (1u64 << i) as f64;
                u0 += t;
                a0 += t.abs();
                vn.push(n0);
                vu.push(u0);
                va.push(a0);
            }
        }
        // the newest entry is not a split point
        vn.pop();
        vu.pop();
        va.pop();
        (vn, vu, va)
    }

    /// The scan's kept prefix sums (rows above `dirty`) are always those a full pass gives,
    /// bit for bit, and right after a scan that found no cut all of them are.
    #[test]
    fn kept_prefix_sums_equal_a_full_pass() {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for (clock, mb, scale, offset) in [
            (32, 5, 1.0, 0.0),
            (1, 5, 1.0, 0.0),
            (7, 2, 2.0, 3.0),
            (32, 9, 1e6, 1e7),
            (5, 3, 1.0, 0.0),
        ] {
            let p = AdwinParams {
                clock,
                max_buckets: mb,
                ..AdwinParams::default()
            };
            let mut a = Adwin::new(p).unwrap();
            let mut checked_full = 0;
            for (i, x) in stream(9, 12_000, 6_000, 0.8 * scale, scale)
                .into_iter()
                .enumerate()
            {
                let scanned = (a.phase + 1 == p.clock) && a.width + 1.0 > f64::from(p.grace_period);
                let drift = a.update(x + offset).unwrap().is_drift();
                if a.scratch.stale {
                    continue;
                }
                let (vn, vu, va) = full_pass(&a);
                let kept = a.lens[(a.scratch.dirty + 1).min(a.lens.len())..]
                    .iter()
                    .sum::<usize>()
                    .min(vn.len());
                let upto = if scanned && !drift && a.scratch.dirty == 0 {
                    checked_full += 1;
                    vn.len()
                } else {
                    kept
                };
                assert_eq!(bits(&a.scratch.n0[..upto]), bits(&vn[..upto]), "n0 at {i}");
                assert_eq!(bits(&a.scratch.u0[..upto]), bits(&vu[..upto]), "u0 at {i}");
                assert_eq!(bits(&a.scratch.a0[..upto]), bits(&va[..upto]), "a0 at {i}");
            }
            assert!(
                checked_full > 100,
                "{checked_full} scans checked (clock {clock})"
            );
        }
    }

    /// Streams far from zero (where `u1 = total − u0` and river's `u1` differ the most), with
    /// huge and tiny magnitudes: detections and state as the old implementation's.
    #[test]
    fn fast_scan_equals_old_implementation_off_centre_and_at_extreme_scales() {
        for (clock, mb) in [(32, 5), (1, 5), (7, 2)] {
            let p = AdwinParams {
                clock,
                max_buckets: mb,
                ..AdwinParams::default()
            };
            for (offset, scale, shift) in [
                (1e6, 1.0, 0.05),
                (-3e9, 10.0, 1.0),
                (1e12, 1e3, 30.0),
                (0.0, 1e150, 1e150),
                (0.0, 1e-150, 3e-151),
                (5e300, 1e299, 1e299),
            ] {
                let xs: Vec<f64> = stream(21, 8_000, 4_000, shift, scale)
                    .into_iter()
                    .map(|x| x + offset)
                    .collect();
                compare(p, &xs);
                let mut a = Adwin::new(p).unwrap();
                let drifts = xs
                    .iter()
                    .filter(|&&x| a.update(x).unwrap().is_drift())
                    .count();
                // (values near 1e-150 never cut: ε has a term that does not scale with them;
                // near 5e300 the total overflows)
                if (1.0..1e200).contains(&scale) && offset.abs() < 1e300 {
                    assert!(drifts > 0, "no cut at offset {offset}, scale {scale}");
                }
            }
        }
    }

    #[test]
    fn fast_layout_equals_old_implementation_on_long_streams() {
        for (clock, mb) in [(32, 5), (1, 5), (7, 2), (32, 9)] {
            let p = AdwinParams {
                clock,
                max_buckets: mb,
                ..AdwinParams::default()
            };
            compare(p, &stream(3, 20_000, 9_000, 0.3, 2.0));
            compare(p, &stream(4, 6_000, 1_000, -1.0, 1e6));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn fast_layout_equals_old_implementation(
            seed in any::<u64>(),
            n in 1usize..3000,
            shift_at in 0usize..3000,
            shift in -3.0f64..3.0,
            clock in 1u32..40,
            mb in 2usize..8,
            mwl in 1u32..12,
            grace in 0u32..40,
            delta in 1e-4f64..0.5,
        ) {
            let p = AdwinParams { delta, clock, max_buckets: mb, min_window_length: mwl, grace_period: grace };
            compare(p, &stream(seed, n, shift_at, shift, 1.0));
        }
    }
}
