//! The registry logic, written once over [`RegConn`] and compiled per backend.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use aaiti_registry::{
    AliasChange, ArtifactKind, ArtifactRecord, ChainReport, ChainVerifier, Compression, Cursor,
    Direction, DriftState, EdgeKind, Error, Event, EventQuery, FeatureImportance, Field, Filter,
    HistoryOptions, LineageEdge, LineageHop, LineageOptions, MetricPoint, MetricSummary, Model,
    ModelId, ModelStatus, ModelSummary, NewArtifact, NewEvent, NewModel, NewRun, Op, Page,
    PerformanceRecord, Query, Run, RunId, RunStatus, Split, Target, TimeWindow, Value, from_micros,
    to_micros,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::chunk::Pt;
#[cfg(feature = "sqlite")]
use crate::chunk::{self, CHUNK_MAX};
#[cfg(feature = "postgres")]
use crate::conn::PointIns;
use crate::conn::{B, CountRow, IdRow, Kind, RegConn, TextRow, TxErr, TxResult};
#[cfg(feature = "sqlite")]
use crate::rows::ChunkRow;
use crate::rows::{
    AliasHistRow, AliasRow, ArtifactRow, EdgeRow, EventRow, FeatureRow, HeadRow, HopRow, KeyRow,
    ModelMetricRow, ModelRow, ParamRow, PerfRow, PointRow, RunRow, RunSummaryRow, SummaryViewRow,
    TagRow,
};

fn parse_uuid(s: &str) -> TxResult<Uuid> {
    Uuid::parse_str(s).map_err(|e| {
        TxErr::Reg(Error::backend(
            "sql",
            format!("bad uuid {s:?} in database: {e}"),
        ))
    })
}

fn json(s: &str) -> TxResult<serde_json::Value> {
    serde_json::from_str(s)
        .map_err(|e| TxErr::Reg(Error::backend("sql", format!("bad JSON in database: {e}"))))
}

fn ts(us: i64) -> TxResult<DateTime<Utc>> {
    Ok(from_micros(us)?)
}

fn ots(us: Option<i64>) -> TxResult<Option<DateTime<Utc>>> {
    us.map(ts).transpose()
}

fn window(s: Option<i64>, e: Option<i64>) -> TxResult<Option<TimeWindow>> {
    match (s, e) {
        (Some(s), Some(e)) => Ok(Some(TimeWindow {
            start: ts(s)?,
            end: ts(e)?,
        })),
        _ => Ok(None),
    }
}

/// NaN is stored as NULL (SQLite cannot store NaN).
fn enc(v: f64) -> Option<f64> {
    if v.is_nan() { None } else { Some(v) }
}

fn dec(v: Option<f64>) -> f64 {
    v.unwrap_or(f64::NAN)
}

/// `?, ?, ?` with n placeholders.
fn qs(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}

// ---------------------------------------------------------------- audit

/// PostgreSQL: locks the chain head first in every audited write, so audited writes are
/// serialised (as SQLite's `BEGIN IMMEDIATE` does) and lock order is always head → rows.
pub(crate) fn lock_head<C: RegConn>(c: &mut C) -> TxResult<()> {
    match c.kind() {
        #[cfg(feature = "sqlite")]
        Kind::Sqlite => Ok(()),
        #[cfg(feature = "postgres")]
        Kind::Postgres => {
            let _: Vec<HeadRow> = c.load(
                "SELECT last_seq, last_hash FROM registry_chain_head WHERE id = 1 FOR UPDATE",
                &[],
            )?;
            Ok(())
        }
    }
}

pub(crate) fn append_event<C: RegConn>(
    c: &mut C,
    now: DateTime<Utc>,
    e: NewEvent,
) -> TxResult<Event> {
    let head: Vec<HeadRow> = c.load(
        "UPDATE registry_chain_head SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq, last_hash",
        &[],
    )?;
    let head = head
        .into_iter()
        .next()
        .ok_or_else(|| TxErr::Reg(Error::backend("sql", "registry_chain_head row missing")))?;
    let before = e.before.as_ref().map(aaiti_registry::canonical_json);
    let after = e.after.as_ref().map(aaiti_registry::canonical_json);
    let at_us = to_micros(now);
    let hash = aaiti_registry::event_hash(
        &head.last_hash,
        head.last_seq,
        at_us,
        &e.actor,
        &e.action,
        &e.entity_kind,
        &e.entity_id,
        before.as_deref(),
        after.as_deref(),
        e.reason.as_deref(),
    );
    c.exec(
        "INSERT INTO registry_events (seq, at_us, actor, action, entity_kind, entity_id, before_json, after_json, reason, prev_hash, hash) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            B::I(head.last_seq),
            B::I(at_us),
            B::T(e.actor.clone()),
            B::T(e.action.clone()),
            B::T(e.entity_kind.clone()),
            B::T(e.entity_id.clone()),
            B::OT(before.clone()),
            B::OT(after.clone()),
            B::OT(e.reason.clone()),
            B::T(head.last_hash.clone()),
            B::T(hash.clone()),
        ],
    )?;
    c.exec(
        "UPDATE registry_chain_head SET last_hash = ? WHERE id = 1",
        &[B::T(hash.clone())],
    )?;
    Ok(Event {
        seq: head.last_seq,
        at: now,
        actor: e.actor,
        action: e.action,
        entity_kind: e.entity_kind,
        entity_id: e.entity_id,
        before,
        after,
        reason: e.reason,
        prev_hash: head.last_hash,
        hash,
    })
}

fn event_from(r: EventRow) -> TxResult<Event> {
    Ok(Event {
        seq: r.seq,
        at: ts(r.at_us)?,
        actor: r.actor,
        action: r.action,
        entity_kind: r.entity_kind,
        entity_id: r.entity_id,
        before: r.before_json,
        after: r.after_json,
        reason: r.reason,
        prev_hash: r.prev_hash,
        hash: r.hash,
    })
}

const EVENT_COLS: &str = "seq, at_us, actor, action, entity_kind, entity_id, before_json, after_json, reason, prev_hash, hash";

pub(crate) fn events<C: RegConn>(c: &mut C, q: &EventQuery) -> TxResult<Vec<Event>> {
    let mut sql = format!("SELECT {EVENT_COLS} FROM registry_events WHERE seq > ?");
    let mut binds = vec![B::I(q.after_seq.unwrap_or(0))];
    if let Some(id) = &q.entity_id {
        sql.push_str(" AND entity_id = ?");
        binds.push(B::T(id.clone()));
    }
    sql.push_str(" ORDER BY seq LIMIT ?");
    binds.push(B::I(
        i64::try_from(q.limit.unwrap_or(1000)).unwrap_or(i64::MAX),
    ));
    let rows: Vec<EventRow> = c.load(&sql, &binds)?;
    rows.into_iter().map(event_from).collect()
}

pub(crate) fn verify_chain<C: RegConn>(c: &mut C) -> TxResult<ChainReport> {
    let mut v = ChainVerifier::default();
    let mut after = 0_i64;
    loop {
        let rows: Vec<EventRow> = c.load(
            &format!(
                "SELECT {EVENT_COLS} FROM registry_events WHERE seq > ? ORDER BY seq LIMIT 10000"
            ),
            &[B::I(after)],
        )?;
        if rows.is_empty() {
            break;
        }
        for r in rows {
            after = r.seq;
            v.check(&event_from(r)?)?;
        }
    }
    let head: Vec<HeadRow> = c.load(
        "SELECT last_seq, last_hash FROM registry_chain_head WHERE id = 1",
        &[],
    )?;
    let head = head
        .into_iter()
        .next()
        .ok_or_else(|| TxErr::Reg(Error::integrity("registry_chain_head", "row missing")))?;
    if head.last_seq != v.count() || head.last_hash != v.head() {
        return Err(TxErr::Reg(Error::integrity(
            "registry_chain_head",
            format!(
                "head says seq {} hash {}, events end at seq {} hash {} (events deleted or appended outside the registry)",
                head.last_seq,
                head.last_hash,
                v.count(),
                v.head()
            ),
        )));
    }
    Ok(ChainReport {
        events: v.count(),
        head: v.head().to_owned(),
    })
}

// ---------------------------------------------------------------- models

const MODEL_COLS: &str = "m.id, m.name, m.version, m.version_seq, m.model_type, m.framework, m.status, m.description, \
    m.hyperparameters, m.feature_spec, m.label_spec, m.data_fingerprint, m.train_start_us, m.train_end_us, \
    m.validation_start_us, m.validation_end_us, m.test_start_us, m.test_end_us, m.artifact_root, \
    m.artifact_checksum, m.parent_id, m.generation, m.created_by, m.created_at_us, m.updated_at_us, \
    m.trained_at_us, m.deployed_at_us, m.archived_at_us, m.deployment, m.drift_detected, \
    m.drift_detected_at_us, m.drift_metrics, m.auto_retrain_enabled, m.seed, m.code_version, m.row_version";

fn model_from(
    r: ModelRow,
    tags: BTreeMap<String, String>,
    metrics: BTreeMap<Split, BTreeMap<String, f64>>,
) -> TxResult<Model> {
    Ok(Model {
        id: parse_uuid(&r.id)?,
        name: r.name,
        version: aaiti_registry::parse_version(&r.version)?,
        version_seq: r.version_seq,
        model_type: r.model_type,
        framework: r.framework,
        status: ModelStatus::parse(&r.status)?,
        description: r.description,
        tags,
        hyperparameters: json(&r.hyperparameters)?,
        feature_spec: json(&r.feature_spec)?,
        label_spec: json(&r.label_spec)?,
        data_fingerprint: r.data_fingerprint,
        train_window: window(r.train_start_us, r.train_end_us)?,
        validation_window: window(r.validation_start_us, r.validation_end_us)?,
        test_window: window(r.test_start_us, r.test_end_us)?,
        metrics,
        artifact_root: r.artifact_root,
        artifact_checksum: r.artifact_checksum,
        parent_id: r.parent_id.as_deref().map(parse_uuid).transpose()?,
        generation: r.generation,
        created_by: r.created_by,
        created_at: ts(r.created_at_us)?,
        updated_at: ts(r.updated_at_us)?,
        trained_at: ots(r.trained_at_us)?,
        deployed_at: ots(r.deployed_at_us)?,
        archived_at: ots(r.archived_at_us)?,
        deployment: json(&r.deployment)?,
        drift: DriftState {
            detected: r.drift_detected,
            detected_at: ots(r.drift_detected_at_us)?,
            metrics: json(&r.drift_metrics)?,
            auto_retrain_enabled: r.auto_retrain_enabled,
        },
        seed: r.seed.map(|s| s.cast_unsigned()),
        code_version: r.code_version,
        row_version: r.row_version,
    })
}

