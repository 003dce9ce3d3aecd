//! Batch two-sample tests and distances for feature and prediction distributions.

mod kolmogorov;
mod ks;
pub(crate) mod numpy;

pub use kolmogorov::kstwo_sf;
pub(crate) use ks::ks_2samp_sorted;
pub use ks::{KsMethod, KsResult, ks_2samp, ks_2samp_presorted};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, check_sample};
use numpy::{histogram_sorted, np_sum, quantile_linear, rel_entr, sturges_edges};

/// How PSI and binned Jensen–Shannon put values into bins.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Binning {
    /// aaiti's documented default: interior edges at the reference deciles (or `bins`-iles)
    /// `np.quantile(ref, k/bins, method="linear")`, `k = 1..bins-1`, de-duplicated; open outer
    /// bins; a value `x` goes to bin `searchsorted(edges, x, side="right")`. Zero proportions
    /// become `eps` (no renormalisation). Each reference bin holds about `1/bins` of the mass,
    /// so PSI is sensitive in both tails.
    ReferenceQuantiles {
        /// Number of bins before de-duplication (10 = deciles).
        bins: usize,
        /// Replacement for empty-bin proportions.
        eps: f64,
    },
    /// Evidently 0.7.23's numeric binning: equal-width `sturges` edges over the pooled reference
    /// and current data (`np.histogram_bin_edges(..., "sturges")`); zero proportions become
    /// `1e-4`, or `min_nonzero/1e6` when the smallest non-zero proportion is `<= 1e-4`. Used by
    /// Evidently only when the reference has more than 20 unique values; otherwise Evidently
    /// treats the column as categorical (see [`Binning::Categories`]).
    EvidentlyCompatible,
    /// One bin per distinct value present in either sample (Evidently's categorical branch).
    Categories,
}

impl Default for Binning {
    fn default() -> Self {
        Self::ReferenceQuantiles {
            bins: 10,
            eps: 1e-4,
        }
    }
}

/// Binned reference and current proportions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinnedProportions {
    /// Bin edges (interior edges for quantile binning, all edges for Evidently's), or the
    /// category values for categorical binning.
    pub edges: Vec<f64>,
    /// Reference proportion per bin.
    pub reference: Vec<f64>,
    /// Current proportion per bin.
    pub current: Vec<f64>,
}

fn count_unique_sorted(s: &[f64]) -> usize {
    let mut n = 0;
    for (i, v) in s.iter().enumerate() {
        if i == 0 || s[i - 1] != *v {
            n += 1;
        }
    }
    n
}

fn evidently_fill(p: &mut [f64]) {
    let min_nz = p
        .iter()
        .copied()
        .filter(|&v| v != 0.0)
        .fold(f64::INFINITY, f64::min);
    if !min_nz.is_finite() {
        return;
    }
    let fill = if min_nz <= 0.0001 {
        min_nz / 1e6
    } else {
        0.0001
    };
    for v in p.iter_mut() {
        if *v == 0.0 {
            *v = fill;
        }
    }
}

