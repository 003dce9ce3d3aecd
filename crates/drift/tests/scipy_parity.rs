//! Batch tests equal scipy 1.17.1 / Evidently 0.7.23 (golden values made by
//! `tests/golden/drift/gen_stats.py`). Tolerances: statistics and distances 1e-12 relative,
//! p-values 1e-10 absolute.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is the failure report"
)]

use aaiti_drift::{
    Binning, KsMethod, chi_squared, jensen_shannon, js_distance, ks_2samp, psi, wasserstein,
    wasserstein_normed,
};
use serde_json::Value;

const GOLDEN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/golden/drift/stats.json"
));

fn golden() -> Value {
    serde_json::from_str(GOLDEN).unwrap()
}

/// The LCG sample generator documented in gen_stats.py.
fn sample(spec: &Value) -> Vec<f64> {
    let mut state = spec["seed"].as_u64().unwrap();
    let n = spec["n"].as_u64().unwrap() as usize;
    let kind = spec["kind"].as_str().unwrap();
    let scale = spec["scale"].as_f64().unwrap();
    let shift = spec["shift"].as_f64().unwrap();
    let round_to = spec["round_to"].as_f64().unwrap();
    let mut u = || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    (0..n)
        .map(|_| {
            let mut x = if kind == "u" {
                u() * scale + shift
            } else {
                let s = u() + u() + u() + u();
                (s - 2.0) * scale + shift
            };
            if round_to > 0.0 {
                x = (x * round_to).round_ties_even() / round_to;
            }
            x
        })
        .collect()
}

fn rel_close(got: f64, want: f64, tol: f64) -> bool {
    if want == 0.0 {
        got.abs() <= tol
    } else {
        ((got - want) / want).abs() <= tol
    }
}

#[test]
fn ks_2samp_matches_scipy() {
    let g = golden();
    let mut checked = 0;
    for row in g["ks"].as_array().unwrap() {
        let (a, b) = (sample(&row["a"]), sample(&row["b"]));
        for (key, method) in [
            ("auto", KsMethod::Auto),
            ("exact", KsMethod::Exact),
            ("asymp", KsMethod::Asymp),
        ] {
            let Some(want) = row.get(key) else { continue };
            let r = ks_2samp(&a, &b, method).unwrap();
            let ctx = format!("n1={} n2={} {key}", a.len(), b.len());
            assert!(
                rel_close(r.statistic, want[0].as_f64().unwrap(), 1e-12),
                "{ctx}: D {} vs {}",
                r.statistic,
                want[0]
            );
            match want[1].as_f64() {
                Some(p) => assert!(
                    (r.pvalue - p).abs() <= 1e-10,
                    "{ctx}: p {} vs {p}",
                    r.pvalue
                ),
                None => assert!(
                    r.pvalue.is_nan(),
                    "{ctx}: scipy gives NaN, got {}",
                    r.pvalue
                ),
            }
            assert_eq!(r.location, want[2].as_f64().unwrap(), "{ctx}: location");
            assert_eq!(i64::from(r.sign), want[3].as_i64().unwrap(), "{ctx}: sign");
            checked += 1;
        }
    }
    assert!(checked > 300, "{checked}");
}

#[test]
fn distances_match_scipy_numpy_and_evidently() {
    let g = golden();
    let rows = g["distances"].as_array().unwrap();
    assert!(rows.len() > 80);
    for row in rows {
        let (a, b) = (sample(&row["a"]), sample(&row["b"]));
        let ctx = format!("n1={} n2={} seed={}", a.len(), b.len(), row["a"]["seed"]);
        let w = wasserstein(&a, &b).unwrap();
        assert!(
            rel_close(w, row["wasserstein"].as_f64().unwrap(), 1e-12),
            "{ctx}: W1 {w} vs {}",
            row["wasserstein"]
        );
        let p = psi(&a, &b, Binning::default()).unwrap();
        assert!(
            rel_close(p, row["psi_quantile"].as_f64().unwrap(), 1e-12),
            "{ctx}: psi {p} vs {}",
            row["psi_quantile"]
        );
        let p = psi(&a, &b, Binning::EvidentlyCompatible).unwrap();
        assert!(
            rel_close(p, row["evidently_psi"].as_f64().unwrap(), 1e-12),
            "{ctx}: ev psi {p} vs {}",
            row["evidently_psi"]
        );
        let j = js_distance(&a, &b, Binning::EvidentlyCompatible).unwrap();
        assert!(
            rel_close(j, row["evidently_js"].as_f64().unwrap(), 1e-12),
            "{ctx}: ev js {j} vs {}",
            row["evidently_js"]
        );
        let wn = wasserstein_normed(&a, &b).unwrap();
        let want = row["evidently_wasserstein_norm"].as_f64().unwrap();
        assert!(rel_close(wn, want, 1e-12), "{ctx}: ev wn {wn} vs {want}");
    }
}

#[test]
fn jensen_shannon_matches_scipy() {
    let g = golden();
    for row in g["js"].as_array().unwrap() {
        let p: Vec<f64> = row["p"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let q: Vec<f64> = row["q"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let got = jensen_shannon(&p, &q, None).unwrap();
        assert!(
            rel_close(got, row["none"].as_f64().unwrap(), 1e-12),
            "{got} vs {}",
            row["none"]
        );
        let got = jensen_shannon(&p, &q, Some(2.0)).unwrap();
        assert!(
            rel_close(got, row["base2"].as_f64().unwrap(), 1e-12),
            "{got} vs {}",
            row["base2"]
        );
    }
}

#[test]
fn chi_squared_and_categorical_binning_match_scipy_and_evidently() {
    let g = golden();
    for row in g["chi2"].as_array().unwrap() {
        let r: Vec<f64> = row["reference"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let c: Vec<f64> = row["current"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let res = chi_squared(&r, &c).unwrap();
        assert!(
            rel_close(res.statistic, row["statistic"].as_f64().unwrap(), 1e-12),
            "{} vs {}",
            res.statistic,
            row["statistic"]
        );
        assert!(
            (res.pvalue - row["pvalue"].as_f64().unwrap()).abs() <= 1e-10,
            "{} vs {}",
            res.pvalue,
            row["pvalue"]
        );
        assert!((res.pvalue - row["evidently_pvalue"].as_f64().unwrap()).abs() <= 1e-10);
        let p = psi(&r, &c, Binning::EvidentlyCompatible).unwrap();
        assert!(
            rel_close(p, row["evidently_psi_cat"].as_f64().unwrap(), 1e-12),
            "{p} vs {}",
            row["evidently_psi_cat"]
        );
        let j = js_distance(&r, &c, Binning::EvidentlyCompatible).unwrap();
        assert!(
            rel_close(j, row["evidently_js_cat"].as_f64().unwrap(), 1e-12),
            "{j} vs {}",
            row["evidently_js_cat"]
        );
    }
}