/// Loads full models for rows already selected (tags and metrics in two set-based queries).
fn hydrate_models<C: RegConn>(c: &mut C, rows: Vec<ModelRow>) -> TxResult<Vec<Model>> {
    let mut tags: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    let mut metrics: HashMap<String, BTreeMap<Split, BTreeMap<String, f64>>> = HashMap::new();
    for chunk in rows.chunks(500) {
        let ids: Vec<B> = chunk.iter().map(|r| B::T(r.id.clone())).collect();
        let t: Vec<TagRow> = c.load(
            &format!(
                "SELECT model_id, tag_key, tag_value FROM ml_model_tags WHERE model_id IN ({})",
                qs(ids.len())
            ),
            &ids,
        )?;
        for r in t {
            tags.entry(r.model_id)
                .or_default()
                .insert(r.tag_key, r.tag_value);
        }
        let m: Vec<ModelMetricRow> = c.load(
            &format!("SELECT model_id, split, metric_key, value FROM ml_model_metrics WHERE model_id IN ({})", qs(ids.len())),
            &ids,
        )?;
        for r in m {
            metrics
                .entry(r.model_id)
                .or_default()
                .entry(Split::parse(&r.split)?)
                .or_default()
                .insert(r.metric_key, dec(r.value));
        }
    }
    rows.into_iter()
        .map(|r| {
            let t = tags.remove(&r.id).unwrap_or_default();
            let m = metrics.remove(&r.id).unwrap_or_default();
            model_from(r, t, m)
        })
        .collect()
}

fn models_where<C: RegConn>(c: &mut C, where_sql: &str, binds: &[B]) -> TxResult<Vec<Model>> {
    let rows: Vec<ModelRow> = c.load(
        &format!("SELECT {MODEL_COLS} FROM ml_models m WHERE {where_sql}"),
        binds,
    )?;
    hydrate_models(c, rows)
}

pub(crate) fn get_model<C: RegConn>(c: &mut C, id: ModelId) -> TxResult<Model> {
    models_where(c, "m.id = ?", &[B::T(id.to_string())])?
        .into_iter()
        .next()
        .ok_or_else(|| TxErr::Reg(Error::not_found("model", id)))
}

fn model_exists<C: RegConn>(c: &mut C, id: ModelId) -> TxResult<bool> {
    let r: Vec<CountRow> = c.load(
        "SELECT COUNT(*) AS n FROM ml_models WHERE id = ?",
        &[B::T(id.to_string())],
    )?;
    Ok(r.first().is_some_and(|r| r.n > 0))
}

fn require_model<C: RegConn>(c: &mut C, id: ModelId) -> TxResult<()> {
    if model_exists(c, id)? {
        Ok(())
    } else {
        Err(TxErr::Reg(Error::not_found("model", id)))
    }
}

pub(crate) fn get_model_version<C: RegConn>(
    c: &mut C,
    name: &str,
    version: &semver::Version,
) -> TxResult<Model> {
    models_where(
        c,
        "m.name = ? AND m.version = ?",
        &[B::T(name.to_owned()), B::T(version.to_string())],
    )?
    .into_iter()
    .next()
    .ok_or_else(|| TxErr::Reg(Error::not_found("model", format!("{name}@{version}"))))
}

pub(crate) fn latest_model<C: RegConn>(
    c: &mut C,
    name: &str,
    status: Option<ModelStatus>,
) -> TxResult<Model> {
    let mut binds = vec![B::T(name.to_owned())];
    let mut w = String::from("m.name = ?");
    if let Some(s) = status {
        w.push_str(" AND m.status = ?");
        binds.push(B::T(s.as_str().to_owned()));
    }
    w.push_str(" ORDER BY m.version_seq DESC LIMIT 1");
    models_where(c, &w, &binds)?
        .into_iter()
        .next()
        .ok_or_else(|| {
            TxErr::Reg(Error::not_found(
                "model",
                format!("latest of {name} (status {status:?})"),
            ))
        })
}

fn model_binds(m: &Model) -> TxResult<Vec<B>> {
    let tw = |w: &Option<TimeWindow>| {
        (
            B::OI(w.map(|w| to_micros(w.start))),
            B::OI(w.map(|w| to_micros(w.end))),
        )
    };
    let (ts_, te) = tw(&m.train_window);
    let (vs, ve) = tw(&m.validation_window);
    let (xs, xe) = tw(&m.test_window);
    let seed = match m.seed {
        Some(s) => Some(
            i64::try_from(s)
                .map_err(|_| TxErr::Reg(Error::invalid("seed", format!("{s} exceeds i64::MAX"))))?,
        ),
        None => None,
    };
    Ok(vec![
        B::T(m.name.clone()),
        B::T(m.version.to_string()),
        B::I(m.version_seq),
        B::T(m.model_type.clone()),
        B::T(m.framework.clone()),
        B::T(m.status.as_str().to_owned()),
        B::OT(m.description.clone()),
        B::T(m.hyperparameters.to_string()),
        B::T(m.feature_spec.to_string()),
        B::T(m.label_spec.to_string()),
        B::OT(m.data_fingerprint.clone()),
        ts_,
        te,
        vs,
        ve,
        xs,
        xe,
        B::OT(m.artifact_root.clone()),
        B::OT(m.artifact_checksum.clone()),
        B::OT(m.parent_id.map(|p| p.to_string())),
        B::I(m.generation),
        B::T(m.created_by.clone()),
        B::I(to_micros(m.created_at)),
        B::I(to_micros(m.updated_at)),
        B::OI(m.trained_at.map(to_micros)),
        B::OI(m.deployed_at.map(to_micros)),
        B::OI(m.archived_at.map(to_micros)),
        B::T(m.deployment.to_string()),
        B::Bo(m.drift.detected),
        B::OI(m.drift.detected_at.map(to_micros)),
        B::T(m.drift.metrics.to_string()),
        B::Bo(m.drift.auto_retrain_enabled),
        B::OI(seed),
        B::OT(m.code_version.clone()),
        B::I(m.row_version),
    ])
}

const MODEL_DATA_COLS: [&str; 35] = [
    "name",
    "version",
    "version_seq",
    "model_type",
    "framework",
    "status",
    "description",
    "hyperparameters",
    "feature_spec",
    "label_spec",
    "data_fingerprint",
    "train_start_us",
    "train_end_us",
    "validation_start_us",
    "validation_end_us",
    "test_start_us",
    "test_end_us",
    "artifact_root",
    "artifact_checksum",
    "parent_id",
    "generation",
    "created_by",
    "created_at_us",
    "updated_at_us",
    "trained_at_us",
    "deployed_at_us",
    "archived_at_us",
    "deployment",
    "drift_detected",
    "drift_detected_at_us",
    "drift_metrics",
    "auto_retrain_enabled",
    "seed",
    "code_version",
    "row_version",
];

fn write_tags_metrics<C: RegConn>(c: &mut C, m: &Model) -> TxResult<()> {
    let id = m.id.to_string();
    c.exec(
        "DELETE FROM ml_model_tags WHERE model_id = ?",
        &[B::T(id.clone())],
    )?;
    c.exec(
        "DELETE FROM ml_model_metrics WHERE model_id = ?",
        &[B::T(id.clone())],
    )?;
    for (k, v) in &m.tags {
        c.exec(
            "INSERT INTO ml_model_tags (model_id, tag_key, tag_value) VALUES (?, ?, ?)",
            &[B::T(id.clone()), B::T(k.clone()), B::T(v.clone())],
        )?;
    }
    for (split, ms) in &m.metrics {
        for (k, v) in ms {
            c.exec(
                "INSERT INTO ml_model_metrics (model_id, split, metric_key, value) VALUES (?, ?, ?, ?)",
                &[B::T(id.clone()), B::T(split.as_str().to_owned()), B::T(k.clone()), B::F(enc(*v))],
            )?;
        }
    }
    Ok(())
}

fn insert_model<C: RegConn>(c: &mut C, m: &Model) -> TxResult<()> {
    let mut binds = vec![B::T(m.id.to_string())];
    binds.extend(model_binds(m)?);
    c.exec(
        &format!(
            "INSERT INTO ml_models (id, {}) VALUES ({})",
            MODEL_DATA_COLS.join(", "),
            qs(binds.len())
        ),
        &binds,
    )?;
    write_tags_metrics(c, m)
}

/// Saves a modified model if its stored row_version is `expected`.
fn save_model<C: RegConn>(c: &mut C, m: &Model, expected: i64) -> TxResult<()> {
    let sets: Vec<String> = MODEL_DATA_COLS
        .iter()
        .map(|col| format!("{col} = ?"))
        .collect();
    let mut binds = model_binds(m)?;
    binds.push(B::T(m.id.to_string()));
    binds.push(B::I(expected));
    let n = c.exec(
        &format!(
            "UPDATE ml_models SET {} WHERE id = ? AND row_version = ?",
            sets.join(", ")
        ),
        &binds,
    )?;
    if n != 1 {
        return Err(TxErr::Reg(Error::conflict(
            "model",
            m.id,
            "row changed concurrently",
        )));
    }
    write_tags_metrics(c, m)
}

