//! Does work on one vCPU slow down work on the other? Diagnostic for the
//! evaluation speedup (issue 7): the toy fold of `benches/common` is run as the
//! "victim" on one CPU while a "companion" process runs another kernel on the
//! other CPU; the victim's on-CPU time per unit (from
//! `/proc/thread-self/schedstat`, so descheduled time by other processes does
//! not count) is compared between companions. On two independent cores the
//! victim's time does not depend on the companion; on two SMT siblings of one
//! host core an ILP-hungry companion (`toy`, `ports`) slows it down while a
//! latency-bound one (`spin`) barely does.
//!
//! Usage:
//! `taskset -c 1 wf_contention companion KIND SECS &`
//! `taskset -c 0 wf_contention victim KIND UNITS`
//! `wf_contention pair KIND N` (one process, two threads; see [`pair`]).
//! KIND: `toylb` (one look-back `WF_LB` (30) of the toy's grid search, ≈ 0.15 ms), `toy` (one fold of the toy model), `spin` (one dependent FP chain, ≈ 0.5 ms),
//! `ports` (32 independent add chains over an L1-resident array), `idle`.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    reason = "diagnostic driver"
)]

use std::hint::black_box;
use std::time::Instant;

use aaiti_walkforward::{Splitter as _, WalkForward};

#[path = "../benches/common/mod.rs"]
mod common;
use common::{fit_eval, lcg};

fn thread_cpu_ns() -> u64 {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap();
    s.split_whitespace().next().unwrap().parse().unwrap()
}

fn spin(units: u64) -> f64 {
    let mut x = 1.0f64;
    for _ in 0..units * 200_000 {
        x = x * 1.000_000_001 + 1e-12;
    }
    x
}

fn ports(data: &[f64], units: u64) -> f64 {
    let mut acc = [0.0f64; 32];
    for _ in 0..units * 8_000 {
        for c in black_box(data).chunks_exact(32) {
            for k in 0..32 {
                acc[k] += c[k];
            }
        }
    }
    acc.iter().sum()
}

/// CPU the calling thread last ran on (field 39 of `/proc/thread-self/stat`).
fn current_cpu() -> usize {
    let s = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    let after = &s[s.rfind(')').unwrap() + 2..];
    after.split_whitespace().nth(36).unwrap().parse().unwrap()
}

/// One look-back of the toy model's grid search (the fold's inner loop).
fn toy_lb(train: &[usize], r: &[f64], lb: usize) -> f64 {
    train
        .iter()
        .filter(|&&i| i >= lb)
        .map(|&i| r[i - lb..i].iter().sum::<f64>().signum() * r[i])
        .sum()
}

/// [`toy_lb`] over a range of training rows (no index vector).
fn toy_range(train: std::ops::Range<usize>, r: &[f64], lb: usize) -> f64 {
    train
        .filter(|&i| i >= lb)
        .map(|i| r[i - lb..i].iter().sum::<f64>().signum() * r[i])
        .sum()
}

#[derive(Clone, Copy, Default)]
struct Sample {
    start: Option<Instant>,
    end: Option<Instant>,
    cpus: (usize, usize),
}

fn percentiles(mut v: Vec<f64>) -> String {
    if v.is_empty() {
        return "no samples".into();
    }
    v.sort_by(f64::total_cmp);
    let q = |p: usize| v[(v.len() - 1) * p / 100];
    format!(
        "n {:4} p10 {:.3} p25 {:.3} p50 {:.3} ms",
        v.len(),
        q(10),
        q(25),
        q(50)
    )
}

fn run_side(out: &mut [Sample], me: usize, b: &std::sync::Barrier, unit: &(dyn Fn(usize) + Sync)) {
    // pin this thread to CPU `me` (the scheduler's wake-affine placement after a
    // barrier would otherwise often stack both threads on one CPU)
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    let tid = stat.split_whitespace().next().unwrap().to_string();
    let ok = std::process::Command::new("taskset")
        .args(["-pc", &me.to_string(), &tid])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "taskset failed");
    unit(0);
    for (k, smp) in out.iter_mut().enumerate() {
        b.wait();
        if me == 0 || k % 2 == 1 {
            let c0 = current_cpu();
            let t0 = Instant::now();
            unit(2 * k + me);
            let t1 = Instant::now();
            *smp = Sample {
                start: Some(t0),
                end: Some(t1),
                cpus: (c0, current_cpu()),
            };
        }
        b.wait();
    }
}

