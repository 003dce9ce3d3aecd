//! Overfitting statistics: PSR, DSR, expected maximum Sharpe, MinTRL, and PBO by CSCV.
//!
//! Moment convention (skfolio 1.12): the Sharpe ratio uses the sample standard
//! deviation (ddof = 1); skewness and (Pearson, non-excess) kurtosis are the
//! biased population moments `m3 / m2^1.5`, `m4 / m2^2`. All quantities are
//! per period (never annualise before plugging in).

use std::sync::Mutex;

use ndarray::ArrayView2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::function::erf::erfc_inv;

use crate::error::{Error, Result, invalid};

const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// Standard normal CDF, computed like scipy's `ndtr` (Cephes) on top of the
/// `libm` (musl) `erf`/`erfc`, which are accurate to about 1 ulp; `statrs`'s
/// `erfc` is only good to ~1e-11, too coarse for 1e-12 parity with skfolio.
#[must_use]
pub fn norm_cdf(a: f64) -> f64 {
    let x = a * std::f64::consts::FRAC_1_SQRT_2;
    let z = x.abs();
    if z < std::f64::consts::FRAC_1_SQRT_2 {
        0.5 + 0.5 * libm::erf(x)
    } else {
        let y = 0.5 * libm::erfc(z);
        if x > 0.0 { 1.0 - y } else { y }
    }
}

/// Standard normal quantile (inverse CDF), `p` in `(0, 1)`.
#[must_use]
pub fn norm_ppf(p: f64) -> f64 {
    -std::f64::consts::SQRT_2 * erfc_inv(2.0 * p)
}

/// Per-period Sharpe ratio and the higher moments PSR needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SharpeMoments {
    /// Number of observations `T`.
    pub n: usize,
    /// `(mean - risk_free) / std(ddof=1)`.
    pub sharpe: f64,
    /// Skewness `γ3` (biased).
    pub skew: f64,
    /// Pearson kurtosis `γ4` (biased, normal = 3).
    pub kurtosis: f64,
}

fn mean(x: &[f64]) -> f64 {
    #[allow(clippy::cast_precision_loss, reason = "row counts")]
    let n = x.len() as f64;
    x.iter().sum::<f64>() / n
}

/// Sharpe ratio and moments of a return series (skfolio convention).
///
/// # Errors
/// [`Error::InsufficientData`] for `T < 3`, [`Error::NonFinite`] for NaN/inf,
/// [`Error::Undefined`] for zero dispersion.
pub fn sharpe_moments(returns: &[f64], risk_free: f64) -> Result<SharpeMoments> {
    let n = returns.len();
    if n < 3 {
        return Err(Error::InsufficientData {
            what: "returns for the probabilistic Sharpe ratio",
            got: n,
            need: 3,
        });
    }
    if let Some(i) = returns.iter().position(|x| !x.is_finite()) {
        return Err(Error::NonFinite {
            what: "returns",
            index: i,
        });
    }
    let m = mean(returns);
    #[allow(clippy::cast_precision_loss, reason = "row counts")]
    let nf = n as f64;
    let mut dev: Vec<f64> = returns.iter().map(|x| x - m).collect();
    let var1 = dev.iter().map(|d| d * d).sum::<f64>() / (nf - 1.0);
    let std = var1.sqrt();
    if std == 0.0 {
        return Err(Error::Undefined(
            "returns have zero standard deviation".into(),
        ));
    }
    let sharpe = (m - risk_free) / std;
    let md = mean(&dev);
    for d in &mut dev {
        *d -= md;
    }
    let m2 = dev.iter().map(|d| d * d).sum::<f64>() / nf;
    let m3 = dev.iter().map(|d| d * d * d).sum::<f64>() / nf;
    let m4 = dev.iter().map(|d| (d * d) * (d * d)).sum::<f64>() / nf;
    if m2 <= (f64::EPSILON * m) * (f64::EPSILON * m) {
        return Err(Error::Undefined("second moment is numerically zero".into()));
    }
    Ok(SharpeMoments {
        n,
        sharpe,
        skew: m3 / m2.powf(1.5),
        kurtosis: m4 / (m2 * m2),
    })
}

impl SharpeMoments {
    /// `1 - γ3·SR + (γ4 - 1)/4·SR²`, the variance adjustment of the Sharpe estimator.
    #[must_use]
    pub fn variance_adjustment(&self) -> f64 {
        1.0 - self.skew * self.sharpe + (self.kurtosis - 1.0) / 4.0 * self.sharpe * self.sharpe
    }

    /// Probabilistic Sharpe ratio against `benchmark` (per period):
    /// `Φ((SR - SR*)·sqrt(T-1) / sqrt(1 - γ3·SR + (γ4-1)/4·SR²))`
    /// (Bailey & López de Prado 2012).
    ///
    /// # Errors
    /// [`Error::Undefined`] if the variance adjustment is not positive.
    pub fn psr(&self, benchmark: f64) -> Result<f64> {
        let adj = self.variance_adjustment();
        if adj.is_nan() || adj <= 0.0 {
            return Err(Error::Undefined(format!(
                "PSR variance adjustment 1 - skew*SR + (kurt-1)/4*SR^2 = {adj} is not positive"
            )));
        }
        #[allow(clippy::cast_precision_loss, reason = "row counts")]
        let t1 = (self.n - 1) as f64;
        Ok(norm_cdf((self.sharpe - benchmark) * t1.sqrt() / adj.sqrt()))
    }