fn model_event(
    actor: String,
    action: &str,
    before: Option<&Model>,
    after: &Model,
    reason: Option<String>,
) -> NewEvent {
    NewEvent {
        actor,
        action: action.into(),
        entity_kind: "model".into(),
        entity_id: after.id.to_string(),
        before: before.map(aaiti_registry::model_snapshot),
        after: Some(aaiti_registry::model_snapshot(after)),
        reason,
    }
}

pub(crate) fn register<C: RegConn>(
    c: &mut C,
    m: &NewModel,
    id: ModelId,
    reason: Option<&String>,
    now: DateTime<Utc>,
) -> TxResult<Model> {
    lock_head(c)?;
    let parent_gen = match m.parent_id {
        Some(p) => {
            let r: Vec<IdRow> = c.load(
                "SELECT generation AS id FROM ml_models WHERE id = ?",
                &[B::T(p.to_string())],
            )?;
            Some(
                r.first()
                    .ok_or_else(|| TxErr::Reg(Error::not_found("model", p)))?
                    .id,
            )
        }
        None => None,
    };
    if model_exists(c, id)? {
        return Err(TxErr::Reg(Error::already_exists("model", id)));
    }
    let seq: Vec<IdRow> = c.load(
        "INSERT INTO ml_model_names (name, last_seq) VALUES (?, 1) \
         ON CONFLICT (name) DO UPDATE SET last_seq = ml_model_names.last_seq + 1 RETURNING last_seq AS id",
        &[B::T(m.name.clone())],
    )?;
    let seq = seq
        .first()
        .map(|r| r.id)
        .ok_or_else(|| TxErr::Reg(Error::backend("sql", "version counter returned nothing")))?;
    let existing: Vec<TextRow> = c.load(
        "SELECT version AS v FROM ml_models WHERE name = ?",
        &[B::T(m.name.clone())],
    )?;
    let existing: Vec<semver::Version> = existing
        .iter()
        .map(|r| aaiti_registry::parse_version(&r.v))
        .collect::<Result<_, _>>()?;
    let version = aaiti_registry::next_version(existing.iter(), m.version.clone());
    if existing.contains(&version) {
        return Err(TxErr::Reg(Error::already_exists(
            "model",
            format!("{}@{}", m.name, version),
        )));
    }
    let model = aaiti_registry::materialize_model(m.clone(), id, version, seq, parent_gen, now);
    insert_model(c, &model)?;
    if let Some(p) = model.parent_id {
        c.exec(
            "INSERT INTO ml_model_lineage (parent_id, child_id, kind, created_at_us) VALUES (?, ?, ?, ?)",
            &[B::T(p.to_string()), B::T(id.to_string()), B::T(EdgeKind::ParentChild.as_str().into()), B::I(to_micros(now))],
        )?;
    }
    append_event(
        c,
        now,
        model_event(
            model.created_by.clone(),
            "model.register",
            None,
            &model,
            reason.cloned(),
        ),
    )?;
    Ok(model)
}

fn check_row_version(m: &Model, expected: Option<i64>) -> TxResult<()> {
    if let Some(exp) = expected
        && exp != m.row_version
    {
        return Err(TxErr::Reg(Error::conflict(
            "model",
            m.id,
            format!("expected row_version {exp}, found {}", m.row_version),
        )));
    }
    Ok(())
}

pub(crate) fn update<C: RegConn>(
    c: &mut C,
    id: ModelId,
    patch: &aaiti_registry::ModelPatch,
    opts: &aaiti_registry::WriteOptions,
    now: DateTime<Utc>,
) -> TxResult<Model> {
    lock_head(c)?;
    let m = get_model(c, id)?;
    check_row_version(&m, opts.expected_row_version)?;
    let updated = aaiti_registry::apply_patch(m.clone(), patch.clone(), now);
    save_model(c, &updated, m.row_version)?;
    let actor = opts
        .actor
        .clone()
        .unwrap_or_else(|| updated.created_by.clone());
    append_event(
        c,
        now,
        model_event(
            actor,
            "model.update",
            Some(&m),
            &updated,
            opts.reason.clone(),
        ),
    )?;
    Ok(updated)
}

pub(crate) fn transition<C: RegConn>(
    c: &mut C,
    id: ModelId,
    to: ModelStatus,
    opts: &aaiti_registry::WriteOptions,
    now: DateTime<Utc>,
) -> TxResult<Model> {
    lock_head(c)?;
    let m = get_model(c, id)?;
    check_row_version(&m, opts.expected_row_version)?;
    let updated = aaiti_registry::apply_transition(m.clone(), to, now)?;
    save_model(c, &updated, m.row_version)?;
    let actor = opts
        .actor
        .clone()
        .unwrap_or_else(|| updated.created_by.clone());
    append_event(
        c,
        now,
        model_event(
            actor,
            "model.transition",
            Some(&m),
            &updated,
            opts.reason.clone(),
        ),
    )?;
    Ok(updated)
}

// ---------------------------------------------------------------- query compiler

fn value_bind(v: &Value) -> B {
    match v {
        Value::Text(s) => B::T(s.clone()),
        Value::Int(i) => B::I(*i),
        Value::Float(f) => B::F(Some(*f)),
        Value::Time(t) => B::I(to_micros(*t)),
    }
}

/// Compiles a validated filter to SQL over alias `m` (models) or `r` (runs).
fn compile(f: &Filter, target: Target, sql: &mut String, binds: &mut Vec<B>) -> TxResult<()> {
    match f {
        Filter::And(v) | Filter::Or(v) if v.is_empty() => {
            sql.push_str(if matches!(f, Filter::And(_)) {
                "(1=1)"
            } else {
                "(1=0)"
            });
        }
        Filter::And(v) | Filter::Or(v) => {
            let op = if matches!(f, Filter::And(_)) {
                " AND "
            } else {
                " OR "
            };
            sql.push('(');
            for (i, x) in v.iter().enumerate() {
                if i > 0 {
                    sql.push_str(op);
                }
                compile(x, target, sql, binds)?;
            }
            sql.push(')');
        }
        Filter::Not(x) => {
            sql.push_str("(NOT ");
            compile(x, target, sql, binds)?;
            sql.push(')');
        }
        Filter::Cmp(field, op, v) => predicate(field, target, sql, binds, &|sql, binds, col| {
            sql.push_str(&format!("{col} {} ?", op_sql(*op)));
            binds.push(value_bind(v));
        })?,
        Filter::In(field, vs) => {
            if vs.is_empty() {
                sql.push_str("(1=0)");
            } else {
                predicate(field, target, sql, binds, &|sql, binds, col| {
                    sql.push_str(&format!("{col} IN ({})", qs(vs.len())));
                    binds.extend(vs.iter().map(value_bind));
                })?;
            }
        }
        Filter::Exists(field) => predicate(field, target, sql, binds, &|sql, _b, col| {
            sql.push_str(&format!("{col} IS NOT NULL"));
        })?,
    }
    Ok(())
}

fn op_sql(op: Op) -> &'static str {
    op.sql()
}

type Emit<'a> = dyn Fn(&mut String, &mut Vec<B>, &str) + 'a;

/// Emits the predicate for one field; `emit` writes `<col> <test>` for the value column. Every
/// predicate is two-valued (never NULL), so NOT behaves as in the in-memory backend.
fn predicate(
    field: &Field,
    target: Target,
    sql: &mut String,
    binds: &mut Vec<B>,
    emit: &Emit<'_>,
) -> TxResult<()> {
    let (alias, created) = match target {
        Target::Models => ("m", "m.created_at_us"),
        Target::Runs => ("r", "r.started_at_us"),
    };
    let simple = |col: &str, sql: &mut String, binds: &mut Vec<B>| {
        sql.push_str(&format!("({col} IS NOT NULL AND "));
        emit(sql, binds, col);
        sql.push(')');
    };
    match field {
        Field::Name => simple(&format!("{alias}.name"), sql, binds),
        Field::Status => simple(&format!("{alias}.status"), sql, binds),
        Field::CreatedBy => simple(&format!("{alias}.created_by"), sql, binds),
        Field::CreatedAt => simple(created, sql, binds),
        Field::Version => simple("m.version", sql, binds),
        Field::VersionSeq => simple("m.version_seq", sql, binds),
        Field::ModelType => simple("m.model_type", sql, binds),
        Field::Framework => simple("m.framework", sql, binds),
        Field::Generation => simple("m.generation", sql, binds),
        Field::DataFingerprint => simple("m.data_fingerprint", sql, binds),
        Field::Tag(k) => {
            sql.push_str("EXISTS (SELECT 1 FROM ml_model_tags ft WHERE ft.model_id = m.id AND ft.tag_key = ? AND ");
            binds.push(B::T(k.clone()));
            emit(sql, binds, "ft.tag_value");
            sql.push(')');
        }
        Field::Metric(split, k) => {
            sql.push_str("EXISTS (SELECT 1 FROM ml_model_metrics fm WHERE fm.model_id = m.id AND fm.split = ? AND fm.metric_key = ? AND fm.value IS NOT NULL AND ");
            binds.push(B::T(split.as_str().to_owned()));
            binds.push(B::T(k.clone()));
            emit(sql, binds, "fm.value");
            sql.push(')');
        }
        Field::Param(k) => {
            sql.push_str("EXISTS (SELECT 1 FROM run_params fp WHERE fp.run_id = r.id AND fp.param_key = ? AND ");
            binds.push(B::T(k.clone()));
            emit(sql, binds, "fp.param_value");
            sql.push(')');
        }
        Field::RunMetric(k, agg) => {
            let col = format!("fs.{}_value", agg.as_str());
            sql.push_str(&format!(
                "EXISTS (SELECT 1 FROM run_metric_summary fs JOIN metric_keys fk ON fk.id = fs.key_id WHERE fs.run_id = r.id AND fk.metric_key = ? AND {col} IS NOT NULL AND "
            ));
            binds.push(B::T(k.clone()));
            emit(sql, binds, &col);
            sql.push(')');
        }
    }
    Ok(())
}

