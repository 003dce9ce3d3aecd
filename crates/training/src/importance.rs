//! Permutation feature importance (seeded, parallel over features, thread-count independent).

use ndarray::{Array2, ArrayView2};
use rand::seq::SliceRandom as _;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// One feature's importance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureScore {
    /// Feature name.
    pub feature: String,
    /// Mean score drop over the repeats (baseline − permuted).
    pub mean: f64,
    /// Population standard deviation of the drops.
    pub std: f64,
    /// Smallest drop.
    pub min: f64,
    /// Largest drop.
    pub max: f64,
    /// `max(mean, 0)` divided by the largest such value: 0–1, the top feature is 1.
    pub normalized: f64,
    /// 1 for the most important.
    pub rank: usize,
}

/// The RNG of one (feature, repeat): ChaCha8 seeded with `seed`, stream `feature`, advanced by
/// one `u64` word position per repeat block, so the result does not depend on scheduling.
fn rng_for(seed: u64, feature: usize, repeat: usize) -> rand_chacha::ChaCha8Rng {
    let mut r = aaiti_core::clock::seeded_rng(seed);
    r.set_stream(feature as u64);
    r.set_word_pos((repeat as u128) << 32);
    r
}

/// Permutation importance: for each feature column `j` and each of `n_repeats` repeats, the
/// column is permuted (in blocks of `block` rows, so a sequence model sees whole windows moved;
/// `block = 1` for tabular models) and `score(x_permuted)` is compared with `score(x)`.
///
/// Features run in parallel (rayon); each (feature, repeat) has its own seeded RNG, so results
/// are identical for any thread count. Features are ranked by mean drop (ties by column order).
///
/// # Errors
/// The first error returned by `score`.
pub fn permutation_importance<F>(
    x: ArrayView2<'_, f64>,
    names: &[String],
    n_repeats: usize,
    block: usize,
    seed: u64,
    score: F,
) -> Result<Vec<FeatureScore>>
where
    F: Fn(ArrayView2<'_, f64>) -> Result<f64> + Sync,
{
    let baseline = score(x)?;
    let block = block.max(1);
    let n = x.nrows();
    let n_blocks = n.div_ceil(block);
    let per: Vec<(f64, f64, f64, f64)> = (0..x.ncols())
        .into_par_iter()
        .map(|j| -> Result<(f64, f64, f64, f64)> {
            let mut drops = Vec::with_capacity(n_repeats);
            let mut xp: Array2<f64> = x.to_owned();
            for r in 0..n_repeats {
                let mut order: Vec<usize> = (0..n_blocks).collect();
                order.shuffle(&mut rng_for(seed, j, r));
                let src = x.column(j);
                let mut dst_row = 0;
                for b in order {
                    let start = b * block;
                    let stop = (start + block).min(n);
                    for i in start..stop {
                        if let (Some(v), Some(d)) = (src.get(i), xp.get_mut((dst_row, j))) {
                            *d = *v;
                        }
                        dst_row += 1;
                    }
                }
                drops.push(baseline - score(xp.view())?);
            }
            #[allow(clippy::cast_precision_loss, reason = "repeat counts are small")]
            let k = drops.len().max(1) as f64;
            let mean = drops.iter().sum::<f64>() / k;
            let std = (drops.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / k).sqrt();
            let min = drops.iter().copied().fold(f64::INFINITY, f64::min);
            let max = drops.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            Ok((mean, std, min, max))
        })
        .collect::<Result<_>>()?;
    let top = per.iter().map(|p| p.0.max(0.0)).fold(0.0, f64::max);
    let mut order: Vec<usize> = (0..per.len()).collect();
    order.sort_by(|&a, &b| per[b].0.total_cmp(&per[a].0).then(a.cmp(&b)));
    let mut out: Vec<FeatureScore> = per
        .iter()
        .enumerate()
        .map(|(j, &(mean, std, min, max))| FeatureScore {
            feature: names.get(j).cloned().unwrap_or_else(|| format!("f{j}")),
            mean,
            std,
            min,
            max,
            normalized: if top > 0.0 { mean.max(0.0) / top } else { 0.0 },
            rank: 0,
        })
        .collect();
    for (rank, &j) in order.iter().enumerate() {
        if let Some(f) = out.get_mut(j) {
            f.rank = rank + 1;
        }
    }
    out.sort_by_key(|f| f.rank);
    Ok(out)
}
