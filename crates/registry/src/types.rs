//! Domain types of the registry: models, runs, metrics, lineage, aliases, artifacts, events.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Identifier of a registered model version (a UUID v7 built from the injected clock).
pub type ModelId = Uuid;

/// Identifier of a run (a database-assigned integer, kept small so metric rows stay narrow).
pub type RunId = i64;

/// Lifecycle status of a model: `Draft → Training → Active → Archived`.
///
/// Allowed transitions (everything else is [`Error::InvalidTransition`]):
/// `Draft → Training`, `Draft → Archived`, `Training → Active`, `Training → Draft` (training
/// failed, back to editing), `Training → Archived`, `Active → Archived`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelStatus {
    /// Being defined; not trained yet.
    Draft,
    /// Training in progress.
    Training,
    /// Trained and deployed / usable.
    Active,
    /// Retired; terminal.
    Archived,
}

impl ModelStatus {
    /// All statuses, in lifecycle order.
    pub const ALL: [ModelStatus; 4] = [Self::Draft, Self::Training, Self::Active, Self::Archived];

    /// Whether `self → to` is a legal transition. A total match: adding a status is a compile error
    /// here until its transitions are decided.
    #[must_use]
    pub fn can_transition_to(self, to: ModelStatus) -> bool {
        use ModelStatus::{Active, Archived, Draft, Training};
        match (self, to) {
            (Draft, Training) | (Draft, Archived) => true,
            (Training, Active) | (Training, Draft) | (Training, Archived) => true,
            (Active, Archived) => true,
            (Draft, Draft) | (Draft, Active) => false,
            (Training, Training) => false,
            (Active, Draft) | (Active, Training) | (Active, Active) => false,
            (Archived, Draft)
            | (Archived, Training)
            | (Archived, Active)
            | (Archived, Archived) => false,
        }
    }

    /// The stable lower-case name stored in databases.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Training => "training",
            Self::Active => "active",
            Self::Archived => "archived",
        }
    }

    /// Parses [`ModelStatus::as_str`] output.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown name.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| Error::invalid("status", format!("unknown model status {s:?}")))
    }
}

impl std::fmt::Display for ModelStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which data split a model metric was measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    /// Training data.
    Train,
    /// Validation data.
    Validation,
    /// Held-out test data.
    Test,
}

impl Split {
    /// All splits.
    pub const ALL: [Split; 3] = [Self::Train, Self::Validation, Self::Test];
    /// Stable name stored in databases.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Train => "train",
            Self::Validation => "validation",
            Self::Test => "test",
        }
    }
    /// Parses [`Split::as_str`] output.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown name.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Error::invalid("split", format!("unknown split {s:?}")))
    }
}

/// A half-open time window `[start, end)` of data used for a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeWindow {
    /// First instant included.
    pub start: DateTime<Utc>,
    /// First instant excluded.
    pub end: DateTime<Utc>,
}

impl TimeWindow {
    /// A window, checked `start < end`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] when `start >= end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self> {
        if start >= end {
            return Err(Error::invalid(
                "window",
                format!("start {start} is not before end {end}"),
            ));
        }
        Ok(Self { start, end })
    }
}

/// Drift-monitoring state of a model.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct DriftState {
    /// Whether drift is currently flagged.
    pub detected: bool,
    /// When drift was last flagged.
    pub detected_at: Option<DateTime<Utc>>,
    /// Detector outputs (PSI per feature, KS statistics, ...), free-form JSON.
    pub metrics: serde_json::Value,
    /// Whether a drift flag should trigger retraining.
    pub auto_retrain_enabled: bool,
}

