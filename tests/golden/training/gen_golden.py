"""Golden values for aaiti-training's metrics.

Run in a throwaway venv outside the repo:
    python3 -m venv /tmp/venv-training
    /tmp/venv-training/bin/pip install scikit-learn empyrical-reloaded
    /tmp/venv-training/bin/python tests/golden/training/gen_golden.py

Writes classification.json, regression.json and trading.json next to this script. Floats are
written with repr() (shortest round-trip); NaN / inf as the strings "nan", "inf", "-inf".
"""
import json
import math
import os
import warnings

import numpy as np
import sklearn
import empyrical
from sklearn import metrics as M

warnings.filterwarnings("ignore")
rng = np.random.default_rng(20261128)
HERE = os.path.dirname(os.path.abspath(__file__))


def f(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def fl(xs):
    return [f(x) for x in xs]


# ---------------- classification ----------------
cls_cases = []


def add_cls(y_true, y_pred, proba=None, labels_for_proba=None):
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    case = {"y_true": fl(y_true), "y_pred": fl(y_pred)}
    labels = np.unique(np.concatenate([y_true, y_pred]))
    case["labels"] = fl(labels)
    case["confusion"] = M.confusion_matrix(y_true, y_pred).tolist()
    case["accuracy"] = f(M.accuracy_score(y_true, y_pred))
    case["balanced_accuracy"] = f(M.balanced_accuracy_score(y_true, y_pred))
    case["mcc"] = f(M.matthews_corrcoef(y_true, y_pred))
    for zd_name, zd in [("zero", 0.0), ("one", 1.0), ("nan", np.nan)]:
        p, r, f1, s = M.precision_recall_fscore_support(y_true, y_pred, average=None, zero_division=zd)
        out = {"precision": fl(p), "recall": fl(r), "f1": fl(f1), "support": fl(s)}
        for avg in ["macro", "weighted"]:
            p, r, f1, _ = M.precision_recall_fscore_support(y_true, y_pred, average=avg, zero_division=zd)
            out[avg] = {"precision": f(p), "recall": f(r), "f1": f(f1)}
        case["prf_" + zd_name] = out
    if proba is not None:
        proba = np.asarray(proba, dtype=float)
        case["proba"] = [fl(r) for r in proba]
        case["proba_labels"] = fl(labels_for_proba)
        case["log_loss"] = f(M.log_loss(y_true, proba, labels=labels_for_proba))
        if len(np.unique(y_true)) == 2 and len(labels_for_proba) == 2:
            case["roc_auc"] = f(M.roc_auc_score(y_true, proba[:, 1]))
    cls_cases.append(case)


for _ in range(60):
    n = int(rng.integers(1, 200))
    k = int(rng.integers(2, 5))
    y_true = rng.integers(0, k, n)
    noise = rng.random(n) < rng.random()
    y_pred = np.where(noise, rng.integers(0, k, n), y_true)
    logits = rng.normal(size=(n, k)) + 2.0 * np.eye(k)[y_true] * rng.random()
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    if rng.random() < 0.3:
        proba = np.round(proba, 1)
        proba = np.clip(proba, 0.0, 1.0)
        proba[:, -1] = 1.0 - proba[:, :-1].sum(axis=1)
        proba = np.clip(proba, 0.0, 1.0)
        proba = proba / proba.sum(axis=1, keepdims=True)
    add_cls(y_true, y_pred, proba, list(range(k)))
# binary with ties in scores and extreme probabilities (clipping)
for _ in range(20):
    n = int(rng.integers(2, 300))
    y_true = rng.integers(0, 2, n)
    y_true[0], y_true[-1] = 0, 1
    s = np.round(rng.random(n) * 0.5 + 0.4 * y_true, int(rng.integers(1, 3)))
    s[rng.random(n) < 0.05] = 1.0
    s[rng.random(n) < 0.05] = 0.0
    proba = np.stack([1 - s, s], axis=1)
    add_cls(y_true, (s > 0.5).astype(float), proba, [0, 1])
# edge cases: single class, class only predicted, class never predicted, perfect, all wrong
add_cls([1, 1, 1], [1, 1, 1])
add_cls([0, 0, 0, 0], [0, 1, 0, 1])
add_cls([0, 1, 2, 2], [0, 0, 0, 0])
add_cls([0, 1, 1, 0], [0, 1, 1, 0], [[0.9, 0.1], [0.2, 0.8], [0.0, 1.0], [1.0, 0.0]], [0, 1])
add_cls([0, 1, 1, 0], [1, 0, 0, 1], [[0.1, 0.9], [0.8, 0.2], [1.0, 0.0], [0.0, 1.0]], [0, 1])
add_cls([-1, 0, 1, 1, -1], [1, 0, -1, 1, -1])
add_cls([2.0], [3.0])

# ---------------- regression ----------------
reg_cases = []


def add_reg(y, p):
    y = np.asarray(y, dtype=float)
    p = np.asarray(p, dtype=float)
    reg_cases.append({
        "y_true": fl(y), "y_pred": fl(p),
        "mae": f(M.mean_absolute_error(y, p)),
        "rmse": f(M.root_mean_squared_error(y, p)),
        "r2": f(M.r2_score(y, p)) if len(y) >= 2 else "skip",
        "directional_accuracy": f(M.accuracy_score(np.sign(y), np.sign(p))),
    })


for _ in range(60):
    n = int(rng.integers(2, 300))
    y = rng.normal(scale=10 ** rng.uniform(-4, 2), size=n)
    p = y * rng.uniform(-1, 2) + rng.normal(scale=abs(y).mean() + 1e-12, size=n) * rng.random()
    if rng.random() < 0.2:
        y[rng.random(n) < 0.2] = 0.0
    add_reg(y, p)
add_reg([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
add_reg([1.0, 1.0, 1.0], [1.0, 2.0, 1.0])
add_reg([0.0, -1.0, 2.0], [0.0, 1.0, 2.0])

# ---------------- trading ----------------
tr_cases = []
for i in range(60):
    n = int(rng.integers(2, 500))
    scale = 10 ** rng.uniform(-4, -1.5)
    r = rng.standard_t(df=4, size=n) * scale + rng.normal() * scale * 0.1
    if rng.random() < 0.2:
        r[rng.random(n) < 0.3] = 0.0
    if i == 0:
        r = np.abs(r)  # no drawdown
    if i == 1:
        r = -np.abs(r)  # only losses
    ann = [252.0, 8760.0, 365.0, 52.0, 1.0][i % 5]
    rf = [0.0, 0.0001][i % 2]
    c = {"returns": fl(r), "annualization": ann, "risk_free": rf}
    c["total_return"] = f(empyrical.cum_returns_final(r))
    c["annual_return"] = f(empyrical.annual_return(r, annualization=ann))
    c["annual_volatility"] = f(empyrical.annual_volatility(r, annualization=ann))
    c["sharpe"] = f(empyrical.sharpe_ratio(r, risk_free=rf, annualization=ann))
    c["sortino"] = f(empyrical.sortino_ratio(r, required_return=rf, annualization=ann))
    c["downside_risk"] = f(empyrical.downside_risk(r, required_return=rf, annualization=ann))
    c["max_drawdown"] = f(empyrical.max_drawdown(r))
    c["calmar"] = f(empyrical.calmar_ratio(r, annualization=ann))
    c["omega"] = f(empyrical.omega_ratio(r, risk_free=rf, required_return=0.01, annualization=ann))
    c["omega0"] = f(empyrical.omega_ratio(r, annualization=ann))
    c["tail_ratio"] = f(empyrical.tail_ratio(r))
    c["var_05"] = f(empyrical.value_at_risk(r, cutoff=0.05))
    c["var_10"] = f(empyrical.value_at_risk(r, cutoff=0.10))
    c["cvar_05"] = f(empyrical.conditional_value_at_risk(r, cutoff=0.05))
    c["cvar_10"] = f(empyrical.conditional_value_at_risk(r, cutoff=0.10))
    c["stability"] = f(empyrical.stability_of_timeseries(r))
    tr_cases.append(c)

meta = {"sklearn": sklearn.__version__, "empyrical": empyrical.__version__, "numpy": np.__version__}
for name, cases in [("classification", cls_cases), ("regression", reg_cases), ("trading", tr_cases)]:
    with open(os.path.join(HERE, name + ".json"), "w") as fh:
        json.dump({"meta": meta, "cases": cases}, fh, separators=(",", ":"))
print({k: len(v) for k, v in [("classification", cls_cases), ("regression", reg_cases), ("trading", tr_cases)]})
