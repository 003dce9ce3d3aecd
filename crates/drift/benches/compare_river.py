#!/usr/bin/env python3
"""river 0.26.1 / scipy 1.17.1 side of `run_compare.sh`.

The cases and data shapes of `drift_bench.py` (the project's reference speed baseline): 1 M
values N(0,1) then N(0.5,1) (seed 7); a 0/1 error stream with rate 0.1 then 0.2 for DDM and
HDDM_A; KSWIN on the first 20 k values; `ks_2samp` on 100 k vs 100 k normals. Each case reports
the best of `--repeats` runs as wall time (perf_counter) and as this thread's CPU time
(thread_time_ns), so runs on a loaded machine can be compared on CPU time. Python call overhead
is included: that is what a river user pays. One JSON object per case on stdout.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
from river import drift
from river.drift import binary
from scipy import stats


def best(fn, repeats):
    wall, cpu, out = float("inf"), float("inf"), None
    for _ in range(repeats):
        c0, t0 = time.thread_time_ns(), time.perf_counter()
        out = fn()
        wall = min(wall, time.perf_counter() - t0)
        cpu = min(cpu, (time.thread_time_ns() - c0) / 1e9)
    return wall, cpu, out


def stream(make, xs):
    d = make()
    upd = d.update
    hits = 0
    for x in xs:
        upd(x)
        if d.drift_detected:
            hits += 1
    return hits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--ks-n", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    n = args.n
    arr = np.concatenate([rng.normal(0, 1, n // 2), rng.normal(0.5, 1, n - n // 2)])
    xs = arr.tolist()
    err = (rng.random(n) < np.where(np.arange(n) < n // 2, 0.1, 0.2)).astype(int).tolist()
    cases = [
        ("adwin_clock32", lambda: drift.ADWIN(delta=0.002), xs, args.repeats),
        ("adwin_clock1", lambda: drift.ADWIN(delta=0.002, clock=1), xs, 1),
        ("page_hinkley", lambda: drift.PageHinkley(), xs, args.repeats),
        ("ddm", lambda: binary.DDM(), err, args.repeats),
        ("hddm_a", lambda: binary.HDDMA(), err, 1),
        ("kswin_20k", lambda: drift.KSWIN(seed=1), xs[:20_000], 1),
    ]
    for name, mk, data, reps in cases:
        wall, cpu, hits = best(lambda: stream(mk, data), reps)
        m = len(data)
        print(json.dumps({"case": name, "wall_ns_per_update": wall / m * 1e9,
                          "cpu_ns_per_update": cpu / m * 1e9, "detections": hits}), flush=True)
    a = rng.normal(0, 1, args.ks_n)
    b = rng.normal(0.01, 1, args.ks_n)
    wall, cpu, r = best(lambda: stats.ks_2samp(a, b, method="auto"), max(args.repeats, 20))
    print(json.dumps({"case": f"ks_2samp_{args.ks_n}_auto", "wall_ms": wall * 1e3, "cpu_ms": cpu * 1e3,
                      "statistic": float(r.statistic), "pvalue": float(r.pvalue)}), flush=True)


if __name__ == "__main__":
    main()
