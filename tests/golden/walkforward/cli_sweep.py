#!/usr/bin/env python3
"""Random-parameter sweep: `aaiti walkforward plan` against the reference splitters, through the CLI.

The golden file splits.json pins a fixed grid of cases; this sweep draws sample counts and
parameters at random over the valid (and just invalid) ranges of every scheme the CLI exposes
and compares the CLI's JSON splits row for row with the reference package:

    scheme sklearn      scikit-learn TimeSeriesSplit(n_splits, max_train_size, test_size, gap)
    scheme expanding    skfolio WalkForward(train, test, purged_size=gap, expand_train=True,
    scheme rolling        reduce_test=keep_partial)                 [without --step]
                        sktime Expanding/SlidingWindowSplitter(fh=gap+1..gap+test, step) [--step]
    scheme cpcv         skfolio CombinatorialPurgedCV(n_folds, n_test_folds, purged, embargo)
    scheme calendar     skfolio WalkForward(freq=..., train_size=periods | DateOffset(months) |
                        Timedelta(days)) on random timestamp indexes (business days with
                        holidays, hourly/minute bars with gaps, irregular bars, any start date;
                        every pandas 3 alias the CLI knows, plus removed/unsupported ones)
    run (statistics)    `walkforward run --json` on random slices of the bundled bars with random
                        schemes and trial Sharpe ratios: the report's Sharpe, PSR and DSR of the
                        stitched OOS returns against skfolio.measures (recomputed from the
                        report's own per-row returns; trials = config trials + this run), MinTRL
                        against the Bailey & Lopez de Prado (2012) formula on skfolio's moments;
                        tolerance 1e-10 relative

Parameter validation is compared too: the reference raises -> the CLI must exit with an error
message; the CLI refuses what the reference accepts -> difference. A reference that silently
yields no split is answered by the CLI with an `infeasible` error (documented in
docs/walkforward.md); that pair counts as agreement.

    python3 -m venv /tmp/venv-wf-sweep && /tmp/venv-wf-sweep/bin/pip install \
        scikit-learn==1.9.1 skfolio==1.12.2 sktime==1.2.0 pandas==3.0.6 numpy==2.4.6 scipy==1.17.1
    cargo build -p aaiti-cli
    /tmp/venv-wf-sweep/bin/python tests/golden/walkforward/cli_sweep.py target/debug/aaiti \
        [--seed N] [--trials K] [--run-trials K] [--only sklearn,walk,cpcv,calendar,run]

Exit status 1 when anything differs.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
from sklearn.model_selection import TimeSeriesSplit  # noqa: E402
from skfolio.model_selection import CombinatorialPurgedCV, WalkForward  # noqa: E402

try:
    from sktime.split import ExpandingWindowSplitter, SlidingWindowSplitter  # noqa: E402
except ImportError:  # pragma: no cover
    ExpandingWindowSplitter = SlidingWindowSplitter = None


def ranges(idx):
    out = []
    for i in sorted(int(i) for i in idx):
        if out and out[-1][1] == i:
            out[-1][1] = i + 1
        elif out and out[-1][1] > i:
            raise AssertionError("duplicate index")
        else:
            out.append([i, i + 1])
    return out


def ref_run(fn):
    """('ok', splits) | ('error', message) | ('empty', None)."""
    try:
        s = fn()
    except (ValueError, TypeError, ZeroDivisionError) as e:
        return "error", f"{type(e).__name__}: {e}"
    if not s:
        return "empty", None
    return "ok", s


def cli_run(exe, args):
    p = subprocess.run([exe, "walkforward", "plan", "--json", *args], capture_output=True, text=True)
    if p.returncode != 0:
        msg = (p.stderr.strip() or p.stdout.strip()).splitlines()
        if p.returncode not in (1, 2) or not msg or "panicked" in p.stderr:
            return "crash", f"rc={p.returncode} {p.stderr.strip()[-400:]}"
        return "error", msg[-1][:300]
    j = json.loads(p.stdout)
    s = [[ranges(np.concatenate([np.arange(a, b) for a, b in sp["train"]] or [np.zeros(0, int)])),
          ranges(np.concatenate([np.arange(a, b) for a, b in sp["test"]] or [np.zeros(0, int)]))]
         for sp in j["splits"]]
    if j["n_splits"] != len(s):
        return "crash", f"n_splits={j['n_splits']} but {len(s)} splits listed"
    return "ok", s


def compare(ref, got):
    (rk, rv), (gk, gv) = ref, got
    if gk == "crash":
        return gv
    if rk == "ok" and gk == "ok":
        if rv == gv:
            return None
        if len(rv) != len(gv):
            return f"{len(gv)} splits, reference {len(rv)}; first ref {rv[:2]} got {gv[:2]}"
        for i, (a, b) in enumerate(zip(rv, gv)):
            if a != b:
                return f"split {i}: got train {b[0]} test {b[1]}, reference train {a[0]} test {a[1]}"
    if rk in ("error", "empty") and gk == "error":
        return None
    if rk == "ok":
        return f"CLI refuses ({gv}) what the reference accepts ({len(rv)} splits)"
    return f"CLI gives {len(gv)} splits where the reference {'raises ' + rv if rk == 'error' else 'yields none'}"


def collect(gen):
    return [[ranges(tr), ranges(te)] for tr, te in gen]


# ---------------------------------------------------------------- sample counts
def pick_n(rng, lo=1, hi=400):
    r = rng.random()
    if r < 0.3:
        return rng.randint(lo, min(hi, 25))
    if r < 0.8:
        return rng.randint(lo, min(hi, 150))
    return rng.randint(lo, hi)


# ---------------------------------------------------------------- sklearn
def case_sklearn(rng, exe):
    n = pick_n(rng)
    k = rng.choice([1, 2, 2, 3, 4, 5, 6, 8, 10, 20]) if rng.random() < 0.9 else rng.randint(0, n + 2)
    mt = rng.choice([None, None, 0, 1, rng.randint(1, 10), rng.randint(1, max(1, n))])
    ts = rng.choice([None, None, 0, 1, rng.randint(1, 8), rng.randint(1, max(1, n // max(k, 1) + 1))])
    gap = rng.choice([0, 0, 1, rng.randint(0, 6), rng.randint(0, max(1, n // 2))])
    # edge: n barely enough / one short
    if rng.random() < 0.2 and k >= 1:
        t = ts if ts else max(1, n // (k + 1))
        n = max(1, gap + t * k + rng.choice([0, 1, 2]))
    params = dict(n=n, n_splits=k, max_train_size=mt, test_size=ts, gap=gap)

    def ref():
        cv = TimeSeriesSplit(n_splits=k, max_train_size=mt, test_size=ts, gap=gap)
        return collect(cv.split(np.zeros(n)))

    args = ["--n-samples", str(n), "--scheme", "sklearn", "--n-splits", str(k), "--gap", str(gap)]
    if mt is not None:
        args += ["--max-train", str(mt)]
    if ts is not None:
        args += ["--test", str(ts)]
    return params, ref_run(ref), cli_run(exe, args)


# ---------------------------------------------------------------- skfolio / sktime walk-forward
def case_walk(rng, exe):
    n = pick_n(rng)
    expand = rng.random() < 0.5
    tr = rng.choice([0, 1, 1, 2, rng.randint(1, 10), rng.randint(1, max(1, n))]) if rng.random() < 0.95 else n
    te = rng.choice([0, 1, 1, 2, rng.randint(1, 10), rng.randint(1, max(1, n // 2))])
    gap = rng.choice([0, 0, 1, rng.randint(0, 5), rng.randint(0, max(1, n // 3))])
    step = None
    if SlidingWindowSplitter is not None and rng.random() < 0.35:
        step = rng.choice([1, 2, rng.randint(1, 12), te if te else 1])
    keep = step is None and rng.random() < 0.5
    if rng.random() < 0.2 and te >= 1:
        n = max(1, tr + gap + te * rng.randint(1, 4) + rng.choice([-1, 0, 1]))
    params = dict(n=n, scheme="expanding" if expand else "rolling", train=tr, test=te, gap=gap,
                  step=step, keep_partial=keep)

    def ref():
        if step is None:
            cv = WalkForward(test_size=te, train_size=tr, purged_size=gap, expand_train=expand,
                             reduce_test=keep)
            return collect(cv.split(np.zeros((n, 1))))
        if te < 1:
            raise ValueError("test_size must be >= 1")
        fh = list(range(gap + 1, gap + te + 1))
        y = pd.Series(np.arange(n, dtype=float))
        if expand:
            if tr < 1:
                raise ValueError("initial_window must be >= 1")
            cv = ExpandingWindowSplitter(fh=fh, initial_window=tr, step_length=step)
        else:
            if tr < 1:
                raise ValueError("window_length must be >= 1")
            cv = SlidingWindowSplitter(fh=fh, window_length=tr, step_length=step)
        try:
            return collect(cv.split(y))
        except ValueError:
            raise
        except Exception as e:  # sktime raises assorted errors on too-short series
            raise ValueError(str(e))

    args = ["--n-samples", str(n), "--scheme", "expanding" if expand else "rolling",
            "--train", str(tr), "--test", str(te), "--gap", str(gap)]
    if step is not None:
        args += ["--step", str(step)]
    if keep:
        args += ["--keep-partial"]
    return params, ref_run(ref), cli_run(exe, args)


# ---------------------------------------------------------------- CPCV
def case_cpcv(rng, exe):
    nf = rng.choice([1, 2, 3, 3, 4, 5, 6, 7, 8, 10, 12, 16]) if rng.random() < 0.97 else 25
    k = rng.randint(2, nf - 1) if nf >= 3 and rng.random() < 0.85 else rng.choice([0, 1, nf, nf + 1])
    n = pick_n(rng, 1, 600) if rng.random() < 0.3 else rng.randint(nf * 3, 800)
    p = rng.choice([0, 0, 1, 2, rng.randint(0, 6)])
    e = rng.choice([0, 0, 1, 3, rng.randint(0, 6)])
    if rng.random() < 0.25:  # fold size right at the purge+embargo limit
        n = nf * (p + e + rng.choice([1, 2, 3])) + rng.randint(0, nf)
    params = dict(n=n, n_folds=nf, n_test_folds=k, purged_size=p, embargo_size=e)

    def ref():
        cv = CombinatorialPurgedCV(n_folds=nf, n_test_folds=k, purged_size=p, embargo_size=e)
        out = []
        for tr, tests in cv.split(np.zeros((n, 1))):
            out.append([ranges(tr), ranges(np.concatenate(tests))])
        return out

    args = ["--n-samples", str(n), "--scheme", "cpcv", "--folds", str(nf), "--test-folds", str(k),
            "--purge", str(p), "--embargo", str(e)]
    return params, ref_run(ref), cli_run(exe, args)


# ---------------------------------------------------------------- calendar
FREQS = ["MS", "ME", "QS", "QE", "YS", "YE", "W", "W-MON", "W-TUE", "W-WED", "W-THU", "W-FRI",
         "W-SAT", "W-SUN", "1ME", "D", "2D", "3D", "7D", "h", "2h", "6h", "12h", "24h", "30min", "90min",
         "45min", "3600s", "900s", "B", "2B", "5B", "2MS", "3MS", "2ME", "2QS", "2QE", "2YS", "2W",
         "2W-MON", "3W-FRI"]
# pandas 3 refuses these (removed aliases) or they are outside the CLI's set (the sweep then
# expects the CLI to refuse exactly the removed ones and lists the rest as differences).
FREQS_RARE = ["M", "H", "AS", "Q", "Y", "T", "S", "0D", "d", "0B", "0MS", "BMS", "SME"]
# pandas aliases the CLI does not implement (it refuses them with an error; docs/walkforward.md)
KNOWN_UNSUPPORTED = {"BMS", "SME"}


def timestamps(rng, long=False):
    """A random index; `long` (coarse anchors: months, quarters, years) stretches it so that
    most draws hold enough anchors for a split."""
    kind = rng.choice(["bday", "daily", "hourly", "minutes", "irregular"])
    if long:
        kind = rng.choice(["bday", "daily", "irregular"])
    start = pd.Timestamp(rng.randint(1995, 2026), rng.randint(1, 12), rng.randint(1, 28))
    if rng.random() < 0.3:  # start on a month end / month start
        start = start + pd.offsets.MonthEnd(0) if rng.random() < 0.5 else start.replace(day=1)
    if kind == "bday":
        idx = pd.bdate_range(start, periods=rng.randint(5, 6000 if long else 1500))
        idx = idx[[rng.random() > 0.04 for _ in range(len(idx))]]
    elif kind == "daily":
        idx = pd.date_range(start + pd.Timedelta(hours=rng.choice([0, 0, 9, 16, 23])),
                            periods=rng.randint(5, 5000 if long else 1200), freq="D")
    elif kind == "hourly":
        idx = pd.date_range(start + pd.Timedelta(hours=rng.randint(0, 23)),
                            periods=rng.randint(10, 4000), freq="h")
        idx = idx[[rng.random() > 0.1 for _ in range(len(idx))]]
    elif kind == "minutes":
        idx = pd.date_range(start + pd.Timedelta(minutes=rng.randint(0, 1439)),
                            periods=rng.randint(10, 3000), freq=rng.choice(["15min", "30min"]))
    else:
        mean_step = rng.choice([86400.0, 5 * 86400.0] if long else [600.0, 20000.0, 86400.0, 5 * 86400.0])
        steps = np.array([rng.expovariate(1 / mean_step) + 1 for _ in range(rng.randint(5, 800))])
        idx = pd.DatetimeIndex(start + pd.to_timedelta(np.cumsum(steps).astype(np.int64), unit="s"))
        idx = idx.unique()
    if len(idx) == 0:
        idx = pd.DatetimeIndex([start])
    return kind, idx


def write_bars(path, idx):
    with open(path, "w") as f:
        f.write("timestamp,open,high,low,close,volume\n")
        for t in idx:
            f.write(f"{t.strftime('%Y-%m-%dT%H:%M:%SZ')},1,1,1,1,1\n")


def case_calendar(rng, exe, tmp):
    freq = rng.choice(FREQS) if rng.random() < 0.95 else rng.choice(FREQS_RARE)
    coarse = any(freq.endswith(u) for u in ("MS", "ME", "QS", "QE", "YS", "YE"))
    kind, idx = timestamps(rng, long=coarse and rng.random() < 0.8)
    tk = rng.choice(["periods", "periods", "months", "days"])
    tv = {"periods": rng.choice([1, 1, 2, 3, rng.randint(1, 12)]),
          "months": rng.choice([1, 2, 3, 6, 12, rng.randint(1, 24)]),
          "days": rng.choice([1, 2, 7, 30, 45, rng.randint(1, 400)])}[tk]
    tp = rng.choice([1, 1, 1, 2, 3, rng.randint(1, 6)])
    p = rng.choice([0, 0, 1, 2, rng.randint(0, 10)])
    ex = rng.random() < 0.4
    red = rng.random() < 0.5
    params = dict(index=kind, n=len(idx), first=str(idx[0]), last=str(idx[-1]), freq=freq,
                  train_kind=tk, train_value=tv, test_periods=tp, purged_size=p, expand_train=ex,
                  reduce_test=red)
    path = os.path.join(tmp, "bars.csv")
    write_bars(path, idx)
    train = {"periods": tv, "months": pd.DateOffset(months=tv), "days": pd.Timedelta(days=tv)}[tk]
    params["known"] = freq in KNOWN_UNSUPPORTED

    def ref():
        cv = WalkForward(test_size=tp, train_size=train, freq=freq, purged_size=p,
                         expand_train=ex, reduce_test=red)
        return collect(cv.split(pd.DataFrame(np.zeros((len(idx), 1)), index=idx)))

    args = ["--input", path, "--scheme", "calendar", "--freq", freq, f"--train-{tk}", str(tv),
            "--test-periods", str(tp), "--purge", str(p)]
    if ex:
        args += ["--expand-train"]
    if red:
        args += ["--keep-partial"]
    return params, ref_run(ref), cli_run(exe, args)


# ---------------------------------------------------------------- statistics of `walkforward run`
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
RUN_CONFIG = """name = "sweep"
type = "classification"
seed = {seed}
[data_source]
symbol = "X"
timeframe = "{tf}"
path = "{path}"
[features]
indicators = ["RSI:timeperiod=14", "ROC:timeperiod=1", "ROC:timeperiod=5", "NATR:timeperiod=14"]
scaler = {{ kind = "z_score" }}
[label]
kind = "direction"
horizon = {horizon}
threshold = 0.0
return_kind = "log"
classes = "binary"
[model]
model = "logistic_regression"
alpha = 1.0
[backtest]
fee_bps = {fee}
slippage_bps = 0.0
allow_short = {short}
proba_threshold = {thr}
calendar = "continuous"
[walkforward]
{wf}
trial_sharpes = {trials}
"""


def mintrl(r, p=0.95):
    """Bailey & Lopez de Prado (2012) on skfolio's moments (skfolio has no MinTRL)."""
    from scipy import stats as st
    from skfolio.measures import kurtosis, mean, skew, standard_deviation
    sr = mean(r) / standard_deviation(r)
    if not sr > 0:
        return None
    adj = 1 - skew(r) * sr + (kurtosis(r) - 1) / 4 * sr ** 2
    return float(1 + adj * (st.norm.ppf(p) / sr) ** 2)


