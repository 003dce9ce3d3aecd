//! Speculative segmented evaluation of recurrences that forget their start, with exact
//! verification: how a batch kernel beats a one-bar dependency chain without changing a bit.
//!
//! A recursive indicator such as EMA (`e = fma(x - e, k, e)`) or Wilder smoothing is one
//! serial chain of dependent floating-point operations per bar; TA-Lib's loop and a
//! bit-exact kernel both wait on it, so at best they tie. But these recurrences are
//! *contractive*: two runs started from different states over the same bars get closer by a
//! factor `1 - k` per bar, and because each step is a deterministic function of (state bits,
//! bar), once the two states are equal bit for bit they stay equal forever.
//!
//! [`segmented`] uses that to run [`LANES`] independent chains in lockstep (the core overlaps
//! their latencies):
//! 1. the bars are cut into `LANES` equal segments; segment 0 starts from the true state;
//! 2. every other segment starts from a *guess* ([`Chain::guess`]) made `warm` bars before
//!    its first bar, and runs those `warm` bars serially (outputs discarded: they land in
//!    the previous segment's range, which the lanes overwrite);
//! 3. the lanes run all segments, each writing its own outputs;
//! 4. **verification, in order**: the true state at the end of segment `s - 1` is compared
//!    bit for bit ([`Bits::same`]) with the state segment `s` started its lane from. If they
//!    are equal, segment `s`'s outputs are exactly what the serial chain gives; if not (the
//!    guess had not converged, or a NaN/inf sits in the chain) segment `s` is recomputed
//!    serially from the true state, overwriting its outputs.
//!
//! So the result never depends on the guess: a bad guess costs time, never bits. Series too
//! short for the warm-up to pay off run serially. The state must hold everything `step`
//! reads from earlier bars, so that equal states imply equal futures.
//!
//! Running sums do not forget their start, but TA-Lib 0.8.1 re-synchronises some of them
//! (WMA, the LINEARREG family and VAR recompute their sums from the window every
//! `8 · period` outputs): a guess that carries the exact re-synchronisation phase of its bar
//! equals the true state after the next re-synchronisation, so those verify too (VAR's phase
//! also moves when its cancellation check fails; a segment after such a bar fails its
//! verification and is recomputed serially).
//!
//! Users: the steady states of EMA, DEMA, TEMA and T3 (`overlap::ma`, hence MA with those
//! types, and MACDEXT's lines), MACD/MACDFIX (and MACDEXT with three EMAs), APO/PPO with
//! EMAs (both EMAs in one chain) and TRIX (`momentum::macd`); the directional movement
//! family (`momentum::dm`: ADX, ADXR, DX, ±DI, ±DM), RSI and CMO (`momentum::wilder`), ATR
//! and NATR (`volatility`); WMA (`overlap::ma`), VAR (hence STDDEV and BBANDS's bands) and
//! the LINEARREG family with TSF (`statistic`); KAMA's recursion runs in [`staggered`] lanes
//! (warm-ups inside the lanes) over smoothing constants computed in order. A cascade of EMAs needs a longer warm-up than
//! one (`overlap::ma::cascade_warm`), Wilder smoothing [`wilder_warm`]; the chains' tests
//! measure how many bars their guesses take to converge on random walks. The lanes run
//! [`Chain::step`] in turn by default; a chain may arrange the same operations lane-parallel
//! ([`Chain::lockstep`], [`lockstep_soa`], [`lockstep_aligned`]) so that the compiler
//! vectorizes them across the lanes.
//!
//! The streaming `update` of these indicators cannot do this (each bar's value is due before
//! the next bar exists): it runs the serial chain, as fast as TA-Lib's batch loop, so for the
//! lane kernels the batch is 2–7× faster than streaming by construction.

/// Number of chains run in lockstep.
pub(crate) const LANES: usize = 4;

