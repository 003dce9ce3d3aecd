#!/usr/bin/env python3
"""Random-parameter sweep: `aaiti drift stream` / `aaiti drift compare` against river 0.26.1 and
scipy 1.17.1, through the CLI.

The golden files (detectors.json, stats.json) pin fixed cases; this sweep draws detector
parameters at random within river's accepted ranges and random streams (gaussian mean shifts,
variance changes, heavy tails, constant runs, discrete values, scales 1e-12 and 1e12, short
streams, Bernoulli error streams with rate changes, [0, 1] floats) and compares the 0-based
drift and warning indices exactly. `compare` is checked on random sample pairs (ties, discrete
values, different and tiny sizes, huge and tiny scales) against scipy's ks_2samp (method
'auto', the CLI's), wasserstein_distance (normed by max(np.std(ref), 0.001), the CLI's
`wasserstein`), jensenshannon (natural log, over the CLI's decile bins) and the documented
quantile PSI. Parameters river refuses must be refused by the CLI; parameters the CLI refuses
but river accepts are listed in STRICTER with the reason. It found: river's warning and drift
flags up together (EDDM, two-sided HDDM_A/HDDM_W) where the CLI listed only the drift; river-
accepted parameters the CLI refused (HDDM confidence 1, lambda_val 0/1, EDDM levels outside
(0, 1], negative/fractional warm_start and min_instances, negative KSWIN seeds; seeds above
2^53 were rounded); scipy 1.17's log1p form of rel_entr (Jensen-Shannon 2e-12 relative off).
Clean runs: seeds 1-5, 3000 detector cases and 60-100 compare cases (x 4 features x 4 tests)
each, plus compare-only seeds 4-8.

    python3 -m venv /tmp/venv-drift-sweep && /tmp/venv-drift-sweep/bin/pip install river==0.26.1 scipy==1.17.1 numpy
    cargo build -p aaiti-cli
    /tmp/venv-drift-sweep/bin/python tests/golden/drift/cli_sweep.py target/debug/aaiti [--seed N] [--cases K]

KSWIN is swept as `kswin` (CPython-compatible sampling with river's seed: river's exact
indices). Copy the binary first if you rebuild while it runs. Exit status 1 when anything
differs.
"""
import argparse
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import river
import scipy
from river import drift
from river.drift import binary
from scipy import stats
from scipy.spatial import distance

assert river.__version__ == "0.26.1", river.__version__
warnings.simplefilter("ignore")
os.environ["RUST_BACKTRACE"] = "0"  # river's Rust ADWIN panics on some parameters

# (detector, repr(params)) -> reason: parameter values the CLI refuses although river 0.26.1
# accepts them (river does not validate them; it computes something degenerate or crashes later).
_DELTA = "ADWIN's delta is a probability: river takes ln(2 ln W / delta) as is (<= 0: never cuts; >= 1: a bound below the Hoeffding one)"
STRICTER = {
    ("adwin", repr({"delta": 0.0})): _DELTA,
    ("adwin", repr({"delta": 1.0})): _DELTA,
    ("adwin", repr({"delta": 2.0})): _DELTA,
    ("adwin", repr({"delta": -0.1})): _DELTA,
    ("adwin", repr({"max_buckets": 1})): "river's own ADWIN leaves empty rows with max_buckets = 1 and "
        "panics ('slice index starts at 1 but ends at 0') when a cut deletes from one: 6 of 200 random "
        "shift streams (clock 1..7, delta 0.1); refused rather than half-supported",
    ("adwin", repr({"min_window_length": 0})): "river then tests the empty newest sub-window (u1/0: inf or NaN) "
        "when row 0 is empty; refused",
    ("adwin", repr({"clock": -1})): "a negative clock (river's i32 remainder makes it act as |clock|)",
    ("page_hinkley", repr({"alpha": 2.0})): "a fading factor above 1 makes the sums grow geometrically",
    ("page_hinkley", repr({"alpha": -0.5})): "a negative fading factor",
    ("page_hinkley", repr({"delta": -1.0})): "a negative tolerance",
    ("page_hinkley", repr({"threshold": -1.0})): "a negative threshold alarms at every value from min_instances on",
    ("ddm", repr({"warning_threshold": -1.0})): "a non-positive s_min multiplier",
    ("ddm", repr({"drift_threshold": 0.0})): "a non-positive s_min multiplier",
    ("hddm_a", repr({"two_sided_test": "maybe"})): "Python truthiness of a string; the CLI takes true/false/1/0/yes/no",
    ("kswin", repr({"seed": 1, "window_size": 50, "stat_size": 0})): "river runs ks_2samp on an empty sample "
        "(NaN p-value, never drifts)",
}


