#!/usr/bin/env python3
"""scikit-learn's side of the `metrics_1m` criterion group (crates/training/benches/pipeline.rs).

Same sizes and shapes (1,000,000 binary labels, predictions, class probabilities; regression
targets), same metric set, median of `--repeat` timings per metric, in milliseconds. The inputs
are drawn with numpy (the values differ from the Rust splitmix64 stream, the sizes and label
balance do not; these metrics' cost does not depend on the values).

    python crates/training/benches/sklearn_metrics.py --repeat 5
Run by crates/training/benches/run_compare.sh next to the criterion bench.
"""

import argparse
import json
import statistics
import time

import numpy as np
from sklearn import metrics as m

N = 1_000_000


def timed(f, repeat):
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        out.append(time.perf_counter() - t0)
    return statistics.median(out) * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    rng = np.random.default_rng(1)
    y_true = (rng.random(N) < 0.5).astype(np.float64)
    p_up = np.clip(0.35 * y_true + 0.65 * rng.random(N), 1e-6, 1 - 1e-6)
    y_pred = (p_up > 0.5).astype(np.float64)
    proba = np.stack([1 - p_up, p_up], axis=1)
    y_reg = rng.random(N) - 0.5
    p_reg = 0.5 * y_reg + 0.1 * (rng.random(N) - 0.5)

    def report():
        # what aaiti's ClassificationReport computes
        m.confusion_matrix(y_true, y_pred)
        m.accuracy_score(y_true, y_pred)
        m.balanced_accuracy_score(y_true, y_pred)
        m.precision_recall_fscore_support(y_true, y_pred, zero_division=0)
        m.precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)
        m.precision_recall_fscore_support(y_true, y_pred, average="weighted", zero_division=0)
        m.matthews_corrcoef(y_true, y_pred)
        m.log_loss(y_true, proba, labels=[0.0, 1.0])
        m.roc_auc_score(y_true, proba[:, 1])

    def regression():
        m.mean_absolute_error(y_reg, p_reg)
        m.root_mean_squared_error(y_reg, p_reg)
        m.r2_score(y_reg, p_reg)
        np.mean(np.sign(y_reg) == np.sign(p_reg))

    res = {
        "confusion_matrix": timed(lambda: m.confusion_matrix(y_true, y_pred), a.repeat),
        "classification_report_with_proba": timed(report, a.repeat),
        "roc_auc": timed(lambda: m.roc_auc_score(y_true, p_up), a.repeat),
        "log_loss": timed(lambda: m.log_loss(y_true, proba, labels=[0.0, 1.0]), a.repeat),
        "regression_report": timed(regression, a.repeat),
    }
    print(json.dumps({"sklearn_ms": res}))


if __name__ == "__main__":
    main()
