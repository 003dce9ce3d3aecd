//! # aaiti-registry
//!
//! The model registry of aaiti: registered model versions with a checked lifecycle
//! (`draft → training → active → archived`), typed lineage, performance history, feature
//! importances, runs with params and metric time series, aliases **with full history**, artifact
//! metadata with SHA-256 checksums, and an append-only **hash-chained audit log**.
//!
//! Design (after `object_store`): one object-safe trait, [`ModelRegistry`], used as
//! `Arc<dyn ModelRegistry>`; options structs ([`WriteOptions`], [`AliasOptions`], ...) so methods
//! can grow without breaking callers; semantic errors ([`Error::NotFound`],
//! [`Error::AlreadyExists`], [`Error::Conflict`], [`Error::InvalidTransition`],
//! [`Error::Integrity`], [`Error::Backend`]). Backends:
//! - [`InMemoryRegistry`] (here; the reference semantics),
//! - SQLite and PostgreSQL in `aaiti-registry-diesel`.
//!
//! Every backend must pass the [`conformance`] suite (feature `conformance`). Timestamps come from
//! an injected [`aaiti_core::clock::Clock`] and are stored with microsecond precision.
//!
//! Artifact bytes go through [`ArtifactStore`] (the `object_store` crate: local disk, memory,
//! S3/GCS/Azure) and are tied to the metadata by the [`Registry`] facade.
//!
//! ## Example: what a training pipeline does
//! ```
//! use std::sync::Arc;
//! use aaiti_core::clock::FixedClock;
//! use aaiti_registry::*;
//!
//! let clock = Arc::new(FixedClock(chrono::DateTime::UNIX_EPOCH));
//! let meta = Arc::new(InMemoryRegistry::new(clock));
//! let registry = Registry::new(meta, ArtifactStore::in_memory()?);
//!
//! let mut new = NewModel::new("btc-lstm", "lstm", "tch", "alice");
//! new.hyperparameters = serde_json::json!({"hidden": 64});
//! let model = registry.register_model(new, RegisterOptions::default())?;
//! registry.transition(model.id, ModelStatus::Training, WriteOptions::default())?;
//!
//! let run = registry.create_runs(vec![NewRun {
//!     name: "fold-0".into(), model_id: Some(model.id), created_by: "alice".into(), ..Default::default()
//! }])?.remove(0);
//! let points: Vec<MetricPoint> = (0..10).map(|step| MetricPoint {
//!     key: "loss".into(), step, timestamp: chrono::DateTime::UNIX_EPOCH, value: 1.0 / (1.0 + step as f64),
//! }).collect();
//! registry.log_metrics(run.id, &points)?;
//!
//! registry.put_artifact(model.id, ArtifactKind::Weights, b"weights...", PutArtifactOptions::default())?;
//! registry.transition(model.id, ModelStatus::Active, WriteOptions::default())?;
//! registry.set_alias("btc-lstm", "champion", Some(model.id), AliasOptions::default())?;
//!
//! assert_eq!(registry.resolve_alias("btc-lstm", "champion", None)?.id, model.id);
//! assert_eq!(registry.get_artifact(model.id, ArtifactKind::Weights, None)?, b"weights...");
//! registry.verify_chain()?;
//! # Ok::<(), aaiti_registry::Error>(())
//! ```
//!
//! ## Feature flags
//! - `conformance`: exposes [`conformance`], the test suite every backend must pass.
//! - `aws`, `gcp`, `azure`: artifact stores on S3, GCS and Azure through [`ArtifactStore::from_url`]
//!   (off by default; local disk and memory are always available).

mod artifact;
mod audit;
mod error;
mod memory;
mod query;
mod registry;
mod types;
mod validate;

#[cfg(feature = "conformance")]
pub mod conformance;

pub use crate::artifact::{
    ArtifactStore, PutArtifactOptions, Registry, StoredBlob, VerifyReport, artifact_snapshot,
    sha256_hex, validate_key,
};
pub use crate::audit::{ChainVerifier, GENESIS_HASH, canonical_json, event_hash, rehash};
pub use crate::error::{Error, Result};
pub use crate::memory::check_event_public as validate_event;
pub use crate::memory::{InMemoryRegistry, model_snapshot};
pub use crate::query::{
    Agg, Cursor, Field, Filter, Op, Order, Query, Target, Value, ValueType, compare,
};
pub use crate::registry::{DynModelRegistry, ModelRegistry};
pub use crate::types::{
    AliasChange, AliasOptions, ArtifactKind, ArtifactRecord, ChainReport, Compression, Direction,
    DriftState, EdgeKind, Event, EventQuery, FeatureImportance, HistoryOptions, LineageEdge,
    LineageHop, LineageOptions, MetricPoint, MetricSummary, Model, ModelId, ModelPatch,
    ModelStatus, ModelSummary, NewArtifact, NewEvent, NewModel, NewRun, Page, PerformanceRecord,
    RegisterOptions, Run, RunId, RunStatus, Split, TimeWindow, WriteOptions, apply_patch,
    apply_transition, check_run_finish, from_micros, materialize_model, normalize_model,
    parse_version, to_micros, truncate_micros, validate_patch,
};
pub use crate::validate::{
    downsample, importances as validate_importances, metric_batch as validate_metric_batch,
    name as validate_name, new_model as validate_new_model, new_run as validate_new_run,
    params as validate_params,
};

/// Next version for a name: explicit, or next patch after the highest existing (`0.1.0` first).
pub fn next_version<'a>(
    existing: impl Iterator<Item = &'a semver::Version>,
    explicit: Option<semver::Version>,
) -> semver::Version {
    memory::next_version(existing, explicit)
}

/// A new UUID v7 whose timestamp comes from the injected clock (random bits from the OS).
#[must_use]
pub fn new_model_id(now: chrono::DateTime<chrono::Utc>) -> uuid::Uuid {
    let secs = u64::try_from(now.timestamp()).unwrap_or(0);
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, secs, now.timestamp_subsec_nanos());
    uuid::Uuid::new_v7(ts)
}

/// Parses a model id (UUID text).
///
/// # Errors
/// [`Error::InvalidInput`] if `s` is not a UUID.
pub fn parse_model_id(s: &str) -> Result<ModelId> {
    uuid::Uuid::parse_str(s).map_err(|e| Error::invalid("model id", format!("{s:?}: {e}")))
}