def close(a, b, tol=1e-10):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol * max(1.0, abs(b))


def case_run(rng, exe, tmp):
    """`aaiti walkforward run --json`: PSR / DSR / Sharpe / MinTRL of the stitched OOS returns
    against skfolio.measures, recomputed from the report's own per-row returns and trials."""
    from skfolio.measures import deflated_sharpe_ratio, mean, probabilistic_sharpe_ratio, standard_deviation
    src, tf = rng.choice([("btcusd_coinbase_1h.csv", "1h"), ("ibm_1d_adjusted.csv", "1d"),
                          ("ethusd_coinbase_1h.csv", "1h")])
    with open(os.path.join(ROOT, "data", src)) as f:
        lines = f.read().splitlines()
    n = rng.randint(300, 1500)
    a = rng.randint(1, len(lines) - n - 1)
    path = os.path.join(tmp, "run_bars.csv")
    with open(path, "w") as f:
        f.write("\n".join([lines[0]] + lines[a:a + n]) + "\n")
    scheme = rng.choice(["expanding", "rolling", "sklearn", "cpcv"])
    if scheme in ("expanding", "rolling"):
        wf = (f'scheme = "{scheme}"\ntrain = {rng.choice([0.3, 0.5, 0.6])}\ntest = {rng.choice([0.05, 0.1, 0.2])}\n'
              f'gap = {rng.randint(0, 5)}\nkeep_partial = {str(rng.random() < 0.5).lower()}')
    elif scheme == "sklearn":
        wf = f'scheme = "sklearn"\nn_splits = {rng.randint(2, 8)}\ngap = {rng.randint(0, 5)}'
    else:
        nf = rng.randint(4, 8)
        wf = f'scheme = "cpcv"\nfolds = {nf}\ntest_folds = {rng.randint(2, nf - 1)}\ngap = {rng.randint(0, 3)}'
    k = rng.choice([0, 0, 1, 2, 3, 5, 20])
    trials = [round(rng.gauss(0.02, 0.05), 6) for _ in range(k)]
    if k >= 2 and rng.random() < 0.15:
        trials = [trials[0]] * k
    cfg = RUN_CONFIG.format(seed=rng.randint(0, 99), tf=tf, path=path, horizon=rng.choice([1, 2, 4]),
                            fee=rng.choice([0.0, 5.0]), short=str(rng.random() < 0.5).lower(),
                            thr=rng.choice([0.5, 0.52, 0.6, 0.95]), wf=wf, trials=json.dumps(trials))
    cpath = os.path.join(tmp, "run.toml")
    with open(cpath, "w") as f:
        f.write(cfg)
    params = dict(data=src, rows=f"{a}..{a + n}", wf=wf.replace("\n", "; "), trials=trials)
    p = subprocess.run([exe, "walkforward", "run", "--config", cpath, "--json", "--no-progress",
                        "--threads", "2"], capture_output=True, text=True)
    if p.returncode != 0:
        if "panicked" in p.stderr or p.returncode not in (1, 2):
            return params, ("ok", None), ("crash", p.stderr[-400:])
        return params, ("error", None), ("error", p.stderr.strip()[-200:])
    rep = json.loads(p.stdout)["report"]
    rets = np.array([e["ret"] for e in rep["equity"]], float)
    st_ = rep["statistics"]
    diffs = []
    if rets.size < 3 or standard_deviation(rets) == 0:
        if st_ is not None:
            diffs.append(f"statistics given for {rets.size} returns with std {standard_deviation(rets)}")
    else:
        sr = float(mean(rets) / standard_deviation(rets))
        psr = probabilistic_sharpe_ratio(rets)
        psr = None if np.isnan(psr) else float(psr)
        all_trials = trials + [st_["sharpe"]] if trials else []
        dsr = None
        if len(all_trials) >= 2:
            dsr = deflated_sharpe_ratio(rets, np.array(all_trials))
            dsr = None if np.isnan(dsr) else float(dsr)
        ref = {"sharpe": sr, "psr": psr, "dsr": dsr, "min_track_record_length": mintrl(rets)}
        if st_ is None:
            diffs.append(f"no statistics; reference {ref}")
        else:
            for key, v in ref.items():
                if not close(st_[key], v):
                    diffs.append(f"{key}: got {st_[key]!r}, reference {v!r}")
    params["n_returns"] = int(rets.size)
    ok = ("ok", [[[0, 0]]])
    return params, ok, (("ok", [[[0, 0]]]) if not diffs else ("crash", "; ".join(diffs)))