/// `pair KIND N`: alternately run one unit on thread 0 alone and on threads 0
/// and 1 at once; keep the "together" samples where both threads stayed on
/// different CPUs and their intervals overlapped by >= 95 % of thread 0's.
fn pair(kind: &str, n: usize, unit: &(dyn Fn(usize) + Sync)) {
    let barrier = std::sync::Barrier::new(2);
    let mut s0 = vec![Sample::default(); n];
    let mut s1 = vec![Sample::default(); n];
    std::thread::scope(|sc| {
        let b = &barrier;
        let s1r = &mut s1;
        let h = sc.spawn(move || run_side(s1r, 1, b, unit));
        run_side(&mut s0, 0, b, unit);
        h.join().unwrap();
    });
    let (mut alone, mut together) = (Vec::new(), Vec::new());
    for k in 0..n {
        let (a, c) = (s0[k], s1[k]);
        let (Some(a0), Some(a1)) = (a.start, a.end) else {
            continue;
        };
        let wall = (a1 - a0).as_secs_f64() * 1e3;
        if k % 2 == 0 {
            alone.push(wall);
        } else if let (Some(c0), Some(c1)) = (c.start, c.end) {
            let ov = (a1.min(c1).saturating_duration_since(a0.max(c0))).as_secs_f64() * 1e3;
            let distinct = a.cpus.0 != c.cpus.0 && a.cpus.1 != c.cpus.1;
            if distinct && ov >= 0.95 * wall {
                together.push(wall);
            }
        }
    }
    println!("pair {kind}: alone    {}", percentiles(alone));
    println!("pair {kind}: together {}", percentiles(together));
}

