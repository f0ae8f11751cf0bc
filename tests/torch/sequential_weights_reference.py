#!/usr/bin/python3
"""PyTorch reference for gradlab's feed-forward weights in `torch.nn.Sequential` names.

Two modes:

  generate   writes the fixtures the tests read (safetensors files + JSON, a few KB each):
               packages/core/test/nn/fixtures/torch-sequential/   MLPs (tanh, relu, sigmoid, elu,
                   leaky-relu, softsign, identity; BatchNorm1d in eval and in train mode; residual):
                   weights, a batch, outputs, loss, every ∂L/∂θ, ‖∂L/∂a_l‖ per block, and in train
                   mode the BatchNorm1d buffers after the forward
               packages/rbm/test/fixtures/torch-sequential/       a deep autoencoder (untied) and
                   a stacked autoencoder (tied decoder): outputs, codes, loss and gradients
               packages/lab/test/cli/fixtures/mlp-probe/CASE/       inputs and expected outputs of
                   `gradlab probe --arch mlp` (one model wrapped as `net.`, one plain deep sigmoid)
  check      loads the files gradlab wrote (gradlab-*.safetensors beside the fixtures above,
             written by packages/core/scripts/write-torch-sequential-fixtures.ts and
             packages/rbm/scripts/write-torch-sequential-fixtures.ts) into nn.Sequential with
             load_state_dict(strict=True) and compares PyTorch's outputs with gradlab's
             (gradlab-cases.json); exit 1 above 1e-5 relative

A residual MLP uses the names of a plain Sequential; its forward pass is ResidualSequential
below (an nn.Sequential subclass, so load_state_dict sees the same keys). Everything is computed
in float64 from the float32 weights. The safetensors format is read and written with numpy and
struct (the `safetensors` package is not needed). Without torch the script says so and exits 0.

Usage: /usr/bin/python3 tests/torch/sequential_weights_reference.py generate|check
(Debian: apt-get install python3-torch)
"""
import copy
import json
import os
import struct
import sys

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError:  # pragma: no cover
    print("sequential_weights_reference.py: PyTorch (and numpy) not installed; skipping "
          "(apt-get install python3-torch, then run it with /usr/bin/python3)")
    sys.exit(0)

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CORE = os.path.join(ROOT, "packages", "core", "test", "nn", "fixtures", "torch-sequential")
RBM = os.path.join(ROOT, "packages", "rbm", "test", "fixtures", "torch-sequential")
PROBE = os.path.join(ROOT, "packages", "lab", "test", "cli", "fixtures", "mlp-probe")

# ---- safetensors: u64 header length, JSON header, little-endian row-major data ----
NP = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "I32": "<i4"}
ALIGN = {"I64": 13, "F64": 12, "F32": 11, "I32": 9}  # the reference writer's dtype order


def write_safetensors(path, tensors, metadata=None):
    items = []
    for name, a in tensors.items():
        a = np.asarray(a)
        dtype = "I64" if a.dtype.kind in "iu" else "F32"
        items.append((name, dtype, np.array(a, dtype=NP[dtype], order="C")))  # keeps 0-d shapes (ascontiguousarray does not)
    items.sort(key=lambda t: (-ALIGN[t[1]], t[0].encode()))
    header = {}
    if metadata:
        header["__metadata__"] = dict(sorted(metadata.items()))
    offset = 0
    for name, dtype, a in items:
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for _, _, a in items:
            f.write(a.tobytes())


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    meta = header.pop("__metadata__", {})
    out = {}
    for name, info in header.items():
        a, b = info["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + a:8 + n + b], dtype=NP[info["dtype"]]).reshape(info["shape"])
    return out, meta


def write_json(path, value):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(value, f, separators=(",", ":"))
        f.write("\n")


def flat(t):
    """Values as a flat list, 9 significant digits (float32 carries ~7; the tests allow 1e-4)."""
    return [float(f"{float(v):.9g}") for v in t.detach().double().flatten()]


def norm(t):
    return float(torch.linalg.norm(t.detach().double()))


# ---- models ----
ACT = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU, "leaky-relu": lambda: nn.LeakyReLU(0.01),
       "elu": lambda: nn.ELU(1.0), "softsign": nn.Softsign, "linear": nn.Identity}


