//! Side-by-side benchmark with the workload shapes of `benches/mlflow_bench.py` (MLflow's
//! tracking + registry on a local SQLite file). Run both with `benches/run_vs_mlflow.sh`.
//!
//! Phases time wall clock on the calling thread, exactly like the Python script; queries are
//! repeated 5 times and the median reported. Output: one JSON object on stdout.
//! `AAITI_TEST_POSTGRES_URL` set: the ingest phases are repeated on PostgreSQL.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    reason = "benchmark binary"
)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use aaiti_core::clock::SystemClock;
use aaiti_registry::*;
use aaiti_registry_diesel::{DieselRegistry, OpenOptions};

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// On-CPU time of this thread in seconds (Linux `schedstat`, ns resolution): on a loaded machine
/// wall time includes waiting for a core; this does not.
fn cpu_s() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(s.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
}

/// `(on-CPU, wall)` seconds per call over `n` calls. `schedstat` advances at scheduler ticks, so
/// it is only meaningful summed over many calls.
fn cpu_per_op(n: usize, mut f: impl FnMut()) -> (Option<f64>, f64) {
    let (t, c) = (Instant::now(), cpu_s());
    for _ in 0..n {
        f();
    }
    let wall = t.elapsed().as_secs_f64() / n as f64;
    (cpu_s().zip(c).map(|(b, a)| (b - a) / n as f64), wall)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn pt(key: &str, step: i64, value: f64) -> MetricPoint {
    MetricPoint {
        key: key.into(),
        step,
        timestamp: chrono::DateTime::from_timestamp_millis(1_700_000_000_000 + step).unwrap(),
        value,
    }
}

fn workload(
    r: &DieselRegistry,
    res: &mut BTreeMap<String, serde_json::Value>,
    prefix: &str,
    full: bool,
) {
    let mut rng = Lcg(42);
    let mut rec = |k: &str, v: serde_json::Value| {
        println!("{prefix}{k:40} {v}");
        res.insert(format!("{prefix}{k}"), v);
    };
    // (a) 1,000 runs x 10 params, one call each
    let t = Instant::now();
    let mut runs = Vec::new();
    for i in 0..1000 {
        let params = (0..10)
            .map(|j| (format!("p{j}"), rng.next().to_string()))
            .collect();
        runs.push(
            r.create_runs(vec![NewRun {
                name: format!("run-{i}"),
                model_id: None,
                params,
                created_by: "bench".into(),
            }])
            .unwrap()
            .remove(0),
        );
    }
    let s = t.elapsed().as_secs_f64();
    rec(
        "a_create_runs_with_10_params",
        serde_json::json!({"seconds": s, "runs_per_s": 1000.0 / s}),
    );
    // (b1) 1,000 x 90-point batches
    let t = Instant::now();
    for run in &runs {
        let mut ms: Vec<MetricPoint> = (0..89).map(|s| pt("loss", s, rng.next())).collect();
        ms.push(pt("sharpe", 0, rng.next() * 4.0 - 1.0));
        r.log_metrics(run.id, &ms).unwrap();
    }
    let b1 = t.elapsed().as_secs_f64();
    rec(
        "b1_log_batch_90pts_x_runs",
        serde_json::json!({"seconds": b1, "points_per_s": 90_000.0 / b1}),
    );
    // (b2) 10 x 1,000-point batches on one run
    let hist = r
        .create_runs(vec![NewRun {
            name: "history-run".into(),
            created_by: "bench".into(),
            ..Default::default()
        }])
        .unwrap()
        .remove(0);
    let t = Instant::now();
    for b in 0..10 {
        let ms: Vec<MetricPoint> = (0..1000)
            .map(|k| pt("pnl", b * 1000 + k, rng.next() - 0.5))
            .collect();
        r.log_metrics(hist.id, &ms).unwrap();
    }
    let b2 = t.elapsed().as_secs_f64();
    rec(
        "b2_log_batch_1000pts_x10",
        serde_json::json!({"seconds": b2, "points_per_s": 10_000.0 / b2}),
    );
    rec(
        "b_total_log_batch",
        serde_json::json!({"seconds": b1 + b2, "points_per_s": 100_000.0 / (b1 + b2)}),
    );
    if !full {
        // PostgreSQL only: the same ingest with 10,000-point batches, to separate COPY throughput
        // from the per-commit WAL flush that dominates 1,000-point batches.
        let big = r
            .create_runs(vec![NewRun {
                name: "big-batch-run".into(),
                created_by: "bench".into(),
                ..Default::default()
            }])
            .unwrap()
            .remove(0);
        let t = Instant::now();
        for b in 0..10 {
            let ms: Vec<MetricPoint> = (0..10_000)
                .map(|k| pt("pnl", b * 10_000 + k, rng.next() - 0.5))
                .collect();
            r.log_metrics(big.id, &ms).unwrap();
        }
        let s = t.elapsed().as_secs_f64();
        rec(
            "b4_log_batch_10000pts_x10",
            serde_json::json!({"seconds": s, "points_per_s": 100_000.0 / s}),
        );
        return;
    }
    // (b3) per-call, synchronous commit each
    let pc = r
        .create_runs(vec![NewRun {
            name: "per-call-run".into(),
            created_by: "bench".into(),
            ..Default::default()
        }])
        .unwrap()
        .remove(0);
    let t = Instant::now();
    for s in 0..2000 {
        r.log_metrics(pc.id, &[pt("loss", s, rng.next())]).unwrap();
    }
    let s = t.elapsed().as_secs_f64();
    rec(
        "b3_log_metric_per_call",
        serde_json::json!({"seconds": s, "points_per_s": 2000.0 / s}),
    );
    // (c) 200 versions, alias, resolve, search
    let t = Instant::now();
    let mut last = None;
    for v in 0..200 {
        let mut m = NewModel::new("alpha-model", "gbm", "linfa", "bench");
        m.tags
            .insert("run".into(), runs[v % runs.len()].id.to_string());
        last = Some(r.register_model(m, RegisterOptions::default()).unwrap());
    }
    let s = t.elapsed().as_secs_f64();
    rec(
        "c1_create_model_versions",
        serde_json::json!({"seconds": s, "versions_per_s": 200.0 / s}),
    );
    let last = last.unwrap();
    let t = Instant::now();
    r.set_alias(
        "alpha-model",
        "champion",
        Some(last.id),
        AliasOptions::default(),
    )
    .unwrap();
    rec(
        "c2_set_alias",
        serde_json::json!({"seconds": t.elapsed().as_secs_f64()}),
    );
    let t = Instant::now();
    let got = r.resolve_alias("alpha-model", "champion", None).unwrap();
    rec(
        "c3_get_model_version_by_alias",
        serde_json::json!({"seconds": t.elapsed().as_secs_f64()}),
    );
    assert_eq!(got.id, last.id);
    let t = Instant::now();
    let all = r
        .search_models(&Query {
            filter: Some(Filter::eq(Field::Name, "alpha-model")),
            limit: Some(1000),
            ..Default::default()
        })
        .unwrap();
    rec(
        "c4_search_model_versions_all",
        serde_json::json!({"seconds": t.elapsed().as_secs_f64(), "rows": all.items.len()}),
    );
    // (d1) search runs: metric filter + order, full records, 5 repeats
    let q = Query {
        filter: Some(Filter::gt(
            Field::RunMetric("sharpe".into(), Agg::Last),
            0.5,
        )),
        order: Order {
            field: Field::RunMetric("sharpe".into(), Agg::Last),
            descending: true,
        },
        limit: Some(1000),
        after: None,
    };
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..5 {
        let t = Instant::now();
        rows = r.search_runs(&q).unwrap().items.len();
        times.push(t.elapsed().as_secs_f64());
    }
    let cpu = cpu_per_op(50, || {
        r.search_runs(&q).unwrap();
    });
    if let Some(n) = std::env::var("AAITI_BENCH_PROFILE_SEARCH")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        // for profilers: repeat the search n more times
        for _ in 0..n {
            r.search_runs(&q).unwrap();
        }
    }
    rec(
        "d1_search_runs_metric_filter_order_by",
        serde_json::json!({"median_s": median(times.clone()), "first_s": times[0], "rows_returned": rows, "cpu_s_per_op": cpu.0, "wall_s_per_op": cpu.1}),
    );
    // (d2) 10k-point history, 5 repeats
    let cpu = cpu_per_op(200, || {
        r.metric_history(hist.id, "pnl", &HistoryOptions::default())
            .unwrap();
    });
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let h = r
            .metric_history(hist.id, "pnl", &HistoryOptions::default())
            .unwrap();
        times.push(t.elapsed().as_secs_f64());
        assert_eq!(h.len(), 10_000);
    }
    rec(
        "d2_get_metric_history_10k",
        serde_json::json!({"median_s": median(times.clone()), "first_s": times[0], "cpu_s_per_op": cpu.0, "wall_s_per_op": cpu.1}),
    );
}

