"""Reference PSR / DSR / expected-max-Sharpe / MinTRL / PBO values for aaiti-walkforward.

Run in a throwaway venv OUTSIDE the repo:
    /tmp/venv-wf/bin/pip install skfolio purgedcv
    /tmp/venv-wf/bin/python tests/golden/walkforward/gen_stats.py
Versions: skfolio 1.12.2, purgedcv 0.1.11, scipy 1.17.1, numpy 2.4.6.

- psr/dsr/emax: skfolio.measures (the reference).
- mintrl: our transcription of Bailey & Lopez de Prado (2012) on skfolio's moments
  (skfolio has no MinTRL): 1 + (1 - g3*SR + (g4-1)/4*SR^2) * (ppf(p)/(SR-SR*))^2.
- pbo_purgedcv: purgedcv.probability_of_backtest_overfitting (np.array_split blocks, lambda < 0).
- pbo_paper: our own transcription of Bailey et al. (2017) section 2.3 (drop the first T mod S
  rows, equal blocks, lambda <= 0), written independently of the Rust code.
Inputs are stored with the outputs, so Rust never needs numpy's RNG.
"""
import itertools, json, sys, warnings
import numpy as np
from scipy import stats as st
from skfolio.measures import (probabilistic_sharpe_ratio, deflated_sharpe_ratio,
                              expected_max_sharpe_ratio, skew, kurtosis, mean, standard_deviation)
import purgedcv
warnings.filterwarnings("ignore")
rng = np.random.default_rng(20261128)

def series(kind, T):
    if kind == "normal":
        return rng.normal(0.001, 0.01, T)
    if kind == "t3":
        return 0.0005 + 0.01 * rng.standard_t(3, T)
    if kind == "skewed":
        return np.exp(rng.normal(0, 0.3, T)) * 0.01 - 0.0105
    if kind == "trend":
        return rng.normal(0.02, 0.02, T)
    raise ValueError(kind)

psr = []
for kind, T, bench, rf in itertools.product(["normal", "t3", "skewed", "trend"], [3, 5, 30, 250, 1000],
                                            [0.0, 0.05, -0.02], [0.0, 0.0002]):
    r = series(kind, T)
    v = probabilistic_sharpe_ratio(r, benchmark_sharpe_ratio=bench, risk_free_rate=rf)
    sr = (mean(r) - rf) / standard_deviation(r)
    g3, g4 = float(skew(r)), float(kurtosis(r))
    case = {"returns": r.tolist(), "benchmark": bench, "risk_free": rf,
            "psr": None if np.isnan(v) else float(v), "sharpe": float(sr), "skew": g3, "kurtosis": g4}
    mt = {}
    for p in [0.9, 0.95, 0.99]:
        if sr > bench:
            adj = 1 - g3 * sr + (g4 - 1) / 4 * sr ** 2
            mt[str(p)] = float(1 + adj * (st.norm.ppf(p) / (sr - bench)) ** 2)
    case["mintrl"] = mt
    psr.append(case)

emax = []
for n, s, m in itertools.product([1, 2, 3, 10, 100, 1000, 12.5], [0.0, 0.5, 1.0, 2.3], [0.0, 0.1]):
    emax.append({"n_trials": n, "std": s, "mean": m, "value": float(expected_max_sharpe_ratio(n, s, m))})

dsr = []
for kind, T, k in itertools.product(["normal", "t3", "skewed", "trend"], [30, 250, 1000], [1, 2, 5, 50]):
    r = series(kind, T)
    trials = rng.normal(0.05, 0.03, k)
    v = deflated_sharpe_ratio(r, trials)
    dsr.append({"returns": r.tolist(), "trials": trials.tolist(),
                "dsr": None if np.isnan(v) else float(v)})

def sharpe0(x):
    x = np.asarray(x, float)
    if x.size < 2 or np.ptp(x) == 0:
        return 0.0
    s = x.std(ddof=1)
    return 0.0 if s == 0 or not np.isfinite(s) else float(x.mean() / s)

def pbo_paper(M, S, metric):
    """Bailey, Borwein, Lopez de Prado & Zhu (2017) CSCV, transcribed from the paper."""
    T, N = M.shape
    M = M[T % S:]                       # equal blocks: drop the first T mod S rows
    size = M.shape[0] // S
    blocks = [M[i * size:(i + 1) * size] for i in range(S)]
    lam = []
    for oos in itertools.combinations(range(S), S // 2):
        J = np.vstack([blocks[i] for i in range(S) if i not in oos])   # IS, time order
        Jb = np.vstack([blocks[i] for i in oos])                       # OOS, time order
        R = np.array([metric(J[:, n]) for n in range(N)])
        Rb = np.array([metric(Jb[:, n]) for n in range(N)])
        nstar = int(np.argmax(R))
        w = st.rankdata(Rb)[nstar] / (N + 1)
        lam.append(float(np.log(w / (1 - w))))
    lam = np.array(lam)
    return float(np.mean(lam <= 0)), lam.tolist()

pbo = []
for T, N, S, kind in [(64, 4, 4, "noise"), (100, 7, 4, "noise"), (203, 10, 8, "noise"),
                      (240, 10, 8, "signal"), (480, 12, 16, "noise"), (161, 3, 6, "noise"),
                      (300, 20, 10, "signal"), (97, 5, 2, "noise")]:
    M = rng.normal(0, 0.01, (T, N))
    if kind == "signal":
        M += np.linspace(-0.002, 0.004, N)
    pc = purgedcv.probability_of_backtest_overfitting(M.T, n_splits=S)
    pp, lam = pbo_paper(M, S, sharpe0)
    pbo.append({"matrix": M.tolist(), "S": S, "pbo_purgedcv": float(pc.pbo),
                "logits_purgedcv": [float(x) for x in pc.logits], "slope_purgedcv": float(pc.slope),
                "pbo_paper": pp, "logits_paper": lam})

out = {"psr": psr, "emax": emax, "dsr": dsr, "pbo": pbo}
path = sys.argv[1] if len(sys.argv) > 1 else "tests/golden/walkforward/stats.json"
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(len(psr), len(emax), len(dsr), len(pbo))