class ResidualSequential(nn.Sequential):
    """gradlab's residual MLP: blocks of `block` modules (Linear, [BatchNorm1d,] activation), each
    adding its input when the Linear is square, then the output Linear. Same state_dict keys as
    the plain nn.Sequential of the same modules."""

    def __init__(self, *modules, block):
        super().__init__(*modules)
        self.block = block

    def forward(self, x):
        m = list(self)
        for i in range(0, len(m) - 1, self.block):
            h = x
            for layer in m[i:i + self.block]:
                h = layer(h)
            x = x + h if m[i].in_features == m[i].out_features else h
        return m[-1](x)


def mlp(sizes, activation, norm_, residual):
    mods = []
    for i in range(len(sizes) - 2):
        mods.append(nn.Linear(sizes[i], sizes[i + 1]))
        if norm_ == "batch":
            mods.append(nn.BatchNorm1d(sizes[i + 1]))
        mods.append(ACT[activation]())
    mods.append(nn.Linear(sizes[-2], sizes[-1]))
    return ResidualSequential(*mods, block=3 if norm_ == "batch" else 2) if residual else nn.Sequential(*mods)


def blocks(model):
    """The forward pass block by block: [(block output a_l)], logits. Same maths as model(x)."""
    m = list(model)
    block = 3 if any(isinstance(x, nn.BatchNorm1d) for x in m) else 2
    residual = isinstance(model, ResidualSequential)

    def run(x):
        acts = []
        for i in range(0, len(m) - 1, block):
            h = x
            for layer in m[i:i + block]:
                h = layer(h)
            x = x + h if residual and m[i].in_features == m[i].out_features else h
            x.retain_grad()
            acts.append(x)
        out = m[-1](x)
        out.retain_grad()
        return acts, out
    return run


def loss_of(name, out, y):
    if name == "mse":
        return nn.functional.mse_loss(out, y)
    return nn.functional.cross_entropy(out, y)


def float_state(model):
    return {k: (v.detach().numpy().astype(np.float32) if v.dtype.is_floating_point else v.detach().numpy())
            for k, v in model.state_dict().items()}


def perturb_batch_norm(model, gen):
    """Non-trivial affine parameters and running statistics, so eval mode tests something."""
    with torch.no_grad():
        for m in model:
            if isinstance(m, nn.BatchNorm1d):
                n = m.num_features
                m.weight.copy_(1 + 0.3 * torch.randn(n, generator=gen))
                m.bias.copy_(0.2 * torch.randn(n, generator=gen))
                m.running_mean.copy_(0.5 * torch.randn(n, generator=gen))
                m.running_var.copy_(0.5 + 1.5 * torch.rand(n, generator=gen))
                m.num_batches_tracked.fill_(12)


def reference(model, x, y, loss_name, mode):
    """Outputs, loss, ∂L/∂θ by state_dict name, ‖∂L/∂a_l‖ per block (the logits last), and the
    buffers after the pass, computed in float64."""
    ref = copy.deepcopy(model).double()
    check = copy.deepcopy(ref)
    ref.train(mode == "train")
    check.train(mode == "train")
    xd = torch.tensor(x, dtype=torch.float64)
    yd = torch.tensor(y, dtype=torch.float64) if loss_name == "mse" else torch.tensor(y, dtype=torch.int64)
    acts, out = blocks(ref)(xd)
    direct = check(xd)
    assert torch.allclose(out, direct, rtol=1e-12, atol=1e-12), "block-wise forward differs from model(x)"
    loss = loss_of(loss_name, out, yd)
    loss.backward()
    return {
        "output": flat(out),
        "loss": float(loss),
        "grads": {k: flat(p.grad) for k, p in ref.named_parameters()},
        "grad_h_l2": [norm(a.grad) for a in acts] + [norm(out.grad)],
        "grad_w_l2": [norm(m.weight.grad) for m in ref if isinstance(m, nn.Linear)],
        "buffers_after": {k: flat(v) for k, v in ref.state_dict().items() if "running" in k or "num_batches" in k},
    }


