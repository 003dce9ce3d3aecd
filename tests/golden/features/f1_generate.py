#!/usr/bin/env python3
"""Generates TA-Lib reference values for aaiti-features (helper F1's functions).

Reference: the `TA-Lib` wheel from PyPI (ta-lib-python 0.8.2, bundling the TA-Lib C
library 0.8.1). Run from the repository root in a throwaway venv OUTSIDE the repo:

    python3 -m venv /tmp/venv-features && /tmp/venv-features/bin/pip install TA-Lib numpy
    /tmp/venv-features/bin/python tests/golden/features/f1_generate.py

Writes, next to this script:
  f1_edge_bars.csv  - a designed edge-case series (flat bars, constant runs, zero volume,
                      tiny moves near TA_IS_ZERO, gaps, monotone runs, alternation)
  f1_btc.json       - outputs on data/btcusd_coinbase_1h.csv (all 20,111 bars are fed; the
                      file keeps rows 0..260, every 97th row and the last 20 rows)
  f1_edge.json      - outputs on the edge-case series (every row)
Floats are Python's shortest round-trip repr (at most 17 significant digits), NaN -> null.
"""
import csv
import json
import math
import os
import sys

import numpy as np
import talib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

MAS = list(range(9))

COMBOS = []
for f in ["SMA", "EMA", "WMA", "DEMA", "TEMA", "KAMA"]:
    COMBOS += [(f, {}), (f, {"timeperiod": 1}), (f, {"timeperiod": 2}), (f, {"timeperiod": 9, "price": "high"})]
COMBOS += [("TRIMA", {}), ("TRIMA", {"timeperiod": 1}), ("TRIMA", {"timeperiod": 2}), ("TRIMA", {"timeperiod": 3}),
           ("TRIMA", {"timeperiod": 4}), ("TRIMA", {"timeperiod": 11}), ("TRIMA", {"timeperiod": 12, "price": "volume"})]
COMBOS += [("T3", {}), ("T3", {"timeperiod": 1}), ("T3", {"timeperiod": 2, "vfactor": 0.0}),
           ("T3", {"timeperiod": 7, "vfactor": 1.0})]
COMBOS += [("MA", {})] + [("MA", {"timeperiod": 10, "matype": m}) for m in MAS] + \
          [("MA", {"timeperiod": 1, "matype": m}) for m in MAS] + [("MA", {"timeperiod": 2, "matype": m}) for m in MAS]
COMBOS += [("BBANDS", {}), ("BBANDS", {"timeperiod": 2}),
           ("BBANDS", {"timeperiod": 10, "nbdevup": 1.5, "nbdevdn": 3.0, "matype": 1}),
           ("BBANDS", {"timeperiod": 7, "nbdevup": -1.0, "nbdevdn": 0.0, "price": "low"})] + \
          [("BBANDS", {"timeperiod": 5, "matype": m}) for m in MAS]
COMBOS += [("SAR", {}), ("SAR", {"acceleration": 0.05, "maximum": 0.5}), ("SAR", {"acceleration": 0.3, "maximum": 0.1}),
           ("SAR", {"acceleration": 0.0, "maximum": 0.0})]
COMBOS += [("SAREXT", {}), ("SAREXT", {"startvalue": 2500.0, "offsetonreverse": 0.01}),
           ("SAREXT", {"startvalue": -2600.0, "offsetonreverse": 0.05}),
           ("SAREXT", {"startvalue": 99.0}), ("SAREXT", {"startvalue": -101.0}),
           ("SAREXT", {"accelerationinitlong": 0.01, "accelerationlong": 0.03, "accelerationmaxlong": 0.3,
                       "accelerationinitshort": 0.04, "accelerationshort": 0.01, "accelerationmaxshort": 0.1}),
           ("SAREXT", {"accelerationinitlong": 0.5, "accelerationlong": 0.02, "accelerationmaxlong": 0.2,
                       "accelerationinitshort": 0.5, "accelerationshort": 0.02, "accelerationmaxshort": 0.2})]
