#!/usr/bin/env python3
"""Reference values for aaiti-drift's batch tests: scipy 1.17.1 ks_2samp / kstwo.sf /
wasserstein_distance / jensenshannon / chisquare, numpy 2.4.6 quantile-PSI, and Evidently 0.7.23's
psi / jensenshannon / wasserstein-normed / chisquare stattests.

    /tmp/venv-drift/bin/pip install river==0.26.1 scipy==1.17.1 numpy evidently==0.7.23 pandas==2.3.3
    /tmp/venv-drift/bin/python tests/golden/drift/gen_stats.py

Samples are produced by a 64-bit LCG whose outputs are exactly representable doubles, so the Rust
tests regenerate the same samples bit-for-bit from a short spec instead of storing them:
    state = state * 6364136223846793005 + 1442695040888963407 (mod 2^64); u = (state >> 11) / 2^53
    kind "u":  x = u * scale + shift
    kind "n4": x = (u1 + u2 + u3 + u4 - 2) * scale + shift     (roughly normal)
    then, if round_to > 0: x = round(x * round_to) / round_to   (ties: many equal values)
"""
import json
import os
import warnings

import numpy as np
import pandas as pd
import scipy
from scipy import stats
from scipy.spatial import distance

import evidently
from evidently.legacy.calculations.stattests.psi import _psi
from evidently.legacy.calculations.stattests.jensenshannon import _jensenshannon
from evidently.legacy.calculations.stattests.wasserstein_distance_norm import _wasserstein_distance_norm
from evidently.legacy.calculations.stattests.chisquare_stattest import _chi_stat_test
from evidently.legacy.core import ColumnType

warnings.simplefilter("ignore")
M64 = (1 << 64) - 1


def gen(spec):
    state = spec["seed"] & M64
    out = []

    def u():
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) & M64
        return (state >> 11) / float(1 << 53)

    for _ in range(spec["n"]):
        if spec["kind"] == "u":
            x = u() * spec["scale"] + spec["shift"]
        else:
            x = (u() + u() + u() + u() - 2.0) * spec["scale"] + spec["shift"]
        if spec["round_to"] > 0:
            x = round(x * spec["round_to"]) / spec["round_to"]
        out.append(x)
    return np.array(out)


def S(seed, n, kind="n4", scale=1.0, shift=0.0, round_to=0):
    return {"seed": seed, "n": n, "kind": kind, "scale": scale, "shift": shift, "round_to": round_to}


pairs = []
sizes = [(1, 1), (1, 5), (3, 4), (5, 7), (8, 8), (10, 10), (12, 30), (30, 70), (50, 50), (64, 48), (100, 80),
         (150, 151), (333, 222), (1000, 1200), (2000, 2000), (3000, 700), (10000, 37), (10000, 10000),
         (10001, 300), (12000, 11000), (15000, 150), (20000, 20000), (60000, 40000), (100000, 100000), (250000, 30)]
seed = 1
for n1, n2 in sizes:
    for shift, rnd in [(0.0, 0), (0.05, 0), (0.3, 0), (0.0, 4), (1.5, 2)]:
        if n1 * n2 > 1e9 and (shift, rnd) not in [(0.0, 0), (0.05, 0), (0.0, 4)]:
            continue
        a = S(seed, n1, round_to=rnd)
        b = S(seed + 1000, n2, shift=shift, scale=1.2 if shift == 1.5 else 1.0, round_to=rnd)
        seed += 1
        pairs.append((a, b))
# uniform and heavy-shift pairs
pairs.append((S(7, 400, "u"), S(8, 500, "u", 1.0, 0.5)))
pairs.append((S(9, 40, "u", 10.0), S(10, 60, "u", 10.0, 11.0)))  # disjoint supports
pairs.append((S(11, 5000, "n4", 3.0, 100.0), S(12, 4000, "n4", 3.0, 100.2)))

ks = []
for a, b in pairs:
    xa, xb = gen(a), gen(b)
    row = {"a": a, "b": b}
    for method in ("auto", "exact", "asymp"):
        if method == "exact" and max(a["n"], b["n"]) > 20000:
            continue
        r = stats.ks_2samp(xa, xb, method=method)
        pv = float(r.pvalue)
        # scipy gives NaN for n1 = n2 = 1 under asymp (kstwo with n = round(0.5) = 0); JSON null
        row[method] = [float(r.statistic), None if np.isnan(pv) else pv, float(r.statistic_location),
                       int(r.statistic_sign)]
    ks.append(row)