/// A recurrence over bars, driven by [`segmented`].
pub(crate) trait Chain {
    /// Everything a step reads from earlier bars, compared bit for bit ([`Bits`]).
    type State: Bits;
    /// Outputs per bar (the kernel's row width).
    const WIDTH: usize;
    /// An approximate state *before* bar `j`, built from the bars before it (`segmented`
    /// asks only for `j >= 1`).
    fn guess(&self, j: usize) -> Self::State;
    /// Processes bar `i` from `s`, writing its `WIDTH` outputs to `out`.
    fn step(&self, s: &mut Self::State, i: usize, out: &mut [f64]);
    /// Runs bars `starts[k]..starts[k] + len` of every lane `k` in lockstep from `st[k]`,
    /// writing lane `k`'s `len * WIDTH` outputs to `outs[k]`: exactly what [`step`] gives
    /// bar after bar on each lane (the default does that). A chain overrides it with the
    /// same operations arranged so that the lanes run as one vector (each state field a
    /// `[f64; LANES]`, one vector instruction per operation for all lanes; see also
    /// [`lockstep_soa`]).
    ///
    /// [`step`]: Chain::step
    #[inline(always)]
    fn lockstep(
        &self,
        st: &mut [Self::State; LANES],
        starts: &[usize; LANES],
        len: usize,
        outs: &mut [&mut [f64]; LANES],
    ) {
        let w = Self::WIDTH;
        for i in 0..len {
            for k in 0..LANES {
                self.step(&mut st[k], starts[k] + i, &mut outs[k][i * w..(i + 1) * w]);
            }
        }
    }
    /// Runs bars `start..start + out.len() / WIDTH` serially from `s`, writing their
    /// outputs to `out`; returns the state after: exactly what [`step`] gives bar after bar
    /// (the default does that). A chain overrides it with a faster serial loop of the same
    /// operations (e.g. software-pipelined); [`segmented`] runs the warm-ups, the redone
    /// segments, the tail and series too short for lanes through it.
    ///
    /// [`step`]: Chain::step
    #[inline(always)]
    fn serial(&self, mut s: Self::State, start: usize, out: &mut [f64]) -> Self::State {
        for (i, o) in out.chunks_exact_mut(Self::WIDTH).enumerate() {
            self.step(&mut s, start + i, o);
        }
        s
    }
}

/// The `len`-bar windows of the high, low and close columns from each lane's start, or
/// `None` when a lane's window runs past a column or its output holds fewer than `len`
/// values (the caller then runs [`serial_lanes`]): the gather the high/low/close lane
/// kernels (the ADX family, ATR) start from.
#[inline(always)]
pub(crate) fn hlc_lanes<'a>(
    [h, l, c]: [&'a [f64]; 3],
    starts: &[usize; LANES],
    len: usize,
    outs: &[&mut [f64]; LANES],
) -> Option<[[&'a [f64]; LANES]; 3]> {
    let lane = |x: &'a [f64]| -> [&'a [f64]; LANES] {
        std::array::from_fn(|k| x.get(starts[k]..starts[k] + len).unwrap_or(&[]))
    };
    let cols = [lane(h), lane(l), lane(c)];
    let short = cols.iter().flatten().any(|x| x.len() != len) || outs.iter().any(|o| o.len() < len);
    (!short).then_some(cols)
}

/// For a [`Chain::lockstep`] whose fast path needs every lane's bars in range: runs each lane
/// serially through [`Chain::serial`] instead. Not reached from [`segmented`], whose lanes
/// always have their bars; it keeps a direct call correct.
#[inline(never)]
pub(crate) fn serial_lanes<C: Chain>(
    c: &C,
    st: &mut [C::State; LANES],
    starts: &[usize; LANES],
    outs: &mut [&mut [f64]; LANES],
) {
    for (s, (&a, o)) in st.iter_mut().zip(starts.iter().zip(outs.iter_mut())) {
        *s = c.serial(*s, a, o);
    }
}

/// A chain state that can be compared bit for bit (`f64::to_bits`, so NaN payloads and the
/// sign of zero count): equal states have equal futures.
pub(crate) trait Bits: Copy {
    /// Whether `self` and `other` hold the same bits.
    fn same(&self, other: &Self) -> bool;
}

