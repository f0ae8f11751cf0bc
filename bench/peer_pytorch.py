#!/usr/bin/python3
"""The PyTorch (and, for W4, scikit-learn) peer of gradlab's benchmark workloads W1-W6.

Each workload does the same work as its gradlab counterpart in bench/w*.ts: the same sizes,
the same per-step gradient-norm recording (``retain_grad`` on every h_t and c_t of a
step-by-step unroll, read back once), the same CD-1 maths (mean-field negative visibles,
momentum 0.5, weight cost 2e-4, reconstruction error tracked), the same per-layer gradient
statistics. Prints one JSON line per workload (and setting) on stdout.

Run by ``pnpm bench --peer`` (bench/peer.ts) twice per workload: once tuned
(``OPENBLAS_CORETYPE=SkylakeX``, ``--threads 1``: torch's own thread pool 1 thread, OpenBLAS 2
threads) and once as installed (no environment, no thread setting). Standalone:

    OPENBLAS_CORETYPE=SkylakeX /usr/bin/python3 bench/peer_pytorch.py --only W1,W4 --threads 1

A tool only: never imported by the packages.
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

IDS = ["W1", "W2", "W3", "W4", "W5", "W6"]
RUNS = {"W1": 11, "W2": 9, "W3": 5, "W4": 5, "W5": 5, "W6": 11}
WARMUP = {"W1": 3, "W2": 2, "W3": 1, "W4": 1, "W5": 1, "W6": 3}


def uniform(shape, k, gen):
    return (torch.rand(shape, generator=gen) * 2 - 1) * k


# ---- W1, W2: full BPTT with per-step norms -------------------------------------------------


def sequence_params(gates, d, h, gen):
    k = 1 / math.sqrt(h)
    p = {
        "w_ih": uniform((gates * h, d), k, gen),
        "w_hh": uniform((gates * h, h), k, gen),
        "b_ih": uniform((gates * h,), k, gen),
        "b_hh": uniform((gates * h,), k, gen),
        "head_w": uniform((1, h), k, gen),
        "head_b": uniform((1,), k, gen),
    }
    if gates == 4:
        p["b_ih"][h : 2 * h] = 1.0  # forget bias 1, as gradlab's LSTM default
        p["b_hh"][h : 2 * h] = 0.0
    for t in p.values():
        t.requires_grad_(True)
    return p


def w1_w2(gates_n, runs, warmup):
    T, B, D, H = 100, 32, 8, 128
    gen = torch.Generator().manual_seed(1)
    p = sequence_params(gates_n, D, H, gen)
    x = torch.randn((T, B, D), generator=gen)
    y = torch.randn((B, 1), generator=gen)

    def run():
        # The input projection of all steps is one product; per step only the recurrent one.
        # unbind, not xw[t]: the backward of T indexings would add T full-size [T, B, G·H] zero
        # tensors (10x slower); unbind's backward stacks the step gradients once.
        xw = torch.addmm(p["b_ih"] + p["b_hh"], x.view(T * B, D), p["w_ih"].t()).view(T, B, gates_n * H).unbind(0)
        w_hh_t = p["w_hh"].t()
        h = torch.zeros(B, H)
        hs, cs, gates = [], [], []
        if gates_n == 1:
            for t in range(T):
                h = torch.tanh(torch.addmm(xw[t], h, w_hh_t))
                h.retain_grad()
                hs.append(h)
        else:
            c = torch.zeros(B, H)
            for t in range(T):
                z = torch.addmm(xw[t], h, w_hh_t)
                i, f, g, o = z.chunk(4, 1)
                i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
                c = f * c + i * g
                h = o * torch.tanh(c)
                h.retain_grad()
                c.retain_grad()
                hs.append(h)
                cs.append(c)
                gates.append((i, f, g, o))
        loss = F.mse_loss(F.linear(h, p["head_w"], p["head_b"]), y)
        loss.backward()
        with torch.no_grad():
            # All steps at once: stack the retained gradients, then one reduction.
            rec = [torch.stack([s.grad for s in hs]).square().sum((1, 2)).sqrt()]
            if gates_n == 4:
                # c_T's gradient is what flows to step T+1: none (gradlab records 0 there).
                dc = torch.stack([s.grad for s in cs[:-1]]).square().sum((1, 2)).sqrt()
                rec.append(torch.cat([dc, torch.zeros(1)]))
                rec.extend(torch.stack([gs[k] for gs in gates]).mean((1, 2)) for k in range(4))
            values = torch.cat([loss.detach().view(1)] + rec).tolist()
        for t in p.values():
            t.grad = None
        return values[0]

    return time_runs(run, runs, warmup)


# ---- W3: truncated BPTT(50, 50) with an SGD step per chunk ----------------------------------


def w3(runs, warmup):
    T, B, D, H, K = 1000, 32, 8, 128, 50
    gen = torch.Generator().manual_seed(3)
    torch.manual_seed(3)
    lstm = torch.nn.LSTM(D, H)
    head = torch.nn.Linear(H, 1)
    with torch.no_grad():
        lstm.bias_ih_l0[H : 2 * H] = 1.0
        lstm.bias_hh_l0[H : 2 * H] = 0.0
    opt = torch.optim.SGD(list(lstm.parameters()) + list(head.parameters()), lr=0.01)
    x = torch.randn((T, B, D), generator=gen)
    y = torch.randn((T, B, 1), generator=gen)

    def run():
        h = torch.zeros(1, B, H)
        c = torch.zeros(1, B, H)
        total = 0.0
        for a in range(0, T, K):
            out, (h, c) = lstm(x[a : a + K], (h.detach(), c.detach()))
            loss = F.mse_loss(head(out), y[a : a + K])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * K / T
        return total

    return time_runs(run, runs, warmup)


# ---- W4, W5: CD-1 ------------------------------------------------------------------------


def binary_images(n, side, gen):
    c = (side - 1) / 2
    ii, jj = torch.meshgrid(torch.arange(side, dtype=torch.float32), torch.arange(side, dtype=torch.float32), indexing="ij")
    p = 0.45 * torch.exp(-2 * ((ii - c) ** 2 + (jj - c) ** 2) / (c * c + 1e-9))
    return (torch.rand((n, side * side), generator=gen) < p.flatten()).float()


class CD1:
    """gradlab's trainRBM defaults: CD-1, mean-field v1, lr 0.1, momentum 0.5, weight cost 2e-4."""

    def __init__(self, v, h, gen, lr=0.1, momentum=0.5, weight_cost=2e-4):
        self.W = torch.randn((v, h), generator=gen) * 0.01
        self.b = torch.zeros(v)
        self.c = torch.zeros(h)
        self.lr, self.mu, self.wc = lr, momentum, weight_cost
        self.buf = None

    @torch.no_grad()
    def epoch(self, x, batch, gen):
        n, v = x.shape
        batches = x[torch.randperm(n, generator=gen)].split(batch)  # cut once per epoch
        recon = torch.zeros(())
        for v0 in batches:
            B = v0.shape[0]
            h0 = torch.sigmoid(torch.addmm(self.c, v0, self.W))
            hs = (torch.rand(h0.shape, generator=gen) < h0).float()
            v1 = torch.sigmoid(torch.addmm(self.b, hs, self.W.t()))
            recon += (v0 - v1).square().sum() / v
            h1 = torch.sigmoid(torch.addmm(self.c, v1, self.W))
            dW = (v0.t() @ h0 - v1.t() @ h1) / B
            g = [-dW + self.wc * self.W, -(v0.mean(0) - v1.mean(0)), -(h0.mean(0) - h1.mean(0))]
            if self.buf is None:
                self.buf = [t.clone() for t in g]
            else:
                for bb, t in zip(self.buf, g):
                    bb.mul_(self.mu).add_(t)
            for p, bb in zip((self.W, self.b, self.c), self.buf):
                p.sub_(self.lr * bb)
        return recon.item() / n


