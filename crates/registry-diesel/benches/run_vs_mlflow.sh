#!/usr/bin/env bash
# Runs MLflow's baseline (benches/mlflow_bench.py, same workload shapes) and our Rust port back to
# back on the same machine, then prints the ratios used in docs/benchmarks/registry.md.
#
# Setup (once, OUTSIDE the repository):
#   python3 -m venv /tmp/venv-mlflow && /tmp/venv-mlflow/bin/pip install mlflow-skinny sqlalchemy alembic
# Run from the repository root:
#   bash crates/registry-diesel/benches/run_vs_mlflow.sh [/tmp/venv-mlflow]
# Optional: AAITI_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test adds PostgreSQL ingest.
set -euo pipefail
VENV=${1:-/tmp/venv-mlflow}
WORK=$(mktemp -d)
HERE=$(cd "$(dirname "$0")" && pwd)
echo "== MLflow ($("$VENV/bin/python" -c 'import mlflow; print(mlflow.__version__)'))"
(cd "$WORK" && MLFLOW_ENABLE_ASYNC_LOGGING=false "$VENV/bin/python" "$HERE/mlflow_bench.py" --db "$WORK/mlflow.db" --out "$WORK/mlflow.json")
echo "== aaiti-registry (SQLite${AAITI_TEST_POSTGRES_URL:+ + PostgreSQL})"
cargo bench -p aaiti-registry-diesel ${AAITI_TEST_POSTGRES_URL:+--features postgres} --bench registry_vs_mlflow 2>/dev/null | tee "$WORK/aaiti.txt"
tail -n 1 "$WORK/aaiti.txt" > "$WORK/aaiti.json"
python3 - "$WORK/mlflow.json" "$WORK/aaiti.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1])); a = json.load(open(sys.argv[2]))
def rate(d, k): return d[k].get("points_per_s") or d[k].get("runs_per_s") or d[k].get("versions_per_s")
rows = [
  ("schema init (s)", m["schema_init_migrations"]["seconds"], a["schema_init_migrations"]["seconds"], "time"),
  ("(a) create run + 10 params (runs/s)", rate(m, "a_create_runs_with_10_params"), rate(a, "a_create_runs_with_10_params"), "rate"),
  ("(b1) 90-point batches (points/s)", rate(m, "b1_log_batch_90pts_x_runs"), rate(a, "b1_log_batch_90pts_x_runs"), "rate"),
  ("(b2) 1,000-point batches (points/s)", rate(m, "b2_log_batch_1000pts_x10"), rate(a, "b2_log_batch_1000pts_x10"), "rate"),
  ("(b) total 100k points (s)", m["b_total_log_batch"]["seconds"], a["b_total_log_batch"]["seconds"], "time"),
  ("(b3) per-call log_metric (points/s)", rate(m, "b3_log_metric_per_call"), rate(a, "b3_log_metric_per_call"), "rate"),
  ("(c1) register version (versions/s)", rate(m, "c1_create_model_versions"), rate(a, "c1_create_model_versions"), "rate"),
  ("(c2) set alias (s)", m["c2_set_alias"]["seconds"], a["c2_set_alias"]["seconds"], "time"),
  ("(c3) resolve alias (s)", m["c3_get_model_version_by_alias"]["seconds"], a["c3_get_model_version_by_alias"]["seconds"], "time"),
  ("(d1) search_runs filter+order, 1,000 runs (median s)", m["d1_search_runs_metric_filter_order_by"]["median_s"], a["d1_search_runs_metric_filter_order_by"]["median_s"], "time"),
  ("(d2) 10k-point history (median s)", m["d2_get_metric_history_10k"]["median_s"], a["d2_get_metric_history_10k"]["median_s"], "time"),
]
print("| Phase | MLflow | aaiti | aaiti advantage |\n|---|---|---|---|")
for name, mv, av, kind in rows:
    ratio = (av / mv) if kind == "rate" else (mv / av)
    print(f"| {name} | {mv:.6g} | {av:.6g} | {ratio:.1f}x |")
mb = m["db_bytes_per_metric_row"]; ab = a["db_bytes"]["bytes_per_point"]
print(f"| bytes per metric point (whole DB / points) | {mb} | {ab:.1f} | {mb / ab:.1f}x smaller |")
for k in ("pg_b2_log_batch_1000pts_x10", "pg_b1_log_batch_90pts_x_runs", "pg_a_create_runs_with_10_params"):
    if k in a: print(f"PostgreSQL {k}: {json.dumps(a[k])}")
PY
echo "raw results in $WORK"