impl Bits for f64 {
    #[inline(always)]
    fn same(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl<const N: usize> Bits for [f64; N] {
    #[inline(always)]
    fn same(&self, other: &Self) -> bool {
        self.iter().zip(other).all(|(x, y)| x.same(y))
    }
}

/// Runs bars `start..start + out.len() / WIDTH` serially from `s` ([`Chain::serial`]);
/// returns the state after.
#[inline(always)]
fn run<C: Chain>(c: &C, s: C::State, start: usize, out: &mut [f64]) -> C::State {
    c.serial(s, start, out)
}

/// Computes bars `first..first + out.len() / C::WIDTH` of the recurrence from the true state
/// `s0` (the state before bar `first`), writing `WIDTH` outputs per bar into `out`, exactly
/// as the serial loop would; returns the state after the last bar. `warm` is the number of
/// bars a guess needs to converge to the true state's bits (a multiple of the recurrence's
/// memory, e.g. `48 / k` for a smoothing factor `k`).
#[inline(always)]
pub(crate) fn segmented<C: Chain>(
    c: &C,
    s0: C::State,
    first: usize,
    warm: usize,
    out: &mut [f64],
) -> C::State {
    let w = C::WIDTH;
    let m = out.len() / w;
    // Worth it only when the warm-ups are a small share of the work.
    let len = m / LANES;
    if warm == 0 || len < 16 * warm.max(64) {
        return run(c, s0, first, out);
    }
    let starts: [usize; LANES] = std::array::from_fn(|k| first + k * len);
    // Warm-ups: lane k > 0 converges over the `warm` bars before its segment.
    let mut spec = [s0; LANES];
    for k in 1..LANES {
        let j = starts[k] - warm;
        let g = c.guess(j);
        let o = &mut out[(j - first) * w..(starts[k] - first) * w];
        spec[k] = run(c, g, j, o);
    }
    // The lanes, in lockstep.
    let (body, tail) = out.split_at_mut(LANES * len * w);
    let mut segs = body.chunks_exact_mut(len * w);
    let mut outs: [&mut [f64]; LANES] = std::array::from_fn(|_| match segs.next() {
        Some(seg) => seg,
        None => &mut [],
    });
    let mut st = spec;
    c.lockstep(&mut st, &starts, len, &mut outs);
    // Verification in order: the true state reaching each segment must equal its start.
    let mut truth = st[0];
    for k in 1..LANES {
        truth = if truth.same(&spec[k]) {
            st[k]
        } else {
            run(c, truth, starts[k], outs[k])
        };
    }
    run(c, truth, first + LANES * len, tail)
}

/// [`segmented`] over all `bars` bars of `c` from the true state `s0` (bar 0 first), inside
/// the FMA frame ([`crate::fma::dispatch`]), appending the `bars * WIDTH` outputs to `out`.
#[inline(always)]
pub(crate) fn segmented_into<C: Chain>(
    c: &C,
    s0: C::State,
    bars: usize,
    warm: usize,
    out: &mut Vec<f64>,
) {
    let start = out.len();
    out.resize(start + bars * C::WIDTH, 0.0);
    crate::fma::dispatch(
        #[inline(always)]
        || segmented(c, s0, 0, warm, &mut out[start..]),
    );
}

/// Staggered lanes over one group of `N * L + W` bars (local bars `0..N * L + W`), for a
/// contractive recurrence whose warm-ups should run in lockstep too: the rules of
/// [`segmented`] with the warm-ups inside the lanes.
///
/// Lane `k` runs the `L + W` bars `k * L..(k + 1) * L + W`, all lanes in lockstep (bar
/// `k * L + t` of every lane `k` at step `t`), writing each output to `out` at its bar.
/// Lane 0 starts from the true state `s0` before bar 0; lane `k >= 1` starts from
/// `guess(k * L)` (a state before bar `k * L`, made from the bars before it) and its first
/// `W` bars are its warm-up: they fall in lane `k - 1`'s bars, which that lane, `L` steps
/// behind, writes afterwards. **Verification, in order**: lane `k`'s state after its
/// warm-up (before bar `k * L + W`) is compared bit for bit ([`Bits::same`]) with the true
/// state there, the state lane `k - 1` ended with; if they differ, lane `k`'s bars
/// `k * L + W..(k + 1) * L + W` are recomputed serially from the true state. So the
/// outputs are exactly the serial ones whatever the guesses; returns the state after the
/// last bar.
///
/// `step(s, i)` advances `s` over local bar `i` and returns its output. With `L`, `W` and
/// `N` constants, every lane's bar is a constant offset from the step (`k * L + t`), so the
/// lanes share one index and the compiler keeps the `N` states in registers. An `out`
/// shorter than `N * L + W` bars runs serially.
#[inline(always)]
pub(crate) fn staggered<S: Bits, const N: usize, const L: usize, const W: usize>(
    s0: S,
    out: &mut [f64],
    guess: impl Fn(usize) -> S,
    step: impl Fn(&mut S, usize) -> f64,
) -> S {
    const { assert!(N >= 1 && W >= 1 && L >= W) };
    let g = N * L + W;
    let Some(out) = out.get_mut(..g) else {
        let mut s = s0;
        for (i, o) in out.iter_mut().enumerate() {
            *o = step(&mut s, i);
        }
        return s;
    };
    let mut st: [S; N] = std::array::from_fn(|k| if k == 0 { s0 } else { guess(k * L) });
    for t in 0..W {
        for (k, s) in st.iter_mut().enumerate() {
            out[k * L + t] = step(s, k * L + t);
        }
    }
    let warmed = st;
    for t in W..L + W {
        for (k, s) in st.iter_mut().enumerate() {
            out[k * L + t] = step(s, k * L + t);
        }
    }
    let mut truth = st[0];
    for k in 1..N {
        truth = if truth.same(&warmed[k]) {
            st[k]
        } else {
            let a = k * L + W;
            for (i, o) in out[a..a + L].iter_mut().enumerate() {
                *o = step(&mut truth, a + i);
            }
            truth
        };
    }
    truth
}

/// A [`Chain::lockstep`] for chains over one input column whose state is `S` values and
/// whose step is written for lanes side by side: `step(s, x, o)` advances every lane `k` by
/// one bar, from state `s[j][k]` (value `j` of lane `k`) and input `x[k]`, setting its row
/// `o[c][k]` (output `c`), with each operation applied to all the lanes before the next one
/// (the step on one lane is the same function with one lane).
///
/// The lanes run over blocks of [`BLOCK`] bars: the block's inputs are copied into a
/// stack buffer, one group of `LANES` adjacent values (one per lane) per bar, the steps
/// write their rows to a second buffer in the same arrangement, which is then copied to the
/// lanes' outputs. That lets the compiler run each operation on the lanes as one vector
/// instruction (a vector `vfmadd` rounds every element exactly as the scalar one does).
/// Lane `k` reads `x[starts[k]..][..len]` and writes `outs[k]`'s rows of `W` values.
#[inline(always)]
pub(crate) fn lockstep_soa<const S: usize, const W: usize>(
    x: &[f64],
    st: &mut [[f64; S]; LANES],
    starts: &[usize; LANES],
    len: usize,
    outs: &mut [&mut [f64]; LANES],
    step: impl Fn(&mut [[f64; LANES]; S], &[f64; LANES], &mut [[f64; LANES]; W]),
) {
    let mut s: [[f64; LANES]; S] = std::array::from_fn(|j| std::array::from_fn(|k| st[k][j]));
    let mut xb = [[0.0; LANES]; BLOCK];
    let mut ob = [[[0.0; LANES]; W]; BLOCK];
    let mut i = 0;
    while i < len {
        let m = (len - i).min(BLOCK);
        gather(x, starts, i, &mut xb[..m]);
        for (xv, ov) in xb[..m].iter().zip(&mut ob[..m]) {
            step(&mut s, xv, ov);
        }
        for (k, out) in outs.iter_mut().enumerate() {
            for (r, ov) in out[i * W..(i + m) * W].chunks_exact_mut(W).zip(&ob[..m]) {
                for (c, rc) in r.iter_mut().enumerate() {
                    *rc = ov[c][k];
                }
            }
        }
        i += m;
    }
    *st = std::array::from_fn(|k| std::array::from_fn(|j| s[j][k]));
}

/// For the chains' tests: the most bars that a guess made at any bar of `at` needs to reach
/// the true state's bits (the true states: the chain run serially over bars
/// `first..first + n` from `s0`); `None` when one has not converged by the last bar.
#[cfg(test)]
pub(crate) fn bars_to_converge<C: Chain>(
    c: &C,
    s0: C::State,
    first: usize,
    n: usize,
    at: impl IntoIterator<Item = usize>,
) -> Option<usize> {
    let mut o = vec![0.0; C::WIDTH];
    let mut truth = Vec::with_capacity(n + 1);
    let mut s = s0;
    for i in first..first + n {
        truth.push(s);
        c.step(&mut s, i, &mut o);
    }
    truth.push(s);
    let mut most = 0;
    for j in at {
        let mut g = c.guess(j);
        let mut i = j;
        while !g.same(&truth[i - first]) {
            if i == first + n {
                return None;
            }
            c.step(&mut g, i, &mut o);
            i += 1;
        }
        most = most.max(i - j);
    }
    Some(most)
}

/// For the chains' tests: the most bars that a guess made at any of 100 bars spread over
/// the first half of the `n` bars of `c` needs to reach the true state's bits (the chain run from `s0` at bar
/// 1); panics naming `what` when one does not converge.
#[cfg(test)]
pub(crate) fn guess_bars<C: Chain>(what: &str, c: &C, s0: C::State, n: usize) -> usize {
    let at = (1..=100).map(|j| j * (n / 202));
    bars_to_converge(c, s0, 1, n - 1, at)
        .unwrap_or_else(|| panic!("{what}: a guess did not converge"))
}

/// For the chains' tests: a random walk of `n` prices from 100 (steps up to ±1%).
#[cfg(test)]
pub(crate) fn walk(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    let mut p = 100.0;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            #[allow(clippy::cast_precision_loss)]
            let u = (s >> 11) as f64 / (1u64 << 53) as f64;
            p *= 1.0 + (u - 0.5) * 0.02;
            p
        })
        .collect()
}

