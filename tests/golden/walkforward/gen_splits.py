"""Reference splits for aaiti-walkforward parity tests.

Run in a throwaway venv OUTSIDE the repo:
    python3 -m venv /tmp/venv-wf && /tmp/venv-wf/bin/pip install scikit-learn skfolio sktime
    /tmp/venv-wf/bin/python tests/golden/walkforward/gen_splits.py
Versions used: scikit-learn 1.9.1, skfolio 1.12.2, sktime 1.2.0, pandas 3.0.6, numpy 2.4.6.
Writes splits.json: index arrays compressed to half-open [start, end) ranges.
A case whose reference raises (or yields no split) is stored with "error": true.
"""
import itertools, json, random, sys, warnings
import numpy as np, pandas as pd
warnings.filterwarnings("ignore")
from sklearn.model_selection import TimeSeriesSplit
from skfolio.model_selection import WalkForward, CombinatorialPurgedCV
from sktime.split import SlidingWindowSplitter, ExpandingWindowSplitter

rng = random.Random(7)

def ranges(idx):
    idx = [int(i) for i in idx]
    out = []
    for i in idx:
        if out and out[-1][1] == i:
            out[-1][1] = i + 1
        else:
            out.append([i, i + 1])
    return out

def collect(gen):
    return [[ranges(tr), ranges(te)] for tr, te in gen]

cases = {"sklearn": [], "skfolio_wf": [], "sktime_sliding": [], "sktime_expanding": [],
         "cpcv": [], "skfolio_calendar": []}

# ---- sklearn TimeSeriesSplit
for n, k, mt, ts, gap in itertools.product([5, 7, 10, 17, 23, 40, 61], [2, 3, 4, 5, 7],
                                           [None, 1, 3, 8], [None, 1, 2, 5], [0, 1, 2, 4]):
    if rng.random() > 0.35:
        continue
    c = {"n": n, "n_splits": k, "max_train_size": mt, "test_size": ts, "gap": gap}
    try:
        cv = TimeSeriesSplit(n_splits=k, max_train_size=mt, test_size=ts, gap=gap)
        c["splits"] = collect(cv.split(np.zeros(n)))
        c["n_splits_reported"] = cv.get_n_splits(np.zeros(n))
        c["error"] = False
    except ValueError:
        c["error"] = True
    cases["sklearn"].append(c)

# ---- skfolio WalkForward, observation mode
for n, tr, te, p, ex, red in itertools.product([6, 9, 20, 33, 50], [1, 2, 5, 8], [1, 2, 3, 7],
                                               [0, 1, 3], [False, True], [False, True]):
    if rng.random() > 0.4:
        continue
    c = {"n": n, "train_size": tr, "test_size": te, "purged_size": p, "expand_train": ex,
         "reduce_test": red}
    try:
        cv = WalkForward(test_size=te, train_size=tr, purged_size=p, expand_train=ex, reduce_test=red)
        s = collect(cv.split(np.zeros((n, 1))))
        c["n_splits_reported"] = cv.get_n_splits(np.zeros((n, 1)))
        c["splits"] = s
        c["error"] = len(s) == 0
    except ValueError:
        c["error"] = True
    cases["skfolio_wf"].append(c)

# ---- sktime
y = None
for n, fh, w, st, iw, sww in itertools.product([12, 20, 31], [[1], [1, 2, 3], [2, 4], [3, 4], [1, 5]],
                                               [1, 3, 5], [1, 2, 4], [None, 6, 9], [True, False]):
    if rng.random() > 0.3:
        continue
    c = {"n": n, "fh": fh, "window_length": w, "step_length": st, "initial_window": iw,
         "start_with_window": sww}
    try:
        cv = SlidingWindowSplitter(fh=fh, window_length=w, step_length=st, initial_window=iw,
                                   start_with_window=sww)
        yy = pd.Series(np.arange(n, dtype=float))
        s = collect(cv.split(yy))
        c["splits"] = s
        c["n_splits_reported"] = cv.get_n_splits(yy)
        c["error"] = len(s) == 0
    except Exception:
        c["error"] = True
    cases["sktime_sliding"].append(c)