    /// Minimum track record length (in periods) for `P[SR > benchmark] >= prob`:
    /// `1 + (1 - γ3·SR + (γ4-1)/4·SR²)·(Φ⁻¹(prob)/(SR - SR*))²`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless `0 < prob < 1`; [`Error::Undefined`] if `SR <= SR*`.
    pub fn min_track_record_length(&self, benchmark: f64, prob: f64) -> Result<f64> {
        if !(prob > 0.0 && prob < 1.0) {
            return Err(invalid("prob", format!("{prob} is not in (0, 1)")));
        }
        if self.sharpe <= benchmark {
            return Err(Error::Undefined(format!(
                "MinTRL needs SR > benchmark (SR={}, benchmark={benchmark})",
                self.sharpe
            )));
        }
        let z = norm_ppf(prob) / (self.sharpe - benchmark);
        Ok(1.0 + self.variance_adjustment() * z * z)
    }
}

/// Probabilistic Sharpe ratio of `returns` against a per-period benchmark
/// Sharpe ratio (skfolio `probabilistic_sharpe_ratio`).
///
/// # Errors
/// As [`sharpe_moments`] and [`SharpeMoments::psr`].
pub fn probabilistic_sharpe_ratio(returns: &[f64], benchmark: f64, risk_free: f64) -> Result<f64> {
    sharpe_moments(returns, risk_free)?.psr(benchmark)
}

/// Expected maximum Sharpe ratio of `n_trials` independent trials whose Sharpe
/// ratios have standard deviation `std` and mean `mean`
/// (Bailey et al. 2014): `mean + std·((1-γ)Φ⁻¹(1-1/N) + γΦ⁻¹(1-1/(N e)))`.
/// Returns `mean` when `N = 1` or `std = 0`.
///
/// # Errors
/// [`Error::InvalidParameter`] unless `N >= 1` and `std >= 0` are finite.
pub fn expected_max_sharpe_ratio(n_trials: f64, std: f64, mean: f64) -> Result<f64> {
    if !(n_trials.is_finite() && n_trials >= 1.0) {
        return Err(invalid(
            "n_trials",
            format!("{n_trials} must be finite and >= 1"),
        ));
    }
    if !(std.is_finite() && std >= 0.0) {
        return Err(invalid(
            "trial_sharpe_ratio_std",
            format!("{std} must be finite and >= 0"),
        ));
    }
    #[allow(clippy::float_cmp, reason = "exact special case as in skfolio")]
    if n_trials == 1.0 || std == 0.0 {
        return Ok(mean);
    }
    Ok(mean
        + std
            * ((1.0 - EULER_GAMMA) * norm_ppf(1.0 - 1.0 / n_trials)
                + EULER_GAMMA * norm_ppf(1.0 - 1.0 / (n_trials * std::f64::consts::E))))
}

/// Deflated Sharpe ratio (skfolio `deflated_sharpe_ratio`): the PSR of the
/// selected strategy's `returns` against `SR0 = expected_max_sharpe_ratio(N,
/// std(trial SRs, ddof=1), 0)` where `N` is the number of trials. Pass
/// `n_trials_override` to use an effective number of independent trials
/// instead of `trial_sharpes.len()` (e.g. the count the registry knows).
///
/// # Errors
/// As [`probabilistic_sharpe_ratio`]; [`Error::InsufficientData`] when no trial is left
/// after dropping NaN trials (as skfolio does); [`Error::NonFinite`] for an infinite one.
pub fn deflated_sharpe_ratio(
    returns: &[f64],
    trial_sharpes: &[f64],
    risk_free: f64,
    n_trials_override: Option<f64>,
) -> Result<f64> {
    // skfolio: an infinite trial is an error, NaN trials are dropped, at least one must remain
    if let Some(i) = trial_sharpes.iter().position(|x| x.is_infinite()) {
        return Err(Error::NonFinite {
            what: "trial Sharpe ratios",
            index: i,
        });
    }
    let finite: Vec<f64> = trial_sharpes
        .iter()
        .copied()
        .filter(|x| !x.is_nan())
        .collect();
    let trial_sharpes = finite.as_slice();
    if trial_sharpes.is_empty() {
        return Err(Error::InsufficientData {
            what: "finite trial Sharpe ratios",
            got: 0,
            need: 1,
        });
    }
    let k = trial_sharpes.len();
    let std = if k > 1 {
        let m = mean(trial_sharpes);
        #[allow(clippy::cast_precision_loss, reason = "trial counts")]
        let v = trial_sharpes.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (k as f64 - 1.0);
        v.sqrt()
    } else {
        0.0
    };
    #[allow(clippy::cast_precision_loss, reason = "trial counts")]
    let n = n_trials_override.unwrap_or(k as f64);
    let sr0 = expected_max_sharpe_ratio(n, std, 0.0)?;
    probabilistic_sharpe_ratio(returns, sr0, risk_free)
}