/// The sort column, an optional join that provides it, and its type.
fn sort_spec(field: &Field, target: Target) -> TxResult<(String, String, Vec<B>)> {
    Ok(match (field, target) {
        (Field::CreatedAt, Target::Models) => ("m.created_at_us".into(), String::new(), vec![]),
        (Field::CreatedAt, Target::Runs) => ("r.started_at_us".into(), String::new(), vec![]),
        (Field::Name, Target::Models) => ("m.name".into(), String::new(), vec![]),
        (Field::Name, Target::Runs) => ("r.name".into(), String::new(), vec![]),
        (Field::VersionSeq, Target::Models) => ("m.version_seq".into(), String::new(), vec![]),
        (Field::Generation, Target::Models) => ("m.generation".into(), String::new(), vec![]),
        (Field::Metric(split, k), Target::Models) => (
            "sk.value".into(),
            " JOIN ml_model_metrics sk ON sk.model_id = m.id AND sk.split = ? AND sk.metric_key = ? AND sk.value IS NOT NULL".into(),
            vec![B::T(split.as_str().into()), B::T(k.clone())],
        ),
        (Field::RunMetric(k, agg), Target::Runs) => {
            let col = format!("sk.{}_value", agg.as_str());
            (
                col.clone(),
                format!(" JOIN run_metric_summary sk ON sk.run_id = r.id AND {col} IS NOT NULL JOIN metric_keys sk2 ON sk2.id = sk.key_id AND sk2.metric_key = ?"),
                vec![B::T(k.clone())],
            )
        }
        (f, _) => return Err(TxErr::Reg(Error::invalid("order", format!("cannot sort by {f:?}")))),
    })
}

/// Builds `SELECT <cols>, <sort> AS sort_v ... WHERE filter AND keyset ORDER BY ... LIMIT n+1`.
fn search_sql(q: &Query, target: Target, cols: &str) -> TxResult<(String, Vec<B>, usize)> {
    let limit = q.page_size()?;
    q.order.validate(target)?;
    let filter = q.filter.as_ref().map(|f| f.validate(target)).transpose()?;
    let after = q.after.as_deref().map(Cursor::decode).transpose()?;
    let (table, alias, id_col) = match target {
        Target::Models => ("ml_models", "m", "m.id"),
        Target::Runs => ("runs", "r", "r.id"),
    };
    let (sort_col, join, mut binds) = sort_spec(&q.order.field, target)?;
    let mut sql = format!("SELECT {cols} FROM {table} {alias}{join} WHERE 1=1");
    if let Some(f) = &filter {
        sql.push_str(" AND ");
        compile(f, target, &mut sql, &mut binds)?;
    }
    let (cmp, dir) = if q.order.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(c) = after {
        let v = c.value.coerce(q.order.field.value_type(target)?)?;
        let id_bind = match target {
            Target::Models => B::T(c.id.clone()),
            Target::Runs => B::I(c.id.parse().map_err(|_| {
                TxErr::Reg(Error::invalid("cursor", format!("bad run id {:?}", c.id)))
            })?),
        };
        sql.push_str(&format!(
            " AND ({sort_col} {cmp} ? OR ({sort_col} = ? AND {id_col} {cmp} ?))"
        ));
        binds.push(value_bind(&v));
        binds.push(value_bind(&v));
        binds.push(id_bind);
    }
    sql.push_str(&format!(
        " ORDER BY {sort_col} {dir}, {id_col} {dir} LIMIT ?"
    ));
    binds.push(B::I(i64::try_from(limit + 1).unwrap_or(i64::MAX)));
    Ok((sql, binds, limit))
}

fn sort_value(
    field: &Field,
    target: Target,
    get: &dyn Fn(&Field) -> Option<Value>,
) -> Option<Value> {
    let _ = target;
    get(field)
}

