//! Does the machine give two real cores for each kind of work? Runs one kernel
//! on 1 thread, then the same kernel concurrently on 2 threads (each thread its
//! own private data), and prints the aggregate-throughput ratio (2.00 = two
//! independent cores; ≈1.0–1.3 for throughput-bound work = SMT siblings or a
//! throttled/shared host core). Plain `std::thread`, no rayon, no allocation in
//! the timed region. Usage: `machine_probe [REPS]`.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    clippy::cast_precision_loss,
    reason = "diagnostic driver"
)]

use std::hint::black_box;
use std::sync::Barrier;
use std::time::Instant;

type Kernel = fn(&[f64], u64) -> f64;

/// One dependent multiply-add chain (latency-bound; like `spin`).
fn fp_latency(_: &[f64], iters: u64) -> f64 {
    let mut x = 1.0f64;
    for _ in 0..iters {
        x = x * 1.000_000_001 + 1e-12;
    }
    x
}

/// Eight independent multiply-add chains (throughput-bound on the FP ports).
fn fp_throughput(_: &[f64], iters: u64) -> f64 {
    let mut x = [1.0f64, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7];
    for _ in 0..iters / 8 {
        for v in &mut x {
            *v = *v * 1.000_000_001 + 1e-12;
        }
    }
    x.iter().sum()
}

/// Adds into 32 independent accumulators over a 4 KiB (L1) array: LLVM makes
/// 16 independent `addpd` chains, enough to keep both FP-add ports busy (the
/// "8 independent chains" kernel becomes 4 vector multiply-add chains, which
/// use at most half of them, so two SMT siblings could run it at full speed
/// side by side). This row is the one that tells real cores (≈ 2×) from SMT
/// siblings of one host core (≈ 1×).
fn fp_ports(data: &[f64], iters: u64) -> f64 {
    let mut acc = [0.0f64; 32];
    let passes = (iters as usize / data.len()).max(1);
    for _ in 0..passes {
        for c in black_box(data).chunks_exact(32) {
            for k in 0..32 {
                acc[k] += c[k];
            }
        }
    }
    acc.iter().sum()
}

/// Divide + square root per step (what each Sharpe ratio costs).
fn div_sqrt(_: &[f64], iters: u64) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut y = 1.5f64;
    for _ in 0..iters / 4 {
        for a in &mut acc {
            *a += (y / 1.000_1).sqrt();
        }
        y += 1e-9;
    }
    acc.iter().sum()
}

/// Sum a private array repeatedly, 4 accumulators (read bandwidth of the level it fits).
fn read_sum(data: &[f64], iters: u64) -> f64 {
    let mut acc = [0.0f64; 4];
    let passes = (iters as usize / data.len()).max(1);
    for _ in 0..passes {
        for c in data.chunks_exact(4) {
            for k in 0..4 {
                acc[k] += c[k];
            }
        }
        black_box(&acc);
    }
    acc.iter().sum()
}

fn run(k: Kernel, bytes: usize, iters: u64, threads: usize) -> f64 {
    let data: Vec<Vec<f64>> = (0..threads)
        .map(|t| (0..bytes / 8).map(|i| (i + t) as f64 * 1e-9).collect())
        .collect();
    let barrier = Barrier::new(threads);
    std::thread::scope(|sc| {
        let hs: Vec<_> = data
            .iter()
            .map(|d| {
                let b = &barrier;
                sc.spawn(move || {
                    black_box(k(d, iters / 8)); // warm caches / frequency
                    b.wait();
                    let t0 = Instant::now();
                    black_box(k(black_box(d), iters));
                    t0.elapsed().as_secs_f64()
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().unwrap())
            .fold(0.0, f64::max)
    })
}

fn main() {
    let reps: usize = std::env::args().nth(1).map_or(5, |a| a.parse().unwrap());
    println!(
        "| kernel | 1 thread ms (median) | 2 threads ms (median, 2x the work) | throughput ratio |"
    );
    println!("|---|---|---|---|");
    let cases: [(&str, Kernel, usize, u64); 8] = [
        ("FP latency chain (spin)", fp_latency, 8, 200_000_000),
        ("FP 8 independent chains", fp_throughput, 8, 800_000_000),
        (
            "FP adds, 16 vector chains (port-bound, L1)",
            fp_ports,
            4 << 10,
            1_600_000_000,
        ),
        ("divide + sqrt", div_sqrt, 8, 100_000_000),
        ("read 256 KiB (L2)", read_sum, 256 << 10, 400_000_000),
        ("read 768 KiB (L2)", read_sum, 768 << 10, 400_000_000),
        ("read 8 MiB (L3)", read_sum, 8 << 20, 400_000_000),
        ("read 256 MiB (DRAM)", read_sum, 256 << 20, 200_000_000),
    ];
    for (name, k, bytes, iters) in cases {
        let mut one = Vec::new();
        let mut two = Vec::new();
        for _ in 0..reps {
            one.push(run(k, bytes, iters, 1) * 1e3);
            two.push(run(k, bytes, iters, 2) * 1e3);
        }
        one.sort_by(f64::total_cmp);
        two.sort_by(f64::total_cmp);
        let (a, b) = (one[reps / 2], two[reps / 2]);
        println!("| {name} | {a:.1} | {b:.1} | {:.2}x |", 2.0 * a / b);
    }
}