/// How CSCV cuts `T` rows into `S` blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum BlockRule {
    /// Drop the first `T mod S` rows, then `S` equal blocks (pypbo; the paper's equal blocks).
    #[default]
    DropHead,
    /// Keep every row; the first `T mod S` blocks are one row longer (purgedcv, `np.array_split`).
    Spread,
}

/// Which logits count as overfit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum MedianRule {
    /// `λ <= 0`: the IS-best at or below the OOS median (Bailey et al.'s `χ[-∞, 0]`).
    #[default]
    AtOrBelow,
    /// `λ < 0`: strictly below the median (purgedcv 0.1.11).
    Below,
}

/// PBO settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PboConfig {
    /// Number of blocks `S` (even, >= 2; 16 is standard).
    pub n_blocks: usize,
    /// Block construction.
    pub blocks: BlockRule,
    /// Overfit criterion.
    pub median: MedianRule,
}

impl Default for PboConfig {
    fn default() -> Self {
        Self {
            n_blocks: 16,
            blocks: BlockRule::DropHead,
            median: MedianRule::AtOrBelow,
        }
    }
}

/// Result of [`pbo`] / [`pbo_with_metric`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PboResult {
    /// Probability of backtest overfitting.
    pub pbo: f64,
    /// `λ_c` per combination, in `combinations(0..S, S/2)` order of the OOS blocks.
    pub logits: Vec<f64>,
    /// IS metric of the IS-best configuration, per combination.
    pub is_best: Vec<f64>,
    /// OOS metric of the IS-best configuration, per combination.
    pub oos_of_best: Vec<f64>,
    /// `P[OOS metric of the IS-best < 0]`.
    pub prob_oos_loss: f64,
    /// Degradation OLS `oos = intercept + slope·is` (NaN when IS has no variance).
    pub slope: f64,
    /// Intercept of the degradation regression.
    pub intercept: f64,
    /// Number of combinations `C(S, S/2)`.
    pub n_combinations: usize,
}

