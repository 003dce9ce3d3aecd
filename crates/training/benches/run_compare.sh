#!/usr/bin/env bash
# aaiti-training: the criterion bench `pipeline` (all groups) and, in the same run, the
# scikit-learn timings of the same metrics on 1M predictions; prints a ratio table.
#
#   bash crates/training/benches/run_compare.sh          # about 2-3 minutes incl. the venv
#   VENV=/tmp/venv-sk bash crates/training/benches/run_compare.sh
#
# The venv (scikit-learn, numpy) is created under /tmp on first use. Criterion's medians are
# read from $CARGO_TARGET_DIR/criterion/*/*/new/estimates.json.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
cd "$ROOT"
VENV="${VENV:-/tmp/venv-sk}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
if ! "$VENV/bin/python" -c "import sklearn, numpy" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check scikit-learn numpy
fi
echo "load before: $(uptime)"
cargo bench -p aaiti-training --bench pipeline 2>&1 | grep -E "^[a-z_0-9/ ]+time:|time:|thrpt:" || true
SK="$("$VENV/bin/python" crates/training/benches/sklearn_metrics.py --repeat 5)"
echo "load after: $(uptime)"
"$VENV/bin/python" - "$TARGET/criterion" "$SK" <<'PYEOF'
import json, os, sys
root, sk = sys.argv[1], json.loads(sys.argv[2])["sklearn_ms"]
print("| bench | aaiti (median) | scikit-learn (median) | ratio sklearn/aaiti |")
print("|---|---|---|---|")
for group in sorted(os.listdir(root)):
    gdir = os.path.join(root, group)
    if not os.path.isdir(gdir) or group not in ("metrics_1m", "split_backtest_1m", "btc_hourly"):
        continue
    for dirpath, _, files in sorted(os.walk(gdir)):
        if "estimates.json" in files and dirpath.endswith(os.path.join("new")):
            name = os.path.relpath(os.path.dirname(dirpath), root)
            ms = json.load(open(os.path.join(dirpath, "estimates.json")))["median"]["point_estimate"] / 1e6
            leaf = name.split(os.sep)[1] if os.sep in name else name
            ref = sk.get(leaf) if group == "metrics_1m" else None
            ratio = f"**{ref / ms:.1f}x**" if ref else "-"
            refs = f"{ref:.1f} ms" if ref else "-"
            print(f"| {name} | {ms:.2f} ms | {refs} | {ratio} |")
PYEOF
