#!/usr/bin/env python3
"""Reference detection indices for aaiti-drift's streaming detectors.

Made with river 0.26.1, numpy 2.4.6, Python 3.11.7 in a throwaway venv:
    python3 -m venv /tmp/venv-drift && /tmp/venv-drift/bin/pip install river==0.26.1 scipy==1.17.1 numpy
    /tmp/venv-drift/bin/python tests/golden/drift/gen_detectors.py
Writes detectors.json next to this script: the streams themselves (floats rounded to 6 decimals,
so the JSON values are exactly the doubles river saw) and, per case, the 0-based indices where
`drift_detected` (and, for binary detectors, `warning_detected`) was true after `update`.
"""
import json
import os
import random

import numpy as np
import river
from river import drift
from river.drift import binary

assert river.__version__ == "0.26.1", river.__version__

rng = np.random.default_rng(20261128)


def r6(a):
    return [float(round(float(v), 6)) for v in a]


streams = {}
# float streams
streams["abrupt_mean"] = r6(np.concatenate([rng.normal(0, 1, 1000), rng.normal(1.0, 1, 1000), rng.normal(-0.5, 1, 1000)]))
streams["abrupt_small"] = r6(np.concatenate([rng.normal(0, 1, 1500), rng.normal(0.4, 1, 1500)]))
ramp = np.concatenate([np.zeros(1000), np.linspace(0, 2, 1000), np.full(1000, 2.0)])
streams["gradual"] = r6(ramp + rng.normal(0, 0.7, 3000))
streams["variance"] = r6(np.concatenate([rng.normal(5, 0.5, 1500), rng.normal(5, 3.0, 1500)]))
streams["down_shift"] = r6(np.concatenate([rng.normal(10, 2, 1200), rng.normal(4, 2, 1800)]))
streams["scaled_noise"] = r6(rng.normal(100, 20, 3000))
streams["returns"] = r6(np.concatenate([rng.standard_t(4, 1500) * 0.01, rng.standard_t(4, 1500) * 0.03 - 0.002]))
streams["uniform_shift"] = r6(np.concatenate([rng.random(1000), rng.random(1000) * 0.5 + 0.5, rng.random(1000)]))
# Bernoulli error streams (1 = error)
def bern(ps, ns):
    return [int(v) for v in np.concatenate([(rng.random(n) < p).astype(int) for p, n in zip(ps, ns)])]
streams["err_abrupt"] = bern([0.1, 0.3], [1500, 1500])
streams["err_gradual"] = bern([0.1, 0.15, 0.2, 0.25, 0.3], [1000, 500, 500, 500, 1000])
streams["err_improve"] = bern([0.4, 0.15], [1500, 1500])
streams["err_stable"] = bern([0.2], [3000])
streams["err_multi"] = bern([0.05, 0.35, 0.05, 0.5], [800, 800, 800, 600])
streams["err_high"] = bern([0.45, 0.6], [1500, 1500])

float_names = ["abrupt_mean", "abrupt_small", "gradual", "variance", "down_shift", "scaled_noise", "returns", "uniform_shift"]
err_names = [k for k in streams if k.startswith("err_")]


class AllOldest:
    """Stand-in for random.Random: sample(range(k), m) returns the whole range (seed-free KSWIN)."""

    def sample(self, population, k):
        return list(population)


def run(make, xs, binary_det=False, seedfree=False):
    d = make()
    drifts, warns = [], []
    for i, x in enumerate(xs):
        if seedfree:
            d._rng = AllOldest()
        d.update(x)
        if d.drift_detected:
            drifts.append(i)
        if binary_det and d.warning_detected:
            warns.append(i)
    out = {"drift": drifts}
    if binary_det:
        out["warning"] = warns
    return out


cases = []


def add(det, params, make, names, binary_det=False, seedfree=False):
    for s in names:
        r = run(make, streams[s], binary_det, seedfree)
        cases.append({"detector": det, "params": params, "stream": s, **r})


# ADWIN
for p in [dict(), dict(delta=0.01), dict(delta=0.1), dict(clock=1), dict(clock=5, delta=0.05),
          dict(max_buckets=3, min_window_length=10, grace_period=50), dict(delta=1e-5, clock=16)]:
    add("adwin", p, lambda p=p: drift.ADWIN(**p), float_names + err_names)
