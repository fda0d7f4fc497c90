"""Central finite differences of a distributed loss, for gradchecks across ranks.

The job's loss is L = Σ_r loss_fn(x_r). Every element of every rank's x is perturbed in turn by ±ε
(only its owner changes it; all ranks evaluate, since loss_fn may contain collectives), giving
∂L/∂x_r on each rank — what backward through the differentiable collectives must produce.
"""

import numpy as np

import mathdl as md
import mathdl.distributed as dist


def distributed_finite_differences(loss_fn, x_local, eps=1e-6):
    sizes = [md.zeros(1, dtype=np.int64) for _ in range(dist.get_world_size())]
    dist.all_gather(sizes, md.tensor(np.array([x_local.size], dtype=np.int64)))
    rank = dist.get_rank()
    gradient = np.zeros_like(x_local)
    for owner, size in enumerate(int(s.array[0]) for s in sizes):
        for index in range(size):
            totals = []
            for step in (eps, -eps):
                x = x_local.copy()
                if rank == owner:
                    x.flat[index] += step
                total = np.array([float(loss_fn(md.tensor(x)).item())])
                dist.all_reduce(total)
                totals.append(total[0])
            if rank == owner:
                gradient.flat[index] = (totals[0] - totals[1]) / (2 * eps)
    return gradient


def autograd_gradient(loss_fn, x_local):
    x = md.tensor(x_local, requires_grad=True)
    loss_fn(x).backward()
    return x.grad.array