/// Bars per block of a lockstep loop that goes through [`gather`] and [`scatter`] (and of
/// [`lockstep_soa`]).
pub(crate) const BLOCK: usize = 64;

/// For a [`Chain::lockstep`]: copies bars `i..i + buf.len()` of every lane `k` (the values
/// `x[starts[k] + i..]`) into `buf`, lane `k` of bar `b` at `buf[b][k]`, so that the lanes'
/// values of one bar are adjacent (one vector load); bars past the end of `x` are left.
#[inline(always)]
pub(crate) fn gather(x: &[f64], starts: &[usize; LANES], i: usize, buf: &mut [[f64; LANES]]) {
    let m = buf.len();
    for (k, &a) in starts.iter().enumerate() {
        let src = x.get(a + i..a + i + m).unwrap_or(&[]);
        for (b, &v) in buf.iter_mut().zip(src) {
            b[k] = v;
        }
    }
}

/// For a [`Chain::lockstep`] with `WIDTH` 1: copies lane `k` of `buf` (`buf[b][k]`, one
/// group of adjacent lane values per bar, written as one vector store) to
/// `outs[k][i..i + buf.len()]`.
#[inline(always)]
pub(crate) fn scatter(buf: &[[f64; LANES]], i: usize, outs: &mut [&mut [f64]; LANES]) {
    for (k, o) in outs.iter_mut().enumerate() {
        if let Some(dst) = o.get_mut(i..i + buf.len()) {
            for (d, b) in dst.iter_mut().zip(buf) {
                *d = b[k];
            }
        }
    }
}

