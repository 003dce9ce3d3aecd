#!/usr/bin/env python3
"""Side-by-side CSV loading: pandas.read_csv + the same validation vs `aaiti data inspect`.

Both sides parse the whole file, parse timestamps as UTC, and check every hard invariant that
aaiti-core checks (finite positive prices, high >= low, open/close inside [low, high],
non-negative finite volume, strictly increasing timestamps), and compute the gap count.
The Rust side is the release `aaiti-csv-load` binary (benches/bin/csv_load.rs: `read_csv` +
`quality_report`), process start included (~1 ms).

Usage: python3 benches/compare/csv_load.py [--rows 1000000] [--repeat 5]
Needs: pandas (pip install pandas), and `cargo build --release -p aaiti-benches --bin aaiti-csv-load` first.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def make_big(path, rows):
    src = pd.read_csv(os.path.join(ROOT, "data", "btcusd_coinbase_1h.csv"))
    reps = -(-rows // len(src))
    big = pd.concat([src] * reps, ignore_index=True).iloc[:rows].copy()
    big["timestamp"] = pd.date_range("1990-01-01", periods=rows, freq="h", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    big.to_csv(path, index=False)


def pandas_load_validate(path):
    df = pd.read_csv(path)
    ts = pd.to_datetime(df["timestamp"], utc=True, format="ISO8601")
    o, h, l, c, v = (df[k].to_numpy(dtype=np.float64) for k in ("open", "high", "low", "close", "volume"))
    prices = np.stack([o, h, l, c])
    assert np.isfinite(prices).all() and (prices > 0).all()
    assert np.isfinite(v).all() and (v >= 0).all()
    assert (h >= l).all() and ((o >= l) & (o <= h)).all() and ((c >= l) & (c <= h)).all()
    d = np.diff(ts.to_numpy().astype("datetime64[s]").astype(np.int64))
    assert (d > 0).all()
    step = np.bincount(d[d < 10**7]).argmax() if len(d) else 0
    gaps = int(((d // step) > 1).sum()) if step else 0
    return len(df), gaps


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    binary = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "aaiti-csv-load")
    if not os.path.exists(binary):
        sys.exit(f"build it first: cargo build --release -p aaiti-benches --bin aaiti-csv-load ({binary} missing)")
    with tempfile.TemporaryDirectory() as tmp:
        files = [("btcusd_coinbase_1h.csv (20,111 rows)", os.path.join(ROOT, "data", "btcusd_coinbase_1h.csv"))]
        big = os.path.join(tmp, "big.csv")
        make_big(big, args.rows)
        files.append((f"synthetic {args.rows:,} rows", big))
        print(f"pandas {pd.__version__}, numpy {np.__version__}")
        print("| file | MB | pandas + validation (s) | aaiti (s) | aaiti MB/s | speed-up |")
        print("|---|---|---|---|---|---|")
        for name, path in files:
            mb = os.path.getsize(path) / 1e6
            tp = median_time(lambda: pandas_load_validate(path), args.repeat)
            run = lambda: subprocess.run([binary, path], check=True, stdout=subprocess.DEVNULL)
            tr = median_time(run, args.repeat)
            print(f"| {name} | {mb:.1f} | {tp:.3f} | {tr:.3f} | {mb / tr:.0f} | {tp / tr:.1f}x |")


if __name__ == "__main__":
    main()