for n, fh, iw, st in itertools.product([12, 20, 31], [[1], [1, 2, 3], [2, 4], [3, 4]],
                                       [1, 3, 6, 10], [1, 2, 3, 5]):
    if rng.random() > 0.5:
        continue
    c = {"n": n, "fh": fh, "initial_window": iw, "step_length": st}
    try:
        cv = ExpandingWindowSplitter(fh=fh, initial_window=iw, step_length=st)
        yy = pd.Series(np.arange(n, dtype=float))
        s = collect(cv.split(yy))
        c["splits"] = s
        c["n_splits_reported"] = cv.get_n_splits(yy)
        c["error"] = len(s) == 0
    except Exception:
        c["error"] = True
    cases["sktime_expanding"].append(c)

# ---- skfolio CombinatorialPurgedCV
for n, N, k, p, e in itertools.product([20, 31, 47, 100], [3, 4, 5, 6, 8], [2, 3, 4, 5], [0, 1, 2], [0, 1, 3]):
    if k >= N or rng.random() > 0.3:
        continue
    c = {"n": n, "n_folds": N, "n_test_folds": k, "purged_size": p, "embargo_size": e}
    try:
        cv = CombinatorialPurgedCV(n_folds=N, n_test_folds=k, purged_size=p, embargo_size=e)
        out = []
        for tr, tests in cv.split(np.zeros((n, 1))):
            out.append([ranges(tr), [ranges(t)[0] for t in tests]])
        c["splits"] = out
        c["n_test_paths"] = int(cv.n_test_paths)
        c["path_ids"] = cv.get_path_ids().tolist()
        c["recombined_paths"] = cv.recombined_paths.tolist()
        c["error"] = False
    except ValueError:
        c["error"] = True
    cases["cpcv"].append(c)

# ---- skfolio WalkForward, calendar mode
bday = pd.bdate_range("2019-01-01", "2021-12-31")
holidays = pd.to_datetime(["2019-07-04", "2020-01-01", "2020-12-25", "2021-04-02", "2021-11-01",
                           "2020-06-01", "2021-03-01"])
bday = bday[~bday.isin(holidays)]
hourly = pd.date_range("2021-01-03 00:00", "2021-03-20 23:00", freq="h")
hourly = hourly[hourly.hour % 5 != 3]
indices = {"bday": bday, "hourly": hourly}
freqs = {"MS": "MonthStart", "ME": "MonthEnd", "QS": "QuarterStart", "W-MON": "W-MON",
         "W-FRI": "W-FRI", "D": "D", "3D": "3D", "12h": "12h"}
trains = [("periods", 1), ("periods", 3), ("periods", 6), ("months", 2), ("days", 20), ("days", 45)]
for idxname, freq, (tk, tv), te, p, ex, red, prev in itertools.product(
        indices, freqs, trains, [1, 2], [0, 2], [False, True], [False, True], [False, True]):
    if idxname == "bday" and freq in ("12h",):
        continue
    if rng.random() > 0.12:
        continue
    idx = indices[idxname]
    X = pd.DataFrame(np.zeros((len(idx), 1)), index=idx)
    if tk == "periods":
        train = tv
    elif tk == "months":
        train = pd.DateOffset(months=tv)
    else:
        train = pd.Timedelta(days=tv)
    c = {"index": idxname, "freq": freq, "train_kind": tk, "train_value": tv, "test_size": te,
         "purged_size": p, "expand_train": ex, "reduce_test": red, "previous": prev}
    try:
        cv = WalkForward(test_size=te, train_size=train, freq=freq, purged_size=p,
                         expand_train=ex, reduce_test=red, previous=prev)
        s = collect(cv.split(X))
        c["splits"] = s
        c["error"] = len(s) == 0
    except ValueError:
        c["error"] = True
    cases["skfolio_calendar"].append(c)

timestamps = {k: [t.isoformat() + "Z" for t in v] for k, v in indices.items()}
out = {"versions": {"sklearn": __import__("sklearn").__version__,
                    "skfolio": __import__("skfolio").__version__,
                    "sktime": __import__("sktime").__version__,
                    "pandas": pd.__version__, "numpy": np.__version__},
       "indices": timestamps, "cases": cases}
path = sys.argv[1] if len(sys.argv) > 1 else "tests/golden/walkforward/splits.json"
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
for k, v in cases.items():
    print(k, len(v), "errors:", sum(c["error"] for c in v))
