-- Portable core of the registry schema (shared text of the SQLite and PostgreSQL migrations).
-- Timestamps are BIGINT microseconds since the Unix epoch (from the injected clock).
-- JSON documents are TEXT (canonical serde_json text). Text columns use the "C" collation so
-- comparisons and ordering are byte-wise, identical to SQLite and the in-memory backend.

CREATE TABLE ml_models (
    id                    TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    name                  TEXT COLLATE "C" NOT NULL,
    version               TEXT COLLATE "C" NOT NULL,
    version_seq           BIGINT NOT NULL,
    model_type            TEXT COLLATE "C" NOT NULL,
    framework             TEXT COLLATE "C" NOT NULL,
    status                TEXT COLLATE "C" NOT NULL CHECK (status IN ('draft', 'training', 'active', 'archived')),
    description           TEXT COLLATE "C",
    hyperparameters       TEXT COLLATE "C" NOT NULL,
    feature_spec          TEXT COLLATE "C" NOT NULL,
    label_spec            TEXT COLLATE "C" NOT NULL,
    data_fingerprint      TEXT COLLATE "C",
    train_start_us        BIGINT,
    train_end_us          BIGINT,
    validation_start_us   BIGINT,
    validation_end_us     BIGINT,
    test_start_us         BIGINT,
    test_end_us           BIGINT,
    artifact_root         TEXT COLLATE "C",
    artifact_checksum     TEXT COLLATE "C",
    parent_id             TEXT COLLATE "C" REFERENCES ml_models (id),
    generation            BIGINT NOT NULL CHECK (generation >= 0),
    created_by            TEXT COLLATE "C" NOT NULL,
    created_at_us         BIGINT NOT NULL,
    updated_at_us         BIGINT NOT NULL,
    trained_at_us         BIGINT,
    deployed_at_us        BIGINT,
    archived_at_us        BIGINT,
    deployment            TEXT COLLATE "C" NOT NULL,
    drift_detected        BOOLEAN NOT NULL,
    drift_detected_at_us  BIGINT,
    drift_metrics         TEXT COLLATE "C" NOT NULL,
    auto_retrain_enabled  BOOLEAN NOT NULL,
    seed                  BIGINT,
    code_version          TEXT COLLATE "C",
    row_version           BIGINT NOT NULL,
    UNIQUE (name, version),
    UNIQUE (name, version_seq)
);
CREATE INDEX ml_models_created ON ml_models (created_at_us, id);
CREATE INDEX ml_models_status ON ml_models (name, status, version_seq);

-- Gap-free version allocation: one counter row per name, bumped by an upsert that row-locks.
CREATE TABLE ml_model_names (
    name      TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    last_seq  BIGINT NOT NULL
);

CREATE TABLE ml_model_tags (
    model_id  TEXT COLLATE "C" NOT NULL REFERENCES ml_models (id),
    tag_key   TEXT COLLATE "C" NOT NULL,
    tag_value TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (model_id, tag_key)
);
CREATE INDEX ml_model_tags_kv ON ml_model_tags (tag_key, tag_value);

-- value NULL encodes NaN (SQLite cannot store NaN); ±Inf are stored as is.
CREATE TABLE ml_model_metrics (
    model_id    TEXT COLLATE "C" NOT NULL REFERENCES ml_models (id),
    split       TEXT COLLATE "C" NOT NULL CHECK (split IN ('train', 'validation', 'test')),
    metric_key  TEXT COLLATE "C" NOT NULL,
    value       DOUBLE PRECISION,
    PRIMARY KEY (model_id, split, metric_key)
);
CREATE INDEX ml_model_metrics_kv ON ml_model_metrics (split, metric_key, value);

CREATE TABLE ml_model_lineage (
    parent_id     TEXT COLLATE "C" NOT NULL REFERENCES ml_models (id),
    child_id      TEXT COLLATE "C" NOT NULL REFERENCES ml_models (id),
    kind          TEXT COLLATE "C" NOT NULL CHECK (kind IN ('parent_child', 'ensemble_component', 'generation', 'derived_from')),
    created_at_us BIGINT NOT NULL,
    PRIMARY KEY (parent_id, child_id, kind),
    CHECK (parent_id <> child_id)
);
CREATE INDEX ml_model_lineage_child ON ml_model_lineage (child_id);

CREATE TABLE ml_model_performance_history (
    id            BIGSERIAL PRIMARY KEY,
    model_id      TEXT COLLATE "C" NOT NULL REFERENCES ml_models (id),
    at_us         BIGINT NOT NULL,
    accuracy      DOUBLE PRECISION,
    precision_    DOUBLE PRECISION,
    recall        DOUBLE PRECISION,
    f1            DOUBLE PRECISION,
    sharpe        DOUBLE PRECISION,
    sortino       DOUBLE PRECISION,
    max_drawdown  DOUBLE PRECISION,
    drift_score   DOUBLE PRECISION,
    alert         TEXT COLLATE "C",
    nan_mask      BIGINT NOT NULL
);
CREATE INDEX ml_model_performance_history_t ON ml_model_performance_history (model_id, at_us, id);

CREATE TABLE ml_model_features (
    model_id      TEXT COLLATE "C" NOT NULL REFERENCES ml_models (id),
    feature       TEXT COLLATE "C" NOT NULL,
    feature_type  TEXT COLLATE "C" NOT NULL,
    method        TEXT COLLATE "C" NOT NULL,
    fold          BIGINT,
    mean_value    DOUBLE PRECISION NOT NULL,
    std_value     DOUBLE PRECISION NOT NULL,
    min_value     DOUBLE PRECISION NOT NULL,
    max_value     DOUBLE PRECISION NOT NULL
);
CREATE UNIQUE INDEX ml_model_features_key ON ml_model_features (model_id, feature, method, COALESCE(fold, -1));

