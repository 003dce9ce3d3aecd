//! The conformance suite every [`ModelRegistry`] backend must pass (feature `conformance`).
//!
//! Call [`run_all`] from the backend's tests with a factory that returns a **fresh, empty**
//! registry using the given clock:
//! ```
//! use std::sync::Arc;
//! use aaiti_registry::{InMemoryRegistry, conformance};
//! conformance::run_all(&|clock| Arc::new(InMemoryRegistry::new(clock)));
//! ```
//! Each check panics (assert) with a message naming the failed expectation.
#![allow(
    clippy::missing_panics_doc,
    clippy::unwrap_used,
    clippy::float_cmp,
    reason = "a test suite: failing assertions are its output"
)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use aaiti_core::clock::Clock;
use chrono::{DateTime, Utc};

use crate::{
    Agg, AliasOptions, ArtifactKind, Compression, Direction, DriftState, EdgeKind, Error,
    EventQuery, FeatureImportance, Field, Filter, HistoryOptions, LineageOptions, MetricPoint,
    ModelPatch, ModelRegistry, ModelStatus, NewArtifact, NewEvent, NewModel, NewRun, Order,
    PerformanceRecord, Query, RegisterOptions, RunStatus, Split, TimeWindow, Value, WriteOptions,
};

/// A manually advanced clock (microsecond resolution), starting at 2026-01-01T00:00:00Z.
#[derive(Debug)]
pub struct StepClock {
    us: AtomicI64,
}

impl Default for StepClock {
    fn default() -> Self {
        Self {
            us: AtomicI64::new(1_767_225_600_000_000),
        }
    }
}

impl StepClock {
    /// Advances by `us` microseconds.
    pub fn advance(&self, us: i64) {
        self.us.fetch_add(us, Ordering::SeqCst);
    }
}

impl Clock for StepClock {
    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_micros(self.us.load(Ordering::SeqCst)).unwrap_or_default()
    }
}

/// Makes a fresh, empty registry that uses the given clock.
pub type Factory<'a> = dyn Fn(Arc<StepClock>) -> Arc<dyn ModelRegistry> + 'a;

/// Runs every check, each on a fresh registry.
pub fn run_all(make: &Factory<'_>) {
    models_roundtrip(make);
    bad_model_inputs(make);
    lifecycle(make);
    update_and_conflict(make);
    search_models(make);
    lineage(make);
    performance_and_features(make);
    runs_and_metrics(make);
    search_runs(make);
    aliases(make);
    artifacts_metadata(make);
    audit_chain(make);
}