MLP_CASES = [
    # name, sizes, activation, norm, residual, loss, mode, batch
    ("tanh-plain", [5, 7, 6, 3], "tanh", "none", False, "mse", "eval", 4),
    ("relu-bn-eval", [4, 6, 6, 3], "relu", "batch", False, "softmax-cross-entropy", "eval", 5),
    ("relu-bn-train", [4, 6, 6, 3], "relu", "batch", False, "softmax-cross-entropy", "train", 5),
    ("elu-residual-bn-train", [4, 5, 5, 5, 2], "elu", "batch", True, "mse", "train", 6),
    ("tanh-residual-bn-eval", [4, 5, 5, 2], "tanh", "batch", True, "mse", "eval", 3),
    ("sigmoid-deep", [6, 8, 8, 8, 8, 3], "sigmoid", "none", False, "softmax-cross-entropy", "eval", 4),
    ("leaky-relu-residual", [3, 4, 4, 2], "leaky-relu", "none", True, "mse", "eval", 3),
    ("softsign", [3, 4, 2], "softsign", "none", False, "mse", "eval", 3),
    ("linear", [3, 4, 2], "linear", "none", False, "mse", "eval", 3),
    ("single-linear", [3, 2], "tanh", "none", False, "mse", "eval", 2),
]


def generate_mlp():
    cases = []
    for i, (name, sizes, act, norm_, residual, loss_name, mode, batch) in enumerate(MLP_CASES):
        gen = torch.Generator().manual_seed(500 + i)
        torch.manual_seed(500 + i)
        model = mlp(sizes, act, norm_, residual)
        perturb_batch_norm(model, gen)
        x = torch.randn(batch, sizes[0], generator=gen).numpy().astype(np.float32)
        if loss_name == "mse":
            y = torch.randn(batch, sizes[-1], generator=gen).numpy().astype(np.float32)
        else:
            y = torch.randint(0, sizes[-1], (batch,), generator=gen).numpy()
        write_safetensors(os.path.join(CORE, f"{name}.safetensors"), float_state(model), {"format": "pt"})
        ref = reference(model, x, y, loss_name, mode)
        cases.append({"name": name, "weights": f"{name}.safetensors",
                      "config": {"layerSizes": sizes, "activation": act, "norm": norm_, "residual": residual},
                      "loss_name": loss_name, "mode": mode, "x": {"shape": list(x.shape), "data": flat(torch.tensor(x))},
                      "y": y.tolist(), **ref})
        print(f"mlp {name}: loss {ref['loss']:.6g}, ‖∂L/∂W‖ {ref['grad_w_l2'][0]:.3g} … {ref['grad_w_l2'][-1]:.3g}")
    write_json(os.path.join(CORE, "torch-cases.json"), {"torch": torch.__version__, "cases": cases})


def autoencoder(sizes, code, output):
    """Sequential(Linear, Sigmoid, …, Linear, code act, Linear, Sigmoid, …, Linear, output act)."""
    L = len(sizes) - 1
    mods = []
    for l in range(L):
        mods += [nn.Linear(sizes[l], sizes[l + 1]), ACT[code if l == L - 1 else "sigmoid"]()]
    for l in range(L):
        mods += [nn.Linear(sizes[L - l], sizes[L - l - 1]), ACT[output if l == L - 1 else "sigmoid"]()]
    return nn.Sequential(*mods)


