//! End-to-end tests of `aaiti walkforward run` on the bundled BTC/USD hourly bars (a small, fast
//! config: the last 3,000 bars, five expanding splits).

#![allow(clippy::unwrap_used, reason = "tests")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const HORIZON: usize = 4;

fn data() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/btcusd_coinbase_1h.csv");
    p.canonicalize().unwrap().display().to_string()
}

fn config(walkforward: &str) -> String {
    format!(
        r#"
name = "wf-cli-test"
type = "classification"
seed = 7

[data_source]
symbol = "BTC-USD"
timeframe = "1h"
path = "{}"
last_n_bars = 3000

[features]
indicators = ["RSI:timeperiod=14", "ROC:timeperiod=1", "NATR:timeperiod=14", "WILLR:timeperiod=14"]

[label]
kind = "direction"
horizon = {HORIZON}

[model]
model = "logistic_regression"
alpha = 1.0

[backtest]
fee_bps = 5.0
proba_threshold = 0.5

[walkforward]
{walkforward}
"#,
        data()
    )
}

const SMALL: &str = r#"
scheme = "expanding"
train = 0.5
test = 0.1
step = 0.1
embargo = 2
[walkforward.verdict]
min_test_samples = 30
"#;

fn write_config(dir: &Path, wf: &str) -> PathBuf {
    let p = dir.join("wf.toml");
    std::fs::write(&p, config(wf)).unwrap();
    p
}

fn aaiti(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aaiti"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn run(cfg: &Path, out: &Path, threads: &str) -> String {
    ok(&aaiti(&[
        "walkforward",
        "run",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--threads",
        threads,
    ]))
}

#[test]
fn run_is_identical_for_any_thread_count_and_does_not_leak() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), SMALL);
    let (d1, d2) = (dir.path().join("t1"), dir.path().join("t2"));
    let s1 = run(&cfg, &d1, "1");
    let s2 = run(&cfg, &d2, "2");
    let j1 = std::fs::read(d1.join("report.json")).unwrap();
    let j2 = std::fs::read(d2.join("report.json")).unwrap();
    assert!(j1 == j2, "report.json differs between --threads 1 and 2");
    // the printed table is identical too, except the timing line
    let strip = |s: &str| -> String {
        s.lines()
            .filter(|l| !l.starts_with("ran ") && !l.starts_with("wrote "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&s1), strip(&s2));
    assert!(s1.contains("on 1 threads"), "{s1}");
    assert!(s2.contains("on 2 threads"), "{s2}");
    assert!(s1.contains("RECOMMENDATION: "), "{s1}");
    assert!(
        s1.contains("audit: no training label overlaps a test window"),
        "{s1}"
    );
    for f in [
        "accuracy.svg",
        "accuracy.png",
        "equity.svg",
        "equity.png",
        "timeline.svg",
        "timeline.png",
    ] {
        let b = std::fs::read(d1.join(f)).unwrap();
        if f.ends_with(".png") {
            assert_eq!(&b[..8], b"\x89PNG\r\n\x1a\n", "{f} is not a PNG");
            assert!(b.len() > 1000, "{f} is suspiciously small");
        } else {
            assert!(String::from_utf8(b).unwrap().contains("<svg"), "{f}");
        }
    }

    let rep: serde_json::Value = serde_json::from_slice(&j1).unwrap();
    assert_eq!(rep["leaking_rows"], 0);
    let splits = rep["report"]["splits"].as_array().unwrap();
    // 3,000 bars minus warm-up and the unlabelled tail: train 0.5, test and step 0.1 -> 5 splits
    assert_eq!(splits.len(), 5);
    assert_eq!(rep["report"]["summary"]["n_splits"], 5);
    let n_rows = rep["data"]["n_rows"].as_u64().unwrap() as usize;
    let rows = |v: &serde_json::Value| -> Vec<(usize, usize)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["start"].as_u64().unwrap() as usize,
                    r["end"].as_u64().unwrap() as usize,
                )
            })
            .collect()
    };
    let mut prev_test_end = None;
    for s in splits {
        let train = rows(&s["train"]);
        let test = rows(&s["test"]);
        assert_eq!(train.len(), 1);
        assert_eq!(test.len(), 1);
        let (ts, te) = test[0];
        assert!(te <= n_rows);
        // independent leakage check: row r's label ends at row r + HORIZON (bars are
        // contiguous rows); AFML keeps it iff r + HORIZON <= test start
        let (a, b) = train[0];
        assert_eq!(a, 0, "expanding window starts at row 0");
        assert!(
            b - 1 + HORIZON <= ts,
            "train row {} leaks into test {ts}",
            b - 1
        );
        assert_eq!(s["purged"], HORIZON - 1);
        assert_eq!(s["n_test"].as_u64().unwrap() as usize, te - ts);
        if let Some(p) = prev_test_end {
            assert_eq!(ts, p, "test windows tile (step = test)");
        }
        prev_test_end = Some(te);
        // metrics are real numbers in range
        let acc = s["result"]["classification"]["accuracy"].as_f64().unwrap();
        for k in [
            "sharpe",
            "total_return",
            "max_drawdown",
            "buy_and_hold_return",
        ] {
            assert!(s["result"]["trading"][k].as_f64().is_some(), "{k} missing");
        }
        assert!((0.0..=1.0).contains(&acc));
        assert_eq!(
            s["result"]["oos_returns"].as_array().unwrap().len(),
            te - ts
        );
    }
    let mean = rep["report"]["summary"]["accuracy"]["mean"]
        .as_f64()
        .unwrap();
    let by_hand = splits
        .iter()
        .map(|s| s["result"]["classification"]["accuracy"].as_f64().unwrap())
        .sum::<f64>()
        / 5.0;
    assert!((mean - by_hand).abs() < 1e-12);
    assert!(rep["report"]["statistics"]["psr"].as_f64().is_some());
    assert!(
        ["Good", "Acceptable", "Marginal", "Poor"]
            .contains(&rep["report"]["verdict"]["recommendation"].as_str().unwrap())
    );
}