/// Everything the caller supplies to register a model version.
///
/// Build with [`NewModel::new`] and fill in the public fields you need.
#[derive(Debug, Clone, PartialEq)]
pub struct NewModel {
    /// Model name (the registered model); 1..=256 chars, no control characters.
    pub name: String,
    /// Semantic version, unique per name. `None`: the next patch after the highest version of
    /// this name (`0.1.0` for the first).
    pub version: Option<semver::Version>,
    /// Model type (e.g. "lstm", "gbm", "linear").
    pub model_type: String,
    /// Framework (e.g. "tch", "linfa").
    pub framework: String,
    /// Free-text description.
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Hyperparameters (JSON object).
    pub hyperparameters: serde_json::Value,
    /// Feature specification (JSON).
    pub feature_spec: serde_json::Value,
    /// Label specification (JSON).
    pub label_spec: serde_json::Value,
    /// Content hash of the training data.
    pub data_fingerprint: Option<String>,
    /// Training window.
    pub train_window: Option<TimeWindow>,
    /// Validation window.
    pub validation_window: Option<TimeWindow>,
    /// Test window.
    pub test_window: Option<TimeWindow>,
    /// Initial metrics, per split.
    pub metrics: BTreeMap<Split, BTreeMap<String, f64>>,
    /// Parent model (retraining of / derived from); adds a `parent_child` lineage edge.
    pub parent_id: Option<ModelId>,
    /// Generation; `None`: parent's generation + 1, or 0 without a parent.
    pub generation: Option<i64>,
    /// Who registers it (also the audit actor).
    pub created_by: String,
    /// Random seed used for training (stored as a signed 64-bit integer, so `<= i64::MAX`).
    pub seed: Option<u64>,
    /// Code version (git SHA).
    pub code_version: Option<String>,
    /// Initial drift flag settings.
    pub auto_retrain_enabled: bool,
}

impl NewModel {
    /// A draft with the required fields; everything else empty.
    pub fn new(
        name: impl Into<String>,
        model_type: impl Into<String>,
        framework: impl Into<String>,
        created_by: impl Into<String>,
    ) -> Self {
        Self {
            name: name.into(),
            version: None,
            model_type: model_type.into(),
            framework: framework.into(),
            description: None,
            tags: BTreeMap::new(),
            hyperparameters: serde_json::Value::Object(serde_json::Map::new()),
            feature_spec: serde_json::Value::Null,
            label_spec: serde_json::Value::Null,
            data_fingerprint: None,
            train_window: None,
            validation_window: None,
            test_window: None,
            metrics: BTreeMap::new(),
            parent_id: None,
            generation: None,
            created_by: created_by.into(),
            seed: None,
            code_version: None,
            auto_retrain_enabled: false,
        }
    }

    /// Sets an explicit semantic version (builder style).
    ///
    /// # Errors
    /// [`Error::InvalidInput`] if `v` is not a semantic version.
    pub fn with_version(mut self, v: &str) -> Result<Self> {
        self.version = Some(parse_version(v)?);
        Ok(self)
    }
}

/// Parses a semantic version string.
///
/// # Errors
/// [`Error::InvalidInput`] naming the bad string.
pub fn parse_version(v: &str) -> Result<semver::Version> {
    semver::Version::parse(v)
        .map_err(|e| Error::invalid("version", format!("{v:?} is not a semantic version: {e}")))
}