fn combos(s: usize, k: usize) -> Vec<u32> {
    // bit masks of the OOS blocks, lexicographic order
    let mut out = Vec::new();
    let mut c: Vec<usize> = (0..k).collect();
    loop {
        out.push(c.iter().fold(0u32, |m, &b| m | (1 << b)));
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

fn block_bounds(t: usize, cfg: &PboConfig) -> Result<Vec<(usize, usize)>> {
    let s = cfg.n_blocks;
    if s < 2 || !s.is_multiple_of(2) || s > 30 {
        return Err(invalid(
            "n_blocks",
            format!("{s} must be even and in 2..=30"),
        ));
    }
    if t < s {
        return Err(Error::InsufficientData {
            what: "rows for CSCV blocks",
            got: t,
            need: s,
        });
    }
    let (size, rem) = (t / s, t % s);
    Ok(match cfg.blocks {
        BlockRule::DropHead => (0..s)
            .map(|b| (rem + b * size, rem + (b + 1) * size))
            .collect(),
        BlockRule::Spread => {
            let mut cur = 0;
            (0..s)
                .map(|b| {
                    let len = size + usize::from(b < rem);
                    let r = (cur, cur + len);
                    cur += len;
                    r
                })
                .collect()
        }
    })
}

/// `(logit, is_best, oos_best)` from per-config IS and OOS metrics.
fn score(is: &[f64], oos: &[f64]) -> (f64, f64, f64) {
    let mut best = 0;
    for (j, &v) in is.iter().enumerate() {
        if v > is[best] {
            best = j;
        }
    }
    let x = oos[best];
    let less = oos.iter().filter(|&&v| v < x).count();
    let eq = oos.iter().filter(|&&v| v == x).count();
    #[allow(clippy::cast_precision_loss, reason = "config counts")]
    let rank = less as f64 + (eq as f64 + 1.0) / 2.0;
    #[allow(clippy::cast_precision_loss, reason = "config counts")]
    let omega = rank / (oos.len() as f64 + 1.0);
    ((omega / (1.0 - omega)).ln(), is[best], x)
}

fn finish(scored: Vec<(f64, f64, f64)>, median: MedianRule) -> PboResult {
    let n = scored.len();
    #[allow(clippy::cast_precision_loss, reason = "combination counts")]
    let nf = n as f64;
    let logits: Vec<f64> = scored.iter().map(|s| s.0).collect();
    let is_best: Vec<f64> = scored.iter().map(|s| s.1).collect();
    let oos_of_best: Vec<f64> = scored.iter().map(|s| s.2).collect();
    let over = logits
        .iter()
        .filter(|&&l| match median {
            MedianRule::AtOrBelow => l <= 0.0,
            MedianRule::Below => l < 0.0,
        })
        .count();
    #[allow(clippy::cast_precision_loss, reason = "combination counts")]
    let loss = oos_of_best.iter().filter(|&&v| v < 0.0).count() as f64 / nf;
    let mi = mean(&is_best);
    let mo = mean(&oos_of_best);
    let var_is = is_best.iter().map(|x| (x - mi) * (x - mi)).sum::<f64>() / nf;
    let cov = is_best
        .iter()
        .zip(&oos_of_best)
        .map(|(a, b)| (a - mi) * (b - mo))
        .sum::<f64>()
        / nf;
    let slope = if var_is > 0.0 && n > 1 {
        cov / var_is
    } else {
        f64::NAN
    };
    #[allow(clippy::cast_precision_loss, reason = "combination counts")]
    PboResult {
        pbo: over as f64 / nf,
        logits,
        is_best,
        oos_of_best,
        prob_oos_loss: loss,
        slope,
        intercept: mo - slope * mi,
        n_combinations: n,
    }
}

fn check_matrix(m: &ArrayView2<'_, f64>) -> Result<()> {
    check_columns(m)?;
    check_finite(m)
}

fn check_columns(m: &ArrayView2<'_, f64>) -> Result<()> {
    if m.ncols() < 2 {
        return Err(Error::InsufficientData {
            what: "configurations (columns) for PBO",
            got: m.ncols(),
            need: 2,
        });
    }
    Ok(())
}

fn check_finite(m: &ArrayView2<'_, f64>) -> Result<()> {
    // A standard-layout matrix is scanned in parallel chunks; `position_first` keeps the
    // reported index the first non-finite one, whatever the thread count.
    let first_bad = match m.as_slice() {
        Some(flat) => {
            const CHUNK: usize = 1 << 16;
            flat.par_chunks(CHUNK)
                .position_first(|c| c.iter().any(|x| !x.is_finite()))
                .and_then(|ci| {
                    flat[ci * CHUNK..]
                        .iter()
                        .position(|x| !x.is_finite())
                        .map(|j| ci * CHUNK + j)
                })
        }
        None => m.iter().position(|x| !x.is_finite()),
    };
    if let Some(i) = first_bad {
        return Err(Error::NonFinite {
            what: "PBO returns matrix (row-major position)",
            index: i,
        });
    }
    Ok(())
}

/// Per (block, configuration) sufficient statistics of a `T × N` matrix in a
/// block-major layout: entry `b * nc + j` belongs to configuration `j` on
/// block `b`, so one block's values for all configurations are contiguous.
struct BlockStats {
    s: usize,
    nc: usize,
    /// Rows per block (the same for every configuration).
    len: Vec<f64>,
    sum: Vec<f64>,
    /// Sum of squares about 0, computed as `M2_b + n_b·mean_b²`.
    sq: Vec<f64>,
    min: Vec<f64>,
    max: Vec<f64>,
}

/// `sum[j] += row[j]` (one row of a block, in row order).
fn sum_row<'a>(sum: &mut [f64], row: impl Iterator<Item = &'a f64>) {
    for (acc, &x) in sum.iter_mut().zip(row) {
        *acc += x;
    }
}

/// `M2[j] += (row[j] - mean[j])²`, running min and max (one row of a block).
fn m2_row<'a>(
    (mean, m2, mn, mx): (&[f64], &mut [f64], &mut [f64], &mut [f64]),
    row: impl Iterator<Item = &'a f64>,
) {
    for ((((&x, &mu), a), lo), hi) in row.zip(mean).zip(m2).zip(mn).zip(mx) {
        let d = x - mu;
        *a += d * d;
        *lo = lo.min(x);
        *hi = hi.max(x);
    }
}

/// Sums, M2, min and max per (block, configuration), one rayon task per block
/// reading its rows in memory order (64-column tiles, meant to keep the M2
/// pass in L2, measured slower: with 8 KB rows each tile row starts a new
/// 4 KB page, where the hardware prefetcher stops). Per configuration the
/// values are accumulated in row order, so the statistics are bit-identical
/// to a column-by-column pass. With `check`, returns `None` as soon as a
/// block has a non-finite sum (a NaN/inf input, which always propagates into
/// the sum, or an overflow).
fn block_stats(
    returns: &ArrayView2<'_, f64>,
    bounds: &[(usize, usize)],
    check: bool,
) -> Option<BlockStats> {
    let (s, nc) = (bounds.len(), returns.ncols());
    let parts: Option<Vec<[Vec<f64>; 4]>> = bounds
        .par_iter()
        .map(|&(lo, hi)| {
            let (c0, c1) = (0, nc);
            let tile = returns.slice(ndarray::s![lo..hi, ..]);
            #[allow(clippy::cast_precision_loss, reason = "row counts")]
            let cnt = (hi - lo) as f64;
            let mut sum = vec![0.0; c1 - c0];
            for row in tile.rows() {
                match row.as_slice() {
                    // contiguous rows as plain slices: the loop vectorises
                    Some(r) => sum_row(&mut sum, r.iter()),
                    None => sum_row(&mut sum, row.iter()),
                }
            }
            if check && !sum.iter().all(|v| v.is_finite()) {
                return None;
            }
            let mean: Vec<f64> = sum.iter().map(|&v| v / cnt).collect();
            let mut m2 = vec![0.0; c1 - c0];
            let mut mn = vec![f64::INFINITY; c1 - c0];
            let mut mx = vec![f64::NEG_INFINITY; c1 - c0];
            for row in tile.rows() {
                let acc = (&mean[..], &mut m2[..], &mut mn[..], &mut mx[..]);
                match row.as_slice() {
                    Some(r) => m2_row(acc, r.iter()),
                    None => m2_row(acc, row.iter()),
                }
            }
            let sq = m2
                .iter()
                .zip(&mean)
                .map(|(&m2, &mean)| m2 + cnt * mean * mean)
                .collect();
            Some([sum, sq, mn, mx])
        })
        .collect();
    let parts = parts?;
    let mut out = BlockStats {
        s,
        nc,
        #[allow(clippy::cast_precision_loss, reason = "row counts")]
        len: bounds.iter().map(|&(lo, hi)| (hi - lo) as f64).collect(),
        sum: Vec::with_capacity(s * nc),
        sq: Vec::with_capacity(s * nc),
        min: Vec::with_capacity(s * nc),
        max: Vec::with_capacity(s * nc),
    };
    // one task per block, in block order: appending yields the block-major layout
    for [sum, sq, mn, mx] in parts {
        out.sum.extend_from_slice(&sum);
        out.sq.extend_from_slice(&sq);
        out.min.extend_from_slice(&mn);
        out.max.extend_from_slice(&mx);
    }
    Some(out)
}

