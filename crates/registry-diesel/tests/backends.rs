//! SQLite and PostgreSQL backends: conformance, tampering, schema versions, multi-process
//! concurrency and crash safety.
//!
//! PostgreSQL tests read `AAITI_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`)
//! and print a loud SKIPPED line when it is unset. Each test uses fresh schemas.

#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::print_stderr,
    reason = "test helpers"
)]
use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aaiti_core::clock::SystemClock;
use aaiti_registry::*;
use aaiti_registry_diesel::{DieselRegistry, OpenOptions};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn sqlite_url(dir: &std::path::Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}

fn pg_url() -> Option<String> {
    if !cfg!(feature = "postgres") {
        eprintln!("SKIPPED: built without feature `postgres` (PostgreSQL tests did not run)");
        return None;
    }
    match std::env::var("AAITI_TEST_POSTGRES_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            eprintln!("SKIPPED: AAITI_TEST_POSTGRES_URL not set (PostgreSQL tests did not run)");
            None
        }
    }
}

fn unique_schema(tag: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::UNIX_EPOCH
        .elapsed()
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("t_{tag}_{}_{n}_{nanos}", std::process::id())
}

/// Drops the PostgreSQL schemas a test created.
struct Schemas {
    url: String,
    names: std::sync::Mutex<Vec<String>>,
}

impl Schemas {
    fn open(&self, tag: &str, clock: Arc<dyn aaiti_core::clock::Clock>) -> DieselRegistry {
        let s = unique_schema(tag);
        self.names.lock().unwrap().push(s.clone());
        DieselRegistry::open_with(
            &self.url,
            clock,
            OpenOptions {
                pg_schema: Some(s),
                ..Default::default()
            },
        )
        .unwrap()
    }
}

impl Drop for Schemas {
    fn drop(&mut self) {
        let gc = unique_schema("gc");
        if let Ok(r) = DieselRegistry::open_with(
            &self.url,
            Arc::new(SystemClock),
            OpenOptions {
                pg_schema: Some(gc.clone()),
                ..Default::default()
            },
        ) {
            let names = self.names.lock().map(|n| n.clone()).unwrap_or_default();
            for n in names.into_iter().chain([gc]) {
                let _ = r.execute_raw(&format!("DROP SCHEMA IF EXISTS {n} CASCADE"));
            }
        }
    }
}

// ------------------------------------------------------------------ conformance

#[test]
fn sqlite_passes_conformance() {
    let dir = tempfile::tempdir().unwrap();
    conformance::run_all(&|clock| {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        Arc::new(DieselRegistry::open(&sqlite_url(dir.path(), &format!("c{n}.db")), clock).unwrap())
    });
}

#[test]
fn sqlite_in_memory_url_works() {
    let r = DieselRegistry::open("sqlite::memory:", Arc::new(SystemClock)).unwrap();
    r.register_model(
        NewModel::new("m", "t", "f", "u"),
        RegisterOptions::default(),
    )
    .unwrap();
    assert_eq!(r.backend(), "sqlite");
}

#[test]
fn postgres_passes_conformance() {
    let Some(url) = pg_url() else { return };
    let schemas = Schemas {
        url,
        names: Default::default(),
    };
    conformance::run_all(&|clock| Arc::new(schemas.open("conf", clock)));
}

// ------------------------------------------------------------------ bad inputs specific to SQL

