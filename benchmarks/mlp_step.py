"""One training step of the book MLP (784-512-10, ReLU, softmax cross-entropy, RMSprop, batch 128)
in mathdl versus the same step written by hand in NumPy, timed interleaved in the same run.

    python benchmarks/mlp_step.py [--steps 50] [--passes 5] [--threads N]

Prints the median time per step of each and the ratio mathdl / NumPy (lower is better; the goal
is ≤ 1.10). Two hand-written baselines are timed: the plain textbook version (temporaries for
each expression) and an in-place version with preallocated buffers (the strictest baseline).
"""

import argparse
import statistics
import time

import numpy as np

import mathdl as md
import mathdl.nn.functional as F
from mathdl import nn, optim

BATCH, INPUTS, HIDDEN, CLASSES = 128, 784, 512, 10
LR, ALPHA, EPS = 1e-3, 0.99, 1e-8


def init_weights(seed):
    rng = np.random.default_rng(seed)
    bound1, bound2 = 1 / np.sqrt(INPUTS), 1 / np.sqrt(HIDDEN)
    return [
        rng.uniform(-bound1, bound1, (HIDDEN, INPUTS)).astype(np.float32),
        rng.uniform(-bound1, bound1, HIDDEN).astype(np.float32),
        rng.uniform(-bound2, bound2, (CLASSES, HIDDEN)).astype(np.float32),
        rng.uniform(-bound2, bound2, CLASSES).astype(np.float32),
    ]


class PlainNumPy:
    """The textbook step: every expression makes its temporaries."""

    def __init__(self, weights):
        self.params = [w.copy() for w in weights]
        self.caches = [np.zeros_like(w) for w in weights]

    def step(self, x, y):
        w1, b1, w2, b2 = self.params
        pre = x @ w1.T + b1
        h = np.maximum(pre, 0)
        z = h @ w2.T + b2
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        sums = e.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = np.mean(np.log(sums[:, 0]) - shifted[rows, y])
        gz = e / sums
        gz[rows, y] -= 1
        gz /= len(y)
        gw2 = gz.T @ h
        gb2 = gz.sum(axis=0)
        gh = (gz @ w2) * (pre > 0)
        gw1 = gh.T @ x
        gb1 = gh.sum(axis=0)
        for p, cache, g in zip(self.params, self.caches, (gw1, gb1, gw2, gb2)):
            cache[...] = ALPHA * cache + (1 - ALPHA) * g * g
            p -= LR * g / (np.sqrt(cache) + EPS)
        return loss


class InPlaceNumPy(PlainNumPy):
    """The same step with the optimiser written in place over preallocated buffers."""

    def __init__(self, weights):
        super().__init__(weights)
        self.work = [np.empty_like(w) for w in weights]

    def step(self, x, y):
        w1, b1, w2, b2 = self.params
        pre = x @ w1.T
        pre += b1
        h = np.maximum(pre, 0)
        z = h @ w2.T
        z += b2
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = -np.mean(np.log(z[rows, y]))
        z[rows, y] -= 1
        z *= 1.0 / len(y)
        gw2 = z.T @ h
        gb2 = z.sum(axis=0)
        gh = z @ w2
        gh *= pre > 0
        gw1 = gh.T @ x
        gb1 = gh.sum(axis=0)
        for p, cache, work, g in zip(self.params, self.caches, self.work, (gw1, gb1, gw2, gb2)):
            cache *= ALPHA
            np.multiply(g, g, out=work)
            work *= 1 - ALPHA
            cache += work
            np.sqrt(cache, out=work)
            work += EPS
            np.divide(g, work, out=work)
            work *= LR
            p -= work
        return loss


class Mathdl:
    def __init__(self, weights):
        self.model = nn.Sequential(nn.Linear(INPUTS, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, CLASSES))
        self.model.load_state_dict(
            {"0.weight": weights[0], "0.bias": weights[1], "2.weight": weights[2], "2.bias": weights[3]}
        )
        self.optimizer = optim.RMSprop(self.model.parameters(), lr=LR, alpha=ALPHA, eps=EPS)

    def step(self, x, y):
        self.optimizer.zero_grad()
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.item()


def time_pass(runners, inputs, steps):
    """One pass: the runners take turns step by step (so load changes hit them alike); returns the
    mean seconds per step of each."""
    totals = dict.fromkeys(runners, 0.0)
    for _ in range(steps):
        for name, runner in runners.items():
            start = time.perf_counter()
            runner.step(*inputs[name])
            totals[name] += time.perf_counter() - start
    return {name: total / steps for name, total in totals.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    x_array = rng.random((BATCH, INPUTS), dtype=np.float32)
    y_array = rng.integers(0, CLASSES, BATCH)
    weights = init_weights(1)
    runners = {
        "mathdl": Mathdl(weights),
        "numpy (plain)": PlainNumPy(weights),
        "numpy (in place)": InPlaceNumPy(weights),
    }
    inputs = {
        "mathdl": (md.tensor(x_array), y_array),
        "numpy (plain)": (x_array, y_array),
        "numpy (in place)": (x_array, y_array),
    }

    # the three compute the same losses from the same start
    losses = {name: [runner.step(*inputs[name]) for _ in range(3)] for name, runner in runners.items()}
    reference = losses["numpy (plain)"]
    for name, values in losses.items():
        if not np.allclose(values, reference, rtol=1e-4):
            raise SystemExit(f"{name} losses {values} differ from the NumPy step's {reference}")

    times = {name: [] for name in runners}
    for _ in range(args.passes):
        for name, value in time_pass(runners, inputs, args.steps).items():
            times[name].append(value)
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, value in medians.items():
        print(
            f"{name:18s} {value * 1e3:8.3f} ms/step  (passes: {', '.join(f'{t * 1e3:.3f}' for t in times[name])})"
        )
    print(f"ratio mathdl / numpy (plain):    {medians['mathdl'] / medians['numpy (plain)']:.3f}")
    print(f"ratio mathdl / numpy (in place): {medians['mathdl'] / medians['numpy (in place)']:.3f}")


if __name__ == "__main__":
    main()