/// A combination's OOS block mask and its `(logit, IS best, OOS of best)`.
type Scored = (u32, (f64, f64, f64));

/// One thread's working memory for the combination walk: the running IS and
/// OOS (sum, sum of squares) of every configuration after the first `l`
/// blocks of each set (`l = 0..=S/2`, level 0 all zeros), the per-configuration
/// Sharpe ratios of the current combination, and the current block sets.
struct Scratch {
    is_s: Vec<f64>,
    is_q: Vec<f64>,
    oos_s: Vec<f64>,
    oos_q: Vec<f64>,
    is_sh: Vec<f64>,
    oos_sh: Vec<f64>,
    is_set: Vec<usize>,
    oos_set: Vec<usize>,
}

impl Scratch {
    fn new(k: usize, nc: usize) -> Self {
        Self {
            is_s: vec![0.0; (k + 1) * nc],
            is_q: vec![0.0; (k + 1) * nc],
            oos_s: vec![0.0; (k + 1) * nc],
            oos_q: vec![0.0; (k + 1) * nc],
            is_sh: vec![0.0; nc],
            oos_sh: vec![0.0; nc],
            is_set: Vec::with_capacity(k),
            oos_set: Vec::with_capacity(k),
        }
    }
}

/// `levels[l + 1] = levels[l] + add`, element-wise over `nc` configurations.
fn extend_level(levels: &mut [f64], l: usize, add: &[f64]) {
    let nc = add.len();
    let (head, tail) = levels.split_at_mut((l + 1) * nc);
    for ((d, &a), &b) in tail[..nc].iter_mut().zip(&head[l * nc..]).zip(add) {
        *d = a + b;
    }
}

/// Sharpe ratio (`mean / std(ddof = 1)`) of every configuration from its
/// (sum, sum of squares) over `n` rows; branch-free so that it vectorises.
/// Returns whether some configuration's variance is numerically tiny
/// (`M2 <= 1e-9·|Q|`): those entries must be redone by [`BlockStats::sharpe_exact`].
fn sharpe_fast(sum: &[f64], q: &[f64], n: f64, out: &mut [f64]) -> bool {
    if n < 2.0 {
        out.fill(0.0);
        return false;
    }
    let n1 = n - 1.0;
    let mut tiny = false;
    for ((o, &s), &q) in out.iter_mut().zip(sum).zip(q) {
        let m2 = q - s * s / n;
        tiny |= m2 <= 1e-9 * q.abs();
        let sd = (m2 / n1).sqrt();
        let v = s / n / sd;
        // `sd == 0 || !sd.is_finite()` as one non-short-circuit mask: with `||`
        // the loop is not vectorised (packed `divpd`/`sqrtpd` give the same
        // correctly rounded results as the scalar instructions)
        let ok = (sd != 0.0) & (sd.abs() < f64::INFINITY);
        *o = if ok { v } else { 0.0 };
    }
    tiny
}

/// Relative margin of the Sharpe proxy comparisons in [`BlockStats::leaf`].
/// Where [`sharpe_keys`] returns a number, `n·Q - s² > 2e-9·n·|Q|`, so the
/// cancellation in the variance amplifies rounding errors at most 5·10⁸-fold:
/// both the proxy and the exact Sharpe ratio are within ≈ 2·10⁻⁷ (relative)
/// of their real-number values. Two proxies that differ by more than 10⁻⁵ of
/// their magnitudes therefore order the exact Sharpe ratios the same way.
const KEY_MARGIN: f64 = 1e-5;