fn tamper_checks(r: &DieselRegistry) {
    for i in 0..3 {
        r.register_model(
            NewModel::new(format!("m{i}"), "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    }
    assert_eq!(r.verify_chain().unwrap().events, 3);
    // Triggers make the log append-only.
    let upd = r.execute_raw("UPDATE registry_events SET actor = 'mallory' WHERE seq = 2");
    assert!(
        upd.is_err(),
        "UPDATE on registry_events must be refused by a trigger"
    );
    assert!(format!("{:?}", upd.unwrap_err()).contains("append-only"));
    assert!(
        r.execute_raw("DELETE FROM registry_events WHERE seq = 3")
            .is_err(),
        "DELETE refused"
    );
    assert_eq!(r.verify_chain().unwrap().events, 3);
    // An admin who drops the trigger and edits a row is caught by the hash chain.
    r.execute_raw("DROP TRIGGER registry_events_no_update ON registry_events")
        .or_else(|_| r.execute_raw("DROP TRIGGER registry_events_no_update"))
        .unwrap();
    r.execute_raw("UPDATE registry_events SET actor = 'mallory' WHERE seq = 2")
        .unwrap();
    let e = r.verify_chain().unwrap_err();
    assert!(
        matches!(e, Error::Integrity { ref what, .. } if what.contains("seq 2")),
        "{e:?}"
    );
}

fn tail_delete_checks(r: &DieselRegistry) {
    for i in 0..3 {
        r.register_model(
            NewModel::new(format!("m{i}"), "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    }
    r.execute_raw("DROP TRIGGER registry_events_no_update ON registry_events")
        .or_else(|_| r.execute_raw("DROP TRIGGER registry_events_no_delete"))
        .unwrap();
    r.execute_raw("DELETE FROM registry_events WHERE seq = 3")
        .unwrap();
    let e = r.verify_chain().unwrap_err();
    assert!(
        matches!(e, Error::Integrity { ref what, .. } if what.contains("registry_chain_head")),
        "{e:?}"
    );
}

#[test]
fn sqlite_tampering_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    tamper_checks(
        &DieselRegistry::open(&sqlite_url(dir.path(), "a.db"), Arc::new(SystemClock)).unwrap(),
    );
    tail_delete_checks(
        &DieselRegistry::open(&sqlite_url(dir.path(), "b.db"), Arc::new(SystemClock)).unwrap(),
    );
}

#[test]
fn postgres_tampering_is_detected() {
    let Some(url) = pg_url() else { return };
    let schemas = Schemas {
        url,
        names: Default::default(),
    };
    tamper_checks(&schemas.open("tamper", Arc::new(SystemClock)));
    tail_delete_checks(&schemas.open("tail", Arc::new(SystemClock)));
}

fn newer_schema_checks(url: &str, open: &dyn Fn() -> aaiti_registry::Result<DieselRegistry>) {
    let r = open().unwrap();
    r.execute_raw("INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')")
        .unwrap();
    drop(r);
    match open() {
        Err(Error::SchemaTooNew { found, .. }) => assert_eq!(found, "29991231000000"),
        other => panic!("{url}: expected SchemaTooNew, got {other:?}"),
    }
}

#[test]
fn sqlite_newer_schema_is_refused_and_reopen_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "s.db");
    let r = DieselRegistry::open(&url, Arc::new(SystemClock)).unwrap();
    let m = r
        .register_model(
            NewModel::new("m", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    drop(r);
    let r = DieselRegistry::open(&url, Arc::new(SystemClock)).unwrap();
    assert_eq!(
        r.get_model(m.id).unwrap().id,
        m.id,
        "reopen keeps data, migrations not rerun"
    );
    drop(r);
    newer_schema_checks(&url, &|| DieselRegistry::open(&url, Arc::new(SystemClock)));
}

#[test]
fn postgres_newer_schema_is_refused() {
    let Some(url) = pg_url() else { return };
    let schemas = Schemas {
        url: url.clone(),
        names: Default::default(),
    };
    let s = unique_schema("newer");
    schemas.names.lock().unwrap().push(s.clone());
    let open = || {
        DieselRegistry::open_with(
            &url,
            Arc::new(SystemClock),
            OpenOptions {
                pg_schema: Some(s.clone()),
                ..Default::default()
            },
        )
    };
    newer_schema_checks(&url, &open);
}

#[test]
fn bad_urls_are_typed_errors() {
    for u in ["mysql://x", "sqlite:/x", "", "http://x"] {
        assert!(
            matches!(
                DieselRegistry::open(u, Arc::new(SystemClock)),
                Err(Error::InvalidInput { .. })
            ),
            "{u}"
        );
    }
    let e = DieselRegistry::open("sqlite:///nonexistent-dir/x/y.db", Arc::new(SystemClock))
        .unwrap_err();
    assert!(matches!(e, Error::Backend { .. }), "{e:?}");
}

#[test]
fn sqlite_artifacts_with_registry_facade() {
    let dir = tempfile::tempdir().unwrap();
    let meta = Arc::new(
        DieselRegistry::open(&sqlite_url(dir.path(), "r.db"), Arc::new(SystemClock)).unwrap(),
    );
    let reg = Registry::new(
        meta,
        ArtifactStore::local(&dir.path().join("blobs")).unwrap(),
    );
    let m = reg
        .register_model(
            NewModel::new("m", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let bytes = vec![7u8; 50_000];
    let a = reg
        .put_artifact(
            m.id,
            ArtifactKind::Weights,
            &bytes,
            PutArtifactOptions {
                compression: Compression::Zstd,
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        reg.get_artifact(m.id, ArtifactKind::Weights, None).unwrap(),
        bytes
    );
    assert_eq!(reg.artifacts(m.id).unwrap()[0].access_count, 1);
    reg.store()
        .put_raw_for_tests(&a.meta.uri, b"garbage")
        .unwrap();
    assert!(matches!(
        reg.get_artifact(m.id, ArtifactKind::Weights, None),
        Err(Error::Integrity { .. })
    ));
    assert_eq!(reg.verify_artifacts().unwrap().failures.len(), 1);
}

// ------------------------------------------------------------------ multi-process concurrency

const MODELS_PER_CHILD: usize = 12;
const RUNS_PER_CHILD: usize = 4;
const BATCHES_PER_RUN: usize = 5;
const POINTS_PER_BATCH: usize = 100;

/// Child process body (run by re-executing this test binary).
#[test]
#[ignore = "helper: run by the concurrency and crash tests in a child process"]
fn child_writer() {
    let Ok(url) = std::env::var("AAITI_CHILD_URL") else {
        return;
    };
    let idx: usize = std::env::var("AAITI_CHILD_IDX").unwrap().parse().unwrap();
    let schema = std::env::var("AAITI_CHILD_SCHEMA").ok();
    let forever = std::env::var("AAITI_CHILD_FOREVER").is_ok();
    let r = DieselRegistry::open_with(
        &url,
        Arc::new(SystemClock),
        OpenOptions {
            pg_schema: schema,
            ..Default::default()
        },
    )
    .unwrap();
    let blobs = std::env::var("AAITI_CHILD_BLOBS").ok();
    let reg = Registry::new(
        Arc::new(r),
        match &blobs {
            Some(b) => ArtifactStore::local(std::path::Path::new(b)).unwrap(),
            None => ArtifactStore::in_memory().unwrap(),
        },
    );
    let mut round = 0usize;
    loop {
        for i in 0..MODELS_PER_CHILD {
            let mut nm = NewModel::new("shared", "t", "f", format!("child{idx}"));
            nm.tags.insert(
                "i".into(),
                format!("{}-{idx}-{round}-{i}", std::process::id()),
            );
            let m = reg.register_model(nm, RegisterOptions::default()).unwrap();
            if forever {
                // large artifact: a SIGKILL is likely to land mid-write
                let bytes: Vec<u8> = (0..2_000_000u32)
                    .map(|x| (x.wrapping_mul(31).wrapping_add(i as u32)) as u8)
                    .collect();
                reg.put_artifact(
                    m.id,
                    ArtifactKind::Weights,
                    &bytes,
                    PutArtifactOptions::default(),
                )
                .unwrap();
            }
        }
        let runs = reg
            .create_runs(
                (0..RUNS_PER_CHILD)
                    .map(|j| NewRun {
                        name: format!("c{idx}-r{j}"),
                        created_by: "c".into(),
                        ..Default::default()
                    })
                    .collect(),
            )
            .unwrap();
        for run in &runs {
            for b in 0..BATCHES_PER_RUN {
                let pts: Vec<MetricPoint> = (0..POINTS_PER_BATCH)
                    .map(|p| MetricPoint {
                        key: if p % 2 == 0 {
                            "loss".into()
                        } else {
                            "acc".into()
                        },
                        step: (b * POINTS_PER_BATCH + p) as i64,
                        timestamp: chrono::DateTime::UNIX_EPOCH,
                        value: p as f64,
                    })
                    .collect();
                reg.log_metrics(run.id, &pts).unwrap();
            }
            reg.log_params(
                run.id,
                &[("child".to_string(), idx.to_string())]
                    .into_iter()
                    .collect(),
            )
            .unwrap();
        }
        round += 1;
        if !forever {
            break;
        }
    }
}

fn spawn_children(
    n: usize,
    url: &str,
    schema: Option<&str>,
    extra: &[(&str, String)],
) -> Vec<std::process::Child> {
    let exe = std::env::current_exe().unwrap();
    (0..n)
        .map(|i| {
            let mut cmd = Command::new(&exe);
            cmd.args([
                "--ignored",
                "--exact",
                "child_writer",
                "--test-threads",
                "1",
            ])
            .env("AAITI_CHILD_URL", url)
            .env("AAITI_CHILD_IDX", i.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
            if let Some(s) = schema {
                cmd.env("AAITI_CHILD_SCHEMA", s);
            }
            for (k, v) in extra {
                cmd.env(k, v);
            }
            cmd.spawn().unwrap()
        })
        .collect()
}

fn check_consistent(r: &DieselRegistry, expect_models: Option<usize>, expect_runs: Option<usize>) {
    // versions unique and gap-free
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let p = r
            .search_models(&Query {
                filter: Some(Filter::eq(Field::Name, "shared")),
                order: Order {
                    field: Field::VersionSeq,
                    descending: false,
                },
                limit: Some(1000),
                after,
            })
            .unwrap();
        all.extend(p.items);
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    if let Some(n) = expect_models {
        assert_eq!(all.len(), n, "every registration is there");
    }
    let seqs: Vec<i64> = all.iter().map(|m| m.version_seq).collect();
    assert_eq!(
        seqs,
        (1..=all.len() as i64).collect::<Vec<_>>(),
        "version_seq gap-free"
    );
    let versions: BTreeSet<String> = all.iter().map(|m| m.version.to_string()).collect();
    assert_eq!(versions.len(), all.len(), "versions unique");
    let tags: BTreeSet<String> = all.iter().map(|m| m.tags["i"].clone()).collect();
    assert_eq!(tags.len(), all.len(), "no registration duplicated");
    // audit chain intact and one event per registration
    let rep = r.verify_chain().unwrap();
    assert!(rep.events >= all.len() as i64);
    // metrics: each run's summary count equals its stored points (batches are atomic)
    let runs = r
        .search_runs(&Query {
            limit: Some(100_000),
            ..Default::default()
        })
        .unwrap()
        .items;
    if let Some(n) = expect_runs {
        assert_eq!(runs.len(), n, "every run is there");
    }
    for run in &runs {
        for key in ["loss", "acc"] {
            let h = r
                .metric_history(run.id, key, &HistoryOptions::default())
                .unwrap();
            let count = run.metrics.get(key).map_or(0, |s| s.count);
            assert_eq!(
                h.len() as i64,
                count,
                "run {} {key}: summary matches points",
                run.id
            );
            assert_eq!(h.len() % (POINTS_PER_BATCH / 2), 0, "only whole batches");
            if expect_runs.is_some() {
                assert_eq!(h.len(), BATCHES_PER_RUN * POINTS_PER_BATCH / 2);
            }
        }
    }
}

fn run_concurrency(url: &str, schema: Option<&str>) {
    let open = || {
        DieselRegistry::open_with(
            url,
            Arc::new(SystemClock),
            OpenOptions {
                pg_schema: schema.map(str::to_owned),
                ..Default::default()
            },
        )
        .unwrap()
    };
    // children race on the very first open too (migrations)
    let children = spawn_children(8, url, schema, &[]);
    for c in children {
        let out = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "child failed: {err}\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            !err.to_lowercase().contains("locked"),
            "lock error surfaced: {err}"
        );
    }
    check_consistent(
        &open(),
        Some(8 * MODELS_PER_CHILD),
        Some(8 * RUNS_PER_CHILD),
    );
}

#[test]
fn sqlite_eight_processes_write_concurrently() {
    let dir = tempfile::tempdir().unwrap();
    run_concurrency(&sqlite_url(dir.path(), "conc.db"), None);
}

#[test]
fn postgres_eight_processes_write_concurrently() {
    let Some(url) = pg_url() else { return };
    let schemas = Schemas {
        url: url.clone(),
        names: Default::default(),
    };
    let s = unique_schema("conc");
    schemas.names.lock().unwrap().push(s.clone());
    run_concurrency(&url, Some(&s));
}

// ------------------------------------------------------------------ crash safety

fn run_crash(url: &str, schema: Option<&str>, blobs: &std::path::Path) {
    let open = || {
        DieselRegistry::open_with(
            url,
            Arc::new(SystemClock),
            OpenOptions {
                pg_schema: schema.map(str::to_owned),
                ..Default::default()
            },
        )
        .unwrap()
    };
    let watcher = open(); // migrates first, so the kills land in steady-state writes
    let count = |r: &DieselRegistry| {
        r.search_models(&Query {
            limit: Some(100_000),
            ..Default::default()
        })
        .unwrap()
        .items
        .len()
    };
    for round in 0..3_u64 {
        let before = count(&watcher);
        let mut children = spawn_children(
            2,
            url,
            schema,
            &[
                ("AAITI_CHILD_FOREVER", "1".into()),
                ("AAITI_CHILD_BLOBS", blobs.display().to_string()),
            ],
        );
        // Wait until the children are demonstrably writing, then kill them mid-stream.
        let t0 = Instant::now();
        while count(&watcher) < before + 2 && t0.elapsed() < Duration::from_secs(120) {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::thread::sleep(Duration::from_millis(50 + 70 * round));
        for c in &mut children {
            c.kill().unwrap(); // SIGKILL
        }
        for mut c in children {
            let _ = c.wait();
        }
        assert!(
            count(&watcher) >= before + 2,
            "round {round}: children made progress before the kill"
        );
        let r = open();
        check_consistent(&r, None, None);
        let reg = Registry::new(Arc::new(r), ArtifactStore::local(blobs).unwrap());
        let rep = reg.verify_artifacts().unwrap();
        assert!(rep.checked > 0, "artifacts were written");
        assert!(
            rep.failures.is_empty(),
            "round {round}: recorded artifacts must be complete: {:?}",
            rep.failures
        );
        // the store stays writable after the crash
        reg.register_model(
            NewModel::new("after-crash", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    }
}

#[test]
fn sqlite_sigkill_leaves_store_consistent() {
    let dir = tempfile::tempdir().unwrap();
    run_crash(
        &sqlite_url(dir.path(), "crash.db"),
        None,
        &dir.path().join("blobs"),
    );
}

#[test]
fn postgres_sigkill_leaves_store_consistent() {
    let Some(url) = pg_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let schemas = Schemas {
        url: url.clone(),
        names: Default::default(),
    };
    let s = unique_schema("crash");
    schemas.names.lock().unwrap().push(s.clone());
    run_crash(&url, Some(&s), &dir.path().join("blobs"));
}

/// SQLite chunk mode: per-call appends fill chunks of up to 1,024 points, out-of-order and
/// legacy (first-schema, one row per point) points read back merged in step order, duplicates
/// against either are rejected, and a corrupted chunk is an `Integrity` error.
#[test]
fn sqlite_metric_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let url = sqlite_url(dir.path(), "chunks.db");
    let r = DieselRegistry::open(&url, Arc::new(SystemClock)).unwrap();
    let run = r
        .create_runs(vec![NewRun {
            name: "r".into(),
            created_by: "t".into(),
            ..Default::default()
        }])
        .unwrap()
        .remove(0);
    let pt = |step: i64, value: f64| MetricPoint {
        key: "loss".into(),
        step,
        timestamp: chrono::DateTime::from_timestamp_micros(1_700_000_000_000_000 + step * 7)
            .unwrap(),
        value,
    };
    // 2,100 single-point appends (steps 100..2200): 3 chunks (1,024 + 1,024 + 52)
    for s in 100..2200 {
        r.log_metrics(run.id, &[pt(s, s as f64 * 0.5)]).unwrap();
    }
    // an out-of-order batch below, and a legacy row written by the first schema version
    r.log_metrics(run.id, &[pt(5, f64::NAN), pt(7, -0.0)])
        .unwrap();
    r.execute_raw(&format!(
        "INSERT INTO run_metrics (run_id, key_id, step, ts_us, value) \
         SELECT {}, id, 6, 1700000000000042, 6.5 FROM metric_keys WHERE metric_key = 'loss'",
        run.id
    ))
    .unwrap();
    let chunks = || -> i64 {
        use diesel::{Connection as _, RunQueryDsl as _};
        let path = url.strip_prefix("sqlite://").unwrap();
        let mut c = diesel::sqlite::SqliteConnection::establish(path).unwrap();
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
            "(SELECT COUNT(*) FROM run_metric_chunks)",
        ))
        .get_result(&mut c)
        .unwrap()
    };
    assert_eq!(chunks(), 4, "3 append chunks + 1 out-of-order chunk");
    let h = r
        .metric_history(run.id, "loss", &HistoryOptions::default())
        .unwrap();
    assert_eq!(h.len(), 2100 + 3);
    assert_eq!(
        h[..4].iter().map(|p| p.step).collect::<Vec<_>>(),
        vec![5, 6, 7, 100]
    );
    assert!(h[0].value.is_nan());
    assert_eq!(h[1].value, 6.5);
    assert!(h[2].value == 0.0 && h[2].value.is_sign_negative());
    assert!(h.windows(2).all(|w| w[0].step < w[1].step));
    assert_eq!(h[2102].value, 2199.0 * 0.5);
    assert_eq!(h[2102].timestamp, pt(2199, 0.0).timestamp);
    // duplicates: against a chunk in the middle, the legacy row, and the out-of-order batch
    for s in [1500, 6, 7] {
        assert!(
            matches!(
                r.log_metrics(run.id, &[pt(4, 0.0), pt(s, 0.0)]),
                Err(Error::AlreadyExists { .. })
            ),
            "step {s}"
        );
    }
    assert_eq!(
        r.metric_history(run.id, "loss", &HistoryOptions::default())
            .unwrap()
            .len(),
        2103,
        "a rejected batch writes nothing"
    );
    let s = &r.get_run(run.id).unwrap().metrics["loss"];
    // the legacy row was inserted behind the registry's back, so the summary counts 2,102
    assert_eq!((s.count, s.last_step, s.max), (2102, 2199, 2199.0 * 0.5));
    // corruption of the packed bytes is detected on read
    r.execute_raw("UPDATE run_metric_chunks SET points = X'01FF' WHERE first_step = 100")
        .unwrap();
    assert!(matches!(
        r.metric_history(run.id, "loss", &HistoryOptions::default()),
        Err(Error::Integrity { .. })
    ));
}