COMBOS += [("MIDPOINT", {}), ("MIDPOINT", {"timeperiod": 2}), ("MIDPOINT", {"timeperiod": 30, "price": "open"}),
           ("MIDPRICE", {}), ("MIDPRICE", {"timeperiod": 2}), ("MIDPRICE", {"timeperiod": 30})]
for f in ["ATR", "NATR"]:
    COMBOS += [(f, {}), (f, {"timeperiod": 1}), (f, {"timeperiod": 2}), (f, {"timeperiod": 30})]
COMBOS += [("TRANGE", {}), ("AD", {}), ("ADOSC", {}), ("ADOSC", {"fastperiod": 10, "slowperiod": 3}),
           ("ADOSC", {"fastperiod": 2, "slowperiod": 2}), ("OBV", {}), ("OBV", {"price": "open"})]
COMBOS += [(f, {}) for f in ["AVGPRICE", "MEDPRICE", "TYPPRICE", "WCLPRICE"]]
COMBOS += [("BETA", {}), ("BETA", {"timeperiod": 1}), ("BETA", {"timeperiod": 20, "price0": "close", "price1": "open"}),
           ("CORREL", {}), ("CORREL", {"timeperiod": 1}), ("CORREL", {"timeperiod": 2}),
           ("CORREL", {"timeperiod": 10, "price0": "close", "price1": "volume"})]
for f in ["LINEARREG", "LINEARREG_ANGLE", "LINEARREG_INTERCEPT", "LINEARREG_SLOPE", "TSF"]:
    COMBOS += [(f, {}), (f, {"timeperiod": 2}), (f, {"timeperiod": 30, "price": "low"})]
COMBOS += [("STDDEV", {}), ("STDDEV", {"timeperiod": 2, "nbdev": 2.0}), ("STDDEV", {"timeperiod": 20, "nbdev": -1.0}),
           ("VAR", {}), ("VAR", {"timeperiod": 1}), ("VAR", {"timeperiod": 20, "nbdev": 3.0})]
COMBOS += [("VWAP", {}), ("KC", {}), ("KC", {"timeperiod": 5, "atrperiod": 1, "nbdev": 1.0}),
           ("DONCHIAN", {}), ("DONCHIAN", {"timeperiod": 2}),
           ("SUPERTREND", {}), ("SUPERTREND", {"timeperiod": 2, "multiplier": 1.5}),
           ("HMA", {}), ("HMA", {"timeperiod": 1}), ("HMA", {"timeperiod": 2}), ("HMA", {"timeperiod": 3}),
           ("HMA", {"timeperiod": 9}), ("ACCBANDS", {}), ("ACCBANDS", {"timeperiod": 2})]

SERIES_INPUT = {"price": "close", "price0": "high", "price1": "low"}


def run(name, params, cols):
    from talib import abstract
    f = abstract.Function(name)
    fp = {k: v for k, v in params.items() if k not in SERIES_INPUT}
    f.set_parameters(fp)
    names = dict(f.input_names)
    for k, default in SERIES_INPUT.items():
        if k in names:
            names[k] = params.get(k, default)
    f.input_names = names
    out = f.run({k: np.ascontiguousarray(v, dtype=np.float64) for k, v in cols.items()})
    if not isinstance(out, list):
        out = [out]
    return f.lookback, f.output_names, [np.asarray(o, dtype=np.float64) for o in out]


def enc(x):
    x = float(x)
    return None if math.isnan(x) else x


def load_csv(path):
    cols = {k: [] for k in ["open", "high", "low", "close", "volume"]}
    with open(path) as fh:
        for row in csv.DictReader(fh):
            for k in cols:
                cols[k].append(float(row[k]))
    return {k: np.array(v) for k, v in cols.items()}


