//! The in-memory backend: the reference semantics of [`ModelRegistry`], used in tests and as the
//! oracle the SQL backends are checked against.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use aaiti_core::clock::Clock;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::{self, ChainVerifier, GENESIS_HASH};
use crate::error::{Error, Result};
use crate::query::{self, Cursor, Field, Query, Target, Value};
use crate::registry::ModelRegistry;
use crate::types::{
    AliasChange, AliasOptions, ArtifactRecord, ChainReport, Direction, EdgeKind, Event, EventQuery,
    FeatureImportance, HistoryOptions, LineageEdge, LineageHop, LineageOptions, MetricPoint,
    MetricSummary, Model, ModelId, ModelPatch, ModelStatus, ModelSummary, NewArtifact, NewEvent,
    NewModel, NewRun, Page, PerformanceRecord, RegisterOptions, Run, RunId, RunStatus,
    WriteOptions, truncate_micros,
};
use crate::validate;

#[derive(Debug, Default)]
struct State {
    models: BTreeMap<ModelId, Model>,
    edges: Vec<LineageEdge>,
    perf: HashMap<ModelId, Vec<PerformanceRecord>>,
    features: HashMap<ModelId, Vec<FeatureImportance>>,
    runs: BTreeMap<RunId, Run>,
    points: HashMap<(RunId, String), BTreeMap<i64, MetricPoint>>,
    aliases: BTreeMap<(String, String), ModelId>,
    alias_history: Vec<AliasChange>,
    artifacts: BTreeMap<Uuid, ArtifactRecord>,
    events: Vec<Event>,
}

/// In-memory [`ModelRegistry`]. Cheap to clone (shared state).
#[derive(Debug, Clone)]
pub struct InMemoryRegistry {
    state: Arc<Mutex<State>>,
    clock: Arc<dyn Clock>,
}

impl InMemoryRegistry {
    /// An empty registry using `clock` for every timestamp.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            state: Arc::new(Mutex::new(State::default())),
            clock,
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>> {
        self.state
            .lock()
            .map_err(|_| Error::backend("memory", "state mutex poisoned"))
    }

    fn now(&self) -> DateTime<Utc> {
        truncate_micros(self.clock.now())
    }

    /// Test hook: overwrites the `actor` of the event with sequence `seq` without fixing the
    /// hash, to simulate tampering (SQL backends are tested by raw SQL updates).
    ///
    /// # Errors
    /// `NotFound` if there is no such event.
    pub fn tamper_event_for_tests(&self, seq: i64, actor: &str) -> Result<()> {
        let mut st = self.lock()?;
        let e = st
            .events
            .iter_mut()
            .find(|e| e.seq == seq)
            .ok_or_else(|| Error::not_found("event", seq))?;
        e.actor = actor.to_owned();
        Ok(())
    }
}

/// Allocates the next version: explicit, or next patch after the highest of the name.
pub(crate) fn next_version<'a>(
    existing: impl Iterator<Item = &'a semver::Version>,
    explicit: Option<semver::Version>,
) -> semver::Version {
    if let Some(v) = explicit {
        return v;
    }
    match existing.max() {
        Some(v) => semver::Version::new(v.major, v.minor, v.patch + 1),
        None => semver::Version::new(0, 1, 0),
    }
}

/// JSON snapshot of a model for the audit log.
#[must_use]
pub fn model_snapshot(m: &Model) -> serde_json::Value {
    serde_json::json!({
        "id": m.id.to_string(),
        "name": m.name,
        "version": m.version.to_string(),
        "status": m.status.as_str(),
        "row_version": m.row_version,
    })
}