/// Bins two samples and returns their proportions (zero-filled as the binning prescribes when
/// `fill_zeros`).
///
/// # Errors
/// [`Error::Empty`] / [`Error::NonFinite`] for bad samples, [`Error::InvalidParameter`] for fewer
/// than 2 quantile bins or a non-positive `eps`.
pub fn bin_proportions(
    reference: &[f64],
    current: &[f64],
    binning: Binning,
    fill_zeros: bool,
) -> Result<BinnedProportions> {
    check_sample("reference sample", reference)?;
    check_sample("current sample", current)?;
    let sr = crate::util::sorted(reference);
    let sc = crate::util::sorted(current);
    let (nr, nc) = (sr.len() as f64, sc.len() as f64);
    match binning {
        Binning::ReferenceQuantiles { bins, eps } => {
            if bins < 2 {
                return Err(crate::error::invalid("bins", bins, "need at least 2 bins"));
            }
            if !(eps > 0.0 && eps < 1.0) {
                return Err(crate::error::invalid("eps", eps, "must lie in (0, 1)"));
            }
            let mut edges: Vec<f64> = (1..bins)
                .map(|k| quantile_linear(&sr, k as f64 / bins as f64))
                .collect();
            edges.dedup();
            let count = |s: &[f64]| -> Vec<usize> {
                // bin b = #edges <= x  ⇒ counts via partition points
                let mut cum = Vec::with_capacity(edges.len() + 2);
                cum.push(0);
                for &e in &edges {
                    cum.push(s.partition_point(|&x| x < e));
                }
                cum.push(s.len());
                (0..=edges.len()).map(|i| cum[i + 1] - cum[i]).collect()
            };
            let mut r: Vec<f64> = count(&sr).into_iter().map(|c| c as f64 / nr).collect();
            let mut c: Vec<f64> = count(&sc).into_iter().map(|c| c as f64 / nc).collect();
            if fill_zeros {
                for v in r.iter_mut().chain(c.iter_mut()) {
                    if *v == 0.0 {
                        *v = eps;
                    }
                }
            }
            Ok(BinnedProportions {
                edges,
                reference: r,
                current: c,
            })
        }
        Binning::EvidentlyCompatible if count_unique_sorted(&sr) <= 20 => {
            bin_proportions(reference, current, Binning::Categories, fill_zeros)
        }
        Binning::EvidentlyCompatible => {
            let min = sr[0].min(sc[0]);
            let max = sr[sr.len() - 1].max(sc[sc.len() - 1]);
            let edges = sturges_edges(min, max, sr.len() + sc.len());
            let mut r: Vec<f64> = histogram_sorted(&sr, &edges)
                .into_iter()
                .map(|c| c as f64 / nr)
                .collect();
            let mut c: Vec<f64> = histogram_sorted(&sc, &edges)
                .into_iter()
                .map(|c| c as f64 / nc)
                .collect();
            if fill_zeros {
                evidently_fill(&mut r);
                evidently_fill(&mut c);
            }
            Ok(BinnedProportions {
                edges,
                reference: r,
                current: c,
            })
        }
        Binning::Categories => {
            let mut keys: Vec<f64> = sr.iter().chain(sc.iter()).copied().collect();
            keys.sort_unstable_by(f64::total_cmp);
            keys.dedup();
            let count = |s: &[f64]| -> Vec<f64> {
                keys.iter()
                    .map(|&k| {
                        (s.partition_point(|&x| x <= k) - s.partition_point(|&x| x < k)) as f64
                    })
                    .collect()
            };
            let mut r: Vec<f64> = count(&sr).into_iter().map(|c| c / nr).collect();
            let mut c: Vec<f64> = count(&sc).into_iter().map(|c| c / nc).collect();
            if fill_zeros {
                evidently_fill(&mut r);
                evidently_fill(&mut c);
            }
            Ok(BinnedProportions {
                edges: keys,
                reference: r,
                current: c,
            })
        }
    }
}

/// Population Stability Index `Σ (c_i − r_i)·ln(c_i / r_i)` between a reference and a current
/// sample, binned as `binning` says (see [`Binning`]). Symmetric in the two proportions.
///
/// Rule of thumb (credit-scoring folklore, not a test): < 0.1 stable, 0.1–0.25 moderate, > 0.25
/// significant. PSI is biased upward at small n (≈ (B−1)(1/n_ref + 1/n_cur) under no change), so
/// report n with it, or calibrate a threshold on the reference period
/// ([`crate::FeatureMonitor`]).
///
/// # Errors
/// As [`bin_proportions`].
pub fn psi(reference: &[f64], current: &[f64], binning: Binning) -> Result<f64> {
    let b = bin_proportions(reference, current, binning, true)?;
    Ok(psi_from_proportions(&b.reference, &b.current))
}

/// PSI from two proportion vectors (already zero-filled), with Evidently's formula
/// `Σ (r − c)·ln(r / c)`, summed as numpy does.
#[must_use]
pub fn psi_from_proportions(reference: &[f64], current: &[f64]) -> f64 {
    let terms: Vec<f64> = reference
        .iter()
        .zip(current)
        .map(|(r, c)| (r - c) * (r / c).ln())
        .collect();
    np_sum(&terms)
}

