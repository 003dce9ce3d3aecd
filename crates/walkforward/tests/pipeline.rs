//! The end-to-end walk-forward run (`aaiti_walkforward::pipeline`) on the bundled BTC/USD bars:
//! no look-ahead (features causal; a split's results do not change when later bars change, so
//! neither the scaler nor the model sees them), thread-count invariance, config parsing.

#![allow(clippy::unwrap_used, reason = "tests")]

use aaiti_core::{Bars, Ohlcv};
use aaiti_walkforward::pipeline::{
    Scheme, SizeSpec, Span, WalkForwardSection, parse_config, parse_span, run_on_bars,
};
use aaiti_walkforward::{Error, Recommendation};
use ndarray::Array1;

const HORIZON: usize = 4;

fn text(wf: &str) -> String {
    let data =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/btcusd_coinbase_1h.csv");
    format!(
        r#"
name = "wf-pipeline-test"
type = "classification"
[data_source]
symbol = "BTC-USD"
timeframe = "1h"
path = "{}"
last_n_bars = 2500
[features]
indicators = ["RSI:timeperiod=14", "ROC:timeperiod=3", "NATR:timeperiod=14", "CCI:timeperiod=20"]
[label]
kind = "direction"
horizon = {HORIZON}
[model]
model = "logistic_regression"
[backtest]
proba_threshold = 0.5
[walkforward]
{wf}
"#,
        data.display()
    )
}

const WF: &str = "train = 0.5\ntest = 0.1\nstep = 0.1\n";

fn bars(cfg: &aaiti_training::TrainConfig) -> Bars {
    aaiti_training::load_bars(cfg).unwrap()
}

#[test]
fn features_are_causal() {
    let (cfg, _) = parse_config(&text(WF)).unwrap();
    let b = bars(&cfg);
    let (_, full) = aaiti_training::compute_features(&b, &cfg.features.indicators).unwrap();
    for k in [100, 1000, 2000] {
        let (_, pre) =
            aaiti_training::compute_features(&b.slice(0..k), &cfg.features.indicators).unwrap();
        for i in 0..k {
            for j in 0..pre.ncols() {
                let (a, c) = (full[[i, j]], pre[[i, j]]);
                assert!(
                    a.to_bits() == c.to_bits() || (a.is_nan() && c.is_nan()),
                    "feature {j} at row {i} differs with {k} bars: {a} vs {c}"
                );
            }
        }
    }
}

/// Changing every bar after split 0's last needed bar (its last test row's label end) leaves
/// split 0's result bit-identical: its scaler, model, metrics and backtest never read them.
#[test]
fn later_bars_do_not_change_earlier_splits() {
    let (cfg, wf) = parse_config(&text(WF)).unwrap();
    let b = bars(&cfg);
    let r0 = run_on_bars(&cfg, &wf, b.clone(), &[], |_, _| {}).unwrap();
    assert_eq!(r0.leaking_rows, 0);
    assert_eq!(r0.report.splits.len(), 5);
    let s0 = &r0.report.splits[0];
    let test_end_row = s0.test.last().unwrap().end;
    let first_free_bar = test_end_row - 1 + r0.data.dropped_warmup + HORIZON + 1;
    let (symbol, tf, ts, c) = b.into_parts();
    let bump = |a: &Array1<f64>, f: f64| -> Array1<f64> {
        a.iter()
            .enumerate()
            .map(|(i, &x)| if i >= first_free_bar { x * f } else { x })
            .collect()
    };
    let cols = Ohlcv {
        open: bump(&c.open, 1.7),
        high: bump(&c.high, 1.7),
        low: bump(&c.low, 1.7),
        close: bump(&c.close, 1.7),
        volume: bump(&c.volume, 3.0),
    };
    // a price level shift plus a different path after the cut
    let mut cols = cols;
    for i in first_free_bar..ts.len() {
        let w = 1.0 + 0.05 * ((i % 17) as f64 / 17.0);
        cols.close[i] *= w;
        cols.high[i] = cols.high[i].max(cols.close[i]);
    }
    let b2 = Bars::new(symbol, tf, ts, cols).unwrap();
    let r1 = run_on_bars(&cfg, &wf, b2, &[], |_, _| {}).unwrap();
    assert_eq!(r1.report.splits[0], r0.report.splits[0]);
    // the test can fail: later splits do see the changed bars
    assert_ne!(r1.report.splits[4].result, r0.report.splits[4].result);
}