fn push_event(st: &mut State, at: DateTime<Utc>, e: NewEvent) -> Event {
    let seq = st.events.len() as i64 + 1;
    let prev = st
        .events
        .last()
        .map_or_else(|| GENESIS_HASH.to_owned(), |e| e.hash.clone());
    let before = e.before.as_ref().map(audit::canonical_json);
    let after = e.after.as_ref().map(audit::canonical_json);
    let hash = audit::event_hash(
        &prev,
        seq,
        at.timestamp_micros(),
        &e.actor,
        &e.action,
        &e.entity_kind,
        &e.entity_id,
        before.as_deref(),
        after.as_deref(),
        e.reason.as_deref(),
    );
    let ev = Event {
        seq,
        at,
        actor: e.actor,
        action: e.action,
        entity_kind: e.entity_kind,
        entity_id: e.entity_id,
        before,
        after,
        reason: e.reason,
        prev_hash: prev,
        hash,
    };
    st.events.push(ev.clone());
    ev
}

/// Validates an event to append (non-empty actor, action, entity kind and id).
///
/// # Errors
/// [`Error::InvalidInput`].
pub fn check_event_public(e: &NewEvent) -> Result<()> {
    validate::name("actor", &e.actor)?;
    validate::name("action", &e.action)?;
    validate::name("entity_kind", &e.entity_kind)?;
    validate::name("entity_id", &e.entity_id)
}

fn model_field(m: &Model, f: &Field) -> Option<Value> {
    match f {
        Field::Name => Some(Value::Text(m.name.clone())),
        Field::Version => Some(Value::Text(m.version.to_string())),
        Field::VersionSeq => Some(Value::Int(m.version_seq)),
        Field::Status => Some(Value::Text(m.status.as_str().to_owned())),
        Field::ModelType => Some(Value::Text(m.model_type.clone())),
        Field::Framework => Some(Value::Text(m.framework.clone())),
        Field::CreatedBy => Some(Value::Text(m.created_by.clone())),
        Field::CreatedAt => Some(Value::Time(m.created_at)),
        Field::Generation => Some(Value::Int(m.generation)),
        Field::DataFingerprint => m.data_fingerprint.clone().map(Value::Text),
        Field::Tag(k) => m.tags.get(k).cloned().map(Value::Text),
        Field::Metric(s, k) => m
            .metrics
            .get(s)
            .and_then(|ms| ms.get(k))
            .filter(|v| !v.is_nan())
            .map(|v| Value::Float(*v)),
        Field::Param(_) | Field::RunMetric(..) => None,
    }
}

fn run_field(r: &Run, f: &Field) -> Option<Value> {
    match f {
        Field::Name => Some(Value::Text(r.name.clone())),
        Field::Status => Some(Value::Text(r.status.as_str().to_owned())),
        Field::CreatedBy => Some(Value::Text(r.created_by.clone())),
        Field::CreatedAt => Some(Value::Time(r.started_at)),
        Field::Param(k) => r.params.get(k).cloned().map(Value::Text),
        Field::RunMetric(k, agg) => r
            .metrics
            .get(k)
            .map(|s| match agg {
                query::Agg::Last => s.last,
                query::Agg::Min => s.min,
                query::Agg::Max => s.max,
            })
            .filter(|v| !v.is_nan())
            .map(Value::Float),
        _ => None,
    }
}