/// Monotone proxy `g = s·|s| / (n·Q - s²)` of every configuration's Sharpe
/// ratio (see [`BlockStats::leaf`]): one division, vectorised. `NaN` marks a
/// configuration that must be decided on its exact Sharpe ratio: a
/// numerically tiny or non-positive variance (`n·Q - s² <= 2e-9·n·|Q|`, which
/// includes every case where the exact path takes its constant check or
/// stable recombination), an overflow, or `|s|` outside `[1e-150, 1e150]`
/// (except `s = 0`), where the proxy could underflow or overflow.
fn sharpe_keys(sum: &[f64], q: &[f64], n: f64, key: &mut [f64]) {
    for ((k, &s), &q) in key.iter_mut().zip(sum).zip(q) {
        let d = n * q - s * s;
        let g = s * s.abs() / d;
        let sa = s.abs();
        let ok = (d > 2e-9 * n * q.abs())
            & (d < f64::INFINITY)
            & (g.abs() < f64::INFINITY)
            & ((s == 0.0) | ((sa > 1e-150) & (sa < 1e150)));
        *k = if ok { g } else { f64::NAN };
    }
}

impl BlockStats {
    /// Sharpe ratio of configuration `j` on the blocks `set` (ascending), whose
    /// totals are `sum`, `q` over `n >= 2` rows: [`sharpe_fast`]'s formula, plus
    /// the exact constant check and a stable recombination of the per-block
    /// moments when the variance is numerically tiny.
    fn sharpe_exact(&self, j: usize, set: &[usize], sum: f64, q: f64, n: f64) -> f64 {
        let nc = self.nc;
        let m2 = q - sum * sum / n;
        if m2 <= 1e-9 * q.abs() {
            let mn = set
                .iter()
                .map(|&b| self.min[b * nc + j])
                .fold(f64::INFINITY, f64::min);
            let mx = set
                .iter()
                .map(|&b| self.max[b * nc + j])
                .fold(f64::NEG_INFINITY, f64::max);
            if mn == mx {
                return 0.0;
            }
            let m = sum / n;
            let m2s: f64 = set
                .iter()
                .map(|&b| {
                    let (bn, bs, bq) = (self.len[b], self.sum[b * nc + j], self.sq[b * nc + j]);
                    let mb = bs / bn;
                    (bq - bn * mb * mb) + bn * (mb - m) * (mb - m)
                })
                .sum();
            let sd = (m2s / (n - 1.0)).sqrt();
            return if sd == 0.0 || !sd.is_finite() {
                0.0
            } else {
                m / sd
            };
        }
        let sd = (m2 / (n - 1.0)).sqrt();
        if sd == 0.0 || !sd.is_finite() {
            0.0
        } else {
            sum / n / sd
        }
    }

    /// Number of rows of a block set, added in block order.
    fn rows(&self, set: &[usize]) -> f64 {
        let mut n = 0.0;
        for &b in set {
            n += self.len[b];
        }
        n
    }

    /// Sharpe ratios of all configurations on `set` from level `k` of its
    /// running sums.
    fn sharpe_all(&self, set: &[usize], sum: &[f64], q: &[f64], out: &mut [f64]) {
        let n = self.rows(set);
        if sharpe_fast(sum, q, n, out) {
            for (j, o) in out.iter_mut().enumerate() {
                let m2 = q[j] - sum[j] * sum[j] / n;
                if m2 <= 1e-9 * q[j].abs() {
                    *o = self.sharpe_exact(j, set, sum[j], q[j], n);
                }
            }
        }
    }

    /// `(logit, IS best, OOS of best)` of the combination the path has reached.
    ///
    /// Only the IS argmax and the OOS rank of its OOS value are needed, so
    /// the exact Sharpe ratios (four divisions and a square root each) are
    /// computed only where a cheap proxy cannot decide: [`sharpe_keys`] gives
    /// every configuration `g = s·|s| / (n·Q - s²)`, which is `n/(n-1)·SR·|SR|`
    /// in exact arithmetic, a strictly increasing function of the Sharpe
    /// ratio (one division, no square root). Configurations whose proxy is
    /// within [`KEY_MARGIN`] (relative) of the decisive one, or whose proxy is
    /// not trustworthy (`NaN`), get their exact Sharpe ratio, and the argmax
    /// and the rank counts are taken on exact values; a configuration outside
    /// the margin is provably on the same side with the exact values, so the
    /// result is bit-identical to computing all of them.
    fn leaf(&self, w: &mut Scratch) -> (f64, f64, f64) {
        let nc = self.nc;
        let lv = (self.s / 2) * nc..(self.s / 2 + 1) * nc;
        let (n_is, n_oos) = (self.rows(&w.is_set), self.rows(&w.oos_set));
        let (is_s, is_q) = (&w.is_s[lv.clone()], &w.is_q[lv.clone()]);
        let (oos_s, oos_q) = (&w.oos_s[lv.clone()], &w.oos_q[lv]);
        if n_is < 2.0 || n_oos < 2.0 {
            self.sharpe_all(&w.is_set, is_s, is_q, &mut w.is_sh);
            self.sharpe_all(&w.oos_set, oos_s, oos_q, &mut w.oos_sh);
            return score(&w.is_sh, &w.oos_sh);
        }
        // IS: the first configuration with the largest exact Sharpe ratio
        sharpe_keys(is_s, is_q, n_is, &mut w.is_sh);
        let gmax = w
            .is_sh
            .iter()
            .fold(f64::NEG_INFINITY, |m, &g| if g > m { g } else { m });
        let (mut best, mut best_v) = (usize::MAX, f64::NEG_INFINITY);
        for (j, &g) in w.is_sh.iter().enumerate() {
            if g.is_nan() || g >= gmax - KEY_MARGIN * (g.abs() + gmax.abs()) {
                let v = self.sharpe_exact(j, &w.is_set, is_s[j], is_q[j], n_is);
                if best == usize::MAX || v > best_v {
                    (best, best_v) = (j, v);
                }
            }
        }
        // OOS: rank of the IS-best configuration's OOS Sharpe ratio
        let x = self.sharpe_exact(best, &w.oos_set, oos_s[best], oos_q[best], n_oos);
        sharpe_keys(oos_s, oos_q, n_oos, &mut w.oos_sh);
        let gx = w.oos_sh[best];
        let (mut less, mut eq) = (0usize, 0usize);
        for (j, &g) in w.oos_sh.iter().enumerate() {
            let tol = KEY_MARGIN * (g.abs() + gx.abs());
            let (below, above) = (g < gx - tol, g > gx + tol);
            if below {
                less += 1;
            } else if !above {
                // within the margin, or a proxy (or the reference) is NaN
                let v = self.sharpe_exact(j, &w.oos_set, oos_s[j], oos_q[j], n_oos);
                less += usize::from(v < x);
                eq += usize::from(v == x);
            }
        }
        #[allow(clippy::cast_precision_loss, reason = "config counts")]
        let rank = less as f64 + (eq as f64 + 1.0) / 2.0;
        #[allow(clippy::cast_precision_loss, reason = "config counts")]
        let omega = rank / (nc as f64 + 1.0);
        ((omega / (1.0 - omega)).ln(), best_v, x)
    }

