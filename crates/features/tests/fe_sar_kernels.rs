//! SAR / SAREXT batch kernels against the streaming fold, bit for bit. The kernel updates
//! the extreme point and the acceleration without a branch (`af = min(af + inc, max)` with
//! `inc` the step or `-0.0`), which relies on `af <= max` from a fresh state; these
//! parameter sets probe it: signed-zero and zero accelerations, steps above the maximum,
//! huge steps, start values on either side, offsets, on adversarial series.

#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use common::{KINDS, assert_kernel_eq_fold, series};

use aaiti_features::{Columns, Params, indicator};

fn sar(acc: f64, max: f64) -> Params {
    Params::new().with("acceleration", acc).with("maximum", max)
}

fn sarext(vals: [f64; 8]) -> Params {
    let names = [
        "startvalue",
        "offsetonreverse",
        "accelerationinitlong",
        "accelerationlong",
        "accelerationmaxlong",
        "accelerationinitshort",
        "accelerationshort",
        "accelerationmaxshort",
    ];
    names
        .iter()
        .zip(vals)
        .fold(Params::new(), |p, (n, v)| p.with(n, v))
}

#[test]
fn fe_sar_kernels_equal_the_fold() {
    let cases = [
        ("SAR", sar(0.02, 0.2)),
        ("SAR", sar(-0.0, 0.2)),
        ("SAR", sar(0.0, -0.0)),
        ("SAR", sar(-0.0, -0.0)),
        ("SAR", sar(0.5, 0.2)),
        ("SAR", sar(0.2, 0.2)),
        ("SAR", sar(1e30, 2e30)),
        (
            "SAREXT",
            sarext([0.0, 0.0, 0.02, 0.02, 0.2, 0.02, 0.02, 0.2]),
        ),
        ("SAREXT", sarext([0.0, 0.0, -0.0, -0.0, 0.2, 0.0, 0.3, 0.1])),
        (
            "SAREXT",
            sarext([95.0, 0.05, 0.3, 0.01, 0.2, 0.01, 0.5, 0.4]),
        ),
        (
            "SAREXT",
            sarext([-105.0, 0.0, 0.02, 0.0, 0.0, 0.1, 0.1, -0.0]),
        ),
        (
            "SAREXT",
            sarext([-0.0, 1e-3, 0.07, 0.07, 0.07, 1.0, 2.0, 3.0]),
        ),
    ];
    let mut checked = 0;
    for (name, params) in cases {
        let ind = indicator(name, &params).unwrap_or_else(|e| panic!("{name} {params:?}: {e}"));
        for kind in KINDS {
            for (seed, n) in (40u64..).zip([
                0usize, 1, 2, 3, 4, 5, 17, 255, 256, 257, 258, 259, 600, 2049,
            ]) {
                let data = series(n, seed, kind);
                let cols = Columns::new(&data[0], &data[1], &data[2], &data[3], &data[4]).unwrap();
                assert_kernel_eq_fold(
                    ind.as_ref(),
                    &cols,
                    &format!("{name} {params:?} {kind:?} n={n}"),
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 800, "only {checked} cases ran");
}
