//! Property tests: the future never changes the past, and results do not depend on the thread
//! count.
#![allow(clippy::unwrap_used, clippy::panic, reason = "test helpers")]

use aaiti_core::{Bars, Ohlcv};
use aaiti_training as t;
use proptest::prelude::*;

fn small_config() -> t::TrainConfig {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../configs/btc_logreg.toml");
    let mut cfg = t::TrainConfig::from_file(std::path::Path::new(path)).unwrap();
    cfg.data_source.last_n_bars = Some(1200);
    cfg.importance.n_repeats = 0;
    cfg
}

mod erased {
    /// Serialises anything for a bit-exact comparison.
    pub(crate) trait Ser {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Ser for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}

/// The README config with a small random forest instead of the logistic regression.
fn forest_config(seed: u64, n_trees: usize) -> t::TrainConfig {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../configs/btc_logreg.toml");
    let text = std::fs::read_to_string(path).unwrap().replace(
        "model = \"logistic_regression\"\nalpha = 1.0",
        &format!("model = \"random_forest\"\nn_trees = {n_trees}\nmax_depth = 4\nseed = {seed}"),
    );
    assert!(text.contains("random_forest"), "config template changed");
    let mut cfg = t::TrainConfig::from_toml_str(&text).unwrap();
    cfg.data_source.path = std::path::Path::new(path)
        .parent()
        .unwrap()
        .join(&cfg.data_source.path);
    cfg.data_source.last_n_bars = Some(1200);
    cfg
}

fn opts() -> t::TrainOptions {
    t::TrainOptions {
        progress: t::ProgressMode::Never,
    }
}

fn rebuild(bars: &Bars, f: impl Fn(usize, [f64; 5]) -> [f64; 5]) -> Bars {
    let mut cols: [Vec<f64>; 5] = Default::default();
    for i in 0..bars.len() {
        let (_, b) = bars.bar(i).unwrap();
        let v = f(i, [b.open, b.high, b.low, b.close, b.volume]);
        for k in 0..5 {
            cols[k].push(v[k]);
        }
    }
    let [o, h, l, c, v] = cols;
    Bars::new(
        bars.symbol(),
        bars.timeframe(),
        bars.timestamps().to_vec(),
        Ohlcv {
            open: o.into(),
            high: h.into(),
            low: l.into(),
            close: c.into(),
            volume: v.into(),
        },
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// Scaling or shuffling the bars of the test slice never changes the fitted scaler or model.
    #[test]
    fn test_slice_bars_never_change_scaler_or_model(factor in 0.5f64..2.0, seed in 0u64..1000, shuffle in any::<bool>()) {
        let cfg = small_config();
        let bars = t::load_bars(&cfg).unwrap();
        let base = t::train_on_bars(&cfg, bars.clone(), &opts()).unwrap();
        let test_start_bar = base.prepared.bar_index[base.prepared.split.test.start];
        let n = bars.len();
        let perm: Vec<usize> = {
            let mut idx: Vec<usize> = (test_start_bar..n).collect();
            if shuffle {
                // deterministic pseudo-shuffle from the seed
                let k = idx.len();
                for i in (1..k).rev() {
                    let j = ((seed.wrapping_mul(6364136223846793005).wrapping_add((i as u64).wrapping_mul(1442695040888963407))) >> 33) as usize % (i + 1);
                    idx.swap(i, j);
                }
            }
            idx
        };
        let altered = rebuild(&bars, |i, v| {
            if i < test_start_bar {
                return v;
            }
            let src = if shuffle { bars.bar(perm[i - test_start_bar]).unwrap().1 } else { bars.bar(i).unwrap().1 };
            let w = [src.open, src.high, src.low, src.close, src.volume];
            [w[0] * factor, w[1] * factor, w[2] * factor, w[3] * factor, w[4]]
        });
        let alt = t::train_on_bars(&cfg, altered, &opts()).unwrap();
        prop_assert_eq!(&base.prepared.split, &alt.prepared.split);
        prop_assert_eq!(base.model.scaler(), alt.model.scaler());
        prop_assert_eq!(base.model.model().to_bytes().unwrap(), alt.model.model().to_bytes().unwrap());
        prop_assert_eq!(&base.model.manifest().metrics.validation, &alt.model.manifest().metrics.validation);
    }

    /// The whole pipeline's outputs (validation and test metrics, trading metrics, permutation
    /// importance, the fitted model) are identical whether rayon has 1 or 3 threads. Uses the
    /// random forest, whose trees are grown in parallel, so scheduling could leak in.
    #[test]
    fn pipeline_metrics_are_thread_count_invariant(seed in 0u64..1000, n_trees in 3usize..9) {
        let mut cfg = forest_config(seed, n_trees);
        cfg.importance.n_repeats = 2;
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
                .install(|| t::train_on_bars(&cfg, t::load_bars(&cfg).unwrap(), &opts()).unwrap())
        };
        let one = run(1);
        let three = run(3);
        let (m1, m3) = (one.model.manifest(), three.model.manifest());
        // compared as JSON: bit-exact for finite values, and NaN (e.g. a profit factor without
        // losses) compares equal to NaN
        use erased::Ser as _;
        prop_assert_eq!(m1.metrics.json(), m3.metrics.json());
        prop_assert_eq!(m1.importance.json(), m3.importance.json());
        prop_assert_eq!(one.backtest.json(), three.backtest.json());
        prop_assert_eq!(one.model.model().to_bytes().unwrap(), three.model.model().to_bytes().unwrap());
        // and the metrics are not degenerate (the test would be vacuous on empty outputs)
        prop_assert_eq!(m1.importance.len(), one.prepared.dataset.n_features());
        prop_assert!(one.backtest.returns.len() > 100);
    }

    /// Permutation importance (rayon over features) is identical for 1 and 4 threads.
    #[test]
    fn importance_is_thread_count_invariant(seed in 0u64..1000, n in 20usize..120, block in 1usize..4) {
        let x = ndarray::Array2::from_shape_fn((n, 5), |(i, j)| ((i * 31 + j * 17 + seed as usize) % 23) as f64);
        let names: Vec<String> = (0..5).map(|j| format!("f{j}")).collect();
        let w = [0.5, -1.0, 0.0, 2.0, 0.1];
        let y: Vec<f64> = x.outer_iter().map(|r| r.iter().zip(&w).map(|(a, b)| a * b).sum()).collect();
        let score = |xp: ndarray::ArrayView2<'_, f64>| {
            let p: Vec<f64> = xp.outer_iter().map(|r| r.iter().zip(&w).map(|(a, b)| a * b).sum()).collect();
            t::r2(&y, &p)
        };
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
                .install(|| t::permutation_importance(x.view(), &names, 4, block, seed, score).unwrap())
        };
        let one = run(1);
        prop_assert_eq!(&one, &run(4));
        // the feature with zero weight has zero importance
        let f2 = one.iter().find(|f| f.feature == "f2").unwrap();
        prop_assert_eq!(f2.mean, 0.0);
    }

    /// A signal never earns the return of the bar it was computed on: changing the signal at
    /// bar t changes only the strategy returns of bars after t.
    #[test]
    fn backtest_has_no_same_bar_fill(n in 3usize..60, t0 in 0usize..60, seed in 0u64..100) {
        let t0 = t0 % n;
        let open: Vec<f64> = (0..n).map(|i| 100.0 + ((i as u64 * 7 + seed) % 13) as f64).collect();
        let close: Vec<f64> = (0..n).map(|i| 100.0 + ((i as u64 * 5 + seed) % 11) as f64).collect();
        let sig: Vec<f64> = (0..n).map(|i| if (i as u64 + seed).is_multiple_of(3) { 1.0 } else { 0.0 }).collect();
        let mut sig2 = sig.clone();
        sig2[t0] = 1.0 - sig2[t0];
        let cfg = t::BacktestConfig { allow_short: true, ..t::BacktestConfig::default() };
        let a = t::backtest(&sig, &open, &close, &cfg, 8760.0).unwrap();
        let b = t::backtest(&sig2, &open, &close, &cfg, 8760.0).unwrap();
        for i in 0..=t0 {
            prop_assert_eq!(a.returns[i].to_bits(), b.returns[i].to_bits());
            prop_assert_eq!(a.positions[i], b.positions[i]);
        }
        if t0 + 1 < n {
            prop_assert!(a.positions[t0 + 1] != b.positions[t0 + 1]);
        }
    }
}
