//! Detection indices identical to river 0.26.1 (golden values made by
//! `tests/golden/drift/gen_detectors.py`). Tolerance: exact index equality.

#![allow(
    clippy::unwrap_used,
    reason = "test code: a panic is the failure report"
)]
use aaiti_drift::{build_detector, detect};
use serde_json::Value;

const GOLDEN: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/golden/drift/detectors.json"
));

fn param_pairs(p: &serde_json::Map<String, Value>) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| {
            let s = match v {
                Value::String(s) => s.clone(),
                Value::Bool(b) => b.to_string(),
                other => other.to_string(),
            };
            (k.clone(), s)
        })
        .collect()
}

fn run_family(family: &str) -> usize {
    let g: Value = serde_json::from_str(GOLDEN).unwrap();
    let streams = g["streams"].as_object().unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in g["cases"].as_array().unwrap() {
        let det = case["detector"].as_str().unwrap();
        if det != family {
            continue;
        }
        let pairs = param_pairs(case["params"].as_object().unwrap());
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let mut d = build_detector(det, &refs).unwrap();
        let stream_name = case["stream"].as_str().unwrap();
        let xs: Vec<f64> = streams[stream_name]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let got = detect(&mut d, &xs).unwrap();
        let want_drift: Vec<usize> = case["drift"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        if got.drifts != want_drift {
            failures.push(format!(
                "{det} {:?} on {stream_name}: got {:?} want {:?}",
                refs, got.drifts, want_drift
            ));
        }
        if let Some(w) = case.get("warning") {
            // river can raise warning and drift together (EDDM keeps an earlier warning, the
            // two-sided HDDMs warn on one side and drift on the other): `detect` lists the
            // index in both, as river's two flags
            let want_warn: Vec<usize> = w
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as usize)
                .collect();
            if got.warnings != want_warn {
                failures.push(format!(
                    "{det} {:?} on {stream_name}: warnings got {:?} want {:?}",
                    refs, got.warnings, want_warn
                ));
            }
        }
        checked += 1;
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    checked
}

#[test]
fn adwin_matches_river() {
    assert!(run_family("adwin") >= 50);
}
#[test]
fn page_hinkley_matches_river() {
    assert!(run_family("page_hinkley") >= 50);
}
#[test]
fn ddm_matches_river() {
    assert!(run_family("ddm") >= 18);
}
#[test]
fn eddm_matches_river() {
    assert!(run_family("eddm") >= 18);
}
#[test]
fn hddm_a_matches_river() {
    assert!(run_family("hddm_a") >= 18);
}
#[test]
fn hddm_w_matches_river() {
    assert!(run_family("hddm_w") >= 18);
}
#[test]
fn kswin_seedfree_matches_river() {
    assert!(run_family("kswin_seedfree") >= 20);
}
#[test]
fn kswin_python_rng_matches_river() {
    assert!(run_family("kswin") >= 12);
}
