//! PBO's first phase in isolation: per (configuration, block) sums, M2, min
//! and max of a row-major `T × N` matrix (T = 10,000, N = 1,000, S = 16).
//! Compares the former column-by-column walk (strided reads of the whole
//! matrix, parallel over configurations), the block-by-block row-order walk
//! (parallel over blocks, one output vector per task; current) and
//! (block, 64-column tile) tasks (tried), checks that all give bit-identical
//! statistics, and prints wall times (after one warm-up call) for the
//! requested thread counts (`pbo_block_stats [REPS] [1,2]`).

#![allow(clippy::unwrap_used, clippy::print_stdout, reason = "benchmark driver")]

use std::time::Instant;

use ndarray::{Array2, ArrayView2, s};
use rayon::prelude::*;

#[derive(Clone, Copy, Default, PartialEq, Debug)]
struct Blk {
    n: f64,
    s: f64,
    q: f64,
    min: f64,
    max: f64,
}

type Stats = fn(ArrayView2<'_, f64>, &[(usize, usize)]) -> Vec<Blk>;

fn bounds(t: usize, s: usize) -> Vec<(usize, usize)> {
    let len = t / s;
    let head = t - len * s;
    (0..s)
        .map(|b| (head + b * len, head + (b + 1) * len))
        .collect()
}

/// The former layout: one task per configuration walking its column.
fn by_column(m: ArrayView2<'_, f64>, bnd: &[(usize, usize)]) -> Vec<Blk> {
    let s = bnd.len();
    let mut stats = vec![Blk::default(); s * m.ncols()];
    stats.par_chunks_mut(s).enumerate().for_each(|(j, row)| {
        for (b, st) in row.iter_mut().enumerate() {
            let (lo, hi) = bnd[b];
            let col = m.slice(s![lo..hi, j]);
            #[allow(clippy::cast_precision_loss, reason = "row counts")]
            let cnt = (hi - lo) as f64;
            let sum = col.sum();
            let mean = sum / cnt;
            let m2 = col.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>();
            *st = Blk {
                n: cnt,
                s: sum,
                q: m2 + cnt * mean * mean,
                min: col.iter().copied().fold(f64::INFINITY, f64::min),
                max: col.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            };
        }
    });
    stats
}

/// The current layout (as in `aaiti_walkforward::pbo`): one task per block.
fn by_block(m: ArrayView2<'_, f64>, bnd: &[(usize, usize)]) -> Vec<Blk> {
    let s = bnd.len();
    let nc = m.ncols();
    let per_block: Vec<Vec<Blk>> = bnd
        .par_iter()
        .map(|&(lo, hi)| {
            let block = m.slice(s![lo..hi, ..]);
            #[allow(clippy::cast_precision_loss, reason = "row counts")]
            let cnt = (hi - lo) as f64;
            let mut sum = vec![0.0; nc];
            // rows as slices, as the library does (the loops vectorise)
            for row in block.rows() {
                let row = row.to_slice().unwrap();
                for (acc, &x) in sum.iter_mut().zip(row) {
                    *acc += x;
                }
            }
            let mean: Vec<f64> = sum.iter().map(|&v| v / cnt).collect();
            let mut m2 = vec![0.0; nc];
            let mut mn = vec![f64::INFINITY; nc];
            let mut mx = vec![f64::NEG_INFINITY; nc];
            for row in block.rows() {
                let row = row.to_slice().unwrap();
                for ((((&x, &mu), a), lo), hi) in
                    row.iter().zip(&mean).zip(&mut m2).zip(&mut mn).zip(&mut mx)
                {
                    let d = x - mu;
                    *a += d * d;
                    *lo = lo.min(x);
                    *hi = hi.max(x);
                }
            }
            (0..nc)
                .map(|j| Blk {
                    n: cnt,
                    s: sum[j],
                    q: m2[j] + cnt * mean[j] * mean[j],
                    min: mn[j],
                    max: mx[j],
                })
                .collect()
        })
        .collect();
    let mut stats = vec![Blk::default(); s * nc];
    for (b, col) in per_block.iter().enumerate() {
        for (j, st) in col.iter().enumerate() {
            stats[j * s + b] = *st;
        }
    }
    stats
}

/// Tried and measured slower: one task per (block, 64-column tile), meant to
/// let the M2 pass re-read a 320 KB tile from L2; each 512-byte tile row
/// starts a new page, where the hardware prefetcher stops.
fn by_tile(m: ArrayView2<'_, f64>, bnd: &[(usize, usize)]) -> Vec<Blk> {
    const TILE: usize = 64;
    let (s, nc) = (bnd.len(), m.ncols());
    let tiles = nc.div_ceil(TILE);
    let parts: Vec<Vec<Blk>> = (0..s * tiles)
        .into_par_iter()
        .map(|task| {
            let (lo, hi) = bnd[task / tiles];
            let c0 = (task % tiles) * TILE;
            let c1 = (c0 + TILE).min(nc);
            let tile = m.slice(s![lo..hi, c0..c1]);
            #[allow(clippy::cast_precision_loss, reason = "row counts")]
            let cnt = (hi - lo) as f64;
            let mut sum = vec![0.0; c1 - c0];
            for row in tile.rows() {
                for (acc, &x) in sum.iter_mut().zip(row.iter()) {
                    *acc += x;
                }
            }
            let mean: Vec<f64> = sum.iter().map(|&v| v / cnt).collect();
            let mut m2 = vec![0.0; c1 - c0];
            let mut mn = vec![f64::INFINITY; c1 - c0];
            let mut mx = vec![f64::NEG_INFINITY; c1 - c0];
            for row in tile.rows() {
                for (j, &x) in row.iter().enumerate() {
                    let d = x - mean[j];
                    m2[j] += d * d;
                    mn[j] = mn[j].min(x);
                    mx[j] = mx[j].max(x);
                }
            }
            (0..c1 - c0)
                .map(|j| Blk {
                    n: cnt,
                    s: sum[j],
                    q: m2[j] + cnt * mean[j] * mean[j],
                    min: mn[j],
                    max: mx[j],
                })
                .collect()
        })
        .collect();
    let mut stats = vec![Blk::default(); s * nc];
    for (task, part) in parts.iter().enumerate() {
        let (b, c0) = (task / tiles, (task % tiles) * TILE);
        for (dj, st) in part.iter().enumerate() {
            stats[(c0 + dj) * s + b] = *st;
        }
    }
    stats
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let reps: usize = args.first().map_or(5, |a| a.parse().unwrap());
    let threads: Vec<usize> = args.get(1).map_or_else(
        || vec![1, 2],
        |a| a.split(',').map(|x| x.parse().unwrap()).collect(),
    );
    let mut seed = 42u64;
    let m = Array2::from_shape_fn((10_000, 1_000), |_| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        #[allow(clippy::cast_precision_loss, reason = "random bits")]
        let u = (seed >> 11) as f64 / (1u64 << 53) as f64;
        (u - 0.5) * 0.02
    });
    let bnd = bounds(10_000, 16);
    let a = by_column(m.view(), &bnd);
    let b = by_block(m.view(), &bnd);
    assert_eq!(
        by_tile(m.view(), &bnd)
            .iter()
            .map(|x| [x.n, x.s, x.q, x.min, x.max].map(f64::to_bits))
            .collect::<Vec<_>>(),
        b.iter()
            .map(|x| [x.n, x.s, x.q, x.min, x.max].map(f64::to_bits))
            .collect::<Vec<_>>(),
        "tiles disagree"
    );
    assert!(
        a.iter().zip(&b).all(|(x, y)| x.n.to_bits() == y.n.to_bits()
            && x.s.to_bits() == y.s.to_bits()
            && x.q.to_bits() == y.q.to_bits()
            && x.min.to_bits() == y.min.to_bits()
            && x.max.to_bits() == y.max.to_bits()),
        "layouts disagree"
    );
    println!("| block statistics (T=10,000, N=1,000, S=16) | threads | min ms | median ms |");
    println!("|---|---|---|---|");
    for &t in &threads {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap();
        for (name, f) in [
            ("column walk (before)", by_column as Stats),
            ("block walk (now)", by_block as Stats),
            ("64-column tiles (tried)", by_tile as Stats),
        ] {
            std::hint::black_box(pool.install(|| f(m.view(), &bnd))); // warm-up
            let mut ms: Vec<f64> = (0..reps)
                .map(|_| {
                    let t0 = Instant::now();
                    let r = pool.install(|| f(m.view(), &bnd));
                    std::hint::black_box(r);
                    t0.elapsed().as_secs_f64() * 1e3
                })
                .collect();
            ms.sort_by(f64::total_cmp);
            println!("| {name} | {t} | {:.1} | {:.1} |", ms[0], ms[ms.len() / 2]);
        }
    }
}
