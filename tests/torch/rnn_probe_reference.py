#!/usr/bin/env python3
"""PyTorch reference for `gradlab probe` (gradient flow through time of a recurrent model).

Two modes:

  generate DIR   writes the fixtures the tests read (packages/rnn/test/fixtures/torch-probe):
                 per case DIR/CASE/{weights,input,expected-grads}.safetensors and expected.json
  check --arch A --weights W --input X --probe-out OUT
                 recomputes in PyTorch what `gradlab probe` wrote into OUT and prints the
                 largest relative errors (exit 1 above --rtol, default 1e-3)

The model is torch.nn.RNN / LSTM / GRU (time-major) plus nn.Linear named `head`; the loss is
nn.MSELoss()(head(h_T), y). ∂L/∂h_t of the top layer comes from a step-by-step unroll with
retain_grad on each step's state; ∂h_T/∂h_t (top layer, cell state and lower layers held
fixed) from torch.autograd.functional.jacobian. Everything is computed in float64 from the
float32 weights and inputs. Without torch the script prints a message and exits 0.

Usage: /usr/bin/python3 tests/torch/rnn_probe_reference.py generate packages/rnn/test/fixtures/torch-probe
"""
import argparse
import json
import math
import os
import struct
import sys

try:
    import numpy as np
    import torch
except ImportError:  # pragma: no cover
    print("rnn_probe_reference.py: PyTorch (and numpy) not installed; skipping the cross-check "
          "(apt-get install python3-torch, then run it with /usr/bin/python3)")
    sys.exit(0)

ARCHS = ("rnn-tanh", "rnn-relu", "lstm", "gru")


# ---- safetensors (format: u64 header length, JSON header, raw little-endian data) ----
def write_safetensors(path, tensors, metadata=None):
    header = {}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        b = a.tobytes()
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    out = {}
    types = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8"}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=types[info["dtype"]]).reshape(info["shape"])
    return out


# ---- model ----
def build(arch, sd):
    gates = {"rnn-tanh": 1, "rnn-relu": 1, "lstm": 4, "gru": 3}[arch]
    rows, d = sd["weight_ih_l0"].shape
    h = rows // gates
    layers = 0
    while f"weight_ih_l{layers}" in sd:
        layers += 1
    o = sd["head.weight"].shape[0]
    if arch.startswith("rnn"):
        rnn = torch.nn.RNN(d, h, layers, nonlinearity=arch[4:])
    elif arch == "lstm":
        rnn = torch.nn.LSTM(d, h, layers)
    else:
        rnn = torch.nn.GRU(d, h, layers)
    head = torch.nn.Linear(h, o)
    rnn.load_state_dict({k: torch.tensor(np.array(v)) for k, v in sd.items() if not k.startswith("head.")})
    head.load_state_dict({"weight": torch.tensor(np.array(sd["head.weight"])), "bias": torch.tensor(np.array(sd["head.bias"]))})
    return rnn.double(), head.double()


def reference(arch, sd, x_np, y_np, jacobian=True):
    rnn, head = build(arch, sd)
    x = torch.tensor(np.array(x_np), dtype=torch.float64)
    y = torch.tensor(np.array(y_np), dtype=torch.float64)
    T, B, _ = x.shape
    L, H = rnn.num_layers, rnn.hidden_size
    lstm = arch == "lstm"
    state = (torch.zeros(L, B, H, dtype=torch.float64), torch.zeros(L, B, H, dtype=torch.float64)) if lstm \
        else torch.zeros(L, B, H, dtype=torch.float64)
    states = []
    for t in range(T):
        _, state = rnn(x[t:t + 1], state)
        for s in (state if lstm else (state,)):
            s.retain_grad()
        states.append(state)
    h_last = (state[0] if lstm else state)[-1]
    loss = torch.nn.MSELoss()(head(h_last), y)
    rnn.zero_grad()
    head.zero_grad()
    loss.backward()
    grad_h = [float(torch.linalg.norm((s[0] if lstm else s).grad[-1])) for s in states]
    grad_c = [float(torch.linalg.norm(s[1].grad[-1])) if s[1].grad is not None else 0.0 for s in states] if lstm else None
    grads = {k: p.grad.detach().numpy() for k, p in rnn.named_parameters()}
    grads["head.weight"] = head.weight.grad.detach().numpy()
    grads["head.bias"] = head.bias.grad.detach().numpy()
    jac = None
    if jacobian:
        jac = []
        with torch.no_grad():
            fixed = [tuple(s.detach() for s in st) if lstm else st.detach() for st in states]
        for t in range(T):
            base = fixed[t]

            def f(h_top, t=t, base=base):
                h0 = torch.cat([(base[0] if lstm else base)[:-1], h_top[None]], 0)
                st = (h0, base[1]) if lstm else h0
                for s in range(t + 1, T):
                    _, st = rnn(x[s:s + 1], st)
                return (st[0] if lstm else st)[-1]

            top = (base[0] if lstm else base)[-1].clone()
            J = torch.autograd.functional.jacobian(f, top)  # [B, H, B, H]
            norms = [float(torch.linalg.matrix_norm(J[b, :, b, :], ord=2)) for b in range(B)]
            jac.append(sum(norms) / B)
    return {"loss": float(loss), "grad_h_l2": grad_h, "grad_c_l2": grad_c, "jac_l2": jac, "grads": grads}