#[test]
fn thread_count_does_not_change_the_report() {
    let (cfg, wf) = parse_config(&text(WF)).unwrap();
    let b = bars(&cfg);
    let run = |t: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(t)
            .build()
            .unwrap();
        pool.install(|| run_on_bars(&cfg, &wf, b.clone(), &[0.01, -0.02], |_, _| {}).unwrap())
    };
    let (a, c) = (run(1), run(2));
    assert_eq!(
        serde_json::to_string(&a).unwrap(),
        serde_json::to_string(&c).unwrap()
    );
    for s in &a.report.splits {
        for k in [
            "sharpe",
            "total_return",
            "max_drawdown",
            "buy_and_hold_return",
        ] {
            assert!(
                s.result.trading.contains_key(k),
                "split {}: {k} missing",
                s.split
            );
        }
    }
    // two configured trials plus this run: the DSR is computed
    assert!(a.report.statistics.as_ref().unwrap().dsr.is_some());
    assert!(a.table().contains("RECOMMENDATION: "));
    let rec = a.report.verdict.recommendation;
    assert!(matches!(
        rec,
        Recommendation::Good
            | Recommendation::Acceptable
            | Recommendation::Marginal
            | Recommendation::Poor
    ));
}

#[test]
fn outputs_are_written() {
    let (cfg, wf) = parse_config(&text(
        "scheme = \"cpcv\"\nfolds = 6\ntest_folds = 2\nembargo = 10\n",
    ))
    .unwrap();
    let r = run_on_bars(&cfg, &wf, bars(&cfg), &[], |_, _| {}).unwrap();
    assert_eq!(r.report.splits.len(), 15);
    assert_eq!(r.leaking_rows, 0);
    assert!(r.report.splits.iter().any(|s| s.embargoed > 0));
    let dir = tempfile::tempdir().unwrap();
    let files = r.write(dir.path()).unwrap();
    assert_eq!(files.len(), 7);
    let png = std::fs::read(dir.path().join("timeline.png")).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
    let back: aaiti_walkforward::pipeline::RunReport =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(back, r);
}

#[test]
fn config_parsing() {
    let (_, wf) = parse_config(&text("")).unwrap();
    assert_eq!(wf, WalkForwardSection::default());
    let (_, wf) = parse_config(&text(
        "scheme = \"rolling\"\ntrain = 800\ntest = 0.1\nembargo = \"2 days\"\n[walkforward.verdict]\nmin_test_samples = 5\n",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(wf.scheme, Scheme::Rolling);
    assert_eq!(wf.train, Some(SizeSpec::Rows(800)));
    assert_eq!(wf.test, Some(SizeSpec::Fraction(0.1)));
    assert_eq!(wf.embargo, Some(SizeSpec::Duration("2 days".into())));
    assert_eq!(wf.verdict.min_test_samples, 5);
    assert_eq!(wf.verdict.good_accuracy, 0.60);
    let e = parse_config(&text("tset = 0.1\n")).unwrap_err();
    assert!(
        matches!(e, Error::Config(ref m) if m.contains("tset")),
        "{e}"
    );
    assert_eq!(parse_span("x", "12 months").unwrap(), Span::Months(12));
    assert_eq!(
        parse_span("x", "36h").unwrap(),
        Span::Fixed(chrono::Duration::hours(36))
    );
    assert!(parse_span("x", "3 fortnights").is_err());
    assert!(parse_span("x", "0 days").is_err());
}

#[test]
fn infeasible_and_calendar_configs() {
    let (cfg, wf) = parse_config(&text("train = 0.95\ntest = 0.1\n")).unwrap();
    let e = run_on_bars(&cfg, &wf, bars(&cfg), &[], |_, _| {}).unwrap_err();
    assert!(matches!(e, Error::Infeasible { .. }), "{e}");
    // calendar windows: train 30 days, test and step 7 days
    let (cfg, wf) = parse_config(&text(
        "scheme = \"rolling\"\ntrain = \"30 days\"\ntest = \"7 days\"\n",
    ))
    .unwrap();
    let r = run_on_bars(&cfg, &wf, bars(&cfg), &[], |_, _| {}).unwrap();
    assert!(r.report.splits.len() >= 8, "{}", r.report.splits.len());
    assert_eq!(r.leaking_rows, 0);
    for t in &r.split_times {
        let (a, b) = t.test.unwrap();
        assert!(b - a < chrono::Duration::days(7));
        let (ta, tb) = t.train.unwrap();
        assert!(tb < a);
        assert!(tb - ta <= chrono::Duration::days(30));
    }
    // durations mixed with fractions are refused with the key named
    let (cfg, wf) = parse_config(&text("train = 0.5\ntest = \"7 days\"\nstep = 0.1\n")).unwrap();
    let e = run_on_bars(&cfg, &wf, bars(&cfg), &[], |_, _| {}).unwrap_err();
    assert!(matches!(e, Error::Config(_)), "{e}");
}
