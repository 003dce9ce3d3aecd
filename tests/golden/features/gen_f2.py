#!/usr/bin/env python3
"""Golden values for aaiti-features' momentum and cycle functions, labels' inputs and scalers.

Reference: the `TA-Lib` wheel from PyPI (ta-lib-python 0.8.2, bundling the TA-Lib C
library 0.8.1) and scikit-learn (MinMaxScaler, StandardScaler, RobustScaler).

Run from the repository root in a throwaway venv outside the repo:

    python3 -m venv /tmp/venv-f2 && /tmp/venv-f2/bin/pip install TA-Lib numpy scikit-learn
    /tmp/venv-f2/bin/python tests/golden/features/gen_f2.py

Writes, next to this script:

* `f2_talib.json`  manifest: versions, datasets, and one case per (function, params, dataset)
  with the TA-Lib lookback and the offsets of each output column in the blob.
* `f2_talib.bin`   little-endian f64 blob: every dataset's open/high/low/close/volume columns
  and every case's output columns (NaN inside the lookback, exactly as TA-Lib returns them;
  integer outputs are stored as f64). Storing the inputs' exact bits keeps the test
  independent of CSV parsing.
* dataset `nan`: the first 300 BTC bars with NaN holes (NaN-propagation behaviour).
* dataset `atto`: the first 400 BTC bars scaled by 1e-18 (no fixed zero bands).
* dataset `flat`: the first 400 BTC bars with repeated, flat, zero-volume and one-ulp bars.
* `f2_scalers.json` sklearn scalers fitted on a training slice, applied to a test slice.

Datasets: the first 2000 bars of data/btcusd_coinbase_1h.csv (values depend on the whole
history since bar 0, so we take a prefix, never a middle slice) and an edge-case series
designed to hit TA-Lib's special branches (flat bars, constant runs, H == L, zero volume,
tiny moves near the TA_IS_ZERO threshold, monotonic runs, gaps, zero prices).
"""
import csv
import json
import os
import struct

import numpy as np
import talib
import talib.abstract as A

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
N_BTC = 2000


def load_btc(n):
    cols = {k: [] for k in ("open", "high", "low", "close", "volume")}
    with open(os.path.join(ROOT, "data", "btcusd_coinbase_1h.csv")) as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i >= n:
                break
            for k in cols:
                cols[k].append(float(row[k]))
    return {k: np.array(v, dtype=np.float64) for k, v in cols.items()}


def edge_series():
    rng = np.random.default_rng(20261128)
    o, h, l, c, v = [], [], [], [], []

    def bar(op, hi, lo, cl, vol):
        o.append(op)
        h.append(max(hi, op, cl))
        l.append(min(lo, op, cl))
        c.append(cl)
        v.append(vol)

    def walk(n, start, scale, vol=True):
        p = start
        for _ in range(n):
            op = p
            p = p + rng.normal(0, scale)
            hi = max(op, p) + abs(rng.normal(0, scale / 2))
            lo = min(op, p) - abs(rng.normal(0, scale / 2))
            bar(op, hi, lo, p, float(rng.integers(0, 1000)) if vol else 0.0)
        return p

    p = walk(70, 100.0, 1.0)
    for _ in range(45):  # flat bars, zero volume
        bar(p, p, p, p, 0.0)
    for _ in range(40):  # H == L bars whose level moves
        p = p + float(rng.choice([-0.5, 0.0, 0.5]))
        bar(p, p, p, p, 10.0)
    lvl = p
    for _ in range(40):  # constant close, high/low still move
        bar(lvl, lvl + abs(rng.normal(0, 1)), lvl - abs(rng.normal(0, 1)), lvl, 50.0)
    for i in range(40):  # tiny moves near the epsilon thresholds
        d = (1e-9 if i % 3 else 1e-15) * (1 if i % 2 else -1)
        p = lvl + d * (i % 5)
        bar(p, p + 1e-9, p - 1e-9, p, 5.0)
    p = lvl
    for _ in range(40):  # strictly rising
        op = p
        p += 1.0
        bar(op, p + 0.2, op - 0.1, p, 100.0)
    for _ in range(40):  # strictly falling
        op = p
        p -= 1.0
        bar(op, op + 0.1, p - 0.2, p, 100.0)
    bar(p, p * 1.5, p, p * 1.5, 1000.0)  # gap up
    p *= 1.5
    p = walk(30, p, 2.0, vol=False)  # zero volume, moving prices
    bar(p, p, p * 0.5, p * 0.5, 1000.0)  # gap down
    p *= 0.5
    p = walk(40, p, 1.0)
    for x in [5.0, 2.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 2.0, 3.0, 3.0, 0.0, 4.0, 5.0]:  # zero prices
        bar(x, x, x, x, 0.0 if x == 0 else 1.0)
    p = walk(120, 50.0, 0.7)
    for _ in range(12):  # alternating up / down
        p += 1.0
        bar(p - 1, p, p - 1, p, 20.0)
        p -= 1.0
        bar(p + 1, p + 1, p, p, 20.0)
    walk(100, p, 1.5)
    arr = lambda x: np.array(x, dtype=np.float64)
    return {"open": arr(o), "high": arr(h), "low": arr(l), "close": arr(c), "volume": arr(v)}


