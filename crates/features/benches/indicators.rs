//! Criterion benches: helper F1's indicators over one 1,000,000-bar series (the same
//! seeded random walk as `f1_talib_bench.py`), reported per bar in
//! `docs/benchmarks/features.md`.
//!
//! Run: `cargo bench -p aaiti-features --bench indicators -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs, clippy::unwrap_used, reason = "bench binary")]

use aaiti_core::{Bars, Ohlcv};
use aaiti_features::{Params, batch_dyn, indicator};
use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const N: usize = 1_000_000;

/// Seeded GBM-like OHLCV (LCG noise), identical to `f1_talib_bench.py`.
fn series(n: usize) -> Bars {
    let mut state: u64 = 42;
    let mut u = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64) / ((1u64 << 53) as f64)
    };
    let (mut o, mut h, mut l, mut c, mut v) = (vec![], vec![], vec![], vec![], vec![]);
    let mut p = 100.0;
    for _ in 0..n {
        let open = p;
        let close = (p * (1.0 + (u() - 0.5) * 0.02)).max(0.01);
        let hi = open.max(close) * (1.0 + u() * 0.005);
        let lo = open.min(close) * (1.0 - u() * 0.005);
        o.push(open);
        h.push(hi);
        l.push(lo);
        c.push(close);
        v.push(1000.0 + u() * 1000.0);
        p = close;
    }
    let ts = (0..n)
        .map(|i| Utc.timestamp_opt(1_000_000_000 + 60 * i as i64, 0).unwrap())
        .collect();
    Bars::new(
        "B",
        None,
        ts,
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

const CASES: &[(&str, &str)] = &[
    ("SMA", "timeperiod=30"),
    ("EMA", "timeperiod=30"),
    ("WMA", "timeperiod=30"),
    ("DEMA", "timeperiod=30"),
    ("TEMA", "timeperiod=30"),
    ("TRIMA", "timeperiod=30"),
    ("KAMA", "timeperiod=30"),
    ("T3", "timeperiod=5"),
    ("BBANDS", "timeperiod=20"),
    ("SAR", ""),
    ("MIDPOINT", "timeperiod=14"),
    ("ATR", "timeperiod=14"),
    ("NATR", "timeperiod=14"),
    ("TRANGE", ""),
    ("AD", ""),
    ("ADOSC", ""),
    ("OBV", ""),
    ("TYPPRICE", ""),
    ("BETA", "timeperiod=5"),
    ("CORREL", "timeperiod=30"),
    ("LINEARREG", "timeperiod=14"),
    ("STDDEV", "timeperiod=20"),
    ("VAR", "timeperiod=20"),
    ("KC", ""),
    ("DONCHIAN", ""),
    ("SUPERTREND", ""),
    ("HMA", "timeperiod=20"),
    ("VWAP", ""),
];

fn benches(c: &mut Criterion) {
    let bars = series(N);
    let mut g = c.benchmark_group("f1_1M_bars");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(10);
    for (name, p) in CASES {
        let ind = indicator(name, &Params::parse(p).unwrap()).unwrap();
        g.bench_function(*name, |b| b.iter(|| batch_dyn(ind.as_ref(), &bars)));
    }
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
