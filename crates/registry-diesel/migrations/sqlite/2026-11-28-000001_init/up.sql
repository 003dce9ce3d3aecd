-- Portable core of the registry schema (shared text of the SQLite and PostgreSQL migrations).
-- SQLite: floating-point columns are declared BLOB (no affinity) so values are stored exactly as
-- bound, including -0.0 (REAL affinity may store integral values as integers and lose the sign).
-- Timestamps are BIGINT microseconds since the Unix epoch (from the injected clock).
-- JSON documents are TEXT (canonical serde_json text).

CREATE TABLE ml_models (
    id                    TEXT PRIMARY KEY NOT NULL,
    name                  TEXT NOT NULL,
    version               TEXT NOT NULL,
    version_seq           BIGINT NOT NULL,
    model_type            TEXT NOT NULL,
    framework             TEXT NOT NULL,
    status                TEXT NOT NULL CHECK (status IN ('draft', 'training', 'active', 'archived')),
    description           TEXT,
    hyperparameters       TEXT NOT NULL,
    feature_spec          TEXT NOT NULL,
    label_spec            TEXT NOT NULL,
    data_fingerprint      TEXT,
    train_start_us        BIGINT,
    train_end_us          BIGINT,
    validation_start_us   BIGINT,
    validation_end_us     BIGINT,
    test_start_us         BIGINT,
    test_end_us           BIGINT,
    artifact_root         TEXT,
    artifact_checksum     TEXT,
    parent_id             TEXT REFERENCES ml_models (id),
    generation            BIGINT NOT NULL CHECK (generation >= 0),
    created_by            TEXT NOT NULL,
    created_at_us         BIGINT NOT NULL,
    updated_at_us         BIGINT NOT NULL,
    trained_at_us         BIGINT,
    deployed_at_us        BIGINT,
    archived_at_us        BIGINT,
    deployment            TEXT NOT NULL,
    drift_detected        BOOLEAN NOT NULL,
    drift_detected_at_us  BIGINT,
    drift_metrics         TEXT NOT NULL,
    auto_retrain_enabled  BOOLEAN NOT NULL,
    seed                  BIGINT,
    code_version          TEXT,
    row_version           BIGINT NOT NULL,
    UNIQUE (name, version),
    UNIQUE (name, version_seq)
);
CREATE INDEX ml_models_created ON ml_models (created_at_us, id);
CREATE INDEX ml_models_status ON ml_models (name, status, version_seq);

-- Gap-free version allocation: one counter row per name, bumped by an upsert that row-locks.
CREATE TABLE ml_model_names (
    name      TEXT PRIMARY KEY NOT NULL,
    last_seq  BIGINT NOT NULL
);

CREATE TABLE ml_model_tags (
    model_id  TEXT NOT NULL REFERENCES ml_models (id),
    tag_key   TEXT NOT NULL,
    tag_value TEXT NOT NULL,
    PRIMARY KEY (model_id, tag_key)
);
CREATE INDEX ml_model_tags_kv ON ml_model_tags (tag_key, tag_value);

-- value NULL encodes NaN (SQLite cannot store NaN); ±Inf are stored as is.
CREATE TABLE ml_model_metrics (
    model_id    TEXT NOT NULL REFERENCES ml_models (id),
    split       TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
    metric_key  TEXT NOT NULL,
    value       BLOB,
    PRIMARY KEY (model_id, split, metric_key)
);
CREATE INDEX ml_model_metrics_kv ON ml_model_metrics (split, metric_key, value);

CREATE TABLE ml_model_lineage (
    parent_id     TEXT NOT NULL REFERENCES ml_models (id),
    child_id      TEXT NOT NULL REFERENCES ml_models (id),
    kind          TEXT NOT NULL CHECK (kind IN ('parent_child', 'ensemble_component', 'generation', 'derived_from')),
    created_at_us BIGINT NOT NULL,
    PRIMARY KEY (parent_id, child_id, kind),
    CHECK (parent_id <> child_id)
);
CREATE INDEX ml_model_lineage_child ON ml_model_lineage (child_id);

CREATE TABLE ml_model_performance_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id      TEXT NOT NULL REFERENCES ml_models (id),
    at_us         BIGINT NOT NULL,
    accuracy      BLOB,
    precision_    BLOB,
    recall        BLOB,
    f1            BLOB,
    sharpe        BLOB,
    sortino       BLOB,
    max_drawdown  BLOB,
    drift_score   BLOB,
    alert         TEXT,
    nan_mask      BIGINT NOT NULL
);
CREATE INDEX ml_model_performance_history_t ON ml_model_performance_history (model_id, at_us, id);

CREATE TABLE ml_model_features (
    model_id      TEXT NOT NULL REFERENCES ml_models (id),
    feature       TEXT NOT NULL,
    feature_type  TEXT NOT NULL,
    method        TEXT NOT NULL,
    fold          BIGINT,
    mean_value    BLOB NOT NULL,
    std_value     BLOB NOT NULL,
    min_value     BLOB NOT NULL,
    max_value     BLOB NOT NULL
);
CREATE UNIQUE INDEX ml_model_features_key ON ml_model_features (model_id, feature, method, COALESCE(fold, -1));

