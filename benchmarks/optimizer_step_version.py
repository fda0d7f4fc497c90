"""What counting the in-place write costs an optimiser step: ``Optimizer.step`` calls
``mathdl.autograd.version.bump(p)`` once per updated parameter. Times RMSprop (the book's
optimiser) and Adam steps over the book network's parameters (784-512-10: two weights, two
biases), with the bump and with it replaced by a no-op, interleaved in the same run, and prints
the median CPU microseconds per step (CPU time: a shared machine descheduling the process does
not count) and the ratio; then the cost of one ``bump`` call alone (the step's difference is that
times the number of parameters, 4 here, which the step-to-step noise can hide).

    OPENBLAS_NUM_THREADS=1 python benchmarks/optimizer_step_version.py [--steps 2000] [--repeats 7]
"""

import argparse
import statistics
import time

import numpy as np

import mathdl as md
import mathdl.optim.optimizer as optimizer_module
from mathdl import nn


def _model():
    md.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))
    for p in model.parameters():
        p.grad = md.tensor(np.full(p.shape, 1e-3, dtype=p.dtype))
    return model


def _time(opt, steps):
    start = time.process_time()
    for _ in range(steps):
        opt.step()
    return (time.process_time() - start) / steps * 1e6


def _bump_alone(repeats):
    """Median CPU microseconds of one bump(p) call on the 784×512 weight."""
    weight = next(iter(_model().parameters()))
    calls, times = 100_000, []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(calls):
            optimizer_module.bump(weight)
        times.append((time.process_time() - start) / calls * 1e6)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000, help="steps per timing")
    parser.add_argument("--repeats", type=int, default=7, help="timings per variant (median reported)")
    args = parser.parse_args(argv)
    real_bump = optimizer_module.bump
    for name, make in [
        ("RMSprop", lambda ps: md.optim.RMSprop(ps, lr=1e-3, alpha=0.9, eps=1e-7)),
        ("Adam", lambda ps: md.optim.Adam(ps, lr=1e-3)),
    ]:
        opt = make(_model().parameters())
        opt.step()  # allocate the state and scratch buffers
        times = {"with bump": [], "without": []}
        for _ in range(args.repeats):  # interleaved: load changes hit both alike
            for label, bump in (("with bump", real_bump), ("without", lambda tensor: None)):
                optimizer_module.bump = bump
                try:
                    times[label].append(_time(opt, args.steps))
                finally:
                    optimizer_module.bump = real_bump
        with_bump, without = (statistics.median(times[k]) for k in ("with bump", "without"))
        print(
            f"{name:8s} step: {with_bump:8.1f} µs with the version bump, {without:8.1f} µs without, "
            f"ratio {with_bump / without:.3f}"
        )
    print(
        f"one version bump alone: {_bump_alone(args.repeats):.2f} µs per call (one call per updated parameter)"
    )


if __name__ == "__main__":
    main()
