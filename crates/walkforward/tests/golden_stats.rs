//! PSR / DSR / expected max Sharpe against skfolio (1e-12), MinTRL against our
//! transcription, PBO against purgedcv and a paper transcription (exact).

#![allow(clippy::unwrap_used, reason = "test helpers may panic")]

use aaiti_walkforward::{
    BlockRule, MedianRule, PboConfig, deflated_sharpe_ratio, expected_max_sharpe_ratio, pbo,
    pbo_with_metric, probabilistic_sharpe_ratio, sharpe_moments,
};
use ndarray::Array2;
use serde_json::Value;

fn golden() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/golden/walkforward/stats.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn vecf(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn psr_and_mintrl_match_skfolio() {
    let g = golden();
    let mut compared = 0;
    for c in g["psr"].as_array().unwrap() {
        let r = vecf(&c["returns"]);
        let got = probabilistic_sharpe_ratio(&r, f(&c["benchmark"]), f(&c["risk_free"]));
        match c["psr"].as_f64() {
            None => assert!(got.is_err(), "{got:?}"),
            Some(want) => {
                let got = got.unwrap();
                assert!(close(got, want, 1e-12), "psr {got} vs {want}");
                let m = sharpe_moments(&r, f(&c["risk_free"])).unwrap();
                assert!(close(m.sharpe, f(&c["sharpe"]), 1e-12));
                assert!(close(m.skew, f(&c["skew"]), 1e-10));
                assert!(close(m.kurtosis, f(&c["kurtosis"]), 1e-10));
                for (p, want) in c["mintrl"].as_object().unwrap() {
                    let got = m
                        .min_track_record_length(f(&c["benchmark"]), p.parse().unwrap())
                        .unwrap();
                    assert!(close(got, f(want), 1e-9), "mintrl {got} vs {want}");
                }
                compared += 1;
            }
        }
    }
    assert!(compared > 90);
}

#[test]
fn expected_max_sharpe_matches_skfolio() {
    let g = golden();
    for c in g["emax"].as_array().unwrap() {
        let got =
            expected_max_sharpe_ratio(f(&c["n_trials"]), f(&c["std"]), f(&c["mean"])).unwrap();
        assert!(close(got, f(&c["value"]), 1e-12), "{got} vs {c}");
    }
    // published values for V = 1
    for (n, v) in [(10.0, 1.57460), (100.0, 2.53060), (1000.0, 3.25512)] {
        assert!((expected_max_sharpe_ratio(n, 1.0, 0.0).unwrap() - v).abs() < 1e-5);
    }
}

#[test]
fn dsr_matches_skfolio() {
    let g = golden();
    for c in g["dsr"].as_array().unwrap() {
        let got = deflated_sharpe_ratio(&vecf(&c["returns"]), &vecf(&c["trials"]), 0.0, None);
        match c["dsr"].as_f64() {
            None => assert!(got.is_err()),
            Some(want) => {
                let got = got.unwrap();
                assert!(close(got, want, 1e-12), "dsr {got} vs {want}");
            }
        }
    }
}

/// skfolio 1.12.2 `deflated_sharpe_ratio` drops NaN trials (N counts the finite ones), raises on
/// an infinite trial and when no finite trial remains.
#[test]
fn dsr_drops_nan_trials_as_skfolio() {
    let r = [
        0.01, -0.02, 0.015, 0.003, -0.004, 0.02, 0.011, -0.007, 0.009, 0.001,
    ];
    let cases: [(&[f64], f64); 4] = [
        (&[f64::NAN, 0.1, 0.25, 0.05], 0.734_206_408_544_745_2),
        (&[0.1, 0.25, 0.05], 0.734_206_408_544_745_2),
        (&[f64::NAN, 0.3], 0.806_263_789_564_264_1),
        (&[0.3], 0.806_263_789_564_264_1),
    ];
    for (trials, want) in cases {
        let got = deflated_sharpe_ratio(&r, trials, 0.0, None).unwrap();
        assert!(close(got, want, 1e-12), "{trials:?}: {got} vs {want}");
    }
    assert!(deflated_sharpe_ratio(&r, &[f64::NAN], 0.0, None).is_err());
    assert!(deflated_sharpe_ratio(&r, &[f64::INFINITY, 0.1], 0.0, None).is_err());
    assert!(deflated_sharpe_ratio(&r, &[], 0.0, None).is_err());
}

fn matrix(c: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = c["matrix"].as_array().unwrap().iter().map(vecf).collect();
    let (t, n) = (rows.len(), rows[0].len());
    Array2::from_shape_vec((t, n), rows.into_iter().flatten().collect()).unwrap()
}

fn sharpe0(x: &[f64]) -> f64 {
    let n = x.len();
    let mn = x.iter().copied().fold(f64::INFINITY, f64::min);
    let mx = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if n < 2 || mn == mx {
        return 0.0;
    }
    let m = x.iter().sum::<f64>() / n as f64;
    let sd = (x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (n as f64 - 1.0)).sqrt();
    m / sd
}

#[test]
fn pbo_matches_purgedcv_and_paper_transcription() {
    let g = golden();
    for c in g["pbo"].as_array().unwrap() {
        let m = matrix(c);
        let s = c["S"].as_u64().unwrap() as usize;
        let pc = PboConfig {
            n_blocks: s,
            blocks: BlockRule::Spread,
            median: MedianRule::Below,
        };
        let paper = PboConfig {
            n_blocks: s,
            blocks: BlockRule::DropHead,
            median: MedianRule::AtOrBelow,
        };
        for (cfg, key, lkey) in [
            (pc, "pbo_purgedcv", "logits_purgedcv"),
            (paper, "pbo_paper", "logits_paper"),
        ] {
            let fast = pbo(m.view(), &cfg).unwrap();
            let slow = pbo_with_metric(m.view(), &cfg, sharpe0).unwrap();
            assert_eq!(fast.pbo, f(&c[key]), "{key} S={s}");
            assert_eq!(slow.pbo, f(&c[key]), "{key} S={s} (metric path)");
            let want = vecf(&c[lkey]);
            assert_eq!(fast.logits.len(), want.len());
            for (a, b) in fast.logits.iter().zip(&want) {
                assert!((a - b).abs() < 1e-12, "{key}: logit {a} vs {b}");
            }
            for (a, b) in slow.logits.iter().zip(&want) {
                assert!((a - b).abs() < 1e-12);
            }
            if key == "pbo_purgedcv" {
                assert!(
                    close(fast.slope, f(&c["slope_purgedcv"]), 1e-9),
                    "{} vs {}",
                    fast.slope,
                    c["slope_purgedcv"]
                );
            }
        }
    }
}

#[test]
fn pbo_hand_computable_cases() {
    // S = 2: one IS block, one OOS block -> C(2,1) = 2 combinations.
    // config 0 is great in the first half and bad in the second; config 1 the opposite;
    // config 2 is mediocre everywhere (with a tiny wiggle so its std > 0).
    let rows = [
        [0.02, -0.01, 0.001],
        [0.03, -0.02, 0.002],
        [0.025, -0.015, 0.0015],
        [-0.01, 0.02, 0.001],
        [-0.02, 0.03, 0.002],
        [-0.015, 0.025, 0.0015],
    ];
    let m = Array2::from_shape_vec((6, 3), rows.iter().flatten().copied().collect()).unwrap();
    let r = pbo(
        m.view(),
        &PboConfig {
            n_blocks: 2,
            ..Default::default()
        },
    )
    .unwrap();
    // Both combinations: the IS-best is the worst OOS -> rank 1, omega = 1/4, lambda = ln(1/3)
    assert_eq!(r.n_combinations, 2);
    for l in &r.logits {
        assert!((l - (1.0f64 / 3.0).ln()).abs() < 1e-15);
    }
    assert_eq!(r.pbo, 1.0);
    assert_eq!(r.prob_oos_loss, 1.0);

    // A config that dominates everywhere is never overfit: lambda = ln(3/1) in every combination.
    let mut m2 = m.clone();
    for t in 0..6 {
        m2[[t, 2]] = 0.05 + 0.001 * t as f64;
    }
    let r = pbo(
        m2.view(),
        &PboConfig {
            n_blocks: 2,
            ..Default::default()
        },
    )
    .unwrap();
    for l in &r.logits {
        assert!((l - 3.0f64.ln()).abs() < 1e-15);
    }
    assert_eq!(r.pbo, 0.0);
    assert_eq!(r.prob_oos_loss, 0.0);
}

#[test]
fn pbo_is_thread_count_invariant_and_rejects_bad_input() {
    let t = 160;
    let n = 6;
    let m = Array2::from_shape_fn((t, n), |(i, j)| {
        (((i * 7919 + j * 104_729) % 1000) as f64 - 500.0) * 1e-5
    });
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let two = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let cfg = PboConfig {
        n_blocks: 8,
        ..Default::default()
    };
    let a = one.install(|| pbo(m.view(), &cfg)).unwrap();
    let b = two.install(|| pbo(m.view(), &cfg)).unwrap();
    assert_eq!(a, b);
    assert!(
        pbo(
            m.view(),
            &PboConfig {
                n_blocks: 7,
                ..Default::default()
            }
        )
        .is_err()
    );
    assert!(pbo(m.slice(ndarray::s![.., 0..1]), &cfg).is_err());
    let mut bad = m.clone();
    bad[[3, 2]] = f64::NAN;
    assert!(pbo(bad.view(), &cfg).is_err());
}

#[test]
fn pbo_fast_path_equals_metric_path_with_flat_stretches() {
    // sparse strategies: long runs of exactly-zero returns make some IS/OOS slices constant
    let (t, n) = (96, 5);
    let m = Array2::from_shape_fn((t, n), |(i, j)| {
        if j == 0 || (j == 1 && i < 60) || (i / 12) % 2 == 0 {
            0.0
        } else {
            (((i * 31 + j * 17) % 23) as f64 - 11.0) * 1e-3
        }
    });
    for s in [2, 4, 8] {
        for blocks in [BlockRule::DropHead, BlockRule::Spread] {
            let cfg = PboConfig {
                n_blocks: s,
                blocks,
                median: MedianRule::AtOrBelow,
            };
            let a = pbo(m.view(), &cfg).unwrap();
            let b = pbo_with_metric(m.view(), &cfg, sharpe0).unwrap();
            assert_eq!(a.pbo, b.pbo);
            for (x, y) in a.logits.iter().zip(&b.logits) {
                assert!((x - y).abs() < 1e-12);
            }
            for (x, y) in a.is_best.iter().zip(&b.is_best) {
                assert!((x - y).abs() < 1e-9 * y.abs().max(1.0));
            }
        }
    }
}

#[test]
fn pbo_reports_the_first_non_finite_position_for_any_layout_and_thread_count() {
    // 40,000 × 4 = 160,000 values: the scan spans several parallel chunks.
    let (t, n) = (40_000, 4);
    let m = Array2::from_shape_fn((t, n), |(i, j)| ((i + j) % 13) as f64 * 1e-4 - 6e-4);
    let cfg = PboConfig::default();
    let mut bad = m.clone();
    bad[[30_000, 1]] = f64::INFINITY; // row-major position 120,001
    bad[[35_000, 3]] = f64::NAN; // later: must not be the one reported
    for threads in [1, 2, 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let err = pool.install(|| pbo(bad.view(), &cfg)).unwrap_err();
        assert!(
            matches!(
                err,
                aaiti_walkforward::Error::NonFinite { index: 120_001, .. }
            ),
            "{threads} threads: {err:?}"
        );
    }
    // A non-contiguous view (every other column) takes the serial path: same convention,
    // positions counted row-major within the view.
    let mut strided = m.clone();
    strided[[20_000, 2]] = f64::NAN; // view column 1 → position 40,001
    strided[[10_000, 1]] = f64::NAN; // column 1 is not in the view
    let err = pbo(strided.slice(ndarray::s![.., ..;2]), &cfg).unwrap_err();
    assert!(
        matches!(
            err,
            aaiti_walkforward::Error::NonFinite { index: 40_001, .. }
        ),
        "{err:?}"
    );
}