/// A registered model version, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// Unique id.
    pub id: ModelId,
    /// Name.
    pub name: String,
    /// Semantic version (unique per name).
    pub version: semver::Version,
    /// Registration sequence number within the name: 1, 2, 3, ... unique and gap-free.
    pub version_seq: i64,
    /// Model type.
    pub model_type: String,
    /// Framework.
    pub framework: String,
    /// Lifecycle status.
    pub status: ModelStatus,
    /// Description.
    pub description: Option<String>,
    /// Tags.
    pub tags: BTreeMap<String, String>,
    /// Hyperparameters.
    pub hyperparameters: serde_json::Value,
    /// Feature spec.
    pub feature_spec: serde_json::Value,
    /// Label spec.
    pub label_spec: serde_json::Value,
    /// Data fingerprint.
    pub data_fingerprint: Option<String>,
    /// Training window.
    pub train_window: Option<TimeWindow>,
    /// Validation window.
    pub validation_window: Option<TimeWindow>,
    /// Test window.
    pub test_window: Option<TimeWindow>,
    /// Metrics per split (NaN and ±Inf are stored exactly).
    pub metrics: BTreeMap<Split, BTreeMap<String, f64>>,
    /// Root key of this model's artifacts.
    pub artifact_root: Option<String>,
    /// Combined checksum of the artifacts (hex SHA-256).
    pub artifact_checksum: Option<String>,
    /// Parent model.
    pub parent_id: Option<ModelId>,
    /// Generation.
    pub generation: i64,
    /// Creator.
    pub created_by: String,
    /// Registration time (injected clock).
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
    /// When training finished (set on `Training → Active`).
    pub trained_at: Option<DateTime<Utc>>,
    /// When it became active.
    pub deployed_at: Option<DateTime<Utc>>,
    /// When it was archived.
    pub archived_at: Option<DateTime<Utc>>,
    /// Deployment metadata (JSON).
    pub deployment: serde_json::Value,
    /// Drift state.
    pub drift: DriftState,
    /// Training seed.
    pub seed: Option<u64>,
    /// Code version.
    pub code_version: Option<String>,
    /// Optimistic-concurrency counter, incremented by every update.
    pub row_version: i64,
}

/// Changes to a model. `None` fields are left alone.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelPatch {
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// Tags to set.
    pub set_tags: BTreeMap<String, String>,
    /// Tags to remove.
    pub remove_tags: Vec<String>,
    /// Metrics to set (upsert), per split.
    pub set_metrics: BTreeMap<Split, BTreeMap<String, f64>>,
    /// New artifact root.
    pub artifact_root: Option<String>,
    /// New artifact checksum.
    pub artifact_checksum: Option<String>,
    /// New deployment metadata.
    pub deployment: Option<serde_json::Value>,
    /// New drift state.
    pub drift: Option<DriftState>,
    /// New code version.
    pub code_version: Option<String>,
}

/// Options common to writes: who does it and why (both go to the audit log).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteOptions {
    /// Actor recorded in the audit log; defaults to the model's `created_by` or `"system"`.
    pub actor: Option<String>,
    /// Reason recorded in the audit log.
    pub reason: Option<String>,
    /// Optimistic concurrency: fail with [`Error::Conflict`] unless the model's `row_version`
    /// equals this.
    pub expected_row_version: Option<i64>,
}

/// Options of [`crate::ModelRegistry::register_model`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RegisterOptions {
    /// Explicit id (for imports and deterministic tests); default: UUID v7 from the clock.
    pub id: Option<ModelId>,
    /// Reason recorded in the audit log.
    pub reason: Option<String>,
}

/// Options of [`crate::ModelRegistry::set_alias`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AliasOptions {
    /// Actor (audit).
    pub actor: Option<String>,
    /// Reason (audit).
    pub reason: Option<String>,
    /// Compare-and-swap: fail with [`Error::Conflict`] unless the alias currently points at this
    /// (`Some(None)`: unless it is currently unset).
    pub expected_current: Option<Option<ModelId>>,
}

/// One change of an alias.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasChange {
    /// Model name.
    pub name: String,
    /// Alias.
    pub alias: String,
    /// Target after the change (`None`: alias removed).
    pub model_id: Option<ModelId>,
    /// Target before the change.
    pub previous: Option<ModelId>,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// Why.
    pub reason: Option<String>,
}

/// Kind of a lineage edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// Child was (re)trained from parent.
    ParentChild,
    /// Child is an ensemble that contains parent as a component.
    EnsembleComponent,
    /// Child is the next generation of parent (e.g. scheduled retraining).
    Generation,
    /// Child was distilled / fine-tuned / otherwise derived from parent.
    DerivedFrom,
}

