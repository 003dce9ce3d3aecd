//! The object-safe [`ModelRegistry`] trait every backend implements.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::Result;
use crate::query::Query;
use crate::types::{
    AliasChange, AliasOptions, ArtifactRecord, ChainReport, Direction, EdgeKind, Event, EventQuery,
    FeatureImportance, HistoryOptions, LineageEdge, LineageHop, LineageOptions, MetricPoint, Model,
    ModelId, ModelPatch, ModelStatus, ModelSummary, NewArtifact, NewEvent, NewModel, NewRun, Page,
    PerformanceRecord, RegisterOptions, Run, RunId, RunStatus, WriteOptions,
};

/// A model registry backend: models, lineage, performance, features, runs and metrics, aliases
/// with history, artifact metadata and a hash-chained audit log.
///
/// Object-safe: use it as `Arc<dyn ModelRegistry>` ([`DynModelRegistry`]). Every method is
/// synchronous and atomic (one transaction in SQL backends). Every write that changes registry
/// state (register, update, transition, alias, lineage, artifact) appends one audit event in the
/// same transaction. Runs and metrics are not audited (volume).
///
/// Implementations must pass [`crate::conformance`] (feature `conformance`).
pub trait ModelRegistry: std::fmt::Debug + Send + Sync + 'static {
    /// Backend name ("memory", "sqlite", "postgres").
    fn backend(&self) -> &'static str;

    // ---- models ----

    /// Registers a model version in status `Draft`. Allocates `version_seq` (gap-free per name)
    /// and, without an explicit version, the next patch version.
    ///
    /// # Errors
    /// `InvalidInput` (bad fields), `AlreadyExists` (name + version taken), `NotFound` (parent).
    fn register_model(&self, model: NewModel, opts: RegisterOptions) -> Result<Model>;

    /// A model by id.
    ///
    /// # Errors
    /// `NotFound`.
    fn get_model(&self, id: ModelId) -> Result<Model>;

    /// A model by name and semantic version.
    ///
    /// # Errors
    /// `NotFound`, `InvalidInput` (not a semantic version).
    fn get_model_version(&self, name: &str, version: &str) -> Result<Model>;

    /// The newest (highest `version_seq`) model of a name, optionally only in one status.
    ///
    /// # Errors
    /// `NotFound`.
    fn latest_model(&self, name: &str, status: Option<ModelStatus>) -> Result<Model>;

    /// Applies a patch.
    ///
    /// # Errors
    /// `NotFound`, `Conflict` (row version mismatch), `InvalidInput`.
    fn update_model(&self, id: ModelId, patch: ModelPatch, opts: WriteOptions) -> Result<Model>;

    /// Moves a model through its lifecycle (see [`ModelStatus::can_transition_to`]); sets
    /// `trained_at`/`deployed_at`/`archived_at` from the clock.
    ///
    /// # Errors
    /// `NotFound`, `InvalidTransition`, `Conflict`.
    fn transition(&self, id: ModelId, to: ModelStatus, opts: WriteOptions) -> Result<Model>;

    /// Models matching a query, one keyset page.
    ///
    /// # Errors
    /// `InvalidInput` (bad filter, order, limit or cursor).
    fn search_models(&self, query: &Query) -> Result<Page<Model>>;

    // ---- lineage ----

    /// Adds an edge `parent → child`. Idempotent for an identical edge.
    ///
    /// # Errors
    /// `NotFound` (either model), `InvalidInput` (self-loop or cycle).
    fn add_lineage(
        &self,
        parent: ModelId,
        child: ModelId,
        kind: EdgeKind,
        opts: WriteOptions,
    ) -> Result<LineageEdge>;

    /// Ancestors or descendants, each at its shortest depth, sorted by (depth, id).
    ///
    /// # Errors
    /// `NotFound` (start model).
    fn lineage(
        &self,
        id: ModelId,
        direction: Direction,
        opts: &LineageOptions,
    ) -> Result<Vec<LineageHop>>;

    /// The direct edges touching a model (both directions).
    ///
    /// # Errors
    /// `NotFound`.
    fn edges(&self, id: ModelId) -> Result<Vec<LineageEdge>>;

    // ---- performance and features ----

    /// Appends performance records.
    ///
    /// # Errors
    /// `NotFound`.
    fn record_performance(&self, id: ModelId, records: &[PerformanceRecord]) -> Result<()>;

    /// Performance history in `[from, to)`, time-ordered, optionally downsampled.
    ///
    /// # Errors
    /// `NotFound`.
    fn performance_history(
        &self,
        id: ModelId,
        opts: &HistoryOptions,
    ) -> Result<Vec<PerformanceRecord>>;

    /// Stores feature importances (unique per feature, method, fold).
    ///
    /// # Errors
    /// `NotFound`, `AlreadyExists`, `InvalidInput`.
    fn put_feature_importances(&self, id: ModelId, rows: &[FeatureImportance]) -> Result<()>;

    /// Feature importances, sorted by (feature, method, fold).
    ///
    /// # Errors
    /// `NotFound`.
    fn feature_importances(&self, id: ModelId) -> Result<Vec<FeatureImportance>>;

    /// Rows of the `ml_models_summary` view, ordered by (name, version_seq).
    ///
    /// # Errors
    /// Backend errors only.
    fn summaries(&self) -> Result<Vec<ModelSummary>>;

    // ---- runs and metrics ----

    /// Creates runs in one transaction (bulk: walk-forward folds).
    ///
    /// # Errors
    /// `InvalidInput`, `NotFound` (model).
    fn create_runs(&self, runs: Vec<NewRun>) -> Result<Vec<Run>>;

    /// A run with params and metric summaries.
    ///
    /// # Errors
    /// `NotFound`.
    fn get_run(&self, id: RunId) -> Result<Run>;

    /// Logs params (write-once: re-logging the same value is a no-op, a different value is
    /// `Conflict`).
    ///
    /// # Errors
    /// `NotFound`, `Conflict`, `InvalidInput`.
    fn log_params(&self, run: RunId, params: &BTreeMap<String, String>) -> Result<()>;

    /// Logs a batch of metric points atomically and updates the per-key summaries.
    ///
    /// # Errors
    /// `NotFound`, `AlreadyExists` (a `(key, step)` already logged), `InvalidInput`.
    fn log_metrics(&self, run: RunId, points: &[MetricPoint]) -> Result<()>;

    /// One metric's history, ordered by step, optionally downsampled (`from`/`to` filter on the
    /// point timestamps).
    ///
    /// # Errors
    /// `NotFound` (run).
    fn metric_history(
        &self,
        run: RunId,
        key: &str,
        opts: &HistoryOptions,
    ) -> Result<Vec<MetricPoint>>;

    /// Ends a run.
    ///
    /// # Errors
    /// `NotFound`, `InvalidTransition` (already ended or to `Running`).
    fn finish_run(&self, run: RunId, status: RunStatus) -> Result<Run>;

    /// Runs matching a query, one keyset page.
    ///
    /// # Errors
    /// `InvalidInput`.
    fn search_runs(&self, query: &Query) -> Result<Page<Run>>;

    // ---- aliases ----

    /// Points `name@alias` at a model (`None` removes it) and records the change in the alias
    /// history and the audit log.
    ///
    /// # Errors
    /// `NotFound` (model), `InvalidInput` (model has another name, bad alias), `Conflict` (CAS).
    fn set_alias(
        &self,
        name: &str,
        alias: &str,
        target: Option<ModelId>,
        opts: AliasOptions,
    ) -> Result<AliasChange>;

    /// The model `name@alias` points at now (`at = None`) or pointed at at time `at`.
    ///
    /// # Errors
    /// `NotFound` (unset at that time).
    fn resolve_alias(&self, name: &str, alias: &str, at: Option<DateTime<Utc>>) -> Result<Model>;

    /// Full history of one alias, oldest first.
    ///
    /// # Errors
    /// Backend errors only.
    fn alias_history(&self, name: &str, alias: &str) -> Result<Vec<AliasChange>>;

    /// Current aliases of a name: alias → model.
    ///
    /// # Errors
    /// Backend errors only.
    fn aliases(&self, name: &str) -> Result<BTreeMap<String, ModelId>>;

    // ---- artifacts (metadata; bytes go through [`crate::ArtifactStore`]) ----

    /// Records artifact metadata (unique per model, kind and name).
    ///
    /// # Errors
    /// `NotFound` (model), `AlreadyExists`, `InvalidKey`.
    fn record_artifact(&self, artifact: NewArtifact, opts: WriteOptions) -> Result<ArtifactRecord>;

    /// Artifacts of a model, by (kind, name).
    ///
    /// # Errors
    /// `NotFound`.
    fn artifacts(&self, model: ModelId) -> Result<Vec<ArtifactRecord>>;

    /// Every artifact record (for `verify`).
    ///
    /// # Errors
    /// Backend errors only.
    fn all_artifacts(&self) -> Result<Vec<ArtifactRecord>>;

    /// Counts one read of an artifact (access tracking).
    ///
    /// # Errors
    /// `NotFound`.
    fn touch_artifact(&self, id: Uuid) -> Result<ArtifactRecord>;

    // ---- audit ----

    /// Appends an event (for callers such as the strategy lifecycle).
    ///
    /// # Errors
    /// `InvalidInput` (empty actor/action).
    fn append_event(&self, event: NewEvent) -> Result<Event>;

    /// Events in `seq` order.
    ///
    /// # Errors
    /// Backend errors only.
    fn events(&self, query: &EventQuery) -> Result<Vec<Event>>;

    /// Recomputes the whole hash chain.
    ///
    /// # Errors
    /// `Integrity` at the first bad event.
    fn verify_chain(&self) -> Result<ChainReport>;
}

/// The trait object type backends are used through.
pub type DynModelRegistry = dyn ModelRegistry;
