"""Worker: the collectives, the reporting helpers, the sampler and the BLAS-thread default.

    mpiexec -n 2 python collectives.py OUT_DIR

Each rank writes OUT_DIR/rank<r>.npz; the test checks the values.
"""

import sys
from pathlib import Path

import numpy as np

import mathdl as md
import mathdl.distributed as dist
from mathdl.data import DistributedSampler


def collectives(rank, world):
    out = {}
    base = np.arange(6, dtype=np.float32).reshape(2, 3) + 10 * rank  # rank 0: 0..5, rank 1: 10..15
    for op in ("SUM", "AVG", "MAX", "MIN", "PRODUCT"):
        t = md.tensor(base)
        dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
        out[f"all_reduce/{op}"] = t.array
    ints = md.tensor(np.array([rank + 1, 2 * rank], dtype=np.int64))
    dist.all_reduce(ints)
    out["all_reduce/int64"] = ints.array
    flags = md.tensor(np.array([rank == 0, False]))
    dist.all_reduce(flags, op=dist.ReduceOp.SUM)  # logical or for bools
    out["all_reduce/bool"] = flags.array
    strided = md.tensor(base.T)  # not C-contiguous: goes through a copy, written back
    dist.all_reduce(strided)
    out["all_reduce/transposed"] = strided.array
    b = md.tensor(base.copy())
    dist.broadcast(b, src=1)
    out["broadcast/src1"] = b.array
    gathered = [md.zeros(2, 3) for _ in range(world)]
    dist.all_gather(gathered, md.tensor(base))
    out["all_gather"] = np.stack([t.array for t in gathered])
    r = md.tensor(base.copy())
    dist.reduce(r, dst=1)
    out["reduce/dst1"] = r.array
    dist.barrier()
    return out


def all_reduce_gradcheck(rank):
    """float64 finite differences of L = Σ_r [ (r + 1) Σ all_reduce(x_r)² + Σ tanh(x_r) ]."""
    from finite_differences import autograd_gradient, distributed_finite_differences  # beside this file

    x = np.random.default_rng(rank).standard_normal(4)

    def loss(t):
        return (dist.nn.functional.all_reduce(t) ** 2).sum() * (rank + 1.0) + md.tanh(t).sum()

    return {
        "gradcheck/numeric": distributed_finite_differences(loss, x),
        "gradcheck/autograd": autograd_gradient(loss, x),
    }


def autograd_and_reporting(rank, world):
    out = {}
    x = md.tensor([1.0 + rank, 2.0 * (rank + 1)], requires_grad=True)
    total = dist.nn.functional.all_reduce(x)
    (total * md.tensor([1.0, 3.0]) * (rank + 1)).sum().backward()  # rank r weights its output by r+1
    out["autograd/total"], out["autograd/grad"] = total.array, x.grad.array
    out.update(all_reduce_gradcheck(rank))
    metrics = dist.all_reduce_metrics({"loss": 1.0 + rank, "accuracy": 0.5 * rank}, count=10 * (rank + 1))
    out["metrics/loss"], out["metrics/accuracy"] = np.array(metrics["loss"]), np.array(metrics["accuracy"])
    out["main_process"] = np.array(dist.is_main_process())
    out["rank_zero_only"] = np.array(dist.rank_zero_only(lambda: 7)() is not None)
    sampler = DistributedSampler(range(11), seed=4)
    sampler.set_epoch(2)
    out["sampler"] = sampler.indices()
    out["world"] = np.array([dist.get_rank(), dist.get_world_size()])
    out["threads"] = np.array([md.backend.get_num_threads(), md.backend.default_num_threads(world)])
    return out


def bad_calls(rank):
    """Each bad call's error type and message (the same on every rank, so no rank is left waiting)."""
    calls = {
        "float16": lambda: dist.all_reduce(np.ones(2, np.float16)),
        "list": lambda: dist.all_reduce([1.0, 2.0]),
        "op": lambda: dist.all_reduce(md.ones(2), op="sum"),
        "avg_int": lambda: dist.all_reduce(md.tensor(np.ones(2, np.int64)), op=dist.ReduceOp.AVG),
        "read_only": lambda: dist.all_reduce(np.broadcast_to(np.ones(1, np.float32), (3,))),
        "src": lambda: dist.broadcast(md.ones(2), src=2),
        "gather_count": lambda: dist.all_gather([md.zeros(2)], md.ones(2)),
        "gather_shape": lambda: dist.all_gather([md.zeros(3), md.zeros(3)], md.ones(2)),
        "group": lambda: dist.barrier(group="world"),
        "metric_names": lambda: dist.all_reduce_metrics({f"metric{rank}": 1.0}),
        "twice": lambda: dist.init_process_group(backend="mpi"),
    }
    out = {}
    for name, call in calls.items():
        try:
            call()
            out[f"error/{name}"] = np.array("no error")
        except Exception as error:  # noqa: BLE001 (recorded for the test to check)
            out[f"error/{name}"] = np.array(f"{type(error).__name__}: {error}")
    return out


def main(out_dir):
    threads_before = md.backend.get_num_threads()
    dist.init_process_group(backend="mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    results = {**collectives(rank, world), **autograd_and_reporting(rank, world)}
    results["threads_before"] = np.array(threads_before)
    results.update(bad_calls(rank))
    np.savez(Path(out_dir) / f"rank{rank}.npz", **results)
    dist.destroy_process_group()
    dist.init_process_group(backend="mpi")  # as in PyTorch, a group can be made again
    again = md.ones(1)
    dist.all_reduce(again)
    dist.destroy_process_group()
    np.save(Path(out_dir) / f"again{rank}.npy", np.append(again.array, dist.is_initialized()))


if __name__ == "__main__":
    main(sys.argv[1])