#[test]
fn impossible_config_fails_with_the_inequality() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "train = 0.95\ntest = 0.1\n");
    let o = aaiti(&["walkforward", "run", "--config", cfg.to_str().unwrap()]);
    assert!(!o.status.success());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("infeasible split configuration"), "{err}");
    assert!(err.contains("does not hold"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn unknown_walkforward_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), "trian = 0.5\n");
    let o = aaiti(&["walkforward", "run", "--config", cfg.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("trian"), "{err}");
}

#[test]
fn registry_records_runs_and_feeds_the_dsr() {
    use aaiti_registry::{Field, Filter, ModelRegistry as _, Query};
    let dir = tempfile::tempdir().unwrap();
    let cfg = write_config(dir.path(), SMALL);
    let db = dir.path().join("reg.db");
    let url = format!("sqlite://{}", db.display());
    let args = [
        "walkforward",
        "run",
        "--config",
        cfg.to_str().unwrap(),
        "--registry",
        &url,
        "--threads",
        "2",
    ];
    let first = ok(&aaiti(&args));
    assert!(first.contains("0 earlier trials"), "{first}");
    assert!(first.contains("DSR n/a"), "{first}");
    let second = ok(&aaiti(&args));
    assert!(second.contains("1 earlier trials"), "{second}");
    assert!(!second.contains("DSR n/a"), "{second}");

    let reg = aaiti_registry_diesel::DieselRegistry::open(
        &url,
        std::sync::Arc::new(aaiti_core::clock::SystemClock),
    )
    .unwrap();
    let q = |name: &str| Query {
        filter: Some(Filter::eq(Field::Name, name.to_string())),
        ..Query::default()
    };
    let parents = reg
        .search_runs(&q("wf-cli-test/walkforward"))
        .unwrap()
        .items;
    assert_eq!(parents.len(), 2);
    let p = &parents[0];
    assert_eq!(p.params["n_splits"], "5");
    assert_eq!(
        p.metrics["accuracy"].count, 5,
        "one accuracy point per fold"
    );
    assert!(p.metrics.contains_key("oos_sharpe"));
    assert_eq!(p.metrics["leaking_rows"].last, 0.0);
    for k in 0..5 {
        let f = reg
            .search_runs(&q(&format!("wf-cli-test/walkforward/fold-{k}")))
            .unwrap()
            .items;
        assert_eq!(f.len(), 2);
        assert!(f[0].metrics.contains_key("accuracy"));
        assert!(f[0].params.contains_key("parent_run"));
    }
}