def nan_series():
    """The first 300 BTC bars with NaN holes (a NaN close, a NaN high/low, a NaN volume
    and a run of NaN bars): TA-Lib propagates NaN through its arithmetic; the test checks
    which functions reproduce its output exactly after a NaN."""
    d = {k: v[:300].copy() for k, v in load_btc(300).items()}
    d["close"][120] = np.nan
    d["high"][160] = np.nan
    d["low"][161] = np.nan
    d["volume"][170] = np.nan
    for k in ("open", "high", "low", "close"):
        d[k][230:233] = np.nan
    return d


def atto_series():
    """The first 400 BTC bars with prices and volumes scaled by 1e-18: TA-Lib 0.8.1 tests
    price-unit sums against zero without a fixed band (issue #253: TR sums, gain + loss, money
    flow, CCI's flatness relative to the mean), so every function here must give the same
    dimensionless values as on the unscaled bars, not a fixed-threshold 0."""
    return {k: v * 1e-18 for k, v in load_btc(400).items()}


def degenerate(d):
    """A copy of the columns `d` made degenerate in runs: bars repeating the previous bar
    exactly, zero-volume stretches, flat bars (O = H = L = C) and single bars one ulp away
    from the previous one (typical prices that tie up to rounding; running sums that keep a
    residue after a flat window). Also used by cli_sweep.py."""
    d = {k: v.copy() for k, v in d.items()}
    n = d["close"].size
    for i in range(1, n):
        if (i // 25) % 3 == 1:
            for k in d:
                d[k][i] = d[k][i - 1]
        if (i // 40) % 4 == 2:
            d["volume"][i] = 0.0
        if (i // 30) % 5 == 3:
            for k in ("open", "high", "low"):
                d[k][i] = d["close"][i]
        if i % 17 == 5:
            up = (i // 17) % 2 == 0
            for k in ("open", "high", "low", "close"):
                d[k][i] = np.nextafter(d[k][i - 1], np.inf if up else -np.inf)
            d["high"][i] = max(d[k][i] for k in ("open", "high", "low", "close"))
            d["low"][i] = min(d[k][i] for k in ("open", "high", "low", "close"))
    return d


def flat_series():
    """The first 400 BTC bars made degenerate ([`degenerate`])."""
    return degenerate(load_btc(400))


# (function, list of parameter dicts; the first dict is TA-Lib's defaults made explicit)
CASES = [
    ("ADX", [{"timeperiod": 14}, {"timeperiod": 5}, {"timeperiod": 2}]),
    ("ADXR", [{"timeperiod": 14}, {"timeperiod": 6}]),
    ("APO", [{"fastperiod": 12, "slowperiod": 26, "matype": 1},
             {"fastperiod": 12, "slowperiod": 26, "matype": 0},
             {"fastperiod": 26, "slowperiod": 5, "matype": 1},
             {"fastperiod": 3, "slowperiod": 10, "matype": 2}]),
    ("AROON", [{"timeperiod": 14}, {"timeperiod": 2}, {"timeperiod": 25}]),
    ("AROONOSC", [{"timeperiod": 14}, {"timeperiod": 3}]),
    ("BOP", [{}]),
    ("CCI", [{"timeperiod": 14}, {"timeperiod": 2}, {"timeperiod": 20}]),
    ("CMO", [{"timeperiod": 14}, {"timeperiod": 3}]),
    ("DX", [{"timeperiod": 14}, {"timeperiod": 3}]),
    ("MACD", [{"fastperiod": 12, "slowperiod": 26, "signalperiod": 9},
              {"fastperiod": 26, "slowperiod": 12, "signalperiod": 1},
              {"fastperiod": 5, "slowperiod": 35, "signalperiod": 5}]),
    ("MACDEXT", [{"fastperiod": 12, "fastmatype": 0, "slowperiod": 26, "slowmatype": 0,
                  "signalperiod": 9, "signalmatype": 0},
                 {"fastperiod": 12, "fastmatype": 1, "slowperiod": 26, "slowmatype": 1,
                  "signalperiod": 9, "signalmatype": 1},
                 {"fastperiod": 8, "fastmatype": 2, "slowperiod": 21, "slowmatype": 3,
                  "signalperiod": 5, "signalmatype": 5}]),
    ("MACDFIX", [{"signalperiod": 9}, {"signalperiod": 1}]),
    ("MFI", [{"timeperiod": 14}, {"timeperiod": 3}]),
    ("MINUS_DI", [{"timeperiod": 14}, {"timeperiod": 1}, {"timeperiod": 4}]),
    ("MINUS_DM", [{"timeperiod": 14}, {"timeperiod": 1}, {"timeperiod": 4}]),
    ("MOM", [{"timeperiod": 10}, {"timeperiod": 1}]),
    ("PLUS_DI", [{"timeperiod": 14}, {"timeperiod": 1}, {"timeperiod": 4}]),
    ("PLUS_DM", [{"timeperiod": 14}, {"timeperiod": 1}, {"timeperiod": 4}]),
    ("PPO", [{"fastperiod": 12, "slowperiod": 26, "matype": 1},
             {"fastperiod": 12, "slowperiod": 26, "matype": 0},
             {"fastperiod": 9, "slowperiod": 4, "matype": 1}]),
    ("ROC", [{"timeperiod": 10}, {"timeperiod": 1}]),
    ("ROCP", [{"timeperiod": 10}, {"timeperiod": 1}]),
    ("ROCR", [{"timeperiod": 10}, {"timeperiod": 1}]),
    ("ROCR100", [{"timeperiod": 10}, {"timeperiod": 1}]),
    ("RSI", [{"timeperiod": 14}, {"timeperiod": 2}, {"timeperiod": 30}]),
    ("STOCH", [{"fastk_period": 5, "slowk_period": 3, "slowk_matype": 0, "slowd_period": 3,
                "slowd_matype": 0},
               {"fastk_period": 14, "slowk_period": 1, "slowk_matype": 0, "slowd_period": 1,
                "slowd_matype": 0},
               {"fastk_period": 9, "slowk_period": 4, "slowk_matype": 1, "slowd_period": 5,
                "slowd_matype": 2}]),
    ("STOCHF", [{"fastk_period": 5, "fastd_period": 3, "fastd_matype": 0},
                {"fastk_period": 1, "fastd_period": 1, "fastd_matype": 0},
                {"fastk_period": 14, "fastd_period": 4, "fastd_matype": 1}]),
    ("STOCHRSI", [{"timeperiod": 14, "fastk_period": 5, "fastd_period": 3, "fastd_matype": 0},
                  {"timeperiod": 7, "fastk_period": 3, "fastd_period": 2, "fastd_matype": 1}]),
    ("TRIX", [{"timeperiod": 30}, {"timeperiod": 1}, {"timeperiod": 5}]),
    ("ULTOSC", [{"timeperiod1": 7, "timeperiod2": 14, "timeperiod3": 28},
                {"timeperiod1": 2, "timeperiod2": 3, "timeperiod3": 1}]),
    ("WILLR", [{"timeperiod": 14}, {"timeperiod": 2}]),
    ("HT_DCPERIOD", [{}]),
    ("HT_DCPHASE", [{}]),
    ("HT_PHASOR", [{}]),
    ("HT_SINE", [{}]),
    ("HT_TRENDMODE", [{}]),
    ("HT_TRENDLINE", [{}]),
    ("MAMA", [{"fastlimit": 0.5, "slowlimit": 0.05}, {"fastlimit": 0.9, "slowlimit": 0.2}]),
]


# Every MA type (0..8) for every function that takes one (appended so the original cases keep
# their blob offsets).
_EXTRA = {
    "APO": [{"fastperiod": 5, "slowperiod": 12, "matype": m} for m in range(9)],
    "PPO": [{"fastperiod": 5, "slowperiod": 12, "matype": m} for m in range(9)],
    "MACDEXT": [{"fastperiod": 5, "fastmatype": m, "slowperiod": 12, "slowmatype": m,
                 "signalperiod": 4, "signalmatype": m} for m in range(9)],
    "STOCH": [{"fastk_period": 5, "slowk_period": 3, "slowk_matype": m, "slowd_period": 3,
               "slowd_matype": m} for m in range(9)],
    "STOCHF": [{"fastk_period": 5, "fastd_period": 3, "fastd_matype": m} for m in range(9)],
    "STOCHRSI": [{"timeperiod": 14, "fastk_period": 5, "fastd_period": 3, "fastd_matype": m}
                 for m in range(9)],
}
CASES += [(f, plist) for f, plist in _EXTRA.items()]

# The math operators (session 7; appended so the earlier cases keep their blob offsets).
# Periods 2 and 3 make the rescans frequent; the `flat` dataset's repeated bars exercise
# the index functions' tie rule (newest on update, oldest on rescan).
CASES += [(f, [{}]) for f in ("ADD", "SUB", "MULT", "DIV")]
CASES += [(f, [{"timeperiod": 30}, {"timeperiod": 2}, {"timeperiod": 3}, {"timeperiod": 9}])
          for f in ("SUM", "MAX", "MIN", "MAXINDEX", "MININDEX", "MINMAX", "MINMAXINDEX")]

class Blob:
    def __init__(self):
        self.parts = []
        self.n = 0

    def add(self, a):
        a = np.ascontiguousarray(a, dtype="<f8")
        off = self.n
        self.parts.append(a.tobytes())
        self.n += a.size
        return off

    def write(self, path):
        with open(path, "wb") as f:
            for p in self.parts:
                f.write(p)


def talib_cases(blob):
    datasets = {"btc": load_btc(N_BTC), "edge": edge_series(), "nan": nan_series(),
                "atto": atto_series(), "flat": flat_series()}
    ds_meta = []
    for name, d in datasets.items():
        ds_meta.append({"name": name, "len": int(d["close"].size),
                        **{k: blob.add(d[k]) for k in ("open", "high", "low", "close", "volume")}})
    cases = []
    for func, plist in CASES:
        for params in plist:
            f = A.Function(func)
            f.set_parameters(params)
            lookback = int(f.lookback)
            for name, d in datasets.items():
                out = A.Function(func)(d, **params)
                outs = out if isinstance(out, list) else [out]
                names = list(A.Function(func).info["output_names"])
                assert len(names) == len(outs)
                offs = []
                for col in outs:
                    col = np.asarray(col, dtype=np.float64)
                    if np.issubdtype(np.asarray(outs[0]).dtype, np.integer):
                        col = col.copy()
                        col[:lookback] = np.nan  # the wrapper fills int lookback with 0
                    offs.append(blob.add(col))
                cases.append({"func": func, "params": params, "dataset": name,
                              "lookback": lookback, "outputs": names, "offsets": offs})
    return ds_meta, cases


def scalers():
    from sklearn.preprocessing import MinMaxScaler, RobustScaler, StandardScaler

    d = load_btc(1200)
    c = d["close"]
    ret = np.concatenate([[0.0], np.diff(np.log(c))])
    x = np.column_stack([c, d["volume"], ret, d["high"] - d["low"]])
    cols = ["close", "volume", "logret", "range"]
    # one constant column exercises the zero-scale rule (sklearn: scale 1)
    x = np.column_stack([x, np.full(len(c), 3.5)])
    cols.append("const")
    train, test = x[:800], x[800:]
    out = {"sklearn": __import__("sklearn").__version__, "columns": cols,
           "train": train.tolist(), "test": test.tolist(), "results": {}}
    for name, sc in [("minmax", MinMaxScaler()), ("minmax_m1_1", MinMaxScaler((-1, 1))),
                     ("zscore", StandardScaler()), ("robust", RobustScaler()),
                     ("robust_10_90", RobustScaler(quantile_range=(10.0, 90.0)))]:
        sc.fit(train)
        out["results"][name] = {"transform_test": sc.transform(test).tolist(),
                                "inverse": sc.inverse_transform(sc.transform(test)).tolist()}
    with open(os.path.join(HERE, "f2_scalers.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))


def main():
    blob = Blob()
    ds_meta, cases = talib_cases(blob)
    manifest = {"talib_python": talib.__version__,
                "talib_c": talib.__ta_version__.decode() if isinstance(talib.__ta_version__, bytes)
                else str(talib.__ta_version__),
                "numpy": np.__version__, "datasets": ds_meta, "cases": cases}
    blob.write(os.path.join(HERE, "f2_talib.bin"))
    with open(os.path.join(HERE, "f2_talib.json"), "w") as f:
        json.dump(manifest, f, indent=0, separators=(",", ":"))
    scalers()
    print(f"{len(cases)} cases, {blob.n * 8 / 1e6:.2f} MB blob")


if __name__ == "__main__":
    main()