# ----------------------------------------------------------------------------------------------
# streams

def float_stream(rng, n):
    kind = rng.choice(["shift", "variance", "heavy", "const", "discrete", "mixed", "ramp"])
    nseg = int(rng.integers(1, 5))
    cuts = sorted(rng.choice(np.arange(1, max(n, 2)), size=min(nseg - 1, max(n - 1, 0)), replace=False)) if n > 1 else []
    segs = np.split(np.arange(n), cuts)
    out = np.empty(n)
    for s in segs:
        m, sd = rng.normal(0, 2), rng.uniform(0.1, 3)
        if kind == "shift":
            out[s] = rng.normal(m, 1.0, s.size)
        elif kind == "variance":
            out[s] = rng.normal(0, sd, s.size)
        elif kind == "heavy":
            out[s] = m + rng.standard_t(rng.choice([1, 2, 3]), s.size)
        elif kind == "const":
            out[s] = round(m, 2) if rng.random() < 0.7 else rng.normal(m, sd, s.size)
        elif kind == "discrete":
            out[s] = np.round(rng.normal(m, sd, s.size))
        elif kind == "ramp":
            out[s] = np.linspace(m, m + rng.normal(0, 3), s.size) + rng.normal(0, 0.5, s.size)
        else:
            out[s] = rng.normal(m, sd, s.size)
            k = int(rng.integers(0, s.size + 1))
            if k:
                out[s[:k]] = out[s[0]]
    scale = rng.choice([1.0, 1.0, 1.0, 1e-12, 1e12, 1e-6, 1e6])
    off = rng.choice([0.0, 0.0, 100.0 * scale, -5.0 * scale])
    return kind, [float(v) for v in out * scale + off]


def binary_stream(rng, n):
    kind = rng.choice(["bern", "bern", "bern", "zeros", "ones", "unit", "sparse"])
    if kind == "zeros":
        return kind, [0] * n
    if kind == "ones":
        return kind, [1] * n
    nseg = int(rng.integers(1, 5))
    cuts = sorted(rng.choice(np.arange(1, max(n, 2)), size=min(nseg - 1, max(n - 1, 0)), replace=False)) if n > 1 else []
    out = []
    for s in np.split(np.arange(n), cuts):
        p = rng.uniform(0.0, 1.0) if kind != "sparse" else rng.uniform(0.0, 0.05)
        if kind == "unit":
            a, b = rng.uniform(0.2, 5), rng.uniform(0.2, 5)
            out += [float(v) for v in rng.beta(a, b, s.size)]
        else:
            out += [int(v) for v in (rng.random(s.size) < p)]
    return kind, out


def stream_len(rng, cap):
    r = rng.random()
    if r < 0.2:
        return int(rng.integers(1, 40))
    if r < 0.5:
        return int(rng.integers(40, 400))
    return int(rng.integers(400, cap + 1))


# ----------------------------------------------------------------------------------------------
# detectors: random parameters within river's accepted ranges

def lu(rng, lo, hi):
    return float(10 ** rng.uniform(math.log10(lo), math.log10(hi)))


