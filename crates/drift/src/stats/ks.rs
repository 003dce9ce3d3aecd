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
pub(crate) fn ks_extrema_sorted(a: &[f64], b: &[f64]) -> (f64, f64, f64, f64) {
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
    let (sa, sb) = sort_pair(a, b);
    Ok(ks_2samp_sorted(&sa, &sb, method))
}

/// [`ks_2samp`] on samples already sorted ascending, non-empty and finite (not checked).
pub(crate) fn ks_2samp_sorted(a: &[f64], b: &[f64], method: KsMethod) -> KsResult {
    let (n1, n2) = (a.len() as u64, b.len() as u64);
    let (min, min_loc, max, max_loc) = ks_extrema_sorted(a, b);
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