impl EdgeKind {
    /// All kinds.
    pub const ALL: [EdgeKind; 4] = [
        Self::ParentChild,
        Self::EnsembleComponent,
        Self::Generation,
        Self::DerivedFrom,
    ];
    /// Stable stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ParentChild => "parent_child",
            Self::EnsembleComponent => "ensemble_component",
            Self::Generation => "generation",
            Self::DerivedFrom => "derived_from",
        }
    }
    /// Parses [`EdgeKind::as_str`] output.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown name.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Error::invalid("edge kind", format!("unknown edge kind {s:?}")))
    }
}

/// A lineage edge `parent → child`.
#[derive(Debug, Clone, PartialEq)]
pub struct LineageEdge {
    /// Upstream model.
    pub parent: ModelId,
    /// Downstream model.
    pub child: ModelId,
    /// Kind.
    pub kind: EdgeKind,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// Direction of a lineage query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Upstream: parents, grandparents, ...
    Ancestors,
    /// Downstream: children, grandchildren, ...
    Descendants,
}

/// Options of a lineage query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineageOptions {
    /// Maximum depth (1 = direct neighbours only).
    pub max_depth: u32,
    /// Follow only these edge kinds (empty: all).
    pub kinds: Vec<EdgeKind>,
}

impl Default for LineageOptions {
    fn default() -> Self {
        Self {
            max_depth: 64,
            kinds: Vec::new(),
        }
    }
}

/// One model reached by a lineage query, at its shortest distance.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineageHop {
    /// Distance from the start model (1 = direct).
    pub depth: u32,
    /// The model reached.
    pub model_id: ModelId,
}

/// One point of a model's performance time series (live or backtest monitoring).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PerformanceRecord {
    /// When it was measured.
    pub at: DateTime<Utc>,
    /// Accuracy.
    pub accuracy: Option<f64>,
    /// Precision.
    pub precision: Option<f64>,
    /// Recall.
    pub recall: Option<f64>,
    /// F1.
    pub f1: Option<f64>,
    /// Sharpe ratio.
    pub sharpe: Option<f64>,
    /// Sortino ratio.
    pub sortino: Option<f64>,
    /// Maximum drawdown (positive fraction).
    pub max_drawdown: Option<f64>,
    /// Drift indicator (e.g. max PSI over features).
    pub drift_score: Option<f64>,
    /// Degradation alert raised at this point, if any.
    pub alert: Option<String>,
}

/// Options of a performance-history read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HistoryOptions {
    /// Inclusive lower bound on time (or step for metric histories).
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound on time.
    pub to: Option<DateTime<Utc>>,
    /// Downsample to at most this many points: keeps every k-th point (k = ceil(n / max)),
    /// always including the last one. Deterministic; `None` returns everything.
    pub max_points: Option<usize>,
}

/// Feature importance of one feature, by one method, on one walk-forward fold (or overall).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureImportance {
    /// Feature name.
    pub feature: String,
    /// Feature type (e.g. "numeric", "categorical").
    pub feature_type: String,
    /// Method ("permutation", "shap", "gain", ...).
    pub method: String,
    /// Walk-forward fold; `None` for the aggregate over folds.
    pub fold: Option<i64>,
    /// Mean importance.
    pub mean: f64,
    /// Standard deviation.
    pub std: f64,
    /// Minimum.
    pub min: f64,
    /// Maximum.
    pub max: f64,
}

/// Status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Still logging.
    Running,
    /// Finished successfully.
    Finished,
    /// Failed.
    Failed,
    /// Killed.
    Killed,
}

impl RunStatus {
    /// All statuses.
    pub const ALL: [RunStatus; 4] = [Self::Running, Self::Finished, Self::Failed, Self::Killed];
    /// Stable stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Finished => "finished",
            Self::Failed => "failed",
            Self::Killed => "killed",
        }
    }
    /// Parses [`RunStatus::as_str`] output.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown name.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Error::invalid("run status", format!("unknown run status {s:?}")))
    }
}

/// A run to create (a training job, a walk-forward fold, a backtest).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewRun {
    /// Run name.
    pub name: String,
    /// The model this run trains / evaluates.
    pub model_id: Option<ModelId>,
    /// Parameters (write-once).
    pub params: BTreeMap<String, String>,
    /// Who started it.
    pub created_by: String,
}

