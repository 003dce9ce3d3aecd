#!/usr/bin/env bash
# Builds aaiti-models with libtorch and runs its CUDA tests on an NVIDIA GPU machine.
# Usage: bash scripts/gpu-check.sh   (writes logs under "$OUT" when that variable is set)
# The throughput benchmark (crates/models/benches/throughput.rs) is NOT written yet; this
# script only runs the tests.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/libtorch-env.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target-gpu}"
out="${OUT:-}"
log() { if [ -n "$out" ]; then tee -a "$out/gpu-check.log"; else cat; fi; }
{
  echo "== $(date -u) on $(hostname)"; nvidia-smi -L 2>&1 || echo "nvidia-smi not found"
  python -c 'import torch; print("torch", torch.__version__, "cuda available:", torch.cuda.is_available())'
} 2>&1 | log
cargo test -p aaiti-models --release --features tch,cuda-tests 2>&1 | log
rc=${PIPESTATUS[0]}
echo "== summary: cargo test --features tch,cuda-tests exit code $rc" | log
exit "$rc"