fn fresh(make: &Factory<'_>) -> (Arc<StepClock>, Arc<dyn ModelRegistry>) {
    let c = Arc::new(StepClock::default());
    let r = make(Arc::clone(&c));
    (c, r)
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn full_model(name: &str) -> NewModel {
    let mut m = NewModel::new(name, "lstm", "tch", "alice");
    m.description = Some("a model".into());
    m.tags = BTreeMap::from([
        ("asset".into(), "btc".into()),
        ("desk".into(), "crypto".into()),
    ]);
    m.hyperparameters = serde_json::json!({"hidden": 64, "lr": 0.001, "layers": [1, 2]});
    m.feature_spec = serde_json::json!({"features": ["rsi_14", "ema_20"]});
    m.label_spec = serde_json::json!({"horizon": 24});
    m.data_fingerprint = Some("sha256:abc".into());
    m.train_window =
        Some(TimeWindow::new(t("2020-01-01T00:00:00Z"), t("2022-01-01T00:00:00Z")).unwrap());
    m.validation_window =
        Some(TimeWindow::new(t("2022-01-01T00:00:00Z"), t("2023-01-01T00:00:00Z")).unwrap());
    m.test_window =
        Some(TimeWindow::new(t("2023-01-01T00:00:00Z"), t("2024-01-01T00:00:00.123456Z")).unwrap());
    m.metrics = BTreeMap::from([
        (
            Split::Train,
            BTreeMap::from([
                ("sharpe".into(), 1.5),
                ("nan".into(), f64::NAN),
                ("inf".into(), f64::INFINITY),
            ]),
        ),
        (Split::Test, BTreeMap::from([("sharpe".into(), 0.75)])),
    ]);
    m.seed = Some(42);
    m.code_version = Some("deadbeef".into());
    m.auto_retrain_enabled = true;
    m
}

fn same_f64(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

fn assert_kind(r: Result<impl std::fmt::Debug, Error>, kind: &str, what: &str) {
    let e = match r {
        Ok(v) => panic!("{what}: expected {kind} error, got Ok({v:?})"),
        Err(e) => e,
    };
    let ok = match kind {
        "NotFound" => matches!(e, Error::NotFound { .. }),
        "AlreadyExists" => matches!(e, Error::AlreadyExists { .. }),
        "Conflict" => matches!(e, Error::Conflict { .. }),
        "InvalidTransition" => matches!(e, Error::InvalidTransition { .. }),
        "InvalidInput" => matches!(e, Error::InvalidInput { .. }),
        "InvalidKey" => matches!(e, Error::InvalidKey { .. }),
        "Integrity" => matches!(e, Error::Integrity { .. }),
        _ => false,
    };
    assert!(ok, "{what}: expected {kind}, got {e:?}");
}

/// Register with every field, read back by id and by name+version, auto versions.
pub fn models_roundtrip(make: &Factory<'_>) {
    let (clock, r) = fresh(make);
    let m = r
        .register_model(full_model("alpha"), RegisterOptions::default())
        .unwrap();
    assert_eq!(m.version.to_string(), "0.1.0");
    assert_eq!(m.version_seq, 1);
    assert_eq!(m.status, ModelStatus::Draft);
    assert_eq!(m.generation, 0);
    assert_eq!(m.row_version, 1);
    assert_eq!(m.created_at, clock.now());
    let got = r.get_model(m.id).unwrap();
    assert_eq!(got.tags, m.tags);
    assert_eq!(got.hyperparameters, m.hyperparameters);
    assert_eq!(got.test_window, m.test_window);
    assert!(
        same_f64(got.metrics[&Split::Train]["nan"], f64::NAN),
        "NaN metric round trip"
    );
    assert!(
        same_f64(got.metrics[&Split::Train]["inf"], f64::INFINITY),
        "Inf metric round trip"
    );
    let strip = |mut x: crate::Model| {
        x.metrics.get_mut(&Split::Train).unwrap().remove("nan");
        x
    };
    assert_eq!(
        strip(got.clone()),
        strip(m.clone()),
        "get_model returns what register returned"
    );
    assert_eq!(r.get_model_version("alpha", "0.1.0").unwrap().id, m.id);
    clock.advance(1000);
    let m2 = r
        .register_model(
            NewModel::new("alpha", "lstm", "tch", "bob"),
            RegisterOptions::default(),
        )
        .unwrap();
    assert_eq!(
        (m2.version.to_string().as_str(), m2.version_seq),
        ("0.1.1", 2)
    );
    let m3 = r
        .register_model(
            NewModel::new("alpha", "lstm", "tch", "bob")
                .with_version("2.0.0-rc.1")
                .unwrap(),
            RegisterOptions::default(),
        )
        .unwrap();
    assert_eq!(
        (m3.version.to_string().as_str(), m3.version_seq),
        ("2.0.0-rc.1", 3)
    );
    let m4 = r
        .register_model(
            NewModel::new("alpha", "lstm", "tch", "bob"),
            RegisterOptions::default(),
        )
        .unwrap();
    assert_eq!(
        m4.version.to_string(),
        "2.0.1",
        "next patch after the highest version"
    );
    let other = r
        .register_model(
            NewModel::new("beta", "gbm", "linfa", "bob"),
            RegisterOptions::default(),
        )
        .unwrap();
    assert_eq!(
        (other.version.to_string().as_str(), other.version_seq),
        ("0.1.0", 1)
    );
    assert_eq!(r.latest_model("alpha", None).unwrap().id, m4.id);
    assert_eq!(
        r.latest_model("alpha", Some(ModelStatus::Draft))
            .unwrap()
            .id,
        m4.id
    );
    assert_kind(
        r.latest_model("alpha", Some(ModelStatus::Active)),
        "NotFound",
        "latest active",
    );
    // child gets generation + 1 and a lineage edge
    let mut c = NewModel::new("alpha", "lstm", "tch", "bob");
    c.parent_id = Some(m.id);
    let child = r.register_model(c, RegisterOptions::default()).unwrap();
    assert_eq!(child.generation, 1);
    assert_eq!(child.parent_id, Some(m.id));
    let edges = r.edges(m.id).unwrap();
    assert_eq!(edges.len(), 1);
    assert_eq!(
        (edges[0].parent, edges[0].child, edges[0].kind),
        (m.id, child.id, EdgeKind::ParentChild)
    );
    // explicit id
    let id = uuid::Uuid::from_u128(7);
    let e = r
        .register_model(
            NewModel::new("gamma", "x", "y", "z"),
            RegisterOptions {
                id: Some(id),
                reason: None,
            },
        )
        .unwrap();
    assert_eq!(e.id, id);
}

/// Duplicate versions, bad semver, empty names, unknown ids, bad seeds: typed errors.
pub fn bad_model_inputs(make: &Factory<'_>) {
    let (_c, r) = fresh(make);
    let m = r
        .register_model(
            NewModel::new("a", "t", "f", "u")
                .with_version("1.0.0")
                .unwrap(),
            RegisterOptions::default(),
        )
        .unwrap();
    assert_kind(
        r.register_model(
            NewModel::new("a", "t", "f", "u")
                .with_version("1.0.0")
                .unwrap(),
            RegisterOptions::default(),
        ),
        "AlreadyExists",
        "duplicate version",
    );
    assert_kind(
        NewModel::new("a", "t", "f", "u").with_version("1.0"),
        "InvalidInput",
        "bad semver",
    );
    assert_kind(
        r.get_model_version("a", "not-a-version"),
        "InvalidInput",
        "bad semver lookup",
    );
    assert_kind(
        r.get_model_version("a", "9.9.9"),
        "NotFound",
        "missing version",
    );
    assert_kind(
        r.register_model(NewModel::new("", "t", "f", "u"), RegisterOptions::default()),
        "InvalidInput",
        "empty name",
    );
    assert_kind(
        r.register_model(
            NewModel::new("a\n", "t", "f", "u"),
            RegisterOptions::default(),
        ),
        "InvalidInput",
        "control char",
    );
    let mut s = NewModel::new("a", "t", "f", "u");
    s.seed = Some(u64::MAX);
    assert_kind(
        r.register_model(s, RegisterOptions::default()),
        "InvalidInput",
        "seed > i64::MAX",
    );
    let mut p = NewModel::new("a", "t", "f", "u");
    p.parent_id = Some(uuid::Uuid::from_u128(1));
    assert_kind(
        r.register_model(p, RegisterOptions::default()),
        "NotFound",
        "unknown parent",
    );
    assert_kind(
        r.get_model(uuid::Uuid::from_u128(99)),
        "NotFound",
        "unknown id",
    );
    assert_kind(
        r.register_model(
            NewModel::new("b", "t", "f", "u"),
            RegisterOptions {
                id: Some(m.id),
                reason: None,
            },
        ),
        "AlreadyExists",
        "duplicate id",
    );
    // nothing half-written by the failures
    assert_eq!(r.search_models(&Query::default()).unwrap().items.len(), 1);
    assert_eq!(r.verify_chain().unwrap().events, 1);
}

/// The lifecycle state machine over all 16 pairs, timestamps, terminal archive.
pub fn lifecycle(make: &Factory<'_>) {
    let (clock, r) = fresh(make);
    let path = |to: ModelStatus| -> Vec<ModelStatus> {
        match to {
            ModelStatus::Draft => vec![],
            ModelStatus::Training => vec![ModelStatus::Training],
            ModelStatus::Active => vec![ModelStatus::Training, ModelStatus::Active],
            ModelStatus::Archived => vec![ModelStatus::Archived],
        }
    };
    for (i, from) in ModelStatus::ALL.into_iter().enumerate() {
        for (j, to) in ModelStatus::ALL.into_iter().enumerate() {
            let m = r
                .register_model(
                    NewModel::new(format!("m{i}{j}"), "t", "f", "u"),
                    RegisterOptions::default(),
                )
                .unwrap();
            for s in path(from) {
                r.transition(m.id, s, WriteOptions::default()).unwrap();
            }
            let res = r.transition(m.id, to, WriteOptions::default());
            if from.can_transition_to(to) {
                assert_eq!(res.unwrap().status, to, "{from} -> {to}");
            } else {
                assert_kind(res, "InvalidTransition", &format!("{from} -> {to}"));
                assert_eq!(
                    r.get_model(m.id).unwrap().status,
                    from,
                    "state unchanged after rejected {from} -> {to}"
                );
            }
        }
    }
    let m = r
        .register_model(
            NewModel::new("ts", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    clock.advance(10);
    r.transition(m.id, ModelStatus::Training, WriteOptions::default())
        .unwrap();
    clock.advance(10);
    let a = r
        .transition(m.id, ModelStatus::Active, WriteOptions::default())
        .unwrap();
    assert_eq!(a.trained_at, Some(clock.now()));
    assert_eq!(a.deployed_at, Some(clock.now()));
    assert_eq!(a.updated_at, clock.now());
    assert_eq!(a.row_version, 3);
    clock.advance(10);
    let z = r
        .transition(m.id, ModelStatus::Archived, WriteOptions::default())
        .unwrap();
    assert_eq!(z.archived_at, Some(clock.now()));
    assert_kind(
        r.transition(
            uuid::Uuid::from_u128(5),
            ModelStatus::Training,
            WriteOptions::default(),
        ),
        "NotFound",
        "transition unknown",
    );
}

/// Patches and optimistic concurrency.
pub fn update_and_conflict(make: &Factory<'_>) {
    let (clock, r) = fresh(make);
    let m = r
        .register_model(full_model("u"), RegisterOptions::default())
        .unwrap();
    clock.advance(5);
    let patch = ModelPatch {
        description: Some(None),
        set_tags: BTreeMap::from([("stage".into(), "paper".into())]),
        remove_tags: vec!["desk".into()],
        set_metrics: BTreeMap::from([(
            Split::Validation,
            BTreeMap::from([("sharpe".into(), 1.1)]),
        )]),
        artifact_root: Some("models/u".into()),
        artifact_checksum: Some("ff".into()),
        deployment: Some(serde_json::json!({"host": "a"})),
        drift: Some(DriftState {
            detected: true,
            detected_at: Some(clock.now()),
            metrics: serde_json::json!({"psi": 0.3}),
            auto_retrain_enabled: false,
        }),
        code_version: Some("cafe".into()),
    };
    let u = r
        .update_model(
            m.id,
            patch,
            WriteOptions {
                expected_row_version: Some(1),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(u.row_version, 2);
    assert_eq!(u.description, None);
    assert_eq!(
        u.tags,
        BTreeMap::from([
            ("asset".into(), "btc".into()),
            ("stage".into(), "paper".into())
        ])
    );
    assert_eq!(u.metrics[&Split::Validation]["sharpe"], 1.1);
    assert_eq!(u.metrics[&Split::Train]["sharpe"], 1.5);
    assert!(u.drift.detected);
    assert_eq!(u.updated_at, clock.now());
    let g = r.get_model(m.id).unwrap();
    assert_eq!(
        (g.tags, g.drift, g.deployment, g.artifact_root),
        (
            u.tags.clone(),
            u.drift.clone(),
            u.deployment.clone(),
            u.artifact_root.clone()
        )
    );
    assert_kind(
        r.update_model(
            m.id,
            ModelPatch::default(),
            WriteOptions {
                expected_row_version: Some(1),
                ..Default::default()
            },
        ),
        "Conflict",
        "stale row_version update",
    );
    assert_kind(
        r.transition(
            m.id,
            ModelStatus::Training,
            WriteOptions {
                expected_row_version: Some(1),
                ..Default::default()
            },
        ),
        "Conflict",
        "stale row_version transition",
    );
    assert_kind(
        r.update_model(
            uuid::Uuid::from_u128(3),
            ModelPatch::default(),
            WriteOptions::default(),
        ),
        "NotFound",
        "update unknown",
    );
}

/// AND/OR/NOT filters, absent-field semantics, ordering, keyset pagination.
pub fn search_models(make: &Factory<'_>) {
    let (clock, r) = fresh(make);
    let mut ids = Vec::new();
    for i in 0..25_i64 {
        clock.advance(1);
        let mut m = NewModel::new(
            if i % 2 == 0 { "even" } else { "odd" },
            if i % 3 == 0 { "lstm" } else { "gbm" },
            "tch",
            "u",
        );
        if i % 5 != 0 {
            m.tags.insert(
                "asset".into(),
                if i % 4 == 0 {
                    "btc".into()
                } else {
                    "eth".into()
                },
            );
        }
        if i != 7 {
            #[allow(clippy::cast_precision_loss, reason = "small ints")]
            m.metrics.insert(
                Split::Test,
                BTreeMap::from([(
                    "sharpe".into(),
                    if i == 3 { f64::NAN } else { (i as f64) / 10.0 },
                )]),
            );
        }
        ids.push(r.register_model(m, RegisterOptions::default()).unwrap());
    }
    let all = |f: Filter, order: Order| -> Vec<i64> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let p = r
                .search_models(&Query {
                    filter: Some(f.clone()),
                    order: order.clone(),
                    limit: Some(4),
                    after,
                })
                .unwrap();
            assert!(p.items.len() <= 4);
            out.extend(
                p.items
                    .iter()
                    .map(|m| ids.iter().position(|x| x.id == m.id).unwrap() as i64),
            );
            match p.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        out
    };
    let by_created = Order::default();
    // AND
    let f = Filter::And(vec![
        Filter::eq(Field::Name, "even"),
        Filter::eq(Field::ModelType, "lstm"),
    ]);
    assert_eq!(all(f, by_created.clone()), vec![0, 6, 12, 18, 24]);
    // OR + NOT, absent tag is not 'btc' so NOT matches it
    let f = Filter::Or(vec![
        Filter::eq(Field::Tag("asset".into()), "btc").negate(),
        Filter::eq(Field::Name, "odd"),
    ]);
    let expect: Vec<i64> = (0..25)
        .filter(|i| !(i % 5 != 0 && i % 4 == 0) || i % 2 == 1)
        .collect();
    assert_eq!(all(f, by_created.clone()), expect);
    // comparison on absent tag is false; Exists
    let f = Filter::Cmp(
        Field::Tag("asset".into()),
        crate::Op::Ne,
        Value::from("btc"),
    );
    let expect: Vec<i64> = (0..25).filter(|i| i % 5 != 0 && i % 4 != 0).collect();
    assert_eq!(all(f, by_created.clone()), expect);
    let f = Filter::Exists(Field::Tag("asset".into())).negate();
    assert_eq!(all(f, by_created.clone()), vec![0, 5, 10, 15, 20]);
    // IN
    let f = Filter::In(Field::VersionSeq, vec![Value::Int(1), Value::Int(3)]);
    assert_eq!(all(f, by_created.clone()), vec![0, 1, 4, 5]);
    // metric filter + order by metric desc; NaN (3) and missing (7) never match and never sort
    let f = Filter::gt(Field::Metric(Split::Test, "sharpe".into()), 1.0);
    let desc = Order {
        field: Field::Metric(Split::Test, "sharpe".into()),
        descending: true,
    };
    assert_eq!(
        all(f.clone(), desc.clone()),
        (11..25).rev().collect::<Vec<_>>()
    );
    let f2 = Filter::lt(Field::Metric(Split::Test, "sharpe".into()), 0.5).negate();
    assert_eq!(
        all(f2, by_created.clone()),
        std::iter::once(3).chain(5..25).collect::<Vec<_>>(),
        "NOT(sharpe < 0.5) holds for values >= 0.5 and where the metric is NaN (3) or missing (7)"
    );
    // BETWEEN, time and int comparisons
    let f = Filter::between(Field::Generation, 0_i64, 0_i64);
    assert_eq!(all(f, by_created.clone()).len(), 25);
    let f = Filter::gt(Field::CreatedAt, ids[20].created_at);
    assert_eq!(all(f, by_created.clone()), vec![21, 22, 23, 24]);
    // ties on sort value break on id: sort by name with pagination covers everything once
    let mut got = all(
        Filter::And(vec![]),
        Order {
            field: Field::Name,
            descending: false,
        },
    );
    assert_eq!(got.len(), 25);
    got.sort_unstable();
    assert_eq!(got, (0..25).collect::<Vec<_>>());
    assert!(all(Filter::Or(vec![]), by_created.clone()).is_empty());
    // best by metric = order desc limit 1
    let best = r
        .search_models(&Query {
            filter: None,
            order: desc,
            limit: Some(1),
            after: None,
        })
        .unwrap();
    assert_eq!(best.items[0].id, ids[24].id);
    // bad inputs
    assert_kind(
        r.search_models(&Query {
            filter: Some(Filter::eq(Field::Param("x".into()), "1")),
            ..Default::default()
        }),
        "InvalidInput",
        "run field on models",
    );
    assert_kind(
        r.search_models(&Query {
            filter: Some(Filter::eq(Field::Name, 3_i64)),
            ..Default::default()
        }),
        "InvalidInput",
        "type mismatch",
    );
    assert_kind(
        r.search_models(&Query {
            filter: Some(Filter::gt(Field::Metric(Split::Test, "s".into()), f64::NAN)),
            ..Default::default()
        }),
        "InvalidInput",
        "NaN literal",
    );
    assert_kind(
        r.search_models(&Query {
            limit: Some(0),
            ..Default::default()
        }),
        "InvalidInput",
        "limit 0",
    );
    assert_kind(
        r.search_models(&Query {
            after: Some("zz".into()),
            ..Default::default()
        }),
        "InvalidInput",
        "bad cursor",
    );
    assert_kind(
        r.search_models(&Query {
            order: Order {
                field: Field::Tag("a".into()),
                descending: false,
            },
            ..Default::default()
        }),
        "InvalidInput",
        "bad order",
    );
}

/// Typed edges, recursive ancestor/descendant queries, depth and kind limits, cycles.
pub fn lineage(make: &Factory<'_>) {
    let (_c, r) = fresh(make);
    let mk = |n: &str| {
        r.register_model(NewModel::new(n, "t", "f", "u"), RegisterOptions::default())
            .unwrap()
            .id
    };
    let (a, b, c, d, e) = (mk("a"), mk("b"), mk("c"), mk("d"), mk("e"));
    let w = WriteOptions::default;
    r.add_lineage(a, b, EdgeKind::ParentChild, w()).unwrap();
    r.add_lineage(b, c, EdgeKind::Generation, w()).unwrap();
    r.add_lineage(b, d, EdgeKind::EnsembleComponent, w())
        .unwrap();
    r.add_lineage(c, d, EdgeKind::EnsembleComponent, w())
        .unwrap();
    r.add_lineage(a, e, EdgeKind::DerivedFrom, w()).unwrap();
    // idempotent
    r.add_lineage(a, e, EdgeKind::DerivedFrom, w()).unwrap();
    assert_eq!(r.edges(a).unwrap().len(), 2);
    let hops = |id, dir, o: LineageOptions| -> Vec<(u32, uuid::Uuid)> {
        r.lineage(id, dir, &o)
            .unwrap()
            .into_iter()
            .map(|h| (h.depth, h.model_id))
            .collect()
    };
    let mut exp = vec![(1, b), (1, c), (2, a)];
    exp.sort();
    assert_eq!(
        hops(d, Direction::Ancestors, LineageOptions::default()),
        exp
    );
    let mut exp = vec![(1, b), (1, e), (2, c), (2, d)];
    exp.sort();
    assert_eq!(
        hops(a, Direction::Descendants, LineageOptions::default()),
        exp
    );
    let mut exp = vec![(1, b), (1, e)];
    exp.sort();
    assert_eq!(
        hops(
            a,
            Direction::Descendants,
            LineageOptions {
                max_depth: 1,
                kinds: vec![]
            }
        ),
        exp
    );
    assert_eq!(
        hops(
            a,
            Direction::Descendants,
            LineageOptions {
                max_depth: 10,
                kinds: vec![EdgeKind::ParentChild, EdgeKind::Generation]
            }
        ),
        vec![(1, b), (2, c)]
    );
    assert!(hops(a, Direction::Ancestors, LineageOptions::default()).is_empty());
    assert_kind(
        r.add_lineage(d, a, EdgeKind::ParentChild, w()),
        "InvalidInput",
        "cycle",
    );
    assert_kind(
        r.add_lineage(a, a, EdgeKind::ParentChild, w()),
        "InvalidInput",
        "self loop",
    );
    assert_kind(
        r.add_lineage(a, uuid::Uuid::from_u128(9), EdgeKind::ParentChild, w()),
        "NotFound",
        "unknown child",
    );
    assert_kind(
        r.lineage(
            uuid::Uuid::from_u128(9),
            Direction::Ancestors,
            &LineageOptions::default(),
        ),
        "NotFound",
        "unknown start",
    );
}

/// Performance history (range, downsampling), feature importances, the summary view.
pub fn performance_and_features(make: &Factory<'_>) {
    let (_c, r) = fresh(make);
    let m = r
        .register_model(
            NewModel::new("p", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let m2 = r
        .register_model(
            NewModel::new("q", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let base = t("2025-01-01T00:00:00Z");
    let recs: Vec<PerformanceRecord> = (0..10)
        .map(|i| PerformanceRecord {
            at: base + chrono::Duration::hours(i),
            #[allow(clippy::cast_precision_loss, reason = "small ints")]
            sharpe: Some(i as f64),
            accuracy: if i == 4 { Some(f64::NAN) } else { Some(0.5) },
            max_drawdown: Some(0.1),
            alert: if i == 9 {
                Some("degraded".into())
            } else {
                None
            },
            ..Default::default()
        })
        .collect();
    r.record_performance(m.id, &recs[5..]).unwrap();
    r.record_performance(m.id, &recs[..5]).unwrap();
    let all = r
        .performance_history(m.id, &HistoryOptions::default())
        .unwrap();
    assert_eq!(all.len(), 10);
    assert!(all.windows(2).all(|w| w[0].at < w[1].at), "time ordered");
    assert!(all[4].accuracy.unwrap().is_nan());
    assert_eq!(all[9].alert.as_deref(), Some("degraded"));
    assert_eq!(all[0].precision, None);
    let range = r
        .performance_history(
            m.id,
            &HistoryOptions {
                from: Some(base + chrono::Duration::hours(2)),
                to: Some(base + chrono::Duration::hours(6)),
                max_points: None,
            },
        )
        .unwrap();
    assert_eq!(
        range.iter().map(|x| x.sharpe.unwrap()).collect::<Vec<_>>(),
        vec![2.0, 3.0, 4.0, 5.0]
    );
    let ds = r
        .performance_history(
            m.id,
            &HistoryOptions {
                max_points: Some(4),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        ds.iter().map(|x| x.sharpe.unwrap()).collect::<Vec<_>>(),
        vec![0.0, 3.0, 6.0, 9.0]
    );
    assert_kind(
        r.record_performance(uuid::Uuid::from_u128(1), &recs),
        "NotFound",
        "perf unknown model",
    );

    let fi = |f: &str, method: &str, fold: Option<i64>, v: f64| FeatureImportance {
        feature: f.into(),
        feature_type: "numeric".into(),
        method: method.into(),
        fold,
        mean: v,
        std: 0.1,
        min: v - 0.1,
        max: v + 0.1,
    };
    let rows = vec![
        fi("rsi", "shap", None, 0.3),
        fi("ema", "permutation", Some(1), 0.2),
        fi("ema", "permutation", Some(0), 0.25),
        fi("rsi", "permutation", Some(0), 0.1),
    ];
    r.put_feature_importances(m.id, &rows).unwrap();
    let got = r.feature_importances(m.id).unwrap();
    let keys: Vec<(String, String, Option<i64>)> = got
        .iter()
        .map(|x| (x.feature.clone(), x.method.clone(), x.fold))
        .collect();
    assert_eq!(
        keys,
        vec![
            ("ema".into(), "permutation".into(), Some(0)),
            ("ema".into(), "permutation".into(), Some(1)),
            ("rsi".into(), "permutation".into(), Some(0)),
            ("rsi".into(), "shap".into(), None)
        ]
    );
    assert_eq!(got[0].mean, 0.25);
    assert_kind(
        r.put_feature_importances(m.id, &[fi("rsi", "shap", None, 0.5)]),
        "AlreadyExists",
        "duplicate importance",
    );
    assert_kind(
        r.put_feature_importances(m.id, &[fi("x", "shap", None, f64::NAN)]),
        "InvalidInput",
        "NaN importance",
    );
    assert_eq!(
        r.feature_importances(m.id).unwrap().len(),
        4,
        "failed batch wrote nothing"
    );

    let s = r.summaries().unwrap();
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].id, m.id);
    assert_eq!(s[0].feature_count, 2);
    assert_eq!(s[0].performance_record_count, 10);
    assert_eq!(s[0].latest_performance.as_ref().unwrap().sharpe, Some(9.0));
    assert_eq!(
        (
            s[1].id,
            s[1].feature_count,
            s[1].performance_record_count,
            s[1].latest_performance.clone()
        ),
        (m2.id, 0, 0, None)
    );
}

fn pt(key: &str, step: i64, value: f64) -> MetricPoint {
    MetricPoint {
        key: key.into(),
        step,
        timestamp: t("2025-06-01T00:00:00Z") + chrono::Duration::seconds(step),
        value,
    }
}

/// Runs, write-once params, metric ingest and summaries, exact NaN/Inf, histories.
pub fn runs_and_metrics(make: &Factory<'_>) {
    let (_c, r) = fresh(make);
    let m = r
        .register_model(
            NewModel::new("r", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let runs = r
        .create_runs(
            (0..3)
                .map(|i| NewRun {
                    name: format!("fold-{i}"),
                    model_id: Some(m.id),
                    params: BTreeMap::from([("fold".into(), i.to_string())]),
                    created_by: "u".into(),
                })
                .collect(),
        )
        .unwrap();
    assert_eq!(runs.len(), 3);
    assert!(runs.windows(2).all(|w| w[0].id < w[1].id), "ids increase");
    let id = runs[0].id;
    assert_eq!(r.get_run(id).unwrap().params["fold"], "0");
    r.log_params(id, &BTreeMap::from([("lr".into(), "0.1".into())]))
        .unwrap();
    r.log_params(id, &BTreeMap::from([("lr".into(), "0.1".into())]))
        .unwrap();
    assert_kind(
        r.log_params(id, &BTreeMap::from([("lr".into(), "0.2".into())])),
        "Conflict",
        "param rewrite",
    );
    let pts: Vec<MetricPoint> = (0..100)
        .map(|s| pt("loss", s, 1.0 / (1.0 + s as f64)))
        .collect();
    r.log_metrics(id, &pts[50..]).unwrap();
    r.log_metrics(id, &pts[..50]).unwrap();
    r.log_metrics(
        id,
        &[
            pt("odd", 0, f64::NAN),
            pt("odd", 1, f64::NEG_INFINITY),
            pt("odd", 2, 3.0),
            pt("odd", 3, f64::INFINITY),
            pt("odd", 4, -0.0),
        ],
    )
    .unwrap();
    let h = r
        .metric_history(id, "loss", &HistoryOptions::default())
        .unwrap();
    assert_eq!(h, pts, "history is exact and step-ordered");
    let odd = r
        .metric_history(id, "odd", &HistoryOptions::default())
        .unwrap();
    let want = [f64::NAN, f64::NEG_INFINITY, 3.0, f64::INFINITY, -0.0];
    assert!(
        odd.iter().zip(want).all(|(p, w)| same_f64(p.value, w)),
        "NaN/±Inf/-0.0 exact: {odd:?}"
    );
    let run = r.get_run(id).unwrap();
    let s = run.metrics["loss"];
    assert_eq!(
        (s.last, s.last_step, s.min, s.max, s.count),
        (1.0 / 100.0, 99, 1.0 / 100.0, 1.0, 100)
    );
    let o = run.metrics["odd"];
    assert!(
        same_f64(o.last, -0.0)
            && o.min == f64::NEG_INFINITY
            && o.max == f64::INFINITY
            && o.count == 5,
        "{o:?}"
    );
    assert_eq!(run.params.len(), 2);
    let ds = r
        .metric_history(
            id,
            "loss",
            &HistoryOptions {
                max_points: Some(10),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        ds.iter().map(|p| p.step).collect::<Vec<_>>(),
        vec![0, 10, 20, 30, 40, 50, 60, 70, 80, 99],
        "every 10th plus the last"
    );
    let win = r
        .metric_history(
            id,
            "loss",
            &HistoryOptions {
                from: Some(pts[10].timestamp),
                to: Some(pts[13].timestamp),
                max_points: None,
            },
        )
        .unwrap();
    assert_eq!(
        win.iter().map(|p| p.step).collect::<Vec<_>>(),
        vec![10, 11, 12]
    );
    assert!(
        r.metric_history(id, "nope", &HistoryOptions::default())
            .unwrap()
            .is_empty()
    );
    assert_kind(
        r.log_metrics(id, &[pt("loss", 5, 0.0)]),
        "AlreadyExists",
        "duplicate step",
    );
    assert_kind(
        r.log_metrics(id, &[pt("new", 1, 0.0), pt("new", 1, 1.0)]),
        "AlreadyExists",
        "duplicate in batch",
    );
    assert!(
        r.metric_history(id, "new", &HistoryOptions::default())
            .unwrap()
            .is_empty(),
        "failed batch wrote nothing"
    );
    assert_kind(r.log_metrics(9999, &pts[..1]), "NotFound", "unknown run");
    assert_kind(
        r.log_metrics(id, &[pt("", 1, 0.0)]),
        "InvalidInput",
        "empty key",
    );
    assert_kind(r.get_run(9999), "NotFound", "get unknown run");
    assert_kind(
        r.create_runs(vec![NewRun {
            name: "x".into(),
            model_id: Some(uuid::Uuid::from_u128(4)),
            params: BTreeMap::new(),
            created_by: "u".into(),
        }]),
        "NotFound",
        "run of unknown model",
    );
    let f = r.finish_run(id, RunStatus::Finished).unwrap();
    assert_eq!(f.status, RunStatus::Finished);
    assert!(f.ended_at.is_some());
    assert_kind(
        r.finish_run(id, RunStatus::Failed),
        "InvalidTransition",
        "finish twice",
    );
    assert_kind(
        r.finish_run(runs[1].id, RunStatus::Running),
        "InvalidTransition",
        "finish to running",
    );
}

/// Run search: params, metric summaries, OR, ordering by a metric, pagination.
pub fn search_runs(make: &Factory<'_>) {
    let (clock, r) = fresh(make);
    let runs = r
        .create_runs(
            (0..30)
                .map(|i| NewRun {
                    name: format!("run-{i}"),
                    model_id: None,
                    params: BTreeMap::from([("p".into(), (i % 3).to_string())]),
                    created_by: "u".into(),
                })
                .collect(),
        )
        .unwrap();
    for (i, run) in runs.iter().enumerate() {
        clock.advance(1);
        #[allow(clippy::cast_precision_loss, reason = "small ints")]
        let v = (i as f64 - 10.0) / 10.0;
        if i != 29 {
            r.log_metrics(run.id, &[pt("sharpe", 0, v), pt("sharpe", 1, v + 0.05)])
                .unwrap();
        }
    }
    let all = |f: Option<Filter>, o: Order| -> Vec<usize> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let p = r
                .search_runs(&Query {
                    filter: f.clone(),
                    order: o.clone(),
                    limit: Some(7),
                    after,
                })
                .unwrap();
            out.extend(
                p.items
                    .iter()
                    .map(|x| runs.iter().position(|y| y.id == x.id).unwrap()),
            );
            match p.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        out
    };
    let desc = Order {
        field: Field::RunMetric("sharpe".into(), Agg::Last),
        descending: true,
    };
    let f = Filter::gt(Field::RunMetric("sharpe".into(), Agg::Last), 0.5);
    assert_eq!(
        all(Some(f), desc.clone()),
        (15..29).rev().collect::<Vec<_>>()
    );
    let f = Filter::Or(vec![
        Filter::eq(Field::Param("p".into()), "0"),
        Filter::lt(Field::RunMetric("sharpe".into(), Agg::Min), -0.8),
    ]);
    let expect: Vec<usize> = (0..30).filter(|i| i % 3 == 0 || *i < 2).collect();
    assert_eq!(all(Some(f), Order::default()), expect);
    assert_eq!(all(None, Order::default()), (0..30).collect::<Vec<_>>());
    let p = r
        .search_runs(&Query {
            filter: None,
            order: desc,
            limit: Some(1),
            after: None,
        })
        .unwrap();
    assert_eq!(p.items[0].id, runs[28].id);
    assert_eq!(p.items[0].params["p"], "1");
    assert!((p.items[0].metrics["sharpe"].last - 1.85).abs() < 1e-12);
    assert_kind(
        r.search_runs(&Query {
            filter: Some(Filter::eq(Field::Tag("x".into()), "y")),
            ..Default::default()
        }),
        "InvalidInput",
        "model field on runs",
    );
}

/// Aliases: set, move, remove, point-in-time resolution, history, CAS.
pub fn aliases(make: &Factory<'_>) {
    let (clock, r) = fresh(make);
    let v1 = r
        .register_model(
            NewModel::new("s", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let v2 = r
        .register_model(
            NewModel::new("s", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let other = r
        .register_model(
            NewModel::new("o", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let opts = |reason: &str| AliasOptions {
        actor: Some("carol".into()),
        reason: Some(reason.into()),
        expected_current: None,
    };
    clock.advance(1_000_000);
    let t1 = clock.now();
    r.set_alias("s", "champion", Some(v1.id), opts("first"))
        .unwrap();
    clock.advance(1_000_000);
    let t2 = clock.now();
    let ch = r
        .set_alias("s", "champion", Some(v2.id), opts("better"))
        .unwrap();
    assert_eq!((ch.previous, ch.model_id), (Some(v1.id), Some(v2.id)));
    r.set_alias("s", "challenger", Some(v1.id), opts("shadow"))
        .unwrap();
    clock.advance(1_000_000);
    let t3 = clock.now();
    r.set_alias("s", "champion", None, opts("incident"))
        .unwrap();
    assert_kind(
        r.resolve_alias("s", "champion", None),
        "NotFound",
        "removed alias",
    );
    assert_eq!(
        r.resolve_alias("s", "champion", Some(t1)).unwrap().id,
        v1.id
    );
    assert_eq!(
        r.resolve_alias(
            "s",
            "champion",
            Some(t2 - chrono::Duration::microseconds(1))
        )
        .unwrap()
        .id,
        v1.id
    );
    assert_eq!(
        r.resolve_alias("s", "champion", Some(t2)).unwrap().id,
        v2.id
    );
    assert_kind(
        r.resolve_alias("s", "champion", Some(t3)),
        "NotFound",
        "removed at t3",
    );
    assert_kind(
        r.resolve_alias(
            "s",
            "champion",
            Some(t1 - chrono::Duration::microseconds(1)),
        ),
        "NotFound",
        "before first set",
    );
    assert_eq!(r.resolve_alias("s", "challenger", None).unwrap().id, v1.id);
    let h = r.alias_history("s", "champion").unwrap();
    assert_eq!(
        h.iter().map(|c| c.model_id).collect::<Vec<_>>(),
        vec![Some(v1.id), Some(v2.id), None]
    );
    assert_eq!(
        h.iter()
            .map(|c| c.reason.clone().unwrap())
            .collect::<Vec<_>>(),
        vec!["first", "better", "incident"]
    );
    assert_eq!((h[0].at, h[0].actor.as_str()), (t1, "carol"));
    assert_eq!(
        r.aliases("s").unwrap(),
        BTreeMap::from([("challenger".into(), v1.id)])
    );
    assert_kind(
        r.set_alias("s", "champion", Some(other.id), AliasOptions::default()),
        "InvalidInput",
        "model of another name",
    );
    assert_kind(
        r.set_alias(
            "s",
            "champion",
            Some(uuid::Uuid::from_u128(2)),
            AliasOptions::default(),
        ),
        "NotFound",
        "unknown target",
    );
    assert_kind(
        r.set_alias("s", "", Some(v1.id), AliasOptions::default()),
        "InvalidInput",
        "empty alias",
    );
    let cas = |exp| AliasOptions {
        expected_current: Some(exp),
        ..Default::default()
    };
    assert_kind(
        r.set_alias("s", "challenger", Some(v2.id), cas(Some(v2.id))),
        "Conflict",
        "CAS mismatch",
    );
    r.set_alias("s", "challenger", Some(v2.id), cas(Some(v1.id)))
        .unwrap();
    r.set_alias("s", "new", Some(v2.id), cas(None)).unwrap();
    assert_kind(
        r.set_alias("s", "new", Some(v1.id), cas(None)),
        "Conflict",
        "CAS expected unset",
    );
}

/// Artifact metadata: record, uniqueness, key validation, access tracking.
pub fn artifacts_metadata(make: &Factory<'_>) {
    let (clock, r) = fresh(make);
    let m = r
        .register_model(
            NewModel::new("a", "t", "f", "u"),
            RegisterOptions::default(),
        )
        .unwrap();
    let art = |name: &str, uri: &str| NewArtifact {
        model_id: m.id,
        kind: ArtifactKind::Weights,
        name: name.into(),
        storage: "file".into(),
        uri: uri.into(),
        sha256: "ab".repeat(32),
        size: 10,
        stored_size: 8,
        compression: Compression::Zstd,
    };
    let a = r
        .record_artifact(
            art("model.pt", "blobs/sha256/ab/x.zst"),
            WriteOptions::default(),
        )
        .unwrap();
    assert_eq!((a.access_count, a.last_access_at), (0, None));
    assert_kind(
        r.record_artifact(art("model.pt", "blobs/x"), WriteOptions::default()),
        "AlreadyExists",
        "same name",
    );
    for bad in [
        "../etc/passwd",
        "/abs",
        "a/../b",
        "a//b",
        "a\\b",
        "",
        "a/./b",
        "x%2e%2e",
        "c:evil",
        "a/b/",
    ] {
        assert_kind(
            r.record_artifact(art(bad, "blobs/y"), WriteOptions::default()),
            "InvalidKey",
            &format!("bad name {bad:?}"),
        );
        assert_kind(
            r.record_artifact(art("ok", bad), WriteOptions::default()),
            "InvalidKey",
            &format!("bad uri {bad:?}"),
        );
    }
    let mut p = art("p", "blobs/p");
    p.kind = ArtifactKind::Preprocessor;
    p.compression = Compression::None;
    r.record_artifact(p, WriteOptions::default()).unwrap();
    let mut q = art("q", "blobs/q");
    q.model_id = uuid::Uuid::from_u128(3);
    assert_kind(
        r.record_artifact(q, WriteOptions::default()),
        "NotFound",
        "unknown model",
    );
    clock.advance(5);
    r.touch_artifact(a.id).unwrap();
    let t2 = r.touch_artifact(a.id).unwrap();
    assert_eq!((t2.access_count, t2.last_access_at), (2, Some(clock.now())));
    let list = r.artifacts(m.id).unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].meta, art("model.pt", "blobs/sha256/ab/x.zst"));
    assert_eq!(list[0].access_count, 2);
    assert_eq!(list[1].meta.kind, ArtifactKind::Preprocessor);
    assert_eq!(r.all_artifacts().unwrap().len(), 2);
    assert_kind(
        r.touch_artifact(uuid::Uuid::from_u128(8)),
        "NotFound",
        "touch unknown",
    );
}

/// Audit events from every registry write, custom events, the hash chain.
pub fn audit_chain(make: &Factory<'_>) {
    let (clock, r) = fresh(make);
    assert_eq!(r.verify_chain().unwrap().events, 0);
    let m = r
        .register_model(
            NewModel::new("e", "t", "f", "alice"),
            RegisterOptions {
                id: None,
                reason: Some("init".into()),
            },
        )
        .unwrap();
    clock.advance(3);
    r.transition(
        m.id,
        ModelStatus::Training,
        WriteOptions {
            actor: Some("bob".into()),
            reason: Some("go".into()),
            expected_row_version: None,
        },
    )
    .unwrap();
    r.set_alias("e", "paper", Some(m.id), AliasOptions::default())
        .unwrap();
    let ev = r
        .append_event(NewEvent {
            actor: "lifecycle".into(),
            action: "gate.pass".into(),
            entity_kind: "strategy_version".into(),
            entity_id: "sv-1".into(),
            before: None,
            after: Some(serde_json::json!({"b": 1, "a": [1.5, "x"]})),
            reason: None,
        })
        .unwrap();
    assert_eq!(ev.seq, 4);
    assert_eq!(ev.after.as_deref(), Some(r#"{"a":[1.5,"x"],"b":1}"#));
    assert_kind(
        r.append_event(NewEvent {
            actor: String::new(),
            action: "x".into(),
            entity_kind: "k".into(),
            entity_id: "i".into(),
            ..Default::default()
        }),
        "InvalidInput",
        "empty actor",
    );
    let all = r.events(&EventQuery::default()).unwrap();
    assert_eq!(
        all.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        vec![
            "model.register",
            "model.transition",
            "alias.set",
            "gate.pass"
        ]
    );
    assert_eq!(all[0].prev_hash, crate::GENESIS_HASH);
    assert!(all.windows(2).all(|w| w[1].prev_hash == w[0].hash));
    assert_eq!(
        (all[1].actor.as_str(), all[1].reason.as_deref(), all[1].at),
        ("bob", Some("go"), clock.now())
    );
    assert!(all[1].before.as_deref().unwrap().contains("\"draft\""));
    assert!(all[1].after.as_deref().unwrap().contains("\"training\""));
    let rep = r.verify_chain().unwrap();
    assert_eq!((rep.events, rep.head.as_str()), (4, all[3].hash.as_str()));
    let mut v = crate::ChainVerifier::default();
    for e in &all {
        v.check(e).unwrap();
    }
    assert_eq!(
        r.events(&EventQuery {
            after_seq: Some(2),
            entity_id: None,
            limit: None
        })
        .unwrap()
        .len(),
        2
    );
    assert_eq!(
        r.events(&EventQuery {
            after_seq: None,
            entity_id: Some(m.id.to_string()),
            limit: Some(1)
        })
        .unwrap()
        .len(),
        1
    );
}