/// Summary of one metric of a run, maintained on every ingest batch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricSummary {
    /// Value at the highest step.
    pub last: f64,
    /// Highest step.
    pub last_step: i64,
    /// Minimum over non-NaN values (NaN if all were NaN).
    pub min: f64,
    /// Maximum over non-NaN values (NaN if all were NaN).
    pub max: f64,
    /// Number of points.
    pub count: i64,
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Id.
    pub id: RunId,
    /// Name.
    pub name: String,
    /// Linked model.
    pub model_id: Option<ModelId>,
    /// Status.
    pub status: RunStatus,
    /// Creator.
    pub created_by: String,
    /// Start time.
    pub started_at: DateTime<Utc>,
    /// End time.
    pub ended_at: Option<DateTime<Utc>>,
    /// Parameters.
    pub params: BTreeMap<String, String>,
    /// Metric summaries by key.
    pub metrics: BTreeMap<String, MetricSummary>,
}

/// One metric point. `(run, key, step)` is unique.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    /// Metric key.
    pub key: String,
    /// Step (epoch, fold, bar index).
    pub step: i64,
    /// Wall time of the measurement.
    pub timestamp: DateTime<Utc>,
    /// Value; NaN and ±Inf are stored exactly.
    pub value: f64,
}

/// Kind of an artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactKind {
    /// Model weights.
    Weights,
    /// Architecture description.
    Architecture,
    /// Fitted preprocessor (scalers, encoders).
    Preprocessor,
    /// Configuration.
    Config,
    /// Report (HTML, JSON, ...).
    Report,
}

impl ArtifactKind {
    /// All kinds.
    pub const ALL: [ArtifactKind; 5] = [
        Self::Weights,
        Self::Architecture,
        Self::Preprocessor,
        Self::Config,
        Self::Report,
    ];
    /// Stable stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Weights => "weights",
            Self::Architecture => "architecture",
            Self::Preprocessor => "preprocessor",
            Self::Config => "config",
            Self::Report => "report",
        }
    }
    /// Parses [`ArtifactKind::as_str`] output.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown name.
    pub fn parse(s: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Error::invalid("artifact kind", format!("unknown artifact kind {s:?}")))
    }
}

/// Compression of a stored artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// Stored as is.
    #[default]
    None,
    /// zstd.
    Zstd,
}

impl Compression {
    /// Stable stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Zstd => "zstd",
        }
    }
    /// Parses [`Compression::as_str`] output.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] for an unknown name.
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "none" => Ok(Self::None),
            "zstd" => Ok(Self::Zstd),
            _ => Err(Error::invalid(
                "compression",
                format!("unknown compression {s:?}"),
            )),
        }
    }
}

/// Metadata of an artifact to record (the bytes live in the artifact store).
#[derive(Debug, Clone, PartialEq)]
pub struct NewArtifact {
    /// Owning model.
    pub model_id: ModelId,
    /// Kind.
    pub kind: ArtifactKind,
    /// Name within the model (e.g. "model.pt"); validated like a key.
    pub name: String,
    /// Storage backend name ("file", "s3", "memory", ...).
    pub storage: String,
    /// Object key / URI in the store.
    pub uri: String,
    /// Hex SHA-256 of the uncompressed bytes.
    pub sha256: String,
    /// Uncompressed size in bytes.
    pub size: i64,
    /// Stored (possibly compressed) size in bytes.
    pub stored_size: i64,
    /// Compression.
    pub compression: Compression,
}

/// A recorded artifact.
#[derive(Debug, Clone, PartialEq)]
pub struct ArtifactRecord {
    /// Id.
    pub id: Uuid,
    /// Metadata as recorded.
    pub meta: NewArtifact,
    /// When recorded.
    pub created_at: DateTime<Utc>,
    /// Number of reads.
    pub access_count: i64,
    /// Last read.
    pub last_access_at: Option<DateTime<Utc>>,
}