/// Generic keyset paging over in-memory items, shared semantics for models and runs.
fn page<T: Clone>(
    items: Vec<T>,
    q: &Query,
    target: Target,
    get: &dyn Fn(&T, &Field) -> Option<Value>,
    id_of: &dyn Fn(&T) -> IdKey,
) -> Result<Page<T>> {
    let limit = q.page_size()?;
    q.order.validate(target)?;
    let filter = q.filter.as_ref().map(|f| f.validate(target)).transpose()?;
    let after = q.after.as_deref().map(Cursor::decode).transpose()?;
    let mut rows: Vec<(Value, IdKey, T)> = Vec::new();
    for it in items {
        if let Some(f) = &filter
            && !f.eval(&|fld| get(&it, fld))
        {
            continue;
        }
        let Some(sort) = get(&it, &q.order.field) else {
            continue;
        };
        rows.push((sort, id_of(&it), it));
    }
    let desc = q.order.descending;
    let cmp = |a: &(Value, IdKey), b: &(Value, IdKey)| {
        let o = query::compare(&a.0, &b.0)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.1.cmp(&b.1));
        if desc { o.reverse() } else { o }
    };
    rows.sort_by(|a, b| cmp(&(a.0.clone(), a.1.clone()), &(b.0.clone(), b.1.clone())));
    if let Some(c) = after {
        let key = (
            c.value.coerce(q.order.field.value_type(target)?)?,
            IdKey::parse(&c.id, target)?,
        );
        rows.retain(|r| cmp(&(r.0.clone(), r.1.clone()), &key) == std::cmp::Ordering::Greater);
    }
    let more = rows.len() > limit;
    rows.truncate(limit);
    let next = if more {
        rows.last().map(|(v, id, _)| {
            Cursor {
                value: v.clone(),
                id: id.to_string(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok(Page {
        items: rows.into_iter().map(|r| r.2).collect(),
        next,
    })
}

/// Tie-break key: UUID text for models, integer for runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum IdKey {
    Text(String),
    Int(i64),
}

impl IdKey {
    fn parse(s: &str, target: Target) -> Result<Self> {
        match target {
            Target::Models => Ok(IdKey::Text(s.to_owned())),
            Target::Runs => s
                .parse()
                .map(IdKey::Int)
                .map_err(|_| Error::invalid("cursor", format!("bad run id {s:?}"))),
        }
    }
}

impl std::fmt::Display for IdKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdKey::Text(s) => f.write_str(s),
            IdKey::Int(i) => write!(f, "{i}"),
        }
    }
}

fn summarize(points: &BTreeMap<i64, MetricPoint>) -> Option<MetricSummary> {
    let (last_step, last) = points.iter().next_back()?;
    let vals = points.values().map(|p| p.value).filter(|v| !v.is_nan());
    let (mut min, mut max) = (f64::NAN, f64::NAN);
    for v in vals {
        if min.is_nan() || v < min {
            min = v;
        }
        if max.is_nan() || v > max {
            max = v;
        }
    }
    Some(MetricSummary {
        last: last.value,
        last_step: *last_step,
        min,
        max,
        count: points.len() as i64,
    })
}