pub(crate) fn search_models<C: RegConn>(c: &mut C, q: &Query) -> TxResult<Page<Model>> {
    let (sql, binds, limit) = search_sql(q, Target::Models, MODEL_COLS)?;
    let rows: Vec<ModelRow> = c.load(&sql, &binds)?;
    let mut models = hydrate_models(c, rows)?;
    let more = models.len() > limit;
    models.truncate(limit);
    let next = if more {
        models.last().map(|m| {
            let v = sort_value(&q.order.field, Target::Models, &|f| model_value(m, f));
            Cursor {
                value: v.unwrap_or(Value::Int(0)),
                id: m.id.to_string(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok(Page {
        items: models,
        next,
    })
}

fn model_value(m: &Model, f: &Field) -> Option<Value> {
    match f {
        Field::CreatedAt => Some(Value::Time(m.created_at)),
        Field::Name => Some(Value::Text(m.name.clone())),
        Field::VersionSeq => Some(Value::Int(m.version_seq)),
        Field::Generation => Some(Value::Int(m.generation)),
        Field::Metric(s, k) => m
            .metrics
            .get(s)
            .and_then(|x| x.get(k))
            .map(|v| Value::Float(*v)),
        _ => None,
    }
}

fn run_value(r: &Run, f: &Field) -> Option<Value> {
    match f {
        Field::CreatedAt => Some(Value::Time(r.started_at)),
        Field::Name => Some(Value::Text(r.name.clone())),
        Field::RunMetric(k, agg) => r.metrics.get(k).map(|s| {
            Value::Float(match agg {
                aaiti_registry::Agg::Last => s.last,
                aaiti_registry::Agg::Min => s.min,
                aaiti_registry::Agg::Max => s.max,
            })
        }),
        _ => None,
    }
}

// ---------------------------------------------------------------- lineage

pub(crate) fn add_lineage<C: RegConn>(
    c: &mut C,
    parent: ModelId,
    child: ModelId,
    kind: EdgeKind,
    opts: &aaiti_registry::WriteOptions,
    now: DateTime<Utc>,
) -> TxResult<LineageEdge> {
    lock_head(c)?;
    require_model(c, parent)?;
    require_model(c, child)?;
    let existing: Vec<EdgeRow> = c.load(
        "SELECT parent_id, child_id, kind, created_at_us FROM ml_model_lineage WHERE parent_id = ? AND child_id = ? AND kind = ?",
        &[B::T(parent.to_string()), B::T(child.to_string()), B::T(kind.as_str().into())],
    )?;
    if let Some(e) = existing.into_iter().next() {
        return edge_from(e);
    }
    if parent == child {
        return Err(TxErr::Reg(Error::invalid(
            "lineage",
            format!("self-loop on {parent}"),
        )));
    }
    let down = walk(
        c,
        child,
        Direction::Descendants,
        &LineageOptions {
            max_depth: 100_000,
            kinds: vec![],
        },
    )?;
    if down.iter().any(|h| h.model_id == parent) {
        return Err(TxErr::Reg(Error::invalid(
            "lineage",
            format!("edge {parent} -> {child} would create a cycle"),
        )));
    }
    c.exec(
        "INSERT INTO ml_model_lineage (parent_id, child_id, kind, created_at_us) VALUES (?, ?, ?, ?)",
        &[B::T(parent.to_string()), B::T(child.to_string()), B::T(kind.as_str().into()), B::I(to_micros(now))],
    )?;
    append_event(
        c,
        now,
        NewEvent {
            actor: opts.actor.clone().unwrap_or_else(|| "system".into()),
            action: "lineage.add".into(),
            entity_kind: "model".into(),
            entity_id: child.to_string(),
            before: None,
            after: Some(
                serde_json::json!({"parent": parent.to_string(), "child": child.to_string(), "kind": kind.as_str()}),
            ),
            reason: opts.reason.clone(),
        },
    )?;
    Ok(LineageEdge {
        parent,
        child,
        kind,
        created_at: now,
    })
}

fn edge_from(e: EdgeRow) -> TxResult<LineageEdge> {
    Ok(LineageEdge {
        parent: parse_uuid(&e.parent_id)?,
        child: parse_uuid(&e.child_id)?,
        kind: EdgeKind::parse(&e.kind)?,
        created_at: ts(e.created_at_us)?,
    })
}

/// Recursive walk with `WITH RECURSIVE` (same SQL on SQLite and PostgreSQL).
fn walk<C: RegConn>(
    c: &mut C,
    id: ModelId,
    dir: Direction,
    opts: &LineageOptions,
) -> TxResult<Vec<LineageHop>> {
    let (from, to) = match dir {
        Direction::Ancestors => ("child_id", "parent_id"),
        Direction::Descendants => ("parent_id", "child_id"),
    };
    let kinds = if opts.kinds.is_empty() {
        String::new()
    } else {
        format!(" AND e.kind IN ({})", qs(opts.kinds.len()))
    };
    let kb = || opts.kinds.iter().map(|k| B::T(k.as_str().into()));
    let sql = format!(
        "WITH RECURSIVE walk(model_id, depth) AS ( \
            SELECT e.{to}, CAST(1 AS BIGINT) FROM ml_model_lineage e WHERE e.{from} = ?{kinds} \
            UNION \
            SELECT e.{to}, w.depth + 1 FROM ml_model_lineage e JOIN walk w ON e.{from} = w.model_id WHERE w.depth < ?{kinds} \
         ) SELECT model_id, MIN(depth) AS depth FROM walk WHERE model_id <> ? GROUP BY model_id ORDER BY depth, model_id"
    );
    let mut binds = vec![B::T(id.to_string())];
    binds.extend(kb());
    binds.push(B::I(i64::from(opts.max_depth)));
    binds.extend(kb());
    binds.push(B::T(id.to_string()));
    if opts.max_depth == 0 {
        return Ok(Vec::new());
    }
    let rows: Vec<HopRow> = c.load(&sql, &binds)?;
    let mut hops = rows
        .into_iter()
        .map(|r| {
            Ok(LineageHop {
                depth: u32::try_from(r.depth).unwrap_or(u32::MAX),
                model_id: parse_uuid(&r.model_id)?,
            })
        })
        .collect::<TxResult<Vec<_>>>()?;
    hops.sort();
    Ok(hops)
}

pub(crate) fn lineage<C: RegConn>(
    c: &mut C,
    id: ModelId,
    dir: Direction,
    opts: &LineageOptions,
) -> TxResult<Vec<LineageHop>> {
    require_model(c, id)?;
    walk(c, id, dir, opts)
}

pub(crate) fn edges<C: RegConn>(c: &mut C, id: ModelId) -> TxResult<Vec<LineageEdge>> {
    require_model(c, id)?;
    let rows: Vec<EdgeRow> = c.load(
        "SELECT parent_id, child_id, kind, created_at_us FROM ml_model_lineage WHERE parent_id = ? OR child_id = ?",
        &[B::T(id.to_string()), B::T(id.to_string())],
    )?;
    let mut v = rows
        .into_iter()
        .map(edge_from)
        .collect::<TxResult<Vec<_>>>()?;
    v.sort_by_key(|e| (e.parent, e.child, e.kind));
    Ok(v)
}

// ---------------------------------------------------------------- performance, features, summary

pub(crate) fn record_performance<C: RegConn>(
    c: &mut C,
    id: ModelId,
    recs: &[PerformanceRecord],
) -> TxResult<()> {
    require_model(c, id)?;
    for r in recs {
        let vals = [
            r.accuracy,
            r.precision,
            r.recall,
            r.f1,
            r.sharpe,
            r.sortino,
            r.max_drawdown,
            r.drift_score,
        ];
        let mut mask = 0_i64;
        for (i, v) in vals.iter().enumerate() {
            if v.is_some_and(f64::is_nan) {
                mask |= 1 << i;
            }
        }
        let mut binds = vec![B::T(id.to_string()), B::I(to_micros(r.at))];
        binds.extend(vals.iter().map(|v| B::F(v.and_then(enc))));
        binds.push(B::OT(r.alert.clone()));
        binds.push(B::I(mask));
        c.exec(
            "INSERT INTO ml_model_performance_history (model_id, at_us, accuracy, precision_, recall, f1, sharpe, sortino, max_drawdown, drift_score, alert, nan_mask) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &binds,
        )?;
    }
    Ok(())
}

fn perf_from(r: PerfRow) -> TxResult<PerformanceRecord> {
    let vals = [
        r.accuracy,
        r.precision_,
        r.recall,
        r.f1,
        r.sharpe,
        r.sortino,
        r.max_drawdown,
        r.drift_score,
    ];
    let v: Vec<Option<f64>> = vals
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if r.nan_mask & (1 << i) != 0 {
                Some(f64::NAN)
            } else {
                *v
            }
        })
        .collect();
    Ok(PerformanceRecord {
        at: ts(r.at_us)?,
        accuracy: v[0],
        precision: v[1],
        recall: v[2],
        f1: v[3],
        sharpe: v[4],
        sortino: v[5],
        max_drawdown: v[6],
        drift_score: v[7],
        alert: r.alert,
    })
}

const PERF_COLS: &str = "id, model_id, at_us, accuracy, precision_, recall, f1, sharpe, sortino, max_drawdown, drift_score, alert, nan_mask";

pub(crate) fn performance_history<C: RegConn>(
    c: &mut C,
    id: ModelId,
    o: &HistoryOptions,
) -> TxResult<Vec<PerformanceRecord>> {
    require_model(c, id)?;
    let mut sql =
        format!("SELECT {PERF_COLS} FROM ml_model_performance_history WHERE model_id = ?");
    let mut binds = vec![B::T(id.to_string())];
    if let Some(f) = o.from {
        sql.push_str(" AND at_us >= ?");
        binds.push(B::I(to_micros(f)));
    }
    if let Some(t) = o.to {
        sql.push_str(" AND at_us < ?");
        binds.push(B::I(to_micros(t)));
    }
    sql.push_str(" ORDER BY at_us, id");
    let rows: Vec<PerfRow> = c.load(&sql, &binds)?;
    let v = rows
        .into_iter()
        .map(perf_from)
        .collect::<TxResult<Vec<_>>>()?;
    Ok(aaiti_registry::downsample(v, o.max_points))
}

pub(crate) fn put_features<C: RegConn>(
    c: &mut C,
    id: ModelId,
    rows: &[FeatureImportance],
) -> TxResult<()> {
    require_model(c, id)?;
    let existing = features(c, id)?;
    for r in rows {
        if existing
            .iter()
            .any(|x| x.feature == r.feature && x.method == r.method && x.fold == r.fold)
        {
            return Err(TxErr::Reg(Error::already_exists(
                "feature importance",
                format!("{}/{}/{:?}", r.feature, r.method, r.fold),
            )));
        }
        c.exec(
            "INSERT INTO ml_model_features (model_id, feature, feature_type, method, fold, mean_value, std_value, min_value, max_value) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                B::T(id.to_string()),
                B::T(r.feature.clone()),
                B::T(r.feature_type.clone()),
                B::T(r.method.clone()),
                B::OI(r.fold),
                B::F(Some(r.mean)),
                B::F(Some(r.std)),
                B::F(Some(r.min)),
                B::F(Some(r.max)),
            ],
        )?;
    }
    Ok(())
}

pub(crate) fn features<C: RegConn>(c: &mut C, id: ModelId) -> TxResult<Vec<FeatureImportance>> {
    require_model(c, id)?;
    let rows: Vec<FeatureRow> = c.load(
        "SELECT feature, feature_type, method, fold, mean_value, std_value, min_value, max_value FROM ml_model_features WHERE model_id = ?",
        &[B::T(id.to_string())],
    )?;
    let mut v: Vec<FeatureImportance> = rows
        .into_iter()
        .map(|r| FeatureImportance {
            feature: r.feature,
            feature_type: r.feature_type,
            method: r.method,
            fold: r.fold,
            mean: r.mean_value,
            std: r.std_value,
            min: r.min_value,
            max: r.max_value,
        })
        .collect();
    v.sort_by(|a, b| (&a.feature, &a.method, a.fold).cmp(&(&b.feature, &b.method, b.fold)));
    Ok(v)
}

pub(crate) fn summaries<C: RegConn>(c: &mut C) -> TxResult<Vec<ModelSummary>> {
    let rows: Vec<SummaryViewRow> = c.load(
        "SELECT id, name, version, status, feature_count, performance_record_count, latest_performance_id FROM ml_models_summary ORDER BY name, version_seq",
        &[],
    )?;
    let perf_ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.latest_performance_id)
        .collect();
    let mut perf: HashMap<i64, PerformanceRecord> = HashMap::new();
    for chunk in perf_ids.chunks(500) {
        let binds: Vec<B> = chunk.iter().map(|i| B::I(*i)).collect();
        let ps: Vec<PerfRow> = c.load(
            &format!(
                "SELECT {PERF_COLS} FROM ml_model_performance_history WHERE id IN ({})",
                qs(binds.len())
            ),
            &binds,
        )?;
        for p in ps {
            let id = p.id;
            perf.insert(id, perf_from(p)?);
        }
    }
    rows.into_iter()
        .map(|r| {
            Ok(ModelSummary {
                id: parse_uuid(&r.id)?,
                name: r.name,
                version: r.version,
                status: ModelStatus::parse(&r.status)?,
                latest_performance: r.latest_performance_id.and_then(|i| perf.remove(&i)),
                feature_count: r.feature_count,
                performance_record_count: r.performance_record_count,
            })
        })
        .collect()
}

// ---------------------------------------------------------------- runs and metrics

/// Run columns plus `params`: the run's params as one JSON object, aggregated in the database by
/// a correlated subquery (a primary-key range read per row), so hydrating a page needs no
/// separate params query and decodes one row per run instead of one per param.
fn run_cols(kind: Kind) -> String {
    let agg = match kind {
        #[cfg(feature = "sqlite")]
        Kind::Sqlite => "json_group_object(p.param_key, p.param_value)",
        #[cfg(feature = "postgres")]
        Kind::Postgres => "json_object_agg(p.param_key, p.param_value)::text",
    };
    format!(
        "r.id, r.name, r.model_id, r.status, r.created_by, r.started_at_us, r.ended_at_us, \
         (SELECT {agg} FROM run_params p WHERE p.run_id = r.id) AS params"
    )
}

pub(crate) fn create_runs<C: RegConn>(
    c: &mut C,
    runs: &[NewRun],
    now: DateTime<Utc>,
) -> TxResult<Vec<Run>> {
    let mut checked = BTreeSet::new();
    for r in runs {
        if let Some(m) = r.model_id
            && checked.insert(m)
        {
            require_model(c, m)?;
        }
    }
    let mut out = Vec::with_capacity(runs.len());
    let mut params: Vec<B> = Vec::new();
    let flush = |c: &mut C, params: &mut Vec<B>| -> TxResult<()> {
        if !params.is_empty() {
            let n = params.len() / 3;
            let values = vec!["(?, ?, ?)"; n].join(", ");
            c.exec(
                &format!("INSERT INTO run_params (run_id, param_key, param_value) VALUES {values}"),
                params,
            )?;
            params.clear();
        }
        Ok(())
    };
    for r in runs {
        let id: Vec<IdRow> = c.load(
            "INSERT INTO runs (name, model_id, status, created_by, started_at_us) VALUES (?, ?, 'running', ?, ?) RETURNING id",
            &[B::T(r.name.clone()), B::OT(r.model_id.map(|m| m.to_string())), B::T(r.created_by.clone()), B::I(to_micros(now))],
        )?;
        let id = id
            .first()
            .map(|x| x.id)
            .ok_or_else(|| TxErr::Reg(Error::backend("sql", "INSERT RETURNING gave no id")))?;
        for (k, v) in &r.params {
            params.extend([B::I(id), B::T(k.clone()), B::T(v.clone())]);
            if params.len() >= 900 {
                flush(c, &mut params)?;
            }
        }
        out.push(Run {
            id,
            name: r.name.clone(),
            model_id: r.model_id,
            status: RunStatus::Running,
            created_by: r.created_by.clone(),
            started_at: now,
            ended_at: None,
            params: r.params.clone(),
            metrics: BTreeMap::new(),
        });
    }
    flush(c, &mut params)?;
    Ok(out)
}

fn hydrate_runs<C: RegConn>(c: &mut C, rows: Vec<RunRow>) -> TxResult<Vec<Run>> {
    let mut sums: HashMap<i64, BTreeMap<String, MetricSummary>> = HashMap::new();
    if !rows.is_empty() {
        // The page's ids travel as ONE bound JSON array (`json_each` / `jsonb_array_elements_text`)
        // rather than an `IN (?, ?, ...)` list: a 1,000-id statement costs more to parse and
        // prepare than to run.
        let ids_json = serde_json::to_string(&rows.iter().map(|r| r.id).collect::<Vec<_>>())
            .map_err(|e| TxErr::Reg(Error::backend("sql", e)))?;
        let ids_in = match c.kind() {
            #[cfg(feature = "sqlite")]
            Kind::Sqlite => "IN (SELECT value FROM json_each(?))",
            #[cfg(feature = "postgres")]
            Kind::Postgres => "IN (SELECT (jsonb_array_elements_text(CAST(? AS jsonb)))::bigint)",
        };
        let ids = [B::T(ids_json)];
        let ss: Vec<RunSummaryRow> = c.load(
            &format!(
                "SELECT s.run_id, k.metric_key, s.last_step, s.last_value, s.min_value, s.max_value, s.point_count \
                 FROM run_metric_summary s JOIN metric_keys k ON k.id = s.key_id WHERE s.run_id {ids_in}"
            ),
            &ids,
        )?;
        for s in ss {
            sums.entry(s.run_id).or_default().insert(
                s.metric_key,
                MetricSummary {
                    last: dec(s.last_value),
                    last_step: s.last_step,
                    min: dec(s.min_value),
                    max: dec(s.max_value),
                    count: s.point_count,
                },
            );
        }
    }
    rows.into_iter()
        .map(|r| {
            Ok(Run {
                id: r.id,
                name: r.name,
                model_id: r.model_id.as_deref().map(parse_uuid).transpose()?,
                status: RunStatus::parse(&r.status)?,
                created_by: r.created_by,
                started_at: ts(r.started_at_us)?,
                ended_at: ots(r.ended_at_us)?,
                params: match r.params.as_deref() {
                    None | Some("") => BTreeMap::new(),
                    Some(j) => serde_json::from_str(j).map_err(|e| {
                        TxErr::Reg(Error::backend(
                            "sql",
                            format!("params of run {} are not a JSON object: {e}", r.id),
                        ))
                    })?,
                },
                metrics: sums.remove(&r.id).unwrap_or_default(),
            })
        })
        .collect()
}

pub(crate) fn get_run<C: RegConn>(c: &mut C, id: RunId) -> TxResult<Run> {
    let rows: Vec<RunRow> = c.load(
        &format!("SELECT {} FROM runs r WHERE r.id = ?", run_cols(c.kind())),
        &[B::I(id)],
    )?;
    if rows.is_empty() {
        return Err(TxErr::Reg(Error::not_found("run", id)));
    }
    hydrate_runs(c, rows)?
        .into_iter()
        .next()
        .ok_or_else(|| TxErr::Reg(Error::not_found("run", id)))
}

fn run_status<C: RegConn>(c: &mut C, id: RunId) -> TxResult<RunStatus> {
    let r: Vec<TextRow> = c.load("SELECT status AS v FROM runs WHERE id = ?", &[B::I(id)])?;
    match r.first() {
        Some(r) => Ok(RunStatus::parse(&r.v)?),
        None => Err(TxErr::Reg(Error::not_found("run", id))),
    }
}

pub(crate) fn log_params<C: RegConn>(
    c: &mut C,
    run: RunId,
    params: &BTreeMap<String, String>,
) -> TxResult<()> {
    run_status(c, run)?;
    let existing: Vec<ParamRow> = c.load(
        "SELECT param_key, param_value FROM run_params WHERE run_id = ?",
        &[B::I(run)],
    )?;
    let existing: HashMap<String, String> = existing
        .into_iter()
        .map(|p| (p.param_key, p.param_value))
        .collect();
    for (k, v) in params {
        match existing.get(k) {
            Some(old) if old == v => {}
            Some(old) => {
                return Err(TxErr::Reg(Error::conflict(
                    "param",
                    format!("run {run} {k}"),
                    format!("already {old:?}, cannot change to {v:?}"),
                )));
            }
            None => {
                c.exec(
                    "INSERT INTO run_params (run_id, param_key, param_value) VALUES (?, ?, ?)",
                    &[B::I(run), B::T(k.clone()), B::T(v.clone())],
                )?;
            }
        }
    }
    Ok(())
}

/// Resolves metric key ids (creating missing ones); returns the ids and the newly seen mapping
/// for the caller's cache (applied only after commit).
pub(crate) fn key_ids<C: RegConn>(
    c: &mut C,
    keys: &BTreeSet<&str>,
    cache: &HashMap<String, i64>,
) -> TxResult<HashMap<String, i64>> {
    let mut out: HashMap<String, i64> = HashMap::new();
    let missing: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !cache.contains_key(*k))
        .collect();
    for k in keys {
        if let Some(id) = cache.get(*k) {
            out.insert((*k).to_owned(), *id);
        }
    }
    for chunk in missing.chunks(200) {
        let binds: Vec<B> = chunk.iter().map(|k| B::T((*k).to_owned())).collect();
        let values = vec!["(?)"; chunk.len()].join(", ");
        c.exec(&format!("INSERT INTO metric_keys (metric_key) VALUES {values} ON CONFLICT (metric_key) DO NOTHING"), &binds)?;
        let rows: Vec<KeyRow> = c.load(
            &format!(
                "SELECT id, metric_key FROM metric_keys WHERE metric_key IN ({})",
                qs(binds.len())
            ),
            &binds,
        )?;
        for r in rows {
            out.insert(r.metric_key, r.id);
        }
    }
    Ok(out)
}

