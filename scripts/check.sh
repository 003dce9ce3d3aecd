#!/usr/bin/env bash
# The one test command (README, CI): formatting, lints, all tests (default features, libtorch,
# PostgreSQL), the no-libtorch-by-default proof and the supply-chain check. It installs what it
# needs (apt packages, cargo-deny, the torch venv) and starts nothing that it leaves running.
#
#   bash scripts/check.sh            # everything
#   AAITI_SKIP_TCH=1 bash scripts/check.sh   # skip the libtorch steps (no 4.7 GB venv)
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
steps=()
step() { # step NAME CMD...: run, time and record one step
    local name=$1; shift
    local t0=$(date +%s)
    echo "::: $name"
    "$@"
    steps+=("$name $(( $(date +%s) - t0 ))s")
}

export CARGO_TERM_COLOR=never
export RUST_BACKTRACE=1

install_tools() {
    if ! dpkg -s libpq-dev >/dev/null 2>&1 || ! command -v pkg-config >/dev/null; then
        if command -v apt-get >/dev/null; then
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpq-dev pkg-config >/dev/null
        fi
    fi
    command -v cargo-deny >/dev/null || cargo install --locked --quiet cargo-deny
}

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
started_pg=""
stop_pg() { if [ -n "$started_pg" ]; then pg_ctlcluster --skip-systemctl-redirect $started_pg stop || true; fi; }
trap stop_pg EXIT

postgres_url() {
    if [ -n "${AAITI_TEST_POSTGRES_URL:-}" ]; then return; fi
    # A machine with an installed but stopped cluster: start it for the tests, stop it on exit.
    if ! pg_up && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
        local ver
        ver=$(ls /etc/postgresql | sort -V | tail -n 1)
        if [ -n "$ver" ] && pg_ctlcluster --skip-systemctl-redirect "$ver" main start; then
            started_pg="$ver main"
            for _ in $(seq 1 20); do pg_up && break; sleep 0.5; done
        fi
    fi
    if pg_up; then
        export AAITI_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/test"
        echo "PostgreSQL found on 127.0.0.1:5432: AAITI_TEST_POSTGRES_URL=$AAITI_TEST_POSTGRES_URL"
    else
        echo "################################################################################"
        echo "## WARNING: no PostgreSQL server on 127.0.0.1:5432 and AAITI_TEST_POSTGRES_URL"
        echo "## is unset: the PostgreSQL backend tests will be SKIPPED on this machine."
        echo "################################################################################"
    fi
}

no_libtorch_by_default() {
    if cargo tree --workspace --edges normal,build --prefix none -f '{p}' | grep -E '^(tch|torch-sys) v'; then
        echo "error: the default build depends on tch/torch-sys" >&2
        return 1
    fi
    echo "default build has no tch/torch-sys"
}

with_libtorch() {
    # shellcheck disable=SC1091
    . scripts/libtorch-env.sh
    "$@"
}

step "install tools" install_tools
postgres_url
step "fmt" cargo fmt --all --check
step "clippy (default features)" cargo clippy --workspace --all-targets --locked -- -D warnings
step "no libtorch by default" no_libtorch_by_default
step "tests (default features, incl. doctests)" cargo test --workspace --locked
# Features that need no libtorch, crate by crate (feature unification would otherwise mix them).
step "tests (parquet)" cargo test -p aaiti-core --features parquet --locked
if cargo metadata --no-deps --format-version 1 | grep -q '"name":"aaiti-registry-diesel"'; then
    step "tests (registry on PostgreSQL)" cargo test -p aaiti-registry-diesel --features postgres --locked
fi
if [ -z "${AAITI_SKIP_TCH:-}" ]; then
    # Every feature of every package except the cloud object-store SDKs (aws/gcp/azure pull
    # aws-lc-sys, a C build of several minutes); AAITI_CHECK_CLOUD=1 checks those too.
    mapfile -t all_feats < <(cargo metadata --no-deps --format-version 1 | python3 -c "
import json, sys
m = json.load(sys.stdin)
skip = {'default', 'aws', 'gcp', 'azure'}
for p in m['packages']:
    for f in sorted(p['features']):
        if f not in skip:
            print(p['name'] + '/' + f)")
    feat_list=$(IFS=,; echo "${all_feats[*]}")
    step "clippy (all features but cloud SDKs, libtorch)" with_libtorch cargo clippy --workspace --all-targets --features "$feat_list" --locked -- -D warnings
    if [ -n "${AAITI_CHECK_CLOUD:-}" ]; then
        step "check (cloud object stores)" cargo check -p aaiti-registry --features aws,gcp,azure --locked
    fi
    tch_pkgs=()
    for p in aaiti-models aaiti-training aaiti-cli; do
        if cargo metadata --no-deps --format-version 1 | grep -q "\"name\":\"$p\"" &&
            cargo metadata --no-deps --format-version 1 | python3 -c "import json,sys; m=json.load(sys.stdin); sys.exit(0 if any(p['name']=='$p' and 'tch' in p['features'] for p in m['packages']) else 1)"; then
            tch_pkgs+=(-p "$p")
        fi
    done
    if [ ${#tch_pkgs[@]} -gt 0 ]; then
        step "tests (tch, CPU)" with_libtorch cargo test "${tch_pkgs[@]}" --features tch --locked
    fi
else
    echo "AAITI_SKIP_TCH set: skipping the libtorch steps"
fi
step "cargo deny" cargo deny --log-level error check licenses bans sources

total=$(( $(date +%s) - start ))
printf '%s\n' "${steps[@]}" | sed 's/^/  /'
echo "aaiti check: all ${#steps[@]} steps passed in ${total}s"
