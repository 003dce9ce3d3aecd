//! Speed of the detectors and of `ks_2samp` on the workload of `drift_bench.py`, reported as
//! both wall time and this thread's CPU time (from `/proc/thread-self/schedstat`, so time spent
//! descheduled on a loaded machine is not counted; each timing spans at least 0.25 s because
//! that counter advances at scheduler ticks). Best of `--repeats` runs per case; one JSON
//! object per case on stdout. Used by `crates/drift/benches/run_compare.sh`.
//!
//! `cargo run --release -p aaiti-drift --example drift_speed -- [--n 1000000] [--repeats 5]
//! [--only page_hinkley,ddm]` (`--only`: run just the named cases; `ks` names the KS case;
//! `--ks-only [--lognormal]`: only KS, optionally on exp(3·x)-transformed, heavily skewed data)

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "benchmark driver"
)]

use std::hint::black_box;
use std::time::Instant;

use aaiti_drift::{
    Adwin, AdwinParams, Ddm, DriftDetector, HddmA, KsMethod, Kswin, KswinParams, KswinSampling,
    PageHinkley, ks_2samp,
};
use rand::{Rng, SeedableRng};

fn normal(rng: &mut rand_chacha::ChaCha8Rng) -> f64 {
    let u1: f64 = rng.random::<f64>().max(1e-300);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// CPU time of the calling thread in ns (Linux); `None` elsewhere.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn run<D: DriftDetector>(mut d: D, xs: &[f64]) -> usize {
    let mut hits = 0;
    for &x in xs {
        if d.update(black_box(x)).unwrap().is_drift() {
            hits += 1;
        }
    }
    hits
}