/// (a') bulk: 1,000 runs + 10k params in one transaction. Run on its own database so the
/// main database holds exactly MLflow's rows (bytes per point stay comparable).
fn bulk_phase(r: &DieselRegistry, res: &mut BTreeMap<String, serde_json::Value>, prefix: &str) {
    let mut rec = |k: &str, v: serde_json::Value| {
        println!("{prefix}{k:40} {v}");
        res.insert(format!("{prefix}{k}"), v);
    };
    let t = Instant::now();
    let bulk: Vec<NewRun> = (0..1000)
        .map(|i| NewRun {
            name: format!("bulk-{i}"),
            model_id: None,
            params: (0..10).map(|j| (format!("p{j}"), j.to_string())).collect(),
            created_by: "bench".into(),
        })
        .collect();
    r.create_runs(bulk).unwrap();
    let s = t.elapsed().as_secs_f64();
    rec(
        "a_bulk_create_1000_runs_10k_params",
        serde_json::json!({"seconds": s}),
    );
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // cargo bench --list
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aaiti.db");
    let url = format!("sqlite://{}", path.display());
    let mut res = BTreeMap::new();
    let (t, c) = (Instant::now(), cpu_s());
    let r = DieselRegistry::open(&url, Arc::new(SystemClock)).unwrap();
    let init = t.elapsed().as_secs_f64();
    let init_cpu = cpu_s().zip(c).map(|(b, a)| b - a);
    println!("{:40} {init} (cpu {init_cpu:?})", "schema_init_migrations");
    res.insert(
        "schema_init_migrations".into(),
        serde_json::json!({"seconds": init, "cpu_s": init_cpu}),
    );
    workload(&r, &mut res, "", true);
    r.execute_raw("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let bulk_path = dir.path().join("bulk.db");
    let bulk = DieselRegistry::open(
        &format!("sqlite://{}", bulk_path.display()),
        Arc::new(SystemClock),
    )
    .unwrap();
    bulk_phase(&bulk, &mut res, "");
    let size: u64 = ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum();
    if let Ok(keep) = std::env::var("AAITI_BENCH_KEEP_DB") {
        std::fs::copy(&path, keep).unwrap();
    }
    let points = 90_000 + 10_000 + 2_000;
    res.insert("db_bytes".into(), serde_json::json!({"bytes": size, "metric_points": points, "bytes_per_point": size as f64 / f64::from(points)}));
    println!(
        "{:40} {} bytes, {:.1} B/point (whole DB: 1,003 runs, 10k params, 200 versions, 102k points)",
        "db_size",
        size,
        size as f64 / f64::from(points)
    );
    if let Ok(pg) = std::env::var("AAITI_TEST_POSTGRES_URL") {
        let schema = format!("bench_{}", std::process::id());
        let r = DieselRegistry::open_with(
            &pg,
            Arc::new(SystemClock),
            OpenOptions {
                pg_schema: Some(schema.clone()),
                ..Default::default()
            },
        )
        .unwrap();
        workload(&r, &mut res, "pg_", false);
        bulk_phase(&r, &mut res, "pg_");
        r.execute_raw(&format!("DROP SCHEMA {schema} CASCADE"))
            .unwrap();
    }
    println!("{}", serde_json::to_string(&res).unwrap());
}