pub(crate) fn log_metrics<C: RegConn>(
    c: &mut C,
    run: RunId,
    points: &[MetricPoint],
    cache: &HashMap<String, i64>,
) -> TxResult<HashMap<String, i64>> {
    // PostgreSQL: every statement is a network round trip, so a non-empty batch skips the
    // existence check; the summary upsert's foreign key to `runs` catches an unknown run below
    // (and the transaction rolls back the points).
    if points.is_empty() || !is_postgres(c) {
        run_status(c, run)?;
    }
    if points.is_empty() {
        return Ok(HashMap::new());
    }
    let keys: BTreeSet<&str> = points.iter().map(|p| p.key.as_str()).collect();
    let ids = key_ids(c, &keys, cache)?;
    let id_of = |k: &str| -> TxResult<i64> {
        ids.get(k)
            .copied()
            .ok_or_else(|| TxErr::Reg(Error::backend("sql", format!("metric key {k:?} has no id"))))
    };
    let dup = || {
        TxErr::Reg(Error::already_exists(
            "metric point",
            format!(
                "run {run}: a (key, step) of this batch was already logged; nothing from the batch was written"
            ),
        ))
    };
    match c.kind() {
        #[cfg(feature = "sqlite")]
        Kind::Sqlite => {
            let mut by_key: BTreeMap<i64, Vec<Pt>> = BTreeMap::new();
            for p in points {
                by_key.entry(id_of(&p.key)?).or_default().push((
                    p.step,
                    to_micros(p.timestamp),
                    p.value,
                ));
            }
            store_chunks(c, run, by_key, &dup)?;
        }
        #[cfg(feature = "postgres")]
        Kind::Postgres => {
            let rows = points
                .iter()
                .map(|p| {
                    Ok(PointIns {
                        run_id: run,
                        key_id: id_of(&p.key)?,
                        step: p.step,
                        ts_us: to_micros(p.timestamp),
                        value: enc(p.value),
                    })
                })
                .collect::<TxResult<Vec<_>>>()?;
            match c.insert_points(rows) {
                Ok(()) => {}
                Err(diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                )) => return Err(dup()),
                Err(e) => return Err(TxErr::Db(e)),
            }
        }
    }
    // per-key batch summaries, merged with one upsert per key
    let mut agg: BTreeMap<&str, (i64, f64, f64, f64, i64)> = BTreeMap::new();
    for p in points {
        let e = agg
            .entry(p.key.as_str())
            .or_insert((i64::MIN, f64::NAN, f64::NAN, f64::NAN, 0));
        if p.step > e.0 {
            e.0 = p.step;
            e.1 = p.value;
        }
        if !p.value.is_nan() {
            if e.2.is_nan() || p.value < e.2 {
                e.2 = p.value;
            }
            if e.3.is_nan() || p.value > e.3 {
                e.3 = p.value;
            }
        }
        e.4 += 1;
    }
    for (k, (last_step, last, min, max, count)) in agg {
        c.exec(
            "INSERT INTO run_metric_summary (run_id, key_id, last_step, last_value, min_value, max_value, point_count) VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (run_id, key_id) DO UPDATE SET \
               last_value = CASE WHEN excluded.last_step > run_metric_summary.last_step THEN excluded.last_value ELSE run_metric_summary.last_value END, \
               last_step = CASE WHEN excluded.last_step > run_metric_summary.last_step THEN excluded.last_step ELSE run_metric_summary.last_step END, \
               min_value = CASE WHEN run_metric_summary.min_value IS NULL OR excluded.min_value < run_metric_summary.min_value THEN excluded.min_value ELSE run_metric_summary.min_value END, \
               max_value = CASE WHEN run_metric_summary.max_value IS NULL OR excluded.max_value > run_metric_summary.max_value THEN excluded.max_value ELSE run_metric_summary.max_value END, \
               point_count = run_metric_summary.point_count + excluded.point_count",
            &[B::I(run), B::I(id_of(k)?), B::I(last_step), B::F(enc(last)), B::F(enc(min)), B::F(enc(max)), B::I(count)],
        )
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::ForeignKeyViolation,
                _,
            ) => TxErr::Reg(Error::not_found("run", run)),
            e => TxErr::Db(e),
        })?;
    }
    Ok(ids)
}

