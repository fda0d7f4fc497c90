"""Worker: DistributedDataParallel over 2 ranks against one process with the doubled batch.

    mpiexec -n 2 python ddp_equivalence.py OUT_DIR

Each rank writes OUT_DIR/rank<r>.npz (final parameters per scenario, Allreduce counts, checks).
The test imports this file for ``reference`` (the one-process run) and compares.
"""

import contextlib
import sys
from pathlib import Path

import numpy as np

import mathdl as md
import mathdl.distributed as dist
import mathdl.nn.functional as F
from mathdl import nn
from mathdl.data import DataLoader, DistributedSampler, TensorDataset
from mathdl.nn.parallel import DistributedDataParallel

BATCH, STEPS, FEATURES, HIDDEN, CLASSES = 8, 4, 6, 16, 3
SCENARIOS = [(name, micro, cap) for name in ("sgd", "adam") for micro in (1, 2) for cap in (25, None)]
SMALL_BUCKET_MB = 0.0004  # ~420 bytes: several buckets for this model


def dataset():
    rng = np.random.default_rng(123)
    n = 2 * BATCH * STEPS
    return rng.standard_normal((n, FEATURES)).astype(np.float32), rng.integers(0, CLASSES, n)


def build_model(seed):
    md.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(FEATURES, HIDDEN),
        nn.Tanh(),
        nn.Linear(HIDDEN, HIDDEN),
        nn.Tanh(),
        nn.Linear(HIDDEN, CLASSES),
    )


def build_optimizer(name, params):
    if name == "sgd":
        return md.optim.SGD(params, lr=0.1, momentum=0.9)
    return md.optim.Adam(params, lr=0.01)


def train_step(model, optimizer, batches, no_sync=None):
    """One optimiser step over ``batches`` (micro-batches; each loss weighted 1/len(batches));
    every micro-batch but the last inside ``no_sync()`` when it is given."""
    optimizer.zero_grad()
    for index, (x, y) in enumerate(batches):
        last = index == len(batches) - 1
        with no_sync() if (no_sync is not None and not last) else contextlib.nullcontext():
            loss = F.cross_entropy(model(x), y) * (1.0 / len(batches))
            loss.backward()
    optimizer.step()


def reference(optimizer_name):
    """One process, batch 2B, the same samples in the same steps: {name: final parameter}."""
    x, y = dataset()
    model = build_model(seed=0)
    optimizer = build_optimizer(optimizer_name, model.parameters())
    for step in range(STEPS):
        rows = slice(2 * BATCH * step, 2 * BATCH * (step + 1))
        train_step(model, optimizer, [(md.tensor(x[rows]), md.tensor(y[rows]))])
    return {name: p.array.copy() for name, p in model.named_parameters()}


def distributed_run(optimizer_name, micro, bucket_cap_mb, calls):
    """2 ranks × B samples per step (``micro`` micro-batches, the first ones under no_sync)."""
    x, y = dataset()
    rank = dist.get_rank()
    model = build_model(seed=0 if rank == 0 else 1000 + rank)  # DDP must broadcast rank 0's
    ddp = DistributedDataParallel(model, bucket_cap_mb=bucket_cap_mb or SMALL_BUCKET_MB)
    optimizer = build_optimizer(optimizer_name, ddp.parameters())
    sampler = DistributedSampler(TensorDataset(x, y), shuffle=False)
    loader = DataLoader(TensorDataset(x, y), batch_size=BATCH // micro, sampler=sampler)
    micro_batches = [(xb, yb) for xb, yb in loader]
    per_step = []
    for step in range(STEPS):
        before = calls[0]
        train_step(ddp, optimizer, micro_batches[step * micro : (step + 1) * micro], ddp.no_sync)
        per_step.append(calls[0] - before)
    return {name: p.array.copy() for name, p in ddp.module.named_parameters()}, per_step, ddp.bucket_count


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.shared, self.sometimes, self.never = nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 2)

    def forward(self, x, use_sometimes):
        out = self.shared(x)
        return out + self.sometimes(x) if use_sometimes else out


def unused_parameters():
    """``sometimes`` is used on rank 0 only, ``never`` nowhere: the first gets rank 0's gradient
    / 2 on both ranks, the second keeps grad None."""
    md.manual_seed(5)
    ddp = DistributedDataParallel(TwoHeads())
    x = md.tensor(np.arange(12, dtype=np.float32).reshape(4, 3) / 10 + dist.get_rank())
    loss = ddp(x, use_sometimes=dist.get_rank() == 0).sum()
    local = md.grad(loss, [ddp.module.sometimes.weight], retain_graph=True, allow_unused=True)[
        0
    ]  # no hooks run
    loss.backward()
    return {
        "unused/local_sometimes": np.zeros((2, 3), np.float32) if local is None else local.array,
        "unused/sometimes": ddp.module.sometimes.weight.grad.array,
        "unused/never_is_none": np.array(ddp.module.never.weight.grad is None),
    }


def buffers_and_state():
    """Buffers are rank 0's after wrapping; state_dict has no 'module.' prefix and loads both ways."""
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model[1].running_mean.array[...] = dist.get_rank() + 1
    ddp = DistributedDataParallel(model)
    keys = list(ddp.state_dict())
    prefixed = {"module." + key: value for key, value in ddp.state_dict().items()}
    ddp.load_state_dict(prefixed)
    return {
        "state/running_mean": model[1].running_mean.array.copy(),
        "state/keys_without_prefix": np.array(all(not k.startswith("module.") for k in keys)),
        "state/key_count": np.array(len(keys)),
    }


def main(out_dir):
    dist.init_process_group(backend="mpi")
    calls = [0]
    counted = dist.all_reduce

    def counting_all_reduce(*args, **kwargs):
        calls[0] += 1
        return counted(*args, **kwargs)

    dist.all_reduce = counting_all_reduce  # gradient_buckets calls mathdl.distributed.all_reduce
    results = {}
    for name, micro, cap in SCENARIOS:
        tag = f"{name}/micro{micro}/cap{cap}"
        params, per_step, buckets = distributed_run(name, micro, cap, calls)
        results.update({f"{tag}/{key}": value for key, value in params.items()})
        results[f"{tag}/allreduce_per_step"] = np.array(per_step)
        results[f"{tag}/buckets"] = np.array(buckets)
    dist.all_reduce = counted
    results.update(unused_parameters())
    results.update(buffers_and_state())
    np.savez(Path(out_dir) / f"rank{dist.get_rank()}.npz", **results)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(sys.argv[1])
