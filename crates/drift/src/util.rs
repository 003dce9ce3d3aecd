//! Small numerical helpers shared by the modules.

use crate::error::{Error, Result};

/// Sample standard deviation (ddof = 1), two-pass.
pub(crate) fn sample_std(xs: &[f64], what: &str) -> Result<f64> {
    if xs.len() < 2 {
        return Err(Error::TooFew {
            what: what.to_string(),
            needed: 2,
            got: xs.len(),
        });
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let ss: f64 = xs.iter().map(|x| (x - mean) * (x - mean)).sum();
    Ok((ss / (n - 1.0)).sqrt())
}

/// Mean of a non-empty slice.
pub(crate) fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sorts a copy of `xs` (all finite) ascending: comparison sort for small inputs, an LSD radix
/// sort on the IEEE-754 bit patterns (11-bit digits) for large ones (about 3x faster at 100k).
pub(crate) fn sorted(xs: &[f64]) -> Vec<f64> {
    if xs.len() < 4096 {
        let mut v = xs.to_vec();
        v.sort_unstable_by(f64::total_cmp);
        return v;
    }
    radix_sorted(xs)
}

#[inline]
fn key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

#[inline]
pub(crate) fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

fn radix_sorted(xs: &[f64]) -> Vec<f64> {
    const BITS: u32 = 11;
    const RADIX: usize = 1 << BITS;
    const PASSES: usize = 6;
    let n = xs.len();
    let mut counts = vec![[0usize; RADIX]; PASSES];
    let mut a: Vec<u64> = xs
        .iter()
        .map(|&x| {
            let k = key(x);
            for (p, c) in counts.iter_mut().enumerate() {
                c[((k >> (BITS * p as u32)) as usize) & (RADIX - 1)] += 1;
            }
            k
        })
        .collect();
    // passes where every key has the same digit would not move anything
    let passes: Vec<usize> = (0..PASSES).filter(|&p| !counts[p].contains(&n)).collect();
    let Some((&last, rest)) = passes.split_last() else {
        return a.into_iter().map(unkey).collect();
    };
    let mut b = vec![0u64; n];
    for &p in rest {
        let c = &mut counts[p];
        let shift = BITS * p as u32;
        exclusive_prefix_sum(c);
        for &k in &a {
            let d = ((k >> shift) as usize) & (RADIX - 1);
            b[c[d]] = k;
            c[d] += 1;
        }
        std::mem::swap(&mut a, &mut b);
    }
    // the last pass writes the decoded floats directly
    let c = &mut counts[last];
    let shift = BITS * last as u32;
    exclusive_prefix_sum(c);
    let mut out = vec![0.0_f64; n];
    for &k in &a {
        let d = ((k >> shift) as usize) & (RADIX - 1);
        out[c[d]] = unkey(k);
        c[d] += 1;
    }
    out
}

fn exclusive_prefix_sum(c: &mut [usize]) {
    let mut sum = 0;
    for v in c.iter_mut() {
        let t = *v;
        *v = sum;
        sum += t;
    }
}

/// Sorts the keys of `a` and `b` together and returns the sorted order-preserving keys with a
/// tag per element (`false` = from `a`, `true` = from `b`); decode a key with [`unkey`]. The
/// order among elements with identical keys is unspecified. All values finite.
///
/// Four LSD radix passes (11-bit digits) order the keys by their top 44 bits; runs of equal
/// 44-bit prefixes (rare for continuous data) are then sorted on the full key (insertion sort
/// for short runs, `sort_unstable` for long ones), which completes the sort with two passes
/// fewer than a full 64-bit LSD sort.
pub(crate) fn radix_sorted_joint(a: &[f64], b: &[f64]) -> (Vec<u64>, Vec<bool>) {
    let mut bufs = JointBuffers::default();
    radix_sorted_joint_in(a, b, &mut bufs);
    (bufs.keys, bufs.tags)
}

/// Buffers of [`radix_sorted_joint_in`]; reuse them across calls to avoid allocating (and
/// page-faulting in) four large arrays per call.
#[derive(Debug, Default)]
pub(crate) struct JointBuffers {
    /// Sorted keys (the result).
    pub(crate) keys: Vec<u64>,
    /// Tags of the sorted keys (the result).
    pub(crate) tags: Vec<bool>,
    keys2: Vec<u64>,
    tags2: Vec<bool>,
}

thread_local! {
    /// Per-thread [`JointBuffers`] for the KS test.
    pub(crate) static JOINT_BUFFERS: std::cell::RefCell<JointBuffers> =
        std::cell::RefCell::new(JointBuffers::default());
}

/// [`radix_sorted_joint`] into reusable buffers (`bufs.keys`, `bufs.tags` hold the result).
pub(crate) fn radix_sorted_joint_in(a: &[f64], b: &[f64], bufs: &mut JointBuffers) {
    const BITS: u32 = 11;
    const RADIX: usize = 1 << BITS;
    const LOW: u32 = 20; // bits below the radix-sorted prefix
    const PASSES: usize = 4;
    let n = a.len() + b.len();
    let mut counts = [[0usize; RADIX]; PASSES];
    let JointBuffers {
        keys,
        tags,
        keys2,
        tags2,
    } = bufs;
    keys.clear();
    keys.extend(a.iter().chain(b).map(|&x| {
        let k = key(x);
        for (p, c) in counts.iter_mut().enumerate() {
            c[((k >> (LOW + BITS * p as u32)) as usize) & (RADIX - 1)] += 1;
        }
        k
    }));
    tags.clear();
    tags.extend((0..n).map(|i| i >= a.len()));
    keys2.resize(n, 0);
    tags2.resize(n, false);
    for (p, c) in counts.iter_mut().enumerate() {
        if c.contains(&n) {
            continue;
        }
        let shift = LOW + BITS * p as u32;
        exclusive_prefix_sum(c);
        for (&k, &t) in keys.iter().zip(tags.iter()) {
            let d = ((k >> shift) as usize) & (RADIX - 1);
            keys2[c[d]] = k;
            tags2[c[d]] = t;
            c[d] += 1;
        }
        std::mem::swap(keys, keys2);
        std::mem::swap(tags, tags2);
    }
    // finish: order each run of equal prefixes by the full key
    let mut start = 0;
    while start < n {
        let prefix = keys[start] >> LOW;
        let mut end = start + 1;
        while end < n && keys[end] >> LOW == prefix {
            end += 1;
        }
        if end - start > 1 {
            sort_run(&mut keys[start..end], &mut tags[start..end]);
        }
        start = end;
    }
}

fn sort_run(keys: &mut [u64], tags: &mut [bool]) {
    if keys.len() <= 32 {
        for i in 1..keys.len() {
            let (k, t) = (keys[i], tags[i]);
            let mut j = i;
            while j > 0 && keys[j - 1] > k {
                keys[j] = keys[j - 1];
                tags[j] = tags[j - 1];
                j -= 1;
            }
            keys[j] = k;
            tags[j] = t;
        }
        return;
    }
    let mut pairs: Vec<(u64, bool)> = keys.iter().copied().zip(tags.iter().copied()).collect();
    pairs.sort_unstable();
    for ((k, t), (pk, pt)) in keys.iter_mut().zip(tags.iter_mut()).zip(pairs) {
        *k = pk;
        *t = pt;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn joint_sort_is_sorted_and_keeps_tags_with_long_equal_prefix_runs() {
        let mut s = 99u64;
        let mut next = || {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            s >> 11
        };
        // continuous values, values sharing their top 44 key bits (long runs), and ties
        let a: Vec<f64> = (0..30_000)
            .map(|i| match i % 3 {
                0 => (next() as f64) / 1e12 - 4000.0,
                1 => 1.0 + (next() % 4096) as f64 * f64::EPSILON,
                _ => ((next() % 50) as f64) - 25.0,
            })
            .collect();
        let b: Vec<f64> = (0..17_000)
            .map(|_| 1.0 + (next() % 300) as f64 * f64::EPSILON)
            .collect();
        let (keys, tags) = super::radix_sorted_joint(&a, &b);
        assert!(keys.windows(2).all(|w| w[0] <= w[1]));
        let mut want: Vec<(u64, bool)> = a
            .iter()
            .map(|&x| (super::key(x), false))
            .chain(b.iter().map(|&x| (super::key(x), true)))
            .collect();
        want.sort_unstable();
        let mut got: Vec<(u64, bool)> = keys.into_iter().zip(tags).collect();
        got.sort_unstable();
        assert_eq!(got, want);
    }

    #[test]
    fn radix_sort_equals_comparison_sort() {
        let mut s = 12345u64;
        let xs: Vec<f64> = (0..20_000)
            .map(|i| {
                s = s
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let u = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                match i % 5 {
                    0 => u * 1e300,
                    1 => u * 1e-300,
                    2 => (u * 8.0).round(),
                    3 => -0.0,
                    _ => u,
                }
            })
            .collect();
        let mut want = xs.clone();
        want.sort_unstable_by(f64::total_cmp);
        let got = super::radix_sorted(&xs);
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g.to_bits(), w.to_bits());
        }
    }
}
