#!/usr/bin/python3
"""The PyTorch peer of ``pnpm bench --sweep``: the sweep's cells (bench/sweep-cells.ts), run as
``--jobs`` processes of one thread each (``torch.set_num_threads(1)``; bench/sweep.ts also sets
``OPENBLAS_NUM_THREADS=1`` and ``OPENBLAS_CORETYPE=SkylakeX``), taking cells from one queue in
the runner's order as gradlab's worker pool does, one experiment after the other. Reads ``{"blocks": [...], "cells": [...]}``
(each block's whole config, each cell with its seed) on stdin; prints one JSON line.

What each cell matches of its gradlab counterpart, and what it does not:

long-term-memory (experiments/src/long-term-memory.ts, LSTM cells)
  matched: the adding problem of length T (values U(0, 1), one marked step in each half,
  target their sum, MSE at the last step); an LSTM of ``hidden`` units with PyTorch's
  U(±1/√H) initialisation, forget-gate bias 1, a linear readout; ``iterations`` Adam steps on
  fresh minibatches of ``batchSize`` (lr from ``learningRates``, betas 0.9/0.999, eps 1e-8),
  global-norm clipping at ``clip`` with the pre-clip norm read back every step (gradlab reads
  it for its records), the training loss read back every step; evaluation on ``testSize``
  fixed test sequences (MSE and fraction within 0.04) at step 0, every ``evalEvery`` steps and
  at the end, with a check that the parameters are finite.
  not matched: the random numbers (torch's generator, not gradlab's seedrandom ``Rng``, so
  the curves differ in detail); the sequences are drawn with torch ops instead of a JS loop;
  ``nn.LSTM``'s fused forward/backward instead of gradlab's explicit BPTT; no CSV is written.

depth-gradients (experiments/src/depth-gradients.ts, plain nets)
  matched: an MLP of ``depth`` hidden layers of ``width`` units on ``imageSize``² inputs and
  9 classes, the cell's activation (leaky slope 0.01, ELU α 1) and initialisation ('standard'
  U(±1/√n_in), Glorot uniform, He normal, zero biases); ``trainSize`` training images, a fresh
  permutation each step with its first ``batchSize`` rows gathered; softmax cross-entropy;
  ``steps`` plain SGD steps at ``learningRate``; the loss read back every step; at step 0, every
  ``recordEvery`` steps and at the last, per hidden layer ‖∂L/∂W_l‖ and its RMS, ‖∂L/∂h_l‖, mean
  and std of h_l, and the fraction of units whose activation derivative is at most 0.01·γ,
  read back once.
  not matched: the images are uniform noise (torch.rand), not gradlab's drawn Shapeset
  images, so gradlab's time includes drawing 2048 anti-aliased shape images per cell in JS
  and PyTorch's does not; no CSV is written.

Both: worker start-up is counted (gradlab starts its worker processes inside the timed span
too), but PyTorch's workers are forked from a parent that has already imported torch, while
gradlab's load Node, tsx and the wasm backend afresh.

A tool only: never imported by the packages.
"""
import argparse
import json
import math
import multiprocessing as mp
import sys
import time

import torch
import torch.nn.functional as F

ADDING_TOLERANCE = 0.04
SATURATION_THRESHOLD = 0.01
SHAPESET_CLASSES = 9


def seed_of(experiment, cell, seed):
    # A fixed generator per (cell, seed), independent of the order the cells run in.
    key = f"{experiment}/{json.dumps(cell, sort_keys=True)}/{seed}"
    return sum((i + 1) * ord(ch) for i, ch in enumerate(key)) % (2**31)


# ---- long-term-memory: an LSTM on the adding problem --------------------------------------


def adding_batch(T, batch, gen):
    half = T // 2
    x = torch.zeros(T, batch, 2)
    x[:, :, 0] = torch.rand(T, batch, generator=gen)
    first = torch.randint(0, half, (batch,), generator=gen)
    second = half + torch.randint(0, T - half, (batch,), generator=gen)
    cols = torch.arange(batch)
    x[first, cols, 1] = 1
    x[second, cols, 1] = 1
    y = (x[first, cols, 0] + x[second, cols, 0]).unsqueeze(1)
    return x, y


