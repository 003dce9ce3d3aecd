//! Parity with scikit-learn (classification, regression) and empyrical (trading) on the
//! committed golden values (`tests/golden/training/gen_golden.py`).
//!
//! Tolerance: 1e-9 relative (plus 1e-12 absolute near zero); NaN must match NaN.
#![allow(clippy::unwrap_used, clippy::panic, reason = "test helpers")]

use aaiti_training as t;
use serde_json::Value;

fn load(name: &str) -> Vec<Value> {
    let path = format!(
        "{}/../../tests/golden/training/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) if s == "nan" => f64::NAN,
        Value::String(s) if s == "inf" => f64::INFINITY,
        Value::String(s) if s == "-inf" => f64::NEG_INFINITY,
        other => panic!("not a number: {other}"),
    }
}

fn nums(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

#[track_caller]
fn close(got: f64, want: f64, what: &str) {
    if want.is_nan() {
        assert!(got.is_nan(), "{what}: got {got}, want NaN");
        return;
    }
    if want.is_infinite() {
        assert_eq!(got, want, "{what}");
        return;
    }
    let tol = 1e-9 * want.abs() + 1e-12;
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:e}, want {want:e}"
    );
}

#[track_caller]
fn close_all(got: &[f64], want: &[f64], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        close(*g, *w, &format!("{what}[{i}]"));
    }
}

#[test]
fn classification_matches_sklearn() {
    let cases = load("classification.json");
    assert!(cases.len() > 50);
    for (ci, c) in cases.iter().enumerate() {
        let yt = nums(&c["y_true"]);
        let yp = nums(&c["y_pred"]);
        let cm = t::ConfusionMatrix::new(&yt, &yp).unwrap();
        assert_eq!(
            cm.labels(),
            nums(&c["labels"]).as_slice(),
            "case {ci} labels"
        );
        let want: Vec<Vec<u64>> = serde_json::from_value(c["confusion"].clone()).unwrap();
        assert_eq!(cm.counts(), want.as_slice(), "case {ci} confusion");
        close(
            cm.accuracy(),
            num(&c["accuracy"]),
            &format!("case {ci} accuracy"),
        );
        close(
            cm.balanced_accuracy(),
            num(&c["balanced_accuracy"]),
            &format!("case {ci} balanced"),
        );
        close(cm.mcc(), num(&c["mcc"]), &format!("case {ci} mcc"));
        for (key, zd) in [
            ("prf_zero", t::ZeroDivision::Zero),
            ("prf_one", t::ZeroDivision::One),
            ("prf_nan", t::ZeroDivision::Nan),
        ] {
            let w = &c[key];
            let pc = cm.per_class(zd);
            let what = format!("case {ci} {key}");
            close_all(
                &pc.precision,
                &nums(&w["precision"]),
                &format!("{what} precision"),
            );
            close_all(&pc.recall, &nums(&w["recall"]), &format!("{what} recall"));
            close_all(&pc.f1, &nums(&w["f1"]), &format!("{what} f1"));
            close_all(
                &pc.support,
                &nums(&w["support"]),
                &format!("{what} support"),
            );
            for (avg, got) in [("macro", pc.macro_avg()), ("weighted", pc.weighted_avg())] {
                close(
                    got.precision,
                    num(&w[avg]["precision"]),
                    &format!("{what} {avg} precision"),
                );
                close(
                    got.recall,
                    num(&w[avg]["recall"]),
                    &format!("{what} {avg} recall"),
                );
                close(got.f1, num(&w[avg]["f1"]), &format!("{what} {avg} f1"));
            }
        }
        if let Some(p) = c.get("proba") {
            let rows: Vec<Vec<f64>> = p.as_array().unwrap().iter().map(nums).collect();
            let labels = nums(&c["proba_labels"]);
            let ll = t::log_loss(&yt, &rows, &labels).unwrap();
            close(ll, num(&c["log_loss"]), &format!("case {ci} log_loss"));
            if let Some(auc) = c.get("roc_auc") {
                let s: Vec<f64> = rows.iter().map(|r| r[1]).collect();
                let got = t::roc_auc(&yt, &s).unwrap();
                close(got, num(auc), &format!("case {ci} roc_auc"));
            }
        }
    }
}

