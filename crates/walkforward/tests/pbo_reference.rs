//! The PBO fast path (a parallel tree walk over the combinations with shared
//! running sums and vectorised Sharpe ratios) must equal, bit for bit, the
//! direct per-combination computation it replaced: every logit, IS-best and
//! OOS-of-best value, for any thread count, with noisy, near-constant,
//! constant-stretch and tied columns, both block rules and several `S`.

#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::float_cmp,
    reason = "test helpers; exact comparisons are the point"
)]

use aaiti_walkforward::{BlockRule, Error, MedianRule, PboConfig, PboResult, pbo};
use ndarray::{Array2, ArrayView2, ShapeBuilder};

/// The former implementation, serial: per combination, per configuration,
/// sums of the per-block (sum, sum of squares) over the IS and OOS blocks in
/// block order, the Sharpe ratio (exact constant check and stable per-block
/// recombination when the variance is numerically tiny), the IS argmax and the
/// OOS rank. Returns (logits, IS best, OOS of best) in lexicographic order of
/// the OOS blocks.
fn reference(m: ArrayView2<'_, f64>, s: usize, blocks: BlockRule) -> Vec<(f64, f64, f64)> {
    let (t, nc) = m.dim();
    let (size, rem) = (t / s, t % s);
    let bounds: Vec<(usize, usize)> = match blocks {
        BlockRule::DropHead => (0..s)
            .map(|b| (rem + b * size, rem + (b + 1) * size))
            .collect(),
        BlockRule::Spread => {
            let mut cur = 0;
            (0..s)
                .map(|b| {
                    let len = size + usize::from(b < rem);
                    cur += len;
                    (cur - len, cur)
                })
                .collect()
        }
    };
    // [config][block] = (n, sum, q, min, max), column by column
    let mut st = vec![[0.0f64; 5]; nc * s];
    for j in 0..nc {
        for (b, &(lo, hi)) in bounds.iter().enumerate() {
            let col: Vec<f64> = (lo..hi).map(|i| m[[i, j]]).collect();
            let cnt = (hi - lo) as f64;
            let mut sum = 0.0;
            for &x in &col {
                sum += x;
            }
            let mean = sum / cnt;
            let mut m2 = 0.0;
            for &x in &col {
                m2 += (x - mean) * (x - mean);
            }
            let mn = col.iter().copied().fold(f64::INFINITY, f64::min);
            let mx = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            st[j * s + b] = [cnt, sum, m2 + cnt * mean * mean, mn, mx];
        }
    }
    let sharpe = |blk: &[[f64; 5]], set: &[usize]| -> f64 {
        let mut n = 0.0;
        for &b in set {
            n += blk[b][0];
        }
        if n < 2.0 {
            return 0.0;
        }
        let (mut sum, mut q) = (0.0, 0.0);
        for &b in set {
            sum += blk[b][1];
            q += blk[b][2];
        }
        let m2 = q - sum * sum / n;
        if m2 <= 1e-9 * q.abs() {
            let mn = set.iter().map(|&b| blk[b][3]).fold(f64::INFINITY, f64::min);
            let mx = set
                .iter()
                .map(|&b| blk[b][4])
                .fold(f64::NEG_INFINITY, f64::max);
            if mn == mx {
                return 0.0;
            }
            let mu = sum / n;
            let m2s: f64 = set
                .iter()
                .map(|&b| {
                    let [bn, bs, bq, _, _] = blk[b];
                    let mb = bs / bn;
                    (bq - bn * mb * mb) + bn * (mb - mu) * (mb - mu)
                })
                .sum();
            let sd = (m2s / (n - 1.0)).sqrt();
            return if sd == 0.0 || !sd.is_finite() {
                0.0
            } else {
                mu / sd
            };
        }
        let sd = (m2 / (n - 1.0)).sqrt();
        if sd == 0.0 || !sd.is_finite() {
            0.0
        } else {
            sum / n / sd
        }
    };
    // combinations of S/2 OOS blocks, lexicographic
    let k = s / 2;
    let mut out = Vec::new();
    let mut c: Vec<usize> = (0..k).collect();
    loop {
        let oos_set = c.clone();
        let is_set: Vec<usize> = (0..s).filter(|b| !c.contains(b)).collect();
        let mut is = Vec::new();
        let mut oos = Vec::new();
        for blk in st.chunks_exact(s) {
            is.push(sharpe(blk, &is_set));
            oos.push(sharpe(blk, &oos_set));
        }
        let mut best = 0;
        for (j, &v) in is.iter().enumerate() {
            if v > is[best] {
                best = j;
            }
        }
        let x = oos[best];
        let less = oos.iter().filter(|&&v| v < x).count() as f64;
        let eq = oos.iter().filter(|&&v| v == x).count() as f64;
        let omega = (less + (eq + 1.0) / 2.0) / (nc as f64 + 1.0);
        out.push(((omega / (1.0 - omega)).ln(), is[best], x));
        let mut i = k;
        while i > 0 && c[i - 1] == s - k + i - 1 {
            i -= 1;
        }
        if i == 0 {
            return out;
        }
        c[i - 1] += 1;
        for j in i..k {
            c[j] = c[j - 1] + 1;
        }
    }
}

fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    (*seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}

/// Noise, near-constant (tiny noise on a large level: the stable path),
/// constant stretches (exactly constant slices), integer values (ties), a
/// duplicate of column 0 (tied Sharpe ratios) and, for wider matrices, column 0
/// scaled by 2, 3 and 1e-160 (equal Sharpe ratios up to rounding).
fn matrix(t: usize, n: usize, seed: u64) -> Array2<f64> {
    let mut seed = seed;
    let mut m = Array2::from_shape_fn((t, n), |(i, j)| match j % 5 {
        0 | 1 => lcg(&mut seed) * 0.02,
        2 => 1e3 + lcg(&mut seed) * 1e-12,
        3 => {
            if (i / 7) % 2 == 0 {
                0.25
            } else {
                lcg(&mut seed)
            }
        }
        _ => (lcg(&mut seed) * 6.0).round(),
    });
    if n > 5 {
        let c0 = m.column(0).to_owned();
        m.column_mut(n - 1).assign(&c0);
    }
    if n > 8 {
        // same Sharpe ratio in exact arithmetic, rounding differently (×3),
        // or exactly (×2); and values so small that a proxy would underflow
        let c0 = m.column(0).to_owned();
        m.column_mut(n - 2).assign(&(&c0 * 3.0));
        m.column_mut(n - 3).assign(&(&c0 * 2.0));
        m.column_mut(n - 4).assign(&(&c0 * 1e-160));
    }
    m
}

fn same(a: &PboResult, want: &[(f64, f64, f64)], what: &str) {
    assert_eq!(a.n_combinations, want.len(), "{what}");
    for (c, (&(l, i, o), ((&gl, &gi), &go))) in want
        .iter()
        .zip(a.logits.iter().zip(&a.is_best).zip(&a.oos_of_best))
        .enumerate()
    {
        assert_eq!(
            (gl.to_bits(), gi.to_bits(), go.to_bits()),
            (l.to_bits(), i.to_bits(), o.to_bits()),
            "{what}: combination {c}"
        );
    }
}

#[test]
fn fast_path_is_bit_identical_to_the_direct_computation_for_any_thread_count() {
    let pools: Vec<rayon::ThreadPool> = [1, 2, 3]
        .iter()
        .map(|&t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        })
        .collect();
    // (T, N): N around and above the 64-column statistics tile, T not a multiple of S
    for (t, n, seed) in [
        (203usize, 7usize, 1u64),
        (131, 70, 2),
        (64, 3, 3),
        (97, 129, 4),
    ] {
        let m = matrix(t, n, seed);
        for s in [2usize, 4, 6, 10, 12] {
            for blocks in [BlockRule::DropHead, BlockRule::Spread] {
                let want = reference(m.view(), s, blocks);
                let cfg = PboConfig {
                    n_blocks: s,
                    blocks,
                    median: MedianRule::AtOrBelow,
                };
                for (p, pool) in pools.iter().enumerate() {
                    let got = pool.install(|| pbo(m.view(), &cfg)).unwrap();
                    same(
                        &got,
                        &want,
                        &format!("T={t} N={n} S={s} {blocks:?} pool {p}"),
                    );
                }
            }
        }
    }
}