    /// Assigns block `d` to the OOS (`oos = true`) or IS set of the current path.
    fn assign(&self, d: usize, oos: bool, w: &mut Scratch) {
        let blk = d * self.nc..(d + 1) * self.nc;
        let (lv_s, lv_q, set) = if oos {
            (&mut w.oos_s, &mut w.oos_q, &mut w.oos_set)
        } else {
            (&mut w.is_s, &mut w.is_q, &mut w.is_set)
        };
        extend_level(lv_s, set.len(), &self.sum[blk.clone()]);
        extend_level(lv_q, set.len(), &self.sq[blk]);
        set.push(d);
    }

    /// Depth-first walk over the assignments of blocks `d..S` that complete
    /// the current path to `S/2` OOS and `S/2` IS blocks, OOS before IS at
    /// each block — i.e. the combinations in lexicographic order of their OOS
    /// blocks. A path shares its running sums with all combinations below it,
    /// so each (configuration, block) pair is added once per tree node instead
    /// of once per combination (≈ 48,600 nodes against 12,870 × 16 additions for
    /// S = 16), in the same block order as a direct sum over the set.
    fn walk(&self, d: usize, w: &mut Scratch, out: &mut Vec<Scored>) {
        let k = self.s / 2;
        let (ni, no) = (w.is_set.len(), w.oos_set.len());
        if ni == k && no == k {
            let mask = w.oos_set.iter().fold(0u32, |m, &b| m | (1 << b));
            out.push((mask, self.leaf(w)));
            return;
        }
        for (oos, free) in [(true, no < k), (false, ni < k)] {
            if free {
                self.assign(d, oos, w);
                self.walk(d + 1, w, out);
                if oos {
                    w.oos_set.pop();
                } else {
                    w.is_set.pop();
                }
            }
        }
    }
}

/// The assignments (OOS = `true`) of the first `depth` blocks that can still
/// complete to `k` OOS and `k` IS blocks, in the walk's order (OOS first).
fn path_prefixes(k: usize, depth: usize) -> Vec<Vec<bool>> {
    let mut out = vec![Vec::new()];
    for _ in 0..depth {
        out = out
            .into_iter()
            .flat_map(|p: Vec<bool>| {
                let no = p.iter().filter(|&&o| o).count();
                let ni = p.len() - no;
                [(true, no < k), (false, ni < k)]
                    .into_iter()
                    .filter(|&(_, free)| free)
                    .map(move |(o, _)| {
                        let mut q = p.clone();
                        q.push(o);
                        q
                    })
            })
            .collect();
    }
    out
}

/// Scores all `C(S, S/2)` combinations, in lexicographic order of their OOS
/// blocks. The parallel unit is a subtree of the walk (a fixed assignment of
/// the first up to 6 blocks: 64 tasks of 45–252 combinations for S = 16).
/// Each pool thread allocates one [`Scratch`] on its first task and reuses it
/// (≈ 300 KB for 1,000 configurations, which stays in its core's L2 next to
/// the 256 KB of block sums): no allocation per combination or per task —
/// `map_init` would build one per task here, and blocks of that size are
/// `mmap`ed and unmapped by the allocator, each unmap a TLB shoot-down
/// interrupting the other thread — and no written memory shared between
/// threads. The subtrees' results are concatenated in order, so the output
/// does not depend on the thread count.
fn score_all(st: &BlockStats) -> Vec<Scored> {
    let k = st.s / 2;
    let depth = (st.s - 1).min(6);
    let scratch: Vec<Mutex<Option<Scratch>>> = (0..rayon::current_num_threads().max(1))
        .map(|_| Mutex::new(None))
        .collect();
    let parts: Vec<Vec<Scored>> = path_prefixes(k, depth)
        .par_iter()
        .with_max_len(1)
        .map(|prefix| {
            // the slot of the running thread: never contended (a thread runs
            // one task at a time), any slot would give the same result
            let slot = rayon::current_thread_index().unwrap_or(0) % scratch.len();
            let mut guard = scratch[slot]
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let w = guard.get_or_insert_with(|| Scratch::new(k, st.nc));
            w.is_set.clear();
            w.oos_set.clear();
            for (d, &oos) in prefix.iter().enumerate() {
                st.assign(d, oos, w);
            }
            let mut out = Vec::new();
            st.walk(prefix.len(), w, &mut out);
            out
        })
        .collect();
    parts.concat()
}

