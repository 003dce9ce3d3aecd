//! Criterion benches of the training pipeline's parts: metrics on 1M predictions, the purged
//! split, the next-bar backtest, permutation importance and the whole README job on the
//! bundled BTC/USD hourly bars.
//!
//! ```text
//! cargo bench -p aaiti-training --bench pipeline            # all (about 1-2 minutes)
//! cargo bench -p aaiti-training --bench pipeline -- metrics # one group
//! ```
//! Results: `docs/benchmarks/training.md`. Short measurement windows on purpose (shared box).
#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::missing_docs_in_private_items,
    missing_docs,
    reason = "benchmark"
)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use aaiti_models::Predict as _;
use aaiti_training as t;
use chrono::{DateTime, Duration as Span, Utc};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::s;

const N: usize = 1_000_000;

/// A cheap deterministic generator (splitmix64) so the inputs need no extra dependency.
struct Mix(u64);
impl Mix {
    fn next_f64(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    g
}

fn metrics(c: &mut Criterion) {
    let mut rng = Mix(1);
    let y_true: Vec<f64> = (0..N)
        .map(|_| f64::from(u8::from(rng.next_f64() < 0.5)))
        .collect();
    let p_up: Vec<f64> = y_true
        .iter()
        .map(|&y| (0.35 * y + 0.65 * rng.next_f64()).clamp(1e-6, 1.0 - 1e-6))
        .collect();
    let y_pred: Vec<f64> = p_up.iter().map(|&p| f64::from(u8::from(p > 0.5))).collect();
    let proba: Vec<Vec<f64>> = p_up.iter().map(|&p| vec![1.0 - p, p]).collect();
    let labels = [0.0, 1.0];
    let y_reg: Vec<f64> = (0..N).map(|_| rng.next_f64() - 0.5).collect();
    let p_reg: Vec<f64> = y_reg
        .iter()
        .map(|&y| 0.5 * y + 0.1 * (rng.next_f64() - 0.5))
        .collect();
    let returns: Vec<f64> = (0..N).map(|_| 0.02 * (rng.next_f64() - 0.499)).collect();
    let positions: Vec<f64> = (0..N).map(|i| if i % 7 < 4 { 1.0 } else { 0.0 }).collect();

    let mut g = group(c, "metrics_1m");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("confusion_matrix", |b| {
        b.iter(|| t::ConfusionMatrix::new(black_box(&y_true), black_box(&y_pred)).unwrap());
    });
    g.bench_function("classification_report_with_proba", |b| {
        b.iter(|| {
            t::ClassificationReport::new(
                black_box(&y_true),
                black_box(&y_pred),
                Some((black_box(&proba), &labels)),
            )
            .unwrap()
        });
    });
    g.bench_function("roc_auc", |b| {
        b.iter(|| t::roc_auc(black_box(&y_true), black_box(&p_up)).unwrap());
    });
    g.bench_function("log_loss", |b| {
        b.iter(|| t::log_loss(black_box(&y_true), black_box(&proba), &labels).unwrap());
    });
    g.bench_function("regression_report", |b| {
        b.iter(|| t::RegressionReport::new(black_box(&y_reg), black_box(&p_reg)).unwrap());
    });
    g.bench_function("trading_metrics", |b| {
        b.iter(|| {
            t::TradingMetrics::new(black_box(&returns), black_box(&positions), 8760.0).unwrap()
        });
    });
    g.finish();
}

fn split_and_backtest(c: &mut Criterion) {
    let t0 = DateTime::<Utc>::UNIX_EPOCH;
    let ts: Vec<DateTime<Utc>> = (0..N as i64).map(|i| t0 + Span::hours(i)).collect();
    let ends: Vec<DateTime<Utc>> = ts.iter().map(|&x| x + Span::hours(4)).collect();
    let mut g = group(c, "split_backtest_1m");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("purged_split", |b| {
        b.iter(|| t::purged_split(black_box(&ts), black_box(&ends), (0.6, 0.2, 0.2), 24).unwrap());
    });
    let mut rng = Mix(2);
    let mut price = 100.0;
    let mut open = Vec::with_capacity(N);
    let mut close = Vec::with_capacity(N);
    for _ in 0..N {
        open.push(price);
        price *= 1.0 + 0.01 * (rng.next_f64() - 0.5);
        close.push(price);
    }
    let p_up: Vec<f64> = (0..N).map(|_| rng.next_f64()).collect();
    let p_down: Vec<f64> = p_up.iter().map(|p| 1.0 - p).collect();
    let cfg = t::BacktestConfig {
        allow_short: true,
        ..t::BacktestConfig::default()
    };
    let signals = t::positions_from_proba(&p_up, &p_down, &cfg);
    g.bench_function("backtest_with_metrics", |b| {
        b.iter(|| {
            t::backtest(
                black_box(&signals),
                black_box(&open),
                black_box(&close),
                &cfg,
                8760.0,
            )
            .unwrap()
        });
    });
    g.finish();
}

fn btc_config() -> t::TrainConfig {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../configs/btc_logreg.toml");
    t::TrainConfig::from_file(Path::new(path)).unwrap()
}

fn btc(c: &mut Criterion) {
    let cfg = btc_config();
    let bars = t::load_bars(&cfg).unwrap();
    let mut g = group(c, "btc_hourly");
    g.throughput(Throughput::Elements(bars.len() as u64));
    g.bench_function("prepare_features_labels_split", |b| {
        b.iter(|| t::prepare(black_box(&cfg), bars.clone()).unwrap());
    });

    // permutation importance of the fitted logistic regression on the test slice (accuracy)
    let mut cfg0 = cfg.clone();
    cfg0.importance.n_repeats = 0;
    let opts = t::TrainOptions {
        progress: t::ProgressMode::Never,
    };
    let out = t::train_on_bars(&cfg0, bars.clone(), &opts).unwrap();
    let ds = &out.prepared.dataset;
    let test = out.prepared.split.test.clone();
    let xs = out
        .model
        .scaler()
        .transform(ds.feature_names(), ds.features())
        .unwrap();
    let x_test = xs.slice(s![test.clone(), ..]).to_owned();
    let y_test = ds.labels().slice(s![test]).to_vec();
    let model = out.model.model();
    for repeats in [5usize, 20] {
        g.bench_with_input(
            BenchmarkId::new("permutation_importance_logreg", repeats),
            &repeats,
            |b, &k| {
                b.iter(|| {
                    t::permutation_importance(x_test.view(), ds.feature_names(), k, 1, 42, |xp| {
                        t::accuracy(
                            &y_test,
                            &model.predict(xp).map_err(t::Error::from)?.to_vec(),
                        )
                    })
                    .unwrap()
                });
            },
        );
    }
    g.bench_function("train_readme_job_logreg_5_repeats", |b| {
        b.iter(|| t::train_on_bars(black_box(&cfg), bars.clone(), &opts).unwrap());
    });
    g.finish();
}

criterion_group!(benches, metrics, split_and_backtest, btc);
criterion_main!(benches);
