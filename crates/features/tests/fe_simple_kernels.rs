//! Batch kernels of the point-wise momentum functions (MOM, ROC, ROCP, ROCR, ROCR100,
//! BOP) against the streaming fold, bit for bit, on adversarial series: signed zeros
//! (the `prev == 0` and `range <= 0` guards), NaN and ±inf in every column, huge and tiny
//! magnitudes, every length around the period.

#![allow(clippy::unwrap_used, reason = "test code")]

mod common;

use common::{KINDS, assert_kernel_eq_fold, series};

use aaiti_features::{Columns, Params, indicator};

#[test]
fn fe_point_kernels_equal_the_fold() {
    let mut checked = 0;
    let mut cases: Vec<(&str, Params)> = vec![("BOP", Params::new())];
    for f in ["MOM", "ROC", "ROCP", "ROCR", "ROCR100"] {
        for p in [1usize, 2, 3, 10, 31] {
            #[allow(clippy::cast_precision_loss)]
            let base = Params::new().with("timeperiod", p as f64);
            cases.push((f, base.clone()));
            cases.push((f, base.clone().with_text("price", "volume")));
            cases.push((f, base.with_text("price", "high")));
        }
    }
    for (name, params) in cases {
        let ind = indicator(name, &params).unwrap_or_else(|e| panic!("{name} {params:?}: {e}"));
        for kind in KINDS {
            for (seed, n) in
                (1u64..).zip([0usize, 1, 2, 3, 4, 9, 10, 11, 12, 30, 31, 32, 33, 300, 1025])
            {
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
    assert!(checked > 1000, "only {checked} cases ran");
}
