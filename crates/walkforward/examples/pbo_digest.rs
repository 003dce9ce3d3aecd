//! Prints a bit-exact digest of `pbo` results (every logit, IS-best and
//! OOS-of-best value, PBO, P[loss], slope, intercept) for the benchmark matrix
//! (S = 16, N = 1,000, T = 10,000) and smaller matrices with near-constant
//! columns, both block rules and several S. Used to check that a rewrite of the
//! PBO fast path is bit-identical: run it before and after and compare.

#![allow(
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "diagnostic driver"
)]

use aaiti_walkforward::{BlockRule, PboConfig, PboResult, pbo};
use ndarray::Array2;

fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    #[allow(clippy::cast_precision_loss, reason = "random bits")]
    let u = (*seed >> 11) as f64 / (1u64 << 53) as f64;
    u - 0.5
}

fn digest(r: &PboResult) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |x: f64| {
        for b in x.to_bits().to_le_bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for v in r.logits.iter().chain(&r.is_best).chain(&r.oos_of_best) {
        eat(*v);
    }
    for v in [r.pbo, r.prob_oos_loss, r.slope, r.intercept] {
        eat(v);
    }
    h
}

fn main() {
    let mut seed = 42u64;
    let m = Array2::from_shape_fn((10_000, 1_000), |_| lcg(&mut seed) * 0.02);
    let r = pbo(m.view(), &PboConfig::default()).unwrap();
    println!(
        "bench S=16 N=1000 T=10000: pbo {} digest {:016x}",
        r.pbo,
        digest(&r)
    );
    for (t, n) in [(997usize, 37usize), (160, 6), (64, 3), (1_201, 250)] {
        let mut seed = (t * 31 + n) as u64;
        // columns: noise, near-constant (tiny noise on a big level), exactly
        // constant stretches, and a few integer-valued columns with ties
        let m = Array2::from_shape_fn((t, n), |(i, j)| match j % 5 {
            0 | 1 => lcg(&mut seed) * 0.02,
            2 => 1e3 + lcg(&mut seed) * 1e-12,
            3 => {
                if (i / 37) % 2 == 0 {
                    0.25
                } else {
                    lcg(&mut seed)
                }
            }
            _ => (lcg(&mut seed) * 6.0).round(),
        });
        for s in [2usize, 4, 8, 10, 16] {
            if s > t {
                continue;
            }
            for blocks in [BlockRule::DropHead, BlockRule::Spread] {
                let cfg = PboConfig {
                    n_blocks: s,
                    blocks,
                    ..Default::default()
                };
                let r = pbo(m.view(), &cfg).unwrap();
                println!(
                    "T={t} N={n} S={s} {blocks:?}: pbo {} digest {:016x}",
                    r.pbo,
                    digest(&r)
                );
            }
        }
    }
}