def long_term_memory(config, cell, seed):
    if cell["model"] != "lstm":
        raise ValueError(f"sweep_pytorch.py: expected long-term-memory cells of model lstm, got {cell['model']!r}")
    T, H = cell["T"], config["hidden"]
    gen = torch.Generator().manual_seed(seed_of("long-term-memory", cell, seed))
    torch.manual_seed(seed_of("long-term-memory/init", cell, seed))
    lstm = torch.nn.LSTM(2, H)
    head = torch.nn.Linear(H, 1)
    with torch.no_grad():
        lstm.bias_ih_l0[H : 2 * H] = 1.0  # forget bias 1, as gradlab's LSTM({ forgetBias: 1 })
        lstm.bias_hh_l0[H : 2 * H] = 0.0
    params = list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=config["learningRates"]["lstm"])
    test_x, test_y = adding_batch(T, config["testSize"], torch.Generator().manual_seed(seed))

    @torch.no_grad()
    def evaluate():
        out, _ = lstm(test_x)
        err = (head(out[-1]) - test_y).abs()
        finite = all(bool(torch.isfinite(p).all()) for p in params)
        return err.square().mean().item(), (err < ADDING_TOLERANCE).float().mean().item(), finite

    # long-term-memory's config gives each model its own Adam budget; the sweep runs the LSTM.
    steps = config["iterations"]["lstm"]
    records = [evaluate()]
    for it in range(1, steps + 1):
        x, y = adding_batch(T, config["batchSize"], gen)
        out, _ = lstm(x)
        loss = F.mse_loss(head(out[-1]), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, config["clip"]) if config["clip"] > 0 else None
        opt.step()
        loss.item()
        if norm is not None:
            norm.item()
        if it % config["evalEvery"] == 0 or it == steps:
            records.append(evaluate())
    return len(records)


# ---- depth-gradients: per-layer gradient statistics of a deep MLP --------------------------


ACTIVATIONS = {
    # name: (activation, its derivative at z, γ = sup |derivative|)
    "sigmoid": (torch.sigmoid, lambda z: torch.sigmoid(z) * (1 - torch.sigmoid(z)), 0.25),
    "tanh": (torch.tanh, lambda z: 1 - torch.tanh(z).square(), 1.0),
    "relu": (torch.relu, lambda z: (z > 0).float(), 1.0),
    "leaky-relu": (lambda z: F.leaky_relu(z, 0.01), lambda z: torch.where(z > 0, 1.0, 0.01), 1.0),
    "elu": (F.elu, lambda z: torch.where(z > 0, torch.ones_like(z), torch.exp(z)), 1.0),
}


def init_weight(name, n_in, n_out, gen):
    if name == "standard":
        return (torch.rand(n_in, n_out, generator=gen) * 2 - 1) / math.sqrt(n_in)
    if name == "glorot-uniform":
        return (torch.rand(n_in, n_out, generator=gen) * 2 - 1) * math.sqrt(6 / (n_in + n_out))
    if name == "he-normal":
        return torch.randn(n_in, n_out, generator=gen) * math.sqrt(2 / n_in)
    raise ValueError(f"sweep_pytorch.py: expected init to be standard, glorot-uniform or he-normal, got {name!r}")