#[test]
fn roc_auc_single_class_is_an_error() {
    let e = t::roc_auc(&[1.0, 1.0], &[0.2, 0.9]).unwrap_err();
    assert!(e.to_string().contains("exactly 2 classes"), "{e}");
}

#[test]
fn regression_matches_sklearn() {
    let cases = load("regression.json");
    assert!(cases.len() > 50);
    for (ci, c) in cases.iter().enumerate() {
        let y = nums(&c["y_true"]);
        let p = nums(&c["y_pred"]);
        close(
            t::mae(&y, &p).unwrap(),
            num(&c["mae"]),
            &format!("case {ci} mae"),
        );
        close(
            t::rmse(&y, &p).unwrap(),
            num(&c["rmse"]),
            &format!("case {ci} rmse"),
        );
        if c["r2"] != "skip" {
            close(
                t::r2(&y, &p).unwrap(),
                num(&c["r2"]),
                &format!("case {ci} r2"),
            );
        }
        close(
            t::directional_accuracy(&y, &p).unwrap(),
            num(&c["directional_accuracy"]),
            &format!("case {ci} directional"),
        );
    }
}

#[test]
fn trading_matches_empyrical() {
    let cases = load("trading.json");
    assert!(cases.len() >= 50);
    for (ci, c) in cases.iter().enumerate() {
        let r = nums(&c["returns"]);
        let ann = num(&c["annualization"]);
        let rf = num(&c["risk_free"]);
        let w = |k: &str| num(&c[k]);
        let what = |k: &str| format!("case {ci} {k}");
        close(
            t::total_return(&r),
            w("total_return"),
            &what("total_return"),
        );
        close(
            t::annual_return(&r, ann),
            w("annual_return"),
            &what("annual_return"),
        );
        close(
            t::annual_volatility(&r, ann),
            w("annual_volatility"),
            &what("annual_volatility"),
        );
        close(t::sharpe_ratio(&r, rf, ann), w("sharpe"), &what("sharpe"));
        close(
            t::sortino_ratio(&r, rf, ann),
            w("sortino"),
            &what("sortino"),
        );
        close(
            t::downside_risk(&r, rf, ann),
            w("downside_risk"),
            &what("downside_risk"),
        );
        close(
            t::max_drawdown(&r),
            w("max_drawdown"),
            &what("max_drawdown"),
        );
        close(t::calmar_ratio(&r, ann), w("calmar"), &what("calmar"));
        close(
            t::omega_ratio(&r, rf, 0.01, ann),
            w("omega"),
            &what("omega"),
        );
        close(
            t::omega_ratio(&r, 0.0, 0.0, ann),
            w("omega0"),
            &what("omega0"),
        );
        close(t::tail_ratio(&r), w("tail_ratio"), &what("tail_ratio"));
        close(t::value_at_risk(&r, 0.05), w("var_05"), &what("var_05"));
        close(t::value_at_risk(&r, 0.10), w("var_10"), &what("var_10"));
        close(
            t::conditional_value_at_risk(&r, 0.05),
            w("cvar_05"),
            &what("cvar_05"),
        );
        close(
            t::conditional_value_at_risk(&r, 0.10),
            w("cvar_10"),
            &what("cvar_10"),
        );
        close(t::stability(&r), w("stability"), &what("stability"));
        // TradingMetrics::new shares one sort between the order statistics: same values
        if r.iter().all(|x| x.is_finite()) {
            let tm = t::TradingMetrics::new(&r, &vec![1.0; r.len()], ann).unwrap();
            close(
                tm.tail_ratio,
                w("tail_ratio"),
                &what("TradingMetrics.tail_ratio"),
            );
            close(tm.var_95, w("var_05"), &what("TradingMetrics.var_95"));
            close(tm.cvar_95, w("cvar_05"), &what("TradingMetrics.cvar_95"));
        }
    }
}