/// Jensen–Shannon *distance* between two (unnormalised) probability vectors, equal to scipy
/// `scipy.spatial.distance.jensenshannon(p, q, base)` (natural log when `base` is `None`, so
/// bounded by √ln 2 ≈ 0.833; base 2 bounds it by 1, see evidently#494).
///
/// # Errors
/// [`Error::LengthMismatch`], [`Error::Empty`], [`Error::NonFinite`], and
/// [`Error::InvalidParameter`] for negative entries, all-zero vectors or a bad base.
pub fn jensen_shannon(p: &[f64], q: &[f64], base: Option<f64>) -> Result<f64> {
    check_sample("p", p)?;
    check_sample("q", q)?;
    if p.len() != q.len() {
        return Err(Error::LengthMismatch {
            what: "probability vectors p, q".into(),
            left: p.len(),
            right: q.len(),
        });
    }
    if let Some(i) = p.iter().chain(q).position(|&v| v < 0.0) {
        return Err(crate::error::invalid(
            "probability",
            i,
            "entries must be >= 0",
        ));
    }
    if let Some(b) = base
        && !(b > 0.0 && b != 1.0 && b.is_finite())
    {
        return Err(crate::error::invalid(
            "base",
            b,
            "must be positive and != 1",
        ));
    }
    let (sp, sq) = (np_sum(p), np_sum(q));
    if sp == 0.0 || sq == 0.0 {
        return Err(crate::error::invalid(
            "probability vector",
            0,
            "sums to zero",
        ));
    }
    let pn: Vec<f64> = p.iter().map(|v| v / sp).collect();
    let qn: Vec<f64> = q.iter().map(|v| v / sq).collect();
    let m: Vec<f64> = pn.iter().zip(&qn).map(|(a, b)| (a + b) / 2.0).collect();
    let left: Vec<f64> = pn.iter().zip(&m).map(|(&a, &b)| rel_entr(a, b)).collect();
    let right: Vec<f64> = qn.iter().zip(&m).map(|(&a, &b)| rel_entr(a, b)).collect();
    let mut js = np_sum(&left) + np_sum(&right);
    if let Some(b) = base {
        js /= b.ln();
    }
    Ok((js / 2.0).sqrt())
}

/// Jensen–Shannon distance between two samples after binning (natural log). With
/// [`Binning::EvidentlyCompatible`] / [`Binning::Categories`] this equals Evidently 0.7.23's
/// `jensenshannon` stattest (which does not zero-fill).
///
/// # Errors
/// As [`bin_proportions`].
pub fn js_distance(reference: &[f64], current: &[f64], binning: Binning) -> Result<f64> {
    let fill = matches!(binning, Binning::ReferenceQuantiles { .. });
    let b = bin_proportions(reference, current, binning, fill)?;
    jensen_shannon(&b.reference, &b.current, None)
}

/// First Wasserstein distance between two empirical distributions, equal to scipy
/// `wasserstein_distance(u, v)` (unweighted): `∫ |F_u − F_v|`.
///
/// # Errors
/// [`Error::Empty`] / [`Error::NonFinite`].
pub fn wasserstein(u: &[f64], v: &[f64]) -> Result<f64> {
    check_sample("first sample", u)?;
    check_sample("second sample", v)?;
    let su = crate::util::sorted(u);
    let sv = crate::util::sorted(v);
    let mut all: Vec<f64> = su.iter().chain(sv.iter()).copied().collect();
    all.sort_unstable_by(f64::total_cmp);
    let (nu, nv) = (su.len() as f64, sv.len() as f64);
    let mut terms = Vec::with_capacity(all.len().saturating_sub(1));
    let (mut iu, mut iv) = (0usize, 0usize);
    for w in all.windows(2) {
        let x = w[0];
        while iu < su.len() && su[iu] <= x {
            iu += 1;
        }
        while iv < sv.len() && sv[iv] <= x {
            iv += 1;
        }
        let (cu, cv) = (iu as f64 / nu, iv as f64 / nv);
        terms.push((cu - cv).abs() * (w[1] - w[0]));
    }
    Ok(np_sum(&terms))
}