def w4(runs, warmup):
    gen = torch.Generator().manual_seed(4)
    x = binary_images(10_000, 28, gen)
    rbm = CD1(784, 500, gen)

    def run():
        rbm.buf = None  # a fresh trainer per epoch, as trainRBM(epochs: 1)
        return rbm.epoch(x, 100, gen)

    return time_runs(run, runs, warmup)


def w4_sklearn(runs, warmup):
    import numpy as np
    from sklearn.neural_network import BernoulliRBM

    gen = torch.Generator().manual_seed(4)
    x = binary_images(10_000, 28, gen).numpy()
    rng = np.random.default_rng(4)

    def run():
        rbm = BernoulliRBM(n_components=500, learning_rate=0.1, batch_size=100, n_iter=1, random_state=0)
        perm = rng.permutation(x.shape[0])
        for batch in np.array_split(x[perm], x.shape[0] // 100):
            rbm.partial_fit(batch)
        return float(rbm.components_[0, 0])

    return time_runs(run, runs, warmup)


def w5(runs, warmup):
    gen = torch.Generator().manual_seed(5)
    x = binary_images(10_000, 28, gen)
    sizes = [784, 500, 500, 2000]

    @torch.no_grad()
    def run():
        inp = x
        recon = 0.0
        for l in range(len(sizes) - 1):
            rbm = CD1(sizes[l], sizes[l + 1], gen)
            m = inp.mean(0).clamp(1e-6, 1 - 1e-6)
            rbm.b = torch.log(m / (1 - m))  # visible biases from the data (Hinton 2010 sect. 8)
            recon = rbm.epoch(inp, 100, gen)
            if l + 2 < len(sizes):
                inp = torch.sigmoid(torch.addmm(rbm.c, inp, rbm.W))
        return recon

    return time_runs(run, runs, warmup)


# ---- W6: deep sigmoid MLP, per-layer gradient statistics ----------------------------------


def w6(runs, warmup):
    B, depth, width, inp, classes = 128, 20, 256, 784, 10
    gen = torch.Generator().manual_seed(6)
    sizes = [inp] + [width] * depth + [classes]
    ws, bs = [], []
    for a, b in zip(sizes[:-1], sizes[1:]):
        lim = math.sqrt(6 / (a + b))  # Glorot uniform, stored [in, out] as gradlab's
        ws.append(uniform((a, b), lim, gen).requires_grad_(True))
        bs.append(torch.zeros(b, requires_grad=True))
    x = torch.randn((B, inp), generator=gen)
    y = torch.arange(B) % classes

    def run():
        a = x
        for l in range(depth):
            a = torch.sigmoid(torch.addmm(bs[l], a, ws[l]))
        loss = F.cross_entropy(torch.addmm(bs[depth], a, ws[depth]), y)
        loss.backward()
        with torch.no_grad():
            # The same statistics as gradlab's tensorStatsMany: Σx², max|x|, mean, Σ(x − mean)².
            rows = []
            for w in ws:
                g = w.grad
                mean = g.mean()
                rows.append(torch.stack([g.square().sum(), g.abs().max(), mean, (g - mean).square().sum()]))
            values = torch.stack(rows).tolist()
        for t in ws + bs:
            t.grad = None
        return loss.item() + math.sqrt(values[0][0])

    return time_runs(run, runs, warmup)


# ---- harness -------------------------------------------------------------------------------


def time_runs(run, runs, warmup):
    for _ in range(warmup):
        run()
    times, cpu = [], []
    for _ in range(runs):
        c0 = time.process_time()
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return times, cpu


def blas_info():
    try:
        import threadpoolctl

        for lib in threadpoolctl.threadpool_info():
            if lib.get("internal_api") == "openblas":
                return {"openblas_version": lib.get("version"), "openblas_core": lib.get("architecture"), "openblas_threads": lib.get("num_threads")}
    except Exception as e:  # threadpoolctl missing: say so, do not fail
        return {"openblas_core": f"unknown ({type(e).__name__})"}
    return {"openblas_core": "no OpenBLAS found"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=",".join(IDS), help="comma-separated workload ids (default all)")
    ap.add_argument("--runs", type=int, default=None, help="timed runs per workload (default per workload, >= 5)")
    ap.add_argument("--threads", type=int, default=None, help="torch.set_num_threads(N) (default: as installed)")
    ap.add_argument("--setting", default=None, help="label written into each line (tuned / installed)")
    ap.add_argument("--no-sklearn", action="store_true", help="skip scikit-learn's BernoulliRBM on W4")
    args = ap.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    ids = [s.strip().upper() for s in args.only.split(",") if s.strip()]
    bad = [i for i in ids if i not in IDS]
    if bad:
        print(f"peer_pytorch.py: expected --only to list ids from {','.join(IDS)}, got {','.join(bad)}", file=sys.stderr)
        sys.exit(2)
    common = {
        "setting": args.setting or ("tuned" if args.threads == 1 and os.environ.get("OPENBLAS_CORETYPE") else "installed"),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "openblas_coretype_env": os.environ.get("OPENBLAS_CORETYPE"),
        **blas_info(),
    }
    jobs = {
        "W1": lambda r, w: w1_w2(1, r, w),
        "W2": lambda r, w: w1_w2(4, r, w),
        "W3": w3,
        "W4": w4,
        "W5": w5,
        "W6": w6,
    }
    for i in ids:
        impls = [("pytorch", jobs[i])]
        if i == "W4" and not args.no_sklearn:
            impls.append(("sklearn", w4_sklearn))
        for impl, job in impls:
            runs = max(5, args.runs or RUNS[i])
            times, cpu = job(runs, WARMUP[i])
            line = {
                "id": i,
                "impl": impl,
                "median_ms": statistics.median(times),
                "min_ms": min(times),
                "max_ms": max(times),
                "cpu_ms": statistics.median(cpu),  # all threads of the process
                "runs": len(times),
                **common,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
            print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