SCHEMES = {"sklearn": case_sklearn, "walk": case_walk, "cpcv": case_cpcv, "calendar": case_calendar,
           "run": case_run}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--trials", type=int, default=300, help="cases per split scheme")
    ap.add_argument("--run-trials", type=int, default=20, help="`walkforward run` cases (slow)")
    ap.add_argument("--only", default=",".join(SCHEMES))
    ap.add_argument("--max-show", type=int, default=8)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.only.split(","):
            fn = SCHEMES[name]
            stats = {"ok": 0, "both_error": 0, "diff": 0}
            shown = 0
            trials = a.run_trials if name == "run" else a.trials
            for _ in range(trials):
                params, ref, got = (fn(rng, a.exe, tmp) if name in ("calendar", "run")
                                    else fn(rng, a.exe))
                d = compare(ref, got)
                if d is not None and params.get("known") and got[0] == "error":
                    stats["known"] = stats.get("known", 0) + 1
                    continue
                if d is None:
                    stats["ok" if ref[0] == "ok" else "both_error"] += 1
                    continue
                stats["diff"] += 1
                if shown < a.max_show:
                    print(f"DIFF {name} {json.dumps(params)}\n     {d}")
                    shown += 1
            bad += stats["diff"]
            print(f"{name}: {trials} cases, seed {a.seed}: {stats}", flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