# ---- fixtures ----
CASES = [
    # name, arch, D, H, L, O, T, B, recurrent scale (None = PyTorch init), bias shift
    ("rnn-tanh", "rnn-tanh", 3, 8, 1, 2, 12, 4, None, 0.0),
    ("rnn-relu-2layers", "rnn-relu", 2, 6, 2, 1, 10, 3, None, 0.0),
    ("lstm-2layers", "lstm", 3, 5, 2, 2, 15, 3, None, 0.0),
    ("gru", "gru", 2, 7, 1, 3, 12, 2, None, 0.0),
    # Exploding: ReLU RNN with W_hh = 2·Q (Q orthogonal), T = 40: ‖∂L/∂h_0‖ ≈ 1e9, 1e5 × ‖∂L/∂h_T‖.
    ("rnn-relu-exploding", "rnn-relu", 2, 8, 1, 1, 40, 3, 2.0, 0.0),
    # Large recurrent scale for a tanh RNN (W_hh = 2.5·Q): saturating, gradients vanish and burst.
    ("rnn-tanh-large", "rnn-tanh", 2, 8, 1, 1, 30, 3, 2.5, 0.0),
]


def generate(root):
    for i, (name, arch, D, H, L, O, T, B, scale, shift) in enumerate(CASES):
        torch.manual_seed(1000 + i)
        gates = {"rnn-tanh": 1, "rnn-relu": 1, "lstm": 4, "gru": 3}[arch]
        if arch.startswith("rnn"):
            rnn = torch.nn.RNN(D, H, L, nonlinearity=arch[4:])
        elif arch == "lstm":
            rnn = torch.nn.LSTM(D, H, L)
        else:
            rnn = torch.nn.GRU(D, H, L)
        head = torch.nn.Linear(H, O)
        sd = {k: v.detach().numpy().astype(np.float32) for k, v in rnn.state_dict().items()}
        if scale is not None:
            for l in range(L):
                blocks = []
                for _ in range(gates):
                    q = torch.empty(H, H)
                    torch.nn.init.orthogonal_(q)
                    blocks.append(scale * q.numpy())
                sd[f"weight_hh_l{l}"] = np.concatenate(blocks, 0).astype(np.float32)
                sd[f"bias_ih_l{l}"] = (sd[f"bias_ih_l{l}"] + shift).astype(np.float32)
        sd["head.weight"] = head.weight.detach().numpy().astype(np.float32)
        sd["head.bias"] = head.bias.detach().numpy().astype(np.float32)
        x = torch.randn(T, B, D).numpy().astype(np.float32)
        y = torch.randn(B, O).numpy().astype(np.float32)
        ref = reference(arch, sd, x, y)
        d = os.path.join(root, name)
        os.makedirs(d, exist_ok=True)
        write_safetensors(os.path.join(d, "weights.safetensors"), sd, {"format": "pt"})
        write_safetensors(os.path.join(d, "input.safetensors"), {"x": x, "y": y})
        write_safetensors(os.path.join(d, "expected-grads.safetensors"), ref["grads"])
        expected = {"arch": arch, "torch": torch.__version__, "loss": ref["loss"], "grad_h_l2": ref["grad_h_l2"],
                    "jac_l2": ref["jac_l2"]}
        if ref["grad_c_l2"] is not None:
            expected["grad_c_l2"] = ref["grad_c_l2"]
        with open(os.path.join(d, "expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
        g = ref["grad_h_l2"]
        print(f"{name}: loss {ref['loss']:.6g}, ‖∂L/∂h_t‖ {g[0]:.3g} (t=0) … {g[-1]:.3g} (t={T - 1})")


def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def check(args):
    sd = read_safetensors(args.weights)
    inp = read_safetensors(args.input)
    ref = reference(args.arch, sd, inp["x"], inp["y"])
    with open(os.path.join(args.probe_out, "probe.json")) as f:
        probe = json.load(f)
    import csv
    with open(os.path.join(args.probe_out, "time-gradients.csv")) as f:
        rows = list(csv.DictReader(f))
    grads = read_safetensors(os.path.join(args.probe_out, "grads.safetensors"))
    errors = {"loss": abs(probe["loss"] - ref["loss"]) / max(abs(ref["loss"]), 1e-30)}
    errors["grad_h_l2"] = max(abs(float(r["grad_h_l2"]) - g) / max(g, 1e-30) for r, g in zip(rows, ref["grad_h_l2"]))
    if ref["grad_c_l2"] is not None:
        errors["grad_c_l2"] = max(abs(float(r["grad_c_l2"]) - g) / max(g, 1e-30) for r, g in zip(rows, ref["grad_c_l2"]))
    if "jac_l2" in rows[0]:
        errors["jac_l2"] = max(abs(float(r["jac_l2"]) - g) / max(g, 1e-30) for r, g in zip(rows, ref["jac_l2"]))
    for k, v in ref["grads"].items():
        errors[k] = rel(grads[k], v)
    worst = max(errors.values())
    for k, v in errors.items():
        print(f"{k:>16}: relative error {v:.2e}")
    print(f"max relative error {worst:.2e} (tolerance {args.rtol:g}): {'ok' if worst <= args.rtol else 'FAILED'}")
    return 0 if worst <= args.rtol else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate")
    g.add_argument("dir")
    c = sub.add_parser("check")
    c.add_argument("--arch", required=True, choices=ARCHS)
    c.add_argument("--weights", required=True)
    c.add_argument("--input", required=True)
    c.add_argument("--probe-out", required=True)
    c.add_argument("--rtol", type=float, default=1e-3)
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.cmd == "generate":
        generate(a.dir)
        return 0
    return check(a)


if __name__ == "__main__":
    sys.exit(main())
