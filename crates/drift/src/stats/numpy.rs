//! Bit-compatible re-implementations of the few numpy primitives whose rounding matters for
//! 1e-12 parity: pairwise summation, linear quantiles, `linspace`, `histogram_bin_edges("sturges")`.

/// numpy's pairwise summation (`np.sum` on a contiguous float64 array).
pub(crate) fn np_sum(xs: &[f64]) -> f64 {
    const BLOCK: usize = 128;
    let n = xs.len();
    if n < 8 {
        let mut r = 0.0;
        for &x in xs {
            r += x;
        }
        r
    } else if n <= BLOCK {
        let mut r = [0.0_f64; 8];
        r.copy_from_slice(&xs[..8]);
        let mut i = 8;
        while i < n - (n % 8) {
            for k in 0..8 {
                r[k] += xs[i + k];
            }
            i += 8;
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < n {
            res += xs[i];
            i += 1;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        np_sum(&xs[..n2]) + np_sum(&xs[n2..])
    }
}

/// `np.quantile(sorted, q, method="linear")` on an ascending, non-empty slice.
pub(crate) fn quantile_linear(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let virt = (n as f64 - 1.0) * q;
    let prev = virt.floor();
    let gamma = virt - prev;
    let lo = (prev.max(0.0) as usize).min(n - 1);
    let hi = (lo + 1).min(n - 1);
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    if gamma >= 0.5 {
        b - diff * (1.0 - gamma)
    } else {
        a + diff * gamma
    }
}

/// `np.linspace(start, stop, num)` (endpoint included).
pub(crate) fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 0 {
        return Vec::new();
    }
    if num == 1 {
        return vec![start];
    }
    let div = (num - 1) as f64;
    let step = (stop - start) / div;
    let mut v: Vec<f64> = (0..num).map(|i| i as f64 * step + start).collect();
    v[num - 1] = stop;
    v
}

/// `np.histogram_bin_edges(data, bins="sturges")` given the pooled min, max and size.
pub(crate) fn sturges_edges(min: f64, max: f64, size: usize) -> Vec<f64> {
    let (mut first, mut last) = (min, max);
    if first == last {
        first -= 0.5;
        last += 0.5;
    }
    let width = (max - min) / ((size as f64).log2() + 1.0);
    let nbins = if width != 0.0 {
        ((last - first) / width).ceil() as usize
    } else {
        1
    };
    linspace(first, last, nbins + 1)
}

/// `np.histogram(sorted, edges)[0]` for ascending data and ascending edges: bin i counts
/// `edges[i] <= x < edges[i+1]`, the last bin also counts `x == edges[last]`.
pub(crate) fn histogram_sorted(sorted: &[f64], edges: &[f64]) -> Vec<usize> {
    let nb = edges.len().saturating_sub(1);
    let mut cum = Vec::with_capacity(edges.len());
    for (i, &e) in edges.iter().enumerate() {
        let c = if i + 1 == edges.len() {
            sorted.partition_point(|&x| x <= e)
        } else {
            sorted.partition_point(|&x| x < e)
        };
        cum.push(c);
    }
    (0..nb).map(|i| cum[i + 1] - cum[i]).collect()
}

/// `scipy.special.rel_entr(x, y)` as scipy 1.17 computes it: `x·log1p((x − y)/y)` when
/// `0.5 < x/y < 2` (accurate near `x = y`), `x·ln(x/y)` otherwise. The plain `x·ln(x/y)`
/// differs in the last bits for most pairs near 1, which a Jensen–Shannon distance of close
/// distributions (a sum of such terms that nearly cancels) magnifies to ~1e-12 relative.
pub(crate) fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        let r = x / y;
        if r > 0.5 && r < 2.0 {
            x * ((x - y) / y).ln_1p()
        } else {
            x * r.ln()
        }
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

#[cfg(test)]
mod tests {
    use super::rel_entr;

    /// Values of scipy 1.17.1 `scipy.special.rel_entr` (bit patterns); the first five differ
    /// from the plain `x·ln(x/y)`. The first pair is from a Jensen–Shannon case where the CLI
    /// sweep (tests/golden/drift/cli_sweep.py) found 2e-12 relative off scipy.
    #[test]
    fn rel_entr_equals_scipy_bit_for_bit() {
        for (x, y, want) in [
            (0.33534649, 0.33627238, 0xbf4e_4c39_c983_575b_u64),
            (0.3, 0.31, 0xbf84_2564_a7ff_d2f6_u64),
            (0.7, 0.5, 0x3fce_25dd_964e_1660_u64),
            (0.25, 0.125000001, 0x3fc6_2e42_faae_b6f5_u64),
            (0.9, 0.8999999999, 0x3ddb_7ce0_0006_8f11_u64),
            (0.0001, 0.2, 0xbf48_e819_5fca_fa91_u64),
            (0.5, 0.25, 0x3fd6_2e42_fefa_39ef_u64),
            (1e-300, 1.5e-300, 0x8191_60dd_2082_4760_u64),
            (2.0, 1.0, 0x3ff6_2e42_fefa_39ef_u64),
            (1.0, 2.0, 0xbfe6_2e42_fefa_39ef_u64),
        ] {
            assert_eq!(rel_entr(x, y).to_bits(), want, "rel_entr({x}, {y})");
        }
        assert_eq!(rel_entr(0.0, 0.5), 0.0);
        assert_eq!(rel_entr(0.5, 0.0), f64::INFINITY);
    }
}
