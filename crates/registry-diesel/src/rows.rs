//! Row types read with `sql_query` (`QueryableByName`, so no column-count limits).

use diesel::QueryableByName;
#[cfg(feature = "sqlite")]
use diesel::sql_types::Binary;
use diesel::sql_types::{BigInt, Bool, Double, Nullable, Text};

#[derive(QueryableByName, Debug)]
pub(crate) struct ModelRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = Text)]
    pub(crate) name: String,
    #[diesel(sql_type = Text)]
    pub(crate) version: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) version_seq: i64,
    #[diesel(sql_type = Text)]
    pub(crate) model_type: String,
    #[diesel(sql_type = Text)]
    pub(crate) framework: String,
    #[diesel(sql_type = Text)]
    pub(crate) status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) description: Option<String>,
    #[diesel(sql_type = Text)]
    pub(crate) hyperparameters: String,
    #[diesel(sql_type = Text)]
    pub(crate) feature_spec: String,
    #[diesel(sql_type = Text)]
    pub(crate) label_spec: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) data_fingerprint: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) train_start_us: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) train_end_us: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) validation_start_us: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) validation_end_us: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) test_start_us: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) test_end_us: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) artifact_root: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) artifact_checksum: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) parent_id: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub(crate) generation: i64,
    #[diesel(sql_type = Text)]
    pub(crate) created_by: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) created_at_us: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) updated_at_us: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) trained_at_us: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) deployed_at_us: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) archived_at_us: Option<i64>,
    #[diesel(sql_type = Text)]
    pub(crate) deployment: String,
    #[diesel(sql_type = Bool)]
    pub(crate) drift_detected: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) drift_detected_at_us: Option<i64>,
    #[diesel(sql_type = Text)]
    pub(crate) drift_metrics: String,
    #[diesel(sql_type = Bool)]
    pub(crate) auto_retrain_enabled: bool,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) seed: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) code_version: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub(crate) row_version: i64,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct TagRow {
    #[diesel(sql_type = Text)]
    pub(crate) model_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) tag_key: String,
    #[diesel(sql_type = Text)]
    pub(crate) tag_value: String,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct ModelMetricRow {
    #[diesel(sql_type = Text)]
    pub(crate) model_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) split: String,
    #[diesel(sql_type = Text)]
    pub(crate) metric_key: String,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) value: Option<f64>,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct EdgeRow {
    #[diesel(sql_type = Text)]
    pub(crate) parent_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) child_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) kind: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) created_at_us: i64,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct HopRow {
    #[diesel(sql_type = Text)]
    pub(crate) model_id: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) depth: i64,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct PerfRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) id: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) at_us: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) accuracy: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) precision_: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) recall: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) f1: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) sharpe: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) sortino: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) max_drawdown: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) drift_score: Option<f64>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) alert: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub(crate) nan_mask: i64,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct FeatureRow {
    #[diesel(sql_type = Text)]
    pub(crate) feature: String,
    #[diesel(sql_type = Text)]
    pub(crate) feature_type: String,
    #[diesel(sql_type = Text)]
    pub(crate) method: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) fold: Option<i64>,
    #[diesel(sql_type = Double)]
    pub(crate) mean_value: f64,
    #[diesel(sql_type = Double)]
    pub(crate) std_value: f64,
    #[diesel(sql_type = Double)]
    pub(crate) min_value: f64,
    #[diesel(sql_type = Double)]
    pub(crate) max_value: f64,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct SummaryViewRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = Text)]
    pub(crate) name: String,
    #[diesel(sql_type = Text)]
    pub(crate) version: String,
    #[diesel(sql_type = Text)]
    pub(crate) status: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) feature_count: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) performance_record_count: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) latest_performance_id: Option<i64>,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct RunRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) id: i64,
    #[diesel(sql_type = Text)]
    pub(crate) name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) model_id: Option<String>,
    #[diesel(sql_type = Text)]
    pub(crate) status: String,
    #[diesel(sql_type = Text)]
    pub(crate) created_by: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) started_at_us: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) ended_at_us: Option<i64>,
    /// The run's params as a JSON object (NULL on PostgreSQL when there are none).
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) params: Option<String>,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct ParamRow {
    #[diesel(sql_type = Text)]
    pub(crate) param_key: String,
    #[diesel(sql_type = Text)]
    pub(crate) param_value: String,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct RunSummaryRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) run_id: i64,
    #[diesel(sql_type = Text)]
    pub(crate) metric_key: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) last_step: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) last_value: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) min_value: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) max_value: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub(crate) point_count: i64,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct KeyRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) id: i64,
    #[diesel(sql_type = Text)]
    pub(crate) metric_key: String,
}

/// A packed metric chunk (SQLite chunk mode).
#[cfg(feature = "sqlite")]
#[derive(QueryableByName, Debug)]
pub(crate) struct ChunkRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) id: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) n: i64,
    #[diesel(sql_type = Binary)]
    pub(crate) points: Vec<u8>,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct PointRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) step: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) ts_us: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub(crate) value: Option<f64>,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct AliasHistRow {
    #[diesel(sql_type = Text)]
    pub(crate) model_name: String,
    #[diesel(sql_type = Text)]
    pub(crate) alias: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) model_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) previous_id: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub(crate) at_us: i64,
    #[diesel(sql_type = Text)]
    pub(crate) actor: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) reason: Option<String>,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct AliasRow {
    #[diesel(sql_type = Text)]
    pub(crate) alias: String,
    #[diesel(sql_type = Text)]
    pub(crate) model_id: String,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct ArtifactRow {
    #[diesel(sql_type = Text)]
    pub(crate) id: String,
    #[diesel(sql_type = Text)]
    pub(crate) model_id: String,
    #[diesel(sql_type = Text)]
    pub(crate) kind: String,
    #[diesel(sql_type = Text)]
    pub(crate) name: String,
    #[diesel(sql_type = Text)]
    pub(crate) storage: String,
    #[diesel(sql_type = Text)]
    pub(crate) uri: String,
    #[diesel(sql_type = Text)]
    pub(crate) sha256: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) size_bytes: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) stored_size_bytes: i64,
    #[diesel(sql_type = Text)]
    pub(crate) compression: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) created_at_us: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) access_count: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) last_access_at_us: Option<i64>,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct EventRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) seq: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) at_us: i64,
    #[diesel(sql_type = Text)]
    pub(crate) actor: String,
    #[diesel(sql_type = Text)]
    pub(crate) action: String,
    #[diesel(sql_type = Text)]
    pub(crate) entity_kind: String,
    #[diesel(sql_type = Text)]
    pub(crate) entity_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) before_json: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) after_json: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) reason: Option<String>,
    #[diesel(sql_type = Text)]
    pub(crate) prev_hash: String,
    #[diesel(sql_type = Text)]
    pub(crate) hash: String,
}

#[derive(QueryableByName, Debug)]
pub(crate) struct HeadRow {
    #[diesel(sql_type = BigInt)]
    pub(crate) last_seq: i64,
    #[diesel(sql_type = Text)]
    pub(crate) last_hash: String,
}