CREATE TABLE ml_model_artifacts (
    id                TEXT PRIMARY KEY NOT NULL,
    model_id          TEXT NOT NULL REFERENCES ml_models (id),
    kind              TEXT NOT NULL CHECK (kind IN ('weights', 'architecture', 'preprocessor', 'config', 'report')),
    name              TEXT NOT NULL,
    storage           TEXT NOT NULL,
    uri               TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    size_bytes        BIGINT NOT NULL,
    stored_size_bytes BIGINT NOT NULL,
    compression       TEXT NOT NULL CHECK (compression IN ('none', 'zstd')),
    created_at_us     BIGINT NOT NULL,
    access_count      BIGINT NOT NULL,
    last_access_at_us BIGINT,
    UNIQUE (model_id, kind, name)
);

CREATE TABLE runs (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT NOT NULL,
    model_id       TEXT REFERENCES ml_models (id),
    status         TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
    created_by     TEXT NOT NULL,
    started_at_us  BIGINT NOT NULL,
    ended_at_us    BIGINT
);
CREATE INDEX runs_started ON runs (started_at_us, id);
CREATE INDEX runs_model ON runs (model_id);

CREATE TABLE run_params (
    run_id      BIGINT NOT NULL REFERENCES runs (id),
    param_key   TEXT NOT NULL,
    param_value TEXT NOT NULL,
    PRIMARY KEY (run_id, param_key)
) WITHOUT ROWID;

-- Dictionary of metric keys: metric rows carry a small integer instead of the key text.
CREATE TABLE metric_keys (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    metric_key TEXT NOT NULL UNIQUE
);

-- One narrow row per point: (run, key id, step) → (timestamp, value). value NULL encodes NaN.
CREATE TABLE run_metrics (
    run_id  BIGINT NOT NULL,
    key_id  BIGINT NOT NULL,
    step    BIGINT NOT NULL,
    ts_us   BIGINT NOT NULL,
    value   BLOB,
    PRIMARY KEY (run_id, key_id, step)
) WITHOUT ROWID;

-- Per-run, per-key summary maintained by every ingest batch (filter/sort without scanning points).
CREATE TABLE run_metric_summary (
    run_id      BIGINT NOT NULL REFERENCES runs (id),
    key_id      BIGINT NOT NULL REFERENCES metric_keys (id),
    last_step   BIGINT NOT NULL,
    last_value  BLOB,
    min_value   BLOB,
    max_value   BLOB,
    point_count BIGINT NOT NULL,
    PRIMARY KEY (run_id, key_id)
) WITHOUT ROWID;
CREATE INDEX run_metric_summary_key ON run_metric_summary (key_id, last_value);

CREATE TABLE model_aliases (
    model_name TEXT NOT NULL,
    alias      TEXT NOT NULL,
    model_id   TEXT NOT NULL REFERENCES ml_models (id),
    PRIMARY KEY (model_name, alias)
);

-- Every alias change, so "which version was champion at T" is one indexed query.
CREATE TABLE model_alias_history (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    model_name  TEXT NOT NULL,
    alias       TEXT NOT NULL,
    model_id    TEXT REFERENCES ml_models (id),
    previous_id TEXT REFERENCES ml_models (id),
    at_us       BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    reason      TEXT
);
CREATE INDEX model_alias_history_t ON model_alias_history (model_name, alias, at_us, id);

-- Append-only, hash-chained audit log (UPDATE/DELETE blocked by triggers below).
CREATE TABLE registry_events (
    seq          BIGINT PRIMARY KEY NOT NULL,
    at_us        BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity_kind  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    before_json  TEXT,
    after_json   TEXT,
    reason       TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX registry_events_entity ON registry_events (entity_id, seq);

-- Chain head: one row; appenders lock it (UPDATE) so seq allocation is serialised and gap-free.
CREATE TABLE registry_chain_head (
    id        BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    last_seq  BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO registry_chain_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE VIEW ml_models_summary AS
SELECT
    m.id,
    m.name,
    m.version,
    m.version_seq,
    m.status,
    (SELECT COUNT(DISTINCT f.feature) FROM ml_model_features f WHERE f.model_id = m.id) AS feature_count,
    (SELECT COUNT(*) FROM ml_model_performance_history p WHERE p.model_id = m.id) AS performance_record_count,
    (SELECT p.id FROM ml_model_performance_history p WHERE p.model_id = m.id
        ORDER BY p.at_us DESC, p.id DESC LIMIT 1) AS latest_performance_id
FROM ml_models m;

CREATE TRIGGER registry_events_no_update BEFORE UPDATE ON registry_events
BEGIN SELECT RAISE(ABORT, 'registry_events is append-only'); END;
CREATE TRIGGER registry_events_no_delete BEFORE DELETE ON registry_events
BEGIN SELECT RAISE(ABORT, 'registry_events is append-only'); END;
