"""Per-op overhead of the mathdl on the import path, as the minimum over many runs.

The same chain as ``op_overhead.py`` (K elementwise products of a 16-element tensor, then sum and
backward, per op), but reported as the fastest of N runs instead of a median against PyTorch: the
minimum is what the code costs when nothing else runs, so two versions of mathdl can be compared
on a busy machine by running this script alternately with each on PYTHONPATH:

    git archive <commit> src | tar -x -C /tmp/base
    for i in 1 2 3; do
        PYTHONPATH=/tmp/base/src python benchmarks/per_op_min.py
        python benchmarks/per_op_min.py
    done
"""

import argparse
import time

import numpy as np

import mathdl as md


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chain", type=int, default=50)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    a = md.tensor(np.linspace(0.5, 1.5, 16, dtype=np.float32), requires_grad=True)
    b = md.tensor(np.full(16, 1.0001, dtype=np.float32))
    best = float("inf")
    for _ in range(args.runs):
        start = time.perf_counter()
        y = a
        for _ in range(args.chain):
            y = y * b
        y.sum().backward()
        a.grad = None
        best = min(best, time.perf_counter() - start)
    print(
        f"{md.__file__}: {best / args.chain * 1e6:.2f} µs/op (min of {args.runs} runs of a {args.chain}-op chain)"
    )


if __name__ == "__main__":
    main()