/// An event to append to the audit log.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewEvent {
    /// Who.
    pub actor: String,
    /// What (e.g. "model.register", "alias.set", "lifecycle.approve").
    pub action: String,
    /// Entity kind ("model", "alias", "strategy_version", ...).
    pub entity_kind: String,
    /// Entity id.
    pub entity_id: String,
    /// State before (JSON).
    pub before: Option<serde_json::Value>,
    /// State after (JSON).
    pub after: Option<serde_json::Value>,
    /// Why.
    pub reason: Option<String>,
}

/// A stored, hash-chained audit event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Sequence number: 1, 2, 3, ... (ordering is by seq, not time).
    pub seq: i64,
    /// When (injected clock), microseconds since the epoch.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Entity kind.
    pub entity_kind: String,
    /// Entity id.
    pub entity_id: String,
    /// Canonical JSON text of the state before.
    pub before: Option<String>,
    /// Canonical JSON text of the state after.
    pub after: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// Hex hash of the previous event (64 zeros for the first).
    pub prev_hash: String,
    /// Hex SHA-256 over `prev_hash` and this event's fields.
    pub hash: String,
}

/// Filter on the audit log.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventQuery {
    /// Only events with `seq > after_seq`.
    pub after_seq: Option<i64>,
    /// Only this entity id.
    pub entity_id: Option<String>,
    /// At most this many (default 1000).
    pub limit: Option<usize>,
}

/// Result of [`crate::ModelRegistry::verify_chain`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Number of events checked.
    pub events: i64,
    /// Hash of the last event (publish it elsewhere to detect wholesale rewrites).
    pub head: String,
}

/// One row of the `ml_models_summary` view.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSummary {
    /// Model id.
    pub id: ModelId,
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Status.
    pub status: ModelStatus,
    /// Latest performance record, if any.
    pub latest_performance: Option<PerformanceRecord>,
    /// Number of distinct features with importances.
    pub feature_count: i64,
    /// Number of performance records.
    pub performance_record_count: i64,
}

/// A page of results with a keyset cursor for the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// Items in order.
    pub items: Vec<T>,
    /// Pass as `after` to get the next page; `None` when this was the last page.
    pub next: Option<String>,
}

/// Microseconds since the epoch (the storage representation of every timestamp).
#[must_use]
pub fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// Inverse of [`to_micros`].
///
/// # Errors
/// [`Error::InvalidInput`] if out of chrono's range.
pub fn from_micros(us: i64) -> Result<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_micros(us)
        .ok_or_else(|| Error::invalid("timestamp", format!("{us} µs is out of range")))
}

/// Truncates a timestamp to microseconds (the stored precision), so values compare equal after
/// a round trip through any backend.
#[must_use]
pub fn truncate_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

fn trunc_window(w: Option<TimeWindow>) -> Option<TimeWindow> {
    w.map(|w| TimeWindow {
        start: truncate_micros(w.start),
        end: truncate_micros(w.end),
    })
}

/// Brings a model to stored precision (timestamps truncated to microseconds), so every backend
/// returns identical values.
#[must_use]
pub fn normalize_model(mut m: Model) -> Model {
    m.train_window = trunc_window(m.train_window);
    m.validation_window = trunc_window(m.validation_window);
    m.test_window = trunc_window(m.test_window);
    m.drift.detected_at = m.drift.detected_at.map(truncate_micros);
    m
}

/// Validates a patch (keys and names).
///
/// # Errors
/// [`Error::InvalidInput`].
pub fn validate_patch(p: &ModelPatch) -> Result<()> {
    for k in p.set_tags.keys().chain(p.remove_tags.iter()) {
        crate::validate::name("tag key", k)?;
    }
    for ms in p.set_metrics.values() {
        for k in ms.keys() {
            crate::validate::name("metric key", k)?;
        }
    }
    Ok(())
}

