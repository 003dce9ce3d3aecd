"""Loads aaiti-models safetensors weights into torch.nn modules and predicts.

Usage: python torch_reference.py spec.json weights.safetensors x.json out.json
spec.json: {"kind": "mlp"|"lstm", "sizes"|..., "task": ...}. Reads safetensors by hand (the
format is an 8-byte little-endian header length, a JSON header, then raw little-endian data),
so only torch and numpy are needed.
"""
import json, struct, sys
import numpy as np
import torch


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", info
        a, b = info["data_offsets"]
        arr = np.frombuffer(raw[base + a:base + b], dtype="<f4").reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


class Mlp(torch.nn.Module):
    def __init__(self, sizes, act):
        super().__init__()
        self.n = len(sizes) - 1
        for i in range(self.n - 1):
            setattr(self, f"fc{i}", torch.nn.Linear(sizes[i], sizes[i + 1]))
        self.out = torch.nn.Linear(sizes[-2], sizes[-1])
        self.act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
                    "gelu": torch.nn.functional.gelu}[act]

    def forward(self, x):
        for i in range(self.n - 1):
            x = self.act(getattr(self, f"fc{i}")(x))
        return self.out(x)


class Lstm(torch.nn.Module):
    def __init__(self, n_in, hidden, layers, bidirectional, n_out):
        super().__init__()
        self.lstm = torch.nn.LSTM(n_in, hidden, layers, batch_first=True, bidirectional=bidirectional)
        self.out = torch.nn.Linear(hidden * (2 if bidirectional else 1), n_out)

    def forward(self, x):
        y, _ = self.lstm(x)
        return self.out(y[:, -1, :])


def main(spec_path, weights, x_path, out_path):
    spec = json.load(open(spec_path))
    x = torch.tensor(json.load(open(x_path)), dtype=torch.float32)
    if spec["kind"] == "mlp":
        m = Mlp(spec["sizes"], spec["activation"])
    else:
        m = Lstm(spec["n_in"], spec["hidden"], spec["layers"], spec["bidirectional"], spec["n_out"])
    m.load_state_dict(read_safetensors(weights), strict=True)
    m.eval()
    torch.set_num_threads(1)
    with torch.no_grad():
        if spec["kind"] == "lstm":
            lb = spec["lookback"]
            x = torch.stack([x[i:i + lb] for i in range(x.shape[0] - lb + 1)])
        y = m(x)
        if spec["task"] == "classification":
            y = torch.softmax(y, dim=-1)
    json.dump(y.double().tolist(), open(out_path, "w"))


if __name__ == "__main__":
    main(*sys.argv[1:])