/// Best-of-`repeats` (wall ns, cpu ns) per call of `f`, plus its last output. Each repeat
/// calls `f` until at least 0.25 s have passed, because the kernel updates a thread's CPU time
/// only at scheduler ticks (1–4 ms): short intervals would be quantised.
fn time<T>(repeats: usize, mut f: impl FnMut() -> T) -> (f64, f64, T) {
    let (mut wall, mut cpu) = (f64::INFINITY, f64::INFINITY);
    let mut out = None;
    for _ in 0..repeats {
        let c0 = thread_cpu_ns();
        let t0 = Instant::now();
        let mut calls = 0u32;
        loop {
            out = Some(black_box(f()));
            calls += 1;
            if t0.elapsed().as_secs_f64() >= 0.25 {
                break;
            }
        }
        let w = t0.elapsed().as_nanos() as f64;
        let c = match (c0, thread_cpu_ns()) {
            (Some(a), Some(b)) => (b - a) as f64,
            _ => f64::NAN,
        };
        wall = wall.min(w / f64::from(calls));
        cpu = cpu.min(c / f64::from(calls));
    }
    (wall, cpu, out.unwrap())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let get = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let n = get("--n", 1_000_000);
    let repeats = get("--repeats", 5);
    let ks_n = get("--ks-n", 100_000);
    if args.iter().any(|a| a == "--adwin-only") {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let xs: Vec<f64> = (0..n)
            .map(|i| normal(&mut rng) + if i < n / 2 { 0.0 } else { 0.5 })
            .collect();
        let (w, c, h) = time(repeats, || run(Adwin::default(), &xs));
        println!(
            "adwin_clock32 wall {:.2} cpu {:.2} detections {h}",
            w / n as f64,
            c / n as f64
        );
        return;
    }
    if args.iter().any(|a| a == "--ks-only") {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        let mut a: Vec<f64> = (0..ks_n).map(|_| normal(&mut rng)).collect();
        let mut b: Vec<f64> = (0..ks_n).map(|_| normal(&mut rng) + 0.01).collect();
        if args.iter().any(|a| a == "--lognormal") {
            // heavily skewed data (most values in a few linear buckets): the fallback path
            for x in a.iter_mut().chain(b.iter_mut()) {
                *x = (3.0 * *x).exp();
            }
        }
        let (w, c, r) = time(repeats, || ks_2samp(&a, &b, KsMethod::Auto).unwrap());
        println!(
            "ks wall {:.3} ms cpu {:.3} ms statistic {} pvalue {}",
            w / 1e6,
            c / 1e6,
            r.statistic,
            r.pvalue
        );
        return;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let xs: Vec<f64> = (0..n)
        .map(|i| normal(&mut rng) + if i < n / 2 { 0.0 } else { 0.5 })
        .collect();
    let err: Vec<f64> = (0..n)
        .map(|i| {
            let p = if i < n / 2 { 0.1 } else { 0.2 };
            if rng.random::<f64>() < p { 1.0 } else { 0.0 }
        })
        .collect();
    let print = |case: &str, per: f64, (wall, cpu, hits): (f64, f64, usize)| {
        println!(
            "{{\"case\":\"{case}\",\"wall_ns_per_update\":{:.3},\"cpu_ns_per_update\":{:.3},\"detections\":{hits}}}",
            wall / per,
            cpu / per
        );
    };
    let only: Option<Vec<String>> = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').map(str::to_string).collect());
    let want = |case: &str| only.as_ref().is_none_or(|o| o.iter().any(|c| c == case));
    let nf = n as f64;
    if want("adwin_clock32") {
        print(
            "adwin_clock32",
            nf,
            time(repeats, || run(Adwin::default(), &xs)),
        );
    }
    let p1 = AdwinParams {
        clock: 1,
        ..AdwinParams::default()
    };
    if want("adwin_clock1") {
        print(
            "adwin_clock1",
            nf,
            time(repeats.min(2), || run(Adwin::new(p1).unwrap(), &xs)),
        );
    }
    if want("page_hinkley") {
        print(
            "page_hinkley",
            nf,
            time(repeats, || run(PageHinkley::default(), &xs)),
        );
    }
    if want("ddm") {
        print("ddm", nf, time(repeats, || run(Ddm::default(), &err)));
    }
    if want("hddm_a") {
        print("hddm_a", nf, time(repeats, || run(HddmA::default(), &err)));
    }
    // the library path through a trait object: `detect` over `Box<dyn DriftDetector>` (run
    // only when named in `--only`)
    let named = |case: &str| only.as_ref().is_some_and(|o| o.iter().any(|c| c == case));
    for (case, name, data) in [
        ("ddm_dyn", "ddm", &err),
        ("page_hinkley_dyn", "page_hinkley", &xs),
        ("adwin_clock32_dyn", "adwin", &xs),
    ] {
        if named(case) {
            print(
                case,
                nf,
                time(repeats, || {
                    let mut d = aaiti_drift::build_detector(name, &[]).unwrap();
                    aaiti_drift::detect(&mut d, black_box(data))
                        .unwrap()
                        .drifts
                        .len()
                }),
            );
        }
    }
    let kn = 20_000.min(n);
    let kp = KswinParams {
        sampling: KswinSampling::PythonCompatible(1),
        ..KswinParams::default()
    };
    if want("kswin_20k") {
        print(
            "kswin_20k",
            kn as f64,
            time(repeats.min(2), || run(Kswin::new(kp).unwrap(), &xs[..kn])),
        );
    }
    if !want("ks") {
        return;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let a: Vec<f64> = (0..ks_n).map(|_| normal(&mut rng)).collect();
    let b: Vec<f64> = (0..ks_n).map(|_| normal(&mut rng) + 0.01).collect();
    let (wall, cpu, r) = time(repeats, || ks_2samp(&a, &b, KsMethod::Auto).unwrap());
    println!(
        "{{\"case\":\"ks_2samp_{ks_n}_auto\",\"wall_ms\":{:.4},\"cpu_ms\":{:.4},\"statistic\":{},\"pvalue\":{}}}",
        wall / 1e6,
        cpu / 1e6,
        r.statistic,
        r.pvalue
    );
}
