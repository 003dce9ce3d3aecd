#!/usr/bin/env bash
# Side-by-side speed run: aaiti-drift (release build, `examples/drift_speed.rs`) and river 0.26.1 /
# scipy 1.17.1 (`compare_river.py`) on the same workload shapes, back to back in one run. Writes
# the ratio table between the RESULTS markers of docs/benchmarks/drift.md (pass --no-write to
# only print it). Both sides report wall time and per-thread CPU time; on a loaded machine
# compare the CPU-time columns. Takes about 1-3 minutes.
#
#   crates/drift/benches/run_compare.sh [--repeats R] [--no-write]
set -euo pipefail
cd "$(dirname "$0")/../../.."
REPEATS=2
WRITE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --repeats) REPEATS="$2"; shift 2 ;;
    --no-write) WRITE=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
VENV=${VENV:-/tmp/venv-drift}
if ! "$VENV/bin/python" -c "import river, scipy, numpy" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q river==0.26.1 scipy==1.17.1 numpy
fi
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-/work/target}
cargo build -q --release -p aaiti-drift --example drift_speed
OUT=$(mktemp -d)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
"$CARGO_TARGET_DIR/release/examples/drift_speed" --repeats $((REPEATS + 3)) > "$OUT/rust.jsonl"
"$VENV/bin/python" crates/drift/benches/compare_river.py --repeats "$REPEATS" > "$OUT/python.jsonl"
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
VERSIONS=$("$VENV/bin/python" -c "import importlib.metadata as m; print(', '.join(f'{p} {m.version(p)}' for p in ('river','scipy','numpy')))")
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
"$VENV/bin/python" - "$OUT" "$WRITE" "$LOAD_START" "$LOAD_END" "$VERSIONS" "$CPU" "$(nproc)" <<'PY'
import json, sys, datetime, re, pathlib
out, write, l0, l1, versions, cpu, ncpu = sys.argv[1:]
rd = {j["case"]: j for j in map(json.loads, open(f"{out}/rust.jsonl"))}
py = {j["case"]: j for j in map(json.loads, open(f"{out}/python.jsonl"))}
names = {"adwin_clock32": "ADWIN(δ=0.002), clock 32", "adwin_clock1": "ADWIN, clock 1",
         "page_hinkley": "PageHinkley()", "ddm": "DDM", "hddm_a": "HDDM_A",
         "kswin_20k": "KSWIN(seed=1), 20 k updates (ours: CPython-RNG-compatible)"}
goals = {"adwin_clock32": 20, "adwin_clock1": 300, "page_hinkley": 5, "ddm": 5, "hddm_a": 10, "kswin_20k": 2000}
rows = ["| case | river CPU | ours CPU | speed-up (CPU) | river wall | ours wall | speed-up (wall) | goal (ours) | met (CPU) |",
        "|---|---|---|---|---|---|---|---|---|"]
f = lambda v: f"{v:,.1f}" if v < 1e4 else f"{v:,.0f}"
for k, label in names.items():
    r, p = rd[k], py[k]
    rows.append(f"| {label} (ns/update) | {f(p['cpu_ns_per_update'])} | {f(r['cpu_ns_per_update'])} | "
                f"{p['cpu_ns_per_update']/r['cpu_ns_per_update']:,.0f}× | {f(p['wall_ns_per_update'])} | "
                f"{f(r['wall_ns_per_update'])} | {p['wall_ns_per_update']/r['wall_ns_per_update']:,.0f}× | "
                f"≤ {goals[k]} | {'yes' if r['cpu_ns_per_update'] <= goals[k] else '**no**'} |")
ks = [c for c in rd if c.startswith("ks_2samp")][0]
r, p = rd[ks], py[ks]
rows.append(f"| `ks_2samp` 100 k vs 100 k, auto → asymp (ms/call) | {p['cpu_ms']:.2f} | {r['cpu_ms']:.2f} | "
            f"{p['cpu_ms']/r['cpu_ms']:.1f}× | {p['wall_ms']:.2f} | {r['wall_ms']:.2f} | {p['wall_ms']/r['wall_ms']:.1f}× | "
            f"≤ 3 | {'yes' if r['cpu_ms'] <= 3 else '**no**'} |")
same = abs(r["statistic"] - p["statistic"]) < 0.02
stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
text = "\n".join([
    f"Run {stamp} on {ncpu} × {cpu}; load average (1/5/15 min) {l0} at the start, {l1} at the end; {versions}.",
    "CPU = the benchmarking thread's CPU time (Linux schedstat / Python `thread_time_ns`), wall = elapsed time;",
    "best of several runs each. Detections per case, ours / river: " + ", ".join(
        f"{k} {rd[k]['detections']} / {py[k]['detections']}" for k in names) + ".",
    "",
    *rows,
])
print(text)
if write == "1":
    doc = pathlib.Path("docs/benchmarks/drift.md")
    s = doc.read_text()
    a, b = "<!-- RESULTS:BEGIN (written by crates/drift/benches/run_compare.sh) -->", "<!-- RESULTS:END -->"
    if a in s and b in s:
        s = s[: s.index(a) + len(a)] + "\n" + text + "\n" + s[s.index(b):]
    else:
        s += f"\n{a}\n{text}\n{b}\n"
    doc.write_text(s)
    print(f"\nwritten to {doc}")
PY
rm -rf "$OUT"
