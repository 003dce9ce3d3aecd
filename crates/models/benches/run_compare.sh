#!/usr/bin/env bash
# Side-by-side training throughput: aaiti's tch LSTM / MLP vs the same model and loop in
# PyTorch, same venv (torch==2.13.0), same thread counts, same machine, one run.
#
#   bash crates/models/benches/run_compare.sh            # 3 alternating repeats, threads 1 and 2
#   REPEATS=5 THREADS="1 2 4" bash crates/models/benches/run_compare.sh
#   NO_DOC=1 bash crates/models/benches/run_compare.sh   # print only, leave the doc alone
#   OMP_WAIT_POLICY=PASSIVE bash ...                       # both sides; helps on a loaded box
#
# Steps: `. scripts/libtorch-env.sh` (creates .venv-torch on first use, ~4.7 GB), builds the
# release bench `train_throughput` (first build compiles torch-sys's C++ wrapper, 2-7 min), then
# for each repeat, thread count and model runs the Rust and the Python process one after the
# other (order alternating between repeats), each a fresh process with one fit. Medians go into
# docs/benchmarks/models.md between the `run_compare` markers, with `uptime` before and after.
# Runtime on 2 idle cores: about 1-2 minutes after the build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
REPEATS="${REPEATS:-3}"
THREADS="${THREADS:-1 2}"
# shellcheck source=/dev/null
. scripts/libtorch-env.sh

echo "building the release bench (CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-target})" >&2
EXE="$(cargo bench -p aaiti-models --features tch --bench train_throughput --no-run \
    --message-format=json 2>/dev/null |
    python -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "train_throughput" and m.get("executable"):
        print(m["executable"])')"
if [ -z "$EXE" ]; then
    echo "build failed; rerun: cargo bench -p aaiti-models --features tch --bench train_throughput --no-run" >&2
    exit 1
fi
PY="crates/models/benches/torch_throughput.py"
OUT="$(mktemp /tmp/aaiti-models-compare.XXXXXX.jsonl)"
LOAD_BEFORE="$(uptime)"
echo "load before: $LOAD_BEFORE" >&2
for rep in $(seq 1 "$REPEATS"); do
    for t in $THREADS; do
        for m in lstm mlp; do
            if [ $((rep % 2)) -eq 1 ]; then
                "$EXE" --model "$m" --threads "$t" | tee -a "$OUT"
                python "$PY" --model "$m" --threads "$t" | tee -a "$OUT"
            else
                python "$PY" --model "$m" --threads "$t" | tee -a "$OUT"
                "$EXE" --model "$m" --threads "$t" | tee -a "$OUT"
            fi
        done
    done
done
LOAD_AFTER="$(uptime)"
echo "load after: $LOAD_AFTER" >&2

DOC="docs/benchmarks/models.md"
[ -n "${NO_DOC:-}" ] && DOC=""
python - "$OUT" "$LOAD_BEFORE" "$LOAD_AFTER" "$DOC" <<'PYEOF'
import json, os, platform, statistics, sys, datetime
import torch
path, before, after, doc = sys.argv[1:5]
rows = [json.loads(l) for l in open(path) if l.strip()]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
groups = {}
for r in rows:
    groups.setdefault((r["model"], r["threads"], r["impl"]), []).append(r)
def med(k, key):
    v = groups.get(k, [])
    return statistics.median(x[key] for x in v) if v else float("nan")
lines = []
lines.append(f"Run: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {cpu}, {os.cpu_count()} logical CPUs, "
             f"torch {torch.__version__}, {len(rows)} processes (median of {max(len(v) for v in groups.values())} alternating runs per cell).")
lines.append("")
lines.append(f"* load before: `{before.strip()}`")
lines.append(f"* load after: `{after.strip()}`")
lines.append(f"* OMP_WAIT_POLICY: `{os.environ.get('OMP_WAIT_POLICY', 'unset (libgomp default)')}`")
lines.append("")
lines.append("| model | threads | aaiti tch loop (samples/s) | PyTorch loop (samples/s) | **loop ratio** | paired ratios (min / median / max) | aaiti whole fit | PyTorch whole fit | fit ratio | final loss aaiti / PyTorch |")
lines.append("|---|---|---|---|---|---|---|---|---|---|")
for model in ("lstm", "mlp"):
    for t in sorted({k[1] for k in groups}):
        a, p = (model, t, "aaiti-tch"), (model, t, "pytorch")
        if a not in groups or p not in groups:
            continue
        la, lp = med(a, "loop_sps"), med(p, "loop_sps")
        fa, fp = med(a, "fit_sps"), med(p, "fit_sps")
        name = "LSTM 32x40, hidden 64, batch 64" if model == "lstm" else "MLP 40-64-32-2, batch 64"
        # each repeat runs the two processes back to back: their ratio is less exposed to load drift
        pr = sorted(x["loop_sps"] / y["loop_sps"] for x, y in zip(groups[a], groups[p]))
        prs = f"{pr[0]:.2f} / {statistics.median(pr):.2f} / {pr[-1]:.2f}"
        lines.append(f"| {name} | {t} | {la:,.0f} | {lp:,.0f} | **{la/lp:.2f}x** | {prs} | {fa:,.0f} | {fp:,.0f} | {fa/fp:.2f}x | "
                     f"{med(a, 'final_loss'):.4f} / {med(p, 'final_loss'):.4f} |")
lines.append("")
lines.append("Every run, samples/s (loop):")
lines.append("")
for k in sorted(groups):
    lines.append(f"* {k[0]} t={k[1]} {k[2]}: " + ", ".join(f"{x['loop_sps']:,.0f}" for x in groups[k]))
table = "\n".join(lines)
print(table)
if doc:
    begin, end = "<!-- BEGIN run_compare -->", "<!-- END run_compare -->"
    text = open(doc).read() if os.path.exists(doc) else f"# aaiti-models benchmarks\n\n{begin}\n{end}\n"
    if begin not in text or end not in text:
        text += f"\n{begin}\n{end}\n"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    open(doc, "w").write(f"{head}{begin}\n{table}\n{end}{tail}")
    print(f"wrote {doc}", file=sys.stderr)
PYEOF
rm -f "$OUT"
