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

/// `scipy.special.rel_entr(x, y)`.
pub(crate) fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}