def ae_reference(model, x, output):
    ref = copy.deepcopy(model).double()
    xd = torch.tensor(x, dtype=torch.float64)
    L = len(ref) // 4
    code = ref[:2 * L](xd)
    y = ref(xd)
    batch = xd.shape[0]
    if output == "sigmoid":
        loss = -(xd * torch.clamp(torch.log(y), min=-100) + (1 - xd) * torch.clamp(torch.log(1 - y), min=-100)).sum() / batch
    else:
        loss = ((y - xd) ** 2).sum() / batch
    loss.backward()
    return {"code": flat(code), "reconstruction": flat(y), "loss": float(loss),
            "recon_error": float(((y - xd) ** 2).sum() / batch),
            "grads": {k: flat(p.grad) for k, p in ref.named_parameters()}}


AE_CASES = [
    # name, encoder sizes, code activation, output activation, tied, batch
    ("deep-autoencoder", [6, 5, 3], "linear", "sigmoid", False, 4),
    ("deep-autoencoder-linear-output", [5, 4, 3, 2], "sigmoid", "linear", False, 3),
    ("stacked-autoencoder", [6, 4, 3], "sigmoid", "sigmoid", True, 4),
]


def generate_autoencoders():
    cases = []
    for i, (name, sizes, code, output, tied, batch) in enumerate(AE_CASES):
        torch.manual_seed(700 + i)
        gen = torch.Generator().manual_seed(700 + i)
        model = autoencoder(sizes, code, output)
        L = len(sizes) - 1
        if tied:  # decoder l = the transposed encoder L−1−l, as a stack of tied autoencoders
            with torch.no_grad():
                for l in range(L):
                    model[2 * (L + l)].weight.copy_(model[2 * (L - 1 - l)].weight.t())
        if output == "sigmoid":
            x = (torch.rand(batch, sizes[0], generator=gen) < 0.5).double().numpy().astype(np.float32)
        else:
            x = torch.randn(batch, sizes[0], generator=gen).numpy().astype(np.float32)
        write_safetensors(os.path.join(RBM, f"{name}.safetensors"), float_state(model), {"format": "pt"})
        ref = ae_reference(model, x, output)
        cases.append({"name": name, "weights": f"{name}.safetensors", "layerSizes": sizes, "codeActivation": code,
                      "outputActivation": output, "tied": tied, "x": {"shape": list(x.shape), "data": flat(torch.tensor(x))},
                      **ref})
        print(f"autoencoder {name}: loss {ref['loss']:.6g}")
    write_json(os.path.join(RBM, "torch-cases.json"), {"torch": torch.__version__, "cases": cases})


class Wrapped(nn.Module):
    """A model holding its MLP as `self.net`: state_dict keys `net.0.weight`, …"""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x)


PROBE_CASES = [
    # name, sizes, activation, norm, loss, mode, batch, wrapped
    ("wrapped-tanh-bn", [4, 6, 6, 2], "tanh", "batch", "mse", "train", 8, True),
    ("sigmoid-deep", [6, 8, 8, 8, 8, 8, 8, 3], "sigmoid", "none", "softmax-cross-entropy", "train", 5, False),
]


def generate_probe():
    for i, (name, sizes, act, norm_, loss_name, mode, batch, wrapped) in enumerate(PROBE_CASES):
        torch.manual_seed(900 + i)
        gen = torch.Generator().manual_seed(900 + i)
        model = mlp(sizes, act, norm_, False)
        perturb_batch_norm(model, gen)
        x = torch.randn(batch, sizes[0], generator=gen).numpy().astype(np.float32)
        if loss_name == "mse":
            y = torch.randn(batch, sizes[-1], generator=gen).numpy().astype(np.float32)
        else:
            y = torch.randint(0, sizes[-1], (batch,), generator=gen).numpy()
        state = float_state(Wrapped(model) if wrapped else model)
        prefix = "net." if wrapped else ""
        ref = reference(model, x, y, loss_name, mode)
        d = os.path.join(PROBE, name)
        write_safetensors(os.path.join(d, "weights.safetensors"), state, {"format": "pt"})
        write_safetensors(os.path.join(d, "input.safetensors"), {"x": x, "y": y})
        write_safetensors(os.path.join(d, "expected-grads.safetensors"),
                          {prefix + k: np.array(v, dtype=np.float32).reshape(state[prefix + k].shape)
                           for k, v in ref["grads"].items()})
        write_json(os.path.join(d, "expected.json"), {
            "torch": torch.__version__, "activation": act, "loss_name": loss_name, "mode": mode, "prefix": prefix,
            "layer_sizes": sizes, "loss": ref["loss"], "grad_w_l2": ref["grad_w_l2"], "grad_h_l2": ref["grad_h_l2"]})
        g = ref["grad_w_l2"]
        print(f"probe {name}: loss {ref['loss']:.6g}, ‖∂L/∂W_l‖ {g[0]:.3g} (first) … {g[-1]:.3g} (output)")


