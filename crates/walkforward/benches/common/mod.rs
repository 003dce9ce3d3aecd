//! Shared by the criterion bench (`benches/walkforward.rs`) and the `speedup` example: the
//! deterministic return generator and the CPU-bound toy model, so both time the same work.

use aaiti_walkforward::{FoldResult, Split};

/// Deterministic uniform value in [-0.5, 0.5) (64-bit LCG, top 53 bits).
pub(crate) fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    #[allow(clippy::cast_precision_loss, reason = "random bits")]
    let u = (*seed >> 11) as f64 / (1u64 << 53) as f64;
    u - 0.5
}

/// CPU-bound toy model: grid search of a momentum look-back on the training rows.
pub(crate) fn fit_eval(split: &Split, r: &[f64]) -> Result<FoldResult, String> {
    let train: Vec<usize> = split.train_indices().collect();
    let mut best = (f64::NEG_INFINITY, 1usize);
    for lb in 1..60usize {
        let pnl: f64 = train
            .iter()
            .filter(|&&i| i >= lb)
            .map(|&i| r[i - lb..i].iter().sum::<f64>().signum() * r[i])
            .sum();
        if pnl > best.0 {
            best = (pnl, lb);
        }
    }
    let oos: Vec<f64> = split
        .test_indices()
        .map(|i| r[i.saturating_sub(best.1)..i].iter().sum::<f64>().signum() * r[i])
        .collect();
    Ok(FoldResult {
        oos_returns: oos,
        ..Default::default()
    })
}