/// PBO by CSCV with the Sharpe ratio (`mean / std(ddof=1)`; 0 for a constant
/// or single-row slice, as purgedcv) of a `T × N` matrix of per-period
/// returns (rows = periods, columns = configurations).
///
/// Fast path: per-block sufficient statistics (count, sum, sum of squares,
/// min, max) are combined, so each IS/OOS Sharpe costs `O(S)` (a stable
/// per-block recombination is used when the variance is numerically tiny); the
/// `C(S, S/2)` combinations are walked as a tree whose paths share their
/// running sums, in parallel subtrees with rayon, and collected in order, so
/// the result does not depend on the thread count.
///
/// # Errors
/// [`Error::InvalidParameter`] for an odd/too large `S`, [`Error::InsufficientData`]
/// for `N < 2` or `T < S`, [`Error::NonFinite`] for NaN/inf.
pub fn pbo(returns: ArrayView2<'_, f64>, cfg: &PboConfig) -> Result<PboResult> {
    check_columns(&returns)?;
    let bounds = match block_bounds(returns.nrows(), cfg) {
        Ok(b) => b,
        Err(e) => {
            // same error precedence as checking the matrix first
            check_finite(&returns)?;
            return Err(e);
        }
    };
    // The finiteness check rides on the statistics pass (a NaN or infinity
    // makes its block sum non-finite); only rows outside every block (the
    // dropped head) are scanned separately. If anything is flagged, the full
    // scan reports the first offending position (or nothing, after an
    // overflow of finite values, in which case the statistics are recomputed
    // unchecked, as before).
    let head_ok = returns
        .slice(ndarray::s![..bounds[0].0, ..])
        .iter()
        .all(|x| x.is_finite());
    let stats = match block_stats(&returns, &bounds, true).filter(|_| head_ok) {
        Some(st) => st,
        None => {
            check_finite(&returns)?;
            block_stats(&returns, &bounds, false)
                .ok_or_else(|| Error::Output("unchecked block statistics".into()))?
        }
    };
    let scored = score_all(&stats);
    debug_assert!(
        scored
            .iter()
            .map(|x| x.0)
            .eq(combos(cfg.n_blocks, cfg.n_blocks / 2)),
        "walk order is not the lexicographic combination order"
    );
    Ok(finish(
        scored.into_iter().map(|x| x.1).collect(),
        cfg.median,
    ))
}

/// PBO by CSCV with any metric (larger is better) applied to each
/// configuration's IS and OOS rows, concatenated in time order.
///
/// # Errors
/// As [`pbo`]; [`Error::NonFinite`] if the metric returns NaN/inf.
pub fn pbo_with_metric<F>(
    returns: ArrayView2<'_, f64>,
    cfg: &PboConfig,
    metric: F,
) -> Result<PboResult>
where
    F: Fn(&[f64]) -> f64 + Sync,
{
    check_matrix(&returns)?;
    let bounds = block_bounds(returns.nrows(), cfg)?;
    let s = cfg.n_blocks;
    let nc = returns.ncols();
    let cols: Vec<Vec<f64>> = (0..nc).map(|j| returns.column(j).to_vec()).collect();
    let masks = combos(s, s / 2);
    let scored: Result<Vec<(f64, f64, f64)>> = masks
        .par_iter()
        .map(|&mask| {
            let mut is = Vec::with_capacity(nc);
            let mut oos = Vec::with_capacity(nc);
            let mut buf_i = Vec::new();
            let mut buf_o = Vec::new();
            for col in &cols {
                buf_i.clear();
                buf_o.clear();
                for (b, &(lo, hi)) in bounds.iter().enumerate() {
                    if (mask >> b) & 1 == 1 {
                        buf_o.extend_from_slice(&col[lo..hi]);
                    } else {
                        buf_i.extend_from_slice(&col[lo..hi]);
                    }
                }
                let (a, o) = (metric(&buf_i), metric(&buf_o));
                if !a.is_finite() || !o.is_finite() {
                    return Err(Error::NonFinite {
                        what: "PBO metric output (combination index)",
                        index: mask as usize,
                    });
                }
                is.push(a);
                oos.push(o);
            }
            Ok(score(&is, &oos))
        })
        .collect();
    Ok(finish(scored?, cfg.median))
}
