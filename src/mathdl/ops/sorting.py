"""Ordering along a dimension: sort, argsort, topk, and the running sum cumsum.

sort and topk pick elements, so their values are a ``gather`` of the input at the sorted indices
and their gradient is ȳ scattered back to where each value came from. cumsum is the linear map
yᵢ = Σ_{j≤i} xⱼ, whose adjoint is the reversed running sum: ∂L/∂xⱼ = Σ_{i≥j} ȳᵢ.
"""

import numpy as np

from mathdl.autograd.function import Function, as_tensor
from mathdl.autograd.tensor import Tensor
from mathdl.ops.dims import one_dim
from mathdl.ops.indexing import Gather
from mathdl.ops.reduction import ValuesIndices
from mathdl.ops.shape import _normalize_axis


def _order(data, dim, descending, stable):
    """Indices that sort ``data`` along ``dim``; ties keep their order (a stable sort)."""
    if data.ndim == 0:
        return np.zeros((), dtype=np.int64)
    if descending:
        if data.dtype.kind in "bu":
            data = data.astype(np.int64)
        data = -data
    return np.argsort(data, axis=dim, kind="stable").astype(np.int64)


def sort(x, dim=None, descending=False, stable=False, *, axis=None):
    """``(values, indices)`` of ``x`` sorted along ``dim`` (default the last), as ``torch.sort`` (ties keep their
    order). The values carry the gradient (scattered back through the indices).

    >>> from mathdl import tensor
    >>> sort(tensor([3.0, 1.0, 2.0]))
    ValuesIndices(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
    """
    x = as_tensor(x)
    dim = one_dim("sort", dim, axis, -1)
    if x.ndim == 0:
        return ValuesIndices(x, Tensor(np.zeros((), dtype=np.int64)))
    dim = _normalize_axis(dim, x.ndim, "sort")
    indices = _order(x.array, dim, descending, stable)
    return ValuesIndices(Gather(dim, indices)(x), Tensor(indices))


def argsort(x, dim=None, descending=False, stable=False, *, axis=None):
    """The indices that sort ``x`` along ``dim`` (default the last; int64), as ``torch.argsort``."""
    return sort(x, dim, descending, stable, axis=axis).indices


def topk(x, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the ``k`` largest (or, with ``largest=False``, smallest) elements
    along ``dim``, as ``torch.topk``; values in order from the most extreme.

    >>> from mathdl import tensor
    >>> topk(tensor([1.0, 5.0, 3.0]), 2)
    ValuesIndices(values=tensor([5., 3.]), indices=tensor([1, 2]))
    """
    x = as_tensor(x)
    if x.ndim == 0:
        x = x.reshape(1)
    dim = _normalize_axis(dim, x.ndim, "topk")
    if not 0 <= k <= x.shape[dim]:
        raise ValueError(f"topk: k={k} is out of range for dimension {dim} of size {x.shape[dim]}")
    order = _order(x.array, dim, largest, True)
    indices = np.take(order, np.arange(k), axis=dim)
    return ValuesIndices(Gather(dim, indices)(x), Tensor(indices))


class CumSum(Function):
    """yᵢ = Σ_{j≤i} xⱼ along ``dim``;  ∂L/∂xⱼ = Σ_{i≥j} ȳᵢ (the reversed running sum of ȳ)."""

    saves = ()

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        return np.cumsum(x, axis=self.dim)

    def backward(self, gy):
        from mathdl.ops.movement import flip

        return flip(CumSum(self.dim)(flip(gy, self.dim)), self.dim)


def cumsum(x, dim=None, *, dtype=None, axis=None):
    """The running sum along ``dim``, as ``torch.cumsum`` (integers sum in int64).

    >>> from mathdl import tensor
    >>> cumsum(tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([1., 3., 6.])
    """
    x = as_tensor(x)
    dim = one_dim("cumsum", dim, axis)
    if dim is None:
        raise TypeError("cumsum: missing the dim argument")
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind in "bui":
        x = Tensor(x.array.astype(np.int64))
    if x.ndim == 0:
        return x.clone()
    return CumSum(_normalize_axis(dim, x.ndim, "cumsum"))(x)
