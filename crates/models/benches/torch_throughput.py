#!/usr/bin/env python3
"""Training throughput of the same LSTM / MLP and the same loop in PyTorch (Python).

The Python half of the comparison with aaiti's tch networks (`train_throughput.rs`);
`run_compare.sh` runs both, alternating, and writes docs/benchmarks/models.md.

It mirrors `LstmParams`/`MlpParams::fit_with` step for step:
* input: f64 rows `[n, 40]` (the same deterministic formula as the Rust bench) and labels;
* LSTM: windows of 32 rows built from the rows (copy, oldest first), label of the last row;
* f64 -> f32 tensor, labels -> class indices;
* `torch.manual_seed(0)`, PyTorch default initialisation (aaiti uses the same U(+-1/sqrt(fan)));
* LSTM(40 -> 64, 1 layer, batch_first) -> last step -> Linear(64 -> 2);
  MLP Linear(40 -> 64) ReLU Linear(64 -> 32) ReLU Linear(32 -> 2);
* cross-entropy, Adam(lr 1e-3, weight_decay 0), batches of 64 in order (no shuffle),
  forward -> loss -> zero_grad -> backward -> step -> loss.item() every step;
* end of epoch: mean loss, snapshot of the weights when it improved (restore-best), timestamp.

`loop_sps` = samples/s over epochs 2..E (epoch 1 is warm-up), `fit_sps` = whole fit.
Prints one JSON object per repeat.

    python torch_throughput.py --model lstm --threads 2 --repeats 1
"""

import argparse
import json
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# keep in sync with train_throughput.rs
N_FEATURES = 40
LOOKBACK = 32
HIDDEN = 64
BATCH = 64
LSTM_SAMPLES = 4096
LSTM_EPOCHS = 3
MLP_SAMPLES = 32768
MLP_EPOCHS = 5


def data(rows):
    i = np.arange(rows, dtype=np.float64)[:, None]
    j = np.arange(N_FEATURES, dtype=np.float64)[None, :]
    x = np.sin(0.013 * i * (j + 1.0) + j) + 0.1 * np.cos(0.7 * i + 3.0 * j)
    y = np.where(x[:, 0] + x[:, 1] > 0.0, 1.0, 0.0)
    return x, y


class Lstm(nn.Module):
    def __init__(self, n_in, hidden, n_out):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden, num_layers=1, batch_first=True)
        self.out = nn.Linear(hidden, n_out)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.out(out[:, -1])


class Mlp(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.fc0 = nn.Linear(sizes[0], sizes[1])
        self.fc1 = nn.Linear(sizes[1], sizes[2])
        self.out = nn.Linear(sizes[2], sizes[3])

    def forward(self, x):
        h = F.relu(self.fc0(x))
        h = F.relu(self.fc1(h))
        return self.out(h)


def fit(model_name, x_rows, y_rows, epochs):
    ends = []
    t0 = time.perf_counter()
    if model_name == "lstm":
        n = x_rows.shape[0] - LOOKBACK + 1
        xw = np.lib.stride_tricks.sliding_window_view(x_rows, LOOKBACK, axis=0)  # [n, F, L]
        xw = np.ascontiguousarray(xw.transpose(0, 2, 1))  # [n, L, F], a copy like Rust's
        yw = y_rows[LOOKBACK - 1 :]
    else:
        n = x_rows.shape[0]
        xw, yw = x_rows, y_rows
    classes = np.unique(yw)
    X = torch.from_numpy(xw.astype(np.float32))
    Y = torch.from_numpy(np.searchsorted(classes, yw).astype(np.int64))
    torch.manual_seed(0)
    if model_name == "lstm":
        model = Lstm(N_FEATURES, HIDDEN, len(classes))
    else:
        model = Mlp([N_FEATURES, 64, 32, len(classes)])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=0.0)
    model.train()
    best = None
    saved = None
    for _epoch in range(epochs):
        total = 0.0
        for start in range(0, n, BATCH):
            length = min(BATCH, n - start)
            xb = X.narrow(0, start, length)
            yb = Y.narrow(0, start, length)
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * length
        train_loss = total / n
        if best is None or train_loss < best:
            best = train_loss
            with torch.no_grad():
                saved = [p.detach().clone() for p in model.parameters()]
        ends.append((time.perf_counter(), train_loss))
    fit_s = time.perf_counter() - t0
    del saved
    return n, ends, fit_s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=["lstm", "mlp"], default="lstm")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.model == "lstm":
        x, y = data(LSTM_SAMPLES + LOOKBACK - 1)
        epochs = LSTM_EPOCHS
    else:
        x, y = data(MLP_SAMPLES)
        epochs = MLP_EPOCHS
    for rep in range(a.repeats):
        n, ends, fit_s = fit(a.model, x, y, epochs)
        loop_s = ends[-1][0] - ends[0][0]
        print(
            json.dumps(
                {
                    "impl": "pytorch",
                    "model": a.model,
                    "threads": a.threads,
                    "rep": rep,
                    "samples_per_epoch": n,
                    "epochs": len(ends),
                    "loop_s": loop_s,
                    "loop_sps": n * (len(ends) - 1) / loop_s,
                    "fit_s": fit_s,
                    "fit_sps": n * len(ends) / fit_s,
                    "final_loss": ends[-1][1],
                    "torch": torch.__version__,
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
