#!/usr/bin/env bash
# Source this file (`. scripts/libtorch-env.sh`) to build and run aaiti with `--features tch`.
#
# It creates `.venv-torch/` (git-ignored) with torch==2.13.0 from PyPI the first time
# (about 4.7 GB, one minute or two), then exports what tch 0.26 / torch-sys 0.26 read at
# build time and what the binaries need at run time:
#   LIBTORCH_USE_PYTORCH=1  ask the venv's `python` for include and lib dirs
#   VIRTUAL_ENV, PATH       torch-sys runs `python` found on PATH (PYTHON_SYS_EXECUTABLE is ignored)
#   LD_LIBRARY_PATH         torch/lib, since torch-sys leaves no rpath in binaries
# See docs/tch.md for the traps (rpath, --as-needed dropping libtorch_cuda.so).
#
# Override the location with AAITI_TORCH_VENV=/path/to/venv.
_aaiti_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_aaiti_venv="${AAITI_TORCH_VENV:-$_aaiti_root/.venv-torch}"
_aaiti_torch_version="2.13.0"

if ! "$_aaiti_venv/bin/python" -c "import torch, sys; sys.exit(0 if torch.__version__.split('+')[0] == '$_aaiti_torch_version' else 1)" 2>/dev/null; then
    echo "libtorch-env: installing torch==$_aaiti_torch_version into $_aaiti_venv" >&2
    python3 -m venv "$_aaiti_venv" || return 1 2>/dev/null || exit 1
    "$_aaiti_venv/bin/pip" install --quiet --disable-pip-version-check \
        "torch==$_aaiti_torch_version" safetensors numpy || return 1 2>/dev/null || exit 1
fi

export VIRTUAL_ENV="$_aaiti_venv"
export PATH="$_aaiti_venv/bin:$PATH"
export LIBTORCH_USE_PYTORCH=1
_aaiti_torch_lib="$("$_aaiti_venv/bin/python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')"
export LD_LIBRARY_PATH="$_aaiti_torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
unset _aaiti_root _aaiti_venv _aaiti_torch_version _aaiti_torch_lib
