//! 1-thread vs 2-thread (or any list of thread counts) timings of the parallel
//! parts of aaiti-walkforward, run by `crates/walkforward/benches/run_speedup.sh`:
//!
//! - `pbo`: PBO by CSCV, S = 16, N = 1,000 configurations, T = 10,000;
//! - `eval`: [`evaluate`] over 10 rolling folds of a CPU-bound toy model
//!   (momentum look-back grid search on 20,000 training rows per fold);
//! - `pipeline`: the end-to-end walk-forward run ([`pipeline::run_on_bars`]) of a
//!   logistic regression on the bundled BTC/USD hourly bars, 10 folds
//!   (scikit-learn `TimeSeriesSplit(10, max_train_size=8000)`).
//!
//! - `spin`: the machine's available parallelism — 10 tasks of pure arithmetic
//!   (no memory traffic) through the same [`evaluate`]; on a loaded machine its
//!   speedup is the ceiling the other rows can reach, and "efficiency" = row
//!   speedup / spin speedup.
//!
//! Usage: `speedup [spin|pbo|eval|pipeline|all] [--reps R] [--threads 1,2]`.
//! Prints one line per (benchmark, threads): min and median wall time over R
//! timed repetitions (after one untimed warm-up call per thread count), and
//! the speedup of the median against the first thread count.
//! Results are asserted identical across thread counts.

#![allow(clippy::unwrap_used, clippy::print_stdout, reason = "benchmark driver")]

use std::time::Instant;

use aaiti_walkforward::pipeline::{parse_config, run_on_bars};
use aaiti_walkforward::{FoldResult, PboConfig, Splitter as _, WalkForward, evaluate, pbo};
use ndarray::Array2;

#[path = "../benches/common/mod.rs"]
mod common;
use common::{fit_eval, lcg};