kstwo = []
for n in [1, 2, 3, 5, 10, 37, 50, 100, 140, 141, 200, 500, 1000, 5000, 20000, 50000, 100000, 100001, 300000]:
    for x in [1e-4, 0.001, 0.003, 0.0071, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9, 0.999]:
        kstwo.append([n, x, float(stats.kstwo.sf(x, n))])
    for z in [0.3, 0.6, 0.8, 0.87, 1.0, 1.2, 1.5, 2.0, 3.0]:
        x = z / np.sqrt(n)
        if x < 1:
            kstwo.append([n, float(x), float(stats.kstwo.sf(x, n))])

dist = []
for a, b in pairs:
    if a["n"] < 2 or b["n"] < 2 or a["n"] > 60000:
        continue
    xa, xb = gen(a), gen(b)
    row = {"a": a, "b": b}
    row["wasserstein"] = float(stats.wasserstein_distance(xa, xb))
    srt = np.sort(xa)
    edges = np.unique(np.quantile(srt, np.arange(1, 10) / 10, method="linear"))
    r = np.bincount(np.searchsorted(edges, xa, side="right"), minlength=len(edges) + 1) / len(xa)
    c = np.bincount(np.searchsorted(edges, xb, side="right"), minlength=len(edges) + 1) / len(xb)
    r = np.where(r == 0, 1e-4, r)
    c = np.where(c == 0, 1e-4, c)
    row["psi_quantile"] = float(np.sum((r - c) * np.log(r / c)))
    sa, sb = pd.Series(xa), pd.Series(xb)
    row["evidently_psi"] = float(_psi(sa, sb, ColumnType.Numerical, 0.1)[0])
    row["evidently_js"] = float(_jensenshannon(sa, sb, ColumnType.Numerical, 0.1)[0])
    row["evidently_wasserstein_norm"] = float(_wasserstein_distance_norm(sa, sb, ColumnType.Numerical, 0.1)[0])
    dist.append(row)

js = []
rng = np.random.default_rng(5)
for k in [2, 3, 5, 10, 30, 200]:
    for zeros in (False, True):
        p = rng.random(k) * 3
        q = rng.random(k)
        if zeros:
            p[0] = 0.0
            q[-1] = 0.0
        p = [float(round(v, 6)) for v in p]
        q = [float(round(v, 6)) for v in q]
        js.append({"p": p, "q": q, "none": float(distance.jensenshannon(p, q)),
                   "base2": float(distance.jensenshannon(p, q, base=2))})

chi = []
for i, (kcat, shift) in enumerate([(2, 0.0), (3, 0.1), (5, 0.0), (5, 0.3), (8, 0.05), (12, 0.2)]):
    ra = np.floor(gen(S(100 + i, 700 + 37 * i, "u", kcat, 0.0)))
    cb = np.floor(np.clip(gen(S(200 + i, 500 + 11 * i, "u", kcat, shift)), 0, kcat - 1))
    sa, sb = pd.Series(ra), pd.Series(cb)
    keys = sorted(set(ra) | set(cb))
    obs = [int((cb == k).sum()) for k in keys]
    exp = [int((ra == k).sum()) * (len(cb) / len(ra)) for k in keys]
    st = stats.chisquare(obs, exp)
    chi.append({"reference": [float(v) for v in ra], "current": [float(v) for v in cb],
                "statistic": float(st.statistic), "pvalue": float(st.pvalue),
                "evidently_pvalue": float(_chi_stat_test(sa, sb, ColumnType.Categorical, 0.05)[0])})
    # Evidently categorical PSI / JS on the same data
    chi[-1]["evidently_psi_cat"] = float(_psi(sa, sb, ColumnType.Categorical, 0.1)[0])
    chi[-1]["evidently_js_cat"] = float(_jensenshannon(sa, sb, ColumnType.Categorical, 0.1)[0])

out = {"versions": {"scipy": scipy.__version__, "numpy": np.__version__, "evidently": evidently.__version__,
                    "pandas": pd.__version__},
       "ks": ks, "kstwo": kstwo, "distances": dist, "js": js, "chi2": chi}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stats.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"), allow_nan=False)
print(len(ks), "ks rows,", len(kstwo), "kstwo,", len(dist), "distance rows,", len(js), "js,", len(chi), "chi2")