fn is_postgres<C: RegConn>(c: &C) -> bool {
    c.kind().name() == "postgres"
}

/// SQLite chunk mode: stores each key's points of one batch in packed chunks (see
/// [`crate::chunk`]). Appends (every step above the series' highest, the usual case) extend the
/// series' last chunk while it has room; anything else first checks the stored steps in range
/// (chunks and pre-chunk rows) and rejects a duplicate step.
#[cfg(feature = "sqlite")]
fn store_chunks<C: RegConn>(
    c: &mut C,
    run: RunId,
    by_key: BTreeMap<i64, Vec<Pt>>,
    dup: &dyn Fn() -> TxErr,
) -> TxResult<()> {
    for (kid, mut pts) in by_key {
        pts.sort_unstable_by_key(|p| p.0);
        if pts.windows(2).any(|w| w[0].0 == w[1].0) {
            return Err(dup());
        }
        let (Some(lo), Some(hi)) = (pts.first().map(|p| p.0), pts.last().map(|p| p.0)) else {
            continue;
        };
        // The summary's last_step is the series' highest step (chunks and legacy rows).
        let prev: Vec<IdRow> = c.load(
            "SELECT last_step AS id FROM run_metric_summary WHERE run_id = ? AND key_id = ?",
            &[B::I(run), B::I(kid)],
        )?;
        let appending = prev.first().is_none_or(|r| r.id < lo);
        let taken = |step: i64| pts.binary_search_by_key(&step, |p| p.0).is_ok();
        if appending {
            let tail: Vec<ChunkRow> = c.load(
                "SELECT id, n, points FROM run_metric_chunks WHERE run_id = ? AND key_id = ? ORDER BY first_step DESC LIMIT 1",
                &[B::I(run), B::I(kid)],
            )?;
            if let Some(t) = tail.first()
                && usize::try_from(t.n).unwrap_or(usize::MAX) + pts.len() <= CHUNK_MAX
            {
                let mut all = Vec::with_capacity(CHUNK_MAX);
                chunk::decode_into(&t.points, &mut all).ok_or_else(|| corrupt_chunk(run, kid))?;
                all.extend_from_slice(&pts);
                c.exec(
                    "UPDATE run_metric_chunks SET last_step = ?, n = ?, points = ? WHERE id = ?",
                    &[
                        B::I(hi),
                        B::I(all.len() as i64),
                        B::Bl(chunk::encode(&all)),
                        B::I(t.id),
                    ],
                )?;
                continue;
            }
        } else {
            let stored: Vec<ChunkRow> = c.load(
                "SELECT id, n, points FROM run_metric_chunks WHERE run_id = ? AND key_id = ? AND first_step <= ? AND last_step >= ?",
                &[B::I(run), B::I(kid), B::I(hi), B::I(lo)],
            )?;
            let mut buf = Vec::new();
            for ch in stored {
                buf.clear();
                chunk::decode_into(&ch.points, &mut buf).ok_or_else(|| corrupt_chunk(run, kid))?;
                if buf.iter().any(|p| taken(p.0)) {
                    return Err(dup());
                }
            }
            let legacy: Vec<IdRow> = c.load(
                "SELECT step AS id FROM run_metrics WHERE run_id = ? AND key_id = ? AND step >= ? AND step <= ?",
                &[B::I(run), B::I(kid), B::I(lo), B::I(hi)],
            )?;
            if legacy.iter().any(|r| taken(r.id)) {
                return Err(dup());
            }
        }
        for ch in pts.chunks(CHUNK_MAX) {
            let (first, last) = (ch[0].0, ch[ch.len() - 1].0);
            c.exec(
                "INSERT INTO run_metric_chunks (run_id, key_id, first_step, last_step, n, points) VALUES (?, ?, ?, ?, ?, ?)",
                &[
                    B::I(run),
                    B::I(kid),
                    B::I(first),
                    B::I(last),
                    B::I(ch.len() as i64),
                    B::Bl(chunk::encode(ch)),
                ],
            )?;
        }
    }
    Ok(())
}

#[cfg(feature = "sqlite")]
fn corrupt_chunk(run: RunId, kid: i64) -> TxErr {
    TxErr::Reg(Error::integrity(
        format!("metric chunk of run {run}, key id {kid}"),
        "stored bytes are not a valid packed chunk",
    ))
}

/// A series' points in step order (SQLite): packed chunks plus any pre-chunk rows.
#[cfg(feature = "sqlite")]
fn load_chunks<C: RegConn>(c: &mut C, run: RunId, kid: i64) -> TxResult<Vec<Pt>> {
    let rows: Vec<ChunkRow> = c.load(
        "SELECT id, n, points FROM run_metric_chunks WHERE run_id = ? AND key_id = ? ORDER BY first_step",
        &[B::I(run), B::I(kid)],
    )?;
    let total: i64 = rows.iter().map(|r| r.n).sum();
    let mut out = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    for r in &rows {
        chunk::decode_into(&r.points, &mut out).ok_or_else(|| corrupt_chunk(run, kid))?;
    }
    let legacy: Vec<PointRow> = c.load(
        "SELECT step, ts_us, value FROM run_metrics WHERE run_id = ? AND key_id = ?",
        &[B::I(run), B::I(kid)],
    )?;
    out.extend(legacy.into_iter().map(|r| (r.step, r.ts_us, dec(r.value))));
    if !out.windows(2).all(|w| w[0].0 < w[1].0) {
        out.sort_unstable_by_key(|p| p.0);
    }
    Ok(out)
}

pub(crate) fn metric_history<C: RegConn>(
    c: &mut C,
    run: RunId,
    key: &str,
    o: &HistoryOptions,
) -> TxResult<Vec<MetricPoint>> {
    run_status(c, run)?;
    let k: Vec<IdRow> = c.load(
        "SELECT id FROM metric_keys WHERE metric_key = ?",
        &[B::T(key.to_owned())],
    )?;
    let Some(kid) = k.first().map(|r| r.id) else {
        return Ok(Vec::new());
    };
    let (from, to) = (o.from.map(to_micros), o.to.map(to_micros));
    let in_range = |t: i64| from.is_none_or(|f| t >= f) && to.is_none_or(|e| t < e);
    let pts: Vec<Pt> = match c.kind() {
        #[cfg(feature = "sqlite")]
        Kind::Sqlite => load_chunks(c, run, kid)?,
        #[cfg(feature = "postgres")]
        Kind::Postgres => c
            .load::<PointRow>(
                "SELECT step, ts_us, value FROM run_metrics WHERE run_id = ? AND key_id = ? ORDER BY step",
                &[B::I(run), B::I(kid)],
            )?
            .into_iter()
            .map(|r| (r.step, r.ts_us, dec(r.value)))
            .collect(),
    };
    let v = pts
        .into_iter()
        .filter(|p| in_range(p.1))
        .map(|(step, t, value)| {
            Ok(MetricPoint {
                key: key.to_owned(),
                step,
                timestamp: ts(t)?,
                value,
            })
        })
        .collect::<TxResult<Vec<_>>>()?;
    Ok(aaiti_registry::downsample(v, o.max_points))
}

pub(crate) fn finish_run<C: RegConn>(
    c: &mut C,
    run: RunId,
    status: RunStatus,
    now: DateTime<Utc>,
) -> TxResult<Run> {
    let from = run_status(c, run)?;
    aaiti_registry::check_run_finish(run, from, status)?;
    c.exec(
        "UPDATE runs SET status = ?, ended_at_us = ? WHERE id = ?",
        &[
            B::T(status.as_str().into()),
            B::I(to_micros(now)),
            B::I(run),
        ],
    )?;
    get_run(c, run)
}

pub(crate) fn search_runs<C: RegConn>(c: &mut C, q: &Query) -> TxResult<Page<Run>> {
    let (sql, binds, limit) = search_sql(q, Target::Runs, &run_cols(c.kind()))?;
    let rows: Vec<RunRow> = c.load(&sql, &binds)?;
    let mut runs = hydrate_runs(c, rows)?;
    let more = runs.len() > limit;
    runs.truncate(limit);
    let next = if more {
        runs.last().map(|r| {
            let v = run_value(r, &q.order.field);
            Cursor {
                value: v.unwrap_or(Value::Int(0)),
                id: r.id.to_string(),
            }
            .encode()
        })
    } else {
        None
    };
    Ok(Page { items: runs, next })
}

// ---------------------------------------------------------------- aliases