/// For a [`Chain::lockstep`] of a chain whose lanes go through some event at a bar of
/// their own (the re-synchronisation of running sums: WMA, VAR, the LINEARREG family): runs
/// lane `k`'s first `lead[k]` bars serially ([`Chain::serial`]), so that every lane then
/// stands at its event, runs `body` (a lockstep: same arguments as [`Chain::lockstep`]) on
/// the bars the lanes have left in common, and each lane's remaining bars serially. Same
/// results as [`Chain::lockstep`] whatever `lead` (it only decides which bars run in
/// `body`).
#[inline(always)]
pub(crate) fn lockstep_aligned<C: Chain>(
    c: &C,
    st: &mut [C::State; LANES],
    starts: &[usize; LANES],
    len: usize,
    outs: &mut [&mut [f64]; LANES],
    lead: [usize; LANES],
    body: impl FnOnce(&mut [C::State; LANES], &[usize; LANES], usize, &mut [&mut [f64]; LANES]),
) {
    let w = C::WIDTH;
    let lead = lead.map(|d| d.min(len));
    for (k, (s, o)) in st.iter_mut().zip(outs.iter_mut()).enumerate() {
        *s = c.serial(*s, starts[k], &mut o[..lead[k] * w]);
    }
    let common = len - lead.iter().copied().max().unwrap_or(0);
    let moved: [usize; LANES] = std::array::from_fn(|k| starts[k] + lead[k]);
    {
        let mut it = outs.iter_mut().zip(lead);
        let mut mid: [&mut [f64]; LANES] = std::array::from_fn(|_| match it.next() {
            Some((o, d)) => &mut o[d * w..(d + common) * w],
            None => &mut [],
        });
        body(st, &moved, common, &mut mid);
    }
    for (k, (s, o)) in st.iter_mut().zip(outs.iter_mut()).enumerate() {
        *s = c.serial(
            *s,
            moved[k] + common,
            &mut o[(lead[k] + common) * w..len * w],
        );
    }
}