CREATE TABLE ml_model_artifacts (
    id                TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    model_id          TEXT COLLATE "C" NOT NULL REFERENCES ml_models (id),
    kind              TEXT COLLATE "C" NOT NULL CHECK (kind IN ('weights', 'architecture', 'preprocessor', 'config', 'report')),
    name              TEXT COLLATE "C" NOT NULL,
    storage           TEXT COLLATE "C" NOT NULL,
    uri               TEXT COLLATE "C" NOT NULL,
    sha256            TEXT COLLATE "C" NOT NULL,
    size_bytes        BIGINT NOT NULL,
    stored_size_bytes BIGINT NOT NULL,
    compression       TEXT COLLATE "C" NOT NULL CHECK (compression IN ('none', 'zstd')),
    created_at_us     BIGINT NOT NULL,
    access_count      BIGINT NOT NULL,
    last_access_at_us BIGINT,
    UNIQUE (model_id, kind, name)
);

CREATE TABLE runs (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT COLLATE "C" NOT NULL,
    model_id       TEXT COLLATE "C" REFERENCES ml_models (id),
    status         TEXT COLLATE "C" NOT NULL CHECK (status IN ('running', 'finished', 'failed', 'killed')),
    created_by     TEXT COLLATE "C" NOT NULL,
    started_at_us  BIGINT NOT NULL,
    ended_at_us    BIGINT
);
CREATE INDEX runs_started ON runs (started_at_us, id);
CREATE INDEX runs_model ON runs (model_id);

CREATE TABLE run_params (
    run_id      BIGINT NOT NULL REFERENCES runs (id),
    param_key   TEXT COLLATE "C" NOT NULL,
    param_value TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (run_id, param_key)
);

-- Dictionary of metric keys: metric rows carry a small integer instead of the key text.
CREATE TABLE metric_keys (
    id         BIGSERIAL PRIMARY KEY,
    metric_key TEXT COLLATE "C" NOT NULL UNIQUE
);

-- One narrow row per point: (run, key id, step) → (timestamp, value). value NULL encodes NaN.
CREATE TABLE run_metrics (
    run_id  BIGINT NOT NULL,
    key_id  BIGINT NOT NULL,
    step    BIGINT NOT NULL,
    ts_us   BIGINT NOT NULL,
    value   DOUBLE PRECISION,
    PRIMARY KEY (run_id, key_id, step)
);

-- Per-run, per-key summary maintained by every ingest batch (filter/sort without scanning points).
CREATE TABLE run_metric_summary (
    run_id      BIGINT NOT NULL REFERENCES runs (id),
    key_id      BIGINT NOT NULL REFERENCES metric_keys (id),
    last_step   BIGINT NOT NULL,
    last_value  DOUBLE PRECISION,
    min_value   DOUBLE PRECISION,
    max_value   DOUBLE PRECISION,
    point_count BIGINT NOT NULL,
    PRIMARY KEY (run_id, key_id)
);
CREATE INDEX run_metric_summary_key ON run_metric_summary (key_id, last_value);

CREATE TABLE model_aliases (
    model_name TEXT COLLATE "C" NOT NULL,
    alias      TEXT COLLATE "C" NOT NULL,
    model_id   TEXT COLLATE "C" NOT NULL REFERENCES ml_models (id),
    PRIMARY KEY (model_name, alias)
);

-- Every alias change, so "which version was champion at T" is one indexed query.
CREATE TABLE model_alias_history (
    id          BIGSERIAL PRIMARY KEY,
    model_name  TEXT COLLATE "C" NOT NULL,
    alias       TEXT COLLATE "C" NOT NULL,
    model_id    TEXT COLLATE "C" REFERENCES ml_models (id),
    previous_id TEXT COLLATE "C" REFERENCES ml_models (id),
    at_us       BIGINT NOT NULL,
    actor       TEXT COLLATE "C" NOT NULL,
    reason      TEXT COLLATE "C"
);
CREATE INDEX model_alias_history_t ON model_alias_history (model_name, alias, at_us, id);

-- Append-only, hash-chained audit log (UPDATE/DELETE blocked by triggers below).
CREATE TABLE registry_events (
    seq          BIGINT PRIMARY KEY NOT NULL,
    at_us        BIGINT NOT NULL,
    actor        TEXT COLLATE "C" NOT NULL,
    action       TEXT COLLATE "C" NOT NULL,
    entity_kind  TEXT COLLATE "C" NOT NULL,
    entity_id    TEXT COLLATE "C" NOT NULL,
    before_json  TEXT COLLATE "C",
    after_json   TEXT COLLATE "C",
    reason       TEXT COLLATE "C",
    prev_hash    TEXT COLLATE "C" NOT NULL,
    hash         TEXT COLLATE "C" NOT NULL
);
CREATE INDEX registry_events_entity ON registry_events (entity_id, seq);

-- Chain head: one row; appenders lock it (UPDATE) so seq allocation is serialised and gap-free.
CREATE TABLE registry_chain_head (
    id        BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    last_seq  BIGINT NOT NULL,
    last_hash TEXT COLLATE "C" NOT NULL
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

CREATE FUNCTION registry_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'registry_events is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER registry_events_no_update BEFORE UPDATE OR DELETE ON registry_events
    FOR EACH ROW EXECUTE FUNCTION registry_events_append_only();
CREATE TRIGGER registry_events_no_truncate BEFORE TRUNCATE ON registry_events
    FOR EACH STATEMENT EXECUTE FUNCTION registry_events_append_only();
