//! CSV loading throughput (MB/s): parse + full validation of the bundled BTC/USD hourly file,
//! and of a 1,000,000-row file synthesised from it (`docs/benchmarks.md` compares both with
//! pandas `read_csv` plus the same validation).
#![allow(missing_docs, reason = "criterion macros generate undocumented items")]

use std::hint::black_box;

use aaiti_core::{CsvOptions, Timeframe, read_csv};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn bench_csv(c: &mut Criterion) {
    let path = aaiti_benches::data_dir().join("btcusd_coinbase_1h.csv");
    let opts = CsvOptions {
        timeframe: Some(Timeframe::H1),
        ..CsvOptions::default()
    };
    let mut group = c.benchmark_group("csv_load");
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    group.throughput(Throughput::Bytes(size));
    group.bench_function("btcusd_1h_20k_rows", |b| {
        b.iter(|| black_box(read_csv(black_box(&path), &opts).map(|l| l.bars.len())));
    });
    let gz = aaiti_benches::data_dir().join("btc_perp_1m_2022-01.csv.gz");
    let gz_size = std::fs::metadata(&gz).map(|m| m.len()).unwrap_or(0);
    group.throughput(Throughput::Bytes(gz_size));
    group.bench_function("btc_perp_1m_45k_rows_gz", |b| {
        b.iter(|| {
            black_box(read_csv(black_box(&gz), &CsvOptions::default()).map(|l| l.bars.len()))
        });
    });
    group.finish();
}

criterion_group!(benches, bench_csv);
criterion_main!(benches);