/// A lane state of a re-synchronised running sum (WMA, VAR, LINEARREG).
pub(crate) trait Countdown {
    /// Bars left before the one computed exactly from the window (0: this bar).
    fn countdown(&self) -> usize;
}

/// The block walk shared by the lockstep loops of re-synchronised running sums: bars
/// `0..len` of the lanes go in blocks of at most [`BLOCK`] bars that hold no bar where some
/// lane is due (countdown 0); such a bar runs through [`Chain::step`] on every lane. For
/// each block of `m` bars starting at `i`, the entering values `x[new[k] + i..]` and the
/// leaving ones `x[new[k] - p + i..]` are gathered one group of lane values per bar, and
/// `block(st, i, entering, leaving, outs)` runs it and returns how many of its bars it
/// completed (fewer than `m`: the next bar runs through `step` on every lane). One output
/// per bar (`WIDTH` 1).
#[inline(always)]
#[allow(
    clippy::too_many_arguments,
    reason = "the loop's inputs, each used once"
)]
pub(crate) fn resync_blocks<C: Chain>(
    c: &C,
    st: &mut [C::State; LANES],
    starts: &[usize; LANES],
    len: usize,
    outs: &mut [&mut [f64]; LANES],
    x: &[f64],
    new: &[usize; LANES],
    p: usize,
    mut block: impl FnMut(
        &mut [C::State; LANES],
        usize,
        &[[f64; LANES]],
        &[[f64; LANES]],
        &mut [&mut [f64]; LANES],
    ) -> usize,
) where
    C::State: Countdown,
{
    let mut xb = [[0.0; LANES]; BLOCK];
    let mut tb = [[0.0; LANES]; BLOCK];
    let mut i = 0;
    while i < len {
        let due = st.iter().map(Countdown::countdown).min().unwrap_or(0);
        let done = if due == 0 {
            0
        } else {
            let m = due.min(len - i).min(BLOCK);
            gather_t(x, new, i, &mut xb[..m]);
            // The leaving values (bar `b - p`; a block never holds a lane's first bar, which
            // is due, so `b >= p`).
            let old: [usize; LANES] = std::array::from_fn(|k| new[k] + i - p);
            gather_t(x, &old, 0, &mut tb[..m]);
            let r = block(st, i, &xb[..m], &tb[..m], outs);
            if r == m {
                i += m;
                continue;
            }
            r
        };
        i += done;
        for (k, (s, o)) in st.iter_mut().zip(outs.iter_mut()).enumerate() {
            c.step(s, starts[k] + i, &mut o[i..=i]);
        }
        i += 1;
    }
}

/// The 4×4 transpose: row `j` of the result is `[a[j], b[j], c[j], d[j]]` (a few vector
/// shuffles).
#[inline(always)]
fn transpose4(a: [f64; 4], b: [f64; 4], c: [f64; 4], d: [f64; 4]) -> [[f64; 4]; 4] {
    let t0 = [a[0], b[0], a[2], b[2]];
    let t1 = [a[1], b[1], a[3], b[3]];
    let t2 = [c[0], d[0], c[2], d[2]];
    let t3 = [c[1], d[1], c[3], d[3]];
    [
        [t0[0], t0[1], t2[0], t2[1]],
        [t1[0], t1[1], t3[0], t3[1]],
        [t0[2], t0[3], t2[2], t2[3]],
        [t1[2], t1[3], t3[2], t3[3]],
    ]
}