/// Evidently's "Wasserstein distance (normed)": `wasserstein(ref, cur) / max(std(ref), 0.001)`
/// with the population σ (`np.std`, ddof = 0). Evidently flags drift at ≥ 0.1.
///
/// # Errors
/// As [`wasserstein`].
pub fn wasserstein_normed(reference: &[f64], current: &[f64]) -> Result<f64> {
    let w = wasserstein(reference, current)?;
    let n = reference.len() as f64;
    let mean = np_sum(reference) / n;
    let dev: Vec<f64> = reference.iter().map(|x| (x - mean) * (x - mean)).collect();
    let sd = (np_sum(&dev) / n).sqrt();
    Ok(w / sd.max(0.001))
}

/// Result of [`chi_squared`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChiSquaredResult {
    /// Pearson's statistic.
    pub statistic: f64,
    /// p-value, `chi2.sf(statistic, k − 1)`.
    pub pvalue: f64,
    /// Degrees of freedom.
    pub dof: usize,
    /// The category values, ascending.
    pub categories: Vec<f64>,
}

/// Chi-squared goodness-of-fit of the current category counts against the reference
/// frequencies, as Evidently's `chisquare` stattest: expected = reference count ×
/// `n_cur / n_ref` over the union of categories, then `scipy.stats.chisquare(observed,
/// expected)`. A category absent from the reference but present now gives an infinite
/// statistic and p = 0 (scipy's answer). Categories are the distinct values (e.g. class ids).
///
/// # Errors
/// [`Error::Empty`] / [`Error::NonFinite`]; [`Error::TooFew`] when there is only one category.
pub fn chi_squared(reference: &[f64], current: &[f64]) -> Result<ChiSquaredResult> {
    let b = bin_proportions(reference, current, Binning::Categories, false)?;
    let k = b.edges.len();
    if k < 2 {
        return Err(Error::TooFew {
            what: "chi-squared categories".into(),
            needed: 2,
            got: k,
        });
    }
    let (nr, nc) = (reference.len() as f64, current.len() as f64);
    let k_norm = nc / nr;
    let terms: Vec<f64> = b
        .reference
        .iter()
        .zip(&b.current)
        .map(|(r, c)| {
            let obs = (c * nc).round();
            let exp = (r * nr).round() * k_norm;
            (obs - exp) * (obs - exp) / exp
        })
        .collect();
    let stat = np_sum(&terms);
    let dof = k - 1;
    let pvalue = chi2_sf(stat, dof as f64);
    Ok(ChiSquaredResult {
        statistic: stat,
        pvalue,
        dof,
        categories: b.edges,
    })
}

/// Survival function of the χ² distribution, `Q(dof/2, x/2)`.
pub(crate) fn chi2_sf(x: f64, dof: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    if x.is_infinite() {
        return 0.0;
    }
    statrs::function::gamma::gamma_ur(dof / 2.0, x / 2.0)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    const GOLDEN: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/drift/stats.json"
    ));

    /// scipy `kstwo.sf(x, n)` over every branch of `_kolmogn`; 1e-10 absolute.
    #[test]
    fn kstwo_sf_matches_scipy() {
        let g: Value = serde_json::from_str(GOLDEN).unwrap();
        let rows = g["kstwo"].as_array().unwrap();
        assert!(rows.len() > 400);
        let mut worst = 0.0_f64;
        for r in rows {
            let n = r[0].as_u64().unwrap();
            let x = r[1].as_f64().unwrap();
            let want = r[2].as_f64().unwrap();
            let got = super::kolmogorov::kstwo_sf(n, x);
            let err = (got - want).abs();
            worst = worst.max(err);
            assert!(err <= 1e-10, "kstwo.sf({x}, {n}): got {got}, scipy {want}");
        }
        eprintln!("kstwo worst abs error {worst:e}");
    }
}
