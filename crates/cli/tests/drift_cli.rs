//! `aaiti drift check --model NAME@VERSION` end to end: train the README model on the bundled
//! BTC bars into a temporary SQLite registry, check new bars against it, and read the drift
//! fields, performance history and retrain requests back through the registry library.
//! Exit codes: 0 stable, 1 drift, 2 error.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test helpers")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use aaiti_core::clock::SystemClock;
use aaiti_registry::{DriftState, EventQuery, HistoryOptions, ModelPatch, ModelRegistry};
use aaiti_registry_diesel::DieselRegistry;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn aaiti(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aaiti"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The bundled hourly BTC bars: header and rows.
fn btc() -> (String, Vec<String>) {
    let s = std::fs::read_to_string(repo().join("data/btcusd_coinbase_1h.csv")).unwrap();
    let mut lines = s.lines().map(str::to_string);
    let header = lines.next().unwrap();
    (header, lines.collect())
}

fn write_bars(path: &Path, header: &str, rows: &[String]) {
    let mut s = String::from(header);
    s.push('\n');
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    std::fs::write(path, s).unwrap();
}

#[test]
fn check_model_writes_drift_fields_history_and_retrain_requests() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("reg.db").display());
    let o = aaiti(&[
        "train",
        "--config",
        "configs/btc_logreg.toml",
        "--registry",
        &url,
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let reg = DieselRegistry::open(&url, Arc::new(SystemClock)).unwrap();
    let model = reg.latest_model("btc-logreg", None).unwrap();
    let spec = format!("btc-logreg@{}", model.version);
    assert!(!model.drift.detected);

    let (header, rows) = btc();
    // validation period of the split (rows 60%..80% of the file, with 200 bars of warm-up before)
    let n = rows.len();
    let stable = dir.path().join("validation.csv");
    write_bars(&stable, &header, &rows[n * 6 / 10 - 200..n * 8 / 10]);
    // the last 1500 bars (2019-08..10: volatility well below the validation period's)
    let recent = dir.path().join("recent.csv");
    write_bars(&recent, &header, &rows[n - 1500..]);

    // 1. stable: the reference period itself. The hit-rate guard is set so that only a real
    // degradation would alarm (the bare seed rule alarms on noise; see docs/drift.md).
    let o = aaiti(&[
        "drift",
        "check",
        "--model",
        &spec,
        "--registry",
        &url,
        "--input",
        stable.to_str().unwrap(),
        "--consecutive",
        "100000",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["drift"], false);
    assert_eq!(j["data_drift"], false);
    assert!(j["hit_rate"]["n"].as_u64().unwrap() > 3000, "{j}");
    let m = reg.get_model(model.id).unwrap();
    assert!(!m.drift.detected, "a stable check must not flag drift");
    let hist = reg
        .performance_history(model.id, &HistoryOptions::default())
        .unwrap();
    assert_eq!(hist.len(), 1);
    assert!(hist[0].accuracy.is_some() && hist[0].alert.is_none());

    // 2. drift, auto-retrain off: drift fields set, history appended, no retrain request
    let o = aaiti(&[
        "drift",
        "check",
        "--model",
        &spec,
        "--registry",
        &url,
        "--input",
        recent.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["drift"], true);
    assert_eq!(j["data_drift"], true);
    assert_eq!(j["retrain_requested"], false);
    let m = reg.get_model(model.id).unwrap();
    assert!(m.drift.detected && m.drift.detected_at.is_some());
    assert_eq!(m.drift.metrics["source"], "feature_ks");
    assert!(m.drift.metrics["metric.features_drifted"].as_f64().unwrap() >= 1.0);
    assert!(!m.drift.auto_retrain_enabled);
    let hist = reg
        .performance_history(model.id, &HistoryOptions::default())
        .unwrap();
    assert_eq!(hist.len(), 2);
    assert_eq!(hist[1].alert.as_deref(), Some("drift"));
    let retrain_events = |reg: &DieselRegistry| {
        reg.events(&EventQuery {
            entity_id: Some(model.id.to_string()),
            ..EventQuery::default()
        })
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "model.retrain_requested")
        .count()
    };
    assert_eq!(retrain_events(&reg), 0);

    // 3. drift with auto_retrain_enabled: a retrain request record is emitted
    reg.update_model(
        model.id,
        ModelPatch {
            drift: Some(DriftState {
                auto_retrain_enabled: true,
                ..m.drift.clone()
            }),
            ..ModelPatch::default()
        },
        aaiti_registry::WriteOptions::default(),
    )
    .unwrap();
    let o = aaiti(&[
        "drift",
        "check",
        "--model",
        &spec,
        "--registry",
        &url,
        "--input",
        recent.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("retrain requested"), "{}", text(&o));
    assert_eq!(retrain_events(&reg), 1);
    assert!(reg.get_model(model.id).unwrap().drift.auto_retrain_enabled);

    // 4. errors exit with 2 and name the problem
    let o = aaiti(&[
        "drift",
        "check",
        "--model",
        "btc-logreg@9.9.9",
        "--registry",
        &url,
        "--input",
        recent.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let o = aaiti(&[
        "drift",
        "check",
        "--model",
        "btc-logreg",
        "--registry",
        &url,
        "--input",
        recent.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("NAME@VERSION"), "{}", text(&o));
    // reference data that does not reproduce the fingerprint
    let o = aaiti(&[
        "drift",
        "check",
        "--model",
        &spec,
        "--registry",
        &url,
        "--input",
        recent.to_str().unwrap(),
        "--reference-data",
        "data/ethusd_coinbase_1h.csv",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("fingerprint"), "{}", text(&o));
    // too few bars for the indicators' warm-up
    let short = dir.path().join("short.csv");
    write_bars(&short, &header, &rows[..10]);
    let o = aaiti(&[
        "drift",
        "check",
        "--model",
        &spec,
        "--registry",
        &url,
        "--input",
        short.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("complete features"), "{}", text(&o));
}