/// Times `f` on one pool per thread count; repetitions alternate between the
/// pools (1, 2, 1, 2, ...) so that a changing background load hits all thread
/// counts alike.
///
/// Only steady-state work is timed: the inputs are built by the caller before
/// this is called, every pool is built and then warmed by one untimed call of
/// `f` (thread start-up, the allocator's per-thread arenas, first-touch page
/// faults of reused memory, the CPU clock ramp), and the harness pauses 20 ms
/// before each timed call so that the previous pool's workers have finished
/// spinning and gone to sleep instead of competing with the next measurement.
fn time<T: PartialEq + std::fmt::Debug + Send>(
    name: &str,
    threads: &[usize],
    reps: usize,
    f: &(dyn Fn() -> T + Sync),
) {
    let pools: Vec<rayon::ThreadPool> = threads
        .iter()
        .map(|&t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        })
        .collect();
    let mut ms = vec![Vec::with_capacity(reps); threads.len()];
    let mut first: Option<T> = None;
    for pool in &pools {
        std::hint::black_box(pool.install(f));
    }
    for _ in 0..reps {
        for (k, pool) in pools.iter().enumerate() {
            std::thread::sleep(std::time::Duration::from_millis(20));
            let t0 = Instant::now();
            let out = pool.install(f);
            ms[k].push(t0.elapsed().as_secs_f64() * 1e3);
            match &first {
                None => first = Some(out),
                Some(x) => assert!(
                    *x == out,
                    "{name}: result differs with {} threads",
                    threads[k]
                ),
            }
        }
    }
    let mut base = None;
    for (k, v) in ms.iter_mut().enumerate() {
        v.sort_by(f64::total_cmp);
        let med = v[v.len() / 2];
        let b = *base.get_or_insert(med);
        println!(
            "| {name} | {} | {:.1} | {med:.1} | {:.2}x |",
            threads[k],
            v[0],
            b / med
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut which = "all".to_string();
    let mut reps = 5usize;
    let mut threads = vec![1usize, 2];
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--reps" => {
                reps = args[i + 1].parse().unwrap();
                i += 1;
            }
            "--threads" => {
                threads = args[i + 1].split(',').map(|x| x.parse().unwrap()).collect();
                i += 1;
            }
            w => which = w.to_string(),
        }
        i += 1;
    }
    println!("| benchmark | threads | min ms | median ms | speedup (median) |");
    println!("|---|---|---|---|---|");
    let all = which == "all";
    if all || which == "spin" {
        let sp = WalkForward::rolling(1000, 100).split(2000).unwrap();
        assert_eq!(sp.len(), 10);
        time(
            "spin: 10 tasks of pure arithmetic (machine ceiling)",
            &threads,
            reps,
            &|| {
                evaluate(&sp, |s| {
                    let mut x = 1.0f64 + s.id as f64 * 1e-9;
                    for _ in 0..20_000_000u32 {
                        x = x * 1.000_000_001 + 1e-12;
                    }
                    Ok::<_, String>(FoldResult {
                        oos_returns: vec![x; s.n_test()],
                        ..Default::default()
                    })
                })
                .unwrap()
            },
        );
    }
    if all || which == "pbo" {
        let mut seed = 42u64;
        let m = Array2::from_shape_fn((10_000, 1_000), |_| lcg(&mut seed) * 0.02);
        let cfg = PboConfig::default();
        time("pbo S=16 N=1000 T=10000", &threads, reps, &|| {
            let r = pbo(m.view(), &cfg).unwrap();
            (r.pbo, r.logits)
        });
    }
    if all || which == "eval" {
        let n = 44_000usize;
        let mut seed = 7u64;
        let r: Vec<f64> = (0..n).map(|_| lcg(&mut seed) * 0.02).collect();
        let sp = WalkForward::rolling(20_000, 2_400).split(n).unwrap();
        assert_eq!(sp.len(), 10);
        time(
            "evaluate, 10 folds, toy CPU-bound model",
            &threads,
            reps,
            &|| evaluate(&sp, |s| fit_eval(s, &r)).unwrap(),
        );
        // load balance: serial per-fold times (median over the repetitions)
        let mut per_fold = vec![Vec::new(); sp.len()];
        for _ in 0..reps {
            for (k, s) in sp.iter().enumerate() {
                let t0 = Instant::now();
                std::hint::black_box(fit_eval(s, &r).unwrap());
                per_fold[k].push(t0.elapsed().as_secs_f64() * 1e3);
            }
        }
        let med: Vec<f64> = per_fold
            .iter_mut()
            .map(|v| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            })
            .collect();
        let (lo, hi) = med
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &x| (a.min(x), b.max(x)));
        println!(
            "|   per-fold time, serial (median per fold): {lo:.1}–{hi:.1} ms, sum {:.1} ms | 1 | | | |",
            med.iter().sum::<f64>()
        );
    }
    if all || which == "pipeline" {
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../data/btcusd_coinbase_1h.csv");
        let text = format!(
            r#"
name = "speedup"
type = "classification"
[data_source]
symbol = "BTC-USD"
timeframe = "1h"
path = "{}"
[features]
indicators = ["RSI:timeperiod=14", "ROC:timeperiod=1", "ROC:timeperiod=24", "NATR:timeperiod=14",
              "ADX:timeperiod=14", "WILLR:timeperiod=14", "CCI:timeperiod=20"]
[label]
kind = "direction"
horizon = 4
[model]
model = "logistic_regression"
[walkforward]
scheme = "sklearn"
n_splits = 10
max_train = 8000
"#,
            data.display()
        );
        let (cfg, wf) = parse_config(&text).unwrap();
        let bars = aaiti_training::load_bars(&cfg).unwrap();
        time(
            "  of which serial: features + labels (aaiti_training::prepare)",
            &threads,
            reps,
            &|| {
                let p = aaiti_training::prepare(&cfg, bars.clone()).unwrap();
                p.dataset.n_rows()
            },
        );
        time(
            "walk-forward run, 10 folds, logistic regression (BTC 1h)",
            &threads,
            reps,
            &|| {
                let r = run_on_bars(&cfg, &wf, bars.clone(), &[], |_, _| {}).unwrap();
                serde_json::to_string(&r).unwrap()
            },
        );
    }
}
