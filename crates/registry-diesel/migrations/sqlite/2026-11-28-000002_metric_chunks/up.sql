-- Chunk mode for metric points on SQLite: up to 1,024 points of one (run, key) series packed in
-- one BLOB (format in src/chunk.rs), about 11 bytes per point instead of a ~30-byte B-tree cell per
-- point, and a 10,000-point history read is ~10 rows. New points are written here; points written
-- to run_metrics by the first schema version stay readable (both tables are read).
CREATE TABLE run_metric_chunks (
    id          INTEGER PRIMARY KEY,
    run_id      BIGINT NOT NULL REFERENCES runs (id),
    key_id      BIGINT NOT NULL REFERENCES metric_keys (id),
    first_step  BIGINT NOT NULL,
    last_step   BIGINT NOT NULL,
    n           BIGINT NOT NULL CHECK (n > 0),
    points      BLOB NOT NULL,
    UNIQUE (run_id, key_id, first_step)
);
