//! Criterion benches matching `drift_bench.py` (river 0.26.1 / scipy 1.17.1): ns per update on
//! 1,000,000 values (N(0,1) then N(0.5,1); 0/1 error stream with rate 0.1 then 0.2 for DDM and
//! HDDM_A), KSWIN on the first 20,000 values, and KS on 100k vs 100k.
//!
//! `cargo bench -p aaiti-drift --bench drift -- --warm-up-time 1 --measurement-time 3`

#![allow(missing_docs, clippy::unwrap_used, reason = "bench harness")]

use std::hint::black_box;

use aaiti_drift::{
    Adwin, AdwinParams, Ddm, DriftDetector, HddmA, KsMethod, Kswin, KswinParams, KswinSampling,
    PageHinkley, ks_2samp, ks_2samp_presorted, kstwo_sf,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};

const N: usize = 1_000_000;

fn normal(rng: &mut rand_chacha::ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

fn streams() -> (Vec<f64>, Vec<f64>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let xs: Vec<f64> = (0..N)
        .map(|i| normal(&mut rng) + if i < N / 2 { 0.0 } else { 0.5 })
        .collect();
    let err: Vec<f64> = (0..N)
        .map(|i| {
            if rng.random::<f64>() < if i < N / 2 { 0.1 } else { 0.2 } {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    (xs, err)
}

fn run<D: DriftDetector>(mut d: D, xs: &[f64]) -> usize {
    let mut hits = 0;
    for &x in xs {
        if d.update(x).unwrap().is_drift() {
            hits += 1;
        }
    }
    hits
}

fn detectors(c: &mut Criterion) {
    let (xs, err) = streams();
    let mut g = c.benchmark_group("detector_1M");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("adwin_clock32", |b| {
        b.iter(|| run(Adwin::default(), black_box(&xs)))
    });
    g.bench_function("adwin_clock1", |b| {
        b.iter(|| {
            run(
                Adwin::new(AdwinParams {
                    clock: 1,
                    ..AdwinParams::default()
                })
                .unwrap(),
                black_box(&xs),
            )
        })
    });
    g.bench_function("page_hinkley", |b| {
        b.iter(|| run(PageHinkley::default(), black_box(&xs)))
    });
    g.bench_function("ddm", |b| b.iter(|| run(Ddm::default(), black_box(&err))));
    g.bench_function("hddm_a", |b| {
        b.iter(|| run(HddmA::default(), black_box(&err)))
    });
    g.finish();

    // the library path: `detect` over a `Box<dyn DriftDetector>` (one virtual call per slice)
    let mut g = c.benchmark_group("detect_dyn_1M");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    for (name, data) in [("ddm", &err), ("page_hinkley", &xs), ("adwin", &xs)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut d = aaiti_drift::build_detector(name, &[]).unwrap();
                aaiti_drift::detect(&mut d, black_box(data)).unwrap()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("kswin_20k");
    g.sample_size(10);
    g.throughput(Throughput::Elements(20_000));
    g.bench_function("kswin_python_rng", |b| {
        b.iter(|| {
            let p = KswinParams {
                sampling: KswinSampling::PythonCompatible(1),
                ..KswinParams::default()
            };
            run(Kswin::new(p).unwrap(), black_box(&xs[..20_000]))
        })
    });
    g.finish();
}

fn ks(c: &mut Criterion) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let a: Vec<f64> = (0..100_000).map(|_| normal(&mut rng)).collect();
    let b: Vec<f64> = (0..100_000).map(|_| normal(&mut rng) + 0.01).collect();
    let mut g = c.benchmark_group("ks_2samp_100k");
    g.sample_size(20);
    g.bench_function("auto", |bch| {
        bch.iter(|| ks_2samp(black_box(&a), black_box(&b), KsMethod::Auto).unwrap())
    });
    // the parts: statistic + p-value on presorted samples, and the p-value alone
    let mut sa = a.clone();
    let mut sb = b.clone();
    sa.sort_unstable_by(f64::total_cmp);
    sb.sort_unstable_by(f64::total_cmp);
    let d = ks_2samp(&a, &b, KsMethod::Auto).unwrap().statistic;
    g.bench_function("presorted", |bch| {
        bch.iter(|| ks_2samp_presorted(black_box(&sa), black_box(&sb), KsMethod::Auto).unwrap())
    });
    g.bench_function("pvalue_only", |bch| {
        bch.iter(|| kstwo_sf(black_box(50_000), black_box(d)))
    });
    g.finish();
}

criterion_group!(benches, detectors, ks);
criterion_main!(benches);