/// [`gather`] four bars at a time, each a 4×4 transpose of four values per lane (vector
/// loads, shuffles and stores instead of one scalar move per value), for a block whose bars
/// all exist on every lane ([`gather`] otherwise). Same result as [`gather`]. (Written for
/// four lanes.)
#[inline(always)]
pub(crate) fn gather_t(x: &[f64], starts: &[usize; LANES], i: usize, buf: &mut [[f64; LANES]]) {
    let m = buf.len();
    let src: [&[f64]; LANES] =
        std::array::from_fn(|k| x.get(starts[k] + i..starts[k] + i + m).unwrap_or(&[]));
    if src.iter().any(|s| s.len() != m) {
        gather(x, starts, i, buf);
        return;
    }
    let [a, b, c, d] = src.map(|s| s.as_chunks::<4>().0);
    let (rows, rest) = buf.as_chunks_mut::<4>();
    for ((((r, a), b), c), d) in rows.iter_mut().zip(a).zip(b).zip(c).zip(d) {
        *r = transpose4(*a, *b, *c, *d);
    }
    let q = m - rest.len();
    for (j, row) in rest.iter_mut().enumerate() {
        *row = std::array::from_fn(|k| src[k][q + j]);
    }
}

/// [`scatter`] four bars at a time as 4×4 transposes (see [`gather_t`]), for a block whose
/// bars all exist on every lane ([`scatter`] otherwise). Same result as [`scatter`].
#[inline(always)]
pub(crate) fn scatter_t(buf: &[[f64; LANES]], i: usize, outs: &mut [&mut [f64]; LANES]) {
    let m = buf.len();
    if outs.iter().any(|o| o.len() < i + m) {
        scatter(buf, i, outs);
        return;
    }
    let [a, b, c, d] = outs.each_mut().map(|o| o[i..i + m].as_chunks_mut::<4>().0);
    let (rows, rest) = buf.as_chunks::<4>();
    for ((((r, a), b), c), d) in rows.iter().zip(a).zip(b).zip(c).zip(d) {
        [*a, *b, *c, *d] = transpose4(r[0], r[1], r[2], r[3]);
    }
    let q = m - rest.len();
    for (j, row) in rest.iter().enumerate() {
        for (o, &v) in outs.iter_mut().zip(row) {
            o[i + q + j] = v;
        }
    }
}

/// Bars a guess of a Wilder smoothing chain (ADX and its family, RSI, CMO, ATR, NATR:
/// each part forgets its start by a factor `1 - 1/period` per bar) needs to reach the true
/// state's bits. Measured on the benchmark series from zero guesses: ADX, the slowest (the
/// DX of the converging sums feeds its own smoothing), takes 30–48 periods; `64 · period +
/// 64` leaves a margin (a too short warm-up only costs a serial redo).
#[inline]
pub(crate) fn wilder_warm(period: usize) -> usize {
    period.saturating_mul(64).saturating_add(64)
}

/// For the chains' tests: whether a guess made at each of 40 bars spread over the second
/// half of bars `1..n` reaches the true state's bits (the chain run serially from `s0` at
/// bar 1) within `warm` bars, as [`segmented`] needs for its lanes to verify.
#[cfg(test)]
pub(crate) fn warm_suffices<C: Chain>(c: &C, s0: C::State, n: usize, warm: usize) -> bool {
    let at = (0..40).map(|q| n / 2 + q * (n / 2 - warm - 1) / 40);
    bars_to_converge(c, s0, 1, n - 1, at).is_some_and(|most| most <= warm)
}