def params_for(rng, det, scale):
    p = {}
    if det == "adwin":
        if rng.random() < 0.8:
            p["delta"] = lu(rng, 1e-7, 0.9)
        if rng.random() < 0.7:
            p["clock"] = int(rng.choice([1, 2, 3, 5, 8, 16, 32, 64]))
        if rng.random() < 0.5:
            p["max_buckets"] = int(rng.integers(2, 12))
        if rng.random() < 0.5:
            p["min_window_length"] = int(rng.integers(1, 30))
        if rng.random() < 0.5:
            p["grace_period"] = int(rng.integers(0, 120))
    elif det == "page_hinkley":
        if rng.random() < 0.7:
            p["min_instances"] = int(rng.integers(0, 150))
        if rng.random() < 0.7:
            p["delta"] = float(rng.uniform(0, 0.2)) * scale
        if rng.random() < 0.8:
            p["threshold"] = lu(rng, 0.5, 100) * scale
        if rng.random() < 0.6:
            p["alpha"] = float(1 - lu(rng, 1e-6, 0.2)) if rng.random() < 0.9 else 1.0
        if rng.random() < 0.6:
            p["mode"] = str(rng.choice(["up", "down", "both"]))
    elif det == "ddm":
        if rng.random() < 0.7:
            p["warm_start"] = int(rng.integers(0, 200))
        if rng.random() < 0.6:
            p["warning_threshold"] = float(rng.uniform(0.5, 4))
        if rng.random() < 0.6:
            p["drift_threshold"] = float(rng.uniform(0.5, 5))
    elif det == "eddm":
        if rng.random() < 0.7:
            p["warm_start"] = int(rng.integers(0, 100))
        a = float(rng.uniform(0.5, 1.0))
        b = float(rng.uniform(0.3, a))
        if rng.random() < 0.7:
            p["alpha"], p["beta"] = a, b
    elif det in ("hddm_a", "hddm_w"):
        if rng.random() < 0.7:
            p["drift_confidence"] = lu(rng, 1e-6, 0.5)
        if rng.random() < 0.7:
            p["warning_confidence"] = lu(rng, 1e-5, 0.9)
        if rng.random() < 0.6:
            p["two_sided_test"] = bool(rng.random() < 0.5)
        if det == "hddm_w" and rng.random() < 0.7:
            p["lambda_val"] = float(rng.uniform(0.005, 0.99))
    elif det == "kswin":
        p["seed"] = int(rng.integers(0, 2 ** 40)) if rng.random() < 0.8 else int(rng.integers(0, 100))
        if rng.random() < 0.7:
            p["alpha"] = lu(rng, 1e-4, 0.2)
        if rng.random() < 0.7:
            ws = int(rng.integers(4, 300))
            p["window_size"] = ws
            p["stat_size"] = int(rng.integers(1, ws // 2 + 1))
    return p


def make_river(det, p):
    if det == "adwin":
        return drift.ADWIN(**p)
    if det == "page_hinkley":
        return drift.PageHinkley(**p)
    if det == "ddm":
        return binary.DDM(**p)
    if det == "eddm":
        return binary.EDDM(**p)
    if det == "hddm_a":
        return binary.HDDMA(**p)
    if det == "hddm_w":
        return binary.HDDMW(**p)
    if det == "kswin":
        return drift.KSWIN(**p)
    raise ValueError(det)


BINARY = {"ddm", "eddm", "hddm_a", "hddm_w"}


def run_river(det, p, xs):
    d = make_river(det, p)
    drifts, warns = [], []
    for i, x in enumerate(xs):
        d.update(x)
        if d.drift_detected:
            drifts.append(i)
        if det in BINARY and d.warning_detected:
            warns.append(i)
    return drifts, warns


def fmt_param(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def run_cli(aaiti, det, p, path):
    cmd = [aaiti, "drift", "stream", "--detector", det, "--input", path, "--json"]
    for k, v in p.items():
        cmd += ["--param", f"{k}={fmt_param(v)}"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr.strip()[-300:]
    j = json.loads(r.stdout)
    return (j["drifts"], j["warnings"]), None


def write_stream(path, xs):
    with open(path, "w") as f:
        f.write("value\n")
        for x in xs:
            f.write((repr(float(x)) if isinstance(x, float) else str(x)) + "\n")


def sweep_detectors(a, rng, tmp):
    path = os.path.join(tmp, "s.csv")
    fails = checked = 0
    dets = ["adwin", "page_hinkley", "ddm", "eddm", "hddm_a", "hddm_w", "kswin"]
    per = {d: [0, 0] for d in dets}
    for case in range(a.cases):
        det = dets[case % len(dets)]
        cap = 1500 if det == "kswin" else 4000
        n = stream_len(rng, cap)
        if det in BINARY:
            kind, xs = binary_stream(rng, n)
            if det == "eddm" and kind == "unit":
                kind, xs = "bern", [int(v > 0.5) for v in xs]
            scale = 1.0
        else:
            kind, xs = float_stream(rng, n)
            finite = [abs(v) for v in xs if v != 0]
            scale = float(np.std(xs)) if len(xs) > 1 and np.std(xs) > 0 else (max(finite) if finite else 1.0)
        p = params_for(rng, det, scale)
        try:
            ref = run_river(det, p, xs)
            ref_err = None
        except BaseException as e:  # noqa: BLE001 (pyo3 panics are BaseExceptions)
            ref, ref_err = None, f"{type(e).__name__}: {e}"
        write_stream(path, xs)
        got, err = run_cli(a.aaiti, det, p, path)
        checked += 1
        per[det][0] += 1
        label = f"{det} {p} stream={kind} n={n}"
        if (ref_err is None) != (err is None):
            print(f"ERROR-MISMATCH {label}: river={ref_err!r} cli={err!r}")
            fails += 1
            per[det][1] += 1
            if a.dump:
                write_stream(os.path.join(a.dump, f"fail{fails}.csv"), xs)
            continue
        if ref_err is not None:
            continue
        rd, rw = ref
        gd, gw = got
        if gd != rd or (det in BINARY and gw != rw) or (det not in BINARY and gw):
            fails += 1
            per[det][1] += 1
            dd = [i for i in sorted(set(rd) ^ set(gd))][:6]
            dw = [i for i in sorted(set(rw) ^ set(gw))][:6]
            print(f"DIFF {label}: drifts river={rd[:8]}.. ({len(rd)}) cli={gd[:8]}.. ({len(gd)}) first-diff {dd}; "
                  f"warnings river {len(rw)} cli {len(gw)} first-diff {dw}")
            if a.dump:
                write_stream(os.path.join(a.dump, f"fail{fails}.csv"), xs)
    print("detectors:", {k: f"{v[0]} cases, {v[1]} failing" for k, v in per.items()})
    return fails, checked


# ----------------------------------------------------------------------------------------------
# invalid parameters and data

INVALID = [
    ("adwin", {"clock": 0}), ("adwin", {"max_buckets": 0}), ("adwin", {"clock": 1.5}),
    ("adwin", {"delta": 0.0}), ("adwin", {"delta": 1.0}), ("adwin", {"delta": 2.0}), ("adwin", {"delta": -0.1}),
    ("adwin", {"max_buckets": 1}), ("adwin", {"min_window_length": 0}), ("adwin", {"grace_period": 0}),
    ("adwin", {"clock": -1}), ("adwin", {"delta": "abc"}), ("adwin", {"bogus": 1}),
    ("page_hinkley", {"mode": "sideways"}), ("page_hinkley", {"alpha": 2.0}), ("page_hinkley", {"alpha": -0.5}),
    ("page_hinkley", {"delta": -1.0}), ("page_hinkley", {"threshold": -1.0}), ("page_hinkley", {"min_instances": 0}),
    ("page_hinkley", {"min_instances": -5}), ("page_hinkley", {"min_instances": 2.5}),
    ("ddm", {"warning_threshold": -1.0}), ("ddm", {"drift_threshold": 0.0}), ("ddm", {"warm_start": 0}),
    ("ddm", {"warning_threshold": 3.0, "drift_threshold": 2.0}), ("ddm", {"warm_start": -3}),
    ("eddm", {"alpha": 0.8, "beta": 0.9}), ("eddm", {"alpha": 1.5, "beta": 0.9}), ("eddm", {"alpha": 0.5, "beta": 0.0}),
    ("eddm", {"alpha": 0.5, "beta": -1.0}), ("eddm", {"alpha": 1.0, "beta": 1.0}),
    ("hddm_a", {"drift_confidence": 0.0}), ("hddm_a", {"drift_confidence": 1.0}), ("hddm_a", {"drift_confidence": 2.0}),
    ("hddm_a", {"warning_confidence": 0.0}), ("hddm_a", {"warning_confidence": 1.0}), ("hddm_a", {"drift_confidence": -0.1}),
    ("hddm_a", {"two_sided_test": "maybe"}),
    ("hddm_w", {"lambda_val": 0.0}), ("hddm_w", {"lambda_val": 1.0}), ("hddm_w", {"lambda_val": 1.5}),
    ("hddm_w", {"drift_confidence": 0.0}), ("hddm_w", {"drift_confidence": 1.0}), ("hddm_w", {"warning_confidence": 1.0}),
    ("hddm_w", {"lambda_val": -0.1}),
    ("kswin", {"seed": 1, "window_size": 30, "stat_size": 30}), ("kswin", {"seed": 1, "window_size": 50, "stat_size": 30}),
    ("kswin", {"seed": 1, "window_size": 50, "stat_size": 0}), ("kswin", {"seed": 1, "alpha": 0.0}),
    ("kswin", {"seed": 1, "alpha": 1.0}), ("kswin", {"seed": 1, "alpha": 1.5}), ("kswin", {"seed": 1, "alpha": -0.1}),
    ("kswin", {"seed": -3}), ("kswin", {"seed": 1, "window_size": 10, "stat_size": 20}),
]


def sweep_invalid(a, tmp):
    path = os.path.join(tmp, "inv.csv")
    r0 = np.random.default_rng(5)
    xs = [float(v) for v in np.concatenate([r0.normal(0, 1, 400), r0.normal(3, 1, 400)])]
    bs = [int(v) for v in np.concatenate([r0.random(400) < 0.1, r0.random(400) < 0.6])]
    fails = 0
    for det, p in INVALID:
        s = bs if det in BINARY else xs
        try:
            ref = run_river(det, p, s)
            ref_err = None
        except BaseException as e:  # noqa: BLE001
            ref, ref_err = None, f"{type(e).__name__}: {e}"
        write_stream(path, s)
        got, err = run_cli(a.aaiti, det, p, path)
        key = (det, tuple(sorted(p)))
        if ref_err is not None and err is None:
            print(f"INVALID-ACCEPTED {det} {p}: river refuses ({ref_err}) but the CLI accepts")
            fails += 1
        elif ref_err is None and err is not None:
            tag = "STRICTER(known)" if (det, repr(p)) in STRICTER else "STRICTER"
            print(f"{tag} {det} {p}: river accepts (drifts {ref[0][:5]}) but the CLI refuses: {err.splitlines()[-1]}")
            if tag == "STRICTER":
                fails += 1
        elif ref_err is None:
            if got[0] != ref[0] or (det in BINARY and got[1] != ref[1]):
                print(f"DIFF {det} {p} (edge parameter): river {ref[0][:8]} cli {got[0][:8]}")
                fails += 1
        else:
            if a.verbose:
                print(f"both refuse {det} {p}: river {ref_err[:60]!r} cli {err.splitlines()[-1][:100]!r}")
    print(f"invalid/edge parameters: {len(INVALID)} cases, {fails} failing")
    return fails, len(INVALID)


# ----------------------------------------------------------------------------------------------
# compare

def sample(rng, n, kind, scale, shift):
    if kind == "normal":
        x = rng.normal(shift, 1, n)
    elif kind == "discrete":
        x = np.round(rng.normal(shift, 2, n))
    elif kind == "few":
        x = rng.choice([0.0, 1.0, 2.5], n) + (shift > 0.5)
    elif kind == "ties":
        x = np.round(rng.normal(shift, 1, n), 1)
    elif kind == "heavy":
        x = rng.standard_t(2, n) + shift
    elif kind == "const":
        x = np.full(n, round(shift, 1))
    else:
        x = rng.uniform(shift, shift + 1, n)
    return x * scale


def ref_psi_props(r, c, bins=10, eps=1e-4):
    edges = np.unique(np.quantile(r, np.arange(1, bins) / bins, method="linear"))
    rp = np.bincount(np.searchsorted(edges, r, side="right"), minlength=edges.size + 1) / r.size
    cp = np.bincount(np.searchsorted(edges, c, side="right"), minlength=edges.size + 1) / c.size
    rp = np.where(rp == 0, eps, rp)
    cp = np.where(cp == 0, eps, cp)
    return rp, cp


def ref_value(test, r, c):
    if test == "ks":
        res = stats.ks_2samp(r, c, method="auto")
        return float(res.statistic), float(res.pvalue)
    if test == "wasserstein":
        return float(stats.wasserstein_distance(r, c) / max(np.std(r), 0.001)), None
    rp, cp = ref_psi_props(r, c)
    if test == "psi":
        return float(np.sum((rp - cp) * np.log(rp / cp))), None
    return float(distance.jensenshannon(rp, cp)), None


def close(x, y, rel, ab):
    if x is None or y is None:
        return x is None and y is None
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return abs(x - y) <= max(rel * max(abs(x), abs(y)), ab)


def write_cols(path, cols):
    with open(path, "w") as f:
        f.write(",".join(f"f{j}" for j in range(len(cols))) + "\n")
        for i in range(len(cols[0])):
            f.write(",".join(repr(float(c[i])) for c in cols) + "\n")


def sweep_compare(a, rng, tmp):
    rp, cp = os.path.join(tmp, "ref.csv"), os.path.join(tmp, "cur.csv")
    fails = checked = 0
    kinds = ["normal", "discrete", "few", "ties", "heavy", "uniform", "const"]
    for case in range(a.compare_cases):
        r = rng.random()
        if r < 0.25:
            n1, n2 = int(rng.integers(1, 12)), int(rng.integers(1, 12))
        elif r < 0.8:
            n1, n2 = int(rng.integers(10, 2000)), int(rng.integers(10, 2000))
        else:
            n1, n2 = int(rng.integers(2000, 30000)), int(rng.integers(5, 15000))
        scale = float(rng.choice([1.0, 1.0, 1e-12, 1e12, 1e-300, 1e300]))
        refs, curs = [], []
        for j in range(4):
            k = str(rng.choice(kinds))
            shift = float(rng.choice([0.0, 0.0, 0.1, 0.5, 2.0]))
            refs.append(sample(rng, n1, k, scale, 0.0))
            curs.append(sample(rng, n2, k if rng.random() < 0.8 else str(rng.choice(kinds)), scale, shift))
        write_cols(rp, refs)
        write_cols(cp, curs)
        for test in ("ks", "psi", "wasserstein", "js"):
            cmd = [a.aaiti, "drift", "compare", "--reference", rp, "--current", cp, "--test", test,
                   "--correction", "none", "--json"]
            p = subprocess.run(cmd, capture_output=True, text=True)
            for j in range(4):
                checked += 1
                try:
                    want = ref_value(test, refs[j], curs[j])
                    want_err = None
                except Exception as e:  # noqa: BLE001
                    want, want_err = None, str(e)
                if p.returncode != 0:
                    print(f"CLI-ERROR {test} n=({n1},{n2}) scale={scale}: {p.stderr.strip()[-200:]} (scipy: {want} {want_err})")
                    fails += 1
                    break
                f = json.loads(p.stdout)["features"][j]
                stat, pv = f["statistic"], f["pvalue"]
                if want is None:
                    print(f"SCIPY-ERROR {test}: {want_err}; cli {stat}")
                    fails += 1
                    continue
                ok = close(stat, want[0], 1e-12, 1e-15 if test != "wasserstein" else 0.0)
                if test == "ks":
                    ok = ok and close(pv, want[1], 1e-12, 1e-10)
                if not ok:
                    fails += 1
                    print(f"DIFF {test} f{j} n=({n1},{n2}) scale={scale}: cli ({stat!r}, {pv!r}) ref {want!r}")
                    if a.dump:
                        np.save(os.path.join(a.dump, f"cmp{fails}_ref.npy"), refs[j])
                        np.save(os.path.join(a.dump, f"cmp{fails}_cur.npy"), curs[j])
    print(f"compare: {checked} (test, feature) checks, {fails} failing")
    return fails, checked


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("aaiti")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cases", type=int, default=700, help="detector cases")
    ap.add_argument("--compare-cases", type=int, default=60, help="compare cases (4 features x 4 tests each)")
    ap.add_argument("--only", choices=["detectors", "invalid", "compare"])
    ap.add_argument("--dump", help="folder to write failing inputs to")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    tmp = tempfile.mkdtemp()
    fails = checked = 0
    if a.only in (None, "invalid"):
        f, c = sweep_invalid(a, tmp)
        fails, checked = fails + f, checked + c
    if a.only in (None, "detectors"):
        f, c = sweep_detectors(a, rng, tmp)
        fails, checked = fails + f, checked + c
    if a.only in (None, "compare"):
        f, c = sweep_compare(a, rng, tmp)
        fails, checked = fails + f, checked + c
    print(f"seed {a.seed}: {checked} checks, {fails} failing (river {river.__version__}, scipy {scipy.__version__}, numpy {np.__version__})")
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
