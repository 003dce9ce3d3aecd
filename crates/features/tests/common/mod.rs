//! Helpers shared by the batch-kernel and streaming tests (`f3_*`, `fc_*`, `fd_*`, `fe_*`): a
//! seeded generator, adversarial OHLCV series (random walks with flat runs, signed zeros, NaNs
//! and infinities in every column, tiny and huge magnitudes), the reference fold and
//! bit-for-bit comparison.

#![allow(dead_code, reason = "each test file uses a subset")]

use aaiti_core::Bar;
use aaiti_features::{Columns, DynIndicator, Indicator};

/// splitmix64 in `[0, 1]`, so the tests need no RNG crate.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// The next value.
    pub(crate) fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        #[allow(clippy::cast_precision_loss)]
        let u = (z ^ (z >> 31)) as f64 / u64::MAX as f64;
        u
    }
}

/// The reference: a fresh state fed bar by bar, row-major like the kernels.
pub(crate) fn fold(ind: &dyn DynIndicator, cols: &Columns<'_>) -> Vec<f64> {
    let mut st = ind.box_clone();
    st.reset();
    let k = st.output_names().len();
    let mut out = vec![f64::NAN; cols.len() * k];
    let mut buf = vec![f64::NAN; k];
    for (i, row) in out.chunks_exact_mut(k).enumerate() {
        if st.update_into(&cols.bar(i), &mut buf) {
            row.copy_from_slice(&buf);
        }
    }
    out
}

/// Asserts that `ind`'s batch kernel appends exactly the fold's values, bit for bit (NaN as
/// any NaN), after a sentinel it must keep; `what` names the case in the failure message.
pub(crate) fn assert_kernel_eq_fold(ind: &dyn DynIndicator, cols: &Columns<'_>, what: &str) {
    let k = ind.output_names().len().max(1);
    let mut got = vec![1.5];
    ind.batch_into(cols, &mut got);
    assert_eq!(got.first().copied(), Some(1.5), "{what}: overwrote `out`");
    let want = fold(ind, cols);
    assert_eq!(got.len(), 1 + want.len(), "{what}");
    for (idx, (g, w)) in got[1..].iter().zip(&want).enumerate() {
        assert!(
            same(*g, *w),
            "{what}: kernel {g} != fold {w} at row {}",
            idx / k
        );
    }
}

/// Same bits, or both NaN (a NaN's sign and payload are not specified by Rust).
pub(crate) fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

/// A streaming output against its reference's at bar `i`: both `None`, or the same bits.
pub(crate) fn check_output(label: &str, i: usize, got: Option<f64>, want: Option<f64>) {
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) => assert!(same(g, w), "{label}: {g} != reference {w} at bar {i}"),
        _ => panic!("{label}: {got:?} vs reference {want:?} at bar {i}"),
    }
}

/// Serialises `ind` to JSON and reads it back (the restored state must continue
/// identically; a state holding a NaN or an infinity round-trips too, through
/// `aaiti_core::serde_f64`).
pub(crate) fn json_roundtrip<I: Indicator>(ind: &I) -> I {
    let json = serde_json::to_string(ind).unwrap_or_else(|e| panic!("serialise: {e}"));
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("load {json}: {e}"))
}

/// Series lengths of the streaming reference tests: empty, the shortest, around typical
/// lookbacks, and long.
pub(crate) const STREAM_LENGTHS: [usize; 9] = [0, 1, 2, 5, 15, 29, 30, 31, 700];

/// How a series is damaged.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// A random walk with flat runs (equal highs, lows and closes).
    Walk,
    /// Values `+0.0`, `-0.0` or small integers (ties and zero ranges everywhere).
    Zeros,
    /// NaN in every column at scattered bars.
    Nans,
    /// `±inf` in every column at scattered bars.
    Infs,
    /// Magnitudes from 1e-300 to 1e300 (subnormal differences, overflow to inf).
    Extreme,
}

/// Every kind.
pub(crate) const KINDS: [Kind; 5] = [
    Kind::Walk,
    Kind::Zeros,
    Kind::Nans,
    Kind::Infs,
    Kind::Extreme,
];

/// `n` bars as five columns (open, high, low, close, volume).
pub(crate) fn series(n: usize, seed: u64, kind: Kind) -> [Vec<f64>; 5] {
    let mut r = Rng(seed);
    let mut cols: [Vec<f64>; 5] = Default::default();
    let mut p: f64 = 100.0;
    for i in 0..n {
        let (mut o, mut h, mut l, mut c, mut v);
        match kind {
            Kind::Zeros => {
                let pick = |r: &mut Rng| match (r.next() * 6.0) as u32 {
                    0 => 0.0,
                    1 => -0.0,
                    k => f64::from(k),
                };
                o = pick(&mut r);
                c = pick(&mut r);
                h = o.max(c) + if r.next() < 0.5 { 0.0 } else { 1.0 };
                l = o.min(c) - if r.next() < 0.5 { 0.0 } else { 1.0 };
                if r.next() < 0.2 {
                    (h, l) = (-0.0, 0.0);
                }
                v = pick(&mut r);
            }
            Kind::Extreme => {
                let mag = |r: &mut Rng| 10f64.powf(600.0 * r.next() - 300.0);
                let sgn = |r: &mut Rng| if r.next() < 0.1 { -1.0 } else { 1.0 };
                o = sgn(&mut r) * mag(&mut r);
                c = sgn(&mut r) * mag(&mut r);
                h = o.max(c) * (1.0 + r.next());
                l = o.min(c) * (1.0 - 0.5 * r.next());
                if r.next() < 0.1 {
                    h = f64::MAX;
                }
                v = mag(&mut r);
            }
            _ => {
                o = p;
                if (i / 7) % 5 != 2 {
                    p = (p * (1.0 + 0.04 * (r.next() - 0.5))).max(1.0);
                }
                c = p;
                h = o.max(c) * (1.0 + 0.01 * r.next());
                l = o.min(c) * (1.0 - 0.01 * r.next());
                if (i / 7) % 5 == 2 {
                    (h, l) = (c, c);
                }
                v = (100.0 * r.next()).round();
            }
        }
        match kind {
            Kind::Nans if r.next() < 0.03 => match (r.next() * 5.0) as u32 {
                0 => o = f64::NAN,
                1 => h = f64::NAN,
                2 => l = f64::NAN,
                3 => c = f64::NAN,
                _ => v = f64::NAN,
            },
            Kind::Infs if r.next() < 0.03 => {
                let inf = if r.next() < 0.5 {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                };
                match (r.next() * 5.0) as u32 {
                    0 => o = inf,
                    1 => h = inf,
                    2 => l = inf,
                    3 => c = inf,
                    _ => v = inf,
                }
            }
            _ => {}
        }
        for (col, x) in cols.iter_mut().zip([o, h, l, c, v]) {
            col.push(x);
        }
    }
    cols
}

/// The bars of five columns (open, high, low, close, volume), one `Bar` each.
pub(crate) fn bars(s: &[Vec<f64>; 5]) -> Vec<Bar> {
    (0..s[0].len())
        .map(|i| Bar {
            open: s[0][i],
            high: s[1][i],
            low: s[2][i],
            close: s[3][i],
            volume: s[4][i],
        })
        .collect()
}
