"""Flat buffers for the collectives of DistributedDataParallel: one ``Allreduce`` per bucket of
gradients (not one per parameter), one ``Bcast`` per dtype of a model's state, and the check that
every rank built the same model.

A message costs about α + n·β (a fixed latency α plus β per byte), so packing p parameters into
one buffer saves (p − 1)·α per step: for a 10-layer network that is most of the time spent
communicating small bias vectors.
"""

import zlib

import numpy as np

from mathdl import distributed as dist
from mathdl.autograd.tensor import Tensor
from mathdl.distributed import process_group


class GradientBucket:
    """Parameters of one dtype whose gradients are averaged by one ``Allreduce``.

    The buffer holds the flattened gradients followed by one flag per parameter (1 when this rank
    has a gradient for it). After the sum, a parameter whose flags sum to 0 had no gradient on
    any rank and keeps ``grad=None``; the others get (Σ_r g_r) / R, a missing gradient counting as
    zero, which is the gradient of the mean of the ranks' losses.
    """

    def __init__(self, params):
        self.params = list(params)
        self.dtype = self.params[0].array.dtype
        self.offsets = np.concatenate([[0], np.cumsum([p.array.size for p in self.params])]).astype(int)
        self.size = int(self.offsets[-1])
        self.buffer = np.empty(self.size + len(self.params), dtype=self.dtype)

    def _pack(self):
        buffer, flags = self.buffer, self.buffer[self.size :]
        for index, param in enumerate(self.params):
            if param.array.dtype != self.dtype:
                raise RuntimeError(
                    f"DistributedDataParallel: a parameter changed dtype from {self.dtype} to "
                    f"{param.array.dtype} after wrapping; convert the model before wrapping it"
                )
            segment = buffer[self.offsets[index] : self.offsets[index + 1]]
            if param.grad is None:
                segment[...] = 0
                flags[index] = 0
            else:
                segment[...] = param.grad.array.reshape(-1)
                flags[index] = 1

    def _unpack(self):
        flags = self.buffer[self.size :]
        for index, param in enumerate(self.params):
            if flags[index] == 0:
                continue
            mean = self.buffer[self.offsets[index] : self.offsets[index + 1]].reshape(param.shape)
            grad = param.grad
            if grad is None or grad.requires_grad or not grad.array.flags.writeable:
                param.grad = Tensor(mean.copy())
            else:
                grad.array[...] = mean

    def all_reduce_mean(self):
        """Replace each parameter's gradient by its mean over the ranks (one ``Allreduce``)."""
        self._pack()
        dist.all_reduce(self.buffer)
        self.buffer[: self.size] /= process_group.get_world_size()
        self._unpack()


def build_buckets(params, cap_bytes):
    """Group ``params`` (last first, the order backward finishes them in) into buckets of one dtype
    of at most ``cap_bytes`` each (a larger parameter gets a bucket of its own)."""
    buckets, open_buckets = [], {}
    for param in reversed(list(params)):
        dtype = param.array.dtype
        members, size = open_buckets.get(dtype, ([], 0))
        nbytes = param.array.nbytes
        if members and size + nbytes > cap_bytes:
            buckets.append(GradientBucket(members))
            members, size = [], 0
        members.append(param)
        open_buckets[dtype] = (members, size + nbytes)
    buckets.extend(GradientBucket(members) for members, _ in open_buckets.values() if members)
    return buckets


def broadcast_tensors(tensors, src=0):
    """Overwrite every tensor with rank ``src``'s values: one ``Bcast`` per dtype."""
    by_dtype = {}
    for tensor in tensors:
        by_dtype.setdefault(tensor.array.dtype, []).append(tensor)
    for dtype, group in by_dtype.items():
        flat = np.concatenate([t.array.reshape(-1) for t in group]).astype(dtype, copy=False)
        dist.broadcast(flat, src)
        start = 0
        for tensor in group:
            stop = start + tensor.array.size
            tensor.array[...] = flat[start:stop].reshape(tensor.shape)
            start = stop


def check_same_model(named_tensors, where):
    """Raise ValueError on every rank unless all ranks hold tensors of the same names, shapes and
    dtypes, naming the first difference (one small ``Allgather``; the descriptions themselves are
    exchanged, as bytes, only when they differ)."""
    lines = [f"{name} {tuple(t.shape)} {t.array.dtype}" for name, t in named_tensors]
    text = "\n".join(lines).encode("utf-8")
    summary = np.array([len(text), zlib.crc32(text)], dtype=np.int64)
    comm = process_group._comm(where)
    summaries = np.empty((comm.Get_size(), 2), dtype=np.int64)
    comm.Allgather(summary, summaries)
    if (summaries == summaries[0]).all():
        return
    counts = summaries[:, 0].astype(int)
    received = np.empty(int(counts.sum()), dtype=np.uint8)
    comm.Allgatherv(np.frombuffer(text, dtype=np.uint8), [received, counts])
    starts = np.concatenate([[0], np.cumsum(counts)])
    models = [
        received[starts[r] : starts[r + 1]].tobytes().decode("utf-8").split("\n") for r in range(len(counts))
    ]
    raise ValueError(f"{where}: the ranks built different models; " + _first_difference(models))


def _first_difference(models):
    reference = models[0]
    for rank, lines in enumerate(models[1:], start=1):
        for position in range(max(len(reference), len(lines))):
            mine = reference[position] if position < len(reference) else "(nothing)"
            theirs = lines[position] if position < len(lines) else "(nothing)"
            if mine != theirs:
                return (
                    f"parameter/buffer {position}: rank 0 has {mine!r}, rank {rank} has {theirs!r} "
                    f"(name, shape, dtype); every rank must construct the same model"
                )
    return "their descriptions differ"
