"""Worker: SyncBatchNorm on 2 ranks against BatchNorm on the concatenated (global) batch.

    mpiexec -n 2 python sync_batchnorm.py OUT_DIR

Part A (float64, unequal per-rank batches): outputs, first- and second-order gradients, running
statistics. Part B (float32): a model converted with convert_sync_batchnorm, trained with DDP.
The test imports this file for the shared data and the one-process references.
"""

import sys
from pathlib import Path

import numpy as np

import mathdl as md
import mathdl.distributed as dist
import mathdl.nn.functional as F
from mathdl import nn
from mathdl.nn.parallel import DistributedDataParallel

CASES = {"image": ((3, 5), (3, 2, 2)), "vector": ((4, 6), (5,))}  # per-rank batch sizes, sample shape
BATCH, STEPS = 6, 3


def case_data(name):
    """Global x, upstream gradient g, second-order direction h, weight, bias (float64)."""
    sizes, sample = CASES[name]
    rng = np.random.default_rng(7)
    shape = (sum(sizes), *sample)
    x = rng.normal(3.0, 2.0, shape)
    channels = sample[0]
    return (
        x,
        rng.standard_normal(shape),
        rng.standard_normal(shape),
        rng.uniform(0.5, 1.5, channels),
        rng.standard_normal(channels),
    )


def rank_rows(name, rank):
    sizes = CASES[name][0]
    start = sum(sizes[:rank])
    return slice(start, start + sizes[rank])


def first_and_second_order(layer, x, g, h):
    """y, ∂L/∂(x, γ, β) for L = Σ y·g, and ∂(Σ ∂L/∂x · h)/∂(x, γ) (the grad of a grad)."""
    x = md.tensor(x, requires_grad=True)
    y = layer(x)
    gx, gw, gb = md.grad((y * md.tensor(g)).sum(), [x, layer.weight, layer.bias], create_graph=True)
    hx, hw = md.grad((gx * md.tensor(h)).sum(), [x, layer.weight])
    return {"y": y.array, "gx": gx.array, "gw": gw.array, "gb": gb.array, "hx": hx.array, "hw": hw.array}


def make_layer(layer_class, name):
    _, _, _, weight, bias = case_data(name)
    layer = layer_class(len(weight), momentum=0.3, dtype=np.float64)
    layer.weight.array[...] = weight
    layer.bias.array[...] = bias
    return layer


def part_a(rank):
    results = {}
    for name in CASES:
        x, g, h, _, _ = case_data(name)
        rows = rank_rows(name, rank)
        layer = make_layer(nn.SyncBatchNorm, name)
        values = first_and_second_order(layer, x[rows], g[rows], h[rows])
        values.update(running_mean=layer.running_mean.array, running_var=layer.running_var.array)
        results.update({f"{name}/{key}": value for key, value in values.items()})
    return results


def gradcheck(rank):
    """float64 finite differences of L = Σ_r Σ (y_r·g_r + y_r²/2) with y = SyncBatchNorm(x)."""
    from finite_differences import autograd_gradient, distributed_finite_differences  # beside this file

    x, g, _, _, _ = case_data("image")
    rows = rank_rows("image", rank)
    layer = make_layer(nn.SyncBatchNorm, "image")

    def loss(t):
        y = layer(t)
        return (y * md.tensor(g[rows])).sum() + (y * y).sum() * 0.5

    return {
        "gradcheck/numeric": distributed_finite_differences(loss, x[rows]),
        "gradcheck/autograd": autograd_gradient(loss, x[rows]),
    }


def training_data():
    rng = np.random.default_rng(11)
    n = 2 * BATCH * STEPS
    return rng.normal(1.0, 3.0, (n, 5)).astype(np.float32), rng.integers(0, 3, n)


def build_model():
    md.manual_seed(3)
    return nn.Sequential(nn.Linear(5, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))


def train(model, rows_of_step):
    """SGD steps; ``rows_of_step(step)`` selects the samples this process sees at a step."""
    x, y = training_data()
    optimizer = md.optim.SGD(model.parameters(), lr=0.2, momentum=0.5)
    for step in range(STEPS):
        rows = rows_of_step(step)
        optimizer.zero_grad()
        F.cross_entropy(model(md.tensor(x[rows])), md.tensor(y[rows])).backward()
        optimizer.step()


def part_b(rank):
    model = nn.SyncBatchNorm.convert_sync_batchnorm(build_model())
    ddp = DistributedDataParallel(model)
    train(ddp, lambda step: slice(2 * BATCH * step + rank * BATCH, 2 * BATCH * step + (rank + 1) * BATCH))
    return {f"train/{key}": value.array.copy() for key, value in model.state_dict().items()}


def main(out_dir):
    dist.init_process_group(backend="mpi")
    rank = dist.get_rank()
    results = {**part_a(rank), **gradcheck(rank), **part_b(rank)}
    np.savez(Path(out_dir) / f"rank{rank}.npz", **results)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