def depth_gradients(config, cell, seed):
    if cell["variant"] != "plain":
        raise ValueError(f"sweep_pytorch.py: expected depth-gradients cells of variant plain, got {cell['variant']!r}")
    depth, width, n = cell["depth"], config["width"], config["trainSize"]
    act, deriv, gamma = ACTIVATIONS[cell["activation"]]
    gen = torch.Generator().manual_seed(seed_of("depth-gradients", cell, seed))
    x = torch.rand(n, config["imageSize"] ** 2, generator=gen)
    y = torch.arange(n) % SHAPESET_CLASSES
    sizes = [x.shape[1]] + [width] * depth + [SHAPESET_CLASSES]
    ws = [init_weight(cell["init"], a, b, gen).requires_grad_(True) for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [torch.zeros(b, requires_grad=True) for b in sizes[1:]]
    rows = 0
    for step in range(config["steps"] + 1):
        idx = torch.randperm(n, generator=gen)[: config["batchSize"]]
        a = x[idx]
        pre, post = [], []
        for l in range(depth):
            z = torch.addmm(bs[l], a, ws[l])
            a = act(z)
            a.retain_grad()
            pre.append(z)
            post.append(a)
        loss = F.cross_entropy(torch.addmm(bs[depth], a, ws[depth]), y[idx])
        loss.backward()
        loss.item()
        if step % config["recordEvery"] == 0 or step == config["steps"]:
            with torch.no_grad():
                stats = []
                for l in range(depth):
                    g = ws[l].grad
                    h = post[l]
                    d = deriv(pre[l])
                    stats.append(torch.stack([g.norm(), g.square().mean().sqrt(), h.grad.norm(), h.mean(), h.std(), (d.abs() <= SATURATION_THRESHOLD * gamma).float().mean()]))
                torch.stack(stats).tolist()
                rows += depth
        if step < config["steps"]:
            with torch.no_grad():
                for p in ws + bs:
                    p.sub_(config["learningRate"] * p.grad)
        for p in ws + bs:
            p.grad = None
    return rows


CELLS = {"long-term-memory": long_term_memory, "depth-gradients": depth_gradients}

_configs = {}


def init_worker(configs):
    torch.set_num_threads(1)
    _configs.update(configs)


def run_cell(job):
    experiment, cell, seed = job["experiment"], job["cell"], job["seed"]
    t0 = time.perf_counter()  # CLOCK_MONOTONIC: comparable across the processes
    CELLS[experiment](_configs[experiment], cell, seed)
    return t0, time.perf_counter() - t0, experiment


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--jobs", type=int, default=2, help="processes of one thread each (default 2)")
    args = ap.parse_args()
    if args.jobs < 1:
        print(f"sweep_pytorch.py: expected --jobs to be a positive integer, got {args.jobs}", file=sys.stderr)
        sys.exit(2)
    spec = json.load(sys.stdin)
    configs = {b["experiment"]: b["config"] for b in spec["blocks"]}
    unknown = sorted({c["experiment"] for c in spec["cells"]} - set(CELLS))
    if unknown:
        print(f"sweep_pytorch.py: expected cells of {', '.join(CELLS)}, got {', '.join(unknown)}", file=sys.stderr)
        sys.exit(2)
    t0 = time.perf_counter()
    with mp.Pool(args.jobs, initializer=init_worker, initargs=(configs,)) as pool:
        # As gradlab's runner: one experiment after the other (its cells all finish before the
        # next experiment's start), within one the cells one at a time, in order (chunksize 1).
        done = []
        for block in spec["blocks"]:
            cells = [c for c in spec["cells"] if c["experiment"] == block["experiment"]]
            done.extend(pool.imap(run_cell, cells, chunksize=1))
    total = time.perf_counter() - t0
    cell_s = [d for _, d, _ in done]
    by_experiment = {}
    for _, d, experiment in done:
        by_experiment[experiment] = by_experiment.get(experiment, 0.0) + d
    line = {
        "id": "sweep-pytorch",
        "cells": len(cell_s),
        "jobs": args.jobs,
        "pytorch_s": round(total, 3),
        "pytorch_startup_s": round(min(s for s, _, _ in done) - t0, 3),
        "pytorch_cell_s": round(sum(cell_s), 3),
        "pytorch_cell_s_by_experiment": {k: round(v, 3) for k, v in by_experiment.items()},
        "cells_per_hour": round(len(cell_s) * 3600 / total),
        "torch": torch.__version__,
    }
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
