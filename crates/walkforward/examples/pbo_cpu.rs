//! Runs PBO (S=16, N=1,000 configs, T=10,000) once; used with `/usr/bin/time` to
//! report CPU time on a loaded machine (see docs/benchmarks/walkforward.md).

#![allow(clippy::unwrap_used, reason = "example")]

use aaiti_walkforward::{PboConfig, pbo};
use ndarray::Array2;

fn main() {
    let mut seed = 42u64;
    let m = Array2::from_shape_fn((10_000, 1_000), |_| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (((seed >> 11) as f64 / (1u64 << 53) as f64) - 0.5) * 0.02
    });
    let r = pbo(m.view(), &PboConfig::default()).unwrap();
    assert!(r.pbo >= 0.0 && r.pbo <= 1.0);
    assert_eq!(r.n_combinations, 12_870);
}