pub(crate) fn set_alias<C: RegConn>(
    c: &mut C,
    name: &str,
    alias: &str,
    target: Option<ModelId>,
    opts: &aaiti_registry::AliasOptions,
    now: DateTime<Utc>,
) -> TxResult<AliasChange> {
    lock_head(c)?;
    if let Some(t) = target {
        let r: Vec<TextRow> = c.load(
            "SELECT name AS v FROM ml_models WHERE id = ?",
            &[B::T(t.to_string())],
        )?;
        let n = r
            .first()
            .ok_or_else(|| TxErr::Reg(Error::not_found("model", t)))?;
        if n.v != name {
            return Err(TxErr::Reg(Error::invalid(
                "alias target",
                format!("model {t} is named {:?}, not {name:?}", n.v),
            )));
        }
    }
    let cur: Vec<AliasRow> = c.load(
        "SELECT alias, model_id FROM model_aliases WHERE model_name = ? AND alias = ?",
        &[B::T(name.into()), B::T(alias.into())],
    )?;
    let previous = cur.first().map(|r| parse_uuid(&r.model_id)).transpose()?;
    if let Some(exp) = opts.expected_current
        && exp != previous
    {
        return Err(TxErr::Reg(Error::conflict(
            "alias",
            format!("{name}@{alias}"),
            format!("expected {exp:?}, found {previous:?}"),
        )));
    }
    c.exec(
        "DELETE FROM model_aliases WHERE model_name = ? AND alias = ?",
        &[B::T(name.into()), B::T(alias.into())],
    )?;
    if let Some(t) = target {
        c.exec(
            "INSERT INTO model_aliases (model_name, alias, model_id) VALUES (?, ?, ?)",
            &[B::T(name.into()), B::T(alias.into()), B::T(t.to_string())],
        )?;
    }
    let actor = opts.actor.clone().unwrap_or_else(|| "system".into());
    c.exec(
        "INSERT INTO model_alias_history (model_name, alias, model_id, previous_id, at_us, actor, reason) VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            B::T(name.into()),
            B::T(alias.into()),
            B::OT(target.map(|t| t.to_string())),
            B::OT(previous.map(|t| t.to_string())),
            B::I(to_micros(now)),
            B::T(actor.clone()),
            B::OT(opts.reason.clone()),
        ],
    )?;
    append_event(
        c,
        now,
        NewEvent {
            actor: actor.clone(),
            action: "alias.set".into(),
            entity_kind: "alias".into(),
            entity_id: format!("{name}@{alias}"),
            before: Some(serde_json::json!({"model_id": previous.map(|p| p.to_string())})),
            after: Some(serde_json::json!({"model_id": target.map(|p| p.to_string())})),
            reason: opts.reason.clone(),
        },
    )?;
    Ok(AliasChange {
        name: name.into(),
        alias: alias.into(),
        model_id: target,
        previous,
        at: now,
        actor,
        reason: opts.reason.clone(),
    })
}

pub(crate) fn resolve_alias<C: RegConn>(
    c: &mut C,
    name: &str,
    alias: &str,
    at: Option<DateTime<Utc>>,
) -> TxResult<Model> {
    let target: Option<String> = match at {
        None => {
            let r: Vec<AliasRow> = c.load(
                "SELECT alias, model_id FROM model_aliases WHERE model_name = ? AND alias = ?",
                &[B::T(name.into()), B::T(alias.into())],
            )?;
            r.into_iter().next().map(|r| r.model_id)
        }
        Some(t) => {
            // "which version was <alias> at time T": one indexed query over the history.
            let r: Vec<AliasHistRow> = c.load(
                "SELECT model_name, alias, model_id, previous_id, at_us, actor, reason FROM model_alias_history \
                 WHERE model_name = ? AND alias = ? AND at_us <= ? ORDER BY at_us DESC, id DESC LIMIT 1",
                &[B::T(name.into()), B::T(alias.into()), B::I(to_micros(t))],
            )?;
            r.into_iter().next().and_then(|r| r.model_id)
        }
    };
    let id =
        target.ok_or_else(|| TxErr::Reg(Error::not_found("alias", format!("{name}@{alias}"))))?;
    get_model(c, parse_uuid(&id)?)
}

pub(crate) fn alias_history<C: RegConn>(
    c: &mut C,
    name: &str,
    alias: &str,
) -> TxResult<Vec<AliasChange>> {
    let rows: Vec<AliasHistRow> = c.load(
        "SELECT model_name, alias, model_id, previous_id, at_us, actor, reason FROM model_alias_history \
         WHERE model_name = ? AND alias = ? ORDER BY at_us, id",
        &[B::T(name.into()), B::T(alias.into())],
    )?;
    rows.into_iter()
        .map(|r| {
            Ok(AliasChange {
                name: r.model_name,
                alias: r.alias,
                model_id: r.model_id.as_deref().map(parse_uuid).transpose()?,
                previous: r.previous_id.as_deref().map(parse_uuid).transpose()?,
                at: ts(r.at_us)?,
                actor: r.actor,
                reason: r.reason,
            })
        })
        .collect()
}

pub(crate) fn aliases<C: RegConn>(c: &mut C, name: &str) -> TxResult<BTreeMap<String, ModelId>> {
    let rows: Vec<AliasRow> = c.load(
        "SELECT alias, model_id FROM model_aliases WHERE model_name = ?",
        &[B::T(name.into())],
    )?;
    rows.into_iter()
        .map(|r| Ok((r.alias, parse_uuid(&r.model_id)?)))
        .collect()
}

// ---------------------------------------------------------------- artifacts

const ART_COLS: &str = "id, model_id, kind, name, storage, uri, sha256, size_bytes, stored_size_bytes, compression, created_at_us, access_count, last_access_at_us";

fn artifact_from(r: ArtifactRow) -> TxResult<ArtifactRecord> {
    Ok(ArtifactRecord {
        id: parse_uuid(&r.id)?,
        meta: NewArtifact {
            model_id: parse_uuid(&r.model_id)?,
            kind: ArtifactKind::parse(&r.kind)?,
            name: r.name,
            storage: r.storage,
            uri: r.uri,
            sha256: r.sha256,
            size: r.size_bytes,
            stored_size: r.stored_size_bytes,
            compression: Compression::parse(&r.compression)?,
        },
        created_at: ts(r.created_at_us)?,
        access_count: r.access_count,
        last_access_at: ots(r.last_access_at_us)?,
    })
}

pub(crate) fn record_artifact<C: RegConn>(
    c: &mut C,
    a: &NewArtifact,
    id: Uuid,
    opts: &aaiti_registry::WriteOptions,
    now: DateTime<Utc>,
) -> TxResult<ArtifactRecord> {
    lock_head(c)?;
    require_model(c, a.model_id)?;
    let dup: Vec<CountRow> = c.load(
        "SELECT COUNT(*) AS n FROM ml_model_artifacts WHERE model_id = ? AND kind = ? AND name = ?",
        &[
            B::T(a.model_id.to_string()),
            B::T(a.kind.as_str().into()),
            B::T(a.name.clone()),
        ],
    )?;
    if dup.first().is_some_and(|r| r.n > 0) {
        return Err(TxErr::Reg(Error::already_exists(
            "artifact",
            format!("{}/{}/{}", a.model_id, a.kind.as_str(), a.name),
        )));
    }
    c.exec(
        &format!(
            "INSERT INTO ml_model_artifacts ({ART_COLS}) VALUES ({})",
            qs(13)
        ),
        &[
            B::T(id.to_string()),
            B::T(a.model_id.to_string()),
            B::T(a.kind.as_str().into()),
            B::T(a.name.clone()),
            B::T(a.storage.clone()),
            B::T(a.uri.clone()),
            B::T(a.sha256.clone()),
            B::I(a.size),
            B::I(a.stored_size),
            B::T(a.compression.as_str().into()),
            B::I(to_micros(now)),
            B::I(0),
            B::OI(None),
        ],
    )?;
    let rec = ArtifactRecord {
        id,
        meta: a.clone(),
        created_at: now,
        access_count: 0,
        last_access_at: None,
    };
    append_event(
        c,
        now,
        NewEvent {
            actor: opts.actor.clone().unwrap_or_else(|| "system".into()),
            action: "artifact.record".into(),
            entity_kind: "model".into(),
            entity_id: a.model_id.to_string(),
            before: None,
            after: Some(aaiti_registry::artifact_snapshot(&rec)),
            reason: opts.reason.clone(),
        },
    )?;
    Ok(rec)
}

fn sort_artifacts(v: &mut [ArtifactRecord]) {
    v.sort_by(|a, b| {
        (a.meta.model_id, a.meta.kind, &a.meta.name).cmp(&(
            b.meta.model_id,
            b.meta.kind,
            &b.meta.name,
        ))
    });
}

pub(crate) fn artifacts<C: RegConn>(
    c: &mut C,
    model: Option<ModelId>,
) -> TxResult<Vec<ArtifactRecord>> {
    let rows: Vec<ArtifactRow> = match model {
        Some(m) => {
            require_model(c, m)?;
            c.load(
                &format!("SELECT {ART_COLS} FROM ml_model_artifacts WHERE model_id = ?"),
                &[B::T(m.to_string())],
            )?
        }
        None => c.load(&format!("SELECT {ART_COLS} FROM ml_model_artifacts"), &[])?,
    };
    let mut v = rows
        .into_iter()
        .map(artifact_from)
        .collect::<TxResult<Vec<_>>>()?;
    sort_artifacts(&mut v);
    Ok(v)
}

pub(crate) fn touch_artifact<C: RegConn>(
    c: &mut C,
    id: Uuid,
    now: DateTime<Utc>,
) -> TxResult<ArtifactRecord> {
    let n = c.exec(
        "UPDATE ml_model_artifacts SET access_count = access_count + 1, last_access_at_us = ? WHERE id = ?",
        &[B::I(to_micros(now)), B::T(id.to_string())],
    )?;
    if n == 0 {
        return Err(TxErr::Reg(Error::not_found("artifact", id)));
    }
    let rows: Vec<ArtifactRow> = c.load(
        &format!("SELECT {ART_COLS} FROM ml_model_artifacts WHERE id = ?"),
        &[B::T(id.to_string())],
    )?;
    rows.into_iter()
        .next()
        .map(artifact_from)
        .ok_or_else(|| TxErr::Reg(Error::not_found("artifact", id)))?
}