#[test]
fn fast_path_matches_at_s16_on_a_transposed_view() {
    // a column-major (non-standard-layout) input takes the same code path
    let m = matrix(23, 160, 9);
    let fortran = Array2::from_shape_fn(m.dim().f(), |ij| m[ij]);
    let view = fortran.view();
    assert!(view.as_slice().is_none());
    let want = reference(m.view(), 16, BlockRule::Spread);
    let cfg = PboConfig {
        n_blocks: 16,
        blocks: BlockRule::Spread,
        median: MedianRule::Below,
    };
    same(&pbo(view, &cfg).unwrap(), &want, "S=16 transposed");
}

#[test]
fn non_finite_inputs_are_reported_wherever_they_are() {
    let m = matrix(100, 6, 5);
    let cfg = PboConfig {
        n_blocks: 8,
        ..PboConfig::default()
    };
    // 100 = 8 × 12 + 4: rows 0..4 are dropped by DropHead but still checked
    let mut bad = m.clone();
    bad[[2, 3]] = f64::NAN;
    let err = pbo(bad.view(), &cfg).unwrap_err();
    assert!(matches!(err, Error::NonFinite { index: 15, .. }), "{err:?}");
    bad[[2, 3]] = 0.0;
    bad[[99, 5]] = f64::NEG_INFINITY;
    let err = pbo(bad.view(), &cfg).unwrap_err();
    assert!(
        matches!(err, Error::NonFinite { index: 599, .. }),
        "{err:?}"
    );
    // a non-finite value is reported before an invalid S (as before)
    let odd = PboConfig {
        n_blocks: 7,
        ..PboConfig::default()
    };
    let err = pbo(bad.view(), &odd).unwrap_err();
    assert!(
        matches!(err, Error::NonFinite { index: 599, .. }),
        "{err:?}"
    );
    assert!(matches!(
        pbo(m.view(), &odd).unwrap_err(),
        Error::InvalidParameter { .. }
    ));
    // finite values whose block sums overflow are not an input error: same
    // results as the direct computation
    let mut big = matrix(64, 6, 6);
    for i in 0..64 {
        big[[i, 1]] = f64::MAX / 2.0;
    }
    let cfg = PboConfig {
        n_blocks: 4,
        ..PboConfig::default()
    };
    let got = pbo(big.view(), &cfg).unwrap();
    same(
        &got,
        &reference(big.view(), 4, BlockRule::DropHead),
        "overflow",
    );
}

#[test]
fn sharpe_ratios_equal_up_to_rounding_are_decided_on_exact_values() {
    // Every column is one return series times a different factor: all Sharpe
    // ratios are equal in exact arithmetic, so the IS argmax and the OOS rank
    // are decided by the last bits of each computed ratio.
    let mut seed = 11u64;
    let base: Vec<f64> = (0..96).map(|_| lcg(&mut seed) * 0.02 + 0.001).collect();
    let m = Array2::from_shape_fn((96, 41), |(i, j)| base[i] * (1.0 + j as f64 * 0.37));
    for s in [4usize, 8, 12] {
        let want = reference(m.view(), s, BlockRule::DropHead);
        let cfg = PboConfig {
            n_blocks: s,
            ..PboConfig::default()
        };
        same(
            &pbo(m.view(), &cfg).unwrap(),
            &want,
            &format!("scaled S={s}"),
        );
    }
}