/// `plan --scheme calendar --freq`: pandas 3 aliases as skfolio 1.12.2 / pandas 3.0.6 read them
/// (found by `tests/golden/walkforward/cli_sweep.py`): business days (`B`, `2B`; the first anchor
/// rolls forward from a Saturday start) give skfolio's splits, and the aliases pandas 3 removed
/// (`M`, `H`, `AS`, ...) are refused with an error; multiples of anchors (`2W-SAT`) work.
#[test]
fn plan_calendar_freq_aliases_follow_pandas_3() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bars.csv");
    let mut s = String::from("timestamp,open,high,low,close,volume\n");
    for d in 2..=31 {
        s.push_str(&format!("2021-01-{d:02}T09:00:00Z,1,1,1,1,1\n"));
    }
    std::fs::write(&csv, s).unwrap();
    let plan = |freq: &str, train: &str, test: &str| {
        aaiti(&[
            "walkforward",
            "plan",
            "--json",
            "--scheme",
            "calendar",
            "--input",
            csv.to_str().unwrap(),
            "--freq",
            freq,
            "--train-periods",
            train,
            "--test-periods",
            test,
        ])
    };
    let ranges = |o: &Output| -> Vec<[[u64; 2]; 2]> {
        let j: serde_json::Value = serde_json::from_str(&ok(o)).unwrap();
        j["splits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let r = |k: &str| {
                    let v = &s[k][0];
                    [v[0].as_u64().unwrap(), v[1].as_u64().unwrap()]
                };
                [r("train"), r("test")]
            })
            .collect()
    };
    // skfolio WalkForward(test_size=1, train_size=2, freq="B") on these 30 daily bars
    let want_b: Vec<[[u64; 2]; 2]> = vec![
        [[2, 4], [4, 5]],
        [[3, 5], [5, 6]],
        [[4, 6], [6, 9]],
        [[5, 9], [9, 10]],
        [[6, 10], [10, 11]],
        [[9, 11], [11, 12]],
        [[10, 12], [12, 13]],
        [[11, 13], [13, 16]],
        [[12, 16], [16, 17]],
        [[13, 17], [17, 18]],
        [[16, 18], [18, 19]],
        [[17, 19], [19, 20]],
        [[18, 20], [20, 23]],
        [[19, 23], [23, 24]],
        [[20, 24], [24, 25]],
        [[23, 25], [25, 26]],
        [[24, 26], [26, 27]],
    ];
    assert_eq!(ranges(&plan("B", "2", "1")), want_b);
    // WalkForward(test_size=2, train_size=3, freq="2B")
    assert_eq!(
        ranges(&plan("2B", "3", "2")),
        vec![
            [[2, 10], [10, 16]],
            [[6, 16], [16, 20]],
            [[12, 20], [20, 26]]
        ]
    );
    for bad in ["M", "H", "2H", "AS", "Q", "Y", "T", "S"] {
        let o = plan(bad, "1", "1");
        assert_eq!(o.status.code(), Some(2), "{bad}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("pandas 3 removed"), "{bad}: {err}");
    }
    for bad in ["0D", "0B", "0MS", "W-FOO"] {
        let o = plan(bad, "1", "1");
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(!o.stderr.is_empty(), "{bad}");
    }
    // WalkForward(test_size=1, train_size=1, freq="2W-SAT"): Saturdays 2, 16, 30 January
    assert_eq!(ranges(&plan("2W-SAT", "1", "1")), vec![[[0, 14], [14, 28]]]);
    for good in ["W", "W-WED", "D", "2d", "24h", "1440min", "86400s"] {
        ok(&plan(good, "1", "1"));
    }
    // parsed, but January alone holds too few of these anchors for one split
    for few in ["QE", "YE", "1ME"] {
        let err = String::from_utf8_lossy(&plan(few, "1", "1").stderr).to_string();
        assert!(err.contains("infeasible"), "{few}: {err}");
    }
}