impl ModelRegistry for InMemoryRegistry {
    fn backend(&self) -> &'static str {
        "memory"
    }

    fn register_model(&self, m: NewModel, opts: RegisterOptions) -> Result<Model> {
        validate::new_model(&m)?;
        let now = self.now();
        let mut st = self.lock()?;
        let same_name: Vec<&Model> = st.models.values().filter(|x| x.name == m.name).collect();
        let version = next_version(same_name.iter().map(|x| &x.version), m.version.clone());
        if same_name.iter().any(|x| x.version == version) {
            return Err(Error::already_exists(
                "model",
                format!("{}@{}", m.name, version),
            ));
        }
        let seq = same_name.iter().map(|x| x.version_seq).max().unwrap_or(0) + 1;
        let parent_gen = match m.parent_id {
            Some(p) => Some(
                st.models
                    .get(&p)
                    .ok_or_else(|| Error::not_found("model", p))?
                    .generation,
            ),
            None => None,
        };
        let id = opts.id.unwrap_or_else(|| crate::new_model_id(now));
        if st.models.contains_key(&id) {
            return Err(Error::already_exists("model", id));
        }
        let model = crate::types::materialize_model(m, id, version, seq, parent_gen, now);
        st.models.insert(id, model.clone());
        if let Some(p) = model.parent_id {
            st.edges.push(LineageEdge {
                parent: p,
                child: id,
                kind: EdgeKind::ParentChild,
                created_at: now,
            });
        }
        push_event(
            &mut st,
            now,
            NewEvent {
                actor: model.created_by.clone(),
                action: "model.register".into(),
                entity_kind: "model".into(),
                entity_id: id.to_string(),
                before: None,
                after: Some(model_snapshot(&model)),
                reason: opts.reason,
            },
        );
        Ok(model)
    }

    fn get_model(&self, id: ModelId) -> Result<Model> {
        self.lock()?
            .models
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::not_found("model", id))
    }

    fn get_model_version(&self, name: &str, version: &str) -> Result<Model> {
        let v = crate::types::parse_version(version)?;
        self.lock()?
            .models
            .values()
            .find(|m| m.name == name && m.version == v)
            .cloned()
            .ok_or_else(|| Error::not_found("model", format!("{name}@{version}")))
    }

    fn latest_model(&self, name: &str, status: Option<ModelStatus>) -> Result<Model> {
        self.lock()?
            .models
            .values()
            .filter(|m| m.name == name && status.is_none_or(|s| m.status == s))
            .max_by_key(|m| m.version_seq)
            .cloned()
            .ok_or_else(|| {
                Error::not_found("model", format!("latest of {name} (status {status:?})"))
            })
    }

    fn update_model(&self, id: ModelId, patch: ModelPatch, opts: WriteOptions) -> Result<Model> {
        crate::types::validate_patch(&patch)?;
        let now = self.now();
        let mut st = self.lock()?;
        let m = st
            .models
            .get(&id)
            .ok_or_else(|| Error::not_found("model", id))?;
        check_row_version(m, &opts)?;
        let before = model_snapshot(m);
        let updated = crate::types::apply_patch(m.clone(), patch, now);
        st.models.insert(id, updated.clone());
        push_event(
            &mut st,
            now,
            NewEvent {
                actor: opts.actor.unwrap_or_else(|| updated.created_by.clone()),
                action: "model.update".into(),
                entity_kind: "model".into(),
                entity_id: id.to_string(),
                before: Some(before),
                after: Some(model_snapshot(&updated)),
                reason: opts.reason,
            },
        );
        Ok(updated)
    }

    fn transition(&self, id: ModelId, to: ModelStatus, opts: WriteOptions) -> Result<Model> {
        let now = self.now();
        let mut st = self.lock()?;
        let m = st
            .models
            .get(&id)
            .ok_or_else(|| Error::not_found("model", id))?;
        check_row_version(m, &opts)?;
        let before = model_snapshot(m);
        let updated = crate::types::apply_transition(m.clone(), to, now)?;
        st.models.insert(id, updated.clone());
        push_event(
            &mut st,
            now,
            NewEvent {
                actor: opts.actor.unwrap_or_else(|| updated.created_by.clone()),
                action: "model.transition".into(),
                entity_kind: "model".into(),
                entity_id: id.to_string(),
                before: Some(before),
                after: Some(model_snapshot(&updated)),
                reason: opts.reason,
            },
        );
        Ok(updated)
    }

    fn search_models(&self, q: &Query) -> Result<Page<Model>> {
        let items: Vec<Model> = self.lock()?.models.values().cloned().collect();
        page(items, q, Target::Models, &model_field, &|m: &Model| {
            IdKey::Text(m.id.to_string())
        })
    }

    fn add_lineage(
        &self,
        parent: ModelId,
        child: ModelId,
        kind: EdgeKind,
        opts: WriteOptions,
    ) -> Result<LineageEdge> {
        let now = self.now();
        let mut st = self.lock()?;
        for id in [parent, child] {
            if !st.models.contains_key(&id) {
                return Err(Error::not_found("model", id));
            }
        }
        if let Some(e) = st
            .edges
            .iter()
            .find(|e| e.parent == parent && e.child == child && e.kind == kind)
        {
            return Ok(e.clone());
        }
        if parent == child {
            return Err(Error::invalid("lineage", format!("self-loop on {parent}")));
        }
        // Cycle: child already reaches parent downstream.
        let mut stack = vec![child];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == parent {
                return Err(Error::invalid(
                    "lineage",
                    format!("edge {parent} -> {child} would create a cycle"),
                ));
            }
            if seen.insert(n) {
                stack.extend(st.edges.iter().filter(|e| e.parent == n).map(|e| e.child));
            }
        }
        let edge = LineageEdge {
            parent,
            child,
            kind,
            created_at: now,
        };
        st.edges.push(edge.clone());
        push_event(
            &mut st,
            now,
            NewEvent {
                actor: opts.actor.unwrap_or_else(|| "system".into()),
                action: "lineage.add".into(),
                entity_kind: "model".into(),
                entity_id: child.to_string(),
                before: None,
                after: Some(
                    serde_json::json!({"parent": parent.to_string(), "child": child.to_string(), "kind": kind.as_str()}),
                ),
                reason: opts.reason,
            },
        );
        Ok(edge)
    }

    fn lineage(
        &self,
        id: ModelId,
        dir: Direction,
        opts: &LineageOptions,
    ) -> Result<Vec<LineageHop>> {
        let st = self.lock()?;
        if !st.models.contains_key(&id) {
            return Err(Error::not_found("model", id));
        }
        let mut depth_of: BTreeMap<ModelId, u32> = BTreeMap::new();
        let mut frontier = vec![id];
        for depth in 1..=opts.max_depth {
            let mut next = Vec::new();
            for n in frontier {
                for e in &st.edges {
                    if !opts.kinds.is_empty() && !opts.kinds.contains(&e.kind) {
                        continue;
                    }
                    let (from, to) = match dir {
                        Direction::Ancestors => (e.child, e.parent),
                        Direction::Descendants => (e.parent, e.child),
                    };
                    if from == n && to != id && !depth_of.contains_key(&to) {
                        depth_of.insert(to, depth);
                        next.push(to);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        let mut hops: Vec<LineageHop> = depth_of
            .into_iter()
            .map(|(model_id, depth)| LineageHop { depth, model_id })
            .collect();
        hops.sort();
        Ok(hops)
    }

    fn edges(&self, id: ModelId) -> Result<Vec<LineageEdge>> {
        let st = self.lock()?;
        if !st.models.contains_key(&id) {
            return Err(Error::not_found("model", id));
        }
        let mut v: Vec<LineageEdge> = st
            .edges
            .iter()
            .filter(|e| e.parent == id || e.child == id)
            .cloned()
            .collect();
        v.sort_by_key(|e| (e.parent, e.child, e.kind));
        Ok(v)
    }

    fn record_performance(&self, id: ModelId, records: &[PerformanceRecord]) -> Result<()> {
        let mut st = self.lock()?;
        if !st.models.contains_key(&id) {
            return Err(Error::not_found("model", id));
        }
        let v = st.perf.entry(id).or_default();
        v.extend(records.iter().cloned().map(|mut r| {
            r.at = truncate_micros(r.at);
            r
        }));
        v.sort_by_key(|r| r.at);
        Ok(())
    }

    fn performance_history(
        &self,
        id: ModelId,
        opts: &HistoryOptions,
    ) -> Result<Vec<PerformanceRecord>> {
        let st = self.lock()?;
        if !st.models.contains_key(&id) {
            return Err(Error::not_found("model", id));
        }
        let v: Vec<PerformanceRecord> = st
            .perf
            .get(&id)
            .map(|v| {
                v.iter()
                    .filter(|r| {
                        opts.from.is_none_or(|f| r.at >= f) && opts.to.is_none_or(|t| r.at < t)
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(validate::downsample(v, opts.max_points))
    }

    fn put_feature_importances(&self, id: ModelId, rows: &[FeatureImportance]) -> Result<()> {
        validate::importances(rows)?;
        let mut st = self.lock()?;
        if !st.models.contains_key(&id) {
            return Err(Error::not_found("model", id));
        }
        let v = st.features.entry(id).or_default();
        for r in rows {
            if v.iter()
                .any(|x| x.feature == r.feature && x.method == r.method && x.fold == r.fold)
            {
                return Err(Error::already_exists(
                    "feature importance",
                    format!("{}/{}/{:?}", r.feature, r.method, r.fold),
                ));
            }
        }
        v.extend(rows.iter().cloned());
        v.sort_by(|a, b| (&a.feature, &a.method, a.fold).cmp(&(&b.feature, &b.method, b.fold)));
        Ok(())
    }

    fn feature_importances(&self, id: ModelId) -> Result<Vec<FeatureImportance>> {
        let st = self.lock()?;
        if !st.models.contains_key(&id) {
            return Err(Error::not_found("model", id));
        }
        Ok(st.features.get(&id).cloned().unwrap_or_default())
    }

    fn summaries(&self) -> Result<Vec<ModelSummary>> {
        let st = self.lock()?;
        let mut v: Vec<&Model> = st.models.values().collect();
        v.sort_by(|a, b| (&a.name, a.version_seq).cmp(&(&b.name, b.version_seq)));
        Ok(v.into_iter()
            .map(|m| {
                let perf = st.perf.get(&m.id);
                ModelSummary {
                    id: m.id,
                    name: m.name.clone(),
                    version: m.version.to_string(),
                    status: m.status,
                    latest_performance: perf.and_then(|p| p.last().cloned()),
                    feature_count: st.features.get(&m.id).map_or(0, |f| {
                        f.iter().map(|x| &x.feature).collect::<BTreeSet<_>>().len() as i64
                    }),
                    performance_record_count: perf.map_or(0, |p| p.len() as i64),
                }
            })
            .collect())
    }

    fn create_runs(&self, runs: Vec<NewRun>) -> Result<Vec<Run>> {
        for r in &runs {
            validate::new_run(r)?;
        }
        let now = self.now();
        let mut st = self.lock()?;
        for r in &runs {
            if let Some(m) = r.model_id
                && !st.models.contains_key(&m)
            {
                return Err(Error::not_found("model", m));
            }
        }
        let first = st.runs.keys().next_back().copied().unwrap_or(0) + 1;
        let mut out = Vec::with_capacity(runs.len());
        for (next, r) in (first..).zip(runs) {
            let run = Run {
                id: next,
                name: r.name,
                model_id: r.model_id,
                status: RunStatus::Running,
                created_by: r.created_by,
                started_at: now,
                ended_at: None,
                params: r.params,
                metrics: BTreeMap::new(),
            };
            st.runs.insert(run.id, run.clone());
            out.push(run);
        }
        Ok(out)
    }

    fn get_run(&self, id: RunId) -> Result<Run> {
        self.lock()?
            .runs
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::not_found("run", id))
    }

    fn log_params(&self, run: RunId, params: &BTreeMap<String, String>) -> Result<()> {
        validate::params(params.iter())?;
        let mut st = self.lock()?;
        let r = st
            .runs
            .get_mut(&run)
            .ok_or_else(|| Error::not_found("run", run))?;
        for (k, v) in params {
            if let Some(old) = r.params.get(k)
                && old != v
            {
                return Err(Error::conflict(
                    "param",
                    format!("run {run} {k}"),
                    format!("already {old:?}, cannot change to {v:?}"),
                ));
            }
        }
        r.params
            .extend(params.iter().map(|(k, v)| (k.clone(), v.clone())));
        Ok(())
    }

    fn log_metrics(&self, run: RunId, points: &[MetricPoint]) -> Result<()> {
        validate::metric_batch(run, points)?;
        let mut st = self.lock()?;
        if !st.runs.contains_key(&run) {
            return Err(Error::not_found("run", run));
        }
        for p in points {
            if st
                .points
                .get(&(run, p.key.clone()))
                .is_some_and(|s| s.contains_key(&p.step))
            {
                return Err(Error::already_exists(
                    "metric point",
                    format!("run {run} key {:?} step {}", p.key, p.step),
                ));
            }
        }
        let mut keys = BTreeSet::new();
        for p in points {
            let mut p = p.clone();
            p.timestamp = truncate_micros(p.timestamp);
            keys.insert(p.key.clone());
            st.points
                .entry((run, p.key.clone()))
                .or_default()
                .insert(p.step, p);
        }
        for k in keys {
            let s = st.points.get(&(run, k.clone())).and_then(summarize);
            if let (Some(s), Some(r)) = (s, st.runs.get_mut(&run)) {
                r.metrics.insert(k, s);
            }
        }
        Ok(())
    }

    fn metric_history(
        &self,
        run: RunId,
        key: &str,
        opts: &HistoryOptions,
    ) -> Result<Vec<MetricPoint>> {
        let st = self.lock()?;
        if !st.runs.contains_key(&run) {
            return Err(Error::not_found("run", run));
        }
        let v: Vec<MetricPoint> = st
            .points
            .get(&(run, key.to_owned()))
            .map(|s| {
                s.values()
                    .filter(|p| {
                        opts.from.is_none_or(|f| p.timestamp >= f)
                            && opts.to.is_none_or(|t| p.timestamp < t)
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        Ok(validate::downsample(v, opts.max_points))
    }

    fn finish_run(&self, run: RunId, status: RunStatus) -> Result<Run> {
        let now = self.now();
        let mut st = self.lock()?;
        let r = st
            .runs
            .get_mut(&run)
            .ok_or_else(|| Error::not_found("run", run))?;
        crate::types::check_run_finish(run, r.status, status)?;
        r.status = status;
        r.ended_at = Some(now);
        Ok(r.clone())
    }

    fn search_runs(&self, q: &Query) -> Result<Page<Run>> {
        let items: Vec<Run> = self.lock()?.runs.values().cloned().collect();
        page(items, q, Target::Runs, &run_field, &|r: &Run| {
            IdKey::Int(r.id)
        })
    }

    fn set_alias(
        &self,
        name: &str,
        alias: &str,
        target: Option<ModelId>,
        opts: AliasOptions,
    ) -> Result<AliasChange> {
        validate::name("model name", name)?;
        validate::name("alias", alias)?;
        let now = self.now();
        let mut st = self.lock()?;
        if let Some(t) = target {
            let m = st
                .models
                .get(&t)
                .ok_or_else(|| Error::not_found("model", t))?;
            if m.name != name {
                return Err(Error::invalid(
                    "alias target",
                    format!("model {t} is named {:?}, not {name:?}", m.name),
                ));
            }
        }
        let key = (name.to_owned(), alias.to_owned());
        let previous = st.aliases.get(&key).copied();
        if let Some(exp) = opts.expected_current
            && exp != previous
        {
            return Err(Error::conflict(
                "alias",
                format!("{name}@{alias}"),
                format!("expected {exp:?}, found {previous:?}"),
            ));
        }
        match target {
            Some(t) => st.aliases.insert(key, t),
            None => st.aliases.remove(&key),
        };
        let actor = opts.actor.unwrap_or_else(|| "system".into());
        let change = AliasChange {
            name: name.to_owned(),
            alias: alias.to_owned(),
            model_id: target,
            previous,
            at: now,
            actor: actor.clone(),
            reason: opts.reason.clone(),
        };
        st.alias_history.push(change.clone());
        push_event(
            &mut st,
            now,
            NewEvent {
                actor,
                action: "alias.set".into(),
                entity_kind: "alias".into(),
                entity_id: format!("{name}@{alias}"),
                before: Some(serde_json::json!({"model_id": previous.map(|p| p.to_string())})),
                after: Some(serde_json::json!({"model_id": target.map(|p| p.to_string())})),
                reason: opts.reason,
            },
        );
        Ok(change)
    }

    fn resolve_alias(&self, name: &str, alias: &str, at: Option<DateTime<Utc>>) -> Result<Model> {
        let st = self.lock()?;
        let target = match at {
            None => st
                .aliases
                .get(&(name.to_owned(), alias.to_owned()))
                .copied(),
            Some(t) => st
                .alias_history
                .iter()
                .rfind(|c| c.name == name && c.alias == alias && c.at <= t)
                .and_then(|c| c.model_id),
        };
        let id = target.ok_or_else(|| Error::not_found("alias", format!("{name}@{alias}")))?;
        st.models
            .get(&id)
            .cloned()
            .ok_or_else(|| Error::not_found("model", id))
    }

    fn alias_history(&self, name: &str, alias: &str) -> Result<Vec<AliasChange>> {
        Ok(self
            .lock()?
            .alias_history
            .iter()
            .filter(|c| c.name == name && c.alias == alias)
            .cloned()
            .collect())
    }

    fn aliases(&self, name: &str) -> Result<BTreeMap<String, ModelId>> {
        Ok(self
            .lock()?
            .aliases
            .iter()
            .filter(|((n, _), _)| n == name)
            .map(|((_, a), id)| (a.clone(), *id))
            .collect())
    }

    fn record_artifact(&self, a: NewArtifact, opts: WriteOptions) -> Result<ArtifactRecord> {
        crate::artifact::validate_key(&a.name)?;
        crate::artifact::validate_key(&a.uri)?;
        let now = self.now();
        let mut st = self.lock()?;
        if !st.models.contains_key(&a.model_id) {
            return Err(Error::not_found("model", a.model_id));
        }
        if st.artifacts.values().any(|x| {
            x.meta.model_id == a.model_id && x.meta.kind == a.kind && x.meta.name == a.name
        }) {
            return Err(Error::already_exists(
                "artifact",
                format!("{}/{}/{}", a.model_id, a.kind.as_str(), a.name),
            ));
        }
        let rec = ArtifactRecord {
            id: crate::new_model_id(now),
            meta: a,
            created_at: now,
            access_count: 0,
            last_access_at: None,
        };
        st.artifacts.insert(rec.id, rec.clone());
        push_event(
            &mut st,
            now,
            NewEvent {
                actor: opts.actor.unwrap_or_else(|| "system".into()),
                action: "artifact.record".into(),
                entity_kind: "model".into(),
                entity_id: rec.meta.model_id.to_string(),
                before: None,
                after: Some(crate::artifact::artifact_snapshot(&rec)),
                reason: opts.reason,
            },
        );
        Ok(rec)
    }

    fn artifacts(&self, model: ModelId) -> Result<Vec<ArtifactRecord>> {
        let st = self.lock()?;
        if !st.models.contains_key(&model) {
            return Err(Error::not_found("model", model));
        }
        let mut v: Vec<ArtifactRecord> = st
            .artifacts
            .values()
            .filter(|a| a.meta.model_id == model)
            .cloned()
            .collect();
        v.sort_by(|a, b| (a.meta.kind, &a.meta.name).cmp(&(b.meta.kind, &b.meta.name)));
        Ok(v)
    }

    fn all_artifacts(&self) -> Result<Vec<ArtifactRecord>> {
        let mut v: Vec<ArtifactRecord> = self.lock()?.artifacts.values().cloned().collect();
        v.sort_by(|a, b| {
            (a.meta.model_id, a.meta.kind, &a.meta.name).cmp(&(
                b.meta.model_id,
                b.meta.kind,
                &b.meta.name,
            ))
        });
        Ok(v)
    }

    fn touch_artifact(&self, id: Uuid) -> Result<ArtifactRecord> {
        let now = self.now();
        let mut st = self.lock()?;
        let a = st
            .artifacts
            .get_mut(&id)
            .ok_or_else(|| Error::not_found("artifact", id))?;
        a.access_count += 1;
        a.last_access_at = Some(now);
        Ok(a.clone())
    }

    fn append_event(&self, e: NewEvent) -> Result<Event> {
        check_event_public(&e)?;
        let now = self.now();
        let mut st = self.lock()?;
        Ok(push_event(&mut st, now, e))
    }

    fn events(&self, q: &EventQuery) -> Result<Vec<Event>> {
        let st = self.lock()?;
        Ok(st
            .events
            .iter()
            .filter(|e| q.after_seq.is_none_or(|s| e.seq > s))
            .filter(|e| q.entity_id.as_ref().is_none_or(|id| &e.entity_id == id))
            .take(q.limit.unwrap_or(1000))
            .cloned()
            .collect())
    }

    fn verify_chain(&self) -> Result<ChainReport> {
        let st = self.lock()?;
        let mut v = ChainVerifier::default();
        for e in &st.events {
            v.check(e)?;
        }
        Ok(ChainReport {
            events: v.count(),
            head: v.head().to_owned(),
        })
    }
}

fn check_row_version(m: &Model, opts: &WriteOptions) -> Result<()> {
    if let Some(exp) = opts.expected_row_version
        && exp != m.row_version
    {
        return Err(Error::conflict(
            "model",
            m.id,
            format!("expected row_version {exp}, found {}", m.row_version),
        ));
    }
    Ok(())
}
