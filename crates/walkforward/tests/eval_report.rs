//! Evaluation engine determinism, metrics, aggregation and verdict.

#![allow(clippy::unwrap_used, reason = "tests")]
#![allow(clippy::single_range_in_vec_init, reason = "splits are range lists")]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use aaiti_walkforward::{
    ClassificationMetrics, FoldResult, Recommendation, Report, Split, SplitResult, Splitter,
    VerdictConfig, WalkForward, evaluate, evaluate_with_progress,
};

/// A deterministic CPU-bound "model": a sign-momentum rule fitted by grid
/// search on the training rows; returns per-row strategy returns on test rows.
fn fold(split: &Split, rets: &[f64]) -> Result<FoldResult, String> {
    let train: Vec<usize> = split.train_indices().collect();
    if train.len() < 5 {
        return Err(format!(
            "split {} has only {} training rows",
            split.id,
            train.len()
        ));
    }
    let mut best = (f64::NEG_INFINITY, 1usize);
    for lb in 1..10usize {
        let pnl: f64 = train
            .iter()
            .filter(|&&i| i >= lb)
            .map(|&i| rets[i - lb..i].iter().sum::<f64>().signum() * rets[i])
            .sum();
        if pnl > best.0 {
            best = (pnl, lb);
        }
    }
    let lb = best.1;
    let test: Vec<usize> = split.test_indices().collect();
    let pred: Vec<f64> = test
        .iter()
        .map(|&i| rets[i.saturating_sub(lb)..i].iter().sum::<f64>().signum())
        .collect();
    let truth: Vec<f64> = test.iter().map(|&i| rets[i].signum()).collect();
    let oos: Vec<f64> = test.iter().zip(&pred).map(|(&i, p)| p * rets[i]).collect();
    let mut trading = BTreeMap::new();
    trading.insert("pnl".to_string(), oos.iter().sum());
    Ok(FoldResult {
        classification: Some(
            ClassificationMetrics::from_labels(&truth, &pred).map_err(|e| e.to_string())?,
        ),
        trading,
        oos_returns: oos,
    })
}

fn returns(n: usize) -> Vec<f64> {
    let mut x = 0.3f64;
    (0..n)
        .map(|i| {
            x = (x * 3.9 * (1.0 - x)).clamp(1e-6, 1.0 - 1e-6);
            (x - 0.5) * 0.02 + if (i / 50) % 2 == 0 { 0.001 } else { -0.001 }
        })
        .collect()
}

#[test]
fn results_identical_for_any_thread_count_and_ordered_by_id() {
    let r = returns(3000);
    let splits = WalkForward::rolling(500, 200).split(r.len()).unwrap();
    let run = |threads| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| evaluate(&splits, |s| fold(s, &r)).unwrap())
    };
    let a = run(1);
    let b = run(2);
    let c = run(5);
    assert_eq!(a, b);
    assert_eq!(a, c);
    assert_eq!(
        a.iter().map(|x| x.split).collect::<Vec<_>>(),
        (0..splits.len()).collect::<Vec<_>>()
    );
    let counter = AtomicUsize::new(0);
    let d = evaluate_with_progress(
        &splits,
        |s| fold(s, &r),
        |done, total| {
            assert!(done <= total);
            counter.fetch_add(1, Ordering::Relaxed);
        },
    )
    .unwrap();
    assert_eq!(d, a);
    assert_eq!(counter.load(Ordering::Relaxed), splits.len());
}

#[test]
fn first_failing_split_is_reported() {
    let r = returns(400);
    let splits = WalkForward::sklearn(5, Some(3), None, 0)
        .split(r.len())
        .unwrap();
    let e = evaluate(&splits, |s| fold(s, &r)).unwrap_err();
    assert!(e.to_string().contains("split 0 failed"), "{e}");
}

#[test]
fn classification_metrics_by_hand() {
    let t = [1.0, 1.0, 0.0, 0.0, 1.0];
    let p = [1.0, 0.0, 1.0, 0.0, 1.0];
    let m = ClassificationMetrics::from_labels(&t, &p).unwrap();
    assert_eq!(m.accuracy, 3.0 / 5.0);
    assert_eq!(m.precision, 2.0 / 3.0);
    assert_eq!(m.recall, 2.0 / 3.0);
    assert!((m.f1 - 2.0 / 3.0).abs() < 1e-15);
    let m = ClassificationMetrics::from_labels(&[0.0, 0.0], &[0.0, 0.0]).unwrap();
    assert_eq!(
        (m.accuracy, m.precision, m.recall, m.f1),
        (1.0, 0.0, 0.0, 0.0)
    );
    assert!(ClassificationMetrics::from_labels(&[1.0], &[]).is_err());
}

fn result(id: usize, acc: f64, n_test: usize, rets: Vec<f64>) -> SplitResult {
    SplitResult {
        split: id,
        train: vec![0..10],
        test: vec![10 + id * 5..10 + id * 5 + n_test],
        n_train: 10,
        n_test,
        purged: 0,
        embargoed: 0,
        result: FoldResult {
            classification: Some(ClassificationMetrics {
                accuracy: acc,
                precision: acc,
                recall: acc,
                f1: acc,
            }),
            trading: BTreeMap::new(),
            oos_returns: rets,
        },
    }
}

