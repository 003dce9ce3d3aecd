//! Criterion benches for aaiti-walkforward (results in docs/benchmarks/walkforward.md).
//!
//! Run: `cargo bench -p aaiti-walkforward --bench walkforward -- --warm-up-time 1 --measurement-time 3`

#![allow(clippy::unwrap_used, missing_docs, reason = "bench harness")]

use std::hint::black_box;

use aaiti_walkforward::{
    Boundary, CombinatorialPurgedCv, Embargo, LabelTimes, PboConfig, Purger, Splitter, WalkForward,
    evaluate, pbo,
};
use criterion::{Criterion, criterion_group, criterion_main};
use ndarray::Array2;

mod common;
use common::{fit_eval, lcg};

fn splits(c: &mut Criterion) {
    let mut g = c.benchmark_group("split_generation");
    g.sample_size(20);
    // 10^7 rows, 1,000 folds
    let wf = WalkForward::rolling(5_000_000, 5_000);
    assert_eq!(wf.n_splits(10_000_000).unwrap(), 1_000);
    g.bench_function("walk_forward_1e7_rows_1000_folds", |b| {
        b.iter(|| black_box(wf.split(black_box(10_000_000)).unwrap()))
    });
    let cv = CombinatorialPurgedCv::new(16, 8, 10, 10).unwrap();
    g.bench_function("cpcv_n16_k8_1e6_rows_purge_embargo", |b| {
        b.iter(|| black_box(cv.split(black_box(1_000_000)).unwrap()))
    });
    // label-time purge + embargo on top of all 12,870 CPCV splits
    let n = 1_000_000usize;
    let ends: Vec<usize> = (0..n).map(|i| (i + 20).min(n - 1)).collect();
    let labels = LabelTimes::from_end_rows(&ends).unwrap();
    let plain = CombinatorialPurgedCv::new(16, 8, 0, 0)
        .unwrap()
        .split(n)
        .unwrap();
    let purger = Purger::new(&labels, Boundary::Afml).with_embargo(Embargo::Rows(100));
    g.bench_function("cpcv_n16_k8_1e6_rows_label_purge", |b| {
        b.iter(|| black_box(purger.apply_all(black_box(&plain)).unwrap()))
    });
    g.finish();
}

fn pbo_bench(c: &mut Criterion) {
    let (t, n) = (10_000usize, 1_000usize);
    let mut seed = 42u64;
    let m = Array2::from_shape_fn((t, n), |_| lcg(&mut seed) * 0.02);
    let cfg = PboConfig::default();
    let mut g = c.benchmark_group("pbo_s16_n1000_t10000");
    g.sample_size(10);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| pool.install(|| black_box(pbo(m.view(), &cfg).unwrap())))
        });
    }
    g.finish();
}

fn parallel_eval(c: &mut Criterion) {
    let n = 44_000usize;
    let mut seed = 7u64;
    let r: Vec<f64> = (0..n).map(|_| lcg(&mut seed) * 0.02).collect();
    let sp = WalkForward::rolling(20_000, 2_400).split(n).unwrap();
    assert_eq!(sp.len(), 10);
    let mut g = c.benchmark_group("parallel_evaluation_10_folds");
    g.sample_size(10);
    let mut outs = Vec::new();
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        outs.push(pool.install(|| evaluate(&sp, |s| fit_eval(s, &r)).unwrap()));
        g.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| pool.install(|| black_box(evaluate(&sp, |s| fit_eval(s, &r)).unwrap())))
        });
    }
    assert_eq!(
        outs[0], outs[1],
        "results must not depend on the thread count"
    );
    g.finish();
}

criterion_group!(benches, splits, pbo_bench, parallel_eval);
criterion_main!(benches);
