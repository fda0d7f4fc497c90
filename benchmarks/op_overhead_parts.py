"""Where the per-op overhead of ``op_overhead.py``'s chain goes: each part timed on its own.

The chain is K elementwise products of a 16-element float32 tensor, then sum and backward. This
times, in CPU time (the fastest of several repeats, so a busy machine disturbs it least), the
NumPy product alone, one product not recorded and recorded, the chain's forward, the whole step,
a backward pass over a retained graph, the topological sort, and one node's first-order backward
formula, all per op; and a one-product step (the fixed cost of the sum and of ``backward``'s
entry, plus one op). Run it alternately with two versions of mathdl on PYTHONPATH to compare them:

    OPENBLAS_NUM_THREADS=1 python benchmarks/op_overhead_parts.py [--chain 50]
"""

import argparse
import time
import timeit

import numpy as np

import mathdl as md
from mathdl.autograd import engine


def cpu_time(step, number, per=1, repeat=9):
    """The fastest of ``repeat`` runs of ``number`` calls, in µs per call divided by ``per``."""
    runs = timeit.repeat(step, number=number, repeat=repeat, timer=time.process_time)
    return min(runs) / number * 1e6 / per


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chain", type=int, default=50)
    k = parser.parse_args().chain
    a = md.tensor(np.linspace(0.5, 1.5, 16, dtype=np.float32), requires_grad=True)
    constant = md.tensor(np.linspace(0.5, 1.5, 16, dtype=np.float32))
    b = md.tensor(np.full(16, 1.0001, dtype=np.float32))

    def forward():
        y = a
        for _ in range(k):
            y = y * b
        return y.sum()

    def step():
        forward().backward()
        a.grad = None

    def one_op_step():
        (a * b).sum().backward()
        a.grad = None

    loss = forward()
    node = loss.creator.inputs[0].creator  # the last product
    upstream = md.tensor(np.ones(16, np.float32))
    rows = [
        ("NumPy product", cpu_time(lambda: a.array * b.array, 20000)),
        ("product, not recorded", cpu_time(lambda: constant * b, 20000)),
        ("product, recorded", cpu_time(lambda: a * b, 20000)),
        ("chain forward + sum, per op", cpu_time(forward, 400, k)),
        ("chain step, per op", cpu_time(step, 400, k)),
        ("backward pass, graph retained, per op", cpu_time(lambda: loss.backward(retain_graph=True), 400, k)),
        ("topological sort, per op", cpu_time(lambda: engine.topological_order([loss.creator]), 400, k)),
        ("one product's backward formula", _first_order(lambda: node.backward(upstream))),
        ("one-product step (fixed cost + 1 op)", cpu_time(one_op_step, 5000)),
    ]
    print(f"{md.__file__}: µs of CPU time (fastest of 9 repeats), chain of {k}")
    for name, value in rows:
        print(f"  {name:40s} {value:7.3f}")


def _first_order(call):
    with md.no_grad():  # as the engine runs it when create_graph is False
        return cpu_time(call, 20000)


if __name__ == "__main__":
    main()