/// `evalcpu - REPS`: where the wall time of [`evaluate`] goes. Runs the toy
/// model's 10 folds on a 1-thread and a 2-thread pool (alternating, 20 ms pause
/// before each call like `speedup`, one untimed warm-up call each), recording
/// for every fold its worker, start and end (relative to the call) and on-CPU
/// time (schedstat: tick resolution, so only sums over many folds are exact).
/// Per pool it prints medians over the repetitions of: the call's wall time;
/// each worker's start delay (first fold start), fold count, busy wall (sum of
/// its folds' wall), on-CPU time, and idle tail (call end - its last fold end).
/// If the folds cost the same CPU in both pools, the 2-thread shortfall is in
/// the start delays, the idle tails (imbalance) or wall > CPU inside folds
/// (preemption / steal).
fn evalcpu(sp: &[aaiti_walkforward::Split], r: &[f64], reps: usize) {
    let pools: Vec<rayon::ThreadPool> = [1, 2]
        .iter()
        .map(|&t| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
        })
        .collect();
    // per pool, per repetition: (total ms, per worker [start, count, busy, cpu, tail])
    let mut runs: [Vec<(f64, [[f64; 5]; 2])>; 2] = [Vec::new(), Vec::new()];
    let mut fold_cpu = [0.0f64; 2];
    let mut fold_n = [0usize; 2];
    for rep in 0..=reps {
        for (p, pool) in pools.iter().enumerate() {
            std::thread::sleep(std::time::Duration::from_millis(20));
            let rec = std::sync::Mutex::new(Vec::new());
            let t0 = Instant::now();
            pool.install(|| {
                aaiti_walkforward::evaluate(sp, |s| {
                    let c0 = thread_cpu_ns();
                    let w0 = Instant::now();
                    let out = fit_eval(s, r);
                    let w1 = Instant::now();
                    let c = (thread_cpu_ns() - c0) as f64 * 1e-6;
                    let t = rayon::current_thread_index().unwrap_or(0).min(1);
                    rec.lock().unwrap().push((t, w0, w1, c));
                    out
                })
                .unwrap()
            });
            let t1 = Instant::now();
            if rep == 0 {
                continue; // warm-up
            }
            let ms = |a: Instant, b: Instant| b.saturating_duration_since(a).as_secs_f64() * 1e3;
            let mut w = [[f64::INFINITY, 0.0, 0.0, 0.0, f64::INFINITY]; 2];
            for (t, a, b, c) in rec.into_inner().unwrap() {
                let x = &mut w[t];
                x[0] = x[0].min(ms(t0, a));
                x[1] += 1.0;
                x[2] += ms(a, b);
                x[3] += c;
                x[4] = x[4].min(ms(b, t1));
                fold_cpu[p] += c;
                fold_n[p] += 1;
            }
            runs[p].push((ms(t0, t1), w));
        }
    }
    let med = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    for p in 0..2 {
        let total = med(runs[p].iter().map(|x| x.0).collect());
        print!(
            "evaluate, {} thread(s): call wall median {total:.1} ms; mean on-CPU per fold {:.2} ms;",
            p + 1,
            fold_cpu[p] / fold_n[p] as f64
        );
        for t in 0..=p {
            let col = |k: usize| med(runs[p].iter().map(|x| x.1[t][k]).collect());
            print!(
                " worker {t}: start {:.2} ms, folds {:.0}, busy wall {:.1} ms, on-CPU {:.1} ms, idle tail {:.2} ms;",
                col(0),
                col(1),
                col(2),
                col(3),
                col(4)
            );
        }
        println!();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let role = args[0].as_str();
    let kind = args[1].as_str();
    let amount: f64 = args[2].parse().unwrap();
    let n = 44_000usize;
    let mut seed = 7u64;
    let r: Vec<f64> = (0..n).map(|_| lcg(&mut seed) * 0.02).collect();
    let sp = WalkForward::rolling(20_000, 2_400).split(n).unwrap();
    let data: Vec<f64> = (0..512).map(|i| i as f64 * 1e-9).collect();
    let train0: Vec<usize> = sp[0].train_indices().collect();
    // look-back of the `toylb` kind (env `WF_LB`, default 30)
    let lb: usize = std::env::var("WF_LB").map_or(30, |v| v.parse().unwrap());
    let private = [(train0.clone(), r.clone()), (train0.clone(), r.clone())];
    let unit = |k: usize| match kind {
        "toy" => {
            black_box(fit_eval(&sp[k % sp.len()], &r).unwrap());
        }
        "spin" => {
            black_box(spin(1));
        }
        "ports" => {
            black_box(ports(&data, 1));
        }
        "idle" => std::thread::sleep(std::time::Duration::from_millis(10)),
        "toylb" => {
            black_box(toy_lb(&train0, &r, lb));
        }
        // the same on a private copy of the data per thread (odd k: thread 1's copy)
        "toylbp" => {
            let (t, rr) = &private[k % 2];
            black_box(toy_lb(t, rr, 30));
        }
        // the same without the index vector: the training rows as a range
        "toyrange" => {
            black_box(toy_range(20_000..40_000, &r, 30));
        }
        _ => panic!("unknown kind"),
    };
    if role == "evalcpu" {
        evalcpu(&sp, &r, amount as usize);
        return;
    }
    if role == "pair" {
        pair(kind, amount as usize, &unit);
        return;
    }
    if role == "companion" {
        let c0 = thread_cpu_ns();
        let t0 = Instant::now();
        let mut k = 0;
        while t0.elapsed().as_secs_f64() < amount {
            unit(k);
            k += 1;
        }
        let wall = t0.elapsed().as_secs_f64();
        println!(
            "companion {kind}: on-CPU {:.0}% of {wall:.2} s",
            (thread_cpu_ns() - c0) as f64 * 1e-7 / wall
        );
        return;
    }
    // victim: per-unit on-CPU and wall time
    let units = amount as usize;
    unit(0);
    let total0 = thread_cpu_ns();
    let mut cpu = Vec::with_capacity(units);
    let mut wall = Vec::with_capacity(units);
    for k in 0..units {
        let c0 = thread_cpu_ns();
        let t0 = Instant::now();
        unit(k);
        wall.push(t0.elapsed().as_secs_f64() * 1e3);
        cpu.push((thread_cpu_ns() - c0) as f64 * 1e-6);
    }
    let mean = (thread_cpu_ns() - total0) as f64 * 1e-6 / units as f64;
    cpu.sort_by(f64::total_cmp);
    wall.sort_by(f64::total_cmp);
    let q = |p: usize| wall[(units - 1) * p / 100];
    println!(
        "victim {kind}: wall ms p5 {:.3} p10 {:.3} p25 {:.3} p50 {:.3} p75 {:.3} p90 {:.3}",
        q(5),
        q(10),
        q(25),
        q(50),
        q(75),
        q(90)
    );
    println!(
        "victim {kind}: cpu ms mean {mean:.2} min {:.2} p25 {:.2} median {:.2}; wall ms min {:.2} median {:.2}",
        cpu[0],
        cpu[units / 4],
        cpu[units / 2],
        wall[0],
        wall[units / 2]
    );
}
