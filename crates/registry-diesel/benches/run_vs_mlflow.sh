#!/usr/bin/env bash
# Runs MLflow's baseline (benches/mlflow_bench.py, same workload shapes) and our Rust port
# (benches/registry_vs_mlflow.rs, release profile) back to back on the same machine, then prints the
# ratios used in docs/benchmarks/registry.md.
#
# Run from the repository root:
#   bash crates/registry-diesel/benches/run_vs_mlflow.sh [VENV]        (VENV default /tmp/venv-mlflow)
# The venv is created (pip install mlflow-skinny sqlalchemy alembic) if it does not exist.
#
# Environment:
#   MLFLOW_SCALE=full   (default) MLflow runs the reference shapes: 1,000 runs, 200 versions,
#                       2,000 per-call points, 10,000-point history. Takes 2-10 minutes.
#   MLFLOW_SCALE=quick  MLflow runs 200 runs, 50 versions, 500 per-call points (history stays
#                       10,000 points). Rates (points/s, runs/s, versions/s) are per-operation and
#                       comparable; MLflow's search then scans 200 runs instead of 1,000, which
#                       favours MLflow (our side always uses 1,000). About 5x shorter.
#   MLFLOW_JSON=FILE    reuse MLflow results written by an earlier run of this script (printed at
#                       the end as "raw results in DIR"); MLflow is not rerun. Not a same-run
#                       comparison: say so when reporting.
#   AAITI_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test   adds PostgreSQL phases.
set -euo pipefail
VENV=${1:-/tmp/venv-mlflow}
SCALE=${MLFLOW_SCALE:-full}
WORK=$(mktemp -d)
HERE=$(cd "$(dirname "$0")" && pwd)
FEATURES=()
if [ -n "${AAITI_TEST_POSTGRES_URL:-}" ]; then FEATURES=(--features postgres); fi

echo "== building the release bench binary first (so compiling never overlaps a measurement)"
cargo bench -p aaiti-registry-diesel "${FEATURES[@]}" --bench registry_vs_mlflow --no-run

if [ -n "${MLFLOW_JSON:-}" ]; then
  echo "== MLflow: reusing $MLFLOW_JSON (not rerun)"
  cp "$MLFLOW_JSON" "$WORK/mlflow.json"
else
  if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q mlflow-skinny sqlalchemy alembic
  fi
  ARGS=()
  if [ "$SCALE" = quick ]; then ARGS=(--runs 200 --versions 50 --per-call-points 500); fi
  echo "== MLflow $("$VENV/bin/python" -c 'import mlflow; print(mlflow.__version__)') (scale $SCALE) load: $(uptime)"
  (cd "$WORK" && MLFLOW_ENABLE_ASYNC_LOGGING=false "$VENV/bin/python" "$HERE/mlflow_bench.py" \
    --db "$WORK/mlflow.db" --out "$WORK/mlflow.json" "${ARGS[@]}")
fi
echo "== aaiti-registry (SQLite${AAITI_TEST_POSTGRES_URL:+ + PostgreSQL}) load: $(uptime)"
cargo bench -p aaiti-registry-diesel "${FEATURES[@]}" --bench registry_vs_mlflow 2>/dev/null | tee "$WORK/aaiti.txt"
echo "== done, load: $(uptime)"
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
  ("(b) all log_batch points (points/s)", m["b_total_log_batch"]["points_per_s"], a["b_total_log_batch"]["points_per_s"], "rate"),
  ("(b3) per-call log_metric (points/s)", rate(m, "b3_log_metric_per_call"), rate(a, "b3_log_metric_per_call"), "rate"),
  ("(c1) register version (versions/s)", rate(m, "c1_create_model_versions"), rate(a, "c1_create_model_versions"), "rate"),
  ("(c2) set alias (s)", m["c2_set_alias"]["seconds"], a["c2_set_alias"]["seconds"], "time"),
  ("(c3) resolve alias (s)", m["c3_get_model_version_by_alias"]["seconds"], a["c3_get_model_version_by_alias"]["seconds"], "time"),
  ("(d1) search_runs filter+order (median s)", m["d1_search_runs_metric_filter_order_by"]["median_s"], a["d1_search_runs_metric_filter_order_by"]["median_s"], "time"),
  ("(d2) 10k-point history (median s)", m["d2_get_metric_history_10k"]["median_s"], a["d2_get_metric_history_10k"]["median_s"], "time"),
]
print(f"MLflow runs: {m['a_create_runs_with_10_params']['n']}, aaiti runs: 1000; "
      f"d1 rows: MLflow {m['d1_search_runs_metric_filter_order_by']['rows_returned']}, "
      f"aaiti {a['d1_search_runs_metric_filter_order_by']['rows_returned']}")
print("| Phase | MLflow | aaiti | aaiti advantage |\n|---|---|---|---|")
for name, mv, av, kind in rows:
    ratio = (av / mv) if kind == "rate" else (mv / av)
    print(f"| {name} | {mv:.6g} | {av:.6g} | {ratio:.1f}x |")
mb = m["db_bytes_per_metric_row"]; ab = a["db_bytes"]["bytes_per_point"]
print(f"| bytes per metric point (whole DB / points) | {mb} | {ab:.1f} | {mb / ab:.1f}x smaller |")
for k in ("d1_search_runs_metric_filter_order_by", "d2_get_metric_history_10k"):
    print(f"aaiti {k}: on-CPU {a[k].get('cpu_s_per_op')} s per call, wall {a[k].get('wall_s_per_op')} s per call (mean of a loop), wall median of 5: {a[k]['median_s']} s")
print(f"aaiti schema init: on-CPU {a['schema_init_migrations'].get('cpu_s')} s")
for k in sorted(a):
    if k.startswith("pg_") or k.startswith("a_bulk"):
        print(f"{k}: {json.dumps(a[k])}")
PY
echo "raw results in $WORK"