/// For the chains' tests: high, low and close of a random walk of `n` bars.
#[cfg(test)]
pub(crate) fn test_hlc(n: usize) -> [Vec<f64>; 3] {
    let mut s = 7u64;
    let mut u = move || {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        #[allow(clippy::cast_precision_loss)]
        let u = (s >> 11) as f64 / (1u64 << 53) as f64;
        u
    };
    let mut p = 100.0;
    let mut v: [Vec<f64>; 3] = Default::default();
    for _ in 0..n {
        p *= 1.0 + (u() - 0.5) * 0.02;
        v[0].push(p * (1.0 + 0.01 * u()));
        v[1].push(p * (1.0 - 0.01 * u()));
        v[2].push(p);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// An EMA-like chain that counts how many bars it processed, so the tests can tell a
    /// verified speculation from a serial redo.
    struct Ema<'a> {
        x: &'a [f64],
        k: f64,
        steps: Cell<usize>,
    }

    impl Chain for Ema<'_> {
        type State = f64;
        const WIDTH: usize = 1;
        fn guess(&self, j: usize) -> f64 {
            self.x[j - 1]
        }
        fn step(&self, s: &mut f64, i: usize, out: &mut [f64]) {
            self.steps.set(self.steps.get() + 1);
            *s = (self.x[i] - *s).mul_add(self.k, *s);
            out[0] = *s;
        }
    }

    fn serial(x: &[f64], k: f64, first: usize, s0: f64) -> (Vec<f64>, f64) {
        let mut s = s0;
        let out = x[first..]
            .iter()
            .map(|&v| {
                s = (v - s).mul_add(k, s);
                s
            })
            .collect();
        (out, s)
    }

    fn check(x: &[f64], k: f64, warm: usize) -> usize {
        let first = 1;
        let c = Ema {
            x,
            k,
            steps: Cell::new(0),
        };
        let mut out = vec![0.0; x.len() - first];
        let end = segmented(&c, x[0], first, warm, &mut out);
        let (want, want_end) = serial(x, k, first, x[0]);
        assert_eq!(end.to_bits(), want_end.to_bits());
        for (i, (a, b)) in out.iter().zip(&want).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "bar {}", i + first);
        }
        c.steps.get()
    }

    #[test]
    fn speculation_verifies_on_a_random_walk() {
        let x = walk(200_000, 3);
        let k = 2.0 / 31.0;
        let warm = 1_000;
        let steps = check(&x, k, warm);
        // Every segment verified: one pass plus the three warm-ups, no serial redo.
        assert_eq!(steps, x.len() - 1 + 3 * warm);
    }

    #[test]
    fn a_guess_that_has_not_converged_is_redone_serially() {
        let x = walk(200_000, 4);
        // Far too short a warm-up for k = 1/1000: the guesses cannot converge, so every
        // segment after the first is recomputed; the output is still the serial one.
        let steps = check(&x, 0.001, 64);
        assert!(steps > x.len() - 1 + 3 * 64, "{steps}");
    }

    #[test]
    fn nan_and_infinity_in_the_chain_give_the_serial_bits() {
        for (pos, bad) in [
            (10usize, f64::NAN),
            (120_000, f64::NAN),
            (60_000, f64::INFINITY),
            (150_000, f64::NEG_INFINITY),
        ] {
            let mut x = walk(200_000, 5);
            x[pos] = bad;
            check(&x, 2.0 / 15.0, 500);
        }
    }

    /// [`staggered`] with 4 lanes of 3,000 bars and 600 warm-up bars against the serial
    /// EMA, returning how many steps ran.
    fn check_staggered(x: &[f64], k: f64) -> usize {
        const G: usize = 4 * 3_000 + 600;
        let steps = Cell::new(0);
        let s0 = x[0];
        let xs = &x[1..];
        let mut out = vec![0.0; xs.len()];
        let end = staggered::<f64, 4, 3_000, 600>(
            s0,
            &mut out,
            |j| xs[j - 1],
            |s, i| {
                steps.set(steps.get() + 1);
                *s = (xs[i] - *s).mul_add(k, *s);
                *s
            },
        );
        let (want, _) = serial(x, k, 1, s0);
        let g = G.min(xs.len());
        assert_eq!(end.to_bits(), want[g - 1].to_bits());
        for (i, (a, b)) in out[..g].iter().zip(&want).enumerate() {
            assert_eq!(a.to_bits(), b.to_bits(), "bar {i}");
        }
        steps.get()
    }

    #[test]
    fn staggered_lanes_give_the_serial_bits() {
        let x = walk(20_000, 7);
        // Verified: every lane runs its 3,600 steps, nothing is redone.
        assert_eq!(check_staggered(&x, 2.0 / 31.0), 4 * 3_600);
        // Far too slow to converge in 600 bars: lanes 1-3 are redone serially.
        assert_eq!(check_staggered(&x, 0.001), 4 * 3_600 + 3 * 3_000);
        for (pos, bad) in [
            (100usize, f64::NAN),
            (3_500, f64::INFINITY),
            (7_000, f64::NAN),
        ] {
            let mut x = walk(20_000, 8);
            x[pos] = bad;
            check_staggered(&x, 2.0 / 15.0);
        }
        // Shorter than a group: serial.
        let x = walk(5_000, 9);
        assert_eq!(check_staggered(&x, 0.1), 4_999);
    }

    #[test]
    fn short_series_run_serially() {
        for n in [2, 3, 100, 5_000, 63_999, 64_001] {
            let x = walk(n, 6);
            let steps = check(&x, 0.1, 1_000);
            assert!(steps >= n - 1);
        }
    }
}