def edge_series():
    rng = np.random.default_rng(20261128)
    rows = []
    p = 100.0

    def bar(o, h, l, c, v):
        rows.append((o, max(h, o, c), min(l, o, c), c, v))

    for _ in range(60):  # ordinary random walk
        o = p
        c = max(1.0, p * (1 + rng.normal(0, 0.01)))
        bar(o, max(o, c) * (1 + abs(rng.normal(0, 0.003))), min(o, c) * (1 - abs(rng.normal(0, 0.003))), c,
            float(rng.integers(0, 1000)))
        p = c
    for _ in range(40):  # fully constant bars, zero volume
        bar(100.0, 100.0, 100.0, 100.0, 0.0)
    for _ in range(40):  # flat bars (o=h=l=c) with moving close
        c = p * (1 + rng.normal(0, 0.005))
        bar(c, c, c, c, float(rng.integers(1, 50)))
        p = c
    for i in range(40):  # constant close, varying range, zero volume on even bars
        bar(105.0, 105.0 + rng.uniform(0, 2), 105.0 - rng.uniform(0, 2), 105.0, 0.0 if i % 2 == 0 else 10.0)
    for i in range(40):  # tiny moves (TA_IS_ZERO territory)
        c = 100.0 + (i % 3) * 1e-9
        bar(c, c + 1e-9, c - 1e-9, c, 1.0)
    p = 100.0
    for i in range(40):  # gaps of +-20%
        o = p * (1.2 if i % 4 < 2 else 0.8)
        c = o * (1 + rng.normal(0, 0.01))
        bar(o, max(o, c) * 1.01, min(o, c) * 0.99, c, float(rng.integers(0, 100)))
        p = c
    for i in range(40):  # strictly increasing
        bar(p, p * 1.011, p * 0.999, p * 1.01, 5.0)
        p *= 1.01
    for i in range(40):  # strictly decreasing
        bar(p, p * 1.001, p * 0.989, p * 0.99, 5.0)
        p *= 0.99
    for i in range(60):  # alternating up/down
        c = p * (1.02 if i % 2 == 0 else 1 / 1.02)
        bar(p, max(p, c), min(p, c), c, float(i % 3))
        p = c
    return rows


def main():
    out_dir = HERE
    btc = load_csv(os.path.join(ROOT, "data", "btcusd_coinbase_1h.csv"))
    rows = edge_series()
    edge_path = os.path.join(out_dir, "f1_edge_bars.csv")
    with open(edge_path, "w") as fh:
        fh.write("timestamp,open,high,low,close,volume\n")
        for i, (o, h, l, c, v) in enumerate(rows):
            day, hour = divmod(i, 24)
            fh.write(f"2024-01-{day + 1:02d}T{hour:02d}:00:00Z,{o!r},{h!r},{l!r},{c!r},{v!r}\n")
    edge = load_csv(edge_path)  # re-read so both sides see the same doubles
    n = len(btc["close"])
    btc_rows = sorted(set(range(0, 260)) | set(range(260, n, 97)) | set(range(n - 20, n)))
    for label, cols, keep in [("btc", btc, btc_rows), ("edge", edge, list(range(len(edge["close"]))))]:
        entries = []
        for name, params in COMBOS:
            try:
                lb, onames, outs = run(name, params, cols)
            except Exception as e:  # noqa: BLE001
                print(f"skip {name} {params}: {e}", file=sys.stderr)
                continue
            entries.append({"function": name, "params": params, "lookback": lb,
                            "outputs": {o: [enc(a[i]) for i in keep] for o, a in zip(onames, outs)}})
        doc = {"reference": f"TA-Lib C {talib.__ta_version__.decode() if isinstance(talib.__ta_version__, bytes) else talib.__ta_version__} "
                            f"via ta-lib-python {talib.__version__}",
               "n_bars": len(cols["close"]), "rows": keep, "entries": entries}
        with open(os.path.join(out_dir, f"f1_{label}.json"), "w") as fh:
            json.dump(doc, fh, separators=(",", ":"))
        print(label, len(entries), "entries")


if __name__ == "__main__":
    main()