# Page-Hinkley
for p in [dict(), dict(threshold=10.0), dict(threshold=20.0, mode="up"), dict(threshold=20.0, mode="down"),
          dict(threshold=5.0, delta=0.05, alpha=0.999), dict(threshold=30.0, min_instances=100, alpha=1.0),
          dict(threshold=1.0, mode="up", delta=0.5)]:
    add("page_hinkley", p, lambda p=p: drift.PageHinkley(**p), float_names + err_names)
# KSWIN (seed-free: reference = all oldest window_size - stat_size points)
for p in [dict(), dict(alpha=0.001, window_size=200, stat_size=50), dict(alpha=0.05, window_size=60, stat_size=20)]:
    add("kswin_seedfree", p, lambda p=p: drift.KSWIN(seed=0, **p), float_names, seedfree=True)
# KSWIN with CPython's random.Random(seed)
for p in [dict(seed=1), dict(seed=42, alpha=0.001, window_size=150, stat_size=40), dict(seed=12345678901234, alpha=0.01)]:
    add("kswin", p, lambda p=p: drift.KSWIN(**p), float_names[:4])
# binary detectors
for p in [dict(), dict(warm_start=100), dict(warning_threshold=1.5, drift_threshold=2.5)]:
    add("ddm", p, lambda p=p: binary.DDM(**p), err_names, binary_det=True)
for p in [dict(), dict(warm_start=50, alpha=0.9, beta=0.8), dict(alpha=0.99, beta=0.95)]:
    add("eddm", p, lambda p=p: binary.EDDM(**p), err_names, binary_det=True)
for p in [dict(), dict(two_sided_test=True), dict(drift_confidence=0.0001, warning_confidence=0.01, two_sided_test=True)]:
    add("hddm_a", p, lambda p=p: binary.HDDMA(**p), err_names, binary_det=True)
for p in [dict(), dict(two_sided_test=True), dict(lambda_val=0.1, drift_confidence=0.0001, warning_confidence=0.01, two_sided_test=True)]:
    add("hddm_w", p, lambda p=p: binary.HDDMW(**p), err_names, binary_det=True)
# HDDM on bounded float streams in [0, 1]
for p in [dict(two_sided_test=True)]:
    add("hddm_a", p, lambda p=p: binary.HDDMA(**p), ["uniform_shift"], binary_det=True)
    add("hddm_w", p, lambda p=p: binary.HDDMW(**p), ["uniform_shift"], binary_det=True)
# two-sided HDDM that warns on one side while drifting on the other: river's warning and drift
# flags are both up at one index (hddm_a on err_improve at 1267; hddm_w on err_high at 1016,
# err_gradual at 1662); found by cli_sweep.py
add("hddm_a", dict(two_sided_test=True, drift_confidence=0.01, warning_confidence=0.5),
    lambda: binary.HDDMA(two_sided_test=True, drift_confidence=0.01, warning_confidence=0.5), err_names, binary_det=True)
add("hddm_w", dict(two_sided_test=True, drift_confidence=0.05, warning_confidence=0.9),
    lambda: binary.HDDMW(two_sided_test=True, drift_confidence=0.05, warning_confidence=0.9), err_names, binary_det=True)
# edge values river accepts: confidence 1 (a zero-width bound), lambda_val 0 and 1, EDDM levels
# outside (0, 1]
add("hddm_a", dict(drift_confidence=1.0, warning_confidence=1.0, two_sided_test=True),
    lambda: binary.HDDMA(drift_confidence=1.0, warning_confidence=1.0, two_sided_test=True), ["err_abrupt"], binary_det=True)
for lam in (0.0, 1.0):
    add("hddm_w", dict(lambda_val=lam, two_sided_test=True),
        lambda lam=lam: binary.HDDMW(lambda_val=lam, two_sided_test=True), ["err_abrupt", "uniform_shift"], binary_det=True)
add("hddm_w", dict(drift_confidence=1.0, warning_confidence=1.0),
    lambda: binary.HDDMW(drift_confidence=1.0, warning_confidence=1.0), ["err_abrupt"], binary_det=True)
for p in [dict(alpha=1.2, beta=0.9), dict(alpha=0.5, beta=0.0), dict(alpha=0.5, beta=-1.0)]:
    add("eddm", p, lambda p=p: binary.EDDM(**p), ["err_abrupt", "err_multi"], binary_det=True)

out = {"versions": {"river": river.__version__, "numpy": np.__version__}, "streams": streams, "cases": cases}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "detectors.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(len(cases), "cases;", sum(len(c["drift"]) for c in cases), "drift indices")
