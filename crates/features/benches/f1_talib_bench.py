#!/usr/bin/env python3
"""TA-Lib side of the F1 benchmark: same 1,000,000-bar series as benches/indicators.rs
(seeded LCG random walk), best of 5 timed calls per function, ns/bar on stdout as JSON.

    /tmp/venv-features/bin/python crates/features/benches/f1_talib_bench.py
"""
import json
import time

import numpy as np
import talib

N = 1_000_000


def series(n):
    state = 42
    mask = (1 << 64) - 1
    o, h, l, c, v = (np.empty(n) for _ in range(5))
    p = 100.0

    def u():
        nonlocal state
        state = (state * 6364136223846793005 + 1442695040888963407) & mask
        return (state >> 11) / float(1 << 53)

    for i in range(n):
        op = p
        cl = max(p * (1.0 + (u() - 0.5) * 0.02), 0.01)
        hi = max(op, cl) * (1.0 + u() * 0.005)
        lo = min(op, cl) * (1.0 - u() * 0.005)
        o[i], h[i], l[i], c[i], v[i] = op, hi, lo, cl, 1000.0 + u() * 1000.0
        p = cl
    return o, h, l, c, v


def main():
    o, h, l, c, v = series(N)
    cases = {
        "SMA": lambda: talib.SMA(c, 30), "EMA": lambda: talib.EMA(c, 30), "WMA": lambda: talib.WMA(c, 30),
        "DEMA": lambda: talib.DEMA(c, 30), "TEMA": lambda: talib.TEMA(c, 30), "TRIMA": lambda: talib.TRIMA(c, 30),
        "KAMA": lambda: talib.KAMA(c, 30), "T3": lambda: talib.T3(c, 5), "BBANDS": lambda: talib.BBANDS(c, 20),
        "SAR": lambda: talib.SAR(h, l), "MIDPOINT": lambda: talib.MIDPOINT(c, 14),
        "ATR": lambda: talib.ATR(h, l, c, 14), "NATR": lambda: talib.NATR(h, l, c, 14),
        "TRANGE": lambda: talib.TRANGE(h, l, c), "AD": lambda: talib.AD(h, l, c, v),
        "ADOSC": lambda: talib.ADOSC(h, l, c, v), "OBV": lambda: talib.OBV(c, v),
        "TYPPRICE": lambda: talib.TYPPRICE(h, l, c), "BETA": lambda: talib.BETA(h, l, 5),
        "CORREL": lambda: talib.CORREL(h, l, 30), "LINEARREG": lambda: talib.LINEARREG(c, 14),
        "STDDEV": lambda: talib.STDDEV(c, 20), "VAR": lambda: talib.VAR(c, 20),
        "KC": lambda: talib.KC(h, l, c), "DONCHIAN": lambda: talib.DONCHIAN(h, l),
        "SUPERTREND": lambda: talib.SUPERTREND(h, l, c), "HMA": lambda: talib.HMA(c, 20),
        "VWAP": lambda: talib.VWAP(h, l, c, v),
    }
    out = {}
    for name, f in cases.items():
        f()
        best = min(_time(f) for _ in range(5))
        out[name] = best / N * 1e9
    print(json.dumps(out))


def _time(f):
    t = time.perf_counter()
    f()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
