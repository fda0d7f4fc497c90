"""Collectives over the default process group, with PyTorch's names and in-place semantics.

Each call hands NumPy buffers to mpi4py's upper-case (buffer) methods (``Allreduce``, ``Bcast``,
``Allgather``, ``Reduce``): the bytes travel as they are, never pickled. Every rank must call the
same collectives in the same order with tensors of the same shape and dtype (MPI cannot check
that; a mismatch hangs or garbles). A tensor that is not C-contiguous goes through a contiguous
copy, written back afterwards.

    all_reduce:  x_r ← ⊕_{s=0}^{R−1} x_s   on every rank r   (⊕ = sum, product, min, max; AVG = sum / R)
    broadcast:   x_r ← x_src
    all_gather:  out_r[s] ← x_s
    reduce:      x_dst ← ⊕_s x_s   (only on rank dst)
"""

import enum

import numpy as np

from mathdl.autograd.tensor import Tensor
from mathdl.distributed import process_group


class ReduceOp(enum.Enum):
    """How ``all_reduce``/``reduce`` combine the ranks' values (``torch.distributed.ReduceOp``)."""

    SUM = "sum"
    PRODUCT = "product"
    MIN = "min"
    MAX = "max"
    AVG = "avg"


_SUPPORTED_KINDS = "biufc"


def _array(tensor, where):
    if isinstance(tensor, Tensor):
        array = tensor.array
    elif isinstance(tensor, np.ndarray):
        array = tensor
    else:
        raise TypeError(f"{where}: expected a Tensor or a NumPy array, got {type(tensor).__name__}")
    if array.dtype.kind not in _SUPPORTED_KINDS or array.dtype == np.float16:
        raise TypeError(
            f"{where}: MPI cannot reduce or send dtype {array.dtype}; use float32, float64, "
            f"an integer or a bool tensor"
        )
    if not array.flags.writeable:
        raise ValueError(f"{where}: the tensor's array is read-only (a broadcast view?); pass a copy")
    return array


def _mpi_op(op, array, where):
    MPI = process_group._mpi()
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{where}: op must be a ReduceOp, got {op!r}")
    if op is ReduceOp.AVG and array.dtype.kind not in "fc":
        raise TypeError(f"{where}: ReduceOp.AVG needs a floating tensor, got dtype {array.dtype}")
    if array.dtype.kind == "b" and op in (ReduceOp.SUM, ReduceOp.PRODUCT):
        return MPI.LOR if op is ReduceOp.SUM else MPI.LAND
    return {
        ReduceOp.SUM: MPI.SUM,
        ReduceOp.AVG: MPI.SUM,
        ReduceOp.PRODUCT: MPI.PROD,
        ReduceOp.MIN: MPI.MIN,
        ReduceOp.MAX: MPI.MAX,
    }[op]


def _through_contiguous(array, operation):
    """Run ``operation(buffer)`` on ``array`` itself when it is C-contiguous, else on a copy that is
    written back (MPI needs one contiguous block of memory)."""
    if array.flags.c_contiguous:
        operation(array)
        return
    buffer = np.ascontiguousarray(array)
    operation(buffer)
    array[...] = buffer


def _check_rank(rank, name, where):
    size = process_group.get_world_size()
    if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or not 0 <= rank < size:
        raise ValueError(f"{where}: {name} must be a rank in 0..{size - 1}, got {rank!r}")
    return int(rank)


def all_reduce(tensor, op=ReduceOp.SUM, group=None):
    """Combine ``tensor`` across all ranks, in place: afterwards every rank holds the result.

    >>> t = md.ones(3) * (dist.get_rank() + 1)   # doctest: +SKIP
    >>> dist.all_reduce(t)                        # doctest: +SKIP   (2 ranks: t == [3, 3, 3])
    """
    process_group._check_group(group)
    comm = process_group._comm("all_reduce")
    array = _array(tensor, "all_reduce")
    mpi_op = _mpi_op(op, array, "all_reduce")
    MPI = process_group._mpi()
    _through_contiguous(array, lambda buffer: comm.Allreduce(MPI.IN_PLACE, buffer, op=mpi_op))
    if op is ReduceOp.AVG:
        array /= comm.Get_size()


def broadcast(tensor, src, group=None):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank, in place."""
    process_group._check_group(group)
    comm = process_group._comm("broadcast")
    array = _array(tensor, "broadcast")
    src = _check_rank(src, "src", "broadcast")
    _through_contiguous(array, lambda buffer: comm.Bcast(buffer, root=src))


def all_gather(tensor_list, tensor, group=None):
    """Fill ``tensor_list[s]`` with rank s's ``tensor`` on every rank (one ``Allgather``).

    ``tensor_list`` holds world_size tensors of ``tensor``'s shape and dtype.
    """
    process_group._check_group(group)
    comm = process_group._comm("all_gather")
    source = _array(tensor, "all_gather")
    size = comm.Get_size()
    if not isinstance(tensor_list, (list, tuple)) or len(tensor_list) != size:
        raise ValueError(
            f"all_gather: tensor_list must be a list of world_size={size} tensors, got "
            f"{len(tensor_list) if isinstance(tensor_list, (list, tuple)) else type(tensor_list).__name__}"
        )
    targets = [_array(t, "all_gather") for t in tensor_list]
    for index, target in enumerate(targets):
        if target.shape != source.shape or target.dtype != source.dtype:
            raise ValueError(
                f"all_gather: tensor_list[{index}] has shape {target.shape} and dtype {target.dtype}; "
                f"every entry must match the input ({source.shape}, {source.dtype})"
            )
    received = np.empty((size, *source.shape), dtype=source.dtype)
    comm.Allgather(np.ascontiguousarray(source), received)
    for target, part in zip(targets, received):
        target[...] = part


def reduce(tensor, dst, op=ReduceOp.SUM, group=None):
    """Combine ``tensor`` across ranks into rank ``dst``'s ``tensor`` (others keep theirs)."""
    process_group._check_group(group)
    comm = process_group._comm("reduce")
    array = _array(tensor, "reduce")
    dst = _check_rank(dst, "dst", "reduce")
    mpi_op = _mpi_op(op, array, "reduce")
    MPI = process_group._mpi()
    if comm.Get_rank() == dst:
        _through_contiguous(array, lambda buffer: comm.Reduce(MPI.IN_PLACE, buffer, op=mpi_op, root=dst))
        if op is ReduceOp.AVG:
            array /= comm.Get_size()
    else:
        comm.Reduce(np.ascontiguousarray(array), None, op=mpi_op, root=dst)


def barrier(group=None):
    """Wait until every rank has reached this call."""
    process_group._check_group(group)
    process_group._comm("barrier").Barrier()
