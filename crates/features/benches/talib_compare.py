#!/usr/bin/env python3
"""TA-Lib side of the aaiti-features side-by-side benchmark.

1. Generates the 1,000,000-bar OHLCV series deterministically (numpy PCG64, seed 7, the
   generator of ../shared/reference/bench/talib_bench.py) and writes it as five
   little-endian f64 columns (open, high, low, close, volume) to SERIES, which the Rust
   side (benches/compare.rs) reads: both time the identical bytes.
2. Times the same 26 indicators with the TA-Lib wheel (best of 5 after a warm-up) and
   prints JSON.

    python talib_compare.py [--series /tmp/aaiti_features_bench_ohlcv.f64] [--n 1000000]
                            [--only KAMA,MACD]   # names starting with these prefixes
"""
import argparse
import json
import time

import numpy as np
import talib


def make_ohlcv(n, seed=7):
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0002, 0.01, n)))
    open_ = np.r_[close[0], close[:-1]] * np.exp(rng.normal(0, 0.002, n))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, 0.004, n)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, 0.004, n)))
    vol = rng.lognormal(13, 0.5, n)
    return open_, high, low, close, vol


def best_of(fn, repeat):
    fn()
    b = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        b = min(b, time.perf_counter() - t0)
    return b


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", default="/tmp/aaiti_features_bench_ohlcv.f64")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--only", default="", help="comma-separated name prefixes")
    a = ap.parse_args()
    o, h, l, c, v = make_ohlcv(a.n)
    np.concatenate([o, h, l, c, v]).astype("<f8").tofile(a.series)
    cases = {
        "SMA(30)": lambda: talib.SMA(c, 30),
        "EMA(30)": lambda: talib.EMA(c, 30),
        "WMA(30)": lambda: talib.WMA(c, 30),
        "DEMA(30)": lambda: talib.DEMA(c, 30),
        "TEMA(30)": lambda: talib.TEMA(c, 30),
        "KAMA(30)": lambda: talib.KAMA(c, 30),
        "BBANDS(20,2)": lambda: talib.BBANDS(c, 20, 2.0, 2.0, 0),
        "MACD(12,26,9)": lambda: talib.MACD(c, 12, 26, 9),
        "RSI(14)": lambda: talib.RSI(c, 14),
        "STOCH(5,3,3)": lambda: talib.STOCH(h, l, c, 5, 3, 0, 3, 0),
        "WILLR(14)": lambda: talib.WILLR(h, l, c, 14),
        "CCI(14)": lambda: talib.CCI(h, l, c, 14),
        "ADX(14)": lambda: talib.ADX(h, l, c, 14),
        "ATR(14)": lambda: talib.ATR(h, l, c, 14),
        "OBV": lambda: talib.OBV(c, v),
        "AD": lambda: talib.AD(h, l, c, v),
        "MFI(14)": lambda: talib.MFI(h, l, c, v, 14),
        "SAR(0.02,0.2)": lambda: talib.SAR(h, l, 0.02, 0.2),
        "LINEARREG(14)": lambda: talib.LINEARREG(c, 14),
        "STDDEV(20)": lambda: talib.STDDEV(c, 20, 1.0),
        "AROON(14)": lambda: talib.AROON(h, l, 14),
        "TRIMA(30)": lambda: talib.TRIMA(c, 30),
        "T3(5,0.7)": lambda: talib.T3(c, 5, 0.7),
        "MACDEXT(EMA)": lambda: talib.MACDEXT(c, 12, 1, 26, 1, 9, 1),
        "APO(12,26,EMA)": lambda: talib.APO(c, 12, 26, 1),
        "VAR(20)": lambda: talib.VAR(c, 20, 1.0),
    }
    res = {"n_bars": a.n, "repeat": a.repeat, "talib": talib.__version__,
           "talib_c": str(talib.__ta_version__), "results": {}}
    only = [o for o in a.only.split(",") if o]
    for name, fn in cases.items():
        if only and not any(name.startswith(o) for o in only):
            continue
        res["results"][name] = best_of(fn, a.repeat)
    print(json.dumps(res))


if __name__ == "__main__":
    main()