#[test]
fn verdict_levels_follow_the_seed_thresholds() {
    let cfg = VerdictConfig {
        min_test_samples: 1,
        ..Default::default()
    };
    let mk = |accs: &[f64]| {
        let rs = accs
            .iter()
            .enumerate()
            .map(|(i, &a)| result(i, a, 5, vec![]))
            .collect();
        Report::new(rs, cfg, None).unwrap()
    };
    // mean 0.62, consistency 5/5 -> GOOD
    assert_eq!(
        mk(&[0.6, 0.62, 0.64, 0.61, 0.63]).verdict.recommendation,
        Recommendation::Good
    );
    // mean 0.61 but one split <= 0.5 -> consistency 0.8, not > 0.8 -> ACCEPTABLE
    let r = mk(&[0.7, 0.7, 0.45, 0.6, 0.6]);
    assert_eq!(r.summary.consistency, Some(0.8));
    assert_eq!(r.verdict.recommendation, Recommendation::Acceptable);
    // mean 0.52 -> MARGINAL
    assert_eq!(
        mk(&[0.52, 0.52, 0.52]).verdict.recommendation,
        Recommendation::Marginal
    );
    // mean 0.5 exactly -> POOR
    let r = mk(&[0.5, 0.5]);
    assert_eq!(r.verdict.recommendation, Recommendation::Poor);
    assert!(r.verdict_text().starts_with("RECOMMENDATION: POOR"));
    // min-samples guard caps at MARGINAL
    let rs = (0..5).map(|i| result(i, 0.7, 5, vec![])).collect();
    let r = Report::new(rs, VerdictConfig::default(), None).unwrap();
    assert_eq!(r.summary.undersized_splits, vec![0, 1, 2, 3, 4]);
    assert_eq!(r.verdict.recommendation, Recommendation::Marginal);
    // configurable thresholds
    let strict = VerdictConfig {
        good_accuracy: 0.9,
        min_test_samples: 1,
        ..Default::default()
    };
    let rs = (0..5).map(|i| result(i, 0.7, 5, vec![])).collect();
    assert_eq!(
        Report::new(rs, strict, None)
            .unwrap()
            .verdict
            .recommendation,
        Recommendation::Acceptable
    );
}

#[test]
fn aggregates_and_stitched_equity() {
    // split 0 tests rows 10..16, split 1 tests rows 15..21 (overlap at row 15)
    let a = result(0, 0.6, 6, vec![0.01, -0.01, 0.02, 0.0, 0.01, 0.5]);
    let b = result(1, 0.8, 6, vec![9.0, 0.01, 0.01, -0.02, 0.0, 0.01]);
    let r = Report::new(
        vec![a, b],
        VerdictConfig {
            min_test_samples: 1,
            ..Default::default()
        },
        Some(&[0.1, 0.2, 0.05]),
    )
    .unwrap();
    let acc = r.summary.accuracy.as_ref().unwrap();
    assert!((acc.mean - 0.7).abs() < 1e-15);
    assert!((acc.std - (0.02f64).sqrt()).abs() < 1e-12);
    assert_eq!((acc.argmin, acc.argmax), (0, 1));
    assert!((acc.fold_to_fold_change - 0.2).abs() < 1e-12);
    // row 15 comes from split 0 (0.5), not split 1 (9.0)
    assert_eq!(r.equity.len(), 11);
    assert_eq!(r.equity[5].row, 15);
    assert_eq!(r.equity[5].ret, 0.5);
    let expected: f64 = [
        0.01, -0.01, 0.02, 0.0, 0.01, 0.5, 0.01, 0.01, -0.02, 0.0, 0.01,
    ]
    .iter()
    .fold(1.0, |e, x| e * (1.0 + x));
    assert!((r.equity.last().unwrap().equity - expected).abs() < 1e-12);
    let st = r.statistics.as_ref().unwrap();
    assert!(st.psr.is_some() && st.dsr.is_some());
    let json = r.to_json().unwrap();
    assert!(json.contains("\"recommendation\""));
    // wrong number of OOS returns is an error, not silently truncated
    let bad = result(0, 0.6, 6, vec![0.01]);
    assert!(Report::new(vec![bad], VerdictConfig::default(), None).is_err());
}

#[test]
fn plots_render_svg() {
    let r = returns(2000);
    let splits = WalkForward::rolling(400, 200)
        .with_gap(3)
        .split(r.len())
        .unwrap();
    let res = evaluate(&splits, |s| fold(s, &r)).unwrap();
    let rep = Report::new(res, VerdictConfig::default(), None).unwrap();
    let m = aaiti_walkforward::metric_per_split_svg(&rep, "accuracy").unwrap();
    assert!(m.starts_with("<svg") && m.contains("accuracy per split") && m.contains("<circle"));
    assert!(
        aaiti_walkforward::metric_per_split_svg(&rep, "pnl")
            .unwrap()
            .contains("<polyline")
    );
    assert!(aaiti_walkforward::metric_per_split_svg(&rep, "nope").is_err());
    let e = aaiti_walkforward::equity_svg(&rep.equity).unwrap();
    assert!(e.contains("<polyline"));
    let t = aaiti_walkforward::timeline_svg(&splits, r.len()).unwrap();
    // one rect per train range, test range and gap, plus the background
    assert!(t.matches("<rect").count() > 3 * splits.len());
    assert!(aaiti_walkforward::timeline_svg(&[], 10).is_err());
}