# ---- check: gradlab-written files load into PyTorch and give gradlab's outputs ----
def rel(a, b):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-30))


def load_strict(model, path):
    tensors, meta = read_safetensors(path)
    missing, unexpected = model.load_state_dict({k: torch.tensor(np.array(v)) for k, v in tensors.items()}, strict=True)
    assert not missing and not unexpected
    for k, v in model.state_dict().items():
        if k.endswith("num_batches_tracked"):
            assert tensors[k].dtype == np.int64, f"{k} is {tensors[k].dtype}, expected int64"
    return tensors, meta


def check():
    errors = {}
    with open(os.path.join(CORE, "gradlab-cases.json")) as f:
        core_cases = json.load(f)["cases"]
    for c in core_cases:
        path = os.path.join(CORE, c["weights"])
        tensors, meta = read_safetensors(path)
        cfg = c["config"]
        assert meta["gradlab_activation"] == cfg["activation"] and meta["gradlab_residual"] == str(cfg["residual"]).lower()
        model = mlp(cfg["layerSizes"], meta["gradlab_activation"], cfg["norm"], meta["gradlab_residual"] == "true")
        load_strict(model, path)
        model = model.double().eval()
        x = torch.tensor(c["x"]["data"], dtype=torch.float64).reshape(c["x"]["shape"])
        errors[f"mlp {c['name']}"] = rel(flat(model(x)), c["output"])
    with open(os.path.join(RBM, "gradlab-cases.json")) as f:
        rbm_cases = json.load(f)["cases"]
    for c in rbm_cases:
        path = os.path.join(RBM, c["weights"])
        tensors, meta = read_safetensors(path)
        x = torch.tensor(c["x"]["data"], dtype=torch.float64).reshape(c["x"]["shape"])
        if meta["gradlab_model"] == "MLP":
            model = mlp(c["layerSizes"], meta["gradlab_activation"], "none", False)
            load_strict(model, path)
            errors[f"{c['name']} output"] = rel(flat(model.double()(x)), c["output"])
            continue
        model = autoencoder(c["layerSizes"], meta["gradlab_code_activation"], meta["gradlab_output_activation"])
        load_strict(model, path)
        model = model.double()
        L = len(c["layerSizes"]) - 1
        errors[f"{c['name']} code"] = rel(flat(model[:2 * L](x)), c["code"])
        errors[f"{c['name']} reconstruction"] = rel(flat(model(x)), c["reconstruction"])
    worst = max(errors.values())
    for k, v in errors.items():
        print(f"{k:>44}: relative error {v:.2e}")
    ok = worst <= 1e-5
    print(f"{len(errors)} comparisons, max relative error {worst:.2e} (tolerance 1e-5): {'ok' if ok else 'FAILED'} (torch {torch.__version__})")
    return 0 if ok else 1


def main():
    torch.set_num_threads(1)
    cmd = sys.argv[1] if len(sys.argv) > 1 else "generate"
    if cmd == "generate":
        generate_mlp()
        generate_autoencoders()
        generate_probe()
        return 0
    if cmd == "check":
        return check()
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