/// Applies a patch (shared by every backend); bumps `row_version` and `updated_at`.
#[must_use]
pub fn apply_patch(mut m: Model, p: ModelPatch, now: DateTime<Utc>) -> Model {
    if let Some(d) = p.description {
        m.description = d;
    }
    for k in &p.remove_tags {
        m.tags.remove(k);
    }
    m.tags.extend(p.set_tags);
    for (split, ms) in p.set_metrics {
        if !ms.is_empty() {
            m.metrics.entry(split).or_default().extend(ms);
        }
    }
    if let Some(r) = p.artifact_root {
        m.artifact_root = Some(r);
    }
    if let Some(c) = p.artifact_checksum {
        m.artifact_checksum = Some(c);
    }
    if let Some(d) = p.deployment {
        m.deployment = d;
    }
    if let Some(d) = p.drift {
        m.drift = d;
    }
    if let Some(c) = p.code_version {
        m.code_version = Some(c);
    }
    m.updated_at = now;
    m.row_version += 1;
    normalize_model(m)
}

/// Applies a status transition (shared by every backend).
///
/// # Errors
/// [`Error::InvalidTransition`] for an illegal transition.
pub fn apply_transition(mut m: Model, to: ModelStatus, now: DateTime<Utc>) -> Result<Model> {
    if !m.status.can_transition_to(to) {
        return Err(Error::InvalidTransition {
            model: format!("{} ({}@{})", m.id, m.name, m.version),
            from: m.status.to_string(),
            to: to.to_string(),
        });
    }
    match (m.status, to) {
        (ModelStatus::Training, ModelStatus::Active) => {
            m.trained_at = Some(now);
            m.deployed_at = Some(now);
        }
        (_, ModelStatus::Archived) => m.archived_at = Some(now),
        _ => {}
    }
    m.status = to;
    m.updated_at = now;
    m.row_version += 1;
    Ok(m)
}

/// Checks a run may move from `from` to `to`.
///
/// # Errors
/// [`Error::InvalidTransition`] unless `from` is `Running` and `to` is not.
pub fn check_run_finish(run: RunId, from: RunStatus, to: RunStatus) -> Result<()> {
    if from != RunStatus::Running || to == RunStatus::Running {
        return Err(Error::InvalidTransition {
            model: format!("run {run}"),
            from: from.as_str().to_owned(),
            to: to.as_str().to_owned(),
        });
    }
    Ok(())
}

/// Builds the stored [`Model`] for a registration (shared by every backend so all of them store
/// the same thing). `status` is `Draft`, `row_version` 1, empty metric maps are dropped.
#[must_use]
pub fn materialize_model(
    m: NewModel,
    id: ModelId,
    version: semver::Version,
    version_seq: i64,
    parent_generation: Option<i64>,
    now: DateTime<Utc>,
) -> Model {
    normalize_model(Model {
        id,
        name: m.name,
        version,
        version_seq,
        model_type: m.model_type,
        framework: m.framework,
        status: ModelStatus::Draft,
        description: m.description,
        tags: m.tags,
        hyperparameters: m.hyperparameters,
        feature_spec: m.feature_spec,
        label_spec: m.label_spec,
        data_fingerprint: m.data_fingerprint,
        train_window: m.train_window,
        validation_window: m.validation_window,
        test_window: m.test_window,
        metrics: m
            .metrics
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect(),
        artifact_root: None,
        artifact_checksum: None,
        parent_id: m.parent_id,
        generation: m
            .generation
            .unwrap_or_else(|| parent_generation.map_or(0, |g| g + 1)),
        created_by: m.created_by,
        created_at: now,
        updated_at: now,
        trained_at: None,
        deployed_at: None,
        archived_at: None,
        deployment: serde_json::Value::Null,
        drift: DriftState {
            detected: false,
            detected_at: None,
            metrics: serde_json::Value::Null,
            auto_retrain_enabled: m.auto_retrain_enabled,
        },
        seed: m.seed,
        code_version: m.code_version,
        row_version: 1,
    })
}
